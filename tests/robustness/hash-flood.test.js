// hash-flood.test.js: a sender cannot pick strings that make the converter's
// hash tables slow (issue 9, finding 1).
//
// Until the tables were keyed, every string was hashed with one fixed,
// invertible function (FNV-1a over words with a 64-bit finaliser, seed 0),
// so a sender could compute as many 16-byte function names with one hash as
// it liked: each insertion then walked one probe chain, quadratic time
// (40,000 such names: 12 s against 0.3 s). oldHash() below is that function,
// and floodNames() is the attack on it. The test converts, in one process and
// with one converter per run, a request whose function names are that attack
// and one whose names are random but otherwise the same, and bounds the ratio
// of their times: it never asserts an absolute time. It also checks that the
// output does not depend on the converter's key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { distIndex, requireDist } from '../lib/npm.js';
import { profilesRequest } from '../lib/pb.js';

const MASK = (1n << 64n) - 1n;
const FNV_PRIME = 0x100000001b3n;
const GOLDEN = 0x9e3779b97f4a7c15n;

function inverse(odd) { // of an odd number modulo 2^64 (Newton's iteration)
  let x = odd;
  for (let i = 0; i < 6; i++) x = (x * (2n - odd * x)) & MASK;
  return x;
}

const word = (bytes, at) => Buffer.from(bytes).readBigUInt64LE(at);

/** The old state after one 8-byte word. */
const step = (hash, w) => { const h = ((hash ^ w) * FNV_PRIME) & MASK; return h ^ (h >> 29n); };

/** The old hash_bytes(data, 16, 0), for the self-check of floodNames(). */
function oldHash(bytes) {
  let h = 0xcbf29ce484222325n ^ ((16n * GOLDEN) & MASK);
  h = step(step(h, word(bytes, 0)), word(bytes, 8));
  h ^= h >> 33n; h = (h * 0xff51afd7ed558ccdn) & MASK; h ^= h >> 33n;
  return h;
}

/** count distinct 16-byte names with one old hash: a free first word, then
 * the second word that brings the state to one fixed value. */
function floodNames(count) {
  const start = 0xcbf29ce484222325n ^ ((16n * GOLDEN) & MASK);
  const target = 0x5eed5eed5eed5eedn;
  const preimage = (target * inverse(FNV_PRIME)) & MASK; // (state ^ w2) * P = target
  const names = [];
  for (let i = 0; i < count; i++) {
    const name = Buffer.alloc(16);
    name.write(`fn${String(i).padStart(6, '0')}`, 0, 'latin1');
    name.writeBigUInt64LE(step(start, word(name, 0)) ^ preimage, 8);
    names.push(new Uint8Array(name));
  }
  return names;
}

const randomNames = (count) => Array.from({ length: count }, () => new Uint8Array(randomBytes(16)));

/** One profile: a function, location, stack and sample per name. */
function requestOf(names) {
  const n = names.length;
  const index = (i) => i + 1;
  return profilesRequest({
    resourceProfiles: [{ scopeProfiles: [{ profiles: [{
      sampleType: { typeStrindex: 1, unitStrindex: 2 },
      timeUnixNano: '1000', durationNano: '10',
      samples: names.map((_, i) => ({ stackIndex: index(i), values: ['1'] })),
    }] }] }],
    dictionary: {
      stringTable: ['', 'cpu', 'nanoseconds', ...names],
      functionTable: [{}, ...names.map((_, i) => ({ nameStrindex: i + 3 }))],
      locationTable: [{}, ...names.map((_, i) => ({ lines: [{ functionIndex: index(i) }] }))],
      stackTable: [{}, ...names.map((_, i) => ({ locationIndices: [index(i)] }))],
    },
  });
}

const NAMES = 40_000;
const config = { cardinality_limit: 1_000_000 };

test('the flood names are what the attack promises: distinct, one old hash', () => {
  const names = floodNames(1000);
  assert.equal(new Set(names.map((n) => Buffer.from(n).toString('hex'))).size, names.length);
  assert.equal(new Set(names.map(oldHash)).size, 1);
  assert.equal(new Set(randomNames(1000).map(oldHash)).size, 1000);
});

test(`${NAMES} function names chosen to collide convert about as fast as random ones`, async (t) => {
  requireDist();
  const ptm = await import(distIndex);
  await ptm.init();
  const flood = requestOf(floodNames(NAMES));
  const random = requestOf(randomNames(NAMES));
  assert.equal(flood.length, random.length, 'the two requests differ only in the names\' bytes');
  const time = (request) => {
    const converter = ptm.createConverter(config);
    try {
      const began = performance.now();
      const { stats } = converter.convert(request, { format: 'prom' });
      const took = performance.now() - began;
      assert.equal(stats.samples_kept, NAMES);
      return took;
    } finally {
      converter.close();
    }
  };
  time(random); // warm-up
  const runs = { flood: [], random: [] };
  for (let round = 0; round < 3; round++) {
    runs.random.push(time(random));
    runs.flood.push(time(flood));
  }
  const best = (list) => Math.min(...list);
  const ratio = best(runs.flood) / best(runs.random);
  t.diagnostic(`colliding ${best(runs.flood).toFixed(0)} ms, random ${best(runs.random).toFixed(0)} ms, ratio ${ratio.toFixed(2)}`);
  // Keyed, the two take the same time give or take noise; unkeyed the ratio
  // was about 40.
  assert.ok(ratio < 3, `colliding names took ${best(runs.flood).toFixed(0)} ms, random ones ` +
    `${best(runs.random).toFixed(0)} ms: ratio ${ratio.toFixed(1)}`);
});

test('the output does not depend on the converter\'s key', async () => {
  requireDist();
  const ptm = await import(distIndex);
  await ptm.init();
  const request = requestOf([...floodNames(2000), ...randomNames(2000)]);
  for (const format of ['otlp', 'json', 'prom']) {
    const outputs = [0, 1, 2].map(() => {
      const converter = ptm.createConverter(config); // each draws its own key
      try {
        return Buffer.from(converter.convert(request, { format, bytes: true }).output).toString('hex');
      } finally {
        converter.close();
      }
    });
    assert.equal(outputs[1], outputs[0], format);
    assert.equal(outputs[2], outputs[0], format);
  }
});
