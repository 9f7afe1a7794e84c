// wasi.test.js: the WASI command build/wasi/ptm.wasm behaves exactly like the
// native CLI under two hosts, the wasmtime CLI (build/tools/bin/wasmtime,
// installed by tools/setup-wasm-hosts.sh) and Node's node:wasi (run in a
// child process by tests/lib/wasi-run.mjs): byte-identical stdout for every
// fixture and format, identical --stats and -o output, and the same exit code
// and `ptm: ` line for bad input, bad config and bad usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { bigJsonLines, fixtures, shared, haveShared, ptm, ptmPath, root, scratchFile, statsOf } from '../../lib/run.js';

const wasmtimePath = join(root, 'build', 'tools', 'bin', 'wasmtime');
const wasiModule = join(root, 'build', 'wasi', 'ptm.wasm');
const wasiRunner = join(root, 'tests', 'lib', 'wasi-run.mjs');
const realCaptures = join(shared, 'otlp-real');
const scratch = dirname(scratchFile('probe'));
const formats = ['otlp', 'json', 'prom', 'folded'];

// Directories the guest may read, each visible under its own host path, so
// native and WASI runs take the same absolute arguments.
const dirs = [fixtures, join(root, 'tests', 'configs'), join(root, 'docs', 'examples'), scratch, ...(haveShared ? [realCaptures] : [])];

function result(spawned) {
  if (spawned.error) throw spawned.error;
  return { code: spawned.status, stdout: spawned.stdout, stderr: spawned.stderr.toString() };
}

/** ptm.wasm under the wasmtime CLI. */
function wasmtime(args, input, { dirArgs = dirs.flatMap((d) => ['--dir', `${d}::${d}`]) } = {}) {
  const argv = ['run', ...dirArgs, wasiModule, ...args];
  return result(spawnSync(wasmtimePath, argv, { cwd: root, input, maxBuffer: 1 << 30 }));
}

/** ptm.wasm under node:wasi, in a child node process. */
function nodeWasi(args, input) {
  const argv = ['--no-warnings', wasiRunner, ...dirs.flatMap((d) => ['--dir', d]), wasiModule, ...args];
  return result(spawnSync(process.execPath, argv, { cwd: root, input, maxBuffer: 1 << 30 }));
}

const hosts = { wasmtime, 'node:wasi': nodeWasi };

/** Fails at the first differing byte, with both sizes, instead of dumping megabytes. */
function assertSameBytes(actual, expected, label) {
  if (Buffer.compare(actual, expected) === 0) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  assert.fail(`${label}: ${actual.length} bytes vs native ${expected.length}, first difference at byte ${at}`);
}

/** Runs args natively and under each WASI host; every run must match native. */
function assertSameEverywhere(args, input) {
  const native = ptm(args, input);
  for (const [name, host] of Object.entries(hosts)) {
    const run = host(args, input);
    const label = `${name} ${args.join(' ')}`;
    assert.equal(run.code, native.code, `${label}: exit code (stderr: ${run.stderr})`);
    assertSameBytes(run.stdout, native.stdout, `${label}: stdout`);
    assert.equal(run.stderr, native.stderr, `${label}: stderr`);
  }
  return native;
}

function inputsIn(dir) {
  return readdirSync(dir).filter((f) => /\.(pb|json|jsonl)$/.test(f)).sort().map((f) => join(dir, f));
}

test('the hosts are installed and the module is built', () => {
  assert.ok(existsSync(wasiModule), `${wasiModule} (make build)`);
  const version = spawnSync(wasmtimePath, ['--version']);
  assert.equal(version.status, 0, `${wasmtimePath} --version (tools/setup-wasm-hosts.sh)`);
  assert.match(version.stdout.toString(), /^wasmtime \d+\.\d+\.\d+/);
});

const repoInputs = inputsIn(fixtures);
const realInputs = haveShared ? inputsIn(realCaptures) : [];

test('the repo fixtures are all covered', () => {
  const names = repoInputs.map((p) => p.slice(fixtures.length + 1));
  for (const name of ['cpu-ebpf.pb', 'cpu-ebpf.json', 'cpu-pprof.pb', 'memory.pb', 'multi.jsonl']) assert.ok(names.includes(name), name);
});

function formatTests(inputs, options) {
  for (const input of inputs) {
    test(`${relative(root, input)}: stdout byte-identical in every format, and --stats`, options, () => {
      for (const format of formats) {
        const native = assertSameEverywhere(['-f', format, input]);
        assert.equal(native.code, 0, native.stderr);
        // folded: the CPU stacks, none in the memory fixture
        assert.ok(native.stdout.length > 0 || (format === 'folded' && /memory\.(pb|json)$/.test(input)), `${format}: output`);
        assert.equal(native.stderr, '');
      }
      const native = assertSameEverywhere(['-f', 'otlp', '--stats', input]);
      const stats = statsOf(native.stderr);
      assert.ok(stats.samples_total > 0, 'the input has samples');
      assert.equal(stats.samples_total, stats.samples_kept + stats.samples_filtered + stats.samples_invalid + stats.samples_skipped);
    });
  }
}

formatTests(repoInputs, {});
formatTests(realInputs.length ? realInputs : [join(realCaptures, '*')], { skip: !haveShared && 'no ../shared/fixtures' });

test('real captures: all three are there (189-request JSON Lines included)', { skip: !haveShared && 'no ../shared/fixtures' }, () => {
  const names = realInputs.map((p) => p.slice(realCaptures.length + 1));
  assert.deepEqual(names, ['ebpf-oncpu-189-requests.jsonl', 'ebpf-oncpu-offcpu.json', 'ebpf-oncpu-offcpu.pb']);
});

test('configurations of issue 7 (seed config with its shadowing warning, cumulative, copied attributes): the same bytes, stderr and stats', () => {
  const configs = ['tests/configs/seed-defaults.json', 'tests/configs/seed-basic.json', 'docs/examples/cumulative.json',
    'docs/examples/no-copied-resource-attributes.json'];
  for (const config of configs) {
    for (const format of formats) {
      const native = assertSameEverywhere(['-c', join(root, config), '-f', format, '--stats', join(fixtures, 'multi.jsonl')]);
      assert.equal(native.code, 0, native.stderr);
    }
  }
  const warned = assertSameEverywhere(['-c', join(root, 'tests/configs/seed-basic.json'), '-f', 'prom', join(fixtures, 'cpu-ebpf.pb')]);
  assert.match(warned.stderr, /^ptm: warning: attribute rule "service.name" is shadowed/);
});

test('breakdowns and recording rules (docs/examples/breakdowns.json): the same bytes in every format', () => {
  const inputs = [join(fixtures, 'cpu-ebpf.pb'), ...(haveShared ? [join(realCaptures, 'ebpf-oncpu-offcpu.pb')] : [])];
  for (const input of inputs) {
    for (const format of formats) {
      const native = assertSameEverywhere(['-c', join(root, 'docs/examples/breakdowns.json'), '-f', format, input]);
      assert.equal(native.code, 0, native.stderr);
      if (format === 'prom') assert.match(native.stdout.toString(), /^profile_frame_type_cpu_time_seconds_total\{/m);
    }
  }
});

test('WASI: stdin past 128 MiB converts like native; a path outside the preopened folders names --dir (issue 9)', () => {
  // Before: the WASI command failed on stdin of 128 MiB or more with
  // "cannot read stdin: I/O error". A JSON request then 140 MiB of newlines
  // (blank JSON Lines lines), read whole under a limit that allows it.
  const request = readFileSync(join(fixtures, 'cpu-ebpf.json'));
  const input = Buffer.concat([request, Buffer.alloc(140 * 1024 * 1024, 0x0a)]);
  const config = scratchFile('large.json');
  writeFileSync(config, JSON.stringify({ max_input_bytes: 200 * 1024 * 1024 }));
  const native = ptm(['-c', config, '-f', 'prom', '--stats', '-'], input);
  assert.equal(native.code, 0, native.stderr);
  const run = wasmtime(['-c', config, '-f', 'prom', '--stats', '-'], input);
  assert.equal(run.code, 0, run.stderr);
  assertSameBytes(run.stdout, native.stdout, 'wasmtime, 140 MiB stdin');
  assert.equal(run.stderr, native.stderr);
  const outside = wasmtime([join(root, 'README.md')]);
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /^ptm: cannot open input .*README\.md: .+ \(under WASI, give the host access to its folder: wasmtime run --dir DIR\)\n$/);
});

test('stdin input and -o OUT: the same bytes', () => {
  const input = readFileSync(join(fixtures, 'memory.pb'));
  assert.equal(assertSameEverywhere(['-f', 'prom', '-'], input).code, 0);
  const outputs = {};
  for (const [name, run] of Object.entries({ native: ptm, ...hosts })) {
    const out = scratchFile(`out-${name.replace(':', '-')}.pb`);
    const r = run(['-f', 'otlp', '-o', out, join(fixtures, 'cpu-ebpf.pb')]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stdout.length, 0, `${name}: nothing on stdout`);
    outputs[name] = readFileSync(out);
  }
  assert.ok(outputs.native.length > 0);
  assertSameBytes(outputs.wasmtime, outputs.native, 'wasmtime -o');
  assertSameBytes(outputs['node:wasi'], outputs.native, 'node:wasi -o');
});

test('the README command: wasmtime run --dir . build/wasi/ptm.wasm, relative paths from the repo root', () => {
  const args = ['-f', 'prom', 'tests/fixtures/cpu-ebpf.pb'];
  const run = wasmtime(args, undefined, { dirArgs: ['--dir', '.'] });
  const native = spawnSync(ptmPath, args, { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout.toString(), /^# HELP profile_cpu_time_seconds_total /);
  assertSameBytes(run.stdout, native.stdout, 'wasmtime --dir .');
});

test('the form with "--": wasmtime run --dir . build/wasi/ptm.wasm -- -f json in.pb', () => {
  const args = ['-f', 'json', 'tests/fixtures/cpu-ebpf.pb'];
  const run = wasmtime(['--', ...args], undefined, { dirArgs: ['--dir', '.'] });
  const native = spawnSync(ptmPath, args, { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(native.stdout.length > 0);
  assertSameBytes(run.stdout, native.stdout, 'wasmtime -- ARGS');
});

/** An error case: the exit code and one `ptm: ` line, the same under all three. */
function assertSameError(args, input, code, pattern) {
  const native = assertSameEverywhere(args, input);
  assert.equal(native.code, code, native.stderr);
  assert.equal(native.stdout.length, 0);
  assert.match(native.stderr, /^ptm: [^\n]*\n$/);
  assert.match(native.stderr, pattern);
}

function configFile(text) {
  const file = scratchFile('config.json');
  writeFileSync(file, text);
  return file;
}

test('bad input: exit 1, the same message', () => {
  const cpuPb = join(fixtures, 'cpu-ebpf.pb');
  assertSameError(['-'], Buffer.from('garbage'), 1, /^ptm: input: malformed protobuf/);
  assertSameError(['-f', 'json', '-'], readFileSync(cpuPb).subarray(0, 1000), 1, /^ptm: input: malformed protobuf/);
  assertSameError(['-'], Buffer.from('{"resourceProfiles": ['), 1, /^ptm: input line 1, column 22: not valid JSON/);
});

test('bad config: exit 2, the same message', () => {
  const cpuPb = join(fixtures, 'cpu-ebpf.pb');
  assertSameError(['-c', configFile('{"metrics": {"cpux": {}}}'), cpuPb], undefined, 2,
    /^ptm: config: metrics\.cpux: unknown key\n/);
  assertSameError(['-c', configFile('{"process_filter": {"patterns": ["(a"]}}'), cpuPb], undefined, 2,
    /^ptm: config: process_filter\.patterns\[0\]: invalid regex: missing closing parenthesis at offset 2\n/);
});

test('bad usage: exit 2, the same message', () => {
  const cpuPb = join(fixtures, 'cpu-ebpf.pb');
  assertSameError(['-x', cpuPb], undefined, 2, /^ptm: unknown option -x /);
  assertSameError(['-f', 'yaml', cpuPb], undefined, 2, /^ptm: unknown format "yaml"/);
  assertSameError(['-f'], undefined, 2, /^ptm: -f needs a value/);
  assertSameError(['--top', '0', cpuPb], undefined, 2, /^ptm: --top 0: the count is a number from 1 to 1000/);
});

test('a reader that closes the pipe early: native, wasmtime and the npm CLI all stop quietly, exit 3 (issue 9, finding 7)', () => {
  // Before: native died of SIGPIPE (141, quiet), wasmtime exited 3 with "cannot
  // write output: I/O error", the npm CLI 3 with "Broken pipe". The npm CLI
  // is now this module under node:wasi (issue 29). (tests/lib/wasi-run.mjs is
  // left out: run without --no-warnings, Node 20 printing its WASI warning
  // as the pipe closes crashed it, exit 139, 2 runs in 20; the npm CLI does
  // not print that warning, and exited 3 in 100 runs of 100.)
  const big = bigJsonLines();
  const commands = {
    native: `"${ptmPath}"`,
    wasmtime: `"${wasmtimePath}" run --dir "${scratch}::${scratch}" "${wasiModule}"`,
    'npm CLI': `"${process.execPath}" "${join(root, 'js', 'dist', 'cli.js')}"`,
  };
  for (const [name, command] of Object.entries(commands)) {
    const run = spawnSync('bash', ['-c', `${command} -f json "${big}" | head -c 1 > /dev/null; echo "\${PIPESTATUS[0]}"`]);
    assert.equal(run.stdout.toString().trim(), '3', `${name}: exit code (stderr: ${run.stderr})`);
    assert.equal(run.stderr.toString(), '', `${name}: nothing on stderr`);
  }
  // A full disk is still an error to report, on every host.
  const full = ptm(['-f', 'json', '-o', '/dev/full', big]);
  assert.equal(full.code, 3);
  assert.equal(full.stderr, 'ptm: cannot write output: No space left on device\n');
});
