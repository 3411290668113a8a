/* SPDX-License-Identifier: MIT */
/* Exact dereplication: a hash of sequence -> count, written sorted by count, then bytes. */
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>

#include "lumen/derep.h"

KHASH_MAP_INIT_STR(seq, uint64_t)

struct lm_derep {
    khash_t(seq) * h;
    uint64_t total;
};

lm_derep_t *lm_derep_create(void)
{
    lm_derep_t *d = calloc(1, sizeof(*d));
    if (!d) return NULL;
    if (!(d->h = kh_init(seq))) {
        free(d);
        return NULL;
    }
    return d;
}

void lm_derep_destroy(lm_derep_t *d)
{
    if (!d) return;
    for (khiter_t k = kh_begin(d->h); k != kh_end(d->h); k++)
        if (kh_exist(d->h, k)) free((char *)kh_key(d->h, k));
    kh_destroy(seq, d->h);
    free(d);
}

/* Add a NUL-terminated sequence of length len; the table keeps its own copy of new keys. */
static int add_key(lm_derep_t *d, const char *key, size_t len, uint64_t count)
{
    int ret;
    khiter_t k = kh_put(seq, d->h, key, &ret);
    if (ret < 0) return LM_ENOMEM;
    if (ret > 0) {
        /* new entry: replace the borrowed key with an owned copy */
        char *copy = malloc(len + 1);
        if (!copy) {
            kh_del(seq, d->h, k);
            return LM_ENOMEM;
        }
        memcpy(copy, key, len + 1);
        kh_key(d->h, k) = copy;
        kh_val(d->h, k) = 0;
    }
    kh_val(d->h, k) += count;
    d->total += count;
    return 0;
}

int lm_derep_add(lm_derep_t *d, const char *seq, size_t len, uint64_t count)
{
    return add_key(d, seq, len, count);
}

int lm_derep_merge(lm_derep_t *dst, const lm_derep_t *src)
{
    for (khiter_t k = kh_begin(src->h); k != kh_end(src->h); k++) {
        if (!kh_exist(src->h, k)) continue;
        const char *s = kh_key(src->h, k);
        int rc = add_key(dst, s, strlen(s), kh_val(src->h, k));
        if (rc) return rc;
    }
    return 0;
}

size_t lm_derep_size(const lm_derep_t *d)
{
    return kh_size(d->h);
}

uint64_t lm_derep_total(const lm_derep_t *d)
{
    return d->total;
}

size_t lm_derep_singletons(const lm_derep_t *d)
{
    size_t n = 0;
    for (khiter_t k = kh_begin(d->h); k != kh_end(d->h); k++)
        if (kh_exist(d->h, k) && kh_val(d->h, k) == 1) n++;
    return n;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const lm_derep_entry_t *a = pa, *b = pb;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->seq, b->seq, n);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

int lm_derep_sorted(const lm_derep_t *d, lm_derep_entry_t **out, size_t *n)
{
    size_t m = kh_size(d->h), i = 0;
    lm_derep_entry_t *e = malloc((m ? m : 1) * sizeof(*e));
    if (!e) return LM_ENOMEM;
    for (khiter_t k = kh_begin(d->h); k != kh_end(d->h); k++) {
        if (!kh_exist(d->h, k)) continue;
        e[i].seq = kh_key(d->h, k);
        e[i].len = strlen(e[i].seq);
        e[i].count = kh_val(d->h, k);
        i++;
    }
    qsort(e, m, sizeof(*e), cmp_entry);
    *out = e;
    *n = m;
    return 0;
}

int lm_derep_write_fasta(const lm_derep_t *d, const char *path, lm_err_t *err)
{
    lm_derep_entry_t *e;
    size_t n;
    if (lm_derep_sorted(d, &e, &n)) return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    lm_seq_writer_t *w = lm_seqw_open(path, LM_FMT_FASTA, 1, err);
    if (!w) {
        free(e);
        return err->code;
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        char hex[33], name[64];
        if (lm_md5_hex(e[i].seq, e[i].len, hex)) {
            rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        snprintf(name, sizeof(name), "%s;size=%llu", hex, (unsigned long long)e[i].count);
        rc = lm_seqw_write(w, name, NULL, e[i].seq, e[i].len, NULL, err);
    }
    free(e);
    if (rc) {
        lm_seqw_abort(w);
        return rc;
    }
    return lm_seqw_commit(w, err);
}
