#!/usr/bin/env bash
# run.sh [--smoke] [SECONDS]: builds the libFuzzer targets (build/fuzz, clang-16,
# ASan + UBSan) and runs each from its seeds, printing libFuzzer's final stats.
#
#   tests/fuzz/run.sh 60     each target for 60 s, one after the other, with
#                            its corpus kept in build/fuzz/corpus/TARGET
#                            (what `make fuzz` runs, FUZZ_SECONDS)
#   tests/fuzz/run.sh --smoke [SECONDS]
#                            every target at once for SECONDS (default 8) from
#                            the seeds only, into a scratch corpus (what
#                            `make fuzz-smoke` and tests/robustness/fuzz-smoke.test.js run)
#
# Exits 1 when a target crashed, leaked, timed out (-timeout=25 per input) or
# ran out of memory; the input is saved as build/fuzz/crashes/TARGET-crash-*
# (or -leak-, -timeout-, -oom-). See the top of the Makefile's fuzz section
# for turning it into a regression case.
# Extra libFuzzer flags: FUZZ_FLAGS="-jobs=..." tests/fuzz/run.sh 60
# Some targets only: FUZZ_TARGETS="pprof json" tests/fuzz/run.sh 300
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
smoke=0
if [ "${1:-}" = "--smoke" ]; then
  smoke=1
  shift
fi
seconds=${1:-$([ $smoke = 1 ] && echo 8 || echo 60)}
build=build/fuzz
targets=(protobuf json pprof config elf)
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<< "$FUZZ_TARGETS"
fi

cmake -S . -B $build -DPTM_FUZZ=ON -DPTM_TESTS=OFF -DCMAKE_C_COMPILER=clang-16 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
cmake --build $build -j "$(nproc)" --target fuzz_targets >/dev/null || {
  cmake --build $build -j 1 --target fuzz_targets 2>&1 | grep -E 'error|Error' | head -20
  exit 2
}
mkdir -p $build/crashes $build/logs

run_target() { # TARGET CORPUS_DIR
  local target=$1 corpus=$2 max_len=() dict=()
  [ "$target" = config ] && max_len=(-max_len=4096)
  [ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
  tests/fuzz/make-seeds.sh "$target" "$build/seeds/$target" || return 2
  mkdir -p "$corpus"
  # shellcheck disable=SC2086
  "$build/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 \
    -rss_limit_mb=2048 -artifact_prefix="$build/crashes/$target-" "${max_len[@]}" "${dict[@]}" \
    ${FUZZ_FLAGS:-} "$corpus" "$build/seeds/$target" > "$build/logs/$target.log" 2>&1
}

report() { # TARGET CODE
  local target=$1 code=$2 log=$build/logs/$1.log
  if [ "$code" = 0 ]; then
    echo "== fuzz_$target: ok"
  else
    echo "== fuzz_$target: FAILED (exit $code); whole log: $log"
    # The check or sanitizer report and the frames of the project's code.
    grep -E '^(fuzz: |==[0-9]+==|.*runtime error|ALARM|SUMMARY)|^ +#[0-9]+ .* in .*(/src/|/tests/fuzz/|/deps/)' "$log" \
      | grep -v -E 'LLVMFuzzerTestOneInput|fuzzer::' | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in /    in /' | uniq | head -30
    grep -E 'Test unit written|^Base64:' "$log" | sort -u
  fi
  grep -E '^(#[0-9]+\s+DONE|Done [0-9]+ runs|stat::)' "$log"
}

failed=0
if [ $smoke = 1 ]; then
  declare -A pids
  for target in "${targets[@]}"; do
    rm -rf "$build/smoke-corpus/$target"
    run_target "$target" "$build/smoke-corpus/$target" &
    pids[$target]=$!
  done
  for target in "${targets[@]}"; do
    wait "${pids[$target]}"
    code=$?
    report "$target" $code
    [ $code = 0 ] || failed=1
  done
else
  for target in "${targets[@]}"; do
    run_target "$target" "$build/corpus/$target"
    code=$?
    report "$target" $code
    [ $code = 0 ] || failed=1
  done
fi
exit $failed
