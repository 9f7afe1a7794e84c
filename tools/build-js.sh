#!/usr/bin/env bash
# build-js.sh: lays out the npm package profiletometrics: copies js/src/*,
# the reactor's two variants build/wasm/ptm.wasm and ptm-full.wasm (the
# API's: init() and init({ variant: 'full' })) and the WASI command
# build/wasi/ptm.wasm as ptm-wasi.wasm (the CLI's) into js/dist/ (build output,
# ignored by git), LICENSE and THIRD_PARTY_NOTICES into js/; sets
# js/package.json's version to CMakeLists.txt's project version.
#
# Usage: tools/build-js.sh    (the last step of `make build`)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
wasm="$root/build/wasm/ptm.wasm"
full="$root/build/wasm/ptm-full.wasm"
command="$root/build/wasi/ptm.wasm"
dist="$root/js/dist"

for module in "$wasm" "$full" "$command"; do
  [ -f "$module" ] || { echo "build-js: $module is missing (make build first)" >&2; exit 1; }
done

# The version is CMakeLists.txt's project version; js/package.json follows it.
core=$(sed -n 's/^project(profiletometrics VERSION \([0-9.]*\) .*/\1/p' "$root/CMakeLists.txt")
[ -n "$core" ] || { echo "build-js: no project version in CMakeLists.txt" >&2; exit 1; }
package=$(node -p 'require(process.argv[1]).version' "$root/js/package.json")
if [ "$core" != "$package" ]; then
  echo "build-js: js/package.json version $package -> $core (CMakeLists.txt's)" >&2
  (cd "$root/js" && npm pkg set "version=$core")
fi

rm -rf "$dist"
mkdir -p "$dist"
cp "$root"/js/src/* "$wasm" "$full" "$dist/"
cp "$command" "$dist/ptm-wasi.wasm"
# The licence and the bundled libraries' notices, at the package's root
# (ignored by git there; npm ships LICENSE by name, the notices by "files").
cp "$root/LICENSE" "$root/THIRD_PARTY_NOTICES" "$root/js/"
chmod +x "$dist/cli.js"
