/* SPDX-License-Identifier: MIT */
/* Alpha diversity, written to give the numbers of scikit-bio 0.5.8's functions of the
 * same names (sums run in index order; the 1e-9 oracle tolerance covers numpy's pairwise
 * summation). */
#include <math.h>

#include "lumen/diversity.h"

typedef struct osd {
    uint64_t n, s, f1, f2; /* total, observed, singletons, doubletons */
} osd_t;

static osd_t osd(const uint64_t *c, size_t n)
{
    osd_t o = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        o.n += c[i];
        o.s += c[i] > 0;
        o.f1 += c[i] == 1;
        o.f2 += c[i] == 2;
    }
    return o;
}

size_t lm_div_observed(const uint64_t *c, size_t n)
{
    return (size_t)osd(c, n).s;
}

double lm_div_chao1(const uint64_t *c, size_t n)
{
    osd_t o = osd(c, n);
    double f1 = (double)o.f1, f2 = (double)o.f2;
    return (double)o.s + f1 * (f1 - 1) / (2 * (f2 + 1));
}

double lm_div_chao1_classic(const uint64_t *c, size_t n)
{
    osd_t o = osd(c, n);
    if (o.f1 && o.f2) return (double)o.s + (double)o.f1 * (double)o.f1 / ((double)o.f2 * 2);
    return lm_div_chao1(c, n);
}

/* -sum p ln p with p = c/N as numpy computes freqs = counts / counts.sum(). */
static double entropy_ln(const uint64_t *c, size_t n, uint64_t total)
{
    double s = 0, N = (double)total;
    for (size_t i = 0; i < n; i++) {
        if (!c[i]) continue;
        double p = (double)c[i] / N;
        s += p * log(p);
    }
    return -s;
}

/* Adding 0.0 turns -0.0 (one feature: -(1 ln 1)) into 0, so files never print "-0". */
double lm_div_shannon(const uint64_t *c, size_t n, double base)
{
    uint64_t total = osd(c, n).n;
    if (!total) return NAN;
    return entropy_ln(c, n, total) / log(base) + 0.0;
}

double lm_div_simpson(const uint64_t *c, size_t n)
{
    uint64_t total = osd(c, n).n;
    if (!total) return NAN;
    double s = 0, N = (double)total;
    for (size_t i = 0; i < n; i++) {
        double p = (double)c[i] / N;
        s += p * p;
    }
    return 1 - s;
}

double lm_div_pielou(const uint64_t *c, size_t n)
{
    osd_t o = osd(c, n);
    if (o.s <= 1) return NAN; /* skbio: 0 / ln(1) or nan / ln(0) */
    return entropy_ln(c, n, o.n) / log((double)o.s);
}

double lm_div_goods_coverage(const uint64_t *c, size_t n)
{
    osd_t o = osd(c, n);
    if (!o.n) return NAN;
    return 1 - (double)o.f1 / (double)o.n;
}

void lm_div_alpha(const uint64_t *c, size_t n, double shannon_base, lm_div_alpha_t *out)
{
    out->observed = (double)lm_div_observed(c, n);
    out->chao1 = lm_div_chao1(c, n);
    out->shannon = lm_div_shannon(c, n, shannon_base);
    out->simpson = lm_div_simpson(c, n);
    out->pielou = lm_div_pielou(c, n);
    out->goods = lm_div_goods_coverage(c, n);
}
