/* SPDX-License-Identifier: MIT */
/* libFuzzer target: lumen denoise's inputs (a lumen table folder: table.tsv, the pooled
 * uniques' counts, and features.fasta, their sequences) on arbitrary bytes: the input is
 * table.tsv, a NUL byte, then features.fasta (no NUL: the same bytes serve as both). The
 * first byte picks minsize (1 + byte % 8) so small tables reach clustering, chimera checks
 * and mapping. Every input must end in a denoised table or a described error that writes
 * nothing; never a crash, a leak, a hang or an out-of-bounds access. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "lumen/denoise.h"
#include "lumen/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const outs[] = {"features.fasta", "table.tsv", "table.biom",
                                   "chimeras.tsv",   "map.tsv",   "denoise_summary.tsv"};

static char in[64], out[64];

static void cleanup(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/table.tsv", in);
    unlink(path);
    snprintf(path, sizeof(path), "%s/features.fasta", in);
    unlink(path);
    rmdir(in);
}

/* After a run: every read is accounted for. Per sample of the input table, reads_in of
 * denoise_summary.tsv is its total, assigned + unassigned = reads_in, and assigned is the
 * sample's total in the ZOTU table. */
static void check_accounting(void)
{
    char path[128];
    lm_err_t err;
    lm_err_clear(&err);
    snprintf(path, sizeof(path), "%s/table.tsv", in);
    lm_table_t *a = lm_table_read_tsv(path, &err);
    snprintf(path, sizeof(path), "%s/table.tsv", out);
    lm_table_t *z = lm_table_read_tsv(path, &err);
    snprintf(path, sizeof(path), "%s/denoise_summary.tsv", out);
    lm_tsv_t sum;
    if (!a || !z || lm_tsv_read(path, &sum, &err)) {
        fprintf(stderr, "fuzz_denoise: outputs of a successful run do not read: %s\n", err.msg);
        abort();
    }
    long cid = lm_tsv_col(&sum, "sample-id"), cin = lm_tsv_col(&sum, "reads_in"),
         cas = lm_tsv_col(&sum, "assigned"), cun = lm_tsv_col(&sum, "unassigned");
    if (cid < 0 || cin < 0 || cas < 0 || cun < 0 || sum.nrows != lm_table_n_samples(a)) abort();
    for (size_t j = 0; j < sum.nrows; j++) {
        const char *const *f = (const char *const *)sum.rows[j].f;
        if (strcmp(f[cid], lm_table_sample_id(a, j))) abort();
        unsigned long long rin = strtoull(f[cin], NULL, 10), as = strtoull(f[cas], NULL, 10),
                           un = strtoull(f[cun], NULL, 10), zt = 0;
        for (size_t k = 0; k < lm_table_n_samples(z); k++)
            if (!strcmp(lm_table_sample_id(z, k), f[cid])) zt = lm_table_sample_total(z, k);
        if (rin != lm_table_sample_total(a, j) || as + un != rin || as != zt) {
            fprintf(stderr,
                    "fuzz_denoise: sample %s: reads_in %llu, assigned %llu, "
                    "unassigned %llu, ZOTU table %llu\n",
                    f[cid], rin, as, un, zt);
            abort();
        }
    }
    lm_tsv_free(&sum);
    lm_table_destroy(a);
    lm_table_destroy(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128];
    if (!in[0]) {
        int pid = (int)getpid();
        snprintf(in, sizeof(in), "/tmp/lumen-fuzz-denoise-in.%d", pid);
        snprintf(out, sizeof(out), "/tmp/lumen-fuzz-denoise-out.%d", pid);
        mkdir(in, 0700);
        atexit(cleanup);
    }
    if (size < 1 || size > 1 << 13) return 0; /* alignments are quadratic: keep runs fast */
    const unsigned mode = data[0];
    data++, size--;
    const uint8_t *nul = memchr(data, 0, size);
    size_t n1 = nul ? (size_t)(nul - data) : size;
    snprintf(path, sizeof(path), "%s/table.tsv", in);
    fuzz_put(path, data, n1);
    snprintf(path, sizeof(path), "%s/features.fasta", in);
    if (nul)
        fuzz_put(path, nul + 1, size - n1 - 1);
    else
        fuzz_put(path, data, size);

    lm_denoise_opt_t o;
    lm_denoise_opt_init(&o);
    o.minsize = 1 + mode % 8;
    o.write_biom = 0; /* HDF5 is not lumen's parser, and slow per run */
    lm_err_t err;
    lm_err_clear(&err);
    int rc = lm_denoise_run(&o, in, out, &err);
    if (!rc) check_accounting();
    for (size_t i = 0; i < sizeof(outs) / sizeof(*outs); i++) {
        snprintf(path, sizeof(path), "%s/%s", out, outs[i]);
        if (rc && access(path, F_OK) == 0) abort(); /* a failure writes nothing */
        unlink(path);
    }
    if (rc && (err.code == 0 || !err.msg[0])) abort(); /* and says why */
    rmdir(out);
    return 0;
}
