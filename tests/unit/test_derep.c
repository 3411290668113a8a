/* SPDX-License-Identifier: MIT */
/* Unit tests of dereplication: counts, order (count, then bytes), merging tables, and the
 * FASTA written with ">MD5;size=N" headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <htslib/bgzf.h>

#include "lumen/derep.h"

static void add(lm_derep_t *d, const char *s, uint64_t n)
{
    assert_int_equal(lm_derep_add(d, s, strlen(s), n), 0);
}

static void counts_and_order(void **state)
{
    (void)state;
    lm_derep_t *d = lm_derep_create();
    assert_non_null(d);
    add(d, "ACGT", 1);
    add(d, "AAAA", 1);
    add(d, "ACGT", 1);
    add(d, "TTTT", 2);
    add(d, "AAA", 2); /* a prefix of AAAA: shorter first among equal counts */
    add(d, "C", 1);
    assert_int_equal(lm_derep_size(d), 5);
    assert_int_equal(lm_derep_total(d), 8);
    assert_int_equal(lm_derep_singletons(d), 2);
    lm_derep_entry_t *e;
    size_t n;
    assert_int_equal(lm_derep_sorted(d, &e, &n), 0);
    assert_int_equal(n, 5);
    const char *want[] = {"AAA", "ACGT", "TTTT", "AAAA", "C"};
    const uint64_t wantn[] = {2, 2, 2, 1, 1};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(e[i].seq, want[i]);
        assert_int_equal(e[i].count, wantn[i]);
    }
    free(e);
    lm_derep_destroy(d);
}

static void merge_tables(void **state)
{
    (void)state;
    lm_derep_t *a = lm_derep_create(), *b = lm_derep_create();
    add(a, "ACGT", 3);
    add(b, "ACGT", 2);
    add(b, "GG", 1);
    assert_int_equal(lm_derep_merge(a, b), 0);
    assert_int_equal(lm_derep_size(a), 2);
    assert_int_equal(lm_derep_total(a), 6);
    lm_derep_entry_t *e;
    size_t n;
    assert_int_equal(lm_derep_sorted(a, &e, &n), 0);
    assert_string_equal(e[0].seq, "ACGT");
    assert_int_equal(e[0].count, 5);
    free(e);
    lm_derep_destroy(a);
    lm_derep_destroy(b);
    lm_derep_destroy(NULL);
}

static void empty_table(void **state)
{
    (void)state;
    lm_derep_t *d = lm_derep_create();
    lm_derep_entry_t *e;
    size_t n = 9;
    assert_int_equal(lm_derep_sorted(d, &e, &n), 0);
    assert_int_equal(n, 0);
    free(e);
    lm_derep_destroy(d);
}

/* MD5("ACGT") = f1f8f4bf413b16ad135722aa4591043e (md5sum). */
static void write_fasta(void **state)
{
    (void)state;
    char path[] = "/tmp/lumen-test-derep-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char gz[64];
    snprintf(gz, sizeof(gz), "%s.fasta.gz", path);
    lm_derep_t *d = lm_derep_create();
    add(d, "ACGT", 2);
    add(d, "AAAA", 1);
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_derep_write_fasta(d, gz, &err), 0);
    BGZF *fp = bgzf_open(gz, "r");
    assert_non_null(fp);
    char buf[256];
    ssize_t got = bgzf_read(fp, buf, sizeof(buf) - 1);
    assert_true(got > 0);
    buf[got] = '\0';
    assert_string_equal(buf, ">f1f8f4bf413b16ad135722aa4591043e;size=2\nACGT\n"
                             ">098890dde069e9abad63f19a0d9e1f32;size=1\nAAAA\n");
    bgzf_close(fp);
    unlink(gz);
    unlink(path);
    lm_derep_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_and_order),
        cmocka_unit_test(merge_tables),
        cmocka_unit_test(empty_table),
        cmocka_unit_test(write_fasta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
