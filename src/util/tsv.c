/* SPDX-License-Identifier: MIT */
/* Whole-file TSV reading with line numbers: the tables lumen reads back (clinical tables,
 * QC records, stage summaries). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lumen/util.h"

static int split(char *line, lm_tsv_row_t *r, uint64_t lineno)
{
    size_t n = 1;
    for (char *p = line; *p; p++) n += *p == '\t';
    r->f = malloc(n * sizeof(*r->f));
    if (!r->f) return LM_ENOMEM;
    r->n = 0;
    r->line = lineno;
    char *s = line;
    for (;;) {
        char *tab = strchr(s, '\t');
        r->f[r->n++] = s;
        if (!tab) break;
        *tab = '\0';
        s = tab + 1;
    }
    return 0;
}

int lm_tsv_read(const char *path, lm_tsv_t *t, lm_err_t *err)
{
    memset(t, 0, sizeof(*t));
    t->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    t->buf = malloc(cap + 1);
    for (size_t got; t->buf && (got = fread(t->buf + len, 1, cap - len, f)) > 0;) {
        len += got;
        if (len == cap) {
            char *nb = realloc(t->buf, 2 * cap + 1);
            if (!nb) {
                free(t->buf);
                t->buf = NULL;
                break;
            }
            t->buf = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!t->buf) return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    if (bad) {
        lm_tsv_free(t);
        return lm_err_set(err, LM_EIO, path, 0, 0, "read failed");
    }
    t->buf[len] = '\0';
    const char *nul = memchr(t->buf, '\0', len);
    if (nul) { /* a binary or damaged file; the line parser would stop there silently */
        uint64_t at = 1;
        for (const char *c = t->buf; c < nul; c++) at += *c == '\n';
        lm_tsv_free(t);
        return lm_err_set(err, LM_EFORMAT, path, at, 0, "NUL byte in a text table");
    }
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++) nlines += t->buf[i] == '\n';
    t->rows = malloc(nlines * sizeof(*t->rows));
    if (!t->rows) {
        lm_tsv_free(t);
        return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    }
    int have_header = 0;
    uint64_t lineno = 0;
    for (char *s = t->buf; s && *s;) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = '\0';
        lineno++;
        size_t l = strlen(s);
        if (l && s[l - 1] == '\r') s[--l] = '\0';
        int blank = strspn(s, " \t") == l;
        if (!blank && !(have_header ? s[0] == '#' : (s[0] == '#' && s[1] == ' '))) {
            lm_tsv_row_t *r = have_header ? &t->rows[t->nrows] : &t->header;
            if (split(s, r, lineno)) {
                lm_tsv_free(t);
                return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
            }
            if (have_header) {
                t->nrows++;
                if (r->n != t->header.n) {
                    int rc = lm_err_set(err, LM_EFORMAT, path, lineno, 0,
                                        "%zu cells, but the header has %zu", r->n, t->header.n);
                    lm_tsv_free(t);
                    return rc;
                }
            }
            have_header = 1;
        }
        s = nl ? nl + 1 : NULL;
    }
    if (!have_header) {
        lm_tsv_free(t);
        return lm_err_set(err, LM_EFORMAT, path, 0, 0, "empty file: no header line");
    }
    return 0;
}

void lm_tsv_free(lm_tsv_t *t)
{
    if (t->rows)
        for (size_t i = 0; i < t->nrows; i++) free(t->rows[i].f);
    free(t->rows);
    free(t->header.f);
    free(t->buf);
    memset(t, 0, sizeof(*t));
}

long lm_tsv_col(const lm_tsv_t *t, const char *name)
{
    for (size_t i = 0; i < t->header.n; i++)
        if (strcmp(t->header.f[i], name) == 0) return (long)i;
    return -1;
}

int lm_tsv_need(const lm_tsv_t *t, const char *name, long *col, lm_err_t *err)
{
    *col = lm_tsv_col(t, name);
    if (*col < 0)
        return lm_err_set(err, LM_EFORMAT, t->path, t->header.line, 0,
                          "missing column '%s' in the header", name);
    return 0;
}
