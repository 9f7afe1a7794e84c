# Thin wrapper over CMake, the Go test tools and node's test runner.
# Every target that builds runs tools/setup.sh first, which installs what is
# missing (once) on a fresh Debian 12 machine.
SHELL := /bin/bash
NATIVE := build/native
JOBS ?= $(shell nproc)

.PHONY: all setup build demo test test-asan go-tools fixtures bench size fuzz clean
all: build

setup:
	@tools/setup.sh

build: setup
	@cmake -S . -B $(NATIVE) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(NATIVE) -j $(JOBS)
	@cmake -S . -B build/wasm-build -DCMAKE_TOOLCHAIN_FILE=wasm/wasi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null 2>&1
	@cmake --build build/wasm-build -j $(JOBS)
	@tools/build-js.sh

demo: build
	@echo "== ptm -f prom tests/fixtures/cpu-ebpf.pb"
	@$(NATIVE)/ptm -f prom --stats tests/fixtures/cpu-ebpf.pb

go-tools: setup
	@cd tests/go && go build -o ../../build/go/ ./cmd/...

# Regenerates the repo's own fixtures with the official pdata encoder.
fixtures: go-tools
	@build/go/fixturegen -out tests/fixtures

test: build go-tools
	@cd $(NATIVE) && ctest --output-on-failure
	@node --test tests/

# The whole native suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: build go-tools
	@cmake -S . -B build/asan -DPTM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build/asan -j $(JOBS)
	@cd build/asan && ctest --output-on-failure
	@PTM_BIN=$(CURDIR)/build/asan/ptm node --test tests/

bench: build go-tools
	@test -f build/bench.pb || build/go/fixturegen -bench 100000 -out build/bench.pb
	@$(NATIVE)/ptm_bench build/bench.pb
	@node tests/bench/bench-wasm.mjs build/bench.pb

# Raw and gzip -9 sizes of the wasm modules; fails when the reactor is over budget.
size: build
	@tools/size.sh

fuzz: setup
	@cmake -S . -B build/fuzz -DPTM_FUZZ=ON -DPTM_TESTS=OFF -DCMAKE_C_COMPILER=clang-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build/fuzz -j $(JOBS) --target fuzz_convert
	@tests/fuzz/make-seeds.sh build/fuzz/seeds
	@mkdir -p build/fuzz/corpus
	@build/fuzz/fuzz_convert -max_total_time=$${FUZZ_SECONDS:-60} -print_final_stats=1 build/fuzz/corpus build/fuzz/seeds

clean:
	rm -rf $(NATIVE) build/fuzz build/go
