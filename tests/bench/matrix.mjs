// matrix.mjs: `make bench`: every row of the benchmark matrix on every input,
// in one run, on the same bytes; prints the table last and writes it to
// build/bench/results.md (and the raw rows to build/bench/results.json).
//
//   node tests/bench/matrix.mjs [--only INPUT,...]   (INPUT: below, or jsonl)
//
// Inputs (build/bench/*.pb, written by tests/go/cmd/fixturegen with the
// official pdata encoder; the Makefile regenerates them when fixturegen's
// sources change): ebpf-1k (its dictionary pruned to what its samples use),
// ebpf-100k, ebpf-1m, pprof-100k, distinct-100k; and ebpf-1k-200mb.jsonl
// (the OTLP/JSON of ebpf-1k repeated to 200 MB) for the JSON Lines row.
//
// Rows, each its own process per input, so that peak RSS is that row's:
//   ptm native          build/native/ptm_bench: ptm_convert(), otlp/json/prom
//   ptm CLI, process    build/native/ptm as a whole process (ptm_runstat)
//   WASI, wasmtime      build/wasi/ptm.wasm precompiled here by `wasmtime
//                       compile` and run with --allow-precompiled
//   reactor, node       tests/bench/bench-wasm.mjs (build/wasm/ptm.wasm)
//   reactor, wazero     build/go/wazerobench (wazero's compiler)
//   Go pdata baseline   build/go/pdatabaseline
//   plain-JS baseline   tests/bench/js-baseline.mjs (protobufjs)
//   floor (decode only), memory scan: build/native/ptm_floor
//   JSON Lines, CLI     ptm on the 200 MB JSON Lines file (peak RSS)
//
// The held path (issue 32), per input: the add path (decode and aggregate
// into held series, no encoding: ptm_converter_add) in every engine, native
// ptm_bench --mode add, the reactor in Node and wazero (--mode add), the
// native driver built for WASI in wasmtime (build/wasi/ptm_bench.wasm);
// the flush path (--mode flush: the held series encoded, per series) in
// each format natively and at otlp in the wasm engines, whose bytes must be
// native's; and on build/bench/ebpf-1.pb (one sample) the fixed cost of a
// request. The issue's targets are checked last, each against its figure.
//
// Peak RSS: each row's process from wait4 (ptm_runstat runs every driver).
// Time: CPU time of the converting process. In-process rows follow
// tests/bench/measure.h (warm-up, then the median of 5 batches of ~0.2 s;
// ebpf-1m: one warm-up run and 3 batches of one run). Process rows (CLI,
// WASI) are whole runs under ptm_runstat (CPU time and peak RSS from
// wait4): one warm-up run, then the median of 5 (ebpf-1m: 3) runs, less the
// median of 5 runs on an empty input (start-up, module loading, exit).
// "× ptm native" is the row's time per sample over ptm native's (same input,
// same output format; rows at otlp and the floors over native otlp).
// Checks: the wasm rows' output must be native's bytes (sha256); the
// baselines' output, decoded by build/go/pmetriccheck next to native's,
// must have the same number of points and the same total per metric; the
// floor must count the same samples. A failed check marks the row "≠".
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { distinctFunctionsDoc } from '../lib/hostile.js';
import { profilesRequest } from '../lib/pb.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const benchDir = join(root, 'build', 'bench');
const outDir = join(benchDir, 'out');
const bin = {
  bench: join(root, 'build', 'native', 'ptm_bench'),
  floor: join(root, 'build', 'native', 'ptm_floor'),
  runstat: join(root, 'build', 'native', 'ptm_runstat'),
  cli: join(root, 'build', 'native', 'ptm'),
  wasmtime: join(root, 'build', 'tools', 'bin', 'wasmtime'),
  wazero: join(root, 'build', 'go', 'wazerobench'),
  pdata: join(root, 'build', 'go', 'pdatabaseline'),
  pmetriccheck: join(root, 'build', 'go', 'pmetriccheck'),
};
const wasiModule = join(root, 'build', 'wasi', 'ptm.wasm');
const wasiBench = join(root, 'build', 'wasi', 'ptm_bench.wasm');
const oneSampleInput = join(benchDir, 'ebpf-1.pb');
const oneFrameInput = join(benchDir, 'one-frame.pb');

/** The smallest request worth converting: one process, one sample, a one-frame stack (what a request costs whatever its size). */
function writeOneFrameInput() {
  const doc = distinctFunctionsDoc(1);
  doc.resourceProfiles[0].resource = { attributes: [
    { key: 'process.pid', value: { intValue: '42' } }, { key: 'process.executable.name', value: { stringValue: 'app' } }] };
  writeFileSync(oneFrameInput, profilesRequest(doc));
}
const reactorModule = join(root, 'build', 'wasm', 'ptm.wasm');
const precompiled = join(benchDir, 'ptm-wasi.cwasm');
const emptyInput = join(benchDir, 'empty.pb');
const jsonlInput = join(benchDir, 'ebpf-1k-200mb.jsonl');
const jsonlConfig = join(root, 'tests', 'bench', 'jsonl-config.json');

const INPUTS = ['ebpf-1k', 'ebpf-100k', 'ebpf-1m', 'pprof-100k', 'distinct-100k'];
const FORMATS = ['otlp', 'json', 'prom'];
const DRIVER_TIMEOUT_MS = 600_000;

/** Driver options and process-run counts for an input. */
function planFor(input) {
  if (input === 'ebpf-1m') return { args: ['--warm-seconds', '0', '--batch-seconds', '0', '--batches', '3'], processRuns: 3 };
  return { args: [], processRuns: 5 };
}

/** Runs a command; its stdout. Throws with its stderr when it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, maxBuffer: 1 << 30, timeout: DRIVER_TIMEOUT_MS, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${relative(root, command)} ${args.join(' ')}: exit ${result.status}: ${String(result.stderr).trim().split('\n').pop()}`);
  }
  return result.stdout.toString();
}

/**
 * The one JSON object a driver prints, run under ptm_runstat so that its
 * peak RSS is the driver's own from wait4 (a child forked from this Node
 * process would start with Node's pages counted in its ru_maxrss).
 */
function driver(command, args) {
  const stdout = join(outDir, 'driver.json');
  const measured = JSON.parse(run(bin.runstat, ['-o', stdout, '--', command, ...args]));
  if (measured.exit !== 0) throw new Error(`${relative(root, command)} ${args.join(' ')}: exit ${measured.exit}`);
  const lines = readFileSync(stdout, 'utf8').trim().split('\n');
  return { ...JSON.parse(lines[lines.length - 1]), peak_rss_kib: measured.peak_rss_kib };
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
};

/** ptm_runstat around one command: { cpu_ns, peak_rss_kib, exit }. */
function runstat(command, args, stdoutFile) {
  const result = JSON.parse(run(bin.runstat, [...(stdoutFile ? ['-o', stdoutFile] : []), '--', command, ...args]));
  if (result.exit !== 0) throw new Error(`${relative(root, command)} ${args.join(' ')}: exit ${result.exit}`);
  return result;
}

/** A whole-process row: warm-up, median of runs less the empty input's. */
function processRow(name, format, input, command, argsFor, runs, reference) {
  const file = join(benchDir, `${input}.pb`);
  runstat(command, argsFor(file));
  const empty = median(Array.from({ length: 5 }, () => runstat(command, argsFor(emptyInput)).cpu_ns));
  const measured = Array.from({ length: runs }, () => runstat(command, argsFor(file)));
  const checkFile = join(outDir, `${input}.${name.replace(/\W+/g, '-')}.${format}`);
  runstat(command, argsFor(file), checkFile);
  const ns = median(measured.map((m) => m.cpu_ns)) - empty;
  const { samples, input_bytes } = reference;
  return {
    row: name, format, samples, input_bytes, ns_per_sample: ns / samples, mb_per_s: input_bytes / ns * 1e3,
    runs, startup_ms: empty / 1e6, peak_rss_kib: Math.max(...measured.map((m) => m.peak_rss_kib)),
    output_sha256: sha256(checkFile),
  };
}

/** Per metric name: { points, total }, from pmetriccheck's document. */
function metricSummary(file) {
  const doc = JSON.parse(run(bin.pmetriccheck, [file]));
  const summary = {};
  for (const resource of doc.resources) {
    for (const [name, metric] of Object.entries(resource.metrics)) {
      summary[name] ??= { points: 0, total: 0 };
      summary[name].points += metric.points.length;
      for (const p of metric.points) summary[name].total += Number(p.value);
    }
  }
  return summary;
}

/** '' when the summaries agree, else what differs first. */
function compareSummaries(expected, actual) {
  const names = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const name of names) {
    const e = expected[name] ?? { points: 0, total: 0 };
    const a = actual[name] ?? { points: 0, total: 0 };
    if (e.points !== a.points) return `${name}: ${a.points} points, ptm ${e.points}`;
    if (Math.abs(e.total - a.total) > 1e-9 * Math.max(1, Math.abs(e.total))) return `${name}: total ${a.total}, ptm ${e.total}`;
  }
  return '';
}

/* The configurations whose cost the breakdown rows show (README.md,
 * "Breakdowns and recording rules"): each breakdown alone, all four, and ten
 * recording rules (self and inclusive, one with group_by), on one input. */
const BREAKDOWN_INPUT = 'ebpf-100k';
const tenRules = [
  ['^runtime\\.', 'inclusive'], ['futex', 'inclusive'], ['schedule', 'inclusive'], ['^main\\.', 'self'],
  ['syscall', 'inclusive'], ['^libc', 'self'], ['(?i)gc', 'inclusive'], ['no-such-function', 'inclusive'],
  ['^do_', 'self'], ['sleep|wait', 'inclusive'],
].map(([regex, mode], i) => ({ metric_name: `bench.rule${i}.cpu.time`, functions: [regex], mode, ...(i === 2 ? { group_by: ['thread.name'] } : {}) }));
const BREAKDOWN_CONFIGS = {
  'breakdowns.frame_type': { breakdowns: { frame_type: true } },
  'breakdowns.library': { breakdowns: { library: true } },
  'breakdowns.kernel': { breakdowns: { kernel: true } },
  'breakdowns.package': { breakdowns: { package: true } },
  'all four breakdowns': { breakdowns: { frame_type: true, library: true, kernel: true, package: true } },
  'ten rules': { rules: tenRules },
};

/** The native driver with each breakdown configuration, at otlp. */
function* breakdownRows(input, args) {
  for (const [name, config] of Object.entries(BREAKDOWN_CONFIGS)) {
    const path = join(outDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
    writeFileSync(path, JSON.stringify(config));
    yield { ...driver(bin.bench, ['--format', 'otlp', '--config', path, ...args, join(benchDir, `${input}.pb`)]), row: `ptm native, ${name}`, check: '' };
  }
}

/** The rows of one input. */
function* inputRows(input) {
  const file = join(benchDir, `${input}.pb`);
  const { args, processRuns } = planFor(input);
  const reference = {};
  for (const format of FORMATS) {
    const out = join(outDir, `${input}.native.${format}`);
    run(bin.cli, ['-f', format, '-o', out, file]);
    reference[format] = sha256(out);
  }
  const native = {};
  for (const format of FORMATS) {
    native[format] = driver(bin.bench, ['--format', format, ...args, file]);
    yield { ...native[format], check: '' };
  }
  if (input === BREAKDOWN_INPUT) yield* breakdownRows(input, args);
  const sameBytes = (row) => ({ ...row, check: row.output_sha256 === reference[row.format] ? '= bytes' : '≠ bytes' });
  const cliArgs = (f) => ['-f', 'otlp', f];
  yield sameBytes(processRow('ptm CLI, process', 'otlp', input, bin.cli, cliArgs, processRuns, native.otlp));
  const wasiArgs = (f) => ['run', '--allow-precompiled', '--dir', `${benchDir}::${benchDir}`, precompiled, '-f', 'otlp', f];
  yield sameBytes(processRow('WASI, wasmtime', 'otlp', input, bin.wasmtime, wasiArgs, processRuns, native.otlp));
  yield sameBytes(driver('node', [join(root, 'tests', 'bench', 'bench-wasm.mjs'), ...args, file]));
  yield sameBytes(driver(bin.wazero, ['-module', reactorModule, ...args, file]));
  const expected = metricSummary(join(outDir, `${input}.native.otlp`));
  const agrees = (row, output) => {
    const difference = compareSummaries(expected, metricSummary(output));
    return { ...row, check: difference === '' ? '✓ agrees' : `≠ ${difference}` };
  };
  const pdataOut = join(outDir, `${input}.pdata.otlp`);
  yield agrees(driver(bin.pdata, ['-output', pdataOut, ...args, file]), pdataOut);
  const jsOut = join(outDir, `${input}.js.otlp`);
  yield agrees(driver('node', ['--max-old-space-size=16384', join(root, 'tests', 'bench', 'js-baseline.mjs'), '--output', jsOut, ...args, file]), jsOut);
  for (const mode of [[], ['--scan']]) {
    const row = driver(bin.floor, [...mode, ...args, file]);
    yield { ...row, format: '—', check: row.samples === native.otlp.samples ? '' : `≠ ${row.samples} samples` };
  }
}

/** The held path of one input: add rows in every engine, flush rows. */
function* heldRows(input, file, args) {
  const wasmtimeBench = (more) => driver(bin.wasmtime, ['run', '--dir', `${benchDir}::${benchDir}`, wasiBench, ...more]);
  const add = [
    ['ptm native', () => driver(bin.bench, ['--mode', 'add', ...args, file])],
    ['reactor, node', () => driver('node', [join(root, 'tests', 'bench', 'bench-wasm.mjs'), '--mode', 'add', ...args, file])],
    ['reactor, wazero', () => driver(bin.wazero, ['-module', reactorModule, '-mode', 'add', ...args, file])],
    ['WASI, wasmtime', () => wasmtimeBench(['--mode', 'add', ...args, file])],
  ];
  for (const [engine, measureRow] of add) yield { ...measureRow(), row: `${engine}, add`, mode: 'add', check: '' };
  const nativeFlush = {};
  for (const format of FORMATS) {
    const out = join(outDir, `${input}.flush.${format}`);
    nativeFlush[format] = driver(bin.bench, ['--mode', 'flush', '--format', format, '--output', out, ...args, file]);
    yield { ...nativeFlush[format], row: 'ptm native, flush', mode: 'flush', check: '', output_sha256: sha256(out) };
  }
  const reference = sha256(join(outDir, `${input}.flush.otlp`));
  const sameFlush = (row, engine) => ({ ...row, row: `${engine}, flush`, mode: 'flush', check: row.output_sha256 === reference ? '= bytes' : '≠ bytes' });
  yield sameFlush(driver('node', [join(root, 'tests', 'bench', 'bench-wasm.mjs'), '--mode', 'flush', ...args, file]), 'reactor, node');
  yield sameFlush(driver(bin.wazero, ['-module', reactorModule, '-mode', 'flush', ...args, file]), 'reactor, wazero');
}

/** The cost of a one-sample request, added and converted natively, added in the wasm engines. */
function* requestCostRows(file) {
  yield { ...driver(bin.bench, ['--mode', 'add', file]), row: 'ptm native, add', mode: 'add', check: '' };
  yield { ...driver(bin.bench, ['--mode', 'convert', file]), row: 'ptm native', mode: 'convert', check: '' };
  yield { ...driver('node', [join(root, 'tests', 'bench', 'bench-wasm.mjs'), '--mode', 'add', file]), row: 'reactor, node, add', mode: 'add', check: '' };
  yield { ...driver(bin.wazero, ['-module', reactorModule, '-mode', 'add', file]), row: 'reactor, wazero, add', mode: 'add', check: '' };
}

/** The JSON Lines memory row: the native CLI on the 200 MB file. */
function jsonLinesRow() {
  const result = spawnSync(bin.runstat, ['--', bin.cli, '-c', jsonlConfig, '-f', 'otlp', '--stats', jsonlInput], { cwd: root, maxBuffer: 1 << 30 });
  const measured = JSON.parse(result.stdout.toString());
  if (result.status !== 0 || measured.exit !== 0) throw new Error(`ptm on ${relative(root, jsonlInput)}: ${result.stderr}`);
  const stats = JSON.parse(result.stderr.toString().trim().split('\n').find((l) => l.startsWith('{')));
  const bytes = statSync(jsonlInput).size;
  return {
    input: relative(benchDir, jsonlInput), row: 'JSON Lines, ptm CLI', format: 'otlp', samples: stats.samples_total,
    input_bytes: bytes, ns_per_sample: measured.cpu_ns / stats.samples_total, mb_per_s: bytes / measured.cpu_ns * 1e3,
    runs: 1, peak_rss_kib: measured.peak_rss_kib, check: `${stats.requests} requests`,
  };
}

const number = (value, digits) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const nsText = (ns) => number(ns, ns < 10 ? 2 : ns < 1000 ? 1 : 0);
const ratioText = (r) => (r === undefined ? '' : `${r >= 10 ? number(r, 1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`);

function table(rows) {
  const head = ['input', 'row', 'output', 'ns/sample', 'MB/s', 'peak RSS MB', '× ptm native', 'check'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i >= 3 && i <= 6 ? '---:' : '---')).join('|')}|`];
  for (const r of rows) {
    const cells = r.error
      ? [r.input, r.row, r.format ?? '', '', '', '', '', `failed: ${r.error}`]
      : [r.input, r.row, r.format, nsText(r.ns_per_sample), number(r.mb_per_s, 1), number(r.peak_rss_kib / 1024, 1), ratioText(r.ratio), r.check];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The held-path table: add rows (ns/sample, × floor, × native add), flush rows (ns/series). */
function heldTable(rows) {
  const head = ['input', 'row', 'output', 'ns/sample', 'ns/series', 'µs/request', '× floor', 'speed vs native', 'check'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i >= 3 && i <= 7 ? '---:' : '---')).join('|')}|`];
  for (const r of rows) {
    const cells = r.error
      ? [r.input, r.row, '', '', '', '', '', '', `failed: ${r.error}`]
      : [r.input, r.row, r.mode === 'flush' ? r.format : '—', r.mode === 'flush' ? '' : nsText(r.ns_per_sample),
          r.mode === 'flush' ? nsText(r.ns_per_series) : '', r.samples === 1 ? number(r.ns_per_run / 1000, 2) : '',
          ratioText(r.floor_ratio), r.speed === undefined ? '' : `${r.speed.toFixed(2)}×`, r.check ?? ''];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The targets of issue 32, each with the figure it is judged on. */
function targets(rows, held) {
  const find = (list, input, row, format) => list.find((r) => r.input === input && r.row === row && !r.error && (format === undefined || r.format === format));
  const floorOf = (input) => find(rows, input, 'floor (decode only)');
  const out = [];
  const add = (what, figure, target, holds) => out.push({ what, figure, target, holds });
  for (const [input, limit] of [['ebpf-1m', 3], ['ebpf-100k', 3], ['ebpf-1k', 5]]) {
    const row = find(held, input, 'ptm native, add');
    const floor = floorOf(input);
    if (row && floor) add(`add path, ${input}`, `${(row.ns_per_sample / floor.ns_per_sample).toFixed(1)}× the floor (${nsText(row.ns_per_sample)} / ${nsText(floor.ns_per_sample)} ns)`, `≤ ${limit}×`, row.ns_per_sample / floor.ns_per_sample <= limit);
  }
  const one = find(held, 'one-frame (one sample)', 'ptm native, add');
  if (one) add('fixed cost of a request: native add of one sample, one frame', `${number(one.ns_per_run / 1000, 2)} µs`, '≤ 2 µs', one.ns_per_run <= 2000);
  for (const [format, limit] of [['otlp', 100], ['json', 150], ['prom', 150]]) {
    const row = find(held, 'ebpf-100k', 'ptm native, flush', format);
    if (row) add(`flush, ${format}, ebpf-100k`, `${nsText(row.ns_per_series)} ns/series`, `≤ ${limit}`, row.ns_per_series <= limit);
  }
  for (const input of INPUTS) {
    const pdata = find(rows, input, 'Go pdata baseline');
    const native = find(rows, input, 'ptm native', 'otlp');
    if (pdata && native) add(`end to end vs the pdata baseline, ${input}`, `${(pdata.ns_per_sample / native.ns_per_sample).toFixed(1)}× faster`, '≥ 10×', pdata.ns_per_sample / native.ns_per_sample >= 10);
  }
  for (const [engine, limit] of [['reactor, node', 0.6], ['WASI, wasmtime', 0.6], ['reactor, wazero', 0.4]]) {
    const speeds = held.filter((r) => r.row === `${engine}, add` && r.speed !== undefined && INPUTS.includes(r.input));
    if (speeds.length === 0) continue;
    const worst = speeds.reduce((a, b) => (b.speed < a.speed ? b : a));
    add(`add path in ${engine.split(', ')[1]} vs native (worst input: ${worst.input})`, `${worst.speed.toFixed(2)}×`, `≥ ${limit}`, worst.speed >= limit);
  }
  const lines = ['| target | measured | wanted | holds |', '|---|---:|---:|---|'];
  for (const t of out) lines.push(`| ${t.what} | ${t.figure} | ${t.target} | ${t.holds ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

function version(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : 'unknown';
}

function report(rows, held, seconds) {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`;
  return [
    '# make bench: results',
    '',
    `Measured ${new Date().toISOString()} in ${Math.round(seconds)} s on ${machine}; ${process.version}, ${version('go', ['version'])}, ${version(bin.wasmtime, ['--version'])}.`,
    '',
    'Time is CPU time of the converting process: in-process rows take the median of 5 batches of ~0.2 s after a',
    '0.3 s warm-up (ebpf-1m: 3 single runs after one), process rows (ptm CLI, WASI) the median whole run',
    'less the median run on an empty input. Peak RSS: the row\'s process, from wait4 (ptm_runstat runs each).',
    '"× ptm native": time per sample over ptm native\'s for the same input and output format',
    '(> 1 is slower). Checks: "= bytes" the output is native\'s; "✓ agrees" a baseline has the same points',
    'and total per metric as ptm. See tests/bench/matrix.mjs.',
    '',
    table(rows),
    '',
    '## The held path (issue 32)',
    '',
    'Add: decode and aggregation into held series (ptm_converter_add), ns per sample of the request; "× floor":',
    'over the decode-only floor of the same input; "speed vs native": native add\'s time over the row\'s (1 is',
    'native speed). Flush: the held series of one add encoded (cumulative, so every flush writes them all), ns',
    'per series written; the wasm engines\' bytes must be native\'s. one-frame: one sample of a one-frame stack; ebpf-1:',
    'one eBPF-like sample (a 30-frame stack and its dictionary); µs per request. Wasm rows',
    'time on each engine\'s own clock inside the module (wasmtime: wall time, WASI has no process CPU clock).',
    '',
    heldTable(held),
    '',
    '## Targets (issue 32)',
    '',
    targets(rows, held),
    '',
  ].join('\n');
}

/** The inputs to run ('jsonl': the JSON Lines row), from --only or all. */
function parseOnly(argv) {
  const all = [...INPUTS, 'ebpf-1', 'jsonl'];
  const at = argv.indexOf('--only');
  if (at < 0) return all;
  const only = argv[at + 1]?.split(',') ?? [];
  for (const name of only) if (!all.includes(name)) throw new Error(`--only: no input ${name} (${all.join(', ')})`);
  return only;
}

function main() {
  const only = parseOnly(process.argv.slice(2));
  const started = process.hrtime.bigint();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(emptyInput, '');
  run(bin.wasmtime, ['compile', wasiModule, '-o', precompiled]);
  const rows = [];
  const held = [];
  const recordHeld = (row) => {
    held.push(row);
    console.log(row.error ? `${row.input} ${row.row}: failed: ${row.error}` : `${row.input} ${row.row} ${row.mode === 'flush' ? `${row.format}: ${nsText(row.ns_per_series)} ns/series` : `${nsText(row.ns_per_sample)} ns/sample`} ${row.check ?? ''}`);
  };
  const record = (row) => {
    rows.push(row);
    console.log(row.error ? `${row.input} ${row.row}: failed: ${row.error}` : `${row.input} ${row.row} ${row.format}: ${nsText(row.ns_per_sample)} ns/sample ${row.check ?? ''}`);
  };
  for (const input of only.filter((name) => name !== 'jsonl' && name !== 'ebpf-1')) {
    if (!existsSync(join(benchDir, `${input}.pb`))) throw new Error(`no build/bench/${input}.pb: run make bench`);
    const rowsOfInput = [];
    try {
      for (const row of inputRows(input)) {
        rowsOfInput.push(row);
        record({ input, ...row });
      }
    } catch (error) {
      record({ input, row: `the row after ${rowsOfInput.at(-1)?.row ?? 'none'}`, error: error.message });
    }
    const native = Object.fromEntries(rowsOfInput.filter((r) => r.row === 'ptm native').map((r) => [r.format, r.ns_per_sample]));
    for (const row of rows.filter((r) => r.input === input && !r.error)) row.ratio = row.ns_per_sample / (native[row.format] ?? native.otlp);
    const { args } = planFor(input);
    const heldOfInput = [];
    try {
      for (const row of heldRows(input, join(benchDir, `${input}.pb`), args)) {
        heldOfInput.push(row);
        recordHeld({ input, ...row });
      }
    } catch (error) {
      recordHeld({ input, row: `the held row after ${heldOfInput.at(-1)?.row ?? 'none'}`, error: error.message });
    }
    const floor = rowsOfInput.find((r) => r.row === 'floor (decode only)');
    const nativeAdd = held.find((r) => r.input === input && r.row === 'ptm native, add' && !r.error);
    for (const row of held.filter((r) => r.input === input && !r.error && r.mode === 'add')) {
      if (floor) row.floor_ratio = row.ns_per_sample / floor.ns_per_sample;
      if (nativeAdd) row.speed = nativeAdd.ns_per_sample / row.ns_per_sample;
    }
  }
  if (only.includes('ebpf-1')) {
    writeOneFrameInput();
    for (const [name, file] of [['one-frame (one sample)', oneFrameInput], ['ebpf-1 (one sample)', oneSampleInput]]) {
      try {
        const cost = [...requestCostRows(file)].map((row) => ({ input: name, ...row }));
        cost.forEach(recordHeld);
        for (const row of cost) row.ns_per_run ??= row.ns_per_sample * row.samples;
        for (const row of cost.filter((r) => r.mode === 'add')) row.speed = cost[0].ns_per_run / row.ns_per_run;
      } catch (error) {
        recordHeld({ input: name, row: 'request cost', error: error.message });
      }
    }
  }
  if (only.includes('jsonl')) {
    try {
      record(jsonLinesRow());
    } catch (error) {
      record({ input: relative(benchDir, jsonlInput), row: 'JSON Lines, ptm CLI', error: error.message });
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const text = report(rows, held, seconds);
  writeFileSync(join(benchDir, 'results.md'), text);
  writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify({ rows, held }, null, 1)}\n`);
  console.log(`\n${text}\n(written to ${relative(root, join(benchDir, 'results.md'))})`);
  if ([...rows, ...held].some((r) => r.error || r.check?.startsWith('≠'))) process.exitCode = 1;
}

main();
