/*
 * utf8.c - strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF), decoding and encoding. Linear in the input, no allocation; plain ASCII is checked
 * eight bytes at a time.
 */
#include "core/fj_internal.h"

#include <string.h>

#define ONES 0x0101010101010101ull
#define HIGH (0x80 * ONES)

/* Whether none of the eight bytes has its high bit set (and, when `no_nul`, none is zero). */
static inline bool plain_ascii8(const unsigned char *p, bool no_nul)
{
    uint64_t w;
    memcpy(&w, p, 8);
    if (w & HIGH)
        return false;
    return !no_nul || !((w - ONES) & ~w & HIGH);
}

long long fj__utf8_check(const char *str, size_t len, bool reject_nul)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            /* plain ASCII: eight bytes at a time */
            while (i + 8 <= len && plain_ascii8(s + i, reject_nul))
                i += 8;
            while (i < len && s[i] < 0x80) {
                if (s[i] == 0 && reject_nul)
                    return -(long long)i - 1;
                i++;
            }
            continue;
        }
        if (c >= 0xE1 && c <= 0xEC && len - i > 2 && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80) { /* most of the BMP (all CJK): no special case */
            i += 3;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return -(long long)i - 1;
        }
        if (len - i <= n)
            return -(long long)i - 1;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return -(long long)i - 1;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return -(long long)i - 1;
        i += n + 1;
    }
    return (long long)len;
}

uint32_t fj__utf8_next(const char *str, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t k = *i;
    uint32_t c = s[k];
    if (c < 0x80 || k + 1 >= len) {
        *i = k + 1;
        return c;
    }
    if (c < 0xE0) {
        *i = k + 2;
        return ((c & 0x1F) << 6) | (s[k + 1] & 0x3F);
    }
    if (c < 0xF0 && k + 2 < len) {
        *i = k + 3;
        return ((c & 0x0F) << 12) | ((uint32_t)(s[k + 1] & 0x3F) << 6) | (s[k + 2] & 0x3F);
    }
    if (k + 3 < len) {
        *i = k + 4;
        return ((c & 0x07) << 18) | ((uint32_t)(s[k + 1] & 0x3F) << 12) |
               ((uint32_t)(s[k + 2] & 0x3F) << 6) | (s[k + 3] & 0x3F);
    }
    *i = len;
    return 0xFFFD;
}

size_t fj__utf8_put(char *buf, uint32_t cp)
{
    unsigned char *b = (unsigned char *)buf;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (unsigned char)(0xF0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- plain words (fj__next_word) ---- */

static bool word_separator(uint32_t c)
{
    if (c < 0x80)
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    return c <= 0xBF || (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
           (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

bool fj__next_word(const char *text, size_t len, size_t *pos, uint64_t *hash)
{
    size_t i = *pos;
    uint32_t c = 0;
    do {
        if (i >= len) {
            *pos = len;
            return false;
        }
        c = fj__utf8_next(text, len, &i);
    } while (word_separator(c));
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a over the code points */
    if (c >= 0x2E80) {
        h = (h ^ c) * 0x100000001b3ULL;
    } else {
        for (;;) {
            if (c >= 'A' && c <= 'Z')
                c += 'a' - 'A';
            h = (h ^ c) * 0x100000001b3ULL;
            if (i >= len)
                break;
            size_t j = i;
            uint32_t d = fj__utf8_next(text, len, &j);
            if (word_separator(d) || d >= 0x2E80)
                break;
            c = d;
            i = j;
        }
    }
    *pos = i;
    if (hash)
        *hash = h;
    return true;
}
