// malformed-cases.js: a table of malformed (and borderline) inputs for the
// converter, shared by tests/robustness/malformed.test.js (native CLI) and
// tests/robustness/wasm-robustness.test.js (the reactor, its raw ABI and the WASI
// command).
//
// Each case is {name, bytes, expect} plus, for some, `family` (the
// truncation family), `todo` (the converter's current behaviour is believed
// wrong: expect holds what docs/semantics.md and docs/cli.md say should
// happen, and the case is reported as a known failure, not encoded as right)
// `checkJson` (also convert with -f json and JSON.parse every line) or
// `input` (the input format, `-i INPUT`; auto-detected when absent).
//
//   expect: {exit: 1, message: /regex/}   the input is not a valid request;
//           the regex is matched against the one `ptm: ...` line
//   expect: {exit: 0, stats: {samples_total, samples_kept, samples_invalid,
//           samples_skipped, samples_filtered}}   converted, counts exact
//   expect: {exit: 4, stats, refused: [/regex/, ...]}   OTLP/JSON whose
//           requests listed in refused were left out (each regex matches one
//           `ptm: input line N...` line, in order) and the rest converted
//
// Expected outcomes come from docs/semantics.md (counting: an index outside
// its table, values/timestamps of different non-zero lengths, a negative
// value or a non-convertible profile make a sample invalid; unknown sample
// types are skipped), docs/cli.md (exit 1 for truncated input, wrong wire
// types, garbage, malformed JSON) and the protobuf encoding rules (unknown
// fields of every wire type are skipped; an int32 read from a wider varint
// is truncated to 32 bits, as every protobuf runtime does; groups are not
// refused, as they were by nanopb).
//
// Built with tests/lib/pb.js's Writer; the request structure is written by
// hand here (not with profilesRequest) so that any level can carry a wrong,
// unknown or truncated field. The JSON cases are JSON text (Buffers).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { gzip, lengthPrefixed, reactorNoCodec, zstd } from './compress.js';
import { Writer, profilesRequest } from './pb.js';
import { pprofBytes } from './pprof.js';
import { expectedMetrics } from './expect.js';
import { fixtures } from './run.js';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_SGROUP = 3;
const WIRE_EGROUP = 4;
const WIRE_I32 = 5;

const INT64_MAX = (1n << 63n) - 1n;

// ---- raw building blocks ----

const w = () => new Writer();
const bytesOf = (x) => (x instanceof Writer ? x.finish() : x instanceof Uint8Array ? x : Uint8Array.from(x));
const cat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(bytesOf(p))));
/** A raw varint of exactly the given bytes (for overlong / overflowing varints). */
const rawHex = (hex) => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
/** A tag with a wire type, then raw payload bytes. */
const field = (no, wire, payload = []) => cat(w().tag(no, wire), bytesOf(payload));
/** A length-delimited field holding payload. */
const lenField = (no, payload) => w().message(no, bytesOf(payload)).finish();

/** One unknown field (number 900..) of each wire type that protobuf can skip. */
function unknownFields(base = 900) {
  return cat(
    w().tag(base, WIRE_VARINT).rawVarint(123456789012n),
    w().tag(base + 1, WIRE_I64).rawFixed64(0x0102030405060708n),
    w().tag(base + 2, WIRE_LEN).rawVarint(3).rawBytes([1, 2, 3]),
    w().tag(base + 3, WIRE_I32).rawBytes([9, 8, 7, 6]),
  );
}

// The default dictionary: string table, functions (with and without names),
// a mapping, locations (one with an inlined line, one without lines),
// stacks, attributes (thread.name, process.executable.name by strindex),
// two links.
const S = {
  '': 0, cpu: 1, nanoseconds: 2, main: 3, 'thread.name': 4, worker: 5,
  'process.executable.name': 6, app: 7, '/usr/lib/libc.so.6': 8, samples: 9, count: 10,
  alloc_space: 11, bytes: 12, leaf: 13, goroutine: 14, 'service.name': 15, svc: 16, off_cpu: 17,
};
const STRINGS = Object.keys(S);

function defaultDict() {
  return {
    strings: [...STRINGS],
    mappings: [{}, { file: S['/usr/lib/libc.so.6'] }],
    functions: [{}, { name: S.main }, { name: S.leaf }, {}],
    locations: [{}, { mapping: 1, lines: [1] }, { mapping: 1, lines: [2, 1] }, { mapping: 1, lines: [] }, { mapping: 1, lines: [3] }],
    stacks: [[], [1], [2, 1], [3], [4, 1]],
    attributes: [
      {},
      { key: S['thread.name'], value: w().string(1, 'worker', true) },
      { key: S['process.executable.name'], value: w().varint(8, S.app, true) },
    ],
    links: 2,
  };
}

/** ProfilesDictionary bytes from the shape above; extra: raw bytes appended. */
function dictBytes(d) {
  const out = w();
  for (const m of d.mappings ?? []) {
    out.message(1, cat(w().varint(4, m.file ?? 0), m.extra ?? []));
  }
  for (const l of d.locations ?? []) {
    const lw = w().varint(1, l.mapping ?? 0).varint(2, l.address ?? 0);
    for (const fn of l.lines ?? []) lw.message(3, cat(w().varint(1, fn).varint(2, 10), l.lineExtra ?? []));
    out.message(2, cat(lw, l.extra ?? []));
  }
  for (const f of d.functions ?? []) {
    out.message(3, cat(w().varint(1, f.name ?? 0).varint(2, f.system ?? 0), f.extra ?? []));
  }
  for (let i = 0; i < (d.links ?? 0); i++) {
    out.message(4, i === 0 ? w() : w().bytesField(1, new Uint8Array(16).fill(i)).bytesField(2, new Uint8Array(8).fill(i)));
  }
  for (const s of d.strings ?? []) {
    if (typeof s === 'string') out.string(5, s, true);
    else out.bytesField(5, bytesOf(s), true); // raw bytes: non-UTF-8 strings
  }
  for (const a of d.attributes ?? []) {
    const aw = w().varint(1, a.key ?? 0);
    if (a.value !== undefined) aw.message(2, bytesOf(a.value));
    out.message(6, cat(aw, a.extra ?? []));
  }
  for (const s of d.stacks ?? []) out.message(7, cat(w().packedVarint(1, s), []));
  return cat(out, d.extra ?? []);
}

/** Sample bytes: {stack, attrs, link, values, ts, extra}. */
function sampleBytes(s) {
  return cat(
    w().varint(1, s.stack ?? 0).packedVarint(2, s.attrs ?? []).varint(3, s.link ?? 0)
      .packedVarint(4, s.values ?? []).packedFixed64(5, s.ts ?? []),
    s.extra ?? [],
  );
}

/** Profile bytes: {type: [t, u], periodType: [t, u], period, time, duration, samples, attrs, extra}. */
function profileBytes(p) {
  const out = w();
  const [t, u] = p.type ?? [S.cpu, S.nanoseconds];
  out.message(1, w().varint(1, t).varint(2, u));
  for (const s of p.samples ?? []) out.message(2, p.rawSamples ? bytesOf(s) : sampleBytes(s));
  out.fixed64(3, p.time ?? 1000).varint(4, p.duration ?? 0);
  if (p.periodType) out.message(5, w().varint(1, p.periodType[0]).varint(2, p.periodType[1]));
  out.varint(6, p.period ?? 0).packedVarint(11, p.attrs ?? []);
  return cat(out, p.extra ?? []);
}

/** KeyValue bytes (resource attributes): {key, keyStrindex, value (AnyValue bytes)}. */
function keyValueBytes(kv) {
  const out = w();
  if (kv.key !== undefined) out.bytesField(1, typeof kv.key === 'string' ? new TextEncoder().encode(kv.key) : bytesOf(kv.key), true);
  if (kv.value !== undefined) out.message(2, bytesOf(kv.value));
  out.varint(3, kv.keyStrindex ?? 0);
  return cat(out, kv.extra ?? []);
}

/**
 * A request: {resources: [{attrs: [kv], resourceExtra, scopes: [{profiles,
 * scopeExtra, scope}], extra}], dict (shape or null for none), extra,
 * dictFirst}.
 */
function requestBytes(r) {
  const parts = [];
  for (const res of r.resources ?? []) {
    const rw = w();
    if (res.attrs || res.resourceExtra) {
      const resource = w();
      for (const kv of res.attrs ?? []) resource.message(1, keyValueBytes(kv));
      rw.message(1, cat(resource, res.resourceExtra ?? []));
    }
    for (const sc of res.scopes ?? []) {
      const sw = w();
      if (sc.scope !== undefined) sw.message(1, bytesOf(sc.scope));
      for (const p of sc.profiles ?? []) sw.message(2, profileBytes(p));
      rw.message(2, cat(sw, sc.scopeExtra ?? []));
    }
    rw.string(3, res.schemaUrl ?? '');
    parts.push(lenField(1, cat(rw, res.extra ?? [])));
  }
  const dict = r.dict === null ? null : lenField(2, dictBytes(r.dict ?? defaultDict()));
  const ordered = dict === null ? parts : r.dictFirst ? [dict, ...parts] : [...parts, dict];
  return cat(...ordered, r.extra ?? []);
}

/** One resource, one scope, one profile (overrides p) with samples, default dictionary. */
function oneProfile(samples, p = {}, dictChanges = {}, requestChanges = {}) {
  return requestBytes({
    resources: [{ attrs: [{ key: 'service.name', value: w().string(1, 'svc', true) }], scopes: [{ profiles: [{ samples, ...p }] }] }],
    dict: { ...defaultDict(), ...dictChanges },
    ...requestChanges,
  });
}

// ---- expectations ----

const stats = (total, kept, invalid = 0, skipped = 0, filtered = 0) => ({
  exit: 0,
  stats: { samples_total: total, samples_kept: kept, samples_invalid: invalid, samples_skipped: skipped, samples_filtered: filtered },
});
const ok = (kept) => stats(kept, kept);
const fails = (message) => ({ exit: 1, message });
const refused = (converted, ...messages) => ({ exit: 4, stats: converted.stats, refused: messages });
const malformed = (where, what = '.+') => fails(new RegExp(`^ptm: input: malformed protobuf in ${where}: ${what}$`));
const wrongWire = (where) => malformed(where, 'wrong wire type');

const good = { stack: 1, values: [5] };

// ---- the cases ----

const cases = [];
const add = (name, bytes, expect, extra = {}) => cases.push({ name, bytes: Buffer.from(bytesOf(bytes)), expect, ...extra });

// Empty and degenerate requests.
add('empty input (0 bytes)', [], ok(0));
add('empty dictionary only', lenField(2, []), ok(0));
add('no dictionary, one empty resource', lenField(1, []), ok(0));
add('resource without scopes', requestBytes({ resources: [{ attrs: [{ key: 'a', value: w().string(1, 'b', true) }] }] }), ok(0));
add('scope without profiles', requestBytes({ resources: [{ scopes: [{}] }] }), ok(0));
add('profile without samples', requestBytes({ resources: [{ scopes: [{ profiles: [{}] }] }] }), ok(0));
add('empty profile message (no sample_type)', requestBytes({ resources: [{ scopes: [{ scope: [], profiles: [] }] }] }), ok(0));
add('sample with neither values nor timestamps (value 0, kept, no point)', oneProfile([{ stack: 1 }]), ok(1));
add('whitespace only (JSON Lines with no request, like an empty input)', Buffer.from(' \n\t '), ok(0));
add('garbage text', Buffer.from('this is not a request'), malformed('ExportProfilesServiceRequest'));

// Varints that overflow or never end.
add('11-byte varint as the first tag', rawHex('ff ff ff ff ff ff ff ff ff ff 01'), malformed('ExportProfilesServiceRequest', 'varint overflow'));
add('11-byte varint as a length', cat(w().tag(1, WIRE_LEN), rawHex('80 80 80 80 80 80 80 80 80 80 00')), malformed('ExportProfilesServiceRequest', 'varint overflow'));
add('11-byte varint as a sample stack_index', oneProfile([cat(w().tag(1, WIRE_VARINT), rawHex('81 80 80 80 80 80 80 80 80 80 00'))], { rawSamples: true }), malformed('Sample', 'varint overflow'));
add('11-byte varint inside packed values', oneProfile([cat(w().varint(1, 1), lenField(4, rawHex('85 80 80 80 80 80 80 80 80 80 00')))], { rawSamples: true }), malformed('Sample', 'varint overflow'));
add('10-byte varint with bits past 64 (stack_index)', oneProfile([cat(w().tag(1, WIRE_VARINT), rawHex('ff ff ff ff ff ff ff ff ff 7f'))], { rawSamples: true }), malformed('Sample', 'varint overflow'));
// The same 10-byte varint as one unpacked value of a repeated field: still
// 'varint overflow', not 'wrong wire type' (issue 28, row 10; nanopb, which
// read those from a copy, dropped its message), in the dictionary too.
const past64 = rawHex('ff ff ff ff ff ff ff ff ff 7f');
add('10-byte varint with bits past 64 (one unpacked attribute index)', oneProfile([cat(w().varint(1, 1), w().tag(2, WIRE_VARINT), past64)], { rawSamples: true }), malformed('Sample', 'varint overflow'));
add('10-byte varint with bits past 64 (one unpacked value)', oneProfile([cat(w().varint(1, 1), w().tag(4, WIRE_VARINT), past64)], { rawSamples: true }), malformed('Sample', 'varint overflow'));
add('10-byte varint with bits past 64 (one unpacked stack location index)', lenField(2, lenField(7, cat(w().tag(1, WIRE_VARINT), past64))), malformed('ProfilesDictionary', 'varint overflow'));
add('10-byte varint with bits past 64 (one unpacked stack location index, after good stacks)', oneProfile([{ stack: 1, values: [5] }], {}, { extra: lenField(7, cat(w().tag(1, WIRE_VARINT), past64)) }), malformed('ProfilesDictionary', 'varint overflow'));
add('11-byte varint in a string-table length', lenField(2, cat(w().tag(5, WIRE_LEN), rawHex('ff ff ff ff ff ff ff ff ff ff 01'))), malformed('ProfilesDictionary', 'varint overflow'));
add('varint cut off at the end of the input', rawHex('08 80'), malformed('ExportProfilesServiceRequest'));

// Lengths past the end.
add('ResourceProfiles length past the end', cat(w().tag(1, WIRE_LEN).rawVarint(100), [0x12, 0x00]), malformed('ExportProfilesServiceRequest'));
add('dictionary length past the end', cat(w().tag(2, WIRE_LEN).rawVarint(5), [0x2a, 0x00]), malformed('ExportProfilesServiceRequest'));
add('string length past the end of the dictionary', lenField(2, cat(w().tag(5, WIRE_LEN).rawVarint(10), Buffer.from('abc'))), malformed('ProfilesDictionary'));
add('sample length past the end of its profile', oneProfile([cat(w().varint(1, 1), w().tag(4, WIRE_LEN).rawVarint(40), [5])], { rawSamples: true }), malformed('Sample'));
add('length of 2^35 (does not fit 32 bits)', cat(w().tag(1, WIRE_LEN).rawVarint(1n << 35n), [0]), malformed('ExportProfilesServiceRequest'));
add('stack location_indices length past the end of the stack', lenField(2, lenField(7, cat(w().tag(1, WIRE_LEN).rawVarint(9), [1, 2]))), malformed('ProfilesDictionary'));

// Wrong wire types, level by level.
add('request: resource_profiles as a varint', w().varint(1, 5), wrongWire('ExportProfilesServiceRequest'));
add('request: dictionary as a fixed64', w().fixed64(2, 5), wrongWire('ExportProfilesServiceRequest'));
add('dictionary: string_table entry as a varint', rawHex('12 02 28 01'), wrongWire('ProfilesDictionary'));
add('dictionary: mapping_table entry as a varint', lenField(2, w().varint(1, 1)), wrongWire('ProfilesDictionary'));
add('dictionary: location_table entry as a fixed32', lenField(2, field(2, WIRE_I32, [1, 0, 0, 0])), wrongWire('ProfilesDictionary'));
add('dictionary: function_table entry as a varint', lenField(2, w().varint(3, 1)), wrongWire('ProfilesDictionary'));
add('dictionary: link_table entry as a fixed64', lenField(2, w().fixed64(4, 1)), wrongWire('ProfilesDictionary'));
add('dictionary: attribute_table entry as a varint', lenField(2, w().varint(6, 1)), wrongWire('ProfilesDictionary'));
add('dictionary: stack_table entry as a varint', lenField(2, w().varint(7, 1)), wrongWire('ProfilesDictionary'));
add('dictionary: Function.name_strindex as a string', lenField(2, lenField(3, w().string(1, 'x'))), wrongWire('ProfilesDictionary'));
add('dictionary: Location.lines as a varint', lenField(2, lenField(2, w().varint(3, 1))), wrongWire('ProfilesDictionary'));
add('ResourceProfiles: resource as a varint', lenField(1, w().varint(1, 1)), wrongWire('ResourceProfiles'));
add('ResourceProfiles: scope_profiles as a varint', lenField(1, w().varint(2, 1)), wrongWire('ResourceProfiles'));
add('Resource: attributes as a varint', lenField(1, lenField(1, w().varint(1, 1))), wrongWire('Resource'));
add('Resource: KeyValue.key as a varint', lenField(1, lenField(1, lenField(1, w().varint(1, 7)))), malformed('Resource', 'malformed KeyValue'));
add('Resource: AnyValue.string_value as a varint', requestBytes({ resources: [{ attrs: [{ key: 'k', value: w().varint(1, 3) }], scopes: [{ profiles: [{ samples: [good] }] }] }] }),
  malformed('Resource', 'malformed AnyValue \\(wrong wire type or truncated\\)'));
add('ScopeProfiles: profiles as a varint', lenField(1, lenField(2, w().varint(2, 1))), wrongWire('ScopeProfiles'));
// The scope is never read: the wire reader skips a field it does not read
// whatever its wire type, as protobuf-go and C++ skip a wire-type mismatch as
// an unknown field.
add('ScopeProfiles: scope as a varint (never read: skipped)', lenField(1, lenField(2, w().varint(1, 1))), ok(0));
add('Profile: sample_type as a varint', lenField(1, lenField(2, lenField(2, w().varint(1, 1)))), wrongWire('Profile'));
add('Profile: time_unix_nano as a varint', oneProfile([good], { extra: w().varint(3, 1000) }), wrongWire('Profile'));
add('Profile: period as a fixed64', oneProfile([good], { extra: w().fixed64(6, 10) }), wrongWire('Profile'));
// The profile header pass only counts samples; the sample pass refuses it.
add('Profile: samples as a varint', oneProfile([good], { extra: w().varint(2, 1) }), wrongWire('Profile'));
add('Sample: stack_index as length-delimited', oneProfile([lenField(1, [1])], { rawSamples: true }), wrongWire('Sample'));
add('Sample: values as a fixed64', oneProfile([cat(w().varint(1, 1), w().fixed64(4, 5))], { rawSamples: true }), wrongWire('Sample'));
add('Sample: values as a fixed32', oneProfile([cat(w().varint(1, 1), field(4, WIRE_I32, [5, 0, 0, 0]))], { rawSamples: true }), wrongWire('Sample'));
add('Sample: attribute_indices as a fixed64', oneProfile([cat(w().varint(1, 1).packedVarint(4, [5]), w().fixed64(2, 1))], { rawSamples: true }), wrongWire('Sample'));
add('Sample: timestamps as a short varint', oneProfile([cat(w().varint(1, 1), w().varint(5, 5))], { rawSamples: true }), wrongWire('Sample'));
add('Sample: timestamps as a 10-byte varint', oneProfile([cat(w().varint(1, 1), w().varint(5, -1))], { rawSamples: true }), wrongWire('Sample'));
add('Stack: location_indices as a fixed64', lenField(2, lenField(7, w().fixed64(1, 1))), wrongWire('ProfilesDictionary'));
// A repeated varint sent as a fixed64 whose eight bytes read as one padded
// varint (85 80 80 80 80 80 80 00: 5, padded): nanopb took it as that
// varint; the wire reader refuses any wire type but varint or packed.
const paddedFive = rawHex('85 80 80 80 80 80 80 00');
add('Sample: values as a fixed64 that reads as a padded varint', oneProfile([cat(w().varint(1, 1), w().tag(4, WIRE_I64), paddedFive)], { rawSamples: true }), wrongWire('Sample'));
add('Stack: location_indices as a fixed64 that reads as a padded varint', lenField(2, lenField(7, cat(w().tag(1, WIRE_I64), paddedFive))), wrongWire('ProfilesDictionary'));

// Indices: negative, past the end, 0 (unset / the zero value), wider than int32.
add('stack_index past the end', oneProfile([good, { stack: 99, values: [5] }]), stats(2, 1, 1));
add('stack_index negative', oneProfile([good, { stack: -1, values: [5] }]), stats(2, 1, 1));
add('stack_index 0 (empty stack)', oneProfile([{ stack: 0, values: [5] }]), ok(1));
add('stack_index 0 with an empty stack table', oneProfile([{ stack: 0, values: [5] }], {}, { stacks: [] }), ok(1));
add('stack_index 2^32+1 (int32: truncated to 1, as protobuf runtimes do)', oneProfile([{ stack: 4294967297n, values: [5] }]), ok(1));
add('stack_index 2^31 (int32: -2^31, invalid)', oneProfile([{ stack: 2147483648n, values: [5] }]), stats(1, 0, 1));
add('attribute index past the end', oneProfile([good, { stack: 1, attrs: [1, 42], values: [5] }]), stats(2, 1, 1));
add('attribute index negative', oneProfile([{ stack: 1, attrs: [-1], values: [5] }]), stats(1, 0, 1));
add('attribute index 0 (the zero value)', oneProfile([{ stack: 1, attrs: [0], values: [5] }]), ok(1));
add('link_index past the end', oneProfile([good, { stack: 1, link: 2, values: [5] }]), stats(2, 1, 1));
add('link_index negative', oneProfile([{ stack: 1, link: -1, values: [5] }]), stats(1, 0, 1));
add('link_index 0 with an empty link table', oneProfile([{ stack: 1, link: 0, values: [5] }], {}, { links: 0 }), ok(1));
add('link_index 1 (a real link)', oneProfile([{ stack: 1, link: 1, values: [5] }]), ok(1));
add('location index past the end (inside a stack)', oneProfile([good, { stack: 5, values: [5] }], {}, { stacks: [...defaultDict().stacks, [1, 77]] }), stats(2, 1, 1));
add('location index negative (inside a stack)', oneProfile([good, { stack: 5, values: [5] }], {}, { stacks: [...defaultDict().stacks, [-3]] }), stats(2, 1, 1));
add('location index 0 inside a stack (the zero Location: "[unknown]")', oneProfile([good, { stack: 5, values: [5] }], {}, { stacks: [...defaultDict().stacks, [0, 1]] }), stats(2, 2));
add('function index past the end (in a line)', oneProfile([good, { stack: 5, values: [5] }], {}, { locations: [...defaultDict().locations, { mapping: 1, lines: [50] }], stacks: [...defaultDict().stacks, [5]] }), stats(2, 1, 1));
add('function index negative (in a line)', oneProfile([{ stack: 5, values: [5] }], {}, { locations: [...defaultDict().locations, { mapping: 1, lines: [-2] }], stacks: [...defaultDict().stacks, [5]] }), stats(1, 0, 1));
add('function index 0 (zero Function: mapping file name)', oneProfile([{ stack: 5, values: [5] }], {}, { locations: [...defaultDict().locations, { mapping: 1, lines: [0] }], stacks: [...defaultDict().stacks, [5]] }), ok(1));
add('mapping index past the end, function without a name', oneProfile([good, { stack: 5, values: [5] }], {}, { locations: [...defaultDict().locations, { mapping: 9, lines: [3] }], stacks: [...defaultDict().stacks, [5]] }), stats(2, 1, 1));
add('mapping index past the end, location without lines', oneProfile([{ stack: 5, values: [5] }], {}, { locations: [...defaultDict().locations, { mapping: 9 }], stacks: [...defaultDict().stacks, [5]] }), stats(1, 0, 1));
add('mapping index negative, location without lines', oneProfile([{ stack: 5, values: [5] }], {}, { locations: [...defaultDict().locations, { mapping: -1 }], stacks: [...defaultDict().stacks, [5]] }), stats(1, 0, 1));
add('mapping index past the end, function with a name', oneProfile([good, { stack: 5, values: [5] }], {}, { locations: [...defaultDict().locations, { mapping: 9, lines: [1] }], stacks: [...defaultDict().stacks, [5]] }), stats(2, 1, 1));
add('mapping index 0 (zero Mapping: "[unknown]")', oneProfile([{ stack: 5, values: [5] }], {}, { locations: [...defaultDict().locations, { mapping: 0, lines: [3] }], stacks: [...defaultDict().stacks, [5]] }), ok(1));
add('mapping filename_strindex past the end', oneProfile([{ stack: 5, values: [5] }], {}, { mappings: [{}, { file: 500 }], locations: [...defaultDict().locations, { mapping: 1 }], stacks: [...defaultDict().stacks, [5]] }), stats(1, 0, 1));
add('function name_strindex past the end', oneProfile([good, { stack: 5, values: [5] }], {}, { functions: [...defaultDict().functions, { name: 1000 }], locations: [...defaultDict().locations, { mapping: 1, lines: [4] }], stacks: [...defaultDict().stacks, [5]] }), stats(2, 1, 1));
add('function system_name_strindex negative', oneProfile([{ stack: 5, values: [5] }], {}, { functions: [...defaultDict().functions, { name: S.main, system: -4 }], locations: [...defaultDict().locations, { mapping: 1, lines: [4] }], stacks: [...defaultDict().stacks, [5]] }), stats(1, 0, 1));
add('sample_type type_strindex past the end', oneProfile([good, good], { type: [500, S.nanoseconds] }), stats(2, 0, 2));
add('sample_type unit_strindex negative', oneProfile([good], { type: [S.cpu, -1] }), stats(1, 0, 1));
add('sample_type strindex 0 (empty type: unknown, skipped)', oneProfile([good, good], { type: [0, 0] }), stats(2, 0, 0, 2));
add('attribute key_strindex past the end', oneProfile([good, { stack: 1, attrs: [3], values: [5] }], {}, { attributes: [...defaultDict().attributes, { key: 300, value: w().string(1, 'v', true) }] }), stats(2, 1, 1));
add('attribute string_value_strindex past the end', oneProfile([good, { stack: 1, attrs: [3], values: [5] }], {}, { attributes: [...defaultDict().attributes, { key: S['thread.name'], value: w().varint(8, 300, true) }] }), stats(2, 1, 1));
add('profile attribute index past the end (all its samples invalid)', oneProfile([good, good, good], { attrs: [1, 9] }), stats(3, 0, 3));
add('profile attribute index negative', oneProfile([good], { attrs: [-7] }), stats(1, 0, 1));
add('resource attribute key_strindex past the end', requestBytes({ resources: [{ attrs: [{ keyStrindex: 999, value: w().string(1, 'v', true) }, { key: 'ok', value: w().varint(8, 999, true) }], scopes: [{ profiles: [{ samples: [good] }] }] }] }), malformed('Resource', 'a resource attribute refers outside the string table'));

// Values, timestamps, periods.
add('values (2) and timestamps (1) of different lengths', oneProfile([good, { stack: 1, values: [1, 2], ts: [1001] }]), stats(2, 1, 1));
add('values (1) and timestamps (3) of different lengths', oneProfile([{ stack: 1, values: [1], ts: [1001, 1002, 1003] }]), stats(1, 0, 1));
add('timestamps only: the value is their count', oneProfile([{ stack: 1, ts: [1001, 1002, 1003] }, { stack: 0, ts: [5] }]), ok(2));
add('values and timestamps of the same length', oneProfile([{ stack: 1, values: [1, 2], ts: [1001, 1002] }]), ok(1));
add('timestamp 2^64-1 with duration 0', oneProfile([{ stack: 1, ts: [(1n << 64n) - 1n] }]), ok(1));
add('negative value', oneProfile([good, { stack: 1, values: [5, -1] }]), stats(2, 1, 1));
add('value -2^63', oneProfile([{ stack: 1, values: [-(1n << 63n)] }]), stats(1, 0, 1));
add('int64 overflow of the value sum', oneProfile([good, { stack: 1, values: [INT64_MAX, 1] }]), stats(2, 1, 1));
add('value sum exactly INT64_MAX (ns)', oneProfile([{ stack: 1, values: [INT64_MAX - 1n, 1] }]), ok(1));
add('value x unit overflow (cpu, seconds)', oneProfile([{ stack: 1, values: [10n ** 10n] }, { stack: 1, values: [9] }], { type: [S.cpu, STRINGS.length] }, { strings: [...STRINGS, 'seconds'] }), stats(2, 1, 1));
add('value x period overflow (samples/count, period 10^18 ns)', oneProfile([{ stack: 1, values: [100] }, { stack: 1, values: [9] }], { type: [S.samples, S.count], periodType: [S.cpu, S.nanoseconds], period: 10n ** 18n }), stats(2, 1, 1));
add('period x unit overflow (period 10^10 s): profile invalid', oneProfile([good, good], { type: [S.samples, S.count], periodType: [S.cpu, STRINGS.length], period: 10n ** 10n }, { strings: [...STRINGS, 's'] }), stats(2, 0, 2));
add('period 0 (count-based cpu): invalid', oneProfile([good, good], { type: [S.samples, S.count], periodType: [S.cpu, S.nanoseconds], period: 0 }), stats(2, 0, 2));
add('period negative (count-based cpu): invalid', oneProfile([good], { type: [S.samples, S.count], periodType: [S.cpu, S.nanoseconds], period: -10 }), stats(1, 0, 1));
add('count-based type without period_type: skipped', oneProfile([good], { type: [S.samples, S.count], period: 10 }), stats(1, 0, 0, 1));
add('point sum beyond int64 across samples (saturates, output valid)', oneProfile([{ stack: 1, values: [INT64_MAX - 5n] }, { stack: 1, values: [INT64_MAX - 5n] }]), ok(2));

// Non-UTF-8 strings (the output must stay valid OTLP and valid JSON).
const badUtf8 = [Buffer.from([0xff, 0xfe, 0x41]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x61, 0xe2, 0x82])];
add('non-UTF-8 thread name (sample attribute)', oneProfile([{ stack: 1, attrs: [3], values: [5] }], {}, {
  strings: [...STRINGS, badUtf8[0]],
  attributes: [...defaultDict().attributes, { key: S['thread.name'], value: w().varint(8, STRINGS.length, true) }],
}), ok(1), { checkJson: true });
add('non-UTF-8 function names (overlong NUL, surrogate, cut sequence)', oneProfile([{ stack: 5, values: [5] }], {}, {
  strings: [...STRINGS, badUtf8[1], badUtf8[2], badUtf8[3]],
  functions: [...defaultDict().functions, { name: STRINGS.length }, { name: STRINGS.length + 1 }, { name: STRINGS.length + 2 }],
  locations: [...defaultDict().locations, { mapping: 1, lines: [4, 5, 6] }],
  stacks: [...defaultDict().stacks, [5, 1]],
}), ok(1), { checkJson: true });
add('non-UTF-8 resource attribute value and key', requestBytes({ resources: [{ attrs: [{ key: badUtf8[0], value: w().bytesField(1, badUtf8[2], true) }, { key: 'process.executable.name', value: w().bytesField(1, badUtf8[3], true) }], scopes: [{ profiles: [{ samples: [good] }] }] }] }), ok(1), { checkJson: true });
add('control characters and NUL in a thread name', oneProfile([{ stack: 1, attrs: [3], values: [5] }], {}, {
  strings: [...STRINGS, Buffer.from('a\u0000b\u0001c"d\\e\u007f\n')],
  attributes: [...defaultDict().attributes, { key: S['thread.name'], value: w().varint(8, STRINGS.length, true) }],
}), ok(1), { checkJson: true });

// Duplicate attribute keys.
add('duplicate thread.name on a sample (first wins)', oneProfile([{ stack: 1, attrs: [1, 3], values: [5] }], {}, {
  attributes: [...defaultDict().attributes, { key: S['thread.name'], value: w().string(1, 'other', true) }],
}), ok(1), { checkJson: true });
add('duplicate keys in resource attributes (output stays valid)', requestBytes({ resources: [{ attrs: [{ key: 'host', value: w().string(1, 'a', true) }, { key: 'host', value: w().string(1, 'b', true) }], scopes: [{ profiles: [{ samples: [good] }] }] }] }), ok(1), { checkJson: true });

// Huge repeated counts.
add('100,000 samples with empty stacks', oneProfile(Array.from({ length: 100000 }, () => ({ stack: 0, values: [1] }))), ok(100000));
add('a stack of 50,000 frames', oneProfile([{ stack: 5, values: [5] }], {}, { stacks: [...defaultDict().stacks, Array.from({ length: 50000 }, (_, i) => 1 + (i % 4))] }), ok(1));
add('a stack of 50,000 distinct functions', (() => {
  const n = 50000;
  const strings = [...STRINGS, ...Array.from({ length: n }, (_, i) => `f${i}`)];
  const functions = [{}, ...Array.from({ length: n }, (_, i) => ({ name: STRINGS.length + i }))];
  const locations = [{}, ...Array.from({ length: n }, (_, i) => ({ mapping: 1, lines: [1 + i] }))];
  return oneProfile([{ stack: 1, values: [5] }], {}, { strings, functions, locations, stacks: [[], Array.from({ length: n }, (_, i) => 1 + i)] });
})(), ok(1), { slow: true });
add('one sample with 100,000 attribute indices', oneProfile([{ stack: 1, attrs: Array.from({ length: 100000 }, (_, i) => 1 + (i % 2)), values: [5] }]), ok(1));
add('2,000 resources, each with one sample', requestBytes({
  resources: Array.from({ length: 2000 }, () => ({ scopes: [{ profiles: [{ samples: [good] }] }] })),
}), ok(2000));

// Unknown fields with every wire type: skipped.
add('unknown fields at the request level', requestBytes({ resources: [{ scopes: [{ profiles: [{ samples: [good] }] }] }], extra: unknownFields() }), ok(1));
add('unknown fields in the dictionary and its tables', requestBytes({
  resources: [{ scopes: [{ profiles: [{ samples: [good] }] }] }],
  dict: {
    ...defaultDict(),
    extra: unknownFields(),
    mappings: [{}, { file: S['/usr/lib/libc.so.6'], extra: unknownFields() }],
    functions: [{}, { name: S.main, extra: unknownFields(20) }, { name: S.leaf }, {}],
    locations: [{}, { mapping: 1, lines: [1], extra: unknownFields(), lineExtra: unknownFields(30) }, ...defaultDict().locations.slice(2)],
    attributes: [{}, { key: S['thread.name'], value: w().string(1, 'worker', true), extra: unknownFields() }],
  },
}), ok(1));
add('unknown fields in resource, KeyValue, AnyValue, scope', requestBytes({
  resources: [{
    attrs: [{ key: 'k', value: cat(w().string(1, 'v', true), unknownFields(40)), extra: unknownFields(50) }],
    resourceExtra: unknownFields(),
    extra: unknownFields(),
    scopes: [{ scope: cat(w().string(1, 'scope'), unknownFields()), scopeExtra: unknownFields(), profiles: [{ samples: [good] }] }],
  }],
}), ok(1), { checkJson: true });
add('unknown fields in profile and sample', oneProfile([{ ...good, extra: unknownFields() }, { stack: 1, values: [3], extra: unknownFields(16) }], { extra: unknownFields(12) }), ok(2));
add('unknown field with the largest field number (2^29-1)', cat(w().tag((1 << 29) - 1, WIRE_VARINT).rawVarint(1), oneProfile([good])), ok(1));
add('field number 0', rawHex('00 01'), malformed('ExportProfilesServiceRequest'));

// Groups (wire types 3 and 4: refused) and invalid wire types.
add('start-group wire type at the request level', cat(field(50, WIRE_SGROUP), field(50, WIRE_EGROUP)), malformed('ExportProfilesServiceRequest'));
add('end-group wire type at the request level', field(50, WIRE_EGROUP), malformed('ExportProfilesServiceRequest'));
add('group inside a sample', oneProfile([cat(w().varint(1, 1).packedVarint(4, [1]), field(60, WIRE_SGROUP), field(60, WIRE_EGROUP))], { rawSamples: true }), malformed('Sample'));
add('group inside the dictionary', lenField(2, cat(field(60, WIRE_SGROUP), field(60, WIRE_EGROUP))), malformed('ProfilesDictionary'));
add('wire type 6', field(3, 6, [0]), malformed('ExportProfilesServiceRequest'));
add('wire type 7', field(3, 7, [0]), malformed('ExportProfilesServiceRequest'));

// The dictionary twice: protobuf merges a repeated message field occurrence
// (its repeated tables concatenate), so a dictionary split in two halves is
// the whole dictionary.
add('dictionary split across two occurrences (protobuf merge)', (() => {
  const d = defaultDict();
  const first = dictBytes({ strings: d.strings, mappings: d.mappings, functions: d.functions });
  const second = dictBytes({ locations: d.locations, stacks: d.stacks, attributes: d.attributes, links: d.links });
  return cat(requestBytes({ resources: [{ scopes: [{ profiles: [{ samples: [good, { stack: 2, attrs: [1], values: [3] }] }] }] }], dict: null }), lenField(2, first), lenField(2, second));
})(), ok(2));
// Merged, the tables would be doubled and every index still resolves in the
// first copy; kept only, the last copy resolves them too: same counts.
add('the same dictionary twice', cat(oneProfile([good]), lenField(2, dictBytes(defaultDict()))), ok(1));

// A protobuf request whose first bytes look like JSON after "whitespace".
add('protobuf whose first ResourceProfiles is 123 bytes long (0a 7b: "\\n{")', (() => {
  const rp = (pad) => cat(w().message(2, w().message(2, profileBytes({ samples: [good] }))), w().string(3, 'x'.repeat(pad)));
  let pad = 0;
  while (rp(pad).length < 123) pad++;
  return cat(lenField(1, rp(pad)), lenField(2, dictBytes(defaultDict())));
})(), ok(1));

// JSON.
const json = (obj) => Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj));
const jsonRequest = (samples, extraProfile = {}) => ({
  resourceProfiles: [{ scopeProfiles: [{ profiles: [{ sampleType: { typeStrindex: 1, unitStrindex: 2 }, timeUnixNano: '1000', samples, ...extraProfile }] }] }],
  dictionary: { stringTable: ['', 'cpu', 'nanoseconds', 'main'], functionTable: [{}, { nameStrindex: 3 }], locationTable: [{}, { lines: [{ functionIndex: 1 }] }], stackTable: [{}, { locationIndices: [1] }] },
});
const jsonFails = (what) => fails(new RegExp(`^ptm: input line \\d+(, column \\d+)?: ${what}`));
add('JSON: unterminated', json('{"resourceProfiles": ['), fails(/^ptm: input line 1, column 22: not valid JSON$/));
add('JSON: empty object', json('{}'), ok(0));
add('JSON: a valid request with leading whitespace', Buffer.concat([Buffer.from('\n\t '), json(jsonRequest([{ stackIndex: 1, values: ['5'] }]))]), ok(1));
add('JSON: resourceProfiles is a string', json({ resourceProfiles: 'x' }), jsonFails('JSON: resourceProfiles: expected an array'));
add('JSON: a value that is not an integer', json(jsonRequest([{ stackIndex: 1, values: ['abc'] }])), jsonFails('JSON: resourceProfiles\\[0\\]\\.scopeProfiles\\[0\\]\\.profiles\\[0\\]\\.samples\\[0\\]\\.values\\[0\\]: expected an integer'));
add('JSON: stackIndex 1.5', json(jsonRequest([{ stackIndex: 1.5, values: ['5'] }])), jsonFails('JSON: .*samples\\[0\\]\\.stackIndex: expected an integer'));
add('JSON: stackIndex "4294967297" (out of int32 range)', json(jsonRequest([{ stackIndex: '4294967297', values: ['5'] }])), jsonFails('JSON: .*stackIndex: out of range'));
add('JSON: stackIndex -1 (in range: an invalid sample)', json(jsonRequest([{ stackIndex: -1, values: ['5'] }])), stats(1, 0, 1));
add('JSON: a negative value string (an invalid sample)', json(jsonRequest([{ stackIndex: 1, values: ['-5'] }])), stats(1, 0, 1));
add('JSON: timeUnixNano 2^53+1 as a number', json(JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['5'] }])).replace('"timeUnixNano":"1000"', '"timeUnixNano":9007199254740993')),
  jsonFails('JSON: .*timeUnixNano: integer beyond 2\\^53'));
add('JSON: a value 2^60 as a number', json(JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['5'] }])).replace('"values":["5"]', '"values":[1152921504606846976]')), jsonFails('JSON: .*values\\[0\\]: integer beyond 2\\^53'));
add('JSON: a value 2^53-1 as a number (exact: accepted)', json(JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['5'] }])).replace('"values":["5"]', '"values":[9007199254740991]')), ok(1));
add('JSON: timeUnixNano as a boolean', json(jsonRequest([], { timeUnixNano: true })), jsonFails('JSON: .*timeUnixNano: expected an integer'));
add('JSON: samples is an object', json(jsonRequest({})), jsonFails('JSON: .*samples: expected an array'));
add('JSON: a string table entry that is a number', json({ dictionary: { stringTable: ['', 5] } }), jsonFails('JSON: dictionary\\.stringTable\\[1\\]: expected a string'));
add('JSON: a request that is an array', json('[{}]'), fails(/^ptm: input: a JSON array: give OTLP\/JSON requests one per line \(JSON Lines\) instead$/));
// Inputs that are not a request, named by their first bytes (issue 9, finding 5).
add('UTF-16 OTLP/JSON', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"resourceProfiles":[]}', 'utf16le')]), fails(/^ptm: input: UTF-16 text: OTLP\/JSON must be UTF-8$/));
add('a pprof profile without values or strings', Buffer.from([0x0a, 0x04, 0x08, 0x02, 0x10, 0x01, 0x12, 0x02, 0x08, 0x01]), fails(/^ptm: input: malformed pprof in Profile\.sample\.value: sample 0 has 0 value\(s\), not one per sample type \(1\)$/));
const nestedArray = (depth) => {
  let v = { stringValue: 'x' };
  for (let i = 0; i < depth; i++) v = { arrayValue: { values: [v] } };
  return v;
};
const withResourceValue = (value) => ({ ...jsonRequest([{ stackIndex: 1, values: ['5'] }]), resourceProfiles: [{ ...jsonRequest([{ stackIndex: 1, values: ['5'] }]).resourceProfiles[0], resource: { attributes: [{ key: 'deep', value }] } }] });
// A double as a string holding a JSON number is read as protojson and pdata
// read it (issue 28, row 10; tests/go/formats/encodings compares with
// pdata); white space around it or other text is not a number.
add('JSON: doubleValue "1.5" (a string holding a number)', json(withResourceValue({ doubleValue: '1.5' })), ok(1), { checkJson: true });
add('JSON: doubleValue "-2.5e-3"', json(withResourceValue({ doubleValue: '-2.5e-3' })), ok(1));
add('JSON: doubleValue " 1.5" (white space)', json(withResourceValue({ doubleValue: ' 1.5' })), jsonFails('JSON: .*doubleValue: expected a number'));
add('JSON: doubleValue "1.5x"', json(withResourceValue({ doubleValue: '1.5x' })), jsonFails('JSON: .*doubleValue: expected a number'));
add('JSON: doubleValue "0x10"', json(withResourceValue({ doubleValue: '0x10' })), jsonFails('JSON: .*doubleValue: expected a number'));
add('JSON: arrayValue nested 31 deep (accepted)', json(withResourceValue(nestedArray(31))), ok(1), { checkJson: true });
add('JSON: arrayValue nested 40 deep', json(withResourceValue(nestedArray(40))), jsonFails('JSON: .*AnyValue nested deeper than 32 levels'));
add('JSON: plain arrays nested 5,000 deep', json(`{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`), jsonFails('not valid JSON'));
add('JSON: trailing garbage after a request (the request converts)', json(`${JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['5'] }]))} garbage`),
  refused(ok(1), /^ptm: input line 1, column \d+: not valid JSON$/));
add('JSON: a second value that is not an object', json(`{} [1]`), refused(ok(0), /^ptm: input line 1: JSON: expected an object at the top level$/));
add('JSON Lines: no line is a request', json(['{"resourceSpans":[]}', '[1]', '{"x":'].join('\n')),
  fails(/^ptm: input line 1: JSON: an OTLP traces request \(resourceSpans\), not profiles \(and 2 more requests refused\)$/));
add('JSON Lines: a truncated line, then good ones', json([
  JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['5'] }])),
  JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['6'] }])).slice(0, 40),
  JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['7'] }])),
].join('\n')), refused(ok(2), /^ptm: input line 2: not valid JSON \(line 3, column \d+\)$/));
add('JSON Lines: the third line is bad', json([
  JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['5'] }])),
  JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['6'] }])),
  '{"resourceProfiles": [{"scopeProfiles": 3}]}',
  JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['7'] }])),
].join('\n')), refused(ok(3), /^ptm: input line 3: JSON: resourceProfiles\[0\]\.scopeProfiles: expected an array$/));
add('JSON Lines: three good lines and blank lines', json(['', JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['5'] }])), '', JSON.stringify(jsonRequest([{ stackIndex: 9, values: ['6'] }])), JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['7'] }])), '', ''].join('\n')), stats(3, 2, 1), { checkJson: true });
add('JSON: invalid UTF-8 inside a thread name string', Buffer.concat([
  Buffer.from('{"resourceProfiles":[{"resource":{"attributes":[{"key":"thread.name","value":{"stringValue":"a'),
  Buffer.from([0xff, 0xc0, 0x80]),
  Buffer.from('"}}]},"scopeProfiles":[{"profiles":[{"sampleType":{"typeStrindex":1,"unitStrindex":2},"samples":[{"values":["5"]}]}]}]}],"dictionary":{"stringTable":["","cpu","ns"]}}'),
]), ok(1), { checkJson: true });
add('JSON: null members are unset', json('{"resourceProfiles":[{"resource":null,"scopeProfiles":[{"profiles":[{"sampleType":{"typeStrindex":1,"unitStrindex":2},"samples":[{"stackIndex":null,"values":["5"]}]}]}]}],"dictionary":{"stringTable":["","cpu","ns"]}}'), ok(1));
add('JSON: invalid base64 bytes', json({ resourceProfiles: [{ scopeProfiles: [{ profiles: [{ originalPayload: '@@@' }] }] }] }), jsonFails('JSON: .*originalPayload: invalid base64'));
add('JSON: odd-length hex profileId', json({ resourceProfiles: [{ scopeProfiles: [{ profiles: [{ profileId: 'abc' }] }] }] }), jsonFails('JSON: .*profileId: invalid hex \\(odd length\\)'));

// Compressed and length-prefixed input (decompress.c, length_prefixed.c):
// decompressed, or read block by block, each block a request. `reactor`:
// what the wasm reactor gives instead for zstd (it has gzip, but no zstd
// decompressor, for its size budget; tests/robustness/wasm-robustness.test.js).
const oneGood = oneProfile([good]);
const twoGood = oneProfile([good, { stack: 1, values: [7] }]);
const compressedCase = { reactor: fails(reactorNoCodec) };
const reactorRefusesBlocks = (count) => ({ reactor: fails(new RegExp(`^ptm: input block 1: .*no zstd decompressor.* \\(and ${count - 1} more requests refused\\)$`)) });
add('gzip: a gzip header only (truncated)', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3]), fails(/^ptm: input: gzip-compressed input is truncated$/));
add('zstd: a frame header only (truncated)', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]), fails(/^ptm: input: zstd-compressed input is truncated$/), compressedCase);
add('gzip: a request', gzip(twoGood), ok(2));
add('gzip: two members (two requests, concatenated)', Buffer.concat([gzip(oneGood), gzip(twoGood)]), ok(3));
add('gzip: a corrupt deflate stream', (() => { const b = gzip(twoGood); b[10] ^= 0xff; return b; })(), fails(/^ptm: input: gzip-compressed input is corrupt: .+$/));
add('gzip: a wrong CRC', (() => { const b = gzip(twoGood); b[b.length - 8] ^= 1; return b; })(), fails(/^ptm: input: gzip-compressed input is corrupt: incorrect data check$/));
add('gzip: bytes after the last member', Buffer.concat([gzip(twoGood), Buffer.from('x')]), fails(/^ptm: input: gzip-compressed input has bytes after its last member that are not gzip$/));
add('gzip: OTLP/JSON Lines inside', gzip(json(`${JSON.stringify(jsonRequest([{ stackIndex: 1, values: ['5'] }]))}\n{"x":`)), refused(ok(1), /^ptm: input line 2, column \d+: not valid JSON$/));
add('gzip: compressed twice', gzip(gzip(oneGood)), fails(/^ptm: input: compressed data inside compressed input \(compressed twice\?\)/));
// The same message when the format is told (-i otlp: what the Envoy filter
// sets for application/x-protobuf; -i pprof), not "malformed protobuf"
// (issue 28, row 10).
const compressedTwice = fails(/^ptm: input: compressed data inside compressed input \(compressed twice\?\): it is decompressed once$/);
add('gzip: compressed twice (-i otlp)', gzip(gzip(oneGood)), compressedTwice, { input: 'otlp' });
add('gzip: compressed twice (-i pprof)', gzip(gzip(oneGood)), compressedTwice, { input: 'pprof' });
add('gzip: zstd inside (-i otlp)', gzip(Buffer.from('28b52ffd0058', 'hex')), compressedTwice, { input: 'otlp' });
add('zstd: a request', zstd(twoGood), ok(2), compressedCase);
add('zstd: two frames and a skippable one', Buffer.concat([zstd(oneGood), Buffer.from('50 2a 4d 18 02 00 00 00 ab cd'.replace(/ /g, ''), 'hex'), zstd(twoGood)]), ok(3), compressedCase);
add('zstd: a wrong checksum', (() => { const b = zstd(twoGood, ['--check']); b[b.length - 1] ^= 1; return b; })(), fails(/^ptm: input: zstd-compressed input is corrupt: .+$/), compressedCase);
add('zstd: bytes after the last frame', Buffer.concat([zstd(twoGood), Buffer.from('garbage!')]), fails(/^ptm: input: zstd-compressed input has bytes after its last frame that are not zstd$/), compressedCase);
add('length-prefixed: one block, an empty dictionary', Buffer.from([0x00, 0x00, 0x00, 0x02, 0x12, 0x00]), ok(0));
add('length-prefixed: two protobuf blocks', lengthPrefixed(oneGood, twoGood), ok(3));
add('length-prefixed: an empty block between two', lengthPrefixed(oneGood, Buffer.alloc(0), twoGood), ok(3));
add('length-prefixed: an OTLP/JSON block', lengthPrefixed(oneGood, json(jsonRequest([{ stackIndex: 1, values: ['5'] }]))), ok(2));
add('length-prefixed: the second of three blocks malformed', lengthPrefixed(oneGood, Buffer.from([0x0a, 0x05, 0x01]), twoGood),
  refused(ok(3), /^ptm: input block 2: malformed protobuf in ExportProfilesServiceRequest: .+$/));
add('length-prefixed: the last block truncated', lengthPrefixed(oneGood, twoGood).subarray(0, -3),
  refused(ok(1), /^ptm: input block 2: truncated: its length prefix says \d+ bytes, the input ends after \d+$/));
add('length-prefixed: ends inside a length prefix', Buffer.concat([lengthPrefixed(twoGood), Buffer.from([0, 0])]),
  refused(ok(2), /^ptm: input block 2: truncated: the input ends inside its 4-byte length prefix$/));
add('length-prefixed: only bad blocks', lengthPrefixed(Buffer.from([0x0a, 0x05]), json('{"resourceSpans":[]}')),
  fails(/^ptm: input block 1: malformed protobuf in ExportProfilesServiceRequest: .+ \(and 1 more requests refused\)$/));
add('length-prefixed: a block over max_input_bytes', Buffer.concat([lengthPrefixed(oneGood), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0a])]),
  fails(/^ptm: input block 2: a request of more than max_input_bytes \(67108864\) bytes \(its length prefix says 4294967295\)$/));
add('length-prefixed: zstd blocks (the file exporter with compression: zstd)', lengthPrefixed(zstd(oneGood), zstd(twoGood)), ok(3), reactorRefusesBlocks(2));
add('length-prefixed: gzip blocks, one corrupt', lengthPrefixed(gzip(oneGood), gzip(twoGood).subarray(0, 20), gzip(twoGood)),
  refused(ok(3), /^ptm: input block 2: gzip-compressed block is truncated$/));
add('length-prefixed, gzip-compressed (the file exporter\'s native compression, gzip)', gzip(lengthPrefixed(oneGood, twoGood)), ok(3));
add('length-prefixed, zstd-compressed (the file exporter\'s native compression)', zstd(lengthPrefixed(oneGood, twoGood)), ok(3), compressedCase);

// ---- pprof input (src/decode/pprof_decode.c) ----
//
// The same contract as OTLP's: exit 1 and one `ptm: input: malformed pprof in
// FIELD: WHAT` line, FIELD the field at fault (Profile.sample.value,
// Profile.location.line.function_id, ...); a location or function id that
// names nothing makes its samples invalid (exit 0), as an index outside its
// table does in OTLP; every pprof sample counts once per sample type. Cases
// with `input` run with `-i INPUT` (the npm API's {input}, the reactor's
// ptm_wasm_set_input_format); the others are told pprof by their first bytes.

/** The one-line message, exactly. */
const exactly = (message) => fails(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
const pprofFault = (where, what) => exactly(`ptm: input: malformed pprof in ${where}: ${what}`);
const pprofWrongWire = (where) => pprofFault(where, 'wrong wire type');

/** A pprof profile: one cpu/nanoseconds sample type, samples on location 1 (main, in /usr/bin/app). */
const pprofShape = (changes = {}) => ({
  sampleTypes: [['cpu', 'nanoseconds']],
  samples: [{ locations: [1], values: [5] }],
  mappings: [{ id: 1, filename: '/usr/bin/app' }],
  locations: [{ id: 1, mapping: 1, address: 0x1000, lines: [{ function: 1, line: 7 }] }],
  functions: [{ id: 1, name: 'main' }],
  timeNanos: 1700000000000000000n,
  durationNanos: 1000000000,
  ...changes,
});
const pp = (changes) => pprofBytes(pprofShape(changes));
const ppExtra = (extra, changes) => pp({ ...changes, extra: bytesOf(extra) });
const goodPprof = pp();
const addPprof = (name, bytes, expect, extra) => add(`pprof: ${name}`, bytes, expect, extra);

addPprof('the base profile converts', goodPprof, ok(1));
addPprof('the base profile with -i pprof', goodPprof, ok(1), { input: 'pprof' });
addPprof('only an empty string table (-i pprof)', lenField(6, []), ok(0), { input: 'pprof' });
addPprof('no sample types, a sample without values (nothing to count)', pp({ sampleTypes: [], samples: [{ locations: [1] }] }), ok(0));

// Truncated (with -i pprof: a cut inside the first field leaves nothing auto-detection knows).
{
  const strings = goodPprof.indexOf(Buffer.from([0x32, 0x00])); // the first string-table entry, ""
  const time = goodPprof.indexOf(Buffer.from([0x48]), strings); // time_nanos' tag, after the string table
  assert(strings > 0 && time > strings, 'the base profile has its string table, then time_nanos');
  const cut = (n) => goodPprof.subarray(0, n);
  addPprof('truncated after the first tag', cut(1), pprofFault('Profile.sample_type', 'truncated'), { input: 'pprof' });
  addPprof('truncated inside the first sample_type', cut(3), pprofFault('Profile.sample_type', 'truncated'), { input: 'pprof' });
  addPprof('truncated inside the sample', cut(6 + 4), pprofFault('Profile.sample', 'truncated'), { input: 'pprof' });
  addPprof('truncated inside a string-table entry', cut(strings + 4), pprofFault('Profile.string_table', 'truncated'));
  addPprof('truncated inside time_nanos (a 9-byte varint)', cut(time + 5), pprofFault('Profile.time_nanos', 'truncated'));
  // Cut on a field boundary the rest is a valid profile without tables or strings:
  // location 1 names nothing and the type's strings are past the (empty) table.
  addPprof('truncated after the sample (a valid prefix: its sample invalid)', cut(6 + 8), stats(1, 0, 1));
}

// Each field with the wrong wire type (appended after a valid profile, or in the message named).
const varintOf = (no) => w().varint(no, 1, true);
const fixed64Of = (no) => w().fixed64(no, 1, true);
const fixed32Of = (no) => field(no, WIRE_I32, [1, 0, 0, 0]);
const lenOf = (no) => lenField(no, [1]);
addPprof('Profile.sample_type as a varint', ppExtra(varintOf(1)), pprofWrongWire('Profile.sample_type'));
addPprof('Profile.sample as a varint', ppExtra(varintOf(2)), pprofWrongWire('Profile.sample'));
addPprof('Profile.mapping as a fixed64', ppExtra(fixed64Of(3)), pprofWrongWire('Profile.mapping'));
addPprof('Profile.location as a fixed32', ppExtra(fixed32Of(4)), pprofWrongWire('Profile.location'));
addPprof('Profile.function as a varint', ppExtra(varintOf(5)), pprofWrongWire('Profile.function'));
addPprof('Profile.string_table as a varint', ppExtra(varintOf(6)), pprofWrongWire('Profile.string_table'));
addPprof('Profile.drop_frames as length-delimited', ppExtra(lenOf(7)), pprofWrongWire('Profile.drop_frames'));
addPprof('Profile.time_nanos as length-delimited', ppExtra(lenOf(9)), pprofWrongWire('Profile.time_nanos'));
addPprof('Profile.duration_nanos as a fixed64', ppExtra(fixed64Of(10)), pprofWrongWire('Profile.duration_nanos'));
addPprof('Profile.period_type as a varint', ppExtra(varintOf(11)), pprofWrongWire('Profile.period_type'));
addPprof('Profile.period as a fixed64', ppExtra(fixed64Of(12)), pprofWrongWire('Profile.period'));
addPprof('Profile.comment as a fixed32', ppExtra(fixed32Of(13)), pprofWrongWire('Profile.comment'));
addPprof('Profile.default_sample_type as length-delimited', ppExtra(lenOf(14)), pprofWrongWire('Profile.default_sample_type'));
// (-i pprof: a field 1 starting with a length-delimited field is also how a ResourceProfiles starts.)
addPprof('ValueType.type of a sample_type as length-delimited', pp({ sampleTypes: [['cpu', 'nanoseconds'], [0, 0, lenOf(1)]], samples: [{ locations: [1], values: [5, 5] }] }),
  pprofWrongWire('Profile.sample_type.type'), { input: 'pprof' });
addPprof('ValueType.unit of period_type as a fixed64', pp({ periodType: [0, 0, fixed64Of(2)], period: 10 }), pprofWrongWire('Profile.period_type.unit'));
addPprof('Sample.location_id as a fixed64', pp({ samples: [{ values: [5], extra: fixed64Of(1) }] }), pprofWrongWire('Profile.sample.location_id'));
addPprof('Sample.value as a fixed32', pp({ samples: [{ locations: [1], values: [5], extra: fixed32Of(2) }] }), pprofWrongWire('Profile.sample.value'));
addPprof('Sample.label as a varint', pp({ samples: [{ locations: [1], values: [5], extra: varintOf(3) }] }), pprofWrongWire('Profile.sample.label'));
addPprof('Label.key as length-delimited', pp({ samples: [{ locations: [1], values: [5], labels: [{ str: 'x', extra: lenOf(1) }] }] }), pprofWrongWire('Profile.sample.label.key'));
addPprof('Label.num as a fixed64', pp({ samples: [{ locations: [1], values: [5], labels: [{ key: 'n', extra: fixed64Of(3) }] }] }), pprofWrongWire('Profile.sample.label.num'));
addPprof('Mapping.id as length-delimited', pp({ mappings: [{ filename: 'a', extra: lenOf(1) }] }), pprofWrongWire('Profile.mapping.id'));
addPprof('Mapping.filename as a fixed64', pp({ mappings: [{ id: 1, extra: fixed64Of(5) }] }), pprofWrongWire('Profile.mapping.filename'));
addPprof('Location.id as a fixed64', pp({ locations: [{ lines: [{ function: 1 }], extra: fixed64Of(1) }] }), pprofWrongWire('Profile.location.id'));
addPprof('Location.mapping_id as length-delimited', pp({ locations: [{ id: 1, lines: [{ function: 1 }], extra: lenOf(2) }] }), pprofWrongWire('Profile.location.mapping_id'));
addPprof('Location.line as a varint', pp({ locations: [{ id: 1, extra: varintOf(4) }] }), pprofWrongWire('Profile.location.line'));
addPprof('Line.function_id as length-delimited', pp({ locations: [{ id: 1, lines: [{ line: 3, extra: lenOf(1) }] }] }), pprofWrongWire('Profile.location.line.function_id'));
addPprof('Function.id as a fixed32', pp({ functions: [{ name: 'main', extra: fixed32Of(1) }] }), pprofWrongWire('Profile.function.id'));
addPprof('Function.name as length-delimited', pp({ functions: [{ id: 1, extra: lenOf(2) }] }), pprofWrongWire('Profile.function.name'));

// Invalid wire types, varints, unknown fields.
addPprof('a group inside a sample', pp({ samples: [{ locations: [1], values: [5], extra: cat(field(60, WIRE_SGROUP), field(60, WIRE_EGROUP)) }] }),
  pprofFault('Profile.sample', 'field 60: invalid wire type 3'));
addPprof('wire type 7 at the top level', ppExtra(field(20, 7, [0])), pprofFault('Profile', 'field 20: invalid wire type 7'));
addPprof('an unknown field cut off inside a location', pp({ locations: [{ id: 1, lines: [{ function: 1 }], extra: w().tag(30, WIRE_I64).rawBytes([1, 2, 3]) }] }),
  pprofFault('Profile.location', 'field 30: truncated'));
addPprof('an 11-byte varint among the values', pp({ samples: [{ locations: [1], extra: lenField(2, rawHex('85 80 80 80 80 80 80 80 80 80 00')) }] }),
  pprofFault('Profile.sample.value', 'varint overflow'));
addPprof('unknown fields of every wire type, at every level (skipped)', pp({
  extra: unknownFields(),
  samples: [{ locations: [1], values: [5], extra: unknownFields(20), labels: [{ key: 'k', str: 'v', extra: unknownFields(30) }] }],
  mappings: [{ id: 1, filename: 'a', extra: unknownFields(40) }],
  locations: [{ id: 1, lines: [{ function: 1, extra: unknownFields(50) }], extra: unknownFields(60) }],
  functions: [{ id: 1, name: 'main', extra: unknownFields(70) }],
  sampleTypes: [['cpu', 'nanoseconds', unknownFields(80)]],
}), ok(1), { checkJson: true });

// Values against sample types.
addPprof('a sample with fewer values than sample types', pp({ sampleTypes: [['cpu', 'nanoseconds'], ['wall', 'nanoseconds']], samples: [{ locations: [1], values: [5, 5] }, { locations: [1], values: [5] }] }),
  pprofFault('Profile.sample.value', 'sample 1 has 1 value(s), not one per sample type (2)'));
addPprof('a sample with more values than sample types', pp({ samples: [{ locations: [1], values: [5, 6, 7] }] }),
  pprofFault('Profile.sample.value', 'sample 0 has 3 value(s), not one per sample type (1)'));
addPprof('two sample types: each sample counts once per type', pp({ sampleTypes: [['cpu', 'nanoseconds'], ['wall', 'nanoseconds']], samples: [{ locations: [1], values: [5, 9] }, { locations: [1], values: [1, 2] }] }), ok(4));
addPprof('negative values: those samples invalid', pp({ samples: [{ locations: [1], values: [5] }, { locations: [1], values: [-1] }, { locations: [1], values: [-(1n << 63n)] }] }), stats(3, 1, 2));
addPprof('a negative value of one type only', pp({ sampleTypes: [['cpu', 'nanoseconds'], ['wall', 'nanoseconds']], samples: [{ locations: [1], values: [5, -3] }] }), stats(2, 1, 1));

// Ids that name nothing: their samples invalid; a mapping id naming nothing is no mapping.
addPprof('a location id that names nothing', pp({ samples: [{ locations: [1], values: [5] }, { locations: [9], values: [5] }] }), stats(2, 1, 1));
addPprof('a function id that names nothing', pp({
  samples: [{ locations: [1], values: [5] }, { locations: [2, 1], values: [5] }],
  locations: [...pprofShape().locations, { id: 2, lines: [{ function: 9 }] }],
}), stats(2, 1, 1));
addPprof('location ids out of order, one naming nothing', pp({
  samples: [{ locations: [30, 7], values: [5] }, { locations: [8], values: [5] }],
  locations: [{ id: 30, lines: [{ function: 1 }] }, { id: 7, lines: [{ function: 1 }] }],
}), stats(2, 1, 1));
addPprof('a mapping id that names nothing (no mapping: kept)', pp({ locations: [{ id: 1, mapping: 9, lines: [{ function: 1 }] }] }), ok(1));
addPprof('location id 0 in a sample (none: kept)', pp({ samples: [{ locations: [0, 1], values: [5] }] }), ok(1));
addPprof('functions without ids (.NET): referred to by position', pp({ functions: [{ name: 'a' }, { name: 'main' }], locations: [{ id: 1, lines: [{ function: 2 }] }] }), ok(1));

// Duplicate ids.
addPprof('a location id twice', pp({ locations: [{ id: 1, lines: [{ function: 1 }] }, { id: 1, lines: [{ function: 1 }] }] }), pprofFault('Profile.location.id', '1 appears twice'));
addPprof('a function id twice, out of order', pp({ functions: [{ id: 4, name: 'main' }, { id: 1, name: 'x' }, { id: 4, name: 'y' }] }), pprofFault('Profile.function.id', '4 appears twice'));
addPprof('a mapping id twice', pp({ mappings: [{ id: 2, filename: 'a' }, { id: 2, filename: 'b' }] }), pprofFault('Profile.mapping.id', '2 appears twice'));

// Strings.
addPprof('a string of 65536 bytes (at the limit: accepted)', pp({ strings: ['x'.repeat(65536)] }), ok(1));
addPprof('a string over 65536 bytes', pp({ strings: ['x'.repeat(65537)] }), exactly('ptm: input: a string is over 65536 bytes (in pprof Profile.string_table)'));
addPprof('a sample_type past the string table', pp({ sampleTypes: [[500, 2]] }), stats(1, 0, 1));
addPprof('a function name past the string table', pp({ functions: [{ id: 1, name: 700 }] }), stats(1, 0, 1));

// Labels.
addPprof('a label with an unknown key (kept, not a metric attribute)', pp({ samples: [{ locations: [1], values: [5], labels: [{ key: 'span.kind', str: 'server' }] }] }), ok(1), { checkJson: true });
addPprof('a label key past the string table', pp({ samples: [{ locations: [1], values: [5] }, { locations: [1], values: [5], labels: [{ key: 999, str: 'x' }] }] }), stats(2, 1, 1));
addPprof('a negative label key', pp({ samples: [{ locations: [1], values: [5], labels: [{ key: -1, num: 3 }] }] }), stats(1, 0, 1));
addPprof('a label value past the string table', pp({ samples: [{ locations: [1], values: [5], labels: [{ key: 'thread_name', str: 4000 }] }] }), stats(1, 0, 1));
addPprof('renamed and numeric labels', pp({ samples: [{ locations: [1], values: [5], labels: [{ key: 'thread_name', str: 'io' }, { key: 'pid', num: 42 }, { key: 'bytes', num: -7, unit: 'bytes' }, {}] }] }), ok(1), { checkJson: true });

// An OTLP request that is also a pprof profile: an empty top-level field 6.
{
  const both = cat(oneProfile([good]), lenField(6, []));
  addPprof('an OTLP request with an empty field 6 (ambiguous)', both,
    exactly('ptm: input: could be an OTLP request or a pprof profile; say which (ptm -i otlp or -i pprof; ptm_converter_set_input_format)'));
  addPprof('the ambiguous input with -i otlp', both, ok(1), { input: 'otlp' });
  addPprof('the ambiguous input with -i pprof', both, pprofWrongWire('Profile.sample_type.type'), { input: 'pprof' });
}

// ---- the truncation family: cpu-ebpf.pb cut at every byte offset ----

const cpuPb = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
const cpuJson = JSON.parse(readFileSync(join(fixtures, 'cpu-ebpf.json'), 'utf8'));

/** The end offsets of the top-level fields of a valid request, with their field numbers. */
function topLevelFields(bytes) {
  const out = [];
  let pos = 0;
  while (pos < bytes.length) {
    const tag = bytes[pos++];
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      len += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    if ((tag & 7) !== WIRE_LEN) throw new Error('unexpected top-level wire type in the fixture');
    pos += len;
    out.push({ no: tag >> 3, end: pos });
  }
  return out;
}

// A prefix of a valid request is itself a valid request exactly when it ends
// on a top-level field boundary; it then holds the dictionary (written first
// by pdata) and the first k ResourceProfiles, whose counts expect.js computes
// from the JSON twin of the fixture. Any other cut ends inside a field.
// ---- issue 28: requests a hostile sender would craft, each host the same outcome ----

/** One sample on a stack of the named functions; the resource's attributes and the profile's fields given. */
const issue28Request = ({ names = ['main'], attributes = [], profile = {} }) => Buffer.from(profilesRequest({
  resourceProfiles: [{ resource: { attributes }, scopeProfiles: [{ profiles: [{
    sampleType: { typeStrindex: 1, unitStrindex: 2 }, timeUnixNano: '1767225600000000000', durationNano: '1000000000',
    samples: [{ stackIndex: 1, values: ['5000000'] }], ...profile,
  }] }] }],
  dictionary: {
    stringTable: ['', 'cpu', 'nanoseconds', ...names],
    functionTable: [{}, ...names.map((_, i) => ({ nameStrindex: 3 + i }))],
    locationTable: [{}, ...names.map((_, i) => ({ lines: [{ functionIndex: 1 + i }] }))],
    stackTable: [{}, { locationIndices: names.map((_, i) => 1 + i) }],
  },
}));
const stringAttribute = (key, value) => ({ key, value: { stringValue: value } });
add('issue 28 row 2: a resource with 50,000 attributes on a 200-function stack (points carry max_point_attributes)',
  issue28Request({ names: Array.from({ length: 200 }, (_, i) => `function_${i}`),
    attributes: Array.from({ length: 50000 }, (_, i) => stringAttribute(`attr.${i}`, `v${i}`)) }), ok(1));
add('issue 28 row 5: reserved and colliding attribute keys (__name__, le, a.b, a_b, a-b)',
  issue28Request({ attributes: [['__name__', 'n'], ['le', '1'], ['quantile', 'q'], ['a.b', 'dot'], ['a_b', 'under'], ['a-b', 'dash']]
    .map(([k, v]) => stringAttribute(k, v)) }), ok(1));
add('issue 28 row 6: names holding ESC, BEL, backspace and NUL',
  issue28Request({ names: ['\x1b]0;title\x07clear\x1b[2J', 'back\bspace', 'nul\0byte'],
    attributes: [stringAttribute('process.executable.name', '\x1b[31mred')] }), ok(1));
add('issue 28 row 8: time_unix_nano near 2^64 plus a duration (the end saturates)',
  issue28Request({ profile: { timeUnixNano: '18446744073709551600', durationNano: '1000000000' } }), ok(1));
add('issue 28 row 4: 2,000 JSON Lines each an open object',
  json('{"x\n'.repeat(2000)), fails(/^ptm: input line 1: not valid JSON \(line 2, column 3\) \(and 1999 more requests refused\)$/), { input: 'json' });

const cpuFields = topLevelFields(cpuPb);
const boundaries = new Map([[0, null]]);
cpuFields.forEach((f, i) => {
  const prefix = cpuFields.slice(0, i + 1);
  boundaries.set(f.end, {
    hasDictionary: prefix.some((p) => p.no === 2),
    resources: prefix.filter((p) => p.no === 1).length,
  });
});

function prefixStats(prefix) {
  if (prefix === null) return stats(0, 0);
  const request = {
    ...(prefix.hasDictionary ? { dictionary: cpuJson.dictionary } : {}),
    resourceProfiles: cpuJson.resourceProfiles.slice(0, prefix.resources),
  };
  const { counts } = expectedMetrics(request);
  return stats(counts.total, counts.kept, counts.invalid, counts.skipped, counts.filtered);
}

const truncationMessage = /^ptm: input: malformed protobuf in (ExportProfilesServiceRequest|ProfilesDictionary|ResourceProfiles|Resource|ScopeProfiles|Profile|Sample): .+$/;
export const truncations = [];
for (let cut = 0; cut < cpuPb.length; cut++) {
  truncations.push({
    name: `cpu-ebpf.pb truncated to ${cut} of ${cpuPb.length} bytes`,
    bytes: cpuPb.subarray(0, cut),
    expect: boundaries.has(cut) ? prefixStats(boundaries.get(cut)) : fails(truncationMessage),
    family: 'truncation',
  });
}

/** The named cases (not the truncation family). */
export const namedCases = cases;

/** Every case: the named ones, then the truncation family. */
export const malformedCases = [...cases, ...truncations];

/** A valid request that must keep converting identically after any case. */
export const validFixture = join(fixtures, 'cpu-ebpf.pb');

/** Some truncation offsets, evenly spread, always including the valid prefixes. */
export function sampleTruncations(count) {
  const step = Math.max(1, Math.floor(truncations.length / count));
  const picked = truncations.filter((t, i) => i % step === 0 || t.expect.exit === 0);
  return picked;
}
