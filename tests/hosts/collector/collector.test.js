// collector.test.js: the connector inside a real OpenTelemetry Collector,
// build/collector/otelcol-ptm (`make collector`: the OTLP receiver, the
// profiletometrics connector on its wasm engine, the file exporter), started
// on 127.0.0.1 with the README's configuration (docs/examples/collector.yaml,
// also in docs/hosts/collector.md).
// Profiles are POSTed to /v1development/profiles over OTLP/HTTP (protobuf
// and JSON) or sent over gRPC; the connector holds them and flushes on its
// interval and at shutdown: what the file exporter writes must equal the
// CLI's conversion of the same requests at once (cumulative), compared as
// values by the official pdata decoder, every point at the flush's time. A
// request the core refuses is answered with an error and the collector keeps
// serving. The process is stopped by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fixtures, shared, haveShared, ptm, root, decodeMetrics, scratchFile, freePort, sleep,
} from '../../lib/run.js';
import { collectorPath, linesOf, post, startCollector } from '../../lib/collector.js';


const exampleConfig = readFileSync(join(root, 'docs', 'examples', 'collector.yaml'), 'utf8');

/** The README's collector configuration, docs/examples/collector.yaml, with
 * this test's port, output file and flush interval (an hour by default: the
 * flush at shutdown is then the only one), and extra connector keys when given. */
function collectorConfig(port, grpcPort, output, connector = '', interval = '1h') {
  const config = exampleConfig.replace('127.0.0.1:4318', `127.0.0.1:${port}`)
    .replace('127.0.0.1:4317', `127.0.0.1:${grpcPort}`).replace('./metrics.jsonl', output)
    .replace('flush_interval: 15s', `flush_interval: ${interval}`)
    .replace('  profiletometrics:\n', `  profiletometrics:${connector}\n`);
  assert.ok(config.includes(`flush_interval: ${interval}`) && config.includes(output));
  return config;
}

/** A collector running docs/examples/collector.yaml (see collectorConfig),
 * its text changed by edit when given. */
async function startExample(connector, interval, edit = (config) => config) {
  const dir = mkdtempSync(join(tmpdir(), 'ptm-collector-'));
  const port = await freePort();
  const grpcPort = await freePort();
  const output = join(dir, 'metrics.jsonl');
  const collector = await startCollector(edit(collectorConfig(port, grpcPort, output, connector, interval)));
  return { ...collector, url: `http://127.0.0.1:${port}/v1development/profiles`, grpc: `127.0.0.1:${grpcPort}`, output };
}

/** The CLI's conversion of the requests (protobuf or JSON bytes) at once,
 * as several inputs of one conversion, decoded; cumulative, as the
 * connector's default, unless config says otherwise. */
function cliDoc(requests, config = {}) {
  const configFile = scratchFile('config.json');
  writeFileSync(configFile, JSON.stringify({ temporality: 'cumulative', ...config }));
  const files = requests.map((bytes) => {
    const file = scratchFile('request');
    writeFileSync(file, bytes);
    return file;
  });
  const run = ptm(['-c', configFile, '-f', 'otlp', ...files]);
  assert.equal(run.code, 0, run.stderr);
  return decodeMetrics(run.stdout);
}

/** doc (pmetriccheck's) with the points' times apart; asserts every point
 * of a flush is at one time and starts no later. */
function timesApart(doc, flushed = true) {
  const times = new Set();
  const text = JSON.stringify(doc, (key, value) => {
    if (key !== 'start' && key !== 'end') return value;
    if (key === 'end') times.add(value);
    return undefined;
  });
  if (flushed) assert.equal(times.size, 1, `one flush, one time: ${[...times].slice(0, 3)}`);
  return JSON.parse(text);
}

/** The one flush the file holds, after the collector stopped, against the CLI's. */
function assertOneFlush(lines, want, what) {
  assert.equal(lines.length, 1, `${what}: one flush (at shutdown)`);
  assert.deepEqual(timesApart(decodeMetrics(`${lines[0]}\n`, { json: true })), timesApart(want, false), what);
}

test('the collector is built (make collector), and the README and docs/hosts/collector.md show the configuration this test runs', () => {
  assert.ok(existsSync(collectorPath), `${collectorPath}: make collector`);
  const body = exampleConfig.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  for (const doc of ['README.md', join('docs', 'hosts', 'collector.md')]) {
    const text = readFileSync(join(root, doc), 'utf8');
    assert.ok(text.includes(body), `${doc} holds docs/examples/collector.yaml (without its comments)`);
  }
});

test('OTLP/HTTP protobuf and JSON through a real collector: the file exporter writes the CLI\'s metrics', async () => {
  const requests = [
    [readFileSync(join(fixtures, 'cpu-ebpf.pb')), 'application/x-protobuf'],
    [readFileSync(join(fixtures, 'memory.json')), 'application/json'],
    [readFileSync(join(fixtures, 'cpu-pprof.pb')), 'application/x-protobuf'],
  ];
  if (haveShared) {
    requests.push([readFileSync(join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb')), 'application/x-protobuf']);
    requests.push([readFileSync(join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.json')), 'application/json']);
    const lines = readFileSync(join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (const line of lines) requests.push([Buffer.from(line), 'application/json']);
  }
  const collector = await startExample();
  try {
    for (const [body, type] of requests) {
      const response = await post(collector.url, body, type);
      assert.equal(response.status, 200, response.text);
    }
  } finally {
    await collector.stop();
  }
  // pdata re-encodes the profiles on the way: the metrics must not change.
  assertOneFlush(await linesOf(collector.output, 1), cliDoc(requests.map(([body]) => body)), 'every request');
});

test('the flushes come on the interval, and a cumulative flush sends every series held again', async () => {
  const body = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
  const collector = await startExample('', '300ms');
  try {
    assert.equal((await post(collector.url, body, 'application/x-protobuf')).status, 200);
    const lines = await linesOf(collector.output, 2);
    const want = timesApart(cliDoc([body]), false);
    for (const line of lines.slice(0, 2)) assert.deepEqual(timesApart(decodeMetrics(`${line}\n`, { json: true })), want);
    const ends = lines.slice(0, 2).map((line) => JSON.stringify(decodeMetrics(`${line}\n`, { json: true })).match(/"end":"(\d+)"/)[1]);
    assert.ok(BigInt(ends[1]) > BigInt(ends[0]), 'each flush at its own time');
  } finally {
    await collector.stop();
  }
});

test('a request the core refuses: an error for it, and the collector keeps converting', async () => {
  const small = readFileSync(join(fixtures, 'cpu-pprof.pb'));
  const large = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
  const limit = small.length + 64;
  const collector = await startExample(`\n    max_input_bytes: ${limit}\n    thread_filter:\n      exclude_patterns: ["^idle"]`);
  try {
    const refused = await post(collector.url, large, 'application/x-protobuf');
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /max_input_bytes/);
    for (let i = 0; i < 100 && !/request refused.*max_input_bytes/.test(collector.log()); i++) await sleep(20);
    assert.match(collector.log(), /request refused.*max_input_bytes/, 'logged with the core\'s message');
    const accepted = await post(collector.url, small, 'application/x-protobuf');
    assert.equal(accepted.status, 200, accepted.text);
    const garbage = await post(collector.url, Buffer.from('not a request'), 'application/x-protobuf');
    assert.equal(garbage.status, 400, 'the receiver refuses what pdata cannot read');
    assert.equal((await post(collector.url, small, 'application/x-protobuf')).status, 200, 'still serving');
  } finally {
    await collector.stop();
  }
  assertOneFlush(await linesOf(collector.output, 1),
    cliDoc([small, small], { max_input_bytes: limit, thread_filter: { exclude_patterns: ['^idle'] } }),
    'the accepted requests, the refused ones left out');
});

test('OTLP/gRPC through a real collector (pdata\'s own gRPC client): the CLI\'s metrics; a refused request is InvalidArgument', async () => {
  const files = [join(fixtures, 'cpu-ebpf.pb'), join(fixtures, 'memory.json')];
  if (haveShared) files.push(join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb'));
  const collector = await startExample();
  const send = (paths) => spawnSync(join(root, 'build', 'go', 'otlpsend'), ['-grpc', collector.grpc, ...paths]);
  try {
    const sent = send(files);
    assert.equal(sent.status, 0, sent.stderr.toString());
  } finally {
    await collector.stop();
  }
  assertOneFlush(await linesOf(collector.output, 1), cliDoc(files.map((file) => readFileSync(file))), 'over gRPC');
  const limited = await startExample('\n    max_input_bytes: 100');
  try {
    const refused = spawnSync(join(root, 'build', 'go', 'otlpsend'), ['-grpc', limited.grpc, files[0]]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr.toString(), /InvalidArgument.*max_input_bytes/);
  } finally {
    await limited.stop();
  }
});

test('a bad connector config fails collector start-up with the core\'s message naming the key', async () => {
  await assert.rejects(startExample('\n    process_filter:\n      patterns: ["("]'),
    /process_filter\.patterns\[0\]: invalid regex/);
});

test('breakdowns and recording rules as connector keys (docs/examples/breakdowns.json in YAML): the CLI\'s metrics; a bad rule fails start-up naming it', async () => {
  const yaml = [
    '', '    breakdowns:', '      frame_type: true', '      library: true', '      kernel: true', '      package: true',
    '      measures: ["cpu", "off_cpu"]', '    rules:',
    '      - metric_name: futex.time', '        functions: ["futex"]', '        sample_types: ["cpu", "off_cpu"]',
    '      - metric_name: scheduler.self.time', '        functions: ["^finish_task_switch"]', '        mode: self',
    '        group_by: ["thread.name"]', '        attributes:', '          team: kernel', '        sample_types: ["off_cpu"]',
  ].join('\n');
  const files = [join(fixtures, 'cpu-ebpf.pb'), ...(haveShared ? [join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb')] : [])];
  const collector = await startExample(yaml);
  try {
    for (const file of files) assert.equal((await post(collector.url, readFileSync(file), 'application/x-protobuf')).status, 200);
  } finally {
    await collector.stop();
  }
  const want = cliDoc(files.map((file) => readFileSync(file)), JSON.parse(readFileSync(join(root, 'docs', 'examples', 'breakdowns.json'), 'utf8')));
  assert.ok(JSON.stringify(want).includes('profile.frame_type.cpu.time'), 'the CLI has the breakdown metric');
  assertOneFlush(await linesOf(collector.output, 1), want, 'breakdowns and rules');
  await assert.rejects(startExample('\n    rules:\n      - metric_name: x\n        functions: ["f"]\n        mode: both'),
    /rules\[0\]\.mode: must be "self" or "inclusive"/);
});

test('issue 28\'s hostile requests over OTLP/HTTP (50,000 resource attributes, reserved keys, control characters, times near 2^64): the file exporter writes the CLI\'s metrics; a configuration list over its cap fails start-up naming the key', async () => {
  const { namedCases } = await import('../../lib/malformed-cases.js');
  const hostile = namedCases.filter((c) => c.name.startsWith('issue 28 row') && c.expect.exit === 0 && c.input === undefined);
  assert.ok(hostile.length >= 4, `${hostile.length} cases`);
  const collector = await startExample();
  try {
    for (const c of hostile) {
      const response = await post(collector.url, c.bytes, 'application/x-protobuf');
      assert.equal(response.status, 200, `${c.name}: ${response.text}`);
    }
  } finally {
    await collector.stop();
  }
  const lines = await linesOf(collector.output, 1);
  assert.ok(lines[0].length < 4 * 1024 * 1024, `the flush is ${lines[0].length} bytes: 128 attributes a point, not 50,000`);
  assertOneFlush(lines, cliDoc(hostile.map((c) => c.bytes)), 'the hostile requests');
  const attributes = Array.from({ length: 1001 }, (_, i) => `\n      - {key: k${i}, value: v}`).join('');
  await assert.rejects(startExample(`\n    attributes:${attributes}`), /attributes: has 1001 entries; at most 1000/);
});

test('pids that churn through a real collector (5 new a request, 2,000 requests over OTLP/HTTP): the flush holds at most cardinality_limit + 1 series per metric, totals exact (issue 28, row 3)', async () => {
  const { churningRequest, seriesByMetric } = await import('../../lib/hostile.js');
  const limit = 100;
  const collector = await startExample('', undefined, (config) => {
    assert.ok(config.includes('cardinality_limit: 10000'));
    return config.replace('cardinality_limit: 10000', `cardinality_limit: ${limit}`);
  });
  try {
    for (let request = 0; request < 2000; request++) {
      const response = await post(collector.url, churningRequest(1000 + 5 * request, 5), 'application/json');
      assert.equal(response.status, 200, response.text);
    }
  } finally {
    await collector.stop();
  }
  const lines = await linesOf(collector.output, 1);
  const byMetric = seriesByMetric(JSON.parse(lines[0]));
  assert.ok(byMetric.has('profile.cpu.time'), 'the CPU metric is there');
  for (const [name, entry] of byMetric) {
    assert.ok(entry.series <= limit + 1, `${name}: ${entry.series} series, limit ${limit} + 1 overflow`);
    assert.ok(entry.overflow <= 1, `${name}: ${entry.overflow} overflow series`);
  }
  // 10,000 samples of 50 ms each: every one counted, in or past the limit.
  assert.ok(Math.abs(byMetric.get('profile.cpu.time').total - 10000 * 0.05) < 1e-6, 'profile.cpu.time total');
});
