/* SPDX-License-Identifier: MIT */
/* Unit tests of diversity: hand-computed alpha and beta values, the sparse all-pairs
 * matrices against the dense definitions, rarefaction, PCoA. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lumen/diversity.h"

#define N(a)               (sizeof(a) / sizeof((a)[0]))
#define assert_close(a, b) assert_true(fabs((a) - (b)) <= 1e-12 * fmax(1.0, fabs(b)))

static void test_alpha_hand(void **state)
{
    (void)state;
    const uint64_t c[] = {1, 1, 2}; /* p = 1/4, 1/4, 1/2 */
    assert_int_equal(lm_div_observed(c, 3), 3);
    assert_close(lm_div_shannon(c, 3, 2.0), 1.5);
    assert_close(lm_div_shannon(c, 3, exp(1.0)), 1.0397207708399179); /* 1.5 ln 2 */
    assert_close(lm_div_simpson(c, 3), 0.625);
    assert_close(lm_div_pielou(c, 3), 1.5 * log(2.0) / log(3.0));
    assert_close(lm_div_goods_coverage(c, 3), 0.5);
    /* Chao1 with a doubleton: S + F1(F1-1)/(2(F2+1)) = 3 + 2/4; classic 3 + 4/2. */
    assert_close(lm_div_chao1(c, 3), 3.5);
    assert_close(lm_div_chao1_classic(c, 3), 5.0);
    /* Without doubletons both forms are S + F1(F1-1)/2 (skbio falls back). */
    const uint64_t d[] = {1, 1, 1, 5, 0};
    assert_close(lm_div_chao1(d, 5), 7.0);
    assert_close(lm_div_chao1_classic(d, 5), 7.0);
    /* Zeros change nothing. */
    const uint64_t cz[] = {0, 1, 0, 1, 2, 0};
    lm_div_alpha_t a, b;
    lm_div_alpha(c, 3, 2.0, &a);
    lm_div_alpha(cz, 6, 2.0, &b);
    assert_memory_equal(&a, &b, sizeof(a));
}

static void test_alpha_edges(void **state)
{
    (void)state;
    const uint64_t z[] = {0, 0, 0};
    lm_div_alpha_t a;
    lm_div_alpha(z, 3, 2.0, &a);
    assert_true(a.observed == 0 && a.chao1 == 0);
    assert_true(isnan(a.shannon) && isnan(a.simpson) && isnan(a.pielou) && isnan(a.goods));
    /* One feature: Shannon and Simpson 0 (not -0), evenness undefined. */
    const uint64_t one[] = {0, 7};
    lm_div_alpha(one, 2, 2.0, &a);
    assert_true(a.shannon == 0 && !signbit(a.shannon));
    assert_true(a.simpson == 0);
    assert_true(isnan(a.pielou));
    assert_close(a.goods, 1.0);
    assert_close(a.chao1, 1.0);
}

static void test_beta_hand(void **state)
{
    (void)state;
    const uint64_t u[] = {6, 7, 4}, v[] = {10, 0, 6}, z[] = {0, 0, 0};
    assert_close(lm_div_braycurtis(u, v, 3), 13.0 / 33.0);
    assert_close(lm_div_braycurtis(u, u, 3), 0.0);
    assert_close(lm_div_braycurtis(u, z, 3), 1.0);
    assert_true(isnan(lm_div_braycurtis(z, z, 3)));
    assert_close(lm_div_jaccard(u, v, 3), 1.0 / 3.0);
    assert_close(lm_div_jaccard(z, z, 3), 0.0);
    assert_close(lm_div_jaccard(u, z, 3), 1.0);
    /* clr((0,0)+1) = (0,0); clr((1,0)+1) = (ln2/2, -ln2/2). */
    const uint64_t a[] = {0, 0}, b[] = {1, 0};
    assert_close(lm_div_aitchison(a, b, 2, 1.0), log(2.0) / sqrt(2.0));
    assert_close(lm_div_aitchison(a, a, 2, 1.0), 0.0);
    assert_int_equal(lm_div_metric_parse("jaccard"), LM_DIV_JACCARD);
    assert_int_equal(lm_div_metric_parse("bray"), -1);
    assert_string_equal(lm_div_metric_name(LM_DIV_AITCHISON), "aitchison");
}

/* A random sparse table of ns samples x nf features (dense, sample-major) with an
 * all-zero sample and an all-zero feature. */
static lm_table_t *random_table(size_t ns, size_t nf, uint64_t seed, uint64_t *dense)
{
    gsl_rng *r = lm_rng_create(seed, 0);
    lm_triplet_t *trip = malloc(ns * nf * sizeof(*trip));
    char **fid = malloc(nf * sizeof(char *)), **sid = malloc(ns * sizeof(char *));
    size_t nt = 0;
    for (size_t i = 0; i < nf; i++) {
        fid[i] = malloc(32);
        snprintf(fid[i], 32, "f%zu", i);
    }
    for (size_t j = 0; j < ns; j++) {
        sid[j] = malloc(32);
        snprintf(sid[j], 32, "s%zu", j);
        for (size_t i = 0; i < nf; i++) {
            uint64_t c = 0;
            if (j != 1 && i != nf - 1 && gsl_rng_uniform(r) < 0.3)
                c = 1 + gsl_rng_uniform_int(r, 20);
            dense[j * nf + i] = c;
            trip[nt++] = (lm_triplet_t){(uint32_t)i, (uint32_t)j, c};
        }
    }
    lm_err_t err;
    lm_table_t *t =
        lm_table_create(nf, (const char *const *)fid, ns, (const char *const *)sid, trip, nt, &err);
    for (size_t i = 0; i < nf; i++) free(fid[i]);
    for (size_t j = 0; j < ns; j++) free(sid[j]);
    free(fid);
    free(sid);
    free(trip);
    gsl_rng_free(r);
    return t;
}

static void test_beta_sparse_equals_dense(void **state)
{
    (void)state;
    size_t ns = 23, nf = 31;
    uint64_t *dense = malloc(ns * nf * sizeof(uint64_t));
    lm_table_t *t = random_table(ns, nf, 5, dense);
    assert_non_null(t);
    lm_csr_t s;
    lm_table_by_sample(t, &s);
    double *D[LM_DIV_NMETRICS], *E[LM_DIV_NMETRICS];
    for (int m = 0; m < LM_DIV_NMETRICS; m++) {
        D[m] = malloc(ns * ns * sizeof(double));
        E[m] = malloc(ns * ns * sizeof(double));
    }
    lm_div_beta_opt_t o;
    lm_div_beta_opt_init(&o);
    o.pseudocount = 0.5;
    lm_err_t err;
    assert_int_equal(lm_div_beta_opt_check(&o, &err), 0);
    assert_int_equal(lm_div_beta(&s, &o, D, &err), 0);
    o.threads = 3;
    assert_int_equal(lm_div_beta(&s, &o, E, &err), 0);
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; j < ns; j++) {
            const uint64_t *u = dense + i * nf, *v = dense + j * nf;
            double bc = lm_div_braycurtis(u, v, nf);
            double got = D[LM_DIV_BRAYCURTIS][i * ns + j];
            if (i == j)
                assert_true(got == 0);
            else if (isnan(bc))
                assert_true(isnan(got));
            else
                assert_close(got, bc);
            if (i != j) assert_close(D[LM_DIV_JACCARD][i * ns + j], lm_div_jaccard(u, v, nf));
            assert_true(fabs(D[LM_DIV_AITCHISON][i * ns + j] - lm_div_aitchison(u, v, nf, 0.5)) <
                        1e-12);
        }
    for (int m = 0; m < LM_DIV_NMETRICS; m++) {
        /* Bit-identical at any thread count. */
        assert_memory_equal(D[m], E[m], ns * ns * sizeof(double));
        free(D[m]);
        free(E[m]);
    }
    o.pseudocount = 0;
    assert_int_equal(lm_div_beta_opt_check(&o, &err), LM_EUSAGE);
    free(dense);
    lm_table_destroy(t);
}

static void test_beta_one_sample(void **state)
{
    (void)state;
    const char *f[] = {"a", "b"}, *s[] = {"x"};
    lm_triplet_t tr[] = {{0, 0, 3}};
    lm_err_t err;
    lm_table_t *t = lm_table_create(2, f, 1, s, tr, 1, &err);
    lm_csr_t c;
    lm_table_by_sample(t, &c);
    double d[3] = {1, 1, 1};
    double *D[LM_DIV_NMETRICS] = {&d[0], &d[1], &d[2]};
    lm_div_beta_opt_t o;
    lm_div_beta_opt_init(&o);
    assert_int_equal(lm_div_beta(&c, &o, D, &err), 0);
    assert_true(d[0] == 0 && d[1] == 0 && d[2] == 0);
    lm_table_destroy(t);
}

static void test_subsample(void **state)
{
    (void)state;
    const uint64_t c[] = {50, 0, 30, 15, 5}; /* N = 100 */
    uint32_t scratch[100];
    uint64_t out[5], sum[5] = {0};
    gsl_rng *r = lm_rng_create(11, 0);
    int draws = 4000;
    for (int k = 0; k < draws; k++) {
        assert_int_equal(lm_div_subsample(c, 5, 20, r, scratch, out), 0);
        uint64_t tot = 0;
        for (int i = 0; i < 5; i++) {
            assert_true(out[i] <= c[i]);
            tot += out[i];
            sum[i] += out[i];
        }
        assert_int_equal(tot, 20);
    }
    /* Mean of a hypergeometric draw: 20 c_i / 100; sd of the mean well under 0.05. */
    for (int i = 0; i < 5; i++)
        assert_true(fabs((double)sum[i] / draws - 0.2 * (double)c[i]) < 0.1);
    /* Drawing everything returns the counts; too deep is refused. */
    assert_int_equal(lm_div_subsample(c, 5, 100, r, scratch, out), 0);
    assert_memory_equal(out, c, sizeof(c));
    assert_int_equal(lm_div_subsample(c, 5, 101, r, scratch, out), LM_EINTERNAL);
    gsl_rng_free(r);
}

static void test_rarefy_table(void **state)
{
    (void)state;
    size_t ns = 9, nf = 12;
    uint64_t dense[9 * 12];
    lm_table_t *t = random_table(ns, nf, 8, dense);
    unsigned char dropped[9], dropped2[9];
    lm_err_t err;
    lm_table_t *a = lm_div_rarefy(t, 15, 3, 1, dropped, &err);
    lm_table_t *b = lm_div_rarefy(t, 15, 3, 4, dropped2, &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_memory_equal(dropped, dropped2, ns);
    assert_true(dropped[1]); /* the empty sample */
    size_t kept = 0;
    for (size_t j = 0; j < ns; j++) kept += !dropped[j];
    assert_int_equal(lm_table_n_samples(a), kept);
    assert_int_equal(lm_table_n_features(a), nf);
    lm_csr_t x, y;
    lm_table_by_sample(a, &x);
    lm_table_by_sample(b, &y);
    assert_int_equal(x.ptr[x.n_rows], y.ptr[y.n_rows]);
    assert_memory_equal(x.val, y.val, x.ptr[x.n_rows] * sizeof(uint64_t));
    for (size_t j = 0; j < kept; j++) assert_int_equal(lm_table_sample_total(a, j), 15);
    lm_table_destroy(a);
    lm_table_destroy(b);
    lm_table_destroy(t);
}

static void test_pcoa_line(void **state)
{
    (void)state;
    /* Three points on a line at -1, 0, 1: one axis, eigenvalue 2. */
    const double D[] = {0, 1, 2, 1, 0, 1, 2, 1, 0};
    lm_div_pcoa_t p;
    lm_err_t err;
    assert_int_equal(lm_div_pcoa(D, 3, &p, &err), 0);
    assert_close(p.eigvals[0], 2.0);
    assert_true(p.eigvals[1] == 0 && p.eigvals[2] == 0);
    assert_close(p.proportion[0], 1.0);
    assert_close(fabs(p.coords[0 * 3]), 1.0);
    assert_true(fabs(p.coords[1 * 3]) < 1e-12);
    assert_close(p.coords[0 * 3] + p.coords[2 * 3], 0.0);
    /* The sign is fixed: the largest-magnitude coordinate (the first on ties) is positive. */
    assert_true(p.coords[0] > 0);
    lm_div_pcoa_free(&p);
}

static void test_pcoa_negative(void **state)
{
    (void)state;
    /* d(A,C) = 3 > d(A,B) + d(B,C): not Euclidean, so one eigenvalue is negative. */
    const double D[] = {0, 1, 3, 1, 0, 1, 3, 1, 0};
    lm_div_pcoa_t p;
    lm_err_t err;
    assert_int_equal(lm_div_pcoa(D, 3, &p, &err), 0);
    assert_true(p.raw_eigvals[2] < -1e-3);
    assert_true(p.eigvals[2] == 0);
    for (int i = 0; i < 3; i++) assert_true(p.coords[i * 3 + 2] == 0);
    assert_close(p.proportion[0] + p.proportion[1], 1.0);
    /* Raw eigenvalues sum to the trace of the centred matrix: sum(-d^2/2) / n over pairs. */
    double tr = (1.0 + 1.0 + 9.0) / 3.0;
    assert_close(p.raw_eigvals[0] + p.raw_eigvals[1] + p.raw_eigvals[2], tr);
    lm_div_pcoa_free(&p);
    const double bad[] = {0, NAN, NAN, 0};
    assert_int_equal(lm_div_pcoa(bad, 2, &p, &err), LM_EFORMAT);
}

static void check_format(double x)
{
    char want[64], got[64];
    snprintf(want, sizeof(want), "%.17g", x);
    lm_div_format_double(x, got);
    if (strcmp(want, got) != 0) fail_msg("%.17g: got '%s', printf gives '%s'", x, got, want);
}

static void test_format_double(void **state)
{
    (void)state;
    const double fixed[] = {0,
                            1,
                            0.5,
                            0.1,
                            1.0 / 3,
                            2.0 / 3,
                            0.8,
                            1e-4,
                            1e-5,
                            9.999999999999999e-5,
                            0.00010000000000000001,
                            1e16,
                            1e17,
                            99999999999999999.0,
                            123456789.125,
                            2.5,
                            -0.375,
                            -1e-3,
                            4.35e-5,
                            7e22,
                            1e-300,
                            5e-324,
                            0.30000000000000004,
                            1234567890123456.75,
                            1234567890123456.25,
                            9007199254740993.0};
    for (size_t i = 0; i < N(fixed); i++) check_format(fixed[i]);
    char buf[64];
    lm_div_format_double(NAN, buf);
    assert_string_equal(buf, "nan");
    lm_div_format_double(-NAN, buf);
    assert_string_equal(buf, "nan");
    /* Random doubles over every magnitude the fast path takes, and ratios of small
     * integers (what Bray-Curtis and Jaccard produce). */
    gsl_rng *r = lm_rng_create(1, 0);
    for (int i = 0; i < 300000; i++) {
        double x = gsl_rng_uniform(r) * pow(10.0, (double)gsl_rng_uniform_int(r, 26) - 7);
        check_format(x);
        uint64_t bits = ((uint64_t)gsl_rng_get(r) << 32) | gsl_rng_get(r);
        memcpy(&x, &bits, sizeof(x));
        if (isfinite(x)) check_format(x);
        check_format((double)(1 + gsl_rng_uniform_int(r, 100000)) /
                     (double)(1 + gsl_rng_uniform_int(r, 100000)));
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpha_hand),      cmocka_unit_test(test_alpha_edges),
        cmocka_unit_test(test_beta_hand),       cmocka_unit_test(test_beta_sparse_equals_dense),
        cmocka_unit_test(test_beta_one_sample), cmocka_unit_test(test_subsample),
        cmocka_unit_test(test_rarefy_table),    cmocka_unit_test(test_pcoa_line),
        cmocka_unit_test(test_pcoa_negative),   cmocka_unit_test(test_format_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
