/* SPDX-License-Identifier: MIT */
/* Loading and validating the k-mer index. The file is read whole with one read; every
 * count, offset and index in it is checked before use, so a damaged file is refused and
 * never read out of bounds, even one whose checksum happens to match. */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "refdb_internal.h"

struct lm_kidx {
    unsigned char *img; /* the whole file; sections below point into it */
    size_t len;
    kidx_header_t h;
    const lm_kidx_taxon_t *taxa;
    const uint32_t *leaves; /* {taxon, n_refs} pairs */
    const char *names;
    const uint32_t *off;
    const lm_kidx_entry_t *ent;
    uint32_t n_sp;
    uint64_t sp_blob_len;
    const uint32_t *sp_rec; /* {leaf, name_off, seq_off, seq_len} */
    const char *sp_blob;

    uint64_t nr_mask;          /* the references section (near.c): its mask words */
    uint32_t nr_flags;         /* its head's flags (KIDX_NR_COPIES) */
    const uint32_t *nr_refw;   /* per reference: distinct words */
    const uint32_t *nr_copies; /* per reference: the identical records it stands for, or NULL */
    const uint64_t *nr_woff;   /* per leaf: its words start (n_leaves + 1) */
    const uint32_t *nr_words;  /* per leaf: its words, ascending */
    const uint64_t *nr_masks;  /* per leaf and word: the mask of its references */
    uint64_t *nr_moff;         /* per leaf: where its masks start (n_leaves + 1) */
    uint32_t *nr_first;        /* per leaf: its first reference (n_leaves + 1) */

    uint32_t *path;  /* n_leaves x LM_NRANKS taxa (UINT32_MAX for gaps) */
    double *lognorm; /* log(n_refs + 1) per leaf */
    float *absent;   /* per block */
    uint32_t nblk;
    /* Dense per-word block maxima (lm_kidx_word_bmax): row row_of[w] of bmax (stride
     * bstride floats), and the blocks' codes (lm_kidx_word_bcode: first entry and
     * runner-up; stride cstride); row 0 is the row of a word no leaf holds. */
    uint32_t *row_of;
    float *bmax;
    uint32_t *bcode;
    uint32_t *gbase; /* per row: its groups' starts (gstride; NULL for one group) */
    uint32_t *acode; /* per block: the runner-up code of a word none of its leaves holds */
    uint32_t bstride, cstride, gstride;
    int threads;    /* for building the tables above at load */
    float bmax_abs; /* the largest magnitude in bmax */
    float ent_abs;  /* the largest magnitude of an entry's score */
};

static int bad(lm_err_t *err, const char *name, const char *what)
{
    return lm_err_set(err, LM_EFORMAT, name, 0, 0, "not a valid lumen index: %s", what);
}

static int check_near(lm_kidx_t *x, const char *name, lm_err_t *err);

static int check_header(lm_kidx_t *x, const char *name, kidx_layout_t *lay, lm_err_t *err)
{
    const kidx_header_t *h = &x->h;
    if (x->len < LM_KIDX_HEADER || memcmp(h->magic, LM_KIDX_MAGIC, 8) != 0)
        return x->len >= 8 && memcmp(x->img, LM_KIDX_MAGIC, 8) == 0
                   ? bad(err, name, "file truncated in its header")
                   : bad(err, name, "wrong magic (not an index built by lumen index)");
    if (h->version != LM_KIDX_VERSION)
        return lm_err_set(err, LM_EFORMAT, name, 0, 0,
                          "index format version %u, but this lumen reads version %u: rebuild "
                          "it with lumen index",
                          h->version, LM_KIDX_VERSION);
    kidx_layout(h, lay);
    if (lay->total == UINT64_MAX) return bad(err, name, "impossible k or counts in header");
    if (h->payload_len < lay->total) return bad(err, name, "payload size disagrees with counts");
    if (x->len - LM_KIDX_HEADER < lay->total)
        return bad(err, name, "file truncated (shorter than its header says)");
    /* The species section's head, now known to be inside the file. */
    const unsigned char *sh = x->img + LM_KIDX_HEADER + lay->species;
    uint32_t n_sp, zero;
    memcpy(&n_sp, sh, 4);
    memcpy(&zero, sh + 4, 4);
    memcpy(&x->sp_blob_len, sh + 8, 8);
    if (zero != 0) return bad(err, name, "species section head damaged");
    kidx_layout_species(lay, n_sp, x->sp_blob_len);
    x->n_sp = n_sp;
    if (lay->total == UINT64_MAX) return bad(err, name, "impossible species section size");
    /* The references section's head, after the species section (format 3). */
    kidx_layout_near(lay);
    if (h->payload_len < lay->total || x->len - LM_KIDX_HEADER < lay->total)
        return bad(err, name, "file truncated (shorter than its header says)");
    const unsigned char *nh = x->img + LM_KIDX_HEADER + lay->near;
    uint32_t n_nr, nr_flags;
    memcpy(&n_nr, nh, 4);
    memcpy(&nr_flags, nh + 4, 4);
    memcpy(&x->nr_mask, nh + 8, 8);
    if (h->flags & ~(LM_KIDX_F_KINGDOM | LM_KIDX_F_NEAR)) return bad(err, name, "unknown flags");
    /* built without the near option, the section is its head alone; the first format-3
     * indexes have no copies array (flags 0) */
    const int near = (h->flags & LM_KIDX_F_NEAR) != 0;
    if ((nr_flags & ~KIDX_NR_COPIES) || (!near && nr_flags) || n_nr != (near ? h->n_refs : 0) ||
        (!near && x->nr_mask != 0))
        return bad(err, name, "references section head damaged");
    x->nr_flags = nr_flags;
    if (near) kidx_layout_near_body(lay, h, x->nr_mask, nr_flags);
    if (lay->total == UINT64_MAX) return bad(err, name, "impossible references section size");
    if (h->payload_len != lay->total) return bad(err, name, "payload size disagrees with counts");
    if (x->len - LM_KIDX_HEADER < lay->total)
        return bad(err, name, "file truncated (shorter than its header says)");
    if (x->len - LM_KIDX_HEADER > lay->total) return bad(err, name, "trailing bytes after payload");
    uint64_t sum = kidx_checksum(x->img + LM_KIDX_HEADER, lay->total,
                                 kidx_checksum(x->img, KIDX_SUMMED_HEADER, 0));
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* A fuzzer cannot forge checksums; its build skips this so it reaches the checks below. */
    if (sum != h->checksum) return bad(err, name, "checksum mismatch (file corrupt)");
#else
    (void)sum;
#endif
    if (h->n_taxa == 0 || h->n_leaves == 0 || h->n_leaves > h->n_taxa)
        return bad(err, name, "no taxa");
    return 0;
}

static uint32_t block_size(const lm_kidx_t *x, uint32_t b)
{
    return b + 1 < x->nblk ? LM_KIDX_BLOCK : x->h.n_leaves - b * LM_KIDX_BLOCK;
}

/* A large table written once at load: on 2 MB pages where the system allows, so filling
 * it takes a few page faults rather than thousands. Free with free(). */
static void *big_alloc(size_t bytes)
{
#if defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    if (bytes >= huge) {
        void *p = NULL;
        if (posix_memalign(&p, huge, bytes) != 0) return NULL;
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: failure changes nothing */
        return p;
    }
#endif
    return malloc(bytes ? bytes : 1);
}

/* A word's values t over one block's leaves, kept as the best (v1 at offset a1) and the
 * runner-up v2 (a tie for the best is a runner-up of the same value). */
typedef struct top2 {
    float v1, v2;
    uint32_t a1;
} top2_t;

static inline void top2_add(top2_t *t, float v, uint32_t o)
{
    if (v > t->v1) {
        t->v2 = t->v1;
        t->v1 = v;
        t->a1 = o;
    } else if (v > t->v2) {
        t->v2 = v;
    }
}

/* The runner-up part of a block's code (refdb.h, lm_kidx_word_bcode) whose maximum is max,
 * best leaf a1 and runner-up v2: the gap max - v2 rounded down to a multiple of
 * 1/LM_KIDX_GAP_SCALE, so max - gap stays at or above v2. */
static uint32_t sec_code(float max, const top2_t *t)
{
    const double d = ((double)max - (double)t->v2) * LM_KIDX_GAP_SCALE; /* +inf: no runner-up */
    const double q = d >= 4095.0 ? 4095.0 : d > 0.0 ? floor(d) : 0.0;
    return (uint32_t)q << 20 | t->a1 << 16;
}

/* Block b's leaves lacking the word (mask: offsets that hold it) join t: the two with the
 * highest values, -log(n_refs + 1) (ord: the block's offsets by that value, highest first). */
static void top2_absent(const lm_kidx_t *x, const uint8_t *ord, uint32_t b, uint32_t mask,
                        top2_t *t)
{
    const uint32_t bsz = block_size(x, b);
    for (uint32_t i = 0, got = 0; i < bsz && got < 2; i++) {
        const uint32_t o = ord[i];
        if (mask >> o & 1u) continue;
        top2_add(t, -(float)x->lognorm[b * LM_KIDX_BLOCK + o], o);
        got++;
    }
}

/* Block k's entries start at j (blocks in order): into its code, less its group's start
 * (gb, the row's group starts, NULL for one group), which the group's first block sets. */
static inline void set_start(uint32_t *bc, uint32_t *gb, uint32_t k, uint32_t j)
{
    if (!gb) {
        bc[k] |= j;
        return;
    }
    if (k % LM_KIDX_CODE_GROUP == 0) gb[k / LM_KIDX_CODE_GROUP] = j;
    bc[k] |= j - gb[k / LM_KIDX_CODE_GROUP];
}

/* Row `row` of the dense tables from a word's entries e[0..cnt) (in leaf order): per
 * block its maximum (the block's absent value where the word has no entry), runner-up code
 * and first entry; padding gets 0. ord: per block, its leaves' offsets by absent value,
 * highest first. Returns the row's largest magnitude. */
static float fill_row(lm_kidx_t *x, uint64_t row, const lm_kidx_entry_t *e, uint32_t cnt,
                      const uint8_t *ord)
{
    const uint32_t NB = x->nblk, B = LM_KIDX_BLOCK;
    float *bm = x->bmax + row * x->bstride;
    uint32_t *bc = x->bcode + row * x->cstride, next = 0;
    uint32_t *gb = x->gbase ? x->gbase + row * x->gstride : NULL;
    memcpy(bm, x->absent, NB * sizeof(float));
    memcpy(bc, x->acode, NB * sizeof(uint32_t));
    for (uint32_t k = NB; k < x->bstride; k++) bm[k] = 0.0f;
    for (uint32_t k = NB; k < x->cstride; k++) bc[k] = 0;
    /* Leaves ascend in a word's list (check_body): a block holds at most 16 of its
     * entries, so a start less its group's fits 16 bits. */
    for (uint32_t j = 0; j < cnt;) { /* one block's run of entries at a time */
        const uint32_t blk = e[j].leaf / B;
        for (; next <= blk; next++) set_start(bc, gb, next, j);
        float max = -INFINITY;
        top2_t t2 = {-INFINITY, -INFINITY, 0};
        uint32_t mask = 0, c = 0;
        for (; j < cnt && e[j].leaf / B == blk; j++, c++) {
            const float t = e[j].score - (float)x->lognorm[e[j].leaf];
            if (t > max) max = t;
            top2_add(&t2, t, e[j].leaf % B);
            mask |= 1u << (e[j].leaf % B);
        }
        if (c < block_size(x, blk)) { /* some leaf of the block lacks the word */
            if (x->absent[blk] > max) max = x->absent[blk];
            top2_absent(x, ord + (size_t)blk * B, blk, mask, &t2);
        }
        bm[blk] = max;
        bc[blk] = sec_code(max, &t2) | (bc[blk] & 0xFFFFu);
    }
    for (; next < x->cstride; next++) set_start(bc, gb, next, cnt);
    float top = 0.0f;
    for (uint32_t k = 0; k < NB; k++) {
        const float a = fabsf(bm[k]);
        if (a > top) top = a;
    }
    return top;
}

/* The classifier's tables (refdb.h, lm_kidx_word_bmax, lm_kidx_word_bcode): per block its
 * absent value and runner-up code, then one dense row of each per held word. */
static int build_rows(lm_kidx_t *x, const char *name, lm_err_t *err)
{
    const uint64_t nwords = (uint64_t)1 << (2 * x->h.k);
    const uint32_t G = x->h.n_leaves, B = LM_KIDX_BLOCK;
    x->nblk = (G + B - 1) / B;
    x->bstride = (x->nblk + 15u) & ~15u;
    x->cstride = (x->nblk + 1u + 15u) & ~15u; /* a start past the last block */
    x->absent = malloc(x->nblk * sizeof(float));
    x->acode = malloc(x->nblk * sizeof(uint32_t));
    uint8_t *ord = malloc((size_t)x->nblk * B);
    x->row_of = big_alloc(nwords * sizeof(uint32_t));
    if (!x->absent || !x->acode || !ord || !x->row_of) goto oom;
    for (uint32_t b = 0; b < x->nblk; b++) x->absent[b] = -INFINITY;
    for (uint32_t g = 0; g < G; g++) {
        float a = -(float)x->lognorm[g];
        if (a > x->absent[g / B]) x->absent[g / B] = a;
    }
    for (uint32_t b = 0; b < x->nblk; b++) { /* offsets by absent value, highest first */
        uint8_t *od = ord + (size_t)b * B;
        const uint32_t bsz = block_size(x, b);
        for (uint32_t i = 0; i < bsz; i++) {
            uint32_t j = i;
            for (; j > 0 && -(float)x->lognorm[b * B + i] > -(float)x->lognorm[b * B + od[j - 1]];
                 j--)
                od[j] = od[j - 1];
            od[j] = (uint8_t)i;
        }
        top2_t t = {-INFINITY, -INFINITY, 0};
        top2_absent(x, od, b, 0, &t);
        x->acode[b] = sec_code(x->absent[b], &t);
    }
    uint64_t nrows = 1;
    for (uint64_t w = 0; w < nwords; w++)
        x->row_of[w] = x->off[w + 1] > x->off[w] ? (uint32_t)nrows++ : 0;
    x->bmax = big_alloc(nrows * x->bstride * sizeof(float));
    x->bcode = big_alloc(nrows * x->cstride * sizeof(uint32_t));
    if (!x->bmax || !x->bcode) goto oom;
    if (x->cstride > LM_KIDX_CODE_GROUP) { /* more than about 65,500 leaves */
        x->gstride = (x->cstride + LM_KIDX_CODE_GROUP - 1) / LM_KIDX_CODE_GROUP;
        if (!(x->gbase = big_alloc(nrows * x->gstride * sizeof(uint32_t)))) goto oom;
    }
    float top = fill_row(x, 0, NULL, 0, ord);
    /* Rows are independent: built on the load's threads (so are the pages' first touches,
     * which the kernel clears), the same bytes for any number of them. */
#pragma omp parallel for num_threads(x->threads) schedule(static)                                  \
    reduction(max                                                                                  \
              : top) if (x->threads > 1)
    for (int64_t w = 0; w < (int64_t)nwords; w++)
        if (x->row_of[w]) {
            const float t =
                fill_row(x, x->row_of[w], x->ent + x->off[w], x->off[w + 1] - x->off[w], ord);
            if (t > top) top = t;
        }
    x->bmax_abs = top;
    free(ord);
    return 0;
oom:
    free(ord);
    return lm_err_set(err, LM_ENOMEM, name, 0, 0, "out of memory loading the index");
}

/* Structure checks: parents before children and one rank deeper or more, names inside the
 * name block, monotonic offsets, leaves and entries in range. */
static int check_body(lm_kidx_t *x, const char *name, lm_err_t *err)
{
    const kidx_header_t *h = &x->h;
    if (h->names_len == 0 || x->names[h->names_len - 1] != '\0')
        return bad(err, name, "name block not terminated");
    for (uint32_t t = 0; t < h->n_taxa; t++) {
        const lm_kidx_taxon_t *tx = &x->taxa[t];
        if (tx->rank >= LM_NRANKS || tx->name_off >= h->names_len)
            return bad(err, name, "taxon record out of range");
        if (tx->parent != UINT32_MAX && (tx->parent >= t || x->taxa[tx->parent].rank >= tx->rank))
            return bad(err, name, "taxon tree out of order");
    }
    const uint64_t nwords = (uint64_t)1 << (2 * h->k);
    if (x->off[0] != 0 || x->off[nwords] != h->n_entries)
        return bad(err, name, "k-mer offsets do not span the entries");
    for (uint64_t w = 0; w < nwords; w++)
        if (x->off[w] > x->off[w + 1]) return bad(err, name, "k-mer offsets out of order");
    /* Entries: leaves in range, each at most once per word and ascending (the classifier's
     * block starts rely on it), finite scores. */
    for (uint64_t w = 0; w < nwords; w++)
        for (uint32_t j = x->off[w]; j < x->off[w + 1]; j++) {
            const lm_kidx_entry_t *en = &x->ent[j];
            if (en->leaf >= h->n_leaves || !isfinite(en->score))
                return bad(err, name, "k-mer entry out of range");
            if (j > x->off[w] && en->leaf <= en[-1].leaf)
                return bad(err, name, "k-mer entries out of leaf order");
            const float a = fabsf(en->score);
            if (a > x->ent_abs) x->ent_abs = a;
        }
    /* Species: leaves in range, sequences inside the blob, names inside it and ended by
     * the blob's last byte (a NUL: names come last). */
    const uint64_t bl = x->sp_blob_len;
    if (x->n_sp && (bl == 0 || x->sp_blob[bl - 1] != '\0'))
        return bad(err, name, "species names not terminated");
    for (uint32_t i = 0; i < x->n_sp; i++) {
        const uint32_t *r = x->sp_rec + 4 * (size_t)i;
        if (r[0] >= h->n_leaves || r[1] >= bl || r[3] == 0 || (uint64_t)r[2] + r[3] > bl)
            return bad(err, name, "species record out of range");
    }
    if ((h->flags & LM_KIDX_F_NEAR) && check_near(x, name, err)) return err->code;
    x->path = malloc((size_t)h->n_leaves * LM_NRANKS * sizeof(uint32_t));
    x->lognorm = malloc((size_t)h->n_leaves * sizeof(double));
    if (!x->path || !x->lognorm)
        return lm_err_set(err, LM_ENOMEM, name, 0, 0, "out of memory loading the index");
    for (uint32_t g = 0; g < h->n_leaves; g++) {
        uint32_t t = x->leaves[2 * g];
        if (t >= h->n_taxa || x->leaves[2 * g + 1] == 0)
            return bad(err, name, "leaf record out of range");
        uint32_t *p = x->path + (size_t)g * LM_NRANKS;
        for (int r = 0; r < LM_NRANKS; r++) p[r] = UINT32_MAX;
        for (; t != UINT32_MAX; t = x->taxa[t].parent) p[x->taxa[t].rank] = t;
        x->lognorm[g] = log((double)x->leaves[2 * g + 1] + 1.0);
    }
    return build_rows(x, name, err);
}

/* The references section: each leaf's words ascending and within 4^k, their count the
 * leaf's entries, masks only over the leaf's references, each reference's distinct words
 * at most its leaf's; fills the per-leaf first reference and mask start. Needs the leaf
 * records checked (their reference counts). */
static int check_near(lm_kidx_t *x, const char *name, lm_err_t *err)
{
    const uint32_t L = x->h.n_leaves;
    x->nr_moff = malloc(((size_t)L + 1) * sizeof(uint64_t));
    x->nr_first = malloc(((size_t)L + 1) * sizeof(uint32_t));
    if (!x->nr_moff || !x->nr_first)
        return lm_err_set(err, LM_ENOMEM, name, 0, 0, "out of memory loading the index");
    const uint64_t nwords = (uint64_t)1 << (2 * x->h.k);
    uint64_t mat = 0, refs = 0;
    if (x->nr_woff[0] != 0 || x->nr_woff[L] != x->h.n_entries)
        return bad(err, name, "reference words do not span the entries");
    for (uint32_t g = 0; g < L; g++) {
        const uint64_t w0 = x->nr_woff[g], w1 = x->nr_woff[g + 1];
        const uint32_t R = x->leaves[2 * g + 1], M = kidx_near_masks(R);
        if (w1 < w0 || w1 > x->h.n_entries || refs + R > x->h.n_refs)
            return bad(err, name, "reference words out of range");
        for (uint64_t j = w0; j < w1; j++)
            if (x->nr_words[j] >= nwords || (j > w0 && x->nr_words[j] <= x->nr_words[j - 1]))
                return bad(err, name, "reference words out of order");
        x->nr_first[g] = (uint32_t)refs;
        x->nr_moff[g] = mat;
        if (w1 > w0 && M > (x->nr_mask - mat) / (w1 - w0))
            return bad(err, name, "reference masks out of range");
        const uint64_t nm = (w1 - w0) * M;
        if (M && R % 64)
            for (uint64_t j = 0; j < w1 - w0; j++)
                if (x->nr_masks[mat + j * M + M - 1] >> (R % 64))
                    return bad(err, name, "reference mask names a missing reference");
        for (uint32_t i = 0; i < R; i++)
            if (x->nr_refw[refs + i] > w1 - w0 || (R == 1 && x->nr_refw[refs] != w1 - w0))
                return bad(err, name, "reference word count out of range");
        for (uint32_t i = 0; x->nr_copies && i < R; i++)
            if (x->nr_copies[refs + i] == 0) return bad(err, name, "reference copies of 0");
        mat += nm;
        refs += R;
    }
    if (mat != x->nr_mask || refs != x->h.n_refs)
        return bad(err, name, "reference masks disagree with the leaves");
    x->nr_first[L] = (uint32_t)refs;
    x->nr_moff[L] = mat;
    return 0;
}

/* Take ownership of img (len bytes, malloc'd) and validate it. */
static lm_kidx_t *adopt(unsigned char *img, size_t len, const char *name, int threads,
                        lm_err_t *err)
{
    lm_kidx_t *x = calloc(1, sizeof(*x));
    if (!x) {
        free(img);
        lm_err_set(err, LM_ENOMEM, name, 0, 0, "out of memory loading the index");
        return NULL;
    }
    x->img = img;
    x->len = len;
    x->threads = threads > 1 ? threads : 1;
    kidx_layout_t lay;
    if (!kidx_host_little_endian()) {
        lm_err_set(err, LM_EINTERNAL, name, 0, 0, "the index is little-endian; this host is not");
        goto fail;
    }
    if (len >= LM_KIDX_HEADER) memcpy(&x->h, img, sizeof(x->h));
    if (check_header(x, name, &lay, err)) goto fail;
    /* Sections are 8-aligned within the file and malloc aligns the start. */
    unsigned char *pay = img + LM_KIDX_HEADER;
    x->taxa = (const lm_kidx_taxon_t *)(pay + lay.taxa);
    x->leaves = (const uint32_t *)(pay + lay.leaves);
    x->names = (const char *)(pay + lay.names);
    x->off = (const uint32_t *)(pay + lay.offsets);
    x->ent = (const lm_kidx_entry_t *)(pay + lay.entries);
    x->sp_rec = (const uint32_t *)(pay + lay.sp_recs);
    x->sp_blob = (const char *)(pay + lay.sp_blob);
    if (x->h.flags & LM_KIDX_F_NEAR) {
        x->nr_refw = (const uint32_t *)(pay + lay.nr_refw);
        if (x->nr_flags & KIDX_NR_COPIES) x->nr_copies = (const uint32_t *)(pay + lay.nr_copies);
        x->nr_woff = (const uint64_t *)(pay + lay.nr_woff);
        x->nr_words = (const uint32_t *)(pay + lay.nr_words);
        x->nr_masks = (const uint64_t *)(pay + lay.nr_masks);
    }
    if (check_body(x, name, err)) goto fail;
    return x;
fail:
    lm_kidx_destroy(x);
    return NULL;
}

lm_kidx_t *lm_kidx_load_mem(const void *buf, size_t len, const char *name, lm_err_t *err)
{
    /* An exact-size copy: anything read past len is a bug that ASan reports. */
    unsigned char *img = big_alloc(len);
    if (!img) {
        lm_err_set(err, LM_ENOMEM, name, 0, 0, "out of memory loading the index");
        return NULL;
    }
    if (len) memcpy(img, buf, len);
    return adopt(img, len, name, 1, err);
}

lm_kidx_t *lm_kidx_load(const char *path, lm_err_t *err)
{
    return lm_kidx_load_threads(path, 1, err);
}

lm_kidx_t *lm_kidx_load_threads(const char *path, int threads, lm_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open index: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        lm_err_set(err, LM_ENOINPUT, path, 0, 0, "not a regular file");
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    unsigned char *buf = big_alloc(len);
    if (!buf) {
        fclose(f);
        lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory reading the index");
        return NULL;
    }
    size_t got = len ? fread(buf, 1, len, f) : 0;
    int rerr = ferror(f);
    fclose(f);
    if (got != len || rerr) {
        free(buf);
        lm_err_set(err, LM_EIO, path, 0, 0, "cannot read index");
        return NULL;
    }
    return adopt(buf, len, path, threads, err);
}

void lm_kidx_destroy(lm_kidx_t *idx)
{
    if (!idx) return;
    free(idx->img);
    free(idx->path);
    free(idx->lognorm);
    free(idx->absent);
    free(idx->row_of);
    free(idx->bmax);
    free(idx->bcode);
    free(idx->gbase);
    free(idx->acode);
    free(idx->nr_moff);
    free(idx->nr_first);
    free(idx);
}

int lm_kidx_k(const lm_kidx_t *idx)
{
    return (int)idx->h.k;
}
uint32_t lm_kidx_n_taxa(const lm_kidx_t *idx)
{
    return idx->h.n_taxa;
}
uint32_t lm_kidx_n_leaves(const lm_kidx_t *idx)
{
    return idx->h.n_leaves;
}
uint32_t lm_kidx_n_refs(const lm_kidx_t *idx)
{
    return idx->h.n_refs;
}
uint64_t lm_kidx_n_entries(const lm_kidx_t *idx)
{
    return idx->h.n_entries;
}
uint32_t lm_kidx_flags(const lm_kidx_t *idx)
{
    return idx->h.flags;
}
const lm_kidx_taxon_t *lm_kidx_taxon(const lm_kidx_t *idx, uint32_t t)
{
    return &idx->taxa[t];
}
const char *lm_kidx_taxon_name(const lm_kidx_t *idx, uint32_t t)
{
    return idx->names + idx->taxa[t].name_off;
}
uint32_t lm_kidx_leaf_taxon(const lm_kidx_t *idx, uint32_t g)
{
    return idx->leaves[2 * g];
}
uint32_t lm_kidx_leaf_refs(const lm_kidx_t *idx, uint32_t g)
{
    return idx->leaves[2 * g + 1];
}
uint32_t lm_kidx_leaf_path(const lm_kidx_t *idx, uint32_t g, int rank)
{
    return idx->path[(size_t)g * LM_NRANKS + rank];
}
double lm_kidx_leaf_lognorm(const lm_kidx_t *idx, uint32_t g)
{
    return idx->lognorm[g];
}
uint32_t lm_kidx_leaf_ref_range(const lm_kidx_t *idx, uint32_t g, uint32_t *n)
{
    *n = idx->nr_first[g + 1] - idx->nr_first[g];
    return idx->nr_first[g];
}

uint32_t lm_kidx_ref_words(const lm_kidx_t *idx, uint32_t i)
{
    return idx->nr_refw[i];
}

uint32_t lm_kidx_ref_copies(const lm_kidx_t *idx, uint32_t i)
{
    return idx->nr_copies ? idx->nr_copies[i] : 1u;
}

const uint32_t *lm_kidx_leaf_words(const lm_kidx_t *idx, uint32_t g, uint32_t *n,
                                   const uint64_t **masks)
{
    *n = (uint32_t)(idx->nr_woff[g + 1] - idx->nr_woff[g]);
    *masks = idx->nr_masks + idx->nr_moff[g];
    return idx->nr_words + idx->nr_woff[g];
}

uint32_t lm_kidx_n_species_refs(const lm_kidx_t *idx)
{
    return idx->n_sp;
}
uint32_t lm_kidx_species_leaf(const lm_kidx_t *idx, uint32_t i)
{
    return idx->sp_rec[4 * (size_t)i];
}
const char *lm_kidx_species_name(const lm_kidx_t *idx, uint32_t i)
{
    return idx->sp_blob + idx->sp_rec[4 * (size_t)i + 1];
}
const char *lm_kidx_species_seq(const lm_kidx_t *idx, uint32_t i, uint32_t *len)
{
    *len = idx->sp_rec[4 * (size_t)i + 3];
    return idx->sp_blob + idx->sp_rec[4 * (size_t)i + 2];
}
const lm_kidx_entry_t *lm_kidx_word(const lm_kidx_t *idx, uint32_t w, uint32_t *n)
{
    *n = idx->off[w + 1] - idx->off[w];
    return idx->ent + idx->off[w];
}
uint32_t lm_kidx_n_blocks(const lm_kidx_t *idx)
{
    return idx->nblk;
}
float lm_kidx_block_absent(const lm_kidx_t *idx, uint32_t b)
{
    return idx->absent[b];
}
const float *lm_kidx_word_bmax(const lm_kidx_t *idx, uint32_t w)
{
    return idx->bmax + (size_t)idx->row_of[w] * idx->bstride;
}
const uint32_t *lm_kidx_word_bcode(const lm_kidx_t *idx, uint32_t w)
{
    return idx->bcode + (size_t)idx->row_of[w] * idx->cstride;
}
uint32_t lm_kidx_bcode_stride(const lm_kidx_t *idx)
{
    return idx->cstride;
}
const uint32_t *lm_kidx_word_gbase(const lm_kidx_t *idx, uint32_t w)
{
    return idx->gbase ? idx->gbase + (size_t)idx->row_of[w] * idx->gstride : NULL;
}
uint32_t lm_kidx_word_start(const lm_kidx_t *idx, uint32_t w, uint32_t b)
{
    const uint32_t *gb = lm_kidx_word_gbase(idx, w);
    return LM_KIDX_CODE_START(lm_kidx_word_bcode(idx, w)[b]) +
           (gb ? gb[b / LM_KIDX_CODE_GROUP] : 0);
}
uint32_t lm_kidx_bmax_stride(const lm_kidx_t *idx)
{
    return idx->bstride;
}
void lm_kidx_view(const lm_kidx_t *idx, lm_kidx_view_t *v)
{
    v->off = idx->off;
    v->ent = idx->ent;
    v->row_of = idx->row_of;
    v->bmax = idx->bmax;
    v->bcode = idx->bcode;
    v->bcode_stride = idx->cstride;
    v->gbase = idx->gbase;
    v->gbase_stride = idx->gstride;
    v->lognorm = idx->lognorm;
    v->bmax_stride = idx->bstride;
    v->bmax_abs = idx->bmax_abs;
    v->ent_abs = idx->ent_abs;
}
