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
 * Chance words come alone or in short runs; over the covered stretch held words come in
 * long runs, broken only where the query differs from every reference (a substitution
 * breaks up to k words). So a word is an anchor when it is held and in a run of at least
 * CLS_ANCHOR_RUN (4) held words; anchors score +1 and the other words -CLS_ANCHOR_COST
 * (-4), and the stretch of words with the highest sum (the maximum-sum run, over whole
 * runs) is kept, and within it only the held words. A substitution inside the stretch
 * costs about 4 k there, far less than the anchors on either side gain, so it does not
 * cut the query; past the stretch anchors are rare and the words between them cost
 * more than they gain, so the stretch ends where the reference's region does. A query
 * wholly inside the reference's region keeps all of it but its absent words.
 * The constants were chosen on benchmarks/region_mismatch.sh (gold set, one split):
 * per-word scores (+0.1 held, -0.9 absent) cut queries at a substitution; anchors
 * weighted like the rest (+1/-1) let a conserved chance run past the region back in.
 * benchmarks/classify.md has the figures. */
#include "classify_internal.h"

#define CLS_ANCHOR_RUN  4
#define CLS_ANCHOR_COST 4

static inline int held(const lm_kidx_t *idx, uint32_t w)
{
    uint32_t cnt;
    lm_kidx_word(idx, w, &cnt);
    return cnt != 0;
}

size_t cls_lumen_words(const lm_kidx_t *idx, uint32_t *w, size_t n)
{
    long run = 0, best = 0;
    size_t start = 0, bs = 0, be = 0;
    size_t i = 0;
    while (i < n) {
        /* The run of held words from i (or the single absent word i). */
        size_t j = i;
        while (j < n && held(idx, w[j])) j++;
        const long len = (long)(j > i ? j - i : 1);
        const long score = j - i >= CLS_ANCHOR_RUN ? len : -CLS_ANCHOR_COST * len;
        if (j == i) j = i + 1;
        /* A run is added whole; the best prefix ends at a run's end. */
        if (run <= 0) {
            run = 0;
            start = i;
        }
        run += score;
        if (run > best) {
            best = run;
            bs = start;
            be = j;
        }
        i = j;
    }
    size_t m = 0;
    for (size_t k = bs; k < be; k++)
        if (held(idx, w[k])) w[m++] = w[k];
    return m;
}
