/* SPDX-License-Identifier: MIT */
/* A small streaming JSON writer: enough for run summaries and QC records. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "lumen/util.h"

void lm_json_init(lm_json_t *j, FILE *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->first[0] = 1;
}

static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* Comma, newline, indentation and "key": for the next item at the current depth. */
static void item(lm_json_t *j, const char *key)
{
    if (j->depth > 0) {
        if (!j->first[j->depth]) fputc(',', j->out);
        fputc('\n', j->out);
        for (int i = 0; i < j->depth; i++) fputs("  ", j->out);
    }
    j->first[j->depth] = 0;
    if (key) {
        put_string(j->out, key);
        fputs(": ", j->out);
    }
}

static void open_(lm_json_t *j, const char *key, char c)
{
    item(j, key);
    fputc(c, j->out);
    if (j->depth < 31) j->depth++;
    j->first[j->depth] = 1;
}

static void close_(lm_json_t *j, char c)
{
    int empty = j->first[j->depth];
    if (j->depth > 0) j->depth--;
    if (!empty) {
        fputc('\n', j->out);
        for (int i = 0; i < j->depth; i++) fputs("  ", j->out);
    }
    fputc(c, j->out);
}

void lm_json_object_begin(lm_json_t *j, const char *key)
{
    open_(j, key, '{');
}

void lm_json_object_end(lm_json_t *j)
{
    close_(j, '}');
}

void lm_json_array_begin(lm_json_t *j, const char *key)
{
    open_(j, key, '[');
}

void lm_json_array_end(lm_json_t *j)
{
    close_(j, ']');
}

void lm_json_string(lm_json_t *j, const char *key, const char *value)
{
    item(j, key);
    if (value)
        put_string(j->out, value);
    else
        fputs("null", j->out);
}

void lm_json_int(lm_json_t *j, const char *key, int64_t value)
{
    item(j, key);
    fprintf(j->out, "%" PRId64, value);
}

void lm_json_uint(lm_json_t *j, const char *key, uint64_t value)
{
    item(j, key);
    fprintf(j->out, "%" PRIu64, value);
}

void lm_json_double(lm_json_t *j, const char *key, double value)
{
    item(j, key);
    if (isfinite(value))
        fprintf(j->out, "%.10g", value);
    else
        fputs("null", j->out);
}

void lm_json_bool(lm_json_t *j, const char *key, int value)
{
    item(j, key);
    fputs(value ? "true" : "false", j->out);
}

void lm_json_finish(lm_json_t *j)
{
    fputc('\n', j->out);
}
