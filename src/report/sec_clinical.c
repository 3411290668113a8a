/* SPDX-License-Identifier: MIT */
/* Section "Clinical": HBsAg over time by arm with the endpoint rates, cytokines at weeks
 * 0/24/48, the heat map of Spearman correlations, Kaplan-Meier curves of RFS and OS (by
 * arm and by baseline diversity) with numbers at risk and log-rank p, and the Cox table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "report_internal.h"

static const char *arm_col(int a)
{
    return a >= 0 && a < 7 ? cat_colour((size_t)a) : "#777777";
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- HBsAg ----------------------------------------------------------------------- */

static void hbsag(rctx_t *c)
{
    rtsv_t *t = rtsv_or_note(c, "stats/visits_derived.tsv", "the HBsAg figure is left out.");
    if (!t) return;
    int ca = rtsv_colidx(t, "arm"), cw = rtsv_colidx(t, "week"), cl = rtsv_colidx(t, "log10_hbsag");
    /* the distinct weeks, sorted */
    double *wk = malloc((t->nrow + 1) * sizeof(double)),
           *v = malloc((t->nrow + 1) * sizeof(double));
    size_t nw = 0, na = ctx_n_arms(c);
    if (!wk || !v || cl < 0 || cw < 0) goto done;
    for (size_t i = 0; i < t->nrow; i++) {
        double w = rtsv_num(t, i, cw);
        if (isnan(w)) continue;
        int seen = 0;
        for (size_t k = 0; k < nw; k++) seen |= wk[k] == w;
        if (!seen) wk[nw++] = w;
    }
    qsort(wk, nw, sizeof(double), cmpd);
    double mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < t->nrow; i++) {
        double x = rtsv_num(t, i, cl);
        if (!isnan(x)) mn = fmin(mn, x), mx = fmax(mx, x);
    }
    if (!(mx >= mn) || !nw) {
        note(c, "No log10 HBsAg values in stats/visits_derived.tsv: figure left out.");
        goto done;
    }
    plot_t p;
    plot_init(&p, c->b, 960, 340, 70, 800, 20, 290);
    axis_fit(&p.x, 0, wk[nw - 1], 0, "week after randomisation");
    axis_fit(&p.y, mn, mx, 0, "HBsAg (log10 IU/mL)");
    char id[32];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "HBsAg over time by arm", p.w, p.h);
    plot_axes(&p);
    double loss = axis_px(&p.y, log10(LM_HBSAG_LOSS));
    if (log10(LM_HBSAG_LOSS) >= p.y.t.lo)
        rb_printf(c->b,
                  "<line x1=\"%g\" x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
                  "stroke-dasharray=\"2 3\"/><text x=\"%g\" y=\"%.1f\" class=\"tk\" "
                  "text-anchor=\"end\">loss threshold 0.05 IU/mL</text>",
                  p.l, p.r, loss, loss, p.r - 4, loss - 4);
    size_t ngrp = na ? na : 1;
    double *mx_ = malloc((nw + 1) * sizeof(double)), *q[3];
    for (int k = 0; k < 3; k++) q[k] = malloc((nw + 1) * sizeof(double));
    for (size_t a = 0; a < ngrp && mx_ && q[0] && q[1] && q[2]; a++) {
        size_t m = 0;
        for (size_t k = 0; k < nw; k++) {
            size_t nv = 0;
            for (size_t i = 0; i < t->nrow; i++) {
                double x = rtsv_num(t, i, cl);
                if (isnan(x) || rtsv_num(t, i, cw) != wk[k]) continue;
                if (na && ctx_arm_index(c, rtsv_get(t, i, ca)) != (int)a) continue;
                v[nv++] = x;
            }
            if (nv == 0) continue;
            gsl_sort(v, 1, nv);
            mx_[m] = wk[k];
            q[0][m] = gsl_stats_quantile_from_sorted_data(v, 1, nv, 0.25);
            q[1][m] = gsl_stats_median_from_sorted_data(v, 1, nv);
            q[2][m] = gsl_stats_quantile_from_sorted_data(v, 1, nv, 0.75);
            m++;
        }
        if (!m) continue;
        rb_put(c->b, "<path d=\"");
        for (size_t i = 0; i < m; i++) {
            rb_put(c->b, i ? "L" : "M");
            rb_xy(c->b, axis_px(&p.x, mx_[i]));
            rb_put(c->b, " ");
            rb_xy(c->b, axis_px(&p.y, q[2][i]));
        }
        for (size_t i = m; i-- > 0;) {
            rb_put(c->b, "L");
            rb_xy(c->b, axis_px(&p.x, mx_[i]));
            rb_put(c->b, " ");
            rb_xy(c->b, axis_px(&p.y, q[0][i]));
        }
        rb_printf(c->b, "Z\" fill=\"%s\" fill-opacity=\"0.15\"/>", arm_col(na ? (int)a : -1));
        plot_polyline(&p, mx_, q[1], m, arm_col(na ? (int)a : -1), 2.2, (int)a);
        for (size_t i = 0; i < m; i++)
            plot_point(c->b, axis_px(&p.x, mx_[i]), axis_px(&p.y, q[1][i]), (int)a,
                       arm_col(na ? (int)a : -1), 3.2);
    }
    free(mx_);
    for (int k = 0; k < 3; k++) free(q[k]);
    const char *names[8], *cols[8];
    int dash[8], shape[8];
    size_t nl = 0;
    for (; nl < na && nl < 7; nl++) {
        names[nl] = ctx_arm_name(c, nl);
        cols[nl] = arm_col((int)nl);
        dash[nl] = shape[nl] = (int)nl;
    }
    if (!na) names[0] = "all subjects", cols[0] = "#777777", dash[0] = shape[0] = 0, nl = 1;
    plot_legend(&p, 812, 40, names, cols, shape, dash, nl, "arm (median, IQR band)");
    const char *src[] = {"stats/visits_derived.tsv"};
    fig_end(c->b,
            "Median log10 HBsAg per arm and visit week, with the band from the first to "
            "the third quartile. Visits with HBsAg of 0 have no logarithm and are left out.",
            src, 1, c->link);
done:
    free(wk);
    free(v);
    rtsv_free(t);
}

/* Loss and seroconversion rates over the visit weeks, a line per arm and endpoint. */
static void rates_figure(rctx_t *c, const rtsv_t *t)
{
    static const char *const ep[2] = {"hbsag_loss", "hbsag_seroconversion"};
    int can = rtsv_colidx(t, "analysis"), cg = rtsv_colidx(t, "group"), cw = rtsv_colidx(t, "week"),
        ce = rtsv_colidx(t, "estimate");
    size_t na = ctx_n_arms(c), n = t->nrow;
    double *x = malloc((n + 1) * sizeof(double)), *y = malloc((n + 1) * sizeof(double));
    double wmax = 0, ymax = 0;
    for (size_t i = 0; i < n; i++) {
        double w = rtsv_num(t, i, cw), e = rtsv_num(t, i, ce);
        if (!isnan(w)) wmax = fmax(wmax, w);
        if (!isnan(e)) ymax = fmax(ymax, 100 * e);
    }
    if (!x || !y || !n || ce < 0) goto done;
    plot_t p;
    plot_init(&p, c->b, 960, 300, 70, 760, 20, 250);
    axis_fit(&p.x, 0, wmax > 0 ? wmax : 1, 0, "week after randomisation");
    axis_fit(&p.y, 0, ymax > 0 ? ymax : 1, 0, "subjects with the endpoint (%)");
    char id[32];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "HBsAg loss and seroconversion rates by arm", p.w, p.h);
    plot_axes(&p);
    const char *names[16], *cols[16];
    int dash[16], shape[16];
    char lab[16][160];
    size_t nl = 0, ng = na ? na : 1;
    for (int k = 0; k < 2; k++)
        for (size_t a = 0; a < ng && a < 7; a++) {
            const char *g = na ? ctx_arm_name(c, a) : "all";
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (!strcmp(rtsv_get(t, i, can), ep[k]) && !strcmp(rtsv_get(t, i, cg), g) &&
                    !isnan(rtsv_num(t, i, ce)))
                    x[m] = rtsv_num(t, i, cw), y[m] = 100 * rtsv_num(t, i, ce), m++;
            if (!m) continue;
            const char *col = arm_col(na ? (int)a : -1);
            plot_polyline(&p, x, y, m, col, 2, k ? 1 : 0);
            for (size_t i = 0; i < m; i++)
                plot_point(c->b, axis_px(&p.x, x[i]), axis_px(&p.y, y[i]), k ? 1 : 0, col, 3);
            snprintf(lab[nl], sizeof(lab[nl]), "%s: %s", g, k ? "seroconversion" : "loss");
            names[nl] = lab[nl], cols[nl] = col, dash[nl] = k, shape[nl] = k;
            nl++;
        }
    plot_legend(&p, 772, 40, names, cols, shape, dash, nl, "arm: endpoint");
    const char *src[] = {"stats/endpoints.tsv"};
    fig_end(c->b,
            "Proportion of subjects with HBsAg loss (circles, solid) and seroconversion "
            "(squares, dashed) at each visit, among those measured at that visit.",
            src, 1, c->link);
done:
    free(x);
    free(y);
}

static void endpoints(rctx_t *c)
{
    rtsv_t *t =
        rtsv_or_note(c, "stats/endpoints.tsv", "HBsAg loss and seroconversion rates are left out.");
    if (!t) return;
    rates_figure(c, t);
    static const char *const head[] = {"endpoint", "group",    "week",
                                       "k / n",    "rate (%)", "95% CI (%)"};
    table_begin(c,
                "HBsAg loss (< 0.05 IU/mL) and seroconversion (loss and anti-HBs >= 10 "
                "mIU/mL) per arm and week, with exact (Clopper-Pearson) 95% CIs.",
                head, 6, "stats/endpoints.tsv");
    int can = rtsv_colidx(t, "analysis"), cg = rtsv_colidx(t, "group"), cw = rtsv_colidx(t, "week"),
        cn = rtsv_colidx(t, "n"), ce = rtsv_colidx(t, "estimate"), cl = rtsv_colidx(t, "ci_low"),
        ch = rtsv_colidx(t, "ci_high"), cs = rtsv_colidx(t, "statistic");
    for (size_t i = 0; i < t->nrow; i++) {
        rb_put(c->b, "<tr>");
        td_text(c, rtsv_get(t, i, can));
        td_text(c, rtsv_get(t, i, cg));
        td_num(c, rtsv_num(t, i, cw), 6);
        rb_put(c->b, "<td class=\"n\">");
        rb_num(c->b, rtsv_num(t, i, cs), 10);
        rb_put(c->b, " / ");
        rb_num(c->b, rtsv_num(t, i, cn), 10);
        rb_put(c->b, "</td>");
        td_num(c, 100 * rtsv_num(t, i, ce), 3);
        rb_put(c->b, "<td class=\"n\">");
        rb_num(c->b, 100 * rtsv_num(t, i, cl), 3);
        rb_put(c->b, "\xE2\x80\x93");
        rb_num(c->b, 100 * rtsv_num(t, i, ch), 3);
        rb_put(c->b, "</td></tr>\n");
    }
    table_end(c);
    rtsv_free(t);
}

/* ---- cytokines ------------------------------------------------------------------- */

static void cytokines(rctx_t *c, const lm_cohort_t *co)
{
    static const int var[6] = {LM_VIS_IL2,  LM_VIS_IL4,  LM_VIS_IL6,
                               LM_VIS_IL10, LM_VIS_TNFA, LM_VIS_IFNG};
    static const char *const vname[6] = {"IL-2",  "IL-4",         "IL-6",
                                         "IL-10", "TNF-\xCE\xB1", "IFN-\xCE\xB3"};
    static const int weeks[3] = {0, 24, 48};
    size_t nv = lm_cohort_n_visits(co), na = lm_cohort_n_arms(co), narm = na ? na : 1;
    double *v = malloc((nv + 1) * sizeof(double)), *out = malloc((nv + 1) * sizeof(double));
    if (!v || !out) goto done;
    size_t have = 0;
    for (size_t i = 0; i < nv; i++)
        for (int k = 0; k < 6; k++) have += !isnan(lm_cohort_visit(co, i)->v[var[k]]);
    if (!have) {
        note(c, "No cytokine values in cohort/visits.tsv: the cytokine figure is left out.");
        goto done;
    }
    double W = 960, H = 600, pw = 300, ph = 230;
    char id[32];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "Cytokines at weeks 0, 24 and 48 by arm", W, H);
    for (int k = 0; k < 6; k++) {
        double ox = 10 + (k % 3) * pw, oy = (k / 3) * (ph + 50);
        double mn = INFINITY, mx = -INFINITY;
        for (size_t i = 0; i < nv; i++) {
            const lm_visit_t *vi = lm_cohort_visit(co, i);
            double x = vi->v[var[k]];
            if (x > 0 && (vi->week == 0 || vi->week == 24 || vi->week == 48))
                mn = fmin(mn, x), mx = fmax(mx, x);
        }
        plot_t p;
        plot_init(&p, c->b, W, H, ox + 60, ox + pw - 12, oy + 26, oy + ph);
        char lab[64];
        snprintf(lab, sizeof(lab), "%s (pg/mL, log scale)", vname[k]);
        axis_fit(&p.y, mx >= mn ? mn : 1, mx >= mn ? mx : 10, 1, lab);
        p.xcat = 1;
        p.x.label = "visit week";
        p.xlab_dy = 30;
        plot_axes(&p);
        rb_printf(c->b, "<text x=\"%.1f\" y=\"%.1f\" class=\"lb lgt\" text-anchor=\"middle\">",
                  (p.l + p.r) / 2, oy + 16);
        rb_esc(c->b, vname[k]);
        rb_put(c->b, "</text>");
        double slot = (p.r - p.l) / (3.0 * (double)narm);
        for (int w = 0; w < 3; w++) {
            for (size_t a = 0; a < narm; a++) {
                size_t m = 0;
                for (size_t i = 0; i < nv; i++) {
                    const lm_visit_t *vi = lm_cohort_visit(co, i);
                    if (vi->week != weeks[w] || !(vi->v[var[k]] > 0)) continue;
                    const char *arm = lm_cohort_subject(co, vi->subject)->arm;
                    if (na && (!arm || strcmp(arm, lm_cohort_arm(co, a)))) continue;
                    v[m++] = vi->v[var[k]];
                }
                lm_report_box_t box;
                if (!m || lm_report_boxstats(v, m, &box, out)) continue;
                plot_box(&p, p.l + slot * ((double)(w * (int)narm) + (double)a + 0.5),
                         fmin(slot * 0.32, 14), &box, out, arm_col(na ? (int)a : -1));
            }
            char wl[16];
            snprintf(wl, sizeof(wl), "wk %d", weeks[w]);
            plot_xcat_label(&p, p.l + slot * narm * (w + 0.5), wl, 0);
        }
    }
    const char *names[8], *cols[8];
    size_t nl = 0;
    for (; nl < na && nl < 7; nl++) names[nl] = lm_cohort_arm(co, nl), cols[nl] = arm_col((int)nl);
    if (!na) names[0] = "all subjects", cols[0] = "#777777", nl = 1;
    plot_t lp;
    plot_init(&lp, c->b, W, H, 0, W, 0, H);
    plot_legend(&lp, 20, H - 28, names, cols, NULL, NULL, nl, NULL);
    const char *src[] = {"cohort/visits.tsv", "cohort/subjects.tsv"};
    fig_end(c->b,
            "Boxplots (R's boxplot.stats; open circles are outliers) of each cytokine by "
            "visit week and arm; values of 0 or missing are left out of the log scale.",
            src, 2, c->link);
done:
    free(v);
    free(out);
}

/* ---- correlation heat map -------------------------------------------------------- */

enum { HEAT_GENERA = 20 };

typedef struct hrow {
    char *x;
    int alpha;
    double best_q;
} hrow_t;

/* Genera by their smallest q, then by name (a total order: the page never depends on
 * qsort's handling of ties). */
static int cmp_hrow(const void *a, const void *b)
{
    const hrow_t *x = a, *y = b;
    if (x->best_q != y->best_q) return x->best_q < y->best_q ? -1 : 1;
    return strcmp(x->x, y->x);
}

static void heatmap(rctx_t *c)
{
    rtsv_t *t = rtsv_or_note(c, "stats/correlations.tsv", "the correlation heat map is left out.");
    if (!t) return;
    int can = rtsv_colidx(t, "analysis"), cx = rtsv_colidx(t, "x"), cy = rtsv_colidx(t, "y"),
        cg = rtsv_colidx(t, "group"), cw = rtsv_colidx(t, "week"), ce = rtsv_colidx(t, "estimate"),
        cq = rtsv_colidx(t, "q");
    hrow_t *rows = calloc(t->nrow + 1, sizeof(*rows));
    char **cy_ = calloc(t->nrow + 1, sizeof(char *));
    double *cw_ = calloc(t->nrow + 1, sizeof(double));
    size_t nr = 0, nc = 0;
    if (!rows || !cy_ || !cw_) goto done;
    /* pooled rows only (group NA): rows are x, columns are (y, week) */
    for (size_t i = 0; i < t->nrow; i++) {
        const char *g = rtsv_get(t, i, cg);
        if (*g && strcmp(g, "NA")) continue;
        const char *x = rtsv_get(t, i, cx), *y = rtsv_get(t, i, cy);
        double w = rtsv_num(t, i, cw), q = rtsv_num(t, i, cq);
        size_t r = 0;
        while (r < nr && strcmp(rows[r].x, x)) r++;
        if (r == nr) {
            rows[nr].x = (char *)x;
            rows[nr].alpha = !strcmp(rtsv_get(t, i, can), "spearman_alpha");
            rows[nr].best_q = INFINITY;
            nr++;
        }
        if (!isnan(q) && q < rows[r].best_q) rows[r].best_q = q;
        size_t k = 0;
        while (k < nc && (strcmp(cy_[k], y) || !(cw_[k] == w || (isnan(w) && isnan(cw_[k]))))) k++;
        if (k == nc) cy_[nc] = (char *)y, cw_[nc] = w, nc++;
    }
    if (!nr || !nc) {
        note(c, "stats/correlations.tsv has no pooled correlations: heat map left out.");
        goto done;
    }
    /* alpha metrics first (in file order), then the genera with the smallest q */
    size_t nalpha = 0;
    for (size_t r = 0; r < nr; r++)
        if (rows[r].alpha) {
            hrow_t s = rows[nalpha];
            rows[nalpha++] = rows[r];
            rows[r] = s;
        }
    if (nr > nalpha) qsort(rows + nalpha, nr - nalpha, sizeof(*rows), cmp_hrow);
    size_t nshow = nr - nalpha < HEAT_GENERA ? nr : nalpha + HEAT_GENERA;
    double cwid = fmin(26, 600.0 / (double)nc), chei = 17, left = 240, top = 30;
    double W = 960, H = top + chei * (double)nshow + 130;
    char id[32], name[256], s[160];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id,
              "Spearman correlations of alpha diversity and genera with clinical "
              "variables (all arms pooled)",
              W, H);
    for (size_t r = 0; r < nshow; r++) {
        double y = top + chei * (double)r;
        if (rows[r].alpha)
            snprintf(name, sizeof(name), "%s", rows[r].x);
        else
            taxon_name(rows[r].x, name, sizeof(name));
        rb_printf(c->b, "<text x=\"%.1f\" y=\"%.1f\" class=\"tk\" text-anchor=\"end\">", left - 6,
                  y + chei * 0.7);
        rb_esc(c->b, name);
        rb_put(c->b, rows[r].alpha ? " (alpha)" : "");
        rb_put(c->b, "</text>");
    }
    for (size_t k = 0; k < nc; k++) {
        double x = left + cwid * ((double)k + 0.5), y = top + chei * (double)nshow + 6;
        if (isnan(cw_[k]))
            snprintf(s, sizeof(s), "%s", cy_[k]);
        else
            snprintf(s, sizeof(s), "%s, wk %g", cy_[k], cw_[k]);
        rb_printf(c->b,
                  "<text x=\"%.1f\" y=\"%.1f\" class=\"tk\" text-anchor=\"end\" "
                  "transform=\"rotate(-60 %.1f %.1f)\">",
                  x + 3, y, x + 3, y);
        rb_esc(c->b, s);
        rb_put(c->b, "</text>");
    }
    char col[8];
    for (size_t i = 0; i < t->nrow; i++) {
        const char *g = rtsv_get(t, i, cg);
        if (*g && strcmp(g, "NA")) continue;
        const char *x = rtsv_get(t, i, cx), *y = rtsv_get(t, i, cy);
        double w = rtsv_num(t, i, cw), rho = rtsv_num(t, i, ce), q = rtsv_num(t, i, cq);
        size_t r = 0, k = 0;
        while (r < nshow && strcmp(rows[r].x, x)) r++;
        if (r == nshow) continue;
        while (k < nc && (strcmp(cy_[k], y) || !(cw_[k] == w || (isnan(w) && isnan(cw_[k]))))) k++;
        diverging(rho, col);
        double px = left + cwid * (double)k, py = top + chei * (double)r;
        rb_put(c->b, "<rect x=\"");
        rb_xy(c->b, px);
        rb_put(c->b, "\" y=\"");
        rb_xy(c->b, py);
        rb_put(c->b, "\" width=\"");
        rb_xy(c->b, cwid - 1);
        rb_put(c->b, "\" height=\"");
        rb_xy(c->b, chei - 1);
        rb_printf(c->b, "\" fill=\"%s\"><title>", col);
        if (rows[r].alpha)
            rb_esc(c->b, x);
        else {
            taxon_name(x, name, sizeof(name));
            rb_esc(c->b, name);
        }
        rb_put(c->b, " vs ");
        rb_esc(c->b, y);
        rb_put(c->b, ": rho ");
        rb_num(c->b, rho, 3);
        rb_put(c->b, ", q ");
        rb_num(c->b, q, 3);
        rb_put(c->b, "</title></rect>");
        if (q < 0.05)
            rb_printf(c->b,
                      "<text x=\"%.1f\" y=\"%.1f\" class=\"sig\" text-anchor=\"middle\">*</text>",
                      px + cwid / 2, py + chei * 0.85);
    }
    plot_t p;
    plot_init(&p, c->b, W, H, 0, W, 0, H);
    double lx = left + cwid * (double)nc + 24;
    plot_colourbar(&p, lx, top + 16, 120, "Spearman rho");
    rb_printf(c->b, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">* q &lt; 0.05 (BH)</text>", lx,
              top + 160);
    snprintf(s, sizeof(s),
             "Rows: alpha metrics, then the %zu genera with the smallest q; columns: clinical "
             "variable and week. Spearman rho over all samples of that week; * marks q < 0.05.",
             nshow - nalpha);
    const char *src[] = {"stats/correlations.tsv"};
    fig_end(c->b, s, src, 1, c->link);
done:
    free(rows);
    free(cy_);
    free(cw_);
    rtsv_free(t);
}

/* ---- Kaplan-Meier ---------------------------------------------------------------- */

typedef struct kmset {
    size_t n;
    double *time;
    int *event, *lab; /* lab: group label, -1 left out */
} kmset_t;

static const double risk_t[] = {0, 12, 24, 36, 48, 60};
enum { NRISK = 6 };

/* Look up the log-rank p of analysis/x in stats/logrank.tsv (NaN when absent). */
static double logrank_p(const rtsv_t *lr, const char *analysis, const char *x)
{
    for (size_t i = 0; lr && i < lr->nrow; i++)
        if (!strcmp(rtsv_get(lr, i, rtsv_colidx(lr, "analysis")), analysis) &&
            !strcmp(rtsv_get(lr, i, rtsv_colidx(lr, "x")), x))
            return rtsv_num(lr, i, rtsv_colidx(lr, "p"));
    return NAN;
}

/* One KM panel with its numbers at risk below; groups 0..ng-1 named names[]. */
static void km_panel(rctx_t *c, double ox, double W, double H, const kmset_t *s, size_t ng,
                     const char *const *names, const char *title, double p, double tmax,
                     const char *ep)
{
    plot_t pl;
    double rows_h = 16 * (double)ng + 24;
    plot_init(&pl, c->b, W, H, ox + 125, ox + 465, 30, H - 60 - rows_h);
    axis_fit(&pl.x, 0, tmax, 0, "months since resection");
    /* ticks every 12 months when they fit the survival follow-up */
    if (tmax <= 120) {
        pl.x.t.n = 0;
        for (double m = 0; m <= tmax + 11.999 && pl.x.t.n < LM_REPORT_MAXTICKS; m += 12)
            pl.x.t.v[pl.x.t.n++] = m;
        pl.x.t.lo = 0;
        pl.x.t.hi = pl.x.t.v[pl.x.t.n - 1];
    }
    lm_report_nice_ticks(0, 1, 5, &pl.y.t);
    pl.y.label = "survival probability";
    plot_axes(&pl);
    char ps[64];
    if (isnan(p))
        snprintf(ps, sizeof(ps), " (log-rank p not available)");
    else
        snprintf(ps, sizeof(ps), " (log-rank p = %.3g)", p);
    rb_printf(c->b, "<text x=\"%.1f\" y=\"18\" class=\"lb lgt\" text-anchor=\"middle\">",
              (pl.l + pl.r) / 2);
    rb_esc(c->b, title);
    rb_esc(c->b, ps);
    rb_put(c->b, "</text>");
    double *t = malloc((s->n + 1) * sizeof(double));
    int *ev = malloc((s->n + 1) * sizeof(int));
    double *sx = NULL, *sy = NULL;
    const char *cols[8];
    int dash[8];
    double ry = pl.bt + 52;
    rb_printf(c->b, "<text x=\"%.1f\" y=\"%.1f\" class=\"tk lgt\">Number at risk (legend)</text>",
              ox + 4, ry - 14);
    for (size_t g = 0; g < ng && t && ev; g++) {
        size_t m = 0;
        for (size_t i = 0; i < s->n; i++)
            if (s->lab[i] == (int)g) t[m] = s->time[i], ev[m] = s->event[i], m++;
        cols[g] = arm_col((int)g);
        dash[g] = (int)g;
        lm_err_t e;
        lm_err_clear(&e);
        lm_km_t *km = m ? lm_km_create(t, ev, m, &e) : NULL;
        /* the at-risk rows double as the legend: line style, then the group's name */
        rb_printf(c->b, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\" text-anchor=\"end\">", pl.l - 34,
                  ry + 16 * (double)g);
        rb_esc(c->b, names[g]);
        rb_put(c->b, "</text>");
        rb_printf(c->b,
                  "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                  "stroke-width=\"2\"%s%s%s/>",
                  pl.l - 30, pl.l - 10, ry + 16 * (double)g - 4, ry + 16 * (double)g - 4, cols[g],
                  g ? " stroke-dasharray=\"" : "", g ? dash_array(dash[g]) : "", g ? "\"" : "");
        if (!km) continue;
        size_t nst = lm_report_km_steps(km, NULL, NULL, 0);
        free(sx);
        free(sy);
        sx = malloc((nst + 1) * sizeof(double));
        sy = malloc((nst + 1) * sizeof(double));
        if (sx && sy) {
            lm_report_km_steps(km, sx, sy, nst);
            /* extend the last step to the last follow-up time (censored tail) */
            plot_polyline(&pl, sx, sy, nst, cols[g], 2, dash[g]);
            for (size_t i = 0; i < lm_km_size(km); i++) {
                const lm_km_point_t *pt = lm_km_point(km, i);
                if (pt->n_censor == 0) continue; /* censoring marks: small vertical ticks */
                double x = axis_px(&pl.x, pt->time), y = axis_px(&pl.y, pt->surv);
                rb_printf(c->b,
                          "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                          x, x, y - 4, y + 4, cols[g]);
            }
        }
        for (int k = 0; k < NRISK; k++) {
            if (risk_t[k] > pl.x.t.hi) break;
            lm_km_point_t pt;
            size_t nr = lm_km_at(km, risk_t[k], &pt) == LM_EOF ? 0 : pt.n_risk;
            rb_printf(c->b,
                      "<text x=\"%.1f\" y=\"%.1f\" class=\"tk\" text-anchor=\"middle\">%zu"
                      "<title>%s, ",
                      axis_px(&pl.x, risk_t[k]), ry + 16 * (double)g, nr, ep);
            rb_esc(c->b, names[g]);
            rb_printf(c->b, ": %zu at risk at month %g</title></text>", nr, risk_t[k]);
        }
        lm_km_destroy(km);
    }
    free(t);
    free(ev);
    free(sx);
    free(sy);
}

/* The baseline (week 0) value of alpha metric j per subject: the first week-0 sample in
 * alpha.tsv, as lumen stats takes it. NaN when absent. */
static void baseline_alpha(const lm_cohort_t *co, const lm_matrix_t *a, size_t j, double *out)
{
    size_t ns = lm_cohort_n_subjects(co);
    for (size_t s = 0; s < ns; s++) out[s] = NAN;
    for (size_t i = 0; i < a->nrow; i++) {
        long k = lm_cohort_find_sample(co, a->row_id[i]);
        if (k < 0) continue;
        const lm_sample_t *sm = lm_cohort_sample(co, (size_t)k);
        if (sm->week != 0 || !isnan(out[sm->subject])) continue;
        out[sm->subject] = a->v[i * a->ncol + j];
    }
}

static void survival(rctx_t *c, const lm_cohort_t *co)
{
    lm_err_t e;
    lm_err_clear(&e);
    rtsv_t *lr = rtsv_read(c->dir, "stats/logrank.tsv", &e);
    if (!lr) note(c, "stats/logrank.tsv is absent: curves are drawn without log-rank p-values.");
    lm_matrix_t *a = NULL;
    if (file_exists(c->dir, "diversity/alpha.tsv")) {
        char *p = path_join(c->dir, "diversity/alpha.tsv");
        lm_err_clear(&e);
        a = p ? lm_matrix_read(p, LM_MATRIX_ALPHA, &e) : NULL;
        free(p);
    }
    long metric = -1;
    for (size_t j = 0; a && j < a->ncol && metric < 0; j++)
        if (!strcmp(a->col_id[j], "shannon")) metric = (long)j;
    if (a && metric < 0 && a->ncol) metric = 0;
    size_t ns = lm_cohort_n_subjects(co), na = lm_cohort_n_arms(co);
    kmset_t s = {0};
    s.time = malloc((ns + 1) * sizeof(double));
    s.event = malloc((ns + 1) * sizeof(int));
    s.lab = malloc((ns + 1) * sizeof(int));
    double *base = malloc((ns + 1) * sizeof(double)), *sorted = malloc((ns + 1) * sizeof(double));
    if (!s.time || !s.event || !s.lab || !base || !sorted) goto done;
    if (a && metric >= 0) baseline_alpha(co, a, (size_t)metric, base);
    for (int os = 0; os < 2; os++) {
        const char *ep = os ? "os" : "rfs",
                   *EP = os ? "Overall survival" : "Recurrence-free survival";
        double tmax = 0;
        s.n = 0;
        for (size_t i = 0; i < ns; i++) {
            const lm_subject_t *sj = lm_cohort_subject(co, i);
            double tt = os ? sj->os_months : sj->rfs_months;
            int ev = os ? sj->os_event : sj->rfs_event;
            if (isnan(tt) || ev < 0) continue;
            s.time[s.n] = tt;
            s.event[s.n] = ev;
            s.lab[s.n] = -1;
            for (size_t k = 0; sj->arm && k < na; k++)
                if (!strcmp(lm_cohort_arm(co, k), sj->arm)) s.lab[s.n] = (int)k;
            tmax = fmax(tmax, tt);
            s.n++;
        }
        if (!s.n) {
            note(c, "No subject has %s times and events in cohort/subjects.tsv: curves left out.",
                 ep);
            continue;
        }
        double W = 960, H = 400 + 16 * (double)(na > 2 ? na : 2);
        char id[32], an[32], tt[128];
        snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
        snprintf(tt, sizeof(tt), "Kaplan-Meier: %s by arm and by baseline diversity", EP);
        fig_begin(c->b, id, tt, W, H);
        snprintf(an, sizeof(an), "logrank_%s", ep);
        const char *arms[8];
        size_t ng = 0;
        for (; ng < na && ng < 7; ng++) arms[ng] = lm_cohort_arm(co, ng);
        if (!na) {
            arms[0] = "all subjects";
            for (size_t i = 0; i < s.n; i++) s.lab[i] = 0;
            ng = 1;
        }
        km_panel(c, 0, W, H, &s, ng, arms, "by arm", logrank_p(lr, an, "arm"), tmax,
                 os ? "OS" : "RFS");
        /* baseline diversity: subjects with a week-0 value, split at its median */
        char by[160], title[200];
        int have = 0;
        if (a && metric >= 0) {
            size_t m = 0, k = 0;
            for (size_t i = 0; i < ns; i++) {
                const lm_subject_t *sj = lm_cohort_subject(co, i);
                double tt2 = os ? sj->os_months : sj->rfs_months;
                int ev = os ? sj->os_event : sj->rfs_event;
                if (isnan(tt2) || ev < 0 || isnan(base[i])) continue;
                sorted[m++] = base[i];
            }
            gsl_sort(sorted, 1, m);
            double med = m ? gsl_stats_median_from_sorted_data(sorted, 1, m) : NAN;
            for (size_t i = 0; i < ns; i++) {
                const lm_subject_t *sj = lm_cohort_subject(co, i);
                double tt2 = os ? sj->os_months : sj->rfs_months;
                int ev = os ? sj->os_event : sj->rfs_event;
                if (isnan(tt2) || ev < 0 || isnan(base[i])) continue;
                s.time[k] = tt2;
                s.event[k] = ev;
                s.lab[k] = base[i] > med ? 0 : 1;
                k++;
            }
            s.n = k;
            have = k > 0;
            snprintf(by, sizeof(by), "%s_median", a->col_id[metric]);
            snprintf(title, sizeof(title), "by baseline %s (median %.3g)", a->col_id[metric], med);
        }
        if (have) {
            const char *lv[2] = {"above median", "at or below"};
            km_panel(c, 480, W, H, &s, 2, lv, title, logrank_p(lr, an, by), tmax,
                     os ? "OS" : "RFS");
        } else {
            rb_printf(c->b, "<text x=\"700\" y=\"120\" class=\"lg\" text-anchor=\"middle\">no "
                            "baseline alpha diversity (diversity/alpha.tsv)</text>");
        }
        const char *src[] = {"cohort/subjects.tsv", "diversity/alpha.tsv", "stats/logrank.tsv",
                             "stats/survival_km.tsv"};
        fig_end(c->b,
                "Kaplan-Meier estimates (the stats module's survfit-equivalent), with "
                "censoring marks and numbers at risk every 12 months; log-rank p from "
                "stats/logrank.tsv. Diversity groups split subjects at the median of their "
                "week-0 value.",
                src, 4, c->link);
    }
done:
    free(s.time);
    free(s.event);
    free(s.lab);
    free(base);
    free(sorted);
    lm_matrix_destroy(a);
    rtsv_free(lr);
}

static void cox_table(rctx_t *c)
{
    rtsv_t *t = rtsv_or_note(c, "stats/survival_cox.tsv", "the Cox table is left out.");
    if (!t) return;
    static const char *const head[] = {"endpoint", "term",      "model", "n",     "HR",
                                       "95% CI",   "statistic", "p",     "q (BH)"};
    table_begin(c,
                "Cox proportional hazards (Efron ties): hazard ratio per SD of baseline "
                "alpha diversity, crude and adjusted for arm; likelihood-ratio rows give the "
                "chi-square statistic.",
                head, 9, "stats/survival_cox.tsv");
    int ca = rtsv_colidx(t, "analysis"), cx = rtsv_colidx(t, "x"), cy = rtsv_colidx(t, "y"),
        cn = rtsv_colidx(t, "n"), ce = rtsv_colidx(t, "estimate"), cl = rtsv_colidx(t, "ci_low"),
        ch = rtsv_colidx(t, "ci_high"), cs = rtsv_colidx(t, "statistic"), cp = rtsv_colidx(t, "p"),
        cq = rtsv_colidx(t, "q");
    for (size_t i = 0; i < t->nrow; i++) {
        rb_put(c->b, "<tr>");
        td_text(c, rtsv_get(t, i, ca));
        td_text(c, rtsv_get(t, i, cx));
        td_text(c, rtsv_get(t, i, cy));
        td_num(c, rtsv_num(t, i, cn), 10);
        td_num(c, rtsv_num(t, i, ce), 3);
        rb_put(c->b, "<td class=\"n\">");
        if (!isnan(rtsv_num(t, i, cl))) {
            rb_num(c->b, rtsv_num(t, i, cl), 3);
            rb_put(c->b, "\xE2\x80\x93");
            rb_num(c->b, rtsv_num(t, i, ch), 3);
        }
        rb_put(c->b, "</td>");
        td_num(c, rtsv_num(t, i, cs), 3);
        td_num(c, rtsv_num(t, i, cp), 3);
        td_num(c, rtsv_num(t, i, cq), 3);
        rb_put(c->b, "</tr>\n");
    }
    table_end(c);
    rtsv_free(t);
}

void sec_clinical(rctx_t *c)
{
    sec_begin(c, "clinical", "Clinical");
    sub_begin(c, "HBsAg");
    hbsag(c);
    endpoints(c);
    lm_cohort_t *co = NULL;
    lm_err_t e;
    lm_err_clear(&e);
    if (file_exists(c->dir, "cohort/metadata.tsv") && file_exists(c->dir, "cohort/subjects.tsv") &&
        file_exists(c->dir, "cohort/visits.tsv")) {
        char *m = path_join(c->dir, "cohort/metadata.tsv"),
             *s = path_join(c->dir, "cohort/subjects.tsv"),
             *v = path_join(c->dir, "cohort/visits.tsv");
        if (m && s && v) co = lm_cohort_load(m, s, v, &e);
        free(m);
        free(s);
        free(v);
        if (!co) note(c, "The cohort tables could not be read (%s).", e.msg);
    } else {
        note(c, "cohort/metadata.tsv, subjects.tsv and visits.tsv are not all present: "
                "cytokine and Kaplan-Meier figures are left out.");
    }
    sub_begin(c, "Cytokines");
    if (co) cytokines(c, co);
    sub_begin(c, "Correlations");
    heatmap(c);
    sub_begin(c, "Survival");
    if (co) survival(c, co);
    cox_table(c);
    lm_cohort_destroy(co);
    sec_models(c);
    sec_end(c);
}
