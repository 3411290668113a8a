/* SPDX-License-Identifier: MIT */
/* libFuzzer target: lumen summary (lm_run_summary) on a results folder whose stage files
 * hold the fuzzer's bytes: the QC record qc/S1.json, qc/failed.tsv,
 * features/denoise_summary.tsv, diversity/dropped_samples.tsv, features/table.tsv and
 * diversity/alpha.tsv. The first byte says which of them exist (bit 0: reads_only; bits
 * 1-6: one file each), so each reader is reached alone. Every folder must end in
 * qc/summary.tsv or a described error; never a crash, a leak or an out-of-bounds access. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "lumen/run.h"
#include "lumen/seqio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {"qc/S1.json",
                                    "qc/failed.tsv",
                                    "features/denoise_summary.tsv",
                                    "diversity/dropped_samples.tsv",
                                    "features/table.tsv",
                                    "diversity/alpha.tsv"};

static char dir[64];

static void cleanup(void)
{
    static const char *const rm[] = {"qc/S1.json",
                                     "qc/failed.tsv",
                                     "qc/summary.tsv",
                                     "features/denoise_summary.tsv",
                                     "diversity/dropped_samples.tsv",
                                     "features/table.tsv",
                                     "diversity/alpha.tsv",
                                     "manifest.tsv",
                                     "qc",
                                     "features",
                                     "diversity",
                                     ""};
    char path[256];
    for (size_t i = 0; i < sizeof(rm) / sizeof(*rm); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, rm[i]);
        if (unlink(path) != 0) rmdir(path);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lm_manifest_t *man;
    char path[256];
    if (!dir[0]) {
        static const char *const sub[] = {"qc", "features", "diversity"};
        snprintf(dir, sizeof(dir), "/tmp/lumen-fuzz-summary.%d", (int)getpid());
        mkdir(dir, 0700);
        for (size_t i = 0; i < sizeof(sub) / sizeof(*sub); i++) {
            snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
            mkdir(path, 0700);
        }
        static const char m[] = "sample-id\tabsolute-filepath\nS1\t/x/S1.fq\nS2\t/x/S2.fq\n";
        snprintf(path, sizeof(path), "%s/manifest.tsv", dir);
        fuzz_put(path, m, sizeof(m) - 1);
        lm_err_t e;
        lm_err_clear(&e);
        if (lm_manifest_read(path, &man, &e)) abort();
        atexit(cleanup);
    }
    if (size < 1 || size > 1 << 16) return 0;
    const unsigned mode = data[0];
    data++, size--;
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (mode & (2u << i))
            fuzz_put(path, data, size);
        else
            unlink(path);
    }
    lm_err_t err;
    lm_err_clear(&err);
    int rc = lm_run_summary(dir, man, (int)(mode & 1), &err);
    if (rc && (err.code == 0 || !err.msg[0])) abort(); /* a failure must say why */
    if (!rc) { /* the summary reads back: its header and one row per manifest sample */
        lm_tsv_t t;
        snprintf(path, sizeof(path), "%s/qc/summary.tsv", dir);
        if (lm_tsv_read(path, &t, &err) || t.nrows != 2 || t.header.n != 14 ||
            strcmp(t.rows[0].f[0], "S1") || strcmp(t.rows[1].f[0], "S2")) {
            fprintf(stderr, "fuzz_summary: qc/summary.tsv does not read back: %s\n", err.msg);
            abort();
        }
        lm_tsv_free(&t);
        unlink(path);
    }
    return 0;
}
