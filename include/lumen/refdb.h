/* SPDX-License-Identifier: MIT */
/**
 * @file refdb.h
 * @brief Reference import (sequences plus taxonomy in the common forms) and the k-mer
 *        index that `lumen classify` reads.
 *
 * Taxonomy forms accepted (DESIGN.md):
 * - QIIME/Greengenes TSV: `id<TAB>k__Bacteria; p__...; g__; s__` (an optional header line
 *   "Feature ID<TAB>Taxon" is skipped; empty ranks such as `g__` are gaps).
 * - SILVA/RDP/DADA2 headers: `>Bacteria;Phylum;...;Genus;`, `>id Bacteria;...;Genus`, and
 *   the gold reference's `>id<TAB>desc<TAB>...<TAB>Bacteria; Phylum; ...; Genus` (the last
 *   tab-separated field). A leading "Root" is dropped. Unprefixed lists are positional.
 * - SINTAX headers: `>id;tax=d:Bacteria,p:...,g:...;`.
 * Ranks are normalised to domain, phylum, class, order, family, genus, species (k__ and
 * superkingdom count as domain). A taxon is keyed by its full path, so one name under two
 * parents stays two taxa (counted in lm_ref_stats_t.homonyms).
 *
 * Index file (all integers little-endian, IEEE-754 binary32 floats; every section starts
 * at a multiple of 8 bytes):
 *   header (64 bytes): magic "LUMENKIX", u32 version, u32 k, u32 n_taxa, u32 n_leaves,
 *   u32 n_refs, u32 flags, u64 n_entries, u64 payload_len, u64 names_len, u64 checksum
 *   payload: taxa [n_taxa x {u32 parent, u32 rank, u32 name_off, u32 n_refs}],
 *            leaves [n_leaves x {u32 taxon, u32 n_refs}], names (NUL-terminated),
 *            offsets [4^k + 1 x u32], entries [n_entries x {u32 leaf, f32 score}],
 *            species: u32 n_sp, u32 0, u64 blob_len,
 *                     [n_sp x {u32 leaf, u32 name_off, u32 seq_off, u32 seq_len}],
 *                     blob (blob_len bytes: the sequences, then NUL-terminated names),
 *            references: u32 n_refs, u32 flags, u64 n_mask, [n_refs x u32 distinct words],
 *                     [n_refs x u32 copies, when flags has 1], [n_leaves + 1 x u64 word
 *                     offsets], [n_entries x u32 words by leaf],
 *                     [n_mask x u64 reference masks] (refdb_internal.h has the details)
 * The checksum covers the first 56 header bytes and the payload. The species section
 * (version 2) keeps every reference whose lineage names both its genus and its species
 * (deduplicated by leaf, species and sequence; the region cut by --primers), so that
 * classify can add a species by exact sequence match (classify.h); it never feeds the
 * k-mer scores. The references section (version 3) has, per leaf, its words with the set
 * of its references (after collapsing identical ones) that hold each, and every
 * reference's number of distinct words and of identical records it stands for, so that
 * classify can measure how near a query comes to the nearest reference of its genus and
 * find the nearest references of all (classify.h, near and nn). Entries of k-mer w are
 * entries[offsets[w] .. offsets[w+1]), sorted by leaf; score is log(1 + n(w,g) / P_w), the
 * RDP word log-probability of leaf g above its value for a word g lacks (classify.h).
 */
#ifndef LUMEN_REFDB_H
#define LUMEN_REFDB_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/util.h"

/** Normalised ranks. */
enum lm_rank {
    LM_RANK_DOMAIN = 0,
    LM_RANK_PHYLUM,
    LM_RANK_CLASS,
    LM_RANK_ORDER,
    LM_RANK_FAMILY,
    LM_RANK_GENUS,
    LM_RANK_SPECIES,
    LM_NRANKS
};

/** "domain", "phylum", ... ("?" outside the range). */
const char *lm_rank_name(int rank);
/** The rank of a one-letter prefix (d k p c o f g s), or -1. */
int lm_rank_from_letter(int c);

/* ---------------------------------------------------------------------------------- */
/* Lineages                                                                           */
/* ---------------------------------------------------------------------------------- */

/** A parsed lineage: one name per rank, "" for a gap. Plain data. */
typedef struct lm_lineage {
    char name[LM_NRANKS][128];
    int prefixed; /**< ranks were written with k__/d__ style prefixes */
    int kingdom;  /**< the domain prefix was k__ (Greengenes) rather than d__ */
} lm_lineage_t;

/**
 * Parse a semicolon-separated lineage ("k__Bacteria; p__X; g__" or "Root;Bacteria;X;").
 * Fields with an x__ prefix go to that rank; unprefixed fields are positional. Returns
 * the number of named ranks (0 if none), or LM_EFORMAT (a name longer than 127 bytes, an
 * unknown prefix, or more than 7 positional fields) with err->msg filled.
 */
int lm_lineage_parse(const char *s, size_t len, lm_lineage_t *lin, lm_err_t *err);

/** Parse a SINTAX "tax=d:A,p:B,g:C" field (s points at "tax=" or past it). Same returns. */
int lm_lineage_parse_sintax(const char *s, size_t len, lm_lineage_t *lin, lm_err_t *err);

/**
 * Find the lineage in a FASTA header (ID and comment as seqio splits them) in any of the
 * header forms above. Sets *id_len to the length of the real ID within `name` (SINTAX IDs
 * stop at ';'). Returns the number of named ranks, 0 if the header carries no lineage, or
 * LM_EFORMAT.
 */
int lm_lineage_from_header(const char *name, const char *comment, lm_lineage_t *lin, size_t *id_len,
                           lm_err_t *err);

/* ---------------------------------------------------------------------------------- */
/* Building                                                                           */
/* ---------------------------------------------------------------------------------- */

/** Index build options; lm_ref_opt_init() sets the defaults. */
typedef struct lm_ref_opt {
    int k;               /**< word length, 4..12 (default 8, RDP's) */
    int max_rank;        /**< deepest rank classified (default LM_RANK_GENUS) */
    int threads;         /**< threads for counting; the file does not depend on it */
    const char *primers; /**< a trim.h preset ("v4", ...) to cut each reference to the
                              amplicon between its primers, or NULL for whole sequences */
    int primer_mm;       /**< mismatches allowed per primer (default 2) */
    int keep_duplicates; /**< 1: every copy of a sequence repeated with the same lineage
                              counts in N_g, n(w,g) and N, as rdp_classifier's trainer
                              counts them; 0 (default): such copies count once */
    int near;            /**< 1: write the references section (which references of each
                              leaf hold each word) that classify's near option needs;
                              0 (default): leave it empty, a smaller index (the gold set:
                              18 MB instead of 40) that loads faster */
} lm_ref_opt_t;

void lm_ref_opt_init(lm_ref_opt_t *opt);
/** 0, or LM_EUSAGE with err filled. */
int lm_ref_opt_check(const lm_ref_opt_t *opt, lm_err_t *err);

/** What a build saw. */
typedef struct lm_ref_stats {
    uint64_t sequences;   /**< records read */
    uint64_t collapsed;   /**< identical sequence and lineage as an earlier one: dropped
                               (kept and counted with opt.keep_duplicates) */
    uint64_t no_amplicon; /**< with primers: references without both primer sites, dropped */
    uint64_t homonyms;    /**< names that occur under more than one parent */
    char homonym_example[256];
} lm_ref_stats_t;

/** A reference being collected. Create with lm_ref_create(), free with lm_ref_destroy(). */
typedef struct lm_ref lm_ref_t;

lm_ref_t *lm_ref_create(const lm_ref_opt_t *opt);
void lm_ref_destroy(lm_ref_t *ref);

/**
 * Add one reference sequence with its lineage (both copied). Sequences are upper-case
 * IUPAC; k-mers holding a base other than A, C, G, T are skipped. Returns 0 or
 * LM_ENOMEM / LM_EFORMAT (a lineage with no named rank).
 */
int lm_ref_add(lm_ref_t *ref, const char *seq, size_t len, const lm_lineage_t *lin,
               lm_err_t *err) LM_MUST_CHECK;

/**
 * Read a FASTA reference; lineages come from `taxonomy_tsv` (QIIME form, matched by ID)
 * if not NULL, else from the headers. With opt.primers, each sequence is cut to the
 * region between the forward primer and the reverse primer's reverse complement (primers
 * removed, as QIIME 2's extract-reads does); sequences lacking either site are dropped. A record
 * without a lineage is an error naming the file and line. Returns 0 or a negative status.
 */
int lm_ref_read(lm_ref_t *ref, const char *fasta, const char *taxonomy_tsv,
                lm_err_t *err) LM_MUST_CHECK;

/** Statistics so far (borrowed; valid until lm_ref_destroy()). */
const lm_ref_stats_t *lm_ref_stats(const lm_ref_t *ref);

/**
 * Build the index image in memory: *out (free() it) of *out_len bytes. Deterministic:
 * the same bytes for any thread count and any input order of identical records.
 * Returns 0 or a negative status.
 */
int lm_ref_build(lm_ref_t *ref, void **out, size_t *out_len, lm_err_t *err) LM_MUST_CHECK;

/** Build and write the index to `path` atomically. */
int lm_ref_write(lm_ref_t *ref, const char *path, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The loaded index                                                                   */
/* ---------------------------------------------------------------------------------- */

#define LM_KIDX_MAGIC   "LUMENKIX"
#define LM_KIDX_VERSION 3u
#define LM_KIDX_HEADER  64u
/** flags: the reference wrote k__ (not d__) for the domain. */
#define LM_KIDX_F_KINGDOM 1u
/** flags: the references section is filled (built with lm_ref_opt_t.near); without it the
 *  section holds only its head, with no references, and the near accessors below must
 *  not be called. */
#define LM_KIDX_F_NEAR 2u

/** One entry of a k-mer's leaf list. */
typedef struct lm_kidx_entry {
    uint32_t leaf;
    float score;
} lm_kidx_entry_t;

/** A taxon of the index. */
typedef struct lm_kidx_taxon {
    uint32_t parent; /**< UINT32_MAX for a domain */
    uint32_t rank;
    uint32_t name_off;
    uint32_t n_refs;
} lm_kidx_taxon_t;

/** A loaded, validated index; immutable and shareable between threads. */
typedef struct lm_kidx lm_kidx_t;

/**
 * Load an index file with one read. A short, corrupt (checksum), wrong-magic or
 * wrong-version file is refused with LM_EFORMAT naming the file; a missing one with
 * LM_ENOINPUT. Free with lm_kidx_destroy().
 */
lm_kidx_t *lm_kidx_load(const char *path, lm_err_t *err) LM_MUST_CHECK;
/** lm_kidx_load() that builds the classifier's tables on `threads` threads: the same index
 *  for any number. */
lm_kidx_t *lm_kidx_load_threads(const char *path, int threads, lm_err_t *err) LM_MUST_CHECK;

/** Load from a memory image of len bytes (copied), for tests and fuzzing. `name` labels
 *  errors. */
lm_kidx_t *lm_kidx_load_mem(const void *buf, size_t len, const char *name,
                            lm_err_t *err) LM_MUST_CHECK;

void lm_kidx_destroy(lm_kidx_t *idx);

int lm_kidx_k(const lm_kidx_t *idx);
uint32_t lm_kidx_n_taxa(const lm_kidx_t *idx);
uint32_t lm_kidx_n_leaves(const lm_kidx_t *idx);
uint32_t lm_kidx_n_refs(const lm_kidx_t *idx);
uint64_t lm_kidx_n_entries(const lm_kidx_t *idx);
uint32_t lm_kidx_flags(const lm_kidx_t *idx);
const lm_kidx_taxon_t *lm_kidx_taxon(const lm_kidx_t *idx, uint32_t t);
const char *lm_kidx_taxon_name(const lm_kidx_t *idx, uint32_t t);
/** The taxon of leaf g and its reference count. */
uint32_t lm_kidx_leaf_taxon(const lm_kidx_t *idx, uint32_t g);
uint32_t lm_kidx_leaf_refs(const lm_kidx_t *idx, uint32_t g);
/** The taxon at `rank` on leaf g's path, or UINT32_MAX for a gap. */
uint32_t lm_kidx_leaf_path(const lm_kidx_t *idx, uint32_t g, int rank);
/** log(n_refs(g) + 1), precomputed at load. */
double lm_kidx_leaf_lognorm(const lm_kidx_t *idx, uint32_t g);
/** The references with a genus and a species name kept by the index (the species section
 *  above), sorted by leaf, species name and sequence. */
uint32_t lm_kidx_n_species_refs(const lm_kidx_t *idx);
/** Species reference i (< lm_kidx_n_species_refs()): its leaf, its species name as the
 *  reference wrote it (without the s__ prefix), and its sequence (*len bytes, not
 *  NUL-terminated). */
uint32_t lm_kidx_species_leaf(const lm_kidx_t *idx, uint32_t i);
const char *lm_kidx_species_name(const lm_kidx_t *idx, uint32_t i);
const char *lm_kidx_species_seq(const lm_kidx_t *idx, uint32_t i, uint32_t *len);
/** The references of leaf g (the references section above): indices first ..
 *  first + *n - 1, where first is the return value (*n is the leaf's n_refs). */
uint32_t lm_kidx_leaf_ref_range(const lm_kidx_t *idx, uint32_t g, uint32_t *n);
/** The number of distinct words of reference i (< lm_kidx_n_refs()). */
uint32_t lm_kidx_ref_words(const lm_kidx_t *idx, uint32_t i);
/** How many identical records (same sequence, same leaf) reference i stands for: the
 *  copies collapsed into it (1 with lumen index --keep-duplicates, and in indexes written
 *  before the count was kept). The nn method's votes. */
uint32_t lm_kidx_ref_copies(const lm_kidx_t *idx, uint32_t i);
/** Leaf g's distinct words, ascending (*n of them), and *masks: for word j, the
 *  M = ceil(n_refs / 64) 64-bit words at (*masks)[j M ...], bit i set when the leaf's
 *  reference first + i holds it; M = 0 (no masks) for a leaf of one reference, which holds
 *  every word of the list. */
const uint32_t *lm_kidx_leaf_words(const lm_kidx_t *idx, uint32_t g, uint32_t *n,
                                   const uint64_t **masks);
/** The entries of k-mer w (w < 4^k); *n gets their number. */
const lm_kidx_entry_t *lm_kidx_word(const lm_kidx_t *idx, uint32_t w, uint32_t *n);

/** Leaves per block in the run summaries below: consecutive leaves, so related taxa. */
#define LM_KIDX_BLOCK 16

/** The number of blocks, ceil(n_leaves / LM_KIDX_BLOCK). */
uint32_t lm_kidx_n_blocks(const lm_kidx_t *idx);
/** -min log(n_refs + 1) over the leaves of block b: the most a word adds to a leaf that
 *  lacks it. */
float lm_kidx_block_absent(const lm_kidx_t *idx, uint32_t b);

/** The block maxima of k-mer w as one dense row: entry b is the most w adds to any leaf of
 *  block b, max(score - log(n_refs + 1)) over its leaves that hold w, raised to
 *  lm_kidx_block_absent(b) if some leaf of the block lacks it; entries from
 *  lm_kidx_n_blocks() to lm_kidx_bmax_stride() (a multiple of 16) are 0. Built at load. */
const float *lm_kidx_word_bmax(const lm_kidx_t *idx, uint32_t w);
uint32_t lm_kidx_bmax_stride(const lm_kidx_t *idx);
/** Units per 1 of the gap in lm_kidx_word_bcode(). */
#define LM_KIDX_GAP_SCALE 64
/** Blocks per group of lm_kidx_word_gbase(): a word holds each leaf at most once, so its
 *  entries in one group's blocks before the last are fewer than 2^16. */
#define LM_KIDX_CODE_GROUP 4096u
/** The block codes of k-mer w, one per block, lm_kidx_bcode_stride() of them (at least
 *  lm_kidx_n_blocks() + 1), beside lm_kidx_word_bmax():
 *  - bits 0-15: where block b's entries start in w's list (lm_kidx_word()), less the start
 *    of b's group (lm_kidx_word_gbase(); 0 for an index of one group, up to 65,535
 *    leaves): block b holds entries [start(b), start(b + 1)); past the last block, the
 *    list's length (lm_kidx_word_start() adds the two);
 *  - bits 16-19: the offset in the block of a leaf whose value (w's score - log(n_refs + 1),
 *    or -log(n_refs + 1) for a leaf lacking w) is the block maximum bmax[b];
 *  - bits 20-31: a gap q such that every other leaf of the block has a value at most
 *    bmax[b] - q / LM_KIDX_GAP_SCALE.
 *  The runner-up part bounds a block's leaves over several words more tightly than the sum
 *  of their block maxima, for the classifier. Built at load; padding blocks' codes are 0
 *  but for the start. */
const uint32_t *lm_kidx_word_bcode(const lm_kidx_t *idx, uint32_t w);
uint32_t lm_kidx_bcode_stride(const lm_kidx_t *idx);
/** Where the entries of each group of LM_KIDX_CODE_GROUP blocks start in k-mer w's list;
 *  NULL for an index whose blocks (and the one past the last) form one group. */
const uint32_t *lm_kidx_word_gbase(const lm_kidx_t *idx, uint32_t w);
/** Where block b's entries (b <= lm_kidx_n_blocks()) start in k-mer w's list. */
uint32_t lm_kidx_word_start(const lm_kidx_t *idx, uint32_t w, uint32_t b);
#define LM_KIDX_CODE_START(c) ((c)&0xFFFFu)
#define LM_KIDX_CODE_LEAF(c)  (((c) >> 16) & 15u)
#define LM_KIDX_CODE_GAP(c)   ((c) >> 20)

/** The loaded tables as plain pointers, for the classifier's inner loops (the accessor
 *  functions above read the same memory). Valid until lm_kidx_destroy(). */
typedef struct lm_kidx_view {
    const uint32_t *off;        /**< 4^k + 1 offsets into ent */
    const lm_kidx_entry_t *ent; /**< all entries */
    const uint32_t *row_of;     /**< per k-mer: its row in bmax and bcode */
    const float *bmax;          /**< rows of bmax_stride floats */
    const uint32_t *bcode;      /**< rows of bcode_stride block codes */
    const uint32_t *gbase;      /**< rows of gbase_stride group starts, or NULL */
    const double *lognorm;      /**< per leaf */
    uint32_t bmax_stride, bcode_stride, gbase_stride;
    float bmax_abs; /**< the largest magnitude in bmax: a sum of m rows' terms stays within
                         m bmax_abs, which bounds its float rounding */
    float ent_abs;  /**< the largest magnitude of an entry's score, so of a dense row's value */
} lm_kidx_view_t;
void lm_kidx_view(const lm_kidx_t *idx, lm_kidx_view_t *v);

/* ---------------------------------------------------------------------------------- */
/* k-mers                                                                             */
/* ---------------------------------------------------------------------------------- */

/**
 * Encode every k-mer of seq[0..len) made only of A, C, G, T (2 bits a base, A=0 C=1 G=2
 * T=3, first base in the high bits) into words[], in sequence order, duplicates kept.
 * k-mers holding any other byte are skipped. words must hold len entries. Returns the count.
 */
size_t lm_kmer_encode(const char *seq, size_t len, int k, uint32_t *words);

#endif /* LUMEN_REFDB_H */
