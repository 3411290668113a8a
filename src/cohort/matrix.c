/* SPDX-License-Identifier: MIT */
/* Reading the tables the diversity and taxa stages write: alpha.tsv, square distance
 * matrices (scikit-bio's TSV) and feature tables (biom's TSV). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohort_internal.h"
#include "lumen/cohort.h"

static char *dup(const char *s)
{
    size_t l = strlen(s) + 1;
    char *d = malloc(l);
    if (d) memcpy(d, s, l);
    return d;
}

void lm_matrix_destroy(lm_matrix_t *m)
{
    if (!m) return;
    for (size_t i = 0; m->row_id && i < m->nrow; i++) free(m->row_id[i]);
    for (size_t j = 0; m->col_id && j < m->ncol; j++) free(m->col_id[j]);
    free(m->row_id);
    free(m->col_id);
    free(m->row_line);
    free(m->v);
    free(m->path);
    free(m);
}

long lm_matrix_row(const lm_matrix_t *m, const char *id)
{
    /* Tables have hundreds of rows and are searched once per join: linear is enough. */
    for (size_t i = 0; i < m->nrow; i++)
        if (strcmp(m->row_id[i], id) == 0) return (long)i;
    return -1;
}

static int check_unique(const lm_matrix_t *m, lm_err_t *err)
{
    for (size_t i = 1; i < m->nrow; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(m->row_id[i], m->row_id[k]) == 0)
                return lm_err_set(err, LM_EFORMAT, m->path, m->row_line[i], 0,
                                  "duplicate ID '%s' (also on line %llu)", m->row_id[i],
                                  (unsigned long long)m->row_line[k]);
    return 0;
}

static int check_dist(const lm_matrix_t *m, lm_err_t *err)
{
    if (m->nrow != m->ncol)
        return lm_err_set(err, LM_EFORMAT, m->path, 0, 0,
                          "distance matrix has %zu rows but %zu columns", m->nrow, m->ncol);
    for (size_t i = 0; i < m->nrow; i++) {
        uint64_t ln = m->row_line[i];
        if (strcmp(m->row_id[i], m->col_id[i]) != 0)
            return lm_err_set(err, LM_EFORMAT, m->path, ln, 0,
                              "row ID '%s' differs from column %zu's '%s'", m->row_id[i], i + 1,
                              m->col_id[i]);
        for (size_t j = 0; j < m->ncol; j++) {
            double v = m->v[i * m->ncol + j];
            if (isnan(v) || v < 0)
                return lm_err_set(err, LM_EFORMAT, m->path, ln, 0,
                                  "distance to '%s' is missing or negative", m->col_id[j]);
            if (i == j && v != 0)
                return lm_err_set(err, LM_EFORMAT, m->path, ln, 0, "diagonal distance is %g, not 0",
                                  v);
            if (fabs(v - m->v[j * m->ncol + i]) > 1e-12 * (1 + fabs(v)))
                return lm_err_set(err, LM_EFORMAT, m->path, ln, 0, "matrix not symmetric at '%s'",
                                  m->col_id[j]);
        }
    }
    return 0;
}

lm_matrix_t *lm_matrix_read(const char *path, int kind, lm_err_t *err)
{
    tsv_t t;
    if (tsv_read(path, &t, err)) return NULL;
    lm_matrix_t *m = calloc(1, sizeof(*m));
    int rc = 0;
    if (!m) goto oom;
    const char *first = t.header.f[0];
    const char *want = kind == LM_MATRIX_ALPHA      ? "sample-id"
                       : kind == LM_MATRIX_FEATURES ? "#OTU ID"
                                                    : "";
    if (strcmp(first, want) != 0 &&
        !(kind == LM_MATRIX_ALPHA && (!strcmp(first, "id") || !strcmp(first, "sampleid")))) {
        rc = lm_err_set(err, LM_EFORMAT, path, t.header.line, 0,
                        "first header cell is '%s', expected '%s'", first, want);
        goto out;
    }
    m->nrow = t.nrows;
    m->ncol = t.header.n - 1;
    m->path = dup(path);
    m->row_id = calloc(m->nrow + 1, sizeof(*m->row_id));
    m->col_id = calloc(m->ncol + 1, sizeof(*m->col_id));
    m->row_line = calloc(m->nrow + 1, sizeof(*m->row_line));
    m->v = malloc((m->nrow * m->ncol + 1) * sizeof(*m->v));
    if (!m->path || !m->row_id || !m->col_id || !m->row_line || !m->v) goto oom;
    for (size_t j = 0; j < m->ncol; j++)
        if (!(m->col_id[j] = dup(t.header.f[j + 1]))) goto oom;
    for (size_t i = 0; i < m->nrow; i++) {
        const tsv_row_t *r = &t.rows[i];
        if (!(m->row_id[i] = dup(r->f[0]))) goto oom;
        m->row_line[i] = r->line;
        if (!*r->f[0]) {
            rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0, "empty ID");
            goto out;
        }
        for (size_t j = 0; j < m->ncol; j++) {
            double v;
            int c = cell_num(&t, r, (long)j + 1, &v, err);
            if (c < 0) {
                rc = c;
                goto out;
            }
            if (kind == LM_MATRIX_FEATURES && (c == 1 || v < 0)) {
                rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0,
                                "count for '%s' is missing or negative", m->col_id[j]);
                goto out;
            }
            m->v[i * m->ncol + j] = v;
        }
    }
    rc = check_unique(m, err);
    if (!rc && kind == LM_MATRIX_DIST) rc = check_dist(m, err);
    goto out;
oom:
    rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
out:
    tsv_free(&t);
    if (rc) {
        lm_matrix_destroy(m);
        return NULL;
    }
    return m;
}
