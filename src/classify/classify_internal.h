/* SPDX-License-Identifier: MIT */
/* What the two files of the classifier share: the per-thread buffer and the passes over
 * the index. Private to src/classify/. */
#ifndef LUMEN_CLASSIFY_INTERNAL_H
#define LUMEN_CLASSIFY_INTERNAL_H

#include "lumen/classify.h"

/* Leaves are grouped in blocks of CLS_BLK consecutive leaves (related genera, since
 * leaves are numbered in taxonomy order); CLS_CBLK blocks are evaluated in full in every
 * bootstrap trial, the others only when their bound says they could win (boot.c). */
#define CLS_BLK  LM_KIDX_BLOCK
#define CLS_CBLK 2
#define CLS_CAND (CLS_BLK * CLS_CBLK)

struct lm_cls_buf {
    double *score; /* per leaf: summed word scores of the last pass */
    float *lam;    /* per leaf: log(N_g + 1) */
    float *absent; /* per block: the most a word a leaf lacks gives it, -min log(N_g + 1) */
    uint32_t nleaves, nblk;
    uint32_t *words;
    uint32_t *pick; /* a trial's draws: indices into words */
    char *rc;
    size_t cap;       /* words the per-word tables below hold */
    float *bmax;      /* per word and block: the most the word adds to a leaf of the block */
    uint32_t *bstart; /* per word and block (+1): where the block starts in the word's list */
    float *crow;      /* per word: its score for each candidate leaf (CLS_CAND) */
    float *bound;     /* per block: a trial's bound */
    uint32_t *evl;    /* leaves a trial summed outside the candidates */
    uint32_t cblk[CLS_CBLK], ncblk;
    uint32_t cand[CLS_CAND], ncand;
    gsl_rng *rng;
};

/* Sum the scores of words w[0..n) (or w[pick[i]] if pick) into b->score and return the
 * best leaf; *best gets its total, s - n log(N_g + 1). Ties keep the lowest leaf. */
uint32_t cls_best_leaf(const lm_kidx_t *idx, lm_cls_buf_t *b, const uint32_t *w,
                       const uint32_t *pick, size_t n, double *best);

/* The full pass over b->words[0..n) that also fills the per-word block tables and picks
 * the candidate blocks; returns the best leaf as cls_best_leaf() does. */
uint32_t cls_full_pass(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n, double *best);

/* One trial over the draws b->pick[0..m): adds to hits[] exactly what the winner of a
 * full pass over all leaves would, a tie shared equally among the tied leaves. */
void cls_boot_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t m, const uint32_t *taxon,
                    double *hits);

#endif
