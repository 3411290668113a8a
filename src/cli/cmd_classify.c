/* SPDX-License-Identifier: MIT */
/* lumen classify: RDP naive Bayes taxonomy for each sequence, as a QIIME 2 taxonomy TSV.
 * Batches of a fixed size are classified in parallel into per-record slots and written in
 * input order, so the output is the same for any --threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli.h"
#include "lumen/classify.h"
#include "lumen/seqio.h"

static const char classify_usage[] =
    "Usage: lumen classify --index REF.lmi --in features.fasta --out taxonomy.tsv [options]\n"
    "\n"
    "Assign taxonomy with the RDP naive Bayesian classifier (Wang et al. 2007), as RDP\n"
    "Classifier 2.x computes it: 8-mer words, word probabilities (n(w,g) + P_w)/(N_g + 1)\n"
    "with P_w = (n(w) + 0.5)/(N + 1), 100 bootstrap trials of max(|W|/8, 5) words drawn\n"
    "with replacement, and the lineage cut at the deepest rank whose bootstrap confidence\n"
    "reaches --confidence. The draws are RDP's own: Java's random generator (a specified\n"
    "algorithm) set to the same seed before every sequence, so a sequence draws the words\n"
    "RDP draws and gets RDP's confidences, on any --threads and in any input order.\n"
    "\n"
    "Where lumen differs from RDP on purpose:\n"
    "  - a trial whose best score is tied between classes credits each of them equally,\n"
    "    the expectation of RDP's random (unseeded, so unrepeatable) pick among them;\n"
    "  - scores are summed in double precision (RDP: single), so near-ties RDP's rounding\n"
    "    decides can go the other way;\n"
    "  - a tie of the whole sequence goes to the class first in sorted lineage order (RDP:\n"
    "    first in its trainer's HashMap order);\n"
    "  - sequences shorter than RDP's minimum (50 bp, 42 words) are still classified, and\n"
    "    the strand is only checked with --both-strands;\n"
    "  - the default --confidence is " CLI_CLS_CONFIDENCE_S ", not RDP's 0.8 (see --confidence).\n"
    "\n"
    "Output: QIIME 2's taxonomy TSV (Feature ID, Taxon, Confidence). Taxon is written\n"
    "'d__Bacteria; p__...; g__Name' (k__ for the domain if the reference used k__); a\n"
    "sequence whose domain does not pass is 'Unassigned'. Confidence is that of the\n"
    "deepest rank kept.\n"
    "\n";
/* In two parts: C99 compilers need only take strings up to 4095 bytes. */
static const char classify_usage_opts[] =
    "Options:\n"
    "  -x, --index FILE      index from lumen index\n"
    "  -i, --in FILE         query sequences (FASTA or FASTQ, may be gzipped)\n"
    "  -o, --out FILE        taxonomy TSV to write\n"
    "  -c, --confidence X    bootstrap threshold, 0..1 (default " CLI_CLS_CONFIDENCE_S
    "; chosen by\n"
    "                        10-fold cross-validation on the gold 16S reference and the\n"
    "                        Greengenes 13_8 V4 set as the threshold with the highest\n"
    "                        mean genus F of the two, benchmarks/classify.md; RDP's own\n"
    "                        default is 0.8: use --confidence 0.8 to match\n"
    "                        rdp_classifier; QIIME 2 often uses 0.7, DADA2 0.5). A\n"
    "                        lower threshold names more genera the reference lacks:\n"
    "                        of gold sequences whose genus is left out of training,\n"
    "                        85% get a (wrong) genus at 0.42, 49% at 0.8 (see --near)\n"
    "      --both-strands    also try the reverse complement and keep the better strand\n"
    "      --details FILE    per-rank TSV: the best lineage's name and confidence at every\n"
    "                        rank, whatever the threshold (like RDP's fixrank output)\n"
    "      --seed N          the generator's seed before every sequence (default 1, RDP's)\n"
    "      --exhaustive      score every genus in every trial, as RDP does: slow, and the\n"
    "                        same output (for checking the fast path)\n"
    "      --method M        rdp (default): RDP's score exactly, as above; lumen: score only\n"
    "                        the query's words the reference holds, within the stretch of\n"
    "                        the query the reference covers (robust to queries longer\n"
    "                        than the reference's region, e.g. 250-nt reads on a 150-nt\n"
    "                        V4 reference; benchmarks/classify.md has the figures);\n"
    "                        nn: the nearest reference sequences (most shared distinct\n"
    "                        words / the fewer of the two's, over every reference); each\n"
    "                        rank's confidence is the share of them holding its taxon,\n"
    "                        so --confidence is the least majority (no bootstrap; --seed\n"
    "                        and --exhaustive do nothing). Best on short reads: genus F\n"
    "                        0.952 on Greengenes V4 (10-fold; rdp 0.923, vsearch --sintax\n"
    "                        0.939), 0.943 on full-length gold (rdp 0.948); it names a\n"
    "                        genus for most queries of a genus the reference lacks.\n"
    "                        Needs an index built with lumen index --near\n";
static const char classify_usage_more[] =
    "      --near            scale the genus's confidence by how near the query comes to\n"
    "                        the genus: the bootstrap confidence times the query's k-mer\n"
    "                        similarity to the genus's nearest reference (shared distinct\n"
    "                        words / the fewer of the two's), IDTAXA's idea (Murali 2018),\n"
    "                        so that a query of a genus the reference lacks is seldom\n"
    "                        named a genus. Ranks above the genus keep RDP's confidence.\n"
    "                        It costs recall: at 0.8, gold reference, genera named for\n"
    "                        unseen-genus queries fall from 48% to 9.4%, genus F of known\n"
    "                        genera (10-fold) from 0.943 to 0.866, Greengenes V4 from\n"
    "                        0.865 to 0.804; about the same as raising RDP's threshold\n"
    "                        where both reach (benchmarks/classify.md has the curve).\n"
    "                        Needs an index built with lumen index --near\n"
    "      --species         add '; s__name' when the whole sequence occurs in reference\n"
    "                        sequences of one species only, of the genus assigned (and\n"
    "                        kept), as DADA2's addSpecies does; never from k-mer votes.\n"
    "                        The index keeps the references whose lineage names genus\n"
    "                        and species (e.g. Greengenes' s__). Confidence stays the\n"
    "                        genus's; --details gets a species_match column\n"
    "      --species-mismatches N  substitutions the match allows, 0 (default, DADA2's)\n"
    "                        or 1 (then the closest hits decide)\n"
    "\n" CLI_COMMON_HELP;

enum { OPT_DETAILS = 1, OPT_SEED };

const struct option cli_cls_options[] = {
    {"confidence", required_argument, NULL, CLI_CLS_CONF},
    {"both-strands", no_argument, NULL, CLI_CLS_BOTH},
    {"exhaustive", no_argument, NULL, CLI_CLS_EXHAUSTIVE},
    {"species", no_argument, NULL, CLI_CLS_SPECIES},
    {"method", required_argument, NULL, CLI_CLS_METHOD},
    {"species-mismatches", required_argument, NULL, CLI_CLS_SPECIES_MM},
    {"near", no_argument, NULL, CLI_CLS_NEAR},
    {NULL, 0, NULL, 0},
};

void cli_cls_init(lm_cls_opt_t *o)
{
    lm_cls_opt_init(o);
    o->confidence = CLI_CLS_CONFIDENCE;
}

int cli_cls_option(lm_cls_opt_t *o, int c, const char *arg)
{
    char *end;
    switch (c) {
    case CLI_CLS_CONF:
        o->confidence = strtod(arg, &end);
        if (end == arg || *end || !(o->confidence >= 0 && o->confidence <= 1))
            return cli_usage_error("--confidence needs a number from 0 to 1, not '%s'", arg);
        return 1;
    case CLI_CLS_BOTH:
        o->both_strands = 1;
        return 1;
    case CLI_CLS_EXHAUSTIVE:
        o->exhaustive = 1;
        return 1;
    case CLI_CLS_SPECIES:
        o->species = 1;
        return 1;
    case CLI_CLS_NEAR:
        o->near = 1;
        return 1;
    case CLI_CLS_METHOD:
        if (strcmp(arg, "rdp") == 0)
            o->method = LM_CLS_RDP;
        else if (strcmp(arg, "lumen") == 0)
            o->method = LM_CLS_LUMEN;
        else if (strcmp(arg, "nn") == 0)
            o->method = LM_CLS_NN;
        else
            return cli_usage_error("--method needs rdp, lumen or nn, not '%s'", arg);
        return 1;
    case CLI_CLS_SPECIES_MM:
        if (strcmp(arg, "0") != 0 && strcmp(arg, "1") != 0)
            return cli_usage_error("--species-mismatches needs 0 or 1, not '%s'", arg);
        o->species_mm = arg[0] - '0';
        return 1;
    }
    return 0;
}

int cmd_classify(int argc, char **argv)
{
    struct option longopts[24] = {
        {"index", required_argument, NULL, 'x'},
        {"in", required_argument, NULL, 'i'},
        {"out", required_argument, NULL, 'o'},
        {"details", required_argument, NULL, OPT_DETAILS},
        {"seed", required_argument, NULL, OPT_SEED},
    };
    size_t nlo = 5;
    for (const struct option *o = cli_cls_options; o->name; o++) longopts[nlo++] = *o;
    const struct option common[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    for (const struct option *o = common; o->name; o++) longopts[nlo++] = *o;
    cli_common_t co;
    cli_common_init(&co, "classify");
    if (argc < 2) {
        fputs(classify_usage, stderr);
        fputs(classify_usage_opts, stderr);
        fputs(classify_usage_more, stderr);
        return 64;
    }
    const char *index = NULL, *in = NULL, *out = NULL, *details = NULL;
    lm_cls_opt_t opt;
    cli_cls_init(&opt);
    int help = 0, c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":x:i:o:c:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'x':
            index = optarg;
            break;
        case 'i':
            in = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case OPT_DETAILS:
            details = optarg;
            break;
        case OPT_SEED:
            if (cli_parse_int("--seed", optarg, 0, 0x7fffffffL, &v)) return 64;
            opt.seed = (uint64_t)v;
            break;
        default: {
            int r = cli_cls_option(&opt, c == 'c' ? CLI_CLS_CONF : c, optarg);
            if (r == 64) return 64;
            if (!r) return cli_bad_option(c, argv, optind, optopt);
        }
        }
    }
    if (help) {
        fputs(classify_usage, stdout);
        fputs(classify_usage_opts, stdout);
        fputs(classify_usage_more, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!index) return cli_usage_error("--index is required");
    if (!in) return cli_usage_error("--in is required");
    if (!out) return cli_usage_error("--out is required");
    const char *in_opt[] = {"--index", "--in", "--out"}, *ins[] = {index, in, out};
    if (cli_refuse_same("--out", out, 2, in_opt, ins) ||
        cli_refuse_same("--details", details, 3, in_opt, ins))
        return 64;
    if (details && !strcmp(details, out))
        return cli_usage_error("--details and --out are one file");

    lm_err_t err;
    lm_err_clear(&err);
    /* all outputs or none: a failure (a full disk) leaves no subset of the files */
    lm_afile_hold();
    int rc = lm_cls_classify_file(index, in, out, details, &opt, co.threads, NULL, &err);
    int held = lm_afile_release(!rc, &err);
    if (!rc) rc = held;
    return rc ? cli_fail(&err) : 0;
}
