// fixtures.go: builds the small deterministic fixture requests (eBPF-like CPU
// and off-CPU, Go-heap-like memory, pprof-converted CPU with a duplicate
// samples/count profile and an unknown type, and two requests for JSON Lines)
// with pdata/pprofile. Every seed and timestamp is fixed.
package main

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

const (
	// t0 is 2026-01-01T00:00:00Z in nanoseconds.
	t0         = uint64(1767225600000000000)
	ebpfScope  = "go.opentelemetry.io/ebpf-profiler"
	ebpfScopeV = "v0.0.202601"
	schemaURL  = "https://opentelemetry.io/schemas/1.37.0"
	libcPath   = "/usr/lib/x86_64-linux-gnu/libc.so.6"
	libsslPath = "/usr/lib/x86_64-linux-gnu/libssl.so.3"
	kernelPath = "vmlinux"
)

func profileID(r *rng) pprofile.ProfileID {
	var id pprofile.ProfileID
	for i := range id {
		id[i] = byte(r.next())
	}
	return id
}

// frameKit holds the location indices shared by the eBPF-like fixtures.
type frameKit struct {
	x         *dict
	r         *rng
	libcRoot  int32   // __libc_start_call_main, a native frame with an empty function name
	libc      []int32 // native libc frames whose function has an empty name
	ssl       []int32 // native frames without any line (function unknown)
	syscall   []int32 // kernel entry chain, root first
	kernelCPU []int32 // kernel leaf candidates for on-CPU
	kernelOff []int32 // kernel chain that ends in schedule, root first (off-CPU)
	ftype     map[string]int32
}

func newFrameKit(x *dict, r *rng) *frameKit {
	k := &frameKit{x: x, r: r, ftype: map[string]int32{}}
	for _, t := range []string{"native", "kernel", "go"} {
		k.ftype[t] = x.attrStr("profile.frame.type", t)
	}
	libc := x.mapping(libcPath, 0x7f3a1c028000, 0x7f3a1c1bd000, x.attrStr("process.executable.build_id.gnu", "a4a8a5b7f2c0f6a8c2a9e6d2d1f5bd2a2c3e4f11"))
	ssl := x.mapping(libsslPath, 0x7f3a1c400000, 0x7f3a1c49a000)
	kern := x.mapping(kernelPath, 0, 0)
	noname := x.fn("", "", "")
	nat := []int32{k.ftype["native"]}
	ker := []int32{k.ftype["kernel"]}
	k.libcRoot = x.loc(libc, 0x29d90, nat, line{fn: noname})
	for _, a := range []uint64{0x91f2e, 0x11ea3b, 0x1987c0, 0xa5df1, 0x125e10} {
		k.libc = append(k.libc, x.loc(libc, a, nat, line{fn: noname}))
	}
	for _, a := range []uint64{0x3f1c2, 0x41a08, 0x52b6e} {
		k.ssl = append(k.ssl, x.loc(ssl, a, nat))
	}
	for i, n := range []string{"entry_SYSCALL_64_after_hwframe", "do_syscall_64", "x64_sys_call"} {
		k.syscall = append(k.syscall, x.loc(kern, 0xffffffff81000000+uint64(i)*0x1000, ker, line{fn: x.fn(n, "", "")}))
	}
	for i, n := range []string{"__x64_sys_write", "ksys_write", "vfs_write", "tcp_sendmsg", "copy_user_enhanced_fast_string", "__x64_sys_epoll_wait"} {
		k.kernelCPU = append(k.kernelCPU, x.loc(kern, 0xffffffff81100000+uint64(i)*0x1000, ker, line{fn: x.fn(n, "", "")}))
	}
	for i, n := range []string{"__x64_sys_futex", "do_futex", "futex_wait", "schedule", "__schedule"} {
		k.kernelOff = append(k.kernelOff, x.loc(kern, 0xffffffff81200000+uint64(i)*0x1000, ker, line{fn: x.fn(n, "", "")}))
	}
	return k
}

// ebpfProc describes one process of the eBPF-like fixture.
type ebpfProc struct {
	exe, path string
	pid       int64
	service   string
	threads   []string
	goRuntime bool
	app       []string // application functions, root first
	inline    [2]string
	sysName   string // a function with an empty name but a system_name
}

func appLocations(x *dict, k *frameKit, p ebpfProc, seed uint64) []int32 {
	exeMap := x.mapping(p.path, 0x400000+seed*0x100000, 0x2000000+seed*0x100000)
	ft := k.ftype["native"]
	if p.goRuntime {
		ft = k.ftype["go"]
	}
	src := p.exe + ".c"
	if p.goRuntime {
		src = "main.go"
	}
	var locs []int32
	for i, fn := range p.app {
		locs = append(locs, x.loc(exeMap, 0x401000+uint64(i)*0x230+seed, []int32{ft}, line{fn: x.fn(fn, fn, src), line: int64(100 + 17*i)}))
	}
	// An inlined frame: one location, two lines, lines[0] the inlined callee.
	inl := x.loc(exeMap, 0x40f000+seed, []int32{ft},
		line{fn: x.fn(p.inline[0], p.inline[0], src), line: 88},
		line{fn: x.fn(p.inline[1], p.inline[1], src), line: 412})
	locs = append(locs, inl)
	if p.sysName != "" {
		locs = append(locs, x.loc(exeMap, 0x410000+seed, []int32{ft}, line{fn: x.fn("", p.sysName, ""), line: 0}))
	}
	return locs
}

// ebpfStack draws a stack (leaf first) of depth 3..12 for a process.
func ebpfStack(k *frameKit, app []int32, offCPU bool) []int32 {
	r := k.r
	var root []int32 // root first
	if !offCPU || r.intn(2) == 0 {
		root = append(root, k.libcRoot)
	}
	// Application frames keep their call order: pick an increasing subset.
	n := r.between(2, len(app)-1)
	start := r.intn(len(app) - n + 1)
	root = append(root, app[start:start+n]...)
	if offCPU {
		root = append(root, k.libc[r.intn(len(k.libc))])
		root = append(root, k.syscall...)
		root = append(root, k.kernelOff[r.intn(3):]...)
	} else {
		switch r.intn(5) {
		case 0: // native leaf in libc, function name empty
			root = append(root, k.libc[r.intn(len(k.libc))])
		case 1: // native leaf without lines
			root = append(root, k.ssl[r.intn(len(k.ssl))])
		case 2: // into the kernel
			root = append(root, k.libc[r.intn(len(k.libc))])
			root = append(root, k.syscall...)
			root = append(root, k.kernelCPU[r.intn(len(k.kernelCPU))])
		default: // leaf in the application
		}
	}
	if len(root) > 12 {
		root = root[len(root)-12:]
	}
	for len(root) < 3 {
		root = append(root, k.libc[r.intn(len(k.libc))])
	}
	leafFirst := make([]int32, len(root))
	for i, l := range root {
		leafFirst[len(root)-1-i] = l
	}
	return leafFirst
}

var ebpfProcs = []ebpfProc{
	{exe: "nginx", path: "/usr/sbin/nginx", pid: 1201, service: "frontend", threads: []string{"nginx", "nginx-worker"},
		app:    []string{"main", "ngx_master_process_cycle", "ngx_start_worker_processes", "ngx_worker_process_cycle", "ngx_process_events_and_timers", "ngx_epoll_process_events", "ngx_http_wait_request_handler", "ngx_http_process_request", "ngx_http_core_run_phases", "ngx_http_static_handler"},
		inline: [2]string{"ngx_cpymem", "ngx_http_write_filter"}},
	{exe: "postgres", path: "/usr/lib/postgresql/16/bin/postgres", pid: 2301, threads: []string{"postgres", "postgres-wal"},
		app:     []string{"main", "PostmasterMain", "ServerLoop", "BackendStartup", "PostgresMain", "exec_simple_query", "PortalRun", "ExecutorRun", "ExecScan", "heap_getnextslot"},
		inline:  [2]string{"hash_bytes", "hash_any"},
		sysName: "_ZN7pg_util9crc32_sseEPKhm"},
	{exe: "python3.12", path: "/usr/bin/python3.12", pid: 3401, threads: []string{"python3.12", "ThreadPoolExec"},
		app:    []string{"main", "Py_BytesMain", "pymain_run_python", "_PyRun_SimpleFileObject", "run_mod", "PyEval_EvalCode", "_PyEval_EvalFrameDefault", "_PyObject_MakeTpCall", "list_sort_impl"},
		inline: [2]string{"unsafe_object_compare", "count_run"}},
	{exe: "containerd", path: "/usr/bin/containerd", pid: 811, threads: []string{"containerd", "containerd-gc"}, goRuntime: true,
		app:    []string{"runtime.main", "main.main", "github.com/containerd/containerd/v2/cmd/containerd/command.App.func1", "google.golang.org/grpc.(*Server).serveStreams.func2.1", "google.golang.org/grpc.(*Server).handleStream", "github.com/containerd/containerd/v2/core/runtime/v2.(*shim).State", "encoding/json.Unmarshal", "encoding/json.(*decodeState).object", "runtime.mallocgc"},
		inline: [2]string{"runtime.nextFreeFast", "runtime.mallocgc"}},
}

// buildCPUEBPF: ~4 processes, timestamps-only samples/count profiles with a
// 50 ms cpu period, and an off_cpu profile in the last process.
func buildCPUEBPF() pprofile.Profiles {
	r := newRNG(0xeb9f)
	pd := pprofile.NewProfiles()
	x := newDict(pd.Dictionary())
	k := newFrameKit(x, r)
	for pi, p := range ebpfProcs {
		rp := pd.ResourceProfiles().AppendEmpty()
		rp.SetSchemaUrl(schemaURL)
		attrs := rp.Resource().Attributes()
		attrs.PutStr("process.executable.name", p.exe)
		attrs.PutStr("process.executable.path", p.path)
		attrs.PutInt("process.pid", p.pid)
		if p.service != "" {
			attrs.PutStr("service.name", p.service)
		}
		sp := rp.ScopeProfiles().AppendEmpty()
		sp.SetSchemaUrl(schemaURL)
		sp.Scope().SetName(ebpfScope)
		sp.Scope().SetVersion(ebpfScopeV)
		app := appLocations(x, k, p, uint64(pi))

		start := t0 + uint64(pi)*1_000_000
		const dur = uint64(5_000_000_000)
		prof := sp.Profiles().AppendEmpty()
		prof.SetProfileID(profileID(r))
		x.valueType(prof.SampleType(), "samples", "count")
		x.valueType(prof.PeriodType(), "cpu", "nanoseconds")
		prof.SetPeriod(50_000_000)
		prof.SetTime(pcommon.Timestamp(start))
		prof.SetDurationNano(dur)
		for ti, th := range p.threads {
			thAttrs := []int32{x.attrStr("thread.name", th), x.attrInt("thread.id", p.pid+int64(ti))}
			n := r.between(3, 5)
			for range n {
				s := prof.Samples().AppendEmpty()
				s.SetStackIndex(x.stack(ebpfStack(k, app, false)))
				s.AttributeIndices().Append(thAttrs...)
				for range r.between(1, 3) {
					s.TimestampsUnixNano().Append(start + uint64(r.intn(int(dur))))
				}
			}
		}
		if pi == 0 {
			// A sample whose stack could not be unwound: stack index 0.
			s := prof.Samples().AppendEmpty()
			s.AttributeIndices().Append(x.attrStr("thread.name", p.threads[0]), x.attrInt("thread.id", p.pid))
			s.TimestampsUnixNano().Append(start + 4_200_000_000)
		}
		if pi == len(ebpfProcs)-1 {
			off := sp.Profiles().AppendEmpty()
			off.SetProfileID(profileID(r))
			x.valueType(off.SampleType(), "off_cpu", "nanoseconds")
			off.SetTime(pcommon.Timestamp(start))
			off.SetDurationNano(dur)
			for ti, th := range p.threads {
				thAttrs := []int32{x.attrStr("thread.name", th), x.attrInt("thread.id", p.pid+int64(ti))}
				for range r.between(2, 4) {
					s := off.Samples().AppendEmpty()
					s.SetStackIndex(x.stack(ebpfStack(k, app, true)))
					s.AttributeIndices().Append(thAttrs...)
					for range r.between(1, 3) {
						s.Values().Append(int64(r.between(20_000, 900_000_000)))
						s.TimestampsUnixNano().Append(start + uint64(r.intn(int(dur))))
					}
				}
			}
		}
	}
	return pd
}

// goFuncs is a small Go program used by the memory and pprof fixtures.
var goFuncs = []string{
	"runtime.main", "main.main", "main.run", "net/http.(*Server).Serve", "net/http.(*conn).serve",
	"net/http.serverHandler.ServeHTTP", "net/http.(*ServeMux).ServeHTTP", "main.(*api).handleOrder",
	"main.(*api).loadCart", "encoding/json.Marshal", "encoding/json.(*encodeState).marshal",
	"bytes.(*Buffer).grow", "strings.(*Builder).WriteString", "main.decodeItems", "runtime.makeslice",
	"runtime.mallocgc", "runtime.growslice", "compress/gzip.NewWriter", "main.(*cache).put",
}

type goKit struct {
	x    *dict
	locs []int32 // one per goFuncs entry, root first
	inl  int32   // bytes.(*Buffer).grow inlined into bytes.(*Buffer).WriteString
}

func newGoKit(x *dict, binary string) *goKit {
	m := x.mapping(binary, 0x400000, 0x1200000, x.attrStr("process.executable.build_id.go", "go-build-id-0001"))
	g := &goKit{x: x}
	for i, f := range goFuncs {
		file := "main.go"
		g.locs = append(g.locs, x.loc(m, 0x401000+uint64(i)*0x400, nil, line{fn: x.fn(f, f, file), line: int64(20 + 3*i)}))
	}
	g.inl = x.loc(m, 0x4f0000, nil,
		line{fn: x.fn("bytes.(*Buffer).grow", "bytes.(*Buffer).grow", "bytes/buffer.go"), line: 151},
		line{fn: x.fn("bytes.(*Buffer).WriteString", "bytes.(*Buffer).WriteString", "bytes/buffer.go"), line: 196})
	return g
}

// stack draws a Go stack (leaf first) of depth lo..hi.
func (g *goKit) stack(r *rng, lo, hi int) []int32 {
	depth := r.between(lo, hi)
	root := []int32{g.locs[0], g.locs[1]}
	idx := 2
	for len(root) < depth-1 && idx < len(g.locs) {
		idx += r.between(1, 3)
		if idx < len(g.locs) {
			root = append(root, g.locs[idx])
		}
	}
	if r.intn(3) == 0 {
		root = append(root, g.inl)
	} else {
		root = append(root, g.locs[len(g.locs)-1-r.intn(4)])
	}
	out := make([]int32, len(root))
	for i, l := range root {
		out[len(root)-1-i] = l
	}
	return out
}

// buildMemory: one Go-heap-like scope with four profiles sharing their
// samples, process.executable.name on the samples (the older placement).
func buildMemory() pprofile.Profiles {
	r := newRNG(0x4ea9)
	pd := pprofile.NewProfiles()
	x := newDict(pd.Dictionary())
	g := newGoKit(x, "/app/checkout")
	rp := pd.ResourceProfiles().AppendEmpty()
	rp.SetSchemaUrl(schemaURL)
	rp.Resource().Attributes().PutStr("service.name", "checkout")
	sp := rp.ScopeProfiles().AppendEmpty()
	sp.Scope().SetName("github.com/grafana/pyroscope-go")
	sp.Scope().SetVersion("v1.2.0")
	exe := x.attrStr("process.executable.name", "checkout")

	type heapSample struct {
		stack              int32
		allocObj, inuseObj int64
		objSize            int64
	}
	var hs []heapSample
	for range 14 {
		obj := int64(r.between(1, 4000))
		hs = append(hs, heapSample{
			stack:    x.stack(g.stack(r, 4, 10)),
			allocObj: obj,
			inuseObj: int64(r.intn(int(obj) + 1)),
			objSize:  int64(8 << r.intn(10)),
		})
	}
	kinds := []struct {
		typ, unit string
		dur       uint64
		value     func(h heapSample) int64
	}{
		{"alloc_objects", "count", 15_000_000_000, func(h heapSample) int64 { return h.allocObj }},
		{"alloc_space", "bytes", 15_000_000_000, func(h heapSample) int64 { return h.allocObj * h.objSize }},
		{"inuse_objects", "count", 0, func(h heapSample) int64 { return h.inuseObj }},
		{"inuse_space", "bytes", 0, func(h heapSample) int64 { return h.inuseObj * h.objSize }},
	}
	for _, kd := range kinds {
		p := sp.Profiles().AppendEmpty()
		p.SetProfileID(profileID(r))
		x.valueType(p.SampleType(), kd.typ, kd.unit)
		x.valueType(p.PeriodType(), "space", "bytes")
		p.SetPeriod(524288)
		p.SetTime(pcommon.Timestamp(t0 + 2_000_000_000))
		p.SetDurationNano(kd.dur)
		p.SetOriginalPayloadFormat("pprof")
		for _, h := range hs {
			s := p.Samples().AppendEmpty()
			s.SetStackIndex(h.stack)
			s.AttributeIndices().Append(exe)
			s.Values().Append(kd.value(h))
		}
	}
	return pd
}

// buildCPUPprof: a pprof CPU profile converted to OTLP: the same samples as
// samples/count (period 10 ms of cpu/nanoseconds) and as cpu/nanoseconds,
// plus a goroutine/count profile that has no metric.
func buildCPUPprof() pprofile.Profiles {
	r := newRNG(0x9917)
	pd := pprofile.NewProfiles()
	x := newDict(pd.Dictionary())
	g := newGoKit(x, "/usr/local/bin/api-server")
	rp := pd.ResourceProfiles().AppendEmpty()
	rp.SetSchemaUrl(schemaURL)
	rp.Resource().Attributes().PutStr("service.name", "api")
	rp.Resource().Attributes().PutStr("host.name", "api-7c9f")
	sp := rp.ScopeProfiles().AppendEmpty()
	sp.Scope().SetName("pprof")
	exe := x.attrStr("process.executable.name", "api-server")
	routes := []int32{x.attrStr("http.route", "/orders"), x.attrStr("http.route", "/cart")}

	const period = 10_000_000
	type cpuSample struct {
		stack  int32
		labels []int32
		count  int64
	}
	var cs []cpuSample
	for i := range 12 {
		var labels []int32
		if i%3 != 2 {
			labels = []int32{routes[r.intn(2)]}
		}
		cs = append(cs, cpuSample{stack: x.stack(g.stack(r, 3, 9)), labels: labels, count: int64(r.between(1, 25))})
	}
	start := t0 + 3_000_000_000
	mk := func(typ, unit string, value func(c cpuSample) int64) {
		p := sp.Profiles().AppendEmpty()
		p.SetProfileID(profileID(r))
		x.valueType(p.SampleType(), typ, unit)
		x.valueType(p.PeriodType(), "cpu", "nanoseconds")
		p.SetPeriod(period)
		p.SetTime(pcommon.Timestamp(start))
		p.SetDurationNano(10_000_000_000)
		p.AttributeIndices().Append(exe)
		p.SetOriginalPayloadFormat("pprof")
		for _, c := range cs {
			s := p.Samples().AppendEmpty()
			s.SetStackIndex(c.stack)
			s.AttributeIndices().Append(c.labels...)
			s.Values().Append(value(c))
		}
	}
	mk("samples", "count", func(c cpuSample) int64 { return c.count })
	mk("cpu", "nanoseconds", func(c cpuSample) int64 { return c.count * period })

	gr := sp.Profiles().AppendEmpty()
	gr.SetProfileID(profileID(r))
	x.valueType(gr.SampleType(), "goroutine", "count")
	x.valueType(gr.PeriodType(), "goroutine", "count")
	gr.SetPeriod(1)
	gr.SetTime(pcommon.Timestamp(start))
	for range 5 {
		s := gr.Samples().AppendEmpty()
		s.SetStackIndex(x.stack(g.stack(r, 3, 6)))
		s.Values().Append(int64(r.between(1, 40)))
	}
	return pd
}

// buildMultiA: a small eBPF-like on-CPU request (executable on the resource).
func buildMultiA() pprofile.Profiles {
	r := newRNG(0xa11a)
	pd := pprofile.NewProfiles()
	x := newDict(pd.Dictionary())
	k := newFrameKit(x, r)
	p := ebpfProc{exe: "redis-server", path: "/usr/bin/redis-server", pid: 977, threads: []string{"redis-server", "bio_lazy_free"},
		app:    []string{"main", "aeMain", "aeProcessEvents", "readQueryFromClient", "processCommand", "call", "setCommand", "dictAdd"},
		inline: [2]string{"dictHashKey", "dictFind"}}
	app := appLocations(x, k, p, 7)
	rp := pd.ResourceProfiles().AppendEmpty()
	rp.SetSchemaUrl(schemaURL)
	rp.Resource().Attributes().PutStr("process.executable.name", p.exe)
	rp.Resource().Attributes().PutInt("process.pid", p.pid)
	sp := rp.ScopeProfiles().AppendEmpty()
	sp.Scope().SetName(ebpfScope)
	sp.Scope().SetVersion(ebpfScopeV)
	prof := sp.Profiles().AppendEmpty()
	prof.SetProfileID(profileID(r))
	x.valueType(prof.SampleType(), "samples", "count")
	x.valueType(prof.PeriodType(), "cpu", "nanoseconds")
	prof.SetPeriod(50_000_000)
	start := t0 + 60_000_000_000
	prof.SetTime(pcommon.Timestamp(start))
	prof.SetDurationNano(5_000_000_000)
	for ti, th := range p.threads {
		for range 2 {
			s := prof.Samples().AppendEmpty()
			s.SetStackIndex(x.stack(ebpfStack(k, app, false)))
			s.AttributeIndices().Append(x.attrStr("thread.name", th), x.attrInt("thread.id", p.pid+int64(ti)))
			for range r.between(1, 4) {
				s.TimestampsUnixNano().Append(start + uint64(r.intn(5_000_000_000)))
			}
		}
	}
	return pd
}

// buildMultiB: a different small request: a wall profile in microseconds and
// an off_cpu profile in one scope, with its own dictionary.
func buildMultiB() pprofile.Profiles {
	r := newRNG(0xb22b)
	pd := pprofile.NewProfiles()
	x := newDict(pd.Dictionary())
	g := newGoKit(x, "/srv/worker")
	rp := pd.ResourceProfiles().AppendEmpty()
	rp.Resource().Attributes().PutStr("service.name", "worker")
	rp.Resource().Attributes().PutStr("process.executable.name", "worker")
	sp := rp.ScopeProfiles().AppendEmpty()
	sp.Scope().SetName("wallclock")
	start := t0 + 120_000_000_000
	for _, kind := range []struct{ typ, unit string }{{"wall", "microseconds"}, {"off_cpu", "nanoseconds"}} {
		p := sp.Profiles().AppendEmpty()
		p.SetProfileID(profileID(r))
		x.valueType(p.SampleType(), kind.typ, kind.unit)
		p.SetTime(pcommon.Timestamp(start))
		// No duration: the end is the greatest sample timestamp.
		for i := range 4 {
			s := p.Samples().AppendEmpty()
			s.SetStackIndex(x.stack(g.stack(r, 3, 7)))
			s.AttributeIndices().Append(x.attrStr("thread.name", fmt.Sprintf("worker-%d", i%2)))
			s.Values().Append(int64(r.between(1_000, 2_000_000)))
			s.TimestampsUnixNano().Append(start + uint64(r.intn(9_000_000_000)))
		}
	}
	return pd
}
