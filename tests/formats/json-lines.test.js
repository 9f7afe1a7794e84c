// json-lines.test.js: one broken line of a JSON Lines input loses nothing
// else (issue 9, finding 3). Every good line converts, exactly as if the bad
// ones were not there; each bad one is named on stderr by its line in the
// file; stats.requests_invalid counts them; the exit code is 4. The same
// through the native CLI, the npm CLI and the WASI command under wasmtime.
//
// Before: `ptm -f prom --stats` on the 189-request capture with line 96 cut in
// half exited 1 and wrote nothing (the stats said 95 requests), and the
// message said "JSON request 96" and a byte offset within the request.
//
// Streaming (issue 10): a JSON Lines input is converted line by line, so a
// file far past max_input_bytes converts in the memory of one request, with
// the output of the whole file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { npmCli, requireDist } from '../lib/npm.js';
import { decodeMetrics, fixtures, haveShared, ptm, ptmPath, root, scratchFile, shared, statsOf } from '../lib/run.js';

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

/** Runs command under /usr/bin/time: its exit code, stdout, stderr and peak RSS in bytes. */
function measured(command, args, input) {
  const rss = scratchFile('rss.txt');
  const run = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rss, command, ...args], { input, maxBuffer: 1 << 30 });
  if (run.error) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr.toString(), rss: Number(readFileSync(rss, 'utf8').trim().split('\n').pop()) * 1024 };
}

test('a JSON Lines file past max_input_bytes converts line by line: peak memory of one request, the output of every line (issue 10)', { skip: !existsSync('/usr/bin/time') && 'no /usr/bin/time' }, () => {
  // Before: the CLI read the whole input, so this 73 MB file was refused
  // (over the default max_input_bytes, 64 MiB), and with the limit raised
  // every request's protobuf and dictionary stayed in memory to the end (a
  // 200 MB file peaked at 796 MB).
  const block = [readFileSync(join(fixtures, 'cpu-ebpf.json'), 'utf8').replace(/\n\s*/g, ''),
    ...readFileSync(join(fixtures, 'multi.jsonl'), 'utf8').trimEnd().split('\n')].join('\n') + '\n';
  const copies = 2000;
  const blockFile = scratchFile('block.jsonl');
  const bigFile = scratchFile('big.jsonl');
  writeFileSync(blockFile, block);
  writeFileSync(bigFile, block.repeat(copies));
  const big = readFileSync(bigFile);
  assert.ok(big.length > 64 * 1024 * 1024, 'past the default max_input_bytes');
  // Integer units, so that the sums of the copies are exact in doubles.
  const config = scratchFile('ns.json');
  writeFileSync(config, JSON.stringify({ metrics: { cpu: { unit: 'ns' }, off_cpu: { unit: 'ns' }, wall: { unit: 'ns' } } }));
  const args = ['-c', config, '-f', 'otlp', '--stats'];

  const one = measured(ptmPath, [...args, blockFile]);
  assert.equal(one.code, 0, one.stderr);
  const all = measured(ptmPath, [...args, bigFile]);
  assert.equal(all.code, 0, all.stderr);

  // The expected output, computed from one block's: the same series in the
  // same order, each value times the copies, the same windows.
  const expected = decodeMetrics(one.stdout);
  let points = 0;
  for (const resource of expected.resources) {
    for (const metric of Object.values(resource.metrics)) {
      assert.equal(metric.type, 'sum', 'sums only: a gauge keeps each profile\'s snapshot apart');
      for (const point of metric.points) {
        point.value = typeof point.value === 'string' ? String(BigInt(point.value) * BigInt(copies)) : point.value * copies;
        points++;
      }
    }
  }
  assert.ok(points > 100, `${points} points`);
  assert.deepEqual(decodeMetrics(all.stdout), expected, 'every series summed over every copy');
  const stats = statsOf(all.stderr), oneStats = statsOf(one.stderr);
  for (const key of ['requests', 'resources', 'profiles', 'samples_total', 'samples_kept']) assert.equal(stats[key], oneStats[key] * copies, key);
  assert.equal(stats.series, oneStats.series);

  // Memory: what converting one block takes, plus the read buffer (1 MiB)
  // and a few requests' text, not the file. (A sanitizer build, PTM_BIN under
  // make test-asan, keeps freed memory in quarantine: not bounded here.)
  const sanitized = readFileSync(ptmPath).includes('__asan_init');
  const longest = Math.max(...block.split('\n').map((line) => line.length));
  const bound = one.rss + 4 * longest + 8 * 1024 * 1024;
  assert.ok(sanitized || bound < big.length / 4, `the bound (${bound} bytes) is far below the input (${big.length})`);
  assert.ok(sanitized || all.rss < bound, `native: peak RSS ${all.rss} bytes, bound ${bound} (one block: ${one.rss})`);

  // stdin is read the same way; so is the WASI command's input under wasmtime.
  const piped = measured(ptmPath, [...args, '-'], big);
  assert.equal(piped.code, 0, piped.stderr);
  assert.ok(piped.stdout.equals(all.stdout), 'stdin: the same bytes');
  assert.ok(sanitized || piped.rss < bound, `stdin: peak RSS ${piped.rss} bytes, bound ${bound}`);
  const wasiArgs = ['run', '--dir', dirname(config), wasiModule, ...args, '-'];
  const wasiOne = measured(wasmtimePath, wasiArgs, block);
  assert.equal(wasiOne.code, 0, wasiOne.stderr);
  const wasi = measured(wasmtimePath, wasiArgs, big);
  assert.equal(wasi.code, 0, wasi.stderr);
  assert.ok(wasi.stdout.equals(all.stdout), 'WASI: the same bytes');
  const wasiBound = wasiOne.rss + 4 * longest + 8 * 1024 * 1024;
  assert.ok(wasi.rss < wasiBound, `WASI: peak RSS ${wasi.rss} bytes, bound ${wasiBound} (one block: ${wasiOne.rss})`);
});

test('a JSON Lines request larger than max_input_bytes: the error of a too-large input, as before streaming', () => {
  const line = readFileSync(join(fixtures, 'cpu-ebpf.json'), 'utf8').replace(/\n\s*/g, '');
  const input = scratchFile('lines.jsonl');
  writeFileSync(input, `${line}\n${line}\n`);
  const config = scratchFile('limit.json');
  writeFileSync(config, JSON.stringify({ max_input_bytes: line.length + 100 }));
  const file = ptm(['-c', config, '-f', 'prom', input]);
  assert.equal(file.code, 0, `each line fits: ${file.stderr}`);
  assert.ok(file.stdout.equals(ptm(['-f', 'prom', input]).stdout), 'the output of both lines');
  writeFileSync(config, JSON.stringify({ max_input_bytes: 1000 }));
  const size = readFileSync(input).length;
  const refused = ptm(['-c', config, '-f', 'prom', input]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout.length, 0);
  assert.equal(refused.stderr, `ptm: input: ${size} bytes is more than max_input_bytes (1000)\n`);
  const stdin = ptm(['-c', config, '-f', 'prom', '-'], readFileSync(input));
  assert.equal(stdin.code, 1);
  assert.equal(stdin.stderr, 'ptm: input: stdin is more than max_input_bytes (1000); stopped reading there\n');
});
