// connector_test.go: the connector against the CLI. The repo's fixtures and
// the real captures in ../shared (skipped when absent) added through
// ConsumeProfiles and flushed give the same metrics as `build/native/ptm -f
// otlp` of the same requests at once (the decoded values, compared as
// pdata's JSON with the times apart; every point's time is the flush's);
// delta flushes hold what came since the last one, in contiguous windows;
// cumulative flushes every held series; a bad config fails Validate with the
// core's key path; a refused request is a permanent error for it alone and
// leaves what is held; concurrent calls give the serial totals; the flushes
// come on the interval and once at shutdown; memory stays flat over 1,000
// requests.
package profiletometricsconnector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/connector/xconnector"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pprofile"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

var repoRoot = filepath.Join("..", "..")

func ptmPath() string { return filepath.Join(repoRoot, "build", "native", "ptm") }

// cli runs the native CLI on input with a JSON config.
func cli(t *testing.T, config string, args ...string) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ptmPath(), append([]string{"-c", file}, args...)...).Output()
	if err != nil {
		t.Fatalf("ptm %v: %v", args, err)
	}
	return out
}

// requests reads a protobuf request file, or each line of a JSON Lines file.
func requests(t *testing.T, path string) []pprofile.Profiles {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".pb") {
		p, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
		if err != nil {
			t.Fatal(err)
		}
		return []pprofile.Profiles{p}
	}
	return readJSONLines(t, bytes.NewReader(data))
}

// readJSONLines reads each line of OTLP/JSON Lines with pdata's JSON unmarshaler.
func readJSONLines(t *testing.T, r io.Reader) []pprofile.Profiles {
	t.Helper()
	var out []pprofile.Profiles
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	for scanner.Scan() {
		if len(bytes.TrimSpace(scanner.Bytes())) == 0 {
			continue
		}
		p, err := (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(scanner.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// engines are the engines of this build: wasm always, native with cgo.
func engines() []string {
	if nativeAvailable {
		return []string{"wasm", "native"}
	}
	return []string{"wasm"}
}

// newTestConnector is a started connector whose interval never comes in a
// test: the tests flush it themselves (flushNow).
func newTestConnector(t *testing.T, core map[string]any, sink *consumertest.MetricsSink, engine string) *profilesConnector {
	t.Helper()
	return startConnector(t, &Config{Core: core, Engine: engine, FlushInterval: time.Hour}, sink)
}

func startConnector(t *testing.T, config *Config, sink *consumertest.MetricsSink) *profilesConnector {
	t.Helper()
	if err := config.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := NewFactory().CreateProfilesToMetrics(context.Background(), connectortest.NewNopSettings(Type), config, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c.(*profilesConnector)
}

// flushNow flushes c at a time of its own, returned, and the sink's new
// metrics (none when nothing was written).
func flushNow(t *testing.T, c *profilesConnector, sink *consumertest.MetricsSink) (time.Time, []pmetric.Metrics) {
	t.Helper()
	before := len(sink.AllMetrics())
	now := time.Now()
	c.flush(context.Background(), now)
	return now, sink.AllMetrics()[before:]
}

// consume adds every request to c.
func consume(t *testing.T, c xconnector.Profiles, reqs []pprofile.Profiles) {
	t.Helper()
	for i, r := range reqs {
		if err := c.ConsumeProfiles(context.Background(), r); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
}

// eachPoint calls f on every number data point of m.
func eachPoint(m pmetric.Metrics, f func(pmetric.NumberDataPoint)) {
	rms := m.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				var points pmetric.NumberDataPointSlice
				if ms.At(k).Type() == pmetric.MetricTypeGauge {
					points = ms.At(k).Gauge().DataPoints()
				} else {
					points = ms.At(k).Sum().DataPoints()
				}
				for n := 0; n < points.Len(); n++ {
					f(points.At(n))
				}
			}
		}
	}
}

// timesApart is m with every point's start and time set to 0: what a flush
// and the CLI's conversion of the same requests share.
func timesApart(m pmetric.Metrics) pmetric.Metrics {
	out := pmetric.NewMetrics()
	m.CopyTo(out)
	eachPoint(out, func(p pmetric.NumberDataPoint) {
		p.SetStartTimestamp(0)
		p.SetTimestamp(0)
	})
	return out
}

// sameValues fails unless got (a flush) and want (the CLI's) are the same
// metrics, times apart.
func sameValues(t *testing.T, what string, got, want pmetric.Metrics) {
	t.Helper()
	if a, b := asJSON(t, timesApart(got)), asJSON(t, timesApart(want)); a != b {
		t.Fatalf("%s: connector and CLI differ:\n%.600s\n%.600s", what, a, b)
	}
}

// stampedAt fails unless every point of m is at now, its start (when it has
// one) not after it and, given, equal to start.
func stampedAt(t *testing.T, what string, m pmetric.Metrics, now time.Time, start time.Time) {
	t.Helper()
	eachPoint(m, func(p pmetric.NumberDataPoint) {
		if p.Timestamp().AsTime().UnixNano() != now.UnixNano() {
			t.Fatalf("%s: a point at %v, not at the flush %v", what, p.Timestamp().AsTime(), now)
		}
		if p.StartTimestamp() != 0 && (p.StartTimestamp().AsTime().After(now) ||
			(!start.IsZero() && p.StartTimestamp().AsTime().UnixNano() != start.UnixNano())) {
			t.Fatalf("%s: a point starts at %v (flush %v, want %v)", what, p.StartTimestamp().AsTime(), now, start)
		}
	})
}

func asJSON(t *testing.T, m pmetric.Metrics) string {
	t.Helper()
	out, err := (&pmetric.JSONMarshaler{}).MarshalMetrics(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func fromCLI(t *testing.T, out []byte) pmetric.Metrics {
	t.Helper()
	m, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(out)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func inputs(t *testing.T) []string {
	paths := []string{"cpu-ebpf.pb", "memory.pb", "cpu-pprof.pb", "multi.jsonl"}
	for i := range paths {
		paths[i] = filepath.Join(repoRoot, "tests", "fixtures", paths[i])
	}
	shared := filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-real")
	if _, err := os.Stat(shared); err == nil {
		paths = append(paths, filepath.Join(shared, "ebpf-oncpu-offcpu.pb"), filepath.Join(shared, "ebpf-oncpu-189-requests.jsonl"))
	} else {
		t.Log("no ../shared/fixtures: the real captures are skipped")
	}
	return paths
}

func TestFactory(t *testing.T) {
	factory := NewFactory()
	if factory.Type().String() != "profiletometrics" {
		t.Fatalf("type %s", factory.Type())
	}
	if factory.ProfilesToMetricsStability() != component.StabilityLevelAlpha {
		t.Fatal("profiles to metrics must be supported")
	}
	if err := factory.CreateDefaultConfig().(*Config).Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
}

func TestSameMetricsAsTheCLI(t *testing.T) {
	for _, engine := range engines() {
		for _, input := range inputs(t) {
			for _, config := range []map[string]any{nil, {"metrics": map[string]any{"function": map[string]any{"top_n": 3}}}} {
				sameMetricsAsTheCLI(t, engine, input, config)
			}
		}
	}
}

// sameMetricsAsTheCLI adds input's requests to a connector and flushes
// once: the CLI's conversion of the whole input with the connector's
// configuration (cumulative), every point at the flush's time.
func sameMetricsAsTheCLI(t *testing.T, engine, input string, config map[string]any) {
	sink := &consumertest.MetricsSink{}
	c := newTestConnector(t, config, sink, engine)
	consume(t, c, requests(t, input))
	now, got := flushNow(t, c, sink)
	configText, _ := (&Config{Core: config}).coreJSON()
	want := fromCLI(t, cli(t, string(configText), "-f", "otlp", input))
	if want.DataPointCount() == 0 {
		if len(got) != 0 {
			t.Fatalf("%s %s: a flush of no point sent metrics", engine, input)
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("%s %s: %d outputs for one flush", engine, input, len(got))
	}
	sameValues(t, engine+" "+input, got[0], want)
	stampedAt(t, engine+" "+input, got[0], now, time.Time{})
}

// TestDeltaFlushesHoldTheirWindow: with temporality delta, each flush holds
// what came since the last one (the CLI's delta conversion of those
// requests), every point in [last flush, this flush); a flush with nothing
// new sends nothing.
func TestDeltaFlushesHoldTheirWindow(t *testing.T) {
	reqs := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "multi.jsonl"))
	half := len(reqs) / 2
	for _, engine := range engines() {
		sink := &consumertest.MetricsSink{}
		c := newTestConnector(t, map[string]any{"temporality": "delta"}, sink, engine)
		consume(t, c, reqs[:half])
		first, got := flushNow(t, c, sink)
		if len(got) != 1 {
			t.Fatalf("%s: %d outputs for the first flush", engine, len(got))
		}
		sameValues(t, engine+" first window", got[0], fromCLI(t, cliStdin(t, `{}`, jsonLines(t, reqs[:half]))))
		mid, none := flushNow(t, c, sink)
		if len(none) != 0 {
			t.Fatalf("%s: a delta flush with nothing added sent metrics", engine)
		}
		consume(t, c, reqs[half:])
		second, got := flushNow(t, c, sink)
		if len(got) != 1 {
			t.Fatalf("%s: %d outputs for the last flush", engine, len(got))
		}
		sameValues(t, engine+" last window", got[0], fromCLI(t, cliStdin(t, `{}`, jsonLines(t, reqs[half:]))))
		// The empty flush between them closed a window too: this one starts there.
		stampedAt(t, engine+" last window", got[0], second, mid)
		if !mid.After(first) {
			t.Fatalf("%s: flushes at %v then %v", engine, first, mid)
		}
	}
}

// jsonLines is reqs as OTLP/JSON lines, the CLI's input.
func jsonLines(t *testing.T, reqs []pprofile.Profiles) []byte {
	t.Helper()
	var out []byte
	for _, r := range reqs {
		line, err := (&pprofile.JSONMarshaler{}).MarshalProfiles(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, line...), '\n')
	}
	return out
}

func cliStdin(t *testing.T, config string, input []byte) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ptmPath(), "-c", file, "-f", "otlp", "-")
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm: %v", err)
	}
	return out
}

func TestBadConfigFailsValidateWithTheKeyPath(t *testing.T) {
	cases := map[string]map[string]any{
		"config: process_filter.patterns[0]: invalid regex":         {"process_filter": map[string]any{"patterns": []any{"("}}},
		"config: metrics.cpu.unit: unknown unit":                    {"metrics": map[string]any{"cpu": map[string]any{"unit": "h"}}},
		"config: no_such_key: unknown key":                          {"no_such_key": true},
		`config: metrics_expiration: "5 minutes" is not a duration`: {"metrics_expiration": "5 minutes"},
	}
	for want, core := range cases {
		err := (&Config{Core: core, FlushInterval: time.Second}).Validate()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%v: got %v, want %q", core, err, want)
		}
	}
	if err := (&Config{}).Validate(); err == nil || err.Error() != "profiletometrics: flush_interval: must be a positive duration, such as 15s" {
		t.Fatalf("flush_interval 0: %v", err)
	}
	if err := (&Config{Engine: "gpu", FlushInterval: time.Second}).Validate(); err == nil || !strings.Contains(err.Error(), "engine") {
		t.Fatalf("engine: %v", err)
	}
	if err := (&Config{Engine: "wasm", ModulePath: "/nonexistent.wasm", FlushInterval: time.Second}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "module_path") {
		t.Fatalf("module_path: %v", err)
	}
}

func TestARefusedRequestIsPermanentAndTheNextConverts(t *testing.T) {
	small := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-pprof.pb"))[0]
	large := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))[0]
	smallSize, _ := (&pprofile.ProtoMarshaler{}).MarshalProfiles(small)
	for _, engine := range engines() {
		sink := &consumertest.MetricsSink{}
		c := newTestConnector(t, map[string]any{"max_input_bytes": len(smallSize)}, sink, engine)
		err := c.ConsumeProfiles(context.Background(), large)
		if err == nil || !consumererror.IsPermanent(err) || !strings.Contains(err.Error(), "max_input_bytes") {
			t.Fatalf("%s: large request: %v", engine, err)
		}
		if err := c.ConsumeProfiles(context.Background(), small); err != nil {
			t.Fatalf("%s: the next request: %v", engine, err)
		}
		_, got := flushNow(t, c, sink)
		if len(got) != 1 {
			t.Fatalf("%s: the next request converted nothing", engine)
		}
		sameValues(t, engine, got[0], fromCLI(t, cli(t, `{"temporality":"cumulative"}`, "-f", "otlp",
			filepath.Join(repoRoot, "tests", "fixtures", "cpu-pprof.pb"))))
	}
}

// TestConcurrentCallsGiveTheSerialTotals: requests from many goroutines at
// once, then one flush: the totals of the same requests one after another.
func TestConcurrentCallsGiveTheSerialTotals(t *testing.T) {
	for _, engine := range engines() {
		concurrentCalls(t, engine)
	}
}

func concurrentCalls(t *testing.T, engine string) {
	reqs := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "multi.jsonl"))
	reqs = append(reqs, requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))...)
	const rounds = 20
	serialSink := &consumertest.MetricsSink{}
	serial := newTestConnector(t, nil, serialSink, "wasm")
	for n := 0; n < rounds; n++ {
		consume(t, serial, reqs)
	}
	_, want := flushNow(t, serial, serialSink)
	sink := &consumertest.MetricsSink{}
	c := newTestConnector(t, nil, sink, engine)
	var wg sync.WaitGroup
	errs := make(chan error, rounds*len(reqs))
	goroutines := 2*runtime.GOMAXPROCS(0) + 2
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := g; n < rounds; n += goroutines {
				for _, r := range reqs {
					errs <- c.ConsumeProfiles(context.Background(), r)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, got := flushNow(t, c, sink)
	if len(got) != 1 || len(want) != 1 {
		t.Fatalf("%s: %d and %d outputs for one flush each", engine, len(got), len(want))
	}
	sameValues(t, engine+" concurrent", got[0], want[0])
}

// TestCumulativeFlushesSendEverySeriesHeld: a flush after each request sends
// every series seen so far at the flush's time, its start fixed; the last
// equals the CLI's cumulative conversion of the file; a flush with nothing
// new sends them all again, at its own time.
func TestCumulativeFlushesSendEverySeriesHeld(t *testing.T) {
	for _, engine := range engines() {
		cumulativeState(t, engine)
	}
}

func cumulativeState(t *testing.T, engine string) {
	reqs := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "multi.jsonl"))
	sink := &consumertest.MetricsSink{}
	c := newTestConnector(t, nil, sink, engine)
	var last pmetric.Metrics
	points := 0
	for _, r := range reqs {
		consume(t, c, []pprofile.Profiles{r})
		now, got := flushNow(t, c, sink)
		if len(got) != 1 || got[0].DataPointCount() < points {
			t.Fatalf("%s: a flush sent fewer series than it held before", engine)
		}
		stampedAt(t, engine, got[0], now, time.Time{})
		last, points = got[0], got[0].DataPointCount()
	}
	want := fromCLI(t, cli(t, `{"temporality":"cumulative"}`, "-f", "otlp", filepath.Join(repoRoot, "tests", "fixtures", "multi.jsonl")))
	sameValues(t, engine+" cumulative", last, want)
	now, again := flushNow(t, c, sink)
	if len(again) != 1 {
		t.Fatalf("%s: a cumulative flush with nothing new sent nothing", engine)
	}
	sameValues(t, engine+" again", again[0], want)
	stampedAt(t, engine+" again", again[0], now, time.Time{})
}

func TestMemoryStaysFlat(t *testing.T) {
	req := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))[0]
	sink := &consumertest.MetricsSink{}
	c := newTestConnector(t, map[string]any{}, sink, "wasm")
	pages := func() uint32 {
		c.held.mu.Lock()
		defer c.held.mu.Unlock()
		return c.held.instance.(*instance).module.Memory().Size()
	}
	run := func(n int) {
		for k := 0; k < n; k++ {
			consume(t, c, []pprofile.Profiles{req})
			if k%10 == 9 {
				flushNow(t, c, sink)
			}
		}
	}
	run(50)
	before := pages()
	run(1000)
	if after := pages(); after > before {
		t.Fatalf("wasm memory grew from %d to %d bytes over 1,000 requests and 100 flushes", before, after)
	}
}

// malformedCorpus writes tests/lib/malformed-cases.js's named cases (and a
// sample of the fixture's truncations) to files, in order, with node
// (tests/lib/write-malformed-corpus.js).
func malformedCorpus(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("node", filepath.Join(repoRoot, "tests", "lib", "write-malformed-corpus.js"), dir, "200")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node: %v: %s", err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, filepath.Join(dir, e.Name()))
	}
	return files
}

// TestMalformedCorpusThroughOneConnector: every case pdata can represent goes
// through one connector: an error for that request at most, never a panic,
// and the fixture converts to the same metrics after each.
func TestMalformedCorpusThroughOneConnector(t *testing.T) {
	good := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))[0]
	for _, engine := range engines() {
		sink := &consumertest.MetricsSink{}
		c := newTestConnector(t, map[string]any{"temporality": "delta"}, sink, engine)
		consume(t, c, []pprofile.Profiles{good})
		_, first := flushNow(t, c, sink)
		reference := asJSON(t, timesApart(first[0]))
		converted, refused, unrepresentable := 0, 0, 0
		for _, file := range malformedCorpus(t) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			profiles, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
			if err != nil {
				if profiles, err = (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(data); err != nil {
					unrepresentable++ // pdata refuses it: a receiver never hands it on
					continue
				}
			}
			if err := c.ConsumeProfiles(context.Background(), profiles); err != nil {
				if !consumererror.IsPermanent(err) {
					t.Fatalf("%s: %s: not a permanent error: %v", engine, file, err)
				}
				refused++
			} else {
				converted++
			}
			flushNow(t, c, sink) // the case's window
			if err := c.ConsumeProfiles(context.Background(), good); err != nil {
				t.Fatalf("%s: the fixture after %s: %v", engine, file, err)
			}
			_, got := flushNow(t, c, sink)
			if len(got) != 1 || asJSON(t, timesApart(got[0])) != reference {
				t.Fatalf("%s: the fixture converts differently after %s", engine, file)
			}
			sink.Reset()
		}
		t.Logf("%s: %d cases converted, %d refused (permanent errors), %d not representable in pdata", engine, converted, refused, unrepresentable)
		if converted+refused == 0 {
			t.Fatalf("%s: no case reached the connector", engine)
		}
	}
}

// fakeInstance fails as told; it records whether it was closed.
type fakeInstance struct {
	err    error
	closed bool
}

func (f *fakeInstance) add(context.Context, uint64, []byte) (Stats, string, error) {
	return Stats{}, "", f.err
}
func (f *fakeInstance) symbolize(context.Context, []byte, func(string) []byte) error { return f.err }
func (f *fakeInstance) flush(context.Context, uint64, int) ([]byte, Stats, error) {
	return nil, Stats{}, f.err
}
func (f *fakeInstance) version(context.Context) (string, error) { return "0.0.0", nil }
func (f *fakeInstance) memoryBytes() uint64                     { return 0 }

func (f *fakeInstance) close() { f.closed = true }

type fakeEngine struct{ made []*fakeInstance }

func (e *fakeEngine) name() string { return "fake" }
func (e *fakeEngine) table() *constants { return nil }
func (e *fakeEngine) newInstance([]byte) (converterInstance, error) {
	i := &fakeInstance{err: errTrap}
	e.made = append(e.made, i)
	return i, nil
}

// TestATrappedInstanceIsReplaced: an instance whose call trapped is closed,
// never used again, and the next call makes a new one; a core error (not a
// trap) keeps the instance and what it holds.
func TestATrappedInstanceIsReplaced(t *testing.T) {
	e := &fakeEngine{}
	held, err := newHeldConverter(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		if _, _, _, err := held.add(context.Background(), time.Now(), nil); !errors.Is(err, errTrap) {
			t.Fatalf("call %d: %v", n, err)
		}
		if !e.made[n-1].closed || held.instance != nil {
			t.Fatalf("call %d: the trapped instance was not closed", n)
		}
	}
	if _, _, _, err := held.flush(context.Background(), time.Now()); !errors.Is(err, errTrap) || len(e.made) != 4 {
		t.Fatalf("flush: %v, %d instances made", err, len(e.made))
	}
	// A core error (not a trap) keeps the instance.
	e.made[3].err, e.made[3].closed = &coreError{Code: "input", Message: "input: bad"}, false
	held.instance = e.made[3]
	if _, _, _, err := held.add(context.Background(), time.Now(), nil); err == nil || errors.Is(err, errTrap) {
		t.Fatalf("core error: %v", err)
	}
	if e.made[3].closed || held.instance != e.made[3] {
		t.Fatal("an instance that returned a core error must be kept")
	}
}

// TestFlushesOnTheIntervalAndAtShutdown: with a short flush_interval the
// metrics come by themselves, and Shutdown flushes what came since.
func TestFlushesOnTheIntervalAndAtShutdown(t *testing.T) {
	req := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))
	want := fromCLI(t, cli(t, `{"temporality":"cumulative"}`, "-f", "otlp", filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb")))
	for _, engine := range engines() {
		sink := &consumertest.MetricsSink{}
		c := startConnector(t, &Config{Engine: engine, FlushInterval: 50 * time.Millisecond}, sink)
		consume(t, c, req)
		for deadline := time.Now().Add(10 * time.Second); len(sink.AllMetrics()) == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no flush within 10 s of a 50 ms interval", engine)
			}
		}
		sameValues(t, engine+" interval", sink.AllMetrics()[0], want)
		if err := c.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		sink.Reset()
		late := startConnector(t, &Config{Engine: engine, FlushInterval: time.Hour}, sink)
		consume(t, late, req)
		if err := late.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if all := sink.AllMetrics(); len(all) != 1 {
			t.Fatalf("%s: %d flushes at shutdown, want 1", engine, len(all))
		} else {
			sameValues(t, engine+" shutdown", all[0], want)
		}
	}
}

// breakdownsConfig is docs/examples/breakdowns.json as the collector hands
// the connector its keys: a map of the decoded values.
// Also the file's text, which the CLI is given as it is.
func breakdownsConfig(t *testing.T) (map[string]any, string) {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(repoRoot, "docs", "examples", "breakdowns.json"))
	if err != nil {
		t.Fatal(err)
	}
	var core map[string]any
	if err := json.Unmarshal(text, &core); err != nil {
		t.Fatal(err)
	}
	return core, string(text)
}

// metricNames are the names of the metrics of every request in ms.
func metricNames(ms ...pmetric.Metrics) map[string]bool {
	names := map[string]bool{}
	for _, m := range ms {
		for i := 0; i < m.ResourceMetrics().Len(); i++ {
			sms := m.ResourceMetrics().At(i).ScopeMetrics()
			for j := 0; j < sms.Len(); j++ {
				for k := 0; k < sms.At(j).Metrics().Len(); k++ {
					names[sms.At(j).Metrics().At(k).Name()] = true
				}
			}
		}
	}
	return names
}

// TestBreakdownsAndRules: the connector keys breakdowns and rules
// (docs/examples/breakdowns.json) give, on each engine, the CLI's metrics of
// the same config, values included, and the breakdown and rule metrics are
// among them; a bad rule fails Validate with the CLI's message naming
// rules[0].mode.
func TestBreakdownsAndRules(t *testing.T) {
	core, text := breakdownsConfig(t)
	cases := []struct {
		input string
		names []string
	}{
		{filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"), []string{"profile.frame_type.cpu.time",
			"profile.frame_type.off_cpu.time", "profile.library.cpu.time", "profile.kernel.cpu.time",
			"profile.kernel.off_cpu.time", "profile.package.cpu.time", "futex.time"}},
		{filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-offcpu.pb"), []string{
			"profile.frame_type.cpu.time", "profile.frame_type.off_cpu.time", "profile.kernel.cpu.time",
			"profile.kernel.off_cpu.time", "futex.time", "scheduler.self.time"}},
	}
	for _, c := range cases {
		if _, err := os.Stat(c.input); err != nil {
			t.Logf("%s: skipped (%v)", c.input, err)
			continue
		}
		// The CLI with the file as it is (not the connector's re-encoding of it).
		want := fromCLI(t, cli(t, strings.Replace(text, "{", `{"temporality": "cumulative",`, 1), "-f", "otlp", c.input))
		names := metricNames(want)
		for _, name := range c.names {
			if !names[name] {
				t.Fatalf("%s: the CLI's output (docs/examples/breakdowns.json) has no %s", c.input, name)
			}
		}
		for _, engine := range engines() {
			sink := &consumertest.MetricsSink{}
			conn := newTestConnector(t, core, sink, engine)
			consume(t, conn, requests(t, c.input)[:1])
			_, all := flushNow(t, conn, sink)
			if len(all) != 1 {
				t.Fatalf("%s %s: %d outputs for one request", engine, c.input, len(all))
			}
			got := metricNames(all[0])
			for _, name := range c.names {
				if !got[name] {
					t.Errorf("%s %s: the connector's output has no %s", engine, c.input, name)
				}
			}
			sameValues(t, engine+" "+c.input, all[0], want)
		}
	}

	bad := map[string]any{"rules": []any{map[string]any{"metric_name": "x", "functions": []any{"f"}, "mode": "both"}}}
	file := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(file, []byte(mustJSON(t, bad)), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(ptmPath(), "-c", file, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))
	cmd.Stderr = &stderr
	var exit *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("the CLI with a bad rule: %v", err)
	}
	message := strings.TrimPrefix(strings.TrimSpace(stderr.String()), "ptm: ")
	if !strings.HasPrefix(message, "config: rules[0].mode: ") {
		t.Fatalf("the CLI's message %q does not name rules[0].mode", message)
	}
	for _, engine := range engines() {
		if err := (&Config{Core: bad, Engine: engine, FlushInterval: time.Second}).Validate(); err == nil || !strings.Contains(err.Error(), message) {
			t.Errorf("%s: Validate of a bad rule: %v, want %q", engine, err, message)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	text, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

// projectVersion is CMakeLists.txt's project version, the one place the
// version is kept.
func projectVersion(t *testing.T) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(repoRoot, "CMakeLists.txt"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^project\(profiletometrics VERSION ([0-9]+\.[0-9]+\.[0-9]+) `).FindSubmatch(text)
	if m == nil {
		t.Fatal("no project version in CMakeLists.txt")
	}
	return string(m[1])
}

func TestStartLogsTheCoreVersion(t *testing.T) {
	want := projectVersion(t)
	for _, engine := range engines() {
		logs, logged := observer.New(zap.InfoLevel)
		settings := connectortest.NewNopSettings(Type)
		settings.Logger = zap.New(logs)
		sink := &consumertest.MetricsSink{}
		c, err := NewFactory().CreateProfilesToMetrics(context.Background(), settings, &Config{Engine: engine, FlushInterval: time.Hour}, sink)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		started := logged.FilterMessage("profiletometrics: started").All()
		if len(started) != 1 {
			t.Fatalf("%s: %d start lines logged, want 1", engine, len(started))
		}
		fields := started[0].ContextMap()
		if fields["version"] != want || fields["engine"] != engine {
			t.Errorf("%s: logged %v, want version %s", engine, fields, want)
		}
		consume(t, c, requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb")))
		c.(*profilesConnector).flush(context.Background(), time.Now())
		scope := sink.AllMetrics()[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Scope()
		if scope.Name() != "profiletometrics" || scope.Version() != want {
			t.Errorf("%s: output scope %s %s, want profiletometrics %s", engine, scope.Name(), scope.Version(), want)
		}
		_ = c.Shutdown(context.Background())
	}
}
