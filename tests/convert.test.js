// convert.test.js: the converter's output, decoded by pdata's official
// decoder, equals what tests/lib/expect.js computes independently from the
// OTLP/JSON twin of each input: for the repo's fixtures (written by pdata)
// and the real eBPF profiler captures in ../shared (skipped when absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMetrics, compareDocs, sortPoints } from './lib/expect.js';
import {
  fixtures, shared, haveShared, ptm, decodeMetrics, statsOf, readJSON, readJSONLines,
} from './lib/run.js';

const pairs = ['cpu-ebpf', 'memory', 'cpu-pprof'].map((name) => ({
  name, pb: join(fixtures, `${name}.pb`), json: join(fixtures, `${name}.json`),
}));

function assertSameDoc(actual, expected, label) {
  const diffs = compareDocs(sortPoints(actual), sortPoints(expected));
  assert.deepEqual(diffs, [], `${label}:\n${diffs.slice(0, 20).join('\n')}`);
}

function assertCounts(stats, counts) {
  assert.deepEqual(
    [stats.samples_total, stats.samples_kept, stats.samples_filtered, stats.samples_invalid, stats.samples_skipped],
    [counts.total, counts.kept, counts.filtered, counts.invalid, counts.skipped]);
}

for (const { name, pb, json } of pairs) {
  test(`${name}: protobuf input → OTLP protobuf matches the contract`, () => {
    const run = ptm(['-f', 'otlp', '--stats', pb]);
    assert.equal(run.code, 0, run.stderr);
    const expected = expectedMetrics(readJSON(json));
    assertSameDoc(decodeMetrics(run.stdout), expected, name);
    assertCounts(statsOf(run.stderr), expected.counts);
    assert.ok(expected.counts.kept > 0, 'the fixture exercises kept samples');
  });

  test(`${name}: OTLP/JSON input → OTLP/JSON output matches the contract`, () => {
    const run = ptm(['-f', 'json', json]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.toString().split('\n').filter(Boolean).length, 1, 'one line per request');
    assertSameDoc(decodeMetrics(run.stdout, { json: true }), expectedMetrics(readJSON(json)), name);
  });

  test(`${name}: protobuf and JSON inputs give identical bytes, every time`, () => {
    const fromPb = ptm(['-f', 'otlp', pb]).stdout;
    const fromJson = ptm(['-f', 'otlp', json]).stdout;
    assert.ok(fromPb.length > 0);
    assert.ok(fromPb.equals(fromJson), 'same request, same output');
    assert.ok(fromPb.equals(ptm(['-f', 'otlp', pb]).stdout), 'deterministic');
  });
}

test('JSON Lines: one output line per request, each matching its request', () => {
  const file = join(fixtures, 'multi.jsonl');
  const run = ptm(['-f', 'json', '--stats', file]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.toString().split('\n').filter(Boolean);
  const requests = readJSONLines(file);
  assert.equal(lines.length, requests.length);
  lines.forEach((line, i) => assertSameDoc(decodeMetrics(line + '\n', { json: true }),
    expectedMetrics(requests[i]), `line ${i + 1}`));
  assert.equal(statsOf(run.stderr).requests, requests.length);
});

test('stdin input and -o output', () => {
  const pb = readFileSync(pairs[0].pb);
  const viaStdin = ptm(['-f', 'otlp', '-'], pb);
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  assert.ok(viaStdin.stdout.equals(ptm(['-f', 'otlp', pairs[0].pb]).stdout));
});

test('real eBPF capture (on-CPU + off-CPU): protobuf and JSON match the contract', { skip: !haveShared && 'no ../shared/fixtures' }, () => {
  const json = readJSON(join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.json'));
  const expected = expectedMetrics(json);
  const run = ptm(['-f', 'otlp', '--stats', join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb')]);
  assert.equal(run.code, 0, run.stderr);
  assertSameDoc(decodeMetrics(run.stdout), expected, 'ebpf-oncpu-offcpu.pb');
  assertCounts(statsOf(run.stderr), expected.counts);
  const fromJson = ptm(['-f', 'otlp', join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.json')]);
  assert.ok(fromJson.stdout.equals(run.stdout), 'JSON twin gives the same bytes');
});

test('real eBPF capture: CPU seconds equal samples × 50 ms, computed from the raw JSON', { skip: !haveShared && 'no ../shared/fixtures' }, () => {
  // Independent of expect.js: count timestamps of the (samples, count) profiles.
  const json = readJSON(join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.json'));
  const strings = json.dictionary.stringTable;
  let cpuNs = 0n;
  for (const rp of json.resourceProfiles) for (const sp of rp.scopeProfiles) for (const p of sp.profiles) {
    if (strings[p.sampleType.typeStrindex ?? 0] !== 'samples') continue;
    for (const s of p.samples) cpuNs += BigInt((s.timestampsUnixNano ?? []).length) * BigInt(p.period);
  }
  const doc = decodeMetrics(ptm(['-f', 'otlp', join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb')]).stdout);
  let seconds = 0;
  for (const r of doc.resources) for (const p of r.metrics['profile.cpu.time']?.points ?? []) seconds += p.value;
  assert.ok(cpuNs > 0n);
  assert.ok(Math.abs(seconds - Number(cpuNs) / 1e9) < 1e-9, `${seconds} vs ${Number(cpuNs) / 1e9}`);
});

test('real eBPF capture: 189 JSON Lines requests, each matching the contract', { skip: !haveShared && 'no ../shared/fixtures' }, () => {
  const file = join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl');
  const requests = readJSONLines(file);
  const run = ptm(['-f', 'json', '--stats', file]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.toString().split('\n').filter(Boolean);
  assert.equal(lines.length, 189);
  // pmetriccheck -json merges the lines' resources in order; so does this.
  const expectedTotal = { total: 0, kept: 0, filtered: 0, invalid: 0, skipped: 0 };
  const merged = { resources: [] };
  for (const request of requests) {
    const expected = expectedMetrics(request);
    for (const k of Object.keys(expectedTotal)) expectedTotal[k] += expected.counts[k];
    merged.resources.push(...expected.resources);
  }
  assertSameDoc(decodeMetrics(run.stdout, { json: true }), merged, '189 requests');
  assertCounts(statsOf(run.stderr), expectedTotal);
  assert.equal(expectedTotal.kept, 419, "every sample of the capture is kept");
});
