package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

// TestSymbolizedStacksAgreeWithPtm: on the live eBPF capture, with
// symbolize.paths set to the fixture's bin/, every folded CPU stack of ptm
// (every frame's name and every value) is the oracle's, whose native frames
// are named by Go's debug/elf from every ELF file under bin/ (symbols.go);
// the busy C functions are among the names, so symbolization is not vacuous.
func TestSymbolizedStacksAgreeWithPtm(t *testing.T) {
	live := filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-live")
	compressed, err := os.ReadFile(filepath.Join(live, "ebpf-live.jsonl.gz"))
	if err != nil {
		t.Skipf("no live capture: %v", err)
	}
	symbols, err := newSymbolizer(filepath.Join(live, "bin"))
	if err != nil {
		t.Fatal(err)
	}
	reader, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(reader)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		pd, err := (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(line)
		if err != nil {
			t.Fatal(err)
		}
		c := newTestConverter(pd)
		c.symbols = symbols
		c.eachFed(pd, func(f fedSample) {
			if f.m != cpu {
				return
			}
			process, _, _ := c.pointAttribute(f.s, f.p, f.res, "process.executable.name")
			thread, _, _ := c.pointAttribute(f.s, f.p, f.res, "thread.name")
			names := []string{foldedName(process), foldedName(thread)}
			for _, frame := range c.frameNames(f.s) {
				names = append(names, foldedName(frame))
			}
			want[strings.Join(names, ";")] += f.value
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
