// fuzz-smoke.test.js: a short libFuzzer run of the five fuzz targets
// (tests/fuzz/fuzz_protobuf.c, fuzz_json.c, fuzz_pprof.c, fuzz_config.c, fuzz_elf.c) from their seeds,
// as part of `make test`: tests/fuzz/run.sh --smoke builds them in build/fuzz
// (clang-16, ASan + UBSan + libFuzzer) and runs the five at once for
// FUZZ_SMOKE_SECONDS (8) each; it must exit 0 (no crash, leak, timeout or
// failed check). About 25 s on 2 cores from a clean tree, 12 s after.
// Skipped when clang-16's libFuzzer runtime or the third-party sources
// (tools/setup.sh) are missing. The long runs are `make fuzz`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/run.js';

function libFuzzerMissing() {
  const probe = spawnSync('clang-16', ['-print-file-name=libclang_rt.fuzzer-x86_64.a']);
  if (probe.error || probe.status !== 0) return 'clang-16 is not installed';
  const runtime = probe.stdout.toString().trim();
  if (!runtime.startsWith('/') || !existsSync(runtime)) return "clang-16's libFuzzer runtime is missing";
  if (!existsSync(join(root, 'build', 'deps', 'src', 'pcre2'))) return 'third-party sources missing (tools/setup.sh)';
  return false;
}

const skip = libFuzzerMissing();

test('fuzz smoke run: every target from its seeds, no crash', { skip, timeout: 240_000 }, () => {
  const seconds = process.env.FUZZ_SMOKE_SECONDS ?? '8';
  const started = Date.now();
  const run = spawnSync(join(root, 'tests', 'fuzz', 'run.sh'), ['--smoke', seconds], {
    cwd: root, maxBuffer: 1 << 26, timeout: 230_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.error, undefined, `run.sh: ${run.error}`);
  assert.equal(run.status, 0, `a fuzz target failed (wall ${Date.now() - started} ms):\n${output}`);
  const targets = ['protobuf', 'json', 'pprof', 'config', 'elf'];
  for (const target of targets) {
    assert.match(output, new RegExp(`== fuzz_${target}: ok`), output);
  }
  const runs = [...output.matchAll(/stat::number_of_executed_units: (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(runs.length, targets.length, output);
  for (const count of runs) assert.ok(count > 100, `too few executions: ${output}`);
});
