// prometheus.test.js: what Prometheus itself makes of our output. Every
// exposition `ptm -f prom` writes is checked by tests/go/cmd/promcheck with
// Prometheus' own libraries: github.com/prometheus/common/expfmt parses it
// (and each (name, label set) must occur once), and
// github.com/prometheus/otlptranslator names every metric and label of the
// OTLP output of the same conversion, which must give exactly the same
// families, series and values. Inputs: the repo's fixtures under default and
// configured names and units, the seed connector's configurations, and the
// real eBPF captures in ../shared (the 189-request JSON Lines file and a
// 55-fold repetition of it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { profilesRequest } from '../lib/pb.js';
import { bin as prometheusBin } from '../lib/prometheus.js';
import {
  fixtures, shared, haveShared, ptm, root, scratchFile, statsOf, readJSON, readJSONLines, decodeMetrics,
} from '../lib/run.js';

const promcheckPath = join(root, 'build', 'go', 'promcheck');
const inputs = ['cpu-ebpf.pb', 'memory.pb', 'cpu-pprof.pb', 'multi.jsonl'].map((name) => join(fixtures, name));
const realJSONLines = join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl');

/** Converts input to OTLP and to Prometheus text with one config; runs promcheck on the pair. */
function promcheck(input, config, label) {
  const configArgs = config === undefined ? [] : ['-c', writeConfig(config)];
  const otlp = ptm([...configArgs, '-f', 'otlp', input]);
  const prom = ptm([...configArgs, '-f', 'prom', '--stats', input]);
  assert.equal(otlp.code, 0, `${label}: ${otlp.stderr}`);
  assert.equal(prom.code, 0, `${label}: ${prom.stderr}`);
  const otlpFile = scratchFile('out.pb');
  const promFile = scratchFile('out.prom');
  writeFileSync(otlpFile, otlp.stdout);
  writeFileSync(promFile, prom.stdout);
  const run = spawnSync(promcheckPath, ['-otlp', otlpFile, '-prom', promFile], { maxBuffer: 1 << 28 });
  assert.notEqual(run.status, 2, `${label}: promcheck: ${run.stderr}`);
  const report = JSON.parse(run.stdout.toString());
  assert.equal(report.ok, true, `${label}: ${JSON.stringify(report).slice(0, 2000)}`);
  return { report, prom: prom.stdout.toString(), stats: statsOf(prom.stderr) };
}

function writeConfig(config) {
  const file = scratchFile('config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

/** name{labels} → value, from an exposition (our own lines: one space before the value). */
function samplesOf(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

// Configurations that rename every metric and use every unit spelling ptm
// accepts; the names must still be exactly otlptranslator's.
const configs = {
  default: undefined,
  'time units ns/us/ms and aliases': {
    metrics: {
      cpu: { unit: 'ns' }, off_cpu: { unit: 'milliseconds' }, wall: { unit: 'us' },
      memory: { unit: 'KiBy' }, inuse: { unit: 'MiB' },
    },
  },
  'byte units and the seed spellings': {
    metrics: { cpu: { unit: 'seconds' }, memory: { unit: 'bytes' }, inuse: { unit: 'GiBy' }, allocations: { unit: '1' } },
  },
  'names with total, ratio, unit words, digits and punctuation': {
    metrics: {
      cpu: { metric_name: 'total.cpu.seconds.total' },
      off_cpu: { metric_name: '9lives-off.cpu' },
      memory: { metric_name: 'mem__alloc..bytes', unit: 'By' },
      allocations: { metric_name: 'allocs/total', unit: '%' },
      inuse: { metric_name: 'heap.ratio.in_use', unit: 'By' },
      inuse_objects: { metric_name: 'live.objects', unit: '1' },
    },
  },
  'custom sample types: gauges of unit 1, rates, percent': {
    sample_types: [
      { type: 'cpu', unit: 'nanoseconds', metric_name: 'cpu.share', metric_unit: 'ms' },
      { type: 'off_cpu', unit: 'nanoseconds', metric_name: 'blocked.ratio', metric_unit: 's', gauge: true },
      { type: 'alloc_objects', unit: 'count', metric_name: 'alloc.rate', metric_unit: 'By/s' },
      { type: 'inuse_objects', unit: 'count', metric_name: 'live.fraction', metric_unit: '1', gauge: true },
      { type: 'inuse_space', unit: 'bytes', metric_name: 'heap.usage', metric_unit: 'MiBy' },
      { type: 'samples', unit: 'count', metric_name: 'samples.seen', metric_unit: '{tick}/min' },
      { type: 'wall', unit: 'microseconds', metric_name: 'wall.clock', metric_unit: 'ms' },
    ],
  },
  'configured attributes and no copied resource attributes': {
    attributes: [{ key: 'deployment.environment', value: 'prod' }, { key: '2nd..key', value: 'x' }],
    copy_resource_attributes: [],
  },
};

for (const example of ['cumulative.json', 'no-copied-resource-attributes.json']) {
  configs[`README example docs/examples/${example}`] = readFileSync(join(root, 'docs', 'examples', example), 'utf8');
}

for (const [name, config] of Object.entries(configs)) {
  test(`Prometheus names and series equal otlptranslator's and expfmt's reading: ${name}`, () => {
    const families = new Set();
    for (const input of inputs) {
      const { report, prom } = promcheck(input, config, `${name} / ${input}`);
      assert.ok(report.samples > 0, `${input}: the check saw samples`);
      for (const line of prom.split('\n')) if (line.startsWith('# TYPE ')) families.add(line.split(' ')[2]);
    }
    assert.ok(families.size >= 7, `several families checked (${[...families].join(' ')})`);
  });
}

test('the inclusive function metrics keep every token on their way into Prometheus', () => {
  const { prom } = promcheck(join(fixtures, 'cpu-ebpf.pb'), undefined, 'cpu-ebpf');
  assert.match(prom, /^profile_function_inclusive_cpu_time_seconds_total\{/m);
  assert.match(prom, /^profile_function_inclusive_off_cpu_time_seconds_total\{/m);
  assert.doesNotMatch(prom, /function_total/);
});

test('the seed connector configurations convert the fixtures unchanged', () => {
  for (const seed of ['seed-basic', 'seed-defaults', 'seed-complete', 'seed-readme-basic', 'seed-readme-complete']) {
    const config = readFileSync(join(root, 'tests', 'configs', `${seed}.json`), 'utf8');
    for (const input of inputs) {
      const { stats } = promcheck(input, config, `${seed} / ${input}`);
      assert.equal(stats.samples_total, stats.samples_kept + stats.samples_filtered + stats.samples_invalid + stats.samples_skipped);
    }
  }
  // seed-defaults: cpu_time in ns and memory_allocation in bytes, as the seed's README documents them.
  const config = writeConfig(readFileSync(join(root, 'tests', 'configs', 'seed-defaults.json'), 'utf8'));
  const cpu = decodeMetrics(ptm(['-c', config, join(fixtures, 'cpu-ebpf.pb')]).stdout);
  const memory = decodeMetrics(ptm(['-c', config, join(fixtures, 'memory.pb')]).stdout);
  const cpuTime = cpu.resources.flatMap((r) => r.metrics.cpu_time?.points ?? []);
  const allocated = memory.resources.flatMap((r) => r.metrics.memory_allocation?.points ?? []);
  assert.ok(cpuTime.length > 0 && allocated.length > 0);
  assert.equal(cpu.resources.find((r) => r.metrics.cpu_time).metrics.cpu_time.unit, 'ns');
  assert.equal(memory.resources.find((r) => r.metrics.memory_allocation).metrics.memory_allocation.unit, 'By');
  // The seed README's spelling (name for metric_name and for key): the same metric under its name.
  const readme = writeConfig(readFileSync(join(root, 'tests', 'configs', 'seed-readme-basic.json'), 'utf8'));
  const renamed = decodeMetrics(ptm(['-c', readme, join(fixtures, 'cpu-ebpf.pb')]).stdout);
  const seedSeconds = renamed.resources.flatMap((r) => r.metrics.profile_cpu_time_seconds?.points ?? []);
  assert.ok(seedSeconds.length > 0 && seedSeconds.every((p) => p.attributes.service_name === 'my-service'));
  assert.match(ptm(['-c', readme, '-f', 'prom', join(fixtures, 'cpu-ebpf.pb')]).stdout.toString(), /^profile_cpu_time_seconds_total\{/m);
  for (const both of [{ metrics: { cpu: { name: 'a', metric_name: 'b' } } }, { attributes: [{ key: 'a', name: 'b', value: 'v' }] },
    { metrics: { function: { inclusive: true, total: true } } }]) {
    const run = ptm(['-c', writeConfig(both), join(fixtures, 'cpu-ebpf.pb')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^ptm: config: \S+: is another name of (metric_name|key|inclusive); give one of them\n$/);
  }
  // Same totals as the default config, in ns.
  const defaults = decodeMetrics(ptm([join(fixtures, 'cpu-ebpf.pb')]).stdout);
  const seconds = defaults.resources.flatMap((r) => r.metrics['profile.cpu.time']?.points ?? []).reduce((a, p) => a + p.value, 0);
  assert.ok(Math.abs(cpuTime.reduce((a, p) => a + p.value, 0) - seconds * 1e9) < 1e-3);
});

test('a configured attribute with a resource attribute\'s key: the resource wins, one warning, counted', () => {
  const input = join(fixtures, 'cpu-ebpf.pb');
  const request = readJSON(join(fixtures, 'cpu-ebpf.json'));
  const strings = request.dictionary.stringTable;
  const serviceName = (rp) => (rp.resource?.attributes ?? []).find((a) => (a.key ?? strings[a.keyStrindex]) === 'service.name');
  const withServiceName = request.resourceProfiles.filter(serviceName).length;
  assert.ok(withServiceName > 0 && withServiceName < request.resourceProfiles.length, 'the fixture has both kinds');
  const config = writeConfig({ attributes: [{ key: 'service.name', value: 'configured' }] });
  const run = ptm(['-c', config, '-f', 'otlp', '--stats', input]);
  assert.equal(run.code, 0, run.stderr);
  const warnings = run.stderr.split('\n').filter((l) => l.startsWith('ptm: warning: '));
  assert.deepEqual(warnings, ['ptm: warning: attribute rule "service.name" is shadowed by the resource attribute of that key; the resource\'s value is kept']);
  assert.equal(statsOf(run.stderr).attributes_shadowed, withServiceName);
  const doc = decodeMetrics(run.stdout);
  for (const resource of doc.resources) {
    const own = resource.attributes['service.name'];
    for (const metric of Object.values(resource.metrics)) {
      for (const point of metric.points) {
        if (point.attributes['otel.metric.overflow']) continue;
        if (own !== undefined) assert.equal(point.attributes['service.name'], undefined, 'left off: the resource has it');
        else assert.equal(point.attributes['service.name'], 'configured');
      }
    }
  }
  // In Prometheus: the resource's value is the label wherever the resource has one.
  const { prom } = promcheck(input, { attributes: [{ key: 'service.name', value: 'configured' }] }, 'shadowing');
  const own = serviceName(request.resourceProfiles.find(serviceName)).value;
  const value = own.stringValue ?? strings[own.stringValueStrindex];
  assert.match(prom, new RegExp(`service_name="${value}"`));
  assert.match(prom, /service_name="configured"/);
  assert.equal(ptm(['-f', 'otlp', '--stats', input]).stderr.includes('warning'), false, 'no rule, no warning');
});

test('real eBPF capture, 189 JSON Lines requests: one exposition, each series once, sums over requests', { skip: !haveShared && 'no ../shared/fixtures' }, () => {
  const { report, prom, stats } = promcheck(realJSONLines, undefined, '189 requests');
  assert.equal(report.duplicates.length, 0);
  assert.equal(stats.requests, 189);
  assert.equal(stats.overflowed, 0);
  // The CPU seconds of the exposition equal count × period over every request, from the raw JSON.
  let cpuNs = 0n;
  for (const request of readJSONLines(realJSONLines)) {
    const strings = request.dictionary.stringTable;
    for (const rp of request.resourceProfiles) for (const sp of rp.scopeProfiles) for (const p of sp.profiles) {
      if (strings[p.sampleType.typeStrindex ?? 0] !== 'samples') continue;
      for (const s of p.samples) cpuNs += BigInt((s.timestampsUnixNano ?? []).length) * BigInt(p.period);
    }
  }
  let seconds = 0;
  for (const [series, value] of samplesOf(prom)) if (series.startsWith('profile_cpu_time_seconds_total')) seconds += value;
  assert.ok(cpuNs > 0n);
  assert.ok(Math.abs(seconds - Number(cpuNs) / 1e9) < 1e-6, `${seconds} vs ${Number(cpuNs) / 1e9}`);
  // Each distinct (thread, process, resource) of the input is one series.
  const threads = new Set();
  for (const request of readJSONLines(realJSONLines)) {
    const strings = request.dictionary.stringTable;
    const attributes = request.dictionary.attributeTable;
    for (const rp of request.resourceProfiles) for (const sp of rp.scopeProfiles) for (const p of sp.profiles) for (const s of p.samples) {
      const named = Object.fromEntries((s.attributeIndices ?? []).map((i) => [strings[attributes[i].keyStrindex ?? 0] ?? attributes[i].key, attributes[i].value?.stringValue]));
      threads.add(JSON.stringify([rp.resource?.attributes ?? [], named['thread.name'], named['process.executable.name']]));
    }
  }
  const cpuSeries = [...samplesOf(prom).keys()].filter((k) => k.startsWith('profile_cpu_time_seconds_total{'));
  assert.equal(cpuSeries.length, threads.size);
});

test('real eBPF capture repeated 55 times: the same series, no overflow, every value 55 times the single file\'s', { skip: !haveShared && 'no ../shared/fixtures' }, () => {
  const once = readFileSync(realJSONLines);
  const file = scratchFile('x55.jsonl');
  writeFileSync(file, Buffer.concat(Array.from({ length: 55 }, () => once)));
  const single = samplesOf(promcheck(realJSONLines, undefined, 'once').prom);
  const { report, prom, stats } = promcheck(file, undefined, '55 times');
  assert.equal(stats.requests, 189 * 55);
  assert.equal(stats.overflowed, 0, 'distinct series are counted once, however many requests repeat them');
  assert.equal(report.duplicates.length, 0);
  const repeated = samplesOf(prom);
  assert.deepEqual([...repeated.keys()].sort(), [...single.keys()].sort());
  for (const [series, value] of single) {
    const expected = value * 55;
    assert.ok(Math.abs(repeated.get(series) - expected) <= 1e-9 * Math.max(1, expected), `${series}: ${repeated.get(series)} vs ${expected}`);
  }
});

/** A one-sample CPU request whose resource has these string attributes ([key, value] pairs). */
function withResourceAttributes(pairs) {
  const file = scratchFile('attributes.pb');
  writeFileSync(file, profilesRequest({
    resourceProfiles: [{
      resource: { attributes: pairs.map(([key, value]) => ({ key, value: typeof value === 'string' ? { stringValue: value } : value })) },
      scopeProfiles: [{ profiles: [{
        sampleType: { typeStrindex: 1, unitStrindex: 2 },
        samples: [{ stackIndex: 1, values: ['5'] }],
      }] }],
    }],
    dictionary: {
      stringTable: ['', 'cpu', 'nanoseconds', 'main'],
      functionTable: [{}, { nameStrindex: 3 }],
      locationTable: [{}, { lines: [{ functionIndex: 1 }] }],
      stackTable: [{}, { locationIndices: [1] }],
    },
  }));
  return file;
}

/** The labels of a sample line of our own exposition, in order. */
function labelsOf(line) {
  return [...line.slice(line.indexOf('{') + 1, line.lastIndexOf('}')).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
    .map(([, name, value]) => [name, value]);
}

// Issue 28, row 5: "__name__" as a key made `{__name__="…"}`, which
// Prometheus' parser refuses (the whole scrape failed), and "a.b", "a_b",
// "a-b" silently kept the first. Now as Prometheus' OTLP receiver: the key
// "__name__" is left out, "__foo__" is otlptranslator's "__foo__", and the
// values of keys that give one name are joined with ';' in byte order of the
// keys. promcheck derives the same from the OTLP output with otlptranslator.
const reserved = [['__name__', 'n'], ['a_b', 'under'], ['__foo__', 'f'], ['a.b', 'dot'], ['a-b', 'dash']];
const reservedCases = {
  'resource attributes copied onto points (the default)': [withResourceAttributes(reserved), undefined],
  'resource attributes kept on the resource': [withResourceAttributes(reserved), { copy_resource_attributes: [] }],
  'rule attribute keys': [withResourceAttributes([]), { attributes: reserved.map(([key, value]) => ({ key, value })) }],
  'rules and resource attributes': [withResourceAttributes([['c.d', 'resource'], ['x.y', 'r']]),
    { copy_resource_attributes: [], attributes: [{ key: 'c_d', value: 'rule' }, { key: 'x-y', value: '' }] }],
};
for (const [name, [input, config]] of Object.entries(reservedCases)) {
  test(`reserved and colliding keys: promtool accepts, series equal otlptranslator's: ${name}`, () => {
    const { prom } = promcheck(input, config, name);
    const check = spawnSync(join(prometheusBin, 'promtool'), ['check', 'metrics'], { input: prom });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    const lines = prom.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.ok(lines.length > 0);
    for (const line of lines) {
      const labels = labelsOf(line);
      const names = labels.map(([n]) => n);
      assert.equal(new Set(names).size, names.length, `each label once: ${line}`);
      assert.ok(!names.includes('__name__'), line);
      const map = Object.fromEntries(labels);
      if (name === 'rules and resource attributes') {
        assert.equal(map.c_d, 'rule', 'the point\'s label wins over the resource\'s');
        assert.equal(map.x_y, 'r', 'an empty point value leaves the resource\'s');
      } else {
        assert.equal(map.a_b, 'dash;dot;under', line);
        assert.equal(map.__foo__, 'f', line);
      }
    }
  });
}

// Issue 28, row 2 (the resource's copied attributes): each attribute's key
// was compared with every key copied before it, so 32k attributes took about
// a second; keys are now looked up once in an interner past a few. The rule
// is kept: the first copied attribute of a key wins, and one that is not
// copied (not scalar) does not hide a later one of its key.
for (const count of [16384, 32768]) {
  test(`a resource with ${count} attributes, each key twice: the first copied of each key is its label`, () => {
    const half = count / 2;
    const pairs = Array.from({ length: count }, (_, i) => [`attr.${i % half}`, `v${i}`]);
    pairs[0] = ['attr.0', { arrayValue: { values: [{ stringValue: 'not copied' }] } }]; // attr.0: v<half> wins
    const run = ptm(['-c', writeConfig({ max_point_attributes: 100000 }), '-f', 'prom', withResourceAttributes(pairs)]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.toString().split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.ok(lines.length > 0);
    for (const line of lines) {
      const labels = labelsOf(line).filter(([name]) => name.startsWith('attr_'));
      assert.equal(labels.length, half);
      // in the order copied: attr.0 where its first scalar value is
      const expected = [...Array.from({ length: half - 1 }, (_, j) => [`attr_${j + 1}`, `v${j + 1}`]), ['attr_0', `v${half}`]];
      assert.deepEqual(labels, expected);
    }
  });
}

// Issue 28, row 2 (Prometheus text): a label name was checked against every
// label before it, so 16k attributes took seconds and 32k about 13 s. Each
// name is now looked up once in a table by interned id. (max_point_attributes
// raised: every attribute is wanted as a label here.)
for (const count of [16000, 32000]) {
  test(`a resource with ${count} distinct attributes: every one a label, with its value`, () => {
    const pairs = Array.from({ length: count }, (_, i) => [`attr.${i}`, `v${i}`]);
    for (const config of [{}, { copy_resource_attributes: [] }]) {
      const args = ['-c', writeConfig({ ...config, max_point_attributes: 100000 })];
      const run = ptm([...args, '-f', 'prom', withResourceAttributes(pairs)]);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.toString().split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      assert.ok(lines.length > 0);
      for (const line of lines) {
        const labels = labelsOf(line).filter(([name]) => name.startsWith('attr_'));
        assert.equal(labels.length, count);
        labels.forEach(([name, value], i) => assert.deepEqual([name, value], [`attr_${i}`, `v${i}`]));
      }
    }
  });
}
