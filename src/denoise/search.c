/* SPDX-License-Identifier: MIT */
/* Global search as vsearch --usearch_global --id ID (--maxaccepts 1 --maxrejects 32):
 * the first of a query's top 32 k-mer candidates whose alignment identity (matches over
 * columns without terminal gaps) reaches ID. Queries are independent: each thread fills
 * the slots of its own queries, so the result does not depend on the thread count.
 *
 * Shared k-mer counts are exact but mostly computed as a difference: the counts of every
 * database sequence against every other are computed once; a query that probably comes
 * from a database sequence z (dn_near_guess) takes z's counts, minus the postings of z's
 * k-mers it lacks, plus those of its own k-mers z lacks (few, for a read with an error or
 * two). Most queries need no counts at all: their first candidate is proven from z's
 * nearest neighbours (dn_near_first), and when it reaches the identity it is the hit. */
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

enum { MAXCAND = 32, MAXDIFF = 96, MAXDB_MATRIX = 2048 };

typedef struct dbinfo {
    size_t n;
    const char *const *seqs;
    uint32_t *lens;
    uint32_t **k;
    size_t *nk;
    dn_index_t *ix;
    uint16_t *counts; /* n x n shared k-mers, or NULL */
    dn_near_t *near;
} dbinfo_t;

static int db_build(dbinfo_t *d, size_t ndb, const char *const *dbseqs)
{
    d->n = ndb, d->seqs = dbseqs;
    size_t m = ndb ? ndb : 1;
    d->lens = malloc(m * sizeof(*d->lens));
    d->k = calloc(m, sizeof(*d->k));
    d->nk = calloc(m, sizeof(*d->nk));
    d->ix = dn_index_create();
    d->near = dn_near_create();
    if (!d->lens || !d->k || !d->nk || !d->ix || !d->near) return LM_ENOMEM;
    /* a small database gets the matrix of shared k-mers (and its nearest neighbours from
     * it); a large one counts each sequence's against those before it */
    int matrix = ndb > 0 && ndb <= MAXDB_MATRIX;
    for (size_t i = 0; i < ndb; i++) {
        size_t cap = 0;
        d->lens[i] = (uint32_t)strlen(dbseqs[i]);
        d->nk[i] = dn_kmers(dbseqs[i], d->lens[i], &d->k[i], &cap);
        if (!matrix && dn_near_add(d->near, d->ix, NULL, dbseqs[i], d->lens[i], d->k[i], d->nk[i]))
            return LM_ENOMEM;
        if (dn_index_add(d->ix, (uint32_t)i, d->k[i], d->nk[i])) return LM_ENOMEM;
    }
    if (!matrix) return 0;
    d->counts = calloc(ndb * ndb, sizeof(*d->counts));
    if (!d->counts) return LM_ENOMEM;
    for (size_t z = 0; z < ndb; z++) {
        uint16_t *row = d->counts + z * ndb;
        dn_count(row, d->ix, d->k[z], d->nk[z], 1);
        if (dn_near_add(d->near, NULL, row, dbseqs[z], d->lens[z], d->k[z], d->nk[z]))
            return LM_ENOMEM;
    }
    return 0;
}

static void db_free(dbinfo_t *d)
{
    for (size_t i = 0; d->k && i < d->n; i++) free(d->k[i]);
    free(d->k);
    free(d->nk);
    free(d->lens);
    free(d->counts);
    dn_near_destroy(d->near);
    dn_index_destroy(d->ix);
}

/* Stop the lanes at the first target with enough identity. */
static int id_stop(int lane, const lm_denoise_aln_t *a, void *ctx)
{
    (void)lane;
    return a->id >= *(const double *)ctx;
}

/* Per-thread scratch. */
typedef struct scratch {
    uint32_t *qk, *only_q, *only_z;
    size_t qcap, ocap;
    uint16_t *cnt;
} scratch_t;

static long rank(const dbinfo_t *d, scratch_t *s, const char *q, size_t ql, size_t nq,
                 dn_cand_t *cand)
{
    int64_t z = -1;
    if (d->counts) {
        int64_t g;
        if (dn_near_guess(d->near, q, ql, &g, 1)) z = g;
    }
    if (z >= 0) {
        size_t need = nq > d->nk[z] ? nq : d->nk[z];
        if (need > s->ocap) {
            uint32_t *a = realloc(s->only_q, need * sizeof(*a));
            if (!a) return LM_ENOMEM;
            s->only_q = a;
            a = realloc(s->only_z, need * sizeof(*a));
            if (!a) return LM_ENOMEM;
            s->only_z = a, s->ocap = need;
        }
        size_t nqo, nzo;
        dn_kmer_diff(s->qk, nq, d->k[z], d->nk[z], s->only_q, &nqo, s->only_z, &nzo);
        if (nqo + nzo <= MAXDIFF) {
            memcpy(s->cnt, d->counts + (size_t)z * d->n, d->n * sizeof(*s->cnt));
            dn_count(s->cnt, d->ix, s->only_z, nzo, -1);
            dn_count(s->cnt, d->ix, s->only_q, nqo, 1);
            return (long)dn_select(s->cnt, d->n, d->lens, nq, cand, MAXCAND);
        }
    }
    dn_count(s->cnt, d->ix, s->qk, nq, 1);
    return (long)dn_select(s->cnt, d->n, d->lens, nq, cand, MAXCAND);
}

int lm_denoise_search(size_t nq, const char *const *qseqs, size_t ndb, const char *const *dbseqs,
                      double id, int threads, const unsigned char *want, int64_t *hit,
                      lm_err_t *err)
{
    dbinfo_t d = {0};
    int rc = db_build(&d, ndb, dbseqs);
    const double need = 100.0 * id;
#pragma omp parallel num_threads(threads > 0 ? threads : 1) if (!rc)
    {
        lm_denoise_aligner_t *al = lm_denoise_aligner_create();
        scratch_t s = {0};
        s.cnt = calloc(ndb ? ndb : 1, sizeof(*s.cnt));
        dn_cand_t cand[MAXCAND];
        int trc = al && s.cnt ? 0 : LM_ENOMEM;
#pragma omp for schedule(dynamic, 64)
        for (size_t q = 0; q < nq; q++) {
            hit[q] = -1;
            if (trc || (want && !want[q])) continue;
            size_t ql = strlen(qseqs[q]);
            size_t nqk = dn_kmers(qseqs[q], ql, &s.qk, &s.qcap);
            /* the first candidate proven from a database sequence sharing an end: when it
             * reaches the identity, it is the full search's hit */
            if (dn_near_first(d.near, qseqs[q], ql, s.qk, nqk, &cand[0])) {
                lm_denoise_aln_t a;
                uint32_t z = cand[0].seqno;
                if (lm_denoise_align(al, qseqs[q], (int)ql, dbseqs[z], (int)d.lens[z], &a, NULL)) {
                    trc = LM_ENOMEM;
                    continue;
                }
                if (a.id >= need) {
                    hit[q] = z;
                    continue;
                }
            }
            long nc = rank(&d, &s, qseqs[q], ql, nqk, cand);
            if (nc < 0) {
                trc = (int)nc;
                continue;
            }
            /* the first candidate alone (usually the hit), then 8 or 16 at a time */
            int lanes = dn_lanes();
            for (long c0 = 0; c0 < nc && hit[q] < 0; c0 += c0 == 0 ? 1 : lanes) {
                int m = c0 == 0 ? 1 : (nc - c0 < lanes ? (int)(nc - c0) : lanes), tl[16];
                const char *t[16];
                lm_denoise_aln_t a[16];
                for (int x = 0; x < m; x++) {
                    uint32_t z = cand[c0 + x].seqno;
                    t[x] = dbseqs[z], tl[x] = (int)d.lens[z];
                }
                int r = m == 1
                            ? (lm_denoise_align(al, qseqs[q], (int)ql, t[0], tl[0], &a[0], NULL)
                                   ? LM_ENOMEM
                                   : 1)
                            : dn_alignv(al, qseqs[q], (int)ql, t, tl, m, a, id_stop, (void *)&need);
                if (r < 0) {
                    trc = r;
                    break;
                }
                for (int x = 0; x < r; x++)
                    if (a[x].id >= need) {
                        hit[q] = cand[c0 + x].seqno;
                        break;
                    }
            }
        }
        if (trc) {
#pragma omp critical(search_err)
            rc = trc;
        }
        free(s.qk);
        free(s.only_q);
        free(s.only_z);
        free(s.cnt);
        lm_denoise_aligner_destroy(al);
    }
    db_free(&d);
    if (rc) return lm_err_set(err, rc, NULL, 0, 0, "out of memory");
    return 0;
}
