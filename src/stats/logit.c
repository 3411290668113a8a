/* SPDX-License-Identifier: MIT */
/* Logistic regression by iteratively reweighted least squares, as
 * glm(y ~ 0 + x, family = binomial). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "lumen/stats.h"
#include "stats_internal.h"

enum { MAXP = LM_LOGIT_MAXP, MAXIT = 50 };

static double deviance(const int *y, const double *mu, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++) d -= 2 * (y[i] ? log(mu[i]) : log1p(-mu[i]));
    return d;
}

int lm_stat_logit(const int *y, const double *x, size_t n, int p, const char *const *name,
                  lm_logit_t *res, double *fitted, lm_err_t *err)
{
    memset(res, 0, sizeof(*res));
    if (p < 1 || p > MAXP)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "logistic model: %d columns (1 to %d allowed)", p, MAXP);
    if (n <= (size_t)p)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "logistic model: %zu observations for %d coefficients", n, p);
    int rc = stat_check_finite(x, n * (size_t)p, "logistic model design", err);
    if (rc) return rc;
    size_t ones = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return lm_err_set(err, LM_EFORMAT, NULL, 0, i + 1, "logistic model: outcome not 0/1");
        ones += (size_t)y[i];
    }
    if (ones == 0 || ones == n)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "logistic model: the outcome is %d for everyone", ones ? 1 : 0);
    int bad;
    if ((rc = stat_aliased_column(x, n, p, &bad)))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (bad >= 0)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "logistic model: rank-deficient design: column '%s' is %s", name[bad],
                          bad == 0 ? "all zero" : "a linear combination of the columns before it");
    double *mu = malloc(n * sizeof(double)), *eta = malloc(n * sizeof(double));
    if (!mu || !eta) {
        free(mu);
        free(eta);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* glm's start: mu = (y + 0.5) / 2 */
    for (size_t i = 0; i < n; i++) {
        mu[i] = (y[i] + 0.5) / 2;
        eta[i] = log(mu[i] / (1 - mu[i]));
    }
    double beta[MAXP] = {0}, xtwx[MAXP * MAXP], xtwz[MAXP], dev = deviance(y, mu, n), devold;
    int it = 0, conv = 0;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    while (it < MAXIT) {
        memset(xtwx, 0, sizeof(xtwx));
        memset(xtwz, 0, sizeof(xtwz));
        for (size_t i = 0; i < n; i++) {
            double v = mu[i] * (1 - mu[i]), z = eta[i] + (y[i] - mu[i]) / v;
            const double *xi = x + i * (size_t)p;
            for (int a = 0; a < p; a++) {
                xtwz[a] += v * xi[a] * z;
                for (int b = 0; b < p; b++) xtwx[a * p + b] += v * xi[a] * xi[b];
            }
        }
        gsl_matrix_view m = gsl_matrix_view_array(xtwx, (size_t)p, (size_t)p);
        gsl_vector_view bv = gsl_vector_view_array(beta, (size_t)p);
        gsl_vector_const_view zv = gsl_vector_const_view_array(xtwz, (size_t)p);
        if (gsl_linalg_cholesky_decomp1(&m.matrix) ||
            gsl_linalg_cholesky_solve(&m.matrix, &zv.vector, &bv.vector)) {
            it = -1;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            const double *xi = x + i * (size_t)p;
            double e = 0;
            for (int a = 0; a < p; a++) e += beta[a] * xi[a];
            eta[i] = e;
            mu[i] = 1 / (1 + exp(-e));
        }
        devold = dev;
        dev = deviance(y, mu, n);
        it++;
        /* glm stops at |dev - devold| / (|dev| + 0.1) < 1e-8; we go on to rounding level
         * so that the coefficients are the MLE itself */
        if (fabs(dev - devold) / (fabs(dev) + 0.1) < 1e-8) conv = 1;
        if (conv && fabs(dev - devold) / (fabs(dev) + 0.1) < 1e-15) break;
        if (conv && it >= 25) break;
    }
    double inv[MAXP * MAXP];
    if (it > 0) {
        /* the covariance at the final mu */
        memset(xtwx, 0, sizeof(xtwx));
        for (size_t i = 0; i < n; i++) {
            double v = mu[i] * (1 - mu[i]);
            const double *xi = x + i * (size_t)p;
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++) xtwx[a * p + b] += v * xi[a] * xi[b];
        }
        gsl_matrix_view m = gsl_matrix_view_array(xtwx, (size_t)p, (size_t)p);
        if (gsl_linalg_cholesky_decomp1(&m.matrix) || gsl_linalg_cholesky_invert(&m.matrix))
            it = -1;
        else
            memcpy(inv, xtwx, sizeof(inv));
    }
    gsl_set_error_handler(old);
    int sep = 0;
    for (size_t i = 0; it > 0 && i < n; i++) sep |= mu[i] < 1e-10 || mu[i] > 1 - 1e-10;
    if (fitted && it > 0) memcpy(fitted, mu, n * sizeof(double));
    free(mu);
    free(eta);
    if (it < 0)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "logistic model: the information matrix is singular");
    if (!conv)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "logistic model did not converge in %d iterations", MAXIT);
    if (sep)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "logistic model: fitted probabilities 0 or 1 (the covariates separate "
                          "the groups)");
    res->n = n;
    res->p = p;
    res->iter = it;
    res->deviance = dev;
    for (int a = 0; a < p; a++) {
        res->coef[a] = beta[a];
        res->se[a] = sqrt(inv[a * p + a]);
        res->z[a] = beta[a] / res->se[a];
        res->p_wald[a] = 2 * gsl_cdf_ugaussian_Q(fabs(res->z[a]));
    }
    return 0;
}
