/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the FASTQ/FASTA reader on gzip-compressed input. The fuzzer's bytes
 * (after a one-byte mode) are compressed, so the reader's parser sees them through the
 * decompressor, as with a .fastq.gz upload: as plain gzip (gzip -c) or as BGZF, and
 * optionally cut short inside the compressed stream (a truncated upload), at a point given
 * by the second byte. Every input must end in records, LM_EOF or a described error; never
 * a crash, a leak or an out-of-bounds access. Raw (possibly corrupt) gzip bytes are the
 * business of fuzz_fastq, whose corpus holds .gz files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <htslib/bgzf.h>

#include "lumen/seqio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Plain gzip of src into a malloc'ed buffer (*n bytes), or NULL. */
static unsigned char *gzip_mem(const uint8_t *src, size_t len, size_t *n)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    unsigned char *out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static int write_bgzf(const char *path, const uint8_t *src, size_t len)
{
    BGZF *b = bgzf_open(path, "w");
    if (!b) return -1;
    int bad = len && bgzf_write(b, src, len) < 0;
    return bgzf_close(b) < 0 || bad ? -1 : 0;
}

/* Cut the file at path to keep/256 of its length (keep 0: leave it whole). */
static void truncate_to(const char *path, unsigned keep)
{
    if (!keep) return;
    FILE *f = fopen(path, "rb");
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    if (n > 0 && truncate(path, n * (long)keep / 256) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof(path), "/tmp/lumen-fuzz-fastq-gz.%d.gz", (int)getpid());
    if (size < 2 || size > 1 << 17) return 0;
    const unsigned mode = data[0], keep = data[1];
    data += 2, size -= 2;
    if (mode & 1) {
        if (write_bgzf(path, data, size)) return 0;
    } else {
        size_t n = 0;
        unsigned char *gz = gzip_mem(data, size, &n);
        if (!gz) return 0;
        FILE *f = fopen(path, "wb");
        if (!f) abort();
        fwrite(gz, 1, n, f);
        fclose(f);
        free(gz);
    }
    if (mode & 2) truncate_to(path, keep);
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
        if (ret < LM_EOF && (err.code == 0 || !err.msg[0])) abort(); /* say why */
        lm_fqstats_free(&st);
        lm_seqrec_free(&rec);
        lm_fq_close(r);
    } else if (err.code == 0 || !err.msg[0]) {
        abort();
    }
    unlink(path);
    return 0;
}
