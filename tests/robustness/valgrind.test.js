// valgrind.test.js: the native CLI under valgrind's memcheck. Every repo
// fixture in every output format (with the defaults and with a configuration
// that turns on filters, regex attributes, custom sample types and top_n),
// the shared real eBPF capture when ../shared/fixtures is there, and a few
// inputs and configurations that fail (garbage, truncated protobuf, malformed
// JSON, a bad regex, an unreadable file), and the crash-* cases of
// tests/regression/. Each run of build/native/ptm under
//   valgrind -q --error-exitcode=99 --leak-check=full
//            --errors-for-leak-kinds=definite,indirect --track-origins=no
// must exit with the native run's exit code (any memcheck error or leak gives
// 99 instead) and write the same stdout and stderr bytes.
// Skipped when valgrind is not installed (tools/setup.sh installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, root, scratchFile, shared } from '../lib/run.js';

// Always the release build: valgrind cannot run the sanitizer builds PTM_BIN
// may name (make test-asan).
const ptmPath = join(root, 'build', 'native', 'ptm');

const valgrind = spawnSync('valgrind', ['--version']);
const skip = valgrind.error || valgrind.status !== 0 ? 'valgrind is not installed'
  : !existsSync(ptmPath) ? 'build/native/ptm is not built' : false;

const fullConfig = scratchFile('config.json');
writeFileSync(fullConfig, JSON.stringify({
  attributes: [
    { key: 'env', value: 'prod' },
    { key: 'word', value: '([a-z]+)\\.', type: 'regex' },
  ],
  thread_filter: { exclude_patterns: ['^idle$'] },
  pattern_filter: { exclude_patterns: ['^runtime\\.gcBgMarkWorker$'] },
  sample_types: [{ type: 'contentions', unit: 'count', metric_name: 'lock.contentions' }],
  metrics: { function: { top_n: 3 } },
  cardinality_limit: 20,
}));
const badRegex = scratchFile('bad-regex.json');
writeFileSync(badRegex, '{"thread_filter":{"patterns":["(a"]}}');
const cpuPb = join(fixtures, 'cpu-ebpf.pb');

function cases() {
  const list = [];
  const inputs = readdirSync(fixtures).sort().map((name) => join(fixtures, name));
  const capture = join(shared, 'otlp-real', 'ebpf-oncpu-offcpu.pb');
  if (existsSync(capture)) inputs.push(capture);
  for (const input of inputs) {
    for (const format of ['otlp', 'json', 'prom']) list.push({ args: ['-f', format, '--stats', input] });
    list.push({ args: ['-c', fullConfig, '-f', 'prom', input] });
  }
  const truncated = readFileSync(cpuPb).subarray(0, 3000);
  list.push(
    { args: ['-'], stdin: Buffer.from('garbage that is not protobuf') },
    { args: ['-f', 'json', '--stats', '-'], stdin: truncated },
    { args: ['-f', 'prom', '-'], stdin: Buffer.from('{"resourceProfiles": [{"scopeProfiles": [') },
    { args: ['-f', 'json', '-'], stdin: Buffer.from('{"resourceProfiles":[]}\nnot json\n') },
    { args: ['-'], stdin: Buffer.alloc(0) },
    { args: ['-c', badRegex, cpuPb] },
    { args: ['-c', '/nonexistent/config.json', cpuPb] },
    { args: ['-f', 'yaml', cpuPb] },
    { args: ['-o', '/nonexistent/dir/out.pb', cpuPb] },
  );
  const regression = join(root, 'tests', 'regression');
  if (existsSync(regression)) {
    for (const name of readdirSync(regression).sort()) {
      if (name.startsWith('crash-')) list.push({ args: ['-f', 'prom', '--stats', join(regression, name)] });
    }
  }
  return list;
}

function run(command, args, stdin) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => {}); // ptm may exit before reading stdin
    child.stdin.end(stdin ?? Buffer.alloc(0));
  });
}

const memcheck = ['-q', '--error-exitcode=99', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect',
  '--track-origins=no'];

test('ptm under valgrind memcheck: no error, no leak, the same output', { skip, timeout: 600_000 }, async () => {
  const list = cases();
  const failures = [];
  let next = 0;
  async function worker() {
    while (next < list.length) {
      const { args, stdin } = list[next++];
      const what = `ptm ${args.map((a) => a.replace(`${root}/`, '')).join(' ')}`;
      const native = await run(ptmPath, args, stdin);
      const checked = await run('valgrind', [...memcheck, ptmPath, ...args], stdin);
      if (checked.code !== native.code) {
        failures.push(`${what}: exit ${checked.code} under valgrind, ${native.code} native\n${checked.stderr}`);
      } else if (!checked.stdout.equals(native.stdout)) {
        failures.push(`${what}: stdout differs under valgrind`);
      } else if (checked.stderr !== native.stderr) {
        failures.push(`${what}: stderr differs under valgrind:\n${checked.stderr}`);
      }
    }
  }
  await Promise.all([worker(), worker()]);
  assert.ok(list.length >= 30, `${list.length} cases`);
  assert.deepEqual(failures, [], failures.join('\n'));
});
