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

function version(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : 'unknown';
}

function report(rows, seconds) {
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
  ].join('\n');
}

/** The inputs to run ('jsonl': the JSON Lines row), from --only or all. */
function parseOnly(argv) {
  const all = [...INPUTS, 'jsonl'];
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
  const record = (row) => {
    rows.push(row);
    console.log(row.error ? `${row.input} ${row.row}: failed: ${row.error}` : `${row.input} ${row.row} ${row.format}: ${nsText(row.ns_per_sample)} ns/sample ${row.check ?? ''}`);
  };
  for (const input of only.filter((name) => name !== 'jsonl')) {
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
  }
  if (only.includes('jsonl')) {
    try {
      record(jsonLinesRow());
    } catch (error) {
      record({ input: relative(benchDir, jsonlInput), row: 'JSON Lines, ptm CLI', error: error.message });
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const text = report(rows, seconds);
  writeFileSync(join(benchDir, 'results.md'), text);
  writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(rows, null, 1)}\n`);
  console.log(`\n${text}\n(written to ${relative(root, join(benchDir, 'results.md'))})`);
  if (rows.some((r) => r.error || r.check?.startsWith('≠'))) process.exitCode = 1;
}

main();
