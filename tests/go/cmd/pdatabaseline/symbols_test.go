package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestSymbolizedStacksAgreeWithPtm: on the live eBPF capture, with
// symbolize.paths set to the fixture's bin/, every folded CPU stack of ptm
// (every frame's name and every value) is the oracle's, whose native frames
// are named by Go's debug/elf from every ELF file under bin/ (symbols.go);
// the busy C functions are among the names, so symbolization is not vacuous.
func TestSymbolizedStacksAgreeWithPtm(t *testing.T) {
	compressed, requests := liveCapture(t)
	live := filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-live")
	symbols, err := newSymbolizer(filepath.Join(live, "bin"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, pd := range requests {
		c := newTestConverter(pd)
		c.symbols = symbols
		c.eachFed(pd, func(f fedSample) {
			if f.m != cpu {
				return
			}
			want[c.foldedStack(f)] += f.value
		})
	}
	config := fmt.Sprintf(`{"symbolize": {"paths": [%q]}}`, filepath.Join(live, "bin"))
	got := foldedLines(t, ptmFoldedWith(t, filepath.Join(repoRoot, "build", "native", "ptm"), config, compressed))
	assertSameStacks(t, got, want)
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
