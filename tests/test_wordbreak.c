/*
 * test_wordbreak.c - the ASCII word breaker (text/wordbreak.c) gives ICU's word boundaries and
 * tells words from the rest as ICU's rule status does: on every string of up to five characters
 * drawn from one representative of each character class (and a few more), on every string of
 * two and three printable ASCII characters, and on every printable ASCII stretch of the
 * project's corpus (its four JSONL files, read as text).
 */
#include "text/wordbreak.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>

/* Compare the breaker with ICU's iterator `it` on s[0, n) (printable ASCII); false (and a
 * message) on the first difference. */
static bool same_as_icu(UBreakIterator *it, const char *s, size_t n)
{
    UChar u[512];
    cr_assert(n <= sizeof u / sizeof u[0]);
    for (size_t i = 0; i < n; i++)
        u[i] = (unsigned char)s[i];
    UErrorCode ue = U_ZERO_ERROR;
    ubrk_setText(it, u, (int32_t)n, &ue);
    cr_assert(U_SUCCESS(ue));
    ubrk_first(it);
    size_t a = 0;
    int32_t b;
    while ((b = ubrk_next(it)) != UBRK_DONE) {
        bool word = ubrk_getRuleStatus(it) >= UBRK_WORD_NONE_LIMIT, fw;
        size_t fb = fj__ascii_wb_next(s, n, a, &fw);
        if (fb != (size_t)b || fw != word) {
            cr_log_error("\"%.*s\": from %zu ICU gives %d (%s), the breaker %zu (%s)", (int)n, s, a,
                         (int)b, word ? "word" : "none", fb, fw ? "word" : "none");
            return false;
        }
        a = fb;
    }
    if (a != n) {
        cr_log_error("\"%.*s\": ICU ends at %zu", (int)n, s, a);
        return false;
    }
    return true;
}

static UBreakIterator *icu_words(void)
{
    UErrorCode ue = U_ZERO_ERROR;
    UBreakIterator *it = ubrk_open(UBRK_WORD, "", NULL, 0, &ue);
    cr_assert(U_SUCCESS(ue) && it);
    return it;
}

Test(wordbreak, covers_printable_ascii_only)
{
    cr_expect(fj__ascii_wb_covers("a b.c_@ ~!", 10));
    cr_expect(fj__ascii_wb_covers("", 0));
    cr_expect(!fj__ascii_wb_covers("a\tb", 3));
    cr_expect(!fj__ascii_wb_covers("a\nb", 3));
    cr_expect(!fj__ascii_wb_covers("a\x7f", 2));
    cr_expect(!fj__ascii_wb_covers("caf\xc3\xa9", 5));
}

Test(wordbreak, known_cases)
{
    const char *s = "e.g. 1,000.50 don't a_b x@y.com 1.a a.1 :) ";
    size_t n = strlen(s), a = 0;
    const char *want[] = {"e.g", ".",       " ", "1,000.50", " ", "don't", " ", "a_b",
                          " ",   "x@y.com", " ", "1",        ".", "a",     " ", "a",
                          ".",   "1",       " ", ":",        ")", " "};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        bool w;
        size_t b = fj__ascii_wb_next(s, n, a, &w);
        cr_expect(b - a == strlen(want[k]) && memcmp(s + a, want[k], b - a) == 0,
                  "segment %zu: \"%.*s\", expected \"%s\"", k, (int)(b - a), s + a, want[k]);
        a = b;
    }
    cr_expect(a == n);
}

Test(wordbreak, every_short_string_as_icu)
{
    /* one character of each class, and the ones ICU's rules name: letters of both cases, digit,
     * '@' (a letter to ICU), '_' (ExtendNumLet), '.' '\'' (MidNumLet), ',' ';' (MidNum), ':'
     * (MidLetter in UAX #29, not in ICU), space, and other punctuation */
    static const char alpha[] = "aZ5_@.',;: -#\"";
    const size_t na = sizeof alpha - 1;
    UBreakIterator *it = icu_words();
    char s[5];
    size_t checked = 0;
    for (size_t len = 1; len <= 5; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= na;
        for (size_t x = 0; x < total; x++) {
            size_t y = x;
            for (size_t i = 0; i < len; i++, y /= na)
                s[i] = alpha[y % na];
            cr_assert(same_as_icu(it, s, len));
            checked++;
        }
    }
    cr_expect(checked > 500000);
    ubrk_close(it);
}

Test(wordbreak, every_printable_triple_as_icu)
{
    UBreakIterator *it = icu_words();
    char s[3];
    for (int x = 0x20; x < 0x7F; x++)
        for (int y = 0x20; y < 0x7F; y++)
            for (int z = 0x20; z < 0x7F; z++) {
                s[0] = (char)x;
                s[1] = (char)y;
                s[2] = (char)z;
                cr_assert(same_as_icu(it, s, 3));
                cr_assert(same_as_icu(it, s + 1, 2));
            }
    ubrk_close(it);
}

Test(wordbreak, corpus_lines_as_icu)
{
    static const char *files[] = {"/../corpus/en-a.jsonl", "/../corpus/en-b.jsonl",
                                  "/../corpus/zh-a.jsonl", "/../corpus/zh-b.jsonl"};
    UBreakIterator *it = icu_words();
    size_t lines = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s%s", FJ_TEST_DATADIR, files[f]);
        FILE *fp = fopen(path, "r");
        cr_assert(fp, "cannot open %s", path);
        char line[65536];
        while (fgets(line, sizeof line, fp)) {
            size_t n = strcspn(line, "\n");
            /* the printable ASCII stretches of the line, up to 512 bytes each */
            for (size_t a = 0; a < n;) {
                size_t b = a;
                while (b < n && b - a < 512 && fj__ascii_wb_covers(line + b, 1))
                    b++;
                if (b > a) {
                    cr_assert(same_as_icu(it, line + a, b - a), "%s", path);
                    lines++;
                }
                a = b > a ? b : a + 1;
            }
        }
        fclose(fp);
    }
    cr_expect(lines > 1000);
    ubrk_close(it);
}
