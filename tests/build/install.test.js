// install.test.js: `make install` (PREFIX, DESTDIR) and `make uninstall`.
// Into a temporary prefix: the files cmake/install.cmake lists; the shared
// library exports exactly the static library's ptm_* symbols and carries
// the major version in its soname; a C program (tests/install/convert.c)
// built with `pkg-config --cflags --libs profiletometrics` (shared) and
// `--static`, and one built by CMake with find_package (shared and static),
// each convert a fixture to the bytes the installed ptm writes; the man
// page and the licences are there; uninstall leaves nothing. Staged with
// DESTDIR, the same files land under DESTDIR/PREFIX.
//
// make runs with -o build: the build is make test's own step, and its
// js/dist rebuild must not race the other test files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fixtures, projectVersion as version, ptm, root } from '../lib/run.js';

const major = version.split('.')[0];
const input = join(fixtures, 'cpu-ebpf.pb');

function make(args, env = {}) {
  const run = spawnSync('make', ['-s', '-o', 'build', ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(run.status, 0, `make ${args.join(' ')}: ${run.stderr}`);
  return run;
}

/** Every file and link under dir, relative, sorted. */
function listTree(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

const expectedFiles = [
  'bin/ptm',
  'include/ptm.h',
  'lib/cmake/profiletometrics/profiletometricsConfig.cmake',
  'lib/cmake/profiletometrics/profiletometricsConfigVersion.cmake',
  'lib/libprofiletometrics.a',
  'lib/libprofiletometrics.so',
  `lib/libprofiletometrics.so.${major}`,
  `lib/libprofiletometrics.so.${version}`,
  'lib/pkgconfig/profiletometrics.pc',
  'share/doc/profiletometrics/CHANGELOG.md',
  'share/doc/profiletometrics/LICENSE',
  'share/doc/profiletometrics/README.md',
  'share/doc/profiletometrics/THIRD_PARTY_NOTICES',
  'share/man/man1/ptm.1',
  // docs/ as a whole: the reference the README links to.
  ...listTree(join(root, 'docs')).map((f) => `share/doc/profiletometrics/docs/${f}`),
].sort();

const definedSymbols = (args) => execFileSync('nm', args, { encoding: 'utf8' }).split('\n')
  .map((line) => line.trim().split(/\s+/)).filter((f) => f.length === 3 && /^[A-Z]$/.test(f[1]) && f[1] !== 'U').map((f) => f[2]).sort();

test('make install into a prefix: the files, the libraries, pkg-config and find_package consumers, then uninstall', (t) => {
  const work = mkdtempSync(join(tmpdir(), 'ptm-install-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const prefix = join(work, 'usr');
  make(['install', `PREFIX=${prefix}`]);
  assert.deepEqual(listTree(prefix), expectedFiles);

  const lib = join(prefix, 'lib');
  const shared = definedSymbols(['-D', '--defined-only', join(lib, `libprofiletometrics.so.${version}`)]);
  const statics = definedSymbols(['-g', '--defined-only', join(lib, 'libprofiletometrics.a')]);
  assert.ok(shared.length >= 15 && shared.every((s) => s.startsWith('ptm_')), `shared exports: ${shared}`);
  assert.deepEqual(shared, statics, 'the shared and the static library export the same ptm_* symbols');
  const dynamic = execFileSync('readelf', ['-d', join(lib, `libprofiletometrics.so.${version}`)], { encoding: 'utf8' });
  assert.match(dynamic, new RegExp(`SONAME.*\\[libprofiletometrics\\.so\\.${major}\\]`));

  const installedPtm = join(prefix, 'bin', 'ptm');
  const expected = execFileSync(installedPtm, ['-f', 'prom', input]);
  assert.ok(expected.length > 0);
  assert.deepEqual(expected, ptm(['-f', 'prom', input]).stdout, 'the installed ptm is the built one');
  assert.equal(execFileSync(installedPtm, ['--version'], { encoding: 'utf8' }), `ptm ${version}\n`);
  assert.match(readFileSync(join(prefix, 'share', 'man', 'man1', 'ptm.1'), 'utf8'), new RegExp(`^\\.TH PTM "1" .*"ptm ${version.replaceAll('.', '\\.')}"`, 'm'));
  for (const name of ['LICENSE', 'THIRD_PARTY_NOTICES']) {
    assert.equal(readFileSync(join(prefix, 'share', 'doc', 'profiletometrics', name), 'utf8'), readFileSync(join(root, name), 'utf8'));
  }

  const pkgEnv = { ...process.env, PKG_CONFIG_PATH: join(lib, 'pkgconfig') };
  const pkgConfig = (...args) => execFileSync('pkg-config', [...args, 'profiletometrics'], { env: pkgEnv, encoding: 'utf8' }).trim().split(/\s+/);
  assert.deepEqual(pkgConfig('--modversion'), [version]);
  const source = join(root, 'tests', 'install', 'convert.c');
  const runs = [];
  const dynamicBin = join(work, 'convert-pkg-config');
  execFileSync('cc', ['-o', dynamicBin, source, ...pkgConfig('--cflags', '--libs')]);
  runs.push([dynamicBin, { LD_LIBRARY_PATH: lib }]);
  const staticBin = join(work, 'convert-pkg-config-static');
  execFileSync('cc', ['-o', staticBin, source, ...pkgConfig('--cflags'), join(lib, 'libprofiletometrics.a'), ...pkgConfig('--static', '--libs-only-l').filter((f) => f !== '-lprofiletometrics')]);
  runs.push([staticBin, {}]);

  const cmakeBuild = join(work, 'cmake-build');
  execFileSync('cmake', ['-S', join(root, 'tests', 'install'), '-B', cmakeBuild, `-DCMAKE_PREFIX_PATH=${prefix}`, `-DPTM_WANT_VERSION=${version}`], { stdio: 'pipe' });
  execFileSync('cmake', ['--build', cmakeBuild], { stdio: 'pipe' });
  runs.push([join(cmakeBuild, 'convert'), {}], [join(cmakeBuild, 'convert_static'), {}]);

  for (const [bin, env] of runs) {
    const run = spawnSync(bin, [input], { env: { ...process.env, ...env } });
    assert.equal(run.status, 0, `${bin}: ${run.stderr}`);
    assert.deepEqual(run.stdout, expected, `${bin} converts as ptm does`);
    assert.equal(run.stderr.toString(), `${version}\n`, `${bin}: ptm_version()`);
  }
  const needed = (bin) => execFileSync('readelf', ['-d', bin], { encoding: 'utf8' }).includes(`[libprofiletometrics.so.${major}]`);
  assert.ok(needed(dynamicBin) && needed(join(cmakeBuild, 'convert')), 'the shared builds load the shared library');
  assert.ok(!needed(staticBin) && !needed(join(cmakeBuild, 'convert_static')), 'the static builds do not');

  make(['uninstall', `PREFIX=${prefix}`]);
  assert.deepEqual(listTree(prefix), [], 'uninstall removes every file install wrote');
});

test('make install DESTDIR=… stages the same files under DESTDIR/PREFIX', (t) => {
  const stage = mkdtempSync(join(tmpdir(), 'ptm-destdir-'));
  t.after(() => rmSync(stage, { recursive: true, force: true }));
  make(['install', 'PREFIX=/opt/profiletometrics', `DESTDIR=${stage}`]);
  assert.deepEqual(listTree(join(stage, 'opt', 'profiletometrics')), expectedFiles);
  assert.deepEqual(listTree(stage).filter((f) => !f.startsWith('opt/profiletometrics/')), [], 'nothing outside DESTDIR/PREFIX');
  assert.ok(statSync(join(stage, 'opt', 'profiletometrics', 'bin', 'ptm')).mode & 0o111, 'ptm is executable');
  make(['uninstall', 'PREFIX=/opt/profiletometrics', `DESTDIR=${stage}`]);
  assert.deepEqual(listTree(stage), []);
});
