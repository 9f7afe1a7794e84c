# CMake toolchain file: wasm32-wasi with Debian's clang 16 and wasi-libc
# (sysroot /usr). Used by `make build` for build/wasi/ptm.wasm (a WASI
# command) and build/wasm/ptm.wasm (a reactor with no imports).
# binaryen's wasm-opt must not be on PATH during links (clang would run it and
# it rejects sign-ext); the Makefile does not install binaryen.
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(CMAKE_C_COMPILER clang-16)
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_SYSROOT /usr)
set(CMAKE_AR /usr/bin/llvm-ar-16)
set(CMAKE_RANLIB /usr/bin/llvm-ranlib-16)
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# -O2 (the Makefile builds Release): against -Os, the reactor converts about
# 11% faster under Node, the WASI command 10% faster under wasmtime and the
# core 10% faster under wazero, for +9% raw and +6% gzipped size (241.8 KB,
# 94.0 KB: inside tools/size.sh's budget). -O3 was no faster than -O2 and
# 17% larger; on 2026-12-02's core it was 11% faster under wazero only, for
# +10% size, too close to the budget.
# -mbulk-memory: memcpy and memset as memory.copy and memory.fill instead of
# wasi-libc's byte loops: 21% faster under Node (436 -> 345 ns/sample on the
# 100k bench input), 2% under wazero, 0.6% smaller. Every host we run on has
# the bulk-memory proposal (WebAssembly 2.0): V8 (Node, Chromium), wasmtime,
# wazero. -msimd128 gained nothing measurable.
set(CMAKE_C_FLAGS_INIT "-ffunction-sections -fdata-sections -mbulk-memory")
set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "wasm builds: -O2 (see above)" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections -Wl,--strip-all")
