// model.js: what the inspector shows, computed from the core's OTLP/JSON
// output (never from the input itself): totals, processes, threads,
// functions and series. Also the default configuration the editor shows and
// the collector connector's YAML block. Pure functions, shared by the worker
// and the page (and loadable in Node).

/** The core's configuration with every default written out (docs/configuration.md). */
export const DEFAULT_CONFIG = {
  metrics: {
    cpu: { enabled: true, metric_name: 'profile.cpu.time', unit: 's', description: 'CPU time from profiles' },
    off_cpu: { enabled: true, metric_name: 'profile.off_cpu.time', unit: 's', description: 'Time off CPU (blocked, waiting) from profiles' },
    wall: { enabled: true, metric_name: 'profile.wall.time', unit: 's', description: 'Wall-clock time from profiles' },
    memory: { enabled: true, metric_name: 'profile.memory.allocated', unit: 'By', description: 'Memory allocated, from profiles' },
    allocations: { enabled: true, metric_name: 'profile.memory.allocations', unit: '{allocation}', description: 'Allocations, from profiles' },
    inuse: { enabled: true, metric_name: 'profile.memory.inuse', unit: 'By', description: 'Memory in use at the time of the profile' },
    inuse_objects: { enabled: true, metric_name: 'profile.memory.inuse_objects', unit: '{object}', description: 'Objects in use at the time of the profile' },
    function: { enabled: true, self: true, inclusive: true, top_n: 0, measures: ['cpu', 'off_cpu', 'wall', 'memory', 'inuse', 'inuse_objects'] },
  },
  attributes: [],
  process_filter: { enabled: false, patterns: [], exclude_patterns: [] },
  thread_filter: { enabled: false, patterns: [], exclude_patterns: [] },
  pattern_filter: { enabled: false, patterns: [], exclude_patterns: [] },
  sample_types: [],
  copy_resource_attributes: ['*'],
  temporality: 'delta',
  metrics_expiration: '5m',
  cardinality_limit: 10000,
  max_input_bytes: 67108864,
};

export const DEFAULT_CONFIG_TEXT = `${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`;

/** The measures the page totals, with the metric each one feeds. */
const MEASURES = ['cpu', 'off_cpu', 'wall', 'memory'];
const SCALE = { s: 1, seconds: 1, ms: 1e-3, milliseconds: 1e-3, us: 1e-6, microseconds: 1e-6, ns: 1e-9, nanoseconds: 1e-9,
  By: 1, bytes: 1, B: 1, KiBy: 1024, KiB: 1024, MiBy: 1 << 20, MiB: 1 << 20, GiBy: 1 << 30, GiB: 1 << 30 };

/** Metric names of a (valid) configuration object: measure -> base name, and the function metrics. */
export function metricNames(config) {
  const names = {};
  for (const m of MEASURES) {
    const c = config?.metrics?.[m] ?? {};
    names[m] = c.metric_name ?? c.name ?? DEFAULT_CONFIG.metrics[m].metric_name;
  }
  return names;
}

function attrValue(value) {
  if (!value) return '';
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return String(value.intValue);
  if ('doubleValue' in value) return String(value.doubleValue);
  if ('boolValue' in value) return String(value.boolValue);
  if ('arrayValue' in value) return JSON.stringify((value.arrayValue.values ?? []).map(attrValue));
  if ('kvlistValue' in value) return JSON.stringify(value.kvlistValue);
  if ('bytesValue' in value) return value.bytesValue;
  return '';
}

function attrMap(list) {
  const map = new Map();
  for (const { key, value } of list ?? []) map.set(key, attrValue(value));
  return map;
}

/** A point's value as a number (intValue is a string in OTLP/JSON). */
export function pointValue(point) {
  if ('asDouble' in point) return Number(point.asDouble);
  if ('asInt' in point) return Number(point.asInt);
  return 0;
}

/** The process a point belongs to: its executable name (point, then resource), else its pid, else the service. */
export function processOf(point, resource) {
  const name = point.get('process.executable.name') ?? resource.get('process.executable.name');
  const pid = point.get('process.pid') ?? resource.get('process.pid');
  if (name !== undefined) return pid !== undefined ? `${name} (${pid})` : name;
  if (pid !== undefined) return `pid ${pid}`;
  const service = resource.get('service.name');
  return service !== undefined ? service : '(unknown process)';
}

/**
 * The inspector's model of one conversion: doc is the parsed OTLP/JSON
 * output, stats the core's counts, config the configuration object used.
 * Values are in seconds for time and bytes for memory.
 */
export function buildModel(doc, stats, config) {
  const names = metricNames(config);
  const byName = new Map(MEASURES.map((m) => [names[m], m]));
  const fnMetric = new Map();
  for (const m of MEASURES) {
    fnMetric.set(`profile.function.self.${m === 'memory' ? 'memory.allocated' : `${m}.time`}`, { measure: m, kind: 'self' });
    fnMetric.set(`profile.function.inclusive.${m === 'memory' ? 'memory.allocated' : `${m}.time`}`, { measure: m, kind: 'inclusive' });
  }
  const totals = { cpu: 0, off_cpu: 0, wall: 0, memory: 0 };
  const processes = new Map();
  const threads = new Map();
  const functions = new Map();
  const series = [];
  const blank = () => ({ cpu: 0, off_cpu: 0, wall: 0, memory: 0 });
  for (const rm of doc.resourceMetrics ?? []) {
    const resource = attrMap(rm.resource?.attributes);
    const resourceText = [...resource].map(([k, v]) => `${k}=${v}`);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        const type = metric.sum ? 'sum' : metric.gauge ? 'gauge' : metric.histogram ? 'histogram' : 'other';
        const points = metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? [];
        const scale = SCALE[metric.unit] ?? 1;
        const measure = byName.get(metric.name);
        const fn = fnMetric.get(metric.name);
        for (const p of points) {
          const attrs = attrMap(p.attributes);
          const value = pointValue(p);
          series.push({
            name: metric.name, unit: metric.unit ?? '', type: `${type}${'asDouble' in p ? ' double' : ' int'}`,
            attributes: [...[...attrs].map(([k, v]) => `${k}=${v}`), ...resourceText.filter((t) => !attrs.has(t.split('=')[0]))].join(', '),
            value,
          });
          if (measure) {
            const v = value * scale;
            totals[measure] += v;
            const proc = processOf(attrs, resource);
            if (!processes.has(proc)) processes.set(proc, { process: proc, ...blank() });
            processes.get(proc)[measure] += v;
            const thread = attrs.get('thread.name') ?? '(no thread name)';
            const key = `${proc}\u0000${thread}`;
            if (!threads.has(key)) threads.set(key, { process: proc, thread, ...blank() });
            threads.get(key)[measure] += v;
          } else if (fn) {
            const name = attrs.get('code.function.name') ?? (attrs.get('otel.metric.overflow') ? '(overflow)' : '(unknown)');
            const key = `${fn.measure}\u0000${name}`;
            if (!functions.has(key)) functions.set(key, { measure: fn.measure, function: name, self: 0, inclusive: 0 });
            functions.get(key)[fn.kind] += value * scale;
          }
        }
      }
    }
  }
  return {
    stats,
    totals,
    processes: [...processes.values()],
    threads: [...threads.values()],
    functions: [...functions.values()],
    series,
  };
}

/** The key path a core config message names ("config: a.b[0]: ..." -> "a.b[0]"), or null. */
export function configPathOf(message) {
  const match = /^config: ([A-Za-z_][\w.]*(?:\[\d+\][\w.]*)*)(?::|\s)/.exec(message ?? '');
  return match ? match[1] : null;
}

/**
 * The line (0-based) of a JSON text where the key path is written: walks the
 * text with a small tokenizer keeping the current path. null when not found.
 */
export function lineOfPath(text, path) {
  if (!path) return null;
  const want = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
  let i = 0;
  let line = 0;
  const stack = []; // { kind: 'object'|'array', key, index }
  let best = null;
  const current = () => stack.map((s) => (s.kind === 'array' ? String(s.index) : s.key)).filter((k) => k !== undefined);
  const check = (at) => {
    const p = current();
    if (p.length && p.length <= want.length && p.every((k, n) => k === want[n])) {
      if (best === null || p.length >= best.depth) best = { depth: p.length, line: at };
    }
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') { s += text[j + 1]; j += 2; } else { s += text[j]; j++; }
      }
      const top = stack[stack.length - 1];
      let k = j + 1;
      while (k < text.length && /[ \t\r]/.test(text[k])) k++;
      if (top?.kind === 'object' && text[k] === ':') { top.key = s; check(line); }
      i = j + 1;
      continue;
    }
    if (c === '{') { stack.push({ kind: 'object' }); i++; continue; }
    if (c === '[') { stack.push({ kind: 'array', index: 0 }); check(line); i++; continue; }
    if (c === '}' || c === ']') { stack.pop(); i++; continue; }
    if (c === ',') { const top = stack[stack.length - 1]; if (top?.kind === 'array') { top.index++; } i++; continue; }
    if (!/\s/.test(c)) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') check(line);
    }
    i++;
  }
  return best ? best.line : null;
}

function yamlScalar(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  return String(value);
}

function yamlLines(value, indent) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return null;
    return value.flatMap((item) => {
      if (item !== null && typeof item === 'object' && Object.keys(item).length) {
        const inner = yamlLines(item, indent + 2);
        return [`${pad}- ${inner[0].trimStart()}`, ...inner.slice(1)];
      }
      return [`${pad}- ${item !== null && typeof item === 'object' ? (Array.isArray(item) ? '[]' : '{}') : yamlScalar(item)}`];
    });
  }
  return Object.entries(value).flatMap(([key, item]) => {
    const name = /^[A-Za-z_][\w.-]*$/.test(key) ? key : JSON.stringify(key);
    if (item !== null && typeof item === 'object') {
      const inner = yamlLines(item, indent + 2);
      if (inner === null || inner.length === 0) return [`${pad}${name}: ${Array.isArray(item) ? '[]' : '{}'}`];
      return [`${pad}${name}:`, ...inner];
    }
    return [`${pad}${name}: ${yamlScalar(item)}`];
  });
}

/**
 * The collector connector's block (docs/hosts/collector.md): the core's
 * keys, in YAML. The page's temporality is the
 * core's default, delta; the connector's own default is cumulative (what
 * every Prometheus path takes), so a delta that is only the page's default
 * is left out of the block rather than pinned there.
 */
export function connectorYaml(config) {
  const { temporality, ...rest } = config ?? {};
  const body = yamlLines(temporality === undefined || temporality === DEFAULT_CONFIG.temporality
    ? rest : { ...rest, temporality }, 4) ?? [];
  return ['connectors:', body.length ? '  profiletometrics:' : '  profiletometrics: {}', ...body].join('\n') + '\n';
}
