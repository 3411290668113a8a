/* SPDX-License-Identifier: MIT */
/* Unit tests of denoising: alignment numbers on hand-made pairs (vsearch's scoring and
 * traceback ties), the UNOISE skew rule, the tie order of centroids, a tiny chimera for
 * UCHIME3, the global search's identity cut, and the whole stage on a tiny table. */
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

#include "../../src/denoise/denoise_internal.h"

#include "lumen/denoise.h"
#include "lumen/util.h"

/* A fixed pseudo-random sequence (xorshift), so tests need no data files. */
static void rand_seq(char *s, int n, uint64_t seed)
{
    static const char b[] = "ACGT";
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        s[i] = b[(x >> 11) & 3];
    }
    s[n] = 0;
}

static lm_denoise_aln_t align(const char *q, const char *t, char *ops)
{
    lm_denoise_aligner_t *al = lm_denoise_aligner_create();
    assert_non_null(al);
    lm_denoise_aln_t a;
    assert_int_equal(lm_denoise_align(al, q, (int)strlen(q), t, (int)strlen(t), &a, ops), 0);
    lm_denoise_aligner_destroy(al);
    return a;
}

static void align_pairs(void **state)
{
    (void)state;
    char ops[1024];
    /* identical: 2 per column */
    lm_denoise_aln_t a = align("ACGTACGTAC", "ACGTACGTAC", ops);
    assert_int_equal(a.score, 20);
    assert_int_equal(a.mismatches, 0);
    assert_int_equal(a.matches, 10);
    assert_string_equal(ops, "MMMMMMMMMM");
    assert_true(a.id == 100.0);
    /* one substitution: 9 * 2 - 4 */
    a = align("ACGTACGTAC", "ACGTTCGTAC", ops);
    assert_int_equal(a.score, 14);
    assert_int_equal(a.mismatches, 1);
    assert_int_equal(a.internal_gaps, 0);
    /* a query base missing at the end: a terminal gap (2), not counted inside */
    a = align("ACGTACGTA", "ACGTACGTAC", ops);
    assert_int_equal(a.score, 18 - 2);
    assert_int_equal(a.indels, 1);
    assert_int_equal(a.internal_indel, 0);
    assert_int_equal(a.internal_len, 9);
    assert_string_equal(ops, "MMMMMMMMMI");
    /* two extra target bases at the start: one terminal gap of 2 columns (2 + 1) */
    a = align("ACGTACGTAC", "GGACGTACGTAC", ops);
    assert_int_equal(a.score, 20 - 3);
    assert_string_equal(ops, "IIMMMMMMMMMM");
    assert_int_equal(a.gaps, 1);
    assert_int_equal(a.internal_gaps, 0);
    /* an interior deletion in a homopolymer: 20 to open, and vsearch's traceback puts the
     * gap at the left end of the run (the leftmost of the equal-scoring places) */
    char q[64], t[64];
    strcpy(t, "ACGTACGTCAAAAGTCAGTCAGTACGGT");
    strcpy(q, "ACGTACGTCAAAGTCAGTCAGTACGGT");
    a = align(q, t, ops);
    assert_int_equal(a.score, 2 * 27 - 20);
    assert_int_equal(a.mismatches, 0);
    assert_int_equal(a.internal_gaps, 1);
    assert_int_equal(a.internal_indel, 1);
    assert_string_equal(ops, "MMMMMMMMMIMMMMMMMMMMMMMMMMMM");
    /* a longer interior gap: 20 + 2 per extra column */
    strcpy(q, "ACGTACGTCAGGTCAGTCAGTACGGTTT");
    strcpy(t, "ACGTACGTCAGTTTGTCAGTCAGTACGGTTT");
    a = align(q, t, ops);
    assert_int_equal(a.internal_indel, 3);
    assert_int_equal(a.score, 2 * 28 - (20 + 2 + 2));
    /* long random sequences with a substitution and an insertion far from the diagonal
     * band's centre still align as a whole */
    char big[301], big2[400];
    rand_seq(big, 300, 3);
    memcpy(big2, big, 150);
    rand_seq(big2 + 150, 40, 9);
    strcpy(big2 + 190, big + 150);
    big2[10] = big2[10] == 'A' ? 'C' : 'A';
    a = align(big, big2, NULL);
    assert_int_equal(a.mismatches, 1);
    assert_int_equal(a.internal_indel, 40);
    assert_int_equal(a.internal_gaps, 1);
}

static void skew_rule(void **state)
{
    (void)state;
    /* alpha 2: d = 1 allows 1/8, d = 2 allows 1/32 */
    assert_true(lm_denoise_skew_ok(1, 8, 1, 2.0));
    assert_false(lm_denoise_skew_ok(2, 8, 1, 2.0));
    assert_true(lm_denoise_skew_ok(10, 320, 2, 2.0));
    assert_false(lm_denoise_skew_ok(11, 320, 2, 2.0));
    /* no mismatch: always joins */
    assert_true(lm_denoise_skew_ok(100, 100, 0, 2.0));
    /* alpha 1, d = 1: 1/4 */
    assert_true(lm_denoise_skew_ok(25, 100, 1, 1.0));
    assert_false(lm_denoise_skew_ok(26, 100, 1, 1.0));
}

/* X and Y (100 reads each, one substitution apart) are both centroids; Z, one
 * substitution from each at the same place, ties on k-mers and length and joins the
 * earlier centroid; Q (3 reads) is below minsize. */
static void tie_order(void **state)
{
    (void)state;
    char x[201], y[201], z[201];
    rand_seq(x, 200, 5);
    strcpy(y, x);
    strcpy(z, x);
    char cx = x[100];
    y[100] = cx == 'A' ? 'C' : 'A';
    z[100] = cx == 'G' || y[100] == 'G' ? (cx == 'T' || y[100] == 'T' ? 'A' : 'T') : 'G';
    const char *s1[] = {x, y, z, x};
    uint64_t sz[] = {100, 100, 8, 3};
    lm_denoise_opt_t opt;
    lm_denoise_opt_init(&opt);
    int64_t c[4];
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_denoise_unoise(4, s1, sz, &opt, c, &err), 0);
    assert_int_equal(c[0], 0);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[2], 0);
    assert_int_equal(c[3], -1);
    const char *s2[] = {y, x, z};
    assert_int_equal(lm_denoise_unoise(3, s2, sz, &opt, c, &err), 0);
    assert_int_equal(c[2], 0); /* now y is first */
    /* the same at 3 threads */
    opt.threads = 3;
    assert_int_equal(lm_denoise_unoise(3, s2, sz, &opt, c, &err), 0);
    assert_int_equal(c[0], 0);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[2], 0);
}

/* dn_near_first(): whenever it names a first candidate, it is dn_rank()'s first (same
 * sequence, same count). A database of 60 sequences in families of close variants (so
 * proofs must count near neighbours), queries with 0-24 substitutions (some too far for
 * a proof) or a deletion. */
static void near_first(void **state)
{
    (void)state;
    enum { NF = 12, PER = 5, NDB = NF * PER, NQ = 3000, L = 240 };
    char db[NDB][L + 1];
    uint64_t x = 777;
#define NEXT() (x = x * 6364136223846793005ull + 1442695040888963407ull, x >> 33)
    for (int f = 0; f < NF; f++) {
        rand_seq(db[f * PER], L, 500 + (uint64_t)f);
        for (int v = 1; v < PER; v++) {
            strcpy(db[f * PER + v], db[f * PER]);
            for (int e = 0; e < v; e++) {
                int p = (int)(NEXT() % L);
                db[f * PER + v][p] = "ACGT"[(strchr("ACGT", db[f * PER + v][p]) - "ACGT" + 1) % 4];
            }
        }
    }
    dn_index_t *ix = dn_index_create();
    dn_near_t *nr = dn_near_create();
    assert_non_null(ix);
    assert_non_null(nr);
    uint32_t *k[NDB], lens[NDB];
    size_t nk[NDB];
    for (int z = 0; z < NDB; z++) {
        size_t cap = 0;
        k[z] = NULL;
        lens[z] = L;
        nk[z] = dn_kmers(db[z], L, &k[z], &cap);
        assert_int_equal(dn_near_add(nr, ix, NULL, db[z], L, k[z], nk[z]), 0);
        assert_int_equal(dn_index_add(ix, (uint32_t)z, k[z], nk[z]), 0);
    }
    dn_ranker_t rk = {0};
    uint32_t *qk = NULL;
    size_t qcap = 0;
    int proven = 0, tried = 0;
    char q[L + 1];
    for (int i = 0; i < NQ; i++) {
        strcpy(q, db[NEXT() % NDB]);
        int edits = (int)(NEXT() % 25);
        for (int e = 0; e < edits; e++) {
            int p = (int)(NEXT() % L);
            q[p] = "ACGT"[NEXT() % 4];
        }
        size_t ql = L;
        if (NEXT() % 5 == 0) memmove(q + 100, q + 101, L - 100), ql--; /* a deletion */
        size_t nq = dn_kmers(q, ql, &qk, &qcap);
        dn_cand_t top[32], c;
        long n = dn_rank(&rk, ix, NDB, lens, qk, nq, top, 32);
        assert_true(n >= 0);
        tried++;
        if (dn_near_first(nr, q, ql, qk, nq, &c)) {
            proven++;
            assert_true(n > 0);
            assert_int_equal(c.seqno, top[0].seqno);
            assert_int_equal(c.count, top[0].count);
        }
    }
#undef NEXT
    /* the shortcut is taken often enough for the comparison to mean something */
    assert_true(proven > tried / 3);
    assert_true(proven < tried);
    free(qk);
    dn_ranker_free(&rk);
    for (int z = 0; z < NDB; z++) free(k[z]);
    dn_near_destroy(nr);
    dn_index_destroy(ix);
}

/* Enough uniques (>= 2048 to cluster) for UNOISE3 to run its batches in parallel: the
 * centroids must be those of one thread. Variants of 40 templates with 0-4 substitutions
 * or a deletion, abundances 3000 down to 501. */
static void unoise_threads(void **state)
{
    (void)state;
    enum { NT = 40, NU = 2500, L = 200 };
    char tpl[NT][L + 1];
    for (int k = 0; k < NT; k++) rand_seq(tpl[k], L, 100 + (uint64_t)k);
    char **seq = malloc(NU * sizeof(*seq));
    uint64_t *sz = malloc(NU * sizeof(*sz));
    int64_t *c1 = malloc(NU * sizeof(*c1)), *c4 = malloc(NU * sizeof(*c4));
    assert_non_null(seq);
    assert_non_null(sz);
    assert_non_null(c1);
    assert_non_null(c4);
    uint64_t x = 12345;
    for (int i = 0; i < NU; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        seq[i] = malloc(L + 1);
        assert_non_null(seq[i]);
        strcpy(seq[i], tpl[(x >> 33) % NT]);
        int edits = (int)((x >> 20) % 5);
        for (int e = 0; e < edits; e++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            int p = (int)((x >> 33) % L);
            seq[i][p] = seq[i][p] == 'A' ? 'G' : 'A';
        }
        if ((x >> 40) % 7 == 0) memmove(seq[i] + 50, seq[i] + 51, L - 50); /* a deletion */
        sz[i] = 3000 - (uint64_t)i;
    }
    lm_denoise_opt_t opt;
    lm_denoise_opt_init(&opt);
    lm_err_t err;
    lm_err_clear(&err);
    opt.threads = 1;
    assert_int_equal(lm_denoise_unoise(NU, (const char *const *)seq, sz, &opt, c1, &err), 0);
    opt.threads = 4;
    size_t par = dn_unoise_par_centroids;
    dn_unoise_par_centroids = 0; /* every batch in parallel */
    assert_int_equal(lm_denoise_unoise(NU, (const char *const *)seq, sz, &opt, c4, &err), 0);
    dn_unoise_par_centroids = par;
    int joined = 0, centroids = 0;
    for (int i = 0; i < NU; i++) {
        assert_int_equal(c1[i], c4[i]);
        joined += c1[i] != i;
        centroids += c1[i] == i;
    }
    assert_true(joined > 100);
    assert_true(centroids >= NT);
    for (int i = 0; i < NU; i++) free(seq[i]);
    free(seq);
    free(sz);
    free(c1);
    free(c4);
}

static void tiny_chimera(void **state)
{
    (void)state;
    char a[251], b[251], ch[251];
    rand_seq(a, 250, 21);
    strcpy(b, a);
    /* b differs from a by 12 substitutions spread over the sequence */
    for (int i = 10; i < 250; i += 20) b[i] = b[i] == 'A' ? 'C' : 'A';
    memcpy(ch, a, 125);
    strcpy(ch + 125, b + 125);
    const char *s[] = {a, b, ch};
    uint64_t sz[] = {1000, 800, 20};
    lm_denoise_chim_t r[3];
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_denoise_uchime3(3, s, sz, 16.0, r, &err), 0);
    assert_false(r[0].chimera);
    assert_false(r[1].chimera);
    assert_true(r[2].chimera);
    assert_true((r[2].parent[0] == 0 && r[2].parent[1] == 1) ||
                (r[2].parent[0] == 1 && r[2].parent[1] == 0));
    assert_true(r[2].score > 0);
    /* too abundant for its parents (skew 16): not a chimera */
    uint64_t sz2[] = {1000, 800, 100};
    assert_int_equal(lm_denoise_uchime3(3, s, sz2, 16.0, r, &err), 0);
    assert_false(r[2].chimera);
}

static void search_identity(void **state)
{
    (void)state;
    char d0[201], d1[201], q1[201], q2[201];
    rand_seq(d0, 200, 31);
    rand_seq(d1, 200, 32);
    strcpy(q1, d1);
    q1[50] = q1[50] == 'A' ? 'C' : 'A'; /* 99.5% to d1 */
    strcpy(q2, d1);
    for (int i = 5; i < 200; i += 28) q2[i] = q2[i] == 'A' ? 'C' : 'A'; /* 7 diffs: 96.5% */
    const char *db[] = {d0, d1}, *qs[] = {q1, q2, d0};
    int64_t hit[3];
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_denoise_search(3, qs, 2, db, 0.97, 2, NULL, hit, &err), 0);
    assert_int_equal(hit[0], 1);
    assert_int_equal(hit[1], -1);
    assert_int_equal(hit[2], 0);
    unsigned char want[] = {1, 1, 0};
    assert_int_equal(lm_denoise_search(3, qs, 2, db, 0.96, 1, want, hit, &err), 0);
    assert_int_equal(hit[1], 1);
    assert_int_equal(hit[2], -1);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void whole_stage(void **state)
{
    (void)state;
    char dir[] = "/tmp/lumen-denoise-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char in[256], out[256], path[512], md5a[33], md5b[33], text[4096];
    snprintf(in, sizeof(in), "%s/in", dir);
    snprintf(out, sizeof(out), "%s/out", dir);
    assert_int_equal(mkdir(in, 0777), 0);
    char a[201], b[201];
    rand_seq(a, 200, 41);
    strcpy(b, a);
    b[77] = b[77] == 'A' ? 'C' : 'A'; /* an error of a: joins it */
    assert_int_equal(lm_md5_hex(a, 200, md5a), 0);
    assert_int_equal(lm_md5_hex(b, 200, md5b), 0);
    snprintf(path, sizeof(path), "%s/features.fasta", in);
    snprintf(text, sizeof(text), ">%s\n%s\n>%s\n%s\n", md5a, a, md5b, b);
    write_file(path, text);
    snprintf(path, sizeof(path), "%s/table.tsv", in);
    snprintf(text, sizeof(text), "#OTU ID\tS1\tS2\n%s\t40\t60\n%s\t2\t1\n", md5a, md5b);
    write_file(path, text);
    lm_denoise_opt_t opt;
    lm_denoise_opt_init(&opt);
    opt.write_biom = 0;
    lm_err_t err;
    lm_err_clear(&err);
    assert_int_equal(lm_denoise_run(&opt, in, out, &err), 0);
    snprintf(path, sizeof(path), "%s/table.tsv", out);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = 0;
    fclose(f);
    char want[256];
    snprintf(want, sizeof(want), "# Constructed by lumen\n#OTU ID\tS1\tS2\n%s\t42\t61\n", md5a);
    assert_string_equal(text, want);
    /* a feature of the table without a sequence */
    snprintf(path, sizeof(path), "%s/table.tsv", in);
    snprintf(text, sizeof(text), "#OTU ID\tS1\n%s\t40\nabc\t1\n", md5a);
    write_file(path, text);
    lm_err_clear(&err);
    assert_int_equal(lm_denoise_run(&opt, in, out, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "'abc'"));
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(align_pairs),  cmocka_unit_test(skew_rule),
        cmocka_unit_test(tie_order),    cmocka_unit_test(unoise_threads),
        cmocka_unit_test(tiny_chimera), cmocka_unit_test(search_identity),
        cmocka_unit_test(whole_stage),  cmocka_unit_test(near_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
