// bench-wasm.mjs: the wasm counterpart of ptm_bench (tests/bench/bench.c).
//
//   node tests/bench/bench-wasm.mjs FILE [SECONDS]
//
// 1. Loads the zero-import reactor build/wasm/ptm.wasm through its raw ABI
//    (include/ptm_wasm.h) in this node process and converts FILE repeatedly
//    for SECONDS (default 3) per output format after one warm-up, timing each
//    whole ptm_wasm_convert() call; prints lines shaped like ptm_bench's.
// 2. Runs build/native/ptm_bench on the same file with a 1 s budget and prints
//    the wasm/native ns-per-sample ratio per format.
// 3. Times whole processes converting FILE once: the WASI command
//    build/wasi/ptm.wasm under the wasmtime CLI (compiled-module cache off,
//    then warm) against the native CLI build/native/ptm; median of 5 runs,
//    output discarded.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reactorPath = join(root, 'build', 'wasm', 'ptm.wasm');
const wasiPath = join(root, 'build', 'wasi', 'ptm.wasm');
const nativeBench = join(root, 'build', 'native', 'ptm_bench');
const nativeCli = join(root, 'build', 'native', 'ptm');
const wasmtimePath = join(root, 'build', 'tools', 'bin', 'wasmtime');
const formats = [['otlp', 0], ['json', 1], ['prom', 2]];
const STATS_FIELDS = ['requests', 'resources', 'profiles', 'samples_total', 'samples_kept',
  'samples_filtered', 'samples_invalid', 'samples_skipped', 'series', 'overflowed', 'attributes_shadowed', 'pattern_limit_hits'];

/** The reactor instance's exports, initialized. */
async function loadReactor() {
  const { instance } = await WebAssembly.instantiate(readFileSync(reactorPath), {});
  instance.exports._initialize();
  return instance.exports;
}

/** A converter with the default config; throws with the module's message. */
function createConverter(ptm) {
  const errorSize = 256;
  const error = ptm.ptm_wasm_alloc(errorSize + 16 + 4);
  const key = error + errorSize;
  const handleOut = key + 16;
  new Uint8Array(ptm.memory.buffer, key, 16).set(randomBytes(16));
  const result = ptm.ptm_wasm_create(0, 0, key, handleOut, error, errorSize);
  const message = cString(ptm, error);
  const handle = new DataView(ptm.memory.buffer).getUint32(handleOut, true);
  ptm.ptm_wasm_free(error);
  if (result !== 0) throw new Error(`ptm_wasm_create: ${message}`);
  return handle;
}

function cString(ptm, pointer) {
  const bytes = new Uint8Array(ptm.memory.buffer, pointer);
  return Buffer.from(bytes.subarray(0, bytes.indexOf(0))).toString();
}

/** Copies bytes into a module buffer; returns its pointer. */
function copyIn(ptm, bytes) {
  const pointer = ptm.ptm_wasm_alloc(bytes.length);
  if (pointer === 0) throw new Error('ptm_wasm_alloc: out of memory');
  new Uint8Array(ptm.memory.buffer, pointer, bytes.length).set(bytes);
  return pointer;
}

function readStats(ptm, handle) {
  const view = new DataView(ptm.memory.buffer, ptm.ptm_wasm_stats(handle), STATS_FIELDS.length * 8);
  return Object.fromEntries(STATS_FIELDS.map((name, i) => [name, Number(view.getBigUint64(i * 8, true))]));
}

function convert(ptm, handle, input, size, format) {
  const code = ptm.ptm_wasm_convert(handle, input, size, format);
  if (code !== 0) throw new Error(`ptm_wasm_convert: ${code}: ${cString(ptm, ptm.ptm_wasm_last_error(handle))}`);
}

/** Converts repeatedly for budget seconds after one warm-up; ptm_bench's figures. */
function benchFormat(ptm, handle, input, size, format, budget) {
  convert(ptm, handle, input, size, format);
  const stats = readStats(ptm, handle);
  const outputSize = ptm.ptm_wasm_output_size(handle);
  let runs = 0;
  const start = process.hrtime.bigint();
  let elapsed;
  do {
    convert(ptm, handle, input, size, format);
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < budget);
  const samples = stats.samples_total * runs;
  return { stats, outputSize, runs, samplesPerSecond: samples / elapsed, nsPerSample: elapsed * 1e9 / samples, mbPerSecond: size * runs / elapsed / 1e6 };
}

function benchLine(name, r) {
  return `${name.padEnd(5)} ${r.stats.samples_total} samples, ${r.stats.series} series, ${r.outputSize} output bytes: `
    + `${r.runs} runs, ${r.samplesPerSecond.toFixed(0)} samples/s, ${r.nsPerSample.toFixed(1)} ns/sample, ${r.mbPerSecond.toFixed(1)} MB/s`;
}

/** ns/sample per format from ptm_bench's output. */
function runNativeBench(file, budget) {
  const run = spawnSync(nativeBench, [file, String(budget)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${nativeBench}: ${run.stderr}`);
  const nsPerSample = {};
  for (const line of run.stdout.split('\n')) {
    const match = /^(\w+)\s.*?([\d.]+) ns\/sample/.exec(line);
    if (match) nsPerSample[match[1]] = Number(match[2]);
  }
  return nsPerSample;
}

/** Median wall time, in ms, of `runs` whole processes; output discarded. */
function processMs(command, args, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (run.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${run.status}: ${run.stderr}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

function benchProcesses(file) {
  if (!existsSync(wasmtimePath)) {
    console.log(`(no ${relative(root, wasmtimePath)}: run tools/setup-wasm-hosts.sh for the WASI timing)`);
    return;
  }
  const input = relative(root, file);
  const wasi = relative(root, wasiPath);
  const version = spawnSync(wasmtimePath, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nwhole process, one conversion of ${input} (-f otlp, median of 5; includes start-up, reading the input, writing the output):`);
  const native = processMs(nativeCli, ['-f', 'otlp', input]);
  const cold = processMs(wasmtimePath, ['run', '-C', 'cache=n', '--dir', '.', wasi, '-f', 'otlp', input]);
  processMs(wasmtimePath, ['run', '--dir', '.', wasi, '-f', 'otlp', input], 1); // fills the compiled-module cache
  const warm = processMs(wasmtimePath, ['run', '--dir', '.', wasi, '-f', 'otlp', input]);
  const wasmtime = version.split(' (')[0];
  const line = (label, ms) => console.log(`${label.padEnd(52)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / native).toFixed(2)}x native`);
  line('native ptm', native);
  line(`${wasmtime} run, module compiled in the run`, cold);
  line(`${wasmtime} run, compiled-module cache warm`, warm);
}

async function main() {
  const file = process.argv[2] ?? join(root, 'build', 'bench.pb');
  const budget = Number(process.argv[3] ?? 3);
  const bytes = readFileSync(file);
  const ptm = await loadReactor();
  const handle = createConverter(ptm);
  const input = copyIn(ptm, bytes);
  console.log(`\nwasm reactor (${relative(root, reactorPath)}, node ${process.version}), input: ${file}, ${bytes.length} bytes`);
  const wasm = {};
  for (const [name, format] of formats) {
    wasm[name] = benchFormat(ptm, handle, input, bytes.length, format, budget);
    console.log(benchLine(name, wasm[name]));
  }
  ptm.ptm_wasm_free(input);
  ptm.ptm_wasm_destroy(handle);

  const native = runNativeBench(file, 1);
  console.log('\nwasm/native time per sample (native: ptm_bench, 1 s per format):');
  for (const [name] of formats) {
    console.log(`${name.padEnd(5)} wasm ${wasm[name].nsPerSample.toFixed(1)} ns/sample, native ${native[name].toFixed(1)} ns/sample: ${(wasm[name].nsPerSample / native[name]).toFixed(2)}x`);
  }
  benchProcesses(file);
}

await main();
