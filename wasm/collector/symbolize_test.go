//go:build unix

// symbolize_test.go: symbolization through the connector, on both engines,
// on the real eBPF profiler capture ../shared/fixtures/otlp-live (skipped
// when absent): its 51 OTLP/JSON requests added through ConsumeProfiles and
// flushed, each workload's function self and inclusive CPU (summed over
// the resources of its pid) are those of its workloads.json: with
// symbolize.paths on the capture's bin/, expected_after_symbolization;
// without symbolize, today's file names; with symbolize.root over a copy of
// the executables at their paths in the data, the executables with symbols
// are named and libyak.so (a library: root finds executables only) is not;
// a file of another build ID under the right name names nothing; and
// symbolize.debuginfod from a real debuginfod server (elfutils) serving
// bin/. The host's file reading (files.go) reads regular files only, never
// blocks on a FIFO, and takes only a 200 answer's body.
package profiletometricsconnector

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

// liveDir is the capture's directory, or a skip when it is absent.
func liveDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-live")
	if _, err := os.Stat(filepath.Join(dir, "ebpf-live.jsonl.gz")); err != nil {
		t.Skip("no ../shared/fixtures/otlp-live (the live eBPF profiler capture)")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// liveRequests are the capture's requests, one per line of its gzipped
// OTLP/JSON Lines, read with pdata's JSON unmarshaler.
func liveRequests(t *testing.T, dir string) []pprofile.Profiles {
	t.Helper()
	file, err := os.Open(filepath.Join(dir, "ebpf-live.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	unzipped, err := gzip.NewReader(file)
	if err != nil {
		t.Fatal(err)
	}
	out := readJSONLines(t, unzipped)
	if len(out) != 51 {
		t.Fatalf("%d requests in the capture, want 51", len(out))
	}
	return out
}

// workload is an entry of the capture's workloads.json.
type workload struct {
	Name         string             `json:"name"`
	Pid          int                `json:"pid"`
	Executable   string             `json:"executable_path"`
	BusyFunction string             `json:"busy_function"`
	SymbolFile   *string            `json:"symbol_file"`
	TodaySelf    map[string]float64 `json:"ptm_today_self_s"`
	Expected     *struct {
		Self      map[string]float64 `json:"self_s"`
		Inclusive map[string]float64 `json:"inclusive_s"`
	} `json:"expected_after_symbolization"`
}

func liveWorkloads(t *testing.T, dir string) map[string]workload {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(dir, "workloads.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []workload
	if err := json.Unmarshal(text, &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]workload{}
	for _, w := range list {
		out[w.Name] = w
	}
	return out
}

// functionCPU is one process's function CPU seconds: self and inclusive,
// by function name.
type functionCPU struct{ self, inclusive map[string]float64 }

// functionsByPid reads the function self and inclusive CPU time of a flush,
// summed over the resources of each process.pid.
func functionsByPid(t *testing.T, flushes []pmetric.Metrics) map[string]functionCPU {
	t.Helper()
	out := map[string]functionCPU{}
	for _, m := range flushes {
		rms := m.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			pidValue, ok := rms.At(i).Resource().Attributes().Get("process.pid")
			if !ok {
				continue
			}
			pid := pidValue.AsString()
			if _, ok := out[pid]; !ok {
				out[pid] = functionCPU{self: map[string]float64{}, inclusive: map[string]float64{}}
			}
			sms := rms.At(i).ScopeMetrics()
			for j := 0; j < sms.Len(); j++ {
				ms := sms.At(j).Metrics()
				for k := 0; k < ms.Len(); k++ {
					var into map[string]float64
					switch ms.At(k).Name() {
					case "profile.function.self.cpu.time":
						into = out[pid].self
					case "profile.function.inclusive.cpu.time":
						into = out[pid].inclusive
					default:
						continue
					}
					if ms.At(k).Unit() != "s" {
						t.Fatalf("%s: unit %q, want s", ms.At(k).Name(), ms.At(k).Unit())
					}
					points := ms.At(k).Sum().DataPoints()
					for n := 0; n < points.Len(); n++ {
						name, _ := points.At(n).Attributes().Get("code.function.name")
						into[name.AsString()] += points.At(n).DoubleValue()
					}
				}
			}
		}
	}
	return out
}

// runLive adds the capture's requests to a connector of engine with core
// as its configuration, flushes once, and reads the functions by pid.
func runLive(t *testing.T, engine string, core map[string]any, requests []pprofile.Profiles) map[string]functionCPU {
	t.Helper()
	sink := &consumertest.MetricsSink{}
	c := newTestConnector(t, core, sink, engine)
	consume(t, c, requests)
	_, flushes := flushNow(t, c, sink)
	if len(flushes) != 1 {
		t.Fatalf("%d flushes written, want 1", len(flushes))
	}
	return functionsByPid(t, flushes)
}

func closeTo(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Abs(want)
}

// checkSelf fails unless process pid has each of want as its function self
// CPU, the largest of want being the process's largest.
func checkSelf(t *testing.T, what string, got functionCPU, want map[string]float64) {
	t.Helper()
	top := ""
	for name, seconds := range want {
		if value, ok := got.self[name]; !ok || !closeTo(value, seconds) {
			t.Errorf("%s: self CPU of %s: %v s (present %v), want %v s", what, name, value, ok, seconds)
		}
		if top == "" || seconds > want[top] {
			top = name
		}
	}
	for name, value := range got.self {
		if name != top && value >= got.self[top] {
			t.Errorf("%s: %s has %v s of self CPU, not less than %s's %v s", what, name, value, top, got.self[top])
		}
	}
}

// checkInclusive fails unless the process's inclusive CPU is want's (a 0:
// no such function, or 0).
func checkInclusive(t *testing.T, what string, got functionCPU, want map[string]float64) {
	t.Helper()
	for name, seconds := range want {
		if value := got.inclusive[name]; !closeTo(value, seconds) {
			t.Errorf("%s: inclusive CPU of %s: %v s, want %v s", what, name, value, seconds)
		}
	}
}

// expectedSelf is a workload's self CPU after symbolization, as the core's
// default self_frame rule ("interpreted") counts it.
func expectedSelf(w workload) map[string]float64 {
	if w.Name != "python" {
		return w.Expected.Self
	}
	// python3.11 (pid 5514): workloads.json's numbers are by leaf frame,
	// where the interpreter's native frames (python3.11, libc.so.6; no file
	// for them in the capture) are the leaf of most samples. Under
	// self_frame "interpreted" a sample's self time goes to its innermost
	// interpreted frame, marmot_spin_python, in all: the sum of today's
	// python3.11 (39.35 s), marmot_spin_python (12.85 s) and libc.so.6
	// (0.5 s) = 52.70 s.
	sum := 0.0
	for _, name := range []string{"python3.11", "marmot_spin_python", "libc.so.6"} {
		sum += w.TodaySelf[name]
	}
	return map[string]float64{w.BusyFunction: sum}
}

// TestSymbolizePathsNamesTheCapturesNativeFrames: symbolize.paths on the
// capture's bin/ gives every workload its expected self and inclusive CPU.
func TestSymbolizePathsNamesTheCapturesNativeFrames(t *testing.T) {
	dir := liveDir(t)
	requests := liveRequests(t, dir)
	workloads := liveWorkloads(t, dir)
	if python := expectedSelf(workloads["python"]); !closeTo(python["marmot_spin_python"], 52.70) {
		t.Fatalf("python: %v, want marmot_spin_python 52.70 s", python)
	}
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			got := runLive(t, engine, map[string]any{"symbolize": map[string]any{"paths": []any{filepath.Join(dir, "bin")}}}, requests)
			checked := 0
			for _, w := range workloads {
				if w.Expected == nil {
					continue
				}
				pid := fmt.Sprint(w.Pid)
				checkSelf(t, w.Name+" "+pid, got[pid], expectedSelf(w))
				checkInclusive(t, w.Name+" "+pid, got[pid], w.Expected.Inclusive)
				checked++
			}
			if checked != 8 {
				t.Fatalf("%d workloads checked, want 8", checked)
			}
		})
	}
}

// nativeWorkloads are the workloads whose busy function is in a native
// frame: unnamed without symbolization.
func nativeWorkloads(workloads map[string]workload) []workload {
	var out []workload
	for _, name := range []string{"zebra-sym", "zebra-nopie", "zebra-debuglink", "yak-main", "zebra-lld"} {
		out = append(out, workloads[name])
	}
	return out
}

// todayTop is the first of a workload's self CPU today: its mapping's name.
func todayTop(w workload) (string, float64) {
	names := make([]string, 0, len(w.TodaySelf))
	for name := range w.TodaySelf {
		names = append(names, name)
	}
	sort.Slice(names, func(a, b int) bool { return w.TodaySelf[names[a]] > w.TodaySelf[names[b]] })
	return names[0], w.TodaySelf[names[0]]
}

// TestWithoutSymbolizeNativeFramesKeepTheirFileNames: no symbolize, no file
// read: the native busy functions are their files' names, as today.
func TestWithoutSymbolizeNativeFramesKeepTheirFileNames(t *testing.T) {
	dir := liveDir(t)
	requests := liveRequests(t, dir)
	workloads := liveWorkloads(t, dir)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			got := runLive(t, engine, map[string]any{}, requests)
			for _, w := range nativeWorkloads(workloads) {
				pid := fmt.Sprint(w.Pid)
				name, seconds := todayTop(w)
				checkSelf(t, w.Name+" "+pid, got[pid], map[string]float64{name: seconds})
				if _, ok := got[pid].self[w.BusyFunction]; ok {
					t.Errorf("%s: %s named without symbolize", w.Name, w.BusyFunction)
				}
			}
		})
	}
}

// copyFile copies a fixture file to to, creating its directory.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestSymbolizeRootFindsTheExecutables: symbolize.root over a copy of the
// capture's executables at their paths in the data (process.executable.path
// /opt/ptm-capture/bin/<name>), no paths: the executables with symbols are
// named; libyak.so, a library, is not (root finds the executable only), nor
// zebra-debuglink (stripped; its debug file is not beside it) nor yak-main
// (no symbols at all).
func TestSymbolizeRootFindsTheExecutables(t *testing.T) {
	dir := liveDir(t)
	requests := liveRequests(t, dir)
	workloads := liveWorkloads(t, dir)
	root := t.TempDir()
	for _, name := range []string{"zebra-sym", "zebra-nopie", "zebra-lld", "zebra-debuglink", "yak-main", "libyak.so", "gospin"} {
		copyFile(t, filepath.Join(dir, "bin", name), filepath.Join(root, "opt", "ptm-capture", "bin", name))
	}
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			got := runLive(t, engine, map[string]any{"symbolize": map[string]any{"root": root}}, requests)
			for _, w := range nativeWorkloads(workloads) {
				pid := fmt.Sprint(w.Pid)
				switch w.Name {
				case "zebra-sym", "zebra-nopie", "zebra-lld":
					checkSelf(t, w.Name+" "+pid, got[pid], w.Expected.Self)
					checkInclusive(t, w.Name+" "+pid, got[pid], w.Expected.Inclusive)
				default:
					name, seconds := todayTop(w)
					checkSelf(t, w.Name+" "+pid, got[pid], map[string]float64{name: seconds})
				}
			}
		})
	}
}

// TestSymbolizeIgnoresAFileOfAnotherBuildID: a directory whose zebra-sym is
// a copy of zebra-nopie (another build ID): zebra-sym's frames keep their
// mapping's name.
func TestSymbolizeIgnoresAFileOfAnotherBuildID(t *testing.T) {
	dir := liveDir(t)
	requests := liveRequests(t, dir)
	workloads := liveWorkloads(t, dir)
	impostor := t.TempDir()
	copyFile(t, filepath.Join(dir, "bin", "zebra-nopie"), filepath.Join(impostor, "zebra-sym"))
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			got := runLive(t, engine, map[string]any{"symbolize": map[string]any{"paths": []any{impostor}}}, requests)
			w := workloads["zebra-sym"]
			pid := fmt.Sprint(w.Pid)
			name, seconds := todayTop(w)
			if name != "zebra-sym" {
				t.Fatalf("today's top of zebra-sym: %s", name)
			}
			checkSelf(t, "zebra-sym "+pid, got[pid], map[string]float64{name: seconds})
			if value, ok := got[pid].self["zebra_crunch_cpu"]; ok {
				t.Errorf("zebra-sym: named from another build ID's file: zebra_crunch_cpu %v s", value)
			}
		})
	}
}

// freeTCPPort is a port free on 127.0.0.1 a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestSymbolizeFromDebuginfod: a real debuginfod (elfutils) serving the
// capture's bin/ by build ID, and symbolize.debuginfod its URL, no paths:
// zebra-sym's busy function is named. Skipped without debuginfod, unless in
// CI (CI=true), where tools/setup.sh has installed it.
func TestSymbolizeFromDebuginfod(t *testing.T) {
	dir := liveDir(t)
	binary, err := exec.LookPath("debuginfod")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("debuginfod is missing (tools/setup.sh installs Debian's package debuginfod)")
		}
		t.Skip("no debuginfod (Debian package debuginfod)")
	}
	requests := liveRequests(t, dir)
	workloads := liveWorkloads(t, dir)
	scratch := t.TempDir()
	port := freeTCPPort(t)
	// debuginfod has no listen address option: it listens on every
	// interface; the test asks 127.0.0.1.
	server := exec.Command(binary, "-F", "-p", fmt.Sprint(port), "-d", filepath.Join(scratch, "debuginfod.sqlite"),
		"-t", "0", "-g", "0", filepath.Join(dir, "bin"))
	server.Env = append(os.Environ(), "HOME="+scratch)
	var log bytes.Buffer
	server.Stdout, server.Stderr = &log, &log
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = server.Process.Kill()
		_ = server.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	w := workloads["zebra-sym"]
	probe := fmt.Sprintf("%s/buildid/%s/debuginfo", url, "37ad432f9e2da89fe62b3b9d50ab02a7110fb3a7")
	deadline := time.Now().Add(60 * time.Second)
	for {
		response, err := http.Get(probe)
		if err == nil {
			response.Body.Close()
			if response.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("debuginfod did not serve %s within 60 s (%v); its log:\n%s", probe, err, log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			got := runLive(t, engine, map[string]any{"symbolize": map[string]any{"debuginfod": []any{url}}}, requests)
			pid := fmt.Sprint(w.Pid)
			checkSelf(t, "zebra-sym "+pid, got[pid], map[string]float64{"zebra_crunch_cpu": 40.25})
			checkSelf(t, "zebra-sym "+pid, got[pid], w.Expected.Self)
		})
	}
}

// TestReadSymbolFile: the host reads regular files whole; a directory, a
// FIFO (at once, without blocking), a missing file, a non-200 answer are
// nil; a 200 answer's body is read.
func TestReadSymbolFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("ELF bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got := readSymbolFile(ctx, file); string(got) != "ELF bytes" {
		t.Fatalf("a regular file: %q", got)
	}
	if got := readSymbolFile(ctx, filepath.Join(dir, "missing")); got != nil {
		t.Fatalf("a missing file: %q", got)
	}
	if got := readSymbolFile(ctx, dir); got != nil {
		t.Fatalf("a directory: %q", got)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err == nil {
		done := make(chan []byte, 1)
		go func() { done <- readSymbolFile(ctx, fifo) }()
		select {
		case got := <-done:
			if got != nil {
				t.Fatalf("a FIFO: %q", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("reading a FIFO blocked")
		}
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/buildid/ab/debuginfo" {
			_, _ = w.Write([]byte("debug bytes"))
			return
		}
		http.Error(w, "not found", http.StatusNotFound)
	}))
	defer server.Close()
	if got := readSymbolFile(ctx, server.URL+"/buildid/ab/debuginfo"); string(got) != "debug bytes" {
		t.Fatalf("a 200 answer: %q", got)
	}
	if got := readSymbolFile(ctx, server.URL+"/buildid/cd/debuginfo"); got != nil {
		t.Fatalf("a 404 answer: %q", got)
	}
}

// TestSymbolizesFromTheConfig: the connector reads files only when the core
// configuration asks for symbolization.
func TestSymbolizesFromTheConfig(t *testing.T) {
	for text, want := range map[string]bool{
		`{}`: false, `{"symbolize":{}}`: false, `{"symbolize":{"paths":[],"root":"","debuginfod":[]}}`: false,
		`{"symbolize":{"cache_bytes":65536}}`: false, `{"symbolize":{"paths":["/d"]}}`: true,
		`{"symbolize":{"root":"/proc/{pid}/root"}}`: true, `{"symbolize":{"debuginfod":["http://127.0.0.1:8002"]}}`: true,
	} {
		if got := symbolizes([]byte(text)); got != want {
			t.Errorf("%s: symbolizes %v, want %v", text, got, want)
		}
	}
}
