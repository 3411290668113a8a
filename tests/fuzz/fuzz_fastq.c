/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the FASTQ/FASTA reader on arbitrary bytes (plain or gzip-compressed,
 * since the reader sniffs compression). Every input must end in a record stream, LM_EOF or
 * a clean error; never a crash, a leak or an out-of-bounds access. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lumen/seqio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof(path), "/tmp/lumen-fuzz-fastq.%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    lm_err_t err;
    lm_err_clear(&err);
    lm_fq_reader_t *r = lm_fq_open(path, NULL, &err);
    if (r) {
        lm_seqrec_t rec = {0};
        lm_fqstats_t st;
        lm_fqstats_init(&st);
        int ret;
        while ((ret = lm_fq_read(r, &rec, &err)) == 0)
            if (lm_fqstats_add(&st, &rec)) break;
        if (ret < LM_EOF && err.code == 0) abort(); /* an error must be described */
        lm_fqstats_free(&st);
        lm_seqrec_free(&rec);
        lm_fq_close(r);
    }
    unlink(path);
    return 0;
}
