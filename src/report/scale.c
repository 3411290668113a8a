/* SPDX-License-Identifier: MIT */
/* The numbers behind the figures: R's pretty() ticks, log10 ticks, boxplot.stats, the
 * Kaplan-Meier step path, and expected richness under rarefaction. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>

#include "report_internal.h"

/* R_pretty (src/appl/pretty.c) with pretty.default's arguments, returning the unit and
 * the first and last multiples ns, nu of it that cover [lo, up]. */
static double r_pretty(double lo, double up, int ndiv, int min_n, double *ns_out, double *nu_out)
{
    const double h = 1.5, h5 = 0.5 + 1.5 * h, shrink = 0.75, eps = 1e-10;
    double dx = up - lo, cell, U;
    int small;
    if (dx == 0 && up == 0) {
        cell = 1;
        small = 1;
    } else {
        cell = fmax(fabs(lo), fabs(up));
        U = 1 + ((h5 >= 1.5 * h + 0.5) ? 1 / (1 + h) : 1.5 / (1 + h5));
        U *= (ndiv > 1 ? ndiv : 1) * DBL_EPSILON;
        small = dx < cell * U * 3;
    }
    if (small) {
        if (cell > 10) cell = 9 + cell / 10;
        cell *= shrink;
        if (min_n > 1) cell /= min_n;
    } else {
        cell = dx;
        if (ndiv > 1) cell /= ndiv;
    }
    if (cell < 20 * DBL_MIN)
        cell = 20 * DBL_MIN;
    else if (cell * 10 > DBL_MAX)
        cell = 0.1 * DBL_MAX;
    double base = pow(10.0, floor(log10(cell))), unit = base, ns;
    if ((ns = 2 * base) - cell < h * (cell - unit)) {
        unit = ns;
        if ((ns = 5 * base) - cell < h5 * (cell - unit)) {
            unit = ns;
            if ((ns = 10 * base) - cell < h * (cell - unit)) unit = ns;
        }
    }
    ns = floor(lo / unit + eps);
    double nu = ceil(up / unit - eps);
    while (ns * unit > lo + eps * unit) ns--;
    while (nu * unit < up - eps * unit) nu++;
    int k = (int)(0.5 + nu - ns);
    if (k < min_n) {
        k = min_n - k;
        if (ns >= 0) {
            nu += k / 2;
            ns -= k / 2 + k % 2;
        } else {
            ns -= k / 2;
            nu += k / 2 + k % 2;
        }
    }
    *ns_out = ns;
    *nu_out = nu;
    return unit;
}

int lm_report_nice_ticks(double min, double max, int want, lm_report_ticks_t *t)
{
    memset(t, 0, sizeof(*t));
    if (want < 1) return LM_EUSAGE;
    if (!isfinite(min) || !isfinite(max)) min = 0, max = 1;
    if (min > max) {
        double s = min;
        min = max;
        max = s;
    }
    double ns, nu, unit = r_pretty(min, max, want, want / 3, &ns, &nu);
    /* more ticks than room (absurd spans): fall back to the ends */
    if (nu - ns + 1 > LM_REPORT_MAXTICKS) {
        t->lo = min, t->hi = max, t->step = max - min, t->n = 2;
        t->v[0] = min, t->v[1] = max;
        return 0;
    }
    t->step = unit;
    for (double k = ns; k <= nu + 0.5; k++) {
        double v = k * unit;
        if (fabs(v) < 1e-14 * unit) v = 0; /* pretty()'s fuzz: no -1e-17 for zero */
        t->v[t->n++] = v;
    }
    t->lo = t->v[0];
    t->hi = t->v[t->n - 1];
    return 0;
}

int lm_report_log_ticks(double min, double max, lm_report_ticks_t *t)
{
    memset(t, 0, sizeof(*t));
    t->log = 1;
    if (!(min > 0) || !isfinite(min)) min = max;
    if (!(max > 0) || !isfinite(max)) min = max = 1;
    if (min > max) {
        double s = min;
        min = max;
        max = s;
    }
    double e0 = floor(log10(min) + 1e-12), e1 = ceil(log10(max) - 1e-12);
    if (e1 <= e0) e1 = e0 + 1;
    int fine = e1 - e0 < 3;
    if ((e1 - e0 + 1) * (fine ? 3 : 1) > LM_REPORT_MAXTICKS) return LM_EUSAGE;
    for (double e = e0; e <= e1; e++) {
        double p = pow(10.0, e);
        t->v[t->n++] = p;
        if (fine && e < e1) {
            t->v[t->n++] = 2 * p;
            t->v[t->n++] = 5 * p;
        }
    }
    t->lo = pow(10.0, e0);
    t->hi = pow(10.0, e1);
    return 0;
}

int lm_report_boxstats(const double *x, size_t n, lm_report_box_t *box, double *out)
{
    memset(box, 0, sizeof(*box));
    for (int k = 0; k < 5; k++) box->stats[k] = NAN;
    double *s = malloc((n + 1) * sizeof(*s));
    if (!s) return LM_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) s[m++] = x[i];
    box->n = m;
    if (m == 0) {
        free(s);
        return 0;
    }
    gsl_sort(s, 1, m);
    /* fivenum: n4 = floor((n+3)/2)/2; d = 1, n4, (n+1)/2, n+1-n4, n (1-based) */
    double n4 = floor((double)(m + 3) / 2) / 2;
    double d[5] = {1, n4, (double)(m + 1) / 2, (double)m + 1 - n4, (double)m};
    double f[5];
    for (int k = 0; k < 5; k++)
        f[k] = 0.5 * (s[(size_t)floor(d[k]) - 1] + s[(size_t)ceil(d[k]) - 1]);
    double iqr = f[3] - f[1], lo = f[1] - 1.5 * iqr, hi = f[3] + 1.5 * iqr;
    double wlo = INFINITY, whi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) continue;
        if (x[i] < lo || x[i] > hi) {
            if (out) out[box->n_out] = x[i];
            box->n_out++;
            continue;
        }
        if (x[i] < wlo) wlo = x[i];
        if (x[i] > whi) whi = x[i];
    }
    box->stats[0] = wlo;
    box->stats[1] = f[1];
    box->stats[2] = f[2];
    box->stats[3] = f[3];
    box->stats[4] = whi;
    free(s);
    return 0;
}

size_t lm_report_km_steps(const lm_km_t *km, double *x, double *y, size_t cap)
{
    size_t n = lm_km_size(km), k = 0;
    double s = 1;
#define PUT(a, b)                                                                                  \
    do {                                                                                           \
        if (k < cap) x[k] = (a), y[k] = (b);                                                       \
        k++;                                                                                       \
    } while (0)
    PUT(0, 1);
    for (size_t i = 0; i < n; i++) {
        const lm_km_point_t *p = lm_km_point(km, i);
        PUT(p->time, s);
        s = p->surv;
        PUT(p->time, s);
    }
#undef PUT
    return k;
}

/* log C(a, b) */
static double lchoose(double a, double b)
{
    return lgamma(a + 1) - lgamma(b + 1) - lgamma(a - b + 1);
}

int rarefy_curve(const double *cnt, size_t n, const double *depth, size_t nd, double *out)
{
    /* distinct counts with their multiplicities: a sample has a few hundred distinct
     * values however many features it has, so the lgamma calls stay few */
    double *v = malloc((n + 1) * sizeof(*v));
    if (!v) return LM_ENOMEM;
    size_t m = 0;
    double N = 0;
    for (size_t i = 0; i < n; i++)
        if (cnt[i] > 0) v[m++] = cnt[i], N += cnt[i];
    gsl_sort(v, 1, m);
    for (size_t k = 0; k < nd; k++) {
        double d = depth[k];
        if (d >= N) {
            out[k] = (double)m;
            continue;
        }
        double lc = lchoose(N, d), e = 0;
        for (size_t i = 0; i < m;) {
            size_t j = i;
            while (j < m && v[j] == v[i]) j++;
            /* P(a feature of count c is absent from d draws) = C(N - c, d) / C(N, d) */
            double rest = N - v[i];
            e += (double)(j - i) * (rest < d ? 1 : 1 - exp(lchoose(rest, d) - lc));
            i = j;
        }
        out[k] = e;
    }
    free(v);
    return 0;
}
