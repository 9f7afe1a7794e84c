package proxywasm

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "tests", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// shared is a capture under ../shared/fixtures, or a skip where it is absent.
func shared(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "..", "shared", "fixtures", name))
	if err != nil {
		t.Skipf("shared fixture %s: %v", name, err)
	}
	return data
}

func gzipped(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstded(t testing.TB, data []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return w.EncodeAll(data, nil)
}

// assertConverted checks a request that the filter converted: forwarded
// to /v1/metrics as protobuf, without content-length or content-encoding,
// and a body pdata reads as the metrics the CLI makes of plain.
func assertConverted(t *testing.T, r result, want cliRun) {
	t.Helper()
	if !r.forwarded() {
		t.Fatalf("not forwarded: actions %v, local response %+v", r.actions, r.local)
	}
	if path, _ := r.header(":path"); path != metricsPath {
		t.Errorf(":path %q, want %q", path, metricsPath)
	}
	if ct, _ := r.header("content-type"); ct != protobufType {
		t.Errorf("content-type %q, want %q", ct, protobufType)
	}
	for _, name := range []string{"content-length", "content-encoding"} {
		if v, ok := r.header(name); ok {
			t.Errorf("%s %q left on the converted request", name, v)
		}
	}
	if want.code != 0 {
		t.Fatalf("the CLI refused the same input: exit %d %q", want.code, want.messages)
	}
	if got, exp := decodeMetrics(t, r.body), decodeMetrics(t, want.output); got != exp {
		t.Errorf("metrics differ from the CLI's:\n got %.400s\nwant %.400s", got, exp)
	}
	if len(want.output) > 0 && bytes.Equal(r.body, want.output) == false {
		t.Errorf("body is not the CLI's bytes (%d bytes, CLI %d)", len(r.body), len(want.output))
	}
}

// Protobuf, JSON and JSON Lines bodies, plain, gzip and zstd, in one piece
// and in several: each forwarded as the CLI's metrics of the same bytes.
func TestBodies(t *testing.T) {
	f := newFilter(t, nil)
	type body struct {
		name, file, contentType, input string
		data                           []byte
	}
	bodies := []body{
		{name: "cpu-ebpf.pb", file: "cpu-ebpf.pb", contentType: protobufType, input: "otlp"},
		{name: "memory.pb", file: "memory.pb", contentType: protobufType, input: "otlp"},
		{name: "cpu-pprof.pb", file: "cpu-pprof.pb", contentType: protobufType, input: "otlp"},
		{name: "cpu-ebpf.json", file: "cpu-ebpf.json", contentType: jsonType + "; charset=utf-8", input: "json"},
		{name: "multi.jsonl", file: "multi.jsonl", contentType: jsonType, input: "json"},
	}
	for i := range bodies {
		bodies[i].data = fixture(t, bodies[i].file)
	}
	for _, b := range bodies {
		want := cli(t, b.input, b.data, "")
		for _, enc := range []struct {
			name string
			data []byte
		}{{"", b.data}, {"gzip", gzipped(t, b.data)}, {"zstd", zstded(t, b.data)}} {
			for _, piece := range []int{0, 1000, 7} {
				name := fmt.Sprintf("%s/%s/piece-%d", b.name, enc.name, piece)
				if enc.name == "" {
					name = fmt.Sprintf("%s/identity/piece-%d", b.name, piece)
				}
				t.Run(name, func(t *testing.T) {
					before := f.counters(t)
					r := f.send(post(b.contentType, enc.name, len(enc.data)), enc.data, piece)
					assertConverted(t, r, want)
					if piece > 0 && len(r.actions) != 1+(len(enc.data)+piece-1)/piece {
						t.Errorf("%d callbacks for %d bytes in pieces of %d", len(r.actions), len(enc.data), piece)
					}
					assertCounted(t, f, before, want, "requests_converted")
				})
			}
		}
	}
}

// assertCounted checks that the counters moved by one request of outcome
// (a counter name) and by the CLI's stats of the same input.
func assertCounted(t *testing.T, f *filter, before map[string]uint64, want cliRun, outcome string) {
	t.Helper()
	after := f.counters(t)
	expect := map[string]uint64{outcome: 1}
	if outcome == "requests_converted" {
		for _, name := range []string{"samples_total", "samples_kept", "samples_filtered", "samples_invalid", "samples_skipped"} {
			expect[name] = want.stats[name]
		}
		expect["points"] = want.stats["series"]
	}
	for _, name := range counterNames {
		if got := after[name] - before[name]; got != expect[name] {
			t.Errorf("counter %s moved by %d, want %d", name, got, expect[name])
		}
	}
}

// The eBPF profiler's 189 requests as one JSON Lines body (1.1 MB: read
// from Envoy's buffer in two pieces) and its on-CPU/off-CPU capture.
func TestRealCaptures(t *testing.T) {
	f := newFilter(t, nil)
	for _, c := range []struct{ file, contentType, input string }{
		{"otlp-real/ebpf-oncpu-189-requests.jsonl", jsonType, "json"},
		{"otlp-real/ebpf-oncpu-offcpu.pb", protobufType, "otlp"},
		{"otlp-real/ebpf-oncpu-offcpu.json", jsonType, "json"},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			data := shared(t, c.file)
			want := cli(t, c.input, data, "")
			r := f.send(post(c.contentType, "gzip", 0), gzipped(t, data), 64<<10)
			assertConverted(t, r, want)
		})
	}
}

// failure is a local response's google.rpc.Status, decoded by its content-type.
func failure(t *testing.T, r result) *status.Status {
	t.Helper()
	if r.local == nil {
		t.Fatalf("no local response: actions %v, path now %v", r.actions, r.headers)
	}
	var contentType string
	for _, h := range r.local.Headers {
		if h[0] == "content-type" {
			contentType = h[1]
		}
	}
	s := &status.Status{}
	var err error
	switch contentType {
	case protobufType:
		err = proto.Unmarshal(r.local.Data, s)
	case jsonType:
		err = protojson.Unmarshal(r.local.Data, s)
	default:
		s.Message = string(r.local.Data)
	}
	if err != nil {
		t.Fatalf("local response body (%s) is not a Status: %v: %q", contentType, err, r.local.Data)
	}
	return s
}

// A bad body gets a local 400 with the CLI's message, in a Status of the
// request's encoding; the next request on the same VM still converts.
func TestBadBodyThenGood(t *testing.T) {
	f := newFilter(t, nil)
	good := fixture(t, "cpu-ebpf.pb")
	wantGood := cli(t, "otlp", good, "")
	for _, bad := range []struct {
		name, contentType, input string
		data                     []byte
	}{
		{"truncated protobuf", protobufType, "otlp", good[:len(good)/2]},
		{"garbage", protobufType, "otlp", []byte("\xff\xff\xff\xff not a request")},
		{"bad JSON", jsonType, "json", []byte(`{"resourceProfiles": [`)},
		{"gzip of garbage", protobufType, "otlp", gzipped(t, []byte("\x0a\xff\xff\xff\xff\x0f"))},
		{"truncated gzip", protobufType, "otlp", gzipped(t, good)[:100]},
		{"gzip of gzip", protobufType, "otlp", gzipped(t, gzipped(t, good))},
	} {
		t.Run(bad.name, func(t *testing.T) {
			want := cli(t, bad.input, bad.data, "")
			if want.code != 1 || len(want.messages) != 1 {
				t.Fatalf("the CLI: exit %d, messages %q; want exit 1 and one message", want.code, want.messages)
			}
			before := f.counters(t)
			r := f.send(post(bad.contentType, "", len(bad.data)), bad.data, 0)
			if r.local == nil || r.local.StatusCode != 400 {
				t.Fatalf("want a local 400, got %+v (actions %v)", r.local, r.actions)
			}
			s := failure(t, r)
			if s.Code != 3 || s.Message != want.messages[0] {
				t.Errorf("Status{%d, %q}, want {3, %q}", s.Code, s.Message, want.messages[0])
			}
			if len(r.warnings) != 1 || r.warnings[0] != want.messages[0] {
				t.Errorf("warn logs %q, want [%q]", r.warnings, want.messages[0])
			}
			assertCounted(t, f, before, want, "requests_rejected")
			assertConverted(t, f.send(post(protobufType, "", len(good)), good, 4096), wantGood)
		})
	}
}

// gzip inside gzip (content-encoding: gzip) gets the CLI's message, as the
// CLI gives it with its input format detected or told (issue 28, row 10).
func TestCompressedTwice(t *testing.T) {
	f := newFilter(t, nil)
	data := gzipped(t, gzipped(t, fixture(t, "cpu-ebpf.pb")))
	const want = "ptm: input: compressed data inside compressed input (compressed twice?): it is decompressed once"
	for _, input := range []string{"auto", "otlp"} {
		if run := cli(t, input, data, ""); run.code != 1 || len(run.messages) != 1 || run.messages[0] != want {
			t.Fatalf("the CLI -i %s: exit %d, messages %q; want exit 1 and %q", input, run.code, run.messages, want)
		}
	}
	for _, piece := range []int{0, 5} {
		r := f.send(post(protobufType, "gzip", len(data)), data, piece)
		if s := failure(t, r); s.Code != 3 || s.Message != want {
			t.Errorf("piece %d: Status{%d, %q}, want {3, %q}", piece, s.Code, s.Message, want)
		}
	}
}

// A body over filter.max_body_bytes is refused at the callback that passes
// it, before the rest arrives.
func TestBodyLimit(t *testing.T) {
	f := newFilter(t, []byte(`{"filter": {"max_body_bytes": 2000}}`))
	body := fixture(t, "cpu-ebpf.pb")
	if len(body) <= 3000 {
		t.Fatalf("fixture too small: %d bytes", len(body))
	}
	r := f.send(post(protobufType, "", len(body)), body, 1000)
	if r.local == nil || r.local.StatusCode != 400 || len(r.actions) != 4 {
		t.Fatalf("want a local 400 at the third body callback; actions %v, local %+v", r.actions, r.local)
	}
	const want = "ptm: request: body passes filter.max_body_bytes (2000 bytes)"
	if s := failure(t, r); s.Message != want {
		t.Errorf("message %q, want %q", s.Message, want)
	}
	small := fixture(t, "cpu-pprof.pb")
	if len(small) > 2000 {
		t.Fatalf("cpu-pprof.pb is %d bytes", len(small))
	}
	assertConverted(t, f.send(post(protobufType, "", len(small)), small, 0), cli(t, "otlp", small, ""))
}

// untouched reports whether every callback continued and the body went on as it came.
func untouched(r result, body []byte) bool {
	for _, a := range r.actions {
		if a != types.ActionContinue {
			return false
		}
	}
	return r.local == nil && bytes.Equal(r.body, body)
}

// Requests that are not profiles exports pass untouched: headers (with
// content-length) and body as they came, no callback paused.
func TestOtherRequestsUntouched(t *testing.T) {
	f := newFilter(t, nil)
	body := fixture(t, "cpu-ebpf.pb")
	for _, c := range []struct {
		name   string
		method string
		path   string
	}{
		{"traces", "POST", "/v1/traces"},
		{"metrics", "POST", "/v1/metrics"},
		{"GET of the profiles path", "GET", profilesPath},
		{"a longer path", "POST", profilesPath + "/x"},
		{"a prefix of the path", "POST", "/v1development/profile"},
	} {
		t.Run(c.name, func(t *testing.T) {
			headers := post(protobufType, "gzip", len(body))
			headers[0][1], headers[1][1] = c.method, c.path
			want := append([][2]string(nil), headers...)
			r := f.send(headers, body, 1000)
			for _, a := range r.actions {
				if a != types.ActionContinue {
					t.Fatalf("actions %v: want every callback to continue", r.actions)
				}
			}
			if r.local != nil {
				t.Fatalf("local response %+v", r.local)
			}
			if fmt.Sprint(r.headers) != fmt.Sprint(want) {
				t.Errorf("headers changed:\n got %v\nwant %v", r.headers, want)
			}
			if !untouched(r, body) {
				t.Errorf("not passed untouched: actions %v, body %d bytes of %d", r.actions, len(r.body), len(body))
			}
		})
	}
}

// A query string stays on the rewritten path; a request with trailers
// converts at its trailers; a request without a body converts to an empty
// one.
func TestQueryTrailersEmpty(t *testing.T) {
	f := newFilter(t, nil)
	body := fixture(t, "cpu-ebpf.pb")
	want := cli(t, "otlp", body, "")

	for _, query := range []string{"?tenant=a", "?tenant=" + strings.Repeat("a", 5000)} {
		headers := post(protobufType, "", len(body))
		headers[1][1] = profilesPath + query
		r := f.send(headers, body, 0)
		if path, _ := r.header(":path"); path != metricsPath+query {
			t.Errorf("query of %d bytes: :path %.80q", len(query), path)
		}
	}

	f.mu.Lock()
	id := f.host.InitializeHttpContext()
	actions := []types.Action{
		f.host.CallOnRequestHeaders(id, post(protobufType, "", len(body)), false),
		f.host.CallOnRequestBody(id, body, false),
		f.host.CallOnRequestTrailers(id, [][2]string{{"grpc-status", "0"}}),
	}
	tr := f.result(id, actions, 0)
	f.host.CompleteHttpContext(id)
	f.mu.Unlock()
	t.Run("trailers", func(t *testing.T) { assertConverted(t, tr, want) })

	empty := f.send(post(protobufType, "", 0), nil, 0)
	t.Run("no body", func(t *testing.T) { assertConverted(t, empty, cli(t, "otlp", nil, "")) })
}

// A content-type or content-encoding the core does not read: 415.
func TestUnsupportedMedia(t *testing.T) {
	f := newFilter(t, nil)
	body := fixture(t, "cpu-ebpf.pb")
	for _, c := range []struct{ contentType, encoding, message string }{
		{"text/plain", "", `ptm: request: content-type "text/plain" is not application/x-protobuf or application/json`},
		{"application/grpc", "", `ptm: request: content-type "application/grpc" is not application/x-protobuf or application/json`},
		{protobufType, "br", `ptm: request: content-encoding "br" is not gzip, zstd or identity`},
	} {
		r := f.send(post(c.contentType, c.encoding, len(body)), body, 0)
		if r.local == nil || r.local.StatusCode != 415 {
			t.Fatalf("%s %s: want 415, got %+v", c.contentType, c.encoding, r.local)
		}
		if s := failure(t, r); s.Message != c.message {
			t.Errorf("message %q, want %q", s.Message, c.message)
		}
	}
	headers := post(protobufType, "", len(body))
	headers = append(headers[:3], headers[4:]...) // no content-type at all
	if r := f.send(headers, body, 0); r.local == nil || r.local.StatusCode != 415 {
		t.Errorf("no content-type: want 415, got %+v", r.local)
	}
}

// The profiles' wire version (OTLP-Profiles-Development-Version): absent or
// 1 converts, and the converted request does not carry it on; any other
// value gets 400 with the message, before the body is read.
func TestProfilesVersionHeader(t *testing.T) {
	f := newFilter(t, nil)
	body := fixture(t, "cpu-ebpf.pb")
	want := cli(t, "otlp", body, "")
	for _, version := range []string{"", "1"} {
		headers := post(protobufType, "", len(body))
		if version != "" {
			headers = append(headers, [2]string{"otlp-profiles-development-version", version})
		}
		r := f.send(headers, body, 0)
		t.Run("version "+version, func(t *testing.T) { assertConverted(t, r, want) })
		if v, ok := r.header("otlp-profiles-development-version"); ok {
			t.Errorf("version %q: the metrics request carries the profiles' version %q", version, v)
		}
	}
	for _, version := range []string{"2", "0", "1.0"} {
		headers := append(post(protobufType, "", len(body)), [2]string{"otlp-profiles-development-version", version})
		r := f.send(headers, body, 0)
		if r.local == nil || r.local.StatusCode != 400 {
			t.Fatalf("version %q: want 400, got %+v", version, r.local)
		}
		want := `ptm: request: OTLP-Profiles-Development-Version "` + version + `" is not 1, the version this filter reads`
		if s := failure(t, r); s.Message != want {
			t.Errorf("message %q, want %q", s.Message, want)
		}
	}
}

// Plugin configurations: none and "{}" run with every default; the filter's
// options and the core's keys work; a bad one fails proxy_on_configure with
// an error log naming the key.
func TestConfiguration(t *testing.T) {
	body := fixture(t, "cpu-ebpf.pb")
	for _, configuration := range [][]byte{nil, []byte(""), []byte("{}"), []byte(" { } ")} {
		f := newFilter(t, configuration)
		assertConverted(t, f.send(post(protobufType, "", len(body)), body, 0), cli(t, "otlp", body, ""))
		f.close()
	}

	core := `{"metrics": {"function": {"enabled": false}}, "process_filter": {"exclude_patterns": ["^none$"]}}`
	f := newFilter(t, []byte(`{"metrics": {"function": {"enabled": false}}, "filter": {"match_path": "/profiles", "rewrite_path": "/otlp/v1/metrics", "on_error": "reject", "max_body_bytes": 1000000}, "process_filter": {"exclude_patterns": ["^none$"]}}`))
	headers := post(protobufType, "", len(body))
	headers[1][1] = "/profiles"
	r := f.send(headers, body, 0)
	if path, _ := r.header(":path"); path != "/otlp/v1/metrics" {
		t.Errorf("rewrite_path: :path %q", path)
	}
	r.headers[1][1] = metricsPath
	t.Run("core keys", func(t *testing.T) { assertConverted(t, r, cli(t, "otlp", body, core)) })
	if r := f.send(post(protobufType, "", len(body)), body, 0); !untouched(r, body) {
		t.Errorf("match_path: the default path should now pass untouched")
	}
	f.close()

	pass := newFilter(t, []byte(`{"filter": {"on_error": "pass"}}`))
	bad := []byte("\xff\xff not a request")
	r = pass.send(post(protobufType, "gzip", len(bad)), bad, 0)
	if !r.forwarded() || !bytes.Equal(r.body, bad) || r.local != nil {
		t.Errorf("on_error pass: want the bad request on, untouched; got actions %v, local %+v", r.actions, r.local)
	}
	if p, _ := r.header(":path"); p != profilesPath {
		t.Errorf("on_error pass: :path %q", p)
	}
	if e, _ := r.header("content-encoding"); e != "gzip" {
		t.Errorf("on_error pass: content-encoding %q", e)
	}
	if want := `ptm: input: malformed protobuf`; len(r.warnings) != 1 || !strings.HasPrefix(r.warnings[0], want) ||
		!strings.HasSuffix(r.warnings[0], ` (passed on untouched: "on_error": "pass")`) {
		t.Errorf("on_error pass: warn logs %q", r.warnings)
	}
	if got := pass.counters(t)["requests_passed"]; got != 1 {
		t.Errorf("requests_passed %d", got)
	}
	pass.close()

	for _, c := range []struct{ configuration, message string }{
		{`{"filter": {"on_error": "drop"}}`, `ptm: config: filter.on_error: must be "reject" or "pass"`},
		{`{"filter": {"match": "/x"}}`, `ptm: config: filter.match: unknown key (match_path, rewrite_path, on_error, max_body_bytes)`},
		{`{"filter": {"match_path": "v1"}}`, `ptm: config: filter.match_path: must start with '/'`},
		{`{"filter": {"rewrite_path": 3}}`, `ptm: config: filter.rewrite_path: must be a string`},
		{`{"filter": {"max_body_bytes": 0}}`, `ptm: config: filter.max_body_bytes: must be an integer from 1 to 4294967295`},
		{`{"filter": {"max_body_bytes": 1.5}}`, `ptm: config: filter.max_body_bytes: must be an integer from 1 to 4294967295`},
		{`{"filter": []}`, `ptm: config: filter: must be an object`},
		{`{"filter": {}, "filter": {}}`, `ptm: config: filter: duplicated key`},
		{`{"temporality": "cumulative"}`, `ptm: config: temporality: "cumulative" is not available in the filter`},
	} {
		f, ok := startFilter(t, []byte(c.configuration))
		if ok {
			t.Errorf("%s: accepted", c.configuration)
		} else if logs := f.host.GetErrorLogs(); len(logs) != 1 || !strings.HasPrefix(logs[0], c.message) {
			t.Errorf("%s: error logs %q, want one starting %q", c.configuration, logs, c.message)
		}
		f.close()
	}
	// The core's own refusals, with the CLI's message.
	for _, configuration := range []string{`{"nope": 1}`, `{"temporality": "weekly"}`, `{`, `[1]`, `{} x`, `{"filter": {}} {}`,
		`{"process_filter": {"patterns": ["("]}}`} {
		want := cli(t, "otlp", nil, configuration)
		f, ok := startFilter(t, []byte(configuration))
		if ok || want.code != 2 || len(want.messages) != 1 {
			t.Errorf("%s: plugin accepted %v, CLI exit %d %q", configuration, ok, want.code, want.messages)
		} else if logs := f.host.GetErrorLogs(); len(logs) != 1 || logs[0] != want.messages[0] {
			t.Errorf("%s: error logs %q, want %q", configuration, logs, want.messages[0])
		}
		f.close()
	}
}

// TestBreakdownsAndRules: the plugin configuration takes the core's
// breakdowns and rules (docs/examples/breakdowns.json) and converts as the
// CLI does with the same JSON; a bad rule fails start-up with the core's
// message.
func TestBreakdownsAndRules(t *testing.T) {
	configuration, err := os.ReadFile(filepath.Join(repoRoot, "docs", "examples", "breakdowns.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := fixture(t, "cpu-ebpf.pb")
	f := newFilter(t, configuration)
	want := cli(t, "otlp", body, string(configuration))
	if !strings.Contains(decodeMetrics(t, want.output), "profile.frame_type.cpu.time") {
		t.Fatalf("the CLI's output has no breakdown metric")
	}
	assertConverted(t, f.send(post(protobufType, "", len(body)), body, 0), want)
	f.close() // one emulated host at a time
	bad := `{"rules": [{"metric_name": "x", "functions": ["f"], "mode": "both"}]}`
	wantBad := cli(t, "otlp", nil, bad)
	refused, ok := startFilter(t, []byte(bad))
	if ok || wantBad.code != 2 || len(wantBad.messages) != 1 {
		t.Errorf("a bad rule: plugin accepted %v, CLI exit %d %q", ok, wantBad.code, wantBad.messages)
	} else if logs := refused.host.GetErrorLogs(); len(logs) != 1 || logs[0] != wantBad.messages[0] {
		t.Errorf("a bad rule: error logs %q, want %q", logs, wantBad.messages[0])
	}
	refused.close()
}

// skippable is a zstd skippable frame (magic 0x184D2A50+nibble, then its
// length, little-endian) holding size bytes, which zstd -d skips.
func skippable(nibble byte, size int) []byte {
	frame := []byte{0x50 + nibble, 0x2a, 0x4d, 0x18, byte(size), byte(size >> 8), byte(size >> 16), byte(size >> 24)}
	return append(frame, bytes.Repeat([]byte{0xa5}, size)...)
}

// content-encoding: zstd with skippable frames first (as pzstd writes),
// between frames and last converts as the plain body (issue 28, row 7);
// skippable frames only are no body: what a request without one gives.
func TestZstdSkippableFrames(t *testing.T) {
	f := newFilter(t, nil)
	body := fixture(t, "cpu-ebpf.pb")
	want := cli(t, "otlp", body, "")
	cut := len(body) / 2
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for name, data := range map[string][]byte{
		"first":      join(skippable(0, 4), zstded(t, body)),
		"between":    join(zstded(t, body[:cut]), skippable(7, 100), zstded(t, body[cut:])),
		"last":       join(zstded(t, body), skippable(15, 0)),
		"everywhere": join(skippable(2, 8), zstded(t, body[:cut]), skippable(9, 1), zstded(t, body[cut:]), skippable(5, 3)),
	} {
		for _, piece := range []int{0, 7} {
			t.Run(fmt.Sprintf("%s/piece-%d", name, piece), func(t *testing.T) {
				assertConverted(t, f.send(post(protobufType, "zstd", len(data)), data, piece), want)
			})
		}
	}
	only := join(skippable(0, 12), skippable(3, 0))
	t.Run("only skippable", func(t *testing.T) {
		assertConverted(t, f.send(post(protobufType, "zstd", len(only)), only, 0), cli(t, "otlp", nil, ""))
	})
}
