// collector.js: the real collector of `make collector`
// (build/collector/otelcol-ptm), started by the tests with a configuration
// text of theirs on 127.0.0.1, profiles enabled, its own telemetry off (the
// tests run side by side on one machine); stopped by them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, sleep } from './run.js';

export const collectorPath = join(root, 'build', 'collector', 'otelcol-ptm');

/** Starts the collector with a configuration's text; resolves once it is
 * ready, to { stop, log, pid }: stop() ends it (SIGTERM: its shutdown
 * flushes; SIGKILL after 30 s), log() is the end of its stderr, pid its
 * process id. */
export async function startCollector(config, { env = {}, gates = 'service.profilesSupport' } = {}) {
  assert.ok(existsSync(collectorPath), `${collectorPath}: make collector`);
  const dir = mkdtempSync(join(tmpdir(), 'ptm-collector-'));
  writeFileSync(join(dir, 'config.yaml'), config);
  const child = spawn(collectorPath, [`--config=${join(dir, 'config.yaml')}`, `--feature-gates=${gates}`,
    '--set=service.telemetry.metrics.level=none'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  child.stderr.on('data', (chunk) => { log = (log + chunk).slice(-100000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    await exited;
    clearTimeout(timer);
  };
  for (let i = 0; i < 300 && !log.includes('Everything is ready'); i++) {
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  if (!log.includes('Everything is ready')) {
    await stop();
    throw new Error(`the collector did not start: ${log}`);
  }
  return { stop, log: () => log, pid: child.pid };
}

/** POSTs body to url (OTLP/HTTP): { status, text }. */
export async function post(url, body, contentType = 'application/x-protobuf') {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: response.status, text: await response.text() };
}

/** The file exporter's lines, once `count` have been written (it flushes on
 * its own); whole lines only: the exporter may be half way through the last. */
export async function linesOf(file, count) {
  for (let i = 0; i < 200; i++) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
    if (lines.length >= count) return lines;
    await sleep(50);
  }
  throw new Error(`${file}: fewer than ${count} lines`);
}
