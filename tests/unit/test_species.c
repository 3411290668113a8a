/* SPDX-License-Identifier: MIT */
/* Unit tests of classify's species step (lm_cls_species_assign), hand-checked on a tiny
 * reference: one exact match names the species; a sequence shared by two species, a
 * match outside the assigned genus, a genus that did not pass the threshold, a query
 * with an N and a one-off query (without --species-mismatches 1) name none; with one
 * mismatch allowed the closest hits decide; the reverse strand and short queries work;
 * and the species never comes from k-mer votes (a query close to, but in no reference,
 * gets none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lumen/classify.h"
#include "lumen/seqio.h"

#define SLEN 200

/* Genus A: species alpha (two references), beta, and gamma sharing one sequence with
 * delta; genus B: species alpha (the same epithet in another genus) and a reference
 * without species. */
enum { A_ALPHA1, A_ALPHA2, A_BETA, A_GAMMA, A_DELTA, B_ALPHA, B_NOSP, NREF };
static char seqs[NREF][SLEN + 1];
static const char *const lin[NREF] = {
    "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Gena;alpha",
    "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Gena;alpha",
    "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Gena;beta",
    "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Gena;gamma",
    "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Gena;delta",
    "Bacteria;Proteobacteria;Gamma;Entero;Enterobacteriaceae;Genb;alpha",
    "Bacteria;Proteobacteria;Gamma;Entero;Enterobacteriaceae;Genb",
};

static uint64_t fx = 777;
static char rbase(void)
{
    fx = fx * 6364136223846793005ull + 1442695040888963407ull;
    return "ACGT"[(fx >> 33) % 4];
}

static lm_kidx_t *g_idx;
static lm_cls_species_t *g_sp;
static uint32_t g_genus[2]; /* taxon of Gena, Genb */

static int setup(void **state)
{
    (void)state;
    char base[2][SLEN];
    for (int g = 0; g < 2; g++)
        for (int i = 0; i < SLEN; i++) base[g][i] = rbase();
    for (int r = 0; r < NREF; r++) {
        memcpy(seqs[r], base[r >= B_ALPHA], SLEN);
        seqs[r][SLEN] = '\0';
    }
    /* Species differ from each other at a few places (one apart at the least). */
    seqs[A_ALPHA2][150] = seqs[A_ALPHA2][150] == 'A' ? 'C' : 'A';
    seqs[A_BETA][20] = seqs[A_BETA][20] == 'A' ? 'C' : 'A';
    seqs[A_BETA][100] = seqs[A_BETA][100] == 'A' ? 'C' : 'A';
    for (int i = 40; i < 44; i++) seqs[A_GAMMA][i] = seqs[A_GAMMA][i] == 'G' ? 'T' : 'G';
    memcpy(seqs[A_DELTA], seqs[A_GAMMA], SLEN); /* gamma and delta: one sequence */
    seqs[B_NOSP][60] = seqs[B_NOSP][60] == 'A' ? 'C' : 'A';

    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    lm_ref_t *ref = lm_ref_create(&opt);
    lm_err_t err;
    for (int r = 0; r < NREF; r++) {
        lm_lineage_t l;
        assert_true(lm_lineage_parse(lin[r], strlen(lin[r]), &l, &err) > 0);
        assert_int_equal(lm_ref_add(ref, seqs[r], SLEN, &l, &err), 0);
    }
    void *img;
    size_t len;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    lm_ref_destroy(ref);
    g_idx = lm_kidx_load_mem(img, len, "species.lmi", &err);
    free(img);
    assert_non_null(g_idx);
    g_sp = lm_cls_species_create(g_idx, &err);
    assert_non_null(g_sp);
    for (uint32_t g = 0; g < lm_kidx_n_leaves(g_idx); g++) {
        uint32_t t = lm_kidx_leaf_path(g_idx, g, LM_RANK_GENUS);
        const char *nm = lm_kidx_taxon_name(g_idx, t);
        g_genus[strcmp(nm, "Gena") == 0 ? 0 : 1] = t;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lm_cls_species_destroy(g_sp);
    lm_kidx_destroy(g_idx);
    return 0;
}

/* A result as the classifier would leave it: genus g (0 Gena, 1 Genb), kept or not. */
static lm_cls_result_t genus_result(int g, int kept)
{
    lm_cls_result_t r;
    memset(&r, 0, sizeof(r));
    for (int k = 0; k < LM_NRANKS; k++) r.taxon[k] = UINT32_MAX;
    for (uint32_t l = 0; l < lm_kidx_n_leaves(g_idx); l++)
        if (lm_kidx_leaf_path(g_idx, l, LM_RANK_GENUS) == g_genus[g]) r.leaf = l;
    for (int k = 0; k < LM_NRANKS; k++) r.taxon[k] = lm_kidx_leaf_path(g_idx, r.leaf, k);
    r.depth = kept ? LM_RANK_GENUS + 1 : LM_RANK_GENUS;
    r.species = UINT32_MAX;
    return r;
}

/* The species named for q (length len) under result r with mm mismatches, or NULL. */
static const char *call(lm_cls_result_t r, const char *q, size_t len, int mm)
{
    assert_int_equal(lm_cls_species_assign(g_sp, g_idx, mm, q, len, &r), 0);
    return r.species == UINT32_MAX ? NULL : lm_kidx_species_name(g_idx, r.species);
}

static void test_section(void **state)
{
    (void)state;
    /* Six references name a species (not B_NOSP); none is collapsed away. */
    assert_int_equal(lm_kidx_n_species_refs(g_idx), 6);
    uint32_t len;
    const char *s = lm_kidx_species_seq(g_idx, 0, &len);
    assert_int_equal(len, SLEN);
    assert_non_null(s);
}

static void test_exact(void **state)
{
    (void)state;
    lm_cls_result_t a = genus_result(0, 1), b = genus_result(1, 1);
    /* Whole references and substrings of them. */
    assert_string_equal(call(a, seqs[A_BETA], SLEN, 0), "beta");
    assert_string_equal(call(a, seqs[A_BETA] + 10, 120, 0), "beta");
    assert_string_equal(call(a, seqs[A_ALPHA1], SLEN, 0), "alpha");
    /* Bases 15..54 (beta differs at 20, gamma and delta at 40..43) are alpha1's and
     * alpha2's: two references, one species. */
    assert_string_equal(call(a, seqs[A_ALPHA1] + 15, 40, 0), "alpha");
    /* Bases 140..199 are alpha1's, beta's, gamma's and delta's: none. */
    assert_null(call(a, seqs[A_ALPHA1] + 140, 60, 0));
    /* One sequence, two species (gamma and delta): none. */
    assert_null(call(a, seqs[A_GAMMA], SLEN, 0));
    /* A window common to all of genus A's species (bases 110..140): none. */
    assert_null(call(a, seqs[A_ALPHA1] + 110, 30, 0));
    /* Genus B's alpha under the genus B result; the same query under genus A: none. */
    assert_string_equal(call(b, seqs[B_ALPHA] + 61, 139, 0), "alpha");
    assert_null(call(a, seqs[B_ALPHA] + 61, 139, 0));
    /* B_ALPHA whole also sits in... nothing else (B_NOSP differs at 60 and has no
     * species, so it neither names nor blocks one). */
    assert_string_equal(call(b, seqs[B_ALPHA], SLEN, 0), "alpha");
    /* The genus did not pass the threshold: none. */
    assert_null(call(genus_result(1, 0), seqs[B_ALPHA], SLEN, 0));
}

static void test_mismatch(void **state)
{
    (void)state;
    lm_cls_result_t a = genus_result(0, 1);
    char q[SLEN + 1];
    memcpy(q, seqs[A_BETA], SLEN + 1);
    q[180] = q[180] == 'A' ? 'G' : 'A'; /* beta, one off */
    assert_null(call(a, q, SLEN, 0));
    assert_string_equal(call(a, q, SLEN, 1), "beta");
    /* Exactly alpha1, one off alpha2 (base 150): the exact hit decides. */
    assert_string_equal(call(a, seqs[A_ALPHA1], SLEN, 1), "alpha");
    /* Beta differs from alpha1 at 20 and 100: a query with alpha1's base at 20 only is
     * one off beta and one off alpha1 (and two off alpha2): two species, none. */
    memcpy(q, seqs[A_BETA], SLEN + 1);
    q[20] = seqs[A_ALPHA1][20];
    assert_null(call(a, q, SLEN, 1));
    /* Short queries (under two 16-mers) take the whole-scan path. */
    memcpy(q, seqs[A_BETA] + 90, 25);
    assert_string_equal(call(a, q, 25, 1), "beta");
    q[3] = q[3] == 'A' ? 'C' : 'A';
    assert_string_equal(call(a, q, 25, 1), "beta");
    assert_null(call(a, q, 25, 0));
    /* Two off: none even with one allowed. */
    memcpy(q, seqs[A_BETA], SLEN + 1);
    q[5] = q[5] == 'A' ? 'G' : 'A';
    q[190] = q[190] == 'A' ? 'G' : 'A';
    assert_null(call(a, q, SLEN, 1));
}

static void test_strand_and_bytes(void **state)
{
    (void)state;
    lm_cls_result_t a = genus_result(0, 1);
    char q[SLEN + 1];
    lm_revcomp(seqs[A_BETA], SLEN, q);
    q[SLEN] = '\0';
    assert_null(call(a, q, SLEN, 0)); /* as given: not the strand of the references */
    a.reverse = 1;                    /* the classifier used the reverse complement */
    assert_string_equal(call(a, q, SLEN, 0), "beta");
    a.reverse = 0;
    memcpy(q, seqs[A_BETA], SLEN + 1);
    q[77] = 'N';
    assert_null(call(a, q, SLEN, 1)); /* not A/C/G/T: none */
    assert_null(call(a, q, 10, 0));   /* shorter than a seed: none */
}

/* Through lm_cls_classify: the classifier's own genus, then the species. */
static void test_with_classifier(void **state)
{
    (void)state;
    lm_cls_opt_t opt;
    lm_cls_opt_init(&opt);
    lm_cls_buf_t *buf = lm_cls_buf_create(g_idx);
    lm_cls_result_t r;
    assert_int_equal(lm_cls_classify(g_idx, &opt, buf, seqs[A_BETA], SLEN, &r), 0);
    assert_int_equal(r.species, UINT32_MAX); /* the classifier alone names no species */
    assert_int_equal(lm_cls_species_assign(g_sp, g_idx, 0, seqs[A_BETA], SLEN, &r), 0);
    char out[512];
    lm_cls_format_taxon(g_idx, &r, out, sizeof(out));
    assert_non_null(strstr(out, "g__Gena; s__beta"));
    /* Near beta but in no reference: k-mer votes alone never name it. */
    char q[SLEN + 1];
    memcpy(q, seqs[A_BETA], SLEN + 1);
    q[30] = q[30] == 'A' ? 'C' : 'A';
    q[170] = q[170] == 'A' ? 'C' : 'A';
    assert_int_equal(lm_cls_classify(g_idx, &opt, buf, q, SLEN, &r), 0);
    assert_int_equal(lm_cls_species_assign(g_sp, g_idx, 0, q, SLEN, &r), 0);
    assert_int_equal(r.species, UINT32_MAX);
    lm_cls_format_taxon(g_idx, &r, out, sizeof(out));
    assert_null(strstr(out, "s__"));
    lm_cls_buf_destroy(buf);
}

/* The stride (every S-th 16-mer of the references filed) changes no answer: the
 * hand-checked cases again at strides that send some of them down the seeded path and
 * some down the whole-scan one (S + 15 bases needed, twice that with a mismatch)... */
static void test_strides(void **state)
{
    lm_cls_species_t *keep = g_sp;
    assert_int_equal(lm_cls_species_stride(keep), 1); /* a small reference: every 16-mer */
    const uint32_t strides[] = {2, 3, 8, 16, 64};
    for (size_t i = 0; i < sizeof(strides) / sizeof(*strides); i++) {
        lm_err_t err;
        g_sp = lm_cls_species_create_stride(g_idx, strides[i], &err);
        assert_non_null(g_sp);
        assert_int_equal(lm_cls_species_stride(g_sp), strides[i]);
        test_exact(state);
        test_mismatch(state);
        test_strand_and_bytes(state);
        lm_cls_species_destroy(g_sp);
    }
    g_sp = keep;
}

/* ...and 4,000 random stretches of the references (16 to 200 bases, 0-2 substitutions,
 * under either genus, 0 or 1 mismatch allowed) get the same species at strides 1-9 as
 * at stride 1. */
static void test_strides_random(void **state)
{
    (void)state;
    lm_err_t err;
    lm_cls_species_t *sp[10];
    for (uint32_t s = 1; s < 10; s++)
        assert_non_null(sp[s] = lm_cls_species_create_stride(g_idx, s, &err));
    int named = 0;
    for (int t = 0; t < 4000; t++) {
        fx = fx * 6364136223846793005ull + 1442695040888963407ull;
        const uint64_t x = fx >> 11;
        const int r = (int)(x % NREF), mm = (int)((x >> 8) & 1), g = (int)((x >> 9) & 1);
        const size_t len = 16 + (x >> 10) % (SLEN - 15), at = (x >> 20) % (SLEN - len + 1);
        char q[SLEN + 1];
        memcpy(q, seqs[r] + at, len);
        for (int k = 0; k < (int)((x >> 30) % 3); k++) {
            fx = fx * 6364136223846793005ull + 1442695040888963407ull;
            q[(fx >> 33) % len] = rbase();
        }
        lm_cls_result_t base = genus_result(g, 1), res = base;
        assert_int_equal(lm_cls_species_assign(sp[1], g_idx, mm, q, len, &res), 0);
        named += res.species != UINT32_MAX;
        for (uint32_t s = 2; s < 10; s++) {
            lm_cls_result_t other = base;
            assert_int_equal(lm_cls_species_assign(sp[s], g_idx, mm, q, len, &other), 0);
            if ((res.species == UINT32_MAX) != (other.species == UINT32_MAX) ||
                (res.species != UINT32_MAX &&
                 strcmp(lm_kidx_species_name(g_idx, res.species),
                        lm_kidx_species_name(g_idx, other.species)) != 0))
                fail_msg("query %d (ref %d at %zu, %zu bases, mm %d): stride %u differs", t, r, at,
                         len, mm, s);
        }
    }
    assert_true(named > 400); /* the comparison covers named species, not only none */
    for (uint32_t s = 1; s < 10; s++) lm_cls_species_destroy(sp[s]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section),         cmocka_unit_test(test_exact),
        cmocka_unit_test(test_mismatch),        cmocka_unit_test(test_strand_and_bytes),
        cmocka_unit_test(test_with_classifier), cmocka_unit_test(test_strides),
        cmocka_unit_test(test_strides_random),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
