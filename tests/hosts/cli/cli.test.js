// cli.test.js: the ptm command's interface: exit codes, one-line "ptm: "
// messages naming what is wrong, invalid samples counted without failing,
// formats, and --stats; on each host of cli/cli.c (tests/lib/hosts.js): the
// native CLI, the WASI command under wasmtime and the npm CLI (npx
// profiletometrics), every check the same on all three.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { profilesRequest } from '../../lib/pb.js';
import { fixtures, haveShared, ptmPath, scratchFile, shared, statsOf, decodeMetrics } from '../../lib/run.js';
import { cliHosts, wasiCommand } from '../../lib/hosts.js';
import { npmCli } from '../../lib/npm.js';

const cpuPb = join(fixtures, 'cpu-ebpf.pb');

function assertOneLineError(run, code, pattern) {
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
  assert.equal(run.stdout.length, 0, 'nothing on stdout');
  const lines = run.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line: ${run.stderr}`);
  assert.match(lines[0], /^ptm: /);
  assert.match(lines[0], pattern);
}

function configFile(config) {
  const file = scratchFile('config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

for (const [host, ptm] of Object.entries(cliHosts)) {
  test(`${host}: input that is not a request: exit 1 and a one-line message`, () => {
    assertOneLineError(ptm(['-'], Buffer.from('garbage')), 1, /input: malformed protobuf/);
    const truncated = readFileSync(cpuPb).subarray(0, 1000);
    assertOneLineError(ptm(['-'], truncated), 1, /input: malformed protobuf/);
    assertOneLineError(ptm(['-'], Buffer.from('{"resourceProfiles": [')), 1, /input line 1, column 22: not valid JSON/);
    // A string field sent with a varint wire type (string_table entry: field 5 of the dictionary).
    assertOneLineError(ptm(['-'], Buffer.from([0x12, 0x02, 0x28, 0x01])), 1, /wrong wire type/);
  });

  test(`${host}: OTLP/JSON of another signal, or with no profiles key: exit 1 naming it; {} stays an empty request (issue 9, finding 6)`, () => {
    // Before: each of these exited 0 with no output.
    const cases = [
      ['{"resourceMetrics":[{"scopeMetrics":[]}]}', 'ptm: input line 1: JSON: an OTLP metrics request (resourceMetrics), not profiles'],
      ['{"resourceSpans":[]}', 'ptm: input line 1: JSON: an OTLP traces request (resourceSpans), not profiles'],
      ['{"resource_logs":[]}', 'ptm: input line 1: JSON: an OTLP logs request (resourceLogs), not profiles'],
      ['{"foo":1}', 'ptm: input line 1: JSON: no key of an ExportProfilesServiceRequest (resourceProfiles, dictionary) at the top level'],
    ];
    for (const [input, message] of cases) {
      const run = ptm(['-f', 'prom', '-'], input);
      assert.equal(run.code, 1, input);
      assert.equal(run.stderr, `${message}\n`, input);
      assert.equal(run.stdout.length, 0);
    }
    for (const input of ['{}', '{"resourceProfiles":[],"futureField":1}']) {
      const run = ptm(['-f', 'json', '--stats', '-'], input);
      assert.equal(run.code, 0, `${input}: ${run.stderr}`);
      assert.equal(statsOf(run.stderr).requests, 1);
    }
  });

  test(`${host}: the real pprof files: a gzipped one gives exactly what its decompressed bytes give`, { skip: !haveShared && 'no ../shared fixtures' }, () => {
    const dir = join(shared, 'pprof');
    const gzipped = readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))])
      .filter(([, bytes]) => bytes[0] === 0x1f && bytes[1] === 0x8b);
    assert.ok(gzipped.length >= 3);
    for (const [name, bytes] of gzipped) {
      const compressed = ptm(['-f', 'json', '-'], bytes);
      const plain = ptm(['-f', 'json', '-'], gunzipSync(bytes));
      assert.equal(compressed.code, plain.code, name);
      assert.equal(compressed.stderr, plain.stderr, name);
      assert.ok(compressed.stdout.equals(plain.stdout), name);
    }
  });

  test(`${host}: a UTF-8 byte-order mark before OTLP/JSON is dropped, also inside gzip`, () => {
    // Before: the BOM made the request "malformed protobuf", and so did each of the others.
    const json = readFileSync(join(fixtures, 'cpu-ebpf.json'));
    const plain = ptm(['-f', 'prom', '-'], json);
    const withBom = ptm(['-f', 'prom', '-'], Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]));
    assert.equal(withBom.code, 0, withBom.stderr);
    assert.ok(withBom.stdout.equals(plain.stdout));
    const gzipped = ptm(['-f', 'prom', '-'], gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json])));
    assert.equal(gzipped.code, 0, gzipped.stderr);
    assert.ok(gzipped.stdout.equals(plain.stdout));
  });

  test(`${host}: every truncation of a valid request ends in exit 0 or 1, never a crash`, () => {
    const bytes = readFileSync(cpuPb);
    for (let cut = 0; cut < bytes.length; cut += 97) {
      const run = ptm(['-f', 'json'], bytes.subarray(0, cut));
      assert.ok(run.code === 0 || run.code === 1, `cut at ${cut}: exit ${run.code} ${run.stderr}`);
    }
  });

  test(`${host}: usage errors: exit 2`, () => {
    assertOneLineError(ptm(['-x']), 2, /unknown option -x/);
    assertOneLineError(ptm(['-f', 'yaml', cpuPb]), 2, /unknown format "yaml"/);
    assertOneLineError(ptm(['-f']), 2, /-f needs a value/);
    assertOneLineError(ptm(['/nonexistent/input.pb']), 2, /cannot open input \/nonexistent\/input.pb/);
    assertOneLineError(ptm(['--top', '0', cpuPb]), 2, /^ptm: --top 0: the count is a number from 1 to 1000$/);
    assertOneLineError(ptm(['--top', '-f', 'prom', cpuPb]), 2, /^ptm: --top and -f do not go together/);
  });

  test(`${host}: config errors: exit 2, the key path named`, () => {
    const cases = [
      [{ process_filter: { patterns: ['(a'] } }, /config: process_filter\.patterns\[0\]: invalid regex: missing closing parenthesis at offset 2/],
      [{ metrics: { cpu: { unit: 'h' } } }, /config: metrics\.cpu\.unit: unknown unit "h"/],
      [{ metrics: { cpux: {} } }, /config: metrics\.cpux: unknown key/],
      [{ attributes: [{ key: 'a', value: 'b', type: 'glob' }] }, /config: attributes\[0\]\.type: must be "literal" or "regex"/],
      [{ attributes: [{ key: 'a', value: '[', type: 'regex' }] }, /config: attributes\[0\]\.value: invalid regex: .* at offset 1/],
      [{ thread_filter: { enabled: 'yes' } }, /config: thread_filter\.enabled: must be true or false/],
      [{ cardinality_limit: 0 }, /config: cardinality_limit: must be a whole number/],
      [{ folded: { measure: 'allocations' } }, /config: folded\.measure: must be "cpu", "off_cpu", "wall", "memory", "inuse" or "inuse_objects"/],
      [{ folded: { stacks: true } }, /config: folded\.stacks: unknown key/],
      [{ metrics: { function: { top_n: -1 } } }, /config: metrics\.function\.top_n: must be a whole number/],
      [{ sample_types: [{ type: 'x', unit: 'count' }] }, /config: sample_types\[0\]: metric_name: missing/],
      ['{"a":1,', /config: not valid JSON/],
      ['[1]', /config: must be an object/],
      ['{"cardinality_limit": 5, "cardinality_limit": 6}', /config: cardinality_limit: duplicate key/],
    ];
    for (const [config, pattern] of cases) assertOneLineError(ptm(['-c', configFile(config), cpuPb]), 2, pattern);
  });

  test(`${host}: a sample with indices outside the tables is counted invalid; the rest converts, exit 0`, () => {
    const request = profilesRequest({
      resourceProfiles: [{ scopeProfiles: [{ profiles: [{
        sampleType: { typeStrindex: 1, unitStrindex: 2 },
        timeUnixNano: '1000', durationNano: '10',
        samples: [
          { stackIndex: 1, values: ['5'] },
          { stackIndex: 9, values: ['7'] },            // no stack 9
          { stackIndex: 1, attributeIndices: [42], values: ['11'] }, // no attribute 42
          { stackIndex: 1, values: ['-3'] },           // negative
          { stackIndex: 1, values: ['1', '2'], timestampsUnixNano: ['1001'] }, // length mismatch
        ],
      }] }] }],
      dictionary: {
        stringTable: ['', 'cpu', 'nanoseconds', 'main'],
        functionTable: [{}, { nameStrindex: 3 }],
        locationTable: [{}, { lines: [{ functionIndex: 1 }] }],
        stackTable: [{}, { locationIndices: [1] }],
      },
    });
    const run = ptm(['-f', 'otlp', '--stats', '-'], Buffer.from(request));
    assert.equal(run.code, 0, run.stderr);
    const stats = statsOf(run.stderr);
    assert.equal(stats.samples_total, 5);
    assert.equal(stats.samples_kept, 1);
    assert.equal(stats.samples_invalid, 4);
    const doc = decodeMetrics(run.stdout);
    assert.equal(doc.resources[0].metrics['profile.cpu.time'].points[0].value, 5e-9);
    assert.equal(doc.resources[0].metrics['profile.function.self.cpu.time'].points[0].attributes['code.function.name'], 'main');
  });

  test(`${host}: -o writes the file; --stats is one JSON object on stderr`, () => {
    const out = scratchFile('out.prom');
    const run = ptm(['-f', 'prom', '-o', out, '--stats', cpuPb]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.length, 0);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^# HELP profile_cpu_time_seconds_total /m);
    assert.match(text, /^# TYPE profile_cpu_time_seconds_total counter$/m);
    const stats = statsOf(run.stderr);
    assert.equal(stats.samples_total, stats.samples_kept + stats.samples_filtered + stats.samples_invalid + stats.samples_skipped);
    assert.ok(stats.series > 0);
  });

  test(`${host}: Prometheus text: every sample line sums to the OTLP totals`, () => {
    const prom = ptm(['-f', 'prom', cpuPb]).stdout.toString();
    const doc = decodeMetrics(ptm(['-f', 'otlp', cpuPb]).stdout);
    let otlpSeconds = 0;
    for (const r of doc.resources) for (const p of r.metrics['profile.cpu.time'].points) otlpSeconds += p.value;
    let promSeconds = 0;
    for (const line of prom.split('\n')) {
      const m = /^profile_cpu_time_seconds_total\{.*\} (\S+)$/.exec(line);
      if (m) promSeconds += Number(m[1]);
    }
    assert.ok(otlpSeconds > 0);
    assert.ok(Math.abs(promSeconds - otlpSeconds) < 1e-9, `${promSeconds} vs ${otlpSeconds}`);
    // Label values are escaped and every family has one HELP and one TYPE line.
    const families = prom.split('\n').filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]);
    assert.equal(new Set(families).size, families.length);
  });

  test(`${host}: "--" is ignored (wasmtime passes it through to the module)`, () => {
    const plain = ptm(['-f', 'json', cpuPb]);
    const dashed = ptm(['--', '-f', 'json', cpuPb]);
    assert.equal(dashed.code, 0, dashed.stderr);
    assert.ok(dashed.stdout.equals(plain.stdout));
  });

  test(`${host}: Prometheus text and OTLP strings are valid UTF-8 even when names in the input are not`, () => {
    const request = profilesRequest({
      resourceProfiles: [{ scopeProfiles: [{ profiles: [{
        sampleType: { typeStrindex: 1, unitStrindex: 2 },
        samples: [{ stackIndex: 1, attributeIndices: [1], values: ['5'] }],
      }] }] }],
      dictionary: {
        stringTable: ['', 'cpu', 'nanoseconds', 'thread.name', 'main'],
        functionTable: [{}, { nameStrindex: 4 }],
        locationTable: [{}, { lines: [{ functionIndex: 1 }] }],
        stackTable: [{}, { locationIndices: [1] }],
        attributeTable: [{}, { keyStrindex: 3, value: { stringValue: 'PLACEHOLDER' } }],
      },
    });
    // Swap the thread name's bytes for invalid UTF-8 of the same length.
    const bytes = Buffer.from(request);
    const at = bytes.indexOf('PLACEHOLDER');
    Buffer.from([0x77, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x5c, 0x0a, 0x41, 0x42, 0x43]).copy(bytes, at);
    const run = ptm(['-f', 'prom', '-'], bytes);
    assert.equal(run.code, 0, run.stderr);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(run.stdout);
    assert.match(text, /thread_name="w\ufffd\ufffd\ufffd\(\\"\\\\\\nABC"/);
    // OTLP protobuf strings too: the invalid bytes are replaced, not copied.
    const otlp = ptm(['-f', 'otlp', '-'], bytes).stdout;
    assert.ok(otlp.includes(Buffer.from('w\ufffd\ufffd\ufffd(')), 'replaced in the protobuf output');
    assert.ok(!otlp.includes(Buffer.from([0x77, 0xff, 0xfe])), 'the invalid bytes are not copied');
  });

  test(`${host}: --help and --version`, () => {
    const help = ptm(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout.toString(), /usage: ptm/);
    assert.match(ptm(['--version']).stdout.toString(), /^ptm \d+\.\d+\.\d+/);
  });

  test(`${host}: empty input is an empty request: exit 0, no metrics`, () => {
    const run = ptm(['-f', 'otlp', '--stats', '-'], Buffer.alloc(0));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statsOf(run.stderr).samples_total, 0);
    assert.deepEqual(decodeMetrics(run.stdout).resources, []);
  });
}

test('every host writes the native bytes, messages and exit code, relative paths from the working directory included (issue 29)', () => {
  // Before: the npm CLI was a second implementation of this command in
  // JavaScript, and had drifted (it refused YAML configurations).
  const dir = dirname(scratchFile('probe'));
  const work = join(dir, 'cwd');
  mkdirSync(join(work, 'in'), { recursive: true });
  copyFileSync(cpuPb, join(work, 'in', 'cpu.pb'));
  copyFileSync(join(fixtures, 'memory.pb'), join(work, 'in', 'memory.pb'));
  writeFileSync(join(work, 'config.yaml'), 'temporality: cumulative\nmetrics:\n  function:\n    top_n: 3\n');
  const runs = {
    native: (args, cwd) => {
      const run = spawnSync(ptmPath, args, { cwd, maxBuffer: 1 << 30 });
      return { code: run.status, stdout: run.stdout, stderr: run.stderr.toString() };
    },
    'WASI command': (args, cwd) => wasiCommand(args, undefined, { cwd }),
    'npm CLI': (args, cwd) => npmCli(args, undefined, { cwd }),
  };
  const cases = [
    [['-f', 'prom', 'in/cpu.pb'], work],
    [['-c', 'config.yaml', '-f', 'json', '--stats', 'in/cpu.pb', './in/memory.pb'], work],
    [['-c', '../cwd/config.yaml', '--top', '3', '../cwd/in'], join(work, 'in')],
    [['-c', 'config.yaml', '-o', 'out.pb', 'in'], work],
    [['-f', 'folded', 'in/missing.pb', 'in/cpu.pb'], work],
    [['-c', 'missing.yaml', 'in/cpu.pb'], work],
    [['-f', 'prom', 'in/cpu.pb', 'in'], join(work, 'in')],
    [['-x'], work],
    [['--help'], work],
    [['--version'], work],
  ];
  for (const [args, cwd] of cases) {
    const expected = runs.native(args, cwd);
    const written = args.includes('-o') ? readFileSync(join(cwd, 'out.pb')) : null;
    assert.ok(expected.stdout.length > 0 || expected.stderr.length > 0 || written?.length > 0, `native ${args.join(' ')}: some output`);
    for (const [host, run] of Object.entries(runs)) {
      if (written) rmSync(join(cwd, 'out.pb'));
      const got = run(args, cwd);
      const label = `${host} ${args.join(' ')} (in ${relative(dir, cwd)})`;
      assert.equal(got.code, expected.code, `${label}: exit code (stderr: ${got.stderr})`);
      assert.ok(got.stdout.equals(expected.stdout), `${label}: stdout`);
      assert.equal(got.stderr, expected.stderr, `${label}: stderr`);
      if (written) assert.ok(readFileSync(join(cwd, 'out.pb')).equals(written), `${label}: -o out.pb`);
    }
  }
});
