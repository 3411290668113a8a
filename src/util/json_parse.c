/* SPDX-License-Identifier: MIT */
/* A small recursive-descent JSON reader (RFC 8259): enough to read back lumen's own
 * records (provenance.json for --params, per-sample QC records). It refuses what a strict
 * parser refuses (trailing commas, leading zeros, bare control characters, lone
 * surrogates) and reports the line, so a hand-edited file gets a useful message. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lumen/util.h"

#define MAX_DEPTH 256

typedef struct parser {
    const char *p, *end, *path;
    uint64_t line;
    lm_err_t *err;
} parser_t;

static int fail(parser_t *ps, const char *what)
{
    if (ps->err->code == 0) lm_err_set(ps->err, LM_EFORMAT, ps->path, ps->line, 0, "%s", what);
    return -1;
}

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '\n')
            ps->line++;
        else if (c != ' ' && c != '\t' && c != '\r')
            break;
        ps->p++;
    }
}

static int parse_value(parser_t *ps, lm_jval_t *v, int depth);

static int hex4(parser_t *ps, unsigned *out)
{
    if (ps->end - ps->p < 4) return fail(ps, "JSON: truncated \\u escape");
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        char c = *ps->p++;
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x |= (unsigned)(c - 'A' + 10);
        else
            return fail(ps, "JSON: bad \\u escape");
    }
    *out = x;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* At the opening quote. The decoded text is never longer than the escaped one. */
static int parse_string(parser_t *ps, char **out)
{
    ps->p++;
    const char *s = ps->p;
    while (ps->p < ps->end && *ps->p != '"') ps->p += *ps->p == '\\' ? 2 : 1;
    if (ps->p >= ps->end) return fail(ps, "JSON: unterminated string");
    size_t cap = (size_t)(ps->p - s) + 1;
    char *o = malloc(cap), *w = o;
    if (!o) return lm_err_set(ps->err, LM_ENOMEM, NULL, 0, 0, "out of memory"), -1;
    ps->p = s;
    while (*ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p++;
        if (c < 0x20) {
            free(o);
            return fail(ps, "JSON: control character inside a string");
        }
        if (c != '\\') {
            *w++ = (char)c;
            continue;
        }
        char e = *ps->p++;
        unsigned cp;
        switch (e) {
        case '"':
            *w++ = '"';
            break;
        case '\\':
            *w++ = '\\';
            break;
        case '/':
            *w++ = '/';
            break;
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'u':
            if (hex4(ps, &cp)) break;
            if (cp >= 0xd800 && cp < 0xdc00) { /* a surrogate pair: six more characters */
                unsigned lo;
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    fail(ps, "JSON: lone surrogate in \\u escape");
                    break;
                }
                ps->p += 2;
                if (hex4(ps, &lo)) break;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    fail(ps, "JSON: lone surrogate in \\u escape");
                    break;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                fail(ps, "JSON: lone surrogate in \\u escape");
                break;
            } else if (cp == 0) {
                fail(ps, "JSON: \\u0000 inside a string");
                break;
            }
            w += put_utf8(w, cp);
            break;
        default:
            fail(ps, "JSON: unknown escape in a string");
        }
        if (ps->err->code) {
            free(o);
            return -1;
        }
    }
    ps->p++;
    *w = 0;
    *out = o;
    return 0;
}

static int parse_number(parser_t *ps, lm_jval_t *v)
{
    const char *s = ps->p, *q = s;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end || *q < '0' || *q > '9') return fail(ps, "JSON: bad number");
    if (*q == '0' && q + 1 < ps->end && q[1] >= '0' && q[1] <= '9')
        return fail(ps, "JSON: number with a leading zero");
    while (q < ps->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
                           *q == '+' || *q == '-'))
        q++;
    char buf[64];
    if ((size_t)(q - s) >= sizeof(buf)) return fail(ps, "JSON: number too long");
    memcpy(buf, s, (size_t)(q - s));
    buf[q - s] = 0;
    char *e;
    errno = 0;
    v->num = strtod(buf, &e);
    if (*e || (buf[q - s - 1] < '0' || buf[q - s - 1] > '9') || strstr(buf, ".e") ||
        strstr(buf, ".E") || (errno == ERANGE && !isfinite(v->num)))
        return fail(ps, "JSON: bad number");
    v->type = LM_JNUM;
    ps->p = q;
    return 0;
}

static int grow(parser_t *ps, lm_jval_t *v, size_t *cap, int obj)
{
    if (v->n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 4;
    lm_jval_t *it = realloc(v->items, nc * sizeof(*it));
    if (it) v->items = it;
    char **k = obj ? realloc(v->keys, nc * sizeof(*k)) : NULL;
    if (obj && k) v->keys = k;
    if (!it || (obj && !k)) return lm_err_set(ps->err, LM_ENOMEM, NULL, 0, 0, "out of memory"), -1;
    *cap = nc;
    return 0;
}

static int parse_container(parser_t *ps, lm_jval_t *v, int depth, int obj)
{
    if (depth >= MAX_DEPTH) return fail(ps, "JSON: nested too deeply");
    v->type = obj ? LM_JOBJ : LM_JARR;
    char close = obj ? '}' : ']';
    size_t cap = 0;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) return ps->p++, 0;
    for (;;) {
        if (grow(ps, v, &cap, obj)) return -1;
        lm_jval_t *it = &v->items[v->n];
        memset(it, 0, sizeof(*it));
        if (obj) {
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "JSON: expected a member name");
            if (parse_string(ps, &v->keys[v->n])) return -1;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                v->n++;
                return fail(ps, "JSON: expected ':' after a member name");
            }
            ps->p++;
        }
        v->n++;
        if (parse_value(ps, it, depth + 1)) return -1;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) return ps->p++, 0;
        return fail(ps, obj ? "JSON: expected ',' or '}'" : "JSON: expected ',' or ']'");
    }
}

static int literal(parser_t *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "JSON: unexpected characters");
    ps->p += n;
    return 0;
}

static int parse_value(parser_t *ps, lm_jval_t *v, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end) return fail(ps, "JSON: unexpected end of input");
    switch (*ps->p) {
    case '{':
        return parse_container(ps, v, depth, 1);
    case '[':
        return parse_container(ps, v, depth, 0);
    case '"':
        v->type = LM_JSTR;
        return parse_string(ps, &v->str);
    case 't':
        v->type = LM_JBOOL, v->boolean = 1;
        return literal(ps, "true");
    case 'f':
        v->type = LM_JBOOL;
        return literal(ps, "false");
    case 'n':
        v->type = LM_JNULL;
        return literal(ps, "null");
    default:
        return parse_number(ps, v);
    }
}

static void free_inner(lm_jval_t *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free_inner(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

void lm_json_free(lm_jval_t *v)
{
    if (!v) return;
    free_inner(v);
    free(v);
}

lm_jval_t *lm_json_parse(const char *text, size_t len, const char *path, lm_err_t *err)
{
    parser_t ps = {.p = text, .end = text + len, .path = path, .line = 1, .err = err};
    lm_jval_t *v = calloc(1, sizeof(*v));
    if (!v) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory"), NULL;
    lm_err_clear(err);
    int rc = parse_value(&ps, v, 0);
    if (!rc) {
        skip_ws(&ps);
        if (ps.p != ps.end) rc = fail(&ps, "JSON: unexpected characters after the value");
    }
    if (rc) {
        lm_json_free(v);
        return NULL;
    }
    return v;
}

lm_jval_t *lm_json_read_file(const char *path, lm_err_t *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno)), NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, fp);
        if (n < cap) break;
        char *nb = cap < ((size_t)1 << 30) ? realloc(buf, cap * 2) : NULL;
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (!buf) return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory (or over 1 GB)"), NULL;
    if (bad) {
        free(buf);
        return lm_err_set(err, LM_EIO, path, 0, 0, "read error"), NULL;
    }
    lm_jval_t *v = lm_json_parse(buf, n, path, err);
    free(buf);
    return v;
}

const lm_jval_t *lm_json_get(const lm_jval_t *obj, const char *key)
{
    if (!obj || obj->type != LM_JOBJ) return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
    return NULL;
}
