// hosts.js: the ptm command (cli/cli.c) on each of its hosts, run alike, for
// the tests that hold every host to the same interface: the native CLI, the
// WASI command (build/wasi/ptm.wasm) under wasmtime with the whole tree
// preopened as "/" and the working directory in PWD (as the npm CLI runs
// it), and the npm package's CLI (js/dist/cli.js, what `npx
// profiletometrics` runs: the same WASI command under node:wasi). Each runs
// (args, input) and returns { code, stdout, stderr } as run.js's ptm().
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ptm, root } from './run.js';
import { npmCli } from './npm.js';

export const wasmtimePath = join(root, 'build', 'tools', 'bin', 'wasmtime');
export const wasiModule = join(root, 'build', 'wasi', 'ptm.wasm');

/** The WASI command under wasmtime, every path reachable as natively. */
export function wasiCommand(args, input, { cwd = process.cwd() } = {}) {
  const argv = ['run', '--dir', '/::/', '--env', `PWD=${cwd}`, wasiModule, ...args];
  const run = spawnSync(wasmtimePath, argv, { cwd, input, maxBuffer: 1 << 30 });
  if (run.error) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr.toString() };
}

export const cliHosts = { native: ptm, 'WASI command': wasiCommand, 'npm CLI': npmCli };
