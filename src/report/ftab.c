/* SPDX-License-Identifier: MIT */
/* features/table.tsv read for the report: per sample only its total and its non-zero
 * counts (what the reads table and the rarefaction curves need). The table of a full
 * trial is tens of thousands of features by hundreds of samples and mostly zeros, so it
 * is streamed line by line and never held dense. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

void ftab_free(ftab_t *f)
{
    if (!f) return;
    for (size_t j = 0; j < f->ns; j++) {
        free(f->id[j]);
        free(f->cnt[j]);
    }
    free(f->id);
    free(f->cnt);
    free(f->nnz);
    free(f->cap);
    free(f->total);
    free(f);
}

/* A non-negative count: digits (the usual case) parsed by hand, else strtod. */
static int parse_count(const char *s, const char *e, double *v)
{
    double x = 0;
    const char *p = s;
    while (p < e && *p >= '0' && *p <= '9') x = x * 10 + (*p++ - '0');
    if (p == e && p > s) {
        *v = x;
        return 0;
    }
    char buf[64], *end;
    size_t l = (size_t)(e - s);
    if (l == 0 || l >= sizeof(buf)) return -1;
    memcpy(buf, s, l);
    buf[l] = 0;
    x = strtod(buf, &end);
    if (*end || !(x >= 0) || !isfinite(x)) return -1;
    *v = x;
    return 0;
}

static int add_count(ftab_t *f, size_t j, double v)
{
    if (f->nnz[j] == f->cap[j]) {
        size_t cap = f->cap[j] ? 2 * f->cap[j] : 64;
        double *c = realloc(f->cnt[j], cap * sizeof(double));
        if (!c) return -1;
        f->cnt[j] = c;
        f->cap[j] = cap;
    }
    f->cnt[j][f->nnz[j]++] = v;
    f->total[j] += v;
    return 0;
}

ftab_t *ftab_read(const char *dir, const char *rel, lm_err_t *err)
{
    char *path = path_join(dir, rel);
    FILE *in = path ? fopen(path, "r") : NULL;
    if (!in) {
        if (path)
            lm_err_set(err, errno == ENOENT ? LM_ENOINPUT : LM_EIO, rel, 0, 0, "cannot open: %s",
                       strerror(errno));
        else
            lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        free(path);
        return NULL;
    }
    ftab_t *f = calloc(1, sizeof(*f));
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    uint64_t lineno = 0;
    int rc = f ? 0 : LM_ENOMEM, header = 0;
    while (!rc && (len = getline(&line, &lcap, in)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!header) {
            if (!strncmp(line, "# ", 2) || !*line) continue;
            header = 1;
            size_t n = 0;
            for (char *p = line; *p; p++) n += *p == '\t';
            f->ns = n;
            f->id = calloc(n + 1, sizeof(char *));
            f->cnt = calloc(n + 1, sizeof(double *));
            f->nnz = calloc(n + 1, sizeof(size_t));
            f->cap = calloc(n + 1, sizeof(size_t));
            f->total = calloc(n + 1, sizeof(double));
            if (!f->id || !f->cnt || !f->nnz || !f->cap || !f->total) {
                rc = LM_ENOMEM;
                break;
            }
            char *p = strchr(line, '\t');
            for (size_t j = 0; j < n && p; j++) {
                char *q = strchr(p + 1, '\t');
                size_t l = q ? (size_t)(q - p - 1) : strlen(p + 1);
                if (!(f->id[j] = malloc(l + 1))) {
                    rc = LM_ENOMEM;
                    break;
                }
                memcpy(f->id[j], p + 1, l);
                f->id[j][l] = 0;
                p = q;
            }
            continue;
        }
        if (!*line) continue;
        const char *p = strchr(line, '\t');
        size_t j = 0;
        while (p && !rc) {
            /* the hot loop of a large table: digits inline, anything else by parse_count */
            const char *s = ++p;
            double v = 0;
            while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
            if ((*p && *p != '\t') || p == s) {
                const char *e = p;
                while (*e && *e != '\t') e++;
                if (parse_count(s, e, &v)) {
                    rc = lm_err_set(err, LM_EFORMAT, rel, lineno, 0, "not a count: '%.*s'",
                                    (int)(e - s > 40 ? 40 : e - s), s);
                    break;
                }
                p = e;
            }
            if (j >= f->ns) {
                rc = lm_err_set(err, LM_EFORMAT, rel, lineno, 0, "more cells than the header");
                break;
            }
            if (v > 0 && add_count(f, j, v)) rc = LM_ENOMEM;
            j++;
            if (!*p) p = NULL;
        }
        if (!rc && j != f->ns)
            rc = lm_err_set(err, LM_EFORMAT, rel, lineno, 0, "%zu counts, the header has %zu", j,
                            f->ns);
    }
    if (!rc && ferror(in)) rc = lm_err_set(err, LM_EIO, rel, 0, 0, "read error");
    if (!rc && !header) rc = lm_err_set(err, LM_EFORMAT, rel, 0, 0, "no header line");
    if (rc == LM_ENOMEM) lm_err_set(err, rc, rel, 0, 0, "out of memory");
    free(line);
    fclose(in);
    free(path);
    if (rc) {
        ftab_free(f);
        return NULL;
    }
    return f;
}
