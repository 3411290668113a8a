/* SPDX-License-Identifier: MIT */
/* lumen table: pool the per-sample uniques of `lumen reads` into a feature table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lumen/table.h"

static const char table_usage[] =
    "Usage: lumen table --reads DIR --out DIR [options]\n"
    "\n"
    "Pools per-sample uniques into a feature table. The samples are the files\n"
    "DIR/uniques/<sample-id>.fasta.gz (or .fasta), in byte order of the sample ID; each\n"
    "record is '>MD5;size=N' with its sequence, MD5 being the lower-case hex MD5 of the\n"
    "upper-case sequence (checked). A feature is one MD5 across samples.\n"
    "\n"
    "Writes to the --out folder (created if missing):\n"
    "  features.fasta  '>MD5' and the sequence, features by total count descending, then MD5\n"
    "  table.tsv       biom's TSV form: '# Constructed by lumen', '#OTU ID<TAB>S1...', counts\n"
    "  table.biom      BIOM 2.1 (HDF5): the same table, for QIIME 2, biom-format, phyloseq\n"
    "\n"
    "Options:\n"
    "  -r, --reads DIR        folder holding uniques/ (lumen reads --out)\n"
    "  -o, --out DIR          output folder\n"
    "      --min-total N      drop features with fewer than N counts in all (default 1)\n"
    "      --min-samples N    drop features found in fewer than N samples (default 1)\n"
    "      --no-biom          do not write table.biom\n"
    "\n" CLI_COMMON_HELP;

const struct option cli_table_options[] = {
    {"min-total", required_argument, NULL, CLI_TAB_MINTOTAL},
    {"min-samples", required_argument, NULL, CLI_TAB_MINSAMPLES},
    {"no-biom", no_argument, NULL, CLI_TAB_NOBIOM},
    {NULL, 0, NULL, 0},
};

int cli_table_option(lm_table_pool_opt_t *po, int *biom, int c, const char *arg)
{
    long v;
    switch (c) {
    case CLI_TAB_MINTOTAL:
    case CLI_TAB_MINSAMPLES:
        if (cli_parse_int(c == CLI_TAB_MINTOTAL ? "--min-total" : "--min-samples", arg, 1,
                          2000000000L, &v))
            return 64;
        *(c == CLI_TAB_MINTOTAL ? &po->min_total : &po->min_samples) = (uint64_t)v;
        return 1;
    case CLI_TAB_NOBIOM:
        *biom = 0;
        return 1;
    }
    return 0;
}

int cmd_table(int argc, char **argv)
{
    struct option longopts[16] = {
        {"reads", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},
    };
    size_t nlo = 2;
    for (const struct option *o = cli_table_options; o->name; o++) longopts[nlo++] = *o;
    const struct option common[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    for (const struct option *o = common; o->name; o++) longopts[nlo++] = *o;
    cli_common_t co;
    cli_common_init(&co, "table");
    if (argc < 2) {
        fputs(table_usage, stderr);
        return 64;
    }
    const char *reads = NULL, *out = NULL;
    int help = 0, c, biom = 1;
    lm_table_pool_opt_t po;
    lm_table_pool_opt_init(&po);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:o:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        if (c == 'r') {
            reads = optarg;
            continue;
        }
        if (c == 'o') {
            out = optarg;
            continue;
        }
        int r = cli_table_option(&po, &biom, c, optarg);
        if (r == 64) return 64;
        if (!r) return cli_bad_option(c, argv, optind, optopt);
    }
    if (help) {
        fputs(table_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!reads) return cli_usage_error("--reads is required");
    if (!out) return cli_usage_error("--out is required");
    po.threads = co.threads;

    lm_err_t err;
    lm_err_clear(&err);
    char **ids = NULL, **paths = NULL;
    size_t ns = 0;
    int rc = lm_table_list_uniques(reads, &ids, &paths, &ns, &err);
    /* all outputs or none: a failure (a full disk) leaves no subset of the files */
    lm_afile_hold();
    if (!rc)
        rc = lm_table_build(ns, (const char *const *)paths, (const char *const *)ids, &po, out,
                            biom, NULL, &err);
    for (size_t j = 0; j < ns; j++) free(ids[j]), free(paths[j]);
    free(ids);
    free(paths);
    int held = lm_afile_release(!rc, &err);
    if (!rc) rc = held;
    return rc ? cli_fail(&err) : 0;
}
