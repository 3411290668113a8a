/* SPDX-License-Identifier: MIT */
/* Error objects and the mapping from lumen status codes to sysexits codes. */
#include <stdio.h>
#include <string.h>

#include "lumen/util.h"

void lm_err_clear(lm_err_t *err)
{
    if (!err) return;
    memset(err, 0, sizeof(*err));
}

int lm_err_set_fl(lm_err_t *err, const char *src_file, int src_line, int code, const char *path,
                  uint64_t line, uint64_t record, const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    err->src_file = src_file;
    err->src_line = src_line;
    err->line = line;
    err->record = record;
    snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void lm_err_copy(lm_err_t *dst, const lm_err_t *src)
{
    if (dst && src && dst != src) memcpy(dst, src, sizeof(*dst));
}

const char *lm_err_format(const lm_err_t *err, char *buf, size_t size)
{
    size_t n = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__);                          \
        if (w_ > 0) n += (size_t)w_;                                                               \
    } while (0)
    if (size == 0) return buf;
    buf[0] = '\0';
    if (err->path[0]) {
        PUT("%s:", err->path);
        if (err->line) PUT("%llu:", (unsigned long long)err->line);
        PUT(" ");
    }
    PUT("%s", err->msg[0] ? err->msg : lm_strerror(err->code));
    if (err->record) PUT(" (record %llu)", (unsigned long long)err->record);
    if (err->code == LM_EINTERNAL && err->src_file) {
        const char *s = strstr(err->src_file, "src/");
        PUT(" [%s:%d]", s ? s : err->src_file, err->src_line);
    }
#undef PUT
    return buf;
}

int lm_exit_code(int code)
{
    switch (code) {
    case LM_OK:
    case LM_EOF:
        return 0;
    case LM_EUSAGE:
        return 64;
    case LM_EFORMAT:
        return 65;
    case LM_ENOINPUT:
        return 66;
    case LM_ECREATE:
        return 73;
    case LM_EIO:
        return 74;
    case LM_EINTERRUPT:
        return 130;
    case LM_EINTERNAL:
    case LM_ENOMEM:
    default:
        return 70;
    }
}

const char *lm_strerror(int code)
{
    switch (code) {
    case LM_OK:
        return "success";
    case LM_EOF:
        return "end of input";
    case LM_EUSAGE:
        return "usage error";
    case LM_EFORMAT:
        return "bad input data";
    case LM_ENOINPUT:
        return "cannot open input";
    case LM_EINTERNAL:
        return "internal error";
    case LM_ENOMEM:
        return "out of memory";
    case LM_ECREATE:
        return "cannot create output";
    case LM_EIO:
        return "input/output error";
    case LM_EINTERRUPT:
        return "interrupted";
    default:
        return "unknown error";
    }
}
