/* SPDX-License-Identifier: MIT */
/* The diversity output files. %.17g round-trips every double exactly. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>

#include "lumen/diversity.h"

/* %.17g by exact integer arithmetic: x = m 2^e, and q = round(x 10^k) with k = 16 - X
 * holds the 17 significant digits; unsigned __int128 keeps m 10^k exact (< 2^123 for the
 * exponents allowed here). Rounding is to nearest, ties to even, as glibc's printf on the
 * exact binary value. Values whose %g form would be exponential (X < -4 or X >= 17) go
 * to snprintf. The unit tests compare this with snprintf on millions of doubles. */
__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};

static u128 pow10_u128(int k)
{
    return k < 20 ? (u128)pow10_u64[k] : (u128)pow10_u64[19] * pow10_u64[k - 19];
}

/* floor(m 2^e 10^k) and whether the rest is below, at or above one half (-1, 0, 1). */
static uint64_t scaled(uint64_t m, int e, int k, int *half)
{
    u128 p = (u128)m * pow10_u128(k);
    if (e >= 0) {
        *half = -1;
        return (uint64_t)(p << e);
    }
    int s = -e;
    u128 q = p >> s, r = p - (q << s), h = (u128)1 << (s - 1);
    *half = r < h ? (r == 0 ? -2 : -1) : r == h ? 0 : 1;
    return (uint64_t)q;
}

int lm_div_format_double(double x, char *buf)
{
    if (isnan(x)) return sprintf(buf, "nan");
    double a = fabs(x);
    if (a == 0 || !isfinite(a) || a < 1e-5 || a >= 1e17) return sprintf(buf, "%.17g", x);
    uint64_t bits;
    memcpy(&bits, &a, sizeof(bits));
    int be = (int)(bits >> 52);
    uint64_t m = (bits & ((1ull << 52) - 1)) | (1ull << 52);
    int e = be - 1075;
    int X = (int)floor(log10(a)), half;
    uint64_t q = scaled(m, e, 16 - X, &half);
    /* log10 may be off by one near powers of ten: settle X so q has 17 digits. */
    if (q >= pow10_u64[17]) q = scaled(m, e, 16 - ++X, &half);
    if (q < pow10_u64[16]) q = scaled(m, e, 16 - --X, &half);
    if (half > 0 || (half == 0 && (q & 1))) q++;
    if (q == pow10_u64[17]) q = pow10_u64[16], X++;
    if (X < -4 || X >= 17) return sprintf(buf, "%.17g", x);
    char d[17];
    for (int i = 16; i >= 0; i--, q /= 10) d[i] = (char)('0' + q % 10);
    int nd = 17;
    while (nd > 1 && d[nd - 1] == '0') nd--; /* %g drops trailing zeros */
    char *p = buf;
    if (x < 0) *p++ = '-';
    if (X >= 0) {
        for (int i = 0; i <= X; i++) *p++ = d[i];
        if (nd > X + 1) {
            *p++ = '.';
            for (int i = X + 1; i < nd; i++) *p++ = d[i];
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -X - 1; i++) *p++ = '0';
        for (int i = 0; i < nd; i++) *p++ = d[i];
    }
    *p = 0;
    return (int)(p - buf);
}

/* Append x as %.17g; NaN is "nan" whatever its sign bit (glibc would print "-nan"). */
static int put_double(kstring_t *s, double x)
{
    char buf[40];
    int n = lm_div_format_double(x, buf);
    return kputsn(buf, (size_t)n, s) < 0 ? -1 : 0;
}

static void fput_double(FILE *f, double x)
{
    char buf[40];
    lm_div_format_double(x, buf);
    fputs(buf, f);
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
