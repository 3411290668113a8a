/* SPDX-License-Identifier: MIT */
/* A test-only driver that runs one lm_stat_* function on a whitespace-separated numeric
 * table and prints the results with full precision, so that tests/e2e/test_stats_oracle.sh
 * can hold them against R and scipy. Not installed.
 *
 *   stats_driver spearman FILE       columns x y            -> rho p
 *   stats_driver mannwhitney FILE    columns value group01  -> U p exact
 *   stats_driver wilcoxon FILE       columns x y            -> T p exact
 *   stats_driver kruskal FILE        columns value group    -> H p
 *   stats_driver bh FILE             column p (NaN allowed) -> q per line
 *   stats_driver cox FILE            columns time event x1 [x2 ...] -> coef se z p per
 *                                    covariate, then "lr" chisq p
 *   stats_driver coxw FILE [robust]  columns time event weight x1 [x2 ...] -> coef se
 *                                    se_naive z p per covariate (se robust with "robust")
 *   stats_driver logit FILE          columns y01 x1 [x2 ...] (x1: the intercept column) ->
 *                                    coef se z p per column
 *   stats_driver km FILE [T ...]     columns time event     -> one line per distinct time
 *                                    (time n_risk n_event surv se_log lower upper), then
 *                                    "at" lines for each T
 *   stats_driver logrank FILE        columns time event group -> chisq p
 *   stats_driver lmm FILE [slope]    columns y group slope x1 [x2 ...] -> per coefficient
 *                                    beta se df t p, then "vc" sigma var_int var_slope cov
 *                                    singular, "theta" and "reml" lines (slope: random
 *                                    slope on the third column)
 *   stats_driver permanova DIST GROUPS PERMS SEED  DIST square matrix; GROUPS columns
 *                                    group [stratum]         -> F R2 p
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lumen/stats.h"

typedef struct {
    size_t rows, cols;
    double *v;
} tab_t;

static int read_tab(const char *path, tab_t *t)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[65536];
    size_t cap = 0;
    t->rows = t->cols = 0;
    t->v = NULL;
    while (fgets(line, sizeof(line), f)) {
        size_t c = 0;
        for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
            if (t->rows * t->cols + c + 1 > cap) {
                cap = cap ? 2 * cap : 1024;
                t->v = realloc(t->v, cap * sizeof(double));
            }
            t->v[t->rows * (t->cols ? t->cols : 0) + c++] = strtod(tok, NULL);
        }
        if (c == 0) continue;
        if (t->cols == 0) t->cols = c;
        if (c != t->cols) {
            fclose(f);
            return -1;
        }
        t->rows++;
    }
    fclose(f);
    return t->rows ? 0 : -1;
}

static double col(const tab_t *t, size_t r, size_t c)
{
    return t->v[r * t->cols + c];
}

static int fail(const lm_err_t *e)
{
    fprintf(stderr, "stats_driver: error: %s\n", e->msg);
    return 65;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: stats_driver TEST FILE [args]\n");
        return 64;
    }
    const char *what = argv[1];
    tab_t t;
    if (read_tab(argv[2], &t)) {
        fprintf(stderr, "stats_driver: cannot read %s\n", argv[2]);
        return 66;
    }
    size_t n = t.rows;
    double *a = calloc(n * (t.cols + 1), sizeof(double));
    double *b = a + n;
    int *g = calloc(n, sizeof(int)), *ev = calloc(n, sizeof(int));
    lm_err_t err;
    lm_err_clear(&err);
    lm_stat_test_t r;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = col(&t, i, 0);
        if (t.cols > 1) {
            b[i] = col(&t, i, 1);
            g[i] = (int)b[i];
            ev[i] = (int)b[i];
        }
    }
    if (!strcmp(what, "spearman")) {
        if (!(rc = lm_stat_spearman(a, b, n, &r, &err))) printf("%.17g %.17g\n", r.statistic, r.p);
    } else if (!strcmp(what, "wilcoxon")) {
        if (!(rc = lm_stat_wilcoxon(a, b, n, &r, &err)))
            printf("%.17g %.17g %d\n", r.statistic, r.p, r.exact);
    } else if (!strcmp(what, "mannwhitney")) {
        double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
        size_t nx = 0, ny = 0;
        for (size_t i = 0; i < n; i++) {
            if (g[i] == 0)
                x[nx++] = a[i];
            else
                y[ny++] = a[i];
        }
        if (!(rc = lm_stat_mannwhitney(x, nx, y, ny, &r, &err)))
            printf("%.17g %.17g %d\n", r.statistic, r.p, r.exact);
        free(x);
        free(y);
    } else if (!strcmp(what, "kruskal")) {
        if (!(rc = lm_stat_kruskal(a, g, n, &r, &err))) printf("%.17g %.17g\n", r.statistic, r.p);
    } else if (!strcmp(what, "bh")) {
        if (!(rc = lm_stat_padjust_bh(a, n, b)))
            for (size_t i = 0; i < n; i++) printf("%.17g\n", b[i]);
    } else if (!strcmp(what, "cox")) {
        int p = (int)t.cols - 2;
        double *x = malloc(n * (size_t)(p > 0 ? p : 1) * sizeof(double));
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < p; k++) x[i * p + k] = col(&t, i, 2 + k);
        lm_cox_t c;
        if (!(rc = lm_stat_cox(a, ev, x, n, p, &c, &err))) {
            for (int k = 0; k < p; k++)
                printf("%.17g %.17g %.17g %.17g\n", c.coef[k], c.se[k], c.z[k], c.p_wald[k]);
            printf("lr %.17g %.17g\n", c.lr_chisq, c.lr_p);
        }
        free(x);
    } else if (!strcmp(what, "coxw")) {
        int p = (int)t.cols - 3;
        double *x = malloc(n * (size_t)(p > 0 ? p : 1) * sizeof(double));
        double *w = malloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            w[i] = col(&t, i, 2);
            for (int k = 0; k < p; k++) x[i * p + k] = col(&t, i, 3 + k);
        }
        int robust = argc > 3 && !strcmp(argv[3], "robust");
        lm_cox_t c;
        if (!(rc = lm_stat_cox_weighted(a, ev, x, w, n, p, robust, &c, &err)))
            for (int k = 0; k < p; k++)
                printf("%.17g %.17g %.17g %.17g %.17g\n", c.coef[k], c.se[k], c.se_naive[k], c.z[k],
                       c.p_wald[k]);
        free(x);
        free(w);
    } else if (!strcmp(what, "logit")) {
        int p = (int)t.cols - 1;
        double *x = malloc(n * (size_t)(p > 0 ? p : 1) * sizeof(double));
        int *yy = malloc(n * sizeof(int));
        const char *names[LM_LOGIT_MAXP] = {0};
        for (int k = 0; k < p && k < LM_LOGIT_MAXP; k++) names[k] = "x";
        for (size_t i = 0; i < n; i++) {
            yy[i] = (int)col(&t, i, 0);
            for (int k = 0; k < p; k++) x[i * p + k] = col(&t, i, 1 + k);
        }
        lm_logit_t lr;
        if (!(rc = lm_stat_logit(yy, x, n, p, names, &lr, NULL, &err)))
            for (int k = 0; k < p; k++)
                printf("%.17g %.17g %.17g %.17g\n", lr.coef[k], lr.se[k], lr.z[k], lr.p_wald[k]);
        free(x);
        free(yy);
    } else if (!strcmp(what, "lmm")) {
        int p = (int)t.cols - 3;
        double *x = malloc(n * (size_t)(p > 0 ? p : 1) * sizeof(double));
        double *y = malloc(n * sizeof(double)), *sl = malloc(n * sizeof(double));
        int *gr = malloc(n * sizeof(int));
        const char *names[LM_LMM_MAXP];
        char nbuf[LM_LMM_MAXP][16];
        for (int k = 0; k < p && k < LM_LMM_MAXP; k++) {
            snprintf(nbuf[k], sizeof(nbuf[k]), "x%d", k + 1);
            names[k] = nbuf[k];
        }
        for (size_t i = 0; i < n; i++) {
            y[i] = col(&t, i, 0);
            gr[i] = (int)col(&t, i, 1);
            sl[i] = col(&t, i, 2);
            for (int k = 0; k < p; k++) x[i * p + k] = col(&t, i, 3 + k);
        }
        lm_lmm_t *m = malloc(sizeof(*m));
        int slope = argc > 3 && !strcmp(argv[3], "slope");
        if (!(rc = lm_stat_lmm(y, x, n, p, gr, slope ? sl : NULL, names, m, &err))) {
            for (int k = 0; k < p; k++)
                printf("%.17g %.17g %.17g %.17g %.17g\n", m->beta[k], m->se[k], m->df[k], m->t[k],
                       m->p_t[k]);
            printf("vc %.17g %.17g %.17g %.17g %d\n", m->sigma, m->var_int, m->var_slope,
                   m->cov_int_slope, m->singular);
            printf("theta %.17g %.17g %.17g\nreml %.17g\nevals %d\n", m->theta[0], m->theta[1],
                   m->theta[2], m->reml, m->nevals);
        }
        free(m);
        free(x);
        free(y);
        free(sl);
        free(gr);
    } else if (!strcmp(what, "km")) {
        lm_km_t *km = lm_km_create(a, ev, n, &err);
        if (!km) {
            rc = err.code;
        } else {
            for (size_t i = 0; i < lm_km_size(km); i++) {
                const lm_km_point_t *p = lm_km_point(km, i);
                printf("%.17g %zu %zu %.17g %.17g %.17g %.17g\n", p->time, p->n_risk, p->n_event,
                       p->surv, p->se_log, p->lower, p->upper);
            }
            for (int k = 3; k < argc; k++) {
                lm_km_point_t p;
                if (lm_km_at(km, atof(argv[k]), &p) == 0)
                    printf("at %.17g %zu %.17g %.17g %.17g\n", p.time, p.n_risk, p.surv, p.lower,
                           p.upper);
            }
            lm_km_destroy(km);
        }
    } else if (!strcmp(what, "logrank")) {
        for (size_t i = 0; i < n; i++) g[i] = (int)col(&t, i, 2);
        lm_logrank_t lr;
        if (!(rc = lm_stat_logrank(a, ev, g, n, &lr, &err)))
            printf("%.17g %.17g\n", lr.chisq, lr.p);
    } else if (!strcmp(what, "permanova") && argc == 6) {
        tab_t gt;
        if (read_tab(argv[3], &gt) || gt.rows != n || t.cols != n) {
            fprintf(stderr, "stats_driver: bad groups or matrix\n");
            return 65;
        }
        int *grp = malloc(n * sizeof(int)), *st = malloc(n * sizeof(int));
        for (size_t i = 0; i < n; i++) {
            grp[i] = (int)col(&gt, i, 0);
            st[i] = gt.cols > 1 ? (int)col(&gt, i, 1) : 0;
        }
        lm_permanova_opt_t o;
        lm_permanova_opt_init(&o);
        o.permutations = atoi(argv[4]);
        o.seed = strtoull(argv[5], NULL, 10);
        lm_permanova_t pm;
        if (!(rc = lm_stat_permanova(t.v, n, grp, gt.cols > 1 ? st : NULL, &o, &pm, &err)))
            printf("%.17g %.17g %.17g\n", pm.F, pm.r2, pm.p);
        free(grp);
        free(st);
        free(gt.v);
    } else {
        fprintf(stderr, "stats_driver: unknown test %s\n", what);
        rc = LM_EUSAGE;
    }
    free(a);
    free(g);
    free(ev);
    free(t.v);
    return rc ? fail(&err) : 0;
}
