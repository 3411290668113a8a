/* SPDX-License-Identifier: MIT */
/* The lumen method's word selection (classify.h, LM_CLS_LUMEN): robust to a query that
 * reaches past the stretch of the gene the reference covers.
 *
 * In RDP's score a word no reference holds still counts, as log(P_w / (N_g + 1)) with
 * P_w = 0.5 / (N + 1): the same for every leaf but for -log(N_g + 1), so each such word
 * pushes the query towards the leaves with the fewest references. And past the covered
 * stretch, the words that do occur somewhere in the reference occur there by chance, in
 * few references, and pull the query towards those. Measured on the gold set (V4
 * references cut to 150 nt, 250-nt V4 queries), 97-99% of a query's words occur in the
 * reference over the covered stretch, 38-60% past it.
 *
 * So the query keeps its stretch of words in which held words are densest: the words
 * are scored +(1 - T) when some reference holds them and -T when none does, and the
 * stretch with the highest sum is kept (the maximum-sum run), and within it only the held
 * words. T = 0.9 (a stretch grows while more than 9 in 10 of its words are held) was
 * chosen on benchmarks/region_mismatch.sh (0.75 and 0.95 did worse; benchmarks/classify.md).
 * A query wholly inside the reference's region keeps all of it but its absent words. */
#include "classify_internal.h"

#define REGION_T 0.9

size_t cls_lumen_words(const lm_kidx_t *idx, uint32_t *w, size_t n)
{
    double run = 0.0, best = 0.0;
    size_t start = 0, bs = 0, be = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cnt;
        lm_kidx_word(idx, w[i], &cnt);
        if (run <= 0.0) {
            run = 0.0;
            start = i;
        }
        run += cnt ? 1.0 - REGION_T : -REGION_T;
        if (run > best) {
            best = run;
            bs = start;
            be = i + 1;
        }
    }
    size_t m = 0;
    for (size_t i = bs; i < be; i++) {
        uint32_t cnt;
        lm_kidx_word(idx, w[i], &cnt);
        if (cnt) w[m++] = w[i];
    }
    return m;
}
