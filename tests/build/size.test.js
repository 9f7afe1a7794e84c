// size.test.js: `make size` (tools/size.sh) prints the true raw and gzip -9
// sizes of the four wasm modules, passes while the default reactor is within
// its budget (380 KB raw, 150 KB gzipped) and fails with a message when it is
// not; the full reactor (ptm-full.wasm) is reported, with no budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/run.js';

const script = join(root, 'tools', 'size.sh');
const modules = ['build/wasi/ptm.wasm', 'build/wasm/ptm.wasm', 'build/wasm/ptm-full.wasm', 'build/wasm/ptm-proxywasm.wasm'];

function sizeScript(env = {}) {
  const run = spawnSync(script, [], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  if (run.error) throw run.error;
  return run;
}

function gzipSize(path) {
  return spawnSync('gzip', ['-9', '-n', '-c', join(root, path)], { maxBuffer: 1 << 28 }).stdout.length;
}

/** { path: { raw, gzip } } from the script's lines. */
function parseSizes(stdout) {
  const sizes = {};
  for (const match of stdout.matchAll(/^(\S+)\s+(\d+) bytes raw\s+(\d+) bytes gzip -9$/gm)) {
    sizes[match[1]] = { raw: Number(match[2]), gzip: Number(match[3]) };
  }
  return sizes;
}

test('make size: true sizes of the four modules, the default reactor within 380 KB raw / 150 KB gzipped', () => {
  const run = sizeScript();
  assert.equal(run.status, 0, run.stderr);
  const sizes = parseSizes(run.stdout);
  assert.deepEqual(Object.keys(sizes), modules);
  for (const path of modules) {
    assert.equal(sizes[path].raw, statSync(join(root, path)).size, `${path} raw`);
    assert.equal(sizes[path].gzip, gzipSize(path), `${path} gzip -9`);
  }
  assert.ok(sizes['build/wasm/ptm.wasm'].raw <= 380000);
  assert.ok(sizes['build/wasm/ptm.wasm'].gzip <= 150000);
  assert.ok(sizes['build/wasm/ptm-full.wasm'].gzip > sizes['build/wasm/ptm.wasm'].gzip, 'the full variant holds more');
});

test('make size fails, naming the measure, when the reactor is over a limit', () => {
  const reactor = statSync(join(root, 'build/wasm/ptm.wasm')).size;
  const raw = sizeScript({ PTM_SIZE_RAW_LIMIT: String(reactor - 1) });
  assert.equal(raw.status, 1);
  assert.equal(raw.stderr, `size: build/wasm/ptm.wasm is ${reactor} bytes raw, over the ${reactor - 1} limit\n`);
  const gzip = sizeScript({ PTM_SIZE_GZIP_LIMIT: '1000' });
  assert.equal(gzip.status, 1);
  assert.match(gzip.stderr, /^size: build\/wasm\/ptm\.wasm is \d+ bytes gzipped, over the 1000 limit\n$/);
});
