// expect.test.js: proves tests/lib/expect.js against docs/semantics.md with
// small hand-written requests whose results are worked out by hand below,
// then checks the harness end to end: expected documents are encoded as OTLP
// metrics (protobuf and JSON), decoded by the official decoder through
// build/go/pmetriccheck, and must compare equal (skipped when not built).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedMetrics, sortPoints, compareDocs } from './lib/expect.js';
import { metricsRequest, metricsRequestJSON } from './lib/pb.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');
const pmetriccheck = resolve(here, '..', 'build', 'go', 'pmetriccheck');

// Shared dictionary for the hand-written requests. Comments give each index.
const STRINGS = [
  '', //  0
  'samples', //  1
  'count', //  2
  'cpu', //  3
  'nanoseconds', //  4
  'thread.name', //  5
  't1', //  6
  't2', //  7
  'main', //  8
  'inl_callee', //  9
  'inl_caller', // 10
  '/usr/lib/x86_64-linux-gnu/libc.so.6', // 11
  'process.executable.name', // 12
  'app', // 13
  'leaf_fn', // 14
  'off_cpu', // 15
  'goroutine', // 16
  'service.name', // 17
  'svc', // 18
  'alloc_space', // 19
  'bytes', // 20
  'inuse_space', // 21
  '_ZN3sys4nameEv', // 22
  'other', // 23
  'wall', // 24
  'microseconds', // 25
];
const DICT = {
  mappingTable: [{}, { filenameStrindex: 11 }],
  functionTable: [
    {}, // 0
    { nameStrindex: 8 }, // 1 main
    { nameStrindex: 9 }, // 2 inl_callee
    { nameStrindex: 10 }, // 3 inl_caller
    {}, // 4 empty name, no system name
    { nameStrindex: 14 }, // 5 leaf_fn
    { systemNameStrindex: 22 }, // 6 system name only
  ],
  locationTable: [
    {}, // 0
    { lines: [{ functionIndex: 1 }] }, // 1 main
    { lines: [{ functionIndex: 2 }, { functionIndex: 3 }] }, // 2 inl_callee inlined into inl_caller
    { mappingIndex: 1, lines: [{ functionIndex: 4 }] }, // 3 libc, empty function name -> libc.so.6
    { mappingIndex: 1 }, // 4 libc, no lines -> libc.so.6
    { lines: [{ functionIndex: 5 }] }, // 5 leaf_fn
    { lines: [{ functionIndex: 6 }] }, // 6 _ZN3sys4nameEv (system name)
    { lines: [{ functionIndex: 4 }] }, // 7 no name, no mapping -> [unknown]
  ],
  stackTable: [
    {}, // 0
    { locationIndices: [3, 2, 1] }, // 1 leaf libc.so.6 | inl_callee, inl_caller | main
    { locationIndices: [2, 1] }, // 2 leaf inl_callee
    { locationIndices: [4, 5, 1] }, // 3 leaf libc.so.6 (no lines) | leaf_fn | main
    { locationIndices: [6, 1, 1] }, // 4 leaf _ZN3sys4nameEv, main twice (recursion)
    { locationIndices: [7, 5] }, // 5 leaf [unknown] | leaf_fn
  ],
  attributeTable: [
    { value: {} }, // 0
    { keyStrindex: 5, value: { stringValue: 't1' } }, // 1 thread.name=t1
    { keyStrindex: 5, value: { stringValue: 't2' } }, // 2 thread.name=t2
    { keyStrindex: 12, value: { stringValueStrindex: 13 } }, // 3 process.executable.name=app (by reference)
    { keyStrindex: 12, value: { stringValue: 'other' } }, // 4 process.executable.name=other
  ],
  linkTable: [{}],
  stringTable: STRINGS,
};

const T0 = 1767225600000000000n; // profile start used throughout
const S = (n) => (T0 + BigInt(n)).toString(); // a timestamp n ns after T0
const SEC5 = '5000000000';

const onCpu = (samples, extra = {}) => ({
  sampleType: { typeStrindex: 1, unitStrindex: 2 }, // samples/count
  periodType: { typeStrindex: 3, unitStrindex: 4 }, // cpu/nanoseconds
  period: '50000000', // 50 ms
  timeUnixNano: S(0),
  durationNano: SEC5,
  samples,
  ...extra,
});

const req = (resourceProfiles) => ({ resourceProfiles, dictionary: DICT });
const resource = (attributes, profiles, schemaUrl = '') => ({
  resource: { attributes },
  scopeProfiles: [{ scope: { name: 'test' }, profiles }],
  schemaUrl,
});
// A resource attribute written by reference, as pdata's marshalers do.
const EXE_APP_REF = { keyStrindex: 12, value: { stringValueStrindex: 13 } };
const SVC_REF = { keyStrindex: 17, value: { stringValueStrindex: 18 } };

const sumMetric = (unit, valueType, points) => ({ unit, type: 'sum', valueType, temporality: 'delta', monotonic: true, points });
const gaugeMetric = (unit, points) => ({ unit, type: 'gauge', valueType: 'int', temporality: 'unspecified', monotonic: false, points });
const pt = (attributes, value, start = S(0), end = S(SEC5)) => ({ attributes, start, end, value });
const fn = (name) => ({ 'code.function.name': name });

function assertDoc(got, want) {
  const diffs = compareDocs(got, want);
  assert.deepEqual(diffs, [], diffs.join('\n'));
}

test('two on-CPU samples, off-CPU, unknown type, invalid samples, empty resource', () => {
  const request = req([
    resource([EXE_APP_REF, SVC_REF], [
      onCpu([
        // 2 timestamps x 50 ms = 100 ms on t1; leaf is the libc frame.
        { stackIndex: 1, attributeIndices: [1], timestampsUnixNano: [S(10), S(20)] },
        // 1 timestamp = 50 ms on t2; leaf is the inlined frame (lines[0]).
        { stackIndex: 2, attributeIndices: [2], timestampsUnixNano: [S(30)] },
      ]),
      {
        // off_cpu: values are nanoseconds; duration 0 -> end = greatest timestamp.
        sampleType: { typeStrindex: 15, unitStrindex: 4 },
        timeUnixNano: S(0),
        samples: [{ stackIndex: 3, attributeIndices: [1], values: ['300', 200], timestampsUnixNano: [S(700), S(900)] }],
      },
      {
        // goroutine/count has no metric: skipped.
        sampleType: { typeStrindex: 16, unitStrindex: 2 },
        timeUnixNano: S(0),
        samples: [{ stackIndex: 1, values: [7] }],
      },
      onCpu([
        { stackIndex: 99, timestampsUnixNano: [S(1)] }, // stack index outside its table
        { stackIndex: 1, values: [1, 2], timestampsUnixNano: [S(1)] }, // lengths differ
        { stackIndex: 1, values: [-1] }, // negative
        { stackIndex: 1, attributeIndices: [42], values: [1] }, // attribute index outside its table
      ]),
    ], 'https://opentelemetry.io/schemas/1.37.0'),
    // Only an unknown type: produces no point, so no ResourceMetrics.
    resource([{ key: 'service.name', value: { stringValue: 'idle' } }], [
      { sampleType: { typeStrindex: 16, unitStrindex: 2 }, samples: [{ stackIndex: 2, values: [1] }] },
    ]),
  ]);
  const got = expectedMetrics(request);
  assert.deepEqual(got.counts, { total: 9, kept: 3, filtered: 0, invalid: 4, skipped: 2 });
  assertDoc(got, {
    resources: [{
      // Reference-based resource attributes resolved; the executable name
      // is only on the resource, so it is not a point attribute.
      attributes: { 'process.executable.name': 'app', 'service.name': 'svc' },
      schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
      scopes: [{ name: 'profiletometrics' }],
      metrics: {
        'profile.cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1' }, 0.1), pt({ 'thread.name': 't2' }, 0.05)]),
        'profile.off_cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1' }, 5e-7, S(0), S(900))]),
        'profile.function.self.cpu.time': sumMetric('s', 'double', [pt(fn('libc.so.6'), 0.1), pt(fn('inl_callee'), 0.05)]),
        'profile.function.total.cpu.time': sumMetric('s', 'double', [
          pt(fn('libc.so.6'), 0.1),
          pt(fn('inl_callee'), 0.15),
          pt(fn('inl_caller'), 0.15),
          pt(fn('main'), 0.15),
        ]),
      },
    }],
  });
  // Points come out in first-seen order, metrics in table order.
  const r = got.resources[0];
  assert.deepEqual(Object.keys(r.metrics), [
    'profile.cpu.time', 'profile.off_cpu.time', 'profile.function.self.cpu.time', 'profile.function.total.cpu.time',
  ]);
  assert.deepEqual(r.metrics['profile.function.total.cpu.time'].points.map((p) => p.attributes['code.function.name']),
    ['libc.so.6', 'inl_callee', 'inl_caller', 'main']);
});

test('function names: no lines, system name, [unknown], recursion counted once', () => {
  const request = req([resource([], [onCpu([
    { stackIndex: 3, timestampsUnixNano: [S(1)] }, // libc.so.6 (no lines) | leaf_fn | main
    { stackIndex: 4, timestampsUnixNano: [S(2), S(3)] }, // _ZN3sys4nameEv | main | main
    { stackIndex: 5, timestampsUnixNano: [S(4)] }, // [unknown] | leaf_fn
    { timestampsUnixNano: [S(5)] }, // stack index 0: base metric only
  ])])]);
  const got = expectedMetrics(request);
  assert.deepEqual(got.counts, { total: 4, kept: 4, filtered: 0, invalid: 0, skipped: 0 });
  // 5 timestamps x 50 ms; no thread.name anywhere -> no point attributes.
  assertDoc(got, {
    resources: [{
      attributes: {},
      schemaUrl: '',
      metrics: {
        'profile.cpu.time': sumMetric('s', 'double', [pt({}, 0.25)]),
        'profile.function.self.cpu.time': sumMetric('s', 'double', [
          pt(fn('libc.so.6'), 0.05), pt(fn('_ZN3sys4nameEv'), 0.1), pt(fn('[unknown]'), 0.05),
        ]),
        'profile.function.total.cpu.time': sumMetric('s', 'double', [
          pt(fn('libc.so.6'), 0.05),
          pt(fn('leaf_fn'), 0.1),
          pt(fn('main'), 0.15), // 0.05 + 0.1: once per sample although twice on stack 4
          pt(fn('_ZN3sys4nameEv'), 0.1),
          pt(fn('[unknown]'), 0.05),
        ]),
      },
    }],
  });
});

test('memory: sample-level executable name, sums across profiles, gauges per profile', () => {
  const space = (type, start, dur, samples) => ({
    sampleType: { typeStrindex: type, unitStrindex: 20 },
    timeUnixNano: S(start),
    durationNano: String(dur),
    samples,
  });
  const request = req([resource([SVC_REF], [
    space(19, 0, 1000, [
      { stackIndex: 2, attributeIndices: [3], values: ['1024'] },
      { stackIndex: 1, attributeIndices: [3], values: ['4096', '4096'] },
    ]),
    // A second alloc_space profile: same point, earliest start, latest end.
    space(19, 500, 2000, [{ stackIndex: 2, attributeIndices: [3], values: [1] }]),
    // inuse_space, duration 0, no timestamps: end = start; one point per profile.
    space(21, 100, 0, [{ stackIndex: 2, attributeIndices: [3], values: [64] }, { stackIndex: 1, attributeIndices: [3], values: [0] }]),
    space(21, 200, 0, [{ stackIndex: 2, attributeIndices: [3], values: [32] }]),
  ])]);
  const got = expectedMetrics(request);
  assert.deepEqual(got.counts, { total: 6, kept: 6, filtered: 0, invalid: 0, skipped: 0 });
  const exe = { 'process.executable.name': 'app' };
  assertDoc(got, {
    resources: [{
      attributes: { 'service.name': 'svc' },
      schemaUrl: '',
      metrics: {
        'profile.memory.allocated': sumMetric('By', 'int', [pt(exe, '9217', S(0), S(2500))]),
        // The 0-valued inuse sample adds nothing (no point of its own).
        'profile.memory.inuse': gaugeMetric('By', [pt(exe, '64', S(100), S(100)), pt(exe, '32', S(200), S(200))]),
        'profile.function.self.memory.allocated': sumMetric('By', 'int', [
          pt(fn('inl_callee'), '1025', S(0), S(2500)),
          pt(fn('libc.so.6'), '8192', S(0), S(1000)),
        ]),
        'profile.function.total.memory.allocated': sumMetric('By', 'int', [
          pt(fn('inl_callee'), '9217', S(0), S(2500)),
          pt(fn('inl_caller'), '9217', S(0), S(2500)),
          pt(fn('main'), '9217', S(0), S(2500)),
          pt(fn('libc.so.6'), '8192', S(0), S(1000)),
        ]),
      },
    }],
  });
});

test('pprof pair: the count-based profile is skipped next to a direct cpu profile; period 0 is invalid', () => {
  const request = req([
    resource([], [
      onCpu([{ stackIndex: 2, values: [3] }]), // would be 150 ms: skipped (double counting)
      {
        sampleType: { typeStrindex: 3, unitStrindex: 4 }, // cpu/nanoseconds, direct
        periodType: { typeStrindex: 3, unitStrindex: 4 },
        period: 10000000,
        timeUnixNano: S(0),
        durationNano: SEC5,
        attributeIndices: [4], // process.executable.name=other on the profile: a point attribute
        samples: [{ stackIndex: 2, values: [30000000] }],
      },
    ]),
    // Alone in its scope, a count-based profile with period 0 cannot be converted.
    resource([], [onCpu([{ stackIndex: 2, values: [3] }, { stackIndex: 1, values: [1] }], { period: '0' })]),
    // (wall, microseconds): value x 1000 ns.
    resource([], [{
      sampleType: { typeStrindex: 24, unitStrindex: 25 },
      timeUnixNano: S(0),
      durationNano: SEC5,
      samples: [{ stackIndex: 5, attributeIndices: [2], values: [1500] }],
    }]),
  ]);
  const got = expectedMetrics(request);
  assert.deepEqual(got.counts, { total: 5, kept: 2, filtered: 0, invalid: 2, skipped: 1 });
  assertDoc(got, {
    resources: [
      {
        attributes: {},
        schemaUrl: '',
        metrics: {
          'profile.cpu.time': sumMetric('s', 'double', [pt({ 'process.executable.name': 'other' }, 0.03)]),
          'profile.function.self.cpu.time': sumMetric('s', 'double', [pt(fn('inl_callee'), 0.03)]),
          'profile.function.total.cpu.time': sumMetric('s', 'double', [
            pt(fn('inl_callee'), 0.03), pt(fn('inl_caller'), 0.03), pt(fn('main'), 0.03),
          ]),
        },
      },
      {
        attributes: {},
        schemaUrl: '',
        metrics: { 'profile.wall.time': sumMetric('s', 'double', [pt({ 'thread.name': 't2' }, 0.0015)]) },
      },
    ],
  });
});

test('filters, config attributes, function metric switches', () => {
  const samples = [
    { stackIndex: 1, attributeIndices: [1], timestampsUnixNano: [S(1)] }, // t1, app (resource)
    { stackIndex: 2, attributeIndices: [2], timestampsUnixNano: [S(2)] }, // t2, app
    { stackIndex: 3, attributeIndices: [1, 4], timestampsUnixNano: [S(3)] }, // t1, other (sample)
  ];
  const request = req([resource([EXE_APP_REF], [onCpu(samples)])]);

  // process filter: only "app" (found on the resource for samples 1, 2).
  let got = expectedMetrics(request, { process_filter: { enabled: true, pattern: '^app$' } });
  assert.deepEqual(got.counts, { total: 3, kept: 2, filtered: 1, invalid: 0, skipped: 0 });
  // A disabled filter does nothing.
  got = expectedMetrics(request, { process_filter: { enabled: false, pattern: '^nothing$' } });
  assert.equal(got.counts.kept, 3);
  // thread filter with an exclude pattern.
  got = expectedMetrics(request, { thread_filter: { enabled: true, exclude_patterns: ['2$'] } });
  assert.deepEqual(got.counts, { total: 3, kept: 2, filtered: 1, invalid: 0, skipped: 0 });
  // pattern filter: function names count as subjects ("leaf_fn" only on stack 3) ...
  got = expectedMetrics(request, { pattern_filter: { enabled: true, patterns: ['leaf'] } });
  assert.deepEqual(got.counts, { total: 3, kept: 1, filtered: 2, invalid: 0, skipped: 0 });
  // ... and so do attribute values (sample, profile, resource), not keys.
  got = expectedMetrics(request, { pattern_filter: { enabled: true, pattern: 'thread' } });
  assert.equal(got.counts.kept, 0);
  got = expectedMetrics(request, { pattern_filter: { enabled: true, exclude_patterns: ['^app$'] } });
  assert.equal(got.counts.kept, 0, 'the resource value "app" is a subject of every sample');
  // Filtered samples feed no metric at all.
  got = expectedMetrics(request, {
    thread_filter: { enabled: true, pattern: '^t1$' },
    process_filter: { enabled: true, exclude_patterns: ['other'] },
    attributes: [{ key: 'deployment.environment', value: 'test' }, { key: 'shard', value: '7', type: 'literal' }],
    metrics: { function: { enabled: true, self: true, total: false } },
  });
  assert.deepEqual(got.counts, { total: 3, kept: 1, filtered: 2, invalid: 0, skipped: 0 });
  const extra = { 'deployment.environment': 'test', shard: '7' };
  assertDoc(got, {
    resources: [{
      attributes: { 'process.executable.name': 'app' },
      schemaUrl: '',
      metrics: {
        'profile.cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1', ...extra }, 0.05)]),
        'profile.function.self.cpu.time': sumMetric('s', 'double', [pt({ ...fn('libc.so.6'), ...extra }, 0.05)]),
      },
    }],
  });
  // Function metrics off: base metric only.
  got = expectedMetrics(request, { metrics: { function: { enabled: false } } });
  assert.deepEqual(Object.keys(got.resources[0].metrics), ['profile.cpu.time']);
});

test('cardinality limit: later series go to the overflow point, totals stay exact', () => {
  const request = req([resource([], [onCpu([
    { stackIndex: 2, attributeIndices: [1], timestampsUnixNano: [S(1)] }, // t1, self inl_callee
    { stackIndex: 3, attributeIndices: [2], timestampsUnixNano: [S(2), S(3)] }, // t2, self libc.so.6
    { stackIndex: 2, attributeIndices: [1], timestampsUnixNano: [S(4)] }, // t1 again
  ])])]);
  const got = expectedMetrics(request, { cardinality_limit: 1, metrics: { function: { total: false } } });
  const over = { 'otel.metric.overflow': true };
  assertDoc(got, {
    resources: [{
      attributes: {},
      schemaUrl: '',
      metrics: {
        'profile.cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1' }, 0.1), pt(over, 0.1)]),
        'profile.function.self.cpu.time': sumMetric('s', 'double', [pt(fn('inl_callee'), 0.1), pt(over, 0.1)]),
      },
    }],
  });
});

test('int64 fields as JSON numbers or strings give the same result', () => {
  const a = req([resource([], [onCpu([{ stackIndex: 1, attributeIndices: [1], values: ['2'] }])])]);
  const b = JSON.parse(JSON.stringify(a));
  b.resourceProfiles[0].scopeProfiles[0].profiles[0].period = 50000000;
  b.resourceProfiles[0].scopeProfiles[0].profiles[0].durationNano = 5000000000;
  b.resourceProfiles[0].scopeProfiles[0].profiles[0].samples[0].values = [2];
  assert.deepEqual(expectedMetrics(b), expectedMetrics(a));
  assert.equal(expectedMetrics(a).resources[0].metrics['profile.cpu.time'].points[0].value, 0.1);
});

test('compareDocs and sortPoints', () => {
  const doc = () => ({
    resources: [{
      attributes: { a: '1' },
      schemaUrl: '',
      scopes: [{ name: 'profiletometrics', version: '1.0' }],
      metrics: {
        m: sumMetric('s', 'double', [pt({ x: 'b' }, 0.3), pt({ x: 'a' }, 0.1)]),
        n: sumMetric('By', 'int', [pt({ y: 'z', b: true }, '5')]),
      },
    }],
  });
  const a = doc();
  const b = doc();
  b.resources[0].metrics.m.points.reverse();
  assert.deepEqual(compareDocs(a, b), []);
  sortPoints(a);
  assert.deepEqual(a.resources[0].metrics.m.points.map((p) => p.attributes.x), ['a', 'b']);
  const bx = b.resources[0].metrics.m.points.find((p) => p.attributes.x === 'b');
  bx.value = 0.1 + 0.2; // 0.30000000000000004: within 1e-12 of 0.3
  assert.deepEqual(compareDocs(a, b), []);
  bx.value = 0.3001;
  b.resources[0].metrics.n.points[0].value = '6';
  b.resources[0].metrics.n.unit = 'bytes';
  const d = compareDocs(a, b);
  assert.equal(d.length, 3, d.join('\n'));
  const c = doc();
  delete c.resources[0].metrics.n;
  c.resources[0].metrics.m.points.pop();
  assert.equal(compareDocs(a, c).length, 2);
  const v = doc();
  v.resources[0].scopes[0].version = '2.0';
  assert.equal(compareDocs(a, v).length, 1);
  assert.equal(compareDocs(v, { resources: [] }).length, 1);
});

test('repo fixtures: every sample is counted once; totals match a direct sum', () => {
  const load = (f) => JSON.parse(readFileSync(join(fixtures, f), 'utf8'));
  const nSamples = (r) => r.resourceProfiles.flatMap((rp) => rp.scopeProfiles.flatMap((sp) => sp.profiles.flatMap((p) => p.samples ?? []))).length;
  const sum = (doc, metric) => doc.resources.reduce((acc, r) => acc + (r.metrics[metric]?.points ?? []).reduce((x, p) => x + Number(p.value), 0), 0);

  const ebpf = load('cpu-ebpf.json');
  let got = expectedMetrics(ebpf);
  assert.equal(got.counts.total, nSamples(ebpf));
  assert.equal(got.counts.kept, got.counts.total);
  // on-CPU: 50 ms per timestamp; off-CPU: the sum of values.
  let ts = 0;
  let off = 0n;
  for (const rp of ebpf.resourceProfiles) {
    for (const p of rp.scopeProfiles[0].profiles) {
      for (const s of p.samples) {
        if (s.values) off += s.values.reduce((a, v) => a + BigInt(v), 0n);
        else ts += (s.timestampsUnixNano ?? []).length;
      }
    }
  }
  assert.ok(Math.abs(sum(got, 'profile.cpu.time') - ts * 0.05) < 1e-9);
  assert.ok(Math.abs(sum(got, 'profile.off_cpu.time') - Number(off) / 1e9) < 1e-9);
  assert.equal(got.resources.length, 4);

  const pprof = load('cpu-pprof.json');
  got = expectedMetrics(pprof);
  // 12 cpu samples kept; the 12 samples/count twins and 5 goroutine samples skipped.
  assert.deepEqual(got.counts, { total: 29, kept: 12, filtered: 0, invalid: 0, skipped: 17 });

  const mem = load('memory.json');
  got = expectedMetrics(mem);
  assert.deepEqual(got.counts, { total: 56, kept: 56, filtered: 0, invalid: 0, skipped: 0 });
  const memKeys = Object.keys(got.resources[0].metrics);
  assert.deepEqual(memKeys.slice(0, 4), ['profile.memory.allocated', 'profile.memory.allocations', 'profile.memory.inuse', 'profile.memory.inuse_objects']);

  const lines = readFileSync(join(fixtures, 'multi.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  got = expectedMetrics(lines);
  assert.equal(got.resources.length, 2);
  assert.equal(got.counts.total, lines.reduce((a, r) => a + nSamples(r), 0));
});

test('harness round trip through the official decoder (pmetriccheck)', (t) => {
  if (!existsSync(pmetriccheck)) {
    t.skip('build/go/pmetriccheck not built (cd tests/go && go build -o ../../build/go/ ./cmd/...)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ptm-expect-'));
  try {
    for (const f of ['cpu-ebpf.json', 'memory.json', 'cpu-pprof.json']) {
      const want = expectedMetrics(JSON.parse(readFileSync(join(fixtures, f), 'utf8')), {
        attributes: [{ key: 'k', value: 'v' }],
      });
      const pb = join(dir, 'm.pb');
      writeFileSync(pb, metricsRequest(want));
      const fromPb = JSON.parse(execFileSync(pmetriccheck, [pb], { encoding: 'utf8' }));
      assertDoc(fromPb, want);
      const js = join(dir, 'm.jsonl');
      // Two lines: the resources of both are merged in order.
      const half = { resources: want.resources.slice(0, 1) };
      const rest = { resources: want.resources.slice(1) };
      writeFileSync(js, JSON.stringify(metricsRequestJSON(half)) + '\n\n' + JSON.stringify(metricsRequestJSON(rest)) + '\n');
      const fromJson = JSON.parse(execFileSync(pmetriccheck, ['-json', '-strict', js], { encoding: 'utf8' }));
      assertDoc(fromJson, want);
    }
    // Not OTLP: exit 1 and one line on stderr.
    const bad = join(dir, 'bad.pb');
    writeFileSync(bad, Buffer.from([0x0a, 0x05, 0x01]));
    assert.throws(() => execFileSync(pmetriccheck, [bad], { stdio: 'pipe' }), (e) => e.status === 1 && e.stderr.toString().trim().split('\n').length === 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
