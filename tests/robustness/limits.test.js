// limits.test.js: every bound of docs/security.md refuses what is over it
// with exit 1 and a one-line message naming the bound, quickly, and accepts
// what is at it. See src/base/limits.h and src/config.c.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { profilesRequest } from '../lib/pb.js';
import { fixtures, ptm, ptmPath, root, scratchFile, statsOf } from '../lib/run.js';
import { distIndex, requireDist } from '../lib/npm.js';
import { distinctFunctionsDoc } from '../lib/hostile.js';

/** OTLP/JSON of n samples, each its own one-frame stack and function (issue 28 row 1's shape). */
const distinctFunctions = (n) => JSON.stringify(distinctFunctionsDoc(n));

const TABLE_ENTRIES = 1 << 22;
const TABLE_REFERENCES = 1 << 24;
const STRING_BYTES = 64 * 1024;

function configFile(config) {
  const file = scratchFile('config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

function assertLimit(run, pattern) {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout.length, 0);
  const lines = run.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /^ptm: input: /);
  assert.match(lines[0], pattern);
}

/** A varint as bytes. */
function varint(n) {
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return Buffer.from(out);
}

/** A length-delimited field: tag byte, length, body. */
function field(tagByte, body) {
  return Buffer.concat([Buffer.from([tagByte]), varint(body.length), body]);
}

/** A request whose dictionary (field 2) is body. */
const withDictionary = (body) => field(0x12, body);

/** A one-sample CPU request whose only function is named `name`. */
function oneFunction(name, extra = {}) {
  return Buffer.from(profilesRequest({
    resourceProfiles: [{
      resource: extra.resource,
      scopeProfiles: [{ profiles: [{
        sampleType: { typeStrindex: 1, unitStrindex: 2 },
        samples: [{ stackIndex: 1, attributeIndices: extra.sampleAttributes ?? [], values: ['5'] }],
      }] }],
    }],
    dictionary: {
      stringTable: ['', 'cpu', 'nanoseconds', name, 'thread.name'],
      functionTable: [{}, { nameStrindex: 3 }],
      locationTable: [{}, { lines: [{ functionIndex: 1 }] }],
      stackTable: [{}, { locationIndices: [1] }],
      attributeTable: extra.attributeTable ?? [{}],
    },
  }));
}

test('max_input_bytes: a larger input is refused before it is read', () => {
  const input = join(fixtures, 'cpu-ebpf.pb');
  assertLimit(ptm(['-c', configFile({ max_input_bytes: 100 }), input]), /bytes is more than max_input_bytes \(100\)/);
  const run = ptm(['-c', configFile({ max_input_bytes: 1 << 20 }), input]);
  assert.equal(run.code, 0, run.stderr);
});

test('max_input_bytes bounds the read itself: an endless stream stops at the limit (issue 9, finding 2)', () => {
  // Before: ptm read /dev/zero (and `yes |`) until memory ran out. Each run
  // here is killed after 60 s, so a read that does not stop fails the test.
  const limited = configFile({ max_input_bytes: 1000 });
  const endless = (args) => {
    const zero = openSync('/dev/zero', 'r');
    try {
      return spawnSync(ptmPath, args, { stdio: [zero, 'pipe', 'pipe'], timeout: 60000, maxBuffer: 1 << 20 });
    } finally {
      closeSync(zero);
    }
  };
  const file = spawnSync(ptmPath, ['-c', limited, '/dev/zero'], { timeout: 60000 });
  assert.equal(file.status, 1, `${file.signal ?? ''} ${file.stderr}`);
  assert.equal(file.stderr.toString(), 'ptm: input: /dev/zero is more than max_input_bytes (1000); stopped reading there\n');
  const stdin = endless(['-c', limited]);
  assert.equal(stdin.status, 1, `${stdin.signal ?? ''} ${stdin.stderr}`);
  assert.equal(stdin.stderr.toString(), 'ptm: input: stdin is more than max_input_bytes (1000); stopped reading there\n');
  const defaults = endless(['-f', 'prom', '-']);
  assert.equal(defaults.status, 1, `${defaults.signal ?? ''} ${defaults.stderr}`);
  assert.match(defaults.stderr.toString(), /^ptm: input: stdin is more than max_input_bytes \(67108864\); stopped reading there\n$/);
  assert.equal(defaults.stdout.length, 0);
});

test('a directory as INPUT is its files (issue 15; several-inputs.test.js); an empty one is no input', () => {
  const empty = mkdtempSync(join(tmpdir(), 'ptm-empty-dir-'));
  try {
    const run = ptm(['-f', 'prom', empty]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.length, 0);
    assert.equal(run.stderr, '');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('-o into a missing directory: exit 3, the output could not be written (issue 9, finding 7)', () => {
  const run = ptm(['-o', '/nonexistent/dir/out.pb', join(fixtures, 'cpu-ebpf.pb')]);
  assert.equal(run.code, 3);
  assert.equal(run.stderr, 'ptm: cannot write output /nonexistent/dir/out.pb: No such file or directory\n');
});

test('PCRE2 limits: a string on which a pattern hits its limit counts as not matching; reported once, counted, the rest converts (issue 9, finding 4)', () => {
  // Before: the whole conversion failed (exit 1) naming the pattern.
  const input = oneFunction('a'.repeat(5000) + '!');
  const warning = (name) => `ptm: warning: the regex ${name} (and any other that did) hit its PCRE2 match limit on 1 strings; ` +
    'they count as not matching: they fail include patterns and pass exclude patterns\n';
  const cases = [
    // An include pattern that cannot decide: the sample fails it (filtered).
    [{ pattern_filter: { pattern: '(a+)+$' } }, 'pattern_filter.pattern', { samples_kept: 0, samples_filtered: 1 }],
    // An exclude pattern that cannot decide: the sample passes it (kept).
    [{ pattern_filter: { exclude_patterns: ['(a+)+$'] } }, 'pattern_filter.exclude_patterns[0]', { samples_kept: 1, samples_filtered: 0 }],
    // A regex attribute rule that cannot decide: no attribute, as for no match.
    [{ attributes: [{ key: 'k', value: '(a|aa)+$', type: 'regex' }] }, 'attributes[0].value', { samples_kept: 1, samples_filtered: 0 }],
    // No process name: never searched, nothing to report.
    [{ process_filter: { exclude_patterns: ['x', '(a|aa)+$'] } }, null, { samples_kept: 1, samples_filtered: 0 }],
  ];
  for (const [config, name, counts] of cases) {
    const run = ptm(['-c', configFile(config), '-f', 'json', '--stats', '-'], input);
    assert.equal(run.code, 0, run.stderr);
    const stats = statsOf(run.stderr);
    assert.equal(stats.pattern_limit_hits, name ? 1 : 0, JSON.stringify(config));
    assert.deepEqual({ samples_kept: stats.samples_kept, samples_filtered: stats.samples_filtered }, counts, JSON.stringify(config));
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('ptm: warning: '));
    assert.deepEqual(lines.map((l) => `${l}\n`), name ? [warning(name)] : []);
  }
  // The same pattern on a short subject matches normally.
  const fine = ptm(['-c', configFile({ pattern_filter: { pattern: '(a+)+$' } }), '--stats', '-'], oneFunction('aaa'));
  assert.equal(fine.code, 0, fine.stderr);
  assert.equal(statsOf(fine.stderr).samples_kept, 1);
  assert.equal(statsOf(fine.stderr).pattern_limit_hits, 0);
});


test('string length: a string-table entry or attribute value over 64 KiB', () => {
  assert.equal(ptm(['-'], oneFunction('f'.repeat(STRING_BYTES))).code, 0, 'at the limit');
  assertLimit(ptm(['-'], oneFunction('f'.repeat(STRING_BYTES + 1))), /a string or attribute value is over 65536 bytes \(in ProfilesDictionary\)/);
  const longValue = oneFunction('f', {
    attributeTable: [{}, { keyStrindex: 4, value: { stringValue: 't'.repeat(STRING_BYTES + 16) } }],
    sampleAttributes: [1],
  });
  assertLimit(ptm(['-'], longValue), /over 65536 bytes/);
  const longResource = oneFunction('f', {
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 's'.repeat(STRING_BYTES + 16) } }] },
  });
  assertLimit(ptm(['-'], longResource), /over 65536 bytes \(in Resource\)/);
});

test('table size: more than 4,194,304 entries in one table', () => {
  const entry = Buffer.from([0x2a, 0x00]); // string_table: ""
  const atLimit = withDictionary(Buffer.alloc(entry.length * TABLE_ENTRIES, entry));
  const run = ptm(['--stats', '-'], atLimit);
  assert.equal(run.code, 0, run.stderr);
  const over = withDictionary(Buffer.alloc(entry.length * (TABLE_ENTRIES + 1), entry));
  assertLimit(ptm(['-'], over), /a dictionary table is over its size limit \(in ProfilesDictionary\)/);
});

test('table references: more than 16,777,216 stack locations in all', () => {
  const locations = field(0x0a, Buffer.alloc(TABLE_REFERENCES + 1, 1)); // Stack.location_indices
  const over = withDictionary(field(0x3a, locations));
  assertLimit(ptm(['-'], over), /a dictionary table is over its size limit/);
});

test('nesting: attribute values nested past 16 levels are written empty, not followed', () => {
  let value = { stringValue: 'deep' };
  for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
  const input = oneFunction('f', { resource: { attributes: [{ key: 'nested', value }] } });
  const run = ptm(['-f', 'json', '-'], input);
  assert.equal(run.code, 0, run.stderr);
  const doc = JSON.parse(run.stdout.toString());
  let node = doc.resourceMetrics[0].resource.attributes[0].value;
  let depth = 0;
  while (node.arrayValue) { node = node.arrayValue.values[0]; depth++; }
  assert.equal(depth, 17);
  assert.deepEqual(node, {});
});

test('JSON nesting: deeper than 32 levels of values is refused', () => {
  let value = { stringValue: 'deep' };
  for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
  const request = { resourceProfiles: [{ resource: { attributes: [{ key: 'nested', value }] } }] };
  const run = ptm(['-'], Buffer.from(JSON.stringify(request)));
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^ptm: input line 1: JSON: .*nest/);
});

test('max_memory_bytes: a request that needs more memory fails with exit 5 and the same message in every host; the next converts', async () => {
  const input = scratchFile('distinct-functions.json');
  writeFileSync(input, distinctFunctions(40000));
  const config = configFile({ max_memory_bytes: 2097152 });
  const message = 'ptm: memory limit: the conversion needs more than max_memory_bytes (2097152 bytes)';
  const native = ptm(['-c', config, '-f', 'prom', input]);
  assert.equal(native.code, 5, native.stderr);
  assert.equal(native.stderr.trim(), message);
  assert.equal(native.stdout.length, 0, 'nothing written');
  const wasmtime = join(root, 'build', 'tools', 'bin', 'wasmtime');
  const dir = dirname(input);
  const wasi = spawnSync(wasmtime, ['run', '--dir', `${dir}::${dir}`, join(root, 'build', 'wasi', 'ptm.wasm'), '-c', config, '-f', 'prom', input], { encoding: 'utf8' });
  assert.equal(wasi.status, 5, wasi.stderr);
  assert.equal(wasi.stderr.trim(), message);
  requireDist();
  const { init, createConverter, PtmError } = await import(pathToFileURL(distIndex).href);
  await init();
  const converter = createConverter({ max_memory_bytes: 2097152 });
  assert.throws(() => converter.convert(readFileSync(input)), (error) => error instanceof PtmError &&
    error.code === 'memory_limit' && `ptm: ${error.message}` === message);
  const small = converter.convert(distinctFunctions(10), { format: 'prom' });
  assert.equal(small.stats.samples_kept, 10, 'the converter converts a small request afterwards');
  converter.close();
  const fine = ptm(['-f', 'prom', input]);
  assert.equal(fine.code, 0, `the default budget (1 GiB) holds it: ${fine.stderr}`);
});

/** The WASI command under wasmtime with the folder of file (scratch: the configs' too) preopened. */
function wasiRun(file, args) {
  const dir = dirname(file);
  const run = spawnSync(join(root, 'build', 'tools', 'bin', 'wasmtime'), ['run', '--dir', `${dir}::${dir}`,
    join(root, 'build', 'wasi', 'ptm.wasm'), ...args], { maxBuffer: 1 << 30 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr.toString() };
}

/** A resource with n attributes (attr.0 .. attr.{n-1}) and one sample whose stack is `depth` distinct functions (issue 28 row 2's shape). */
function manyResourceAttributes(n, depth) {
  const ids = [...Array(depth).keys()];
  return Buffer.from(profilesRequest({
    resourceProfiles: [{
      resource: { attributes: Array.from({ length: n }, (_, i) => ({ key: `attr.${i}`, value: { stringValue: `v${i}` } })) },
      scopeProfiles: [{ profiles: [{
        sampleType: { typeStrindex: 1, unitStrindex: 2 },
        timeUnixNano: '1767225600000000000', durationNano: '1000000000',
        samples: [{ stackIndex: 1, values: ['5000000'] }],
      }] }],
    }],
    dictionary: {
      stringTable: ['', 'cpu', 'nanoseconds', ...ids.map((i) => `function_${i}`)],
      functionTable: [{}, ...ids.map((i) => ({ nameStrindex: 3 + i }))],
      locationTable: [{}, ...ids.map((i) => ({ lines: [{ functionIndex: 1 + i }] }))],
      stackTable: [{}, { locationIndices: ids.map((i) => 1 + i) }],
    },
  }));
}

test('max_point_attributes: 50,000 resource attributes on a 200-function stack give points of at most 128 attributes, the rest counted in attributes_dropped; every host the same bytes (issue 28, row 2)', async () => {
  const input = manyResourceAttributes(50000, 200);
  const file = scratchFile('many-attributes.pb');
  writeFileSync(file, input);
  const json = ptm(['--stats', '-f', 'json', file]);
  assert.equal(json.code, 0, json.stderr);
  const points = JSON.parse(json.stdout).resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) =>
    s.metrics.flatMap((m) => (m.sum ?? m.gauge).dataPoints)));
  assert.ok(points.length >= 200, `${points.length} points: one per function, and more`);
  let dropped = 0;
  for (const point of points) {
    const copied = point.attributes.filter((a) => a.key.startsWith('attr.'));
    const own = point.attributes.length - copied.length;
    assert.ok(point.attributes.length <= 128, `${point.attributes.length} attributes`);
    // the copied ones are the resource's first, in order, as many as fit beside the point's own
    assert.deepEqual(copied.map((a) => a.key), Array.from({ length: 128 - own }, (_, i) => `attr.${i}`));
    dropped += 50000 - copied.length;
  }
  assert.equal(statsOf(json.stderr).attributes_dropped, dropped);
  const otlp = ptm(['-f', 'otlp', file]);
  assert.equal(otlp.code, 0, otlp.stderr);
  assert.ok(otlp.stdout.length < 2 * input.length, `OTLP ${otlp.stdout.length} bytes from ${input.length}: the resource once, the points bounded`);
  const prom = ptm(['--stats', '-f', 'prom', file]);
  assert.equal(prom.code, 0, prom.stderr);
  assert.equal(statsOf(prom.stderr).attributes_dropped, dropped, 'counted once per series, whatever the format');
  const samples = prom.stdout.toString().split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of samples) {
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}')).match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g);
    assert.ok(labels.length <= 128, `${labels.length} labels`);
  }
  const wasi = wasiRun(file, ['-f', 'otlp', file]);
  assert.equal(wasi.code, 0, wasi.stderr);
  assert.ok(Buffer.compare(wasi.stdout, otlp.stdout) === 0, 'WASI: the native bytes');
  requireDist();
  const { init, createConverter } = await import(pathToFileURL(distIndex).href);
  await init();
  const converter = createConverter();
  const npm = converter.convert(input);
  converter.close();
  assert.ok(Buffer.compare(Buffer.from(npm.output), otlp.stdout) === 0, 'npm: the native bytes');
  assert.equal(npm.stats.attributes_dropped, dropped);
  const raised = ptm(['-c', configFile({ max_point_attributes: 1000 }), '-f', 'json', file]);
  const first = JSON.parse(raised.stdout).resourceMetrics[0].scopeMetrics[0].metrics[0];
  assert.ok((first.sum ?? first.gauge).dataPoints.every((p) => p.attributes.length === 1000), 'the cap is the configured one');
});

test('max_output_bytes: a conversion that would write more fails with exit 1 and the same message in every host; under it, it converts', async () => {
  const input = manyResourceAttributes(100, 2000);
  const file = scratchFile('wide-output.pb');
  writeFileSync(file, input);
  const sizes = {};
  for (const format of ['otlp', 'json', 'prom', 'folded']) {
    const run = ptm(['-f', format, file]);
    assert.equal(run.code, 0, run.stderr);
    sizes[format] = run.stdout.length;
  }
  const full = ptm(['-f', 'json', file]);
  const limit = Math.floor(Math.min(sizes.otlp, sizes.json, sizes.prom) / 2);
  assert.ok(sizes.folded < limit, 'one stack folded is short');
  const config = configFile({ max_output_bytes: limit });
  const message = `ptm: output: the conversion writes more than max_output_bytes (${limit} bytes)`;
  for (const format of ['otlp', 'json', 'prom', 'folded']) {
    const run = ptm(['-c', config, '-f', format, file]);
    if (format === 'folded') {
      assert.equal(run.code, 0, run.stderr);
      continue;
    }
    assert.equal(run.code, 1, `${format}: ${run.stderr}`);
    assert.equal(run.stderr.trim(), message, format);
    assert.equal(run.stdout.length, 0, `${format}: nothing written`);
  }
  const at = ptm(['-c', configFile({ max_output_bytes: full.stdout.length }), '-f', 'json', file]);
  assert.equal(at.code, 0, `exactly at the limit converts: ${at.stderr}`);
  assert.ok(Buffer.compare(at.stdout, full.stdout) === 0);
  const wasi = wasiRun(file, ['-c', config, '-f', 'json', file]);
  assert.equal(wasi.code, 1, wasi.stderr);
  assert.equal(wasi.stderr.trim(), message);
  requireDist();
  const { init, createConverter, PtmError } = await import(pathToFileURL(distIndex).href);
  await init();
  const converter = createConverter({ max_output_bytes: limit });
  assert.throws(() => converter.convert(input, { format: 'json' }), (error) => error instanceof PtmError &&
    error.code === 'limit' && `ptm: ${error.message}` === message);
  converter.close();
});
