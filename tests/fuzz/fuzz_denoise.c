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

#include "lumen/denoise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n) fwrite(buf, 1, n, f);
    fclose(f);
}

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
    put(path, data, n1);
    snprintf(path, sizeof(path), "%s/features.fasta", in);
    if (nul)
        put(path, nul + 1, size - n1 - 1);
    else
        put(path, data, size);

    lm_denoise_opt_t o;
    lm_denoise_opt_init(&o);
    o.minsize = 1 + mode % 8;
    o.write_biom = 0; /* HDF5 is not lumen's parser, and slow per run */
    lm_err_t err;
    lm_err_clear(&err);
    int rc = lm_denoise_run(&o, in, out, &err);
    for (size_t i = 0; i < sizeof(outs) / sizeof(*outs); i++) {
        snprintf(path, sizeof(path), "%s/%s", out, outs[i]);
        if (rc && access(path, F_OK) == 0) abort(); /* a failure writes nothing */
        unlink(path);
    }
    if (rc && (err.code == 0 || !err.msg[0])) abort(); /* and says why */
    rmdir(out);
    return 0;
}
