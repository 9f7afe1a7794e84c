// wasm.go: the core's reactor module (include/ptm_wasm.h) in wazero. A
// module is compiled once per process and path; an instance is one module
// instance holding one converter. Calls go through the reactor ABI only:
// buffers the host fills come from ptm_wasm_alloc and are freed on every
// path; output, stats and messages are copied out before the next call.
package profiletometricsconnector

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"fmt"
	"os"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

//go:embed ptm.wasm
var embeddedModule []byte

// memoryLimitPages bounds one instance's memory (64 KiB pages): 1 GiB, room
// for a request at the core's max_input_bytes and its conversion.
const memoryLimitPages = 16384

const (
	errorBufferSize = 512
	hashKeySize     = 16 // ptm_wasm_create's hash_key
)

type wasmModule struct {
	runtime   wazero.Runtime
	compiled  wazero.CompiledModule
	constants *constants // the module's own table (ptm_wasm_constants_json)
}

var (
	modulesMu sync.Mutex
	modules   = map[string]*wasmModule{}
)

// loadModule compiles the module at path ("" for the embedded one) once.
func loadModule(path string) (*wasmModule, error) {
	modulesMu.Lock()
	defer modulesMu.Unlock()
	if m, ok := modules[path]; ok {
		return m, nil
	}
	code := embeddedModule
	if path != "" {
		var err error
		if code, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("profiletometrics: module_path: %w", err)
		}
	}
	ctx := context.Background()
	// No WithCloseOnContextDone: its checks made conversions 3× slower, and the
	// core bounds its own work (docs/security.md).
	config := wazero.NewRuntimeConfigCompiler().WithMemoryLimitPages(memoryLimitPages)
	runtime := wazero.NewRuntimeWithConfig(ctx, config)
	compiled, err := runtime.CompileModule(ctx, code)
	if err != nil {
		runtime.Close(ctx)
		return nil, fmt.Errorf("profiletometrics: module_path %q: not a wasm module: %w", path, err)
	}
	m := &wasmModule{runtime: runtime, compiled: compiled}
	if m.constants, err = m.readConstants(ctx); err != nil {
		runtime.Close(ctx)
		return nil, err
	}
	modules[path] = m
	return m, nil
}

// readConstants reads the module's table of names (ptm_wasm_constants_json)
// from an instance made for it.
func (m *wasmModule) readConstants(ctx context.Context) (*constants, error) {
	module, err := m.runtime.InstantiateModule(ctx, m.compiled,
		wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
	if err != nil {
		return nil, fmt.Errorf("profiletometrics: instantiating the module: %w", err)
	}
	defer module.Close(ctx)
	const export = "ptm_wasm_constants_json"
	i := &instance{module: module, fns: map[string]api.Function{export: module.ExportedFunction(export)}}
	if i.fns[export] == nil {
		return nil, fmt.Errorf("profiletometrics: the module lacks %s: not the profiletometrics reactor (or an older one)", export)
	}
	pointer, err := i.call(ctx, export)
	if err != nil {
		return nil, err
	}
	text, err := i.cString(pointer)
	if err != nil {
		return nil, err
	}
	return parseConstants(text)
}

// instance is one module instance with one converter (converterInstance).
type instance struct {
	module    api.Module
	handle    uint64
	fns       map[string]api.Function
	constants *constants
}

var abi = []string{"ptm_wasm_alloc", "ptm_wasm_free", "ptm_wasm_create", "ptm_wasm_add", "ptm_wasm_flush",
	"ptm_wasm_output", "ptm_wasm_output_size", "ptm_wasm_stats", "ptm_wasm_last_error",
	"ptm_wasm_last_warning", "ptm_wasm_reset", "ptm_wasm_destroy", "ptm_wasm_version",
	"ptm_wasm_symbols_scan", "ptm_wasm_symbols_next", "ptm_wasm_symbols_offer"}

func (m *wasmModule) name() string { return "wasm" }

func (m *wasmModule) table() *constants { return m.constants }

// newInstance makes an instance holding a converter of config (JSON). A
// refused config is a *coreError naming the key.
func (m *wasmModule) newInstance(config []byte) (converterInstance, error) {
	ctx := context.Background()
	module, err := m.runtime.InstantiateModule(ctx, m.compiled,
		wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
	if err != nil {
		return nil, fmt.Errorf("profiletometrics: instantiating the module: %w", err)
	}
	i := &instance{module: module, fns: map[string]api.Function{}, constants: m.constants}
	for _, name := range abi {
		if i.fns[name] = module.ExportedFunction(name); i.fns[name] == nil {
			module.Close(ctx)
			return nil, fmt.Errorf("profiletometrics: the module lacks %s: not the profiletometrics reactor", name)
		}
	}
	if err := i.create(ctx, config); err != nil {
		module.Close(ctx)
		return nil, err
	}
	return i, nil
}

func (i *instance) call(ctx context.Context, name string, args ...uint64) (uint64, error) {
	results, err := i.fns[name].Call(ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", errTrap, name, err)
	}
	if len(results) == 0 {
		return 0, nil
	}
	return results[0], nil
}

// withBuffer copies data into a buffer of the module for the length of use.
func (i *instance) withBuffer(ctx context.Context, data []byte, use func(pointer uint64) error) error {
	pointer, err := i.call(ctx, "ptm_wasm_alloc", uint64(len(data)))
	if err != nil {
		return err
	}
	if pointer == 0 {
		return &coreError{Code: "nomem", Message: "out of memory"}
	}
	defer i.call(ctx, "ptm_wasm_free", pointer) //nolint:errcheck // a trap here surfaces on the next call
	if !i.module.Memory().Write(uint32(pointer), data) {
		return fmt.Errorf("%w: writing %d bytes", errTrap, len(data))
	}
	return use(pointer)
}

func (i *instance) version(ctx context.Context) (string, error) {
	pointer, err := i.call(ctx, "ptm_wasm_version")
	if err != nil {
		return "", err
	}
	return i.cString(pointer)
}

func (i *instance) cString(pointer uint64) (string, error) {
	memory := i.module.Memory()
	var text []byte
	for at := uint32(pointer); ; at++ {
		b, ok := memory.ReadByte(at)
		if !ok {
			return "", fmt.Errorf("%w: a message outside memory", errTrap)
		}
		if b == 0 {
			return string(text), nil
		}
		text = append(text, b)
	}
}

// create makes the instance's converter. One scratch buffer carries the hash
// key (16 random bytes: the module has no entropy of its own), the handle the
// module stores and its error message.
func (i *instance) create(ctx context.Context, config []byte) error {
	scratch := make([]byte, hashKeySize+4+errorBufferSize)
	if _, err := rand.Read(scratch[:hashKeySize]); err != nil {
		return fmt.Errorf("profiletometrics: no random hash key: %w", err)
	}
	return i.withBuffer(ctx, config, func(configPointer uint64) error {
		return i.withBuffer(ctx, scratch, func(scratchPointer uint64) error {
			handlePointer := scratchPointer + hashKeySize
			errorPointer := handlePointer + 4
			result, err := i.call(ctx, "ptm_wasm_create", configPointer, uint64(len(config)),
				scratchPointer, handlePointer, errorPointer, errorBufferSize)
			if err != nil {
				return err
			}
			if result != 0 {
				message, err := i.cString(errorPointer)
				if err != nil {
					return err
				}
				return &coreError{Code: i.constants.resultName(result), Message: message}
			}
			handle, ok := i.module.Memory().ReadUint32Le(uint32(handlePointer))
			if !ok {
				return fmt.Errorf("%w: the handle outside memory", errTrap)
			}
			i.handle = uint64(handle)
			return nil
		})
	})
}

// add converts one request into the held series.
func (i *instance) add(ctx context.Context, now uint64, input []byte) (stats Stats, warning string, err error) {
	err = i.withBuffer(ctx, input, func(pointer uint64) error {
		result, err := i.call(ctx, "ptm_wasm_add", i.handle, now, pointer, uint64(len(input)))
		if err != nil {
			return err
		}
		if stats, err = i.readStats(ctx); err != nil {
			return err
		}
		if result != 0 {
			return i.lastError(ctx, result)
		}
		warningPointer, err := i.call(ctx, "ptm_wasm_last_warning", i.handle)
		if err != nil {
			return err
		}
		warning, err = i.cString(warningPointer)
		return err
	})
	return stats, warning, err
}

// symbolize plans the files of input's native frames and hands the core
// each one read. A plan the core refuses ends it: the add that follows
// refuses the input with the core's message. Only a trap is an error.
func (i *instance) symbolize(ctx context.Context, input []byte, read func(path string) []byte) error {
	return i.withBuffer(ctx, input, func(pointer uint64) error {
		result, err := i.call(ctx, "ptm_wasm_symbols_scan", i.handle, pointer, uint64(len(input)))
		if err != nil || result != 0 {
			return err
		}
		for {
			pathPointer, err := i.call(ctx, "ptm_wasm_symbols_next", i.handle)
			if err != nil || pathPointer == 0 {
				return err
			}
			path, err := i.cString(pathPointer)
			if err != nil {
				return err
			}
			if ok, err := i.offer(ctx, read(path)); err != nil || !ok {
				return err
			}
		}
	})
}

// offer hands the core a file's bytes (nil: it could not be read, or the
// module has no room for it); false when the core ran out of memory, which
// ends the plan.
func (i *instance) offer(ctx context.Context, data []byte) (bool, error) {
	var pointer uint64
	if len(data) > 0 {
		var err error
		if pointer, err = i.call(ctx, "ptm_wasm_alloc", uint64(len(data))); err != nil {
			return false, err
		}
		if pointer != 0 {
			defer i.call(ctx, "ptm_wasm_free", pointer) //nolint:errcheck // a trap here surfaces on the next call
			if !i.module.Memory().Write(uint32(pointer), data) {
				return false, fmt.Errorf("%w: writing %d bytes", errTrap, len(data))
			}
		}
	}
	size := uint64(len(data))
	if pointer == 0 {
		size = 0
	}
	result, err := i.call(ctx, "ptm_wasm_symbols_offer", i.handle, pointer, size)
	return err == nil && result == 0, err
}

// flush writes the held series as of now; the output is a copy.
func (i *instance) flush(ctx context.Context, now uint64, format int) ([]byte, Stats, error) {
	result, err := i.call(ctx, "ptm_wasm_flush", i.handle, now, uint64(format))
	if err != nil {
		return nil, Stats{}, err
	}
	stats, err := i.readStats(ctx)
	if err != nil {
		return nil, stats, err
	}
	if result != 0 {
		return nil, stats, i.lastError(ctx, result)
	}
	output, err := i.readOutput(ctx)
	return output, stats, err
}

func (i *instance) readStats(ctx context.Context) (Stats, error) {
	pointer, err := i.call(ctx, "ptm_wasm_stats", i.handle)
	if err != nil {
		return Stats{}, err
	}
	raw, ok := i.module.Memory().Read(uint32(pointer), uint32(len(i.constants.stats)*8))
	if !ok {
		return Stats{}, fmt.Errorf("%w: stats outside memory", errTrap)
	}
	values := make([]uint64, len(i.constants.stats))
	for n := range values {
		values[n] = binary.LittleEndian.Uint64(raw[n*8:])
	}
	return i.constants.statsOf(values), nil
}

func (i *instance) readOutput(ctx context.Context) ([]byte, error) {
	pointer, err := i.call(ctx, "ptm_wasm_output", i.handle)
	if err != nil {
		return nil, err
	}
	size, err := i.call(ctx, "ptm_wasm_output_size", i.handle)
	if err != nil {
		return nil, err
	}
	view, ok := i.module.Memory().Read(uint32(pointer), uint32(size))
	if !ok {
		return nil, fmt.Errorf("%w: output outside memory", errTrap)
	}
	return append([]byte(nil), view...), nil
}

func (i *instance) lastError(ctx context.Context, result uint64) error {
	pointer, err := i.call(ctx, "ptm_wasm_last_error", i.handle)
	if err != nil {
		return err
	}
	message, err := i.cString(pointer)
	if err != nil {
		return err
	}
	return &coreError{Code: i.constants.resultName(result), Message: message}
}

// memoryBytes is the size of the instance's linear memory, which grows
// with what a call needs and never shrinks.
func (i *instance) memoryBytes() uint64 { return uint64(i.module.Memory().Size()) }

// close frees the converter and the module instance.
func (i *instance) close() {
	ctx := context.Background()
	if i.handle != 0 {
		i.call(ctx, "ptm_wasm_destroy", i.handle) //nolint:errcheck // closing anyway
	}
	i.module.Close(ctx)
}
