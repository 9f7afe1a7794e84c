// encodings.test.js: one request in every valid protobuf encoding converts
// to the same bytes.
//
// The decoder reads every message with one wire reader (src/wire/wire_read.h),
// a Sample's one-byte tags by a switch of their own. These inputs take every
// other road through it: packed fields unpacked, tags one byte longer than
// needed, unknown fields of every wire type in every message, a twelve-byte
// unknown varint, the dictionary sent as two messages that protobuf merges. tests/lib/pb.js's reencode() writes
// them from the fixture's bytes; each must convert exactly as the fixture
// does, and each must differ from the fixture's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, haveShared, ptm, shared } from '../lib/run.js';
import { canonical, reencode } from '../lib/pb.js';

const inputs = [
  join(fixtures, 'cpu-ebpf.pb'),
  join(fixtures, 'memory.pb'),
  join(fixtures, 'cpu-pprof.pb'),
  join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb'),
];

const variants = {
  unpacked: { unpack: true },
  'padded tags': { padTags: true },
  'unknown fields': { unknown: true },
  'split dictionary': { splitDictionary: true },
  'all at once': { unpack: true, padTags: true, unknown: true, splitDictionary: true },
  'twelve-byte unknown varint': { longUnknown: true },
};

function convert(bytes) {
  const run = ptm(['-f', 'json', '--stats', '-'], Buffer.from(bytes));
  assert.equal(run.code, 0, run.stderr.toString());
  return { stdout: run.stdout.toString(), stats: run.stderr.toString() };
}

for (const path of inputs) {
  const name = path.split('/').slice(-1)[0];
  const skip = !existsSync(path) && (path.startsWith(shared) && !haveShared ? 'no ../shared fixtures' : `no ${path}`);
  test(`encodings: ${name}`, { skip }, async (t) => {
    const original = readFileSync(path);
    const expected = convert(original);
    assert.ok(expected.stdout.length > 100, 'the fixture converts to something');
    for (const [variant, options] of Object.entries(variants)) {
      await t.test(variant, () => {
        const bytes = reencode(original, options);
        assert.notDeepEqual(Buffer.from(bytes), original, 'a different encoding');
        if (!options.unknown && !options.splitDictionary && !options.longUnknown) {
          assert.deepEqual(canonical(bytes), canonical(original), 'the same message');
        }
        const got = convert(bytes);
        assert.equal(got.stdout, expected.stdout);
        assert.equal(got.stats, expected.stats);
      });
    }
  });
}
