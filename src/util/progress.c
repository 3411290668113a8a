/* SPDX-License-Identifier: MIT */
/* A progress line on stderr, only when stderr is a terminal: batch logs stay clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lumen/util.h"

struct lm_progress {
    char label[64];
    char unit[16];
    uint64_t total;
    double start, last;
    int active;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

lm_progress_t *lm_progress_create(const char *label, uint64_t total, const char *unit)
{
    lm_progress_t *p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    snprintf(p->label, sizeof(p->label), "%s", label ? label : "");
    snprintf(p->unit, sizeof(p->unit), "%s", unit ? unit : "");
    p->total = total;
    p->start = p->last = now();
    p->active = isatty(STDERR_FILENO) && lm_log_level() >= LM_LOG_INFO;
    return p;
}

void lm_progress_update(lm_progress_t *p, uint64_t done)
{
    if (!p || !p->active) return;
    double t = now();
    if (t - p->last < 0.2) return;
    p->last = t;
    double rate = done / (t - p->start > 1e-9 ? t - p->start : 1e-9);
    if (p->total)
        fprintf(stderr, "\r%s: %5.1f%% %llu/%llu %s (%.0f/s)\033[K", p->label,
                100.0 * done / p->total, (unsigned long long)done, (unsigned long long)p->total,
                p->unit, rate);
    else
        fprintf(stderr, "\r%s: %llu %s (%.0f/s)\033[K", p->label, (unsigned long long)done, p->unit,
                rate);
    fflush(stderr);
}

void lm_progress_destroy(lm_progress_t *p)
{
    if (!p) return;
    if (p->active) fputs("\r\033[K", stderr);
    free(p);
}
