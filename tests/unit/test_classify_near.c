/* SPDX-License-Identifier: MIT */
/* Unit tests of the near option (src/classify/near.c) and the index's references section
 * it reads (format 3): the section's records on a hand-checked k = 4 reference, a damaged
 * record refused, identical records counted in the copies array (and an index without
 * that array, as the first format-3 ones, still read), and the genus confidence scaled by the
 * hand-counted similarity to the genus's nearest reference (ranks above the genus unchanged). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/refdb/refdb_internal.h"
#include "lumen/classify.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* The index image of n references (k-mer length k), with or without the references
 * section (lm_ref_opt_t.near); *len its length, free() it. */
static void *build_image(const char *const *seqs, const char *const *lins, int n, int k, int near,
                         size_t *len)
{
    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    opt.k = k;
    opt.near = near;
    lm_ref_t *ref = lm_ref_create(&opt);
    assert_non_null(ref);
    lm_err_t err;
    for (int i = 0; i < n; i++) {
        lm_lineage_t lin;
        assert_true(lm_lineage_parse(lins[i], strlen(lins[i]), &lin, &err) > 0);
        assert_int_equal(lm_ref_add(ref, seqs[i], strlen(seqs[i]), &lin, &err), 0);
    }
    void *img;
    assert_int_equal(lm_ref_build(ref, &img, len, &err), 0);
    lm_ref_destroy(ref);
    return img;
}

static lm_kidx_t *build(const char *const *seqs, const char *const *lins, int n, int k)
{
    size_t len;
    void *img = build_image(seqs, lins, n, k, 1, &len);
    lm_err_t err;
    lm_kidx_t *idx = lm_kidx_load_mem(img, len, "near.lmi", &err);
    free(img);
    assert_non_null(idx);
    return idx;
}

static const char *const lin_a = "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Bacillus";
static const char *const lin_b = "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Geobacillus";

/* k = 4. Bacillus: ACGTACGTAA has 7 words, 5 distinct (ACGT, CGTA, GTAC, TACG, GTAA);
 * ACGTNACGTT has ACGT | N | ACGT, CGTT: 2 distinct. Geobacillus: TTTTTTTT, 1 distinct; the
 * same record twice is kept once. Order within a leaf: by length, then bytes ('A' < 'N').
 * As numbers (A 0, C 1, G 2, T 3, base 4): ACGT 27, CGTA 108, CGTT 111, GTAA 176,
 * GTAC 177, TACG 198, TTTT 255. */
static void test_references_section(void **state)
{
    (void)state;
    const char *seqs[] = {"ACGTNACGTT", "TTTTTTTT", "ACGTACGTAA", "TTTTTTTT"};
    const char *lins[] = {lin_a, lin_b, lin_a, lin_b};
    lm_kidx_t *idx = build(seqs, lins, 4, 4);
    assert_int_equal(lm_kidx_n_refs(idx), 3);
    assert_int_equal(lm_kidx_n_leaves(idx), 2);
    uint32_t n, nw;
    const uint64_t *mk;
    uint32_t r = lm_kidx_leaf_ref_range(idx, 0, &n); /* Bacillus sorts first */
    assert_string_equal(lm_kidx_taxon_name(idx, lm_kidx_leaf_taxon(idx, 0)), "Bacillus");
    assert_int_equal(r, 0);
    assert_int_equal(n, 2);
    assert_int_equal(lm_kidx_ref_words(idx, 0), 5); /* ACGTACGTAA */
    assert_int_equal(lm_kidx_ref_words(idx, 1), 2); /* ACGTNACGTT */
    const uint32_t *w = lm_kidx_leaf_words(idx, 0, &nw, &mk);
    const uint32_t want_w[6] = {27, 108, 111, 176, 177, 198};
    const uint64_t want_m[6] = {3, 1, 2, 1, 1, 1}; /* bit 0: ACGTACGTAA, bit 1: ACGTNACGTT */
    assert_int_equal(nw, 6);
    for (int i = 0; i < 6; i++) { /* two references: one mask word per word */
        assert_int_equal(w[i], want_w[i]);
        assert_int_equal(mk[i], want_m[i]);
    }
    r = lm_kidx_leaf_ref_range(idx, 1, &n);
    assert_int_equal(r, 2);
    assert_int_equal(n, 1);
    assert_int_equal(lm_kidx_ref_words(idx, 2), 1);
    w = lm_kidx_leaf_words(idx, 1, &nw, &mk);
    assert_int_equal(nw, 1);
    assert_int_equal(w[0], 255); /* one reference: no masks, it holds every word */
    lm_kidx_destroy(idx);
}

/* Re-checksum a damaged image so that only the structural checks can refuse it. */
static void reseal(unsigned char *img, size_t len)
{
    kidx_header_t h;
    memcpy(&h, img, sizeof(h));
    h.checksum = kidx_checksum(img + LM_KIDX_HEADER, len - LM_KIDX_HEADER,
                               kidx_checksum(img, KIDX_SUMMED_HEADER, 0));
    memcpy(img, &h, sizeof(h));
}

static void expect_refused(unsigned char *img, size_t len)
{
    lm_err_t err;
    reseal(img, len);
    lm_kidx_t *x = lm_kidx_load_mem(img, len, "bad.lmi", &err);
    assert_null(x);
    assert_non_null(strstr(err.msg, "reference"));
}

static void test_damaged_section_refused(void **state)
{
    (void)state;
    const char *seqs[] = {"ACGTACGTAA", "ACGTNACGTT", "TTTTTTTT"};
    const char *lins[] = {lin_a, lin_a, lin_b};
    lm_err_t err;
    size_t len;
    unsigned char *img = build_image(seqs, lins, 3, 4, 1, &len);
    kidx_header_t h;
    memcpy(&h, img, sizeof(h));
    kidx_layout_t lay;
    kidx_layout(&h, &lay);
    kidx_layout_species(&lay, 0, 0); /* no species named */
    kidx_layout_near(&lay);
    uint64_t n_mask;
    memcpy(&n_mask, img + LM_KIDX_HEADER + lay.near + 8, 8);
    assert_int_equal(n_mask, 6); /* Bacillus's 6 words, one mask each; Geobacillus: none */
    kidx_layout_near_body(&lay, &h, n_mask, KIDX_NR_COPIES);
    assert_int_equal(LM_KIDX_HEADER + lay.total, len);
    unsigned char *refw = img + LM_KIDX_HEADER + lay.nr_refw;
    unsigned char *words = img + LM_KIDX_HEADER + lay.nr_words;
    unsigned char *masks = img + LM_KIDX_HEADER + lay.nr_masks;
    uint32_t u, keep32;
    uint64_t m, keep64;
    /* a reference with more distinct words than its leaf has */
    memcpy(&keep32, refw, 4);
    assert_int_equal(keep32, 5);
    u = 7;
    memcpy(refw, &u, 4);
    expect_refused(img, len);
    memcpy(refw, &keep32, 4);
    /* Bacillus's words out of order: the second made equal to the first */
    memcpy(&keep32, words + 4, 4);
    assert_int_equal(keep32, 108);
    u = 27;
    memcpy(words + 4, &u, 4);
    expect_refused(img, len);
    memcpy(words + 4, &keep32, 4);
    /* Bacillus's first mask naming a third reference it does not have */
    memcpy(&keep64, masks, 8);
    assert_int_equal(keep64, 3); /* ACGT: both references */
    m = 7;
    memcpy(masks, &m, 8);
    expect_refused(img, len);
    memcpy(masks, &keep64, 8);
    /* Geobacillus's one reference holding fewer words than its leaf lists */
    memcpy(&keep32, refw + 8, 4);
    assert_int_equal(keep32, 1);
    u = 0;
    memcpy(refw + 8, &u, 4);
    expect_refused(img, len);
    memcpy(refw + 8, &keep32, 4);
    /* the copies array: a reference standing for 0 records; an unknown head flag */
    unsigned char *copies = img + LM_KIDX_HEADER + lay.nr_copies;
    memcpy(&keep32, copies, 4);
    assert_int_equal(keep32, 1);
    u = 0;
    memcpy(copies, &u, 4);
    expect_refused(img, len);
    memcpy(copies, &keep32, 4);
    unsigned char *nflags = img + LM_KIDX_HEADER + lay.near + 4;
    memcpy(&keep32, nflags, 4);
    assert_int_equal(keep32, KIDX_NR_COPIES);
    u = 3;
    memcpy(nflags, &u, 4);
    expect_refused(img, len);
    memcpy(nflags, &keep32, 4);
    reseal(img, len);
    lm_kidx_t *x = lm_kidx_load_mem(img, len, "ok.lmi", &err);
    assert_non_null(x);
    lm_kidx_destroy(x);
    free(img);
}

/* Copies: identical records of one genus are kept once, counted in the copies array; an
 * index of the first format-3 layout (head flags 0, no copies array) still loads, every
 * reference standing for one record. */
static void test_copies(void **state)
{
    (void)state;
    const char *seqs[] = {"ACGTACGTAA", "ACGTACGTAA", "ACGTACGTAA", "ACGTTTTTAA", "TTTTTTTT"};
    const char *lins[] = {lin_a, lin_a, lin_a, lin_a, lin_b};
    size_t len;
    unsigned char *img = build_image(seqs, lins, 5, 4, 1, &len);
    lm_err_t err;
    lm_kidx_t *x = lm_kidx_load_mem(img, len, "copies.lmi", &err);
    assert_non_null(x);
    assert_int_equal(lm_kidx_n_refs(x), 3);
    uint32_t n, total = 0;
    const uint32_t r0 = lm_kidx_leaf_ref_range(x, 0, &n);
    assert_int_equal(n, 2);
    for (uint32_t i = 0; i < n; i++) total += lm_kidx_ref_copies(x, r0 + i);
    assert_int_equal(total, 4); /* the sequence three times, the other once */
    lm_kidx_destroy(x);
    /* the same image without the copies array, as the first format-3 indexes were */
    kidx_header_t h;
    memcpy(&h, img, sizeof(h));
    kidx_layout_t lay;
    kidx_layout(&h, &lay);
    kidx_layout_species(&lay, 0, 0);
    kidx_layout_near(&lay);
    uint64_t n_mask;
    memcpy(&n_mask, img + LM_KIDX_HEADER + lay.near + 8, 8);
    kidx_layout_near_body(&lay, &h, n_mask, KIDX_NR_COPIES);
    const size_t at = LM_KIDX_HEADER + lay.nr_copies, cut = kidx_pad8((uint64_t)h.n_refs * 4u);
    unsigned char *old = malloc(len - cut);
    assert_non_null(old);
    memcpy(old, img, at);
    memcpy(old + at, img + at + cut, len - at - cut);
    const uint32_t zero = 0;
    memcpy(old + LM_KIDX_HEADER + lay.near + 4, &zero, 4);
    h.payload_len -= cut;
    memcpy(old, &h, sizeof(h));
    reseal(old, len - cut);
    x = lm_kidx_load_mem(old, len - cut, "old.lmi", &err);
    assert_non_null(x);
    for (uint32_t i = 0; i < lm_kidx_n_refs(x); i++) assert_int_equal(lm_kidx_ref_copies(x, i), 1);
    lm_kidx_destroy(x);
    free(old);
    free(img);
}

/* The references section is opt-in (lm_ref_opt_t.near): without it the index holds the
 * section's head alone and no LM_KIDX_F_NEAR flag, near classification is refused, and a
 * flag that disagrees with the section is refused at load. */
static void test_section_opt_in(void **state)
{
    (void)state;
    const char *seqs[] = {"ACGTACGTAA", "ACGTNACGTT", "TTTTTTTT"};
    const char *lins[] = {lin_a, lin_a, lin_b};
    void *v[2];
    size_t len[2];
    lm_err_t err;
    lm_ref_opt_t dflt;
    lm_ref_opt_init(&dflt);
    assert_int_equal(dflt.near, 0);
    for (int with = 0; with < 2; with++) v[with] = build_image(seqs, lins, 3, 4, with, &len[with]);
    assert_true(len[0] < len[1]);
    lm_kidx_t *plain = lm_kidx_load_mem(v[0], len[0], "plain.lmi", &err);
    lm_kidx_t *full = lm_kidx_load_mem(v[1], len[1], "full.lmi", &err);
    assert_non_null(plain);
    assert_non_null(full);
    assert_int_equal(lm_kidx_flags(plain) & LM_KIDX_F_NEAR, 0);
    assert_int_equal(lm_kidx_flags(full) & LM_KIDX_F_NEAR, LM_KIDX_F_NEAR);
    lm_cls_opt_t o;
    lm_cls_opt_init(&o);
    lm_cls_result_t r0, r1;
    lm_cls_buf_t *b0 = lm_cls_buf_create(plain), *b1 = lm_cls_buf_create(full);
    const char *q = "ACGTACGTAA";
    /* the same RDP result from both; --near only with the section */
    assert_int_equal(lm_cls_classify(plain, &o, b0, q, strlen(q), &r0), 0);
    assert_int_equal(lm_cls_classify(full, &o, b1, q, strlen(q), &r1), 0);
    assert_int_equal(r0.leaf, r1.leaf);
    assert_true(r0.conf[LM_RANK_GENUS] == r1.conf[LM_RANK_GENUS]);
    o.near = 1;
    assert_int_equal(lm_cls_classify(plain, &o, b0, q, strlen(q), &r0), LM_EUSAGE);
    assert_int_equal(lm_cls_classify(full, &o, b1, q, strlen(q), &r1), 0);
    lm_cls_buf_destroy(b0);
    lm_cls_buf_destroy(b1);
    lm_kidx_destroy(plain);
    lm_kidx_destroy(full);
    /* the flag set on an index without the section, and cleared on one with it */
    for (int with = 0; with < 2; with++) {
        unsigned char *img = v[with];
        kidx_header_t h;
        memcpy(&h, img, sizeof(h));
        h.flags ^= LM_KIDX_F_NEAR;
        memcpy(img, &h, sizeof(h));
        reseal(img, len[with]);
        lm_kidx_t *x = lm_kidx_load_mem(img, len[with], "flag.lmi", &err);
        assert_null(x);
        assert_non_null(strstr(err.msg, "references section"));
        free(img);
    }
}

/* Random bases from a fixed generator. */
static void fill_random(char *s, size_t n, uint64_t *st)
{
    for (size_t i = 0; i < n; i++) {
        *st = *st * 6364136223846793005ull + 1442695040888963407ull;
        s[i] = "ACGT"[(*st >> 33) % 4];
    }
    s[n] = '\0';
}

/* Distinct k-mers of q (no ambiguous bases) and how many occur in r, by string search. */
static void brute_shared(const char *q, const char *r, int k, int *dq, int *sh)
{
    const int n = (int)strlen(q) - k + 1;
    *dq = *sh = 0;
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int j = 0; j < i && !dup; j++) dup = memcmp(q + i, q + j, (size_t)k) == 0;
        if (dup) continue;
        (*dq)++;
        const int m = (int)strlen(r) - k + 1;
        for (int j = 0; j < m; j++)
            if (memcmp(q + i, r + j, (size_t)k) == 0) {
                (*sh)++;
                break;
            }
    }
}

/* Two genera of one family, one 300-nt reference each (k = 8). A query made of the first
 * 100 bases of the Bacillus reference and 40 bases of ACAC... (or CACA..., so as not to
 * continue the reference): its 133 words are the 93 of
 * the reference's stretch (distinct), 7 across the junction and ACACACAC, CACACACA; the
 * brute force confirms 102 distinct, 93 held by the reference. So the genus confidence
 * with near is the bootstrap's times 93 / min(102, 293 distinct of the reference) =
 * 93/102, and the family's is the bootstrap's. A query identical to a stretch of the
 * reference keeps its confidence (similarity 1). */
static void test_genus_confidence_scaled(void **state)
{
    (void)state;
    static char ra[301], rb[301];
    uint64_t st = 7;
    fill_random(ra, 300, &st);
    fill_random(rb, 300, &st);
    const char *seqs[] = {ra, rb};
    const char *lins[] = {lin_a, lin_b};
    lm_kidx_t *idx = build(seqs, lins, 2, 8);
    assert_int_equal(lm_kidx_ref_words(idx, 0), 293); /* a random 300-mer: all distinct */

    char q[141];
    memcpy(q, ra, 100);
    /* ACAC... or CACA..., whichever does not continue the reference at base 100 */
    const int off = ra[100] == 'A';
    for (int i = 0; i < 40; i++) q[100 + i] = "AC"[(i + off) % 2];
    q[140] = '\0';
    int dq, sh;
    brute_shared(q, ra, 8, &dq, &sh);
    assert_int_equal(dq, 102);
    assert_int_equal(sh, 93);

    lm_cls_opt_t opt;
    lm_cls_opt_init(&opt);
    lm_cls_buf_t *b = lm_cls_buf_create(idx);
    lm_cls_result_t plain, near;
    assert_int_equal(lm_cls_classify(idx, &opt, b, q, 140, &plain), 0);
    opt.near = 1;
    assert_int_equal(lm_cls_classify(idx, &opt, b, q, 140, &near), 0);
    assert_string_equal(lm_kidx_taxon_name(idx, plain.taxon[LM_RANK_GENUS]), "Bacillus");
    assert_int_equal(near.leaf, plain.leaf);
    for (int r = 0; r < LM_RANK_GENUS; r++) assert_true(near.conf[r] == plain.conf[r]);
    assert_true(plain.conf[LM_RANK_GENUS] > 0.9);
    assert_near(near.conf[LM_RANK_GENUS], plain.conf[LM_RANK_GENUS] * 93.0 / 102.0, 1e-12);
    /* 93/102 = 0.91: kept at 0.8 when the bootstrap gave at least 0.88 */
    assert_int_equal(near.depth, near.conf[LM_RANK_GENUS] >= 0.8 ? 6 : 5);

    /* Bases 50..250 of the reference: every word held, so nothing changes. */
    assert_int_equal(lm_cls_classify(idx, &opt, b, ra + 50, 200, &near), 0);
    opt.near = 0;
    assert_int_equal(lm_cls_classify(idx, &opt, b, ra + 50, 200, &plain), 0);
    for (int r = 0; r < LM_NRANKS; r++) assert_true(near.conf[r] == plain.conf[r]);
    assert_int_equal(near.depth, plain.depth);

    /* A second call on the same buffer leaves no state behind: the first query again. */
    opt.near = 1;
    lm_cls_result_t again;
    assert_int_equal(lm_cls_classify(idx, &opt, b, q, 140, &again), 0);
    opt.near = 0;
    assert_int_equal(lm_cls_classify(idx, &opt, b, q, 140, &plain), 0);
    assert_near(again.conf[LM_RANK_GENUS], plain.conf[LM_RANK_GENUS] * 93.0 / 102.0, 1e-12);
    lm_cls_buf_destroy(b);
    lm_kidx_destroy(idx);
}

/* near(q) against plain(q): the genus's confidence times sh / min(dq, the reference's
 * distinct words), the ranks above unchanged. */
static void check_scaled(const lm_kidx_t *idx, lm_cls_buf_t *b, const char *q, double want)
{
    lm_cls_opt_t opt;
    lm_cls_opt_init(&opt);
    lm_cls_result_t plain, near;
    assert_int_equal(lm_cls_classify(idx, &opt, b, q, strlen(q), &plain), 0);
    opt.near = 1;
    assert_int_equal(lm_cls_classify(idx, &opt, b, q, strlen(q), &near), 0);
    assert_int_equal(near.leaf, plain.leaf);
    for (int r = 0; r < LM_RANK_GENUS; r++) assert_true(near.conf[r] == plain.conf[r]);
    assert_near(near.conf[LM_RANK_GENUS], plain.conf[LM_RANK_GENUS] * want, 1e-12);
}

/* The other code paths, against the string-search count: a short query (its words are
 * searched in the genus's list rather than the list read through), and k = 10 (the
 * query's words sorted by qsort rather than by a scan of the bit set). */
static void test_search_and_long_words(void **state)
{
    (void)state;
    static char ra[301], rb[301];
    uint64_t st = 7;
    fill_random(ra, 300, &st);
    fill_random(rb, 300, &st);
    const char *seqs[] = {ra, rb};
    const char *lins[] = {lin_a, lin_b};
    for (int k = 8; k <= 10; k += 2) {
        lm_kidx_t *idx = build(seqs, lins, 2, k);
        lm_cls_buf_t *b = lm_cls_buf_create(idx);
        char q[64];
        memcpy(q, ra + 10, 30); /* 30 bases with one substitution in the middle */
        q[15] = q[15] == 'A' ? 'C' : 'A';
        q[30] = '\0';
        int dq, sh;
        brute_shared(q, ra, k, &dq, &sh);
        assert_true(sh < dq); /* the substitution costs words */
        check_scaled(idx, b, q, (double)sh / (double)dq);
        memcpy(q, ra + 100, 40); /* held whole: unchanged */
        q[40] = '\0';
        check_scaled(idx, b, q, 1.0);
        char lq[161]; /* a long query: 120 bases of the reference and 40 of A/C */
        memcpy(lq, ra + 20, 120);
        const int off = ra[140] == 'A';
        for (int i = 0; i < 40; i++) lq[120 + i] = "AC"[(i + off) % 2];
        lq[160] = '\0';
        brute_shared(lq, ra, k, &dq, &sh);
        check_scaled(idx, b, lq, (double)sh / (double)dq);
        lm_cls_buf_destroy(b);
        lm_kidx_destroy(idx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_references_section),
        cmocka_unit_test(test_damaged_section_refused),
        cmocka_unit_test(test_copies),
        cmocka_unit_test(test_section_opt_in),
        cmocka_unit_test(test_genus_confidence_scaled),
        cmocka_unit_test(test_search_and_long_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
