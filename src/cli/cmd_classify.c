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
    "    first in its training file's order);\n"
    "  - sequences shorter than RDP's minimum (50 bp, 42 words) are still classified, and\n"
    "    the strand is only checked with --both-strands.\n"
    "\n"
    "Output: QIIME 2's taxonomy TSV (Feature ID, Taxon, Confidence). Taxon is written\n"
    "'d__Bacteria; p__...; g__Name' (k__ for the domain if the reference used k__); a\n"
    "sequence whose domain does not pass is 'Unassigned'. Confidence is that of the\n"
    "deepest rank kept.\n"
    "\n"
    "Options:\n"
    "  -x, --index FILE      index from lumen index\n"
    "  -i, --in FILE         query sequences (FASTA or FASTQ, may be gzipped)\n"
    "  -o, --out FILE        taxonomy TSV to write\n"
    "  -c, --confidence X    bootstrap threshold, 0..1 (default 0.8; QIIME 2 often 0.7)\n"
    "      --both-strands    also try the reverse complement and keep the better strand\n"
    "      --details FILE    per-rank TSV: the best lineage's name and confidence at every\n"
    "                        rank, whatever the threshold (like RDP's fixrank output)\n"
    "      --seed N          the generator's seed before every sequence (default 1, RDP's)\n"
    "      --exhaustive      score every genus in every trial, as RDP does: slow, and the\n"
    "                        same output (for checking the fast path)\n"
    "\n" CLI_COMMON_HELP;

enum { OPT_BOTH = 1, OPT_DETAILS, OPT_SEED, OPT_EXHAUSTIVE };

static void write_row(FILE *out, FILE *det, const lm_kidx_t *idx, const char *id,
                      const lm_cls_result_t *r, int max_rank, char *buf, size_t size)
{
    size_t need = lm_cls_format_taxon(idx, r, buf, size);
    fprintf(out, "%s\t%s\t%.2f\n", id, need < size ? buf : "?", lm_cls_confidence(r));
    if (!det) return;
    fprintf(det, "%s\t%c", id, r->reverse ? '-' : '+');
    for (int k = 0; k <= max_rank; k++) {
        if (r->taxon[k] == UINT32_MAX)
            fputs("\t\t", det);
        else
            fprintf(det, "\t%s\t%.2f", lm_kidx_taxon_name(idx, r->taxon[k]), r->conf[k]);
    }
    fputc('\n', det);
}

static int run(const char *index, const char *in, lm_afile_t *out, lm_afile_t *det,
               const lm_cls_opt_t *opt, int threads, lm_err_t *err)
{
    lm_kidx_t *idx = lm_kidx_load(index, err);
    if (!idx) return err->code;
    int max_rank = 0;
    for (uint32_t t = 0; t < lm_kidx_n_taxa(idx); t++)
        if ((int)lm_kidx_taxon(idx, t)->rank > max_rank)
            max_rank = (int)lm_kidx_taxon(idx, t)->rank;
    FILE *o = lm_afile_stream(out), *d = det ? lm_afile_stream(det) : NULL;
    fputs("Feature ID\tTaxon\tConfidence\n", o);
    if (d) {
        fputs("Feature ID\tstrand", d);
        for (int k = 0; k <= max_rank; k++)
            fprintf(d, "\t%s\t%s_confidence", lm_rank_name(k), lm_rank_name(k));
        fputc('\n', d);
    }
    lm_fq_reader_t *r = lm_fq_open(in, NULL, err);
    lm_seqbatch_t *b = lm_seqbatch_create(LM_BATCH_RECORDS, 0);
    lm_cls_result_t *res = malloc(LM_BATCH_RECORDS * sizeof(*res));
    lm_cls_buf_t **bufs = calloc((size_t)threads, sizeof(*bufs));
    int rc = r ? 0 : err->code;
    if (!rc && (!b || !res || !bufs)) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int t = 0; !rc && t < threads; t++)
        if (!(bufs[t] = lm_cls_buf_create(idx)))
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    lm_progress_t *prog = lm_progress_create(in, 0, "sequences");
    char taxon[8192];
    int got = 0;
    while (!rc && (got = lm_fq_read_batch(r, b, err)) > 0) {
        int fail = 0;
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
        for (size_t i = 0; i < b->n; i++) {
            lm_cls_buf_t *buf = bufs[omp_get_thread_num()]; /* scratch only, never a slot */
            if (lm_cls_classify(idx, opt, buf, b->r1[i].seq.s, b->r1[i].seq.l, &res[i])) {
#pragma omp atomic write
                fail = 1;
            }
        }
        if (fail) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        for (size_t i = 0; i < b->n; i++)
            write_row(o, d, idx, b->r1[i].name.s, &res[i], max_rank, taxon, sizeof(taxon));
        lm_progress_update(prog, lm_fq_count(r));
    }
    if (!rc && got < LM_EOF) rc = got;
    lm_progress_destroy(prog);
    for (int t = 0; bufs && t < threads; t++) lm_cls_buf_destroy(bufs[t]);
    free(bufs);
    free(res);
    lm_seqbatch_destroy(b);
    lm_fq_close(r);
    lm_kidx_destroy(idx);
    return rc;
}

int cmd_classify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'x'},
        {"in", required_argument, NULL, 'i'},
        {"out", required_argument, NULL, 'o'},
        {"confidence", required_argument, NULL, 'c'},
        {"both-strands", no_argument, NULL, OPT_BOTH},
        {"details", required_argument, NULL, OPT_DETAILS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"exhaustive", no_argument, NULL, OPT_EXHAUSTIVE},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common_t co;
    cli_common_init(&co, "classify");
    if (argc < 2) {
        fputs(classify_usage, stderr);
        return 64;
    }
    const char *index = NULL, *in = NULL, *out = NULL, *details = NULL;
    lm_cls_opt_t opt;
    lm_cls_opt_init(&opt);
    int help = 0, c;
    long v;
    char *end;
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
        case 'c':
            opt.confidence = strtod(optarg, &end);
            if (end == optarg || *end || !(opt.confidence >= 0 && opt.confidence <= 1))
                return cli_usage_error("--confidence needs a number from 0 to 1, not '%s'", optarg);
            break;
        case OPT_BOTH:
            opt.both_strands = 1;
            break;
        case OPT_DETAILS:
            details = optarg;
            break;
        case OPT_EXHAUSTIVE:
            opt.exhaustive = 1;
            break;
        case OPT_SEED:
            if (cli_parse_int("--seed", optarg, 0, 0x7fffffffL, &v)) return 64;
            opt.seed = (uint64_t)v;
            break;
        default:
            return cli_bad_option(c, argv, optind, optopt);
        }
    }
    if (help) {
        fputs(classify_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!index) return cli_usage_error("--index is required");
    if (!in) return cli_usage_error("--in is required");
    if (!out) return cli_usage_error("--out is required");

    lm_err_t err;
    lm_err_clear(&err);
    if (lm_cls_opt_check(&opt, &err)) return cli_fail(&err);
    lm_afile_t *of = lm_afile_open(out, &err), *df = NULL;
    if (!of) return cli_fail(&err);
    if (details && !(df = lm_afile_open(details, &err))) {
        lm_afile_abort(of);
        return cli_fail(&err);
    }
    int rc = run(index, in, of, df, &opt, co.threads, &err);
    if (rc) {
        lm_afile_abort(of);
        lm_afile_abort(df);
        return cli_fail(&err);
    }
    if (lm_afile_commit(of, &err)) {
        lm_afile_abort(df);
        return cli_fail(&err);
    }
    if (df && lm_afile_commit(df, &err)) return cli_fail(&err);
    return 0;
}
