// Package benchmeasure is the timing protocol of tests/bench/measure.h for
// the Go drivers of `make bench` (cmd/wazerobench, cmd/pdatabaseline):
// warm-up for WarmSeconds of CPU time (at least one run), then Batches
// batches of k runs, k sized from the warm-up to take about BatchSeconds;
// the figure is the median batch's time per run. Time is the process's CPU
// time (getrusage: user + system, every thread, so the garbage collector's
// work counts: it is part of the cost).
package benchmeasure

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"
)

// Plan is how long to warm up and how to batch.
type Plan struct {
	WarmSeconds, BatchSeconds float64
	Batches                   int
}

// Flags registers -warm-seconds, -batch-seconds and -batches (the C and JS
// drivers spell them with two dashes; Go's flag package takes both).
func Flags() *Plan {
	p := &Plan{}
	flag.Float64Var(&p.WarmSeconds, "warm-seconds", 0.3, "warm-up CPU seconds")
	flag.Float64Var(&p.BatchSeconds, "batch-seconds", 0.2, "CPU seconds per batch")
	flag.IntVar(&p.Batches, "batches", 5, "batches timed")
	return p
}

// Measurement is the median time per run and the runs timed.
type Measurement struct {
	SecondsPerRun float64
	Runs          int
}

// CPUSeconds is the process's CPU time so far.
func CPUSeconds() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		panic(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
}

// PeakRSSKiB is the process's peak resident set in KiB.
func PeakRSSKiB() int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		panic(err)
	}
	return u.Maxrss
}

// Run times work by the plan; the first error of a run stops it.
func (p *Plan) Run(work func() error) (Measurement, error) {
	start := CPUSeconds()
	warmRuns := 0
	var elapsed float64
	for warmRuns == 0 || elapsed < p.WarmSeconds {
		if err := work(); err != nil {
			return Measurement{}, err
		}
		warmRuns++
		elapsed = CPUSeconds() - start
	}
	batchRuns := max(1, int(p.BatchSeconds/(elapsed/float64(warmRuns))+0.5))
	perRun := make([]float64, 0, p.Batches)
	for range p.Batches {
		start = CPUSeconds()
		for range batchRuns {
			if err := work(); err != nil {
				return Measurement{}, err
			}
		}
		perRun = append(perRun, (CPUSeconds()-start)/float64(batchRuns))
	}
	slices.Sort(perRun)
	m := len(perRun) / 2
	median := perRun[m]
	if len(perRun)%2 == 0 {
		median = (perRun[m-1] + perRun[m]) / 2
	}
	return Measurement{SecondsPerRun: median, Runs: batchRuns * p.Batches}, nil
}

// Row is the JSON object every driver prints: the fields of NewRow and the
// driver's own.
type Row map[string]any

// NewRow fills the fields shared by every row.
func NewRow(name, format string, m Measurement, samples, inputBytes int) Row {
	nsPerSample := 0.0
	if samples > 0 {
		nsPerSample = m.SecondsPerRun * 1e9 / float64(samples)
	}
	return Row{
		"row": name, "format": format, "samples": samples, "input_bytes": inputBytes,
		"ns_per_sample": nsPerSample, "mb_per_s": float64(inputBytes) / m.SecondsPerRun / 1e6,
		"runs": m.Runs, "peak_rss_kib": PeakRSSKiB(),
	}
}

// Print writes the row as one JSON line on stdout.
func (r Row) Print() {
	line, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(line))
}

// SHA256 is the hex digest of b.
func SHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Fail prints "NAME: err" on stderr and exits 1.
func Fail(name string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}
