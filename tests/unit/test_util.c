/* SPDX-License-Identifier: MIT */
/* Unit tests of util: errors, exit codes, MD5, seeded streams, JSON, atomic files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lumen/util.h"

static void test_err_format(void **state)
{
    (void)state;
    lm_err_t e;
    lm_err_clear(&e);
    char buf[2048];
    assert_int_equal(lm_err_set(&e, LM_EFORMAT, "S1_R1.fq.gz", 40213, 10054,
                                "quality length %d != sequence length %d", 150, 151),
                     LM_EFORMAT);
    assert_string_equal(lm_err_format(&e, buf, sizeof(buf)),
                        "S1_R1.fq.gz:40213: quality length 150 != sequence length 151 "
                        "(record 10054)");
    lm_err_set(&e, LM_ENOINPUT, "x.fq", 0, 0, "cannot open: No such file or directory");
    assert_string_equal(lm_err_format(&e, buf, sizeof(buf)),
                        "x.fq: cannot open: No such file or directory");
    /* A bug names the source location. */
    LM_BUG(&e, "broken invariant");
    lm_err_format(&e, buf, sizeof(buf));
    assert_non_null(strstr(buf, "broken invariant ["));
    assert_non_null(strstr(buf, "test_util.c:"));
    /* A tiny buffer is truncated, never overflowed. */
    char small[8];
    lm_err_format(&e, small, sizeof(small));
    assert_int_equal(strlen(small), 7);
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(lm_exit_code(LM_OK), 0);
    assert_int_equal(lm_exit_code(LM_EUSAGE), 64);
    assert_int_equal(lm_exit_code(LM_EFORMAT), 65);
    assert_int_equal(lm_exit_code(LM_ENOINPUT), 66);
    assert_int_equal(lm_exit_code(LM_EINTERNAL), 70);
    assert_int_equal(lm_exit_code(LM_ENOMEM), 70);
    assert_int_equal(lm_exit_code(LM_ECREATE), 73);
    assert_int_equal(lm_exit_code(LM_EIO), 74);
    assert_int_equal(lm_exit_code(LM_EINTERRUPT), 130);
}

static void test_md5(void **state)
{
    (void)state;
    char hex[33];
    assert_int_equal(lm_md5_hex("", 0, hex), 0);
    assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(lm_md5_hex("ACGT", 4, hex), 0);
    assert_string_equal(hex, "f1f8f4bf413b16ad135722aa4591043e");
}

static void test_rng_streams(void **state)
{
    (void)state;
    gsl_rng *a = lm_rng_create(11, 0), *b = lm_rng_create(11, 0), *c = lm_rng_create(11, 1),
            *d = lm_rng_create(12, 0);
    int same_c = 1, same_d = 1;
    for (int i = 0; i < 100; i++) {
        unsigned long x = gsl_rng_get(a);
        assert_int_equal(x, gsl_rng_get(b));
        same_c &= x == gsl_rng_get(c);
        same_d &= x == gsl_rng_get(d);
    }
    assert_false(same_c);
    assert_false(same_d);
    /* Reseeding restarts the same stream. */
    lm_rng_reseed(a, 11, 1);
    lm_rng_reseed(c, 11, 1);
    assert_int_equal(gsl_rng_get(a), gsl_rng_get(c));
    gsl_rng_free(a);
    gsl_rng_free(b);
    gsl_rng_free(c);
    gsl_rng_free(d);
}

static void test_mix64(void **state)
{
    (void)state;
    /* splitmix64's first output for seed 0 is a published constant. */
    assert_true(lm_mix64(0) == 0xe220a8397b1dcdafull);
    assert_true(lm_mix64(1) != lm_mix64(2));
}

static void test_json(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lm_json_t j;
    lm_json_init(&j, f);
    lm_json_object_begin(&j, NULL);
    lm_json_string(&j, "name", "a\"b\\c\n");
    lm_json_uint(&j, "n", 3);
    lm_json_double(&j, "x", 0.5);
    lm_json_double(&j, "nan", 0.0 / 0.0);
    lm_json_array_begin(&j, "list");
    lm_json_int(&j, NULL, -1);
    lm_json_bool(&j, NULL, 1);
    lm_json_array_end(&j);
    lm_json_array_begin(&j, "empty");
    lm_json_array_end(&j);
    lm_json_object_end(&j);
    lm_json_finish(&j);
    fclose(f);
    assert_string_equal(buf, "{\n  \"name\": \"a\\\"b\\\\c\\n\",\n  \"n\": 3,\n  \"x\": 0.5,\n"
                             "  \"nan\": null,\n  \"list\": [\n    -1,\n    true\n  ],\n"
                             "  \"empty\": []\n}\n");
    free(buf);
}

static void test_afile(void **state)
{
    (void)state;
    char dir[] = "/tmp/lumen-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/out.txt", dir);
    lm_err_t e;
    lm_err_clear(&e);

    /* Abort leaves nothing. */
    lm_afile_t *f = lm_afile_open(path, &e);
    assert_non_null(f);
    fputs("partial", lm_afile_stream(f));
    assert_int_equal(access(lm_afile_tmp_path(f), F_OK), 0);
    assert_int_not_equal(access(path, F_OK), 0);
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s", lm_afile_tmp_path(f));
    lm_afile_abort(f);
    assert_int_not_equal(access(tmp, F_OK), 0);
    assert_int_not_equal(access(path, F_OK), 0);

    /* Commit renames into place. */
    f = lm_afile_open(path, &e);
    assert_non_null(f);
    fputs("whole\n", lm_afile_stream(f));
    assert_int_equal(lm_afile_commit(f, &e), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, lm_default_mode(0)); /* not mkstemp's 0600 */
    FILE *in = fopen(path, "r");
    char line[32] = {0};
    assert_non_null(fgets(line, sizeof(line), in));
    fclose(in);
    assert_string_equal(line, "whole\n");
    unlink(path);

    /* A directory that does not exist is LM_ECREATE naming the path. */
    snprintf(path, sizeof(path), "%s/missing/out.txt", dir);
    assert_null(lm_afile_open(path, &e));
    assert_int_equal(e.code, LM_ECREATE);
    assert_string_equal(e.path, path);
    rmdir(dir);
}

/* Held commits: all files appear at release, or none. */
static void test_afile_hold(void **state)
{
    (void)state;
    char dir[] = "/tmp/lumen-hold-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[256], b[256], tmp[300];
    snprintf(a, sizeof(a), "%s/a.tsv", dir);
    snprintf(b, sizeof(b), "%s/b.tsv", dir);
    lm_err_t e;
    lm_err_clear(&e);
    for (int commit = 0; commit < 2; commit++) {
        lm_afile_hold();
        lm_afile_t *f = lm_afile_open(a, &e), *g = lm_afile_open(b, &e);
        assert_non_null(f);
        assert_non_null(g);
        fputs("a\n", lm_afile_stream(f));
        fputs("b\n", lm_afile_stream(g));
        snprintf(tmp, sizeof(tmp), "%s", lm_afile_tmp_path(f));
        assert_int_equal(lm_afile_commit(f, &e), 0);
        assert_int_equal(access(a, F_OK), -1);  /* held: not in place yet */
        assert_int_equal(access(tmp, F_OK), 0); /* still under its temporary name */
        assert_int_equal(lm_afile_commit(g, &e), 0);
        assert_int_equal(lm_afile_release(commit, &e), 0);
        assert_int_equal(access(tmp, F_OK), -1);
        assert_int_equal(access(a, F_OK), commit ? 0 : -1);
        assert_int_equal(access(b, F_OK), commit ? 0 : -1);
    }
    /* after release, commits rename at once again */
    lm_afile_t *f = lm_afile_open(a, &e);
    assert_non_null(f);
    assert_int_equal(lm_afile_commit(f, &e), 0);
    assert_int_equal(access(a, F_OK), 0);
    char other[300];
    snprintf(other, sizeof(other), "%s/../%s/a.tsv", dir, strrchr(dir, '/') + 1);
    assert_true(lm_same_file(a, other));
    assert_false(lm_same_file(a, b));
    assert_false(lm_same_file(a, NULL));
    assert_false(lm_same_file(tmp, tmp)); /* does not exist */
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_tmp_registry(void **state)
{
    (void)state;
    int a = lm_tmp_register("/tmp/a"), b = lm_tmp_register("/tmp/b");
    assert_true(a >= 0 && b >= 0 && a != b);
    lm_tmp_unregister(a);
    int c = lm_tmp_register("/tmp/c");
    assert_int_equal(c, a); /* the freed slot is reused */
    lm_tmp_unregister(b);
    lm_tmp_unregister(c);
}

static void test_mkdir_parents(void **state)
{
    (void)state;
    char dir[] = "/tmp/lumen-mkdir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], probe[256];
    lm_err_t e;
    lm_err_clear(&e);
    snprintf(path, sizeof(path), "%s/a/b//c/out.tsv", dir);
    assert_int_equal(lm_mkdir_parents(path, &e), 0);
    snprintf(probe, sizeof(probe), "%s/a/b/c", dir);
    assert_int_equal(access(probe, F_OK), 0);
    snprintf(probe, sizeof(probe), "%s/a/b/c/out.tsv", dir);
    assert_int_not_equal(access(probe, F_OK), 0); /* the last component is not made */
    assert_int_equal(lm_mkdir_parents("relative-name", &e), 0);
    /* A file in the way is LM_ECREATE naming it. */
    snprintf(probe, sizeof(probe), "%s/file", dir);
    FILE *f = fopen(probe, "w");
    fclose(f);
    snprintf(path, sizeof(path), "%s/file/x/out", dir);
    assert_int_equal(lm_mkdir_parents(path, &e), LM_ECREATE);
    assert_string_equal(e.path, probe);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_threads_resolve(void **state)
{
    (void)state;
    assert_int_equal(lm_threads_resolve(3), 3);
    assert_true(lm_threads_resolve(0) >= 1);
}

static void test_json_parse(void **state)
{
    (void)state;
    lm_err_t e;
    const char *doc =
        "{\"a\": [1, -2.5e3, true, false, null],\n \"s\": \"x\\ty\\u00e9\\ud83d\\ude00\","
        " \"o\": {}, \"a\": 2}";
    lm_jval_t *v = lm_json_parse(doc, strlen(doc), "t.json", &e);
    assert_non_null(v);
    assert_int_equal(v->type, LM_JOBJ);
    const lm_jval_t *a = lm_json_get(v, "a"); /* the first of a repeated key */
    assert_int_equal(a->type, LM_JARR);
    assert_int_equal(a->n, 5);
    assert_true(a->items[1].num == -2500.0);
    assert_int_equal(a->items[2].boolean, 1);
    assert_int_equal(a->items[4].type, LM_JNULL);
    assert_string_equal(lm_json_get(v, "s")->str, "x\ty\xc3\xa9\xf0\x9f\x98\x80");
    assert_int_equal(lm_json_get(v, "o")->n, 0);
    assert_null(lm_json_get(v, "missing"));
    lm_json_free(v);
    /* what a strict parser refuses, each with the line */
    const char *bad[] = {"{\"a\": 1,}", "[01]",  "[1.]",          "\"\\ud800\"",
                         "{\"a\" 1}",   "[1] 2", "\"tab\there\"", "",
                         "[",           "nul",   "\"\\u0000\"",   "{\n\n\"a\": x}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        lm_err_clear(&e);
        v = lm_json_parse(bad[i], strlen(bad[i]), "t.json", &e);
        if (v) fprintf(stderr, "accepted: %s\n", bad[i]);
        assert_null(v);
        assert_int_equal(e.code, LM_EFORMAT);
        assert_string_equal(e.path, "t.json");
    }
    assert_int_equal(e.line, 3); /* the last one: the bad value is on line 3 */
    /* nesting is bounded, not a stack overflow */
    char deep[2001];
    memset(deep, '[', 2000);
    deep[2000] = 0;
    assert_null(lm_json_parse(deep, 2000, "deep.json", &e));
    assert_non_null(strstr(e.msg, "nested too deeply"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_format),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_rng_streams),
        cmocka_unit_test(test_mix64),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_afile),
        cmocka_unit_test(test_tmp_registry),
        cmocka_unit_test(test_afile_hold),
        cmocka_unit_test(test_mkdir_parents),
        cmocka_unit_test(test_threads_resolve),
        cmocka_unit_test(test_json_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
