/* SPDX-License-Identifier: MIT */
/* Cell parsing with file:line errors (the TSV reader itself is util's lm_tsv_read). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort_internal.h"

int cell_missing(const char *s)
{
    return !*s || !strcmp(s, "NA") || !strcmp(s, "NaN") || !strcmp(s, "nan");
}

int cell_num(const tsv_t *t, const tsv_row_t *r, long col, double *v, lm_err_t *err)
{
    const char *s = r->f[col];
    if (cell_missing(s)) {
        *v = NAN;
        return 1;
    }
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(x))
        return lm_err_set(err, LM_EFORMAT, t->path, r->line, 0, "column '%s': '%s' is not a number",
                          t->header.f[col], s);
    *v = x;
    return 0;
}

int cell_week(const tsv_t *t, const tsv_row_t *r, long col, int *week, lm_err_t *err)
{
    const char *s = r->f[col];
    char *end;
    double x = strtod(s, &end);
    if (cell_missing(s) || end == s || *end || !(x >= 0) || x > 10000 || x != floor(x))
        return lm_err_set(err, LM_EFORMAT, t->path, r->line, 0,
                          "column '%s': week '%s' is not a whole number of weeks >= 0",
                          t->header.f[col], s);
    *week = (int)x;
    return 0;
}
