/*
 * wordbreak.c - ICU's word boundaries of printable ASCII text, without ICU.
 *
 * In printable ASCII, the word-break rules of UAX #29 as ICU 72 applies them (its root rules,
 * tailored by CLDR) come down to a few character classes: letters (and '@', which ICU's rules
 * read as one: "x@y.com" is one word), digits, ExtendNumLet ('_'), MidNumLet ('.', and the
 * apostrophe, Single_Quote), MidNum (',', ';'; ICU takes ':' out of MidLetter), the space, and
 * everything else. No break is made
 *   - between two spaces (WB3d);
 *   - between two letters or digits (WB5, WB8, WB9, WB10);
 *   - between a letter, digit or ExtendNumLet and an ExtendNumLet, and between an ExtendNumLet
 *     and a letter or digit (WB13a, WB13b);
 *   - on either side of a MidNumLet between two letters (WB6, WB7), or of a MidNum or MidNumLet
 *     between two digits (WB11, WB12);
 * and everywhere else a break is made (WB999). A segment is a word (ICU's rule status at least
 * UBRK_WORD_NONE_LIMIT) when it holds a letter or a digit, or is more than one character that
 * are not all spaces ("__"); a lone punctuation character ("_" too) or a run of spaces is not.
 *
 * tests/test_wordbreak.c compares this with ICU's iterator on every string of up to five
 * characters of the classes' representatives and on the test data; fuzz/fuzz_wordbreak.c on any
 * printable ASCII.
 */
#include "text/wordbreak.h"

enum { WB_OTHER, WB_LETTER, WB_DIGIT, WB_EXTEND_NUM_LET, WB_MID_NUM_LET, WB_MID_NUM, WB_SPACE };

static inline int wb_class(unsigned char c)
{
    unsigned char l = c | 0x20;
    if ((l >= 'a' && l <= 'z') || c == '@')
        return WB_LETTER;
    if (c >= '0' && c <= '9')
        return WB_DIGIT;
    switch (c) {
    case ' ':
        return WB_SPACE;
    case '_':
        return WB_EXTEND_NUM_LET;
    case '.':
    case '\'':
        return WB_MID_NUM_LET;
    case ',':
    case ';':
        return WB_MID_NUM;
    default:
        return WB_OTHER;
    }
}

bool fj__ascii_wb_covers(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] > 0x7E)
            return false;
    return true;
}

/* Whether x m y, m a MidNumLet or MidNum, stays one word (WB6/WB7, WB11/WB12). */
static inline bool mid_joins(int x, int m, int y)
{
    return (x == WB_LETTER && y == WB_LETTER && m == WB_MID_NUM_LET) ||
           (x == WB_DIGIT && y == WB_DIGIT);
}

static inline bool alnum(int c)
{
    return c == WB_LETTER || c == WB_DIGIT;
}

size_t fj__ascii_wb_next(const char *text, size_t n, size_t a, bool *word)
{
    const unsigned char *t = (const unsigned char *)text;
    int p = wb_class(t[a]);
    bool any_alnum = alnum(p), all_space = p == WB_SPACE;
    size_t i = a + 1;
    for (; i < n; i++) {
        int c = wb_class(t[i]);
        bool join;
        switch (p) {
        case WB_SPACE:
            join = c == WB_SPACE;
            break;
        case WB_LETTER:
        case WB_DIGIT:
            join = alnum(c) || c == WB_EXTEND_NUM_LET ||
                   ((c == WB_MID_NUM_LET || c == WB_MID_NUM) && i + 1 < n &&
                    mid_joins(p, c, wb_class(t[i + 1])));
            break;
        case WB_EXTEND_NUM_LET:
            join = alnum(c) || c == WB_EXTEND_NUM_LET;
            break;
        case WB_MID_NUM_LET:
        case WB_MID_NUM:
            join = i >= 2 && alnum(c) && mid_joins(wb_class(t[i - 2]), p, c);
            break;
        default:
            join = false;
            break;
        }
        if (!join)
            break;
        any_alnum = any_alnum || alnum(c);
        all_space = all_space && c == WB_SPACE;
        p = c;
    }
    *word = any_alnum || (i - a >= 2 && !all_space);
    return i;
}

bool fj__mixed_wb_covers(const char *text, size_t n)
{
    const unsigned char *t = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        if (t[i] >= 0x20 && t[i] <= 0x7E) {
            i++;
        } else if (i + 3 <= n && fj__han_punct3(t + i)) {
            i += 3;
        } else {
            return false;
        }
    }
    return true;
}

size_t fj__mixed_wb_next(const char *text, size_t n, size_t a, size_t *end, bool *word)
{
    const unsigned char *t = (const unsigned char *)text;
    if (t[a] >= 0x80) {
        *word = false;
        return a + 3;
    }
    if (*end <= a) {
        size_t e = a + 1;
        while (e < n && t[e] < 0x80)
            e++;
        *end = e;
    }
    return fj__ascii_wb_next(text, *end, a, word);
}
