/* SPDX-License-Identifier: MIT */
/* libFuzzer target: lm_report_write on a results folder whose every input file holds the
 * fuzzer's bytes (provenance.json, a QC record, qc/summary.tsv, the feature and taxa
 * tables, alpha, PCoA, the stats tables and the cohort tables). Whatever they hold, the
 * report must be written (bad inputs become notes on the page); never a crash, a leak or
 * an out-of-bounds access. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lumen/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
    "provenance.json",
    "qc/S1.json",
    "qc/summary.tsv",
    "features/table.tsv",
    "taxa/level-6.tsv",
    "taxa/level-2.tsv",
    "diversity/alpha.tsv",
    "diversity/pcoa_braycurtis.tsv",
    "diversity/pcoa_braycurtis_axes.tsv",
    "diversity/dropped_samples.tsv",
    "stats/permanova.tsv",
    "stats/correlations.tsv",
    "stats/visits_derived.tsv",
    "stats/endpoints.tsv",
    "stats/logrank.tsv",
    "stats/survival_cox.tsv",
    "cohort/metadata.tsv",
    "cohort/subjects.tsv",
    "cohort/visits.tsv",
};

static char dir[64];
static const char *const sub[] = {"qc", "features", "taxa", "diversity", "stats", "cohort"};

static void cleanup(void) /* the folder, at a normal end */
{
    char path[256];
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/report.html", dir);
    unlink(path);
    for (size_t i = 0; i < sizeof(sub) / sizeof(*sub); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
        rmdir(path);
    }
    rmdir(dir);
}

static int has_marker(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++)
        if (s[i] == '<' && s[i + 1] == 'z' && s[i + 2] == 'z') return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256];
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/lumen-fuzz-report.%d", (int)getpid());
        mkdir(dir, 0700);
        for (size_t i = 0; i < sizeof(sub) / sizeof(*sub); i++) {
            snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
            mkdir(path, 0700);
        }
        atexit(cleanup);
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "wb");
        if (!f) abort();
        fwrite(data, 1, size, f);
        fclose(f);
    }
    lm_err_t err;
    lm_err_clear(&err);
    if (lm_report_write(dir, NULL, &err) != 0) abort(); /* inputs never make it fail */
    /* Every input string is HTML-escaped: text from the inputs never becomes markup. The
     * marker "<zz" (in the dictionary) cannot appear in the page unless a string from the
     * inputs went in raw. */
    if (has_marker((const char *)data, size)) {
        snprintf(path, sizeof(path), "%s/report.html", dir);
        FILE *h = fopen(path, "rb");
        if (!h) abort();
        static char page[1 << 22];
        size_t n = fread(page, 1, sizeof(page), h);
        fclose(h);
        if (has_marker(page, n)) {
            fprintf(stderr, "fuzz_report: input text reached the page unescaped\n");
            abort();
        }
    }
    return 0;
}
