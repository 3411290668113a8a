/* SPDX-License-Identifier: MIT */
/* The genus confidence scaled by how near the query comes to the genus (classify.h,
 * lm_cls_opt_t.near), IDTAXA's idea (Murali, Bhargava & Wright 2018) in its simplest form.
 *
 * RDP's bootstrap only asks which genus wins when a query's words are resampled, so a query
 * of a genus absent from the reference, equally far from every genus present, still gets
 * a high genus confidence when one relative stands out (on the gold reference, about half
 * of such queries are named a genus at 0.8). IDTAXA credits a trial's winner only with the
 * share of the sampled words that its best-matching training sequence holds. Here the
 * expectation of that share is taken once, over all the query's words: the similarity of
 * the query to the nearest reference of the assigned genus,
 *   s = max over references r of the genus of |D(q) & D(r)| / min(|D(q)|, |D(r)|),
 * D(x) the distinct k-mers of x made of A, C, G, T only (the index's k, 8 by default).
 * The minimum in the denominator makes a query or a reference that covers only part of
 * the other (a V4 read against full-length references) count only the overlap. The
 * confidence of the genus rank (and any rank below) becomes its bootstrap confidence
 * times s; the ranks above keep theirs. A query identical to a reference keeps its
 * confidence; one whose nearest reference of the genus shares 80% of its words gets at
 * most 0.8. benchmarks/classify.md has the trade-off this gives on leave-genera-out and
 * cross-validation folds.
 *
 * Cost: the query's words go into a bitset of 4^k bits; each reference of the genus is
 * then read once (its words tested against the bitset, a second bitset marking the words
 * already counted), stopping at the first reference that holds every word it could. */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"

struct cls_near {
    uint64_t *qbits, *seen; /* 4^k bits each, zero between calls */
    uint32_t *words;        /* the query's words, then the words a reference matched */
    size_t cap;
    int k;
};

void cls_near_destroy(cls_near_t *nb)
{
    if (!nb) return;
    free(nb->qbits);
    free(nb->seen);
    free(nb->words);
    free(nb);
}

static cls_near_t *near_buf(lm_cls_buf_t *b, int k, size_t len)
{
    cls_near_t *nb = b->near;
    if (!nb) {
        nb = calloc(1, sizeof(*nb));
        if (!nb) return NULL;
        const size_t nw = ((size_t)1 << (2 * k)) / 64 + 1;
        nb->qbits = calloc(nw, sizeof(uint64_t));
        nb->seen = calloc(nw, sizeof(uint64_t));
        nb->k = k;
        if (!nb->qbits || !nb->seen) {
            cls_near_destroy(nb);
            return NULL;
        }
        b->near = nb;
    }
    if (len + 1 > nb->cap) {
        size_t cap = nb->cap ? nb->cap : 2048;
        while (cap < len + 1) cap *= 2;
        uint32_t *w = realloc(nb->words, cap * sizeof(uint32_t));
        if (!w) return NULL;
        nb->words = w;
        nb->cap = cap;
    }
    return nb;
}

#define BIT_GET(s, w) (((s)[(w) >> 6] >> ((w)&63)) & 1u)
#define BIT_SET(s, w) ((s)[(w) >> 6] |= (uint64_t)1 << ((w)&63))
#define BIT_CLR(s, w) ((s)[(w) >> 6] &= ~((uint64_t)1 << ((w)&63)))

/* The distinct words of reference r that the query holds (each counted once); the words
 * counted are marked in nb->seen and listed in out (at most dq of them). */
static uint32_t shared_words(const lm_kidx_t *idx, const cls_near_t *nb, uint32_t r, uint32_t *out)
{
    uint32_t len;
    const char *s = lm_kidx_ref_seq(idx, r, &len);
    const int k = nb->k;
    const uint32_t mask = ((uint32_t)1 << (2 * k)) - 1;
    uint32_t w = 0, n = 0;
    int valid = 0;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t c;
        switch (s[i]) {
        case 'A':
            c = 0;
            break;
        case 'C':
            c = 1;
            break;
        case 'G':
            c = 2;
            break;
        case 'T':
        case 'U':
            c = 3;
            break;
        default:
            valid = 0;
            continue;
        }
        w = ((w << 2) | c) & mask;
        if (++valid < k) continue;
        if (BIT_GET(nb->qbits, w) && !BIT_GET(nb->seen, w)) {
            BIT_SET(nb->seen, w);
            out[n++] = w;
        }
    }
    return n;
}

int cls_near_similarity(const lm_kidx_t *idx, lm_cls_buf_t *b, const char *seq, size_t len,
                        uint32_t leaf, double *sim)
{
    *sim = 1.0;
    const uint32_t genus = lm_kidx_leaf_path(idx, leaf, LM_RANK_GENUS);
    if (genus == UINT32_MAX) return 0; /* no genus rank to scale */
    cls_near_t *nb = near_buf(b, lm_kidx_k(idx), 2 * len);
    if (!nb) return LM_ENOMEM;
    /* The query's distinct words: bits set, the list kept to clear them after. */
    uint32_t *qw = nb->words, dq = 0;
    const size_t n = lm_kmer_encode(seq, len, nb->k, qw);
    for (size_t i = 0; i < n; i++)
        if (!BIT_GET(nb->qbits, qw[i])) {
            BIT_SET(nb->qbits, qw[i]);
            qw[dq++] = qw[i];
        }
    uint32_t *mw = qw + dq; /* room for dq more: 2 len words were reserved */
    /* The leaves of the genus are consecutive (numbered in lineage order). */
    uint32_t g0 = leaf, g1 = leaf + 1;
    while (g0 > 0 && lm_kidx_leaf_path(idx, g0 - 1, LM_RANK_GENUS) == genus) g0--;
    while (g1 < lm_kidx_n_leaves(idx) && lm_kidx_leaf_path(idx, g1, LM_RANK_GENUS) == genus) g1++;
    double best = 0.0;
    for (uint32_t g = g0; g < g1 && best < 1.0; g++) {
        uint32_t nr, r0 = lm_kidx_leaf_ref_range(idx, g, &nr);
        for (uint32_t r = r0; r < r0 + nr && best < 1.0; r++) {
            const uint32_t dr = lm_kidx_ref_words(idx, r), den = dr < dq ? dr : dq;
            if (!den) continue;
            const uint32_t sh = shared_words(idx, nb, r, mw);
            for (uint32_t i = 0; i < sh; i++) BIT_CLR(nb->seen, mw[i]);
            const double v = sh >= den ? 1.0 : (double)sh / (double)den;
            if (v > best) best = v;
        }
    }
    for (uint32_t i = 0; i < dq; i++) BIT_CLR(nb->qbits, qw[i]);
    *sim = dq ? best : 0.0;
    return 0;
}
