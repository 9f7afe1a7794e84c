// make-pprof-seeds.mjs DIR: writes small synthetic pprof profiles (uncompressed,
// tests/lib/pprof.js) into DIR, one file each, for the seeds of fuzz_pprof
// (tests/fuzz/make-seeds.sh puts the selector byte before each). Between them
// they reach every part of src/decode/pprof_decode.c: each sample type the converter
// knows, period types, renamed and plain labels (string and numeric, with a
// unit), inlined lines, mappings, ids in and out of order, a table without
// ids (.NET), a location and a function id that name nothing, unknown fields,
// and the empty profile.
// Usage: node tests/fuzz/make-pprof-seeds.mjs DIR   (Node 20)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writer } from '../lib/pb.js';
import { cpuProfile, pprofBytes } from '../lib/pprof.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: make-pprof-seeds.mjs DIR');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });

const frames = {
  mappings: [{ id: 1, start: 0x1000, limit: 0x9000, filename: '/usr/lib/libc.so.6' }, { id: 2, filename: 'app' }],
  locations: [
    { id: 1, mapping: 2, address: 0x1100, lines: [{ function: 1, line: 3 }] },
    { id: 2, mapping: 2, address: 0x1200, lines: [{ function: 3, line: 9 }, { function: 2, line: 20 }] },
    { id: 3, mapping: 1, address: 0x2000 },
  ],
  functions: [{ id: 1, name: 'main' }, { id: 2, name: 'handle_request', systemName: '_Z14handle_requestv' }, { id: 3, name: 'runtime.mallocgc' }],
};

const seeds = {
  'cpu-go': cpuProfile(),
  'heap-go': {
    ...frames,
    sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']],
    samples: [
      { locations: [2, 1], values: [4, 4096, 1, 1024], labels: [{ key: 'bytes', num: 1024, unit: 'bytes' }] },
      { locations: [3, 1], values: [1, 64, 0, 0] },
    ],
    periodType: ['space', 'bytes'],
    period: 524288,
    timeNanos: 1700000000000000000n,
  },
  'wall-node': {
    ...frames,
    sampleTypes: [['sample', 'count'], ['wall', 'microseconds']],
    samples: [{ locations: [1], values: [1, 1000] }, { locations: [2, 1], values: [3, 3000], labels: [{ key: 'threadId', num: 7 }] }],
    periodType: ['wall', 'microseconds'],
    period: 1000,
    durationNanos: 5000000000,
  },
  'labels-renamed-and-plain': {
    ...frames,
    sampleTypes: [['cpu', 'nanoseconds'], ['off_cpu', 'nanoseconds']],
    samples: [
      { locations: [1], values: [10, 0], labels: [{ key: 'thread_name', str: 'io' }, { key: 'pid', num: 42 }, { key: 'process_name', str: 'nginx' }] },
      { locations: [2, 1], values: [0, 20], labels: [{ key: 'tid', num: 9 }, { key: 'span', str: 'GET /' }, { key: 'thread name', str: 'io' }] },
      { locations: [3], values: [5, 5], labels: [{ key: 'thread_id', str: '12' }, { key: 'unknown.key', num: -3, unit: 'things' }] },
    ],
  },
  'mutex-contentions': {
    ...frames,
    sampleTypes: [['contentions', 'count'], ['delay', 'nanoseconds']],
    samples: [{ locations: [2, 1], values: [3, 9000] }],
    periodType: ['contentions', 'count'],
    period: 1,
  },
  'dotnet-functions-without-ids': {
    sampleTypes: [['cpu', 'nanoseconds']],
    samples: [{ locations: [1, 2], values: [100] }, { locations: [2], values: [50] }],
    locations: [{ id: 1, lines: [{ function: 2 }] }, { id: 2, lines: [{ function: 1 }] }],
    functions: [{ name: 'Program.Main' }, { name: 'Worker.Run' }],
  },
  'ids-out-of-order': {
    sampleTypes: [['cpu', 'nanoseconds']],
    samples: [{ locations: [700, 30], values: [8] }, { locations: [30], values: [2] }],
    mappings: [{ id: 90, filename: 'lib.so' }],
    locations: [{ id: 700, mapping: 90, lines: [{ function: 5 }] }, { id: 30, mapping: 90, lines: [{ function: 11 }] }],
    functions: [{ id: 11, name: 'outer' }, { id: 5, name: 'inner' }],
  },
  'ids-naming-nothing': {
    ...frames,
    sampleTypes: [['cpu', 'nanoseconds']],
    samples: [{ locations: [1], values: [1] }, { locations: [99], values: [2] }, { locations: [4], values: [3] }],
    locations: [...frames.locations, { id: 4, mapping: 77, lines: [{ function: 55 }] }],
  },
  'unknown-fields': {
    ...cpuProfile(),
    extra: new Writer().tag(100, 0).rawVarint(5).tag(101, 2).rawVarint(2).rawBytes([1, 2]).tag(102, 1).rawFixed64(3).tag(103, 5).rawBytes([1, 2, 3, 4]).finish(),
  },
  'comments-and-frame-filters': {
    ...cpuProfile(),
    extra: new Writer().varint(7, 3).varint(8, 4).packedVarint(13, [1, 2]).varint(14, 1).varint(15, 2).finish(),
  },
  empty: { sampleTypes: [] },
};

for (const [name, shape] of Object.entries(seeds)) writeFileSync(join(dir, `synthetic-${name}.pprof`), pprofBytes(shape));
