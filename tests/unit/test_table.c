/* SPDX-License-Identifier: MIT */
/* Unit tests of table: construction, both sparse views, TSV reading (and every error with
 * its line), writing, subsets, taxonomy collapse, BIOM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lumen/table.h"

static char g_dir[] = "/tmp/lumen-table-test-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write text to a file in the test folder; returns its path (static buffer). */
static const char *put(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_create_views(void **state)
{
    (void)state;
    const char *f[] = {"f0", "f1", "f2"}, *s[] = {"A", "B"};
    /* Duplicates are summed, zeros dropped, order of triplets irrelevant. */
    lm_triplet_t tr[] = {{2, 1, 4}, {0, 0, 1}, {0, 0, 2}, {1, 1, 0}, {0, 1, 5}};
    lm_err_t err;
    lm_table_t *t = lm_table_create(3, f, 2, s, tr, 5, &err);
    assert_non_null(t);
    assert_int_equal(lm_table_nnz(t), 3);
    lm_csr_t byf, bys;
    lm_table_by_feature(t, &byf);
    lm_table_by_sample(t, &bys);
    assert_int_equal(byf.n_rows, 3);
    assert_int_equal(byf.ptr[1], 2); /* f0 in A and B */
    assert_int_equal(byf.val[0], 3);
    assert_int_equal(byf.ptr[2], 2); /* f1 empty */
    assert_int_equal(bys.n_rows, 2);
    assert_int_equal(bys.ptr[1], 1);
    assert_int_equal(bys.idx[1], 0);
    assert_int_equal(bys.idx[2], 2);
    assert_int_equal(lm_table_sample_total(t, 1), 9);
    assert_int_equal(lm_table_feature_total(t, 0), 8);
    assert_string_equal(lm_table_sample_id(t, 1), "B");
    lm_table_destroy(t);
    const char *dup[] = {"A", "A"};
    assert_null(lm_table_create(3, f, 2, dup, NULL, 0, &err));
    assert_int_equal(err.code, LM_EFORMAT);
    assert_non_null(strstr(err.msg, "duplicate sample ID 'A'"));
    lm_table_destroy(NULL);
}

static void test_read_tsv(void **state)
{
    (void)state;
    const char *p = put("ok.tsv", "# Constructed from biom file\r\n"
                                  "#OTU ID\tA\tB\ttaxonomy\r\n"
                                  "f1\t3\t0.0\tk__Bacteria\r\n"
                                  "\n"
                                  "f2\t12.0\t+4\tk__Bacteria\n");
    lm_err_t err;
    lm_table_t *t = lm_table_read_tsv(p, &err);
    assert_non_null(t);
    assert_int_equal(lm_table_n_samples(t), 2);
    assert_int_equal(lm_table_n_features(t), 2);
    assert_int_equal(lm_table_sample_total(t, 0), 15);
    assert_int_equal(lm_table_sample_total(t, 1), 4);
    /* Round trip through the writer. */
    char out[256];
    snprintf(out, sizeof(out), "%s/out.tsv", g_dir);
    assert_int_equal(lm_table_write_tsv(t, out, &err), 0);
    lm_table_t *u = lm_table_read_tsv(out, &err);
    assert_non_null(u);
    FILE *a = fopen(out, "r");
    char buf[512] = {0};
    assert_true(fread(buf, 1, sizeof(buf) - 1, a) > 0);
    fclose(a);
    assert_string_equal(buf, "# Constructed by lumen\n#OTU ID\tA\tB\nf1\t3\t0\nf2\t12\t4\n");
    lm_table_destroy(u);
    lm_table_destroy(t);
}

/* Each malformed table fails with LM_EFORMAT, the file and this line number. */
static void expect_bad(const char *text, uint64_t line, const char *msg)
{
    const char *p = put("bad.tsv", text);
    lm_err_t err;
    lm_err_clear(&err);
    assert_null(lm_table_read_tsv(p, &err));
    assert_int_equal(err.code, LM_EFORMAT);
    assert_string_equal(err.path, p);
    assert_int_equal(err.line, line);
    if (!strstr(err.msg, msg)) fail_msg("'%s' does not contain '%s'", err.msg, msg);
}

static void test_read_tsv_errors(void **state)
{
    (void)state;
    expect_bad("#OTU ID\tA\tB\nf1\t1\t2\nf2\tabc\t1\n", 3, "not a number: 'abc'");
    expect_bad("#OTU ID\tA\tB\nf1\t1\t-2\n", 2, "negative count: '-2'");
    expect_bad("#OTU ID\tA\tB\nf1\t1\t2.5\n", 2, "not a whole count: '2.5'");
    expect_bad("#OTU ID\tA\tB\nf1\t1\t1e3\n", 2, "not a number");
    expect_bad("#OTU ID\tA\tB\nf1\t1\t\n", 2, "empty cell");
    expect_bad("# c\n#OTU ID\tA\tB\tA\nf1\t1\t2\t3\n", 2,
               "duplicate sample ID 'A' (columns 2 and 4)");
    expect_bad("#OTU ID\tA\tB\nf1\t1\t2\nf2\t1\t2\nf1\t1\t2\n", 4,
               "duplicate feature ID 'f1' (first on line 2)");
    expect_bad("#OTU ID\tA\tB\nf1\t1\n", 2, "1 count where the header has 2 samples");
    expect_bad("#OTU ID\tA\tB\nf1\t1\t2\t3\n", 2, "3 counts where the header has 2 samples");
    expect_bad("#OTU ID\n", 1, "names no samples");
    expect_bad("#OTU ID\tA\t\nf1\t1\t2\n", 1, "sample 2 has an empty ID");
    expect_bad("#OTU ID\tA\n\t1\n", 2, "empty feature ID");
    expect_bad("", 0, "no header line");
    lm_err_t err;
    assert_null(lm_table_read_tsv("/nonexistent/t.tsv", &err));
    assert_int_equal(err.code, LM_ENOINPUT);
}

static void test_subsets(void **state)
{
    (void)state;
    const char *f[] = {"f0", "f1", "f2"}, *s[] = {"A", "B", "C"};
    lm_triplet_t tr[] = {{0, 0, 1}, {1, 1, 2}, {2, 2, 3}, {0, 2, 4}};
    lm_err_t err;
    lm_table_t *t = lm_table_create(3, f, 3, s, tr, 4, &err);
    const unsigned char kf[] = {1, 0, 1}, ks[] = {0, 1, 1};
    lm_table_t *a = lm_table_subset_features(t, kf, &err),
               *b = lm_table_subset_samples(t, ks, &err);
    assert_int_equal(lm_table_n_features(a), 2);
    assert_string_equal(lm_table_feature_id(a, 1), "f2");
    assert_int_equal(lm_table_sample_total(a, 2), 7);
    assert_int_equal(lm_table_n_samples(b), 2);
    assert_string_equal(lm_table_sample_id(b, 0), "B");
    assert_int_equal(lm_table_sample_total(b, 1), 7);
    assert_int_equal(lm_table_feature_total(b, 0), 4);
    lm_table_destroy(a);
    lm_table_destroy(b);
    lm_table_destroy(t);
}

static void test_collapse(void **state)
{
    (void)state;
    const char *tp = put("tax.tsv", "Feature ID\tTaxon\tConfidence\n"
                                    "f0\td__B; p__F; c__C\t0.9\n"
                                    "f1\td__B; p__F\t0.8\n"
                                    "f2\tUnassigned\t0.5\n"
                                    "f3\td__B; p__F ; c__C\t0.9\n");
    lm_err_t err;
    lm_table_taxonomy_t *tx = lm_table_taxonomy_read(tp, &err);
    assert_non_null(tx);
    assert_int_equal(lm_table_taxonomy_depth(tx), 3);
    assert_string_equal(lm_table_taxonomy_get(tx, "f1"), "d__B; p__F");
    assert_null(lm_table_taxonomy_get(tx, "zz"));
    const char *f[] = {"f0", "f1", "f2", "f3"}, *s[] = {"A", "B"};
    lm_triplet_t tr[] = {{0, 0, 1}, {1, 0, 2}, {2, 1, 3}, {3, 0, 4}, {3, 1, 5}};
    lm_table_t *t = lm_table_create(4, f, 2, s, tr, 5, &err);
    lm_table_t *c = lm_table_collapse(t, tx, 3, tp, &err);
    assert_non_null(c);
    /* Rows in byte order; spaces stripped; padding with the rank prefixes. */
    assert_int_equal(lm_table_n_features(c), 3);
    assert_string_equal(lm_table_feature_id(c, 0), "Unassigned;p__;c__");
    assert_string_equal(lm_table_feature_id(c, 1), "d__B;p__F;c__");
    assert_string_equal(lm_table_feature_id(c, 2), "d__B;p__F;c__C");
    assert_int_equal(lm_table_feature_total(c, 2), 10);
    lm_table_destroy(c);
    assert_null(lm_table_collapse(t, tx, 4, tp, &err));
    assert_int_equal(err.code, LM_EUSAGE);
    lm_table_taxonomy_destroy(tx);
    /* A feature missing from the taxonomy. */
    tp = put("tax2.tsv", "f0\tA;B\nf1\tA;C\n");
    tx = lm_table_taxonomy_read(tp, &err);
    assert_null(lm_table_collapse(t, tx, 2, tp, &err));
    assert_int_equal(err.code, LM_EFORMAT);
    assert_non_null(strstr(err.msg, "'f2'"));
    /* No common prefixes: "__" padding. */
    lm_table_taxonomy_destroy(tx);
    tp = put("tax3.tsv", "f0\tA; B\nf1\tA\nf2\tA; B\nf3\tA; B\n");
    tx = lm_table_taxonomy_read(tp, &err);
    c = lm_table_collapse(t, tx, 2, tp, &err);
    assert_non_null(c);
    assert_string_equal(lm_table_feature_id(c, 1), "A;__");
    lm_table_destroy(c);
    lm_table_taxonomy_destroy(tx);
    tp = put("tax4.tsv", "f0\tA\nf0\tB\n");
    assert_null(lm_table_taxonomy_read(tp, &err));
    assert_int_equal(err.line, 2);
    lm_table_destroy(t);
}

static void test_biom(void **state)
{
    (void)state;
    const char *f[] = {"f0", "f1"}, *s[] = {"A", "B"};
    lm_triplet_t tr[] = {{0, 0, 1}, {1, 1, 2}};
    lm_err_t err;
    lm_table_t *t = lm_table_create(2, f, 2, s, tr, 2, &err);
    char path[256];
    snprintf(path, sizeof(path), "%s/t.biom", g_dir);
    assert_int_equal(lm_table_write_biom(t, path, "2026-01-01T00:00:00", &err), 0);
    FILE *b = fopen(path, "rb");
    unsigned char sig[8];
    assert_non_null(b);
    assert_int_equal(fread(sig, 1, 8, b), 8);
    fclose(b);
    assert_memory_equal(sig, "\x89HDF\r\n\x1a\n", 8);
    snprintf(path, sizeof(path), "%s/no/such/t.biom", g_dir);
    assert_int_equal(lm_table_write_biom(t, path, NULL, &err), LM_ECREATE);
    lm_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_views),    cmocka_unit_test(test_read_tsv),
        cmocka_unit_test(test_read_tsv_errors), cmocka_unit_test(test_subsets),
        cmocka_unit_test(test_collapse),        cmocka_unit_test(test_biom),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
