/* SPDX-License-Identifier: MIT */
/* Paired FASTQ in lockstep, and batches of records or pairs. */
#include <stdlib.h>
#include <string.h>

#include "lumen/seqio.h"

struct lm_fqpair {
    lm_fq_reader_t *r1, *r2;
    uint64_t count;
    int failed;
    int threads;
};

/* Length of an ID without a trailing "/1" or "/2". */
static size_t stem_len(const char *s, size_t n)
{
    if (n >= 2 && s[n - 2] == '/' && (s[n - 1] == '1' || s[n - 1] == '2')) return n - 2;
    return n;
}

int lm_pair_names_match(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t la = stem_len(a, alen), lb = stem_len(b, blen);
    return la == lb && memcmp(a, b, la) == 0;
}

lm_fqpair_t *lm_fqpair_open(const char *path1, const char *path2, const lm_fq_opt_t *opt,
                            lm_err_t *err)
{
    lm_fqpair_t *p = calloc(1, sizeof(*p));
    if (!p) {
        lm_err_set(err, LM_ENOMEM, path1, 0, 0, "out of memory");
        return NULL;
    }
    p->threads = opt ? opt->threads : 1;
    if (!(p->r1 = lm_fq_open(path1, opt, err)) || !(p->r2 = lm_fq_open(path2, opt, err))) {
        lm_fqpair_close(p);
        return NULL;
    }
    return p;
}

void lm_fqpair_close(lm_fqpair_t *p)
{
    if (!p) return;
    lm_fq_close(p->r1);
    lm_fq_close(p->r2);
    free(p);
}

uint64_t lm_fqpair_count(const lm_fqpair_t *p)
{
    return p->count;
}

const lm_fq_reader_t *lm_fqpair_reader(const lm_fqpair_t *p, int i)
{
    return i ? p->r2 : p->r1;
}

int lm_fqpair_read(lm_fqpair_t *p, lm_seqrec_t *a, lm_seqrec_t *b, lm_err_t *err)
{
    if (p->failed) return p->failed;
    int ra = lm_fq_read(p->r1, a, err);
    if (ra < LM_EOF) return p->failed = ra;
    int rb = lm_fq_read(p->r2, b, err);
    if (rb < LM_EOF) return p->failed = rb;
    const char *f1 = lm_fq_path(p->r1), *f2 = lm_fq_path(p->r2);
    if (ra == LM_EOF && rb == LM_EOF) return p->failed = LM_EOF;
    if (ra == LM_EOF || rb == LM_EOF) {
        const char *shorter = ra == LM_EOF ? f1 : f2, *longer = ra == LM_EOF ? f2 : f1;
        return p->failed = lm_err_set(err, LM_EFORMAT, shorter, 0, p->count + 1,
                                      "ends after %llu reads but its mate file %s goes on",
                                      (unsigned long long)p->count, longer);
    }
    if (!lm_pair_names_match(a->name.s, a->name.l, b->name.s, b->name.l))
        return p->failed = lm_err_set(err, LM_EFORMAT, f2, b->line, p->count + 1,
                                      "read name '%s' does not match '%s' at line %llu of "
                                      "%s: the pair files are out of step",
                                      b->name.s, a->name.s, (unsigned long long)a->line, f1);
    p->count++;
    return 0;
}

lm_seqbatch_t *lm_seqbatch_create(size_t cap, int paired)
{
    lm_seqbatch_t *b = calloc(1, sizeof(*b));
    if (!b) return NULL;
    b->cap = cap ? cap : 1;
    b->r1 = calloc(b->cap, sizeof(*b->r1));
    b->r2 = paired ? calloc(b->cap, sizeof(*b->r2)) : NULL;
    if (!b->r1 || (paired && !b->r2)) {
        lm_seqbatch_destroy(b);
        return NULL;
    }
    return b;
}

void lm_seqbatch_destroy(lm_seqbatch_t *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->cap; i++) {
        if (b->r1) lm_seqrec_free(&b->r1[i]);
        if (b->r2) lm_seqrec_free(&b->r2[i]);
    }
    free(b->r1);
    free(b->r2);
    free(b);
}

/* Batches are filled to capacity except the last, so the serial follows from the index. */
static void batch_start(lm_seqbatch_t *b, uint64_t first)
{
    b->serial = first / b->cap;
    b->first = first;
    b->n = 0;
}

/* Read up to cap records from r into recs; *n counts those read. Returns 0 when the batch
 * is full, LM_EOF when the file ended, or an error. */
static int fill(lm_fq_reader_t *r, lm_seqrec_t *recs, size_t cap, size_t *n, lm_err_t *err)
{
    *n = 0;
    while (*n < cap) {
        int ret = lm_fq_read(r, &recs[*n], err);
        if (ret < 0) return ret;
        (*n)++;
    }
    return 0;
}

int lm_fq_read_batch(lm_fq_reader_t *r, lm_seqbatch_t *b, lm_err_t *err)
{
    batch_start(b, lm_fq_count(r));
    int ret = fill(r, b->r1, b->cap, &b->n, err);
    if (ret < LM_EOF) return ret;
    return b->n ? (int)b->n : LM_EOF;
}

int lm_fqpair_read_batch(lm_fqpair_t *p, lm_seqbatch_t *b, lm_err_t *err)
{
    if (p->failed) return p->failed;
    batch_start(b, p->count);
    /* The two files decompress on two threads, each into its half of the batch. Names and
     * errors are then checked in record order, exactly as pair-by-pair reading meets them,
     * so the outcome and the message do not depend on the thread count. */
    lm_err_t e1, e2;
    lm_err_clear(&e1);
    lm_err_clear(&e2);
    size_t n = 0, m = 0;
    int s1 = 0, s2 = 0;
#pragma omp parallel sections num_threads(2) if (p->threads > 1)
    {
#pragma omp section
        s1 = fill(p->r1, b->r1, b->cap, &n, &e1);
#pragma omp section
        s2 = fill(p->r2, b->r2, b->cap, &m, &e2);
    }
    const char *f1 = lm_fq_path(p->r1), *f2 = lm_fq_path(p->r2);
    size_t both = n < m ? n : m;
    for (size_t i = 0; i < both; i++) {
        lm_seqrec_t *a = &b->r1[i], *c = &b->r2[i];
        if (!lm_pair_names_match(a->name.s, a->name.l, c->name.s, c->name.l))
            return p->failed = lm_err_set(err, LM_EFORMAT, f2, c->line, p->count + i + 1,
                                          "read name '%s' does not match '%s' at line %llu "
                                          "of %s: the pair files are out of step",
                                          c->name.s, a->name.s, (unsigned long long)a->line, f1);
    }
    p->count += both;
    b->n = both;
    if (n == m && s1 == 0 && s2 == 0) return (int)both; /* a full batch */
    /* Pair `both` is where one file stopped: R1 is read first, then R2. */
    if (n == both && s1 < LM_EOF) {
        lm_err_copy(err, &e1);
        return p->failed = s1;
    }
    if (m == both && s2 < LM_EOF) {
        lm_err_copy(err, &e2);
        return p->failed = s2;
    }
    if (n != m) {
        const char *shorter = n < m ? f1 : f2, *longer = n < m ? f2 : f1;
        return p->failed = lm_err_set(err, LM_EFORMAT, shorter, 0, p->count + 1,
                                      "ends after %llu reads but its mate file %s goes on",
                                      (unsigned long long)p->count, longer);
    }
    if (both == 0) p->failed = LM_EOF;
    return both ? (int)both : LM_EOF;
}
