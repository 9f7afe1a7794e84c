// bench_test.go: what a conversion costs through the connector with each
// engine, next to the core's own call on the same bytes. `make bench` runs
// it on build/bench.pb (PTM_BENCH_INPUT) and prints ns/sample; without the
// variable the benchmarks use tests/fixtures/cpu-ebpf.pb.
//
//	core/native      ptm_converter_add through cgo: the library call alone
//	core/wasm        ptm_wasm_add in wazero: the module alone
//	connector/native ConsumeProfiles: pdata marshal, the core's add (the
//	                 flushes, once per flush_interval, are not per request)
//	connector/wasm   the same on the wasm engine
package profiletometricsconnector

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

func benchInput(b *testing.B) ([]byte, pprofile.Profiles, int) {
	path := os.Getenv("PTM_BENCH_INPUT")
	if path == "" {
		path = filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	profiles, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
	if err != nil {
		b.Fatal(err)
	}
	return data, profiles, profiles.SampleCount()
}

func benchEngine(b *testing.B, name string) engine {
	e, err := selectEngine(name, "")
	if err != nil {
		b.Skip(err)
	}
	return e
}

func perSample(b *testing.B, samples int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(samples), "ns/sample")
}

func BenchmarkCore(b *testing.B) {
	data, _, samples := benchInput(b)
	for _, name := range []string{"native", "wasm"} {
		b.Run(name, func(b *testing.B) {
			i, err := benchEngine(b, name).newInstance([]byte("{}"))
			if err != nil {
				b.Fatal(err)
			}
			defer i.close()
			now := uint64(1)
			for b.Loop() {
				if _, _, err := i.add(context.Background(), now, data); err != nil {
					b.Fatal(err)
				}
				now++
			}
			perSample(b, samples)
		})
	}
}

func BenchmarkConnector(b *testing.B) {
	_, profiles, samples := benchInput(b)
	for _, name := range []string{"native", "wasm"} {
		b.Run(name, func(b *testing.B) {
			benchEngine(b, name)
			config := &Config{Engine: name, FlushInterval: defaultFlushInterval}
			c, err := NewFactory().CreateProfilesToMetrics(context.Background(), connectortest.NewNopSettings(Type), config, consumertest.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Shutdown(context.Background()) //nolint:errcheck
			for b.Loop() {
				if err := c.ConsumeProfiles(context.Background(), profiles); err != nil {
					b.Fatal(err)
				}
			}
			perSample(b, samples)
		})
	}
}
