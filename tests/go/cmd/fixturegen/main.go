// Command fixturegen writes the repository's deterministic OTLP profiles
// fixtures, built with pdata/pprofile and encoded by pprofile's official
// ProtoMarshaler and JSONMarshaler.
//
//	fixturegen -out DIR            cpu-ebpf, memory, cpu-pprof (.pb + .json), multi.jsonl
//	fixturegen -bench N [-shape S] [-jsonl-mb M] -out FILE
//	                               one large protobuf request with N samples
//
// The benchmark shapes (-shape): ebpf (the default: eBPF-like, 300
// processes, 48 stacks each, bench.go), ebpf-pruned (the same with its
// dictionary cut to what the samples use, prune.go), distinct (every sample
// its own stack) and pprof (Go services' CPU and heap profiles, pprof.go).
// -jsonl-mb M writes, instead of protobuf, the request's OTLP/JSON as JSON
// Lines: one line per copy, as many copies as make at least M MB.
//
// Every fixture is also decoded back with the official unmarshalers and
// re-encoded, and must reproduce the same bytes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

func main() {
	out := flag.String("out", "", "output directory (fixtures) or file (-bench)")
	bench := flag.Int("bench", 0, "write one large request with this many samples to -out FILE")
	shape := flag.String("shape", "ebpf", "with -bench: ebpf, ebpf-pruned, distinct or pprof")
	jsonlMB := flag.Int("jsonl-mb", 0, "with -bench: write the request's OTLP/JSON repeated as JSON Lines of at least this many MB")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 || benchShapes[*shape] == nil {
		fmt.Fprintln(os.Stderr, "usage: fixturegen -out DIR | fixturegen -bench N [-shape ebpf|ebpf-pruned|distinct|pprof] [-jsonl-mb M] -out FILE")
		os.Exit(2)
	}
	if *bench > 0 {
		if err := writeBench(*out, benchShapes[*shape](*bench), *jsonlMB); err != nil {
			fmt.Fprintln(os.Stderr, "fixturegen:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "fixturegen:", err)
		os.Exit(1)
	}
}

// benchShapes builds each -shape with n samples.
var benchShapes = map[string]func(n int) pprofile.Profiles{
	"ebpf":        buildBench,
	"ebpf-pruned": func(n int) pprofile.Profiles { return prune(buildBench(n)) },
	"distinct":    buildDistinct,
	"pprof":       buildPprof,
}

// writeBench writes pd as protobuf, or with jsonlMB > 0 as that many MB of
// JSON Lines (its OTLP/JSON repeated).
func writeBench(out string, pd pprofile.Profiles, jsonlMB int) error {
	if jsonlMB <= 0 {
		pb, err := marshalProto(pd)
		if err != nil {
			return err
		}
		return os.WriteFile(out, pb, 0o644)
	}
	js, err := marshalJSON(pd)
	if err != nil {
		return err
	}
	lineSize := len(js) + 1
	copies := (jsonlMB*1_000_000 + lineSize - 1) / lineSize
	lines := make([]byte, 0, copies*lineSize)
	for range copies {
		lines = append(append(lines, js...), '\n')
	}
	return os.WriteFile(out, lines, 0o644)
}

// run writes the repository's fixtures into the folder out.
func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	pairs := []struct {
		name  string
		build func() pprofile.Profiles
	}{
		{"cpu-ebpf", buildCPUEBPF},
		{"memory", buildMemory},
		{"cpu-pprof", buildCPUPprof},
	}
	for _, p := range pairs {
		pd := p.build()
		pb, err := marshalProto(pd)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		js, err := marshalJSON(pd)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		if err := os.WriteFile(filepath.Join(out, p.name+".pb"), pb, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, p.name+".json"), js, 0o644); err != nil {
			return err
		}
	}
	var jsonl []byte
	for _, build := range []func() pprofile.Profiles{buildMultiA, buildMultiB} {
		js, err := marshalJSON(build())
		if err != nil {
			return fmt.Errorf("multi: %w", err)
		}
		jsonl = append(append(jsonl, js...), '\n')
	}
	return os.WriteFile(filepath.Join(out, "multi.jsonl"), jsonl, 0o644)
}

// marshalProto encodes with the official marshaler and checks that the
// official unmarshaler reads the bytes back to the same encoding.
func marshalProto(pd pprofile.Profiles) ([]byte, error) {
	m := &pprofile.ProtoMarshaler{}
	pb, err := m.MarshalProfiles(pd)
	if err != nil {
		return nil, err
	}
	back, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(pb)
	if err != nil {
		return nil, fmt.Errorf("decoding our own protobuf: %w", err)
	}
	again, err := m.MarshalProfiles(back)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pb, again) {
		return nil, fmt.Errorf("protobuf does not round-trip through the official decoder")
	}
	return pb, nil
}

// marshalJSON encodes with the official JSON marshaler and checks that the
// JSON decodes to the same protobuf encoding as the original.
func marshalJSON(pd pprofile.Profiles) ([]byte, error) {
	pb, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(pd)
	if err != nil {
		return nil, err
	}
	js, err := (&pprofile.JSONMarshaler{}).MarshalProfiles(pd)
	if err != nil {
		return nil, err
	}
	back, err := (&pprofile.JSONUnmarshaler{DisallowUnknownFields: true}).UnmarshalProfiles(js)
	if err != nil {
		return nil, fmt.Errorf("decoding our own JSON: %w", err)
	}
	pb2, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(back)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pb, pb2) {
		return nil, fmt.Errorf("JSON and protobuf encodings disagree")
	}
	return js, nil
}
