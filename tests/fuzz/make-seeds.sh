#!/usr/bin/env bash
# make-seeds.sh TARGET DIR: writes the seed corpus of one fuzz target into DIR
# (emptied first).
#   protobuf: tests/fixtures/*.pb, tests/fuzz/request.pb (also gzipped,
#             zstd-compressed and length-prefixed), the protobuf cases of
#             tests/regression/, and the shared real eBPF capture when present;
#   json:     tests/fixtures/*.json and *.jsonl, the JSON cases of
#             tests/regression/, the shared capture's JSON twin and the first
#             lines of the shared JSON Lines file when present;
#   pprof:    the synthetic profiles of tests/fuzz/make-pprof-seeds.mjs, the
#             .pprof cases of tests/regression/, and every profile of the
#             shared ../shared/fixtures/pprof when present (gunzipped first
#             when gzipped: the converter reads uncompressed pprof);
#             (protobuf, json and pprof: each input behind the first byte
#             that fuzz_common.h reads, for every format with configuration 0
#             and once for each other configuration: bytes 0 1 2 3 7 11)
#   config:   tests/fuzz/configs/*.json and tests/regression/config/*;
#   elf:      the small hand-made ELF files of tests/fuzz/elf-seeds/*.hex (hex
#             text, so that the repo holds no binary seed: the files of
#             tests/unit/test_elf_symbols.c's builder, both classes and byte
#             orders, .symtab/.dynsym, build-ID notes, a debuglink; remade by
#             `build/native/test_elf_symbols . --write-seeds DIR` then
#             `od -An -v -tx1 F | tr -d ' \n' | fold -w 64`), and the
#             ELF files of the shared ../shared/fixtures/otlp-live/bin up to
#             64 KiB when present (the fuzz input is the whole file).
# The shared fixtures are read in place, never copied into the repo.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
shared="$root/../shared/fixtures/otlp-real"
shared_pprof="$root/../shared/fixtures/pprof"

is_json() { # first byte other than white space is '{'
  local first
  first=$(tr -d ' \t\r\n' < "$1" | head -c 1)
  [ "$first" = "{" ]
}

prefixed() { # INPUT: one seed per first byte
  local input=$1 name
  name=$(basename "$input")
  for byte in 0 1 2 3 7 11; do
    { printf "\\x$(printf %02x "$byte")"; cat "$input"; } > "$out/$name.$byte"
  done
}

case "$target" in
  protobuf)
    inputs=("$root"/tests/fixtures/*.pb "$root"/tests/fuzz/request.pb)
    for file in "$root"/tests/regression/*; do
      [ -f "$file" ] && [ "${file%.pprof}" = "$file" ] && ! is_json "$file" && inputs+=("$file")
    done
    [ -f "$shared/ebpf-oncpu-offcpu.pb" ] && inputs+=("$shared/ebpf-oncpu-offcpu.pb")
    for input in "${inputs[@]}"; do prefixed "$input"; done
    # compressed and length-prefixed (src/input/decompress.c, src/input/length_prefixed.c)
    request="$root/tests/fuzz/request.pb"
    size=$(wc -c < "$request")
    gzip -9 -n -c "$request" > "$out/request.pb.gz"
    zstd -q -c "$request" > "$out/request.pb.zst"
    { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((size >> 24 & 255)) $((size >> 16 & 255)) \
        $((size >> 8 & 255)) $((size & 255)))"; cat "$request"; } > "$out/request.pb.framed"
    for form in gz zst framed; do
      prefixed "$out/request.pb.$form"
      rm "$out/request.pb.$form"
    done
    ;;
  json)
    inputs=("$root"/tests/fixtures/*.json "$root"/tests/fixtures/*.jsonl)
    for file in "$root"/tests/regression/*; do
      [ -f "$file" ] && is_json "$file" && inputs+=("$file")
    done
    [ -f "$shared/ebpf-oncpu-offcpu.json" ] && inputs+=("$shared/ebpf-oncpu-offcpu.json")
    for input in "${inputs[@]}"; do prefixed "$input"; done
    if [ -f "$shared/ebpf-oncpu-189-requests.jsonl" ]; then
      head -n 3 "$shared/ebpf-oncpu-189-requests.jsonl" > "$out/shared-3-requests.jsonl"
      prefixed "$out/shared-3-requests.jsonl"
      rm "$out/shared-3-requests.jsonl"
    fi
    ;;
  pprof)
    scratch="$out/.scratch"
    node "$root/tests/fuzz/make-pprof-seeds.mjs" "$scratch"
    for file in "$root"/tests/regression/*.pprof; do
      [ -f "$file" ] && cp "$file" "$scratch/regression-$(basename "$file")"
    done
    for file in "$shared_pprof"/*; do
      [ -f "$file" ] || continue
      if [ "$(head -c 2 "$file" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
        gzip -dc "$file" > "$scratch/shared-$(basename "$file" .gz)"
      else
        cp "$file" "$scratch/shared-$(basename "$file")"
      fi
    done
    for input in "$scratch"/*; do prefixed "$input"; done
    rm -rf "$scratch"
    ;;
  config)
    cp "$root"/tests/fuzz/configs/* "$out/"
    if [ -d "$root/tests/regression/config" ]; then
      for file in "$root"/tests/regression/config/*; do
        [ -f "$file" ] && cp "$file" "$out/regression-$(basename "$file")"
      done
    fi
    ;;
  elf)
    for file in "$root"/tests/fuzz/elf-seeds/*.hex; do
      # shellcheck disable=SC2059
      printf "$(tr -d ' \n' < "$file" | sed 's/../\\x&/g')" > "$out/$(basename "$file" .hex).elf"
    done
    shared_bin="$root/../shared/fixtures/otlp-live/bin"
    for file in "$shared_bin"/* "$shared_bin"/debug/.build-id/*/*.debug; do
      [ -f "$file" ] && [ "$(head -c 4 "$file" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || continue
      if [ "$(wc -c < "$file")" -le 65536 ]; then
        cat "$file" > "$out/shared-$(basename "$file")"
      fi
    done
    ;;
  *)
    echo "usage: make-seeds.sh protobuf|json|pprof|config|elf DIR" >&2
    exit 2
    ;;
esac
