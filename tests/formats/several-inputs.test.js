// several-inputs.test.js: `ptm [options] INPUT...`: several inputs (files,
// "-", directories in sorted order, compressed or not, length-prefixed) are
// one conversion: their output, in every format, and their stats are those
// of the concatenation of their OTLP/JSON twins as JSON Lines, written here
// from the inputs; a bad input among good ones is named and loses nothing
// else (exit 4); in the native CLI, the WASI command and the npm CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtures, ptmPath, root, shared, haveShared } from '../lib/run.js';
import { distCli, requireDist } from '../lib/npm.js';
import { gzip, lengthPrefixed, zstd } from '../lib/compress.js';

const work = mkdtempSync(join(tmpdir(), 'ptm-several-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const run = (argv, input) => {
  const r = spawnSync(argv[0], argv.slice(1), { input, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
};
const hosts = () => {
  requireDist();
  return {
    ptm: (args, input) => run([ptmPath, ...args], input),
    'WASI command': (args, input) => run([join(root, 'build', 'tools', 'bin', 'wasmtime'), 'run', '--dir', `${work}::${work}`,
      '--dir', `${fixtures}::${fixtures}`, join(root, 'build', 'wasi', 'ptm.wasm'), ...args], input),
    'npm CLI': (args, input) => run([process.execPath, distCli, ...args], input),
  };
};

const write = (name, bytes) => {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
};
/** One request's OTLP/JSON as one line. */
const line = (jsonPath) => `${JSON.stringify(JSON.parse(readFileSync(jsonPath, 'utf8')))}\n`;
const fixture = (name) => join(fixtures, name);
const formats = [['-f', 'otlp'], ['-f', 'json'], ['-f', 'prom'], ['-f', 'folded'], ['--top', '7']];
const statsOf = (stderr) => JSON.parse(stderr.trim().split('\n').at(-1));

/** inputs (paths, or '-' with stdin) against the one JSON Lines file of
 * their requests' lines, in every format, on every host. */
function assertSameAsJsonLines(inputs, lines, { stdin, hostNames } = {}) {
  const jsonl = write(`concat-${Math.random().toString(36).slice(2)}.jsonl`, lines.join(''));
  for (const [host, ptm] of Object.entries(hosts())) {
    if (hostNames && !hostNames.includes(host)) continue;
    for (const format of formats) {
      const want = ptm([...format, '--stats', jsonl]);
      assert.equal(want.code, 0, `${host} ${format}: ${want.stderr}`);
      assert.ok(want.stdout.length > 0);
      const got = ptm([...format, '--stats', ...inputs], stdin);
      assert.equal(got.code, 0, `${host} ${format} ${inputs}: ${got.stderr}`);
      assert.ok(got.stdout.equals(want.stdout), `${host} ${format}: several inputs convert as their JSON Lines`);
      assert.deepEqual(statsOf(got.stderr), statsOf(want.stderr), `${host} ${format}: the same stats`);
    }
  }
}

test('several files, plain, compressed and length-prefixed, and stdin convert as their JSON Lines', () => {
  const cpuGz = write('cpu-ebpf.pb.gz', gzip(readFileSync(fixture('cpu-ebpf.pb'))));
  const memoryZst = write('memory.json.zst', zstd(readFileSync(fixture('memory.json'))));
  const framed = write('framed.bin', lengthPrefixed(readFileSync(fixture('cpu-pprof.pb')), readFileSync(fixture('memory.pb'))));
  const multi = readFileSync(fixture('multi.jsonl'), 'utf8');
  assertSameAsJsonLines([fixture('cpu-ebpf.pb'), fixture('memory.pb'), fixture('multi.jsonl')],
    [line(fixture('cpu-ebpf.json')), line(fixture('memory.json')), multi]);
  // The reactor has no zstd decompressor (docs/input.md), so the npm CLI skips the .zst input.
  assertSameAsJsonLines([cpuGz, memoryZst, framed],
    [line(fixture('cpu-ebpf.json')), line(fixture('memory.json')), line(fixture('cpu-pprof.json')), line(fixture('memory.json'))],
    { hostNames: ['ptm', 'WASI command'] });
  assertSameAsJsonLines([fixture('cpu-pprof.pb'), '-', fixture('cpu-ebpf.json')],
    [line(fixture('cpu-pprof.json')), line(fixture('memory.json')), line(fixture('cpu-ebpf.json'))],
    { stdin: readFileSync(fixture('memory.pb')) });
});

test('a directory: its regular files in sorted order, not dot files or subdirectories', () => {
  const dir = join(work, 'captures');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'b-memory.json'), readFileSync(fixture('memory.json')));
  writeFileSync(join(dir, 'a-cpu.pb'), readFileSync(fixture('cpu-ebpf.pb')));
  writeFileSync(join(dir, 'c-pprof.pb.gz'), gzip(readFileSync(fixture('cpu-pprof.pb'))));
  writeFileSync(join(dir, '.partial'), 'garbage');
  writeFileSync(join(dir, 'sub', 'x.pb'), 'garbage');
  const lines = [line(fixture('cpu-ebpf.json')), line(fixture('memory.json')), line(fixture('cpu-pprof.json'))];
  assertSameAsJsonLines([dir], lines);
  assertSameAsJsonLines([`${dir}/`, fixture('multi.jsonl')], [...lines, readFileSync(fixture('multi.jsonl'), 'utf8')], { hostNames: ['ptm'] });
});

test('the real captures, as files, as their JSON Lines', { skip: !haveShared && 'no ../shared/fixtures' }, () => {
  const real = join(shared, 'otlp-real', 'ebpf-oncpu-189-requests.jsonl');
  const text = readFileSync(real, 'utf8');
  const requests = text.split('\n').filter((l) => l.trim() !== '').map((l) => `${l}\n`);
  const dir = join(work, 'real');
  mkdirSync(dir);
  requests.slice(0, 40).forEach((l, i) => writeFileSync(join(dir, `req-${String(i).padStart(3, '0')}.json`), l));
  assertSameAsJsonLines([dir], requests.slice(0, 40), { hostNames: ['ptm', 'npm CLI'] });
});

test('a bad input among good ones is named; the others convert (exit 4); all bad: the first one\'s code', () => {
  const garbage = write('garbage.pb', 'not a request at all');
  const badLine = write('bad-line.jsonl', `${line(fixture('memory.json'))}{"resourceProfiles": [}\n`);
  const missing = join(work, 'missing.pb');
  const goodJsonl = write('good.jsonl', [line(fixture('cpu-ebpf.json')), line(fixture('memory.json'))].join(''));
  for (const [host, ptm] of Object.entries(hosts())) {
    const want = ptm(['-f', 'prom', '--stats', goodJsonl]);
    const got = ptm(['-f', 'prom', '--stats', fixture('cpu-ebpf.pb'), garbage, missing, badLine]);
    assert.equal(got.code, 4, `${host}: ${got.stderr}`);
    assert.ok(got.stdout.equals(want.stdout), `${host}: the good inputs' output`);
    const lines = got.stderr.trim().split('\n');
    assert.deepEqual(lines.slice(0, -1), [
      `ptm: cannot open input ${missing}: No such file or directory`,
      `ptm: ${garbage}: input: malformed protobuf in ExportProfilesServiceRequest: field 13: invalid wire type 6`,
      `ptm: ${badLine}: input line 2, column 23: not valid JSON`,
      'ptm: input: 2 of 4 requests refused; the others were converted',
      'ptm: input: 1 of 4 inputs could not be read; the others were converted',
    ], host);
    const stats = statsOf(got.stderr);
    assert.equal(stats.requests, 2);
    assert.equal(stats.requests_invalid, 2);
    const allBad = ptm(['-f', 'prom', garbage, write('garbage2.pb', 'not a request either')]);
    assert.equal(allBad.code, 1, `${host}: ${allBad.stderr}`);
    assert.equal(allBad.stdout.length, 0);
    assert.match(allBad.stderr, new RegExp(`^ptm: ${garbage}: input: malformed protobuf.*\\(and 1 more requests refused\\)\\n$`));
    const unreadable = ptm(['-f', 'prom', missing, join(work, 'missing2.pb')]);
    assert.equal(unreadable.code, 2, host);
    assert.equal(unreadable.stdout.length, 0);
  }
});
