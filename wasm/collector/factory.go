// factory.go: the connector factory, type "profiletometrics", profiles to metrics.
package profiletometricsconnector

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/xconnector"
	"go.opentelemetry.io/collector/consumer"
)

// Type is the connector's type in collector configurations.
var Type = component.MustNewType("profiletometrics")

// NewFactory returns the connector's factory, for a collector build's
// connectors list.
func NewFactory() xconnector.Factory {
	return xconnector.NewFactory(Type, createDefaultConfig,
		xconnector.WithProfilesToMetrics(createProfilesToMetrics, component.StabilityLevelAlpha))
}

func createDefaultConfig() component.Config {
	return &Config{FlushInterval: defaultFlushInterval}
}

func createProfilesToMetrics(_ context.Context, set connector.Settings, cfg component.Config,
	next consumer.Metrics) (xconnector.Profiles, error) {
	config, ok := cfg.(*Config)
	if !ok {
		return nil, fmt.Errorf("profiletometrics: unexpected configuration type %T", cfg)
	}
	text, err := config.coreJSON()
	if err != nil {
		return nil, err
	}
	e, err := selectEngine(config.Engine, config.ModulePath)
	if err != nil {
		return nil, err
	}
	held, err := newHeldConverter(e, text)
	if err != nil {
		return nil, err
	}
	return newConnector(set, held, config.FlushInterval, next)
}
