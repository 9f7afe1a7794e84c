package proxywasm

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// malformedCorpus is tests/lib/malformed-cases.js's named cases and a
// sample of cpu-ebpf.pb's truncations, in order (node writes them to files:
// tests/lib/write-malformed-corpus.js).
func malformedCorpus(t *testing.T) [][]byte {
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
	var out [][]byte
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	if len(out) < 300 {
		t.Fatalf("corpus of %d cases: expected more than 300", len(out))
	}
	return out
}

// sendSafely is send, with a trap of the VM (the emulator panics on it)
// turned into a failure naming the case.
func sendSafely(t *testing.T, f *filter, label string, headers [][2]string, body []byte, piece int) (r result) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			f.mu.Unlock()
			t.Fatalf("%s: the VM trapped: %v", label, p)
		}
	}()
	return f.send(headers, body, piece)
}

type corpusKind struct{ contentType, input string }

var corpusKinds = []corpusKind{{protobufType, "otlp"}, {jsonType, "json"}}

// cliOutcomes runs the CLI on every case of the corpus, as each kind, a few at a time.
func cliOutcomes(t *testing.T, corpus [][]byte) [][]cliRun {
	out := make([][]cliRun, len(corpus))
	var wg sync.WaitGroup
	limit := make(chan struct{}, 4)
	for i := range corpus {
		out[i] = make([]cliRun, len(corpusKinds))
		for k, kind := range corpusKinds {
			wg.Add(1)
			limit <- struct{}{}
			go func() {
				defer func() { <-limit; wg.Done() }()
				out[i][k] = cli(t, kind.input, corpus[i], "")
			}()
		}
	}
	wg.Wait()
	return out
}

// The whole malformed corpus, as protobuf and as JSON, through one VM: no
// trap, and each request's outcome the CLI's for the same bytes: its
// output forwarded (exit 0, or 4: some JSON requests refused, the others
// converted) with the counters moved by its stats and its messages logged
// at warn, or a local 400 with its message (exit 1). After every case the fixture still converts.
func TestMalformedCorpus(t *testing.T) {
	corpus := malformedCorpus(t)
	outcomes := cliOutcomes(t, corpus)
	good := fixture(t, "cpu-ebpf.pb")
	wantGood := cli(t, "otlp", good, "")
	f := newFilter(t, nil)
	tally := map[string]int{}
	for i, data := range corpus {
		for k, kind := range corpusKinds {
			label := fmt.Sprintf("case %d as %s (%d bytes)", i, kind.contentType, len(data))
			want := outcomes[i][k]
			before := f.counters(t)
			r := sendSafely(t, f, label, post(kind.contentType, "", len(data)), data, 4096)
			switch want.code {
			case 0, 4:
				tally["converted"]++
				if !r.forwarded() || !bytes.Equal(r.body, want.output) {
					t.Errorf("%s: CLI exit %d converted it; the filter: actions %v, local %+v, body %d bytes (CLI %d)",
						label, want.code, r.actions, r.local, len(r.body), len(want.output))
					continue
				}
				assertCounted(t, f, before, want, "requests_converted")
				if fmt.Sprint(r.warnings) != fmt.Sprint(want.messages) {
					t.Errorf("%s: warn logs %q, CLI's messages %q", label, r.warnings, want.messages)
				}
			case 1:
				tally["refused"]++
				if r.local == nil || r.local.StatusCode != 400 {
					t.Errorf("%s: CLI refused it (%q); the filter: actions %v, local %+v", label, want.messages, r.actions, r.local)
					continue
				}
				if s := failure(t, r); s.Message != want.messages[0] {
					t.Errorf("%s: message %q, CLI %q", label, s.Message, want.messages[0])
				}
			default:
				t.Errorf("%s: CLI exit %d %q", label, want.code, want.messages)
			}
			if after := sendSafely(t, f, label+", then the fixture", post(protobufType, "", len(good)), good, 0); !bytes.Equal(after.body, wantGood.output) {
				t.Fatalf("%s: the fixture no longer converts as before", label)
			}
		}
	}
	t.Logf("%d cases × %d kinds: %v", len(corpus), len(corpusKinds), tally)
}

// The VM's memory stays flat over 1,000 requests of every kind: after the
// first 100 (the allocator's working set) it does not grow at all.
func TestMemoryFlat(t *testing.T) {
	pb := fixture(t, "cpu-ebpf.pb")
	json := fixture(t, "multi.jsonl")
	memory := fixture(t, "memory.pb")
	requests := []struct {
		headers [][2]string
		body    []byte
	}{
		{post(protobufType, "", len(pb)), pb},
		{post(protobufType, "gzip", 0), gzipped(t, memory)},
		{post(jsonType, "zstd", 0), zstded(t, json)},
		{post(jsonType, "", 0), json},
		{post(protobufType, "", 0), pb[:len(pb)/3]},                     // refused: 400
		{post("text/plain", "", 0), pb},                                 // refused: 415
		{[][2]string{{":method", "POST"}, {":path", "/v1/traces"}}, pb}, // untouched
	}
	if real, err := os.ReadFile(filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-offcpu.pb")); err == nil {
		requests = append(requests, struct {
			headers [][2]string
			body    []byte
		}{post(protobufType, "gzip", 0), gzipped(t, real)})
	}
	f := newFilter(t, nil)
	var warm, handled uint64
	for i := 1; i <= 1000; i++ {
		q := requests[i%len(requests)]
		if q.headers[1][1] == profilesPath {
			handled++
		}
		sendSafely(t, f, fmt.Sprintf("request %d", i), q.headers, q.body, 8192)
		if i == 100 {
			warm = f.memory(t)
		}
	}
	final := f.memory(t)
	t.Logf("VM memory: %d bytes after 100 requests, %d after 1000", warm, final)
	if warm == 0 || final != warm {
		t.Errorf("VM memory grew from %d to %d bytes between requests 100 and 1000", warm, final)
	}
	counters := f.counters(t)
	if got := counters["requests_converted"] + counters["requests_rejected"]; got != handled {
		t.Errorf("%d requests converted or rejected, want %d", got, handled)
	}
}
