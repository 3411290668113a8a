/* SPDX-License-Identifier: MIT */
/* lumen denoise: UNOISE3 + UCHIME3 on the pooled uniques of `lumen table`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lumen/denoise.h"

static const char denoise_usage[] =
    "Usage: lumen denoise --table DIR --out DIR [options]\n"
    "\n"
    "Turns the pooled uniques of `lumen table` into error-corrected sequence variants\n"
    "(ZOTUs) and removes chimeras, as vsearch does:\n"
    "  1. UNOISE3 (vsearch --cluster_unoise): uniques by abundance (ties by MD5); those\n"
    "     below --minsize are never centroids; a unique joins the first centroid among its\n"
    "     32 best k-mer candidates (8-mers) for which abundance ratio <= 1/2^(alpha*d+1),\n"
    "     d being the mismatches of their global alignment (vsearch counts mismatches\n"
    "     only, not gaps); otherwise it becomes a centroid.\n"
    "  2. UCHIME3 de novo (vsearch --uchime3_denovo, abundance skew 16) on the centroids.\n"
    "  3. Every unique, also those below --minsize, is counted for the ZOTU it joined, else\n"
    "     for the ZOTU vsearch --usearch_global --id 0.97 would find; else it is unassigned.\n"
    "Alignment scores are vsearch's (match 2, mismatch -4, gaps 20+2/column inside,\n"
    "2+1/column at the ends), with its traceback ties, so counts of differences agree.\n"
    "Known differences: vsearch masks low-complexity regions (dust) before counting\n"
    "k-mers and lumen does not, which can change a candidate's rank in rare cases; lumen\n"
    "aligns in a band of diagonals, widened when the path reaches its edge, where vsearch\n"
    "fills the whole matrix; with --threads > 1 vsearch's own clustering may vary, lumen's\n"
    "never does. Tests: the same ZOTUs, chimeras and counts as vsearch on simulated and\n"
    "real reads (tests/e2e/test_denoise_vsearch.sh, benchmarks/denoise.md).\n"
    "\n"
    "Reads DIR/features.fasta and DIR/table.tsv (lumen table --out DIR). Writes to --out:\n"
    "  features.fasta       '>MD5' of each ZOTU, by total count descending, then MD5\n"
    "  table.tsv, table.biom  the ZOTU x sample table (as lumen table writes them)\n"
    "  chimeras.tsv         feature-id, parent-a, parent-b, score of each chimera removed\n"
    "  map.tsv              each unique -> its ZOTU or '*', and how: joined (in clustering;\n"
    "                       a centroid joins itself), global (by search) or unassigned\n"
    "  denoise_summary.tsv  sample-id, reads_in, assigned, unassigned, zotus\n"
    "\n"
    "Options:\n"
    "  -i, --table DIR        a lumen table output folder\n"
    "  -o, --out DIR          output folder (created if missing)\n"
    "      --minsize N        smallest abundance of a centroid (default 8)\n"
    "      --alpha X          UNOISE alpha (default 2)\n"
    "      --chimeras M       uchime3 (default) or none\n"
    "      --no-biom          do not write table.biom\n"
    "\n" CLI_COMMON_HELP;

enum { OPT_NOBIOM = 1 };

const struct option cli_denoise_options[] = {
    {"minsize", required_argument, NULL, CLI_DN_MINSIZE},
    {"alpha", required_argument, NULL, CLI_DN_ALPHA},
    {"chimeras", required_argument, NULL, CLI_DN_CHIM},
    {NULL, 0, NULL, 0},
};

int cli_denoise_option(lm_denoise_opt_t *o, int c, const char *arg)
{
    long v;
    char *end;
    switch (c) {
    case CLI_DN_MINSIZE:
        if (cli_parse_int("--minsize", arg, 1, 2000000000L, &v)) return 64;
        o->minsize = (uint64_t)v;
        return 1;
    case CLI_DN_ALPHA:
        o->alpha = strtod(arg, &end);
        if (end == arg || *end || !(o->alpha > 0 && o->alpha <= 100))
            return cli_usage_error("--alpha must be a number in (0, 100], not '%s'", arg);
        return 1;
    case CLI_DN_CHIM:
        if (strcmp(arg, "uchime3") == 0)
            o->chimeras = LM_DENOISE_CHIM_UCHIME3;
        else if (strcmp(arg, "none") == 0)
            o->chimeras = LM_DENOISE_CHIM_NONE;
        else
            return cli_usage_error("--chimeras must be uchime3 or none, not '%s'", arg);
        return 1;
    }
    return 0;
}

int cmd_denoise(int argc, char **argv)
{
    struct option longopts[16] = {
        {"table", required_argument, NULL, 'i'},
        {"out", required_argument, NULL, 'o'},
        {"no-biom", no_argument, NULL, OPT_NOBIOM},
    };
    size_t nlo = 3;
    for (const struct option *o = cli_denoise_options; o->name; o++) longopts[nlo++] = *o;
    const struct option common[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    for (const struct option *o = common; o->name; o++) longopts[nlo++] = *o;
    cli_common_t co;
    cli_common_init(&co, "denoise");
    if (argc < 2) {
        fputs(denoise_usage, stderr);
        return 64;
    }
    const char *in = NULL, *out = NULL;
    int help = 0, c;
    lm_denoise_opt_t opt;
    lm_denoise_opt_init(&opt);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":i:o:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'i':
            in = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case OPT_NOBIOM:
            opt.write_biom = 0;
            break;
        default: {
            int r = cli_denoise_option(&opt, c, optarg);
            if (r == 64) return 64;
            if (!r) return cli_bad_option(c, argv, optind, optopt);
        }
        }
    }
    if (help) {
        fputs(denoise_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!in) return cli_usage_error("--table is required");
    if (!out) return cli_usage_error("--out is required");
    const char *in_opt[] = {"--table"}, *ins[] = {in};
    if (cli_refuse_same("--out", out, 1, in_opt, ins)) return 64;
    opt.threads = co.threads;
    lm_err_t err;
    lm_err_clear(&err);
    /* all outputs or none: a failure (a full disk) leaves no subset of the files */
    lm_afile_hold();
    int rc = lm_denoise_run(&opt, in, out, &err);
    int held = lm_afile_release(!rc, &err);
    if (!rc) rc = held;
    return rc ? cli_fail(&err) : 0;
}
