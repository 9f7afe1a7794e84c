// time-saturation.test.js: a profile whose time_unix_nano is near 2^64 and
// whose duration carries its end past it (issue 28, row 8). Before, the end
// wrapped to a time before the start (18446744073709551000 + 1 s ended at
// 999999384); now start + duration saturates at 2^64-1
// (time_add_saturating, src/convert/pipeline.h) in every format and host, and the
// JS oracle (tests/lib/expect.js) and the Go one (internal/pdataoracle) follow the
// same rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareDocs, expectedMetrics, sortPoints } from '../lib/expect.js';
import { npmCli, requireDist } from '../lib/npm.js';
import { decodeMetrics, fixtures, ptm, scratchFile, wasmtime } from '../lib/run.js';

const sanitized = process.env.PTM_BIN !== undefined;
const MAX = (1n << 64n) - 1n;
const START = 18446744073709551000n;


/** cpu-ebpf.json with every profile at START for 1 s, its samples' timestamps after it. */
function lateRequest() {
  const request = JSON.parse(readFileSync(join(fixtures, 'cpu-ebpf.json'), 'utf8'));
  for (const rp of request.resourceProfiles) {
    for (const sp of rp.scopeProfiles) {
      for (const profile of sp.profiles) {
        profile.timeUnixNano = START.toString();
        profile.durationNano = '1000000000';
        for (const sample of profile.samples) sample.timestampsUnixNano = (sample.timestampsUnixNano ?? []).map(() => (START + 100n).toString());
      }
    }
  }
  return request;
}

const request = lateRequest();
const input = Buffer.from(JSON.stringify(request));

function hosts(args) {
  const runs = [['native', ptm(args, input)]];
  if (!sanitized) {
    requireDist();
    runs.push(['npm CLI', npmCli(args, input)], ['wasmtime', wasmtime(args, input)]);
  }
  return runs;
}

test('OTLP/JSON and OTLP: every point ends at 2^64-1, none before its start, in every host', () => {
  for (const format of ['json', 'otlp']) {
    const runs = hosts(['-f', format, '-']);
    const [, native] = runs[0];
    assert.equal(native.code, 0, native.stderr);
    const doc = decodeMetrics(native.stdout, { json: format === 'json' });
    let points = 0;
    for (const resource of doc.resources) {
      for (const metric of Object.values(resource.metrics)) {
        for (const point of metric.points) {
          points++;
          assert.ok(BigInt(point.start) <= BigInt(point.end), `${format}: a point ends (${point.end}) before it starts (${point.start})`);
          assert.equal(BigInt(point.end), MAX, `${format}: the end saturates`);
        }
      }
    }
    assert.ok(points > 0);
    for (const [host, run] of runs.slice(1)) {
      assert.equal(run.code, 0, `${host}: ${run.stderr}`);
      assert.ok(run.stdout.equals(native.stdout), `${host}: native's bytes`);
    }
  }
});

test('Prometheus text, folded stacks and --top convert, alike in every host', () => {
  for (const args of [['-f', 'prom', '-'], ['-f', 'folded', '-']]) {
    const runs = hosts(args);
    const [, native] = runs[0];
    assert.equal(native.code, 0, native.stderr);
    assert.ok(native.stdout.length > 0);
    for (const [host, run] of runs.slice(1)) assert.ok(run.stdout.equals(native.stdout), `${args[1]}, ${host}: native's bytes`);
  }
  assert.equal(ptm(['--top', '-'], input).code, 0);
});

test('the JS oracle saturates too, and agrees with ptm', () => {
  const file = scratchFile('late.json');
  writeFileSync(file, input);
  const run = ptm(['-f', 'json', file]);
  assert.equal(run.code, 0, run.stderr);
  const expected = expectedMetrics(request);
  const diffs = compareDocs(sortPoints(decodeMetrics(run.stdout, { json: true })), sortPoints(expected));
  assert.deepEqual(diffs, [], diffs.join('\n'));
});
