/* SPDX-License-Identifier: MIT */
/* FASTA/FASTQ writers. Everything goes through BGZF: compressed for ".gz" paths (readable
 * by any gzip reader, and identical bytes at any thread count because htslib writes blocks
 * in order), uncompressed ("wu") otherwise. The bytes go to an lm_afile's temporary file
 * (reopened by name through BGZF), which lm_seqw_commit() renames into place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/bgzf.h>

#include "lumen/seqio.h"

struct lm_seq_writer {
    lm_afile_t *af; /* the temporary name, its signal protection and the final rename */
    BGZF *fp;
    lm_seqfmt_t fmt;
    kstring_t buf;
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

lm_seq_writer_t *lm_seqw_open(const char *path, lm_seqfmt_t fmt, int threads, lm_err_t *err)
{
    lm_seq_writer_t *w = calloc(1, sizeof(*w));
    if (!w) {
        lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    w->fmt = fmt;
    if (!(w->af = lm_afile_open(path, err))) {
        free(w);
        return NULL;
    }
    int gz = ends_with(path, ".gz");
    /* BGZF writes through a copy of the temporary file's descriptor: opening it again by
     * name could recreate it after SIGINT's handler had removed it, leaving it behind. */
    int fd = dup(fileno(lm_afile_stream(w->af)));
    w->fp = fd >= 0 ? bgzf_dopen(fd, gz ? "w6" : "wu") : NULL;
    if (!w->fp && fd >= 0) close(fd);
    if (!w->fp) {
        lm_err_set(err, LM_ECREATE, path, 0, 0, "cannot open output file: %s", strerror(errno));
        lm_afile_abort(w->af);
        free(w);
        return NULL;
    }
    if (threads > 1 && gz) bgzf_mt(w->fp, threads, 256);
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
    if (bad) return lm_err_set(err, LM_ENOMEM, lm_afile_path(w->af), 0, 0, "out of memory");
    if (bgzf_write(w->fp, b->s, b->l) != (ssize_t)b->l)
        return lm_err_set(err, LM_EIO, lm_afile_path(w->af), 0, 0, "write failed: %s",
                          strerror(errno));
    return 0;
}

int lm_seqw_write_rec(lm_seq_writer_t *w, const lm_seqrec_t *rec, lm_err_t *err)
{
    return lm_seqw_write(w, rec->name.s, rec->comment.s, rec->seq.s, rec->seq.l, rec->qual.s, err);
}

int lm_seqw_commit(lm_seq_writer_t *w, lm_err_t *err)
{
    int rc;
    if (bgzf_close(w->fp) != 0) {
        rc = lm_err_set(err, LM_EIO, lm_afile_path(w->af), 0, 0, "write failed: %s",
                        strerror(errno));
        lm_afile_abort(w->af);
    } else {
        rc = lm_afile_commit(w->af, err);
    }
    ks_free(&w->buf);
    free(w);
    return rc;
}

void lm_seqw_abort(lm_seq_writer_t *w)
{
    if (!w) return;
    bgzf_close(w->fp);
    lm_afile_abort(w->af);
    ks_free(&w->buf);
    free(w);
}
