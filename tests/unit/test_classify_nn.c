/* SPDX-License-Identifier: MIT */
/* Unit tests of the nearest-neighbour method (src/classify/nn.c, LM_CLS_NN): hand-checked
 * calls on a k = 4 reference (an exact match, a tie between two genera, copies counted as
 * votes, a query sharing no word, the threshold cutting the lineage), and its pruning
 * checked against a brute force over every reference on a random reference of 60 genera:
 * the best similarity and the shares of the nearest references must be the same. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lumen/classify.h"

static lm_kidx_t *build(const char *const *seqs, const char *const *lins, int n, int k)
{
    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    opt.k = k;
    opt.near = 1;
    lm_ref_t *ref = lm_ref_create(&opt);
    assert_non_null(ref);
    lm_err_t err;
    for (int i = 0; i < n; i++) {
        lm_lineage_t lin;
        assert_true(lm_lineage_parse(lins[i], strlen(lins[i]), &lin, &err) > 0);
        assert_int_equal(lm_ref_add(ref, seqs[i], strlen(seqs[i]), &lin, &err), 0);
    }
    void *img;
    size_t len;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    lm_ref_destroy(ref);
    lm_kidx_t *idx = lm_kidx_load_mem(img, len, "nn.lmi", &err);
    free(img);
    assert_non_null(idx);
    return idx;
}

static lm_cls_result_t call(const lm_kidx_t *idx, const char *q, double confidence)
{
    lm_cls_opt_t opt;
    lm_cls_opt_init(&opt);
    opt.method = LM_CLS_NN;
    opt.confidence = confidence;
    lm_cls_buf_t *b = lm_cls_buf_create(idx);
    assert_non_null(b);
    lm_cls_result_t r;
    assert_int_equal(lm_cls_classify(idx, &opt, b, q, strlen(q), &r), 0);
    lm_cls_buf_destroy(b);
    return r;
}

static const char *genus_of(const lm_kidx_t *idx, const lm_cls_result_t *r)
{
    return r->taxon[LM_RANK_GENUS] == UINT32_MAX ? ""
                                                 : lm_kidx_taxon_name(idx, r->taxon[LM_RANK_GENUS]);
}

#define FAM "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;"

/* k = 4. Alpha: AAAACCCCGGGG, AAAACCCCGGTT; Beta: TTTTGGGGCCCC, and AAAACCCCGGGA (one
 * base from Alpha's first); Gamma (another family): CACACACATGTG, twice (copies). */
static const char *const seqs[] = {"AAAACCCCGGGG", "AAAACCCCGGTT", "TTTTGGGGCCCC",
                                   "AAAACCCCGGGA", "CACACACATGTG", "CACACACATGTG"};
static const char *const lins[] = {FAM "Alpha",
                                   FAM "Alpha",
                                   FAM "Beta",
                                   FAM "Beta",
                                   "Bacteria;Firmicutes;Bacilli;Bacillales;Otheraceae;Gamma",
                                   "Bacteria;Firmicutes;Bacilli;Bacillales;Otheraceae;Gamma"};

static void test_hand_checked(void **state)
{
    (void)state;
    lm_kidx_t *idx = build(seqs, lins, 6, 4);
    /* The whole of Alpha's first reference: its only nearest reference (s = 1; Beta's
     * AAAACCCCGGGA shares 8 of its 9 distinct words). */
    lm_cls_result_t r = call(idx, "AAAACCCCGGGG", 0.5);
    assert_string_equal(genus_of(idx, &r), "Alpha");
    assert_true(r.conf[LM_RANK_GENUS] == 1.0);
    assert_int_equal(r.depth, LM_RANK_GENUS + 1);
    /* AAAACCCCGG (7 distinct words) lies in Alpha's two references and in Beta's
     * AAAACCCCGGGA: s = 1 for all three; Alpha 2 of 3. */
    r = call(idx, "AAAACCCCGG", 0.5);
    assert_string_equal(genus_of(idx, &r), "Alpha");
    assert_true(fabs(r.conf[LM_RANK_GENUS] - 2.0 / 3.0) < 1e-12);
    assert_true(r.conf[LM_RANK_FAMILY] == 1.0);
    /* The threshold above 2/3 cuts the lineage at the family. */
    r = call(idx, "AAAACCCCGG", 0.7);
    assert_int_equal(r.depth, LM_RANK_FAMILY + 1);
    /* CCCCGGG: Alpha's first and Beta's second hold its 4 words (s = 1), Alpha's second
     * only 3: one reference each, 1/2; the genus of the lower number (Alpha) at 0.5. */
    r = call(idx, "CCCCGGG", 0.0);
    assert_true(fabs(r.conf[LM_RANK_GENUS] - 0.5) < 1e-12);
    assert_string_equal(genus_of(idx, &r), "Alpha");
    r = call(idx, "CCCCGGG", 0.51);
    assert_int_equal(r.depth, LM_RANK_FAMILY + 1);
    /* Gamma's one sequence, twice in the reference: the index keeps it once and counts
     * 2 votes. CACACATG is held whole by Gamma (s = 1) and nowhere else. */
    r = call(idx, "CACACATG", 0.5);
    assert_string_equal(genus_of(idx, &r), "Gamma");
    assert_true(r.conf[LM_RANK_GENUS] == 1.0);
    uint32_t R;
    const uint32_t r0 = lm_kidx_leaf_ref_range(idx, r.leaf, &R);
    assert_int_equal(R, 1);
    assert_int_equal(lm_kidx_ref_copies(idx, r0), 2);
    /* A query sharing no word with any reference gets nothing. */
    r = call(idx, "ATATATAT", 0.0);
    assert_int_equal(r.depth, 0);
    assert_int_equal(r.leaf, UINT32_MAX);
    lm_kidx_destroy(idx);
}

/* Copies are votes: Delta's sequence twice against Epsilon's once, the query equally near
 * both: Delta 2/3. */
static void test_copies_vote(void **state)
{
    (void)state;
    const char *s[] = {"ACGTTGCAAGGT", "ACGTTGCAAGGT", "ACGTTGCAACCA"};
    const char *l[] = {FAM "Delta", FAM "Delta", FAM "Epsilon"};
    lm_kidx_t *idx = build(s, l, 3, 4);
    lm_cls_result_t r = call(idx, "ACGTTGCAA", 0.5); /* in all three whole */
    assert_string_equal(genus_of(idx, &r), "Delta");
    assert_true(fabs(r.conf[LM_RANK_GENUS] - 2.0 / 3.0) < 1e-12);
    lm_kidx_destroy(idx);
}

/* Random reference: 60 genera in 12 families, 1-5 references each (a genus's references
 * are mutants of one ancestor, families share theirs), 300 queries mutated from random
 * references. The brute force: every reference's similarity from its distinct words. */
static uint64_t rs = 12345;
static uint32_t rnd(uint32_t n)
{
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rs >> 33) % n);
}

#define K    5
#define NW   (1u << (2 * K))
#define SLEN 120

static void words_of(const char *s, unsigned char *set)
{
    memset(set, 0, NW);
    uint32_t c = 0;
    int run = 0;
    for (const char *p = s; *p; p++) {
        const int b = *p == 'A' ? 0 : *p == 'C' ? 1 : *p == 'G' ? 2 : *p == 'T' ? 3 : -1;
        if (b < 0) {
            run = 0;
            continue;
        }
        c = ((c << 2) | (uint32_t)b) & (NW - 1);
        if (++run >= K) set[c] = 1;
    }
}

static void mutate(char *s, int n)
{
    for (int i = 0; i < n; i++) s[rnd(SLEN)] = "ACGT"[rnd(4)];
}

static void test_pruning_exact(void **state)
{
    (void)state;
    enum { NG = 60, MAXR = 300 };
    static char ref[MAXR][SLEN + 1], lin[MAXR][96];
    const char *sp[MAXR], *lp[MAXR];
    char fam_anc[12][SLEN + 1], gen_anc[SLEN + 1];
    int n = 0;
    for (int f = 0; f < 12; f++) {
        for (int i = 0; i < SLEN; i++) fam_anc[f][i] = "ACGT"[rnd(4)];
        fam_anc[f][SLEN] = '\0';
    }
    for (int g = 0; g < NG; g++) {
        memcpy(gen_anc, fam_anc[g % 12], SLEN + 1);
        mutate(gen_anc, 3);
        const int nr = 1 + (int)rnd(5);
        for (int j = 0; j < nr; j++) {
            memcpy(ref[n], gen_anc, SLEN + 1);
            if (rnd(4)) mutate(ref[n], (int)rnd(4)); /* a quarter: the ancestor itself */
            snprintf(lin[n], sizeof(lin[n]), "Bacteria;P;C;O;Fam%02d;Gen%02d", g % 12, g);
            sp[n] = ref[n];
            lp[n] = lin[n];
            n++;
        }
    }
    lm_kidx_t *idx = build(sp, lp, n, K);
    static unsigned char rset[MAXR][NW];
    static uint32_t rgen[MAXR];
    for (int i = 0; i < n; i++) {
        words_of(ref[i], rset[i]);
        rgen[i] = (uint32_t)atoi(strstr(lin[i], "Gen") + 3);
    }
    unsigned char qset[NW];
    int split = 0;
    for (int t = 0; t < 300; t++) {
        char q[SLEN + 1];
        memcpy(q, ref[rnd((uint32_t)n)], SLEN + 1);
        mutate(q, (int)rnd(6));
        const uint32_t from = rnd(50), to = SLEN - rnd(50); /* a stretch of it */
        q[to] = '\0';
        words_of(q + from, qset);
        /* brute force: best s, and per genus the records at it */
        uint32_t dq = 0;
        for (uint32_t w = 0; w < NW; w++) dq += qset[w];
        double best = -1.0;
        uint32_t votes[NG] = {0}, total = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < n; i++) {
                uint32_t dr = 0, sh = 0;
                for (uint32_t w = 0; w < NW; w++) {
                    dr += rset[i][w];
                    sh += rset[i][w] & qset[w];
                }
                const uint32_t den = dr < dq ? dr : dq;
                if (!den) continue;
                const double v = sh >= den ? 1.0 : (double)sh / (double)den;
                if (pass == 0 && v > best) best = v;
                if (pass == 1 && v == best) {
                    votes[rgen[i]]++;
                    total++;
                }
            }
        lm_cls_result_t r = call(idx, q + from, 0.0);
        assert_int_not_equal(r.leaf, UINT32_MAX);
        const uint32_t g = (uint32_t)atoi(genus_of(idx, &r) + 3);
        /* the genus's share is its records' votes among all the nearest records' (a genus
         * is in one family, so the nested majority does not change it) */
        assert_true(votes[g] > 0);
        if (fabs(r.conf[LM_RANK_GENUS] - (double)votes[g] / (double)total) > 1e-12)
            fail_msg("query %d: genus share %.4f, brute force %u / %u", t, r.conf[LM_RANK_GENUS],
                     votes[g], total);
        split += votes[g] < total;
    }
    if (split < 20) fail_msg("only %d queries between genera", split); /* ties were met */
    printf("%d of 300 queries between genera\n", split);
    lm_kidx_destroy(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_checked),
        cmocka_unit_test(test_copies_vote),
        cmocka_unit_test(test_pruning_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
