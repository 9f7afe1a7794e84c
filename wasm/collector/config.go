// Package profiletometricsconnector is an OpenTelemetry Collector connector,
// type "profiletometrics": a profiles pipeline in, a metrics pipeline out.
// It converts with the profiletometrics core compiled to WebAssembly
// (build/wasm/ptm.wasm, embedded), run in wazero, so CGO_ENABLED=0 builds
// work. There is no conversion logic here: configuration, a pool of module
// instances, pdata in and out, and the reading of the files the core asks
// for to name native frames (symbolize: files.go).
//
// Memory is given back (held.go): a wasm instance's memory only grows, so an
// instance whose memory grew past 256 MiB in a call (a request that needed
// most of max_memory_bytes, refused or not) is discarded after it: what it
// held is flushed down the metrics pipeline at once, then a new instance
// takes the next request, and its cumulative series start again with new
// start times, as after a trap or a restart. After that, and after any
// request refused for memory, the Go heap's free memory is handed back to
// the OS (debug.FreeOSMemory), so one bad request cannot pin gigabytes.
package profiletometricsconnector

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// defaultFlushInterval: at or under the scrape intervals people use (15 s,
// 30 s, 1 min), so a scrape sees values at most one interval old, and three
// of the eBPF profiler's 5 s reports per flush; each flush costs in
// proportion to the series held, not to the requests.
const defaultFlushInterval = 15 * time.Second

// Config is the connector's configuration in the collector's YAML. Every key
// but module_path is a key of the core's JSON configuration
// (docs/configuration.md), handed to the core as JSON, so the core is the one
// validator: a bad key or regex fails Validate with the core's message.
type Config struct {
	// Engine: "auto" (default: native when the build has cgo, else wasm),
	// "wasm" (the reactor module in wazero) or "native" (the C library).
	Engine string `mapstructure:"engine"`
	// ModulePath loads another build of the core's reactor module instead of
	// the embedded one (engine wasm).
	ModulePath string `mapstructure:"module_path"`
	// FlushInterval: requests are aggregated, and the held series written
	// once per interval (and at shutdown).
	FlushInterval time.Duration `mapstructure:"flush_interval"`
	// Core holds every other key, as the collector decoded it. Among them
	// symbolize (docs/hosts/collector.md, "Symbolization"): with
	// symbolize.paths, .root or .debuginfod set, the connector reads the ELF
	// files the core asks for to name native frames (files.go). Beside the
	// eBPF profiler: symbolize: {root: "/proc/{pid}/root"} (host PID
	// namespace and the right to read other processes' roots), or a host
	// mount such as "/hostfs"; paths (debug files) and debuginfod (servers)
	// find shared libraries too.
	Core map[string]any `mapstructure:",remain"`
}

// coreJSON is the configuration the core reads: the connector's temporality
// is cumulative unless the configuration says otherwise, as the collector's
// spanmetrics connector's is, so that every Prometheus path takes it as is.
func (c *Config) coreJSON() ([]byte, error) {
	core := map[string]any{"temporality": "cumulative"}
	for key, value := range c.Core {
		core[key] = value
	}
	text, err := json.Marshal(core)
	if err != nil {
		return nil, fmt.Errorf("profiletometrics: configuration: %w", err)
	}
	return text, nil
}

// symbolizes tells from the core's JSON configuration whether it asks for
// symbolization (symbolize.paths, .root or .debuginfod not empty, as the
// core decides): then the connector reads the files the core names. A
// configuration it cannot read here is the core's to refuse.
func symbolizes(coreJSON []byte) bool {
	var config struct {
		Symbolize struct {
			Paths      []string `json:"paths"`
			Root       string   `json:"root"`
			Debuginfod []string `json:"debuginfod"`
		} `json:"symbolize"`
	}
	if json.Unmarshal(coreJSON, &config) != nil {
		return false
	}
	s := config.Symbolize
	return len(s.Paths) > 0 || s.Root != "" || len(s.Debuginfod) > 0
}

// Validate checks the configuration with the core itself.
func (c *Config) Validate() error {
	if c.FlushInterval <= 0 {
		return errors.New("profiletometrics: flush_interval: must be a positive duration, such as 15s")
	}
	text, err := c.coreJSON()
	if err != nil {
		return err
	}
	e, err := selectEngine(c.Engine, c.ModulePath)
	if err != nil {
		return err
	}
	instance, err := e.newInstance(text)
	if err != nil {
		return err
	}
	instance.close()
	return nil
}
