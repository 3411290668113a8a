/* SPDX-License-Identifier: MIT */
/* lm_report_write: the page around the sections. One HTML file, CSS and script inline,
 * figures as inline SVG: it opens offline, anywhere, and makes no request of any kind.
 * The script only sorts tables and records, for the browser test, that every figure has
 * a size; the page reads the same with it off. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lumen/version.h"
#include "report_internal.h"

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#111;"
    "margin:0 auto;max-width:1120px;padding:0 18px 40px}\n"
    "h1{font-size:24px;margin:18px 0 4px}h2{font-size:20px;border-bottom:2px solid #0072B2;"
    "padding-bottom:3px;margin-top:34px}h3{font-size:16px;margin:22px 0 6px}\n"
    "nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:6px 0;"
    "z-index:2}nav a{margin-right:14px;color:#0072B2;text-decoration:none;font-weight:600}\n"
    ".note{color:#555;font-style:italic;margin:4px 0}.sub{color:#444}\n"
    "figure{margin:12px 0 22px}figcaption{font-weight:600;margin-bottom:4px}\n"
    "svg.plot{max-width:100%;height:auto;display:block;background:#fff}\n"
    ".cap{font-size:12.5px;color:#333;margin:4px 0 0;max-width:900px}\n"
    ".ax{stroke:#222;stroke-width:1}.grid{stroke:#e6e6e6;stroke-width:1}\n"
    ".tk{font-size:10px;fill:#222}.lb{font-size:12px;fill:#111}.lg{font-size:11px;fill:#111}"
    ".lgt{font-weight:700}.sw{stroke:#444;stroke-width:.5}\n"
    ".wh{stroke-width:1.2}.med{stroke:#000;stroke-width:2.4}.out{fill:none;stroke:#444}\n"
    ".sig{font-size:11px;font-weight:700;fill:#000}\n"
    "table{border-collapse:collapse;font-size:12.5px;margin:6px 0 16px}"
    "th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2;position:relative}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}\n"
    "table.sortable th{cursor:pointer}table.sortable th:after{content:' \\2195';color:#999}\n"
    "tr.fail td{background:#fbe3d6}tr.low td{background:#fff3cd}"
    ".flag{font-weight:700}\n"
    ".wrap{max-height:420px;overflow:auto;display:inline-block;border:1px solid #eee}\n"
    "dl.kv{display:grid;grid-template-columns:max-content auto;gap:2px 14px}"
    "dl.kv dt{font-weight:600}dl.kv dd{margin:0;word-break:break-all}\n"
    "@media print{@page{size:A4;margin:12mm}body{max-width:none;padding:0;font-size:9.5pt}"
    "nav{display:none}figure{break-inside:avoid}h2,h3,p.sub{break-after:avoid}.wrap{max-height:"
    "none;overflow:visible;border:0}"
    "svg.plot{max-width:180mm}a{color:inherit;text-decoration:none}"
    "table.sortable th:after{content:''}}\n";

/* Sorting by a header click (numbers as numbers, "NA" last), and the test hook: after
 * load every figure's SVG records its rendered size in data-box, and errors are counted
 * in body's data-errors. */
static const char js[] =
    "(function(){var errs=0;window.addEventListener('error',function(){errs++;"
    "document.body.setAttribute('data-errors',String(errs));});"
    "function num(s){if(s===''||s==='NA')return NaN;var v=Number(s);return v;}"
    "function sortBy(th){var t=th.closest('table'),i=Array.prototype.indexOf.call("
    "th.parentNode.children,th),b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),"
    "asc=th.getAttribute('data-dir')!=='asc';rows.sort(function(r1,r2){"
    "var a=r1.cells[i].textContent.trim(),c=r2.cells[i].textContent.trim(),x=num(a),y=num(c),d;"
    "if(!isNaN(x)&&!isNaN(y))d=x-y;else if(!isNaN(x))d=-1;else if(!isNaN(y))d=1;"
    "else d=a<c?-1:a>c?1:0;return asc?d:-d;});rows.forEach(function(r){b.appendChild(r);});"
    "Array.prototype.forEach.call(th.parentNode.children,function(h){h.removeAttribute('data-dir');"
    "});"
    "th.setAttribute('data-dir',asc?'asc':'desc');}"
    "document.querySelectorAll('table.sortable th').forEach(function(th){"
    "th.addEventListener('click',function(){sortBy(th);});});"
    "function boxes(){var n=0;document.querySelectorAll('section svg.plot').forEach(function(s){"
    "var r=s.getBoundingClientRect();s.setAttribute('data-box',Math.round(r.width)+'x'+"
    "Math.round(r.height));n++;});document.body.setAttribute('data-svgs',String(n));"
    "document.body.setAttribute('data-errors',String(errs));document.body.setAttribute("
    "'data-height',String(document.documentElement.scrollHeight));}"
    "if(document.readyState==='complete')boxes();else window.addEventListener('load',boxes);"
    "boxes();})();\n";

/* ---- sample grouping ------------------------------------------------------------- */

typedef struct smap {
    size_t n, narm;
    char **id, **arm;
    int *week;
    char **arms;
    size_t *ord; /* rows sorted by id, for bsearch */
} smap_t;

typedef struct idrow {
    const char *id;
    size_t i;
} idrow_t;

typedef struct rctx_priv {
    rctx_t pub;
    smap_t map;
} rctx_priv_t;

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_idrow(const void *a, const void *b)
{
    const idrow_t *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->i < y->i ? -1 : x->i > y->i); /* duplicates: the first row wins */
}

static void map_free(smap_t *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->id[i]), free(m->arm[i]);
    free(m->id), free(m->arm), free(m->week), free(m->arms), free(m->ord);
    memset(m, 0, sizeof(*m));
}

/* cohort/metadata.tsv (sample-id, subject-id, week[, arm]) and subjects.tsv's arm. */
static void map_load(rctx_t *c, smap_t *m)
{
    lm_err_t e;
    lm_err_clear(&e);
    rtsv_t *md = rtsv_read(c->dir, "cohort/metadata.tsv", &e);
    if (!md) return;
    lm_err_clear(&e);
    rtsv_t *sj = rtsv_read(c->dir, "cohort/subjects.tsv", &e);
    int cw = rtsv_colidx(md, "week"), ca = rtsv_colidx(md, "arm"),
        cs = rtsv_colidx(md, "subject-id");
    int sid = sj ? rtsv_colidx(sj, "subject-id") : -1, sarm = sj ? rtsv_colidx(sj, "arm") : -1;
    m->id = calloc(md->nrow + 1, sizeof(char *));
    m->arm = calloc(md->nrow + 1, sizeof(char *));
    m->week = calloc(md->nrow + 1, sizeof(int));
    m->arms = calloc(md->nrow + 1, sizeof(char *));
    if (!m->id || !m->arm || !m->week || !m->arms) goto done;
    for (size_t i = 0; i < md->nrow; i++) {
        const char *arm = rtsv_get(md, i, ca);
        if ((!*arm || !strcmp(arm, "NA")) && sj && sid >= 0 && cs >= 0) {
            const char *s = rtsv_get(md, i, cs);
            for (size_t k = 0; k < sj->nrow; k++)
                if (!strcmp(rtsv_get(sj, k, sid), s)) arm = rtsv_get(sj, k, sarm);
        }
        double w = rtsv_num(md, i, cw);
        m->id[m->n] = strdup(rtsv_get(md, i, 0));
        m->arm[m->n] = *arm && strcmp(arm, "NA") ? strdup(arm) : NULL;
        /* the cohort loader's rule (a whole number of weeks, 0-10000); anything else in a
         * damaged results folder is an unknown week, not an int overflow */
        m->week[m->n] = w >= 0 && w <= 10000 && w == floor(w) ? (int)w : -1;
        if (!m->id[m->n]) break;
        m->n++;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (!m->arm[i]) continue;
        size_t k = 0;
        while (k < m->narm && strcmp(m->arms[k], m->arm[i])) k++;
        if (k == m->narm) m->arms[m->narm++] = m->arm[i];
    }
    qsort(m->arms, m->narm, sizeof(char *), cmpstr);
    idrow_t *ir = malloc((m->n + 1) * sizeof(*ir));
    if (ir && (m->ord = malloc((m->n + 1) * sizeof(size_t)))) {
        for (size_t i = 0; i < m->n; i++) ir[i] = (idrow_t){m->id[i], i};
        qsort(ir, m->n, sizeof(*ir), cmp_idrow);
        for (size_t i = 0; i < m->n; i++) m->ord[i] = ir[i].i;
    }
    free(ir);
done:
    rtsv_free(md);
    rtsv_free(sj);
}

const char *ctx_arm(const rctx_t *c, const char *sample, int *week)
{
    const smap_t *m = &((const rctx_priv_t *)c)->map;
    size_t lo = 0, hi = m->ord ? m->n : 0;
    while (lo < hi) { /* the first row with this id */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(m->id[m->ord[mid]], sample) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < (m->ord ? m->n : 0) && !strcmp(m->id[m->ord[lo]], sample)) {
        size_t i = m->ord[lo];
        if (week) *week = m->week[i];
        return m->arm[i];
    }
    if (week) *week = -1;
    return NULL;
}

int ctx_arm_index(const rctx_t *c, const char *arm)
{
    const smap_t *m = &((const rctx_priv_t *)c)->map;
    for (size_t k = 0; arm && k < m->narm; k++)
        if (!strcmp(m->arms[k], arm)) return (int)k;
    return -1;
}

size_t ctx_n_arms(const rctx_t *c)
{
    return ((const rctx_priv_t *)c)->map.narm;
}

const char *ctx_arm_name(const rctx_t *c, size_t k)
{
    return ((const rctx_priv_t *)c)->map.arms[k];
}

const ftab_t *ctx_features(rctx_t *c)
{
    if (!c->ftab_tried) {
        c->ftab_tried = 1;
        lm_err_clear(&c->ftab_err);
        c->ftab = ftab_read(c->dir, "features/table.tsv", &c->ftab_err);
    }
    return c->ftab;
}

/* ---- page structure -------------------------------------------------------------- */

void sec_begin(rctx_t *c, const char *id, const char *title)
{
    rb_printf(c->b, "<section id=\"%s\">\n<h2>", id);
    rb_esc(c->b, title);
    rb_put(c->b, "</h2>\n");
    rb_printf(c->toc, "<a href=\"#%s\">", id);
    rb_esc(c->toc, title);
    rb_put(c->toc, "</a>");
}

void sec_end(rctx_t *c)
{
    rb_put(c->b, "</section>\n");
}

void sub_begin(rctx_t *c, const char *title)
{
    rb_put(c->b, "<h3>");
    rb_esc(c->b, title);
    rb_put(c->b, "</h3>\n");
}

void note(rctx_t *c, const char *fmt, ...)
{
    char s[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof(s), fmt, ap);
    va_end(ap);
    rb_put(c->b, "<p class=\"note\">");
    rb_esc(c->b, s);
    rb_put(c->b, "</p>\n");
}

void table_begin(rctx_t *c, const char *caption, const char *const *head, size_t n, const char *tsv)
{
    rbuf_t *b = c->b;
    if (caption || tsv) {
        rb_put(b, "<p class=\"sub\">");
        if (caption) rb_esc(b, caption);
        if (tsv) {
            rb_put(b, " Data: <a href=\"");
            rb_href(b, c->link);
            rb_href(b, tsv);
            rb_put(b, "\">");
            rb_esc(b, tsv);
            rb_put(b, "</a>");
        }
        rb_put(b, "</p>\n");
    }
    rb_put(b, "<div class=\"wrap\"><table class=\"sortable\"><thead><tr>");
    for (size_t i = 0; i < n; i++) {
        rb_put(b, "<th>");
        rb_esc(b, head[i]);
        rb_put(b, "</th>");
    }
    rb_put(b, "</tr></thead><tbody>\n");
}

void table_end(rctx_t *c)
{
    rb_put(c->b, "</tbody></table></div>\n");
}

void td_text(rctx_t *c, const char *s)
{
    rb_put(c->b, "<td>");
    rb_esc(c->b, s);
    rb_put(c->b, "</td>");
}

void td_num(rctx_t *c, double v, int sig)
{
    rb_put(c->b, "<td class=\"n\">");
    rb_num(c->b, v, sig);
    rb_put(c->b, "</td>");
}

/* ---- the whole page -------------------------------------------------------------- */

/* The prefix that makes a path inside the results folder a link from the page's folder:
 * "" when the page is in the folder (the usual case), else the folder's absolute path. */
static char *link_prefix(const char *dir, const char *out)
{
    char rd[PATH_MAX], od[PATH_MAX], tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", out);
    char *slash = strrchr(tmp, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(tmp, sizeof(tmp), ".");
    if (!realpath(dir, rd)) return strdup("");
    if (realpath(tmp[0] ? tmp : "/", od) && !strcmp(rd, od)) return strdup("");
    size_t l = strlen(rd) + 2;
    char *p = malloc(l);
    if (p) snprintf(p, l, "%s/", rd);
    return p;
}

int lm_report_write(const char *dir, const char *out_path, lm_err_t *err)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return lm_err_set(err, LM_ENOINPUT, dir, 0, 0, "not a results folder: %s",
                          errno ? strerror(errno) : "not a directory");
    char *def = out_path ? NULL : path_join(dir, "report.html");
    const char *out = out_path ? out_path : def;
    if (!out) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    int mk = lm_mkdir_parents(out, err);
    if (mk) {
        free(def);
        return mk;
    }
    rbuf_t body = {0}, toc = {0}, page = {0};
    rctx_priv_t pc;
    memset(&pc, 0, sizeof(pc));
    rctx_t *c = &pc.pub;
    c->dir = dir;
    c->b = &body;
    c->toc = &toc;
    char *link = link_prefix(dir, out);
    c->link = link ? link : "";
    map_load(c, &pc.map);

    sec_run(c);
    sec_reads(c);
    sec_composition(c);
    sec_diversity(c);
    sec_clinical(c);

    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) now = (time_t)strtoll(sde, NULL, 10);
    struct tm tmv;
    char date[64];
    gmtime_r(&now, &tmv);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tmv);
    rb_put(&page, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                  "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
                  "<title>lumen report</title>\n<style>\n");
    rb_put(&page, css);
    rb_put(&page, "</style></head>\n<body data-errors=\"0\">\n<h1>lumen report</h1>\n"
                  "<p class=\"sub\">Results folder <code>");
    rb_esc(&page, dir);
    rb_printf(&page,
              "</code>; page written %s by lumen %s. Every figure links to the table it"
              " was drawn from. Click a table's header to sort it.</p>\n<nav>",
              date, LM_VERSION);
    if (toc.s) rb_put(&page, toc.s);
    rb_put(&page, "</nav>\n");
    if (body.s) rb_put(&page, body.s);
    rb_put(&page, "<script>\n");
    rb_put(&page, js);
    rb_put(&page, "</script>\n</body></html>\n");

    int rc = 0;
    if (page.oom || body.oom || toc.oom)
        rc = lm_err_set(err, LM_ENOMEM, out, 0, 0, "out of memory");
    lm_afile_t *f = NULL;
    if (!rc && !(f = lm_afile_open(out, err))) rc = err->code;
    if (!rc) {
        FILE *fp = lm_afile_stream(f);
        if (fwrite(page.s, 1, page.n, fp) != page.n) {
            lm_afile_abort(f);
            rc = lm_err_set(err, LM_EIO, out, 0, 0, "write failed: %s", strerror(errno));
        } else {
            rc = lm_afile_commit(f, err);
        }
    }
    rb_free(&body);
    rb_free(&toc);
    rb_free(&page);
    map_free(&pc.map);
    ftab_free(c->ftab);
    free(link);
    free(def);
    return rc;
}

rtsv_t *rtsv_or_note(rctx_t *c, const char *rel, const char *what)
{
    lm_err_t e;
    lm_err_clear(&e);
    rtsv_t *t = rtsv_read(c->dir, rel, &e);
    if (!t)
        note(c, "%s %s: %s", rel, e.code == LM_ENOINPUT ? "is absent" : "could not be read", what);
    return t;
}
