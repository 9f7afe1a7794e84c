// collector.test.js: the connector inside a real OpenTelemetry Collector,
// build/collector/otelcol-ptm (`make collector`: the OTLP receiver, the
// profiletometrics connector on its wasm engine, the file exporter), started
// on 127.0.0.1 with the README's configuration shape. Profiles are POSTed to
// /v1development/profiles over OTLP/HTTP (protobuf and JSON); what the file
// exporter writes must equal the CLI's conversion of the same requests,
// compared as values by the official pdata decoder. A request the core
// refuses is answered with an error and the collector keeps serving. The
// process is stopped by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fixtures, shared, haveShared, ptm, root, decodeMetrics, scratchFile, freePort, sleep,
} from './lib/run.js';

const collectorPath = join(root, 'build', 'collector', 'otelcol-ptm');

const exampleConfig = readFileSync(join(root, 'docs', 'examples', 'collector.yaml'), 'utf8');

/** The README's collector configuration, docs/examples/collector.yaml, with
 * this test's port and output file, and extra connector keys when given. */
function collectorConfig(port, grpcPort, output, connector = '') {
  const config = exampleConfig.replace('127.0.0.1:4318', `127.0.0.1:${port}`)
    .replace('127.0.0.1:4317', `127.0.0.1:${grpcPort}`).replace('./metrics.jsonl', output)
    .replace('  profiletometrics:\n', `  profiletometrics:${connector}\n`);
  assert.notEqual(config, exampleConfig);
  return config;
}

async function startCollector(connector) {
  const dir = mkdtempSync(join(tmpdir(), 'ptm-collector-'));
  const port = await freePort();
  const grpcPort = await freePort();
  const output = join(dir, 'metrics.jsonl');
  writeFileSync(join(dir, 'config.yaml'), collectorConfig(port, grpcPort, output, connector));
  // No self-telemetry endpoint: tests run side by side on one machine.
  const child = spawn(collectorPath, [`--config=${join(dir, 'config.yaml')}`, '--feature-gates=service.profilesSupport',
    '--set=service.telemetry.metrics.level=none'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log = (log + chunk).slice(-50000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => { child.kill('SIGTERM'); await exited; };
  for (let i = 0; i < 300 && !log.includes('Everything is ready'); i++) {
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  if (!log.includes('Everything is ready')) {
    await stop();
    throw new Error(`the collector did not start: ${log}`);
  }
  return { url: `http://127.0.0.1:${port}/v1development/profiles`, grpc: `127.0.0.1:${grpcPort}`, output, stop, log: () => log };
}

async function post(url, body, contentType) {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: response.status, text: await response.text() };
}

/** The file exporter's lines, once `count` have been written (it flushes on its own). */
async function linesOf(file, count) {
  for (let i = 0; i < 200; i++) {
    // Whole lines only: the exporter may be half way through writing the last.
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
    if (lines.length >= count) return lines;
    await sleep(50);
  }
  throw new Error(`${file}: fewer than ${count} lines`);
}

/** The CLI's conversion of one request (protobuf or JSON bytes), decoded. */
function cliDoc(bytes, configArgs = []) {
  const run = ptm([...configArgs, '-f', 'otlp', '-'], bytes);
  assert.equal(run.code, 0, run.stderr);
  return decodeMetrics(run.stdout);
}

test('the collector is built (make collector), and the README shows the configuration this test runs', () => {
  assert.ok(existsSync(collectorPath), `${collectorPath}: make collector`);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const body = exampleConfig.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  assert.ok(readme.includes(body), 'README.md holds docs/examples/collector.yaml (without its comments)');
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
  const collector = await startCollector();
  try {
    for (const [body, type] of requests) {
      const response = await post(collector.url, body, type);
      assert.equal(response.status, 200, response.text);
    }
    const lines = await linesOf(collector.output, requests.length);
    assert.equal(lines.length, requests.length, 'one metrics request per profiles request');
    // Compared one by one: each collector call is one request; pdata
    // re-encodes the profiles on the way, the metrics must not change.
    for (const [i, [body]] of requests.entries()) {
      const got = decodeMetrics(`${lines[i]}\n`, { json: true });
      assert.deepEqual(got, cliDoc(body), `request ${i + 1}`);
    }
  } finally {
    await collector.stop();
  }
});

test('a request the core refuses: an error for it, and the collector keeps converting', async () => {
  const small = readFileSync(join(fixtures, 'cpu-pprof.pb'));
  const large = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
  const limit = small.length + 64;
  const collector = await startCollector(`\n    max_input_bytes: ${limit}\n    thread_filter:\n      exclude_patterns: ["^idle"]`);
  try {
    const refused = await post(collector.url, large, 'application/x-protobuf');
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /max_input_bytes/);
    for (let i = 0; i < 100 && !/request refused.*max_input_bytes/.test(collector.log()); i++) await sleep(20);
    assert.match(collector.log(), /request refused.*max_input_bytes/, 'logged with the core\'s message');
    const accepted = await post(collector.url, small, 'application/x-protobuf');
    assert.equal(accepted.status, 200, accepted.text);
    const lines = await linesOf(collector.output, 1);
    const config = scratchFile('config.json');
    writeFileSync(config, JSON.stringify({ max_input_bytes: limit, thread_filter: { exclude_patterns: ['^idle'] } }));
    assert.deepEqual(decodeMetrics(`${lines[0]}\n`, { json: true }), cliDoc(small, ['-c', config]));
    const garbage = await post(collector.url, Buffer.from('not a request'), 'application/x-protobuf');
    assert.equal(garbage.status, 400, 'the receiver refuses what pdata cannot read');
    assert.equal((await post(collector.url, small, 'application/x-protobuf')).status, 200, 'still serving');
  } finally {
    await collector.stop();
  }
});

test('OTLP/gRPC through a real collector (pdata\'s own gRPC client): the CLI\'s metrics; a refused request is InvalidArgument', async () => {
  const files = [join(fixtures, 'cpu-ebpf.pb'), join(fixtures, 'memory.json')];
  if (haveShared) files.push(join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb'));
  const collector = await startCollector();
  const send = (paths) => spawnSync(join(root, 'build', 'go', 'otlpsend'), ['-grpc', collector.grpc, ...paths]);
  try {
    const sent = send(files);
    assert.equal(sent.status, 0, sent.stderr.toString());
    const lines = await linesOf(collector.output, files.length);
    for (const [i, file] of files.entries()) {
      assert.deepEqual(decodeMetrics(`${lines[i]}\n`, { json: true }), cliDoc(readFileSync(file)), file);
    }
  } finally {
    await collector.stop();
  }
  const limited = await startCollector('\n    max_input_bytes: 100');
  try {
    const refused = spawnSync(join(root, 'build', 'go', 'otlpsend'), ['-grpc', limited.grpc, files[0]]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr.toString(), /InvalidArgument.*max_input_bytes/);
  } finally {
    await limited.stop();
  }
});

test('a bad connector config fails collector start-up with the core\'s message naming the key', async () => {
  await assert.rejects(startCollector('\n    process_filter:\n      patterns: ["("]'),
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
  const collector = await startCollector(yaml);
  try {
    for (const file of files) assert.equal((await post(collector.url, readFileSync(file), 'application/x-protobuf')).status, 200);
    const lines = await linesOf(collector.output, files.length);
    const configArgs = ['-c', join(root, 'docs', 'examples', 'breakdowns.json')];
    for (const [i, file] of files.entries()) {
      const want = cliDoc(readFileSync(file), configArgs);
      assert.ok(JSON.stringify(want).includes('profile.frame_type.cpu.time'), 'the CLI has the breakdown metric');
      assert.deepEqual(decodeMetrics(`${lines[i]}\n`, { json: true }), want, file);
    }
  } finally {
    await collector.stop();
  }
  await assert.rejects(startCollector('\n    rules:\n      - metric_name: x\n        functions: ["f"]\n        mode: both'),
    /rules\[0\]\.mode: must be "self" or "inclusive"/);
});
