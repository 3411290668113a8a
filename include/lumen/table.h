/* SPDX-License-Identifier: MIT */
/**
 * @file table.h
 * @brief The feature table: a sparse matrix of integer counts (features x samples) held
 *        both feature-major and sample-major, its TSV and BIOM 2.1 (HDF5) forms, pooling
 *        of per-sample uniques, filters, and collapsing by taxonomy.
 *
 * A table is immutable once created, so any number of threads may read it at once.
 * Feature and sample IDs are unique, non-empty and free of tabs and newlines.
 */
#ifndef LUMEN_TABLE_H
#define LUMEN_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/util.h"

/** A read-only compressed sparse row view (borrowed from a table). Row r holds
 *  idx[ptr[r] .. ptr[r+1]) in ascending order with val > 0 beside them. */
typedef struct lm_csr {
    size_t n_rows, n_cols;
    const uint64_t *ptr; /**< n_rows + 1 offsets */
    const uint32_t *idx; /**< column of each non-zero */
    const uint64_t *val; /**< each non-zero count */
} lm_csr_t;

/** One count for lm_table_create(): duplicates of (feature, sample) are summed, zeros
 *  are dropped. */
typedef struct lm_triplet {
    uint32_t feature;
    uint32_t sample;
    uint64_t count;
} lm_triplet_t;

typedef struct lm_table lm_table_t;

/**
 * Build a table. IDs are copied; trip is sorted in place (the caller still owns it).
 * Fails with LM_EFORMAT on a duplicate ID (naming it) and LM_EINTERNAL on an index out of
 * range. Free with lm_table_destroy().
 */
lm_table_t *lm_table_create(size_t n_features, const char *const *feature_ids, size_t n_samples,
                            const char *const *sample_ids, lm_triplet_t *trip, size_t n_trip,
                            lm_err_t *err) LM_MUST_CHECK;
void lm_table_destroy(lm_table_t *t);

size_t lm_table_n_features(const lm_table_t *t);
size_t lm_table_n_samples(const lm_table_t *t);
size_t lm_table_nnz(const lm_table_t *t);
const char *lm_table_feature_id(const lm_table_t *t, size_t i);
const char *lm_table_sample_id(const lm_table_t *t, size_t j);
/** Rows = features, columns = samples. */
void lm_table_by_feature(const lm_table_t *t, lm_csr_t *out);
/** Rows = samples, columns = features. */
void lm_table_by_sample(const lm_table_t *t, lm_csr_t *out);
/** Sum of the counts of sample j / feature i. */
uint64_t lm_table_sample_total(const lm_table_t *t, size_t j);
uint64_t lm_table_feature_total(const lm_table_t *t, size_t i);

/**
 * Read biom's TSV form: optional leading lines starting with '#' (other than the header),
 * a header "#OTU ID<TAB>S1<TAB>S2..." (any first cell), then one row per feature with a
 * whole, non-negative count per sample ("12" or "12.0"). A last column named "taxonomy" is
 * ignored. CRLF and blank lines are accepted. Errors (LM_EFORMAT) name the file and line:
 * a non-numeric, negative or fractional count, a duplicate sample or feature ID, a row with
 * too few or too many cells, no sample columns. LM_ENOINPUT if the file cannot be opened.
 */
lm_table_t *lm_table_read_tsv(const char *path, lm_err_t *err) LM_MUST_CHECK;

/** Write the TSV form ("# Constructed by lumen", header, rows in the table's order)
 *  atomically. Returns 0 or LM_ECREATE / LM_EIO. */
int lm_table_write_tsv(const lm_table_t *t, const char *path, lm_err_t *err) LM_MUST_CHECK;
/** Write a TSV table to an open stream (no comment line when header_comment is 0). */
int lm_table_fprint_tsv(const lm_table_t *t, FILE *out, int header_comment);

/**
 * Write BIOM 2.1 in HDF5 atomically: root attributes id, type ("OTU table"), format-url,
 * format-version [2,1], generated-by, creation-date, shape, nnz; groups observation/ and
 * sample/ with ids, matrix/{data,indices,indptr} (CSR by observation, CSC by sample as
 * CSR of the transpose) and empty metadata and group-metadata groups.
 * creation_date may be NULL for the current time (ISO 8601), or the time in the
 * SOURCE_DATE_EPOCH environment variable when set (reproducible output).
 */
int lm_table_write_biom(const lm_table_t *t, const char *path, const char *creation_date,
                        lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Pooling and filters                                                                */
/* ---------------------------------------------------------------------------------- */

/** Options of lm_table_pool(); set defaults with lm_table_pool_opt_init(). */
typedef struct lm_table_pool_opt {
    uint64_t min_total;   /**< drop features whose total count is below this (default 1) */
    uint64_t min_samples; /**< drop features present in fewer samples (default 1) */
    int threads;          /**< samples are read in parallel (default 1) */
} lm_table_pool_opt_t;

void lm_table_pool_opt_init(lm_table_pool_opt_t *opt);
int lm_table_pool_opt_check(const lm_table_pool_opt_t *opt, lm_err_t *err);

/**
 * Pool per-sample uniques into a table. paths[j] is a FASTA(.gz) whose records are
 * ">MD5;size=N" with the sequence; sample_ids[j] names its column. The same MD5 in two
 * files is one feature (its sequence must agree). Features are ordered by total count
 * descending, then ID. *seqs (if not NULL) receives the feature sequences in that order
 * (free each and the array with free()). Errors name the file and line: a header without
 * ";size=", an MD5 that is not the sequence's.
 */
lm_table_t *lm_table_pool(size_t n_samples, const char *const *paths, const char *const *sample_ids,
                          const lm_table_pool_opt_t *opt, char ***seqs,
                          lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The stages as files (lumen table, lumen taxa, lumen run)                           */
/* ---------------------------------------------------------------------------------- */

/**
 * The uniques files of lumen reads in READS_DIR/uniques (<sample-id>.fasta.gz or .fasta),
 * sorted by sample ID (byte order). *ids and *paths are malloc'd arrays of malloc'd strings
 * (free each and the arrays). Errors: no such folder or no files (66), one ID twice (65).
 */
int lm_table_list_uniques(const char *reads_dir, char ***ids, char ***paths, size_t *n,
                          lm_err_t *err) LM_MUST_CHECK;

/**
 * Pool the samples (lm_table_pool) and write OUT_DIR/features.fasta ('>MD5' and the
 * sequence, in table order), OUT_DIR/table.tsv and, if biom, OUT_DIR/table.biom, each
 * atomically; OUT_DIR is created if missing. *n_features (if not NULL) gets the count.
 */
int lm_table_build(size_t ns, const char *const *paths, const char *const *ids,
                   const lm_table_pool_opt_t *po, const char *out_dir, int biom, size_t *n_features,
                   lm_err_t *err) LM_MUST_CHECK;

/**
 * The taxa stage: collapse the table at TABLE by the taxonomy at TAXONOMY to every rank
 * from 2 (phylum) to 6 (genus; 7 when the taxonomy has species) and write
 * OUT_DIR/level-N.tsv. Nothing is written unless every level collapses. *top_level (if not
 * NULL) gets the deepest level written.
 */
int lm_table_taxa_write(const char *table, const char *taxonomy, const char *out_dir,
                        int *top_level, lm_err_t *err) LM_MUST_CHECK;

/** A table of the features of t kept by keep[i] != 0, in their order (sample columns
 *  unchanged). Free with lm_table_destroy(). */
lm_table_t *lm_table_subset_features(const lm_table_t *t, const unsigned char *keep,
                                     lm_err_t *err) LM_MUST_CHECK;

/** A table of the samples of t kept by keep[j] != 0, in their order. Free with
 *  lm_table_destroy(). */
lm_table_t *lm_table_subset_samples(const lm_table_t *t, const unsigned char *keep,
                                    lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Taxonomy                                                                           */
/* ---------------------------------------------------------------------------------- */

/** Feature ID -> lineage, from QIIME 2's taxonomy.tsv. */
typedef struct lm_table_taxonomy lm_table_taxonomy_t;

/**
 * Read "Feature ID<TAB>Taxon[<TAB>Confidence...]" (a header line whose first cell is
 * "Feature ID" or starts with '#' is skipped). Errors name the file and line: a row
 * without a Taxon, a duplicate feature ID. Free with lm_table_taxonomy_destroy().
 */
lm_table_taxonomy_t *lm_table_taxonomy_read(const char *path, lm_err_t *err) LM_MUST_CHECK;
void lm_table_taxonomy_destroy(lm_table_taxonomy_t *tx);
/** The lineage of a feature, or NULL if it has none. */
const char *lm_table_taxonomy_get(const lm_table_taxonomy_t *tx, const char *feature_id);

/** The most ranks any lineage of the taxonomy has (ranks are split at ';'). */
int lm_table_taxonomy_depth(const lm_table_taxonomy_t *tx);

/**
 * Collapse t to rank `level` (1-based) as QIIME 2's `taxa collapse` (q2-taxa 2021+) does:
 * each lineage is split at ';', each rank stripped of spaces, padded to the taxonomy's
 * depth with the rank prefixes ("c__", "o__"...) when every rank has one consistent prefix,
 * else with "__", cut to `level` and joined with ';'. Rows are the distinct lineages in
 * byte order. A feature absent from tx is LM_EFORMAT naming it and tax_path; a level
 * deeper than the taxonomy is LM_EUSAGE.
 */
lm_table_t *lm_table_collapse(const lm_table_t *t, const lm_table_taxonomy_t *tx, int level,
                              const char *tax_path, lm_err_t *err) LM_MUST_CHECK;

#endif /* LUMEN_TABLE_H */
