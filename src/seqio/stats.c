/* SPDX-License-Identifier: MIT */
/* Per-file read statistics for lumen qc, and expected errors as vsearch counts them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lumen/seqio.h"

const double lm_ee_bin_edges[LM_EE_NBINS - 1] = {0.25, 0.5, 1, 2, 3, 5, 10};

/* 10^(-Q/10) for every Phred+33 byte; bytes below '!' map to Q0. */
static double g_perr[256];

static void init_perr(void)
{
    if (g_perr[0] != 0.0) return;
    for (int c = 0; c < 256; c++) {
        int q = c - 33;
        if (q < 0) q = 0;
        g_perr[c] = pow(10.0, -q / 10.0);
    }
}

double lm_phred_error(unsigned char c)
{
    init_perr();
    return g_perr[c];
}

double lm_expected_errors(const char *qual, size_t len)
{
    init_perr();
    double ee = 0.0;
    for (size_t i = 0; i < len; i++) ee += g_perr[(unsigned char)qual[i]];
    return ee;
}

void lm_fqstats_init(lm_fqstats_t *s)
{
    memset(s, 0, sizeof(*s));
    init_perr();
}

void lm_fqstats_free(lm_fqstats_t *s)
{
    free(s->len_hist);
    free(s->qual_sum);
    free(s->qual_n);
    memset(s, 0, sizeof(*s));
}

static int grow(lm_fqstats_t *s, size_t need)
{
    if (need <= s->npos) return 0;
    size_t n = s->npos ? s->npos : 256;
    while (n < need) n *= 2;
    uint64_t *h = realloc(s->len_hist, (n + 1) * sizeof(*h));
    if (!h) return LM_ENOMEM;
    s->len_hist = h;
    uint64_t *qs = realloc(s->qual_sum, n * sizeof(*qs));
    if (!qs) return LM_ENOMEM;
    s->qual_sum = qs;
    uint64_t *qn = realloc(s->qual_n, n * sizeof(*qn));
    if (!qn) return LM_ENOMEM;
    s->qual_n = qn;
    size_t old = s->npos;
    memset(s->len_hist + (old ? old + 1 : 0), 0, (n + 1 - (old ? old + 1 : 0)) * sizeof(*h));
    memset(s->qual_sum + old, 0, (n - old) * sizeof(*qs));
    memset(s->qual_n + old, 0, (n - old) * sizeof(*qn));
    s->npos = n;
    return 0;
}

int lm_fqstats_add(lm_fqstats_t *s, const lm_seqrec_t *rec)
{
    size_t len = rec->seq.l;
    if (grow(s, len > 0 ? len : 1)) return LM_ENOMEM;
    if (s->reads == 0 || len < s->min_len) s->min_len = len;
    if (len > s->max_len) s->max_len = len;
    s->reads++;
    s->bases += len;
    s->len_hist[len]++;
    const unsigned char *b = (const unsigned char *)rec->seq.s;
    uint64_t n = 0, gc = 0;
    for (size_t i = 0; i < len; i++) {
        n += b[i] == 'N';
        gc += b[i] == 'G' || b[i] == 'C' || b[i] == 'S';
    }
    s->n_bases += n;
    s->gc_bases += gc;
    if (rec->qual.l == len && len > 0) {
        const unsigned char *q = (const unsigned char *)rec->qual.s;
        uint64_t q30 = 0;
        double ee = 0.0;
        for (size_t i = 0; i < len; i++) {
            unsigned v = q[i] - 33u;
            s->qual_sum[i] += v;
            s->qual_n[i]++;
            q30 += v >= 30;
            ee += g_perr[q[i]];
        }
        s->q30_bases += q30;
        s->qual_bases += len;
        s->ee_sum += ee;
        int bin = 0;
        while (bin < LM_EE_NBINS - 1 && ee >= lm_ee_bin_edges[bin]) bin++;
        s->ee_hist[bin]++;
    }
    return 0;
}
