// yaml-config.test.js: `ptm -c FILE` reads YAML (cli/config_yaml.c) as the
// JSON it stands for. Every JSON configuration the documentation shows (the
// ```json blocks of README.md and docs/**/*.md, and docs/examples/*.json), written as YAML by an independent
// emitter (js-yaml) in block and in flow style, converts to the bytes its
// JSON gives, natively, in the WASI command under wasmtime and in the npm
// CLI (npx profiletometrics: the same command under node:wasi); the
// collector connector's block, cut from each docs/examples/*.yaml that has one and
// pasted as is (engine included), converts as its JSON twin (the block as
// js-yaml reads it, less the connector's own keys); YAML mistakes are one
// "ptm: config line N…" line and exit 2 on every host; the npm package's
// API reads JSON and says so when given YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { fixtures, ptm, root, scratchFile } from '../lib/run.js';
import { freshPackage, npmCli, requireDist } from '../lib/npm.js';
import { docFiles, docText } from '../lib/docs.js';

const inputs = ['cpu-ebpf.pb', 'memory.pb', 'cpu-pprof.pb'].map((name) => join(fixtures, name));
const scratch = dirname(scratchFile('probe'));
const wasmtimePath = join(root, 'build', 'tools', 'bin', 'wasmtime');
const wasiModule = join(root, 'build', 'wasi', 'ptm.wasm');

/** The documentation's JSON configurations: the ```json blocks of README.md
 * and docs/**\/*.md, and docs/examples/*.json. */
function docConfigs() {
  const blocks = docFiles().flatMap((file) => [...docText(file).matchAll(/```json\n([\s\S]*?)```/g)]
    .map((m, i) => ({ name: `${file} json block ${i + 1}`, config: JSON.parse(m[1]) })));
  assert.ok(blocks.length >= 3, 'the documentation shows JSON configurations');
  const examples = readdirSync(join(root, 'docs', 'examples')).filter((f) => f.endsWith('.json')).sort()
    .map((f) => ({ name: `docs/examples/${f}`, config: JSON.parse(readFileSync(join(root, 'docs', 'examples', f), 'utf8')) }));
  return [...blocks, ...examples];
}

/** The connector's block of a collector configuration, its text as it stands in the file. */
function connectorBlock(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((line) => line === '  profiletometrics:') + 1;
  assert.ok(start > 0 && lines[start - 2] === 'connectors:', `${file}: no connectors.profiletometrics block`);
  let end = start;
  while (end < lines.length && (lines[end].startsWith('    ') || lines[end].trim() === '')) end++;
  return `${lines.slice(start, end).join('\n')}\n`;
}

function write(name, text) {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

function convertEach(run, configPath) {
  return inputs.map((input) => {
    const out = run(['-c', configPath, '-f', 'prom', input]);
    return { code: out.code ?? out.status, stdout: Buffer.from(out.stdout), stderr: String(out.stderr) };
  });
}

const native = (args) => ptm(args);
const wasi = (args) => spawnSync(wasmtimePath, ['run', '--dir', `${fixtures}::${fixtures}`, '--dir', `${scratch}::${scratch}`, wasiModule, ...args], { maxBuffer: 1 << 28 });
const npm = (args) => npmCli(args);

function assertSameConversions(jsonPath, yamlPath, label, hosts = { native, wasi, npm }) {
  for (const [host, run] of Object.entries(hosts)) {
    const expected = convertEach(run, jsonPath);
    const actual = convertEach(run, yamlPath);
    assert.ok(expected.some((e) => e.stdout.length > 0), `${label}, ${host}: no input gives output`);
    expected.forEach((e, i) => {
      assert.equal(e.code, 0, `${label}, ${host}, JSON: ${e.stderr}`);
      assert.equal(actual[i].code, 0, `${label}, ${host}, YAML: ${actual[i].stderr}`);
      assert.ok(actual[i].stdout.equals(e.stdout), `${label}, ${host}, ${inputs[i]}: the YAML converts differently`);
    });
  }
}

test('every configuration of the README and docs/ converts alike from JSON and from YAML (block and flow), native, WASI and npx', () => {
  requireDist();
  const configs = docConfigs();
  assert.ok(configs.length >= 5, `configurations found: ${configs.length}`);
  configs.forEach(({ name, config }, i) => {
    const jsonPath = write(`yaml-twin-${i}.json`, JSON.stringify(config));
    const block = yaml.dump(config);
    const flow = yaml.dump(config, { flowLevel: 1 });
    assert.notEqual(block.trimStart()[0], '{', 'the block YAML is not JSON');
    assertSameConversions(jsonPath, write(`yaml-twin-${i}.yaml`, `# ${name}\n${block}`), `${name} (block)`);
    assertSameConversions(jsonPath, write(`yaml-twin-${i}-flow.yml`, flow), `${name} (flow)`, { native, npm });
  });
});

test('the collector connector\'s block, pasted as is, converts as its JSON twin', () => {
  let blocks = 0;
  for (const file of readdirSync(join(root, 'docs', 'examples')).filter((f) => f.endsWith('.yaml') && /^ {2}profiletometrics:$/m.test(readFileSync(join(root, 'docs', 'examples', f), 'utf8')))) {
    const block = connectorBlock(join(root, 'docs', 'examples', file));
    assert.match(block, /^ {4}engine: /m, `${file}: the block keeps the connector's own engine key`);
    const { engine, module_path: modulePath, flush_interval: flushInterval, ...core } = yaml.load(block);
    assert.equal(modulePath, undefined);
    assert.ok(engine !== undefined && Object.keys(core).length > 0);
    const jsonPath = write(`connector-${file}.json`, JSON.stringify(core));
    assertSameConversions(jsonPath, write(`connector-${file}`, block), file);
    blocks++;
  }
  assert.ok(blocks >= 1, 'docs/examples holds a collector configuration with the connector');
});

test('YAML mistakes: one line naming where, exit 2, nothing on stdout', () => {
  const cases = [
    ['metrics:\n  cpu: {enabled: true\n', /^ptm: config line 3, column 1: .+$/],
    ['a: 1\na: 2\n', /^ptm: config line 2: duplicate key "a"$/],
    ['base: &b {x: 1}\nother: *b\n', /^ptm: config line 1: YAML aliases are not supported$/],
    // A merge key is named as one, with or without an alias after it
    // (issue 28, row 10): the anchor an alias needs is refused first.
    ['metrics:\n  cpu:\n    <<: {enabled: true}\n', /^ptm: config line 3: a YAML merge key \(<<\) is not supported: write the keys it would merge in the mapping itself$/],
    ['metrics:\n  <<:\n    - {cpu: {enabled: true}}\n', /^ptm: config line 2: a YAML merge key \(<<\) is not supported: write the keys it would merge in the mapping itself$/],
    ['- 1\n- 2\n', /^ptm: config line 1: the configuration must be a mapping, not a sequence$/],
    ['temporality: delta\nmetrics:\n  cpu:\n    enabld: true\n', /^ptm: config: metrics\.cpu\.enabld: unknown key$/],
  ];
  for (const [text, message] of cases) {
    const path = write('bad-config.yaml', text);
    const run = ptm(['-c', path, '-f', 'prom', inputs[0]]);
    assert.equal(run.code, 2, text);
    assert.equal(run.stdout.length, 0);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], message);
    const command = wasi(['-c', path, '-f', 'prom', inputs[0]]);
    assert.equal(command.status, 2, `WASI: ${text}`);
    assert.equal(command.stderr.toString().trimEnd(), lines[0], `WASI: ${text}`);
    const npx = npm(['-c', path, '-f', 'prom', inputs[0]]);
    assert.equal(npx.code, 2, `npm CLI: ${text}`);
    assert.equal(npx.stdout.length, 0, `npm CLI: ${text}`);
    assert.equal(npx.stderr, run.stderr, `npm CLI: ${text}`);
  }
});

test('npx profiletometrics reads a YAML config as ptm does; the npm API\'s default variant says so when given YAML, its full variant reads it (issue 29)', async () => {
  // Before: the npm CLI was the API's, and refused YAML with the API's message.
  requireDist();
  const path = write('npm-config.yaml', 'temporality: cumulative  # as the connector writes it\nmetrics:\n  function: {top_n: 2}\n');
  const args = ['-c', path, '-f', 'prom', '--stats', inputs[0]];
  const expected = ptm(args);
  assert.equal(expected.code, 0, expected.stderr);
  assert.match(expected.stdout.toString(), /^# TYPE profile_cpu_time_seconds_total counter$/m);
  const run = npmCli(args);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.equals(expected.stdout), 'the native bytes');
  assert.equal(run.stderr, expected.stderr, 'the native --stats line');
  const { init, createConverter } = await freshPackage();
  await init();
  assert.throws(() => createConverter(readFileSync(path)), (error) => error.code === 'config' &&
    error.message === "config: a YAML configuration needs the full variant: init({ variant: 'full' }), or give JSON");
  const full = await freshPackage();
  await full.init({ variant: 'full' });
  const converter = full.createConverter(readFileSync(path));
  assert.ok(Buffer.from(converter.convert(readFileSync(inputs[0]), { format: 'prom', bytes: true }).output).equals(expected.stdout),
    'the full variant reads it as ptm does');
  converter.close();
});
