// inuse_test.go: in-use memory by function on real heap profiles, read
// here by google/pprof alone (profile.Parse, then a plain walk of the
// samples, not expect()): the Node.js heap fixture's
// "./index.js:(anonymous):19" holds 4,194,672 in-use bytes as its own
// (self, the leaf frame) and 5,274,384 with its callees (inclusive, what
// `go tool pprof -top` calls cum); ptm's default configuration must write
// exactly those as the gauges profile.function.self.memory.inuse and
// profile.function.inclusive.memory.inuse, and their objects likewise. On
// the Go heap fixture the self gauges of each in-use type partition the
// profile's total. Skipped without ../shared/fixtures/pprof.
package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/google/pprof/profile"
)

// byFunction is each function's self and inclusive value of sample type
// typ, by google/pprof's reading: self by the leaf location's first
// (innermost) line, inclusive once per distinct name on the stack.
func byFunction(t *testing.T, p *profile.Profile, typ string) (self, inclusive map[string]int64, total int64) {
	t.Helper()
	index := -1
	for i, st := range p.SampleType {
		if st.Type == typ {
			index = i
		}
	}
	if index < 0 {
		t.Fatalf("no sample type %s", typ)
	}
	self, inclusive = map[string]int64{}, map[string]int64{}
	for _, s := range p.Sample {
		v := s.Value[index]
		total += v
		if len(s.Location) == 0 {
			continue
		}
		self[frameNames(s.Location[0])[0]] += v
		seen := map[string]bool{}
		for _, l := range s.Location {
			for _, n := range frameNames(l) {
				if !seen[n] {
					seen[n] = true
					inclusive[n] += v
				}
			}
		}
	}
	return self, inclusive, total
}

func parseFixture(t *testing.T, name string) (*profile.Profile, string) {
	t.Helper()
	path := filepath.Join(repoRoot, "..", "shared", "fixtures", "pprof", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s: %v", path, err)
	}
	p, err := profile.ParseData(data)
	if err != nil {
		t.Fatal(err)
	}
	return p, path
}

// promValues runs ptm -f prom (the default configuration) on file and
// returns metric name → code_function_name → value.
func promValues(t *testing.T, bin, file string) map[string]map[string]int64 {
	t.Helper()
	cmd := exec.Command(bin, "-f", "prom", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm -f prom: %v: %s", err, stderr.String())
	}
	line := regexp.MustCompile(`(?m)^(profile_function_\w+)\{code_function_name="((?:[^"\\]|\\.)*)"\} (\d+)$`)
	values := map[string]map[string]int64{}
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		name, err := strconv.Unquote(`"` + m[2] + `"`)
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseInt(m[3], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if values[m[1]] == nil {
			values[m[1]] = map[string]int64{}
		}
		values[m[1]][name] = v
	}
	return values
}

func TestNodeHeapInuseByFunction(t *testing.T) {
	bin := ptmPath(t)
	p, path := parseFixture(t, "nodejs-heap.pb.gz")
	const function = "./index.js:(anonymous):19"
	self, inclusive, _ := byFunction(t, p, "inuse_space")
	if self[function] != 4_194_672 || inclusive[function] != 5_274_384 {
		t.Fatalf("google/pprof reads %s: self %d, inclusive %d; want 4194672, 5274384", function, self[function], inclusive[function])
	}
	selfObjects, inclusiveObjects, _ := byFunction(t, p, "inuse_objects")
	got := promValues(t, bin, path)
	for _, c := range []struct {
		metric string
		want   map[string]int64
	}{
		{"profile_function_self_memory_inuse_bytes", self},
		{"profile_function_inclusive_memory_inuse_bytes", inclusive},
		{"profile_function_self_memory_inuse_objects", selfObjects},
		{"profile_function_inclusive_memory_inuse_objects", inclusiveObjects},
	} {
		if got[c.metric][function] != c.want[function] {
			t.Errorf("%s{%s}: ptm %d, google/pprof %d", c.metric, function, got[c.metric][function], c.want[function])
		}
		for name, v := range c.want {
			if v != 0 && got[c.metric][name] != v {
				t.Errorf("%s{%s}: ptm %d, google/pprof %d", c.metric, name, got[c.metric][name], v)
			}
		}
		if len(got[c.metric]) != len(c.want) {
			t.Errorf("%s: %d functions from ptm, %d from google/pprof", c.metric, len(got[c.metric]), len(c.want))
		}
	}
}

func TestGoHeapInuseByFunction(t *testing.T) {
	bin := ptmPath(t)
	p, path := parseFixture(t, "heap.pb.gz")
	got := promValues(t, bin, path)
	for typ, metric := range map[string]string{
		"inuse_space":   "profile_function_self_memory_inuse_bytes",
		"inuse_objects": "profile_function_self_memory_inuse_objects",
	} {
		self, _, total := byFunction(t, p, typ)
		var sum int64
		for name, v := range got[metric] {
			sum += v
			if v != self[name] {
				t.Errorf("%s{%s}: ptm %d, google/pprof %d", metric, name, v, self[name])
			}
		}
		if sum != total || len(got[metric]) == 0 {
			t.Errorf("%s: %d functions summing to %d, the profile's %s total is %d", metric, len(got[metric]), sum, typ, total)
		}
	}
}
