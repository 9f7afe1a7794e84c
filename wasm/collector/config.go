// Package profiletometricsconnector is an OpenTelemetry Collector connector,
// type "profiletometrics": a profiles pipeline in, a metrics pipeline out.
// It converts with the profiletometrics core compiled to WebAssembly
// (build/wasm/ptm.wasm, embedded), run in wazero, so CGO_ENABLED=0 builds
// work. There is no conversion logic here: configuration, a pool of module
// instances, and pdata in and out.
package profiletometricsconnector

import (
	"encoding/json"
	"fmt"
)

// Config is the connector's configuration in the collector's YAML. Every key
// but module_path is a key of the core's JSON configuration (README,
// "Configuration"), handed to the core as JSON, so the core is the one
// validator: a bad key or regex fails Validate with the core's message.
type Config struct {
	// Engine: "auto" (default: native when the build has cgo, else wasm),
	// "wasm" (the reactor module in wazero) or "native" (the C library).
	Engine string `mapstructure:"engine"`
	// ModulePath loads another build of the core's reactor module instead of
	// the embedded one (engine wasm).
	ModulePath string `mapstructure:"module_path"`
	// Core holds every other key, as the collector decoded it.
	Core map[string]any `mapstructure:",remain"`
}

// coreJSON is the configuration the core reads.
func (c *Config) coreJSON() ([]byte, error) {
	if len(c.Core) == 0 {
		return []byte("{}"), nil
	}
	text, err := json.Marshal(c.Core)
	if err != nil {
		return nil, fmt.Errorf("profiletometrics: configuration: %w", err)
	}
	return text, nil
}

// Validate checks the configuration with the core itself.
func (c *Config) Validate() error {
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
