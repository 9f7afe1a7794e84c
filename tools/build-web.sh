#!/usr/bin/env bash
# build-web.sh: lays out the profile inspector (web/) as a static site in
# build/web/: the page's own files, the npm package's module (js/dist's
# index.js and ptm.wasm, under pkg/) and the sample the page offers
# (tests/fixtures/cpu-ebpf.pb as sample.pb). Any static server can serve
# the folder; `make web` does (tools/serve-web.mjs).
#
# Usage: tools/build-web.sh    (part of `make build`, after tools/build-js.sh)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/web"
for f in "$root/js/dist/index.js" "$root/js/dist/ptm.wasm"; do
  [ -f "$f" ] || { echo "build-web: $f is missing (tools/build-js.sh first)" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out/pkg"
cp "$root"/web/*.html "$root"/web/*.js "$root"/web/*.css "$out/"
cp "$root/js/dist/index.js" "$root/js/dist/ptm.wasm" "$out/pkg/"
cp "$root/tests/fixtures/cpu-ebpf.pb" "$out/sample.pb"
