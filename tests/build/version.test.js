// version.test.js: one version, CMakeLists.txt's project version, reported
// alike by the native ptm, the WASI command under wasmtime, the library's
// ptm_version() (through the zero-import module's export), the npm package
// (package.json, version(), its CLI: the WASI command, so `ptm VERSION`
// as natively), the output's instrumentation scope, and
// the CHANGELOG's latest entry. (The collector connector: its
// TestStartLogsTheCoreVersion; the installed pkg-config and CMake package:
// install.test.js.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, projectVersion as version, ptm, root } from '../lib/run.js';
import { distIndex, jsDir, npmCli, requireDist } from '../lib/npm.js';


test('CMakeLists.txt keeps the version, and nothing else in the sources spells it', () => {
  assert.match(version ?? '', /^\d+\.\d+\.\d+$/);
  for (const file of ['include/ptm.h', 'include/ptm_wasm.h', 'cli/cli.c', 'cli/cli_args.c', 'src/encode/encode_otlp.c', 'src/encode/encode_json.c', 'js/src/index.js', 'js/src/cli.js']) {
    assert.ok(!readFileSync(join(root, file), 'utf8').includes(`"${version}"`), `${file} spells the version`);
  }
});

test('the native ptm and the WASI command under wasmtime print it', () => {
  assert.equal(ptm(['--version']).stdout.toString(), `ptm ${version}\n`);
  const wasmtime = spawnSync(join(root, 'build', 'tools', 'bin', 'wasmtime'), ['run', join(root, 'build', 'wasi', 'ptm.wasm'), '--version']);
  assert.equal(wasmtime.status, 0, String(wasmtime.stderr));
  assert.equal(wasmtime.stdout.toString(), `ptm ${version}\n`);
});

test('the npm package: package.json, version() from the module, its CLI', async () => {
  requireDist();
  assert.equal(JSON.parse(readFileSync(join(jsDir, 'package.json'), 'utf8')).version, version);
  const pkg = await import(distIndex);
  assert.throws(() => pkg.version(), { name: 'PtmError', code: 'argument' }, 'before init()');
  await pkg.init();
  assert.equal(pkg.version(), version);
  assert.equal(npmCli(['--version']).stdout.toString(), `ptm ${version}\n`, 'the CLI is the ptm command');
});

test('the output\'s instrumentation scope carries it (native and npm)', async () => {
  const input = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
  const scopes = (text) => JSON.parse(text).resourceMetrics.flatMap((r) => r.scopeMetrics.map((s) => s.scope));
  const native = scopes(ptm(['-f', 'json'], input).stdout.toString());
  const pkg = await import(distIndex);
  await pkg.init();
  const { output } = pkg.createConverter().convert(input, { format: 'json' });
  const npm = scopes(typeof output === 'string' ? output : new TextDecoder().decode(output));
  for (const list of [native, npm]) {
    assert.ok(list.length > 0);
    for (const scope of list) assert.deepEqual(scope, { name: 'profiletometrics', version });
  }
});

test('CHANGELOG.md\'s latest entry is this version', () => {
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  assert.equal(changelog.match(/^## \[?(\d+\.\d+\.\d+)/m)?.[1], version);
});
