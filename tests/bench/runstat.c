/*
 * runstat.c: runs one command and reports what it cost, for the rows of
 * `make bench` that are whole processes (the WASI command under wasmtime, the
 * native CLI on JSON Lines):
 *
 *   ptm_runstat [-o FILE] -- COMMAND [ARGS...]
 *
 * The command's stdin is /dev/null, its stdout /dev/null or FILE, its stderr
 * this program's. When it ends, prints one JSON object on stdout: its CPU
 * time (user + system, every thread, from wait4's rusage) in ns, its peak
 * RSS in KiB and its exit status (128 + signal when killed). Exits 0 when it
 * could run the command, 2 otherwise.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static long long timeval_ns(struct timeval tv) { return (long long)tv.tv_sec * 1000000000LL + (long long)tv.tv_usec * 1000LL; }

/* In the child: stdin from /dev/null, stdout to output (NULL: /dev/null),
 * then exec; never returns. */
static void exec_child(const char *output, char **command)
{
    int in = open("/dev/null", O_RDONLY);
    int out = output != NULL ? open(output, O_WRONLY | O_CREAT | O_TRUNC, 0644) : open("/dev/null", O_WRONLY);
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) {
        perror("ptm_runstat: redirecting");
        _exit(127);
    }
    execvp(command[0], command);
    fprintf(stderr, "ptm_runstat: cannot run %s: %s\n", command[0], strerror(errno));
    _exit(127);
}

int main(int argc, char **argv)
{
    const char *output = NULL;
    int at = 1;
    if (at + 1 < argc && strcmp(argv[at], "-o") == 0) {
        output = argv[at + 1];
        at += 2;
    }
    if (at >= argc || strcmp(argv[at], "--") != 0 || at + 1 >= argc) {
        fprintf(stderr, "usage: ptm_runstat [-o FILE] -- COMMAND [ARGS...]\n");
        return 2;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("ptm_runstat: fork");
        return 2;
    }
    if (child == 0)
        exec_child(output, argv + at + 1);
    int status = 0;
    struct rusage usage;
    if (wait4(child, &status, 0, &usage) != child) {
        perror("ptm_runstat: wait4");
        return 2;
    }
    int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("{\"cpu_ns\":%lld,\"peak_rss_kib\":%ld,\"exit\":%d}\n",
           timeval_ns(usage.ru_utime) + timeval_ns(usage.ru_stime), usage.ru_maxrss, exit_status);
    return 0;
}
