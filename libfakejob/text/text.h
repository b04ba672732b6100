/*
 * text.h - private interface of the text pipeline (normalize.c, tokenize.c) for the library's
 * other modules (signals, history). Not installed.
 *
 * Normalization keeps a byte map from the normalized text back to the caller's original text so
 * evidence can quote the original verbatim.
 */
#ifndef FJ_TEXT_H
#define FJ_TEXT_H

#include "core/fj_internal.h"

/** Normalized text with its map back to the original. Caller-owned and reusable: zero-init it
 *  before first use, free it with fj__normtext_free. */
typedef struct fj_normtext {
    fj_buf text;     /* the normalized UTF-8 (NUL-terminated) */
    uint32_t *orig;  /* orig[i]: original byte offset of the character that produced byte i */
    size_t orig_cap; /* capacity of orig, in entries */
} fj_normtext;

/**
 * Normalize `utf8` into nt (caller-owned, reusable; zero-init before first use): nt->text.data/len
 * is the normalized UTF-8; nt->orig[i] is the byte offset in the original text of the character
 * that produced normalized byte i, and nt->orig[nt->text.len] == len.
 * Normalization: NFKC case folding, Traditional to Simplified Chinese, whitespace and control
 * characters (NUL included) folded to one space, leading and trailing spaces dropped. Errors:
 * FJ_ERR_INPUT with the byte offset for invalid UTF-8, FJ_ERR_LIMIT above FJ_MAX_POSTING_BYTES,
 * FJ_ERR_NOMEM, FJ_ERR_INTERNAL when ICU fails. On error nt->text.len is 0.
 */
fj_status fj__normalize_into(fj_context *ctx, const char *utf8, size_t len, fj_normtext *nt,
                             fj_error *err);
/**
 * fj__normalize_into for text known to be valid UTF-8 without the check: a posting's string
 * field (fj_posting accepts only valid UTF-8 without NUL, from every setter and the JSON reader).
 * Never call it on other text: invalid UTF-8 is not caught.
 */
fj_status fj__normalize_valid(fj_context *ctx, const char *utf8, size_t len, fj_normtext *nt,
                              fj_error *err);
/** Release nt's buffers (NULL-safe); nt is left zeroed and reusable. */
void fj__normtext_free(fj_normtext *nt);

/**
 * The span of the caller's original text (orig, orig_len: what was normalized into nt) that
 * produced normalized bytes [a, b), a < b <= nt->text.len: *start is where the first character
 * came from, *end where the last one ends (trailing whitespace the normalization dropped is not
 * included). Use it to quote evidence verbatim.
 */
void fj__normtext_span(const fj_normtext *nt, const char *orig, size_t orig_len, size_t a, size_t b,
                       uint32_t *start, uint32_t *end);

/** The Han share test behind fj_detect_lang over already-decoded counts. */
fj_lang fj__lang_from_counts(size_t han, size_t letters);

/** Whether `cp` is a Han (CJK ideograph) code point. */
bool fj__is_han(uint32_t cp);

#endif /* FJ_TEXT_H */
