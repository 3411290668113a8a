/* SPDX-License-Identifier: MIT */
/* Section "Reads": the per-sample table of qc/summary.tsv with its bar chart (failed and
 * low-depth samples flagged), quality by position across samples and the merged length
 * distribution from the per-sample QC records (qc/<sample>.json). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "report_internal.h"

/* A sample's reads is "low depth" below this fraction of the median passed-filter reads
 * (or when diversity dropped it before rarefying). */
#define LOW_DEPTH_FRACTION 0.2

static double median_of(const double *x, size_t n)
{
    double *s = malloc((n + 1) * sizeof(*s));
    size_t m = 0;
    if (!s) return NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) s[m++] = x[i];
    gsl_sort(s, 1, m);
    double r = m ? gsl_stats_median_from_sorted_data(s, 1, m) : NAN;
    free(s);
    return r;
}

static int in_dropped(const rtsv_t *d, const char *id)
{
    for (size_t i = 0; d && i < d->nrow; i++)
        if (!strcmp(rtsv_get(d, i, 0), id)) return 1;
    return 0;
}

static void reads_table(rctx_t *c, const rtsv_t *qc)
{
    lm_err_t e;
    lm_err_clear(&e);
    rtsv_t *dropped = rtsv_read(c->dir, "diversity/dropped_samples.tsv", &e);
    const ftab_t *ft = ctx_features(c);
    size_t n = qc->nrow;
    int cst = rtsv_colidx(qc, "status"), cmsg = rtsv_colidx(qc, "message");
    static const char *const want[] = {"reads_in",      "primers_found", "merged",
                                       "passed_filter", "uniques",       "feature_reads"};
    enum { NW = 6 };
    int col[NW];
    for (int k = 0; k < NW; k++) col[k] = rtsv_colidx(qc, want[k]);
    if (col[5] < 0) col[5] = rtsv_colidx(qc, "features_reads"); /* LAYOUT.md's spelling */
    int crar = rtsv_colidx(qc, "rarefied"), cnote = rtsv_colidx(qc, "note");
    double *pass = calloc(n + 1, sizeof(double)), *feat = calloc(n + 1, sizeof(double)),
           *rin = calloc(n + 1, sizeof(double));
    int *flag = calloc(n + 1, sizeof(int)); /* 0 ok, 1 low depth, 2 failed */
    if (!pass || !feat || !rin || !flag) goto done;
    for (size_t i = 0; i < n; i++) {
        pass[i] = rtsv_num(qc, i, col[3]);
        rin[i] = rtsv_num(qc, i, col[0]);
        feat[i] = rtsv_num(qc, i, col[5]);
        if (col[5] < 0 && ft) {
            /* no features_reads column yet: the sample's total in features/table.tsv */
            feat[i] = NAN;
            for (size_t j = 0; j < ft->ns; j++)
                if (!strcmp(ft->id[j], rtsv_get(qc, i, 0))) feat[i] = ft->total[j];
        }
    }
    double med = median_of(pass, n);
    size_t nlow = 0, nfail = 0;
    for (size_t i = 0; i < n; i++) {
        const char *st = rtsv_get(qc, i, cst);
        if (cst >= 0 && strcmp(st, "ok"))
            flag[i] = 2, nfail++;
        else if (in_dropped(dropped, rtsv_get(qc, i, 0)) || !strcmp(rtsv_get(qc, i, crar), "no") ||
                 (!isnan(pass[i]) && pass[i] < LOW_DEPTH_FRACTION * med))
            flag[i] = 1, nlow++;
    }

    /* the bar chart: reads in (light) behind passed filter (coloured by flag) */
    double w = 960, h = 300, l = 70, r = 800, t = 20, bt = 250;
    plot_t p;
    plot_init(&p, c->b, w, h, l, r, t, bt);
    double mx = 0;
    for (size_t i = 0; i < n; i++) {
        if (rin[i] > mx) mx = rin[i];
        if (pass[i] > mx) mx = pass[i];
    }
    axis_fit(&p.y, 0, mx > 0 ? mx : 1, 0, "read pairs per sample");
    p.x.label = n <= 60 ? "sample" : "samples, in qc/summary.tsv order (hover a bar for its ID)";
    p.xcat = 1;
    if (n <= 60) p.h = h += 60, p.xlab_dy = 100;
    char id[32];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "Reads per sample", p.w, p.h);
    plot_axes(&p);
    double bw = (r - l) / (double)(n ? n : 1);
    static const char *const fcol[3] = {"#0072B2", "#E69F00", "#D55E00"};
    for (size_t i = 0; i < n; i++) {
        double x = l + bw * (double)i;
        rb_put(c->b, "<g><title>");
        rb_esc(c->b, rtsv_get(qc, i, 0));
        rb_printf(c->b, ": %.0f in, %.0f passed%s</title>", rin[i], pass[i],
                  flag[i] == 2   ? " (failed)"
                  : flag[i] == 1 ? " (low depth)"
                                 : "");
        for (int k = 0; k < 2; k++) {
            double v = k ? pass[i] : rin[i];
            if (isnan(v)) continue;
            double y = axis_px(&p.y, v);
            rb_put(c->b, "<rect x=\"");
            rb_xy(c->b, x + bw * 0.1);
            rb_put(c->b, "\" y=\"");
            rb_xy(c->b, y);
            rb_put(c->b, "\" width=\"");
            rb_xy(c->b, fmax(bw * 0.8, 0.6));
            rb_put(c->b, "\" height=\"");
            rb_xy(c->b, bt - y);
            rb_printf(c->b, "\" fill=\"%s\"/>", k ? fcol[flag[i]] : "#CFCFCF");
        }
        rb_put(c->b, "</g>");
        if (n <= 60) plot_xcat_label(&p, x + bw / 2, rtsv_get(qc, i, 0), 1);
    }
    if (!isnan(med)) {
        double y = axis_px(&p.y, LOW_DEPTH_FRACTION * med);
        rb_printf(c->b,
                  "<line x1=\"%g\" x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
                  "stroke-dasharray=\"4 3\"/>",
                  l, r, y, y);
    }
    static const char *const lname[] = {"read pairs in", "passed filter", "low depth", "failed"};
    static const char *const lcol[] = {"#CFCFCF", "#0072B2", "#E69F00", "#D55E00"};
    plot_legend(&p, r + 14, t + 12, lname, lcol, NULL, NULL, 4, NULL);
    char cap[320];
    snprintf(cap, sizeof(cap),
             "Grey: read pairs in; coloured: pairs that passed primer, merging and quality "
             "filters. Dashed line: the low-depth threshold (%.0f%% of the median, %.0f pairs). "
             "%zu low-depth and %zu failed samples.",
             100 * LOW_DEPTH_FRACTION, LOW_DEPTH_FRACTION * med, nlow, nfail);
    const char *src[] = {"qc/summary.tsv"};
    fig_end(c->b, cap, src, 1, c->link);

    static const char *const head[] = {"sample",        "status",         "reads in",
                                       "primers found", "merged",         "passed filter",
                                       "uniques",       "features reads", "flag"};
    table_begin(c,
                "Per-sample read counts (low depth: below the dashed line, or left out of "
                "rarefaction: rarefied = no in qc/summary.tsv or listed in "
                "diversity/dropped_samples.tsv).",
                head, 9, "qc/summary.tsv");
    for (size_t i = 0; i < n; i++) {
        rb_printf(c->b, "<tr%s>",
                  flag[i] == 2 ? " class=\"fail\""
                  : flag[i]    ? " class=\"low\""
                               : "");
        td_text(c, rtsv_get(qc, i, 0));
        td_text(c, cst >= 0 ? rtsv_get(qc, i, cst) : "ok");
        for (int k = 0; k < 5; k++) td_num(c, rtsv_num(qc, i, col[k]), 12);
        td_num(c, feat[i], 12);
        rb_put(c->b, "<td class=\"flag\">");
        if (flag[i] == 2) {
            rb_put(c->b, "failed");
            const char *m = rtsv_get(qc, i, cmsg);
            if (*m) {
                rb_put(c->b, ": ");
                rb_esc(c->b, m);
            }
        } else if (flag[i]) {
            rb_put(c->b, "low depth");
            const char *m = rtsv_get(qc, i, cnote);
            if (*m) {
                rb_put(c->b, ": ");
                rb_esc(c->b, m);
            }
        }
        rb_put(c->b, "</td></tr>\n");
    }
    table_end(c);
done:
    free(pass);
    free(feat);
    free(rin);
    free(flag);
    rtsv_free(dropped);
}

static int cmpname(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The QC records, in file-name order. */
static size_t qc_records(rctx_t *c, rjson_t ***out)
{
    *out = NULL;
    char *qd = path_join(c->dir, "qc");
    DIR *d = qd ? opendir(qd) : NULL;
    if (!d) {
        free(qd);
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json")) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn) break;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name))) break;
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof(*names), cmpname);
    rjson_t **rec = calloc(n + 1, sizeof(*rec));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        char *p = path_join(qd, names[i]);
        lm_err_t e;
        lm_err_clear(&e);
        if (rec && p && (rec[m] = rjson_read(p, &e))) m++;
        free(p);
        free(names[i]);
    }
    free(names);
    free(qd);
    *out = rec;
    return m;
}

static void quality_figure(rctx_t *c, rjson_t **rec, size_t n)
{
    static const char *const rn[2] = {"r1", "r2"};
    size_t len[2] = {0, 0}, have = 0;
    for (size_t i = 0; i < n; i++) {
        const rjson_t *q = rjson_get(rec[i], "quality_by_position");
        if (!q) continue;
        have++;
        for (int k = 0; k < 2; k++) {
            const rjson_t *a = rjson_get(q, rn[k]);
            if (a && a->type == LM_JARR && a->n > len[k]) len[k] = a->n;
        }
    }
    if (!have || !(len[0] + len[1])) {
        note(c, "Quality by position: the QC records (qc/*.json) have no \"quality_by_position\" "
                "yet; figure left out.");
        return;
    }
    size_t L = len[0] > len[1] ? len[0] : len[1];
    double *v = malloc((n + 1) * sizeof(double));
    double *px = malloc((L + 1) * sizeof(double)), *q[3];
    for (int k = 0; k < 3; k++) q[k] = malloc((L + 1) * sizeof(double));
    plot_t p;
    plot_init(&p, c->b, 960, 320, 70, 820, 20, 270);
    axis_fit(&p.x, 1, (double)L, 0, "position in read (cycle)");
    axis_fit(&p.y, 0, 41, 0, "mean Phred quality per sample");
    char id[32];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "Read quality by position (R1 and R2)", p.w, p.h);
    plot_axes(&p);
    static const char *const col[2] = {"#0072B2", "#D55E00"};
    for (int k = 0; k < 2 && v && px && q[0] && q[1] && q[2]; k++) {
        size_t m = 0;
        for (size_t pos = 0; pos < len[k]; pos++) {
            size_t nv = 0;
            for (size_t i = 0; i < n; i++) {
                const rjson_t *a = rjson_get(rjson_get(rec[i], "quality_by_position"), rn[k]);
                if (a && a->type == LM_JARR && pos < a->n && a->items[pos].type == LM_JNUM)
                    v[nv++] = a->items[pos].num;
            }
            if (!nv) continue;
            gsl_sort(v, 1, nv);
            px[m] = (double)pos + 1;
            q[0][m] = gsl_stats_quantile_from_sorted_data(v, 1, nv, 0.25);
            q[1][m] = gsl_stats_median_from_sorted_data(v, 1, nv);
            q[2][m] = gsl_stats_quantile_from_sorted_data(v, 1, nv, 0.75);
            m++;
        }
        if (!m) continue;
        /* the quartile band: up along Q3, back along Q1 */
        rb_put(c->b, "<path d=\"");
        for (size_t i = 0; i < m; i++) {
            rb_put(c->b, i ? "L" : "M");
            rb_xy(c->b, axis_px(&p.x, px[i]));
            rb_put(c->b, " ");
            rb_xy(c->b, axis_px(&p.y, q[2][i]));
        }
        for (size_t i = m; i-- > 0;) {
            rb_put(c->b, "L");
            rb_xy(c->b, axis_px(&p.x, px[i]));
            rb_put(c->b, " ");
            rb_xy(c->b, axis_px(&p.y, q[0][i]));
        }
        rb_printf(c->b, "Z\" fill=\"%s\" fill-opacity=\"0.2\" stroke=\"none\"/>", col[k]);
        plot_polyline(&p, px, q[1], m, col[k], 2, k);
    }
    static const char *const names[] = {"R1 median", "R2 median"};
    static const int dash[] = {0, 1};
    plot_legend(&p, 832, 40, names, col, NULL, dash, 2, "read");
    const char *src[] = {"qc/"};
    fig_end(c->b,
            "Median across samples of each sample's mean Phred quality at each position of the "
            "raw reads, with the band from the first to the third quartile.",
            src, 1, c->link);
    free(v);
    free(px);
    for (int k = 0; k < 3; k++) free(q[k]);
}

static void length_figure(rctx_t *c, rjson_t **rec, size_t n)
{
    enum { MAXLEN = 1000 };
    double *cnt = calloc(MAXLEN + 1, sizeof(double));
    size_t have = 0;
    for (size_t i = 0; i < n && cnt; i++) {
        const rjson_t *h = rjson_get(rec[i], "merged_length_histogram");
        if (!h || h->type != LM_JARR) continue;
        have++;
        for (size_t k = 0; k < h->n; k++) {
            const rjson_t *pr = &h->items[k];
            if (pr->type != LM_JARR || pr->n < 2) continue;
            double len = pr->items[0].num, ct = pr->items[1].num;
            if (len >= 0 && len <= MAXLEN && ct > 0) cnt[(size_t)len] += ct;
        }
    }
    size_t lo = MAXLEN, hi = 0;
    double tot = 0, mx = 0;
    for (size_t k = 0; cnt && k <= MAXLEN; k++)
        if (cnt[k] > 0) {
            if (k < lo) lo = k;
            hi = k;
            tot += cnt[k];
        }
    if (!have || tot == 0) {
        note(c, "Merged length distribution: the QC records (qc/*.json) have no "
                "\"merged_length_histogram\" yet; figure left out.");
        free(cnt);
        return;
    }
    for (size_t k = lo; k <= hi; k++)
        if (cnt[k] / tot > mx) mx = cnt[k] / tot;
    plot_t p;
    plot_init(&p, c->b, 960, 300, 70, 940, 20, 250);
    axis_fit(&p.x, (double)lo - 0.5, (double)hi + 0.5, 0, "merged read length (bp)");
    axis_fit(&p.y, 0, mx * 100, 0, "reads (% of all merged reads that passed)");
    char id[32];
    snprintf(id, sizeof(id), "fig-%d", ++c->nfig);
    fig_begin(c->b, id, "Merged read length distribution", p.w, p.h);
    plot_axes(&p);
    double bw = axis_px(&p.x, 1) - axis_px(&p.x, 0);
    for (size_t k = lo; k <= hi; k++) {
        if (cnt[k] <= 0) continue;
        double y = axis_px(&p.y, 100 * cnt[k] / tot);
        rb_put(c->b, "<rect x=\"");
        rb_xy(c->b, axis_px(&p.x, (double)k - 0.5));
        rb_put(c->b, "\" y=\"");
        rb_xy(c->b, y);
        rb_put(c->b, "\" width=\"");
        rb_xy(c->b, fmax(bw, 0.8));
        rb_put(c->b, "\" height=\"");
        rb_xy(c->b, p.bt - y);
        rb_printf(c->b, "\" fill=\"#0072B2\"><title>%zu bp: %.0f reads</title></rect>", k, cnt[k]);
    }
    static const char *const names[] = {"all samples pooled"};
    static const char *const col[] = {"#0072B2"};
    plot_legend(&p, 780, 35, names, col, NULL, NULL, 1, NULL);
    const char *src[] = {"qc/"};
    fig_end(c->b, "Lengths of the merged reads that passed the filters, pooled over samples.", src,
            1, c->link);
    free(cnt);
}

void sec_reads(rctx_t *c)
{
    sec_begin(c, "reads", "Reads");
    lm_err_t e;
    lm_err_clear(&e);
    rtsv_t *qc = rtsv_read(c->dir, "qc/summary.tsv", &e);
    if (!qc) {
        note(c, "qc/summary.tsv %s: the per-sample read table and chart are left out.",
             e.code == LM_ENOINPUT ? "is absent" : "could not be read");
    } else {
        reads_table(c, qc);
        rtsv_free(qc);
    }
    rjson_t **rec;
    size_t n = qc_records(c, &rec);
    if (!n) {
        note(c, "No per-sample QC records (qc/*.json): quality and length figures left out.");
    } else {
        quality_figure(c, rec, n);
        length_figure(c, rec, n);
    }
    for (size_t i = 0; i < n; i++) rjson_free(rec[i]);
    free(rec);
    sec_end(c);
}
