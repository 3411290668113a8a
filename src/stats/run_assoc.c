/* SPDX-License-Identifier: MIT */
/* Correlations (alpha metrics and genera against HBsAg, HBV DNA and cytokines at the same
 * week) and arm comparisons of alpha diversity (Mann-Whitney by week, Wilcoxon on change
 * from baseline, Kruskal-Wallis across weeks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "run_internal.h"

/* The clinical variables correlated with the flora, as named in the output. */
enum { NCLIN = 9 };
static const char *const clin_name[NCLIN] = {
    "log10_hbsag", "hbsag_decline", "hbv_dna_iu_ml", "il2", "il4", "il6", "il10", "tnfa", "ifng"};

static double clin_value(const lm_visit_t *v, int k)
{
    if (!v) return NAN;
    switch (k) {
    case 0:
        return v->log10_hbsag;
    case 1:
        return v->hbsag_decline;
    case 2:
        return v->v[LM_VIS_HBV_DNA];
    default:
        return v->v[LM_VIS_IL2 + (k - 3)];
    }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Distinct weeks of the samples in alpha.tsv, ascending; returns how many. */
static size_t sample_weeks(const run_ctx_t *c, int *w)
{
    size_t n = 0;
    for (size_t i = 0; i < c->alpha->nrow; i++) {
        const lm_sample_t *s = alpha_sample(c, i);
        size_t k = 0;
        while (k < n && w[k] != s->week) k++;
        if (k == n) w[n++] = s->week;
    }
    qsort(w, n, sizeof(*w), cmp_int);
    return n;
}

/* Spearman of val[i] (the value of cohort sample samp[i]) against each clinical variable
 * at week w, over the samples of one arm (group = the arm) or of all arms (arm NULL). One
 * BH family per (analysis, week, group). Within-arm rows matter in a trial like this one:
 * where the arms differ in a clinical variable (HBsAg decline under interferon), pooling
 * them hides an association that holds inside each arm. */
static int corr_block(run_ctx_t *c, const char *analysis, const char *xname, int week,
                      const char *arm, const double *val, const long *samp, size_t nval,
                      lm_err_t *err)
{
    double *x = malloc((nval + 1) * 2 * sizeof(*x));
    if (!x) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    double *y = x + nval + 1;
    char fam[320];
    snprintf(fam, sizeof(fam), "%s week %d group %s", analysis, week, arm ? arm : "all");
    int rc = 0;
    for (int k = 0; k < NCLIN && !rc; k++) {
        if (k == 1 && week == 0) continue; /* decline from week 0 is 0 there by definition */
        size_t n = 0;
        for (size_t i = 0; i < nval; i++) {
            if (samp[i] < 0) continue;
            const lm_sample_t *s = lm_cohort_sample(c->co, (size_t)samp[i]);
            if (s->week != week || (arm && (!s->arm || strcmp(s->arm, arm) != 0))) continue;
            double cv = clin_value(c->sample_visit[samp[i]], k);
            if (isnan(val[i]) || isnan(cv)) continue;
            x[n] = val[i];
            y[n++] = cv;
        }
        lm_stat_test_t r;
        lm_err_t e;
        lm_err_clear(&e);
        if (lm_stat_spearman(x, y, n, &r, &e) == 0)
            rc = tidy_add(&c->out[OUT_CORR], analysis, xname, clin_name[k], arm, week, (long)n,
                          r.statistic, NAN, NAN, NAN, r.p, fam);
        else if (e.code == LM_EFORMAT)
            rc = tidy_skip(&c->out[OUT_SKIP], analysis, xname, clin_name[k], arm, week, e.msg);
        else
            rc = e.code;
    }
    free(x);
    return rc ? lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory") : 0;
}

/* CLR of relative abundance per sample, with 0.5 added to every count so that zeros have
 * a logarithm (the CLR is scale-free, so relative abundance and counts give the same). */
int clr_table(const lm_matrix_t *t, double *clr)
{
    for (size_t j = 0; j < t->ncol; j++) {
        double mean = 0;
        for (size_t i = 0; i < t->nrow; i++) {
            clr[i * t->ncol + j] = log(t->v[i * t->ncol + j] + 0.5);
            mean += clr[i * t->ncol + j];
        }
        mean /= (double)t->nrow;
        for (size_t i = 0; i < t->nrow; i++) clr[i * t->ncol + j] -= mean;
    }
    return 0;
}

int run_correlations(run_ctx_t *c, lm_err_t *err)
{
    const lm_matrix_t *a = c->alpha;
    int weeks[64];
    size_t nw = a->nrow ? sample_weeks(c, weeks) : 0;
    if (nw > 64) nw = 64;
    double *val = malloc((a->nrow + 1) * sizeof(*val));
    if (!val) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = 0;
    /* Groups: all samples, then each arm (when there are several). */
    size_t narms = lm_cohort_n_arms(c->co), ngroups = narms > 1 ? narms + 1 : 1;
    for (size_t w = 0; w < nw && !rc; w++)
        for (size_t j = 0; j < a->ncol && !rc; j++) {
            for (size_t i = 0; i < a->nrow; i++) val[i] = a->v[i * a->ncol + j];
            for (size_t g = 0; g < ngroups && !rc; g++)
                rc = corr_block(c, "spearman_alpha", a->col_id[j], weeks[w],
                                g ? lm_cohort_arm(c->co, g - 1) : NULL, val, c->alpha_sample,
                                a->nrow, err);
        }
    free(val);
    const lm_matrix_t *t = c->taxa;
    if (rc || !t || !t->nrow) return rc;
    double *clr = malloc(t->nrow * t->ncol * sizeof(*clr));
    long *samp = malloc((t->ncol + 1) * sizeof(*samp));
    if (!clr || !samp) {
        free(clr);
        free(samp);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    clr_table(t, clr);
    for (size_t j = 0; j < t->ncol; j++) samp[j] = lm_cohort_find_sample(c->co, t->col_id[j]);
    for (size_t w = 0; w < nw && !rc; w++)
        for (size_t g = 0; g < t->nrow && !rc; g++) {
            size_t present = 0;
            for (size_t j = 0; j < t->ncol; j++) present += t->v[g * t->ncol + j] > 0;
            if ((double)present < c->opt->min_prevalence * (double)t->ncol) continue;
            for (size_t k = 0; k < ngroups && !rc; k++)
                rc = corr_block(c, "spearman_genus", t->row_id[g], weeks[w],
                                k ? lm_cohort_arm(c->co, k - 1) : NULL, clr + g * t->ncol, samp,
                                t->ncol, err);
        }
    free(clr);
    free(samp);
    return rc;
}

/* --- arm comparisons ------------------------------------------------------------------ */

static double median(double *v, size_t n)
{
    if (n == 0) return NAN;
    gsl_sort(v, 1, n);
    return gsl_stats_median_from_sorted_data(v, 1, n);
}

/* The alpha value of metric j for subject at week, NaN when there is no sample. */
static double alpha_at(const run_ctx_t *c, size_t subject, int week, size_t j)
{
    for (size_t i = 0; i < c->alpha->nrow; i++) {
        const lm_sample_t *s = alpha_sample(c, i);
        if (s->subject == subject && s->week == week) return c->alpha->v[i * c->alpha->ncol + j];
    }
    return NAN;
}

static int add_or_skip(run_ctx_t *c, int rc, const lm_err_t *e, const char *analysis, const char *x,
                       const char *y, const char *group, int week)
{
    if (rc == LM_EFORMAT) return tidy_skip(&c->out[OUT_SKIP], analysis, x, y, group, week, e->msg);
    return rc;
}

static int mann_whitney(run_ctx_t *c, size_t j, int week, double *x, double *y)
{
    const lm_matrix_t *a = c->alpha;
    const char *metric = a->col_id[j];
    if (lm_cohort_n_arms(c->co) != 2)
        return tidy_skip(&c->out[OUT_SKIP], "mannwhitney_arm", metric, "arm", NULL, week,
                         lm_cohort_n_arms(c->co) < 2 ? "a single arm: nothing to compare"
                                                     : "Mann-Whitney compares exactly two arms");
    const char *a0 = lm_cohort_arm(c->co, 0), *a1 = lm_cohort_arm(c->co, 1);
    size_t nx = 0, ny = 0;
    for (size_t i = 0; i < a->nrow; i++) {
        const lm_sample_t *s = alpha_sample(c, i);
        double v = a->v[i * a->ncol + j];
        if (s->week != week || !s->arm || isnan(v)) continue;
        if (!strcmp(s->arm, a0)) x[nx++] = v;
        if (!strcmp(s->arm, a1)) y[ny++] = v;
    }
    char grp[256], fam[64];
    snprintf(grp, sizeof(grp), "%s vs %s", a0, a1);
    snprintf(fam, sizeof(fam), "mannwhitney_arm week %d", week);
    lm_stat_test_t r;
    lm_err_t e;
    lm_err_clear(&e);
    int rc = lm_stat_mannwhitney(x, nx, y, ny, &r, &e);
    if (rc) return add_or_skip(c, rc, &e, "mannwhitney_arm", metric, "arm", grp, week);
    /* estimate: U / (n1 n2), the probability that a value of the first arm exceeds one of
     * the second (ties counting half) */
    return tidy_add(&c->out[OUT_ARMS], "mannwhitney_arm", metric, "arm", grp, week, (long)(nx + ny),
                    r.statistic / ((double)nx * (double)ny), NAN, NAN, r.statistic, r.p, fam);
}

/* Change from week 0 to week within group (an arm, or NULL for everyone). */
static int wilcoxon_change(run_ctx_t *c, size_t j, int week, const char *arm, double *x, double *y)
{
    const char *metric = c->alpha->col_id[j];
    size_t n = 0;
    for (size_t s = 0; s < lm_cohort_n_subjects(c->co); s++) {
        const lm_subject_t *sj = lm_cohort_subject(c->co, s);
        if (arm && (!sj->arm || strcmp(sj->arm, arm))) continue;
        double b = alpha_at(c, s, 0, j), v = alpha_at(c, s, week, j);
        if (isnan(b) || isnan(v)) continue;
        x[n] = v;
        y[n++] = b;
    }
    char yname[32], fam[64];
    snprintf(yname, sizeof(yname), "change_week0_to_%d", week);
    snprintf(fam, sizeof(fam), "wilcoxon_change week %d", week);
    const char *grp = arm ? arm : "all";
    lm_stat_test_t r;
    lm_err_t e;
    lm_err_clear(&e);
    int rc = lm_stat_wilcoxon(x, y, n, &r, &e);
    if (rc) return add_or_skip(c, rc, &e, "wilcoxon_change", metric, yname, grp, week);
    double *d = malloc((n + 1) * sizeof(*d));
    if (!d) return LM_ENOMEM;
    for (size_t i = 0; i < n; i++) d[i] = x[i] - y[i];
    double med = median(d, n); /* estimate: median change */
    free(d);
    return tidy_add(&c->out[OUT_ARMS], "wilcoxon_change", metric, yname, grp, week, (long)n, med,
                    NAN, NAN, r.statistic, r.p, fam);
}

static int kruskal_weeks(run_ctx_t *c, size_t j, const char *arm, double *x, int *g)
{
    const lm_matrix_t *a = c->alpha;
    size_t n = 0;
    for (size_t i = 0; i < a->nrow; i++) {
        const lm_sample_t *s = alpha_sample(c, i);
        double v = a->v[i * a->ncol + j];
        if (isnan(v) || (arm && (!s->arm || strcmp(s->arm, arm)))) continue;
        x[n] = v;
        g[n++] = s->week;
    }
    const char *grp = arm ? arm : "all";
    lm_stat_test_t r;
    lm_err_t e;
    lm_err_clear(&e);
    int rc = lm_stat_kruskal(x, g, n, &r, &e);
    if (rc) return add_or_skip(c, rc, &e, "kruskal_weeks", a->col_id[j], "week", grp, WEEK_NA);
    return tidy_add(&c->out[OUT_ARMS], "kruskal_weeks", a->col_id[j], "week", grp, WEEK_NA, (long)n,
                    NAN, NAN, NAN, r.statistic, r.p, "kruskal_weeks");
}

int run_arm_tests(run_ctx_t *c, lm_err_t *err)
{
    const lm_matrix_t *a = c->alpha;
    size_t cap = a->nrow + lm_cohort_n_subjects(c->co) + 1;
    double *x = malloc(cap * sizeof(*x)), *y = malloc(cap * sizeof(*y));
    int *g = malloc(cap * sizeof(*g));
    int weeks[64];
    size_t nw = a->nrow ? sample_weeks(c, weeks) : 0;
    if (nw > 64) nw = 64;
    int rc = x && y && g ? 0 : LM_ENOMEM;
    size_t narm = lm_cohort_n_arms(c->co);
    for (size_t w = 0; w < nw && !rc; w++)
        for (size_t j = 0; j < a->ncol && !rc; j++) rc = mann_whitney(c, j, weeks[w], x, y);
    for (size_t w = 0; w < nw && !rc; w++) {
        if (weeks[w] == 0) continue;
        for (size_t j = 0; j < a->ncol && !rc; j++)
            for (size_t k = 0; k <= narm && !rc; k++)
                rc = wilcoxon_change(c, j, weeks[w], k < narm ? lm_cohort_arm(c->co, k) : NULL, x,
                                     y);
    }
    for (size_t j = 0; j < a->ncol && !rc; j++)
        for (size_t k = 0; k <= narm && !rc; k++)
            rc = kruskal_weeks(c, j, k < narm ? lm_cohort_arm(c->co, k) : NULL, x, g);
    free(x);
    free(y);
    free(g);
    return rc ? lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory") : 0;
}
