/* SPDX-License-Identifier: MIT */
/* Time to HBsAg loss by arm (issue #14): per subject the first visit week with HBsAg
 * < 0.05 IU/mL, censored at the last visit with a known HBsAg (lm_cohort_hbsag_loss_time);
 * Kaplan-Meier per arm at weeks 24, 48 and 96 (survfit; estimate = probability of still
 * being HBsAg-positive), the log-rank test (survdiff) and the Cox model on arm (coxph,
 * Efron) in survival_adjusted.tsv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"

static const double km_weeks[] = {24, 48, 96};
enum { NKMW = 3 };

static int arm_of(const lm_cohort_t *co, size_t s)
{
    const char *a = lm_cohort_subject(co, s)->arm;
    for (size_t k = 0; a && k < lm_cohort_n_arms(co); k++)
        if (!strcmp(lm_cohort_arm(co, k), a)) return (int)k;
    return -1;
}

static const char form_loss[] = "Surv(weeks_to_hbsag_loss, hbsag_loss) ~ arm";

static int km_arm(run_ctx_t *c, const double *t, const int *e, const int *arm, size_t n, int k,
                  double *bt, int *be)
{
    tidy_t *out = &c->out[OUT_SURVADJ];
    const char *an = lm_cohort_arm(c->co, (size_t)k);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (arm[i] == k) {
            bt[m] = t[i];
            be[m++] = e[i];
        }
    lm_err_t err;
    lm_err_clear(&err);
    lm_km_t *km = m ? lm_km_create(bt, be, m, &err) : NULL;
    if (!km) {
        if (m && err.code != LM_EFORMAT) return err.code;
        return tidy_skip(&c->out[OUT_MSKIP], "hbsag_loss_km", form_loss, NULL, an, WEEK_NA,
                         m ? err.msg : "no subjects");
    }
    int rc = 0;
    for (int w = 0; w < NKMW && !rc; w++) {
        char x[32];
        snprintf(x, sizeof(x), "week_%g", km_weeks[w]);
        lm_km_point_t pt;
        int past = lm_km_at(km, km_weeks[w], &pt) == LM_EOF;
        rc = tidy_add(out, "hbsag_loss_km", x, "arm", an, (int)km_weeks[w],
                      past ? 0 : (long)pt.n_risk, pt.surv, pt.lower, pt.upper, NAN, NAN, NULL);
        if (!rc)
            rc = tidy_set_model(out, "survfit Kaplan-Meier, Greenwood, log CI", form_loss, NAN);
    }
    lm_km_destroy(km);
    return rc;
}

int run_hbsag_loss(run_ctx_t *c, lm_err_t *err)
{
    const lm_cohort_t *co = c->co;
    size_t ns = lm_cohort_n_subjects(co), na = lm_cohort_n_arms(co);
    double *t = malloc((2 * ns + 1) * sizeof(double)), *x = malloc((ns + 1) * sizeof(double));
    int *e = malloc((2 * ns + 1) * sizeof(int)), *arm = malloc((ns + 1) * sizeof(int));
    int rc = t && x && e && arm ? 0 : LM_ENOMEM;
    size_t n = 0;
    for (size_t s = 0; s < ns && !rc; s++) {
        int a = arm_of(co, s);
        if (a < 0 || lm_cohort_hbsag_loss_time(co, s, &t[n], &e[n])) continue;
        arm[n++] = a;
    }
    for (int k = 0; k < (int)na && !rc; k++) rc = km_arm(c, t, e, arm, n, k, t + ns, e + ns);
    if (!rc && na >= 2) {
        char lv[256] = "";
        for (size_t k = 0; k < na; k++)
            snprintf(lv + strlen(lv), sizeof(lv) - strlen(lv), "%s%s", k ? " vs " : "",
                     lm_cohort_arm(co, k));
        lm_logrank_t lr;
        lm_err_t le;
        lm_err_clear(&le);
        int st = lm_stat_logrank(t, e, arm, n, &lr, &le);
        if (st == LM_EFORMAT)
            rc = tidy_skip(&c->out[OUT_MSKIP], "hbsag_loss_logrank", form_loss, NULL, lv, WEEK_NA,
                           le.msg);
        else if (st)
            rc = st;
        else {
            rc = tidy_add(&c->out[OUT_SURVADJ], "hbsag_loss_logrank", "arm", NULL, lv, WEEK_NA,
                          (long)n, NAN, NAN, NAN, lr.chisq, lr.p, NULL);
            if (!rc)
                rc = tidy_set_model(&c->out[OUT_SURVADJ], "survdiff", form_loss, lr.groups - 1);
        }
    }
    if (!rc && na == 2) {
        for (size_t i = 0; i < n; i++) x[i] = arm[i];
        lm_cox_t r;
        lm_err_t ce;
        lm_err_clear(&ce);
        int st = lm_stat_cox(t, e, x, n, 1, &r, &ce);
        char term[128];
        snprintf(term, sizeof(term), "arm%s", lm_cohort_arm(co, 1));
        if (st == LM_EFORMAT)
            rc = tidy_skip(&c->out[OUT_MSKIP], "hbsag_loss_cox", form_loss, term, NULL, WEEK_NA,
                           ce.msg);
        else if (st)
            rc = st;
        else {
            rc = tidy_add(&c->out[OUT_SURVADJ], "hbsag_loss_cox", term, "arm", NULL, WEEK_NA,
                          (long)n, r.hr[0], r.hr_low[0], r.hr_high[0], r.z[0], r.p_wald[0], NULL);
            if (!rc) rc = tidy_set_model(&c->out[OUT_SURVADJ], "coxph Efron", form_loss, NAN);
        }
    }
    free(t);
    free(x);
    free(e);
    free(arm);
    return rc ? lm_err_set(err, rc, NULL, 0, 0, "out of memory") : 0;
}

/* The derived variables of issue #14 per subject and week, for the statistician's own
 * models: cytokines_derived.tsv. */
void write_derived(const lm_cohort_t *co, FILE *f)
{
    static const int cyt[] = {LM_VIS_IL2,  LM_VIS_IL4,  LM_VIS_IL6,
                              LM_VIS_IL10, LM_VIS_TNFA, LM_VIS_IFNG};
    fputs("subject-id\tarm\tweek", f);
    for (int k = 0; k < 6; k++) fprintf(f, "\tlog10_%s", lm_visit_var_name[cyt[k]]);
    fputs("\tth1_score\tth2_score\tth1_th2_ratio\tifng_il4_ratio\thbsag_change\tbelow_lod\n", f);
    for (size_t i = 0; i < lm_cohort_n_visits(co); i++) {
        const lm_visit_t *v = lm_cohort_visit(co, i);
        const lm_subject_t *s = lm_cohort_subject(co, v->subject);
        if (lm_cohort_visit_at(co, v->subject, v->week) != v) continue; /* duplicates */
        fprintf(f, "%s\t%s\t%d", s->id, s->arm ? s->arm : "NA", v->week);
        double d[11];
        for (int k = 0; k < 6; k++) d[k] = v->v[cyt[k]] > 0 ? log10(v->v[cyt[k]]) : NAN;
        d[6] = v->th1;
        d[7] = v->th2;
        d[8] = v->th1_th2;
        d[9] = v->ifng_il4;
        d[10] = v->hbsag_change;
        for (int k = 0; k < 11; k++)
            if (isnan(d[k]))
                fputs("\tNA", f);
            else
                fprintf(f, "\t%.15g", d[k]);
        int any = 0;
        fputc('\t', f);
        for (int k = 0; k < LM_VIS_NVARS; k++)
            if (v->below_lod & (1u << k))
                fprintf(f, "%s%s", any++ ? "," : "", lm_visit_var_name[k]);
        fputs(any ? "\n" : "NA\n", f);
    }
}

/* Time to HBsAg loss per subject: hbsag_loss_time.tsv. */
void write_loss_time(const lm_cohort_t *co, FILE *f)
{
    fputs("subject-id\tarm\tweeks_to_hbsag_loss\thbsag_loss\n", f);
    for (size_t s = 0; s < lm_cohort_n_subjects(co); s++) {
        const lm_subject_t *sj = lm_cohort_subject(co, s);
        double t;
        int e;
        if (lm_cohort_hbsag_loss_time(co, s, &t, &e)) continue;
        fprintf(f, "%s\t%s\t%g\t%d\n", sj->id, sj->arm ? sj->arm : "NA", t, e);
    }
}
