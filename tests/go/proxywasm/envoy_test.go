// Package proxywasm tests the Envoy filter build/wasm/ptm-proxywasm.wasm
// (make build) in the proxy-wasm Go SDK's host emulator
// (github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0, proxytest), which runs
// the module in wazero and emulates Envoy's body buffering, header maps,
// local responses, plugin configuration and metrics. No Envoy binary can be
// installed here; the emulator is the host the filter is proven against,
// and docs/hosts/envoy.md gives the Envoy configuration these tests
// mirror.
//
// This file is the harness: a filter (one VM, one plugin), a request through
// it, the CLI's conversion of the same bytes, and an emulated Envoy as an
// http.Handler for the collector's OTLP/HTTP exporter to send to.
package proxywasm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

var repoRoot = filepath.Join("..", "..", "..")

const (
	profilesPath = "/v1development/profiles"
	metricsPath  = "/v1/metrics"
	protobufType = "application/x-protobuf"
	jsonType     = "application/json"
)

// The counters the filter defines (docs/hosts/envoy.md).
var counterNames = []string{
	"requests_converted", "requests_rejected", "requests_passed", "samples_total", "samples_kept",
	"samples_filtered", "samples_invalid", "samples_skipped", "points",
}

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // the emulator logs every proxy_log call; tests read them from the host
	os.Exit(m.Run())
}

var moduleBytes = sync.OnceValues(func() ([]byte, error) {
	return os.ReadFile(filepath.Join(repoRoot, "build", "wasm", "ptm-proxywasm.wasm"))
})

// filter is one VM running the module, with one plugin configured.
// The emulator keeps its state in globals: one filter at a time, until
// close (or the test's end).
type filter struct {
	host  proxytest.HostEmulator
	mu    sync.Mutex // the emulator is not safe for concurrent use
	close func()
}

// newFilter starts a VM and its plugin with this plugin configuration
// (nil: none); the test fails when the plugin refuses it.
func newFilter(t testing.TB, configuration []byte) *filter {
	t.Helper()
	f, ok := startFilter(t, configuration)
	if !ok {
		t.Fatalf("plugin configuration %q refused: %q", configuration, f.host.GetErrorLogs())
	}
	return f
}

// startFilter starts a VM and its plugin; ok is what proxy_on_configure returned.
func startFilter(t testing.TB, configuration []byte) (*filter, bool) {
	t.Helper()
	wasm, err := moduleBytes()
	if err != nil {
		t.Fatalf("the filter module (make build): %v", err)
	}
	vm, err := proxytest.NewWasmVMContext(wasm)
	if err != nil {
		t.Fatalf("NewWasmVMContext: %v", err)
	}
	options := proxytest.NewEmulatorOption().WithVMContext(vm)
	if configuration != nil {
		options = options.WithPluginConfiguration(configuration)
	}
	host, reset := proxytest.NewHostEmulator(options)
	f := &filter{host: host, close: sync.OnceFunc(func() {
		reset()
		vm.Close()
	})}
	t.Cleanup(f.close)
	return f, host.StartPlugin() == types.OnPluginStartStatusOK
}

// result is what became of one request, copied out of the VM: the
// emulator keeps what the filter hands it as views into the VM's memory,
// which the filter frees when the request ends.
type result struct {
	actions  []types.Action // of the headers callback, then of each body callback
	headers  [][2]string    // the request headers as sent on
	body     []byte         // the request body as sent on
	local    *proxytest.LocalHttpResponse
	warnings []string // the filter's warn logs for this request
}

func (r result) header(name string) (string, bool) {
	for _, h := range r.headers {
		if h[0] == name {
			return h[1], true
		}
	}
	return "", false
}

// forwarded reports whether the request went on (every callback but the
// last paused, the last continued, no local response).
func (r result) forwarded() bool {
	if r.local != nil || len(r.actions) == 0 || r.actions[len(r.actions)-1] != types.ActionContinue {
		return false
	}
	for _, a := range r.actions[:len(r.actions)-1] {
		if a != types.ActionPause {
			return false
		}
	}
	return true
}

// send runs one request through the filter, its body delivered in pieces of
// at most piece bytes (0: one piece), as Envoy delivers a body (until a
// local response), and completes the stream (proxy_on_log).
func (f *filter) send(headers [][2]string, body []byte, piece int) result {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, warned := f.host.InitializeHttpContext(), len(f.host.GetWarnLogs())
	actions := []types.Action{f.host.CallOnRequestHeaders(id, headers, len(body) == 0)}
	if piece <= 0 {
		piece = len(body)
	}
	var sent []byte
	for at := 0; at < len(body) && f.host.GetSentLocalResponse(id) == nil; at += piece {
		end := min(at+piece, len(body))
		action := f.host.CallOnRequestBody(id, body[at:end], end == len(body))
		actions = append(actions, action)
		if action == types.ActionContinue { // what Envoy holds goes on
			sent = append(sent, f.host.GetCurrentRequestBody(id)...)
		}
	}
	r := f.result(id, actions, warned)
	r.body = sent
	f.host.CompleteHttpContext(id)
	return r
}

// result copies out what became of request id (its body as the emulator
// holds it now) and the warn logs after the first warned, before the
// request is completed.
func (f *filter) result(id uint32, actions []types.Action, warned int) result {
	r := result{actions: actions, body: bytes.Clone(f.host.GetCurrentRequestBody(id))}
	for _, h := range f.host.GetCurrentRequestHeaders(id) {
		r.headers = append(r.headers, [2]string{strings.Clone(h[0]), strings.Clone(h[1])})
	}
	if local := f.host.GetSentLocalResponse(id); local != nil {
		copied := *local
		copied.StatusCodeDetail = strings.Clone(local.StatusCodeDetail)
		copied.Data = bytes.Clone(local.Data)
		copied.Headers = nil
		for _, h := range local.Headers {
			copied.Headers = append(copied.Headers, [2]string{strings.Clone(h[0]), strings.Clone(h[1])})
		}
		r.local = &copied
	}
	for _, line := range f.host.GetWarnLogs()[warned:] {
		r.warnings = append(r.warnings, strings.Clone(line))
	}
	return r
}

// counters reads the filter's counters.
func (f *filter) counters(t testing.TB) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, name := range counterNames {
		v, err := f.host.GetCounterMetric("profiletometrics." + name)
		if err != nil {
			t.Fatalf("counter %s: %v", name, err)
		}
		out[name] = v
	}
	return out
}

// memory is the VM's linear memory as the filter last recorded it.
func (f *filter) memory(t testing.TB) uint64 {
	t.Helper()
	v, err := f.host.GetGaugeMetric("profiletometrics.vm_memory_bytes")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// post is the headers of a profiles export, as the collector's OTLP/HTTP
// exporter sends them (Envoy lower-cases names and adds the pseudo-headers).
func post(contentType, encoding string, size int) [][2]string {
	h := [][2]string{
		{":method", "POST"}, {":path", profilesPath}, {":authority", "collector:4318"},
		{"content-type", contentType}, {"content-length", fmt.Sprint(size)},
		{"user-agent", "OpenTelemetry Collector Contrib/0.165.0"},
	}
	if encoding != "" {
		h = append(h, [2]string{"content-encoding", encoding})
	}
	return h
}

// ---- the CLI ------------------------------------------------------------------

func ptmPath() string {
	if p := os.Getenv("PTM_BIN"); p != "" {
		return p
	}
	return filepath.Join(repoRoot, "build", "native", "ptm")
}

// cliRun is `ptm -i INPUT -f otlp --stats -` of some bytes.
type cliRun struct {
	code     int
	output   []byte
	messages []string // its "ptm: " lines
	stats    map[string]uint64
}

func cli(t testing.TB, input string, data []byte, configuration string) cliRun {
	t.Helper()
	args := []string{"-i", input, "-f", "otlp", "--stats"}
	if configuration != "" {
		path := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(path, []byte(configuration), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-c", path)
	}
	cmd := exec.Command(ptmPath(), append(args, "-")...)
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	run := cliRun{output: stdout.Bytes()}
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("ptm: %v", err)
		}
		run.code = exit.ExitCode()
	}
	run.output = stdout.Bytes()
	for _, line := range strings.Split(stderr.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "ptm: "):
			run.messages = append(run.messages, line)
		case strings.HasPrefix(line, "{"):
			if err := json.Unmarshal([]byte(line), &run.stats); err != nil {
				t.Fatalf("ptm --stats: %v: %s", err, line)
			}
		}
	}
	if run.stats == nil && run.code != 2 {
		t.Fatalf("ptm: no --stats line: %s", stderr.String())
	}
	return run
}

// decodeMetrics reads an ExportMetricsServiceRequest with pdata, strictly,
// and gives it as pdata's OTLP/JSON for comparison.
func decodeMetrics(t testing.TB, data []byte) string {
	t.Helper()
	metrics, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(data)
	if err != nil {
		t.Fatalf("pmetric: %v", err)
	}
	text, err := (&pmetric.JSONMarshaler{}).MarshalMetrics(metrics)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

// ---- an emulated Envoy in front of an OTLP metrics endpoint --------------------

// envoy serves HTTP as Envoy with the filter would: each request goes
// through the filter, its body in pieces of 16 KiB, then to upstream, or
// is answered by the filter's local response.
type envoy struct {
	filter    *filter
	upstream  http.Handler
	encodings []string // the content-encoding of each request it got
}

func (e *envoy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	headers := [][2]string{{":method", r.Method}, {":path", r.URL.RequestURI()}, {":authority", r.Host}}
	if r.ContentLength >= 0 {
		headers = append(headers, [2]string{"content-length", fmt.Sprint(r.ContentLength)})
	}
	for name, values := range r.Header {
		for _, v := range values {
			headers = append(headers, [2]string{strings.ToLower(name), v})
		}
	}
	e.encodings = append(e.encodings, r.Header.Get("Content-Encoding"))
	res := e.filter.send(headers, body, 16<<10)
	if res.local != nil {
		for _, h := range res.local.Headers {
			w.Header().Add(h[0], h[1])
		}
		w.WriteHeader(int(res.local.StatusCode))
		w.Write(res.local.Data)
		return
	}
	if !res.forwarded() {
		http.Error(w, fmt.Sprintf("emulated envoy: the filter left the request paused: %v", res.actions), http.StatusInternalServerError)
		return
	}
	path, _ := res.header(":path")
	forward, err := http.NewRequest(r.Method, path, bytes.NewReader(res.body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for _, h := range res.headers {
		if !strings.HasPrefix(h[0], ":") {
			forward.Header.Add(h[0], h[1])
		}
	}
	e.upstream.ServeHTTP(w, forward)
}
