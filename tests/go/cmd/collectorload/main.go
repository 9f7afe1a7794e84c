// Command collectorload is `make bench-collector`: what the profiletometrics
// connector costs inside a real collector (build/collector/otelcol-ptm).
//
//	collectorload [-collector PATH] [-out FILE] [-reps N] [-concurrency C]
//	              [-samples S] [-max-requests R] [-flush-interval D]
//	              -load NAME=FILE ... [-load-if-present NAME=FILE ...]
//
// The collector is started (OTLP/HTTP receiver on a free 127.0.0.1 port,
// --feature-gates=service.profilesSupport, its own metrics off, configs in a
// temp dir) in two configurations, each fed the same requests:
//
//	(a) otlp → profiles pipeline → debug exporter (basic, sampled to about
//	    one line a second): the receiver alone;
//	(b) otlp → profiles pipeline → profiletometrics (its defaults, plus
//	    flush_interval when -flush-interval is not 0) → metrics pipeline →
//	    the same debug exporter.
//
// A load is one input: a .pb file (one ExportProfilesServiceRequest in
// protobuf), a .json file (one in OTLP/JSON) or a .jsonl file (one OTLP/JSON
// request a line); JSON is converted to protobuf once, with pdata. Each run
// starts a fresh collector, sends a few warm-up requests, then POSTs
// (Content-Type application/x-protobuf, -concurrency at a time) enough of
// the load's requests, cycled in order, to reach -samples samples (at most
// -max-requests requests) to /v1development/profiles. Every answer must be
// 200 with no rejected profiles. The figure is the collector process's CPU
// time (utime + stime of /proc/PID/stat, in clock ticks of `getconf
// CLK_TCK`) from just before the first request to just after the last
// (in (b) with a flush interval: to the connector's first flush that began
// after the last request, seen as the debug exporter's "Metrics" line, at
// most -flush-interval and a few seconds later), plus -margin. The
// collector's start-up, the warm-up and shutdown are outside it (the
// connector adds each request as it comes, so only the warm-up's share of
// that flush falls inside). Runs alternate a, b, a, b (-reps of each per
// load); the table gives the median per sample, and is printed and written
// to -out.
//
// Fails (exit 1) when a request is refused, when the collector does not
// start, or when a run of (b) delivered no metric point to its exporter
// (a run of (a) no profile sample), so a broken pipeline cannot print a
// fast number. Exit 2 on usage errors and unreadable inputs.
//
// -flush-interval 0 leaves flush_interval out of the connector's
// configuration and waits for no flush: for a connector build that converts
// and emits per request.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/pdata/pprofile/pprofileotlp"
)

type loadFlag []string

func (l *loadFlag) String() string     { return strings.Join(*l, ",") }
func (l *loadFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	engines       []string
	collector     string
	out           string
	reps          int
	concurrency   int
	samples       int
	maxRequests   int
	warmup        int
	flushInterval time.Duration
	margin        time.Duration
	keep          bool
}

func main() {
	var o options
	var loads, optional loadFlag
	flag.StringVar(&o.collector, "collector", "build/collector/otelcol-ptm", "the collector binary")
	flag.StringVar(&o.out, "out", "build/bench/collector.md", "where to write the table (Markdown); empty: nowhere")
	flag.IntVar(&o.reps, "reps", 3, "runs of each configuration per load (the median is reported)")
	flag.IntVar(&o.concurrency, "concurrency", 2, "requests in flight at a time")
	flag.IntVar(&o.samples, "samples", 2_000_000, "samples to send per run (whole requests, cycling through the load's)")
	flag.IntVar(&o.maxRequests, "max-requests", 6000, "at most this many requests per run")
	flag.IntVar(&o.warmup, "warmup", 4, "requests sent before each measured run (not counted)")
	flag.DurationVar(&o.flushInterval, "flush-interval", 15*time.Second,
		"the connector's flush_interval, passed to it; run (b) then waits for the first flush after the load. 0: the key is not passed and no flush is awaited (a connector that emits per request)")
	flag.DurationVar(&o.margin, "margin", 250*time.Millisecond, "measured time after the load (and the flush)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir with the configs and collector logs")
	engines := flag.String("engines", "native,wasm", "the connector's engines to measure, each a (b) run (native needs a collector built with cgo)")
	flag.Var(&loads, "load", "NAME=FILE: a load (.pb, .json or .jsonl); repeatable")
	flag.Var(&optional, "load-if-present", "NAME=FILE: a load skipped, with a message, when FILE is absent; repeatable")
	flag.Parse()
	o.engines = strings.Split(*engines, ",")
	if flag.NArg() != 0 || len(loads)+len(optional) == 0 || o.reps < 1 || o.concurrency < 1 || o.samples < 1 || o.maxRequests < 1 || o.warmup < 0 {
		fmt.Fprintln(os.Stderr, "usage: collectorload [flags] -load NAME=FILE ... [-load-if-present NAME=FILE ...]")
		flag.PrintDefaults()
		os.Exit(2)
	}
	var inputs []*load
	for i, spec := range append(slices.Clone(loads), optional...) {
		name, path, ok := strings.Cut(spec, "=")
		if !ok || name == "" || path == "" {
			fatal(2, "-load %q: want NAME=FILE", spec)
		}
		if i >= len(loads) {
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				fmt.Printf("collectorload: skipping load %s: %s is absent\n", name, path)
				continue
			}
		}
		l, err := readLoad(name, path)
		if err != nil {
			fatal(2, "%s: %v", path, err)
		}
		inputs = append(inputs, l)
	}
	if len(inputs) == 0 {
		fatal(2, "no load to run")
	}
	if _, err := os.Stat(o.collector); err != nil {
		fatal(2, "%v (make collector)", err)
	}
	if err := run(o, inputs); err != nil {
		fatal(1, "%v", err)
	}
}

func fatal(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "collectorload: "+format+"\n", args...)
	os.Exit(code)
}

// load is one input's requests, in protobuf, and their sample counts.
type load struct {
	name, path string
	requests   [][]byte
	samples    []int
	total      int // samples over all requests
}

func readLoad(name, path string) (*load, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l := &load{name: name, path: path}
	add := func(body []byte, isJSON bool) error {
		request := pprofileotlp.NewExportRequest()
		if isJSON {
			if err := request.UnmarshalJSON(body); err != nil {
				return err
			}
			if body, err = request.MarshalProto(); err != nil {
				return err
			}
		} else if err := request.UnmarshalProto(body); err != nil {
			return err
		}
		n := request.Profiles().SampleCount()
		l.requests = append(l.requests, body)
		l.samples = append(l.samples, n)
		l.total += n
		return nil
	}
	switch {
	case strings.HasSuffix(path, ".jsonl"):
		reader := bufio.NewReader(bytes.NewReader(data))
		for line := 1; ; line++ {
			text, err := reader.ReadBytes('\n')
			if t := bytes.TrimSpace(text); len(t) > 0 {
				if err := add(t, true); err != nil {
					return nil, fmt.Errorf("line %d: %w", line, err)
				}
			}
			if err == io.EOF {
				break
			}
		}
	case strings.HasSuffix(path, ".json"):
		err = add(data, true)
	default:
		err = add(data, false)
	}
	if err != nil {
		return nil, err
	}
	if l.total == 0 {
		return nil, errors.New("no sample in the load")
	}
	return l, nil
}

// plan is how many requests a run sends: enough to reach o.samples.
func (l *load) plan(o options) (requests, samples int) {
	for requests < o.maxRequests && samples < o.samples {
		samples += l.samples[requests%len(l.requests)]
		requests++
	}
	return requests, samples
}

// ---- the runs -----------------------------------------------------------------

type config struct {
	key, title string
	connector  bool
	engine     string // the connector's engine key: native (cgo) or wasm (wazero)
}

// configs are (a) and a (b) per engine asked for.
func configs(engines []string) []config {
	out := []config{{"a", "(a) receiver alone", false, ""}}
	for _, e := range engines {
		out = append(out, config{"b-" + e, "(b) receiver + connector, engine " + e, true, e})
	}
	return out
}

// result is one run: the collector's CPU time over the measured window.
type result struct {
	cpu    time.Duration
	wall   time.Duration // the window, wall clock
	points int           // metric points (b) or profile samples (a) the exporter logged in the window
}

func run(o options, inputs []*load) (err error) {
	tick, err := clockTicks()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "collectorload-")
	if err != nil {
		return err
	}
	defer func() {
		if err == nil && !o.keep {
			os.RemoveAll(dir)
		} else {
			fmt.Fprintf(os.Stderr, "collectorload: the configs and collector logs are in %s\n", dir)
		}
	}()
	mode := "flush_interval not set: the connector converts and emits per request"
	if o.flushInterval > 0 {
		mode = fmt.Sprintf("flush_interval %s: (b) waits for the first flush after the load", o.flushInterval)
	}
	fmt.Printf("collectorload: %s, %d runs of each configuration per load, %d in flight, CLK_TCK %d; %s\n",
		o.collector, o.reps, o.concurrency, time.Second/tick, mode)
	results := map[string]map[string][]result{}
	for _, l := range inputs {
		results[l.name] = map[string][]result{}
	}
	started := time.Now()
	for rep := 1; rep <= o.reps; rep++ {
		for _, l := range inputs {
			for _, c := range configs(o.engines) {
				r, err := runOnce(o, dir, tick, l, c, rep)
				if err != nil {
					return fmt.Errorf("%s, %s, run %d: %w", l.name, c.title, rep, err)
				}
				results[l.name][c.key] = append(results[l.name][c.key], r)
			}
		}
	}
	table := report(o, inputs, results, tick, time.Since(started))
	fmt.Print("\n" + table)
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.out, []byte(table), 0o644); err != nil {
			return err
		}
		fmt.Printf("collectorload: wrote %s\n", o.out)
	}
	return nil
}

func runOnce(o options, dir string, tick time.Duration, l *load, c config, rep int) (result, error) {
	port, err := freePort()
	if err != nil {
		return result{}, err
	}
	name := fmt.Sprintf("%s-%s-%d", l.name, c.key, rep)
	configPath := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(configPath, []byte(collectorConfig(port, c.connector, c.engine, o.flushInterval)), 0o644); err != nil {
		return result{}, err
	}
	col, err := startCollector(o.collector, configPath, filepath.Join(dir, name+".log"))
	if err != nil {
		if c.connector && o.flushInterval > 0 {
			err = fmt.Errorf("%w\n(a connector build without flush_interval? run with -flush-interval 0)", err)
		}
		return result{}, err
	}
	defer col.stop()

	url := fmt.Sprintf("http://127.0.0.1:%d/v1development/profiles", port)
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		MaxIdleConnsPerHost: o.concurrency, DisableCompression: true}}
	defer client.CloseIdleConnections()
	if err := send(client, url, l, 0, o.warmup, o.concurrency); err != nil {
		return result{}, fmt.Errorf("warm-up: %w", err)
	}
	requests, samples := l.plan(o)
	// The debug exporter logs the first line of a kind each second and
	// drops the rest: a second's pause makes the window's first line logged,
	// for the check below.
	time.Sleep(1100 * time.Millisecond)
	cpu0, err := processCPU(col.pid, tick)
	if err != nil {
		return result{}, err
	}
	t0 := time.Now()
	if err := send(client, url, l, o.warmup, requests, o.concurrency); err != nil {
		return result{}, err
	}
	tEnd := time.Now()
	if c.connector && o.flushInterval > 0 {
		// The first flush that began after the last request: its log line
		// at least flushGuard later (a flush takes far less).
		const flushGuard = 500 * time.Millisecond
		deadline := tEnd.Add(o.flushInterval + flushGuard + 5*time.Second)
		if _, ok := col.waitEvent("metrics", tEnd.Add(flushGuard), deadline); !ok {
			return result{}, fmt.Errorf("no metrics from the connector within %s after the load (flush_interval %s)\n%s",
				deadline.Sub(tEnd).Round(time.Second), o.flushInterval, col.tail())
		}
	}
	time.Sleep(o.margin)
	cpu1, err := processCPU(col.pid, tick)
	if err != nil {
		return result{}, err
	}
	t1 := time.Now()
	r := result{cpu: cpu1 - cpu0, wall: t1.Sub(t0)}
	signal := "profiles"
	if c.connector {
		signal = "metrics"
	}
	r.points = col.count(signal, t0, t1)
	if r.points == 0 {
		hint := ""
		if c.connector && o.flushInterval <= 0 {
			hint = " (a connector that flushes on an interval? leave -flush-interval on)"
		}
		return result{}, fmt.Errorf("the debug exporter logged no %s in the window: the pipeline delivered nothing%s\n%s",
			signal, hint, col.tail())
	}
	fmt.Printf("  %-10s %-26s run %d: %5d requests, %9d samples, load %5.2f s, window %6.2f s, CPU %7.3f s, %6.0f ns/sample\n",
		l.name, c.title, rep, requests, samples, tEnd.Sub(t0).Seconds(), r.wall.Seconds(), r.cpu.Seconds(),
		float64(r.cpu.Nanoseconds())/float64(samples))
	if err := col.stop(); err != nil {
		fmt.Printf("  (%s: the collector's shutdown: %v)\n", name, err)
	}
	return r, nil
}

// send POSTs requests count, from the load's request number first on
// (cycling), concurrency at a time; every answer must be 200 with nothing
// rejected.
func send(client *http.Client, url string, l *load, first, count, concurrency int) error {
	var next atomic.Int64
	var failed atomic.Bool
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= count {
					return
				}
				index := (first + i) % len(l.requests)
				if err := post(client, url, l.requests[index]); err != nil {
					failed.Store(true)
					once.Do(func() { firstErr = fmt.Errorf("request %d (%s request %d): %w", i, l.name, index, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func post(client *http.Client, url string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(answer)))
	}
	response := pprofileotlp.NewExportResponse()
	if err := response.UnmarshalProto(answer); err != nil {
		return fmt.Errorf("HTTP 200 with an unreadable answer: %w", err)
	}
	if rejected := response.PartialSuccess().RejectedProfiles(); rejected > 0 {
		return fmt.Errorf("HTTP 200 with %d profiles rejected: %s", rejected, response.PartialSuccess().ErrorMessage())
	}
	return nil
}

// collectorConfig is (a) or (b) on port.
func collectorConfig(port int, connector bool, engine string, flushInterval time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
  debug:
    verbosity: basic
    sampling_initial: 1
    sampling_thereafter: 1000000
`, port)
	if connector {
		b.WriteString("connectors:\n  profiletometrics:\n")
		if engine != "" {
			fmt.Fprintf(&b, "    engine: %s\n", engine)
		}
		if flushInterval > 0 {
			fmt.Fprintf(&b, "    flush_interval: %s\n", flushInterval)
		}
	}
	b.WriteString(`service:
  telemetry:
    logs:
      encoding: json
  pipelines:
    profiles:
      receivers: [otlp]
`)
	if connector {
		b.WriteString("      exporters: [profiletometrics]\n    metrics:\n      receivers: [profiletometrics]\n      exporters: [debug]\n")
	} else {
		b.WriteString("      exporters: [debug]\n")
	}
	return b.String()
}

func freePort() (int, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port, nil
}

// ---- the collector process ----------------------------------------------------

// event is a debug exporter line: "Metrics" (its data points) or
// "Profiles" (its sample records), with the log's timestamp.
type event struct {
	signal string
	at     time.Time
	count  int
}

type collector struct {
	cmd     *exec.Cmd
	pid     int
	logPath string
	done    chan struct{} // closed when the log is read to its end
	exited  chan struct{} // closed when the process has been reaped
	waitErr error

	mu      sync.Mutex
	cond    *sync.Cond
	ready   bool
	events  []event
	lines   []string // the last lines, for messages
	stopped bool
}

func startCollector(binary, configPath, logPath string) (*collector, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, "--config="+configPath, "--feature-gates=service.profilesSupport",
		"--set=service.telemetry.metrics.level=none")
	cmd.Stdout = logFile
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	c := &collector{cmd: cmd, pid: cmd.Process.Pid, logPath: logPath, done: make(chan struct{}), exited: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	go c.read(stderr, logFile)
	go func() {
		<-c.done
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	deadline := time.Now().Add(90 * time.Second)
	timer := time.AfterFunc(time.Until(deadline), func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	for !c.ready && !c.stopped && time.Now().Before(deadline) {
		c.cond.Wait()
	}
	ready := c.ready
	c.mu.Unlock()
	if !ready {
		c.stop()
		return nil, fmt.Errorf("the collector did not start (%s)\n%s", logPath, c.tail())
	}
	return c, nil
}

// read copies the collector's log to its file and notes readiness and the
// debug exporter's lines.
func (c *collector) read(stderr io.Reader, logFile *os.File) {
	defer close(c.done)
	defer logFile.Close()
	reader := bufio.NewReaderSize(stderr, 1<<16)
	for {
		line, err := reader.ReadBytes('\n')
		if len(line) > 0 {
			logFile.Write(line)
			c.note(bytes.TrimSpace(line))
		}
		if err != nil {
			c.mu.Lock()
			c.stopped = true
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
	}
}

func (c *collector) note(line []byte) {
	received := time.Now()
	var entry map[string]any
	parsed := json.Unmarshal(line, &entry) == nil
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, string(line))
	if len(c.lines) > 20 {
		c.lines = c.lines[len(c.lines)-20:]
	}
	if !parsed {
		return
	}
	msg, _ := entry["msg"].(string)
	var e event
	switch {
	case strings.HasPrefix(msg, "Everything is ready"):
		c.ready = true
	case msg == "Metrics" && entry["data points"] != nil:
		e = event{signal: "metrics", count: number(entry["data points"])}
	case msg == "Profiles" && entry["sample records"] != nil:
		e = event{signal: "profiles", count: number(entry["sample records"])}
	}
	if e.signal != "" {
		e.at = logTime(entry["ts"], received)
		c.events = append(c.events, e)
	}
	c.cond.Broadcast()
}

func number(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// logTime is a log entry's timestamp (zap's ISO 8601 text or epoch
// seconds), else when the line was read.
func logTime(ts any, received time.Time) time.Time {
	switch v := ts.(type) {
	case string:
		for _, layout := range []string{"2006-01-02T15:04:05.000Z0700", time.RFC3339Nano} {
			if t, err := time.Parse(layout, v); err == nil {
				return t
			}
		}
	case float64:
		return time.Unix(0, int64(v*1e9))
	}
	return received
}

// waitEvent waits until a line of signal with points, logged after from,
// has been read, or until deadline.
func (c *collector) waitEvent(signal string, from, deadline time.Time) (event, bool) {
	timer := time.AfterFunc(time.Until(deadline), func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for _, e := range c.events {
			if e.signal == signal && e.count > 0 && e.at.After(from) {
				return e, true
			}
		}
		if c.stopped || !time.Now().Before(deadline) {
			return event{}, false
		}
		c.cond.Wait()
	}
}

// count is the points (metrics) or samples (profiles) logged between from
// and to. The debug exporter's log is sampled: a lower bound. The log's
// timestamps are in milliseconds, hence the slack before from.
func (c *collector) count(signal string, from, to time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	from = from.Add(-5 * time.Millisecond)
	n := 0
	for _, e := range c.events {
		if e.signal == signal && !e.at.Before(from) && !e.at.After(to) {
			n += e.count
		}
	}
	return n
}

func (c *collector) tail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("last lines of %s:\n  %s", c.logPath, strings.Join(c.lines, "\n  "))
}

// stop shuts the collector down (SIGTERM, then SIGKILL after 30 s) and
// reaps it; its error is a shutdown that did not end with exit status 0.
func (c *collector) stop() error {
	select {
	case <-c.exited:
		return c.waitErr
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
		return errors.New("killed after 30 s")
	}
	return c.waitErr
}

// ---- CPU time -----------------------------------------------------------------

// clockTicks is the length of one clock tick of /proc/PID/stat (getconf CLK_TCK).
func clockTicks() (time.Duration, error) {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 0, fmt.Errorf("getconf CLK_TCK: %w", err)
	}
	hz, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || hz <= 0 {
		return 0, fmt.Errorf("getconf CLK_TCK: %q", out)
	}
	return time.Second / time.Duration(hz), nil
}

// processCPU is the process's CPU time so far: utime + stime of
// /proc/PID/stat, every thread.
func processCPU(pid int, tick time.Duration) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	ticks, err := statTicks(string(data))
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(ticks) * tick, nil
}

// statTicks is utime + stime (fields 14 and 15) of a /proc/PID/stat line.
// The command name (field 2) is in parentheses and may hold spaces.
func statTicks(stat string) (uint64, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("no command name")
	}
	fields := strings.Fields(stat[end+1:]) // from field 3 (state) on
	if len(fields) < 13 {
		return 0, errors.New("too few fields")
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return utime + stime, nil
}

// ---- the table ----------------------------------------------------------------

func median(values []float64) float64 {
	s := slices.Clone(values)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func report(o options, inputs []*load, results map[string]map[string][]result, tick time.Duration, took time.Duration) string {
	var b strings.Builder
	connector := "profiletometrics (its defaults, no flush_interval key: a build that converts and exports per request)"
	window := ""
	if o.flushInterval > 0 {
		connector = fmt.Sprintf("profiletometrics (its defaults, flush_interval %s)", o.flushInterval)
		window = fmt.Sprintf(", and in (b) on to the connector's first flush after it (every %s from start-up: "+
			"the window holds that flush and an idle wait, under one clock tick of CPU)", o.flushInterval)
	}
	fmt.Fprintf(&b, "# Collector CPU per sample: the receiver alone and with the connector\n\n")
	fmt.Fprintf(&b, "`make bench-collector` (tests/go/cmd/collectorload), %s, %s, %s/%s, %d CPUs.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), o.collector, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(&b, "(a) OTLP/HTTP receiver → profiles pipeline → debug exporter (basic, sampled); "+
		"(b) the same receiver → %s → metrics pipeline → the same debug exporter. "+
		"CPU time of the collector process (utime + stime, /proc/PID/stat, %s ticks) over the load%s; "+
		"start-up and shutdown excluded; a fresh collector per run, %d warm-up requests first; "+
		"%d requests in flight; runs interleaved a, b, a, b; median of %d runs each. "+
		"Per sample: divided by the samples sent (pdata's SampleCount of each request). (%s in all)\n\n",
		connector, tick, window, o.warmup, o.concurrency, o.reps, took.Round(time.Second))
	b.WriteString("| load | requests | samples/request | samples sent | (a) ns/sample | engine | (b) ns/sample | b/a | connector (b − a) ns/sample | (b − a) µs/request |\n")
	b.WriteString("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n")
	var runs strings.Builder
	for _, l := range inputs {
		requests, samples := l.plan(o)
		perSample := func(key string) (float64, []string) {
			var values []float64
			var texts []string
			for _, r := range results[l.name][key] {
				v := float64(r.cpu.Nanoseconds()) / float64(samples)
				values = append(values, v)
				texts = append(texts, fmt.Sprintf("%.0f", v))
			}
			return median(values), texts
		}
		a, aRuns := perSample("a")
		fmt.Fprintf(&runs, "- %s (`%s`, %d request(s) in the file, %d samples): (a) %s", l.name, l.path,
			len(l.requests), l.total, strings.Join(aRuns, ", "))
		for _, e := range o.engines {
			bb, bRuns := perSample("b-" + e)
			fmt.Fprintf(&b, "| %s | %d | %.4g | %d | %.0f | %s | %.0f | %.2f | %.0f | %.1f |\n",
				l.name, requests, float64(samples)/float64(requests), samples, a, e, bb, bb/a, bb-a,
				(bb-a)*float64(samples)/float64(requests)/1000)
			fmt.Fprintf(&runs, "; (b) %s %s", e, strings.Join(bRuns, ", "))
		}
		runs.WriteString(" ns/sample\n")
	}
	b.WriteString("\nEach run, in order:\n\n")
	b.WriteString(runs.String())
	return b.String()
}
