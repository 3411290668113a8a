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
 * leaves sit in their blocks' dense rows, so a trial adds 2 rows per draw, and with them
 * the draw's row of block maxima, a bound on every other block. A block whose bound
 * reaches the best so far is bounded again leaf by leaf, from the rows it already has for
 * some draws and the block codes of the others (refdb.h, lm_kidx_word_bcode: the leaf
 * that holds the block maximum, and how far below it the rest stay), and summed exactly
 * only if that bound reaches the best too. A block the query sums is kept as dense rows
 * (filled word by word as draws need them), so later trials add rows instead of searching
 * the index again.
 *
 * All totals are the same float terms added in the same order as cls_best_leaf() adds
 * them (a dense row adds 0 where the leaf lacks the word, which changes no sum), so the
 * winner, the ties and the credit are exactly those of a full pass over all leaves; the
 * bounds are computed in float and used with a proved margin above their rounding error
 * (sum_margin). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"

/* Vectors of the passes' sums (GCC/clang vector extensions; the same IEEE additions,
 * lane by lane, as scalar code). */
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef int16_t v16s __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));

/* d = the lane-wise larger of the double vectors x and y (neither holds a NaN). */
#define VMAX(d, x, y)                                                                              \
    do {                                                                                           \
        const v4l gt_ = (x) > (y);                                                                 \
        (d) = (v4d)(((v4l)(x)&gt_) | ((v4l)(y) & ~gt_));                                           \
    } while (0)

_Static_assert(CLS_BLK == 16 && CLS_CBLK == 2, "the trials' loops add two blocks of 16");

/* acc += the 4 floats at p, widened to double (a macro: an AVX vector may not be passed by
 * value to a function of the build without AVX). Written lane by lane, which GCC turns
 * into one vcvtps2pd from memory (__builtin_convertvector here gets split in halves). */
#define ADD4(acc, p)                                                                               \
    do {                                                                                           \
        v4f t_;                                                                                    \
        memcpy(&t_, (p), sizeof(t_));                                                              \
        (acc) += (v4d){t_[0], t_[1], t_[2], t_[3]};                                                \
    } while (0)
#define ADDQ(acc, p)                                                                               \
    do {                                                                                           \
        v16s t_;                                                                                   \
        memcpy(&t_, (p), sizeof(t_));                                                              \
        (acc) += t_;                                                                               \
    } while (0)
#define ADD8(acc, p)                                                                               \
    do {                                                                                           \
        v8f t_;                                                                                    \
        memcpy(&t_, (p), sizeof(t_));                                                              \
        (acc) += t_;                                                                               \
    } while (0)

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

/* What rounding can hide in a float sum of m terms each at most a in magnitude: recursive
 * summation errs by at most (m - 1) u sum|x| (u = 2^-24); twice that, to spare the proof
 * its second-order terms. */
static double sum_margin(double m, double a)
{
    /* (m + 2) m: the m block maxima themselves were rounded to float at load. */
    return (m + 2.0) * m * a * (2.0 / 16777216.0) + 1e-12;
}

/* The margin of the full pass: the proven one above, and never less than the earlier
 * rule of thumb. */
static double full_margin(double m, double bound, float a)
{
    const double old = m * (1e-5 + 2e-7 * (fabs(bound) + 1.0)), proven = sum_margin(m, (double)a);
    return old > proven ? old : proven;
}

/* Where block k's entries start in word i's list (refdb.h, lm_kidx_word_bcode): the
 * code's 16 bits, plus its group's start in an index of more than one group. */
static inline uint32_t code_start(const lm_cls_buf_t *b, size_t i, uint32_t k)
{
    const uint32_t rel = LM_KIDX_CODE_START(b->bc[i][k]);
    return b->v.gbase ? b->gb[i][k / LM_KIDX_CODE_GROUP] + rel : rel;
}

/* Word i's scores for the leaves of block blk into row[0..CLS_BLK). */
static inline void fill_row(const lm_cls_buf_t *b, size_t i, uint32_t blk, float *row)
{
    const v8f z = {0};
    const uint32_t s0 = code_start(b, i, blk);
    const lm_kidx_entry_t *e = b->we[i] + s0;
    const uint32_t c = code_start(b, i, blk + 1) - s0;
    /* Most words hold few leaves of a block: the first 4 without a branch on the count
     * (one that the count decides mispredicts about once a row), into a scratch slot 16
     * past the count; the rest, if any, in a loop. */
    static const lm_kidx_entry_t none = {CLS_BLK, 0.0f};
    float t[CLS_BLK + 1];
    memcpy(t, &z, sizeof(z));
    memcpy(t + 8, &z, sizeof(z));
    for (uint32_t j = 0; j < 4; j++) {
        const lm_kidx_entry_t *x = j < c ? e + j : &none;
        t[j < c ? x->leaf % CLS_BLK : CLS_BLK] = x->score;
    }
    for (uint32_t j = 4; j < c; j++) t[e[j].leaf % CLS_BLK] = e[j].score;
    memcpy(row, t, CLS_BLK * sizeof(float));
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
        /* On 64-byte lines (aligned_alloc: a size that is a multiple of 64), so that a
         * row of 16 floats is one cache line, not two. */
        float *p = aligned_alloc(64, cap * CLS_BLK * sizeof(float));
        if (!p) return UINT32_MAX;
        if (b->dpool) memcpy(p, b->dpool, (size_t)s * n * CLS_BLK * sizeof(float));
        free(b->dpool);
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

/* Leaf totals of block blk from the rows of the words pick[0..m) (or 0..m when pick is
 * NULL), added in that order in double; tot[] gets each leaf's total. */
static inline __attribute__((always_inline)) void rows_totals(const lm_cls_buf_t *b,
                                                              const float *rows,
                                                              const uint32_t *pick, size_t m,
                                                              uint32_t blk, double *tot)
{
    v4d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    for (size_t i = 0; i < m; i++) {
        const float *r = rows + (pick ? pick[i] : i) * CLS_BLK;
        ADD4(a0, r);
        ADD4(a1, r + 4);
        ADD4(a2, r + 8);
        ADD4(a3, r + 12);
    }
    double sl[CLS_BLK];
    memcpy(sl, &a0, sizeof(a0));
    memcpy(sl + 4, &a1, sizeof(a1));
    memcpy(sl + 8, &a2, sizeof(a2));
    memcpy(sl + 12, &a3, sizeof(a3));
    const double dm = (double)m;
    for (uint32_t o = 0; o < CLS_BLK; o++) {
        uint32_t g = blk * CLS_BLK + o;
        tot[o] = g < b->nleaves ? sl[o] - dm * b->v.lognorm[g] : -INFINITY;
    }
}

/* Leaf totals of block blk over the words pick[0..m) (or 0..m when pick is NULL), from
 * its dense rows, filling the rows the draws need; tot[] gets each leaf's total. */
static inline __attribute__((always_inline)) void
block_totals(lm_cls_buf_t *b, size_t n, const uint32_t *pick, size_t m, uint32_t blk, double *tot)
{
    uint32_t s = b->dslot[blk];
    if (s == UINT32_MAX) s = new_slot(b, n, blk);
    if (s == UINT32_MAX) { /* no memory for rows: the same sums straight from the index */
        double sl[CLS_BLK] = {0};
        const double dm = (double)m;
        for (size_t i = 0; i < m; i++) {
            const size_t p = pick ? pick[i] : i;
            const lm_kidx_entry_t *e = b->we[p];
            for (uint32_t j = code_start(b, p, blk); j < code_start(b, p, blk + 1); j++)
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
            if (i + D1 < m) __builtin_prefetch(b->bc[i + D1] + blk);
            if (i + D2 < m) __builtin_prefetch(b->we[i + D2] + code_start(b, i + D2, blk));
            if (!mk[i]) fill_row(b, i, blk, rows + i * CLS_BLK);
        }
        memset(mk, 1, m);
        rows_totals(b, rows, NULL, m, blk, tot);
        return;
    }
    /* The rows to fill lie all over the index: start every load before using any. */
    uint32_t *need = b->need, nn = 0;
    for (size_t i = 0; i < m; i++) {
        const uint32_t p = pick[i];
        if (!mk[p]) {
            mk[p] = 1; /* a word drawn twice is filled once */
            need[nn++] = p;
            __builtin_prefetch(b->bc[p] + blk);
        }
    }
    for (uint32_t i = 0; i < nn; i++)
        __builtin_prefetch(b->we[need[i]] + code_start(b, need[i], blk));
    for (uint32_t i = 0; i < nn; i++) fill_row(b, need[i], blk, rows + (size_t)need[i] * CLS_BLK);
    rows_totals(b, rows, pick, m, blk, tot);
}

/* A trial's look at block blk: 0 if a bound shows no leaf of it reaches best - margin;
 * else 1 with the exact totals in tot (block_totals()). The bound needs no index entries:
 * the rows the block already has give their words' scores; each other draw adds its block
 * maximum to
 * the leaf its runner-up code names and, to every other leaf, the maximum less the code's
 * gap (refdb.h, lm_kidx_word_bcode), which bounds the block far more tightly than the block
 * maxima alone (their sum credits each draw to whichever leaf suits it best). */
static inline __attribute__((always_inline)) int trial_block(lm_cls_buf_t *b, size_t n, size_t m,
                                                             uint32_t blk, double best,
                                                             double margin, double *tot)
{
    const uint32_t s = b->dslot[blk];
    const unsigned char *mk = s != UINT32_MAX ? b->dmark + (size_t)s * n : NULL;
    const float *rows = s != UINT32_MAX ? b->dpool + (size_t)s * n * CLS_BLK : NULL;
    /* The rows in float (half the work of double: a bound needs no exact sum, only the
     * margin of its rounding, sum_margin() with the rows' largest value ent_abs). */
    v8f f0 = {0}, f1 = {0};
    double ub = 0.0, mf = 0.0, gap[CLS_BLK] = {0};
    for (size_t i = 0; i < m; i++) {
        const uint32_t p = b->pick[i];
        if (mk && mk[p]) {
            ADD8(f0, rows + (size_t)p * CLS_BLK);
            ADD8(f1, rows + (size_t)p * CLS_BLK + 8);
            mf += 1.0;
        } else {
            const uint32_t c = b->bc[p][blk];
            const double g = (double)LM_KIDX_CODE_GAP(c) * (1.0 / LM_KIDX_GAP_SCALE);
            ub += (double)b->bm[p][blk] - g; /* exact: g is a multiple of 1/64 below 64 */
            gap[LM_KIDX_CODE_LEAF(c)] += g;
        }
    }
    float sl[CLS_BLK];
    memcpy(sl, &f0, sizeof(f0));
    memcpy(sl + 8, &f1, sizeof(f1));
    const double fm = sum_margin(mf, (double)b->v.ent_abs);
    double top = -INFINITY;
    for (uint32_t o = 0; o < CLS_BLK && blk * CLS_BLK + o < b->nleaves; o++) {
        const double v = (double)sl[o] - mf * b->v.lognorm[blk * CLS_BLK + o] + gap[o];
        if (v > top) top = v;
    }
    if (top + fm + ub + margin < best) return 0;
    if (mf == (double)m) { /* every draw has its row: the exact sums, as a full pass adds */
        rows_totals(b, rows, b->pick, m, blk, tot);
        return 1;
    }
    block_totals(b, n, b->pick, m, blk, tot);
    return 1;
}

/* The candidates: blocks in leaf order (so ties resolve as in cls_best_leaf()), each with
 * its dense rows over the n words (the full pass filled them; filled here if their slot
 * did not fit in memory). */
static void candidate_rows(lm_cls_buf_t *b, size_t n)
{
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
    b->cmask_ok = 0; /* rank masks made by the first trial (it knows the lineage) */
    for (uint32_t s = 0; s < CLS_CAND; s++)
        b->cln[s] = b->cand[s] != UINT32_MAX ? b->v.lognorm[b->cand[s]] : INFINITY;
    for (uint32_t c = 0; c < b->ncblk; c++) {
        if (b->dslot[b->cblk[c]] != UINT32_MAX) continue;
        float *rows = b->crow + (size_t)c * n * CLS_BLK; /* no memory for a slot */
        for (size_t i = 0; i < n; i++) fill_row(b, i, b->cblk[c], rows + i * CLS_BLK);
    }
}

/* The dense rows of candidate c (b->ncblk > c). */
static const float *cand_rows(const lm_cls_buf_t *b, size_t n, uint32_t c)
{
    const uint32_t s = b->dslot[b->cblk[c]];
    return s != UINT32_MAX ? b->dpool + (size_t)s * n * CLS_BLK : b->crow + (size_t)c * n * CLS_BLK;
}

/* The trials' first bound in 16-bit integers: each query word's row of block maxima
 * rounded up to a multiple of 1/S (S a power of two, so x S is exact) and kept as
 * ceil(x S), half the bytes of the float rows (the trials' cache misses are mostly these
 * rows). S is the largest power of two with m (a S + 1) <= 32767, a the largest magnitude
 * in the index's block maxima, so no sum of m terms overflows; a sum Q then bounds the
 * block's true sum x_1 + ... + x_m from above by at most m / S. Where that slack would
 * exceed 1 (queries longer than about 500 nt; S < 16 too): no integer rows, the float
 * bounds alone. The full pass fills the rows as it
 * reads the float ones; quantize_setup() picks S and makes room. */
static void quantize_setup(lm_cls_buf_t *b, size_t n, size_t m)
{
    const double lim = (32767.0 / (double)m - 1.0) / (double)b->v.bmax_abs;
    b->qm = m;
    b->qs = 0.0;
    if (!(lim >= 16.0)) return;
    const size_t bytes = (n * b->bstride * sizeof(int16_t) + 63) & ~(size_t)63;
    if (bytes > b->qcap) {
        int16_t *q = aligned_alloc(64, bytes);
        if (!q) return; /* the float bounds do without */
        free(b->q16);
        b->q16 = q;
        b->qcap = bytes;
    }
    int e;
    (void)frexp(lim, &e); /* lim = f 2^e, 0.5 <= f < 1: 2^(e-1) <= lim */
    const double S = ldexp(1.0, e - 1 > 20 ? 20 : e - 1);
    if ((double)m / S <= 1.0) b->qs = S; /* else too loose to pay (long queries) */
}

/* q[0..16) = ceil(r[o] S), in a form that vectorizes (|r[o] S| < 2^15: the truncation
 * is exact). */
static inline __attribute__((always_inline)) void quantize16(const float *r, float sf, int16_t *q)
{
    for (uint32_t o = 0; o < 16; o++) {
        const float x = r[o] * sf;
        const int32_t t = (int32_t)x;
        q[o] = (int16_t)(t + ((float)t < x));
    }
}

/* The blocks a trial must look into, from the integer rows: into blk[] (returns how
 * many) go the blocks whose integer sum Q has Q >= (best - 2 margin) S, and bd[k] gets
 * their bound Q / S. Q / S is at least the true sum of the draws' block maxima, and a
 * leaf's exact total exceeds that sum by less than margin (the maxima were rounded to
 * float at load: sum_margin), so a block left out, or one whose bd[k] + 2 margin is
 * below best, has no leaf that reaches best. */
static inline __attribute__((always_inline)) uint32_t
q16_blocks(lm_cls_buf_t *b, size_t m, double best, double margin, float *bd, uint32_t *blk)
{
    const uint32_t BS = b->bstride;
    const double t = floor((best - 2.0 * margin) * b->qs) - 1.0;
    if (t > 32767.0) return 0; /* no block can reach it */
    const int16_t tq = t < -32768.0 ? (int16_t)-32768 : (int16_t)t;
    const double inv = 1.0 / b->qs;
    const v16s tv = {tq, tq, tq, tq, tq, tq, tq, tq, tq, tq, tq, tq, tq, tq, tq, tq};
    uint32_t nb = 0;
    v16s sum[5]; /* up to 80 blocks in one pass over the draws, the rest 16 at a time */
    for (uint32_t c = 0; c < BS;) {
        const uint32_t w = BS - c >= 80 ? 5 : 1;
        if (w == 5) {
            v16s a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0};
            for (size_t i = 0; i < m; i++) {
                const int16_t *q = b->q16 + (size_t)b->pick[i] * BS + c;
                ADDQ(a0, q);
                ADDQ(a1, q + 16);
                ADDQ(a2, q + 32);
                ADDQ(a3, q + 48);
                ADDQ(a4, q + 64);
            }
            sum[0] = a0, sum[1] = a1, sum[2] = a2, sum[3] = a3, sum[4] = a4;
        } else {
            v16s a0 = {0};
            for (size_t i = 0; i < m; i++) ADDQ(a0, b->q16 + (size_t)b->pick[i] * BS + c);
            sum[0] = a0;
        }
        for (uint32_t j = 0; j < w; j++, c += 16) {
            const v16s acc = sum[j];
            const v16s ge = acc >= tv;
            uint64_t any[4];
            memcpy(any, &ge, sizeof(any));
            if (!(any[0] | any[1] | any[2] | any[3])) continue;
            for (uint32_t o = 0; o < 16; o++) {
                const uint32_t k = c + o;
                if (!ge[o] || k >= b->nblk || (b->ncblk > 0 && k == b->cblk[0]) ||
                    (b->ncblk > 1 && k == b->cblk[1]))
                    continue;
                bd[k] = (float)((double)acc[o] * inv); /* exact: S is a power of two */
                blk[nb++] = k;
            }
        }
    }
    return nb;
}

CLS_CLONES uint32_t cls_full_pass(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, size_t m,
                                  double *best)
{
    (void)idx; /* b->v holds its tables */
    const uint32_t NB = b->nblk, BS = b->bstride;
    const lm_kidx_view_t *v = &b->v;
    float *bound = b->bound;
    reset_slots(b);
    quantize_setup(b, n, m);
    const float sf = (float)b->qs;
    for (size_t i = 0; i < n; i++) {
        const uint32_t w = b->words[i], r = v->row_of[w];
        b->bm[i] = v->bmax + (size_t)r * BS;
        b->bc[i] = v->bcode + (size_t)r * v->bcode_stride;
        if (v->gbase) b->gb[i] = v->gbase + (size_t)r * v->gbase_stride;
        b->we[i] = v->ent + v->off[w];
        if (i < 24) /* the first rows the bound loop below reads (it fetches PF ahead) */
            for (uint32_t o = 0; o < BS; o += 16) __builtin_prefetch(b->bm[i] + o);
    }
    /* The sum of the words' block maxima bounds every block over the whole query. The
     * rows lie all over memory: fetched PF words ahead (4 left the loop waiting). */
    enum { PF = 24 };
    for (uint32_t c = 0; c < BS; c += 16) { /* 16 blocks at a time, in registers */
        v8f s0 = {0}, s1 = {0};
        for (size_t i = 0; i < n; i++) {
            if (c == 0 && i + PF < n)
                for (uint32_t o = 0; o < BS; o += 16) __builtin_prefetch(b->bm[i + PF] + o);
            ADD8(s0, b->bm[i] + c);
            ADD8(s1, b->bm[i] + c + 8);
            if (b->qs > 0.0) quantize16(b->bm[i] + c, sf, b->q16 + i * BS + c);
        }
        memcpy(bound + c, &s0, sizeof(v8f));
        memcpy(bound + c + 8, &s1, sizeof(v8f));
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
        if (b->ncblk == want && bound[k] + full_margin(dn, bound[k], b->v.bmax_abs) < bv) break;
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

/* The ranks r at which leaf g has the assigned taxon[r], as bits 1 << r. */
static uint32_t rank_mask(const lm_kidx_t *idx, uint32_t g, const uint32_t *taxon)
{
    uint32_t mk = 0;
    for (int r = 0; r < LM_NRANKS; r++)
        mk |= (uint32_t)(taxon[r] != UINT32_MAX && lm_kidx_leaf_path(idx, g, r) == taxon[r]) << r;
    return mk;
}

static void credit(uint32_t mk, uint32_t *on)
{
    for (int r = 0; r < LM_NRANKS; r++) on[r] += (mk >> r) & 1u;
}

CLS_CLONES void cls_boot_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, cls_jr_t *rs, size_t n,
                               size_t m, const uint32_t *taxon, double *hits)
{
    const uint32_t BS = b->bstride;
    /* Per draw: the candidates' exact scores (in double, in draw order, as a full pass adds
     * them) and the word's block maxima (a float bound on every block). */
    double acc[CLS_CAND];
    float *bd = b->bound;
    const float *c0 = b->ncblk > 0 ? cand_rows(b, n, 0) : NULL;
    const float *c1 = b->ncblk > 1 ? cand_rows(b, n, 1) : c0; /* c1 unused then */
    {
        v4d a[8] = {0};
        for (size_t i = 0; !c0 && i < m; i++) b->pick[i] = cls_jr_int(rs); /* (never so) */
        for (size_t i = 0; c0 && i < m; i++) { /* draw and add: the generator's latency hides */
            const size_t p = b->pick[i] = cls_jr_int(rs);
            const float *r0 = c0 + p * CLS_BLK, *r1 = c1 + p * CLS_BLK;
            ADD4(a[0], r0);
            ADD4(a[1], r0 + 4);
            ADD4(a[2], r0 + 8);
            ADD4(a[3], r0 + 12);
            ADD4(a[4], r1);
            ADD4(a[5], r1 + 4);
            ADD4(a[6], r1 + 8);
            ADD4(a[7], r1 + 12);
        }
        memcpy(acc, a, sizeof(acc));
    }
    const double dm = (double)m;
    /* The candidates' totals (a missing candidate's lognorm is +inf: its total -inf), and
     * their best, by a tree of vector maxima. */
    for (uint32_t j = 0; j < CLS_CAND; j++) acc[j] -= dm * b->cln[j];
    double best;
    {
        v4d a[8];
        memcpy(a, acc, sizeof(a));
        for (uint32_t w = 4; w > 0; w /= 2)
            for (uint32_t j = 0; j < w; j++) VMAX(a[j], a[j], a[j + w]);
        best = a[0][0] > a[0][1] ? a[0][0] : a[0][1];
        const double hi = a[0][2] > a[0][3] ? a[0][2] : a[0][3];
        if (hi > best) best = hi;
    }
    /* Other blocks whose bound reaches the best: highest bound first, each summed leaf by
     * leaf (exact totals kept in b->score, free after the full pass, listed in b->evl). */
    const double margin = sum_margin(dm, (double)b->v.bmax_abs);
    uint32_t *blk = b->supl, nb = 0, nev = 0, *evl = b->evl;
    const double lmargin = b->qs > 0.0 ? 2.0 * margin : margin; /* for bd[] below */
    if (b->qs > 0.0) {
        nb = q16_blocks(b, m, best, margin, bd, blk);
    } else {
        uint32_t c = 0;
        for (; c + 64 <= BS; c += 64) { /* 64 blocks at a time, in 8 registers */
            v8f s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};
            for (size_t i = 0; i < m; i++) {
                const float *bm = b->bm[b->pick[i]] + c;
                ADD8(s0, bm);
                ADD8(s1, bm + 8);
                ADD8(s2, bm + 16);
                ADD8(s3, bm + 24);
                ADD8(s4, bm + 32);
                ADD8(s5, bm + 40);
                ADD8(s6, bm + 48);
                ADD8(s7, bm + 56);
            }
            memcpy(bd + c, &s0, sizeof(v8f));
            memcpy(bd + c + 8, &s1, sizeof(v8f));
            memcpy(bd + c + 16, &s2, sizeof(v8f));
            memcpy(bd + c + 24, &s3, sizeof(v8f));
            memcpy(bd + c + 32, &s4, sizeof(v8f));
            memcpy(bd + c + 40, &s5, sizeof(v8f));
            memcpy(bd + c + 48, &s6, sizeof(v8f));
            memcpy(bd + c + 56, &s7, sizeof(v8f));
        }
        for (; c < BS; c += 16) { /* BS is a multiple of 16 */
            v8f s0 = {0}, s1 = {0};
            for (size_t i = 0; i < m; i++) {
                const float *bm = b->bm[b->pick[i]] + c;
                ADD8(s0, bm);
                ADD8(s1, bm + 8);
            }
            memcpy(bd + c, &s0, sizeof(v8f));
            memcpy(bd + c + 8, &s1, sizeof(v8f));
        }
        /* The blocks with (double)bd[k] + margin >= best, and perhaps a few more (they are
         * summed exactly, which changes nothing): a float threshold one step below best -
         * margin, compared without branches. Candidates and padding are NaN, never kept. */
        float tf = (float)(best - margin);
        tf = nextafterf(tf, -INFINITY);
        for (uint32_t j = 0; j < b->ncblk; j++) bd[b->cblk[j]] = NAN;
        for (uint32_t k = b->nblk; k < BS; k++) bd[k] = NAN;
        const v8f tv = {tf, tf, tf, tf, tf, tf, tf, tf};
        for (uint32_t k = 0; k < BS; k += 8) { /* 8 at a time: most groups keep none */
            v8f x;
            memcpy(&x, bd + k, sizeof(x));
            v8i ge = x >= tv;
            uint64_t any[4];
            memcpy(any, &ge, sizeof(any));
            if (!(any[0] | any[1] | any[2] | any[3])) continue;
            for (uint32_t o = k; o < k + 8; o++) {
                blk[nb] = o;
                nb += bd[o] >= tf;
            }
        }
    }
    for (uint32_t x = 1; x < nb; x++) /* by bound, highest first: nb is small */
        for (uint32_t y = x; y > 0 && bd[blk[y]] > bd[blk[y - 1]]; y--) {
            uint32_t t = blk[y];
            blk[y] = blk[y - 1];
            blk[y - 1] = t;
        }
    for (uint32_t x = 0; x < nb; x++) {
        const uint32_t k = blk[x];
        if ((double)bd[k] + lmargin < best) break;
        double tot[CLS_BLK];
        if (!trial_block(b, n, m, k, best, margin, tot)) continue;
        for (uint32_t o = 0; o < CLS_BLK && k * CLS_BLK + o < b->nleaves; o++) {
            uint32_t g = k * CLS_BLK + o;
            b->score[g] = tot[o];
            evl[nev++] = g;
            if (tot[o] > best) best = tot[o];
        }
    }
    if (!b->cmask_ok) { /* the candidates' ranks that credit the assigned lineage */
        for (uint32_t j = 0; j < CLS_CAND; j++)
            b->cmask[j] = b->cand[j] != UINT32_MAX ? rank_mask(idx, b->cand[j], taxon) : 0;
        b->cmask_ok = 1;
    }
    uint32_t nt = 0, on[LM_NRANKS] = {0};
    {
        const v4d bv = {best, best, best, best};
        for (uint32_t j = 0; j < CLS_CAND; j += 4) { /* best is finite: no missing one ties */
            v4d x;
            memcpy(&x, acc + j, sizeof(x));
            const v4l eq = x == bv;
            if (!(eq[0] | eq[1] | eq[2] | eq[3])) continue;
            for (uint32_t o = j; o < j + 4; o++)
                if (acc[o] == best) {
                    nt++;
                    credit(b->cmask[o], on);
                }
        }
    }
    for (uint32_t i = 0; i < nev; i++)
        if (b->score[evl[i]] == best) {
            nt++;
            credit(rank_mask(idx, evl[i], taxon), on);
        }
    if (nt == 1) /* x / 1 is x: the same sums, without the divisions */
        for (int r = 0; r < LM_NRANKS; r++) hits[r] += (double)on[r];
    else
        for (int r = 0; r < LM_NRANKS; r++) hits[r] += (double)on[r] / (double)nt;
}
