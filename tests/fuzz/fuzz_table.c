/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the feature-table TSV reader and the taxonomy reader on arbitrary
 * bytes. A table that parses goes through the metrics too (alpha, all three distances);
 * every input must end in a table or a described error, never a crash or a leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lumen/diversity.h"
#include "lumen/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void metrics(const lm_table_t *t)
{
    lm_csr_t s;
    lm_table_by_sample(t, &s);
    size_t n = s.n_rows;
    if (n > 64) return;
    double *D[LM_DIV_NMETRICS];
    for (int m = 0; m < LM_DIV_NMETRICS; m++) D[m] = malloc((n ? n * n : 1) * sizeof(double));
    lm_div_beta_opt_t o;
    lm_div_beta_opt_init(&o);
    lm_err_t err;
    if (D[0] && D[1] && D[2] && lm_div_beta(&s, &o, D, &err) == 0) {
        lm_div_alpha_t a;
        for (size_t j = 0; j < n; j++)
            lm_div_alpha(s.val + s.ptr[j], s.ptr[j + 1] - s.ptr[j], 2.0, &a);
    }
    for (int m = 0; m < LM_DIV_NMETRICS; m++) free(D[m]);
}

/* A table that reads must write and read back the same: IDs, order and counts. */
static void roundtrip(const lm_table_t *t, const char *path)
{
    static char back[80];
    if (!back[0]) snprintf(back, sizeof(back), "%s.back.tsv", path);
    lm_err_t err;
    lm_err_clear(&err);
    if (lm_table_write_tsv(t, back, &err)) abort();
    lm_table_t *u = lm_table_read_tsv(back, &err);
    if (!u) {
        fprintf(stderr, "fuzz_table: written table does not read back: %s\n", err.msg);
        abort();
    }
    size_t nf = lm_table_n_features(t), ns = lm_table_n_samples(t);
    if (lm_table_n_features(u) != nf || lm_table_n_samples(u) != ns) abort();
    for (size_t i = 0; i < nf; i++)
        if (strcmp(lm_table_feature_id(t, i), lm_table_feature_id(u, i))) abort();
    for (size_t j = 0; j < ns; j++)
        if (strcmp(lm_table_sample_id(t, j), lm_table_sample_id(u, j))) abort();
    lm_csr_t a, b;
    lm_table_by_sample(t, &a);
    lm_table_by_sample(u, &b);
    if (a.ptr[a.n_rows] != b.ptr[b.n_rows]) abort();
    for (uint64_t k = 0; k < a.ptr[a.n_rows]; k++)
        if (a.idx[k] != b.idx[k] || a.val[k] != b.val[k]) abort();
    lm_table_destroy(u);
    unlink(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof(path), "/tmp/lumen-fuzz-table.%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    lm_err_t err;
    lm_err_clear(&err);
    lm_table_t *t = lm_table_read_tsv(path, &err);
    if (!t && err.code == 0) abort(); /* an error must be described */
    if (t) metrics(t);
    if (t) roundtrip(t, path);
    lm_err_clear(&err);
    lm_table_taxonomy_t *tx = lm_table_taxonomy_read(path, &err);
    if (!tx && err.code == 0) abort();
    if (t && tx && lm_table_taxonomy_depth(tx) >= 2) {
        lm_table_t *c = lm_table_collapse(t, tx, 2, path, &err);
        lm_table_destroy(c);
    }
    lm_table_taxonomy_destroy(tx);
    lm_table_destroy(t);
    unlink(path);
    return 0;
}
