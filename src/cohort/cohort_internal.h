/* SPDX-License-Identifier: MIT */
/* A whole-file TSV reader and cell parsers shared by the files of the cohort module. */
#ifndef LUMEN_COHORT_INTERNAL_H
#define LUMEN_COHORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/cohort.h"
#include "lumen/util.h"

typedef struct tsv_row {
    char **f; /* cells, pointing into the file buffer */
    size_t n;
    uint64_t line; /* 1-based */
} tsv_row_t;

typedef struct tsv {
    const char *path; /* borrowed */
    char *buf;
    tsv_row_t header;
    tsv_row_t *rows;
    size_t nrows;
} tsv_t;

/* Read path whole. The header is the first non-empty line that does not start with
 * "# " (biom's "# Constructed from biom file"); later lines starting with '#' (QIIME 2's
 * "#q2:types") and empty lines are skipped. CR before LF is dropped. Every row must have
 * as many cells as the header. Returns 0, LM_ENOINPUT, LM_EFORMAT or LM_ENOMEM. */
int tsv_read(const char *path, tsv_t *t, lm_err_t *err);
void tsv_free(tsv_t *t);
/* Index of the header cell named name, or -1. */
long tsv_col(const tsv_t *t, const char *name);
/* Like tsv_col, but a missing column is an LM_EFORMAT error naming the header line. */
int tsv_need(const tsv_t *t, const char *name, long *col, lm_err_t *err);

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
