/* SPDX-License-Identifier: MIT */
/* Unit tests of cohort: reading and joining the three tables, derived HBsAg endpoints,
 * checks, bad input (file:line errors), and the diversity/taxa table readers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lumen/cohort.h"

#define FIX LM_TEST_DATA "/cohort/"

static const char subj_hdr[] = "subject-id\tarm\tage\tsex\tna_drug\tcnlc_stage\trfs_months\t"
                               "rfs_event\tos_months\tos_event\n";
static const char vis_hdr[] = "subject-id\tweek\thbsag_iu_ml\tanti_hbs_miu_ml\thbv_dna_iu_ml\t"
                              "hbeag\til2\til4\til6\til10\ttnfa\tifng\n";

static char dir[64];

static const char *put(const char *name, const char *text)
{
    static char path[4][128];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 128, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/lm_cohort_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static size_t count_checks(const lm_cohort_t *c, const char *kind)
{
    size_t n = 0;
    for (size_t i = 0; i < lm_cohort_n_checks(c); i++)
        n += strcmp(lm_cohort_check(c, i)->kind, kind) == 0;
    return n;
}

static void test_load_fixture(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_cohort_t *c = lm_cohort_load(FIX "metadata.tsv", FIX "subjects.tsv", FIX "visits.tsv", &err);
    assert_non_null(c);
    assert_int_equal(lm_cohort_n_subjects(c), 12);
    assert_int_equal(lm_cohort_n_samples(c), 36);
    assert_int_equal(lm_cohort_n_visits(c), 72);
    assert_int_equal(lm_cohort_n_arms(c), 2);
    assert_string_equal(lm_cohort_arm(c, 0), "NAs");
    assert_string_equal(lm_cohort_arm(c, 1), "PegIFN+NAs");
    long s = lm_cohort_find_sample(c, "P003-W24");
    assert_true(s >= 0);
    const lm_sample_t *sm = lm_cohort_sample(c, (size_t)s);
    assert_int_equal(sm->week, 24);
    assert_string_equal(lm_cohort_subject(c, sm->subject)->id, "P003");
    assert_string_equal(sm->arm, "PegIFN+NAs");
    assert_int_equal(lm_cohort_find_sample(c, "nope"), -1);
    /* Missing stays missing: P001's week-0 HBV DNA is NA in the fixture. */
    const lm_visit_t *v = lm_cohort_visit_at(c, 0, 0);
    assert_non_null(v);
    assert_true(isnan(v->v[LM_VIS_HBV_DNA]));
    assert_true(v->v[LM_VIS_HBEAG] == 1); /* "positive" */
    assert_true(v->hbsag_decline == 0);
    const lm_visit_t *v24 = lm_cohort_visit_at(c, 0, 24);
    assert_true(fabs(v24->hbsag_decline - (log10(34.58) - log10(1.256))) < 1e-12);
    assert_null(lm_cohort_visit_at(c, 0, 240));
    assert_int_equal(count_checks(c, "subject_without_samples"), 0);
    lm_cohort_destroy(c);
}

static void test_endpoints(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    const char *s = put("s.tsv", "subject-id\tarm\tage\tsex\tna_drug\tcnlc_stage\trfs_months\t"
                                 "rfs_event\tos_months\tos_event\n"
                                 "A\tX\t40\tM\tTDF\tIa\t10\t1\t20\t0\n"
                                 "B\tX\t70\tF\tTAF\tIa\t12\t0\t\t\n"
                                 "C\tY\t50\tF\tTAF\tIa\t5\t1\t5\t1\n");
    const char *m = put("m.tsv", "sample-id\tsubject-id\tweek\tarm\n"
                                 "a0\tA\t0\tX\nb0\tB\t0\tZ\nb30\tB\t30\tX\n");
    const char *v = put("v.tsv", "subject-id\tweek\thbsag_iu_ml\tanti_hbs_miu_ml\t"
                                 "hbv_dna_iu_ml\thbeag\til2\til4\til6\til10\ttnfa\tifng\n"
                                 "A\t0\t100\t1\tNA\t0\t1\t1\t1\t1\t1\t1\n"
                                 "A\t48\t0.01\t12\t\t0\t1\t1\t1\t1\t1\t1\n"
                                 "B\t0\t3000\t1\t5\t0\t1\t1\t1\t1\t1\t1\n"
                                 "B\t48\t0.04\tNA\t5\t0\t1\t-2\t1\t1\t1\t1\n"
                                 "B\t48\t1\t1\t5\t0\t1\t1\t1\t1\t1\t1\n"
                                 "C\t48\t200\t1\t5\t0\t1\t1\t1\t1\t1\t1\n");
    lm_cohort_t *c = lm_cohort_load(m, s, v, &err);
    assert_non_null(c);
    const lm_visit_t *a48 = lm_cohort_visit_at(c, 0, 48);
    assert_int_equal(a48->hbsag_loss, 1);
    assert_int_equal(a48->seroconversion, 1);
    assert_true(fabs(a48->hbsag_decline - 4.0) < 1e-12);
    const lm_visit_t *b48 = lm_cohort_visit_at(c, 1, 48);
    assert_int_equal(b48->hbsag_loss, 1);
    assert_int_equal(b48->seroconversion, -1); /* anti-HBs missing: unknown, not 0 */
    assert_true(isnan(b48->v[LM_VIS_IL4]));    /* negative: reported, made missing */
    assert_true(isnan(lm_cohort_visit_at(c, 2, 48)->hbsag_decline)); /* no baseline */
    size_t k, n;
    double lo, hi;
    lm_cohort_endpoint_rate(c, "X", 48, LM_END_LOSS, &k, &n, &lo, &hi);
    assert_int_equal(k, 2);
    assert_int_equal(n, 2);
    assert_true(hi == 1.0 && fabs(lo - 0.15811388300841897) < 1e-9); /* binom.test(2, 2) */
    lm_cohort_endpoint_rate(c, "X", 48, LM_END_SEROCONV, &k, &n, &lo, &hi);
    assert_int_equal(k, 1);
    assert_int_equal(n, 1);
    lm_cohort_endpoint_rate(c, NULL, 12, LM_END_LOSS, &k, &n, &lo, &hi);
    assert_int_equal(n, 0);
    assert_true(isnan(lo));
    assert_int_equal(count_checks(c, "eligibility_age"), 1);
    assert_int_equal(count_checks(c, "eligibility_hbsag"), 1);
    assert_int_equal(count_checks(c, "negative_value"), 1);
    assert_int_equal(count_checks(c, "duplicate_visit"), 1);
    assert_int_equal(count_checks(c, "week_off_protocol"), 1); /* stool week 30 */
    assert_int_equal(count_checks(c, "arm_mismatch"), 1);
    assert_int_equal(count_checks(c, "subject_without_samples"), 1); /* C */
    assert_int_equal(count_checks(c, "incomplete_survival"), 0);
    lm_cohort_destroy(c);
}

/* Each bad table must fail with LM_EFORMAT naming the file and the line. */
static void expect_bad(const char *subj, const char *meta, const char *vis, const char *file,
                       uint64_t line, const char *what)
{
    lm_err_t err;
    lm_err_clear(&err);
    const char *s = put("s.tsv", subj), *m = put("m.tsv", meta), *v = put("v.tsv", vis);
    lm_cohort_t *c = lm_cohort_load(m, s, v, &err);
    assert_null(c);
    assert_int_equal(err.code, LM_EFORMAT);
    assert_non_null(strstr(err.path, file));
    assert_int_equal(err.line, line);
    if (!strstr(err.msg, what)) fail_msg("message '%s' lacks '%s'", err.msg, what);
}

static void test_bad_input(void **state)
{
    (void)state;
    char s[512], sbad[512], v[512];
    snprintf(s, sizeof(s), "%sA\tX\t40\tM\tTDF\tIa\t10\t1\t20\t0\n", subj_hdr);
    snprintf(v, sizeof(v), "%sA\t0\t100\t1\t1\t0\t1\t1\t1\t1\t1\t1\n", vis_hdr);
    const char *m = "sample-id\tsubject-id\tweek\na0\tA\t0\n";
    expect_bad(s, "sample-id\tsubject-id\tweek\na0\tA\tw0\n", v, "m.tsv", 2, "not a whole");
    expect_bad(s, "sample-id\tsubject-id\tweek\na0\tA\t0\na1\tQ\t0\n", v, "m.tsv", 3,
               "unknown subject-id 'Q'");
    expect_bad(s, "sample-id\tsubject-id\tweek\na0\tA\t0\na0\tA\t24\n", v, "m.tsv", 3,
               "duplicate sample ID");
    snprintf(sbad, sizeof(sbad), "%sA\tX\t40\tM\tTDF\tIa\t-10\t1\t20\t0\n", subj_hdr);
    expect_bad(sbad, m, v, "s.tsv", 2, "negative");
    snprintf(sbad, sizeof(sbad), "%sA\tX\t40\tM\tTDF\tIa\t10\t2\t20\t0\n", subj_hdr);
    expect_bad(sbad, m, v, "s.tsv", 2, "event code '2'");
    snprintf(sbad, sizeof(sbad), "%sA\tX\tforty\tM\tTDF\tIa\t10\t1\t20\t0\n", subj_hdr);
    expect_bad(sbad, m, v, "s.tsv", 2, "'forty' is not a number");
    snprintf(sbad, sizeof(sbad), "%sA\t0\t1e5x\t1\t1\t0\t1\t1\t1\t1\t1\t1\n", vis_hdr);
    expect_bad(s, m, sbad, "v.tsv", 2, "not a number");
    snprintf(sbad, sizeof(sbad), "%sA\t0\t1\t1\t1\t0\t1\t1\t1\t1\t1\n", vis_hdr);
    expect_bad(s, m, sbad, "v.tsv", 2, "11 cells");
    expect_bad("subject-id\tarm\n", m, v, "s.tsv", 1, "missing column 'age'");
}

static void test_arm_na(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    char s[512], v[512];
    snprintf(s, sizeof(s), "%sA\tNA\t40\tM\tTDF\tIa\t10\t1\t20\t0\n", subj_hdr);
    snprintf(v, sizeof(v), "%sA\t0\t100\t1\t1\t0\t1\t1\t1\t1\t1\t1\n", vis_hdr);
    lm_cohort_t *c = lm_cohort_load(put("m.tsv", "sample-id\tsubject-id\tweek\na0\tA\t0\n"),
                                    put("s.tsv", s), put("v.tsv", v), &err);
    assert_non_null(c);
    assert_null(lm_cohort_subject(c, 0)->arm);
    assert_int_equal(count_checks(c, "arm_na"), 1);
    assert_int_equal(lm_cohort_n_arms(c), 0);
    lm_cohort_destroy(c);
}

static void test_matrices(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    lm_matrix_t *a = lm_matrix_read(FIX "diversity/alpha.tsv", LM_MATRIX_ALPHA, &err);
    assert_non_null(a);
    assert_int_equal(a->nrow, 36);
    assert_int_equal(a->ncol, 6);
    assert_string_equal(a->col_id[2], "shannon");
    assert_int_equal(lm_matrix_row(a, "P001-W24"), 1);
    assert_int_equal(a->row_line[1], 3);
    lm_matrix_destroy(a);
    lm_matrix_t *d = lm_matrix_read(FIX "diversity/braycurtis.tsv", LM_MATRIX_DIST, &err);
    assert_non_null(d);
    assert_int_equal(d->nrow, 36);
    assert_true(d->v[1] == d->v[36]);
    lm_matrix_destroy(d);
    lm_matrix_t *t = lm_matrix_read(FIX "taxa/level-6.tsv", LM_MATRIX_FEATURES, &err);
    assert_non_null(t);
    assert_int_equal(t->nrow, 6);
    assert_int_equal(t->ncol, 36);
    lm_matrix_destroy(t);
    /* biom's comment line first, CRLF ends */
    t = lm_matrix_read(put("f.tsv", "# Constructed from biom file\r\n#OTU ID\tS1\tS2\r\n"
                                    "g__A\t1\t0\r\n"),
                       LM_MATRIX_FEATURES, &err);
    assert_non_null(t);
    assert_int_equal(t->ncol, 2);
    lm_matrix_destroy(t);
    assert_null(
        lm_matrix_read(put("d.tsv", "\tS1\tS2\nS1\t0\t0.5\nS2\t0.4\t0\n"), LM_MATRIX_DIST, &err));
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "symmetric"));
    assert_null(
        lm_matrix_read(put("d.tsv", "\tS1\tS2\nS1\t0\t0.5\nS3\t0.5\t0\n"), LM_MATRIX_DIST, &err));
    assert_int_equal(err.line, 3);
    assert_null(lm_matrix_read(put("a.tsv", "sample-id\tshannon\nS1\t1.5\nS2\tx\n"),
                               LM_MATRIX_ALPHA, &err));
    assert_int_equal(err.line, 3);
    assert_null(lm_matrix_read(put("a.tsv", "sample-id\tshannon\nS1\t1.5\nS1\t2\n"),
                               LM_MATRIX_ALPHA, &err));
    assert_non_null(strstr(err.msg, "duplicate"));
    assert_null(lm_matrix_read(put("a.tsv", ""), LM_MATRIX_ALPHA, &err));
    assert_null(lm_matrix_read(FIX "no-such-file.tsv", LM_MATRIX_ALPHA, &err));
    assert_int_equal(err.code, LM_ENOINPUT);
}

/* Issue #14: "<x" is LOD/2 and flagged (never 0 or missing), a bad "<" an error; the Th1/Th2
 * scores; time to HBsAg loss; every subjects.tsv column reachable. */
static void test_lod_scores(void **state)
{
    (void)state;
    lm_err_t err;
    lm_err_clear(&err);
    const char *s = put("s.tsv", "subject-id\tarm\tage\tsex\tna_drug\tcnlc_stage\trfs_months\t"
                                 "rfs_event\tos_months\tos_event\tsite\n"
                                 "A\tX\t40\tM\tTDF\tIa\t10\t1\t20\t0\tS1\n"
                                 "B\tY\t50\tF\tTAF\tIa\t12\t0\t30\t0\tNA\n");
    const char *m = put("m.tsv", "sample-id\tsubject-id\tweek\na0\tA\t0\nb0\tB\t0\n");
    const char *v = put("v.tsv", "subject-id\tweek\thbsag_iu_ml\tanti_hbs_miu_ml\t"
                                 "hbv_dna_iu_ml\thbeag\til2\til4\til6\til10\ttnfa\tifng\n"
                                 "A\t0\t100\t1\tNA\t0\t10\t1\t10\t<2\t100\t1000\n"
                                 "A\t24\t10\t1\tNA\t0\t1\t1\t1\t1\t1\t1\n"
                                 "A\t48\t<0.05\t1\tNA\t0\t1\t1\t1\t1\t1\t1\n"
                                 "A\t96\t<0.05\t1\tNA\t0\t1\t1\t1\t1\t1\t1\n"
                                 "B\t0\t100\t1\tNA\t0\t1\t1\t1\tNA\t1\t1\n"
                                 "B\t12\t50\t1\tNA\t0\t1\t1\t1\t1\t1\t1\n"
                                 "B\t24\tNA\t1\tNA\t0\t1\t1\t1\t1\t1\t1\n");
    lm_cohort_t *c = lm_cohort_load(m, s, v, &err);
    assert_non_null(c);
    const lm_visit_t *a0 = lm_cohort_visit_at(c, 0, 0);
    assert_true(a0->v[LM_VIS_IL10] == 1.0);
    assert_int_equal(a0->below_lod, 1u << LM_VIS_IL10);
    assert_true(fabs(a0->th1 - 2) < 1e-12);       /* log10 of 10, 1000, 100 */
    assert_true(fabs(a0->th2 - 1.0 / 3) < 1e-12); /* 1, 10, 1 (the LOD/2 of <2) */
    assert_true(fabs(a0->th1_th2 - 5.0 / 3) < 1e-12);
    assert_true(fabs(a0->ifng_il4 - 3) < 1e-12);
    const lm_visit_t *a48 = lm_cohort_visit_at(c, 0, 48);
    assert_true(a48->v[LM_VIS_HBSAG] == 0.025 && a48->hbsag_loss == 1);
    assert_true(fabs(lm_cohort_visit_at(c, 0, 24)->hbsag_change + 1) < 1e-12);
    assert_true(isnan(lm_cohort_visit_at(c, 1, 0)->th2)); /* IL-10 missing: no score */
    assert_int_equal(count_checks(c, "below_detection_limit"), 3);
    double t;
    int e;
    assert_int_equal(lm_cohort_hbsag_loss_time(c, 0, &t, &e), 0);
    assert_true(t == 48 && e == 1);
    assert_int_equal(lm_cohort_hbsag_loss_time(c, 1, &t, &e), 0);
    assert_true(t == 12 && e == 0); /* censored at the last known HBsAg */
    long col = lm_cohort_subject_column(c, "site");
    assert_true(col >= 0);
    assert_string_equal(lm_cohort_subject_cell(c, 0, col), "S1");
    assert_null(lm_cohort_subject_cell(c, 1, col)); /* NA */
    assert_int_equal(lm_cohort_subject_column(c, "nosuch"), -1);
    lm_cohort_destroy(c);
    v = put("v.tsv", "subject-id\tweek\thbsag_iu_ml\tanti_hbs_miu_ml\t"
                     "hbv_dna_iu_ml\thbeag\til2\til4\til6\til10\ttnfa\tifng\n"
                     "A\t0\t100\t1\tNA\t0\t10\t1\t10\t<\t100\t1000\n");
    assert_null(lm_cohort_load(m, s, v, &err));
    assert_non_null(strstr(err.msg, "detection limit"));
    assert_int_equal(err.line, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_fixture), cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_bad_input),    cmocka_unit_test(test_arm_na),
        cmocka_unit_test(test_matrices),     cmocka_unit_test(test_lod_scores),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
