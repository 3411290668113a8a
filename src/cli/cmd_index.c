/* SPDX-License-Identifier: MIT */
/* lumen index: build the k-mer reference index that lumen classify reads. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lumen/refdb.h"

static const char index_usage[] =
    "Usage: lumen index --fasta REF.fasta [--taxonomy TAX.tsv] --out REF.lmi [options]\n"
    "\n"
    "Build the k-mer index of a 16S reference for lumen classify (RDP naive Bayes).\n"
    "Lineages come from --taxonomy (QIIME/Greengenes TSV: ID<TAB>k__...; p__...; g__...)\n"
    "or from the FASTA headers: SILVA/RDP/DADA2 ('>Bacteria;Phylum;...;Genus;' or\n"
    "'>ID Bacteria;...;Genus'), SINTAX ('>ID;tax=d:...,p:...,g:...;'), or the last\n"
    "tab-separated field of the header (the microbiomeutil gold set). Ranks become domain,\n"
    "phylum, class, order, family, genus (species with --rank species); empty ranks (g__)\n"
    "are gaps, and a name under two parents stays two taxa. Identical sequences with\n"
    "identical lineages count once (unless --keep-duplicates). The file is the same for\n"
    "any --threads (index format 3; an index from an older lumen is refused by classify:\n"
    "rebuild it).\n"
    "\n"
    "Options:\n"
    "  -f, --fasta FILE     reference sequences (FASTA, may be gzipped)\n"
    "  -T, --taxonomy FILE  QIIME taxonomy TSV matched to the FASTA IDs\n"
    "  -o, --out FILE       the index to write\n"
    "  -k, --kmer N         word length, 4..12 (default 8, as RDP)\n"
    "      --rank RANK      deepest rank to classify: genus (default) or species\n"
    "  -p, --primers SET    cut each reference to its amplicon (v4, v3v4, v1v2), primers\n"
    "                       removed, as QIIME 2's extract-reads; references lacking a\n"
    "                       primer site are left out (default: whole sequences)\n"
    "      --primer-mismatches N  substitutions allowed per primer (default 2)\n"
    "      --keep-duplicates  count every copy of a sequence repeated under the same\n"
    "                       lineage, as rdp_classifier's trainer does, so that classify\n"
    "                       --method rdp gives RDP's answers on references with many\n"
    "                       identical copies (e.g. Greengenes V4 amplicons); by default\n"
    "                       the copies count once and a genus is not weighted by how\n"
    "                       often its sequence was deposited\n"
    "      --near           also keep, per genus, which references hold each word, and\n"
    "                       how many identical records each stands for, for classify\n"
    "                       --near and --method nn (the gold set's index: 40 MB, not 18)\n"
    "\n" CLI_COMMON_HELP;

enum { OPT_RANK = 1, OPT_PRIMER_MM, OPT_KEEP_DUP, OPT_NEAR };

int cmd_index(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"fasta", required_argument, NULL, 'f'},
        {"taxonomy", required_argument, NULL, 'T'},
        {"out", required_argument, NULL, 'o'},
        {"kmer", required_argument, NULL, 'k'},
        {"rank", required_argument, NULL, OPT_RANK},
        {"primers", required_argument, NULL, 'p'},
        {"primer-mismatches", required_argument, NULL, OPT_PRIMER_MM},
        {"keep-duplicates", no_argument, NULL, OPT_KEEP_DUP},
        {"near", no_argument, NULL, OPT_NEAR},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common_t co;
    cli_common_init(&co, "index");
    if (argc < 2) {
        fputs(index_usage, stderr);
        return 64;
    }
    const char *fasta = NULL, *tax = NULL, *out = NULL;
    lm_ref_opt_t opt;
    lm_ref_opt_init(&opt);
    int help = 0, c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:T:o:k:p:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'f':
            fasta = optarg;
            break;
        case 'T':
            tax = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'k':
            if (cli_parse_int("--kmer", optarg, 4, 12, &v)) return 64;
            opt.k = (int)v;
            break;
        case 'p':
            opt.primers = strcmp(optarg, "none") == 0 ? NULL : optarg;
            break;
        case OPT_PRIMER_MM:
            if (cli_parse_int("--primer-mismatches", optarg, 0, 8, &v)) return 64;
            opt.primer_mm = (int)v;
            break;
        case OPT_KEEP_DUP:
            opt.keep_duplicates = 1;
            break;
        case OPT_NEAR:
            opt.near = 1;
            break;
        case OPT_RANK:
            if (strcmp(optarg, "genus") == 0)
                opt.max_rank = LM_RANK_GENUS;
            else if (strcmp(optarg, "species") == 0)
                opt.max_rank = LM_RANK_SPECIES;
            else
                return cli_usage_error("--rank must be genus or species, not '%s'", optarg);
            break;
        default:
            return cli_bad_option(c, argv, optind, optopt);
        }
    }
    if (help) {
        fputs(index_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!fasta) return cli_usage_error("--fasta is required");
    if (!out) return cli_usage_error("--out is required");
    const char *in_opt[] = {"--fasta", "--taxonomy"}, *ins[] = {fasta, tax};
    if (cli_refuse_same("--out", out, 2, in_opt, ins)) return 64;
    opt.threads = co.threads;

    lm_err_t err;
    lm_err_clear(&err);
    if (lm_ref_opt_check(&opt, &err)) return cli_fail(&err);
    lm_ref_t *ref = lm_ref_create(&opt);
    if (!ref) {
        lm_err_set(&err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        return cli_fail(&err);
    }
    int rc = lm_ref_read(ref, fasta, tax, &err);
    if (!rc) rc = lm_ref_write(ref, out, &err);
    if (!rc) {
        const lm_ref_stats_t *st = lm_ref_stats(ref);
        lm_log_info("%llu reference sequences, %llu identical (sequence and lineage) %s",
                    (unsigned long long)st->sequences, (unsigned long long)st->collapsed,
                    opt.keep_duplicates ? "kept, each counted (--keep-duplicates)" : "collapsed");
        if (opt.primers)
            lm_log_info("%llu references without both %s primer sites left out",
                        (unsigned long long)st->no_amplicon, opt.primers);
        if (st->homonyms)
            lm_log_warn("%llu names occur under more than one parent and stay separate taxa "
                        "(for example %s)",
                        (unsigned long long)st->homonyms, st->homonym_example);
        lm_err_t e2;
        lm_err_clear(&e2);
        lm_kidx_t *idx = lm_kidx_load_threads(out, opt.threads, &e2);
        if (idx) {
            lm_log_info("%s: k=%d, %u taxa, %u classes, %u references, %llu k-mer entries, %u "
                        "references with a species name (classify --species)",
                        out, lm_kidx_k(idx), lm_kidx_n_taxa(idx), lm_kidx_n_leaves(idx),
                        lm_kidx_n_refs(idx), (unsigned long long)lm_kidx_n_entries(idx),
                        lm_kidx_n_species_refs(idx));
            lm_kidx_destroy(idx);
        } else {
            rc = e2.code;
            lm_err_copy(&err, &e2);
        }
    }
    lm_ref_destroy(ref);
    return rc ? cli_fail(&err) : 0;
}
