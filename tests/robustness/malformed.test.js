// malformed.test.js: the malformed-input corpus of tests/lib/malformed-cases.js
// through the native CLI (`ptm -f otlp --stats -`, input on stdin, with
// `-i INPUT` for a case that names its input format). For every
// case: exit 0 or 1 and nothing else (no crash, no hang); on exit 1 nothing on
// stdout and exactly one `ptm: ` line (matching the case's pattern) besides the
// --stats object; on exit 0 the exact counts, and output that the official
// decoder (pdata, strict) reads; always samples_total = kept + filtered +
// invalid + skipped. Cases whose current behaviour is believed wrong carry a
// `todo`: the invariants above are still hard checks, only the expected
// outcome is a todo subtest.
//
// The truncation family (cpu-ebpf.pb cut at every byte offset) runs as one
// test, its CLI runs spread over a few processes at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { namedCases, truncations } from '../lib/malformed-cases.js';
import { decodeMetrics, ptm, ptmPath } from '../lib/run.js';

const STAT_KEYS = ['samples_total', 'samples_kept', 'samples_invalid', 'samples_skipped', 'samples_filtered'];

/** `-i INPUT` for a case that names its input format. */
const inputArgs = (c) => (c.input ? ['-i', c.input] : []);

/** Splits ptm's stderr into its `ptm: ` lines, its --stats object and anything else. */
function parseStderr(stderr) {
  const lines = stderr.split('\n').filter((l) => l !== '');
  const messages = lines.filter((l) => l.startsWith('ptm: '));
  const statsLines = lines.filter((l) => l.startsWith('{'));
  const other = lines.filter((l) => !l.startsWith('ptm: ') && !l.startsWith('{'));
  return { messages, stats: statsLines.length === 1 ? JSON.parse(statsLines[0]) : undefined, statsLines, other };
}

/** The checks every run must pass, whatever the case expects. Returns the parsed stderr. */
function assertWellBehaved(run, label) {
  assert.ok(run.code === 0 || run.code === 1 || run.code === 4, `${label}: exit ${run.code} (signal or other code), stderr: ${run.stderr}`);
  const err = parseStderr(run.stderr);
  assert.deepEqual(err.other, [], `${label}: unexpected stderr lines`);
  assert.equal(err.statsLines.length, 1, `${label}: one --stats object on stderr: ${run.stderr}`);
  const s = err.stats;
  assert.equal(s.samples_total, s.samples_kept + s.samples_filtered + s.samples_invalid + s.samples_skipped,
    `${label}: samples_total = kept + filtered + invalid + skipped (${JSON.stringify(s)})`);
  if (run.code === 1) {
    assert.equal(run.stdout.length, 0, `${label}: nothing on stdout on exit 1`);
    assert.equal(err.messages.length, 1, `${label}: exactly one ptm: line: ${run.stderr}`);
  } else if (run.code === 4) {
    const refused = s.requests_invalid;
    assert.ok(refused > 0, `${label}: exit 4 with requests_invalid ${refused}`);
    assert.equal(err.messages.length, refused + 1, `${label}: a ptm: line per refused request, then the count: ${run.stderr}`);
    assert.equal(err.messages.at(-1), `ptm: input: ${refused} of ${refused + s.requests} requests refused; the others were converted`);
  } else {
    assert.equal(err.messages.length, 0, `${label}: no ptm: line on exit 0: ${run.stderr}`);
  }
  return err;
}

/** Compares a run with the case's expected outcome. */
function assertExpected(run, err, expect, label) {
  assert.equal(run.code, expect.exit, `${label}: exit code (stderr: ${run.stderr.split('\n')[0]})`);
  if (expect.exit === 1) {
    assert.match(err.messages[0], expect.message, `${label}: message`);
    return;
  }
  if (expect.exit === 4) {
    assert.equal(err.stats.requests_invalid, expect.refused.length, `${label}: requests_invalid`);
    expect.refused.forEach((pattern, i) => assert.match(err.messages[i], pattern, `${label}: refusal ${i + 1}`));
  }
  {
    const got = Object.fromEntries(STAT_KEYS.map((k) => [k, err.stats[k]]));
    assert.deepEqual(got, expect.stats, `${label}: counts`);
  }
}

/** Output checks of a successful run: pdata reads the protobuf; -f json lines parse. */
function assertValidOutput(c, run) {
  const doc = decodeMetrics(run.stdout);
  assert.ok(Array.isArray(doc.resources), 'decoded');
  if (c.checkJson) {
    const jsonRun = ptm([...inputArgs(c), '-f', 'json', '-'], c.bytes);
    assert.equal(jsonRun.code, 0, jsonRun.stderr);
    const lines = jsonRun.stdout.toString('utf8').split('\n').filter(Boolean);
    assert.ok(lines.length >= 1, 'at least one JSON line');
    // Valid UTF-8 (a lone invalid byte would decode to U+FFFD and not round-trip).
    assert.ok(Buffer.from(jsonRun.stdout.toString('utf8'), 'utf8').equals(jsonRun.stdout), '-f json output is valid UTF-8');
    for (const line of lines) JSON.parse(line);
    decodeMetrics(jsonRun.stdout, { json: true });
  }
  return doc;
}

test('the corpus has at least 50 named cases, each with a valid expectation', () => {
  assert.ok(namedCases.length >= 50, `${namedCases.length} named cases`);
  const names = new Set();
  for (const c of namedCases) {
    assert.ok(!names.has(c.name), `duplicate name ${c.name}`);
    names.add(c.name);
    assert.ok(Buffer.isBuffer(c.bytes), c.name);
    assert.ok([0, 1, 4].includes(c.expect.exit), c.name);
    assert.ok(c.input === undefined || ['otlp', 'json', 'pprof'].includes(c.input), c.name);
    if (c.expect.exit === 1) assert.ok(c.expect.message instanceof RegExp, c.name);
    else {
      if (c.expect.exit === 4) assert.ok(c.expect.refused.length > 0 && c.expect.refused.every((r) => r instanceof RegExp), c.name);
      assert.deepEqual(Object.keys(c.expect.stats).sort(), [...STAT_KEYS].sort(), c.name);
      const s = c.expect.stats;
      assert.equal(s.samples_total, s.samples_kept + s.samples_filtered + s.samples_invalid + s.samples_skipped, `${c.name}: expected counts add up`);
    }
  }
});

for (const c of namedCases) {
  test(`malformed: ${c.name}`, async (t) => {
    const run = ptm([...inputArgs(c), '-f', 'otlp', '--stats', '-'], c.bytes);
    const err = assertWellBehaved(run, c.name);
    if (run.code === 0 || run.code === 4) assertValidOutput(c, run);
    if (c.todo) {
      await t.test(`expected outcome (${c.expect.exit === 0 ? 'exit 0, counts' : 'exit 1'})`, { todo: c.todo }, () => {
        assertExpected(run, err, c.expect, c.name);
      });
    } else {
      assertExpected(run, err, c.expect, c.name);
    }
  });
}

// Sanity checks of a few outputs beyond the counts.
test('malformed: the 100,000-sample case sums every sample', () => {
  const c = namedCases.find((x) => x.name === '100,000 samples with empty stacks');
  const doc = decodeMetrics(ptm(['-f', 'otlp', '-'], c.bytes).stdout);
  const points = doc.resources[0].metrics['profile.cpu.time'].points;
  assert.equal(points.length, 1);
  assert.equal(points[0].value, 100000e-9);
  assert.equal(doc.resources[0].metrics['profile.function.self.cpu.time'], undefined, 'empty stacks: no function points');
});

test('malformed: non-UTF-8 names come out as valid UTF-8 (U+FFFD), not dropped', () => {
  const c = namedCases.find((x) => x.name.startsWith('non-UTF-8 thread name'));
  const doc = decodeMetrics(ptm(['-f', 'otlp', '-'], c.bytes).stdout);
  const thread = doc.resources[0].metrics['profile.cpu.time'].points[0].attributes['thread.name'];
  assert.equal(typeof thread, 'string');
  assert.ok(thread.endsWith('A'), JSON.stringify(thread));
  assert.ok(!thread.includes('\uFFFF'));
});

test('malformed: a stack of 50,000 distinct functions: 10,000 inclusive series, the rest in the overflow point', () => {
  const c = namedCases.find((x) => x.name === 'a stack of 50,000 distinct functions');
  const run = ptm(['-f', 'otlp', '--stats', '-'], c.bytes);
  const doc = decodeMetrics(run.stdout);
  const m = doc.resources[0].metrics;
  const total = m['profile.function.inclusive.cpu.time'].points;
  // The default cardinality_limit (10,000 series per metric), then one overflow point.
  assert.equal(total.length, 10001);
  const overflow = total.filter((p) => p.attributes['otel.metric.overflow'] === true);
  assert.equal(overflow.length, 1);
  assert.equal(Math.round(overflow[0].value * 1e9), 40000 * 5, 'the 40,000 functions past the limit, 5 ns each');
  assert.equal(Math.round(total.reduce((a, p) => a + p.value, 0) * 1e9), 50000 * 5, 'each distinct function once');
  assert.equal(m['profile.function.self.cpu.time'].points.length, 1);
  assert.equal(m['profile.function.self.cpu.time'].points[0].attributes['code.function.name'], 'f0');
  assert.equal(JSON.parse(run.stderr.trim()).overflowed, 40000);
});

/** ptm as a child process, without blocking the event loop. */
function ptmAsync(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(ptmPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => {}); // ptm may exit before reading everything
    child.on('close', (code, signal) => resolve({ code: code ?? `signal ${signal}`, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(input);
  });
}

test(`malformed: cpu-ebpf.pb truncated at every byte offset (${truncations.length} cuts)`, async () => {
  const outcomes = { 0: 0, 1: 0 };
  const successes = [];
  let next = 0;
  const worker = async () => {
    while (next < truncations.length) {
      const c = truncations[next++];
      const run = await ptmAsync(['-f', 'otlp', '--stats', '-'], c.bytes);
      const err = assertWellBehaved(run, c.name);
      assertExpected(run, err, c.expect, c.name);
      outcomes[run.code]++;
      if (run.code === 0) successes.push(run);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, availableParallelism()) }, worker));
  for (const run of successes) decodeMetrics(run.stdout);
  const expectedSuccesses = truncations.filter((c) => c.expect.exit === 0).length;
  assert.equal(outcomes[0], expectedSuccesses);
  assert.equal(outcomes[0] + outcomes[1], truncations.length);
  assert.ok(expectedSuccesses >= 2 && expectedSuccesses < 10, `${expectedSuccesses} valid prefixes`);
});
