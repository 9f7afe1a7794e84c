// json-lines.test.js: one broken line of a JSON Lines input loses nothing
// else (issue 9, finding 3). Every good line converts, exactly as if the bad
// ones were not there; each bad one is named on stderr by its line in the
// file; stats.requests_invalid counts them; the exit code is 4. The same
// through the native CLI, the npm CLI and the WASI command under wasmtime.
//
// Before: `ptm -f prom --stats` on the 189-request capture with line 96 cut in
// half exited 1 and wrote nothing (the stats said 95 requests), and the
// message said "JSON request 96" and a byte offset within the request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { npmCli, requireDist } from './lib/npm.js';
import { fixtures, haveShared, ptm, root, shared, statsOf } from './lib/run.js';

const capture = join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl');
const wasmtimePath = join(root, 'build', 'tools', 'bin', 'wasmtime');
const wasiModule = join(root, 'build', 'wasi', 'ptm.wasm');

const wasmtime = (args, input) => {
  const run = spawnSync(wasmtimePath, ['run', wasiModule, ...args], { input, maxBuffer: 1 << 30 });
  if (run.error) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr.toString() };
};

const lines = (text) => text.split('\n');
const joined = (list) => Buffer.from(list.join('\n'));

/** The ptm: lines of stderr (not the --stats object). */
const messages = (stderr) => stderr.split('\n').filter((l) => l.startsWith('ptm: '));

/** Each host's run of args on input, which must agree with native on every byte. */
function everyHost(args, input) {
  requireDist();
  const native = ptm(args, input);
  for (const [name, run] of [['npm CLI', npmCli(args, input)], ['wasmtime', wasmtime(args, input)]]) {
    assert.equal(run.code, native.code, `${name}: exit code (${run.stderr})`);
    assert.ok(run.stdout.equals(native.stdout), `${name}: the same output bytes`);
    assert.equal(run.stderr, native.stderr, `${name}: the same stderr`);
  }
  return native;
}

test('the real capture with line 96 cut in half: the other 188 lines convert as if it were not there', { skip: !haveShared && 'no ../shared fixtures' }, () => {
  const all = lines(readFileSync(capture, 'utf8').trimEnd());
  assert.equal(all.length, 189);
  const broken = [...all];
  broken[95] = all[95].slice(0, Math.floor(all[95].length / 2));
  const withoutIt = all.filter((_, i) => i !== 95);
  for (const format of ['prom', 'otlp', 'json']) {
    const run = everyHost(['-f', format, '--stats', '-'], joined(broken));
    const reference = ptm(['-f', format, '--stats', '-'], joined(withoutIt));
    assert.equal(reference.code, 0, reference.stderr);
    assert.equal(run.code, 4, run.stderr);
    assert.ok(run.stdout.length > 0 && run.stdout.equals(reference.stdout), `${format}: the output of the 188 good lines, byte for byte`);
    const [refusal, summary, ...rest] = messages(run.stderr);
    // Cut inside a string, the request runs on into line 97, where the text stops being JSON.
    assert.match(refusal, /^ptm: input line 96: not valid JSON \(line 97, column \d+\)$/);
    assert.equal(summary, 'ptm: input: 1 of 189 requests refused; the others were converted');
    assert.deepEqual(rest, []);
    const stats = statsOf(run.stderr);
    assert.deepEqual({ ...stats, requests_invalid: 0, requests: stats.requests + 1 }, { ...statsOf(reference.stderr), requests: 189 });
    assert.equal(stats.requests, 188);
    assert.equal(stats.requests_invalid, 1);
  }
});

test('several bad lines: each named by its line, in order; the good ones convert', () => {
  const good = lines(readFileSync(join(fixtures, 'multi.jsonl'), 'utf8').trimEnd());
  assert.equal(good.length, 2);
  const input = [
    good[0],
    '{"resourceSpans":[]}',
    '',
    '{"resourceProfiles":[{"scopeProfiles":3}]}',
    good[1],
    '{"resourceProfiles": [',
  ];
  const run = everyHost(['-f', 'prom', '--stats', '-'], joined(input));
  const reference = ptm(['-f', 'prom', '-'], joined(good));
  assert.equal(run.code, 4, run.stderr);
  assert.ok(run.stdout.equals(reference.stdout), 'the good lines\' output');
  assert.deepEqual(messages(run.stderr), [
    'ptm: input line 2: JSON: an OTLP traces request (resourceSpans), not profiles',
    'ptm: input line 4: JSON: resourceProfiles[0].scopeProfiles: expected an array',
    'ptm: input line 6, column 22: not valid JSON',
    'ptm: input: 3 of 5 requests refused; the others were converted',
  ]);
  assert.equal(statsOf(run.stderr).requests_invalid, 3);
});

test('past 64 bad lines the rest are counted, not named; no good line: exit 1 with the first', () => {
  const good = readFileSync(join(fixtures, 'multi.jsonl'), 'utf8').trimEnd().split('\n')[0];
  const bad = Array.from({ length: 70 }, (_, i) => `{"resourceLogs":[], "n": ${i}}`);
  const run = ptm(['-f', 'prom', '--stats', '-'], joined([...bad, good]));
  assert.equal(run.code, 4, run.stderr);
  const named = messages(run.stderr);
  assert.equal(named.length, 64 + 2);
  named.slice(0, 64).forEach((m, i) => assert.equal(m, `ptm: input line ${i + 1}: JSON: an OTLP logs request (resourceLogs), not profiles`));
  assert.equal(named[64], 'ptm: input: 6 more requests refused');
  assert.equal(named[65], 'ptm: input: 70 of 71 requests refused; the others were converted');
  assert.equal(statsOf(run.stderr).requests_invalid, 70);

  const none = ptm(['-f', 'prom', '--stats', '-'], joined(bad));
  assert.equal(none.code, 1);
  assert.equal(none.stdout.length, 0);
  assert.deepEqual(messages(none.stderr), ['ptm: input line 1: JSON: an OTLP logs request (resourceLogs), not profiles (and 69 more requests refused)']);
});
