// main_test.go: pprof input checked against google/pprof and pdata.
//
//   - TestFixtures: every file of ../shared/fixtures/pprof (real profilers:
//     Go, Node.js, py-spy, .NET) is parsed by google/pprof and the points
//     ptm must write are computed from that parse (expect_test.go); ptm's
//     output for the file itself and for its OTLP form (pprof2otlp's
//     request) must be exactly those points, and each metric's total
//     google/pprof's; and ptm gives the same points for both forms (every
//     point: resource, metric, kind, attributes, times, value).
//     dotnet-pprof-3.pb.gz is refused by google/pprof (a function with the
//     reserved ID 0: .NET writes no function IDs at all), so its
//     expectation comes from pprofconv's field-by-field reader, which
//     numbers a table without IDs by position, as ptm does.
//   - runtime_test.go: the same for profiles runtime/pprof writes here,
//     synthetic_test.go for profiles google/pprof writes here.
//
// ptm is build/native/ptm (`make build`): without it, or without
// ../shared, the tests are skipped.
package main

import (
	"bytes"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"profiletometrics/tests/go/internal/metricpoints"
	"profiletometrics/tests/go/internal/pprofconv"
)

var repoRoot = filepath.Join("..", "..", "..", "..")

// refusedByGooglePprof: the fixture google/pprof does not parse, and why.
const (
	refusedByGooglePprof = "dotnet-pprof-3.pb.gz"
	refusedBecause       = "found function with reserved ID=0"
)

// ptmPath is the native CLI; the test is skipped without it.
func ptmPath(t *testing.T) string {
	t.Helper()
	ptm := filepath.Join(repoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	return ptm
}

// fixtures are the pprof files of ../shared/fixtures/pprof; the test is
// skipped without them.
func fixtures(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(repoRoot, "..", "shared", "fixtures", "pprof")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Skipf("no fixtures in %s", dir)
	}
	return files
}

// ptm runs ptm -f otlp on a file (or stdin when input is given) and returns
// the points of its output.
func ptm(t *testing.T, bin, file string, input []byte) []string {
	t.Helper()
	args := []string{"-f", "otlp"}
	if input == nil {
		args = append(args, file)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm %s: %v: %s", file, err, stderr.Bytes())
	}
	lines, err := metricpoints.Decode(out)
	if err != nil {
		t.Fatalf("ptm %s: its output: %v", file, err)
	}
	return lines
}

// ptmPprof converts a pprof file, gzipped or not, with ptm directly.
func ptmPprof(t *testing.T, bin, file string) []string {
	t.Helper()
	return ptm(t, bin, file, nil)
}

// parse reads a fixture as google/pprof does, or, for the file it refuses,
// checks that it still refuses it and why, and reads it field by field.
func parse(t *testing.T, file string) (*profile.Profile, bool) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.ParseData(data)
	if filepath.Base(file) != refusedByGooglePprof {
		if err != nil {
			t.Fatalf("google/pprof: %v", err)
		}
		return p, false
	}
	if err == nil || !strings.Contains(err.Error(), refusedBecause) {
		t.Fatalf("google/pprof was expected to refuse %s (%s), got %v", file, refusedBecause, err)
	}
	if p, err = pprofconv.DecodeRaw(data); err != nil {
		t.Fatalf("raw decode: %v", err)
	}
	return p, true
}

// otlpForm writes p's OTLP request (pprof2otlp's conversion) to a file.
func otlpForm(t *testing.T, p *profile.Profile) string {
	t.Helper()
	pb, err := pprofconv.Marshal(pprofconv.Convert(p))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "request.pb")
	if err := os.WriteFile(out, pb, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// compare fails t for every point got and want do not share, and for each
// metric whose total differs.
func compare(t *testing.T, got []string, want expectation) {
	t.Helper()
	if len(want.lines) == 0 {
		t.Error("the expectation has no point: nothing is checked")
	}
	reportDiff(t, "", metricpoints.Diff(got, want.lines))
	totals, err := metricpoints.Totals(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range slices.Sorted(mapsKeys(want.totals, totals)) {
		if w, g := want.totals[m], totals[m]; math.Abs(w-g) > 1e-9*math.Abs(w) {
			t.Errorf("total of %s: ptm %v, google/pprof %v", m, g, w)
		}
	}
}

// reportDiff fails t with the differences of each metric: how many points
// are missing and extra, and the first few of each.
func reportDiff(t *testing.T, prefix string, diff []string) {
	t.Helper()
	const shown = 4
	type counts struct{ missing, extra int }
	per := map[string]*counts{}
	for _, d := range diff {
		kind, line, _ := strings.Cut(d, ": ")
		metric := strings.Fields(strings.Split(line, " | ")[1])[0]
		c := per[metric]
		if c == nil {
			c = &counts{}
			per[metric] = c
		}
		n := &c.missing
		if kind == "extra" {
			n = &c.extra
		}
		if *n++; *n <= shown {
			t.Errorf("%s%s", prefix, d)
		}
	}
	for _, m := range slices.Sorted(maps.Keys(per)) {
		t.Errorf("%s%s: %d points missing, %d extra (the first %d of each above)", prefix, m, per[m].missing, per[m].extra, shown)
	}
}

func mapsKeys(a, b map[string]float64) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, dup := a[k]; !dup && !yield(k) {
				return
			}
		}
	}
}

// checkFile: ptm's points for p's OTLP form, and for the pprof file itself
// once ptm reads pprof, are want's (also checks each further), and ptm
// gives the same points for both forms.
func checkFile(t *testing.T, bin string, file string, p *profile.Profile, want expectation,
	also func(*testing.T, []string)) {
	t.Helper()
	check := func(t *testing.T, got []string) {
		t.Helper()
		compare(t, got, want)
		if also != nil {
			also(t, got)
		}
	}
	request := otlpForm(t, p)
	t.Run("otlp", func(t *testing.T) { check(t, ptm(t, bin, request, nil)) })
	t.Run("pprof", func(t *testing.T) {
		check(t, ptmPprof(t, bin, file))
	})
	t.Run("forms", func(t *testing.T) {
		fromPprof, fromOTLP := ptmPprof(t, bin, file), ptm(t, bin, request, nil)
		if len(fromPprof) == 0 {
			t.Error("ptm wrote no point")
		}
		reportDiff(t, "pprof form ", metricpoints.Diff(fromPprof, fromOTLP))
	})
}

func TestFixtures(t *testing.T) {
	bin := ptmPath(t)
	for _, file := range fixtures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, raw := parse(t, file)
			want, err := expect(p)
			if err != nil {
				t.Fatal(err)
			}
			if raw {
				t.Log("expectation from the field-by-field reader: google/pprof refuses the file")
			}
			checkFile(t, bin, file, p, want, nil)
		})
	}
}
