/* SPDX-License-Identifier: MIT */
/* Reading the results folder: TSV tables by column name, and a small JSON parser for
 * provenance.json and the per-sample QC records. The report tolerates what it does not
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

/* ---- JSON ------------------------------------------------------------------------ */

typedef struct jp {
    const char *p, *end;
    int depth;
} jp_t;

static void ws(jp_t *j)
{
    while (j->p < j->end && isspace((unsigned char)*j->p)) j->p++;
}

static void put_utf8(rbuf_t *b, unsigned u)
{
    char s[4];
    if (u < 0x80) {
        s[0] = (char)u;
        rb_putn(b, s, 1);
    } else if (u < 0x800) {
        s[0] = (char)(0xC0 | (u >> 6));
        s[1] = (char)(0x80 | (u & 0x3F));
        rb_putn(b, s, 2);
    } else {
        s[0] = (char)(0xE0 | (u >> 12));
        s[1] = (char)(0x80 | ((u >> 6) & 0x3F));
        s[2] = (char)(0x80 | (u & 0x3F));
        rb_putn(b, s, 3);
    }
}

static char *jstring(jp_t *j)
{
    if (j->p >= j->end || *j->p != '"') return NULL;
    j->p++;
    rbuf_t b = {0};
    rb_put(&b, "");
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c != '\\') {
            rb_putn(&b, &c, 1);
            continue;
        }
        if (j->p >= j->end) break;
        c = *j->p++;
        switch (c) {
        case 'n':
            rb_put(&b, "\n");
            break;
        case 't':
            rb_put(&b, "\t");
            break;
        case 'r':
            rb_put(&b, "\r");
            break;
        case 'b':
            rb_put(&b, "\b");
            break;
        case 'f':
            rb_put(&b, "\f");
            break;
        case 'u': {
            unsigned u = 0;
            for (int k = 0; k < 4 && j->p < j->end; k++) {
                char h = *j->p++;
                u = u * 16 +
                    (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10) & 15);
            }
            put_utf8(&b, u >= 0xD800 && u < 0xE000 ? 0xFFFD : u); /* no surrogate pairs */
            break;
        }
        default:
            rb_putn(&b, &c, 1);
        }
    }
    if (j->p >= j->end || b.oom) {
        rb_free(&b);
        return NULL;
    }
    j->p++;
    return b.s;
}

static int jvalue(jp_t *j, rjson_t *v);

static int jlist(jp_t *j, rjson_t *v, int obj)
{
    size_t cap = 0;
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
        j->p++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            rjson_t *it = realloc(v->item, cap * sizeof(*it));
            if (!it) return -1;
            v->item = it;
        }
        rjson_t *it = &v->item[v->n];
        *it = (rjson_t){0};
        v->n++;
        ws(j);
        if (obj) {
            if (!(it->key = jstring(j))) return -1;
            ws(j);
            if (j->p >= j->end || *j->p != ':') return -1;
            j->p++;
        }
        if (jvalue(j, it)) return -1;
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
            j->p++;
            return 0;
        }
        return -1;
    }
}

static int jvalue(jp_t *j, rjson_t *v)
{
    ws(j);
    if (j->p >= j->end || ++j->depth > 64) return -1;
    int rc = 0;
    char c = *j->p;
    if (c == '{' || c == '[') {
        v->type = c == '{' ? RJ_OBJ : RJ_ARR;
        rc = jlist(j, v, c == '{');
    } else if (c == '"') {
        v->type = RJ_STR;
        rc = (v->str = jstring(j)) ? 0 : -1;
    } else if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
        v->type = RJ_BOOL;
        v->num = c == 't';
        j->p += c == 't' ? 4 : 5;
    } else if (!strncmp(j->p, "null", 4)) {
        v->type = RJ_NULL;
        j->p += 4;
    } else {
        char *e;
        v->type = RJ_NUM;
        v->num = strtod(j->p, &e);
        if (e == j->p) rc = -1;
        j->p = e;
    }
    j->depth--;
    return rc;
}

static void jfree(rjson_t *v)
{
    for (size_t i = 0; i < v->n; i++) jfree(&v->item[i]);
    free(v->item);
    free(v->key);
    free(v->str);
}

void rjson_free(rjson_t *v)
{
    if (!v) return;
    jfree(v);
    free(v);
}

rjson_t *rjson_read(const char *path, lm_err_t *err)
{
    size_t len;
    char *text = slurp(path, &len, err);
    if (!text) return NULL;
    rjson_t *v = calloc(1, sizeof(*v));
    jp_t j = {text, text + len, 0};
    int rc = v ? jvalue(&j, v) : -1;
    if (!rc) {
        ws(&j);
        rc = j.p == j.end ? 0 : -1;
    }
    if (rc) {
        if (v)
            lm_err_set(err, LM_EFORMAT, path, 0, 0, "not valid JSON near byte %zu",
                       (size_t)(j.p - text));
        else
            lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
        rjson_free(v);
        v = NULL;
    }
    free(text);
    return v;
}

const rjson_t *rjson_get(const rjson_t *o, const char *key)
{
    if (!o || o->type != RJ_OBJ) return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->item[i].key, key)) return &o->item[i];
    return NULL;
}
