/* SPDX-License-Identifier: MIT */
/* Bootstrap trials without a pass over every leaf.
 *
 * A trial's winner is almost always among the leaves that score best on the whole query.
 * So the CLS_CAND best leaves of the full pass become candidates, and each query word's
 * scores for them sit in one row: a trial adds m rows. For every other leaf g, a word w
 * adds score(w,g) - log(N_g + 1), which is at most
 *   bound(w) = max( max over listed non-candidates of score - log(N_g + 1),
 *                   max over all non-candidates of -log(N_g + 1) ),
 * so no other leaf can beat sum over draws of bound(w). When the best candidate beats that
 * sum by a margin above rounding, it is the trial's winner, with exactly the total the
 * full pass would give (same terms, same order); otherwise the trial falls back to the
 * full pass. Either way the result is that of the full pass over all leaves. */
#include <math.h>
#include <string.h>

#include "classify_internal.h"

void cls_boot_prepare(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t n)
{
    const uint32_t G = b->nleaves, K = G < CLS_CAND ? G : CLS_CAND;
    const double dn = (double)n;
    /* The K best totals, kept sorted descending by an insertion step. */
    double top[CLS_CAND];
    uint32_t nt = 0;
    for (uint32_t g = 0; g < G; g++) {
        double v = b->score[g] - dn * lm_kidx_leaf_lognorm(idx, g);
        if (nt == K && !(v > top[K - 1])) continue;
        uint32_t j = nt < K ? nt++ : K - 1;
        for (; j > 0 && top[j - 1] < v; j--) {
            top[j] = top[j - 1];
            b->cand[j] = b->cand[j - 1];
        }
        top[j] = v;
        b->cand[j] = g;
    }
    /* Candidates in leaf order, so a trial's ties resolve as in cls_best_leaf(). */
    for (uint32_t i = 1; i < nt; i++) {
        uint32_t v = b->cand[i], j = i;
        for (; j > 0 && b->cand[j - 1] > v; j--) b->cand[j] = b->cand[j - 1];
        b->cand[j] = v;
    }
    b->ncand = nt;
    for (uint32_t j = 0; j < nt; j++) b->slot[b->cand[j]] = (int32_t)j;
    double absent = -INFINITY; /* the best a word can give a non-candidate that lacks it */
    for (uint32_t g = 0; g < G; g++)
        if (b->slot[g] < 0 && -lm_kidx_leaf_lognorm(idx, g) > absent)
            absent = -lm_kidx_leaf_lognorm(idx, g);
    for (size_t i = 0; i < n; i++) {
        float *row = b->vec + i * CLS_CAND;
        memset(row, 0, CLS_CAND * sizeof(float));
        double bd = absent;
        uint32_t cnt;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, b->words[i], &cnt);
        for (uint32_t j = 0; j < cnt; j++) {
            int32_t s = b->slot[e[j].leaf];
            if (s >= 0) {
                row[s] = e[j].score;
            } else {
                double v = (double)e[j].score - lm_kidx_leaf_lognorm(idx, e[j].leaf);
                if (v > bd) bd = v;
            }
        }
        b->bound[i] = bd;
    }
    for (uint32_t j = 0; j < nt; j++) b->slot[b->cand[j]] = -1;
}

void cls_boot_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t m, const uint32_t *taxon,
                    double *hits)
{
    double acc[CLS_CAND] = {0}, bsum = 0.0;
    const uint32_t K = b->ncand;
    for (size_t i = 0; i < m; i++) {
        const float *row = b->vec + (size_t)b->pick[i] * CLS_CAND;
        for (uint32_t j = 0; j < CLS_CAND; j++) acc[j] += row[j];
        bsum += b->bound[b->pick[i]];
    }
    const double dm = (double)m;
    double best = -INFINITY, tot[CLS_CAND];
    uint32_t bj = 0;
    for (uint32_t j = 0; j < K; j++) {
        tot[j] = acc[j] - dm * lm_kidx_leaf_lognorm(idx, b->cand[j]);
        if (tot[j] > best) {
            best = tot[j];
            bj = j;
        }
    }
    if (K == b->nleaves || best > bsum + 1e-9 * (1.0 + fabs(bsum))) {
        uint32_t nt = 0, on[LM_NRANKS] = {0};
        for (uint32_t j = bj; j < K; j++) {
            if (tot[j] != best) continue;
            nt++;
            for (int r = 0; r < LM_NRANKS; r++)
                on[r] +=
                    taxon[r] != UINT32_MAX && lm_kidx_leaf_path(idx, b->cand[j], r) == taxon[r];
        }
        for (int r = 0; r < LM_NRANKS; r++) hits[r] += (double)on[r] / (double)nt;
        return;
    }
    double sc;
    uint32_t g = cls_best_leaf(idx, b, b->words, b->pick, m, &sc);
    cls_tie_credit(idx, b, m, g, sc, taxon, hits);
}
