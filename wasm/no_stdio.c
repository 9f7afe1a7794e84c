/*
 * no_stdio.c: wasi-libc's stdio without its system calls, for the modules
 * that never write to a file descriptor (the reactor, the Envoy filter).
 *
 * The core formats numbers with snprintf, and wasi-libc's printf family
 * links its stdio (stdout/stderr), whose three system calls would become
 * imports. These definitions satisfy the links inside the module (each
 * returns ENOSYS, 52), so they are not imported.
 */
#include <stdint.h>

enum { WASI_ENOSYS = 52 };

int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd);
int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t offset, int32_t whence,
                                                  int32_t result);
int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len,
                                                   int32_t result);

int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd)
{
    (void)fd;
    return WASI_ENOSYS;
}

int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t offset, int32_t whence,
                                                  int32_t result)
{
    (void)fd, (void)offset, (void)whence, (void)result;
    return WASI_ENOSYS;
}

int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len,
                                                   int32_t result)
{
    (void)fd, (void)iovs, (void)iovs_len, (void)result;
    return WASI_ENOSYS;
}
