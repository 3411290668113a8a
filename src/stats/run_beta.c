/* SPDX-License-Identifier: MIT */
/* PERMANOVA of each beta-diversity matrix by arm (per week; with --site permuted within
 * sites), by week and by HBsAg loss (within subject: strata, since a subject's samples are
 * not independent). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"

enum { BY_ARM, BY_WEEK, BY_LOSS };

/* One test on the samples of m that select() admits, with group labels; each test draws
 * from its own stream (seed, test number), so tests do not share random numbers. */
static int one(run_ctx_t *c, const lm_matrix_t *m, const char *metric, int by, int week,
               uint64_t stream, lm_err_t *err)
{
    size_t n = m->nrow, k = 0;
    size_t *idx = malloc((n + 1) * sizeof(*idx));
    int *g = malloc((n + 1) * sizeof(*g)), *st = malloc((n + 1) * sizeof(*st));
    double *sub = NULL;
    int rc = idx && g && st ? 0 : LM_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        const lm_sample_t *s =
            lm_cohort_sample(c->co, (size_t)lm_cohort_find_sample(c->co, m->row_id[i]));
        int label = 0;
        int site = covars_stratum(c->co, &c->cov, s->subject);
        if (by == BY_ARM) {
            if (s->week != week || !s->arm || site < 0) continue;
            size_t a = 0;
            while (strcmp(lm_cohort_arm(c->co, a), s->arm)) a++;
            label = (int)a;
        } else if (by == BY_WEEK) {
            label = s->week;
        } else {
            const lm_visit_t *v = lm_cohort_visit_at(c->co, s->subject, s->week);
            if (!v || v->hbsag_loss < 0) continue;
            label = v->hbsag_loss;
        }
        idx[k] = i;
        g[k] = label;
        st[k++] = by == BY_ARM ? site : (int)s->subject;
    }
    if (!rc && !(sub = malloc((k * k + 1) * sizeof(*sub)))) rc = LM_ENOMEM;
    for (size_t i = 0; !rc && i < k; i++)
        for (size_t j = 0; j < k; j++) sub[i * k + j] = m->v[idx[i] * n + idx[j]];
    static const char *const yname[] = {"arm", "week", "hbsag_loss"};
    char sname[96] = "strata=subject";
    int bysite = by == BY_ARM && c->cov.site_cols;
    if (bysite) snprintf(sname, sizeof(sname), "strata=%s", c->cov.v[c->cov.n - 1].name);
    const char *strata = by == BY_ARM && !bysite ? NULL : sname;
    int wk = by == BY_ARM ? week : WEEK_NA;
    if (!rc) {
        lm_permanova_opt_t po;
        lm_permanova_opt_init(&po);
        po.permutations = c->opt->permutations;
        po.seed = c->opt->seed;
        po.stream = stream;
        lm_permanova_t r;
        lm_err_t e;
        lm_err_clear(&e);
        /* By arm within a week each subject has one sample, so no strata are needed
         * (with --site: labels move only within a site, as adonis2(strata = site)); by
         * week or loss, labels move only within a subject. */
        int s = lm_stat_permanova(sub, k, g, by == BY_ARM && !bysite ? NULL : st, &po, &r, &e);
        if (s == 0)
            rc = tidy_add(&c->out[OUT_PERMANOVA], "permanova", metric, yname[by], strata, wk,
                          (long)k, r.r2, NAN, NAN, r.F, r.p, "permanova");
        else if (s == LM_EFORMAT)
            rc = tidy_skip(&c->out[OUT_SKIP], "permanova", metric, yname[by], strata, wk, e.msg);
        else
            rc = s;
    }
    free(idx);
    free(g);
    free(st);
    free(sub);
    return rc ? lm_err_set(err, rc, NULL, 0, 0, "out of memory") : 0;
}

int run_permanova(run_ctx_t *c, lm_err_t *err)
{
    uint64_t stream = 0;
    int rc = 0;
    for (int d = 0; d < c->ndist && !rc; d++) {
        const lm_matrix_t *m = c->dist[d];
        for (size_t w = 0; w < sizeof(lm_stool_weeks) / sizeof(*lm_stool_weeks) && !rc; w++)
            rc = one(c, m, c->dist_name[d], BY_ARM, lm_stool_weeks[w], stream++, err);
        if (!rc) rc = one(c, m, c->dist_name[d], BY_WEEK, 0, stream++, err);
        if (!rc) rc = one(c, m, c->dist_name[d], BY_LOSS, 0, stream++, err);
    }
    return rc;
}
