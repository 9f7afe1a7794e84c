// output_test.go: ptm's OTLP protobuf output (ptm -c CONFIG -f otlp) read
// with pmetric into a flat list of points, projected onto the oracle's
// series keys (summed over resources and over the other attributes) and
// compared with the oracle's totals; the checks of a metric's kind and of
// the attributes a breakdown or rule point may carry.
package breakdown

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/ptmtest"
)

// runPtm converts input with config (marshalled to JSON) to OTLP protobuf.
func runPtm(t *testing.T, ptm string, config any, input []byte) pmetric.Metrics {
	t.Helper()
	text, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	out := ptmtest.OutputWith(t, ptm, string(text), "otlp", input)
	md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(out)
	if err != nil {
		t.Fatalf("ptm's output: %v", err)
	}
	return md
}

type obsPoint struct {
	resource, metric string
	resourceAttrs    pcommon.Map
	attrs            map[string]string // every point attribute, as text
	value            int64             // seconds back to ns
}

// obsMetric: a metric name's kind over every resource it appears in.
type obsMetric struct {
	unit, description string
	sum, monotonic    bool // in every resource
	delta, gauge      bool // delta: every resource; gauge: any
	double, integer   bool // some point has a double / an int value
	conflicts         []string
}

// readPoints flattens md; times (unit s, double) are turned back into ns.
func readPoints(md pmetric.Metrics) ([]obsPoint, map[string]*obsMetric) {
	var points []obsPoint
	metas := map[string]*obsMetric{}
	for _, rm := range md.ResourceMetrics().All() {
		res := pdataoracle.SeriesKeyOf("resource", attrText(rm.Resource().Attributes()))
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				meta := metas[m.Name()]
				if meta == nil {
					meta = &obsMetric{unit: m.Unit(), description: m.Description(), sum: true, monotonic: true, delta: true}
					metas[m.Name()] = meta
				}
				if m.Unit() != meta.unit || m.Description() != meta.description {
					meta.conflicts = append(meta.conflicts, fmt.Sprintf("unit %q description %q in %s", m.Unit(), m.Description(), res))
				}
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeSum:
					meta.monotonic = meta.monotonic && m.Sum().IsMonotonic()
					meta.delta = meta.delta && m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityDelta
					dps = m.Sum().DataPoints()
				case pmetric.MetricTypeGauge:
					meta.sum, meta.gauge = false, true
					dps = m.Gauge().DataPoints()
				default:
					meta.sum = false
					meta.conflicts = append(meta.conflicts, fmt.Sprintf("type %v in %s", m.Type(), res))
					continue
				}
				for _, dp := range dps.All() {
					p := obsPoint{resource: res, metric: m.Name(), resourceAttrs: rm.Resource().Attributes(), attrs: attrText(dp.Attributes())}
					if dp.ValueType() == pmetric.NumberDataPointValueTypeDouble {
						meta.double = true
						scale := 1.0
						if m.Unit() == "s" {
							scale = 1e9
						}
						p.value = int64(math.Round(dp.DoubleValue() * scale))
					} else {
						meta.integer = true
						p.value = dp.IntValue()
					}
					points = append(points, p)
				}
			}
		}
	}
	return points, metas
}

func attrText(m pcommon.Map) map[string]string {
	out := map[string]string{}
	for k, v := range m.All() {
		out[k] = v.AsString()
	}
	return out
}

// project sums the points of the metrics keysOf wants by the attribute keys
// it names (plus otel.metric.overflow, so an overflow point shows).
func project(points []obsPoint, keysOf func(metric string) ([]string, bool)) pdataoracle.Totals {
	got := pdataoracle.Totals{}
	for _, p := range points {
		keys, ok := keysOf(p.metric)
		if !ok {
			continue
		}
		attrs := map[string]string{}
		for _, k := range append(keys, pdataoracle.OverflowKey) {
			if v, present := p.attrs[k]; present {
				attrs[k] = v
			}
		}
		got[pdataoracle.SeriesKeyOf(p.metric, attrs)] += p.value
	}
	return got
}

// close enough: seconds went through a double per point.
func closeTo(a, b int64) bool {
	return math.Abs(float64(a-b)) <= 1+1e-12*math.Abs(float64(b))
}

// compareTotals reports every series missing, extra or different; it
// returns how many series want has.
func compareTotals(t *testing.T, what string, want, got pdataoracle.Totals) int {
	t.Helper()
	keys := map[string]struct{}{}
	for k := range want {
		keys[k] = struct{}{}
	}
	for k := range got {
		keys[k] = struct{}{}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var problems []string
	for _, k := range sorted {
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case !inGot:
			problems = append(problems, fmt.Sprintf("missing %s: want %d", k, w))
		case !inWant:
			problems = append(problems, fmt.Sprintf("unexpected %s: got %d", k, g))
		case !closeTo(g, w):
			problems = append(problems, fmt.Sprintf("%s: got %d, want %d", k, g, w))
		}
	}
	for i, p := range problems {
		if i == 25 {
			t.Errorf("%s: ... %d more differences", what, len(problems)-i)
			break
		}
		t.Errorf("%s: %s", what, p)
	}
	return len(want)
}

// checkMetric: a Sum, delta, monotonic, of the unit and value type of the
// base metric of measure m.
func checkMetric(t *testing.T, name string, meta *obsMetric, m pdataoracle.Measure) {
	t.Helper()
	unit := pdataoracle.MetricDefs[pdataoracle.BaseMetric[m]].Unit
	if !meta.sum || meta.gauge || !meta.delta || !meta.monotonic {
		t.Errorf("%s: want a delta monotonic Sum, got %+v", name, *meta)
	}
	if meta.unit != unit {
		t.Errorf("%s: unit %q, want %q", name, meta.unit, unit)
	}
	for _, c := range meta.conflicts {
		t.Errorf("%s: differs between resources: %s", name, c)
	}
	if wantDouble := unit == "s"; meta.double != wantDouble || meta.integer == wantDouble {
		t.Errorf("%s: values double %v / int %v, want double %v", name, meta.double, meta.integer, wantDouble)
	}
}

// checkNoConverterAttributes: breakdown and rule points carry no
// thread.name, process.executable.name or code.function.name of their own
// (a resource attribute of that key, copied, is allowed, and so is a key
// the metric's keysOf names: a rule's group_by).
func checkNoConverterAttributes(t *testing.T, points []obsPoint, keysOf func(metric string) ([]string, bool)) {
	t.Helper()
	for _, p := range points {
		own, ok := keysOf(p.metric)
		if !ok {
			continue
		}
		for _, k := range []string{"thread.name", "process.executable.name", "code.function.name"} {
			if _, on := p.attrs[k]; !on || contains(own, k) {
				continue
			}
			if _, fromResource := p.resourceAttrs.Get(k); !fromResource {
				t.Errorf("%s point has %s=%q: not a breakdown's attribute", p.metric, k, p.attrs[k])
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
