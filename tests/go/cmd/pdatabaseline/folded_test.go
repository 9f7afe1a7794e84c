// folded_test.go: `ptm -f folded` against the folded stacks computed here,
// independently, from pdata's reading of the same input with this
// package's own classification and frame naming (convert.go): for each
// sample of the measure asked for (a measure's profiles as classify()
// says, the count-based CPU twin skipped when its scope has a direct one),
// the line process;thread;frames root first (each location's lines from
// the outermost caller in, a location without lines by its mapping) and
// the sample's value in ns or bytes, summed per line, sorted.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

var foldedEscape = strings.NewReplacer(";", "_", "\n", "_", "\r", "_")

func foldedName(name string) string {
	if name == "" {
		return "[unknown]"
	}
	return foldedEscape.Replace(name)
}

// frameNames are a sample's frames root first: each location's lines from
// the outermost caller in, a location without lines by its mapping.
func (c *converter) frameNames(s pprofile.Sample) []string {
	var names []string
	locations := c.dict.StackTable().At(int(s.StackIndex())).LocationIndices()
	for i := locations.Len() - 1; i >= 0; i-- {
		loc := c.dict.LocationTable().At(int(locations.At(i)))
		if loc.Lines().Len() == 0 {
			names = append(names, c.mappingName(loc))
		}
		for j := loc.Lines().Len() - 1; j >= 0; j-- {
			names = append(names, c.functionName(loc, loc.Lines().At(j)))
		}
	}
	return names
}

// folded is the expected `ptm -f folded` output for measure want.
func folded(pd pprofile.Profiles, want measure) string {
	c := newTestConverter(pd)
	sums := map[string]int64{}
	c.eachFed(pd, func(f fedSample) {
		if f.m != want {
			return
		}
		process, _, _ := c.pointAttribute(f.s, f.p, f.res, "process.executable.name")
		thread, _, _ := c.pointAttribute(f.s, f.p, f.res, "thread.name")
		names := []string{foldedName(process), foldedName(thread)}
		for _, frame := range c.frameNames(f.s) {
			names = append(names, foldedName(frame))
		}
		sums[strings.Join(names, ";")] += f.value
	})
	lines := make([]string, 0, len(sums))
	for line := range sums {
		lines = append(lines, line)
	}
	sort.Strings(lines)
	var b strings.Builder
	for _, line := range lines {
		fmt.Fprintf(&b, "%s %d\n", line, sums[line])
	}
	return b.String()
}

func ptmFolded(t *testing.T, ptm, measure string, input []byte) string {
	t.Helper()
	config := filepath.Join(t.TempDir(), "folded.json")
	if err := os.WriteFile(config, []byte(`{"folded": {"measure": "`+measure+`"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ptm, "-c", config, "-f", "folded")
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm -f folded: %v: %s", err, stderr.String())
	}
	return string(out)
}

func TestFoldedAgreesWithPtm(t *testing.T) {
	ptm := filepath.Join(repoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	type input struct {
		path     string
		measures map[string]measure
	}
	all := map[string]measure{"cpu": cpu, "off_cpu": offCPU, "wall": wall, "memory": memory}
	inputs := []input{
		{filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"), all},
		{filepath.Join(repoRoot, "tests", "fixtures", "cpu-pprof.pb"), all},
		{filepath.Join(repoRoot, "tests", "fixtures", "memory.pb"), all},
		{filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-offcpu.pb"), all},
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
				want, got := folded(pd, m), ptmFolded(t, ptm, name, data)
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
