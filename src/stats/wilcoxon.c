/* SPDX-License-Identifier: MIT */
/* Wilcoxon signed-rank test, as scipy.stats.wilcoxon (scipy 1.10 defaults). */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include <gsl/gsl_sort.h>

#include "lumen/stats.h"
#include "stats_internal.h"

/* Two-sided exact p for R+ = rp among n untied differences: the counts of R+ are the
 * coefficients of prod_{i=1..n} (1 + q^i), exact in doubles for n <= 50 (< 2^53). */
static double exact_p(size_t n, long rp, int *ok)
{
    size_t K = n * (n + 1) / 2;
    double *c = calloc(K + 1, sizeof(*c));
    if (!c) {
        *ok = 0;
        return NAN;
    }
    c[0] = 1;
    for (size_t i = 1; i <= n; i++)
        for (size_t k = K; k >= i; k--) c[k] += c[k - i];
    *ok = 1;
    if (rp == (long)(K / 2)) {
        free(c);
        return 1.0; /* the centre of the distribution */
    }
    double total = ldexp(1.0, (int)n), lo = 0, hi = 0;
    for (long k = 0; k <= rp && k <= (long)K; k++) lo += c[k] / total;
    for (long k = rp < 0 ? 0 : rp; k <= (long)K; k++) hi += c[k] / total;
    free(c);
    double p = 2 * (lo < hi ? lo : hi);
    return p > 1 ? 1 : p;
}

int lm_stat_wilcoxon(const double *x, const double *y, size_t n, lm_stat_test_t *res, lm_err_t *err)
{
    int bad = 0;
    if (!bad) bad = stat_check_finite(x, n, "Wilcoxon", err);
    if (!bad) bad = stat_check_finite(y, n, "Wilcoxon", err);
    if (bad) return bad;
    if (n == 0)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "Wilcoxon test needs at least one pair");
    double *d = malloc(2 * n * sizeof(*d));
    if (!d) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    double *r = d + n;
    size_t nzero = 0;
    for (size_t i = 0; i < n; i++) nzero += x[i] - y[i] == 0;
    int exact = n <= 50 && nzero == 0;
    if (!exact && nzero == n) {
        free(d);
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "Wilcoxon test undefined: every difference is zero");
    }
    /* zero_method='wilcox': zero differences are dropped (only reached when approximate,
     * since the exact branch has none). */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i] - y[i];
        if (v != 0) d[m++] = v;
    }
    for (size_t i = 0; i < m; i++) r[i] = fabs(d[i]);
    double *a = malloc((m ? m : 1) * sizeof(*a));
    if (!a || lm_stat_rank(r, m, a)) {
        free(a);
        free(d);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    double rplus = 0, rminus = 0;
    for (size_t i = 0; i < m; i++) {
        if (d[i] > 0) rplus += a[i];
        if (d[i] < 0) rminus += a[i];
    }
    double T = rplus < rminus ? rplus : rminus;
    double p, z = NAN;
    int ok = 1;
    if (exact) {
        p = exact_p(m, (long)rplus, &ok); /* scipy truncates R+ with int() */
    } else {
        double dm = (double)m;
        double mn = dm * (dm + 1.) * 0.25;
        double se = dm * (dm + 1.) * (2. * dm + 1.);
        /* tie correction over repeated |d| (a holds their ranks; equal |d|, equal rank) */
        for (size_t i = 0; i < m; i++) r[i] = a[i];
        gsl_sort(r, 1, m);
        double corr = stat_tie_term_sorted(r, m);
        se -= 0.5 * corr;
        se = sqrt(se / 24);
        z = (T - mn) / se;
        p = 2. * gsl_cdf_ugaussian_Q(fabs(z));
    }
    free(a);
    free(d);
    if (!ok) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    *res = (lm_stat_test_t){.statistic = T, .p = p, .z = z, .exact = exact};
    return 0;
}
