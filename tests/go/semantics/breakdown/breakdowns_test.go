// breakdowns_test.go: ptm's breakdown metrics (frame type, library, kernel
// area, package; docs/metrics.md, "Breakdowns and recording rules") against
// the oracle's (pdataoracle.ExpectBreakdowns) on the shared inputs
// (ptmtest.FixtureInputs), every series and value; and ptm's own output
// self-consistent: frame_type partitions the base metric per resource, and
// library/kernel/package partition their frame_type points.
package breakdown

import (
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/ptmtest"
)

var breakdownKeys = map[string][]string{
	"profile.frame_type.": {pdataoracle.FrameTypeKey},
	"profile.library.":    {"profile.frame.library"},
	"profile.kernel.":     {"profile.kernel.area", "profile.kernel.protocol", "profile.kernel.direction", "profile.kernel.syscall"},
	"profile.package.":    {"profile.frame.package"},
}

// breakdownAttributes: the keysOf of project for breakdown metrics.
func breakdownAttributes(metric string) ([]string, bool) {
	prefix, _, ok := breakdownOf(metric)
	return breakdownKeys[prefix], ok
}

// breakdownOf: the breakdown prefix and measure of a breakdown metric name.
func breakdownOf(metric string) (prefix string, m pdataoracle.Measure, ok bool) {
	for p := range breakdownKeys {
		rest, found := strings.CutPrefix(metric, p)
		if !found {
			continue
		}
		for mm, suffix := range pdataoracle.MeasureSuffix {
			if rest == suffix {
				return p, mm, true
			}
		}
	}
	return "", 0, false
}

func TestBreakdownsAgreeWithPtm(t *testing.T) {
	ptm := ptmtest.Binary(t)
	measures := []pdataoracle.Measure{pdataoracle.CPU, pdataoracle.OffCPU, pdataoracle.Memory}
	config := map[string]any{"breakdowns": map[string]any{
		"frame_type": true, "library": true, "kernel": true, "package": true,
		"measures": []string{"cpu", "off_cpu", "memory"},
	}}
	inputs := ptmtest.FixtureInputs(t)
	if len(inputs) == 0 {
		t.Fatal("no input")
	}
	realSeries := map[string]int{} // breakdown prefix -> series compared on the real capture
	hasReal := false
	for _, in := range inputs {
		hasReal = hasReal || in.Real
		t.Run(in.Name, func(t *testing.T) {
			points, metas := readPoints(runPtm(t, ptm, config, in.Data))
			want := in.OverRequests(func(pd pprofile.Profiles) pdataoracle.Totals { return pdataoracle.ExpectBreakdowns(pd, measures) })
			got := project(points, breakdownAttributes)
			compareTotals(t, "breakdowns", want, got)
			if len(want) == 0 {
				t.Error("no breakdown expected: every fixture has cpu, off_cpu or memory samples")
			}
			for name, meta := range metas {
				if _, m, ok := breakdownOf(name); ok {
					checkMetric(t, name, meta, m)
				}
			}
			checkNoConverterAttributes(t, points, breakdownAttributes)
			checkPartition(t, points, measures)
			if in.Real {
				counts := map[string]int{}
				for _, prefix := range []string{"profile.library.", "profile.kernel.", "profile.package."} {
					for k := range want {
						if strings.HasPrefix(k, prefix) {
							counts[prefix]++
						}
					}
					realSeries[prefix] += counts[prefix]
				}
				t.Logf("%s; series compared %v", frameTypeCensus(in.Requests), counts)
			}
		})
	}
	if !hasReal {
		return
	}
	for _, prefix := range []string{"profile.library.", "profile.kernel.", "profile.package."} {
		if realSeries[prefix] == 0 {
			t.Errorf("the real capture gives no %s series: its comparison is empty", prefix)
		}
		t.Logf("real capture: %d %s series compared", realSeries[prefix], prefix)
	}
}

// frameTypeCensus: how many fed samples have each leaf frame type, and how
// many locations of their stacks have each type, for the log.
func frameTypeCensus(pds []pprofile.Profiles) string {
	leaves, frames := map[string]int{}, map[string]int{}
	for _, pd := range pds {
		frameTypeCount(pd, leaves, frames)
	}
	return fmt.Sprintf("leaf frame types %v, all frames %v", leaves, frames)
}

func frameTypeCount(pd pprofile.Profiles, leaves, frames map[string]int) {
	c := pdataoracle.NewConverter(pd)
	c.EachFed(pd, func(f pdataoracle.FedSample) {
		locs := c.StackLocations(f.Sample)
		if len(locs) == 0 {
			leaves[pdataoracle.UnknownFrame]++
			return
		}
		leaves[c.FrameType(locs[0])]++
		for _, loc := range locs {
			frames[c.FrameType(loc)]++
		}
	})
}

// checkPartition, on ptm's own output, per resource and measure: frame_type
// sums to the base metric; library, kernel and package to the frame_type
// points of the types they cover.
func checkPartition(t *testing.T, points []obsPoint, measures []pdataoracle.Measure) {
	t.Helper()
	type cell struct {
		resource, metric, frameType string
	}
	sums := map[cell]int64{}
	resources := map[string]bool{}
	for _, p := range points {
		resources[p.resource] = true
		sums[cell{p.resource, p.metric, ""}] += p.value
		if strings.HasPrefix(p.metric, "profile.frame_type.") {
			sums[cell{p.resource, p.metric, p.attrs[pdataoracle.FrameTypeKey]}] += p.value
		}
	}
	for res := range resources {
		for _, m := range measures {
			suffix := pdataoracle.MeasureSuffix[m]
			ft := "profile.frame_type." + suffix
			checks := []struct {
				what      string
				got, want int64
			}{
				{ft + " = " + pdataoracle.MetricDefs[pdataoracle.BaseMetric[m]].Name, sums[cell{res, ft, ""}], sums[cell{res, pdataoracle.MetricDefs[pdataoracle.BaseMetric[m]].Name, ""}]},
				{"profile.library." + suffix + " = native", sums[cell{res, "profile.library." + suffix, ""}], sums[cell{res, ft, "native"}]},
				{"profile.kernel." + suffix + " = kernel", sums[cell{res, "profile.kernel." + suffix, ""}], sums[cell{res, ft, "kernel"}]},
				{"profile.package." + suffix + " = go+jvm+dotnet+cpython+v8js", sums[cell{res, "profile.package." + suffix, ""}],
					sums[cell{res, ft, "go"}] + sums[cell{res, ft, "jvm"}] + sums[cell{res, ft, "dotnet"}] + sums[cell{res, ft, "cpython"}] + sums[cell{res, ft, "v8js"}]},
			}
			for _, c := range checks {
				if !closeTo(c.got, c.want) {
					t.Errorf("partition %s in %s: %d, want %d", c.what, res, c.got, c.want)
				}
			}
		}
	}
}
