/*
 * test_frame_names.c: the naming rules of the breakdowns (src/decode/frame_names.c,
 * README.md "Breakdowns"): libraries, the kernel table with stacks from a
 * real eBPF capture, and each runtime's package or class names.
 */
#include "decode/frame_names.h"

#include "check.h"

#include <string.h>

static byte_slice s(const char *text)
{
    return (byte_slice){(const uint8_t *)text, strlen(text)};
}

static bool is(byte_slice got, const char *want)
{
    return slice_equals_cstr(got, want);
}

static bool same(const char *got, const char *want)
{
    return got == want || (got != NULL && want != NULL && strcmp(got, want) == 0);
}

static void test_library(void)
{
    CHECK(is(frame_library(s("/lib/x86_64-linux-gnu/libc.so.6")), "libc"), "libc.so.6");
    CHECK(is(frame_library(s("libglib-2.0.so.0.8600.4")), "libglib-2.0"), "versioned suffix");
    CHECK(is(frame_library(s("/lib64/ld-linux-x86-64.so.2")), "ld-linux-x86-64"), "loader");
    CHECK(is(frame_library(s("libpython3.11.so.1.0")), "libpython3.11"), "dots before .so kept");
    CHECK(is(frame_library(s("/usr/bin/containerd")), "containerd"), "an executable");
    CHECK(is(frame_library(s("libfoo.source")), "libfoo.source"), ".so followed by a letter");
    CHECK(is(frame_library(s("/x/libz.so")), "libz"), ".so at the end");
    CHECK(is(frame_library(s("/usr/lib/libssl.so.3 (deleted)")), "libssl"), "a replaced file");
    CHECK(is(frame_library(s("")), "[unknown]"), "no file name");
    CHECK(is(frame_library(s("/opt/")), "[unknown]"), "a directory");
}

/* Classifies names[] (NULL-terminated, leaf first). */
static kernel_class classify(const char *const *names)
{
    byte_slice slices[32];
    uint32_t count = 0;
    for (; names[count] != NULL; count++)
        slices[count] = s(names[count]);
    kernel_class class;
    kernel_classify(slices, count, &class);
    return class;
}

static bool kernel_is(const char *const *names, const char *area, const char *protocol,
                      const char *direction, const char *syscall)
{
    kernel_class class = classify(names);
    return same(class.area, area) && same(class.protocol, protocol) && same(class.direction, direction) &&
           is(class.syscall, syscall);
}

#define STACK(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_kernel(void)
{
    /* From the eBPF capture (../shared/fixtures/otlp-real). */
    CHECK(kernel_is(STACK("finish_task_switch.isra.0", "__schedule", "schedule", "futex_do_wait", "__futex_wait",
                          "futex_wait", "do_futex", "__x64_sys_futex", "do_syscall_64"),
                    "synchronization", NULL, NULL, "futex"), "futex wait");
    CHECK(kernel_is(STACK("finish_task_switch.isra.0", "__schedule", "schedule", "schedule_hrtimeout_range_clock",
                          "poll_schedule_timeout.constprop.0", "do_poll.constprop.0", "do_sys_poll",
                          "__x64_sys_ppoll"),
                    "other", NULL, NULL, "ppoll"), "ppoll: no row");
    CHECK(kernel_is(STACK("finish_task_switch.isra.0", "__schedule", "schedule", "schedule_preempt_disabled",
                          "rwsem_down_read_slowpath", "down_read", "btrfs_tree_read_lock_nested"),
                    "disk", NULL, NULL, ""), "disk row beats the rwsem under it");
    CHECK(kernel_is(STACK("smp_call_function_many_cond", "on_each_cpu_cond_mask", "arch_tlbbatch_flush",
                          "try_to_unmap_flush_dirty", "shrink_folio_list", "evict_folios"),
                    "memory", NULL, NULL, ""), "reclaim");
    /* Row priority, the syscall's part. */
    CHECK(kernel_is(STACK("copy_user_generic", "_copy_from_iter", "tcp_sendmsg_locked", "tcp_sendmsg",
                          "sock_sendmsg", "sock_write_iter", "vfs_write", "ksys_write", "__x64_sys_write"),
                    "network", "tcp", "write", "write"), "tcp write through write(2)");
    CHECK(kernel_is(STACK("_raw_spin_lock", "tcp_sendmsg"), "network", "tcp", "write", ""),
          "row priority beats frame proximity");
    CHECK(kernel_is(STACK("udp_recvmsg", "__x64_sys_recvfrom"), "network", "udp", "read", "recvfrom"), "udp");
    CHECK(kernel_is(STACK("sock_recvmsg", "__sys_recvfrom", "__x64_sys_recvfrom"), "network", "other", "read",
                    "recvfrom"), "another protocol");
    CHECK(kernel_is(STACK("clear_page_erms", "do_anonymous_page", "__handle_mm_fault", "handle_mm_fault",
                          "exc_page_fault"), "memory", NULL, NULL, ""), "page fault");
    CHECK(kernel_is(STACK("pipe_write", "vfs_write", "__x64_sys_write"), "ipc", NULL, "write", "write"),
          "pipe under vfs_write");
    CHECK(kernel_is(STACK("ext4_writepages", "do_writepages", "__writeback_single_inode", "writeback_sb_inodes",
                          "__writeback_inodes_wb", "wb_writeback", "wb_workfn", "process_one_work"),
                    "disk", NULL, "write", ""), "writeback is a disk write");
    CHECK(kernel_is(STACK("pipe_read", "vfs_read", "ksys_read"), "ipc", NULL, "read", "read"),
          "ksys_read: the syscall without an __x64_sys_ frame");
    CHECK(kernel_is(STACK("copy_user_generic", "filemap_read", "vfs_read", "ksys_pread64"), "disk", NULL, "read",
                    "pread64"), "ksys_pread64");
    CHECK(kernel_is(STACK("unix_stream_recvmsg", "sock_recvmsg", "__x64_sys_recvmsg"), "ipc", NULL, "read",
                    "recvmsg"), "unix socket beats the socket row");
    CHECK(kernel_is(STACK("btrfs_search_slot", "btrfs_file_write_iter", "__x64_sys_pwrite64"), "disk", NULL,
                    "write", "pwrite64"), "*_file_write_iter");
    CHECK(kernel_is(STACK("btrfs_search_slot", "__x64_sys_fsync"), "disk", NULL, NULL, "fsync"),
          "a disk row without direction, a syscall without one");
    CHECK(kernel_is(STACK("btrfs_search_slot", "__arm64_sys_pread64"), "disk", NULL, "read", "pread64"),
          "direction from the syscall");
    CHECK(kernel_is(STACK("foo", "__x64_sys_getpid", "tcp_sendmsg"), "other", NULL, NULL, "getpid"),
          "frames above the syscall entry are not looked at");
    CHECK(kernel_is(STACK("foo", "__x64_sys_mmap"), "memory", NULL, NULL, "mmap"), "memory by syscall");
    CHECK(kernel_is(STACK("foo", "__x64_sys_sched_yield"), "synchronization", NULL, NULL, "sched_yield"),
          "synchronization by syscall");
    CHECK(kernel_is(STACK("tty_write", "__x64_sys_write"), "other", NULL, "write", "write"),
          "no row: area other, direction from the syscall");
    kernel_class class;
    kernel_classify(NULL, 0, &class);
    CHECK(same(class.area, "other") && class.protocol == NULL && class.direction == NULL &&
          class.syscall.size == 0, "no frames");
}

static bool package_is(const char *type, const char *function, const char *file, const char *want)
{
    byte_slice out = {0};
    return frame_package(s(type), s(function), s(file), &out) && is(out, want);
}

static void test_package(void)
{
    CHECK(package_is("go", "encoding/json.(*Decoder).Decode", "", "encoding/json"), "go method");
    CHECK(package_is("go", "main.main.func1", "", "main"), "go closure");
    CHECK(package_is("go", "net/http.(*conn).serve.func1", "", "net/http"), "go method closure");
    CHECK(package_is("go", "github.com/a/b.F[go.shape.int]", "", "github.com/a/b"), "go generic");
    CHECK(package_is("go", "slices.SortFunc[go.shape.[]string,go.shape.func(string, string) int]", "", "slices"),
          "go generic with dots and slashes in brackets");
    CHECK(package_is("go", "runtime.mcall", "", "runtime"), "go runtime");
    CHECK(package_is("go", "internal/runtime/syscall.Syscall6", "", "internal/runtime/syscall"), "go internal");
    CHECK(package_is("go", "gopkg.in/yaml%2ev3.(*decoder).unmarshal", "", "gopkg.in/yaml%2ev3"),
          "go escaped dot kept");
    CHECK(package_is("go", "nodots", "", "[unknown]"), "go without a package");
    CHECK(package_is("go", "", "", "[unknown]"), "go without a name");
    CHECK(package_is("jvm", "java.util.HashMap.get", "", "java.util.HashMap"), "jvm");
    CHECK(package_is("jvm", "java/util/HashMap.get", "", "java/util/HashMap"), "jvm internal name");
    CHECK(package_is("jvm", "void java.lang.AbstractStringBuilder.appendChars(java.lang.String, int, int)", "",
                     "java.lang.AbstractStringBuilder"), "jvm: the eBPF profiler's name, its return type gone");
    CHECK(package_is("jvm", "com.x.Foo.bar(Ljava/lang/String;)V", "", "com.x.Foo"), "jvm signature");
    CHECK(package_is("jvm", "com.x.Foo$$Lambda$14/0x0000000800c0.run", "", "com.x.Foo"), "jvm lambda");
    CHECK(package_is("jvm", "com.x.Outer$Inner.run", "", "com.x.Outer$Inner"), "jvm nested class");
    CHECK(package_is("jvm", "nodots", "", "[unknown]"), "jvm without a class");
    CHECK(package_is("jvm", "", "", "[unknown]"), "jvm without a name");
    CHECK(package_is("dotnet", "System.Private.CoreLib!System.Threading.Thread.StartCallback()", "",
                     "System.Threading.Thread"), "dotnet module prefix");
    CHECK(package_is("dotnet", "System.Collections.Generic.Dictionary`2.TryInsert", "",
                     "System.Collections.Generic.Dictionary`2"), "dotnet generic arity");
    CHECK(package_is("cpython", "JSONDecoder.decode", "/usr/lib/python3.11/json/decoder.py", "json/decoder"),
          "python stdlib");
    CHECK(package_is("cpython", "Session.request", "/app/.venv/lib/python3.12/site-packages/requests/sessions.py",
                     "requests/sessions"), "python site-packages");
    CHECK(package_is("cpython", "load", "/usr/lib/python3/dist-packages/yaml/__init__.py", "yaml"),
          "python package __init__");
    CHECK(package_is("cpython", "main", "/srv/app.py", "app"), "python script");
    CHECK(package_is("cpython", "_find_and_load", "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap>"),
          "python frozen module");
    CHECK(package_is("cpython", "f", "", "[unknown]"), "python without a file");
    CHECK(package_is("v8js", "handle", "/app/node_modules/express/lib/router/index.js", "express"), "npm package");
    CHECK(package_is("v8js", "f", "/app/node_modules/a/node_modules/@scope/pkg/x.js", "@scope/pkg"),
          "scoped npm package, nested");
    CHECK(package_is("v8js", "processTicksAndRejections", "node:internal/process/task_queues", "node:internal"),
          "node builtin");
    CHECK(package_is("v8js", "readFile", "node:fs", "node:fs"), "node builtin without a path");
    CHECK(package_is("v8js", "main", "file:///srv/app/server.mjs", "server"), "a script");
    CHECK(package_is("v8js", "f", "", "[unknown]"), "v8 without a file");
    byte_slice out = s("untouched");
    CHECK(!frame_package(s("native"), s("memcpy"), s(""), &out) && is(out, "untouched"), "native: no package");
    CHECK(!frame_package(s("kernel"), s("schedule"), s(""), &out), "kernel: no package");
    CHECK(!frame_package(s(""), s("main.main"), s(""), &out), "no frame type: no package");
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_library();
    test_kernel();
    test_package();
    return check_report();
}
