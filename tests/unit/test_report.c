/* SPDX-License-Identifier: MIT */
/* Unit tests of the report's plotting numbers: ticks against R's pretty(), boxplot
 * statistics against R's boxplot.stats(), Kaplan-Meier step curves against the stats
 * module (and survfit), rarefaction against vegan::rarefy, and the HTML escaper. Numbers
 * marked "R:" come from the R command beside them. */
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

#include "../../src/report/report_internal.h"
#include "lumen/report.h"

#define assert_close(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void check_ticks(double lo, double hi, const double *want, int n)
{
    lm_report_ticks_t t;
    assert_int_equal(lm_report_nice_ticks(lo, hi, 5, &t), 0);
    if (t.n != n) fprintf(stderr, "pretty(c(%g, %g)): %d ticks, want %d\n", lo, hi, t.n, n);
    assert_int_equal(t.n, n);
    for (int i = 0; i < n; i++) assert_close(t.v[i], want[i], 1e-9 * fmax(1, fabs(want[i])));
    assert_true(t.lo == t.v[0] && t.hi == t.v[n - 1]);
    assert_true(t.lo <= fmin(lo, hi) && t.hi >= fmax(lo, hi));
}

/* R: for (r in list(c(0,1), c(0.013,0.987), c(-3.2,17.9), c(1,468), c(5,5), c(0,0),
 *      c(123456,123457), c(-0.0042,0.0031), c(0,4841), c(-1.98,3.3)))
 *      cat(format(pretty(r), digits=15), "\n") */
static void test_nice_ticks_pretty(void **state)
{
    (void)state;
    const double a[] = {0, 0.2, 0.4, 0.6, 0.8, 1};
    check_ticks(0, 1, a, 6);
    check_ticks(0.013, 0.987, a, 6);
    const double b[] = {-5, 0, 5, 10, 15, 20};
    check_ticks(-3.2, 17.9, b, 6);
    const double c[] = {0, 100, 200, 300, 400, 500};
    check_ticks(1, 468, c, 6);
    const double d[] = {123456.0, 123456.2, 123456.4, 123456.6, 123456.8, 123457.0};
    check_ticks(123456, 123457, d, 6);
    const double e[] = {-0.006, -0.004, -0.002, 0, 0.002, 0.004};
    check_ticks(-0.0042, 0.0031, e, 6);
    const double f[] = {0, 1000, 2000, 3000, 4000, 5000};
    check_ticks(0, 4841, f, 6);
    const double g[] = {-2, -1, 0, 1, 2, 3, 4};
    check_ticks(-1.98, 3.3, g, 7);
    /* zero is exactly zero, not -1e-17 */
    lm_report_ticks_t t;
    assert_int_equal(lm_report_nice_ticks(-0.0042, 0.0031, 5, &t), 0);
    assert_true(t.v[3] == 0.0 && !signbit(t.v[3]));
}

static void test_nice_ticks_single_and_empty(void **state)
{
    (void)state;
    /* R: pretty(c(5, 5)) = 0 5; pretty(c(0, 0)) = -1 0 */
    const double a[] = {0, 5};
    check_ticks(5, 5, a, 2);
    const double b[] = {-1, 0};
    check_ticks(0, 0, b, 2);
    /* no data (NaN or infinite bounds): the ticks of pretty(c(0, 1)) */
    lm_report_ticks_t t;
    assert_int_equal(lm_report_nice_ticks(NAN, NAN, 5, &t), 0);
    assert_int_equal(t.n, 6);
    assert_true(t.lo == 0 && t.hi == 1);
    assert_int_equal(lm_report_nice_ticks(INFINITY, -INFINITY, 5, &t), 0);
    assert_int_equal(t.n, 6);
    /* reversed bounds are the same range */
    const double c[] = {-5, 0, 5, 10, 15, 20};
    check_ticks(17.9, -3.2, c, 6);
    assert_int_equal(lm_report_nice_ticks(0, 1, 0, &t), LM_EUSAGE);
}

static void test_log_ticks(void **state)
{
    (void)state;
    lm_report_ticks_t t;
    /* four decades and more: powers of ten only */
    assert_int_equal(lm_report_log_ticks(0.03, 2000, &t), 0);
    assert_true(t.log);
    const double a[] = {0.01, 0.1, 1, 10, 100, 1000, 10000};
    assert_int_equal(t.n, 7);
    for (int i = 0; i < 7; i++) assert_close(t.v[i], a[i], 1e-12 * a[i]);
    assert_close(t.lo, 0.01, 1e-15);
    assert_close(t.hi, 10000, 1e-9);
    /* under three decades: 1, 2, 5 per decade */
    assert_int_equal(lm_report_log_ticks(1.5, 40, &t), 0);
    const double b[] = {1, 2, 5, 10, 20, 50, 100};
    assert_int_equal(t.n, 7);
    for (int i = 0; i < 7; i++) assert_close(t.v[i], b[i], 1e-12 * b[i]);
    /* exact powers of ten are not widened */
    assert_int_equal(lm_report_log_ticks(1, 1000, &t), 0);
    assert_close(t.lo, 1, 1e-15);
    assert_close(t.hi, 1000, 1e-9);
    /* one value spans its decade; no positive data gives 1..10 */
    assert_int_equal(lm_report_log_ticks(7, 7, &t), 0);
    assert_close(t.lo, 1, 1e-15);
    assert_close(t.hi, 10, 1e-12);
    assert_int_equal(lm_report_log_ticks(-3, 0, &t), 0);
    assert_close(t.lo, 1, 1e-15);
    assert_close(t.hi, 10, 1e-12);
    assert_int_equal(lm_report_log_ticks(NAN, NAN, &t), 0);
    assert_close(t.lo, 1, 1e-15);
    /* a non-positive minimum falls back to the maximum's decade */
    assert_int_equal(lm_report_log_ticks(0, 50, &t), 0);
    assert_close(t.lo, 10, 1e-12);
    assert_close(t.hi, 100, 1e-12);
    /* more ticks than an axis holds */
    assert_int_equal(lm_report_log_ticks(1e-300, 1e300, &t), LM_EUSAGE);
}

/* R: x <- c(2.1, 3.5, 3.7, 4.0, 4.4, 4.6, 5.2, 9.8, -1.5, 4.1, NA)
 *    b <- boxplot.stats(x[!is.na(x)]); b$stats; b$out
 *    -> 2.1 3.5 4.05 4.6 5.2; out 9.8 -1.5 */
static void test_boxstats_r(void **state)
{
    (void)state;
    double x[] = {2.1, 3.5, 3.7, 4.0, 4.4, 4.6, 5.2, 9.8, -1.5, 4.1, NAN}, out[11];
    lm_report_box_t b;
    assert_int_equal(lm_report_boxstats(x, 11, &b, out), 0);
    assert_int_equal(b.n, 10);
    const double want[5] = {2.1000000000000001, 3.5, 4.0499999999999998, 4.5999999999999996,
                            5.2000000000000002};
    for (int k = 0; k < 5; k++) assert_close(b.stats[k], want[k], 1e-15);
    assert_int_equal(b.n_out, 2);
    assert_true(out[0] == 9.8 && out[1] == -1.5); /* input order, as R */

    /* R: boxplot.stats(c(1,2,3,4,100,5,6,7,-50,8)) -> 1 2 4.5 7 8; out 100 -50 */
    double y[] = {1, 2, 3, 4, 100, 5, 6, 7, -50, 8};
    assert_int_equal(lm_report_boxstats(y, 10, &b, out), 0);
    const double wy[5] = {1, 2, 4.5, 7, 8};
    for (int k = 0; k < 5; k++) assert_close(b.stats[k], wy[k], 1e-15);
    assert_int_equal(b.n_out, 2);
    assert_true(out[0] == 100 && out[1] == -50);
}

static void test_boxstats_small(void **state)
{
    (void)state;
    lm_report_box_t b;
    double out[5];
    /* R: boxplot.stats(3)$stats -> 3 3 3 3 3 */
    double a[] = {3};
    assert_int_equal(lm_report_boxstats(a, 1, &b, out), 0);
    for (int k = 0; k < 5; k++) assert_true(b.stats[k] == 3);
    /* R: boxplot.stats(c(3, 7))$stats -> 3 3 5 7 7 */
    double c[] = {7, 3};
    assert_int_equal(lm_report_boxstats(c, 2, &b, out), 0);
    const double wc[5] = {3, 3, 5, 7, 7};
    for (int k = 0; k < 5; k++) assert_true(b.stats[k] == wc[k]);
    /* R: boxplot.stats(c(1,1,1,1,2)) -> stats 1 1 1 1 1, out 2 (IQR 0) */
    double d[] = {1, 1, 1, 1, 2};
    assert_int_equal(lm_report_boxstats(d, 5, &b, out), 0);
    for (int k = 0; k < 5; k++) assert_true(b.stats[k] == 1);
    assert_int_equal(b.n_out, 1);
    assert_true(out[0] == 2);
    /* no values: n 0, NaN statistics; out may be NULL */
    double e[] = {NAN, NAN};
    assert_int_equal(lm_report_boxstats(e, 2, &b, NULL), 0);
    assert_int_equal(b.n, 0);
    for (int k = 0; k < 5; k++) assert_true(isnan(b.stats[k]));
    assert_int_equal(lm_report_boxstats(NULL, 0, &b, NULL), 0);
    assert_int_equal(b.n, 0);
}

/* The leukaemia data of Freireich et al. (6-MP arm).
 * R: f <- survfit(Surv(t, e) ~ 1); f$time; f$surv with
 *    t <- c(6,6,6,7,10,13,16,22,23,6,9,10,11,17,19,20,25,32,32,34,35)
 *    e <- c(1,1,1,0,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0) */
static void test_km_steps(void **state)
{
    (void)state;
    double t[] = {6, 6, 6, 7, 10, 13, 16, 22, 23, 6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35};
    int e[] = {1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const double rt[] = {6, 7, 9, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 34, 35};
    const double rs[] = {
        0.85714285714285710, 0.85714285714285710, 0.85714285714285710, 0.79999999999999993,
        0.79999999999999993, 0.73333333333333328, 0.66666666666666663, 0.66666666666666663,
        0.66666666666666663, 0.66666666666666663, 0.57142857142857140, 0.47619047619047616,
        0.47619047619047616, 0.47619047619047616, 0.47619047619047616, 0.47619047619047616};
    lm_err_t err;
    lm_err_clear(&err);
    lm_km_t *km = lm_km_create(t, e, 21, &err);
    assert_non_null(km);
    size_t n = lm_km_size(km);
    assert_int_equal(n, 16);
    size_t nv = lm_report_km_steps(km, NULL, NULL, 0);
    assert_int_equal(nv, 1 + 2 * n);
    double *x = malloc(nv * sizeof(double)), *y = malloc(nv * sizeof(double));
    assert_int_equal(lm_report_km_steps(km, x, y, nv), nv);
    assert_true(x[0] == 0 && y[0] == 1);
    double prev = 1;
    for (size_t i = 0; i < n; i++) {
        const lm_km_point_t *p = lm_km_point(km, i);
        /* horizontal to t_i at the previous level, then down to S(t_i) */
        assert_true(x[1 + 2 * i] == p->time && y[1 + 2 * i] == prev);
        assert_true(x[2 + 2 * i] == p->time && y[2 + 2 * i] == p->surv);
        assert_true(p->time == rt[i]);
        assert_close(p->surv, rs[i], 1e-15);
        prev = p->surv;
    }
    /* a short buffer gets a prefix and the full count */
    double sx[3], sy[3];
    assert_int_equal(lm_report_km_steps(km, sx, sy, 3), nv);
    assert_true(sx[2] == 6 && sy[2] == y[2]);
    free(x);
    free(y);
    lm_km_destroy(km);
}

/* R: library(vegan); rarefy(c(50, 20, 10, 5, 5, 3, 1, 1, 1, 0, 7), c(1, 10, 50, 102)) */
static void test_rarefy_vegan(void **state)
{
    (void)state;
    double x[] = {50, 20, 10, 5, 5, 3, 1, 1, 1, 0, 7}, d[] = {1, 10, 50, 102, 103, 500}, out[6];
    assert_int_equal(rarefy_curve(x, 11, d, 6, out), 0);
    assert_close(out[0], 1.0000000000000002, 1e-12);
    assert_close(out[1], 4.4456035957577322, 1e-12);
    assert_close(out[2], 8.2496805600330401, 1e-12);
    assert_close(out[3], 9.9708737864077666, 1e-12);
    assert_true(out[4] == 10 && out[5] == 10); /* the whole sample and beyond */
    /* by hand: counts {2, 1}: E[S_1] = 1, E[S_2] = 1 + 2/3 */
    double y[] = {2, 1}, d2[] = {0, 1, 2};
    assert_int_equal(rarefy_curve(y, 2, d2, 3, out), 0);
    assert_close(out[0], 0, 1e-15);
    assert_close(out[1], 1, 1e-12);
    assert_close(out[2], 5.0 / 3, 1e-12);
}

static void test_escape(void **state)
{
    (void)state;
    char *s = lm_report_escape("<script>alert(1)</script>");
    assert_string_equal(s, "&lt;script&gt;alert(1)&lt;/script&gt;");
    free(s);
    s = lm_report_escape("\"><img src=x onerror=alert(1)>");
    assert_string_equal(s, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    free(s);
    s = lm_report_escape("a&b 'c' \xCE\xB1");
    assert_string_equal(s, "a&amp;b &#39;c&#39; \xCE\xB1"); /* UTF-8 passes through */
    free(s);
    s = lm_report_escape("tab\there\x01\x7f!");
    assert_string_equal(s, "tab\there\xEF\xBF\xBD\xEF\xBF\xBD!");
    free(s);
    s = lm_report_escape("&amp;");
    assert_string_equal(s, "&amp;amp;"); /* escaped again: input is text, not HTML */
    free(s);
    s = lm_report_escape(NULL);
    assert_string_equal(s, "");
    free(s);
    s = lm_report_escape("");
    assert_string_equal(s, "");
    free(s);
    /* nothing that could open a tag or leave an attribute survives */
    const char *nasty = "<>\"'&<svg onload=alert(1)>";
    s = lm_report_escape(nasty);
    assert_null(strpbrk(s, "<>\"'"));
    free(s);
}

static void test_href(void **state)
{
    (void)state;
    rbuf_t b = {0};
    rb_href(&b, "/tmp/a b/#x%?\"<'\xCE\xB1/stats/p-1_v~2.tsv");
    assert_string_equal(b.s, "/tmp/a%20b/%23x%25%3F%22%3C%27%CE%B1/stats/p-1_v~2.tsv");
    rb_free(&b);
}

/* SVG coordinates: one decimal, ".0" trimmed, "-0" as "0", non-finite as 0, and anything
 * past +-1e9 clamped (fuzz_report: -1e99 overran the formatting buffer). */
static void test_xy(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *s;
    } c[] = {{12.0, "12"},
             {12.34, "12.3"},
             {-0.04, "0"},
             {0.05, "0.1"},
             {NAN, "0"},
             {INFINITY, "0"},
             {1e9, "1000000000"},
             {-1e101, "-1000000000"},
             {1.7e308, "1000000000"},
             {-999999999.96, "-1000000000"}};
    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        rbuf_t b = {0};
        rb_xy(&b, c[i].v);
        assert_string_equal(b.s, c[i].s);
        rb_free(&b);
    }
}

/* The whole page from a results folder that holds nothing: every section is a note, the
 * page is still written, and a missing folder is an error that leaves nothing. */
static void test_write_empty_folder(void **state)
{
    (void)state;
    char dir[] = "/tmp/lumen-report-unit.XXXXXX";
    assert_non_null(mkdtemp(dir));
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_report_write(dir, NULL, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s/report.html", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_non_null(strstr(buf, "<!DOCTYPE html>"));
    assert_non_null(strstr(buf, "qc/summary.tsv is absent"));
    assert_non_null(strstr(buf, "</html>"));
    assert_null(strstr(buf, "http:"));
    assert_null(strstr(buf, "https:"));
    remove(path);
    rmdir(dir);
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/nope", dir);
    assert_int_equal(lm_report_write(missing, NULL, &err), LM_ENOINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_ticks_pretty),
        cmocka_unit_test(test_nice_ticks_single_and_empty),
        cmocka_unit_test(test_log_ticks),
        cmocka_unit_test(test_boxstats_r),
        cmocka_unit_test(test_boxstats_small),
        cmocka_unit_test(test_km_steps),
        cmocka_unit_test(test_rarefy_vegan),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_href),
        cmocka_unit_test(test_xy),
        cmocka_unit_test(test_write_empty_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
