// types.test.js: the npm package's TypeScript declarations (js/dist/index.d.ts)
// against TypeScript itself (tests/package.json pins typescript 5.9.3) and
// against the package's JavaScript:
// - a program using every part of the API the way an application does
//   compiles under --strict, resolved through the package's "exports" map as
//   a consumer's project resolves it; lines marked @ts-expect-error (a wrong
//   format, a misspelt option, a result read as the wrong type) must fail,
//   so the declarations are not just permissive;
// - the values index.d.ts declares are exactly those index.js exports, and
//   the members of its Converter and Stats exactly those a real converter
//   and its stats have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../../lib/run.js';
import { distDir, requireDist } from '../../lib/npm.js';

const ts = createRequire(import.meta.url)('typescript');

const program = `
import { init, createConverter, variant, FORMATS, INPUT_FORMATS, RESULTS, STATS, PtmError } from 'profiletometrics';
import type { Converted, Converter, Format, InitOptions, InputFormat, Stats, Variant, WasmSource } from 'profiletometrics';

async function main(wasm: WasmSource): Promise<void> {
  await init(wasm);
  const options: InitOptions = { variant: 'full', source: Promise.resolve(wasm) };
  await init(options);
  await init({ variant: 'full' });
  const loaded: Variant = variant();
  console.log(loaded, createConverter('temporality: cumulative'));
  // @ts-expect-error: not a variant
  const huge: InitOptions = { variant: 'huge' };
  console.log(huge);
  const converter: Converter = createConverter({ process_filter: { exclude_patterns: ['^idle$'] } });
  const input = new Uint8Array([0x0a, 0x00]);
  const otlp: Converted<Uint8Array> = converter.convert(input);
  const json: Converted<string> = converter.convert(input, { format: 'json', input: 'otlp' });
  const promBytes: Converted<Uint8Array> = converter.convert(input, { format: 'prom', bytes: true });
  const total: number = otlp.stats.samples_total + json.stats.samples_kept + promBytes.output.length;
  const warning: string | undefined = json.warning;
  const refused: string[] | undefined = json.refused;
  converter.begin({ size: input.length, input: 'auto' });
  converter.feed(input);
  converter.feed('{"resourceProfiles": []}');
  const finished: Converted<string> = converter.finish({ format: 'prom' });
  const limit: number = converter.maxInputBytes;
  const added: Stats = converter.add(input, { now: 1n }).stats;
  const flushed: Converted<string> = converter.flush({ format: 'prom', now: 2 });
  const flushedBytes: Converted<Uint8Array> = converter.flush();
  console.log(added, flushed, flushedBytes);
  for (const key of STATS) {
    const value: number = finished.stats[key];
    console.log(key, value, total, warning, refused, limit);
  }
  const formats: readonly Format[] = FORMATS;
  const inputs: readonly InputFormat[] = INPUT_FORMATS;
  console.log(formats, inputs, RESULTS[0]);
  try {
    createConverter('{"nope": 1}');
  } catch (error) {
    if (error instanceof PtmError) {
      const code: 'input' | 'config' | 'nomem' | 'limit' | 'argument' | 'memory_limit' | 'unknown' = error.code;
      const stats: Stats | undefined = error.stats;
      console.log(code, stats, error.message);
    }
  }
  converter.reset();
  converter.close();

  // @ts-expect-error: not an output format
  converter.convert(input, { format: 'xml' });
  // @ts-expect-error: not an input format
  converter.convert(input, { input: 'yaml' });
  // @ts-expect-error: OTLP/JSON output is a string unless bytes: true
  const wrong: Converted<Uint8Array> = converter.convert(input, { format: 'json' });
  // @ts-expect-error: stats are read-only names
  const missing: number = otlp.stats.samples_lost;
  // @ts-expect-error: begin takes options, not a size
  converter.begin(5);
  // @ts-expect-error: a flush writes metrics, not folded stacks
  converter.flush({ format: 'folded' });
  console.log(wrong, missing);
}

void main(new URL('file:///ptm.wasm'));
`;

/** A consumer project: node_modules/profiletometrics is the package folder (js/). */
function consumerProject() {
  const dir = mkdtempSync(join(tmpdir(), 'ptm-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(root, 'js'), join(dir, 'node_modules', 'profiletometrics'), 'dir');
  writeFileSync(join(dir, 'main.ts'), program);
  return dir;
}

function compile(dir) {
  const options = {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [], skipLibCheck: false, noUnusedLocals: false,
  };
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
  const host = ts.createCompilerHost(options);
  return ts.createProgram([join(dir, 'main.ts')], options, host);
}

function messages(diagnostics) {
  return diagnostics.map((d) => {
    const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

test('a program using the whole API compiles under --strict through the exports map; wrong uses fail', () => {
  requireDist();
  const dir = consumerProject();
  try {
    const built = compile(dir);
    const diagnostics = ts.getPreEmitDiagnostics(built);
    assert.deepEqual(messages(diagnostics), []);
    const declarations = built.getSourceFiles().map((f) => f.fileName).filter((f) => f.endsWith('index.d.ts'));
    assert.equal(declarations.length, 1, `resolved declarations: ${declarations}`);
    assert.equal(declarations[0], join(distDir, 'index.d.ts')); // the symlinked package, resolved
    // Each @ts-expect-error line must be needed: drop the markers and count the errors they hid.
    const unmarked = program.replaceAll('// @ts-expect-error', '//');
    writeFileSync(join(dir, 'main.ts'), unmarked);
    const errors = ts.getPreEmitDiagnostics(compile(dir));
    assert.equal(errors.length, (program.match(/@ts-expect-error/g) ?? []).length, messages(errors).join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('index.d.ts declares exactly the values index.js exports, and the members of a real converter and its stats', async () => {
  requireDist();
  const dir = consumerProject();
  try {
    const built = compile(dir);
    const checker = built.getTypeChecker();
    const file = built.getSourceFiles().find((f) => f.fileName.endsWith('index.d.ts'));
    const moduleSymbol = checker.getSymbolAtLocation(file);
    const exported = checker.getExportsOfModule(moduleSymbol);
    const values = exported.filter((s) => s.flags & ts.SymbolFlags.Value).map((s) => s.name).sort();
    const pkg = await import(pathToFileURL(join(distDir, 'index.js')).href);
    assert.deepEqual(values, Object.keys(pkg).sort());

    const membersOf = (name) => {
      const symbol = exported.find((s) => s.name === name);
      return checker.getDeclaredTypeOfSymbol(symbol).getProperties().map((p) => p.name).sort();
    };
    await pkg.init();
    const converter = pkg.createConverter();
    try {
      const runtime = new Set(Object.keys(converter));
      for (let proto = Object.getPrototypeOf(converter); proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
        for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') runtime.add(name);
      }
      const declared = membersOf('Converter');
      assert.deepEqual(declared.filter((m) => !runtime.has(m)), [], 'declared members the converter lacks');
      const publicRuntime = [...runtime].filter((m) => !m.startsWith('#') && !m.startsWith('_'));
      assert.deepEqual(publicRuntime.filter((m) => !declared.includes(m)).sort(), [], 'converter members not declared');
      const { stats } = converter.convert(new Uint8Array(0));
      assert.deepEqual(membersOf('Stats'), Object.keys(stats).sort());
      assert.deepEqual(membersOf('Stats'), [...pkg.STATS].sort());
    } finally {
      converter.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
