/* SPDX-License-Identifier: MIT */
/* Mann-Whitney U test, as scipy.stats.mannwhitneyu (scipy 1.10 defaults). */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include <gsl/gsl_sort.h>

#include "lumen/stats.h"
#include "stats_internal.h"

/* P(U >= u) under H0 for sizes m, n without ties. The counts of U are the coefficients
 * of the Gaussian binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i);
 * every partial product is a polynomial with integer coefficients <= C(m+n, m), exact in
 * doubles for the sizes scipy's 'auto' sends here (min(m, n) <= 8). */
static double exact_sf(size_t m, size_t n, double u, int *ok)
{
    if (m > n) {
        size_t t = m;
        m = n;
        n = t;
    }
    size_t K = m * n;
    double *c = calloc(K + 1, sizeof(*c));
    if (!c) {
        *ok = 0;
        return NAN;
    }
    c[0] = 1;
    /* Power series truncated at degree K: coefficient k depends only on lower ones. */
    for (size_t i = 1; i <= m; i++) {
        /* times (1 - q^(n+i)), in decreasing k */
        for (size_t k = K; k >= n + i; k--) c[k] -= c[k - n - i];
        /* divided by (1 - q^i): c[k] += c[k-i], in increasing k */
        for (size_t k = i; k <= K; k++) c[k] += c[k - i];
    }
    double total = 0;
    for (size_t k = 0; k <= K; k++) total += c[k];
    /* sf(u) = cdf(K - u) by symmetry; scipy sums pmfs from the left too. */
    long top = (long)K - (long)u;
    double s = 0;
    for (long k = 0; k <= top; k++) s += c[k] / total;
    free(c);
    *ok = 1;
    return s;
}

int lm_stat_mannwhitney(const double *x, size_t nx, const double *y, size_t ny, lm_stat_test_t *res,
                        lm_err_t *err)
{
    int bad = 0;
    if (!bad) bad = stat_check_finite(x, nx, "Mann-Whitney", err);
    if (!bad) bad = stat_check_finite(y, ny, "Mann-Whitney", err);
    if (bad) return bad;
    if (nx == 0 || ny == 0)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "Mann-Whitney test needs observations in both groups (%zu, %zu)", nx, ny);
    size_t n = nx + ny;
    double *v = malloc(2 * n * sizeof(*v));
    if (!v) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    double *r = v + n;
    for (size_t i = 0; i < nx; i++) v[i] = x[i];
    for (size_t i = 0; i < ny; i++) v[nx + i] = y[i];
    if (lm_stat_rank(v, n, r)) {
        free(v);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    double r1 = 0;
    for (size_t i = 0; i < nx; i++) r1 += r[i];
    double dn1 = (double)nx, dn2 = (double)ny, dn = (double)n;
    double u1 = r1 - dn1 * (dn1 + 1) / 2;
    double u2 = dn1 * dn2 - u1;
    double u = u1 > u2 ? u1 : u2;
    gsl_sort(v, 1, n);
    double ties = stat_tie_term_sorted(v, n);
    int exact = !(nx > 8 && ny > 8) && ties == 0;
    double p, z = NAN;
    if (exact) {
        int ok;
        p = 2 * exact_sf(nx, ny, u, &ok);
        if (!ok) {
            free(v);
            return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        }
    } else {
        double s = sqrt(dn1 * dn2 / 12 * ((dn + 1) - ties / (dn * (dn - 1))));
        z = (u - dn1 * dn2 / 2 - 0.5) / s;
        p = 2 * gsl_cdf_ugaussian_Q(z);
    }
    free(v);
    if (p > 1) p = 1;
    if (p < 0) p = 0;
    *res = (lm_stat_test_t){.statistic = u1, .p = p, .z = z, .exact = exact};
    return 0;
}
