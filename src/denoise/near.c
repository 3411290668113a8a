/* SPDX-License-Identifier: MIT */
/* A shortcut to a query's first k-mer candidate without counting its k-mers against every
 * database sequence, with a proof that it is the first.
 *
 * For each database sequence z the index keeps its K nearest others by shared distinct
 * k-mers (M[z][c]) and a bound on the rest. For a query q and any z (guessed from a few
 * windows of the sequence that q shares with z) and any other c,
 *     shared(q, c) <= M[z][c] + |q \ z|      (the k-mers of q not in z)
 * while shared(q, z) = |q| - |q \ z| exactly. The near neighbours whose bound reaches
 * shared(q, z) are counted exactly; if z then comes strictly before every other sequence
 * in vsearch's candidate order (more shared k-mers, then shorter, then earlier), z is the
 * first candidate of the full ranking, and the search may align it first without ranking
 * the rest: when it accepts, the outcome is the full search's. */
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

/* K nearest kept per sequence; HOPS neighbours tried in turn; WIN windows of WLEN bases,
 * WSTEP apart, find the sequences a query probably comes from (a window shared by more
 * than BUCKETMAX sequences is not used). */
enum { K = 64, HOPS = 4, WIN = 8, WLEN = 24, WSTEP = 32, BUCKETMAX = 32, GUESSES = 2 };

typedef struct bucket {
    uint32_t *z;
    uint32_t n, cap;
} bucket_t;

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
    /* windows: hash key (0 = empty slot) -> the sequences with that window */
    size_t wmask, nwin;
    uint64_t *wkey;
    bucket_t *wb;
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
    for (size_t i = 0; nr->wkey && i <= nr->wmask; i++) free(nr->wb[i].z);
    free(nr->wkey);
    free(nr->wb);
    free(nr->cnt);
    free(nr);
}

static uint64_t hash(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h | 1; /* 0 marks an empty slot */
}

/* Window w's start in a sequence of length len, or -1 when it does not fit: the first
 * half counted from the start, the others from the end (so a length change near one
 * end leaves the other half in place). */
static long win_at(size_t len, int w)
{
    size_t off = (size_t)(w < WIN / 2 ? w : w - WIN / 2) * WSTEP;
    if (off + WLEN > len) return -1;
    return w < WIN / 2 ? (long)off : (long)(len - WLEN - off);
}

static uint64_t win_key(const char *s, size_t len, int w)
{
    long at = win_at(len, w);
    return at < 0
               ? 0
               : hash(s + at, WLEN, 1469598103934665603ull + (uint64_t)w * 0x9e3779b97f4a7c15ull);
}

/* The bucket of key, or of the empty slot where it goes. */
static size_t win_slot(const dn_near_t *nr, uint64_t key)
{
    size_t h = (size_t)(key ^ key >> 29) & nr->wmask;
    while (nr->wkey[h] && nr->wkey[h] != key) h = (h + 1) & nr->wmask;
    return h;
}

static int win_put(dn_near_t *nr, uint64_t key, uint32_t z)
{
    size_t h = win_slot(nr, key);
    if (!nr->wkey[h]) nr->wkey[h] = key, nr->nwin++;
    bucket_t *b = &nr->wb[h];
    if (b->n > BUCKETMAX) return 0; /* crowded: a window many sequences share */
    if (b->n == b->cap) {
        uint32_t c = b->cap ? 2 * b->cap : 2;
        uint32_t *x = realloc(b->z, c * sizeof(*x));
        if (!x) return LM_ENOMEM;
        b->z = x, b->cap = c;
    }
    b->z[b->n++] = z;
    return 0;
}

static int win_grow(dn_near_t *nr)
{
    size_t need = nr->nwin + WIN;
    if (nr->wkey && 2 * need <= nr->wmask + 1) return 0;
    size_t cap = nr->wmask ? 2 * (nr->wmask + 1) : 1024;
    while (2 * need > cap) cap *= 2;
    uint64_t *ok = nr->wkey;
    bucket_t *ob = nr->wb;
    size_t ocap = nr->wkey ? nr->wmask + 1 : 0;
    nr->wkey = calloc(cap, sizeof(*nr->wkey));
    nr->wb = calloc(cap, sizeof(*nr->wb));
    if (!nr->wkey || !nr->wb) {
        free(nr->wkey), free(nr->wb);
        nr->wkey = ok, nr->wb = ob;
        return LM_ENOMEM;
    }
    nr->wmask = cap - 1;
    for (size_t i = 0; i < ocap; i++)
        if (ok[i]) {
            size_t h = win_slot(nr, ok[i]);
            nr->wkey[h] = ok[i], nr->wb[h] = ob[i];
        }
    free(ok);
    free(ob);
    return 0;
}

/* Votes per sequence for dn_near_guess(), in an open-addressing table (keys: seqno + 1)
 * that is cleared through the list of used slots. */
enum { VSLOTS = 1024 };
_Static_assert(VSLOTS >= 2 * WIN * (BUCKETMAX + 1), "vote table too small");
static _Thread_local uint32_t vkey[VSLOTS];
static _Thread_local unsigned char vcnt[VSLOTS];

int dn_near_guess(const dn_near_t *nr, const char *q, size_t ql, int64_t *best, int max)
{
    uint16_t used[WIN * (BUCKETMAX + 1)];
    size_t nu = 0;
    for (int w = 0; w < WIN && nr->wkey; w++) {
        uint64_t k = win_key(q, ql, w);
        if (!k) continue;
        size_t h = win_slot(nr, k);
        const bucket_t *b = &nr->wb[h];
        if (!nr->wkey[h] || b->n > BUCKETMAX) continue;
        for (uint32_t i = 0; i < b->n; i++) {
            uint32_t z = b->z[i] + 1;
            size_t x = (z * 2654435761u) & (VSLOTS - 1);
            while (vkey[x] && vkey[x] != z) x = (x + 1) & (VSLOTS - 1);
            if (!vkey[x]) vkey[x] = z, vcnt[x] = 0, used[nu++] = (uint16_t)x;
            vcnt[x]++;
        }
    }
    /* the sequences with the most windows in common, earlier first among equals */
    int m = 0, votes[8];
    if (max > 8) max = 8;
    for (size_t u = 0; u < nu; u++) {
        size_t x = used[u];
        int c = vcnt[x];
        int64_t z = (int64_t)vkey[x] - 1;
        vkey[x] = 0;
        if (m == max && (c < votes[m - 1] || (c == votes[m - 1] && z > best[m - 1]))) continue;
        int pos = m < max ? m++ : m - 1;
        while (pos > 0 && (votes[pos - 1] < c || (votes[pos - 1] == c && best[pos - 1] > z)))
            votes[pos] = votes[pos - 1], best[pos] = best[pos - 1], pos--;
        votes[pos] = c, best[pos] = z;
    }
    return m;
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
    if (win_grow(nr)) return LM_ENOMEM;
    for (int w = 0; w < WIN; w++) {
        uint64_t key = win_key(seq, len, w);
        if (key && win_put(nr, key, (uint32_t)c)) return LM_ENOMEM;
    }
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
    int64_t g[GUESSES];
    int ng = dn_near_guess(nr, q, ql, g, GUESSES);
    if (!ng) return 0;
    for (size_t i = 0; i < nq; i++) qbits[qk[i] >> 6] |= 1ull << (qk[i] & 63);
    dn_cand_t c = {0, 0, 0};
    /* from each guess; a neighbour found to come first is tried in its turn */
    for (int e = 0; e < ng && !c.count; e++) {
        int64_t z = g[e];
        for (int hop = 0; z >= 0 && hop < HOPS && !c.count; hop++) c = prove(nr, (size_t)z, nq, &z);
    }
    for (size_t i = 0; i < nq; i++) qbits[qk[i] >> 6] = 0;
    if (!c.count) return 0;
    *out = c;
    return 1;
}
