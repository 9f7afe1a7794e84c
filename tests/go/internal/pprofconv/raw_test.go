// raw_test.go: the field-by-field reader reads what google/pprof reads:
// for every file of ../shared/fixtures/pprof google/pprof parses (skipped
// when absent), and for a profile written here with labels of both kinds,
// the OTLP request built from either parse has the same bytes.
package pprofconv

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/pprof/profile"
)

func requestOf(t *testing.T, p *profile.Profile) []byte {
	t.Helper()
	pb, err := Marshal(Convert(p))
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func sameAsGooglePprof(t *testing.T, data []byte) {
	t.Helper()
	want, err := profile.ParseData(data)
	if err != nil {
		t.Fatalf("google/pprof: %v", err)
	}
	got, err := DecodeRaw(data)
	if err != nil {
		t.Fatalf("raw: %v", err)
	}
	if len(got.Sample) != len(want.Sample) || len(got.Sample) == 0 {
		t.Fatalf("raw: %d samples, google/pprof %d", len(got.Sample), len(want.Sample))
	}
	if !bytes.Equal(requestOf(t, got), requestOf(t, want)) {
		t.Error("the OTLP requests of the raw and the google/pprof parse differ")
	}
}

func TestRawReadsWhatGooglePprofReads(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "..", "shared", "fixtures", "pprof")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Skipf("no fixtures in %s", dir)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := profile.ParseData(data); err != nil {
			continue // the file google/pprof refuses
		}
		t.Run(filepath.Base(file), func(t *testing.T) { sameAsGooglePprof(t, data) })
	}
}

func TestRawReadsLabels(t *testing.T) {
	fn := &profile.Function{ID: 1, Name: "f", SystemName: "_f", Filename: "f.c", StartLine: 3}
	m := &profile.Mapping{ID: 1, Start: 0x1000, Limit: 0x2000, File: "/bin/x"}
	loc := &profile.Location{ID: 1, Mapping: m, Address: 0x1010, Line: []profile.Line{{Function: fn, Line: 7, Column: 2}}}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "wall", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "wall", Unit: "nanoseconds"}, Period: 1,
		TimeNanos: 5, DurationNanos: 6,
		Sample: []*profile.Sample{{Location: []*profile.Location{loc}, Value: []int64{9},
			Label:    map[string][]string{"thread_name": {"a", "b"}, "k": {"v"}},
			NumLabel: map[string][]int64{"tid": {1, 2}, "size": {64}},
			NumUnit:  map[string][]string{"size": {"bytes"}}}},
		Mapping: []*profile.Mapping{m}, Function: []*profile.Function{fn}, Location: []*profile.Location{loc},
	}
	var buf bytes.Buffer
	if err := p.WriteUncompressed(&buf); err != nil {
		t.Fatal(err)
	}
	sameAsGooglePprof(t, buf.Bytes())
}
