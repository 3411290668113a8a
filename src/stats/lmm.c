/* SPDX-License-Identifier: MIT */
/* Linear mixed models by REML, as lme4::lmer with one grouping factor: the data reduced
 * to per-group cross-products once, the profiled REML criterion from them by Woodbury's
 * identity (V = I + Z Lambda Lambda' Z', block-diagonal by group), minimised over theta. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>

#include "lmm_internal.h"
#include "lumen/stats.h"
#include "stats_internal.h"

#define LMM_2PI 6.283185307179586476925286766559

int lmm_eval(lmm_data_t *d, const double *th, lmm_pieces_t *pc)
{
    int p = d->p, q = d->q;
    double ldL2 = 0;
    double *b = d->b, *w = d->w; /* b: Lambda'Z'X (q x p); w: A^-1 b */
    if (q == 1) {
        /* X_g'V_g^-1X_g = W_g + s s' / (n_g (1 + theta^2 n_g)), s = X_g'1: no cancellation
         * however large theta is */
        memcpy(d->xvx, d->wxx, (size_t)p * p * sizeof(double));
        memcpy(d->xvy, d->wxy, (size_t)p * sizeof(double));
        for (size_t g = 0; g < d->ng; g++) {
            const double *sx = d->ztx + g * (size_t)p;
            double n_g = d->ztz[g], a = th[0] * th[0] * n_g + 1, cg = 1 / (n_g * a);
            ldL2 += log(a);
            for (int j = 0; j < p; j++) {
                double sj = sx[j] * cg;
                if (sj != 0)
                    for (int k = 0; k <= j; k++) d->xvx[j * p + k] += sj * sx[k];
                d->xvy[j] += sj * d->zty[g];
            }
        }
    } else {
        memcpy(d->xvx, d->xtx, (size_t)p * p * sizeof(double));
        memcpy(d->xvy, d->xty, (size_t)p * sizeof(double));
    }
    for (size_t g = 0; q == 2 && g < d->ng; g++) {
        const double *zz = d->ztz + g * q * q, *zx = d->ztx + g * (size_t)q * p,
                     *zy = d->zty + g * q;
        double a[4], ai[4], c[2], wc[2];
        {
            /* Lambda = [t0 0; t1 t2]; A = Lambda' Z'Z Lambda + I */
            double t0 = th[0], t1 = th[1], t2 = th[2];
            double m00 = zz[0] * t0 + zz[1] * t1, m01 = zz[1] * t2; /* Z'Z Lambda */
            double m10 = zz[2] * t0 + zz[3] * t1, m11 = zz[3] * t2;
            a[0] = t0 * m00 + t1 * m10 + 1;
            a[1] = t0 * m01 + t1 * m11;
            a[2] = a[1];
            a[3] = t2 * m11 + 1;
            double det = a[0] * a[3] - a[1] * a[2];
            ldL2 += log(det);
            ai[0] = a[3] / det;
            ai[1] = ai[2] = -a[1] / det;
            ai[3] = a[0] / det;
            for (int j = 0; j < p; j++) {
                b[j] = t0 * zx[j] + t1 * zx[p + j];
                b[p + j] = t2 * zx[p + j];
            }
            c[0] = t0 * zy[0] + t1 * zy[1];
            c[1] = t2 * zy[1];
            for (int j = 0; j < p; j++) {
                w[j] = ai[0] * b[j] + ai[1] * b[p + j];
                w[p + j] = ai[2] * b[j] + ai[3] * b[p + j];
            }
            wc[0] = ai[0] * c[0] + ai[1] * c[1];
            wc[1] = ai[2] * c[0] + ai[3] * c[1];
        }
        for (int r = 0; r < q; r++) {
            const double *br = b + (size_t)r * p, *wr = w + (size_t)r * p;
            for (int j = 0; j < p; j++) {
                double bj = br[j];
                if (bj != 0)
                    for (int k = 0; k <= j; k++) d->xvx[j * p + k] -= bj * wr[k];
                d->xvy[j] -= br[j] * wc[r];
            }
        }
    }
    for (int j = 0; j < p; j++)
        for (int k = 0; k < j; k++) d->xvx[k * p + j] = d->xvx[j * p + k];
    gsl_matrix_view m = gsl_matrix_view_array(d->xvx, (size_t)p, (size_t)p);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_cholesky_decomp1(&m.matrix);
    gsl_set_error_handler(old);
    if (rc) return -1;
    double ldRX2 = 0;
    for (int j = 0; j < p; j++) {
        double l = d->xvx[j * p + j];
        if (!(l > 0)) return -1;
        ldRX2 += 2 * log(l);
    }
    memcpy(d->beta, d->xvy, (size_t)p * sizeof(double));
    gsl_vector_view bv = gsl_vector_view_array(d->beta, (size_t)p);
    gsl_linalg_cholesky_svx(&m.matrix, &bv.vector);
    /* r2 = e'V^-1e = e'e - sum_g (Lambda'Z_g'e)' A_g^-1 (Lambda'Z_g'e) with e = y - X beta,
     * from the residuals themselves: y'V^-1y - beta'X'V^-1y loses digits to cancellation,
     * and the Satterthwaite df differentiate this twice. */
    double r2 = 0;
    memset(d->ze, 0, d->ng * (size_t)q * sizeof(double));
    for (size_t i = 0; i < d->n; i++) {
        const double *xi = d->x + i * (size_t)p;
        double e = d->y[i];
        for (int j = 0; j < p; j++) e -= xi[j] * d->beta[j];
        r2 += e * e;
        double *ze = d->ze + (size_t)d->g[i] * q;
        ze[0] += e;
        if (q == 2) ze[1] += d->z[i] * e;
    }
    if (q == 1) {
        /* e'V^-1e = within-group SS of e + sum_g n_g ebar_g^2 / (1 + theta^2 n_g) */
        r2 = 0;
        for (size_t i = 0; i < d->n; i++) {
            size_t g = (size_t)d->g[i];
            const double *xi = d->x + i * (size_t)p;
            double e = d->y[i];
            for (int j = 0; j < p; j++) e -= xi[j] * d->beta[j];
            e -= d->ze[g] / d->ztz[g];
            r2 += e * e;
        }
        for (size_t g = 0; g < d->ng; g++) {
            double n_g = d->ztz[g], eb = d->ze[g] / n_g;
            r2 += n_g * eb * eb / (th[0] * th[0] * n_g + 1);
        }
    }
    for (size_t g = 0; q == 2 && g < d->ng; g++) {
        const double *zz = d->ztz + g * q * q, *ze = d->ze + g * q;
        {
            double t0 = th[0], t1 = th[1], t2 = th[2];
            double m00 = zz[0] * t0 + zz[1] * t1, m01 = zz[1] * t2;
            double m10 = zz[2] * t0 + zz[3] * t1, m11 = zz[3] * t2;
            double a0 = t0 * m00 + t1 * m10 + 1, a1 = t0 * m01 + t1 * m11, a3 = t2 * m11 + 1;
            double det = a0 * a3 - a1 * a1;
            double c0 = t0 * ze[0] + t1 * ze[1], c1 = t2 * ze[1];
            r2 -= (a3 * c0 * c0 - 2 * a1 * c0 * c1 + a0 * c1 * c1) / det;
        }
    }
    pc->ldL2 = ldL2;
    pc->ldRX2 = ldRX2;
    pc->r2 = r2 > 0 ? r2 : DBL_MIN;
    return 0;
}

double lmm_reml(lmm_data_t *d, const double *theta)
{
    lmm_pieces_t pc;
    if (lmm_eval(d, theta, &pc)) return HUGE_VAL;
    double nmp = (double)d->n - d->p;
    return pc.ldL2 + pc.ldRX2 + nmp * (1 + log(LMM_2PI * pc.r2 / nmp));
}

static void data_free(lmm_data_t *d)
{
    free(d->xtx);
    free(d->xty);
    free(d->ztz);
    free(d->ztx);
    free(d->zty);
    free(d->xvx);
    free(d->xvy);
    free(d->beta);
    free(d->b);
    free(d->w);
    free(d->ze);
    free(d->g);
    free(d->wxx);
    free(d->wxy);
}

static int data_build(lmm_data_t *d, const double *y, const double *x, size_t n, int p, int *gidx,
                      size_t ng, const double *slope)
{
    memset(d, 0, sizeof(*d));
    d->g = gidx;
    int q = slope ? 2 : 1;
    d->n = n;
    d->ng = ng;
    d->p = p;
    d->q = q;
    size_t pp = (size_t)p;
    d->xtx = calloc(pp * pp, sizeof(double));
    d->xty = calloc(pp, sizeof(double));
    d->ztz = calloc(ng * q * q, sizeof(double));
    d->ztx = calloc(ng * q * pp, sizeof(double));
    d->zty = calloc(ng * q, sizeof(double));
    d->xvx = malloc(pp * pp * sizeof(double));
    d->xvy = malloc(pp * sizeof(double));
    d->beta = malloc(pp * sizeof(double));
    d->b = malloc(2 * pp * sizeof(double));
    d->w = malloc(2 * pp * sizeof(double));
    d->ze = malloc((ng * q + 1) * sizeof(double));
    d->y = y;
    d->x = x;
    d->z = slope;
    if (!d->xtx || !d->xty || !d->ztz || !d->ztx || !d->zty || !d->xvx || !d->xvy || !d->beta ||
        !d->b || !d->w)
        return LM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const double *xi = x + i * pp;
        size_t g = (size_t)gidx[i];
        double z[2] = {1, slope ? slope[i] : 0};
        for (int j = 0; j < p; j++) {
            for (int k = 0; k < p; k++) d->xtx[j * pp + k] += xi[j] * xi[k];
            d->xty[j] += xi[j] * y[i];
        }
        for (int r = 0; r < q; r++) {
            for (int s = 0; s < q; s++) d->ztz[g * q * q + r * q + s] += z[r] * z[s];
            for (int j = 0; j < p; j++) d->ztx[(g * q + r) * pp + j] += z[r] * xi[j];
            d->zty[g * q + r] += z[r] * y[i];
        }
    }
    if (q == 1) {
        /* within-group centred cross-products (a second pass, from the group means) */
        d->wxx = calloc(pp * pp, sizeof(double));
        d->wxy = calloc(pp, sizeof(double));
        double *dx = malloc(pp * sizeof(double));
        if (!d->wxx || !d->wxy || !dx) {
            free(dx);
            return LM_ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            size_t g = (size_t)gidx[i];
            double ng_ = d->ztz[g], dy = y[i] - d->zty[g] / ng_;
            for (int j = 0; j < p; j++) dx[j] = x[i * pp + j] - d->ztx[g * pp + j] / ng_;
            for (int j = 0; j < p; j++) {
                for (int k = 0; k <= j; k++) d->wxx[j * pp + k] += dx[j] * dx[k];
                d->wxy[j] += dx[j] * dy;
            }
        }
        free(dx);
    }
    return 0;
}

typedef struct {
    lmm_data_t *d;
    int nevals;
} opt_ctx_t;

static double f1(double t, void *arg)
{
    opt_ctx_t *o = arg;
    o->nevals++;
    return lmm_reml(o->d, &t);
}

static double fn(const gsl_vector *v, void *arg)
{
    opt_ctx_t *o = arg;
    o->nevals++;
    return lmm_reml(o->d, v->data);
}

static double f1v(opt_ctx_t *o, const double *t)
{
    o->nevals++;
    return lmm_reml(o->d, t);
}

enum { MAX_EVALS = 20000 };

/* One theta (random intercept): the criterion is even in theta, so a grid on [0, inf)
 * brackets the minimum (mirrored around 0 when the grid's best point is 0), Brent narrows
 * it, and the secant method on a central-difference derivative finishes it below the
 * precision comparing criterion values allows. */
static int optimise1(opt_ctx_t *o, double *theta)
{
    /* 0, then 0.01 to 1e6 about evenly in log: between-group SDs up to a million times
     * the residual one */
    enum { NG = 26 };
    double grid[NG], fv[NG];
    grid[0] = 0;
    for (int k = 1; k < NG; k++) grid[k] = 0.01 * pow(10, (k - 1) * 8.0 / (NG - 2));
    int best = 0;
    for (int k = 0; k < NG; k++) {
        fv[k] = f1(grid[k], o);
        if (fv[k] < fv[best]) best = k;
    }
    if (best == NG - 1) return -1; /* between-group variance beyond reason */
    double lo = best ? grid[best - 1] : -grid[1], hi = grid[best + 1], x0 = grid[best];
    if (!(fv[best] < HUGE_VAL)) return -1;
    double t = x0;
    if (best == 0 && fv[0] <= f1(1e-6, o)) {
        /* the minimum may sit at the bound: look just inside it */
        t = 0;
    }
    gsl_function F = {f1, o};
    gsl_min_fminimizer *m = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    if (!m) return LM_ENOMEM;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_min_fminimizer_set_with_values(m, &F, x0 == 0 ? 0 : x0, fv[best], lo, f1(lo, o),
                                                hi, fv[best + 1]);
    if (rc == 0) {
        int it = 0;
        do {
            if (gsl_min_fminimizer_iterate(m)) break;
            rc = gsl_min_test_interval(gsl_min_fminimizer_x_lower(m), gsl_min_fminimizer_x_upper(m),
                                       1e-10, 0);
        } while (rc == GSL_CONTINUE && ++it < 200);
        t = fabs(gsl_min_fminimizer_x_minimum(m));
    } else if (best == 0) {
        t = 0;
    }
    gsl_set_error_handler(old);
    gsl_min_fminimizer_free(m);
    /* Newton on f'(t) from central differences: near the optimum the criterion is flat to
     * rounding (a 1e-8 change in t moves it by 1e-15), so comparing values cannot place t
     * better than that, but the derivative's zero can be placed to ~1e-10. A step is
     * taken unless it makes f worse by more than rounding. */
    for (int it = 0; it < 30 && t > 0; it++) {
        double h = 1e-5 * (t > 1e-2 ? t : 1e-2);
        double tp = t + h, tm = t - h, fp = f1(tp, o), fm = f1(tm, o), f0 = f1(t, o);
        double g0 = (fp - fm) / (2 * h), g2 = (fp - 2 * f0 + fm) / (h * h);
        if (!(g2 > 0)) break;
        double step = g0 / g2;
        double tn = t - step;
        if (tn < 0) tn = 0;
        if (!(f1(tn, o) <= f0 + 1e-13 * (1 + fabs(f0)))) break;
        t = tn;
        if (fabs(step) < 1e-12 * (t > 1 ? t : 1)) break;
    }
    /* at the bound the criterion is flat to rounding: lme4's bobyqa stops on 0 */
    if (t > 0 && t < 1e-5 && f1(0, o) <= f1(t, o) + 1e-9) t = 0;
    *theta = t;
    return 0;
}

/* Three thetas (intercept and slope): Nelder-Mead from lme4's start (1, 0, 1), restarted
 * until it stops improving, then Newton steps on central differences. The criterion is
 * unchanged by flipping the sign of a column of Lambda, so the search is unconstrained
 * and the signs are normalised after. */
static int optimise3(opt_ctx_t *o, double *theta)
{
    gsl_multimin_function F = {fn, 3, o};
    gsl_multimin_fminimizer *m =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 3);
    gsl_vector *x = gsl_vector_alloc(3), *step = gsl_vector_alloc(3);
    if (!m || !x || !step) {
        gsl_multimin_fminimizer_free(m);
        gsl_vector_free(x);
        gsl_vector_free(step);
        return LM_ENOMEM;
    }
    double start[3] = {1, 0, 1};
    for (int k = 0; k < 3; k++) gsl_vector_set(x, k, start[k]);
    double fbest = HUGE_VAL;
    int rc = -1;
    for (int restart = 0; restart < 20 && o->nevals < MAX_EVALS; restart++) {
        gsl_vector_set_all(step, restart ? 0.05 : 0.5);
        gsl_multimin_fminimizer_set(m, &F, x, step);
        int st, start_evals = o->nevals;
        do {
            if (gsl_multimin_fminimizer_iterate(m)) break;
            st = gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-8);
        } while (st == GSL_CONTINUE && o->nevals - start_evals < 3000);
        double f = gsl_multimin_fminimizer_minimum(m);
        gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(m));
        if (f >= fbest - 1e-10) {
            rc = 0;
            break;
        }
        fbest = f;
    }
    double t[3];
    for (int k = 0; k < 3; k++) t[k] = gsl_vector_get(x, k);
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(x);
    gsl_vector_free(step);
    if (rc) return -1;
    /* Newton polish */
    for (int it = 0; it < 20; it++) {
        double g[3], H[9], f0 = f1v(o, t), h[3];
        for (int a = 0; a < 3; a++) h[a] = 1e-4 * (fabs(t[a]) > 1e-2 ? fabs(t[a]) : 1e-2);
        for (int a = 0; a < 3; a++) {
            double tp[3], tm[3];
            memcpy(tp, t, sizeof(tp));
            memcpy(tm, t, sizeof(tm));
            tp[a] += h[a];
            tm[a] -= h[a];
            double fp = f1v(o, tp), fm = f1v(o, tm);
            g[a] = (fp - fm) / (2 * h[a]);
            H[a * 3 + a] = (fp - 2 * f0 + fm) / (h[a] * h[a]);
            for (int b = 0; b < a; b++) {
                double u[4][3];
                for (int s = 0; s < 4; s++) memcpy(u[s], t, sizeof(t));
                u[0][a] += h[a], u[0][b] += h[b];
                u[1][a] += h[a], u[1][b] -= h[b];
                u[2][a] -= h[a], u[2][b] += h[b];
                u[3][a] -= h[a], u[3][b] -= h[b];
                H[a * 3 + b] = H[b * 3 + a] =
                    (f1v(o, u[0]) - f1v(o, u[1]) - f1v(o, u[2]) + f1v(o, u[3])) / (4 * h[a] * h[b]);
            }
        }
        gsl_matrix_view hm = gsl_matrix_view_array(H, 3, 3);
        gsl_vector_view gv = gsl_vector_view_array(g, 3);
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        int bad = gsl_linalg_cholesky_decomp1(&hm.matrix);
        if (!bad) bad = gsl_linalg_cholesky_svx(&hm.matrix, &gv.vector);
        gsl_set_error_handler(old);
        if (bad) break;
        double tn[3], smax = 0;
        for (int a = 0; a < 3; a++) {
            tn[a] = t[a] - g[a];
            if (fabs(g[a]) > smax) smax = fabs(g[a]);
        }
        if (!(f1v(o, tn) <= f0)) break;
        memcpy(t, tn, sizeof(t));
        if (smax < 1e-12) break;
    }
    if (t[0] < 0) t[0] = -t[0], t[1] = -t[1];
    if (t[2] < 0) t[2] = -t[2];
    /* a variance at its bound: lme4's bobyqa stops on it exactly */
    for (int a = 0; a < 3; a += 2) {
        double tz[3];
        memcpy(tz, t, sizeof(tz));
        tz[a] = 0;
        if (fabs(t[a]) < 1e-5 && f1v(o, tz) <= f1v(o, t) + 1e-9) t[a] = 0;
    }
    memcpy(theta, t, sizeof(t));
    return 0;
}

static int fit(const double *y, const double *x, size_t n, int p, const int *group,
               const double *slope, const char *const *name, int kr, lm_lmm_t *res, lm_err_t *err)
{
    memset(res, 0, sizeof(*res));
    if (p < 1 || p > LM_LMM_MAXP)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "mixed model: %d fixed-effect columns (1 to %d allowed)", p, LM_LMM_MAXP);
    int rc;
    if ((rc = stat_check_finite(y, n, "response", err))) return rc;
    if ((rc = stat_check_finite(x, n * (size_t)p, "design matrix", err))) return rc;
    if (slope && (rc = stat_check_finite(slope, n, "slope variable", err))) return rc;
    int q = slope ? 2 : 1;
    int *gidx = malloc((n + 1) * sizeof(int));
    if (!gidx) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    size_t ng = n ? stat_group_index(group, n, gidx) : 0;
    if (n && !ng) {
        free(gidx);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    res->n = n;
    res->groups = ng;
    res->p = p;
    res->q = q;
    if (ng < 2 || n <= (size_t)q * ng || n <= (size_t)p) {
        free(gidx);
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "mixed model: %zu observations of %zu groups are too few for %d "
                          "random effect%s per group and %d fixed effects",
                          n, ng, q, q > 1 ? "s" : "", p);
    }
    int bad;
    if ((rc = stat_aliased_column(x, n, p, &bad))) {
        free(gidx);
        return lm_err_set(err, rc, NULL, 0, 0, "out of memory");
    }
    if (bad >= 0) {
        free(gidx);
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "mixed model: rank-deficient design: column '%s' is %s", name[bad],
                          bad == 0 ? "all zero" : "a linear combination of the columns before it");
    }
    lmm_data_t d;
    rc = data_build(&d, y, x, n, p, gidx, ng, slope); /* d owns gidx from here */
    if (rc) {
        data_free(&d);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    opt_ctx_t o = {&d, 0};
    double theta[3] = {0, NAN, NAN};
    rc = q == 1 ? optimise1(&o, theta) : optimise3(&o, theta);
    res->nevals = o.nevals;
    if (rc == LM_ENOMEM) {
        data_free(&d);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    lmm_pieces_t pc;
    if (rc || lmm_eval(&d, theta, &pc)) {
        data_free(&d);
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "mixed model: REML did not converge after %d evaluations", o.nevals);
    }
    double nmp = (double)n - p;
    memcpy(res->theta, theta, sizeof(theta));
    res->reml = pc.ldL2 + pc.ldRX2 + nmp * (1 + log(LMM_2PI * pc.r2 / nmp));
    res->sigma = sqrt(pc.r2 / nmp);
    double s2 = pc.r2 / nmp;
    res->singular = theta[0] < 1e-4 || (q == 2 && theta[2] < 1e-4);
    if (q == 1) {
        res->var_int = s2 * theta[0] * theta[0];
        res->var_slope = res->cov_int_slope = NAN;
    } else {
        res->var_int = s2 * theta[0] * theta[0];
        res->cov_int_slope = s2 * theta[0] * theta[1];
        res->var_slope = s2 * (theta[1] * theta[1] + theta[2] * theta[2]);
    }
    memcpy(res->beta, d.beta, (size_t)p * sizeof(double));
    /* vcov = sigma^2 (X'V^-1X)^-1 from the Cholesky factor lmm_eval left in xvx */
    double *vcov = malloc((size_t)p * p * sizeof(double));
    if (!vcov) {
        data_free(&d);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    memcpy(vcov, d.xvx, (size_t)p * p * sizeof(double));
    gsl_matrix_view vm = gsl_matrix_view_array(vcov, (size_t)p, (size_t)p);
    gsl_linalg_cholesky_invert(&vm.matrix);
    for (int j = 0; j < p * p; j++) vcov[j] *= s2;
    rc = lmm_satterthwaite(&d, theta, res->sigma, vcov, res->df);
    for (int j = 0; j < p; j++) {
        res->se[j] = sqrt(vcov[j * p + j]);
        res->t[j] = res->beta[j] / res->se[j];
        if (rc == 0 && res->df[j] > 0)
            res->p_t[j] = 2 * gsl_cdf_tdist_Q(fabs(res->t[j]), res->df[j]);
        else
            res->df[j] = res->p_t[j] = NAN;
    }
    int rk = 0;
    if (kr && !rc) {
        double gam[4] = {res->var_int, s2}, *va = malloc((size_t)p * p * sizeof(double));
        if (q == 2) {
            gam[1] = res->cov_int_slope;
            gam[2] = res->var_slope;
            gam[3] = s2;
        }
        rk = va ? lmm_kenward_roger(&d, gam, vcov, va, res->df_kr) : LM_ENOMEM;
        for (int j = 0; !rk && j < p; j++) {
            res->se_kr[j] = sqrt(va[j * p + j]);
            res->t_kr[j] = res->beta[j] / res->se_kr[j];
            res->p_kr[j] =
                res->df_kr[j] > 0 ? 2 * gsl_cdf_tdist_Q(fabs(res->t_kr[j]), res->df_kr[j]) : NAN;
        }
        res->kr = !rk;
        free(va);
    }
    free(vcov);
    data_free(&d);
    if (rc == LM_ENOMEM || rk == LM_ENOMEM)
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "mixed model: the deviance's Hessian in the variance parameters "
                          "has no positive eigenvalue (no Satterthwaite df)");
    if (rk)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "mixed model: the covariance of a subject's observations is not "
                          "positive definite (no Kenward-Roger df)");
    return 0;
}

int lm_stat_lmm(const double *y, const double *x, size_t n, int p, const int *group,
                const double *slope, const char *const *name, lm_lmm_t *res, lm_err_t *err)
{
    return fit(y, x, n, p, group, slope, name, 0, res, err);
}

int lm_stat_lmm_kr(const double *y, const double *x, size_t n, int p, const int *group,
                   const double *slope, const char *const *name, lm_lmm_t *res, lm_err_t *err)
{
    return fit(y, x, n, p, group, slope, name, 1, res, err);
}
