/* SPDX-License-Identifier: MIT */
/* lumen report: one self-contained HTML page from a results folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "lumen/report.h"

static const char report_usage[] =
    "Usage: lumen report --results DIR [--out FILE]\n"
    "\n"
    "Writes DIR/report.html: one self-contained page (SVG figures, CSS and a little\n"
    "JavaScript inline; no fonts, scripts or images from the network) drawn from whatever\n"
    "the results folder holds. A section whose inputs are absent is left out with a note.\n"
    "  Run          provenance.json (version, date, command, parameters, checksums);\n"
    "               samples and reads from qc/summary.tsv\n"
    "  Reads        per-sample table and bar chart (failed and low-depth samples flagged);\n"
    "               quality by position and merged lengths from qc/<sample>.json\n"
    "  Composition  top 15 genera per sample by arm and week (taxa/level-6.tsv); phyla\n"
    "               (taxa/level-2.tsv); groups from cohort/metadata.tsv\n"
    "  Diversity    rarefaction curves (exact expected richness from features/table.tsv),\n"
    "               alpha boxplots by arm and week (R's boxplot.stats), PCoA of Bray-Curtis\n"
    "               and Jaccard (diversity/pcoa_*), PERMANOVA (stats/permanova.tsv)\n"
    "  Clinical     HBsAg over time and endpoint rates (stats/visits_derived.tsv,\n"
    "               endpoints.tsv), cytokines (cohort/visits.tsv), Spearman heat map\n"
    "               (stats/correlations.tsv), Kaplan-Meier curves of RFS and OS by arm and\n"
    "               by baseline Shannon diversity with numbers at risk and log-rank p\n"
    "               (cohort/subjects.tsv, diversity/alpha.tsv, stats/logrank.tsv), Cox table\n"
    "Every value taken from an input file is escaped. The page is written under a\n"
    "temporary name and renamed into place when complete.\n"
    "\n"
    "Options:\n"
    "  -r, --results DIR  the results folder (as written by lumen run or the stages)\n"
    "  -o, --out FILE     the page (default DIR/report.html)\n"
    "\n" CLI_COMMON_HELP;

/* --out may replace an earlier report, never an input of the results folder (the tables
 * the report is drawn from): an existing file must start like an HTML page. */
static int is_html_or_absent(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 1;
    char head[16] = {0};
    size_t n = fread(head, 1, sizeof(head) - 1, f);
    fclose(f);
    return n == 0 || !strncasecmp(head, "<!doctype html", 14) || !strncasecmp(head, "<html", 5);
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"results", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common_t co;
    cli_common_init(&co, "report");
    if (argc < 2) {
        fputs(report_usage, stderr);
        return 64;
    }
    const char *results = NULL, *out = NULL;
    int help = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:o:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'r':
            results = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        default:
            return cli_bad_option(c, argv, optind, optopt);
        }
    }
    if (help) {
        fputs(report_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!results) return cli_usage_error("--results DIR is required");
    if (out && !is_html_or_absent(out))
        return cli_usage_error("--out %s exists and is not an HTML page: refusing to overwrite it",
                               out);
    lm_err_t err;
    lm_err_clear(&err);
    int rc = lm_report_write(results, out, &err);
    if (rc) return cli_fail(&err);
    lm_log_info("wrote %s%s", out ? out : results, out ? "" : "/report.html");
    return 0;
}
