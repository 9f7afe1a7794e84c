// pprof.test.js: pprof input through the native CLI.
//  - every file of ../shared/fixtures/pprof (skipped when absent), gunzipped
//    when gzipped, converts with `-i auto` and with `-i pprof` to the same
//    bytes and stats; samples_kept > 0, and samples_total is its samples times
//    its sample types (counted here by walking the profile's top-level fields);
//  - the gzipped files as they are (also with -i pprof) convert to the bytes
//    of their decompressed form;
//  - `-i json` on a pprof profile fails with exit 1, `-i bogus` exits 2 with
//    the usage message;
//  - an OTLP request that is also a pprof profile (an empty top-level field 6):
//    exit 1 asking which it is; `-i otlp` converts it as the request without
//    that field; `-i pprof` fails naming the field at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fixtures, ptm, shared, statsOf } from '../lib/run.js';

const dir = join(shared, 'pprof');
const names = existsSync(dir) ? readdirSync(dir).sort() : [];
const skipShared = names.length === 0 ? `no pprof fixtures in ${dir}` : false;
const isGzip = (bytes) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** A protobuf message's top-level fields, in order: {no, wire, start, end} (start, end: the content of a length-delimited one). */
function topLevelFields(bytes) {
  const fields = [];
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[at++];
      assert.ok(byte !== undefined, 'a varint past the end');
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const tag = varint();
    const field = { no: Number(tag >> 3n), wire: Number(tag & 7n) };
    fields.push(field);
    if (field.wire === 0) varint();
    else if (field.wire === 1) at += 8;
    else if (field.wire === 2) {
      const length = Number(varint());
      Object.assign(field, { start: at, end: at + length });
      at += length;
    }
    else if (wire === 5) at += 4;
    else assert.fail(`wire type ${field.wire}`);
  }
  assert.equal(at, bytes.length, 'the last field ends with the input');
  return fields;
}

const convert = (args, input) => ptm([...args, '-f', 'otlp', '--stats', '-'], input);

for (const name of names) {
  const raw = readFileSync(join(dir, name));
  const bytes = isGzip(raw) ? gunzipSync(raw) : raw;

  test(`pprof ${name}: -i auto and -i pprof give the same bytes, samples kept`, { skip: skipShared }, () => {
    const auto = convert(['-i', 'auto'], bytes);
    const pprof = convert(['-i', 'pprof'], bytes);
    assert.equal(auto.code, 0, auto.stderr);
    assert.equal(pprof.code, 0, pprof.stderr);
    assert.ok(auto.stdout.equals(pprof.stdout), 'the same output bytes');
    const stats = statsOf(auto.stderr);
    assert.deepEqual(statsOf(pprof.stderr), stats);
    assert.ok(stats.samples_kept > 0, JSON.stringify(stats));
    const fields = topLevelFields(bytes);
    const types = fields.filter((f) => f.no === 1).length;
    const samples = fields.filter((f) => f.no === 2).length;
    assert.equal(stats.samples_total, samples * types, `${samples} samples of ${types} sample types`);
    assert.equal(stats.profiles, types);
  });

  if (!isGzip(raw)) continue;
  test(`pprof ${name} gzipped, as it is: the bytes of its decompressed form`, { skip: skipShared }, () => {
    const direct = convert(['-i', 'auto'], raw);
    const plain = convert(['-i', 'auto'], bytes);
    assert.equal(direct.code, 0, direct.stderr);
    assert.ok(direct.stdout.equals(plain.stdout), 'the bytes of the decompressed profile');
    assert.deepEqual(statsOf(direct.stderr), statsOf(plain.stderr));
    const forced = convert(['-i', 'pprof'], raw);
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(forced.stdout.equals(plain.stdout), '-i pprof: the same bytes');
  });
}

/** A small pprof profile of the shared fixtures, or of tests/lib/pprof.js when they are absent. */
async function somePprof() {
  if (names.length > 0) {
    const raw = readFileSync(join(dir, names[0]));
    return isGzip(raw) ? gunzipSync(raw) : raw;
  }
  const { cpuProfile, pprofBytes } = await import('../lib/pprof.js');
  return pprofBytes(cpuProfile());
}

test('-i json on a pprof profile: exit 1, not JSON', async () => {
  const run = convert(['-i', 'json'], await somePprof());
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout.length, 0);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('ptm: '));
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /^ptm: input line 1, column 1: not valid JSON( \(and \d+ more requests refused\))?$/);
});

test('-i bogus: exit 2 with the usage message', () => {
  const run = ptm(['-i', 'bogus', join(fixtures, 'cpu-ebpf.pb')]); // refused before reading
  assert.equal(run.code, 2);
  assert.equal(run.stdout.length, 0);
  assert.equal(run.stderr, 'ptm: unknown input format "bogus" (auto, otlp, json or pprof)\n');
});

test('an OTLP request with an empty field 6: ambiguous; -i otlp converts it, -i pprof names the fault', () => {
  const request = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
  const both = Buffer.concat([request, Buffer.from([0x32, 0x00])]); // field 6, length 0: pprof's string_table[0]
  const auto = convert([], both);
  assert.equal(auto.code, 1);
  assert.equal(auto.stdout.length, 0);
  assert.match(auto.stderr, /^ptm: input: could be an OTLP request or a pprof profile; say which \(ptm -i otlp or -i pprof; ptm_converter_set_input_format\)\n/);
  const otlp = convert(['-i', 'otlp'], both);
  const plain = convert([], request);
  assert.equal(otlp.code, 0, otlp.stderr);
  assert.ok(otlp.stdout.equals(plain.stdout), 'the unknown field 6 skipped: the bytes of the request alone');
  assert.deepEqual(statsOf(otlp.stderr), statsOf(plain.stderr));
  const pprof = convert(['-i', 'pprof'], both);
  assert.equal(pprof.code, 1);
  // The request's first ResourceProfiles is read as a sample_type: its first
  // field 1 or 2 (resource, scope_profiles: messages) stands where the
  // ValueType has its varint type (1) or unit (2); schema_url (3) is skipped.
  const first = topLevelFields(request).find((f) => f.no === 1);
  const inner = topLevelFields(request.subarray(first.start, first.end)).find((f) => f.no === 1 || f.no === 2);
  assert.equal(inner.wire, 2);
  const where = { 1: 'type', 2: 'unit' }[inner.no];
  assert.equal(pprof.stderr.split('\n')[0], `ptm: input: malformed pprof in Profile.sample_type.${where}: wrong wire type`);
});
