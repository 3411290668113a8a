/* SPDX-License-Identifier: MIT */
/* lumen taxa: the feature table collapsed to each taxonomic rank. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lumen/table.h"

static const char taxa_usage[] =
    "Usage: lumen taxa --table table.tsv --taxonomy taxonomy.tsv --out DIR [options]\n"
    "\n"
    "Collapses a feature table to each rank, as QIIME 2's 'taxa collapse': a lineage is\n"
    "split at ';', each rank stripped of spaces, lineages shorter than the deepest padded\n"
    "with the rank prefixes (c__, o__, ...) when the taxonomy uses one prefix per rank, else\n"
    "with '__', then cut to the level and joined with ';' (no space). Counts of features\n"
    "with the same lineage are summed. Rows are in byte order of the lineage.\n"
    "\n"
    "Writes DIR/level-2.tsv (phylum) ... level-6.tsv (genus), and level-7.tsv (species)\n"
    "when the taxonomy has 7 ranks, each in table.tsv's form with the lineage as row ID.\n"
    "Every feature of the table must be in taxonomy.tsv (QIIME 2's 'Feature ID<TAB>Taxon\n"
    "<TAB>Confidence'; unassigned features say 'Unassigned').\n"
    "\n"
    "Options:\n"
    "  -i, --table FILE     feature table (biom's TSV form)\n"
    "  -x, --taxonomy FILE  taxonomy.tsv\n"
    "  -o, --out DIR        output folder (created if missing)\n"
    "\n" CLI_COMMON_HELP;

int cmd_taxa(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"table", required_argument, NULL, 'i'},
        {"taxonomy", required_argument, NULL, 'x'},
        {"out", required_argument, NULL, 'o'},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common_t co;
    cli_common_init(&co, "taxa");
    if (argc < 2) {
        fputs(taxa_usage, stderr);
        return 64;
    }
    const char *table = NULL, *taxonomy = NULL, *out = NULL;
    int help = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":i:x:o:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'i':
            table = optarg;
            break;
        case 'x':
            taxonomy = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        default:
            return cli_bad_option(c, argv, optind, optopt);
        }
    }
    if (help) {
        fputs(taxa_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!table || !taxonomy || !out)
        return cli_usage_error("--table, --taxonomy and --out are required");

    lm_err_t err;
    lm_err_clear(&err);
    /* all outputs or none: a failure (a full disk) leaves no subset of the files */
    lm_afile_hold();
    int rc = lm_table_taxa_write(table, taxonomy, out, NULL, &err);
    int held = lm_afile_release(!rc, &err);
    if (!rc) rc = held;
    return rc ? cli_fail(&err) : 0;
}
