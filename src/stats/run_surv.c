/* SPDX-License-Identifier: MIT */
/* Survival (RFS, OS) against baseline alpha diversity and arm: Cox models, Kaplan-Meier at
 * years 1, 2, 3 and 5, log-rank tests; and the HBsAg endpoint rates per arm and week. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "run_internal.h"

static const double km_months[] = {12, 24, 36, 60};
enum { NKM = 4 };

typedef struct surv_set {
    size_t n;
    double *time, *alpha;
    int *event, *arm; /* arm: index in the cohort's arm list, -1 missing */
} surv_set_t;

/* Subjects with the endpoint's time and event and a baseline (week 0) value of metric j. */
static void collect(const run_ctx_t *c, int os, size_t j, surv_set_t *s)
{
    s->n = 0;
    const lm_matrix_t *a = c->alpha;
    for (size_t i = 0; i < a->nrow; i++) {
        const lm_sample_t *sm = alpha_sample(c, i);
        if (sm->week != 0) continue;
        const lm_subject_t *sj = lm_cohort_subject(c->co, sm->subject);
        double t = os ? sj->os_months : sj->rfs_months;
        int e = os ? sj->os_event : sj->rfs_event;
        double v = a->v[i * a->ncol + j];
        if (isnan(t) || e < 0 || isnan(v)) continue;
        /* one baseline sample per subject: the first in alpha.tsv */
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++) {
            const lm_sample_t *o = alpha_sample(c, k);
            seen = o->week == 0 && o->subject == sm->subject;
        }
        if (seen) continue;
        s->time[s->n] = t;
        s->event[s->n] = e;
        s->alpha[s->n] = v;
        s->arm[s->n] = -1;
        for (size_t k = 0; sj->arm && k < lm_cohort_n_arms(c->co); k++)
            if (!strcmp(lm_cohort_arm(c->co, k), sj->arm)) s->arm[s->n] = (int)k;
        s->n++;
    }
}

/* Every subject with the endpoint's time and event, microbiome or not: the overall and
 * by-arm curves are the trial's own RFS/OS figures. alpha is left NaN. */
static void collect_all(const run_ctx_t *c, int os, surv_set_t *s)
{
    s->n = 0;
    for (size_t i = 0; i < lm_cohort_n_subjects(c->co); i++) {
        const lm_subject_t *sj = lm_cohort_subject(c->co, i);
        double t = os ? sj->os_months : sj->rfs_months;
        int e = os ? sj->os_event : sj->rfs_event;
        if (isnan(t) || e < 0) continue;
        s->time[s->n] = t;
        s->event[s->n] = e;
        s->alpha[s->n] = NAN;
        s->arm[s->n] = -1;
        for (size_t k = 0; sj->arm && k < lm_cohort_n_arms(c->co); k++)
            if (!strcmp(lm_cohort_arm(c->co, k), sj->arm)) s->arm[s->n] = (int)k;
        s->n++;
    }
}

static int cox_models(run_ctx_t *c, const char *analysis, const char *metric, surv_set_t *s,
                      double *x)
{
    size_t n = s->n, narm = lm_cohort_n_arms(c->co);
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++) m += s->alpha[i];
    m /= n ? (double)n : 1;
    for (size_t i = 0; i < n; i++) v += (s->alpha[i] - m) * (s->alpha[i] - m);
    double sd = n > 1 ? sqrt(v / (double)(n - 1)) : 0;
    char xname[160], model[192], fam[64];
    snprintf(xname, sizeof(xname), "%s_per_sd", metric);
    int rc = 0;
    for (int with_arm = 0; with_arm < 2 && !rc; with_arm++) {
        snprintf(model, sizeof(model), "%s%s", metric, with_arm ? " + arm" : "");
        snprintf(fam, sizeof(fam), "%s %s", analysis, with_arm ? "adjusted" : "crude");
        if (with_arm && narm < 2)
            return tidy_skip(&c->out[OUT_SKIP], analysis, xname, model, NULL, 0,
                             "a single arm: arm cannot be a covariate");
        if (!(sd > 0)) {
            rc = tidy_skip(&c->out[OUT_SKIP], analysis, xname, model, NULL, 0,
                           "Cox model undefined: the covariate is constant");
            continue;
        }
        if (with_arm && narm > LM_COX_MAXP)
            return tidy_skip(&c->out[OUT_SKIP], analysis, xname, model, NULL, 0,
                             "too many arms for the Cox model");
        /* covariates: alpha per SD, then one indicator per non-reference arm */
        int p = with_arm ? (int)narm : 1;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (with_arm && s->arm[i] < 0) continue;
            x[k * p] = s->alpha[i] / sd;
            for (int a = 1; a < p; a++) x[k * p + a] = s->arm[i] == a;
            s->time[n + k] = s->time[i]; /* compacted copies beyond n */
            s->event[n + k] = s->event[i];
            k++;
        }
        lm_cox_t r;
        lm_err_t e;
        lm_err_clear(&e);
        int st = lm_stat_cox(s->time + n, s->event + n, x, k, p, &r, &e);
        if (st == LM_EFORMAT) {
            rc = tidy_skip(&c->out[OUT_SKIP], analysis, xname, model, NULL, 0, e.msg);
            continue;
        }
        if (st) return st;
        for (int a = 0; a < p && !rc; a++) {
            char an[160];
            if (a) snprintf(an, sizeof(an), "arm:%s", lm_cohort_arm(c->co, (size_t)a));
            rc = tidy_add(&c->out[OUT_COX], analysis, a ? an : xname, model, NULL, 0, (long)k,
                          r.hr[a], r.hr_low[a], r.hr_high[a], r.z[a], r.p_wald[a], a ? NULL : fam);
        }
        if (!rc)
            rc = tidy_add(&c->out[OUT_COX], analysis, "likelihood_ratio", model, NULL, 0, (long)k,
                          NAN, NAN, NAN, r.lr_chisq, r.lr_p, NULL);
    }
    return rc;
}

/* KM at years 1, 2, 3, 5 for the subjects whose label is `level` (or all if lab NULL). */
static int km_rows(run_ctx_t *c, const char *analysis, const char *by, const char *level,
                   const surv_set_t *s, const int *lab, int want)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!lab || lab[i] == want) {
            s->time[s->n + n] = s->time[i];
            s->event[s->n + n] = s->event[i];
            n++;
        }
    lm_err_t e;
    lm_err_clear(&e);
    lm_km_t *km = n ? lm_km_create(s->time + s->n, s->event + s->n, n, &e) : NULL;
    if (!km) {
        if (n && e.code != LM_EFORMAT) return e.code;
        return tidy_skip(&c->out[OUT_SKIP], analysis, "all times", by, level, WEEK_NA,
                         n ? e.msg : "no subjects");
    }
    int rc = 0;
    for (int k = 0; k < NKM && !rc; k++) {
        char x[32];
        snprintf(x, sizeof(x), "month_%g", km_months[k]);
        lm_km_point_t pt;
        /* past the last follow-up summary.survfit reports nothing: NA here */
        int past = lm_km_at(km, km_months[k], &pt) == LM_EOF;
        rc = tidy_add(&c->out[OUT_KM], analysis, x, by, level, WEEK_NA, past ? 0 : (long)pt.n_risk,
                      pt.surv, pt.lower, pt.upper, NAN, NAN, NULL);
    }
    lm_km_destroy(km);
    return rc;
}

static int logrank_row(run_ctx_t *c, const char *analysis, const char *by, const char *levels,
                       const surv_set_t *s, const int *lab)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (lab[i] >= 0) {
            s->time[s->n + n] = s->time[i];
            s->event[s->n + n] = s->event[i];
            s->arm[s->n + n] = lab[i];
            n++;
        }
    lm_logrank_t r;
    lm_err_t e;
    lm_err_clear(&e);
    int st = lm_stat_logrank(s->time + s->n, s->event + s->n, s->arm + s->n, n, &r, &e);
    if (st == LM_EFORMAT)
        return tidy_skip(&c->out[OUT_SKIP], analysis, by, NULL, levels, WEEK_NA, e.msg);
    if (st) return st;
    return tidy_add(&c->out[OUT_LOGRANK], analysis, by, NULL, levels, WEEK_NA, (long)n, NAN, NAN,
                    NAN, r.chisq, r.p, analysis);
}

static int endpoint(run_ctx_t *c, int os, surv_set_t *s, double *x, int *lab)
{
    const char *ep = os ? "os" : "rfs";
    const lm_matrix_t *a = c->alpha;
    size_t narm = lm_cohort_n_arms(c->co);
    char an[32];
    int rc = 0;
    collect_all(c, os, s);
    snprintf(an, sizeof(an), "km_%s", ep);
    rc = km_rows(c, an, "all", "all", s, NULL, 0);
    for (size_t k = 0; k < narm && !rc; k++)
        rc = km_rows(c, an, "arm", lm_cohort_arm(c->co, k), s, s->arm, (int)k);
    if (!rc && narm >= 2) {
        char lv[256] = "";
        for (size_t k = 0; k < narm; k++)
            snprintf(lv + strlen(lv), sizeof(lv) - strlen(lv), "%s%s", k ? " vs " : "",
                     lm_cohort_arm(c->co, k));
        snprintf(an, sizeof(an), "logrank_%s", ep);
        for (size_t i = 0; i < s->n; i++) lab[i] = s->arm[i];
        rc = logrank_row(c, an, "arm", lv, s, lab);
    }
    for (size_t j = 0; j < a->ncol && !rc; j++) {
        collect(c, os, j, s);
        const char *metric = a->col_id[j];
        snprintf(an, sizeof(an), "cox_%s", ep);
        rc = cox_models(c, an, metric, s, x);
        if (rc) break;
        /* split at the median of baseline diversity: above vs at or below */
        double *v = malloc((s->n + 1) * sizeof(*v));
        if (!v) return LM_ENOMEM;
        memcpy(v, s->alpha, s->n * sizeof(*v));
        gsl_sort(v, 1, s->n);
        double med = s->n == 0 ? NAN : gsl_stats_median_from_sorted_data(v, 1, s->n);
        free(v);
        for (size_t i = 0; i < s->n; i++) lab[i] = s->alpha[i] > med;
        char by[160];
        snprintf(by, sizeof(by), "%s_median", metric);
        snprintf(an, sizeof(an), "km_%s", ep);
        if (!rc) rc = km_rows(c, an, by, "above", s, lab, 1);
        if (!rc) rc = km_rows(c, an, by, "at_or_below", s, lab, 0);
        snprintf(an, sizeof(an), "logrank_%s", ep);
        if (!rc) rc = logrank_row(c, an, by, "above vs at_or_below", s, lab);
    }
    return rc;
}

int run_survival(run_ctx_t *c, lm_err_t *err)
{
    size_t cap = 2 * (c->alpha->nrow + lm_cohort_n_subjects(c->co) + 1);
    surv_set_t s = {0};
    s.time = malloc(cap * sizeof(double));
    s.alpha = malloc(cap * sizeof(double));
    s.event = malloc(cap * sizeof(int));
    s.arm = malloc(cap * sizeof(int));
    double *x = malloc(cap * LM_COX_MAXP * sizeof(double));
    int *lab = malloc(cap * sizeof(int));
    int rc = s.time && s.alpha && s.event && s.arm && x && lab ? 0 : LM_ENOMEM;
    for (int os = 0; os < 2 && !rc; os++) rc = endpoint(c, os, &s, x, lab);
    free(s.time);
    free(s.alpha);
    free(s.event);
    free(s.arm);
    free(x);
    free(lab);
    return rc ? lm_err_set(err, rc, NULL, 0, 0, "out of memory") : 0;
}

int run_endpoints(run_ctx_t *c, lm_err_t *err)
{
    size_t narm = lm_cohort_n_arms(c->co);
    static const char *const name[] = {"hbsag_loss", "hbsag_seroconversion"};
    int rc = 0;
    for (int e = 0; e < 2 && !rc; e++)
        for (size_t w = 0; w < sizeof(lm_visit_weeks) / sizeof(*lm_visit_weeks) && !rc; w++)
            for (size_t k = 0; k <= narm && !rc; k++) {
                const char *arm = k < narm ? lm_cohort_arm(c->co, k) : NULL;
                size_t hit, n;
                double lo, hi;
                lm_cohort_endpoint_rate(c->co, arm, lm_visit_weeks[w], e, &hit, &n, &lo, &hi);
                if (n == 0) continue;
                rc = tidy_add(&c->out[OUT_ENDPOINTS], name[e], NULL, NULL, arm ? arm : "all",
                              lm_visit_weeks[w], (long)n, (double)hit / (double)n, lo, hi,
                              (double)hit, NAN, NULL);
            }
    return rc ? lm_err_set(err, rc, NULL, 0, 0, "out of memory") : 0;
}
