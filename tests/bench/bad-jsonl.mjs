// bad-jsonl.mjs: JSON Lines whose every line is refused (issue 28, row 4),
// N and 4N lines of each shape through the native CLI under ptm_runstat: the
// CPU time of each, and the ratio 4N / N, which is about 4 when recovery is
// linear (before the fix, `{"x` lines took 19 s at 100k and 221 s at 400k).
// Tests assert no time: tests/robustness/json-lines-hostile.test.js checks what these
// conversions say; this prints what they cost.
//
// Usage: node tests/bench/bad-jsonl.mjs [LINES]   (default 100000)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'build', 'bench');
const cli = join(root, 'build', 'native', 'ptm');
const runstat = join(root, 'build', 'native', 'ptm_runstat');
const lines = Number(process.argv[2] ?? 100000);

// The last one nests, one array and object a line: each request is read to
// cJSON's nesting limit (1000), 500 lines on: linear, ~500× the bytes.
const shapes = { 'unclosed key': '{"x\n', 'unclosed string value': '{"a":"\n', 'key without colon': '{"a":{"b"\n', 'an array in an object': '{"a":[\n' };

mkdirSync(outDir, { recursive: true });
const rows = [];
for (const [name, line] of Object.entries(shapes)) {
  const seconds = [];
  for (const n of [lines, 4 * lines]) {
    const file = join(outDir, `bad-${n}.jsonl`);
    writeFileSync(file, line.repeat(n));
    const run = spawnSync(runstat, ['-o', '/dev/null', '--', cli, '-f', 'prom', file], { maxBuffer: 1 << 30 });
    if (run.error) throw run.error;
    const measured = JSON.parse(run.stdout.toString());
    seconds.push(measured.cpu_ns / 1e9);
  }
  rows.push(`| ${JSON.stringify(line)} (${name}) | ${lines} | ${seconds[0].toFixed(2)} | ${seconds[1].toFixed(2)} | ${(seconds[1] / seconds[0]).toFixed(1)}× |`);
}
console.log(['| every line | N | CPU s at N | CPU s at 4N | 4N / N |', '|---|---:|---:|---:|---:|', ...rows].join('\n'));
