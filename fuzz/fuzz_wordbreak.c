/*
 * fuzz_wordbreak.c - libFuzzer target: the ASCII word breaker (text/wordbreak.c) against ICU's
 * word break iterator. Each input byte is mapped into printable ASCII (0x20 to 0x7E, so every
 * input is text the breaker reads); both must give the same boundaries, and the breaker must
 * call a segment a word exactly when ICU's rule status is at least UBRK_WORD_NONE_LIMIT. The
 * tokenizer takes one or the other for a stretch of printable ASCII, so any difference here
 * would be a token that depends on the path. Then the same input again with the bytes from 0xF4
 * up read as the Chinese punctuation of fj__han_punct3 (、 。 《 》 「 」 『 』 【 】 “ ”), through
 * the mixed breaker (fj__mixed_wb_next, what the tokenizer uses between two Han runs), against
 * ICU on the same text.
 */
#include "text/wordbreak.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_wordbreak: check failed at line %d: %s\n", __LINE__, #cond);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_LEN 4096

static UBreakIterator *it; /* one iterator for the whole run, as the tokenizer keeps one */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char s[MAX_LEN];
    static UChar u[MAX_LEN];
    UErrorCode ue = U_ZERO_ERROR;
    if (!it) {
        it = ubrk_open(UBRK_WORD, "", NULL, 0, &ue);
        CHECK(U_SUCCESS(ue) && it);
    }
    size_t n = size < MAX_LEN ? size : MAX_LEN;
    for (size_t i = 0; i < n; i++) {
        s[i] = (char)(0x20 + data[i] % 95);
        u[i] = (UChar)(unsigned char)s[i];
    }
    CHECK(fj__ascii_wb_covers(s, n));
    ubrk_setText(it, u, (int32_t)n, &ue);
    CHECK(U_SUCCESS(ue));
    ubrk_first(it);
    size_t a = 0;
    int32_t b;
    while ((b = ubrk_next(it)) != UBRK_DONE) {
        bool word;
        size_t fb = fj__ascii_wb_next(s, n, a, &word);
        CHECK(fb == (size_t)b);
        CHECK(word == (ubrk_getRuleStatus(it) >= UBRK_WORD_NONE_LIMIT));
        a = fb;
    }
    CHECK(a == n);

    /* the mixed breaker: bytes from 0xF4 up become one of the twelve punctuation characters */
    static const char *const punct[12] = {"\xe3\x80\x81", "\xe3\x80\x82", "\xe3\x80\x8a",
                                          "\xe3\x80\x8b", "\xe3\x80\x8c", "\xe3\x80\x8d",
                                          "\xe3\x80\x8e", "\xe3\x80\x8f", "\xe3\x80\x90",
                                          "\xe3\x80\x91", "\xe2\x80\x9c", "\xe2\x80\x9d"};
    static char m[3 * MAX_LEN];
    static size_t byte_of[MAX_LEN + 1];
    size_t nm = 0;
    for (size_t i = 0; i < n; i++) {
        byte_of[i] = nm;
        if (data[i] >= 0xF4) {
            const char *p = punct[data[i] - 0xF4];
            memcpy(m + nm, p, 3);
            u[i] = (UChar)((((unsigned char)p[0] & 0x0F) << 12) |
                           (((unsigned char)p[1] & 0x3F) << 6) | ((unsigned char)p[2] & 0x3F));
            nm += 3;
        } else {
            m[nm++] = s[i];
            u[i] = (UChar)(unsigned char)s[i];
        }
    }
    byte_of[n] = nm;
    CHECK(fj__mixed_wb_covers(m, nm));
    ubrk_setText(it, u, (int32_t)n, &ue);
    CHECK(U_SUCCESS(ue));
    ubrk_first(it);
    size_t end = 0;
    a = 0;
    while ((b = ubrk_next(it)) != UBRK_DONE) {
        bool word;
        size_t fb = fj__mixed_wb_next(m, nm, a, &end, &word);
        CHECK(fb == byte_of[b]);
        CHECK(word == (ubrk_getRuleStatus(it) >= UBRK_WORD_NONE_LIMIT));
        a = fb;
    }
    CHECK(a == nm);
    return 0;
}
