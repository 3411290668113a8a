/* SPDX-License-Identifier: MIT */
/* The classify stage as files: load the index, classify a FASTA/FASTQ in batches (in
 * parallel, rows written in input order) and write QIIME 2's taxonomy TSV (and the per-rank
 * details). lumen classify and lumen run call lm_cls_classify_file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "lumen/classify.h"
#include "lumen/seqio.h"

static void write_row(FILE *out, FILE *det, const lm_kidx_t *idx, const char *id,
                      const lm_cls_result_t *r, int max_rank, int species, char *buf, size_t size)
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
    if (species)
        fprintf(det, "\t%s", r->species == UINT32_MAX ? "" : lm_kidx_species_name(idx, r->species));
    fputc('\n', det);
}

/* The rows of a classified batch, in input order. */
static void write_rows(FILE *out, FILE *det, const lm_kidx_t *idx, const lm_seqbatch_t *b,
                       const lm_cls_result_t *res, int max_rank, int species)
{
    char taxon[8192];
    for (size_t i = 0; i < b->n; i++)
        write_row(out, det, idx, b->r1[i].name.s, &res[i], max_rank, species, taxon, sizeof(taxon));
}

/* A query ID must come back from taxonomy.tsv as it went in (lumen taxa reads the file):
 * not empty, not starting with '#' (a comment line there), no control characters (a tab
 * splits the row, a CR ends it). Returns 0 or an LM_EFORMAT error naming the record. */
static int check_id(const lm_fq_reader_t *r, const lm_seqrec_t *rec, lm_err_t *err)
{
    const unsigned char *p = (const unsigned char *)(rec->name.s ? rec->name.s : "");
    const char *why = !*p         ? "is empty"
                      : *p == '#' ? "starts with '#' (a comment line there)"
                                  : NULL;
    for (; !why && *p; p++)
        if (*p < 0x20 || *p == 0x7f) why = "holds a control character";
    if (!why) return 0;
    return lm_err_set(err, LM_EFORMAT, lm_fq_path(r), rec->line, rec->index + 1,
                      "query ID '%s' %s: it cannot be a row of taxonomy.tsv", rec->name.s, why);
}

/* Records per batch: small enough that reading and writing overlap most of the work. */
#define CLS_BATCH 4096

/* Read the next batch of r into b and check its IDs: lm_fq_read_batch()'s return, or the
 * error of the first bad ID. */
static int read_checked(lm_fq_reader_t *r, lm_seqbatch_t *b, lm_err_t *err)
{
    const int got = lm_fq_read_batch(r, b, err);
    for (size_t i = 0; got > 0 && i < b->n; i++)
        if (check_id(r, &b->r1[i], err)) return err->code;
    return got;
}

static int run(const char *index, const char *in, lm_afile_t *out, lm_afile_t *det,
               const lm_cls_opt_t *opt, int threads, size_t *n_done, lm_err_t *err)
{
    lm_kidx_t *idx = lm_kidx_load_threads(index, threads, err);
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
        if (opt->species) fputs("\tspecies_match", d);
        fputc('\n', d);
    }
    lm_fq_reader_t *r = lm_fq_open(in, NULL, err);
    /* Two batches: while the threads classify one, one of them writes the rows of the one
     * before and then reads the next batch into its place (reading and writing between
     * batches took a tenth of the wall time on 2 threads). Rows still go out in input
     * order, and a bad record still stops the run before anything after it is classified. */
    lm_seqbatch_t *bb[2] = {lm_seqbatch_create(CLS_BATCH, 0), lm_seqbatch_create(CLS_BATCH, 0)};
    lm_cls_result_t *rr[2] = {malloc(CLS_BATCH * sizeof(lm_cls_result_t)),
                              malloc(CLS_BATCH * sizeof(lm_cls_result_t))};
    lm_cls_buf_t **bufs = calloc((size_t)threads, sizeof(*bufs));
    int rc = r ? 0 : err->code;
    if (!rc && (opt->near || opt->method == LM_CLS_NN) && !(lm_kidx_flags(idx) & LM_KIDX_F_NEAR))
        rc = lm_err_set(err, LM_EFORMAT, index, 0, 0,
                        "this index was built without the references %s needs: rebuild it "
                        "with lumen index --near",
                        opt->near ? "--near" : "--method nn");
    lm_cls_species_t *sp = NULL;
    if (!rc && opt->species && !(sp = lm_cls_species_create(idx, err))) rc = err->code;
    if (!rc && (!bb[0] || !bb[1] || !rr[0] || !rr[1] || !bufs))
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int t = 0; !rc && t < threads; t++)
        if (!(bufs[t] = lm_cls_buf_create(idx)))
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    lm_progress_t *prog = lm_progress_create(in, 0, "sequences");
    int got = rc ? 0 : read_checked(r, bb[0], err), cur = 0, prev = 0;
    if (!rc && got < 0 && got != LM_EOF) rc = got;
    while (!rc && got > 0) {
        const lm_seqbatch_t *b = bb[cur];
        lm_cls_result_t *res = rr[cur];
        lm_err_t ioerr = {0};
        int fail = 0, next = 0;
#pragma omp parallel num_threads(threads)
        {
#pragma omp single nowait
            { /* the batch before: its rows out, then the next batch into its place */
                if (prev) write_rows(o, d, idx, bb[cur ^ 1], rr[cur ^ 1], max_rank, opt->species);
                next = read_checked(r, bb[cur ^ 1], &ioerr);
            }
#pragma omp for schedule(dynamic, 16)
            for (size_t i = 0; i < b->n; i++) {
                lm_cls_buf_t *buf = bufs[omp_get_thread_num()]; /* scratch only, never a slot */
                const char *s = b->r1[i].seq.s;
                const size_t l = b->r1[i].seq.l;
                if (lm_cls_classify(idx, opt, buf, s, l, &res[i]) ||
                    (sp && lm_cls_species_assign(sp, idx, opt->species_mm, s, l, &res[i]))) {
#pragma omp atomic write
                    fail = 1;
                }
            }
        }
        if (fail) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        if (next < 0 && next != LM_EOF) { /* a bad record in the next batch */
            *err = ioerr;
            rc = next;
            break;
        }
        lm_progress_update(prog, lm_fq_count(r));
        prev = 1;
        got = next;
        cur ^= 1;
    }
    if (!rc && prev) write_rows(o, d, idx, bb[cur ^ 1], rr[cur ^ 1], max_rank, opt->species);
    if (!rc && got < 0 && got != LM_EOF) rc = got;
    if (!rc && n_done) *n_done = (size_t)lm_fq_count(r);
    lm_progress_destroy(prog);
    lm_cls_species_destroy(sp);
    for (int t = 0; bufs && t < threads; t++) lm_cls_buf_destroy(bufs[t]);
    free(bufs);
    free(rr[0]);
    free(rr[1]);
    lm_seqbatch_destroy(bb[0]);
    lm_seqbatch_destroy(bb[1]);
    lm_fq_close(r);
    lm_kidx_destroy(idx);
    return rc;
}

int lm_cls_classify_file(const char *index, const char *in, const char *out, const char *details,
                         const lm_cls_opt_t *opt, int threads, size_t *n_done, lm_err_t *err)
{
    if (lm_cls_opt_check(opt, err)) return err->code;
    lm_afile_t *of = lm_afile_open(out, err), *df = NULL;
    if (!of) return err->code;
    if (details && !(df = lm_afile_open(details, err))) {
        lm_afile_abort(of);
        return err->code;
    }
    int rc = run(index, in, of, df, opt, threads > 0 ? threads : 1, n_done, err);
    if (rc) {
        lm_afile_abort(of);
        lm_afile_abort(df);
        return rc;
    }
    if ((rc = lm_afile_commit(of, err))) {
        lm_afile_abort(df);
        return rc;
    }
    return df ? lm_afile_commit(df, err) : 0;
}
