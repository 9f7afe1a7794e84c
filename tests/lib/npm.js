// npm.js: helpers shared by the npm package tests (npm.test.js,
// browser.test.js): where the built package is (js/dist, laid out by
// `make build`), the inputs every format is compared on, the package's CLI,
// and fresh instances of the package module.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixtures, haveShared, root, shared } from './run.js';

export const jsDir = join(root, 'js');
export const distDir = join(jsDir, 'dist');
export const distIndex = join(distDir, 'index.js');
export const distCli = join(distDir, 'cli.js');
export const distWasm = join(distDir, 'ptm.wasm');

/** Throws a clear message when the package has not been built. */
export function requireDist() {
  if (!existsSync(distIndex) || !existsSync(distWasm)) {
    throw new Error(`${distDir} is missing or incomplete: run make build`);
  }
}

/**
 * The requests every format is compared on: the repo's fixtures (*.pb,
 * *.json, multi.jsonl), then the shared real captures when present.
 */
export function conversionInputs() {
  const own = readdirSync(fixtures)
    .filter((name) => /\.(pb|json)$/.test(name) || name === 'multi.jsonl')
    .sort()
    .map((name) => ({ name, path: join(fixtures, name) }));
  if (!haveShared) return own;
  const real = readdirSync(join(shared, 'otlp-real')).sort()
    .map((name) => ({ name: `otlp-real/${name}`, path: join(shared, 'otlp-real', name) }));
  return [...own, ...real];
}

/** Runs the package's CLI (js/dist/cli.js) like tests/lib/run.js's ptm(). */
export function npmCli(args, input, options = {}) {
  const result = spawnSync(process.execPath, [distCli, ...args], { input, maxBuffer: 1 << 30, ...options });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

let freshCount = 0;

/** A new, uninitialised instance of the package module (its own wasm instance). */
export function freshPackage() {
  return import(`${pathToFileURL(distIndex).href}?fresh=${freshCount++}`);
}

/**
 * Loads a fresh package and records the raw exports of every wasm instance
 * it makes from then on (init()'s own, then one per converter, and each
 * fresh one of a reset()), in order, as WeakRefs in `instances`, so that
 * recording keeps no instance (and its memory) alive; latest() is the last
 * one's exports: right after createConverter(), that converter's. The
 * package instantiates with `new WebAssembly.Instance`, so that constructor
 * is replaced by a recording subclass until stop() (call it in t.after).
 * shared: true makes the synchronous constructor throw the RangeError a
 * browser main thread that refuses synchronous instantiation throws, so the
 * package falls back to one instance that every converter shares; `exports`
 * and `memory` are init()'s instance's (held by the package).
 */
export async function packageWithMemory({ shared = false } = {}) {
  const Original = WebAssembly.Instance;
  const originalInstantiate = WebAssembly.instantiate;
  const instances = [];
  WebAssembly.Instance = class RecordingInstance extends Original {
    constructor(...args) {
      if (shared) throw new RangeError('WebAssembly.Instance is disallowed on the main thread (simulated)');
      super(...args);
      instances.push(new WeakRef(this.exports));
    }
  };
  WebAssembly.instantiate = async (...args) => {
    const result = await originalInstantiate(...args);
    instances.push(new WeakRef((result.instance ?? result).exports));
    return result;
  };
  const stop = () => {
    WebAssembly.Instance = Original;
    WebAssembly.instantiate = originalInstantiate;
  };
  try {
    const pkg = await freshPackage();
    await pkg.init();
    const latest = () => instances.at(-1).deref();
    const exports = latest();
    return { pkg, instances, latest, exports, memory: exports.memory, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
