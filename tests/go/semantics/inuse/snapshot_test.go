// snapshot_test.go: in-use stacks are snapshots. Two requests of the same
// resource, the second a later heap profile (every time 1 s on, every value
// tripled), converted together: `ptm -f folded` and `--top` with folded
// measure inuse or inuse_objects count the later profile only, in either
// order of the inputs, as the oracle's eachSnapshot says (never the sum of
// the two), on tests/fixtures/memory.pb and, when ../shared has them, the
// Node.js and Go heap profiles (pprof, read by internal/pprofconv).
package inuse

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/pprofconv"
	"profiletometrics/tests/go/internal/ptmtest"
)

// later is a copy of pd one second later with every sample value tripled.
func later(pd pprofile.Profiles) pprofile.Profiles {
	out := pprofile.NewProfiles()
	pd.CopyTo(out)
	for _, rp := range out.ResourceProfiles().All() {
		for _, sp := range rp.ScopeProfiles().All() {
			for _, p := range sp.Profiles().All() {
				p.SetTime(p.Time() + 1_000_000_000)
				for _, s := range p.Samples().All() {
					for i := range s.Values().Len() {
						s.Values().SetAt(i, 3*s.Values().At(i))
					}
				}
			}
		}
	}
	return out
}

func heapInputs(t *testing.T) map[string]pprofile.Profiles {
	t.Helper()
	inputs := map[string]pprofile.Profiles{}
	data, err := os.ReadFile(filepath.Join(ptmtest.RepoRoot, "tests", "fixtures", "memory.pb"))
	if err != nil {
		t.Fatal(err)
	}
	if inputs["memory.pb"], err = (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"nodejs-heap.pb.gz", "heap.pb.gz"} {
		data, err := os.ReadFile(filepath.Join(ptmtest.RepoRoot, "..", "shared", "fixtures", "pprof", name))
		if err != nil {
			t.Logf("skipped %s: %v", name, err)
			continue
		}
		p, err := profile.ParseData(data)
		if err != nil {
			t.Fatal(err)
		}
		inputs[name] = pprofconv.Convert(p)
	}
	return inputs
}

func writeRequest(t *testing.T, pd pprofile.Profiles, name string) string {
	t.Helper()
	data, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(pd)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runPtmText(t *testing.T, ptm string, args ...string) string {
	t.Helper()
	cmd := exec.Command(ptm, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm %v: %v: %s", args, err, stderr.String())
	}
	return string(out)
}

func TestInuseStacksAreSnapshots(t *testing.T) {
	ptm := ptmtest.Binary(t)
	for name, first := range heapInputs(t) {
		second := later(first)
		a, b := writeRequest(t, first, "a.pb"), writeRequest(t, second, "b.pb")
		for measureName, m := range map[string]pdataoracle.Measure{"inuse": pdataoracle.Inuse, "inuse_objects": pdataoracle.InuseObjects} {
			t.Run(name+"/"+measureName, func(t *testing.T) {
				config := filepath.Join(t.TempDir(), "c.json")
				if err := os.WriteFile(config, []byte(`{"folded": {"measure": "`+measureName+`"}}`), 0o644); err != nil {
					t.Fatal(err)
				}
				want := pdataoracle.FoldedAll([]pprofile.Profiles{first, second}, m)
				if want == "" || want != pdataoracle.Folded(second, m) || want == pdataoracle.Folded(first, m) {
					t.Fatalf("the oracle's two snapshots: %d bytes, want the later one's %d (the earlier: %d)",
						len(want), len(pdataoracle.Folded(second, m)), len(pdataoracle.Folded(first, m)))
				}
				for _, order := range [][]string{{a, b}, {b, a}} {
					got := runPtmText(t, ptm, append([]string{"-c", config, "-f", "folded"}, order...)...)
					if got != want {
						t.Errorf("ptm -f folded %v differs:\n got %d bytes: %.300s\nwant %d bytes: %.300s", order, len(got), got, len(want), want)
					}
				}
				top := runPtmText(t, ptm, "-c", config, "--top", "5", a, b)
				_, rest, _ := strings.Cut(top, "\n")
				_, tables, _ := strings.Cut(rest, "\n") // past the totals (summed measures, both requests)
				_, wantTables, _ := strings.Cut(pdataoracle.ExpectTop(second, m, 5), "\n")
				if tables != wantTables {
					t.Errorf("ptm --top differs:\n got:\n%s\nwant:\n%s", tables, wantTables)
				}
			})
		}
	}
}
