#!/usr/bin/env bash
# setup.sh: installs everything the build and the tests need on a fresh
# Debian 12 machine, and does nothing when it has already run.
#
# - Debian packages: clang/lld/llvm 16 (libFuzzer, sanitizers, wasm32),
#   wasi-libc and clang's wasm32 runtime, valgrind (tests/robustness/valgrind.test.js).
#   help2man (make install's man page), pkgconf and binutils (tests/build/install.test.js),
#   debuginfod (elfutils' server: the symbolization tests of the collector
#   connector and tests/semantics/symbolize.test.js).
# - C sources from Debian's source packages, pinned by version and sha256:
#   PCRE2, cJSON (with Debian's security patches applied),
#   zlib (its inflate code is built), zstd (its decompressor is built) and
#   libyaml (its parser, for the CLI's YAML configuration).
#   They are unpacked under build/deps/src, outside git. Debian's patches of
#   zlib and libzstd touch only minizip, the CLIs, the tests and the
#   compressor, none of the sources built here, and libyaml's packaging
#   (0.2.5-1) has no patches, so only the .orig tarballs are fetched.
# - The gzip and zstd CLIs, which the tests compress fixtures with.
#
# Usage: tools/setup.sh            (called by every make target that builds)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/build/deps"
stamp="$deps/.setup-done-10"

[ -f "$stamp" ] && exit 0
say() { printf 'setup: %s\n' "$*" >&2; }

packages=(clang-16 lld-16 llvm-16 libclang-rt-16-dev
          wasi-libc libclang-rt-16-dev-wasm32
          valgrind ca-certificates xz-utils bzip2 dpkg-dev patch gzip zstd
          help2man pkgconf binutils debuginfod)

# Pinned source packages: name, version, file, sha256.
sources=(
  "pcre2  10.42-1+deb12u2 pcre2_10.42.orig.tar.gz c33b418e3b936ee3153de2c61cc638e7e4fe3156022a5c77d0711bcbb9d64f1f"
  "cjson  1.7.15-1+deb12u4 cjson_1.7.15.orig.tar.gz 5308fd4bd90cef7aa060558514de6a1a4a0819974a26e6ed13973c5f624c24b2"
  "cjson  1.7.15-1+deb12u4 cjson_1.7.15-1+deb12u4.debian.tar.xz afd19a970966cf534ff1e9ec077d710a5e7e78eb4ec9b499c8bdc32e55da12cb"
  "zlib    1:1.2.13.dfsg-1 zlib_1.2.13.dfsg.orig.tar.bz2 71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1"
  "libzstd 1.5.4+dfsg2-5  libzstd_1.5.4+dfsg2.orig.tar.xz 8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953"
  "libyaml 0.2.5-1        libyaml_0.2.5.orig.tar.gz fa240dbf262be053f3898006d502d514936c818e422afdcf33921c63bed9bf2e"
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# deb-src lines for Debian's source packages, next to the machine's own list.
src_list=/etc/apt/sources.list.d/profiletometrics-deb-src.sources
need_update=0
if [ ! -f "$src_list" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  say "enabling deb-src in $src_list"
  sed 's/^Types: .*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | as_root tee "$src_list" >/dev/null
  need_update=1
fi
if [ ${#missing[@]} -gt 0 ] || [ "$need_update" = 1 ]; then
  say "apt-get update"
  as_root apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$deps/download" "$deps/src"
cd "$deps/download"
for entry in "${sources[@]}"; do
  read -r name version file sum <<<"$entry"
  if [ ! -f "$file" ]; then
    say "fetching source package $name=$version"
    # The security suite's .dsc may be missing; the tarballs are all we need.
    apt-get source --download-only "$name=$version" >/dev/null 2>&1 || true
  fi
  [ -f "$file" ] || { say "could not download $file ($name=$version)"; exit 1; }
  echo "$sum  $file" | sha256sum -c --quiet - || { say "sha256 mismatch for $file"; exit 1; }
done

cd "$deps/src"
rm -rf pcre2 cjson zlib zstd libyaml
tar xzf ../download/pcre2_10.42.orig.tar.gz && mv pcre2-10.42 pcre2
tar xzf ../download/cjson_1.7.15.orig.tar.gz && mv cJSON-1.7.15 cjson
tar xjf ../download/zlib_1.2.13.dfsg.orig.tar.bz2 && mv zlib-1.2.13.dfsg zlib
tar xJf ../download/libzstd_1.5.4+dfsg2.orig.tar.xz && mv zstd-1.5.4 zstd
tar xzf ../download/libyaml_0.2.5.orig.tar.gz && mv libyaml-0.2.5 libyaml
tar xJf ../download/cjson_1.7.15-1+deb12u4.debian.tar.xz -C cjson
while read -r patch; do
  [ -n "$patch" ] && patch -s -p1 -d cjson < "cjson/debian/patches/$patch"
done < cjson/debian/patches/series

# PCRE2 is compiled from its sources directly; these are its documented
# generic configuration files.
cp pcre2/src/config.h.generic pcre2/src/config.h
cp pcre2/src/pcre2.h.generic pcre2/src/pcre2.h
cp pcre2/src/pcre2_chartables.c.dist pcre2/src/pcre2_chartables.c

"$root/tools/setup-wasm-hosts.sh"
"$root/tools/setup-browser.sh"
touch "$stamp"
say "done"
