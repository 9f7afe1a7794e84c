// terminal.test.js: what the command lines do when a person, not a pipe, is
// on the other side, run under pseudo-terminals (tests/lib/pty-run.py):
// binary output to a terminal is refused with a hint (ptm, the WASI
// command, the npm CLI), text output and --top are written; no INPUT on a
// terminal prints the usage instead of waiting; a progress line appears on
// stderr only when it is a terminal, and is cleared before the run ends
// (on every host: the npm CLI is the WASI command under node:wasi).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bigJsonLines, fixtures, ptm, ptmPath, root } from '../../lib/run.js';
import { distCli, requireDist } from '../../lib/npm.js';

const input = join(fixtures, 'cpu-ebpf.pb');
const wasmtime = join(root, 'build', 'tools', 'bin', 'wasmtime');
const wasi = ['run', '--dir', `${fixtures}::${fixtures}`, join(root, 'build', 'wasi', 'ptm.wasm')];

/** Runs command under tests/lib/pty-run.py with the streams as given. */
function onTerminal(command, { stdin = 'null', stdout = 'pipe', stderr = 'pipe' } = {}) {
  const run = spawnSync('python3', [join(root, 'tests', 'lib', 'pty-run.py'), '--stdin', stdin, '--stdout', stdout,
    '--stderr', stderr, '--', ...command], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const hosts = () => {
  requireDist();
  return {
    ptm: (args) => [ptmPath, ...args],
    'WASI command': (args) => [wasmtime, ...wasi, ...args],
    'npm CLI': (args) => [process.execPath, distCli, ...args],
  };
};

const refusal = 'ptm: not writing binary protobuf to a terminal: use -f prom (or json, folded), --top, or -o FILE';

test('binary output to a terminal is refused with a hint; text and --top are written', () => {
  for (const [host, command] of Object.entries(hosts())) {
    for (const args of [[input], ['-f', 'otlp', input]]) {
      const run = onTerminal(command(args), { stdout: 'tty' });
      assert.equal(run.code, 2, `${host} ${args}: ${run.stderr}`);
      assert.equal(run.stdout, '', host);
      assert.equal(run.stderr, `${refusal}\n`, host);
    }
    const prom = onTerminal(command(['-f', 'prom', input]), { stdout: 'tty' });
    assert.equal(prom.code, 0, `${host}: ${prom.stderr}`);
    assert.equal(prom.stdout.replaceAll('\r\n', '\n'), ptm(['-f', 'prom', input]).stdout.toString(), host);
    const top = onTerminal(command(['--top', '5', input]), { stdout: 'tty' });
    assert.equal(top.code, 0, `${host}: ${top.stderr}`);
    assert.equal(top.stdout.replaceAll('\r\n', '\n'), ptm(['--top', '5', input]).stdout.toString(), host);
  }
  // In a pipe, binary output is written as ever.
  assert.ok(ptm([input]).stdout.length > 0);
});

test('no INPUT and stdin a terminal: the usage on stderr, exit 2, no waiting', () => {
  const usage = (text) => text.replaceAll('\r\n', '\n');
  for (const [host, command] of Object.entries(hosts())) {
    for (const args of [['-f', 'prom'], ['-f', 'prom', '-']]) {
      const run = onTerminal(command(args), { stdin: 'tty', stderr: 'tty' });
      assert.equal(run.code, 2, `${host} ${args}: ${run.stderr}`);
      assert.equal(usage(run.stderr), ptm(['--help']).stdout.toString(), `${host}: the native usage`);
      assert.match(usage(run.stderr), /\n {2}-h, --help this text; --version the version\n$/, host);
      assert.equal(run.stdout, '');
    }
  }
});

test('progress on stderr only when it is a terminal, cleared at the end (ptm, the WASI command and the npm CLI)', () => {
  const big = bigJsonLines();
  const expected = ptm(['-f', 'prom', big]).stdout.toString();
  for (const [host, command] of Object.entries(hosts())) {
    const args = command(['-f', 'prom', '-']);
    // stdin trickles in for about 4 s, so the run lasts past the first second.
    const shown = onTerminal(args, { stdin: `trickle:${big}`, stderr: 'tty' });
    assert.equal(shown.code, 0, `${host}: ${shown.stderr}`);
    assert.equal(shown.stdout, expected, `${host}: the output is the same`);
    const lines = shown.stderr.split('\r').filter((l) => l !== '');
    assert.ok(lines.length >= 2, `${host}: progress lines: ${JSON.stringify(shown.stderr)}`);
    for (const line of lines.slice(0, -1)) {
      assert.match(line, /^ptm: \d+\.\d MiB read, \d+ requests, \d+ samples\x1b\[K$/, host);
    }
    assert.equal(lines.at(-1), '\x1b[K', `${host}: the last write clears the line`);
    const numbers = lines.slice(0, -1).map((l) => l.match(/(\d+) requests, (\d+) samples/).slice(1).map(Number));
    for (let i = 1; i < numbers.length; i++) {
      assert.ok(numbers[i][0] >= numbers[i - 1][0] && numbers[i][1] >= numbers[i - 1][1], `${host}: the counts only grow`);
    }
    const piped = onTerminal(args, { stdin: `trickle:${big}`, stderr: 'pipe' });
    assert.equal(piped.code, 0, host);
    assert.equal(piped.stderr, '', `${host}: no progress into a pipe`);
  }
});
