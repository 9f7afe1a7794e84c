// app.js: the inspector page. Opens a profile (file picker, drag-and-drop,
// paste, or the sample shipped with the page), hands it to worker.js, and
// draws what comes back: totals, tables, the flame graph, the series; the
// config editor re-runs the conversion as you type. No framework, no
// request but the page's own files.
import { DEFAULT_CONFIG_TEXT, configPathOf, connectorYaml, lineOfPath } from './model.js';
import { parseFolded, renderIcicle, sortedChildren } from './flame.js';
import { alert, emptyText, openError, setState, status } from './status.js';

const $ = (id) => document.getElementById(id);
const state = {
  worker: null, formats: [], blob: null, name: '', input: 'auto', busy: false, pending: null, runId: 0,
  shown: null, // the blob whose results are on screen (null: none)
  resultStatus: '', // the status line of the results on screen
  model: null, folded: null, tree: null, focus: null, selected: null, goodConfig: DEFAULT_CONFIG_TEXT,
  symbols: [], // ELF files (File) handed to every conversion: native frames named from them
  openedAt: 0, started: new Map(), timings: [],
};
// For tests and the curious: the page's state, read-only.
window.ptmInspector = {
  get state() { return document.body.dataset.state; },
  get formats() { return [...state.formats]; },
  get timings() { return state.timings.slice(); },
  get model() { return state.model; },
};

// ---- formatting --------------------------------------------------------------
const nf = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });
function seconds(v) {
  if (v === 0) return '0 s';
  if (Math.abs(v) < 1e-3) return `${nf.format(v * 1e6)} µs`;
  if (Math.abs(v) < 1) return `${nf.format(v * 1e3)} ms`;
  return `${nf.format(v)} s`;
}
function bytes(v) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${nf.format(v)} ${units[i]}`;
}
const count = (v) => new Intl.NumberFormat('en').format(v);
const FORMAT = { seconds, bytes, count, text: (v) => String(v), number: (v) => nf.format(v) };
const MEASURE_FORMAT = { cpu: seconds, off_cpu: seconds, wall: seconds, memory: bytes };

// ---- the worker --------------------------------------------------------------
function startWorker() {
  state.worker?.terminate();
  state.busy = false;
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => onMessage(data);
  worker.onerror = (event) => { alert(`The converter failed: ${event.message ?? 'worker error'}`); status('The converter failed.'); setState('error'); };
  state.worker = worker;
}

function run() {
  if (!state.blob) return;
  const message = { type: 'run', id: ++state.runId, blob: state.blob, config: $('config').value, folded: $('flame-measure').value,
    symbols: state.symbols, input: state.input };
  // From the file being chosen (or the edit's run), to its results on screen.
  state.started.set(message.id, state.openedAt || performance.now());
  state.openedAt = 0;
  if (state.busy) { state.pending = message; return; }
  send(message);
}

function send(message) {
  state.busy = true;
  state.pending = null;
  state.current = message;
  setState('running');
  status(`Converting ${state.name}…`, state.blob.size > 1 << 20 ? 0 : undefined);
  state.worker.postMessage(message);
}

function settle() {
  state.busy = false;
  if (state.pending) send(state.pending);
}

function onMessage(data) {
  switch (data.type) {
    case 'ready':
      state.formats = data.formats;
      document.querySelector('[data-export="folded"]').disabled = !state.formats.includes('folded');
      if (!state.formats.includes('folded')) {
        $('flame').dataset.placeholder = 'The flame graph needs the core\'s folded output (-f folded), which this build of the package does not have yet.';
      }
      if (state.busy) return; // a worker restarted for a new file: its run is on the way
      setState('ready');
      status('Ready. Open a profile, drop one here, paste OTLP/JSON, or try the sample.');
      return;
    case 'progress':
      if (data.id !== state.runId) return;
      // The folding reads the whole file at once: no fraction to show, only that it goes on.
      if (data.stage === 'folded') status(`${state.resultStatus} Folding the stacks for the flame graph…`, null);
      else status(`Converting ${state.name}: ${bytes(data.done)} of ${bytes(data.total)}`, data.total ? data.done / data.total : null);
      return;
    case 'result': {
      const stale = data.id !== state.runId;
      state.goodConfig = state.current?.config ?? state.goodConfig;
      showConfigError(null);
      alert(null);
      state.model = data.model;
      state.shown = state.blob;
      render();
      const totalMs = performance.now() - (state.started.get(data.id) ?? performance.now());
      state.started.delete(data.id);
      state.timings.push({ id: data.id, name: state.name, bytes: data.timing.bytes, convertMs: data.timing.convertMs, modelMs: data.timing.modelMs, totalMs });
      notes(data);
      state.resultStatus = `${state.name}: ${bytes(data.timing.bytes)} converted in ${nf.format(data.timing.convertMs)} ms.`;
      status(state.resultStatus);
      settle();
      if (!stale && !state.pending) setState('done');
      document.body.dataset.run = String(data.id);
      return;
    }
    case 'folded':
      if (data.id !== state.runId) return;
      state.folded = data.text;
      drawFlame(true);
      // The folding's progress is over: the status line says what is on screen again.
      if (!state.busy) status(`${state.resultStatus} Flame graph: ${data.text === '' ? 'no samples of this measure' : `stacks folded in ${nf.format(data.ms)} ms`}.`);
      document.body.dataset.folded = String(data.id);
      return;
    case 'exported':
      download(data.bytes, data.format);
      return;
    case 'error':
      if (data.request === 'export') { alert(`Export failed: ${data.message}`); status('Export failed.'); return; }
      if (data.request !== 'run') { alert(`The converter failed to load: ${data.message}`); status('The converter failed to load.'); setState('error'); return; }
      if (data.stage === 'folded') { // after the result: the flame graph alone failed
        if (data.id !== state.runId) return;
        state.folded = null;
        alert(`${state.name}: the flame graph failed: ${data.message}`);
        flamePlaceholder(`The flame graph failed: ${data.message}`);
        status(state.resultStatus);
        document.body.dataset.folded = String(data.id);
        return;
      }
      settle();
      // Another file's results never stay under this one's name.
      if (state.shown !== state.blob) clearResults();
      if (data.code === 'config' || data.code === 'page' && /JSON/.test(data.message)) {
        showConfigError(data.message);
        status(state.model ? 'The configuration has an error; the last good result stays on screen.' : 'The configuration has an error.');
      } else {
        alert(openError(state.name, data));
        status(state.shown ? `${state.name} could not be converted; the results shown are of its last good conversion.` : `${state.name} could not be opened.`);
      }
      if (!state.pending) setState(data.code === 'config' ? 'config-error' : 'error');
      document.body.dataset.run = String(data.id);
      return;
    default:
  }
}

function notes(data) {
  const parts = [];
  if (data.warning) parts.push(data.warning);
  if (data.refused?.length) parts.push(`${data.refused.length} request(s) refused: ${data.refused.slice(0, 3).join('; ')}`);
  $('notes').textContent = parts.join(' · ');
}

// ---- opening -----------------------------------------------------------------
function open(blob, name, input = 'auto') {
  if (state.busy) startWorker();
  state.blob = blob;
  state.name = name;
  state.input = input;
  forgetFlame();
  state.openedAt = performance.now();
  $('source').textContent = `${name} (${bytes(blob.size)})`;
  run();
}

$('file').addEventListener('change', (event) => {
  const [file] = event.target.files;
  if (file) open(file, file.name);
  event.target.value = ''; // the same file again is a change too
});
$('symbols').addEventListener('change', (event) => {
  state.symbols = [...state.symbols, ...event.target.files];
  event.target.value = '';
  $('source').title = `symbol files: ${state.symbols.map((f) => f.name).join(', ')}`;
  if (state.blob) run();
});
$('sample').addEventListener('click', async () => {
  const response = await fetch(new URL('./sample.pb', import.meta.url));
  open(await response.blob(), 'sample (cpu-ebpf.pb)');
});
$('paste').addEventListener('paste', (event) => {
  const file = event.clipboardData?.files?.[0];
  const text = event.clipboardData?.getData('text');
  if (file) open(file, file.name);
  else if (text) open(new Blob([text], { type: 'application/json' }), 'pasted text', 'json');
  event.preventDefault();
});
document.addEventListener('paste', (event) => {
  if (event.target.closest?.('textarea, input')) return;
  const file = event.clipboardData?.files?.[0];
  const text = event.clipboardData?.getData('text');
  if (file) open(file, file.name);
  else if (text) open(new Blob([text], { type: 'application/json' }), 'pasted text', 'json');
});
let dragDepth = 0;
document.addEventListener('dragenter', (event) => { event.preventDefault(); dragDepth++; $('dropzone').hidden = false; });
document.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; $('dropzone').hidden = true; } });
document.addEventListener('dragover', (event) => event.preventDefault());
document.addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  $('dropzone').hidden = true;
  const file = event.dataTransfer?.files?.[0];
  if (file) open(file, file.name);
});

// ---- rendering ---------------------------------------------------------------
const TOTALS = [
  ['cpu', 'CPU', (m) => m.totals.cpu, seconds],
  ['off_cpu', 'off-CPU', (m) => m.totals.off_cpu, seconds],
  ['wall', 'wall', (m) => m.totals.wall, seconds],
  ['memory', 'allocated', (m) => m.totals.memory, bytes],
  ['samples_kept', 'samples kept', (m) => m.stats.samples_kept, count],
  ['samples_filtered', 'filtered', (m) => m.stats.samples_filtered, count],
  ['samples_invalid', 'invalid', (m) => m.stats.samples_invalid, count],
  ['samples_skipped', 'skipped', (m) => m.stats.samples_skipped, count],
  ['series', 'series', (m) => m.stats.series, count],
  ['overflowed', 'overflowed', (m) => m.stats.overflowed, count],
];

/** Forgets the flame graph's stacks, tree and zoom (the next result brings its own). */
function forgetFlame() {
  state.folded = null;
  state.tree = null;
  state.focus = null;
}

/** Takes every result off the page (a failed open: nothing of another file stays under its name). */
function clearResults() {
  state.model = null;
  state.shown = null;
  forgetFlame();
  state.selected = null;
  $('notes').textContent = '';
  $('flame-detail').textContent = '';
  render();
}

function render() {
  const m = state.model;
  const dl = $('totals');
  dl.textContent = '';
  if (!m) {
    for (const table of Object.values(tables)) table.set([]);
    drawFlame(false);
    return;
  }
  for (const [key, label, get, format] of TOTALS) {
    const value = get(m);
    const div = document.createElement('div');
    div.dataset.total = key;
    div.dataset.value = String(value);
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = format(value);
    div.append(dt, dd);
    dl.append(div);
  }
  tables.processes.set(m.processes);
  tables.threads.set(m.threads);
  drawFunctions();
  tables.series.set(m.series);
  drawFlame(false);
}

/** A sortable, searchable table with bars in its sorted numeric column. */
class Table {
  constructor(container, { columns, sort, limit = 500, placeholder }) {
    this.container = container;
    this.columns = columns;
    this.sort = sort;
    this.desc = true;
    this.limit = limit;
    this.rows = [];
    const search = document.createElement('input');
    search.type = 'search';
    search.placeholder = 'Search…';
    search.setAttribute('aria-label', `Search ${container.id}`);
    search.addEventListener('input', () => this.draw());
    this.search = search;
    this.info = document.createElement('span');
    this.info.className = 'muted';
    const bar = document.createElement('div');
    bar.className = 'table-tools';
    bar.append(search, this.info);
    this.scroll = document.createElement('div');
    this.scroll.className = 'scroll';
    container.append(bar, this.scroll);
    this.placeholder = placeholder;
    this.draw();
  }

  set(rows) { this.rows = rows; this.draw(); }

  draw() {
    const words = this.search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const textOf = (row) => this.columns.filter((c) => c.type === 'text').map((c) => String(row[c.key])).join(' ').toLowerCase();
    const rows = this.rows.filter((row) => words.every((w) => textOf(row).includes(w)));
    const col = this.columns.find((c) => c.key === this.sort);
    const dir = this.desc ? -1 : 1;
    rows.sort((a, b) => {
      const x = a[this.sort];
      const y = b[this.sort];
      if (col.type === 'text') return String(x).localeCompare(String(y)) * dir;
      return (x - y) * dir || String(a[this.columns[0].key]).localeCompare(String(b[this.columns[0].key]));
    });
    const max = col.type === 'text' ? 0 : Math.max(...rows.map((r) => Math.abs(r[this.sort])), 0);
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const c of this.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      if (c.type !== 'text') th.className = 'num';
      th.setAttribute('aria-sort', c.key === this.sort ? (this.desc ? 'descending' : 'ascending') : 'none');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = c.label + (c.key === this.sort ? (this.desc ? ' ▾' : ' ▴') : '');
      button.dataset.sort = c.key;
      button.addEventListener('click', () => {
        if (this.sort === c.key) this.desc = !this.desc; else { this.sort = c.key; this.desc = c.type !== 'text'; }
        this.draw();
        this.container.querySelector(`th button[data-sort="${c.key}"]`)?.focus();
      });
      th.append(button);
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of rows.slice(0, this.limit)) {
      const tr = body.insertRow();
      for (const c of this.columns) {
        const td = tr.insertCell();
        td.dataset.key = c.key;
        td.dataset.value = String(row[c.key]);
        if (c.type === 'text') { td.textContent = row[c.key]; td.className = c.wrap ? 'wrap' : ''; continue; }
        td.className = 'num';
        const format = c.format ?? FORMAT[c.type];
        const text = document.createElement('span');
        text.className = 'v';
        text.textContent = format(row[c.key], row);
        td.append(text);
        if (c.key === this.sort && max > 0) {
          const barEl = document.createElement('span');
          barEl.className = 'bar';
          barEl.style.width = `${(Math.abs(row[c.key]) / max) * 100}%`;
          td.prepend(barEl);
        }
      }
    }
    this.scroll.textContent = '';
    if (this.rows.length === 0 && this.placeholder) {
      const p = document.createElement('p');
      p.className = 'muted placeholder';
      p.textContent = typeof this.placeholder === 'function' ? this.placeholder() : this.placeholder;
      this.scroll.append(p);
    } else {
      this.scroll.append(table);
    }
    this.info.textContent = rows.length > this.limit ? `${count(this.limit)} of ${count(rows.length)} shown` : `${count(rows.length)} rows`;
  }
}

const seriesValue = (v, row) => (row.unit === 's' ? seconds(v) : row.unit === 'By' ? bytes(v) : nf.format(v));
const tables = {
  processes: new Table($('processes'), {
    sort: 'cpu', placeholder: () => emptyText('its processes', state.model, state.goodConfig),
    columns: [
      { key: 'process', label: 'process', type: 'text' },
      { key: 'cpu', label: 'CPU', type: 'seconds' }, { key: 'off_cpu', label: 'off-CPU', type: 'seconds' },
      { key: 'wall', label: 'wall', type: 'seconds' }, { key: 'memory', label: 'allocated', type: 'bytes' },
    ],
  }),
  threads: new Table($('threads'), {
    sort: 'cpu', placeholder: () => emptyText('its threads', state.model, state.goodConfig),
    columns: [
      { key: 'process', label: 'process', type: 'text' }, { key: 'thread', label: 'thread', type: 'text' },
      { key: 'cpu', label: 'CPU', type: 'seconds' }, { key: 'off_cpu', label: 'off-CPU', type: 'seconds' },
      { key: 'memory', label: 'allocated', type: 'bytes' },
    ],
  }),
  functions: new Table($('functions'), {
    sort: 'self', placeholder: () => emptyText('its functions', state.model, state.goodConfig, 'No samples of this measure.'),
    columns: [
      { key: 'function', label: 'function', type: 'text', wrap: true },
      { key: 'self', label: 'self', type: 'number' }, { key: 'inclusive', label: 'inclusive', type: 'number' },
    ],
  }),
  series: new Table($('series'), {
    sort: 'name', limit: 1000, placeholder: () => emptyText('its metrics', state.model, state.goodConfig),
    columns: [
      { key: 'name', label: 'name', type: 'text' }, { key: 'unit', label: 'unit', type: 'text' },
      { key: 'type', label: 'type', type: 'text' }, { key: 'attributes', label: 'attributes', type: 'text', wrap: true },
      { key: 'value', label: 'value', type: 'number', format: seriesValue },
    ],
  }),
};
tables.series.desc = false;

function drawFunctions() {
  if (!state.model) return;
  const measure = $('fn-measure').value;
  const format = MEASURE_FORMAT[measure];
  for (const c of tables.functions.columns) if (c.type === 'number') c.format = format;
  tables.functions.set(state.model.functions.filter((f) => f.measure === measure));
}
$('fn-measure').addEventListener('change', drawFunctions);

// ---- flame graph ---------------------------------------------------------------
function flamePlaceholder(text) {
  const container = $('flame');
  container.textContent = '';
  const p = document.createElement('p');
  p.className = 'muted placeholder';
  p.textContent = text;
  container.append(p);
}
/** Why the flame graph is empty: folded stacks not (yet) here, or none of this measure. */
function flameEmptyText() {
  if (state.folded === null) {
    return $('flame').dataset.placeholder ?? (state.model ? 'Folding the stacks…' : emptyText('where the time goes', null));
  }
  const measure = $('flame-measure').selectedOptions[0]?.textContent ?? $('flame-measure').value;
  return emptyText('where the time goes', state.model, state.goodConfig, `No samples of this measure (${measure}) in ${state.name}.`);
}
function drawFlame(fresh) {
  const container = $('flame');
  if (!state.folded || !state.model) { flamePlaceholder(flameEmptyText()); return; }
  if (fresh || !state.tree) {
    state.tree = parseFolded(state.folded);
    const select = $('flame-process');
    const keep = select.value;
    select.length = 1;
    for (const child of sortedChildren(state.tree)) select.add(new Option(child.name, child.name));
    select.value = state.tree.children.has(keep) ? keep : '';
    state.focus = null;
    state.selected = null;
  }
  const tree = state.tree;
  const processNode = $('flame-process').value ? tree.children.get($('flame-process').value) : tree;
  const focus = state.focus ?? processNode ?? tree;
  const fmt = (v) => ($('flame-measure').value === 'memory' ? bytes(v) : seconds(v / 1e9));
  if (tree.value === 0) { flamePlaceholder(flameEmptyText()); return; }
  renderIcicle(container, tree, {
    focus, selected: state.selected, format: fmt,
    onSelect: (node, how) => {
      $('flame-detail').textContent = `${node.name}: ${fmt(node.value)}, ${((node.value / tree.value) * 100).toFixed(2)}% of all, ${node.parent ? ((node.value / node.parent.value) * 100).toFixed(2) : '100'}% of its caller`;
      if (how === 'zoom') { state.focus = node; state.selected = node; drawFlame(false); container.querySelector('svg')?.focus(); }
      if (how === 'key') { state.selected = node; drawFlame(false); container.querySelector('svg')?.focus(); }
    },
  });
}
$('flame-process').addEventListener('change', () => { state.focus = null; drawFlame(false); });
$('flame-reset').addEventListener('click', () => { state.focus = null; state.selected = null; drawFlame(false); });
$('flame-measure').addEventListener('change', () => {
  state.folded = null;
  if (state.blob && state.formats.includes('folded')) run();
});
let resizeTimer;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => drawFlame(false), 150); });

// ---- config editor -------------------------------------------------------------
const editor = $('config');
function drawGutter() {
  const lines = editor.value.split('\n').length;
  $('gutter').textContent = Array.from({ length: lines }, (_, i) => i + 1).join('\n');
  $('gutter').scrollTop = editor.scrollTop;
  placeMarker();
}
function lineOfMessage(message) {
  const path = configPathOf(message);
  if (path) return lineOfPath(editor.value, path);
  const at = /at byte (\d+)/.exec(message);
  if (at) {
    const prefix = new TextDecoder().decode(new TextEncoder().encode(editor.value).subarray(0, Number(at[1])));
    return prefix.split('\n').length - 1;
  }
  return null;
}
let markerLine = null;
function placeMarker() {
  const marker = $('config-marker');
  if (markerLine === null) { marker.hidden = true; return; }
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
  const top = parseFloat(getComputedStyle(editor).paddingTop) || 0;
  const y = top + markerLine * lineHeight - editor.scrollTop;
  marker.style.top = `${y}px`;
  marker.style.height = `${lineHeight}px`;
  marker.hidden = y < -lineHeight || y > editor.clientHeight;
}
function showConfigError(message) {
  const box = $('config-error');
  if (!message) { box.hidden = true; markerLine = null; placeMarker(); editor.removeAttribute('aria-invalid'); return; }
  markerLine = lineOfMessage(message);
  $('config-marker').textContent = '';
  if (markerLine !== null) {
    const label = document.createElement('span');
    label.textContent = message.replace(/^config: /, '');
    $('config-marker').append(label);
    // Bring the offending line into view unless the user is typing elsewhere in the editor.
    const lh = parseFloat(getComputedStyle(editor).lineHeight) || 18;
    const y = markerLine * lh;
    if (document.activeElement !== editor || y < editor.scrollTop || y > editor.scrollTop + editor.clientHeight - 3 * lh) {
      editor.scrollTop = Math.max(0, y - editor.clientHeight / 3);
    }
  }
  box.textContent = markerLine === null ? message : `line ${markerLine + 1}: ${message}`;
  box.dataset.line = markerLine === null ? '' : String(markerLine + 1);
  box.hidden = false;
  editor.setAttribute('aria-invalid', 'true');
  $('gutter').scrollTop = editor.scrollTop;
  placeMarker();
}
let typing;
editor.addEventListener('input', () => {
  drawGutter();
  updateYaml();
  clearTimeout(typing);
  typing = setTimeout(run, 300);
});
editor.addEventListener('scroll', () => { $('gutter').scrollTop = editor.scrollTop; placeMarker(); });
editor.addEventListener('keydown', (event) => {
  if (event.key === 'Tab' && !event.shiftKey && !event.ctrlKey && editor.dataset.tabs === 'on') {
    event.preventDefault();
    editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
  }
});
$('config-reset').addEventListener('click', () => { editor.value = DEFAULT_CONFIG_TEXT; drawGutter(); updateYaml(); run(); });

function configObject(text) {
  try { return text.trim() === '' ? {} : JSON.parse(text); } catch { return null; }
}
function updateYaml() {
  const object = configObject(editor.value) ?? configObject(state.goodConfig) ?? {};
  $('yaml').textContent = connectorYaml(object);
}

// ---- exports -----------------------------------------------------------------
const EXT = { otlp: ['metrics.pb', 'application/x-protobuf'], json: ['metrics.json', 'application/json'], prom: ['metrics.prom', 'text/plain'],
  folded: ['stacks.folded', 'text/plain'], 'config-json': ['profiletometrics.json', 'application/json'], 'config-yaml': ['connector.yaml', 'application/yaml'] };
function download(data, format) {
  const [file, type] = EXT[format];
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  status(`Exported ${file}.`);
}
for (const button of document.querySelectorAll('[data-export]')) {
  button.addEventListener('click', () => {
    const format = button.dataset.export;
    const config = state.goodConfig;
    if (format === 'config-json') return download(`${JSON.stringify(configObject(config) ?? {}, null, 2)}\n`, format);
    if (format === 'config-yaml') return download(connectorYaml(configObject(config) ?? {}), format);
    if (!state.blob) { status('Open a profile first.'); return undefined; }
    status(`Exporting ${format}…`);
    state.worker.postMessage({ type: 'export', id: `export-${format}`, blob: state.blob, config, format, folded: $('flame-measure').value,
      symbols: state.symbols, input: state.input });
    return undefined;
  });
}

// ---- start ---------------------------------------------------------------------
editor.value = DEFAULT_CONFIG_TEXT;
drawGutter();
updateYaml();
drawFlame(false);
startWorker();
