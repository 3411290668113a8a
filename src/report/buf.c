/* SPDX-License-Identifier: MIT */
/* The page is built in memory (a few hundred KB) and written once: a growing buffer, and
 * the HTML escaper every input string goes through. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

void rb_free(rbuf_t *b)
{
    free(b->s);
    *b = (rbuf_t){0};
}

static int grow(rbuf_t *b, size_t add)
{
    if (b->oom) return -1;
    if (b->n + add + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 32;
    while (cap < b->n + add + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void rb_putn(rbuf_t *b, const char *s, size_t n)
{
    if (grow(b, n)) return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

void rb_put(rbuf_t *b, const char *s)
{
    rb_putn(b, s, strlen(s));
}

void rb_printf(rbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0 || grow(b, (size_t)k)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

void rb_esc(rbuf_t *b, const char *s)
{
    if (!s) return;
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            /* C0 controls other than tab/LF/CR (and DEL) are not allowed in HTML text */
            if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
                rep = "\xEF\xBF\xBD";
        }
        if (!rep) continue;
        rb_putn(b, run, (size_t)((const char *)p - run));
        rb_put(b, rep);
        run = (const char *)p + 1;
    }
    rb_put(b, run);
}

void rb_href(rbuf_t *b, const char *s)
{
    /* a relative or absolute file path as a URL path: unreserved bytes and '/' as they
     * are, everything else (space, '#', '?', '%', quotes, non-ASCII) percent-encoded, so
     * the result needs no further HTML escaping */
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p)) {
            char c = (char)*p;
            rb_putn(b, &c, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rb_putn(b, e, 3);
        }
    }
}

char *lm_report_escape(const char *s)
{
    rbuf_t b = {0};
    rb_put(&b, "");
    rb_esc(&b, s ? s : "");
    if (b.oom) {
        rb_free(&b);
        return NULL;
    }
    return b.s;
}

void rb_num(rbuf_t *b, double v, int sig)
{
    if (isnan(v)) {
        rb_put(b, "NA");
        return;
    }
    if (isinf(v)) {
        rb_put(b, v > 0 ? "Inf" : "-Inf");
        return;
    }
    char s[64];
    double a = fabs(v);
    snprintf(s, sizeof(s), "%.*g", sig, v);
    /* %g chooses an exponent for large numbers too (123456 at 4 digits): print those whole */
    if (strchr(s, 'e') && a >= 1e-4 && a < 1e12) snprintf(s, sizeof(s), "%.0f", v);
    rb_put(b, s);
}

void rb_xy(rbuf_t *b, double v)
{
    char s[32];
    if (!isfinite(v)) v = 0;
    /* A coordinate comes from data scaled to the plot; a value far off the axis (a negative
     * count of -1e99 in a damaged qc/summary.tsv) lands far outside it. Clamp to a range
     * that no drawing reaches but that always fits s ("-1000000000.0"). */
    if (v > 1e9) v = 1e9;
    if (v < -1e9) v = -1e9;
    int k = snprintf(s, sizeof(s), "%.1f", v);
    if (k > 2 && k < (int)sizeof(s) && s[k - 1] == '0' && s[k - 2] == '.')
        s[k - 2] = 0; /* "12.0" -> "12" */
    if (!strcmp(s, "-0")) strcpy(s, "0");
    rb_put(b, s);
}
