/* SPDX-License-Identifier: MIT */
/* Tidy result tables: rows kept in memory, BH per family, written in insertion order
 * (analyses run in a fixed order, so the files do not depend on threads). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"

static char *dup(const char *s, int *bad)
{
    if (!s) return NULL;
    size_t l = strlen(s) + 1;
    char *d = malloc(l);
    if (!d) {
        *bad = 1;
        return NULL;
    }
    memcpy(d, s, l);
    return d;
}

static tidy_row_t *grow(tidy_t *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        tidy_row_t *r = realloc(t->r, cap * sizeof(*r));
        if (!r) return NULL;
        t->r = r;
        t->cap = cap;
    }
    tidy_row_t *r = &t->r[t->n];
    memset(r, 0, sizeof(*r));
    return r;
}

int tidy_add(tidy_t *t, const char *analysis, const char *x, const char *y, const char *group,
             int week, long n, double est, double lo, double hi, double stat, double p,
             const char *family)
{
    tidy_row_t *r = grow(t);
    if (!r) return LM_ENOMEM;
    int bad = 0;
    r->analysis = dup(analysis, &bad);
    r->x = dup(x, &bad);
    r->y = dup(y, &bad);
    r->group = dup(group, &bad);
    r->family = dup(family, &bad);
    r->week = week;
    r->n = n;
    r->est = est;
    r->lo = lo;
    r->hi = hi;
    r->stat = stat;
    r->p = p;
    r->q = NAN;
    r->df = NAN;
    t->n++;
    return bad ? LM_ENOMEM : 0;
}

int tidy_set_model(tidy_t *t, const char *model, const char *formula, double df)
{
    tidy_row_t *r = &t->r[t->n - 1];
    int bad = 0;
    r->model = dup(model, &bad);
    r->formula = dup(formula, &bad);
    r->df = df;
    return bad ? LM_ENOMEM : 0;
}

int tidy_skip(tidy_t *t, const char *analysis, const char *x, const char *y, const char *group,
              int week, const char *why)
{
    int rc = tidy_add(t, analysis, x, y, group, week, -1, NAN, NAN, NAN, NAN, NAN, NULL);
    int bad = 0;
    if (!rc) t->r[t->n - 1].note = dup(why, &bad);
    return rc ? rc : bad ? LM_ENOMEM : 0;
}

int tidy_adjust(tidy_t *t)
{
    double *p = malloc((t->n + 1) * sizeof(*p));
    size_t *idx = malloc((t->n + 1) * sizeof(*idx));
    char *done = calloc(t->n + 1, 1);
    int rc = p && idx && done ? 0 : LM_ENOMEM;
    for (size_t i = 0; !rc && i < t->n; i++) {
        if (done[i] || !t->r[i].family) continue;
        size_t m = 0;
        for (size_t j = i; j < t->n; j++)
            if (!done[j] && t->r[j].family && !strcmp(t->r[j].family, t->r[i].family)) {
                done[j] = 1;
                idx[m] = j;
                p[m++] = t->r[j].p;
            }
        if ((rc = lm_stat_padjust_bh(p, m, p))) break;
        for (size_t k = 0; k < m; k++) t->r[idx[k]].q = p[k];
    }
    free(p);
    free(idx);
    free(done);
    return rc;
}

static void put_s(FILE *f, const char *s)
{
    fputs(s ? s : "NA", f);
}

/* 15 significant digits: enough for every comparison the tests make, short enough to
 * read. */
static void put_d(FILE *f, double v)
{
    if (isnan(v))
        fputs("\tNA", f);
    else if (isinf(v))
        fputs(v > 0 ? "\tInf" : "\t-Inf", f);
    else
        fprintf(f, "\t%.15g", v);
}

static void put_head(const tidy_row_t *r, FILE *f)
{
    put_s(f, r->analysis);
    fputc('\t', f);
    put_s(f, r->x);
    fputc('\t', f);
    put_s(f, r->y);
    fputc('\t', f);
    put_s(f, r->group);
    if (r->week == WEEK_NA)
        fputs("\tNA", f);
    else
        fprintf(f, "\t%d", r->week);
}

void tidy_write(const tidy_t *t, FILE *f)
{
    fputs("analysis\tx\ty\tgroup\tweek\tn\testimate\tci_low\tci_high\tstatistic\tp\tq", f);
    fputs(t->ext ? "\tmodel\tformula\tdf\n" : "\n", f);
    for (size_t i = 0; i < t->n; i++) {
        const tidy_row_t *r = &t->r[i];
        put_head(r, f);
        if (r->n < 0)
            fputs("\tNA", f);
        else
            fprintf(f, "\t%ld", r->n);
        put_d(f, r->est);
        put_d(f, r->lo);
        put_d(f, r->hi);
        put_d(f, r->stat);
        put_d(f, r->p);
        put_d(f, r->q);
        if (t->ext) {
            fputc('\t', f);
            put_s(f, r->model);
            fputc('\t', f);
            put_s(f, r->formula);
            put_d(f, r->df);
        }
        fputc('\n', f);
    }
}

void tidy_write_skipped(const tidy_t *t, FILE *f)
{
    fputs("analysis\tx\ty\tgroup\tweek\treason\n", f);
    for (size_t i = 0; i < t->n; i++) {
        put_head(&t->r[i], f);
        fputc('\t', f);
        put_s(f, t->r[i].note);
        fputc('\n', f);
    }
}

void tidy_free(tidy_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        tidy_row_t *r = &t->r[i];
        free(r->analysis);
        free(r->x);
        free(r->y);
        free(r->group);
        free(r->family);
        free(r->note);
        free(r->model);
        free(r->formula);
    }
    free(t->r);
    t->r = NULL;
    t->n = t->cap = 0;
}
