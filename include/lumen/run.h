/* SPDX-License-Identifier: MIT */
/**
 * @file run.h
 * @brief The whole run (lumen run): every stage in data order in one process, resumable
 *        from records of what each step consumed, with provenance.json; and the pooled QC
 *        summary (qc/summary.tsv, qc/failed.tsv) that lumen reads, lumen summary and the
 *        Snakemake workflow write the same way.
 *
 * This module sits above every stage module and calls their file-level entry points, the
 * same ones the stage commands call, so a stage gives the same bytes alone or in a run.
 */
#ifndef LUMEN_RUN_H
#define LUMEN_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/classify.h"
#include "lumen/denoise.h"
#include "lumen/derep.h"
#include "lumen/diversity.h"
#include "lumen/seqio.h"
#include "lumen/stats.h"
#include "lumen/table.h"
#include "lumen/trim.h"
#include "lumen/util.h"

/* ---------------------------------------------------------------------------------- */
/* QC summary                                                                         */
/* ---------------------------------------------------------------------------------- */

/**
 * Write DIR/qc/failed.tsv ("sample-id<TAB>file<TAB>line<TAB>message") for the n failed
 * samples, or remove it when n is 0 (so a fixed sample leaves no stale entry).
 */
int lm_run_write_failed(const char *dir, size_t n, char *const *ids, const lm_err_t *errs,
                        lm_err_t *err) LM_MUST_CHECK;

/**
 * Write DIR/qc/summary.tsv: one row per manifest sample, in manifest order, with columns
 * sample-id, status (ok, failed, or missing when the sample has neither a QC record nor a
 * failure), reads_in, primers_found, merged, passed_filter, uniques, singletons,
 * mean_merged_length, message (the failure), then feature_reads (the sample's total in
 * DIR/features/table.tsv), unassigned (reads no feature took, from
 * DIR/features/denoise_summary.tsv), rarefied (yes/no, from DIR/diversity/) and note (why
 * a sample left the diversity analysis). Columns whose stage has not run are NA; with
 * reads_only set the later stages are not looked at (lumen reads writes the summary
 * before they exist, and must not join stale files of an earlier run).
 */
int lm_run_summary(const char *dir, const lm_manifest_t *man, int reads_only,
                   lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The whole run                                                                      */
/* ---------------------------------------------------------------------------------- */

/** One effective parameter as the command line gives it: stage "reads", name "maxee",
 *  value "1" (flags: "true" or "false"). */
typedef struct lm_run_param {
    const char *stage, *name, *value;
} lm_run_param_t;

/** What lm_run() does. Paths are borrowed; the option structs are the stages' own. */
typedef struct lm_run_cfg {
    const char *manifest, *index, *out;
    const char *metadata, *subjects, *visits; /**< optional (NULL) */
    int keep_going; /**< a failing sample is skipped and listed, the rest finishes */
    int threads;    /**< resolved thread count */
    lm_trim_opt_t trim;
    int write_merged, write_filtered, write_unmerged; /**< lumen reads' optional FASTQs */
    lm_table_pool_opt_t pool;
    int biom;            /**< write features/table.biom */
    int denoise;         /**< UNOISE3 + UCHIME3 between table and classify (derep/ holds the
                              raw pooled uniques then) */
    lm_denoise_opt_t dn; /**< its options */
    lm_cls_opt_t cls;
    lm_div_run_opt_t div;
    lm_stats_opt_t stats;         /**< stats options (the paths are the run's own) */
    const lm_run_param_t *params; /**< every effective parameter: what step keys and
                                       provenance.json record, and --params replays */
    size_t nparams;
    int argc; /**< the command line, for provenance.json */
    char *const *argv;
    const char *executor; /**< "lumen run" (recorded) */
    const char *json;     /**< also write the run summary (provenance.json) here, or NULL */
} lm_run_cfg_t;

/**
 * Run every stage in data order into cfg->out (DESIGN.md's results layout): reads per
 * sample (samples in parallel), table (to derep/ when denoising, else to features/),
 * denoise (derep/ -> features/), classify, taxa, diversity (rarefied at the depth
 * cfg->div gives), the clinical tables copied into cohort/, stats (when subjects and
 * visits are given), qc/summary.tsv, and provenance.json last.
 *
 * Resume: OUT/.lumen/ holds a record per step (each sample's reads, then each pooled
 * step): a key made of lumen's version, the step's parameters and the size and
 * modification time of every input file, and the size and time of every output. A step
 * whose record matches and whose outputs are unchanged is skipped; any other step runs,
 * and a step's outputs change only when it runs, so what depends on it runs too. Records
 * are written after the outputs, atomically: a kill at any moment costs only unfinished
 * steps.
 *
 * A bad sample stops the run (exit code of its error) after the samples already running
 * finish, keeping their records; with keep_going it is listed in qc/failed.tsv and
 * qc/summary.tsv, the other samples go on, and the return value is still its error.
 */
int lm_run(const lm_run_cfg_t *cfg, lm_err_t *err) LM_MUST_CHECK;

/**
 * provenance.json for a results folder made by separate stage commands (the Snakemake
 * workflow): executor, version, commit, the command line given, host, time, and the size
 * and MD5 of the manifest, every FASTQ it lists and the clinical tables in DIR/cohort/.
 * Stage parameters are in each stage's own records (qc/<id>.json) and the workflow's config.
 */
int lm_run_provenance_files(const char *dir, const lm_manifest_t *man, const char *executor,
                            int argc, char *const *argv, lm_err_t *err) LM_MUST_CHECK;

#endif /* LUMEN_RUN_H */
