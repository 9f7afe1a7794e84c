// bench-wasm.mjs: the "reactor, node" row of `make bench`: the zero-import
// reactor build/wasm/ptm.wasm (the npm package's module) in this Node
// process, called through its raw ABI (include/ptm_wasm.h) as the npm
// package does, converting one request file repeatedly.
//
//   node tests/bench/bench-wasm.mjs [--format otlp|json|prom]
//        [--warm-seconds S] [--batch-seconds S] [--batches N] FILE
//
// The input is copied into the module once; each run is one
// ptm_wasm_convert() call (decode, aggregation, encoding; the output stays
// in the module's memory). Timed by tests/bench/measure.mjs after the
// module is compiled and warm. Prints one JSON object on stdout, with the
// output's sha256 so that tests/bench/matrix.mjs can compare it with
// native's bytes.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { measure, parsePlan, peakRssKib, rowFigures } from './measure.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reactorPath = join(root, 'build', 'wasm', 'ptm.wasm');
const FORMATS = { otlp: 0, json: 1, prom: 2 };

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

async function main() {
  const { plan, rest } = parsePlan(process.argv.slice(2));
  let formatName = 'otlp';
  const files = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--format') formatName = rest[++i];
    else files.push(rest[i]);
  }
  if (files.length !== 1 || FORMATS[formatName] === undefined) {
    throw new Error('usage: bench-wasm.mjs [--format otlp|json|prom] [--warm-seconds S] [--batch-seconds S] [--batches N] FILE');
  }
  const bytes = readFileSync(files[0]);
  const ptm = await loadReactor();
  const handle = createConverter(ptm);
  const input = copyIn(ptm, bytes);
  const format = FORMATS[formatName];
  const convert = () => {
    const code = ptm.ptm_wasm_convert(handle, input, bytes.length, format);
    if (code !== 0) throw new Error(`ptm_wasm_convert: ${code}: ${cString(ptm, ptm.ptm_wasm_last_error(handle))}`);
  };
  const measurement = measure(convert, plan);
  const stats = readStats(ptm, handle);
  const output = outputOf(ptm, handle);
  console.log(JSON.stringify({
    row: 'reactor, node',
    format: formatName,
    ...rowFigures(measurement, stats.samples_total, bytes.length),
    output_bytes: output.length,
    output_sha256: createHash('sha256').update(output).digest('hex'),
    series: stats.series,
    peak_rss_kib: peakRssKib(),
  }));
}

await main();
