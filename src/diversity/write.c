/* SPDX-License-Identifier: MIT */
/* The diversity output files. %.17g round-trips every double exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>

#include "lumen/diversity.h"

/* Append x as %.17g; NaN is "nan" whatever its sign bit (glibc would print "-nan"). */
static int put_double(kstring_t *s, double x)
{
    if (isnan(x)) return kputs("nan", s) < 0 ? -1 : 0;
    return ksprintf(s, "%.17g", x) < 0 ? -1 : 0;
}

static void fput_double(FILE *f, double x)
{
    if (isnan(x))
        fputs("nan", f);
    else
        fprintf(f, "%.17g", x);
}

int lm_div_write_alpha(const char *path, size_t n, const char *const *ids, const lm_div_alpha_t *a,
                       lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    FILE *o = lm_afile_stream(f);
    fputs("sample-id\tobserved_features\tchao1\tshannon\tsimpson\tpielou_evenness\t"
          "goods_coverage\n",
          o);
    for (size_t i = 0; i < n; i++) {
        double v[6] = {a[i].observed, a[i].chao1,  a[i].shannon,
                       a[i].simpson,  a[i].pielou, a[i].goods};
        fputs(ids[i], o);
        for (int k = 0; k < 6; k++) {
            fputc('\t', o);
            fput_double(o, v[k]);
        }
        fputc('\n', o);
    }
    return lm_afile_commit(f, err);
}

/* Rows are formatted in blocks of a fixed size, in parallel, and written in order. */
#define ROW_BLOCK 64

int lm_div_write_matrix(const char *path, size_t n, const char *const *ids, const double *D,
                        int threads, lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    FILE *o = lm_afile_stream(f);
    for (size_t i = 0; i < n; i++) fprintf(o, "\t%s", ids[i]);
    fputc('\n', o);
    kstring_t row[ROW_BLOCK] = {{0}};
    int oom = 0;
    for (size_t b = 0; !oom && b < n; b += ROW_BLOCK) {
        size_t m = n - b < ROW_BLOCK ? n - b : ROW_BLOCK;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) reduction(| : oom)
        for (size_t r = 0; r < m; r++) {
            kstring_t *s = &row[r];
            s->l = 0;
            size_t i = b + r;
            oom |= kputs(ids[i], s) < 0;
            for (size_t j = 0; j < n && !oom; j++)
                oom |= kputc('\t', s) < 0 || put_double(s, D[i * n + j]) < 0;
            oom |= kputc('\n', s) < 0;
        }
        for (size_t r = 0; !oom && r < m; r++) fwrite(row[r].s, 1, row[r].l, o);
    }
    for (size_t r = 0; r < ROW_BLOCK; r++) free(row[r].s);
    if (oom) {
        lm_afile_abort(f);
        return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    }
    return lm_afile_commit(f, err);
}

int lm_div_write_pcoa(const char *coords_path, const char *axes_path, const char *const *ids,
                      const lm_div_pcoa_t *p, size_t axes, lm_err_t *err)
{
    size_t n = p->n, k = axes == 0 || axes > n ? n : axes;
    lm_afile_t *f = lm_afile_open(coords_path, err);
    if (!f) return err->code;
    FILE *o = lm_afile_stream(f);
    fputs("sample-id", o);
    for (size_t a = 0; a < k; a++) fprintf(o, "\tPC%zu", a + 1);
    fputc('\n', o);
    for (size_t i = 0; i < n; i++) {
        fputs(ids[i], o);
        for (size_t a = 0; a < k; a++) {
            fputc('\t', o);
            fput_double(o, p->coords[i * n + a]);
        }
        fputc('\n', o);
    }
    lm_afile_t *g = lm_afile_open(axes_path, err);
    if (!g) {
        lm_afile_abort(f);
        return err->code;
    }
    o = lm_afile_stream(g);
    fputs("axis\teigenvalue\tproportion_explained\traw_eigenvalue\n", o);
    for (size_t a = 0; a < n; a++) {
        fprintf(o, "PC%zu\t", a + 1);
        fput_double(o, p->eigvals[a]);
        fputc('\t', o);
        fput_double(o, p->proportion[a]);
        fputc('\t', o);
        fput_double(o, p->raw_eigvals[a]);
        fputc('\n', o);
    }
    int rc = lm_afile_commit(f, err);
    if (rc) {
        lm_afile_abort(g);
        return rc;
    }
    return lm_afile_commit(g, err);
}
