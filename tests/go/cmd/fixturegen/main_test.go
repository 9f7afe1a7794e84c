// main_test.go: checks that the committed fixtures in tests/fixtures are
// exactly what this generator writes (so they are never edited by hand or
// left stale), that the bench request is deterministic, and that each bench
// shape is what it claims: pruning keeps what every sample resolves to and
// leaves no unused stack or location, distinct stacks are distinct, the
// pprof shape's types and counts, JSON Lines of the asked size.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

func TestFixturesUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(names) != 7 {
		t.Fatalf("want 7 fixtures, got %v (%v)", names, err)
	}
	for _, p := range names {
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) >= 30*1024 {
			t.Errorf("%s: %d bytes, want < 30 KB", filepath.Base(p), len(want))
		}
		got, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", filepath.Base(p)))
		if err != nil {
			t.Errorf("%v (regenerate: cd tests/go && go run ./cmd/fixturegen -out ../fixtures)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("tests/fixtures/%s is stale (regenerate: cd tests/go && go run ./cmd/fixturegen -out ../fixtures)", filepath.Base(p))
		}
	}
}

func TestBenchDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pb"), filepath.Join(dir, "b.pb")
	if err := writeBench(a, buildBench(5000), 0); err != nil {
		t.Fatal(err)
	}
	if err := writeBench(b, buildBench(5000), 0); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(a)
	y, _ := os.ReadFile(b)
	if len(x) == 0 || !bytes.Equal(x, y) {
		t.Fatalf("bench output not deterministic (%d vs %d bytes)", len(x), len(y))
	}
	pd := buildBench(5000)
	n := 0
	for _, rp := range pd.ResourceProfiles().All() {
		n += rp.ScopeProfiles().At(0).Profiles().At(0).Samples().Len()
	}
	if active := benchActiveProcs(5000); n != 5000 || pd.ResourceProfiles().Len() != active {
		t.Fatalf("got %d samples over %d resources", n, pd.ResourceProfiles().Len())
	}
}

// stackView is what a sample's stack resolves to: each location's mapping
// file and address and its lines' function names, leaf first.
func stackView(d pprofile.ProfilesDictionary, s pprofile.Sample) string {
	str := d.StringTable()
	var b strings.Builder
	for _, l := range d.StackTable().At(int(s.StackIndex())).LocationIndices().All() {
		loc := d.LocationTable().At(int(l))
		fmt.Fprintf(&b, "[%s@%#x", str.At(int(d.MappingTable().At(int(loc.MappingIndex())).FilenameStrindex())), loc.Address())
		for _, line := range loc.Lines().All() {
			f := d.FunctionTable().At(int(line.FunctionIndex()))
			fmt.Fprintf(&b, " %s/%s:%d", str.At(int(f.NameStrindex())), str.At(int(f.SystemNameStrindex())), line.Line())
		}
		b.WriteString("]")
	}
	return b.String()
}

// sampleView adds the sample's attributes to its stackView.
func sampleView(d pprofile.ProfilesDictionary, s pprofile.Sample) string {
	var b strings.Builder
	b.WriteString(stackView(d, s))
	for _, a := range s.AttributeIndices().All() {
		kv := d.AttributeTable().At(int(a))
		fmt.Fprintf(&b, " %s=%s", d.StringTable().At(int(kv.KeyStrindex())), kv.Value().AsString())
	}
	return b.String()
}

// allSamples lists every sample with its profile's sample type, in order.
func allSamples(pd pprofile.Profiles) (samples []pprofile.Sample, types []string) {
	str := pd.Dictionary().StringTable()
	for _, rp := range pd.ResourceProfiles().All() {
		for _, sp := range rp.ScopeProfiles().All() {
			for _, p := range sp.Profiles().All() {
				for _, s := range p.Samples().All() {
					samples = append(samples, s)
					types = append(types, str.At(int(p.SampleType().TypeStrindex()))+"/"+str.At(int(p.SampleType().UnitStrindex())))
				}
			}
		}
	}
	return samples, types
}

func TestPruneKeepsWhatSamplesSay(t *testing.T) {
	full := buildBench(1000)
	pruned := prune(full)
	a, _ := allSamples(full)
	b, _ := allSamples(pruned)
	if len(a) != 1000 || len(b) != len(a) {
		t.Fatalf("%d and %d samples, want 1000", len(a), len(b))
	}
	for i := range a {
		if got, want := sampleView(pruned.Dictionary(), b[i]), sampleView(full.Dictionary(), a[i]); got != want {
			t.Fatalf("sample %d: pruned %q, was %q", i, got, want)
		}
	}
	stacks := map[int32]bool{0: true}
	for _, s := range b {
		stacks[s.StackIndex()] = true
	}
	d := pruned.Dictionary()
	if d.StackTable().Len() != len(stacks) {
		t.Errorf("%d stacks in the pruned table, %d used", d.StackTable().Len(), len(stacks))
	}
	locations := map[int32]bool{0: true}
	for _, st := range d.StackTable().All() {
		for _, l := range st.LocationIndices().All() {
			locations[l] = true
		}
	}
	if d.LocationTable().Len() != len(locations) {
		t.Errorf("%d locations in the pruned table, %d used", d.LocationTable().Len(), len(locations))
	}
	if d.FunctionTable().Len() >= full.Dictionary().FunctionTable().Len() {
		t.Errorf("functions: %d pruned, %d before", d.FunctionTable().Len(), full.Dictionary().FunctionTable().Len())
	}
}

func TestDistinctStacks(t *testing.T) {
	pd := buildDistinct(3000)
	samples, _ := allSamples(pd)
	seen := map[int32]bool{}
	views := map[string]bool{}
	for _, s := range samples {
		seen[s.StackIndex()] = true
		views[stackView(pd.Dictionary(), s)] = true
	}
	if len(samples) != 3000 || len(seen) != 3000 || len(views) != 3000 {
		t.Fatalf("%d samples, %d stack indices, %d distinct stacks; want 3000 of each", len(samples), len(seen), len(views))
	}
}

func TestPprofShape(t *testing.T) {
	const n = 4000
	pd := buildPprof(n)
	samples, types := allSamples(pd)
	if len(samples) != n {
		t.Fatalf("%d samples, want %d", len(samples), n)
	}
	count := map[string]int{}
	for i, s := range samples {
		count[types[i]]++
		if s.Values().Len() != 1 || s.Values().At(0) < 0 || s.StackIndex() == 0 {
			t.Fatalf("sample %d (%s): values %v, stack %d", i, types[i], s.Values().AsRaw(), s.StackIndex())
		}
	}
	heap := count["alloc_objects/count"]
	for _, typ := range []string{"alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes"} {
		if count[typ] != heap {
			t.Errorf("%s: %d samples, alloc_objects %d", typ, count[typ], heap)
		}
	}
	if cpu := count["cpu/nanoseconds"]; cpu+4*heap != n || cpu < n*35/100 || cpu > n*45/100 {
		t.Errorf("samples per type: %v", count)
	}
	if pd.ResourceProfiles().Len() != pprofServices {
		t.Errorf("%d resources, want %d", pd.ResourceProfiles().Len(), pprofServices)
	}
}

func TestJSONLinesSize(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.jsonl")
	if err := writeBench(out, prune(buildBench(20)), 1); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(data) < 1_000_000 || len(data)-len(lines[0])-1 >= 1_000_000 {
		t.Fatalf("%d bytes in %d lines: want the fewest lines that make 1 MB", len(data), len(lines))
	}
	for i, line := range lines {
		if !bytes.Equal(line, lines[0]) {
			t.Fatalf("line %d differs from line 1", i+1)
		}
	}
	if _, err := (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(lines[0]); err != nil {
		t.Fatal(err)
	}
}
