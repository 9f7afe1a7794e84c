// Package ptmtest is what the Go tests that compare ptm with the pdata
// oracle (internal/pdataoracle) share: finding build/native/ptm (`make
// build`; without it a test is skipped) and running it, reading its folded
// output, and the inputs (the fixtures, the real captures of ../shared when
// present, generated benchmark shapes).
package ptmtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Binary is build/native/ptm; the test is skipped without it.
func Binary(t *testing.T) string {
	t.Helper()
	ptm := filepath.Join(RepoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	return ptm
}

// Folded is `ptm -f folded` of input with folded measure measure.
func Folded(t *testing.T, ptm, measure string, input []byte) string {
	t.Helper()
	return FoldedWith(t, ptm, `{"folded": {"measure": "`+measure+`"}}`, input)
}

// FoldedWith is `ptm -c CONFIG -f folded` of input, config the JSON text.
func FoldedWith(t *testing.T, ptm, config string, input []byte) string {
	t.Helper()
	return string(OutputWith(t, ptm, config, "folded", input))
}

// OutputWith is `ptm -c CONFIG -f FORMAT` of input, config the JSON text.
func OutputWith(t *testing.T, ptm, config, format string, input []byte) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ptm, "-c", path, "-f", format)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm -c %s -f %s: %v: %s", config, format, err, stderr.String())
	}
	return out
}

// AssertSameStacks fails for each stack whose value is not the oracle's.
func AssertSameStacks(t *testing.T, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d stacks from ptm, %d from the oracle", len(got), len(want))
	}
	for stack, value := range want {
		if got[stack] != value {
			t.Errorf("%s: ptm %d, oracle %d", stack, got[stack], value)
		}
	}
}

// FoldedLines: folded text as stack → value.
func FoldedLines(t *testing.T, text string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		at := strings.LastIndexByte(line, ' ')
		value, err := strconv.ParseInt(line[at+1:], 10, 64)
		if err != nil {
			t.Fatalf("folded line %q: %v", line, err)
		}
		out[line[:at]] += value
	}
	return out
}

// RepoRoot is the repository's root relative to a test package's directory
// (tests/go/<area>/<name>, where go test runs the package's tests).
var RepoRoot = filepath.Join("..", "..", "..", "..")

// Output is `ptm -f otlp` of input (an OTLP metrics request, protobuf).
func Output(t *testing.T, ptm string, input []byte) []byte {
	t.Helper()
	cmd := exec.Command(ptm, "-f", "otlp")
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm: %v", err)
	}
	return out
}

// Generated is a benchmark shape of fixturegen with n samples.
func Generated(t *testing.T, shape string, n int) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), shape+".pb")
	cmd := exec.Command("go", "run", filepath.Join(RepoRoot, "tests", "go", "cmd", "fixturegen"), "-bench", strconv.Itoa(n), "-shape", shape, "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fixturegen: %v: %s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
