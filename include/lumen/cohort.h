/* SPDX-License-Identifier: MIT */
/**
 * @file cohort.h
 * @brief The clinical side of a study: metadata.tsv, subjects.tsv and visits.tsv read,
 *        checked and joined (sample -> subject and week), the endpoints the trial defines
 *        derived from them, and the tables the diversity stage writes (alpha.tsv, square
 *        distance matrices, taxa/level-N.tsv) read for joining.
 *
 * Formats are DESIGN.md's. In every table an empty cell or "NA" is missing, and missing
 * stays missing (NaN, or -1 for a 0/1 code), never zero. A measurement of visits.tsv
 * written "<x" is below the assay's detection limit x: it is stored as x/2 and flagged
 * (lm_visit_t.below_lod, and a below_detection_limit check). Data errors that make a table
 * unusable (a non-numeric value, a week that is not a number, a negative time, an event
 * code other than 0/1, an unknown ID) fail with LM_EFORMAT naming the file and line;
 * problems a statistician should see but that do not stop the analysis (duplicates,
 * weeks outside the protocol, out-of-range values, eligibility) are collected as checks.
 * Objects are immutable once loaded, so threads may read them concurrently.
 */
#ifndef LUMEN_COHORT_H
#define LUMEN_COHORT_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/util.h"

/* ---------------------------------------------------------------------------------- */
/* Numeric tables written by other stages                                             */
/* ---------------------------------------------------------------------------------- */

enum lm_matrix_kind {
    LM_MATRIX_ALPHA,   /**< "sample-id" then one column per metric; one row per sample */
    LM_MATRIX_DIST,    /**< scikit-bio DistanceMatrix TSV: square, symmetric, zero diagonal */
    LM_MATRIX_FEATURES /**< "#OTU ID" then one column per sample (biom TSV); counts */
};

/** A labelled numeric table, row-major. Read-only for the caller; free with
 *  lm_matrix_destroy(). */
typedef struct lm_matrix {
    size_t nrow, ncol;
    char **row_id;      /**< nrow labels */
    char **col_id;      /**< ncol labels */
    uint64_t *row_line; /**< 1-based line of each row in path */
    double *v;          /**< v[i * ncol + j]; NaN is missing */
    char *path;
} lm_matrix_t;

/**
 * Read a table of the given kind. Errors (LM_EFORMAT with path and line): a missing or
 * wrong header, a row with the wrong number of cells, a non-numeric cell, a duplicate
 * ID; for LM_MATRIX_DIST also a missing value, a negative or asymmetric distance, a
 * non-zero diagonal, row IDs that differ from the header; for LM_MATRIX_FEATURES a
 * negative or missing count. LM_ENOINPUT when the file cannot be opened.
 */
lm_matrix_t *lm_matrix_read(const char *path, int kind, lm_err_t *err) LM_MUST_CHECK;
void lm_matrix_destroy(lm_matrix_t *m);
/** Index of the row with this ID, or -1. */
long lm_matrix_row(const lm_matrix_t *m, const char *id);

/* ---------------------------------------------------------------------------------- */
/* The cohort                                                                         */
/* ---------------------------------------------------------------------------------- */

/** Measurements of visits.tsv, in its column order. */
enum lm_visit_var {
    LM_VIS_HBSAG, /**< hbsag_iu_ml */
    LM_VIS_ANTI_HBS,
    LM_VIS_HBV_DNA,
    LM_VIS_HBEAG, /**< numeric, or positive/negative (1/0) */
    LM_VIS_IL2,
    LM_VIS_IL4,
    LM_VIS_IL6,
    LM_VIS_IL10,
    LM_VIS_TNFA,
    LM_VIS_IFNG,
    LM_VIS_NVARS
};
/** Column names of visits.tsv, indexed by enum lm_visit_var. */
extern const char *const lm_visit_var_name[LM_VIS_NVARS];

/** Trial thresholds (DESIGN.md). */
#define LM_HBSAG_LOSS        0.05   /**< IU/mL: HBsAg loss below this */
#define LM_ANTI_HBS_SEROCONV 10.0   /**< mIU/mL: seroconversion = loss and anti-HBs >= */
#define LM_HBSAG_ELIGIBLE    2000.0 /**< IU/mL at baseline (reported, not enforced) */

typedef struct lm_subject {
    char *id, *arm, *sex, *na_drug, *cnlc_stage; /**< NULL when missing */
    double age;                                  /**< NaN when missing */
    double rfs_months, os_months;                /**< NaN when missing */
    int rfs_event, os_event;                     /**< 0/1, -1 when missing */
    uint64_t line;                               /**< in subjects.tsv */
} lm_subject_t;

typedef struct lm_visit {
    size_t subject; /**< index into the subjects */
    int week;
    double v[LM_VIS_NVARS];
    /* derived (NaN / -1 when an input is missing) */
    double log10_hbsag;   /**< NaN when HBsAg is 0 (no logarithm) or missing */
    double hbsag_decline; /**< log10(HBsAg at week 0) - log10(HBsAg now) */
    int hbsag_loss;       /**< HBsAg < 0.05 IU/mL */
    int seroconversion;   /**< loss and anti-HBs >= 10 mIU/mL */
    uint64_t line;
    /* issue #14 */
    unsigned below_lod;  /**< bit k set: variable k was written "<x" (below the assay's
                              detection limit x) and is stored as x/2, never 0 or missing */
    double hbsag_change; /**< log10 HBsAg now - at week 0 (= -hbsag_decline) */
    double th1, th2;     /**< Th1 score: mean log10 of IL-2, IFN-g, TNF-a; Th2: of IL-4,
                              IL-6, IL-10; NaN unless all three are > 0 */
    double th1_th2;      /**< th1 - th2: log10 of the ratio of the geometric means */
    double ifng_il4;     /**< log10(IFN-g / IL-4), the classic single ratio */
} lm_visit_t;

typedef struct lm_sample {
    char *id;
    size_t subject; /**< index into the subjects */
    int week;
    const char *arm; /**< the subject's arm (borrowed from it), NULL when missing */
    uint64_t line;   /**< in metadata.tsv */
} lm_sample_t;

/** A problem found in the inputs that does not stop the analysis. */
typedef struct lm_cohort_check {
    const char *kind; /**< static: "duplicate_visit", "week_off_protocol", ... */
    const char *file; /**< static: "metadata.tsv", "subjects.tsv" or "visits.tsv" */
    uint64_t line;    /**< 0 when not about one line */
    char id[128];     /**< the sample or subject concerned */
    char msg[256];
} lm_cohort_check_t;

/** Protocol weeks (DESIGN.md); checks report weeks outside them. */
extern const int lm_stool_weeks[3];
extern const int lm_visit_weeks[14];

typedef struct lm_cohort lm_cohort_t;

/**
 * Read and join the three tables. metadata.tsv's first column is the sample ID and it
 * needs subject-id and week (arm, when present, is checked against subjects.tsv);
 * subjects.tsv and visits.tsv need the columns DESIGN.md lists (extra columns are
 * ignored). A subject ID in metadata or visits that subjects.tsv lacks is an error.
 * Free with lm_cohort_destroy().
 */
lm_cohort_t *lm_cohort_load(const char *metadata, const char *subjects, const char *visits,
                            lm_err_t *err) LM_MUST_CHECK;
void lm_cohort_destroy(lm_cohort_t *c);

size_t lm_cohort_n_subjects(const lm_cohort_t *c);
const lm_subject_t *lm_cohort_subject(const lm_cohort_t *c, size_t i);
size_t lm_cohort_n_samples(const lm_cohort_t *c);
const lm_sample_t *lm_cohort_sample(const lm_cohort_t *c, size_t i);
size_t lm_cohort_n_visits(const lm_cohort_t *c);
const lm_visit_t *lm_cohort_visit(const lm_cohort_t *c, size_t i);

/** Index of the column of subjects.tsv named name (any column, also those the cohort does
 *  not interpret, e.g. a covariate or a site), or -1. */
long lm_cohort_subject_column(const lm_cohort_t *c, const char *name);
/** Subject i's cell in that column as written (borrowed), NULL when missing (empty or
 *  NA) or when col is out of range. */
const char *lm_cohort_subject_cell(const lm_cohort_t *c, size_t i, long col);

/** Index of the sample with this ID, or -1. */
long lm_cohort_find_sample(const lm_cohort_t *c, const char *id);
/** The visit of subject at week, or NULL (the first one when duplicated). */
const lm_visit_t *lm_cohort_visit_at(const lm_cohort_t *c, size_t subject, int week);

/** The distinct non-missing arms, sorted (borrowed strings). */
size_t lm_cohort_n_arms(const lm_cohort_t *c);
const char *lm_cohort_arm(const lm_cohort_t *c, size_t i);

/** Add a check (for problems found while joining other tables); 0 or LM_ENOMEM. */
int lm_cohort_add_check(lm_cohort_t *c, const char *kind, const char *file, uint64_t line,
                        const char *id, const char *fmt, ...) LM_FORMAT(6, 7);
size_t lm_cohort_n_checks(const lm_cohort_t *c);
const lm_cohort_check_t *lm_cohort_check(const lm_cohort_t *c, size_t i);

/**
 * Time to HBsAg loss of subject s in weeks: the first visit week with HBsAg < 0.05 IU/mL
 * (*event = 1), else the last visit week with a known HBsAg (*event = 0, censored there).
 * Returns 0, or -1 when the subject has no HBsAg value.
 */
int lm_cohort_hbsag_loss_time(const lm_cohort_t *c, size_t s, double *weeks, int *event);

/** Which derived binary endpoint. */
enum lm_endpoint { LM_END_LOSS, LM_END_SEROCONV };

/**
 * Proportion of subjects of arm (NULL: all arms) with the endpoint at week, among those
 * whose endpoint is known at that visit: *k of *n, with the exact (Clopper-Pearson) 95%
 * CI as R binom.test. lo and hi are NaN when n is 0.
 */
void lm_cohort_endpoint_rate(const lm_cohort_t *c, const char *arm, int week, int endpoint,
                             size_t *k, size_t *n, double *lo, double *hi);

#endif /* LUMEN_COHORT_H */
