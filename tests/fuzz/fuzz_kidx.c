/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the k-mer index loader: any bytes must be refused or loaded, never
 * read out of bounds. A loaded index is walked end to end so that every table it claims
 * to have is touched, and queries are classified with it, --near and --method nn too (the
 * loader must make that safe).
 * Build with clang from the .c files of src/refdb, src/util and src/seqio:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Iinclude
 *     -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (skips the checksum, to reach the rest)
 *     -Ibuild/generated tests/fuzz/fuzz_kidx.c $(ls src/refdb/[a-z]*.c src/util/[a-z]*.c
 *     src/seqio/[a-z]*.c src/trim/[a-z]*.c) $(pkg-config --cflags --libs htslib gsl) -fopenmp -lm
 * -o fuzz_kidx and run it on a copy of the corpus (libFuzzer adds what it finds to the directory):
 *   cp -r tests/fuzz/corpus/kidx /tmp/kidx && ./fuzz_kidx -max_len=4096 /tmp/kidx */
#include <stddef.h>
#include <stdint.h>

#include "lumen/classify.h"
#include "lumen/refdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lm_err_t err;
    lm_kidx_t *idx = lm_kidx_load_mem(data, size, "fuzz.lmi", &err);
    if (!idx) return 0;
    volatile uint64_t sink = 0;
    for (uint32_t t = 0; t < lm_kidx_n_taxa(idx); t++)
        sink += (unsigned char)lm_kidx_taxon_name(idx, t)[0];
    for (uint32_t g = 0; g < lm_kidx_n_leaves(idx); g++)
        for (int r = 0; r < LM_NRANKS; r++) sink += lm_kidx_leaf_path(idx, g, r);
    const uint32_t nwords = (uint32_t)1 << (2 * lm_kidx_k(idx));
    for (uint32_t w = 0; w < nwords; w++) {
        uint32_t n;
        const lm_kidx_entry_t *e = lm_kidx_word(idx, w, &n);
        for (uint32_t i = 0; i < n; i++) sink += e[i].leaf;
    }
    for (uint32_t i = 0; i < lm_kidx_n_species_refs(idx); i++) {
        uint32_t len;
        const char *s = lm_kidx_species_seq(idx, i, &len);
        sink += (unsigned char)s[len - 1] + (unsigned char)lm_kidx_species_name(idx, i)[0];
        sink += lm_kidx_leaf_path(idx, lm_kidx_species_leaf(idx, i), LM_RANK_GENUS);
    }
    /* the references section, when the index has one (lumen index --near) */
    const uint32_t nleaves_near = lm_kidx_flags(idx) & LM_KIDX_F_NEAR ? lm_kidx_n_leaves(idx) : 0;
    for (uint32_t g = 0; g < nleaves_near; g++) {
        uint32_t nr, nw;
        const uint32_t r0 = lm_kidx_leaf_ref_range(idx, g, &nr);
        for (uint32_t i = 0; i < nr; i++)
            sink += lm_kidx_ref_words(idx, r0 + i) + lm_kidx_ref_copies(idx, r0 + i);
        const uint64_t *mk;
        const uint32_t *w = lm_kidx_leaf_words(idx, g, &nw, &mk);
        if (nw) sink += w[nw - 1] + (nr > 1 ? mk[(size_t)nw * ((nr + 63) / 64) - 1] : 0);
    }
    (void)sink;
    /* whatever the loader accepts, classification must be safe on it: a fixed query and one
     * made of the input's own bytes (as bases), both strands, exhaustive and fast paths */
    lm_cls_buf_t *buf = lm_cls_buf_create(idx);
    if (buf) {
        static const char q[] = "GTGCCAGCAGCCGCGGTAATACGGAGGGTGCAAGCGTTAATCGGAATTACTGGGCGTAAAG";
        char own[256];
        size_t n = 0;
        for (; n < size && n < sizeof(own); n++) own[n] = "ACGTN"[data[n] % 5];
        lm_cls_opt_t o;
        lm_cls_opt_init(&o);
        o.bootstraps = 10;
        o.both_strands = 1;
        lm_cls_result_t res;
        char tax[1024];
        for (int ex = 0; ex < 4; ex++) { /* fast, exhaustive, fast with --near, nn */
            o.exhaustive = ex == 1;
            o.near = ex == 2;
            o.method = ex == 3 ? LM_CLS_NN : LM_CLS_RDP;
            if (lm_cls_classify(idx, &o, buf, q, sizeof(q) - 1, &res) == 0)
                (void)lm_cls_format_taxon(idx, &res, tax, sizeof(tax));
            if (lm_cls_classify(idx, &o, buf, own, n, &res) == 0)
                (void)lm_cls_format_taxon(idx, &res, tax, sizeof(tax));
        }
        lm_cls_buf_destroy(buf);
    }
    lm_kidx_destroy(idx);
    return 0;
}
