// web.test.js: the profile inspector (web/, laid out in build/web by
// tools/build-web.sh) end to end in Debian's chromium through playwright-core,
// as tests/hosts/web/browser.test.js drives it: the page is served by
// tools/serve-web.mjs on 127.0.0.1, profiles are opened through its file
// input, and what it shows is compared with what the native CLI computes for
// the same file (`ptm -f json --stats`, read here by code of its own). Also:
// the config editor (a process filter changes the totals, a bad regex shows
// the core's message on its line), a failed open (an alert, no stale
// numbers), pasted text read as JSON, the empty states (no samples of a
// measure, every sample filtered), the exports (the CLI's bytes), a 50 MB
// input converted in the worker while the page keeps ticking, no request
// but the page's own files, and screenshots in build/web-screenshots/.
// Skipped, saying so, only when /usr/bin/chromium is absent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs, chromiumPath, chromiumSkip, loadPlaywright } from '../../lib/chromium.js';
import { fixtures, ptm, root, scratchFile, statsOf } from '../../lib/run.js';
import { requireDist } from '../../lib/npm.js';
import * as webpage from '../../lib/webpage.js';
import { serveStatic } from '../../../tools/serve-web.mjs';
import { DEFAULT_CONFIG_TEXT, connectorYaml, lineOfPath } from '../../../web/model.js';
import { parseFolded, sortedChildren } from '../../../web/flame.js';

const skip = chromiumSkip;
if (skip) console.log(`# web tests skipped: ${skip}`);

const site = join(root, 'build', 'web');
const screenshots = join(root, 'build', 'web-screenshots');

const { contrast, expected, sharedFixtures } = webpage;
const sharedDir = sharedFixtures();
const goPprof = sharedDir && ['cpu.pb.gz', 'cpu-exemplars.pb.gz'].map((n) => join(sharedDir, 'pprof', n)).find(existsSync);
const pprofSkip = skip || (goPprof ? false : 'no Go pprof profile in ../shared/fixtures/pprof (cpu.pb.gz)');

// ---- the browser ---------------------------------------------------------------------
let web; // { server, origin }
const served = []; // every path the server was asked for
const outside = []; // requests the page made anywhere but the server (blob: downloads are the page's own)
const pageErrors = [];
let context;
let userDataDir;
let page;

before(async () => {
  if (skip) return;
  requireDist();
  // The page as web/ holds it now (make build lays it out too; this keeps an edited web/ from testing a stale copy).
  const laid = spawnSync(join(root, 'tools', 'build-web.sh'), { encoding: 'utf8' });
  assert.equal(laid.status, 0, laid.stderr);
  assert.ok(existsSync(join(site, 'index.html')) && existsSync(join(site, 'pkg', 'ptm.wasm')), `${site} is incomplete: run make build (tools/build-web.sh)`);
  const { chromium } = loadPlaywright();
  web = await serveStatic(site, { onRequest: (path) => served.push(path) });
  userDataDir = mkdtempSync(join(tmpdir(), 'ptm-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath, headless: true, args: chromiumArgs, timeout: 60_000, acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  page = await context.newPage();
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${web.origin}/`) && !url.startsWith(`blob:${web.origin}/`)) outside.push(url);
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${web.origin}/`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 })
    .catch((error) => { throw new Error(`the page did not load the converter: ${pageErrors.join('; ') || error.message}`); });
});

after(async () => {
  await context?.close();
  web?.server.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Waits for the next run after action() to settle (done, error or config-error); its state. */
async function settled(action, timeout = 60_000) {
  const before = await page.evaluate(() => document.body.dataset.run ?? '');
  await action();
  await page.waitForFunction((previous) => (document.body.dataset.run ?? '') !== previous
    && ['done', 'error', 'config-error'].includes(document.body.dataset.state), before, { timeout });
  return page.evaluate(() => document.body.dataset.state);
}

const openFile = (path, timeout) => settled(() => page.setInputFiles('#file', path), timeout);
const pageTotals = () => webpage.pageTotals(page);
const pageTable = (id) => webpage.pageTable(page, id);
const pageAlert = () => webpage.pageAlert(page);
const placeholders = () => webpage.placeholders(page);
const checkAgainstCli = (file, config) => webpage.checkAgainstCli(page, file, config);


// ---- the tests -------------------------------------------------------------------------
test('web: folded parsing sums each prefix (flame.js, independent of the page)', () => {
  const text = 'p1;t1;main;a 5\np1;t1;main;b 3\np1;t2;main;a 2\np2;t;x 7\n\n';
  const tree = parseFolded(text);
  const lines = text.trim().split('\n').map((l) => [l.slice(0, l.lastIndexOf(' ')).split(';'), Number(l.slice(l.lastIndexOf(' ') + 1))]);
  assert.equal(tree.value, lines.reduce((s, [, v]) => s + v, 0));
  for (const [frames] of lines) {
    let node = tree;
    for (let i = 0; i < frames.length; i++) {
      node = node.children.get(frames[i]);
      const prefix = frames.slice(0, i + 1).join(';');
      assert.equal(node.value, lines.filter(([f]) => `${f.join(';')};`.startsWith(`${prefix};`)).reduce((s, [, v]) => s + v, 0), prefix);
    }
  }
  assert.equal(sortedChildren(tree)[0].name, 'p1');
});

test('web: the YAML block holds the config under connectors.profiletometrics', () => {
  const yaml = connectorYaml({ process_filter: { patterns: ['^ngin(x|y)$'] }, cardinality_limit: 5, attributes: [] });
  assert.equal(yaml, 'connectors:\n  profiletometrics:\n    process_filter:\n      patterns:\n        - "^ngin(x|y)$"\n    cardinality_limit: 5\n    attributes: []\n');
  assert.equal(connectorYaml({ temporality: 'delta', cardinality_limit: 5 }), 'connectors:\n  profiletometrics:\n    cardinality_limit: 5\n',
    'the page\'s delta is not pinned on the connector, whose default is cumulative');
  assert.equal(connectorYaml({ temporality: 'cumulative' }), 'connectors:\n  profiletometrics:\n    temporality: "cumulative"\n');
});

test('web: the page loads its own files and the package module only', { skip }, () => {
  for (const path of ['/', '/app.js', '/worker.js', '/pkg/index.js', '/pkg/ptm.wasm']) assert.ok(served.includes(path), path);
  assert.deepEqual(pageErrors, []);
});

test('web: "Try a sample" shows the CLI\'s totals for tests/fixtures/cpu-ebpf.pb', { skip }, async () => {
  assert.equal(await settled(() => page.click('#sample')), 'done');
  await checkAgainstCli(join(fixtures, 'cpu-ebpf.pb'));
});

test('web: an OTLP fixture through the file input: totals, processes, top function equal the CLI\'s', { skip }, async () => {
  for (const name of ['cpu-ebpf.pb', 'memory.pb', 'cpu-pprof.pb', 'multi.jsonl']) {
    assert.equal(await openFile(join(fixtures, name)), 'done', name);
    await checkAgainstCli(join(fixtures, name));
  }
});

test('web: a file dropped on the page and OTLP/JSON pasted convert like the CLI', { skip }, async () => {
  const dropped = join(fixtures, 'memory.pb');
  const bytes = [...readFileSync(dropped)];
  assert.equal(await settled(() => page.evaluate((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], 'memory.pb'));
    document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: transfer, bubbles: true }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, bytes)), 'done');
  await checkAgainstCli(dropped);
  assert.equal(await page.isHidden('#dropzone'), true, 'the drop zone is gone after the drop');

  const pasted = join(fixtures, 'cpu-pprof.json');
  const text = readFileSync(pasted, 'utf8');
  assert.equal(await settled(() => page.evaluate((data) => {
    const transfer = new DataTransfer();
    transfer.setData('text/plain', data);
    document.getElementById('paste').dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
  }, text)), 'done');
  await checkAgainstCli(pasted);
});

test('web: a Go pprof profile (gzipped) through the file input equals the CLI', { skip: pprofSkip }, async () => {
  assert.equal(await openFile(goPprof), 'done');
  const want = await checkAgainstCli(goPprof);
  assert.ok(want.totals.cpu > 0, 'the profile has CPU time');
});

const liveDir = sharedDir && join(sharedDir, 'otlp-live');
const liveSkip = skip || (liveDir && existsSync(join(liveDir, 'ebpf-live.jsonl.gz')) ? false : 'no ../shared/fixtures/otlp-live capture');

test('web: symbol files added to the page name the eBPF capture\'s native frames as the CLI with symbolize.paths does', { skip: liveSkip }, async () => {
  const bin = join(liveDir, 'bin');
  const elves = ['zebra-sym', 'zebra-nopie', 'zebra-lld', 'zebra-debuglink', 'libyak.so', 'yak-main',
    join('debug', '.build-id', '6b', '87b1dc405471dab9ed1047962753816a8d7091.debug')].map((name) => join(bin, name));
  await page.setInputFiles('#symbols', elves);
  const capture = join(liveDir, 'ebpf-live.jsonl.gz');
  assert.equal(await openFile(capture, 120_000), 'done');
  const config = scratchFile('web-symbolize.json');
  writeFileSync(config, JSON.stringify({ symbolize: { paths: [bin] } }));
  await checkAgainstCli(capture, config);
  const functions = await pageTable('functions');
  assert.equal(functions[0].function, 'zebra_crunch_cpu', 'the busy C function, named from its symbols, tops self CPU');
});

test('web: a process filter in the config changes the totals as the CLI does; a bad regex shows the core\'s message on its line', { skip }, async () => {
  const file = join(fixtures, 'cpu-ebpf.pb');
  assert.equal(await openFile(file), 'done');
  const unfiltered = await pageTotals();
  const filtered = DEFAULT_CONFIG_TEXT.replace(/"process_filter": \{\n\s*"enabled": false,\n\s*"patterns": \[\]/, '"process_filter": {\n    "enabled": true,\n    "patterns": ["^nginx$"]');
  assert.notEqual(filtered, DEFAULT_CONFIG_TEXT);
  const configFile = scratchFile('filter.json');
  writeFileSync(configFile, filtered);
  assert.equal(await settled(() => page.fill('#config', filtered)), 'done');
  const want = await checkAgainstCli(file, configFile);
  const totals = await pageTotals();
  assert.ok(want.stats.samples_filtered > 0, 'the filter drops samples');
  assert.ok(totals.cpu < unfiltered.cpu, 'CPU total went down');

  const bad = filtered.replace('"^nginx$"', '"ngin(x"');
  const badFile = scratchFile('bad.json');
  writeFileSync(badFile, bad);
  const cli = ptm(['-c', badFile, file]);
  assert.equal(cli.code, 2);
  const message = cli.stderr.trim().replace(/^ptm: /, '');
  assert.equal(await settled(() => page.fill('#config', bad)), 'config-error');
  const shown = await page.evaluate(() => { const e = document.getElementById('config-error'); return { text: e.textContent, line: e.dataset.line, hidden: e.hidden }; });
  assert.equal(shown.hidden, false);
  assert.ok(shown.text.includes(message), `shown: ${shown.text}; core: ${message}`);
  assert.equal(Number(shown.line), bad.split('\n').findIndex((l) => l.includes('ngin(x')) + 1, 'the message names the line of the key');
  assert.equal(Number(shown.line), lineOfPath(bad, 'process_filter.patterns[0]') + 1);
  assert.deepEqual(await pageTotals(), totals, 'the last good result stays');
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, 'config-error-desktop-light.png'), fullPage: false });

  const syntax = filtered.replace('"enabled": true,', '"enabled": true,,');
  const syntaxCli = ptm(['-c', (writeFileSync(badFile, syntax), badFile), file]);
  assert.equal(await settled(() => page.fill('#config', syntax)), 'config-error');
  assert.ok((await page.textContent('#config-error')).includes(syntaxCli.stderr.trim().replace(/^ptm: /, '')));
  assert.equal(await settled(() => page.fill('#config', DEFAULT_CONFIG_TEXT)), 'done');
  await checkAgainstCli(file);
});

async function exported(format) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-export="${format}"]`)]);
  return readFileSync(await download.path());
}

test('web: exports are the CLI\'s bytes (OTLP protobuf, OTLP/JSON, Prometheus) and the config as JSON and YAML', { skip }, async () => {
  const file = join(fixtures, 'cpu-ebpf.pb');
  assert.equal(await openFile(file), 'done');
  for (const format of ['json', 'otlp', 'prom']) {
    const cli = ptm(['-f', format, file]);
    assert.equal(cli.code, 0);
    assert.ok((await exported(format)).equals(cli.stdout), `${format}: the CLI's bytes`);
  }
  const config = JSON.parse((await exported('config-json')).toString());
  assert.deepEqual(config, JSON.parse(DEFAULT_CONFIG_TEXT));
  // The exported JSON is a config the CLI takes, and gives the default output.
  const configFile = scratchFile('exported.json');
  writeFileSync(configFile, JSON.stringify(config));
  assert.ok(ptm(['-f', 'json', '-c', configFile, file]).stdout.equals(ptm(['-f', 'json', file]).stdout));
  const yaml = (await exported('config-yaml')).toString();
  assert.ok(yaml.startsWith('connectors:\n  profiletometrics:\n'));
  assert.equal(yaml, connectorYaml(config));
  const folded = ptm(['-f', 'folded', file]);
  assert.ok(folded.stdout.length > 0 && (await exported('folded')).equals(folded.stdout), 'folded: the CLI\'s bytes');
});

test('web: breakdowns and recording rules in the config box: the exports are the CLI\'s bytes with that config', { skip }, async () => {
  const file = join(fixtures, 'cpu-ebpf.pb');
  const configFile = join(root, 'docs', 'examples', 'breakdowns.json');
  assert.equal(await openFile(file), 'done');
  assert.equal(await settled(() => page.fill('#config', readFileSync(configFile, 'utf8'))), 'done');
  for (const format of ['otlp', 'prom']) {
    const cli = ptm(['-c', configFile, '-f', format, file]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.ok((await exported(format)).equals(cli.stdout), `${format}: the CLI's bytes`);
  }
  assert.match((await exported('prom')).toString(), /^profile_kernel_off_cpu_time_seconds_total\{/m);
  assert.equal(await settled(() => page.fill('#config', DEFAULT_CONFIG_TEXT)), 'done');
});

const collectorPath = join(root, 'build', 'collector', 'otelcol-ptm');
const collectorSkip = skip || (existsSync(collectorPath) ? false : `${collectorPath} is not built (make collector)`);

/** docs/examples/collector.yaml with its connectors block replaced by block; the collector's `validate` result. */
function collectorValidates(block) {
  const example = readFileSync(join(root, 'docs', 'examples', 'collector.yaml'), 'utf8');
  const replaced = example.replace(/^connectors:\n(?:(?: {2}.*)?\n)*?(?=^\S)/m, block);
  assert.notEqual(replaced, example, 'the example has a connectors block');
  const file = scratchFile('collector.yaml');
  writeFileSync(file, replaced);
  return spawnSync(collectorPath, ['validate', `--config=${file}`, '--feature-gates=service.profilesSupport'], { encoding: 'utf8', timeout: 60_000 });
}

test('web: the exported connector YAML is a configuration the collector accepts (and refuses as the core does)', { skip: collectorSkip }, async () => {
  assert.equal(await openFile(join(fixtures, 'cpu-pprof.pb')), 'done');
  const config = JSON.parse(DEFAULT_CONFIG_TEXT);
  config.process_filter = { enabled: true, patterns: ['^(nginx|postgres)$'], exclude_patterns: [] };
  config.attributes = [{ key: 'deployment.environment', value: 'prod', type: 'literal' }];
  config.metrics.function.top_n = 5;
  const text = JSON.stringify(config, null, 2);
  assert.equal(await settled(() => page.fill('#config', text)), 'done');
  const yaml = (await exported('config-yaml')).toString();
  const ok = collectorValidates(yaml);
  assert.equal(ok.status, 0, ok.stderr);
  const bad = collectorValidates(yaml.replace('"^(nginx|postgres)$"', '"ngin(x"'));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /config: process_filter\.patterns\[0\]: invalid regex/);
  assert.equal(await settled(() => page.fill('#config', DEFAULT_CONFIG_TEXT)), 'done');
});

test('web: the flame graph\'s root and widest child are the folded output\'s', { skip }, async () => {
  const file = join(fixtures, 'cpu-ebpf.pb');
  assert.equal(await openFile(file), 'done');
  const cli = ptm(['-f', 'folded', file]);
  assert.equal(cli.code, 0, cli.stderr);
  const perProcess = {};
  let total = 0;
  for (const line of cli.stdout.toString().split('\n').filter(Boolean)) {
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    total += v;
    const process = line.split(';')[0];
    perProcess[process] = (perProcess[process] ?? 0) + v;
  }
  await page.waitForSelector('#flame svg g[data-depth="0"]');
  const drawn = await page.evaluate(() => [...document.querySelectorAll('#flame svg g')].map((g) => ({ name: g.dataset.name, value: Number(g.dataset.value), depth: Number(g.dataset.depth) })));
  assert.equal(drawn.find((g) => g.depth === 0).value, total, 'root: the sum of every line');
  const widest = Math.max(...Object.values(perProcess));
  const children = drawn.filter((g) => g.depth === 1).sort((a, b) => b.value - a.value);
  assert.equal(children[0].value, widest);
  assert.equal(perProcess[children[0].name], widest, 'the widest child is the process with the most');
});

test('web: the icicle drawing (flame.js in the page): widths, zoom by keyboard and click, hover details', { skip }, async () => {
  const text = 'p1;t1;main;a 50\np1;t1;main;b 30\np1;t2;main;a 20\np2;t;x 70\n';
  const result = await page.evaluate(async (folded) => {
    const { parseFolded, renderIcicle } = await import('/flame.js');
    const box = document.createElement('div');
    box.style.width = '1000px';
    document.body.append(box);
    const tree = parseFolded(folded);
    const events = [];
    let focus = tree;
    let selected = null;
    const draw = () => renderIcicle(box, tree, { focus, selected, onSelect: (node, how) => {
      events.push(`${how}:${node.name}`);
      if (how === 'zoom') focus = node;
      if (how !== 'hover') { selected = node; draw(); box.querySelector('svg').focus(); }
    } });
    const rects = () => [...box.querySelectorAll('g')].map((g) => ({ name: g.dataset.name, depth: Number(g.dataset.depth), width: Number(g.querySelector('rect').getAttribute('width')) }));
    draw();
    const full = rects();
    box.querySelector('svg').focus();
    for (const key of ['ArrowDown', 'ArrowRight', 'Enter']) box.querySelector('svg').dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
    const zoomed = rects();
    box.querySelector('g[data-name="x"]').dispatchEvent(new MouseEvent('mouseenter'));
    box.querySelector('svg').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    const out = rects();
    box.remove();
    return { full, zoomed, out, events };
  }, text);
  const at = (list, name, depth) => list.find((r) => r.name === name && r.depth === depth);
  assert.ok(Math.abs(at(result.full, 'all', 0).width - 1000) < 1);
  assert.ok(Math.abs(at(result.full, 'p1', 1).width - 1000 * (100 / 170)) < 1, 'p1 is 100/170 of the width');
  assert.ok(Math.abs(at(result.full, 'p2', 1).width - 1000 * (70 / 170)) < 1);
  assert.deepEqual(result.events.slice(0, 3), ['key:p1', 'key:p2', 'zoom:p2']);
  assert.ok(Math.abs(at(result.zoomed, 'p2', 1).width - 1000) < 1, 'zoomed on p2: full width');
  assert.equal(at(result.zoomed, 'p1', 1), undefined, 'p1 is out of the zoomed view');
  assert.ok(Math.abs(at(result.zoomed, 'x', 3).width - 1000) < 1);
  assert.ok(result.events.includes('hover:x'));
  assert.equal(result.events.at(-1), 'zoom:all', 'Escape zooms out');
  assert.ok(at(result.out, 'p1', 1), 'zoomed out again');
});

// ---- errors, stale results, empty states (issue 30) ------------------------------------
/** Waits until the flame graph of the last run is drawn (or said to be empty). */
const foldedDone = () => page.waitForFunction(() => document.body.dataset.folded === document.body.dataset.run, null, { timeout: 60_000 });

test('web: a garbage file after a good one: an alert (error colours, 4.5:1 light and dark) names it, no number of the old file stays; an empty file says so; a good open clears it', { skip }, async () => {
  const sample = join(fixtures, 'cpu-ebpf.pb');
  assert.equal(await settled(() => page.click('#sample')), 'done');
  await foldedDone();
  assert.ok((await pageTotals()).samples_kept > 0, 'the sample is on screen');
  assert.ok((await pageTable('processes')).length > 0);

  const garbage = scratchFile('not-a-profile.bin');
  writeFileSync(garbage, Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) & 0xff)));
  const cli = ptm(['-f', 'json', garbage]);
  assert.equal(cli.code, 1, 'the CLI refuses it as input');
  const core = cli.stderr.trim().split('\n').at(-1).replace(/^ptm: /, '');
  assert.equal(await openFile(garbage), 'error');
  const shown = await pageAlert();
  assert.equal(shown.role, 'alert');
  assert.equal(shown.shown, true);
  const name = garbage.slice(garbage.lastIndexOf('/') + 1);
  assert.ok(shown.text.startsWith(`${name}: not a recognised profile (pprof, OTLP protobuf or JSON): `), shown.text);
  assert.ok(core.includes(shown.text.slice(shown.text.indexOf('JSON): ') + 7)), `page: ${shown.text}; CLI: ${core}`);
  assert.ok((await page.textContent('#source')).includes(name), 'the heading names the new file');
  assert.deepEqual(await pageTotals(), {}, 'no total of the sample stays');
  for (const id of ['processes', 'threads', 'functions', 'series']) assert.deepEqual(await pageTable(id), [], `no ${id} row of the sample stays`);
  assert.equal(await page.$$eval('#flame svg', (list) => list.length), 0, 'no flame graph of the sample stays');
  assert.equal(await page.textContent('#notes'), '');
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const look = await pageAlert();
    assert.ok(contrast(look.color, look.background) >= 4.5, `${scheme}: alert ${look.color} on ${look.background}: ${contrast(look.color, look.background).toFixed(2)}:1`);
    assert.notEqual(look.color, look.statusColor, `${scheme}: the alert is not in the status line's grey`);
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, `open-error-desktop-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  const empty = scratchFile('empty.pb');
  writeFileSync(empty, '');
  const emptyCli = ptm(['-f', 'json', empty]);
  assert.equal(emptyCli.code, 0, 'the core converts an empty input to nothing: the page says what it is');
  assert.equal(emptyCli.stdout.length, 0);
  assert.equal(await openFile(empty), 'error');
  assert.equal((await pageAlert()).text, `${empty.slice(empty.lastIndexOf('/') + 1)}: empty file`);
  assert.deepEqual(await pageTotals(), {});
  const blank = scratchFile('blank.json');
  writeFileSync(blank, ' \n\n');
  assert.equal(statsOf(ptm(['-f', 'json', '--stats', blank]).stderr).requests, 0, 'no request in it');
  assert.equal(await openFile(blank), 'error');
  assert.equal((await pageAlert()).text, `${blank.slice(blank.lastIndexOf('/') + 1)}: empty file`);

  assert.equal(await settled(() => page.click('#sample')), 'done');
  const cleared = await pageAlert();
  assert.equal(cleared.shown, false, 'a good open clears the alert');
  assert.equal(cleared.text, '');
  await checkAgainstCli(sample);
  await foldedDone();
});

test('web: text pasted is converted as JSON (input "json"), not sniffed as protobuf', { skip }, async () => {
  const paste = (text) => settled(() => page.evaluate((data) => {
    const transfer = new DataTransfer();
    transfer.setData('text/plain', data);
    document.getElementById('paste').dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
  }, text));
  // JSON Lines whose bytes are also well-framed protobuf: a newline (field 1, length-delimited), then
  // lines of 123 bytes after their '{' (0x7b = 123, the length). Told by its first bytes, it is protobuf.
  const line = '{"resourceProfiles":[]}'.padEnd(124, ' ');
  const text = `\n${line}\n${line}`;
  const file = scratchFile('framed.jsonl');
  writeFileSync(file, text);
  const sniffed = ptm(['-f', 'json', file]);
  const asJson = ptm(['-f', 'json', '--stats', '-i', 'json', file]);
  assert.equal(asJson.code, 0, asJson.stderr);
  assert.notEqual(sniffed.code, 0, 'sniffed, the text is protobuf and refused');
  assert.equal(await paste(text), 'done');
  assert.equal((await pageAlert()).shown, false);
  const totals = await pageTotals();
  for (const s of ['samples_kept', 'samples_filtered', 'series']) assert.equal(totals[s], statsOf(asJson.stderr)[s], s);

  // Text that is not JSON: the core's JSON message, not its protobuf one.
  const notJson = scratchFile('not-json.txt');
  writeFileSync(notJson, 'resourceProfiles: none');
  const jsonError = ptm(['-f', 'json', '-i', 'json', notJson]).stderr.trim().split('\n').at(-1).replace(/^ptm: /, '');
  const autoError = ptm(['-f', 'json', notJson]).stderr.trim().split('\n').at(-1).replace(/^ptm: /, '');
  assert.notEqual(jsonError, autoError);
  assert.equal(await paste('resourceProfiles: none'), 'error');
  const shown = (await pageAlert()).text;
  assert.ok(shown.startsWith('pasted text: not a recognised profile (pprof, OTLP protobuf or JSON): '), shown);
  const message = shown.slice(shown.indexOf('JSON): ') + 7);
  assert.ok(jsonError.includes(message) && !autoError.includes(message), `page: ${message}; CLI -i json: ${jsonError}`);
});

test('web: the status line leaves "Folding stacks" once the flame graph is drawn; a measure without samples says so', { skip }, async () => {
  const file = join(fixtures, 'cpu-ebpf.pb');
  assert.equal(await openFile(file), 'done');
  await foldedDone();
  const drawn = await page.evaluate(() => ({ status: document.getElementById('status').textContent, bar: document.getElementById('progress').hidden,
    root: Number(document.querySelector('#flame svg g[data-depth="0"]')?.dataset.value) }));
  const folded = ptm(['-f', 'folded', file]).stdout.toString().split('\n').filter(Boolean);
  assert.equal(drawn.root, folded.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0));
  assert.doesNotMatch(drawn.status, /Folding/, drawn.status);
  assert.equal(drawn.bar, true, 'no progress bar left');

  const config = scratchFile('folded-memory.json');
  writeFileSync(config, JSON.stringify({ folded: { measure: 'memory' } }));
  const none = ptm(['-f', 'folded', '-c', config, file]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout.length, 0, 'the CLI folds no allocation stacks from this profile');
  assert.equal(await settled(() => page.selectOption('#flame-measure', 'memory')), 'done');
  await foldedDone();
  assert.equal((await placeholders()).flame, 'No samples of this measure (allocated bytes) in cpu-ebpf.pb.');
  assert.equal(await page.$$eval('#flame svg', (list) => list.length), 0);
  assert.doesNotMatch(await page.textContent('#status'), /Folding/);
  assert.equal(await settled(() => page.selectOption('#flame-measure', 'cpu')), 'done');
  await foldedDone();
});

test('web: a filter that drops every sample: the views say all N samples were filtered, not "Open a profile"', { skip }, async () => {
  const file = join(fixtures, 'cpu-ebpf.pb');
  assert.equal(await openFile(file), 'done');
  const text = JSON.stringify({ ...JSON.parse(DEFAULT_CONFIG_TEXT), pattern_filter: { exclude_patterns: ['^'] } }, null, 2);
  const config = scratchFile('filter-all.json');
  writeFileSync(config, text);
  const want = expected(file, config);
  assert.ok(want.stats.samples_total > 0);
  assert.equal(want.stats.samples_kept, 0, 'the CLI keeps none');
  assert.equal(want.stats.samples_filtered, want.stats.samples_total, 'the CLI filters them all');
  assert.equal(await settled(() => page.fill('#config', text)), 'done');
  await foldedDone();
  await checkAgainstCli(file, config);
  const said = `All ${new Intl.NumberFormat('en').format(want.stats.samples_total)} samples were filtered by pattern_filter`;
  const shown = await placeholders();
  for (const id of ['processes', 'threads', 'functions', 'flame']) {
    assert.ok(shown[id].startsWith(said), `${id}: ${shown[id]}`);
  }
  for (const [id, words] of Object.entries(shown)) assert.doesNotMatch(words, /Open a profile/, id);
  assert.equal(await settled(() => page.fill('#config', DEFAULT_CONFIG_TEXT)), 'done');
  await foldedDone();
});

/** n bytes (about) of JSON Lines: cpu-ebpf.json repeated. */
function jsonLines(megabytes) {
  const line = `${JSON.stringify(JSON.parse(readFileSync(join(fixtures, 'cpu-ebpf.json'), 'utf8')))}\n`;
  const copies = Math.ceil((megabytes * 1e6) / line.length);
  const file = scratchFile(`${megabytes}mb.jsonl`);
  writeFileSync(file, line.repeat(copies));
  return file;
}

test('web: 5 MB and 50 MB inputs convert in the worker while the page keeps ticking; totals equal the CLI\'s', { skip, timeout: 300_000 }, async (t) => {
  for (const megabytes of [5, 50]) {
    const file = jsonLines(megabytes);
    await page.evaluate(() => {
      const probe = { ticks: 0, maxGap: 0, frames: 0, progress: [] };
      let last = performance.now();
      probe.timer = setInterval(() => {
        const now = performance.now();
        probe.maxGap = Math.max(probe.maxGap, now - last);
        last = now;
        probe.ticks++;
        const bar = document.getElementById('progress');
        if (!bar.hidden && bar.hasAttribute('value')) probe.progress.push(bar.value);
      }, 10);
      const frame = () => { probe.frames++; probe.raf = requestAnimationFrame(frame); };
      probe.raf = requestAnimationFrame(frame);
      window.probe = probe;
    });
    assert.equal(await openFile(file, 240_000), 'done', `${megabytes} MB`);
    const probe = await page.evaluate(() => {
      clearInterval(window.probe.timer);
      cancelAnimationFrame(window.probe.raf);
      const { ticks, maxGap, frames, progress } = window.probe;
      return { ticks, maxGap, frames, progress };
    });
    const timing = (await page.evaluate(() => window.ptmInspector.timings)).at(-1);
    const line = `${megabytes} MB (${timing.bytes} B of JSON Lines) in headless Chromium: converted in ${timing.convertMs.toFixed(0)} ms, `
      + `results on screen ${timing.totalMs.toFixed(0)} ms after the file was chosen; the page's 10 ms timer ticked ${probe.ticks} times `
      + `(longest gap ${probe.maxGap.toFixed(0)} ms), ${probe.frames} animation frames`;
    t.diagnostic(line);
    console.log(`# web: ${line}`);
    assert.ok(probe.maxGap < 250, `the page stayed responsive (longest timer gap ${probe.maxGap.toFixed(0)} ms)`);
    if (megabytes === 5) assert.ok(timing.totalMs < 1000, `5 MB on screen within a second (${timing.totalMs.toFixed(0)} ms)`);
    if (megabytes === 50) {
      assert.ok(probe.progress.some((v) => v > 0 && v < 1), 'progress was shown');
      assert.ok(probe.frames > 10, 'animation frames kept coming');
    }
    await checkAgainstCli(file);
  }
});

test('web: screenshots at desktop and phone width, light and dark', { skip }, async () => {
  mkdirSync(screenshots, { recursive: true });
  assert.equal(await settled(() => page.click('#sample')), 'done');
  for (const [device, width, height] of [['desktop', 1280, 900], ['phone', 390, 844]]) {
    await page.setViewportSize({ width, height });
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.evaluate(() => window.dispatchEvent(new Event('resize')));
      await page.waitForTimeout(250);
      const path = join(screenshots, `${device}-${scheme}.png`);
      await page.screenshot({ path, fullPage: true });
      await page.screenshot({ path: join(screenshots, `${device}-${scheme}-viewport.png`) });
      assert.ok(readFileSync(path).length > 10_000, path);
    }
  }
  // Nothing overflows the phone's width.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow} px wider than a phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
  assert.ok(readdirSync(screenshots).length >= 4);
});

test('web: every control is reachable by keyboard', { skip }, async () => {
  await page.focus('body');
  const reached = new Set();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => document.activeElement?.id || document.activeElement?.dataset?.export || document.activeElement?.dataset?.sort || document.activeElement?.tagName));
  }
  for (const id of ['file', 'sample', 'paste', 'fn-measure', 'flame-process', 'config']) assert.ok(reached.has(id), `${id} reached by Tab`);
});

test('web: the page made no request but for its own files', { skip }, () => {
  assert.deepEqual(outside, []);
  const own = new Set(['/', '/app.js', '/model.js', '/flame.js', '/status.js', '/worker.js', '/style.css', '/sample.pb', '/pkg/index.js', '/pkg/ptm.wasm']);
  assert.deepEqual(served.filter((p) => !own.has(p)), []);
  assert.deepEqual(pageErrors, []);
});
