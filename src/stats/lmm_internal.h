/* SPDX-License-Identifier: MIT */
/* What the files of the mixed model share: the data reduced to per-group cross-products,
 * and the REML pieces at a given theta (lme4's parameterisation). */
#ifndef LUMEN_STATS_LMM_INTERNAL_H
#define LUMEN_STATS_LMM_INTERNAL_H

#include <stddef.h>

typedef struct lmm_data {
    size_t n, ng;
    int p, q;
    double *xtx, *xty;       /* X'X (p x p), X'y */
    double *ztz, *ztx, *zty; /* per group: Z'Z (q x q), Z'X (q x p), Z'y (q) */
    const double *y, *x, *z; /* the data (borrowed; z: the slope or NULL) */
    int *g;                  /* group index 0..ng-1 of each observation (owned) */
    double *ze;              /* per group: Z'e of the residuals e = y - X beta */
    double *wxx, *wxy;       /* q = 1: within-group centred X'X and X'y (p x p, p): X'V^-1X
                                then needs no subtraction of large numbers */
    /* scratch of one evaluation (so a data object serves one thread) */
    double *xvx, *xvy, *beta, *b, *w;
} lmm_data_t;

/* The pieces of lme4's deviance at theta: log|L|^2 (ldL2), log|R_X|^2 (ldRX2) and the
 * penalised residual sum of squares r2 (pwrss); beta is the GLS estimate and xvx holds
 * the Cholesky factor of X'V^-1X (V relative to sigma^2). Returns 0, or -1 when X'V^-1X
 * is not positive definite. */
typedef struct lmm_pieces {
    double ldL2, ldRX2, r2;
} lmm_pieces_t;

int lmm_eval(lmm_data_t *d, const double *theta, lmm_pieces_t *pc);

/* lme4's REML criterion profiled over sigma (HUGE_VAL when lmm_eval fails). */
double lmm_reml(lmm_data_t *d, const double *theta);

/* Number of theta parameters for q random effects: 1 or 3. */
static inline int lmm_ntheta(int q)
{
    return q == 1 ? 1 : 3;
}

/* Satterthwaite df of each coefficient as lmerTest (numDeriv's Hessian of the deviance in
 * (theta, sigma), Jacobian of cov(beta)); vcov is sigma^2 (X'V^-1X)^-1 at the fit.
 * Returns 0, LM_ENOMEM, or -1 when the Hessian has no positive eigenvalue. */
int lmm_satterthwaite(lmm_data_t *d, const double *theta, double sigma, const double *vcov,
                      double *df);

/* Kenward-Roger as pbkrtest's vcovAdj and Lb_ddf (lmerTest's ddf = "Kenward-Roger"): gam
 * holds the variance parameters (var_int, residual variance; with a slope var_int,
 * cov_int_slope, var_slope, residual), phi the unadjusted vcov (p x p). Fills phia (p x p,
 * the adjusted vcov) and df (p). Returns 0, LM_ENOMEM, or -1 when V is not positive
 * definite. */
int lmm_kenward_roger(const lmm_data_t *d, const double *gam, const double *phi, double *phia,
                      double *df);

#endif
