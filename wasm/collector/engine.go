// engine.go: what the connector converts with. Two engines run the same C
// core: "wasm", the reactor module in wazero (every build, CGO_ENABLED=0
// included), and "native", the C library linked through cgo (builds with
// cgo). Both give the same bytes; "auto" (the default) takes native when the
// build has it.
package profiletometricsconnector

import (
	"context"
	"errors"
	"fmt"
)

// converterInstance is one converter of one engine; one call at a time.
// add converts a request into the series it holds; flush writes them
// (ptm_converter_add, ptm_converter_flush); now is in ns since 1970.
// symbolize reads the files the core wants for a request's native frames,
// before its add (ptm_converter_symbols_scan, then _next and _offer until
// no path is left): read gives a path's bytes, or nil. memoryBytes is the
// memory the instance keeps between calls that the host could take back
// only by discarding it: a wasm instance's linear memory (which never
// shrinks); 0 for native, whose core frees what it no longer holds.
type converterInstance interface {
	add(ctx context.Context, now uint64, input []byte) (stats Stats, warning string, err error)
	symbolize(ctx context.Context, input []byte, read func(path string) []byte) error
	flush(ctx context.Context, now uint64, format int) (output []byte, stats Stats, err error)
	version(ctx context.Context) (string, error) // the core's (ptm_version)
	memoryBytes() uint64
	close()
}

type engine interface {
	name() string
	newInstance(config []byte) (converterInstance, error)
}

// coreError is a result of the core other than PTM_OK, with its one-line message.
type coreError struct {
	Code    string
	Message string
}

func (e *coreError) Error() string { return "profiletometrics: " + e.Message }

// errTrap marks an instance that trapped or failed in the host: it is
// discarded, never reused.
var errTrap = errors.New("profiletometrics: the wasm instance failed")

// The core's ptm_result codes (include/ptm.h).
var resultNames = []string{"ok", "input", "config", "nomem", "limit", "argument", "memory_limit"}

func resultName(result uint64) string {
	if result < uint64(len(resultNames)) {
		return resultNames[result]
	}
	return "unknown"
}

// Stats are the core's counts for one conversion (ptm_stats, in order).
type Stats struct {
	Requests, Resources, Profiles, SamplesTotal, SamplesKept, SamplesFiltered,
	SamplesInvalid, SamplesSkipped, Series, Overflowed, AttributesShadowed, PatternLimitHits,
	RequestsInvalid, AttributesDropped uint64
}

const statsCount = 14

func statsOf(v [statsCount]uint64) Stats {
	return Stats{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]}
}

// selectEngine: name is "auto" (or empty), "wasm" or "native".
func selectEngine(name, modulePath string) (engine, error) {
	switch name {
	case "", "auto":
		if nativeAvailable && modulePath == "" {
			return nativeEngine{}, nil
		}
		return loadModule(modulePath)
	case "wasm":
		return loadModule(modulePath)
	case "native":
		if !nativeAvailable {
			return nil, errors.New("profiletometrics: engine: native needs a build with cgo (this one was built with CGO_ENABLED=0); use wasm")
		}
		if modulePath != "" {
			return nil, errors.New("profiletometrics: module_path goes with engine wasm")
		}
		return nativeEngine{}, nil
	}
	return nil, fmt.Errorf("profiletometrics: engine: %q: must be auto, wasm or native", name)
}
