/* SPDX-License-Identifier: MIT */
/* Spearman's rank correlation, as scipy.stats.spearmanr. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "lumen/stats.h"
#include "stats_internal.h"

static int constant(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (x[i] != x[0]) return 0;
    return 1;
}

int lm_stat_spearman(const double *x, const double *y, size_t n, lm_stat_test_t *res, lm_err_t *err)
{
    int bad = 0;
    if (!bad) bad = stat_check_finite(x, n, "Spearman", err);
    if (!bad) bad = stat_check_finite(y, n, "Spearman", err);
    if (bad) return bad;
    if (n < 3)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "Spearman correlation needs at least 3 pairs, got %zu", n);
    if (constant(x, n) || constant(y, n))
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "Spearman correlation undefined: a variable is constant");
    double *r = malloc(2 * n * sizeof(*r));
    if (!r) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    double *rx = r, *ry = r + n;
    if (lm_stat_rank(x, n, rx) || lm_stat_rank(y, n, ry)) {
        free(r);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* Pearson on the ranks, centred first (as numpy.corrcoef) for accuracy. */
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += rx[i];
        my += ry[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double a = rx[i] - mx, b = ry[i] - my;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    free(r);
    double rho = sxy / sqrt(sxx) / sqrt(syy);
    if (rho > 1) rho = 1;
    if (rho < -1) rho = -1;
    double dof = (double)n - 2;
    double p;
    if (fabs(rho) == 1) {
        p = 0;
    } else {
        double t = rho * sqrt(dof / ((rho + 1.0) * (1.0 - rho)));
        p = 2 * gsl_cdf_tdist_Q(fabs(t), dof);
    }
    *res = (lm_stat_test_t){.statistic = rho, .p = p, .z = NAN, .exact = 0};
    return 0;
}
