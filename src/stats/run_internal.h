/* SPDX-License-Identifier: MIT */
/* What the files of lm_stats_run() share: tidy tables held in memory until every
 * analysis is done, and the joined inputs. */
#ifndef LUMEN_STATS_RUN_INTERNAL_H
#define LUMEN_STATS_RUN_INTERNAL_H

#include <limits.h>
#include <stdio.h>

#include "lumen/cohort.h"
#include "lumen/stats.h"

#define WEEK_NA INT_MIN

typedef struct tidy_row {
    char *analysis, *x, *y, *group, *family, *note;
    int week;
    long n; /* -1: NA */
    double est, lo, hi, stat, p, q;
} tidy_row_t;

typedef struct tidy {
    const char *name; /* file name in the output folder */
    tidy_row_t *r;
    size_t n, cap;
} tidy_t;

/* Append a row; strings are copied (NULL prints NA). family names the BH family (NULL:
 * q is NA). Returns 0 or LM_ENOMEM. */
int tidy_add(tidy_t *t, const char *analysis, const char *x, const char *y, const char *group,
             int week, long n, double est, double lo, double hi, double stat, double p,
             const char *family);
/* Record a test that could not be run, and why (goes to skipped.tsv). */
int tidy_skip(tidy_t *t, const char *analysis, const char *x, const char *y, const char *group,
              int week, const char *why);
/* Fill q by Benjamini-Hochberg within each family. */
int tidy_adjust(tidy_t *t);
void tidy_write(const tidy_t *t, FILE *f);
void tidy_write_skipped(const tidy_t *t, FILE *f);
void tidy_free(tidy_t *t);

enum {
    OUT_CORR,
    OUT_ARMS,
    OUT_PERMANOVA,
    OUT_COX,
    OUT_KM,
    OUT_LOGRANK,
    OUT_ENDPOINTS,
    OUT_SKIP,
    OUT_N
};

#define MAX_DIST 3

typedef struct run_ctx {
    const lm_stats_opt_t *opt;
    lm_cohort_t *co;
    lm_matrix_t *alpha;
    long *alpha_sample;              /* alpha row -> cohort sample, -1 when not in metadata */
    const lm_visit_t **sample_visit; /* cohort sample -> its visit at the same week */
    lm_matrix_t *dist[MAX_DIST];
    const char *dist_name[MAX_DIST];
    int ndist;
    lm_matrix_t *taxa; /* NULL without --taxa */
    tidy_t out[OUT_N];
} run_ctx_t;

int run_correlations(run_ctx_t *c, lm_err_t *err);
int run_arm_tests(run_ctx_t *c, lm_err_t *err);
int run_permanova(run_ctx_t *c, lm_err_t *err);
int run_survival(run_ctx_t *c, lm_err_t *err);
int run_endpoints(run_ctx_t *c, lm_err_t *err);

/* The cohort sample of alpha row i, or NULL. */
const lm_sample_t *alpha_sample(const run_ctx_t *c, size_t i);

#endif
