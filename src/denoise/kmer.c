/* SPDX-License-Identifier: MIT */
/* vsearch's k-mer prefilter: distinct 8-mers of the query, counted in each database
 * sequence through an index of postings, and candidates ranked as vsearch's minheap
 * (more shared k-mers, then shorter, then earlier in the database). */
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

#define NKMERS (1u << (2 * DN_WORDLEN))

static int base2(char c)
{
    switch (c) {
    case 'A':
    case 'a':
        return 0;
    case 'C':
    case 'c':
        return 1;
    case 'G':
    case 'g':
        return 2;
    case 'T':
    case 't':
    case 'U':
    case 'u':
        return 3;
    default:
        return -1;
    }
}

/* The k-mers seen in the current sequence, one bit each (cleared after use). */
static _Thread_local uint64_t seen[NKMERS / 64];

size_t dn_kmers(const char *s, size_t len, uint32_t **kmers, size_t *cap)
{
    if (len < DN_WORDLEN) return 0;
    if (*cap < len) {
        uint32_t *k = realloc(*kmers, len * sizeof(*k));
        if (!k) return 0;
        *kmers = k, *cap = len;
    }
    uint32_t *k = *kmers, w = 0, mask = NKMERS - 1;
    size_t n = 0, run = 0;
    for (size_t i = 0; i < len; i++) {
        int b = base2(s[i]);
        if (b < 0) {
            run = 0;
            continue;
        }
        w = ((w << 2) | (uint32_t)b) & mask;
        if (++run >= DN_WORDLEN && !(seen[w >> 6] >> (w & 63) & 1)) {
            seen[w >> 6] |= 1ull << (w & 63);
            k[n++] = w;
        }
    }
    for (size_t i = 0; i < n; i++) seen[k[i] >> 6] = 0;
    return n;
}

static _Thread_local uint64_t seen2[NKMERS / 64];

void dn_kmer_diff(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *a_only,
                  size_t *n_a_only, uint32_t *b_only, size_t *n_b_only)
{
    for (size_t i = 0; i < na; i++) seen[a[i] >> 6] |= 1ull << (a[i] & 63);
    for (size_t j = 0; j < nb; j++) seen2[b[j] >> 6] |= 1ull << (b[j] & 63);
    size_t x = 0, y = 0;
    for (size_t i = 0; i < na; i++)
        if (!(seen2[a[i] >> 6] >> (a[i] & 63) & 1)) a_only[x++] = a[i];
    for (size_t j = 0; j < nb; j++)
        if (!(seen[b[j] >> 6] >> (b[j] & 63) & 1)) b_only[y++] = b[j];
    for (size_t i = 0; i < na; i++) seen[a[i] >> 6] = 0;
    for (size_t j = 0; j < nb; j++) seen2[b[j] >> 6] = 0;
    *n_a_only = x, *n_b_only = y;
}

size_t dn_shared(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    for (size_t i = 0; i < na; i++) seen[a[i] >> 6] |= 1ull << (a[i] & 63);
    size_t s = 0;
    for (size_t j = 0; j < nb; j++) s += seen[b[j] >> 6] >> (b[j] & 63) & 1;
    for (size_t i = 0; i < na; i++) seen[a[i] >> 6] = 0;
    return s;
}

struct dn_index {
    uint32_t *post[NKMERS];
    uint32_t n[NKMERS], cap[NKMERS];
};

dn_index_t *dn_index_create(void)
{
    return calloc(1, sizeof(dn_index_t));
}

void dn_index_destroy(dn_index_t *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < NKMERS; i++) free(ix->post[i]);
    free(ix);
}

int dn_index_add(dn_index_t *ix, uint32_t seqno, const uint32_t *kmers, size_t nk)
{
    for (size_t i = 0; i < nk; i++) {
        uint32_t k = kmers[i];
        if (ix->n[k] == ix->cap[k]) {
            uint32_t c = ix->cap[k] ? 2 * ix->cap[k] : 8;
            uint32_t *p = realloc(ix->post[k], c * sizeof(*p));
            if (!p) return LM_ENOMEM;
            ix->post[k] = p, ix->cap[k] = c;
        }
        ix->post[k][ix->n[k]++] = seqno;
    }
    return 0;
}

int dn_cand_before(const dn_cand_t *a, const dn_cand_t *b)
{
    if (a->count != b->count) return a->count > b->count;
    if (a->len != b->len) return a->len < b->len;
    return a->seqno < b->seqno;
}

void dn_ranker_free(dn_ranker_t *r)
{
    free(r->counts);
    memset(r, 0, sizeof(*r));
}

void dn_count(uint16_t *cnt, const dn_index_t *ix, const uint32_t *k, size_t nk, int delta)
{
    for (size_t i = 0; i < nk; i++) {
        const uint32_t *p = ix->post[k[i]];
        uint32_t n = ix->n[k[i]];
        for (uint32_t x = 0; x < n; x++) cnt[p[x]] = (uint16_t)(cnt[p[x]] + delta);
    }
}

size_t dn_select(uint16_t *cnt, size_t ndb, const uint32_t *lens, size_t nq, dn_cand_t *out,
                 size_t max)
{
    uint32_t minm = nq < DN_MINWORDMATCHES ? (uint32_t)nq : DN_MINWORDMATCHES;
    if (minm == 0) minm = 1;
    /* the smallest count that can still make the top list, from a histogram of counts
     * (a count never exceeds nq) */
    uint32_t thr = minm;
    uint32_t hist[1024];
    if (nq < 1024 && max > 0) {
        memset(hist, 0, (nq + 1) * sizeof(*hist));
        for (size_t s = 0; s < ndb; s++)
            if (cnt[s] >= minm) hist[cnt[s] <= nq ? cnt[s] : nq]++;
        size_t acc = 0;
        uint32_t t = (uint32_t)nq;
        while (t > minm && acc + hist[t] < max) acc += hist[t--];
        thr = t;
    }
    size_t m = 0;
    for (size_t s = 0; s < ndb; s++) {
        if (cnt[s] < thr) {
            cnt[s] = 0;
            continue;
        }
        dn_cand_t c = {(uint32_t)s, cnt[s], lens[s]};
        cnt[s] = 0;
        /* insertion into the sorted top list */
        if (m == max && !dn_cand_before(&c, &out[m - 1])) continue;
        size_t pos = m < max ? m++ : m - 1;
        while (pos > 0 && dn_cand_before(&c, &out[pos - 1])) out[pos] = out[pos - 1], pos--;
        out[pos] = c;
    }
    return m;
}

long dn_rank(dn_ranker_t *r, const dn_index_t *ix, size_t ndb, const uint32_t *lens,
             const uint32_t *qk, size_t nq, dn_cand_t *out, size_t max)
{
    if (ndb > r->cap) {
        uint16_t *c = realloc(r->counts, ndb * sizeof(*c));
        if (!c) return LM_ENOMEM;
        memset(c + r->cap, 0, (ndb - r->cap) * sizeof(*c));
        r->counts = c, r->cap = ndb;
    }
    /* the index holds only sequences below ndb (callers add them in order) */
    dn_count(r->counts, ix, qk, nq, 1);
    return (long)dn_select(r->counts, ndb, lens, nq, out, max);
}
