package proxywasm

import (
	"os"
	"os/exec"
	"testing"
)

// BenchmarkFilter converts PTM_BENCH_INPUT (make bench: build/bench/ebpf-100k.pb)
// as a request through the filter in the emulator (wazero's compiler; the
// body in one body callback, since the emulator, unlike Envoy, copies all it
// holds at each callback; read into the VM in 1 MiB pieces as under Envoy),
// and with the native CLI (`ptm -f otlp`, the whole process run), each as
// ns/sample.
func BenchmarkFilter(b *testing.B) {
	path := os.Getenv("PTM_BENCH_INPUT")
	if path == "" {
		b.Skip("PTM_BENCH_INPUT not set (make bench sets it)")
	}
	body, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	want := cli(b, "otlp", body, "")
	samples := float64(want.stats["samples_total"])
	if want.code != 0 || samples == 0 {
		b.Fatalf("the CLI: exit %d %q", want.code, want.messages)
	}
	b.Run("filter-wasm", func(b *testing.B) {
		f := newFilter(b, []byte(`{"filter": {"max_body_bytes": 4294967295}}`))
		headers := post(protobufType, "", len(body))
		if r := f.send(headers, body, 0); !r.forwarded() || len(r.body) != len(want.output) {
			b.Fatalf("the filter did not convert it: actions %d, local %+v", len(r.actions), r.local)
		}
		for b.Loop() {
			f.send(headers, body, 0)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/samples, "ns/sample")
	})
	b.Run("native-cli", func(b *testing.B) {
		for b.Loop() {
			if out, err := exec.Command(ptmPath(), "-f", "otlp", "-o", os.DevNull, path).CombinedOutput(); err != nil {
				b.Fatalf("ptm: %v: %s", err, out)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/samples, "ns/sample")
	})
}
