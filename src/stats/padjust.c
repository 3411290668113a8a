/* SPDX-License-Identifier: MIT */
/* Benjamini-Hochberg adjustment, as R p.adjust(p, "BH"). */
#include <math.h>
#include <stdlib.h>

#include "lumen/stats.h"

typedef struct {
    double p;
    size_t i;
} pi_t;

/* Decreasing p; equal p in decreasing input index, as R's order(p, decreasing = TRUE)
 * is stable on ties only in increasing index; equal p get equal q either way. */
static int cmp_desc(const void *a, const void *b)
{
    const pi_t *x = a, *y = b;
    if (x->p != y->p) return x->p > y->p ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int lm_stat_padjust_bh(const double *p, size_t n, double *q)
{
    pi_t *s = malloc((n ? n : 1) * sizeof(*s));
    if (!s) return LM_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i])) s[m++] = (pi_t){p[i], i};
    qsort(s, m, sizeof(*s), cmp_desc);
    for (size_t i = 0; i < n; i++)
        if (isnan(p[i])) q[i] = NAN;
    /* R: i <- lp:1; pmin(1, cummin(n / i * p[o])) -- (n / i) first, then times p. */
    double run = INFINITY;
    for (size_t k = 0; k < m; k++) {
        double v = (double)m / (double)(m - k) * s[k].p;
        if (v < run) run = v;
        q[s[k].i] = run < 1 ? run : 1;
    }
    free(s);
    return 0;
}
