// expect.js: an independent implementation of docs/semantics.md (with the
// decisions of issue 7), computed from the OTLP/JSON form of one or more
// ExportProfilesServiceRequests. It returns the normalized document that
// tests/go/cmd/pmetriccheck prints, so a test can compare the converter's
// (decoded) output with what the contract says.
//
// Node 20, ES module, no dependencies. Integers are exact (BigInt).
//
// Interpretations of points the contract leaves open (kept in one place so
// they are easy to revisit; see the report that came with this file):
//  - Index 0 of a table is always valid (the zero value), even if the table
//    is empty. Any other index outside its table makes the sample invalid.
//    Checked for a sample: stack_index, attribute_indices (and each entry's
//    key/value string indices), link_index, the stack's location_indices,
//    each location's mapping_index, each line's function_index, and the
//    function/mapping string indices used for names. Location and mapping
//    attribute_indices are not used, so not checked.
//  - Classification order: profile level first (skipped: unknown type, the
//    count-based twin of a direct cpu profile, a disabled metric; invalid:
//    period <= 0, unreadable sample/period type), then the sample's own
//    validity (invalid), then filters (filtered), else kept.
//  - A kept sample whose value is 0 adds nothing: it creates no point.
//  - thread.name / process.executable.name: the first *string* value found
//    (an empty string counts as found).
//  - A location without lines has one function name: its mapping fallback.
//  - End time with duration 0: the greatest timestamp among the samples that
//    fed the point, or the start when none is later (docs/semantics.md).
//  - One conversion = every request given in one call (an array: JSON Lines).
//    Resource identity = the resolved resource attributes in input order
//    (key + typed value: int 5 is not string "5") and the schema URL. The
//    configured rules' values (those not shadowed by the resource) are point
//    attributes, so requests whose rules give different values are one
//    resource with different series. ResourceProfiles of equal identity are
//    one output resource.
//  - Output resources are in order of the first ResourceProfiles of that
//    identity in the input, whether or not that first one produced a point;
//    a resource that ends with no point is left out.
//  - Cardinality: a series is (resource identity, metric, attribute set);
//    the limit counts distinct series of a metric over the whole conversion.
//    The overflow point is extra (limit series + overflow) and has only
//    otel.metric.overflow=true. For gauges the limit counts attribute sets,
//    while points stay per profile.
//  - Copied resource attributes (copy_resource_attributes, default ["*"]):
//    "*" copies every scalar attribute (string, int, double, bool) but
//    service.name, service.namespace, service.instance.id; a key listed by
//    name is copied even when it is one of those three. With duplicate keys
//    in a resource, the first one is copied. The normalized document prints
//    an int as a decimal string, so the type is not visible here: tests
//    check it on the converter's raw OTLP/JSON.
//  - Configured attributes: rules are evaluated per request; with two rules
//    of one key, the later one that produced a value wins. A rule whose key
//    is a key of the resource is left off all of that resource's points
//    (whether or not that attribute is copied); a rule whose key the point
//    already has (thread.name, process.executable.name, code.function.name,
//    a copied attribute) is left off that point. attributesShadowed counts
//    distinct (output resource, rule key) pairs, over every ResourceProfiles
//    seen (with or without points), for rules that produced a value.
//  - metrics.<measure>.enabled === false (measure: cpu, off_cpu, wall, memory,
//    allocations, inuse, inuse_objects) skips the profile's samples; the
//    function metrics of that measure go with it.
//  - metrics.function.inclusive wins over its alias total when both are set.
//  - Not implemented here (expectedMetrics throws if they are set): config
//    sample_types, metrics.function.top_n, temporality other than "delta",
//    metrics.<m>.unit other than the default unit, metrics.<m>.metric_name.

export const OVERFLOW_KEY = 'otel.metric.overflow';

const TIME_UNITS = {
  nanoseconds: 1n, ns: 1n,
  microseconds: 1000n, us: 1000n,
  milliseconds: 1000000n, ms: 1000000n,
  seconds: 1000000000n, s: 1000000000n,
};

// The metric table of docs/semantics.md, in output order.
export const METRICS = [
  { name: 'profile.cpu.time', unit: 's', type: 'sum', valueType: 'double', measure: 'cpu' },
  { name: 'profile.off_cpu.time', unit: 's', type: 'sum', valueType: 'double', measure: 'off_cpu' },
  { name: 'profile.wall.time', unit: 's', type: 'sum', valueType: 'double', measure: 'wall' },
  { name: 'profile.memory.allocated', unit: 'By', type: 'sum', valueType: 'int', measure: 'memory' },
  { name: 'profile.memory.allocations', unit: '{allocation}', type: 'sum', valueType: 'int', measure: 'allocations' },
  { name: 'profile.memory.inuse', unit: 'By', type: 'gauge', valueType: 'int', measure: 'inuse' },
  { name: 'profile.memory.inuse_objects', unit: '{object}', type: 'gauge', valueType: 'int', measure: 'inuse_objects' },
  { name: 'profile.function.self.cpu.time', unit: 's', type: 'sum', valueType: 'double', measure: 'cpu', fn: 'self' },
  { name: 'profile.function.inclusive.cpu.time', unit: 's', type: 'sum', valueType: 'double', measure: 'cpu', fn: 'inclusive' },
  { name: 'profile.function.self.off_cpu.time', unit: 's', type: 'sum', valueType: 'double', measure: 'off_cpu', fn: 'self' },
  { name: 'profile.function.inclusive.off_cpu.time', unit: 's', type: 'sum', valueType: 'double', measure: 'off_cpu', fn: 'inclusive' },
  { name: 'profile.function.self.wall.time', unit: 's', type: 'sum', valueType: 'double', measure: 'wall', fn: 'self' },
  { name: 'profile.function.inclusive.wall.time', unit: 's', type: 'sum', valueType: 'double', measure: 'wall', fn: 'inclusive' },
  { name: 'profile.function.self.memory.allocated', unit: 'By', type: 'sum', valueType: 'int', measure: 'memory', fn: 'self' },
  { name: 'profile.function.inclusive.memory.allocated', unit: 'By', type: 'sum', valueType: 'int', measure: 'memory', fn: 'inclusive' },
  // In use by function: gauges, a point per profile as their base gauges.
  { name: 'profile.function.self.memory.inuse', unit: 'By', type: 'gauge', valueType: 'int', measure: 'inuse', fn: 'self' },
  { name: 'profile.function.inclusive.memory.inuse', unit: 'By', type: 'gauge', valueType: 'int', measure: 'inuse', fn: 'inclusive' },
  { name: 'profile.function.self.memory.inuse_objects', unit: '{object}', type: 'gauge', valueType: 'int', measure: 'inuse_objects', fn: 'self' },
  { name: 'profile.function.inclusive.memory.inuse_objects', unit: '{object}', type: 'gauge', valueType: 'int', measure: 'inuse_objects', fn: 'inclusive' },
];
/** 2^64-1: the greatest time_unix_nano; a time plus a duration saturates at it. */
const MAX_U64 = (1n << 64n) - 1n;
const METRIC_BY_NAME = new Map(METRICS.map((m) => [m.name, m]));
const BASE_METRIC = new Map(METRICS.filter((m) => !m.fn).map((m) => [m.measure, m.name]));
/** The measures that have function metrics (the default of metrics.function.measures). */
export const FUNCTION_MEASURES = ['cpu', 'off_cpu', 'wall', 'memory', 'inuse', 'inuse_objects'];
const FN_METRICS = Object.fromEntries(FUNCTION_MEASURES.map((m) => [m, {
  self: METRICS.find((d) => d.measure === m && d.fn === 'self').name,
  inclusive: METRICS.find((d) => d.measure === m && d.fn === 'inclusive').name,
}]));
// Default unit of each base metric and the spellings that mean it (D5).
const UNIT_ALIASES = { s: ['s', 'seconds'], By: ['By', 'bytes', 'B'] };
/** Resource attributes that "*" does not copy onto points (Prometheus makes job/instance of them). */
export const NOT_COPIED = ['service.name', 'service.namespace', 'service.instance.id'];

class Invalid extends Error {}

// ---- reading OTLP/JSON (camelCase, snake_case accepted too) ----

function get(obj, camel) {
  if (obj == null) return undefined;
  if (obj[camel] !== undefined) return obj[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
  return obj[snake];
}

function big(v) {
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`not an integer: ${v}`);
    return BigInt(v);
  }
  return BigInt(v);
}

function int(v) {
  return Number(big(v));
}

function list(v) {
  return Array.isArray(v) ? v : [];
}

function at(table, i, what) {
  if (!Number.isInteger(i)) throw new Invalid(`${what} index ${i}`);
  if (i === 0 && table.length === 0) return {};
  if (i < 0 || i >= table.length) throw new Invalid(`${what} index ${i} outside its table (${table.length})`);
  return table[i] ?? {};
}

function makeDict(request) {
  const d = get(request, 'dictionary') ?? {};
  const strings = list(get(d, 'stringTable'));
  return {
    strings,
    mappings: list(get(d, 'mappingTable')),
    locations: list(get(d, 'locationTable')),
    functions: list(get(d, 'functionTable')),
    links: list(get(d, 'linkTable')),
    attributes: list(get(d, 'attributeTable')),
    stacks: list(get(d, 'stackTable')),
    str(i) {
      return String(at(strings, int(i ?? 0), 'string') || '');
    },
  };
}

// Normalizes an AnyValue the way pmetriccheck prints attribute values.
function anyValue(v, dict) {
  if (v == null) return null;
  if (get(v, 'stringValue') !== undefined) return String(get(v, 'stringValue'));
  if (get(v, 'stringValueStrindex') !== undefined) return dict.str(get(v, 'stringValueStrindex'));
  if (get(v, 'boolValue') !== undefined) return Boolean(get(v, 'boolValue'));
  if (get(v, 'intValue') !== undefined) return big(get(v, 'intValue')).toString();
  if (get(v, 'doubleValue') !== undefined) {
    const d = get(v, 'doubleValue');
    return typeof d === 'number' ? d : Number(d);
  }
  if (get(v, 'arrayValue') !== undefined) return list(get(get(v, 'arrayValue'), 'values')).map((e) => anyValue(e, dict));
  if (get(v, 'kvlistValue') !== undefined) return keyValues(list(get(get(v, 'kvlistValue'), 'values')), dict);
  if (get(v, 'bytesValue') !== undefined) return { bytes: String(get(v, 'bytesValue')) };
  return null;
}

// The typed form of an AnyValue, for resource identity: ['s'|'i'|'d'|'b'|
// 'a'|'m'|'y'|'empty', value]. A string by reference equals the same string
// written inline; int 5, double 5 and string "5" all differ.
function typedValue(v, dict) {
  if (v == null) return ['empty'];
  if (get(v, 'stringValue') !== undefined) return ['s', String(get(v, 'stringValue'))];
  if (get(v, 'stringValueStrindex') !== undefined) return ['s', dict.str(get(v, 'stringValueStrindex'))];
  if (get(v, 'boolValue') !== undefined) return ['b', Boolean(get(v, 'boolValue'))];
  if (get(v, 'intValue') !== undefined) return ['i', big(get(v, 'intValue')).toString()];
  if (get(v, 'doubleValue') !== undefined) return ['d', String(Number(get(v, 'doubleValue')))];
  if (get(v, 'arrayValue') !== undefined) return ['a', list(get(get(v, 'arrayValue'), 'values')).map((e) => typedValue(e, dict))];
  if (get(v, 'kvlistValue') !== undefined) {
    return ['m', list(get(get(v, 'kvlistValue'), 'values')).map((kv) => [kvKey(kv, dict), typedValue(get(kv, 'value'), dict)])];
  }
  if (get(v, 'bytesValue') !== undefined) return ['y', String(get(v, 'bytesValue'))];
  return ['empty'];
}

const SCALAR_TYPES = new Set(['s', 'i', 'd', 'b']);

function isStringValue(v) {
  return v != null && (get(v, 'stringValue') !== undefined || get(v, 'stringValueStrindex') !== undefined);
}

// KeyValue list (resource/scope attributes): key or key_strindex.
function keyValues(kvs, dict) {
  const out = {};
  for (const kv of kvs) out[kvKey(kv, dict)] = anyValue(get(kv, 'value'), dict);
  return out;
}

function kvKey(kv, dict) {
  const key = get(kv, 'key');
  if (key) return key;
  return dict.str(get(kv, 'keyStrindex') ?? 0);
}

// Attribute-table entries referenced by indices: [{key, value (raw AnyValue)}].
function tableAttrs(indices, dict) {
  return list(indices).map((i) => {
    const e = at(dict.attributes, int(i), 'attribute');
    const key = dict.str(get(e, 'keyStrindex') ?? 0);
    const value = get(e, 'value');
    // Resolve now so an out-of-range string_value_strindex is invalid.
    const norm = anyValue(value, dict);
    return { key, value, norm, isString: isStringValue(value) };
  });
}

function resourceAttrs(resource, dict) {
  return list(get(resource, 'attributes')).map((kv) => {
    const value = get(kv, 'value');
    const typed = typedValue(value, dict);
    return {
      key: kvKey(kv, dict), value, norm: anyValue(value, dict), typed,
      isString: isStringValue(value), isScalar: SCALAR_TYPES.has(typed[0]),
    };
  });
}

function firstString(key, ...levels) {
  for (let i = 0; i < levels.length; i++) {
    for (const a of levels[i]) {
      if (a.key === key && a.isString) return { value: a.norm, level: i };
    }
  }
  return undefined;
}

// ---- stacks and function names ----

function basename(path) {
  const b = path.slice(path.lastIndexOf('/') + 1);
  return b;
}

function mappingName(loc, dict) {
  const m = at(dict.mappings, int(get(loc, 'mappingIndex') ?? 0), 'mapping');
  const file = dict.str(get(m, 'filenameStrindex') ?? 0);
  const b = file ? basename(file) : '';
  return b || unnamedName(loc, dict);
}

// A frame nothing names: "[type]" of its location's profile.frame.type (the
// first with a non-empty string value; indices outside the table skipped),
// else "[unknown]".
function unnamedName(loc, dict) {
  for (const i of list(get(loc, 'attributeIndices')).map(int)) {
    if (i < 0 || i >= dict.attributes.length) continue;
    const e = dict.attributes[i];
    if (dict.str(get(e, 'keyStrindex') ?? 0) !== 'profile.frame.type') continue;
    const value = get(e, 'value');
    const text = isStringValue(value) ? anyValue(value, dict) : '';
    if (typeof text === 'string' && text !== '') return `[${text}]`;
  }
  return '[unknown]';
}

function lineName(line, loc, dict) {
  const fn = at(dict.functions, int(get(line, 'functionIndex') ?? 0), 'function');
  const name = dict.str(get(fn, 'nameStrindex') ?? 0);
  if (name) return name;
  const sys = dict.str(get(fn, 'systemNameStrindex') ?? 0);
  if (sys) return sys;
  return mappingName(loc, dict);
}

// A location's profile.frame.type (the first non-empty string one), or ''.
function frameType(loc, dict) {
  const name = unnamedName(loc, dict);
  return name === '[unknown]' ? '' : name.slice(1, -1);
}

// Frame types of interpreters and managed runtimes: their native leaf frames
// are the runtime's own code (self_frame "interpreted").
const INTERPRETED_TYPES = new Set(['cpython', 'v8js', 'ruby', 'php', 'phpjit', 'perl', 'jvm', 'dotnet', 'beam', 'luajit']);

// Returns {self, inclusive} for a stack index: self is the name self time
// goes to (or null for an empty stack): the leaf's, except that with
// self_frame "interpreted" (selfInterpreted) a leaf run of native frames
// ending at an interpreted frame gives it to that frame; inclusive the
// distinct names, leaf to root.
function stackNames(stackIndex, dict, cache, selfInterpreted = true) {
  if (stackIndex === 0) return { self: null, inclusive: [] };
  if (cache.has(stackIndex)) return cache.get(stackIndex);
  const st = at(dict.stacks, stackIndex, 'stack');
  const locIdx = list(get(st, 'locationIndices')).map(int);
  let self = null;
  let searching = selfInterpreted;
  const inclusive = [];
  const seen = new Set();
  locIdx.forEach((li, k) => {
    const loc = at(dict.locations, li, 'location');
    const lines = list(get(loc, 'lines'));
    const names = lines.length ? lines.map((l) => lineName(l, loc, dict)) : [mappingName(loc, dict)];
    // Resolve the mapping even when it is not needed, so a bad index is seen.
    at(dict.mappings, int(get(loc, 'mappingIndex') ?? 0), 'mapping');
    if (k === 0) self = names[0];
    if (searching) {
      const type = frameType(loc, dict);
      if (type !== 'native') {
        if (k > 0 && INTERPRETED_TYPES.has(type)) self = names[0];
        searching = false;
      }
    }
    for (const n of names) {
      if (!seen.has(n)) {
        seen.add(n);
        inclusive.push(n);
      }
    }
  });
  const r = { self, inclusive };
  cache.set(stackIndex, r);
  return r;
}

// ---- sample types ----

function classify(profile, dict) {
  const st = get(profile, 'sampleType') ?? {};
  const pt = get(profile, 'periodType') ?? {};
  const type = dict.str(get(st, 'typeStrindex') ?? 0);
  const unit = dict.str(get(st, 'unitStrindex') ?? 0);
  const ptype = dict.str(get(pt, 'typeStrindex') ?? 0);
  const punit = dict.str(get(pt, 'unitStrindex') ?? 0);
  if (type === 'cpu' && TIME_UNITS[unit]) return { measure: 'cpu', mult: TIME_UNITS[unit], direct: true };
  // The period type is cpu, itimer (async-profiler's itimer/count samples)
  // or has no name (py-spy writes only its unit).
  if (['samples', 'cpu', 'itimer'].includes(type) && unit === 'count' && ['cpu', 'itimer', ''].includes(ptype) && TIME_UNITS[punit]) {
    const period = big(get(profile, 'period'));
    if (period <= 0n) return { invalid: true, countBased: true };
    return { measure: 'cpu', mult: period * TIME_UNITS[punit], countBased: true };
  }
  if (type === 'off_cpu' && TIME_UNITS[unit]) return { measure: 'off_cpu', mult: TIME_UNITS[unit] };
  if (type === 'wall' && TIME_UNITS[unit]) return { measure: 'wall', mult: TIME_UNITS[unit] };
  if (['alloc_space', 'allocated_space', 'space', 'alloc-size'].includes(type) && unit === 'bytes') return { measure: 'memory', mult: 1n };
  if (['alloc_objects', 'allocated_objects'].includes(type) && unit === 'count') return { measure: 'allocations', mult: 1n };
  if (type === 'inuse_space' && unit === 'bytes') return { measure: 'inuse', mult: 1n };
  if (type === 'inuse_objects' && unit === 'count') return { measure: 'inuse_objects', mult: 1n };
  return { skipped: true };
}

function classifySafe(profile, dict) {
  try {
    return classify(profile, dict);
  } catch (e) {
    if (e instanceof Invalid) return { invalid: true };
    throw e;
  }
}

// ---- filters ----

function toRegExp(p) {
  let flags = 'u';
  let src = String(p);
  if (src.startsWith('(?i)')) {
    flags += 'i';
    src = src.slice(4);
  }
  return new RegExp(src, flags);
}

function compileFilter(f) {
  if (!f || f.enabled === false) return null; // enabled defaults to true when the object is given
  const include = [];
  if (f.pattern) include.push(f.pattern);
  for (const p of list(f.patterns)) include.push(p);
  return { include: include.map(toRegExp), exclude: list(f.exclude_patterns).map(toRegExp) };
}

// subjects: array of strings (possibly empty: "without one").
function filterPasses(filter, subjects) {
  if (!filter) return true;
  if (filter.include.length && !filter.include.some((re) => subjects.some((s) => re.test(s)))) return false;
  if (filter.exclude.some((re) => subjects.some((s) => re.test(s)))) return false;
  return true;
}

// ---- config attributes ----

// A literal rule gives its value; a regex rule gives, from the first
// string-table entry (index 1 on) it matches, capture group 1 when the
// pattern has one, else the whole match; no match, no attribute.
// Returns a Map key -> value in config order (first position of a key).
const CONVERTER_KEYS = ['thread.name', 'process.executable.name', 'code.function.name', 'otel.metric.overflow'];

function configAttrs(rules, strings) {
  const out = new Map();
  for (const r of list(rules)) {
    if (CONVERTER_KEYS.includes(r.key)) throw new Error(`expect.js: rule key ${r.key} is set by the converter`);
    if ((r.type ?? 'literal') === 'literal') {
      out.set(r.key, String(r.value));
      continue;
    }
    const re = new RegExp(r.value);
    for (const s of strings.slice(1)) {
      const m = re.exec(String(s));
      if (m) {
        out.set(r.key, m.length > 1 ? (m[1] ?? '') : m[0]);
        break;
      }
    }
  }
  return out;
}

// Point attributes in the contract's order (D4): the point's own
// (thread.name, process.executable.name, code.function.name), the copied
// resource attributes (resource order), the configured ones (config order).
// A key already present keeps its value.
function pointAttrs(own, copied, rules) {
  const out = new Map(Object.entries(own));
  for (const a of copied) if (!out.has(a.key)) out.set(a.key, a.norm);
  for (const [k, v] of rules) if (!out.has(k)) out.set(k, v);
  return Object.fromEntries(out);
}

// ---- the conversion ----

function attrsKey(attrs) {
  return JSON.stringify(Object.keys(attrs).sort().map((k) => [k, attrs[k]]));
}

function checkOptions(opts) {
  const fnOpts = opts.metrics?.function ?? {};
  if (fnOpts.top_n) throw new Error('expect.js: metrics.function.top_n is not implemented');
  const st = opts.sample_types;
  if (st && (Array.isArray(st) ? st.length : Object.keys(st).length)) throw new Error('expect.js: sample_types is not implemented');
  if (opts.temporality !== undefined && opts.temporality !== 'delta') throw new Error(`expect.js: temporality ${JSON.stringify(opts.temporality)} is not implemented`);
  for (const [measure, m] of Object.entries(opts.metrics ?? {})) {
    if (measure === 'function' || !m) continue;
    const def = METRIC_BY_NAME.get(BASE_METRIC.get(measure));
    if (!def) throw new Error(`expect.js: metrics.${measure}: unknown measure`);
    if (m.unit !== undefined && !(UNIT_ALIASES[def.unit] ?? [def.unit]).includes(m.unit)) {
      throw new Error(`expect.js: metrics.${measure}.unit ${JSON.stringify(m.unit)} is not implemented`);
    }
    if (m.metric_name !== undefined && m.metric_name !== def.name) throw new Error(`expect.js: metrics.${measure}.metric_name is not implemented`);
  }
  const measures = fnOpts.measures ?? FUNCTION_MEASURES;
  if (!Array.isArray(measures)) throw new Error('expect.js: metrics.function.measures must be an array');
  for (const m of measures) if (!FUNCTION_MEASURES.includes(m)) throw new Error(`expect.js: metrics.function.measures: ${JSON.stringify(m)} has no function metrics`);
  const copy = opts.copy_resource_attributes ?? ['*'];
  if (!Array.isArray(copy)) throw new Error('expect.js: copy_resource_attributes must be an array');
}

/**
 * expectedMetrics(request, options) -> {resources, counts, attributesShadowed}
 * request: a parsed OTLP/JSON ExportProfilesServiceRequest, or an array of
 * them (JSON Lines): either way ONE conversion, whose resources of equal
 * identity are merged and whose series are summed across requests.
 * options: the converter's configuration object (the parts listed above).
 */
export function expectedMetrics(request, options = {}) {
  const requests = Array.isArray(request) ? request : [request];
  const opts = options ?? {};
  checkOptions(opts);
  const fnOpts = opts.metrics?.function ?? {};
  const fnEnabled = fnOpts.enabled !== false;
  const selfEnabled = fnEnabled && fnOpts.self !== false;
  const inclusiveEnabled = fnEnabled && (fnOpts.inclusive ?? fnOpts.total) !== false;
  const fnMeasures = new Set(fnOpts.measures ?? FUNCTION_MEASURES);
  const copy = opts.copy_resource_attributes ?? ['*'];
  const copyAll = copy.includes('*');
  const copyKeys = new Set(copy.filter((k) => k !== '*'));
  const copies = (key) => copyKeys.has(key) || (copyAll && !NOT_COPIED.includes(key));
  const limit = opts.cardinality_limit ?? 10000;
  const filters = {
    process: compileFilter(opts.process_filter),
    thread: compileFilter(opts.thread_filter),
    pattern: compileFilter(opts.pattern_filter),
  };
  const measureEnabled = (m) => opts.metrics?.[m]?.enabled !== false;

  const counts = { total: 0, kept: 0, filtered: 0, invalid: 0, skipped: 0 };
  const cardinality = new Map(); // metric -> Set(series key)
  const byIdentity = new Map(); // identity -> output resource
  const outputs = []; // output resources in order of first sight
  let shadowed = 0; // (ResourceProfiles, rule) pairs whose rule the resource shadows
  let profileUid = 0;

  for (const req of requests) {
    const dict = makeDict(req);
    const rules = configAttrs(opts.attributes, dict.strings);
    const stackCache = new Map();
    for (const rp of list(get(req, 'resourceProfiles'))) {
      const resource = get(rp, 'resource') ?? {};
      let rAttrs;
      try {
        rAttrs = resourceAttrs(resource, dict);
      } catch (e) {
        if (e instanceof Invalid) throw new Error(`expect.js: resource attribute reference: ${e.message}`);
        throw e;
      }
      const schemaUrl = get(rp, 'schemaUrl') ?? '';
      const rKeys = new Set(rAttrs.map((a) => a.key));
      // D6: a rule whose key the resource has is left off its points.
      const extra = [...rules].filter(([k]) => !rKeys.has(k));
      const identity = JSON.stringify([rAttrs.map((a) => [a.key, a.typed]), schemaUrl]);
      let out = byIdentity.get(identity);
      if (!out) {
        out = {
          uid: outputs.length,
          attributes: Object.fromEntries(rAttrs.map((a) => [a.key, a.norm])),
          schemaUrl,
          scopes: [{ name: 'profiletometrics' }],
          series: new Map(), // metric -> Map(pointKey -> point)
          sinceStart: new Set(), // metrics of since-start sums (a Go heap profile's alloc_*)
        };
        byIdentity.set(identity, out);
        outputs.push(out);
      }
      for (const k of rules.keys()) if (rKeys.has(k)) shadowed++;
      // D4: the copied attributes, first of each key, in resource order.
      const copied = [];
      for (const a of rAttrs) {
        if (a.isScalar && copies(a.key) && !copied.some((c) => c.key === a.key)) copied.push(a);
      }
      const rStrings = rAttrs.filter((a) => a.isString).map((a) => a.norm);

      const add = (metric, own, value, prof) => {
        const def = METRIC_BY_NAME.get(metric);
        let attrs = pointAttrs(own, copied, extra);
        let key = attrsKey(attrs);
        let set = cardinality.get(metric);
        if (!set) cardinality.set(metric, (set = new Set()));
        const skey = `${out.uid}|${key}`;
        if (!set.has(skey)) {
          if (set.size >= limit) {
            attrs = { [OVERFLOW_KEY]: true };
            key = attrsKey(attrs);
          } else {
            set.add(skey);
          }
        }
        // A gauge's, or a since-start sum's, point is a snapshot of its profile.
        const pkey = def.type === 'gauge' || prof.sinceStart ? `${prof.uid}|${key}` : key;
        if (prof.sinceStart) out.sinceStart.add(metric);
        let pts = out.series.get(metric);
        if (!pts) out.series.set(metric, (pts = new Map()));
        let p = pts.get(pkey);
        if (!p) {
          pts.set(pkey, (p = { attributes: attrs, start: prof.start, end: prof.end, sum: 0n }));
        } else {
          if (prof.start < p.start) p.start = prof.start;
          if (prof.end > p.end) p.end = prof.end;
        }
        p.sum += value;
      };

      for (const sp of list(get(rp, 'scopeProfiles'))) {
        const profiles = list(get(sp, 'profiles'));
        const classes = profiles.map((p) => classifySafe(p, dict));
        const hasDirectCpu = classes.some((c) => c.direct);
        const hasInuse = classes.some((c) => c.measure === 'inuse' || c.measure === 'inuse_objects');
        profiles.forEach((profile, pi) => {
          const cls = classes[pi];
          const samples = list(get(profile, 'samples'));
          const start = big(get(profile, 'timeUnixNano'));
          const dur = big(get(profile, 'durationNano'));
          const uid = profileUid++;
          let status = null;
          if (cls.skipped || (cls.countBased && hasDirectCpu)) status = 'skipped';
          else if (cls.invalid) status = 'invalid';
          else if (!measureEnabled(cls.measure)) status = 'skipped';
          let pAttrs = null;
          if (!status) {
            try {
              pAttrs = tableAttrs(get(profile, 'attributeIndices'), dict);
            } catch (e) {
              if (!(e instanceof Invalid)) throw e;
              status = 'invalid';
            }
          }
          for (const sample of samples) {
            counts.total++;
            if (status) {
              counts[status]++;
              continue;
            }
            let value, sAttrs, names;
            try {
              const values = list(get(sample, 'values')).map(big);
              const ts = list(get(sample, 'timestampsUnixNano'));
              if (values.length && ts.length && values.length !== ts.length) throw new Invalid('values/timestamps lengths');
              if (values.some((v) => v < 0n)) throw new Invalid('negative value');
              value = values.length ? values.reduce((a, b) => a + b, 0n) : BigInt(ts.length);
              sAttrs = tableAttrs(get(sample, 'attributeIndices'), dict);
              at(dict.links, int(get(sample, 'linkIndex') ?? 0), 'link');
              names = stackNames(int(get(sample, 'stackIndex') ?? 0), dict, stackCache, opts.self_frame !== 'leaf');
            } catch (e) {
              if (!(e instanceof Invalid)) throw e;
              counts.invalid++;
              continue;
            }
            const thread = firstString('thread.name', sAttrs, pAttrs, rAttrs);
            const exe = firstString('process.executable.name', sAttrs, pAttrs, rAttrs);
            const pass =
              filterPasses(filters.process, exe ? [exe.value] : []) &&
              filterPasses(filters.thread, thread ? [thread.value] : []) &&
              filterPasses(filters.pattern, [
                ...sAttrs.filter((a) => a.isString).map((a) => a.norm),
                ...pAttrs.filter((a) => a.isString).map((a) => a.norm),
                ...rStrings,
                ...names.inclusive,
              ]);
            if (!pass) {
              counts.filtered++;
              continue;
            }
            counts.kept++;
            if (value === 0n) continue;
            // start + duration saturates at 2^64-1 (time_add_saturating in src/convert/pipeline.h)
            const end = dur > 0n ? (start + dur > MAX_U64 ? MAX_U64 : start + dur)
              : list(get(sample, 'timestampsUnixNano')).map(big).reduce((m, t) => (t > m ? t : m), start);
            // Allocations of a scope with in-use types and no duration (a Go heap
            // profile) count since the process started: no start time.
            const sinceStart = hasInuse && dur === 0n && (cls.measure === 'memory' || cls.measure === 'allocations');
            const prof = { uid, start: sinceStart ? 0n : start, end, sinceStart };
            const v = value * cls.mult;
            const base = {};
            if (thread) base['thread.name'] = thread.value;
            if (exe && exe.level < 2) base['process.executable.name'] = exe.value;
            add(BASE_METRIC.get(cls.measure), base, v, prof);
            const fm = FN_METRICS[cls.measure];
            if (fm && fnMeasures.has(cls.measure) && names.self !== null) {
              if (selfEnabled) add(fm.self, { 'code.function.name': names.self }, v, prof);
              if (inclusiveEnabled) for (const n of names.inclusive) add(fm.inclusive, { 'code.function.name': n }, v, prof);
            }
          }
        });
      }
    }
  }

  const resources = [];
  for (const out of outputs) {
    if (out.series.size === 0) continue;
    const metrics = {};
    for (const def of METRICS) {
      const pts = out.series.get(def.name);
      if (!pts) continue;
      metrics[def.name] = {
        unit: def.unit,
        type: def.type,
        valueType: def.valueType,
        temporality: def.type !== 'sum' ? 'unspecified' : out.sinceStart.has(def.name) ? 'cumulative' : 'delta',
        monotonic: def.type === 'sum',
        points: [...pts.values()].map((p) => ({
          attributes: p.attributes,
          start: p.start.toString(),
          end: p.end.toString(),
          value: def.valueType === 'double' ? Number(p.sum) / 1e9 : p.sum.toString(),
        })),
      };
    }
    resources.push({ attributes: out.attributes, schemaUrl: out.schemaUrl, scopes: out.scopes, metrics });
  }
  return { resources, counts, attributesShadowed: shadowed };
}

/** The same conversion for a list of requests (JSON Lines): one merged result. */
export function expectedMetricsForRequests(requests, options = {}) {
  if (!Array.isArray(requests)) throw new TypeError('expectedMetricsForRequests: an array of requests');
  return expectedMetrics(requests, options);
}

// ---- comparing documents ----

function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = canon(v[k]);
    return o;
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function pointKey(p) {
  return JSON.stringify(canon(p.attributes ?? {}));
}

function cmpPoints(a, b) {
  const ka = pointKey(a);
  const kb = pointKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  const sa = BigInt(a.start ?? 0);
  const sb = BigInt(b.start ?? 0);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const ea = BigInt(a.end ?? 0);
  const eb = BigInt(b.end ?? 0);
  if (ea !== eb) return ea < eb ? -1 : 1;
  return 0;
}

/** Sorts every metric's points (in place) by their sorted attributes, then start, end. Returns doc. */
export function sortPoints(doc) {
  for (const r of doc.resources ?? []) {
    for (const m of Object.values(r.metrics ?? {})) m.points?.sort(cmpPoints);
  }
  return doc;
}

function sameValue(a, e, valueType) {
  if (valueType === 'double' && typeof a === 'number' && typeof e === 'number') {
    if (a === e) return true;
    return Math.abs(a - e) <= 1e-12 * Math.max(Math.abs(a), Math.abs(e));
  }
  return String(a) === String(e) && typeof a === typeof e;
}

function show(v) {
  return JSON.stringify(canon(v));
}

/**
 * compareDocs(actual, expected) -> [difference, ...] (empty when equal).
 * Resources are compared in order; metrics by name; points regardless of
 * order. Scope versions are compared only where expected names one;
 * `counts` is ignored. Doubles are equal within a relative 1e-12.
 */
export function compareDocs(actual, expected) {
  const diffs = [];
  const ar = actual?.resources ?? [];
  const er = expected?.resources ?? [];
  if (ar.length !== er.length) diffs.push(`resources: got ${ar.length}, want ${er.length}`);
  for (let i = 0; i < Math.min(ar.length, er.length); i++) {
    const a = ar[i];
    const e = er[i];
    const where = `resource[${i}]`;
    if (show(a.attributes ?? {}) !== show(e.attributes ?? {})) {
      diffs.push(`${where} attributes: got ${show(a.attributes)}, want ${show(e.attributes)}`);
    }
    if ((a.schemaUrl ?? '') !== (e.schemaUrl ?? '')) diffs.push(`${where} schemaUrl: got ${show(a.schemaUrl)}, want ${show(e.schemaUrl)}`);
    if (e.scopes) {
      const as = a.scopes ?? [];
      if (as.length !== e.scopes.length) diffs.push(`${where} scopes: got ${show(as)}, want ${show(e.scopes)}`);
      e.scopes.forEach((s, j) => {
        if (!as[j]) return;
        if (as[j].name !== s.name) diffs.push(`${where} scope[${j}] name: got ${show(as[j].name)}, want ${show(s.name)}`);
        if (s.version !== undefined && as[j].version !== s.version) diffs.push(`${where} scope[${j}] version: got ${show(as[j].version)}, want ${show(s.version)}`);
      });
    }
    const am = a.metrics ?? {};
    const em = e.metrics ?? {};
    for (const name of Object.keys(em)) if (!(name in am)) diffs.push(`${where} metric ${name}: missing`);
    for (const name of Object.keys(am)) if (!(name in em)) diffs.push(`${where} metric ${name}: unexpected (${(am[name].points ?? []).length} points)`);
    for (const name of Object.keys(em)) {
      if (!(name in am)) continue;
      const ma = am[name];
      const me = em[name];
      const mw = `${where} ${name}`;
      for (const f of ['unit', 'type', 'valueType', 'temporality', 'monotonic']) {
        if (ma[f] !== me[f]) diffs.push(`${mw} ${f}: got ${show(ma[f])}, want ${show(me[f])}`);
      }
      const pa = [...(ma.points ?? [])].sort(cmpPoints);
      const pe = [...(me.points ?? [])].sort(cmpPoints);
      const groups = new Map();
      for (const p of pa) {
        const k = pointKey(p);
        if (!groups.has(k)) groups.set(k, { a: [], e: [] });
        groups.get(k).a.push(p);
      }
      for (const p of pe) {
        const k = pointKey(p);
        if (!groups.has(k)) groups.set(k, { a: [], e: [] });
        groups.get(k).e.push(p);
      }
      for (const [k, g] of groups) {
        if (g.a.length !== g.e.length) {
          if (!g.a.length) diffs.push(`${mw} point ${k}: missing (want value ${show(g.e[0].value)})`);
          else if (!g.e.length) diffs.push(`${mw} point ${k}: unexpected (value ${show(g.a[0].value)})`);
          else diffs.push(`${mw} point ${k}: got ${g.a.length} points, want ${g.e.length}`);
          continue;
        }
        g.a.forEach((p, j) => {
          const q = g.e[j];
          const pw = `${mw} point ${k}${g.a.length > 1 ? `#${j}` : ''}`;
          if (String(p.start) !== String(q.start)) diffs.push(`${pw} start: got ${p.start}, want ${q.start}`);
          if (String(p.end) !== String(q.end)) diffs.push(`${pw} end: got ${p.end}, want ${q.end}`);
          if (!sameValue(p.value, q.value, me.valueType)) diffs.push(`${pw} value: got ${show(p.value)}, want ${show(q.value)}`);
        });
      }
    }
  }
  return diffs;
}
