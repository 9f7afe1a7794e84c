// folded_test.go: `ptm -f folded` against the folded stacks computed here,
// independently, from pdata's reading of the same input with this
// package's own classification and frame naming (convert.go): for each
// sample of the measure asked for (a measure's profiles as classify()
// says, the count-based CPU twin skipped when its scope has a direct one),
// the line process;thread;frames root first (each location's lines from
// the outermost caller in, a location without lines by its mapping) and
// the sample's value in ns, bytes or a count, summed per line, sorted. An
// in-use measure (a gauge) counts only the latest profile of each resource.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

// printable: text for a terminal, byte by byte: a control character (below
// 0x20, or 0x7f) becomes '_', and with semicolons ';' too.
func printable(name string, semicolons bool) string {
	b := []byte(name)
	for i, c := range b {
		if c < 0x20 || c == 0x7f || (semicolons && c == ';') {
			b[i] = '_'
		}
	}
	return string(b)
}

func foldedName(name string) string {
	if name == "" {
		return "[unknown]"
	}
	return printable(name, true)
}

// frameNames are a sample's frames root first: each location's lines from
// the outermost caller in, a location without lines by its symbol or mapping
// (nativeName).
func (c *converter) frameNames(s pprofile.Sample) []string {
	var names []string
	locations := c.dict.StackTable().At(int(s.StackIndex())).LocationIndices()
	for i := locations.Len() - 1; i >= 0; i-- {
		loc := c.dict.LocationTable().At(int(locations.At(i)))
		if loc.Lines().Len() == 0 {
			names = append(names, c.nativeName(loc))
		}
		for j := loc.Lines().Len() - 1; j >= 0; j-- {
			names = append(names, c.functionName(loc, loc.Lines().At(j)))
		}
	}
	return names
}

// snapshotSample is a sample of the latest in-use profile of its resource.
type snapshotSample struct {
	c *converter
	fedSample
}

// eachSnapshot calls fn for every sample of measure m (a gauge: inuse or
// inuse_objects) in the latest profile of m of each resource identity
// over pds, converted together: the greatest time + duration, on a tie
// the later profile (a snapshot is never summed across profiles).
func eachSnapshot(pds []pprofile.Profiles, m measure, fn func(snapshotSample)) {
	type latest struct {
		c   *converter
		res pcommon.Resource
		p   pprofile.Profile
		end uint64
	}
	byIdentity := map[string]*latest{}
	var order []string
	for _, pd := range pds {
		c := newTestConverter(pd)
		for _, rp := range pd.ResourceProfiles().All() {
			identity := resourceIdentity(rp)
			for _, sp := range rp.ScopeProfiles().All() {
				for _, p := range sp.Profiles().All() {
					if got, _, _, ok := c.classify(p); !ok || got != m {
						continue
					}
					end := uint64(p.Time()) + p.DurationNano()
					if l := byIdentity[identity]; l == nil {
						order = append(order, identity)
					} else if end < l.end {
						continue
					}
					byIdentity[identity] = &latest{c, rp.Resource(), p, end}
				}
			}
		}
	}
	for _, identity := range order {
		l := byIdentity[identity]
		for _, s := range l.p.Samples().All() {
			if v := sampleValue(s); v != 0 {
				fn(snapshotSample{l.c, fedSample{l.res, l.p, s, m, v}})
			}
		}
	}
}

// eachOfMeasure calls fn for every sample that `ptm -f folded` and --top
// count for measure m: eachFed's of m, or for a gauge eachSnapshot's.
func eachOfMeasure(pds []pprofile.Profiles, m measure, fn func(snapshotSample)) {
	if metricDefs[baseMetric[m]].gauge {
		eachSnapshot(pds, m, fn)
		return
	}
	for _, pd := range pds {
		c := newTestConverter(pd)
		c.eachFed(pd, func(f fedSample) {
			if f.m == m {
				fn(snapshotSample{c, f})
			}
		})
	}
}

// foldedStack: a sample's folded stack, process;thread;frames root first.
func (c *converter) foldedStack(f fedSample) string {
	process, _, _ := c.pointAttribute(f.s, f.p, f.res, "process.executable.name")
	thread, _, _ := c.pointAttribute(f.s, f.p, f.res, "thread.name")
	names := []string{foldedName(process), foldedName(thread)}
	for _, frame := range c.frameNames(f.s) {
		names = append(names, foldedName(frame))
	}
	return strings.Join(names, ";")
}

// folded is the expected `ptm -f folded` output for measure want.
func folded(pd pprofile.Profiles, want measure) string {
	return foldedAll([]pprofile.Profiles{pd}, want)
}

// foldedAll is the expected `ptm -f folded` output for measure want of
// the requests pds converted together.
func foldedAll(pds []pprofile.Profiles, want measure) string {
	sums := map[string]int64{}
	eachOfMeasure(pds, want, func(f snapshotSample) {
		sums[f.c.foldedStack(f.fedSample)] += f.value
	})
	lines := make([]string, 0, len(sums))
	for line := range sums {
		lines = append(lines, line)
	}
	sort.Strings(lines)
	var b strings.Builder
	for _, line := range lines {
		fmt.Fprintf(&b, "%s %d\n", line, sums[line])
	}
	return b.String()
}

func ptmFolded(t *testing.T, ptm, measure string, input []byte) string {
	t.Helper()
	return ptmFoldedWith(t, ptm, `{"folded": {"measure": "`+measure+`"}}`, input)
}

// ptmFoldedWith is `ptm -c CONFIG -f folded` of input, config the JSON text.
func ptmFoldedWith(t *testing.T, ptm, config string, input []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "folded.json")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ptm, "-c", path, "-f", "folded")
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm -f folded: %v: %s", err, stderr.String())
	}
	return string(out)
}

// assertSameStacks fails for each stack whose value is not the oracle's.
func assertSameStacks(t *testing.T, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d stacks from ptm, %d from the oracle", len(got), len(want))
	}
	for stack, value := range want {
		if got[stack] != value {
			t.Errorf("%s: ptm %d, oracle %d", stack, got[stack], value)
		}
	}
}

func TestFoldedAgreesWithPtm(t *testing.T) {
	ptm := filepath.Join(repoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	type input struct {
		path     string
		measures map[string]measure
	}
	all := map[string]measure{"cpu": cpu, "off_cpu": offCPU, "wall": wall, "memory": memory,
		"inuse": inuse, "inuse_objects": inuseObjects}
	inputs := []input{
		{filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"), all},
		{filepath.Join(repoRoot, "tests", "fixtures", "cpu-pprof.pb"), all},
		{filepath.Join(repoRoot, "tests", "fixtures", "memory.pb"), all},
		{filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-offcpu.pb"), all},
	}
	nonEmpty := 0
	for _, in := range inputs {
		data, err := os.ReadFile(in.path)
		if err != nil {
			t.Logf("skipped %s: %v", in.path, err)
			continue
		}
		pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
		if err != nil {
			t.Fatal(err)
		}
		for name, m := range in.measures {
			t.Run(filepath.Base(in.path)+"/"+name, func(t *testing.T) {
				want, got := folded(pd, m), ptmFolded(t, ptm, name, data)
				if got != want {
					t.Errorf("ptm -f folded differs:\n got %d bytes: %.300s\nwant %d bytes: %.300s", len(got), got, len(want), want)
				}
				if want != "" {
					nonEmpty++
				}
			})
		}
	}
	if nonEmpty < 4 {
		t.Errorf("only %d non-empty comparisons: the fixtures should give cpu, off_cpu and memory stacks", nonEmpty)
	}
}

// foldedLines: folded text as stack → value.
func foldedLines(t *testing.T, text string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		at := strings.LastIndexByte(line, ' ')
		value, err := strconv.ParseInt(line[at+1:], 10, 64)
		if err != nil {
			t.Fatalf("folded line %q: %v", line, err)
		}
		out[line[:at]] += value
	}
	return out
}

// TestUnnamedFramesNamedForTheirType: on the live eBPF profiler capture
// (../shared/fixtures/otlp-live), whose unnamed v8js frames and native
// frames without a mapping file used to merge into one "[unknown]", ptm's
// folded stacks are the oracle's over every request, with each unnamed
// frame named for its profile.frame.type ("[v8js]", "[native]").
func TestUnnamedFramesNamedForTheirType(t *testing.T) {
	ptm := filepath.Join(repoRoot, "build", "native", "ptm")
	compressed, requests := liveCapture(t)
	want := map[string]int64{}
	for _, pd := range requests {
		for stack, value := range foldedLines(t, folded(pd, cpu)) {
			want[stack] += value
		}
	}
	got := foldedLines(t, ptmFolded(t, ptm, "cpu", compressed))
	assertSameStacks(t, got, want)
	typed := map[string]bool{}
	for stack := range got {
		frames := strings.Split(stack, ";")
		for _, frame := range frames[2:] { // past the process and thread
			if frame == "[unknown]" {
				t.Errorf("a bare [unknown] frame: %s", stack)
			}
			if frame == "[v8js]" || frame == "[native]" {
				typed[frame] = true
			}
		}
	}
	t.Logf("%d stacks over %d requests; unnamed frames named %v", len(got), len(requests), typed)
	if !typed["[v8js]"] || !typed["[native]"] {
		t.Errorf("the capture's unnamed frames: %v, want [v8js] and [native]", typed)
	}
}

// liveCapture: the live eBPF capture (../shared/fixtures/otlp-live), its
// gzip bytes and its requests; the test is skipped when it is absent.
func liveCapture(t *testing.T) ([]byte, []pprofile.Profiles) {
	t.Helper()
	path := filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-live", "ebpf-live.jsonl.gz")
	compressed, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s: %v", path, err)
	}
	reader, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(reader)
	if err != nil {
		t.Fatal(err)
	}
	var requests []pprofile.Profiles
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		pd, err := (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(line)
		if err != nil {
			t.Fatal(err)
		}
		requests = append(requests, pd)
	}
	return compressed, requests
}
