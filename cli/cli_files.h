/*
 * cli_files.h: how the ptm command (native and WASI) reads the files
 * symbolization asks for (cli_files.c).
 */
#ifndef PTM_CLI_FILES_H
#define PTM_CLI_FILES_H

#include "ptm.h"

/* Reads regular files, and http:// URLs (debuginfod) natively. */
extern const ptm_file_source cli_file_source;

#endif /* PTM_CLI_FILES_H */
