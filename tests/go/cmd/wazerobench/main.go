// Command wazerobench is the "reactor, wazero" row of `make bench`: the
// reactor module build/wasm/ptm.wasm in wazero's compiler (the engine of
// the collector connector's wasm engine, wasm/collector), called through
// its raw ABI (include/ptm_wasm.h) as the connector calls it, converting one
// request file repeatedly.
//
//	wazerobench -module build/wasm/ptm.wasm [-format otlp|json|prom]
//	            [-warm-seconds S] [-batch-seconds S] [-batches N] FILE
//
// The module is compiled and instantiated once (its compile time is printed
// as compile_ms, outside the figure), the input copied into its memory
// once; each run is one ptm_wasm_convert() call. Timed by
// internal/benchmeasure; prints one JSON object with the output's sha256.
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"profiletometrics/tests/go/internal/benchmeasure"
)

var formats = map[string]uint64{"otlp": 0, "json": 1, "prom": 2}

const statsCount = 13 // ptm_stats: thirteen u64; samples_total is [3], series [8]

// reactor is one instance of the module with one converter.
type reactor struct {
	ctx    context.Context
	module api.Module
	handle uint64
}

func (r *reactor) call(name string, args ...uint64) (uint64, error) {
	fn := r.module.ExportedFunction(name)
	if fn == nil {
		return 0, fmt.Errorf("the module lacks %s", name)
	}
	results, err := fn.Call(r.ctx, args...)
	if err != nil || len(results) == 0 {
		return 0, err
	}
	return results[0], nil
}

// alloc copies data into a module buffer that stays for the process's life.
func (r *reactor) alloc(data []byte) (uint64, error) {
	pointer, err := r.call("ptm_wasm_alloc", uint64(len(data)))
	if err == nil && (pointer == 0 || !r.module.Memory().Write(uint32(pointer), data)) {
		err = errors.New("ptm_wasm_alloc: out of memory")
	}
	return pointer, err
}

// create makes the default converter, keyed by 16 random bytes.
func (r *reactor) create() error {
	const errorSize = 256
	scratch := make([]byte, 16+4+errorSize)
	if _, err := rand.Read(scratch[:16]); err != nil {
		return err
	}
	pointer, err := r.alloc(scratch)
	if err != nil {
		return err
	}
	result, err := r.call("ptm_wasm_create", 0, 0, pointer, pointer+16, pointer+20, errorSize)
	if err != nil {
		return err
	}
	if result != 0 {
		return fmt.Errorf("ptm_wasm_create: result %d", result)
	}
	handle, _ := r.module.Memory().ReadUint32Le(uint32(pointer + 16))
	r.handle = uint64(handle)
	return nil
}

func (r *reactor) stats() ([statsCount]uint64, error) {
	var values [statsCount]uint64
	pointer, err := r.call("ptm_wasm_stats", r.handle)
	if err != nil {
		return values, err
	}
	raw, ok := r.module.Memory().Read(uint32(pointer), statsCount*8)
	if !ok {
		return values, errors.New("stats outside memory")
	}
	for n := range values {
		values[n] = binary.LittleEndian.Uint64(raw[n*8:])
	}
	return values, nil
}

func (r *reactor) output() ([]byte, error) {
	pointer, err := r.call("ptm_wasm_output", r.handle)
	if err != nil {
		return nil, err
	}
	size, err := r.call("ptm_wasm_output_size", r.handle)
	if err != nil {
		return nil, err
	}
	view, ok := r.module.Memory().Read(uint32(pointer), uint32(size))
	if !ok {
		return nil, errors.New("output outside memory")
	}
	return view, nil
}

// load compiles and instantiates the module; returns it and the compile time.
func load(ctx context.Context, path string) (*reactor, time.Duration, error) {
	code, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	runtime := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	start := time.Now()
	compiled, err := runtime.CompileModule(ctx, code)
	if err != nil {
		return nil, 0, err
	}
	compile := time.Since(start)
	module, err := runtime.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		return nil, 0, err
	}
	r := &reactor{ctx: ctx, module: module}
	return r, compile, r.create()
}

func main() {
	modulePath := flag.String("module", "build/wasm/ptm.wasm", "the reactor module")
	formatName := flag.String("format", "otlp", "otlp, json or prom")
	plan := benchmeasure.Flags()
	flag.Parse()
	format, known := formats[*formatName]
	if flag.NArg() != 1 || !known {
		fmt.Fprintln(os.Stderr, "usage: wazerobench -module FILE [-format otlp|json|prom] [-warm-seconds S] [-batch-seconds S] [-batches N] INPUT")
		os.Exit(2)
	}
	input, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	r, compile, err := load(context.Background(), *modulePath)
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	pointer, err := r.alloc(input)
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	m, err := plan.Run(func() error {
		result, err := r.call("ptm_wasm_convert", r.handle, pointer, uint64(len(input)), format)
		if err == nil && result != 0 {
			err = fmt.Errorf("ptm_wasm_convert: result %d", result)
		}
		return err
	})
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	stats, err := r.stats()
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	output, err := r.output()
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	row := benchmeasure.NewRow("reactor, wazero", *formatName, m, int(stats[3]), len(input))
	row["output_bytes"] = len(output)
	row["output_sha256"] = benchmeasure.SHA256(output)
	row["series"] = stats[8]
	row["compile_ms"] = compile.Seconds() * 1e3
	row.Print()
}
