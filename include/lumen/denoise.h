/* SPDX-License-Identifier: MIT */
/**
 * @file denoise.h
 * @brief Denoising of pooled uniques into zero-radius OTUs (ZOTUs) as vsearch
 *        --cluster_unoise does (UNOISE3), de novo chimera removal as vsearch
 *        --uchime3_denovo does (UCHIME3), and mapping of every unique to a ZOTU as
 *        vsearch --usearch_global --id 0.97 does.
 *
 * The alignment is vsearch's global alignment (Needleman-Wunsch with affine gaps: match 2,
 * mismatch -4, interior gaps 20 for the first column and 2 for each further one, terminal
 * gaps 2 and 1), with vsearch's tie-breaking in the traceback, so that the numbers of
 * matches, mismatches and gaps of a pair are vsearch's. The k-mer prefilter is vsearch's
 * (distinct 8-mers shared, at least 12, candidates ordered by shared count descending,
 * then length ascending, then earlier target first). Known differences: vsearch masks
 * low-complexity regions (dust) before counting k-mers, lumen does not; lumen fills a band
 * of diagonals (widened, then the whole matrix, when the path reaches the band's edge)
 * where vsearch fills the whole matrix.
 *
 * Results never depend on the thread count.
 */
#ifndef LUMEN_DENOISE_H
#define LUMEN_DENOISE_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/util.h"

/* ---------------------------------------------------------------------------------- */
/* Pairwise alignment                                                                 */
/* ---------------------------------------------------------------------------------- */

/** The numbers of one global alignment of a query against a target (vsearch's). */
typedef struct lm_denoise_aln {
    int score;          /**< raw alignment score */
    int alnlen;         /**< columns, terminal gaps included */
    int matches;        /**< identical columns */
    int mismatches;     /**< substitution columns */
    int gaps;           /**< gap openings (runs of gap columns), terminal ones included */
    int indels;         /**< gap columns, terminal ones included */
    int internal_len;   /**< columns without the terminal gaps */
    int internal_gaps;  /**< gap openings without the terminal ones */
    int internal_indel; /**< gap columns without the terminal ones */
    double id;          /**< 100 * matches / internal_len (vsearch --iddef 2) */
} lm_denoise_aln_t;

/** An aligner with its scratch memory; one per thread. */
typedef struct lm_denoise_aligner lm_denoise_aligner_t;

/** Create an aligner (NULL when out of memory). Free with lm_denoise_aligner_destroy(). */
lm_denoise_aligner_t *lm_denoise_aligner_create(void);
void lm_denoise_aligner_destroy(lm_denoise_aligner_t *al);

/**
 * Globally align query q (length ql) to target t (length tl), both upper- or lower-case
 * nucleotides. Fills *out. When ops is not NULL it receives the alignment as one letter
 * per column from left to right ('M' aligned pair, 'D' query base against a gap, 'I'
 * target base against a gap) and a NUL; it must hold ql + tl + 1 bytes. Returns 0, or
 * LM_ENOMEM.
 */
int lm_denoise_align(lm_denoise_aligner_t *al, const char *q, int ql, const char *t, int tl,
                     lm_denoise_aln_t *out, char *ops) LM_MUST_CHECK;

/** UNOISE's skew rule (vsearch): a unique of abundance qsize joins a centroid of abundance
 *  tsize with d mismatches in their alignment when qsize / tsize <= 1 / 2^(alpha * d + 1),
 *  or when d is 0. Returns 1 when it may join. */
int lm_denoise_skew_ok(uint64_t qsize, uint64_t tsize, int d, double alpha);

/* ---------------------------------------------------------------------------------- */
/* Options                                                                            */
/* ---------------------------------------------------------------------------------- */

enum lm_denoise_chimeras { LM_DENOISE_CHIM_NONE = 0, LM_DENOISE_CHIM_UCHIME3 = 1 };

/** Options of the denoiser; set the defaults with lm_denoise_opt_init(). */
typedef struct lm_denoise_opt {
    uint64_t minsize; /**< uniques below this abundance are not centroids (default 8) */
    double alpha;     /**< UNOISE alpha (default 2.0) */
    int chimeras;     /**< LM_DENOISE_CHIM_UCHIME3 (default) or LM_DENOISE_CHIM_NONE */
    double abskew;    /**< UCHIME3 parents are at least this much more abundant (16.0) */
    double map_id;    /**< identity to map a unique to a ZOTU by search (default 0.97) */
    int threads;      /**< OpenMP threads (default 1); results never depend on it */
    int write_biom;   /**< also write table.biom (default 1) */
} lm_denoise_opt_t;

void lm_denoise_opt_init(lm_denoise_opt_t *opt);
/** LM_EUSAGE with a message for an option out of range. */
int lm_denoise_opt_check(const lm_denoise_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The three steps on sequences in memory                                            */
/* ---------------------------------------------------------------------------------- */

/**
 * UNOISE3 clustering. The n uniques (seqs[i] of abundance sizes[i]) must already be in
 * processing order: abundance descending, ties in a fixed order (lumen: MD5). Sets
 * centroid[i] to the index of the centroid unique i joined (i itself for a centroid), or
 * -1 for a unique below opt->minsize. Returns 0 or a negative status.
 */
int lm_denoise_unoise(size_t n, const char *const *seqs, const uint64_t *sizes,
                      const lm_denoise_opt_t *opt, int64_t *centroid, lm_err_t *err) LM_MUST_CHECK;

/** One UCHIME3 verdict. */
typedef struct lm_denoise_chim {
    int chimera;       /**< 1 if the sequence is a chimera */
    int64_t parent[2]; /**< indices of parents A and B (-1 if none) */
    double score;      /**< UCHIME score h (0 when no parents were found) */
} lm_denoise_chim_t;

/**
 * UCHIME3 de novo over n sequences in abundance-descending order (ties in a fixed order).
 * Each sequence is checked against the earlier non-chimeras at least abskew times as
 * abundant. Fills res[i]. Single-threaded (as vsearch), so the result is fixed.
 */
int lm_denoise_uchime3(size_t n, const char *const *seqs, const uint64_t *sizes, double abskew,
                       lm_denoise_chim_t *res, lm_err_t *err) LM_MUST_CHECK;

/**
 * Search each query against the database as vsearch --usearch_global --id ID
 * --maxaccepts 1 --maxrejects 32 does; hit[i] receives the database index or -1. Queries
 * with want[i] == 0 are skipped (hit -1) when want is not NULL.
 */
int lm_denoise_search(size_t nq, const char *const *qseqs, size_t ndb, const char *const *dbseqs,
                      double id, int threads, const unsigned char *want, int64_t *hit,
                      lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The whole stage                                                                    */
/* ---------------------------------------------------------------------------------- */

/**
 * `lumen denoise`: read a `lumen table` folder (features.fasta, table.tsv), denoise,
 * remove chimeras, map every unique, and write out_dir/{features.fasta, table.tsv,
 * table.biom, chimeras.tsv, map.tsv, denoise_summary.tsv} atomically (nothing is written
 * when an input is bad). Errors: LM_ENOINPUT for a missing input file, LM_EFORMAT for a
 * feature of table.tsv absent from features.fasta (named) and other bad data, LM_ECREATE
 * when out_dir cannot be created.
 */
int lm_denoise_run(const lm_denoise_opt_t *opt, const char *table_dir, const char *out_dir,
                   lm_err_t *err) LM_MUST_CHECK;

#endif /* LUMEN_DENOISE_H */
