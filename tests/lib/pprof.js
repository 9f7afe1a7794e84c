// pprof.js: writes pprof Profiles (perftools.profiles.Profile, google/pprof's
// proto/profile.proto, uncompressed) for tests, with tests/lib/pb.js's Writer.
//
// pprofBytes(shape) takes the profile as plain objects; wherever the proto has
// a string index, a JS string is interned into the string table (entry 0 is
// "", as pprof requires) and a number or BigInt is written as the raw index
// (so that a test can name an index past the table). Every message takes
// `extra` (raw bytes appended to it: wrong wire types, unknown fields), and
// the profile `strings` (entries appended after the interned ones) and
// `noStringTable` (write none at all).
//
//   {sampleTypes: [[type, unit, extra]], samples: [{locations: [id], values: [v],
//    labels: [{key, str, num, unit}]}], mappings: [{id, filename}],
//    locations: [{id, mapping, address, lines: [{function, line}]}],
//    functions: [{id, name, systemName, filename}], periodType: [type, unit, extra],
//    period, timeNanos, durationNanos}
//
// Fields are written in google/pprof's order (sample_type, sample, mapping,
// location, function, string_table, time_nanos, duration_nanos, period_type,
// period); zero scalars are left out, as proto3 writers do.
import { Writer } from './pb.js';

const cat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(p instanceof Writer ? p.finish() : p ?? [])));

/** The bytes of a pprof Profile given as above (a Buffer). */
export function pprofBytes(p) {
  const strings = [''];
  const indices = new Map([['', 0]]);
  const s = (v) => {
    if (v === undefined) return 0;
    if (typeof v !== 'string') return v;
    if (!indices.has(v)) {
      indices.set(v, strings.length);
      strings.push(v);
    }
    return indices.get(v);
  };
  const valueType = ([type, unit, extra]) => cat(new Writer().varint(1, s(type)).varint(2, s(unit)), extra);
  const label = (l) => cat(new Writer().varint(1, s(l.key)).varint(2, s(l.str)).varint(3, l.num ?? 0).varint(4, s(l.unit)), l.extra);
  const sample = (x) => {
    const out = new Writer().packedVarint(1, x.locations ?? []).packedVarint(2, x.values ?? []);
    for (const l of x.labels ?? []) out.message(3, label(l));
    return cat(out, x.extra);
  };
  const mapping = (m) => cat(new Writer().varint(1, m.id ?? 0).varint(2, m.start ?? 0).varint(3, m.limit ?? 0).varint(5, s(m.filename)), m.extra);
  const location = (l) => {
    const out = new Writer().varint(1, l.id ?? 0).varint(2, l.mapping ?? 0).varint(3, l.address ?? 0);
    for (const line of l.lines ?? []) out.message(4, cat(new Writer().varint(1, line.function ?? 0).varint(2, line.line ?? 0), line.extra));
    return cat(out, l.extra);
  };
  const fn = (f) => cat(new Writer().varint(1, f.id ?? 0).varint(2, s(f.name)).varint(3, s(f.systemName)).varint(4, s(f.filename)), f.extra);

  const out = new Writer();
  for (const t of p.sampleTypes ?? []) out.message(1, valueType(t));
  for (const x of p.samples ?? []) out.message(2, sample(x));
  for (const m of p.mappings ?? []) out.message(3, mapping(m));
  for (const l of p.locations ?? []) out.message(4, location(l));
  for (const f of p.functions ?? []) out.message(5, fn(f));
  const periodType = p.periodType ? valueType(p.periodType) : null;
  if (!p.noStringTable) {
    for (const text of [...strings, ...(p.strings ?? [])]) out.string(6, text, true);
  }
  out.varint(9, p.timeNanos ?? 0).varint(10, p.durationNanos ?? 0);
  if (periodType) out.message(11, periodType);
  out.varint(12, p.period ?? 0);
  return cat(out, p.extra);
}

/**
 * A small CPU profile as Go's runtime/pprof writes one: samples/count and
 * cpu/nanoseconds, period 10 ms, two functions (one inlined into the other),
 * a mapping, a thread label; changes override any top-level member.
 */
export function cpuProfile(changes = {}) {
  return {
    sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds']],
    samples: [
      { locations: [1, 2], values: [2, 20000000], labels: [{ key: 'thread_name', str: 'worker' }] },
      { locations: [2], values: [1, 10000000] },
    ],
    mappings: [{ id: 1, start: 0x400000, limit: 0x500000, filename: '/usr/bin/app' }],
    locations: [
      { id: 1, mapping: 1, address: 0x401000, lines: [{ function: 2, line: 12 }, { function: 1, line: 40 }] },
      { id: 2, mapping: 1, address: 0x402000, lines: [{ function: 1, line: 44 }] },
    ],
    functions: [{ id: 1, name: 'main.main', systemName: 'main.main', filename: 'main.go' }, { id: 2, name: 'main.leaf', filename: 'main.go' }],
    periodType: ['cpu', 'nanoseconds'],
    period: 10000000,
    timeNanos: 1700000000000000000n,
    durationNanos: 1000000000,
    ...changes,
  };
}
