/* SPDX-License-Identifier: MIT */
/* Section "Run": what made these results (provenance.json, shown as it is, flattened to
 * key = value), and how many samples and reads went in (qc/summary.tsv). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

enum { MAX_ROWS = 400 };

static void scalar(rbuf_t *b, const rjson_t *v)
{
    switch (v->type) {
    case LM_JNULL:
        rb_put(b, "null");
        break;
    case LM_JBOOL:
        rb_put(b, v->boolean ? "true" : "false");
        break;
    case LM_JNUM:
        rb_num(b, v->num, 10);
        break;
    case LM_JSTR:
        rb_esc(b, v->str);
        break;
    default:
        break;
    }
}

static int all_scalar(const rjson_t *v)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i].type == LM_JARR || v->items[i].type == LM_JOBJ) return 0;
    return 1;
}

/* One table row per leaf; arrays of scalars on one row. */
static void flatten(rctx_t *c, const rjson_t *v, char *key, size_t klen, size_t *rows)
{
    if (*rows >= MAX_ROWS) return;
    if ((v->type != LM_JOBJ && v->type != LM_JARR) || (v->type == LM_JARR && all_scalar(v))) {
        rb_put(c->b, "<tr><td>");
        rb_esc(c->b, key);
        rb_put(c->b, "</td><td>");
        if (v->type == LM_JARR)
            for (size_t i = 0; i < v->n && i < 200; i++) {
                if (i) rb_put(c->b, ", ");
                scalar(c->b, &v->items[i]);
            }
        else
            scalar(c->b, v);
        rb_put(c->b, "</td></tr>\n");
        (*rows)++;
        return;
    }
    size_t l = strlen(key);
    for (size_t i = 0; i < v->n; i++) {
        if (v->type == LM_JOBJ)
            snprintf(key + l, klen - l, "%s%s", l ? "." : "", v->keys[i]);
        else
            snprintf(key + l, klen - l, "[%zu]", i);
        flatten(c, &v->items[i], key, klen, rows);
    }
    key[l] = 0;
}

/* An array of objects (inputs, stages) as a table whose columns are the members' keys in
 * order of first appearance. */
static void records(rctx_t *c, const char *name, const rjson_t *arr)
{
    const char *cols[32];
    size_t nc = 0;
    for (size_t i = 0; i < arr->n; i++) {
        const rjson_t *o = &arr->items[i];
        if (o->type != LM_JOBJ) return;
        for (size_t k = 0; k < o->n && nc < 32; k++) {
            size_t j = 0;
            while (j < nc && strcmp(cols[j], o->keys[k])) j++;
            if (j == nc) cols[nc++] = o->keys[k];
        }
    }
    char cap[160];
    snprintf(cap, sizeof(cap), "Run %s:", name ? name : "records");
    table_begin(c, cap, cols, nc, "provenance.json");
    for (size_t i = 0; i < arr->n && i < MAX_ROWS; i++) {
        rb_put(c->b, "<tr>");
        for (size_t j = 0; j < nc; j++) {
            const rjson_t *v = rjson_get(&arr->items[i], cols[j]);
            rb_put(c->b, v && v->type == LM_JNUM ? "<td class=\"n\">" : "<td>");
            if (v && v->type != LM_JOBJ && v->type != LM_JARR) scalar(c->b, v);
            rb_put(c->b, "</td>");
        }
        rb_put(c->b, "</tr>\n");
    }
    table_end(c);
}

void sec_run(rctx_t *c)
{
    sec_begin(c, "run", "Run");
    lm_err_t e;
    lm_err_clear(&e);
    rtsv_t *qc = rtsv_read(c->dir, "qc/summary.tsv", &e);
    if (qc) {
        int ci = rtsv_colidx(qc, "reads_in"), cp = rtsv_colidx(qc, "passed_filter"),
            cs = rtsv_colidx(qc, "status");
        double rin = 0, pass = 0;
        size_t ok = 0;
        for (size_t i = 0; i < qc->nrow; i++) {
            double a = rtsv_num(qc, i, ci), p = rtsv_num(qc, i, cp);
            if (!isnan(a)) rin += a;
            if (!isnan(p)) pass += p;
            ok += cs < 0 || !strcmp(rtsv_get(qc, i, cs), "ok");
        }
        rb_printf(c->b,
                  "<p>Samples: <b>%zu</b> (%zu processed without error). Read pairs in: "
                  "<b>%.0f</b>; passed the filters: <b>%.0f</b> (%.1f%%).</p>\n",
                  qc->nrow, ok, rin, pass, rin > 0 ? 100 * pass / rin : 0.0);
        rtsv_free(qc);
    }
    char *pp = path_join(c->dir, "provenance.json");
    rjson_t *pj = NULL;
    if (pp && file_exists(c->dir, "provenance.json")) {
        pj = rjson_read(pp, &e);
        if (!pj) note(c, "provenance.json could not be read (%s); run details left out.", e.msg);
    } else {
        note(c, "No provenance.json in the results folder (written by lumen run / lumen summary): "
                "version, command, parameters and input checksums are left out.");
    }
    free(pp);
    if (pj && pj->type == LM_JOBJ) {
        /* scalars and lists of scalars (the command line) first, as a definition list */
        rb_put(c->b, "<dl class=\"kv\">");
        for (size_t i = 0; i < pj->n; i++) {
            const rjson_t *v = &pj->items[i];
            if (v->type == LM_JOBJ || (v->type == LM_JARR && !all_scalar(v))) continue;
            rb_put(c->b, "<dt>");
            rb_esc(c->b, pj->keys[i]);
            rb_put(c->b, "</dt><dd>");
            if (v->type == LM_JARR)
                for (size_t k = 0; k < v->n; k++) {
                    if (k) rb_put(c->b, " ");
                    scalar(c->b, &v->items[k]);
                }
            else
                scalar(c->b, v);
            rb_put(c->b, "</dd>");
        }
        rb_put(c->b, "</dl>\n");
        /* lists of records (inputs with their checksums, stages with their resources) as
         * tables; objects (parameters, seeds) flattened to key = value */
        for (size_t i = 0; i < pj->n; i++) {
            const rjson_t *v = &pj->items[i];
            if (v->type == LM_JARR && !all_scalar(v)) records(c, pj->keys[i], v);
        }
        static const char *const head[] = {"key", "value"};
        int any = 0;
        for (size_t i = 0; i < pj->n; i++) any |= pj->items[i].type == LM_JOBJ;
        if (any) {
            table_begin(c, "Parameters and the other settings provenance.json records:", head, 2,
                        "provenance.json");
            char key[512];
            size_t rows = 0;
            for (size_t i = 0; i < pj->n; i++) {
                if (pj->items[i].type != LM_JOBJ) continue;
                snprintf(key, sizeof(key), "%s", pj->keys[i]);
                flatten(c, &pj->items[i], key, sizeof(key), &rows);
            }
            table_end(c);
            if (rows >= MAX_ROWS) note(c, "Only the first %d entries are shown.", MAX_ROWS);
        }
    } else if (pj) {
        note(c, "provenance.json is not a JSON object; run details left out.");
    }
    rjson_free(pj);
    sec_end(c);
}
