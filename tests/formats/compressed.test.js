// compressed.test.js: compressed input (gzip, zstd) through every entry
// point: the native CLI and the WASI command (wasmtime). gzip -c and zstd
// -c of every fixture (tests/fixtures, ../shared/fixtures/otlp-real and the
// pprof profiles of ../shared/fixtures/pprof), in one member or frame or split in several,
// must give the plain input's bytes and stats; cut short it fails with the
// truncated message, corrupted with the corrupt one, and a bomb (1 GB of
// zeros, made here by piping /dev/zero through gzip -9 and zstd) stops at
// max_input_bytes with a message naming it, in memory bounded by it. The
// wasm reactor (the npm package's API) has gzip but no zstd decompressor (its
// size budget, docs/input.md): there gzip gives the native bytes and zstd fails
// with a message saying so, whole or in pieces; the npm package's CLI (npx
// profiletometrics) is the WASI command, gzip and zstd both. A gzipped pprof
// profile and a gzipped OTLP request convert alike on every entry point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzip, reactorNoCodec, zstd } from '../lib/compress.js';
import { conversionInputs, distDir, npmCli, requireDist } from '../lib/npm.js';
import { pprofBytes } from '../lib/pprof.js';
import { fixtures, haveShared, ptm, ptmPath, scratchFile, shared, statsOf, wasmtime } from '../lib/run.js';

requireDist();
const { init, createConverter, PtmError } = await import(pathToFileURL(join(distDir, 'index.js')).href);
await init();

const sanitized = process.env.PTM_BIN !== undefined;


/** The halves of bytes, each compressed on its own, concatenated: several members (frames). */
const split = (bytes, compress) => Buffer.concat([compress(bytes.subarray(0, bytes.length >> 1)), compress(bytes.subarray(bytes.length >> 1))]);

// The fixtures, and ../shared's pprof files (decompressed first where they
// come gzipped: their plain form is the profile).
const pprofInputs = haveShared
  ? readdirSync(join(shared, 'pprof')).sort().map((name) => ({ name: `pprof/${name}`, path: join(shared, 'pprof', name) }))
  : [];
const inputs = [...conversionInputs(), ...pprofInputs].map(({ name, path }) => {
  const file = readFileSync(path);
  const plain = file[0] === 0x1f && file[1] === 0x8b ? gunzipSync(file) : file;
  return {
    name,
    plain,
    forms: {
      gzip: gzip(plain),
      'gzip, two members': split(plain, gzip),
      zstd: zstd(plain),
      'zstd, two frames': split(plain, zstd),
    },
  };
});

/** The npm API's result for input, whole and in pieces of 1000 bytes: {output, stats} or {error}. */
function npmApi(input) {
  const converter = createConverter();
  const outcome = (fn) => {
    try {
      const { output, stats } = fn();
      return { output: Buffer.from(output), stats };
    } catch (error) {
      if (!(error instanceof PtmError)) throw error;
      return { error };
    }
  };
  const whole = outcome(() => converter.convert(input, { format: 'json', bytes: true }));
  const pieces = outcome(() => {
    converter.begin({ size: input.length });
    for (let at = 0; at < input.length; at += 1000) {
      try {
        converter.feed(input.subarray(at, at + 1000));
      } catch (error) {
        if (!(error instanceof PtmError)) throw error;
        break; // finish() reports it
      }
    }
    return converter.finish({ format: 'json', bytes: true });
  });
  converter.close();
  return { whole, pieces };
}

test('inputs: every fixture, with its compressed forms', () => {
  assert.ok(inputs.length >= 7, `${inputs.length} inputs`);
  for (const { name, plain, forms } of inputs) {
    assert.ok(plain.length > 0, name);
    assert.deepEqual([...forms.gzip.subarray(0, 2)], [0x1f, 0x8b], name);
    assert.deepEqual([...forms.zstd.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], name);
    // the second member (frame) starts where the first half's ends
    const second = (form, compress) => forms[form].subarray(compress(plain.subarray(0, plain.length >> 1)).length);
    assert.deepEqual([...second('gzip, two members', gzip).subarray(0, 2)], [0x1f, 0x8b], name);
    assert.deepEqual([...second('zstd, two frames', zstd).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], name);
  }
});

test('native CLI: every compressed form gives the plain input\'s bytes and stats', () => {
  for (const { name, plain, forms } of inputs) {
    for (const format of ['otlp', 'json', 'prom']) {
      const expected = ptm(['-f', format, '--stats', '-'], plain);
      assert.equal(expected.code, 0, `${name}: ${expected.stderr}`);
      for (const [form, bytes] of Object.entries(forms)) {
        const run = ptm(['-f', format, '--stats', '-'], bytes);
        assert.equal(run.code, 0, `${name}, ${form}: ${run.stderr}`);
        assert.ok(run.stdout.equals(expected.stdout), `${name}, ${form}, -f ${format}: the plain input's bytes`);
        assert.deepEqual(statsOf(run.stderr), statsOf(expected.stderr), `${name}, ${form}: stats`);
      }
    }
  }
});

test('native CLI: a compressed file is read like compressed stdin', () => {
  const { plain, forms } = inputs.find((i) => i.name === 'multi.jsonl');
  const expected = ptm(['-f', 'json', '-'], plain);
  for (const [form, bytes] of Object.entries(forms)) {
    const file = scratchFile('input.compressed');
    writeFileSync(file, bytes);
    const run = ptm(['-f', 'json', file]);
    assert.equal(run.code, 0, `${form}: ${run.stderr}`);
    assert.ok(run.stdout.equals(expected.stdout), form);
  }
});

test('WASI command (wasmtime): gzip and zstd give the native bytes', { skip: sanitized && 'the ASan run checks the native build' }, () => {
  for (const { name, forms } of inputs) {
    for (const form of ['gzip', 'zstd, two frames']) {
      const native = ptm(['-f', 'json', '-'], forms[form]);
      const run = wasmtime(['-f', 'json', '-'], forms[form]);
      assert.equal(run.code, 0, `${name}, ${form}: ${run.stderr}`);
      assert.ok(run.stdout.equals(native.stdout), `${name}, ${form}: native bytes`);
    }
  }
});

test('npm API: gzip gives the native bytes, zstd is named as missing from the reactor, whole or in pieces; npx profiletometrics: gzip and zstd give the native bytes', { skip: sanitized && 'the ASan run checks the native build' }, () => {
  for (const { name, forms } of inputs) {
    for (const [form, bytes] of Object.entries(forms)) {
      const native = ptm(['-f', 'json', '-'], bytes);
      const { whole, pieces } = npmApi(bytes);
      // Before (issue 29): the npm CLI was the reactor's, and refused zstd too.
      const cli = npmCli(['-f', 'json', '-'], bytes);
      assert.equal(cli.code, 0, `${name}, ${form}, npx: ${cli.stderr}`);
      assert.ok(cli.stdout.equals(native.stdout), `${name}, ${form}, npx: native bytes`);
      if (form.startsWith('gzip')) {
        for (const [how, r] of Object.entries({ whole, pieces })) {
          assert.equal(r.error, undefined, `${name}, ${form}, ${how}: ${r.error?.message}`);
          assert.ok(r.output.equals(native.stdout), `${name}, ${form}, ${how}: native bytes`);
        }
        continue;
      }
      for (const [how, r] of Object.entries({ whole, pieces })) {
        assert.equal(r.error?.code, 'input', `${name}, ${form}, ${how}`);
        assert.match(r.error.message, reactorNoCodec, `${name}, ${form}, ${how}`);
      }
    }
  }
});

// A pprof profile written here (Go-CPU-shaped: samples/count + cpu/nanoseconds,
// a thread_name label), gzipped as every pprof writer does, and the real
// gzipped pprof files of ../shared when present, plus a gzipped OTLP request.
function gzippedProfiles() {
  const functions = ['main.main', 'main.work', 'runtime.memmove'].map((name, i) => ({ id: i + 1, name }));
  const written = pprofBytes({
    sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds']],
    periodType: ['cpu', 'nanoseconds'], period: 10_000_000, timeNanos: 1_700_000_000_000_000_000n,
    durationNanos: 2_000_000_000,
    functions,
    locations: functions.map((f) => ({ id: f.id, lines: [{ function: f.id }] })),
    samples: [
      { locations: [2, 1], values: [30, 300_000_000], labels: [{ key: 'thread_name', str: 'worker' }] },
      { locations: [3, 2, 1], values: [7, 70_000_000], labels: [{ key: 'thread_name', str: 'main' }] },
    ],
  });
  const profiles = [
    { name: 'a pprof profile written by the test, gzipped', bytes: gzip(written) },
    { name: 'cpu-ebpf.pb, gzipped (an OTLP/HTTP body)', bytes: gzip(readFileSync(join(fixtures, 'cpu-ebpf.pb'))) },
  ];
  if (haveShared) {
    for (const file of ['cpu.pb.gz', 'heap.pb.gz', 'nodejs-wall.pb.gz']) {
      profiles.push({ name: `../shared pprof ${file}`, bytes: readFileSync(join(shared, 'pprof', file)) });
    }
  }
  return profiles;
}

test('a gzipped pprof profile and a gzipped OTLP request: the native CLI, the WASI command, the npm API and npx profiletometrics convert them alike', { skip: sanitized && 'the ASan run checks the native build' }, () => {
  const profiles = gzippedProfiles();
  for (const { name, bytes } of profiles) {
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], `${name} is gzipped`);
    const file = scratchFile('profile.gz');
    writeFileSync(file, bytes);
    for (const format of ['otlp', 'prom']) {
      const native = ptm(['-f', format, '--stats', file]);
      assert.equal(native.code, 0, `${name}: ${native.stderr}`);
      assert.ok(statsOf(native.stderr).samples_kept > 0, `${name}: samples kept`);
      const wasi = wasmtime(['-f', format, '-'], bytes);
      assert.equal(wasi.code, 0, `${name}, wasmtime: ${wasi.stderr}`);
      assert.ok(wasi.stdout.equals(native.stdout), `${name}, -f ${format}: wasmtime gives the native bytes`);
      const converter = createConverter();
      const api = converter.convert(bytes, { format, bytes: true });
      converter.close();
      assert.ok(Buffer.from(api.output).equals(native.stdout), `${name}, -f ${format}: the npm API gives the native bytes`);
      assert.deepEqual(api.stats, statsOf(native.stderr), `${name}: npm API stats`);
      const cli = npmCli(['-f', format, file]);
      assert.equal(cli.code, 0, `${name}, npx: ${cli.stderr}`);
      assert.ok(cli.stdout.equals(native.stdout), `${name}, -f ${format}: npx profiletometrics gives the native bytes`);
    }
  }
  // The written profile's CPU time, worked out by hand: (300 + 70) ms; the
  // count-based type next to the direct one is not counted twice.
  const prom = ptm(['-f', 'prom', '-'], profiles[0].bytes).stdout.toString();
  assert.match(prom, /^profile_cpu_time_seconds_total\{thread_name="worker"\} 0\.3$/m);
  assert.match(prom, /^profile_cpu_time_seconds_total\{thread_name="main"\} 0\.07$/m);
  assert.match(prom, /^profile_function_self_cpu_time_seconds_total\{code_function_name="main\.work"\} 0\.3$/m);
  assert.match(prom, /^profile_function_inclusive_cpu_time_seconds_total\{code_function_name="main\.main"\} 0\.37$/m);
});

const request = inputs.find((i) => i.name === 'cpu-ebpf.pb');

test('truncated compressed input, cut anywhere: exit 1 and the truncated message, on every host', () => {
  for (const [codec, bytes] of [['gzip', request.forms.gzip], ['zstd', request.forms.zstd]]) {
    const cuts = [1 + (codec === 'zstd' ? 3 : 1), 20, bytes.length >> 2, bytes.length >> 1, bytes.length - 9, bytes.length - 1];
    for (const cut of cuts) {
      const expected = `ptm: input: ${codec}-compressed input is truncated\n`;
      const runs = { native: ptm(['-'], bytes.subarray(0, cut)) };
      if (!sanitized) runs.wasmtime = wasmtime(['-'], bytes.subarray(0, cut));
      for (const [host, run] of Object.entries(runs)) {
        assert.equal(run.code, 1, `${host}: ${codec} cut at ${cut}`);
        assert.equal(run.stderr, expected, `${host}: ${codec} cut at ${cut}`);
        assert.equal(run.stdout.length, 0);
      }
    }
  }
});

test('corrupt compressed input: exit 1 and the corrupt message with the library\'s reason', () => {
  for (const [codec, bytes] of [['gzip', request.forms.gzip], ['zstd', request.forms.zstd]]) {
    for (const at of [bytes.length >> 2, bytes.length >> 1, bytes.length - 5]) {
      const bad = Buffer.from(bytes);
      bad[at] ^= 0x55;
      const run = ptm(['-'], bad);
      assert.equal(run.code, 1, `${codec}, byte ${at}`);
      assert.match(run.stderr, new RegExp(`^ptm: input: ${codec}-compressed input is corrupt: [^\\n]+\\n$`), `${codec}, byte ${at}`);
    }
  }
  const trailing = ptm(['-'], Buffer.concat([request.forms.gzip, Buffer.from('\n')]));
  assert.equal(trailing.code, 1);
  assert.equal(trailing.stderr, 'ptm: input: gzip-compressed input has bytes after its last member that are not gzip\n');
});

/** ptm on the output of a shell pipeline, under /usr/bin/time: exit code, stderr, peak RSS in bytes. */
function ptmOnPipe(pipeline, args = []) {
  const rss = scratchFile('rss.txt');
  const command = `${pipeline} | /usr/bin/time -f %M -o '${rss}' '${ptmPath}' ${args.join(' ')} -`;
  const run = spawnSync('sh', ['-c', command], { maxBuffer: 1 << 30 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr.toString(), rss: Number(readFileSync(rss, 'utf8').trim().split('\n').pop()) * 1024 };
}

test('a bomb (1 GB of zeros, gzip -9 or zstd): exit 1 naming max_input_bytes, memory bounded by it', () => {
  const limit = 67108864;
  for (const [codec, compress] of [['gzip', 'gzip -9 -c'], ['zstd', 'zstd -q -c']]) {
    const run = ptmOnPipe(`head -c 1000000000 /dev/zero | ${compress}`);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, `ptm: input: ${codec}-compressed input decompresses to more than max_input_bytes (${limit}); stopped there\n`);
    assert.equal(run.stdout.length, 0);
    // held whole (zeros are neither JSON nor length-prefixed): at most the
    // limit, plus the copy made while the held input grows
    assert.ok(sanitized || run.rss < 2.5 * limit, `${codec}: peak RSS ${run.rss} bytes`);
  }
});

test('a bomb against a small max_input_bytes: stopped at it whatever decompresses (zeros, white space, JSON Lines)', () => {
  const config = scratchFile('config.json');
  writeFileSync(config, JSON.stringify({ max_input_bytes: 1000000 }));
  const line = JSON.stringify({ resourceProfiles: [] });
  const bombs = {
    zeros: 'head -c 100000000 /dev/zero',
    'white space': "head -c 100000000 /dev/zero | tr '\\0' ' '",
    'JSON Lines of empty requests': `yes '${line}' | head -c 100000000`,
  };
  for (const [what, source] of Object.entries(bombs)) {
    for (const codec of ['gzip', 'zstd']) {
      const run = ptmOnPipe(`${source} | ${codec} -c`, ['-c', config]);
      assert.equal(run.code, 1, `${what}, ${codec}: ${run.stderr}`);
      assert.equal(run.stderr, `ptm: input: ${codec}-compressed input decompresses to more than max_input_bytes (1000000); stopped there\n`, `${what}, ${codec}`);
      assert.ok(sanitized || run.rss < 40 * 1024 * 1024, `${what}, ${codec}: peak RSS ${run.rss} bytes`);
    }
  }
});
