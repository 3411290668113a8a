/* SPDX-License-Identifier: MIT */
/* What the builder and the loader of the k-mer index share: the header layout, section
 * sizes and the checksum. Private to src/refdb/. */
#ifndef LUMEN_REFDB_INTERNAL_H
#define LUMEN_REFDB_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "lumen/refdb.h"
#include "lumen/trim.h"

/* The 64-byte header, written as it sits in memory: the file is little-endian and the
 * loader refuses big-endian hosts, so memcpy is the whole encoding. */
typedef struct kidx_header {
    char magic[8];
    uint32_t version, k, n_taxa, n_leaves, n_refs, flags;
    uint64_t n_entries, payload_len, names_len, checksum;
} kidx_header_t;

_Static_assert(sizeof(kidx_header_t) == LM_KIDX_HEADER, "index header must be 64 bytes");
_Static_assert(sizeof(lm_kidx_entry_t) == 8, "index entry must be 8 bytes");
_Static_assert(sizeof(lm_kidx_taxon_t) == 16, "index taxon must be 16 bytes");

/* The header bytes the checksum covers (all but the checksum itself). */
#define KIDX_SUMMED_HEADER 56u

static inline uint64_t kidx_pad8(uint64_t n)
{
    return (n + 7u) & ~(uint64_t)7u;
}

static inline int kidx_host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Section offsets within the payload; a total of UINT64_MAX means the counts overflow.
 * kidx_layout() places the sections the header counts, up to the species section's
 * 16-byte head (total then ends after that head); kidx_layout_species() adds its records
 * and blob once their counts (read from that head) are known. */
typedef struct kidx_layout {
    uint64_t taxa, leaves, names, offsets, entries, species, sp_recs, sp_blob, total;
    uint64_t near, nr_refw, nr_copies, nr_woff, nr_words, nr_masks; /* references (near.c) */
} kidx_layout_t;

#define KIDX_SP_HEAD 16u
#define KIDX_SP_REC  16u
/* The largest species blob: its offsets are u32. */
#define KIDX_SP_BLOB_MAX 0xFFFFFFFFull

void kidx_layout(const kidx_header_t *h, kidx_layout_t *l);
void kidx_layout_species(kidx_layout_t *l, uint32_t n_sp, uint64_t blob_len);

/* The references section (format 3; near.c), for classify's near option and nn method
 * (classify.h): which references of each leaf hold each of the leaf's words. Head: u32 n
 * (= header n_refs), u32 flags (KIDX_NR_COPIES, or 0 as the first format-3 indexes
 * wrote), u64 n_mask; then refw [n x u32] (each reference's distinct words; references
 * in build order: by leaf, then length and sequence), padded to 8; with KIDX_NR_COPIES,
 * copies [n x u32] (how many identical records, same sequence and leaf, the reference
 * stands for: 1 with lumen index --keep-duplicates; none means 1 each), padded to 8;
 * woff [(n_leaves + 1) x u64] (leaf g's words are words[woff[g] .. woff[g+1])); words
 * [n_entries x u32] (each leaf's distinct words, ascending), padded to 8; masks
 * [n_mask x u64]: for leaf g with R_g references and M_g = ceil(R_g / 64) mask words per
 * word (none when R_g = 1: its reference holds every word), word j of the leaf has masks
 * M_g at a time, bit i set when its reference i holds it; n_mask = sum of W_g M_g.
 * kidx_layout_near() places the head after the species section (total then ends after it);
 * kidx_layout_near_body() the rest. */
#define KIDX_NR_HEAD   16u
#define KIDX_NR_COPIES 1u
/* Mask words per word of a leaf with r references: none for one reference (it holds
 * every word of its leaf), else one per 64. */
static inline uint32_t kidx_near_masks(uint32_t r)
{
    return r > 1 ? (r + 63u) / 64u : 0u;
}
void kidx_layout_near(kidx_layout_t *l);
void kidx_layout_near_body(kidx_layout_t *l, const kidx_header_t *h, uint64_t n_mask,
                           uint32_t nr_flags);

/* A 64-bit checksum of n bytes, continuing from h (start with 0): splitmix64 chained over
 * little-endian 8-byte words, the tail zero-padded, then the length. */
uint64_t kidx_checksum(const void *p, size_t n, uint64_t h);

/* For reading (read.c): the primer pair of ref's options (NULL if none), the mismatches
 * allowed, and the counter of references dropped for lacking a primer site. */
void ref_primers(lm_ref_t *ref, const lm_primer_pair_t **pp, int *mm, uint64_t **no_amplicon);

/* Taxa of an index being built (taxa.c). */
typedef struct taxa {
    char **keys; /* sorted, unique; owned */
    size_t n;
    lm_kidx_taxon_t *rec;
    char *names;
    size_t names_len;
} taxa_t;

/* Make the taxa of leaf path keys paths[0..npaths) (build.c): leaf_taxon[i] gets the taxon
 * of paths[i]; names under more than one parent are counted in st. 0 or -1 (no memory). */
int build_taxa(char *const *paths, size_t npaths, lm_ref_stats_t *st, taxa_t *t,
               uint32_t *leaf_taxon);
void taxa_free(taxa_t *t);

#endif
