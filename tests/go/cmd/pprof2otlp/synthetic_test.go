// synthetic_test.go: pprof profiles built here with google/pprof's Profile
// and written by its Write (gzipped) or WriteUncompressed, for what the
// real fixtures lack: thread and process labels under each of their
// spellings, numeric labels with and without units, inlined lines, a
// location without lines (its mapping's base name), a function with only a
// system name, one with no name at all (the mapping's name, else
// [unknown]), recursion (inclusive counts a function once), an empty stack,
// zero and negative values, a count-based CPU type in microseconds, a
// direct CPU type next to a count-based one, non-Go allocation types and a
// heap profile with a duration, several values of one label, numeric and
// empty thread names, two sample types feeding one metric, a value and a
// period beyond int64 when scaled. Each is checked as the fixtures are.
package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/pprof/profile"

	"profiletometrics/tests/go/internal/metricpoints"
)

const syntheticTime = 1_700_000_000_123_456_789

// syntheticFrames: mappings, functions and locations shared by the
// synthetic profiles.
type syntheticFrames struct {
	mappings  []*profile.Mapping
	functions []*profile.Function
	// inlined (app.inner in app.outer), libc (no lines), system (a system
	// name only), nameless (no names, no mapping), nameless2 (no names, the
	// server's mapping), emptyFile (no names, a mapping without a file),
	// main (app.main).
	inlined, libc, system, nameless, nameless2, emptyFile, main *profile.Location
}

func newSyntheticFrames() syntheticFrames {
	libc := &profile.Mapping{ID: 1, Start: 0x7f0000000000, Limit: 0x7f0000200000, File: "/usr/lib/x86_64-linux-gnu/libc.so.6"}
	server := &profile.Mapping{ID: 2, Start: 0x400000, Limit: 0x800000, File: "/opt/app/bin/server", HasFunctions: true}
	noFile := &profile.Mapping{ID: 3, Start: 0x900000, Limit: 0x910000}
	inner := &profile.Function{ID: 1, Name: "app.inner", SystemName: "_app_inner", Filename: "app/inner.go"}
	outer := &profile.Function{ID: 2, Name: "app.outer", Filename: "app/outer.go"}
	system := &profile.Function{ID: 3, SystemName: "_ZN3sys4callEv"}
	nameless := &profile.Function{ID: 4, Filename: "unknown.c"}
	main := &profile.Function{ID: 5, Name: "app.main", Filename: "app/main.go"}
	f := syntheticFrames{
		mappings:  []*profile.Mapping{libc, server, noFile},
		functions: []*profile.Function{inner, outer, system, nameless, main},
		inlined: &profile.Location{ID: 1, Mapping: server, Address: 0x401000,
			Line: []profile.Line{{Function: inner, Line: 10}, {Function: outer, Line: 20}}},
		libc:      &profile.Location{ID: 2, Mapping: libc, Address: 0x7f0000001234},
		system:    &profile.Location{ID: 3, Mapping: server, Address: 0x402000, Line: []profile.Line{{Function: system, Line: 3}}},
		nameless:  &profile.Location{ID: 4, Address: 0x1000, Line: []profile.Line{{Function: nameless, Line: 1}}},
		nameless2: &profile.Location{ID: 5, Mapping: server, Address: 0x403000, Line: []profile.Line{{Function: nameless, Line: 2}}},
		emptyFile: &profile.Location{ID: 6, Mapping: noFile, Address: 0x900010, Line: []profile.Line{{Function: nameless, Line: 4}}},
		main:      &profile.Location{ID: 7, Mapping: server, Address: 0x404000, Line: []profile.Line{{Function: main, Line: 5}}},
	}
	return f
}

func (f syntheticFrames) profile(types []*profile.ValueType, period *profile.ValueType, n int64, duration int64, samples []*profile.Sample) *profile.Profile {
	return &profile.Profile{
		SampleType:    types,
		PeriodType:    period,
		Period:        n,
		TimeNanos:     syntheticTime,
		DurationNanos: duration,
		Sample:        samples,
		Mapping:       f.mappings,
		Function:      f.functions,
		Location:      []*profile.Location{f.inlined, f.libc, f.system, f.nameless, f.nameless2, f.emptyFile, f.main},
	}
}

func vt(typ, unit string) *profile.ValueType { return &profile.ValueType{Type: typ, Unit: unit} }

func locs(l ...*profile.Location) []*profile.Location { return l }

// syntheticProfiles are the profiles by file name (.pb.gz written gzipped).
func syntheticProfiles() map[string]*profile.Profile {
	f := newSyntheticFrames()
	return map[string]*profile.Profile{
		"labels-frames.pb.gz": f.profile([]*profile.ValueType{vt("off_cpu", "nanoseconds"), vt("wall", "milliseconds")},
			vt("wall", "milliseconds"), 10, 5_000_000_000, []*profile.Sample{
				{Location: locs(f.inlined, f.main), Value: []int64{1_500, 3},
					Label:    map[string][]string{"thread_name": {"worker-1"}, "process_name": {"server"}},
					NumLabel: map[string][]int64{"tid": {42}, "pid": {7}, "size": {1024}},
					NumUnit:  map[string][]string{"size": {"bytes"}}},
				{Location: locs(f.libc, f.inlined, f.main), Value: []int64{2_000_000, 0},
					Label: map[string][]string{"threadName": {"worker-2"}}},
				{Location: locs(f.system, f.main, f.system), Value: []int64{0, 7},
					Label: map[string][]string{"thread name": {"worker-3"}, "process.executable.name": {"server"}}},
				{Location: locs(f.nameless), Value: []int64{-5, 2},
					Label: map[string][]string{"thread.name": {"worker-1"}, "http.route": {"/x"}}},
				{Value: []int64{11, 1}},
				{Location: locs(f.nameless2, f.main), Value: []int64{1, 1},
					Label: map[string][]string{"process name": {"server"}}, NumLabel: map[string][]int64{"thread_id": {9}}},
				{Location: locs(f.emptyFile), Value: []int64{3, 0}},
			}),
		"label-edges.pb.gz": f.profile([]*profile.ValueType{vt("wall", "microseconds"), vt("wall", "nanoseconds")},
			vt("wall", "microseconds"), 100, 1_000_000_000, []*profile.Sample{
				{Location: locs(f.main), Value: []int64{2, 500}, Label: map[string][]string{"thread_name": {"a", "b"}}},
				{Location: locs(f.main), Value: []int64{3, 0}, NumLabel: map[string][]int64{"thread_name": {5}}},
				{Location: locs(f.inlined), Value: []int64{4, 1}, Label: map[string][]string{"thread_name": {""}}},
			}),
		"overflow.pb": f.profile([]*profile.ValueType{vt("samples", "count")}, vt("cpu", "nanoseconds"), 1<<40, 0,
			[]*profile.Sample{
				{Location: locs(f.main), Value: []int64{1 << 30}},
				{Location: locs(f.inlined), Value: []int64{3}},
			}),
		"period-overflow.pb": f.profile([]*profile.ValueType{vt("samples", "count"), vt("wall", "nanoseconds")},
			vt("cpu", "seconds"), 1<<34, 0, []*profile.Sample{{Location: locs(f.main), Value: []int64{1, 5}}}),
		"count-cpu.pb": f.profile([]*profile.ValueType{vt("samples", "count")}, vt("cpu", "microseconds"), 250, 0,
			[]*profile.Sample{
				{Location: locs(f.main), Value: []int64{4}},
				{Location: locs(f.inlined, f.main), Value: []int64{2}, Label: map[string][]string{"thread_name": {"a"}}},
			}),
		"direct-and-count-cpu.pb.gz": f.profile([]*profile.ValueType{vt("samples", "count"), vt("cpu", "milliseconds")},
			vt("cpu", "milliseconds"), 10, 2_000_000_000, []*profile.Sample{
				{Location: locs(f.main), Value: []int64{3, 30}},
				{Location: locs(f.system, f.main), Value: []int64{1, 10}},
			}),
		"alloc-delta.pb.gz": f.profile([]*profile.ValueType{vt("space", "bytes"), vt("allocated_objects", "count")},
			vt("space", "bytes"), 512*1024, 10_000_000_000, []*profile.Sample{
				{Location: locs(f.inlined, f.main), Value: []int64{4096, 2}},
				{Location: locs(f.libc, f.main), Value: []int64{1 << 20, 1}},
			}),
		"heap-with-duration.pb.gz": f.profile([]*profile.ValueType{vt("alloc_space", "bytes"), vt("inuse_space", "bytes")},
			vt("space", "bytes"), 512*1024, 30_000_000_000, []*profile.Sample{
				{Location: locs(f.inlined, f.main), Value: []int64{8192, 4096}},
				{Location: locs(f.main), Value: []int64{100, 0}, Label: map[string][]string{"thread_name": {"w"}}},
			}),
	}
}

// pinned are points worked out by hand for some synthetic profiles: the
// expectation must have them (so that expect_test.go is checked too).
func pinned() map[string][]string {
	const delta, s = "sum/Delta/monotonic", "s"
	pin := func(metric, unit, attrs string, duration uint64, value string) string {
		return metricpoints.Line(" ", metric, unit, delta, attrs, syntheticTime, syntheticTime+duration, value)
	}
	const five = 5_000_000_000
	return map[string][]string{
		"labels-frames.pb.gz": {
			// 1500 ns, with the renamed thread_name and process_name labels
			pin("profile.off_cpu.time", s, "thread.name=Str:worker-1,process.executable.name=Str:server,", five, "double:1.5e-06"),
			// 11 ns (empty stack) + 3 ns (no names, no mapping file); -5 is invalid
			pin("profile.off_cpu.time", s, "", five, "double:1.4e-08"),
			pin("profile.function.self.off_cpu.time", s, "code.function.name=Str:libc.so.6,", five, "double:0.002"),
			pin("profile.function.self.off_cpu.time", s, "code.function.name=Str:server,", five, "double:1e-09"),
			pin("profile.function.self.off_cpu.time", s, "code.function.name=Str:[unknown],", five, "double:3e-09"),
			pin("profile.function.inclusive.off_cpu.time", s, "code.function.name=Str:app.outer,", five, "double:0.0020015"),
			// 7 ms under "thread name", the system-named function twice on the stack, counted once
			pin("profile.wall.time", s, "thread.name=Str:worker-3,process.executable.name=Str:server,", five, "double:0.007"),
			pin("profile.function.inclusive.wall.time", s, "code.function.name=Str:_ZN3sys4callEv,", five, "double:0.007"),
		},
		"label-edges.pb.gz": {
			// the first of thread_name's values; 2 us + 500 ns of the two wall types in one series
			pin("profile.wall.time", s, "thread.name=Str:a,", 1_000_000_000, "double:2.5e-06"),
			// a numeric thread_name and an empty one name no thread: 3 us + 4 us + 1 ns
			pin("profile.wall.time", s, "", 1_000_000_000, "double:7.001e-06"),
		},
		"overflow.pb": {
			// 2^30 x 2^40 ns is beyond int64: that sample is invalid, the other is 3 x 2^40 ns
			pin("profile.cpu.time", s, "", 0, "double:3298.534883328"),
		},
		"period-overflow.pb": {
			// 2^34 s is beyond int64 ns: the count-based type is invalid, the wall type converts
			pin("profile.wall.time", s, "", 0, "double:5e-09"),
		},
		"count-cpu.pb": {
			// 4 samples of 250 us
			pin("profile.cpu.time", s, "", 0, "double:0.001"),
			pin("profile.function.inclusive.cpu.time", s, "code.function.name=Str:app.main,", 0, "double:0.0015"),
		},
		"direct-and-count-cpu.pb.gz": {
			// the direct cpu type alone: 30 ms + 10 ms
			pin("profile.cpu.time", s, "", 2_000_000_000, "double:0.04"),
		},
		"heap-with-duration.pb.gz": {
			pin("profile.memory.allocated", "By", "thread.name=Str:w,", 30_000_000_000, "int:100"),
			metricpoints.Line(" ", "profile.memory.inuse", "By", "gauge", "", syntheticTime, syntheticTime+30_000_000_000, "int:4096"),
		},
	}
}

func TestSyntheticProfiles(t *testing.T) {
	bin := ptmPath(t)
	dir := t.TempDir()
	profiles := syntheticProfiles()
	// Ignored by ptm (and by google/pprof's Parse): frame filters, comments,
	// the default sample type, the doc URL.
	edges := profiles["labels-frames.pb.gz"]
	edges.DropFrames, edges.KeepFrames = "app\\..*", "app\\.main"
	edges.Comments, edges.DefaultSampleType, edges.DocURL = []string{"synthetic"}, "wall", "https://example.invalid/doc"
	for name, p := range profiles {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, name)
			out, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Ext(name) == ".gz" {
				err = p.Write(out)
			} else {
				err = p.WriteUncompressed(out)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
			parsed, raw := parse(t, file)
			if raw {
				t.Fatal("google/pprof refuses a profile it wrote")
			}
			want, err := expect(parsed)
			if err != nil {
				t.Fatal(err)
			}
			for _, pin := range pinned()[name] {
				if !slices.Contains(want.lines, pin) {
					t.Fatalf("the expectation lacks the point worked out by hand: %s", pin)
				}
			}
			checkFile(t, bin, file, parsed, want, nil)
		})
	}
}
