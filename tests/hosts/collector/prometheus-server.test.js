// prometheus-server.test.js: the metrics in a real Prometheus 3.16 (built
// from the Go module by tools/setup-prometheus.sh into build/tools/bin), on
// the three paths of docs/sending.md, "Sending the metrics on":
//  - `promtool check metrics` accepts every `-f prom` exposition (it rejects
//    a series written twice);
//  - a scrape of `-f prom` stores every series with its value, no sample
//    dropped as a duplicate;
//  - the OTLP receiver (`--web.enable-otlp-receiver`) takes `-f otlp`, as
//    cumulative sums, and delta sums with `otlp-deltatocumulative`: every
//    series arrives under the name and labels `-f prom` gives it, with its
//    value, none collapsed into another (copy_resource_attributes' default).
// Every Prometheus started here listens on 127.0.0.1 and is stopped by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fixtures, shared, haveShared, ptm, scratchFile, sleep } from '../../lib/run.js';
import { bin, exposition, startPrometheus, query, stored, assertSameSeries, postOtlp } from '../../lib/prometheus.js';

const realJSONLines = join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl');
const cpuPb = join(fixtures, 'cpu-ebpf.pb');

function convert(args, input) {
  const run = ptm(args, input);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout;
}

function configFile(config) {
  const file = scratchFile('config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

// Old timestamps (the captures are from early 2026) land in an empty TSDB
// through its out-of-order window.
const otlpConfig = 'storage:\n  tsdb:\n    out_of_order_time_window: 3650d\n';

test('Prometheus is built', () => {
  for (const tool of ['prometheus', 'promtool']) {
    const run = spawnSync(join(bin, tool), ['--version']);
    assert.equal(run.status, 0, `${tool} (tools/setup-prometheus.sh): ${run.stderr}`);
  }
});

test('promtool check metrics accepts every exposition, and rejects a series written twice', () => {
  const inputs = [cpuPb, join(fixtures, 'memory.pb'), join(fixtures, 'cpu-pprof.pb'), join(fixtures, 'multi.jsonl')];
  if (haveShared) inputs.push(realJSONLines, join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb'));
  for (const input of inputs) {
    const text = convert(['-f', 'prom', input]);
    const check = spawnSync(join(bin, 'promtool'), ['check', 'metrics'], { input: text });
    assert.equal(check.status, 0, `${input}: ${check.stdout}${check.stderr}`);
    assert.equal(`${check.stdout}${check.stderr}`, '', `${input}: no lint finding`);
  }
  const text = convert(['-f', 'prom', cpuPb]).toString();
  const twice = text + text.split('\n').filter((l) => l && !l.startsWith('#')).slice(0, 1).join('\n') + '\n';
  const check = spawnSync(join(bin, 'promtool'), ['check', 'metrics'], { input: twice });
  assert.notEqual(check.status, 0, 'promtool finds the duplicate');
  assert.match(`${check.stdout}${check.stderr}`, /not unique/);
});

test('a Prometheus scrape of -f prom keeps every series and value, no duplicate dropped', { skip: !haveShared && 'no ../shared/fixtures' }, async () => {
  const once = readFileSync(realJSONLines);
  const file = scratchFile('x55.jsonl');
  writeFileSync(file, Buffer.concat(Array.from({ length: 55 }, () => once)));
  const text = convert(['-f', 'prom', file]);
  const expected = exposition(text.toString());
  const server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    response.end(text);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = `127.0.0.1:${server.address().port}`;
  const prometheus = await startPrometheus(
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: ptm\n    static_configs:\n      - targets: ['${target}']\n`);
  try {
    let scraped = [];
    for (let i = 0; i < 200 && scraped.length === 0; i++) {
      scraped = await query(prometheus.url, 'scrape_samples_scraped{job="ptm"}');
      if (scraped.length === 0) await sleep(100);
    }
    assert.equal(Number(scraped[0]?.value[1]), expected.size, 'every line scraped');
    assertSameSeries(await stored(prometheus.url, '{job="ptm",__name__=~"profile_.+"}', { otlp: false }), expected, 'scrape');
    const own = await (await fetch(`${prometheus.url}/metrics`)).text();
    const duplicates = /^prometheus_target_scrapes_sample_duplicate_timestamp_total (\S+)$/m.exec(own);
    assert.ok(duplicates, 'Prometheus counts duplicate samples');
    assert.equal(Number(duplicates[1]), 0, 'no sample dropped as a duplicate');
  } finally {
    await prometheus.stop();
    server.close();
  }
});

test('Prometheus\' OTLP receiver, cumulative output: every series under -f prom\'s name and labels, with its value', { skip: !haveShared && 'no ../shared/fixtures' }, async () => {
  const config = configFile({ temporality: 'cumulative' });
  const body = convert(['-c', config, '-f', 'otlp', realJSONLines]);
  const expected = exposition(convert(['-c', config, '-f', 'prom', realJSONLines]).toString());
  const prometheus = await startPrometheus(otlpConfig);
  try {
    const posted = await postOtlp(prometheus.url, body);
    assert.equal(posted.status, 200, posted.text);
    assertSameSeries(await stored(prometheus.url), expected, 'OTLP cumulative');
  } finally {
    await prometheus.stop();
  }
});

test('Prometheus\' OTLP receiver, delta output with otlp-deltatocumulative: the same; without copied resource attributes processes collapse', async () => {
  const expected = exposition(convert(['-f', 'prom', cpuPb]).toString());
  const prometheus = await startPrometheus(otlpConfig, ['--enable-feature=otlp-deltatocumulative']);
  try {
    const posted = await postOtlp(prometheus.url, convert(['-f', 'otlp', cpuPb]));
    assert.equal(posted.status, 200, posted.text);
    assertSameSeries(await stored(prometheus.url), expected, 'OTLP delta');
  } finally {
    await prometheus.stop();
  }
  // Why copy_resource_attributes copies by default: with nothing copied,
  // Prometheus keeps the resources' process.pid off the labels and the same
  // function in two processes becomes one series there.
  const bare = configFile({ copy_resource_attributes: [] });
  const points = exposition(convert(['-c', bare, '-f', 'prom', cpuPb]).toString());
  const functionPoints = [...points.keys()].filter((k) => k.startsWith('profile_function_self_cpu_time_seconds_total')).length;
  const collapsed = await startPrometheus(otlpConfig, ['--enable-feature=otlp-deltatocumulative']);
  try {
    const posted = await postOtlp(collapsed.url, convert(['-c', bare, '-f', 'otlp', cpuPb]));
    assert.equal(posted.status, 200, posted.text);
    const kept = await stored(collapsed.url, '{__name__="profile_function_self_cpu_time_seconds_total"}');
    assert.ok(kept.size < functionPoints, `${kept.size} series in Prometheus for ${functionPoints} points`);
  } finally {
    await collapsed.stop();
  }
});
