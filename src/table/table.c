/* SPDX-License-Identifier: MIT */
/* The sparse feature table: construction from triplets, both CSR views, accessors. */
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>

#include "table_internal.h"

KHASH_SET_INIT_STR(tbl_ids)

static int cmp_trip_feature(const void *a, const void *b)
{
    const lm_triplet_t *x = a, *y = b;
    if (x->feature != y->feature) return x->feature < y->feature ? -1 : 1;
    return x->sample < y->sample ? -1 : x->sample > y->sample;
}

/* Copy IDs, refusing duplicates and empty ones (a duplicate would make two rows or
 * columns indistinguishable in every output). */
static char **copy_ids(size_t n, const char *const *ids, const char *what, lm_err_t *err)
{
    char **out = calloc(n ? n : 1, sizeof(*out));
    khash_t(tbl_ids) *h = kh_init(tbl_ids);
    if (!out || !h) goto oom;
    for (size_t i = 0; i < n; i++) {
        if (!ids[i][0] || strpbrk(ids[i], "\t\r\n")) {
            lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "%s ID %zu is empty or holds a tab or newline",
                       what, i + 1);
            goto fail;
        }
        if (!(out[i] = strdup(ids[i]))) goto oom;
        int ret;
        kh_put(tbl_ids, h, out[i], &ret);
        if (ret < 0) goto oom;
        if (ret == 0) {
            lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "duplicate %s ID '%s'", what, ids[i]);
            goto fail;
        }
    }
    kh_destroy(tbl_ids, h);
    return out;
oom:
    lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
fail:
    if (out)
        for (size_t i = 0; i < n; i++) free(out[i]);
    free(out);
    kh_destroy(tbl_ids, h);
    return NULL;
}

void lm_table_destroy(lm_table_t *t)
{
    if (!t) return;
    for (size_t i = 0; t->fid && i < t->nf; i++) free(t->fid[i]);
    for (size_t j = 0; t->sid && j < t->ns; j++) free(t->sid[j]);
    free(t->fid);
    free(t->sid);
    free(t->fptr);
    free(t->fidx);
    free(t->fval);
    free(t->sptr);
    free(t->sidx);
    free(t->sval);
    free(t->ftot);
    free(t->stot);
    free(t);
}

lm_table_t *lm_table_create(size_t n_features, const char *const *feature_ids, size_t n_samples,
                            const char *const *sample_ids, lm_triplet_t *trip, size_t n_trip,
                            lm_err_t *err)
{
    if (n_features > UINT32_MAX || n_samples > UINT32_MAX) {
        lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "table too large");
        return NULL;
    }
    lm_table_t *t = calloc(1, sizeof(*t));
    if (!t) goto oom;
    t->nf = n_features;
    t->ns = n_samples;
    if (!(t->fid = copy_ids(n_features, feature_ids, "feature", err))) goto fail;
    if (!(t->sid = copy_ids(n_samples, sample_ids, "sample", err))) goto fail;
    for (size_t k = 0; k < n_trip; k++)
        if (trip[k].feature >= n_features || trip[k].sample >= n_samples) {
            LM_BUG(err, "triplet %zu out of range", k);
            goto fail;
        }
    if (n_trip) qsort(trip, n_trip, sizeof(*trip), cmp_trip_feature);
    /* Merge duplicates and drop zeros in place. */
    size_t nnz = 0;
    for (size_t k = 0; k < n_trip; k++) {
        if (nnz && trip[nnz - 1].feature == trip[k].feature &&
            trip[nnz - 1].sample == trip[k].sample)
            trip[nnz - 1].count += trip[k].count;
        else if (trip[k].count)
            trip[nnz++] = trip[k];
    }
    t->nnz = nnz;
    t->fptr = calloc(n_features + 1, sizeof(uint64_t));
    t->sptr = calloc(n_samples + 1, sizeof(uint64_t));
    t->fidx = malloc((nnz ? nnz : 1) * sizeof(uint32_t));
    t->sidx = malloc((nnz ? nnz : 1) * sizeof(uint32_t));
    t->fval = malloc((nnz ? nnz : 1) * sizeof(uint64_t));
    t->sval = malloc((nnz ? nnz : 1) * sizeof(uint64_t));
    t->ftot = calloc(n_features ? n_features : 1, sizeof(uint64_t));
    t->stot = calloc(n_samples ? n_samples : 1, sizeof(uint64_t));
    if (!t->fptr || !t->sptr || !t->fidx || !t->sidx || !t->fval || !t->sval || !t->ftot ||
        !t->stot)
        goto oom;
    for (size_t k = 0; k < nnz; k++) {
        t->fptr[trip[k].feature + 1]++;
        t->sptr[trip[k].sample + 1]++;
        t->fidx[k] = trip[k].sample;
        t->fval[k] = trip[k].count;
        t->ftot[trip[k].feature] += trip[k].count;
        t->stot[trip[k].sample] += trip[k].count;
    }
    for (size_t i = 0; i < n_features; i++) t->fptr[i + 1] += t->fptr[i];
    for (size_t j = 0; j < n_samples; j++) t->sptr[j + 1] += t->sptr[j];
    /* Transpose: walking features in order keeps each sample's features ascending. */
    uint64_t *fill = malloc((n_samples ? n_samples : 1) * sizeof(uint64_t));
    if (!fill) goto oom;
    memcpy(fill, t->sptr, n_samples * sizeof(uint64_t));
    for (size_t k = 0; k < nnz; k++) {
        uint64_t p = fill[trip[k].sample]++;
        t->sidx[p] = trip[k].feature;
        t->sval[p] = trip[k].count;
    }
    free(fill);
    return t;
oom:
    lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
fail:
    lm_table_destroy(t);
    return NULL;
}

size_t lm_table_n_features(const lm_table_t *t)
{
    return t->nf;
}

size_t lm_table_n_samples(const lm_table_t *t)
{
    return t->ns;
}

size_t lm_table_nnz(const lm_table_t *t)
{
    return t->nnz;
}

const char *lm_table_feature_id(const lm_table_t *t, size_t i)
{
    return t->fid[i];
}

const char *lm_table_sample_id(const lm_table_t *t, size_t j)
{
    return t->sid[j];
}

uint64_t lm_table_sample_total(const lm_table_t *t, size_t j)
{
    return t->stot[j];
}

uint64_t lm_table_feature_total(const lm_table_t *t, size_t i)
{
    return t->ftot[i];
}

void lm_table_by_feature(const lm_table_t *t, lm_csr_t *out)
{
    *out = (lm_csr_t){t->nf, t->ns, t->fptr, t->fidx, t->fval};
}

void lm_table_by_sample(const lm_table_t *t, lm_csr_t *out)
{
    *out = (lm_csr_t){t->ns, t->nf, t->sptr, t->sidx, t->sval};
}

/* The rows (features, by_sample = 0) or columns (samples, by_sample = 1) of t whose keep
 * flag is set, as a new table: one walk over the matching compressed axis. */
static lm_table_t *subset(const lm_table_t *t, const unsigned char *keep, int by_sample,
                          lm_err_t *err)
{
    size_t n = by_sample ? t->ns : t->nf;
    const uint64_t *ptr = by_sample ? t->sptr : t->fptr;
    const uint32_t *idx = by_sample ? t->sidx : t->fidx;
    const uint64_t *val = by_sample ? t->sval : t->fval;
    char *const *id = by_sample ? t->sid : t->fid;
    size_t nk = 0, nt = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i]) {
            nk++;
            nt += ptr[i + 1] - ptr[i];
        }
    const char **ids = malloc((nk ? nk : 1) * sizeof(*ids));
    lm_triplet_t *trip = malloc((nt ? nt : 1) * sizeof(*trip));
    lm_table_t *out = NULL;
    if (!ids || !trip) {
        lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        size_t r = 0, k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!keep[i]) continue;
            ids[r] = id[i];
            for (uint64_t p = ptr[i]; p < ptr[i + 1]; p++)
                trip[k++] = by_sample ? (lm_triplet_t){idx[p], (uint32_t)r, val[p]}
                                      : (lm_triplet_t){(uint32_t)r, idx[p], val[p]};
            r++;
        }
        out = by_sample
                  ? lm_table_create(t->nf, (const char *const *)t->fid, nk, ids, trip, nt, err)
                  : lm_table_create(nk, ids, t->ns, (const char *const *)t->sid, trip, nt, err);
    }
    free(ids);
    free(trip);
    return out;
}

lm_table_t *lm_table_subset_features(const lm_table_t *t, const unsigned char *keep, lm_err_t *err)
{
    return subset(t, keep, 0, err);
}

lm_table_t *lm_table_subset_samples(const lm_table_t *t, const unsigned char *keep, lm_err_t *err)
{
    return subset(t, keep, 1, err);
}
