/* SPDX-License-Identifier: MIT */
/* Helpers shared by the files of the stats module. */
#ifndef LUMEN_STATS_INTERNAL_H
#define LUMEN_STATS_INTERNAL_H

#include <stddef.h>

#include "lumen/util.h"

/* Map arbitrary integer labels to 0..k-1 in increasing label order (so the result does
 * not depend on input order). idx has n slots. Returns k, or 0 when out of memory. */
size_t stat_group_index(const int *group, size_t n, int *idx);

/* Sum of t^3 - t over the runs of equal values t long in v[0..n), sorted ascending: the
 * tie term of the rank tests' variance corrections (scipy's tiecorrect). */
double stat_tie_term_sorted(const double *v, size_t n);

/* LM_EFORMAT naming `what` when x[0..n) holds a NaN (callers pass complete cases). */
int stat_check_finite(const double *x, size_t n, const char *what, lm_err_t *err);

/* Check survival input: finite non-negative times, events 0/1. */
int stat_check_surv(const double *time, const int *event, size_t n, lm_err_t *err);

/* Order of subjects by time ascending (ties: events before censorings, then input
 * order, so the order is total). ord has n slots. Returns 0 or LM_ENOMEM. */
int stat_surv_order(const double *time, const int *event, size_t n, size_t *ord);

/* The first column of the n x p row-major design x (in column order) that is a linear
 * combination of the columns before it (modified Gram-Schmidt; R's tolerance 1e-7
 * relative to the column's norm), in *bad; -1 when x has full column rank. Returns 0 or
 * LM_ENOMEM. */
int stat_aliased_column(const double *x, size_t n, int p, int *bad);

/* The p quantile (0.5 < p < 1) of Student's t with df degrees of freedom, as R's qt(p,
 * df): also for the tiny df where GSL's inverse fails (+Inf past DBL_MAX); NaN when df
 * is not positive or p is out of range. Not thread-safe (it switches GSL's global error
 * handler off for the call). */
double stat_t_quantile(double p, double df);

#endif
