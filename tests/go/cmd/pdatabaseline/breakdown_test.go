// breakdown_test.go: ptm's breakdown metrics and recording-rule metrics
// (docs/metrics.md, "Breakdowns and recording rules") against the values computed
// here, independently, from pdata's reading of the same input. The samples
// are the ones this package's baseline counts for a measure (convert.go's
// classify(), the count-based CPU twin skipped when its scope has a direct
// one, value 0 dropped); the frame naming of rules is convert.go's
// (leafName, functionName, mappingName). The naming rules of the library,
// kernel and package breakdowns are implemented below from their contract's
// text, not from src/frame_names.c.
//
// Design: the expected side is a map from a series key (metric name and the
// attributes the test looks at, sorted) to its value in ns or bytes; ptm's
// OTLP protobuf output is read with pmetric into a flat list of points and
// projected onto the same keys (summed over resources and over the other
// attributes), then the two maps must be equal. Besides, ptm's own output
// must be self-consistent: frame_type partitions the base metric per
// resource, library/kernel/package partition their frame_type points, and a
// rule never exceeds the base metrics it counts.
//
// Inputs: the fixtures, the real eBPF capture (every fed sample of it has a
// kernel leaf), the same capture with each stack's leading kernel frames
// cut (so its native and Go frames are leaves), and the real 189-request
// JSON Lines capture (one ptm run over many requests). Built profiles: every
// naming example of the contract as a leaf frame (TestBreakdownsOfBuiltFrames),
// recursion, the group_by lookup order and the cardinality limit of rules.
package main

import (
	"bytes"
	"encoding/json"
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

	"profiletometrics/tests/go/internal/pprofconv"
)

// ---------------------------------------------------------------------------
// The naming rules (frame_library, kernel_classify, frame_package).

const (
	unknownFrame     = "[unknown]"
	frameTypeKey     = "profile.frame.type"
	defaultRuleDescr = "Recording rule over profile stacks"
)

// frameLibrary: a mapping file name's base name, less " (deleted)" and a
// ".so" suffix (at the end, or followed by '.') with what follows.
func frameLibrary(file string) string {
	file = strings.TrimSuffix(file, " (deleted)")
	base := file[strings.LastIndexByte(file, '/')+1:]
	for from := 0; ; {
		i := strings.Index(base[from:], ".so")
		if i < 0 {
			break
		}
		at := from + i
		if end := at + 3; end == len(base) || base[end] == '.' {
			base = base[:at]
			break
		}
		from = at + 1
	}
	if base == "" {
		return unknownFrame
	}
	return base
}

type kernelClass struct{ area, protocol, direction, syscall string }

type kernelRow struct {
	area, protocol, direction string
	entries                   []string // "*x": substring x; else a prefix
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
	{"disk", "", "write", strings.Fields("vfs_write vfs_writev generic_perform_write iomap_file_buffered_write *_file_write_iter blkdev_write_iter vfs_fsync do_fsync filemap_write do_writepages *_writepages writeback_ wb_writeback __writeback_")},
	{"disk", "", "read", strings.Fields("vfs_read vfs_readv filemap_read filemap_fault *_file_read_iter blkdev_read_iter page_cache_ra ondemand_readahead")},
	{"disk", "", "", strings.Fields("btrfs_ ext4_ xfs_ f2fs_ nfs_ fuse_ jbd2_ submit_bio __submit_bio blk_mq_")},
	{"memory", "", "", strings.Fields("handle_mm_fault __handle_mm_fault do_anonymous_page exc_page_fault do_user_addr_fault __alloc_pages alloc_pages kmem_cache_alloc __kmalloc kfree do_mmap mmap_region __vm_munmap do_madvise do_brk_flags shrink_ kswapd try_to_free_pages compact_ clear_page evict_folios lru_gen_ balance_pgdat")},
	{"synchronization", "", "", strings.Fields("futex_ do_futex __futex rwsem_ down_read down_write __mutex_lock mutex_lock _raw_spin_lock queued_spin_lock_slowpath synchronize_rcu")},
}

var syscallPrefixes = []string{"__x64_sys_", "__arm64_sys_", "__ia32_sys_", "__x64_compat_sys_", "__ia32_compat_sys_", "__se_sys_", "__do_sys_", "ksys_", "__sys_"}

var (
	syscallArea = map[string]string{
		"futex": "synchronization", "futex_waitv": "synchronization", "sched_yield": "synchronization",
		"mmap": "memory", "munmap": "memory", "mprotect": "memory", "madvise": "memory", "brk": "memory", "mremap": "memory",
	}
	syscallDirection = map[string]string{
		"read": "read", "readv": "read", "pread64": "read", "preadv": "read", "preadv2": "read",
		"recvfrom": "read", "recvmsg": "read", "recvmmsg": "read",
		"write": "write", "writev": "write", "pwrite64": "write", "pwritev": "write", "pwritev2": "write",
		"sendto": "write", "sendmsg": "write", "sendmmsg": "write", "sendfile64": "write",
	}
)

func (r kernelRow) matches(name string) bool {
	for _, e := range r.entries {
		if sub, ok := strings.CutPrefix(e, "*"); ok {
			if strings.Contains(name, sub) {
				return true
			}
		} else if strings.HasPrefix(name, e) {
			return true
		}
	}
	return false
}

// kernelClassify: names are the kernel frames' function names, leaf first.
func kernelClassify(names []string) kernelClass {
	var k kernelClass
	looked := make([]string, 0, len(names))
	for _, n := range names {
		if i := strings.IndexByte(n, '.'); i >= 0 {
			n = n[:i]
		}
		looked = append(looked, n)
		if sys, ok := syscallOf(n); ok {
			k.syscall = sys
			break
		}
	}
	matched := false
	for _, row := range kernelRows {
		for _, n := range looked {
			if row.matches(n) {
				k.area, k.protocol, k.direction, matched = row.area, row.protocol, row.direction, true
				break
			}
		}
		if matched {
			break
		}
	}
	if !matched {
		k.area = syscallArea[k.syscall]
		if k.area == "" {
			k.area = "other"
		}
	}
	if k.direction == "" {
		k.direction = syscallDirection[k.syscall]
	}
	if k.area != "network" {
		k.protocol = ""
	}
	return k
}

func syscallOf(name string) (string, bool) {
	for _, p := range syscallPrefixes {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest, true
		}
	}
	return "", false
}

// framePackage: ok false when frameType has no package rule.
func framePackage(frameType, function, file string) (string, bool) {
	var pkg string
	switch frameType {
	case "go":
		pkg = goPackage(function)
	case "jvm", "dotnet":
		pkg = classOf(function)
	case "cpython":
		pkg = pythonModule(file)
	case "v8js":
		pkg = nodePackage(file)
	default:
		return "", false
	}
	if pkg == "" {
		return unknownFrame, true
	}
	return pkg, true
}

func goPackage(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	from := strings.LastIndexByte(name, '/') + 1
	dot := strings.IndexByte(name[from:], '.')
	if dot < 0 {
		return ""
	}
	return name[:from+dot]
}

// classOf: a JVM or .NET frame's class. A "$$Lambda" hidden-class suffix is
// cut together with the method after it (the contract's example
// "com.x.Foo$$Lambda$14/0x0000.run" -> "com.x.Foo").
func classOf(name string) string {
	if i := strings.LastIndexByte(name, '!'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, ' '); i >= 0 { // the return type, as the eBPF profiler writes it
		name = name[i+1:]
	}
	if i := strings.Index(name, "$$Lambda"); i >= 0 {
		return name[:i]
	}
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return name[:i]
}

func pythonModule(file string) string {
	if file == "" {
		return ""
	}
	rest := file[strings.LastIndexByte(file, '/')+1:]
	site := max(strings.LastIndex(file, "site-packages/"), strings.LastIndex(file, "dist-packages/"))
	if site >= 0 {
		rest = file[site+len("site-packages/"):]
	} else {
		parts := strings.Split(file, "/")
		for i := len(parts) - 2; i >= 0; i-- {
			p := parts[i]
			if strings.HasPrefix(p, "python") && len(p) > 6 && p[6] >= '0' && p[6] <= '9' {
				rest = strings.Join(parts[i+1:], "/")
				break
			}
		}
	}
	rest = strings.TrimSuffix(rest, ".py")
	return strings.TrimSuffix(rest, "/__init__")
}

func nodePackage(file string) string {
	if i := strings.LastIndex(file, "node_modules/"); i >= 0 {
		parts := strings.SplitN(file[i+len("node_modules/"):], "/", 3)
		if strings.HasPrefix(parts[0], "@") && len(parts) > 1 {
			return parts[0] + "/" + parts[1]
		}
		return parts[0]
	}
	if rest, ok := strings.CutPrefix(file, "node:"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return file[:len("node:")+i]
		}
		return file
	}
	base := file[strings.LastIndexByte(file, '/')+1:]
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	return base
}

// The contract's examples (and a few more), for the rules here and, as
// built frames, for ptm (TestBreakdownsOfBuiltFrames).
var libraryCases = []struct{ file, want string }{
	{"/lib/x86_64-linux-gnu/libc.so.6", "libc"}, {"libglib-2.0.so.0.8600.4", "libglib-2.0"},
	{"ld-linux-x86-64.so.2", "ld-linux-x86-64"}, {"libpython3.11.so.1.0", "libpython3.11"},
	{"/usr/bin/containerd", "containerd"}, {"libfoo.source", "libfoo.source"}, {"/x/libz.so", "libz"},
	{"/usr/lib/libssl.so.3 (deleted)", "libssl"}, {"/opt/lib/libx.so.so.1", "libx"}, {"", unknownFrame},
}

type packageCase struct{ typ, fn, file, want string }

var packageCases = []packageCase{
	{"go", "encoding/json.(*Decoder).Decode", "", "encoding/json"}, {"go", "main.main.func1", "", "main"},
	{"go", "net/http.(*conn).serve.func1", "", "net/http"}, {"go", "github.com/a/b.F[...]", "", "github.com/a/b"},
	{"go", "slices.SortFunc[go.shape.[]string,go.shape.func(string, string) int]", "", "slices"},
	{"go", "gopkg.in/yaml%2ev3.(*decoder).unmarshal", "", "gopkg.in/yaml%2ev3"}, {"go", "runtime.mcall", "", "runtime"},
	{"go", "internal/runtime/syscall.Syscall6", "", "internal/runtime/syscall"}, {"go", "nodot", "", unknownFrame},
	{"jvm", "java/util/HashMap.get", "", "java/util/HashMap"}, {"jvm", "java.util.HashMap.get", "", "java.util.HashMap"},
	{"jvm", "com.x.Foo$$Lambda$14/0x0000.run", "", "com.x.Foo"}, {"jvm", "a.Outer$Inner.m(I)V", "", "a.Outer$Inner"},
	{"jvm", "nodot", "", unknownFrame},
	{"jvm", "void java.lang.AbstractStringBuilder.appendChars(java.lang.String, int, int)", "", "java.lang.AbstractStringBuilder"},
	{"jvm", "java.util.Map<java.lang.String, java.lang.Object> a.B.m()", "", "a.B"},
	{"dotnet", "System.Private.CoreLib!System.Threading.Thread.StartCallback()", "", "System.Threading.Thread"},
	{"dotnet", "System.Collections.Generic.Dictionary`2.TryInsert", "", "System.Collections.Generic.Dictionary`2"},
	{"cpython", "f", "/usr/lib/python3.11/json/decoder.py", "json/decoder"},
	{"cpython", "f", "/app/.venv/lib/python3.12/site-packages/requests/sessions.py", "requests/sessions"},
	{"cpython", "f", "/usr/lib/python3/dist-packages/yaml/__init__.py", "yaml"}, {"cpython", "f", "/srv/app.py", "app"},
	{"cpython", "f", "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap>"}, {"cpython", "f", "", unknownFrame},
	{"v8js", "f", "/srv/node_modules/express/lib/router.js", "express"},
	{"v8js", "f", "/srv/node_modules/a/node_modules/@scope/pkg/x.js", "@scope/pkg"},
	{"v8js", "f", "node:internal/process/task_queues", "node:internal"}, {"v8js", "f", "node:fs", "node:fs"},
	{"v8js", "f", "file:///srv/app/server.mjs", "server"}, {"v8js", "f", "", unknownFrame},
}

var kernelCases = []struct {
	names []string
	want  kernelClass
}{
	{strings.Fields("finish_task_switch.isra.0 __schedule schedule futex_do_wait __futex_wait futex_wait do_futex __x64_sys_futex do_syscall_64"), kernelClass{"synchronization", "", "", "futex"}},
	{strings.Fields("finish_task_switch.isra.0 __schedule schedule schedule_hrtimeout_range_clock poll_schedule_timeout.constprop.0 do_poll.constprop.0 do_sys_poll __x64_sys_ppoll"), kernelClass{"other", "", "", "ppoll"}},
	{strings.Fields("copy_user_generic _copy_from_iter tcp_sendmsg_locked tcp_sendmsg sock_sendmsg sock_write_iter vfs_write ksys_write __x64_sys_write"), kernelClass{"network", "tcp", "write", "write"}},
	{strings.Fields("_raw_spin_lock tcp_sendmsg"), kernelClass{"network", "tcp", "write", ""}},
	{strings.Fields("clear_page_erms do_anonymous_page __handle_mm_fault handle_mm_fault exc_page_fault"), kernelClass{"memory", "", "", ""}},
	{strings.Fields("pipe_write vfs_write ksys_write __x64_sys_write"), kernelClass{"ipc", "", "write", "write"}},
	{strings.Fields("btrfs_search_slot __x64_sys_pwrite64"), kernelClass{"disk", "", "write", "pwrite64"}},
	{strings.Fields("foo __x64_sys_getpid tcp_sendmsg"), kernelClass{"other", "", "", "getpid"}},
	{strings.Fields("ext4_file_write_iter"), kernelClass{"disk", "", "write", ""}},
	{strings.Fields("schedule __x64_sys_mmap"), kernelClass{"memory", "", "", "mmap"}},
	{strings.Fields("napi_poll.cold net_rx_action __do_softirq"), kernelClass{"network", "other", "read", ""}},
	{strings.Fields("udp_sendmsg.constprop.1 __arm64_sys_sendmmsg"), kernelClass{"network", "udp", "write", "sendmmsg"}},
	{strings.Fields("schedule __do_sys_recvmmsg"), kernelClass{"other", "", "read", "recvmmsg"}},
	{strings.Fields("ext4_writepages do_writepages __writeback_single_inode writeback_sb_inodes __writeback_inodes_wb wb_writeback wb_workfn process_one_work"), kernelClass{"disk", "", "write", ""}},
	{strings.Fields("pipe_read vfs_read ksys_read"), kernelClass{"ipc", "", "read", "read"}},
	{strings.Fields("copy_user_generic filemap_read vfs_read ksys_pread64"), kernelClass{"disk", "", "read", "pread64"}},
	{nil, kernelClass{"other", "", "", ""}},
}

func TestBreakdownNamingRules(t *testing.T) {
	for _, c := range libraryCases {
		if got := frameLibrary(c.file); got != c.want {
			t.Errorf("frameLibrary(%q) = %q, want %q", c.file, got, c.want)
		}
	}
	for _, c := range packageCases {
		if got, ok := framePackage(c.typ, c.fn, c.file); !ok || got != c.want {
			t.Errorf("framePackage(%q, %q, %q) = %q, %v; want %q", c.typ, c.fn, c.file, got, ok, c.want)
		}
	}
	for _, typ := range []string{"native", "kernel", "ruby", "Go", ""} {
		if _, ok := framePackage(typ, "a.b", "x.py"); ok {
			t.Errorf("framePackage(%q) should have no package rule", typ)
		}
	}
	for _, c := range kernelCases {
		if got := kernelClassify(c.names); got != c.want {
			t.Errorf("kernelClassify(%v) = %+v, want %+v", c.names, got, c.want)
		}
	}
}

// ---------------------------------------------------------------------------
// The samples that feed each measure's base metric.

var measureNames = map[string]measure{"cpu": cpu, "off_cpu": offCPU, "wall": wall, "memory": memory, "allocations": allocations}

// measureSuffix: the <measure> part of profile.<breakdown>.<measure>.
var measureSuffix = map[measure]string{cpu: "cpu.time", offCPU: "off_cpu.time", wall: "wall.time", memory: "memory.allocated", allocations: "memory.allocations"}

type fedSample struct {
	res   pcommon.Resource
	p     pprofile.Profile
	s     pprofile.Sample
	m     measure
	value int64 // ns or bytes or a count
}

func newTestConverter(pd pprofile.Profiles) *converter {
	return &converter{dict: pd.Dictionary(), strings: pd.Dictionary().StringTable()}
}

// eachFed calls fn for every sample that feeds a base sum metric.
func (c *converter) eachFed(pd pprofile.Profiles, fn func(fedSample)) {
	for _, rp := range pd.ResourceProfiles().All() {
		for _, sp := range rp.ScopeProfiles().All() {
			direct := false
			for _, p := range sp.Profiles().All() {
				if m, _, countBased, ok := c.classify(p); ok && m == cpu && !countBased {
					direct = true
				}
			}
			for _, p := range sp.Profiles().All() {
				m, factor, countBased, ok := c.classify(p)
				if !ok || (countBased && direct) || metricDefs[baseMetric[m]].gauge {
					continue
				}
				for _, s := range p.Samples().All() {
					if v := sampleValue(s) * factor; v != 0 {
						fn(fedSample{rp.Resource(), p, s, m, v})
					}
				}
			}
		}
	}
}

func (c *converter) stackLocations(s pprofile.Sample) []pprofile.Location {
	indices := c.dict.StackTable().At(int(s.StackIndex())).LocationIndices()
	out := make([]pprofile.Location, 0, indices.Len())
	for _, i := range indices.All() {
		out = append(out, c.dict.LocationTable().At(int(i)))
	}
	return out
}

func (c *converter) frameType(loc pprofile.Location) string {
	if typ, ok := c.stringAttribute(loc.AttributeIndices(), frameTypeKey); ok {
		return typ
	}
	return unknownFrame
}

// ---------------------------------------------------------------------------
// Series keys and totals.

// totals: series key (seriesKeyOf) -> value in ns, bytes or a count.
type totals map[string]int64

func seriesKeyOf(metric string, attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(metric)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, attrs[k])
	}
	b.WriteByte('}')
	return b.String()
}

func (t totals) metricTotal(metric string) int64 {
	var sum int64
	for k, v := range t {
		if strings.HasPrefix(k, metric+"{") {
			sum += v
		}
	}
	return sum
}

// expectBreakdowns: every breakdown metric of the measures asked for.
func expectBreakdowns(pd pprofile.Profiles, measures []measure) totals {
	c := newTestConverter(pd)
	want := totals{}
	c.eachFed(pd, func(f fedSample) {
		suffix, counted := measureSuffix[f.m]
		if !counted || !containsMeasure(measures, f.m) {
			return
		}
		locs := c.stackLocations(f.s)
		typ := unknownFrame
		if len(locs) > 0 {
			typ = c.frameType(locs[0])
		}
		want[seriesKeyOf("profile.frame_type."+suffix, map[string]string{frameTypeKey: typ})] += f.value
		switch typ {
		case "native":
			file := c.str(c.dict.MappingTable().At(int(locs[0].MappingIndex())).FilenameStrindex())
			want[seriesKeyOf("profile.library."+suffix, map[string]string{"profile.frame.library": frameLibrary(file)})] += f.value
		case "kernel":
			k := kernelClassify(c.kernelNames(locs))
			attrs := map[string]string{"profile.kernel.area": k.area}
			for key, v := range map[string]string{"profile.kernel.protocol": k.protocol, "profile.kernel.direction": k.direction, "profile.kernel.syscall": k.syscall} {
				if v != "" {
					attrs[key] = v
				}
			}
			want[seriesKeyOf("profile.kernel."+suffix, attrs)] += f.value
		}
		var function, file string
		if len(locs) > 0 && locs[0].Lines().Len() > 0 {
			fn := c.dict.FunctionTable().At(int(locs[0].Lines().At(0).FunctionIndex()))
			function, file = c.str(fn.NameStrindex()), c.str(fn.FilenameStrindex())
		}
		if pkg, ok := framePackage(typ, function, file); ok {
			want[seriesKeyOf("profile.package."+suffix, map[string]string{"profile.frame.package": pkg})] += f.value
		}
	})
	return want
}

// kernelNames: the function names of the kernel frames from the leaf, each
// location's lines in stored order.
func (c *converter) kernelNames(locs []pprofile.Location) []string {
	var names []string
	for _, loc := range locs {
		if c.frameType(loc) != "kernel" {
			break
		}
		for _, line := range loc.Lines().All() {
			names = append(names, c.str(c.dict.FunctionTable().At(int(line.FunctionIndex())).NameStrindex()))
		}
	}
	return names
}

func containsMeasure(ms []measure, m measure) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Recording rules.

type ruleSpec struct {
	MetricName  string            `json:"metric_name"`
	Functions   []string          `json:"functions"`
	Mode        string            `json:"mode,omitempty"`
	GroupBy     []string          `json:"group_by,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	SampleTypes []string          `json:"sample_types,omitempty"`
	Description string            `json:"description,omitempty"`
}

func (r ruleSpec) measures() []measure {
	if len(r.SampleTypes) == 0 {
		return []measure{cpu}
	}
	out := make([]measure, 0, len(r.SampleTypes))
	for _, name := range r.SampleTypes {
		out = append(out, measureNames[name])
	}
	return out
}

// attributeKeys: the point attributes the rule gives.
func (r ruleSpec) attributeKeys() []string {
	keys := append([]string(nil), r.GroupBy...)
	for k := range r.Attributes {
		keys = append(keys, k)
	}
	return keys
}

// copyAll: the resource attributes copied onto points are every scalar one
// but service.* (copy_resource_attributes ["*"], the default); otherwise none.
func expectRules(t *testing.T, pd pprofile.Profiles, rules []ruleSpec, copyAll bool) totals {
	t.Helper()
	return expectRulesWith(t, pd, rules, copyAll, nil)
}

// expectRulesWith: expectRules with the attributes extra gives (when not
// nil) added to each sample's key, e.g. to tell resources apart.
func expectRulesWith(t *testing.T, pd pprofile.Profiles, rules []ruleSpec, copyAll bool, extra func(fedSample) map[string]string) totals {
	t.Helper()
	c := newTestConverter(pd)
	compiled := make([][]*regexp.Regexp, len(rules))
	for i, r := range rules {
		for _, f := range r.Functions {
			compiled[i] = append(compiled[i], regexp.MustCompile(f))
		}
	}
	want := totals{}
	c.eachFed(pd, func(f fedSample) {
		locs := c.stackLocations(f.s)
		for i, r := range rules {
			if !containsMeasure(r.measures(), f.m) || !c.ruleMatches(locs, r.Mode == "self", compiled[i]) {
				continue
			}
			attrs := map[string]string{}
			for _, key := range r.GroupBy {
				if v, ok := c.groupValue(f, key, copyAll); ok {
					attrs[key] = v
				}
			}
			for k, v := range r.Attributes {
				attrs[k] = v
			}
			if extra != nil {
				for k, v := range extra(f) {
					attrs[k] = v
				}
			}
			want[seriesKeyOf(r.MetricName, attrs)] += f.value
		}
	})
	return want
}

func (c *converter) ruleMatches(locs []pprofile.Location, self bool, res []*regexp.Regexp) bool {
	matches := func(name string) bool {
		for _, re := range res {
			if re.MatchString(name) {
				return true
			}
		}
		return false
	}
	if len(locs) == 0 {
		return false
	}
	if self {
		return matches(c.leafName(locs[0]))
	}
	for _, loc := range locs {
		if loc.Lines().Len() == 0 && matches(c.mappingName(loc)) {
			return true
		}
		for _, line := range loc.Lines().All() {
			if matches(c.functionName(loc, line)) {
				return true
			}
		}
	}
	return false
}

func scalarText(v pcommon.Value) (string, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr, pcommon.ValueTypeInt, pcommon.ValueTypeBool, pcommon.ValueTypeDouble:
		return v.AsString(), true
	}
	return "", false
}

func copiedByDefault(res pcommon.Resource, key string) (pcommon.Value, bool) {
	if key == "service.name" || key == "service.namespace" || key == "service.instance.id" {
		return pcommon.Value{}, false
	}
	v, ok := res.Attributes().Get(key)
	if !ok || !copiedType(v.Type()) {
		return pcommon.Value{}, false
	}
	return v, true
}

// groupValue: the first attribute of key on the sample, else the profile,
// else the resource; a key the resource copies onto its points is the
// resource's (docs/metrics.md: the label is left off, the copied value stays).
func (c *converter) groupValue(f fedSample, key string, copyAll bool) (string, bool) {
	if copyAll {
		if v, ok := copiedByDefault(f.res, key); ok {
			return scalarText(v)
		}
	}
	table := c.dict.AttributeTable()
	for _, indices := range []pcommon.Int32Slice{f.s.AttributeIndices(), f.p.AttributeIndices()} {
		for _, i := range indices.All() {
			a := table.At(int(i))
			if c.str(a.KeyStrindex()) != key {
				continue
			}
			if text, ok := scalarText(a.Value()); ok {
				return text, true
			}
		}
	}
	if v, ok := f.res.Attributes().Get(key); ok {
		return scalarText(v)
	}
	return "", false
}

// ---------------------------------------------------------------------------
// ptm and its output.

func ptmBinary(t *testing.T) string {
	t.Helper()
	ptm := filepath.Join(repoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	return ptm
}

// runPtm converts input with config (marshalled to JSON) to OTLP protobuf.
func runPtm(t *testing.T, ptm string, config any, input []byte) pmetric.Metrics {
	t.Helper()
	text, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ptm, "-c", path, "-f", "otlp")
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ptm -c %s: %v: %s", text, err, stderr.String())
	}
	md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(out)
	if err != nil {
		t.Fatalf("ptm's output: %v", err)
	}
	return md
}

type obsPoint struct {
	resource, metric string
	resourceAttrs    pcommon.Map
	attrs            map[string]string // every point attribute, as text
	value            int64             // seconds back to ns
}

// obsMetric: a metric name's kind over every resource it appears in.
type obsMetric struct {
	unit, description string
	sum, monotonic    bool // in every resource
	delta, gauge      bool // delta: every resource; gauge: any
	double, integer   bool // some point has a double / an int value
	conflicts         []string
}

// readPoints flattens md; times (unit s, double) are turned back into ns.
func readPoints(md pmetric.Metrics) ([]obsPoint, map[string]*obsMetric) {
	var points []obsPoint
	metas := map[string]*obsMetric{}
	for _, rm := range md.ResourceMetrics().All() {
		res := seriesKeyOf("resource", attrText(rm.Resource().Attributes()))
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				meta := metas[m.Name()]
				if meta == nil {
					meta = &obsMetric{unit: m.Unit(), description: m.Description(), sum: true, monotonic: true, delta: true}
					metas[m.Name()] = meta
				}
				if m.Unit() != meta.unit || m.Description() != meta.description {
					meta.conflicts = append(meta.conflicts, fmt.Sprintf("unit %q description %q in %s", m.Unit(), m.Description(), res))
				}
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeSum:
					meta.monotonic = meta.monotonic && m.Sum().IsMonotonic()
					meta.delta = meta.delta && m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityDelta
					dps = m.Sum().DataPoints()
				case pmetric.MetricTypeGauge:
					meta.sum, meta.gauge = false, true
					dps = m.Gauge().DataPoints()
				default:
					meta.sum = false
					meta.conflicts = append(meta.conflicts, fmt.Sprintf("type %v in %s", m.Type(), res))
					continue
				}
				for _, dp := range dps.All() {
					p := obsPoint{resource: res, metric: m.Name(), resourceAttrs: rm.Resource().Attributes(), attrs: attrText(dp.Attributes())}
					if dp.ValueType() == pmetric.NumberDataPointValueTypeDouble {
						meta.double = true
						scale := 1.0
						if m.Unit() == "s" {
							scale = 1e9
						}
						p.value = int64(math.Round(dp.DoubleValue() * scale))
					} else {
						meta.integer = true
						p.value = dp.IntValue()
					}
					points = append(points, p)
				}
			}
		}
	}
	return points, metas
}

func attrText(m pcommon.Map) map[string]string {
	out := map[string]string{}
	for k, v := range m.All() {
		out[k] = v.AsString()
	}
	return out
}

// project sums the points of the metrics keysOf wants by the attribute keys
// it names (plus otel.metric.overflow, so an overflow point shows).
func project(points []obsPoint, keysOf func(metric string) ([]string, bool)) totals {
	got := totals{}
	for _, p := range points {
		keys, ok := keysOf(p.metric)
		if !ok {
			continue
		}
		attrs := map[string]string{}
		for _, k := range append(keys, overflowKey) {
			if v, present := p.attrs[k]; present {
				attrs[k] = v
			}
		}
		got[seriesKeyOf(p.metric, attrs)] += p.value
	}
	return got
}

// close enough: seconds went through a double per point.
func closeTo(a, b int64) bool {
	return math.Abs(float64(a-b)) <= 1+1e-12*math.Abs(float64(b))
}

// compareTotals reports every series missing, extra or different; it
// returns how many series want has.
func compareTotals(t *testing.T, what string, want, got totals) int {
	t.Helper()
	keys := map[string]struct{}{}
	for k := range want {
		keys[k] = struct{}{}
	}
	for k := range got {
		keys[k] = struct{}{}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var problems []string
	for _, k := range sorted {
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case !inGot:
			problems = append(problems, fmt.Sprintf("missing %s: want %d", k, w))
		case !inWant:
			problems = append(problems, fmt.Sprintf("unexpected %s: got %d", k, g))
		case !closeTo(g, w):
			problems = append(problems, fmt.Sprintf("%s: got %d, want %d", k, g, w))
		}
	}
	for i, p := range problems {
		if i == 25 {
			t.Errorf("%s: ... %d more differences", what, len(problems)-i)
			break
		}
		t.Errorf("%s: %s", what, p)
	}
	return len(want)
}

// checkMetric: a Sum, delta, monotonic, of the unit and value type of the
// base metric of measure m.
func checkMetric(t *testing.T, name string, meta *obsMetric, m measure) {
	t.Helper()
	unit := metricDefs[baseMetric[m]].unit
	if !meta.sum || meta.gauge || !meta.delta || !meta.monotonic {
		t.Errorf("%s: want a delta monotonic Sum, got %+v", name, *meta)
	}
	if meta.unit != unit {
		t.Errorf("%s: unit %q, want %q", name, meta.unit, unit)
	}
	for _, c := range meta.conflicts {
		t.Errorf("%s: differs between resources: %s", name, c)
	}
	if wantDouble := unit == "s"; meta.double != wantDouble || meta.integer == wantDouble {
		t.Errorf("%s: values double %v / int %v, want double %v", name, meta.double, meta.integer, wantDouble)
	}
}

// checkNoConverterAttributes: breakdown and rule points carry no
// thread.name, process.executable.name or code.function.name of their own
// (a resource attribute of that key, copied, is allowed, and so is a key
// the metric's keysOf names: a rule's group_by).
func checkNoConverterAttributes(t *testing.T, points []obsPoint, keysOf func(metric string) ([]string, bool)) {
	t.Helper()
	for _, p := range points {
		own, ok := keysOf(p.metric)
		if !ok {
			continue
		}
		for _, k := range []string{"thread.name", "process.executable.name", "code.function.name"} {
			if _, on := p.attrs[k]; !on || contains(own, k) {
				continue
			}
			if _, fromResource := p.resourceAttrs.Get(k); !fromResource {
				t.Errorf("%s point has %s=%q: not a breakdown's attribute", p.metric, k, p.attrs[k])
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Inputs.

type fixtureInput struct {
	name string
	data []byte
	pds  []pprofile.Profiles // its requests (JSON Lines: one a line)
	real bool                // the real eBPF capture, or derived from it
}

func fixtureInputs(t *testing.T) []fixtureInput {
	t.Helper()
	var out []fixtureInput
	for _, path := range []string{
		filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb"),
		filepath.Join(repoRoot, "tests", "fixtures", "cpu-pprof.pb"),
		filepath.Join(repoRoot, "tests", "fixtures", "memory.pb"),
		filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-offcpu.pb"),
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Logf("skipped %s: %v", path, err)
			continue
		}
		pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		isReal := strings.Contains(path, "otlp-real")
		out = append(out, fixtureInput{filepath.Base(path), data, []pprofile.Profiles{pd}, isReal})
		if isReal {
			out = append(out, userLeaves(t, filepath.Base(path), pd))
		}
	}
	if in, ok := jsonLinesInput(t, filepath.Join(repoRoot, "..", "shared", "fixtures", "otlp-real", "ebpf-oncpu-189-requests.jsonl")); ok {
		out = append(out, in)
	}
	// The benchmark's shape: go, native and kernel leaves on every path of
	// its kernel table, the input of make bench's breakdown rows.
	bench := generated(t, "ebpf", 3000)
	pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(bench)
	if err != nil {
		t.Fatalf("bench shape: %v", err)
	}
	return append(out, fixtureInput{"bench-shape", bench, []pprofile.Profiles{pd}, false})
}

// jsonLinesInput: a real capture of many requests, one OTLP/JSON request a
// line, which ptm converts in one run (so per-request caches are crossed).
func jsonLinesInput(t *testing.T, path string) (fixtureInput, bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Logf("skipped %s: %v", path, err)
		return fixtureInput{}, false
	}
	in := fixtureInput{name: filepath.Base(path), data: data, real: true}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		pd, err := (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(line)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		in.pds = append(in.pds, pd)
	}
	return in, true
}

// overRequests: f's totals summed over the requests of in.
func (in fixtureInput) overRequests(f func(pprofile.Profiles) totals) totals {
	sum := totals{}
	for _, pd := range in.pds {
		for k, v := range f(pd) {
			sum[k] += v
		}
	}
	return sum
}

// userLeaves: the real capture with each stack's leading kernel frames cut
// (its user-space leaf first; an all-kernel stack stays). Every fed sample
// of the capture has a kernel leaf, so without this its library and package
// breakdowns would be empty; this way they are compared on its real native
// and Go frames.
func userLeaves(t *testing.T, name string, pd pprofile.Profiles) fixtureInput {
	t.Helper()
	cut := pprofile.NewProfiles()
	pd.CopyTo(cut)
	c := newTestConverter(cut)
	for _, st := range cut.Dictionary().StackTable().All() {
		indices := st.LocationIndices().AsRaw()
		i := 0
		for i < len(indices) && c.frameType(c.dict.LocationTable().At(int(indices[i]))) == "kernel" {
			i++
		}
		if i > 0 && i < len(indices) {
			st.LocationIndices().FromRaw(indices[i:])
		}
	}
	data, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(cut)
	if err != nil {
		t.Fatal(err)
	}
	reread, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
	if err != nil {
		t.Fatal(err)
	}
	return fixtureInput{name + "/user-leaves", data, []pprofile.Profiles{reread}, true}
}

// ---------------------------------------------------------------------------
// 1. Breakdowns.

var breakdownKeys = map[string][]string{
	"profile.frame_type.": {frameTypeKey},
	"profile.library.":    {"profile.frame.library"},
	"profile.kernel.":     {"profile.kernel.area", "profile.kernel.protocol", "profile.kernel.direction", "profile.kernel.syscall"},
	"profile.package.":    {"profile.frame.package"},
}

// breakdownAttributes: the keysOf of project for breakdown metrics.
func breakdownAttributes(metric string) ([]string, bool) {
	prefix, _, ok := breakdownOf(metric)
	return breakdownKeys[prefix], ok
}

// breakdownOf: the breakdown prefix and measure of a breakdown metric name.
func breakdownOf(metric string) (prefix string, m measure, ok bool) {
	for p := range breakdownKeys {
		rest, found := strings.CutPrefix(metric, p)
		if !found {
			continue
		}
		for mm, suffix := range measureSuffix {
			if rest == suffix {
				return p, mm, true
			}
		}
	}
	return "", 0, false
}

func TestBreakdownsAgreeWithPtm(t *testing.T) {
	ptm := ptmBinary(t)
	measures := []measure{cpu, offCPU, memory}
	config := map[string]any{"breakdowns": map[string]any{
		"frame_type": true, "library": true, "kernel": true, "package": true,
		"measures": []string{"cpu", "off_cpu", "memory"},
	}}
	inputs := fixtureInputs(t)
	if len(inputs) == 0 {
		t.Fatal("no input")
	}
	realSeries := map[string]int{} // breakdown prefix -> series compared on the real capture
	hasReal := false
	for _, in := range inputs {
		hasReal = hasReal || in.real
		t.Run(in.name, func(t *testing.T) {
			points, metas := readPoints(runPtm(t, ptm, config, in.data))
			want := in.overRequests(func(pd pprofile.Profiles) totals { return expectBreakdowns(pd, measures) })
			got := project(points, breakdownAttributes)
			compareTotals(t, "breakdowns", want, got)
			if len(want) == 0 {
				t.Error("no breakdown expected: every fixture has cpu, off_cpu or memory samples")
			}
			for name, meta := range metas {
				if _, m, ok := breakdownOf(name); ok {
					checkMetric(t, name, meta, m)
				}
			}
			checkNoConverterAttributes(t, points, breakdownAttributes)
			checkPartition(t, points, measures)
			if in.real {
				counts := map[string]int{}
				for _, prefix := range []string{"profile.library.", "profile.kernel.", "profile.package."} {
					for k := range want {
						if strings.HasPrefix(k, prefix) {
							counts[prefix]++
						}
					}
					realSeries[prefix] += counts[prefix]
				}
				t.Logf("%s; series compared %v", frameTypeCensus(in.pds), counts)
			}
		})
	}
	if !hasReal {
		return
	}
	for _, prefix := range []string{"profile.library.", "profile.kernel.", "profile.package."} {
		if realSeries[prefix] == 0 {
			t.Errorf("the real capture gives no %s series: its comparison is empty", prefix)
		}
		t.Logf("real capture: %d %s series compared", realSeries[prefix], prefix)
	}
}

// frameTypeCensus: how many fed samples have each leaf frame type, and how
// many locations of their stacks have each type, for the log.
func frameTypeCensus(pds []pprofile.Profiles) string {
	leaves, frames := map[string]int{}, map[string]int{}
	for _, pd := range pds {
		frameTypeCount(pd, leaves, frames)
	}
	return fmt.Sprintf("leaf frame types %v, all frames %v", leaves, frames)
}

func frameTypeCount(pd pprofile.Profiles, leaves, frames map[string]int) {
	c := newTestConverter(pd)
	c.eachFed(pd, func(f fedSample) {
		locs := c.stackLocations(f.s)
		if len(locs) == 0 {
			leaves[unknownFrame]++
			return
		}
		leaves[c.frameType(locs[0])]++
		for _, loc := range locs {
			frames[c.frameType(loc)]++
		}
	})
}

// checkPartition, on ptm's own output, per resource and measure: frame_type
// sums to the base metric; library, kernel and package to the frame_type
// points of the types they cover.
func checkPartition(t *testing.T, points []obsPoint, measures []measure) {
	t.Helper()
	type cell struct {
		resource, metric, frameType string
	}
	sums := map[cell]int64{}
	resources := map[string]bool{}
	for _, p := range points {
		resources[p.resource] = true
		sums[cell{p.resource, p.metric, ""}] += p.value
		if strings.HasPrefix(p.metric, "profile.frame_type.") {
			sums[cell{p.resource, p.metric, p.attrs[frameTypeKey]}] += p.value
		}
	}
	for res := range resources {
		for _, m := range measures {
			suffix := measureSuffix[m]
			ft := "profile.frame_type." + suffix
			checks := []struct {
				what      string
				got, want int64
			}{
				{ft + " = " + metricDefs[baseMetric[m]].name, sums[cell{res, ft, ""}], sums[cell{res, metricDefs[baseMetric[m]].name, ""}]},
				{"profile.library." + suffix + " = native", sums[cell{res, "profile.library." + suffix, ""}], sums[cell{res, ft, "native"}]},
				{"profile.kernel." + suffix + " = kernel", sums[cell{res, "profile.kernel." + suffix, ""}], sums[cell{res, ft, "kernel"}]},
				{"profile.package." + suffix + " = go+jvm+dotnet+cpython+v8js", sums[cell{res, "profile.package." + suffix, ""}],
					sums[cell{res, ft, "go"}] + sums[cell{res, ft, "jvm"}] + sums[cell{res, ft, "dotnet"}] + sums[cell{res, ft, "cpython"}] + sums[cell{res, ft, "v8js"}]},
			}
			for _, c := range checks {
				if !closeTo(c.got, c.want) {
					t.Errorf("partition %s in %s: %d, want %d", c.what, res, c.got, c.want)
				}
			}
		}
	}
}

// ---------------------------------------------------------------------------
// 2. Rules on the fixtures.

var fixtureRules = []ruleSpec{
	{MetricName: "rule.runtime.inclusive", Functions: []string{`^runtime\.`}},
	{MetricName: "rule.runtime.self", Functions: []string{`^runtime\.`}, Mode: "self"},
	{MetricName: "rule.futex", Functions: []string{"futex"}, Mode: "inclusive", SampleTypes: []string{"cpu", "off_cpu"}},
	{MetricName: "rule.schedule.self", Functions: []string{"schedule"}, Mode: "self", SampleTypes: []string{"off_cpu"},
		Description: "off-CPU time with schedule at the leaf"},
	{MetricName: "rule.main", Functions: []string{`^main\.`}, Mode: "inclusive"},
	{MetricName: "rule.syscall.by_thread", Functions: []string{"syscall", "^entry_SYSCALL"}, GroupBy: []string{"thread.name", "no.such.attribute"},
		SampleTypes: []string{"off_cpu", "cpu"}},
	{MetricName: "rule.nothing", Functions: []string{`^this_function_does_not_exist_\d+$`}},
	{MetricName: "rule.alloc.memory", Functions: []string{"alloc|malloc", `^main\.`}, SampleTypes: []string{"memory"}},
	{MetricName: "rule.net.constant", Functions: []string{"^(tcp|sock|__sys)_[a-z]+", "^epoll_"}, Attributes: map[string]string{"team": "net", "tier": "1"},
		SampleTypes: []string{"cpu", "off_cpu"}},
	{MetricName: "rule.entry.self.by_exe", Functions: []string{"^__x64_sys_", "^finish_task_switch", "^[a-z]+_poll$"}, Mode: "self",
		GroupBy: []string{"process.executable.name"}, SampleTypes: []string{"off_cpu", "cpu"}},
}

func TestRulesAgreeWithPtm(t *testing.T) {
	ptm := ptmBinary(t)
	config := map[string]any{"rules": fixtureRules}
	rules := map[string]ruleSpec{}
	for _, r := range fixtureRules {
		rules[r.MetricName] = r
	}
	inputs := fixtureInputs(t)
	perRule := map[string]int{} // rule metric -> series expected over the inputs
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			points, metas := readPoints(runPtm(t, ptm, config, in.data))
			want := in.overRequests(func(pd pprofile.Profiles) totals { return expectRules(t, pd, fixtureRules, true) })
			ruleAttributes := func(metric string) ([]string, bool) {
				r, ok := rules[metric]
				return r.attributeKeys(), ok
			}
			got := project(points, ruleAttributes)
			compareTotals(t, "rules", want, got)
			for key := range want {
				perRule[key[:strings.IndexByte(key, '{')]]++
			}
			for name, meta := range metas {
				r, ok := rules[name]
				if !ok {
					continue
				}
				checkMetric(t, name, meta, r.measures()[0])
				descr := r.Description
				if descr == "" {
					descr = defaultRuleDescr
				}
				if meta.description != descr {
					t.Errorf("%s: description %q, want %q", name, meta.description, descr)
				}
			}
			checkNoConverterAttributes(t, points, ruleAttributes)
			checkRulesSubset(t, points, rules)
		})
	}
	// Every rule but rule.nothing matches somewhere, so each is compared.
	for _, r := range fixtureRules {
		if n := perRule[r.MetricName]; (n == 0) != (r.MetricName == "rule.nothing") {
			t.Errorf("%s: %d series over the inputs", r.MetricName, n)
		}
	}
	t.Logf("series per rule over the inputs: %v", perRule)
}

// checkRulesSubset, on ptm's own output, per resource: a rule's total is at
// most the sum of its measures' base metrics.
func checkRulesSubset(t *testing.T, points []obsPoint, rules map[string]ruleSpec) {
	t.Helper()
	type cell struct{ resource, metric string }
	sums := map[cell]int64{}
	for _, p := range points {
		sums[cell{p.resource, p.metric}] += p.value
	}
	for c, total := range sums {
		r, ok := rules[c.metric]
		if !ok {
			continue
		}
		var base int64
		for _, m := range r.measures() {
			base += sums[cell{c.resource, metricDefs[baseMetric[m]].name}]
		}
		if total > base+1 {
			t.Errorf("rule %s in %s: %d, more than its base metrics' %d", c.metric, c.resource, total, base)
		}
	}
}

// ---------------------------------------------------------------------------
// Building small profiles.

type profileBuilder struct {
	pd    pprofile.Profiles
	dict  pprofile.ProfilesDictionary
	strs  map[string]int32
	locs  map[string]int32
	attrs map[string]int32
}

func newProfileBuilder() *profileBuilder {
	pd := pprofile.NewProfiles()
	pprofconv.AppendZeroEntries(pd.Dictionary())
	return &profileBuilder{pd: pd, dict: pd.Dictionary(), strs: map[string]int32{"": 0}, locs: map[string]int32{}, attrs: map[string]int32{}}
}

func (b *profileBuilder) str(s string) int32 {
	if i, ok := b.strs[s]; ok {
		return i
	}
	i := int32(b.dict.StringTable().Len())
	b.dict.StringTable().Append(s)
	b.strs[s] = i
	return i
}

// loc: a location of one line calling function name (interned).
func (b *profileBuilder) loc(name string) int32 {
	if i, ok := b.locs[name]; ok {
		return i
	}
	f := b.dict.FunctionTable().AppendEmpty()
	f.SetNameStrindex(b.str(name))
	i := int32(b.dict.LocationTable().Len())
	b.dict.LocationTable().AppendEmpty().Lines().AppendEmpty().SetFunctionIndex(int32(b.dict.FunctionTable().Len() - 1))
	b.locs[name] = i
	return i
}

// stack: a stack of the functions named, leaf first.
func (b *profileBuilder) stack(names ...string) int32 {
	s := b.dict.StackTable().AppendEmpty()
	for _, n := range names {
		s.LocationIndices().Append(b.loc(n))
	}
	return int32(b.dict.StackTable().Len() - 1)
}

// frame: a new location with the attributes attrs, in a mapping of file
// mappingFile ("": mapping 0), with lines {function name, file name} in
// stored order.
func (b *profileBuilder) frame(attrs []int32, mappingFile string, lines ...[2]string) int32 {
	loc := b.dict.LocationTable().AppendEmpty()
	loc.AttributeIndices().Append(attrs...)
	if mappingFile != "" {
		b.dict.MappingTable().AppendEmpty().SetFilenameStrindex(b.str(mappingFile))
		loc.SetMappingIndex(int32(b.dict.MappingTable().Len() - 1))
	}
	for _, l := range lines {
		f := b.dict.FunctionTable().AppendEmpty()
		f.SetNameStrindex(b.str(l[0]))
		f.SetFilenameStrindex(b.str(l[1]))
		loc.Lines().AppendEmpty().SetFunctionIndex(int32(b.dict.FunctionTable().Len() - 1))
	}
	return int32(b.dict.LocationTable().Len() - 1)
}

// typed: the attributes of a location of frame type typ.
func (b *profileBuilder) typed(typ string) []int32 { return []int32{b.attr(frameTypeKey, typ)} }

func (b *profileBuilder) stackOf(locs ...int32) int32 {
	b.dict.StackTable().AppendEmpty().LocationIndices().Append(locs...)
	return int32(b.dict.StackTable().Len() - 1)
}

// attr: an attribute table entry; value is a string, an int64 or a bool.
func (b *profileBuilder) attr(key string, value any) int32 {
	id := fmt.Sprintf("%s\x00%T\x00%v", key, value, value)
	if i, ok := b.attrs[id]; ok {
		return i
	}
	a := b.dict.AttributeTable().AppendEmpty()
	a.SetKeyStrindex(b.str(key))
	switch v := value.(type) {
	case string:
		a.Value().SetStr(v)
	case int64:
		a.Value().SetInt(v)
	case bool:
		a.Value().SetBool(v)
	default:
		panic(fmt.Sprintf("attr %T", value))
	}
	i := int32(b.dict.AttributeTable().Len() - 1)
	b.attrs[id] = i
	return i
}

func (b *profileBuilder) resource(attrs map[string]string) pprofile.ScopeProfiles {
	rp := b.pd.ResourceProfiles().AppendEmpty()
	for k, v := range attrs {
		rp.Resource().Attributes().PutStr(k, v)
	}
	return rp.ScopeProfiles().AppendEmpty()
}

// cpuProfile: a cpu/nanoseconds profile of one second.
func (b *profileBuilder) cpuProfile(sp pprofile.ScopeProfiles, attrs ...int32) pprofile.Profile {
	p := sp.Profiles().AppendEmpty()
	p.SampleType().SetTypeStrindex(b.str("cpu"))
	p.SampleType().SetUnitStrindex(b.str("nanoseconds"))
	p.SetTime(pcommon.Timestamp(1_700_000_000_000_000_000))
	p.SetDurationNano(1_000_000_000)
	p.AttributeIndices().Append(attrs...)
	return p
}

func (b *profileBuilder) sample(p pprofile.Profile, stack int32, value int64, attrs ...int32) {
	s := p.Samples().AppendEmpty()
	s.SetStackIndex(stack)
	s.Values().Append(value)
	s.AttributeIndices().Append(attrs...)
}

// marshal: the request's bytes, and pdata's reading of them (what the
// expected values are computed from, as for the fixtures).
func (b *profileBuilder) marshal(t *testing.T) ([]byte, pprofile.Profiles) {
	t.Helper()
	data, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(b.pd)
	if err != nil {
		t.Fatal(err)
	}
	pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
	if err != nil {
		t.Fatal(err)
	}
	return data, pd
}

// ruleTotals: ptm's points of the rules, by their attribute keys.
func ruleTotals(points []obsPoint, rules []ruleSpec) totals {
	byName := map[string]ruleSpec{}
	for _, r := range rules {
		byName[r.MetricName] = r
	}
	return project(points, func(metric string) ([]string, bool) {
		r, ok := byName[metric]
		return r.attributeKeys(), ok
	})
}

// ---------------------------------------------------------------------------
// Breakdowns of built frames: every naming example as a leaf.

func TestBreakdownsOfBuiltFrames(t *testing.T) {
	ptm := ptmBinary(t)
	b := newProfileBuilder()
	p := b.cpuProfile(b.resource(map[string]string{"service.name": "frames"}))
	var value int64
	add := func(locs ...int32) {
		value += 1000
		b.sample(p, b.stackOf(locs...), value)
	}
	user := b.frame(b.typed("go"), "/usr/bin/app", [2]string{"main.main", "/src/main.go"})
	for i, c := range libraryCases {
		add(b.frame(b.typed("native"), c.file, [2]string{fmt.Sprintf("native_fn_%d", i), ""}), user)
	}
	for _, c := range packageCases {
		add(b.frame(b.typed(c.typ), "", [2]string{c.fn, c.file}), user)
	}
	add(b.frame(b.typed("go"), ""), user) // a Go leaf without lines
	// Kernel stacks, under a native frame a row would match (not a kernel
	// frame: not looked at) and Go.
	above := b.frame(b.typed("native"), "/lib/libc.so.6", [2]string{"tcp_sendmsg", ""})
	for _, c := range kernelCases {
		var locs []int32
		for _, n := range c.names {
			locs = append(locs, b.frame(b.typed("kernel"), "", [2]string{n, ""}))
		}
		if len(locs) == 0 {
			locs = append(locs, b.frame(b.typed("kernel"), "")) // a kernel leaf without lines
		}
		add(append(locs, above, user)...)
	}
	// Inlined kernel frames: the syscall is the leaf location's second line,
	// so the next location's tcp_sendmsg is above it and not looked at.
	add(b.frame(b.typed("kernel"), "", [2]string{"_raw_spin_lock", ""}, [2]string{"__x64_sys_sendto", ""}),
		b.frame(b.typed("kernel"), "", [2]string{"tcp_sendmsg", ""}), user)
	// Other leaves: no frame type, the type after another attribute, an
	// unnamed runtime, an empty stack.
	add(b.frame(nil, "/usr/bin/x", [2]string{"f", ""}), user)
	add(b.frame([]int32{b.attr("other", "x"), b.attr(frameTypeKey, "cpython")}, "", [2]string{"<module>", "/srv/tool.py"}), user)
	add(b.frame(b.typed("ruby"), "", [2]string{"Foo#bar", "/app/foo.rb"}), user)
	b.sample(p, 0, 77)
	input, pd := b.marshal(t)

	config := map[string]any{"breakdowns": map[string]any{"frame_type": true, "library": true, "kernel": true, "package": true}}
	points, metas := readPoints(runPtm(t, ptm, config, input))
	want := expectBreakdowns(pd, []measure{cpu}) // measures default to cpu
	got := project(points, breakdownAttributes)
	compareTotals(t, "built frames", want, got)
	for name, meta := range metas {
		if _, m, ok := breakdownOf(name); ok {
			checkMetric(t, name, meta, m)
		}
	}
	checkPartition(t, points, []measure{cpu})
}

// ---------------------------------------------------------------------------
// 3. Recursion: an inclusive rule counts a sample once.

func TestRuleRecursionCountedOnce(t *testing.T) {
	ptm := ptmBinary(t)
	b := newProfileBuilder()
	p := b.cpuProfile(b.resource(map[string]string{"service.name": "recursion"}))
	b.sample(p, b.stack("f", "g", "f", "main"), 10)
	b.sample(p, b.stack("f", "f", "f"), 20)
	b.sample(p, b.stack("g", "main"), 40)
	rules := []ruleSpec{
		{MetricName: "rec.f.inclusive", Functions: []string{"^f$"}, Mode: "inclusive"},
		{MetricName: "rec.f.self", Functions: []string{"^f$"}, Mode: "self"},
		{MetricName: "rec.g.inclusive", Functions: []string{"^g$"}},
		{MetricName: "rec.fg.inclusive", Functions: []string{"^f$", "^g$"}},
	}
	input, pd := b.marshal(t)
	want := totals{"rec.f.inclusive{}": 30, "rec.f.self{}": 30, "rec.g.inclusive{}": 50, "rec.fg.inclusive{}": 70}
	compareTotals(t, "this test's own computation", want, expectRules(t, pd, rules, true))

	points, metas := readPoints(runPtm(t, ptm, map[string]any{"rules": rules}, input))
	compareTotals(t, "ptm", want, ruleTotals(points, rules))
	for _, r := range rules {
		if meta := metas[r.MetricName]; meta != nil {
			checkMetric(t, r.MetricName, meta, cpu)
		}
	}
}

// ---------------------------------------------------------------------------
// 4. group_by: sample, then profile, then resource.

func TestRuleGroupBy(t *testing.T) {
	ptm := ptmBinary(t)
	b := newProfileBuilder()
	// Resource A has no tenant; its first profile has one.
	spA := b.resource(map[string]string{"service.name": "a"})
	p1 := b.cpuProfile(spA, b.attr("tenant", "from-profile"))
	work := b.stack("work", "main")
	b.sample(p1, work, 100, b.attr("tenant", "from-sample"))
	b.sample(p1, work, 200, b.attr("tenant", int64(7)))
	b.sample(p1, work, 300)
	b.sample(p1, work, 400, b.attr("other", "x"), b.attr("tenant", true), b.attr("tenant", "second"))
	p2 := b.cpuProfile(spA)
	b.sample(p2, work, 500)
	b.sample(p2, work, 600, b.attr("tenant", "from-sample"))
	// Resource B has a tenant.
	spB := b.resource(map[string]string{"service.name": "b", "tenant": "from-resource"})
	p3 := b.cpuProfile(spB)
	b.sample(p3, work, 1000)
	b.sample(p3, work, 2000, b.attr("tenant", "sample-in-b"))
	b.sample(p3, b.stack("idle"), 4000, b.attr("tenant", "not-matched"))
	input, pd := b.marshal(t)

	rules := []ruleSpec{{MetricName: "tenant.work.cpu.time", Functions: []string{"^work$"}, GroupBy: []string{"tenant", "missing.everywhere"}}}
	type variant struct {
		name    string
		copy    []string // copy_resource_attributes; nil: the default
		copyAll bool
		// by resource service.name, then tenant ("" = no tenant attribute)
		want map[string]map[string]int64
	}
	for _, v := range []variant{
		{"copy none", []string{}, false, map[string]map[string]int64{
			"a": {"from-sample": 700, "7": 200, "from-profile": 300, "true": 400, "": 500},
			"b": {"from-resource": 1000, "sample-in-b": 2000},
		}},
		// The default copies tenant from resource B onto its points: the
		// resource's value is the point's.
		{"copy default", nil, true, map[string]map[string]int64{
			"a": {"from-sample": 700, "7": 200, "from-profile": 300, "true": 400, "": 500},
			"b": {"from-resource": 3000},
		}},
	} {
		t.Run(v.name, func(t *testing.T) {
			config := map[string]any{"rules": rules}
			if v.copy != nil {
				config["copy_resource_attributes"] = v.copy
			}
			// Expected per resource: the test's hand-written table, which
			// must be what expectRules computes, which ptm must give.
			hand := totals{}
			for svc, byTenant := range v.want {
				for tenant, value := range byTenant {
					attrs := map[string]string{"service.name": svc}
					if tenant != "" {
						attrs["tenant"] = tenant
					}
					hand[seriesKeyOf(rules[0].MetricName, attrs)] = value
				}
			}
			computed := expectRulesWith(t, pd, rules, v.copyAll, func(f fedSample) map[string]string {
				svc, _ := f.res.Attributes().Get("service.name")
				return map[string]string{"service.name": svc.Str()}
			})
			compareTotals(t, "hand-written vs computed", hand, computed)

			points, _ := readPoints(runPtm(t, ptm, config, input))
			got := totals{}
			for _, p := range points {
				if p.metric != rules[0].MetricName {
					continue
				}
				if _, on := p.attrs["missing.everywhere"]; on {
					t.Errorf("point has missing.everywhere=%q: the key is nowhere in the input", p.attrs["missing.everywhere"])
				}
				svc, _ := p.resourceAttrs.Get("service.name")
				attrs := map[string]string{"service.name": svc.Str()}
				for _, k := range []string{"tenant", overflowKey} {
					if value, on := p.attrs[k]; on {
						attrs[k] = value
					}
				}
				got[seriesKeyOf(p.metric, attrs)] += p.value
			}
			compareTotals(t, "ptm", hand, got)
		})
	}
}

// ---------------------------------------------------------------------------
// 5. cardinality_limit on a rule's metric.

func TestRuleCardinalityLimit(t *testing.T) {
	ptm := ptmBinary(t)
	b := newProfileBuilder()
	p := b.cpuProfile(b.resource(map[string]string{"service.name": "limits"}))
	stack := b.stack("handle", "main")
	for round := range 3 {
		for i, tenant := range []string{"t1", "t2", "t3", "t4", "t5"} {
			b.sample(p, stack, int64((i+1)*10+round), b.attr("tenant", tenant))
		}
	}
	input, pd := b.marshal(t)
	rules := []ruleSpec{{MetricName: "tenant.cpu.time", Functions: []string{"^handle$"}, GroupBy: []string{"tenant"}}}
	uncapped := expectRules(t, pd, rules, true)
	if len(uncapped) != 5 {
		t.Fatalf("this test's own computation: %d series, want 5: %v", len(uncapped), uncapped)
	}
	total := uncapped.metricTotal("tenant.cpu.time")

	free, _ := readPoints(runPtm(t, ptm, map[string]any{"rules": rules, "copy_resource_attributes": []string{}}, input))
	compareTotals(t, "ptm without a limit", uncapped, ruleTotals(free, rules))

	capped, _ := readPoints(runPtm(t, ptm, map[string]any{"rules": rules, "copy_resource_attributes": []string{}, "cardinality_limit": 2}, input))
	var kept, overflow int
	var sum int64
	for _, pt := range capped {
		if pt.metric != "tenant.cpu.time" {
			continue
		}
		sum += pt.value
		if _, on := pt.attrs[overflowKey]; on {
			overflow++
			if len(pt.attrs) != 1 || pt.attrs[overflowKey] != "true" {
				t.Errorf("overflow point attributes %v, want only %s=true", pt.attrs, overflowKey)
			}
			continue
		}
		kept++
		key := seriesKeyOf("tenant.cpu.time", map[string]string{"tenant": pt.attrs["tenant"]})
		if want, ok := uncapped[key]; !ok || !closeTo(pt.value, want) {
			t.Errorf("kept point %v: %d, want its whole uncapped value %d", pt.attrs, pt.value, want)
		}
	}
	if kept > 2 {
		t.Errorf("%d points under cardinality_limit 2, want at most 2 (+ overflow)", kept)
	}
	if overflow != 1 {
		t.Errorf("%d overflow points, want 1", overflow)
	}
	if !closeTo(sum, total) {
		t.Errorf("total under the limit %d ns, want the uncapped %d ns", sum, total)
	}
}
