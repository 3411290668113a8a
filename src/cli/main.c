/* SPDX-License-Identifier: MIT */
/* lumen's entry point: one binary, subcommands dispatched from one table (git's
 * commands[]), which also drives `lumen help`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lumen/version.h"

const cli_command_t cli_commands[] = {
    {"qc", cmd_qc, "read statistics of FASTQ/FASTA files (counts, lengths, qualities)"},
    {"reads", cmd_reads, "primers, pair merging, quality filtering, per-sample uniques"},
    {"table", cmd_table, "pool per-sample uniques into a feature table (TSV and BIOM)"},
    {"index", cmd_index, "build the k-mer reference index for classify"},
    {"classify", cmd_classify, "assign taxonomy with the RDP naive Bayesian classifier"},
    {"taxa", cmd_taxa, "collapse a feature table to each taxonomic rank"},
    {"diversity", cmd_diversity, "rarefaction, alpha and beta diversity, PCoA"},
    {"stats", cmd_stats, "clinical statistics: correlations, arm tests, PERMANOVA, survival"},
    {"report", cmd_report, "one self-contained HTML page of a results folder"},
    {"simulate", cmd_simulate, "a synthetic cohort: 16S read pairs, clinical tables, truth"},
    {"run", cmd_run, "every stage from FASTQ to statistics, resumable, with provenance"},
    {"summary", cmd_summary, "pool per-sample QC records into qc/summary.tsv (cluster runs)"},
    {"help", cmd_help, "list the commands, or show one command's help"},
    {"version", cmd_version, "print lumen's version"},
    {NULL, NULL, NULL},
};

static const cli_command_t *find_command(const char *name)
{
    for (const cli_command_t *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

static void print_overview(FILE *out)
{
    fprintf(out,
            "lumen %s: fast, reproducible 16S rRNA amplicon analysis for clinical cohorts\n\n"
            "Usage: lumen <command> [options]\n\n"
            "Commands:\n",
            LM_VERSION);
    for (const cli_command_t *c = cli_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'lumen <command> --help' for a command's options.\n"
                 "Exit codes: 0 ok, 64 usage, 65 bad data, 66 missing input, 70 internal,\n"
                 "73 cannot create output, 74 I/O error, 130/143 interrupted.\n");
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    const cli_command_t *c = find_command(argv[1]);
    if (!c || c->fn == cmd_help) {
        if (!c) {
            fprintf(stderr, "lumen help: error: unknown command '%s'; see 'lumen help'\n", argv[1]);
            return 64;
        }
        print_overview(stdout);
        return 0;
    }
    char *sub[] = {argv[1], "--help", NULL};
    return c->fn(2, sub);
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("lumen %s\n", LM_VERSION);
    return 0;
}

/* Check that everything written to stdout reached it (git's run_builtin): a full disk or a
 * closed pipe must not pass as success. */
static int finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        if (errno == EPIPE) return rc;
        fprintf(stderr, "lumen: error: cannot write to standard output: %s\n", strerror(errno));
        return rc ? rc : 74;
    }
    return rc;
}

int main(int argc, char **argv)
{
    lm_signals_install();
    if (argc < 2) {
        print_overview(stderr);
        return 64;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        return finish_stdout(cmd_version(0, NULL));
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_overview(stdout);
        return finish_stdout(0);
    }
    const cli_command_t *c = find_command(name);
    if (!c) {
        fprintf(stderr, "lumen: error: unknown command '%s'; run 'lumen help' for the list\n",
                name);
        return 64;
    }
    return finish_stdout(c->fn(argc - 1, argv + 1));
}
