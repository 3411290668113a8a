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
 * Cost: the index keeps, per leaf, its words ascending with the set of its references
 * holding each (a 64-bit mask per 64 references; refdb.h). The leaf's words the query
 * holds are found by reading the leaf's list through and testing the query's bit set
 * when the list is short, else by searching each query word in it (galloping); each word
 * found adds its masks to bit-sliced counters (one 64-bit word per counter bit per 64
 * references). So a query costs about min(the leaf's words, its distinct words x their
 * log) plus the words found x the leaf's references / 64, whatever the references'
 * lengths. */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"

struct cls_near {
    uint64_t *qbits; /* 4^k bits, zero between calls */
    uint32_t *words; /* the query's words, then its distinct words ascending */
    size_t cap;
    uint64_t *planes; /* bit-sliced counters: per 64 references, one word per count bit */
    size_t pcap;
    int k;
};

void cls_near_destroy(cls_near_t *nb)
{
    if (!nb) return;
    free(nb->qbits);
    free(nb->words);
    free(nb->planes);
    free(nb);
}

static cls_near_t *near_buf(lm_cls_buf_t *b, int k, size_t len)
{
    cls_near_t *nb = b->near;
    if (!nb) {
        nb = calloc(1, sizeof(*nb));
        if (!nb) return NULL;
        nb->qbits = calloc(((size_t)1 << (2 * k)) / 64 + 1, sizeof(uint64_t));
        nb->k = k;
        if (!nb->qbits) {
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

static int cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The query's distinct words, ascending, into nb->words, and set in nb->qbits (the
 * caller clears them); returns how many. */
static uint32_t distinct_sorted(cls_near_t *nb, const char *seq, size_t len)
{
    uint32_t *w = nb->words, d = 0;
    const size_t n = lm_kmer_encode(seq, len, nb->k, w);
    uint64_t *bits = nb->qbits;
    if (nb->k <= 8) { /* a scan of the 4^k-bit set (at most 1,024 words) sorts them */
        for (size_t i = 0; i < n; i++) bits[w[i] >> 6] |= (uint64_t)1 << (w[i] & 63);
        const size_t nw = ((size_t)1 << (2 * nb->k)) / 64 + 1;
        for (size_t i = 0; i < nw; i++)
            for (uint64_t x = bits[i]; x; x &= x - 1)
                w[d++] = (uint32_t)(i * 64 + (size_t)__builtin_ctzll(x));
        return d; /* the bits stay set for leaf_best(); near_similarity clears them */
    }
    for (size_t i = 0; i < n; i++) {
        const uint64_t bit = (uint64_t)1 << (w[i] & 63);
        if (!(bits[w[i] >> 6] & bit)) {
            bits[w[i] >> 6] |= bit;
            w[d++] = w[i];
        }
    }
    qsort(w, d, sizeof(uint32_t), cmp_u32);
    return d;
}

/* The first index j >= from with lw[j] >= q (galloping, then binary search). */
static uint32_t seek(const uint32_t *lw, uint32_t n, uint32_t from, uint32_t q)
{
    if (from >= n || lw[from] >= q) return from;
    uint32_t lo = from, step = 1; /* lw[lo] < q */
    while (lo + step < n && lw[lo + step] < q) {
        lo += step;
        step *= 2;
    }
    uint32_t hi = lo + step < n ? lo + step : n; /* lw[hi] >= q, or hi = n */
    while (hi - lo > 1) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (lw[mid] < q)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Add one word's masks m[0..M) to the bit-sliced counters pl (P bits each). */
static inline void add_masks(const uint64_t *m, uint32_t M, uint32_t P, uint64_t *pl)
{
    for (uint32_t c = 0; c < M; c++) {
        uint64_t carry = m[c], *q = pl + (size_t)c * P;
        for (uint32_t p = 0; carry && p < P; p++) {
            const uint64_t t = q[p] & carry;
            q[p] ^= carry;
            carry = t;
        }
    }
}

/* Reference r's similarity from cnt shared distinct words, raised into *best; *ties
 * counts the references at *best, each as the identical records it stands for. */
static void note(const lm_kidx_t *idx, uint32_t r, uint32_t cnt, uint32_t dq, double *best,
                 uint32_t *ties)
{
    const uint32_t dr = lm_kidx_ref_words(idx, r), den = dr < dq ? dr : dq;
    if (!den) return;
    const double v = cnt >= den ? 1.0 : (double)cnt / (double)den;
    if (v > *best) {
        *best = v;
        *ties = lm_kidx_ref_copies(idx, r);
    } else if (v == *best) {
        *ties += lm_kidx_ref_copies(idx, r);
    }
}

/* The best similarity of the query's dq distinct words (nb->words) to a reference of
 * leaf g, at least `best` (returned unchanged if no reference beats it), and in *ties the
 * references at it. A leaf of one reference has no masks (M = 0): the words found are
 * that reference's. */
static int leaf_best(const lm_kidx_t *idx, cls_near_t *nb, uint32_t dq, uint32_t g, double *best,
                     uint32_t *ties)
{
    uint32_t R, W;
    const uint32_t r0 = lm_kidx_leaf_ref_range(idx, g, &R);
    const uint64_t *mk;
    const uint32_t *lw = lm_kidx_leaf_words(idx, g, &W, &mk);
    const uint32_t M = R > 1 ? (R + 63u) / 64u : 0u, P = 32u - (uint32_t)__builtin_clz(dq);
    if (!R || !W) return 0;
    if ((size_t)M * P > nb->pcap) {
        uint64_t *p = realloc(nb->planes, (size_t)M * P * sizeof(uint64_t));
        if (!p) return LM_ENOMEM;
        nb->planes = p;
        nb->pcap = (size_t)M * P;
    }
    uint64_t *pl = nb->planes;
    if (M) memset(pl, 0, (size_t)M * P * sizeof(uint64_t));
    /* The leaf's words the query holds: a pass over the leaf's list testing the query's
     * bits when the list is short, else a search for each query word in it. */
    uint32_t found = 0;
    if (W / 8 < dq) {
        const uint64_t *qb = nb->qbits;
        for (uint32_t j = 0; j < W; j++)
            if ((qb[lw[j] >> 6] >> (lw[j] & 63)) & 1u) {
                found++;
                if (M) add_masks(mk + (size_t)j * M, M, P, pl);
            }
    } else {
        uint32_t j = 0;
        for (uint32_t i = 0; i < dq && j < W; i++) {
            j = seek(lw, W, j, nb->words[i]);
            if (j < W && lw[j] == nb->words[i]) {
                found++;
                if (M) add_masks(mk + (size_t)j * M, M, P, pl);
            }
        }
    }
    if (!M) {
        note(idx, r0, found, dq, best, ties);
        return 0;
    }
    for (uint32_t c = 0; c < M; c++) {
        uint32_t cnt[64] = {0};
        for (uint32_t p = 0; p < P; p++)
            for (uint64_t x = pl[(size_t)c * P + p]; x; x &= x - 1)
                cnt[__builtin_ctzll(x)] += 1u << p;
        for (uint32_t b = 0; b < 64 && c * 64 + b < R; b++)
            note(idx, r0 + c * 64 + b, cnt[b], dq, best, ties);
    }
    return 0;
}

void cls_near_end(lm_cls_buf_t *b, uint32_t dq)
{
    for (uint32_t i = 0; i < dq; i++) b->near->qbits[b->near->words[i] >> 6] = 0;
}

int cls_near_similarity(const lm_kidx_t *idx, lm_cls_buf_t *b, const char *seq, size_t len,
                        uint32_t leaf, double *sim)
{
    *sim = 1.0;
    const uint32_t genus = lm_kidx_leaf_path(idx, leaf, LM_RANK_GENUS);
    if (genus == UINT32_MAX) return 0; /* no genus rank to scale */
    cls_near_t *nb = near_buf(b, lm_kidx_k(idx), len);
    if (!nb) return LM_ENOMEM;
    const uint32_t dq = distinct_sorted(nb, seq, len);
    *sim = 0.0;
    if (!dq) return 0;
    /* The leaves of the genus are consecutive (numbered in lineage order). */
    uint32_t g0 = leaf, g1 = leaf + 1;
    while (g0 > 0 && lm_kidx_leaf_path(idx, g0 - 1, LM_RANK_GENUS) == genus) g0--;
    while (g1 < lm_kidx_n_leaves(idx) && lm_kidx_leaf_path(idx, g1, LM_RANK_GENUS) == genus) g1++;
    double best = 0.0;
    uint32_t ties = 0;
    int rc = 0;
    for (uint32_t g = g0; g < g1 && best < 1.0 && !rc; g++)
        rc = leaf_best(idx, nb, dq, g, &best, &ties);
    cls_near_end(b, dq);
    *sim = best;
    return rc;
}

uint32_t cls_near_begin(const lm_kidx_t *idx, lm_cls_buf_t *b, const char *seq, size_t len,
                        const uint32_t **words)
{
    cls_near_t *nb = near_buf(b, lm_kidx_k(idx), len);
    if (!nb) return UINT32_MAX;
    *words = nb->words;
    return distinct_sorted(nb, seq, len);
}

int cls_near_leaf(const lm_kidx_t *idx, lm_cls_buf_t *b, uint32_t dq, uint32_t g, double *best,
                  uint32_t *ties)
{
    *best = -1.0;
    *ties = 0;
    return leaf_best(idx, b->near, dq, g, best, ties);
}
