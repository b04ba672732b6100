/*
 * buf.c - a growable byte buffer (always NUL-terminated) and JSON string escaping.
 */
#include "core/fj_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool fj__buf_reserve(fj_buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return false;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d)
        return false;
    b->data = d;
    b->cap = cap;
    return true;
}

bool fj__buf_append(fj_buf *b, const void *data, size_t len)
{
    if (!fj__buf_reserve(b, len))
        return false;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

bool fj__buf_printf(fj_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !fj__buf_reserve(b, (size_t)n))
        return false;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

size_t fj__terminal_control(const char *s, size_t len, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len >= 1 && u[0] == 0x7f) {
        *cp = 0x7f;
        return 1;
    }
    if (len >= 2 && u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) { /* C1: U+0080..U+009F */
        *cp = u[1];
        return 2;
    }
    if (len >= 2 && u[0] == 0xd8 && u[1] == 0x9c) { /* U+061C ARABIC LETTER MARK */
        *cp = 0x061c;
        return 2;
    }
    if (len >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
        (u[2] == 0x8e || u[2] == 0x8f || (u[2] >= 0xa8 && u[2] <= 0xae))) {
        *cp = 0x2000u + (u[2] & 0x3fu); /* LRM, RLM; U+2028..U+202E separators, embeddings */
        return 3;
    }
    if (len >= 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9) {
        *cp = 0x2040u + (u[2] & 0x3fu); /* U+2066..U+2069 isolates */
        return 3;
    }
    return 0;
}

bool fj__buf_json_string(fj_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (!fj__buf_reserve(b, len + 2))
        return false;
    b->data[b->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && c != 0xc2 && c != 0xd8 && c != 0xe2)
            continue;
        if (c >= 0x20 && c != '"' && c != '\\') {
            /* characters a terminal acts on (DEL, C1, bidi controls, line separators) are
             * written as \uXXXX: the same JSON value, harmless when shown raw */
            unsigned cp;
            size_t n = fj__terminal_control(s + i, len - i, &cp);
            if (n == 0)
                continue;
            char esc[7] = {
                '\\',         'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
                hex[cp & 15], 0};
            if (!fj__buf_append(b, s + run, i - run) || !fj__buf_append(b, esc, 6))
                return false;
            i += n - 1;
            run = i + 1;
            continue;
        }
        if (!fj__buf_append(b, s + run, i - run))
            return false;
        char esc[7] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if (!fj__buf_append(b, esc, n))
            return false;
        run = i + 1;
    }
    return fj__buf_append(b, s + run, len - run) && fj__buf_append(b, "\"", 1);
}

void fj__buf_free(fj_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
