/* SPDX-License-Identifier: MIT */
/* Average ranks and the helpers the rank tests share. */
#include <math.h>
#include <stdlib.h>

#include "lumen/stats.h"
#include "stats_internal.h"

typedef struct {
    double v;
    size_t i;
} vi_t;

static int cmp_vi(const void *a, const void *b)
{
    const vi_t *x = a, *y = b;
    if (x->v < y->v) return -1;
    if (x->v > y->v) return 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int lm_stat_rank(const double *x, size_t n, double *rank)
{
    if (n == 0) return 0;
    vi_t *s = malloc(n * sizeof(*s));
    if (!s) return LM_ENOMEM;
    for (size_t i = 0; i < n; i++) s[i] = (vi_t){x[i], i};
    qsort(s, n, sizeof(*s), cmp_vi);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && s[j].v == s[i].v) j++;
        /* Positions i+1..j share the mean rank (i+1+j)/2, exact in binary. */
        double r = 0.5 * (double)(i + 1 + j);
        for (size_t k = i; k < j; k++) rank[s[k].i] = r;
        i = j;
    }
    free(s);
    return 0;
}

typedef struct {
    int g;
    size_t i;
} gi_t;

static int cmp_gi(const void *a, const void *b)
{
    const gi_t *x = a, *y = b;
    if (x->g != y->g) return x->g < y->g ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

double stat_tie_term_sorted(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j] == v[i]) j++;
        double t = (double)(j - i);
        s += t * t * t - t;
        i = j;
    }
    return s;
}

size_t stat_group_index(const int *group, size_t n, int *idx)
{
    if (n == 0) return 0;
    gi_t *s = malloc(n * sizeof(*s));
    if (!s) return 0;
    for (size_t i = 0; i < n; i++) s[i] = (gi_t){group[i], i};
    qsort(s, n, sizeof(*s), cmp_gi);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && s[i].g != s[i - 1].g) k++;
        idx[s[i].i] = (int)k;
    }
    free(s);
    return k + 1;
}

int stat_check_finite(const double *x, size_t n, const char *what, lm_err_t *err)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return lm_err_set(err, LM_EFORMAT, NULL, 0, i + 1,
                              "%s: value %zu is missing (pass complete cases)", what, i + 1);
    return 0;
}

int stat_check_surv(const double *time, const int *event, size_t n, lm_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(time[i]) || time[i] < 0)
            return lm_err_set(err, LM_EFORMAT, NULL, 0, i + 1,
                              "survival time %g is negative or not finite", time[i]);
        if (event[i] != 0 && event[i] != 1)
            return lm_err_set(err, LM_EFORMAT, NULL, 0, i + 1,
                              "event code %d is not 0 (censored) or 1 (event)", event[i]);
    }
    return 0;
}

typedef struct {
    double t;
    int e;
    size_t i;
} te_t;

static int cmp_te(const void *a, const void *b)
{
    const te_t *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    if (x->e != y->e) return x->e > y->e ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int stat_surv_order(const double *time, const int *event, size_t n, size_t *ord)
{
    te_t *s = malloc((n ? n : 1) * sizeof(*s));
    if (!s) return LM_ENOMEM;
    for (size_t i = 0; i < n; i++) s[i] = (te_t){time[i], event[i], i};
    qsort(s, n, sizeof(*s), cmp_te);
    for (size_t i = 0; i < n; i++) ord[i] = s[i].i;
    free(s);
    return 0;
}
