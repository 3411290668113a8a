/* SPDX-License-Identifier: MIT */
/**
 * @file trim.h
 * @brief Read processing before dereplication: primer presets and IUPAC-aware primer
 *        matching, pair merging as vsearch --fastq_mergepairs does it, and quality
 *        filtering (truncation, expected errors, lengths, Ns).
 *
 * The per-read pipeline (lm_trim_pair / lm_trim_single) is pure: it reads records and
 * writes its result into a caller-owned slot, so a batch can be processed by any number
 * of threads in any order with the same result. Objects made by lm_trim_create() are
 * immutable and shared; scratch space (lm_trim_buf_t) is one per thread.
 */
#ifndef LUMEN_TRIM_H
#define LUMEN_TRIM_H

#include <stddef.h>

#include "lumen/seqio.h"
#include "lumen/util.h"

/** A named primer pair: forward primer (start of R1) and reverse primer (start of R2),
 *  both 5'->3' as ordered. */
typedef struct lm_primer_pair {
    const char *name; /**< "v4", "v3v4", "v1v2" */
    const char *fwd_name, *fwd;
    const char *rev_name, *rev;
} lm_primer_pair_t;

/** The built-in presets, ending with a zeroed entry. */
extern const lm_primer_pair_t lm_primer_presets[];

/** Look up a preset by name ("v4", "v3v4", "v1v2"); NULL if unknown. "none" is not a
 *  preset: the caller treats it as no primers. */
const lm_primer_pair_t *lm_primer_preset(const char *name);

/** 1 if read base b matches primer code p: b must be A, C, G or T (a read's own N or
 *  other ambiguity code is a mismatch, as cutadapt counts by default) and lie in p's
 *  IUPAC set. */
static inline int lm_iupac_match(unsigned char b, unsigned char p)
{
    unsigned bm = lm_iupac_mask(b);
    return (bm == 1 || bm == 2 || bm == 4 || bm == 8) && (bm & lm_iupac_mask(p));
}

/** Mismatches between primer[0..plen) and seq at offset pos (the caller checks that
 *  pos + plen <= len); stops counting once the count exceeds max. */
int lm_primer_mismatches(const char *seq, const char *primer, size_t plen, int max);

/**
 * Find primer in seq[0..len) with at most max_mm substitutions (no indels). With anchored,
 * only offset 0 is tried (cutadapt's -g ^PRIMER); otherwise every offset, and the
 * leftmost offset with the fewest mismatches wins. Returns the offset, or -1 if not found.
 * *mm (if not NULL) receives the mismatch count.
 */
long lm_primer_find(const char *seq, size_t len, const char *primer, int max_mm, int anchored,
                    int *mm);

/* ---------------------------------------------------------------------------------- */
/* Pair merging (vsearch --fastq_mergepairs)                                          */
/* ---------------------------------------------------------------------------------- */

/**
 * Merging options, named after vsearch's. Set defaults with lm_merge_opt_init(), which
 * gives vsearch 2.22's defaults: min_overlap 10, max_diffs 10, max_diff_pct 100,
 * no staggered pairs, merged length 1..1000000, qmin_out 0, qmax_out 41.
 */
typedef struct lm_merge_opt {
    int min_overlap;     /**< --fastq_minovlen (>= 5) */
    int max_diffs;       /**< --fastq_maxdiffs: mismatches allowed in the overlap */
    double max_diff_pct; /**< --fastq_maxdiffpct */
    int allow_stagger;   /**< --fastq_allowmergestagger: R2 may run past the start of R1 */
    int min_merged_len;  /**< --fastq_minmergelen */
    int max_merged_len;  /**< --fastq_maxmergelen */
    int qmin_out;        /**< --fastq_qminout */
    int qmax_out;        /**< --fastq_qmaxout: cap on merged qualities */
} lm_merge_opt_t;

void lm_merge_opt_init(lm_merge_opt_t *opt);
/** Check ranges; returns 0 or LM_EUSAGE with err naming the option. */
int lm_merge_opt_check(const lm_merge_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

/** Why a pair did or did not merge (vsearch's reasons, in its order of checks). */
typedef enum lm_merge_status {
    LM_MERGE_OK = 0,
    LM_MERGE_EMPTY,       /**< a read is empty */
    LM_MERGE_REPEAT,      /**< more than one diagonal scores >= the minimum score */
    LM_MERGE_STAGGERED,   /**< best overlap is staggered and staggering is not allowed */
    LM_MERGE_MAXDIFFS,    /**< too many mismatches in the overlap */
    LM_MERGE_MAXDIFFPCT,  /**< too high a percentage of mismatches */
    LM_MERGE_NOKMERS,     /**< no diagonal with 4 shared 5-mers */
    LM_MERGE_MINSCORE,    /**< best alignment score below 16 bits */
    LM_MERGE_MINOVLEN,    /**< overlap shorter than min_overlap */
    LM_MERGE_MINMERGELEN, /**< merged read too short */
    LM_MERGE_MAXMERGELEN, /**< merged read too long */
    LM_MERGE_NSTATUS
} lm_merge_status_t;

/** A short name for a merge status ("ok", "staggered", ...). */
const char *lm_merge_status_name(lm_merge_status_t s);

/** Precomputed quality and score tables; immutable once made, so threads share one. */
typedef struct lm_merger lm_merger_t;

/** Make the tables for opt (checked by the caller). NULL when out of memory. Free with
 *  lm_merger_destroy(). */
lm_merger_t *lm_merger_create(const lm_merge_opt_t *opt) LM_MUST_CHECK;
void lm_merger_destroy(lm_merger_t *m);

/** Per-thread scratch space for merging (the k-mer index of one read). Free with
 *  lm_merge_buf_destroy(). NULL when out of memory. */
typedef struct lm_merge_buf lm_merge_buf_t;
lm_merge_buf_t *lm_merge_buf_create(void) LM_MUST_CHECK;
void lm_merge_buf_destroy(lm_merge_buf_t *b);

/**
 * Merge R1 (s1/q1, l1 bases) with R2 (s2/q2, l2 bases, as sequenced: not reverse
 * complemented), as vsearch --fastq_mergepairs does: candidate overlaps are diagonals with
 * at least 4 shared 5-mers; each is scored without gaps in bits (match log2(p/0.25),
 * mismatch min(log2((1-p)/0.75), -4), p from both qualities; a drop of 16 bits voids a
 * diagonal); the best diagonal must score >= 16 bits and be the only one that does.
 * Overlapping bases get the posterior quality of Edgar & Flyvbjerg (2015):
 *   agree:    P = px*py/3 / (1 - px - py + 4*px*py/3)
 *   disagree: P = px*(1 - py/3) / (px + py - 4*px*py/3), the base of the higher quality
 *             (R2's when equal), px its error probability;
 * Q = round(-10 log10 P) clamped to [qmin_out, qmax_out]; Q0 and Q1 count as P = 0.75.
 * An N takes the other read's base and quality (N qualities count as Q0).
 * On LM_MERGE_OK, seq and qual (reused) hold the merged read and *overlap (if not NULL)
 * the offset vsearch reports; otherwise they are left unchanged. Returns a status, or
 * LM_ENOMEM (negative).
 */
int lm_merge_pair(const lm_merger_t *m, lm_merge_buf_t *b, const char *s1, const char *q1,
                  size_t l1, const char *s2, const char *q2, size_t l2, kstring_t *seq,
                  kstring_t *qual, int *overlap) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The per-read pipeline: primers, truncation, merging, filtering                     */
/* ---------------------------------------------------------------------------------- */

/** Read-processing options; set defaults with lm_trim_opt_init(). Strings are borrowed. */
typedef struct lm_trim_opt {
    const char *fwd_primer; /**< at the start of R1; NULL: none */
    const char *rev_primer; /**< at the start of R2; NULL: none */
    int primer_mismatches;  /**< substitutions allowed in a primer (default 2) */
    int keep_unprimed;      /**< keep reads whose primers are not found (untrimmed) */
    int truncq;             /**< cut each read before its first base with Q <= truncq; -1 off */
    int trunc_len_f;        /**< cut R1 to this length, dropping shorter reads; 0 off */
    int trunc_len_r;        /**< the same for R2 */
    double maxee;           /**< keep reads with expected errors <= maxee; < 0 off */
    int min_len;            /**< minimum length of the final read (default 1) */
    int max_len;            /**< maximum length of the final read; 0 off */
    int max_n;              /**< maximum Ns in the final read (default 0); < 0 off */
    lm_merge_opt_t merge;
} lm_trim_opt_t;

void lm_trim_opt_init(lm_trim_opt_t *opt);
/** Check ranges and primers; returns 0 or LM_EUSAGE. */
int lm_trim_opt_check(const lm_trim_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

/** What became of a read or pair. */
typedef enum lm_trim_fate {
    LM_FATE_PASS = 0,   /**< kept */
    LM_FATE_NO_PRIMER,  /**< a primer was not found */
    LM_FATE_TOO_SHORT,  /**< shorter than trunc_len, or empty after truncation */
    LM_FATE_NOT_MERGED, /**< the pair did not merge (see lm_trim_result_t.merge) */
    LM_FATE_MAXN,       /**< too many Ns */
    LM_FATE_MAXEE,      /**< too many expected errors */
    LM_FATE_LENGTH,     /**< outside min_len..max_len */
    LM_FATE_N
} lm_trim_fate_t;

const char *lm_trim_fate_name(lm_trim_fate_t f);

/** The result for one read or pair, in a caller-owned slot (buffers reused). */
typedef struct lm_trim_result {
    lm_trim_fate_t fate;
    lm_merge_status_t merge; /**< for pairs that reached merging */
    int primers_found;       /**< both primers found (or none were asked for) */
    int merged;              /**< the pair merged (before filtering) */
    double ee;               /**< expected errors of the final read */
    kstring_t seq, qual;     /**< the final (merged) read, when merged or passed */
} lm_trim_result_t;

void lm_trim_result_free(lm_trim_result_t *r);

/** The shared, immutable state for lm_trim_pair(): options and merge tables. */
typedef struct lm_trim lm_trim_t;

/** Make it from opt (copied; checked by the caller). NULL when out of memory. */
lm_trim_t *lm_trim_create(const lm_trim_opt_t *opt) LM_MUST_CHECK;
void lm_trim_destroy(lm_trim_t *t);

/** Process one pair (r1, r2 unchanged) into res, using per-thread scratch b. Returns 0 or
 *  LM_ENOMEM. Thread-safe for distinct b and res. */
int lm_trim_pair(const lm_trim_t *t, lm_merge_buf_t *b, const lm_seqrec_t *r1,
                 const lm_seqrec_t *r2, lm_trim_result_t *res) LM_MUST_CHECK;
/** Process one single-end read: forward primer, truncation, filters (no merging). */
int lm_trim_single(const lm_trim_t *t, const lm_seqrec_t *r1, lm_trim_result_t *res) LM_MUST_CHECK;

/** The length of qual[0..len) before its first base with Phred <= truncq (truncq < 0: len). */
size_t lm_trim_truncq(const char *qual, size_t len, int truncq);

/** The number of N bases in seq (only 'N', as vsearch --fastq_maxns counts). */
size_t lm_count_n(const char *seq, size_t len);

#endif /* LUMEN_TRIM_H */
