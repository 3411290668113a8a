/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the remaining parsers of outside data on arbitrary bytes, each reading
 * the same input: a QIIME 2 manifest (paired or single-end, as a spreadsheet may save it),
 * a reference FASTA with lineages in its headers (the three taxonomy forms of DESIGN.md),
 * a QIIME taxonomy TSV beside a valid FASTA, and a per-sample uniques file (>MD5;size=N)
 * pooled into a table, and a reference for lumen simulate (amplicons cut out between the V4
 * primers). Each must load or fail with a described error; never a crash, a
 * leak, a hang or an out-of-bounds access. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "lumen/refdb.h"
#include "lumen/seqio.h"
#include "lumen/simulate.h"
#include "lumen/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fasta[] = ">r1\nACGTACGTACGTTGCAACGTAGCTAGCTAGGATCGATCGA\n"
                            ">r2\nTTGCAACGTAGCTAGCTAGGATCGATCGAACGTACGTACG\n";

static void expect_described(int rc, const lm_err_t *err)
{
    if (rc && (err->code == 0 || !err->msg[0])) abort(); /* a failure must say why */
}

static char in[64], fa[64];

static void cleanup(void)
{
    unlink(in);
    unlink(fa);
}

/* What lm_manifest_read promises of a manifest it accepts (seqio.h). */
static void check_manifest(const lm_manifest_t *m)
{
    if (!m || m->n == 0) abort();
    for (size_t i = 0; i < m->n; i++) {
        const lm_manifest_sample_t *x = &m->s[i];
        if (!x->id[0] || strchr(x->id, '/') || !strcmp(x->id, ".") || !strcmp(x->id, "..") ||
            !x->r1 || !x->r1[0] || (m->paired ? !x->r2 || !x->r2[0] : x->r2 != NULL)) {
            fprintf(stderr, "fuzz_inputs: manifest sample %zu breaks the contract\n", i);
            abort();
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(m->s[k].id, x->id)) {
                fprintf(stderr, "fuzz_inputs: duplicate sample ID '%s' accepted\n", x->id);
                abort();
            }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!in[0]) {
        int pid = (int)getpid();
        snprintf(in, sizeof(in), "/tmp/lumen-fuzz-inputs.%d", pid);
        snprintf(fa, sizeof(fa), "/tmp/lumen-fuzz-inputs-fa.%d", pid);
        fuzz_put(fa, fasta, sizeof(fasta) - 1);
        atexit(cleanup);
    }
    if (size > 1 << 16) return 0; /* keep each run fast */
    fuzz_put(in, data, size);
    lm_err_t err;

    lm_err_clear(&err);
    lm_manifest_t *m = NULL;
    int rc = lm_manifest_read(in, &m, &err);
    expect_described(rc, &err);
    if (!rc) check_manifest(m);
    lm_manifest_destroy(m);

    lm_ref_opt_t ro;
    lm_ref_opt_init(&ro);
    for (int tax = 0; tax < 2; tax++) {
        lm_ref_t *ref = lm_ref_create(&ro);
        if (!ref) abort();
        lm_err_clear(&err);
        rc = tax ? lm_ref_read(ref, fa, in, &err) : lm_ref_read(ref, in, NULL, &err);
        expect_described(rc, &err);
        if (!rc) {
            void *img = NULL;
            size_t len = 0;
            lm_err_clear(&err);
            rc = lm_ref_build(ref, &img, &len, &err);
            expect_described(rc, &err);
            if (!rc) { /* an index lumen built must load, and classify with it */
                lm_kidx_t *idx = lm_kidx_load_mem(img, len, "built.lmi", &err);
                if (!idx) {
                    fprintf(stderr, "fuzz_inputs: a built index does not load: %s\n", err.msg);
                    abort();
                }
                lm_kidx_destroy(idx);
            }
            free(img);
        }
        lm_ref_destroy(ref);
    }

    lm_table_pool_opt_t po;
    lm_table_pool_opt_init(&po);
    const char *paths[1] = {in}, *ids[1] = {"S1"};
    char **seqs = NULL;
    lm_err_clear(&err);
    lm_table_t *t = lm_table_pool(1, paths, ids, &po, &seqs, &err);
    expect_described(t ? 0 : -1, &err);
    for (size_t i = 0; t && seqs && i < lm_table_n_features(t); i++) free(seqs[i]);
    free(seqs);
    lm_table_destroy(t);

    lm_err_clear(&err);
    lm_sim_ref_t *sr = lm_sim_ref_load(in, lm_primer_preset("v4"), 2, &err);
    expect_described(sr ? 0 : -1, &err);
    lm_sim_ref_destroy(sr);
    return 0;
}
