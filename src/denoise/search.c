/* SPDX-License-Identifier: MIT */
/* Global search as vsearch --usearch_global --id ID (--maxaccepts 1 --maxrejects 32):
 * the first of a query's top 32 k-mer candidates whose alignment identity (matches over
 * columns without terminal gaps) reaches ID. Queries are independent: each thread fills
 * the slots of its own queries, so the result does not depend on the thread count. */
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

enum { MAXCAND = 32 };

int lm_denoise_search(size_t nq, const char *const *qseqs, size_t ndb, const char *const *dbseqs,
                      double id, int threads, const unsigned char *want, int64_t *hit,
                      lm_err_t *err)
{
    int rc = 0;
    uint32_t *lens = malloc((ndb ? ndb : 1) * sizeof(*lens));
    dn_index_t *ix = dn_index_create();
    uint32_t *k = NULL;
    size_t kcap = 0;
    if (!lens || !ix) rc = LM_ENOMEM;
    for (size_t i = 0; !rc && i < ndb; i++) {
        lens[i] = (uint32_t)strlen(dbseqs[i]);
        size_t nk = dn_kmers(dbseqs[i], lens[i], &k, &kcap);
        rc = dn_index_add(ix, (uint32_t)i, k, nk);
    }
    free(k);
    const double need = 100.0 * id;
#pragma omp parallel num_threads(threads > 0 ? threads : 1) if (!rc)
    {
        lm_denoise_aligner_t *al = lm_denoise_aligner_create();
        dn_ranker_t rk = {0};
        uint32_t *qk = NULL;
        size_t qcap = 0;
        dn_cand_t cand[MAXCAND];
        int trc = al ? 0 : LM_ENOMEM;
#pragma omp for schedule(dynamic, 64)
        for (size_t q = 0; q < nq; q++) {
            hit[q] = -1;
            if (trc || (want && !want[q])) continue;
            size_t ql = strlen(qseqs[q]);
            size_t nk = dn_kmers(qseqs[q], ql, &qk, &qcap);
            long nc = dn_rank(&rk, ix, ndb, lens, qk, nk, cand, MAXCAND);
            if (nc < 0) {
                trc = (int)nc;
                continue;
            }
            for (long c = 0; c < nc; c++) {
                lm_denoise_aln_t a;
                uint32_t t = cand[c].seqno;
                if (lm_denoise_align(al, qseqs[q], (int)ql, dbseqs[t], (int)lens[t], &a, NULL)) {
                    trc = LM_ENOMEM;
                    break;
                }
                if (a.id >= need) {
                    hit[q] = t;
                    break;
                }
            }
        }
        if (trc) {
#pragma omp critical(search_err)
            rc = trc;
        }
        free(qk);
        dn_ranker_free(&rk);
        lm_denoise_aligner_destroy(al);
    }
    free(lens);
    dn_index_destroy(ix);
    if (rc) return lm_err_set(err, rc, NULL, 0, 0, "out of memory");
    return 0;
}
