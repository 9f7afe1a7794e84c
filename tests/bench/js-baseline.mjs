// js-baseline.mjs: the "plain-JS baseline" row of `make bench`: the default
// metrics of README "## Metrics" computed by plain JavaScript, as a Node or
// browser program without the wasm module would: protobufjs (pinned in
// tests/package.json) decodes the request with the repo's own minimal .proto
// files (src/proto/profiles.proto, metrics.proto: the spec's names and
// numbers), JavaScript Maps aggregate, protobufjs encodes the
// ExportMetricsServiceRequest.
//
//   node tests/bench/js-baseline.mjs [--output FILE]
//        [--warm-seconds S] [--batch-seconds S] [--batches N] INPUT
//
// The same computation as tests/go/internal/pdataoracle/convert.go, in the
// default configuration only: measures by sample type, count-based CPU
// skipped beside a direct one, thread.name and process.executable.name
// looked up sample → profile → resource, function self (leaf frame) and
// inclusive (each distinct name on the stack) metrics, scalar resource
// attributes but service.* copied onto points, cardinality limit 10,000 per
// metric with an overflow point per resource. 64-bit fields decode as
// protobufjs' default Long objects (exact; sample values are summed as
// numbers, which stay exact below 2^53). One run is decode → aggregate →
// encode of one request; timed by tests/bench/measure.mjs. --output writes
// the last run's bytes for tests/bench/matrix.mjs to check against ptm's.
// Prints one JSON object.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

import { measure, parsePlan, peakRssKib, rowFigures } from './measure.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const protoRoot = protobuf.loadSync([join(root, 'src', 'proto', 'profiles.proto'), join(root, 'src', 'proto', 'metrics.proto')]);
const ProfilesRequest = protoRoot.lookupType('opentelemetry.proto.profiles.v1development.ExportProfilesServiceRequest');
const MetricsRequest = protoRoot.lookupType('opentelemetry.proto.metrics.v1.ExportMetricsServiceRequest');
const Long = protobuf.util.Long;

// The metric table, in output order.
const METRICS = [
  ['profile.cpu.time', 's', 'cpu', false, ''],
  ['profile.off_cpu.time', 's', 'off_cpu', false, ''],
  ['profile.wall.time', 's', 'wall', false, ''],
  ['profile.memory.allocated', 'By', 'memory', false, ''],
  ['profile.memory.allocations', '{allocation}', 'allocations', false, ''],
  ['profile.memory.inuse', 'By', 'inuse', true, ''],
  ['profile.memory.inuse_objects', '{object}', 'inuse_objects', true, ''],
  ['profile.function.self.cpu.time', 's', 'cpu', false, 'self'],
  ['profile.function.inclusive.cpu.time', 's', 'cpu', false, 'inclusive'],
  ['profile.function.self.off_cpu.time', 's', 'off_cpu', false, 'self'],
  ['profile.function.inclusive.off_cpu.time', 's', 'off_cpu', false, 'inclusive'],
  ['profile.function.self.wall.time', 's', 'wall', false, 'self'],
  ['profile.function.inclusive.wall.time', 's', 'wall', false, 'inclusive'],
  ['profile.function.self.memory.allocated', 'By', 'memory', false, 'self'],
  ['profile.function.inclusive.memory.allocated', 'By', 'memory', false, 'inclusive'],
  ['profile.function.self.memory.inuse', 'By', 'inuse', true, 'self'],
  ['profile.function.inclusive.memory.inuse', 'By', 'inuse', true, 'inclusive'],
  ['profile.function.self.memory.inuse_objects', '{object}', 'inuse_objects', true, 'self'],
  ['profile.function.inclusive.memory.inuse_objects', '{object}', 'inuse_objects', true, 'inclusive'],
].map(([name, unit, measure, gauge, fn]) => ({ name, unit, measure, gauge, fn }));
const metricIndex = (measure, fn) => METRICS.findIndex((m) => m.measure === measure && m.fn === fn);
const TIME_UNITS = { nanoseconds: 1, ns: 1, microseconds: 1e3, us: 1e3, milliseconds: 1e6, ms: 1e6, seconds: 1e9, s: 1e9 };
const NOT_COPIED = new Set(['service.name', 'service.namespace', 'service.instance.id']);
const SCALAR_TYPES = new Set(['s', 'i', 'd', 'b']);
const CARDINALITY_LIMIT = 10000;

/** A 64-bit field as a number (protobufjs gives a Long or a number). */
const num = (v) => (typeof v === 'number' ? v : v.toNumber());
/** A 64-bit unsigned field as a Long. */
const ulong = (v) => (typeof v === 'number' ? Long.fromNumber(v, true) : v);

/**
 * An AnyValue as [type tag, JS value] (tag '' for the kinds not used here).
 * Which field is set is the oneof's virtual property `value`: unset fields
 * read as their defaults.
 */
function anyValue(v, strings) {
  switch (v?.value) {
    case 'stringValue': return ['s', v.stringValue];
    case 'stringValueStrindex': return ['s', strings[v.stringValueStrindex] ?? ''];
    case 'intValue': return ['i', v.intValue];
    case 'doubleValue': return ['d', v.doubleValue];
    case 'boolValue': return ['b', v.boolValue];
    default: return ['', null];
  }
}

/** One conversion's state over one request. */
class Converter {
  constructor(request) {
    const d = request.dictionary ?? {};
    this.strings = d.stringTable ?? [];
    this.attributes = d.attributeTable ?? [];
    this.stacks = d.stackTable ?? [];
    this.locations = d.locationTable ?? [];
    this.functions = d.functionTable ?? [];
    this.mappings = d.mappingTable ?? [];
    this.metrics = METRICS.map(() => ({ points: new Map(), identities: new Set(), series: 0 }));
    this.resources = [];
    this.resourceByKey = new Map();
    this.profileCount = 0;
  }

  str(i) {
    return this.strings[i ?? 0] ?? '';
  }

  /** The index of a ResourceProfiles' resource identity, added on first sight. */
  resourceIndex(rp) {
    const attrs = rp.resource?.attributes ?? [];
    const values = attrs.map((kv) => [kv.key || this.str(kv.keyStrindex), anyValue(kv.value, this.strings)]);
    const key = JSON.stringify([values.map(([k, [t, v]]) => [k, t, String(v)]), rp.schemaUrl ?? '']);
    let index = this.resourceByKey.get(key);
    if (index !== undefined) return index;
    const copied = values.filter(([k, [t]]) => SCALAR_TYPES.has(t) && !NOT_COPIED.has(k));
    index = this.resources.length;
    this.resources.push({ values, schemaUrl: rp.schemaUrl ?? '', copied, points: METRICS.map(() => []) });
    this.resourceByKey.set(key, index);
    return index;
  }

  /** { measure, factor, countBased } of a profile, or null when it feeds no metric. */
  classify(p) {
    const type = this.str(p.sampleType?.typeStrindex);
    const unit = this.str(p.sampleType?.unitStrindex);
    const scale = TIME_UNITS[unit];
    if (scale !== undefined && (type === 'cpu' || type === 'off_cpu' || type === 'wall')) {
      return { measure: type, factor: scale, countBased: false };
    }
    const periodScale = TIME_UNITS[this.str(p.periodType?.unitStrindex)];
    const period = num(p.period ?? 0);
    if ((type === 'samples' || type === 'cpu') && unit === 'count' && this.str(p.periodType?.typeStrindex) === 'cpu'
        && periodScale !== undefined && period > 0) {
      return { measure: 'cpu', factor: period * periodScale, countBased: true };
    }
    if (unit === 'bytes' && (type === 'alloc_space' || type === 'allocated_space' || type === 'space')) return { measure: 'memory', factor: 1 };
    if (unit === 'count' && (type === 'alloc_objects' || type === 'allocated_objects')) return { measure: 'allocations', factor: 1 };
    if (unit === 'bytes' && type === 'inuse_space') return { measure: 'inuse', factor: 1 };
    if (unit === 'count' && type === 'inuse_objects') return { measure: 'inuse_objects', factor: 1 };
    return null;
  }

  scope(resource, rp, sp) {
    const profiles = sp.profiles ?? [];
    const kinds = profiles.map((p) => this.classify(p));
    const direct = kinds.some((k) => k?.measure === 'cpu' && !k.countBased);
    profiles.forEach((p, i) => {
      this.profileCount++;
      const kind = kinds[i];
      if (kind === null || (kind.countBased && direct)) return;
      for (const s of p.samples ?? []) this.sample(resource, rp, p, s, kind);
    });
  }

  /** The first string value of key among the attribute indices. */
  stringAttribute(indices, key) {
    for (const i of indices ?? []) {
      const a = this.attributes[i];
      if (this.str(a.keyStrindex) === key && a.value?.value === 'stringValue') return a.value.stringValue;
    }
    return undefined;
  }

  /** key looked up sample → profile → resource: [value, fromResource]. */
  pointAttribute(s, p, rp, key) {
    const onSample = this.stringAttribute(s.attributeIndices, key) ?? this.stringAttribute(p.attributeIndices, key);
    if (onSample !== undefined) return [onSample, false];
    const kv = (rp.resource?.attributes ?? []).find((a) => (a.key || this.str(a.keyStrindex)) === key);
    const [type, value] = anyValue(kv?.value, this.strings);
    return type === 's' ? [value, true] : [undefined, false];
  }

  sample(resource, rp, p, s, kind) {
    const values = s.values ?? [];
    const timestamps = s.timestampsUnixNano ?? [];
    let value = values.length === 0 ? timestamps.length : 0;
    for (const v of values) value += num(v);
    value *= kind.factor;
    if (value === 0) return;
    const start = ulong(p.timeUnixNano ?? 0);
    const duration = ulong(p.durationNano ?? 0);
    let end = start.add(duration);
    if (duration.isZero()) for (const t of timestamps) if (ulong(t).greaterThan(end)) end = ulong(t);
    const [thread] = this.pointAttribute(s, p, rp, 'thread.name');
    const [exe, exeOnResource] = this.pointAttribute(s, p, rp, 'process.executable.name');
    const base = metricIndex(kind.measure, '');
    const profile = METRICS[base].gauge ? this.profileCount : 0;
    const attrs = { 'thread.name': thread, 'process.executable.name': exeOnResource ? undefined : exe };
    const identity = `${thread ?? '\u0002'}\u0001${attrs['process.executable.name'] ?? '\u0002'}`;
    this.add(base, resource, `${profile}\u0001${identity}`, identity, profile, attrs, value, start, end);
    const self = metricIndex(kind.measure, 'self');
    const stack = this.stacks[s.stackIndex ?? 0];
    const locations = stack?.locationIndices ?? [];
    if (self < 0 || !s.stackIndex || locations.length === 0) return;
    const leaf = this.locations[locations[0]];
    const leafName = leaf.lines?.length ? this.functionName(leaf, leaf.lines[0]) : this.mappingName(leaf);
    this.add(self, resource, leafName, leafName, 0, { 'code.function.name': leafName }, value, start, end);
    const inclusive = metricIndex(kind.measure, 'inclusive');
    const seen = new Set();
    for (const l of locations) {
      const loc = this.locations[l];
      const names = loc.lines?.length ? loc.lines.map((line) => this.functionName(loc, line)) : [this.mappingName(loc)];
      for (const name of names) {
        if (seen.has(name)) continue;
        seen.add(name);
        this.add(inclusive, resource, name, name, 0, { 'code.function.name': name }, value, start, end);
      }
    }
  }

  functionName(loc, line) {
    const f = this.functions[line.functionIndex ?? 0] ?? {};
    return this.str(f.nameStrindex) || this.str(f.systemNameStrindex) || this.mappingName(loc);
  }

  mappingName(loc) {
    const file = this.str(this.mappings[loc.mappingIndex ?? 0]?.filenameStrindex);
    return file === '' ? '[unknown]' : file.slice(file.lastIndexOf('/') + 1);
  }

  /**
   * Adds value to the point of (resource, series) in metric, or to the
   * resource's overflow point once the metric has CARDINALITY_LIMIT series.
   * series names the point's attributes (and a gauge's profile); identity
   * its attributes alone, which the limit counts.
   */
  add(metric, resource, series, identity, profile, attrs, value, start, end) {
    const state = this.metrics[metric];
    let key = `${resource}\u0000${series}`;
    let point = state.points.get(key);
    if (point === undefined) {
      if (this.pastLimit(metric, `${resource}\u0000${identity}`)) {
        key = `${resource}\u0000${profile}\u0000overflow`;
        attrs = null;
        point = state.points.get(key);
      }
      if (point === undefined) {
        point = { attrs, value: 0, start, end };
        state.points.set(key, point);
        this.resources[resource].points[metric].push(point);
      }
    }
    point.value += value;
    if (start.lessThan(point.start)) point.start = start;
    if (end.greaterThan(point.end)) point.end = end;
  }

  /** Whether a new series would be past the limit; counts it when not. */
  pastLimit(metric, identity) {
    const state = this.metrics[metric];
    if (!METRICS[metric].gauge) {
      if (state.series >= CARDINALITY_LIMIT) return true;
      state.series++;
      return false;
    }
    if (state.identities.has(identity)) return false;
    if (state.identities.size >= CARDINALITY_LIMIT) return true;
    state.identities.add(identity);
    return false;
  }

  /** The ExportMetricsServiceRequest as a protobufjs-encodable object. */
  output() {
    const resourceMetrics = [];
    for (const r of this.resources) {
      const metrics = [];
      r.points.forEach((points, i) => {
        if (points.length > 0) metrics.push(metricObject(METRICS[i], points, r.copied));
      });
      if (metrics.length === 0) continue;
      resourceMetrics.push({
        resource: { attributes: r.values.map(([key, typed]) => keyValue(key, typed)) },
        schemaUrl: r.schemaUrl,
        scopeMetrics: [{ scope: { name: 'profiletometrics' }, metrics }],
      });
    }
    return { resourceMetrics };
  }
}

function keyValue(key, [type, v]) {
  const value = type === 's' ? { stringValue: v } : type === 'i' ? { intValue: v } : type === 'd' ? { doubleValue: v } : { boolValue: v };
  return { key, value };
}

function pointAttributes(attrs, copied) {
  if (attrs === null) return [{ key: 'otel.metric.overflow', value: { boolValue: true } }];
  const out = [];
  for (const [key, v] of Object.entries(attrs)) if (v !== undefined) out.push({ key, value: { stringValue: v } });
  for (const [key, typed] of copied) if (attrs[key] === undefined) out.push(keyValue(key, typed));
  return out;
}

function metricObject(def, points, copied) {
  const dataPoints = points.map((p) => ({
    attributes: pointAttributes(p.attrs, copied),
    startTimeUnixNano: p.start,
    timeUnixNano: p.end,
    ...(def.unit === 's' ? { asDouble: p.value / 1e9 } : { asInt: p.value }),
  }));
  const data = def.gauge ? { gauge: { dataPoints } } : { sum: { dataPoints, aggregationTemporality: 1, isMonotonic: true } };
  return { name: def.name, unit: def.unit, ...data };
}

/** One request through decode → aggregate → encode; the output bytes. */
function convertOnce(input) {
  const request = ProfilesRequest.decode(input);
  const converter = new Converter(request);
  for (const rp of request.resourceProfiles ?? []) {
    const resource = converter.resourceIndex(rp);
    for (const sp of rp.scopeProfiles ?? []) converter.scope(resource, rp, sp);
  }
  return MetricsRequest.encode(converter.output()).finish();
}

function sampleCount(input) {
  let n = 0;
  for (const rp of ProfilesRequest.decode(input).resourceProfiles ?? []) {
    for (const sp of rp.scopeProfiles ?? []) for (const p of sp.profiles ?? []) n += (p.samples ?? []).length;
  }
  return n;
}

function main() {
  const { plan, rest } = parsePlan(process.argv.slice(2));
  let outputPath;
  const files = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--output') outputPath = rest[++i];
    else files.push(rest[i]);
  }
  if (files.length !== 1) throw new Error('usage: js-baseline.mjs [--output FILE] [--warm-seconds S] [--batch-seconds S] [--batches N] INPUT');
  const input = readFileSync(files[0]);
  const samples = sampleCount(input);
  let output;
  const measurement = measure(() => { output = convertOnce(input); }, plan);
  if (outputPath) writeFileSync(outputPath, output);
  console.log(JSON.stringify({
    row: 'plain-JS baseline',
    format: 'otlp',
    ...rowFigures(measurement, samples, input.length),
    output_bytes: output.length,
    peak_rss_kib: peakRssKib(),
  }));
}

main();
