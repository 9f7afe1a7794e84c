// Package metricpoints lists every data point of an OTLP metrics request as
// one line of text (resource, metric, kind, point attributes, times, value),
// sorted, so that two conversions, or a conversion and an expectation
// computed another way, compare as sets of lines and a difference names the
// point. Attributes are written in their order, with their types.
package metricpoints

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Decode lists the points of an ExportMetricsServiceRequest in protobuf.
func Decode(data []byte) ([]string, error) {
	md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(data)
	if err != nil {
		return nil, err
	}
	return Lines(md), nil
}

// Lines lists md's points, sorted.
func Lines(md pmetric.Metrics) []string {
	var out []string
	for _, rm := range md.ResourceMetrics().All() {
		resource := Resource(rm.Resource().Attributes(), rm.SchemaUrl())
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				var dps pmetric.NumberDataPointSlice
				kind := "gauge"
				if m.Type() == pmetric.MetricTypeGauge {
					dps = m.Gauge().DataPoints()
				} else {
					dps = m.Sum().DataPoints()
					kind = Sum(m.Sum().AggregationTemporality(), m.Sum().IsMonotonic())
				}
				for _, dp := range dps.All() {
					value := Int(dp.IntValue())
					if dp.ValueType() == pmetric.NumberDataPointValueTypeDouble {
						value = Double(dp.DoubleValue())
					}
					out = append(out, Line(resource, m.Name(), m.Unit(), kind, AttributeText(dp.Attributes()),
						uint64(dp.StartTimestamp()), uint64(dp.Timestamp()), value))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// Line is one point's line.
func Line(resource, metric, unit, kind, attributes string, start, end uint64, value string) string {
	return fmt.Sprintf("%s | %s %s %s | %s | %d-%d | %s", resource, metric, unit, kind, attributes, start, end, value)
}

// Resource is a resource's part of a line.
func Resource(attrs pcommon.Map, schemaURL string) string {
	return AttributeText(attrs) + " " + schemaURL
}

// Sum is a sum's kind: its temporality and monotonicity.
func Sum(t pmetric.AggregationTemporality, monotonic bool) string {
	if monotonic {
		return "sum/" + t.String() + "/monotonic"
	}
	return "sum/" + t.String()
}

// Int and Double are a value's part of a line.
func Int(v int64) string { return fmt.Sprintf("int:%d", v) }

func Double(v float64) string { return fmt.Sprintf("double:%v", v) }

// AttributeText writes attributes in their order as key=type:value,...
func AttributeText(attrs pcommon.Map) string {
	var b strings.Builder
	for k, v := range attrs.All() {
		fmt.Fprintf(&b, "%s=%s:%s,", k, v.Type(), v.AsString())
	}
	return b.String()
}

// Diff names every line of want that got lacks and every line of got that
// want lacks, counting repeats (a point written twice is one extra); nil
// when they are the same.
func Diff(got, want []string) []string {
	count := map[string]int{}
	for _, p := range want {
		count[p]++
	}
	for _, p := range got {
		count[p]--
	}
	var out []string
	for _, p := range slices.Sorted(maps.Keys(count)) {
		for n := count[p]; n > 0; n-- {
			out = append(out, "missing: "+p)
		}
		for n := count[p]; n < 0; n++ {
			out = append(out, "extra: "+p)
		}
	}
	return out
}

// Totals sums each metric's values over lines (Lines' or Line's).
func Totals(lines []string) (map[string]float64, error) {
	totals := map[string]float64{}
	for _, l := range lines {
		parts := strings.Split(l, " | ")
		if len(parts) != 5 {
			return nil, fmt.Errorf("not a point line: %s", l)
		}
		kind, text, _ := strings.Cut(parts[4], ":")
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || (kind != "int" && kind != "double") {
			return nil, fmt.Errorf("not a point's value: %s", l)
		}
		totals[strings.Fields(parts[1])[0]] += v
	}
	return totals, nil
}
