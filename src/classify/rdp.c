/* SPDX-License-Identifier: MIT */
/* The RDP naive Bayesian classifier over the k-mer index (classify.h states the method).
 *
 * Scores. RDP's log-probability of query words W under leaf g is
 *   sum_w log P(w|g) = sum_w log(P_w / (N_g + 1)) + sum_{w in g} log(1 + n(w,g) / P_w).
 * The first sum is sum_w log P_w (the same for every leaf, so it cannot change the argmax)
 * minus |W| log(N_g + 1); the second runs only over the leaves that hold w, and the index
 * stores exactly its terms. So a pass costs the length of the words' leaf lists plus one
 * sweep over the leaves, and gives the same argmax as RDP's words x leaves sum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "lumen/seqio.h"

void lm_cls_opt_init(lm_cls_opt_t *opt)
{
    opt->confidence = 0.8;
    opt->bootstraps = 100;
    opt->min_words = 5;
    opt->both_strands = 0;
    opt->exhaustive = 0;
    opt->seed = 1; /* RDP's */
    opt->species = 0;
    opt->species_mm = 0;
    opt->method = LM_CLS_RDP;
    opt->near = 0;
}

int lm_cls_opt_check(const lm_cls_opt_t *opt, lm_err_t *err)
{
    if (!(opt->confidence >= 0.0 && opt->confidence <= 1.0))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "confidence must be from 0 to 1");
    if (opt->bootstraps < 1 || opt->bootstraps > 10000)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "bootstraps must be from 1 to 10000");
    if (opt->min_words < 1)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "min_words must be at least 1");
    if (opt->method != LM_CLS_RDP && opt->method != LM_CLS_LUMEN && opt->method != LM_CLS_NN)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "unknown classification method");
    if (opt->method == LM_CLS_NN && opt->near)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                          "--near scales a bootstrap confidence; --method nn has none");
    if (opt->species_mm < 0 || opt->species_mm > 1)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "species mismatches must be 0 or 1");
    return 0;
}

double lm_cls_word_logprob(double n_wg, double n_w, double n_refs, double n_g)
{
    double pw = (n_w + 0.5) / (n_refs + 1.0);
    return log((n_wg + pw) / (n_g + 1.0));
}

lm_cls_buf_t *lm_cls_buf_create(const lm_kidx_t *idx)
{
    lm_cls_buf_t *b = calloc(1, sizeof(*b));
    if (!b) return NULL;
    lm_kidx_view(idx, &b->v);
    const uint32_t G = lm_kidx_n_leaves(idx);
    b->nleaves = G;
    b->nblk = lm_kidx_n_blocks(idx);
    b->bstride = lm_kidx_bmax_stride(idx);
    b->score = malloc(G * sizeof(double));
    b->evl = malloc((G > b->bstride ? G : b->bstride) * sizeof(uint32_t));
    b->bound = malloc(b->bstride * sizeof(float));
    b->supl = malloc(b->bstride * sizeof(uint32_t));
    b->dslot = malloc(b->nblk * sizeof(uint32_t));
    b->dused = malloc(b->nblk * sizeof(uint32_t));
    if (!b->score || !b->evl || !b->bound || !b->supl || !b->dslot || !b->dused) {
        lm_cls_buf_destroy(b);
        return NULL;
    }
    for (uint32_t k = 0; k < b->nblk; k++) b->dslot[k] = UINT32_MAX;
    return b;
}

void lm_cls_buf_destroy(lm_cls_buf_t *b)
{
    if (!b) return;
    free(b->score);
    free(b->evl);
    free(b->bound);
    free(b->supl);
    free(b->dslot);
    free(b->dused);
    free(b->dpool);
    free(b->dmark);
    free(b->bm);
    free(b->bc);
    free(b->gb);
    free(b->we);
    free(b->crow);
    free(b->q16);
    free(b->need);
    free(b->words);
    free(b->rc);
    free(b->pick);
    cls_near_destroy(b->near);
    cls_nn_destroy(b->nn);
    free(b);
}

#define GROW(ptr, count)                                                                           \
    do {                                                                                           \
        void *np_ = realloc((void *)(ptr), (count) * sizeof(*(ptr)));                              \
        if (!np_) return -1;                                                                       \
        (ptr) = np_;                                                                               \
    } while (0)

static int reserve(lm_cls_buf_t *b, size_t len)
{
    if (len + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 2048;
    while (cap < len + 1) cap *= 2;
    GROW(b->words, cap);
    GROW(b->rc, cap);
    GROW(b->pick, cap);
    GROW(b->bm, cap);
    GROW(b->bc, cap);
    GROW(b->gb, cap);
    GROW(b->we, cap);
    GROW(b->crow, cap * CLS_CAND);
    GROW(b->need, cap);
    b->cap = cap;
    return 0;
}

/* The total leaves out the leaf-independent sum of log P_w. */
uint32_t cls_best_leaf(const lm_kidx_t *idx, lm_cls_buf_t *b, const uint32_t *w,
                       const uint32_t *pick, size_t n, double *best_score)
{
    double *s = b->score;
    memset(s, 0, b->nleaves * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        uint32_t cnt;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, pick ? w[pick[i]] : w[i], &cnt);
        for (uint32_t j = 0; j < cnt; j++) s[e[j].leaf] += e[j].score;
    }
    const double dn = (double)n;
    uint32_t best = 0;
    double bs = -INFINITY;
    for (uint32_t g = 0; g < b->nleaves; g++) {
        double v = s[g] - dn * lm_kidx_leaf_lognorm(idx, g);
        if (v > bs) { /* strictly greater: ties keep the lowest leaf */
            bs = v;
            best = g;
        }
    }
    *best_score = bs;
    return best;
}

/* A trial the way RDP runs it: every leaf scored; a tie shared among the tied leaves. */
static void exhaustive_trial(const lm_kidx_t *idx, lm_cls_buf_t *b, size_t m, const uint32_t *taxon,
                             double *hits)
{
    double sc;
    uint32_t g = cls_best_leaf(idx, b, b->words, b->pick, m, &sc), nt = 0, on[LM_NRANKS] = {0};
    const double dm = (double)m;
    for (uint32_t h = g; h < b->nleaves; h++) {
        if (b->score[h] - dm * lm_kidx_leaf_lognorm(idx, h) != sc) continue;
        nt++;
        for (int r = 0; r < LM_NRANKS; r++)
            on[r] += taxon[r] != UINT32_MAX && lm_kidx_leaf_path(idx, h, r) == taxon[r];
    }
    for (int r = 0; r < LM_NRANKS; r++) hits[r] += (double)on[r] / (double)nt;
}

/* The query's words as the method takes them. */
static size_t words_of(const lm_kidx_t *idx, const lm_cls_opt_t *opt, const char *seq, size_t len,
                       uint32_t *w)
{
    size_t n = lm_kmer_encode(seq, len, lm_kidx_k(idx), w);
    return opt->method == LM_CLS_LUMEN ? cls_lumen_words(idx, w, n) : n;
}

int lm_cls_classify(const lm_kidx_t *idx, const lm_cls_opt_t *opt, lm_cls_buf_t *b, const char *seq,
                    size_t len, lm_cls_result_t *res)
{
    memset(res, 0, sizeof(*res));
    res->leaf = UINT32_MAX;
    res->species = UINT32_MAX;
    for (int r = 0; r < LM_NRANKS; r++) res->taxon[r] = UINT32_MAX;
    if (reserve(b, len + (size_t)opt->min_words)) return LM_ENOMEM;
    size_t n = words_of(idx, opt, seq, len, b->words);
    if (opt->both_strands) {
        double fwd_score = 0.0, rev_score = 0.0;
        if (n) cls_best_leaf(idx, b, b->words, NULL, n, &fwd_score);
        lm_revcomp(seq, len, b->rc);
        size_t nr = words_of(idx, opt, b->rc, len, b->words);
        if (nr) cls_best_leaf(idx, b, b->words, NULL, nr, &rev_score);
        /* Compare per word so strands with different word counts are comparable. */
        if (nr && (!n || rev_score / (double)nr > fwd_score / (double)n)) {
            res->reverse = 1;
            n = nr;
            seq = b->rc;
        } else if (n) { /* back to the forward strand's words */
            n = words_of(idx, opt, seq, len, b->words);
        }
    }
    if (opt->method == LM_CLS_NN) {
        if (!(lm_kidx_flags(idx) & LM_KIDX_F_NEAR)) return LM_EUSAGE;
        res->words = (uint32_t)n;
        return n ? cls_nn_classify(idx, opt, b, seq, len, res) : 0;
    }
    const size_t m = n / 8 > (size_t)opt->min_words ? n / 8 : (size_t)opt->min_words;
    double best_score;
    uint32_t best = !n                ? UINT32_MAX
                    : opt->exhaustive ? cls_best_leaf(idx, b, b->words, NULL, n, &best_score)
                                      : cls_full_pass(idx, b, n, m, &best_score);
    res->words = (uint32_t)n;
    if (!n) return 0;
    res->leaf = best;
    for (int r = 0; r < LM_NRANKS; r++) res->taxon[r] = lm_kidx_leaf_path(idx, best, r);

    uint32_t *pick = b->pick;                           /* m <= len + min_words, reserved above */
    cls_jr_t rs = cls_jr_start(opt->seed, (uint32_t)n); /* n < 2^32: one query's words */
    double hits[LM_NRANKS] = {0};
    for (int t = 0; t < opt->bootstraps; t++) {
        if (opt->exhaustive) {
            for (size_t i = 0; i < m; i++) pick[i] = cls_jr_int(&rs);
            exhaustive_trial(idx, b, m, res->taxon, hits);
        } else { /* the trial draws its words itself, as it adds them */
            cls_boot_trial(idx, b, &rs, n, m, res->taxon, hits);
        }
    }
    res->depth = 0;
    int cut = 0;
    double near = 1.0; /* the near option's similarity (near.c) */
    if (opt->near && !(lm_kidx_flags(idx) & LM_KIDX_F_NEAR)) return LM_EUSAGE;
    if (opt->near && cls_near_similarity(idx, b, seq, len, best, &near)) return LM_ENOMEM;
    for (int r = 0; r < LM_NRANKS; r++) {
        if (res->taxon[r] == UINT32_MAX) continue;
        res->conf[r] = hits[r] / (double)opt->bootstraps;
        if (r >= LM_RANK_GENUS) res->conf[r] *= near;
        /* A gap (an empty rank of the reference) neither passes nor stops the lineage. */
        if (!cut && res->conf[r] >= opt->confidence - 1e-12)
            res->depth = r + 1;
        else
            cut = 1;
    }
    return 0;
}

size_t lm_cls_format_taxon(const lm_kidx_t *idx, const lm_cls_result_t *res, char *out, size_t size)
{
    static const char letters[LM_NRANKS] = {'d', 'p', 'c', 'o', 'f', 'g', 's'};
    size_t n = 0;
    int any = 0;
    for (int r = 0; r < res->depth; r++) {
        if (res->taxon[r] == UINT32_MAX) continue;
        char l = letters[r];
        if (r == LM_RANK_DOMAIN && (lm_kidx_flags(idx) & LM_KIDX_F_KINGDOM)) l = 'k';
        int w = snprintf(n < size ? out + n : NULL, n < size ? size - n : 0, "%s%c__%s",
                         any ? "; " : "", l, lm_kidx_taxon_name(idx, res->taxon[r]));
        if (w > 0) n += (size_t)w;
        any = 1;
    }
    if (any && res->species != UINT32_MAX) {
        int w = snprintf(n < size ? out + n : NULL, n < size ? size - n : 0, "; s__%s",
                         lm_kidx_species_name(idx, res->species));
        if (w > 0) n += (size_t)w;
    }
    if (!any) {
        int w = snprintf(out, size, "Unassigned");
        n = w > 0 ? (size_t)w : 0;
    }
    return n;
}

double lm_cls_confidence(const lm_cls_result_t *res)
{
    for (int r = res->depth - 1; r >= 0; r--)
        if (res->taxon[r] != UINT32_MAX) return res->conf[r];
    return res->conf[LM_RANK_DOMAIN];
}
