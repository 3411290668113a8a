/* SPDX-License-Identifier: MIT */
/* lumen run: every stage from FASTQ to statistics in one resumable command. The options
 * are the stage commands' own (the same tables), plus the run's inputs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lumen/run.h"
#include "lumen/stats.h"

static const char run_usage[] =
    "Usage: lumen run --manifest manifest.tsv --index REF.lmi --out DIR\n"
    "                 [--metadata metadata.tsv --subjects subjects.tsv --visits visits.tsv]\n"
    "                 [stage options] [--keep-going] [--params provenance.json]\n"
    "\n"
    "Runs every stage in data order, in one process, into DIR:\n"
    "  reads      (samples in parallel) DIR/uniques/<id>.fasta.gz, DIR/qc/<id>.json\n"
    "  table      the pooled uniques: DIR/derep/features.fasta, table.tsv, table.biom\n"
    "  denoise    UNOISE3 + UCHIME3 as vsearch (lumen denoise): DIR/features/features.fasta,\n"
    "             table.tsv, table.biom (ZOTUs), chimeras.tsv, map.tsv,\n"
    "             denoise_summary.tsv; with --no-denoise the table stage writes the\n"
    "             uniques to DIR/features/ instead\n"
    "  classify   DIR/features/taxonomy.tsv\n"
    "  taxa       DIR/taxa/level-2.tsv ... level-6.tsv\n"
    "  diversity  DIR/diversity/ (rarefied at --depth, by default 'auto': the largest depth\n"
    "             that keeps at least 90% of the samples; the others are listed in\n"
    "             qc/summary.tsv with the reason)\n"
    "  cohort     DIR/cohort/: copies of the clinical tables given, so DIR stands alone\n"
    "  stats      DIR/stats/*.tsv (needs --metadata, --subjects and --visits; without them\n"
    "             the clinical statistics are skipped and the log says so)\n"
    "  summary    DIR/qc/summary.tsv (and qc/failed.tsv when samples failed)\n"
    "  report     DIR/report.html: one self-contained page (lumen report)\n"
    "and last DIR/provenance.json: version, git commit, command line, every parameter with\n"
    "its default filled in, seeds, threads, host, times, the size and MD5 of every input,\n"
    "and each stage's wall time, CPU time and peak memory.\n"
    "\n"
    "Resumable: DIR/.lumen/ records for each step (each sample's reads, each pooled stage)\n"
    "the parameters it used and the size and modification time of its inputs and outputs. A\n"
    "rerun skips every step whose record still matches, so after a kill (even kill -9) only\n"
    "unfinished work runs; changing --confidence reruns classify and what reads its output,\n"
    "not reads; adding samples to the manifest runs reads for the new samples only, then the\n"
    "pooled stages. Every output file is written under a temporary name and renamed when\n"
    "complete.\n"
    "\n"
    "A bad input in one sample stops the run with the file and record named (exit 65),\n"
    "keeping what finished; with --keep-going the sample is skipped, listed in\n"
    "qc/failed.tsv and qc/summary.tsv, the others finish, and the exit code still reports\n"
    "the failure.\n";

static const char run_usage_opts[] =
    "\n"
    "Inputs and run options:\n"
    "  -m, --manifest FILE   QIIME 2 paired or single-end manifest\n"
    "  -x, --index FILE      reference index (lumen index)\n"
    "  -o, --out DIR         results folder (created if missing)\n"
    "      --metadata FILE   sample-id, subject-id, week, arm\n"
    "      --subjects FILE   one row per patient\n"
    "      --visits FILE     one row per patient and visit week\n"
    "  -k, --keep-going      skip failing samples (listed in qc/failed.tsv) and finish\n"
    "      --params FILE     take every parameter from a provenance.json (options given on\n"
    "                        the command line still win): reproduces a run exactly\n"
    "      --seed N          the seed of rarefaction and the permutation tests (default 11;\n"
    "                        classify draws as RDP does, from its generator's seed 1)\n"
    "      --json FILE       also write the run summary (provenance.json) to FILE\n"
    "\n"
    "Stage options, as the stage commands take them (see 'lumen <stage> --help'):\n"
    "  reads:     --primers --fwd-primer --rev-primer --primer-mismatches --keep-unprimed\n"
    "             --truncq --trunc-len-f --trunc-len-r --maxee --max-n --min-len --max-len\n"
    "             --min-overlap --max-diffs --max-diff-pct --allow-stagger\n"
    "             --min-merged-len --max-merged-len --qmax-out\n"
    "  table:     --min-total --min-samples --no-biom\n"
    "  denoise:   --no-denoise --minsize --alpha --chimeras\n"
    "  classify:  --confidence --both-strands --exhaustive --method --species\n"
    "             --species-mismatches --near\n"
    "  diversity: --depth N|auto[:F]|min --no-rarefy --shannon-base --pseudocount --metrics\n"
    "             --pcoa-axes --no-pcoa\n"
    "  stats:     --permutations --covariates age,sex,... --random-slope --week-numeric\n"
    "             --genus-transform clr|log --min-prevalence --site COLUMN\n"
    "             --df satterthwaite|kr\n"
    "\n"
    "Progress: on a terminal a progress line for the read stage; otherwise a log line per\n"
    "stage and per 10% of the samples (-v: per step). --quiet prints only errors.\n"
    "\n" CLI_COMMON_HELP;

enum {
    OPT_META = 800,
    OPT_SUBJ,
    OPT_VISITS,
    OPT_PARAMS,
    OPT_SEED,
    OPT_JSON,
    OPT_WMERGED,
    OPT_WFILT,
    OPT_WUNM,
    OPT_NODENOISE,
};

typedef struct run_args {
    lm_run_cfg_t cfg;
    cli_reads_t reads;
    const char *params_file;
    long seed;
} run_args_t;

static const struct option run_own[] = {
    {"manifest", required_argument, NULL, 'm'},
    {"index", required_argument, NULL, 'x'},
    {"out", required_argument, NULL, 'o'},
    {"metadata", required_argument, NULL, OPT_META},
    {"subjects", required_argument, NULL, OPT_SUBJ},
    {"visits", required_argument, NULL, OPT_VISITS},
    {"keep-going", no_argument, NULL, 'k'},
    {"params", required_argument, NULL, OPT_PARAMS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"json", required_argument, NULL, OPT_JSON},
    {"write-merged", no_argument, NULL, OPT_WMERGED},
    {"write-filtered", no_argument, NULL, OPT_WFILT},
    {"write-unmerged", no_argument, NULL, OPT_WUNM},
    {"no-denoise", no_argument, NULL, OPT_NODENOISE},
    {NULL, 0, NULL, 0},
};

/* run's own options, then each stage's (a name already taken, like --seed, stays run's) */
static void build_longopts(struct option *out, size_t cap)
{
    size_t n = 0;
    const struct option *tables[] = {
        run_own,         cli_reads_options, cli_table_options, cli_denoise_options,
        cli_cls_options, cli_div_options,   cli_stats_options};
    const struct option common[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    for (size_t t = 0; t < 7; t++)
        for (const struct option *o = tables[t]; o->name && n + 1 < cap; o++) {
            int dup = 0;
            for (size_t k = 0; k < n && !dup; k++) dup = !strcmp(out[k].name, o->name);
            if (!dup) out[n++] = *o;
        }
    for (const struct option *o = common; o->name && n + 1 < cap; o++) out[n++] = *o;
    memset(&out[n], 0, sizeof(*out));
}

/* One option for the run; 1 taken, 0 unknown, 64 usage error. */
static int run_option(run_args_t *a, int c, const char *arg)
{
    lm_run_cfg_t *g = &a->cfg;
    long v;
    switch (c) {
    case 'm':
        g->manifest = arg;
        return 1;
    case 'x':
        g->index = arg;
        return 1;
    case 'o':
        g->out = arg;
        return 1;
    case OPT_META:
        g->metadata = arg;
        return 1;
    case OPT_SUBJ:
        g->subjects = arg;
        return 1;
    case OPT_VISITS:
        g->visits = arg;
        return 1;
    case 'k':
        g->keep_going = 1;
        return 1;
    case OPT_PARAMS:
        a->params_file = arg;
        return 1;
    case OPT_JSON:
        g->json = arg;
        return 1;
    case OPT_SEED:
        if (cli_parse_int("--seed", arg, 0, 2147483647L, &v)) return 64;
        g->div.seed = g->stats.seed = (uint64_t)v; /* classify keeps RDP's generator seed */
        return 1;
    case OPT_NODENOISE:
        g->denoise = 0;
        return 1;
    case OPT_WMERGED:
        g->write_merged = 1;
        return 1;
    case OPT_WFILT:
        g->write_filtered = 1;
        return 1;
    case OPT_WUNM:
        g->write_unmerged = 1;
        return 1;
    }
    int r = cli_reads_option(&a->reads, c, arg);
    if (!r) r = cli_table_option(&g->pool, &g->biom, c, arg);
    if (!r) r = cli_denoise_option(&g->dn, c, arg);
    if (!r) r = cli_stats_option(&g->stats, c, arg);
    if (!r) r = cli_cls_option(&g->cls, c, arg);
    return r ? r : cli_div_option(&g->div, c, arg);
}

/* --- effective parameters -------------------------------------------------------------- */

typedef struct plist {
    lm_run_param_t *p;
    char **owned;
    size_t n;
} plist_t;

static void padd(plist_t *l, const char *stage, const char *name, const char *fmt, ...)
    LM_FORMAT(4, 5);
static void padd(plist_t *l, const char *stage, const char *name, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    lm_run_param_t *p = realloc(l->p, (l->n + 1) * sizeof(*p));
    char **o = realloc(l->owned, (l->n + 1) * sizeof(*o));
    if (p) l->p = p;
    if (o) l->owned = o;
    char *v = strdup(buf);
    if (!p || !o || !v) {
        free(v);
        return; /* out of memory: lm_run will fail on its own allocations soon */
    }
    l->owned[l->n] = v;
    l->p[l->n++] = (lm_run_param_t){stage, name, v};
}

/* The shortest decimal that reads back as the same double (0.7, not 0.69999999999999996). */
static const char *num(double x, char *buf, size_t n)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    return buf;
}

static const char *tf(int x)
{
    return x ? "true" : "false";
}

static void effective(const lm_run_cfg_t *g, plist_t *l)
{
    const lm_trim_opt_t *t = &g->trim;
    char b[64];
    padd(l, "reads", "fwd-primer", "%s", t->fwd_primer ? t->fwd_primer : "");
    padd(l, "reads", "rev-primer", "%s", t->rev_primer ? t->rev_primer : "");
    padd(l, "reads", "primer-mismatches", "%d", t->primer_mismatches);
    padd(l, "reads", "keep-unprimed", "%s", tf(t->keep_unprimed));
    if (t->truncq < 0)
        padd(l, "reads", "truncq", "off");
    else
        padd(l, "reads", "truncq", "%d", t->truncq);
    padd(l, "reads", "trunc-len-f", "%d", t->trunc_len_f);
    padd(l, "reads", "trunc-len-r", "%d", t->trunc_len_r);
    if (t->maxee < 0)
        padd(l, "reads", "maxee", "off");
    else
        padd(l, "reads", "maxee", "%s", num(t->maxee, b, sizeof(b)));
    padd(l, "reads", "max-n", "%d", t->max_n);
    padd(l, "reads", "min-len", "%d", t->min_len);
    padd(l, "reads", "max-len", "%d", t->max_len);
    padd(l, "reads", "min-overlap", "%d", t->merge.min_overlap);
    padd(l, "reads", "max-diffs", "%d", t->merge.max_diffs);
    padd(l, "reads", "max-diff-pct", "%s", num(t->merge.max_diff_pct, b, sizeof(b)));
    padd(l, "reads", "allow-stagger", "%s", tf(t->merge.allow_stagger));
    padd(l, "reads", "min-merged-len", "%d", t->merge.min_merged_len);
    padd(l, "reads", "max-merged-len", "%d", t->merge.max_merged_len);
    padd(l, "reads", "qmax-out", "%d", t->merge.qmax_out);
    padd(l, "reads", "write-merged", "%s", tf(g->write_merged));
    padd(l, "reads", "write-filtered", "%s", tf(g->write_filtered));
    padd(l, "reads", "write-unmerged", "%s", tf(g->write_unmerged));
    padd(l, "table", "min-total", "%llu", (unsigned long long)g->pool.min_total);
    padd(l, "table", "min-samples", "%llu", (unsigned long long)g->pool.min_samples);
    padd(l, "table", "no-biom", "%s", tf(!g->biom));
    padd(l, "denoise", "no-denoise", "%s", tf(!g->denoise));
    padd(l, "denoise", "minsize", "%llu", (unsigned long long)g->dn.minsize);
    padd(l, "denoise", "alpha", "%s", num(g->dn.alpha, b, sizeof(b)));
    padd(l, "denoise", "chimeras", "%s",
         g->dn.chimeras == LM_DENOISE_CHIM_NONE ? "none" : "uchime3");
    padd(l, "classify", "confidence", "%s", num(g->cls.confidence, b, sizeof(b)));
    padd(l, "classify", "both-strands", "%s", tf(g->cls.both_strands));
    padd(l, "classify", "exhaustive", "%s", tf(g->cls.exhaustive));
    padd(l, "classify", "method", "%s",
         g->cls.method == LM_CLS_NN      ? "nn"
         : g->cls.method == LM_CLS_LUMEN ? "lumen"
                                         : "rdp");
    padd(l, "classify", "species", "%s", tf(g->cls.species));
    padd(l, "classify", "species-mismatches", "%d", g->cls.species_mm);
    padd(l, "classify", "near", "%s", tf(g->cls.near));
    padd(l, "classify", "seed", "%llu", (unsigned long long)g->cls.seed);
    const lm_div_run_opt_t *d = &g->div;
    if (d->depth == LM_DIV_DEPTH_AUTO)
        padd(l, "diversity", "depth", "auto:%s", num(d->auto_keep, b, sizeof(b)));
    else if (d->depth == 0)
        padd(l, "diversity", "depth", "min");
    else
        padd(l, "diversity", "depth", "%ld", d->depth);
    padd(l, "diversity", "no-rarefy", "%s", tf(d->no_rarefy));
    padd(l, "diversity", "seed", "%llu", (unsigned long long)d->seed);
    padd(l, "diversity", "shannon-base", "%s", num(d->base, b, sizeof(b)));
    padd(l, "diversity", "pseudocount", "%s", num(d->pseudocount, b, sizeof(b)));
    char metrics[128] = "";
    for (int m = 0; m < LM_DIV_NMETRICS; m++)
        if (d->want[m])
            snprintf(metrics + strlen(metrics), sizeof(metrics) - strlen(metrics), "%s%s",
                     metrics[0] ? "," : "", lm_div_metric_name((lm_div_metric_t)m));
    padd(l, "diversity", "metrics", "%s", metrics);
    padd(l, "diversity", "pcoa-axes", "%ld", d->axes);
    padd(l, "diversity", "no-pcoa", "%s", tf(d->no_pcoa));
    const lm_stats_opt_t *st = &g->stats;
    padd(l, "stats", "permutations", "%d", st->permutations);
    padd(l, "stats", "seed", "%llu", (unsigned long long)st->seed);
    padd(l, "stats", "covariates", "%s", st->covariates ? st->covariates : "");
    padd(l, "stats", "random-slope", "%s", tf(st->random_slope));
    padd(l, "stats", "week-numeric", "%s", tf(st->week_numeric));
    padd(l, "stats", "genus-transform", "%s", st->genus_log ? "log" : "clr");
    padd(l, "stats", "min-prevalence", "%s", num(st->min_prevalence, b, sizeof(b)));
    padd(l, "stats", "site", "%s", st->site ? st->site : "");
    padd(l, "stats", "df", "%s", st->df_kr ? "kr" : "satterthwaite");
}

/* --params: every recorded parameter, through the same option handlers */
static int replay(run_args_t *a, const struct option *lo, const char *file, lm_jval_t **keep)
{
    lm_err_t err;
    lm_err_clear(&err);
    lm_jval_t *js = lm_json_read_file(file, &err);
    if (!js) return cli_fail(&err);
    const lm_jval_t *ps = lm_json_get(js, "parameters");
    int rc = 0;
    if (!ps || ps->type != LM_JOBJ)
        rc = cli_usage_error("--params %s: no \"parameters\" object (a provenance.json of lumen "
                             "run is needed)",
                             file);
    for (size_t s = 0; !rc && s < ps->n; s++) {
        const lm_jval_t *st = &ps->items[s];
        for (size_t i = 0; !rc && st->type == LM_JOBJ && i < st->n; i++) {
            const char *name = st->keys[i];
            const lm_jval_t *v = &st->items[i];
            if (v->type != LM_JSTR) {
                rc = cli_usage_error("--params %s: %s.%s is not a string", file, ps->keys[s], name);
                break;
            }
            /* seeds are per stage in the file; --seed sets all three alike */
            int code = -1;
            if (!strcmp(name, "seed")) {
                long sv;
                if (cli_parse_int("seed", v->str, 0, 2147483647L, &sv)) {
                    rc = 64;
                    break;
                }
                if (!strcmp(ps->keys[s], "classify")) a->cfg.cls.seed = (uint64_t)sv;
                if (!strcmp(ps->keys[s], "diversity")) a->cfg.div.seed = (uint64_t)sv;
                if (!strcmp(ps->keys[s], "stats")) a->cfg.stats.seed = (uint64_t)sv;
                continue;
            }
            const struct option *o = lo;
            while (o->name && strcmp(o->name, name) != 0) o++;
            if (!o->name) {
                lm_log_warn("--params %s: unknown parameter %s.%s ignored", file, ps->keys[s],
                            name);
                continue;
            }
            code = o->val;
            if (o->has_arg == no_argument) {
                if (!strcmp(v->str, "false")) {
                    if (code == CLI_TAB_NOBIOM) a->cfg.biom = 1;
                    if (code == OPT_NODENOISE) a->cfg.denoise = 1;
                    continue;
                }
                if (strcmp(v->str, "true") != 0) {
                    rc = cli_usage_error("--params %s: %s must be true or false", file, name);
                    break;
                }
            }
            /* empty primers mean none */
            if ((code == CLI_READS_FWD || code == CLI_READS_REV) && !*v->str) {
                if (code == CLI_READS_FWD) a->reads.fwd = "";
                if (code == CLI_READS_REV) a->reads.rev = "";
                continue;
            }
            int r = run_option(a, code, v->str);
            if (r == 64) rc = 64;
        }
    }
    /* the option strings point into js: it lives until the run ends */
    if (rc)
        lm_json_free(js);
    else
        *keep = js;
    return rc;
}

static int parse_rest(run_args_t *a, cli_common_t *co, const struct option *lo, int argc,
                      char **argv);

int cmd_run(int argc, char **argv)
{
    cli_common_t co;
    cli_common_init(&co, "run");
    if (argc < 2) {
        fputs(run_usage, stderr);
        fputs(run_usage_opts, stderr);
        return 64;
    }
    run_args_t a;
    memset(&a, 0, sizeof(a));
    lm_run_cfg_t *g = &a.cfg;
    cli_reads_init(&a.reads);
    lm_table_pool_opt_init(&g->pool);
    g->biom = 1;
    cli_cls_init(&g->cls);
    g->denoise = 1;
    lm_denoise_opt_init(&g->dn);
    lm_div_run_opt_init(&g->div);
    g->div.depth = LM_DIV_DEPTH_AUTO;
    lm_stats_opt_init(&g->stats);
    struct option lo[128];
    build_longopts(lo, 128);

    /* --params first, so that the command line overrides what it sets */
    lm_jval_t *params_js = NULL;
    for (int i = 1; i < argc && !params_js; i++) {
        const char *p = NULL;
        if (!strcmp(argv[i], "--params") && i + 1 < argc) p = argv[i + 1];
        if (!strncmp(argv[i], "--params=", 9)) p = argv[i] + 9;
        if (p) {
            int rc = replay(&a, lo, p, &params_js);
            if (rc) return rc;
        }
    }
    int rc = parse_rest(&a, &co, lo, argc, argv);
    if (rc) {
        lm_json_free(params_js);
        return rc == 1 ? 0 : rc;
    }
    if (co.quiet) lm_log_set_level(LM_LOG_ERROR); /* a run's --quiet: errors only */
    g->trim = a.reads.t;
    g->threads = co.threads;
    g->argc = argc;
    g->argv = argv;
    g->executor = "lumen run";
    plist_t pl = {0};
    effective(g, &pl);
    g->params = pl.p;
    g->nparams = pl.n;
    lm_err_t err;
    lm_err_clear(&err);
    rc = lm_run(g, &err);
    for (size_t i = 0; i < pl.n; i++) free(pl.owned[i]);
    free(pl.owned);
    free(pl.p);
    lm_json_free(params_js);
    if (rc && !err.code) return lm_exit_code(rc);
    return rc ? cli_fail(&err) : 0;
}

/* The command line after --params: 0 go on, 1 help was printed, else an exit code. */
static int parse_rest(run_args_t *a, cli_common_t *co, const struct option *lo, int argc,
                      char **argv)
{
    lm_run_cfg_t *g = &a->cfg;
    int help = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":m:x:o:kp:d:t:qvh", lo, NULL)) != -1) {
        int h = cli_common_opt(co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        if (c == 'p') c = CLI_READS_PRIMERS;
        if (c == 'd') c = CLI_DIV_DEPTH;
        if (c == OPT_PARAMS) continue;
        int r = run_option(a, c, optarg);
        if (r == 64) return 64;
        if (!r) return cli_bad_option(c, argv, optind, optopt);
    }
    if (help) {
        fputs(run_usage, stdout);
        fputs(run_usage_opts, stdout);
        return 1;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!g->manifest) return cli_usage_error("--manifest is required");
    if (!g->index) return cli_usage_error("--index is required");
    if (!g->out) return cli_usage_error("--out is required");
    if (cli_reads_finish(&a->reads) || cli_div_check(&g->div)) return 64;
    return 0;
}
