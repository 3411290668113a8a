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
    char *model, *formula; /* the model tables' extra columns (NULL prints NA) */
    double df;             /* degrees of freedom of the test, NaN when none */
    int week;
    long n; /* -1: NA */
    double est, lo, hi, stat, p, q;
} tidy_row_t;

typedef struct tidy {
    const char *name; /* file name in the output folder */
    int ext;          /* 1: the model tables' columns model, formula, df follow q */
    tidy_row_t *r;
    size_t n, cap;
} tidy_t;

/* Append a row; strings are copied (NULL prints NA). family names the BH family (NULL:
 * q is NA). Returns 0 or LM_ENOMEM. */
int tidy_add(tidy_t *t, const char *analysis, const char *x, const char *y, const char *group,
             int week, long n, double est, double lo, double hi, double stat, double p,
             const char *family);
/* Set the model, formula and df of the last row added. Returns 0 or LM_ENOMEM. */
int tidy_set_model(tidy_t *t, const char *model, const char *formula, double df);
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
    OUT_MIXED,   /* mixed_models.tsv (model tables: extra columns) */
    OUT_MSKIP,   /* models_skipped.tsv: models that could not be fitted, and why */
    OUT_SURVADJ, /* survival_adjusted.tsv (model table) */
    OUT_IPTW,    /* iptw_balance.tsv (model table) */
    OUT_GENUS,   /* genus_models.tsv (model table) */
    OUT_N
};

/* --covariates (run_covar.c) */
typedef struct covar {
    char name[64];
    long col;         /* in subjects.tsv */
    int numeric;      /* every non-missing cell is a number */
    const char **lev; /* categorical: distinct levels, sorted (borrowed from the cohort) */
    size_t nlev;
    int ncols; /* design columns: 1, or nlev - 1 */
    int site;  /* the --site column (always the last covariate) */
} covar_t;

typedef struct covars {
    covar_t *v;
    size_t n;
    int ncols;     /* every design column, the site's indicators last */
    int site_cols; /* the site's indicators (0 without --site) */
} covars_t;

/* Parse a comma-separated list of subjects.tsv columns (NULL or "": none). Errors:
 * LM_EUSAGE for an unknown or repeated column, LM_EFORMAT for a column with one level. */
int covars_parse(const lm_cohort_t *co, const char *list, covars_t *cv, lm_err_t *err);
/* --site COLUMN (NULL: none) after covars_parse: a categorical covariate appended last
 * (treatment contrasts, first level the reference) for the linear and logistic models, a
 * stratum for the Cox models and PERMANOVA. Errors: LM_EFORMAT naming file when the column
 * is missing or has one level, LM_EUSAGE when it is one of the covariates too. */
int covars_site(const lm_cohort_t *co, const char *name, const char *file, covars_t *cv,
                lm_err_t *err);
/* Subject s's design columns into out[cv->ncols]: 0, or 1 when a covariate is missing. */
int covars_row(const lm_cohort_t *co, const covars_t *cv, size_t s, double *out);
/* The same without the site's columns (out[cv->ncols - cv->site_cols]), for models that
 * stratify by site; 1 also when the site is missing. */
int covars_row_strata(const lm_cohort_t *co, const covars_t *cv, size_t s, double *out);
/* Subject s's site as a level number (0 without --site, -1 when missing). */
int covars_stratum(const lm_cohort_t *co, const covars_t *cv, size_t s);
/* " + age + sex + site" (strata 0) or " + age + sex + strata(site)" (strata 1). */
void covars_formula(const covars_t *cv, int strata, char *buf, size_t len);
/* Name of design column j as R names it (age, sexM). */
int covars_name(const covars_t *cv, int j, char *buf, size_t len);
void covars_free(covars_t *cv);

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
    covars_t cov;      /* --covariates */
    tidy_t out[OUT_N];
} run_ctx_t;

int run_correlations(run_ctx_t *c, lm_err_t *err);
int run_arm_tests(run_ctx_t *c, lm_err_t *err);
int run_permanova(run_ctx_t *c, lm_err_t *err);
int run_survival(run_ctx_t *c, lm_err_t *err);
int run_endpoints(run_ctx_t *c, lm_err_t *err);
int run_mixed_models(run_ctx_t *c, lm_err_t *err);
int run_adjusted_survival(run_ctx_t *c, lm_err_t *err);
int run_hbsag_loss(run_ctx_t *c, lm_err_t *err);
/* CLR (0.5 pseudocount) of each sample (column) of a genus table into clr (run_assoc.c). */
int clr_table(const lm_matrix_t *t, double *clr);
/* cytokines_derived.tsv and hbsag_loss_time.tsv (run_hbsag.c) */
void write_derived(const lm_cohort_t *co, FILE *f);
void write_loss_time(const lm_cohort_t *co, FILE *f);

/* The cohort sample of alpha row i, or NULL. */
const lm_sample_t *alpha_sample(const run_ctx_t *c, size_t i);

#endif
