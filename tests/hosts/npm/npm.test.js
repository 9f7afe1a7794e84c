// npm.test.js: the npm package profiletometrics (js/, built into js/dist by
// `make build`): the wasm module imports nothing; its API and its CLI give
// the native ptm's bytes, stats, messages and exit codes; memory stays flat
// over many conversions and errors; `npm pack` ships only the package, and
// the tarball installs offline and converts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bigJsonLines, fixtures, ptm, root, scratchFile, shared, statsOf } from '../../lib/run.js';
import { pprofBytes } from '../../lib/pprof.js';
import { moduleConstants, nativeConstants } from '../../lib/constants.js';
import {
  conversionInputs, distCli, distDir, distWasm, freshPackage, jsDir, npmCli, packageWithMemory, requireDist,
} from '../../lib/npm.js';

requireDist();
const { init, createConverter, PtmError, FORMATS, INPUT_FORMATS, RESULTS, STATS } = await import(pathToFileURL(join(distDir, 'index.js')).href);
await init();

const cpuPb = join(fixtures, 'cpu-ebpf.pb');
const memoryJson = join(fixtures, 'memory.json');
const badRegex = { process_filter: { patterns: ['(a'] } };
const badRegexMessage = 'config: process_filter.patterns[0]: invalid regex: missing closing parenthesis at offset 2';

/** The native CLI's result for one input and format: bytes, stats, message. */
/** The command-line flag of a format: -f NAME, or --top for 'top'. */
const formatArgs = (format) => (format === 'top' ? ['--top'] : ['-f', format]);

function native(path, format, configPath) {
  const run = ptm([...(configPath ? ['-c', configPath] : []), ...formatArgs(format), '--stats', path]);
  const lines = run.stderr.split('\n').filter(Boolean);
  return { ...run, stats: run.stderr.includes('{') ? statsOf(run.stderr) : undefined, message: lines.find((l) => l.startsWith('ptm: '))?.slice(5) };
}

function configFile(config) {
  const file = scratchFile('config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

test('the wasm module imports nothing and exports the ptm_wasm.h ABI', () => {
  const module = new WebAssembly.Module(readFileSync(distWasm));
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  const exported = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  assert.deepEqual(exported, [
    '_initialize', 'memory', 'ptm_wasm_add', 'ptm_wasm_add_symbols', 'ptm_wasm_alloc', 'ptm_wasm_collect_stacks',
    'ptm_wasm_constants_json',
    'ptm_wasm_convert', 'ptm_wasm_convert_begin', 'ptm_wasm_convert_feed', 'ptm_wasm_convert_finish',
    'ptm_wasm_convert_next_input', 'ptm_wasm_create', 'ptm_wasm_destroy', 'ptm_wasm_flush', 'ptm_wasm_free',
    'ptm_wasm_last_error', 'ptm_wasm_last_warning', 'ptm_wasm_max_input_bytes', 'ptm_wasm_output',
    'ptm_wasm_output_size', 'ptm_wasm_refused_request', 'ptm_wasm_reset', 'ptm_wasm_set_input_format',
    'ptm_wasm_set_top_count', 'ptm_wasm_stats', 'ptm_wasm_symbols_next', 'ptm_wasm_symbols_offer',
    'ptm_wasm_symbols_scan', 'ptm_wasm_version',
  ]);
  assert.deepEqual(readFileSync(distWasm), readFileSync(join(root, 'build', 'wasm', 'ptm.wasm')), 'dist has the built module');
});

test('the exported names are the core\'s table (ptm_constants_json), native and wasm alike, and so are both commands\' stats keys and exit codes', async () => {
  const core = nativeConstants();
  const fresh = await freshPackage();
  assert.deepEqual([fresh.FORMATS, fresh.INPUT_FORMATS, fresh.RESULTS, fresh.STATS], [[], [], [], []], 'empty before init()');
  await fresh.init();
  assert.deepEqual(fresh.STATS, core.stats, 'filled by init()');
  assert.deepEqual(moduleConstants(distWasm), core, 'the module\'s table is the native library\'s');
  assert.deepEqual(FORMATS, core.formats, 'ptm_format order');
  assert.deepEqual(INPUT_FORMATS, core.input_formats, 'ptm_input_format order');
  assert.deepEqual(RESULTS, core.results.map((r) => r.code), 'ptm_result order');
  assert.deepEqual(STATS, core.stats, 'ptm_stats order');
  for (const list of [FORMATS, INPUT_FORMATS, RESULTS, STATS]) assert.ok(Object.isFrozen(list), 'frozen after init()');
  assert.deepEqual(Object.keys(statsOf(native(cpuPb, 'otlp').stderr)), core.stats, 'ptm --stats');
  assert.deepEqual(Object.keys(statsOf(npmCli(['--stats', cpuPb]).stderr)), core.stats, 'the npm CLI\'s --stats');
  const exitOf = (code) => core.results.find((r) => r.code === code).exit;
  const bad = 'not a request';
  const refused = '{"resourceProfiles": []}\n{\n';
  for (const [args, input, exit, what] of [
    [['-c', configFile(badRegex), cpuPb], undefined, exitOf('config'), 'a refused configuration'],
    [['-c', configFile({ max_input_bytes: 100 }), cpuPb], undefined, exitOf('limit'), 'over max_input_bytes'],
    [['-f', 'json', '-'], bad, exitOf('input'), 'no request'],
    [['-f', 'json', '-'], refused, core.exit_codes.refused, 'a line refused, the others converted'],
    [['--no-such-option'], undefined, core.exit_codes.usage, 'usage'],
    [[cpuPb, '-f', 'json'], undefined, core.exit_codes.ok, 'success'],
  ]) {
    assert.equal(ptm(args, input).code, exit, `ptm: ${what}`);
    assert.equal(npmCli(args, input).code, exit, `the npm CLI: ${what}`);
  }
});

for (const { name, path } of conversionInputs()) {
  test(`${name}: every format gives the native bytes and stats`, () => {
    const input = readFileSync(path);
    const converter = createConverter();
    try {
      for (const format of FORMATS) {
        const expected = native(path, format);
        assert.equal(expected.code, 0, expected.stderr);
        // folded: empty when the input has no CPU samples (memory fixtures)
        assert.ok(expected.stdout.length > 0 || (format === 'folded' && /memory/.test(name)),
          `${format}: native output is not empty`);
        const { output, stats } = converter.convert(input, { format });
        if (format === 'otlp') {
          assert.ok(output instanceof Uint8Array);
          assert.ok(Buffer.from(output).equals(expected.stdout), `${format}: same bytes`);
        } else {
          assert.equal(typeof output, 'string');
          assert.equal(output, expected.stdout.toString(), `${format}: same text`);
          const exact = converter.convert(input, { format, bytes: true }).output;
          assert.ok(Buffer.from(exact).equals(expected.stdout), `${format}: same bytes with bytes: true`);
        }
        assert.deepEqual(stats, expected.stats, `${format}: same stats`);
      }
    } finally {
      converter.close();
    }
  });
}

test('a config as an object, a JSON string or bytes gives the native output', () => {
  const config = { attributes: [{ key: 'env', value: 'prod' }], thread_filter: { exclude_patterns: ['^idle'] } };
  const expected = native(cpuPb, 'prom', configFile(config));
  assert.equal(expected.code, 0, expected.stderr);
  assert.match(expected.stdout.toString(), /env="prod"/);
  const input = readFileSync(cpuPb);
  for (const form of [config, JSON.stringify(config), Buffer.from(JSON.stringify(config))]) {
    const converter = createConverter(form);
    assert.equal(converter.convert(input, { format: 'prom' }).output, expected.stdout.toString());
    converter.close();
  }
});

test('breakdowns and recording rules: the config object gives the native bytes; a bad rule throws "config" naming it', () => {
  const config = JSON.parse(readFileSync(join(root, 'docs', 'examples', 'breakdowns.json'), 'utf8'));
  const converter = createConverter(config);
  try {
    for (const format of ['otlp', 'prom']) {
      const expected = native(cpuPb, format, configFile(config));
      assert.equal(expected.code, 0, expected.stderr);
      const got = converter.convert(readFileSync(cpuPb), { format }).output;
      assert.ok(Buffer.from(got).equals(expected.stdout), `${format}: the native bytes`);
    }
    assert.match(converter.convert(readFileSync(cpuPb), { format: 'prom' }).output, /^futex_time_seconds_total\{/m);
  } finally {
    converter.close();
  }
  const bad = { rules: [{ metric_name: 'x', functions: ['f'], mode: 'both' }] };
  const cli = native(cpuPb, 'otlp', configFile(bad));
  assert.throws(() => createConverter(bad), (e) => e.code === 'config' && cli.stderr.includes(e.message) && /rules\[0\]\.mode/.test(e.message));
});

test('bad input throws the core\'s message; the same converter then converts valid input', () => {
  const converter = createConverter();
  const valid = readFileSync(cpuPb);
  const cases = [
    Buffer.from('garbage'),
    valid.subarray(0, 1000),
    Buffer.from('{"resourceProfiles": ['),
    Buffer.from([0x12, 0x02, 0x28, 0x01]),
  ];
  for (const bad of cases) {
    const file = scratchFile('bad.bin');
    writeFileSync(file, bad);
    const expected = native(file, 'otlp');
    assert.equal(expected.code, 1);
    assert.throws(() => converter.convert(bad), (error) => {
      assert.ok(error instanceof PtmError);
      assert.equal(error.name, 'PtmError');
      assert.equal(error.code, 'input');
      assert.equal(error.message, expected.message);
      assert.deepEqual(error.stats, expected.stats);
      return true;
    });
    const { output } = converter.convert(valid, { format: 'prom' });
    assert.equal(output, native(cpuPb, 'prom').stdout.toString(), 'converts correctly after the error');
  }
  converter.close();
});

test('an input over max_input_bytes throws code "limit" with the native message', () => {
  const config = { max_input_bytes: 100 };
  const expected = native(cpuPb, 'otlp', configFile(config));
  assert.equal(expected.code, 1);
  const converter = createConverter(config);
  assert.throws(() => converter.convert(readFileSync(cpuPb)), { name: 'PtmError', code: 'limit', message: expected.message });
  assert.match(expected.message, /max_input_bytes \(100\)/);
  converter.close();
});

test('a bad config throws code "config" naming the key path, as the native message does', () => {
  const cases = [
    [badRegex, badRegexMessage],
    [{ metrics: { cpu: { unit: 'h' } } }, 'config: metrics.cpu.unit: unknown unit "h" (ns, us, ms or s)'],
    [{ metrics: { cpux: {} } }, 'config: metrics.cpux: unknown key'],
    ['{"a":1,', null],
    ['{"cardinality_limit": 5, "cardinality_limit": 6}', 'config: cardinality_limit: duplicate key'],
  ];
  for (const [config, message] of cases) {
    const expected = native(cpuPb, 'otlp', configFile(config));
    assert.equal(expected.code, 2);
    if (message) assert.equal(expected.message, message);
    assert.throws(() => createConverter(config), { name: 'PtmError', code: 'config', message: expected.message });
  }
});

test('wrong calls throw PtmError "argument"; close() is idempotent', async () => {
  const converter = createConverter();
  assert.throws(() => converter.convert(readFileSync(cpuPb), { format: 'yaml' }),
    { code: 'argument', message: 'unknown format "yaml" (otlp, json, prom, folded or top)' });
  assert.throws(() => converter.convert(readFileSync(cpuPb), { format: 'top', top: 0 }),
    { code: 'argument', message: 'top: 0: the count is an integer from 1 to 1000' });
  assert.throws(() => converter.convert(42), { code: 'argument', message: 'input must be bytes or a string' });
  converter.close();
  converter.close();
  assert.throws(() => converter.convert(readFileSync(cpuPb)), { code: 'argument', message: 'converter is closed' });
  const uninitialised = await freshPackage();
  assert.throws(() => uninitialised.createConverter(), { code: 'argument', message: /init\(\)/ });
});

test('init() takes bytes, a Module, URLs, paths as file URLs and Responses, and is idempotent', async () => {
  const bytes = readFileSync(distWasm);
  const url = pathToFileURL(distWasm);
  const sources = {
    default: undefined,
    buffer: bytes,
    arrayBuffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    module: new WebAssembly.Module(bytes),
    url,
    urlString: url.href,
    response: new Response(bytes, { headers: { 'content-type': 'application/wasm' } }),
    responsePromise: Promise.resolve(new Response(bytes)),
  };
  const expected = native(cpuPb, 'prom').stdout.toString();
  for (const [kind, source] of Object.entries(sources)) {
    const pkg = await freshPackage();
    const first = pkg.init(source);
    assert.equal(pkg.init(), first, `${kind}: a second init() returns the first promise`);
    await first;
    const converter = pkg.createConverter();
    assert.equal(converter.convert(readFileSync(cpuPb), { format: 'prom' }).output, expected, kind);
    converter.close();
  }
  const failing = await freshPackage();
  await assert.rejects(failing.init(new Response('nope', { status: 404 })), { code: 'argument', message: /HTTP 404/ });
  await failing.init(bytes); // a failed init() can be retried
  assert.ok(failing.createConverter());
});


test('1,000 conversions (with errors among them) leave the converter\'s wasm memory flat; 200 converters, each its own instance, start equally small', async () => {
  const { pkg, instances, latest, stop } = await packageWithMemory();
  try {
    const inputs = [readFileSync(cpuPb), readFileSync(memoryJson), readFileSync(join(fixtures, 'multi.jsonl'))];
    const garbage = Buffer.from('garbage that is not a request');
    const converter = pkg.createConverter({ attributes: [{ key: 'v', value: 'python(\\d+)', type: 'regex' }] });
    const { memory } = latest();
    const once = (i) => {
      if (i % 10 === 9) assert.throws(() => converter.convert(garbage), { code: 'input' });
      else converter.convert(inputs[i % 3], { format: FORMATS[i % 3] });
    };
    for (let i = 0; i < 30; i++) once(i);
    const warm = memory.buffer.byteLength;
    for (let i = 30; i < 1000; i++) once(i);
    assert.equal(memory.buffer.byteLength, warm, 'conversions: no growth after the first 30');
    const made = instances.length;
    const sizes = new Set();
    for (let i = 0; i < 200; i++) {
      const other = pkg.createConverter({ process_filter: { patterns: ['^nginx$'] } });
      sizes.add(latest().memory.buffer.byteLength);
      other.close();
      assert.throws(() => pkg.createConverter(badRegex), { code: 'config' });
    }
    assert.equal(instances.length, made + 400, 'one instance per createConverter(), refused ones too');
    assert.equal(sizes.size, 1, `converters start at one size: ${[...sizes]}`);
    assert.ok([...sizes][0] <= 256 * 1024, `a new converter's instance is small: ${[...sizes][0]} bytes`);
    assert.equal(memory.buffer.byteLength, warm, 'the first converter\'s memory: untouched by the others');
    converter.close();
  } finally {
    stop();
  }
});

test('npm CLI: the native bytes, stats and exit code for each format, file and stdin', () => {
  const input = readFileSync(cpuPb);
  for (const format of FORMATS) {
    const expected = ptm([...formatArgs(format), '--stats', cpuPb]);
    for (const got of [npmCli([...formatArgs(format), '--stats', cpuPb]), npmCli([...formatArgs(format), '--stats', '-'], input)]) {
      assert.equal(got.code, 0, got.stderr);
      assert.ok(got.stdout.equals(expected.stdout), `${format}: same bytes`);
      assert.equal(got.stderr, expected.stderr, `${format}: same --stats line`);
    }
  }
  const out = scratchFile('out.pb');
  const written = npmCli(['-o', out, '-c', configFile({ metrics: { function: { top_n: 2 } } }), cpuPb]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(written.stdout.length, 0);
  const expectedFile = scratchFile('out-native.pb');
  ptm(['-o', expectedFile, '-c', configFile({ metrics: { function: { top_n: 2 } } }), cpuPb]);
  assert.ok(readFileSync(out).equals(readFileSync(expectedFile)));
});

test('npm CLI: the shadowing warning and cumulative output as the native CLI writes them', () => {
  for (const config of [{ attributes: [{ key: 'service.name', value: 'configured' }] }, { temporality: 'cumulative' }]) {
    for (const format of FORMATS) {
      const args = ['-c', configFile(config), ...formatArgs(format), '--stats', cpuPb];
      const expected = ptm(args);
      const got = npmCli(args);
      assert.equal(got.code, 0, got.stderr);
      assert.ok(got.stdout.equals(expected.stdout), `${format}: same bytes`);
      assert.equal(got.stderr, expected.stderr, `${format}: same stderr`);
    }
  }
  assert.match(npmCli(['-c', configFile({ attributes: [{ key: 'service.name', value: 'x' }] }), '-f', 'prom', cpuPb]).stderr,
    /^ptm: warning: attribute rule "service.name" is shadowed by the resource attribute of that key/);
});

test('npm CLI: the native exit codes and one-line messages on errors', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ptm-npm-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases = [
    [['-x'], undefined, 2, 'ptm: unknown option -x (see ptm --help)'],
    [['-f', 'yaml', cpuPb], undefined, 2, 'ptm: unknown format "yaml" (otlp, json, prom or folded)'],
    [['-f'], undefined, 2, 'ptm: -f needs a value (see ptm --help)'],
    [['/nonexistent/input.pb'], undefined, 2, 'ptm: cannot open input /nonexistent/input.pb: No such file or directory'],
    [['-c', '/nonexistent/c.json', cpuPb], undefined, 2, 'ptm: cannot open config /nonexistent/c.json: No such file or directory'],
    [[join(dir, 'missing.pb'), join(dir, 'missing2.pb')], undefined, 2,
      `ptm: cannot open input ${join(dir, 'missing.pb')}: No such file or directory\nptm: cannot open input ${join(dir, 'missing2.pb')}: No such file or directory`],
    [['--top', '0', cpuPb], undefined, 2, 'ptm: --top 0: the count is a number from 1 to 1000'],
    [['--top', '-f', 'prom', cpuPb], undefined, 2, 'ptm: --top and -f do not go together (--top writes its own text)'],
    [['-c', configFile(badRegex), cpuPb], undefined, 2, `ptm: ${badRegexMessage}`],
    [['-o', '/nonexistent/dir/out.pb', cpuPb], undefined, 3, 'ptm: cannot write output /nonexistent/dir/out.pb: No such file or directory'],
    [['-o', '/dev/full', cpuPb], undefined, 3, 'ptm: cannot write output: No space left on device'],
    [['-'], Buffer.from('garbage'), 1, null],
    [['-c', configFile({ max_input_bytes: 10 }), cpuPb], undefined, 1, 'ptm: input: 6542 bytes is more than max_input_bytes (10)'],
  ];
  for (const [args, input, code, message] of cases) {
    const expected = ptm(args, input);
    const got = npmCli(args, input);
    assert.equal(expected.code, code, `native ${args.join(' ')}: ${expected.stderr}`);
    if (message) assert.equal(expected.stderr, `${message}\n`);
    assert.equal(got.code, code, `npm ${args.join(' ')}`);
    assert.equal(got.stderr, expected.stderr, `npm ${args.join(' ')}: same message`);
    assert.equal(got.stdout.length, 0);
  }
  const bad = npmCli(['--stats', '-'], Buffer.from('garbage'));
  assert.equal(bad.stderr, ptm(['--stats', '-'], Buffer.from('garbage')).stderr, 'message then zeroed stats');
  assert.equal(bad.stderr.split('\n').filter(Boolean).length, 2);
});

test('npm CLI: stdout on a full disk: "cannot write output", exit 3; a closed pipe: quiet, exit 3; no stack trace (issue 9, finding 7)', () => {
  // Before: an unhandled 'error' event and a stack trace, exit 1.
  const full = openSync('/dev/full', 'w');
  try {
    const run = spawnSync(process.execPath, [distCli, '-f', 'prom', cpuPb], { stdio: ['ignore', full, 'pipe'] });
    assert.equal(run.status, 3);
    assert.equal(run.stderr.toString(), 'ptm: cannot write output: No space left on device\n');
  } finally {
    closeSync(full);
  }
  const big = bigJsonLines();
  const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${distCli}" -f json "${big}" | head -c 1 > /dev/null; echo "\${PIPESTATUS[0]}"`]);
  assert.equal(piped.stdout.toString().trim(), '3', piped.stderr.toString());
  assert.equal(piped.stderr.toString(), '', 'a reader that left is no error to report (as ptm)');
});

test('npm CLI: --help and --version are the ptm command\'s own (issue 29)', () => {
  // Before: the npm CLI kept a usage text of its own, which had drifted
  // (it promised YAML configurations and refused them).
  const help = npmCli(['--help']);
  assert.equal(help.code, 0);
  assert.equal(help.stdout.toString(), ptm(['--help']).stdout.toString());
  assert.match(help.stdout.toString(), /YAML/);
  const version = npmCli(['--version']);
  assert.equal(version.code, 0);
  const pkg = JSON.parse(readFileSync(join(jsDir, 'package.json'), 'utf8'));
  assert.equal(version.stdout.toString(), `ptm ${pkg.version}\n`, 'the package carries the core\'s version');
  assert.equal(version.stdout.toString(), ptm(['--version']).stdout.toString());
});

test('npm CLI: the WASI command run by node:wasi, no second implementation; node\'s WASI warning left unsaid, others kept (issue 29)', () => {
  const source = readFileSync(join(distDir, 'cli.js'), 'utf8');
  assert.ok(readFileSync(join(distDir, 'ptm-wasi.wasm')).equals(readFileSync(join(root, 'build', 'wasi', 'ptm.wasm'))), 'dist/ptm-wasi.wasm is build/wasi/ptm.wasm');
  assert.doesNotMatch(source, /from '\.\/index\.js'|usage|--stats|max_input_bytes/, 'no options, messages or conversion of its own');
  assert.ok(source.split('\n').length < 60, 'a runner');
  // Only the WASI ExperimentalWarning is dropped: another warning still shows.
  const warned = spawnSync(process.execPath, ['--import', 'data:text/javascript,process.emitWarning("other", "ExperimentalWarning")', distCli, '--version']);
  assert.equal(warned.status, 0, warned.stderr.toString());
  assert.doesNotMatch(warned.stderr.toString(), /WASI/);
  assert.match(warned.stderr.toString(), /ExperimentalWarning: other/);
});

/** npm with a quiet, offline-friendly configuration. */
function npm(args, cwd) {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
}

test('npm pack ships only package.json, README.md, the licence, the notices and dist/ (the API\'s two module variants, the CLI\'s WASI command); the tarball installs offline and converts', (t) => {
  const work = mkdtempSync(join(tmpdir(), 'ptm-npm-pack-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], jsDir));
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, ['LICENSE', 'README.md', 'THIRD_PARTY_NOTICES', 'dist/cli.js', 'dist/index.d.ts', 'dist/index.js', 'dist/ptm-full.wasm', 'dist/ptm-wasi.wasm', 'dist/ptm.wasm', 'package.json']);
  assert.equal(packed.name, 'profiletometrics');
  assert.deepEqual(packed.bundled, []);

  const app = join(work, 'app');
  mkdirSync(app);
  npm(['install', '--offline', join(work, packed.filename)], app);
  const installed = join(app, 'node_modules', 'profiletometrics');
  for (const name of ['LICENSE', 'THIRD_PARTY_NOTICES']) {
    assert.equal(readFileSync(join(installed, name), 'utf8'), readFileSync(join(root, name), 'utf8'), `the tarball's ${name} is the repo's`);
  }
  assert.equal(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).license, 'Apache-2.0');
  assert.match(readFileSync(join(installed, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/, 'LICENSE is the licence package.json names');
  writeFileSync(join(app, 'convert.mjs'), [
    "import { init, createConverter } from 'profiletometrics';",
    'await init();',
    "process.stdout.write(createConverter().convert(await (await import('node:fs/promises')).readFile(process.argv[2]), { format: 'prom' }).output);",
  ].join('\n'));
  const run = spawnSync(process.execPath, ['convert.mjs', cpuPb], { cwd: app });
  assert.equal(run.status, 0, run.stderr.toString());
  assert.equal(run.stdout.toString(), ptm(['-f', 'prom', cpuPb]).stdout.toString());

  const bin = spawnSync(join(app, 'node_modules', '.bin', 'profiletometrics'), ['-f', 'otlp', cpuPb], { cwd: app });
  assert.equal(bin.status, 0, bin.stderr.toString());
  assert.ok(bin.stdout.equals(ptm(['-f', 'otlp', cpuPb]).stdout), 'the installed bin gives the native bytes');

  // npx profiletometrics itself, on a gzipped request and a gzipped pprof
  // profile (the written one, and ../shared's cpu.pb.gz when present).
  const gzipped = [scratchFile('cpu-ebpf.pb.gz'), scratchFile('written.pprof.gz')];
  writeFileSync(gzipped[0], gzipSync(readFileSync(cpuPb)));
  writeFileSync(gzipped[1], gzipSync(pprofBytes({
    sampleTypes: [['cpu', 'nanoseconds']], functions: [{ id: 1, name: 'main.busy' }],
    locations: [{ id: 1, lines: [{ function: 1 }] }], samples: [{ locations: [1], values: [250_000_000] }],
  })));
  if (existsSync(join(shared, 'pprof', 'cpu.pb.gz'))) gzipped.push(join(shared, 'pprof', 'cpu.pb.gz'));
  for (const file of gzipped) {
    const npx = spawnSync('npx', ['--offline', 'profiletometrics', '-f', 'prom', file], { cwd: app });
    assert.equal(npx.status, 0, `npx, ${file}: ${npx.stderr}`);
    assert.equal(npx.stdout.toString(), ptm(['-f', 'prom', file]).stdout.toString(), `npx, ${file}: the native text`);
    assert.match(npx.stdout.toString(), /_seconds_total/, file);
  }

  const require = createRequire(join(app, 'index.js'));
  assert.equal(require.resolve('profiletometrics/ptm.wasm'), join(app, 'node_modules', 'profiletometrics', 'dist', 'ptm.wasm'));
  assert.equal(require.resolve('profiletometrics/package.json'), join(app, 'node_modules', 'profiletometrics', 'package.json'));
});

test('createConverter() when memory runs out inside the config parse: code \'nomem\', by the core\'s code (issue 9, finding 8)', async (t) => {
  // Before: ptm_wasm_create returned only a handle, and the package mapped
  // the message: "config: out of memory" (an allocation failing while the
  // config is parsed) became code 'config'. Now the module returns the
  // ptm_result and the package maps it, never the text. The wasm memory is
  // filled with ptm_wasm_alloc, then a little of it freed: as little as lets
  // the converter itself be allocated, so the config parse is what fails.
  // Since issue 28 createConverter() makes each converter a fresh instance,
  // which holds nothing to fill beforehand: this runs where converters
  // share init()'s instance (the package's fallback where synchronous
  // instantiation is refused), and that one is filled.
  const { pkg, exports: raw, stop } = await packageWithMemory({ shared: true });
  t.after(stop);
  const config = { process_filter: { patterns: ['^a.*b$', '[0-9]+x'] }, attributes: [{ key: 'k', value: 'v' }] };
  const held = [];
  for (let size = 1 << 28; size >= 16; size >>= 1) {
    for (let p; (p = raw.ptm_wasm_alloc(size) >>> 0) !== 0;) held.push({ p, size });
  }
  // Then room is given back in 64-byte steps inside the smallest held block
  // of 64 KiB or more, freed (a filler takes the rest of it), until the
  // converter is created.
  const outcomes = new Map();
  const block = held.filter((h) => h.size >= 1 << 16).sort((a, b) => a.size - b.size)[0];
  raw.ptm_wasm_free(block.p);
  try {
    for (let room = 64; room < block.size && !outcomes.has('created'); room += 64) {
      const filler = raw.ptm_wasm_alloc(block.size - room) >>> 0;
      try {
        pkg.createConverter(config).close();
        outcomes.set('created', true);
      } catch (error) {
        assert.ok(error instanceof pkg.PtmError, String(error));
        assert.equal(error.code, 'nomem', `${error.message}: an allocation failure is 'nomem' whatever the text`);
        outcomes.set(error.message, true);
      } finally {
        if (filler !== 0) raw.ptm_wasm_free(filler);
      }
    }
  } finally {
    for (const h of held) if (h !== block) raw.ptm_wasm_free(h.p);
  }
  assert.ok(outcomes.has('config: out of memory'), `the config parse ran out: ${[...outcomes.keys()].join(' | ')}`);
  pkg.createConverter(config).close(); // usable once memory is back
});

test('begin/feed/finish: the pieces, however cut, convert as convert() does the whole (issue 10, streaming)', () => {
  const inputs = [cpuPb, memoryJson, join(fixtures, 'multi.jsonl')].map((path) => readFileSync(path));
  const converter = createConverter();
  try {
    for (const input of inputs) {
      for (const format of FORMATS) {
        const whole = converter.convert(input, { format, bytes: true });
        for (const cut of [1, 7, 4096, input.length]) {
          converter.begin({ size: input.length, stacks: format === 'folded' || format === 'top' });
          for (let at = 0; at < input.length; at += cut) converter.feed(input.subarray(at, at + cut));
          const streamed = converter.finish({ format, bytes: true });
          assert.deepEqual(streamed.output, whole.output, `${format}, pieces of ${cut}`);
          assert.deepEqual(streamed.stats, whole.stats);
        }
      }
    }
    converter.begin(); // without stacks: folded output is refused
    converter.feed(inputs[0]);
    assert.throws(() => converter.finish({ format: 'folded' }),
      { code: 'argument', message: /folded output needs the stacks collected from the start/ });
    converter.begin(); // the size unknown
    converter.feed(inputs[1].toString('utf8'));
    assert.equal(converter.finish({ format: 'json' }).output, converter.convert(inputs[1], { format: 'json' }).output);
  } finally {
    converter.close();
  }
  assert.throws(() => converter.feed(new Uint8Array(1)), { code: 'argument' });
});

test('add/flush: the held series are written at a flush, as the native CLI converts the same inputs at once; windows and times from now', () => {
  const inputs = [cpuPb, memoryJson];
  const bytes = inputs.map((path) => readFileSync(path));
  for (const temporality of ['delta', 'cumulative']) {
    const config = configFile({ temporality });
    const both = native(inputs[0], 'prom', config);
    assert.equal(both.code, 0);
    const want = ptm(['-c', config, '-f', 'prom', ...inputs]);
    assert.equal(want.code, 0, want.stderr);
    const converter = createConverter({ temporality });
    try {
      const added = converter.add(bytes[0], { now: 5_000_000 });
      assert.equal(added.stats.samples_kept, both.stats.samples_kept, 'add counts its samples');
      assert.equal(added.stats.series, 0, 'an add writes nothing');
      assert.throws(() => converter.add(Buffer.from('garbage'), { now: 5_500_000 }), { code: 'input' });
      converter.add(bytes[1], { now: 6_000_000n });
      const flushed = converter.flush({ format: 'prom', now: 7_000_000 });
      assert.equal(flushed.output, want.stdout.toString(), `${temporality}: the inputs at once, the refused one left out`);
      const json = converter.flush({ format: 'json', now: 8_000_000 }).output;
      if (temporality === 'delta') {
        assert.equal(json, '', 'delta: nothing added since, nothing written');
      } else {
        const points = JSON.parse(json).resourceMetrics.flatMap((r) => r.scopeMetrics[0].metrics)
          .flatMap((m) => (m.sum ?? m.gauge).dataPoints);
        assert.ok(points.length > 0 && points.every((p) => p.timeUnixNano === '8000000'), 'cumulative: every series, at the flush');
        assert.ok(points.every((p) => p.startTimeUnixNano === undefined || ['4000000', '5000000'].includes(p.startTimeUnixNano)),
          'cumulative: each series starts 1 ms before its first add');
        assert.ok(points.some((p) => p.startTimeUnixNano === '4000000'), 'the first add\'s series start 1 ms before it');
      }
    } finally {
      converter.close();
    }
  }
  const converter = createConverter();
  try {
    converter.add(bytes[0], { now: 1000 });
    const points = JSON.parse(converter.flush({ format: 'json', now: 2000 }).output).resourceMetrics
      .flatMap((r) => r.scopeMetrics[0].metrics).flatMap((m) => m.sum.dataPoints);
    assert.ok(points.every((p) => p.startTimeUnixNano === '1000' && p.timeUnixNano === '2000'), 'delta: [first add, flush)');
    converter.add(bytes[0], { now: 2500 });
    const next = JSON.parse(converter.flush({ format: 'json', now: 3000 }).output).resourceMetrics
      .flatMap((r) => r.scopeMetrics[0].metrics).flatMap((m) => m.sum.dataPoints);
    assert.ok(next.every((p) => p.startTimeUnixNano === '2000' && p.timeUnixNano === '3000'), 'delta: windows contiguous');
    assert.throws(() => converter.flush({ format: 'folded' }), { code: 'argument', message: /a flush writes metrics/ });
    assert.throws(() => converter.add(bytes[0], { now: -1 }), { code: 'argument', message: /^now: -1/ });
  } finally {
    converter.close();
  }
});

test('the npm CLI reads its input in pieces: JSON Lines past max_input_bytes convert; a request past it stops as ptm does', () => {
  const line = readFileSync(memoryJson, 'utf8').replace(/\n\s*/g, '');
  const lines = scratchFile('lines.jsonl');
  writeFileSync(lines, `${line}\n`.repeat(40));
  // Each line fits, the file does not: both commands convert it line by line.
  const config = configFile({ max_input_bytes: line.length + 100 });
  const expected = native(lines, 'prom', config);
  assert.equal(expected.code, 0, expected.stderr);
  for (const got of [npmCli(['-c', config, '-f', 'prom', '--stats', lines]),
    npmCli(['-c', config, '-f', 'prom', '--stats', '-'], readFileSync(lines))]) {
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.toString(), expected.stdout.toString());
    assert.deepEqual(statsOf(got.stderr), expected.stats);
  }
  // One line too long: the native message and exit code, for a file and for
  // stdin (three lines: within a pipe's buffer, as both stop reading there).
  const small = configFile({ max_input_bytes: 1000 });
  const few = Buffer.from(`${line}\n`.repeat(3));
  for (const [args, input] of [[['-c', small, lines]], [['-c', small, '-'], few]]) {
    const want = ptm(args, input);
    const got = npmCli(args, input);
    assert.equal(want.code, 1);
    assert.equal(got.code, want.code, got.stderr);
    assert.equal(got.stderr, want.stderr.toString());
    assert.match(got.stderr, /max_input_bytes \(1000\)/);
  }
});
