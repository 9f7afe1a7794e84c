// Command pdatabaseline is the "Go pdata baseline" row of `make bench`: the
// default metrics of docs/metrics.md computed the way a collector
// component written on pdata computes them, standing in for the Go profiles
// connectors (which the module proxy does not serve). One run is what a
// connector does with one request:
//
//	pprofile.ProtoUnmarshaler → aggregate → pmetric.ProtoMarshaler
//
// (that is internal/pdataoracle's ConvertRequest, the oracle the tests of
// tests/go/semantics and tests/go/formats compare ptm with.)
//
//	pdatabaseline [-output FILE] [-warm-seconds S] [-batch-seconds S] [-batches N] INPUT
//
// The aggregation is plain idiomatic Go over pdata's accessors: Go maps keyed
// by resource and attribute values, function names resolved per sample from
// the dictionary, no per-stack caches. -output writes the last run's
// ExportMetricsServiceRequest, which tests/bench/matrix.mjs decodes next to
// ptm's to check that both have the same series count and total per metric.
// Timed by internal/benchmeasure; prints one JSON object.
package main

import (
	"flag"
	"fmt"
	"os"

	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/benchmeasure"
	"profiletometrics/tests/go/internal/pdataoracle"
)

func main() {
	outputPath := flag.String("output", "", "write the last run's metrics (OTLP protobuf) here")
	plan := benchmeasure.Flags()
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pdatabaseline [-output FILE] [-warm-seconds S] [-batch-seconds S] [-batches N] INPUT")
		os.Exit(2)
	}
	input, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		benchmeasure.Fail("pdatabaseline", err)
	}
	profiles, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(input)
	if err != nil {
		benchmeasure.Fail("pdatabaseline", err)
	}
	samples := profiles.SampleCount()
	var output []byte
	var series int
	m, err := plan.Run(func() (err error) {
		output, series, err = pdataoracle.ConvertRequest(input)
		return err
	})
	if err != nil {
		benchmeasure.Fail("pdatabaseline", err)
	}
	if *outputPath != "" {
		if err := os.WriteFile(*outputPath, output, 0o644); err != nil {
			benchmeasure.Fail("pdatabaseline", err)
		}
	}
	row := benchmeasure.NewRow("Go pdata baseline", "otlp", m, samples, len(input))
	row["output_bytes"] = len(output)
	row["series"] = series
	row.Print()
}
