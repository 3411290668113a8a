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

uint32_t cls_full_pass(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, double *best)
{
    const uint32_t G = b->nleaves, NB = b->nblk;
    double *s = b->score;
    memset(s, 0, G * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        float *bm = b->bmax + i * NB;
        uint32_t *bs = b->bstart + i * (NB + 1);
        memcpy(bm, b->absent, NB * sizeof(float)); /* blocks whose leaves all lack w */
        uint32_t cnt, next = 0, j = 0;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, b->words[i], &cnt);
        /* Entries are sorted by leaf: take them a block at a time, keeping the block's
         * maximum in a register rather than in memory on every entry. */
        while (j < cnt) {
            const uint32_t blk = e[j].leaf / CLS_BLK, end = (blk + 1) * CLS_BLK, j0 = j;
            while (next <= blk) bs[next++] = j;
            float mx = -INFINITY;
            for (; j < cnt && e[j].leaf < end; j++) {
                const uint32_t g = e[j].leaf;
                s[g] += e[j].score;
                const float t = e[j].score - b->lam[g];
                mx = t > mx ? t : mx;
            }
            const uint32_t size = blk + 1 < NB ? CLS_BLK : G - blk * CLS_BLK;
            if (j - j0 < size && b->absent[blk] > mx) mx = b->absent[blk];
            bm[blk] = mx;
        }
        while (next <= NB) bs[next++] = cnt;
    }
    const double dn = (double)n;
    uint32_t bl = 0;
    double bv = -INFINITY, cv[CLS_CBLK];
    b->ncblk = 0;
    for (uint32_t g = 0; g < G; g++) {
        double v = s[g] - dn * lm_kidx_leaf_lognorm(idx, g);
        if (v > bv) {
            bv = v;
            bl = g;
        }
        keep_block(g / CLS_BLK, v, b->cblk, cv, &b->ncblk);
    }
    candidate_rows(idx, b, n);
    *best = bv;
    return bl;
}

/* Sum block blk leaf by leaf over the draws: tot[] gets each leaf's total. */
static void block_totals(const lm_kidx_t *idx, const lm_cls_buf_t *b, size_t m, uint32_t blk,
                         double *tot)
{
    double sl[CLS_BLK] = {0};
    for (size_t i = 0; i < m; i++) {
        uint32_t p = b->pick[i], cnt;
        const uint32_t *bs = b->bstart + (size_t)p * (b->nblk + 1);
        const lm_kidx_entry_t *e = lm_kidx_word(idx, b->words[p], &cnt);
        for (uint32_t j = bs[blk]; j < bs[blk + 1]; j++) sl[e[j].leaf % CLS_BLK] += e[j].score;
    }
    const double dm = (double)m;
    for (uint32_t o = 0; o < CLS_BLK; o++) {
        uint32_t g = blk * CLS_BLK + o;
        tot[o] = g < b->nleaves ? sl[o] - dm * lm_kidx_leaf_lognorm(idx, g) : -INFINITY;
    }
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
        double bd = bound[k], margin = dm * (1e-5 + 2e-7 * (fabs(bd) + 1.0));
        if (bd + margin < best) continue;
        double tot[CLS_BLK];
        block_totals(idx, b, m, k, tot);
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
