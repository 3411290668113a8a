/* SPDX-License-Identifier: MIT */
/* What the two files of the classifier share: the per-thread buffer and the passes over
 * the index. Private to src/classify/. */
#ifndef LUMEN_CLASSIFY_INTERNAL_H
#define LUMEN_CLASSIFY_INTERNAL_H

#include "lumen/classify.h"

/* Leaves are grouped in blocks of CLS_BLK consecutive leaves (related genera, since
 * leaves are numbered in taxonomy order); CLS_CBLK blocks are evaluated in full in every
 * bootstrap trial, the others only when their bound says they could win (boot.c). The
 * trials read the candidates' rows as two blocks (boot.c), so CLS_CBLK is 2. */
#define CLS_BLK  LM_KIDX_BLOCK
#define CLS_CBLK 2
#define CLS_CAND (CLS_BLK * CLS_CBLK)

/* The vector loops of the passes also get an AVX2 build, chosen at run time on x86-64
 * Linux (the same IEEE additions in the same order, so the same results). */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define CLS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLS_CLONES
/* The lumen method's words (region.c): keep, in place, the held words of the query's
 * stretch that the reference covers; returns how many remain. */
size_t cls_lumen_words(const lm_kidx_t *idx, uint32_t *w, size_t n);

#endif

/* The near option's scratch (near.c), made on first use. */
typedef struct cls_near cls_near_t;
void cls_near_destroy(cls_near_t *nb);
typedef struct cls_nn cls_nn_t;

struct lm_cls_buf {
    lm_kidx_view_t v;
    cls_near_t *near; /* near.c's scratch, NULL until the near option needs it */
    cls_nn_t *nn;     /* nn.c's scratch, NULL until the nn method needs it */
    double *score;    /* per leaf: summed word scores of the last pass */
    uint32_t nleaves, nblk, bstride;
    uint32_t *words;
    uint32_t *pick; /* a trial's draws: indices into words */
    char *rc;
    size_t cap;                 /* words the per-word tables below hold */
    const float **bm;           /* per word: its dense block maxima in the index */
    const uint32_t **bc;        /* per word: its block codes in the index (start, runner-up) */
    const uint32_t **gb;        /* per word: its groups' starts (only if the index has them) */
    const lm_kidx_entry_t **we; /* per word: its entries */
    float *crow;                /* per candidate block: its rows when it has no slot (below) */
    float *bound;               /* per block: the full pass's bound, then a trial's */
    uint32_t *supl;             /* a trial's blocks to look into */
    uint32_t *need;             /* a trial's draws whose rows a block lacks */
    uint32_t *evl;              /* leaves a trial summed outside the candidates */
    uint32_t cblk[CLS_CBLK], ncblk;
    uint32_t cand[CLS_CAND], ncand;
    /* The trials' first bound in integers (boot.c quantize_rows): per word its block
     * maxima times qs, rounded up, for trials of qm draws (qs 0: none); qcap bytes. */
    int16_t *q16;
    size_t qcap, qm;
    double qs;
    double cln[CLS_CAND];
    uint32_t cmask[CLS_CAND], cmask_ok;
    /* per candidate: rank_mask() (boot.c), once set */ /* per candidate: log(N_g + 1), +inf
                                                           where there is none */
    /* Blocks this query has summed, as dense per-word rows of CLS_BLK scores (0 where
     * the leaf lacks the word): dslot[block] is the block's slot (UINT32_MAX: none),
     * dused[slot] its block; slot s holds rows dpool[s n CLS_BLK ..], dmark[s n + i] set
     * once word i's row is filled. The pool holds dcap rows and grows as slots need. */
    uint32_t *dslot, *dused, ndused;
    float *dpool;
    unsigned char *dmark;
    size_t dcap;
};

/* RDP's draws: java.util.Random (a 48-bit linear congruential generator, Java's
 * specified algorithm), set to the same seed before every sequence; nextInt(bound) as
 * Java computes it, rejection step included. The modulo is computed without a division
 * (Lemire, Kaser and Kurz 2019, exact for every 32-bit x and d > 0) from
 * mod = UINT64_MAX / bound + 1, set once per query. */
#define CLS_JR_MUL  0x5DEECE66DULL
#define CLS_JR_MASK ((1ULL << 48) - 1)

typedef struct cls_jr {
    uint64_t s, mod;
    uint32_t bound;
} cls_jr_t;

static inline cls_jr_t cls_jr_start(uint64_t seed, uint32_t bound)
{
    cls_jr_t r = {(seed ^ CLS_JR_MUL) & CLS_JR_MASK, UINT64_MAX / bound + 1, bound};
    return r;
}

static inline int32_t cls_jr_next31(cls_jr_t *r)
{
    r->s = (r->s * CLS_JR_MUL + 0xBULL) & CLS_JR_MASK;
    return (int32_t)(r->s >> 17);
}

__extension__ typedef unsigned __int128 cls_u128;

/* Java's nextInt(bound). */
static inline uint32_t cls_jr_int(cls_jr_t *g)
{
    int32_t r = cls_jr_next31(g);
    const uint32_t bound = g->bound, m = bound - 1;
    if ((bound & m) == 0) return (uint32_t)(((int64_t)bound * r) >> 31);
    /* Java: for (u = r; u - (r = u % bound) + m < 0; u = next(31)), in wrapping int. */
    for (int32_t u = r;; u = cls_jr_next31(g)) {
        r = (int32_t)(((cls_u128)(g->mod * (uint32_t)u) * bound) >> 64); /* u % bound, u >= 0 */
        if ((int32_t)((uint32_t)u - (uint32_t)r + m) >= 0) break;
    }
    return (uint32_t)r;
}

/* Sum the scores of words w[0..n) (or w[pick[i]] if pick) into b->score and return the
 * best leaf; *best gets its total, s - n log(N_g + 1). Ties keep the lowest leaf. */
uint32_t cls_best_leaf(const lm_kidx_t *idx, lm_cls_buf_t *b, const uint32_t *w,
                       const uint32_t *pick, size_t n, double *best);

/* The full pass over b->words[0..n) that also sets up the per-word tables of the trials
 * of m draws (the blocks it summed as dense rows, the integer bound rows, the
 * candidates) and picks the candidate blocks; returns the best leaf as cls_best_leaf()
 * does. */
uint32_t cls_full_pass(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, size_t m, double *best);

/* One trial: draws m of the n words with rs into b->pick[0..m) and adds to hits[] exactly
 * what the winner of a full pass over all leaves would, a tie shared equally among the
 * tied leaves. */
void cls_boot_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, cls_jr_t *rs, size_t n, size_t m,
                    const uint32_t *taxon, double *hits);

/* The lumen method's words (region.c): keep, in place, the held words of the query's
 * stretch that the reference covers; returns how many remain. */
size_t cls_lumen_words(const lm_kidx_t *idx, uint32_t *w, size_t n);

/* The similarity of seq[0..len) to the nearest reference of leaf's genus (near.c): *sim
 * gets max |D(q) & D(r)| / min(|D(q)|, |D(r)|) over the genus's references (1 when the leaf
 * has no genus). 0 or LM_ENOMEM. */
int cls_near_similarity(const lm_kidx_t *idx, lm_cls_buf_t *b, const char *seq, size_t len,
                        uint32_t leaf, double *sim);

/* The same similarity, leaf by leaf (near.c), for the nearest-neighbour method: begin
 * takes the query's distinct words (ascending, in *words; UINT32_MAX when out of memory),
 * cls_near_leaf then gives leaf g's best similarity to them (-1 if none of its references
 * has a word) and how many of its references reach it, and end clears the scratch. */
uint32_t cls_near_begin(const lm_kidx_t *idx, lm_cls_buf_t *b, const char *seq, size_t len,
                        const uint32_t **words);
int cls_near_leaf(const lm_kidx_t *idx, lm_cls_buf_t *b, uint32_t dq, uint32_t g, double *best,
                  uint32_t *ties);
void cls_near_end(lm_cls_buf_t *b, uint32_t dq);

/* The nearest-neighbour method (nn.c, LM_CLS_NN) on seq[0..len) (the strand chosen):
 * fills res's leaf, taxa, confidences and depth. 0 or LM_ENOMEM. */
void cls_nn_destroy(cls_nn_t *s);
int cls_nn_classify(const lm_kidx_t *idx, const lm_cls_opt_t *opt, lm_cls_buf_t *b, const char *seq,
                    size_t len, lm_cls_result_t *res);

#endif
