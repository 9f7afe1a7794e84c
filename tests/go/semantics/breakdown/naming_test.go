// naming_test.go: the oracle's naming rules of the library, kernel and
// package breakdowns (internal/pdataoracle/breakdowns.go) give the names of
// every example of their contract (docs/metrics.md, "Breakdowns and
// recording rules"), so that the comparisons with ptm rest on the contract.
package breakdown

import (
	"strings"
	"testing"

	"profiletometrics/tests/go/internal/pdataoracle"
)

// The contract's examples (and a few more), for the rules here and, as
// built frames, for ptm (TestBreakdownsOfBuiltFrames).
var libraryCases = []struct{ file, want string }{
	{"/lib/x86_64-linux-gnu/libc.so.6", "libc"}, {"libglib-2.0.so.0.8600.4", "libglib-2.0"},
	{"ld-linux-x86-64.so.2", "ld-linux-x86-64"}, {"libpython3.11.so.1.0", "libpython3.11"},
	{"/usr/bin/containerd", "containerd"}, {"libfoo.source", "libfoo.source"}, {"/x/libz.so", "libz"},
	{"/usr/lib/libssl.so.3 (deleted)", "libssl"}, {"/opt/lib/libx.so.so.1", "libx"}, {"", pdataoracle.UnknownFrame},
}

type packageCase struct{ typ, fn, file, want string }

var packageCases = []packageCase{
	{"go", "encoding/json.(*Decoder).Decode", "", "encoding/json"}, {"go", "main.main.func1", "", "main"},
	{"go", "net/http.(*conn).serve.func1", "", "net/http"}, {"go", "github.com/a/b.F[...]", "", "github.com/a/b"},
	{"go", "slices.SortFunc[go.shape.[]string,go.shape.func(string, string) int]", "", "slices"},
	{"go", "gopkg.in/yaml%2ev3.(*decoder).unmarshal", "", "gopkg.in/yaml%2ev3"}, {"go", "runtime.mcall", "", "runtime"},
	{"go", "internal/runtime/syscall.Syscall6", "", "internal/runtime/syscall"}, {"go", "nodot", "", pdataoracle.UnknownFrame},
	{"jvm", "java/util/HashMap.get", "", "java/util/HashMap"}, {"jvm", "java.util.HashMap.get", "", "java.util.HashMap"},
	{"jvm", "com.x.Foo$$Lambda$14/0x0000.run", "", "com.x.Foo"}, {"jvm", "a.Outer$Inner.m(I)V", "", "a.Outer$Inner"},
	{"jvm", "nodot", "", pdataoracle.UnknownFrame},
	{"jvm", "void java.lang.AbstractStringBuilder.appendChars(java.lang.String, int, int)", "", "java.lang.AbstractStringBuilder"},
	{"jvm", "java.util.Map<java.lang.String, java.lang.Object> a.B.m()", "", "a.B"},
	{"dotnet", "System.Private.CoreLib!System.Threading.Thread.StartCallback()", "", "System.Threading.Thread"},
	{"dotnet", "System.Collections.Generic.Dictionary`2.TryInsert", "", "System.Collections.Generic.Dictionary`2"},
	{"cpython", "f", "/usr/lib/python3.11/json/decoder.py", "json/decoder"},
	{"cpython", "f", "/app/.venv/lib/python3.12/site-packages/requests/sessions.py", "requests/sessions"},
	{"cpython", "f", "/usr/lib/python3/dist-packages/yaml/__init__.py", "yaml"}, {"cpython", "f", "/srv/app.py", "app"},
	{"cpython", "f", "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap>"}, {"cpython", "f", "", pdataoracle.UnknownFrame},
	{"v8js", "f", "/srv/node_modules/express/lib/router.js", "express"},
	{"v8js", "f", "/srv/node_modules/a/node_modules/@scope/pkg/x.js", "@scope/pkg"},
	{"v8js", "f", "node:internal/process/task_queues", "node:internal"}, {"v8js", "f", "node:fs", "node:fs"},
	{"v8js", "f", "file:///srv/app/server.mjs", "server"}, {"v8js", "f", "", pdataoracle.UnknownFrame},
}

// kernel is the class a kernel stack is expected to get.
func kernel(area, protocol, direction, syscall string) pdataoracle.KernelClass {
	return pdataoracle.KernelClass{Area: area, Protocol: protocol, Direction: direction, Syscall: syscall}
}

var kernelCases = []struct {
	names []string
	want  pdataoracle.KernelClass
}{
	{strings.Fields("finish_task_switch.isra.0 __schedule schedule futex_do_wait __futex_wait futex_wait do_futex __x64_sys_futex do_syscall_64"), kernel("synchronization", "", "", "futex")},
	{strings.Fields("finish_task_switch.isra.0 __schedule schedule schedule_hrtimeout_range_clock poll_schedule_timeout.constprop.0 do_poll.constprop.0 do_sys_poll __x64_sys_ppoll"), kernel("other", "", "", "ppoll")},
	{strings.Fields("copy_user_generic _copy_from_iter tcp_sendmsg_locked tcp_sendmsg sock_sendmsg sock_write_iter vfs_write ksys_write __x64_sys_write"), kernel("network", "tcp", "write", "write")},
	{strings.Fields("_raw_spin_lock tcp_sendmsg"), kernel("network", "tcp", "write", "")},
	{strings.Fields("clear_page_erms do_anonymous_page __handle_mm_fault handle_mm_fault exc_page_fault"), kernel("memory", "", "", "")},
	{strings.Fields("pipe_write vfs_write ksys_write __x64_sys_write"), kernel("ipc", "", "write", "write")},
	{strings.Fields("btrfs_search_slot __x64_sys_pwrite64"), kernel("disk", "", "write", "pwrite64")},
	{strings.Fields("foo __x64_sys_getpid tcp_sendmsg"), kernel("other", "", "", "getpid")},
	{strings.Fields("ext4_file_write_iter"), kernel("disk", "", "write", "")},
	{strings.Fields("schedule __x64_sys_mmap"), kernel("memory", "", "", "mmap")},
	{strings.Fields("napi_poll.cold net_rx_action __do_softirq"), kernel("network", "other", "read", "")},
	{strings.Fields("udp_sendmsg.constprop.1 __arm64_sys_sendmmsg"), kernel("network", "udp", "write", "sendmmsg")},
	{strings.Fields("schedule __do_sys_recvmmsg"), kernel("other", "", "read", "recvmmsg")},
	{strings.Fields("ext4_writepages do_writepages __writeback_single_inode writeback_sb_inodes __writeback_inodes_wb wb_writeback wb_workfn process_one_work"), kernel("disk", "", "write", "")},
	{strings.Fields("pipe_read vfs_read ksys_read"), kernel("ipc", "", "read", "read")},
	{strings.Fields("copy_user_generic filemap_read vfs_read ksys_pread64"), kernel("disk", "", "read", "pread64")},
	{nil, kernel("other", "", "", "")},
}

func TestBreakdownNamingRules(t *testing.T) {
	for _, c := range libraryCases {
		if got := pdataoracle.FrameLibrary(c.file); got != c.want {
			t.Errorf("frameLibrary(%q) = %q, want %q", c.file, got, c.want)
		}
	}
	for _, c := range packageCases {
		if got, ok := pdataoracle.FramePackage(c.typ, c.fn, c.file); !ok || got != c.want {
			t.Errorf("framePackage(%q, %q, %q) = %q, %v; want %q", c.typ, c.fn, c.file, got, ok, c.want)
		}
	}
	for _, typ := range []string{"native", "kernel", "ruby", "Go", ""} {
		if _, ok := pdataoracle.FramePackage(typ, "a.b", "x.py"); ok {
			t.Errorf("framePackage(%q) should have no package rule", typ)
		}
	}
	for _, c := range kernelCases {
		if got := pdataoracle.KernelClassify(c.names); got != c.want {
			t.Errorf("kernelClassify(%v) = %+v, want %+v", c.names, got, c.want)
		}
	}
}
