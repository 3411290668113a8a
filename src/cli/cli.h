/* SPDX-License-Identifier: MIT */
/* The command-line layer: the command table and what every subcommand shares (common
 * options, usage errors, reporting an lm_err_t). Only this layer prints to stdout for the
 * user and turns status codes into exit codes. */
#ifndef LUMEN_CLI_H
#define LUMEN_CLI_H

#include <getopt.h>

#include "lumen/trim.h"
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

/** Refuse an output that is one of the inputs (lm_same_file): prints a usage error and
 *  returns 64, before anything is read or written; 0 when out (NULL is fine) is none of
 *  the n inputs (NULLs skipped). out_opt and in_opt[i] name the options. */
int cli_refuse_same(const char *out_opt, const char *out, size_t n, const char *const *in_opt,
                    const char *const *in);

/** Parse a finite number; prints a usage error and returns -1 if bad. */
int cli_parse_double(const char *opt, const char *arg, double *out);

/* Stage options shared by a stage command and lumen run (which accepts every stage option
 * under the same name). Each table lists a stage's own options, not its input and output
 * paths; the vals are unique across stages. cli_<stage>_option() returns 1 if it took c,
 * 0 if c is not its option, 64 after printing a usage error. */
enum {
    CLI_DIV_DEPTH = 500,
    CLI_DIV_SEED,
    CLI_DIV_NORAREFY,
    CLI_DIV_BASE,
    CLI_DIV_PSEUDO,
    CLI_DIV_METRICS,
    CLI_DIV_AXES,
    CLI_DIV_NOPCOA,
};
enum {
    CLI_READS_PRIMERS = 200,
    CLI_READS_FWD,
    CLI_READS_REV,
    CLI_READS_PMM,
    CLI_READS_KEEPUNP,
    CLI_READS_TRUNCQ,
    CLI_READS_TLF,
    CLI_READS_TLR,
    CLI_READS_MAXEE,
    CLI_READS_MAXN,
    CLI_READS_MINLEN,
    CLI_READS_MAXLEN,
    CLI_READS_MINOV,
    CLI_READS_MAXDIFFS,
    CLI_READS_MAXDIFFPCT,
    CLI_READS_STAGGER,
    CLI_READS_MINML,
    CLI_READS_MAXML,
    CLI_READS_QMAXOUT,
};
/** The read stage's options as given (the preset and primers resolve in cli_reads_finish). */
typedef struct cli_reads {
    lm_trim_opt_t t;
    const char *preset, *fwd, *rev;
    int write_merged, write_filtered, write_unmerged;
} cli_reads_t;
extern const struct option cli_reads_options[];
void cli_reads_init(cli_reads_t *r);
int cli_reads_option(cli_reads_t *r, int c, const char *arg);
/** Apply --primers/--fwd-primer/--rev-primer and check; 64 after a usage error. */
int cli_reads_finish(cli_reads_t *r);

enum { CLI_DN_MINSIZE = 300, CLI_DN_ALPHA, CLI_DN_CHIM };
struct lm_denoise_opt;
extern const struct option cli_denoise_options[];
int cli_denoise_option(struct lm_denoise_opt *o, int c, const char *arg);

enum {
    CLI_CLS_CONF = 400,
    CLI_CLS_BOTH,
    CLI_CLS_EXHAUSTIVE,
    CLI_CLS_SPECIES,
    CLI_CLS_SPECIES_MM,
    CLI_CLS_METHOD,
    CLI_CLS_NEAR
};
/* lumen's default --confidence (classify and run): the threshold with the highest mean genus
 * F over 10-fold cross-validation on the gold reference and the Greengenes 13_8 V4 set
 * (benchmarks/calibration.sh; benchmarks/classify.md, "Calibration"). The library's
 * lm_cls_opt_init keeps RDP's own 0.8. */
#define CLI_CLS_CONFIDENCE   0.42
#define CLI_STR_(x)          #x
#define CLI_STR(x)           CLI_STR_(x)
#define CLI_CLS_CONFIDENCE_S CLI_STR(CLI_CLS_CONFIDENCE) /* "0.42", for --help */
struct lm_cls_opt;
extern const struct option cli_cls_options[]; /* --seed stays each command's own */
/** lm_cls_opt_init, then lumen's default --confidence (CLI_CLS_CONFIDENCE). */
void cli_cls_init(struct lm_cls_opt *o);
int cli_cls_option(struct lm_cls_opt *o, int c, const char *arg);

enum { CLI_TAB_MINTOTAL = 350, CLI_TAB_MINSAMPLES, CLI_TAB_NOBIOM };
struct lm_table_pool_opt;
extern const struct option cli_table_options[];
/** *biom is cleared by --no-biom. */
int cli_table_option(struct lm_table_pool_opt *o, int *biom, int c, const char *arg);

enum {
    CLI_ST_PERMS = 600,
    CLI_ST_COVAR,
    CLI_ST_SLOPE,
    CLI_ST_WEEKNUM,
    CLI_ST_GTRANS,
    CLI_ST_MINPREV,
    CLI_ST_SITE,
    CLI_ST_DF,
};
struct lm_stats_opt;
extern const struct option cli_stats_options[]; /* --seed stays each command's own */
int cli_stats_option(struct lm_stats_opt *o, int c, const char *arg);

struct lm_div_run_opt;
extern const struct option cli_div_options[];
int cli_div_option(struct lm_div_run_opt *o, int c, const char *arg);
int cli_div_check(const struct lm_div_run_opt *o);

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
int cmd_denoise(int argc, char **argv);
int cmd_taxa(int argc, char **argv);
int cmd_diversity(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_summary(int argc, char **argv);

#endif
