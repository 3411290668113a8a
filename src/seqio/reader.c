/* SPDX-License-Identifier: MIT */
/* FASTQ/FASTA reader over htslib's BGZF layer, which reads plain, gzip and BGZF input alike
 * and decompresses BGZF blocks on its own threads.
 *
 * We parse lines ourselves instead of using kseq.h: kseq does not count lines, accepts a
 * missing '+' line silently in some versions, and cannot tell us which record broke. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/bgzf.h>

#include "lumen/seqio.h"

struct lm_fq_reader {
    BGZF *fp;
    char *path;
    lm_seqfmt_t fmt;
    int phred64;
    int failed;        /* sticky error code once an error happened */
    int saw_low_qual;  /* a quality byte below '@' proves Phred+33 */
    uint64_t line;     /* lines consumed so far */
    uint64_t count;    /* records returned so far */
    kstring_t buf;     /* current line */
    kstring_t pending; /* FASTA: the next header, already read */
    int has_pending;
};

/* Maps each byte to its upper-case IUPAC nucleotide code, or 0 when it is none. */
static unsigned char iupac[256];

static void init_iupac(void)
{
    /* Idempotent; racing initialisations write the same bytes. */
    if (iupac['A']) return;
    const char *codes = "ACGTUNRYKMSWBDHV";
    for (const char *c = codes; *c; c++) {
        iupac[(unsigned char)*c] = (unsigned char)*c;
        iupac[(unsigned char)(*c + 32)] = (unsigned char)*c;
    }
}

void lm_fq_opt_init(lm_fq_opt_t *opt)
{
    memset(opt, 0, sizeof(*opt));
}

void lm_seqrec_free(lm_seqrec_t *rec)
{
    if (!rec) return;
    ks_free(&rec->name);
    ks_free(&rec->comment);
    ks_free(&rec->seq);
    ks_free(&rec->qual);
    memset(rec, 0, sizeof(*rec));
}

static int ks_set(kstring_t *dst, const kstring_t *src)
{
    dst->l = 0;
    if (kputsn(src->s ? src->s : "", src->l, dst) < 0) return LM_ENOMEM;
    return 0;
}

int lm_seqrec_copy(lm_seqrec_t *dst, const lm_seqrec_t *src)
{
    if (ks_set(&dst->name, &src->name) || ks_set(&dst->comment, &src->comment) ||
        ks_set(&dst->seq, &src->seq) || ks_set(&dst->qual, &src->qual))
        return LM_ENOMEM;
    dst->line = src->line;
    dst->index = src->index;
    return 0;
}

lm_fq_reader_t *lm_fq_open(const char *path, const lm_fq_opt_t *opt, lm_err_t *err)
{
    init_iupac();
    lm_fq_reader_t *r = calloc(1, sizeof(*r));
    if (!r || !(r->path = strdup(path))) {
        free(r);
        lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    errno = 0;
    r->fp = bgzf_open(path, "r");
    if (!r->fp) {
        lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open: %s",
                   errno ? strerror(errno) : "not a readable file");
        free(r->path);
        free(r);
        return NULL;
    }
    /* A BGZF file cut at a block boundary would otherwise read as a shorter, valid file;
     * BGZF writers end with an empty marker block, so its absence means truncation. */
    if (r->fp->is_compressed && !r->fp->is_gzip && bgzf_check_EOF(r->fp) == 0) {
        lm_err_set(err, LM_EFORMAT, path, 0, 0,
                   "BGZF file has no end-of-file marker: it is truncated");
        lm_fq_close(r);
        return NULL;
    }
    if (opt) {
        r->phred64 = opt->phred64;
        /* BGZF blocks decompress on htslib's threads; plain gzip cannot be split. */
        if (opt->threads > 1 && r->fp->is_compressed && !r->fp->is_gzip)
            bgzf_mt(r->fp, opt->threads, 256);
    }
    return r;
}

void lm_fq_close(lm_fq_reader_t *r)
{
    if (!r) return;
    if (r->fp) bgzf_close(r->fp);
    ks_free(&r->buf);
    ks_free(&r->pending);
    free(r->path);
    free(r);
}

lm_seqfmt_t lm_fq_format(const lm_fq_reader_t *r)
{
    return r->fmt;
}

const char *lm_fq_path(const lm_fq_reader_t *r)
{
    return r->path;
}

uint64_t lm_fq_count(const lm_fq_reader_t *r)
{
    return r->count;
}

/* Read one line into dst (r->buf, or a record field directly, which saves a copy of every
 * sequence and quality byte) without its "\n" or "\r\n". Returns its length, LM_EOF at
 * the end of input, or LM_EFORMAT (err filled) when the stream is corrupt or truncated. */
static int read_line(lm_fq_reader_t *r, kstring_t *dst, lm_err_t *err)
{
    /* htslib reports a failed allocation (of the inflate state, a block) as the same
     * BGZF_ERR_ZLIB as corrupt data; only errno tells them apart. Out of memory, under a
     * `ulimit -v` or a cluster's memory limit, must not read as a corrupt input file. */
    errno = 0;
    int ret = bgzf_getline(r->fp, '\n', dst);
    if (ret == -1) return LM_EOF;
    if (ret < -1 && errno == ENOMEM)
        return lm_err_set(err, LM_ENOMEM, r->path, r->line + 1, r->count + 1,
                          "cannot read: out of memory while decompressing");
    if (ret < -1)
        return lm_err_set(err, LM_EFORMAT, r->path, r->line + 1, r->count + 1,
                          "cannot read: the compressed stream is corrupt or truncated");
    r->line++;
    if (dst->l > 0 && dst->s[dst->l - 1] == '\r') dst->s[--dst->l] = '\0';
    return (int)(dst->l > (size_t)INT32_MAX ? INT32_MAX : dst->l);
}

static int next_line(lm_fq_reader_t *r, lm_err_t *err)
{
    return read_line(r, &r->buf, err);
}

/* A NUL byte in a header would cut the read's name short unseen (a binary or damaged
 * file), and other control characters (a stray CR, an escape) would change the name when it
 * is written and read back: refused, except TAB, which separates the comment. */
static int header_control(const lm_fq_reader_t *r, uint64_t hline, uint64_t rno, lm_err_t *err)
{
    const unsigned char *h = (const unsigned char *)r->buf.s;
    for (size_t i = 0; i < r->buf.l; i++) {
        unsigned char c = h[i];
        if (c >= 0x20 && c != 0x7f) continue;
        if (c == '\t') continue;
        if (c == 0)
            return lm_err_set(err, LM_EFORMAT, r->path, hline, rno,
                              "NUL byte in the header line (byte %zu)", i + 1);
        return lm_err_set(err, LM_EFORMAT, r->path, hline, rno,
                          "control character (byte 0x%02x) in the header line, at byte %zu", c,
                          i + 1);
    }
    return 0;
}

/* Split a header line (without its '@' or '>') into ID and comment. */
static int set_header(lm_seqrec_t *rec, const char *h, size_t len)
{
    size_t i = 0;
    while (i < len && h[i] != ' ' && h[i] != '\t') i++;
    rec->name.l = 0;
    rec->comment.l = 0;
    if (kputsn(h, i, &rec->name) < 0) return LM_ENOMEM;
    while (i < len && (h[i] == ' ' || h[i] == '\t')) i++;
    if (kputsn(h + i, len - i, &rec->comment) < 0) return LM_ENOMEM;
    return 0;
}

/* Printable rendering of a byte for messages. */
static const char *show_byte(unsigned char c, char out[16])
{
    if (c >= 0x21 && c < 0x7f)
        snprintf(out, 16, "'%c'", c);
    else
        snprintf(out, 16, "0x%02x", c);
    return out;
}

/* Upper-case and check the bases of rec->seq. */
static int check_bases(lm_fq_reader_t *r, lm_seqrec_t *rec, uint64_t line, lm_err_t *err)
{
    unsigned char *s = (unsigned char *)rec->seq.s;
    for (size_t i = 0; i < rec->seq.l; i++) {
        unsigned char c = iupac[s[i]];
        if (!c) {
            char b[16];
            return lm_err_set(err, LM_EFORMAT, r->path, line, r->count + 1,
                              "invalid base %s at position %zu of read '%s' (not an IUPAC "
                              "nucleotide code)",
                              show_byte(s[i], b), i + 1, rec->name.s);
        }
        s[i] = c;
    }
    return 0;
}

static int check_quals(lm_fq_reader_t *r, lm_seqrec_t *rec, uint64_t line, lm_err_t *err)
{
    unsigned char *q = (unsigned char *)rec->qual.s;
    unsigned char lo = 255, hi = 0;
    for (size_t i = 0; i < rec->qual.l; i++) {
        if (q[i] < lo) lo = q[i];
        if (q[i] > hi) hi = q[i];
    }
    if (rec->qual.l == 0) return 0;
    char b[16];
    if (lo < '!' || hi > '~') {
        unsigned char bad = lo < '!' ? lo : hi;
        return lm_err_set(err, LM_EFORMAT, r->path, line, r->count + 1,
                          "invalid quality byte %s in read '%s' (Phred+33 qualities are '!' "
                          "to '~')",
                          show_byte(bad, b), rec->name.s);
    }
    if (r->phred64) {
        if (lo < '@')
            return lm_err_set(err, LM_EFORMAT, r->path, line, r->count + 1,
                              "quality byte %s in read '%s' is below Phred+64's range "
                              "('@' = Q0); is this file really Phred+64?",
                              show_byte(lo, b), rec->name.s);
        for (size_t i = 0; i < rec->qual.l; i++) q[i] -= 31;
        return 0;
    }
    if (lo < '@') r->saw_low_qual = 1;
    /* Illumina's Phred+33 never exceeds 'K' (Q42); Phred+64 reaches 'K' at Q11. A byte
     * above 'K' before any byte below '@' means the whole file is Phred+64. */
    if (hi > 'K' && !r->saw_low_qual)
        return lm_err_set(err, LM_EFORMAT, r->path, line, r->count + 1,
                          "qualities look like Phred+64 (byte %s in read '%s', none below "
                          "'@' so far); "
                          "lumen reads Phred+33: convert with 'seqtk seq -Q64 -V' or pass "
                          "--phred64",
                          show_byte(hi, b), rec->name.s);
    return 0;
}

static int fail(lm_fq_reader_t *r, int code)
{
    r->failed = code;
    return code;
}

static int read_fastq(lm_fq_reader_t *r, lm_seqrec_t *rec, lm_err_t *err)
{
    /* r->buf holds the header line. */
    uint64_t hline = r->line, rno = r->count + 1;
    if (r->buf.s[0] != '@') {
        char b[16];
        return lm_err_set(err, LM_EFORMAT, r->path, hline, rno,
                          "expected a FASTQ header starting with '@', found %s",
                          show_byte((unsigned char)r->buf.s[0], b));
    }
    if (header_control(r, hline, rno, err)) return err->code;
    if (set_header(rec, r->buf.s + 1, r->buf.l - 1)) return LM_ENOMEM;
    rec->line = hline;
    rec->index = r->count;
    int ret = read_line(r, &rec->seq, err);
    if (ret == LM_EOF)
        return lm_err_set(err, LM_EFORMAT, r->path, hline, rno,
                          "file ends after the header of read '%s'", rec->name.s);
    if (ret < 0) return ret;
    uint64_t sline = r->line;
    ret = next_line(r, err);
    if (ret == LM_EOF)
        return lm_err_set(err, LM_EFORMAT, r->path, sline, rno,
                          "file ends after the sequence of read '%s' (no '+' line)", rec->name.s);
    if (ret < 0) return ret;
    if (r->buf.l == 0 || r->buf.s[0] != '+')
        return lm_err_set(err, LM_EFORMAT, r->path, r->line, rno,
                          "expected the '+' line of read '%s', found '%.40s'", rec->name.s,
                          r->buf.s);
    ret = read_line(r, &rec->qual, err);
    if (ret == LM_EOF)
        return lm_err_set(err, LM_EFORMAT, r->path, r->line, rno,
                          "file ends before the quality line of read '%s'", rec->name.s);
    if (ret < 0) return ret;
    if (rec->qual.l != rec->seq.l)
        return lm_err_set(err, LM_EFORMAT, r->path, r->line, rno,
                          "quality length %zu != sequence length %zu in read '%s'", rec->qual.l,
                          rec->seq.l, rec->name.s);
    if ((ret = check_bases(r, rec, sline, err))) return ret;
    if ((ret = check_quals(r, rec, r->line, err))) return ret;
    return 0;
}

static int read_fasta(lm_fq_reader_t *r, lm_seqrec_t *rec, lm_err_t *err)
{
    /* r->buf holds the header line. */
    uint64_t hline = r->line, rno = r->count + 1;
    if (r->buf.s[0] != '>') {
        char b[16];
        return lm_err_set(err, LM_EFORMAT, r->path, hline, rno,
                          "expected a FASTA header starting with '>', found %s",
                          show_byte((unsigned char)r->buf.s[0], b));
    }
    if (header_control(r, hline, rno, err)) return err->code;
    if (set_header(rec, r->buf.s + 1, r->buf.l - 1)) return LM_ENOMEM;
    rec->line = hline;
    rec->index = r->count;
    rec->seq.l = 0;
    rec->qual.l = 0;
    if (kputsn("", 0, &rec->qual) < 0) return LM_ENOMEM;
    int ret;
    while ((ret = next_line(r, err)) >= 0) {
        if (r->buf.l > 0 && r->buf.s[0] == '>') {
            r->has_pending = 1;
            break;
        }
        if (kputsn(r->buf.s, r->buf.l, &rec->seq) < 0) return LM_ENOMEM;
    }
    if (ret < LM_EOF) return ret;
    if (!rec->seq.s && kputsn("", 0, &rec->seq) < 0) return LM_ENOMEM;
    return check_bases(r, rec, hline + 1, err);
}

int lm_fq_read(lm_fq_reader_t *r, lm_seqrec_t *rec, lm_err_t *err)
{
    if (r->failed) {
        if (r->failed != LM_EOF && err && !err->code)
            lm_err_set(err, r->failed, r->path, r->line, r->count + 1,
                       "reading after an earlier error");
        return r->failed;
    }
    int ret;
    if (r->has_pending) {
        r->has_pending = 0; /* the header is already in r->buf */
    } else {
        /* Skip blank lines between records (and trailing ones at the end). */
        do {
            ret = next_line(r, err);
        } while (ret == 0);
        if (ret < 0) return fail(r, ret);
    }
    if (r->fmt == LM_FMT_UNKNOWN) {
        unsigned char c = (unsigned char)r->buf.s[0];
        if (c == '@')
            r->fmt = LM_FMT_FASTQ;
        else if (c == '>')
            r->fmt = LM_FMT_FASTA;
        else {
            char b[16];
            return fail(r, lm_err_set(err, LM_EFORMAT, r->path, r->line, 1,
                                      "not FASTQ or FASTA: the first byte is %s, not '@' "
                                      "or '>'",
                                      show_byte(c, b)));
        }
    }
    ret = r->fmt == LM_FMT_FASTQ ? read_fastq(r, rec, err) : read_fasta(r, rec, err);
    if (ret < 0) {
        if (ret == LM_ENOMEM)
            lm_err_set(err, LM_ENOMEM, r->path, r->line, r->count + 1, "out of memory");
        return fail(r, ret);
    }
    r->count++;
    return 0;
}
