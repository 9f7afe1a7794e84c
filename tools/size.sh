#!/usr/bin/env bash
# size.sh: prints the raw and gzip -9 sizes of the four WebAssembly modules
# (the WASI command, the reactor's two variants, the Envoy filter), and fails
# (exit 1) when the default reactor build/wasm/ptm.wasm is over its budget:
# 380 KB raw or 150 KB gzipped (KB = 1000 bytes). The budget is the default
# variant's only: the full one, build/wasm/ptm-full.wasm (zstd and YAML too,
# init({ variant: 'full' })), is reported, not bounded. Exit 2 when a module is
# missing (run `make build`). gzip runs with -n (no name or time in the
# header), so the figure depends on the module's bytes only.
#
# Usage: tools/size.sh          (make size)
#        PTM_SIZE_RAW_LIMIT=N PTM_SIZE_GZIP_LIMIT=N tools/size.sh   (other limits)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
reactor_raw_limit=${PTM_SIZE_RAW_LIMIT:-380000}
reactor_gzip_limit=${PTM_SIZE_GZIP_LIMIT:-150000}

raw_size() { wc -c <"$1" | tr -d ' '; }
gzip_size() { gzip -9 -n -c "$1" | wc -c | tr -d ' '; }

# One line per module: path, raw bytes, gzip -9 bytes.
report() {
  local path=$1
  [ -f "$root/$path" ] || { echo "size: $path is missing (make build)" >&2; exit 2; }
  printf '%-34s %8d bytes raw %8d bytes gzip -9\n' "$path" "$(raw_size "$root/$path")" "$(gzip_size "$root/$path")"
}

report build/wasi/ptm.wasm
report build/wasm/ptm.wasm
report build/wasm/ptm-full.wasm
report build/wasm/ptm-proxywasm.wasm

raw=$(raw_size "$root/build/wasm/ptm.wasm")
gz=$(gzip_size "$root/build/wasm/ptm.wasm")
status=0
if [ "$raw" -gt "$reactor_raw_limit" ]; then
  echo "size: build/wasm/ptm.wasm is $raw bytes raw, over the $reactor_raw_limit limit" >&2
  status=1
fi
if [ "$gz" -gt "$reactor_gzip_limit" ]; then
  echo "size: build/wasm/ptm.wasm is $gz bytes gzipped, over the $reactor_gzip_limit limit" >&2
  status=1
fi
[ "$status" = 0 ] && echo "reactor within budget: raw <= $reactor_raw_limit, gzip -9 <= $reactor_gzip_limit"
exit "$status"
