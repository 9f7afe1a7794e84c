/*
 * frame_names.c: library, kernel area and package names of frames (see
 * frame_names.h; the rules are docs/metrics.md's, "Breakdowns").
 *
 * Everything is a scan of the input slices against static tables: no
 * allocation, no state. Results are slices of the inputs or static text, so
 * nothing is unescaped or rewritten: a Go package keeps "%2e", a Python
 * module keeps '/'. The kernel table is one static const array of rows
 * (area, protocol, direction, NULL-terminated entries), in docs/metrics.md's order
 * and priority; an entry is a name prefix, or with a leading '*' a substring.
 */
#include "decode/frame_names.h"

#include <string.h>

const byte_slice frame_unknown = {(const uint8_t *)"[unknown]", 9};

/* prefix is not empty; its first byte is compared before its length is
 * taken, which settles most of the kernel table's entries. */
static bool starts_with(byte_slice text, const char *prefix)
{
    if (text.size == 0 || text.data[0] != (uint8_t)prefix[0])
        return false;
    size_t size = strlen(prefix);
    return text.size >= size && memcmp(text.data, prefix, size) == 0;
}

static bool ends_with(byte_slice text, const char *suffix)
{
    size_t size = strlen(suffix);
    return text.size >= size && memcmp(text.data + text.size - size, suffix, size) == 0;
}

/* The offset of the first needle in text at or after from, or text.size. */
static size_t find(byte_slice text, const char *needle, size_t from)
{
    size_t size = strlen(needle);
    for (size_t i = from; i + size <= text.size; i++) {
        if (memcmp(text.data + i, needle, size) == 0)
            return i;
    }
    return text.size;
}

/* The offset after the last needle in text, or 0 when there is none. */
static size_t after_last(byte_slice text, const char *needle)
{
    size_t size = strlen(needle);
    for (size_t i = text.size; i >= size; i--) {
        if (memcmp(text.data + i - size, needle, size) == 0)
            return i;
    }
    return 0;
}

static size_t first_byte(byte_slice text, uint8_t byte, size_t from)
{
    for (size_t i = from; i < text.size; i++) {
        if (text.data[i] == byte)
            return i;
    }
    return text.size;
}

/* The offset of the last byte in text, or text.size when it has none. */
static size_t last_byte(byte_slice text, uint8_t byte)
{
    for (size_t i = text.size; i > 0; i--) {
        if (text.data[i - 1] == byte)
            return i - 1;
    }
    return text.size;
}

static byte_slice sub(byte_slice text, size_t from, size_t to)
{
    return (byte_slice){text.data + from, to - from};
}

static byte_slice base_name(byte_slice path)
{
    size_t slash = last_byte(path, '/');
    return slash == path.size ? path : sub(path, slash + 1, path.size);
}

static byte_slice known_or_unknown(byte_slice text)
{
    return text.size > 0 ? text : frame_unknown;
}

byte_slice frame_library(byte_slice mapping_file_name)
{
    byte_slice name = mapping_file_name;
    if (ends_with(name, " (deleted)"))
        name.size -= strlen(" (deleted)");
    name = base_name(name);
    for (size_t at = find(name, ".so", 0); at < name.size; at = find(name, ".so", at + 1)) {
        size_t end = at + 3;
        if (end == name.size || name.data[end] == '.') {
            name.size = at;
            break;
        }
    }
    return known_or_unknown(name);
}

/* ---- kernel areas ------------------------------------------------------ */

/* A row of the kernel table (docs/metrics.md, "Kernel areas"): entries match a
 * name they start, or, written "*x", one that contains x. */
typedef struct kernel_row {
    const char *area, *protocol, *direction;
    const char *const *entries; /* NULL-terminated */
} kernel_row;

#define ENTRIES(...) ((const char *const[]){__VA_ARGS__, NULL})
static const kernel_row kernel_rows[] = {
    {"network", "tcp", "write", ENTRIES("tcp_sendmsg", "tcp_sendpage", "tcp_write_xmit", "tcp_push",
                                        "__tcp_transmit_skb", "tcp_splice")},
    {"network", "tcp", "read", ENTRIES("tcp_recvmsg", "tcp_read_sock", "tcp_rcv_established", "tcp_v4_rcv",
                                       "tcp_v6_rcv", "tcp_data_queue")},
    {"network", "udp", "write", ENTRIES("udp_sendmsg", "udpv6_sendmsg", "udp_send_skb")},
    {"network", "udp", "read", ENTRIES("udp_recvmsg", "udpv6_recvmsg", "udp_rcv", "udpv6_rcv",
                                       "__udp4_lib_rcv", "__udp6_lib_rcv")},
    {"ipc", NULL, "write", ENTRIES("pipe_write", "unix_stream_sendmsg", "unix_dgram_sendmsg", "eventfd_write",
                                   "do_mq_timedsend")},
    {"ipc", NULL, "read", ENTRIES("pipe_read", "unix_stream_recvmsg", "unix_stream_read_generic",
                                  "unix_dgram_recvmsg", "eventfd_read", "do_mq_timedreceive")},
    {"network", "other", "write", ENTRIES("sock_sendmsg", "sock_write_iter", "__sys_sendto", "__sys_sendmsg",
                                          "__dev_queue_xmit", "dev_queue_xmit", "ip_output", "ip6_output",
                                          "ip_finish_output")},
    {"network", "other", "read", ENTRIES("sock_recvmsg", "sock_read_iter", "__sys_recvfrom", "__sys_recvmsg",
                                         "net_rx_action", "__netif_receive_skb", "ip_rcv", "ipv6_rcv", "napi_")},
    {"disk", NULL, "write", ENTRIES("vfs_write", "vfs_writev", "generic_perform_write", "iomap_file_buffered_write",
                                    "*_file_write_iter", "blkdev_write_iter", "vfs_fsync", "do_fsync",
                                    "filemap_write", "do_writepages", "*_writepages", "writeback_", "wb_writeback",
                                    "__writeback_")},
    {"disk", NULL, "read", ENTRIES("vfs_read", "vfs_readv", "filemap_read", "filemap_fault", "*_file_read_iter",
                                   "blkdev_read_iter", "page_cache_ra", "ondemand_readahead")},
    {"disk", NULL, NULL, ENTRIES("btrfs_", "ext4_", "xfs_", "f2fs_", "nfs_", "fuse_", "jbd2_", "submit_bio",
                                 "__submit_bio", "blk_mq_")},
    {"memory", NULL, NULL, ENTRIES("handle_mm_fault", "__handle_mm_fault", "do_anonymous_page", "exc_page_fault",
                                   "do_user_addr_fault", "__alloc_pages", "alloc_pages", "kmem_cache_alloc",
                                   "__kmalloc", "kfree", "do_mmap", "mmap_region", "__vm_munmap", "do_madvise",
                                   "do_brk_flags", "shrink_", "kswapd", "try_to_free_pages", "compact_",
                                   "clear_page", "evict_folios", "lru_gen_", "balance_pgdat")},
    {"synchronization", NULL, NULL, ENTRIES("futex_", "do_futex", "__futex", "rwsem_", "down_read", "down_write",
                                            "__mutex_lock", "mutex_lock", "_raw_spin_lock",
                                            "queued_spin_lock_slowpath", "synchronize_rcu")},
};
enum { KERNEL_ROW_COUNT = sizeof kernel_rows / sizeof kernel_rows[0] };

static const char *const syscall_prefixes[] = {"__x64_sys_", "__arm64_sys_", "__ia32_sys_", "__x64_compat_sys_",
                                               "__ia32_compat_sys_", "__se_sys_", "__do_sys_", "ksys_", "__sys_",
                                               NULL};
static const char *const read_syscalls[] = {"read", "readv", "pread64", "preadv", "preadv2", "recvfrom",
                                            "recvmsg", "recvmmsg", NULL};
static const char *const write_syscalls[] = {"write", "writev", "pwrite64", "pwritev", "pwritev2", "sendto",
                                             "sendmsg", "sendmmsg", "sendfile64", NULL};
static const char *const synchronization_syscalls[] = {"futex", "futex_waitv", "sched_yield", NULL};
static const char *const memory_syscalls[] = {"mmap", "munmap", "mprotect", "madvise", "brk", "mremap", NULL};

static bool is_one_of(byte_slice text, const char *const *names)
{
    for (; *names != NULL; names++) {
        if (slice_equals_cstr(text, *names))
            return true;
    }
    return false;
}

/* A kernel function name less its compiler suffix (".isra.0", ...). */
static byte_slice kernel_name(byte_slice name)
{
    return sub(name, 0, first_byte(name, '.', 0));
}

/* The syscall a syscall entry frame's name names; size 0 when it is not one. */
static byte_slice syscall_of(byte_slice name)
{
    for (const char *const *prefix = syscall_prefixes; *prefix != NULL; prefix++) {
        if (starts_with(name, *prefix))
            return sub(name, strlen(*prefix), name.size);
    }
    return (byte_slice){0};
}

static bool entry_matches(const char *entry, byte_slice name)
{
    if (entry[0] == '*')
        return find(name, entry + 1, 0) < name.size;
    return starts_with(name, entry);
}

static bool row_matches(const kernel_row *row, byte_slice name)
{
    for (const char *const *entry = row->entries; *entry != NULL; entry++) {
        if (entry_matches(*entry, name))
            return true;
    }
    return false;
}

/* The first row that matches any of the names, or NULL: each name is cut
 * once and tried against the rows above the best found so far. */
static const kernel_row *first_matching_row(const byte_slice *names, uint32_t count)
{
    int best = KERNEL_ROW_COUNT;
    for (uint32_t i = 0; i < count && best > 0; i++) {
        byte_slice name = kernel_name(names[i]);
        for (int r = 0; r < best; r++) {
            if (row_matches(&kernel_rows[r], name)) {
                best = r;
                break;
            }
        }
    }
    return best < KERNEL_ROW_COUNT ? &kernel_rows[best] : NULL;
}

void kernel_classify(const byte_slice *names, uint32_t count, kernel_class *out)
{
    *out = (kernel_class){.area = "other"};
    uint32_t looked_at = count;
    for (uint32_t i = 0; i < count; i++) {
        byte_slice syscall = syscall_of(kernel_name(names[i]));
        if (syscall.size > 0) {
            out->syscall = syscall;
            looked_at = i + 1;
            break;
        }
    }
    const kernel_row *row = first_matching_row(names, looked_at);
    if (row != NULL) {
        out->area = row->area;
        out->protocol = row->protocol;
        out->direction = row->direction;
    } else if (is_one_of(out->syscall, synchronization_syscalls)) {
        out->area = "synchronization";
    } else if (is_one_of(out->syscall, memory_syscalls)) {
        out->area = "memory";
    }
    if (out->direction == NULL)
        out->direction = is_one_of(out->syscall, read_syscalls) ? "read"
                       : is_one_of(out->syscall, write_syscalls) ? "write" : NULL;
}

/* ---- packages ---------------------------------------------------------- */

static byte_slice go_package(byte_slice name)
{
    name = sub(name, 0, first_byte(name, '[', 0));
    size_t slash = last_byte(name, '/');
    size_t dot = first_byte(name, '.', slash == name.size ? 0 : slash + 1);
    return dot == name.size ? frame_unknown : known_or_unknown(sub(name, 0, dot));
}

static byte_slice class_of(byte_slice name)
{
    size_t bang = last_byte(name, '!');
    if (bang < name.size)
        name = sub(name, bang + 1, name.size);
    name = sub(name, 0, first_byte(name, '(', 0));
    size_t space = last_byte(name, ' ');
    if (space < name.size) /* "void java.lang.X.m": the return type goes */
        name = sub(name, space + 1, name.size);
    size_t lambda = find(name, "$$Lambda", 0);
    if (lambda < name.size) /* the class is what precedes the hidden class's suffix */
        return known_or_unknown(sub(name, 0, lambda));
    size_t dot = last_byte(name, '.');
    return dot == name.size ? frame_unknown : known_or_unknown(sub(name, 0, dot));
}

/* The offset after the last path component "pythonX.Y/" (python and a
 * digit), or 0 when there is none. */
static size_t after_python_directory(byte_slice path)
{
    size_t found = 0;
    for (size_t at = find(path, "python", 0); at < path.size; at = find(path, "python", at + 1)) {
        bool component = at == 0 || path.data[at - 1] == '/';
        bool digit = at + 6 < path.size && path.data[at + 6] >= '0' && path.data[at + 6] <= '9';
        size_t slash = first_byte(path, '/', at);
        if (component && digit && slash < path.size)
            found = slash + 1;
    }
    return found;
}

static byte_slice python_module(byte_slice file)
{
    size_t from = after_last(file, "site-packages/");
    size_t dist = after_last(file, "dist-packages/");
    from = dist > from ? dist : from;
    if (from == 0)
        from = after_python_directory(file);
    byte_slice module = from > 0 ? sub(file, from, file.size) : base_name(file);
    if (ends_with(module, ".py"))
        module.size -= 3;
    if (ends_with(module, "/__init__"))
        module.size -= strlen("/__init__");
    return known_or_unknown(module);
}

static byte_slice node_module(byte_slice file)
{
    size_t from = after_last(file, "node_modules/");
    if (from > 0) {
        byte_slice rest = sub(file, from, file.size);
        size_t end = first_byte(rest, '/', 0);
        if (rest.size > 0 && rest.data[0] == '@' && end < rest.size)
            end = first_byte(rest, '/', end + 1);
        return known_or_unknown(sub(rest, 0, end));
    }
    if (starts_with(file, "node:"))
        return sub(file, 0, first_byte(file, '/', 5));
    byte_slice base = base_name(file);
    size_t dot = last_byte(base, '.');
    return known_or_unknown(dot < base.size ? sub(base, 0, dot) : base);
}

bool frame_package(byte_slice frame_type, byte_slice function_name, byte_slice file_name, byte_slice *out)
{
    if (slice_equals_cstr(frame_type, "go"))
        *out = go_package(function_name);
    else if (slice_equals_cstr(frame_type, "jvm") || slice_equals_cstr(frame_type, "dotnet"))
        *out = class_of(function_name);
    else if (slice_equals_cstr(frame_type, "cpython"))
        *out = python_module(file_name);
    else if (slice_equals_cstr(frame_type, "v8js"))
        *out = node_module(file_name);
    else
        return false;
    return true;
}
