/*
 * cli_args.c: the ptm command's command line: the usage, the options
 * (cli_parse_arguments) and the terminal checks made before anything is
 * read (cli_check_terminals).
 */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include "cli_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cli_usage[] =
    "usage: ptm [-c CONFIG] [-i auto|otlp|json|pprof] [-f otlp|json|prom|folded | --top [N]] [-o OUT] [--stats] [INPUT...]\n"
    "  Converts profiles (OTLP protobuf, OTLP/JSON or JSON Lines, pprof; gzip or zstd) to OTLP metrics.\n"
    "  -c FILE    configuration (JSON, or YAML: the collector connector's block); defaults apply without it\n"
    "  -i FORMAT  the input: auto (told by its first bytes, default), otlp, json or pprof\n"
    "  -f FORMAT  otlp (protobuf, default; not to a terminal), json (OTLP/JSON lines), prom (Prometheus text)\n"
    "             or folded (collapsed stacks of the kept samples, for flame graphs)\n"
    "  --top [N]  a summary to read instead of metrics: totals, and the top N (10) processes, threads\n"
    "             and functions (self and inclusive) of the folded measure (cpu unless configured)\n"
    "  -o FILE    write to FILE instead of stdout\n"
    "  --stats    print the conversion's counts as one JSON object on stderr\n"
    "  INPUT...   request files, and directories (their files, in sorted order), converted as one;\n"
    "             stdin when absent or \"-\" (not a terminal)\n"
    "  -h, --help this text; --version the version\n";

int cli_fail(int code, const char *format, const char *detail)
{
    fprintf(stderr, "ptm: ");
    fprintf(stderr, format, detail);
    fputc('\n', stderr);
    return code;
}

static int parse_input_format(const char *text, ptm_input_format *format)
{
    static const char *const names[] = {"auto", "otlp", "json", "pprof"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *format = (ptm_input_format)i; /* PTM_INPUT_AUTO ... PTM_INPUT_PPROF, in this order */
            return 0;
        }
    }
    return cli_fail(PTM_EXIT_USAGE, "unknown input format \"%s\" (auto, otlp, json or pprof)", text);
}

static int parse_format(const char *text, ptm_format *format)
{
    if (strcmp(text, "otlp") == 0)
        *format = PTM_FORMAT_OTLP_PROTOBUF;
    else if (strcmp(text, "json") == 0)
        *format = PTM_FORMAT_OTLP_JSON;
    else if (strcmp(text, "prom") == 0)
        *format = PTM_FORMAT_PROMETHEUS;
    else if (strcmp(text, "folded") == 0)
        *format = PTM_FORMAT_FOLDED;
    else
        return cli_fail(PTM_EXIT_USAGE, "unknown format \"%s\" (otlp, json, prom or folded)", text);
    return 0;
}

/* --top, and its count when the next argument is a number (*i moves past
 * it); -1 to go on, or an exit code. */
static int parse_top(options *opts, const char *next, int *i)
{
    opts->top_count = PTM_TOP_COUNT_DEFAULT;
    if (next == NULL || next[0] < '0' || next[0] > '9')
        return -1;
    char *end;
    unsigned long count = strtoul(next, &end, 10);
    if (*end != '\0' || count < 1 || count > PTM_TOP_COUNT_MAX)
        return cli_fail(PTM_EXIT_USAGE, "--top %s: the count is a number from 1 to 1000", next);
    opts->top_count = (uint32_t)count;
    (*i)++;
    return -1;
}

static int set_input(options *opts, const char *arg)
{
    opts->inputs[opts->input_count++] = arg; /* room for argc of them */
    return -1;
}

/* Returns -1 to go on, or an exit code. "--" is ignored: some hosts pass it
 * through (`wasmtime run ptm.wasm -- ARGS`), others drop it. */
int cli_parse_arguments(int argc, char **argv, options *opts)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int code = -1;
        if (arg[0] != '-' || arg[1] == '\0') {
            code = set_input(opts, arg);
        } else if (strcmp(arg, "--") == 0) {
            continue;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(cli_usage, stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0) {
            printf("ptm %s\n", ptm_version());
            return 0;
        } else if (strcmp(arg, "--stats") == 0) {
            opts->stats = 1;
        } else if (strcmp(arg, "--top") == 0) {
            code = parse_top(opts, i + 1 < argc ? argv[i + 1] : NULL, &i);
        } else if (strcmp(arg, "-c") != 0 && strcmp(arg, "-f") != 0 && strcmp(arg, "-o") != 0 &&
                   strcmp(arg, "-i") != 0) {
            return cli_fail(PTM_EXIT_USAGE, "unknown option %s (see ptm --help)", arg);
        } else if (i + 1 >= argc) {
            return cli_fail(PTM_EXIT_USAGE, "%s needs a value (see ptm --help)", arg);
        } else if (arg[1] == 'c') {
            opts->config_path = argv[++i];
        } else if (arg[1] == 'o') {
            opts->output_path = argv[++i];
        } else if (arg[1] == 'i') {
            code = parse_input_format(argv[++i], &opts->input_format);
            code = code ? code : -1;
        } else {
            opts->format_given = true;
            code = parse_format(argv[++i], &opts->format);
            code = code ? code : -1;
        }
        if (code >= 0)
            return code;
    }
    if (opts->top_count > 0 && opts->format_given)
        return cli_fail(PTM_EXIT_USAGE, "%s", "--top and -f do not go together (--top writes its own text)");
    if (opts->top_count > 0)
        opts->format = PTM_FORMAT_TOP;
    return -1;
}

/* As gzip and zstd do: binary output is not written to a terminal, and a
 * terminal is not read as input (the usage is printed instead of waiting
 * for keystrokes). -1 to go on, or an exit code. */
int cli_check_terminals(const options *opts)
{
    if (opts->output_path == NULL && opts->format == PTM_FORMAT_OTLP_PROTOBUF && isatty(fileno(stdout)) == 1)
        return cli_fail(PTM_EXIT_USAGE, "%s", "not writing binary protobuf to a terminal: "
                                          "use -f prom (or json, folded), --top, or -o FILE");
    bool from_stdin = opts->input_count == 0;
    for (int i = 0; i < opts->input_count; i++)
        from_stdin = from_stdin || strcmp(opts->inputs[i], "-") == 0;
    if (from_stdin && isatty(fileno(stdin)) == 1) {
        fputs(cli_usage, stderr);
        return PTM_EXIT_USAGE;
    }
    return -1;
}
