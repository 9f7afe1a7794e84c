// Command fixturegen writes the repository's deterministic OTLP profiles
// fixtures, built with pdata/pprofile and encoded by pprofile's official
// ProtoMarshaler and JSONMarshaler.
//
//	fixturegen -out DIR            cpu-ebpf, memory, cpu-pprof (.pb + .json), multi.jsonl
//	fixturegen -bench N -out FILE  one large eBPF-like protobuf request with N samples
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
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: fixturegen -out DIR | fixturegen -bench N -out FILE")
		os.Exit(2)
	}
	if err := run(*out, *bench); err != nil {
		fmt.Fprintln(os.Stderr, "fixturegen:", err)
		os.Exit(1)
	}
}

func run(out string, bench int) error {
	if bench > 0 {
		pb, err := marshalProto(buildBench(bench))
		if err != nil {
			return err
		}
		return os.WriteFile(out, pb, 0o644)
	}
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
