#!/usr/bin/env node
// cli.js: `npx profiletometrics`, which is the ptm command itself: the WASI
// build of cli/cli.c (ptm-wasi.wasm, beside this file, with YAML configs,
// gzip and zstd) run by Node's node:wasi. This file has no options, messages
// or exit codes of its own: the arguments go to the command as they are, its
// stdin, stdout and stderr are this process's, its exit code is this
// process's. The host's root is preopened as "/" and the current directory
// handed over in PWD (the command changes to it under WASI), so relative and
// absolute paths name the same files as for the native ptm.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// node:wasi's calls from optimized code (V8's fast API calls) now and then
// crash the process when a call makes V8 collect garbage (nodejs/node#46777,
// still open): seen here once in 15-70 runs of a 1.2 MB input. Off for this
// process, before any of them runs.
setFlagsFromString('--no-turbo-fast-api-calls');

// node:wasi runs without a flag from Node 20 on (the API works from 18).
if (Number(process.versions.node.split('.')[0]) < 20) {
  process.stderr.write(`ptm: the command line needs Node 20 or newer (node:wasi); this is Node ${process.versions.node}\n`);
  process.exit(2);
}

// node:wasi warns that it is experimental when it loads; that one warning,
// and no other, is left unsaid (the command's stderr is the CLI's).
const emitWarning = process.emitWarning;
process.emitWarning = function quietWasi(warning, ...rest) {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && String(warning?.message ?? warning).startsWith('WASI')) return;
  return emitWarning.call(this, warning, ...rest);
};
const { WASI } = await import('node:wasi');
process.emitWarning = emitWarning;

const wasi = new WASI({
  version: 'preview1',
  args: ['ptm', ...process.argv.slice(2)],
  env: { PWD: process.cwd() },
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(new URL('./ptm-wasi.wasm', import.meta.url)));
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
process.exitCode = wasi.start(instance);
