/* SPDX-License-Identifier: MIT */
/* Private to the report module: a growing text buffer, readers of the results folder's
 * TSV and JSON files, the SVG plot builder and the page's sections. */
#ifndef LUMEN_REPORT_INTERNAL_H
#define LUMEN_REPORT_INTERNAL_H

#include <stddef.h>

#include "lumen/cohort.h"
#include "lumen/report.h"

/* ---- text buffer (buf.c) --------------------------------------------------------- */

/* A growing string; after an allocation failure it stops growing and sets oom, so
 * callers check once at the end. */
typedef struct rbuf {
    char *s;
    size_t n, cap;
    int oom;
} rbuf_t;

void rb_free(rbuf_t *b);
void rb_put(rbuf_t *b, const char *s);
void rb_putn(rbuf_t *b, const char *s, size_t n);
void rb_printf(rbuf_t *b, const char *fmt, ...) LM_FORMAT(2, 3);
/* Append s escaped for HTML text and attributes. */
void rb_esc(rbuf_t *b, const char *s);
/* Append a file path percent-encoded for an href (safe in an attribute as it is). */
void rb_href(rbuf_t *b, const char *s);
/* A number in the shortest readable form: up to `sig` significant digits, no trailing
 * zeros ("NA" for NaN). */
void rb_num(rbuf_t *b, double v, int sig);
/* A coordinate with one decimal. */
void rb_xy(rbuf_t *b, double v);

/* ---- inputs (input.c) ------------------------------------------------------------ */

/* A TSV file with a header row: cells as strings, looked up by column name. Lines before
 * the header that start with "# " are skipped (biom's "# Constructed by" line). */
typedef struct rtsv {
    size_t nrow, ncol;
    char **col;  /* ncol names */
    char **cell; /* nrow * ncol, "" for a missing trailing cell; point into text */
    char *text;  /* the file, split in place */
    char *path;  /* relative to the results folder */
} rtsv_t;

/* Read DIR/rel. Returns NULL with err filled (LM_ENOINPUT when absent). */
rtsv_t *rtsv_read(const char *dir, const char *rel, lm_err_t *err);
void rtsv_free(rtsv_t *t);
int rtsv_colidx(const rtsv_t *t, const char *name);         /* -1 if absent */
const char *rtsv_get(const rtsv_t *t, size_t row, int col); /* "" when col < 0 */
double rtsv_num(const rtsv_t *t, size_t row, int col);      /* NaN when missing/NA */

/* A parsed JSON value (just enough for provenance.json and the QC records). */
/* JSON is util's reader (lm_json_*), known here by short names. */
typedef lm_jval_t rjson_t;
#define rjson_read lm_json_read_file
#define rjson_free lm_json_free
#define rjson_get  lm_json_get

/* A feature table (biom TSV) kept sparse: per sample its total and non-zero counts. */
typedef struct ftab {
    size_t ns;
    char **id;     /* ns sample IDs */
    double *total; /* ns totals */
    size_t *nnz, *cap;
    double **cnt; /* cnt[j][0..nnz[j]): the sample's non-zero counts */
} ftab_t;

ftab_t *ftab_read(const char *dir, const char *rel, lm_err_t *err);
void ftab_free(ftab_t *f);

int file_exists(const char *dir, const char *rel);
char *path_join(const char *dir, const char *rel);

/* ---- palette and plots (svg.c, plot.c) ------------------------------------------ */

#define OI_N 8
extern const char *const oi_colour[OI_N]; /* Okabe-Ito, black last */
/* Colour k of a categorical set of n: Okabe-Ito, then lighter tints. */
const char *cat_colour(size_t k);

typedef struct axis {
    lm_report_ticks_t t;
    const char *label; /* with units */
    int log;
    double a0, a1; /* pixel range */
} axis_t;

/* Set up axis ticks for the data range (log when lg and data positive). */
void axis_fit(axis_t *a, double min, double max, int lg, const char *label);
double axis_px(const axis_t *a, double v);

/* A figure: an SVG with a plot area, optional legend. */
typedef struct plot {
    rbuf_t *b;
    double w, h;        /* SVG size */
    double l, r, t, bt; /* plot area: left, right, top, bottom (pixels) */
    axis_t x, y;
    int xcat;       /* x axis is categorical: no numeric ticks */
    double xlab_dy; /* x axis label below the axis (0: default) */
} plot_t;

/* Begin a <figure> with an <svg>; id is the figure's anchor. */
void fig_begin(rbuf_t *b, const char *id, const char *title, double w, double h);
/* Close the svg and write the caption: what it shows and the TSV(s) it came from. */
void fig_end(rbuf_t *b, const char *caption, const char *const *tsv, size_t ntsv,
             const char *link_prefix);
void plot_init(plot_t *p, rbuf_t *b, double w, double h, double l, double r, double t, double bt);
void plot_axes(plot_t *p); /* frame, ticks, tick labels and axis labels */
void plot_xcat_label(plot_t *p, double x, const char *text, int rotate);
void plot_legend(plot_t *p, double x, double y, const char *const *names, const char *const *col,
                 const int *shape, const int *dash, size_t n, const char *title);
void plot_point(rbuf_t *b, double x, double y, int shape, const char *col, double r);
void plot_box(plot_t *p, double xc, double half, const lm_report_box_t *box, const double *out,
              const char *col);
void plot_polyline(plot_t *p, const double *x, const double *y, size_t n, const char *col,
                   double width, int dash);
/* Colour bar legend of a diverging scale from -1 to 1. */
void plot_colourbar(plot_t *p, double x, double y, double h, const char *title);
/* Blue-white-vermillion colour for v in [-1, 1]. */
void diverging(double v, char out[8]);
const char *dash_array(int dash);

/* ---- the page (report.c and sec_*.c) -------------------------------------------- */

typedef struct rctx {
    const char *dir;  /* results folder */
    const char *link; /* prefix of links to its files from the page's folder */
    rbuf_t *b;
    rbuf_t *toc;
    int nfig;
    /* features/table.tsv, read once for the Reads and Diversity sections */
    struct ftab *ftab;
    int ftab_tried;
    lm_err_t ftab_err;
} rctx_t;

/* features/table.tsv (NULL when absent or unreadable: see c->ftab_err). */
const struct ftab *ctx_features(rctx_t *c);

/* The arm and week of a sample (NULL / -1 when unknown). */
const char *ctx_arm(const rctx_t *c, const char *sample, int *week);
/* Index of an arm in the cohort's sorted arm list, -1 when unknown. */
int ctx_arm_index(const rctx_t *c, const char *arm);
size_t ctx_n_arms(const rctx_t *c);
const char *ctx_arm_name(const rctx_t *c, size_t k); /* sorted */

void sec_begin(rctx_t *c, const char *id, const char *title);
void sec_end(rctx_t *c);
void sub_begin(rctx_t *c, const char *title);
/* A one-line note that something was left out, and why. */
void note(rctx_t *c, const char *fmt, ...) LM_FORMAT(2, 3);
/* Read DIR/rel, or leave a note "REL is absent|could not be read: WHAT" and return NULL. */
rtsv_t *rtsv_or_note(rctx_t *c, const char *rel, const char *what);
/* Sortable table helpers: header names, then rows cell by cell. */
void table_begin(rctx_t *c, const char *caption, const char *const *head, size_t n,
                 const char *tsv);
void table_end(rctx_t *c);
void td_text(rctx_t *c, const char *s);
void td_num(rctx_t *c, double v, int sig);

/* A readable name for a lineage "d__X;p__Y;...;g__Z" (sec_composition.c). */
void taxon_name(const char *lin, char *out, size_t size);

void sec_run(rctx_t *c);
void sec_reads(rctx_t *c);
void sec_composition(rctx_t *c);
void sec_diversity(rctx_t *c);
void sec_clinical(rctx_t *c);
void sec_models(rctx_t *c); /* a subsection of the clinical section */

/* Expected observed features at each depth[k] of a sample with counts cnt[0..n)
 * (rarefaction without replacement): sum_i 1 - C(N - N_i, d) / C(N, d). 0 or LM_ENOMEM. */
int rarefy_curve(const double *cnt, size_t n, const double *depth, size_t nd, double *out);

#endif
