/* SPDX-License-Identifier: MIT */
/* Cox proportional hazards with Efron ties, as survival::coxph(ties = "efron"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>

#include "lumen/stats.h"
#include "stats_internal.h"

enum { MAXP = LM_COX_MAXP };

typedef struct {
    const double *time;
    const int *event;
    const double *x; /* centred, n x p */
    const size_t *ord;
    size_t n;
    int p;
} cox_data_t;

/* Partial log-likelihood, score u and information imat (p x p) at beta, with Efron's
 * approximation for tied event times. Subjects are visited from the latest time down,
 * so the risk-set sums (s0, s1, s2) grow by addition only. */
static double cox_eval(const cox_data_t *c, const double *beta, double *u, double *imat)
{
    int p = c->p;
    double s0 = 0, s1[MAXP] = {0}, s2[MAXP * MAXP] = {0};
    double ll = 0;
    memset(u, 0, (size_t)p * sizeof(*u));
    memset(imat, 0, (size_t)p * p * sizeof(*imat));
    size_t i = c->n;
    while (i > 0) {
        double t = c->time[c->ord[i - 1]];
        size_t j = i;
        double d0 = 0, d1[MAXP] = {0}, d2[MAXP * MAXP] = {0};
        int nd = 0;
        for (; j > 0 && c->time[c->ord[j - 1]] == t; j--) {
            size_t s = c->ord[j - 1];
            const double *xs = c->x + s * (size_t)p;
            double eta = 0;
            for (int a = 0; a < p; a++) eta += beta[a] * xs[a];
            double r = exp(eta);
            s0 += r;
            for (int a = 0; a < p; a++) {
                s1[a] += r * xs[a];
                for (int b = 0; b < p; b++) s2[a * p + b] += r * xs[a] * xs[b];
            }
            if (c->event[s]) {
                nd++;
                ll += eta;
                d0 += r;
                for (int a = 0; a < p; a++) {
                    u[a] += xs[a];
                    d1[a] += r * xs[a];
                    for (int b = 0; b < p; b++) d2[a * p + b] += r * xs[a] * xs[b];
                }
            }
        }
        for (int l = 0; l < nd; l++) {
            double f = (double)l / nd;
            double a0 = s0 - f * d0, a1[MAXP];
            for (int a = 0; a < p; a++) a1[a] = s1[a] - f * d1[a];
            ll -= log(a0);
            for (int a = 0; a < p; a++) {
                u[a] -= a1[a] / a0;
                for (int b = 0; b < p; b++)
                    imat[a * p + b] +=
                        (s2[a * p + b] - f * d2[a * p + b]) / a0 - a1[a] * a1[b] / (a0 * a0);
            }
        }
        i = j;
    }
    return ll;
}

/* Solve imat * step = u by Cholesky; inv (if not NULL) gets imat^-1. Returns 0, or -1
 * when imat is not positive definite (a constant or collinear covariate). */
static int solve(const double *imat, const double *u, int p, double *step, double *inv)
{
    double a[MAXP * MAXP];
    memcpy(a, imat, (size_t)p * p * sizeof(*a));
    gsl_matrix_view m = gsl_matrix_view_array(a, (size_t)p, (size_t)p);
    gsl_vector_const_view b = gsl_vector_const_view_array(u, (size_t)p);
    gsl_vector_view x = gsl_vector_view_array(step, (size_t)p);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_cholesky_decomp1(&m.matrix);
    if (!rc) rc = gsl_linalg_cholesky_solve(&m.matrix, &b.vector, &x.vector);
    if (!rc && inv) {
        rc = gsl_linalg_cholesky_invert(&m.matrix);
        memcpy(inv, a, (size_t)p * p * sizeof(*a));
    }
    gsl_set_error_handler(old);
    return rc ? -1 : 0;
}

int lm_stat_cox(const double *time, const int *event, const double *x, size_t n, int p,
                lm_cox_t *res, lm_err_t *err)
{
    if (p < 1 || p > MAXP)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "Cox model takes 1 to %d covariates", MAXP);
    if (n < 3)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "Cox model needs at least 3 subjects, got %zu", n);
    int rc = stat_check_surv(time, event, n, err);
    if (rc) return rc;
    size_t nev = 0;
    for (size_t i = 0; i < n; i++) nev += event[i] == 1;
    if (nev == 0)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "Cox model undefined: no events (all censored)");
    double *xc = malloc(n * (size_t)p * sizeof(*xc));
    size_t *ord = malloc(n * sizeof(*ord));
    if (!xc || !ord || stat_surv_order(time, event, n, ord)) {
        free(xc);
        free(ord);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* Centre each covariate (as coxph does): the likelihood is unchanged, exp() safer. */
    for (int a = 0; a < p; a++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(x[i * p + a])) {
                free(xc);
                free(ord);
                return lm_err_set(err, LM_EFORMAT, NULL, 0, i + 1,
                                  "Cox covariate %d is missing or not finite", a + 1);
            }
            m += x[i * p + a];
        }
        m /= (double)n;
        for (size_t i = 0; i < n; i++) {
            xc[i * p + a] = x[i * p + a] - m;
            v += xc[i * p + a] * xc[i * p + a];
        }
        if (!(v > 0)) {
            free(xc);
            free(ord);
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                              "Cox model undefined: covariate %d is constant", a + 1);
        }
    }
    cox_data_t c = {time, event, xc, ord, n, p};
    double beta[MAXP] = {0}, u[MAXP], imat[MAXP * MAXP], step[MAXP], inv[MAXP * MAXP];
    double ll0 = cox_eval(&c, beta, u, imat), ll = ll0;
    int iter = 0, converged = 0;
    rc = 0;
    /* Newton-Raphson from 0 with step halving when the likelihood drops (coxph's rule);
     * we keep iterating past coxph's stopping point (relative change 1e-9) until the
     * change is at rounding level, so beta is the MLE to ~1e-12, not to ~1e-8. */
    while (iter < 30) {
        if (solve(imat, u, p, step, NULL)) {
            rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                            "Cox model undefined: covariates are collinear");
            break;
        }
        double nb[MAXP], nu[MAXP], ni[MAXP * MAXP];
        for (int a = 0; a < p; a++) nb[a] = beta[a] + step[a];
        double nll = cox_eval(&c, nb, nu, ni);
        for (int h = 0; h < 30 && !(nll >= ll); h++) {
            for (int a = 0; a < p; a++) nb[a] = (nb[a] + beta[a]) / 2;
            nll = cox_eval(&c, nb, nu, ni);
        }
        iter++;
        double rel = fabs(1 - ll / nll);
        int better = nll >= ll;
        if (better) {
            memcpy(beta, nb, sizeof(beta));
            memcpy(u, nu, sizeof(u));
            memcpy(imat, ni, sizeof(imat));
            ll = nll;
        }
        if (rel <= 1e-9) converged = 1;
        if (!better || rel <= 1e-15) break;
    }
    if (!rc && !converged)
        rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "Cox model did not converge in 30 iterations");
    if (!rc && solve(imat, u, p, step, inv))
        rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                        "Cox model undefined: the information matrix is singular");
    /* coxph's test for an infinite coefficient: the likelihood has stopped moving but the
     * next Newton step is still large next to the coefficient (toler.inf = sqrt(1e-9)). */
    for (int a = 0; !rc && a < p; a++)
        if (fabs(step[a]) > 1e-9 && fabs(step[a]) > sqrt(1e-9) * fabs(beta[a]))
            rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                            "Cox model did not converge: coefficient %d may be infinite "
                            "(monotone likelihood: the covariate separates events)",
                            a + 1);
    free(xc);
    free(ord);
    if (rc) return rc;
    const double zq = gsl_cdf_ugaussian_Pinv(0.975);
    memset(res, 0, sizeof(*res));
    res->n = n;
    res->nevent = nev;
    res->p = p;
    res->iter = iter;
    for (int a = 0; a < p; a++) {
        res->coef[a] = beta[a];
        res->se[a] = sqrt(inv[a * p + a]);
        res->z[a] = beta[a] / res->se[a];
        res->p_wald[a] = 2 * gsl_cdf_ugaussian_Q(fabs(res->z[a]));
        res->hr[a] = exp(beta[a]);
        res->hr_low[a] = exp(beta[a] - zq * res->se[a]);
        res->hr_high[a] = exp(beta[a] + zq * res->se[a]);
    }
    res->loglik0 = ll0;
    res->loglik = ll;
    res->lr_chisq = 2 * (ll - ll0);
    res->lr_p = gsl_cdf_chisq_Q(res->lr_chisq, p);
    return 0;
}
