/*
 * fuzz_wordbreak.c - libFuzzer target: the ASCII word breaker (text/wordbreak.c) against ICU's
 * word break iterator. Each input byte is mapped into printable ASCII (0x20 to 0x7E, so every
 * input is text the breaker reads); both must give the same boundaries, and the breaker must
 * call a segment a word exactly when ICU's rule status is at least UBRK_WORD_NONE_LIMIT. The
 * tokenizer takes one or the other for a stretch of printable ASCII, so any difference here
 * would be a token that depends on the path.
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
    return 0;
}
