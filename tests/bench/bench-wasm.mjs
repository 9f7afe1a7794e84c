// bench-wasm.mjs: the "reactor, node" row of `make bench`: the zero-import
// reactor build/wasm/ptm.wasm (the npm package's module) in this Node
// process, called through its raw ABI (include/ptm_wasm.h) as the npm
// package does, converting one request file repeatedly.
//
//   node tests/bench/bench-wasm.mjs [--mode convert|add|flush]
//        [--format otlp|json|prom]
//        [--warm-seconds S] [--batch-seconds S] [--batches N] FILE
//
// The input is copied into the module once. Timed by tests/bench/measure.mjs
// after the module is compiled and warm; what one run is depends on --mode:
//  - convert (the default): one ptm_wasm_convert() call (decode,
//    aggregation, encoding; the output stays in the module's memory);
//  - add: one ptm_wasm_add() of the input (decode and aggregation into the
//    held series, nothing encoded), on a default converter, its clock 1 µs
//    later each run from START_NS;
//  - flush: one ptm_wasm_flush() in --format on a "cumulative" converter
//    that was given the input by one add at START_NS, its clock 1 µs later
//    each run.
// Prints one JSON object on stdout, with the output's sha256 so that
// tests/bench/matrix.mjs can compare it with native's bytes. add and flush
// rows add "mode"; ns_per_sample is per sample of the input either way; a
// flush row adds "ns_per_series" (time per run / the points it writes,
// "series") and its output is that of one more flush, untimed, at
// FINAL_FLUSH_NS, so that its sha256 is the same in every engine whatever
// the number of runs (an add row's output is empty).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { measure, parsePlan, peakRssKib, rowFigures } from './measure.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reactorPath = join(root, 'build', 'wasm', 'ptm.wasm');
const FORMATS = { otlp: 0, json: 1, prom: 2 };
const MODES = ['convert', 'add', 'flush'];
// The host clock of add and flush: a fixed start, 1 µs more each run; the
// flush row's output is one more flush at FINAL_FLUSH_NS (a minute on:
// inside the 5 min metrics_expiration, far past any timed run).
const START_NS = 1_700_000_000n * 1_000_000_000n;
const FINAL_FLUSH_NS = START_NS + 60n * 1_000_000_000n;
const FLUSH_CONFIG = '{"temporality":"cumulative"}';

/** The reactor instance's exports, initialized. */
async function loadReactor() {
  const { instance } = await WebAssembly.instantiate(readFileSync(reactorPath), {});
  instance.exports._initialize();
  return instance.exports;
}

function cString(ptm, pointer) {
  const bytes = new Uint8Array(ptm.memory.buffer, pointer);
  return Buffer.from(bytes.subarray(0, bytes.indexOf(0))).toString();
}

/** A converter with config (JSON text; '': the defaults); throws with the module's message. */
function createConverter(ptm, config = '') {
  const errorSize = 256;
  const error = ptm.ptm_wasm_alloc(errorSize + 16 + 4);
  const key = error + errorSize;
  const handleOut = key + 16;
  new Uint8Array(ptm.memory.buffer, key, 16).set(randomBytes(16));
  const configBytes = Buffer.from(config);
  const configPointer = configBytes.length > 0 ? copyIn(ptm, configBytes) : 0;
  const result = ptm.ptm_wasm_create(configPointer, configBytes.length, key, handleOut, error, errorSize);
  const message = cString(ptm, error);
  const handle = new DataView(ptm.memory.buffer).getUint32(handleOut, true);
  ptm.ptm_wasm_free(error);
  ptm.ptm_wasm_free(configPointer);
  if (result !== 0) throw new Error(`ptm_wasm_create: ${message}`);
  return handle;
}

/** Copies bytes into a module buffer; returns its pointer. */
function copyIn(ptm, bytes) {
  const pointer = ptm.ptm_wasm_alloc(bytes.length);
  if (pointer === 0) throw new Error('ptm_wasm_alloc: out of memory');
  new Uint8Array(ptm.memory.buffer, pointer, bytes.length).set(bytes);
  return pointer;
}

/** The ptm_stats fields, named by the module's own table (ptm_wasm_constants_json). */
function readStats(ptm, handle) {
  const fields = JSON.parse(cString(ptm, ptm.ptm_wasm_constants_json())).stats;
  const view = new DataView(ptm.memory.buffer, ptm.ptm_wasm_stats(handle), fields.length * 8);
  return Object.fromEntries(fields.map((name, i) => [name, Number(view.getBigUint64(i * 8, true))]));
}

function outputOf(ptm, handle) {
  return new Uint8Array(ptm.memory.buffer, ptm.ptm_wasm_output(handle), ptm.ptm_wasm_output_size(handle));
}

/** Throws with the handle's message unless code is 0. */
function check(ptm, handle, name, code) {
  if (code !== 0) throw new Error(`${name}: ${code}: ${cString(ptm, ptm.ptm_wasm_last_error(handle))}`);
}

async function main() {
  const { plan, rest } = parsePlan(process.argv.slice(2));
  let formatName = 'otlp';
  let mode = 'convert';
  const files = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--format') formatName = rest[++i];
    else if (rest[i] === '--mode') mode = rest[++i];
    else files.push(rest[i]);
  }
  if (files.length !== 1 || FORMATS[formatName] === undefined || !MODES.includes(mode)) {
    throw new Error('usage: bench-wasm.mjs [--mode convert|add|flush] [--format otlp|json|prom] [--warm-seconds S] [--batch-seconds S] [--batches N] FILE');
  }
  const bytes = readFileSync(files[0]);
  const ptm = await loadReactor();
  const handle = createConverter(ptm, mode === 'flush' ? FLUSH_CONFIG : '');
  const input = copyIn(ptm, bytes);
  const format = FORMATS[formatName];
  let now = START_NS;
  let work;
  let samples;
  if (mode === 'convert') {
    work = () => check(ptm, handle, 'ptm_wasm_convert', ptm.ptm_wasm_convert(handle, input, bytes.length, format));
  } else if (mode === 'add') {
    work = () => {
      now += 1000n;
      check(ptm, handle, 'ptm_wasm_add', ptm.ptm_wasm_add(handle, now, input, bytes.length));
    };
  } else {
    check(ptm, handle, 'ptm_wasm_add', ptm.ptm_wasm_add(handle, now, input, bytes.length));
    samples = readStats(ptm, handle).samples_total;
    work = () => {
      now += 1000n;
      check(ptm, handle, 'ptm_wasm_flush', ptm.ptm_wasm_flush(handle, now, format));
    };
  }
  const measurement = measure(work, plan);
  let stats = readStats(ptm, handle);
  if (mode === 'flush') {
    if (now >= FINAL_FLUSH_NS) throw new Error('flush: more runs than the final flush leaves room for');
    check(ptm, handle, 'ptm_wasm_flush', ptm.ptm_wasm_flush(handle, FINAL_FLUSH_NS, format));
    stats = { ...readStats(ptm, handle), samples_total: samples };
  }
  const output = outputOf(ptm, handle);
  const secondsPerRun = measurement.secondsPerRun;
  console.log(JSON.stringify({
    row: 'reactor, node',
    ...(mode === 'convert' ? {} : { mode }),
    format: formatName,
    ...rowFigures(measurement, stats.samples_total, bytes.length),
    output_bytes: output.length,
    output_sha256: createHash('sha256').update(output).digest('hex'),
    series: stats.series,
    ...(mode === 'flush' ? { ns_per_series: stats.series > 0 ? (secondsPerRun * 1e9) / stats.series : 0 } : {}),
    peak_rss_kib: peakRssKib(),
  }));
}

await main();
