/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the FASTQ/FASTA reader on arbitrary bytes (plain or gzip-compressed,
 * since the reader sniffs compression). Every input must end in a record stream, LM_EOF or
 * a clean error; never a crash, a leak or an out-of-bounds access. A file that reads
 * whole must also survive lumen's writer: written out (same format) and read back, it
 * gives the same records (name, comment, bases, qualities). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lumen/seqio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXREC 256

static int same(const kstring_t *a, const kstring_t *b)
{
    return a->l == b->l && (a->l == 0 || memcmp(a->s, b->s, a->l) == 0);
}

static void roundtrip(const lm_seqrec_t *recs, size_t n, lm_seqfmt_t fmt, const char *path)
{
    lm_err_t err;
    lm_err_clear(&err);
    lm_seq_writer_t *w = lm_seqw_open(path, fmt, 1, &err);
    if (!w) abort();
    for (size_t i = 0; i < n; i++)
        if (lm_seqw_write_rec(w, &recs[i], &err)) abort();
    if (lm_seqw_commit(w, &err)) abort();
    lm_fq_reader_t *r = lm_fq_open(path, NULL, &err);
    if (!r) abort();
    lm_seqrec_t rec = {0};
    size_t i = 0;
    int ret;
    while ((ret = lm_fq_read(r, &rec, &err)) == 0) {
        if (i >= n || !same(&rec.name, &recs[i].name) || !same(&rec.comment, &recs[i].comment) ||
            !same(&rec.seq, &recs[i].seq) || !same(&rec.qual, &recs[i].qual)) {
            fprintf(stderr, "fuzz_fastq: record %zu differs after writing and reading back\n", i);
            abort();
        }
        i++;
    }
    if (ret != LM_EOF || i != n) {
        fprintf(stderr, "fuzz_fastq: written file reads back %zu of %zu records: %s\n", i, n,
                err.msg);
        abort();
    }
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64], back[64];
    static lm_seqrec_t recs[MAXREC];
    if (!path[0]) {
        snprintf(path, sizeof(path), "/tmp/lumen-fuzz-fastq.%d", (int)getpid());
        snprintf(back, sizeof(back), "/tmp/lumen-fuzz-fastq-back.%d", (int)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    lm_err_t err;
    lm_err_clear(&err);
    lm_fq_reader_t *r = lm_fq_open(path, NULL, &err);
    if (r) {
        lm_seqrec_t rec = {0};
        lm_fqstats_t st;
        lm_fqstats_init(&st);
        size_t n = 0;
        int ret;
        while ((ret = lm_fq_read(r, &rec, &err)) == 0) {
            if (lm_fqstats_add(&st, &rec)) break;
            if (n < MAXREC && lm_seqrec_copy(&recs[n], &rec) == 0) n++;
        }
        if (ret < LM_EOF && err.code == 0) abort(); /* an error must be described */
        if (ret == LM_EOF && n && n == lm_fq_count(r)) roundtrip(recs, n, lm_fq_format(r), back);
        lm_fqstats_free(&st);
        lm_seqrec_free(&rec);
        lm_fq_close(r);
    }
    unlink(path);
    return 0;
}
