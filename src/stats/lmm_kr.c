/* SPDX-License-Identifier: MIT */
/* Kenward-Roger: the small-sample adjusted covariance of the fixed effects and the
 * degrees of freedom of each coefficient's t-test, as lmerTest's summary(ddf =
 * "Kenward-Roger") takes them from pbkrtest (vcovAdj, Lb_ddf), step for step. The
 * covariance of the observations is V = sum_k gamma_k G_k over the variance parameters
 * (the random-effect variances and covariance, then the residual variance), every G_k
 * block diagonal by subject, so every sum over observations is a sum over subjects of
 * small dense blocks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>

#include "lmm_internal.h"
#include "lumen/util.h"

enum { MAXK = 4 }; /* variance parameters: var_int[, cov, var_slope], residual */

typedef struct kr_work {
    int p, K;
    double *P[MAXK];        /* -X'V^-1 G_k V^-1 X */
    double *Q[MAXK * MAXK]; /* X'V^-1 G_k V^-1 G_l V^-1 X, k <= l */
    double Kt[MAXK * MAXK]; /* tr(G_k V^-1 G_l V^-1) */
} kr_work_t;

/* The m x m G_k of one subject whose slope values are z (NULL: intercept only). */
static void g_block(int k, int K, const double *z, int m, double *G)
{
    for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++) {
            double v;
            if (k == K - 1)
                v = a == b; /* residual */
            else if (k == 0)
                v = 1; /* intercept variance: 1 1' */
            else if (k == 1)
                v = z[a] + z[b]; /* covariance: 1 z' + z 1' */
            else
                v = z[a] * z[b]; /* slope variance: z z' */
            G[a * m + b] = v;
        }
}

/* C (r x c) = A' (m x r)' B (m x c), added when acc is set. */
static void atb(const double *A, const double *B, int m, int r, int c, double *C, int acc)
{
    for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++) {
            double s = 0;
            for (int k = 0; k < m; k++) s += A[k * r + i] * B[k * c + j];
            C[i * c + j] = acc ? C[i * c + j] + s : s;
        }
}

/* C (r x c) = A (r x m) B (m x c). */
static void ab(const double *A, const double *B, int r, int m, int c, double *C)
{
    for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++) {
            double s = 0;
            for (int k = 0; k < m; k++) s += A[i * m + k] * B[k * c + j];
            C[i * c + j] = s;
        }
}

/* One subject's share of P, Q and the traces. rows: its observations. */
static int subject(const lmm_data_t *d, const double *gam, kr_work_t *w, const size_t *rows, int m,
                   double *buf)
{
    int p = w->p, K = w->K;
    double *V = buf, *X = V + m * m, *z = X + m * p, *TT = z + m, *H = TT + m * p;
    double *O = H + K * m * m, *VO = O + K * m * p, *G = VO + K * m * p;
    for (int a = 0; a < m; a++) {
        memcpy(X + a * p, d->x + rows[a] * (size_t)p, (size_t)p * sizeof(double));
        z[a] = d->z ? d->z[rows[a]] : 0;
    }
    memset(V, 0, (size_t)m * m * sizeof(double));
    for (int k = 0; k < K; k++) {
        g_block(k, K, z, m, G);
        for (int a = 0; a < m * m; a++) V[a] += gam[k] * G[a];
    }
    gsl_matrix_view vm = gsl_matrix_view_array(V, (size_t)m, (size_t)m);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int bad = gsl_linalg_cholesky_decomp1(&vm.matrix);
    if (!bad) bad = gsl_linalg_cholesky_invert(&vm.matrix);
    gsl_set_error_handler(old);
    if (bad) return -1; /* V is now V^-1 */
    ab(V, X, m, m, p, TT);
    for (int k = 0; k < K; k++) {
        double *Hk = H + k * m * m, *Ok = O + k * m * p;
        g_block(k, K, z, m, G);
        ab(G, V, m, m, m, Hk);
        ab(Hk, X, m, m, p, Ok);
        ab(V, Ok, m, m, p, VO + k * m * p);
        /* P_k -= O_k' TT */
        for (int i = 0; i < p; i++)
            for (int j = 0; j < p; j++) {
                double s = 0;
                for (int a = 0; a < m; a++) s += Ok[a * p + i] * TT[a * p + j];
                w->P[k][i * p + j] -= s;
            }
    }
    for (int k = 0; k < K; k++)
        for (int l = k; l < K; l++) {
            atb(O + k * m * p, VO + l * m * p, m, p, p, w->Q[k * K + l], 1);
            const double *Hk = H + k * m * m, *Hl = H + l * m * m;
            double s = 0;
            for (int a = 0; a < m; a++)
                for (int b = 0; b < m; b++) s += Hk[a * m + b] * Hl[b * m + a];
            w->Kt[k * K + l] += s;
        }
    return 0;
}

/* 2 IE2^-1, or 2 times its Moore-Penrose inverse when an eigenvalue is below 1e-10 in
 * size (pbkrtest's rule). */
static int w_matrix(const double *IE2, int K, double *W)
{
    double a[MAXK * MAXK], ev[MAXK], vec[MAXK * MAXK];
    memcpy(a, IE2, sizeof(double) * (size_t)(K * K));
    gsl_matrix_view am = gsl_matrix_view_array(a, (size_t)K, (size_t)K);
    gsl_vector_view evv = gsl_vector_view_array(ev, (size_t)K);
    gsl_matrix_view vm = gsl_matrix_view_array(vec, (size_t)K, (size_t)K);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc((size_t)K);
    if (!ws) return LM_ENOMEM;
    gsl_eigen_symmv(&am.matrix, &evv.vector, &vm.matrix, ws);
    gsl_eigen_symmv_free(ws);
    double mx = 0, cond = INFINITY;
    for (int k = 0; k < K; k++) {
        if (fabs(ev[k]) < cond) cond = fabs(ev[k]);
        if (fabs(ev[k]) > mx) mx = fabs(ev[k]);
    }
    /* MASS::ginv drops eigenvalues below sqrt(.Machine$double.eps) times the largest */
    double tol = cond > 1e-10 ? 0 : 1.4901161193847656e-08 * mx;
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) {
            double s = 0;
            for (int k = 0; k < K; k++)
                if (fabs(ev[k]) > tol) s += vec[i * K + k] * vec[j * K + k] / ev[k];
            W[i * K + j] = 2 * s;
        }
    return 0;
}

int lmm_kenward_roger(const lmm_data_t *d, const double *gam, const double *phi, double *phia,
                      double *df)
{
    int p = d->p, K = d->q == 1 ? 2 : 4;
    size_t n = d->n, ng = d->ng, pp = (size_t)p * p;
    kr_work_t w = {.p = p, .K = K};
    size_t *ord = malloc((n + 1) * sizeof(*ord)), *start = calloc(ng + 1, sizeof(*start));
    int rc = ord && start ? 0 : LM_ENOMEM, mmax = 0;
    for (int k = 0; k < K && !rc; k++) {
        if (!(w.P[k] = calloc(pp, sizeof(double)))) rc = LM_ENOMEM;
        for (int l = k; l < K && !rc; l++)
            if (!(w.Q[k * K + l] = calloc(pp, sizeof(double)))) rc = LM_ENOMEM;
    }
    if (!rc) { /* observations grouped by subject (counting sort, stable) */
        for (size_t i = 0; i < n; i++) start[d->g[i] + 1]++;
        for (size_t g = 0; g < ng; g++) {
            if ((int)start[g + 1] > mmax) mmax = (int)start[g + 1];
            start[g + 1] += start[g];
        }
        size_t *fill = malloc((ng + 1) * sizeof(*fill));
        if (!fill) rc = LM_ENOMEM;
        for (size_t g = 0; !rc && g < ng; g++) fill[g] = start[g];
        for (size_t i = 0; !rc && i < n; i++) ord[fill[d->g[i]]++] = i;
        free(fill);
    }
    size_t m2 = (size_t)mmax * mmax, mp = (size_t)mmax * p;
    double *buf = rc ? NULL : malloc((m2 * (2 + K) + mp * (2 + 2 * K) + mmax + 1) * sizeof(double));
    if (!rc && !buf) rc = LM_ENOMEM;
    for (size_t g = 0; !rc && g < ng; g++)
        if (subject(d, gam, &w, ord + start[g], (int)(start[g + 1] - start[g]), buf)) rc = -1;
    /* IE2, W, U, the adjusted covariance */
    double *t1 = rc ? NULL : malloc((3 * pp + (size_t)K * p + 1) * sizeof(double));
    double *t2 = t1 + pp, *uu = t2 + pp, *pphi = uu + pp;
    if (!rc && !t1) rc = LM_ENOMEM;
    double IE2[MAXK * MAXK], W[MAXK * MAXK];
    for (int k = 0; k < K && !rc; k++)
        for (int l = k; l < K; l++) {
            double s2 = 0, s3 = 0;
            for (size_t a = 0; a < pp; a++) s2 += phi[a] * w.Q[k * K + l][a];
            ab(phi, w.P[k], p, p, p, t1);
            ab(w.P[l], phi, p, p, p, t2);
            for (size_t a = 0; a < pp; a++) s3 += t1[a] * t2[a];
            IE2[k * K + l] = IE2[l * K + k] = w.Kt[k * K + l] - 2 * s2 + s3;
        }
    if (!rc) rc = w_matrix(IE2, K, W);
    if (!rc) {
        memset(uu, 0, pp * sizeof(double));
        for (int k = 0; k < K; k++)
            for (int l = k + 1; l < K; l++) {
                ab(w.P[k], phi, p, p, p, t1);
                ab(t1, w.P[l], p, p, p, t2);
                for (size_t a = 0; a < pp; a++) uu[a] += W[k * K + l] * (w.Q[k * K + l][a] - t2[a]);
            }
        for (int i = 0; i < p; i++)
            for (int j = i; j < p; j++)
                uu[i * p + j] = uu[j * p + i] = uu[i * p + j] + uu[j * p + i];
        for (int k = 0; k < K; k++) {
            ab(w.P[k], phi, p, p, p, t1);
            ab(t1, w.P[k], p, p, p, t2);
            for (size_t a = 0; a < pp; a++) uu[a] += W[k * K + k] * (w.Q[k * K + k][a] - t2[a]);
        }
        ab(phi, uu, p, p, p, t1);
        ab(t1, phi, p, p, p, t2);
        for (size_t a = 0; a < pp; a++) phia[a] = phi[a] + 2 * t2[a];
        /* Lb_ddf for L = e_j: Theta V0 P_k V0 has one non-zero row, so A1 = A2 = sum over
         * k <= l of e W_kl a_k a_l with a_k = (V0 P_k V0)_jj / V0_jj */
        double *a = pphi; /* K x p: (phi P_k phi)_jj */
        for (int k = 0; k < K; k++) {
            ab(phi, w.P[k], p, p, p, t1);
            ab(t1, phi, p, p, p, t2);
            for (int j = 0; j < p; j++) a[k * p + j] = t2[j * p + j];
        }
        for (int j = 0; j < p; j++) {
            double A = 0;
            for (int k = 0; k < K; k++)
                for (int l = k; l < K; l++)
                    A += (k == l ? 1 : 2) * W[k * K + l] * (a[k * p + j] / phi[j * p + j]) *
                         (a[l * p + j] / phi[j * p + j]);
            double q = 1, A1 = A, A2 = A;
            double B = (A1 + 6 * A2) / (2 * q);
            double g = ((q + 1) * A1 - (q + 4) * A2) / ((q + 2) * A2);
            double den = 3 * q + 2 * (1 - g);
            double c1 = g / den, c2 = (q - g) / den, c3 = (q + 2 - g) / den;
            double V0 = 1 + c1 * B, V1 = 1 - c2 * B, V2 = 1 - c3 * B;
            if (fabs(V0) < 1e-10) V0 = 0;
            double x = 1 - A2 / q, dz = fabs(x) < 1e-14 && fabs(V1) < 1e-14 ? 1 : x / V1;
            double rho = 1 / q * dz * dz * V0 / V2;
            df[j] = 4 + (q + 2) / (q * rho - 1);
        }
    }
    for (int k = 0; k < K; k++) {
        free(w.P[k]);
        for (int l = k; l < K; l++) free(w.Q[k * K + l]);
    }
    free(ord);
    free(start);
    free(buf);
    free(t1);
    return rc;
}
