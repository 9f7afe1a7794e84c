package main

import (
	"strings"
	"testing"
	"time"
)

func TestStatTicks(t *testing.T) {
	// A command name with spaces and parentheses; utime 1234, stime 56.
	stat := "4242 (otel col) (x)) S 1 4242 4242 0 -1 4194560 2000 0 0 0 1234 56 0 0 20 0 12 0 100 0 0"
	got, err := statTicks(stat)
	if err != nil || got != 1290 {
		t.Fatalf("statTicks = %d, %v; want 1290", got, err)
	}
	if _, err := statTicks("4242 (short) S 1"); err == nil {
		t.Fatal("statTicks accepted a short line")
	}
}

func TestMedian(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Fatalf("median = %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Fatalf("median = %v", m)
	}
}

func TestPlan(t *testing.T) {
	l := &load{requests: make([][]byte, 3), samples: []int{1, 2, 3}, total: 6}
	if r, s := l.plan(options{samples: 10, maxRequests: 100}); r != 6 || s != 12 {
		t.Fatalf("plan = %d requests, %d samples", r, s)
	}
	if r, s := l.plan(options{samples: 1000, maxRequests: 4}); r != 4 || s != 7 {
		t.Fatalf("plan = %d requests, %d samples", r, s)
	}
}

func TestCollectorConfig(t *testing.T) {
	a := collectorConfig(4318, false, "", 15*time.Second)
	if strings.Contains(a, "profiletometrics") || !strings.Contains(a, "endpoint: 127.0.0.1:4318") {
		t.Fatalf("(a):\n%s", a)
	}
	b := collectorConfig(4318, true, "wasm", 15*time.Second)
	for _, want := range []string{"  profiletometrics:\n    engine: wasm\n    flush_interval: 15s\n", "exporters: [profiletometrics]", "receivers: [profiletometrics]"} {
		if !strings.Contains(b, want) {
			t.Fatalf("(b) lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(collectorConfig(4318, true, "", 0), "flush_interval") {
		t.Fatal("flush_interval passed with -flush-interval 0")
	}
}

func TestLogTime(t *testing.T) {
	received := time.Unix(1, 0)
	if got := logTime("2026-12-07T16:59:13.085Z", received); got.UnixMilli() != 1796662753085 {
		t.Fatalf("logTime = %v", got)
	}
	if got := logTime(nil, received); !got.Equal(received) {
		t.Fatalf("logTime(nil) = %v", got)
	}
}
