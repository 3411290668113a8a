/* SPDX-License-Identifier: MIT */
/* Collecting reference records and building the k-mer index image.
 *
 * Determinism: taxa and leaves are numbered in the sorted order of their path keys,
 * records are ordered by (leaf, sequence) before counting, and each k-mer's list is filled
 * leaf by leaf, so the bytes depend neither on the thread count nor on input order. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>

#include "refdb_internal.h"

KHASH_MAP_INIT_STR(str2u, uint32_t)

typedef struct ref_rec {
    uint64_t seq_off;
    uint32_t len;
    uint32_t leaf; /* index into paths[] until the build renumbers it */
    uint32_t sp;   /* index into species[] (genus and species named), or UINT32_MAX */
} ref_rec_t;

struct lm_ref {
    lm_ref_opt_t opt;
    lm_ref_stats_t st;
    char *seq;
    size_t seq_len, seq_cap;
    ref_rec_t *recs;
    size_t n, cap;
    char **paths; /* interned leaf path keys */
    size_t npaths, paths_cap;
    khash_t(str2u) * path_ids;
    char **species; /* interned species names */
    size_t nspecies, species_cap;
    khash_t(str2u) * species_ids;
    int kingdom;
};

void lm_ref_opt_init(lm_ref_opt_t *opt)
{
    opt->k = 8;
    opt->max_rank = LM_RANK_GENUS;
    opt->threads = 1;
    opt->primers = NULL;
    opt->primer_mm = 2;
    opt->keep_duplicates = 0;
    opt->near = 0;
}

int lm_ref_opt_check(const lm_ref_opt_t *opt, lm_err_t *err)
{
    if (opt->k < 4 || opt->k > 12)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "k must be from 4 to 12, not %d", opt->k);
    if (opt->max_rank < LM_RANK_DOMAIN || opt->max_rank > LM_RANK_SPECIES)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "bad deepest rank %d", opt->max_rank);
    if (opt->primers && !lm_primer_preset(opt->primers))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "unknown primer set '%s'", opt->primers);
    if (opt->primer_mm < 0 || opt->primer_mm > 8)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "primer mismatches must be 0..8");
    return 0;
}

lm_ref_t *lm_ref_create(const lm_ref_opt_t *opt)
{
    lm_ref_t *ref = calloc(1, sizeof(*ref));
    if (!ref) return NULL;
    if (opt)
        ref->opt = *opt;
    else
        lm_ref_opt_init(&ref->opt);
    if (!(ref->path_ids = kh_init(str2u)) || !(ref->species_ids = kh_init(str2u))) {
        if (ref->path_ids) kh_destroy(str2u, ref->path_ids);
        free(ref);
        return NULL;
    }
    return ref;
}

void lm_ref_destroy(lm_ref_t *ref)
{
    if (!ref) return;
    for (size_t i = 0; i < ref->npaths; i++) free(ref->paths[i]);
    free(ref->paths);
    kh_destroy(str2u, ref->path_ids);
    for (size_t i = 0; i < ref->nspecies; i++) free(ref->species[i]);
    free(ref->species);
    kh_destroy(str2u, ref->species_ids);
    free(ref->seq);
    free(ref->recs);
    free(ref);
}

void ref_primers(lm_ref_t *ref, const lm_primer_pair_t **pp, int *mm, uint64_t **no_amplicon)
{
    *pp = ref->opt.primers ? lm_primer_preset(ref->opt.primers) : NULL;
    *mm = ref->opt.primer_mm;
    *no_amplicon = &ref->st.no_amplicon;
}

const lm_ref_stats_t *lm_ref_stats(const lm_ref_t *ref)
{
    return &ref->st;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* A path key: "<rank digit><name>\x01" per named rank down to max_rank. A parent's key is
 * a prefix of its children's, so it sorts first; \x01 sorts below every name byte. */
static size_t path_key(const lm_lineage_t *lin, int max_rank, char *buf, size_t size)
{
    size_t n = 0;
    for (int r = 0; r <= max_rank; r++) {
        size_t l = strlen(lin->name[r]);
        if (!l) continue;
        if (n + l + 3 > size) return 0;
        buf[n++] = (char)('0' + r);
        memcpy(buf + n, lin->name[r], l);
        n += l;
        buf[n++] = '\x01';
    }
    buf[n] = '\0';
    return n;
}

/* The id of key in the string table (list, n, cap, ids), added if new. 0 or -1. */
static int intern(khash_t(str2u) * ids, char ***list, size_t *n, size_t *cap, const char *key,
                  uint32_t *id)
{
    khint_t it = kh_get(str2u, ids, key);
    if (it != kh_end(ids)) {
        *id = kh_val(ids, it);
        return 0;
    }
    char *dup = strdup(key);
    if (!dup || grow((void **)list, cap, *n + 1, sizeof(char *))) {
        free(dup);
        return -1;
    }
    int absent;
    it = kh_put(str2u, ids, dup, &absent);
    if (absent < 0) {
        free(dup);
        return -1;
    }
    *id = (uint32_t)*n;
    kh_val(ids, it) = *id;
    (*list)[(*n)++] = dup;
    return 0;
}

static int intern_path(lm_ref_t *ref, const char *key, uint32_t *id)
{
    return intern(ref->path_ids, &ref->paths, &ref->npaths, &ref->paths_cap, key, id);
}

int lm_ref_add(lm_ref_t *ref, const char *seq, size_t len, const lm_lineage_t *lin, lm_err_t *err)
{
    char key[LM_NRANKS * 132];
    ref->st.sequences++;
    if (!path_key(lin, ref->opt.max_rank, key, sizeof(key)))
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "lineage has no named rank down to %s",
                          lm_rank_name(ref->opt.max_rank));
    if (len > UINT32_MAX)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "reference sequence too long");
    uint32_t id, sp = UINT32_MAX;
    if (lin->name[LM_RANK_GENUS][0] && lin->name[LM_RANK_SPECIES][0] &&
        intern(ref->species_ids, &ref->species, &ref->nspecies, &ref->species_cap,
               lin->name[LM_RANK_SPECIES], &sp))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (intern_path(ref, key, &id) ||
        grow((void **)&ref->recs, &ref->cap, ref->n + 1, sizeof(ref_rec_t)) ||
        grow((void **)&ref->seq, &ref->seq_cap, ref->seq_len + len + 1, 1))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (lin->kingdom) ref->kingdom = 1;
    memcpy(ref->seq + ref->seq_len, seq, len);
    ref->recs[ref->n++] = (ref_rec_t){ref->seq_len, (uint32_t)len, id, sp};
    ref->seq_len += len;
    return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Counting                                                                           */
/* ---------------------------------------------------------------------------------- */

static const lm_ref_t *g_sort_ref;
static int cmp_rec(const void *a, const void *b)
{
    const ref_rec_t *x = a, *y = b;
    if (x->leaf != y->leaf) return x->leaf < y->leaf ? -1 : 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    int c = memcmp(g_sort_ref->seq + x->seq_off, g_sort_ref->seq + y->seq_off, x->len);
    if (c) return c;
    return x->seq_off < y->seq_off ? -1 : x->seq_off > y->seq_off;
}

/* Species records: by leaf, species name, then sequence. */
static int cmp_sp(const void *a, const void *b)
{
    const ref_rec_t *x = a, *y = b;
    if (x->leaf != y->leaf) return x->leaf < y->leaf ? -1 : 1;
    int c = strcmp(g_sort_ref->species[x->sp], g_sort_ref->species[y->sp]);
    if (c) return c;
    return cmp_rec(a, b);
}

static int same_sp(const lm_ref_t *ref, const ref_rec_t *x, const ref_rec_t *y)
{
    return x->leaf == y->leaf && x->sp == y->sp && x->len == y->len &&
           memcmp(ref->seq + x->seq_off, ref->seq + y->seq_off, x->len) == 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The words of one leaf: which k-mers its references hold, and in how many. */
typedef struct leaf_words {
    uint32_t *word, *count;
    uint32_t n;
} leaf_words_t;

static int count_leaf(const lm_ref_t *ref, const ref_rec_t *r, size_t nr, uint32_t *cnt,
                      uint32_t *stamp, uint32_t *wbuf, leaf_words_t *out)
{
    const int k = ref->opt.k;
    size_t cap = 256, n = 0;
    uint32_t *touched = malloc(cap * sizeof(uint32_t));
    if (!touched) return -1;
    for (size_t i = 0; i < nr; i++) {
        size_t nw = lm_kmer_encode(ref->seq + r[i].seq_off, r[i].len, k, wbuf);
        for (size_t j = 0; j < nw; j++) {
            uint32_t w = wbuf[j];
            if (stamp[w] == i + 1) continue; /* a word counts once per reference */
            stamp[w] = (uint32_t)i + 1;
            if (cnt[w]++) continue;
            if (n == cap) {
                uint32_t *q = realloc(touched, 2 * cap * sizeof(uint32_t));
                if (!q) {
                    free(touched);
                    return -1;
                }
                touched = q;
                cap *= 2;
            }
            touched[n++] = w;
        }
    }
    qsort(touched, n, sizeof(uint32_t), cmp_u32);
    out->word = touched;
    out->count = malloc((n + 1) * sizeof(uint32_t));
    out->n = (uint32_t)n;
    if (!out->count) return -1;
    for (size_t i = 0; i < n; i++) {
        out->count[i] = cnt[touched[i]];
        cnt[touched[i]] = 0;
    }
    for (size_t i = 0; i < nr; i++) { /* reset stamps: the next leaf restarts at 1 */
        size_t nw = lm_kmer_encode(ref->seq + r[i].seq_off, r[i].len, k, wbuf);
        for (size_t j = 0; j < nw; j++) stamp[wbuf[j]] = 0;
    }
    return 0;
}

/* Count every leaf's words, leaves in parallel; each thread has its own dense scratch. */
static int count_all(const lm_ref_t *ref, const ref_rec_t *recs, size_t nrec,
                     const size_t *leaf_start, size_t nleaves, leaf_words_t *lw)
{
    const size_t nwords = (size_t)1 << (2 * ref->opt.k);
    size_t maxlen = 1;
    for (size_t i = 0; i < nrec; i++)
        if (recs[i].len > maxlen) maxlen = recs[i].len;
    int fail = 0;
#pragma omp parallel num_threads(ref->opt.threads > 0 ? ref->opt.threads : 1)
    {
        uint32_t *cnt = calloc(nwords, sizeof(uint32_t));
        uint32_t *stamp = calloc(nwords, sizeof(uint32_t));
        uint32_t *wbuf = malloc(maxlen * sizeof(uint32_t));
        int ok = cnt && stamp && wbuf;
        if (!ok) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (size_t g = 0; g < nleaves; g++) {
            if (!ok) continue;
            if (count_leaf(ref, recs + leaf_start[g], leaf_start[g + 1] - leaf_start[g], cnt, stamp,
                           wbuf, &lw[g])) {
#pragma omp atomic write
                fail = 1;
            }
        }
        free(cnt);
        free(stamp);
        free(wbuf);
    }
    return fail ? -1 : 0;
}

/* ---------------------------------------------------------------------------------- */
/* The image                                                                          */
/* ---------------------------------------------------------------------------------- */

typedef struct build {
    taxa_t taxa;
    uint32_t *leaf_taxon; /* by path id */
    uint32_t *path_rank;  /* path id -> leaf number (sorted key order) */
    ref_rec_t *recs;
    uint32_t *copies; /* per kept record: the identical records it stands for */
    size_t nrec;
    size_t *leaf_start;
    uint32_t *leaf_nrefs;
    leaf_words_t *lw;
    size_t nleaves;
    ref_rec_t *sp; /* the species section's records, sorted and unique */
    size_t nsp;
    uint64_t sp_blob; /* its blob's length */
} build_t;

static void build_free(build_t *b)
{
    taxa_free(&b->taxa);
    free(b->leaf_taxon);
    free(b->path_rank);
    free(b->recs);
    free(b->copies);
    free(b->leaf_start);
    free(b->leaf_nrefs);
    free(b->sp);
    for (size_t g = 0; b->lw && g < b->nleaves; g++) {
        free(b->lw[g].word);
        free(b->lw[g].count);
    }
    free(b->lw);
}

/* Number leaves by taxon order, sort and collapse records, count words. */
static int prepare(lm_ref_t *ref, build_t *b)
{
    size_t np = ref->npaths;
    b->nleaves = np;
    b->leaf_taxon = malloc((np + 1) * sizeof(uint32_t));
    b->path_rank = malloc((np + 1) * sizeof(uint32_t));
    if (!b->leaf_taxon || !b->path_rank ||
        build_taxa(ref->paths, ref->npaths, &ref->st, &b->taxa, b->leaf_taxon))
        return -1;
    /* Leaves are numbered in taxon order, which is sorted path order. */
    uint32_t *by_taxon = malloc((b->taxa.n + 1) * sizeof(uint32_t));
    if (!by_taxon) return -1;
    for (size_t t = 0; t < b->taxa.n; t++) by_taxon[t] = UINT32_MAX;
    for (size_t i = 0; i < np; i++) by_taxon[b->leaf_taxon[i]] = (uint32_t)i;
    uint32_t g = 0;
    for (size_t t = 0; t < b->taxa.n; t++)
        if (by_taxon[t] != UINT32_MAX) b->path_rank[by_taxon[t]] = g++;
    free(by_taxon);

    b->recs = malloc((ref->n + 1) * sizeof(ref_rec_t));
    if (!b->recs) return -1;
    for (size_t i = 0; i < ref->n; i++) {
        b->recs[i] = ref->recs[i];
        b->recs[i].leaf = b->path_rank[ref->recs[i].leaf];
    }
    g_sort_ref = ref;
    qsort(b->recs, ref->n, sizeof(ref_rec_t), cmp_rec);
    /* copies[u]: the records kept record u stands for (the references section's votes) */
    b->copies = malloc((ref->n + 1) * sizeof(uint32_t));
    if (!b->copies) return -1;
    size_t u = 0;
    for (size_t i = 0; i < ref->n; i++) {
        const ref_rec_t *p = u ? &b->recs[u - 1] : NULL, *c = &b->recs[i];
        if (p && p->leaf == c->leaf && p->len == c->len &&
            memcmp(ref->seq + p->seq_off, ref->seq + c->seq_off, c->len) == 0) {
            ref->st.collapsed++;
            if (!ref->opt.keep_duplicates) {
                b->copies[u - 1]++;
                continue;
            }
        }
        b->copies[u] = 1;
        b->recs[u++] = *c;
    }
    b->nrec = u;
    /* The species section, from every record before collapsing: two species with one
     * sequence in one genus must both stay, so that neither is called on it. */
    b->sp = malloc((ref->n + 1) * sizeof(ref_rec_t));
    if (!b->sp) return -1;
    for (size_t i = 0; i < ref->n; i++)
        /* an empty sequence matches no query (and the loader refuses a record of length 0) */
        if (ref->recs[i].sp != UINT32_MAX && ref->recs[i].len > 0) {
            b->sp[b->nsp] = ref->recs[i];
            b->sp[b->nsp++].leaf = b->path_rank[ref->recs[i].leaf];
        }
    qsort(b->sp, b->nsp, sizeof(ref_rec_t), cmp_sp);
    u = 0;
    for (size_t i = 0; i < b->nsp; i++)
        if (!u || !same_sp(ref, &b->sp[u - 1], &b->sp[i])) b->sp[u++] = b->sp[i];
    b->nsp = u;
    for (size_t i = 0; i < b->nsp; i++) {
        b->sp_blob += b->sp[i].len;
        if (!i || b->sp[i].leaf != b->sp[i - 1].leaf || b->sp[i].sp != b->sp[i - 1].sp)
            b->sp_blob += strlen(ref->species[b->sp[i].sp]) + 1;
    }
    u = b->nrec;
    b->leaf_start = calloc(np + 1, sizeof(size_t));
    b->leaf_nrefs = calloc(np + 1, sizeof(uint32_t));
    b->lw = calloc(np + 1, sizeof(leaf_words_t));
    if (!b->leaf_start || !b->leaf_nrefs || !b->lw) return -1;
    for (size_t i = 0; i < u; i++) b->leaf_nrefs[b->recs[i].leaf]++;
    for (size_t l = 0; l < np; l++) b->leaf_start[l + 1] = b->leaf_start[l] + b->leaf_nrefs[l];
    return count_all(ref, b->recs, u, b->leaf_start, np, b->lw);
}

/* The references section (refdb_internal.h): per leaf, its words (lw, ascending) with
 * the mask of its references holding each, and each reference's distinct words. */
static uint64_t near_masks(const lm_ref_t *ref, const build_t *b)
{
    uint64_t n = 0;
    if (!ref->opt.near) return 0;
    for (size_t g = 0; g < b->nleaves; g++)
        n += (uint64_t)b->lw[g].n * kidx_near_masks(b->leaf_nrefs[g]);
    return n;
}

static int fill_near(const lm_ref_t *ref, const build_t *b, const kidx_layout_t *lay,
                     unsigned char *pay)
{
    /* without the near option the section is its head alone: no references, no masks */
    const uint32_t n = ref->opt.near ? (uint32_t)b->nrec : 0;
    const uint64_t n_mask = near_masks(ref, b);
    const uint32_t nr_flags = ref->opt.near ? KIDX_NR_COPIES : 0;
    memcpy(pay + lay->near, &n, 4);
    memcpy(pay + lay->near + 4, &nr_flags, 4);
    memcpy(pay + lay->near + 8, &n_mask, 8);
    if (!ref->opt.near) return 0;
    memcpy(pay + lay->nr_copies, b->copies, (size_t)n * sizeof(uint32_t));
    uint32_t *refw = (uint32_t *)(pay + lay->nr_refw), *words = (uint32_t *)(pay + lay->nr_words);
    uint64_t *woff = (uint64_t *)(pay + lay->nr_woff), *masks = (uint64_t *)(pay + lay->nr_masks);
    size_t maxlen = 1;
    for (size_t i = 0; i < b->nrec; i++)
        if (b->recs[i].len > maxlen) maxlen = b->recs[i].len;
    uint32_t *pos = malloc(((size_t)1 << (2 * ref->opt.k)) * sizeof(uint32_t));
    uint32_t *wbuf = malloc(maxlen * sizeof(uint32_t));
    if (!pos || !wbuf) {
        free(pos);
        free(wbuf);
        return -1;
    }
    uint64_t at = 0, mat = 0;
    for (size_t g = 0; g < b->nleaves; g++) {
        const leaf_words_t *lw = &b->lw[g];
        const uint32_t M = kidx_near_masks(b->leaf_nrefs[g]);
        woff[g] = at;
        for (uint32_t j = 0; j < lw->n; j++) {
            words[at + j] = lw->word[j];
            pos[lw->word[j]] = j;
        }
        uint64_t *m = masks + mat;
        for (size_t i = b->leaf_start[g]; M && i < b->leaf_start[g + 1]; i++) {
            const size_t li = i - b->leaf_start[g];
            const ref_rec_t *r = &b->recs[i];
            const size_t nw = lm_kmer_encode(ref->seq + r->seq_off, r->len, ref->opt.k, wbuf);
            uint32_t d = 0;
            for (size_t j = 0; j < nw; j++) {
                uint64_t *x = m + (size_t)pos[wbuf[j]] * M + li / 64;
                const uint64_t bit = (uint64_t)1 << (li % 64);
                d += !(*x & bit);
                *x |= bit;
            }
            refw[i] = d;
        }
        if (!M) refw[b->leaf_start[g]] = lw->n; /* one reference: it holds every word */
        at += lw->n;
        mat += (uint64_t)lw->n * M;
    }
    woff[b->nleaves] = at;
    free(pos);
    free(wbuf);
    return 0;
}

/* Fill the payload: taxa, leaves, names, k-mer offsets and entries. */
static int fill_payload(const lm_ref_t *ref, const build_t *b, const kidx_layout_t *lay,
                        unsigned char *pay)
{
    const size_t nwords = (size_t)1 << (2 * ref->opt.k);
    lm_kidx_taxon_t *tx = (lm_kidx_taxon_t *)(pay + lay->taxa);
    memcpy(tx, b->taxa.rec, b->taxa.n * sizeof(*tx));
    uint32_t *leaves = (uint32_t *)(pay + lay->leaves);
    for (size_t i = 0; i < b->nleaves; i++) {
        uint32_t g = b->path_rank[i];
        leaves[2 * g] = b->leaf_taxon[i];
        leaves[2 * g + 1] = b->leaf_nrefs[g];
    }
    /* A taxon's reference count is the sum over the leaves below it. */
    for (size_t g = 0; g < b->nleaves; g++)
        for (uint32_t t = leaves[2 * g]; t != UINT32_MAX; t = tx[t].parent)
            tx[t].n_refs += leaves[2 * g + 1];
    memcpy(pay + lay->names, b->taxa.names, b->taxa.names_len);

    uint32_t *off = (uint32_t *)(pay + lay->offsets);
    uint32_t *nw = calloc(nwords, sizeof(uint32_t)); /* n(w): references holding w */
    if (!nw) return -1;
    for (size_t g = 0; g < b->nleaves; g++)
        for (uint32_t i = 0; i < b->lw[g].n; i++) {
            off[b->lw[g].word[i] + 1]++;
            nw[b->lw[g].word[i]] += b->lw[g].count[i];
        }
    for (size_t w = 0; w < nwords; w++) off[w + 1] += off[w];
    uint32_t *pos = malloc(nwords * sizeof(uint32_t));
    if (!pos) {
        free(nw);
        return -1;
    }
    memcpy(pos, off, nwords * sizeof(uint32_t));
    lm_kidx_entry_t *ent = (lm_kidx_entry_t *)(pay + lay->entries);
    const double n_refs = (double)b->nrec;
    for (size_t g = 0; g < b->nleaves; g++)
        for (uint32_t i = 0; i < b->lw[g].n; i++) {
            uint32_t w = b->lw[g].word[i];
            /* RDP's prior P_w = (n(w) + 0.5) / (N + 1); the stored score is
             * log((n(w,g) + P_w) / (N_g + 1)) - log(P_w / (N_g + 1)). */
            double pw = ((double)nw[w] + 0.5) / (n_refs + 1.0);
            ent[pos[w]++] =
                (lm_kidx_entry_t){(uint32_t)g, (float)log1p((double)b->lw[g].count[i] / pw)};
        }
    free(pos);
    free(nw);

    /* Species: the head, the records, then the blob (sequences, then names). */
    unsigned char *sp = pay + lay->species;
    const uint32_t nsp = (uint32_t)b->nsp;
    memcpy(sp, &nsp, 4);
    memcpy(sp + 8, &b->sp_blob, 8);
    uint32_t *rec = (uint32_t *)(pay + lay->sp_recs);
    char *blob = (char *)(pay + lay->sp_blob);
    uint64_t at = 0, name_off = 0;
    for (size_t i = 0; i < b->nsp; i++) {
        rec[4 * i] = b->sp[i].leaf;
        rec[4 * i + 2] = (uint32_t)at;
        rec[4 * i + 3] = b->sp[i].len;
        memcpy(blob + at, ref->seq + b->sp[i].seq_off, b->sp[i].len);
        at += b->sp[i].len;
    }
    for (size_t i = 0; i < b->nsp; i++) {
        if (!i || b->sp[i].leaf != b->sp[i - 1].leaf || b->sp[i].sp != b->sp[i - 1].sp) {
            const char *nm = ref->species[b->sp[i].sp];
            size_t l = strlen(nm) + 1;
            name_off = at;
            memcpy(blob + at, nm, l);
            at += l;
        }
        rec[4 * i + 1] = (uint32_t)name_off;
    }
    return fill_near(ref, b, lay, pay);
}

int lm_ref_build(lm_ref_t *ref, void **out, size_t *out_len, lm_err_t *err)
{
    *out = NULL;
    *out_len = 0;
    if (lm_ref_opt_check(&ref->opt, err)) return err->code;
    if (!kidx_host_little_endian())
        return lm_err_set(err, LM_EINTERNAL, NULL, 0, 0,
                          "the index format is little-endian; this host is not");
    if (ref->n == 0) return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "no reference sequences");
    build_t b;
    memset(&b, 0, sizeof(b));
    ref->st.collapsed = 0;
    ref->st.homonyms = 0;
    if (prepare(ref, &b)) {
        build_free(&b);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory building the index");
    }
    kidx_header_t h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, LM_KIDX_MAGIC, 8);
    h.version = LM_KIDX_VERSION;
    h.k = (uint32_t)ref->opt.k;
    h.n_taxa = (uint32_t)b.taxa.n;
    h.n_leaves = (uint32_t)b.nleaves;
    h.n_refs = (uint32_t)b.nrec;
    h.flags = (ref->kingdom ? LM_KIDX_F_KINGDOM : 0) | (ref->opt.near ? LM_KIDX_F_NEAR : 0);
    h.names_len = b.taxa.names_len;
    for (size_t g = 0; g < b.nleaves; g++) h.n_entries += b.lw[g].n;
    if (h.n_entries > UINT32_MAX) {
        build_free(&b);
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "index too large (%llu entries)",
                          (unsigned long long)h.n_entries);
    }
    kidx_layout_t lay;
    kidx_layout(&h, &lay);
    kidx_layout_species(&lay, (uint32_t)b.nsp, b.sp_blob);
    kidx_layout_near(&lay);
    if (ref->opt.near) kidx_layout_near_body(&lay, &h, near_masks(ref, &b), KIDX_NR_COPIES);
    if (b.nsp > UINT32_MAX || lay.total == UINT64_MAX) {
        build_free(&b);
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "index too large (species section of %llu bytes)",
                          (unsigned long long)b.sp_blob);
    }
    h.payload_len = lay.total;
    size_t len = LM_KIDX_HEADER + (size_t)lay.total;
    unsigned char *img = calloc(1, len);
    if (!img || fill_payload(ref, &b, &lay, img + LM_KIDX_HEADER)) {
        free(img);
        build_free(&b);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory building the index");
    }
    build_free(&b);
    memcpy(img, &h, sizeof(h));
    h.checksum =
        kidx_checksum(img + LM_KIDX_HEADER, lay.total, kidx_checksum(img, KIDX_SUMMED_HEADER, 0));
    memcpy(img, &h, sizeof(h));
    *out = img;
    *out_len = len;
    return 0;
}

int lm_ref_write(lm_ref_t *ref, const char *path, lm_err_t *err)
{
    void *img;
    size_t len;
    int rc = lm_ref_build(ref, &img, &len, err);
    if (rc) return rc;
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) {
        free(img);
        return err->code;
    }
    if (fwrite(img, 1, len, lm_afile_stream(f)) != len) {
        int e = errno;
        lm_afile_abort(f);
        free(img);
        return lm_err_set(err, LM_EIO, path, 0, 0, "cannot write the index: %s", strerror(e));
    }
    free(img);
    return lm_afile_commit(f, err);
}
