// Package fileexport proves the file formats ptm reads against their real
// producer: the OpenTelemetry Collector's file exporter (contrib
// exporter/fileexporter v0.165.1, which exports profiles), run in process.
// The three fixtures of tests/fixtures go through it as three requests, in
// every format (json, proto) and compression (none, zstd), with the
// exporter.file.nativeCompression feature gate off (each message compressed
// on its own, then length-prefixed) and on (one zstd stream around JSON Lines
// or length-prefixed messages). `ptm -f json` of each file must give the
// bytes ptm gives for the same requests as plain JSON Lines (written here by
// pdata's JSON marshaler), and `ptm -f json` of the file exporter's json file
// must equal that of its proto file. ptm is build/native/ptm (make build).
package fileexport

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/exporter/xexporter"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

const nativeCompressionGate = "exporter.file.nativeCompression"

var repoRoot = filepath.Join("..", "..", "..")

func fixtures(t *testing.T) []pprofile.Profiles {
	t.Helper()
	var out []pprofile.Profiles
	for _, name := range []string{"cpu-ebpf", "memory", "cpu-pprof"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "tests", "fixtures", name+".pb"))
		if err != nil {
			t.Fatal(err)
		}
		pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, pd)
	}
	return out
}

// export writes requests through a file exporter with this format and
// compression, and returns the file's bytes.
func export(t *testing.T, requests []pprofile.Profiles, format, compression string) []byte {
	t.Helper()
	factory := fileexporter.NewFactory()
	cfg := factory.CreateDefaultConfig().(*fileexporter.Config)
	cfg.Path = filepath.Join(t.TempDir(), "profiles")
	cfg.FormatType = format
	cfg.Compression = compression
	settings := exportertest.NewNopSettings(component.MustNewType("file"))
	exp, err := factory.(xexporter.Factory).CreateProfiles(context.Background(), settings, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	for _, pd := range requests {
		if err := exp.ConsumeProfiles(context.Background(), pd); err != nil {
			t.Fatal(err)
		}
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ptmJSON(t *testing.T, ptm string, input []byte) []byte {
	t.Helper()
	cmd := exec.Command(ptm, "-f", "json", "--stats")
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm: %v: %s", err, stderr.String())
	}
	if !bytes.Contains(stderr.Bytes(), []byte(`"requests":3,`)) {
		t.Fatalf("ptm --stats: want 3 requests, got %s", stderr.String())
	}
	return out
}

func TestFileExporterFormats(t *testing.T) {
	ptm := filepath.Join(repoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	requests := fixtures(t)
	var lines bytes.Buffer
	for _, pd := range requests {
		line, err := (&pprofile.JSONMarshaler{}).MarshalProfiles(pd)
		if err != nil {
			t.Fatal(err)
		}
		lines.Write(line)
		lines.WriteByte('\n')
	}
	want := ptmJSON(t, ptm, lines.Bytes())
	if len(want) < 1000 {
		t.Fatalf("the plain requests' metrics are %d bytes: %q", len(want), want)
	}
	for _, gate := range []bool{false, true} {
		if err := featuregate.GlobalRegistry().Set(nativeCompressionGate, gate); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"json", "proto"} {
			for _, compression := range []string{"", "zstd"} {
				if gate && compression == "" {
					continue // the gate changes compressed files only
				}
				file := export(t, requests, format, compression)
				checkFraming(t, file, format, compression, gate)
				if got := ptmJSON(t, ptm, file); !bytes.Equal(got, want) {
					t.Errorf("format %s, compression %q, native compression %v: ptm's metrics differ from the plain requests'",
						format, compression, gate)
				}
			}
		}
	}
	if err := featuregate.GlobalRegistry().Set(nativeCompressionGate, false); err != nil {
		t.Fatal(err)
	}
}

// checkFraming checks the file is in the framing the test means to cover,
// from its first bytes (the exporter's README, "File Format").
func checkFraming(t *testing.T, file []byte, format, compression string, gate bool) {
	t.Helper()
	zstdMagic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	var ok bool
	switch {
	case compression == "" && format == "json":
		ok = file[0] == '{' && bytes.Count(file, []byte("\n")) == 3
	case compression == "" || !gate:
		// length-prefixed; with zstd each message is a zstd frame
		ok = file[0] == 0 && (compression == "" || bytes.Equal(file[4:8], zstdMagic))
	default:
		ok = bytes.Equal(file[:4], zstdMagic)
	}
	if !ok {
		t.Fatalf("format %s, compression %q, native compression %v: unexpected framing % x", format, compression, gate, file[:8])
	}
}
