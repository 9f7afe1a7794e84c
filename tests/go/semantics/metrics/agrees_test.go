// agrees_test.go: the pdata oracle (internal/pdataoracle, the baseline of
// `make bench`) computes what ptm computes. For each fixture of
// tests/fixtures (eBPF CPU and off-CPU, Go heap, pprof CPU with its
// count-based twin and an unknown type), the Node.js heap profile of
// ../shared when present, and a small pprof-shaped and distinct-stack
// request, every point of the oracle's output (resource attributes, metric,
// kind and temporality, point attributes, times, value) must be a point of
// ptm's output for the same input, and the other way round. ptm is
// build/native/ptm (`make build`); without it the test is skipped.
package metrics

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/pprof/profile"

	"profiletometrics/tests/go/internal/metricpoints"
	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/pprofconv"
	"profiletometrics/tests/go/internal/ptmtest"
)

// points lists every data point of an OTLP metrics request as one sorted
// line each.
func points(t *testing.T, data []byte) []string {
	t.Helper()
	out, err := metricpoints.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAgreesWithPtm(t *testing.T) {
	ptm := filepath.Join(ptmtest.RepoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	inputs := map[string][]byte{}
	for _, name := range []string{"cpu-ebpf", "memory", "cpu-pprof"} {
		data, err := os.ReadFile(filepath.Join(ptmtest.RepoRoot, "tests", "fixtures", name+".pb"))
		if err != nil {
			t.Fatal(err)
		}
		inputs[name] = data
	}
	// The Node.js heap profile (in-use types only; a Go heap profile's
	// since-start allocations are not this oracle's), through pprofconv.
	if data, err := os.ReadFile(filepath.Join(ptmtest.RepoRoot, "..", "shared", "fixtures", "pprof", "nodejs-heap.pb.gz")); err == nil {
		p, err := profile.ParseData(data)
		if err != nil {
			t.Fatal(err)
		}
		if inputs["nodejs-heap"], err = pprofconv.Marshal(pprofconv.Convert(p)); err != nil {
			t.Fatal(err)
		}
	}
	for name, gen := range map[string]string{"pprof-shape": "pprof", "distinct-shape": "distinct"} {
		inputs[name] = ptmtest.Generated(t, gen, 2000)
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			ours, _, err := pdataoracle.ConvertRequest(input)
			if err != nil {
				t.Fatal(err)
			}
			got, want := points(t, ours), points(t, ptmtest.Output(t, ptm, input))
			if len(want) == 0 {
				t.Fatal("ptm wrote no point")
			}
			for _, d := range metricpoints.Diff(got, want) {
				t.Error(d)
			}
		})
	}
}
