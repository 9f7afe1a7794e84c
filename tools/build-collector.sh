#!/usr/bin/env bash
# build-collector.sh: builds build/collector/otelcol-ptm, an OpenTelemetry
# Collector with the profiletometrics connector, with the OpenTelemetry
# Collector Builder (go.opentelemetry.io/collector/cmd/builder, the version
# of the collector modules) from wasm/collector/otelcol/manifest.yaml, with
# cgo: the connector has both engines, native (build/native/
# libprofiletometrics.a, linked; engine auto takes it) and wasm (the
# embedded module). Go's module and build caches stay outside the repo;
# about 10 minutes on 2 cores the first time.
#
# The builder's own `go mod tidy` fails here: the module proxy refuses a
# test-only dependency of the contrib modules (otlpencodingextension). So it
# only generates the sources (--skip-compilation); `go mod tidy -e` and
# `go build` follow.
#
# Usage: tools/build-collector.sh   (make collector; needs make build first,
# which puts build/wasm/ptm.wasm where the connector embeds it)
set -euo pipefail

version=v0.165.0
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/tools/bin"
src="$root/build/collector/src"
say() { printf 'build-collector: %s\n' "$*" >&2; }

[ -f "$root/wasm/collector/ptm.wasm" ] || { say "wasm/collector/ptm.wasm is missing: run make build"; exit 1; }
lib="$root/build/native/libprofiletometrics.a"
[ -f "$lib" ] || { say "build/native/libprofiletometrics.a is missing: run make build"; exit 1; }
if ! "$bin/builder" version 2>&1 | grep -q "$version"; then
  say "installing the collector builder $version"
  GOBIN="$bin" go install "go.opentelemetry.io/collector/cmd/builder@$version"
fi
mkdir -p "$src"
cd "$root"
if ! "$bin/builder" --config wasm/collector/otelcol/manifest.yaml --skip-compilation > "$root/build/collector/builder.log" 2>&1; then
  # Expected: its go mod tidy stops at the refused module; the sources are written.
  [ -f "$src/components.go" ] && [ -f "$src/main.go" ] || { cat "$root/build/collector/builder.log" >&2; exit 1; }
fi
cd "$src"
go mod tidy -e > "$root/build/collector/tidy.log" 2>&1 || { cat "$root/build/collector/tidy.log" >&2; exit 1; }
# cgo links the library by its path, which Go's build cache does not hash:
# its digest in CGO_CFLAGS does, so a changed library is linked anew.
CGO_ENABLED=1 CGO_CFLAGS="-O2 -g -DPTM_LIBRARY_DIGEST=$(sha256sum "$lib" | cut -c1-16)" \
  go build -trimpath -o "$root/build/collector/otelcol-ptm" .
say "built build/collector/otelcol-ptm"
