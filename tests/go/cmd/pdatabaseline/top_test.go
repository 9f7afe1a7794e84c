// top_test.go: `ptm --top N` against the summary computed here,
// independently, from pdata's reading of the same input (the samples that
// feed the base metrics, eachFed, named as folded_test.go names frames),
// written by the rules docs/cli.md gives ("--top"): the totals of every
// summed measure, then for the folded measure (an in-use one: the latest
// profile of each resource, eachSnapshot) the top N processes, threads
// ("thread (process)"), functions by self value (the self frame: selfName) and by
// inclusive value (each function once a stack), value descending then name
// bytewise, with their shares and scaled units. The counts line is checked
// against the --stats object of the same run (the counts themselves are
// checked against pdata elsewhere).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

var measureTitles = map[measure]string{cpu: "CPU time", offCPU: "off-CPU time", wall: "wall time", memory: "allocated memory",
	inuse: "in-use memory", inuseObjects: "in-use objects"}

// scaled writes a value as docs/cli.md says: ns to the largest of ns, us,
// ms, s at or below it, bytes to B, KiB, MiB, GiB, TiB; 2 decimals below 10,
// 1 below 100, none above; integers as they are; a count as it is.
func scaled(value int64, how valueScale) string {
	if how == scaleCount {
		return fmt.Sprint(value)
	}
	units, step := []string{"ns", "us", "ms", "s"}, 1000.0
	if how == scaleBytes {
		units, step = []string{"B", "KiB", "MiB", "GiB", "TiB"}, 1024.0
	}
	scale, unit := 1.0, 0
	for unit+1 < len(units) && float64(value) >= scale*step {
		scale *= step
		unit++
	}
	if unit == 0 {
		return fmt.Sprintf("%d %s", value, units[0])
	}
	v := float64(value) / scale
	decimals := 0
	if v < 10 {
		decimals = 2
	} else if v < 100 {
		decimals = 1
	}
	return fmt.Sprintf("%.*f %s", decimals, v, units[unit])
}

type valueScale int

const (
	scaleTime valueScale = iota
	scaleBytes
	scaleCount
)

func scaleOf(m measure) valueScale {
	switch m {
	case memory, inuse:
		return scaleBytes
	case allocations, inuseObjects:
		return scaleCount
	}
	return scaleTime
}

func topName(name string) string {
	if name == "" {
		return "[unknown]"
	}
	return name
}

type topRow struct {
	label string
	value int64
}

func writeTable(b *strings.Builder, title string, sums map[string]int64, total int64, count int, how valueScale) {
	rows := make([]topRow, 0, len(sums))
	for label, v := range sums {
		if v > 0 {
			rows = append(rows, topRow{label, v})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].value != rows[j].value {
			return rows[i].value > rows[j].value
		}
		return rows[i].label < rows[j].label
	})
	if len(rows) > count {
		rows = rows[:count]
	}
	fmt.Fprintf(b, "\n%s (of %s)\n", title, scaled(total, how))
	width := 0
	for _, r := range rows {
		width = max(width, len(scaled(r.value, how)))
	}
	for _, r := range rows {
		share := 0.0
		if total > 0 {
			share = 100 * float64(r.value) / float64(total)
		}
		fmt.Fprintf(b, "  %*s  %5.1f%%  %s\n", width, scaled(r.value, how), share, printable(r.label, false))
	}
}

// expectTop is everything after the counts line of `ptm --top count` with
// folded measure m.
func expectTop(pd pprofile.Profiles, m measure, count int) string {
	c := newTestConverter(pd)
	var totals [measureCount]int64
	c.eachFed(pd, func(f fedSample) { totals[f.m] += f.value })
	processes, threads, self, inclusive := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	var total int64
	eachOfMeasure([]pprofile.Profiles{pd}, m, func(f snapshotSample) {
		process, _, _ := c.pointAttribute(f.s, f.p, f.res, "process.executable.name")
		thread, _, _ := c.pointAttribute(f.s, f.p, f.res, "thread.name")
		processes[topName(process)] += f.value
		threads[topName(thread)+" ("+topName(process)+")"] += f.value
		total += f.value
		frames := c.frameNames(f.s) // root first
		for i := range frames {
			frames[i] = topName(frames[i])
		}
		if len(frames) > 0 {
			self[topName(c.selfName(c.dict.StackTable().At(int(f.s.StackIndex())).LocationIndices()))] += f.value
		}
		seen := map[string]bool{}
		for _, name := range frames {
			if !seen[name] {
				seen[name] = true
				inclusive[name] += f.value
			}
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "totals: CPU %s, off-CPU %s, wall %s, allocated %s, allocations %d\n",
		scaled(totals[cpu], scaleTime), scaled(totals[offCPU], scaleTime), scaled(totals[wall], scaleTime),
		scaled(totals[memory], scaleBytes), totals[allocations])
	how := scaleOf(m)
	title := measureTitles[m]
	writeTable(&b, fmt.Sprintf("top %d processes by %s", count, title), processes, total, count, how)
	writeTable(&b, fmt.Sprintf("top %d threads by %s", count, title), threads, total, count, how)
	writeTable(&b, fmt.Sprintf("top %d functions by self %s", count, title), self, total, count, how)
	writeTable(&b, fmt.Sprintf("top %d functions by inclusive %s", count, title), inclusive, total, count, how)
	return b.String()
}

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
	ptm := ptmBinary(t)
	names := map[string]measure{"cpu": cpu, "off_cpu": offCPU, "wall": wall, "memory": memory,
		"inuse": inuse, "inuse_objects": inuseObjects}
	compared := 0
	for _, in := range fixtureInputs(t) {
		if len(in.pds) != 1 {
			continue // several requests: the counts line covers them, the rest is the same sums
		}
		for name, m := range names {
			for _, count := range []int{3, 10} {
				t.Run(fmt.Sprintf("%s/%s/%d", in.name, name, count), func(t *testing.T) {
					got, stats := ptmTop(t, ptm, name, count, in.data)
					head, rest, _ := strings.Cut(got, "\n")
					wantHead := fmt.Sprintf("ptm --top: %d requests, %d resources, %d profiles; samples: %d kept, %d filtered, %d invalid, %d skipped",
						stats["requests"], stats["resources"], stats["profiles"], stats["samples_kept"], stats["samples_filtered"],
						stats["samples_invalid"], stats["samples_skipped"])
					if head != wantHead {
						t.Errorf("counts line %q, want %q", head, wantHead)
					}
					if want := expectTop(in.pds[0], m, count); rest != want {
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
