/* SPDX-License-Identifier: MIT */
/* What every subcommand shares: common options, usage errors, error reporting. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static char g_prog[64];

void cli_common_init(cli_common_t *co, const char *cmd)
{
    memset(co, 0, sizeof(*co));
    co->threads = lm_threads_resolve(0);
    snprintf(g_prog, sizeof(g_prog), "lumen %s", cmd);
    lm_log_set_prog(g_prog);
    lm_log_set_level(LM_LOG_INFO);
}

int cli_parse_int(const char *opt, const char *arg, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < min || v > max) {
        cli_usage_error("%s needs an integer from %ld to %ld, not '%s'", opt, min, max, arg);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_common_opt(cli_common_t *co, int c, const char *arg, int *help)
{
    long v;
    switch (c) {
    case 't':
    case CLI_OPT_THREADS:
        if (cli_parse_int("--threads", arg, 1, 4096, &v)) return -1;
        co->threads = (int)v;
        return 1;
    case 'q':
    case CLI_OPT_QUIET:
        co->quiet = 1;
        lm_log_set_level(LM_LOG_WARN);
        return 1;
    case 'v':
    case CLI_OPT_VERBOSE:
        co->verbose = 1;
        lm_log_set_level(LM_LOG_DEBUG);
        return 1;
    case CLI_OPT_TMPDIR:
        /* Stages find their scratch space through TMPDIR, so the option simply sets it. */
        co->tmp_dir = arg;
        if (setenv("TMPDIR", arg, 1) != 0) {
            cli_usage_error("cannot use --tmp-dir '%s'", arg);
            return -1;
        }
        return 1;
    case 'h':
    case CLI_OPT_HELP:
        *help = 1;
        return 1;
    default:
        return 0;
    }
}

int cli_usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: error: %s\nTry '%s --help' for more information.\n", lm_log_prog(), msg,
            lm_log_prog());
    return 64;
}

int cli_bad_option(int c, char **argv, int optind_now, int optopt_now)
{
    const char *arg = argv[optind_now - 1];
    int shortopt = optopt_now > 0 && optopt_now < 256 && strncmp(arg, "--", 2) != 0;
    if (c == ':') {
        if (shortopt) return cli_usage_error("option '-%c' needs an argument", optopt_now);
        return cli_usage_error("option '%s' needs an argument", arg);
    }
    if (shortopt) return cli_usage_error("unknown option '-%c'", optopt_now);
    return cli_usage_error("unknown option '%s'", arg);
}

int cli_fail(const lm_err_t *err)
{
    lm_log_err(err);
    return lm_exit_code(err->code);
}

int cli_refuse_same(const char *out_opt, const char *out, size_t n, const char *const *in_opt,
                    const char *const *in)
{
    for (size_t i = 0; i < n; i++)
        if (lm_same_file(out, in[i]))
            return cli_usage_error("%s %s is the input %s %s: refusing to overwrite an input",
                                   out_opt, out, in_opt[i], in[i]);
    return 0;
}

int cli_parse_double(const char *opt, const char *arg, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v)) {
        cli_usage_error("%s needs a number, not '%s'", opt, arg);
        return -1;
    }
    *out = v;
    return 0;
}
