#!/usr/bin/env bash
# setup-prometheus.sh: builds the Prometheus server and promtool that
# tests/hosts/collector/prometheus-server.test.js runs (Prometheus 3.16: the Go module
# github.com/prometheus/prometheus v0.316.0, from the Go module proxy), into
# build/tools/bin, and does nothing when that version is already there.
# About 7 minutes on 2 cores the first time (mostly promtool's dependencies);
# Go's module and build caches stay outside the repo.
#
# Usage: tools/setup-prometheus.sh   (called by `make go-tools`)
set -euo pipefail

version=v0.316.0
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/tools/bin"
stamp="$root/build/tools/.prometheus-$version"
say() { printf 'setup-prometheus: %s\n' "$*" >&2; }

if [ -f "$stamp" ] && "$bin/prometheus" --version >/dev/null 2>&1 && "$bin/promtool" --version >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$bin"
say "building prometheus and promtool $version (a few minutes the first time)"
GOBIN="$bin" GOFLAGS=-buildvcs=false go install \
  "github.com/prometheus/prometheus/cmd/prometheus@$version" \
  "github.com/prometheus/prometheus/cmd/promtool@$version"
touch "$stamp"
