// config.test.js: each configuration key changes the output as documented.
// Where tests/lib/expect.js implements the key, the converter's decoded output
// must equal its independent result; top_n, units and custom sample types are
// checked against totals computed here from the raw JSON fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMetrics, compareDocs, sortPoints, OVERFLOW_KEY, METRICS } from '../lib/expect.js';
import { fixtures, ptm, scratchFile, decodeMetrics, statsOf, readJSON, readJSONLines } from '../lib/run.js';

const cpuJson = join(fixtures, 'cpu-ebpf.json');
const multiJsonl = join(fixtures, 'multi.jsonl');
const pprofJson = join(fixtures, 'cpu-pprof.json');
const memoryJson = join(fixtures, 'memory.json');

// Converts the protobuf twin of a JSON fixture (the JSON is read for expectations).
function convert(config, input, format = 'otlp') {
  const file = scratchFile('config.json');
  writeFileSync(file, JSON.stringify(config));
  const run = ptm(['-c', file, '-f', format, '--stats', input.replace(/\.json$/, '.pb')]);
  assert.equal(run.code, 0, run.stderr);
  return { doc: decodeMetrics(run.stdout), stats: statsOf(run.stderr), stderr: run.stderr };
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
  for (const metric of ['profile.cpu.time', 'profile.function.inclusive.cpu.time', 'profile.function.inclusive.off_cpu.time']) {
    const normal = points(doc, metric).filter((p) => !p.attributes[OVERFLOW_KEY]);
    assert.equal(normal.length, 3, metric);
    assert.ok(points(doc, metric).some((p) => p.attributes[OVERFLOW_KEY] === true));
    assert.ok(Math.abs(sumPoints(doc, metric) - sumPoints(unlimited, metric)) < 1e-9, metric);
  }
  assert.ok(stats.overflowed > 0);
});

test('metrics.function switches: inclusive (alias total), enabled', () => {
  const { doc } = assertMatchesContract({ metrics: { function: { inclusive: false } } }, cpuJson);
  assert.ok(points(doc, 'profile.function.self.cpu.time').length > 0);
  assert.ok(points(doc, 'profile.function.self.off_cpu.time').length > 0);
  assert.equal(points(doc, 'profile.function.inclusive.cpu.time').length, 0);
  assert.equal(points(doc, 'profile.function.inclusive.off_cpu.time').length, 0);
  // The old key is an alias: the same output.
  const alias = assertMatchesContract({ metrics: { function: { total: false } } }, cpuJson).doc;
  assert.deepEqual(compareDocs(sortPoints(alias), sortPoints(doc)), []);
  const off = assertMatchesContract({ metrics: { function: { enabled: false } } }, cpuJson).doc;
  assert.equal(points(off, 'profile.function.self.cpu.time').length, 0);
  assert.equal(points(off, 'profile.function.self.off_cpu.time').length, 0);
  // No metric keeps the old "total" name.
  const all = convert({}, cpuJson).doc;
  for (const r of all.resources) for (const name of Object.keys(r.metrics)) assert.ok(!name.includes('.total.'), name);
});

test('off-CPU and wall samples feed function metrics; metrics.function.measures selects them', () => {
  // Off-CPU: cpu-ebpf; wall: the second request of multi.jsonl.
  const all = assertMatchesContract({}, cpuJson).doc;
  // Independently of expect.js: self off-CPU sums to the off-CPU time of the
  // samples with a stack (all of them here), read from the raw JSON.
  const request = readJSON(cpuJson);
  const strings = request.dictionary.stringTable;
  let offNs = 0n;
  for (const rp of request.resourceProfiles) for (const sp of rp.scopeProfiles) for (const p of sp.profiles) {
    if (strings[p.sampleType.typeStrindex] !== 'off_cpu') continue;
    for (const smp of p.samples) {
      assert.ok(smp.stackIndex > 0);
      offNs += (smp.values ?? []).reduce((a, v) => a + BigInt(v), 0n);
    }
  }
  assert.ok(offNs > 0n);
  assert.ok(Math.abs(sumPoints(all, 'profile.function.self.off_cpu.time') - Number(offNs) / 1e9) < 1e-9);
  assert.ok(Math.abs(sumPoints(all, 'profile.off_cpu.time') - Number(offNs) / 1e9) < 1e-9);
  assert.ok(sumPoints(all, 'profile.function.inclusive.off_cpu.time') > sumPoints(all, 'profile.function.self.off_cpu.time'));
  for (const m of METRICS.filter((d) => d.fn && d.measure === 'off_cpu')) {
    assert.equal(all.resources.find((r) => r.metrics[m.name])?.metrics[m.name].unit, 's', m.name);
  }

  const cpuOnly = assertMatchesContract({ metrics: { function: { measures: ['cpu'] } } }, cpuJson).doc;
  assert.ok(points(cpuOnly, 'profile.function.self.cpu.time').length > 0);
  assert.equal(points(cpuOnly, 'profile.function.self.off_cpu.time').length, 0);
  assert.equal(points(cpuOnly, 'profile.function.inclusive.off_cpu.time').length, 0);
  assert.ok(points(cpuOnly, 'profile.off_cpu.time').length > 0, 'the base metric stays');
  const none = assertMatchesContract({ metrics: { function: { measures: [] } } }, cpuJson).doc;
  for (const r of none.resources) assert.deepEqual(Object.keys(r.metrics).filter((n) => n.startsWith('profile.function.')), []);

  // Wall (and off-CPU) from JSON Lines input: one conversion.
  const lines = readJSONLines(multiJsonl);
  for (const config of [{}, { metrics: { function: { measures: ['wall'] } } }]) {
    const file = scratchFile('config.json');
    writeFileSync(file, JSON.stringify(config));
    const run = ptm(['-c', file, '-f', 'otlp', multiJsonl]);
    assert.equal(run.code, 0, run.stderr);
    const doc = decodeMetrics(run.stdout);
    const diffs = compareDocs(sortPoints(doc), sortPoints(expectedMetrics(lines, config)));
    assert.deepEqual(diffs, [], diffs.slice(0, 10).join('\n'));
    assert.ok(points(doc, 'profile.function.self.wall.time').length > 0);
    assert.equal(points(doc, 'profile.function.self.off_cpu.time').length > 0, !config.metrics);
  }
});

test('metrics.function.top_n keeps the N largest functions, the rest in overflow', () => {
  const all = convert({}, cpuJson).doc;
  const { doc } = convert({ metrics: { function: { top_n: 2 } } }, cpuJson);
  for (const metric of ['profile.function.self.cpu.time', 'profile.function.inclusive.cpu.time', 'profile.function.inclusive.off_cpu.time']) {
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
  // Without metric_unit, a count metric's unit is "{count}".
  const plain = convert({ sample_types: [{ type: 'goroutine', unit: 'count', metric_name: 'profile.goroutines' }] }, pprofJson).doc;
  assert.equal(plain.resources[0].metrics['profile.goroutines'].unit, '{count}');
  assert.equal(plain.resources[0].metrics['profile.goroutines'].points.reduce((a, p) => a + BigInt(p.value), 0n), expected);
});

test('copy_resource_attributes: ["*"] by default, a list of keys, or none', () => {
  const request = readJSON(cpuJson);
  const strings = request.dictionary.stringTable;
  // The resources' attributes, read from the raw JSON (all by reference).
  const rAttrs = request.resourceProfiles.map((rp) => Object.fromEntries(rp.resource.attributes.map((a) => [
    strings[a.keyStrindex], a.value.intValue ?? strings[a.value.stringValueStrindex],
  ])));
  const byDefault = assertMatchesContract({}, cpuJson).doc;
  assert.deepEqual(compareDocs(sortPoints(assertMatchesContract({ copy_resource_attributes: ['*'] }, cpuJson).doc), sortPoints(byDefault)), []);
  byDefault.resources.forEach((r, i) => {
    for (const [name, m] of Object.entries(r.metrics)) {
      for (const p of m.points) {
        if (p.attributes[OVERFLOW_KEY]) continue;
        assert.equal(p.attributes['process.pid'], rAttrs[i]['process.pid'], `${name}: process.pid`);
        assert.equal(p.attributes['process.executable.path'], rAttrs[i]['process.executable.path'], `${name}: path`);
        assert.ok(!('service.name' in p.attributes), `${name}: service.name stays on the resource`);
        // Function points have no executable of their own: the resource's.
        if (name.startsWith('profile.function.')) assert.equal(p.attributes['process.executable.name'], rAttrs[i]['process.executable.name']);
      }
    }
  });
  const listed = assertMatchesContract({ copy_resource_attributes: ['process.pid', 'service.name', 'no.such.key'] }, cpuJson).doc;
  for (const p of points(listed, 'profile.function.self.cpu.time')) {
    assert.ok('process.pid' in p.attributes && !('process.executable.path' in p.attributes) && !('process.executable.name' in p.attributes));
  }
  assert.equal(points(listed, 'profile.cpu.time').filter((p) => p.attributes['service.name'] === 'frontend').length,
    points(listed, 'profile.cpu.time').filter((p) => p.attributes['process.pid'] === rAttrs[0]['process.pid']).length);
  const none = assertMatchesContract({ copy_resource_attributes: [] }, cpuJson).doc;
  for (const p of points(none, 'profile.function.inclusive.cpu.time')) assert.deepEqual(Object.keys(p.attributes), ['code.function.name']);
  // Copies do not change the number of series: the points are the same ones.
  for (const m of ['profile.cpu.time', 'profile.function.inclusive.cpu.time']) assert.equal(points(none, m).length, points(byDefault, m).length);
});

test('configured attributes shadowed by resource attributes: the resource wins, counted and warned once', () => {
  // Every cpu-ebpf resource has process.pid; the first one service.name.
  const config = { attributes: [
    { key: 'process.pid', value: 'configured' },
    { key: 'service.name', value: 'configured' },
    { key: 'env', value: 'prod' },
  ] };
  const { doc, stats, stderr } = convert(config, cpuJson);
  const expected = expectedMetrics(readJSON(cpuJson), config);
  assert.deepEqual(compareDocs(sortPoints(doc), sortPoints(expected)), []);
  assert.equal(expected.attributesShadowed, 5);
  assert.equal(stats.attributes_shadowed, 5, '4 resources x process.pid + 1 x service.name');
  // One warning per run, naming a shadowed rule.
  const warnings = stderr.split('\n').filter((l) => l.startsWith('ptm: warning: attribute rule '));
  assert.equal(warnings.length, 1, stderr);
  assert.ok(['process.pid', 'service.name'].some((key) => warnings[0] ===
    `ptm: warning: attribute rule "${key}" is shadowed by the resource attribute of that key; the resource's value is kept`), warnings[0]);
  for (const r of doc.resources) {
    for (const [name, m] of Object.entries(r.metrics)) {
      for (const p of m.points) {
        assert.equal(p.attributes.env, 'prod');
        assert.notEqual(p.attributes['process.pid'], 'configured');
        // service.name is never copied; the rule applies only where the resource has none.
        if ('service.name' in r.attributes) assert.ok(!('service.name' in p.attributes), `${name}: service.name is neither copied nor configured`);
        else assert.equal(p.attributes['service.name'], 'configured', name);
      }
    }
  }
  // With nothing copied, the shadowed rules still stay off.
  const bare = convert({ ...config, copy_resource_attributes: [] }, cpuJson);
  for (const p of points(bare.doc, 'profile.cpu.time')) assert.ok(!('process.pid' in p.attributes) && p.attributes.env === 'prod');
  assert.equal(bare.stats.attributes_shadowed, 5);
  // The converter's own keys are not rule keys: a config error naming the key.
  for (const key of ['thread.name', 'process.executable.name', 'code.function.name', 'otel.metric.overflow']) {
    const file = scratchFile('config.json');
    writeFileSync(file, JSON.stringify({ attributes: [{ key: 'env', value: 'x' }, { key, value: 'v' }] }));
    const run = ptm(['-c', file, cpuJson]);
    assert.equal(run.code, 2, key);
    assert.equal(run.stderr, `ptm: config: attributes[1].key: "${key}" is set by the converter on the points that have it\n`);
  }
  // No rule shadowed: no warning, a zero count.
  const clean = convert({ attributes: [{ key: 'env', value: 'prod' }] }, cpuJson);
  assert.equal(clean.stats.attributes_shadowed, 0);
  assert.ok(!clean.stderr.includes('warning'));
});

test('breakdowns and rules: each bad key is a one-line config error naming its path (exit 2)', () => {
  const rule = { metric_name: 'my.rule', functions: ['^main\\.'] };
  const cases = [
    [{ breakdowns: { frame_types: true } }, 'breakdowns.frame_types: unknown key'],
    [{ breakdowns: { kernel: 1 } }, 'breakdowns.kernel: must be true or false'],
    [{ breakdowns: { measures: ['inuse'] } }, 'breakdowns.measures[0]: must be "cpu", "off_cpu", "wall", "memory" or "allocations"'],
    [{ rules: {} }, 'rules: must be an array'],
    [{ rules: [{ functions: ['x'] }] }, 'rules[0]: metric_name: missing'],
    [{ rules: [{ metric_name: 'a' }] }, 'rules[0]: functions: missing (one regex or more)'],
    [{ rules: [{ ...rule, mode: 'both' }] }, 'rules[0].mode: must be "self" or "inclusive"'],
    [{ rules: [{ ...rule, functions: ['('] }] }, 'rules[0].functions[0]: invalid regex: missing closing parenthesis at offset 1'],
    [{ rules: [{ ...rule, sample_types: ['cpu', 'memory'] }] }, "rules[0].sample_types: mixes time, bytes and counts; a rule's metric has one unit"],
    [{ rules: [{ ...rule, group_by: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] }] }, 'rules[0].group_by: has 9 keys; at most 8'],
    [{ rules: [{ ...rule, attributes: { team: 1 } }] }, 'rules[0].attributes.team: must be a string'],
    [{ rules: [rule, rule] }, 'rules[1].metric_name: "my.rule" is another metric\'s name or a prefix the converter\'s own metrics use'],
    [{ rules: [{ ...rule, metric_name: 'profile.cpu.time' }] }, 'rules[0].metric_name: "profile.cpu.time" is another metric\'s name or a prefix the converter\'s own metrics use'],
    [{ rules: [{ ...rule, metric_name: 'profile.kernel.mine' }] }, 'rules[0].metric_name: "profile.kernel.mine" is another metric\'s name or a prefix the converter\'s own metrics use'],
    [{ rules: Array.from({ length: 65 }, (_, i) => ({ ...rule, metric_name: `r${i}` })) }, 'rules: has 65 rules; at most 64'],
  ];
  for (const [config, message] of cases) {
    const file = scratchFile('bad.json');
    writeFileSync(file, JSON.stringify(config));
    const run = ptm(['-c', file, join(fixtures, 'cpu-ebpf.pb')]);
    assert.equal(run.code, 2, JSON.stringify(config));
    assert.equal(run.stderr, `ptm: config: ${message}\n`);
    assert.equal(run.stdout.length, 0);
  }
});

// Issue 28, row 9: 10,000 literal attribute rules took 25-35 s on a 1 KB
// input (each rule's key compared with every earlier one, per series) and
// only `rules` had a cap. Every configuration list now has one, and a
// rule's key is checked once. Over a cap: one line naming the key, exit 2,
// the same text from the native CLI, the WASI command and the npm package.
const listCaps = [
  [{ attributes: Array.from({ length: 10000 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }, 'attributes: has 10000 entries; at most 1000'],
  [{ process_filter: { patterns: Array(1001).fill('x') } }, 'process_filter.patterns: has 1001 entries; at most 1000'],
  [{ thread_filter: { exclude_patterns: Array(1001).fill('x') } }, 'thread_filter.exclude_patterns: has 1001 entries; at most 1000'],
  [{ pattern_filter: { patterns: Array(1001).fill('x') } }, 'pattern_filter.patterns: has 1001 entries; at most 1000'],
  [{ sample_types: Array.from({ length: 257 }, (_, i) => ({ type: `t${i}`, unit: 'count' })) }, 'sample_types: has 257 entries; at most 256'],
  [{ copy_resource_attributes: Array.from({ length: 1001 }, (_, i) => `k${i}`) }, 'copy_resource_attributes: has 1001 entries; at most 1000'],
  [{ symbolize: { paths: Array(65).fill('/x') } }, 'symbolize.paths: has 65 entries; at most 64'],
  [{ symbolize: { debuginfod: Array(65).fill('http://x') } }, 'symbolize.debuginfod: has 65 entries; at most 64'],
  [{ rules: [{ metric_name: 'r', functions: Array(1001).fill('x') }] }, 'rules[0].functions: has 1001 entries; at most 1000'],
  [{ breakdowns: { measures: Array(65).fill('cpu') } }, 'breakdowns.measures: has 65 entries; at most 64'],
];

test('every configuration list has a cap: over it, one line naming the key, the same in every host', async () => {
  const { npmCli } = await import('../lib/npm.js');
  const { spawnSync } = await import('node:child_process');
  const { dirname } = await import('node:path');
  const { root } = await import('../lib/run.js');
  const input = join(fixtures, 'cpu-ebpf.pb');
  for (const [config, message] of listCaps) {
    const file = scratchFile('caps.json');
    writeFileSync(file, JSON.stringify(config));
    const args = ['-c', file, '-f', 'prom', input];
    const wasi = spawnSync(join(root, 'build', 'tools', 'bin', 'wasmtime'),
      ['run', '--dir', `${dirname(file)}::${dirname(file)}`, '--dir', `${fixtures}::${fixtures}`, join(root, 'build', 'wasi', 'ptm.wasm'), ...args]);
    const runs = { native: ptm(args), wasi: { code: wasi.status, stderr: wasi.stderr.toString() }, npm: npmCli(args) };
    for (const [host, run] of Object.entries(runs)) {
      assert.equal(run.stderr, `ptm: config: ${message}\n`, host);
      assert.equal(run.code, 2, host);
    }
  }
});

// Issue 28, row 10: a JSON string holding \u0000 was cut there silently
// (cJSON's strings end at NUL). It is refused, named by its key path, the
// same in every host; an escaped backslash before "u0000" is no NUL.
test('a configuration string holding \\u0000 is refused, naming its key path, the same in every host', async () => {
  const { npmCli } = await import('../lib/npm.js');
  const { spawnSync } = await import('node:child_process');
  const { dirname } = await import('node:path');
  const { root } = await import('../lib/run.js');
  const input = join(fixtures, 'cpu-ebpf.pb');
  const cases = [
    ['{"attributes": [{"key": "k", "value": "a\\u0000b"}]}', 'attributes[0].value'],
    ['{"attributes": [{"key": "a\\"b\\\\", "value": "v"}, {"key": "k2", "value": "\\u0000"}]}', 'attributes[1].value'],
    ['{"process_filter": {"patterns": ["x\\\\u0000", "y\\u0000"]}}', 'process_filter.patterns[1]'],
    ['{"metrics": {"cp\\u0000u": {"enabled": true}}}', 'metrics.cp'],
    ['{"copy_resource_attributes": ["service.name", "a\\u0000"], "temporality": "delta"}', 'copy_resource_attributes[1]'],
    ['{"attributes": [{"key": "k", "value": "a\\\\u0000b"}]}', null],
  ];
  for (const [text, path] of cases) {
    const file = scratchFile('nul.json');
    writeFileSync(file, text);
    const args = ['-c', file, '-f', 'prom', input];
    const wasi = spawnSync(join(root, 'build', 'tools', 'bin', 'wasmtime'),
      ['run', '--dir', `${dirname(file)}::${dirname(file)}`, '--dir', `${fixtures}::${fixtures}`, join(root, 'build', 'wasi', 'ptm.wasm'), ...args]);
    const runs = { native: ptm(args), wasi: { code: wasi.status, stderr: wasi.stderr.toString() }, npm: npmCli(args) };
    for (const [host, run] of Object.entries(runs)) {
      if (path === null) {
        assert.equal(run.code, 0, `${host}: ${text}: ${run.stderr}`);
        continue;
      }
      assert.equal(run.stderr, `ptm: config: ${path}: must not contain NUL (\\u0000)\n`, `${host}: ${text}`);
      assert.equal(run.code, 2, host);
    }
  }
});

test('1000 literal attribute rules (the cap) convert quickly and every point has each, a repeated key its first value', () => {
  const attributes = Array.from({ length: 1000 }, (_, i) => ({ key: `rule.${i % 500}`, value: `v${i}` }));
  const file = scratchFile('rules.json');
  writeFileSync(file, JSON.stringify({ attributes }));
  const run = ptm(['-c', file, '-f', 'otlp', join(fixtures, 'cpu-ebpf.pb')]);
  assert.equal(run.code, 0, run.stderr);
  const doc = decodeMetrics(run.stdout);
  let points = 0;
  for (const resource of doc.resources) {
    for (const metric of Object.values(resource.metrics)) {
      for (const point of metric.points) {
        if (point.attributes[OVERFLOW_KEY]) continue;
        points++;
        for (let i = 0; i < 500; i++) assert.equal(point.attributes[`rule.${i}`], `v${i}`);
      }
    }
  }
  assert.ok(points > 0);
});
