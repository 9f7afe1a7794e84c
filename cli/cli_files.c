/*
 * cli_files.c: the ptm command's file source for symbolization
 * (ptm_file_source): the converter asks for paths, this reads them.
 *
 * Paths come partly from the profile (a mapping's file name, an
 * executable's path), so only a regular file is read (a FIFO or a device
 * named by a hostile profile would block or never end), opened without
 * blocking, at most CLI_SYMBOL_FILE_MAX bytes. An http:// path is a
 * debuginfod server's: one HTTP/1.0 GET over a socket (native only; the WASI
 * command has no sockets, so it reads local files only), a 200 answer's body
 * of at most the same size, within CLI_HTTP_TIMEOUT seconds per read.
 * https:// is left to the collector, which has a TLS stack.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef __wasi__
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#endif

/* The largest file read (the library's own bound is the same: 1 GiB). */
#define CLI_SYMBOL_FILE_MAX ((size_t)1 << 30)
enum { CLI_HTTP_TIMEOUT = 10 };

/* Reads all of fd, at most limit bytes (more: NULL). */
static uint8_t *read_all(int fd, size_t expected, size_t limit, size_t *size)
{
    size_t capacity = expected > 0 ? expected + 1 : 65536, used = 0;
    uint8_t *data = malloc(capacity);
    while (data != NULL) {
        if (used == capacity) {
            uint8_t *grown = capacity < limit ? realloc(data, capacity * 2 > limit + 1 ? limit + 1 : capacity * 2) : NULL;
            if (grown == NULL)
                break;
            data = grown;
            capacity = capacity * 2 > limit + 1 ? limit + 1 : capacity * 2;
        }
        ssize_t got = read(fd, data + used, capacity - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        if (got == 0) {
            *size = used;
            return data;
        }
        used += (size_t)got;
        if (used > limit)
            break;
    }
    free(data);
    return NULL;
}

static const uint8_t *read_local(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat info;
    uint8_t *data = NULL;
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && (uint64_t)info.st_size <= CLI_SYMBOL_FILE_MAX)
        data = read_all(fd, (size_t)info.st_size, CLI_SYMBOL_FILE_MAX, size);
    close(fd);
    return data;
}

#ifndef __wasi__
/* A socket connected to host:port, with read and write timeouts; -1. */
static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *found;
    if (getaddrinfo(host, port, &hints, &found) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *at = found; at != NULL && fd < 0; at = at->ai_next) {
        fd = socket(at->ai_family, at->ai_socktype, at->ai_protocol);
        struct timeval timeout = {CLI_HTTP_TIMEOUT, 0};
        if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
                        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0 ||
                        connect(fd, at->ai_addr, at->ai_addrlen) != 0)) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    return fd;
}

/* The body of a 200 answer to GET url (http://host[:port]/path), or NULL. */
static const uint8_t *read_http(const char *url, size_t *size)
{
    const char *authority = url + 7, *slash = strchr(authority, '/');
    size_t authority_size = slash != NULL ? (size_t)(slash - authority) : strlen(authority);
    char host[256], port[8] = "80", request[4608];
    if (authority_size == 0 || authority_size >= sizeof host)
        return NULL;
    memcpy(host, authority, authority_size);
    host[authority_size] = '\0';
    char *colon = strrchr(host, ':');
    if (colon != NULL && strchr(host, ']') == NULL) {
        snprintf(port, sizeof port, "%s", colon + 1);
        *colon = '\0';
    }
    int length = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %.*s\r\nAccept-Encoding: identity\r\n\r\n",
                          slash != NULL ? slash : "/", (int)authority_size, authority);
    int fd = length > 0 && (size_t)length < sizeof request ? connect_to(host, port) : -1;
    if (fd < 0)
        return NULL;
    uint8_t *answer = NULL;
    size_t answer_size = 0;
    if (write(fd, request, (size_t)length) == length)
        answer = read_all(fd, 0, CLI_SYMBOL_FILE_MAX + 65536, &answer_size);
    close(fd);
    const uint8_t *body = NULL;
    if (answer != NULL && answer_size >= 12 && memcmp(answer, "HTTP/1.", 7) == 0 && memcmp(answer + 8, " 200", 4) == 0) {
        for (size_t i = 0; i + 4 <= answer_size; i++) {
            if (memcmp(answer + i, "\r\n\r\n", 4) == 0) {
                *size = answer_size - i - 4;
                memmove(answer, answer + i + 4, *size);
                body = answer;
                break;
            }
        }
    }
    if (body == NULL)
        free(answer);
    return body;
}
#endif

static const uint8_t *read_path(void *context, const char *path, size_t *size)
{
    (void)context;
    *size = 0;
    if (strncmp(path, "http://", 7) == 0) {
#ifndef __wasi__
        return read_http(path, size);
#else
        return NULL;
#endif
    }
    return strncmp(path, "https://", 8) == 0 ? NULL : read_local(path, size);
}

static void release(void *context, const uint8_t *data, size_t size)
{
    (void)context;
    (void)size;
    free((void *)data);
}

const ptm_file_source cli_file_source = {NULL, read_path, release};
