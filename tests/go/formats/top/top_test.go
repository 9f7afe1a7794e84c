// top_test.go: `ptm --top N` against the summary the pdata oracle computes
// (pdataoracle.ExpectTop: the samples that feed the base metrics, named as
// the folded stacks name frames, written by the rules docs/cli.md gives,
// "--top"), for every measure with N 3 and 10 on the shared inputs. The
// counts line is checked against the --stats object of the same run (the
// counts themselves are checked against pdata elsewhere).
package top

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/ptmtest"
)

// ptmTop runs `ptm --top count --stats` with folded measure name; its
// output and the stats object.
func ptmTop(t *testing.T, ptm, name string, count int, input []byte) (string, map[string]uint64) {
	t.Helper()
	config := filepath.Join(t.TempDir(), "top.json")
	if err := os.WriteFile(config, []byte(`{"folded": {"measure": "`+name+`"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ptm, "-c", config, "--top", fmt.Sprint(count), "--stats")
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm --top: %v: %s", err, stderr.String())
	}
	stats := map[string]uint64{}
	if err := json.Unmarshal(stderr.Bytes(), &stats); err != nil {
		t.Fatalf("--stats: %v: %s", err, stderr.String())
	}
	return string(out), stats
}

func TestTopAgreesWithPtm(t *testing.T) {
	ptm := ptmtest.Binary(t)
	names := map[string]pdataoracle.Measure{"cpu": pdataoracle.CPU, "off_cpu": pdataoracle.OffCPU, "wall": pdataoracle.Wall, "memory": pdataoracle.Memory,
		"inuse": pdataoracle.Inuse, "inuse_objects": pdataoracle.InuseObjects}
	compared := 0
	for _, in := range ptmtest.FixtureInputs(t) {
		if len(in.Requests) != 1 {
			continue // several requests: the counts line covers them, the rest is the same sums
		}
		for name, m := range names {
			for _, count := range []int{3, 10} {
				t.Run(fmt.Sprintf("%s/%s/%d", in.Name, name, count), func(t *testing.T) {
					got, stats := ptmTop(t, ptm, name, count, in.Data)
					head, rest, _ := strings.Cut(got, "\n")
					wantHead := fmt.Sprintf("ptm --top: %d requests, %d resources, %d profiles; samples: %d kept, %d filtered, %d invalid, %d skipped",
						stats["requests"], stats["resources"], stats["profiles"], stats["samples_kept"], stats["samples_filtered"],
						stats["samples_invalid"], stats["samples_skipped"])
					if head != wantHead {
						t.Errorf("counts line %q, want %q", head, wantHead)
					}
					if want := pdataoracle.ExpectTop(in.Requests[0], m, count); rest != want {
						t.Errorf("ptm --top differs:\n got:\n%s\nwant:\n%s", rest, want)
					}
					if strings.Count(rest, "%  ") > 0 {
						compared++
					}
				})
			}
		}
	}
	if compared < 6 {
		t.Errorf("only %d comparisons with rows: the fixtures should give cpu, off_cpu and memory stacks", compared)
	}
}
