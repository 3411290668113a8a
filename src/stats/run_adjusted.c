/* SPDX-License-Identifier: MIT */
/* Survival with adjustment (issue #14): survival_adjusted.tsv holds, per endpoint (RFS,
 * OS) and alpha metric, coxph(Surv ~ arm + metric at week 0 per SD + covariates), and the
 * arm's hazard ratio from the Cox model weighted by stabilised inverse-probability-of-
 * treatment weights with robust SEs; iptw_balance.tsv holds the propensity model
 * (glm(arm ~ covariates, binomial)), the weights' distribution per arm and the covariates'
 * standardised mean differences before and after weighting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "run_internal.h"
#include "stats_internal.h"

enum { NAME = 96 };

/* The arm index (cohort's sorted list) of subject s, or -1. */
static int arm_of(const lm_cohort_t *co, size_t s)
{
    const char *a = lm_cohort_subject(co, s)->arm;
    for (size_t k = 0; a && k < lm_cohort_n_arms(co); k++)
        if (!strcmp(lm_cohort_arm(co, k), a)) return (int)k;
    return -1;
}

/* The arms present among the n selected subjects, in arm order, into alev (at most 64;
 * the selection keeps only subjects whose arm is below 64). Returns their number. */
static int arms_present(const lm_cohort_t *co, const size_t *who, size_t n, int alev[64])
{
    int used[64] = {0}, nal = 0;
    for (size_t i = 0; i < n; i++) used[arm_of(co, who[i])] = 1;
    for (int a = 0; a < 64; a++)
        if (used[a]) alev[nal++] = a;
    return nal;
}

/* Baseline (week 0) value of alpha metric j per subject (the first sample in alpha.tsv),
 * NaN when none. */
static void baseline_alpha(const run_ctx_t *c, size_t j, double *v)
{
    size_t ns = lm_cohort_n_subjects(c->co);
    for (size_t s = 0; s < ns; s++) v[s] = NAN;
    char *seen = calloc(ns + 1, 1);
    if (!seen) return;
    for (size_t i = 0; i < c->alpha->nrow; i++) {
        const lm_sample_t *sm = alpha_sample(c, i);
        if (!sm || sm->week != 0 || seen[sm->subject]) continue;
        seen[sm->subject] = 1;
        v[sm->subject] = c->alpha->v[i * c->alpha->ncol + j];
    }
    free(seen);
}

static int add_cox_rows(tidy_t *t, const char *analysis, const char *y, const lm_cox_t *r,
                        char (*name)[NAME], int nrow, const char *model, const char *form)
{
    int rc = 0;
    for (int a = 0; a < nrow && !rc; a++) {
        rc = tidy_add(t, analysis, name[a], y, NULL, WEEK_NA, (long)r->n, r->hr[a], r->hr_low[a],
                      r->hr_high[a], r->z[a], r->p_wald[a], NULL);
        if (!rc) rc = tidy_set_model(t, model, form, NAN);
    }
    return rc;
}

static const char *const ep_name[2] = {"rfs", "os"};

static void surv_of(const lm_subject_t *sj, int os, double *t, int *e)
{
    *t = os ? sj->os_months : sj->rfs_months;
    *e = os ? sj->os_event : sj->rfs_event;
}

/* coxph(Surv ~ arm + metric_per_sd + covariates) for every endpoint and alpha metric. */
static int adjusted_cox(run_ctx_t *c, double *x, double *tm, int *ev, int *st, double *bv,
                        size_t *who)
{
    const lm_cohort_t *co = c->co;
    const covars_t *cv = &c->cov;
    size_t ns = lm_cohort_n_subjects(co);
    tidy_t *out = &c->out[OUT_SURVADJ], *skip = &c->out[OUT_MSKIP];
    char covs[512];
    covars_formula(cv, 1, covs, sizeof(covs));
    int rc = 0;
    for (int os = 0; os < 2 && !rc; os++)
        for (size_t j = 0; j < c->alpha->ncol && !rc; j++) {
            const char *metric = c->alpha->col_id[j];
            char analysis[64], form[768];
            snprintf(analysis, sizeof(analysis), "cox_%s_adjusted", ep_name[os]);
            snprintf(form, sizeof(form), "Surv(%s_months, %s_event) ~ arm + %s_per_sd%s",
                     ep_name[os], ep_name[os], metric, covs);
            baseline_alpha(c, j, bv);
            size_t n = 0;
            for (size_t s = 0; s < ns; s++) {
                const lm_subject_t *sj = lm_cohort_subject(co, s);
                double t;
                int e, a = arm_of(co, s);
                surv_of(sj, os, &t, &e);
                if (isnan(t) || e < 0 || a < 0 || a >= 64 || isnan(bv[s]) ||
                    covars_row_strata(co, cv, s, x))
                    continue;
                who[n++] = s;
            }
            int alev[64], nal = arms_present(co, who, n, alev);
            int ncv = cv->ncols - cv->site_cols, p = nal - 1 + 1 + ncv;
            if (nal < 2 || p > LM_COX_MAXP) {
                rc = tidy_skip(skip, analysis, form, metric, NULL, WEEK_NA,
                               nal < 2 ? "fewer than two arms with data"
                                       : "more than 16 covariates for the Cox model");
                continue;
            }
            double m = 0, v = 0;
            for (size_t i = 0; i < n; i++) m += bv[who[i]] / (double)n;
            for (size_t i = 0; i < n; i++) v += (bv[who[i]] - m) * (bv[who[i]] - m);
            double sd = n > 1 ? sqrt(v / (double)(n - 1)) : 0;
            char name[LM_COX_MAXP + 1][NAME];
            snprintf(name[0], NAME, "(Intercept)");
            for (int a = 1; a < nal; a++)
                snprintf(name[a], NAME, "arm%s", lm_cohort_arm(co, (size_t)alev[a]));
            snprintf(name[nal], NAME, "%s_per_sd", metric);
            for (int k = 0; k < ncv; k++) covars_name(cv, k, name[nal + 1 + k], NAME);
            /* the design with an intercept column first, for the rank check */
            for (size_t i = 0; i < n; i++) {
                size_t s = who[i];
                double *xi = x + i * (size_t)(p + 1);
                int a = arm_of(co, s);
                xi[0] = 1;
                for (int k = 1; k < nal; k++) xi[k] = a == alev[k];
                xi[nal] = sd > 0 ? bv[s] / sd : 0;
                covars_row_strata(co, cv, s, xi + nal + 1);
                st[i] = covars_stratum(co, cv, s);
                surv_of(lm_cohort_subject(co, s), os, &tm[i], &ev[i]);
            }
            int bad;
            if (stat_aliased_column(x, n, p + 1, &bad)) return LM_ENOMEM;
            if (bad >= 0) {
                char why[256];
                snprintf(why, sizeof(why), "rank-deficient design: column '%s' is %s", name[bad],
                         "constant or a linear combination of the columns before it");
                rc = tidy_skip(skip, analysis, form, metric, NULL, WEEK_NA, why);
                continue;
            }
            for (size_t i = 0; i < n; i++) /* drop the intercept column */
                memmove(x + i * (size_t)p, x + i * (size_t)(p + 1) + 1, (size_t)p * sizeof(double));
            lm_cox_t r;
            lm_err_t e;
            lm_err_clear(&e);
            int sc =
                lm_stat_cox_strata(tm, ev, x, NULL, cv->site_cols ? st : NULL, n, p, 0, &r, &e);
            if (sc == LM_EFORMAT) {
                rc = tidy_skip(skip, analysis, form, metric, NULL, WEEK_NA, e.msg);
                continue;
            }
            if (sc) return sc;
            rc = add_cox_rows(out, analysis, metric, &r, name + 1, p, "coxph Efron", form);
        }
    return rc;
}

static double wmean(const double *x, const double *w, const int *grp, int g, size_t n,
                    size_t stride)
{
    double s = 0, sw = 0;
    for (size_t i = 0; i < n; i++)
        if (grp[i] == g) {
            double wi = w ? w[i] : 1;
            s += wi * x[i * stride];
            sw += wi;
        }
    return s / sw;
}

static double var(const double *x, const int *grp, int g, size_t n, size_t stride)
{
    double m = wmean(x, NULL, grp, g, n, stride), s = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (grp[i] == g) {
            s += (x[i * stride] - m) * (x[i * stride] - m);
            k++;
        }
    return k > 1 ? s / (double)(k - 1) : NAN;
}

/* Alpha metric j at week 24 per subject (the first such sample in alpha.tsv), NaN when
 * none. */
static void week24_alpha(const run_ctx_t *c, size_t j, double *v)
{
    size_t ns = lm_cohort_n_subjects(c->co);
    for (size_t s = 0; s < ns; s++) v[s] = NAN;
    for (size_t i = c->alpha->nrow; i-- > 0;) { /* backwards: the first sample wins */
        const lm_sample_t *sm = alpha_sample(c, i);
        if (sm && sm->week == 24) v[sm->subject] = c->alpha->v[i * c->alpha->ncol + j];
    }
}

/* Week 24 in months, as the landmark: 24 * 7 days / (365.25 / 12). */
#define LANDMARK_MONTHS (24.0 * 7.0 * 12.0 / 365.25)

/* Landmark analysis at week 24: subjects still event-free and followed after week 24,
 * time counted from it, coxph(Surv(t - L, event) ~ arm + metric at week 0 per SD + its
 * change to week 24 per SD + HBsAg decline to week 24 (log10) + covariates). */
static int landmark(run_ctx_t *c, double *x, double *tm, int *ev, int *st, double *bv, size_t *who)
{
    const lm_cohort_t *co = c->co;
    const covars_t *cv = &c->cov;
    size_t ns = lm_cohort_n_subjects(co);
    tidy_t *out = &c->out[OUT_SURVADJ], *skip = &c->out[OUT_MSKIP];
    double *v24 = malloc((ns + 1) * sizeof(double)), *dec = malloc((ns + 1) * sizeof(double));
    if (!v24 || !dec) {
        free(v24);
        free(dec);
        return LM_ENOMEM;
    }
    for (size_t s = 0; s < ns; s++) {
        const lm_visit_t *v = lm_cohort_visit_at(co, s, 24);
        dec[s] = v ? v->hbsag_decline : NAN;
    }
    char covs[512];
    covars_formula(cv, 1, covs, sizeof(covs));
    int rc = 0;
    for (int os = 0; os < 2 && !rc; os++)
        for (size_t j = 0; j < c->alpha->ncol && !rc; j++) {
            const char *metric = c->alpha->col_id[j];
            char analysis[64], form[1024];
            snprintf(analysis, sizeof(analysis), "cox_%s_landmark24", ep_name[os]);
            snprintf(form, sizeof(form),
                     "Surv(%s_months - %.6g, %s_event) ~ arm + %s_w0_per_sd + "
                     "%s_change_w24_per_sd + hbsag_decline_w24%s, subset %s_months > %.6g",
                     ep_name[os], LANDMARK_MONTHS, ep_name[os], metric, metric, covs, ep_name[os],
                     LANDMARK_MONTHS);
            baseline_alpha(c, j, bv);
            week24_alpha(c, j, v24);
            size_t n = 0;
            for (size_t s = 0; s < ns; s++) {
                double t;
                int e, a = arm_of(co, s);
                surv_of(lm_cohort_subject(co, s), os, &t, &e);
                if (isnan(t) || e < 0 || !(t > LANDMARK_MONTHS) || a < 0 || a >= 64 ||
                    isnan(bv[s]) || isnan(v24[s]) || isnan(dec[s]) ||
                    covars_row_strata(co, cv, s, x))
                    continue;
                who[n++] = s;
            }
            int alev[64], nal = arms_present(co, who, n, alev);
            int ncv = cv->ncols - cv->site_cols, p = nal - 1 + 3 + ncv;
            if (nal < 2 || p > LM_COX_MAXP) {
                rc = tidy_skip(skip, analysis, form, metric, NULL, WEEK_NA,
                               nal < 2 ? "fewer than two arms with data"
                                       : "more than 16 covariates for the Cox model");
                continue;
            }
            double m0 = 0, m1 = 0, s0 = 0, s1 = 0;
            for (size_t i = 0; i < n; i++) {
                m0 += bv[who[i]] / (double)n;
                m1 += (v24[who[i]] - bv[who[i]]) / (double)n;
            }
            for (size_t i = 0; i < n; i++) {
                double d0 = bv[who[i]] - m0, d1 = v24[who[i]] - bv[who[i]] - m1;
                s0 += d0 * d0;
                s1 += d1 * d1;
            }
            s0 = n > 1 ? sqrt(s0 / (double)(n - 1)) : 0;
            s1 = n > 1 ? sqrt(s1 / (double)(n - 1)) : 0;
            char name[LM_COX_MAXP + 1][NAME];
            snprintf(name[0], NAME, "(Intercept)");
            for (int a = 1; a < nal; a++)
                snprintf(name[a], NAME, "arm%s", lm_cohort_arm(co, (size_t)alev[a]));
            snprintf(name[nal], NAME, "%s_w0_per_sd", metric);
            snprintf(name[nal + 1], NAME, "%s_change_w24_per_sd", metric);
            snprintf(name[nal + 2], NAME, "hbsag_decline_w24");
            for (int k = 0; k < ncv; k++) covars_name(cv, k, name[nal + 3 + k], NAME);
            for (size_t i = 0; i < n; i++) {
                size_t s = who[i];
                double *xi = x + i * (size_t)(p + 1);
                int a = arm_of(co, s);
                xi[0] = 1;
                for (int k = 1; k < nal; k++) xi[k] = a == alev[k];
                xi[nal] = s0 > 0 ? bv[s] / s0 : 0;
                xi[nal + 1] = s1 > 0 ? (v24[s] - bv[s]) / s1 : 0;
                xi[nal + 2] = dec[s];
                covars_row_strata(co, cv, s, xi + nal + 3);
                st[i] = covars_stratum(co, cv, s);
                surv_of(lm_cohort_subject(co, s), os, &tm[i], &ev[i]);
                tm[i] -= LANDMARK_MONTHS;
            }
            int bad;
            if (stat_aliased_column(x, n, p + 1, &bad)) {
                rc = LM_ENOMEM;
                break;
            }
            if (bad >= 0) {
                char why[256];
                snprintf(why, sizeof(why), "rank-deficient design: column '%s' is %s", name[bad],
                         "constant or a linear combination of the columns before it");
                rc = tidy_skip(skip, analysis, form, metric, NULL, WEEK_NA, why);
                continue;
            }
            for (size_t i = 0; i < n; i++)
                memmove(x + i * (size_t)p, x + i * (size_t)(p + 1) + 1, (size_t)p * sizeof(double));
            lm_cox_t r;
            lm_err_t e;
            lm_err_clear(&e);
            int sc =
                lm_stat_cox_strata(tm, ev, x, NULL, cv->site_cols ? st : NULL, n, p, 0, &r, &e);
            if (sc == LM_EFORMAT) {
                rc = tidy_skip(skip, analysis, form, metric, NULL, WEEK_NA, e.msg);
                continue;
            }
            if (sc) {
                rc = sc;
                break;
            }
            rc = add_cox_rows(out, analysis, metric, &r, name + 1, p,
                              "coxph Efron, landmark at week 24", form);
        }
    free(v24);
    free(dec);
    return rc;
}

/* Propensity model, stabilised weights, balance, and the weighted Cox models. */
static int iptw(run_ctx_t *c, double *x, double *tm, int *ev, int *stv, size_t *who)
{
    const lm_cohort_t *co = c->co;
    const covars_t *cv = &c->cov;
    tidy_t *out = &c->out[OUT_SURVADJ], *bal = &c->out[OUT_IPTW], *skip = &c->out[OUT_MSKIP];
    size_t ns = lm_cohort_n_subjects(co);
    char covs[512], pform[640], sform[160] = "";
    int *sti = stv;
    covars_formula(cv, 0, covs, sizeof(covs));
    if (cv->site_cols) snprintf(sform, sizeof(sform), " + strata(%s)", cv->v[cv->n - 1].name);
    snprintf(pform, sizeof(pform), "arm ~ 1%s (binomial)", covs);
    if (cv->n == 0)
        return tidy_skip(skip, "iptw", pform, NULL, NULL, WEEK_NA,
                         "no --covariates: nothing to weight for");
    int p = 1 + cv->ncols;
    if (p > LM_LOGIT_MAXP)
        return tidy_skip(skip, "iptw", pform, NULL, NULL, WEEK_NA, "too many covariates");
    size_t n = 0;
    for (size_t s = 0; s < ns; s++) {
        int a = arm_of(co, s);
        if (a < 0 || a >= 64 || covars_row(co, cv, s, x + n * (size_t)p + 1)) continue;
        x[n * (size_t)p] = 1;
        who[n++] = s;
    }
    int alev[64], nal = arms_present(co, who, n, alev);
    if (nal != 2)
        return tidy_skip(skip, "iptw", pform, NULL, NULL, WEEK_NA,
                         "IPTW needs exactly two arms with data");
    int *grp = malloc((n + 1) * sizeof(int));
    double *ps = malloc((n + 1) * sizeof(double)), *w = malloc((n + 1) * sizeof(double));
    double *tmp = malloc((n + 1) * sizeof(double));
    char(*name)[NAME] = calloc((size_t)p, sizeof(*name));
    const char **np = calloc((size_t)p, sizeof(*np));
    int rc = grp && ps && w && tmp && name && np ? 0 : LM_ENOMEM;
    const char *treated = lm_cohort_arm(co, (size_t)alev[1]);
    char armterm[NAME];
    snprintf(armterm, sizeof(armterm), "arm%s", treated);
    lm_logit_t lr;
    lm_err_t e;
    lm_err_clear(&e);
    int st = 0;
    if (!rc) {
        snprintf(name[0], NAME, "(Intercept)");
        for (int k = 0; k < cv->ncols; k++) covars_name(cv, k, name[1 + k], NAME);
        for (int k = 0; k < p; k++) np[k] = name[k];
        for (size_t i = 0; i < n; i++) grp[i] = arm_of(co, who[i]) == alev[1];
        st = lm_stat_logit(grp, x, n, p, np, &lr, ps, &e);
        if (st == LM_ENOMEM) rc = st;
        if (st == LM_EFORMAT) rc = tidy_skip(skip, "iptw", pform, NULL, NULL, WEEK_NA, e.msg);
    }
    if (!rc && !st) {
        const double zq = gsl_cdf_ugaussian_Pinv(0.975);
        for (int k = 0; k < p && !rc; k++) {
            rc = tidy_add(bal, "propensity", name[k], treated, NULL, WEEK_NA, (long)n, lr.coef[k],
                          lr.coef[k] - zq * lr.se[k], lr.coef[k] + zq * lr.se[k], lr.z[k],
                          lr.p_wald[k], NULL);
            if (!rc) rc = tidy_set_model(bal, "glm binomial (logit)", pform, NAN);
        }
        double pa = 0;
        for (size_t i = 0; i < n; i++) pa += grp[i] / (double)n;
        for (size_t i = 0; i < n; i++) w[i] = grp[i] ? pa / ps[i] : (1 - pa) / (1 - ps[i]);
        /* the weights per arm: min, quartiles (R's type 7), max, mean */
        for (int g = 0; g < 2 && !rc; g++) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                if (grp[i] == g) tmp[k++] = w[i];
            gsl_sort(tmp, 1, k);
            const char *qn[6] = {"min", "p25", "median", "p75", "max", "mean"};
            double qv[6] = {tmp[0],
                            gsl_stats_quantile_from_sorted_data(tmp, 1, k, 0.25),
                            gsl_stats_quantile_from_sorted_data(tmp, 1, k, 0.5),
                            gsl_stats_quantile_from_sorted_data(tmp, 1, k, 0.75),
                            tmp[k - 1],
                            gsl_stats_mean(tmp, 1, k)};
            for (int q = 0; q < 6 && !rc; q++) {
                rc = tidy_add(bal, "iptw_weight", qn[q], "stabilised weight",
                              lm_cohort_arm(co, (size_t)alev[g]), WEEK_NA, (long)k, qv[q], NAN, NAN,
                              NAN, NAN, NULL);
                if (!rc)
                    rc = tidy_set_model(bal, "stabilised IPTW: P(arm) / P(arm | covariates)", pform,
                                        NAN);
            }
        }
        /* standardised mean differences (treated - reference) / sqrt((s1^2 + s0^2) / 2),
         * the denominator from the unweighted sample both times (cobalt's default) */
        for (int k = 1; k < p && !rc; k++)
            for (int wt = 0; wt < 2 && !rc; wt++) {
                const double *xc = x + k;
                double d =
                    (wmean(xc, wt ? w : NULL, grp, 1, n, (size_t)p) -
                     wmean(xc, wt ? w : NULL, grp, 0, n, (size_t)p)) /
                    sqrt((var(xc, grp, 1, n, (size_t)p) + var(xc, grp, 0, n, (size_t)p)) / 2);
                rc = tidy_add(bal, "smd", name[k], treated, wt ? "iptw" : "unweighted", WEEK_NA,
                              (long)n, d, NAN, NAN, NAN, NAN, NULL);
                if (!rc) rc = tidy_set_model(bal, "standardised mean difference", pform, NAN);
            }
        /* weighted Cox per endpoint: the subjects of the propensity model with follow-up */
        for (int os = 0; os < 2 && !rc; os++) {
            char analysis[64], form[1024];
            snprintf(analysis, sizeof(analysis), "cox_%s_iptw", ep_name[os]);
            snprintf(form, sizeof(form),
                     "Surv(%s_months, %s_event) ~ arm%s, weights = stabilised IPTW from %s",
                     ep_name[os], ep_name[os], sform, pform);
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                double t;
                int ee;
                surv_of(lm_cohort_subject(co, who[i]), os, &t, &ee);
                if (isnan(t) || ee < 0) continue;
                tm[m] = t;
                ev[m] = ee;
                tmp[m] = w[i];
                ps[m] = grp[i]; /* the arm indicator, reusing ps */
                sti[m] = covars_stratum(co, cv, who[i]);
                m++;
            }
            lm_cox_t r;
            lm_err_clear(&e);
            st = lm_stat_cox_strata(tm, ev, ps, tmp, cv->site_cols ? sti : NULL, m, 1, 1, &r, &e);
            if (st == LM_EFORMAT) {
                rc = tidy_skip(skip, analysis, form, NULL, NULL, WEEK_NA, e.msg);
                continue;
            }
            if (st) {
                rc = st;
                break;
            }
            char nm[1][NAME];
            snprintf(nm[0], NAME, "%s", armterm);
            rc = add_cox_rows(out, analysis, "arm (IPTW)", &r, nm, 1,
                              "coxph Efron, stabilised IPTW weights, robust SE", form);
        }
    }
    free(grp);
    free(ps);
    free(w);
    free(tmp);
    free(name);
    free(np);
    return rc;
}

int run_adjusted_survival(run_ctx_t *c, lm_err_t *err)
{
    size_t ns = lm_cohort_n_subjects(c->co);
    int width = LM_COX_MAXP + 1 > 1 + c->cov.ncols ? LM_COX_MAXP + 1 : 1 + c->cov.ncols;
    double *x = malloc((ns + 1) * (size_t)width * sizeof(double));
    double *tm = malloc((ns + 1) * sizeof(double)), *bv = malloc((ns + 1) * sizeof(double));
    int *ev = malloc((ns + 1) * sizeof(int)), *st = malloc((ns + 1) * sizeof(int));
    size_t *who = malloc((ns + 1) * sizeof(size_t));
    int rc = x && tm && bv && ev && st && who ? 0 : LM_ENOMEM;
    if (!rc) rc = adjusted_cox(c, x, tm, ev, st, bv, who);
    if (!rc) rc = landmark(c, x, tm, ev, st, bv, who);
    if (!rc) rc = iptw(c, x, tm, ev, st, who);
    free(st);
    free(x);
    free(tm);
    free(bv);
    free(ev);
    free(who);
    return rc ? lm_err_set(err, rc, NULL, 0, 0, "out of memory") : 0;
}
