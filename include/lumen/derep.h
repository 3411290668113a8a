/* SPDX-License-Identifier: MIT */
/**
 * @file derep.h
 * @brief Dereplication: exact sequence -> count, as vsearch --derep_fulllength counts,
 *        and the per-sample read stage that ends in it (lm_sample_run: read, trim, merge,
 *        filter, dereplicate, write uniques and QC).
 *
 * Memory grows with the number of distinct sequences, never with the reads. Output order is
 * a total order (count descending, then sequence bytes), so hash order never reaches a file.
 */
#ifndef LUMEN_DEREP_H
#define LUMEN_DEREP_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/seqio.h"
#include "lumen/trim.h"
#include "lumen/util.h"

/** A table of distinct sequences and their counts. Not thread-safe: one writer at a time. */
typedef struct lm_derep lm_derep_t;

/** An empty table; NULL when out of memory. Free with lm_derep_destroy(). */
lm_derep_t *lm_derep_create(void) LM_MUST_CHECK;
void lm_derep_destroy(lm_derep_t *d);

/** Add count copies of seq[0..len), which must be followed by a NUL as in a kstring (copied;
 *  compared byte for byte). Returns 0 or LM_ENOMEM. */
int lm_derep_add(lm_derep_t *d, const char *seq, size_t len, uint64_t count) LM_MUST_CHECK;

/** Add every sequence of src to dst. Returns 0 or LM_ENOMEM. */
int lm_derep_merge(lm_derep_t *dst, const lm_derep_t *src) LM_MUST_CHECK;

/** Distinct sequences. */
size_t lm_derep_size(const lm_derep_t *d);
/** Sum of all counts. */
uint64_t lm_derep_total(const lm_derep_t *d);
/** Distinct sequences seen exactly once. */
size_t lm_derep_singletons(const lm_derep_t *d);

/** One distinct sequence; seq is borrowed from the table and NUL-terminated. */
typedef struct lm_derep_entry {
    const char *seq;
    size_t len;
    uint64_t count;
} lm_derep_entry_t;

/**
 * The entries sorted by count descending, then by sequence bytes (memcmp, shorter first on
 * a common prefix). *out is malloc'd (free() it; the strings stay owned by d and live
 * until d changes or is destroyed). Returns 0 or LM_ENOMEM.
 */
int lm_derep_sorted(const lm_derep_t *d, lm_derep_entry_t **out, size_t *n) LM_MUST_CHECK;

/** Write the sorted table as FASTA with headers ">MD5;size=N" (MD5 of the sequence, lower-case
 *  hex) to path (BGZF if it ends in ".gz"; atomic). Returns 0 or an error. */
int lm_derep_write_fasta(const lm_derep_t *d, const char *path, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The per-sample read stage (lumen reads)                                            */
/* ---------------------------------------------------------------------------------- */

/** What to write for a sample besides its uniques. */
typedef struct lm_sample_out {
    const char *uniques;               /**< FASTA(.gz) of the uniques; required */
    const char *merged;                /**< FASTQ(.gz) of every merged (or single-end trimmed) read
                                            before filtering, or NULL */
    const char *filtered;              /**< FASTQ(.gz) of the reads that passed, or NULL */
    const char *unmerged1, *unmerged2; /**< FASTQ(.gz) of pairs that did not merge, or NULL */
} lm_sample_out_t;

/** Read positions whose qualities are profiled (later positions are not counted). */
#define LM_QPOS_MAX 512
/** Merged lengths histogrammed one by one; longer reads count in the last bin. */
#define LM_MLEN_MAX 1024

/** Counts for one sample (integers only, so they never depend on the thread count). */
typedef struct lm_sample_stats {
    uint64_t reads_in;      /**< pairs (or reads) read */
    uint64_t primers_found; /**< with both primers found (all, when none were asked for) */
    uint64_t merged;        /**< pairs merged (single-end: reads that reached filtering) */
    uint64_t merged_bases;  /**< total length of those reads */
    uint64_t passed;        /**< reads that passed every filter */
    uint64_t uniques;       /**< distinct sequences among them */
    uint64_t singletons;    /**< uniques seen once */
    uint64_t fate[LM_FATE_N];
    uint64_t merge_status[LM_MERGE_NSTATUS];
    /** Quality profile of the input reads as read (before trimming): per read (0 = R1,
     *  1 = R2) and position, the sum of Phred scores and the number of reads that long. */
    uint64_t qual_sum[2][LM_QPOS_MAX], qual_n[2][LM_QPOS_MAX];
    /** Lengths of the reads that passed every filter: mlen_hist[L] reads of length L (the
     *  last bin holds LM_MLEN_MAX and longer). */
    uint64_t mlen_hist[LM_MLEN_MAX + 1];
} lm_sample_stats_t;

/**
 * Run the read stage on one sample: read R1/R2 (r2 NULL for single-end) in batches of
 * LM_BATCH_RECORDS, process each batch with `threads` OpenMP threads into per-record slots,
 * dereplicate in record order, then write out->uniques (and the optional files). With
 * threads >= 2 one more thread (a pthread) reads the next batch meanwhile, so two batches
 * are in memory. The outputs and stats are the same for any thread count. On error nothing
 * is left at the output paths. Thread-safe for distinct outputs (samples may run in
 * parallel, sharing t). Returns 0 or a negative status with err filled (naming the file).
 */
int lm_sample_run(const lm_trim_t *t, const char *r1, const char *r2, const lm_sample_out_t *out,
                  int threads, lm_sample_stats_t *stats, lm_err_t *err) LM_MUST_CHECK;

/**
 * Write the QC record of one sample (DIR/qc/<id>.json of lumen reads) to path, atomically:
 * counts, read fates, merge outcomes, the quality profile ("quality_by_position": mean Phred
 * per position of R1 and R2, as read) and the length histogram of the reads that passed
 * ("merged_length_histogram": [[length, reads], ...], non-zero bins), and the parameters.
 */
int lm_sample_write_json(const char *path, const char *id, const char *r1, const char *r2,
                         const lm_trim_opt_t *opt, const lm_sample_stats_t *s,
                         lm_err_t *err) LM_MUST_CHECK;

#endif /* LUMEN_DEREP_H */
