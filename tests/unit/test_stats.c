/* SPDX-License-Identifier: MIT */
/* Unit tests of stats: hand-computed answers and edge cases (ties, all censored, one
 * group, constant covariate, too few samples). Numbers marked "R:" come from the R
 * command beside them; the broad comparisons against R and scipy are in
 * tests/e2e/test_stats_oracle.sh. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <omp.h>

#include "../../src/stats/stats_internal.h"
#include "lumen/stats.h"

#define assert_close(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void test_rank_ties(void **state)
{
    (void)state;
    double x[] = {30, 10, 20, 20, 10}, r[5];
    assert_int_equal(lm_stat_rank(x, 5, r), 0);
    double want[] = {5, 1.5, 3.5, 3.5, 1.5};
    for (int i = 0; i < 5; i++) assert_true(r[i] == want[i]);
}

static void test_spearman(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_stat_test_t r;
    double x[] = {1, 2, 3, 4, 5}, y[] = {2, 4, 8, 16, 32}, c[] = {1, 1, 1, 1, 1};
    assert_int_equal(lm_stat_spearman(x, y, 5, &r, &err), 0);
    /* numpy.corrcoef's arithmetic gives 1 - 1 ulp here, and so do we */
    assert_close(r.statistic, 1.0, 1e-15);
    assert_true(r.p < 1e-7);
    /* rho of (1,2,3) vs (1,3,2) is 0.5; t = 0.5*sqrt(1/0.75), p from t(1) */
    double y2[] = {1, 3, 2};
    assert_int_equal(lm_stat_spearman(x, y2, 3, &r, &err), 0);
    assert_close(r.statistic, 0.5, 1e-15);
    assert_close(r.p, 2 * (0.5 - atan(0.5 * sqrt(1 / 0.75)) / acos(-1.0)), 1e-12);
    assert_int_equal(lm_stat_spearman(x, y, 2, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "at least 3"));
    assert_int_equal(lm_stat_spearman(x, c, 5, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "constant"));
    double m[] = {1, 2, NAN, 4, 5};
    assert_int_equal(lm_stat_spearman(x, m, 5, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "missing"));
    assert_int_equal(lm_stat_mannwhitney(x, 5, m, 5, &r, &err), LM_EFORMAT);
    assert_int_equal(lm_stat_wilcoxon(m, x, 5, &r, &err), LM_EFORMAT);
}

static void test_mannwhitney(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_stat_test_t r;
    /* Complete separation, 3 vs 3, no ties: exact, p = 2 / C(6,3) = 0.1. */
    double x[] = {1, 2, 3}, y[] = {4, 5, 6};
    assert_int_equal(lm_stat_mannwhitney(x, 3, y, 3, &r, &err), 0);
    assert_true(r.exact);
    assert_true(r.statistic == 0);
    assert_close(r.p, 0.1, 1e-15);
    /* A tie switches to the normal approximation (scipy 1.10's 'auto'). */
    double yt[] = {3, 5, 6};
    assert_int_equal(lm_stat_mannwhitney(x, 3, yt, 3, &r, &err), 0);
    assert_false(r.exact);
    assert_true(r.statistic == 0.5);
    assert_int_equal(lm_stat_mannwhitney(x, 3, y, 0, &r, &err), LM_EFORMAT);
}

static void test_wilcoxon(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_stat_test_t r;
    /* All five differences positive: R+ = 15, T = 0, exact p = 2 / 2^5. */
    double x[] = {2, 4, 6, 8, 10}, y[] = {1, 2, 3, 4, 5};
    assert_int_equal(lm_stat_wilcoxon(x, y, 5, &r, &err), 0);
    assert_true(r.exact);
    assert_true(r.statistic == 0);
    assert_close(r.p, 0.0625, 1e-15);
    /* Every difference zero: undefined, a clear error. */
    assert_int_equal(lm_stat_wilcoxon(x, x, 5, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "zero"));
    /* One zero difference: approximate on the other four. */
    double z[] = {2, 4, 6, 8, 5};
    assert_int_equal(lm_stat_wilcoxon(z, y, 5, &r, &err), 0);
    assert_false(r.exact);
    assert_true(r.statistic == 0);
    assert_close(r.z, (0 - 5.0) / sqrt(4 * 5 * 9 / 24.0), 1e-12);
}

static void test_kruskal(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_stat_test_t r;
    double x[] = {1, 2, 3, 4, 5, 6};
    int g[] = {7, 7, 7, 9, 9, 9}, one[] = {1, 1, 1, 1, 1, 1};
    /* H = 12/(6*7) * (6^2/3 + 15^2/3) - 3*7 = 27/7 */
    assert_int_equal(lm_stat_kruskal(x, g, 6, &r, &err), 0);
    assert_close(r.statistic, 27.0 / 7.0, 1e-12);
    assert_int_equal(lm_stat_kruskal(x, one, 6, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "two groups"));
    double c[] = {2, 2, 2, 2, 2, 2};
    assert_int_equal(lm_stat_kruskal(c, g, 6, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "identical"));
}

static void test_bh(void **state)
{
    (void)state;
    double p[] = {0.01, 0.02, 0.03, 0.04}, q[4];
    assert_int_equal(lm_stat_padjust_bh(p, 4, q), 0);
    for (int i = 0; i < 4; i++) assert_close(q[i], 0.04, 1e-17);
    /* NaN is left out of the family: m = 2 */
    double p2[] = {0.04, NAN, 0.01}, q2[3];
    assert_int_equal(lm_stat_padjust_bh(p2, 3, q2), 0);
    assert_true(q2[0] == 0.04);
    assert_true(isnan(q2[1]));
    assert_true(q2[2] == 0.02);
    /* capped at 1, in place */
    double p3[] = {0.9, 0.8};
    assert_int_equal(lm_stat_padjust_bh(p3, 2, p3), 0);
    assert_true(p3[0] == 0.9 && p3[1] == 0.9);
}

/* Two tight pairs 2 apart: SST = 18/4, SSW = 1, F = 3.5 / (1/2) = 7. */
static const double sq4[] = {0, 1, 2, 2, 1, 0, 2, 2, 2, 2, 0, 1, 2, 2, 1, 0};

static void test_permanova(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_permanova_opt_t o;
    lm_permanova_opt_init(&o);
    lm_permanova_t r;
    int g[] = {0, 0, 1, 1}, st[] = {1, 2, 1, 2}, bad[] = {0, 1, 2, 3};
    assert_int_equal(lm_stat_permanova(sq4, 4, g, NULL, &o, &r, &err), 0);
    assert_close(r.F, 7.0, 1e-12);
    assert_close(r.r2, 3.5 / 4.5, 1e-12);
    assert_int_equal(r.df_model, 1);
    assert_int_equal(r.df_resid, 2);
    /* 4 samples: only 3 distinct splits, so p is about 1/3 */
    assert_true(r.p > 0.25 && r.p < 0.42);
    /* Same seed, any thread count: the same p. */
    double p1 = r.p;
    omp_set_num_threads(1);
    assert_int_equal(lm_stat_permanova(sq4, 4, g, NULL, &o, &r, &err), 0);
    omp_set_num_threads(2);
    assert_true(r.p == p1);
    /* A group constant within each stratum cannot move: p = 1 */
    int gs[] = {0, 1, 0, 1};
    assert_int_equal(lm_stat_permanova(sq4, 4, gs, st, &o, &r, &err), 0);
    assert_true(r.p == 1.0);
    assert_int_equal(lm_stat_permanova(sq4, 4, bad, NULL, &o, &r, &err), LM_EFORMAT);
    assert_int_equal(lm_stat_permanova(sq4, 2, g, NULL, &o, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "at least 3"));
    /* More permutations than one chunk (1024): still the same at any thread count. */
    o.permutations = 2500;
    assert_int_equal(lm_stat_permanova(sq4, 4, g, NULL, &o, &r, &err), 0);
    p1 = r.p;
    omp_set_num_threads(1);
    assert_int_equal(lm_stat_permanova(sq4, 4, g, NULL, &o, &r, &err), 0);
    omp_set_num_threads(2);
    assert_true(r.p == p1 && r.p > 0.3 && r.p < 0.37);
    o.permutations = 0;
    assert_int_equal(lm_stat_permanova(sq4, 4, g, NULL, &o, &r, &err), LM_EUSAGE);
}

static const double ct[] = {1, 2, 2, 3, 4, 5, 6, 6};
static const int ce[] = {1, 1, 1, 0, 1, 1, 0, 1};

static void test_cox(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_cox_t r;
    /* R: coxph(Surv(t,e) ~ x, ties = "efron") with t, e as ct, ce and x as below:
     * coef -0.92267041729355903, se 0.87257204476023520, LR 1.19786499976956051 */
    double x[] = {0, 1, 0, 1, 0, 1, 1, 0};
    assert_int_equal(lm_stat_cox(ct, ce, x, 8, 1, &r, &err), 0);
    assert_close(r.coef[0], -0.92267041729355903, 1e-9);
    assert_close(r.se[0], 0.87257204476023520, 1e-9);
    assert_close(r.lr_chisq, 1.19786499976956051, 1e-9);
    assert_close(r.hr[0], exp(r.coef[0]), 1e-15);
    assert_true(r.hr_low[0] < r.hr[0] && r.hr[0] < r.hr_high[0]);
    /* Constant covariate: a clear message, not NaN. */
    double c[] = {2, 2, 2, 2, 2, 2, 2, 2};
    assert_int_equal(lm_stat_cox(ct, ce, c, 8, 1, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "constant"));
    /* Collinear covariates. */
    double xx[16];
    for (int i = 0; i < 8; i++) xx[2 * i] = xx[2 * i + 1] = x[i];
    assert_int_equal(lm_stat_cox(ct, ce, xx, 8, 2, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "collinear"));
    /* All censored. */
    int none[8] = {0};
    assert_int_equal(lm_stat_cox(ct, none, x, 8, 1, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "no events"));
    assert_int_equal(lm_stat_cox(ct, ce, x, 2, 1, &r, &err), LM_EFORMAT);
    /* Negative time, event code 2. */
    double nt[] = {1, -2, 2, 3, 4, 5, 6, 6};
    assert_int_equal(lm_stat_cox(nt, ce, x, 8, 1, &r, &err), LM_EFORMAT);
    assert_int_equal(err.record, 2);
    int e2[] = {1, 1, 2, 0, 1, 1, 0, 1};
    assert_int_equal(lm_stat_cox(ct, e2, x, 8, 1, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "event code 2"));
    /* Separation: events all at x = 1, earlier than all x = 0. */
    double st[] = {1, 2, 3, 4, 5, 6}, sx[] = {1, 1, 1, 0, 0, 0};
    int se[] = {1, 1, 1, 1, 1, 1};
    assert_int_equal(lm_stat_cox(st, se, sx, 6, 1, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "converge"));
}

static void test_km(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    double t[] = {3, 1, 2};
    int e[] = {1, 1, 1}, none[] = {0, 0, 0};
    lm_km_t *km = lm_km_create(t, e, 3, &err);
    assert_non_null(km);
    assert_int_equal(lm_km_size(km), 3);
    const lm_km_point_t *p = lm_km_point(km, 0);
    assert_true(p->time == 1 && p->n_risk == 3 && p->n_event == 1);
    assert_close(p->surv, 2.0 / 3.0, 1e-15);
    assert_close(p->se_log, sqrt(1.0 / 6.0), 1e-15); /* Greenwood: 1 / (3 * 2) */
    assert_close(p->lower, exp(log(2.0 / 3.0) - 1.959963984540054 * sqrt(1.0 / 6.0)), 1e-12);
    assert_true(p->upper == 1.0); /* capped */
    p = lm_km_point(km, 2);
    assert_true(p->surv == 0);
    assert_true(isnan(p->lower) && isnan(p->upper));
    lm_km_point_t at;
    assert_int_equal(lm_km_at(km, 2.5, &at), 0);
    assert_close(at.surv, 1.0 / 3.0, 1e-15);
    assert_int_equal(at.n_risk, 1);
    assert_int_equal(lm_km_at(km, 0.5, &at), 0);
    assert_true(at.surv == 1.0 && at.n_risk == 3);
    assert_int_equal(lm_km_at(km, 4, &at), LM_EOF);
    lm_km_destroy(km);
    /* All censored: flat at 1. */
    km = lm_km_create(t, none, 3, &err);
    assert_non_null(km);
    for (size_t i = 0; i < lm_km_size(km); i++) assert_true(lm_km_point(km, i)->surv == 1.0);
    lm_km_destroy(km);
    int bad[] = {1, 2, 0};
    assert_null(lm_km_create(t, bad, 3, &err));
    assert_int_equal(err.code, LM_EFORMAT);
    lm_km_destroy(NULL);
}

static void test_logrank(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_logrank_t r;
    /* R: survdiff(Surv(t, e) ~ g)$chisq = 1.2422997946611907 */
    int g[] = {0, 1, 0, 1, 0, 1, 1, 0}, one[8] = {0}, none[8] = {0};
    assert_int_equal(lm_stat_logrank(ct, ce, g, 8, &r, &err), 0);
    assert_close(r.chisq, 1.2422997946611907, 1e-12);
    assert_int_equal(r.groups, 2);
    assert_int_equal(lm_stat_logrank(ct, ce, one, 8, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "two groups"));
    assert_int_equal(lm_stat_logrank(ct, none, g, 8, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "no events"));
}

/* Balanced one-way random effects: REML has a closed form (MSB, MSW of the ANOVA):
 * sigma_e^2 = MSW, sigma_b^2 = (MSB - MSW) / m when positive, else 0 and the pooled
 * variance; the intercept is the grand mean with variance MSB / N on k - 1 df
 * (Satterthwaite is exact here), or SST / (N - 1) / N on N - 1 df at the bound. */
static void lmm_oneway(const double *y, int k, int m, int want_singular, double tol)
{
    int n = k * m, g[64];
    double x[64], grand = 0, ssb = 0, ssw = 0;
    const char *name[] = {"(Intercept)"};
    for (int i = 0; i < n; i++) {
        g[i] = 100 + i / m; /* any labels */
        x[i] = 1;
        grand += y[i] / n;
    }
    for (int j = 0; j < k; j++) {
        double mj = 0;
        for (int i = 0; i < m; i++) mj += y[j * m + i] / m;
        ssb += m * (mj - grand) * (mj - grand);
        for (int i = 0; i < m; i++) ssw += (y[j * m + i] - mj) * (y[j * m + i] - mj);
    }
    double msb = ssb / (k - 1), msw = ssw / (n - k);
    lm_lmm_t r;
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_stat_lmm(y, x, (size_t)n, 1, g, NULL, name, &r, &err), 0);
    assert_int_equal(r.groups, (size_t)k);
    assert_int_equal(r.singular, want_singular);
    assert_close(r.beta[0], grand, 1e-12 * (1 + fabs(grand)));
    if (!want_singular) {
        assert_close(r.sigma * r.sigma, msw, tol * 1e2 * msw);
        assert_close(r.var_int, (msb - msw) / m, tol * 1e2 * (msb - msw) / m);
        assert_close(r.se[0], sqrt(msb / n), tol * sqrt(msb / n));
        /* lmerTest's df: k - 1; but at theta ~ 2e5 the Hessian's theta eigenvalue falls
         * under lmerTest's 1e-8 and is dropped, leaving n - 1 (R does the same) */
        if (tol < 1e-7) assert_close(r.df[0], k - 1, 1e-6);
    } else {
        double v = (ssb + ssw) / (n - 1);
        assert_true(r.var_int == 0 && r.theta[0] == 0);
        assert_close(r.sigma * r.sigma, v, 1e-12 * v);
        assert_close(r.se[0], sqrt(v / n), 1e-9);
        assert_close(r.df[0], n - 1, 1e-5);
    }
}

static void test_lmm_closed_form(void **state)
{
    (void)state;
    /* 5 subjects x 4 visits, clear subject effect */
    double y[20] = {3.1, 2.9, 3.4, 3.0, 1.2, 1.6, 1.1, 1.3, 2.2, 2.5,
                    2.0, 2.4, 4.0, 3.7, 4.2, 3.9, 2.8, 3.3, 2.6, 3.0};
    lmm_oneway(y, 5, 4, 0, 1e-8);
    /* subject means nearly equal, spread within: the variance sits at its bound 0 */
    double z[20] = {1.0, 3.0,  2.0, 2.1, 2.9, 1.1,  2.05, 2.0, 1.5, 2.5,
                    2.6, 1.45, 3.1, 0.9, 2.0, 2.05, 2.2,  1.8, 1.0, 3.0};
    lmm_oneway(z, 5, 4, 1, 1e-8);
    /* subjects far apart, visits nearly equal: theta = SD ratio about 2e5 (the stable
     * within/between form of X'V^-1X keeps beta exact; lme4 itself is off by 1e-5 here) */
    double h[20];
    for (int i = 0; i < 20; i++) h[i] = 1000.0 * (i / 4) * ((i / 4) % 2 ? -1 : 1) + 0.01 * (i % 4);
    lmm_oneway(h, 5, 4, 0, 1e-6);
}

/* Kenward-Roger on a balanced design (6 subjects x 4 visits, intercept and a visit
 * covariate the same in every subject): the adjustment vanishes and the df are the exact
 * ones, as Satterthwaite's (the intercept: subjects - 1; the within-subject slope:
 * n - subjects - 1); lm_stat_lmm_kr leaves the Satterthwaite fields as lm_stat_lmm does. */
static void test_lmm_kr_balanced(void **state)
{
    (void)state;
    enum { G = 6, M = 4, N = G * M };
    double y[N], x[2 * N];
    int g[N];
    const char *name[] = {"(Intercept)", "visit"};
    for (int i = 0; i < N; i++) {
        g[i] = i / M;
        x[2 * i] = 1;
        x[2 * i + 1] = i % M - 1.5; /* centred: the intercept is the between-subject mean */
        y[i] = 0.3 * (i % M) + 0.8 * sin(1.7 * g[i]) + 0.4 * cos(2.3 * i);
    }
    lm_lmm_t a, b;
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_stat_lmm(y, x, N, 2, g, NULL, name, &a, &err), 0);
    assert_int_equal(lm_stat_lmm_kr(y, x, N, 2, g, NULL, name, &b, &err), 0);
    assert_true(b.kr && !a.kr);
    assert_true(a.var_int > 0);
    for (int j = 0; j < 2; j++) {
        assert_close(b.se[j], a.se[j], 1e-12);
        assert_close(b.df[j], a.df[j], 1e-12);
        assert_close(b.se_kr[j], a.se[j], 1e-9 * a.se[j]);
        assert_close(b.df_kr[j], a.df[j], 1e-4);
        assert_close(b.p_kr[j], a.p_t[j], 1e-6);
    }
    assert_close(b.df_kr[0], G - 1, 1e-6);
    assert_close(b.df_kr[1], N - G - 1, 1e-6);
}

static void test_lmm_errors(void **state)
{
    (void)state;
    double y[8] = {1, 2, 3, 4, 5, 6, 7, 8}, x[24], sl[8] = {0, 1, 0, 1, 0, 1, 0, 1};
    int g[8] = {1, 1, 2, 2, 3, 3, 4, 4}, one[8] = {0};
    const char *name[] = {"(Intercept)", "dose", "dose2"};
    for (int i = 0; i < 8; i++) {
        x[i * 3] = 1;
        x[i * 3 + 1] = i;
        x[i * 3 + 2] = 2 * i + 1; /* = 2 dose + intercept */
    }
    lm_lmm_t r;
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_stat_lmm(y, x, 8, 3, g, NULL, name, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "column 'dose2'"));
    assert_int_equal(lm_stat_lmm(y, x, 8, 2, one, NULL, name, &r, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "too few"));
    /* 4 groups x 2 random effects = 8 = n: lme4 refuses (nobs <= nRE) */
    assert_int_equal(lm_stat_lmm(y, x, 8, 1, g, sl, name, &r, &err), LM_EFORMAT);
    y[3] = NAN;
    assert_int_equal(lm_stat_lmm(y, x, 8, 1, g, NULL, name, &r, &err), LM_EFORMAT);
    assert_int_equal(lm_stat_lmm(y, x, 8, 0, g, NULL, name, &r, &err), LM_EFORMAT);
}

/* Constant case weights c: the coefficients stay, the naive SE shrinks by sqrt(c), the
 * robust SE stays (the dfbeta residuals do not change). With weight 1 the robust SE is
 * coxph(robust = TRUE)'s. */
static void test_cox_weights(void **state)
{
    (void)state;
    double t[10] = {2, 3, 3, 5, 6, 6, 6, 8, 9, 12},
           x[10] = {1.2, 0.3, -0.5, 0.8, 0, -1, 2, 0.1, -0.4, 0.6};
    int e[10] = {1, 1, 1, 0, 1, 1, 0, 1, 0, 1};
    double w1[10], w3[10];
    for (int i = 0; i < 10; i++) w1[i] = 1, w3[i] = 3;
    lm_cox_t a, b, c;
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_stat_cox(t, e, x, 10, 1, &a, &err), 0);
    assert_int_equal(lm_stat_cox_weighted(t, e, x, w1, 10, 1, 1, &b, &err), 0);
    assert_int_equal(lm_stat_cox_weighted(t, e, x, w3, 10, 1, 1, &c, &err), 0);
    assert_close(b.coef[0], a.coef[0], 1e-12);
    assert_close(b.se_naive[0], a.se[0], 1e-12);
    assert_close(c.coef[0], a.coef[0], 1e-9);
    assert_close(c.se_naive[0], a.se[0] / sqrt(3), 1e-9);
    assert_close(c.se[0], b.se[0], 1e-9);
    assert_true(b.se[0] > 0 && b.se[0] != b.se_naive[0]);
    w3[4] = -1;
    assert_int_equal(lm_stat_cox_weighted(t, e, x, w3, 10, 1, 1, &c, &err), LM_EFORMAT);
}

/* strata(): a second stratum that copies the first with its times stretched doubles the
 * partial likelihood (risk sets never mix), so the coefficient is the first stratum's
 * alone and every SE shrinks by sqrt(2); pooling the two (no strata) gives another fit.
 * One label for everyone is no stratification. Labels are any integers, in any order. */
static void test_cox_strata(void **state)
{
    (void)state;
    double t[10] = {2, 3, 3, 5, 6, 6, 6, 8, 9, 12},
           x[10] = {1.2, 0.3, -0.5, 0.8, 0, -1, 2, 0.1, -0.4, 0.6};
    int e[10] = {1, 1, 1, 0, 1, 1, 0, 1, 0, 1};
    double t2[20], x2[20];
    int e2[20], s2[20], one[20];
    for (int i = 0; i < 20; i++) {
        int k = i / 2, b = i % 2; /* interleaved: stratum 7 the copy, -3 the original */
        t2[i] = b ? t[k] * 10 + 0.5 : t[k];
        x2[i] = x[k];
        e2[i] = e[k];
        s2[i] = b ? 7 : -3;
        one[i] = 4;
    }
    lm_cox_t a, ar, b, c, d;
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_stat_cox(t, e, x, 10, 1, &a, &err), 0);
    assert_int_equal(lm_stat_cox_weighted(t, e, x, NULL, 10, 1, 1, &ar, &err), 0);
    assert_int_equal(lm_stat_cox_strata(t2, e2, x2, NULL, s2, 20, 1, 1, &b, &err), 0);
    assert_close(b.coef[0], a.coef[0], 1e-9);
    assert_close(b.se_naive[0], a.se[0] / sqrt(2), 1e-9);
    assert_close(b.se[0], ar.se[0] / sqrt(2), 1e-9);
    assert_close(b.loglik, 2 * a.loglik, 1e-9);
    assert_int_equal(lm_stat_cox_strata(t2, e2, x2, NULL, NULL, 20, 1, 0, &c, &err), 0);
    assert_true(fabs(c.coef[0] - a.coef[0]) > 1e-3);
    assert_int_equal(lm_stat_cox_strata(t2, e2, x2, NULL, one, 20, 1, 0, &d, &err), 0);
    assert_close(d.coef[0], c.coef[0], 1e-12);
    assert_close(d.se[0], c.se[0], 1e-12);
}

/* One binary covariate: the coefficient is the log odds ratio of the 2 x 2 table and its
 * SE sqrt(1/a + 1/b + 1/c + 1/d). */
static void test_logit_2x2(void **state)
{
    (void)state;
    int y[20];
    double x[40];
    const char *name[] = {"(Intercept)", "g", "g2"};
    /* g = 0: 3 of 9 have y = 1; g = 1: 8 of 11 */
    for (int i = 0; i < 20; i++) {
        int g = i >= 9;
        x[i * 2] = 1;
        x[i * 2 + 1] = g;
        y[i] = g ? (i - 9) < 8 : i < 3;
    }
    lm_logit_t r;
    lm_err_t err;
    lm_err_clear(&err);
    double fit[20];
    assert_int_equal(lm_stat_logit(y, x, 20, 2, name, &r, fit, &err), 0);
    assert_close(r.coef[0], log(3.0 / 6), 1e-10);
    assert_close(r.coef[1], log((8.0 / 3) / (3.0 / 6)), 1e-10);
    assert_close(r.se[1], sqrt(1.0 / 3 + 1.0 / 6 + 1.0 / 8 + 1.0 / 3), 1e-8);
    assert_close(fit[0], 3.0 / 9, 1e-10);
    /* separation: g predicts y exactly */
    for (int i = 0; i < 20; i++) y[i] = i >= 9;
    assert_int_equal(lm_stat_logit(y, x, 20, 2, name, &r, NULL, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "separate"));
    for (int i = 0; i < 20; i++) x[i * 2 + 1] = 1;
    assert_int_equal(lm_stat_logit(y, x, 20, 2, name, &r, NULL, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "column 'g'"));
}

/* The t quantile of the mixed models' confidence intervals at Satterthwaite df so small
 * that GSL's inverse fails (its default handler aborted lumen stats on a 4-subject cohort
 * with two covariates: df 3.7e-4). Reference values: R 4.2 qt(0.975, df). */
static void test_t_quantile(void **state)
{
    (void)state;
    const double df[] = {26, 0.5, 0.01, 0.008, 0.005};
    const double want[] = {2.0555294386428726, 164.55767348049446, 6.3641819283995872e+128,
                           1.9084681959631359e+161, 5.6930352325667754e+258};
    for (int i = 0; i < 5; i++)
        assert_true(fabs(stat_t_quantile(0.975, df[i]) / want[i] - 1) < 1e-9);
    assert_true(isinf(stat_t_quantile(0.975, 0.001)) && stat_t_quantile(0.975, 0.001) > 0);
    assert_true(isinf(stat_t_quantile(0.975, 3.7442165553166806e-4)));
    assert_true(isnan(stat_t_quantile(0.975, 0)));
    assert_true(isnan(stat_t_quantile(0.975, NAN)));
    assert_true(isnan(stat_t_quantile(0.4, 5)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank_ties),
        cmocka_unit_test(test_spearman),
        cmocka_unit_test(test_mannwhitney),
        cmocka_unit_test(test_wilcoxon),
        cmocka_unit_test(test_kruskal),
        cmocka_unit_test(test_bh),
        cmocka_unit_test(test_permanova),
        cmocka_unit_test(test_cox),
        cmocka_unit_test(test_km),
        cmocka_unit_test(test_logrank),
        cmocka_unit_test(test_lmm_closed_form),
        cmocka_unit_test(test_lmm_errors),
        cmocka_unit_test(test_cox_weights),
        cmocka_unit_test(test_cox_strata),
        cmocka_unit_test(test_lmm_kr_balanced),
        cmocka_unit_test(test_logit_2x2),
        cmocka_unit_test(test_t_quantile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
