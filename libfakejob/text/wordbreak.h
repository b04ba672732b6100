/*
 * wordbreak.h - ICU's word boundaries of printable ASCII text, found without ICU (wordbreak.c).
 * The tokenizer uses them for the stretches of text that hold nothing else; tests/test_wordbreak.c
 * and fuzz/fuzz_wordbreak.c check them against ICU's word break iterator. Also which characters
 * bound a run of Han characters that ICU segments the same alone as in its text (the tokenizer
 * memoizes such runs).
 */
#ifndef FJ_TEXT_WORDBREAK_H
#define FJ_TEXT_WORDBREAK_H

#include <stdbool.h>
#include <stddef.h>
#include <unicode/uversion.h>

/* The ICU major version whose rules the boundaries here were checked against
 * (tests/test_wordbreak.c). Built with another ICU, FJ__WB_FAST is 0: the tokenizer leaves every
 * boundary to ICU's iterator and Han runs are bounded by ASCII characters only, as before these
 * shortcuts, until the test is run against that ICU and this number moved. */
#define FJ__WB_ICU_MAJOR 72
#define FJ__WB_FAST (U_ICU_VERSION_MAJOR_NUM == FJ__WB_ICU_MAJOR)

/** Whether every byte of t[0, n) is printable ASCII (0x20 to 0x7E): text fj__ascii_wb_next
 *  reads. */
bool fj__ascii_wb_covers(const char *t, size_t n);

/** The first word boundary after a of text t[0, n) (all covered: fj__ascii_wb_covers), where a
 *  (< n) is a boundary: the one ICU's word break iterator (root locale, ICU 72's rules) gives.
 *  *word: whether the segment [a, that boundary) is a word (ICU's rule status at least
 *  UBRK_WORD_NONE_LIMIT: it holds a letter, '@' or a digit, or joins '_' to something). */
size_t fj__ascii_wb_next(const char *t, size_t n, size_t a, bool *word);

/** Whether t[0, n) holds only printable ASCII and fj__han_punct3's punctuation: text
 *  fj__mixed_wb_next reads. False when built with another ICU than FJ__WB_ICU_MAJOR. */
bool fj__mixed_wb_covers(const char *t, size_t n);

/** As fj__ascii_wb_next, for text that fj__mixed_wb_covers: each of fj__han_punct3's punctuation
 *  characters is a segment of its own (word-break class Other: ICU breaks on both sides of it and
 *  no rule reads across it, so the ASCII on either side segments as if the text ended there),
 *  not a word. *end is the caller's: the end of the ASCII stretch holding a, found again when a
 *  reaches it (set it to 0 before the first call on a text), so that a text is read once. */
size_t fj__mixed_wb_next(const char *t, size_t n, size_t a, size_t *end, bool *word);

/* Whether the three bytes at t are Chinese punctuation that bounds a run of Han characters as an
 * ASCII character does: 、 。 《 》 「 」 『 』 【 】 “ ” (word-break class Other: neither
 * letters, digits or mid-word punctuation, nor dictionary characters, nor marks that attach to
 * the character before them). */
static inline bool fj__han_punct3(const unsigned char *t)
{
    if (!FJ__WB_FAST)
        return false;
    if (t[0] == 0xE3 && t[1] == 0x80)
        return t[2] == 0x81 || t[2] == 0x82 || (t[2] >= 0x8A && t[2] <= 0x91);
    return t[0] == 0xE2 && t[1] == 0x80 && (t[2] == 0x9C || t[2] == 0x9D);
}

/** Whether the character at byte i of UTF-8 text t (i < end) bounds a Han run ending at i: an
 *  ASCII character or fj__han_punct3's punctuation. ICU's word break iterator segments a Han run
 *  between two such characters (or the text's ends) the same as the run alone
 *  (tests/test_wordbreak.c). */
static inline bool fj__han_bound_at(const unsigned char *t, size_t end, size_t i)
{
    return t[i] < 0x80 || (i + 3 <= end && fj__han_punct3(t + i));
}

/** Whether the character ending at byte i of UTF-8 text t (i > start) bounds a Han run starting
 *  at i (as fj__han_bound_at). */
static inline bool fj__han_bound_before(const unsigned char *t, size_t start, size_t i)
{
    return t[i - 1] < 0x80 || (i >= start + 3 && fj__han_punct3(t + i - 3));
}

#endif
