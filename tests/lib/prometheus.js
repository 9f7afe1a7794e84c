// prometheus.js: a real Prometheus 3.16 for the node tests (built from its Go
// module by tools/setup-prometheus.sh into build/tools/bin), and reading
// Prometheus text independently of Prometheus: start a server on 127.0.0.1
// on a free port with a config and flags, query its HTTP API, and compare
// what it stores with the series `ptm -f prom` writes.
// Used by tests/hosts/collector/prometheus-server.test.js and tests/pipelines.test.js.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, freePort, sleep } from './run.js';

/** Where tools/setup-prometheus.sh puts prometheus and promtool. */
export const bin = join(root, 'build', 'tools', 'bin');

/** A series' identity as Prometheus sees it: name and labels, empty values dropped, sorted. */
export function seriesKey(name, labels) {
  const kept = Object.entries(labels).filter(([k, v]) => v !== '' && k !== '__name__' && k !== 'job' && k !== 'instance');
  return `${name}{${kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** Prometheus text (our `-f prom` exposition) as seriesKey → value, parsed independently of Prometheus. */
export function exposition(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, line);
    const labels = {};
    for (const [, k, v] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k] = v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    const key = seriesKey(match[1], labels);
    assert.ok(!samples.has(key), `${key} once`);
    samples.set(key, Number(match[3]));
  }
  return samples;
}

/**
 * Starts Prometheus with a config (prometheus.yml's text) and flags; resolves
 * once it is ready, with { url, stop, log }. `--web.enable-otlp-receiver` is
 * added unless otlpReceiver is false (then the flags are exactly those given).
 */
export async function startPrometheus(config, flags = [], { otlpReceiver = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ptm-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(join(bin, 'prometheus'), [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, ...(otlpReceiver ? ['--web.enable-otlp-receiver'] : []), ...flags,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log = (log + chunk).slice(-20000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return { url, port, stop, log: () => log };
    await sleep(100);
  }
  await stop();
  throw new Error(`prometheus did not start: ${log}`);
}

/** An instant query (a range selector gives the raw samples); its result array. */
export async function query(url, promql, time) {
  const at = time === undefined ? '' : `&time=${time}`;
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}${at}`);
  const body = await response.json();
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

/**
 * Every profile_* series Prometheus holds, as seriesKey → its latest value.
 * Through the OTLP receiver, a resource's service.name arrives as the job
 * label (the resources here have no service.namespace); it is compared as
 * the service_name label -f prom writes.
 */
export async function stored(url, selector = '{__name__=~"profile_.+"}', { otlp = true } = {}) {
  const result = await query(url, `last_over_time(${selector}[3650d])`);
  const series = new Map();
  for (const { metric, value } of result) {
    const labels = otlp && metric.job !== undefined ? { ...metric, service_name: metric.job } : metric;
    const key = seriesKey(metric.__name__, labels);
    assert.ok(!series.has(key), `${key}: one series`);
    series.set(key, Number(value[1]));
  }
  return series;
}

/** Equal to a relative 1e-9 (an absolute 1e-9 near zero). */
export function close(a, b) {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

/** The same keys, and each value equal to a relative 1e-9. */
export function assertSameSeries(actual, expected, label) {
  assert.ok(expected.size > 0, `${label}: there are series`);
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const unexpected = [...actual.keys()].filter((k) => !expected.has(k));
  assert.deepEqual({ missing: missing.slice(0, 5), unexpected: unexpected.slice(0, 5) }, { missing: [], unexpected: [] },
    `${label}: ${missing.length} missing, ${unexpected.length} unexpected, of ${expected.size}`);
  for (const [key, value] of expected) {
    const got = actual.get(key);
    assert.ok(close(got, value), `${label}: ${key}: ${got} vs ${value}`);
  }
}

/** POSTs an ExportMetricsServiceRequest to Prometheus' OTLP receiver. */
export async function postOtlp(url, body) {
  const response = await fetch(`${url}/api/v1/otlp/v1/metrics`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body,
  });
  return { status: response.status, text: await response.text() };
}
