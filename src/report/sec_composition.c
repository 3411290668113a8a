/* SPDX-License-Identifier: MIT */
/* Section "Composition": relative abundance of the top genera per sample (stacked bars,
 * samples grouped by arm and week), and of the phyla averaged per arm and week. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

enum { TOP_GENERA = 15, TOP_PHYLA = 8 };

/* A readable name for a lineage "d__X;p__Y;...;g__Z": the last named rank; for an empty
 * genus "unclassified <deepest named rank>". */
void taxon_name(const char *lin, char *out, size_t size)
{
    const char *best = NULL, *p = lin;
    size_t bl = 0;
    int last_named = 1;
    while (*p) {
        const char *e = strchr(p, ';');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        const char *s = p;
        while (l && *s == ' ') s++, l--;
        if (l > 3 && s[1] == '_' && s[2] == '_')
            s += 3, l -= 3;
        else if (l >= 3 && s[1] == '_' && s[2] == '_')
            l = 0;
        if (l)
            best = s, bl = l, last_named = 1;
        else
            last_named = 0;
        if (!e) break;
        p = e + 1;
    }
    if (!best)
        snprintf(out, size, "unassigned");
    else if (!last_named)
        snprintf(out, size, "unclassified %.*s", (int)bl, best);
    else
        snprintf(out, size, "%.*s", (int)bl, best);
}

typedef struct order {
    size_t col;
    int arm, week;
    const char *id;
} order_t;

static int cmp_order(const void *a, const void *b)
{
    const order_t *x = a, *y = b;
    unsigned ax = (unsigned)x->arm, ay = (unsigned)y->arm; /* unknown (-1) last */
    if (ax != ay) return ax < ay ? -1 : 1;
    if (x->week != y->week) return x->week < y->week ? -1 : 1;
    return strcmp(x->id, y->id);
}

typedef struct rank_ix {
    size_t row;
    double mean;
} rank_ix_t;

static int cmp_rank(const void *a, const void *b)
{
    const rank_ix_t *x = a, *y = b;
    if (x->mean != y->mean) return x->mean > y->mean ? -1 : 1;
    return x->row < y->row ? -1 : 1;
}

/* Relative abundances (columns sum to 1; empty samples stay 0) and the rows ranked by
 * their mean. Returns the relative table, or NULL. */
static double *relative(const lm_matrix_t *m, rank_ix_t *rk)
{
    double *rel = malloc((m->nrow * m->ncol + 1) * sizeof(double));
    if (!rel) return NULL;
    for (size_t j = 0; j < m->ncol; j++) {
        double s = 0;
        for (size_t i = 0; i < m->nrow; i++) s += m->v[i * m->ncol + j];
        for (size_t i = 0; i < m->nrow; i++)
            rel[i * m->ncol + j] = s > 0 ? m->v[i * m->ncol + j] / s : 0;
    }
    for (size_t i = 0; i < m->nrow; i++) {
        double s = 0;
        for (size_t j = 0; j < m->ncol; j++) s += rel[i * m->ncol + j];
        rk[i].row = i;
        rk[i].mean = m->ncol ? s / (double)m->ncol : 0;
    }
    qsort(rk, m->nrow, sizeof(*rk), cmp_rank);
    return rel;
}

static void group_label(rctx_t *c, int arm, int week, char *out, size_t size)
{
    const char *a = arm >= 0 ? ctx_arm_name(c, (size_t)arm) : "arm unknown";
    if (week >= 0)
        snprintf(out, size, "%s, week %d", a, week);
    else
        snprintf(out, size, "%s", a);
}

/* Stacked bars, one per column of groups (per sample, or per arm x week). */
static void genus_figure(rctx_t *c, const lm_matrix_t *m, const char *tsv)
{
    size_t nr = m->nrow, ns = m->ncol, ntop = nr < TOP_GENERA ? nr : TOP_GENERA;
    rank_ix_t *rk = malloc((nr + 1) * sizeof(*rk));
    order_t *ord = malloc((ns + 1) * sizeof(*ord));
    double *rel = rk ? relative(m, rk) : NULL;
    if (!rel || !ord) goto done;
    for (size_t j = 0; j < ns; j++) {
        ord[j].col = j;
        ord[j].id = m->col_id[j];
        ord[j].arm = ctx_arm_index(c, ctx_arm(c, m->col_id[j], &ord[j].week));
    }
    qsort(ord, ns, sizeof(*ord), cmp_order);
    size_t ngroups = 0;
    for (size_t j = 0; j < ns; j++)
        ngroups += j == 0 || ord[j].arm != ord[j - 1].arm || ord[j].week != ord[j - 1].week;
    double w = 960, h = 416, l = 60, r = 730, t = 20, bt = 310;
    plot_t p;
    plot_init(&p, c->b, w, h, l, r, t, bt);
    axis_fit(&p.y, 0, 100, 0, "relative abundance (%)");
    p.xcat = 1;
    p.x.label = "samples, grouped by arm and week (hover a bar for its ID)";
    p.xlab_dy = 98;
    double gap = ngroups > 1 ? 6 : 0, bw = (r - l - gap * (double)(ngroups - 1)) / (double)ns;
    char id[32], name[256], lab[256];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "Top genera per sample, grouped by arm and week", w, h);
    plot_axes(&p);
    double x = l, gstart = l;
    for (size_t j = 0; j < ns; j++) {
        int newg = j > 0 && (ord[j].arm != ord[j - 1].arm || ord[j].week != ord[j - 1].week);
        if (newg) {
            group_label(c, ord[j - 1].arm, ord[j - 1].week, lab, sizeof(lab));
            rb_printf(c->b,
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"tk\" "
                      "transform=\"rotate(-35 %.1f %.1f)\">",
                      (gstart + x) / 2, bt + 14, (gstart + x) / 2, bt + 14);
            rb_esc(c->b, lab);
            rb_put(c->b, "</text>");
            x += gap;
            gstart = x;
        }
        size_t col = ord[j].col;
        double y0 = bt, other = 1;
        rb_put(c->b, "<g><title>");
        rb_esc(c->b, m->col_id[col]);
        rb_put(c->b, "</title>");
        for (size_t k = 0; k <= ntop; k++) {
            double v = k < ntop ? rel[rk[k].row * ns + col] : other;
            if (k < ntop) other -= v;
            if (v <= 0) continue;
            double hh = (bt - t) * v;
            rb_put(c->b, "<rect x=\"");
            rb_xy(c->b, x);
            rb_put(c->b, "\" y=\"");
            rb_xy(c->b, y0 - hh);
            rb_put(c->b, "\" width=\"");
            rb_xy(c->b, fmax(bw - (bw > 3 ? 0.5 : 0), 0.4));
            rb_put(c->b, "\" height=\"");
            rb_xy(c->b, hh);
            rb_printf(c->b, "\" fill=\"%s\"/>", k < ntop ? cat_colour(k) : "#DDDDDD");
            y0 -= hh;
        }
        rb_put(c->b, "</g>");
        x += bw;
    }
    if (ns) {
        group_label(c, ord[ns - 1].arm, ord[ns - 1].week, lab, sizeof(lab));
        rb_printf(c->b,
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"tk\" "
                  "transform=\"rotate(-35 %.1f %.1f)\">",
                  (gstart + x) / 2, bt + 14, (gstart + x) / 2, bt + 14);
        rb_esc(c->b, lab);
        rb_put(c->b, "</text>");
    }
    char **names = calloc(ntop + 2, sizeof(char *));
    const char **cols = calloc(ntop + 2, sizeof(char *));
    if (names && cols) {
        for (size_t k = 0; k < ntop; k++) {
            taxon_name(m->row_id[rk[k].row], name, sizeof(name));
            names[k] = strdup(name);
            cols[k] = cat_colour(k);
        }
        names[ntop] = strdup("other");
        cols[ntop] = "#DDDDDD";
        int okn = 1;
        for (size_t k = 0; k <= ntop; k++) okn &= names[k] != NULL;
        if (okn)
            plot_legend(&p, 742, 24, (const char *const *)names, cols, NULL, NULL, ntop + 1,
                        "genus");
        for (size_t k = 0; k <= ntop; k++) free(names[k]);
    }
    free(names);
    free(cols);
    snprintf(lab, sizeof(lab),
             "Each bar is one sample (hover for its ID); the %zu genera with the highest mean "
             "relative abundance are coloured, the rest summed as \"other\". Groups: arm and "
             "week from cohort/metadata.tsv.",
             ntop);
    const char *src[] = {tsv, "cohort/metadata.tsv"};
    fig_end(c->b, lab, src, 2, c->link);
done:
    free(rk);
    free(ord);
    free(rel);
}

static void phylum_figure(rctx_t *c, const lm_matrix_t *m, const char *tsv)
{
    size_t nr = m->nrow, ns = m->ncol, ntop = nr < TOP_PHYLA ? nr : TOP_PHYLA;
    rank_ix_t *rk = malloc((nr + 1) * sizeof(*rk));
    order_t *ord = malloc((ns + 1) * sizeof(*ord));
    double *rel = rk ? relative(m, rk) : NULL;
    double *acc = calloc((ntop + 1) * (ns + 1), sizeof(double));
    if (!rel || !ord || !acc) goto done;
    for (size_t j = 0; j < ns; j++) {
        ord[j].col = j;
        ord[j].id = m->col_id[j];
        ord[j].arm = ctx_arm_index(c, ctx_arm(c, m->col_id[j], &ord[j].week));
    }
    qsort(ord, ns, sizeof(*ord), cmp_order);
    /* mean relative abundance per group, groups in sorted order */
    size_t g = 0, gn = 0, first[1024], ng = 0;
    for (size_t j = 0; j <= ns; j++) {
        int end =
            j == ns || (j > 0 && (ord[j].arm != ord[j - 1].arm || ord[j].week != ord[j - 1].week));
        if (j > 0 && end) {
            for (size_t k = 0; k <= ntop; k++) acc[g * (ntop + 1) + k] /= (double)gn;
            if (ng < 1024) first[ng++] = j - gn;
            g++;
            gn = 0;
        }
        if (j == ns) break;
        double other = 1;
        for (size_t k = 0; k < ntop; k++) {
            double v = rel[rk[k].row * ns + ord[j].col];
            acc[g * (ntop + 1) + k] += v;
            other -= v;
        }
        acc[g * (ntop + 1) + ntop] += other > 0 ? other : 0;
        gn++;
    }
    double w = 960, h = 396, l = 60, r = 700, t = 20, bt = 290;
    plot_t p;
    plot_init(&p, c->b, w, h, l, r, t, bt);
    axis_fit(&p.y, 0, 100, 0, "mean relative abundance (%)");
    p.xcat = 1;
    p.x.label = "arm and week";
    p.xlab_dy = 98;
    char id[32], name[256], lab[256];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "Phyla: mean relative abundance by arm and week", w, h);
    plot_axes(&p);
    double slot = (r - l) / (double)(ng ? ng : 1), bw = fmin(slot * 0.7, 60);
    for (size_t gi = 0; gi < ng; gi++) {
        double xc = l + slot * ((double)gi + 0.5), y0 = bt;
        group_label(c, ord[first[gi]].arm, ord[first[gi]].week, lab, sizeof(lab));
        rb_put(c->b, "<g><title>");
        rb_esc(c->b, lab);
        rb_put(c->b, "</title>");
        for (size_t k = 0; k <= ntop; k++) {
            double v = acc[gi * (ntop + 1) + k], hh = (bt - t) * v;
            if (v <= 0) continue;
            rb_put(c->b, "<rect x=\"");
            rb_xy(c->b, xc - bw / 2);
            rb_put(c->b, "\" y=\"");
            rb_xy(c->b, y0 - hh);
            rb_put(c->b, "\" width=\"");
            rb_xy(c->b, bw);
            rb_put(c->b, "\" height=\"");
            rb_xy(c->b, hh);
            rb_printf(c->b, "\" fill=\"%s\" class=\"sw\"/>", k < ntop ? cat_colour(k) : "#DDDDDD");
            y0 -= hh;
        }
        rb_put(c->b, "</g>");
        rb_printf(c->b,
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"tk\" "
                  "transform=\"rotate(-35 %.1f %.1f)\">",
                  xc, bt + 14, xc, bt + 14);
        rb_esc(c->b, lab);
        rb_put(c->b, "</text>");
    }
    char *names[TOP_PHYLA + 1];
    const char *cols[TOP_PHYLA + 1];
    int okn = 1;
    for (size_t k = 0; k < ntop; k++) {
        taxon_name(m->row_id[rk[k].row], name, sizeof(name));
        okn &= (names[k] = strdup(name)) != NULL;
        cols[k] = cat_colour(k);
    }
    okn &= (names[ntop] = strdup("other")) != NULL;
    cols[ntop] = "#DDDDDD";
    if (okn)
        plot_legend(&p, 712, 24, (const char *const *)names, cols, NULL, NULL, ntop + 1, "phylum");
    for (size_t k = 0; k <= ntop; k++) free(names[k]);
    snprintf(lab, sizeof(lab),
             "The %zu most abundant phyla, averaged over the samples of each arm and week; the "
             "rest as \"other\".",
             ntop);
    const char *src[] = {tsv, "cohort/metadata.tsv"};
    fig_end(c->b, lab, src, 2, c->link);
done:
    free(rk);
    free(ord);
    free(rel);
    free(acc);
}

void sec_composition(rctx_t *c)
{
    sec_begin(c, "composition", "Composition");
    if (!ctx_n_arms(c))
        note(c, "No cohort/metadata.tsv with arms: samples are not grouped by arm and week.");
    static const char *const rel[2] = {"taxa/level-6.tsv", "taxa/level-2.tsv"};
    for (int k = 0; k < 2; k++) {
        if (!file_exists(c->dir, rel[k])) {
            note(c, "%s is absent (lumen taxa): the %s view is left out.", rel[k],
                 k ? "phylum" : "genus");
            continue;
        }
        lm_err_t e;
        lm_err_clear(&e);
        char *p = path_join(c->dir, rel[k]);
        lm_matrix_t *m = p ? lm_matrix_read(p, LM_MATRIX_FEATURES, &e) : NULL;
        free(p);
        if (!m) {
            note(c, "%s could not be read (%s): the %s view is left out.", rel[k], e.msg,
                 k ? "phylum" : "genus");
            continue;
        }
        if (k == 0)
            genus_figure(c, m, rel[k]);
        else
            phylum_figure(c, m, rel[k]);
        lm_matrix_destroy(m);
    }
    sec_end(c);
}
