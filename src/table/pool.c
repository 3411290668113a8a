/* SPDX-License-Identifier: MIT */
/* Pooling per-sample uniques (">MD5;size=N") into one feature table. Samples are read in
 * parallel into per-sample slots, POOL_CHUNK at a time, and each chunk is merged in sample
 * order before the next is read, so the result and the error reported (the first in
 * sample order: a chunk's read errors, then its merge errors) do not depend on the thread
 * count, and memory holds the pooled features plus one chunk of samples, not every
 * sample's uniques at once (the full trial: 216,405 features against 1.4 M sample
 * uniques). */
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>

#include "lumen/seqio.h"
#include "table_internal.h"

KHASH_MAP_INIT_STR(pool_md5, uint32_t)

/* Samples read in parallel before they are merged: fixed, never derived from the threads. */
enum { POOL_CHUNK = 16 };

typedef struct uniq {
    char md5[33];
    uint64_t size;
    uint64_t line; /* of the header, for errors found while merging */
    char *seq;
} uniq_t;

typedef struct sample_slot {
    uniq_t *u;
    size_t n, cap;
    int rc;
    lm_err_t err;
} sample_slot_t;

void lm_table_pool_opt_init(lm_table_pool_opt_t *opt)
{
    opt->min_total = 1;
    opt->min_samples = 1;
    opt->threads = 1;
}

int lm_table_pool_opt_check(const lm_table_pool_opt_t *opt, lm_err_t *err)
{
    if (opt->threads < 1) return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "threads must be >= 1");
    return 0;
}

/* "MD5;size=N" or "MD5;size=N;": 32 lower-case hex digits, then a positive size. */
static int parse_name(const char *name, char md5[33], uint64_t *size)
{
    const char *semi = strchr(name, ';');
    if (!semi || semi - name != 32) return -1;
    for (int i = 0; i < 32; i++) {
        char c = name[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return -1;
        md5[i] = c;
    }
    md5[32] = 0;
    if (strncmp(semi, ";size=", 6) != 0) return -1;
    const char *p = semi + 6;
    uint64_t v = 0;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (*p == ';') p++;
    if (*p || !v) return -1;
    *size = v;
    return 0;
}

static int read_sample(const char *path, sample_slot_t *s)
{
    lm_err_t *err = &s->err;
    lm_fq_reader_t *r = lm_fq_open(path, NULL, err);
    if (!r) return err->code;
    lm_seqrec_t rec = {0};
    int got, rc = 0;
    while ((got = lm_fq_read(r, &rec, err)) == 0) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 256;
            uniq_t *u = realloc(s->u, cap * sizeof(*u));
            if (!u) {
                rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
                break;
            }
            s->u = u;
            s->cap = cap;
        }
        uniq_t *u = &s->u[s->n];
        char hex[33];
        if (parse_name(rec.name.s, u->md5, &u->size)) {
            rc = lm_err_set(err, LM_EFORMAT, path, rec.line, rec.index + 1,
                            "header '%s' is not 'MD5;size=N'", rec.name.s);
            break;
        }
        if (lm_md5_hex(rec.seq.s, rec.seq.l, hex)) {
            rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        if (strcmp(hex, u->md5) != 0) {
            rc = lm_err_set(err, LM_EFORMAT, path, rec.line, rec.index + 1,
                            "ID %s is not the MD5 of the sequence (%s)", u->md5, hex);
            break;
        }
        u->line = rec.line;
        if (!(u->seq = strdup(rec.seq.s))) {
            rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        s->n++;
    }
    if (!rc && got < LM_EOF) rc = got;
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    return rc;
}

typedef struct feat {
    char *md5, *seq;
    uint64_t total, samples;
    size_t last; /* 1 + the last sample it was seen in */
} feat_t;

static int cmp_feat(const void *a, const void *b)
{
    const feat_t *x = a, *y = b;
    if (x->total != y->total) return x->total > y->total ? -1 : 1;
    return strcmp(x->md5, y->md5);
}

/* Merge sample j (its slot s) into the pooled features: a new MD5 becomes a feature that
 * takes over the slot's sequence; its key is its own copy of the MD5. */
static int merge_sample(khash_t(pool_md5) * h, feat_t **f, size_t *nf, size_t *fcap,
                        lm_triplet_t **trip, size_t *nt, size_t *tcap, sample_slot_t *s, size_t j,
                        const char *path, lm_err_t *err)
{
    if (*nt + s->n > *tcap) {
        size_t cap = *tcap ? *tcap : 4096;
        while (cap < *nt + s->n) cap *= 2;
        lm_triplet_t *g = realloc(*trip, cap * sizeof(*g));
        if (!g) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        *trip = g;
        *tcap = cap;
    }
    for (size_t k = 0; k < s->n; k++) {
        uniq_t *u = &s->u[k];
        khint_t it = kh_get(pool_md5, h, u->md5);
        if (it == kh_end(h)) {
            if (*nf == *fcap) {
                size_t cap = *fcap ? 2 * *fcap : 1024;
                feat_t *g = realloc(*f, cap * sizeof(*g));
                if (!g) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
                *f = g;
                *fcap = cap;
            }
            char *key = strdup(u->md5);
            int ret;
            if (key) it = kh_put(pool_md5, h, key, &ret);
            if (!key || ret < 0) {
                free(key);
                return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            }
            (*f)[*nf] = (feat_t){key, u->seq, 0, 0, 0};
            u->seq = NULL; /* the feature's now */
            kh_val(h, it) = (uint32_t)(*nf)++;
        }
        feat_t *x = &(*f)[kh_val(h, it)];
        if (x->last == j + 1)
            return lm_err_set(err, LM_EFORMAT, path, u->line, 0, "%s appears twice in one sample",
                              u->md5);
        x->last = j + 1;
        x->total += u->size;
        x->samples++;
        (*trip)[(*nt)++] = (lm_triplet_t){kh_val(h, it), (uint32_t)j, u->size};
    }
    return 0;
}

static void slot_clear(sample_slot_t *s)
{
    for (size_t k = 0; k < s->n; k++) free(s->u[k].seq);
    free(s->u);
    memset(s, 0, sizeof(*s));
}

lm_table_t *lm_table_pool(size_t n_samples, const char *const *paths, const char *const *sample_ids,
                          const lm_table_pool_opt_t *opt, char ***seqs, lm_err_t *err)
{
    sample_slot_t *slot = calloc(POOL_CHUNK, sizeof(*slot));
    lm_table_t *t = NULL;
    khash_t(pool_md5) *h = kh_init(pool_md5);
    feat_t *f = NULL;
    size_t nf = 0, fcap = 0, nt = 0, tcap = 0;
    lm_triplet_t *trip = NULL;
    uint32_t *order = NULL;
    const char **ids = NULL;
    int rc = h && slot ? 0 : lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    /* Merge in sample order; feature numbers are provisional until sorted. */
    for (size_t j0 = 0; !rc && j0 < n_samples; j0 += POOL_CHUNK) {
        long nj = (long)(n_samples - j0 < POOL_CHUNK ? n_samples - j0 : POOL_CHUNK);
#pragma omp parallel for num_threads(opt->threads) schedule(dynamic, 1)
        for (long c = 0; c < nj; c++) slot[c].rc = read_sample(paths[j0 + (size_t)c], &slot[c]);
        for (long c = 0; !rc && c < nj; c++)
            if (slot[c].rc) rc = slot[c].rc, lm_err_copy(err, &slot[c].err);
        for (long c = 0; !rc && c < nj; c++)
            rc = merge_sample(h, &f, &nf, &fcap, &trip, &nt, &tcap, &slot[c], j0 + (size_t)c,
                              paths[j0 + (size_t)c], err);
        for (long c = 0; c < nj; c++) slot_clear(&slot[c]);
    }
    if (!rc && !trip && !(trip = malloc(sizeof(*trip)))) /* no sample had a unique */
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!rc) {
        /* order[old] = new index after sorting and filtering (UINT32_MAX: filtered out). */
        feat_t *sorted = malloc((nf ? nf : 1) * sizeof(*sorted));
        order = malloc((nf ? nf : 1) * sizeof(*order));
        ids = malloc((nf ? nf : 1) * sizeof(*ids));
        if (!sorted || !order || !ids) {
            free(sorted);
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        } else {
            if (nf) memcpy(sorted, f, nf * sizeof(*sorted)); /* f is NULL for empty samples */
            qsort(sorted, nf, sizeof(*sorted), cmp_feat);
            size_t kept = 0;
            for (size_t i = 0; i < nf; i++) order[i] = UINT32_MAX;
            for (size_t i = 0; i < nf; i++) {
                if (sorted[i].total < opt->min_total || sorted[i].samples < opt->min_samples)
                    continue;
                order[kh_val(h, kh_get(pool_md5, h, sorted[i].md5))] = (uint32_t)kept;
                ids[kept++] = sorted[i].md5;
            }
            size_t m = 0;
            for (size_t k = 0; k < nt; k++)
                if (order[trip[k].feature] != UINT32_MAX) {
                    trip[m] = trip[k];
                    trip[m++].feature = order[trip[k].feature];
                }
            t = lm_table_create(kept, ids, n_samples, sample_ids, trip, m, err);
            if (t && seqs) {
                *seqs = calloc(kept ? kept : 1, sizeof(char *));
                for (size_t i = 0, r = 0; *seqs && i < nf; i++)
                    if (order[kh_val(h, kh_get(pool_md5, h, sorted[i].md5))] != UINT32_MAX)
                        if (!((*seqs)[r++] = strdup(sorted[i].seq))) break;
                int bad = !*seqs;
                for (size_t i = 0; !bad && i < kept; i++) bad = !(*seqs)[i];
                if (bad) {
                    for (size_t i = 0; *seqs && i < kept; i++) free((*seqs)[i]);
                    free(*seqs);
                    *seqs = NULL;
                    lm_table_destroy(t);
                    t = NULL;
                    lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
                }
            }
            free(sorted);
        }
    }
    free(slot);
    for (size_t i = 0; i < nf; i++) {
        free(f[i].md5);
        free(f[i].seq);
    }
    free(f);
    free(trip);
    free(order);
    free(ids);
    kh_destroy(pool_md5, h);
    return t;
}
