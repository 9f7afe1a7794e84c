// collector.js: the real collector of `make collector`
// (build/collector/otelcol-ptm), started by the tests with a configuration
// text of theirs on 127.0.0.1, profiles enabled, its own telemetry off (the
// tests run side by side on one machine); stopped by them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
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
