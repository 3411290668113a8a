/* SPDX-License-Identifier: MIT */
/* libFuzzer target: lumen classify's query side (lm_cls_classify_file: the FASTA/FASTQ
 * reader, word extraction from whatever bases a query holds, bootstrap trials, the output
 * tables) on arbitrary query files, against a small index built once from
 * tests/data/sim_ref.fasta. The first byte picks the options (bit 0: both strands, bit 1:
 * exhaustive scoring, bit 2: 10 bootstraps instead of 100, bit 3: confidence 0). Every
 * input must end in the two tables or a described error that leaves neither; never a
 * crash, a leak or an out-of-bounds access. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lumen/classify.h"
#include "lumen/seqio.h"
#include "lumen/table.h"

#ifndef LM_FUZZ_DATA
#error "LM_FUZZ_DATA (tests/data) is set by tests/fuzz/CMakeLists.txt"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char idx[64], in[64], out[64], det[64];

static void cleanup(void)
{
    unlink(idx);
}

/* classify's taxonomy.tsv is lumen taxa's input: it must read back with a lineage for
 * every query. */
static void check_output(void)
{
    lm_err_t err;
    lm_err_clear(&err);
    lm_table_taxonomy_t *tx = lm_table_taxonomy_read(out, &err);
    if (!tx && strstr(err.msg, "duplicate feature ID")) return; /* refused there, loudly */
    if (!tx) {
        fprintf(stderr, "fuzz_classify: taxonomy.tsv does not read back: %s\n", err.msg);
        abort();
    }
    lm_fq_reader_t *r = lm_fq_open(in, NULL, &err);
    if (!r) abort();
    lm_seqrec_t rec = {0};
    while (lm_fq_read(r, &rec, &err) == 0)
        if (!lm_table_taxonomy_get(tx, rec.name.s)) {
            fprintf(stderr, "fuzz_classify: query '%s' has no line in taxonomy.tsv\n", rec.name.s);
            abort();
        }
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    lm_table_taxonomy_destroy(tx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lm_err_t err;
    if (!idx[0]) {
        int pid = (int)getpid();
        snprintf(idx, sizeof(idx), "/tmp/lumen-fuzz-classify.%d.lmi", pid);
        snprintf(in, sizeof(in), "/tmp/lumen-fuzz-classify-in.%d", pid);
        snprintf(out, sizeof(out), "/tmp/lumen-fuzz-classify-out.%d.tsv", pid);
        snprintf(det, sizeof(det), "/tmp/lumen-fuzz-classify-det.%d.tsv", pid);
        lm_ref_opt_t ro;
        lm_ref_opt_init(&ro);
        lm_ref_t *ref = lm_ref_create(&ro);
        lm_err_clear(&err);
        if (!ref || lm_ref_read(ref, LM_FUZZ_DATA "/sim_ref.fasta", NULL, &err) ||
            lm_ref_write(ref, idx, &err)) {
            fprintf(stderr, "fuzz_classify: cannot build the index: %s\n", err.msg);
            abort();
        }
        lm_ref_destroy(ref);
        atexit(cleanup);
    }
    if (size < 1 || size > 1 << 16) return 0;
    const unsigned mode = data[0];
    FILE *f = fopen(in, "wb");
    if (!f) abort();
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    lm_cls_opt_t o;
    lm_cls_opt_init(&o);
    o.both_strands = mode & 1;
    o.exhaustive = (mode >> 1) & 1;
    if (mode & 4) o.bootstraps = 10;
    if (mode & 8) o.confidence = 0;
    lm_err_clear(&err);
    size_t n = 0;
    int rc = lm_cls_classify_file(idx, in, out, det, &o, 1, &n, &err);
    if (rc && (err.code == 0 || !err.msg[0])) abort();                     /* say why */
    if (rc && (access(out, F_OK) == 0 || access(det, F_OK) == 0)) abort(); /* write nothing */
    if (!rc && n) check_output();
    unlink(out);
    unlink(det);
    unlink(in);
    return 0;
}
