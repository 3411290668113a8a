/* SPDX-License-Identifier: MIT */
/* lumen reads: primers, merging, filtering and per-sample dereplication for every sample
 * of a manifest. All outputs of a run appear together or not at all: samples write into a
 * staging folder inside --out, which is moved into place only when the run succeeds (or,
 * with --keep-going, for the samples that succeeded). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "lumen/derep.h"
#include "lumen/run.h"
#include "lumen/seqio.h"
#include "lumen/trim.h"

static const char reads_usage[] =
    "Usage: lumen reads --manifest manifest.tsv --out DIR [options]\n"
    "\n"
    "For each sample of a QIIME 2 manifest (paired: forward-/reverse-absolute-filepath;\n"
    "single-end: absolute-filepath; relative paths are relative to the manifest):\n"
    "  1. primers: the forward primer anchored at the start of R1 and the reverse primer at\n"
    "     the start of R2 (IUPAC codes, substitutions only, like cutadapt -g ^PRIMER) are\n"
    "     removed; pairs without them are dropped and counted (or kept: --keep-unprimed);\n"
    "  2. truncation: each read is cut before its first base with quality <= --truncq,\n"
    "     then to --trunc-len-f/-r bases (reads now shorter are dropped, as DADA2 does);\n"
    "  3. merging, as vsearch --fastq_mergepairs (2.22) does it: candidate overlaps share\n"
    "     four 5-mers, are scored without gaps in bits and must score >= 16 and be unique;\n"
    "     overlapping bases get Edgar & Flyvbjerg's (2015) posterior quality:\n"
    "       agree:    P = px*py/3 / (1 - px - py + 4*px*py/3)\n"
    "       disagree: P = px*(1 - py/3) / (px + py - 4*px*py/3), keeping the base of the\n"
    "                 higher quality (R2's when equal), px its error probability\n"
    "     (px = 10^(-Q/10), Q0 and Q1 as 0.75), Q = round(-10*log10(P)) capped at --qmax-out\n"
    "     (41); an N takes the other read's base and quality. Single-end reads skip this;\n"
    "  4. filtering of the merged read: Ns <= --max-n, expected errors (sum of 10^(-Q/10),\n"
    "     kept if <= --maxee, as vsearch --fastq_maxee), length in --min-len..--max-len;\n"
    "  5. dereplication: DIR/uniques/<sample-id>.fasta.gz, headers '>MD5;size=N' (MD5 of\n"
    "     the sequence), sorted by count descending, then by sequence.\n"
    "QC: DIR/qc/summary.tsv (one row per sample) and DIR/qc/<sample-id>.json.\n";

/* Split in two: C11 promises string literals of 4095 bytes only. */
static const char reads_usage_opts[] =
    "\n"
    "Options:\n"
    "  -m, --manifest FILE       QIIME 2 manifest (tab-separated)\n"
    "  -o, --out DIR             output folder (created if missing)\n"
    "  -p, --primers NAME        v4 (515F/806R), v3v4 (341F/805R), v1v2 (27F/338R) or none\n"
    "                            (default: none, for reads without primers)\n"
    "      --fwd-primer SEQ      custom forward primer (overrides --primers)\n"
    "      --rev-primer SEQ      custom reverse primer\n"
    "      --primer-mismatches N substitutions allowed per primer (default 2)\n"
    "      --keep-unprimed       keep reads whose primers are not found, untrimmed\n"
    "      --truncq Q            cut reads before the first base with quality <= Q\n"
    "                            (default: off, as vsearch)\n"
    "      --trunc-len-f N       cut R1 to N bases; shorter reads are dropped (default: off)\n"
    "      --trunc-len-r N       cut R2 to N bases (default: off)\n"
    "      --maxee X             maximum expected errors of the merged read (default 1.0;\n"
    "                            'off' disables)\n"
    "      --max-n N             maximum Ns in the merged read (default 0; -1 off)\n"
    "      --min-len N           minimum length of the merged read (default 1)\n"
    "      --max-len N           maximum length of the merged read (default: off)\n"
    "      --min-overlap N       vsearch --fastq_minovlen (default 10, vsearch's)\n"
    "      --max-diffs N         vsearch --fastq_maxdiffs (default 10)\n"
    "      --max-diff-pct X      vsearch --fastq_maxdiffpct (default 100)\n"
    "      --allow-stagger       vsearch --fastq_allowmergestagger: merge pairs where R2\n"
    "                            runs past the start of R1 (the overhang is cut)\n"
    "      --min-merged-len N    vsearch --fastq_minmergelen (default 1)\n"
    "      --max-merged-len N    vsearch --fastq_maxmergelen (default 1000000)\n"
    "      --qmax-out Q          vsearch --fastq_qmaxout (default 41)\n"
    "      --write-merged        also write DIR/merged/<id>.fastq.gz (merged, unfiltered)\n"
    "      --write-filtered      also write DIR/filtered/<id>.fastq.gz (reads that passed)\n"
    "      --write-unmerged      also write DIR/unmerged/<id>_R1/_R2.fastq.gz\n"
    "  -k, --keep-going          a failing sample does not stop the run: it is recorded in\n"
    "                            qc/summary.tsv (status 'failed') and qc/failed.tsv, and\n"
    "                            the others finish; the exit code is still that of the\n"
    "                            first failure\n"
    "      --sample ID           process only this manifest sample (repeatable): writes its\n"
    "                            uniques and QC record only, not qc/summary.tsv (for one\n"
    "                            cluster job per sample; 'lumen summary' pools them)\n"
    "\n"
    "Samples run in parallel; one sample's batches are processed in parallel too. Output\n"
    "is byte-identical for any --threads. A corrupt input stops the run with an error\n"
    "naming the sample and file, and no output is left behind.\n"
    "\n" CLI_COMMON_HELP;

typedef struct reads_args {
    const char *manifest, *out;
    char **only; /* --sample IDs, or NULL for every sample */
    size_t nonly;
    int keep_going;
    cli_reads_t r;
} reads_args_t;

/* Per-sample outcome, filled by whichever thread ran the sample. */
typedef struct sample_job {
    const lm_manifest_sample_t *ms;
    lm_sample_stats_t st;
    lm_err_t err;
    int rc;
    char *staged[6], *final[6]; /* staged file -> final path */
    int slot[6];                /* lm_tmp_register() slots of the staged files */
    int nfiles;
} sample_job_t;

const struct option cli_reads_options[] = {
    {"primers", required_argument, NULL, CLI_READS_PRIMERS},
    {"fwd-primer", required_argument, NULL, CLI_READS_FWD},
    {"rev-primer", required_argument, NULL, CLI_READS_REV},
    {"primer-mismatches", required_argument, NULL, CLI_READS_PMM},
    {"keep-unprimed", no_argument, NULL, CLI_READS_KEEPUNP},
    {"truncq", required_argument, NULL, CLI_READS_TRUNCQ},
    {"trunc-len-f", required_argument, NULL, CLI_READS_TLF},
    {"trunc-len-r", required_argument, NULL, CLI_READS_TLR},
    {"maxee", required_argument, NULL, CLI_READS_MAXEE},
    {"max-n", required_argument, NULL, CLI_READS_MAXN},
    {"min-len", required_argument, NULL, CLI_READS_MINLEN},
    {"max-len", required_argument, NULL, CLI_READS_MAXLEN},
    {"min-overlap", required_argument, NULL, CLI_READS_MINOV},
    {"max-diffs", required_argument, NULL, CLI_READS_MAXDIFFS},
    {"max-diff-pct", required_argument, NULL, CLI_READS_MAXDIFFPCT},
    {"allow-stagger", no_argument, NULL, CLI_READS_STAGGER},
    {"min-merged-len", required_argument, NULL, CLI_READS_MINML},
    {"max-merged-len", required_argument, NULL, CLI_READS_MAXML},
    {"qmax-out", required_argument, NULL, CLI_READS_QMAXOUT},
    {NULL, 0, NULL, 0},
};

void cli_reads_init(cli_reads_t *r)
{
    memset(r, 0, sizeof(*r));
    lm_trim_opt_init(&r->t);
}

int cli_reads_option(cli_reads_t *r, int c, const char *arg)
{
    lm_trim_opt_t *t = &r->t;
    long v;
    int bad = 0;
    switch (c) {
    case CLI_READS_PRIMERS:
        r->preset = arg;
        break;
    case CLI_READS_FWD:
        r->fwd = arg;
        break;
    case CLI_READS_REV:
        r->rev = arg;
        break;
    case CLI_READS_PMM:
        bad = cli_parse_int("--primer-mismatches", arg, 0, 20, &v);
        t->primer_mismatches = (int)v;
        break;
    case CLI_READS_KEEPUNP:
        t->keep_unprimed = 1;
        break;
    case CLI_READS_TRUNCQ:
        if (strcmp(arg, "off") == 0)
            t->truncq = -1;
        else
            bad = cli_parse_int("--truncq", arg, 0, 93, &v), t->truncq = (int)v;
        break;
    case CLI_READS_TLF:
    case CLI_READS_TLR:
        bad = cli_parse_int(c == CLI_READS_TLF ? "--trunc-len-f" : "--trunc-len-r", arg, 0, 1000000,
                            &v);
        *(c == CLI_READS_TLF ? &t->trunc_len_f : &t->trunc_len_r) = (int)v;
        break;
    case CLI_READS_MAXEE:
        if (strcmp(arg, "off") == 0)
            t->maxee = -1.0;
        else if (!(bad = cli_parse_double("--maxee", arg, &t->maxee)) && t->maxee < 0)
            bad = cli_usage_error("--maxee must be >= 0 (or 'off')");
        break;
    case CLI_READS_MAXN:
        bad = cli_parse_int("--max-n", arg, -1, 1000000, &v);
        t->max_n = (int)v;
        break;
    case CLI_READS_MINLEN:
    case CLI_READS_MAXLEN:
        bad = cli_parse_int(c == CLI_READS_MINLEN ? "--min-len" : "--max-len", arg,
                            c == CLI_READS_MINLEN ? 1 : 0, 1000000000, &v);
        *(c == CLI_READS_MINLEN ? &t->min_len : &t->max_len) = (int)v;
        break;
    case CLI_READS_MINOV:
        bad = cli_parse_int("--min-overlap", arg, 5, 1000000, &v);
        t->merge.min_overlap = (int)v;
        break;
    case CLI_READS_MAXDIFFS:
        bad = cli_parse_int("--max-diffs", arg, 0, 1000000, &v);
        t->merge.max_diffs = (int)v;
        break;
    case CLI_READS_MAXDIFFPCT:
        bad = cli_parse_double("--max-diff-pct", arg, &t->merge.max_diff_pct);
        break;
    case CLI_READS_STAGGER:
        t->merge.allow_stagger = 1;
        break;
    case CLI_READS_MINML:
    case CLI_READS_MAXML:
        bad = cli_parse_int(c == CLI_READS_MINML ? "--min-merged-len" : "--max-merged-len", arg, 1,
                            1000000000, &v);
        *(c == CLI_READS_MINML ? &t->merge.min_merged_len : &t->merge.max_merged_len) = (int)v;
        break;
    case CLI_READS_QMAXOUT:
        bad = cli_parse_int("--qmax-out", arg, 0, 93, &v);
        t->merge.qmax_out = (int)v;
        break;
    default:
        return 0;
    }
    return bad ? 64 : 1;
}

int cli_reads_finish(cli_reads_t *r)
{
    lm_trim_opt_t *t = &r->t;
    if (r->preset && strcmp(r->preset, "none") != 0) {
        const lm_primer_pair_t *pp = lm_primer_preset(r->preset);
        if (!pp)
            return cli_usage_error("unknown primer preset '%s' (v4, v3v4, v1v2 or none)",
                                   r->preset);
        t->fwd_primer = pp->fwd;
        t->rev_primer = pp->rev;
    }
    if (r->fwd) t->fwd_primer = *r->fwd ? r->fwd : NULL;
    if (r->rev) t->rev_primer = *r->rev ? r->rev : NULL;
    lm_err_t err;
    lm_err_clear(&err);
    if (lm_trim_opt_check(t, &err)) return cli_usage_error("%s", err.msg);
    return 0;
}

enum { OPT_WMERGED = 1, OPT_WFILT, OPT_WUNM, OPT_SAMPLE };

static int parse_args(int argc, char **argv, cli_common_t *co, reads_args_t *a, int *help)
{
    struct option longopts[64] = {
        {"manifest", required_argument, NULL, 'm'},
        {"out", required_argument, NULL, 'o'},
        {"write-merged", no_argument, NULL, OPT_WMERGED},
        {"write-filtered", no_argument, NULL, OPT_WFILT},
        {"write-unmerged", no_argument, NULL, OPT_WUNM},
        {"keep-going", no_argument, NULL, 'k'},
        {"sample", required_argument, NULL, OPT_SAMPLE},
    };
    size_t n = 7;
    for (const struct option *o = cli_reads_options; o->name; o++) longopts[n++] = *o;
    const struct option common[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    for (const struct option *o = common; o->name; o++) longopts[n++] = *o;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":m:o:p:kt:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(co, c, optarg, help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'm':
            a->manifest = optarg;
            continue;
        case 'o':
            a->out = optarg;
            continue;
        case OPT_WMERGED:
            a->r.write_merged = 1;
            continue;
        case OPT_WFILT:
            a->r.write_filtered = 1;
            continue;
        case OPT_WUNM:
            a->r.write_unmerged = 1;
            continue;
        case 'k':
            a->keep_going = 1;
            continue;
        case OPT_SAMPLE: {
            char **o = realloc(a->only, (a->nonly + 1) * sizeof(*o));
            if (!o) return cli_usage_error("out of memory");
            a->only = o;
            a->only[a->nonly++] = optarg;
            continue;
        }
        case 'p':
            c = CLI_READS_PRIMERS;
            break;
        }
        int r = cli_reads_option(&a->r, c, optarg);
        if (r == 64) return 64;
        if (!r) return cli_bad_option(c, argv, optind, optopt);
    }
    if (*help) return 0;
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!a->manifest) return cli_usage_error("--manifest is required");
    if (!a->out) return cli_usage_error("--out is required");
    return cli_reads_finish(&a->r) ? 64 : 0;
}

/* ---------------------------------------------------------------------------------- */
/* Output folders and staging                                                         */
/* ---------------------------------------------------------------------------------- */

static char *path_join(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s%s", a, b, c);
    return p;
}

/* Create dir if missing; *created records whether this run made it (to undo on failure). */
static int make_dir(const char *dir, int *created, lm_err_t *err)
{
    if (created) *created = 0;
    if (mkdir(dir, 0777) == 0) {
        if (created) *created = 1;
        return 0;
    }
    struct stat sb;
    if (errno == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) return 0;
    return lm_err_set(err, LM_ECREATE, dir, 0, 0, "cannot create folder: %s", strerror(errno));
}

static const char *const subdirs[] = {"uniques", "qc", "merged", "filtered", "unmerged"};
#define NSUB 5

typedef struct outdirs {
    const char *out;
    char *staging;
    int out_created, sub_created[NSUB];
    int slot[NSUB + 1]; /* lm_tmp_register() slots of the staging folders */
} outdirs_t;

/* Remove what this run created and left empty (rmdir fails harmlessly on anything else).
 * Each staging folder is removed before its slot is unregistered: a signal in between
 * would otherwise find the folder unregistered and leave it. */
static void outdirs_cleanup(outdirs_t *d)
{
    if (d->staging) {
        for (int i = 0; i < NSUB; i++) {
            char *p = path_join(d->staging, subdirs[i], "");
            if (p) rmdir(p);
            free(p);
        }
        rmdir(d->staging);
        free(d->staging);
        d->staging = NULL;
    }
    for (int i = 0; i <= NSUB; i++) lm_tmp_unregister(d->slot[i]);
    for (int i = 0; i < NSUB; i++) {
        char *p = d->sub_created[i] ? path_join(d->out, subdirs[i], "") : NULL;
        if (p) rmdir(p);
        free(p);
    }
    if (d->out_created) rmdir(d->out);
}

static int outdirs_open(outdirs_t *d, lm_err_t *err)
{
    int rc = lm_mkdir_parents(d->out, err);
    if (!rc) rc = make_dir(d->out, &d->out_created, err);
    if (rc) return rc;
    char *tmpl = path_join(d->out, ".lumen-reads.", "XXXXXX");
    if (!tmpl) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    /* SIGINT and SIGTERM remove the staging folders too, once their files are gone: the
     * folder is registered in the same bracket that creates it, its subfolders before they
     * exist (removing one that does not exist is harmless) */
    lm_tmp_create_begin();
    if (!mkdtemp(tmpl)) {
        lm_tmp_create_end();
        rc = lm_err_set(err, LM_ECREATE, d->out, 0, 0, "cannot create a staging folder: %s",
                        strerror(errno));
        free(tmpl);
        return rc;
    }
    d->staging = tmpl;
    d->slot[NSUB] = lm_tmp_register(d->staging);
    lm_tmp_create_end();
    for (int i = 0; i < NSUB && !rc; i++) {
        char *p = path_join(d->staging, subdirs[i], "");
        if (p) d->slot[i] = lm_tmp_register(p);
        rc = p ? make_dir(p, NULL, err) : lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        free(p);
    }
    return rc;
}

static void job_unprotect(sample_job_t *j)
{
    for (int i = 0; i < j->nfiles; i++) {
        lm_tmp_unregister(j->slot[i]);
        j->slot[i] = -1;
    }
}

static void job_free(sample_job_t *j)
{
    job_unprotect(j);
    for (int i = 0; i < j->nfiles; i++) {
        free(j->staged[i]);
        free(j->final[i]);
    }
    j->nfiles = 0;
}

/* Plan a staged file and its final place: SUB/<id><suffix>. */
static const char *job_file(sample_job_t *j, const outdirs_t *d, int sub, const char *suffix)
{
    char *name = path_join(subdirs[sub], j->ms->id, suffix);
    if (!name) return NULL;
    j->slot[j->nfiles] = -1;
    j->staged[j->nfiles] = path_join(d->staging, name, "");
    j->final[j->nfiles] = path_join(d->out, name, "");
    free(name);
    if (!j->staged[j->nfiles] || !j->final[j->nfiles]) return NULL;
    /* Until it is moved into place, a staged file is removed on SIGINT/SIGTERM like any
     * temporary file (best effort: the table of such files is finite). It is registered
     * before it exists: the writer renames its own temporary file to this name when the
     * file is complete, and a signal between that rename and a later registration left it
     * behind. */
    j->slot[j->nfiles] = lm_tmp_register(j->staged[j->nfiles]);
    return j->staged[j->nfiles++];
}

static void job_unlink(sample_job_t *j)
{
    for (int i = 0; i < j->nfiles; i++) unlink(j->staged[i]);
    job_unprotect(j);
}

/* ---------------------------------------------------------------------------------- */
/* QC records                                                                         */
/* ---------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------- */
/* Running                                                                            */
/* ---------------------------------------------------------------------------------- */

static int run_sample(sample_job_t *j, const outdirs_t *d, const reads_args_t *a,
                      const lm_trim_t *t, int threads)
{
    const lm_manifest_sample_t *ms = j->ms;
    lm_sample_out_t o = {0};
    int paired = ms->r2 != NULL;
    o.uniques = job_file(j, d, 0, ".fasta.gz");
    const char *json = job_file(j, d, 1, ".json");
    if (a->r.write_merged) o.merged = job_file(j, d, 2, ".fastq.gz");
    if (a->r.write_filtered) o.filtered = job_file(j, d, 3, ".fastq.gz");
    if (a->r.write_unmerged && paired) {
        o.unmerged1 = job_file(j, d, 4, "_R1.fastq.gz");
        o.unmerged2 = job_file(j, d, 4, "_R2.fastq.gz");
    }
    if (!o.uniques || !json || (a->r.write_merged && !o.merged) ||
        (a->r.write_filtered && !o.filtered) ||
        (a->r.write_unmerged && paired && (!o.unmerged1 || !o.unmerged2)))
        return lm_err_set(&j->err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = lm_sample_run(t, ms->r1, ms->r2, &o, threads, &j->st, &j->err);
    if (rc) return rc;
    return lm_sample_write_json(json, ms->id, ms->r1, ms->r2, &a->r.t, &j->st, &j->err);
}

/* Name the sample in the message: "sample 'S1': <what>" (the file stays in err->path). An
 * output that failed (a full disk) is named by its final path, not the staging folder's. */
static void name_sample(sample_job_t *j)
{
    for (int k = 0; k < j->nfiles; k++)
        if (j->staged[k] && j->final[k] && !strcmp(j->err.path, j->staged[k]))
            snprintf(j->err.path, sizeof(j->err.path), "%s", j->final[k]);
    char msg[sizeof(j->err.msg)];
    snprintf(msg, sizeof(msg), "sample '%.200s': %.800s", j->ms->id, j->err.msg);
    memcpy(j->err.msg, msg, sizeof(msg));
}

static void run_all(sample_job_t *jobs, size_t n, const outdirs_t *d, const reads_args_t *a,
                    const lm_trim_t *t, int threads)
{
    /* Several samples: one team over samples, the remaining threads inside each one. */
    int outer = n > 1 ? (int)(n < (size_t)threads ? n : (size_t)threads) : 1;
    int inner = threads / outer > 0 ? threads / outer : 1;
#ifdef _OPENMP
    omp_set_max_active_levels(2);
#endif
    long nl = (long)n;
    uint64_t done = 0;
    lm_progress_t *prog = lm_progress_create("lumen reads", n, "samples");
#pragma omp parallel for schedule(dynamic, 1) num_threads(outer) if (outer > 1)
    for (long i = 0; i < nl; i++) {
        sample_job_t *j = &jobs[i];
        lm_err_clear(&j->err);
        j->rc = run_sample(j, d, a, t, inner);
        if (j->rc) {
            name_sample(j);
            job_unlink(j);
        }
        /* the progress line is drawn by one thread at a time */
#pragma omp critical(reads_progress)
        lm_progress_update(prog, ++done);
    }
    lm_progress_destroy(prog);
}

/* Move the staged files of the samples that succeeded into place. */
static int publish(sample_job_t *jobs, size_t n, outdirs_t *d, const reads_args_t *a, lm_err_t *err)
{
    int want[NSUB] = {1, 1, a->r.write_merged, a->r.write_filtered, a->r.write_unmerged};
    for (int i = 0; i < NSUB; i++) {
        if (!want[i]) continue;
        char *p = path_join(d->out, subdirs[i], "");
        int rc = p ? make_dir(p, &d->sub_created[i], err)
                   : lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        free(p);
        if (rc) return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].rc) continue;
        for (int k = 0; k < jobs[i].nfiles; k++)
            if (rename(jobs[i].staged[k], jobs[i].final[k]) != 0)
                return lm_err_set(err, LM_EIO, jobs[i].final[k], 0, 0, "cannot move into place: %s",
                                  strerror(errno));
        job_unprotect(&jobs[i]);
    }
    return 0;
}

int cmd_reads(int argc, char **argv)
{
    cli_common_t co;
    cli_common_init(&co, "reads");
    if (argc < 2) {
        fputs(reads_usage, stderr);
        fputs(reads_usage_opts, stderr);
        return 64;
    }
    reads_args_t a = {0};
    cli_reads_init(&a.r);
    int help = 0;
    int rc = parse_args(argc, argv, &co, &a, &help);
    if (help) {
        fputs(reads_usage, stdout);
        fputs(reads_usage_opts, stdout);
        return 0;
    }
    if (rc) return rc;

    lm_err_t err;
    lm_err_clear(&err);
    lm_manifest_t *man = NULL;
    if ((rc = lm_manifest_read(a.manifest, &man, &err))) {
        free(a.only);
        return cli_fail(&err);
    }
    lm_trim_t *t = lm_trim_create(&a.r.t);
    sample_job_t *jobs = calloc(man->n, sizeof(*jobs));
    char **fids = calloc(man->n, sizeof(*fids));
    lm_err_t *ferrs = calloc(man->n, sizeof(*ferrs));
    outdirs_t d = {.out = a.out};
    for (int i = 0; i <= NSUB; i++) d.slot[i] = -1;
    size_t n = 0, failed = 0, first = 0;
    if (!t || !jobs || !fids || !ferrs) {
        rc = lm_err_set(&err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    /* --sample picks samples by ID, in manifest order */
    for (size_t k = 0; k < a.nonly; k++) {
        size_t i = 0;
        while (i < man->n && strcmp(man->s[i].id, a.only[k]) != 0) i++;
        if (i == man->n) {
            rc = lm_err_set(&err, LM_EUSAGE, a.manifest, 0, 0, "--sample %s: no such sample",
                            a.only[k]);
            goto done;
        }
    }
    for (size_t i = 0; i < man->n; i++) {
        int want = !a.nonly;
        for (size_t k = 0; k < a.nonly && !want; k++) want = !strcmp(man->s[i].id, a.only[k]);
        if (want) jobs[n++].ms = &man->s[i];
    }
    if ((rc = outdirs_open(&d, &err))) goto done;
    lm_log_info("%zu %s samples, %d threads", n, man->paired ? "paired" : "single-end", co.threads);
    run_all(jobs, n, &d, &a, t, co.threads);

    /* the first failure in manifest order decides, whatever thread met it first */
    for (size_t i = 0; i < n; i++)
        if (jobs[i].rc) {
            if (!failed) first = i;
            fids[failed] = jobs[i].ms->id;
            lm_err_copy(&ferrs[failed++], &jobs[i].err);
        }
    if (failed && !a.keep_going) {
        lm_err_copy(&err, &jobs[first].err);
        rc = jobs[first].rc;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (jobs[i].rc) lm_log_err(&jobs[i].err);
    rc = publish(jobs, n, &d, &a, &err);
    /* one job per sample (--sample) leaves the pooled QC files to 'lumen summary' */
    if (!rc && !a.nonly) rc = lm_run_write_failed(a.out, failed, fids, ferrs, &err);
    if (!rc && !a.nonly) rc = lm_run_summary(a.out, man, 1, &err);
    if (!rc && failed) {
        lm_log_warn("%zu of %zu samples failed; see %s/qc/summary.tsv", failed, n, a.out);
        rc = jobs[first].rc; /* already reported above */
        lm_err_clear(&err);
    }
done:
    for (size_t i = 0; jobs && i < n; i++) job_unlink(&jobs[i]);
    outdirs_cleanup(&d);
    for (size_t i = 0; jobs && i < n; i++) job_free(&jobs[i]);
    free(jobs);
    free(fids);
    free(ferrs);
    free(a.only);
    lm_trim_destroy(t);
    lm_manifest_destroy(man);
    if (rc && !err.code) return lm_exit_code(rc);
    return rc ? cli_fail(&err) : 0;
}
