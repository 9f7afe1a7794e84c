// main_test.go: checks that the committed fixtures in tests/fixtures are
// exactly what this generator writes (so they are never edited by hand or
// left stale), and that the bench request is deterministic.
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestFixturesUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, 0); err != nil {
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
	if err := run(a, 5000); err != nil {
		t.Fatal(err)
	}
	if err := run(b, 5000); err != nil {
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
	if n != 5000 || pd.ResourceProfiles().Len() > benchProcs || pd.ResourceProfiles().Len() < benchProcs*9/10 {
		t.Fatalf("got %d samples over %d resources", n, pd.ResourceProfiles().Len())
	}
}
