/* SPDX-License-Identifier: MIT */
/* lumen summary: the pooled QC table of a results folder whose stages ran as separate jobs
 * (one `lumen reads --sample` job per sample on a cluster), written exactly as lumen run
 * writes it; optionally provenance.json. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lumen/run.h"

static const char summary_usage[] =
    "Usage: lumen summary --results DIR --manifest manifest.tsv [--provenance] [options]\n"
    "\n"
    "Writes DIR/qc/summary.tsv from what the stages left in DIR: one row per manifest\n"
    "sample (status ok, failed or missing; reads in, primers found, merged, passed filter,\n"
    "uniques, singletons, mean merged length, the failure message) and the later stages'\n"
    "columns: feature_reads (features/table.tsv), unassigned\n"
    "(features/denoise_summary.tsv), rarefied and note (diversity/). The same bytes as\n"
    "lumen run writes for the same folder.\n"
    "\n"
    "Options:\n"
    "  -r, --results DIR      results folder\n"
    "  -m, --manifest FILE    the manifest the samples came from\n"
    "      --provenance       also write DIR/provenance.json: executor, version, command\n"
    "                         line, host, time, size and MD5 of the manifest, its FASTQ\n"
    "                         files and DIR/cohort/*.tsv\n"
    "      --executor NAME    recorded in provenance.json (default 'lumen summary'; the\n"
    "                         Snakemake workflow gives 'snakemake')\n"
    "\n" CLI_COMMON_HELP;

enum { OPT_PROV = 1, OPT_EXEC };

int cmd_summary(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"results", required_argument, NULL, 'r'},
        {"manifest", required_argument, NULL, 'm'},
        {"provenance", no_argument, NULL, OPT_PROV},
        {"executor", required_argument, NULL, OPT_EXEC},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common_t co;
    cli_common_init(&co, "summary");
    if (argc < 2) {
        fputs(summary_usage, stderr);
        return 64;
    }
    const char *dir = NULL, *manifest = NULL, *executor = "lumen summary";
    int help = 0, prov = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:m:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'r':
            dir = optarg;
            break;
        case 'm':
            manifest = optarg;
            break;
        case OPT_PROV:
            prov = 1;
            break;
        case OPT_EXEC:
            executor = optarg;
            break;
        default:
            return cli_bad_option(c, argv, optind, optopt);
        }
    }
    if (help) {
        fputs(summary_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!dir) return cli_usage_error("--results is required");
    if (!manifest) return cli_usage_error("--manifest is required");
    lm_err_t err;
    lm_err_clear(&err);
    lm_manifest_t *man = NULL;
    int rc = lm_manifest_read(manifest, &man, &err);
    if (!rc) rc = lm_run_summary(dir, man, 0, &err);
    if (!rc && prov) rc = lm_run_provenance_files(dir, man, executor, argc, argv, &err);
    lm_manifest_destroy(man);
    return rc ? cli_fail(&err) : 0;
}
