// connector.go: the shape of the collector's own metric connectors
// (spanmetrics): aggregate each request, flush on an interval.
// ConsumeProfiles: pdata profiles → OTLP protobuf → the core, which adds
// them to the series it holds (no output). Every flush_interval, and once at
// shutdown: the core writes what it holds as OTLP metrics protobuf → pdata
// metrics → the next consumer. A request the core refuses is a permanent
// error for that request alone, logged with the core's message; what is
// held stays, and the connector keeps serving. A wasm instance whose memory
// grew past discardAboveBytes in a call (held.go) is flushed at once, as on
// the interval, and replaced: its memory goes back to the OS.
package profiletometricsconnector

import (
	"context"
	"errors"
	"time"

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
	held      *heldConverter
	next      consumer.Metrics
	logger    *zap.Logger
	telemetry telemetry
	interval  time.Duration
	stop      chan struct{} // closed by Shutdown
	done      chan struct{} // closed by the flush loop after its last flush
}

// telemetry: the core's stats as the collector's own metrics.
type telemetry struct {
	samples  metric.Int64Counter // attribute "outcome": kept, filtered, invalid, skipped
	series   metric.Int64Counter
	overflow metric.Int64Counter
	refused  metric.Int64Counter
	shadowed metric.Int64Counter
	limits   metric.Int64Counter
	dropped  metric.Int64Counter
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
	add(&t.series, "otelcol_connector_profiletometrics_series", "{series}", "Data points written by the flushes")
	add(&t.overflow, "otelcol_connector_profiletometrics_overflowed", "{value}", "Values added to an overflow point")
	add(&t.refused, "otelcol_connector_profiletometrics_requests_refused", "{request}", "Requests the core refused")
	add(&t.shadowed, "otelcol_connector_profiletometrics_attributes_shadowed", "{rule}", "Configured attribute rules shadowed by a resource attribute")
	add(&t.limits, "otelcol_connector_profiletometrics_pattern_limit_hits", "{search}", "Regex searches that hit a PCRE2 limit (the string counted as not matching)")
	add(&t.dropped, "otelcol_connector_profiletometrics_attributes_dropped", "{attribute}", "Resource attributes left off points by max_point_attributes")
	return t, errors.Join(errs...)
}

func newConnector(set connector.Settings, held *heldConverter, interval time.Duration, next consumer.Metrics) (*profilesConnector, error) {
	t, err := newTelemetry(set.TelemetrySettings)
	if err != nil {
		held.close()
		return nil, err
	}
	return &profilesConnector{held: held, next: next, logger: set.Logger, telemetry: t, interval: interval,
		stop: make(chan struct{})}, nil
}

func (c *profilesConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start logs the engine and the core's version and starts the flushes.
func (c *profilesConnector) Start(ctx context.Context, _ component.Host) error {
	v, err := c.held.version(ctx)
	if err != nil {
		return err
	}
	c.logger.Info("profiletometrics: started", zap.String("engine", c.held.engine.name()), zap.String("version", v),
		zap.Duration("flush_interval", c.interval))
	c.done = make(chan struct{})
	go c.flushEvery(c.interval)
	return nil
}

// Shutdown flushes what is held one last time and frees the converter.
func (c *profilesConnector) Shutdown(context.Context) error {
	if c.done != nil {
		close(c.stop)
		<-c.done
		c.done = nil
	}
	c.held.close()
	return nil
}

func (c *profilesConnector) flushEvery(interval time.Duration) {
	defer close(c.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			c.flush(context.Background(), time.Now())
		case <-c.stop:
			c.flush(context.Background(), time.Now())
			return
		}
	}
}

// flush hands what the core holds, as of now, to the next consumer.
func (c *profilesConnector) flush(ctx context.Context, now time.Time) {
	output, stats, d, err := c.held.flush(ctx, now)
	c.emit(ctx, output, stats, err)
	c.discarded(ctx, d)
}

// emit sends a flush's output on: pdata metrics to the next consumer.
func (c *profilesConnector) emit(ctx context.Context, output []byte, stats Stats, err error) {
	if err != nil {
		c.logger.Error("profiletometrics: flush failed", zap.Error(err))
		return
	}
	c.telemetry.series.Add(ctx, int64(stats.Series))
	c.telemetry.dropped.Add(ctx, int64(stats.AttributesDropped))
	if stats.Series == 0 {
		return
	}
	metrics, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(output)
	if err != nil {
		c.logger.Error("profiletometrics: flush", zap.Error(err))
		return
	}
	c.logger.Debug("profiletometrics: flushed", zap.Uint64("series", stats.Series))
	if err := c.next.ConsumeMetrics(ctx, metrics); err != nil {
		c.logger.Warn("profiletometrics: the metrics pipeline refused a flush", zap.Error(err))
	}
}

// discarded logs an instance discarded for its memory (held.go) and, after
// an add, sends on at once the flush of what it held.
func (c *profilesConnector) discarded(ctx context.Context, d *discarded) {
	if d == nil {
		return
	}
	c.logger.Info("profiletometrics: the wasm instance's memory grew past the threshold: what it held is flushed and a new instance takes the next request (cumulative series start again)",
		zap.Uint64("memory_bytes", d.memoryBytes), zap.Uint64("threshold_bytes", discardAboveBytes))
	if d.output != nil || d.err != nil {
		c.emit(ctx, d.output, d.stats, d.err)
	}
}

func (c *profilesConnector) ConsumeProfiles(ctx context.Context, profiles pprofile.Profiles) error {
	request, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(profiles)
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	stats, warning, d, err := c.held.add(ctx, time.Now(), request)
	c.record(ctx, stats)
	// Not the request's context: the flush is the interval's, brought forward.
	c.discarded(context.Background(), d)
	if err != nil {
		c.telemetry.refused.Add(ctx, 1)
		c.logger.Warn("profiletometrics: request refused", zap.Error(err))
		return refusal(err)
	}
	if warning != "" {
		c.logger.Debug("profiletometrics: " + warning)
	}
	c.logger.Debug("profiletometrics: added", zap.Uint64("samples_kept", stats.SamplesKept))
	return nil
}

// refusal is the permanent error of a request the core refused. Bad input
// carries the gRPC status InvalidArgument, which the OTLP receiver answers
// with 400 (HTTP) or InvalidArgument (gRPC): the sender must not retry it.
func refusal(err error) error {
	var core *coreError
	if errors.As(err, &core) && (core.Code == "input" || core.Code == "limit" || core.Code == "memory_limit") {
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
	c.telemetry.overflow.Add(ctx, int64(stats.Overflowed))
	c.telemetry.shadowed.Add(ctx, int64(stats.AttributesShadowed))
	c.telemetry.limits.Add(ctx, int64(stats.PatternLimitHits))
}
