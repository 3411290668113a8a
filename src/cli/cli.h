/* SPDX-License-Identifier: MIT */
/* The command-line layer: the command table and what every subcommand shares (common
 * options, usage errors, reporting an lm_err_t). Only this layer prints to stdout for the
 * user and turns status codes into exit codes. */
#ifndef LUMEN_CLI_H
#define LUMEN_CLI_H

#include <getopt.h>

#include "lumen/util.h"

/** A subcommand: parses its own argv (argv[0] is the command name) and returns an exit
 *  code. */
typedef int (*cli_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;
    cli_fn fn;
    const char *summary;
} cli_command_t;

extern const cli_command_t cli_commands[];

/** Options every command takes. */
typedef struct cli_common {
    int threads; /**< resolved --threads (all cores by default) */
    int quiet;
    int verbose;
    const char *tmp_dir;
} cli_common_t;

/* Long options of cli_common_t, to append to each command's table. Their `val`s are
 * above 1000 so they never clash with a command's short options. */
enum { CLI_OPT_THREADS = 1001, CLI_OPT_QUIET, CLI_OPT_VERBOSE, CLI_OPT_TMPDIR, CLI_OPT_HELP };
#define CLI_COMMON_LONGOPTS                                                                        \
    {"threads", required_argument, NULL, CLI_OPT_THREADS},                                         \
        {"quiet", no_argument, NULL, CLI_OPT_QUIET},                                               \
        {"verbose", no_argument, NULL, CLI_OPT_VERBOSE},                                           \
        {"tmp-dir", required_argument, NULL, CLI_OPT_TMPDIR},                                      \
    {                                                                                              \
        "help", no_argument, NULL, CLI_OPT_HELP                                                    \
    }

/** Help text for the common options, to end each command's usage. */
#define CLI_COMMON_HELP                                                                            \
    "Common options:\n"                                                                            \
    "  -t, --threads N   threads to use (default: all cores); output never depends on it\n"        \
    "  -q, --quiet       print only warnings and errors\n"                                         \
    "  -v, --verbose     print debugging messages too\n"                                           \
    "      --tmp-dir DIR temporary files go here (default: $TMPDIR, else /tmp)\n"                  \
    "  -h, --help        print this help and exit\n"

/** Set defaults and the log prefix ("lumen <cmd>"). */
void cli_common_init(cli_common_t *co, const char *cmd);

/**
 * Handle a common option returned by getopt_long (c is its val, or 't', 'q', 'v', 'h').
 * Returns 1 if handled, 0 if c is not a common option, or -1 after printing a usage error.
 * Sets *help when --help was given.
 */
int cli_common_opt(cli_common_t *co, int c, const char *arg, int *help);

/** Print "lumen CMD: error: MESSAGE" and a pointer to --help; returns 64. */
int cli_usage_error(const char *fmt, ...) LM_FORMAT(1, 2);

/** Report getopt_long's '?' (unknown option) or ':' (missing argument; the optstring must
 *  start with ':'); returns 64. */
int cli_bad_option(int c, char **argv, int optind_now, int optopt_now);

/** Print err as DESIGN.md shows it and return its sysexits code. */
int cli_fail(const lm_err_t *err);

/** Parse a positive integer option value; prints a usage error and returns -1 if bad. */
int cli_parse_int(const char *opt, const char *arg, long min, long max, long *out);

/* Subcommands. */
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_qc(int argc, char **argv);
int cmd_reads(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_table(int argc, char **argv);
int cmd_taxa(int argc, char **argv);
int cmd_diversity(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_classify(int argc, char **argv);

#endif
