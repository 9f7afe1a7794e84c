/*
 * frame_names.h: what a frame's names say about where the time goes: the
 * shared library of a native frame, the kernel area of a kernel stack, the
 * package or class of a managed frame (docs/metrics.md, "Breakdowns").
 *
 * Pure functions of their inputs: no allocation, no state. What they return
 * points into their inputs or at static text, so a caller interns it. The
 * kernel table is a constant array of prefix and substring patterns: there
 * is nothing to compile, and a stack is classified in one pass over its
 * kernel frames (the caller does it once per stack, never per sample).
 */
#ifndef PTM_FRAME_NAMES_H
#define PTM_FRAME_NAMES_H

#include "base/arena.h"

/* "[unknown]": the value of a name that cannot be told. */
extern const byte_slice frame_unknown;

/* The library of a mapping file name: its base name, less a ".so" suffix
 * and what follows it (".so" at the end, or ".so" followed by '.'):
 * "/lib/x86_64-linux-gnu/libc.so.6" -> "libc", "libglib-2.0.so.0.8600.4"
 * -> "libglib-2.0", "/usr/bin/containerd" -> "containerd". An empty result
 * gives frame_unknown. */
byte_slice frame_library(byte_slice mapping_file_name);

/* The kernel area of a stack's kernel frames. */
typedef struct kernel_class {
    const char *area;       /* network, ipc, disk, memory, synchronization or other */
    const char *protocol;   /* tcp, udp, other, or NULL */
    const char *direction;  /* read, write, or NULL */
    byte_slice syscall;     /* N of __x64_sys_N and the like; size 0 when none */
} kernel_class;

/* Classifies the kernel frames names[0..count) (leaf first: the function
 * names of the leaf's kernel locations, up to the first non-kernel one) by
 * the table in docs/metrics.md, "Kernel area" (src/decode/frame_names.c's kernel_rows):
 * names are cut at their first '.', the first syscall entry frame from the
 * leaf (__x64_sys_N, ...) gives the syscall and ends the frames looked at,
 * the first row (in table order) matching any looked-at frame wins, the
 * syscall gives the area when no row matches, and the direction when the
 * row has none. Protocol is set for network only. */
void kernel_classify(const byte_slice *names, uint32_t count, kernel_class *out);

/* The package (go), class (jvm, dotnet) or module (cpython, v8js) of a leaf
 * frame, from its profile.frame.type value (size 0 when it has none), its
 * function name and its function's file name. False when frames of that
 * type have no package (native, kernel and the others); true with *out set
 * otherwise, to frame_unknown when the name does not tell. *out is a slice
 * of the input, so it keeps the input's spelling: a Go package keeps the
 * linker's "%2e" for a dot of its last path element ("gopkg.in/yaml%2ev3"),
 * and a Python module keeps '/' as its separator ("json/decoder"). */
bool frame_package(byte_slice frame_type, byte_slice function_name, byte_slice file_name,
                   byte_slice *out);

#endif /* PTM_FRAME_NAMES_H */
