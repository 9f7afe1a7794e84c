// config.test.js: each configuration key changes the output as documented.
// Where tests/lib/expect.js implements the key, the converter's decoded output
// must equal its independent result; top_n, units and custom sample types are
// checked against totals computed here from the raw JSON fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMetrics, compareDocs, sortPoints, OVERFLOW_KEY } from './lib/expect.js';
import { fixtures, ptm, scratchFile, decodeMetrics, statsOf, readJSON } from './lib/run.js';

const cpuJson = join(fixtures, 'cpu-ebpf.json');
const pprofJson = join(fixtures, 'cpu-pprof.json');
const memoryJson = join(fixtures, 'memory.json');

// Converts the protobuf twin of a JSON fixture (the JSON is read for expectations).
function convert(config, input, format = 'otlp') {
  const file = scratchFile('config.json');
  writeFileSync(file, JSON.stringify(config));
  const run = ptm(['-c', file, '-f', format, '--stats', input.replace(/\.json$/, '.pb')]);
  assert.equal(run.code, 0, run.stderr);
  return { doc: decodeMetrics(run.stdout), stats: statsOf(run.stderr) };
}

function assertMatchesContract(config, input) {
  const { doc, stats } = convert(config, input);
  const expected = expectedMetrics(readJSON(input), config);
  const diffs = compareDocs(sortPoints(doc), sortPoints(expected));
  assert.deepEqual(diffs, [], diffs.slice(0, 10).join('\n'));
  assert.equal(stats.samples_kept, expected.counts.kept);
  assert.equal(stats.samples_filtered, expected.counts.filtered);
  return { doc, stats, expected };
}

function sumPoints(doc, metric) {
  let total = 0;
  for (const r of doc.resources) for (const p of r.metrics[metric]?.points ?? []) total += Number(p.value);
  return total;
}

function points(doc, metric) {
  return doc.resources.flatMap((r) => r.metrics[metric]?.points ?? []);
}

test('process_filter: include and exclude patterns', () => {
  const { expected } = assertMatchesContract({ process_filter: { patterns: ['^nginx$', 'postgres'] } }, cpuJson);
  assert.ok(expected.counts.filtered > 0 && expected.counts.kept > 0);
  assertMatchesContract({ process_filter: { exclude_patterns: ['^containerd$'] } }, cpuJson);
  assertMatchesContract({ process_filter: { enabled: false, pattern: 'matches-nothing' } }, cpuJson);
});

test('thread_filter', () => {
  const { expected } = assertMatchesContract({ thread_filter: { pattern: 'worker|wal' } }, cpuJson);
  assert.ok(expected.counts.filtered > 0 && expected.counts.kept > 0);
});

test('pattern_filter: function names and attribute values', () => {
  const byFunction = assertMatchesContract({ pattern_filter: { pattern: '^libssl' } }, cpuJson);
  assert.ok(byFunction.expected.counts.filtered > 0 && byFunction.expected.counts.kept > 0);
  assertMatchesContract({ pattern_filter: { exclude_patterns: ['^tcp_sendmsg$'] } }, cpuJson);
  const byValue = assertMatchesContract({ pattern_filter: { pattern: '^frontend$' } }, cpuJson);
  assert.ok(byValue.expected.counts.kept > 0);
});

test('attributes: literal and regex (capture group 1, else the whole match)', () => {
  const config = { attributes: [
    { key: 'deployment.environment', value: 'prod' },
    { key: 'python.version', value: 'python(\\d+\\.\\d+)', type: 'regex' },
    { key: 'kernel.fn', value: 'tcp_\\w+', type: 'regex' },
    { key: 'absent', value: 'no-such-string-\\d+', type: 'regex' },
  ] };
  const { doc } = assertMatchesContract(config, cpuJson);
  const point = points(doc, 'profile.cpu.time')[0];
  assert.equal(point.attributes['deployment.environment'], 'prod');
  assert.equal(point.attributes['python.version'], '3.12');
  assert.equal(point.attributes['kernel.fn'], 'tcp_sendmsg');
  assert.ok(!('absent' in point.attributes));
});

test('cardinality_limit: overflow point, exact totals', () => {
  const unlimited = convert({}, cpuJson).doc;
  const { doc, stats } = assertMatchesContract({ cardinality_limit: 3 }, cpuJson);
  for (const metric of ['profile.cpu.time', 'profile.function.total.cpu.time']) {
    const normal = points(doc, metric).filter((p) => !p.attributes[OVERFLOW_KEY]);
    assert.equal(normal.length, 3, metric);
    assert.ok(points(doc, metric).some((p) => p.attributes[OVERFLOW_KEY] === true));
    assert.ok(Math.abs(sumPoints(doc, metric) - sumPoints(unlimited, metric)) < 1e-9, metric);
  }
  assert.ok(stats.overflowed > 0);
});

test('metrics.function switches', () => {
  const { doc } = assertMatchesContract({ metrics: { function: { total: false } } }, cpuJson);
  assert.ok(points(doc, 'profile.function.self.cpu.time').length > 0);
  assert.equal(points(doc, 'profile.function.total.cpu.time').length, 0);
  const off = assertMatchesContract({ metrics: { function: { enabled: false } } }, cpuJson).doc;
  assert.equal(points(off, 'profile.function.self.cpu.time').length, 0);
});

test('metrics.function.top_n keeps the N largest functions, the rest in overflow', () => {
  const all = convert({}, cpuJson).doc;
  const { doc } = convert({ metrics: { function: { top_n: 2 } } }, cpuJson);
  for (const metric of ['profile.function.self.cpu.time', 'profile.function.total.cpu.time']) {
    const kept = points(doc, metric).filter((p) => !p.attributes[OVERFLOW_KEY]);
    assert.equal(kept.length, 2, metric);
    const largest = points(all, metric).map((p) => p.value).sort((a, b) => b - a).slice(0, 2);
    assert.deepEqual(kept.map((p) => p.value).sort((a, b) => b - a), largest, metric);
    assert.ok(Math.abs(sumPoints(doc, metric) - sumPoints(all, metric)) < 1e-9, metric);
  }
  // Base metrics are untouched by top_n.
  assert.equal(points(doc, 'profile.cpu.time').length, points(all, 'profile.cpu.time').length);
});

test('units: ms scales CPU values; KiBy scales memory and makes it a double', () => {
  const seconds = convert({}, cpuJson).doc;
  const ms = convert({ metrics: { cpu: { unit: 'ms', metric_name: 'cpu.ms' } } }, cpuJson).doc;
  assert.equal(ms.resources[0].metrics['cpu.ms'].unit, 'ms');
  assert.ok(Math.abs(sumPoints(ms, 'cpu.ms') - 1000 * sumPoints(seconds, 'profile.cpu.time')) < 1e-6);
  const bytes = convert({}, memoryJson).doc;
  const kib = convert({ metrics: { memory: { unit: 'KiBy' } } }, memoryJson).doc;
  const metric = kib.resources[0].metrics['profile.memory.allocated'];
  assert.equal(metric.valueType, 'double');
  assert.ok(Math.abs(sumPoints(kib, 'profile.memory.allocated') * 1024 - sumPoints(bytes, 'profile.memory.allocated')) < 1e-6);
});

test('disabling a measure skips its samples', () => {
  const { stats } = assertMatchesContract({ metrics: { off_cpu: { enabled: false } } }, cpuJson);
  const baseline = convert({}, cpuJson).stats;
  assert.ok(stats.samples_skipped > baseline.samples_skipped);
});

test('sample_types maps an unknown type to a custom metric', () => {
  // The sum of the goroutine profile's values, read from the raw JSON.
  const request = readJSON(pprofJson);
  const strings = request.dictionary.stringTable;
  let expected = 0n;
  for (const rp of request.resourceProfiles) for (const sp of rp.scopeProfiles) for (const p of sp.profiles) {
    if (strings[p.sampleType.typeStrindex] !== 'goroutine') continue;
    for (const s of p.samples) expected += (s.values ?? []).reduce((a, v) => a + BigInt(v), 0n);
  }
  assert.ok(expected > 0n);
  const before = convert({}, pprofJson).stats;
  const { doc, stats } = convert({ sample_types: [
    { type: 'goroutine', unit: 'count', metric_name: 'profile.goroutines', metric_unit: '{goroutine}' },
  ] }, pprofJson);
  const metric = doc.resources[0].metrics['profile.goroutines'];
  assert.equal(metric.unit, '{goroutine}');
  assert.equal(metric.valueType, 'int');
  assert.equal(metric.points.reduce((a, p) => a + BigInt(p.value), 0n), expected);
  assert.ok(stats.samples_skipped < before.samples_skipped);
});
