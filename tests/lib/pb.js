// pb.js: a tiny protobuf writer for tests (varint, fixed64, double,
// length-delimited, nested messages, packed repeated fields; numbers or
// BigInt), profilesRequest() which encodes an OTLP profiles request given in
// its camelCase OTLP/JSON shape into protobuf (profiles/v1development, v1.10
// field numbers), and canonical(), a schema-aware reader that turns protobuf
// bytes into a form independent of field order, packing and default values.
// Node 20, ES module, no dependencies.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const textEncoder = new TextEncoder();

function toBigInt(v) {
  if (typeof v === 'bigint') return v;
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`not an integer: ${v}`);
    return BigInt(v);
  }
  return BigInt(v);
}

export class Writer {
  constructor() {
    this.bytes = [];
  }

  /** Raw varint; negative values are written as 64-bit two's complement (int32/int64). */
  rawVarint(v) {
    let x = BigInt.asUintN(64, toBigInt(v));
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
    return this;
  }

  rawFixed64(v) {
    let x = BigInt.asUintN(64, toBigInt(v));
    for (let i = 0; i < 8; i++) {
      this.bytes.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this;
  }

  rawBytes(u8) {
    for (const b of u8) this.bytes.push(b);
    return this;
  }

  tag(field, wire) {
    return this.rawVarint((BigInt(field) << 3n) | BigInt(wire));
  }

  /** varint field; omitted when zero unless always (oneof members). */
  varint(field, v, always = false) {
    if (!always && toBigInt(v) === 0n) return this;
    return this.tag(field, WIRE_VARINT).rawVarint(v);
  }

  bool(field, v, always = false) {
    if (!always && !v) return this;
    return this.tag(field, WIRE_VARINT).rawVarint(v ? 1 : 0);
  }

  fixed64(field, v, always = false) {
    if (!always && toBigInt(v) === 0n) return this;
    return this.tag(field, WIRE_I64).rawFixed64(v);
  }

  double(field, v, always = false) {
    const n = Number(v);
    if (!always && n === 0 && !Object.is(n, -0)) return this;
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, n, true);
    return this.tag(field, WIRE_I64).rawBytes(new Uint8Array(buf.buffer));
  }

  bytesField(field, u8, always = false) {
    if (!always && u8.length === 0) return this;
    return this.tag(field, WIRE_LEN).rawVarint(u8.length).rawBytes(u8);
  }

  string(field, s, always = false) {
    return this.bytesField(field, s instanceof Uint8Array ? s : textEncoder.encode(s ?? ''), always);
  }

  /** Nested message, always written (even when empty). m: Writer or Uint8Array. */
  message(field, m) {
    return this.bytesField(field, m instanceof Writer ? m.finish() : m, true);
  }

  packedVarint(field, values) {
    if (!values || values.length === 0) return this;
    const w = new Writer();
    for (const v of values) w.rawVarint(v);
    return this.bytesField(field, w.finish(), true);
  }

  packedFixed64(field, values) {
    if (!values || values.length === 0) return this;
    const w = new Writer();
    for (const v of values) w.rawFixed64(v);
    return this.bytesField(field, w.finish(), true);
  }

  finish() {
    return Uint8Array.from(this.bytes);
  }
}

// ---- OTLP profiles request from its JSON shape ----

function get(obj, camel) {
  if (obj == null) return undefined;
  if (obj[camel] !== undefined) return obj[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
  return obj[snake];
}

function arr(v) {
  return Array.isArray(v) ? v : [];
}

function hexBytes(s) {
  if (!s) return new Uint8Array(0);
  return Uint8Array.from(s.match(/../g).map((h) => parseInt(h, 16)));
}

function b64Bytes(s) {
  return s ? Uint8Array.from(Buffer.from(s, 'base64')) : new Uint8Array(0);
}

function anyValue(v) {
  const w = new Writer();
  if (v == null) return w;
  if (get(v, 'stringValue') !== undefined) w.string(1, get(v, 'stringValue'), true);
  else if (get(v, 'boolValue') !== undefined) w.bool(2, get(v, 'boolValue'), true);
  else if (get(v, 'intValue') !== undefined) w.varint(3, get(v, 'intValue'), true);
  else if (get(v, 'doubleValue') !== undefined) w.double(4, get(v, 'doubleValue'), true);
  else if (get(v, 'arrayValue') !== undefined) {
    const a = new Writer();
    for (const e of arr(get(get(v, 'arrayValue'), 'values'))) a.message(1, anyValue(e));
    w.message(5, a);
  } else if (get(v, 'kvlistValue') !== undefined) {
    const l = new Writer();
    for (const kv of arr(get(get(v, 'kvlistValue'), 'values'))) l.message(1, keyValue(kv));
    w.message(6, l);
  } else if (get(v, 'bytesValue') !== undefined) w.bytesField(7, b64Bytes(get(v, 'bytesValue')), true);
  else if (get(v, 'stringValueStrindex') !== undefined) w.varint(8, get(v, 'stringValueStrindex'), true);
  return w;
}

function keyValue(kv) {
  const w = new Writer().string(1, get(kv, 'key'));
  if (get(kv, 'value') !== undefined) w.message(2, anyValue(get(kv, 'value')));
  return w.varint(3, get(kv, 'keyStrindex'));
}

function valueType(vt) {
  return new Writer().varint(1, get(vt, 'typeStrindex')).varint(2, get(vt, 'unitStrindex'));
}

function resource(r) {
  const w = new Writer();
  for (const kv of arr(get(r, 'attributes'))) w.message(1, keyValue(kv));
  w.varint(2, get(r, 'droppedAttributesCount'));
  return w;
}

function scope(s) {
  const w = new Writer().string(1, get(s, 'name')).string(2, get(s, 'version'));
  for (const kv of arr(get(s, 'attributes'))) w.message(3, keyValue(kv));
  return w.varint(4, get(s, 'droppedAttributesCount'));
}

function sample(s) {
  return new Writer()
    .varint(1, get(s, 'stackIndex'))
    .packedVarint(2, arr(get(s, 'attributeIndices')))
    .varint(3, get(s, 'linkIndex'))
    .packedVarint(4, arr(get(s, 'values')))
    .packedFixed64(5, arr(get(s, 'timestampsUnixNano')));
}

function profile(p) {
  const w = new Writer();
  if (get(p, 'sampleType') !== undefined) w.message(1, valueType(get(p, 'sampleType')));
  for (const s of arr(get(p, 'samples'))) w.message(2, sample(s));
  w.fixed64(3, get(p, 'timeUnixNano'));
  w.varint(4, get(p, 'durationNano'));
  if (get(p, 'periodType') !== undefined) w.message(5, valueType(get(p, 'periodType')));
  w.varint(6, get(p, 'period'));
  w.bytesField(7, hexBytes(get(p, 'profileId')));
  w.varint(8, get(p, 'droppedAttributesCount'));
  w.string(9, get(p, 'originalPayloadFormat'));
  w.bytesField(10, b64Bytes(get(p, 'originalPayload')));
  w.packedVarint(11, arr(get(p, 'attributeIndices')));
  return w;
}

function dictionary(d) {
  const w = new Writer();
  for (const m of arr(get(d, 'mappingTable'))) {
    w.message(1, new Writer()
      .varint(1, get(m, 'memoryStart'))
      .varint(2, get(m, 'memoryLimit'))
      .varint(3, get(m, 'fileOffset'))
      .varint(4, get(m, 'filenameStrindex'))
      .packedVarint(5, arr(get(m, 'attributeIndices'))));
  }
  for (const l of arr(get(d, 'locationTable'))) {
    const lw = new Writer().varint(1, get(l, 'mappingIndex')).varint(2, get(l, 'address'));
    for (const ln of arr(get(l, 'lines'))) {
      lw.message(3, new Writer().varint(1, get(ln, 'functionIndex')).varint(2, get(ln, 'line')).varint(3, get(ln, 'column')));
    }
    lw.packedVarint(4, arr(get(l, 'attributeIndices')));
    w.message(2, lw);
  }
  for (const f of arr(get(d, 'functionTable'))) {
    w.message(3, new Writer()
      .varint(1, get(f, 'nameStrindex'))
      .varint(2, get(f, 'systemNameStrindex'))
      .varint(3, get(f, 'filenameStrindex'))
      .varint(4, get(f, 'startLine')));
  }
  for (const l of arr(get(d, 'linkTable'))) {
    w.message(4, new Writer().bytesField(1, hexBytes(get(l, 'traceId'))).bytesField(2, hexBytes(get(l, 'spanId'))));
  }
  for (const s of arr(get(d, 'stringTable'))) w.string(5, s, true);
  for (const a of arr(get(d, 'attributeTable'))) {
    const aw = new Writer().varint(1, get(a, 'keyStrindex'));
    if (get(a, 'value') !== undefined) aw.message(2, anyValue(get(a, 'value')));
    w.message(6, aw.varint(3, get(a, 'unitStrindex')));
  }
  for (const s of arr(get(d, 'stackTable'))) w.message(7, new Writer().packedVarint(1, arr(get(s, 'locationIndices'))));
  return w;
}

/** Encodes an ExportProfilesServiceRequest given in its OTLP/JSON shape. */
export function profilesRequest(obj) {
  const w = new Writer();
  for (const rp of arr(get(obj, 'resourceProfiles'))) {
    const rw = new Writer();
    if (get(rp, 'resource') !== undefined) rw.message(1, resource(get(rp, 'resource')));
    for (const sp of arr(get(rp, 'scopeProfiles'))) {
      const sw = new Writer();
      if (get(sp, 'scope') !== undefined) sw.message(1, scope(get(sp, 'scope')));
      for (const p of arr(get(sp, 'profiles'))) sw.message(2, profile(p));
      sw.string(3, get(sp, 'schemaUrl'));
      rw.message(2, sw);
    }
    rw.string(3, get(rp, 'schemaUrl'));
    w.message(1, rw);
  }
  if (get(obj, 'dictionary') !== undefined) w.message(2, dictionary(get(obj, 'dictionary')));
  return w.finish();
}

// ---- reading: a canonical form for comparing encodings ----

// Field kinds: 'varint' (int32/int64/uint64), 'fixed64', 'double', 'bytes',
// 'string', or a message type name. rep: repeated. oneof: presence matters.
const F = (kind, opts = {}) => ({ kind, ...opts });
export const PROFILES_SCHEMA = {
  ExportProfilesServiceRequest: { 1: F('ResourceProfiles', { rep: true }), 2: F('ProfilesDictionary') },
  ProfilesDictionary: {
    1: F('Mapping', { rep: true }), 2: F('Location', { rep: true }), 3: F('Function', { rep: true }),
    4: F('Link', { rep: true }), 5: F('string', { rep: true }), 6: F('KeyValueAndUnit', { rep: true }),
    7: F('Stack', { rep: true }),
  },
  ResourceProfiles: { 1: F('Resource'), 2: F('ScopeProfiles', { rep: true }), 3: F('string') },
  Resource: { 1: F('KeyValue', { rep: true }), 2: F('varint'), 3: F('bytes', { rep: true }) },
  ScopeProfiles: { 1: F('InstrumentationScope'), 2: F('Profile', { rep: true }), 3: F('string') },
  InstrumentationScope: { 1: F('string'), 2: F('string'), 3: F('KeyValue', { rep: true }), 4: F('varint') },
  KeyValue: { 1: F('string'), 2: F('AnyValue'), 3: F('varint') },
  KeyValueAndUnit: { 1: F('varint'), 2: F('AnyValue'), 3: F('varint') },
  AnyValue: {
    1: F('string', { oneof: true }), 2: F('varint', { oneof: true }), 3: F('varint', { oneof: true }),
    4: F('double', { oneof: true }), 5: F('ArrayValue', { oneof: true }), 6: F('KeyValueList', { oneof: true }),
    7: F('bytes', { oneof: true }), 8: F('varint', { oneof: true }),
  },
  ArrayValue: { 1: F('AnyValue', { rep: true }) },
  KeyValueList: { 1: F('KeyValue', { rep: true }) },
  Profile: {
    1: F('ValueType'), 2: F('Sample', { rep: true }), 3: F('fixed64'), 4: F('varint'), 5: F('ValueType'),
    6: F('varint'), 7: F('bytes'), 8: F('varint'), 9: F('string'), 10: F('bytes'), 11: F('varint', { rep: true }),
  },
  ValueType: { 1: F('varint'), 2: F('varint') },
  Sample: { 1: F('varint'), 2: F('varint', { rep: true }), 3: F('varint'), 4: F('varint', { rep: true }), 5: F('fixed64', { rep: true }) },
  Mapping: { 1: F('varint'), 2: F('varint'), 3: F('varint'), 4: F('varint'), 5: F('varint', { rep: true }) },
  Location: { 1: F('varint'), 2: F('varint'), 3: F('Line', { rep: true }), 4: F('varint', { rep: true }) },
  Line: { 1: F('varint'), 2: F('varint'), 3: F('varint') },
  Function: { 1: F('varint'), 2: F('varint'), 3: F('varint'), 4: F('varint') },
  Link: { 1: F('bytes'), 2: F('bytes') },
  Stack: { 1: F('varint', { rep: true }) },
};

class Reader {
  constructor(u8) {
    this.u8 = u8;
    this.pos = 0;
  }
  eof() {
    return this.pos >= this.u8.length;
  }
  varint() {
    let x = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.u8.length) throw new Error('truncated varint');
      const b = this.u8[this.pos++];
      x |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return x;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }
  take(n) {
    if (this.pos + n > this.u8.length) throw new Error('truncated field');
    const out = this.u8.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  fixed64() {
    const b = this.take(8);
    let x = 0n;
    for (let i = 7; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
    return x;
  }
}

const isScalar = (kind) => ['varint', 'fixed64', 'double', 'bytes', 'string'].includes(kind);

function scalarValue(kind, wire, r) {
  switch (kind) {
    case 'varint':
      if (wire !== WIRE_VARINT) throw new Error(`wire type ${wire} for varint`);
      return BigInt.asIntN(64, r.varint()).toString();
    case 'fixed64':
      if (wire !== WIRE_I64) throw new Error(`wire type ${wire} for fixed64`);
      return r.fixed64().toString();
    case 'double': {
      if (wire !== WIRE_I64) throw new Error(`wire type ${wire} for double`);
      const b = r.take(8);
      return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
    }
    case 'string':
      return new TextDecoder().decode(r.take(Number(r.varint())));
    case 'bytes':
      return Buffer.from(r.take(Number(r.varint()))).toString('hex');
    default:
      throw new Error(`kind ${kind}`);
  }
}

function isDefault(kind, v) {
  if (kind === 'varint' || kind === 'fixed64') return v === '0';
  if (kind === 'double') return v === 0;
  if (kind === 'string' || kind === 'bytes') return v === '';
  return Object.keys(v).length === 0; // empty message
}

/**
 * canonical(bytes, type='ExportProfilesServiceRequest', schema=PROFILES_SCHEMA):
 * decodes protobuf into a plain object keyed by field number (ascending),
 * repeated fields as arrays (packed or not), singular fields that hold their
 * default value (zero, empty, empty message) left out except oneof members.
 * Integers are decimal strings, bytes hex. Unknown fields: "?N" keys.
 */
export function canonical(u8, type = 'ExportProfilesServiceRequest', schema = PROFILES_SCHEMA) {
  const spec = schema[type];
  if (!spec) throw new Error(`unknown message type ${type}`);
  const r = new Reader(u8);
  const fields = new Map();
  while (!r.eof()) {
    const key = r.varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    const f = spec[no];
    if (!f) {
      let raw;
      if (wire === WIRE_VARINT) raw = r.varint().toString();
      else if (wire === WIRE_I64) raw = r.fixed64().toString();
      else if (wire === WIRE_LEN) raw = Buffer.from(r.take(Number(r.varint()))).toString('hex');
      else if (wire === WIRE_I32) raw = Buffer.from(r.take(4)).toString('hex');
      else throw new Error(`${type}: unsupported wire type ${wire}`);
      const k = `?${no}`;
      if (!fields.has(k)) fields.set(k, []);
      fields.get(k).push(raw);
      continue;
    }
    let values;
    if (isScalar(f.kind) && f.rep && wire === WIRE_LEN && f.kind !== 'string' && f.kind !== 'bytes') {
      const sub = new Reader(r.take(Number(r.varint())));
      values = [];
      const subWire = f.kind === 'varint' ? WIRE_VARINT : WIRE_I64;
      while (!sub.eof()) values.push(scalarValue(f.kind, subWire, sub));
    } else if (isScalar(f.kind)) {
      values = [scalarValue(f.kind, wire, r)];
    } else {
      if (wire !== WIRE_LEN) throw new Error(`${type}.${no}: wire type ${wire} for a message`);
      values = [canonical(r.take(Number(r.varint())), f.kind, schema)];
    }
    if (!fields.has(no)) fields.set(no, []);
    fields.get(no).push(...values);
  }
  const out = {};
  const nos = [...fields.keys()].sort((a, b) => (typeof a === 'number' ? a : 1e9) - (typeof b === 'number' ? b : 1e9));
  for (const no of nos) {
    const vals = fields.get(no);
    const f = spec[no];
    if (!f) {
      out[no] = vals;
    } else if (f.rep) {
      out[no] = vals;
    } else {
      const v = vals[vals.length - 1]; // last one wins (messages would merge; not needed here)
      if (!f.oneof && isDefault(f.kind, v)) continue;
      out[no] = v;
    }
  }
  return out;
}

// ---- re-encoding: the same message in other valid encodings ----

/** A varint one byte longer than needed (a trailing 0x80 0x00 pair): valid protobuf. */
function paddedVarint(w, v) {
  let x = BigInt.asUintN(64, toBigInt(v));
  if (x >= 1n << 56n) return w.rawVarint(x); // no room within ten bytes
  while (x >= 0x80n) {
    w.bytes.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  w.bytes.push(Number(x) | 0x80, 0);
  return w;
}

/**
 * reencode(bytes, options, type='ExportProfilesServiceRequest'): the same
 * message, field by field and in the same order, written another valid way.
 * options: unpack (packed repeated scalars as one field per value),
 * padTags (every tag one byte longer), unknown (every message also carries
 * unknown fields 900-903 of each skippable wire type, a ten-byte varint
 * among them), splitDictionary (the ProfilesDictionary sent as two
 * messages, which protobuf merges: its first four tables, then the rest).
 * Every protobuf runtime reads the result as the original, except with
 * longUnknown: every message also carries an unknown varint of twelve bytes,
 * which the wire reader skips as nanopb did (protobuf writes at most ten).
 */
export function reencode(u8, options, type = 'ExportProfilesServiceRequest', schema = PROFILES_SCHEMA) {
  const spec = schema[type];
  const r = new Reader(u8);
  const w = new Writer();
  const tag = (no, wire) => {
    const key = (BigInt(no) << 3n) | BigInt(wire);
    return options.padTags ? paddedVarint(w, key) : w.rawVarint(key);
  };
  const len = (no, bytes) => tag(no, WIRE_LEN).rawVarint(bytes.length).rawBytes(bytes);
  const dictionaryParts = [];
  while (!r.eof()) {
    const key = r.varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    const f = spec[no];
    if (wire === WIRE_VARINT) tag(no, wire).rawVarint(r.varint());
    else if (wire === WIRE_I64) tag(no, wire).rawBytes(r.take(8));
    else if (wire === WIRE_I32) tag(no, wire).rawBytes(r.take(4));
    else if (wire !== WIRE_LEN) throw new Error(`${type}: unsupported wire type ${wire}`);
    else {
      const bytes = r.take(Number(r.varint()));
      if (f && f.rep && (f.kind === 'varint' || f.kind === 'fixed64') && options.unpack) {
        const sub = new Reader(bytes);
        while (!sub.eof()) {
          if (f.kind === 'varint') tag(no, WIRE_VARINT).rawVarint(sub.varint());
          else tag(no, WIRE_I64).rawBytes(sub.take(8));
        }
      } else if (f && !isScalar(f.kind)) {
        const inner = reencode(bytes, options, f.kind, schema);
        if (f.kind === 'ProfilesDictionary' && options.splitDictionary) dictionaryParts.push(inner);
        else len(no, inner);
      } else {
        len(no, bytes);
      }
    }
  }
  for (const part of dictionaryParts) {
    const tables = splitTables(part);
    len(2, tables[0]);
    len(2, tables[1]);
  }
  if (options.unknown) {
    tag(900, WIRE_VARINT).rawBytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    tag(901, WIRE_I64).rawFixed64(7);
    tag(902, WIRE_LEN).rawVarint(3).rawBytes([1, 2, 3]);
    tag(903, WIRE_I32).rawBytes([4, 3, 2, 1]);
  }
  if (options.longUnknown) tag(904, WIRE_VARINT).rawBytes([...Array(11).fill(0x80), 0]);
  return w.finish();
}

/** A ProfilesDictionary's fields split in two: tables 1-4, then the others (fields in order). */
function splitTables(u8) {
  const r = new Reader(u8);
  const parts = [new Writer(), new Writer()];
  while (!r.eof()) {
    const start = r.pos;
    const key = r.varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === WIRE_VARINT) r.varint();
    else if (wire === WIRE_I64) r.take(8);
    else if (wire === WIRE_I32) r.take(4);
    else r.take(Number(r.varint()));
    parts[no <= 4 ? 0 : 1].rawBytes(u8.subarray(start, r.pos));
  }
  return parts.map((p) => p.finish());
}

// ---- OTLP metrics from a normalized document (for harness self-tests) ----

function attrValueToAny(v) {
  // The inverse of the normalized attribute form: strings, decimal-string
  // ints are written back as strings (the normalized form cannot tell them
  // apart) unless given as {int: "N"}; bools; numbers as doubles.
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { doubleValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (v && typeof v === 'object' && 'int' in v) return { intValue: String(v.int) };
  throw new Error(`unsupported attribute value ${JSON.stringify(v)}`);
}

function attrsToKeyValues(attrs) {
  return Object.entries(attrs ?? {}).map(([key, value]) => ({ key, value: attrValueToAny(value) }));
}

/**
 * metricsRequest(doc): encodes a normalized document (the shape pmetriccheck
 * prints and expectedMetrics returns) as an ExportMetricsServiceRequest.
 * Int points are written as_int, doubles as_double; one scope per resource
 * (doc scopes[0], or "profiletometrics").
 */
export function metricsRequest(doc) {
  const w = new Writer();
  for (const r of doc.resources ?? []) {
    const res = new Writer();
    for (const kv of attrsToKeyValues(r.attributes)) res.message(1, keyValue(kv));
    const sc = r.scopes?.[0] ?? { name: 'profiletometrics' };
    const sm = new Writer().message(1, new Writer().string(1, sc.name).string(2, sc.version));
    for (const [name, m] of Object.entries(r.metrics ?? {})) {
      const data = new Writer();
      for (const p of m.points ?? []) {
        const dp = new Writer().fixed64(2, p.start).fixed64(3, p.end);
        if (m.valueType === 'double') dp.double(4, p.value, true);
        else dp.fixed64(6, p.value, true); // sfixed64: two's complement on the I64 wire
        for (const kv of attrsToKeyValues(p.attributes)) dp.message(7, keyValue(kv));
        data.message(1, dp);
      }
      if (m.type === 'sum') {
        const t = { delta: 1, cumulative: 2 }[m.temporality] ?? 0;
        data.varint(2, t).bool(3, m.monotonic);
      }
      const mw = new Writer().string(1, name).string(3, m.unit);
      mw.message(m.type === 'gauge' ? 5 : 7, data);
      sm.message(2, mw);
    }
    w.message(1, new Writer().message(1, res).message(2, sm).string(3, r.schemaUrl));
  }
  return w.finish();
}

/** The same request as OTLP/JSON (one object; int64s as decimal strings). */
export function metricsRequestJSON(doc) {
  return {
    resourceMetrics: (doc.resources ?? []).map((r) => ({
      resource: { attributes: attrsToKeyValues(r.attributes) },
      scopeMetrics: [{
        scope: r.scopes?.[0] ?? { name: 'profiletometrics' },
        metrics: Object.entries(r.metrics ?? {}).map(([name, m]) => {
          const dataPoints = (m.points ?? []).map((p) => ({
            attributes: attrsToKeyValues(p.attributes),
            startTimeUnixNano: String(p.start),
            timeUnixNano: String(p.end),
            ...(m.valueType === 'double' ? { asDouble: p.value } : { asInt: String(p.value) }),
          }));
          if (m.type === 'gauge') return { name, unit: m.unit, gauge: { dataPoints } };
          const t = { delta: 1, cumulative: 2 }[m.temporality] ?? 0;
          return { name, unit: m.unit, sum: { dataPoints, aggregationTemporality: t, isMonotonic: m.monotonic } };
        }),
      }],
      schemaUrl: r.schemaUrl ?? '',
    })),
  };
}
