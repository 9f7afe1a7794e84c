# Thin wrapper over CMake, the Go test tools and node's test runner.
# Every target that builds runs tools/setup.sh first, which installs what is
# missing (once) on a fresh Debian 12 machine.
SHELL := /bin/bash
NATIVE := build/native
JOBS ?= $(shell nproc)

.PHONY: all setup build web demo test test-asan go-tools collector fixtures bench bench-collector bench-inputs size fuzz fuzz-smoke clean install uninstall
all: build

setup:
	@tools/setup.sh

build: setup
	@cmake -S . -B $(NATIVE) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(NATIVE) -j $(JOBS)
	@cmake -S . -B build/wasm-build -DCMAKE_TOOLCHAIN_FILE=wasm/wasi.cmake -DCMAKE_BUILD_TYPE=Release >/dev/null 2>&1
	@cmake --build build/wasm-build -j $(JOBS)
	@tools/build-js.sh
	@tools/build-web.sh
	@cp build/wasm/ptm.wasm wasm/collector/ptm.wasm
	@for d in build/wasm build/wasi wasm/collector; do cp LICENSE THIRD_PARTY_NOTICES $$d/; done

# Installs ptm, ptm.h, the static and shared libraries, the pkg-config file,
# the CMake package, the man page and the docs (cmake/install.cmake) under
# $(DESTDIR)$(PREFIX); uninstall removes what the last install wrote.
PREFIX ?= /usr/local
install: build
	@cmake -S . -B $(NATIVE) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(NATIVE) -j $(JOBS)
	@DESTDIR=$(DESTDIR) cmake --install $(NATIVE)

uninstall:
	@test -f $(NATIVE)/install_manifest.txt || { echo "uninstall: nothing installed from $(NATIVE)" >&2; exit 1; }
	@while read -r f || [ -n "$$f" ]; do rm -f "$(DESTDIR)$$f"; done < $(NATIVE)/install_manifest.txt
	@for d in lib/cmake/profiletometrics share/doc/profiletometrics; do rmdir "$(DESTDIR)$(PREFIX)/$$d" 2>/dev/null || true; done
	@rm -f $(NATIVE)/install_manifest.txt

# The profile inspector (web/, laid out in build/web) on 127.0.0.1: prints
# its address (PORT=0 for any free port; default 8080).
web: build
	@node tools/serve-web.mjs build/web $${PORT:-8080}

demo: build
	@echo "== ptm -f prom tests/fixtures/cpu-ebpf.pb"
	@$(NATIVE)/ptm -f prom --stats tests/fixtures/cpu-ebpf.pb

go-tools: setup
	@cd tests/go && go build -o ../../build/go/ ./cmd/...
	@tools/setup-prometheus.sh

# An OpenTelemetry Collector with the connector: build/collector/otelcol-ptm.
collector: build
	@tools/build-collector.sh

# Regenerates the repo's own fixtures with the official pdata encoder.
fixtures: go-tools
	@build/go/fixturegen -out tests/fixtures

# cgo links build/native/libprofiletometrics.a by its path, which Go's build
# cache does not hash: its digest in CGO_CFLAGS does (as in build-collector.sh).
CGO_DIGEST = CGO_CFLAGS="-O2 -g -DPTM_LIBRARY_DIGEST=$$(sha256sum $(CURDIR)/$(NATIVE)/libprofiletometrics.a | cut -c1-16)"

test: build go-tools collector
	@tools/setup-browser.sh
	@cd $(NATIVE) && ctest --output-on-failure
	@cd tests/go && go test ./...
	@cd wasm/collector && $(CGO_DIGEST) go test ./...
	@node --test tests/

# The whole native suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: build go-tools collector
	@cmake -S . -B build/asan -DPTM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build/asan -j $(JOBS)
	@cd build/asan && ctest --output-on-failure
	@PTM_BIN=$(CURDIR)/build/asan/ptm node --test tests/

# The benchmark matrix (tests/bench/matrix.mjs): every row on every input in
# one run; the table is printed last and written to build/bench/results.md.
# Before it, the collector connector's Go benchmarks on the 100k input
# (wasm/collector/bench_test.go) and the Envoy filter's, next to the native
# CLI (tests/go/proxywasm/bench_test.go). About 5 minutes on 2 cores.
# tools/setup-browser.sh runs `npm ci` in tests/ when its lock file changed
# (protobufjs, for the plain-JS baseline).
bench: build go-tools bench-inputs
	@tools/setup-browser.sh
	@echo "collector connector (wasm/collector), ns/sample, build/bench/ebpf-100k.pb:"
	@set -o pipefail; cd wasm/collector && $(CGO_DIGEST) PTM_BENCH_INPUT=$(CURDIR)/build/bench/ebpf-100k.pb go test -run '^$$' -bench . -benchtime 3s . | grep -E '^Benchmark'
	@echo "Envoy filter (tests/go/proxywasm, the proxy-wasm Go SDK's emulator) and the native CLI, ns/sample, build/bench/ebpf-100k.pb:"
	@set -o pipefail; cd tests/go && PTM_BENCH_INPUT=$(CURDIR)/build/bench/ebpf-100k.pb go test -run '^$$' -bench . -benchtime 3s ./proxywasm | grep -E '^Benchmark'
	@echo "JSON Lines whose every line is refused (tests/bench/bad-jsonl.mjs), native CLI:"
	@node tests/bench/bad-jsonl.mjs
	@node tests/bench/matrix.mjs

# What the collector connector costs inside a real collector
# (tests/go/cmd/collectorload): build/collector/otelcol-ptm started afresh for
# each run, (a) the OTLP/HTTP receiver into a debug exporter, (b) the same
# receiver into the profiletometrics connector (its defaults) and its metrics
# into the same exporter; the same requests POSTed to each (ebpf-1k, ebpf-6k,
# and the real eBPF capture of ../shared when it is there), runs interleaved
# a, b, a, b, three of each; the collector's CPU time per sample over the
# load and (b) its next flush, median. The table is printed and written to
# build/bench/collector.md. Fails if a request is refused or (b) exported no
# metric. About 3 minutes on 2 cores once the collector is built (each run
# of (b) waits for the connector's first flush, 15 s after start-up).
# COLLECTORLOAD_ARGS: more flags (-reps, -samples, -concurrency,
# -flush-interval 0 for a connector build that emits per request, ...).
bench-collector: build go-tools collector build/bench/ebpf-1k.pb build/bench/ebpf-6k.pb
	@build/go/collectorload -collector build/collector/otelcol-ptm -out build/bench/collector.md \
	  -load ebpf-1k=build/bench/ebpf-1k.pb -load ebpf-6k=build/bench/ebpf-6k.pb \
	  -load-if-present real-189=../shared/fixtures/otlp-real/ebpf-oncpu-189-requests.jsonl $(COLLECTORLOAD_ARGS)

# The inputs, written by fixturegen with the official pdata encoder; made
# again when its sources change (the binary itself is rebuilt every time).
BENCH_INPUTS := $(addprefix build/bench/,ebpf-1.pb ebpf-1k.pb ebpf-6k.pb ebpf-100k.pb ebpf-1m.pb pprof-100k.pb distinct-100k.pb ebpf-1k-200mb.jsonl)
bench-inputs: $(BENCH_INPUTS)
build/bench/ebpf-1.pb: FIXTUREGEN_ARGS := -bench 1 -shape ebpf-pruned
build/bench/ebpf-1k.pb: FIXTUREGEN_ARGS := -bench 1000 -shape ebpf-pruned
build/bench/ebpf-6k.pb: FIXTUREGEN_ARGS := -bench 6000 -shape ebpf-pruned
build/bench/ebpf-100k.pb: FIXTUREGEN_ARGS := -bench 100000
build/bench/ebpf-1m.pb: FIXTUREGEN_ARGS := -bench 1000000
build/bench/pprof-100k.pb: FIXTUREGEN_ARGS := -bench 100000 -shape pprof
build/bench/distinct-100k.pb: FIXTUREGEN_ARGS := -bench 100000 -shape distinct
build/bench/ebpf-1k-200mb.jsonl: FIXTUREGEN_ARGS := -bench 1000 -shape ebpf-pruned -jsonl-mb 200
$(BENCH_INPUTS): $(filter-out %_test.go,$(wildcard tests/go/cmd/fixturegen/*.go)) tests/go/go.sum | go-tools
	@mkdir -p build/bench
	@echo "fixturegen $(FIXTUREGEN_ARGS) -out $@"
	@build/go/fixturegen $(FIXTUREGEN_ARGS) -out $@

# Raw and gzip -9 sizes of the wasm modules; fails when the default reactor is over budget.
size: build
	@tools/size.sh

# ---- fuzzing ------------------------------------------------------------------
# Five libFuzzer targets (tests/fuzz/fuzz_protobuf.c, fuzz_json.c, fuzz_pprof.c, fuzz_config.c, fuzz_elf.c)
# over the library built with -fsanitize=fuzzer-no-link,address,undefined in
# build/fuzz. Besides sanitizer reports they check what a conversion must
# satisfy (tests/fuzz/fuzz_common.h): stats that add up, one-line messages,
# determinism, and output well-formed in its format.
#   make fuzz                 each target FUZZ_SECONDS (60) in turn (FUZZ_TARGETS="pprof": some only), corpus kept
#                             in build/fuzz/corpus/TARGET; exit 1 on a crash
#   make fuzz-smoke           the five at once for FUZZ_SECONDS (8), seeds only
#                             (tests/robustness/fuzz-smoke.test.js runs it in `make test`)
# A crash leaves build/fuzz/crashes/TARGET-crash-<sha1> (or -leak-, -timeout-,
# -oom-). To turn it into a regression case:
#   1. reproduce:  build/fuzz/fuzz_TARGET build/fuzz/crashes/TARGET-crash-<sha1>
#   2. minimize:   build/fuzz/fuzz_TARGET -minimize_crash=1 -runs=100000 \
#                    -exact_artifact_path=build/fuzz/min FILE
#   3. store it under tests/regression/ as crash-TARGET-<what>.<ext>:
#      protobuf, json and pprof targets: drop the first byte (the format and
#      configuration selector; tail -c +2 build/fuzz/min > ...), .pb, .json
#      or .pprof (replayed with -i pprof);
#      config target: the file as is, in tests/regression/config/.
#   4. tests/robustness/regression.test.js replays every file there through the CLI (every
#      format, default and fuzz configurations), and make-seeds.sh puts it
#      back into the seeds of the next fuzz run; fix src/ until both pass.
# PTM_FUZZ_TOLERATE=check,... turns a named check off (fuzz_common.h), so that
# a long run can go on past a bug already reported.
FUZZ_SECONDS ?= 60

fuzz: setup
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke: setup
	@tests/fuzz/run.sh --smoke $(if $(filter command line environment,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),8)

clean:
	rm -rf $(NATIVE) build/fuzz build/go
