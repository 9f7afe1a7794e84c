// property.test.js: random valid requests from a seeded PRNG, each converted
// by the native CLI (-f json --stats, protobuf input built with pb.js), and
// checked exactly against a model computed here from the generated request:
//
//  (a) samples_total = kept + filtered + invalid + skipped, and each count
//      equals the model's;
//  (b) the sum of profile.cpu.time over all points, in integer ns (the config
//      sets metrics.cpu.unit "ns", so every asDouble is an integer below
//      2^53 and exact), equals the CPU ns of the kept samples (count x period
//      x unit, or value x unit);
//  (c) the same for profile.memory.allocated (asInt strings, BigInt), and for
//      profile.off_cpu.time and profile.wall.time (units "ns");
//  (d) the total of profile.function.self.cpu.time equals the CPU ns of the
//      kept samples with a non-empty stack, and profile.function.inclusive.cpu.time
//      equals the sum over those samples of value x (distinct function names
//      on the stack); the same two for the off-CPU, wall and memory function
//      metrics (function metrics take their measure's unit);
//  (e) ResourceProfiles of one identity (some resources repeat an earlier
//      one's attributes, strings inline or by reference) are one output
//      resource: the output has one ResourceMetrics per distinct identity
//      among the resources that produced a point;
//  (f) every point carries its resource's attributes but service.name
//      (copy_resource_attributes ["*"]), process.pid still an int.
//
// The seed is fixed (PTM_PROPERTY_SEED overrides it) and printed, so a
// failure is reproducible: PTM_PROPERTY_SEED=<seed> node --test tests/property.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Writer } from '../lib/pb.js';
import { ptm, scratchFile, statsOf } from '../lib/run.js';

const SEED = Number(process.env.PTM_PROPERTY_SEED ?? 0x5eed2026);
const REQUESTS = Number(process.env.PTM_PROPERTY_REQUESTS ?? 200);

/** mulberry32: a small, well-mixed 32-bit PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}

// ---- the model: a request as plain data, its protobuf encoding, its expected metrics ----

const PROFILE_KINDS = [
  { name: 'samples/count + period (cpu, ns)', type: 'samples', unit: 'count', periodType: ['cpu', 'nanoseconds'], measure: 'cpu', countBased: true },
  { name: 'cpu/nanoseconds', type: 'cpu', unit: 'nanoseconds', measure: 'cpu', direct: true, unitNs: 1n },
  { name: 'cpu/microseconds', type: 'cpu', unit: 'microseconds', measure: 'cpu', direct: true, unitNs: 1000n },
  { name: 'off_cpu/nanoseconds', type: 'off_cpu', unit: 'nanoseconds', measure: 'off_cpu', unitNs: 1n },
  { name: 'wall/microseconds', type: 'wall', unit: 'microseconds', measure: 'wall', unitNs: 1000n },
  { name: 'alloc_space/bytes', type: 'alloc_space', unit: 'bytes', measure: 'memory' },
  { name: 'goroutine/count (unknown)', type: 'goroutine', unit: 'count', measure: null },
  { name: 'contentions/count (unknown)', type: 'contentions', unit: 'count', measure: null },
];
const THREADS = ['main', 'worker-1', 'worker-2', 'idle-0', 'idle-1', 'gc'];
const PROCESSES = ['app0', 'app1', 'app2', 'nginx'];
const FUNCTION_NAMES = Array.from({ length: 12 }, (_, i) => `fn${i}`);
const FILTER_CONFIGS = [
  { process_filter: { patterns: ['^app[01]$'] } },
  { thread_filter: { exclude_patterns: ['^idle'] } },
  { pattern_filter: { exclude_patterns: ['^fn3$'] } },
  { pattern_filter: { patterns: ['^fn[0-5]$', '^worker'] } },
  { process_filter: { exclude_patterns: ['nginx'] }, thread_filter: { patterns: ['^(main|gc)$'] } },
];

function generate(rand) {
  const strings = [''];
  const stringIndex = new Map([['', 0]]);
  const str = (s) => {
    if (!stringIndex.has(s)) {
      stringIndex.set(s, strings.length);
      strings.push(s);
    }
    return stringIndex.get(s);
  };

  // Mappings: index 0 is the zero value; some have a file, one has none.
  const mappings = [{ file: '' }];
  for (let i = 0, n = rand.int(1, 3); i < n; i++) mappings.push({ file: rand.chance(0.8) ? `/usr/lib/lib${i}.so.${i}` : '' });
  // Functions: names drawn with repeats (distinctness is by name), some with
  // only a system name, some with neither (the mapping's base name is used).
  const functions = [{ name: '', system: '' }];
  for (let i = 0, n = rand.int(1, 15); i < n; i++) {
    const roll = rand.next();
    if (roll < 0.7) functions.push({ name: rand.pick(FUNCTION_NAMES), system: rand.chance(0.3) ? `_Z${i}` : '' });
    else if (roll < 0.85) functions.push({ name: '', system: `sys_${rand.int(0, 3)}` });
    else functions.push({ name: '', system: '' });
  }
  // Locations: 0-3 lines (several lines: inlined frames, innermost first).
  const locations = [{ mapping: 0, lines: [] }];
  for (let i = 0, n = rand.int(1, 20); i < n; i++) {
    const lineCount = rand.chance(0.1) ? 0 : rand.chance(0.25) ? rand.int(2, 3) : 1;
    locations.push({
      mapping: rand.int(0, mappings.length - 1),
      lines: Array.from({ length: lineCount }, () => rand.int(rand.chance(0.05) ? 0 : 1, functions.length - 1)),
    });
  }
  // Stacks: depth 0-20, leaf first.
  const stacks = [[]];
  for (let i = 0, n = rand.int(1, 10); i < n; i++) {
    stacks.push(Array.from({ length: rand.int(0, 20) }, () => rand.int(1, locations.length - 1)));
  }
  // Attribute table: thread.name, process.executable.name (string_value or
  // strindex), other keys (strings and ints).
  const attributes = [{ key: '', value: null }];
  const attrOf = { thread: [], process: [], other: [] };
  for (const t of THREADS) {
    attrOf.thread.push(attributes.length);
    attributes.push({ key: 'thread.name', value: t, byIndex: rand.chance(0.5) });
  }
  for (const p of PROCESSES) {
    attrOf.process.push(attributes.length);
    attributes.push({ key: 'process.executable.name', value: p, byIndex: rand.chance(0.5) });
  }
  for (let i = 0; i < 3; i++) {
    attrOf.other.push(attributes.length);
    attributes.push(rand.chance(0.5) ? { key: `custom.key${i}`, value: `v${i}` } : { key: `custom.int${i}`, intValue: i * 7 });
  }
  const sampleAttrs = () => {
    const out = [];
    if (rand.chance(0.6)) out.push(rand.pick(attrOf.thread));
    if (rand.chance(0.3)) out.push(rand.pick(attrOf.process));
    if (rand.chance(0.3)) out.push(rand.pick(attrOf.other));
    for (let i = out.length - 1; i > 0; i--) {
      const j = rand.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };

  const resources = [];
  for (let r = 0, nr = rand.int(1, 5); r < nr; r++) {
    let attrs = [{ key: 'service.name', value: `svc${r}` }];
    if (rand.chance(0.5)) attrs.push({ key: 'process.executable.name', value: rand.pick(PROCESSES), byIndex: rand.chance(0.5) });
    if (rand.chance(0.2)) attrs.push({ key: 'thread.name', value: rand.pick(THREADS) });
    if (rand.chance(0.3)) attrs.push({ key: 'process.pid', intValue: rand.int(1, 99999) });
    // Now and then the same resource again (its strings written either way).
    if (r > 0 && rand.chance(0.3)) {
      attrs = resources[rand.int(0, r - 1)].attrs.map((a) => (a.intValue === undefined ? { ...a, byIndex: rand.chance(0.5) } : { ...a }));
    }
    const scopes = [];
    for (let s = 0, ns = rand.int(1, 2); s < ns; s++) {
      const profiles = [];
      for (let p = 0, np = rand.int(1, 3); p < np; p++) {
        const kind = rand.pick(PROFILE_KINDS);
        const time = BigInt(1_700_000_000_000_000_000 + rand.int(0, 1_000_000) * 1000);
        const duration = rand.chance(0.5) ? BigInt(rand.int(1, 10_000_000_000)) : 0n;
        const period = kind.countBased ? BigInt(rand.int(1, 100_000)) : 0n;
        const samples = [];
        for (let k = 0, nk = rand.int(0, 30); k < nk; k++) {
          const stack = rand.int(0, stacks.length - 1);
          const n = rand.int(1, 4);
          const ts = () => Array.from({ length: n }, () => time + BigInt(rand.int(0, 20_000_000_000)));
          let values = [];
          let timestamps = [];
          if (kind.countBased && rand.chance(0.5)) {
            timestamps = ts(); // eBPF style: the value is the number of timestamps
          } else {
            const max = kind.measure === 'memory' ? 1 << 30 : kind.countBased ? 50 : 100_000_000;
            values = Array.from({ length: rand.chance(0.8) ? 1 : n }, () => BigInt(rand.int(0, max)));
            if (rand.chance(0.4)) timestamps = Array.from({ length: values.length }, () => time + BigInt(rand.int(0, 20_000_000_000)));
          }
          samples.push({ stack, attrs: sampleAttrs(), values, timestamps });
        }
        profiles.push({ kind, time, duration, period, attrs: rand.chance(0.2) ? [rand.pick(attrOf.process)] : [], samples });
      }
      scopes.push({ profiles });
    }
    resources.push({ attrs, scopes });
  }

  // Register every string before encoding so indices are stable.
  for (const k of PROFILE_KINDS) {
    str(k.type);
    str(k.unit);
    if (k.periodType) k.periodType.forEach(str);
  }
  const model = { strings, str, mappings, functions, locations, stacks, attributes, resources };
  const config = { metrics: { cpu: { unit: 'ns' }, off_cpu: { unit: 'ns' }, wall: { unit: 'ns' } }, ...(rand.chance(0.35) ? rand.pick(FILTER_CONFIGS) : {}) };
  return { model, config };
}

function anyValue(attr, str) {
  const w = new Writer();
  if (attr.intValue !== undefined) return w.varint(3, attr.intValue, true);
  if (attr.byIndex) return w.varint(8, str(attr.value), true);
  return w.string(1, attr.value, true);
}

function encode(model) {
  const { str } = model;
  // Intern everything the dictionary refers to first.
  const mappingFile = model.mappings.map((m) => str(m.file));
  const fnIdx = model.functions.map((f) => [str(f.name), str(f.system)]);
  const attrIdx = model.attributes.map((a) => str(a.key));
  for (const a of model.attributes) if (a.byIndex) str(a.value);
  for (const r of model.resources) for (const a of r.attrs) if (a.byIndex) str(a.value);

  const request = new Writer();
  for (const r of model.resources) {
    const resource = new Writer();
    for (const a of r.attrs) resource.message(1, new Writer().string(1, a.key).message(2, anyValue(a, str)));
    const rw = new Writer().message(1, resource);
    for (const s of r.scopes) {
      const sw = new Writer().message(1, new Writer().string(1, 'property-test'));
      for (const p of s.profiles) {
        const pw = new Writer().message(1, new Writer().varint(1, str(p.kind.type)).varint(2, str(p.kind.unit)));
        for (const smp of p.samples) {
          pw.message(2, new Writer().varint(1, smp.stack).packedVarint(2, smp.attrs)
            .packedVarint(4, smp.values).packedFixed64(5, smp.timestamps));
        }
        pw.fixed64(3, p.time).varint(4, p.duration);
        if (p.kind.periodType) pw.message(5, new Writer().varint(1, str(p.kind.periodType[0])).varint(2, str(p.kind.periodType[1])));
        pw.varint(6, p.period).packedVarint(11, p.attrs);
        sw.message(2, pw);
      }
      rw.message(2, sw);
    }
    request.message(1, rw);
  }
  const d = new Writer();
  model.mappings.forEach((m, i) => d.message(1, new Writer().varint(1, i * 0x1000).varint(4, mappingFile[i])));
  for (const l of model.locations) {
    const lw = new Writer().varint(1, l.mapping);
    for (const f of l.lines) lw.message(3, new Writer().varint(1, f).varint(2, 1));
    d.message(2, lw);
  }
  for (const [name, system] of fnIdx) d.message(3, new Writer().varint(1, name).varint(2, system));
  d.message(4, new Writer());
  for (const s of model.strings) d.string(5, s, true);
  model.attributes.forEach((a, i) => {
    const aw = new Writer().varint(1, attrIdx[i]);
    if (a.value !== null || a.intValue !== undefined) aw.message(2, anyValue(a, str));
    d.message(6, aw);
  });
  for (const s of model.stacks) d.message(7, new Writer().packedVarint(1, s));
  request.message(2, d);
  return Buffer.from(request.finish());
}

// ---- expected totals, from the model alone ----

function baseName(path) {
  return path.slice(path.lastIndexOf('/') + 1);
}

function frameName(model, location, functionIndex) {
  const f = functionIndex === undefined ? { name: '', system: '' } : model.functions[functionIndex];
  if (f.name) return f.name;
  if (f.system) return f.system;
  return baseName(model.mappings[location.mapping].file) || '[unknown]';
}

function stackNames(model, stackIndex) {
  const names = [];
  for (const li of model.stacks[stackIndex]) {
    const location = model.locations[li];
    const lines = location.lines.length ? location.lines : [undefined];
    for (const f of lines) names.push(frameName(model, location, f));
  }
  return names;
}

function compile(filter) {
  if (!filter || filter.enabled === false) return null;
  return {
    include: [filter.pattern, ...(filter.patterns ?? [])].filter(Boolean).map((p) => new RegExp(p)),
    exclude: (filter.exclude_patterns ?? []).map((p) => new RegExp(p)),
  };
}

/** Whether a filter passes a subject set (a missing name: an empty set). */
function passes(filter, subjects) {
  if (!filter) return true;
  if (filter.include.length && !filter.include.some((re) => subjects.some((s) => re.test(s)))) return false;
  return !filter.exclude.some((re) => subjects.some((s) => re.test(s)));
}

function expectedTotals(model, config) {
  const filters = { process: compile(config.process_filter), thread: compile(config.thread_filter), pattern: compile(config.pattern_filter) };
  const counts = { samples_total: 0, samples_kept: 0, samples_filtered: 0, samples_invalid: 0, samples_skipped: 0 };
  // Per measure: the base metric, self and inclusive function metrics.
  const sums = Object.fromEntries(['cpu', 'off_cpu', 'wall', 'memory'].map((m) => [m, { base: 0n, self: 0n, inclusive: 0n }]));
  const identities = new Set(); // of the resources that produced a point
  const firstString = (key, ...levels) => {
    for (const level of levels) {
      const found = level.find((a) => a.key === key && a.intValue === undefined && a.value !== null);
      if (found) return found.value;
    }
    return undefined;
  };
  const stringValues = (attrs) => attrs.filter((a) => a.intValue === undefined && a.value !== null).map((a) => a.value);
  for (const r of model.resources) {
    for (const s of r.scopes) {
      const hasDirectCpu = s.profiles.some((p) => p.kind.direct);
      for (const p of s.profiles) {
        const { kind } = p;
        const skipped = kind.measure === null || (kind.countBased && hasDirectCpu);
        const multiplier = kind.countBased ? p.period : kind.unitNs ?? 1n;
        const profileAttrs = p.attrs.map((i) => model.attributes[i]);
        for (const smp of p.samples) {
          counts.samples_total++;
          if (skipped) {
            counts.samples_skipped++;
            continue;
          }
          const sampleAttrs = smp.attrs.map((i) => model.attributes[i]);
          const names = stackNames(model, smp.stack);
          const process = firstString('process.executable.name', sampleAttrs, profileAttrs, r.attrs);
          const thread = firstString('thread.name', sampleAttrs, profileAttrs, r.attrs);
          const subjects = [...stringValues(sampleAttrs), ...stringValues(profileAttrs), ...stringValues(r.attrs), ...names];
          if (!passes(filters.process, process === undefined ? [] : [process]) ||
              !passes(filters.thread, thread === undefined ? [] : [thread]) ||
              !passes(filters.pattern, subjects)) {
            counts.samples_filtered++;
            continue;
          }
          counts.samples_kept++;
          const raw = smp.values.length ? smp.values.reduce((a, b) => a + b, 0n) : BigInt(smp.timestamps.length);
          const value = raw * multiplier;
          const distinct = new Set(names).size;
          const sum = sums[kind.measure];
          sum.base += value;
          if (names.length) sum.self += value;
          sum.inclusive += value * BigInt(distinct);
          if (value > 0n) identities.add(identity(r.attrs));
        }
      }
    }
  }
  return { counts, sums, identities };
}

/** A resource's identity: its attributes in order, as key + typed value. */
function identity(attrs) {
  return JSON.stringify(attrs.map((a) => [a.key, a.intValue !== undefined ? ['int', String(a.intValue)] : ['string', a.value]]));
}

/** The same for an output resource (OTLP/JSON KeyValues). */
function outputIdentity(kvs) {
  return JSON.stringify((kvs ?? []).map((kv) => [kv.key, 'intValue' in kv.value ? ['int', String(kv.value.intValue)] : ['string', kv.value.stringValue]]));
}

/**
 * (e), (f) on -f json output: one ResourceMetrics per identity; every point
 * carries the resource's attributes but service.name, process.pid as an int.
 */
function checkResources(stdout, identities, label) {
  const lines = stdout.toString('utf8').split('\n').filter(Boolean);
  assert.ok(lines.length <= 1, `${label}: one output request`);
  const rms = lines.length ? JSON.parse(lines[0]).resourceMetrics : [];
  const got = rms.map((rm) => outputIdentity(rm.resource?.attributes));
  assert.equal(new Set(got).size, got.length, `${label}: each identity once`);
  assert.deepEqual([...got].sort(), [...identities].sort(), `${label}: output resources`);
  let points = 0;
  for (const rm of rms) {
    const copied = (rm.resource?.attributes ?? []).filter((kv) => kv.key !== 'service.name');
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const p of (m.sum ?? m.gauge).dataPoints) {
          const attrs = p.attributes ?? [];
          assert.ok(!attrs.some((kv) => kv.key === 'service.name'), `${label} ${m.name}: service.name not copied`);
          for (const a of copied) {
            const v = attrs.find((kv) => kv.key === a.key)?.value;
            assert.ok(v, `${label} ${m.name}: ${a.key} copied`);
            // thread.name / process.executable.name may be the point's own.
            if (a.key === 'process.pid') assert.deepEqual(v, a.value, `${label} ${m.name}: process.pid typed`);
          }
          points++;
        }
      }
    }
  }
  return points;
}

/** Sums each metric of -f json output (one JSON object per line) as BigInt. */
function outputSums(stdout) {
  const sums = new Map();
  for (const line of stdout.toString('utf8').split('\n').filter(Boolean)) {
    for (const rm of JSON.parse(line).resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const points = (m.sum ?? m.gauge).dataPoints;
          let total = sums.get(m.name) ?? 0n;
          for (const p of points) {
            if (p.asInt !== undefined) total += BigInt(p.asInt);
            else {
              assert.ok(Number.isSafeInteger(p.asDouble), `${m.name}: ${p.asDouble} is not an exact integer of ns`);
              total += BigInt(p.asDouble);
            }
          }
          sums.set(m.name, total);
        }
      }
    }
  }
  return sums;
}

test(`property: ${REQUESTS} random valid requests (seed ${SEED}) convert to the model's exact counts and totals`, (t) => {
  t.diagnostic(`seed ${SEED} (set PTM_PROPERTY_SEED to replay another)`);
  console.log(`# property.test.js seed ${SEED}`);
  const rand = prng(SEED);
  const configFiles = new Map();
  const coverage = { samples: 0n, kept: 0n, filtered: 0n, skipped: 0n, cpuNs: 0n, bytes: 0n, offCpuNs: 0n, wallNs: 0n, filteredRuns: 0, points: 0, mergedResources: 0 };
  for (let i = 0; i < REQUESTS; i++) {
    const { model, config } = generate(rand);
    const bytes = encode(model);
    const key = JSON.stringify(config);
    if (!configFiles.has(key)) {
      const file = scratchFile('property-config.json');
      writeFileSync(file, key);
      configFiles.set(key, file);
    }
    const label = `request ${i} (seed ${SEED}, config ${key})`;
    const run = ptm(['-c', configFiles.get(key), '-f', 'json', '--stats', '-'], bytes);
    assert.equal(run.code, 0, `${label}: ${run.stderr}`);
    const stats = statsOf(run.stderr);
    const { counts, sums, identities } = expectedTotals(model, config);
    // (a)
    assert.equal(stats.samples_total, stats.samples_kept + stats.samples_filtered + stats.samples_invalid + stats.samples_skipped, `${label}: counts add up`);
    assert.deepEqual(
      { samples_total: stats.samples_total, samples_kept: stats.samples_kept, samples_filtered: stats.samples_filtered, samples_invalid: stats.samples_invalid, samples_skipped: stats.samples_skipped },
      counts, `${label}: counts`);
    const got = outputSums(run.stdout);
    const metric = (name) => got.get(name) ?? 0n;
    // (b), (c)
    const names = { cpu: 'cpu.time', off_cpu: 'off_cpu.time', wall: 'wall.time', memory: 'memory.allocated' };
    for (const [measure, name] of Object.entries(names)) {
      assert.equal(metric(`profile.${name}`), sums[measure].base, `${label}: profile.${name}`);
      // (d)
      assert.equal(metric(`profile.function.self.${name}`), sums[measure].self, `${label}: self ${measure} = value of kept samples with a non-empty stack`);
      assert.equal(metric(`profile.function.inclusive.${name}`), sums[measure].inclusive, `${label}: inclusive ${measure} = value x distinct functions`);
    }
    assert.ok(![...got.keys()].some((n) => n.includes('.total.')), `${label}: no "total" metric`);
    // (e), (f)
    coverage.points += checkResources(run.stdout, identities, label);
    const inputResources = model.resources.filter((r) => identities.has(identity(r.attrs))).length;
    coverage.mergedResources += inputResources - identities.size;
    coverage.samples += BigInt(counts.samples_total);
    coverage.kept += BigInt(counts.samples_kept);
    coverage.filtered += BigInt(counts.samples_filtered);
    coverage.skipped += BigInt(counts.samples_skipped);
    coverage.cpuNs += sums.cpu.base;
    coverage.bytes += sums.memory.base;
    coverage.offCpuNs += sums.off_cpu.self;
    coverage.wallNs += sums.wall.self;
    if (Object.keys(config).length > 1) coverage.filteredRuns++;
  }
  t.diagnostic(`coverage: ${JSON.stringify(coverage, (k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  // The generator must actually exercise every path.
  assert.ok(coverage.kept > 1000n && coverage.filtered > 50n && coverage.skipped > 100n, JSON.stringify(coverage, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  assert.ok(coverage.cpuNs > 0n && coverage.bytes > 0n && coverage.filteredRuns > 30);
  assert.ok(coverage.offCpuNs > 0n && coverage.wallNs > 0n && coverage.points > 1000 && coverage.mergedResources > 20);
});
