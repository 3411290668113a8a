/* SPDX-License-Identifier: MIT */
/* A small SVG plotting kit: scales, axes with nice ticks, points in four shapes, lines in
 * four dash styles, boxplots, legends and a diverging colour bar. Colours are Okabe-Ito's
 * colour-blind-safe set; shapes and dashes carry the same grouping so that a grey print
 * still separates the groups. Styling lives in the page's CSS classes to keep the SVG
 * small. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

/* Okabe & Ito (2008), in an order whose neighbours differ in lightness too. */
const char *const oi_colour[OI_N] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                     "#E69F00", "#56B4E9", "#F0E442", "#000000"};
/* The same hues lightened halfway to white, for categories 9 to 16. */
static const char *const oi_tint[OI_N] = {"#7FB8D8", "#EAAE7F", "#7FCEB9", "#E5BCD3",
                                          "#F2CF7F", "#AAD9F4", "#F7F1A0", "#7F7F7F"};

const char *cat_colour(size_t k)
{
    return k < OI_N ? oi_colour[k] : oi_tint[(k - OI_N) % OI_N];
}

const char *dash_array(int dash)
{
    static const char *const d[] = {"", "6 3", "2 2", "8 3 2 3"};
    return d[((dash % 4) + 4) % 4];
}

void diverging(double v, char out[8])
{
    /* blue #0072B2 at -1, white at 0, vermillion #D55E00 at +1 */
    static const int neg[3] = {0x00, 0x72, 0xB2}, pos[3] = {0xD5, 0x5E, 0x00};
    if (isnan(v)) {
        snprintf(out, 8, "#DDDDDD");
        return;
    }
    if (v > 1) v = 1;
    if (v < -1) v = -1;
    const int *c = v < 0 ? neg : pos;
    double a = fabs(v);
    int r = (int)lround(255 + (c[0] - 255) * a), g = (int)lround(255 + (c[1] - 255) * a),
        b = (int)lround(255 + (c[2] - 255) * a);
    snprintf(out, 8, "#%02X%02X%02X", r & 255, g & 255, b & 255);
}

void axis_fit(axis_t *a, double min, double max, int lg, const char *label)
{
    a->label = label;
    a->log = lg && min > 0 && isfinite(min);
    if (a->log)
        lm_report_log_ticks(min, max, &a->t);
    else
        lm_report_nice_ticks(min, max, 5, &a->t);
}

double axis_px(const axis_t *a, double v)
{
    double lo = a->t.lo, hi = a->t.hi;
    if (a->log) {
        if (!(v > 0)) v = lo;
        v = log10(v), lo = log10(lo), hi = log10(hi);
    }
    double f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return a->a0 + f * (a->a1 - a->a0);
}

void fig_begin(rbuf_t *b, const char *id, const char *title, double w, double h)
{
    rb_put(b, "<figure id=\"");
    rb_esc(b, id);
    rb_put(b, "\"><figcaption>");
    rb_esc(b, title);
    rb_put(b, "</figcaption>\n<svg class=\"plot\" viewBox=\"0 0 ");
    rb_xy(b, w);
    rb_put(b, " ");
    rb_xy(b, h);
    rb_put(b, "\" width=\"");
    rb_xy(b, w);
    rb_put(b, "\" height=\"");
    rb_xy(b, h);
    rb_put(b, "\" role=\"img\" aria-label=\"");
    rb_esc(b, title);
    rb_put(b, "\">\n");
}

void fig_end(rbuf_t *b, const char *caption, const char *const *tsv, size_t ntsv,
             const char *link_prefix)
{
    rb_put(b, "</svg>\n<p class=\"cap\">");
    if (caption) rb_esc(b, caption);
    for (size_t i = 0; i < ntsv; i++) {
        rb_put(b, i ? ", " : " Data: ");
        rb_put(b, "<a href=\"");
        rb_href(b, link_prefix);
        rb_href(b, tsv[i]);
        rb_put(b, "\">");
        rb_esc(b, tsv[i]);
        rb_put(b, "</a>");
    }
    rb_put(b, "</p></figure>\n");
}

void plot_init(plot_t *p, rbuf_t *b, double w, double h, double l, double r, double t, double bt)
{
    memset(p, 0, sizeof(*p));
    p->b = b;
    p->w = w, p->h = h, p->l = l, p->r = r, p->t = t, p->bt = bt;
    p->x.a0 = l, p->x.a1 = r;
    p->y.a0 = bt, p->y.a1 = t;
}

static void line(rbuf_t *b, double x1, double y1, double x2, double y2, const char *cls)
{
    rb_put(b, "<line x1=\"");
    rb_xy(b, x1);
    rb_put(b, "\" y1=\"");
    rb_xy(b, y1);
    rb_put(b, "\" x2=\"");
    rb_xy(b, x2);
    rb_put(b, "\" y2=\"");
    rb_xy(b, y2);
    rb_printf(b, "\" class=\"%s\"/>", cls);
}

static void text(rbuf_t *b, double x, double y, const char *anchor, const char *cls, const char *s,
                 double rotate)
{
    rb_put(b, "<text x=\"");
    rb_xy(b, x);
    rb_put(b, "\" y=\"");
    rb_xy(b, y);
    rb_printf(b, "\" text-anchor=\"%s\" class=\"%s\"", anchor, cls);
    if (rotate != 0) {
        rb_printf(b, " transform=\"rotate(%g ", rotate);
        rb_xy(b, x);
        rb_put(b, " ");
        rb_xy(b, y);
        rb_put(b, ")\"");
    }
    rb_put(b, ">");
    rb_esc(b, s);
    rb_put(b, "</text>");
}

static void tick_label(double v, char *s, size_t n)
{
    rbuf_t t = {0};
    rb_num(&t, v, 4);
    snprintf(s, n, "%s", t.s ? t.s : "");
    rb_free(&t);
}

void plot_axes(plot_t *p)
{
    rbuf_t *b = p->b;
    char s[64];
    rb_put(b, "<g class=\"axes\">");
    for (int i = 0; i < p->y.t.n; i++) {
        double y = axis_px(&p->y, p->y.t.v[i]);
        line(b, p->l, y, p->r, y, "grid");
        line(b, p->l - 4, y, p->l, y, "ax");
        tick_label(p->y.t.v[i], s, sizeof(s));
        text(b, p->l - 6, y + 3.5, "end", "tk", s, 0);
    }
    if (!p->xcat)
        for (int i = 0; i < p->x.t.n; i++) {
            double x = axis_px(&p->x, p->x.t.v[i]);
            line(b, x, p->bt, x, p->bt + 4, "ax");
            tick_label(p->x.t.v[i], s, sizeof(s));
            text(b, x, p->bt + 15, "middle", "tk", s, 0);
        }
    line(b, p->l, p->bt, p->r, p->bt, "ax");
    line(b, p->l, p->t, p->l, p->bt, "ax");
    double dy = p->xlab_dy > 0 ? p->xlab_dy : p->xcat ? 44 : 32;
    if (p->x.label) text(b, (p->l + p->r) / 2, p->bt + dy, "middle", "lb", p->x.label, 0);
    if (p->y.label) text(b, p->l - 44, (p->t + p->bt) / 2, "middle", "lb", p->y.label, -90);
    rb_put(b, "</g>\n");
}

void plot_xcat_label(plot_t *p, double x, const char *s, int rotate)
{
    if (rotate)
        text(p->b, x + 3, p->bt + 8, "end", "tk", s, -60);
    else
        text(p->b, x, p->bt + 15, "middle", "tk", s, 0);
}

void plot_point(rbuf_t *b, double x, double y, int shape, const char *col, double r)
{
    switch (((shape % 4) + 4) % 4) {
    case 0:
        rb_put(b, "<circle cx=\"");
        rb_xy(b, x);
        rb_put(b, "\" cy=\"");
        rb_xy(b, y);
        rb_printf(b, "\" r=\"%g\" fill=\"%s\"/>", r, col);
        break;
    case 1:
        rb_put(b, "<rect x=\"");
        rb_xy(b, x - r);
        rb_put(b, "\" y=\"");
        rb_xy(b, y - r);
        rb_printf(b, "\" width=\"%g\" height=\"%g\" fill=\"%s\"/>", 2 * r, 2 * r, col);
        break;
    case 2:
        rb_put(b, "<path d=\"M");
        rb_xy(b, x);
        rb_put(b, " ");
        rb_xy(b, y - 1.2 * r);
        rb_printf(b, "l%g %gh%gz\" fill=\"%s\"/>", 1.1 * r, 2 * r, -2.2 * r, col);
        break;
    default:
        rb_put(b, "<path d=\"M");
        rb_xy(b, x);
        rb_put(b, " ");
        rb_xy(b, y - 1.3 * r);
        rb_printf(b, "l%g %gl%g %gl%g %gz\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                  1.3 * r, 1.3 * r, -1.3 * r, 1.3 * r, -1.3 * r, -1.3 * r, col);
    }
}

void plot_legend(plot_t *p, double x, double y, const char *const *names, const char *const *col,
                 const int *shape, const int *dash, size_t n, const char *title)
{
    rbuf_t *b = p->b;
    rb_put(b, "<g class=\"legend\">");
    if (title) {
        text(b, x, y, "start", "lg lgt", title, 0);
        y += 15;
    }
    for (size_t i = 0; i < n; i++, y += 15) {
        const char *c = col ? col[i] : "#000000";
        if (dash) {
            rb_put(b, "<line x1=\"");
            rb_xy(b, x);
            rb_put(b, "\" y1=\"");
            rb_xy(b, y - 4);
            rb_put(b, "\" x2=\"");
            rb_xy(b, x + 18);
            rb_put(b, "\" y2=\"");
            rb_xy(b, y - 4);
            rb_printf(b, "\" stroke=\"%s\" stroke-width=\"2\"", c);
            if (dash[i]) rb_printf(b, " stroke-dasharray=\"%s\"", dash_array(dash[i]));
            rb_put(b, "/>");
        }
        if (shape) plot_point(b, x + 9, y - 4, shape[i], c, 4);
        if (!dash && !shape) {
            rb_put(b, "<rect x=\"");
            rb_xy(b, x + 2);
            rb_put(b, "\" y=\"");
            rb_xy(b, y - 10);
            rb_printf(b, "\" width=\"12\" height=\"12\" fill=\"%s\" class=\"sw\"/>", c);
        }
        text(b, x + 24, y, "start", "lg", names[i], 0);
    }
    rb_put(b, "</g>\n");
}

void plot_box(plot_t *p, double xc, double half, const lm_report_box_t *box, const double *out,
              const char *col)
{
    if (box->n == 0) return;
    rbuf_t *b = p->b;
    double y[5];
    for (int k = 0; k < 5; k++) y[k] = axis_px(&p->y, box->stats[k]);
    rb_printf(b, "<g class=\"box\" stroke=\"%s\">", col);
    line(b, xc, y[0], xc, y[1], "wh");
    line(b, xc, y[3], xc, y[4], "wh");
    line(b, xc - half / 2, y[0], xc + half / 2, y[0], "wh");
    line(b, xc - half / 2, y[4], xc + half / 2, y[4], "wh");
    rb_put(b, "<rect x=\"");
    rb_xy(b, xc - half);
    rb_put(b, "\" y=\"");
    rb_xy(b, y[3]);
    rb_put(b, "\" width=\"");
    rb_xy(b, 2 * half);
    rb_put(b, "\" height=\"");
    rb_xy(b, fmax(y[1] - y[3], 0.5));
    rb_printf(b, "\" fill=\"%s\" fill-opacity=\"0.25\"/>", col);
    line(b, xc - half, y[2], xc + half, y[2], "med");
    for (size_t i = 0; out && i < box->n_out; i++) {
        rb_put(b, "<circle cx=\"");
        rb_xy(b, xc);
        rb_put(b, "\" cy=\"");
        rb_xy(b, axis_px(&p->y, out[i]));
        rb_put(b, "\" r=\"2.5\" class=\"out\"/>");
    }
    rb_put(b, "</g>\n");
}

void plot_polyline(plot_t *p, const double *x, const double *y, size_t n, const char *col,
                   double width, int dash)
{
    rbuf_t *b = p->b;
    if (n == 0) return;
    rb_put(b, "<polyline points=\"");
    for (size_t i = 0; i < n; i++) {
        if (i) rb_put(b, " ");
        rb_xy(b, axis_px(&p->x, x[i]));
        rb_put(b, ",");
        rb_xy(b, axis_px(&p->y, y[i]));
    }
    rb_printf(b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%g\"", col, width);
    if (dash) rb_printf(b, " stroke-dasharray=\"%s\"", dash_array(dash));
    rb_put(b, "/>\n");
}

void plot_colourbar(plot_t *p, double x, double y, double h, const char *title)
{
    rbuf_t *b = p->b;
    char c[8];
    text(b, x, y - 6, "start", "lg lgt", title, 0);
    int steps = 20;
    for (int i = 0; i < steps; i++) {
        double v = 1 - 2.0 * (i + 0.5) / steps;
        diverging(v, c);
        rb_put(b, "<rect x=\"");
        rb_xy(b, x);
        rb_put(b, "\" y=\"");
        rb_xy(b, y + h * i / steps);
        rb_put(b, "\" width=\"14\" height=\"");
        rb_xy(b, h / steps + 0.5);
        rb_printf(b, "\" fill=\"%s\"/>", c);
    }
    text(b, x + 18, y + 8, "start", "lg", "+1", 0);
    text(b, x + 18, y + h / 2 + 4, "start", "lg", "0", 0);
    text(b, x + 18, y + h, "start", "lg",
         "\xE2\x88\x92"
         "1",
         0);
}
