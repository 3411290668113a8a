/* SPDX-License-Identifier: MIT */
/* lumen qc: read statistics of one FASTQ/FASTA file or a pair. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lumen/seqio.h"
#include "lumen/version.h"

static const char qc_usage[] =
    "Usage: lumen qc --in R1.fastq.gz [--in2 R2.fastq.gz] [--json FILE] [options]\n"
    "\n"
    "Read statistics of a FASTQ or FASTA file (plain, gzip or BGZF), or of a read pair\n"
    "read in lockstep (the read names must agree). Per file: reads, bases, min/mean/max\n"
    "length, length histogram, mean quality by position, fraction of bases >= Q30, and\n"
    "the distribution of expected errors per read (sum of 10^(-Q/10), as vsearch's\n"
    "--fastq_maxee counts them). A tab-separated report goes to standard output: lines\n"
    "starting with '#' name each section.\n"
    "\n"
    "Options:\n"
    "  -i, --in FILE     reads (R1 of a pair); '-' is standard input\n"
    "  -I, --in2 FILE    the mate file (R2)\n"
    "  -j, --json FILE   also write the statistics as JSON\n"
    "      --phred64     qualities are Phred+64: convert them (default: Phred+33; Phred+64\n"
    "                    input is detected and refused)\n"
    "\n" CLI_COMMON_HELP;

typedef struct qc_file {
    const char *path;
    lm_seqfmt_t fmt;
    lm_fqstats_t st;
} qc_file_t;

static int add_batch(lm_fqstats_t *st, const lm_seqrec_t *recs, size_t n, lm_err_t *err)
{
    for (size_t i = 0; i < n; i++)
        if (lm_fqstats_add(st, &recs[i]))
            return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    return 0;
}

/* One file: with two or more threads, reading batch k+1 overlaps the statistics of batch k
 * (statistics are still added in record order, so the result is the same). */
static int qc_single(qc_file_t *f, const lm_fq_opt_t *fo, int threads, lm_err_t *err)
{
    lm_fq_reader_t *r = lm_fq_open(f->path, fo, err);
    if (!r) return err->code;
    lm_seqbatch_t *b[2] = {lm_seqbatch_create(LM_BATCH_RECORDS, 0),
                           lm_seqbatch_create(LM_BATCH_RECORDS, 0)};
    lm_progress_t *prog = lm_progress_create(f->path, 0, "reads");
    int rc = 0;
    if (!b[0] || !b[1]) rc = lm_err_set(err, LM_ENOMEM, f->path, 0, 0, "out of memory");
    int got = rc ? rc : lm_fq_read_batch(r, b[0], err);
    for (int k = 0; !rc && got > 0; k ^= 1) {
        lm_err_t e2;
        lm_err_clear(&e2);
        int next = 0, st = 0;
#pragma omp parallel sections num_threads(2) if (threads > 1)
        {
#pragma omp section
            next = lm_fq_read_batch(r, b[k ^ 1], err);
#pragma omp section
            st = add_batch(&f->st, b[k]->r1, b[k]->n, &e2);
        }
        if (st) {
            lm_err_copy(err, &e2);
            rc = st;
        }
        got = next;
        lm_progress_update(prog, lm_fq_count(r));
    }
    if (!rc && got < LM_EOF) rc = got;
    f->fmt = lm_fq_format(r);
    lm_progress_destroy(prog);
    lm_seqbatch_destroy(b[0]);
    lm_seqbatch_destroy(b[1]);
    lm_fq_close(r);
    return rc;
}

static int qc_pair(qc_file_t *f, const lm_fq_opt_t *fo, lm_err_t *err)
{
    lm_fqpair_t *p = lm_fqpair_open(f[0].path, f[1].path, fo, err);
    if (!p) return err->code;
    lm_seqbatch_t *b = lm_seqbatch_create(LM_BATCH_RECORDS, 1);
    lm_progress_t *prog = lm_progress_create(f[0].path, 0, "pairs");
    int rc = b ? 0 : lm_err_set(err, LM_ENOMEM, f[0].path, 0, 0, "out of memory");
    int got;
    while (!rc && (got = lm_fqpair_read_batch(p, b, err)) != LM_EOF) {
        if (got < 0) {
            rc = got;
            break;
        }
        int s1 = 0, s2 = 0;
#pragma omp parallel sections num_threads(2) if (fo->threads > 1)
        {
#pragma omp section
            s1 = add_batch(&f[0].st, b->r1, b->n, NULL);
#pragma omp section
            s2 = add_batch(&f[1].st, b->r2, b->n, NULL);
        }
        if (s1 || s2) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        lm_progress_update(prog, lm_fqpair_count(p));
    }
    for (int i = 0; i < 2; i++) f[i].fmt = lm_fq_format(lm_fqpair_reader(p, i));
    lm_progress_destroy(prog);
    lm_seqbatch_destroy(b);
    lm_fqpair_close(p);
    return rc;
}

static const char *fmt_name(lm_seqfmt_t f)
{
    return f == LM_FMT_FASTQ ? "FASTQ" : f == LM_FMT_FASTA ? "FASTA" : "empty";
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static void print_text(FILE *out, const qc_file_t *f, int nf)
{
    fprintf(out, "# summary\nfile\tformat\treads\tbases\tmin_len\tmean_len\tmax_len\t"
                 "q30_fraction\tn_fraction\tgc_fraction\tmean_expected_errors\n");
    for (int i = 0; i < nf; i++) {
        const lm_fqstats_t *s = &f[i].st;
        fprintf(out, "%s\t%s\t%llu\t%llu\t%llu\t%.2f\t%llu\t%.4f\t%.4f\t%.4f\t%.4f\n", f[i].path,
                fmt_name(f[i].fmt), (unsigned long long)s->reads, (unsigned long long)s->bases,
                (unsigned long long)s->min_len, ratio(s->bases, s->reads),
                (unsigned long long)s->max_len, ratio(s->q30_bases, s->qual_bases),
                ratio(s->n_bases, s->bases), ratio(s->gc_bases, s->bases),
                s->qual_bases ? s->ee_sum / s->reads : 0.0);
    }
    fprintf(out, "\n# expected errors per read\nfile\tee_min\tee_max\treads\tfraction\n");
    for (int i = 0; i < nf; i++) {
        const lm_fqstats_t *s = &f[i].st;
        if (!s->qual_bases) continue;
        for (int b = 0; b < LM_EE_NBINS; b++) {
            double lo = b ? lm_ee_bin_edges[b - 1] : 0.0;
            fprintf(out, "%s\t%g\t", f[i].path, lo);
            if (b < LM_EE_NBINS - 1)
                fprintf(out, "%g", lm_ee_bin_edges[b]);
            else
                fputs("inf", out);
            fprintf(out, "\t%llu\t%.4f\n", (unsigned long long)s->ee_hist[b],
                    ratio(s->ee_hist[b], s->reads));
        }
    }
    fprintf(out, "\n# length histogram\nfile\tlength\treads\n");
    for (int i = 0; i < nf; i++) {
        const lm_fqstats_t *s = &f[i].st;
        for (uint64_t l = 0; s->reads && l <= s->max_len; l++)
            if (s->len_hist[l])
                fprintf(out, "%s\t%llu\t%llu\n", f[i].path, (unsigned long long)l,
                        (unsigned long long)s->len_hist[l]);
    }
    fprintf(out, "\n# mean quality by position\nfile\tposition\tbases\tmean_quality\n");
    for (int i = 0; i < nf; i++) {
        const lm_fqstats_t *s = &f[i].st;
        for (uint64_t p = 0; s->qual_bases && p < s->max_len; p++)
            fprintf(out, "%s\t%llu\t%llu\t%.2f\n", f[i].path, (unsigned long long)p + 1,
                    (unsigned long long)s->qual_n[p], ratio(s->qual_sum[p], s->qual_n[p]));
    }
}

static void write_json(FILE *out, const qc_file_t *f, int nf)
{
    lm_json_t j;
    lm_json_init(&j, out);
    lm_json_object_begin(&j, NULL);
    lm_json_string(&j, "program", "lumen qc");
    lm_json_string(&j, "version", LM_VERSION);
    if (nf == 2) lm_json_uint(&j, "pairs", f[0].st.reads);
    lm_json_array_begin(&j, "files");
    for (int i = 0; i < nf; i++) {
        const lm_fqstats_t *s = &f[i].st;
        lm_json_object_begin(&j, NULL);
        lm_json_string(&j, "path", f[i].path);
        lm_json_string(&j, "format", fmt_name(f[i].fmt));
        lm_json_uint(&j, "reads", s->reads);
        lm_json_uint(&j, "bases", s->bases);
        lm_json_uint(&j, "min_len", s->min_len);
        lm_json_double(&j, "mean_len", ratio(s->bases, s->reads));
        lm_json_uint(&j, "max_len", s->max_len);
        lm_json_double(&j, "q30_fraction", ratio(s->q30_bases, s->qual_bases));
        lm_json_double(&j, "n_fraction", ratio(s->n_bases, s->bases));
        lm_json_double(&j, "gc_fraction", ratio(s->gc_bases, s->bases));
        lm_json_double(&j, "mean_expected_errors", s->reads ? s->ee_sum / s->reads : 0.0);
        lm_json_array_begin(&j, "expected_errors");
        for (int b = 0; s->qual_bases && b < LM_EE_NBINS; b++) {
            lm_json_object_begin(&j, NULL);
            lm_json_double(&j, "min", b ? lm_ee_bin_edges[b - 1] : 0.0);
            if (b < LM_EE_NBINS - 1)
                lm_json_double(&j, "max", lm_ee_bin_edges[b]);
            else
                lm_json_string(&j, "max", NULL);
            lm_json_uint(&j, "reads", s->ee_hist[b]);
            lm_json_object_end(&j);
        }
        lm_json_array_end(&j);
        lm_json_array_begin(&j, "length_histogram");
        for (uint64_t l = 0; s->reads && l <= s->max_len; l++) {
            if (!s->len_hist[l]) continue;
            lm_json_object_begin(&j, NULL);
            lm_json_uint(&j, "length", l);
            lm_json_uint(&j, "reads", s->len_hist[l]);
            lm_json_object_end(&j);
        }
        lm_json_array_end(&j);
        lm_json_array_begin(&j, "mean_quality_by_position");
        for (uint64_t p = 0; s->qual_bases && p < s->max_len; p++)
            lm_json_double(&j, NULL, ratio(s->qual_sum[p], s->qual_n[p]));
        lm_json_array_end(&j);
        lm_json_object_end(&j);
    }
    lm_json_array_end(&j);
    lm_json_object_end(&j);
    lm_json_finish(&j);
}

int cmd_qc(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"in", required_argument, NULL, 'i'},
        {"in2", required_argument, NULL, 'I'},
        {"json", required_argument, NULL, 'j'},
        {"phred64", no_argument, NULL, 'P'},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common_t co;
    cli_common_init(&co, "qc");
    if (argc < 2) {
        fputs(qc_usage, stderr);
        return 64;
    }
    const char *in = NULL, *in2 = NULL, *json = NULL;
    int help = 0, c;
    lm_fq_opt_t fo;
    lm_fq_opt_init(&fo);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":i:I:j:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'i':
            in = optarg;
            break;
        case 'I':
            in2 = optarg;
            break;
        case 'j':
            json = optarg;
            break;
        case 'P':
            fo.phred64 = 1;
            break;
        default:
            return cli_bad_option(c, argv, optind, optopt);
        }
    }
    if (help) {
        fputs(qc_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!in) return cli_usage_error("--in is required");
    const char *in_opt[] = {"--in", "--in2"}, *ins[] = {in, in2};
    if (cli_refuse_same("--json", json, 2, in_opt, ins)) return 64;
    fo.threads = co.threads;

    qc_file_t f[2] = {{.path = in}, {.path = in2}};
    int nf = in2 ? 2 : 1;
    for (int i = 0; i < nf; i++) lm_fqstats_init(&f[i].st);
    lm_err_t err;
    lm_err_clear(&err);
    lm_afile_t *jf = NULL;
    int rc = nf == 2 ? qc_pair(f, &fo, &err) : qc_single(&f[0], &fo, co.threads, &err);
    if (!rc && json) {
        if (!(jf = lm_afile_open(json, &err))) {
            rc = err.code;
        } else {
            write_json(lm_afile_stream(jf), f, nf);
            rc = lm_afile_commit(jf, &err);
        }
    }
    if (!rc) {
        for (int i = 0; i < nf; i++)
            if (f[i].st.reads == 0) lm_log_warn("%s: no reads (empty file)", f[i].path);
        print_text(stdout, f, nf);
    }
    for (int i = 0; i < nf; i++) lm_fqstats_free(&f[i].st);
    return rc ? cli_fail(&err) : 0;
}
