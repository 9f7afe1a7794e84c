// collector-memory.test.js: a request over max_memory_bytes in a real
// OpenTelemetry Collector (build/collector/otelcol-ptm, `make collector`),
// on each engine (the build has cgo: wasm and native). The connector's
// budget is 512 MiB, past the wasm instance's discard threshold (256 MiB,
// wasm/collector/held.go); one OTLP/HTTP request of 700,000 samples, each
// its own one-frame stack of a function of its own name, needs more. It is
// answered 400 with the core's message; the wasm instance, its memory grown
// past the threshold, was flushed at once (the file exporter has what it
// held before, the series of the warm-up) and discarded; and the
// collector's resident memory (VmRSS of /proc/PID/status) comes back to
// within 100 MB of its level after the warm-up. The collector keeps
// converting. Figures (before, peak, after) are printed as diagnostics.
// The cardinality limit is raised so that every function keeps a series:
// under the default (10,000 a metric) the request holds only what the limit
// keeps and fits in the budget (issue 32).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtures, ptm, decodeMetrics, scratchFile, freePort, sleep, statsOf } from '../../lib/run.js';
import { linesOf, post, startCollector } from '../../lib/collector.js';

const budget = 512 * 1024 * 1024;
const functions = 700000;
const message = `memory limit: the conversion needs more than max_memory_bytes (${budget} bytes)`;

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** A length-delimited field (a message, a string, a packed list) of the parts. */
function fieldOf(number, parts) {
  const payload = Buffer.concat(parts.map((b) => (Buffer.isBuffer(b) ? b : Buffer.from(b))));
  return Buffer.concat([Buffer.from([...varint(number * 8 + 2), ...varint(payload.length)]), payload]);
}

const field = (number, ...parts) => fieldOf(number, parts);

/** A varint field. */
const number = (n, value) => Buffer.from([...varint(n * 8), ...varint(value)]);

/**
 * An ExportProfilesServiceRequest (profiles/v1development) of n samples,
 * each its own one-frame stack of the function function_K: the core holds
 * a series per function, about 1 KB each, from some 55 bytes of request.
 * Written directly (tests/lib/pb.js's writer is too slow for 40 MB).
 */
function distinctFunctions(n) {
  const strings = ['', 'samples', 'count', 'cpu', 'nanoseconds'].map((s) => field(5, Buffer.from(s)));
  const locations = [field(2)];
  const names = [field(3)];
  const stacks = [field(7)];
  const samples = [];
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64LE(1767225600500000000n);
  for (let k = 0; k < n; k++) {
    strings.push(field(5, Buffer.from(`function_${k}`)));
    names.push(field(3, number(1, 5 + k)));
    locations.push(field(2, field(3, number(1, 1 + k))));
    stacks.push(field(7, field(1, varint(1 + k))));
    samples.push(field(2, number(1, 1 + k), field(5, stamp)));
  }
  const start = Buffer.alloc(9);
  start[0] = 3 * 8 + 1; // time_unix_nano, fixed64
  start.writeBigUInt64LE(1767225600000000000n, 1);
  const profile = fieldOf(2, [field(1, number(1, 1), number(2, 2)), Buffer.concat(samples), start, number(4, 1e9),
    field(5, number(1, 3), number(2, 4)), number(6, 1e6)]);
  const dictionary = fieldOf(2, [field(1), Buffer.concat(locations), Buffer.concat(names), field(4),
    Buffer.concat(strings), field(6), Buffer.concat(stacks)]);
  return Buffer.concat([field(1, field(1), field(2, profile)), dictionary]);
}

/** The collector's VmRSS or VmHWM (peak), in MB. */
function memory(pid, key = 'VmRSS') {
  const kb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${key}:\\s+(\\d+) kB`))[1]);
  return Math.round(kb / 1024);
}

/** A normalized metrics document with the points' times left out. */
const timesApart = (doc) => JSON.parse(JSON.stringify(doc, (key, value) => (key === 'start' || key === 'end' ? undefined : value)));

test('the generated request is what it says: n samples, n functions', () => {
  const file = scratchFile('distinct.pb');
  writeFileSync(file, distinctFunctions(1000));
  const run = ptm(['--stats', '-f', 'prom', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(statsOf(run.stderr).samples_kept, 1000);
  assert.equal(run.stdout.toString().match(/function_\d+/g).length >= 1000, true, 'a series per function');
});

for (const engine of ['wasm', 'native']) {
  test(`${engine}: a request over max_memory_bytes is refused with the core's message, and the collector's memory comes back within 100 MB`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ptm-collector-memory-'));
    const port = await freePort();
    const output = join(dir, 'metrics.jsonl');
    const config = `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
        max_request_body_size: 268435456
connectors:
  profiletometrics:
    engine: ${engine}
    flush_interval: 1h
    max_memory_bytes: ${budget}
    cardinality_limit: 10000000
exporters:
  file:
    path: ${output}
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [profiletometrics]
    metrics:
      receivers: [profiletometrics]
      exporters: [file]
`;
    const url = `http://127.0.0.1:${port}/v1development/profiles`;
    const small = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
    const bad = distinctFunctions(functions);
    const collector = await startCollector(config);
    let figures;
    try {
      for (let i = 0; i < 20; i++) assert.equal((await post(url, small)).status, 200);
      await sleep(1000);
      const before = memory(collector.pid);
      const refused = await post(url, bad);
      assert.equal(refused.status, 400, refused.text);
      assert.ok(refused.text.includes(message), refused.text);
      const peak = memory(collector.pid, 'VmHWM');
      if (engine === 'wasm') {
        // The instance's flush before it was discarded: the warm-up's series.
        const lines = await linesOf(output, 1);
        const want = ptm(['-c', writeConfig({ temporality: 'cumulative' }), '-f', 'otlp', ...Array(20).fill(join(fixtures, 'cpu-ebpf.pb'))]);
        assert.equal(want.code, 0, want.stderr);
        assert.deepEqual(timesApart(decodeMetrics(`${lines[0]}\n`, { json: true })), timesApart(decodeMetrics(want.stdout)),
          'what the discarded instance held, flushed on');
        assert.match(collector.log(), /memory grew past the threshold/);
      }
      const answered = Date.now();
      let after = memory(collector.pid);
      for (let i = 0; i < 80 && after > before + 100; i++) {
        await sleep(250);
        after = memory(collector.pid);
      }
      figures = `${engine}: VmRSS before ${before} MB, peak (VmHWM) ${peak} MB, after ${after} MB (${Date.now() - answered} ms after the answer)`;
      assert.ok(after <= before + 100, figures);
      assert.equal((await post(url, small)).status, 200, 'still converting');
    } finally {
      await collector.stop();
    }
    t.diagnostic(figures);
  });
}

function writeConfig(config) {
  const file = scratchFile('config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}
