// symbols_test.go: symbolization of native frames against the oracle's own
// naming (internal/pdataoracle/symbols.go: Go's debug/elf over every ELF
// file of a directory), on the live eBPF capture.
package symbolize

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/ptmtest"
)

// TestSymbolizedStacksAgreeWithPtm: on the live eBPF capture, with
// symbolize.paths set to the fixture's bin/, every folded CPU stack of ptm
// (every frame's name and every value) is the oracle's, whose native frames
// are named by Go's debug/elf from every ELF file under bin/ (symbols.go);
// the busy C functions are among the names, so symbolization is not vacuous.
func TestSymbolizedStacksAgreeWithPtm(t *testing.T) {
	compressed, requests := ptmtest.LiveCapture(t)
	live := filepath.Join(ptmtest.RepoRoot, "..", "shared", "fixtures", "otlp-live")
	symbols, err := pdataoracle.NewSymbolizer(filepath.Join(live, "bin"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, pd := range requests {
		c := pdataoracle.NewConverter(pd)
		c.Symbols = symbols
		c.EachFed(pd, func(f pdataoracle.FedSample) {
			if f.Measure != pdataoracle.CPU {
				return
			}
			want[c.FoldedStack(f)] += f.Value
		})
	}
	config := fmt.Sprintf(`{"symbolize": {"paths": [%q]}}`, filepath.Join(live, "bin"))
	got := ptmtest.FoldedLines(t, ptmtest.FoldedWith(t, filepath.Join(ptmtest.RepoRoot, "build", "native", "ptm"), config, compressed))
	ptmtest.AssertSameStacks(t, got, want)
	for _, name := range []string{"zebra_crunch_cpu", "zebra_outer_driver", "yak_churn_bytes"} {
		found := false
		for stack := range got {
			found = found || strings.Contains(";"+stack+";", ";"+name+";")
		}
		if !found {
			t.Errorf("no stack names %s", name)
		}
	}
}
