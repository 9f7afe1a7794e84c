// symbolize.test.js: symbolization of native frames (configuration
// "symbolize", docs/symbolization.md) on the live eBPF capture of
// ../shared/fixtures/otlp-live (README.md there): its 8 workloads
// (workloads.json) and the ELF files they ran (bin/).
//
// Every host that converts it gives the same bytes for the same config: the
// native ptm (its file source reads the files), the WASI command under
// node:wasi and wasmtime (the same source, over preopened directories), the
// npm package with every file of bin/ handed in (addSymbols) and with its
// readFile API (symbolize). On those bytes, per workload (by process.pid):
// the busy function's self CPU is workloads.json's expected value and the
// process's largest; its callers' inclusive CPU is as expected. Also: a file
// with another build ID is never used, a debuginfod server (Debian's
// debuginfod) serves the native CLI, and bad symbolize/self_frame keys are
// the same one-line message everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixtures, freePort, ptm, root, scratchFile, shared, sleep } from '../lib/run.js';
import { distDir, npmCli, requireDist } from '../lib/npm.js';

const live = join(shared, 'otlp-live');
const bin = join(live, 'bin');
const capture = join(live, 'ebpf-live.jsonl.gz');
const haveLive = existsSync(join(live, 'workloads.json')) && existsSync(capture);
const skipLive = !haveLive && 'no ../shared/fixtures/otlp-live';

const wasmtimePath = join(root, 'build', 'tools', 'bin', 'wasmtime');
const wasiModule = join(root, 'build', 'wasi', 'ptm.wasm');
const wasiRunner = join(root, 'tests', 'lib', 'wasi-run.mjs');
const scratch = dirname(scratchFile('probe'));
const dirs = [scratch, fixtures, ...(haveLive ? [live] : [])];

requireDist();
const { init, createConverter, PtmError } = await import(pathToFileURL(join(distDir, 'index.js')).href);
await init();

const workloads = haveLive ? JSON.parse(readFileSync(join(live, 'workloads.json'), 'utf8')) : [];
const PYTHON_PID = 5514;

function result(spawned) {
  if (spawned.error) throw spawned.error;
  return { code: spawned.status, stdout: spawned.stdout, stderr: spawned.stderr.toString() };
}

function configFile(config) {
  const file = scratchFile('config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** A file's bytes when it is a regular file, else null: the readFile of the npm hosts. */
function readRegular(path) {
  try {
    return statSync(path).isFile() ? readFileSync(path) : null;
  } catch {
    return null;
  }
}

/** Every regular file under dir (recursive, dot directories too). */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
  });
}

const isElf = (bytes) => bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;

/** The npm converter's run of the same arguments: { code, stdout, stderr } like a CLI's. */
function npmRun(config, input, format, prepare) {
  const converter = createConverter(config);
  try {
    prepare?.(converter, input);
    return { code: 0, stdout: Buffer.from(converter.convert(input, { format, bytes: true }).output), stderr: '' };
  } catch (error) {
    if (!(error instanceof PtmError)) throw error;
    return { code: error.code === 'config' ? 2 : 1, stdout: Buffer.alloc(0), stderr: `ptm: ${error.message}\n` };
  } finally {
    converter.close();
  }
}

/** The hosts: each converts (config, format) of the capture into { code, stdout, stderr }. */
const hosts = {
  native: (config, format) => ptm(['-c', configFile(config), '-f', format, capture]),
  'node:wasi': (config, format) => result(spawnSync(process.execPath,
    ['--no-warnings', wasiRunner, ...dirs.flatMap((d) => ['--dir', d]), wasiModule, '-c', configFile(config), '-f', format, capture],
    { maxBuffer: 1 << 30 })),
  ...(existsSync(wasmtimePath) && {
    wasmtime: (config, format) => result(spawnSync(wasmtimePath,
      ['run', ...dirs.flatMap((d) => ['--dir', `${d}::${d}`]), wasiModule, '-c', configFile(config), '-f', format, capture],
      { maxBuffer: 1 << 30 })),
  }),
  // The browser's way: every ELF file of bin/ (and bin/debug/.build-id/**)
  // handed in, when the config symbolizes: tables handed in name frames
  // without "symbolize" too, so the other hosts' equal then is no table.
  'npm addSymbols': (config, format) => npmRun(config, readFileSync(capture), format, (converter) => {
    if (!config.symbolize) return;
    for (const path of filesUnder(bin)) {
      const bytes = readFileSync(path);
      if (isElf(bytes)) converter.addSymbols(bytes);
    }
  }),
  // Node's way: the converter asks for the files it wants.
  'npm symbolize': (config, format) => npmRun(config, readFileSync(capture), format, (converter, input) => {
    converter.symbolize(input, readRegular);
  }),
};

/** Prometheus text into { metric: { pid: { function (or ''): value summed } } }. */
function promValues(text) {
  const values = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    const byPid = (values[match[1]] ??= {});
    const byFunction = (byPid[labels.process_pid] ??= {});
    const name = labels.code_function_name ?? '';
    byFunction[name] = (byFunction[name] ?? 0) + Number(match[3]);
  }
  return values;
}

const SELF = 'profile_function_self_cpu_time_seconds_total';
const INCLUSIVE = 'profile_function_inclusive_cpu_time_seconds_total';
const CPU = 'profile_cpu_time_seconds_total';

function assertSeconds(actual, expected, label) {
  assert.ok(Math.abs((actual ?? 0) - expected) < 1e-6, `${label}: ${actual} s, expected ${expected} s`);
}

/** The process's functions by self CPU, largest first. */
const ranked = (self) => Object.entries(self ?? {}).sort((a, b) => b[1] - a[1]);

/**
 * The self CPU by function the converter should report for a workload once
 * its native frames are symbolized: expected_after_symbolization.self_s
 * (the busy function's, and for node the function V8 inlined it into),
 * except python, whose interpreter (python3.11) and libc.so.6 have no file
 * in bin/ and stay unsymbolized:
 * - self_frame "interpreted" (the default): those native leaves run under
 *   the cpython frame marmot_spin_python, which takes their self time: the
 *   python3.11, marmot_spin_python and libc.so.6 entries of
 *   ptm_today_self_s, 39.35 + 12.85 + 0.5 = 52.70 s;
 * - "leaf": each leaf keeps its own, ptm_today_self_s as it is.
 */
function expectedSelf(workload, selfFrame) {
  if (workload.pid !== PYTHON_PID) return workload.expected_after_symbolization.self_s;
  const today = workload.ptm_today_self_s;
  if (selfFrame === 'leaf') return today;
  return { [workload.busy_function]: today[workload.executable_name] + today[workload.busy_function] + today['libc.so.6'] };
}

/** The per-workload checks of a symbolized output (Prometheus text). */
function assertSymbolized(text, selfFrame, host) {
  const values = promValues(text);
  for (const workload of workloads) {
    const pid = String(workload.pid);
    const label = `${host}, self_frame ${selfFrame}, ${workload.name} (pid ${pid})`;
    const self = values[SELF]?.[pid] ?? {};
    const inclusive = values[INCLUSIVE]?.[pid] ?? {};
    const processCpu = Object.values(values[CPU]?.[pid] ?? {}).reduce((a, b) => a + b, 0);
    assertSeconds(processCpu, workload.profile_cpu_s, `${label}: process CPU`);
    const expected = expectedSelf(workload, selfFrame);
    for (const [name, seconds] of Object.entries(expected)) assertSeconds(self[name], seconds, `${label}: self ${name}`);
    assert.equal(ranked(self)[0][0], ranked(expected)[0][0], `${label}: the process's top self function`);
    if (workload.pid !== PYTHON_PID && workload.pid !== 6332) {
      assert.equal(ranked(self)[0][0], workload.busy_function, `${label}: the busy function is the process's top self`);
    }
    for (const [name, seconds] of Object.entries(workload.expected_after_symbolization.inclusive_s)) {
      assertSeconds(inclusive[name], seconds, `${label}: inclusive ${name}`);
    }
    if (workload.caller === 'zebra_outer_driver') {
      assertSeconds(inclusive.zebra_outer_driver, processCpu, `${label}: zebra_outer_driver is the process's CPU`);
      assertSeconds(inclusive.main, processCpu, `${label}: main is the process's CPU`);
    }
    // A symbolized native busy function: its file's name is gone from the self list.
    if (/^bin\/(zebra|libyak)/.test(workload.busy_file)) {
      const file = workload.busy_file.slice(4);
      assert.ok(!(file in self), `${label}: ${file} left in the self list`);
    }
  }
  // yak-main has no symbols anywhere: its frames keep the mapping's name.
  const yak = values[INCLUSIVE]['4806'];
  assert.ok(yak['yak-main'] > 0 && !('yak_graze_loop' in yak), 'yak-main frames stay yak-main');
}

/** The checks of an output without symbolization: ptm_today_self_s. */
function assertUnsymbolized(text, selfFrame, host) {
  const values = promValues(text);
  for (const workload of workloads) {
    const pid = String(workload.pid);
    const self = values[SELF]?.[pid] ?? {};
    const label = `${host}, no symbolize, self_frame ${selfFrame}, ${workload.name}`;
    if (workload.pid === PYTHON_PID && selfFrame === 'interpreted') {
      for (const [name, seconds] of Object.entries(expectedSelf(workload, selfFrame))) assertSeconds(self[name], seconds, `${label}: self ${name}`);
      continue;
    }
    for (const [name, seconds] of Object.entries(workload.ptm_today_self_s)) assertSeconds(self[name], seconds, `${label}: self ${name}`);
  }
}

const symbolized = (extra = {}) => ({ ...extra, symbolize: { paths: [bin] } });
const cases = [
  { name: 'no symbolize', config: {}, selfFrame: 'interpreted', check: assertUnsymbolized },
  { name: 'no symbolize, self_frame leaf', config: { self_frame: 'leaf' }, selfFrame: 'leaf', check: assertUnsymbolized },
  { name: 'symbolize.paths', config: symbolized(), selfFrame: 'interpreted', check: assertSymbolized },
  { name: 'symbolize.paths, self_frame leaf', config: symbolized({ self_frame: 'leaf' }), selfFrame: 'leaf', check: assertSymbolized },
];

for (const { name, config, selfFrame, check } of cases) {
  test(`live capture, ${name}: every host gives the same bytes and the expected self and inclusive CPU`, { skip: skipLive }, () => {
    for (const format of ['prom', 'json']) {
      const outputs = Object.entries(hosts).map(([host, run]) => {
        const output = run(config, format);
        assert.equal(output.code, 0, `${host} -f ${format}: ${output.stderr}`);
        assert.equal(output.stderr, '', `${host} -f ${format}: nothing on stderr`);
        return [host, output.stdout];
      });
      const [, reference] = outputs[0];
      assert.ok(reference.length > 0);
      for (const [host, stdout] of outputs.slice(1)) {
        assert.ok(stdout.equals(reference), `${host} -f ${format}: ${stdout.length} bytes vs native ${reference.length}, not the same bytes`);
      }
      if (format === 'prom') for (const [host, stdout] of outputs) check(stdout.toString(), selfFrame, host);
      else assert.match(reference.toString(), /"profile\.function\.self\.cpu\.time"/);
    }
  });
}

test('npm symbolize: asks each build ID once, finds the debug file by build ID, and nothing when the tables are kept', { skip: skipLive }, () => {
  const input = readFileSync(capture);
  const converter = createConverter(symbolized());
  try {
    const found = [];
    const asked = converter.symbolize(input, (path) => {
      const bytes = readRegular(path);
      if (bytes) found.push(path.slice(bin.length + 1));
      return bytes;
    });
    assert.equal(new Set(asked).size, asked.length, 'no path asked twice');
    // zebra-debuglink: its debug file by build ID (under bin/debug/.build-id) comes before the stripped binary's name.
    assert.ok(found.includes('debug/.build-id/6b/87b1dc405471dab9ed1047962753816a8d7091.debug'), found.join(' '));
    assert.ok(!found.includes('zebra-debuglink'), 'the stripped binary is not read: its debug file was found first');
    for (const name of ['zebra-sym', 'zebra-nopie', 'zebra-lld', 'libyak.so', 'yak-main']) assert.ok(found.includes(name), `${name} read`);
    assert.deepEqual(converter.symbolize(input, () => assert.fail('asked again')), [], 'a second scan asks nothing');
    const prom = promValues(converter.convert(input, { format: 'prom' }).output);
    assertSeconds(prom[SELF]['4805'].zebra_crunch_cpu, 55.85, 'zebra-debuglink via its debug file');
    assertSeconds(prom[SELF]['4806'].yak_churn_bytes, 56.3, "libyak.so's .dynsym");
    converter.reset();
    assert.ok(converter.symbolize(input, () => null).length > 0, 'after reset() the tables are asked for again');
    assert.ok('zebra-sym' in promValues(converter.convert(input, { format: 'prom' }).output)[SELF]['4440'], 'and the frames are unnamed');
  } finally {
    converter.close();
  }
});

test('npm addSymbols: a stripped file and its debug file in either order; non-ELF bytes throw "input" with the ELF message', { skip: skipLive }, () => {
  const input = readFileSync(capture);
  const debug = readFileSync(join(bin, 'debug', '.build-id', '6b', '87b1dc405471dab9ed1047962753816a8d7091.debug'));
  const stripped = readFileSync(join(bin, 'zebra-debuglink'));
  for (const order of [[debug, stripped], [stripped, debug]]) {
    const converter = createConverter(symbolized());
    for (const bytes of order) converter.addSymbols(bytes);
    assertSeconds(promValues(converter.convert(input, { format: 'prom' }).output)[SELF]['4805'].zebra_crunch_cpu, 55.85, 'either order');
    converter.close();
  }
  // Handed in, a table names frames without "symbolize" in the config.
  const converter = createConverter();
  converter.addSymbols(readFileSync(join(bin, 'zebra-sym')));
  assertSeconds(promValues(converter.convert(input, { format: 'prom' }).output)[SELF]['4440'].zebra_crunch_cpu, 40.25, 'no symbolize key');
  assert.throws(() => converter.addSymbols(readFileSync(join(bin, 'cburn.c'))), (error) =>
    error instanceof PtmError && error.code === 'input' && /^ELF: /.test(error.message));
  assert.throws(() => converter.addSymbols(new Uint8Array(0)), (error) => error instanceof PtmError && /^ELF: /.test(error.message));
  assert.throws(() => converter.symbolize(input, 'not a function'), (error) => error instanceof PtmError && error.code === 'argument');
  converter.close();
});

test('a file named zebra-sym with another build ID (a copy of zebra-nopie) is never used', { skip: skipLive }, () => {
  const dir = join(scratch, 'mismatch');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(bin, 'zebra-nopie'), join(dir, 'zebra-sym'));
  const config = { symbolize: { paths: [dir] } };
  const runs = Object.entries(hosts).filter(([host]) => host !== 'npm addSymbols').map(([host, run]) => [host, run(config, 'prom')]);
  for (const [host, run] of runs) {
    assert.equal(run.code, 0, `${host}: ${run.stderr}`);
    assert.ok(run.stdout.equals(runs[0][1].stdout), `${host}: the native bytes`);
    const self = promValues(run.stdout.toString())[SELF];
    assertSeconds(self['4440']['zebra-sym'], 40.25, `${host}: zebra-sym keeps its name`);
    assert.ok(!('zebra_crunch_cpu' in self['4440']) && !('zebra_crunch_cpu' in self['4441']), `${host}: nothing named from the wrong file`);
  }
});

/** Starts Debian's debuginfod on a free port over dir; resolves when it serves buildId's debuginfo. */
async function startDebuginfod(dir, buildId) {
  const port = await freePort();
  const work = mkdtempSync(join(tmpdir(), 'ptm-debuginfod-'));
  const env = { ...process.env };
  delete env.DEBUGINFOD_URLS; // no federation: it serves what it scanned
  // -F: ELF files; -t 0 -g 0: the first scan only, no grooming.
  const server = spawn('debuginfod', ['-F', '-p', String(port), '-d', join(work, 'db.sqlite'), '-t', '0', '-g', '0', dir],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout.on('data', (data) => { log += data; });
  server.stderr.on('data', (data) => { log += data; });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  const stop = async () => {
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(work, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`debuginfod exited (${server.exitCode}): ${log}`);
    try {
      const response = await fetch(`${url}/buildid/${buildId}/debuginfo`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`debuginfod did not serve ${buildId} within 60 s: ${log}`);
    }
    await sleep(250);
  }
  return { url, stop, log: () => log };
}

const haveDebuginfod = spawnSync('debuginfod', ['--version']).status === 0;
const skipDebuginfod = !haveLive ? 'no ../shared/fixtures/otlp-live'
  : !haveDebuginfod && process.env.CI !== 'true' && 'no debuginfod (Debian package debuginfod; tools/setup.sh installs it)';

test('debuginfod: the native ptm fetches debuginfo, and executables without one, by build ID', { skip: skipDebuginfod }, async () => {
  assert.ok(haveDebuginfod, 'debuginfod is installed (tools/setup.sh)');
  const server = await startDebuginfod(bin, workloads.find((w) => w.pid === 4440).build_id_gnu);
  try {
    const run = ptm(['-c', configFile({ symbolize: { debuginfod: [server.url] } }), '-f', 'prom', capture]);
    assert.equal(run.code, 0, run.stderr);
    const self = promValues(run.stdout.toString())[SELF];
    assertSeconds(self['4440'].zebra_crunch_cpu, 40.25, 'zebra-sym: its debuginfo');
    assertSeconds(self['4805'].zebra_crunch_cpu, 55.85, 'zebra-debuglink: its separate debug file');
    assertSeconds(self['4806'].yak_churn_bytes, 56.3, 'libyak.so: no debuginfo, its /executable');
    const libyak = workloads.find((w) => w.pid === 4806).build_id_gnu;
    const served = new RegExp(`GET /buildid/${libyak}/executable 200`);
    for (let wait = 0; wait < 40 && !served.test(server.log()); wait++) await sleep(50); // its log, read while ptm ran
    assert.match(server.log(), served, 'libyak.so came from /executable');
    // The tables are per run of ptm: the same output a second time.
    assert.ok(ptm(['-c', configFile({ symbolize: { debuginfod: [server.url] } }), '-f', 'prom', capture]).stdout.equals(run.stdout));
  } finally {
    await server.stop();
  }
});

test('bad symbolize and self_frame keys: the same one-line config error from ptm, the WASI command, the npm API and its CLI', () => {
  const cases = [
    [{ symbolize: { paths: 'x' } }, 'symbolize.paths: must be an array of strings'],
    [{ symbolize: { debuginfod: ['ftp://x'] } }, 'symbolize.debuginfod[0]: must be an http:// or https:// URL'],
    [{ symbolize: { bogus: 1 } }, 'symbolize.bogus: unknown key'],
    [{ symbolize: { cache_bytes: 1 } }, 'symbolize.cache_bytes: must be a whole number from 65536 to 17179869184'],
    [{ self_frame: 'x' }, 'self_frame: must be "interpreted" or "leaf"'],
  ];
  const input = join(fixtures, 'cpu-ebpf.pb');
  for (const [config, message] of cases) {
    const expected = `ptm: config: ${message}\n`;
    const file = configFile(config);
    const runs = {
      native: ptm(['-c', file, input]),
      'node:wasi': result(spawnSync(process.execPath, ['--no-warnings', wasiRunner, ...dirs.flatMap((d) => ['--dir', d]), wasiModule, '-c', file, input])),
      ...(existsSync(wasmtimePath) && {
        wasmtime: result(spawnSync(wasmtimePath, ['run', ...dirs.flatMap((d) => ['--dir', `${d}::${d}`]), wasiModule, '-c', file, input])),
      }),
      'npm CLI': npmCli(['-c', file, input]),
    };
    for (const [host, run] of Object.entries(runs)) {
      assert.equal(run.stderr, expected, `${host}: ${JSON.stringify(config)}`);
      assert.equal(run.code, 2, `${host}: exit code`);
      assert.equal(run.stdout.length, 0, `${host}: no output`);
    }
    assert.throws(() => createConverter(config), (error) =>
      error instanceof PtmError && error.code === 'config' && `ptm: ${error.message}\n` === expected, `npm API: ${JSON.stringify(config)}`);
  }
});
