/* SPDX-License-Identifier: MIT */
/* Reading the results folder: TSV tables by column name (JSON records are read with
 * util's lm_json_read_file). The report tolerates what it does not
 * know (extra columns, absent keys); what it cannot parse becomes a note on the page. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report_internal.h"

char *path_join(const char *dir, const char *rel)
{
    size_t l = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(l);
    if (p) snprintf(p, l, "%s/%s", dir, rel);
    return p;
}

int file_exists(const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    struct stat st;
    int ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
}

static char *slurp(const char *path, size_t *len, lm_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lm_err_set(err, errno == ENOENT ? LM_ENOINPUT : LM_EIO, path, 0, 0,
                          "cannot open: %s", strerror(errno)),
               NULL;
    rbuf_t b = {0};
    char tmp[65536];
    size_t k;
    rb_put(&b, "");
    while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0) rb_putn(&b, tmp, k);
    int bad = ferror(f);
    fclose(f);
    if (bad || b.oom) {
        rb_free(&b);
        lm_err_set(err, bad ? LM_EIO : LM_ENOMEM, path, 0, 0, bad ? "read error" : "out of memory");
        return NULL;
    }
    *len = b.n;
    return b.s;
}

/* ---- TSV ------------------------------------------------------------------------- */

void rtsv_free(rtsv_t *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->ncol; i++) free(t->col[i]);
    free(t->col);
    free(t->cell);
    free(t->text);
    free(t->path);
    free(t);
}

/* Split one line (without its newline) into tabs; returns the number of fields. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *tab = strchr(p, '\t');
        if (n < max) f[n] = p;
        n++;
        if (!tab) break;
        *tab = 0;
        p = tab + 1;
    }
    return n;
}

rtsv_t *rtsv_read(const char *dir, const char *rel, lm_err_t *err)
{
    char *path = path_join(dir, rel);
    if (!path) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory"), NULL;
    size_t len;
    char *text = slurp(path, &len, err);
    rtsv_t *t = calloc(1, sizeof(*t));
    char **f = NULL;
    size_t cap = 0, fcap = 0;
    int rc = 0;
    if (!text || !t) {
        rc = text ? LM_ENOMEM : err->code;
        goto done;
    }
    t->path = strdup(rel);
    t->text = text;
    uint64_t lineno = 0;
    char *p = text, *end = text + len;
    while (p < end && !rc) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        if (le > p && le[-1] == '\r') le[-1] = 0;
        *le = 0;
        char *line = p;
        p = nl ? nl + 1 : end;
        lineno++;
        if (!t->col && (!strncmp(line, "# ", 2) || !*line)) continue;
        size_t ntab = 1;
        for (const char *q = line; *q; q++) ntab += *q == '\t';
        if (ntab > fcap) {
            fcap = ntab + 8;
            char **f2 = realloc(f, fcap * sizeof(*f));
            if (!f2) {
                rc = LM_ENOMEM;
                break;
            }
            f = f2;
        }
        size_t nf = split(line, f, fcap);
        if (!t->col) {
            t->ncol = nf;
            if (!(t->col = calloc(nf, sizeof(char *)))) rc = LM_ENOMEM;
            for (size_t i = 0; i < nf && !rc; i++)
                if (!(t->col[i] = strdup(f[i]))) rc = LM_ENOMEM;
            continue;
        }
        if (!*line && nf == 1) continue; /* blank line */
        if (nf > t->ncol) {
            rc = lm_err_set(err, LM_EFORMAT, path, lineno, 0, "%zu cells, the header has %zu", nf,
                            t->ncol);
            break;
        }
        if (t->nrow == cap) {
            cap = cap ? cap * 2 : 64;
            char **c2 = realloc(t->cell, cap * t->ncol * sizeof(char *));
            if (!c2) {
                rc = LM_ENOMEM;
                break;
            }
            t->cell = c2;
        }
        char **row = t->cell + t->nrow * t->ncol;
        for (size_t i = 0; i < t->ncol; i++) row[i] = NULL;
        t->nrow++;
        for (size_t i = 0; i < t->ncol && !rc; i++)
            row[i] = i < nf ? f[i] : (char *)""; /* cells point into t->text */
    }
    if (!rc && !t->col) rc = lm_err_set(err, LM_EFORMAT, path, 0, 0, "no header line");
    if (rc == LM_ENOMEM) lm_err_set(err, rc, path, 0, 0, "out of memory");
done:
    free(f);
    if (!t || t->text != text) free(text);
    free(path);
    if (rc) {
        rtsv_free(t);
        return NULL;
    }
    return t;
}

int rtsv_colidx(const rtsv_t *t, const char *name)
{
    for (size_t i = 0; i < t->ncol; i++)
        if (!strcmp(t->col[i], name)) return (int)i;
    return -1;
}

const char *rtsv_get(const rtsv_t *t, size_t row, int col)
{
    if (col < 0 || (size_t)col >= t->ncol || row >= t->nrow) return "";
    return t->cell[row * t->ncol + (size_t)col];
}

double rtsv_num(const rtsv_t *t, size_t row, int col)
{
    const char *s = rtsv_get(t, row, col);
    if (!*s || !strcmp(s, "NA")) return NAN;
    char *e;
    double v = strtod(s, &e);
    return *e ? NAN : v;
}
