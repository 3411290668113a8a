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

#include "lumen/seqio.h"
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

#endif /* LUMEN_RUN_H */
