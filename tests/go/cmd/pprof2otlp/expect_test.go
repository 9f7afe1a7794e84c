// expect_test.go: the points ptm must write for a pprof profile, computed
// here from the profile.Profile google/pprof parses (docs/semantics.md and
// docs/metrics.md are the contract), without ptm or pprof2otlp: each pprof
// sample type is classified, each sample's value scaled and added to its
// base metric (by thread.name and process.executable.name from its labels)
// and, for cpu, off_cpu, wall, allocated bytes, in-use bytes and in-use
// objects, to the function metrics of its leaf function (self) and of each
// distinct function on its stack (inclusive); the in-use ones are gauges,
// a point per profile as their base gauges. The resource has no attributes; every point spans the
// profile's time to time + duration. Go heap profiles (allocated and in-use
// types together, no duration) count allocations since the process
// started: their allocated-memory sums are cumulative and have no start
// time (0; the profile's time is when the count was read, not when it
// began).
package main

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/google/pprof/profile"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"profiletometrics/tests/go/internal/metricpoints"
)

// measure is what a sample type feeds.
type measure struct {
	name   string // cpu, off_cpu, wall, memory, allocations, inuse, inuse_objects
	metric string
	unit   string
	time   bool // values in ns, written as seconds (double)
	gauge  bool
	// function is the function metrics' name part (profile.function.self.<function>), "" for none.
	function string
}

var (
	cpuMeasure         = measure{"cpu", "profile.cpu.time", "s", true, false, "cpu.time"}
	offCPUMeasure      = measure{"off_cpu", "profile.off_cpu.time", "s", true, false, "off_cpu.time"}
	wallMeasure        = measure{"wall", "profile.wall.time", "s", true, false, "wall.time"}
	memoryMeasure      = measure{"memory", "profile.memory.allocated", "By", false, false, "memory.allocated"}
	allocationsMeasure = measure{"allocations", "profile.memory.allocations", "{allocation}", false, false, ""}
	inuseMeasure       = measure{"inuse", "profile.memory.inuse", "By", false, true, "memory.inuse"}
	inuseObjMeasure    = measure{"inuse_objects", "profile.memory.inuse_objects", "{object}", false, true, "memory.inuse_objects"}
)

// nsPer is the nanoseconds in one of a time unit; 0 for any other unit.
func nsPer(unit string) int64 {
	switch unit {
	case "nanoseconds", "ns":
		return 1
	case "microseconds", "us":
		return 1_000
	case "milliseconds", "ms":
		return 1_000_000
	case "seconds", "s":
		return 1_000_000_000
	}
	return 0
}

// classification of one sample type: its measure and the factor its values
// are multiplied by; skipped (no metric) or invalid (every sample invalid).
type classification struct {
	m       measure
	factor  int64
	skipped bool
	invalid bool
}

func directCPU(st *profile.ValueType) bool { return st.Type == "cpu" && nsPer(st.Unit) > 0 }

// classify classifies sample type i of p.
func classify(p *profile.Profile, i int) classification {
	st, pt := p.SampleType[i], p.PeriodType
	if pt == nil {
		pt = &profile.ValueType{}
	}
	switch {
	case directCPU(st):
		return classification{m: cpuMeasure, factor: nsPer(st.Unit)}
	case countCPU(st, pt):
		for _, other := range p.SampleType {
			if directCPU(other) {
				return classification{skipped: true}
			}
		}
		hi, factor := bits.Mul64(uint64(max(p.Period, 0)), uint64(nsPer(pt.Unit)))
		if p.Period <= 0 || hi != 0 || factor > 1<<63-1 {
			return classification{invalid: true}
		}
		return classification{m: cpuMeasure, factor: int64(factor)}
	case st.Type == "off_cpu" && nsPer(st.Unit) > 0:
		return classification{m: offCPUMeasure, factor: nsPer(st.Unit)}
	case st.Type == "wall" && nsPer(st.Unit) > 0:
		return classification{m: wallMeasure, factor: nsPer(st.Unit)}
	case (st.Type == "alloc_space" || st.Type == "allocated_space" || st.Type == "space" || st.Type == "alloc-size") && st.Unit == "bytes":
		return classification{m: memoryMeasure, factor: 1}
	case (st.Type == "alloc_objects" || st.Type == "allocated_objects") && st.Unit == "count":
		return classification{m: allocationsMeasure, factor: 1}
	case st.Type == "inuse_space" && st.Unit == "bytes":
		return classification{m: inuseMeasure, factor: 1}
	case st.Type == "inuse_objects" && st.Unit == "count":
		return classification{m: inuseObjMeasure, factor: 1}
	}
	return classification{skipped: true}
}

// countCPU: a count of samples of a CPU period (samples or cpu, count, with
// a period type of cpu and a time unit), or py-spy's samples/count with a
// period type of no name and a time unit.
func countCPU(st, pt *profile.ValueType) bool {
	if st.Unit != "count" || nsPer(pt.Unit) == 0 {
		return false
	}
	return (st.Type == "samples" || st.Type == "cpu") && pt.Type == "cpu" || st.Type == "samples" && pt.Type == ""
}

// goHeap: a Go heap profile, allocated and in-use types together and no
// duration; its allocated amounts are totals since the process started.
func goHeap(p *profile.Profile) bool {
	var alloc, inuse bool
	for i := range p.SampleType {
		switch classify(p, i).m.name {
		case "memory", "allocations":
			alloc = true
		case "inuse", "inuse_objects":
			inuse = true
		}
	}
	return alloc && inuse && p.DurationNanos == 0
}

// The label keys that name a thread and a process executable.
var (
	threadNameKeys  = []string{"thread.name", "thread_name", "thread name", "threadName"}
	processNameKeys = []string{"process.executable.name", "process_name", "process name"}
)

// labelValue is the first string label of s under one of keys (a key's
// values are in file order); an error when two of the keys give different
// values (pprof's parsed labels keep no order between keys, so which one
// came first is not known).
func labelValue(s *profile.Sample, keys []string) (string, bool, error) {
	var value, from string
	for _, k := range keys {
		if v := s.Label[k]; len(v) > 0 {
			if from != "" && v[0] != value {
				return "", false, fmt.Errorf("labels %q and %q give two values, %q and %q", from, k, value, v[0])
			}
			value, from = v[0], k
		}
	}
	return value, from != "", nil
}

// frameNames are the function names of one location, innermost first: each
// line's function name, else its system name, else the base name of the
// location's mapping file, else [unknown]; a location without lines has
// the mapping's name only.
func frameNames(l *profile.Location) []string {
	mapping := "[unknown]"
	if l.Mapping != nil {
		if b := l.Mapping.File[strings.LastIndexByte(l.Mapping.File, '/')+1:]; b != "" {
			mapping = b
		}
	}
	if len(l.Line) == 0 {
		return []string{mapping}
	}
	names := make([]string, len(l.Line))
	for i, ln := range l.Line {
		switch {
		case ln.Function != nil && ln.Function.Name != "":
			names[i] = ln.Function.Name
		case ln.Function != nil && ln.Function.SystemName != "":
			names[i] = ln.Function.SystemName
		default:
			names[i] = mapping
		}
	}
	return names
}

// series accumulates one expected point.
type series struct {
	m          measure
	name       string // the metric's name
	attrs      [][2]string
	kind       string
	sinceStart bool // no start time
	value      int64
}

// sinceStartKind is the kind of a Go heap profile's allocated amounts.
var sinceStartKind = metricpoints.Sum(pmetric.AggregationTemporalityCumulative, true)

// expectation is every point ptm must write for p, as metricpoints lines,
// and each metric's total.
type expectation struct {
	lines  []string
	totals map[string]float64
}

// expect computes the expectation for p.
func expect(p *profile.Profile) (expectation, error) {
	all := map[string]*series{}
	var order []string
	add := func(m measure, name string, attrs [][2]string, kind string, gaugeOf int, v int64) error {
		key := fmt.Sprint(name, attrs, gaugeOf, kind)
		s := all[key]
		if s == nil {
			s = &series{m: m, name: name, attrs: attrs, kind: kind, sinceStart: kind == sinceStartKind}
			all[key] = s
			order = append(order, key)
		}
		sum, carry := bits.Add64(uint64(s.value), uint64(v), 0)
		if carry != 0 || sum > 1<<63-1 {
			return fmt.Errorf("%s %v: the total is beyond int64", name, attrs)
		}
		s.value = int64(sum)
		return nil
	}
	heap := goHeap(p)
	for i := range p.SampleType {
		c := classify(p, i)
		if c.skipped || c.invalid {
			continue
		}
		kind := metricpoints.Sum(pmetric.AggregationTemporalityDelta, true)
		if c.m.gauge {
			kind = "gauge"
		} else if heap && (c.m.name == "memory" || c.m.name == "allocations") {
			kind = sinceStartKind
		}
		gaugeOf := -1
		if c.m.gauge {
			gaugeOf = i // a gauge's points are per profile (per sample type)
		}
		for _, s := range p.Sample {
			if i >= len(s.Value) || s.Value[i] <= 0 {
				continue // no value, a zero (no point) or a negative one (invalid)
			}
			hi, v := bits.Mul64(uint64(s.Value[i]), uint64(c.factor))
			if hi != 0 || v > 1<<63-1 {
				continue // beyond int64: invalid
			}
			var attrs [][2]string
			for _, a := range []struct {
				key  string
				keys []string
			}{{"thread.name", threadNameKeys}, {"process.executable.name", processNameKeys}} {
				value, found, err := labelValue(s, a.keys)
				if err != nil {
					return expectation{}, err
				}
				if found {
					attrs = append(attrs, [2]string{a.key, value})
				}
			}
			if err := add(c.m, c.m.metric, attrs, kind, gaugeOf, int64(v)); err != nil {
				return expectation{}, err
			}
			if c.m.function == "" || len(s.Location) == 0 {
				continue
			}
			self := frameNames(s.Location[0])[0]
			if err := add(c.m, "profile.function.self."+c.m.function, [][2]string{{"code.function.name", self}}, kind, gaugeOf, int64(v)); err != nil {
				return expectation{}, err
			}
			seen := map[string]bool{}
			for _, l := range s.Location {
				for _, n := range frameNames(l) {
					if seen[n] {
						continue
					}
					seen[n] = true
					if err := add(c.m, "profile.function.inclusive."+c.m.function, [][2]string{{"code.function.name", n}}, kind, gaugeOf, int64(v)); err != nil {
						return expectation{}, err
					}
				}
			}
		}
	}
	start := uint64(max(p.TimeNanos, 0))
	end := start + uint64(max(p.DurationNanos, 0))
	e := expectation{totals: map[string]float64{}}
	for _, key := range order {
		s := all[key]
		attrs := pcommon.NewMap()
		for _, a := range s.attrs {
			attrs.PutStr(a[0], a[1])
		}
		value := metricpoints.Int(s.value)
		total := float64(s.value)
		if s.m.time {
			total = float64(s.value) / 1e9
			value = metricpoints.Double(total)
		}
		from := start
		if s.sinceStart {
			from = 0
		}
		e.lines = append(e.lines, metricpoints.Line(metricpoints.Resource(pcommon.NewMap(), ""), s.name, s.m.unit, s.kind,
			metricpoints.AttributeText(attrs), from, end, value))
		e.totals[s.name] += total
	}
	return e, nil
}
