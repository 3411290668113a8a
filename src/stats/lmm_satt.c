/* SPDX-License-Identifier: MIT */
/* Satterthwaite's degrees of freedom for the coefficients of a mixed model, computed the
 * way lmerTest computes them, so the numbers agree to many digits: the Hessian of the
 * deviance in varpar = (theta, sigma) by numDeriv::hessian (genD, Richardson, d = 0.1),
 * its pseudo-inverse times 2 as cov(varpar), and the Jacobian of diag cov(beta) in
 * varpar by numDeriv::jacobian (Richardson, d = 1e-4). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>

#include "lmm_internal.h"
#include "lumen/util.h"

#define LMM_2PI 6.283185307179586476925286766559

enum { NR = 4, MAXV = 4 }; /* Richardson steps (numDeriv r = 4, v = 2); varpar size */

/* numDeriv's default step: |d x| + eps where |x| < zero.tol. */
static void step0(const double *x, int nv, double dd, double *h)
{
    const double zero_tol = sqrt(2.220446049250313e-16 / 7e-7);
    for (int i = 0; i < nv; i++) h[i] = fabs(dd * x[i]) + (fabs(x[i]) < zero_tol ? 1e-4 : 0);
}

/* lmerTest's devfun_vp: the REML deviance at (theta, sigma). */
static double dev_vp(lmm_data_t *d, const double *vp, int nt)
{
    lmm_pieces_t pc;
    if (lmm_eval(d, vp, &pc)) return NAN;
    double s2 = vp[nt] * vp[nt];
    return pc.ldL2 + pc.r2 / s2 + (double)d->n * log(LMM_2PI * s2) + pc.ldRX2 -
           d->p * log(LMM_2PI * s2);
}

/* lmerTest's get_covbeta, diagonal only: sigma^2 diag (X'V^-1X)^-1. */
static int covbeta_diag(lmm_data_t *d, const double *vp, int nt, double *out, double *scratch)
{
    lmm_pieces_t pc;
    if (lmm_eval(d, vp, &pc)) return -1;
    int p = d->p;
    memcpy(scratch, d->xvx, (size_t)p * p * sizeof(double));
    gsl_matrix_view m = gsl_matrix_view_array(scratch, (size_t)p, (size_t)p);
    gsl_linalg_cholesky_invert(&m.matrix);
    double s2 = vp[nt] * vp[nt];
    for (int j = 0; j < p; j++) out[j] = s2 * scratch[j * p + j];
    return 0;
}

static void richardson(double *a, int stride, int count)
{
    /* a[k * stride + c] for k < NR, c < count: extrapolate in place into k = 0 */
    for (int m = 1; m < NR; m++) {
        double f = pow(4, m);
        for (int k = 0; k < NR - m; k++)
            for (int c = 0; c < count; c++)
                a[k * stride + c] = (a[(k + 1) * stride + c] * f - a[k * stride + c]) / (f - 1);
    }
}

/* numDeriv::hessian(dev_vp, x) through genD. */
static void hessian(lmm_data_t *d, const double *x, int nv, double *H)
{
    int nt = nv - 1;
    double h0[MAXV], f0 = dev_vp(d, x, nt), hdiag[MAXV];
    step0(x, nv, 0.1, h0);
    for (int i = 0; i < nv; i++) {
        double da[NR], ha[NR], h = h0[i], xx[MAXV];
        for (int k = 0; k < NR; k++) {
            memcpy(xx, x, (size_t)nv * sizeof(double));
            xx[i] = x[i] + h;
            double f1 = dev_vp(d, xx, nt);
            xx[i] = x[i] - h;
            double f2 = dev_vp(d, xx, nt);
            da[k] = (f1 - f2) / (2 * h);
            ha[k] = (f1 - 2 * f0 + f2) / (h * h);
            h /= 2;
        }
        richardson(da, 1, 1);
        richardson(ha, 1, 1);
        hdiag[i] = ha[0];
        H[i * nv + i] = ha[0];
    }
    for (int i = 0; i < nv; i++)
        for (int j = 0; j < i; j++) {
            double da[NR], hi = h0[i], hj = h0[j], xx[MAXV];
            for (int k = 0; k < NR; k++) {
                memcpy(xx, x, (size_t)nv * sizeof(double));
                xx[i] += hi;
                xx[j] += hj;
                double f1 = dev_vp(d, xx, nt);
                memcpy(xx, x, (size_t)nv * sizeof(double));
                xx[i] -= hi;
                xx[j] -= hj;
                double f2 = dev_vp(d, xx, nt);
                da[k] =
                    (f1 - 2 * f0 + f2 - hdiag[i] * hi * hi - hdiag[j] * hj * hj) / (2 * hi * hj);
                hi /= 2;
                hj /= 2;
            }
            richardson(da, 1, 1);
            H[i * nv + j] = H[j * nv + i] = da[0];
        }
}

int lmm_satterthwaite(lmm_data_t *d, const double *theta, double sigma, const double *vcov,
                      double *df)
{
    int nt = lmm_ntheta(d->q), nv = nt + 1, p = d->p;
    double x[MAXV], H[MAXV * MAXV], A[MAXV * MAXV] = {0};
    memcpy(x, theta, (size_t)nt * sizeof(double));
    x[nt] = sigma;
    hessian(d, x, nv, H);
    /* cov(varpar) = 2 * pseudo-inverse over the eigenvalues > 1e-8 (lmerTest's tol) */
    gsl_matrix_view hm = gsl_matrix_view_array(H, (size_t)nv, (size_t)nv);
    gsl_vector *ev = gsl_vector_alloc((size_t)nv);
    gsl_matrix *evec = gsl_matrix_alloc((size_t)nv, (size_t)nv);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc((size_t)nv);
    double *jac = malloc((size_t)NR * MAXV * p * sizeof(double)); /* [k][i][j] */
    double *scratch = malloc((size_t)p * p * sizeof(double));
    double *cp = malloc((size_t)p * sizeof(double)), *cm = malloc((size_t)p * sizeof(double));
    int rc = ev && evec && ws && jac && scratch && cp && cm ? 0 : LM_ENOMEM;
    if (!rc) {
        gsl_eigen_symmv(&hm.matrix, ev, evec, ws);
        int npos = 0;
        for (int k = 0; k < nv; k++) {
            double l = gsl_vector_get(ev, k);
            if (!(l > 1e-8)) continue;
            npos++;
            for (int a = 0; a < nv; a++)
                for (int b = 0; b < nv; b++)
                    A[a * nv + b] +=
                        2 * gsl_matrix_get(evec, a, k) * gsl_matrix_get(evec, b, k) / l;
        }
        if (!npos) rc = -1;
    }
    if (!rc) {
        /* numDeriv::jacobian of diag cov(beta) */
        double h[MAXV], xx[MAXV];
        step0(x, nv, 1e-4, h);
        for (int k = 0; k < NR && !rc; k++) {
            for (int i = 0; i < nv && !rc; i++) {
                memcpy(xx, x, (size_t)nv * sizeof(double));
                xx[i] = x[i] + h[i];
                if (covbeta_diag(d, xx, nt, cp, scratch)) rc = -1;
                xx[i] = x[i] - h[i];
                if (!rc && covbeta_diag(d, xx, nt, cm, scratch)) rc = -1;
                for (int j = 0; !rc && j < p; j++)
                    jac[((size_t)k * nv + i) * p + j] = (cp[j] - cm[j]) / (2 * h[i]);
            }
            for (int i = 0; i < nv; i++) h[i] /= 2;
        }
        if (!rc) richardson(jac, nv * p, nv * p);
    }
    for (int j = 0; !rc && j < p; j++) {
        double g[MAXV], den = 0, v = vcov[j * p + j];
        for (int i = 0; i < nv; i++) g[i] = jac[(size_t)i * p + j];
        for (int a = 0; a < nv; a++)
            for (int b = 0; b < nv; b++) den += g[a] * A[a * nv + b] * g[b];
        df[j] = 2 * v * v / den;
    }
    gsl_vector_free(ev);
    gsl_matrix_free(evec);
    if (ws) gsl_eigen_symmv_free(ws);
    free(jac);
    free(scratch);
    free(cp);
    free(cm);
    return rc;
}
