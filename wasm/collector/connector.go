// connector.go: ConsumeProfiles: pdata profiles → OTLP protobuf → the core →
// OTLP metrics protobuf → pdata metrics → the next consumer. A request the
// core refuses is a permanent error for that request alone, logged with the
// core's message; the connector keeps serving.
package profiletometricsconnector

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pprofile"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const formatOTLPProtobuf = 0

type profilesConnector struct {
	pool      *instancePool
	next      consumer.Metrics
	logger    *zap.Logger
	telemetry telemetry
}

// telemetry: the core's stats as the collector's own metrics.
type telemetry struct {
	samples  metric.Int64Counter // attribute "outcome": kept, filtered, invalid, skipped
	series   metric.Int64Counter
	overflow metric.Int64Counter
	refused  metric.Int64Counter
	shadowed metric.Int64Counter
	limits   metric.Int64Counter
}

func newTelemetry(set component.TelemetrySettings) (telemetry, error) {
	meter := set.MeterProvider.Meter("profiletometrics/collector")
	var t telemetry
	var errs []error
	add := func(counter *metric.Int64Counter, name, unit, description string) {
		c, err := meter.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(description))
		errs = append(errs, err)
		*counter = c
	}
	add(&t.samples, "otelcol_connector_profiletometrics_samples", "{sample}", "Samples read, by outcome (kept, filtered, invalid, skipped)")
	add(&t.series, "otelcol_connector_profiletometrics_series", "{series}", "Data points written")
	add(&t.overflow, "otelcol_connector_profiletometrics_overflowed", "{value}", "Values added to an overflow point")
	add(&t.refused, "otelcol_connector_profiletometrics_requests_refused", "{request}", "Requests the core refused")
	add(&t.shadowed, "otelcol_connector_profiletometrics_attributes_shadowed", "{rule}", "Configured attribute rules shadowed by a resource attribute")
	add(&t.limits, "otelcol_connector_profiletometrics_pattern_limit_hits", "{search}", "Regex searches that hit a PCRE2 limit (the string counted as not matching)")
	return t, errors.Join(errs...)
}

func newConnector(set connector.Settings, pool *instancePool, next consumer.Metrics) (*profilesConnector, error) {
	t, err := newTelemetry(set.TelemetrySettings)
	if err != nil {
		pool.close()
		return nil, err
	}
	return &profilesConnector{pool: pool, next: next, logger: set.Logger, telemetry: t}, nil
}

func (c *profilesConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start logs the engine and the core's version.
func (c *profilesConnector) Start(ctx context.Context, _ component.Host) error {
	v, err := c.pool.version(ctx)
	if err != nil {
		return err
	}
	c.logger.Info("profiletometrics: started", zap.String("engine", c.pool.engine.name()), zap.String("version", v))
	return nil
}

func (c *profilesConnector) Shutdown(context.Context) error {
	c.pool.close()
	return nil
}

func (c *profilesConnector) ConsumeProfiles(ctx context.Context, profiles pprofile.Profiles) error {
	request, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(profiles)
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	output, stats, warning, err := c.pool.convert(ctx, request, formatOTLPProtobuf)
	c.record(ctx, stats)
	if err != nil {
		c.telemetry.refused.Add(ctx, 1)
		c.logger.Warn("profiletometrics: request refused", zap.Error(err))
		return refusal(err)
	}
	if warning != "" {
		c.logger.Debug("profiletometrics: " + warning)
	}
	metrics, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(output)
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	c.logger.Debug("profiletometrics: converted", zap.Uint64("samples_kept", stats.SamplesKept),
		zap.Uint64("series", stats.Series))
	if metrics.DataPointCount() == 0 {
		return nil
	}
	return c.next.ConsumeMetrics(ctx, metrics)
}

// refusal is the permanent error of a request the core refused. Bad input
// carries the gRPC status InvalidArgument, which the OTLP receiver answers
// with 400 (HTTP) or InvalidArgument (gRPC): the sender must not retry it.
func refusal(err error) error {
	var core *coreError
	if errors.As(err, &core) && (core.Code == "input" || core.Code == "limit") {
		return consumererror.NewPermanent(status.Error(codes.InvalidArgument, err.Error()))
	}
	return consumererror.NewPermanent(err)
}

func (c *profilesConnector) record(ctx context.Context, stats Stats) {
	outcomes := []struct {
		name  string
		value uint64
	}{{"kept", stats.SamplesKept}, {"filtered", stats.SamplesFiltered},
		{"invalid", stats.SamplesInvalid}, {"skipped", stats.SamplesSkipped}}
	for _, o := range outcomes {
		if o.value > 0 {
			c.telemetry.samples.Add(ctx, int64(o.value), metric.WithAttributes(attribute.String("outcome", o.name)))
		}
	}
	c.telemetry.series.Add(ctx, int64(stats.Series))
	c.telemetry.overflow.Add(ctx, int64(stats.Overflowed))
	c.telemetry.shadowed.Add(ctx, int64(stats.AttributesShadowed))
	c.telemetry.limits.Add(ctx, int64(stats.PatternLimitHits))
}
