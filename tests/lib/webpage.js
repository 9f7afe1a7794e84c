// webpage.js: what tests/hosts/web/web.test.js reads of the inspector page
// (given playwright's page) and of the CLI, apart from the tests: the
// totals, tables, alert and placeholders as shown, the CLI's totals read
// independently of web/model.js, and the comparison of the two.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ptm, root, shared, statsOf } from './run.js';

/** ../shared/fixtures next to this checkout, or next to the main checkout when this is a git worktree. */
export function sharedFixtures() {
  if (existsSync(shared)) return shared;
  const common = spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: root, encoding: 'utf8' });
  if (common.status === 0) {
    const candidate = resolve(dirname(common.stdout.trim()), '..', 'shared', 'fixtures');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}
// ---- what the CLI says, read independently of web/model.js ----------------------
const TIME_SCALE = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };
function value(point) { return Number(point.asDouble ?? point.asInt ?? 0); }
function attrs(list) { return Object.fromEntries((list ?? []).map(({ key, value: v }) => [key, v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue])); }

/** Totals, per-process values and functions from `ptm -f json --stats` of file (with config, a path, when given). */
export function expected(file, config) {
  const args = ['-f', 'json', '--stats', ...(config ? ['-c', config] : []), file];
  const result = ptm(args);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout.toString() || '{"resourceMetrics":[]}');
  const base = { 'profile.cpu.time': 'cpu', 'profile.off_cpu.time': 'off_cpu', 'profile.wall.time': 'wall', 'profile.memory.allocated': 'memory' };
  const totals = { cpu: 0, off_cpu: 0, wall: 0, memory: 0 };
  const processes = {};
  const threads = {};
  const selfCpu = {};
  for (const rm of doc.resourceMetrics) {
    const resource = attrs(rm.resource.attributes);
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        for (const point of metric.sum?.dataPoints ?? []) {
          const a = attrs(point.attributes);
          const v = value(point) * (TIME_SCALE[metric.unit] ?? 1);
          const measure = base[metric.name];
          if (measure) {
            totals[measure] += v;
            const name = a['process.executable.name'] ?? resource['process.executable.name'];
            const pid = a['process.pid'] ?? resource['process.pid'];
            const key = name !== undefined ? (pid !== undefined ? `${name} (${pid})` : name)
              : pid !== undefined ? `pid ${pid}` : resource['service.name'] ?? '(unknown process)';
            processes[key] ??= { cpu: 0, off_cpu: 0, wall: 0, memory: 0 };
            processes[key][measure] += v;
            const thread = `${key} / ${a['thread.name'] ?? '(no thread name)'}`;
            threads[thread] ??= { cpu: 0, off_cpu: 0, wall: 0, memory: 0 };
            threads[thread][measure] += v;
          }
          if (metric.name === 'profile.function.self.cpu.time') {
            const fn = a['code.function.name'] ?? '(overflow)';
            selfCpu[fn] = (selfCpu[fn] ?? 0) + v;
          }
        }
      }
    }
  }
  return { stats: statsOf(result.stderr), totals, processes, threads, selfCpu, json: result.stdout };
}

export const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
export function assertClose(actual, wanted, what) {
  assert.ok(close(actual, wanted), `${what}: page ${actual}, CLI ${wanted}`);
}

// ---- the page, as shown ----------------------------------------------------------------
/** The totals shown: {key: value} from #totals' data-total/data-value. */
export async function pageTotals(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#totals [data-total]')]
    .map((el) => [el.dataset.total, Number(el.dataset.value)])));
}

/** The rows of a table: [{key: value}] from its cells' data-key/data-value. */
export async function pageTable(page, id) {
  return page.evaluate((tableId) => [...document.querySelectorAll(`#${tableId} tbody tr`)].map((tr) => Object.fromEntries(
    [...tr.cells].map((td) => [td.dataset.key, td.dataset.value]))), id);
}

/** Asserts that the page shows what `ptm -f json --stats` computes for file (with config); what the CLI computed. */
export async function checkAgainstCli(page, file, config) {
  const want = expected(file, config);
  const totals = await pageTotals(page);
  for (const m of ['cpu', 'off_cpu', 'wall', 'memory']) assertClose(totals[m], want.totals[m], `total ${m}`);
  for (const s of ['samples_kept', 'samples_filtered', 'samples_invalid', 'samples_skipped', 'series', 'overflowed']) {
    assert.equal(totals[s], want.stats[s], s);
  }
  const processes = await pageTable(page, 'processes');
  assert.deepEqual(processes.map((p) => p.process).sort(), Object.keys(want.processes).sort(), 'the same processes');
  for (const row of processes) {
    for (const m of ['cpu', 'off_cpu', 'wall', 'memory']) assertClose(Number(row[m]), want.processes[row.process][m], `${row.process} ${m}`);
  }
  // Processes sorted by CPU, widest first.
  const cpus = processes.map((p) => Number(p.cpu));
  assert.deepEqual(cpus, [...cpus].sort((a, b) => b - a), 'processes sorted by CPU');
  const threads = await pageTable(page, 'threads');
  assert.deepEqual(threads.map((r) => `${r.process} / ${r.thread}`).sort(), Object.keys(want.threads).sort(), 'the same threads');
  for (const row of threads) {
    for (const m of ['cpu', 'off_cpu', 'memory']) assertClose(Number(row[m]), want.threads[`${row.process} / ${row.thread}`][m], `${row.process} / ${row.thread} ${m}`);
  }
  const functions = await pageTable(page, 'functions');
  const selfs = Object.entries(want.selfCpu);
  if (selfs.length) {
    const top = Math.max(...selfs.map(([, v]) => v));
    assertClose(Number(functions[0].self), top, 'top function self CPU');
    assert.ok(selfs.some(([name, v]) => name === functions[0].function && close(v, top)), `top function ${functions[0].function}`);
  }
  return want;
}

/** The alert as the page shows it: text, shown or not, role, its colours and the status line's. */
export async function pageAlert(page) {
  return page.evaluate(() => {
    const el = document.getElementById('alert');
    const style = getComputedStyle(el);
    return { text: el.textContent, shown: !el.hidden && style.display !== 'none', role: el.getAttribute('role'),
      color: style.color, background: style.backgroundColor, statusColor: getComputedStyle(document.getElementById('status')).color };
  });
}

/** WCAG contrast ratio of two computed colours ("rgb(r, g, b)"). */
export function contrast(a, b) {
  const luminance = (css) => {
    const [r, g, bl] = css.match(/[\d.]+/g).slice(0, 3).map((v) => Number(v) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [dark, light] = [luminance(a), luminance(b)].sort((x, y) => x - y);
  return (light + 0.05) / (dark + 0.05);
}

/** The placeholder text each view shows (empty string: it shows rows or a drawing). */
export async function placeholders(page) {
  return page.evaluate(() => Object.fromEntries(['processes', 'threads', 'functions', 'series', 'flame']
    .map((id) => [id, document.querySelector(`#${id} p.placeholder`)?.textContent ?? ''])));
}
