/* SPDX-License-Identifier: MIT */
/* Unit tests of refdb: the taxonomy forms, k-mer encoding, the index round trip, and the
 * loader refusing damaged files (every truncation, every flipped byte) without reading
 * out of bounds (run under ASan). */
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

#include "../../src/refdb/refdb_internal.h"
#include "lumen/refdb.h"

/* ---------------------------------------------------------------------------------- */
/* Lineages                                                                           */
/* ---------------------------------------------------------------------------------- */

static void test_qiime_lineage(void **state)
{
    (void)state;
    lm_lineage_t lin;
    lm_err_t err;
    const char *s = "k__Bacteria; p__Firmicutes; c__Bacilli; o__; f__; g__; s__";
    assert_int_equal(lm_lineage_parse(s, strlen(s), &lin, &err), 3);
    assert_string_equal(lin.name[LM_RANK_DOMAIN], "Bacteria");
    assert_string_equal(lin.name[LM_RANK_CLASS], "Bacilli");
    assert_string_equal(lin.name[LM_RANK_ORDER], "");
    assert_string_equal(lin.name[LM_RANK_GENUS], "");
    assert_true(lin.kingdom);
    assert_true(lin.prefixed);
    /* SILVA in QIIME 2 form: d__, and a gap in the middle. */
    s = "d__Bacteria; p__Firmicutes; c__; o__Lactobacillales";
    assert_int_equal(lm_lineage_parse(s, strlen(s), &lin, &err), 3);
    assert_false(lin.kingdom);
    assert_string_equal(lin.name[LM_RANK_ORDER], "Lactobacillales");
    assert_string_equal(lin.name[LM_RANK_CLASS], "");
}

static void test_lineage_errors(void **state)
{
    (void)state;
    lm_lineage_t lin;
    lm_err_t err;
    const char *s = "x__Bacteria; p__Firmicutes";
    assert_int_equal(lm_lineage_parse(s, strlen(s), &lin, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "prefix"));
    s = "A;B;C;D;E;F;G;H";
    assert_int_equal(lm_lineage_parse(s, strlen(s), &lin, &err), LM_EFORMAT);
    s = "";
    assert_int_equal(lm_lineage_parse(s, 0, &lin, &err), 0);
    s = "tax=d:Bacteria,q:Bad";
    assert_int_equal(lm_lineage_parse_sintax(s, strlen(s), &lin, &err), LM_EFORMAT);
    /* taxon names must be UTF-8: a Latin-1 e-acute, a cut 2-byte sequence, a surrogate */
    s = "k__Bacteria; g__Lactobacill\xE9";
    assert_int_equal(lm_lineage_parse(s, strlen(s), &lin, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "'Lactobacill...' is not valid UTF-8 (byte 0xE9 at byte 12)"));
    s = "tax=d:Bacteria,g:Pr\xC3";
    assert_int_equal(lm_lineage_parse_sintax(s, strlen(s), &lin, &err), LM_EFORMAT);
    assert_non_null(strstr(err.msg, "(byte 0xC3 at byte 3)"));
    s = "Bacteria;X\xED\xA0\x80";
    assert_int_equal(lm_lineage_parse(s, strlen(s), &lin, &err), LM_EFORMAT);
    s = "Bacteria;Prot\xC3\xA9obacteria;\xE6\x82\xA3\xE8\x80\x85"; /* valid UTF-8: kept */
    assert_int_equal(lm_lineage_parse(s, strlen(s), &lin, &err), 3);
    assert_string_equal(lin.name[LM_RANK_PHYLUM], "Prot\xC3\xA9obacteria");
}

static void test_header_forms(void **state)
{
    (void)state;
    lm_lineage_t lin;
    lm_err_t err;
    size_t idl;
    /* SILVA: ID, space, positional lineage with species. */
    assert_int_equal(lm_lineage_from_header("AB001.1.1500",
                                            "Bacteria;Proteobacteria;Gammaproteobacteria;"
                                            "Enterobacterales;Enterobacteriaceae;"
                                            "Escherichia-Shigella;Escherichia coli",
                                            &lin, &idl, &err),
                     7);
    assert_int_equal(idl, 12);
    assert_string_equal(lin.name[LM_RANK_GENUS], "Escherichia-Shigella");
    assert_string_equal(lin.name[LM_RANK_SPECIES], "Escherichia coli");
    /* DADA2: the header is the lineage; trailing ';'; a space inside a name. */
    assert_int_equal(lm_lineage_from_header("Bacteria;Firmicutes;Bacilli;Lactobacillales;"
                                            "Lactobacillaceae;Lactobacillus",
                                            "sensu stricto;", &lin, &idl, &err),
                     6);
    assert_int_equal(idl, 0);
    assert_string_equal(lin.name[LM_RANK_GENUS], "Lactobacillus sensu stricto");
    /* RDP: a leading Root is dropped. */
    assert_int_equal(lm_lineage_from_header("S001", "Root;Bacteria;Firmicutes", &lin, &idl, &err),
                     2);
    assert_string_equal(lin.name[LM_RANK_DOMAIN], "Bacteria");
    /* SINTAX: the ID ends at ';', missing ranks are gaps. */
    assert_int_equal(
        lm_lineage_from_header("X1;tax=d:Bacteria,p:Firmicutes,g:Bacillus;", "", &lin, &idl, &err),
        3);
    assert_int_equal(idl, 2);
    assert_string_equal(lin.name[LM_RANK_CLASS], "");
    assert_string_equal(lin.name[LM_RANK_GENUS], "Bacillus");
    /* The gold set: the last tab-separated field. */
    assert_int_equal(lm_lineage_from_header("7000004128189528",
                                            "Acidothermus cellulolyticus 11B\tx|16s_rRNA|y\t"
                                            "Bacteria; Actinobacteria; Actinobacteria; "
                                            "Actinomycetales; Acidothermaceae; Acidothermus",
                                            &lin, &idl, &err),
                     6);
    assert_string_equal(lin.name[LM_RANK_FAMILY], "Acidothermaceae");
    assert_string_equal(lin.name[LM_RANK_GENUS], "Acidothermus");
    /* No lineage at all. */
    assert_int_equal(lm_lineage_from_header("plain", "a description", &lin, &idl, &err), 0);
}

/* ---------------------------------------------------------------------------------- */
/* k-mers                                                                             */
/* ---------------------------------------------------------------------------------- */

static void test_kmer_encode(void **state)
{
    (void)state;
    uint32_t w[16];
    /* ACGT = 00 01 10 11 = 27; the N resets; CGTA = 01 10 11 00 = 108. */
    size_t n = lm_kmer_encode("ACGTNACGTA", 10, 4, w);
    assert_int_equal(n, 3);
    assert_int_equal(w[0], 27);
    assert_int_equal(w[1], 27);
    assert_int_equal(w[2], 108);
    assert_int_equal(lm_kmer_encode("ACGRTACG", 8, 4, w), 1); /* only TACG survives */
    assert_int_equal(w[0], (3u << 6) | (0u << 4) | (1u << 2) | 2u);
    assert_int_equal(lm_kmer_encode("ACG", 3, 4, w), 0);
    assert_int_equal(lm_kmer_encode("NNNNNNNN", 8, 4, w), 0);
}

/* ---------------------------------------------------------------------------------- */
/* Building and loading                                                               */
/* ---------------------------------------------------------------------------------- */

static const char *const demo[][2] = {
    {"ACGTACGTTTGACCAGTAGGCATCG",
     "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Bacillus;subtilis"},
    {"ACGTACGTTTGACCAGTAGGCATCC",
     "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Bacillus;cereus"},
    {"TTGGCCAATTGGACGTTGCAACGTA",
     "Bacteria;Proteobacteria;Gamma;Entero;Enterobacteriaceae;Esch;coli"},
    {"GGGCCCAAATTTGGGCCCAAATTTG", "Bacteria;Firmicutes;Clostridia;Clostr;Fam_A;Incertae"},
    {"CCCGGGTTTAAACCCGGGTTTAAAC", "Bacteria;Firmicutes;Clostridia;Clostr;Fam_B;Incertae"},
    {"ACGTACGTTTGACCAGTAGGCATCG",
     "Bacteria;Firmicutes;Bacilli;Bacillales;Bacillaceae;Bacillus;subtilis"},
};
#define NDEMO (sizeof(demo) / sizeof(demo[0]))

static lm_ref_t *demo_ref(int threads, int reverse)
{
    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    opt.k = 4;
    opt.threads = threads;
    lm_ref_t *ref = lm_ref_create(&opt);
    assert_non_null(ref);
    for (size_t j = 0; j < NDEMO; j++) {
        size_t i = reverse ? NDEMO - 1 - j : j;
        lm_lineage_t lin;
        lm_err_t err;
        assert_true(lm_lineage_parse(demo[i][1], strlen(demo[i][1]), &lin, &err) > 0);
        assert_int_equal(lm_ref_add(ref, demo[i][0], strlen(demo[i][0]), &lin, &err), 0);
    }
    return ref;
}

static void *demo_image(size_t *len)
{
    lm_ref_t *ref = demo_ref(1, 0);
    void *img;
    lm_err_t err;
    assert_int_equal(lm_ref_build(ref, &img, len, &err), 0);
    lm_ref_destroy(ref);
    return img;
}

static void test_round_trip(void **state)
{
    (void)state;
    lm_ref_t *ref = demo_ref(1, 0);
    void *img;
    size_t len;
    lm_err_t err;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    const lm_ref_stats_t *st = lm_ref_stats(ref);
    assert_int_equal(st->sequences, NDEMO);
    assert_int_equal(st->collapsed, 1); /* the repeated Bacillus record */
    assert_int_equal(st->homonyms, 1);  /* genus Incertae under Fam_A and Fam_B */
    assert_non_null(strstr(st->homonym_example, "Incertae"));
    lm_ref_destroy(ref);

    lm_kidx_t *idx = lm_kidx_load_mem(img, len, "demo.lmi", &err);
    assert_non_null(idx);
    assert_int_equal(lm_kidx_k(idx), 4);
    assert_int_equal(lm_kidx_n_leaves(idx), 4); /* Bacillus, Esch, two Incertae */
    assert_int_equal(lm_kidx_n_refs(idx), 5);
    int incertae = 0;
    for (uint32_t g = 0; g < lm_kidx_n_leaves(idx); g++) {
        uint32_t t = lm_kidx_leaf_taxon(idx, g);
        assert_int_equal(lm_kidx_leaf_path(idx, g, LM_RANK_GENUS), t);
        assert_int_equal(lm_kidx_leaf_path(idx, g, LM_RANK_SPECIES), UINT32_MAX);
        if (strcmp(lm_kidx_taxon_name(idx, t), "Incertae") == 0) incertae++;
        if (strcmp(lm_kidx_taxon_name(idx, t), "Bacillus") == 0)
            assert_int_equal(lm_kidx_leaf_refs(idx, g), 2);
    }
    assert_int_equal(incertae, 2);
    /* Species section: the three named species (subtilis twice, identical: once), sorted
     * by leaf then name; sequences and names as added. */
    assert_int_equal(lm_kidx_n_species_refs(idx), 3);
    const char *want[3][2] = {
        {"cereus", demo[1][0]}, {"subtilis", demo[0][0]}, {"coli", demo[2][0]}};
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t sl;
        const char *sq = lm_kidx_species_seq(idx, i, &sl);
        assert_string_equal(lm_kidx_species_name(idx, i), want[i][0]);
        assert_int_equal(sl, strlen(want[i][1]));
        assert_memory_equal(sq, want[i][1], sl);
        const char *g = lm_kidx_taxon_name(
            idx, lm_kidx_leaf_path(idx, lm_kidx_species_leaf(idx, i), LM_RANK_GENUS));
        assert_string_equal(g, i < 2 ? "Bacillus" : "Esch");
    }
    /* Word TTGA (11 11 10 00 = 248) is in Bacillus only (both references). */
    uint32_t n;
    const lm_kidx_entry_t *e = lm_kidx_word(idx, 248, &n);
    assert_int_equal(n, 1);
    assert_string_equal(lm_kidx_taxon_name(idx, lm_kidx_leaf_taxon(idx, e[0].leaf)), "Bacillus");
    assert_true(e[0].score > 0.0f);
    /* Dense rows (one block here): the block maximum bounds each entry's term, and the
     * absent value where a leaf lacks the word; the block's entries are all of them. */
    assert_int_equal(lm_kidx_n_blocks(idx), 1);
    for (uint32_t w = 0; w < 256; w++) {
        uint32_t ne;
        e = lm_kidx_word(idx, w, &ne);
        const float *bm = lm_kidx_word_bmax(idx, w);
        assert_int_equal(lm_kidx_word_start(idx, w, 0), 0);
        assert_int_equal(lm_kidx_word_start(idx, w, 1), ne);
        for (uint32_t j = 0; j < ne; j++)
            assert_true(bm[0] >= e[j].score - (float)lm_kidx_leaf_lognorm(idx, e[j].leaf));
        if (ne < lm_kidx_n_leaves(idx)) assert_true(bm[0] >= lm_kidx_block_absent(idx, 0));
    }
    lm_kidx_destroy(idx);
    free(img);
}

/* --keep-duplicates: every copy counts in N_g, n(w,g) and N, as in rdp_classifier's
 * trainer; by default the repeated Bacillus record counts once. */
static void test_keep_duplicates(void **state)
{
    (void)state;
    for (int keep = 0; keep <= 1; keep++) {
        lm_ref_opt_t opt;
        lm_ref_opt_init(&opt);
        assert_int_equal(opt.keep_duplicates, 0);
        opt.k = 4;
        opt.keep_duplicates = keep;
        lm_ref_t *ref = lm_ref_create(&opt);
        assert_non_null(ref);
        lm_err_t err;
        for (size_t i = 0; i < NDEMO; i++) {
            lm_lineage_t lin;
            assert_true(lm_lineage_parse(demo[i][1], strlen(demo[i][1]), &lin, &err) > 0);
            assert_int_equal(lm_ref_add(ref, demo[i][0], strlen(demo[i][0]), &lin, &err), 0);
        }
        void *img;
        size_t len;
        assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
        assert_int_equal(lm_ref_stats(ref)->collapsed, 1); /* dropped, or kept and counted */
        lm_ref_destroy(ref);
        lm_kidx_t *idx = lm_kidx_load_mem(img, len, "dup.lmi", &err);
        assert_non_null(idx);
        const uint32_t n_all = keep ? NDEMO : NDEMO - 1, n_bac = keep ? 3 : 2;
        assert_int_equal(lm_kidx_n_refs(idx), n_all);
        /* Word TTGA (248) is in every Bacillus reference and nowhere else: its score is
         * log(1 + n(w,g) / P_w) with P_w = (n(w) + 0.5) / (N + 1), n(w) = n(w,g). */
        uint32_t n;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, 248, &n);
        assert_int_equal(n, 1);
        assert_int_equal(lm_kidx_leaf_refs(idx, e[0].leaf), n_bac);
        double pw = (n_bac + 0.5) / (n_all + 1.0);
        assert_float_equal(e[0].score, (float)log1p(n_bac / pw), 1e-6);
        /* The species section is made from every record either way. */
        assert_int_equal(lm_kidx_n_species_refs(idx), 3);
        lm_kidx_destroy(idx);
        free(img);
    }
}

static void test_build_deterministic(void **state)
{
    (void)state;
    void *a, *b;
    size_t la, lb;
    lm_err_t err;
    lm_ref_t *r1 = demo_ref(1, 0), *r2 = demo_ref(2, 1);
    assert_int_equal(lm_ref_build(r1, &a, &la, &err), 0);
    assert_int_equal(lm_ref_build(r2, &b, &lb, &err), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    lm_ref_destroy(r1);
    lm_ref_destroy(r2);
    free(a);
    free(b);
}

static void test_truncations_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *img = demo_image(&len);
    for (size_t l = 0; l < len; l++) {
        lm_err_t err;
        lm_err_clear(&err);
        lm_kidx_t *idx = lm_kidx_load_mem(img, l, "cut.lmi", &err);
        if (idx) fail_msg("truncation to %zu of %zu bytes was accepted", l, len);
        assert_int_equal(err.code, LM_EFORMAT);
        assert_string_equal(err.path, "cut.lmi");
    }
    free(img);
}

static void test_corruption_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *img = demo_image(&len);
    for (size_t i = 0; i < len; i++) {
        lm_err_t err;
        img[i] ^= 0x5a;
        lm_kidx_t *idx = lm_kidx_load_mem(img, len, "bad.lmi", &err);
        if (idx) fail_msg("flipped byte %zu of %zu was accepted", i, len);
        assert_int_equal(err.code, LM_EFORMAT);
        img[i] ^= 0x5a;
    }
    /* Trailing garbage. */
    unsigned char *big = malloc(len + 8);
    memcpy(big, img, len);
    memset(big + len, 0, 8);
    lm_err_t err;
    assert_null(lm_kidx_load_mem(big, len + 8, "long.lmi", &err));
    free(big);
    free(img);
}

/* Rewrite the checksum so that only the structure checks stand in the way. */
static void reseal(unsigned char *img, size_t len)
{
    kidx_header_t h;
    memcpy(&h, img, sizeof(h));
    h.checksum = kidx_checksum(img + LM_KIDX_HEADER, len - LM_KIDX_HEADER,
                               kidx_checksum(img, KIDX_SUMMED_HEADER, 0));
    memcpy(img, &h, sizeof(h));
}

static void test_magic_version_structure(void **state)
{
    (void)state;
    size_t len;
    unsigned char *img = demo_image(&len);
    lm_err_t err;
    kidx_header_t h;

    memcpy(img, "NOTANIDX", 8);
    reseal(img, len);
    assert_null(lm_kidx_load_mem(img, len, "m.lmi", &err));
    assert_non_null(strstr(err.msg, "magic"));
    memcpy(img, LM_KIDX_MAGIC, 8);

    memcpy(&h, img, sizeof(h));
    h.version = LM_KIDX_VERSION + 1;
    memcpy(img, &h, sizeof(h));
    reseal(img, len);
    assert_null(lm_kidx_load_mem(img, len, "v.lmi", &err));
    assert_non_null(strstr(err.msg, "version"));
    h.version = LM_KIDX_VERSION;
    memcpy(img, &h, sizeof(h));
    reseal(img, len);
    lm_kidx_t *ok = lm_kidx_load_mem(img, len, "ok.lmi", &err);
    assert_non_null(ok);
    lm_kidx_destroy(ok);

    /* A leaf out of range in an entry, checksum made to match: still refused. */
    kidx_layout_t lay;
    kidx_layout(&h, &lay);
    lm_kidx_entry_t e;
    unsigned char *ep = img + LM_KIDX_HEADER + lay.entries;
    memcpy(&e, ep, sizeof(e));
    e.leaf = h.n_leaves;
    memcpy(ep, &e, sizeof(e));
    reseal(img, len);
    assert_null(lm_kidx_load_mem(img, len, "e.lmi", &err));
    assert_non_null(strstr(err.msg, "entry"));
    memcpy(ep, &(lm_kidx_entry_t){0, 1.0f}, sizeof(e)); /* a valid entry again */

    /* Two leaves of one word's list swapped (each leaf once, ascending, is what the
     * classifier's block starts rely on), checksum made to match: refused. */
    const uint32_t *offs = (const uint32_t *)(img + LM_KIDX_HEADER + lay.offsets);
    uint32_t w2 = 0;
    while (offs[w2 + 1] - offs[w2] < 2) w2++;
    lm_kidx_entry_t pair[2], swapped[2];
    unsigned char *pp = ep + (size_t)offs[w2] * sizeof(e);
    memcpy(pair, pp, sizeof(pair));
    swapped[0] = pair[1];
    swapped[1] = pair[0];
    memcpy(pp, swapped, sizeof(swapped));
    reseal(img, len);
    assert_null(lm_kidx_load_mem(img, len, "o.lmi", &err));
    assert_non_null(strstr(err.msg, "leaf order"));
    memcpy(pp, pair, sizeof(pair));

    /* Species records out of range, checksum made to match: refused. The first record
     * sits after the species section's 16-byte head. */
    kidx_layout(&h, &lay);
    unsigned char *sp = img + LM_KIDX_HEADER + lay.species;
    uint32_t n_sp, rec[4], keep[4];
    memcpy(&n_sp, sp, 4);
    assert_int_equal(n_sp, 3);
    memcpy(keep, sp + 16, 16);
    for (int f = 0; f < 4; f++) {
        memcpy(rec, keep, 16);
        rec[f] = f == 3 ? 0 : 0xFFFFFF00u; /* leaf, name, sequence offsets; empty sequence */
        memcpy(sp + 16, rec, 16);
        reseal(img, len);
        assert_null(lm_kidx_load_mem(img, len, "s.lmi", &err));
        assert_non_null(strstr(err.msg, "species"));
    }
    memcpy(sp + 16, keep, 16);
    uint64_t blob;
    memcpy(&blob, sp + 8, 8); /* a blob length the file does not hold */
    blob += 64;
    memcpy(sp + 8, &blob, 8);
    reseal(img, len);
    assert_null(lm_kidx_load_mem(img, len, "b.lmi", &err));
    free(img);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_read_tsv(void **state)
{
    (void)state;
    char dir[] = "/tmp/lm_refdb_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fa[512], tsv[512];
    snprintf(fa, sizeof(fa), "%s/ref.fa", dir);
    snprintf(tsv, sizeof(tsv), "%s/tax.tsv", dir);
    write_file(fa, ">r1\nACGTACGTTTGACCAGTAGG\n>r2\nTTGGCCAATTGGACGTTGCA\n");
    write_file(tsv, "Feature ID\tTaxon\nr1\tk__Bacteria; p__Firmicutes; g__\n"
                    "r2\tk__Bacteria; p__Proteobacteria; g__Esch\n");
    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    opt.k = 4;
    lm_ref_t *ref = lm_ref_create(&opt);
    lm_err_t err;
    assert_int_equal(lm_ref_read(ref, fa, tsv, &err), 0);
    void *img;
    size_t len;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    lm_kidx_t *idx = lm_kidx_load_mem(img, len, "t.lmi", &err);
    assert_non_null(idx);
    assert_true(lm_kidx_flags(idx) & LM_KIDX_F_KINGDOM);
    assert_int_equal(lm_kidx_n_leaves(idx), 2); /* p__Firmicutes (g__ empty) and Esch */
    lm_kidx_destroy(idx);
    free(img);
    lm_ref_destroy(ref);

    /* An ID missing from the TSV names the FASTA file and line. */
    write_file(fa, ">r1\nACGTACGTTTGACCAGTAGG\n>r3\nTTGGCCAATTGGACGTTGCA\n");
    ref = lm_ref_create(&opt);
    assert_int_equal(lm_ref_read(ref, fa, tsv, &err), LM_EFORMAT);
    assert_string_equal(err.path, fa);
    assert_int_equal(err.line, 3);
    lm_ref_destroy(ref);
    unlink(fa);
    unlink(tsv);
    rmdir(dir);
}

/* --primers v4: only the amplicon between 515F and 806R (primers removed) is indexed;
 * a reference without both sites is left out and counted. */
static void test_primers(void **state)
{
    (void)state;
    char dir[] = "/tmp/lm_refdb_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fa[512];
    snprintf(fa, sizeof(fa), "%s/amp.fa", dir);
    /* 515F GTGYCAGCMGCCGCGGTAA read as GTGCCAGCAGCCGCGGTAA; 806R GGACTACNVGGGTWTCTAAT
     * as GGACTACAAGGGTATCTAAT, whose reverse complement is ATTAGATACCCTTGTAGTCC. */
    write_file(fa, ">amp\tBacteria;Firmicutes\nTTTTGTGCCAGCAGCCGCGGTAAACACACACAGTCAGTCA"
                   "ATTAGATACCCTTGTAGTCCTTTT\n"
                   ">nosite\tBacteria;Proteobacteria\nACACACACAGTCAGTCAGGGGGGGG\n");
    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    opt.k = 4;
    opt.primers = "v4";
    lm_err_t err;
    assert_int_equal(lm_ref_opt_check(&opt, &err), 0);
    lm_ref_t *ref = lm_ref_create(&opt);
    assert_int_equal(lm_ref_read(ref, fa, NULL, &err), 0);
    assert_int_equal(lm_ref_stats(ref)->no_amplicon, 1);
    void *img;
    size_t len;
    assert_int_equal(lm_ref_build(ref, &img, &len, &err), 0);
    lm_kidx_t *idx = lm_kidx_load_mem(img, len, "amp.lmi", &err);
    assert_non_null(idx);
    assert_int_equal(lm_kidx_n_refs(idx), 1);
    uint32_t w, n;
    assert_int_equal(lm_kmer_encode("ACAC", 4, 4, &w), 1); /* inside the amplicon */
    lm_kidx_word(idx, w, &n);
    assert_int_equal(n, 1);
    assert_int_equal(lm_kmer_encode("CCGC", 4, 4, &w), 1); /* only in the forward primer */
    lm_kidx_word(idx, w, &n);
    assert_int_equal(n, 0);
    assert_int_equal(lm_kmer_encode("TTTT", 4, 4, &w), 1); /* only in the flanks */
    lm_kidx_word(idx, w, &n);
    assert_int_equal(n, 0);
    lm_kidx_destroy(idx);
    free(img);
    lm_ref_destroy(ref);
    opt.primers = "v9";
    assert_int_equal(lm_ref_opt_check(&opt, &err), LM_EUSAGE);
    unlink(fa);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qiime_lineage),
        cmocka_unit_test(test_lineage_errors),
        cmocka_unit_test(test_header_forms),
        cmocka_unit_test(test_kmer_encode),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_build_deterministic),
        cmocka_unit_test(test_truncations_refused),
        cmocka_unit_test(test_corruption_refused),
        cmocka_unit_test(test_magic_version_structure),
        cmocka_unit_test(test_read_tsv),
        cmocka_unit_test(test_primers),
        cmocka_unit_test(test_keep_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
