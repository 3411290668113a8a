/* SPDX-License-Identifier: MIT */
/* A whole-file TSV reader and cell parsers shared by the files of the cohort module. */
#ifndef LUMEN_COHORT_INTERNAL_H
#define LUMEN_COHORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/cohort.h"
#include "lumen/util.h"

/* The TSV reader is util's (lm_tsv_read); cohort code knows it by its old short names. */
typedef lm_tsv_row_t tsv_row_t;
typedef lm_tsv_t tsv_t;
#define tsv_read lm_tsv_read
#define tsv_free lm_tsv_free
#define tsv_col  lm_tsv_col
#define tsv_need lm_tsv_need

/* An empty cell, "NA", "NaN" or "nan" is missing. */
int cell_missing(const char *s);
/* Parse a number: 0 ok, 1 missing (v = NaN), or an LM_EFORMAT error naming path:line
 * and the column. */
int cell_num(const tsv_t *t, const tsv_row_t *r, long col, double *v, lm_err_t *err);
/* Parse a whole, non-negative number of weeks (never missing). */
int cell_week(const tsv_t *t, const tsv_row_t *r, long col, int *week, lm_err_t *err);

/* The cohort (opaque in cohort.h). */
struct lm_cohort {
    lm_subject_t *subj;
    size_t nsubj;
    lm_sample_t *samp;
    size_t nsamp;
    lm_visit_t *vis;
    size_t nvis;
    const char **arms;
    size_t narms;
    lm_cohort_check_t *chk;
    size_t nchk, capchk;
    /* every column of subjects.tsv as read: scol[nscol] names, scell[subject * nscol + k]
     * cells (NULL when missing); one buffer sbuf holds the strings */
    char **scol, **scell, *sbuf;
    size_t nscol;
};

/* Readers of the three tables (read.c): each appends to c, adding checks as it goes.
 * Subjects first: metadata and visits look subjects up. */
int read_subjects(lm_cohort_t *c, const char *path, lm_err_t *err);
int read_metadata(lm_cohort_t *c, const char *path, lm_err_t *err);
int read_visits(lm_cohort_t *c, const char *path, lm_err_t *err);

#endif
