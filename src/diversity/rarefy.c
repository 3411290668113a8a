/* SPDX-License-Identifier: MIT */
/* Rarefaction without replacement. skbio's subsample_counts(replace=False) expands the
 * counts into one entry per individual, shuffles them and keeps the first `depth`: a
 * uniformly random subset. A partial Fisher-Yates shuffle of the same expansion draws
 * from exactly that distribution (with GSL's stream instead of numpy's). */
#include <stdlib.h>
#include <string.h>

#include "lumen/diversity.h"

int lm_div_subsample(const uint64_t *c, size_t n, uint64_t depth, gsl_rng *r, uint32_t *scratch,
                     uint64_t *out)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        for (uint64_t k = 0; k < c[i]; k++) scratch[total + k] = (uint32_t)i;
        total += c[i];
    }
    if (depth > total) return LM_EINTERNAL;
    memset(out, 0, n * sizeof(*out));
    for (uint64_t k = 0; k < depth; k++) {
        /* gsl_rng_uniform_int draws below 2^32 - 1 for MT19937, more than any sample. */
        uint64_t pick = k + gsl_rng_uniform_int(r, (unsigned long)(total - k));
        uint32_t x = scratch[pick];
        scratch[pick] = scratch[k];
        scratch[k] = x;
        out[x]++;
    }
    return 0;
}

lm_table_t *lm_div_rarefy(const lm_table_t *t, uint64_t depth, uint64_t seed, int threads,
                          unsigned char *dropped, lm_err_t *err)
{
    lm_csr_t s;
    lm_table_by_sample(t, &s);
    size_t ns = s.n_rows, kept = 0;
    uint64_t maxtot = 0;
    for (size_t j = 0; j < ns; j++) {
        uint64_t tot = lm_table_sample_total(t, j);
        dropped[j] = tot < depth;
        kept += !dropped[j];
        if (!dropped[j] && tot > maxtot) maxtot = tot;
    }
    if (maxtot > UINT32_MAX) {
        lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "a sample holds more than 2^32 counts");
        return NULL;
    }
    /* Sample j's draws land at trip[at[j] ..], so the result does not depend on which
     * thread drew them. */
    uint64_t *at = calloc(ns + 1, sizeof(uint64_t));
    const char **sids = malloc((kept ? kept : 1) * sizeof(char *));
    uint32_t *newcol = malloc((ns ? ns : 1) * sizeof(uint32_t));
    for (size_t j = 0, k = 0; at && sids && newcol && j < ns; j++) {
        at[j + 1] = at[j] + (dropped[j] ? 0 : s.ptr[j + 1] - s.ptr[j]);
        if (!dropped[j]) {
            sids[k] = lm_table_sample_id(t, j);
            newcol[j] = (uint32_t)k++;
        }
    }
    lm_triplet_t *trip = at ? malloc((at[ns] ? at[ns] : 1) * sizeof(*trip)) : NULL;
    int fail = !at || !sids || !newcol || !trip;
    if (!fail) {
#pragma omp parallel num_threads(threads) reduction(| : fail)
        {
            uint32_t *scratch = malloc((maxtot ? maxtot : 1) * sizeof(uint32_t));
            uint64_t *vals = malloc((s.n_cols ? s.n_cols : 1) * sizeof(uint64_t));
            uint64_t *got = malloc((s.n_cols ? s.n_cols : 1) * sizeof(uint64_t));
            gsl_rng *r = lm_rng_create(seed, 0);
            fail = !scratch || !vals || !got || !r;
#pragma omp for schedule(dynamic, 1)
            for (size_t j = 0; j < ns; j++) {
                if (fail || dropped[j]) continue;
                uint64_t p0 = s.ptr[j], m = s.ptr[j + 1] - p0;
                memcpy(vals, s.val + p0, m * sizeof(uint64_t));
                lm_rng_reseed(r, seed, j);
                fail |= lm_div_subsample(vals, m, depth, r, scratch, got) != 0;
                for (uint64_t q = 0; q < m; q++)
                    trip[at[j] + q] = (lm_triplet_t){s.idx[p0 + q], newcol[j], got[q]};
            }
            free(scratch);
            free(vals);
            free(got);
            if (r) gsl_rng_free(r);
        }
    }
    lm_table_t *out = NULL;
    if (fail) {
        lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        const char **fids = malloc((s.n_cols ? s.n_cols : 1) * sizeof(char *));
        if (!fids) {
            lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        } else {
            for (size_t i = 0; i < s.n_cols; i++) fids[i] = lm_table_feature_id(t, i);
            out = lm_table_create(s.n_cols, fids, kept, sids, trip, at[ns], err);
            free(fids);
        }
    }
    free(at);
    free(sids);
    free(newcol);
    free(trip);
    return out;
}
