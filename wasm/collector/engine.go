// engine.go: what the connector converts with. Two engines run the same C
// core: "wasm", the reactor module in wazero (every build, CGO_ENABLED=0
// included), and "native", the C library linked through cgo (builds with
// cgo). Both give the same bytes; "auto" (the default) takes native when the
// build has it.
package profiletometricsconnector

import (
	"context"
	"encoding/json"
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
	table() *constants // the names of its core, read when it loaded
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

// Stats are the core's counts for one conversion (ptm_stats). The core
// names its fields (constants.stats); a field here the core lacks fails the
// engine's load, a field of the core not here is not read into Stats.
type Stats struct {
	Requests, Resources, Profiles, SamplesTotal, SamplesKept, SamplesFiltered,
	SamplesInvalid, SamplesSkipped, Series, Overflowed, AttributesShadowed, PatternLimitHits,
	RequestsInvalid, AttributesDropped uint64
}

// statsFields maps the core's ptm_stats field names to Stats' fields.
var statsFields = map[string]func(*Stats) *uint64{
	"requests":            func(s *Stats) *uint64 { return &s.Requests },
	"resources":           func(s *Stats) *uint64 { return &s.Resources },
	"profiles":            func(s *Stats) *uint64 { return &s.Profiles },
	"samples_total":       func(s *Stats) *uint64 { return &s.SamplesTotal },
	"samples_kept":        func(s *Stats) *uint64 { return &s.SamplesKept },
	"samples_filtered":    func(s *Stats) *uint64 { return &s.SamplesFiltered },
	"samples_invalid":     func(s *Stats) *uint64 { return &s.SamplesInvalid },
	"samples_skipped":     func(s *Stats) *uint64 { return &s.SamplesSkipped },
	"series":              func(s *Stats) *uint64 { return &s.Series },
	"overflowed":          func(s *Stats) *uint64 { return &s.Overflowed },
	"attributes_shadowed": func(s *Stats) *uint64 { return &s.AttributesShadowed },
	"pattern_limit_hits":  func(s *Stats) *uint64 { return &s.PatternLimitHits },
	"requests_invalid":    func(s *Stats) *uint64 { return &s.RequestsInvalid },
	"attributes_dropped":  func(s *Stats) *uint64 { return &s.AttributesDropped },
}

// constants are the names of the core an engine runs, read from its own
// table (ptm_constants_json, include/ptm.h) when the engine loads, never
// retyped here (issue 29).
type constants struct {
	results []string               // ptm_result codes by number ("ok", "input", ..., "nomem", ...)
	stats   []func(*Stats) *uint64 // per ptm_stats field in order: its Stats field, nil when Stats has none
}

// parseConstants reads the core's table: its results in order, and a
// Stats field for each of its stats fields by name.
func parseConstants(text string) (*constants, error) {
	var table struct {
		Results []struct {
			Number *int   `json:"number"`
			Code   string `json:"code"`
		} `json:"results"`
		Stats []string `json:"stats"`
	}
	if err := json.Unmarshal([]byte(text), &table); err != nil {
		return nil, fmt.Errorf("profiletometrics: the core's constants: %w", err)
	}
	c := &constants{}
	for n, result := range table.Results {
		if result.Number == nil || *result.Number != n || result.Code == "" {
			return nil, fmt.Errorf("profiletometrics: the core's constants: result %d is not in its place", n)
		}
		c.results = append(c.results, result.Code)
	}
	if len(c.results) == 0 {
		return nil, errors.New("profiletometrics: the core's constants name no results")
	}
	known := map[string]bool{}
	for _, name := range table.Stats {
		c.stats = append(c.stats, statsFields[name])
		known[name] = true
	}
	for name := range statsFields {
		if !known[name] {
			return nil, fmt.Errorf("profiletometrics: the core has no stats field %q (another version of the core?)", name)
		}
	}
	return c, nil
}

func (c *constants) resultName(result uint64) string {
	if result < uint64(len(c.results)) {
		return c.results[result]
	}
	return "unknown"
}

// statsOf fills Stats from the core's ptm_stats, values in the core's order.
func (c *constants) statsOf(values []uint64) Stats {
	var s Stats
	for n, field := range c.stats {
		if field != nil && n < len(values) {
			*field(&s) = values[n]
		}
	}
	return s
}

// selectEngine: name is "auto" (or empty), "wasm" or "native".
func selectEngine(name, modulePath string) (engine, error) {
	switch name {
	case "", "auto":
		if nativeAvailable && modulePath == "" {
			return loadNative()
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
		return loadNative()
	}
	return nil, fmt.Errorf("profiletometrics: engine: %q: must be auto, wasm or native", name)
}
