#!/usr/bin/env bash
# build-js.sh: lays out the npm package profiletometrics: copies js/src/*
# and the reactor module build/wasm/ptm.wasm into js/dist/ (build output,
# ignored by git), LICENSE and THIRD_PARTY_NOTICES into js/. Checks that js/package.json carries the core's version.
#
# Usage: tools/build-js.sh    (the last step of `make build`)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
wasm="$root/build/wasm/ptm.wasm"
dist="$root/js/dist"

[ -f "$wasm" ] || { echo "build-js: $wasm is missing (make build first)" >&2; exit 1; }

core=$(sed -n 's/^#define PTM_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/ptm.h")
package=$(node -p 'require(process.argv[1]).version' "$root/js/package.json")
[ "$core" = "$package" ] || { echo "build-js: js/package.json is $package, include/ptm.h is $core" >&2; exit 1; }

rm -rf "$dist"
mkdir -p "$dist"
cp "$root"/js/src/* "$wasm" "$dist/"
# The licence and the bundled libraries' notices, at the package's root
# (ignored by git there; npm ships LICENSE by name, the notices by "files").
cp "$root/LICENSE" "$root/THIRD_PARTY_NOTICES" "$root/js/"
chmod +x "$dist/cli.js"
