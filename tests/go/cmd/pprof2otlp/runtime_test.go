// runtime_test.go: profiles Go's runtime/pprof writes during the test, a
// CPU profile of about a second of a busy loop (busyLoop, under the pprof
// label thread_name=busy-worker: ptm's thread.name) and a heap
// profile after busyAlloc allocated 256 MiB in 1 MiB pieces. ptm converts
// each (its OTLP form, and the file once ptm reads pprof): the largest
// profile.function.self.cpu.time point is busyLoop's, the largest
// profile.function.self.memory.allocated point busyAlloc's, every point is
// the one expect_test.go computes from google/pprof's parse of the file,
// and both forms give the same points.
package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// busyLoop spins for d of wall time and returns a value the compiler
// cannot drop.
//
//go:noinline
func busyLoop(d time.Duration) uint64 {
	var x uint64 = 1
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 100_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

// allocSink keeps the last 16 pieces busyAlloc made reachable: the heap
// profile samples about one allocation in 512 KiB, so one live 1 MiB piece
// was left unsampled now and then (about one run in seven), and the profile
// had no in-use memory at all; 16 leave that at about e^-32.
var allocSink [16][]byte

// busyAlloc allocates n pieces of size bytes.
//
//go:noinline
func busyAlloc(n, size int) {
	for i := range n {
		allocSink[i%len(allocSink)] = make([]byte, size)
	}
}

func funcName(f any) string { return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name() }

// writeRuntimeProfiles writes cpu.pprof and heap.pprof into dir.
func writeRuntimeProfiles(t *testing.T, dir string) (cpu, heap string) {
	t.Helper()
	cpu, heap = filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "heap.pprof")
	f, err := os.Create(cpu)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	pprof.Do(context.Background(), pprof.Labels("thread_name", "busy-worker"), func(context.Context) {
		busyLoop(time.Second)
	})
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	busyAlloc(256, 1<<20)
	runtime.GC() // the heap profile is as of the last collection
	h, err := os.Create(heap)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.Lookup("heap").WriteTo(h, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	return cpu, heap
}

// largest is the code.function.name of metric's largest point.
func largest(t *testing.T, lines []string, metric string) string {
	t.Helper()
	best, bestValue := "", -1.0
	for _, l := range lines {
		parts := strings.Split(l, " | ")
		if strings.Fields(parts[1])[0] != metric {
			continue
		}
		_, text, _ := strings.Cut(parts[4], ":")
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if v > bestValue {
			best, bestValue = strings.TrimSuffix(strings.TrimPrefix(parts[2], "code.function.name=Str:"), ","), v
		}
	}
	if best == "" {
		t.Fatalf("no %s point", metric)
	}
	return best
}

func TestRuntimeProfiles(t *testing.T) {
	bin := ptmPath(t)
	cpu, heap := writeRuntimeProfiles(t, t.TempDir())
	for _, c := range []struct {
		file, metric, top string
		labelled          string // a point the expectation must have, by its metric and attributes
	}{
		{cpu, "profile.function.self.cpu.time", funcName(busyLoop), "| profile.cpu.time s sum/Delta/monotonic | thread.name=Str:busy-worker, |"},
		{heap, "profile.function.self.memory.allocated", funcName(busyAlloc), "| profile.memory.inuse By gauge |  |"},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			data, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := profile.ParseData(data)
			if err != nil {
				t.Fatalf("google/pprof: %v", err)
			}
			want, err := expect(p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(want.lines, func(l string) bool { return strings.Contains(l, c.labelled) }) {
				t.Fatalf("the expectation has no point %q", c.labelled)
			}
			if top := largest(t, want.lines, c.metric); top != c.top {
				t.Fatalf("google/pprof's largest %s is %s, not %s: the profile did not catch it", c.metric, top, c.top)
			}
			checkFile(t, bin, c.file, p, want, func(t *testing.T, got []string) {
				if top := largest(t, got, c.metric); top != c.top {
					t.Errorf("ptm's largest %s is %s, not %s", c.metric, top, c.top)
				}
			})
		})
	}
}
