package proxywasm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/exporter/xexporter"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

// metricsEndpoint is an OTLP/HTTP metrics endpoint: it keeps what it is
// sent, read with pdata's own request decoder, and answers as an OTLP
// receiver does.
type metricsEndpoint struct {
	mu       sync.Mutex
	requests []pmetricotlp.ExportRequest
	problems []string
}

func (m *metricsEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	request := pmetricotlp.NewExportRequest()
	switch {
	case r.URL.Path != metricsPath:
		m.problems = append(m.problems, "path "+r.URL.Path)
	case r.Header.Get("Content-Type") != protobufType:
		m.problems = append(m.problems, "content-type "+r.Header.Get("Content-Type"))
	case r.Header.Get("Content-Encoding") != "":
		m.problems = append(m.problems, "content-encoding "+r.Header.Get("Content-Encoding"))
	default:
		if err := request.UnmarshalProto(body); err != nil {
			m.problems = append(m.problems, "body: "+err.Error())
		} else {
			m.requests = append(m.requests, request)
		}
	}
	response, _ := pmetricotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", protobufType)
	w.Write(response)
}

// exportProfiles sends each request through the collector's own OTLP/HTTP
// exporter (otlphttpexporter v0.165.0, no queue, no retries) to url, and
// returns each export's error.
func exportProfiles(t *testing.T, url, encoding string, compression configcompression.Type, requests []pprofile.Profiles) []error {
	t.Helper()
	factory := otlphttpexporter.NewFactory()
	cfg := factory.CreateDefaultConfig().(*otlphttpexporter.Config)
	cfg.ProfilesEndpoint = url + profilesPath
	cfg.ClientConfig.Compression = compression
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	if err := cfg.Encoding.UnmarshalText([]byte(encoding)); err != nil {
		t.Fatal(err)
	}
	exp, err := factory.(xexporter.Factory).CreateProfiles(context.Background(), exportertest.NewNopSettings(factory.Type()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	var errs []error
	for _, pd := range requests {
		errs = append(errs, exp.ConsumeProfiles(context.Background(), pd))
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return errs
}

// The collector's OTLP/HTTP exporter sends profiles (protobuf or JSON,
// gzip by default, zstd or none) to an emulated Envoy with the filter in
// front of a metrics endpoint: every export succeeds, and the endpoint
// receives, for each, the metrics the CLI makes of the same fixture.
func TestCollectorExporter(t *testing.T) {
	files := []string{"cpu-ebpf.pb", "memory.pb", "cpu-pprof.pb"}
	var requests []pprofile.Profiles
	var want []string
	for _, name := range files {
		data := fixture(t, name)
		pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
		if err != nil {
			t.Fatal(err)
		}
		requests = append(requests, pd)
		want = append(want, decodeMetrics(t, cli(t, "otlp", data, "").output))
	}
	f := newFilter(t, nil)
	for _, c := range []struct {
		encoding    string
		compression configcompression.Type
	}{
		{"proto", configcompression.TypeGzip},
		{"proto", configcompression.TypeZstd},
		{"proto", ""},
		{"json", configcompression.TypeGzip},
		{"json", ""},
	} {
		t.Run(c.encoding+"/"+string(c.compression), func(t *testing.T) {
			endpoint := &metricsEndpoint{}
			proxy := &envoy{filter: f, upstream: endpoint}
			server := httptest.NewServer(proxy)
			defer server.Close()
			for i, err := range exportProfiles(t, server.URL, c.encoding, c.compression, requests) {
				if err != nil {
					t.Errorf("export of %s: %v", files[i], err)
				}
			}
			for _, e := range proxy.encodings {
				if e != string(c.compression) {
					t.Errorf("the exporter sent content-encoding %q, want %q", e, c.compression)
				}
			}
			if len(endpoint.problems) > 0 || len(endpoint.requests) != len(files) {
				t.Fatalf("the metrics endpoint got %d requests, problems %q", len(endpoint.requests), endpoint.problems)
			}
			for i, request := range endpoint.requests {
				body, err := request.MarshalProto()
				if err != nil {
					t.Fatal(err)
				}
				if got := decodeMetrics(t, body); got != want[i] {
					t.Errorf("%s: metrics differ from the CLI's:\n got %.300s\nwant %.300s", files[i], got, want[i])
				}
			}
		})
	}
}

// A refusal reaches the exporter as OTLP/HTTP says a failure must: a 400
// whose google.rpc.Status the exporter itself decodes and reports.
func TestCollectorExporterReadsRefusal(t *testing.T) {
	data := fixture(t, "cpu-ebpf.pb")
	pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
	if err != nil {
		t.Fatal(err)
	}
	f := newFilter(t, []byte(`{"filter": {"max_body_bytes": 100}}`))
	endpoint := &metricsEndpoint{}
	server := httptest.NewServer(&envoy{filter: f, upstream: endpoint})
	defer server.Close()
	errs := exportProfiles(t, server.URL, "proto", "", []pprofile.Profiles{pd})
	const message = "Message=ptm: request: body passes filter.max_body_bytes (100 bytes)"
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "HTTP Status Code 400") || !strings.Contains(errs[0].Error(), message) {
		t.Errorf("exporter error %v, want a 400 with %q", errs[0], message)
	}
	if len(endpoint.requests) != 0 {
		t.Errorf("the refused request reached the endpoint")
	}
}
