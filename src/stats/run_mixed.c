/* SPDX-License-Identifier: MIT */
/* mixed_models.tsv: one linear mixed model per response (log10 HBsAg, log10 of each
 * cytokine, the Th1/Th2 score difference, each alpha metric), response ~ arm * week +
 * covariates + (1 | subject) by REML, as lme4::lmer + lmerTest (Satterthwaite). The
 * design follows R's model.matrix: intercept, arm indicators (first sorted arm is the
 * reference), week indicators (first week is the reference) or week as a number, the
 * covariates, then the arm:week interactions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"
#include "stats_internal.h"

enum { MAXEX = 2 }; /* extra per-observation fixed effects (the genus models' clinical ones) */

typedef struct obs {
    size_t subj;
    int week;
    double y;
    double ex[MAXEX];
} obs_t;

/* What a family of models shares: the extra columns, where rows go, the BH family. */
typedef struct spec {
    int nex;
    const char *exname[MAXEX];
    const char *analysis; /* "mixed_model" or "genus_model" */
    int table;            /* OUT_MIXED or OUT_GENUS */
    const char *family;   /* BH family over all models' terms, or NULL: one per response */
} spec_t;

typedef struct obs_list {
    obs_t *v;
    size_t n, cap;
} obs_list_t;

static int obs_add(obs_list_t *l, size_t subj, int week, double y, const double *ex, int nex)
{
    if (isnan(y)) return 0;
    for (int k = 0; k < nex; k++)
        if (isnan(ex[k])) return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        obs_t *v = realloc(l->v, cap * sizeof(*v));
        if (!v) return LM_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    obs_t *o = &l->v[l->n++];
    *o = (obs_t){subj, week, y, {0}};
    for (int k = 0; k < nex; k++) o->ex[k] = ex[k];
    return 0;
}

enum { NAME = 96 };

typedef struct design {
    size_t n;
    int p;
    double *x, *y, *slope;
    int *grp;
    char (*name)[NAME];
    const char **nameptr;
} design_t;

static void design_free(design_t *d)
{
    free(d->x);
    free(d->y);
    free(d->slope);
    free(d->grp);
    free(d->name);
    free(d->nameptr);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The design of one model over the observations whose subject has an arm and every
 * covariate. Returns 0, LM_ENOMEM, or 1 when nothing is left (why in *why). */
static int build(const run_ctx_t *c, const spec_t *sp, const obs_list_t *ol, design_t *d,
                 const char **why)
{
    const lm_cohort_t *co = c->co;
    const covars_t *cv = &c->cov;
    memset(d, 0, sizeof(*d));
    size_t na = lm_cohort_n_arms(co), nw = 0;
    int *weeks = malloc((ol->n + 1) * sizeof(int));
    char *arm_used = calloc(na + 1, 1);
    double *crow = malloc(((size_t)cv->ncols + 1) * sizeof(double));
    obs_t *keep = malloc((ol->n + 1) * sizeof(obs_t));
    int *armidx = malloc((ol->n + 1) * sizeof(int));
    int rc = weeks && arm_used && crow && keep && armidx ? 0 : LM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; !rc && i < ol->n; i++) {
        const lm_subject_t *s = lm_cohort_subject(co, ol->v[i].subj);
        if (!s->arm || covars_row(co, cv, ol->v[i].subj, crow)) continue;
        size_t a = 0;
        while (a < na && strcmp(lm_cohort_arm(co, a), s->arm)) a++;
        arm_used[a] = 1;
        armidx[n] = (int)a;
        keep[n++] = ol->v[i];
        weeks[nw++] = ol->v[i].week;
    }
    qsort(weeks, nw, sizeof(int), cmp_int);
    size_t u = 0;
    for (size_t i = 0; i < nw; i++)
        if (!u || weeks[u - 1] != weeks[i]) weeks[u++] = weeks[i];
    nw = u;
    /* arm levels present, in sorted order; the first is the reference */
    int alev[64], nal = 0, amap[64];
    for (size_t a = 0; a < na && a < 64; a++) {
        amap[a] = -1;
        if (arm_used[a]) {
            amap[a] = nal;
            alev[nal++] = (int)a;
        }
    }
    if (!rc && (n == 0 || nal < 2 || nw < 2)) {
        *why = n == 0    ? "no observation with an arm and every covariate"
               : nal < 2 ? "one arm only"
                         : "one week only";
        rc = 1;
    }
    int numeric = c->opt->week_numeric;
    int nwc = numeric ? 1 : (int)nw - 1, narmc = nal - 1;
    int p = 1 + narmc + nwc + cv->ncols + sp->nex + narmc * nwc;
    if (!rc && p > LM_LMM_MAXP) {
        *why = "more than 64 fixed-effect columns";
        rc = 1;
    }
    if (!rc) {
        d->n = n;
        d->p = p;
        d->x = calloc(n * (size_t)p + 1, sizeof(double));
        d->y = malloc((n + 1) * sizeof(double));
        d->slope = malloc((n + 1) * sizeof(double));
        d->grp = malloc((n + 1) * sizeof(int));
        d->name = calloc((size_t)p, sizeof(*d->name));
        d->nameptr = calloc((size_t)p, sizeof(*d->nameptr));
        if (!d->x || !d->y || !d->slope || !d->grp || !d->name || !d->nameptr) rc = LM_ENOMEM;
    }
    if (!rc) {
        int j = 0;
        snprintf(d->name[j++], NAME, "(Intercept)");
        for (int a = 1; a < nal; a++)
            snprintf(d->name[j++], NAME, "arm%s", lm_cohort_arm(co, (size_t)alev[a]));
        if (numeric)
            snprintf(d->name[j++], NAME, "week");
        else
            for (size_t w = 1; w < nw; w++) snprintf(d->name[j++], NAME, "week%d", weeks[w]);
        for (int k = 0; k < cv->ncols; k++) covars_name(cv, k, d->name[j++], NAME);
        for (int k = 0; k < sp->nex; k++) snprintf(d->name[j++], NAME, "%s", sp->exname[k]);
        for (int w = 0; w < nwc; w++)
            for (int a = 1; a < nal; a++)
                snprintf(d->name[j++], NAME, "%s:%s", d->name[a], d->name[1 + narmc + w]);
        for (int k = 0; k < p; k++) d->nameptr[k] = d->name[k];
        for (size_t i = 0; i < n; i++) {
            double *xi = d->x + i * (size_t)p;
            int ai = amap[armidx[i]], wi = -1;
            for (size_t w = 0; w < nw; w++)
                if (weeks[w] == keep[i].week) wi = (int)w;
            xi[0] = 1;
            if (ai > 0) xi[ai] = 1;
            double *wcol = xi + 1 + narmc;
            if (numeric)
                wcol[0] = keep[i].week;
            else if (wi > 0)
                wcol[wi - 1] = 1;
            covars_row(co, cv, keep[i].subj, xi + 1 + narmc + nwc);
            for (int k = 0; k < sp->nex; k++) xi[1 + narmc + nwc + cv->ncols + k] = keep[i].ex[k];
            double *ix = xi + 1 + narmc + nwc + cv->ncols + sp->nex;
            for (int w = 0; w < nwc; w++)
                for (int a = 1; a < nal; a++) ix[w * narmc + a - 1] = xi[a] * wcol[w];
            d->y[i] = keep[i].y;
            d->slope[i] = keep[i].week;
            d->grp[i] = (int)keep[i].subj;
        }
    }
    free(weeks);
    free(arm_used);
    free(crow);
    free(keep);
    free(armidx);
    return rc;
}

static void formula(const run_ctx_t *c, const spec_t *sp, const char *resp, char *buf, size_t len)
{
    int o =
        snprintf(buf, len, "%s ~ arm * %s", resp, c->opt->week_numeric ? "week" : "factor(week)");
    for (size_t k = 0; k < c->cov.n && o > 0 && (size_t)o < len; k++)
        o += snprintf(buf + o, len - (size_t)o, " + %s", c->cov.v[k].name);
    for (int k = 0; k < sp->nex && o > 0 && (size_t)o < len; k++)
        o += snprintf(buf + o, len - (size_t)o, " + %s", sp->exname[k]);
    if (o > 0 && (size_t)o < len)
        snprintf(buf + o, len - (size_t)o, " + (%s | subject)",
                 c->opt->random_slope ? "1 + week" : "1");
}

static int fit_one(run_ctx_t *c, const spec_t *sp, const char *resp, const obs_list_t *ol,
                   lm_err_t *err)
{
    tidy_t *out = &c->out[sp->table], *skip = &c->out[OUT_MSKIP];
    char form[1024];
    formula(c, sp, resp, form, sizeof(form));
    design_t d;
    const char *why = NULL;
    int rc = build(c, sp, ol, &d, &why);
    if (rc == 1) {
        design_free(&d);
        return tidy_skip(skip, sp->analysis, form, resp, NULL, WEEK_NA, why) ? LM_ENOMEM : 0;
    }
    if (rc) {
        design_free(&d);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    lm_lmm_t *m = malloc(sizeof(*m));
    lm_err_t fe;
    lm_err_clear(&fe);
    rc = !m              ? LM_ENOMEM
         : c->opt->df_kr ? lm_stat_lmm_kr(d.y, d.x, d.n, d.p, d.grp,
                                          c->opt->random_slope ? d.slope : NULL, d.nameptr, m, &fe)
                         : lm_stat_lmm(d.y, d.x, d.n, d.p, d.grp,
                                       c->opt->random_slope ? d.slope : NULL, d.nameptr, m, &fe);
    if (rc == LM_ENOMEM) {
        free(m);
        design_free(&d);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (rc) {
        rc = tidy_skip(skip, sp->analysis, form, resp, NULL, WEEK_NA, fe.msg) ? LM_ENOMEM : 0;
        free(m);
        design_free(&d);
        return rc ? lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory") : 0;
    }
    char model[160];
    snprintf(model, sizeof(model), "lmer REML, %s df%s; %zu subjects",
             m->kr ? "Kenward-Roger" : "Satterthwaite", m->singular ? "; singular fit" : "",
             m->groups);
    if (m->kr) { /* the t-tests on Kenward-Roger's adjusted SE and df */
        memcpy(m->se, m->se_kr, sizeof(m->se));
        memcpy(m->t, m->t_kr, sizeof(m->t));
        memcpy(m->df, m->df_kr, sizeof(m->df));
        memcpy(m->p_t, m->p_kr, sizeof(m->p_t));
    }
    char fam[160];
    if (sp->family)
        snprintf(fam, sizeof(fam), "%s", sp->family);
    else
        snprintf(fam, sizeof(fam), "mixed:%s", resp);
    for (int j = 0; !rc && j < d.p; j++) {
        double hw = stat_t_quantile(0.975, m->df[j]) * m->se[j];
        rc = tidy_add(out, sp->analysis, d.name[j], resp, NULL, WEEK_NA, (long)d.n, m->beta[j],
                      m->beta[j] - hw, m->beta[j] + hw, m->t[j], m->p_t[j], j ? fam : NULL);
        if (!rc) rc = tidy_set_model(out, model, form, m->df[j]);
    }
    const char *vn[4] = {"var(subject)", "var(subject:week)", "cov(subject, subject:week)",
                         "var(residual)"};
    double vv[4] = {m->var_int, m->var_slope, m->cov_int_slope + 0.0, m->sigma * m->sigma};
    for (int k = 0; !rc && k < 4; k++) {
        if (m->q == 1 && (k == 1 || k == 2)) continue;
        char van[64];
        snprintf(van, sizeof(van), "%s_variance", sp->analysis);
        rc = tidy_add(out, van, vn[k], resp, NULL, WEEK_NA, (long)d.n, vv[k], NAN, NAN, NAN, NAN,
                      NULL);
        if (!rc) rc = tidy_set_model(out, model, form, NAN);
    }
    free(m);
    design_free(&d);
    return rc ? lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory") : 0;
}

/* log10 of a concentration, NaN unless positive */
static double lg(double v)
{
    return v > 0 ? log10(v) : NAN;
}

/* Per-genus models as MaAsLin2 fits them: genera in at least --min-prevalence of the
 * samples, CLR (0.5 pseudocount, over all genera of the table, as correlations.tsv) or
 * MaAsLin2's LOG (log2 relative abundance, zeros as half the genus's smallest non-zero),
 * genus ~ arm * week + covariates + log10_hbsag + th1_th2_ratio (the visit of the sample's
 * week) + (1 | subject); BH over every genus x term test (intercepts aside). */
static int genus_models(run_ctx_t *c, obs_list_t *ol, lm_err_t *err)
{
    const lm_matrix_t *t = c->taxa;
    if (!t || !t->nrow || !t->ncol) return 0;
    const spec_t sp = {
        2, {"log10_hbsag", "th1_th2_ratio"}, "genus_model", OUT_GENUS, "genus_models"};
    double *val = malloc(t->nrow * t->ncol * sizeof(double) + 1);
    long *samp = malloc((t->ncol + 1) * sizeof(long));
    int rc = val && samp ? 0 : LM_ENOMEM;
    if (!rc && c->opt->genus_log) {
        /* relative abundance per sample, then log2 with zeros as half the genus minimum */
        for (size_t j = 0; j < t->ncol; j++) {
            double tot = 0;
            for (size_t i = 0; i < t->nrow; i++) tot += t->v[i * t->ncol + j];
            for (size_t i = 0; i < t->nrow; i++)
                val[i * t->ncol + j] = tot > 0 ? t->v[i * t->ncol + j] / tot : 0;
        }
        for (size_t i = 0; i < t->nrow; i++) {
            double mn = HUGE_VAL, *r = val + i * t->ncol;
            for (size_t j = 0; j < t->ncol; j++)
                if (r[j] > 0 && r[j] < mn) mn = r[j];
            for (size_t j = 0; j < t->ncol; j++) r[j] = log2(r[j] > 0 ? r[j] : mn / 2);
        }
    } else if (!rc) {
        clr_table(t, val);
    }
    for (size_t j = 0; !rc && j < t->ncol; j++)
        samp[j] = lm_cohort_find_sample(c->co, t->col_id[j]);
    for (size_t g = 0; !rc && g < t->nrow; g++) {
        size_t present = 0;
        for (size_t j = 0; j < t->ncol; j++) present += t->v[g * t->ncol + j] > 0;
        if (present == 0 || (double)present < c->opt->min_prevalence * (double)t->ncol) continue;
        ol->n = 0;
        for (size_t j = 0; !rc && j < t->ncol; j++) {
            if (samp[j] < 0) continue;
            const lm_sample_t *sm = lm_cohort_sample(c->co, (size_t)samp[j]);
            const lm_visit_t *v = lm_cohort_visit_at(c->co, sm->subject, sm->week);
            double ex[2] = {v ? v->log10_hbsag : NAN, v ? v->th1_th2 : NAN};
            if (obs_add(ol, sm->subject, sm->week, val[g * t->ncol + j], ex, 2)) rc = LM_ENOMEM;
        }
        if (!rc) rc = fit_one(c, &sp, t->row_id[g], ol, err);
    }
    free(val);
    free(samp);
    return rc;
}

int run_mixed_models(run_ctx_t *c, lm_err_t *err)
{
    const lm_cohort_t *co = c->co;
    static const int cyt[] = {LM_VIS_IL2,  LM_VIS_IL4,  LM_VIS_IL6,
                              LM_VIS_IL10, LM_VIS_TNFA, LM_VIS_IFNG};
    enum { NRESP = 3 + 6 };
    obs_list_t ol = {0};
    const spec_t plain = {0, {NULL, NULL}, "mixed_model", OUT_MIXED, NULL};
    int rc = 0;
    for (int r = 0; !rc && r < NRESP; r++) {
        char name[64];
        if (r == 0)
            snprintf(name, sizeof(name), "log10_hbsag");
        else if (r == 1)
            snprintf(name, sizeof(name), "th1_th2_ratio");
        else if (r == 2)
            snprintf(name, sizeof(name), "ifng_il4_ratio");
        else
            snprintf(name, sizeof(name), "log10_%s", lm_visit_var_name[cyt[r - 3]]);
        ol.n = 0;
        for (size_t i = 0; !rc && i < lm_cohort_n_visits(co); i++) {
            const lm_visit_t *v = lm_cohort_visit(co, i);
            if (lm_cohort_visit_at(co, v->subject, v->week) != v) continue; /* duplicate */
            double y = r == 0   ? v->log10_hbsag
                       : r == 1 ? v->th1_th2
                       : r == 2 ? v->ifng_il4
                                : lg(v->v[cyt[r - 3]]);
            if (obs_add(&ol, v->subject, v->week, y, NULL, 0)) rc = LM_ENOMEM;
        }
        if (rc) break;
        rc = fit_one(c, &plain, name, &ol, err);
    }
    for (size_t m = 0; !rc && m < c->alpha->ncol; m++) {
        ol.n = 0;
        for (size_t i = 0; !rc && i < c->alpha->nrow; i++) {
            const lm_sample_t *s = alpha_sample(c, i);
            if (s &&
                obs_add(&ol, s->subject, s->week, c->alpha->v[i * c->alpha->ncol + m], NULL, 0))
                rc = LM_ENOMEM;
        }
        if (!rc) rc = fit_one(c, &plain, c->alpha->col_id[m], &ol, err);
    }
    if (!rc) rc = genus_models(c, &ol, err);
    free(ol.v);
    if (rc == LM_ENOMEM) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    return rc;
}
