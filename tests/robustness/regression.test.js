// regression.test.js: replays every input kept in tests/regression/ through
// the native CLI (build/native/ptm, or PTM_BIN): each file in every output
// format, with the default configuration and each configuration the fuzz
// targets use (tests/fuzz/configs/variant-*.json, the same text as
// fuzz_configs[] in tests/fuzz/fuzz_common.h, checked below). Each run must:
//   - end by itself with exit 0 or 1 (no signal: no crash, no abort);
//   - on 1: print exactly one line on stderr (besides --stats), starting "ptm: ",
//     and nothing on stdout;
//   - on 0: report stats that add up (total = kept + filtered + invalid +
//     skipped), and write well-formed output: JSON lines that parse, one per
//     request; Prometheus samples whose label names are valid and unique.
// tests/regression/config/ holds configurations instead: each is given with -c
// to a fixed request (tests/fuzz/request.pb) and a fixture; exit 0, 1 or 2,
// and on 2 one line "ptm: config: ...".
//
// Adding a case (a fuzz crash, a bug report, a tricky input):
//   - a libFuzzer crash of fuzz_protobuf, fuzz_json or fuzz_pprof: minimize it
//       build/fuzz/fuzz_protobuf -minimize_crash=1 -runs=100000 \
//         -exact_artifact_path=build/fuzz/min build/fuzz/crashes/protobuf-crash-<sha1>
//     then drop its first byte (the format/configuration selector of the
//     fuzz target) and store it here:
//       tail -c +2 build/fuzz/min > tests/regression/crash-protobuf-<what>.pb
//     (.json for fuzz_json, .pprof for fuzz_pprof: replayed with -i pprof).
//     A fuzz_config crash goes, whole, to
//     tests/regression/config/crash-<what>.json.
//   - a hand-made input: generate it in tests/fuzz/make-inputs.mjs (hand-*),
//     so that it can be reviewed and regenerated.
// The next `make fuzz` starts from these files too (tests/fuzz/make-seeds.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, ptm, root } from '../lib/run.js';

const regression = join(root, 'tests', 'regression');
const configDir = join(root, 'tests', 'fuzz', 'configs');
const formats = ['otlp', 'json', 'prom'];

const files = (dir) => readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile()).sort();
const variants = files(configDir).filter((n) => n.startsWith('variant-'));
const configs = [null, ...variants.map((n) => join(configDir, n))];

function errorLines(stderr) {
  return stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{"requests":'));
}

function statsOf(stderr) {
  const line = stderr.split('\n').find((l) => l.startsWith('{"requests":'));
  return line ? JSON.parse(line) : undefined;
}

function checkPrometheus(text, what) {
  const seen = new Set();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/s.exec(line);
    assert.ok(match, `${what}: not a Prometheus sample: ${JSON.stringify(line)}`);
    const series = line.slice(0, line.lastIndexOf(' '));
    assert.ok(!seen.has(series), `${what}: a series written twice: ${series}`);
    seen.add(series);
    if (!match[3]) continue;
    const names = [];
    const labels = /([^=,]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let label;
    let end = 0;
    while ((label = labels.exec(match[3])) !== null && label[0] !== '') {
      names.push(label[1]);
      end = labels.lastIndex;
    }
    assert.equal(end, match[3].length, `${what}: unparsable labels: ${JSON.stringify(line)}`);
    for (const name of names) {
      assert.match(name, /^[a-zA-Z_][a-zA-Z0-9_]*$/, `${what}: invalid label name in ${JSON.stringify(line)}`);
    }
    assert.equal(new Set(names).size, names.length, `${what}: a label name twice in ${JSON.stringify(line)}`);
  }
}

function checkRun(run, what, { allowed = [0, 1, 4], prefix = /^ptm: / } = {}) {
  assert.equal(run.signal ?? null, null, `${what}: killed by ${run.signal}`);
  assert.ok(allowed.includes(run.code), `${what}: exit ${run.code}: ${run.stderr}`);
  let lines = errorLines(run.stderr);
  if (run.code === 4) {
    // Some JSON requests refused, the others converted: a line naming each, then the count.
    const refused = statsOf(run.stderr)?.requests_invalid ?? 0;
    assert.ok(refused > 0, `${what}: exit 4 with no refused request`);
    const named = lines.slice(0, Math.min(refused, 64));
    for (const line of named) assert.match(line, /^ptm: input line \d+/, what);
    lines = lines.slice(named.length).filter((l) => !/^ptm: input: \d+ (more requests refused|of \d+ requests refused; the others were converted)$/.test(l));
  } else if (run.code !== 0) {
    assert.equal(lines.length, 1, `${what}: not one line: ${JSON.stringify(run.stderr)}`);
    assert.match(lines[0], prefix, what);
    assert.equal(run.stdout.length, 0, `${what}: output on failure`);
    return;
  }
  // A success may carry one warning line (a regex over its PCRE2 limit, a shadowed attribute rule).
  const warnings = lines.filter((l) => l.startsWith('ptm: warning: '));
  assert.ok(warnings.length <= 1 && lines.length === warnings.length, `${what}: messages on success: ${run.stderr}`);
  const stats = statsOf(run.stderr);
  assert.ok(stats, `${what}: no stats`);
  assert.equal(stats.samples_total,
    stats.samples_kept + stats.samples_filtered + stats.samples_invalid + stats.samples_skipped,
    `${what}: stats do not add up: ${JSON.stringify(stats)}`);
  return stats;
}

function checkOutput(format, stdout, stats, what) {
  if (format === 'json') {
    const lines = stdout.toString('utf8').split('\n');
    assert.equal(lines.pop(), '', `${what}: JSON output does not end with a newline`);
    assert.equal(lines.length, stats.requests > 0 ? 1 : 0, `${what}: not one line for the whole input`);
    for (const line of lines) assert.ok(Array.isArray(JSON.parse(line).resourceMetrics), what);
  } else if (format === 'prom') {
    checkPrometheus(stdout.toString('utf8'), what);
  }
}

// A .pprof case is read as pprof whatever its first bytes say (as fuzz_pprof reads it).
const inputFormat = (name) => (name.endsWith('.pprof') ? ['-i', 'pprof'] : []);

test('the regression inputs: exit 0, 1 or 4, one-line errors, stats that add up, well-formed output', () => {
  const inputs = files(regression);
  assert.ok(inputs.length >= 10, 'tests/regression holds the cases');
  const failures = [];
  for (const name of inputs) {
    const input = join(regression, name);
    for (const config of configs) {
      for (const format of formats) {
        const what = `${name} -f ${format}${config ? ` -c ${config.slice(root.length + 1)}` : ''}`;
        try {
          const run = ptm([...(config ? ['-c', config] : []), ...inputFormat(name), '-f', format, '--stats', input]);
          const stats = checkRun(run, what);
          if (stats) checkOutput(format, run.stdout, stats, what);
        } catch (error) {
          failures.push(error.message);
        }
      }
    }
  }
  assert.deepEqual(failures, [], `${failures.length} failed runs:\n${failures.join('\n')}`);
});

test('the regression configurations: exit 0, 1 or 2, one-line "ptm: config: " errors', () => {
  const dir = join(regression, 'config');
  const inputs = [join(root, 'tests', 'fuzz', 'request.pb'), join(fixtures, 'cpu-ebpf.pb')];
  const failures = [];
  for (const name of files(dir)) {
    for (const input of inputs) {
      for (const format of formats) {
        const what = `-c config/${name} -f ${format} ${input.slice(root.length + 1)}`;
        try {
          const run = ptm(['-c', join(dir, name), '-f', format, '--stats', input]);
          const stats = checkRun(run, what, { allowed: [0, 1, 2], prefix: run.code === 2 ? /^ptm: config: / : /^ptm: / });
          if (stats) checkOutput(format, run.stdout, stats, what);
        } catch (error) {
          failures.push(error.message);
        }
      }
    }
  }
  assert.deepEqual(failures, [], `${failures.length} failed runs:\n${failures.join('\n')}`);
});

// fuzz_configs[] of fuzz_common.h as JSON values (the C literals use only the
// \" and \\ escapes, which mean the same in JSON).
function fuzzCommonConfigs() {
  const text = readFileSync(join(root, 'tests', 'fuzz', 'fuzz_common.h'), 'utf8');
  const start = text.indexOf('fuzz_configs[] = {');
  const body = text.slice(start, text.indexOf('};', start)).replace(/\/\*[\s\S]*?\*\//g, '');
  const configsFound = [];
  let current = null;
  for (const token of body.slice(body.indexOf('{') + 1).matchAll(/"((?:[^"\\]|\\.)*)"|,/g)) {
    if (token[0] === ',') {
      if (current !== null) configsFound.push(current);
      current = null;
    } else {
      current = (current ?? '') + JSON.parse(`"${token[1]}"`);
    }
  }
  if (current !== null) configsFound.push(current);
  return configsFound;
}

test('tests/fuzz/configs/variant-*.json are the configurations of the fuzz targets', () => {
  const fromHeader = fuzzCommonConfigs();
  assert.equal(fromHeader.length, variants.length, `variants: ${variants.join(', ')}`);
  variants.forEach((name, i) => {
    const file = readFileSync(join(configDir, name), 'utf8');
    if (fromHeader[i] === '') assert.equal(file.trim(), '', name);
    else assert.deepEqual(JSON.parse(file), JSON.parse(fromHeader[i]), name);
  });
});
