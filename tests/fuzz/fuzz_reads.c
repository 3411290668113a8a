/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the per-sample read stage of lumen reads (lm_sample_run: the paired
 * reader, primer search, truncation, merging, filters, dereplication and the QC record) on
 * arbitrary reads. The first byte picks the options (bit 0: the V4 primers, else none;
 * bit 1: quality truncation and an expected-error filter); the rest is R1, then a NUL byte
 * and R2 for a pair (no NUL: single-end). Every input must end in a sample or a described
 * error that leaves nothing at the output path; never a crash, a leak or an out-of-bounds
 * access. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "lumen/derep.h"
#include "lumen/seqio.h"
#include "lumen/trim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* After a run: the counts add up, and the uniques file holds st->uniques records whose
 * sizes (">MD5;size=N") sum to the reads that passed. */
static void check_counts(const lm_sample_stats_t *st, const char *un)
{
    uint64_t fates = 0;
    for (int f = 0; f < LM_FATE_N; f++) fates += st->fate[f];
    int bad = fates != st->reads_in || st->fate[LM_FATE_PASS] != st->passed ||
              st->primers_found > st->reads_in || st->passed > st->reads_in ||
              st->uniques > st->passed || st->singletons > st->uniques;
    lm_err_t err;
    lm_err_clear(&err);
    lm_fq_reader_t *r = lm_fq_open(un, NULL, &err);
    if (!r) abort();
    lm_seqrec_t rec = {0};
    uint64_t n = 0, total = 0;
    int ret;
    while ((ret = lm_fq_read(r, &rec, &err)) == 0) {
        const char *sz = strstr(rec.name.s, ";size=");
        n++;
        total += sz ? strtoull(sz + 6, NULL, 10) : 0;
    }
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    if (bad || ret != LM_EOF || n != st->uniques || total != st->passed) {
        fprintf(stderr,
                "fuzz_reads: counts disagree: in %llu, fates %llu, passed %llu, uniques %llu; "
                "uniques file: %llu records, %llu reads\n",
                (unsigned long long)st->reads_in, (unsigned long long)fates,
                (unsigned long long)st->passed, (unsigned long long)st->uniques,
                (unsigned long long)n, (unsigned long long)total);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char r1[64], r2[64], un[64], js[64];
    if (!r1[0]) {
        int pid = (int)getpid();
        snprintf(r1, sizeof(r1), "/tmp/lumen-fuzz-reads-1.%d", pid);
        snprintf(r2, sizeof(r2), "/tmp/lumen-fuzz-reads-2.%d", pid);
        snprintf(un, sizeof(un), "/tmp/lumen-fuzz-reads-u.%d.fasta", pid);
        snprintf(js, sizeof(js), "/tmp/lumen-fuzz-reads-q.%d.json", pid);
    }
    if (size < 1 || size > 1 << 16) return 0;
    const unsigned mode = data[0];
    data++, size--;
    const uint8_t *nul = memchr(data, 0, size);
    size_t n1 = nul ? (size_t)(nul - data) : size;
    fuzz_put(r1, data, n1);
    if (nul) fuzz_put(r2, nul + 1, size - n1 - 1);

    lm_trim_opt_t o;
    lm_trim_opt_init(&o);
    if (mode & 1) {
        const lm_primer_pair_t *pp = lm_primer_preset("v4");
        o.fwd_primer = pp->fwd;
        o.rev_primer = pp->rev;
    }
    if (mode & 2) o.truncq = 2, o.maxee = 1.0;
    lm_err_t err;
    lm_err_clear(&err);
    if (lm_trim_opt_check(&o, &err)) abort();
    static lm_trim_t *trims[4]; /* made once per mode: creating one builds the merge tables */
    if (!trims[mode & 3] && !(trims[mode & 3] = lm_trim_create(&o))) abort();
    lm_trim_t *t = trims[mode & 3];
    lm_sample_out_t out = {.uniques = un};
    lm_sample_stats_t *st = calloc(1, sizeof(*st));
    if (!st) abort();
    int rc = lm_sample_run(t, r1, nul ? r2 : NULL, &out, 1, st, &err);
    if (rc) {
        if (err.code == 0 || !err.msg[0]) abort(); /* a failure must say why */
        if (access(un, F_OK) == 0) abort();        /* and leave no output */
    } else {
        check_counts(st, un);
        lm_err_clear(&err);
        if (lm_sample_write_json(js, "S1", r1, nul ? r2 : NULL, &o, st, &err)) abort();
        unlink(js);
        unlink(un);
    }
    free(st);
    unlink(r1);
    unlink(r2);
    return 0;
}
