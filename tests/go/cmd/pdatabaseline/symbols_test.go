package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
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
	config := filepath.Join(t.TempDir(), "symbolize.json")
	text := fmt.Sprintf(`{"symbolize": {"paths": [%q]}}`, filepath.Join(live, "bin"))
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(repoRoot, "build", "native", "ptm"), "-c", config, "-f", "folded")
	cmd.Stdin = bytes.NewReader(compressed)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm: %v: %s", err, stderr.String())
	}
	got := foldedLines(t, string(out))
	if len(got) != len(want) {
		t.Errorf("%d stacks from ptm, %d from the oracle", len(got), len(want))
	}
	for stack, value := range want {
		if got[stack] != value {
			t.Errorf("%s: ptm %d, oracle %d", stack, got[stack], value)
		}
	}
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
