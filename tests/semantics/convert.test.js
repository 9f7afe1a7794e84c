// convert.test.js: the converter's output, decoded by pdata's official
// decoder, equals what tests/lib/expect.js computes independently from the
// OTLP/JSON twin of each input: for the repo's fixtures (written by pdata)
// and the real eBPF profiler captures in ../shared (skipped when absent).
// A JSON Lines input is ONE conversion: one output request, resources merged
// by identity, series summed across the input requests (issue 7, D1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMetrics, compareDocs, sortPoints } from '../lib/expect.js';
import {
  fixtures, shared, haveShared, ptm, decodeMetrics, statsOf, readJSON, readJSONLines, scratchFile,
} from '../lib/run.js';

const pairs = ['cpu-ebpf', 'memory', 'cpu-pprof'].map((name) => ({
  name, pb: join(fixtures, `${name}.pb`), json: join(fixtures, `${name}.json`),
}));

function assertSameDoc(actual, expected, label) {
  const diffs = compareDocs(sortPoints(actual), sortPoints(expected));
  assert.deepEqual(diffs, [], `${label}:\n${diffs.slice(0, 20).join('\n')}`);
}

// The raw OTLP/JSON the converter wrote (-f json): one request per line.
function rawLines(stdout) {
  return stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const OWN = ['thread.name', 'process.executable.name', 'code.function.name'];
const NOT_COPIED = ['service.name', 'service.namespace', 'service.instance.id'];
const SCALAR = ['stringValue', 'intValue', 'doubleValue', 'boolValue'];

// D4 on the raw output, where the value types are visible (the normalized
// doc prints an int as a decimal string): every non-overflow point carries
// each scalar resource attribute but service.*, with the same typed value,
// unless it is one of the point's own; keys come in the order own, copied
// (resource order), configured (configKeys order). Returns how many copied
// int values it saw.
function assertCopiedAttributes(request, configKeys = [], label = '') {
  let ints = 0;
  for (const rm of request.resourceMetrics) {
    const rAttrs = rm.resource?.attributes ?? [];
    const copied = rAttrs.filter((a) => !NOT_COPIED.includes(a.key) && SCALAR.some((t) => t in (a.value ?? {})));
    // The places a key may take: thread.name and process.executable.name
    // found on the resource are copied there, so they may sit in either slot.
    const places = (k) => {
      const out = [];
      if (OWN.includes(k)) out.push(OWN.indexOf(k));
      const r = copied.findIndex((a) => a.key === k);
      if (r >= 0) out.push(OWN.length + r);
      const c = configKeys.indexOf(k);
      if (c >= 0) out.push(OWN.length + copied.length + c);
      assert.ok(out.length, `${label}: unexpected point attribute ${k}`);
      return out;
    };
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const p of (m.sum ?? m.gauge).dataPoints) {
          const attrs = p.attributes ?? [];
          if (attrs.some((a) => a.key === 'otel.metric.overflow')) {
            assert.equal(attrs.length, 1, `${label} ${m.name}: the overflow point has one attribute`);
            continue;
          }
          let last = -1;
          for (const a of attrs) {
            last = places(a.key).find((r) => r > last) ?? Infinity;
            assert.ok(last < Infinity, `${label} ${m.name}: attribute order ${attrs.map((b) => b.key)}`);
          }
          for (const a of copied) {
            const got = attrs.find((b) => b.key === a.key);
            assert.ok(got, `${label} ${m.name}: ${a.key} copied onto the point`);
            if (OWN.includes(a.key)) continue; // the point's own value may win
            assert.deepEqual(got.value, a.value, `${label} ${m.name}: ${a.key} keeps value and type`);
            if ('intValue' in a.value) ints++;
          }
          for (const k of NOT_COPIED) assert.ok(!attrs.some((b) => b.key === k), `${label} ${m.name}: ${k} is not copied`);
        }
      }
    }
  }
  return ints;
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
    assert.equal(run.stdout.toString().split('\n').filter(Boolean).length, 1, 'one line per conversion');
    assertSameDoc(decodeMetrics(run.stdout, { json: true }), expectedMetrics(readJSON(json)), name);
  });

  test(`${name}: scalar resource attributes are copied onto every point, typed`, () => {
    const run = ptm(['-f', 'json', json]);
    assert.equal(run.code, 0, run.stderr);
    const [request] = rawLines(run.stdout);
    const ints = assertCopiedAttributes(request, [], name);
    // cpu-ebpf's resources have process.pid as an int: it stays an int.
    if (name === 'cpu-ebpf') assert.ok(ints > 0, 'an int resource attribute was copied');
  });

  test(`${name}: protobuf and JSON inputs give identical bytes, every time`, () => {
    const fromPb = ptm(['-f', 'otlp', pb]).stdout;
    const fromJson = ptm(['-f', 'otlp', json]).stdout;
    assert.ok(fromPb.length > 0);
    assert.ok(fromPb.equals(fromJson), 'same request, same output');
    assert.ok(fromPb.equals(ptm(['-f', 'otlp', pb]).stdout), 'deterministic');
  });
}

test('a Go heap profile without a duration: allocations are cumulative sums since the process started', () => {
  // memory.json is Go-heap shaped (alloc_* and inuse_* in one scope); sent
  // once, as runtime/pprof writes it, its profiles have no duration.
  const request = readJSON(join(fixtures, 'memory.json'));
  for (const rp of request.resourceProfiles) {
    for (const sp of rp.scopeProfiles) for (const profile of sp.profiles) delete profile.durationNano;
  }
  const file = scratchFile('heap-no-duration.json');
  writeFileSync(file, JSON.stringify(request));
  const run = ptm(['-f', 'otlp', file]);
  assert.equal(run.code, 0, run.stderr);
  const expected = expectedMetrics(request);
  assertSameDoc(decodeMetrics(run.stdout), expected, 'heap without duration');
  const metrics = expected.resources.flatMap((r) => Object.entries(r.metrics));
  const allocated = metrics.filter(([name]) => name.includes('memory.allocat'));
  assert.ok(allocated.length >= 3, 'allocated bytes, allocations and function metrics');
  for (const [name, m] of allocated) {
    assert.equal(m.temporality, 'cumulative', name);
    for (const p of m.points) assert.equal(p.start, '0', `${name}: no start time`);
  }
  assert.ok(metrics.some(([name, m]) => name === 'profile.memory.inuse' && m.type === 'gauge'));
});

test('JSON Lines: one output line for the whole file, matching the merged conversion', () => {
  const file = join(fixtures, 'multi.jsonl');
  const requests = readJSONLines(file);
  assert.equal(requests.length, 2);
  const expected = expectedMetrics(requests);
  const run = ptm(['-f', 'json', '--stats', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.toString().split('\n').filter(Boolean).length, 1, 'one ExportMetricsServiceRequest');
  assertSameDoc(decodeMetrics(run.stdout, { json: true }), expected, 'multi.jsonl');
  const stats = statsOf(run.stderr);
  assert.equal(stats.requests, requests.length);
  assertCounts(stats, expected.counts);
  assertCopiedAttributes(rawLines(run.stdout)[0], [], 'multi.jsonl');
  // -f otlp: one protobuf message, the same document.
  const pb = ptm(['-f', 'otlp', file]);
  assert.equal(pb.code, 0, pb.stderr);
  assertSameDoc(decodeMetrics(pb.stdout), expected, 'multi.jsonl -f otlp');
});

test('JSON Lines: requests of the same resources are merged and their sums added', () => {
  // cpu-ebpf, memory, cpu-ebpf again: the second cpu-ebpf request feeds the
  // resources (and series) of the first; memory adds one resource.
  const ebpf = readJSON(join(fixtures, 'cpu-ebpf.json'));
  const memory = readJSON(join(fixtures, 'memory.json'));
  const requests = [ebpf, memory, ebpf];
  const file = scratchFile('merge.jsonl');
  writeFileSync(file, requests.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const expected = expectedMetrics(requests);
  assert.equal(expected.resources.length, expectedMetrics(ebpf).resources.length + 1);
  for (const format of ['json', 'otlp']) {
    const run = ptm(['-f', format, '--stats', file]);
    assert.equal(run.code, 0, run.stderr);
    if (format === 'json') assert.equal(run.stdout.toString().split('\n').filter(Boolean).length, 1);
    const doc = decodeMetrics(run.stdout, { json: format === 'json' });
    assertSameDoc(doc, expected, `merge.jsonl -f ${format}`);
    assertCounts(statsOf(run.stderr), expected.counts);
    // Independently of expect.js: each CPU point of the merged run is twice
    // the same point of a run over cpu-ebpf alone.
    const single = decodeMetrics(ptm(['-f', 'otlp', join(fixtures, 'cpu-ebpf.pb')]).stdout);
    single.resources.forEach((r, i) => {
      const key = (p) => JSON.stringify(Object.entries(p.attributes).sort());
      const merged = new Map(doc.resources[i].metrics['profile.cpu.time'].points.map((p) => [key(p), p]));
      for (const p of r.metrics['profile.cpu.time'].points) {
        const q = merged.get(key(p));
        assert.ok(q && Math.abs(q.value - 2 * p.value) < 1e-9 && q.start === p.start && q.end === p.end, `resource ${i}: ${key(p)}`);
      }
    });
  }
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

test('real eBPF capture: 189 JSON Lines requests, one merged output matching the contract', { skip: !haveShared && 'no ../shared/fixtures' }, () => {
  const file = join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl');
  const requests = readJSONLines(file);
  assert.equal(requests.length, 189);
  const run = ptm(['-f', 'json', '--stats', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.toString().split('\n').filter(Boolean).length, 1, 'one line for the 189 requests');
  const expected = expectedMetrics(requests);
  assertSameDoc(decodeMetrics(run.stdout, { json: true }), expected, '189 requests');
  const stats = statsOf(run.stderr);
  assertCounts(stats, expected.counts);
  assert.equal(stats.requests, 189);
  assert.equal(expected.counts.kept, 419, 'every sample of the capture is kept');
  // Every request of the capture has the same one resource: one output resource.
  const identities = new Set(requests.flatMap((r) => r.resourceProfiles.map((rp) => JSON.stringify([rp.resource?.attributes, rp.schemaUrl]))));
  assert.equal(identities.size, 1);
  assert.equal(expected.resources.length, 1);
  // Its CPU seconds are the capture's samples x 50 ms (values read from the raw JSON).
  let ns = 0n;
  for (const r of requests) for (const rp of r.resourceProfiles) for (const sp of rp.scopeProfiles) for (const p of sp.profiles) {
    for (const s of p.samples ?? []) ns += BigInt((s.timestampsUnixNano ?? []).length || (s.values ?? []).reduce((a, v) => a + Number(v), 0)) * BigInt(p.period ?? 0);
  }
  const doc = decodeMetrics(run.stdout, { json: true });
  const seconds = doc.resources[0].metrics['profile.cpu.time'].points.reduce((a, p) => a + p.value, 0);
  assert.ok(ns > 0n && Math.abs(seconds - Number(ns) / 1e9) < 1e-9, `${seconds} vs ${Number(ns) / 1e9}`);
});
