// licenses.test.js: LICENSE is the licence the package metadata names, and
// THIRD_PARTY_NOTICES holds, verbatim, the licence of every library whose
// sources CMakeLists.txt builds into what ships (found from CMakeLists.txt
// and the unpacked sources, not from tools/notices.sh's list), and is what
// tools/notices.sh writes today; both sit beside every wasm module and in
// the collector connector's module. (The npm tarball's copies:
// npm.test.js; make install's: install.test.js.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/run.js';

const read = (...parts) => readFileSync(join(root, ...parts), 'utf8');
const notices = read('THIRD_PARTY_NOTICES');

test('LICENSE is the Apache License 2.0 that js/package.json names', () => {
  assert.equal(JSON.parse(read('js', 'package.json')).license, 'Apache-2.0');
  const license = read('LICENSE');
  assert.match(license, /^\s*Apache License\s+Version 2\.0, January 2004/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
});

test('THIRD_PARTY_NOTICES holds the licence file of every library CMakeLists.txt builds, verbatim', () => {
  const cmake = read('CMakeLists.txt');
  const dirs = [...new Set([...cmake.matchAll(/\$\{PTM_DEPS_DIR\}\/([A-Za-z0-9_-]+)/g)].map((m) => m[1]))];
  assert.ok(dirs.length >= 5, `bundled libraries found in CMakeLists.txt: ${dirs}`);
  for (const dir of dirs) {
    const base = join(root, 'build', 'deps', 'src', dir);
    // LICENSE or LICENCE (zstd's COPYING is the GPL it is not used under).
    const licenceFiles = readdirSync(base).filter((f) => /^LICEN[CS]E(\.txt|\.md)?$/i.test(f));
    assert.ok(licenceFiles.length > 0, `${dir}: no licence file in ${base}`);
    for (const file of licenceFiles) {
      assert.ok(notices.includes(readFileSync(join(base, file), 'utf8')), `${dir}/${file} is not in THIRD_PARTY_NOTICES`);
    }
  }
});

test('THIRD_PARTY_NOTICES names each pinned source package at its pinned version, and the wasm runtime libraries', () => {
  const setup = read('tools', 'setup.sh');
  const pins = [...setup.matchAll(/^ {2}"([a-z0-9]+) +(\S+) +\S+\.orig\.tar\.\S+ [0-9a-f]{64}"$/gm)];
  assert.ok(pins.length >= 5, 'pinned source packages found in tools/setup.sh');
  for (const [, name, version] of pins) {
    assert.ok(notices.includes(` ${version}\nLicence: `), `${name} ${version}: no section at that version`);
  }
  for (const doc of ['/usr/share/doc/wasi-libc/copyright', '/usr/share/doc/libclang-rt-16-dev-wasm32/copyright']) {
    assert.ok(notices.includes(readFileSync(doc, 'utf8')), `${doc} is not in THIRD_PARTY_NOTICES`);
  }
});

test('THIRD_PARTY_NOTICES is what tools/notices.sh writes (run it again after a pin changes)', () => {
  assert.equal(execFileSync(join(root, 'tools', 'notices.sh'), { encoding: 'utf8' }), notices);
});

test('the licence and the notices sit beside the wasm modules and in the collector connector module', () => {
  for (const dir of [['build', 'wasm'], ['build', 'wasi'], ['wasm', 'collector']]) {
    for (const name of ['LICENSE', 'THIRD_PARTY_NOTICES']) {
      assert.equal(read(...dir, name), read(name), `${join(...dir, name)}`);
    }
  }
});
