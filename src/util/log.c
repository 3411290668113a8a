/* SPDX-License-Identifier: MIT */
/* Logging to stderr. Each message is formatted into one buffer and written with a single
 * fputs so that lines from parallel workers never interleave mid-line. */
#include <stdio.h>

#include <htslib/hts_log.h>

#include "lumen/util.h"

static int g_level = LM_LOG_INFO;
static const char *g_prog = "lumen";

void lm_log_set_level(int level)
{
    g_level = level;
    /* htslib's own messages ("[E::bgzf_read_block] ...") repeat what our errors say, with
     * less context; show them only when debugging. */
    hts_set_log_level(level >= LM_LOG_DEBUG ? HTS_LOG_WARNING : HTS_LOG_OFF);
}

int lm_log_level(void)
{
    return g_level;
}

void lm_log_set_prog(const char *prog)
{
    g_prog = prog ? prog : "lumen";
}

const char *lm_log_prog(void)
{
    return g_prog;
}

static void emit(int level, const char *tag, const char *fmt, va_list ap)
{
    if (level > g_level) return;
    char body[2048], line[2200];
    vsnprintf(body, sizeof(body), fmt, ap);
    snprintf(line, sizeof(line), "%s: %s%s\n", g_prog, tag, body);
    fputs(line, stderr);
}

void lm_log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(LM_LOG_WARN, "warning: ", fmt, ap);
    va_end(ap);
}

void lm_log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(LM_LOG_INFO, "", fmt, ap);
    va_end(ap);
}

void lm_log_debug(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(LM_LOG_DEBUG, "debug: ", fmt, ap);
    va_end(ap);
}

void lm_log_err(const lm_err_t *err)
{
    char buf[2200];
    lm_err_format(err, buf, sizeof(buf));
    fprintf(stderr, "%s: error: %s\n", g_prog, buf);
}
