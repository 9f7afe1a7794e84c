// pipelines.test.js: the collector recipes of docs/examples, each run as it
// is (only its ports and flush_interval substituted: 1s instead of 15s, to
// be quick) in the real build/collector/otelcol-ptm (`make collector`),
// feeding a real Prometheus 3.16 (tools/setup-prometheus.sh) started with
// exactly the flags of a `prometheus ...` line of the recipe's comments:
//  - collector-scrape.yaml: the prometheus exporter, scraped; two collectors
//    scraped side by side: each target's series are its own requests', and
//    summed over the targets (instance) the whole stream's;
//  - collector-otlp-prometheus.yaml: OTLP/HTTP to Prometheus' OTLP receiver;
//    also stopped and started again mid-stream, into Prometheus with
//    created-timestamp-zero-ingestion: the shutdown flush arrives, a 0 is
//    stored at each restarted series' new start, and the reset-aware totals
//    of the raw samples (a drop is a reset) are the whole stream's;
//  - collector-remote-write.yaml: remote write; and with remote write 2.0 as
//    its comments say, restarted mid-stream, the same as above;
//  - collector-delta.yaml: temporality delta to Prometheus' OTLP receiver,
//    with otlp-deltatocumulative (latest values are the totals) and with
//    otlp-native-delta-ingestion (one sample per window; they add up to the
//    totals);
//  - collector-agent.yaml: two agents, each fed half the requests with its
//    own K8S_NODE_NAME, into one Prometheus by remote write: every series
//    carries its agent's k8s_node_name, per node the values are that node's
//    requests', and summed over the nodes the whole stream's.
//  - collector-symbolize.yaml: collector-scrape.yaml with symbolize (its root
//    and paths pointed at a copy of the live capture's executables at their
//    paths in the data and at the capture's bin/), on each engine, fed the
//    live eBPF profiler capture (../shared/fixtures/otlp-live, 51 requests):
//    the native busy functions are named, and every series is ptm's with the
//    same block (the ptm command reads the same files).
// The requests are the real eBPF profiler's (../shared/fixtures/otlp-real:
// 189 OTLP/JSON requests and one protobuf request, the on- and off-CPU
// capture), POSTed to /v1development/profiles 15 ms apart, so that they
// spread over several 1 s flush intervals (checked: some series have several
// samples). What Prometheus stores (every series, read back through its HTTP
// API) must be what `ptm -f prom` makes of the same requests with the
// recipe's connector block as its configuration, parsed here independently
// of Prometheus: the same names and labels (job and instance aside, and the
// labels a recipe adds on purpose, checked on every series), each value to a
// relative 1e-9, no series missing, none unexpected (besides Prometheus' own
// up, scrape_* and target_info); and `sum(profile_cpu_time_seconds_total)` is
// the expected total; and nothing was discarded on the way (Prometheus' own
// counters of dropped samples are 0, no export failed). Every process
// listens on 127.0.0.1 on a free port and is stopped by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import yaml from 'js-yaml';
import { shared, haveShared, ptm, root, scratchFile, freePort, sleep } from '../../lib/run.js';
import { exposition, startPrometheus, query, seriesKey, close, assertSameSeries } from '../../lib/prometheus.js';
import { collectorPath, startCollector } from '../../lib/collector.js';

const examples = join(root, 'docs', 'examples');
const realJSONLines = join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl');
const realPb = join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb');
const skip = !haveShared && 'no ../shared/fixtures/otlp-real (the real eBPF profiler requests)';
const live = join(shared, 'otlp-live');
const skipLive = !existsSync(join(live, 'ebpf-live.jsonl.gz')) && 'no ../shared/fixtures/otlp-live (the live eBPF profiler capture)';

const flushInterval = '1s';
const gapMs = 15; // between requests: 190 requests over about 3 flush intervals
const waitSeconds = 60; // for the last flush to reach Prometheus

// ---------------------------------------------------------------------------
// The recipes

/** A recipe's text. */
function recipe(name) {
  return readFileSync(join(examples, name), 'utf8');
}

/** The flags of every `prometheus ...` command line in a recipe's comments. */
function prometheusCommands(text) {
  return text.split('\n').filter((line) => /^#\s+prometheus\s/.test(line))
    .map((line) => line.replace(/^#\s+prometheus\s+/, '').split(/\s+/).filter((f) => f.startsWith('--') && !f.startsWith('--config.file')));
}

/** A recipe with each [from, to] replaced; each `from` must be in it. */
function substitute(text, replacements) {
  let out = text;
  for (const [from, to] of replacements) {
    assert.ok(out.includes(from), `the recipe holds ${from}`);
    out = out.replaceAll(from, to);
  }
  return out;
}

/** The recipe's connector block, cut from its text as it stands, as ptm's
 * configuration file: the ptm command reads YAML and drops the connector's
 * own keys (engine, module_path, flush_interval). */
function ptmConfig(text) {
  const lines = text.split('\n');
  const start = lines.indexOf('  profiletometrics:') + 1;
  assert.ok(start > 0 && lines[start - 2] === 'connectors:', 'the recipe has a connectors.profiletometrics block');
  let end = start;
  while (end < lines.length && (lines[end].startsWith('    ') || lines[end].trim() === '')) end++;
  const block = `${lines.slice(start, end).join('\n')}\n`;
  assert.deepEqual(yaml.load(block), yaml.load(text).connectors.profiletometrics, 'the whole block');
  const file = scratchFile('connector.yaml');
  writeFileSync(file, block);
  return file;
}

// ---------------------------------------------------------------------------
// The requests, and what ptm makes of them

/** The real requests, in the order they are sent: the 189 JSON ones, with
 * the protobuf one in their middle. */
function realRequests() {
  const lines = readFileSync(realJSONLines, 'utf8').split('\n').filter(Boolean);
  const requests = lines.map((line) => ({ body: Buffer.from(line), type: 'application/json' }));
  requests.splice(95, 0, { body: readFileSync(realPb), type: 'application/x-protobuf', pb: true });
  return requests;
}

/** The live capture's 51 OTLP/JSON requests (gzipped JSON Lines). */
function liveRequests() {
  const lines = gunzipSync(readFileSync(join(live, 'ebpf-live.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 51);
  return lines.map((line) => ({ body: Buffer.from(line), type: 'application/json' }));
}

/** `ptm -c config -f prom` over these requests, as seriesKey → value. */
function expected(config, requests) {
  const jsonl = scratchFile('requests.jsonl');
  writeFileSync(jsonl, requests.filter((r) => !r.pb).map((r) => `${r.body}\n`).join(''));
  const inputs = [jsonl];
  for (const [i, r] of requests.entries()) {
    if (!r.pb) continue;
    inputs.push(scratchFile(`request-${i}.pb`));
    writeFileSync(inputs.at(-1), r.body);
  }
  const run = ptm(['-c', config, '-f', 'prom', ...inputs]);
  assert.equal(run.code, 0, run.stderr);
  const series = exposition(run.stdout.toString());
  assert.ok(series.size > 0);
  return series;
}

/** The total of one metric's series. */
function total(series, name = 'profile_cpu_time_seconds_total') {
  let sum = 0;
  for (const [key, value] of series) if (key.startsWith(`${name}{`)) sum += value;
  assert.ok(sum > 0, `${name}: there is something to sum`);
  return sum;
}

/** The series with extra labels added (those a recipe adds on purpose). */
function withLabels(series, add) {
  const out = new Map();
  for (const [key, value] of series) {
    const match = /^([^{]+)\{(.*)\}$/.exec(key);
    const labels = Object.fromEntries([...match[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)=("(?:[^"\\]|\\.)*")/g)].map(([, k, v]) => [k, JSON.parse(v)]));
    out.set(seriesKey(match[1], { ...add(labels), ...labels }), value);
  }
  return out;
}

/** Adds up series maps key by key. */
function sumOf(...maps) {
  const out = new Map();
  for (const map of maps) for (const [key, value] of map) out.set(key, (out.get(key) ?? 0) + value);
  return out;
}

// ---------------------------------------------------------------------------
// The collector

/** A collector running a recipe: its OTLP ports free ones, its exporters
 * pointed at this Prometheus, flush_interval 1s. */
async function startRecipe(name, { prometheus, env, gates, replacements = [] } = {}) {
  const text = recipe(name);
  const http = await freePort();
  const grpc = await freePort();
  const config = substitute(text, [
    ['127.0.0.1:4318', `127.0.0.1:${http}`], ['127.0.0.1:4317', `127.0.0.1:${grpc}`],
    ['flush_interval: 15s', `flush_interval: ${flushInterval}`],
    ...(prometheus ? [['127.0.0.1:9090', `127.0.0.1:${prometheus.port}`]] : []),
    ...replacements,
  ]);
  const collector = await startCollector(config, { env, gates });
  return { ...collector, url: `http://127.0.0.1:${http}/v1development/profiles` };
}

/** POSTs the requests one by one, gap ms apart; each must be taken. */
async function replay(collector, requests, gap = gapMs) {
  for (const { body, type } of requests) {
    const response = await fetch(collector.url, { method: 'POST', headers: { 'Content-Type': type }, body });
    assert.equal(response.status, 200, await response.text());
    await sleep(gap);
  }
}

// ---------------------------------------------------------------------------
// What Prometheus holds

// Series Prometheus makes of a scrape (or of a resource) besides the data.
const ownSeries = /^(up|scrape_.+|target_info)$/;

/** Every series Prometheus holds: [{ metric, value }] (latest values). */
async function everySeries(prometheus) {
  return (await query(prometheus.url, 'last_over_time({__name__=~".+"}[1h])')).map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
}

/** The profile_* series (those `filter` keeps) as seriesKey → latest value,
 * each passed to `check` first. Any other series must be one of
 * Prometheus' own (up, scrape_*, target_info). */
async function storedSeries(prometheus, { check = () => {}, filter = () => true } = {}) {
  const out = new Map();
  for (const { metric, value } of await everySeries(prometheus)) {
    const name = metric.__name__;
    if (!name.startsWith('profile_')) {
      assert.match(name, ownSeries, `an unexpected series: ${JSON.stringify(metric)}`);
      continue;
    }
    if (!filter(metric)) continue;
    check(metric);
    const key = seriesKey(name, metric);
    assert.ok(!out.has(key), `${key}: one series`);
    out.set(key, value);
  }
  return out;
}

/** Runs check until it passes, for at most `seconds`; then its last failure. */
async function eventually(check, seconds = waitSeconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

/** Every raw sample of the profile_* series: seriesKey → [values]. */
async function rawSamples(prometheus) {
  const out = new Map();
  for (const { metric, values } of await query(prometheus.url, '{__name__=~"profile_.+"}[1h]')) {
    out.set(seriesKey(metric.__name__, metric), values.map(([, v]) => Number(v)));
  }
  return out;
}

/** prometheus.yml scraping these exporter ports every second, as job profiles. */
function scrapeConfig(targets) {
  return `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: profiles\n    static_configs:\n      - targets: [${targets.map((t) => `'127.0.0.1:${t}'`).join(', ')}]\n`;
}

/** Waits until Prometheus scrapes each target (its first scrape can come
 * seconds after start), so that the scrapes see the flushes go by. */
async function scraping(prometheus, targets) {
  await eventually(async () => {
    const up = await query(prometheus.url, 'up{job="profiles"} == 1');
    for (const target of targets) assert.ok(up.some(({ metric }) => metric.instance === `127.0.0.1:${target}`), `127.0.0.1:${target} scraped`);
  }, 30);
}

/**
 * Nothing was refused or discarded on the way: Prometheus' own counters of
 * samples it dropped (scraped ones a duplicate, out of order or out of
 * bounds; appended ones out of order or too old) are 0, and the collector's
 * exporters logged no failed export (Prometheus answers a push with a
 * duplicate or out-of-order sample with 400, which it counts nowhere).
 */
async function assertNothingDiscarded(prometheus, collector) {
  const text = await (await fetch(`${prometheus.url}/metrics`)).text();
  const counters = text.split('\n').filter((line) =>
    /^prometheus_(target_scrapes_sample_(duplicate_timestamp|out_of_order|out_of_bounds)|tsdb_out_of_order_samples|tsdb_too_old_samples)_total[{ ]/.test(line));
  assert.ok(counters.length >= 4, 'Prometheus exposes its discard counters');
  for (const line of counters) assert.equal(Number(line.split(' ').at(-1)), 0, line);
  assert.doesNotMatch(collector.log(), /Exporting failed/, 'no export refused');
}

/** Prometheus comes to hold want: every series, and the instant sum. */
async function assertHolds(prometheus, want, what) {
  await eventually(async () => assertSameSeries(await storedSeries(prometheus), want, what));
  assert.ok(close(await instantSum(prometheus), total(want)), `${what}: sum(profile_cpu_time_seconds_total)`);
}

/** error, its message followed by the end of the collector's and Prometheus' logs. */
function withLogs(error, collector, prometheus) {
  return new Error(`${error.message}\ncollector log:\n${collector?.log().slice(-4000)}\nprometheus log:\n${prometheus.log().slice(-4000)}`, { cause: error });
}

/** Runs body(run) beside prometheus; run.collector is the collector body
 * starts (or starts again). A failure carries both logs; both are stopped
 * after. */
async function withPrometheus(prometheus, body) {
  const run = { collector: undefined };
  try {
    return await body(run);
  } catch (error) {
    throw withLogs(error, run.collector, prometheus);
  } finally {
    await run.collector?.stop();
    await prometheus.stop();
  }
}

/** `sum(name)` now, as one number. */
async function instantSum(prometheus, name = 'profile_cpu_time_seconds_total') {
  const result = await query(prometheus.url, `sum(${name})`);
  assert.equal(result.length, 1, `sum(${name}): one value`);
  return Number(result[0].value[1]);
}

/** One recipe, one collector, every request: Prometheus holds ptm's series.
 * replacements apply to the collector's configuration and ptm's alike;
 * check sees what ptm makes of the requests. */
async function runRecipe(name, { scrape = false, requests = realRequests(), replacements = [], gap = gapMs, check = () => {} } = {}) {
  const text = recipe(name);
  const [flags] = prometheusCommands(text);
  assert.ok(flags, `${name}: its comments give the prometheus command`);
  const want = expected(ptmConfig(substitute(text, replacements)), requests);
  check(want);
  const target = scrape ? await freePort() : undefined;
  const prometheus = await startPrometheus(scrape ? scrapeConfig([target]) : '', flags, { otlpReceiver: false });
  await withPrometheus(prometheus, async (run) => {
    run.collector = await startRecipe(name, scrape ? { replacements: [['127.0.0.1:8889', `127.0.0.1:${target}`], ...replacements] } : { prometheus, replacements });
    if (scrape) await scraping(prometheus, [target]);
    await replay(run.collector, requests, gap);
    await assertHolds(prometheus, want, name);
    const samples = await rawSamples(prometheus);
    assert.ok([...samples.values()].some((values) => values.length > 1), `${name}: the requests spread over several flushes`);
    await assertNothingDiscarded(prometheus, run.collector);
  });
}

// ---------------------------------------------------------------------------

test('the collector and Prometheus are built, and every recipe names its Prometheus command', () => {
  assert.ok(existsSync(collectorPath), `${collectorPath}: make collector`);
  assert.ok(existsSync(join(root, 'build', 'tools', 'bin', 'prometheus')), 'tools/setup-prometheus.sh');
  for (const name of ['collector-scrape.yaml', 'collector-otlp-prometheus.yaml', 'collector-remote-write.yaml', 'collector-delta.yaml', 'collector-agent.yaml', 'collector-symbolize.yaml']) {
    const text = recipe(name);
    assert.ok(prometheusCommands(text).length >= 1, `${name}: a "prometheus ..." line`);
    assert.doesNotMatch(text, /^ +resource_to_telemetry_conversion:/m, `${name}: the connector copies resource attributes; no resource_to_telemetry_conversion`);
    assert.match(text, /^ {4}flush_interval: 15s$/m, `${name}: the connector's flush_interval is spelled out`);
    const config = yaml.load(text);
    assert.deepEqual(config.service.pipelines.profiles.exporters, ['profiletometrics'], name);
    assert.deepEqual(config.service.pipelines.metrics.receivers, ['profiletometrics'], name);
    const delta = name === 'collector-delta.yaml';
    assert.equal(config.connectors.profiletometrics.temporality, delta ? 'delta' : 'cumulative', name);
    const [flags] = prometheusCommands(text);
    assert.deepEqual(flags.filter((f) => f.startsWith('--enable-feature')), delta ? ['--enable-feature=otlp-deltatocumulative'] : [],
      `${name}: cumulative sums need no Prometheus feature flag; delta ones otlp-deltatocumulative`);
  }
});

test('collector-scrape.yaml: Prometheus scrapes the prometheus exporter; every series is ptm\'s', { skip }, async () => {
  await runRecipe('collector-scrape.yaml', { scrape: true });
});

/** A root laid out as the live capture's processes saw their executables:
 * ROOT/opt/ptm-capture/bin/<name> (their process.executable.path). */
function liveRoot() {
  const dir = join(mkdtempSync(join(tmpdir(), 'ptm-root-')), 'opt', 'ptm-capture', 'bin');
  mkdirSync(dir, { recursive: true });
  for (const name of ['zebra-sym', 'zebra-nopie', 'zebra-lld', 'zebra-debuglink', 'yak-main', 'gospin']) copyFileSync(join(live, 'bin', name), join(dir, name));
  return join(dir, '..', '..', '..');
}

for (const engine of ['auto', 'wasm']) {
  test(`collector-symbolize.yaml (engine ${engine}) on the live capture: the native busy functions named; every series is ptm's with the same block`, { skip: skipLive }, async () => {
    const text = recipe('collector-symbolize.yaml');
    assert.deepEqual(yaml.load(text).connectors.profiletometrics.symbolize, { root: '/proc/{pid}/root', paths: ['/usr/lib/debug'] });
    const named = (want, fn) => [...want.keys()].some((k) => k.startsWith('profile_function_self_cpu_time_seconds_total{') && k.includes(`code_function_name="${fn}"`));
    await runRecipe('collector-symbolize.yaml', {
      scrape: true,
      requests: liveRequests(),
      gap: 50,
      replacements: [['root: /proc/{pid}/root', `root: ${liveRoot()}`], ['paths: [/usr/lib/debug]', `paths: [${join(live, 'bin')}]`],
        ['engine: auto', `engine: ${engine}`]],
      check: (want) => {
        for (const fn of ['zebra_crunch_cpu', 'yak_churn_bytes']) assert.ok(named(want, fn), `ptm names ${fn}`);
        for (const file of ['zebra-sym', 'libyak.so']) assert.ok(!named(want, file), `no self time left to ${file}`);
      },
    });
  });
}

test('collector-otlp-prometheus.yaml: OTLP/HTTP to Prometheus\' OTLP receiver; every series is ptm\'s', { skip }, async () => {
  await runRecipe('collector-otlp-prometheus.yaml');
});

test('collector-remote-write.yaml: remote write to Prometheus; every series is ptm\'s', { skip }, async () => {
  await runRecipe('collector-remote-write.yaml');
});

test('collector-delta.yaml: temporality delta to Prometheus\' OTLP receiver with otlp-deltatocumulative; every series\' latest value is ptm\'s total', { skip }, async () => {
  assert.ok(prometheusCommands(recipe('collector-delta.yaml'))[0].includes('--enable-feature=otlp-deltatocumulative'));
  await runRecipe('collector-delta.yaml');
});

test('collector-delta.yaml into otlp-native-delta-ingestion: one sample per flush window, each series\' samples add up to ptm\'s total', { skip }, async () => {
  const text = recipe('collector-delta.yaml');
  const flags = prometheusCommands(text).find((f) => f.includes('--enable-feature=otlp-native-delta-ingestion'));
  assert.ok(flags, 'the recipe gives the command with otlp-native-delta-ingestion');
  const requests = realRequests();
  const want = expected(ptmConfig(text), requests);
  const prometheus = await startPrometheus('', flags, { otlpReceiver: false });
  await withPrometheus(prometheus, async (run) => {
    run.collector = await startRecipe('collector-delta.yaml', { prometheus });
    await replay(run.collector, requests);
    let samples;
    await eventually(async () => {
      samples = await rawSamples(prometheus);
      assertSameSeries(new Map([...samples].map(([key, values]) => [key, values.reduce((a, b) => a + b, 0)])), want, 'summed windows');
    });
    assert.ok([...samples.values()].some((values) => values.length > 1), 'some series changed in several windows');
    // An instant query reads each series' latest sample: its last window.
    const last = [...samples].filter(([key]) => key.startsWith('profile_cpu_time_seconds_total{')).reduce((sum, [, values]) => sum + values.at(-1), 0);
    assert.ok(close(await instantSum(prometheus), last), 'sum(profile_cpu_time_seconds_total): the last windows');
    assert.ok(!close(last, total(want)), 'the last windows are not the totals');
  });
});

test('two collectors (collector-scrape.yaml) scraped side by side: one series per target, each its requests\', summing to the whole stream\'s', { skip }, async () => {
  const text = recipe('collector-scrape.yaml');
  const config = ptmConfig(text);
  const requests = realRequests();
  const halves = [requests.filter((_, i) => i % 2 === 0), requests.filter((_, i) => i % 2 === 1)];
  const wants = halves.map((half) => expected(config, half));
  const whole = expected(config, requests);
  const common = [...wants[0].keys()].filter((k) => wants[1].has(k)).length;
  assert.ok(common > 10, 'many series are fed through both collectors');
  const targets = [await freePort(), await freePort()];
  const prometheus = await startPrometheus(scrapeConfig(targets), prometheusCommands(text)[0], { otlpReceiver: false });
  const collectors = [];
  try {
    for (const target of targets) {
      collectors.push(await startRecipe('collector-scrape.yaml', { replacements: [['127.0.0.1:8889', `127.0.0.1:${target}`]] }));
    }
    await scraping(prometheus, targets);
    await Promise.all(collectors.map((collector, i) => replay(collector, halves[i])));
    await eventually(async () => {
      for (const [i, target] of targets.entries()) {
        const instance = `127.0.0.1:${target}`;
        const got = await storedSeries(prometheus, { filter: (m) => m.instance === instance });
        assertSameSeries(got, wants[i], `target ${instance}`);
      }
    });
    // sum without() drops the name: one query per name.
    const byName = new Map();
    for (const name of new Set([...whole.keys()].map((k) => k.slice(0, k.indexOf('{'))))) {
      const result = await query(prometheus.url, `sum without (instance) (last_over_time(${name}[1h]))`);
      for (const { metric, value } of result) byName.set(seriesKey(name, metric), Number(value[1]));
    }
    assertSameSeries(byName, whole, 'summed over targets');
    assert.ok(close(await instantSum(prometheus), total(whole)), 'sum(profile_cpu_time_seconds_total)');
  } finally {
    for (const collector of collectors) await collector.stop();
    await prometheus.stop();
  }
});

/** Per series, the total of its raw samples reset-aware: a drop is a reset,
 * counted from zero; and whether a 0 follows a non-zero sample. */
function resetAware(values) {
  let sum = 0;
  let previous = 0;
  let zeroAfter = false;
  for (const value of values) {
    sum += value >= previous ? value - previous : value;
    if (value === 0 && previous > 0) zeroAfter = true;
    previous = value;
  }
  return { sum, zeroAfter };
}

/**
 * A recipe's collector stopped mid-stream and started again, into a
 * Prometheus with created-timestamp-zero-ingestion (the recipe's command):
 * what the first collector held reaches Prometheus (its shutdown flush), a
 * 0 is stored where each series fed again starts, and the reset-aware totals
 * of the raw samples are the whole stream's.
 */
async function restart(name, { gates, replacements = [] } = {}) {
  const text = recipe(name);
  const flags = prometheusCommands(text).find((f) => f.includes('--enable-feature=created-timestamp-zero-ingestion'));
  assert.ok(flags, 'the recipe gives the command with created-timestamp-zero-ingestion');
  const config = ptmConfig(text);
  const requests = realRequests();
  const cut = 120;
  const before = expected(config, requests.slice(0, cut));
  const after = expected(config, requests.slice(cut));
  const whole = expected(config, requests);
  const both = [...before.keys()].filter((k) => after.has(k));
  assert.ok(both.length > 10, 'series fed on both sides of the restart');
  const prometheus = await startPrometheus('', flags, { otlpReceiver: false });
  const start = () => startRecipe(name, { prometheus, gates, replacements });
  await withPrometheus(prometheus, async (run) => {
    run.collector = await start();
    await replay(run.collector, requests.slice(0, cut));
    // Stopped right after its last request: the final flush at shutdown
    // carries what the interval flushes have not sent yet.
    await run.collector.stop();
    await eventually(async () => assertSameSeries(await storedSeries(prometheus), before, 'before the restart (the shutdown flush included)'), 20);
    run.collector = await start();
    await replay(run.collector, requests.slice(cut));
    await eventually(async () => {
      const raw = await query(prometheus.url, '{__name__=~"profile_.+"}[1h]');
      const got = new Map();
      const zeros = new Set();
      for (const { metric, values } of raw) {
        const key = seriesKey(metric.__name__, metric);
        const { sum, zeroAfter } = resetAware(values.map(([, v]) => Number(v)));
        got.set(key, sum);
        if (zeroAfter) zeros.add(key);
      }
      assertSameSeries(got, whole, 'reset-aware totals');
      const noZero = both.filter((k) => !zeros.has(k));
      assert.deepEqual(noZero.slice(0, 5), [], `${noZero.length} of ${both.length} restarted series without a 0 at their new start`);
    });
    // The instant sum is each series' latest value: the restarted
    // collector's total where it was fed again, the first one's elsewhere.
    const latest = new Map([...before, ...after]);
    assert.ok(close(await instantSum(prometheus), total(latest)), 'sum(profile_cpu_time_seconds_total): the latest values');
    assert.ok(!close(total(latest), total(whole)), 'the restart is visible in the instant sum');
    await assertNothingDiscarded(prometheus, run.collector);
  });
}

test('collector-otlp-prometheus.yaml restarted mid-stream, created-timestamp-zero-ingestion: a 0 where each series starts again, and the reset-aware totals are the whole stream\'s', { skip }, async () => {
  await restart('collector-otlp-prometheus.yaml');
});

test('collector-remote-write.yaml with remote write 2.0 as its comments say, restarted mid-stream, created-timestamp-zero-ingestion: the same', { skip }, async () => {
  const text = recipe('collector-remote-write.yaml');
  const setting = /^# +(protobuf_message: io\.prometheus\.write\.v2\.Request)$/m.exec(text)?.[1];
  const gates = /^# +otelcol-ptm .*--feature-gates=(\S*enableSendingRW2\S*)$/m.exec(text)?.[1];
  assert.ok(setting && gates, 'the recipe says how to send remote write 2.0');
  await restart('collector-remote-write.yaml', {
    gates, replacements: [['    disable_scope_info: true\n', `    disable_scope_info: true\n    ${setting}\n`]],
  });
});

test('collector-prometheus.yaml: ptm\'s delta output of two halves of the stream, POSTed to /v1/metrics, through deltatocumulative, scraped: every series is ptm\'s over the whole stream', { skip }, async () => {
  const text = recipe('collector-prometheus.yaml');
  const [flags] = prometheusCommands(text);
  const requests = realRequests();
  const config = scratchFile('delta.json');
  writeFileSync(config, '{}');
  const want = expected(config, requests);
  const halves = [requests.slice(0, 95), requests.slice(95)].map((half) => {
    const jsonl = scratchFile('half.jsonl');
    writeFileSync(jsonl, half.filter((r) => !r.pb).map((r) => `${r.body}\n`).join(''));
    const inputs = [jsonl, ...half.filter((r) => r.pb).map((r) => {
      const file = scratchFile('request.pb');
      writeFileSync(file, r.body);
      return file;
    })];
    const run = ptm(['-c', config, '-f', 'otlp', ...inputs]);
    assert.equal(run.code, 0, run.stderr);
    return run.stdout;
  });
  const target = await freePort();
  const prometheus = await startPrometheus(scrapeConfig([target]), flags, { otlpReceiver: false });
  await withPrometheus(prometheus, async (run) => {
    const http = await freePort();
    run.collector = await startCollector(substitute(text, [['127.0.0.1:4318', `127.0.0.1:${http}`], ['127.0.0.1:8889', `127.0.0.1:${target}`]]));
    await scraping(prometheus, [target]);
    for (const body of halves) {
      const response = await fetch(`http://127.0.0.1:${http}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body });
      assert.equal(response.status, 200, await response.text());
      await sleep(1500); // a scrape between the halves
    }
    await assertHolds(prometheus, want, 'collector-prometheus.yaml');
    await assertNothingDiscarded(prometheus, run.collector);
  });
});

test('collector-agent.yaml: the node name is put on the profiles, before the connector', () => {
  const config = yaml.load(recipe('collector-agent.yaml'));
  assert.deepEqual(config.service.pipelines.profiles.processors, ['resource/node']);
  assert.deepEqual(config.processors['resource/node'].attributes, [{ key: 'k8s.node.name', value: '${env:K8S_NODE_NAME}', action: 'upsert' }]);
});

test('two agents (collector-agent.yaml), one node name each, remote write into one Prometheus: every series carries its agent\'s node, its values that agent\'s requests\', summed over nodes the whole stream\'s', { skip }, async () => {
  const text = recipe('collector-agent.yaml');
  const [flags] = prometheusCommands(text);
  const config = ptmConfig(text);
  const requests = realRequests();
  const nodes = ['node-a', 'node-b'];
  const halves = [requests.filter((_, i) => i % 2 === 0), requests.filter((_, i) => i % 2 === 1)];
  // The recipe's resource processor puts the agent's node name on every series.
  const wants = halves.map((half, i) => withLabels(expected(config, half), () => ({ k8s_node_name: nodes[i] })));
  const whole = expected(config, requests);
  const prometheus = await startPrometheus('', flags, { otlpReceiver: false });
  const agents = [];
  try {
    for (const node of nodes) agents.push(await startRecipe('collector-agent.yaml', { prometheus, env: { K8S_NODE_NAME: node } }));
    await Promise.all(agents.map((agent, i) => replay(agent, halves[i])));
    await eventually(async () => {
      const got = await storedSeries(prometheus, { check: (m) => assert.ok(nodes.includes(m.k8s_node_name), `${JSON.stringify(m)}: a node name`) });
      assertSameSeries(got, sumOf(...wants), 'per node');
    });
    for (const [i, node] of nodes.entries()) {
      const got = await storedSeries(prometheus, { filter: (m) => m.k8s_node_name === node });
      assertSameSeries(got, wants[i], node);
      assert.ok(close(await instantSum(prometheus, `profile_cpu_time_seconds_total{k8s_node_name="${node}"}`), total(wants[i])), `${node}: its cpu total`);
    }
    const summed = new Map();
    for (const name of new Set([...whole.keys()].map((k) => k.slice(0, k.indexOf('{'))))) {
      const result = await query(prometheus.url, `sum without (k8s_node_name) (last_over_time(${name}[1h]))`);
      for (const { metric, value } of result) summed.set(seriesKey(name, metric), Number(value[1]));
    }
    assertSameSeries(summed, whole, 'summed over nodes');
    assert.ok(close(await instantSum(prometheus), total(whole)), 'sum(profile_cpu_time_seconds_total)');
  } catch (error) {
    throw new Error(`${error.message}\nagent logs:\n${agents.map((a) => a.log().slice(-3000)).join('\n---\n')}\nprometheus log:\n${prometheus.log().slice(-4000)}`, { cause: error });
  } finally {
    for (const agent of agents) await agent.stop();
    await prometheus.stop();
  }
});
