/* SPDX-License-Identifier: MIT */
/* Unit tests of the simulate module: header parsing, in-silico PCR, the quality and
 * error model, options, and that a sample is a function of (seed, sample) alone. */
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

#include "lumen/seqio.h"
#include "lumen/simulate.h"
#include "lumen/trim.h"

#define FIXTURE LM_TEST_DATA "/sim_ref.fasta"

static void test_header_genus(void **state)
{
    (void)state;
    char g[64];
    assert_string_equal(
        lm_sim_header_genus("desc\tx|y\tBacteria; Firmicutes; Clostridia; X; Y; Blautia", g, 64),
        "Blautia");
    assert_string_equal(lm_sim_header_genus("Akk muciniphila\tBacteria; V; Akkermansia ", g, 64),
                        "Akkermansia");
    assert_string_equal(
        lm_sim_header_genus("Bacteria; Firmicutes; Lachnospiraceae Incertae Sedis", g, 64),
        "Lachnospiraceae Incertae Sedis");
    assert_string_equal(lm_sim_header_genus("Bacteria;Firmicutes;Bacilli;Lactobacillus;", g, 64),
                        "Lactobacillus");
    assert_string_equal(lm_sim_header_genus("no lineage here", g, 64), "");
    assert_string_equal(lm_sim_header_genus("", g, 64), "");
    assert_string_equal(lm_sim_header_genus("a; Bifidobacterium", g, 6), "Bifid");
}

/* Read record `want` (0-based) of the fixture. */
static void fixture_rec(size_t want, lm_seqrec_t *rec)
{
    lm_err_t err;
    lm_fq_reader_t *r = lm_fq_open(FIXTURE, NULL, &err);
    assert_non_null(r);
    for (size_t i = 0; i <= want; i++) assert_int_equal(lm_fq_read(r, rec, &err), 0);
    lm_fq_close(r);
}

static void test_pcr(void **state)
{
    (void)state;
    const lm_primer_pair_t *v4 = lm_primer_preset("v4");
    lm_seqrec_t rec = {0};
    size_t s, e;
    int mm;
    /* refA: exact sites at 60 and ending at 60 + 19 + 250 + 20. */
    fixture_rec(0, &rec);
    assert_int_equal(lm_sim_pcr(rec.seq.s, rec.seq.l, v4, 2, &s, &e, &mm), 0);
    assert_int_equal(s, 60);
    assert_int_equal(e, 349);
    assert_int_equal(mm, 0);
    /* refB: one forward mismatch, found with 1 or 2 allowed, not with 0. */
    fixture_rec(1, &rec);
    assert_int_equal(lm_sim_pcr(rec.seq.s, rec.seq.l, v4, 2, &s, &e, &mm), 0);
    assert_int_equal(s, 60);
    assert_int_equal(e, 349);
    assert_int_equal(mm, 1);
    assert_int_equal(lm_sim_pcr(rec.seq.s, rec.seq.l, v4, 0, &s, &e, &mm), -1);
    /* refC has no reverse site; refD's forward site has 3 mismatches. */
    fixture_rec(2, &rec);
    assert_int_equal(lm_sim_pcr(rec.seq.s, rec.seq.l, v4, 2, &s, &e, &mm), -1);
    fixture_rec(3, &rec);
    assert_int_equal(lm_sim_pcr(rec.seq.s, rec.seq.l, v4, 2, &s, &e, &mm), -1);
    assert_int_equal(lm_sim_pcr(rec.seq.s, rec.seq.l, v4, 3, &s, &e, &mm), 0);
    assert_int_equal(mm, 3);
    lm_seqrec_free(&rec);
}

static void test_ref_load(void **state)
{
    (void)state;
    lm_err_t err;
    const lm_primer_pair_t *v4 = lm_primer_preset("v4");
    lm_sim_ref_t *ref = lm_sim_ref_load(FIXTURE, v4, 2, &err);
    assert_non_null(ref);
    assert_int_equal(lm_sim_ref_total(ref), 5);
    assert_int_equal(lm_sim_ref_count(ref), 3);
    assert_string_equal(lm_sim_ref_id(ref, 0), "refA");
    assert_string_equal(lm_sim_ref_id(ref, 1), "refB");
    assert_string_equal(lm_sim_ref_id(ref, 2), "refE");
    assert_string_equal(lm_sim_ref_genus(ref, 0), "Blautia");
    assert_string_equal(lm_sim_ref_genus(ref, 1), "Bacteroides");
    assert_string_equal(lm_sim_ref_genus(ref, 2), "Akkermansia");
    assert_int_equal(lm_sim_ref_genus_count(ref, "Bacteroides"), 1);
    assert_int_equal(lm_sim_ref_genus_count(ref, "Escherichia"), 0);
    assert_int_equal(strlen(lm_sim_ref_md5(ref)), 32);
    char rc[32];
    lm_revcomp(v4->rev, strlen(v4->rev), rc);
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        const char *a = lm_sim_ref_amplicon(ref, i, &len);
        assert_int_equal(len, 289);
        /* The primers as the reads carry them: both sites match exactly. */
        int mm = -1;
        assert_int_equal(lm_primer_find(a, len, v4->fwd, 0, 1, &mm), 0);
        assert_int_equal(lm_primer_find(a + len - 20, 20, rc, 0, 1, &mm), 0);
    }
    /* refB's template A at primer position 5 became the oligo's C. */
    assert_int_equal(lm_sim_ref_amplicon(ref, 1, NULL)[4], 'C');
    lm_sim_ref_destroy(ref);
    assert_null(lm_sim_ref_load(LM_TEST_DATA "/no-such.fasta", v4, 2, &err));
    assert_int_equal(err.code, LM_ENOINPUT);
    assert_null(lm_sim_ref_load(FIXTURE, lm_primer_preset("v1v2"), 2, &err));
    assert_int_equal(err.code, LM_EFORMAT);
}

static void test_quals(void **state)
{
    (void)state;
    gsl_rng *r = lm_rng_create(7, 1);
    enum { LEN = 250, N = 4000 };
    char q[LEN];
    double sum[2][LEN] = {{0}};
    int tails = 0;
    for (int mate = 1; mate <= 2; mate++)
        for (int i = 0; i < N; i++) {
            lm_sim_quals(r, mate, LEN, 0.05, q);
            int low = 0;
            for (int p = 0; p < LEN; p++) {
                int v = q[p] - 33;
                assert_in_range(v, LM_SIM_QMIN, LM_SIM_QMAX);
                sum[mate - 1][p] += v;
                low += p >= LEN - 20 && v <= 12;
            }
            tails += low == 20;
        }
    /* Falling along the read, lower on R2, near the model away from the tails. */
    for (int m = 0; m < 2; m++) {
        double first = sum[m][0] / N, last = sum[m][LEN - 1] / N;
        assert_true(first > last + 4);
        assert_true(first > lm_sim_qual_mean(m + 1, 0, LEN) - 1.0);
        assert_true(first < lm_sim_qual_mean(m + 1, 0, LEN) + 1.0);
    }
    assert_true(sum[1][LEN / 2] < sum[0][LEN / 2]);
    assert_true(sum[1][LEN - 1] < sum[0][LEN - 1]);
    /* Poor tails: 5% of 8000 reads, nearly all of which cover the last 20 bases. */
    assert_in_range(tails, 300, 500);
    gsl_rng_free(r);
}

static void test_sequence_errors(void **state)
{
    (void)state;
    gsl_rng *r = lm_rng_create(7, 2);
    enum { LEN = 200, N = 2000 };
    char tpl[LEN + 1], q[LEN], s[LEN + 1];
    memset(tpl, 'A', LEN);
    tpl[LEN] = '\0';
    memset(q, 33 + 10, LEN); /* Q10: one base in ten is wrong */
    size_t subs = 0, diff = 0;
    for (int i = 0; i < N; i++) {
        subs += lm_sim_sequence(r, 1, tpl, LEN, q, LEN, s);
        for (int p = 0; p < LEN; p++) {
            assert_true(strchr("ACGT", s[p]) != NULL);
            diff += s[p] != 'A';
        }
    }
    assert_int_equal(subs, diff);
    double rate = (double)diff / (N * LEN);
    assert_true(rate > 0.097 && rate < 0.103);
    /* A short template: the adapter follows it. */
    memset(q, 33 + 41, LEN);
    size_t k = 0;
    for (int i = 0; i < 50; i++) {
        lm_sim_sequence(r, 1, "ACGTACGTAC", 10, q, 60, s);
        k += strncmp(s, "ACGTACGTACAGATCGGAAGAGC", 23) == 0;
    }
    assert_true(k >= 48);
    gsl_rng_free(r);
}

static void test_opt(void **state)
{
    (void)state;
    lm_sim_opt_t o;
    lm_err_t err;
    lm_sim_opt_init(&o);
    assert_int_equal(lm_sim_opt_check(&o, &err), LM_EUSAGE); /* no --out */
    o.out = "x";
    assert_int_equal(lm_sim_opt_check(&o, &err), 0);
    o.subjects = 0;
    assert_int_equal(lm_sim_opt_check(&o, &err), LM_EUSAGE);
    assert_non_null(strstr(err.msg, "--subjects"));
    o.subjects = 3;
    o.primers = "v1v2";
    assert_int_equal(lm_sim_opt_check(&o, &err), LM_EUSAGE);
    o.primers = "v3v4";
    o.chimera_rate = 0.9;
    assert_int_equal(lm_sim_opt_check(&o, &err), LM_EUSAGE);
    o.chimera_rate = 0;
    assert_int_equal(lm_sim_opt_set_shifts(&o, "Blautia:1.5,Prevotella:-2", &err), 0);
    assert_int_equal(o.n_shifts, 2);
    assert_string_equal(o.shifts[1].genus, "Prevotella");
    assert_true(o.shifts[1].log2fc == -2.0);
    assert_int_equal(lm_sim_opt_set_shifts(&o, "", &err), 0);
    assert_int_equal(o.n_shifts, 0);
    assert_int_equal(lm_sim_opt_set_shifts(&o, "Blautia", &err), LM_EUSAGE);
    assert_int_equal(lm_sim_opt_set_shifts(&o, "Blautia:x", &err), LM_EUSAGE);
    assert_int_equal(lm_sim_opt_set_shifts(&o, ":1", &err), LM_EUSAGE);
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void make_dirs(char *dir)
{
    assert_non_null(mkdtemp(dir));
    char sub[256];
    snprintf(sub, sizeof(sub), "%s/reads", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
}

static void rm_dir(const char *dir, const lm_sim_cohort_t *c, size_t s)
{
    char p[256];
    for (int m = 1; m <= 2; m++) {
        snprintf(p, sizeof(p), "%s/reads/%s_R%d.fastq.gz", dir, lm_sim_sample_id(c, s), m);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/reads", dir);
    rmdir(p);
    rmdir(dir);
}

/* Sample 4 written by two cohorts built from the same options is the same bytes; another
 * seed changes it. */
static void test_sample_determinism(void **state)
{
    (void)state;
    lm_err_t err;
    lm_sim_opt_t o;
    lm_sim_opt_init(&o);
    o.reference = FIXTURE;
    o.out = "unused";
    o.subjects = 2;
    o.reads = 300;
    o.seed = 42;
    o.chimera_rate = 0.1;
    assert_int_equal(lm_sim_opt_check(&o, &err), 0);
    lm_sim_ref_t *ref = lm_sim_ref_load(FIXTURE, lm_primer_preset("v4"), 2, &err);
    assert_non_null(ref);
    char d[3][64];
    lm_sim_cohort_t *c[3];
    for (int i = 0; i < 3; i++) {
        if (i == 2) o.seed = 43;
        c[i] = lm_sim_cohort_create(&o, ref, &err);
        assert_non_null(c[i]);
        assert_int_equal(lm_sim_cohort_samples(c[i]), 6);
        snprintf(d[i], sizeof(d[i]), "/tmp/lumen-simtest.XXXXXX");
        make_dirs(d[i]);
        if (i == 0) /* another sample first must not matter */
            assert_int_equal(lm_sim_write_sample(c[i], 1, d[i], &err), 0);
        assert_int_equal(lm_sim_write_sample(c[i], 4, d[i], &err), 0);
    }
    assert_string_equal(lm_sim_sample_id(c[0], 4), "P002-W24");
    for (int m = 1; m <= 2; m++) {
        char p[3][256];
        size_t n[3];
        char *b[3];
        for (int i = 0; i < 3; i++) {
            snprintf(p[i], sizeof(p[i]), "%s/reads/P002-W24_R%d.fastq.gz", d[i], m);
            b[i] = read_all(p[i], &n[i]);
        }
        assert_true(n[0] > 1000);
        assert_int_equal(n[0], n[1]);
        assert_memory_equal(b[0], b[1], n[0]);
        assert_true(n[0] != n[2] || memcmp(b[0], b[2], n[0]) != 0);
        for (int i = 0; i < 3; i++) free(b[i]);
    }
    for (int i = 0; i < 3; i++) {
        rm_dir(d[i], c[i], 1);
        rm_dir(d[i], c[i], 4);
        lm_sim_cohort_destroy(c[i]);
    }
    lm_sim_ref_destroy(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_genus),       cmocka_unit_test(test_pcr),
        cmocka_unit_test(test_ref_load),           cmocka_unit_test(test_quals),
        cmocka_unit_test(test_sequence_errors),    cmocka_unit_test(test_opt),
        cmocka_unit_test(test_sample_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
