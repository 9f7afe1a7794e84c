// wasm-robustness.test.js: the malformed-input corpus (tests/lib/malformed-cases.js)
// through the WebAssembly builds, compared with the native CLI case by case:
//
//  1. the npm package (js/dist), ONE wasm instance and ONE converter for the
//     whole corpus: no trap, a PtmError whose code and message are the native
//     exit code and `ptm: ` line on bad input, the native bytes and stats
//     otherwise, the valid fixture still converting to the native bytes after
//     every case, and wasm memory bounded;
//  2. the same through the raw ABI of build/wasm/ptm.wasm (include/ptm_wasm.h),
//     with no JS layer in between;
//  3. the WASI command build/wasi/ptm.wasm under node:wasi (tests/lib/wasi-run.mjs,
//     one process per case, a few at a time): the native exit code, `ptm: `
//     line, --stats line and stdout bytes.
//
// Inputs: every named case (with its input format: `-i`, {input},
// ptm_wasm_set_input_format), and ~200 offsets of the truncation family (every
// 32nd cut plus every valid prefix); the whole family runs natively in
// tests/malformed.test.js. The WASI runs (one node process per case, 8 at a
// time) take about 13 s for these ~370 cases, under the ~40 s budget, so every
// named case runs there too, no subset.
//
// Memory bound: wasm memory never shrinks, so it ends at the peak working set
// of the heaviest case (the 50,000-distinct-function stack needs ~17 MiB, as
// natively: its peak RSS is the same). The check is therefore done in two
// passes: a warm-up (the fixture three times, then the whole corpus once,
// each case followed by the fixture) whose peak is only sanity-bounded
// (64 MiB), then a second full pass after which memory must not exceed the
// warm-up value by more than the largest input + 1 MiB. A leak of anything
// per conversion (an input copy, an output, a converter arena block, error
// state) over ~740 conversions would exceed that; the slack allows one
// input-sized block of fragmentation (the host's input buffer is allocated
// next to the converter's arena blocks) and arena block rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { namedCases, sampleTruncations, validFixture } from '../lib/malformed-cases.js';
import { packageWithMemory, requireDist } from '../lib/npm.js';
import { ptm, root, statsOf } from '../lib/run.js';
import { moduleConstants } from '../lib/constants.js';

requireDist();

const reactorPath = join(root, 'build', 'wasm', 'ptm.wasm');
const wasiModule = join(root, 'build', 'wasi', 'ptm.wasm');
const wasiRunner = join(root, 'tests', 'lib', 'wasi-run.mjs');

const { stats: STATS } = moduleConstants(reactorPath); // the ptm_stats fields, the core's table (issue 29)
const MiB = 1024 * 1024;
const SANITY_CEILING = 64 * MiB;

const truncationSample = sampleTruncations(200);
const corpus = [...namedCases, ...truncationSample];
const largestInput = Math.max(...corpus.map((c) => c.bytes.length));
const fixtureBytes = readFileSync(validFixture);

/** `-i INPUT` for a case that names its input format (none for the fixture). */
const inputArgs = (c) => (c?.input ? ['-i', c.input] : []);
/** The ptm_input_format number of a case's input (PTM_INPUT_AUTO when it names none). */
const INPUT_IDS = { auto: 0, otlp: 1, json: 2, pprof: 3 };

/** The native CLI's outcome: exit code, stdout, the `ptm: ` line, --stats. */
function nativeOutcome(bytes, c) {
  const run = ptm([...inputArgs(c), '-f', 'otlp', '--stats', '-'], bytes);
  const lines = run.stderr.split('\n').filter(Boolean);
  const messages = lines.filter((l) => l.startsWith('ptm: '));
  // Exit 4: a line per refused request, then the count.
  const refused = run.code === 4 ? messages.slice(0, -1) : [];
  return { code: run.code, stdout: run.stdout, message: messages[0], refused, stats: statsOf(run.stderr), stderr: run.stderr };
}

const native = new Map(corpus.map((c) => [c, nativeOutcome(c.bytes, c)]));
const nativeFixture = nativeOutcome(fixtureBytes);

test('the corpus and its native outcomes', () => {
  assert.ok(namedCases.length >= 50);
  assert.ok(truncationSample.length >= 190 && truncationSample.length <= 220, `${truncationSample.length} truncations`);
  assert.equal(nativeFixture.code, 0);
  for (const c of corpus) {
    const n = native.get(c);
    assert.ok([0, 1, 4].includes(n.code), `${c.name}: native exit ${n.code}`);
    if (n.code === 1) assert.ok(n.message, `${c.name}: a ptm: line`);
  }
});

/** Fails with the case's name if a wasm call trapped. */
function noTrap(fn, label) {
  try {
    return fn();
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) assert.fail(`${label}: wasm trap: ${error.message}`);
    throw error;
  }
}


/**
 * Runs the corpus twice through convert(bytes, input format name) -> {ok, output, stats} |
 * {ok: false, exitCode, message, stats}, with the fixture after every case,
 * and checks each against the native outcome and the memory bound.
 */
function loopCorpus(label, convert, memory) {
  const checkFixture = (after) => {
    const r = noTrap(() => convert(fixtureBytes, 'auto'), `${label}: fixture after ${after}`);
    assert.ok(r.ok, `${label}: fixture after ${after}: ${r.message}`);
    assert.ok(Buffer.from(r.output).equals(nativeFixture.stdout), `${label}: fixture after ${after}: native bytes`);
    assert.deepEqual(r.stats, nativeFixture.stats, `${label}: fixture after ${after}: stats`);
  };
  const runCase = (c) => {
    const n = native.get(c);
    const r = noTrap(() => convert(c.bytes, c.input ?? 'auto'), `${label}: ${c.name}`);
    if (c.reactor) {
      // the reactor lacks a codec the native build has (malformed-cases.js)
      assert.ok(!r.ok, `${label}: ${c.name}: converted, expected ${c.reactor.message}`);
      assert.equal(r.exitCode, c.reactor.exit, `${label}: ${c.name}: exit code`);
      assert.match(`ptm: ${r.message}`, c.reactor.message, `${label}: ${c.name}: message`);
    } else if (n.code === 0 || n.code === 4) {
      assert.ok(r.ok, `${label}: ${c.name}: native converts, wasm says ${r.message}`);
      assert.ok(Buffer.from(r.output).equals(n.stdout), `${label}: ${c.name}: native bytes`);
      assert.deepEqual((r.refused ?? []).map((m) => `ptm: ${m}`), n.refused, `${label}: ${c.name}: refused requests`);
    } else {
      assert.ok(!r.ok, `${label}: ${c.name}: native exit ${n.code}, wasm converted`);
      assert.equal(r.exitCode, n.code, `${label}: ${c.name}: exit code`);
      assert.equal(`ptm: ${r.message}`, n.message, `${label}: ${c.name}: message`);
    }
    if (!c.reactor) assert.deepEqual(r.stats, n.stats, `${label}: ${c.name}: stats`);
    checkFixture(c.name);
  };
  for (let i = 0; i < 3; i++) checkFixture('warm-up');
  for (const c of corpus) runCase(c);
  const warm = memory().buffer.byteLength;
  assert.ok(warm <= SANITY_CEILING, `${label}: warm-up peak ${warm} bytes`);
  for (const c of corpus) runCase(c);
  const after = memory().buffer.byteLength;
  assert.ok(after <= warm + largestInput + MiB,
    `${label}: memory ${after} bytes after the second pass, warm-up ${warm} (+ bound ${largestInput + MiB})`);
  return { warm, after };
}

test('npm API: one instance, one converter, the whole corpus twice: native outcomes, no trap, bounded memory', async (t) => {
  const { pkg, latest, stop } = await packageWithMemory();
  t.after(stop);
  const converter = pkg.createConverter();
  const { memory } = latest(); // the converter's own instance
  const convert = (bytes, input) => {
    try {
      const { output, stats, refused } = converter.convert(bytes, { format: 'otlp', input });
      assert.ok(output instanceof Uint8Array);
      return { ok: true, output, stats, refused };
    } catch (error) {
      if (!(error instanceof pkg.PtmError)) throw error;
      assert.ok(error.code === 'input' || error.code === 'limit', `PtmError code ${error.code}: ${error.message}`);
      assert.ok(!error.message.includes('\n'), 'a one-line message');
      return { ok: false, exitCode: 1, message: error.message, stats: error.stats };
    }
  };
  const { warm, after } = loopCorpus('npm', convert, () => memory);
  converter.close();
  t.diagnostic(`npm: wasm memory ${warm} bytes after the warm-up pass, ${after} after the second pass (bound +${largestInput + MiB})`);
});

test('raw ABI of build/wasm/ptm.wasm: the whole corpus twice through one handle', (t) => {
  const module = new WebAssembly.Module(readFileSync(reactorPath));
  assert.deepEqual(WebAssembly.Module.imports(module), [], 'imports nothing');
  const x = new WebAssembly.Instance(module, {}).exports;
  x._initialize();
  const u32 = (v) => v >>> 0;
  const cString = (pointer) => {
    const bytes = new Uint8Array(x.memory.buffer);
    let end = pointer;
    while (bytes[end] !== 0) end++;
    return Buffer.from(bytes.subarray(pointer, end)).toString('utf8');
  };
  const errorBuffer = u32(x.ptm_wasm_alloc(512 + 16 + 4));
  assert.notEqual(errorBuffer, 0);
  const keyBuffer = errorBuffer + 512;
  const handleBuffer = keyBuffer + 16;
  new Uint8Array(x.memory.buffer, keyBuffer, 16).set(randomBytes(16));
  const created = x.ptm_wasm_create(errorBuffer, 0, keyBuffer, handleBuffer, errorBuffer, 512);
  assert.equal(created, 0, cString(errorBuffer));
  const handle = new DataView(x.memory.buffer).getUint32(handleBuffer, true);
  assert.notEqual(handle, 0);
  const RESULT_INPUT = 1;
  const RESULT_LIMIT = 4;
  const convert = (bytes, input) => {
    const pointer = u32(x.ptm_wasm_alloc(Math.max(bytes.length, 1)));
    assert.notEqual(pointer, 0, 'ptm_wasm_alloc');
    try {
      assert.equal(x.ptm_wasm_set_input_format(handle, INPUT_IDS[input]), 0, `input format ${input}`);
      new Uint8Array(x.memory.buffer, pointer, bytes.length).set(bytes);
      const result = x.ptm_wasm_convert(handle, pointer, bytes.length, 0);
      const view = new DataView(x.memory.buffer, u32(x.ptm_wasm_stats(handle)), STATS.length * 8);
      const stats = Object.fromEntries(STATS.map((name, i) => [name, Number(view.getBigUint64(i * 8, true))]));
      const message = cString(u32(x.ptm_wasm_last_error(handle)));
      if (result === 0) {
        assert.equal(message, '', 'no error message after a success');
        const output = new Uint8Array(x.memory.buffer, u32(x.ptm_wasm_output(handle)), u32(x.ptm_wasm_output_size(handle))).slice();
        const refused = [];
        for (let m; (m = u32(x.ptm_wasm_refused_request(handle, refused.length))) !== 0;) refused.push(cString(m));
        return { ok: true, output, stats, refused };
      }
      assert.ok(result === RESULT_INPUT || result === RESULT_LIMIT, `ptm_result ${result}: ${message}`);
      return { ok: false, exitCode: 1, message, stats };
    } finally {
      x.ptm_wasm_free(pointer);
    }
  };
  const { warm, after } = loopCorpus('raw ABI', convert, () => x.memory);
  t.diagnostic(`raw ABI: wasm memory ${warm} bytes after the warm-up pass, ${after} after the second pass (bound +${largestInput + MiB})`);
  x.ptm_wasm_destroy(handle);
  x.ptm_wasm_free(errorBuffer);
});

/** The WASI command under node:wasi in a child process (tests/lib/wasi-run.mjs). */
function wasiAsync(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', wasiRunner, wasiModule, ...args], { cwd: root });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => resolve({ code: code ?? `signal ${signal}`, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(input);
  });
}

test(`WASI command under node:wasi: every named case and ${truncationSample.length} truncations give the native exit code, message, stats and bytes`, async () => {
  let next = 0;
  const worker = async () => {
    while (next < corpus.length) {
      const c = corpus[next++];
      const n = native.get(c);
      const run = await wasiAsync([...inputArgs(c), '-f', 'otlp', '--stats', '-'], c.bytes);
      assert.equal(run.code, n.code, `${c.name}: exit code (stderr: ${run.stderr})`);
      assert.equal(run.stderr, n.stderr, `${c.name}: the same ptm: line and --stats line`);
      assert.ok(run.stdout.equals(n.stdout), `${c.name}: the same stdout bytes`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, availableParallelism()) }, worker));
});
