/* SPDX-License-Identifier: MIT */
/* FASTA/FASTQ writers. Everything goes through BGZF: compressed for ".gz" paths (readable
 * by any gzip reader, and identical bytes at any thread count because htslib writes blocks
 * in order), uncompressed ("wu") otherwise. The data land in a temporary file that is
 * renamed into place only by lm_seqw_commit(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/bgzf.h>

#include "lumen/seqio.h"

struct lm_seq_writer {
    BGZF *fp;
    lm_seqfmt_t fmt;
    int slot;
    char *path, *tmp;
    kstring_t buf;
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void writer_free(lm_seq_writer_t *w)
{
    lm_tmp_unregister(w->slot);
    ks_free(&w->buf);
    free(w->path);
    free(w->tmp);
    free(w);
}

lm_seq_writer_t *lm_seqw_open(const char *path, lm_seqfmt_t fmt, int threads, lm_err_t *err)
{
    lm_seq_writer_t *w = calloc(1, sizeof(*w));
    size_t n = strlen(path);
    if (!w || !(w->path = strdup(path)) || !(w->tmp = malloc(n + 16))) {
        lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
        if (w) free(w->path);
        free(w);
        return NULL;
    }
    w->fmt = fmt;
    w->slot = -1;
    snprintf(w->tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(w->tmp);
    if (fd < 0) {
        lm_err_set(err, LM_ECREATE, path, 0, 0, "cannot create output file: %s", strerror(errno));
        writer_free(w);
        return NULL;
    }
    fchmod(fd, (mode_t)lm_default_mode(0));
    close(fd);
    w->slot = lm_tmp_register(w->tmp);
    w->fp = bgzf_open(w->tmp, ends_with(path, ".gz") ? "w6" : "wu");
    if (!w->fp) {
        lm_err_set(err, LM_ECREATE, path, 0, 0, "cannot open output file: %s", strerror(errno));
        unlink(w->tmp);
        writer_free(w);
        return NULL;
    }
    if (threads > 1 && ends_with(path, ".gz")) bgzf_mt(w->fp, threads, 256);
    return w;
}

int lm_seqw_write(lm_seq_writer_t *w, const char *name, const char *comment, const char *seq,
                  size_t len, const char *qual, lm_err_t *err)
{
    kstring_t *b = &w->buf;
    b->l = 0;
    int fq = w->fmt == LM_FMT_FASTQ;
    int bad = kputc(fq ? '@' : '>', b) < 0 || kputs(name, b) < 0;
    if (!bad && comment && *comment) bad = kputc(' ', b) < 0 || kputs(comment, b) < 0;
    bad = bad || kputc('\n', b) < 0 || kputsn(seq, len, b) < 0 || kputc('\n', b) < 0;
    if (!bad && fq) bad = kputsn("+\n", 2, b) < 0 || kputsn(qual, len, b) < 0 || kputc('\n', b) < 0;
    if (bad) return lm_err_set(err, LM_ENOMEM, w->path, 0, 0, "out of memory");
    if (bgzf_write(w->fp, b->s, b->l) != (ssize_t)b->l)
        return lm_err_set(err, LM_EIO, w->path, 0, 0, "write failed: %s", strerror(errno));
    return 0;
}

int lm_seqw_write_rec(lm_seq_writer_t *w, const lm_seqrec_t *rec, lm_err_t *err)
{
    return lm_seqw_write(w, rec->name.s, rec->comment.s, rec->seq.s, rec->seq.l, rec->qual.s, err);
}

int lm_seqw_commit(lm_seq_writer_t *w, lm_err_t *err)
{
    int rc = 0;
    if (bgzf_close(w->fp) != 0)
        rc = lm_err_set(err, LM_EIO, w->path, 0, 0, "write failed: %s", strerror(errno));
    else if (rename(w->tmp, w->path) != 0)
        rc = lm_err_set(err, LM_ECREATE, w->path, 0, 0, "cannot rename %s into place: %s", w->tmp,
                        strerror(errno));
    if (rc) unlink(w->tmp);
    writer_free(w);
    return rc;
}

void lm_seqw_abort(lm_seq_writer_t *w)
{
    if (!w) return;
    bgzf_close(w->fp);
    unlink(w->tmp);
    writer_free(w);
}
