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
    const double *x;   /* centred, n x p */
    const double *w;   /* case weights, or NULL for 1 */
    const size_t *ord; /* by stratum, then time (the strata's blocks in ord) */
    size_t n;
    int p;
    const size_t *sb; /* stratum k is ord[sb[k] .. sb[k + 1]) */
    size_t nstrata;
} cox_data_t;

/* The same data restricted to stratum k (a block of ord), with no strata of its own. */
static cox_data_t stratum(const cox_data_t *c, size_t k)
{
    cox_data_t s = *c;
    s.ord = c->ord + c->sb[k];
    s.n = c->sb[k + 1] - c->sb[k];
    s.sb = NULL;
    s.nstrata = 1;
    return s;
}

/* Partial log-likelihood, score u and information imat (p x p) at beta, with Efron's
 * approximation for tied event times. Subjects are visited from the latest time down,
 * so the risk-set sums (s0, s1, s2) grow by addition only. */
static double cox_eval1(const cox_data_t *c, const double *beta, double *u, double *imat)
{
    int p = c->p;
    double s0 = 0, s1[MAXP] = {0}, s2[MAXP * MAXP] = {0};
    double ll = 0;
    size_t i = c->n;
    while (i > 0) {
        double t = c->time[c->ord[i - 1]];
        size_t j = i;
        double d0 = 0, d1[MAXP] = {0}, d2[MAXP * MAXP] = {0}, dw = 0;
        int nd = 0;
        for (; j > 0 && c->time[c->ord[j - 1]] == t; j--) {
            size_t s = c->ord[j - 1];
            const double *xs = c->x + s * (size_t)p;
            double eta = 0;
            for (int a = 0; a < p; a++) eta += beta[a] * xs[a];
            double ws = c->w ? c->w[s] : 1, r = ws * exp(eta);
            s0 += r;
            for (int a = 0; a < p; a++) {
                s1[a] += r * xs[a];
                for (int b = 0; b < p; b++) s2[a * p + b] += r * xs[a] * xs[b];
            }
            if (c->event[s]) {
                nd++;
                dw += ws;
                ll += ws * eta;
                d0 += r;
                for (int a = 0; a < p; a++) {
                    u[a] += ws * xs[a];
                    d1[a] += r * xs[a];
                    for (int b = 0; b < p; b++) d2[a * p + b] += r * xs[a] * xs[b];
                }
            }
        }
        /* Efron: the tied deaths leave the risk set a 1/nd share at a time; with weights
         * each step counts the deaths' mean weight (coxfit6's meanwt) */
        double mw = nd ? dw / nd : 0;
        for (int l = 0; l < nd; l++) {
            double f = (double)l / nd;
            double a0 = s0 - f * d0, a1[MAXP];
            for (int a = 0; a < p; a++) a1[a] = s1[a] - f * d1[a];
            ll -= mw * log(a0);
            for (int a = 0; a < p; a++) {
                u[a] -= mw * a1[a] / a0;
                for (int b = 0; b < p; b++)
                    imat[a * p + b] +=
                        mw * ((s2[a * p + b] - f * d2[a * p + b]) / a0 - a1[a] * a1[b] / (a0 * a0));
            }
        }
        i = j;
    }
    return ll;
}

/* The sums of cox_eval1 over the strata (risk sets never cross a stratum: coxph's
 * strata()). */
static double cox_eval(const cox_data_t *c, const double *beta, double *u, double *imat)
{
    memset(u, 0, (size_t)c->p * sizeof(*u));
    memset(imat, 0, (size_t)c->p * c->p * sizeof(*imat));
    double ll = 0;
    for (size_t k = 0; k < c->nstrata; k++) {
        cox_data_t s = stratum(c, k);
        ll += cox_eval1(&s, beta, u, imat);
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

/* Efron score residuals at beta (survival's residuals(type = "score")): for subject i,
 * the sum over the (Efron sub-)steps of (x_i - xbar) dM_i, dM_i = dN_i - Y_i exp(eta_i)
 * dLambda, where a death tied with d others counts 1/d at each of the d steps and stays at
 * risk with weight 1 - l/d at step l. Steps are walked forward in time; H and G hold the
 * cumulative hazard and hazard-weighted mean of the steps so far. sr is n x p. */
static void score_resid1(const cox_data_t *c, const double *eta, double *sr)
{
    int p = c->p;
    size_t n = c->n;
    double s0 = 0, s1[MAXP] = {0};
    for (size_t k = 0; k < n; k++) {
        size_t i = c->ord[k];
        const double *xi = c->x + i * (size_t)p;
        double r = (c->w ? c->w[i] : 1) * exp(eta[i]);
        s0 += r;
        for (int a = 0; a < p; a++) s1[a] += r * xi[a];
    }
    double H = 0, G[MAXP] = {0};
    size_t i = 0;
    while (i < n) {
        double t = c->time[c->ord[i]];
        size_t j = i;
        double d0 = 0, d1[MAXP] = {0}, dw = 0, rem0 = 0, rem1[MAXP] = {0};
        int nd = 0;
        for (; j < n && c->time[c->ord[j]] == t; j++) {
            size_t s = c->ord[j];
            double ws = c->w ? c->w[s] : 1, r = ws * exp(eta[s]);
            const double *xs = c->x + s * (size_t)p;
            rem0 += r;
            for (int a = 0; a < p; a++) rem1[a] += r * xs[a];
            if (c->event[s]) {
                nd++;
                dw += ws;
                d0 += r;
                for (int a = 0; a < p; a++) d1[a] += r * xs[a];
            }
        }
        double hd = 0, gd[MAXP] = {0};       /* the deaths' share (weights 1 - l/d) */
        double hfull = 0, gfull[MAXP] = {0}; /* everyone else at risk */
        double xm[MAXP] = {0};               /* mean of the steps' xbar */
        double mw = nd ? dw / nd : 0;
        for (int l = 0; l < nd; l++) {
            double f = (double)l / nd, a0 = s0 - f * d0, dl = mw / a0;
            hfull += dl;
            hd += (1 - f) * dl;
            for (int a = 0; a < p; a++) {
                double xb = (s1[a] - f * d1[a]) / a0;
                gfull[a] += dl * xb;
                gd[a] += (1 - f) * dl * xb;
                xm[a] += xb / nd;
            }
        }
        for (size_t k = i; k < j; k++) {
            size_t s = c->ord[k];
            const double *xs = c->x + s * (size_t)p;
            double r = exp(eta[s]), *u = sr + s * (size_t)p;
            int dead = c->event[s] && nd;
            double h = H + (dead ? hd : hfull);
            for (int a = 0; a < p; a++) {
                double g = G[a] + (dead ? gd[a] : gfull[a]);
                u[a] = (dead ? xs[a] - xm[a] : 0) - r * (xs[a] * h - g);
            }
        }
        H += hfull;
        for (int a = 0; a < p; a++) G[a] += gfull[a];
        s0 -= rem0;
        for (int a = 0; a < p; a++) s1[a] -= rem1[a];
        i = j;
    }
}

/* score_resid1 in each stratum (a subject's residual involves only its own stratum's
 * risk sets). */
static int score_resid(const cox_data_t *c, const double *beta, double *sr)
{
    int p = c->p;
    double *eta = malloc((c->n + 1) * sizeof(double));
    if (!eta) return LM_ENOMEM;
    for (size_t i = 0; i < c->n; i++) {
        const double *xi = c->x + i * (size_t)p;
        double e = 0;
        for (int a = 0; a < p; a++) e += beta[a] * xi[a];
        eta[i] = e;
    }
    for (size_t k = 0; k < c->nstrata; k++) {
        cox_data_t s = stratum(c, k);
        score_resid1(&s, eta, sr);
    }
    free(eta);
    return 0;
}

int lm_stat_cox(const double *time, const int *event, const double *x, size_t n, int p,
                lm_cox_t *res, lm_err_t *err)
{
    return lm_stat_cox_weighted(time, event, x, NULL, n, p, 0, res, err);
}

int lm_stat_cox_weighted(const double *time, const int *event, const double *x, const double *w,
                         size_t n, int p, int robust, lm_cox_t *res, lm_err_t *err)
{
    return lm_stat_cox_strata(time, event, x, w, NULL, n, p, robust, res, err);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Regroup ord (sorted by time) into the strata's blocks, each still sorted by time, the
 * strata in label order; sb gets the blocks' bounds. Returns the number of strata, or 0
 * when out of memory. */
static size_t by_strata(const int *strata, size_t n, size_t *ord, size_t **sbp)
{
    int *lab = malloc((n + 1) * sizeof(*lab));
    size_t *tmp = malloc((n + 1) * sizeof(*tmp)), *sb = malloc((n + 2) * sizeof(*sb));
    if (!lab || !tmp || !sb) {
        free(lab);
        free(tmp);
        free(sb);
        return 0;
    }
    size_t k = 0;
    if (strata) {
        memcpy(lab, strata, n * sizeof(*lab));
        qsort(lab, n, sizeof(*lab), cmp_int);
        for (size_t i = 0; i < n; i++)
            if (!k || lab[k - 1] != lab[i]) lab[k++] = lab[i];
    } else {
        k = 1;
    }
    size_t m = 0;
    for (size_t g = 0; g < k; g++) {
        sb[g] = m;
        for (size_t i = 0; i < n; i++)
            if (!strata || strata[ord[i]] == lab[g]) tmp[m++] = ord[i];
    }
    sb[k] = m;
    memcpy(ord, tmp, n * sizeof(*ord));
    free(lab);
    free(tmp);
    *sbp = sb;
    return k;
}

int lm_stat_cox_strata(const double *time, const int *event, const double *x, const double *w,
                       const int *strata, size_t n, int p, int robust, lm_cox_t *res, lm_err_t *err)
{
    if (p < 1 || p > MAXP)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "Cox model takes 1 to %d covariates", MAXP);
    if (n < 3)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "Cox model needs at least 3 subjects, got %zu", n);
    int rc = stat_check_surv(time, event, n, err);
    if (rc) return rc;
    for (size_t i = 0; w && i < n; i++)
        if (!(w[i] > 0) || !isfinite(w[i]))
            return lm_err_set(err, LM_EFORMAT, NULL, 0, i + 1,
                              "Cox model: weight %g is not a positive number", w[i]);
    size_t nev = 0;
    for (size_t i = 0; i < n; i++) nev += event[i] == 1;
    if (nev == 0)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "Cox model undefined: no events (all censored)");
    double *xc = malloc(n * (size_t)p * sizeof(*xc));
    size_t *ord = malloc(n * sizeof(*ord)), *sb = NULL, nstrata = 0;
    if (!xc || !ord || stat_surv_order(time, event, n, ord) ||
        !(nstrata = by_strata(strata, n, ord, &sb))) {
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
                free(sb);
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
            free(sb);
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                              "Cox model undefined: covariate %d is constant", a + 1);
        }
    }
    cox_data_t c = {time, event, xc, w, ord, n, p, sb, nstrata};
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
    double rv[MAXP * MAXP];
    if (!rc && robust) {
        /* sandwich: inv * (sum_i w_i^2 U_i U_i') * inv, as coxph(robust = TRUE) builds it
         * from the weighted dfbeta residuals */
        double *sr = malloc(n * (size_t)p * sizeof(double)), mid[MAXP * MAXP] = {0};
        if (!sr || score_resid(&c, beta, sr)) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        } else {
            for (size_t i = 0; i < n; i++) {
                double wi = w ? w[i] : 1, *ui = sr + i * (size_t)p;
                for (int a = 0; a < p; a++)
                    for (int b = 0; b < p; b++) mid[a * p + b] += wi * wi * ui[a] * ui[b];
            }
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++) {
                    double v = 0;
                    for (int k = 0; k < p; k++)
                        for (int l = 0; l < p; l++)
                            v += inv[a * p + k] * mid[k * p + l] * inv[l * p + b];
                    rv[a * p + b] = v;
                }
        }
        free(sr);
    }
    free(xc);
    free(ord);
    free(sb);
    if (rc) return rc;
    const double zq = gsl_cdf_ugaussian_Pinv(0.975);
    memset(res, 0, sizeof(*res));
    res->n = n;
    res->nevent = nev;
    res->p = p;
    res->iter = iter;
    for (int a = 0; a < p; a++) {
        res->coef[a] = beta[a];
        res->se_naive[a] = sqrt(inv[a * p + a]);
        res->se[a] = robust ? sqrt(rv[a * p + a]) : res->se_naive[a];
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
