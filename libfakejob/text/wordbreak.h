/*
 * wordbreak.h - ICU's word boundaries of printable ASCII text, found without ICU (wordbreak.c).
 * The tokenizer uses them for the stretches of text that hold nothing else; tests/test_wordbreak.c
 * and fuzz/fuzz_wordbreak.c check them against ICU's word break iterator.
 */
#ifndef FJ_TEXT_WORDBREAK_H
#define FJ_TEXT_WORDBREAK_H

#include <stdbool.h>
#include <stddef.h>

/** Whether every byte of t[0, n) is printable ASCII (0x20 to 0x7E): text fj__ascii_wb_next
 *  reads. */
bool fj__ascii_wb_covers(const char *t, size_t n);

/** The first word boundary after a of text t[0, n) (all covered: fj__ascii_wb_covers), where a
 *  (< n) is a boundary: the one ICU's word break iterator (root locale, ICU 72's rules) gives.
 *  *word: whether the segment [a, that boundary) is a word (ICU's rule status at least
 *  UBRK_WORD_NONE_LIMIT: it holds a letter, '@' or a digit, or joins '_' to something). */
size_t fj__ascii_wb_next(const char *t, size_t n, size_t a, bool *word);

#endif
