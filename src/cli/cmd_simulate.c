/* SPDX-License-Identifier: MIT */
/* lumen simulate: a synthetic cohort (reads and clinical tables) with a known truth. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lumen/simulate.h"

static const char sim_usage[] =
    "Usage: lumen simulate --out DIR [--reference REF.fasta] [--subjects N] [--reads N]\n"
    "                      [--seed S] [options]\n"
    "\n"
    "Simulate the trial's cohort with a known truth: stool 16S read pairs at weeks 0, 24\n"
    "and 48 for each subject, cut from a reference by in-silico PCR (primers stay on the\n"
    "reads), and the clinical tables. DIR gets manifest.tsv, metadata.tsv, subjects.tsv,\n"
    "visits.tsv (DESIGN.md formats), reads/<sample>_R1.fastq.gz and _R2.fastq.gz (BGZF),\n"
    "and truth/: amplicons.fasta, counts_by_reference.tsv and counts_by_genus.tsv (the\n"
    "exact pairs of each source per sample), latent.tsv (per-subject Shannon, genus score,\n"
    "HBsAg decline, log hazard ratio) and effects.json (every effect built in, the seed\n"
    "and the reference's MD5). Output is identical for a seed at any thread count.\n"
    "\n"
    "Options:\n"
    "  -r, --reference FILE  reference FASTA; the genus is the last ';' field of the\n"
    "                        header (default " LM_SIM_DEFAULT_REFERENCE ",\n"
    "                        Debian package microbiomeutil-data)\n"
    "  -o, --out DIR         output directory; must not exist or be empty\n"
    "      --force           write into a non-empty DIR, replacing files one by one\n"
    "  -n, --subjects N      patients, about half per arm (default 12)\n"
    "  -N, --reads N         read pairs per sample (default 5000)\n"
    "  -s, --seed S          random seed (default 11)\n"
    "  -p, --primers NAME    v4 (515F/806R, default) or v3v4 (341F/805R)\n"
    "      --max-mismatch N  primer mismatches allowed in in-silico PCR (default 2)\n"
    "  -l, --read-length N   bases per read (default 250); past a shorter amplicon reads\n"
    "                        run into the TruSeq adapter, then random bases\n"
    "      --chimera-rate F  fraction of pairs that are two-parent chimeras (default 0)\n"
    "      --poor-tails F    fraction of reads with a low-quality tail (default 0.03)\n"
    "      --taxa N          reference sequences per subject (default 200)\n"
    "      --arm-shift LIST  genera the PegIFN+NAs arm shifts at weeks 24 and 48, as\n"
    "                        GENUS:LOG2FOLD,... (default Bifidobacterium:1.5,\n"
    "                        Akkermansia:2,Escherichia:-1.5; '' for none)\n"
    "      --hr-arm F        hazard ratio PegIFN+NAs vs NAs for recurrence and death\n"
    "                        (default 0.6)\n"
    "      --hr-shannon F    hazard ratio per bit of baseline Shannon diversity\n"
    "                        (default 0.75)\n"
    "      --hbsag-genus G   genus whose baseline abundance correlates with HBsAg decline\n"
    "                        (default Bacteroides)\n"
    "      --hbsag-rho F     that correlation, -1 to 1 (default 0.5)\n"
    "      --genus-hbsag B   opt-in (default 0, off): the --hbsag-genus's natural-log\n"
    "                        abundance at each stool visit moves by B per log10 IU/mL of\n"
    "                        that visit's latent HBsAg (0 at 1.8), within and between\n"
    "                        subjects: what lumen stats's genus models estimate (about\n"
    "                        B (1 - 1/genera) on the CLR scale)\n"
    "      --sites N         opt-in (default 0, none): a site column in subjects.tsv,\n"
    "                        site1..siteN at random per subject, with no effect on outcomes\n"
    "      --missing F       fraction of clinical values missing (default 0.02)\n"
    "      --read-truth      also write truth/reads/<sample>.tsv: each pair's source\n"
    "                        reference (and chimera parent and breakpoint)\n"
    "\n" CLI_COMMON_HELP;

enum {
    OPT_FORCE = 2001,
    OPT_MAXMM,
    OPT_CHIMERA,
    OPT_TAILS,
    OPT_TAXA,
    OPT_SHIFT,
    OPT_HRARM,
    OPT_HRSHAN,
    OPT_HBGENUS,
    OPT_HBRHO,
    OPT_MISSING,
    OPT_READTRUTH,
    OPT_GENUSHB,
    OPT_SITES,
};

static int parse_seed(const char *arg, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || *arg == '-') {
        cli_usage_error("--seed needs a non-negative integer, not '%s'", arg);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* One option of the simulation; returns 0, or -1 after printing a usage error. */
static int sim_opt(lm_sim_opt_t *o, int c, const char *arg)
{
    long v;
    lm_err_t err;
    lm_err_clear(&err);
    switch (c) {
    case 'r':
        o->reference = arg;
        return 0;
    case 'o':
        o->out = arg;
        return 0;
    case OPT_FORCE:
        o->force = 1;
        return 0;
    case 'n':
        if (cli_parse_int("--subjects", arg, 1, 9999, &v)) return -1;
        o->subjects = (int)v;
        return 0;
    case 'N':
        if (cli_parse_int("--reads", arg, 1, 100000000, &v)) return -1;
        o->reads = v;
        return 0;
    case 's':
        return parse_seed(arg, &o->seed);
    case 'p':
        o->primers = arg;
        return 0;
    case OPT_MAXMM:
        if (cli_parse_int("--max-mismatch", arg, 0, 5, &v)) return -1;
        o->max_mismatch = (int)v;
        return 0;
    case 'l':
        if (cli_parse_int("--read-length", arg, 50, 1000, &v)) return -1;
        o->read_length = (int)v;
        return 0;
    case OPT_CHIMERA:
        return cli_parse_double("--chimera-rate", arg, &o->chimera_rate);
    case OPT_TAILS:
        return cli_parse_double("--poor-tails", arg, &o->poor_tail_rate);
    case OPT_TAXA:
        if (cli_parse_int("--taxa", arg, 2, 100000, &v)) return -1;
        o->taxa = (int)v;
        return 0;
    case OPT_SHIFT:
        if (lm_sim_opt_set_shifts(o, arg, &err)) {
            cli_usage_error("%s", err.msg);
            return -1;
        }
        return 0;
    case OPT_HRARM:
        return cli_parse_double("--hr-arm", arg, &o->hr_arm);
    case OPT_HRSHAN:
        return cli_parse_double("--hr-shannon", arg, &o->hr_shannon);
    case OPT_HBGENUS:
        o->hbsag_genus = arg;
        return 0;
    case OPT_HBRHO:
        return cli_parse_double("--hbsag-rho", arg, &o->hbsag_rho);
    case OPT_MISSING:
        return cli_parse_double("--missing", arg, &o->missing_rate);
    case OPT_READTRUTH:
        o->read_truth = 1;
        return 0;
    case OPT_GENUSHB:
        return cli_parse_double("--genus-hbsag", arg, &o->genus_hbsag);
    case OPT_SITES:
        if (cli_parse_int("--sites", arg, 0, 99, &v)) return -1;
        o->sites = (int)v;
        return 0;
    default:
        return 1;
    }
}

int cmd_simulate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"reference", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, OPT_FORCE},
        {"subjects", required_argument, NULL, 'n'},
        {"reads", required_argument, NULL, 'N'},
        {"seed", required_argument, NULL, 's'},
        {"primers", required_argument, NULL, 'p'},
        {"max-mismatch", required_argument, NULL, OPT_MAXMM},
        {"read-length", required_argument, NULL, 'l'},
        {"chimera-rate", required_argument, NULL, OPT_CHIMERA},
        {"poor-tails", required_argument, NULL, OPT_TAILS},
        {"taxa", required_argument, NULL, OPT_TAXA},
        {"arm-shift", required_argument, NULL, OPT_SHIFT},
        {"hr-arm", required_argument, NULL, OPT_HRARM},
        {"hr-shannon", required_argument, NULL, OPT_HRSHAN},
        {"hbsag-genus", required_argument, NULL, OPT_HBGENUS},
        {"hbsag-rho", required_argument, NULL, OPT_HBRHO},
        {"missing", required_argument, NULL, OPT_MISSING},
        {"read-truth", no_argument, NULL, OPT_READTRUTH},
        {"genus-hbsag", required_argument, NULL, OPT_GENUSHB},
        {"sites", required_argument, NULL, OPT_SITES},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common_t co;
    cli_common_init(&co, "simulate");
    if (argc < 2) {
        fputs(sim_usage, stderr);
        return 64;
    }
    lm_sim_opt_t opt;
    lm_sim_opt_init(&opt);
    int help = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:o:n:N:s:p:l:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        if (c == '?' || c == ':') return cli_bad_option(c, argv, optind, optopt);
        int r = sim_opt(&opt, c, optarg);
        if (r < 0) return 64;
        if (r > 0) return cli_bad_option('?', argv, optind, optopt);
    }
    if (help) {
        fputs(sim_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    opt.threads = co.threads;
    lm_err_t err;
    lm_err_clear(&err);
    if (lm_sim_opt_check(&opt, &err)) return cli_usage_error("%s", err.msg);
    return lm_sim_run(&opt, &err) ? cli_fail(&err) : 0;
}
