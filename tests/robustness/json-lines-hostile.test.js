// json-lines-hostile.test.js: JSON Lines whose every line is refused cost
// in proportion to the input (issue 28, row 4). Before, a line that leaves
// a bracket open (`{"x`) was scanned to the end of the input, and so was
// each line after it: 100k lines took 19 s, 400k lines 221 s. The reader
// now cuts such a request at a line end where the text already fails as
// JSON (src/input/json_lines.c), so each costs the text up to its error; the
// messages are the ones the whole-input reading gave (tests/unit/
// test_json_lines.c holds the reader to it on these shapes too).
//
// Tests assert no time: the cost is measured by tests/bench/bad-jsonl.mjs
// (`make bench`). Here: 100k lines of each shape through every host, 400k
// through the native CLI, with a good line last, which converts as if alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { npmCli, requireDist } from '../lib/npm.js';
import { fixtures, ptm, statsOf, wasmtime } from '../lib/run.js';

const good = readFileSync(join(fixtures, 'multi.jsonl'), 'utf8').split('\n')[0];
const messages = (stderr) => stderr.split('\n').filter((l) => l.startsWith('ptm: '));


// Each shape, and the column at which its line's request stops being JSON
// on the next line.
const shapes = [
  { line: '{"x', column: 3 },        // the key's string runs on to the next line's quote
  { line: '{"a":"', column: 3 },     // so does the value's
  { line: '{"a":{"b"', column: 1 },  // a key with no colon, the next line's brace after it
];

for (const { line, column } of shapes) {
  for (const [count, hosts] of [[100000, true], [400000, false]]) {
    test(`${count} lines of ${JSON.stringify(line)} then a good one: each refused where it fails, the good one converts${hosts ? ', every host alike' : ''}`, () => {
      const input = Buffer.from(`${`${line}\n`.repeat(count)}${good}\n`);
      const args = ['-f', 'prom', '--stats', '-'];
      const run = ptm(args, input);
      const reference = ptm(['-f', 'prom', '-'], Buffer.from(`${good}\n`));
      assert.equal(reference.code, 0, reference.stderr);
      assert.equal(run.code, 4, run.stderr.slice(0, 500));
      assert.ok(run.stdout.equals(reference.stdout), 'the good line\'s output');
      const named = messages(run.stderr);
      assert.equal(named.length, 64 + 2);
      named.slice(0, 64).forEach((m, i) => assert.equal(m, `ptm: input line ${i + 1}: not valid JSON (line ${i + 2}, column ${column})`));
      assert.equal(named[64], `ptm: input: ${count - 64} more requests refused`);
      assert.equal(named[65], `ptm: input: ${count} of ${count + 1} requests refused; the others were converted`);
      const stats = statsOf(run.stderr);
      assert.equal(stats.requests_invalid, count);
      assert.equal(stats.requests, 1);
      if (!hosts) return;
      requireDist();
      for (const [name, other] of [['npm CLI', npmCli(args, input)], ['wasmtime', wasmtime(args, input)]]) {
        assert.equal(other.code, run.code, `${name}: exit code`);
        assert.ok(other.stdout.equals(run.stdout), `${name}: the same output bytes`);
        assert.equal(other.stderr, run.stderr, `${name}: the same stderr`);
      }
    });
  }
}

test('lines nesting one level deeper each are refused at the nesting limit (1000), the same in every host', () => {
  // Each request is read to cJSON's nesting limit, 500 lines on: linear in
  // the input, ~500× its bytes (tests/bench/bad-jsonl.mjs measures it).
  const input = Buffer.from(`${'{"a":[\n'.repeat(2000)}`);
  const args = ['-f', 'prom', '--stats', '-'];
  const run = ptm(args, input);
  assert.equal(run.code, 1);
  const named = messages(run.stderr);
  assert.equal(named[0], 'ptm: input line 1: not valid JSON (line 501, column 1) (and 1999 more requests refused)');
  requireDist();
  for (const [name, other] of [['npm CLI', npmCli(args, input)], ['wasmtime', wasmtime(args, input)]]) {
    assert.equal(other.code, run.code, `${name}: exit code`);
    assert.equal(other.stderr, run.stderr, `${name}: the same stderr`);
  }
});
