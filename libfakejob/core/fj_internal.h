/*
 * fj_internal.h - private declarations shared by the library's modules. Not installed.
 *
 * Conventions: internal functions are prefixed fj__ (hidden by -fvisibility=hidden);
 * a module's scratch state lives in a context slot (fj__ctx_slot) created on first use.
 */
#ifndef FJ_INTERNAL_H
#define FJ_INTERNAL_H

#include "fakejob.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define FJ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FJ_PRINTF(a, b)
#endif

/** The logistic function 1 / (1 + exp(-z)) in its numerically stable form: Platt's sigmoid of
 *  the model's calibration (P = fj__logistic(-(A f + B))), the clause detectors' and the
 *  prior's adjustment all go through it. */
static inline double fj__logistic(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z); /* once: the compiler may not merge two calls (exp can set errno) */
    return e / (1.0 + e);
}

/* ---- errors (error.c) ---- */

/** Fill `err` (if non-NULL) and return `status`. `field` may be NULL; offset/line -1 if none. */
fj_status fj__error(fj_error *err, fj_status status, const char *field, long long offset,
                    long long line, const char *fmt, ...) FJ_PRINTF(6, 7);
/** Shorthand for a message-only error. */
fj_status fj__errorf(fj_error *err, fj_status status, const char *fmt, ...) FJ_PRINTF(3, 4);
/** An error found at LINE of FILE: the message is "FILE:LINE: …" and err->line is set
 *  (fj_error_locate's form; line <= 0 gives "FILE: …"). */
fj_status fj__error_at(fj_error *err, fj_status status, const char *file, long long line,
                       const char *fmt, ...) FJ_PRINTF(5, 6);
/** Out of memory. */
fj_status fj__nomem(fj_error *err);

/* ---- UTF-8 (utf8.c) ---- */

/**
 * Validate UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). When `reject_nul`,
 * a NUL byte is invalid too. Returns the length when valid, else the offset of the first bad
 * byte as -(offset + 1).
 */
long long fj__utf8_check(const char *s, size_t len, bool reject_nul);

/**
 * The next plain word of valid UTF-8 text from byte *pos on (utf8.c): a run of ASCII letters and
 * digits or of other letters below U+2E80 (accented Latin, Cyrillic…), or one character from
 * U+2E80 up (Han, kana, Hangul: a word each). ASCII punctuation and spaces, Latin-1 symbols,
 * general and CJK punctuation and full-width ASCII punctuation separate words. Returns false at
 * the end; else *pos is past the word and *hash (optional) is a 64-bit hash of it, ASCII letters
 * lowercased. A cheap, tokenizer-free reading of a text, for counting and comparing words.
 */
bool fj__next_word(const char *s, size_t len, size_t *pos, uint64_t *hash);
/** Decode one code point from a validated string at *i, advancing *i. */
uint32_t fj__utf8_next(const char *s, size_t len, size_t *i);
/** Encode `cp` into buf (at least 4 bytes); returns the byte count. */
size_t fj__utf8_put(char *buf, uint32_t cp);

/* ---- growable byte buffer (buf.c) ---- */

typedef struct fj_buf {
    char *data;
    size_t len;
    size_t cap;
} fj_buf;

/** Make room for `extra` more bytes (plus a NUL). false on allocation failure. */
bool fj__buf_reserve(fj_buf *b, size_t extra);
bool fj__buf_append(fj_buf *b, const void *data, size_t len);
bool fj__buf_printf(fj_buf *b, const char *fmt, ...) FJ_PRINTF(2, 3);
/** Append `s` as a JSON string literal with quotes and escapes. */
/* Append `s` as a JSON string literal: C0 controls escaped as JSON requires, and DEL, C1
 * controls, bidi controls and line separators (fj__terminal_control) as \uXXXX too, so that
 * JSON shown on a terminal cannot drive it. */
bool fj__buf_json_string(fj_buf *b, const char *s, size_t len);
/* The length in bytes (1-3) of a character a terminal would act on at s (DEL, U+0080..U+009F,
 * U+061C, U+200E/F, U+2028..U+202E, U+2066..U+2069), with its code point in *cp; 0 otherwise. */
size_t fj__terminal_control(const char *s, size_t len, unsigned *cp);
void fj__buf_free(fj_buf *b);

/* ---- contexts (context.c) ---- */

/** Module slots in a context: each module keeps its per-thread scratch in its own slot. */
typedef enum fj_slot {
    FJ_SLOT_TEXT = 0,
    FJ_SLOT_SIGNALS,
    FJ_SLOT_HISTORY,
    FJ_SLOT_SCORE,
    FJ_SLOT_TRAIN,
    FJ_SLOT_FEATURES,
    FJ_SLOT_ANALYSIS,
    FJ_SLOT_COUNT
} fj_slot;

typedef void (*fj_slot_free_fn)(void *scratch);

/** The scratch in `slot`, or NULL when the module has not created it yet. */
void *fj__ctx_slot(fj_context *ctx, fj_slot slot);
/** Install scratch in `slot`; `free_fn` is called by fj_context_free. */
void fj__ctx_set_slot(fj_context *ctx, fj_slot slot, void *scratch, fj_slot_free_fn free_fn);
/** observed_at for postings without one: the context's fixed now, else the wall clock. */
int64_t fj__ctx_now(const fj_context *ctx);
/** The posting's observed_at, or fj__ctx_now. */
int64_t fj__observed_at(const fj_context *ctx, const fj_posting *p);

/* ---- time (iso8601.c) ---- */

/** Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t fj__days_from_civil(int64_t y, unsigned m, unsigned d);
/** Write an epoch time as "YYYY-MM-DDTHH:MM:SSZ" (at least 21 bytes). */
void fj__format_iso8601(int64_t t, char *buf, size_t size);

#endif /* FJ_INTERNAL_H */
