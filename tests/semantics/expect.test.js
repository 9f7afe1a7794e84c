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
import { expectedMetrics, expectedMetricsForRequests, sortPoints, compareDocs } from '../lib/expect.js';
import { metricsRequest, metricsRequestJSON } from '../lib/pb.js';
import { ptm, decodeMetrics, scratchFile } from '../lib/run.js';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..'); // tests/
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

/** ptm on the same request (as OTLP/JSON), read back by pdata, is the oracle's doc. */
function assertPtmIsTheOracle(request, oracle) {
  const file = scratchFile('request.json');
  writeFileSync(file, JSON.stringify(request));
  const run = ptm(['-f', 'json', file]);
  assert.equal(run.code, 0, run.stderr);
  assertDoc(sortPoints(decodeMetrics(run.stdout, { json: true })), sortPoints(oracle));
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
  // Reference-based resource attributes resolved. The executable name is
  // only on the resource: not a point attribute of its own, but copied onto
  // every point (copy_resource_attributes ["*"]); service.name is not copied.
  const app = { 'process.executable.name': 'app' };
  const off = (attrs, value) => pt({ ...attrs, ...app }, value, S(0), S(900));
  assertDoc(got, {
    resources: [{
      attributes: { 'process.executable.name': 'app', 'service.name': 'svc' },
      schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
      scopes: [{ name: 'profiletometrics' }],
      metrics: {
        'profile.cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1', ...app }, 0.1), pt({ 'thread.name': 't2', ...app }, 0.05)]),
        'profile.off_cpu.time': sumMetric('s', 'double', [off({ 'thread.name': 't1' }, 5e-7)]),
        'profile.function.self.cpu.time': sumMetric('s', 'double', [pt({ ...fn('libc.so.6'), ...app }, 0.1), pt({ ...fn('inl_callee'), ...app }, 0.05)]),
        'profile.function.inclusive.cpu.time': sumMetric('s', 'double', [
          pt({ ...fn('libc.so.6'), ...app }, 0.1),
          pt({ ...fn('inl_callee'), ...app }, 0.15),
          pt({ ...fn('inl_caller'), ...app }, 0.15),
          pt({ ...fn('main'), ...app }, 0.15),
        ]),
        // Off-CPU feeds its function metrics like CPU: stack 3 is
        // libc.so.6 (leaf, no lines) | leaf_fn | main; 300 + 200 ns.
        'profile.function.self.off_cpu.time': sumMetric('s', 'double', [off(fn('libc.so.6'), 5e-7)]),
        'profile.function.inclusive.off_cpu.time': sumMetric('s', 'double', [
          off(fn('libc.so.6'), 5e-7), off(fn('leaf_fn'), 5e-7), off(fn('main'), 5e-7),
        ]),
      },
    }],
  });
  // Points come out in first-seen order, metrics in table order.
  const r = got.resources[0];
  assert.deepEqual(Object.keys(r.metrics), [
    'profile.cpu.time', 'profile.off_cpu.time',
    'profile.function.self.cpu.time', 'profile.function.inclusive.cpu.time',
    'profile.function.self.off_cpu.time', 'profile.function.inclusive.off_cpu.time',
  ]);
  assert.deepEqual(r.metrics['profile.function.inclusive.cpu.time'].points.map((p) => p.attributes['code.function.name']),
    ['libc.so.6', 'inl_callee', 'inl_caller', 'main']);
  // With copying off, the resource-level executable name stays on the resource.
  const bare = expectedMetrics(request, { copy_resource_attributes: [] }).resources[0].metrics;
  assert.deepEqual(bare['profile.cpu.time'].points.map((p) => p.attributes), [{ 'thread.name': 't1' }, { 'thread.name': 't2' }]);
  assert.deepEqual(bare['profile.function.self.off_cpu.time'].points.map((p) => p.attributes), [fn('libc.so.6')]);
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
        'profile.function.inclusive.cpu.time': sumMetric('s', 'double', [
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
        'profile.function.inclusive.memory.allocated': sumMetric('By', 'int', [
          pt(fn('inl_callee'), '9217', S(0), S(2500)),
          pt(fn('inl_caller'), '9217', S(0), S(2500)),
          pt(fn('main'), '9217', S(0), S(2500)),
          pt(fn('libc.so.6'), '8192', S(0), S(1000)),
        ]),
        // In use by function: gauges too, a point per profile.
        'profile.function.self.memory.inuse': gaugeMetric('By', [
          pt(fn('inl_callee'), '64', S(100), S(100)), pt(fn('inl_callee'), '32', S(200), S(200)),
        ]),
        'profile.function.inclusive.memory.inuse': gaugeMetric('By', ['inl_callee', 'inl_caller', 'main'].flatMap((f) => [
          pt(fn(f), '64', S(100), S(100)), pt(fn(f), '32', S(200), S(200)),
        ])),
      },
    }],
  });
});

test('async-profiler\'s OTLP CPU profile: itimer/count samples with an itimer period in ns are CPU time', () => {
  const itimer = STRINGS.length; // the string appended below
  const request = reqWith(['itimer'], [resource([], [onCpu([{ stackIndex: 2, values: [3] }, { stackIndex: 1, attributeIndices: [1], values: [2] }], {
    sampleType: { typeStrindex: itimer, unitStrindex: 2 }, // itimer/count
    periodType: { typeStrindex: itimer, unitStrindex: 4 }, // itimer/nanoseconds
    period: '10000000', // 10 ms
  })])]);
  const got = expectedMetrics(request);
  assert.deepEqual(got.counts, { total: 2, kept: 2, filtered: 0, invalid: 0, skipped: 0 });
  assert.deepEqual(got.resources[0].metrics['profile.cpu.time'].points.map((p) => p.value).sort(), [0.02, 0.03]);
  assertPtmIsTheOracle(request, got);
});

test('an unnamed frame is named for its profile.frame.type ("[cpython]", "[abort-marker]"); an untyped one is "[unknown]"', () => {
  const key = STRINGS.length; // 'profile.frame.type', then 'abort-marker'
  const dictionary = {
    ...DICT,
    stringTable: [...STRINGS, 'profile.frame.type', 'abort-marker'],
    attributeTable: [...DICT.attributeTable,
      { keyStrindex: key, value: { stringValue: 'cpython' } }, // 5
      { keyStrindex: key, value: { stringValueStrindex: key + 1 } }, // 6, by reference
      { keyStrindex: key, value: { stringValue: '' } }], // 7: empty, no type
    locationTable: [...DICT.locationTable,
      { attributeIndices: [5] }, // 8: cpython, no lines, no mapping
      { attributeIndices: [7, 6] }, // 9: abort-marker (the empty one skipped)
      { attributeIndices: [7] }], // 10: no type
    stackTable: [...DICT.stackTable,
      { locationIndices: [8, 1] }, // 6: [cpython] | main
      { locationIndices: [9, 8, 1] }, // 7: [abort-marker] | [cpython] | main
      { locationIndices: [10, 1] }], // 8: [unknown] | main
  };
  const request = { dictionary, resourceProfiles: [resource([], [onCpu([
    { stackIndex: 6, timestampsUnixNano: [S(10)] },
    { stackIndex: 7, timestampsUnixNano: [S(20), S(30)] },
    { stackIndex: 8, timestampsUnixNano: [S(40)] },
  ])])] };
  const got = expectedMetrics(request);
  const self = got.resources[0].metrics['profile.function.self.cpu.time'].points;
  assert.deepEqual(self.map((p) => [p.attributes['code.function.name'], p.value]).sort(),
    [['[abort-marker]', 0.1], ['[cpython]', 0.05], ['[unknown]', 0.05]]);
  assertPtmIsTheOracle(request, got);
});

test('self_frame: a native leaf run under an interpreted frame gives its self time to that frame; a kernel leaf, a native root or "leaf" keep the leaf', () => {
  const key = STRINGS.length; // 'profile.frame.type'
  const dictionary = {
    ...DICT,
    stringTable: [...STRINGS, 'profile.frame.type'],
    attributeTable: [...DICT.attributeTable,
      { keyStrindex: key, value: { stringValue: 'native' } }, // 5
      { keyStrindex: key, value: { stringValue: 'cpython' } }, // 6
      { keyStrindex: key, value: { stringValue: 'kernel' } }, // 7
      { keyStrindex: key, value: { stringValue: 'go' } }], // 8
    locationTable: [...DICT.locationTable,
      { mappingIndex: 1, attributeIndices: [5] }, // 8: native libc.so.6
      { lines: [{ functionIndex: 2 }, { functionIndex: 3 }], attributeIndices: [6] }, // 9: cpython inl_callee in inl_caller
      { lines: [{ functionIndex: 5 }], attributeIndices: [7] }, // 10: kernel leaf_fn
      { lines: [{ functionIndex: 1 }], attributeIndices: [8] }], // 11: go main
    stackTable: [...DICT.stackTable,
      { locationIndices: [8, 8, 9, 1] }, // 6: native, native | cpython -> inl_callee
      { locationIndices: [10, 8, 9] }, // 7: kernel leaf -> leaf_fn
      { locationIndices: [8, 11, 9] }, // 8: native | go: not interpreted -> libc.so.6
      { locationIndices: [8] }, // 9: native alone -> libc.so.6
      { locationIndices: [9, 8] }], // 10: cpython leaf -> inl_callee
  };
  const request = { dictionary, resourceProfiles: [resource([], [onCpu([
    { stackIndex: 6, timestampsUnixNano: [S(10), S(11), S(12)] },
    { stackIndex: 7, timestampsUnixNano: [S(20)] },
    { stackIndex: 8, timestampsUnixNano: [S(30), S(31)] },
    { stackIndex: 9, timestampsUnixNano: [S(40)] },
    { stackIndex: 10, timestampsUnixNano: [S(50)] },
  ])])] };
  const selfOf = (doc) => doc.resources[0].metrics['profile.function.self.cpu.time'].points
    .map((p) => [p.attributes['code.function.name'], p.value]).sort();
  const got = expectedMetrics(request);
  assert.deepEqual(selfOf(got), [['inl_callee', 0.2], ['leaf_fn', 0.05], ['libc.so.6', 0.15]]);
  assertPtmIsTheOracle(request, got);
  const leaf = expectedMetrics(request, { self_frame: 'leaf' });
  assert.deepEqual(selfOf(leaf), [['inl_callee', 0.05], ['leaf_fn', 0.05], ['libc.so.6', 0.3]]);
  const file = scratchFile('self-frame.json');
  writeFileSync(file, JSON.stringify(request));
  const config = scratchFile('self-frame-config.json');
  writeFileSync(config, JSON.stringify({ self_frame: 'leaf' }));
  const run = ptm(['-c', config, '-f', 'json', file]);
  assert.equal(run.code, 0, run.stderr);
  assertDoc(sortPoints(decodeMetrics(run.stdout, { json: true })), sortPoints(leaf));
});

test('names with control characters: folded stacks and --top write them as \'_\', never raw to a terminal', () => {
  const evil = STRINGS.length; // a function name that would clear the screen, ring the bell and recolour
  const dictionary = {
    ...DICT,
    stringTable: [...STRINGS, 'evil\u001b[2J\u0007name;x\u001b[31m\u007f', 'thread\rname'],
    functionTable: [...DICT.functionTable, { nameStrindex: evil }], // 7
    locationTable: [...DICT.locationTable, { lines: [{ functionIndex: 7 }] }], // 8
    stackTable: [...DICT.stackTable, { locationIndices: [8, 1] }], // 6
    attributeTable: [...DICT.attributeTable, { keyStrindex: 5, value: { stringValueStrindex: evil + 1 } }], // 5
  };
  const request = { dictionary, resourceProfiles: [resource([EXE_APP_REF], [onCpu([
    { stackIndex: 6, attributeIndices: [5], timestampsUnixNano: [S(10)] }])])] };
  const file = scratchFile('control.json');
  writeFileSync(file, JSON.stringify(request));
  const folded = ptm(['-f', 'folded', file]);
  assert.equal(folded.code, 0, folded.stderr);
  assert.equal(folded.stdout.toString(), 'app;thread_name;main;evil_[2J_name_x_[31m_ 50000000\n');
  const top = ptm(['--top', '3', file]);
  assert.equal(top.code, 0, top.stderr);
  const text = top.stdout.toString();
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'no control character but newlines');
  assert.match(text, /evil_\[2J_name;x_\[31m_\n/);
  assert.match(text, /thread_name \(app\)\n/);
});

test('pprof pair: the count-based profile is skipped next to a direct cpu profile; period 0 is invalid; wall', () => {
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
  // The three ResourceProfiles have one identity (no attributes, no schema
  // URL): they are ONE output resource.
  assertDoc(got, {
    resources: [
      {
        attributes: {},
        schemaUrl: '',
        metrics: {
          'profile.cpu.time': sumMetric('s', 'double', [pt({ 'process.executable.name': 'other' }, 0.03)]),
          'profile.wall.time': sumMetric('s', 'double', [pt({ 'thread.name': 't2' }, 0.0015)]),
          'profile.function.self.cpu.time': sumMetric('s', 'double', [pt(fn('inl_callee'), 0.03)]),
          'profile.function.inclusive.cpu.time': sumMetric('s', 'double', [
            pt(fn('inl_callee'), 0.03), pt(fn('inl_caller'), 0.03), pt(fn('main'), 0.03),
          ]),
          // Wall feeds its function metrics: stack 5 is [unknown] (leaf) | leaf_fn.
          'profile.function.self.wall.time': sumMetric('s', 'double', [pt(fn('[unknown]'), 0.0015)]),
          'profile.function.inclusive.wall.time': sumMetric('s', 'double', [pt(fn('[unknown]'), 0.0015), pt(fn('leaf_fn'), 0.0015)]),
        },
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
    metrics: { function: { enabled: true, self: true, inclusive: false } },
  });
  assert.deepEqual(got.counts, { total: 3, kept: 1, filtered: 2, invalid: 0, skipped: 0 });
  // The resource's executable name is copied (before the configured ones).
  const extra = { 'process.executable.name': 'app', 'deployment.environment': 'test', shard: '7' };
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
  assert.deepEqual(Object.keys(got.resources[0].metrics['profile.function.self.cpu.time'].points[0].attributes),
    ['code.function.name', 'process.executable.name', 'deployment.environment', 'shard']);
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
  const got = expectedMetrics(request, { cardinality_limit: 1, metrics: { function: { inclusive: false } } });
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

// ---- issue 7: one conversion for many requests, names, copied attributes, shadowing ----

// A request over DICT with more strings appended (indices of STRINGS unchanged).
const reqWith = (extraStrings, resourceProfiles) => ({
  resourceProfiles,
  dictionary: { ...DICT, stringTable: [...STRINGS, ...extraStrings] },
});
const inuse = (start, samples) => ({
  sampleType: { typeStrindex: 21, unitStrindex: 20 }, // inuse_space/bytes: a gauge
  timeUnixNano: S(start),
  samples,
});
// One on-CPU sample of stack 2 (inl_callee | inl_caller | main) on t1.
const oneT1 = (extra = {}) => onCpu([{ stackIndex: 2, attributeIndices: [1], timestampsUnixNano: [S(10)] }], extra);

test('JSON Lines: several requests are ONE conversion; resources merged by identity', () => {
  const LATE = { timeUnixNano: S(1000), durationNano: '10000000000' }; // S(1000) .. S(10000001000)
  const a = reqWith([], [
    resource([EXE_APP_REF], [oneT1(), inuse(100, [{ stackIndex: 2, values: [64] }])]),
    resource([{ key: 'process.pid', value: { intValue: '7' } }], [oneT1()]),
  ]);
  const b = reqWith(['app'], [
    // process.executable.name=app through another string index (26): same identity as a's first.
    resource([{ keyStrindex: 12, value: { stringValueStrindex: 26 } }], [
      onCpu([
        { stackIndex: 2, attributeIndices: [1], timestampsUnixNano: [S(20), S(30)] },
        { stackIndex: 1, attributeIndices: [2], timestampsUnixNano: [S(40)] },
      ], LATE),
      inuse(200, [{ stackIndex: 2, values: [32] }]),
    ]),
    // String "7" is not int 7: another resource (the normalized doc prints both as "7").
    resource([{ key: 'process.pid', value: { stringValue: '7' } }], [oneT1(LATE)]),
    // Same attributes as the first, other schema URL: another resource.
    resource([{ key: 'process.executable.name', value: { stringValue: 'app' } }], [oneT1(LATE)], 'https://example.com/s'),
  ]);
  const got = expectedMetrics([a, b]);
  assert.deepEqual(got.counts, { total: 8, kept: 8, filtered: 0, invalid: 0, skipped: 0 });
  assert.deepEqual(expectedMetricsForRequests([a, b]), got);

  const app = { 'process.executable.name': 'app' };
  const END = S(10000001000);
  const t1 = { 'thread.name': 't1' };
  // One resource fed by one sample of stack 2 on t1 (50 ms), with copied attributes `c`.
  const single = (attributes, c, start, end, schemaUrl = '') => ({
    attributes,
    schemaUrl,
    metrics: {
      'profile.cpu.time': sumMetric('s', 'double', [pt({ ...t1, ...c }, 0.05, start, end)]),
      'profile.function.self.cpu.time': sumMetric('s', 'double', [pt({ ...fn('inl_callee'), ...c }, 0.05, start, end)]),
      'profile.function.inclusive.cpu.time': sumMetric('s', 'double',
        ['inl_callee', 'inl_caller', 'main'].map((n) => pt({ ...fn(n), ...c }, 0.05, start, end))),
    },
  });
  const pid = { 'process.pid': '7' };
  assertDoc(got, {
    resources: [
      {
        attributes: app,
        schemaUrl: '',
        metrics: {
          // a: 50 ms (S(0)..S(5s)); b: 100 ms (S(1000)..END): summed, earliest start, latest end.
          'profile.cpu.time': sumMetric('s', 'double', [
            pt({ ...t1, ...app }, 0.15, S(0), END),
            pt({ 'thread.name': 't2', ...app }, 0.05, S(1000), END),
          ]),
          // Gauges: one point per profile, never summed.
          'profile.memory.inuse': gaugeMetric('By', [pt(app, '64', S(100), S(100)), pt(app, '32', S(200), S(200))]),
          'profile.function.self.cpu.time': sumMetric('s', 'double', [
            pt({ ...fn('inl_callee'), ...app }, 0.15, S(0), END),
            pt({ ...fn('libc.so.6'), ...app }, 0.05, S(1000), END),
          ]),
          'profile.function.inclusive.cpu.time': sumMetric('s', 'double', [
            pt({ ...fn('inl_callee'), ...app }, 0.2, S(0), END),
            pt({ ...fn('inl_caller'), ...app }, 0.2, S(0), END),
            pt({ ...fn('main'), ...app }, 0.2, S(0), END),
            pt({ ...fn('libc.so.6'), ...app }, 0.05, S(1000), END),
          ]),
          // In use by function: gauges as well, one point per profile.
          'profile.function.self.memory.inuse': gaugeMetric('By', [
            pt({ ...fn('inl_callee'), ...app }, '64', S(100), S(100)),
            pt({ ...fn('inl_callee'), ...app }, '32', S(200), S(200)),
          ]),
          'profile.function.inclusive.memory.inuse': gaugeMetric('By', ['inl_callee', 'inl_caller', 'main'].flatMap((n) => [
            pt({ ...fn(n), ...app }, '64', S(100), S(100)),
            pt({ ...fn(n), ...app }, '32', S(200), S(200)),
          ])),
        },
      },
      single(pid, pid, S(0), S(SEC5)), // int 7, from a
      single(pid, pid, S(1000), END), // string "7", from b
      single(app, app, S(1000), END, 'https://example.com/s'),
    ],
  });

  // One request is the same as an array of one; order of first sight.
  assert.deepEqual(expectedMetrics([a]), expectedMetrics(a));
  assert.deepEqual(expectedMetrics([b, a]).resources.map((r) => r.schemaUrl), ['', '', 'https://example.com/s', '']);
  const ba = expectedMetrics([b, a]);
  assert.deepEqual(ba.resources[3].metrics['profile.cpu.time'].points[0].start, S(0), 'the int-7 resource of a comes last');
  // b first, then a: the start is still the earliest, the end the latest.
  assert.deepEqual(ba.resources[0].metrics['profile.cpu.time'].points[0], pt({ ...t1, ...app }, 0.15, S(0), END));
  // Within one request too: two ResourceProfiles of one identity are one resource.
  const twice = expectedMetrics(reqWith([], [resource([EXE_APP_REF], [oneT1()]), resource([EXE_APP_REF], [oneT1()])]));
  assert.equal(twice.resources.length, 1);
  assert.equal(twice.resources[0].metrics['profile.cpu.time'].points[0].value, 0.1);
});

test('JSON Lines: a resource first seen without points keeps its place; regex rules are per request', () => {
  const idle = resource([{ key: 'service.name', value: { stringValue: 'idle' } }], [
    { sampleType: { typeStrindex: 16, unitStrindex: 2 }, samples: [{ stackIndex: 2, values: [1] }] }, // goroutine: skipped
  ]);
  const busy = resource([{ key: 'service.name', value: { stringValue: 'busy' } }], [oneT1()]);
  const idleNowBusy = resource([{ key: 'service.name', value: { stringValue: 'idle' } }], [oneT1()]);
  const got = expectedMetrics([req([idle, busy]), req([idleNowBusy])], { copy_resource_attributes: [] });
  assert.deepEqual(got.resources.map((r) => r.attributes['service.name']), ['idle', 'busy']);
  assert.deepEqual(got.counts, { total: 3, kept: 2, filtered: 0, invalid: 0, skipped: 1 });

  // A regex rule matching "v1" in one request and "v2" in the other: the
  // values are point attributes, so one resource with two series.
  const rule = { attributes: [{ key: 'build', value: '^v(\\d+)$', type: 'regex' }], metrics: { function: { enabled: false } } };
  const r1 = reqWith(['v1'], [resource([EXE_APP_REF], [oneT1()])]);
  const r2 = reqWith(['v2'], [resource([EXE_APP_REF], [oneT1()])]);
  const app = { 'process.executable.name': 'app' };
  const cpuOnly = (value) => ({
    attributes: app,
    schemaUrl: '',
    metrics: { 'profile.cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1', ...app, build: value }, 0.05)]) },
  });
  assertDoc(expectedMetrics([r1, r2], rule), {
    resources: [{
      ...cpuOnly('1'),
      metrics: { 'profile.cpu.time': sumMetric('s', 'double', [
        pt({ 'thread.name': 't1', ...app, build: '1' }, 0.05), pt({ 'thread.name': 't1', ...app, build: '2' }, 0.05),
      ]) },
    }],
  });
  assertDoc(expectedMetrics([r1, r1], rule), {
    resources: [{ ...cpuOnly('1'), metrics: { 'profile.cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1', ...app, build: '1' }, 0.1)]) } }],
  });
  // The same rule shadowed by the resource's own "build": its values never
  // reach the output and do not split the resource.
  const own = [EXE_APP_REF, { key: 'build', value: { stringValue: 'b7' } }];
  const shadowed = expectedMetrics([
    reqWith(['v1'], [resource(own, [oneT1()])]), reqWith(['v2'], [resource(own, [oneT1()])]),
  ], rule);
  assert.equal(shadowed.resources.length, 1);
  assert.deepEqual(shadowed.resources[0].metrics['profile.cpu.time'].points,
    [pt({ 'thread.name': 't1', ...app, build: 'b7' }, 0.1)]);
  assert.equal(shadowed.attributesShadowed, 2, 'each ResourceProfiles counts');
});

test('cardinality limit counts series over all requests and resources; overflow points carry nothing else', () => {
  const t2 = onCpu([{ stackIndex: 2, attributeIndices: [2], timestampsUnixNano: [S(10)] }]);
  const x = [{ key: 'x', value: { stringValue: 'y' } }];
  const got = expectedMetrics([
    req([resource([], [oneT1()])]),
    req([resource([], [t2]), resource(x, [oneT1()]), resource([], [oneT1()])]),
  ], { cardinality_limit: 1, metrics: { function: { enabled: false } }, attributes: [{ key: 'k', value: 'v' }] });
  const over = { 'otel.metric.overflow': true };
  assertDoc(got, {
    resources: [
      {
        attributes: {},
        schemaUrl: '',
        // t1 (first request) and t1 again (last resource of the second) are one series.
        metrics: { 'profile.cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1', k: 'v' }, 0.1), pt(over, 0.05)]) },
      },
      // A series of another resource is past the limit: its overflow point has
      // neither the copied x nor the configured k.
      { attributes: { x: 'y' }, schemaUrl: '', metrics: { 'profile.cpu.time': sumMetric('s', 'double', [pt(over, 0.05)]) } },
    ],
  });
});

test('function metrics: inclusive (alias total), every measure, metrics.function.measures', () => {
  const prof = (type, unit, samples) => ({
    sampleType: { typeStrindex: type, unitStrindex: unit }, timeUnixNano: S(0), durationNano: SEC5, samples,
  });
  const request = req([resource([], [
    oneT1(), // cpu: 50 ms, stack 2
    prof(15, 4, [{ stackIndex: 3, values: [300] }]), // off_cpu/nanoseconds, stack 3
    prof(24, 25, [{ stackIndex: 5, values: [2] }]), // wall/microseconds: 2000 ns, stack 5
    prof(19, 20, [{ stackIndex: 1, values: [1024] }]), // alloc_space/bytes, stack 1
  ])]);
  const got = expectedMetrics(request);
  const all = (names, value) => names.map((n) => pt(fn(n), value));
  const fnMetrics = {
    'profile.function.self.cpu.time': sumMetric('s', 'double', all(['inl_callee'], 0.05)),
    'profile.function.inclusive.cpu.time': sumMetric('s', 'double', all(['inl_callee', 'inl_caller', 'main'], 0.05)),
    'profile.function.self.off_cpu.time': sumMetric('s', 'double', all(['libc.so.6'], 3e-7)),
    'profile.function.inclusive.off_cpu.time': sumMetric('s', 'double', all(['libc.so.6', 'leaf_fn', 'main'], 3e-7)),
    'profile.function.self.wall.time': sumMetric('s', 'double', all(['[unknown]'], 2e-6)),
    'profile.function.inclusive.wall.time': sumMetric('s', 'double', all(['[unknown]', 'leaf_fn'], 2e-6)),
    'profile.function.self.memory.allocated': sumMetric('By', 'int', all(['libc.so.6'], '1024')),
    'profile.function.inclusive.memory.allocated': sumMetric('By', 'int', all(['libc.so.6', 'inl_callee', 'inl_caller', 'main'], '1024')),
  };
  const base = {
    'profile.cpu.time': sumMetric('s', 'double', [pt({ 'thread.name': 't1' }, 0.05)]),
    'profile.off_cpu.time': sumMetric('s', 'double', [pt({}, 3e-7)]),
    'profile.wall.time': sumMetric('s', 'double', [pt({}, 2e-6)]),
    'profile.memory.allocated': sumMetric('By', 'int', [pt({}, '1024')]),
  };
  const only = (names) => ({ resources: [{ attributes: {}, schemaUrl: '', metrics: {
    ...base, ...Object.fromEntries(names.map((n) => [n, fnMetrics[n]])),
  } }] });
  const names = Object.keys(fnMetrics);
  assertDoc(got, only(names));
  assert.deepEqual(Object.keys(got.resources[0].metrics), [...Object.keys(base), ...names], 'table order');

  const self = names.filter((n) => n.includes('.self.'));
  const inclusive = names.filter((n) => n.includes('.inclusive.'));
  const fnCfg = (f) => ({ metrics: { function: f } });
  assertDoc(expectedMetrics(request, fnCfg({ inclusive: false })), only(self));
  assertDoc(expectedMetrics(request, fnCfg({ total: false })), only(self)); // the old name, an alias
  assertDoc(expectedMetrics(request, fnCfg({ inclusive: true, total: false })), only(names));
  assertDoc(expectedMetrics(request, fnCfg({ self: false })), only(inclusive));
  assertDoc(expectedMetrics(request, fnCfg({ enabled: false, inclusive: true })), only([]));
  assertDoc(expectedMetrics(request, fnCfg({ measures: ['off_cpu', 'memory'] })),
    only(names.filter((n) => n.includes('off_cpu') || n.includes('memory'))));
  assertDoc(expectedMetrics(request, fnCfg({ measures: [] })), only([]));
  assertDoc(expectedMetrics(request, fnCfg({ measures: ['cpu', 'off_cpu', 'wall', 'memory'] })), only(names));
  // A disabled measure takes its function metrics with it.
  const noWall = expectedMetrics(request, { metrics: { wall: { enabled: false } } });
  assert.deepEqual(Object.keys(noWall.resources[0].metrics).filter((n) => n.includes('wall')), []);
  assert.equal(noWall.counts.skipped, 1);
  assert.throws(() => expectedMetrics(request, fnCfg({ measures: ['allocations'] })), /no function metrics/);
});

test('copy_resource_attributes: scalars copied onto every point, typed, after the point\'s own', () => {
  const rAttrs = [
    { key: 'service.name', value: { stringValue: 'svc' } },
    { key: 'service.namespace', value: { stringValue: 'ns' } },
    { key: 'service.instance.id', value: { stringValue: 'i-1' } },
    { key: 'host.name', value: { stringValue: 'h1' } },
    { key: 'process.pid', value: { intValue: '42' } },
    { key: 'ratio', value: { doubleValue: 0.5 } },
    { key: 'debug', value: { boolValue: false } },
    { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }] } } },
    { key: 'labels', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
    { key: 'blob', value: { bytesValue: 'AAE=' } },
    { key: 'thread.name', value: { stringValue: 'res-thread' } },
    { keyStrindex: 12, value: { stringValueStrindex: 23 } }, // process.executable.name=other
    { key: 'nothing', value: {} },
  ];
  const request = req([resource(rAttrs, [onCpu([
    // Own thread.name t1 and process.executable.name app (by reference, sample level).
    { stackIndex: 2, attributeIndices: [1, 3], timestampsUnixNano: [S(1)] },
    // Empty stack, no attributes: thread.name found on the resource is its own.
    { timestampsUnixNano: [S(2), S(3)] },
  ])])]);
  const scalars = { 'host.name': 'h1', 'process.pid': '42', ratio: 0.5, debug: false };
  const got = expectedMetrics(request, { attributes: [{ key: 'env', value: 'prod' }] });
  const m = got.resources[0].metrics;
  const s1 = { 'thread.name': 't1', 'process.executable.name': 'app', ...scalars, env: 'prod' };
  const s2 = { 'thread.name': 'res-thread', 'process.executable.name': 'other', ...scalars, env: 'prod' };
  assert.deepEqual(m['profile.cpu.time'].points.map((p) => [p.attributes, p.value]), [[s1, 0.05], [s2, 0.1]]);
  // Function points have no thread/executable of their own: the resource's are copied.
  const fnPoint = { 'code.function.name': 'inl_callee', ...scalars, 'thread.name': 'res-thread', 'process.executable.name': 'other', env: 'prod' };
  assert.deepEqual(m['profile.function.self.cpu.time'].points.map((p) => p.attributes), [fnPoint]);
  // Order: own (thread, executable, function), copied (resource order), configured.
  assert.deepEqual(Object.keys(m['profile.cpu.time'].points[0].attributes),
    ['thread.name', 'process.executable.name', 'host.name', 'process.pid', 'ratio', 'debug', 'env']);
  assert.deepEqual(Object.keys(m['profile.cpu.time'].points[1].attributes),
    ['thread.name', 'host.name', 'process.pid', 'ratio', 'debug', 'process.executable.name', 'env']);
  assert.deepEqual(Object.keys(m['profile.function.self.cpu.time'].points[0].attributes),
    ['code.function.name', 'host.name', 'process.pid', 'ratio', 'debug', 'thread.name', 'process.executable.name', 'env']);
  // ["*"] is the default.
  assert.deepEqual(expectedMetrics(request, { copy_resource_attributes: ['*'], attributes: [{ key: 'env', value: 'prod' }] }), got);

  // A list copies those keys only, when present and scalar.
  const listed = expectedMetrics(request, { copy_resource_attributes: ['process.pid', 'service.name', 'tags', 'missing'] }).resources[0].metrics;
  assert.deepEqual(listed['profile.cpu.time'].points.map((p) => p.attributes), [
    { 'thread.name': 't1', 'process.executable.name': 'app', 'process.pid': '42', 'service.name': 'svc' },
    { 'thread.name': 'res-thread', 'process.pid': '42', 'service.name': 'svc' },
  ]);
  assert.deepEqual(listed['profile.function.self.cpu.time'].points.map((p) => p.attributes),
    [{ 'code.function.name': 'inl_callee', 'process.pid': '42', 'service.name': 'svc' }]);
  // [] copies none.
  const none = expectedMetrics(request, { copy_resource_attributes: [] }).resources[0].metrics;
  assert.deepEqual(none['profile.cpu.time'].points.map((p) => p.attributes), [
    { 'thread.name': 't1', 'process.executable.name': 'app' }, { 'thread.name': 'res-thread' },
  ]);
  assert.deepEqual(none['profile.function.inclusive.cpu.time'].points.map((p) => p.attributes),
    [fn('inl_callee'), fn('inl_caller'), fn('main')]);
  // The resource's own attributes are the same whatever is copied.
  for (const doc of [got.resources[0], { metrics: listed }, { metrics: none }]) {
    assert.equal(Object.keys(doc.metrics).length, 3);
  }
  assert.equal(Object.keys(got.resources[0].attributes).length, rAttrs.length);
});

test('configured attributes shadowed by resource attributes', () => {
  const rules = { attributes: [
    { key: 'service.name', value: 'cfg-svc' }, // a resource key, not copied: left off
    { key: 'host.name', value: 'cfg-host' }, // a resource key, copied: the resource's value
    { key: 'env', value: 'prod' },
  ] };
  const samples = [
    { stackIndex: 2, attributeIndices: [1], timestampsUnixNano: [S(1)] }, // t1
    { stackIndex: 2, timestampsUnixNano: [S(2)] }, // no thread
  ];
  const withKeys = resource([{ key: 'host.name', value: { stringValue: 'h1' } }, SVC_REF], [onCpu(samples)]);
  const bare = resource([{ key: 'x', value: { stringValue: 'y' } }], [onCpu(samples)]);
  const got = expectedMetrics(req([withKeys, bare]), { ...rules, metrics: { function: { inclusive: false } } });
  assert.equal(got.attributesShadowed, 2, '(ResourceProfiles, rule) pairs: host.name and service.name on the first resource');
  const host = { 'host.name': 'h1' };
  const x = { x: 'y' };
  const other = { 'service.name': 'cfg-svc', 'host.name': 'cfg-host' };
  assertDoc(got, {
    resources: [
      {
        attributes: { 'host.name': 'h1', 'service.name': 'svc' },
        schemaUrl: '',
        metrics: {
          'profile.cpu.time': sumMetric('s', 'double', [
            pt({ 'thread.name': 't1', ...host, env: 'prod' }, 0.05),
            pt({ ...host, env: 'prod' }, 0.05),
          ]),
          'profile.function.self.cpu.time': sumMetric('s', 'double', [
            pt({ ...fn('inl_callee'), ...host, env: 'prod' }, 0.1),
          ]),
        },
      },
      {
        attributes: x,
        schemaUrl: '',
        metrics: {
          'profile.cpu.time': sumMetric('s', 'double', [
            pt({ 'thread.name': 't1', ...x, ...other, env: 'prod' }, 0.05),
            pt({ ...x, ...other, env: 'prod' }, 0.05),
          ]),
          'profile.function.self.cpu.time': sumMetric('s', 'double', [
            pt({ ...fn('inl_callee'), ...x, ...other, env: 'prod' }, 0.1),
          ]),
        },
      },
    ],
  });
  // Not copying the resource attribute does not bring the rule back.
  const uncopied = expectedMetrics(req([withKeys]), { ...rules, copy_resource_attributes: [], metrics: { function: { enabled: false } } });
  assert.deepEqual(uncopied.resources[0].metrics['profile.cpu.time'].points.map((p) => p.attributes), [
    { 'thread.name': 't1', env: 'prod' },
    { env: 'prod' },
  ]);
  assert.equal(uncopied.attributesShadowed, 2);
  // One resource over two requests: each ResourceProfiles counts.
  assert.equal(expectedMetrics([req([withKeys]), req([withKeys])], rules).attributesShadowed, 4);
  assert.equal(expectedMetrics(req([bare]), rules).attributesShadowed, 0);
  // The converter's own keys are not rule keys.
  for (const key of ['thread.name', 'process.executable.name', 'code.function.name', 'otel.metric.overflow']) {
    assert.throws(() => expectedMetrics(req([bare]), { attributes: [{ key, value: 'v' }] }), /set by the converter/, key);
  }
});

test('repo fixtures as JSON Lines: the same request twice doubles every sum, keeps the times, doubles the gauge points', () => {
  const load = (f) => JSON.parse(readFileSync(join(fixtures, f), 'utf8'));
  for (const f of ['cpu-ebpf.json', 'memory.json', 'cpu-pprof.json']) {
    const once = expectedMetrics(load(f));
    const twice = expectedMetrics([load(f), load(f)]);
    assert.deepEqual(Object.fromEntries(Object.entries(twice.counts).map(([k, v]) => [k, v / 2])), once.counts, f);
    assert.equal(twice.resources.length, once.resources.length, f);
    const doubled = {
      resources: once.resources.map((r) => ({
        ...r,
        metrics: Object.fromEntries(Object.entries(r.metrics).map(([name, m]) => [name, {
          ...m,
          points: m.type === 'gauge' ? [...m.points, ...m.points]
            : m.points.map((p) => ({ ...p, value: m.valueType === 'double' ? p.value * 2 : (2n * BigInt(p.value)).toString() })),
        }])),
      })),
    };
    assertDoc(sortPoints(twice), sortPoints(doubled));
    if (f === 'memory.json') assert.ok(twice.resources[0].metrics['profile.memory.inuse'].points.length > 0);
  }
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

test('heap profiles: in-use memory by function, ptm against the oracle (the Node.js and Go heap pprof fixtures, memory.json)', (t) => {
  const pprof2otlp = join(here, '..', 'build', 'go', 'pprof2otlp');
  // The repo's own heap request, as OTLP/JSON.
  const memory = JSON.parse(readFileSync(join(here, 'fixtures', 'memory.json'), 'utf8'));
  const memoryWant = expectedMetrics(memory);
  assert.ok(memoryWant.resources[0].metrics['profile.function.inclusive.memory.inuse_objects'].points.length > 0);
  assertPtmIsTheOracle(memory, memoryWant);
  if (!existsSync(pprof2otlp)) {
    t.skip('build/go/pprof2otlp not built (cd tests/go && go build -o ../../build/go/ ./cmd/...)');
    return;
  }
  const dir = resolve(here, '..', '..', 'shared', 'fixtures', 'pprof');
  let compared = 0;
  for (const name of ['nodejs-heap.pb.gz', 'heap.pb.gz']) {
    const file = join(dir, name);
    if (!existsSync(file)) {
      t.diagnostic(`skipped ${file}: absent`);
      continue;
    }
    // The oracle reads pdata's OTLP/JSON of google/pprof's parse; ptm reads the pprof file itself.
    const request = JSON.parse(execFileSync(pprof2otlp, ['-json', file], { encoding: 'utf8', maxBuffer: 1 << 28 }));
    const want = expectedMetrics(request);
    const run = ptm(['-f', 'json', file]);
    assert.equal(run.code, 0, run.stderr);
    assertDoc(sortPoints(decodeMetrics(run.stdout, { json: true })), sortPoints(want));
    const metrics = want.resources[0].metrics;
    for (const m of ['self', 'inclusive']) {
      for (const what of ['inuse', 'inuse_objects']) {
        assert.ok(metrics[`profile.function.${m}.memory.${what}`]?.points.length > 0, `${name}: ${m} ${what}`);
        assert.equal(metrics[`profile.function.${m}.memory.${what}`].type, 'gauge');
      }
    }
    if (name === 'nodejs-heap.pb.gz') {
      // The acceptance figure, from the oracle's own reading.
      const value = (metric) => metrics[metric].points.find((p) => p.attributes['code.function.name'] === './index.js:(anonymous):19')?.value;
      assert.equal(value('profile.function.self.memory.inuse'), '4194672');
      assert.equal(value('profile.function.inclusive.memory.inuse'), '5274384');
    }
    compared++;
  }
  t.diagnostic(`${compared} shared heap profiles compared`);
});
