/* SPDX-License-Identifier: MIT */
/* The models of lumen stats (issue 14) as tables: mixed models of the clinical course,
 * the strongest per-genus associations, and the adjusted and weighted survival models.
 * Each table links to the TSV that holds every row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

enum { TOP_GENUS = 15 };

typedef struct cols {
    int x, y, n, est, lo, hi, df, p, q, model;
} cols_t;

static cols_t columns(const rtsv_t *t)
{
    return (cols_t){rtsv_colidx(t, "x"),        rtsv_colidx(t, "y"),      rtsv_colidx(t, "n"),
                    rtsv_colidx(t, "estimate"), rtsv_colidx(t, "ci_low"), rtsv_colidx(t, "ci_high"),
                    rtsv_colidx(t, "df"),       rtsv_colidx(t, "p"),      rtsv_colidx(t, "q"),
                    rtsv_colidx(t, "model")};
}

static void row(rctx_t *c, const rtsv_t *t, size_t i, const cols_t *k, int genus)
{
    char name[512];
    const char *y = rtsv_get(t, i, k->y);
    if (genus) {
        taxon_name(y, name, sizeof(name));
        y = name;
    }
    rb_put(c->b, "<tr>");
    td_text(c, y);
    td_text(c, rtsv_get(t, i, k->x));
    td_num(c, rtsv_num(t, i, k->n), 10);
    td_num(c, rtsv_num(t, i, k->est), 3);
    td_num(c, rtsv_num(t, i, k->lo), 3);
    td_num(c, rtsv_num(t, i, k->hi), 3);
    td_num(c, rtsv_num(t, i, k->df), 3);
    td_num(c, rtsv_num(t, i, k->p), 3);
    td_num(c, rtsv_num(t, i, k->q), 3);
    rb_put(c->b, "</tr>\n");
}

static const char *const head[] = {"response", "term", "n", "estimate", "CI low",
                                   "CI high",  "df",   "p", "q (BH)"};

static void mixed(rctx_t *c)
{
    rtsv_t *t = rtsv_or_note(c, "stats/mixed_models.tsv", "the mixed-model table is left out.");
    if (!t) return;
    cols_t k = columns(t);
    /* lumen stats --df kr: the t-tests are Kenward-Roger's (the model column says so) */
    int kr = t->nrow && k.model >= 0 && strstr(rtsv_get(t, 0, k.model), "Kenward-Roger");
    table_begin(c,
                kr ? "Linear mixed models of the clinical course (lme4 lmer, REML; Kenward-Roger "
                     "SE and df as lmerTest with pbkrtest): each response ~ arm * week (+ "
                     "covariates) + (1 | subject). The intercepts are in the file."
                   : "Linear mixed models of the clinical course (lme4 lmer, REML; Satterthwaite "
                     "df as lmerTest): each response ~ arm * week (+ covariates) + (1 | "
                     "subject). The intercepts are in the file.",
                head, 9, "stats/mixed_models.tsv");
    for (size_t i = 0; i < t->nrow; i++)
        if (strcmp(rtsv_get(t, i, k.x), "(Intercept)") != 0) row(c, t, i, &k, 0);
    table_end(c);
    rtsv_free(t);
}

static const rtsv_t *sort_t;
static int sort_q;

static int by_q(const void *a, const void *b)
{
    double x = rtsv_num(sort_t, *(const size_t *)a, sort_q);
    double y = rtsv_num(sort_t, *(const size_t *)b, sort_q);
    if (isnan(x) != isnan(y)) return isnan(x) ? 1 : -1;
    if (x < y) return -1;
    if (x > y) return 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1; /* file order on ties */
}

static void genus(rctx_t *c)
{
    rtsv_t *t =
        rtsv_or_note(c, "stats/genus_models.tsv", "the per-genus associations are left out.");
    if (!t) return;
    cols_t k = columns(t);
    size_t *idx = malloc((t->nrow ? t->nrow : 1) * sizeof(*idx)), n = 0;
    for (size_t i = 0; idx && i < t->nrow; i++)
        if (strcmp(rtsv_get(t, i, k.x), "(Intercept)") != 0) idx[n++] = i;
    sort_t = t;
    sort_q = k.q;
    if (idx) qsort(idx, n, sizeof(*idx), by_q);
    static const char *const ghead[] = {"genus",   "term", "n", "estimate", "CI low",
                                        "CI high", "df",   "p", "q (BH)"};
    table_begin(c,
                "The strongest per-genus associations (MaAsLin2-style mixed models of each "
                "genus's CLR abundance; BH over every genus and term), by q. Every model is in "
                "the file.",
                ghead, 9, "stats/genus_models.tsv");
    for (size_t j = 0; j < n && j < TOP_GENUS; j++) row(c, t, idx[j], &k, 1);
    table_end(c);
    free(idx);
    rtsv_free(t);
}

static void survival(rctx_t *c)
{
    rtsv_t *t = rtsv_or_note(c, "stats/survival_adjusted.tsv",
                             "the adjusted survival models are left out.");
    if (!t) return;
    cols_t k = columns(t);
    int ca = rtsv_colidx(t, "analysis");
    static const char *const shead[] = {"model",   "term", "n", "hazard ratio", "CI low",
                                        "CI high", "df",   "p", "q (BH)"};
    table_begin(c,
                "Adjusted survival: multivariable Cox (Efron ties) and the inverse-probability-"
                "weighted Cox with robust standard errors (coxph weights, robust = TRUE).",
                shead, 9, "stats/survival_adjusted.tsv");
    for (size_t i = 0; i < t->nrow; i++) {
        rb_put(c->b, "<tr>");
        td_text(c, rtsv_get(t, i, ca));
        td_text(c, rtsv_get(t, i, k.x));
        td_num(c, rtsv_num(t, i, k.n), 10);
        td_num(c, rtsv_num(t, i, k.est), 3);
        td_num(c, rtsv_num(t, i, k.lo), 3);
        td_num(c, rtsv_num(t, i, k.hi), 3);
        td_num(c, rtsv_num(t, i, k.df), 3);
        td_num(c, rtsv_num(t, i, k.p), 3);
        td_num(c, rtsv_num(t, i, k.q), 3);
        rb_put(c->b, "</tr>\n");
    }
    table_end(c);
    rtsv_free(t);
}

void sec_models(rctx_t *c)
{
    sub_begin(c, "Models");
    mixed(c);
    genus(c);
    survival(c);
}
