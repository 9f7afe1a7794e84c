// temporality.test.js: "temporality": "cumulative". Over the requests of one
// CLI run (JSON Lines) and over repeated calls of one long-lived converter
// (npm; the C API in tests/unit/test_cumulative.c), every series keeps its
// first window's start, never decreases, and ends equal to the delta totals
// of the same requests converted at once; reset() starts again. Outputs are
// decoded with the official pdata decoder where they leave the converter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, shared, haveShared, ptm, scratchFile, decodeMetrics, statsOf } from '../lib/run.js';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { distIndex, requireDist } from '../lib/npm.js';
import { churningRequest, distinctFunctionsDoc, seriesByMetric } from '../lib/hostile.js';

requireDist();
const { init, createConverter } = await import(pathToFileURL(distIndex).href);
await init();

const cumulative = { temporality: 'cumulative' };
const realJSONLines = join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl');

function writeConfig(config) {
  const file = scratchFile('config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** series key → point, from a normalized document (pmetriccheck) or raw OTLP/JSON.
 * A delta conversion has one gauge point per profile: the latest one is kept. */
function pointsOf(doc) {
  const points = new Map();
  for (const resource of doc.resources) {
    for (const [name, metric] of Object.entries(resource.metrics)) {
      for (const point of metric.points) {
        const key = JSON.stringify([name, resource.attributes, Object.entries(point.attributes).sort()]);
        const earlier = points.get(key);
        assert.ok(earlier === undefined || metric.type === 'gauge', `${key}: one point per sum series`);
        const snapshots = (earlier?.snapshots ?? 0) + 1;
        const latest = earlier === undefined || BigInt(point.end) >= BigInt(earlier.end) ? point : earlier;
        points.set(key, { ...latest, type: metric.type, temporality: metric.temporality, snapshots });
      }
    }
  }
  return points;
}

/** The same map straight from an OTLP/JSON line (no decoder per call). */
function pointsOfJSON(line) {
  const value = (v) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
  const attributes = (list) => Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
  const doc = { resources: [] };
  for (const rm of JSON.parse(line).resourceMetrics) {
    const metrics = {};
    for (const m of rm.scopeMetrics[0].metrics) {
      const data = m.sum ?? m.gauge;
      metrics[m.name] = {
        type: m.sum ? 'sum' : 'gauge',
        temporality: m.sum ? m.sum.aggregationTemporality : undefined,
        points: data.dataPoints.map((p) => ({
          attributes: attributes(p.attributes), start: p.startTimeUnixNano, end: p.timeUnixNano,
          value: p.asDouble ?? Number(p.asInt),
        })),
      };
    }
    doc.resources.push({ attributes: attributes(rm.resource.attributes), metrics });
  }
  return pointsOf(doc);
}

function assertClose(actual, expected, label) {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${label}: ${actual} vs ${expected}`);
}

/** Feeds requests one call at a time; checks every step against the one before; returns the last points. */
function feed(converter, requests) {
  let previous = new Map();
  for (const [i, request] of requests.entries()) {
    const points = pointsOfJSON(converter.convert(request, { format: 'json' }).output);
    for (const [key, point] of points) assert.equal(point.snapshots, 1, `call ${i + 1}: ${key}: one point per series`);
    for (const [key, before] of previous) {
      const now = points.get(key);
      assert.ok(now, `call ${i + 1}: ${key} is still there`);
      assert.equal(now.start, before.start, `call ${i + 1}: ${key}: start fixed`);
      assert.ok(BigInt(now.end) >= BigInt(before.end), `call ${i + 1}: ${key}: end does not go back`);
      if (now.type === 'sum') assert.ok(now.value >= before.value, `call ${i + 1}: ${key}: non-decreasing`);
    }
    for (const point of points.values()) if (point.type === 'sum') assert.equal(point.temporality, 2, 'cumulative');
    previous = points;
  }
  return previous;
}

/** Final cumulative points equal the delta conversion of all requests at once (gauges: latest snapshot). */
function assertEqualsDelta(final, delta, label) {
  const sums = [...delta].filter(([, p]) => p.type === 'sum');
  assert.ok(sums.length > 0, `${label}: there are sums`);
  for (const [key, expected] of sums) {
    const actual = final.get(key);
    assert.ok(actual, `${label}: ${key} present`);
    assertClose(actual.value, expected.value, `${label}: ${key}`);
    assert.equal(actual.start, expected.start, `${label}: ${key}: start = the first window's`);
    assert.equal(actual.end, expected.end, `${label}: ${key}: end = the latest window's`);
  }
  assert.equal([...final.values()].filter((p) => p.type === 'sum').length, sums.length, `${label}: no extra sums`);
}

test('cumulative over the requests of one CLI run (JSON Lines): the delta totals, as cumulative sums', () => {
  const file = join(fixtures, 'multi.jsonl');
  const config = writeConfig(cumulative);
  const run = ptm(['-c', config, '-f', 'otlp', '--stats', file]);
  assert.equal(run.code, 0, run.stderr);
  const final = pointsOf(decodeMetrics(run.stdout));
  const delta = pointsOf(decodeMetrics(ptm(['-f', 'otlp', file]).stdout));
  assertEqualsDelta(final, delta, 'multi.jsonl');
  for (const p of final.values()) if (p.type === 'sum') assert.equal(p.temporality, 'cumulative');
  for (const p of delta.values()) if (p.type === 'sum') assert.equal(p.temporality, 'delta');
  assert.equal(statsOf(run.stderr).requests, readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length);
});

test('cumulative over repeated npm calls: starts fixed, values non-decreasing, final = delta totals; reset() starts again', async () => {
  const lines = readFileSync(join(fixtures, 'multi.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  const single = [join(fixtures, 'cpu-ebpf.json'), join(fixtures, 'memory.json'), join(fixtures, 'cpu-pprof.json')]
    .map((f) => readFileSync(f, 'utf8'));
  const requests = [...lines, ...single, ...lines, ...single];
  const converter = createConverter(cumulative);
  const final = feed(converter, requests);
  const delta = pointsOfJSON(createConverter().convert(requests.join('\n'), { format: 'json' }).output);
  assertEqualsDelta(final, delta, 'npm');
  // Gauges hold their latest snapshot.
  const gauges = [...final].filter(([, p]) => p.type === 'gauge');
  assert.ok(gauges.length > 0);
  const lastMemory = pointsOfJSON(createConverter().convert(single[1], { format: 'json' }).output);
  for (const [key, point] of gauges) assert.equal(point.value, lastMemory.get(key)?.value, `${key}: the latest snapshot`);
  // The same series through Prometheus text: a counter per series, the cumulative value.
  const prom = converter.convert('', { format: 'prom' }).output;
  const deltaProm = createConverter().convert(requests.join('\n'), { format: 'prom' }).output;
  assert.equal(prom, deltaProm, 'one exposition of the totals, whichever way they came');
  converter.reset();
  const afterReset = pointsOfJSON(converter.convert(single[0], { format: 'json' }).output);
  const fresh = pointsOfJSON(createConverter().convert(single[0], { format: 'json' }).output);
  assertEqualsDelta(afterReset, fresh, 'after reset()');
  converter.close();
});

test('cumulative over the 189 real requests, one call each, equals the delta conversion of the file', { skip: !haveShared && 'no ../shared/fixtures' }, async () => {
  const lines = readFileSync(realJSONLines, 'utf8').split('\n').filter((l) => l.trim());
  const converter = createConverter(cumulative);
  const final = feed(converter, lines);
  const delta = pointsOf(decodeMetrics(ptm(['-f', 'otlp', realJSONLines]).stdout));
  assertEqualsDelta(final, delta, '189 requests');
  assert.equal(final.size, 827);
  // The last cumulative output passes the official decoder as cumulative sums.
  const last = decodeMetrics(converter.convert(lines.at(-1), { format: 'otlp' }).output);
  for (const resource of last.resources) {
    for (const metric of Object.values(resource.metrics)) assert.equal(metric.temporality, 'cumulative');
  }
  converter.close();
});

test('cumulative: the cardinality limit counts the series the converter holds, across calls', async () => {
  const lines = readFileSync(join(fixtures, 'multi.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  const limit = 2;
  const converter = createConverter({ temporality: 'cumulative', cardinality_limit: limit });
  let final;
  for (const line of lines) final = converter.convert(line, { format: 'json' });
  const points = pointsOfJSON(final.output);
  const byMetric = new Map();
  for (const [key, p] of points) {
    const [name] = JSON.parse(key);
    const entry = byMetric.get(name) ?? { series: 0, total: 0 };
    if (p.attributes['otel.metric.overflow'] === undefined) entry.series++;
    entry.total += p.value;
    byMetric.set(name, entry);
  }
  const delta = pointsOfJSON(createConverter().convert(lines.join('\n'), { format: 'json' }).output);
  for (const [name, entry] of byMetric) {
    assert.ok(entry.series <= limit, `${name}: ${entry.series} series held, limit ${limit}`);
    const total = [...delta].filter(([k]) => JSON.parse(k)[0] === name).reduce((a, [, p]) => a + p.value, 0);
    if (points.values().next().value.type === 'sum') assertClose(entry.total, total, `${name}: totals exact`);
  }
  assert.ok(final.stats.overflowed > 0 || [...byMetric.values()].every((e) => e.series < limit));
  converter.close();
});

/** An OTLP/JSON request of one profile whose samples (1 ms each) each have a one-frame stack of the function named. */
function functionsRequest(names) {
  const distinct = [...new Set(names)];
  const doc = distinctFunctionsDoc(distinct.length);
  doc.dictionary.stringTable.splice(5, distinct.length, ...distinct);
  doc.resourceProfiles[0].scopeProfiles[0].profiles[0].samples = names.map((name) => ({
    stackIndex: 1 + distinct.indexOf(name), timestampsUnixNano: ['1767225600500000000'],
  }));
  return JSON.stringify(doc);
}

/** Per function metric: { function name (or 'overflow') -> seconds }. */
function functionPoints(doc) {
  const byMetric = {};
  for (const metric of doc.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))) {
    if (!metric.name.startsWith('profile.function.')) continue;
    for (const point of (metric.sum ?? metric.gauge).dataPoints) {
      const attribute = (key) => point.attributes?.find((a) => a.key === key)?.value;
      const name = attribute('otel.metric.overflow') ? 'overflow' : attribute('code.function.name').stringValue;
      (byMetric[metric.name] ??= {})[name] = Number(point.asDouble ?? point.asInt);
    }
  }
  return byMetric;
}

// The requests' functions, one 1 ms sample each, and what a converter that
// holds at most 2 series per metric keeps of them: A and B, the first two it
// saw; in the third request C and D come first and are new (overflow), and A
// and B come past the request's own first two keys, yet are held: they keep
// their series (issue 32: a request's keys past the limit are looked up in
// the store instead of all being aggregated).
const heldRequests = [['A'], ['B'], ['C', 'D', 'E', 'A', 'B', 'A'], ['F', 'B']];
const heldExpected = { A: 0.003, B: 0.003, overflow: 0.004 };

test('held series past the cardinality limit: the first keys seen are held across adds; a held key keeps its series wherever it comes in a later request', async () => {
  for (const temporality of ['delta', 'cumulative']) {
    const converter = createConverter({ temporality, cardinality_limit: 2 });
    let now = 1767225600000000000n;
    for (const names of heldRequests) converter.add(functionsRequest(names), { now: (now += 1000000n) });
    const flushed = converter.flush({ format: 'json', now: now + 1000000n });
    converter.close();
    const byMetric = functionPoints(JSON.parse(flushed.output));
    assert.deepEqual(Object.keys(byMetric).sort(), ['profile.function.inclusive.cpu.time', 'profile.function.self.cpu.time']);
    for (const [metric, points] of Object.entries(byMetric)) {
      for (const [name, seconds] of Object.entries(heldExpected)) assertClose(points[name], seconds, `${temporality} ${metric} ${name}`);
      assert.equal(Object.keys(points).length, 3, `${temporality} ${metric}: ${Object.keys(points)}`);
    }
  }
  // ptm_convert() with cumulative temporality holds the same way across calls.
  const converter = createConverter({ temporality: 'cumulative', cardinality_limit: 2 });
  let last;
  for (const names of heldRequests) last = converter.convert(functionsRequest(names), { format: 'json' });
  converter.close();
  for (const [metric, points] of Object.entries(functionPoints(JSON.parse(last.output)))) {
    for (const [name, seconds] of Object.entries(heldExpected)) assertClose(points[name], seconds, `convert ${metric} ${name}`);
  }
});

test('cumulative: pids that churn (5 new a request, 2,000 requests) hold at most cardinality_limit + 1 series per metric; totals exact', () => {
  const limit = 100;
  const converter = createConverter({ temporality: 'cumulative', cardinality_limit: limit });
  let last;
  for (let request = 0; request < 2000; request++) last = converter.convert(churningRequest(1000 + 5 * request, 5), { format: 'json' });
  const byMetric = seriesByMetric(JSON.parse(last.output));
  assert.ok(byMetric.has('profile.cpu.time'), 'the CPU metric is there');
  for (const [name, entry] of byMetric) {
    assert.ok(entry.series <= limit + 1, `${name}: ${entry.series} series held, limit ${limit} + 1 overflow`);
    assert.ok(entry.overflow <= 1, `${name}: ${entry.overflow} overflow series`);
  }
  // 10,000 samples of 50 ms each: every one counted, in or past the limit.
  assertClose(byMetric.get('profile.cpu.time').total, 10000 * 0.05, 'profile.cpu.time total');
  converter.close();
});
