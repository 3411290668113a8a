/* SPDX-License-Identifier: MIT */
/* The nearest-neighbour method (classify.h, LM_CLS_NN): the lineage of the reference
 * sequences nearest the query, by the near option's similarity
 *   s(q, r) = |D(q) & D(r)| / min(|D(q)|, |D(r)|),
 * D the distinct k-mers of A, C, G, T, over every reference of the index (the references
 * section of lumen index --near). The nearest references are all those at the highest s;
 * at each rank, from the domain down, the taxon most of them hold (among those that agree
 * above) is taken, and its confidence is the share of them that hold it, so a query whose
 * nearest references are of one genus gets 1, one between two genera 1/2.
 *
 * Why: RDP's score pools a genus's words, so on short reads, where sister genera share
 * most words and the genus's references differ among themselves, it loses to methods that
 * vote for single references (vsearch --sintax, q2-feature-classifier's consensus
 * classifiers). On 10-fold cross-validation of Greengenes V4 (150 nt) this rule gives
 * genus F 0.9523 against RDP's 0.87-0.92 and SINTAX's 0.94 (benchmarks/classify.md).
 *
 * Exact, without looking at every reference: the index's entries of the query's words
 * give, per leaf, how many of the query's words the leaf holds, c; no reference of the
 * leaf can share more, so c / min(|D(q)|, the fewest distinct words of a reference of
 * the leaf) bounds their s. A word a quarter of the leaves or more hold (16S is
 * conserved: such words are half a V4 read's, and most of the entries read) is not looked
 * up but counted for every leaf: a looser bound that costs a few more leaves looked into
 * and saves 25-40% of the time on V4 reads (8% on full-length ones). Leaves are looked
 * into (near.c, by the reference masks) in decreasing bound, until the bound falls below
 * the best s found; a leaf whose bound only equals it still is, since its references may
 * tie. The answer does not depend on that order, so not on the thread count either. */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"

typedef struct cand { /* a leaf to look into and its bound */
    double bound;
    uint32_t leaf;
} cand_t;

struct cls_nn {
    uint32_t *cnt;   /* per leaf: the query's words it holds (0 between queries) */
    uint32_t *dmin;  /* per leaf: the fewest distinct words of one of its references */
    uint32_t *touch; /* leaves with a count */
    double *bound;   /* per leaf: its bound (valid for touched leaves; -2 once looked into) */
    cand_t *cand;    /* leaves to look into */
    uint32_t *tie;   /* leaves holding nearest references, and how many (pairs) */
};

void cls_nn_destroy(cls_nn_t *s)
{
    if (!s) return;
    free(s->cnt);
    free(s->dmin);
    free(s->touch);
    free(s->bound);
    free(s->cand);
    free(s->tie);
    free(s);
}

static cls_nn_t *nn_buf(const lm_kidx_t *idx, lm_cls_buf_t *b)
{
    if (b->nn) return b->nn;
    const uint32_t L = lm_kidx_n_leaves(idx);
    cls_nn_t *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->cnt = calloc(L, sizeof(uint32_t));
    s->dmin = malloc(L * sizeof(uint32_t));
    s->touch = malloc(L * sizeof(uint32_t));
    s->bound = malloc(L * sizeof(double));
    s->cand = malloc(L * sizeof(cand_t));
    s->tie = malloc(2 * (size_t)L * sizeof(uint32_t));
    if (!s->cnt || !s->dmin || !s->touch || !s->bound || !s->cand || !s->tie) {
        cls_nn_destroy(s);
        return NULL;
    }
    for (uint32_t g = 0; g < L; g++) {
        uint32_t R;
        const uint32_t r0 = lm_kidx_leaf_ref_range(idx, g, &R);
        uint32_t d = UINT32_MAX;
        for (uint32_t i = 0; i < R; i++)
            if (lm_kidx_ref_words(idx, r0 + i) < d) d = lm_kidx_ref_words(idx, r0 + i);
        s->dmin[g] = d;
    }
    b->nn = s;
    return s;
}

/* Candidates by bound, highest first, equal bounds by leaf (any order gives the same
 * answer; this one is fixed). */
static int by_bound(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->bound != y->bound) return x->bound > y->bound ? -1 : 1;
    return (x->leaf > y->leaf) - (x->leaf < y->leaf);
}

/* The nested majority over the nearest references (leaves tie[2i] weighted tie[2i + 1]):
 * fills res->leaf, taxa and confidences. */
static void consensus(const lm_kidx_t *idx, uint32_t *tie, uint32_t nt, lm_cls_result_t *res)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < nt; i++) total += tie[2 * i + 1];
    uint32_t alive = nt; /* tie[0 .. alive) pairs still agree with the lineage so far */
    for (int r = 0; r < LM_NRANKS; r++) {
        /* the taxon of rank r the most weight holds (equal weights: the lower number) */
        uint32_t pick = UINT32_MAX;
        uint64_t pw = 0;
        for (uint32_t i = 0; i < alive; i++) {
            const uint32_t t = lm_kidx_leaf_path(idx, tie[2 * i], r);
            int seen = 0;
            for (uint32_t j = 0; j < i && !seen; j++)
                seen = lm_kidx_leaf_path(idx, tie[2 * j], r) == t;
            if (seen) continue;
            uint64_t w = 0;
            for (uint32_t j = i; j < alive; j++)
                if (lm_kidx_leaf_path(idx, tie[2 * j], r) == t) w += tie[2 * j + 1];
            if (w > pw || (w == pw && t < pick)) {
                pick = t;
                pw = w;
            }
        }
        res->conf[r] = (double)pw / (double)total;
        uint32_t k = 0; /* keep the agreeing pairs, in order */
        for (uint32_t i = 0; i < alive; i++)
            if (lm_kidx_leaf_path(idx, tie[2 * i], r) == pick) {
                tie[2 * k] = tie[2 * i];
                tie[2 * k + 1] = tie[2 * i + 1];
                k++;
            }
        alive = k;
    }
    res->leaf = tie[0]; /* the lowest-numbered leaf of the chosen lineage */
    for (int r = 0; r < LM_NRANKS; r++) res->taxon[r] = lm_kidx_leaf_path(idx, res->leaf, r);
}

int cls_nn_classify(const lm_kidx_t *idx, const lm_cls_opt_t *opt, lm_cls_buf_t *b, const char *seq,
                    size_t len, lm_cls_result_t *res)
{
    cls_nn_t *s = nn_buf(idx, b);
    if (!s) return LM_ENOMEM;
    const uint32_t *qw;
    const uint32_t dq = cls_near_begin(idx, b, seq, len, &qw);
    if (dq == UINT32_MAX) return LM_ENOMEM;
    /* Per leaf, the query's words it holds; the bound of its references' similarity. */
    uint32_t *cnt = s->cnt, nt = 0, common = 0;
    const uint32_t L = lm_kidx_n_leaves(idx), lim = L / 4 > 1 ? L / 4 : 1;
    for (uint32_t i = 0; i < dq; i++) {
        uint32_t ne;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, qw[i], &ne);
        if (ne >= lim) { /* held by a quarter of the leaves or more: counted for all */
            common++;
            continue;
        }
        for (uint32_t j = 0; j < ne; j++) cnt[e[j].leaf]++;
    }
    double top = -1.0;
    for (uint32_t g = 0; g < L; g++) {
        const uint32_t c = cnt[g] + common;
        if (!c) continue;
        cnt[g] = 0;
        s->touch[nt++] = g;
        const uint32_t den = s->dmin[g] < dq ? s->dmin[g] : dq;
        s->bound[g] = !den ? -1.0 : c >= den ? 1.0 : (double)c / (double)den;
        if (s->bound[g] > top) top = s->bound[g];
    }
    /* The leaf of the highest bound first gives a best s; then every leaf whose bound
     * reaches the best so far, highest bound first. */
    double best = -1.0;
    uint32_t ntie = 0, nc = 0;
    int rc = 0;
    for (int round = 0; round < 2 && !rc; round++) {
        const double floor = round == 0 ? top : best;
        nc = 0;
        for (uint32_t t = 0; t < nt && floor >= 0.0; t++) {
            const uint32_t g = s->touch[t];
            if (s->bound[g] >= floor) s->cand[nc++] = (cand_t){s->bound[g], g};
        }
        qsort(s->cand, nc, sizeof(cand_t), by_bound);
        for (uint32_t i = 0; i < nc && !rc; i++) {
            const uint32_t g = s->cand[i].leaf;
            if (s->cand[i].bound < best) break;
            double lb;
            uint32_t lt;
            rc = cls_near_leaf(idx, b, dq, g, &lb, &lt);
            s->bound[g] = -2.0; /* looked into: not a candidate of the second round */
            if (lb < 0.0 || lb < best) continue;
            if (lb > best) {
                best = lb;
                ntie = 0;
            }
            s->tie[2 * ntie] = g;
            s->tie[2 * ntie + 1] = lt;
            ntie++;
        }
    }
    cls_near_end(b, dq);
    if (rc) return rc;
    if (!ntie) return 0; /* no reference shares a word: unclassified */
    /* tie[] is in leaf order within a round; sort the pairs by leaf for the consensus */
    for (uint32_t i = 1; i < ntie; i++)
        for (uint32_t j = i; j > 0 && s->tie[2 * j] < s->tie[2 * (j - 1)]; j--) {
            uint32_t a = s->tie[2 * j], w = s->tie[2 * j + 1];
            s->tie[2 * j] = s->tie[2 * (j - 1)];
            s->tie[2 * j + 1] = s->tie[2 * (j - 1) + 1];
            s->tie[2 * (j - 1)] = a;
            s->tie[2 * (j - 1) + 1] = w;
        }
    consensus(idx, s->tie, ntie, res);
    res->depth = 0;
    int cut = 0;
    for (int r = 0; r < LM_NRANKS; r++) {
        if (res->taxon[r] == UINT32_MAX) continue;
        if (!cut && res->conf[r] >= opt->confidence - 1e-12)
            res->depth = r + 1;
        else
            cut = 1;
    }
    return 0;
}
