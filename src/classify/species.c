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
 * windows filed at other places cost time, never a wrong hit.
 *
 * A large reference (SILVA: some 740 M bases, 6-7 GB at one entry per base) files only
 * the windows that start at a multiple of a stride S (lm_cls_species_create picks it so
 * that at most SP_MAX_FILED windows are filed). A hit still holds the query whole, so of
 * any S consecutive windows of the query's substitution-free part exactly one lands on a
 * filed start: the query looks up the S consecutive windows with the smallest buckets in
 * all, instead of one. Queries without S windows (S + 15 bases; in each half with one
 * substitution) are compared with every reference. The hits found, and so the output,
 * do not depend on S. */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "lumen/seqio.h"

#define SP_K 16
/* At most this many windows filed (~0.6 GB with the buckets): a stride above 1 only for
 * references of more than 64 M bases. */
#define SP_MAX_FILED ((uint64_t)1 << 26)

struct lm_cls_species {
    uint32_t bits;   /* the table has 2^bits buckets */
    uint32_t stride; /* windows filed at reference starts that are multiples of this */
    uint32_t *head;  /* 2^bits + 1 offsets into ref/pos */
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
    return lm_cls_species_create_stride(idx, 0, err);
}

lm_cls_species_t *lm_cls_species_create_stride(const lm_kidx_t *idx, uint32_t stride, lm_err_t *err)
{
    lm_cls_species_t *sp = calloc(1, sizeof(*sp));
    if (!sp) goto oom;
    const uint32_t n = lm_kidx_n_species_refs(idx);
    uint64_t nwin = 0; /* windows, at most; those with a byte other than A, C, G, T not filed */
    for (uint32_t r = 0; r < n; r++) {
        uint32_t len;
        lm_kidx_species_seq(idx, r, &len);
        if (len >= SP_K) nwin += len - SP_K + 1;
    }
    if (stride == 0)
        for (stride = 1; nwin / stride > SP_MAX_FILED; stride *= 2) {
        }
    sp->stride = stride;
    sp->bits = 10; /* about one bucket per filed window */
    while (sp->bits < 28 && ((uint64_t)1 << sp->bits) < nwin / stride) sp->bits++;
    const size_t nb = (size_t)1 << sp->bits;
    sp->head = calloc(nb + 1, sizeof(uint32_t));
    if (!sp->head) goto oom;
    uint64_t nfiled = 0;
    for (uint32_t r = 0; r < n; r++) { /* count, then fill (CSR) */
        uint32_t len;
        const char *s = lm_kidx_species_seq(idx, r, &len);
        win_t w = {s, len, 0, 0, 0};
        size_t at;
        uint32_t code;
        while (win_next(&w, &at, &code))
            if (at % stride == 0) {
                sp->head[bucket(code, sp->bits) + 1]++;
                nfiled++;
            }
    }
    if (nfiled >= UINT32_MAX) {
        lm_cls_species_destroy(sp);
        lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "species references too long to index");
        return NULL;
    }
    for (size_t b = 0; b < nb; b++) sp->head[b + 1] += sp->head[b];
    sp->ref = malloc((nfiled + 1) * sizeof(uint32_t));
    sp->pos = malloc((nfiled + 1) * sizeof(uint32_t));
    uint32_t *fill = malloc(nb * sizeof(uint32_t));
    if (!sp->ref || !sp->pos || !fill) {
        free(fill);
        goto oom;
    }
    memcpy(fill, sp->head, nb * sizeof(uint32_t));
    for (uint32_t r = 0; r < n; r++) {
        uint32_t len;
        const char *s = lm_kidx_species_seq(idx, r, &len);
        win_t w = {s, len, 0, 0, 0};
        size_t at;
        uint32_t code;
        while (win_next(&w, &at, &code)) {
            if (at % stride) continue;
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

uint32_t lm_cls_species_stride(const lm_cls_species_t *sp)
{
    return sp->stride;
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

/* Look up the S (the stride) consecutive windows of q[lo..hi) whose buckets hold the
 * fewest entries in all, and try every entry of theirs as a hit of q. q is all A, C, G, T
 * (checked by the caller), so its windows start at lo, lo + 1, ..., hi - SP_K; there must
 * be at least S of them (the caller's test). */
static int seed_hits(const lm_cls_species_t *sp, const lm_kidx_t *idx, const char *q, size_t len,
                     size_t lo, size_t hi, int mm, hits_t *h)
{
    const size_t nw = hi - lo - SP_K + 1, S = sp->stride;
    uint32_t small[512], *code = nw <= 512 ? small : malloc(nw * sizeof(*code));
    if (!code) return LM_ENOMEM;
    win_t w = {q + lo, hi - lo, 0, 0, 0};
    size_t st, i = 0, best_at = 0;
    uint32_t c;
    while (win_next(&w, &st, &c)) code[i++] = c;
    uint64_t sum = 0, best = UINT64_MAX;
    for (i = 0; i < nw; i++) { /* sliding sum of S bucket sizes, the first least kept */
        const uint32_t b = bucket(code[i], sp->bits);
        sum += sp->head[b + 1] - sp->head[b];
        if (i >= S) {
            const uint32_t o = bucket(code[i - S], sp->bits);
            sum -= sp->head[o + 1] - sp->head[o];
        }
        if (i + 1 >= S && sum < best) {
            best = sum;
            best_at = i + 1 - S;
        }
    }
    for (size_t j = best_at; j < best_at + S; j++) {
        const uint32_t b = bucket(code[j], sp->bits);
        for (uint32_t k = sp->head[b]; k < sp->head[b + 1]; k++)
            try_hit(idx, sp->ref[k], (int64_t)sp->pos[k] - (int64_t)(lo + j), q, len, mm, h);
    }
    if (code != small) free(code);
    return 0;
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
    const size_t need = SP_K - 1 + sp->stride; /* bases for S windows */
    int err = 0;
    if (mm == 0 && len >= need) {
        err = seed_hits(sp, idx, seq, len, 0, len, 0, &h);
    } else if (mm == 1 && len / 2 >= need) {
        if (!(err = seed_hits(sp, idx, seq, len, 0, len / 2, mm, &h)))
            err = seed_hits(sp, idx, seq, len, len / 2, len, mm, &h);
    } else {
        for (uint32_t r = 0; r < lm_kidx_n_species_refs(idx); r++) {
            uint32_t rl;
            lm_kidx_species_seq(idx, r, &rl);
            for (int64_t st = 0; st + (int64_t)len <= (int64_t)rl; st++)
                try_hit(idx, r, st, seq, len, mm, &h);
        }
    }
    free(rc);
    if (err) return err;
    if (h.first != UINT32_MAX && !h.mixed &&
        lm_kidx_leaf_path(idx, lm_kidx_species_leaf(idx, h.first), LM_RANK_GENUS) == genus)
        res->species = h.first;
    return 0;
}
