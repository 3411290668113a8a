/* SPDX-License-Identifier: MIT */
/* Unit tests of the lumen method's word selection (src/classify/region.c), hand-checked:
 * a query wholly inside the references keeps every word; one that runs 100 bases past
 * them (before or after) keeps exactly the words of the covered stretch; a substitution
 * in the middle drops only the k words it breaks; and --method rdp keeps every word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/classify/classify_internal.h"

#define RLEN 150
#define K    8
#define NW   (RLEN - K + 1)

static char refs[6][RLEN + 1];
static lm_kidx_t *g_idx;
static uint64_t fx = 4242;
static char rbase(void)
{
    fx = fx * 6364136223846793005ull + 1442695040888963407ull;
    return "ACGT"[(fx >> 33) % 4];
}

static int setup(void **state)
{
    (void)state;
    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    lm_ref_t *ref = lm_ref_create(&opt);
    lm_err_t err;
    for (int r = 0; r < 6; r++) {
        for (int i = 0; i < RLEN; i++) refs[r][i] = rbase();
        char l[64];
        snprintf(l, sizeof(l), "Bacteria;P;C;O;F;G%d", r / 2);
        lm_lineage_t lin;
        assert_true(lm_lineage_parse(l, strlen(l), &lin, &err) > 0);
        assert_int_equal(lm_ref_add(ref, refs[r], RLEN, &lin, &err), 0);
    }
    void *img;
    size_t len;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    lm_ref_destroy(ref);
    g_idx = lm_kidx_load_mem(img, len, "region.lmi", &err);
    free(img);
    assert_non_null(g_idx);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lm_kidx_destroy(g_idx);
    return 0;
}

/* The lumen words of q; *all gets q's words before selection. */
static size_t select_words(const char *q, size_t len, uint32_t *w, uint32_t *all)
{
    size_t n = lm_kmer_encode(q, len, K, all);
    memcpy(w, all, n * sizeof(uint32_t));
    return cls_lumen_words(g_idx, w, n);
}

static void test_inside(void **state)
{
    (void)state;
    uint32_t w[400], all[400];
    assert_int_equal(select_words(refs[0], RLEN, w, all), NW);
    assert_memory_equal(w, all, NW * sizeof(uint32_t));
}

static void test_past_the_region(void **state)
{
    (void)state;
    char q[RLEN + 101];
    uint32_t w[400], all[400], ref_words[400];
    size_t nr = lm_kmer_encode(refs[2], RLEN, K, ref_words);
    /* The covered stretch first, then 100 bases no reference has. */
    memcpy(q, refs[2], RLEN);
    for (int i = RLEN; i < RLEN + 100; i++) q[i] = rbase();
    assert_int_equal(select_words(q, RLEN + 100, w, all), nr);
    assert_memory_equal(w, ref_words, nr * sizeof(uint32_t));
    /* 100 foreign bases first, then the covered stretch. */
    for (int i = 0; i < 100; i++) q[i] = rbase();
    memcpy(q + 100, refs[2], RLEN);
    assert_int_equal(select_words(q, RLEN + 100, w, all), nr);
    assert_memory_equal(w, ref_words, nr * sizeof(uint32_t));
}

static void test_substitution(void **state)
{
    (void)state;
    char q[RLEN + 1];
    uint32_t w[400], all[400];
    memcpy(q, refs[4], RLEN + 1);
    q[75] = q[75] == 'A' ? 'C' : 'A'; /* breaks words 68..75 */
    size_t m = select_words(q, RLEN, w, all);
    assert_int_equal(m, NW - K);
    assert_memory_equal(w, all, 68 * sizeof(uint32_t));
    assert_memory_equal(w + 68, all + 76, (NW - 76) * sizeof(uint32_t));
}

static void test_through_classify(void **state)
{
    (void)state;
    char q[RLEN + 101];
    memcpy(q, refs[1], RLEN);
    for (int i = RLEN; i < RLEN + 100; i++) q[i] = rbase();
    lm_cls_opt_t opt;
    lm_cls_opt_init(&opt);
    lm_cls_buf_t *b = lm_cls_buf_create(g_idx);
    lm_cls_result_t r;
    assert_int_equal(lm_cls_classify(g_idx, &opt, b, q, RLEN + 100, &r), 0);
    assert_int_equal(r.words, RLEN + 100 - K + 1); /* rdp: every word */
    opt.method = LM_CLS_LUMEN;
    assert_int_equal(lm_cls_classify(g_idx, &opt, b, q, RLEN + 100, &r), 0);
    assert_int_equal(r.words, NW);
    assert_string_equal(lm_kidx_taxon_name(g_idx, r.taxon[LM_RANK_GENUS]), "G0");
    lm_cls_buf_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inside),
        cmocka_unit_test(test_past_the_region),
        cmocka_unit_test(test_substitution),
        cmocka_unit_test(test_through_classify),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
