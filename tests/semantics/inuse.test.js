// inuse.test.js: in-use memory by function (profile.function.self/inclusive
// .memory.inuse and .memory.inuse_objects) held as the base in-use gauges
// are: with `temporality: cumulative`, across conversions (convert) and as
// held series (add/flush, delta and cumulative), each series keeps the
// latest snapshot, never a sum. Two heap requests of one resource, the
// second one second later with every value tripled (from the repo's
// memory.json); what each series holds is the JS oracle's (tests/lib/
// expect.js) for the snapshot that should win, for the function gauges and
// the base gauges alike. Runs on the npm package (`make build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expectedMetrics } from '../lib/expect.js';
import { fixtures } from '../lib/run.js';
import { distDir, requireDist } from '../lib/npm.js';

requireDist();
const { init, createConverter } = await import(pathToFileURL(join(distDir, 'index.js')).href);
await init();

const GAUGES = ['profile.memory.inuse', 'profile.memory.inuse_objects',
  'profile.function.self.memory.inuse', 'profile.function.inclusive.memory.inuse',
  'profile.function.self.memory.inuse_objects', 'profile.function.inclusive.memory.inuse_objects'];

const first = JSON.parse(readFileSync(join(fixtures, 'memory.json'), 'utf8'));
/** first, one second later, every value tripled. */
const second = JSON.parse(JSON.stringify(first));
for (const rp of second.resourceProfiles) {
  for (const sp of rp.scopeProfiles) {
    for (const p of sp.profiles) {
      p.timeUnixNano = String(BigInt(p.timeUnixNano ?? 0) + 1_000_000_000n);
      for (const s of p.samples ?? []) s.values = (s.values ?? []).map((v) => String(3n * BigInt(v)));
    }
  }
}
const bytesOf = (request) => Buffer.from(JSON.stringify(request));

/** metric -> sorted [attributes, value] of the gauges in an oracle doc (one snapshot: one point a series). */
function oracleGauges(request) {
  const out = {};
  for (const r of expectedMetrics(request).resources) {
    for (const name of GAUGES) {
      out[name] = (r.metrics[name]?.points ?? []).map((p) => [JSON.stringify(p.attributes), String(p.value)]).sort();
    }
  }
  return out;
}

/** The same from ptm's OTLP/JSON output. */
function ptmGauges(json) {
  const out = Object.fromEntries(GAUGES.map((n) => [n, []]));
  for (const r of JSON.parse(json).resourceMetrics) {
    for (const m of r.scopeMetrics[0].metrics) {
      if (!GAUGES.includes(m.name)) continue;
      assert.ok(m.gauge, `${m.name} is a gauge`);
      for (const p of m.gauge.dataPoints) {
        const attrs = Object.fromEntries((p.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
        out[m.name].push([JSON.stringify(attrs), String(p.asInt)]);
      }
    }
  }
  for (const n of GAUGES) out[n].sort();
  return out;
}

const wantSecond = oracleGauges(second);

test('the oracle: each in-use gauge, function ones included, has points, and the later snapshot differs', () => {
  const wantFirst = oracleGauges(first);
  for (const name of GAUGES) {
    assert.ok(wantSecond[name].length > 0, name);
    assert.notDeepEqual(wantSecond[name], wantFirst[name], name);
  }
});

test('temporality cumulative, two conversions: every in-use gauge holds the later snapshot', () => {
  const converter = createConverter({ temporality: 'cumulative' });
  try {
    converter.convert(bytesOf(first), { format: 'json' });
    assert.deepEqual(ptmGauges(converter.convert(bytesOf(second), { format: 'json' }).output), wantSecond);
  } finally {
    converter.close();
  }
});

test('held series (add/flush): every in-use gauge holds the latest add\'s snapshot, in delta and cumulative', () => {
  for (const temporality of ['delta', 'cumulative']) {
    const converter = createConverter({ temporality });
    try {
      converter.add(bytesOf(first), { now: 100 });
      converter.add(bytesOf(second), { now: 200 });
      const flushed = converter.flush({ format: 'json', now: 300 }).output;
      assert.deepEqual(ptmGauges(flushed), wantSecond, temporality);
      if (temporality === 'cumulative') {
        // Nothing added since: the same snapshot, still held.
        assert.deepEqual(ptmGauges(converter.flush({ format: 'json', now: 400 }).output), wantSecond, 'held on');
      }
    } finally {
      converter.close();
    }
  }
});
