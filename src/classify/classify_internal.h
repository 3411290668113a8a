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

struct lm_cls_buf {
    lm_kidx_view_t v;
    cls_near_t *near; /* near.c's scratch, NULL until the near option needs it */
    double *score; /* per leaf: summed word scores of the last pass */
    uint32_t nleaves, nblk, bstride;
    uint32_t *words;
    uint32_t *pick; /* a trial's draws: indices into words */
    char *rc;
    size_t cap;                 /* words the per-word tables below hold */
    const float **bm;           /* per word: its dense block maxima in the index */
    const uint32_t **bs;        /* per word: where each block starts in its entries */
    const lm_kidx_entry_t **we; /* per word: its entries */
    float *crow;                /* per candidate block: its rows when it has no slot (below) */
    float *bound;               /* per block: the full pass's bound, then a trial's */
    unsigned char *iscand;      /* per block: a candidate */
    uint32_t *supl;             /* a trial's blocks to look into */
    uint32_t *need;             /* a trial's draws whose rows a block lacks */
    uint32_t *evl;              /* leaves a trial summed outside the candidates */
    uint32_t cblk[CLS_CBLK], ncblk;
    uint32_t cand[CLS_CAND], ncand;
    /* Blocks this query has summed, as dense per-word rows of CLS_BLK scores (0 where
     * the leaf lacks the word): dslot[block] is the block's slot (UINT32_MAX: none),
     * dused[slot] its block; slot s holds rows dpool[s n CLS_BLK ..], dmark[s n + i] set
     * once word i's row is filled. The pool holds dcap rows and grows as slots need. */
    uint32_t *dslot, *dused, ndused;
    float *dpool;
    unsigned char *dmark;
    size_t dcap;
};

/* Sum the scores of words w[0..n) (or w[pick[i]] if pick) into b->score and return the
 * best leaf; *best gets its total, s - n log(N_g + 1). Ties keep the lowest leaf. */
uint32_t cls_best_leaf(const lm_kidx_t *idx, lm_cls_buf_t *b, const uint32_t *w,
                       const uint32_t *pick, size_t n, double *best);

/* The full pass over b->words[0..n) that also sets up the per-word tables of the trials
 * (the blocks it summed as dense rows, the candidates) and picks the
 * candidate blocks; returns the best leaf as cls_best_leaf() does. */
uint32_t cls_full_pass(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, double *best);

/* One trial over the draws b->pick[0..m) from the n words: adds to hits[] exactly what the winner
 * of a full pass over all leaves would, a tie shared equally among the tied leaves. */
void cls_boot_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, size_t m,
                    const uint32_t *taxon, double *hits);

/* The lumen method's words (region.c): keep, in place, the held words of the query's
 * stretch that the reference covers; returns how many remain. */
size_t cls_lumen_words(const lm_kidx_t *idx, uint32_t *w, size_t n);

/* The similarity of seq[0..len) to the nearest reference of leaf's genus (near.c): *sim
 * gets max |D(q) & D(r)| / min(|D(q)|, |D(r)|) over the genus's references (1 when the leaf
 * has no genus). 0 or LM_ENOMEM. */
int cls_near_similarity(const lm_kidx_t *idx, lm_cls_buf_t *b, const char *seq, size_t len,
                        uint32_t leaf, double *sim);

#endif
