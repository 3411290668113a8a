/* SPDX-License-Identifier: MIT */
/* A shortcut to a query's first k-mer candidate without counting its k-mers against every
 * database sequence, with a proof that it is the first.
 *
 * For each database sequence z the index keeps its K nearest others by shared distinct
 * k-mers (M[z][c]) and a bound on the rest. A query q that shares its first or last
 * ANCHOR bases with z has, for any other c,
 *     shared(q, c) <= M[z][c] + |q \ z|      (the k-mers of q not in z)
 * while shared(q, z) = |q| - |q \ z| exactly. The near neighbours whose bound reaches
 * shared(q, z) are counted exactly; if z then comes strictly before every other sequence
 * in vsearch's candidate order (more shared k-mers, then shorter, then earlier), z is the
 * first candidate of the full ranking, and the search may align it first without ranking
 * the rest: when it accepts, the outcome is the full search's. */
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

enum { ANCHOR = DN_ANCHOR, K = 64, HOPS = 4 };

#define NKMERS (1u << (2 * DN_WORDLEN))

typedef struct nbrs {
    uint32_t id[K];
    uint16_t cnt[K];
    uint16_t n;
    uint16_t rest; /* every other sequence shares at most this many k-mers */
} nbrs_t;

struct dn_near {
    size_t n, cap;
    const char **seq;
    uint32_t *len;
    const uint32_t **k;
    uint32_t *nk;
    nbrs_t *nb;
    /* anchors: off 0 the first ANCHOR bases, 1 the last ones; slots hold seqno + 1 */
    size_t amask;
    uint32_t *slot[2];
    uint16_t *cnt; /* scratch counts for dn_near_add */
};

dn_near_t *dn_near_create(void)
{
    return calloc(1, sizeof(dn_near_t));
}

void dn_near_destroy(dn_near_t *nr)
{
    if (!nr) return;
    free(nr->seq);
    free(nr->len);
    free(nr->k);
    free(nr->nk);
    free(nr->nb);
    free(nr->slot[0]);
    free(nr->slot[1]);
    free(nr->cnt);
    free(nr);
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static const char *anchor(const char *s, size_t len, int off)
{
    return off ? s + len - ANCHOR : s;
}

/* Put z in table off (the first sequence with a given anchor keeps the slot). */
static void anchor_put(dn_near_t *nr, uint32_t *slot, size_t z, int off)
{
    if (nr->len[z] < 2 * ANCHOR) return;
    const char *k = anchor(nr->seq[z], nr->len[z], off);
    size_t h = (size_t)hash(k, ANCHOR) & nr->amask;
    while (slot[h]) {
        size_t y = slot[h] - 1;
        if (memcmp(anchor(nr->seq[y], nr->len[y], off), k, ANCHOR) == 0) return;
        h = (h + 1) & nr->amask;
    }
    slot[h] = (uint32_t)z + 1;
}

static int anchors_grow(dn_near_t *nr)
{
    size_t cap = nr->amask ? nr->amask + 1 : 64;
    if (4 * nr->n <= cap && nr->slot[0]) return 0;
    while (4 * nr->n > cap) cap *= 2;
    for (int off = 0; off < 2; off++) {
        uint32_t *s = calloc(cap, sizeof(*s));
        if (!s) return LM_ENOMEM;
        free(nr->slot[off]);
        nr->slot[off] = s;
    }
    nr->amask = cap - 1;
    for (int off = 0; off < 2; off++)
        for (size_t z = 0; z + 1 < nr->n; z++) anchor_put(nr, nr->slot[off], z, off);
    return 0;
}

int64_t dn_near_find(const dn_near_t *nr, const char *q, size_t ql, int off)
{
    if (!nr->n || ql < 2 * ANCHOR) return -1;
    const char *k = anchor(q, ql, off);
    const uint32_t *slot = nr->slot[off];
    size_t h = (size_t)hash(k, ANCHOR) & nr->amask;
    while (slot[h]) {
        size_t y = slot[h] - 1;
        if (memcmp(anchor(nr->seq[y], nr->len[y], off), k, ANCHOR) == 0) return (int64_t)y;
        h = (h + 1) & nr->amask;
    }
    return -1;
}

/* Offer c (sharing cnt k-mers) to z's nearest list. */
static void offer(nbrs_t *b, uint32_t c, uint16_t cnt)
{
    if (b->n == K && cnt <= b->cnt[K - 1]) {
        if (cnt > b->rest) b->rest = cnt;
        return;
    }
    if (b->n == K) {
        if (b->cnt[K - 1] > b->rest) b->rest = b->cnt[K - 1];
    } else
        b->n++;
    int pos = b->n - 1;
    while (pos > 0 && b->cnt[pos - 1] < cnt)
        b->cnt[pos] = b->cnt[pos - 1], b->id[pos] = b->id[pos - 1], pos--;
    b->cnt[pos] = cnt, b->id[pos] = c;
}

int dn_near_add(dn_near_t *nr, const dn_index_t *ix, const uint16_t *row, const char *seq,
                uint32_t len, const uint32_t *k, size_t nk)
{
    if (nr->n == nr->cap) {
        size_t c = nr->cap ? 2 * nr->cap : 256;
        const char **s = realloc(nr->seq, c * sizeof(*s));
        if (!s) return LM_ENOMEM;
        nr->seq = s;
        uint32_t *l = realloc(nr->len, c * sizeof(*l));
        if (!l) return LM_ENOMEM;
        nr->len = l;
        const uint32_t **kk = realloc(nr->k, c * sizeof(*kk));
        if (!kk) return LM_ENOMEM;
        nr->k = kk;
        uint32_t *n = realloc(nr->nk, c * sizeof(*n));
        if (!n) return LM_ENOMEM;
        nr->nk = n;
        nbrs_t *b = realloc(nr->nb, c * sizeof(*b));
        if (!b) return LM_ENOMEM;
        nr->nb = b;
        uint16_t *cnt = realloc(nr->cnt, c * sizeof(*cnt));
        if (!cnt) return LM_ENOMEM;
        memset(cnt + nr->cap, 0, (c - nr->cap) * sizeof(*cnt));
        nr->cnt = cnt;
        nr->cap = c;
    }
    size_t c = nr->n++;
    nr->seq[c] = seq, nr->len[c] = len, nr->k[c] = k, nr->nk[c] = (uint32_t)nk;
    memset(&nr->nb[c], 0, sizeof(nr->nb[c]));
    /* shared k-mers with every earlier sequence (the index holds exactly those) */
    if (!row) dn_count(nr->cnt, ix, k, nk, 1);
    for (size_t z = 0; z < c; z++) {
        uint16_t x = row ? row[z] : nr->cnt[z];
        if (!x) continue;
        nr->cnt[z] = 0;
        offer(&nr->nb[z], (uint32_t)c, x);
        offer(&nr->nb[c], (uint32_t)z, x);
    }
    if (anchors_grow(nr)) return LM_ENOMEM;
    for (int off = 0; off < 2; off++) anchor_put(nr, nr->slot[off], c, off);
    return 0;
}

static _Thread_local uint64_t qbits[NKMERS / 64];

static size_t count_in_q(const uint32_t *k, size_t nk)
{
    size_t s = 0;
    for (size_t i = 0; i < nk; i++) s += qbits[k[i] >> 6] >> (k[i] & 63) & 1;
    return s;
}

/* z's proof for query q (its k-mers set in qbits): z's candidate entry, or count 0 and
 * in *better a neighbour that comes before z (or -1). */
static dn_cand_t prove(const dn_near_t *nr, size_t z, size_t nq, int64_t *better)
{
    *better = -1;
    dn_cand_t none = {0, 0, 0};
    uint32_t minm = nq < DN_MINWORDMATCHES ? (uint32_t)nq : DN_MINWORDMATCHES;
    if (minm == 0) minm = 1;
    size_t sz = count_in_q(nr->k[z], nr->nk[z]); /* shared(q, z) */
    size_t qo = nq - sz;                         /* |q \ z| */
    if (sz < minm) return none;
    const nbrs_t *b = &nr->nb[z];
    if (b->rest + qo >= sz) return none;
    dn_cand_t cz = {(uint32_t)z, (uint32_t)sz, nr->len[z]};
    for (int i = 0; i < b->n && b->cnt[i] + qo >= sz; i++) {
        uint32_t c = b->id[i];
        dn_cand_t x = {c, (uint32_t)count_in_q(nr->k[c], nr->nk[c]), nr->len[c]};
        if (!dn_cand_before(&cz, &x)) {
            *better = c;
            return none;
        }
    }
    return cz;
}

int dn_near_first(const dn_near_t *nr, const char *q, size_t ql, const uint32_t *qk, size_t nq,
                  dn_cand_t *out)
{
    int64_t z0 = dn_near_find(nr, q, ql, 0), z1 = dn_near_find(nr, q, ql, 1);
    if (z0 < 0 && z1 < 0) return 0;
    for (size_t i = 0; i < nq; i++) qbits[qk[i] >> 6] |= 1ull << (qk[i] & 63);
    dn_cand_t c = {0, 0, 0};
    /* from either end's sequence; a neighbour found to come first is tried in its turn */
    for (int e = 0; e < 2 && !c.count; e++) {
        int64_t z = e ? (z1 != z0 ? z1 : -1) : z0;
        for (int hop = 0; z >= 0 && hop < HOPS && !c.count; hop++) c = prove(nr, (size_t)z, nq, &z);
    }
    for (size_t i = 0; i < nq; i++) qbits[qk[i] >> 6] = 0;
    if (!c.count) return 0;
    *out = c;
    return 1;
}
