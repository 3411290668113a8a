/* SPDX-License-Identifier: MIT */
/* Unit tests of seqio: parsing rules, error locations, pairs, batches, writers, stats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>

#include "lumen/seqio.h"

static char g_dir[] = "/tmp/lumen-seqio-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd);
}

/* Write text to a file in the test folder; returns its path (static buffer per slot). */
static const char *fixture(const char *name, const char *text, size_t len)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 512, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return p;
}
#define FIXTURE(name, text) fixture((name), (text), sizeof(text) - 1)

/* Read every record of path; returns the final status and the record count. */
static int read_all(const char *path, const lm_fq_opt_t *opt, lm_err_t *err, int *count)
{
    *count = 0;
    lm_fq_reader_t *r = lm_fq_open(path, opt, err);
    if (!r) return err->code;
    lm_seqrec_t rec = {0};
    int ret;
    *count = 0;
    while ((ret = lm_fq_read(r, &rec, err)) == 0) (*count)++;
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    return ret;
}

static void test_fastq_basic(void **state)
{
    (void)state;
    const char *p = FIXTURE("a.fq", "@r1 1:N:0:1\nacgtn\n+\nIIII#\n\n@r2\nRYKM\n+r2\n!!!!\n\n");
    lm_err_t e;
    lm_err_clear(&e);
    lm_fq_reader_t *r = lm_fq_open(p, NULL, &e);
    assert_non_null(r);
    lm_seqrec_t rec = {0};
    assert_int_equal(lm_fq_read(r, &rec, &e), 0);
    assert_string_equal(rec.name.s, "r1");
    assert_string_equal(rec.comment.s, "1:N:0:1");
    assert_string_equal(rec.seq.s, "ACGTN"); /* upper-cased */
    assert_string_equal(rec.qual.s, "IIII#");
    assert_int_equal(rec.line, 1);
    assert_int_equal(lm_fq_format(r), LM_FMT_FASTQ);
    assert_int_equal(lm_fq_read(r, &rec, &e), 0);
    assert_string_equal(rec.name.s, "r2");
    assert_string_equal(rec.comment.s, "");
    assert_int_equal(rec.line, 6); /* the blank line is skipped but counted */
    assert_int_equal(rec.index, 1);
    assert_int_equal(lm_fq_read(r, &rec, &e), LM_EOF);
    assert_int_equal(lm_fq_read(r, &rec, &e), LM_EOF);
    assert_int_equal(lm_fq_count(r), 2);
    lm_seqrec_free(&rec);
    lm_fq_close(r);
}

static void test_fasta_multiline(void **state)
{
    (void)state;
    const char *p = FIXTURE("a.fa", ">s1 Bacteria;Firmicutes\nACGT\nAC\r\n>s2\n>s3\ngg\n");
    lm_err_t e;
    lm_err_clear(&e);
    lm_fq_reader_t *r = lm_fq_open(p, NULL, &e);
    lm_seqrec_t rec = {0};
    assert_int_equal(lm_fq_read(r, &rec, &e), 0);
    assert_string_equal(rec.seq.s, "ACGTAC");
    assert_string_equal(rec.comment.s, "Bacteria;Firmicutes");
    assert_int_equal(rec.qual.l, 0);
    assert_int_equal(lm_fq_format(r), LM_FMT_FASTA);
    assert_int_equal(lm_fq_read(r, &rec, &e), 0);
    assert_string_equal(rec.name.s, "s2");
    assert_int_equal(rec.seq.l, 0);
    assert_int_equal(lm_fq_read(r, &rec, &e), 0);
    assert_string_equal(rec.seq.s, "GG");
    assert_int_equal(rec.line, 5);
    assert_int_equal(lm_fq_read(r, &rec, &e), LM_EOF);
    lm_seqrec_free(&rec);
    lm_fq_close(r);
}

static void test_crlf(void **state)
{
    (void)state;
    const char *p = FIXTURE("crlf.fq", "@r1\r\nACGT\r\n+\r\nIIII\r\n");
    lm_err_t e;
    lm_err_clear(&e);
    lm_fq_reader_t *r = lm_fq_open(p, NULL, &e);
    lm_seqrec_t rec = {0};
    assert_int_equal(lm_fq_read(r, &rec, &e), 0);
    assert_string_equal(rec.seq.s, "ACGT");
    assert_string_equal(rec.qual.s, "IIII");
    lm_seqrec_free(&rec);
    lm_fq_close(r);
}

/* Each malformed input: the status, the line and record of the error, and a word of the
 * message. */
static void check_bad(const char *text, size_t len, int code, uint64_t line, uint64_t record,
                      const char *words)
{
    const char *p = fixture("bad.fq", text, len);
    lm_err_t e;
    lm_err_clear(&e);
    int n;
    assert_int_equal(read_all(p, NULL, &e, &n), code);
    assert_int_equal(e.code, code);
    assert_string_equal(e.path, p);
    assert_int_equal(e.line, line);
    assert_int_equal(e.record, record);
    if (!strstr(e.msg, words)) fail_msg("message '%s' lacks '%s'", e.msg, words);
}
#define CHECK_BAD(text, code, line, rec, words)                                                    \
    check_bad((text), sizeof(text) - 1, (code), (line), (rec), (words))

static void test_malformed(void **state)
{
    (void)state;
    CHECK_BAD("@r1\nACGT\n+\nIII\n", LM_EFORMAT, 4, 1, "quality length 3 != sequence length 4");
    CHECK_BAD("@r1\nACGT\n+\nIIII\n@r2\nACGT\nIIII\n", LM_EFORMAT, 7, 2, "'+' line");
    CHECK_BAD("@r1\nACGT\n+\nIIII\n@r2\n", LM_EFORMAT, 5, 2, "ends after the header");
    CHECK_BAD("@r1\nACGT\n+\nIIII\n@r2\nACGT\n", LM_EFORMAT, 6, 2, "no '+' line");
    CHECK_BAD("@r1\nACGT\n+\n", LM_EFORMAT, 3, 1, "ends before the quality");
    CHECK_BAD("@r1\nAC.T\n+\nIIII\n", LM_EFORMAT, 2, 1, "invalid base '.' at position 3");
    CHECK_BAD("@r1\nAC\x01T\n+\nIIII\n", LM_EFORMAT, 2, 1, "invalid base 0x01");
    CHECK_BAD("@r1\nACGT\n+\nII I\n", LM_EFORMAT, 4, 1, "invalid quality byte");
    CHECK_BAD("\x1f\x8c garbage", LM_EFORMAT, 1, 1, "not FASTQ or FASTA");
    CHECK_BAD("@r1\nACGT\n+\nIIII\nr2\nACGT\n+\nIIII\n", LM_EFORMAT, 5, 2, "starting with '@'");
    CHECK_BAD("@r1\nACGT\n+\nhhhh\n", LM_EFORMAT, 4, 1, "Phred+64");
    CHECK_BAD(">s1\nACGT\nAC-T\n", LM_EFORMAT, 2, 1, "invalid base '-'");
}

static void test_phred64(void **state)
{
    (void)state;
    /* Phred+33 with a high byte after a low one is fine. */
    const char *p = FIXTURE("ok33.fq", "@r1\nACGT\n+\n#III\n@r2\nACGT\n+\nKKKK\n");
    lm_err_t e;
    lm_err_clear(&e);
    int n;
    assert_int_equal(read_all(p, NULL, &e, &n), LM_EOF);
    assert_int_equal(n, 2);
    /* Phred+64 converted on request: 'h' (Q40) becomes 'I'. */
    p = FIXTURE("p64.fq", "@r1\nACGT\n+\nhhh@\n");
    lm_fq_opt_t o;
    lm_fq_opt_init(&o);
    o.phred64 = 1;
    lm_fq_reader_t *r = lm_fq_open(p, &o, &e);
    lm_seqrec_t rec = {0};
    assert_int_equal(lm_fq_read(r, &rec, &e), 0);
    assert_string_equal(rec.qual.s, "III!");
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    /* ... and a Phred+33 file read as Phred+64 is refused. */
    p = FIXTURE("p33.fq", "@r1\nACGT\n+\n##II\n");
    assert_int_equal(read_all(p, &o, &e, &n), LM_EFORMAT);
    assert_non_null(strstr(e.msg, "below Phred+64"));
}

static void test_empty_and_missing(void **state)
{
    (void)state;
    lm_err_t e;
    lm_err_clear(&e);
    int n = -1;
    const char *p = FIXTURE("empty.fq", "");
    assert_int_equal(read_all(p, NULL, &e, &n), LM_EOF);
    assert_int_equal(n, 0);
    p = FIXTURE("blank.fq", "\n\n");
    assert_int_equal(read_all(p, NULL, &e, &n), LM_EOF);
    assert_int_equal(n, 0);
    assert_null(lm_fq_open("/nonexistent/x.fq", NULL, &e));
    assert_int_equal(e.code, LM_ENOINPUT);
    assert_string_equal(e.path, "/nonexistent/x.fq");
}

static void test_long_read(void **state)
{
    (void)state;
    size_t L = 100000;
    char *text = malloc(2 * L + 16);
    size_t k = 0;
    k += (size_t)sprintf(text, "@long\n");
    for (size_t i = 0; i < L; i++) text[k++] = "ACGT"[i % 4];
    k += (size_t)sprintf(text + k, "\n+\n");
    const char *p = fixture("long.fq", text, k);
    FILE *f = fopen(p, "ab");
    for (size_t i = 0; i < L; i++) fputc('I', f);
    fputc('\n', f);
    fclose(f);
    free(text);
    lm_err_t e;
    lm_err_clear(&e);
    lm_fq_reader_t *r = lm_fq_open(p, NULL, &e);
    lm_seqrec_t rec = {0};
    assert_int_equal(lm_fq_read(r, &rec, &e), 0);
    assert_int_equal(rec.seq.l, L);
    assert_int_equal(rec.qual.l, L);
    lm_seqrec_free(&rec);
    lm_fq_close(r);
}

static void test_pair_names(void **state)
{
    (void)state;
    assert_true(lm_pair_names_match("a/1", 3, "a/2", 3));
    assert_true(lm_pair_names_match("a", 1, "a", 1));
    assert_true(lm_pair_names_match("a/1", 3, "a", 1));
    assert_false(lm_pair_names_match("a/1", 3, "b/2", 3));
    assert_false(lm_pair_names_match("a/3", 3, "a/2", 3));
}

static void test_pairs(void **state)
{
    (void)state;
    lm_err_t e;
    lm_err_clear(&e);
    const char *p1 = FIXTURE("p_1.fq", "@x/1\nAC\n+\nII\n@y/1\nGG\n+\nII\n");
    const char *p2 = FIXTURE("p_2.fq", "@x/2\nTT\n+\nII\n@y/2\nCC\n+\nII\n");
    lm_fqpair_t *p = lm_fqpair_open(p1, p2, NULL, &e);
    lm_seqrec_t a = {0}, b = {0};
    assert_int_equal(lm_fqpair_read(p, &a, &b, &e), 0);
    assert_int_equal(lm_fqpair_read(p, &a, &b, &e), 0);
    assert_string_equal(b.seq.s, "CC");
    assert_int_equal(lm_fqpair_read(p, &a, &b, &e), LM_EOF);
    lm_fqpair_close(p);

    /* Names out of step: the error names both files and the record. */
    const char *p3 = FIXTURE("p_3.fq", "@x/2\nTT\n+\nII\n@z/2\nCC\n+\nII\n");
    p = lm_fqpair_open(p1, p3, NULL, &e);
    assert_int_equal(lm_fqpair_read(p, &a, &b, &e), 0);
    assert_int_equal(lm_fqpair_read(p, &a, &b, &e), LM_EFORMAT);
    assert_int_equal(e.record, 2);
    assert_string_equal(e.path, p3);
    assert_non_null(strstr(e.msg, p1));
    lm_fqpair_close(p);

    /* One file shorter. */
    const char *p4 = FIXTURE("p_4.fq", "@x/2\nTT\n+\nII\n");
    p = lm_fqpair_open(p1, p4, NULL, &e);
    assert_int_equal(lm_fqpair_read(p, &a, &b, &e), 0);
    assert_int_equal(lm_fqpair_read(p, &a, &b, &e), LM_EFORMAT);
    assert_string_equal(e.path, p4);
    assert_non_null(strstr(e.msg, "ends after 1 reads"));
    lm_fqpair_close(p);
    lm_seqrec_free(&a);
    lm_seqrec_free(&b);
}

/* Pair batches read at 1 and 2 threads give the same records and the same errors. */
static void pair_batches(const char *f1, const char *f2, int threads, size_t cap, int *status,
                         uint64_t *total, lm_err_t *e)
{
    lm_fq_opt_t o;
    lm_fq_opt_init(&o);
    o.threads = threads;
    lm_fqpair_t *p = lm_fqpair_open(f1, f2, &o, e);
    assert_non_null(p);
    lm_seqbatch_t *b = lm_seqbatch_create(cap, 1);
    int ret;
    uint64_t serial = 0;
    *total = 0;
    while ((ret = lm_fqpair_read_batch(p, b, e)) > 0) {
        assert_int_equal(b->serial, serial++);
        assert_int_equal(b->first, *total);
        *total += b->n;
    }
    *status = ret;
    lm_seqbatch_destroy(b);
    lm_fqpair_close(p);
}

static void test_pair_batches(void **state)
{
    (void)state;
    char t1[4096], t2[4096];
    size_t k1 = 0, k2 = 0;
    for (int i = 0; i < 50; i++) {
        k1 += (size_t)sprintf(t1 + k1, "@r%d/1\nACGT\n+\nIIII\n", i);
        k2 += (size_t)sprintf(t2 + k2, "@r%d/2\nTTTT\n+\nIIII\n", i == 37 ? 99 : i);
    }
    const char *f1 = fixture("b_1.fq", t1, k1), *f2 = fixture("b_2.fq", t2, k2);
    for (size_t cap = 1; cap <= 64; cap *= 4) {
        int s1, s2;
        uint64_t n1, n2;
        lm_err_t e1, e2;
        lm_err_clear(&e1);
        lm_err_clear(&e2);
        pair_batches(f1, f2, 1, cap, &s1, &n1, &e1);
        pair_batches(f1, f2, 2, cap, &s2, &n2, &e2);
        assert_int_equal(s1, LM_EFORMAT);
        assert_int_equal(s2, LM_EFORMAT);
        assert_int_equal(e1.record, 38);
        assert_int_equal(e2.record, 38);
        assert_string_equal(e1.msg, e2.msg);
        assert_int_equal(n1, n2);
    }
    /* A mate file that ends early (after 30 records), at several batch sizes. */
    char t3[4096];
    size_t k3 = 0;
    for (int i = 0; i < 30; i++) k3 += (size_t)sprintf(t3 + k3, "@r%d/2\nTTTT\n+\nIIII\n", i);
    const char *f3 = fixture("b_3.fq", t3, k3);
    for (size_t cap = 1; cap <= 64; cap *= 4) {
        int s;
        uint64_t n;
        lm_err_t e;
        lm_err_clear(&e);
        pair_batches(f1, f3, 2, cap, &s, &n, &e);
        assert_int_equal(s, LM_EFORMAT);
        assert_int_equal(e.record, 31);
        assert_string_equal(e.path, f3);
    }
}

static void test_writer_roundtrip(void **state)
{
    (void)state;
    const char *names[] = {"w.fq", "w.fq.gz"};
    for (int k = 0; k < 2; k++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", g_dir, names[k]);
        lm_err_t e;
        lm_err_clear(&e);
        lm_seq_writer_t *w = lm_seqw_open(path, LM_FMT_FASTQ, 2, &e);
        assert_non_null(w);
        assert_int_not_equal(access(path, F_OK), 0); /* nothing at the final path yet */
        assert_int_equal(lm_seqw_write(w, "a", "c 1", "ACGT", 4, "IIII", &e), 0);
        assert_int_equal(lm_seqw_write(w, "b", NULL, "GG", 2, "##", &e), 0);
        assert_int_equal(lm_seqw_commit(w, &e), 0);
        lm_fq_reader_t *r = lm_fq_open(path, NULL, &e);
        lm_seqrec_t rec = {0};
        assert_int_equal(lm_fq_read(r, &rec, &e), 0);
        assert_string_equal(rec.name.s, "a");
        assert_string_equal(rec.comment.s, "c 1");
        assert_int_equal(lm_fq_read(r, &rec, &e), 0);
        assert_string_equal(rec.qual.s, "##");
        assert_int_equal(lm_fq_read(r, &rec, &e), LM_EOF);
        lm_seqrec_free(&rec);
        lm_fq_close(r);
    }
    /* Abort leaves nothing behind. */
    char path[512];
    snprintf(path, sizeof(path), "%s/aborted.fa.gz", g_dir);
    lm_err_t e;
    lm_seq_writer_t *w = lm_seqw_open(path, LM_FMT_FASTA, 1, &e);
    assert_int_equal(lm_seqw_write(w, "a", NULL, "ACGT", 4, NULL, &e), 0);
    lm_seqw_abort(w);
    assert_int_not_equal(access(path, F_OK), 0);
}

static void test_truncated_gzip(void **state)
{
    (void)state;
    char path[512], cmd[3000];
    snprintf(path, sizeof(path), "%s/t.fq.gz", g_dir);
    lm_err_t e;
    lm_err_clear(&e);
    lm_seq_writer_t *w = lm_seqw_open(path, LM_FMT_FASTQ, 1, &e);
    char seq[201], qual[201];
    for (int i = 0; i < 200; i++) {
        seq[i] = "ACGT"[(i * 7 + i / 3) % 4];
        qual[i] = (char)('#' + i % 30);
    }
    seq[200] = qual[200] = '\0';
    for (int i = 0; i < 2000; i++) {
        char name[32];
        snprintf(name, sizeof(name), "r%d", i);
        assert_int_equal(lm_seqw_write(w, name, NULL, seq, 200, qual, &e), 0);
    }
    assert_int_equal(lm_seqw_commit(w, &e), 0);
    /* Plain gzip (not BGZF), cut in the middle of its stream. */
    snprintf(cmd, sizeof(cmd),
             "gzip -dc '%s' | gzip -c > '%s.full.gz' && "
             "head -c $(( $(stat -c %%s '%s.full.gz') / 2 )) '%s.full.gz' > '%s.cut.gz'",
             path, path, path, path, path);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s.cut.gz", path);
    int n;
    assert_int_equal(read_all(cmd, NULL, &e, &n), LM_EFORMAT);
    assert_non_null(strstr(e.msg, "truncated"));
    assert_true(n > 0 && n < 2000);

    /* BGZF cut exactly at a block boundary (the EOF marker lost) is refused too. */
    snprintf(cmd, sizeof(cmd), "head -c $(( $(stat -c %%s '%s') - 28 )) '%s' > '%s.noeof.gz'", path,
             path, path);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s.noeof.gz", path);
    assert_int_equal(read_all(cmd, NULL, &e, &n), LM_EFORMAT);
    assert_non_null(strstr(e.msg, "end-of-file marker"));
}

static void test_revcomp(void **state)
{
    (void)state;
    char out[32];
    lm_revcomp("ACGTRYKMBDHVNSW", 15, out);
    assert_string_equal(out, "WSNBDHVKMRYACGT");
    lm_revcomp("", 0, out);
    assert_string_equal(out, "");
    char q[] = "abcde";
    lm_reverse(q, 5);
    assert_string_equal(q, "edcba");
    assert_int_equal(lm_iupac_mask('n'), 15);
    assert_int_equal(lm_iupac_mask('R'), 5);
    assert_int_equal(lm_iupac_mask('x'), 0);
}

static void test_expected_errors(void **state)
{
    (void)state;
    /* Q10 + Q20 + Q30 = 0.1 + 0.01 + 0.001 */
    assert_true(fabs(lm_expected_errors("+5?", 3) - 0.111) < 1e-12);
    assert_true(lm_expected_errors("", 0) == 0.0);
    assert_true(lm_phred_error('!') == 1.0);
}

/* A manifest as a spreadsheet saves it reads as the clean one; IDs are UTF-8 text. */
static void test_manifest_spreadsheet(void **state)
{
    (void)state;
    lm_err_t e;
    lm_err_clear(&e);
    lm_manifest_t *m = NULL;
    const char *p = FIXTURE("sheet.tsv", "\xEF\xBB\xBF\"sample-id\"\tforward-absolute-filepath\t"
                                         "reverse-absolute-filepath\t\t\r\n"
                                         "\"S 1\"\t\"a_R1.fq\"\ta_R2.fq\t\t\r\n"
                                         "\"S\"\"2\"\tb_R1.fq\tb_R2.fq\r\n"
                                         "P\xC3\xA4tient\tc_R1.fq\tc_R2.fq\t\t\r\n");
    assert_int_equal(lm_manifest_read(p, &m, &e), 0);
    assert_int_equal(m->n, 3);
    assert_true(m->paired);
    assert_string_equal(m->s[0].id, "S 1");
    assert_string_equal(m->s[1].id, "S\"2");
    assert_string_equal(m->s[2].id, "P\xC3\xA4tient");
    char want[600];
    snprintf(want, sizeof(want), "%s/a_R1.fq", g_dir);
    assert_string_equal(m->s[0].r1, want);
    snprintf(want, sizeof(want), "%s/b_R2.fq", g_dir);
    assert_string_equal(m->s[1].r2, want);
    lm_manifest_destroy(m);
}

static void test_manifest_bad_ids(void **state)
{
    (void)state;
    lm_err_t e;
    lm_manifest_t *m = NULL;
    static const struct {
        const char *text, *msg;
        uint64_t line;
    } cases[] = {
        {"sample-id\tabsolute-filepath\nP\xE9rez\ta.fq\n", "not valid UTF-8 (byte 0xE9 at byte 2)",
         2},
        {"sample-id\tabsolute-filepath\nA\xC3\ta.fq\n", "not valid UTF-8 (byte 0xC3 at byte 2)", 2},
        {"sample-id\tabsolute-filepath\nA\x01\ta.fq\n", "control character (byte 0x01)", 2},
        {"sample-id\tabsolute-filepath\n\"#A\"\ta.fq\n", "starts with '#'", 2},
        {"sample-id\tabsolute-filepath\nA\ta.fq\ntaxonomy\tb.fq\n",
         "sample ID 'taxonomy' is reserved", 3},
        {"sample-id\tabsolute-filepath\nA\ta.fq\nB\tb.fq\nA\tc.fq\n",
         "duplicate sample ID 'A' (first on line 2)", 4},
        {"sample-id\tabsolute-filepath\nA\ta.fq\textra\n", "3 fields where the header has 2", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lm_err_clear(&e);
        const char *p = fixture("bad.tsv", cases[i].text, strlen(cases[i].text));
        assert_int_equal(lm_manifest_read(p, &m, &e), LM_EFORMAT);
        assert_null(m);
        assert_non_null(strstr(e.msg, cases[i].msg));
        assert_int_equal(e.line, cases[i].line);
    }
}

static void test_stats(void **state)
{
    (void)state;
    lm_fqstats_t s;
    lm_fqstats_init(&s);
    lm_seqrec_t r = {0};
    kputs("ACGN", &r.seq);
    kputs("+5?I", &r.qual); /* Q10 Q20 Q30 Q40: EE 0.1111 */
    assert_int_equal(lm_fqstats_add(&s, &r), 0);
    r.seq.l = r.qual.l = 0;
    kputs("GG", &r.seq);
    kputs("!!", &r.qual); /* EE 2 */
    assert_int_equal(lm_fqstats_add(&s, &r), 0);
    assert_int_equal(s.reads, 2);
    assert_int_equal(s.bases, 6);
    assert_int_equal(s.min_len, 2);
    assert_int_equal(s.max_len, 4);
    assert_int_equal(s.len_hist[2], 1);
    assert_int_equal(s.len_hist[4], 1);
    assert_int_equal(s.q30_bases, 2);
    assert_int_equal(s.n_bases, 1);
    assert_int_equal(s.gc_bases, 4);
    assert_int_equal(s.qual_sum[0], 10);
    assert_int_equal(s.qual_n[0], 2);
    assert_int_equal(s.qual_n[3], 1);
    assert_int_equal(s.ee_hist[0], 1); /* [0, 0.25) */
    assert_int_equal(s.ee_hist[4], 1); /* [2, 3) */
    lm_seqrec_free(&r);
    lm_fqstats_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fastq_basic),
        cmocka_unit_test(test_fasta_multiline),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_phred64),
        cmocka_unit_test(test_empty_and_missing),
        cmocka_unit_test(test_long_read),
        cmocka_unit_test(test_pair_names),
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_pair_batches),
        cmocka_unit_test(test_writer_roundtrip),
        cmocka_unit_test(test_truncated_gzip),
        cmocka_unit_test(test_revcomp),
        cmocka_unit_test(test_manifest_spreadsheet),
        cmocka_unit_test(test_manifest_bad_ids),
        cmocka_unit_test(test_expected_errors),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
