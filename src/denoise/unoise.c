/* SPDX-License-Identifier: MIT */
/* UNOISE3 clustering as vsearch --cluster_unoise does it: each unique in turn looks for
 * the first of its top 32 k-mer candidates among the centroids so far (vsearch's
 * --maxaccepts 1 --maxrejects 32) whose abundance satisfies the skew rule with the
 * mismatches of their alignment; if none, it becomes a centroid.
 *
 * Uniques are taken in fixed batches: in parallel each ranks and aligns against the
 * centroids from before its batch; then, in order, each also considers the centroids
 * created earlier in its own batch, merged into its candidate list as vsearch orders it.
 * The outcome is that of a sequential pass, at any thread count. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

enum { MAXCAND = 32, BATCH = 32, MAXBATCH = 1024 };

size_t dn_unoise_par_centroids = 2048;
enum { ST_NONE = 0, ST_ACCEPT = 1, ST_REJECT = 2 };

typedef struct query {
    uint32_t *k;
    size_t nk, kcap;
    dn_cand_t cand[MAXCAND];
    unsigned char st[MAXCAND];
    long nc;
} query_t;

typedef struct unoise {
    size_t n;
    const char *const *seqs;
    const uint64_t *sizes;
    const lm_denoise_opt_t *opt;
    size_t *seqlen;
    /* centroids */
    size_t ncent, ccap;
    uint32_t *cuniq, *clen;
    uint32_t **ck;
    size_t *cnk;
    dn_index_t *ix;
    dn_near_t *near;
} unoise_t;

/* Stop the lanes at the first centroid the unique may join. */
typedef struct skewctx {
    const uint64_t *sizes;
    uint64_t qsize;
    const size_t *tu; /* unique index of each lane's centroid */
    double alpha;
} skewctx_t;

static int skew_stop(int lane, const lm_denoise_aln_t *a, void *ctx)
{
    const skewctx_t *k = ctx;
    return lm_denoise_skew_ok(k->qsize, k->sizes[k->tu[lane]], a->mismatches, k->alpha);
}

static int add_centroid(unoise_t *u, size_t q, query_t *qq)
{
    if (u->ncent == u->ccap) {
        size_t c = u->ccap ? 2 * u->ccap : 256;
        uint32_t *a = realloc(u->cuniq, c * sizeof(*a));
        if (!a) return LM_ENOMEM;
        u->cuniq = a;
        a = realloc(u->clen, c * sizeof(*a));
        if (!a) return LM_ENOMEM;
        u->clen = a;
        uint32_t **k = realloc(u->ck, c * sizeof(*k));
        if (!k) return LM_ENOMEM;
        u->ck = k;
        size_t *nk = realloc(u->cnk, c * sizeof(*nk));
        if (!nk) return LM_ENOMEM;
        u->cnk = nk;
        u->ccap = c;
    }
    size_t c = u->ncent++;
    u->cuniq[c] = (uint32_t)q;
    u->clen[c] = (uint32_t)u->seqlen[q];
    u->ck[c] = qq->k, u->cnk[c] = qq->nk;
    qq->k = NULL, qq->nk = qq->kcap = 0;
    return 0;
}

int lm_denoise_unoise(size_t n, const char *const *seqs, const uint64_t *sizes,
                      const lm_denoise_opt_t *opt, int64_t *centroid, lm_err_t *err)
{
    unoise_t u = {.n = n, .seqs = seqs, .sizes = sizes, .opt = opt};
    size_t nq = 0;
    while (nq < n && sizes[nq] >= opt->minsize) nq++;
    for (size_t i = nq; i < n; i++) {
        if (sizes[i] >= opt->minsize)
            return lm_err_set(err, LM_EINTERNAL, NULL, 0, 0, "uniques not sorted by abundance");
        centroid[i] = -1;
    }
    int rc = 0;
    query_t *qs = calloc(MAXBATCH, sizeof(*qs));
    u.seqlen = malloc((n ? n : 1) * sizeof(*u.seqlen));
    u.ix = dn_index_create();
    u.near = dn_near_create();
    /* threads only pay off with many uniques to cluster: each batch ends at a barrier and
     * the in-order step runs on one thread (the result is the same either way) */
    int nthreads = opt->threads > 0 && nq >= 2048 ? opt->threads : 1;
    lm_denoise_aligner_t *al0 = lm_denoise_aligner_create();
    /* per-thread aligners and rankers, kept across batches */
    lm_denoise_aligner_t **als = calloc((size_t)nthreads, sizeof(*als));
    dn_ranker_t *rks = calloc((size_t)nthreads, sizeof(*rks));
    if (!qs || !u.seqlen || !u.ix || !u.near || !al0 || !als || !rks) rc = LM_ENOMEM;
    for (int t = 0; !rc && t < nthreads; t++)
        if (!(als[t] = lm_denoise_aligner_create())) rc = LM_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) u.seqlen[i] = strlen(seqs[i]);

    /* a batch doubles after one that made no centroid (they get rarer down the list,
     * and fewer batches mean fewer barriers), and is back to BATCH after one that did */
    size_t batch = BATCH, made = 0;
    for (size_t b0 = 0; !rc && b0 < nq; b0 += batch) {
        if (b0 > 0) batch = made ? BATCH : (2 * batch < MAXBATCH ? 2 * batch : MAXBATCH);
        size_t b1 = b0 + batch < nq ? b0 + batch : nq, ncent0 = u.ncent;
        int prc = 0;
        /* a batch goes parallel only once there are many centroids to rank against: most
         * uniques find their centroid by the proven shortcut (dn_near_first), and for
         * fewer centroids a batch's work is too short to pay for the barrier */
#pragma omp parallel num_threads(nthreads) if (nthreads > 1 && ncent0 >= dn_unoise_par_centroids)
        {
            int tid = omp_get_thread_num();
            lm_denoise_aligner_t *al = als[tid];
            dn_ranker_t *rk = &rks[tid];
            int trc = 0;
#pragma omp for schedule(dynamic, 4)
            for (size_t q = b0; q < b1; q++) {
                if (trc) continue;
                query_t *qq = &qs[q - b0];
                qq->nk = dn_kmers(seqs[q], u.seqlen[q], &qq->k, &qq->kcap);
                /* the first candidate proven from a centroid sharing an end: when the
                 * unique may join it, that is the full search's outcome */
                if (dn_near_first(u.near, seqs[q], u.seqlen[q], qq->k, qq->nk, &qq->cand[0])) {
                    size_t tu = u.cuniq[qq->cand[0].seqno];
                    lm_denoise_aln_t a;
                    if (lm_denoise_align(al, seqs[q], (int)u.seqlen[q], seqs[tu], (int)u.seqlen[tu],
                                         &a, NULL)) {
                        trc = LM_ENOMEM;
                        continue;
                    }
                    if (lm_denoise_skew_ok(sizes[q], sizes[tu], a.mismatches, opt->alpha)) {
                        qq->nc = 1, qq->st[0] = ST_ACCEPT;
                        continue;
                    }
                }
                qq->nc = dn_rank(rk, u.ix, ncent0, u.clen, qq->k, qq->nk, qq->cand, MAXCAND);
                if (qq->nc < 0) {
                    trc = (int)qq->nc;
                    continue;
                }
                memset(qq->st, ST_NONE, sizeof(qq->st));
                /* 8 or 16 candidates at a time, in order, until one accepts */
                int done = 0, lanes = dn_lanes();
                for (long c0 = 0; !done && !trc && c0 < qq->nc; c0 += lanes) {
                    int m = qq->nc - c0 < lanes ? (int)(qq->nc - c0) : lanes, tl[16];
                    const char *t[16];
                    size_t tu[16];
                    lm_denoise_aln_t a[16];
                    for (int x = 0; x < m; x++) {
                        tu[x] = u.cuniq[qq->cand[c0 + x].seqno];
                        t[x] = seqs[tu[x]], tl[x] = (int)u.seqlen[tu[x]];
                    }
                    skewctx_t k = {sizes, sizes[q], tu, opt->alpha};
                    int r = dn_alignv(al, seqs[q], (int)u.seqlen[q], t, tl, m, a, skew_stop, &k);
                    if (r < 0) {
                        trc = r;
                        break;
                    }
                    for (int x = 0; x < r && !done; x++) {
                        int ok = skew_stop(x, &a[x], &k);
                        qq->st[c0 + x] = ok ? ST_ACCEPT : ST_REJECT;
                        done = ok;
                    }
                }
            }
            if (trc) {
#pragma omp critical(unoise_err)
                prc = trc;
            }
        }
        if (prc) {
            rc = prc;
            break;
        }
        /* in order: merge the centroids born in this batch, decide */
        for (size_t q = b0; !rc && q < b1; q++) {
            query_t *qq = &qs[q - b0];
            dn_cand_t cand[2 * MAXCAND];
            unsigned char st[2 * MAXCAND];
            long nc = qq->nc;
            memcpy(cand, qq->cand, (size_t)nc * sizeof(*cand));
            memcpy(st, qq->st, (size_t)nc);
            uint32_t minm = qq->nk < DN_MINWORDMATCHES ? (uint32_t)qq->nk : DN_MINWORDMATCHES;
            for (size_t c = ncent0; c < u.ncent; c++) {
                dn_cand_t x = {(uint32_t)c, (uint32_t)dn_shared(qq->k, qq->nk, u.ck[c], u.cnk[c]),
                               u.clen[c]};
                if (x.count < minm) continue;
                if (nc == MAXCAND && !dn_cand_before(&x, &cand[nc - 1])) continue;
                long pos = nc < MAXCAND ? nc++ : nc - 1;
                while (pos > 0 && dn_cand_before(&x, &cand[pos - 1]))
                    cand[pos] = cand[pos - 1], st[pos] = st[pos - 1], pos--;
                cand[pos] = x, st[pos] = ST_NONE;
            }
            long hit = -1, c = 0;
            while (c < nc && hit < 0 && !rc) {
                if (st[c] == ST_ACCEPT) {
                    hit = c;
                    break;
                }
                if (st[c] == ST_REJECT) {
                    c++;
                    continue;
                }
                if (cand[c].seqno < ncent0) break; /* beyond the first old accept */
                /* the next (up to 8 or 16) centroids of this batch not yet aligned, at once */
                long idx[16];
                int m = 0, tl[16], lanes = dn_lanes();
                const char *t[16];
                size_t tu[16];
                lm_denoise_aln_t a[16];
                for (long x = c; x < nc && m < lanes && st[x] != ST_ACCEPT; x++)
                    if (st[x] == ST_NONE) {
                        if (cand[x].seqno < ncent0) break;
                        tu[m] = u.cuniq[cand[x].seqno];
                        idx[m] = x, t[m] = seqs[tu[m]], tl[m] = (int)u.seqlen[tu[m]], m++;
                    }
                skewctx_t k = {sizes, sizes[q], tu, opt->alpha};
                int r = dn_alignv(al0, seqs[q], (int)u.seqlen[q], t, tl, m, a, skew_stop, &k);
                if (r < 0) {
                    rc = r;
                    break;
                }
                for (int x = 0; x < r; x++)
                    st[idx[x]] = skew_stop(x, &a[x], &k) ? ST_ACCEPT : ST_REJECT;
            }
            if (rc) break;
            if (hit >= 0)
                centroid[q] = u.cuniq[cand[hit].seqno];
            else {
                centroid[q] = (int64_t)q;
                rc = add_centroid(&u, q, qq);
            }
        }
        made = u.ncent - ncent0;
        for (size_t c = ncent0; !rc && c < u.ncent; c++) {
            rc = dn_near_add(u.near, u.ix, NULL, seqs[u.cuniq[c]], u.clen[c], u.ck[c], u.cnk[c]);
            if (!rc) rc = dn_index_add(u.ix, (uint32_t)c, u.ck[c], u.cnk[c]);
        }
    }
    if (rc == LM_ENOMEM)
        lm_err_set(err, rc, NULL, 0, 0, "out of memory");
    else if (rc && err && !err->code)
        lm_err_set(err, rc, NULL, 0, 0, "denoising failed");
    for (size_t i = 0; qs && i < MAXBATCH; i++) free(qs[i].k);
    free(qs);
    for (size_t c = 0; c < u.ncent; c++) free(u.ck[c]);
    free(u.ck);
    free(u.cnk);
    free(u.cuniq);
    free(u.clen);
    free(u.seqlen);
    dn_index_destroy(u.ix);
    dn_near_destroy(u.near);
    lm_denoise_aligner_destroy(al0);
    for (int t = 0; als && t < nthreads; t++) lm_denoise_aligner_destroy(als[t]);
    for (int t = 0; rks && t < nthreads; t++) dn_ranker_free(&rks[t]);
    free(als);
    free(rks);
    return rc;
}
