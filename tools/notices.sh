#!/usr/bin/env bash
# notices.sh: writes THIRD_PARTY_NOTICES (on stdout) from the licences of
# the libraries bundled into what the project ships: each library's name,
# the Debian version pinned in tools/setup.sh, which artifacts carry it,
# and its licence file verbatim (from the unpacked sources under
# build/deps/src, or for wasi-libc and compiler-rt, which the wasm modules
# link statically, Debian's copyright file of the installed package).
#
# THIRD_PARTY_NOTICES is committed; tests/build/licenses.test.js runs this script
# and fails when the committed file differs, so a pin that changes without
# its notice being written again is caught.
#
# Usage: tools/notices.sh > THIRD_PARTY_NOTICES    (after tools/setup.sh)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/build/deps/src"

# The version tools/setup.sh pins for a source package.
pinned() { sed -n "s/^  \"$1 *\([^ ]*\) .*/\1/p" "$root/tools/setup.sh" | head -n 1; }

section() { # name, version, licence, carried by, licence file
  printf '%s\n' "================================================================================"
  printf '%s %s\n' "$1" "$2"
  printf 'Licence: %s\n' "$3"
  printf 'In: %s\n' "$4"
  printf '%s\n\n' "================================================================================"
  cat "$5"
  printf '\n'
}

all_native="libprofiletometrics (static and shared), ptm, the WASI command (build/wasi/ptm.wasm)"
cat <<EOF
Third-party notices for profiletometrics

profiletometrics itself is licensed under the Apache License 2.0 (LICENSE).
What it ships bundles the code of the libraries below, each under its own
licence, reproduced in full. Where a library is dual-licensed, the licence
named is the one profiletometrics uses it under.

Artifacts: the native library and the ptm command (make install); the WASI
command build/wasi/ptm.wasm; the zero-import module build/wasm/ptm.wasm,
which the npm package profiletometrics and the collector connector embed,
and its full variant build/wasm/ptm-full.wasm (npm); the Envoy filter
build/wasm/ptm-proxywasm.wasm.

EOF
section "PCRE2" "$(pinned pcre2)" "BSD-3-Clause with the PCRE2 binary-like exception" \
  "$all_native, build/wasm/ptm.wasm (npm, collector), ptm-full.wasm (npm), build/wasm/ptm-proxywasm.wasm" "$src/pcre2/LICENCE"
section "cJSON" "$(pinned cjson)" "MIT" \
  "$all_native, build/wasm/ptm.wasm (npm, collector), ptm-full.wasm (npm), build/wasm/ptm-proxywasm.wasm" "$src/cjson/LICENSE"
section "zlib (inflate)" "$(pinned zlib)" "Zlib" \
  "$all_native, build/wasm/ptm.wasm (npm, collector), ptm-full.wasm (npm), build/wasm/ptm-proxywasm.wasm" "$src/zlib/LICENSE"
section "Zstandard (decompressor)" "$(pinned libzstd)" "BSD-3-Clause (zstd is dual-licensed BSD-3-Clause or GPL-2.0)" \
  "$all_native, build/wasm/ptm-full.wasm (npm's full variant), build/wasm/ptm-proxywasm.wasm" "$src/zstd/LICENSE"
section "libyaml (parser)" "$(pinned libyaml)" "MIT" \
  "ptm, the WASI command (build/wasi/ptm.wasm), build/wasm/ptm-full.wasm (npm's full variant): YAML configurations" "$src/libyaml/License"
section "wasi-libc" "(Debian 12 package wasi-libc)" "several permissive licences, per file (Debian's copyright file)" \
  "build/wasi/ptm.wasm, build/wasm/ptm.wasm (npm, collector), ptm-full.wasm (npm), build/wasm/ptm-proxywasm.wasm" \
  /usr/share/doc/wasi-libc/copyright
section "LLVM compiler-rt builtins (wasm32)" "(Debian 12 package libclang-rt-16-dev-wasm32)" \
  "Apache-2.0 WITH LLVM-exception (Debian's copyright file)" \
  "build/wasi/ptm.wasm, build/wasm/ptm.wasm (npm, collector), ptm-full.wasm (npm), build/wasm/ptm-proxywasm.wasm" \
  /usr/share/doc/libclang-rt-16-dev-wasm32/copyright
