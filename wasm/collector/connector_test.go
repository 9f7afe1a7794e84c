// connector_test.go: the connector against the CLI. The repo's fixtures and
// the real captures in ../shared (skipped when absent) converted through
// ConsumeProfiles give the same metrics as `build/native/ptm -f otlp` (the
// decoded values, compared as pdata's JSON); a bad config fails Validate
// with the core's key path; a refused request is a permanent error for it
// alone; concurrent calls give the serial totals; cumulative state stays in
// the connector; memory stays flat over 1,000 requests.
package profiletometricsconnector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

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
	var out []pprofile.Profiles
	scanner := bufio.NewScanner(bytes.NewReader(data))
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
	return out
}

// engines are the engines of this build: wasm always, native with cgo.
func engines() []string {
	if nativeAvailable {
		return []string{"wasm", "native"}
	}
	return []string{"wasm"}
}

func newTestConnector(t *testing.T, core map[string]any, sink *consumertest.MetricsSink, engine string) xconnector.Profiles {
	t.Helper()
	factory := NewFactory()
	config := &Config{Core: core, Engine: engine}
	if err := config.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := factory.CreateProfilesToMetrics(context.Background(), connectortest.NewNopSettings(Type), config, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c
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

// sameMetricsAsTheCLI feeds input's requests to a connector, one call each,
// and compares each output with the CLI's conversion of that request alone.
func sameMetricsAsTheCLI(t *testing.T, engine, input string, config map[string]any) {
	sink := &consumertest.MetricsSink{}
	c := newTestConnector(t, config, sink, engine)
	reqs := requests(t, input)
	for _, r := range reqs {
		if err := c.ConsumeProfiles(context.Background(), r); err != nil {
			t.Fatalf("%s: %v", input, err)
		}
	}
	got := sink.AllMetrics()
	configText, _ := (&Config{Core: config}).coreJSON()
	for i, r := range reqs {
		body, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(r)
		if err != nil {
			t.Fatal(err)
		}
		want := fromCLI(t, cliStdin(t, string(configText), body))
		if want.DataPointCount() == 0 {
			continue // the connector sends nothing on
		}
		if len(got) == 0 {
			t.Fatalf("%s %s request %d: no metrics", engine, input, i+1)
		}
		if a, b := asJSON(t, got[0]), asJSON(t, want); a != b {
			t.Fatalf("%s %s request %d: connector and CLI differ:\n%.500s\n%.500s", engine, input, i+1, a, b)
		}
		got = got[1:]
	}
	if len(got) != 0 {
		t.Fatalf("%s %s: %d outputs more than the CLI's", engine, input, len(got))
	}
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
		"config: process_filter.patterns[0]: invalid regex": {"process_filter": map[string]any{"patterns": []any{"("}}},
		"config: metrics.cpu.unit: unknown unit":            {"metrics": map[string]any{"cpu": map[string]any{"unit": "h"}}},
		"config: no_such_key: unknown key":                  {"no_such_key": true},
	}
	for want, core := range cases {
		err := (&Config{Core: core}).Validate()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%v: got %v, want %q", core, err, want)
		}
	}
	if err := (&Config{Engine: "gpu"}).Validate(); err == nil || !strings.Contains(err.Error(), "engine") {
		t.Fatalf("engine: %v", err)
	}
	if err := (&Config{Engine: "wasm", ModulePath: "/nonexistent.wasm"}).Validate(); err == nil ||
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
		if sink.DataPointCount() == 0 {
			t.Fatalf("%s: the next request converted nothing", engine)
		}
	}
}

// outputs are the sink's requests as sorted pdata JSON: a multiset that
// does not depend on the order calls finished in.
func outputs(t *testing.T, sink *consumertest.MetricsSink) []string {
	var out []string
	for _, m := range sink.AllMetrics() {
		out = append(out, asJSON(t, m))
	}
	sort.Strings(out)
	return out
}

func TestConcurrentCallsGiveTheSerialTotals(t *testing.T) {
	for _, engine := range engines() {
		concurrentCalls(t, engine)
	}
}

func concurrentCalls(t *testing.T, engine string) {
	reqs := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "multi.jsonl"))
	reqs = append(reqs, requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))...)
	serial := &consumertest.MetricsSink{}
	c := newTestConnector(t, nil, serial, "wasm")
	const rounds = 20
	for n := 0; n < rounds; n++ {
		for _, r := range reqs {
			if err := c.ConsumeProfiles(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
	}
	concurrent := &consumertest.MetricsSink{}
	c2 := newTestConnector(t, nil, concurrent, engine)
	var wg sync.WaitGroup
	errs := make(chan error, rounds*len(reqs))
	for g := 0; g < 2*runtime.GOMAXPROCS(0)+2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := g; n < rounds; n += 2*runtime.GOMAXPROCS(0) + 2 {
				for _, r := range reqs {
					errs <- c2.ConsumeProfiles(context.Background(), r)
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
	a, b := outputs(t, concurrent), outputs(t, serial)
	if len(a) != rounds*len(reqs) || len(a) != len(b) {
		t.Fatalf("concurrent: %d outputs, serial: %d, want %d", len(a), len(b), rounds*len(reqs))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("concurrent and serial outputs differ at %d", i)
		}
	}
}

func TestCumulativeStateStaysInTheConnector(t *testing.T) {
	for _, engine := range engines() {
		cumulativeState(t, engine)
	}
}

func cumulativeState(t *testing.T, engine string) {
	reqs := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "multi.jsonl"))
	sink := &consumertest.MetricsSink{}
	c := newTestConnector(t, map[string]any{"temporality": "cumulative"}, sink, engine)
	for _, r := range reqs {
		if err := c.ConsumeProfiles(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	all := sink.AllMetrics()
	last := all[len(all)-1]
	want := fromCLI(t, cli(t, `{"temporality":"cumulative"}`, "-f", "otlp", filepath.Join(repoRoot, "tests", "fixtures", "multi.jsonl")))
	if a, b := asJSON(t, last), asJSON(t, want); a != b {
		t.Fatalf("the last cumulative output is not the CLI's cumulative conversion of the file:\n%.400s\n%.400s", a, b)
	}
}

func TestMemoryStaysFlat(t *testing.T) {
	req := requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))[0]
	c := newTestConnector(t, map[string]any{}, &consumertest.MetricsSink{}, "wasm")
	pages := func() uint32 {
		pc := c.(*profilesConnector)
		i, err := pc.pool.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer pc.pool.give(i, nil)
		return i.(*instance).module.Memory().Size()
	}
	consume := func(n int) {
		for k := 0; k < n; k++ {
			if err := c.ConsumeProfiles(context.Background(), req); err != nil {
				t.Fatal(err)
			}
		}
	}
	consume(50)
	before := pages()
	consume(1000)
	if after := pages(); after > before {
		t.Fatalf("wasm memory grew from %d to %d bytes over 1,000 requests", before, after)
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
		c := newTestConnector(t, nil, sink, engine)
		if err := c.ConsumeProfiles(context.Background(), good); err != nil {
			t.Fatal(err)
		}
		reference := asJSON(t, sink.AllMetrics()[0])
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
			sink.Reset()
			if err := c.ConsumeProfiles(context.Background(), good); err != nil {
				t.Fatalf("%s: the fixture after %s: %v", engine, file, err)
			}
			if got := asJSON(t, sink.AllMetrics()[0]); got != reference {
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

func (f *fakeInstance) convert(context.Context, []byte, int) ([]byte, Stats, string, error) {
	return nil, Stats{}, "", f.err
}
func (f *fakeInstance) version(context.Context) (string, error) { return "0.0.0", nil }

func (f *fakeInstance) close() { f.closed = true }

type fakeEngine struct{ made []*fakeInstance }

func (e *fakeEngine) name() string { return "fake" }
func (e *fakeEngine) newInstance([]byte) (converterInstance, error) {
	i := &fakeInstance{err: errTrap}
	e.made = append(e.made, i)
	return i, nil
}

// TestATrappedInstanceIsReplaced: an instance whose call trapped is closed,
// never handed out again, and the next call gets a new one.
func TestATrappedInstanceIsReplaced(t *testing.T) {
	e := &fakeEngine{}
	pool, err := newInstancePool(e, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		if _, _, _, err := pool.convert(context.Background(), nil, 0); !errors.Is(err, errTrap) {
			t.Fatalf("call %d: %v", n, err)
		}
		if !e.made[n-1].closed {
			t.Fatalf("call %d: the trapped instance was not closed", n)
		}
	}
	if len(e.made) != 3 {
		t.Fatalf("%d instances made for 3 trapping calls", len(e.made))
	}
	// A core error (not a trap) keeps the instance.
	e.made[2].err, e.made[2].closed = &coreError{Code: "input", Message: "input: bad"}, false
	pool.slots <- struct{}{} // it exists again, idle
	pool.idle <- e.made[2]
	if _, _, _, err := pool.convert(context.Background(), nil, 0); err == nil || errors.Is(err, errTrap) {
		t.Fatalf("core error: %v", err)
	}
	if e.made[2].closed || len(pool.idle) != 1 {
		t.Fatal("an instance that returned a core error must be kept")
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
		want := fromCLI(t, cli(t, text, "-f", "otlp", c.input))
		names := metricNames(want)
		for _, name := range c.names {
			if !names[name] {
				t.Fatalf("%s: the CLI's output (docs/examples/breakdowns.json) has no %s", c.input, name)
			}
		}
		for _, engine := range engines() {
			sink := &consumertest.MetricsSink{}
			conn := newTestConnector(t, core, sink, engine)
			if err := conn.ConsumeProfiles(context.Background(), requests(t, c.input)[0]); err != nil {
				t.Fatal(err)
			}
			all := sink.AllMetrics()
			if len(all) != 1 {
				t.Fatalf("%s %s: %d outputs for one request", engine, c.input, len(all))
			}
			got := metricNames(all[0])
			for _, name := range c.names {
				if !got[name] {
					t.Errorf("%s %s: the connector's output has no %s", engine, c.input, name)
				}
			}
			if a, b := asJSON(t, all[0]), asJSON(t, want); a != b {
				t.Errorf("%s %s: connector and CLI differ:\n%.500s\n%.500s", engine, c.input, a, b)
			}
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
		if err := (&Config{Core: bad, Engine: engine}).Validate(); err == nil || !strings.Contains(err.Error(), message) {
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
		c, err := NewFactory().CreateProfilesToMetrics(context.Background(), settings, &Config{Engine: engine}, sink)
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
		if err := c.ConsumeProfiles(context.Background(), requests(t, filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"))[0]); err != nil {
			t.Fatal(err)
		}
		scope := sink.AllMetrics()[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Scope()
		if scope.Name() != "profiletometrics" || scope.Version() != want {
			t.Errorf("%s: output scope %s %s, want profiletometrics %s", engine, scope.Name(), scope.Version(), want)
		}
		_ = c.Shutdown(context.Background())
	}
}
