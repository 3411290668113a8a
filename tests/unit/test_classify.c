/* SPDX-License-Identifier: MIT */
/* Unit tests of classify: RDP's word probability on a hand-computed case, the index
 * scores against that formula, a tiny reference with known answers, agreement with a
 * brute-force words x genera RDP, deterministic bootstraps and the threshold cut. */
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

/* cmocka 1.1 compares floats only in single precision. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

#include "lumen/classify.h"
#include "lumen/seqio.h"

#define NGEN 4
#define PERG 3
#define SLEN 400
#define K    8
static char refs[NGEN][PERG][SLEN + 1];
static const char *const lineages[NGEN] = {
    "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Bacillus",
    "Bacteria;Firmicutes;Bacilli;Lactobacillales;Lactobacillaceae;Lactobacillus",
    "Bacteria;Proteobacteria;Gammaproteobacteria;Enterobacterales;Enterobacteriaceae;"
    "Escherichia",
    "Bacteria;Bacteroidetes;Bacteroidia;Bacteroidales;Bacteroidaceae;Bacteroides",
};
static const char *const genus_names[NGEN] = {"Bacillus", "Lactobacillus", "Escherichia",
                                              "Bacteroides"};

/* A small deterministic generator for the fixtures (not the classifier's). */
static uint64_t fx_state = 12345;
static uint32_t fx_next(void)
{
    fx_state = fx_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(fx_state >> 33);
}

static void mutate(char *s, size_t len, int n)
{
    for (int i = 0; i < n; i++) s[fx_next() % len] = "ACGT"[fx_next() % 4];
}

static lm_kidx_t *g_idx;

static int setup(void **state)
{
    (void)state;
    char base[NGEN][SLEN + 1];
    /* Genera share a conserved first quarter, as 16S genes do. */
    for (int i = 0; i < SLEN; i++) base[0][i] = "ACGT"[fx_next() % 4];
    for (int g = 1; g < NGEN; g++)
        for (int i = 0; i < SLEN; i++)
            base[g][i] = i < SLEN / 4 ? base[0][i] : "ACGT"[fx_next() % 4];
    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    opt.k = K;
    lm_ref_t *ref = lm_ref_create(&opt);
    for (int g = 0; g < NGEN; g++) {
        lm_lineage_t lin;
        lm_err_t err;
        assert_true(lm_lineage_parse(lineages[g], strlen(lineages[g]), &lin, &err) == 6);
        for (int r = 0; r < PERG; r++) {
            memcpy(refs[g][r], base[g], SLEN + 1);
            refs[g][r][SLEN] = '\0';
            mutate(refs[g][r], SLEN, 6);
            assert_int_equal(lm_ref_add(ref, refs[g][r], SLEN, &lin, &err), 0);
        }
    }
    void *img;
    size_t len;
    lm_err_t err;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    lm_ref_destroy(ref);
    g_idx = lm_kidx_load_mem(img, len, "tiny.lmi", &err);
    free(img);
    return g_idx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lm_kidx_destroy(g_idx);
    return 0;
}

static const char *leaf_genus(uint32_t leaf)
{
    return lm_kidx_taxon_name(g_idx, lm_kidx_leaf_taxon(g_idx, leaf));
}

static void test_word_logprob_hand(void **state)
{
    (void)state;
    /* n(w,g)=2, n(w)=3, N=9, N_g=4: P_w = 3.5/10 = 0.35, P(w|g) = 2.35/5 = 0.47. */
    assert_near(lm_cls_word_logprob(2, 3, 9, 4), log(0.47), 1e-15);
    /* A word the genus lacks: P(w|g) = P_w / (N_g + 1) = 0.35 / 5 = 0.07. */
    assert_near(lm_cls_word_logprob(0, 3, 9, 4), log(0.07), 1e-15);
}

/* Every stored score equals log P(w|g) - log P(w|g lacking w), with n(w,g) and n(w)
 * counted here by brute force from the fixture. */
static void test_index_scores_match_formula(void **state)
{
    (void)state;
    static uint32_t words[SLEN];
    const double nrefs = NGEN * PERG;
    int checked = 0;
    for (int g0 = 0; g0 < NGEN; g0++) {
        size_t nw = lm_kmer_encode(refs[g0][0], SLEN, K, words);
        for (size_t i = 0; i < nw; i += 37) {
            uint32_t w = words[i], cnt;
            int nwg[NGEN] = {0}, nwall = 0;
            for (int g = 0; g < NGEN; g++)
                for (int r = 0; r < PERG; r++) {
                    uint32_t tmp[SLEN];
                    size_t n = lm_kmer_encode(refs[g][r], SLEN, K, tmp);
                    int has = 0;
                    for (size_t j = 0; j < n && !has; j++) has = tmp[j] == w;
                    nwg[g] += has;
                    nwall += has;
                }
            const lm_kidx_entry_t *e = lm_kidx_word(g_idx, w, &cnt);
            for (uint32_t j = 0; j < cnt; j++) {
                int g = -1;
                for (int q = 0; q < NGEN; q++)
                    if (strcmp(leaf_genus(e[j].leaf), genus_names[q]) == 0) g = q;
                assert_true(g >= 0);
                double want = lm_cls_word_logprob(nwg[g], nwall, nrefs, PERG) -
                              lm_cls_word_logprob(0, nwall, nrefs, PERG);
                assert_near(e[j].score, want, 1e-6);
                checked++;
            }
        }
    }
    assert_true(checked > 20);
}

/* RDP as written: every word against every genus, log P(w|g) summed. */
static uint32_t brute_best(const char *seq, size_t len)
{
    static uint32_t words[4 * SLEN];
    size_t nw = lm_kmer_encode(seq, len, K, words);
    double best = -INFINITY;
    uint32_t bl = 0;
    for (uint32_t leaf = 0; leaf < lm_kidx_n_leaves(g_idx); leaf++) {
        int g = -1;
        for (int q = 0; q < NGEN; q++)
            if (strcmp(leaf_genus(leaf), genus_names[q]) == 0) g = q;
        double s = 0.0;
        for (size_t i = 0; i < nw; i++) {
            int nwg = 0, nwall = 0;
            for (int q = 0; q < NGEN; q++)
                for (int r = 0; r < PERG; r++) {
                    uint32_t tmp[SLEN];
                    size_t n = lm_kmer_encode(refs[q][r], SLEN, K, tmp);
                    int has = 0;
                    for (size_t j = 0; j < n && !has; j++) has = tmp[j] == words[i];
                    nwg += has && q == g;
                    nwall += has;
                }
            s += lm_cls_word_logprob(nwg, nwall, NGEN * PERG, PERG);
        }
        if (s > best) {
            best = s;
            bl = leaf;
        }
    }
    return bl;
}

static void test_known_answers(void **state)
{
    (void)state;
    lm_cls_opt_t opt;
    lm_cls_opt_init(&opt);
    lm_cls_buf_t *buf = lm_cls_buf_create(g_idx);
    char q[SLEN + 1];
    for (int g = 0; g < NGEN; g++) {
        memcpy(q, refs[g][1], SLEN + 1);
        mutate(q, SLEN, 10);
        lm_cls_result_t res;
        assert_int_equal(lm_cls_classify(g_idx, &opt, buf, q, SLEN, &res), 0);
        assert_string_equal(leaf_genus(res.leaf), genus_names[g]);
        assert_int_equal(res.leaf, brute_best(q, SLEN));
        assert_int_equal(res.depth, 6);
        assert_near(res.conf[LM_RANK_GENUS], 1.0, 1e-12);
        assert_int_equal(res.words, SLEN - K + 1);
        char tax[512];
        lm_cls_format_taxon(g_idx, &res, tax, sizeof(tax));
        char want[512];
        snprintf(want, sizeof(want), "d__Bacteria; p__%s", "");
        assert_memory_equal(tax, want, 12);
        assert_non_null(strstr(tax, genus_names[g]));
    }
    /* The reverse complement is found with --both-strands only. */
    char rc[SLEN + 1];
    lm_revcomp(refs[2][0], SLEN, rc);
    lm_cls_result_t res;
    opt.both_strands = 1;
    assert_int_equal(lm_cls_classify(g_idx, &opt, buf, rc, SLEN, &res), 0);
    assert_true(res.reverse);
    assert_string_equal(leaf_genus(res.leaf), "Escherichia");
    assert_near(res.conf[LM_RANK_GENUS], 1.0, 1e-12);
    /* A query without a single ACGT 8-mer is unassigned. */
    assert_int_equal(lm_cls_classify(g_idx, &opt, buf, "ACGTNNACGTNN", 12, &res), 0);
    assert_int_equal(res.leaf, UINT32_MAX);
    assert_int_equal(res.depth, 0);
    char tax[64];
    lm_cls_format_taxon(g_idx, &res, tax, sizeof(tax));
    assert_string_equal(tax, "Unassigned");
    lm_cls_buf_destroy(buf);
}

static void test_deterministic_bootstrap(void **state)
{
    (void)state;
    lm_cls_opt_t opt;
    lm_cls_opt_init(&opt);
    lm_cls_buf_t *a = lm_cls_buf_create(g_idx), *b = lm_cls_buf_create(g_idx);
    /* A chimera of two genera gets confidences strictly between 0 and 1. */
    char q[SLEN + 1];
    memcpy(q, refs[0][0], SLEN / 2);
    memcpy(q + SLEN / 2, refs[1][0] + SLEN / 2, SLEN / 2);
    q[SLEN] = '\0';
    lm_cls_result_t r1, r2, r3;
    assert_int_equal(lm_cls_classify(g_idx, &opt, a, q, SLEN, &r1), 0);
    /* Other work on the buffer in between must not change the next result. */
    assert_int_equal(lm_cls_classify(g_idx, &opt, b, refs[3][0], SLEN, &r2), 0);
    assert_int_equal(lm_cls_classify(g_idx, &opt, b, q, SLEN, &r2), 0);
    assert_int_equal(r1.leaf, r2.leaf);
    for (int r = 0; r < LM_NRANKS; r++) assert_near(r1.conf[r], r2.conf[r], 0.0);
    double c = r1.conf[LM_RANK_GENUS];
    assert_true(c > 0.0 && c < 1.0);
    /* The cut: every kept rank passes, the first dropped one does not. */
    opt.confidence = c + 0.005;
    assert_int_equal(lm_cls_classify(g_idx, &opt, a, q, SLEN, &r3), 0);
    assert_true(r3.depth < 6);
    for (int r = 0; r < r3.depth; r++) assert_true(r3.conf[r] >= opt.confidence);
    assert_true(r3.conf[r3.depth] < opt.confidence);
    assert_near(lm_cls_confidence(&r3), r3.conf[r3.depth - 1], 0.0);
    opt.confidence = c;
    assert_int_equal(lm_cls_classify(g_idx, &opt, a, q, SLEN, &r3), 0);
    assert_int_equal(r3.depth, 6);
    lm_cls_buf_destroy(a);
    lm_cls_buf_destroy(b);
}

/* The index's dense per-word tables agree with its entries: block maxima (absent value
 * where the word has none, 0 padding), block starts (with their groups' for a large
 * index), and runner-up codes (checked against every leaf's value: the named leaf holds
 * the maximum, every other leaf is at most the maximum less the gap, and the gap is as
 * large as 1/64 steps allow). */
static void check_dense_rows(const lm_kidx_t *idx)
{
    const uint32_t NB = lm_kidx_n_blocks(idx), BS = lm_kidx_bmax_stride(idx);
    const uint32_t L = lm_kidx_n_leaves(idx), CS = lm_kidx_bcode_stride(idx);
    assert_true(BS >= NB && BS % 16 == 0 && CS >= NB + 1);
    const uint32_t nwords = 1u << (2 * lm_kidx_k(idx));
    for (uint32_t w = 0; w < nwords; w++) {
        uint32_t ne;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, w, &ne);
        const float *bm = lm_kidx_word_bmax(idx, w);
        const uint32_t *bc = lm_kidx_word_bcode(idx, w);
        assert_true((lm_kidx_word_gbase(idx, w) != NULL) == (CS > LM_KIDX_CODE_GROUP));
        assert_int_equal(lm_kidx_word_start(idx, w, 0), 0);
        for (uint32_t k = NB; k < CS; k++) assert_int_equal(lm_kidx_word_start(idx, w, k), ne);
        for (uint32_t k = 0; k < BS; k++) {
            if (k >= NB) {
                assert_true(bm[k] == 0.0f);
                assert_int_equal(bc[k] >> 16, 0);
                continue;
            }
            /* the block's entries: exactly its leaves' (the starts partition the list) */
            const uint32_t s0 = lm_kidx_word_start(idx, w, k),
                           s1 = lm_kidx_word_start(idx, w, k + 1);
            assert_true(s0 <= s1 && s1 <= ne);
            float t[LM_KIDX_BLOCK]; /* every leaf's value for this word */
            for (uint32_t o = 0; o < LM_KIDX_BLOCK; o++) {
                const uint32_t g = k * LM_KIDX_BLOCK + o;
                t[o] = g < L ? -(float)lm_kidx_leaf_lognorm(idx, g) : -INFINITY;
            }
            for (uint32_t j = s0; j < s1; j++) {
                assert_int_equal(e[j].leaf / LM_KIDX_BLOCK, k);
                t[e[j].leaf % LM_KIDX_BLOCK] =
                    e[j].score - (float)lm_kidx_leaf_lognorm(idx, e[j].leaf);
            }
            const uint32_t a = LM_KIDX_CODE_LEAF(bc[k]);
            const double gap = (double)LM_KIDX_CODE_GAP(bc[k]) / LM_KIDX_GAP_SCALE;
            assert_true(t[a] == bm[k]);
            double second = -INFINITY;
            for (uint32_t o = 0; o < LM_KIDX_BLOCK; o++) {
                assert_true(t[o] <= bm[k]);
                if (o == a) continue;
                assert_true((double)t[o] <= (double)bm[k] - gap);
                if (t[o] > second) second = t[o];
            }
            if (LM_KIDX_CODE_GAP(bc[k]) < 4095) /* not clamped: the largest gap that fits */
                assert_true((double)bm[k] - second < gap + 1.0 / LM_KIDX_GAP_SCALE);
            if (s0 == s1) assert_true(bm[k] == lm_kidx_block_absent(idx, k));
        }
    }
}

/* The tables the load builds on 3 threads are those it builds on 1 (idx, from img). */
static void same_tables_on_threads(const lm_kidx_t *idx, const void *img, size_t len)
{
    char path[] = "/tmp/lumen-test-kidx-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, img, len), (ssize_t)len);
    close(fd);
    lm_err_t err;
    lm_kidx_t *x3 = lm_kidx_load_threads(path, 3, &err);
    unlink(path);
    assert_non_null(x3);
    const uint32_t BS = lm_kidx_bmax_stride(idx), nwords = 1u << (2 * lm_kidx_k(idx));
    assert_int_equal(lm_kidx_bmax_stride(x3), BS);
    for (uint32_t w = 0; w < nwords; w++) {
        assert_memory_equal(lm_kidx_word_bmax(idx, w), lm_kidx_word_bmax(x3, w),
                            BS * sizeof(float));
        assert_memory_equal(lm_kidx_word_bcode(idx, w), lm_kidx_word_bcode(x3, w),
                            lm_kidx_bcode_stride(idx) * sizeof(uint32_t));
    }
    lm_kidx_view_t v1, v3;
    lm_kidx_view(idx, &v1);
    lm_kidx_view(x3, &v3);
    assert_true(v1.bmax_abs == v3.bmax_abs);
    lm_kidx_destroy(x3);
}

/* Classify s[0..n) with the fast path (buffer b1) and with every leaf scored in every
 * trial (b2): the same leaf, depth, lineage and confidences, bit for bit. Returns the
 * genus confidence. */
static double same_fast_and_exhaustive(const lm_kidx_t *idx, lm_cls_buf_t *b1, lm_cls_buf_t *b2,
                                       const char *s, size_t n)
{
    lm_cls_opt_t fast, slow;
    lm_cls_opt_init(&fast);
    lm_cls_opt_init(&slow);
    slow.exhaustive = 1;
    lm_cls_result_t r1, r2;
    assert_int_equal(lm_cls_classify(idx, &fast, b1, s, n, &r1), 0);
    assert_int_equal(lm_cls_classify(idx, &slow, b2, s, n, &r2), 0);
    assert_int_equal(r1.leaf, r2.leaf);
    assert_int_equal(r1.depth, r2.depth);
    for (int r = 0; r < LM_NRANKS; r++) {
        assert_int_equal(r1.taxon[r], r2.taxon[r]);
        assert_true(r1.conf[r] == r2.conf[r]);
    }
    return r1.conf[LM_RANK_GENUS];
}

/* A reference large enough for the block bounds to prune (200 genera in 20 families, so
 * 13 blocks): the fast path must give exactly what scoring every leaf in every trial
 * gives, on near copies, distant mutants and chimeras. */
static void test_fast_equals_exhaustive(void **state)
{
    (void)state;
    enum { NF = 20, GPF = 10, L = 300 };
    static char fam[NF][L + 1], gen[NF * GPF][L + 1];
    lm_ref_opt_t ro;
    lm_ref_opt_init(&ro);
    lm_ref_t *ref = lm_ref_create(&ro);
    for (int f = 0; f < NF; f++) {
        for (int i = 0; i < L; i++) fam[f][i] = "ACGT"[fx_next() % 4];
        for (int g = 0; g < GPF; g++) {
            char *s = gen[f * GPF + g];
            memcpy(s, fam[f], L + 1);
            s[L] = '\0';
            mutate(s, L, 15);
            char lin[256];
            snprintf(lin, sizeof(lin), "Bacteria;P%d;C%d;O%d;F%d;G%d_%d", f % 3, f % 5, f % 7, f, f,
                     g);
            lm_lineage_t ln;
            lm_err_t err;
            assert_int_equal(lm_lineage_parse(lin, strlen(lin), &ln, &err), 6);
            for (int r = 0; r < 1 + g % 3; r++) {
                char t[L + 1];
                memcpy(t, s, L + 1);
                mutate(t, L, 3);
                assert_int_equal(lm_ref_add(ref, t, L, &ln, &err), 0);
            }
        }
    }
    void *img;
    size_t len;
    lm_err_t err;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    lm_ref_destroy(ref);
    lm_kidx_t *idx = lm_kidx_load_mem(img, len, "big.lmi", &err);
    assert_non_null(idx);
    assert_true(lm_kidx_n_blocks(idx) > 8);
    check_dense_rows(idx);
    same_tables_on_threads(idx, img, len);
    free(img);
    lm_cls_buf_t *b1 = lm_cls_buf_create(idx), *b2 = lm_cls_buf_create(idx);
    int partial = 0;
    for (int q = 0; q < 150; q++) {
        char s[L + 1];
        size_t n = L;
        memcpy(s, gen[fx_next() % (NF * GPF)], L + 1);
        if (q % 3 == 1) {
            mutate(s, L, 40);
        } else if (q % 3 == 2) { /* chimera of two genera */
            const char *o = gen[fx_next() % (NF * GPF)];
            memcpy(s + L / 2, o + L / 2, L / 2);
        }
        if (q % 5 == 0) n = 120; /* short: few draws per trial */
        partial += same_fast_and_exhaustive(idx, b1, b2, s, n) < 1.0;
    }
    assert_true(partial > 20); /* the queries did test uncertain cases */
    /* Long queries (4 genera end to end, 1200 nt: about 150 draws per trial) take the
     * trials' float bounds; the short ones above their 16-bit integer bounds. */
    for (int q = 0; q < 20; q++) {
        char s[4 * L + 1];
        for (int p = 0; p < 4; p++) memcpy(s + p * L, gen[fx_next() % (NF * GPF)], L);
        s[4 * L] = '\0';
        mutate(s, 4 * L, 20);
        same_fast_and_exhaustive(idx, b1, b2, s, 4 * L);
    }
    lm_cls_buf_destroy(b1);
    lm_cls_buf_destroy(b2);
    lm_kidx_destroy(idx);
}

/* More leaves than one group of block codes spans (LM_KIDX_CODE_GROUP blocks of 16,
 * about 65,500): 70,000 genera, k = 4 so that the tables stay small (256 words). The
 * codes' starts are then relative to their group's; the tables still agree with the
 * entries, and the fast path with scoring every leaf. */
static void test_many_leaves(void **state)
{
    (void)state;
    enum { G = 70000, L = 48 };
    lm_ref_opt_t ro;
    lm_ref_opt_init(&ro);
    ro.k = 4;
    lm_ref_t *ref = lm_ref_create(&ro);
    static char seq[G][L + 1];
    for (int g = 0; g < G; g++) {
        for (int i = 0; i < L; i++) seq[g][i] = "ACGT"[fx_next() % 4];
        seq[g][L] = '\0';
        char lin[128];
        snprintf(lin, sizeof(lin), "Bacteria;P%d;C%d;O%d;F%d;G%d", g % 3, g % 7, g % 11, g / 50, g);
        lm_lineage_t ln;
        lm_err_t err;
        assert_int_equal(lm_lineage_parse(lin, strlen(lin), &ln, &err), 6);
        assert_int_equal(lm_ref_add(ref, seq[g], L, &ln, &err), 0);
    }
    void *img;
    size_t len;
    lm_err_t err;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    lm_ref_destroy(ref);
    lm_kidx_t *idx = lm_kidx_load_mem(img, len, "many.lmi", &err);
    free(img);
    assert_non_null(idx);
    assert_int_equal(lm_kidx_n_leaves(idx), G);
    assert_true(lm_kidx_bcode_stride(idx) > LM_KIDX_CODE_GROUP);
    check_dense_rows(idx);
    lm_cls_buf_t *b1 = lm_cls_buf_create(idx), *b2 = lm_cls_buf_create(idx);
    for (int q = 0; q < 8; q++) {
        char s[L + 1];
        memcpy(s, seq[G - 1 - (int)(fx_next() % 9000)], L + 1); /* in the last group */
        if (q % 2) mutate(s, L, 3);
        same_fast_and_exhaustive(idx, b1, b2, s, L);
    }
    lm_cls_buf_destroy(b1);
    lm_cls_buf_destroy(b2);
    lm_kidx_destroy(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_logprob_hand),
        cmocka_unit_test(test_index_scores_match_formula),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_deterministic_bootstrap),
        cmocka_unit_test(test_fast_equals_exhaustive),
        cmocka_unit_test(test_many_leaves),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
