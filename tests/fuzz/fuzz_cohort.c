/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the cohort module's readers on arbitrary bytes. The input is read as
 * each kind of numeric table (alpha, distance matrix, feature table) and as each of the
 * three clinical tables beside valid companions. Every input must load or fail with a
 * described error; never a crash, a leak or an out-of-bounds access. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "lumen/cohort.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char subjects[] = "subject-id\tarm\tage\tsex\tna_drug\tcnlc_stage\trfs_months\t"
                               "rfs_event\tos_months\tos_event\nA\tX\t40\tM\tTDF\tIa\t1\t1\t2\t0\n";
static const char metadata[] = "sample-id\tsubject-id\tweek\na0\tA\t0\n";
static const char visits[] =
    "subject-id\tweek\thbsag_iu_ml\tanti_hbs_miu_ml\thbv_dna_iu_ml\t"
    "hbeag\til2\til4\til6\til10\ttnfa\tifng\nA\t0\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\n";

static void expect_described(const lm_err_t *err)
{
    if (err->code == 0 || !err->msg[0]) abort(); /* a failure must say why */
}

static char in[64], s[64], m[64], v[64];

static void cleanup(void) /* the companions, at a normal end */
{
    unlink(s);
    unlink(m);
    unlink(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!in[0]) {
        int pid = (int)getpid();
        snprintf(in, sizeof(in), "/tmp/lumen-fuzz-cohort.%d", pid);
        snprintf(s, sizeof(s), "/tmp/lumen-fuzz-cohort-s.%d", pid);
        snprintf(m, sizeof(m), "/tmp/lumen-fuzz-cohort-m.%d", pid);
        snprintf(v, sizeof(v), "/tmp/lumen-fuzz-cohort-v.%d", pid);
        fuzz_put(s, subjects, sizeof(subjects) - 1);
        fuzz_put(m, metadata, sizeof(metadata) - 1);
        fuzz_put(v, visits, sizeof(visits) - 1);
        atexit(cleanup);
    }
    fuzz_put(in, data, size);
    lm_err_t err;
    for (int kind = LM_MATRIX_ALPHA; kind <= LM_MATRIX_FEATURES; kind++) {
        lm_err_clear(&err);
        lm_matrix_t *x = lm_matrix_read(in, kind, &err);
        if (!x) expect_described(&err);
        lm_matrix_destroy(x);
    }
    const char *set[3][3] = {{in, s, v}, {m, in, v}, {m, s, in}};
    for (int k = 0; k < 3; k++) {
        lm_err_clear(&err);
        lm_cohort_t *c = lm_cohort_load(set[k][0], set[k][1], set[k][2], &err);
        if (!c) expect_described(&err);
        lm_cohort_destroy(c);
    }
    unlink(in);
    return 0;
}
