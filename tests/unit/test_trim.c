/* SPDX-License-Identifier: MIT */
/* Unit tests of the trim module: merging (hand-computed posterior qualities, staggered
 * pairs, no overlap), primers, truncation and the expected-error edge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lumen/trim.h"

/* A 40-base template without repeated 5-mers near its overlaps. */
static const char T[] = "ACGTTGCAAGCTTAGCCGATCGGATCCTAGGCATCGATGC";

typedef struct fixture {
    lm_merger_t *m;
    lm_merge_buf_t *b;
    kstring_t seq, qual;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    lm_merge_opt_t o;
    lm_merge_opt_init(&o);
    f->m = lm_merger_create(&o);
    f->b = lm_merge_buf_create();
    *state = f;
    return f->m && f->b ? 0 : -1;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    lm_merger_destroy(f->m);
    lm_merge_buf_destroy(f->b);
    free(f->seq.s);
    free(f->qual.s);
    free(f);
    return 0;
}

/* R1 = T[0,30) at Q10 except a wrong base at 15 with Q40; R2 = revcomp(T[10,40)) at Q10.
 * Overlap T[10,30): agreeing Q10/Q10 bases get P = 0.01/3 / (1 - 0.2 + 0.04/3) = 0.0041,
 * Q = round(23.87) = 24 ('9'); the disagreement Q40 vs Q10 keeps R1's base with
 * P = 1e-4 * (1 - 0.1/3) / (0.1001 - 4e-5/3) = 9.66e-4, Q = round(30.15) = 30 ('?').
 * vsearch 2.22.1 --fastq_mergepairs writes the same read for this pair. */
static void merge_known_pair(void **state)
{
    fixture_t *f = *state;
    char r1[31], q1[31];
    memcpy(r1, T, 30);
    r1[30] = '\0';
    r1[15] = 'A'; /* T has 'C' here */
    memset(q1, '+', 30);
    q1[15] = 'I';
    q1[30] = '\0';
    const char *r2 = "GCATCGATGCCTAGGATCCGATCGGCTAAG", *q2 = "++++++++++++++++++++++++++++++";
    int ovl = 0;
    int st = lm_merge_pair(f->m, f->b, r1, q1, 30, r2, q2, 30, &f->seq, &f->qual, &ovl);
    assert_int_equal(st, LM_MERGE_OK);
    assert_int_equal(ovl, 20);
    char want[41];
    memcpy(want, T, 41);
    want[15] = 'A';
    assert_string_equal(f->seq.s, want);
    assert_string_equal(f->qual.s, "++++++++++99999?99999999999999++++++++++");
}

/* Q40 with Q20 in agreement: P = 3.37e-7, Q 65, capped at --fastq_qmaxout 41 ('J'). */
static void merge_quality_cap(void **state)
{
    fixture_t *f = *state;
    const char *r2 = "GCATCGATGCCTAGGATCCGATCGGCTAAG";
    int st = lm_merge_pair(f->m, f->b, T, "IIIIIIIIIIIIIIIIIIIIIIIIIIIIII", 30, r2,
                           "555555555555555555555555555555", 30, &f->seq, &f->qual, NULL);
    assert_int_equal(st, LM_MERGE_OK);
    assert_string_equal(f->seq.s, T);
    assert_string_equal(f->qual.s, "IIIIIIIIIIJJJJJJJJJJJJJJJJJJJJ5555555555");
}

/* R1 = T[5,35), R2 = revcomp(T[0,30)): R2 runs 5 bases past the start of R1. */
static void merge_staggered(void **state)
{
    fixture_t *f = *state;
    const char *r2 = "CTAGGATCCGATCGGCTAAGCTTGCAACGT";
    const char *q = "IIIIIIIIIIIIIIIIIIIIIIIIIIIIII";
    int st = lm_merge_pair(f->m, f->b, T + 5, q, 30, r2, q, 30, &f->seq, &f->qual, NULL);
    assert_int_equal(st, LM_MERGE_STAGGERED);
    lm_merge_opt_t o;
    lm_merge_opt_init(&o);
    o.allow_stagger = 1;
    lm_merger_t *m = lm_merger_create(&o);
    assert_non_null(m);
    int ovl = 0;
    st = lm_merge_pair(m, f->b, T + 5, q, 30, r2, q, 30, &f->seq, &f->qual, &ovl);
    assert_int_equal(st, LM_MERGE_OK);
    assert_int_equal(ovl, 35);
    /* both overhangs are cut: T[5,30) */
    assert_string_equal(f->seq.s, "GCAAGCTTAGCCGATCGGATCCTAG");
    lm_merger_destroy(m);
}

static void merge_no_overlap(void **state)
{
    fixture_t *f = *state;
    const char *q = "IIIIIIIIIIIIIIIIIIII";
    int st =
        lm_merge_pair(f->m, f->b, T, q, 20, "TTTTTTTTTTCCCCCCCCCC", q, 20, &f->seq, &f->qual, NULL);
    assert_int_equal(st, LM_MERGE_NOKMERS);
    assert_int_equal(lm_merge_pair(f->m, f->b, T, q, 0, T, q, 20, &f->seq, &f->qual, NULL),
                     LM_MERGE_EMPTY);
}

/* An N takes the other read's base and quality. */
static void merge_n(void **state)
{
    fixture_t *f = *state;
    char r1[31];
    memcpy(r1, T, 30);
    r1[20] = 'N';
    r1[30] = '\0';
    int st = lm_merge_pair(f->m, f->b, r1, "IIIIIIIIIIIIIIIIIIIIIIIIIIIIII", 30,
                           "GCATCGATGCCTAGGATCCGATCGGCTAAG", "555555555555555555555555555555", 30,
                           &f->seq, &f->qual, NULL);
    assert_int_equal(st, LM_MERGE_OK);
    assert_string_equal(f->seq.s, T);
    assert_int_equal(f->qual.s[20], '5');
}

static void primer_one_mismatch(void **state)
{
    (void)state;
    const char *fwd = lm_primer_preset("v4")->fwd; /* GTGYCAGCMGCCGCGGTAA */
    const char *read = "GTGCCAGCAGCCGCGGTAATACGGAGG";
    int mm = -1;
    assert_int_equal(lm_primer_find(read, strlen(read), fwd, 0, 1, &mm), 0);
    assert_int_equal(mm, 0);
    const char *one = "GTGCCTGCAGCCGCGGTAATACGGAGG"; /* A -> T at 5 */
    assert_int_equal(lm_primer_find(one, strlen(one), fwd, 0, 1, NULL), -1);
    assert_int_equal(lm_primer_find(one, strlen(one), fwd, 1, 1, &mm), 0);
    assert_int_equal(mm, 1);
    /* anchored: a primer further in is not found */
    assert_int_equal(lm_primer_find(read + 1, strlen(read) - 1, fwd, 1, 1, NULL), -1);
    /* the read's own N is a mismatch */
    assert_int_equal(lm_primer_find("GTGNCAGCAGCCGCGGTAA", 19, fwd, 0, 1, NULL), -1);
}

static lm_seqrec_t rec(const char *s, const char *q)
{
    lm_seqrec_t r;
    memset(&r, 0, sizeof(r));
    kputs(s, &r.seq);
    kputs(q, &r.qual);
    return r;
}

/* The whole pipeline on a pair with primers, one mismatch in the forward primer. */
static void pipeline_pair_primers(void **state)
{
    (void)state;
    lm_trim_opt_t o;
    lm_trim_opt_init(&o);
    o.fwd_primer = "GTGYCAGCMGCCGCGGTAA";
    o.rev_primer = "GGACTACNVGGGTWTCTAAT";
    o.primer_mismatches = 1;
    lm_trim_t *t = lm_trim_create(&o);
    lm_merge_buf_t *b = lm_merge_buf_create();
    char s1[64], s2[64], q1[64], q2[64];
    snprintf(s1, sizeof(s1), "GTGCCAGCAGCCGCGGTAT%.30s", T);
    snprintf(s2, sizeof(s2), "GGACTACAAGGGTATCTAAT%s", "GCATCGATGCCTAGGATCCGATCGGCTAAG");
    memset(q1, 'I', sizeof(q1));
    memset(q2, 'I', sizeof(q2));
    q1[strlen(s1)] = q2[strlen(s2)] = '\0';
    lm_seqrec_t r1 = rec(s1, q1), r2 = rec(s2, q2);
    lm_trim_result_t res;
    memset(&res, 0, sizeof(res));
    assert_int_equal(lm_trim_pair(t, b, &r1, &r2, &res), 0);
    assert_int_equal(res.fate, LM_FATE_PASS);
    assert_true(res.primers_found);
    assert_string_equal(res.seq.s, T);
    /* trunc-len longer than the read drops it */
    lm_trim_destroy(t);
    o.trunc_len_f = 100;
    t = lm_trim_create(&o);
    assert_int_equal(lm_trim_pair(t, b, &r1, &r2, &res), 0);
    assert_int_equal(res.fate, LM_FATE_TOO_SHORT);
    lm_trim_destroy(t);
    o.primer_mismatches = 0;
    o.trunc_len_f = 0;
    t = lm_trim_create(&o);
    assert_int_equal(lm_trim_pair(t, b, &r1, &r2, &res), 0);
    assert_int_equal(res.fate, LM_FATE_NO_PRIMER);
    lm_trim_result_free(&res);
    lm_seqrec_free(&r1);
    lm_seqrec_free(&r2);
    lm_merge_buf_destroy(b);
    lm_trim_destroy(t);
}

/* One Q0 base has exactly ee = 1: kept at --maxee 1 (ee <= maxee), dropped just below. */
static void ee_edge(void **state)
{
    (void)state;
    assert_true(lm_expected_errors("!", 1) == 1.0);
    lm_trim_opt_t o;
    lm_trim_opt_init(&o);
    o.maxee = 1.0;
    lm_trim_t *t = lm_trim_create(&o);
    lm_seqrec_t r = rec("A", "!");
    lm_trim_result_t res;
    memset(&res, 0, sizeof(res));
    assert_int_equal(lm_trim_single(t, &r, &res), 0);
    assert_int_equal(res.fate, LM_FATE_PASS);
    lm_trim_destroy(t);
    o.maxee = 0.999;
    t = lm_trim_create(&o);
    assert_int_equal(lm_trim_single(t, &r, &res), 0);
    assert_int_equal(res.fate, LM_FATE_MAXEE);
    lm_trim_destroy(t);
    lm_trim_result_free(&res);
    lm_seqrec_free(&r);
}

static void truncq_and_n(void **state)
{
    (void)state;
    assert_int_equal(lm_trim_truncq("II#II", 5, 2), 2);
    assert_int_equal(lm_trim_truncq("II#II", 5, 1), 5);
    assert_int_equal(lm_trim_truncq("II#II", 5, -1), 5);
    assert_int_equal(lm_count_n("ANCNT", 5), 2);
    lm_trim_opt_t o;
    lm_trim_opt_init(&o);
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_trim_opt_check(&o, &err), 0);
    o.fwd_primer = "ACGX";
    assert_int_equal(lm_trim_opt_check(&o, &err), LM_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(merge_known_pair), cmocka_unit_test(merge_quality_cap),
        cmocka_unit_test(merge_staggered),  cmocka_unit_test(merge_no_overlap),
        cmocka_unit_test(merge_n),
    };
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(primer_one_mismatch),
        cmocka_unit_test(pipeline_pair_primers),
        cmocka_unit_test(ee_edge),
        cmocka_unit_test(truncq_and_n),
    };
    return cmocka_run_group_tests(tests, setup, teardown) |
           cmocka_run_group_tests(plain, NULL, NULL);
}
