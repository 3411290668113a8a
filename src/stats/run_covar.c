/* SPDX-License-Identifier: MIT */
/* --covariates: columns of subjects.tsv turned into design columns as R's model.matrix
 * does with treatment contrasts (a number stays one column; a category becomes one
 * indicator per level after the first, levels in byte order as R's sort() in the C
 * locale). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"

static int is_number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && !*end && errno != ERANGE && isfinite(*v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int add_one(const lm_cohort_t *co, const char *name, int site, const char *file,
                   covars_t *cv, lm_err_t *err)
{
    const char *opt = site ? "--site" : "--covariates";
    long col = lm_cohort_subject_column(co, name);
    if (col < 0 && site) /* a data problem: the cohort has no such column */
        return lm_err_set(err, LM_EFORMAT, file, 1, 0,
                          "--site: no column '%s' in the header of the subjects table", name);
    if (col < 0)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                          "--covariates: subjects.tsv has no column '%s'", name);
    if (!strcmp(name, "subject-id") || !strcmp(name, "arm"))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                          "%s: '%s' cannot be a covariate (the models have it already)", opt, name);
    for (size_t k = 0; k < cv->n; k++)
        if (!strcmp(cv->v[k].name, name))
            return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                              site ? "--site: '%s' is one of the --covariates too"
                                   : "--covariates: '%s' named twice",
                              name);
    covar_t *c = &cv->v[cv->n];
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->col = col;
    size_t ns = lm_cohort_n_subjects(co);
    if (!(c->lev = calloc(ns + 1, sizeof(*c->lev))))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    cv->n++;
    c->site = site;
    c->numeric = !site; /* a site is a label even when written as a number */
    double v;
    for (size_t i = 0; i < ns && c->numeric; i++) {
        const char *s = lm_cohort_subject_cell(co, i, col);
        if (s && !is_number(s, &v)) c->numeric = 0;
    }
    if (c->numeric) {
        c->ncols = 1;
        return 0;
    }
    for (size_t i = 0; i < ns; i++) {
        const char *s = lm_cohort_subject_cell(co, i, col);
        if (s) c->lev[c->nlev++] = s;
    }
    qsort(c->lev, c->nlev, sizeof(*c->lev), cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < c->nlev; i++)
        if (!u || strcmp(c->lev[u - 1], c->lev[i])) c->lev[u++] = c->lev[i];
    c->nlev = u;
    if (u < 2)
        return lm_err_set(err, LM_EFORMAT, site ? file : NULL, 0, 0,
                          "%s: column '%s' of subjects.tsv has %s level%s: nothing to "
                          "adjust for",
                          opt, name, u ? "a single" : "no", u ? "" : "s");
    c->ncols = (int)u - 1;
    return 0;
}

int covars_parse(const lm_cohort_t *co, const char *list, covars_t *cv, lm_err_t *err)
{
    memset(cv, 0, sizeof(*cv));
    if (!list || !*list) return 0;
    size_t cap = 2; /* and one for --site */
    for (const char *p = list; *p; p++) cap += *p == ',';
    if (!(cv->v = calloc(cap, sizeof(*cv->v))))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    const char *p = list;
    while (1) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char name[64];
        if (l == 0 || l >= sizeof(name))
            return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                              "--covariates: '%s' is not a comma-separated list of columns", list);
        memcpy(name, p, l);
        name[l] = 0;
        int rc = add_one(co, name, 0, NULL, cv, err);
        if (rc) return rc;
        cv->ncols += cv->v[cv->n - 1].ncols;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

int covars_site(const lm_cohort_t *co, const char *name, const char *file, covars_t *cv,
                lm_err_t *err)
{
    if (!name) return 0;
    if (!cv->v && !(cv->v = calloc(1, sizeof(*cv->v))))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = add_one(co, name, 1, file, cv, err);
    if (rc) return rc;
    cv->site_cols = cv->v[cv->n - 1].ncols;
    cv->ncols += cv->site_cols;
    return 0;
}

int covars_stratum(const lm_cohort_t *co, const covars_t *cv, size_t s)
{
    if (!cv->site_cols) return 0;
    const covar_t *c = &cv->v[cv->n - 1];
    const char *cell = lm_cohort_subject_cell(co, s, c->col);
    for (size_t l = 0; cell && l < c->nlev; l++)
        if (!strcmp(cell, c->lev[l])) return (int)l;
    return -1;
}

static int row(const lm_cohort_t *co, const covars_t *cv, size_t s, double *out, int site)
{
    int j = 0;
    for (size_t k = 0; k < cv->n; k++) {
        const covar_t *c = &cv->v[k];
        const char *cell = lm_cohort_subject_cell(co, s, c->col);
        if (!cell) return 1;
        if (c->site && !site) continue;
        if (c->numeric) {
            out[j++] = strtod(cell, NULL);
            continue;
        }
        for (size_t l = 1; l < c->nlev; l++) out[j++] = !strcmp(cell, c->lev[l]);
    }
    return 0;
}

int covars_row(const lm_cohort_t *co, const covars_t *cv, size_t s, double *out)
{
    return row(co, cv, s, out, 1);
}

int covars_row_strata(const lm_cohort_t *co, const covars_t *cv, size_t s, double *out)
{
    return row(co, cv, s, out, 0);
}

void covars_formula(const covars_t *cv, int strata, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t k = 0; k < cv->n && o < len; k++)
        o += (size_t)snprintf(buf + o, len - o, cv->v[k].site && strata ? " + strata(%s)" : " + %s",
                              cv->v[k].name);
}

int covars_name(const covars_t *cv, int j, char *buf, size_t len)
{
    for (size_t k = 0; k < cv->n; k++) {
        const covar_t *c = &cv->v[k];
        if (j < c->ncols) {
            if (c->numeric) return snprintf(buf, len, "%s", c->name);
            return snprintf(buf, len, "%s%s", c->name, c->lev[j + 1]);
        }
        j -= c->ncols;
    }
    return snprintf(buf, len, "?");
}

void covars_free(covars_t *cv)
{
    for (size_t k = 0; k < cv->n; k++) free(cv->v[k].lev);
    free(cv->v);
    memset(cv, 0, sizeof(*cv));
}
