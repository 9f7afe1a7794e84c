// breakdown_test.go: ptm's breakdown and recording-rule metrics (README.md,
// "Breakdowns and recording rules") against their values computed here,
// independently, from pdata's reading of the same input: the leaf
// location's profile.frame.type, the library of a native leaf (the rule
// implemented again below), the kernel area of a kernel leaf's frames (the
// table implemented again below, from the README), the package of a Go
// leaf, and rules matched with Go's regexp over this package's frame names
// (convert.go). Each breakdown must also add up: frame_type to its base
// metric, library and kernel to their frame_type points, package to the
// managed ones. And a rule counts a recursive stack's sample once, groups
// by sample, profile and resource attributes, and obeys the cardinality
// limit.
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

var measureSuffix = map[measure]string{cpu: "cpu.time", offCPU: "off_cpu.time", memory: "memory.allocated"}

// breakdownLabelKeys are the point attributes each breakdown sets.
var breakdownLabelKeys = map[string][]string{
	"frame_type": {"profile.frame.type"},
	"library":    {"profile.frame.library"},
	"kernel":     {"profile.kernel.area", "profile.kernel.protocol", "profile.kernel.direction", "profile.kernel.syscall"},
	"package":    {"profile.frame.package"},
}

// testRule is a recording rule as the test gives it to ptm and computes it.
type testRule struct {
	Name      string            `json:"metric_name"`
	Functions []string          `json:"functions"`
	Mode      string            `json:"mode"`
	GroupBy   []string          `json:"group_by,omitempty"`
	Attrs     map[string]string `json:"attributes,omitempty"`
	Types     []string          `json:"sample_types,omitempty"`
}

// sums maps "metric{k=v,...}" to a value in ns or bytes.
type sums map[string]int64

func labelText(metric string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return metric + "{" + strings.Join(parts, ",") + "}"
}

// ---- the naming rules, again ----------------------------------------------

func libraryName(file string) string {
	file = strings.TrimSuffix(file, " (deleted)")
	base := file[strings.LastIndexByte(file, '/')+1:]
	for at := 0; ; {
		i := strings.Index(base[at:], ".so")
		if i < 0 {
			break
		}
		end := at + i + 3
		if end == len(base) || base[end] == '.' {
			base = base[:at+i]
			break
		}
		at += i + 1
	}
	if base == "" {
		return "[unknown]"
	}
	return base
}

type kernelRow struct {
	area, protocol, direction string
	entries                   []string
}

var kernelRows = []kernelRow{
	{"network", "tcp", "write", strings.Fields("tcp_sendmsg tcp_sendpage tcp_write_xmit tcp_push __tcp_transmit_skb tcp_splice")},
	{"network", "tcp", "read", strings.Fields("tcp_recvmsg tcp_read_sock tcp_rcv_established tcp_v4_rcv tcp_v6_rcv tcp_data_queue")},
	{"network", "udp", "write", strings.Fields("udp_sendmsg udpv6_sendmsg udp_send_skb")},
	{"network", "udp", "read", strings.Fields("udp_recvmsg udpv6_recvmsg udp_rcv udpv6_rcv __udp4_lib_rcv __udp6_lib_rcv")},
	{"ipc", "", "write", strings.Fields("pipe_write unix_stream_sendmsg unix_dgram_sendmsg eventfd_write do_mq_timedsend")},
	{"ipc", "", "read", strings.Fields("pipe_read unix_stream_recvmsg unix_stream_read_generic unix_dgram_recvmsg eventfd_read do_mq_timedreceive")},
	{"network", "other", "write", strings.Fields("sock_sendmsg sock_write_iter __sys_sendto __sys_sendmsg __dev_queue_xmit dev_queue_xmit ip_output ip6_output ip_finish_output")},
	{"network", "other", "read", strings.Fields("sock_recvmsg sock_read_iter __sys_recvfrom __sys_recvmsg net_rx_action __netif_receive_skb ip_rcv ipv6_rcv napi_")},
	{"disk", "", "write", strings.Fields("vfs_write vfs_writev generic_perform_write iomap_file_buffered_write *_file_write_iter blkdev_write_iter vfs_fsync do_fsync filemap_write")},
	{"disk", "", "read", strings.Fields("vfs_read vfs_readv filemap_read filemap_fault *_file_read_iter blkdev_read_iter page_cache_ra ondemand_readahead")},
	{"disk", "", "", strings.Fields("btrfs_ ext4_ xfs_ f2fs_ nfs_ fuse_ jbd2_ submit_bio __submit_bio blk_mq_")},
	{"memory", "", "", strings.Fields("handle_mm_fault __handle_mm_fault do_anonymous_page exc_page_fault do_user_addr_fault __alloc_pages alloc_pages kmem_cache_alloc __kmalloc kfree do_mmap mmap_region __vm_munmap do_madvise do_brk_flags shrink_ kswapd try_to_free_pages compact_ clear_page evict_folios lru_gen_ balance_pgdat")},
	{"synchronization", "", "", strings.Fields("futex_ do_futex __futex rwsem_ down_read down_write __mutex_lock mutex_lock _raw_spin_lock queued_spin_lock_slowpath synchronize_rcu")},
}

var syscallPrefixes = strings.Fields("__x64_sys_ __arm64_sys_ __ia32_sys_ __x64_compat_sys_ __ia32_compat_sys_ __se_sys_ __do_sys_")

func oneOf(s, list string) bool {
	for _, f := range strings.Fields(list) {
		if s == f {
			return true
		}
	}
	return false
}

// kernelLabels classifies kernel frame names, leaf first.
func kernelLabels(names []string) map[string]string {
	looked := len(names)
	syscall := ""
	for i, name := range names {
		name, _, _ = strings.Cut(name, ".")
		for _, prefix := range syscallPrefixes {
			if rest, ok := strings.CutPrefix(name, prefix); ok && syscall == "" && rest != "" {
				syscall, looked = rest, i+1
			}
		}
		if syscall != "" {
			break
		}
	}
	area, protocol, direction := "other", "", ""
	matched := false
	for _, row := range kernelRows {
		for _, name := range names[:looked] {
			name, _, _ = strings.Cut(name, ".")
			for _, entry := range row.entries {
				if sub, ok := strings.CutPrefix(entry, "*"); (ok && strings.Contains(name, sub)) || (!ok && strings.HasPrefix(name, entry)) {
					matched = true
				}
			}
		}
		if matched {
			area, protocol, direction = row.area, row.protocol, row.direction
			break
		}
	}
	if !matched && oneOf(syscall, "futex futex_waitv sched_yield") {
		area = "synchronization"
	} else if !matched && oneOf(syscall, "mmap munmap mprotect madvise brk mremap") {
		area = "memory"
	}
	if direction == "" && oneOf(syscall, "read readv pread64 preadv preadv2 recvfrom recvmsg recvmmsg") {
		direction = "read"
	} else if direction == "" && oneOf(syscall, "write writev pwrite64 pwritev pwritev2 sendto sendmsg sendmmsg sendfile64") {
		direction = "write"
	}
	labels := map[string]string{"profile.kernel.area": area}
	for k, v := range map[string]string{"profile.kernel.protocol": protocol, "profile.kernel.direction": direction, "profile.kernel.syscall": syscall} {
		if v != "" {
			labels[k] = v
		}
	}
	return labels
}

func goPackageName(name string) string {
	name, _, _ = strings.Cut(name, "[")
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot <= 0 && slash < 0 {
		return "[unknown]"
	}
	if dot < 0 {
		return "[unknown]"
	}
	return name[:slash+1+dot]
}

// ---- the expected values ----------------------------------------------------

// frameType is the profile.frame.type of a location, "[unknown]" without one.
func (c *converter) frameType(loc pprofile.Location) string {
	if v, ok := c.stringAttribute(loc.AttributeIndices(), "profile.frame.type"); ok && v != "" {
		return v
	}
	return "[unknown]"
}

// eachKeptSample calls visit for every sample that feeds a base metric of
// the measures asked for, as classify() and the README's exclusions say.
func (c *converter) eachKeptSample(pd pprofile.Profiles, want map[measure]bool,
	visit func(res pcommon.Resource, p pprofile.Profile, s pprofile.Sample, m measure, value int64)) {
	for _, rp := range pd.ResourceProfiles().All() {
		for _, sp := range rp.ScopeProfiles().All() {
			direct, hasInuse := false, false
			for _, p := range sp.Profiles().All() {
				m, _, countBased, ok := c.classify(p)
				direct = direct || (ok && m == cpu && !countBased)
				hasInuse = hasInuse || (ok && (m == inuse || m == inuseObjects))
			}
			for _, p := range sp.Profiles().All() {
				m, factor, countBased, ok := c.classify(p)
				sinceStart := hasInuse && p.DurationNano() == 0 && (m == memory || m == allocations)
				if !ok || !want[m] || (countBased && direct) || sinceStart {
					continue
				}
				for _, s := range p.Samples().All() {
					if value := sampleValue(s) * factor; value != 0 {
						visit(rp.Resource(), p, s, m, value)
					}
				}
			}
		}
	}
}

func expectedBreakdowns(pd pprofile.Profiles, want map[measure]bool) sums {
	c := &converter{dict: pd.Dictionary(), strings: pd.Dictionary().StringTable()}
	out := sums{}
	c.eachKeptSample(pd, want, func(_ pcommon.Resource, _ pprofile.Profile, s pprofile.Sample, m measure, value int64) {
		suffix := measureSuffix[m]
		locations := c.dict.StackTable().At(int(s.StackIndex())).LocationIndices()
		if locations.Len() == 0 {
			out[labelText("profile.frame_type."+suffix, map[string]string{"profile.frame.type": "[unknown]"})] += value
			return
		}
		leaf := c.dict.LocationTable().At(int(locations.At(0)))
		typ := c.frameType(leaf)
		out[labelText("profile.frame_type."+suffix, map[string]string{"profile.frame.type": typ})] += value
		switch typ {
		case "native":
			file := c.str(c.dict.MappingTable().At(int(leaf.MappingIndex())).FilenameStrindex())
			out[labelText("profile.library."+suffix, map[string]string{"profile.frame.library": libraryName(file)})] += value
		case "kernel":
			var names []string
			for i := 0; i < locations.Len(); i++ {
				loc := c.dict.LocationTable().At(int(locations.At(i)))
				if c.frameType(loc) != "kernel" {
					break
				}
				for _, line := range loc.Lines().All() {
					names = append(names, c.str(c.dict.FunctionTable().At(int(line.FunctionIndex())).NameStrindex()))
				}
			}
			out[labelText("profile.kernel."+suffix, kernelLabels(names))] += value
		case "go":
			name := ""
			if leaf.Lines().Len() > 0 {
				name = c.str(c.dict.FunctionTable().At(int(leaf.Lines().At(0).FunctionIndex())).NameStrindex())
			}
			out[labelText("profile.package."+suffix, map[string]string{"profile.frame.package": goPackageName(name)})] += value
		}
	})
	return out
}

func expectedRules(pd pprofile.Profiles, rules []testRule) sums {
	c := &converter{dict: pd.Dictionary(), strings: pd.Dictionary().StringTable()}
	out := sums{}
	for _, rule := range rules {
		pattern := regexp.MustCompile(strings.Join(rule.Functions, "|"))
		want := map[measure]bool{cpu: len(rule.Types) == 0}
		for _, t := range rule.Types {
			want[map[string]measure{"cpu": cpu, "off_cpu": offCPU}[t]] = true
		}
		c.eachKeptSample(pd, want, func(res pcommon.Resource, p pprofile.Profile, s pprofile.Sample, _ measure, value int64) {
			locations := c.dict.StackTable().At(int(s.StackIndex())).LocationIndices()
			matched := false
			for i := 0; i < locations.Len() && !matched; i++ {
				loc := c.dict.LocationTable().At(int(locations.At(i)))
				if rule.Mode == "self" {
					matched = pattern.MatchString(c.leafName(loc))
					break
				}
				if loc.Lines().Len() == 0 {
					matched = pattern.MatchString(c.mappingName(loc))
				}
				for _, line := range loc.Lines().All() {
					matched = matched || pattern.MatchString(c.functionName(loc, line))
				}
			}
			if !matched {
				return
			}
			labels := map[string]string{}
			for k, v := range rule.Attrs {
				labels[k] = v
			}
			for _, key := range rule.GroupBy {
				if v, found, _ := c.pointAttribute(s, p, res, key); found {
					labels[key] = v
				}
			}
			out[labelText(rule.Name, labels)] += value
		})
	}
	return out
}

// ---- ptm's values ----------------------------------------------------------

func ptmConvert(t *testing.T, config string, input []byte) pmetric.Metrics {
	t.Helper()
	ptm := filepath.Join(repoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	file := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ptm, "-c", file, "-f", "otlp")
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm: %v: %s", err, stderr.String())
	}
	md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(out)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// pointValue is a point's value in ns (seconds metrics) or as is.
func pointValue(m pmetric.Metric, p pmetric.NumberDataPoint) int64 {
	if p.ValueType() == pmetric.NumberDataPointValueTypeDouble {
		if m.Unit() == "s" {
			return int64(math.Round(p.DoubleValue() * 1e9))
		}
		return int64(math.Round(p.DoubleValue()))
	}
	return p.IntValue()
}

// ptmSums sums ptm's points of the metrics keep selects by the attributes
// keys gives for the metric (over resources and other attributes).
func ptmSums(md pmetric.Metrics, keys func(metric string) ([]string, bool)) sums {
	out := sums{}
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				wanted, ok := keys(m.Name())
				// Gauges and since-start (cumulative) sums are not broken down.
				if !ok || m.Type() != pmetric.MetricTypeSum ||
					m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityDelta {
					continue
				}
				for _, p := range m.Sum().DataPoints().All() {
					labels := map[string]string{}
					for _, k := range wanted {
						if v, found := p.Attributes().Get(k); found {
							labels[k] = v.AsString()
						}
					}
					if v, overflow := p.Attributes().Get("otel.metric.overflow"); overflow && v.Bool() {
						labels["otel.metric.overflow"] = "true"
					}
					out[labelText(m.Name(), labels)] += pointValue(m, p)
				}
			}
		}
	}
	return out
}

func breakdownKeys(metric string) ([]string, bool) {
	for kind, keys := range breakdownLabelKeys {
		if strings.HasPrefix(metric, "profile."+kind+".") {
			return keys, true
		}
	}
	if strings.HasPrefix(metric, "profile.") && !strings.HasPrefix(metric, "profile.function.") {
		return nil, true // a base metric: its total
	}
	return nil, false
}

func compareSums(t *testing.T, got, want sums, only func(key string) bool) {
	t.Helper()
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s: ptm %d, expected %d", key, got[key], value)
		}
	}
	for key, value := range got {
		if _, ok := want[key]; !ok && only(key) {
			t.Errorf("%s: ptm %d, expected no point", key, value)
		}
	}
}

// total is the sum of the entries of s whose key starts with prefix and
// contains every one of parts.
func total(s sums, prefix string, parts ...string) int64 {
	var sum int64
	for key, value := range s {
		ok := strings.HasPrefix(key, prefix)
		for _, part := range parts {
			ok = ok && strings.Contains(key, part)
		}
		if ok {
			sum += value
		}
	}
	return sum
}

var breakdownInputs = []string{
	filepath.Join("tests", "fixtures", "cpu-ebpf.pb"),
	filepath.Join("tests", "fixtures", "cpu-pprof.pb"),
	filepath.Join("tests", "fixtures", "memory.pb"),
	filepath.Join("..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-offcpu.pb"),
}

func readProfiles(t *testing.T, path string) ([]byte, pprofile.Profiles, bool) {
	data, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Logf("skipped %s: %v", path, err)
		return nil, pprofile.Profiles{}, false
	}
	pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
	if err != nil {
		t.Fatal(err)
	}
	return data, pd, true
}

func TestBreakdownsAgreeWithPtm(t *testing.T) {
	config := `{"breakdowns": {"frame_type": true, "library": true, "kernel": true, "package": true,
	            "measures": ["cpu", "off_cpu", "memory"]}}`
	seen := map[string]bool{}
	for _, path := range breakdownInputs {
		data, pd, ok := readProfiles(t, path)
		if !ok {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			got := ptmSums(ptmConvert(t, config, data), breakdownKeys)
			want := expectedBreakdowns(pd, map[measure]bool{cpu: true, offCPU: true, memory: true})
			// Package points of other runtimes than Go are checked by their sum only.
			compareSums(t, got, want, func(key string) bool {
				return strings.HasPrefix(key, "profile.frame_type.") || strings.HasPrefix(key, "profile.library.") ||
					strings.HasPrefix(key, "profile.kernel.")
			})
			for m, suffix := range measureSuffix {
				base := total(got, baseMetricName(m)+"{")
				if frameTypes := total(got, "profile.frame_type."+suffix+"{"); frameTypes != base {
					t.Errorf("%s: frame_type sums to %d, the base metric to %d", suffix, frameTypes, base)
				}
				pairs := map[string][]string{
					"profile.library." + suffix + "{": {"profile.frame.type=native"},
					"profile.kernel." + suffix + "{":  {"profile.frame.type=kernel"},
				}
				for prefix, types := range pairs {
					if sum, of := total(got, prefix), total(got, "profile.frame_type."+suffix+"{", types...); sum != of {
						t.Errorf("%s sums to %d, its frame_type point to %d", prefix, sum, of)
					}
				}
				var managed int64
				for _, typ := range []string{"go", "jvm", "dotnet", "cpython", "v8js"} {
					managed += total(got, "profile.frame_type."+suffix+"{", "profile.frame.type="+typ+"}")
				}
				if sum := total(got, "profile.package."+suffix+"{"); sum != managed {
					t.Errorf("package.%s sums to %d, its managed frame_type points to %d", suffix, sum, managed)
				}
			}
			for key := range want {
				seen[strings.SplitN(key, ".", 3)[1]] = true
			}
		})
	}
	if _, err := os.Stat(filepath.Join(repoRoot, breakdownInputs[3])); err == nil {
		for _, kind := range []string{"frame_type", "library", "kernel", "package"} {
			if !seen[kind] {
				t.Errorf("no %s point expected from the inputs: the real capture has kernel, native and go leaves", kind)
			}
		}
	}
}

func baseMetricName(m measure) string {
	for _, def := range metricDefs {
		if def.measure == m && def.function == "" {
			return def.name
		}
	}
	panic(fmt.Sprint("no base metric for measure ", m))
}

func rulesConfig(t *testing.T, rules []testRule, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"rules": [`)
	for i, r := range rules {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"metric_name": %q, "functions": [%q], "mode": %q`, r.Name, r.Functions[0], r.Mode)
		if len(r.GroupBy) > 0 {
			fmt.Fprintf(&b, `, "group_by": [%q]`, r.GroupBy[0])
		}
		for k, v := range r.Attrs {
			fmt.Fprintf(&b, `, "attributes": {%q: %q}`, k, v)
		}
		if len(r.Types) > 0 {
			fmt.Fprintf(&b, `, "sample_types": ["%s"]`, strings.Join(r.Types, `", "`))
		}
		b.WriteString("}")
	}
	b.WriteString("]" + extra + "}")
	return b.String()
}

// ruleKeys gives, for each rule metric, the attributes the rule sets.
func ruleKeys(rules []testRule) func(string) ([]string, bool) {
	return func(metric string) ([]string, bool) {
		for _, r := range rules {
			if r.Name == metric {
				keys := append([]string{}, r.GroupBy...)
				for k := range r.Attrs {
					keys = append(keys, k)
				}
				return keys, true
			}
		}
		return nil, false
	}
}

var tenRules = []testRule{
	{Name: "r.runtime", Functions: []string{`^runtime\.`}, Mode: "inclusive"},
	{Name: "r.futex", Functions: []string{`futex`}, Mode: "inclusive", Types: []string{"cpu", "off_cpu"}},
	{Name: "r.schedule.self", Functions: []string{`schedule`}, Mode: "self", Types: []string{"off_cpu"}},
	{Name: "r.main", Functions: []string{`^main\.`}, Mode: "self"},
	{Name: "r.syscall", Functions: []string{`syscall|sys_`}, Mode: "inclusive", GroupBy: []string{"thread.name"}},
	{Name: "r.libc", Functions: []string{`^libc`}, Mode: "self", Attrs: map[string]string{"team": "native"}},
	{Name: "r.nothing", Functions: []string{`no-such-function`}, Mode: "inclusive"},
	{Name: "r.kernel.entry", Functions: []string{`^entry_SYSCALL`}, Mode: "inclusive", Types: []string{"off_cpu"}},
	{Name: "r.do", Functions: []string{`^do_`}, Mode: "self", Types: []string{"cpu", "off_cpu"}},
	{Name: "r.wait", Functions: []string{`sleep|wait`}, Mode: "inclusive", GroupBy: []string{"process.executable.name"}, Types: []string{"off_cpu"}},
}

func TestRulesAgreeWithPtm(t *testing.T) {
	nonEmpty := 0
	for _, path := range breakdownInputs {
		data, pd, ok := readProfiles(t, path)
		if !ok {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			got := ptmSums(ptmConvert(t, rulesConfig(t, tenRules, ""), data), ruleKeys(tenRules))
			want := expectedRules(pd, tenRules)
			compareSums(t, got, want, func(string) bool { return true })
			nonEmpty += len(want)
		})
	}
	if nonEmpty < 5 {
		t.Errorf("only %d rule points expected: the inputs should match most rules", nonEmpty)
	}
}

// builtProfile is a request of one cpu/nanoseconds profile whose stacks are
// function names, leaf first; sample i has value values[i] and the
// attribute attrs[i] (key "tenant"; "" for none). The profile carries
// tenant=profile-level when profileTenant, the resource tenant=resource-level.
func builtProfile(t *testing.T, stacks [][]string, values []int64, attrs []string, profileTenant bool) []byte {
	t.Helper()
	pd := pprofile.NewProfiles()
	dict := pd.Dictionary()
	strs := dict.StringTable()
	strs.Append("")
	index := map[string]int32{"": 0}
	str := func(s string) int32 {
		if i, ok := index[s]; ok {
			return i
		}
		index[s] = int32(strs.Len())
		strs.Append(s)
		return index[s]
	}
	dict.MappingTable().AppendEmpty()
	dict.LocationTable().AppendEmpty()
	dict.FunctionTable().AppendEmpty()
	dict.StackTable().AppendEmpty()
	dict.AttributeTable().AppendEmpty()
	dict.LinkTable().AppendEmpty()
	functions := map[string]int32{}
	location := func(name string) int32 {
		if i, ok := functions[name]; ok {
			return i
		}
		f := dict.FunctionTable().AppendEmpty()
		f.SetNameStrindex(str(name))
		l := dict.LocationTable().AppendEmpty()
		l.Lines().AppendEmpty().SetFunctionIndex(int32(dict.FunctionTable().Len() - 1))
		functions[name] = int32(dict.LocationTable().Len() - 1)
		return functions[name]
	}
	attribute := func(value string) int32 {
		a := dict.AttributeTable().AppendEmpty()
		a.SetKeyStrindex(str("tenant"))
		a.Value().SetStr(value)
		return int32(dict.AttributeTable().Len() - 1)
	}
	rp := pd.ResourceProfiles().AppendEmpty()
	rp.Resource().Attributes().PutStr("tenant", "resource-level")
	p := rp.ScopeProfiles().AppendEmpty().Profiles().AppendEmpty()
	p.SampleType().SetTypeStrindex(str("cpu"))
	p.SampleType().SetUnitStrindex(str("nanoseconds"))
	p.SetTime(pcommon.Timestamp(1_700_000_000_000_000_000))
	p.SetDurationNano(1_000_000_000)
	if profileTenant {
		p.AttributeIndices().Append(attribute("profile-level"))
	}
	for i, frames := range stacks {
		stack := dict.StackTable().AppendEmpty()
		for _, name := range frames {
			stack.LocationIndices().Append(location(name))
		}
		s := p.Samples().AppendEmpty()
		s.SetStackIndex(int32(dict.StackTable().Len() - 1))
		s.Values().Append(values[i])
		if attrs != nil && attrs[i] != "" {
			s.AttributeIndices().Append(attribute(attrs[i]))
		}
	}
	data, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(pd)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRuleRecursionCountedOnce(t *testing.T) {
	stacks := [][]string{{"f", "g", "f", "main"}, {"f", "f", "f"}, {"g", "main"}}
	values := []int64{10, 20, 40}
	rules := []testRule{
		{Name: "f.inclusive", Functions: []string{`^f$`}, Mode: "inclusive"},
		{Name: "f.self", Functions: []string{`^f$`}, Mode: "self"},
		{Name: "g.inclusive", Functions: []string{`^g$`}, Mode: "inclusive"},
		{Name: "main.inclusive", Functions: []string{`^main$`}, Mode: "inclusive"},
	}
	data := builtProfile(t, stacks, values, nil, false)
	pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
	if err != nil {
		t.Fatal(err)
	}
	got := ptmSums(ptmConvert(t, rulesConfig(t, rules, ""), data), ruleKeys(rules))
	compareSums(t, got, expectedRules(pd, rules), func(string) bool { return true })
	// And by hand: a stack counts once however often f recurses in it.
	for name, want := range map[string]int64{"f.inclusive{}": 30, "f.self{}": 30, "g.inclusive{}": 50, "main.inclusive{}": 50} {
		if got[name] != want {
			t.Errorf("%s: ptm %d ns, expected %d", name, got[name], want)
		}
	}
}

func TestRuleGroupBy(t *testing.T) {
	stacks := [][]string{{"f"}, {"f"}, {"f", "main"}, {"f"}}
	values := []int64{1, 2, 4, 8}
	attrs := []string{"a", "b", "a", ""}
	rules := []testRule{
		{Name: "by.tenant", Functions: []string{`^f$`}, Mode: "inclusive", GroupBy: []string{"tenant"}, Attrs: map[string]string{"team": "t1"}},
		{Name: "by.missing", Functions: []string{`^f$`}, Mode: "self", GroupBy: []string{"no.such.key"}},
	}
	for _, profileTenant := range []bool{true, false} {
		data := builtProfile(t, stacks, values, attrs, profileTenant)
		pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
		if err != nil {
			t.Fatal(err)
		}
		// copy_resource_attributes [] so that the resource's tenant is the rule's to find, not a copied one.
		got := ptmSums(ptmConvert(t, rulesConfig(t, rules, `, "copy_resource_attributes": []`), data), ruleKeys(rules))
		want := expectedRules(pd, rules)
		compareSums(t, got, want, func(string) bool { return true })
		fallback := map[bool]string{true: "profile-level", false: "resource-level"}[profileTenant]
		for key, value := range map[string]int64{
			"by.tenant{team=t1,tenant=a}": 5, "by.tenant{team=t1,tenant=b}": 2,
			"by.tenant{team=t1,tenant=" + fallback + "}": 8, "by.missing{}": 15,
		} {
			if got[key] != value {
				t.Errorf("profile tenant %v: %s: ptm %d, expected %d", profileTenant, key, got[key], value)
			}
		}
	}
}

func TestRuleCardinalityLimit(t *testing.T) {
	stacks := [][]string{{"f"}, {"f"}, {"f"}, {"f"}, {"f"}}
	values := []int64{1, 2, 4, 8, 16}
	attrs := []string{"a", "b", "c", "d", "e"}
	rules := []testRule{{Name: "by.tenant", Functions: []string{`^f$`}, Mode: "self", GroupBy: []string{"tenant"}}}
	data := builtProfile(t, stacks, values, attrs, false)
	md := ptmConvert(t, rulesConfig(t, rules, `, "cardinality_limit": 2, "copy_resource_attributes": []`), data)
	got := ptmSums(md, ruleKeys(rules))
	if len(got) != 3 || got["by.tenant{otel.metric.overflow=true}"] == 0 {
		t.Errorf("want 2 points and an overflow point, got %v", got)
	}
	if sum := total(got, "by.tenant{"); sum != 31 {
		t.Errorf("total with the limit %d, want 31", sum)
	}
}
