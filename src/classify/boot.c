/* SPDX-License-Identifier: MIT */
/* The full pass and the bootstrap trials, without a pass over every leaf per trial.
 *
 * A trial's winner is nearly always a leaf close to the whole query's best. Leaves come
 * in blocks of CLS_BLK consecutive (taxonomically close) leaves. For a block, a word w
 * adds to a leaf g of it score(w,g) - log(N_g + 1) (score 0 if g lacks w), which is at
 * most the word's block maximum (the index's dense rows, lm_kidx_word_bmax); summed over
 * the words that bounds every leaf of the block. The full pass sums leaf by leaf only the
 * blocks whose bound reaches the best leaf so far, highest bound first. The CLS_CBLK
 * blocks with the best leaves are the trials' candidates: each word's scores for their
 * leaves sit in one dense row, so a trial adds m rows. The other blocks are bounded per
 * trial, first by super-blocks (LM_KIDX_SUPER blocks), then block by block, and summed
 * leaf by leaf only when the bound reaches the best so far. A block the query sums is
 * kept as dense rows (filled word by word as draws need them), so later trials add rows
 * instead of searching the index again.
 *
 * All totals are the same float terms added in the same order as cls_best_leaf() adds
 * them (a dense row adds 0 where the leaf lacks the word, which changes no sum), so the
 * winner, the ties and the credit are exactly those of a full pass over all leaves; the
 * bounds are computed in float and used with a margin above their rounding error. */
#include <math.h>
#include <string.h>

#include "classify_internal.h"

/* Note a block whose best leaf totals v among the best CLS_CBLK blocks seen so far. */
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

static int is_cand(const lm_cls_buf_t *b, uint32_t blk)
{
    for (uint32_t c = 0; c < b->ncblk; c++)
        if (b->cblk[c] == blk) return 1;
    return 0;
}

/* A super-block's bound where none of its blocks is left to bound. */
#define CLS_NONE (-1e30f)

/* The rounding a float bound summed over m words may hide. */
static double bound_margin(double m, double bound)
{
    return m * (1e-5 + 2e-7 * (fabs(bound) + 1.0));
}

/* Word i's scores for the leaves of block blk into row[0..CLS_BLK). */
static inline void fill_row(const lm_cls_buf_t *b, size_t i, uint32_t blk, float *row)
{
    memset(row, 0, CLS_BLK * sizeof(float));
    const lm_kidx_entry_t *e = b->we[i];
    const uint32_t *bs = b->bs[i];
    for (uint32_t j = bs[blk]; j < bs[blk + 1]; j++) row[e[j].leaf % CLS_BLK] = e[j].score;
}

/* A slot for block blk's dense rows over the query's n words (none filled yet), the
 * pool grown as needed; UINT32_MAX if there is no memory for it. */
static uint32_t new_slot(lm_cls_buf_t *b, size_t n, uint32_t blk)
{
    const uint32_t s = b->ndused;
    const size_t need = ((size_t)s + 1) * n;
    if (need > b->dcap) {
        size_t cap = b->dcap ? 2 * b->dcap : 8 * n;
        if (cap < need) cap = need;
        float *p = realloc(b->dpool, cap * CLS_BLK * sizeof(float));
        if (!p) return UINT32_MAX;
        b->dpool = p;
        unsigned char *mk = realloc(b->dmark, cap);
        if (!mk) return UINT32_MAX;
        b->dmark = mk;
        b->dcap = cap;
    }
    b->ndused++;
    b->dslot[blk] = s;
    b->dused[s] = blk;
    memset(b->dmark + (size_t)s * n, 0, n);
    return s;
}

static void reset_slots(lm_cls_buf_t *b)
{
    for (uint32_t s = 0; s < b->ndused; s++) b->dslot[b->dused[s]] = UINT32_MAX;
    b->ndused = 0;
}

/* Leaf totals of block blk over the words pick[0..m) (or 0..m when pick is NULL), from
 * its dense rows, filling the rows the draws need; tot[] gets each leaf's total. */
static void block_totals(lm_cls_buf_t *b, size_t n, const uint32_t *pick, size_t m, uint32_t blk,
                         double *tot)
{
    uint32_t s = b->dslot[blk];
    if (s == UINT32_MAX) s = new_slot(b, n, blk);
    double sl[CLS_BLK] = {0};
    const double dm = (double)m;
    if (s == UINT32_MAX) { /* no memory for rows: the same sums straight from the index */
        for (size_t i = 0; i < m; i++) {
            const size_t p = pick ? pick[i] : i;
            const lm_kidx_entry_t *e = b->we[p];
            for (uint32_t j = b->bs[p][blk]; j < b->bs[p][blk + 1]; j++)
                sl[e[j].leaf % CLS_BLK] += e[j].score;
        }
        for (uint32_t o = 0; o < CLS_BLK; o++) {
            uint32_t g = blk * CLS_BLK + o;
            tot[o] = g < b->nleaves ? sl[o] - dm * b->v.lognorm[g] : -INFINITY;
        }
        return;
    }
    float *rows = b->dpool + (size_t)s * n * CLS_BLK;
    unsigned char *mk = b->dmark + (size_t)s * n;
    if (!pick) { /* every word (the full pass): a software pipeline over the words */
        enum { D1 = 16, D2 = 8 }; /* block starts D1 words ahead, entries D2 ahead */
        for (size_t i = 0; i < m; i++) {
            if (i + D1 < m) __builtin_prefetch(b->bs[i + D1] + blk);
            if (i + D2 < m) __builtin_prefetch(b->we[i + D2] + b->bs[i + D2][blk]);
            if (!mk[i]) fill_row(b, i, blk, rows + i * CLS_BLK);
        }
        memset(mk, 1, m);
        for (size_t i = 0; i < m; i++)
            for (uint32_t o = 0; o < CLS_BLK; o++) sl[o] += rows[i * CLS_BLK + o];
        for (uint32_t o = 0; o < CLS_BLK; o++) {
            uint32_t g = blk * CLS_BLK + o;
            tot[o] = g < b->nleaves ? sl[o] - dm * b->v.lognorm[g] : -INFINITY;
        }
        return;
    }
    /* The rows to fill lie all over the index: start every load before using any. */
    for (size_t i = 0; i < m; i++) {
        const size_t p = pick ? pick[i] : i;
        if (!mk[p]) __builtin_prefetch(b->bs[p] + blk);
    }
    for (size_t i = 0; i < m; i++) {
        const size_t p = pick ? pick[i] : i;
        if (!mk[p]) __builtin_prefetch(b->we[p] + b->bs[p][blk]);
    }
    for (size_t i = 0; i < m; i++) {
        const size_t p = pick ? pick[i] : i;
        if (!mk[p]) {
            fill_row(b, p, blk, rows + p * CLS_BLK);
            mk[p] = 1;
        }
    }
    for (size_t i = 0; i < m; i++) {
        const float *row = rows + (pick ? pick[i] : i) * CLS_BLK;
        for (uint32_t o = 0; o < CLS_BLK; o++) sl[o] += row[o];
    }
    for (uint32_t o = 0; o < CLS_BLK; o++) {
        uint32_t g = blk * CLS_BLK + o;
        tot[o] = g < b->nleaves ? sl[o] - dm * b->v.lognorm[g] : -INFINITY;
    }
}

/* Per word: its dense row of candidate scores (from the candidates' slots, filled by the
 * full pass), then its maxima over the non-candidate blocks of each super-block (the
 * index's super-block maxima, recomputed for the super-blocks that hold a candidate). */
static void candidate_rows(lm_cls_buf_t *b, size_t n)
{
    /* Blocks in leaf order, so candidate slots are in leaf order (ties as cls_best_leaf). */
    for (uint32_t i = 1; i < b->ncblk; i++)
        for (uint32_t j = i; j > 0 && b->cblk[j] < b->cblk[j - 1]; j--) {
            uint32_t t = b->cblk[j];
            b->cblk[j] = b->cblk[j - 1];
            b->cblk[j - 1] = t;
        }
    for (uint32_t s = 0; s < CLS_CAND; s++) {
        uint32_t k = s / CLS_BLK, g = k < b->ncblk ? b->cblk[k] * CLS_BLK + s % CLS_BLK : 0;
        b->cand[s] = k < b->ncblk && g < b->nleaves ? g : UINT32_MAX;
    }
    const uint32_t S = LM_KIDX_SUPER;
    uint32_t csup[CLS_CBLK], ncsup = 0;
    for (uint32_t c = 0; c < b->ncblk; c++) {
        uint32_t sp = b->cblk[c] / S, j;
        for (j = 0; j < ncsup && csup[j] != sp; j++) {
        }
        if (j == ncsup) csup[ncsup++] = sp;
    }
    for (size_t i = 0; i < n; i++) {
        float *row = b->trow + i * b->tstride;
        for (uint32_t k = 0; k < CLS_CBLK; k++) {
            if (k < b->ncblk && b->dslot[b->cblk[k]] != UINT32_MAX)
                memcpy(row + k * CLS_BLK,
                       b->dpool + ((size_t)b->dslot[b->cblk[k]] * n + i) * CLS_BLK,
                       CLS_BLK * sizeof(float));
            else if (k < b->ncblk) /* its rows did not fit in memory */
                fill_row(b, i, b->cblk[k], row + k * CLS_BLK);
            else
                memset(row + k * CLS_BLK, 0, CLS_BLK * sizeof(float));
        }
        float *sr = row + CLS_CAND;
        const float *bm = b->bm[i];
        memcpy(sr, b->v.smax + (bm - b->v.bmax) / b->bstride * b->sstride,
               b->sstride * sizeof(float));
        for (uint32_t j = 0; j < ncsup; j++) {
            float mx = CLS_NONE;
            for (uint32_t k = csup[j] * S; k < (csup[j] + 1) * S && k < b->nblk; k++)
                if (!is_cand(b, k) && bm[k] > mx) mx = bm[k];
            sr[csup[j]] = mx;
        }
    }
}

CLS_CLONES uint32_t cls_full_pass(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, double *best)
{
    (void)idx; /* b->v holds its tables */
    const uint32_t NB = b->nblk, BS = b->bstride;
    const lm_kidx_view_t *v = &b->v;
    float *bound = b->bound;
    memset(bound, 0, BS * sizeof(float));
    reset_slots(b);
    for (size_t i = 0; i < n; i++) {
        const uint32_t w = b->words[i], r = v->row_of[w];
        b->bm[i] = v->bmax + (size_t)r * BS;
        b->bs[i] = v->bstart + (size_t)r * (BS + 1);
        b->we[i] = v->ent + v->off[w];
    }
    /* The sum of the words' block maxima bounds every block over the whole query. */
    for (size_t i = 0; i < n; i++) {
        const float *bm = b->bm[i];
        if (i + 4 < n) /* the rows lie all over memory: fetch a later word's early */
            for (uint32_t o = 0; o < BS; o += 16) __builtin_prefetch(b->bm[i + 4] + o);
        for (uint32_t k = 0; k < BS; k++) bound[k] += bm[k];
    }
    /* Sum blocks leaf by leaf, highest bound first, until no other block can reach the
     * best leaf; the CLS_CBLK blocks with the best leaves become the trials' candidates. */
    const double dn = (double)n;
    const uint32_t want = NB < CLS_CBLK ? NB : CLS_CBLK;
    uint32_t bl = 0;
    double bv = -INFINITY, cv[CLS_CBLK];
    b->ncblk = 0;
    for (uint32_t q = 0; q < NB; q++) {
        uint32_t k = 0; /* the block with the highest bound not yet summed (few are) */
        for (uint32_t j = 1; j < NB; j++)
            if (bound[j] > bound[k]) k = j;
        if (bound[k] == -INFINITY) break;
        if (b->ncblk == want && bound[k] + bound_margin(dn, bound[k]) < bv) break;
        bound[k] = -INFINITY; /* summed */
        double tot[CLS_BLK], kb = -INFINITY;
        block_totals(b, n, NULL, n, k, tot);
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
    candidate_rows(b, n);
    *best = bv;
    return bl;
}

static void credit(const lm_kidx_t *idx, uint32_t g, const uint32_t *taxon, uint32_t *on)
{
    for (int r = 0; r < LM_NRANKS; r++)
        on[r] += taxon[r] != UINT32_MAX && lm_kidx_leaf_path(idx, g, r) == taxon[r];
}

/* Sort x[0..n) (with key[]) by decreasing key: n is small. */
static void by_key_desc(uint32_t *x, const float *key, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && key[x[j]] > key[x[j - 1]]; j--) {
            uint32_t t = x[j];
            x[j] = x[j - 1];
            x[j - 1] = t;
        }
}

CLS_CLONES void cls_boot_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, size_t m,
                               const uint32_t *taxon, double *hits)
{
    const uint32_t SS = b->sstride, TS = b->tstride, S = LM_KIDX_SUPER;
    double acc[CLS_CAND] = {0};
    float *sb = b->sbound;
    memset(sb, 0, SS * sizeof(float));
    for (size_t i = 0; i < m; i++) {
        const float *row = b->trow + (size_t)b->pick[i] * TS, *sr = row + CLS_CAND;
        for (uint32_t j = 0; j < CLS_CAND; j++) acc[j] += row[j];
        for (uint32_t k = 0; k < SS; k++) sb[k] += sr[k];
    }
    const double dm = (double)m;
    double best = -INFINITY;
    for (uint32_t j = 0; j < CLS_CAND; j++) {
        if (b->cand[j] == UINT32_MAX) continue;
        acc[j] -= dm * b->v.lognorm[b->cand[j]];
        if (acc[j] > best) best = acc[j];
    }
    /* Other blocks that might reach the best: super-blocks by their bound, highest first,
     * then their blocks by theirs, then the leaves' exact totals, kept in b->score (free
     * after the full pass) and listed in b->evl. */
    uint32_t *sup = b->supl, nsup = 0, nev = 0;
    for (uint32_t s = 0; s < b->nsup; s++)
        if (sb[s] + bound_margin(dm, sb[s]) >= best) sup[nsup++] = s;
    by_key_desc(sup, sb, nsup);
    uint32_t *evl = b->evl;
    for (uint32_t q = 0; q < nsup; q++) {
        const uint32_t s = sup[q];
        if (sb[s] + bound_margin(dm, sb[s]) < best) continue;
        /* The super-block's blocks sit side by side in each word's row (the rows are
         * padded to a multiple of 16 blocks): sum the S of them at once. */
        float t[LM_KIDX_SUPER] = {0}, bd[LM_KIDX_SUPER];
        for (size_t i = 0; i < m; i++) {
            const float *bm = b->bm[b->pick[i]] + s * S;
            for (uint32_t o = 0; o < S; o++) t[o] += bm[o];
        }
        uint32_t blk[LM_KIDX_SUPER], nb = 0;
        for (uint32_t k = s * S; k < (s + 1) * S && k < b->nblk; k++) {
            if (is_cand(b, k)) continue;
            bd[nb] = t[k - s * S];
            blk[nb++] = k;
        }
        for (uint32_t x = 1; x < nb; x++) /* blocks by bound, highest first */
            for (uint32_t y = x; y > 0 && bd[y] > bd[y - 1]; y--) {
                float tf = bd[y];
                bd[y] = bd[y - 1];
                bd[y - 1] = tf;
                uint32_t tk = blk[y];
                blk[y] = blk[y - 1];
                blk[y - 1] = tk;
            }
        for (uint32_t x = 0; x < nb; x++) {
            if (bd[x] + bound_margin(dm, bd[x]) < best) break;
            const uint32_t k = blk[x];
            double tot[CLS_BLK];
            block_totals(b, n, b->pick, m, k, tot);
            for (uint32_t o = 0; o < CLS_BLK && k * CLS_BLK + o < b->nleaves; o++) {
                uint32_t g = k * CLS_BLK + o;
                b->score[g] = tot[o];
                evl[nev++] = g;
                if (tot[o] > best) best = tot[o];
            }
        }
    }
    uint32_t nt = 0, on[LM_NRANKS] = {0};
    for (uint32_t j = 0; j < CLS_CAND; j++)
        if (b->cand[j] != UINT32_MAX && acc[j] == best) {
            nt++;
            credit(idx, b->cand[j], taxon, on);
        }
    for (uint32_t i = 0; i < nev; i++)
        if (b->score[evl[i]] == best) {
            nt++;
            credit(idx, evl[i], taxon, on);
        }
    for (int r = 0; r < LM_NRANKS; r++) hits[r] += (double)on[r] / (double)nt;
}
