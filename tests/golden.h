/*
 * golden.h - what the golden-file tests share: the escapes of the files in tests/golden/ (\t \n \r
 * \\ \xHH).
 */
#ifndef FJ_TESTS_GOLDEN_H
#define FJ_TESTS_GOLDEN_H

#include <stdlib.h>

/* Unescape s[0..n) into out (same size or more); returns the length. */
static inline size_t unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            out[o++] = s[i];
            continue;
        }
        char c = s[++i];
        if (c == 't')
            out[o++] = '\t';
        else if (c == 'n')
            out[o++] = '\n';
        else if (c == 'r')
            out[o++] = '\r';
        else if (c == 'x' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else
            out[o++] = c;
    }
    return o;
}

#endif /* FJ_TESTS_GOLDEN_H */
