// Command wazerobench is the "reactor, wazero" row of `make bench`: the
// reactor module build/wasm/ptm.wasm in wazero's compiler (the engine of
// the collector connector's wasm engine, wasm/collector), called through
// its raw ABI (include/ptm_wasm.h) as the connector calls it, converting one
// request file repeatedly.
//
//	wazerobench -module build/wasm/ptm.wasm [-mode convert|add|flush]
//	            [-format otlp|json|prom]
//	            [-warm-seconds S] [-batch-seconds S] [-batches N] FILE
//
// The module is compiled and instantiated once (its compile time is printed
// as compile_ms, outside the figure), the input copied into its memory
// once. Timed by internal/benchmeasure; what one run is depends on -mode:
//   - convert (the default): one ptm_wasm_convert() call;
//   - add: one ptm_wasm_add() of the input (decode and aggregation into the
//     held series, nothing encoded), on a default converter, its clock 1 µs
//     later each run from startNs;
//   - flush: one ptm_wasm_flush() in -format on a "cumulative" converter
//     that was given the input by one add at startNs, its clock 1 µs later
//     each run.
//
// Prints one JSON object with the output's sha256. add and flush rows add
// "mode"; ns_per_sample is per sample of the input either way; a flush row
// adds "ns_per_series" (time per run / the points it writes, "series") and
// its output is that of one more flush, untimed, at finalFlushNs, so that
// its sha256 is the same in every engine (tests/bench/bench-wasm.mjs does
// the same) whatever the number of runs; an add row's output is empty.
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

// The host clock of add and flush: a fixed start, 1 µs more each run; the
// flush row's output is one more flush at finalFlushNs (a minute on: inside
// the 5 min metrics_expiration, far past any timed run).
const (
	startNs      uint64 = 1_700_000_000 * 1_000_000_000
	finalFlushNs        = startNs + 60*1_000_000_000
	flushConfig         = `{"temporality":"cumulative"}`
)

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

// create makes a converter from config (JSON text; "": the defaults),
// keyed by 16 random bytes.
func (r *reactor) create(config string) error {
	const errorSize = 256
	scratch := make([]byte, 16+4+errorSize+len(config))
	if _, err := rand.Read(scratch[:16]); err != nil {
		return err
	}
	copy(scratch[16+4+errorSize:], config)
	pointer, err := r.alloc(scratch)
	if err != nil {
		return err
	}
	configPointer := uint64(0)
	if config != "" {
		configPointer = pointer + 16 + 4 + errorSize
	}
	result, err := r.call("ptm_wasm_create", configPointer, uint64(len(config)), pointer, pointer+16, pointer+20, errorSize)
	if err != nil {
		return err
	}
	if result != 0 {
		message, _ := r.cString(pointer + 20)
		return fmt.Errorf("ptm_wasm_create: result %d: %s", result, message)
	}
	handle, _ := r.module.Memory().ReadUint32Le(uint32(pointer + 16))
	r.handle = uint64(handle)
	return nil
}

// cString reads a NUL-terminated string of the module's memory.
func (r *reactor) cString(pointer uint64) (string, error) {
	var text []byte
	for at := uint32(pointer); ; at++ {
		b, ok := r.module.Memory().ReadByte(at)
		if !ok {
			return "", errors.New("string outside memory")
		}
		if b == 0 {
			return string(text), nil
		}
		text = append(text, b)
	}
}

// check turns a ptm_result other than 0 into an error with the handle's message.
func (r *reactor) check(name string, result uint64, err error) error {
	if err != nil || result == 0 {
		return err
	}
	message := ""
	if pointer, err := r.call("ptm_wasm_last_error", r.handle); err == nil {
		message, _ = r.cString(pointer)
	}
	return fmt.Errorf("%s: result %d: %s", name, int32(result), message)
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

// load compiles and instantiates the module and makes its converter from
// config; returns it and the compile time.
func load(ctx context.Context, path, config string) (*reactor, time.Duration, error) {
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
	return r, compile, r.create(config)
}

func main() {
	modulePath := flag.String("module", "build/wasm/ptm.wasm", "the reactor module")
	formatName := flag.String("format", "otlp", "otlp, json or prom")
	mode := flag.String("mode", "convert", "convert, add or flush: what one run is")
	plan := benchmeasure.Flags()
	flag.Parse()
	format, known := formats[*formatName]
	if flag.NArg() != 1 || !known || (*mode != "convert" && *mode != "add" && *mode != "flush") {
		fmt.Fprintln(os.Stderr, "usage: wazerobench -module FILE [-mode convert|add|flush] [-format otlp|json|prom] [-warm-seconds S] [-batch-seconds S] [-batches N] INPUT")
		os.Exit(2)
	}
	input, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	config := ""
	if *mode == "flush" {
		config = flushConfig
	}
	r, compile, err := load(context.Background(), *modulePath, config)
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	pointer, err := r.alloc(input)
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	now := startNs
	var samples uint64
	var work func() error
	switch *mode {
	case "convert":
		work = func() error {
			result, err := r.call("ptm_wasm_convert", r.handle, pointer, uint64(len(input)), format)
			if err == nil && result != 0 {
				err = fmt.Errorf("ptm_wasm_convert: result %d", result)
			}
			return err
		}
	case "add":
		add := r.module.ExportedFunction("ptm_wasm_add")
		work = func() error {
			now += 1000
			results, err := add.Call(r.ctx, r.handle, now, pointer, uint64(len(input)))
			if err != nil {
				return err
			}
			return r.check("ptm_wasm_add", results[0], nil)
		}
	case "flush":
		result, err := r.call("ptm_wasm_add", r.handle, now, pointer, uint64(len(input)))
		if err = r.check("ptm_wasm_add", result, err); err != nil {
			benchmeasure.Fail("wazerobench", err)
		}
		stats, err := r.stats()
		if err != nil {
			benchmeasure.Fail("wazerobench", err)
		}
		samples = stats[3]
		flush := r.module.ExportedFunction("ptm_wasm_flush")
		work = func() error {
			now += 1000
			results, err := flush.Call(r.ctx, r.handle, now, format)
			if err != nil {
				return err
			}
			return r.check("ptm_wasm_flush", results[0], nil)
		}
	}
	m, err := plan.Run(work)
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	if *mode == "flush" {
		if now >= finalFlushNs {
			benchmeasure.Fail("wazerobench", errors.New("flush: more runs than the final flush leaves room for"))
		}
		result, err := r.call("ptm_wasm_flush", r.handle, finalFlushNs, format)
		if err = r.check("ptm_wasm_flush", result, err); err != nil {
			benchmeasure.Fail("wazerobench", err)
		}
	}
	stats, err := r.stats()
	if err != nil {
		benchmeasure.Fail("wazerobench", err)
	}
	if *mode == "flush" {
		stats[3] = samples
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
	if *mode != "convert" {
		row["mode"] = *mode
	}
	if *mode == "flush" {
		nsPerSeries := 0.0
		if stats[8] > 0 {
			nsPerSeries = m.SecondsPerRun * 1e9 / float64(stats[8])
		}
		row["ns_per_series"] = nsPerSeries
	}
	row.Print()
}
