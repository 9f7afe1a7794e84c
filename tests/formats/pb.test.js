// pb.test.js: checks tests/lib/pb.js: the wire primitives, and that
// profilesRequest(json) encodes the same request as pdata's official
// ProtoMarshaler did for the .json/.pb fixture pairs (tests/fixtures, written
// by tests/go/cmd/fixturegen) and for the shared real eBPF capture.
//
// Why not byte-for-byte: pdata's generated marshaler writes every message
// back to front, so its fields come out in *descending* field-number order
// (e.g. the dictionary, field 2, before the resource profiles, field 1), and
// it writes empty singular sub-messages (an empty period_type, resource, ...)
// that a JSON document may leave out. Both are legal protobuf and decode to
// the same message, so the two encodings are compared in canonical() form:
// fields by number, repeated fields as lists, defaults dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writer, profilesRequest, canonical } from '../lib/pb.js';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..'); // tests/
const fixtures = join(here, 'fixtures');
const shared = resolve(here, '..', '..', 'shared', 'fixtures');

const hex = (u8) => Buffer.from(u8).toString('hex');

test('varint, negative int64, fixed64, double, packed', () => {
  assert.equal(hex(new Writer().rawVarint(0).finish()), '00');
  assert.equal(hex(new Writer().rawVarint(300).finish()), 'ac02');
  assert.equal(hex(new Writer().rawVarint(-1).finish()), 'ffffffffffffffffff01');
  assert.equal(hex(new Writer().rawVarint(2n ** 63n - 1n).finish()), 'ffffffffffffffff7f');
  assert.equal(hex(new Writer().rawVarint('1767225600000000000').finish()), '8080e8ef9eca9cc318');
  assert.equal(hex(new Writer().fixed64(3, 1n).finish()), '190100000000000000');
  assert.equal(hex(new Writer().fixed64(3, '18446744073709551615').finish()), '19ffffffffffffffff');
  assert.equal(hex(new Writer().double(4, 1.5).finish()), '21000000000000f83f');
  assert.equal(hex(new Writer().varint(1, 0).finish()), '', 'zero scalars are omitted');
  assert.equal(hex(new Writer().varint(1, 0, true).finish()), '0800', 'unless always');
  assert.equal(hex(new Writer().packedVarint(2, [1, 150, 3]).finish()), '1204019601' + '03');
  assert.equal(hex(new Writer().packedFixed64(5, [1n]).finish()), '2a080100000000000000');
  assert.equal(hex(new Writer().message(1, new Writer()).finish()), '0a00');
  assert.equal(hex(new Writer().message(1, new Writer().string(1, 'hi')).finish()), '0a040a026869');
});

test('canonical() reads packed and unpacked repeated fields alike', () => {
  const packed = new Writer().message(7, new Writer().packedVarint(1, [3, 2, 1])).finish();
  const unpacked = new Writer().message(7, new Writer().varint(1, 3).varint(1, 2).varint(1, 1)).finish();
  assert.deepEqual(canonical(packed, 'ProfilesDictionary'), canonical(unpacked, 'ProfilesDictionary'));
  assert.deepEqual(canonical(packed, 'ProfilesDictionary'), { 7: [{ 1: ['3', '2', '1'] }] });
});

test('profilesRequest: string_value_strindex and key_strindex', () => {
  const req = {
    resourceProfiles: [{ resource: { attributes: [{ keyStrindex: 1, value: { stringValueStrindex: 2 } }, { key: 'k', value: { intValue: '-5' } }] } }],
    dictionary: { stringTable: ['', 'service.name', 'svc'] },
  };
  const c = canonical(profilesRequest(req));
  assert.deepEqual(c[1][0][1][1], [{ 2: { 8: '2' }, 3: '1' }, { 1: 'k', 2: { 3: '-5' } }]);
  assert.deepEqual(c[2][5], ['', 'service.name', 'svc']);
});

for (const name of ['cpu-ebpf', 'memory', 'cpu-pprof']) {
  test(`profilesRequest(${name}.json) encodes what pdata wrote to ${name}.pb`, () => {
    const json = JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8'));
    const pb = readFileSync(join(fixtures, `${name}.pb`));
    const ours = profilesRequest(json);
    assert.deepEqual(canonical(ours), canonical(pb));
  });
}

test('multi.jsonl: every line encodes and reads back', () => {
  const lines = readFileSync(join(fixtures, 'multi.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 2);
  for (const l of lines) {
    const json = JSON.parse(l);
    const c = canonical(profilesRequest(json));
    assert.deepEqual(c[2][5], json.dictionary.stringTable);
    assert.equal(c[1].length, json.resourceProfiles.length);
  }
});

test('shared real capture: ebpf-oncpu-offcpu.json encodes like ebpf-oncpu-offcpu.pb', (t) => {
  const j = join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.json');
  const p = join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb');
  if (!existsSync(j) || !existsSync(p)) {
    t.skip(`shared fixtures not found at ${shared}`);
    return;
  }
  const ours = profilesRequest(JSON.parse(readFileSync(j, 'utf8')));
  assert.deepEqual(canonical(ours), canonical(readFileSync(p)));
});
