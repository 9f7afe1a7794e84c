// constants.js: the core's table of names (ptm_constants_json, issue 29) as
// the native library and the wasm module each give it, for the tests that
// compare a host's view with it instead of with literals of their own.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './run.js';

/** The native library's table: build/native/test_constants --print. */
export function nativeConstants() {
  return JSON.parse(execFileSync(join(root, 'build', 'native', 'test_constants'), ['--print'], { encoding: 'utf8' }));
}

/** A reactor module's table (ptm_wasm_constants_json), read from a fresh instance of it. */
export function moduleConstants(path = join(root, 'build', 'wasm', 'ptm.wasm')) {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {});
  exports._initialize();
  const memory = new Uint8Array(exports.memory.buffer);
  const start = exports.ptm_wasm_constants_json() >>> 0;
  const end = memory.indexOf(0, start);
  return JSON.parse(new TextDecoder().decode(memory.subarray(start, end)));
}
