/* SPDX-License-Identifier: MIT */
/* Section "Diversity": rarefaction curves computed from the feature table, alpha
 * diversity by arm and week (boxplots with the samples shown), PCoA ordinations and the
 * PERMANOVA table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

enum { RARE_DEPTHS = 20 };

/* Legend entries for the arms (plus "arm unknown" when some samples have none). */
static size_t arm_legend(rctx_t *c, const char **names, const char **cols, int *shape, int *dash,
                         int unknown)
{
    size_t na = ctx_n_arms(c), k;
    for (k = 0; k < na && k < 7; k++) {
        names[k] = ctx_arm_name(c, k);
        cols[k] = cat_colour(k);
        if (shape) shape[k] = 0;
        if (dash) dash[k] = (int)k;
    }
    if (unknown || !na) {
        names[k] = na ? "arm unknown" : "all samples";
        cols[k] = "#777777";
        if (shape) shape[k] = 0;
        if (dash) dash[k] = (int)k;
        k++;
    }
    return k;
}

static const char *arm_colour(int a)
{
    return a >= 0 && a < 7 ? cat_colour((size_t)a) : "#777777";
}

static void rarefaction(rctx_t *c)
{
    const ftab_t *m = ctx_features(c);
    if (!m) {
        note(c, "Rarefaction curves: features/table.tsv %s.",
             c->ftab_err.code == LM_ENOINPUT ? "is absent" : "could not be read");
        return;
    }
    size_t ns = m->ns;
    double *dx = malloc((ns + 1) * (RARE_DEPTHS + 1) * sizeof(double));
    double *dy = malloc((ns + 1) * (RARE_DEPTHS + 1) * sizeof(double));
    if (!dx || !dy) goto done;
    double maxn = 0, maxs = 0;
    int unknown = 0;
    for (size_t j = 0; j < ns; j++) {
        double *x = dx + j * (RARE_DEPTHS + 1), *y = dy + j * (RARE_DEPTHS + 1);
        for (int k = 0; k <= RARE_DEPTHS; k++) x[k] = floor(m->total[j] * k / RARE_DEPTHS);
        if (rarefy_curve(m->cnt[j], m->nnz[j], x, RARE_DEPTHS + 1, y)) goto done;
        if (m->total[j] > maxn) maxn = m->total[j];
        if (y[RARE_DEPTHS] > maxs) maxs = y[RARE_DEPTHS];
        unknown |= ctx_arm_index(c, ctx_arm(c, m->id[j], NULL)) < 0;
    }
    plot_t p;
    plot_init(&p, c->b, 960, 340, 70, 800, 20, 290);
    axis_fit(&p.x, 0, maxn > 0 ? maxn : 1, 0, "reads sampled (sequencing depth)");
    axis_fit(&p.y, 0, maxs > 0 ? maxs : 1, 0, "expected observed features (count)");
    char id[32];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "Rarefaction curves", p.w, p.h);
    plot_axes(&p);
    for (size_t j = 0; j < ns; j++) {
        int a = ctx_arm_index(c, ctx_arm(c, m->id[j], NULL));
        rb_put(c->b, "<g><title>");
        rb_esc(c->b, m->id[j]);
        rb_put(c->b, "</title>");
        plot_polyline(&p, dx + j * (RARE_DEPTHS + 1), dy + j * (RARE_DEPTHS + 1), RARE_DEPTHS + 1,
                      arm_colour(a), 1, a > 0 ? a : 0);
        rb_put(c->b, "</g>");
    }
    const char *names[9], *cols[9];
    int dash[9];
    size_t nl = arm_legend(c, names, cols, NULL, dash, unknown);
    plot_legend(&p, 812, 40, names, cols, NULL, dash, nl, "arm");
    const char *src[] = {"features/table.tsv"};
    fig_end(c->b,
            "Expected number of features observed in a random subsample of each depth, computed "
            "exactly (sum over features of 1 - C(N - N_i, n) / C(N, n)) at 20 depths per sample.",
            src, 1, c->link);
done:
    free(dx);
    free(dy);
}

/* One boxplot figure of an alpha metric, boxes per arm x week. */
static void alpha_box(rctx_t *c, const lm_matrix_t *a, size_t j, const char *label)
{
    size_t n = a->nrow, na = ctx_n_arms(c);
    int weeks[16], nw = 0;
    for (size_t i = 0; i < n; i++) {
        int w;
        ctx_arm(c, a->row_id[i], &w);
        int seen = 0;
        for (int k = 0; k < nw; k++) seen |= weeks[k] == w;
        if (!seen && nw < 16) weeks[nw++] = w;
    }
    for (int x = 1; x < nw; x++)
        for (int y = x; y > 0 && weeks[y] < weeks[y - 1]; y--) {
            int s = weeks[y];
            weeks[y] = weeks[y - 1];
            weeks[y - 1] = s;
        }
    size_t narm = na ? na : 1, ngroup = (size_t)nw * narm;
    double *v = malloc((n + 1) * sizeof(double)), *out = malloc((n + 1) * sizeof(double));
    double mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = a->v[i * a->ncol + j];
        if (isnan(x)) continue;
        if (x < mn) mn = x;
        if (x > mx) mx = x;
    }
    if (!v || !out || !(mx >= mn)) goto done;
    plot_t p;
    plot_init(&p, c->b, 960, 320, 70, 800, 20, 260);
    axis_fit(&p.y, mn, mx, 0, label);
    p.xcat = 1;
    p.x.label = "week (boxes by arm within each week)";
    char id[32], cap[512];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    snprintf(cap, sizeof(cap), "Alpha diversity: %s by arm and week", a->col_id[j]);
    fig_begin(c->b, id, cap, p.w, p.h);
    plot_axes(&p);
    double slot = (p.r - p.l) / (double)(ngroup ? ngroup : 1);
    for (int wi = 0; wi < nw; wi++) {
        for (size_t ai = 0; ai < narm; ai++) {
            size_t g = (size_t)wi * narm + ai, m = 0;
            double xc = p.l + slot * ((double)g + 0.5);
            for (size_t i = 0; i < n; i++) {
                int w;
                int ar = ctx_arm_index(c, ctx_arm(c, a->row_id[i], &w));
                if (w != weeks[wi] || (na && ar != (int)ai)) continue;
                v[m++] = a->v[i * a->ncol + j];
            }
            lm_report_box_t box;
            if (!m || lm_report_boxstats(v, m, &box, NULL)) continue;
            plot_box(&p, xc, fmin(slot * 0.3, 28), &box, NULL, arm_colour(na ? (int)ai : -1));
            /* the samples, spread evenly across the box (no randomness: same page each run) */
            rb_printf(c->b, "<g fill-opacity=\"0.75\">");
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                int w;
                int ar = ctx_arm_index(c, ctx_arm(c, a->row_id[i], &w));
                if (w != weeks[wi] || (na && ar != (int)ai) || isnan(a->v[i * a->ncol + j]))
                    continue;
                double off = m > 1 ? ((double)(k % 9) / 8.0 - 0.5) * fmin(slot * 0.45, 40) : 0;
                plot_point(c->b, xc + off, axis_px(&p.y, a->v[i * a->ncol + j]), 0, "#222222", 1.8);
                k++;
            }
            rb_put(c->b, "</g>");
        }
        char wl[32];
        if (weeks[wi] >= 0)
            snprintf(wl, sizeof(wl), "week %d", weeks[wi]);
        else
            snprintf(wl, sizeof(wl), "week unknown");
        plot_xcat_label(&p, p.l + slot * narm * ((double)wi + 0.5), wl, 0);
    }
    const char *names[9], *cols[9];
    size_t nl = arm_legend(c, names, cols, NULL, NULL, 0);
    plot_legend(&p, 812, 40, names, cols, NULL, NULL, nl, "arm");
    const char *src[] = {"diversity/alpha.tsv", "cohort/metadata.tsv"};
    fig_end(c->b,
            "Boxes: quartiles (Tukey's hinges) and median; whiskers to the most extreme sample "
            "within 1.5 IQR (R's boxplot.stats); dots: every sample.",
            src, 2, c->link);
done:
    free(v);
    free(out);
}

static void alpha_section(rctx_t *c)
{
    if (!file_exists(c->dir, "diversity/alpha.tsv")) {
        note(c, "diversity/alpha.tsv is absent (lumen diversity): alpha boxplots left out.");
        return;
    }
    lm_err_t e;
    lm_err_clear(&e);
    char *path = path_join(c->dir, "diversity/alpha.tsv");
    lm_matrix_t *a = path ? lm_matrix_read(path, LM_MATRIX_ALPHA, &e) : NULL;
    free(path);
    if (!a) {
        note(c, "diversity/alpha.tsv could not be read (%s): alpha boxplots left out.", e.msg);
        return;
    }
    static const char *const metric[] = {"shannon", "observed_features", "faith_pd"};
    static const char *const label[] = {"Shannon index (bits)", "observed features (count)",
                                        "Faith's PD (branch length)"};
    for (int k = 0; k < 3; k++)
        for (size_t j = 0; j < a->ncol; j++)
            if (!strcmp(a->col_id[j], metric[k])) alpha_box(c, a, j, label[k]);
    lm_matrix_destroy(a);
}

static void pcoa(rctx_t *c, const char *metric, const char *title)
{
    char rel[128], relax[128];
    snprintf(rel, sizeof(rel), "diversity/pcoa_%s.tsv", metric);
    snprintf(relax, sizeof(relax), "diversity/pcoa_%s_axes.tsv", metric);
    if (!file_exists(c->dir, rel)) {
        note(c, "%s is absent: the %s PCoA is left out.", rel, title);
        return;
    }
    lm_err_t e;
    lm_err_clear(&e);
    rtsv_t *pc = rtsv_read(c->dir, rel, &e);
    rtsv_t *ax = file_exists(c->dir, relax) ? rtsv_read(c->dir, relax, &e) : NULL;
    if (!pc || rtsv_colidx(pc, "PC1") < 0 || rtsv_colidx(pc, "PC2") < 0) {
        note(c, "%s could not be read or has fewer than two axes: the %s PCoA is left out.", rel,
             title);
        goto done;
    }
    int c1 = rtsv_colidx(pc, "PC1"), c2 = rtsv_colidx(pc, "PC2");
    double prop[2] = {NAN, NAN};
    for (size_t i = 0; ax && i < ax->nrow; i++)
        for (int k = 0; k < 2; k++)
            if (!strcmp(rtsv_get(ax, i, 0), k ? "PC2" : "PC1"))
                prop[k] = rtsv_num(ax, i, rtsv_colidx(ax, "proportion_explained"));
    double mn[2] = {INFINITY, INFINITY}, mx[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < pc->nrow; i++)
        for (int k = 0; k < 2; k++) {
            double v = rtsv_num(pc, i, k ? c2 : c1);
            if (isnan(v)) continue;
            mn[k] = fmin(mn[k], v);
            mx[k] = fmax(mx[k], v);
        }
    char xl[96], yl[96], id[32], tt[160];
    snprintf(xl, sizeof(xl), "PC1 (%.1f%% of variation explained)", 100 * prop[0]);
    snprintf(yl, sizeof(yl), "PC2 (%.1f%% explained)", 100 * prop[1]);
    if (isnan(prop[0])) snprintf(xl, sizeof(xl), "PC1 (proportion explained unknown)");
    if (isnan(prop[1])) snprintf(yl, sizeof(yl), "PC2 (proportion unknown)");
    plot_t p;
    plot_init(&p, c->b, 960, 440, 80, 760, 20, 390);
    axis_fit(&p.x, mn[0], mx[0], 0, xl);
    axis_fit(&p.y, mn[1], mx[1], 0, yl);
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    snprintf(tt, sizeof(tt), "PCoA of %s distances", title);
    fig_begin(c->b, id, tt, p.w, p.h);
    plot_axes(&p);
    /* shapes by week, in week order (the first eight weeks; later ones share the last) */
    int weeks[8], nw = 0, unknown = 0;
    for (size_t i = 0; i < pc->nrow; i++) {
        int w, seen = 0;
        ctx_arm(c, rtsv_get(pc, i, 0), &w);
        for (int k = 0; k < nw; k++) seen |= weeks[k] == w;
        if (seen) continue;
        if (nw < 8)
            weeks[nw++] = w;
        else if (w < weeks[7])
            weeks[7] = w;
        for (int k = nw - 1; k > 0 && weeks[k] < weeks[k - 1]; k--) {
            int t = weeks[k];
            weeks[k] = weeks[k - 1];
            weeks[k - 1] = t;
        }
    }
    for (size_t i = 0; i < pc->nrow; i++) {
        int w;
        const char *arm = ctx_arm(c, rtsv_get(pc, i, 0), &w);
        int a = ctx_arm_index(c, arm);
        unknown |= a < 0;
        int wk = nw - 1;
        for (int k = 0; k < nw; k++)
            if (weeks[k] == w) wk = k;
        double x = rtsv_num(pc, i, c1), y = rtsv_num(pc, i, c2);
        if (isnan(x) || isnan(y)) continue;
        rb_put(c->b, "<g><title>");
        rb_esc(c->b, rtsv_get(pc, i, 0));
        rb_put(c->b, "</title>");
        plot_point(c->b, axis_px(&p.x, x), axis_px(&p.y, y), wk < 0 ? 0 : wk, arm_colour(a), 3.6);
        rb_put(c->b, "</g>");
    }
    const char *names[9], *cols[9];
    size_t nl = arm_legend(c, names, cols, NULL, NULL, unknown);
    plot_legend(&p, 775, 40, names, cols, NULL, NULL, nl, "arm (colour)");
    char wname[8][32];
    const char *wn[8], *wc[8];
    int ws[8];
    for (int k = 0; k < nw; k++) {
        if (weeks[k] >= 0)
            snprintf(wname[k], sizeof(wname[k]), "week %d", weeks[k]);
        else
            snprintf(wname[k], sizeof(wname[k]), "week unknown");
        wn[k] = wname[k];
        wc[k] = "#444444";
        ws[k] = k;
    }
    plot_legend(&p, 775, 70 + 15 * (double)nl, wn, wc, ws, NULL, (size_t)nw, "week (shape)");
    const char *src[] = {rel, relax};
    fig_end(c->b,
            "Each point is a sample (hover for its ID); axes are the first two principal "
            "coordinates.",
            src, 2, c->link);
done:
    rtsv_free(pc);
    rtsv_free(ax);
}

static void permanova(rctx_t *c)
{
    rtsv_t *t = rtsv_or_note(c, "stats/permanova.tsv", "the PERMANOVA table is left out.");
    if (!t) return;
    static const char *const head[] = {"distance",  "factor",   "strata", "week",  "n",
                                       "R\xC2\xB2", "pseudo-F", "p",      "q (BH)"};
    table_begin(c, "PERMANOVA (vegan adonis2; p from permutations).", head, 9,
                "stats/permanova.tsv");
    int cx = rtsv_colidx(t, "x"), cy = rtsv_colidx(t, "y"), cg = rtsv_colidx(t, "group"),
        cw = rtsv_colidx(t, "week"), cn = rtsv_colidx(t, "n"), ce = rtsv_colidx(t, "estimate"),
        cs = rtsv_colidx(t, "statistic"), cp = rtsv_colidx(t, "p"), cq = rtsv_colidx(t, "q");
    for (size_t i = 0; i < t->nrow; i++) {
        rb_put(c->b, "<tr>");
        td_text(c, rtsv_get(t, i, cx));
        td_text(c, rtsv_get(t, i, cy));
        td_text(c, rtsv_get(t, i, cg));
        td_text(c, rtsv_get(t, i, cw));
        td_num(c, rtsv_num(t, i, cn), 10);
        td_num(c, rtsv_num(t, i, ce), 3);
        td_num(c, rtsv_num(t, i, cs), 3);
        td_num(c, rtsv_num(t, i, cp), 3);
        td_num(c, rtsv_num(t, i, cq), 3);
        rb_put(c->b, "</tr>\n");
    }
    table_end(c);
    rtsv_free(t);
}

void sec_diversity(rctx_t *c)
{
    sec_begin(c, "diversity", "Diversity");
    sub_begin(c, "Rarefaction");
    rarefaction(c);
    sub_begin(c, "Alpha diversity");
    alpha_section(c);
    sub_begin(c, "Beta diversity");
    pcoa(c, "braycurtis", "Bray-Curtis");
    pcoa(c, "jaccard", "Jaccard");
    permanova(c);
    sec_end(c);
}
