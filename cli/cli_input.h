/*
 * cli_input.h: the ptm command's reading (cli_input.c): a file read whole
 * (the configuration), and the inputs of the command line fed to one
 * converter's stream in pieces.
 */
#ifndef PTM_CLI_INPUT_H
#define PTM_CLI_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_args.h"
#include "ptm.h"

/* Reads the file at path ("-" or NULL: stdin) whole (the configuration):
 * 0, or an exit code after its "ptm: " message. */
int cli_read_file(const char *path, uint8_t **data, size_t *size, const char *what);

/* The inputs, directories replaced by their files (see cli_expand_inputs). */
typedef struct input_list {
    char **paths; /* malloc'd, each malloc'd */
    size_t count, capacity;
    bool several; /* more than one INPUT, or a directory: ptm_convert_next_input() */
    int unreadable_code; /* the first unreadable input's or directory's exit code, or 0 */
    size_t unreadable;   /* inputs and directories that could not be read */
    size_t fed;          /* inputs read to their end */
} input_list;

/* The inputs of the command line: each INPUT as it is ("-": stdin), a
 * directory as its files; none: stdin. 0, or an exit code. */
int cli_expand_inputs(const options *opts, input_list *list);

/* Feeds every input to the stream: one alone as the stream's input, several
 * each as an input of its own. An input that cannot be opened or read is
 * reported; with several, the others go on (it is counted in the list). 0,
 * or the exit code that ends the run. */
int cli_feed_inputs(ptm_converter *converter, input_list *list);

void cli_list_free(input_list *list);

#endif
