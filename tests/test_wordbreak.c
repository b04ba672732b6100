/*
 * test_wordbreak.c - the ASCII word breaker (text/wordbreak.c) gives ICU's word boundaries and
 * tells words from the rest as ICU's rule status does: on every string of up to five characters
 * drawn from one representative of each character class (and a few more), on every string of
 * two and three printable ASCII characters, and on every printable ASCII stretch of the
 * project's corpus (its four JSONL files, read as text). And that ICU segments a run of Han
 * characters bounded by ASCII or the punctuation of fj__han_bound_at the same alone as inside its
 * text (the tokenizer memoizes such runs), on every line of the corpus and on made-up texts. And
 * that the mixed breaker (printable ASCII with that punctuation, each punctuation character a
 * segment of its own: what lies between two Han runs) gives ICU's boundaries on every string of up
 * to four of those characters' representatives and on the corpus's stretches of them.
 */
#include "text/text.h"
#include "text/wordbreak.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/utf8.h>

/* Compare a breaker with ICU's iterator `it` on s[0, n): the ASCII breaker (printable ASCII) or,
 * `mixed`, fj__mixed_wb_next (printable ASCII and the punctuation of fj__han_punct3); false (and
 * a message) on the first difference. */
static bool same_as_icu(UBreakIterator *it, const char *s, size_t n, bool mixed)
{
    UChar u[512];
    size_t byte_of[513];
    int32_t nu = 0;
    for (size_t i = 0; i < n;) {
        UChar32 c;
        int32_t ii = (int32_t)i;
        U8_NEXT(s, ii, (int32_t)n, c);
        cr_assert(c >= 0 && c < 0x10000 && nu < 512);
        byte_of[nu] = i;
        u[nu++] = (UChar)c;
        i = (size_t)ii;
    }
    byte_of[nu] = n;
    UErrorCode ue = U_ZERO_ERROR;
    ubrk_setText(it, u, nu, &ue);
    cr_assert(U_SUCCESS(ue));
    ubrk_first(it);
    size_t a = 0, end = 0;
    int32_t b;
    while ((b = ubrk_next(it)) != UBRK_DONE) {
        bool word = ubrk_getRuleStatus(it) >= UBRK_WORD_NONE_LIMIT, fw;
        size_t fb = mixed ? fj__mixed_wb_next(s, n, a, &end, &fw) : fj__ascii_wb_next(s, n, a, &fw);
        if (fb != byte_of[b] || fw != word) {
            cr_log_error("\"%.*s\": from byte %zu ICU gives %zu (%s), the breaker %zu (%s)", (int)n,
                         s, a, byte_of[b], word ? "word" : "none", fb, fw ? "word" : "none");
            return false;
        }
        a = fb;
    }
    if (a != n) {
        cr_log_error("\"%.*s\": ICU ends at byte %zu", (int)n, s, a);
        return false;
    }
    return true;
}

/* Every string of 1 to `max_len` of the `na` pieces alpha[] compared with ICU (same_as_icu); the
 * number of strings. */
static UBreakIterator *icu_words(void);

static size_t every_string_as_icu(const char *const *alpha, size_t na, size_t max_len, bool mixed)
{
    UBreakIterator *it = icu_words();
    char s[64];
    size_t checked = 0;
    for (size_t len = 1; len <= max_len; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= na;
        for (size_t x = 0; x < total; x++) {
            size_t y = x, n = 0;
            for (size_t i = 0; i < len; i++, y /= na) {
                size_t l = strlen(alpha[y % na]);
                cr_assert(n + l <= sizeof s);
                memcpy(s + n, alpha[y % na], l);
                n += l;
            }
            cr_assert(!mixed || fj__mixed_wb_covers(s, n));
            cr_assert(same_as_icu(it, s, n, mixed));
            checked++;
        }
    }
    ubrk_close(it);
    return checked;
}

/* The corpus file `name` ("/../corpus/...", from the tests' folder), open for reading. */
static FILE *open_corpus(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s", FJ_TEST_DATADIR, name);
    FILE *fp = fopen(path, "r");
    cr_assert(fp, "cannot open %s", path);
    return fp;
}

/* Every stretch of the corpus's four JSONL files (read as text) that the breaker reads, up to 500
 * bytes each, compared with ICU (same_as_icu); the number of stretches, and in *with_punct those
 * holding Chinese punctuation. */
static size_t corpus_as_icu(bool mixed, size_t *with_punct)
{
    UBreakIterator *it = icu_words();
    static const char *files[] = {"/../corpus/en-a.jsonl", "/../corpus/en-b.jsonl",
                                  "/../corpus/zh-a.jsonl", "/../corpus/zh-b.jsonl"};
    size_t pieces = 0;
    *with_punct = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        FILE *fp = open_corpus(files[f]);
        static char line[1 << 20];
        while (fgets(line, sizeof line, fp)) {
            size_t n = strcspn(line, "\n");
            for (size_t a = 0; a < n;) {
                size_t b = a;
                bool punct = false;
                while (b < n && b - a < 500) {
                    if (fj__ascii_wb_covers(line + b, 1)) {
                        b++;
                    } else if (mixed && b + 3 <= n &&
                               fj__han_punct3((const unsigned char *)line + b)) {
                        b += 3;
                        punct = true;
                    } else {
                        break;
                    }
                }
                if (b > a) {
                    cr_assert(!mixed || fj__mixed_wb_covers(line + a, b - a));
                    cr_assert(same_as_icu(it, line + a, b - a, mixed), "%s", files[f]);
                    pieces++;
                    *with_punct += punct;
                }
                a = b > a ? b : a + 1;
            }
        }
        fclose(fp);
    }
    ubrk_close(it);
    return pieces;
}

/* The comparisons with ICU hold for the ICU the shortcuts were checked against only. */
#define SKIP_UNLESS_CHECKED_ICU()                                                                  \
    do {                                                                                           \
        if (!FJ__WB_FAST)                                                                          \
            cr_skip_test("built with ICU %d; the rules were checked against ICU %d",               \
                         U_ICU_VERSION_MAJOR_NUM, FJ__WB_ICU_MAJOR);                               \
    } while (0)

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
    SKIP_UNLESS_CHECKED_ICU();
    /* one character of each class, and the ones ICU's rules name: letters of both cases, digit,
     * '@' (a letter to ICU), '_' (ExtendNumLet), '.' '\'' (MidNumLet), ',' ';' (MidNum), ':'
     * (MidLetter in UAX #29, not in ICU), space, and other punctuation */
    static const char *const alpha[] = {"a", "Z", "5", "_", "@", ".", "'",
                                        ",", ";", ":", " ", "-", "#", "\""};
    cr_expect(every_string_as_icu(alpha, sizeof alpha / sizeof alpha[0], 5, false) > 500000);
}

Test(wordbreak, every_printable_triple_as_icu)
{
    SKIP_UNLESS_CHECKED_ICU();
    UBreakIterator *it = icu_words();
    char s[3];
    for (int x = 0x20; x < 0x7F; x++)
        for (int y = 0x20; y < 0x7F; y++)
            for (int z = 0x20; z < 0x7F; z++) {
                s[0] = (char)x;
                s[1] = (char)y;
                s[2] = (char)z;
                cr_assert(same_as_icu(it, s, 3, false));
                cr_assert(same_as_icu(it, s + 1, 2, false));
            }
    ubrk_close(it);
}

Test(wordbreak, corpus_lines_as_icu)
{
    SKIP_UNLESS_CHECKED_ICU();
    size_t with_punct;
    cr_expect(corpus_as_icu(false, &with_punct) > 1000);
}

Test(wordbreak, mixed_covers_ascii_and_han_bounds_only)
{
    SKIP_UNLESS_CHECKED_ICU();
    cr_expect(fj__mixed_wb_covers("a\xe3\x80\x81"
                                  "1. \xe2\x80\x9c",
                                  10));
    cr_expect(fj__mixed_wb_covers("", 0));
    cr_expect(!fj__mixed_wb_covers("\xe3\x80\x81\xe5\x85\xac", 6)); /* 、公 */
    cr_expect(!fj__mixed_wb_covers("\xe3\x80", 2));                 /* cut short */
    cr_expect(!fj__mixed_wb_covers("a\nb", 3));
    cr_expect(!fj__mixed_wb_covers("\xc2\xb7", 2)); /* · */
}

Test(wordbreak, mixed_every_short_string_as_icu)
{
    SKIP_UNLESS_CHECKED_ICU();
    /* the ASCII classes' representatives and every punctuation character of fj__han_punct3 */
    static const char *const alpha[] = {"a",
                                        "Z",
                                        "5",
                                        "_",
                                        "@",
                                        ".",
                                        "'",
                                        ",",
                                        ";",
                                        ":",
                                        " ",
                                        "-",
                                        "\xe3\x80\x81",
                                        "\xe3\x80\x82",
                                        "\xe3\x80\x8a",
                                        "\xe3\x80\x8b",
                                        "\xe3\x80\x8c",
                                        "\xe3\x80\x8d",
                                        "\xe3\x80\x8e",
                                        "\xe3\x80\x8f",
                                        "\xe3\x80\x90",
                                        "\xe3\x80\x91",
                                        "\xe2\x80\x9c",
                                        "\xe2\x80\x9d"};
    cr_expect(every_string_as_icu(alpha, sizeof alpha / sizeof alpha[0], 4, true) > 300000);
}

Test(wordbreak, mixed_corpus_as_icu)
{
    SKIP_UNLESS_CHECKED_ICU();
    size_t with_punct;
    size_t pieces = corpus_as_icu(true, &with_punct);
    cr_expect(with_punct > 500, "%zu of %zu stretches with Chinese punctuation", with_punct,
              pieces);
}

#define RUN_MAX 4096

/* ICU's boundaries of UTF-8 s[0, n) (valid) as byte offsets: st[b] = the rule status of the
 * segment ending at b, -1 where there is no boundary. */
static void icu_bounds(UBreakIterator *it, const char *s, size_t n, int32_t *st)
{
    static UChar u[RUN_MAX];
    static size_t byte_of[RUN_MAX + 1];
    int32_t nu = 0;
    for (size_t i = 0; i < n;) {
        UChar32 c;
        size_t at = i;
        int32_t ii = (int32_t)i;
        U8_NEXT(s, ii, (int32_t)n, c);
        i = (size_t)ii;
        cr_assert(c >= 0);
        byte_of[nu] = at;
        U16_APPEND_UNSAFE(u, nu, c);
        if (c >= 0x10000)
            byte_of[nu - 1] = at;
    }
    byte_of[nu] = n;
    for (size_t b = 0; b <= n; b++)
        st[b] = -1;
    UErrorCode ue = U_ZERO_ERROR;
    ubrk_setText(it, u, nu, &ue);
    cr_assert(U_SUCCESS(ue));
    ubrk_first(it);
    int32_t b;
    while ((b = ubrk_next(it)) != UBRK_DONE)
        st[byte_of[b]] = ubrk_getRuleStatus(it);
}

/* Every bounded Han run of s[0, n) gets from ICU alone the boundaries and statuses it gets inside
 * s. The number of runs checked is added to *runs. */
static bool han_runs_as_in_text(UBreakIterator *it, const char *s, size_t n, size_t *runs)
{
    static int32_t whole[RUN_MAX + 1], alone[RUN_MAX + 1];
    const unsigned char *t = (const unsigned char *)s;
    icu_bounds(it, s, n, whole);
    for (size_t i = 0; i < n;) {
        UChar32 c;
        int32_t j = (int32_t)i;
        U8_NEXT(s, j, (int32_t)n, c);
        if (!fj__is_han((uint32_t)c)) {
            i = (size_t)j;
            continue;
        }
        size_t h1 = (size_t)j;
        while (h1 < n) {
            int32_t q = (int32_t)h1;
            U8_NEXT(s, q, (int32_t)n, c);
            if (!fj__is_han((uint32_t)c))
                break;
            h1 = (size_t)q;
        }
        if ((i == 0 || fj__han_bound_before(t, 0, i)) && (h1 == n || fj__han_bound_at(t, n, h1))) {
            icu_bounds(it, s + i, h1 - i, alone);
            for (size_t b = 1; b <= h1 - i; b++)
                if (alone[b] != whole[i + b] || (b < h1 - i && alone[b] < 0 && whole[i + b] >= 0)) {
                    cr_log_error(
                        "the Han run at byte %zu of \"%.*s\": at %zu ICU alone gives %d, in "
                        "the text %d",
                        i, (int)n, s, b, (int)alone[b], (int)whole[i + b]);
                    return false;
                }
            if (whole[i] < 0 && i > 0) {
                cr_log_error("no boundary before the Han run at byte %zu of \"%.*s\"", i, (int)n,
                             s);
                return false;
            }
            (*runs)++;
        }
        i = h1;
    }
    return true;
}

Test(wordbreak, bounded_han_runs_as_in_their_text)
{
    SKIP_UNLESS_CHECKED_ICU();
    UBreakIterator *it = icu_words();
    size_t runs = 0;
    /* made up: each bounding character between words ICU's dictionary knows, and next to
     * letters, digits, other punctuation and characters that do not bound a run */
    static const char *const bounds[] = {
        "\xe3\x80\x81", "\xe3\x80\x82", "\xe3\x80\x8a", "\xe3\x80\x8b", "\xe3\x80\x8c",
        "\xe3\x80\x8d", "\xe3\x80\x8e", "\xe3\x80\x8f", "\xe3\x80\x90", "\xe3\x80\x91",
        "\xe2\x80\x9c", "\xe2\x80\x9d", " ", "a", "1", ",", ".", ":",
        /* not bounds: ア ー (dictionary characters), a
         * combining acute (attaches to the Han before it:
         * treated as a bound, it fails this test), · */
        "\xe3\x82\xa2", "\xe3\x83\xbc", "\xcc\x81", "\xc2\xb7"};
    static const char *const words[] = {"\xe5\x85\xac\xe5\x8f\xb8", /* 公司 */
                                        "\xe6\x8b\x9b\xe8\x81\x98\xe5\xae\xa2\xe6\x9c\x8d",
                                        "\xe5\xbe\xae\xe4\xbf\xa1", /* 微信 */
                                        "\xe5\x85\xa5\xe8\x81\x8c", /* 入职 */
                                        "\xe4\xb8\x80",
                                        "\xe3\x80\x87", /* 一 〇 */
                                        "\xe6\x97\xa5\xe7\xbb\x93\xe5\xb7\xa5\xe8\xb5\x84"};
    const size_t nb = sizeof bounds / sizeof bounds[0], nw = sizeof words / sizeof words[0];
    char s[256];
    for (size_t a = 0; a < nw; a++)
        for (size_t x = 0; x < nb; x++)
            for (size_t b = 0; b < nw; b++)
                for (size_t y = 0; y < nb; y++) {
                    int n = snprintf(s, sizeof s, "%s%s%s%s%s", words[a], bounds[x], words[b],
                                     bounds[y], words[a]);
                    cr_assert(n > 0 && (size_t)n < sizeof s);
                    cr_assert(han_runs_as_in_text(it, s, (size_t)n, &runs));
                }
    /* the corpus: every line, cut into pieces of up to 2,000 bytes at ASCII characters */
    static const char *files[] = {"/../corpus/zh-a.jsonl", "/../corpus/zh-b.jsonl"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        FILE *fp = open_corpus(files[f]);
        static char line[1 << 20];
        while (fgets(line, sizeof line, fp)) {
            size_t n = strcspn(line, "\n");
            for (size_t a = 0; a < n;) {
                size_t b = a + 2000 < n ? a + 2000 : n;
                while (b < n && (unsigned char)line[b] >= 0x80)
                    b++;
                cr_assert(b - a < RUN_MAX);
                cr_assert(han_runs_as_in_text(it, line + a, b - a, &runs));
                a = b;
            }
        }
        fclose(fp);
    }
    cr_expect(runs > 10000, "%zu runs", runs);
    ubrk_close(it);
}
