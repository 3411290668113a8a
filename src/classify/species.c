/* SPDX-License-Identifier: MIT */
/* Species by sequence match (classify.h states the rule, DADA2's addSpecies).
 *
 * Finding the hits: every 16-mer of A, C, G, T of every species reference is filed in a
 * hash table by its code, with its reference and position. A hit holds the whole query,
 * so any 16-mer window of the query that is free of substitutions sits at a filed
 * position. For exact matches one window suffices: the query's window whose bucket is the
 * smallest. With one substitution allowed, the query is cut in two halves; one of them
 * is exact, so the smallest-bucket window of each half finds every hit. Each candidate
 * (a reference and a start) is then compared base by base, so hash collisions and
 * windows filed at other places cost time, never a wrong hit. Queries shorter than two
 * windows (32 bases, with one substitution) are compared with every reference. */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "lumen/seqio.h"

#define SP_K 16

struct lm_cls_species {
    uint32_t bits;  /* the table has 2^bits buckets */
    uint32_t *head; /* 2^bits + 1 offsets into ref/pos */
    uint32_t *ref, *pos;
};

static inline uint32_t bucket(uint32_t code, uint32_t bits)
{
    return (uint32_t)((code * 0x9E3779B1u) >> (32 - bits));
}

static inline int base2(char c)
{
    switch (c) {
    case 'A':
        return 0;
    case 'C':
        return 1;
    case 'G':
        return 2;
    case 'T':
        return 3;
    }
    return -1;
}

/* The 16-mers of A, C, G, T of s[0..len) in order: win_next() gives each one's start and
 * code, 0 at the end. */
typedef struct win {
    const char *s;
    size_t len, i;
    uint32_t code;
    int run;
} win_t;

static inline int win_next(win_t *w, size_t *start, uint32_t *code)
{
    while (w->i < w->len) {
        int b = base2(w->s[w->i++]);
        if (b < 0) {
            w->run = 0;
            continue;
        }
        w->code = (w->code << 2) | (uint32_t)b;
        if (++w->run >= SP_K) {
            *start = w->i - SP_K;
            *code = w->code;
            return 1;
        }
    }
    return 0;
}

lm_cls_species_t *lm_cls_species_create(const lm_kidx_t *idx, lm_err_t *err)
{
    lm_cls_species_t *sp = calloc(1, sizeof(*sp));
    if (!sp) goto oom;
    const uint32_t n = lm_kidx_n_species_refs(idx);
    uint64_t npos = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t len;
        lm_kidx_species_seq(idx, r, &len);
        if (len >= SP_K) npos += len - SP_K + 1;
    }
    if (npos >= UINT32_MAX) {
        lm_cls_species_destroy(sp);
        lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "species references too long to index");
        return NULL;
    }
    sp->bits = 10;
    while (sp->bits < 28 && ((uint64_t)1 << sp->bits) < npos) sp->bits++;
    const size_t nb = (size_t)1 << sp->bits;
    sp->head = calloc(nb + 1, sizeof(uint32_t));
    sp->ref = malloc((npos + 1) * sizeof(uint32_t));
    sp->pos = malloc((npos + 1) * sizeof(uint32_t));
    if (!sp->head || !sp->ref || !sp->pos) goto oom;
    for (uint32_t r = 0; r < n; r++) { /* count, then fill (CSR) */
        uint32_t len;
        const char *s = lm_kidx_species_seq(idx, r, &len);
        win_t w = {s, len, 0, 0, 0};
        size_t at;
        uint32_t code;
        while (win_next(&w, &at, &code)) sp->head[bucket(code, sp->bits) + 1]++;
    }
    for (size_t b = 0; b < nb; b++) sp->head[b + 1] += sp->head[b];
    uint32_t *fill = malloc(nb * sizeof(uint32_t));
    if (!fill) goto oom;
    memcpy(fill, sp->head, nb * sizeof(uint32_t));
    for (uint32_t r = 0; r < n; r++) {
        uint32_t len;
        const char *s = lm_kidx_species_seq(idx, r, &len);
        win_t w = {s, len, 0, 0, 0};
        size_t at;
        uint32_t code;
        while (win_next(&w, &at, &code)) {
            uint32_t k = fill[bucket(code, sp->bits)]++;
            sp->ref[k] = r;
            sp->pos[k] = (uint32_t)at;
        }
    }
    free(fill);
    return sp;
oom:
    lm_cls_species_destroy(sp);
    lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory for the species table");
    return NULL;
}

void lm_cls_species_destroy(lm_cls_species_t *sp)
{
    if (!sp) return;
    free(sp->head);
    free(sp->ref);
    free(sp->pos);
    free(sp);
}

/* The hits so far: the least distance, its first reference, and whether the hits at that
 * distance disagree on species or genus. */
typedef struct hits {
    int best;
    uint32_t first;
    int mixed;
} hits_t;

/* Compare q[0..len) with reference r from start; note a hit within mm substitutions. */
static void try_hit(const lm_kidx_t *idx, uint32_t r, int64_t start, const char *q, size_t len,
                    int mm, hits_t *h)
{
    uint32_t rl;
    const char *s = lm_kidx_species_seq(idx, r, &rl);
    if (start < 0 || (uint64_t)start + len > rl) return;
    s += start;
    int d = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != q[i] && ++d > mm) return;
    if (d > h->best) return;
    if (d < h->best) {
        *h = (hits_t){d, r, 0};
        return;
    }
    if (r == h->first || h->mixed) return;
    const char *a = lm_kidx_species_name(idx, r), *b = lm_kidx_species_name(idx, h->first);
    if ((a != b && strcmp(a, b) != 0) ||
        lm_kidx_leaf_path(idx, lm_kidx_species_leaf(idx, r), LM_RANK_GENUS) !=
            lm_kidx_leaf_path(idx, lm_kidx_species_leaf(idx, h->first), LM_RANK_GENUS))
        h->mixed = 1;
}

/* The window of q[lo..hi) with the smallest bucket: its start in q and its code. */
static int rarest_window(const lm_cls_species_t *sp, const char *q, size_t lo, size_t hi,
                         size_t *at, uint32_t *code)
{
    uint32_t best = UINT32_MAX;
    win_t w = {q + lo, hi - lo, 0, 0, 0};
    size_t st;
    uint32_t c;
    while (win_next(&w, &st, &c)) {
        const uint32_t b = bucket(c, sp->bits), sz = sp->head[b + 1] - sp->head[b];
        if (sz < best) {
            best = sz;
            *at = lo + st;
            *code = c;
        }
    }
    return best != UINT32_MAX;
}

static void seed_hits(const lm_cls_species_t *sp, const lm_kidx_t *idx, const char *q, size_t len,
                      size_t lo, size_t hi, int mm, hits_t *h)
{
    size_t at;
    uint32_t code;
    if (!rarest_window(sp, q, lo, hi, &at, &code)) return;
    const uint32_t b = bucket(code, sp->bits);
    for (uint32_t k = sp->head[b]; k < sp->head[b + 1]; k++)
        try_hit(idx, sp->ref[k], (int64_t)sp->pos[k] - (int64_t)at, q, len, mm, h);
}

int lm_cls_species_assign(const lm_cls_species_t *sp, const lm_kidx_t *idx, int mismatches,
                          const char *seq, size_t len, lm_cls_result_t *res)
{
    res->species = UINT32_MAX;
    const uint32_t genus = res->taxon[LM_RANK_GENUS];
    if (res->leaf == UINT32_MAX || genus == UINT32_MAX || res->depth <= LM_RANK_GENUS ||
        len < SP_K || lm_kidx_n_species_refs(idx) == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (base2(seq[i]) < 0) return 0;
    char *rc = NULL;
    if (res->reverse) {
        if (!(rc = malloc(len + 1))) return LM_ENOMEM; /* lm_revcomp ends it with a NUL */
        lm_revcomp(seq, len, rc);
        seq = rc;
    }
    const int mm = mismatches > 0 ? 1 : 0;
    hits_t h = {mm + 1, UINT32_MAX, 0};
    if (mm == 0) {
        seed_hits(sp, idx, seq, len, 0, len, 0, &h);
    } else if (len >= 2 * SP_K) {
        seed_hits(sp, idx, seq, len, 0, len / 2, mm, &h);
        seed_hits(sp, idx, seq, len, len / 2, len, mm, &h);
    } else {
        for (uint32_t r = 0; r < lm_kidx_n_species_refs(idx); r++) {
            uint32_t rl;
            lm_kidx_species_seq(idx, r, &rl);
            for (int64_t st = 0; st + (int64_t)len <= (int64_t)rl; st++)
                try_hit(idx, r, st, seq, len, mm, &h);
        }
    }
    free(rc);
    if (h.first != UINT32_MAX && !h.mixed &&
        lm_kidx_leaf_path(idx, lm_kidx_species_leaf(idx, h.first), LM_RANK_GENUS) == genus)
        res->species = h.first;
    return 0;
}
