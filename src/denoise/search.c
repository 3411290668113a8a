/* SPDX-License-Identifier: MIT */
/* Global search as vsearch --usearch_global --id ID (--maxaccepts 1 --maxrejects 32):
 * the first of a query's top 32 k-mer candidates whose alignment identity (matches over
 * columns without terminal gaps) reaches ID. Queries are independent: each thread fills
 * the slots of its own queries, so the result does not depend on the thread count.
 *
 * Shared k-mer counts are exact but mostly computed as a difference: the counts of every
 * database sequence against every other are computed once; a query whose first or last
 * ANCHOR bases equal those of a database sequence z takes z's counts, minus the postings of
 * z's k-mers it lacks, plus those of its own k-mers z lacks (few, for a read with an
 * error or two). */
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

enum { MAXCAND = 32, ANCHOR = 48, MAXDIFF = 96, MAXDB_MATRIX = 2048 };

typedef struct anchors {
    size_t mask;
    int64_t *slot; /* database index + 1, 0 = empty */
} anchors_t;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* off 0: the first ANCHOR bases, 1: the last ones. */
static const char *anchor(const char *s, size_t len, int off)
{
    return off ? s + len - ANCHOR : s;
}

static int anchors_build(anchors_t *a, size_t ndb, const char *const *db, const uint32_t *lens,
                         int off)
{
    size_t cap = 16;
    while (cap < 4 * ndb) cap *= 2;
    a->mask = cap - 1;
    a->slot = calloc(cap, sizeof(*a->slot));
    if (!a->slot) return LM_ENOMEM;
    for (size_t z = 0; z < ndb; z++) {
        if (lens[z] < 2 * ANCHOR) continue;
        const char *k = anchor(db[z], lens[z], off);
        size_t h = (size_t)hash(k, ANCHOR) & a->mask;
        int dup = 0;
        while (a->slot[h]) {
            size_t y = (size_t)a->slot[h] - 1;
            if (memcmp(anchor(db[y], lens[y], off), k, ANCHOR) == 0) {
                dup = 1;
                break;
            }
            h = (h + 1) & a->mask;
        }
        if (!dup) a->slot[h] = (int64_t)z + 1;
    }
    return 0;
}

static int64_t anchors_find(const anchors_t *a, const char *const *db, const uint32_t *lens,
                            const char *q, size_t ql, int off)
{
    if (!a->slot || ql < 2 * ANCHOR) return -1;
    const char *k = anchor(q, ql, off);
    size_t h = (size_t)hash(k, ANCHOR) & a->mask;
    while (a->slot[h]) {
        size_t y = (size_t)a->slot[h] - 1;
        if (memcmp(anchor(db[y], lens[y], off), k, ANCHOR) == 0) return (int64_t)y;
        h = (h + 1) & a->mask;
    }
    return -1;
}

typedef struct dbinfo {
    size_t n;
    const char *const *seqs;
    uint32_t *lens;
    uint32_t **k;
    size_t *nk;
    dn_index_t *ix;
    uint16_t *counts; /* n x n shared k-mers, or NULL */
    anchors_t anc[2];
} dbinfo_t;

static int db_build(dbinfo_t *d, size_t ndb, const char *const *dbseqs)
{
    d->n = ndb, d->seqs = dbseqs;
    size_t m = ndb ? ndb : 1;
    d->lens = malloc(m * sizeof(*d->lens));
    d->k = calloc(m, sizeof(*d->k));
    d->nk = calloc(m, sizeof(*d->nk));
    d->ix = dn_index_create();
    if (!d->lens || !d->k || !d->nk || !d->ix) return LM_ENOMEM;
    for (size_t i = 0; i < ndb; i++) {
        size_t cap = 0;
        d->lens[i] = (uint32_t)strlen(dbseqs[i]);
        d->nk[i] = dn_kmers(dbseqs[i], d->lens[i], &d->k[i], &cap);
        if (dn_index_add(d->ix, (uint32_t)i, d->k[i], d->nk[i])) return LM_ENOMEM;
    }
    if (ndb == 0 || ndb > MAXDB_MATRIX) return 0;
    d->counts = calloc(ndb * ndb, sizeof(*d->counts));
    if (!d->counts) return LM_ENOMEM;
    for (size_t z = 0; z < ndb; z++) dn_count(d->counts + z * ndb, d->ix, d->k[z], d->nk[z], 1);
    for (int off = 0; off < 2; off++)
        if (anchors_build(&d->anc[off], ndb, dbseqs, d->lens, off)) return LM_ENOMEM;
    return 0;
}

static void db_free(dbinfo_t *d)
{
    for (size_t i = 0; d->k && i < d->n; i++) free(d->k[i]);
    free(d->k);
    free(d->nk);
    free(d->lens);
    free(d->counts);
    free(d->anc[0].slot);
    free(d->anc[1].slot);
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

static long rank(const dbinfo_t *d, scratch_t *s, const char *q, size_t ql, dn_cand_t *cand)
{
    size_t nq = dn_kmers(q, ql, &s->qk, &s->qcap);
    int64_t z = -1;
    if (d->counts) {
        z = anchors_find(&d->anc[0], d->seqs, d->lens, q, ql, 0);
        if (z < 0) z = anchors_find(&d->anc[1], d->seqs, d->lens, q, ql, 1);
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
            long nc = rank(&d, &s, qseqs[q], ql, cand);
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
