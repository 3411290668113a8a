/* SPDX-License-Identifier: MIT */
/* The per-sample QC record of the read stage, as JSON: what the summary table, the report
 * and a person reading one sample's fate need. */
#include <math.h>

#include "lumen/derep.h"
#include "lumen/version.h"

/* Means to two decimals: the profile is for eyes and plots, and short numbers keep the
 * record small (a 250-nt pair is 500 values). */
static void quality_profile(lm_json_t *js, const char *key, const uint64_t *sum, const uint64_t *n)
{
    int len = LM_QPOS_MAX;
    while (len > 0 && n[len - 1] == 0) len--;
    lm_json_array_begin(js, key);
    for (int i = 0; i < len; i++)
        lm_json_double(js, NULL, round(100.0 * (double)sum[i] / (double)n[i]) / 100.0);
    lm_json_array_end(js);
}

int lm_sample_write_json(const char *path, const char *id, const char *r1, const char *r2,
                         const lm_trim_opt_t *t, const lm_sample_stats_t *s, lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    lm_json_t js;
    lm_json_init(&js, lm_afile_stream(f));
    lm_json_object_begin(&js, NULL);
    lm_json_string(&js, "program", "lumen reads");
    lm_json_string(&js, "version", LM_VERSION);
    lm_json_string(&js, "sample_id", id);
    lm_json_string(&js, "forward", r1);
    lm_json_string(&js, "reverse", r2);
    lm_json_uint(&js, "reads_in", s->reads_in);
    lm_json_uint(&js, "primers_found", s->primers_found);
    lm_json_uint(&js, "merged", s->merged);
    lm_json_uint(&js, "merged_bases", s->merged_bases);
    lm_json_uint(&js, "passed_filter", s->passed);
    lm_json_uint(&js, "uniques", s->uniques);
    lm_json_uint(&js, "singletons", s->singletons);
    lm_json_double(&js, "mean_merged_length",
                   s->merged ? (double)s->merged_bases / (double)s->merged : 0.0);
    lm_json_object_begin(&js, "fates");
    for (int k = 0; k < LM_FATE_N; k++)
        lm_json_uint(&js, lm_trim_fate_name((lm_trim_fate_t)k), s->fate[k]);
    lm_json_object_end(&js);
    if (r2) {
        lm_json_object_begin(&js, "merge_status");
        for (int m = 0; m < LM_MERGE_NSTATUS; m++)
            lm_json_uint(&js, lm_merge_status_name((lm_merge_status_t)m), s->merge_status[m]);
        lm_json_object_end(&js);
    }
    lm_json_object_begin(&js, "quality_by_position");
    quality_profile(&js, "r1", s->qual_sum[0], s->qual_n[0]);
    if (r2) quality_profile(&js, "r2", s->qual_sum[1], s->qual_n[1]);
    lm_json_object_end(&js);
    lm_json_array_begin(&js, "merged_length_histogram");
    for (int L = 0; L <= LM_MLEN_MAX; L++) {
        if (!s->mlen_hist[L]) continue;
        lm_json_array_begin(&js, NULL);
        lm_json_int(&js, NULL, L);
        lm_json_uint(&js, NULL, s->mlen_hist[L]);
        lm_json_array_end(&js);
    }
    lm_json_array_end(&js);
    lm_json_object_begin(&js, "parameters");
    lm_json_string(&js, "fwd_primer", t->fwd_primer);
    lm_json_string(&js, "rev_primer", t->rev_primer);
    lm_json_int(&js, "primer_mismatches", t->primer_mismatches);
    lm_json_bool(&js, "keep_unprimed", t->keep_unprimed);
    lm_json_int(&js, "truncq", t->truncq);
    lm_json_int(&js, "trunc_len_f", t->trunc_len_f);
    lm_json_int(&js, "trunc_len_r", t->trunc_len_r);
    lm_json_double(&js, "maxee", t->maxee);
    lm_json_int(&js, "max_n", t->max_n);
    lm_json_int(&js, "min_len", t->min_len);
    lm_json_int(&js, "max_len", t->max_len);
    lm_json_int(&js, "min_overlap", t->merge.min_overlap);
    lm_json_int(&js, "max_diffs", t->merge.max_diffs);
    lm_json_double(&js, "max_diff_pct", t->merge.max_diff_pct);
    lm_json_bool(&js, "allow_stagger", t->merge.allow_stagger);
    lm_json_int(&js, "min_merged_len", t->merge.min_merged_len);
    lm_json_int(&js, "max_merged_len", t->merge.max_merged_len);
    lm_json_int(&js, "qmax_out", t->merge.qmax_out);
    lm_json_object_end(&js);
    lm_json_object_end(&js);
    lm_json_finish(&js);
    return lm_afile_commit(f, err);
}
