// variants.test.js: the npm package's named module variants, chosen at
// init() (issue 29, "Size as a property of the layout"): the default
// ptm.wasm (gzip input, no zstd; within tools/size.sh's budget) and
// ptm-full.wasm (init({ variant: 'full' }): zstd input too, and YAML
// configurations through cli/config_yaml.c's translation, ptm -c x.yaml's).
// Expectations come from elsewhere: the default variant on the plain input,
// the native ptm on the compressed input and on the YAML file, the zstd
// command's compression.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, ptm, root, scratchFile } from '../../lib/run.js';
import { reactorNoCodec, zstd } from '../../lib/compress.js';
import { moduleConstants, nativeConstants } from '../../lib/constants.js';
import { distDir, distWasm, freshPackage, requireDist } from '../../lib/npm.js';

requireDist();
const distFull = join(distDir, 'ptm-full.wasm');
const haveZstd = spawnSync('zstd', ['--version']).status === 0;

/** A fresh package, init()ed with these arguments. */
async function loaded(...args) {
  const pkg = await freshPackage();
  await pkg.init(...args);
  return pkg;
}
const full = await loaded({ variant: 'full' });
const plain = await loaded();

/** output and stats of one conversion by a fresh converter of pkg (closed after). */
function convertWith(pkg, config, input, options) {
  const converter = pkg.createConverter(config);
  try {
    const { output, stats } = converter.convert(input, { bytes: true, ...options });
    return { output: Buffer.from(output), stats };
  } finally {
    converter.close();
  }
}

/** Writes text to a scratch file; its path. */
function scratch(name, text) {
  const path = scratchFile(name);
  writeFileSync(path, text);
  return path;
}

test('ptm-full.wasm imports nothing, exports the default ABI and ptm_wasm_config_yaml, and has the core\'s constants', () => {
  const exportsOf = (path) => WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(path))).map((e) => e.name).sort();
  assert.deepEqual(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(distFull))), []);
  assert.deepEqual(exportsOf(distFull), [...exportsOf(distWasm), 'ptm_wasm_config_yaml'].sort());
  assert.deepEqual(moduleConstants(distFull), nativeConstants(), 'the table init() reads is the native library\'s');
  assert.ok(readFileSync(distFull).equals(readFileSync(join(root, 'build', 'wasm', 'ptm-full.wasm'))), 'dist has the built module');
  assert.equal(full.variant(), 'full');
  assert.equal(plain.variant(), 'default');
  assert.deepEqual(full.STATS, nativeConstants().stats);
});

test('zstd input: the full variant gives the default variant\'s bytes for the plain input, and the native ptm\'s for the zstd file; the default variant refuses it', { skip: !haveZstd && 'no zstd command' }, () => {
  for (const name of ['cpu-ebpf.pb', 'memory.json', 'multi.jsonl', 'cpu-pprof.pb']) {
    const input = readFileSync(join(fixtures, name));
    const compressed = zstd(input);
    assert.deepEqual([...compressed.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], `${name}: a zstd frame`);
    const path = scratch(`${name}.zst`, compressed);
    for (const format of ['otlp', 'prom']) {
      const expected = convertWith(plain, undefined, input, { format });
      assert.ok(expected.output.length > 0, `${name} ${format}`);
      const got = convertWith(full, undefined, compressed, { format });
      assert.ok(got.output.equals(expected.output), `${name} ${format}: the plain input's bytes`);
      assert.deepEqual(got.stats, expected.stats, `${name} ${format}: stats`);
      const native = ptm(['-f', format, path]);
      assert.equal(native.code, 0, native.stderr);
      assert.ok(got.output.equals(native.stdout), `${name} ${format}: ptm's bytes for the .zst file`);
    }
    const converter = full.createConverter();
    converter.begin({ size: compressed.length });
    for (let at = 0; at < compressed.length; at += 333) converter.feed(compressed.subarray(at, at + 333));
    const pieces = converter.finish({ format: 'prom', bytes: true });
    converter.close();
    assert.ok(Buffer.from(pieces.output).equals(convertWith(plain, undefined, input, { format: 'prom' }).output), `${name}: in pieces`);

    const refusing = plain.createConverter();
    assert.throws(() => refusing.convert(compressed), (error) => error.name === 'PtmError' && error.code === 'input'
      && reactorNoCodec.test(error.message) && error.message.includes('ptm-full.wasm') && !error.message.includes('\n'));
    refusing.close();
  }
});

const yaml = `# the JSON config below, as YAML
attributes:
  - key: env
    value: prod
thread_filter:
  exclude_patterns: ['^idle']
metrics:
  function: {top_n: 2}
`;
const json = { attributes: [{ key: 'env', value: 'prod' }], thread_filter: { exclude_patterns: ['^idle'] }, metrics: { function: { top_n: 2 } } };

test('a YAML config through the full variant gives the JSON config\'s output and ptm -c file.yaml\'s', () => {
  const yamlPath = scratch('config.yaml', yaml);
  const jsonPath = scratch('config.json', JSON.stringify(json));
  for (const name of ['cpu-ebpf.pb', 'memory.json']) {
    const inputPath = join(fixtures, name);
    const input = readFileSync(inputPath);
    for (const format of ['otlp', 'prom']) {
      const native = ptm(['-c', yamlPath, '-f', format, inputPath]);
      assert.equal(native.code, 0, native.stderr);
      assert.ok(native.stdout.equals(ptm(['-c', jsonPath, '-f', format, inputPath]).stdout), 'ptm: YAML and JSON agree');
      const fromJson = convertWith(full, json, input, { format });
      assert.ok(fromJson.output.equals(native.stdout), `${name} ${format}: the JSON config`);
      for (const form of [yaml, Buffer.from(yaml), `\n  ${yaml}`]) {
        const fromYaml = convertWith(full, form, input, { format });
        assert.ok(fromYaml.output.equals(native.stdout), `${name} ${format}: the YAML config (${typeof form})`);
        assert.deepEqual(fromYaml.stats, fromJson.stats);
      }
    }
    assert.notDeepEqual(convertWith(full, yaml, input, { format: 'prom' }).output, convertWith(full, undefined, input, { format: 'prom' }).output,
      `${name}: the YAML config is applied`);
  }
  // A YAML config kept for reset()'s fresh instance is the translated JSON.
  const converter = full.createConverter(yaml);
  converter.reset();
  assert.ok(Buffer.from(converter.convert(readFileSync(join(fixtures, 'cpu-ebpf.pb')), { format: 'prom', bytes: true }).output)
    .equals(ptm(['-c', yamlPath, '-f', 'prom', join(fixtures, 'cpu-ebpf.pb')]).stdout));
  converter.close();
});

test('a bad YAML config through the full variant throws "config" with ptm -c file.yaml\'s message', () => {
  for (const bad of ['thread_filter:\n  exclude_patterns: [\'(a\']\n', 'metrics: {cpux: {}}\n', 'a: b: c\n',
    'a: &x 1\nb: *x\n', 'cardinality_limit: 5\ncardinality_limit: 6\n']) {
    const native = ptm(['-c', scratch('bad.yaml', bad), join(fixtures, 'cpu-ebpf.pb')]);
    assert.equal(native.code, 2, bad);
    const message = native.stderr.trim();
    assert.match(message, /^ptm: config/);
    assert.throws(() => full.createConverter(bad), { name: 'PtmError', code: 'config', message: message.slice('ptm: '.length) }, bad);
  }
});

test('the default variant: a YAML config throws "config" naming the full variant; JSON, bytes and white space read as before', () => {
  const needsFull = "config: a YAML configuration needs the full variant: init({ variant: 'full' }), or give JSON";
  for (const form of [yaml, Buffer.from(yaml), 'temporality: cumulative', '  # only a comment\n']) {
    assert.throws(() => plain.createConverter(form), { name: 'PtmError', code: 'config', message: needsFull });
  }
  const input = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
  const expected = ptm(['-c', scratch('config.json', JSON.stringify(json)), '-f', 'prom', join(fixtures, 'cpu-ebpf.pb')]).stdout;
  for (const form of [json, JSON.stringify(json), Buffer.from(` \n${JSON.stringify(json)}`)]) {
    assert.ok(convertWith(plain, form, input, { format: 'prom' }).output.equals(expected));
  }
  const defaults = convertWith(plain, undefined, input, { format: 'prom' }).output;
  for (const variant of [plain, full]) {
    for (const blank of ['', ' \n\t']) assert.ok(convertWith(variant, blank, input, { format: 'prom' }).output.equals(defaults), 'white space: the defaults');
  }
});

test('init(): a variant by name, or by the module given; another variant once one is loaded, an unknown one or option is refused', async () => {
  const fullBytes = readFileSync(distFull);
  const defaultBytes = readFileSync(distWasm);
  assert.equal((await loaded(fullBytes)).variant(), 'full', 'a source is the variant it is');
  assert.equal((await loaded({ source: defaultBytes })).variant(), 'default');
  assert.equal((await loaded({ variant: 'full', source: new WebAssembly.Module(fullBytes) })).variant(), 'full');
  assert.equal((await loaded({ variant: 'default' })).variant(), 'default');

  const wrong = await freshPackage();
  await assert.rejects(wrong.init({ variant: 'full', source: defaultBytes }),
    { name: 'PtmError', code: 'argument', message: 'init(): the module given is the default variant, not "full"' });
  assert.throws(() => wrong.variant(), { code: 'argument', message: /init\(\)/ }, 'nothing loaded');
  await wrong.init({ variant: 'full' }); // a failed init() can be retried
  assert.equal(wrong.variant(), 'full');

  const pkg = await freshPackage();
  const first = pkg.init();
  assert.equal(pkg.init(), first, 'a later init() returns the first promise');
  await first;
  await pkg.init({ variant: 'default' });
  await assert.rejects(pkg.init({ variant: 'full' }),
    { code: 'argument', message: 'init(): the default variant is loaded, not "full": one per loaded package' });
  assert.equal(pkg.variant(), 'default');

  const fresh = await freshPackage();
  await assert.rejects(fresh.init({ variant: 'huge' }), { code: 'argument', message: 'init(): unknown variant "huge" (\'default\' or \'full\')' });
  await assert.rejects(fresh.init({ varient: 'full' }), { code: 'argument', message: 'init(): unknown option "varient" (variant or source)' });
});
