// breakdowns.go: the breakdown metrics (docs/metrics.md, "Breakdowns and
// recording rules") computed from pdata: the naming rules of the library,
// kernel and package breakdowns implemented from their contract's text (not
// from src/frame_names.c), and ExpectBreakdowns, every breakdown series of
// the measures asked for over the samples EachFed gives.
package pdataoracle

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

const (
	UnknownFrame     = "[unknown]"
	FrameTypeKey     = "profile.frame.type"
	DefaultRuleDescr = "Recording rule over profile stacks"
)

// FrameLibrary: a mapping file name's base name, less " (deleted)" and a
// ".so" suffix (at the end, or followed by '.') with what follows.
func FrameLibrary(file string) string {
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
		return UnknownFrame
	}
	return base
}

type KernelClass struct{ Area, Protocol, Direction, Syscall string }

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

// KernelClassify: names are the kernel frames' function names, leaf first.
func KernelClassify(names []string) KernelClass {
	var k KernelClass
	looked := make([]string, 0, len(names))
	for _, n := range names {
		if i := strings.IndexByte(n, '.'); i >= 0 {
			n = n[:i]
		}
		looked = append(looked, n)
		if sys, ok := syscallOf(n); ok {
			k.Syscall = sys
			break
		}
	}
	matched := false
	for _, row := range kernelRows {
		for _, n := range looked {
			if row.matches(n) {
				k.Area, k.Protocol, k.Direction, matched = row.area, row.protocol, row.direction, true
				break
			}
		}
		if matched {
			break
		}
	}
	if !matched {
		k.Area = syscallArea[k.Syscall]
		if k.Area == "" {
			k.Area = "other"
		}
	}
	if k.Direction == "" {
		k.Direction = syscallDirection[k.Syscall]
	}
	if k.Area != "network" {
		k.Protocol = ""
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

// FramePackage: ok false when FrameType has no package rule.
func FramePackage(frameType, function, file string) (string, bool) {
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
		return UnknownFrame, true
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

// ExpectBreakdowns: every breakdown metric of the measures asked for.
func ExpectBreakdowns(pd pprofile.Profiles, measures []Measure) Totals {
	c := NewConverter(pd)
	want := Totals{}
	c.EachFed(pd, func(f FedSample) {
		suffix, counted := MeasureSuffix[f.Measure]
		if !counted || !containsMeasure(measures, f.Measure) {
			return
		}
		locs := c.StackLocations(f.Sample)
		typ := UnknownFrame
		if len(locs) > 0 {
			typ = c.FrameType(locs[0])
		}
		want[SeriesKeyOf("profile.frame_type."+suffix, map[string]string{FrameTypeKey: typ})] += f.Value
		switch typ {
		case "native":
			file := c.str(c.Dict.MappingTable().At(int(locs[0].MappingIndex())).FilenameStrindex())
			want[SeriesKeyOf("profile.library."+suffix, map[string]string{"profile.frame.library": FrameLibrary(file)})] += f.Value
		case "kernel":
			k := KernelClassify(c.kernelNames(locs))
			attrs := map[string]string{"profile.kernel.area": k.Area}
			for key, v := range map[string]string{"profile.kernel.protocol": k.Protocol, "profile.kernel.direction": k.Direction, "profile.kernel.syscall": k.Syscall} {
				if v != "" {
					attrs[key] = v
				}
			}
			want[SeriesKeyOf("profile.kernel."+suffix, attrs)] += f.Value
		}
		var function, file string
		if len(locs) > 0 && locs[0].Lines().Len() > 0 {
			fn := c.Dict.FunctionTable().At(int(locs[0].Lines().At(0).FunctionIndex()))
			function, file = c.str(fn.NameStrindex()), c.str(fn.FilenameStrindex())
		}
		if pkg, ok := FramePackage(typ, function, file); ok {
			want[SeriesKeyOf("profile.package."+suffix, map[string]string{"profile.frame.package": pkg})] += f.Value
		}
	})
	return want
}

// kernelNames: the function names of the kernel frames from the leaf, each
// location's lines in stored order.
func (c *converter) kernelNames(locs []pprofile.Location) []string {
	var names []string
	for _, loc := range locs {
		if c.FrameType(loc) != "kernel" {
			break
		}
		for _, line := range loc.Lines().All() {
			names = append(names, c.str(c.Dict.FunctionTable().At(int(line.FunctionIndex())).NameStrindex()))
		}
	}
	return names
}
