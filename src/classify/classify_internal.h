/* SPDX-License-Identifier: MIT */
/* What the two files of the classifier share: the per-thread buffer and the passes over
 * the index. Private to src/classify/. */
#ifndef LUMEN_CLASSIFY_INTERNAL_H
#define LUMEN_CLASSIFY_INTERNAL_H

#include "lumen/classify.h"

/* Leaves kept as candidates for the bootstrap trials (see boot.c). */
#define CLS_CAND 32

struct lm_cls_buf {
    double *score; /* per leaf: summed word scores of the last pass */
    int32_t *slot; /* per leaf: its candidate slot, or -1 */
    uint32_t *words;
    uint32_t *pick; /* a trial's draws: indices into words */
    char *rc;
    float *vec;    /* per query word: its score for each candidate (cap x CLS_CAND) */
    double *bound; /* per query word: the most it can add to any other leaf */
    size_t cap;    /* of words, pick, rc, vec rows and bound */
    uint32_t cand[CLS_CAND];
    uint32_t ncand;
    gsl_rng *rng;
    uint32_t nleaves;
};

/* Sum the scores of words w[0..n) (or w[pick[i]] if pick) into b->score and return the
 * best leaf; *best gets its total, s - n log(N_g + 1). Ties keep the lowest leaf. */
uint32_t cls_best_leaf(const lm_kidx_t *idx, lm_cls_buf_t *b, const uint32_t *w,
                       const uint32_t *pick, size_t n, double *best);

/* Add a trial won by leaf g (total sc, m words; b->score from that trial) to hits[],
 * sharing it among leaves tied with g. */
void cls_tie_credit(const lm_kidx_t *idx, const lm_cls_buf_t *b, size_t m, uint32_t g, double sc,
                    const uint32_t *taxon, double *hits);

/* After the full pass over b->words[0..n) (b->score holds its sums), choose candidates
 * and tabulate what each query word gives them and at most any other leaf. */
void cls_boot_prepare(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n);

/* One trial over the draws b->pick[0..m): the same winner and credit as cls_best_leaf()
 * plus cls_tie_credit() over all leaves, usually at the cost of m x CLS_CAND. */
void cls_boot_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t m, const uint32_t *taxon,
                    double *hits);

#endif
