/* SPDX-License-Identifier: MIT */
/* The full pass and the bootstrap trials, without a pass over every leaf per trial.
 *
 * A trial's winner is nearly always a leaf close to the whole query's best. Leaves come
 * in blocks of CLS_BLK consecutive (taxonomically close) leaves. The CLS_CBLK blocks with
 * the best full-pass totals are candidates: each query word's scores for their leaves sit
 * in one dense row, so a trial adds m rows. For any other block, a word w adds to a leaf g
 * of it score(w,g) - log(N_g + 1) (score 0 if g lacks w), which is at most the word's
 * block maximum; summed over the draws that bounds every leaf of the block. Only blocks
 * whose bound reaches the best candidate are summed leaf by leaf. All totals are the same
 * float terms added in the same order as cls_best_leaf() adds them, so the winner, the
 * ties and the credit are exactly those of a full pass over all leaves; the bounds are
 * computed in float and used with a margin above their rounding error. */
#include <math.h>
#include <string.h>

#include "classify_internal.h"

/* Note leaf g with total v among the best CLS_CBLK distinct blocks seen so far. */
static void keep_block(uint32_t blk, double v, uint32_t *cb, double *cv, uint32_t *n)
{
    uint32_t j;
    for (j = 0; j < *n && cb[j] != blk; j++) {
    }
    if (j < *n) { /* already kept: maybe a better leaf of the same block */
        if (v <= cv[j]) return;
    } else if (*n < CLS_CBLK) {
        j = (*n)++;
    } else {
        j = CLS_CBLK - 1;
        if (!(v > cv[j])) return;
    }
    for (; j > 0 && cv[j - 1] < v; j--) {
        cb[j] = cb[j - 1];
        cv[j] = cv[j - 1];
    }
    cb[j] = blk;
    cv[j] = v;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
    return a < b;
}

static void candidate_rows(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n)
{
    const uint32_t NB = b->nblk;
    /* Blocks in leaf order, so candidate slots are in leaf order (ties as cls_best_leaf). */
    for (uint32_t i = 1; i < b->ncblk; i++)
        for (uint32_t j = i; j > 0 && cmp_u32(b->cblk[j], b->cblk[j - 1]); j--) {
            uint32_t t = b->cblk[j];
            b->cblk[j] = b->cblk[j - 1];
            b->cblk[j - 1] = t;
        }
    for (uint32_t s = 0; s < CLS_CAND; s++) {
        uint32_t k = s / CLS_BLK, g = k < b->ncblk ? b->cblk[k] * CLS_BLK + s % CLS_BLK : 0;
        b->cand[s] = k < b->ncblk && g < b->nleaves ? g : UINT32_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        float *row = b->crow + i * CLS_CAND;
        memset(row, 0, CLS_CAND * sizeof(float));
        const uint32_t *bs = b->bstart + i * (NB + 1);
        uint32_t cnt;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, b->words[i], &cnt);
        for (uint32_t k = 0; k < b->ncblk; k++) {
            uint32_t blk = b->cblk[k];
            for (uint32_t j = bs[blk]; j < bs[blk + 1]; j++)
                row[k * CLS_BLK + e[j].leaf % CLS_BLK] = e[j].score;
        }
    }
}

/* Sum block blk leaf by leaf over words w[pick[i]] (or w[i] when pick is NULL), i < m: the
 * same float terms in the same order as cls_best_leaf(). tot[] gets each leaf's total. */
static void block_totals(const lm_kidx_t *idx, const lm_cls_buf_t *b, const uint32_t *pick,
                         size_t m, uint32_t blk, double *tot)
{
    double sl[CLS_BLK] = {0};
    for (size_t i = 0; i < m; i++) {
        const size_t p = pick ? pick[i] : i;
        const uint32_t *bs = b->bstart + p * (b->nblk + 1);
        uint32_t cnt;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, b->words[p], &cnt);
        for (uint32_t j = bs[blk]; j < bs[blk + 1]; j++) sl[e[j].leaf % CLS_BLK] += e[j].score;
    }
    const double dm = (double)m;
    for (uint32_t o = 0; o < CLS_BLK; o++) {
        uint32_t g = blk * CLS_BLK + o;
        tot[o] = g < b->nleaves ? sl[o] - dm * lm_kidx_leaf_lognorm(idx, g) : -INFINITY;
    }
}

/* The rounding a float bound summed over m words may hide. */
static double bound_margin(double m, double bound)
{
    return m * (1e-5 + 2e-7 * (fabs(bound) + 1.0));
}

uint32_t cls_full_pass(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, double *best)
{
    const uint32_t NB = b->nblk;
    float *bound = b->bound;
    memset(bound, 0, NB * sizeof(float));
    /* Per word: its block maxima (from the index's run summaries) and where each block
     * starts in its list; their sums bound every block over the whole query. */
    for (size_t i = 0; i < n; i++) {
        float *bm = b->bmax + i * NB;
        uint32_t *bs = b->bstart + i * (NB + 1);
        memcpy(bm, b->absent, NB * sizeof(float));
        uint32_t nr, cnt, next = 0;
        const lm_kidx_run_t *r = lm_kidx_word_runs(idx, b->words[i], &nr);
        if (i + 6 < n) { /* the tables lie all over memory: fetch a later word's early */
            uint32_t n2;
            const lm_kidx_run_t *r2 = lm_kidx_word_runs(idx, b->words[i + 6], &n2);
            for (uint32_t o = 0; o < n2 && o < 32; o += 5) __builtin_prefetch(r2 + o);
        }
        lm_kidx_word(idx, b->words[i], &cnt);
        for (uint32_t q = 0; q < nr; q++) {
            const uint32_t blk = r[q].block;
            while (next <= blk) bs[next++] = r[q].first;
            bm[blk] = r[q].max;
        }
        while (next <= NB) bs[next++] = cnt;
        for (uint32_t k = 0; k < NB; k++) bound[k] += bm[k];
    }
    /* Sum blocks leaf by leaf, highest bound first, until no other block can reach the
     * best leaf; the CLS_CBLK blocks with the best leaves become the trials' candidates. */
    uint32_t *ord = b->evl; /* nleaves >= nblk entries */
    for (uint32_t k = 0; k < NB; k++) {
        uint32_t j = k;
        for (; j > 0 && bound[ord[j - 1]] < bound[k]; j--) ord[j] = ord[j - 1];
        ord[j] = k;
    }
    const double dn = (double)n;
    const uint32_t want = NB < CLS_CBLK ? NB : CLS_CBLK;
    uint32_t bl = 0;
    double bv = -INFINITY, cv[CLS_CBLK];
    b->ncblk = 0;
    for (uint32_t q = 0; q < NB; q++) {
        const uint32_t k = ord[q];
        if (b->ncblk == want && bound[k] + bound_margin(dn, bound[k]) < bv) break;
        double tot[CLS_BLK], kb = -INFINITY;
        block_totals(idx, b, NULL, n, k, tot);
        for (uint32_t o = 0; o < CLS_BLK; o++) {
            const uint32_t g = k * CLS_BLK + o;
            if (tot[o] > bv || (tot[o] == bv && g < bl)) { /* ties keep the lowest leaf */
                bv = tot[o];
                bl = g;
            }
            if (tot[o] > kb) kb = tot[o];
        }
        keep_block(k, kb, b->cblk, cv, &b->ncblk);
    }
    candidate_rows(idx, b, n);
    *best = bv;
    return bl;
}

static void credit(const lm_kidx_t *idx, uint32_t g, const uint32_t *taxon, uint32_t *on)
{
    for (int r = 0; r < LM_NRANKS; r++)
        on[r] += taxon[r] != UINT32_MAX && lm_kidx_leaf_path(idx, g, r) == taxon[r];
}

void cls_boot_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t m, const uint32_t *taxon,
                    double *hits)
{
    const uint32_t NB = b->nblk;
    double acc[CLS_CAND] = {0};
    float *bound = b->bound;
    memset(bound, 0, NB * sizeof(float));
    for (size_t i = 0; i < m; i++) {
        uint32_t p = b->pick[i];
        const float *row = b->crow + (size_t)p * CLS_CAND, *bm = b->bmax + (size_t)p * NB;
        for (uint32_t j = 0; j < CLS_CAND; j++) acc[j] += row[j];
        for (uint32_t k = 0; k < NB; k++) bound[k] += bm[k];
    }
    const double dm = (double)m;
    double best = -INFINITY;
    for (uint32_t j = 0; j < CLS_CAND; j++) {
        if (b->cand[j] == UINT32_MAX) continue;
        acc[j] -= dm * lm_kidx_leaf_lognorm(idx, b->cand[j]);
        if (acc[j] > best) best = acc[j];
    }
    /* Other blocks that might reach the best: their leaves' exact totals, kept in
     * b->score (free after the full pass) and listed in b->evl. */
    uint32_t nev = 0;
    for (uint32_t k = 0; k < NB; k++) {
        uint32_t c;
        for (c = 0; c < b->ncblk && b->cblk[c] != k; c++) {
        }
        if (c < b->ncblk) continue;
        if (bound[k] + bound_margin(dm, bound[k]) < best) continue;
        double tot[CLS_BLK];
        block_totals(idx, b, b->pick, m, k, tot);
        for (uint32_t o = 0; o < CLS_BLK && k * CLS_BLK + o < b->nleaves; o++) {
            uint32_t g = k * CLS_BLK + o;
            b->score[g] = tot[o];
            b->evl[nev++] = g;
            if (tot[o] > best) best = tot[o];
        }
    }
    uint32_t nt = 0, on[LM_NRANKS] = {0};
    for (uint32_t j = 0; j < CLS_CAND; j++)
        if (b->cand[j] != UINT32_MAX && acc[j] == best) {
            nt++;
            credit(idx, b->cand[j], taxon, on);
        }
    for (uint32_t i = 0; i < nev; i++)
        if (b->score[b->evl[i]] == best) {
            nt++;
            credit(idx, b->evl[i], taxon, on);
        }
    for (int r = 0; r < LM_NRANKS; r++) hits[r] += (double)on[r] / (double)nt;
}
