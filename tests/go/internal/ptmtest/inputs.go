// inputs.go: the inputs the oracle's tests share. FixtureInputs: the
// fixtures, the real eBPF capture (every fed sample of it has a kernel
// leaf), the same capture with each stack's leading kernel frames cut (so
// its native and Go frames are leaves), the real 189-request JSON Lines
// capture (one ptm run over many requests) and the benchmark's ebpf shape.
// LiveCapture: the live eBPF capture of ../shared/fixtures/otlp-live.
package ptmtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/pdataoracle"
)

// FixtureInput is an input file and the requests pdata reads from it.
type FixtureInput struct {
	Name     string
	Data     []byte
	Requests []pprofile.Profiles // its requests (JSON Lines: one a line)
	Real     bool                // the real eBPF capture, or derived from it
}

// FixtureInputs are the inputs of the file's comment; those of ../shared
// that are absent are skipped (logged).
func FixtureInputs(t *testing.T) []FixtureInput {
	t.Helper()
	var out []FixtureInput
	for _, path := range []string{
		filepath.Join(RepoRoot, "tests", "fixtures", "cpu-ebpf.pb"),
		filepath.Join(RepoRoot, "tests", "fixtures", "cpu-pprof.pb"),
		filepath.Join(RepoRoot, "tests", "fixtures", "memory.pb"),
		filepath.Join(RepoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-offcpu.pb"),
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Logf("skipped %s: %v", path, err)
			continue
		}
		pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		isReal := strings.Contains(path, "otlp-real")
		out = append(out, FixtureInput{filepath.Base(path), data, []pprofile.Profiles{pd}, isReal})
		if isReal {
			out = append(out, userLeaves(t, filepath.Base(path), pd))
		}
	}
	if in, ok := jsonLinesInput(t, filepath.Join(RepoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-189-requests.jsonl")); ok {
		out = append(out, in)
	}
	// The benchmark's shape: go, native and kernel leaves on every path of
	// its kernel table, the input of make bench's breakdown rows.
	bench := Generated(t, "ebpf", 3000)
	pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(bench)
	if err != nil {
		t.Fatalf("bench shape: %v", err)
	}
	return append(out, FixtureInput{"bench-shape", bench, []pprofile.Profiles{pd}, false})
}

// jsonLinesInput: a real capture of many requests, one OTLP/JSON request a
// line, which ptm converts in one run (so per-request caches are crossed).
func jsonLinesInput(t *testing.T, path string) (FixtureInput, bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Logf("skipped %s: %v", path, err)
		return FixtureInput{}, false
	}
	in := FixtureInput{Name: filepath.Base(path), Data: data, Real: true}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		pd, err := (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(line)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		in.Requests = append(in.Requests, pd)
	}
	return in, true
}

// OverRequests: f's totals summed over the requests of in.
func (in FixtureInput) OverRequests(f func(pprofile.Profiles) pdataoracle.Totals) pdataoracle.Totals {
	sum := pdataoracle.Totals{}
	for _, pd := range in.Requests {
		for k, v := range f(pd) {
			sum[k] += v
		}
	}
	return sum
}

// userLeaves: the real capture with each stack's leading kernel frames cut
// (its user-space leaf first; an all-kernel stack stays). Every fed sample
// of the capture has a kernel leaf, so without this its library and package
// breakdowns would be empty; this way they are compared on its real native
// and Go frames.
func userLeaves(t *testing.T, name string, pd pprofile.Profiles) FixtureInput {
	t.Helper()
	cut := pprofile.NewProfiles()
	pd.CopyTo(cut)
	c := pdataoracle.NewConverter(cut)
	for _, st := range cut.Dictionary().StackTable().All() {
		indices := st.LocationIndices().AsRaw()
		i := 0
		for i < len(indices) && c.FrameType(c.Dict.LocationTable().At(int(indices[i]))) == "kernel" {
			i++
		}
		if i > 0 && i < len(indices) {
			st.LocationIndices().FromRaw(indices[i:])
		}
	}
	data, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(cut)
	if err != nil {
		t.Fatal(err)
	}
	reread, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
	if err != nil {
		t.Fatal(err)
	}
	return FixtureInput{name + "/user-leaves", data, []pprofile.Profiles{reread}, true}
}

// LiveCapture: the live eBPF capture (../shared/fixtures/otlp-live), its
// gzip bytes and its requests; the test is skipped when it is absent.
func LiveCapture(t *testing.T) ([]byte, []pprofile.Profiles) {
	t.Helper()
	path := filepath.Join(RepoRoot, "..", "shared", "fixtures", "otlp-live", "ebpf-live.jsonl.gz")
	compressed, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s: %v", path, err)
	}
	reader, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(reader)
	if err != nil {
		t.Fatal(err)
	}
	var requests []pprofile.Profiles
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		pd, err := (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(line)
		if err != nil {
			t.Fatal(err)
		}
		requests = append(requests, pd)
	}
	return compressed, requests
}
