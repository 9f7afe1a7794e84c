// main_test.go: builds small OTLP metrics with pdata, writes them next to a
// matching and to deliberately wrong Prometheus texts, and checks that
// promcheck passes the first and reports each mistake in the others.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// resourceLabels is what the resource of testMetrics gives every sample
// (thread_name aside, which a point may override).
const resourceLabels = `service_name="api;joined",process_pid="42",sample_rate="0.5",k8s_ready="true"`

const (
	cpuFamily     = "profile_function_cpu_time_seconds_total"
	inuseFamily   = "profile_memory_inuse_bytes"
	threadsFamily = "profile_threads"
)

// goodProm is the exposition that matches testMetrics, in the order and
// label order the converter writes (the check does not depend on either).
var goodProm = strings.Join([]string{
	"# HELP " + cpuFamily + " CPU time of the function and its callees",
	"# TYPE " + cpuFamily + " counter",
	cpuFamily + `{` + resourceLabels + `,thread_name="worker",code_function_name="main"} 0.25`,
	cpuFamily + `{` + resourceLabels + `,thread_name="main",code_function_name="say \"hi\"\\n"} 3`,
	"# HELP " + inuseFamily + " In-use memory",
	"# TYPE " + inuseFamily + " gauge",
	inuseFamily + `{` + resourceLabels + `,thread_name="main",heap="a"} 10`,
	inuseFamily + `{` + resourceLabels + `,thread_name="main",heap="b"} 2`,
	"# TYPE " + threadsFamily + " gauge",
	threadsFamily + `{` + resourceLabels + `,thread_name="main"} 7`,
	"",
}, "\n")

// testMetrics: one resource with scalar and non-scalar attributes; a
// monotonic sum whose OTLP name holds "total", a gauge with several
// snapshots of each series, and a non-monotonic sum.
func testMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	ra := rm.Resource().Attributes()
	ra.PutStr("service.name", "api")
	ra.PutInt("process.pid", 42)
	ra.PutDouble("sample.rate", 0.5)
	ra.PutBool("k8s.ready", true)
	ra.PutStr("thread.name", "main")
	ra.PutStr("empty.value", "")        // an empty label is no label
	ra.PutStr("service_name", "joined") // same label name as service.name: "api;joined"
	ra.PutEmptyMap("nested").PutStr("x", "y")
	ra.PutEmptySlice("list").AppendEmpty().SetStr("z")
	ra.PutEmptyBytes("raw").FromRaw([]byte{1, 2})
	ra.PutEmpty("nothing")
	metrics := rm.ScopeMetrics().AppendEmpty().Metrics()

	cpu := metrics.AppendEmpty()
	cpu.SetName("profile.function.total.cpu.time")
	cpu.SetUnit("s")
	sum := cpu.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	p := sum.DataPoints().AppendEmpty()
	p.Attributes().PutStr("thread.name", "worker") // wins over the resource's
	p.Attributes().PutStr("code.function.name", "main")
	p.SetDoubleValue(0.25)
	p = sum.DataPoints().AppendEmpty()
	p.Attributes().PutStr("code.function.name", "say \"hi\"\\n")
	p.SetIntValue(3)

	inuse := metrics.AppendEmpty()
	inuse.SetName("profile.memory.inuse")
	inuse.SetUnit("By")
	gauge := inuse.SetEmptyGauge()
	addSnapshot(gauge, "a", 200, 10) // the latest snapshot of heap a
	addSnapshot(gauge, "a", 100, 99)
	addSnapshot(gauge, "b", 300, 1)
	addSnapshot(gauge, "b", 300, 2) // same time: the later one wins

	threads := metrics.AppendEmpty()
	threads.SetName("profile.threads")
	threads.SetUnit("{thread}")
	updown := threads.SetEmptySum()
	updown.SetIsMonotonic(false)
	updown.DataPoints().AppendEmpty().SetIntValue(7)

	empty := metrics.AppendEmpty() // no points: no family
	empty.SetName("profile.unused")
	empty.SetEmptyGauge()
	return md
}

func addSnapshot(g pmetric.Gauge, heap string, ts uint64, v float64) {
	p := g.DataPoints().AppendEmpty()
	p.Attributes().PutStr("heap", heap)
	p.SetTimestamp(pcommon.Timestamp(ts))
	p.SetDoubleValue(v)
}

// runCheck writes both inputs to a temp dir and runs the command on them.
func runCheck(t *testing.T, md pmetric.Metrics, prom string, flags ...string) (report, int) {
	t.Helper()
	dir := t.TempDir()
	pb, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	otlpPath, promPath := filepath.Join(dir, "m.pb"), filepath.Join(dir, "m.prom")
	writeFile(t, otlpPath, pb)
	writeFile(t, promPath, []byte(prom))
	var stdout, stderr bytes.Buffer
	code := run(append(flags, "-otlp", otlpPath, "-prom", promPath), &stdout, &stderr)
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%s", err, stdout.String())
	}
	if rep.OK != (code == 0) {
		t.Errorf("ok=%v but exit code %d", rep.OK, code)
	}
	return rep, code
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// failures lists the report's non-empty lists, for "nothing else failed".
func failures(rep report) []string {
	var out []string
	v := reflect.ValueOf(rep)
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.Len() > 0 {
			out = append(out, v.Type().Field(i).Tag.Get("json"))
		}
	}
	if rep.ParseError != "" {
		out = append(out, "parse_error")
	}
	return out
}

func expectOnly(t *testing.T, rep report, lists ...string) {
	t.Helper()
	if got := failures(rep); !reflect.DeepEqual(got, lists) {
		t.Errorf("failed checks %v, want %v\nreport: %+v", got, lists, rep)
	}
}

func TestMatchingExpositionPasses(t *testing.T) {
	rep, code := runCheck(t, testMetrics(), goodProm)
	if code != 0 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	expectOnly(t, rep)
	if rep.Families != 3 || rep.Samples != 5 || rep.ExpectedSeries != 5 {
		t.Errorf("families/samples/expected = %d/%d/%d, want 3/5/5", rep.Families, rep.Samples, rep.ExpectedSeries)
	}
}

func TestEmptyListsAreArrays(t *testing.T) {
	dir := t.TempDir()
	pb, _ := (&pmetric.ProtoMarshaler{}).MarshalMetrics(testMetrics())
	writeFile(t, filepath.Join(dir, "m.pb"), pb)
	writeFile(t, filepath.Join(dir, "m.prom"), []byte(goodProm))
	var stdout bytes.Buffer
	run([]string{"-otlp", filepath.Join(dir, "m.pb"), "-prom", filepath.Join(dir, "m.prom")}, &stdout, &bytes.Buffer{})
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"duplicates", "missing_families", "unexpected_families", "type_mismatches",
		"missing_series", "unexpected_series", "value_mismatches"} {
		if string(raw[key]) != "[]" {
			t.Errorf("%s = %s, want []", key, raw[key])
		}
	}
}

func TestDuplicateLine(t *testing.T) {
	line := threadsFamily + `{` + resourceLabels + `,thread_name="main"} 7`
	rep, code := runCheck(t, testMetrics(), goodProm+line+"\n")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	expectOnly(t, rep, "duplicates")
	want := []duplicate{{threadsFamily,
		`k8s_ready="true",process_pid="42",sample_rate="0.5",service_name="api;joined",thread_name="main"`, 2}}
	if !reflect.DeepEqual(rep.Duplicates, want) {
		t.Errorf("duplicates %+v, want %+v", rep.Duplicates, want)
	}
	if rep.Samples != 6 {
		t.Errorf("samples %d, want 6", rep.Samples)
	}
}

func TestWrongFamilyName(t *testing.T) {
	wrong := strings.ReplaceAll(goodProm, cpuFamily, "profile_function_total_cpu_time_seconds_total")
	for _, flags := range [][]string{nil, {"-names-only"}} {
		rep, code := runCheck(t, testMetrics(), wrong, flags...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1", flags, code)
		}
		if !reflect.DeepEqual(rep.MissingFamilies, []string{cpuFamily}) ||
			!reflect.DeepEqual(rep.UnexpectedFamilies, []string{"profile_function_total_cpu_time_seconds_total"}) {
			t.Errorf("%v: missing %v, unexpected %v", flags, rep.MissingFamilies, rep.UnexpectedFamilies)
		}
		if flags == nil {
			expectOnly(t, rep, "missing_families", "unexpected_families", "missing_series", "unexpected_series")
			if len(rep.MissingSeries) != 2 || len(rep.UnexpectedSeries) != 2 {
				t.Errorf("missing %+v, unexpected %+v", rep.MissingSeries, rep.UnexpectedSeries)
			}
		} else {
			expectOnly(t, rep, "missing_families", "unexpected_families")
		}
	}
}

func TestWrongValue(t *testing.T) {
	wrong := strings.Replace(goodProm, `code_function_name="main"} 0.25`, `code_function_name="main"} 0.2500001`, 1)
	rep, code := runCheck(t, testMetrics(), wrong)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	expectOnly(t, rep, "value_mismatches")
	want := valueMismatch{cpuFamily,
		`code_function_name="main",k8s_ready="true",process_pid="42",sample_rate="0.5",service_name="api;joined",thread_name="worker"`,
		0.25, 0.2500001}
	if len(rep.ValueMismatches) != 1 || rep.ValueMismatches[0] != want {
		t.Errorf("value mismatches %+v, want [%+v]", rep.ValueMismatches, want)
	}
	if _, code := runCheck(t, testMetrics(), wrong, "-names-only"); code != 0 {
		t.Errorf("-names-only: exit %d, want 0 (values are not compared)", code)
	}
}

func TestValueWithinTolerance(t *testing.T) {
	near := strings.Replace(goodProm, "} 0.25\n", "} 0.25000000000000006\n", 1)
	if rep, code := runCheck(t, testMetrics(), near); code != 0 {
		t.Errorf("exit %d, report %+v", code, rep)
	}
}

func TestGaugeLatestSnapshotWins(t *testing.T) {
	older := strings.Replace(goodProm, `heap="a"} 10`, `heap="a"} 99`, 1)
	older = strings.Replace(older, `heap="b"} 2`, `heap="b"} 1`, 1)
	rep, code := runCheck(t, testMetrics(), older)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	expectOnly(t, rep, "value_mismatches")
	if len(rep.ValueMismatches) != 2 {
		t.Fatalf("value mismatches %+v, want 2", rep.ValueMismatches)
	}
	for i, want := range [][2]float64{{10, 99}, {2, 1}} {
		m := rep.ValueMismatches[i]
		if m.Name != inuseFamily || m.Expected != want[0] || m.Actual != want[1] {
			t.Errorf("mismatch %d: %+v, want expected %v actual %v", i, m, want[0], want[1])
		}
	}
}

func TestTypeMismatch(t *testing.T) {
	counter := strings.Replace(goodProm, "# TYPE "+threadsFamily+" gauge", "# TYPE "+threadsFamily+" counter", 1)
	untyped := strings.Replace(goodProm, "# TYPE "+inuseFamily+" gauge\n", "", 1)
	for _, tc := range []struct {
		prom string
		want typeMismatch
	}{
		{counter, typeMismatch{threadsFamily, "gauge", "counter"}},
		{untyped, typeMismatch{inuseFamily, "gauge", "untyped"}},
	} {
		rep, code := runCheck(t, testMetrics(), tc.prom, "-names-only")
		if code != 1 || len(rep.TypeMismatches) != 1 || rep.TypeMismatches[0] != tc.want {
			t.Errorf("exit %d, type mismatches %+v, want [%+v]", code, rep.TypeMismatches, tc.want)
		}
		expectOnly(t, rep, "type_mismatches")
	}
}

func TestMissingAndUnexpectedSeries(t *testing.T) {
	lines := strings.Split(goodProm, "\n")
	var kept []string
	for _, ln := range lines {
		if !strings.Contains(ln, `heap="b"`) {
			kept = append(kept, ln)
		}
	}
	kept = append(kept[:len(kept)-1], threadsFamily+`{`+resourceLabels+`,thread_name="other"} 1`, "")
	rep, code := runCheck(t, testMetrics(), strings.Join(kept, "\n"))
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	expectOnly(t, rep, "missing_series", "unexpected_series")
	if len(rep.MissingSeries) != 1 || rep.MissingSeries[0].Name != inuseFamily || rep.MissingSeries[0].Expected != 2.0 ||
		!strings.HasPrefix(rep.MissingSeries[0].Labels, `heap="b",`) {
		t.Errorf("missing series %+v", rep.MissingSeries)
	}
	if len(rep.UnexpectedSeries) != 1 || rep.UnexpectedSeries[0].Name != threadsFamily ||
		!strings.HasSuffix(rep.UnexpectedSeries[0].Labels, `thread_name="other"`) {
		t.Errorf("unexpected series %+v", rep.UnexpectedSeries)
	}
}

func TestSeriesListsAreCapped(t *testing.T) {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("many")
	g := m.SetEmptyGauge()
	for i := 0; i < 60; i++ {
		p := g.DataPoints().AppendEmpty()
		p.Attributes().PutInt("i", int64(i))
		p.SetIntValue(int64(i))
	}
	rep, code := runCheck(t, md, "other 1\n")
	if code != 1 || len(rep.MissingSeries) != maxEntries || rep.ExpectedSeries != 60 {
		t.Errorf("exit %d, %d missing series of %d, want %d", code, len(rep.MissingSeries), rep.ExpectedSeries, maxEntries)
	}
}

func TestParseError(t *testing.T) {
	rep, code := runCheck(t, testMetrics(), goodProm+"broken{label=\"x\" 1\n")
	if code != 1 || !strings.Contains(rep.ParseError, "text format parsing error") {
		t.Errorf("exit %d, parse error %q", code, rep.ParseError)
	}
}

func TestUsageAndReadErrors(t *testing.T) {
	dir := t.TempDir()
	bad, prom := filepath.Join(dir, "bad.pb"), filepath.Join(dir, "m.prom")
	writeFile(t, bad, []byte{0xff, 0xff, 0xff})
	writeFile(t, prom, []byte(goodProm))
	for _, args := range [][]string{
		nil,
		{"-otlp", bad},
		{"-otlp", bad, "-prom", prom, "extra"},
		{"-bogus"},
		{"-otlp", filepath.Join(dir, "absent.pb"), "-prom", prom},
		{"-otlp", bad, "-prom", prom},
	} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), "promcheck: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout.String(), stderr.String())
		}
	}
}

func TestCanonicalLabels(t *testing.T) {
	got := canonical(labelSet{"b": "2", "a": `x"y\z` + "\n", "empty": ""})
	if want := `a="x\"y\\z\n",b="2"`; got != want {
		t.Errorf("canonical = %s, want %s", got, want)
	}
}

// Reserved and colliding keys, as Prometheus' OTLP receiver reads them:
// otlptranslator keeps "__foo__" and "__name__" as they are (so "__name__"
// is left out, being the metric name), names "a.b", "a_b" and "a-b" all
// "a_b", whose values are joined with ';' in byte order of the keys.
func TestReservedAndCollidingKeys(t *testing.T) {
	namer := otlptranslator.LabelNamer{}
	for key, want := range map[string]string{"__name__": "__name__", "__foo__": "__foo__", "a.b": "a_b", "a-b": "a_b", "a_b": "a_b"} {
		if got, err := namer.Build(key); err != nil || got != want {
			t.Fatalf("LabelNamer.Build(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	attrs := pcommon.NewMap()
	for _, kv := range [][2]string{{"__name__", "n"}, {"a_b", "under"}, {"__foo__", "f"}, {"a.b", "dot"}, {"a-b", "dash"}, {"x.y", ""}, {"x_y", "xy"}, {"c", ""}} {
		attrs.PutStr(kv[0], kv[1])
	}
	got := labelsOf(attrs, labelSet{"c": "base", "a_b": "base", "x_y": "base"})
	want := labelSet{"__foo__": "f", "a_b": "dash;dot;under", "x_y": "xy", "c": "base"}
	if canonical(got) != canonical(want) {
		t.Fatalf("labelsOf = %s; want %s", canonical(got), canonical(want))
	}
}
