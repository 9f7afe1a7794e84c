// wasi-run.mjs: runs a WASI preview1 command under Node's node:wasi, as a
// process of its own, so the module's stdin, stdout and stderr are this
// process's file descriptors 0, 1 and 2 and its exit code is this process's.
//
//   node --no-warnings tests/lib/wasi-run.mjs [--dir DIR]... MODULE.wasm [ARG]...
//
// Each --dir DIR is preopened under its own path (DIR as the guest sees it is
// DIR on the host), so the same paths work in native and WASI runs. argv[0]
// of the module is its file name without .wasm.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { WASI } from 'node:wasi';

// As js/src/cli.js does: V8's fast API calls into node:wasi crash the process
// now and then (nodejs/node#46777).
setFlagsFromString('--no-turbo-fast-api-calls');

/** Splits this script's arguments into preopened dirs, module and its args. */
function parseArgs(argv) {
  const dirs = [];
  let i = 0;
  while (argv[i] === '--dir') {
    dirs.push(argv[i + 1]);
    i += 2;
  }
  if (argv[i] === undefined) throw new Error('usage: wasi-run.mjs [--dir DIR]... MODULE.wasm [ARG]...');
  return { dirs, module: argv[i], args: argv.slice(i + 1) };
}

/** Instantiates the command and runs its _start; returns the exit code. */
async function run({ dirs, module, args }) {
  const wasi = new WASI({
    version: 'preview1',
    args: [basename(module, '.wasm'), ...args],
    env: {},
    preopens: Object.fromEntries(dirs.map((dir) => [dir, dir])),
    returnOnExit: true,
  });
  const compiled = await WebAssembly.compile(readFileSync(module));
  const instance = await WebAssembly.instantiate(compiled, wasi.getImportObject());
  return wasi.start(instance);
}

process.exitCode = await run(parseArgs(process.argv.slice(2)));
