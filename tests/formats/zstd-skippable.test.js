// zstd-skippable.test.js: zstd skippable frames (magic 0x184D2A50 to
// 0x184D2A5F) anywhere in a zstd input are skipped, as `zstd -d` does
// (issue 28, row 7). Before, an input starting with one, as pzstd writes,
// was not seen as compressed and was refused as "malformed protobuf ...
// zero tag". An input of skippable frames only is no input: it converts to
// nothing, like an empty file. The native CLI, the WASI command and the npm
// CLI (the same WASI command) give the plain input's bytes; the wasm reactor
// (the npm API) has no zstd decompressor and names it, as for any zstd
// input. The Envoy filter: tests/go/proxywasm
// (TestZstdSkippableFrames).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pzstd, reactorNoCodec, skippableFrame, zstd } from '../lib/compress.js';
import { freshPackage, npmCli, requireDist } from '../lib/npm.js';
import { fixtures, ptm, wasmtime } from '../lib/run.js';

const sanitized = process.env.PTM_BIN !== undefined;


const plain = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
const json = readFileSync(join(fixtures, 'multi.jsonl'));
const skip = (n, size) => skippableFrame(Buffer.alloc(size, 0xa5), n);

// Each form of a plain input, with skippable frames first, between frames and last.
function forms(bytes) {
  const cut = bytes.length >> 1;
  return {
    'skippable first': Buffer.concat([skip(0, 4), zstd(bytes)]),
    'skippable first, magic 0x184D2A5F, empty': Buffer.concat([skip(15, 0), zstd(bytes)]),
    'skippable between frames': Buffer.concat([zstd(bytes.subarray(0, cut)), skip(7, 100), skip(3, 1), zstd(bytes.subarray(cut))]),
    'skippable last': Buffer.concat([zstd(bytes), skip(1, 16)]),
    'skippable everywhere': Buffer.concat([skip(2, 8), zstd(bytes.subarray(0, cut)), skip(9, 0), zstd(bytes.subarray(cut)), skip(5, 3)]),
  };
}

test('pzstd output starts with a skippable frame', { skip: pzstd(Buffer.from('x')) === null && 'no pzstd' }, () => {
  const bytes = pzstd(plain);
  assert.deepEqual([...bytes.subarray(1, 4)], [0x2a, 0x4d, 0x18]);
  assert.equal(bytes[0] & 0xf0, 0x50);
});

for (const [name, input, args] of [['cpu-ebpf.pb', plain, ['-f', 'prom', '--stats', '-']], ['multi.jsonl', json, ['-f', 'otlp', '--stats', '-']]]) {
  test(`${name}: zstd with skippable frames, and pzstd's output, give the plain input's bytes (native, WASI, npm CLI)`, () => {
    const reference = ptm(args, input);
    assert.equal(reference.code, 0, reference.stderr);
    const all = forms(input);
    const made = pzstd(input);
    if (made !== null) all.pzstd = made;
    for (const [form, bytes] of Object.entries(all)) {
      const hosts = [['native', ptm(args, bytes)]];
      if (!sanitized) hosts.push(['WASI', wasmtime(args, bytes)], ['npm CLI', npmCli(args, bytes)]);
      for (const [host, run] of hosts) {
        assert.equal(run.code, 0, `${form}, ${host}: ${run.stderr}`);
        assert.ok(run.stdout.equals(reference.stdout), `${form}, ${host}: the plain input's bytes`);
        assert.equal(run.stderr, reference.stderr, `${form}, ${host}: the plain input's stats`);
      }
    }
  });
}

test('a file of skippable frames only is no input: the output and stats of an empty file (native, WASI, npm CLI)', () => {
  const args = ['-f', 'otlp', '--stats', '-'];
  const empty = ptm(args, Buffer.alloc(0));
  assert.equal(empty.code, 0, empty.stderr);
  for (const bytes of [skip(0, 0), skip(0, 12), Buffer.concat([skip(4, 3), skip(15, 0), skip(10, 70000)])]) {
    for (const [host, run] of [['native', ptm(args, bytes)], ...(sanitized ? [] : [['WASI', wasmtime(args, bytes)], ['npm CLI', npmCli(args, bytes)]])]) {
      assert.equal(run.code, 0, `${host}: ${run.stderr}`);
      assert.ok(run.stdout.equals(empty.stdout), `${host}: an empty file's output`);
      assert.equal(run.stderr, empty.stderr, `${host}: an empty file's stats`);
    }
  }
});

test('a skippable frame cut short: the truncated message, not malformed protobuf', () => {
  const cut = Buffer.concat([skip(0, 100), zstd(plain)]).subarray(0, 50);
  const run = ptm(['-f', 'prom', '-'], cut);
  assert.equal(run.code, 1);
  assert.doesNotMatch(run.stderr, /malformed protobuf/);
  assert.match(run.stderr, /zstd/);
});

test('npm API (the wasm reactor): a skippable frame first is zstd, named as missing from the reactor', { skip: sanitized && 'the ASan run checks the native build' }, async () => {
  requireDist();
  const { init, createConverter } = await freshPackage();
  await init();
  for (const bytes of [forms(plain)['skippable first'], skip(0, 8)]) {
    const converter = createConverter();
    assert.throws(() => converter.convert(bytes, { format: 'prom' }), (error) => error.code === 'input' && reactorNoCodec.test(error.message));
    converter.close();
  }
});
