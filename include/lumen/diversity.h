/* SPDX-License-Identifier: MIT */
/**
 * @file diversity.h
 * @brief Rarefaction, alpha diversity, beta diversity (Bray-Curtis, Jaccard, Aitchison)
 *        and principal coordinates, each defined as scikit-bio 0.5.8 and vegan 2.6
 *        define it.
 *
 * The per-vector metrics are plain functions on caller-owned arrays of counts. The
 * matrix functions take a table's sample-major CSR view. Every result is independent of
 * the thread count: integer sums are exact, floating sums run in a fixed order, and each
 * random stream is seeded from (seed, sample index). Phylogenetic metrics (Faith's PD,
 * UniFrac) will join lm_div_metric_t and take a tree; nothing here assumes their absence.
 */
#ifndef LUMEN_DIVERSITY_H
#define LUMEN_DIVERSITY_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "lumen/table.h"
#include "lumen/util.h"

/* ---------------------------------------------------------------------------------- */
/* Alpha diversity on one sample's counts (zeros allowed; order does not matter)       */
/* ---------------------------------------------------------------------------------- */

/** Features with a count above zero (skbio observed_otus). */
size_t lm_div_observed(const uint64_t *c, size_t n);
/** skbio chao1(bias_corrected=True): S + F1(F1-1) / (2(F2+1)) in every case. */
double lm_div_chao1(const uint64_t *c, size_t n);
/** skbio chao1(bias_corrected=False): S + F1^2/(2 F2) when F1 and F2 are both > 0, else
 *  the bias-corrected form (as skbio does). */
double lm_div_chao1_classic(const uint64_t *c, size_t n);
/** Shannon entropy -sum p ln p / ln(base); NaN for an all-zero sample (skbio shannon). */
double lm_div_shannon(const uint64_t *c, size_t n, double base);
/** Simpson's 1 - sum p^2; NaN for an all-zero sample (skbio simpson). */
double lm_div_simpson(const uint64_t *c, size_t n);
/** Pielou's evenness H(ln) / ln(S); NaN when S <= 1 (skbio pielou_e). */
double lm_div_pielou(const uint64_t *c, size_t n);
/** Good's coverage 1 - F1/N; NaN for an all-zero sample (skbio goods_coverage). */
double lm_div_goods_coverage(const uint64_t *c, size_t n);

/** All alpha metrics of one sample, in alpha.tsv's column order. */
typedef struct lm_div_alpha {
    double observed, chao1, shannon, simpson, pielou, goods;
} lm_div_alpha_t;

void lm_div_alpha(const uint64_t *c, size_t n, double shannon_base, lm_div_alpha_t *out);

/* ---------------------------------------------------------------------------------- */
/* Beta diversity between two dense count vectors of length n                         */
/* ---------------------------------------------------------------------------------- */

/** sum|u-v| / sum(u+v) (scipy/skbio braycurtis, vegan bray); NaN when both are zero. */
double lm_div_braycurtis(const uint64_t *u, const uint64_t *v, size_t n);
/** 1 - |U and V| / |U or V| on presence (scipy jaccard on booleans; vegan jaccard with
 *  binary=TRUE); 0 when both are zero (as scipy; vegan gives NaN). */
double lm_div_jaccard(const uint64_t *u, const uint64_t *v, size_t n);
/** Euclidean distance of clr(u + pseudocount) and clr(v + pseudocount) (vegan aitchison). */
double lm_div_aitchison(const uint64_t *u, const uint64_t *v, size_t n, double pseudocount);

typedef enum lm_div_metric {
    LM_DIV_BRAYCURTIS = 0,
    LM_DIV_JACCARD = 1,
    LM_DIV_AITCHISON = 2,
    LM_DIV_NMETRICS
} lm_div_metric_t;

/** "braycurtis", "jaccard", "aitchison". */
const char *lm_div_metric_name(lm_div_metric_t m);
/** The metric named s, or -1. */
int lm_div_metric_parse(const char *s);

/** Options of lm_div_beta(); set defaults with lm_div_beta_opt_init(). */
typedef struct lm_div_beta_opt {
    double pseudocount; /**< added to every count before the CLR (default 1) */
    int threads;        /**< default 1 */
} lm_div_beta_opt_t;

void lm_div_beta_opt_init(lm_div_beta_opt_t *opt);
int lm_div_beta_opt_check(const lm_div_beta_opt_t *opt, lm_err_t *err);

/**
 * Fill the n x n matrices of the metrics asked for (out[m] non-NULL, row-major, caller
 * owned, n = samples->n_rows) in one pass, in parallel over samples. Bray-Curtis and
 * Jaccard run over shared features through a feature index, so their cost follows the
 * pairs that share features; Aitchison merges the two sparse rows. Every feature column
 * counts for Aitchison, all-zero ones included. Returns 0, LM_ENOMEM.
 */
int lm_div_beta(const lm_csr_t *samples, const lm_div_beta_opt_t *opt, double *out[LM_DIV_NMETRICS],
                lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Rarefaction                                                                        */
/* ---------------------------------------------------------------------------------- */

/**
 * Draw `depth` of the sum(c) individuals without replacement, uniformly (the distribution
 * of skbio subsample_counts(c, depth, replace=False)), into out[n]. Needs depth <= sum(c).
 * scratch holds sum(c) uint32_t (caller owned). Returns 0 or LM_EINTERNAL.
 */
int lm_div_subsample(const uint64_t *c, size_t n, uint64_t depth, gsl_rng *r, uint32_t *scratch,
                     uint64_t *out);

/**
 * Rarefy every sample of t to `depth`, sample j drawing from lm_rng_create(seed, j).
 * Samples whose total is below depth are left out of the result and flagged in
 * dropped[j] (caller owned, n_samples bytes). Features keep their rows (some may become
 * all zero). Free the result with lm_table_destroy().
 */
lm_table_t *lm_div_rarefy(const lm_table_t *t, uint64_t depth, uint64_t seed, int threads,
                          unsigned char *dropped, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Principal coordinates                                                              */
/* ---------------------------------------------------------------------------------- */

/** A PCoA of n samples with all n axes, sorted by eigenvalue, largest first. Free with
 *  lm_div_pcoa_free(). */
typedef struct lm_div_pcoa {
    size_t n;
    double *raw_eigvals; /**< n eigenvalues of the Gower-centred matrix, negatives kept */
    double *eigvals;     /**< as skbio reports them: |x| <= 1e-8 and negatives set to 0 */
    double *proportion;  /**< eigvals / sum(eigvals) (skbio proportion_explained) */
    double *coords;      /**< n x n row-major: sample i, axis k = v_ik sqrt(eigval_k) */
} lm_div_pcoa_t;

/**
 * PCoA as skbio.stats.ordination.pcoa (method "eigh"): centre -D^2/2 by rows and columns,
 * take all eigenpairs (gsl_eigen_symmv), and zero the axes whose eigenvalue is negative
 * or within 1e-8 of zero. Each axis's sign is fixed so that its first coordinate within
 * 1e-6 of the largest magnitude is positive (skbio's sign is arbitrary). D is n x n row-major.
 * Returns 0, LM_ENOMEM, or LM_EFORMAT for a non-finite distance.
 */
int lm_div_pcoa(const double *D, size_t n, lm_div_pcoa_t *out, lm_err_t *err) LM_MUST_CHECK;
void lm_div_pcoa_free(lm_div_pcoa_t *p);

/* ---------------------------------------------------------------------------------- */
/* Output files (atomic; numbers with %.17g, NaN as "nan")                            */
/* ---------------------------------------------------------------------------------- */

/** Write x to buf (at least 32 bytes) exactly as printf("%.17g") does, several times
 *  faster, and NaN as "nan". Returns the length. */
int lm_div_format_double(double x, char *buf);

/** alpha.tsv: "sample-id<TAB>observed_features<TAB>chao1<TAB>shannon<TAB>simpson<TAB>
 *  pielou_evenness<TAB>goods_coverage", one row per sample. */
int lm_div_write_alpha(const char *path, size_t n, const char *const *ids, const lm_div_alpha_t *a,
                       lm_err_t *err) LM_MUST_CHECK;

/** scikit-bio's DistanceMatrix TSV: a first line of an empty cell and the IDs, then each
 *  ID and its row. Rows are formatted in parallel and written in order. */
int lm_div_write_matrix(const char *path, size_t n, const char *const *ids, const double *D,
                        int threads, lm_err_t *err) LM_MUST_CHECK;

/** The PCoA: `coords_path` gets "sample-id<TAB>PC1..PCk" and a row per sample (k = axes, 0
 *  or more than n means n); `axes_path` gets "axis<TAB>eigenvalue<TAB>proportion_explained
 *  <TAB>raw_eigenvalue", a row per axis (all n). */
int lm_div_write_pcoa(const char *coords_path, const char *axes_path, const char *const *ids,
                      const lm_div_pcoa_t *p, size_t axes, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The stage as files (lumen diversity, lumen run)                                    */
/* ---------------------------------------------------------------------------------- */

/** lm_div_run_opt_t.depth: choose the depth from the sample totals (lm_div_auto_depth). */
#define LM_DIV_DEPTH_AUTO (-2L)

/** Options of lm_div_run(); defaults from lm_div_run_opt_init(). */
typedef struct lm_div_run_opt {
    long depth;       /**< > 0 this depth; 0 the smallest non-zero total; LM_DIV_DEPTH_AUTO */
    double auto_keep; /**< LM_DIV_DEPTH_AUTO keeps at least this share of samples (0.9) */
    int no_rarefy;    /**< use the counts as they are */
    int no_pcoa;
    uint64_t seed;      /**< rarefaction streams (LM_DEFAULT_SEED) */
    double base;        /**< Shannon's log base (2) */
    double pseudocount; /**< before Aitchison's CLR (1) */
    int want[LM_DIV_NMETRICS];
    long axes; /**< PCoA columns written (10; 0 all) */
} lm_div_run_opt_t;

void lm_div_run_opt_init(lm_div_run_opt_t *o);

/** The largest depth that keeps at least ceil(keep * n) of the n samples of t: the k-th
 *  largest sample total (at least 1). */
uint64_t lm_div_auto_depth(const lm_table_t *t, double keep);

/**
 * The diversity stage: read TABLE (biom TSV), rarefy, and write OUT_DIR/alpha.tsv,
 * METRIC.tsv, pcoa_METRIC.tsv, pcoa_METRIC_axes.tsv, rarefied_table.tsv and
 * dropped_samples.tsv (see lumen diversity --help). *depth_used (if not NULL) gets the depth
 * (0 with no_rarefy).
 */
int lm_div_run(const lm_div_run_opt_t *opt, const char *table, const char *out_dir, int threads,
               uint64_t *depth_used, lm_err_t *err) LM_MUST_CHECK;

#endif /* LUMEN_DIVERSITY_H */
