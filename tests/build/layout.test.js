// layout.test.js: the core's folders are its pipeline (issue 29), and the
// code keeps to them. src/ has a folder per stage, and calls and includes run
// one way, from the API down:
//   api → encode → convert → config → input → decode → symbols → wire → base
// Checked from what the compiler made, not from what the sources say: the
// calls are the undefined symbols of each object of the native build that
// another object of the core defines (nm), so a call through a macro or an
// inline function counts too. No two files of the core call each other, even
// through others (no cycle); no file calls into a stage above its own; no
// file includes a header of a stage above its own; no source file of the
// core, the CLI or the wasm hosts is longer than 600 lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/run.js';

const LAYERS = ['api', 'encode', 'convert', 'config', 'input', 'decode', 'symbols', 'wire', 'base'];
// the core's objects: the library's, and the decompressors' (a library of its own)
const objectRoots = ['ptm.dir', 'ptm_decompress.dir'].map((dir) => join(root, 'build', 'native', 'CMakeFiles', dir, 'src'));

/** The core's source files, as {layer, name, path}. */
function coreSources() {
  const sources = [];
  for (const layer of readdirSync(join(root, 'src'))) {
    if (layer === 'proto') continue;
    assert.ok(LAYERS.includes(layer), `src/${layer}: a folder that is not a stage (${LAYERS.join(', ')})`);
    for (const file of readdirSync(join(root, 'src', layer))) {
      sources.push({ layer, name: file.replace(/\.[ch]$/, ''), file, path: join(root, 'src', layer, file) });
    }
  }
  return sources;
}

/** The symbols an object defines and the ones it needs, from nm. */
function symbolsOf(object) {
  const run = spawnSync('nm', [object], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const defined = new Set();
  const needed = new Set();
  for (const line of run.stdout.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 2 && parts[0] === 'U') needed.add(parts[1]);
    else if (parts.length === 3 && 'TDBRC'.includes(parts[1])) defined.add(parts[2]);
  }
  return { defined, needed };
}

/** The call graph of the core's objects: file → the files whose symbols it uses. */
function callGraph() {
  const files = coreSources().filter((s) => s.file.endsWith('.c'));
  const symbols = new Map();
  for (const source of files) {
    const object = objectRoots.map((dir) => join(dir, source.layer, `${source.file}.o`)).find(existsSync);
    assert.ok(object, `src/${source.layer}/${source.file}: no object (make build)`);
    symbols.set(source.name, { ...symbolsOf(object), layer: source.layer });
  }
  const owner = new Map();
  for (const [name, { defined }] of symbols) for (const symbol of defined) owner.set(symbol, name);
  const edges = new Map();
  for (const [name, { needed }] of symbols) {
    edges.set(name, new Set([...needed].map((s) => owner.get(s)).filter((o) => o !== undefined && o !== name)));
  }
  return { edges, layerOf: (name) => symbols.get(name).layer };
}

/** The strongly connected components of more than one file (Tarjan). */
function cycles(edges) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of edges.get(v)) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); component.push(w); } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('no call cycle among the core\'s files (nm of the native objects)', () => {
  const { edges } = callGraph();
  assert.ok(edges.size >= 30, `${edges.size} objects`);
  assert.deepEqual(cycles(edges), []);
});

test('the cycle check finds a cycle when there is one', () => {
  const edges = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]);
  assert.deepEqual(cycles(edges), [['a', 'b', 'c']]);
});

test('calls run one way: no file calls into a stage above its own', () => {
  const { edges, layerOf } = callGraph();
  const upward = [];
  for (const [from, targets] of edges) {
    for (const to of targets) {
      if (LAYERS.indexOf(layerOf(to)) < LAYERS.indexOf(layerOf(from))) upward.push(`${layerOf(from)}/${from} → ${layerOf(to)}/${to}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('includes run one way: no file includes a header of a stage above its own', () => {
  const upward = [];
  for (const source of coreSources()) {
    for (const [, layer, header] of readFileSync(source.path, 'utf8').matchAll(/#include "([a-z]+)\/([a-z_0-9]+\.h)"/g)) {
      assert.ok(LAYERS.includes(layer), `${source.layer}/${source.file}: includes ${layer}/${header}, not a stage`);
      assert.ok(existsSync(join(root, 'src', layer, header)), `${source.layer}/${source.file}: ${layer}/${header} does not exist`);
      if (LAYERS.indexOf(layer) < LAYERS.indexOf(source.layer)) upward.push(`${source.layer}/${source.file} → ${layer}/${header}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('no source file of the core, the CLI or the wasm hosts is over 600 lines', () => {
  const files = [
    ...coreSources().map((s) => `src/${s.layer}/${s.file}`),
    ...readdirSync(join(root, 'cli')).map((f) => `cli/${f}`),
    ...readdirSync(join(root, 'wasm')).filter((f) => /\.[ch]$/.test(f)).map((f) => `wasm/${f}`),
  ];
  assert.ok(files.length > 60 && files.includes('src/api/converter.c') && files.includes('cli/cli.c'), `${files.length} files`);
  const over = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n').length - 1;
    if (lines > 600) over.push(`${file}: ${lines} lines`);
  }
  assert.deepEqual(over, []);
});
