// folded_test.go: `ptm -f folded` against the folded stacks the pdata
// oracle computes (pdataoracle.Folded), independently, from pdata's reading
// of the same input with its own classification and frame naming: every
// measure on the fixtures and the real eBPF capture, and on the live eBPF
// capture the unnamed frames named for their type ("[v8js]", "[native]").
package folded

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/ptmtest"
)

func TestFoldedAgreesWithPtm(t *testing.T) {
	ptm := filepath.Join(ptmtest.RepoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	type input struct {
		path     string
		measures map[string]pdataoracle.Measure
	}
	all := map[string]pdataoracle.Measure{"cpu": pdataoracle.CPU, "off_cpu": pdataoracle.OffCPU, "wall": pdataoracle.Wall, "memory": pdataoracle.Memory,
		"inuse": pdataoracle.Inuse, "inuse_objects": pdataoracle.InuseObjects}
	inputs := []input{
		{filepath.Join(ptmtest.RepoRoot, "tests", "fixtures", "cpu-ebpf.pb"), all},
		{filepath.Join(ptmtest.RepoRoot, "tests", "fixtures", "cpu-pprof.pb"), all},
		{filepath.Join(ptmtest.RepoRoot, "tests", "fixtures", "memory.pb"), all},
		{filepath.Join(ptmtest.RepoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-offcpu.pb"), all},
	}
	nonEmpty := 0
	for _, in := range inputs {
		data, err := os.ReadFile(in.path)
		if err != nil {
			t.Logf("skipped %s: %v", in.path, err)
			continue
		}
		pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
		if err != nil {
			t.Fatal(err)
		}
		for name, m := range in.measures {
			t.Run(filepath.Base(in.path)+"/"+name, func(t *testing.T) {
				want, got := pdataoracle.Folded(pd, m), ptmtest.Folded(t, ptm, name, data)
				if got != want {
					t.Errorf("ptm -f folded differs:\n got %d bytes: %.300s\nwant %d bytes: %.300s", len(got), got, len(want), want)
				}
				if want != "" {
					nonEmpty++
				}
			})
		}
	}
	if nonEmpty < 4 {
		t.Errorf("only %d non-empty comparisons: the fixtures should give cpu, off_cpu and memory stacks", nonEmpty)
	}
}

// TestUnnamedFramesNamedForTheirType: on the live eBPF profiler capture
// (../shared/fixtures/otlp-live), whose unnamed v8js frames and native
// frames without a mapping file used to merge into one "[unknown]", ptm's
// folded stacks are the oracle's over every request, with each unnamed
// frame named for its profile.frame.type ("[v8js]", "[native]").
func TestUnnamedFramesNamedForTheirType(t *testing.T) {
	ptm := filepath.Join(ptmtest.RepoRoot, "build", "native", "ptm")
	compressed, requests := ptmtest.LiveCapture(t)
	want := map[string]int64{}
	for _, pd := range requests {
		for stack, value := range ptmtest.FoldedLines(t, pdataoracle.Folded(pd, pdataoracle.CPU)) {
			want[stack] += value
		}
	}
	got := ptmtest.FoldedLines(t, ptmtest.Folded(t, ptm, "cpu", compressed))
	ptmtest.AssertSameStacks(t, got, want)
	typed := map[string]bool{}
	for stack := range got {
		frames := strings.Split(stack, ";")
		for _, frame := range frames[2:] { // past the process and thread
			if frame == "[unknown]" {
				t.Errorf("a bare [unknown] frame: %s", stack)
			}
			if frame == "[v8js]" || frame == "[native]" {
				typed[frame] = true
			}
		}
	}
	t.Logf("%d stacks over %d requests; unnamed frames named %v", len(got), len(requests), typed)
	if !typed["[v8js]"] || !typed["[native]"] {
		t.Errorf("the capture's unnamed frames: %v, want [v8js] and [native]", typed)
	}
}
