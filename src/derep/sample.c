/* SPDX-License-Identifier: MIT */
/* The per-sample read stage: batches are read in order, processed in parallel into
 * per-record slots, then folded into the counts and the uniques table in record order. The
 * batch size is fixed (LM_BATCH_RECORDS), so nothing depends on the thread count.
 *
 * With two or more threads a reader thread (a plain pthread that opens no OpenMP team)
 * decompresses batch k+1 while the OpenMP workers process batch k, two slots used in turn
 * (STYLE.md's reader -> workers pipeline): the reader never waits at the workers'
 * barriers, which measured ~6% faster on the shared 2-core machine. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "lumen/derep.h"

#define NSLOTS 2

/* Quality sums per read and position, accumulated by one worker thread. */
typedef struct qprof {
    uint64_t sum[2][LM_QPOS_MAX], n[2][LM_QPOS_MAX];
} qprof_t;

/* A batch handed from the reader thread to the workers. */
typedef struct slot {
    lm_seqbatch_t *batch;
    int got;      /* what the read returned: records, LM_EOF or an error */
    lm_err_t err; /* the reader's error for this batch */
    int full;     /* filled by the reader and not yet consumed */
} slot_t;

typedef struct run {
    const lm_trim_t *t;
    const lm_sample_out_t *out;
    int threads;
    int paired;
    lm_fq_reader_t *single;
    lm_fqpair_t *pair;
    lm_seqbatch_t *batch;
    lm_trim_result_t *res;
    lm_merge_buf_t **bufs;
    qprof_t *qprof; /* one per thread: integer sums, merged in any order to the same total */
    lm_derep_t *derep;
    lm_seq_writer_t *w_merged, *w_filtered, *w_un1, *w_un2;
    const char *path1, *path2;
    slot_t slots[NSLOTS]; /* r->batch is the one being processed */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop; /* the workers failed: the reader must stop */
} run_t;

static void run_free(run_t *r)
{
    lm_fq_close(r->single);
    lm_fqpair_close(r->pair);
    if (r->res && r->batch)
        for (size_t i = 0; i < r->batch->cap; i++) lm_trim_result_free(&r->res[i]);
    free(r->res);
    for (int i = 0; i < NSLOTS; i++) lm_seqbatch_destroy(r->slots[i].batch);
    for (int i = 0; r->bufs && i < r->threads; i++) lm_merge_buf_destroy(r->bufs[i]);
    free(r->bufs);
    free(r->qprof);
    lm_derep_destroy(r->derep);
    lm_seqw_abort(r->w_merged);
    lm_seqw_abort(r->w_filtered);
    lm_seqw_abort(r->w_un1);
    lm_seqw_abort(r->w_un2);
}

static int open_writer(const char *path, lm_seq_writer_t **w, lm_err_t *err)
{
    if (!path) return 0;
    *w = lm_seqw_open(path, LM_FMT_FASTQ, 1, err);
    return *w ? 0 : err->code;
}

static int run_open(run_t *r, lm_err_t *err)
{
    lm_fq_opt_t fo;
    lm_fq_opt_init(&fo);
    /* one thread reads both files: the pair reader must not open an OpenMP team of its
     * own in the reader thread while the workers' team runs */
    fo.threads = 1;
    if (r->paired) {
        if (!(r->pair = lm_fqpair_open(r->path1, r->path2, &fo, err))) return err->code;
    } else if (!(r->single = lm_fq_open(r->path1, &fo, err))) {
        return err->code;
    }
    for (int i = 0; i < NSLOTS; i++)
        if (!(r->slots[i].batch = lm_seqbatch_create(LM_BATCH_RECORDS, r->paired)))
            return lm_err_set(err, LM_ENOMEM, r->path1, 0, 0, "out of memory");
    r->batch = r->slots[0].batch;
    r->res = calloc(r->batch->cap, sizeof(*r->res));
    r->bufs = calloc((size_t)r->threads, sizeof(*r->bufs));
    r->derep = lm_derep_create();
    r->qprof = calloc((size_t)r->threads, sizeof(*r->qprof));
    if (!r->res || !r->bufs || !r->derep || !r->qprof)
        return lm_err_set(err, LM_ENOMEM, r->path1, 0, 0, "out of memory");
    for (int i = 0; i < r->threads; i++)
        if (!(r->bufs[i] = lm_merge_buf_create()))
            return lm_err_set(err, LM_ENOMEM, r->path1, 0, 0, "out of memory");
    int rc;
    const lm_sample_out_t *o = r->out;
    if ((rc = open_writer(o->merged, &r->w_merged, err)) ||
        (rc = open_writer(o->filtered, &r->w_filtered, err)))
        return rc;
    if (r->paired && ((rc = open_writer(o->unmerged1, &r->w_un1, err)) ||
                      (rc = open_writer(o->unmerged2, &r->w_un2, err))))
        return rc;
    return 0;
}

/* Qualities are needed for truncation and expected errors: FASTA input is refused. */
static int check_fastq(run_t *r, lm_err_t *err)
{
    const lm_fq_reader_t *rd[2] = {r->single ? r->single : lm_fqpair_reader(r->pair, 0),
                                   r->pair ? lm_fqpair_reader(r->pair, 1) : NULL};
    for (int i = 0; i < 2; i++)
        if (rd[i] && lm_fq_format(rd[i]) == LM_FMT_FASTA)
            return lm_err_set(err, LM_EFORMAT, lm_fq_path(rd[i]), 1, 1,
                              "is FASTA; lumen reads needs FASTQ (qualities)");
    return 0;
}

static void profile(qprof_t *q, int which, const lm_seqrec_t *rec)
{
    size_t n = rec->qual.l < LM_QPOS_MAX ? rec->qual.l : LM_QPOS_MAX;
    const unsigned char *s = (const unsigned char *)rec->qual.s;
    for (size_t i = 0; i < n; i++) {
        q->sum[which][i] += (uint64_t)(s[i] - 33);
        q->n[which][i]++;
    }
}

/* Process the batch in parallel. Each record writes only its own slot; the scratch buffer
 * is picked by thread number, which never decides where a result goes. */
static int process_batch(run_t *r, lm_err_t *err)
{
    lm_seqbatch_t *b = r->batch;
    long n = (long)b->n;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 64) num_threads(r->threads) if (r->threads > 1)
    for (long i = 0; i < n; i++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        profile(&r->qprof[tid], 0, &b->r1[i]);
        if (r->paired) profile(&r->qprof[tid], 1, &b->r2[i]);
        int rc = r->paired ? lm_trim_pair(r->t, r->bufs[tid], &b->r1[i], &b->r2[i], &r->res[i])
                           : lm_trim_single(r->t, &b->r1[i], &r->res[i]);
        if (rc) {
#pragma omp atomic write
            failed = 1;
        }
    }
    if (failed) return lm_err_set(err, LM_ENOMEM, r->path1, 0, 0, "out of memory");
    return 0;
}

static int write_fastq(lm_seq_writer_t *w, const lm_seqrec_t *rec, const kstring_t *seq,
                       const kstring_t *qual, lm_err_t *err)
{
    if (!w) return 0;
    return lm_seqw_write(w, rec->name.s, NULL, seq->s, seq->l, qual->s, err);
}

/* Fold the batch into counts, uniques and the optional outputs, in record order. */
static int fold_batch(run_t *r, lm_sample_stats_t *st, lm_err_t *err)
{
    lm_seqbatch_t *b = r->batch;
    for (size_t i = 0; i < b->n; i++) {
        const lm_trim_result_t *x = &r->res[i];
        const lm_seqrec_t *r1 = &b->r1[i];
        int rc = 0;
        st->reads_in++;
        st->primers_found += x->primers_found;
        st->fate[x->fate]++;
        int reached = r->paired ? x->merged : x->fate == LM_FATE_PASS || x->fate >= LM_FATE_MAXN;
        if (r->paired && x->fate != LM_FATE_NO_PRIMER && x->fate != LM_FATE_TOO_SHORT)
            st->merge_status[x->merge]++;
        if (reached) {
            st->merged++;
            st->merged_bases += x->seq.l;
            rc = write_fastq(r->w_merged, r1, &x->seq, &x->qual, err);
        }
        if (!rc && x->fate == LM_FATE_NOT_MERGED && r->w_un1) {
            const lm_seqrec_t *r2 = &b->r2[i];
            rc = lm_seqw_write_rec(r->w_un1, r1, err);
            if (!rc) rc = lm_seqw_write_rec(r->w_un2, r2, err);
        }
        if (!rc && x->fate == LM_FATE_PASS) {
            st->passed++;
            st->mlen_hist[x->seq.l < LM_MLEN_MAX ? x->seq.l : LM_MLEN_MAX]++;
            rc = write_fastq(r->w_filtered, r1, &x->seq, &x->qual, err);
            if (!rc && lm_derep_add(r->derep, x->seq.s, x->seq.l, 1))
                rc = lm_err_set(err, LM_ENOMEM, r->path1, 0, 0, "out of memory");
        }
        if (rc) return rc;
    }
    return 0;
}

static int commit(lm_seq_writer_t **w, lm_err_t *err)
{
    if (!*w) return 0;
    int rc = lm_seqw_commit(*w, err);
    *w = NULL;
    return rc;
}

static int read_batch(run_t *r, lm_seqbatch_t *b, lm_err_t *err)
{
    return r->paired ? lm_fqpair_read_batch(r->pair, b, err) : lm_fq_read_batch(r->single, b, err);
}

/* The reader thread: fill the slots in turn until the input ends or fails (the slot then
 * carries the outcome) or the workers stop. */
static void *reader_main(void *arg)
{
    run_t *r = arg;
    for (unsigned k = 0;; k++) {
        slot_t *sl = &r->slots[k % NSLOTS];
        pthread_mutex_lock(&r->mu);
        while (sl->full && !r->stop) pthread_cond_wait(&r->cv, &r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop) break;
        lm_err_clear(&sl->err);
        int got = read_batch(r, sl->batch, &sl->err);
        pthread_mutex_lock(&r->mu);
        sl->got = got;
        sl->full = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        if (got <= 0) break;
    }
    return NULL;
}

/* Process the batch in r->batch: check the format once, then work and fold. */
static int consume(run_t *r, int first, lm_sample_stats_t *stats, lm_err_t *err)
{
    int rc = first ? check_fastq(r, err) : 0;
    if (!rc) rc = process_batch(r, err);
    if (!rc) rc = fold_batch(r, stats, err);
    return rc;
}

static int loop_serial(run_t *r, lm_sample_stats_t *stats, lm_err_t *err)
{
    for (int first = 1;; first = 0) {
        int got = read_batch(r, r->batch, err);
        if (got == LM_EOF) return 0;
        if (got < 0) return got;
        int rc = consume(r, first, stats, err);
        if (rc) return rc;
    }
}

static int loop_prefetch(run_t *r, lm_sample_stats_t *stats, lm_err_t *err)
{
    pthread_t th;
    if (pthread_mutex_init(&r->mu, NULL)) return loop_serial(r, stats, err);
    if (pthread_cond_init(&r->cv, NULL)) {
        pthread_mutex_destroy(&r->mu);
        return loop_serial(r, stats, err);
    }
    if (pthread_create(&th, NULL, reader_main, r)) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        return loop_serial(r, stats, err);
    }
    int rc = 0;
    for (unsigned k = 0;; k++) {
        slot_t *sl = &r->slots[k % NSLOTS];
        pthread_mutex_lock(&r->mu);
        while (!sl->full) pthread_cond_wait(&r->cv, &r->mu);
        pthread_mutex_unlock(&r->mu);
        if (sl->got <= 0) { /* the end, or the reader's error, met in batch order */
            if (sl->got < LM_EOF) {
                lm_err_copy(err, &sl->err);
                rc = sl->got;
            }
            break;
        }
        r->batch = sl->batch;
        rc = consume(r, k == 0, stats, err);
        pthread_mutex_lock(&r->mu);
        sl->full = 0;
        if (rc) r->stop = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        if (rc) break;
    }
    pthread_join(th, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    return rc;
}

int lm_sample_run(const lm_trim_t *t, const char *r1, const char *r2, const lm_sample_out_t *out,
                  int threads, lm_sample_stats_t *stats, lm_err_t *err)
{
    memset(stats, 0, sizeof(*stats));
    run_t r = {.t = t,
               .out = out,
               .threads = threads > 0 ? threads : 1,
               .paired = r2 != NULL,
               .path1 = r1,
               .path2 = r2};
    int rc = run_open(&r, err);
    if (!rc) rc = r.threads > 1 ? loop_prefetch(&r, stats, err) : loop_serial(&r, stats, err);
    for (int k = 0; !rc && k < r.threads; k++)
        for (int w = 0; w < 2; w++)
            for (int i = 0; i < LM_QPOS_MAX; i++) {
                stats->qual_sum[w][i] += r.qprof[k].sum[w][i];
                stats->qual_n[w][i] += r.qprof[k].n[w][i];
            }
    if (!rc) {
        stats->uniques = lm_derep_size(r.derep);
        stats->singletons = lm_derep_singletons(r.derep);
        rc = lm_derep_write_fasta(r.derep, out->uniques, err);
    }
    /* the optional files are committed only once the uniques are in place */
    if (!rc) rc = commit(&r.w_merged, err);
    if (!rc) rc = commit(&r.w_filtered, err);
    if (!rc) rc = commit(&r.w_un1, err);
    if (!rc) rc = commit(&r.w_un2, err);
    run_free(&r);
    return rc;
}
