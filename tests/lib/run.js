// run.js: paths and process helpers shared by the node tests: run the native
// ptm CLI, decode its output with the official Go decoder (pmetriccheck), and
// read fixtures (the repo's own, and the shared real captures when present).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtures = join(root, 'tests', 'fixtures');
export const shared = resolve(root, '..', 'shared', 'fixtures');
export const ptmPath = process.env.PTM_BIN ?? join(root, 'build', 'native', 'ptm');
/** CMakeLists.txt's project version, the one place the version is kept. */
export const projectVersion = readFileSync(join(root, 'CMakeLists.txt'), 'utf8').match(/^project\(profiletometrics VERSION (\d+\.\d+\.\d+) /m)?.[1];
export const checkerPath = join(root, 'build', 'go', 'pmetriccheck');

const scratch = mkdtempSync(join(tmpdir(), 'ptm-test-'));
let scratchCount = 0;

/** A fresh file path in a per-process scratch folder. */
export function scratchFile(name) {
  return join(scratch, `${scratchCount++}-${name}`);
}

/**
 * A JSON Lines file whose output is far past a pipe's buffer: 400 copies of
 * tests/fixtures/cpu-ebpf.json, each under a resource of its own (so that the
 * series do not merge). Its path.
 */
export function bigJsonLines() {
  const request = JSON.parse(readFileSync(join(fixtures, 'cpu-ebpf.json'), 'utf8'));
  const big = scratchFile('big.jsonl');
  writeFileSync(big, Array.from({ length: 400 }, (_, copy) => {
    for (const rp of request.resourceProfiles) {
      rp.resource = { ...rp.resource, attributes: [...(rp.resource?.attributes ?? []).filter((a) => a.key !== 'copy'), { key: 'copy', value: { intValue: String(copy) } }] };
    }
    return `${JSON.stringify(request)}\n`;
  }).join(''));
  return big;
}

/** Runs ptm with args; input (Buffer|string) goes to stdin when given. */
export function ptm(args, input) {
  const result = spawnSync(ptmPath, args, { input, maxBuffer: 1 << 30 });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

/** The WASI command (build/wasi/ptm.wasm) under wasmtime, args and stdin as for ptm(). */
export function wasmtime(args, input) {
  const run = spawnSync(join(root, 'build', 'tools', 'bin', 'wasmtime'), ['run', join(root, 'build', 'wasi', 'ptm.wasm'), ...args],
    { input, maxBuffer: 1 << 30 });
  if (run.error) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr.toString() };
}

/** Decodes OTLP metrics bytes with pdata (strict) into the normalized doc. */
export function decodeMetrics(bytes, { json = false } = {}) {
  const file = scratchFile(json ? 'out.jsonl' : 'out.pb');
  writeFileSync(file, bytes);
  const args = ['-strict', ...(json ? ['-json'] : []), file];
  const result = spawnSync(checkerPath, args, { maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`pmetriccheck: ${result.stderr}`);
  return JSON.parse(result.stdout.toString());
}

/** Parses the one JSON object ptm --stats wrote on stderr. */
export function statsOf(stderr) {
  const line = stderr.trim().split('\n').find((l) => l.startsWith('{'));
  return JSON.parse(line);
}

export function readJSON(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function readJSONLines(path) {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

export const haveShared = existsSync(join(shared, 'otlp-real'));

/** A TCP port free on 127.0.0.1 right now, for a server a test starts. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
