#!/usr/bin/env bash
# make-seeds.sh DIR: writes the fuzz seed corpus into DIR: every fixture of
# tests/fixtures (and the shared real captures when present) once per output
# format, prefixed with the format byte that fuzz_convert.c reads first.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
mkdir -p "$out"
inputs=("$root"/tests/fixtures/*)
shared="$root/../shared/fixtures/otlp-real"
[ -d "$shared" ] && inputs+=("$shared/ebpf-oncpu-offcpu.pb")
for input in "${inputs[@]}"; do
  name=$(basename "$input")
  for format in 0 1 2; do
    { printf "\\x0$format"; cat "$input"; } > "$out/$name.$format"
  done
done
