/* SPDX-License-Identifier: MIT */
/* The cohort object: loading (read.c reads the tables), derived endpoints, accessors. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort_internal.h"

const char *const lm_visit_var_name[LM_VIS_NVARS] = {
    "hbsag_iu_ml", "anti_hbs_miu_ml", "hbv_dna_iu_ml", "hbeag", "il2", "il4", "il6", "il10", "tnfa",
    "ifng"};
const int lm_stool_weeks[3] = {0, 24, 48};
const int lm_visit_weeks[14] = {0, 12, 24, 36, 48, 60, 72, 96, 120, 144, 168, 192, 216, 240};

int lm_cohort_add_check(lm_cohort_t *c, const char *kind, const char *file, uint64_t line,
                        const char *id, const char *fmt, ...)
{
    if (c->nchk == c->capchk) {
        size_t cap = c->capchk ? 2 * c->capchk : 32;
        lm_cohort_check_t *n = realloc(c->chk, cap * sizeof(*n));
        if (!n) return LM_ENOMEM;
        c->chk = n;
        c->capchk = cap;
    }
    lm_cohort_check_t *k = &c->chk[c->nchk++];
    k->kind = kind;
    k->file = file;
    k->line = line;
    snprintf(k->id, sizeof(k->id), "%s", id ? id : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->msg, sizeof(k->msg), fmt, ap);
    va_end(ap);
    return 0;
}

const lm_visit_t *lm_cohort_visit_at(const lm_cohort_t *c, size_t subject, int week)
{
    for (size_t i = 0; i < c->nvis; i++)
        if (c->vis[i].subject == subject && c->vis[i].week == week) return &c->vis[i];
    return NULL;
}

/* log10 of a concentration; NaN unless positive */
static double lg(double v)
{
    return v > 0 ? log10(v) : NAN;
}

/* Derived endpoints (DESIGN.md): log10 HBsAg, loss, seroconversion, decline; the Th1/Th2
 * scores (issue #14). */
static void derive(lm_cohort_t *c)
{
    for (size_t i = 0; i < c->nvis; i++) {
        lm_visit_t *v = &c->vis[i];
        double h = v->v[LM_VIS_HBSAG], a = v->v[LM_VIS_ANTI_HBS];
        v->log10_hbsag = h > 0 ? log10(h) : NAN;
        v->hbsag_loss = isnan(h) ? -1 : h < LM_HBSAG_LOSS;
        v->seroconversion = v->hbsag_loss == 0  ? 0
                            : v->hbsag_loss < 0 ? -1
                            : isnan(a)          ? -1
                                                : a >= LM_ANTI_HBS_SEROCONV;
    }
    for (size_t i = 0; i < c->nvis; i++) {
        lm_visit_t *v = &c->vis[i];
        const lm_visit_t *b = lm_cohort_visit_at(c, v->subject, 0);
        v->hbsag_decline = b ? b->log10_hbsag - v->log10_hbsag : NAN;
        v->hbsag_change = -v->hbsag_decline + 0.0;
        v->th1 = (lg(v->v[LM_VIS_IL2]) + lg(v->v[LM_VIS_IFNG]) + lg(v->v[LM_VIS_TNFA])) / 3;
        v->th2 = (lg(v->v[LM_VIS_IL4]) + lg(v->v[LM_VIS_IL6]) + lg(v->v[LM_VIS_IL10])) / 3;
        v->th1_th2 = v->th1 - v->th2;
        v->ifng_il4 = lg(v->v[LM_VIS_IFNG]) - lg(v->v[LM_VIS_IL4]);
    }
}

int lm_cohort_hbsag_loss_time(const lm_cohort_t *c, size_t s, double *weeks, int *event)
{
    int first_loss = -1, last = -1;
    for (size_t i = 0; i < c->nvis; i++) {
        const lm_visit_t *v = &c->vis[i];
        if (v->subject != s || v->hbsag_loss < 0) continue;
        if (v->week > last) last = v->week;
        if (v->hbsag_loss == 1 && (first_loss < 0 || v->week < first_loss)) first_loss = v->week;
    }
    if (last < 0) return -1;
    *event = first_loss >= 0;
    *weeks = first_loss >= 0 ? first_loss : last;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int collect_arms(lm_cohort_t *c)
{
    c->arms = malloc((c->nsubj + 1) * sizeof(*c->arms));
    if (!c->arms) return LM_ENOMEM;
    for (size_t i = 0; i < c->nsubj; i++) {
        const char *a = c->subj[i].arm;
        if (!a) continue;
        size_t k = 0;
        while (k < c->narms && strcmp(c->arms[k], a)) k++;
        if (k == c->narms) c->arms[c->narms++] = a;
    }
    qsort(c->arms, c->narms, sizeof(*c->arms), cmp_str);
    return 0;
}

lm_cohort_t *lm_cohort_load(const char *metadata, const char *subjects, const char *visits,
                            lm_err_t *err)
{
    lm_cohort_t *c = calloc(1, sizeof(*c));
    if (!c) {
        lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    int rc = read_subjects(c, subjects, err);
    if (!rc) rc = read_metadata(c, metadata, err);
    if (!rc) rc = read_visits(c, visits, err);
    if (!rc && collect_arms(c)) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t s = 0; !rc && s < c->nsubj; s++) {
        size_t k = 0;
        while (k < c->nsamp && c->samp[k].subject != s) k++;
        if (k == c->nsamp &&
            lm_cohort_add_check(c, "subject_without_samples", "subjects.tsv", c->subj[s].line,
                                c->subj[s].id, "no stool sample in metadata"))
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (rc) {
        lm_cohort_destroy(c);
        return NULL;
    }
    derive(c);
    return c;
}

void lm_cohort_destroy(lm_cohort_t *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nsubj; i++) {
        free(c->subj[i].id);
        free(c->subj[i].arm);
        free(c->subj[i].sex);
        free(c->subj[i].na_drug);
        free(c->subj[i].cnlc_stage);
    }
    for (size_t i = 0; i < c->nsamp; i++) free(c->samp[i].id);
    free(c->subj);
    free(c->samp);
    free(c->vis);
    free(c->arms);
    free(c->chk);
    free(c->scol);
    free(c->scell);
    free(c->sbuf);
    free(c);
}

long lm_cohort_subject_column(const lm_cohort_t *c, const char *name)
{
    for (size_t k = 0; k < c->nscol; k++)
        if (!strcmp(c->scol[k], name)) return (long)k;
    return -1;
}

const char *lm_cohort_subject_cell(const lm_cohort_t *c, size_t i, long col)
{
    if (col < 0 || (size_t)col >= c->nscol || i >= c->nsubj) return NULL;
    return c->scell[i * c->nscol + (size_t)col];
}

size_t lm_cohort_n_subjects(const lm_cohort_t *c)
{
    return c->nsubj;
}
const lm_subject_t *lm_cohort_subject(const lm_cohort_t *c, size_t i)
{
    return &c->subj[i];
}
size_t lm_cohort_n_samples(const lm_cohort_t *c)
{
    return c->nsamp;
}
const lm_sample_t *lm_cohort_sample(const lm_cohort_t *c, size_t i)
{
    return &c->samp[i];
}
size_t lm_cohort_n_visits(const lm_cohort_t *c)
{
    return c->nvis;
}
const lm_visit_t *lm_cohort_visit(const lm_cohort_t *c, size_t i)
{
    return &c->vis[i];
}
size_t lm_cohort_n_arms(const lm_cohort_t *c)
{
    return c->narms;
}
const char *lm_cohort_arm(const lm_cohort_t *c, size_t i)
{
    return c->arms[i];
}
size_t lm_cohort_n_checks(const lm_cohort_t *c)
{
    return c->nchk;
}
const lm_cohort_check_t *lm_cohort_check(const lm_cohort_t *c, size_t i)
{
    return &c->chk[i];
}

long lm_cohort_find_sample(const lm_cohort_t *c, const char *id)
{
    for (size_t i = 0; i < c->nsamp; i++)
        if (strcmp(c->samp[i].id, id) == 0) return (long)i;
    return -1;
}
