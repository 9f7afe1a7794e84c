/*
 * cli_args.h: the ptm command's command line (cli_args.c): its options, the usage, and the one-line "ptm: " message every error is.
 */
#ifndef PTM_CLI_ARGS_H
#define PTM_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "ptm.h"

typedef struct options {
    const char *config_path;
    const char *output_path;
    const char **inputs;   /* INPUT... (argv's), input_count of them; none: stdin */
    int input_count;
    ptm_format format;
    bool format_given;     /* -f */
    uint32_t top_count;    /* --top N; 0 without --top */
    ptm_input_format input_format;
    int stats;
} options;

/* `ptm --help`'s text (also printed when stdin, the input, is a terminal). */
extern const char cli_usage[];

/* Writes "ptm: " format (one %s: detail) and a newline on stderr; returns code. */
int cli_fail(int code, const char *format, const char *detail);

/* Parses argv into opts (opts->inputs has room for argc entries); -1 to go
 * on, or an exit code (0 after --help or --version). */
int cli_parse_arguments(int argc, char **argv, options *opts);

/* As gzip and zstd do: binary output is not written to a terminal, and a
 * terminal is not read as input (the usage is printed instead of waiting
 * for keystrokes). -1 to go on, or an exit code. */
int cli_check_terminals(const options *opts);

#endif
