/* SPDX-License-Identifier: MIT */
/**
 * @file simulate.h
 * @brief A cohort simulator with a known truth: synthetic stool 16S read pairs cut from a
 *        reference by in-silico PCR, and the trial's clinical tables (DESIGN.md formats).
 *
 * lm_sim_run() writes a whole cohort; the pieces below it (amplicon pool, quality model,
 * read pairs, one sample) are public so that tests can check them one by one.
 *
 * Determinism: every random stream is lm_rng_create(seed, stream), where the stream names
 * the unit of work (a subject, a sample, the arm allocation), never the thread. The same
 * options give byte-identical files at any thread count.
 */
#ifndef LUMEN_SIMULATE_H
#define LUMEN_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/trim.h"
#include "lumen/util.h"

/** The reference used when none is given (Debian package microbiomeutil-data). */
#define LM_SIM_DEFAULT_REFERENCE "/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta"

/** Most genera the interferon arm may shift. */
#define LM_SIM_MAX_SHIFTS 16

/** One genus the interferon arm shifts at weeks 24 and 48 (log2 fold of its taxa's
 *  abundances against the subject's own baseline). */
typedef struct lm_sim_shift {
    char genus[64];
    double log2fc;
} lm_sim_shift_t;

/** Options of a simulation; set defaults with lm_sim_opt_init(). Strings are borrowed. */
typedef struct lm_sim_opt {
    const char *reference; /**< FASTA; the genus is the last ';' field of the header */
    const char *out;       /**< output directory */
    int force;             /**< write into an existing non-empty directory */
    int subjects;          /**< patients (default 12); each has weeks 0, 24, 48 */
    long reads;            /**< read pairs per sample (default 5000) */
    uint64_t seed;         /**< LM_DEFAULT_SEED */
    const char *primers;   /**< primer preset: "v4" (default) or "v3v4" */
    int max_mismatch;      /**< primer mismatches allowed in in-silico PCR (default 2) */
    int read_length;       /**< bases per read (default 250) */
    double chimera_rate;   /**< fraction of pairs that are two-parent chimeras (default 0) */
    double poor_tail_rate; /**< fraction of reads with a low-quality tail (default 0.03) */
    int taxa;              /**< reference sequences per subject (default 200) */
    int threads;           /**< samples generated in parallel (default 1) */
    int read_truth;        /**< also write truth/reads/<sample>.tsv: each pair's source */
    int n_shifts;
    lm_sim_shift_t shifts[LM_SIM_MAX_SHIFTS]; /**< the interferon arm's genus shifts */
    double hr_arm;           /**< hazard ratio PegIFN+NAs vs NAs, recurrence and death (0.6) */
    double hr_shannon;       /**< hazard ratio per bit of baseline Shannon (0.75) */
    const char *hbsag_genus; /**< genus whose baseline abundance drives HBsAg decline */
    double hbsag_rho;        /**< its correlation with the latent decline rate (0.5) */
    double missing_rate;     /**< fraction of clinical values missing (default 0.02) */
    double genus_hbsag;      /**< opt-in (default 0: off): change in the natural log of the
                                  hbsag_genus's abundance per log10 IU/mL of HBsAg at the
                                  same stool visit (around 1.8), within and between subjects */
    int sites;               /**< opt-in (default 0: none): study sites written to the
                                  subjects table's site column, site1..siteN, uniformly at
                                  random per subject; no effect on any outcome */
} lm_sim_opt_t;

/** Fill opt with the defaults above (default arm shifts: Bifidobacterium +1.5,
 *  Akkermansia +2, Escherichia -1.5; HBsAg genus Bacteroides). */
void lm_sim_opt_init(lm_sim_opt_t *opt);

/** Parse "Genus:log2fc,Genus:log2fc" into opt->shifts (replacing them). "" clears them.
 *  Returns 0 or LM_EUSAGE with err filled. */
int lm_sim_opt_set_shifts(lm_sim_opt_t *opt, const char *spec, lm_err_t *err) LM_MUST_CHECK;

/** Check ranges and names. Returns 0 or LM_EUSAGE with a message naming the option. */
int lm_sim_opt_check(const lm_sim_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

/**
 * Simulate a cohort into opt->out: manifest.tsv, metadata.tsv, subjects.tsv, visits.tsv,
 * reads/<sample>_R1.fastq.gz and _R2.fastq.gz, truth/ (amplicons.fasta,
 * counts_by_reference.tsv, counts_by_genus.tsv, latent.tsv, effects.json; with
 * opt->read_truth also truth/reads/<sample>.tsv).
 * Without opt->force, an existing non-empty directory is refused (LM_ECREATE); the cohort
 * is built in "<out>.tmp.XXXXXX" and renamed to out when complete, so an error leaves
 * nothing at out (and the staging directory is removed; after SIGINT/SIGTERM it may stay,
 * under its .tmp. name). With force, files are replaced one by one (each atomically).
 * Samples run in parallel on opt->threads OpenMP threads.
 * @return 0 or a negative lm_status with err filled (LM_ENOINPUT for a missing reference,
 *         LM_EFORMAT for a reference without usable amplicons).
 */
int lm_sim_run(const lm_sim_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Amplicon pool                                                                      */
/* ---------------------------------------------------------------------------------- */

/**
 * In-silico PCR of seq[0..len): the forward primer (at most max_mm mismatches, IUPAC
 * aware) and, downstream of it, the reverse complement of the reverse primer. The product
 * runs from the forward primer's first base to the reverse site's last base: *start and
 * *end (exclusive) are offsets in seq, *mm the mismatches of both sites together.
 * @return 0, or -1 if there is no product.
 */
int lm_sim_pcr(const char *seq, size_t len, const lm_primer_pair_t *pp, int max_mm, size_t *start,
               size_t *end, int *mm);

/** Copy the genus of a reference header's comment (the last ';' field of its last tab
 *  field, trimmed) into out; "" when there is none. Returns out. */
char *lm_sim_header_genus(const char *comment, char *out, size_t size);

/** The reference sequences that amplify, with their amplicons. Immutable once loaded, so
 *  threads may share it. */
typedef struct lm_sim_ref lm_sim_ref_t;

/**
 * Load a reference FASTA and amplify every sequence. The amplicon keeps the primer sites,
 * written as the primer oligo that bound (the template base where the primer's IUPAC code
 * allows it, else the code's first base), as PCR copies primers into products; other
 * ambiguity codes become their first base. Returns NULL with err filled (LM_ENOINPUT,
 * LM_EFORMAT when nothing amplifies). Free with lm_sim_ref_destroy().
 */
lm_sim_ref_t *lm_sim_ref_load(const char *path, const lm_primer_pair_t *pp, int max_mm,
                              lm_err_t *err) LM_MUST_CHECK;
void lm_sim_ref_destroy(lm_sim_ref_t *ref);
/** Amplicons in the pool. */
size_t lm_sim_ref_count(const lm_sim_ref_t *ref);
/** Sequences read from the FASTA (amplified or not). */
size_t lm_sim_ref_total(const lm_sim_ref_t *ref);
/** Reference ID, genus and amplicon of amplicon i (borrowed). */
const char *lm_sim_ref_id(const lm_sim_ref_t *ref, size_t i);
const char *lm_sim_ref_genus(const lm_sim_ref_t *ref, size_t i);
const char *lm_sim_ref_amplicon(const lm_sim_ref_t *ref, size_t i, size_t *len);
/** MD5 of the reference file's bytes (borrowed). */
const char *lm_sim_ref_md5(const lm_sim_ref_t *ref);
/** Amplicons of genus g (0 if absent). */
size_t lm_sim_ref_genus_count(const lm_sim_ref_t *ref, const char *genus);

/* ---------------------------------------------------------------------------------- */
/* Reads                                                                              */
/* ---------------------------------------------------------------------------------- */

/** Highest and lowest Phred scores the quality model writes. */
#define LM_SIM_QMAX 41
#define LM_SIM_QMIN 2

/** The mean Phred score the model aims at for 0-based position pos of a read of length
 *  len; mate 1 (R1) or 2 (R2, lower and falling faster). */
double lm_sim_qual_mean(int mate, size_t pos, size_t len);

/**
 * Draw Phred+33 qualities for one read of length len into qual (len bytes, no NUL): the
 * positional mean, a per-read offset, per-base noise and, with probability tail_rate, a
 * poor tail from a random point in the last 40%.
 */
void lm_sim_quals(gsl_rng *r, int mate, size_t len, double tail_rate, char *qual);

/**
 * Sequence one strand: copy the first len bases of the template tpl[0..tlen) into seq,
 * padding past its end with adapter read-through and then random bases (as a real run
 * reads past a short insert), and substitute each base with the probability its quality
 * promises (10^(-Q/10)), to one of the three other bases. mate selects the adapter.
 * Returns the substitutions made.
 */
size_t lm_sim_sequence(gsl_rng *r, int mate, const char *tpl, size_t tlen, const char *qual,
                       size_t len, char *seq);

/* ---------------------------------------------------------------------------------- */
/* Cohort                                                                             */
/* ---------------------------------------------------------------------------------- */

/** The simulated cohort: subjects, their communities and clinical course, before any
 *  reads are written. Immutable after creation. */
typedef struct lm_sim_cohort lm_sim_cohort_t;

/** Build the cohort for checked options over a loaded pool (borrowed; keep it alive).
 *  Returns NULL with err filled. Free with lm_sim_cohort_destroy(). */
lm_sim_cohort_t *lm_sim_cohort_create(const lm_sim_opt_t *opt, const lm_sim_ref_t *ref,
                                      lm_err_t *err) LM_MUST_CHECK;
void lm_sim_cohort_destroy(lm_sim_cohort_t *c);
/** Samples (subjects x 3 weeks), in order P001-W00, P001-W24, P001-W48, P002-W00, ... */
size_t lm_sim_cohort_samples(const lm_sim_cohort_t *c);
/** The ID of sample s (borrowed). */
const char *lm_sim_sample_id(const lm_sim_cohort_t *c, size_t s);

/**
 * Write sample s's read pairs to dir/reads/<id>_R1.fastq.gz and _R2 (and with
 * opt->read_truth dir/truth/reads/<id>.tsv), and store its true counts in the cohort. Only
 * (seed, s) seeds it, so any thread may run any sample; distinct samples may run
 * concurrently. Returns 0 or a negative lm_status.
 */
int lm_sim_write_sample(lm_sim_cohort_t *c, size_t s, const char *dir, lm_err_t *err) LM_MUST_CHECK;

#endif /* LUMEN_SIMULATE_H */
