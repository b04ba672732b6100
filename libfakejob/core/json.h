/*
 * json.h - the library's one JSON writer and number formatter. Private; not installed.
 *
 * Every JSON the library writes (results, error results, signals, metrics, postings, bundle
 * files) goes through here, so that numbers look the same everywhere and never depend on the
 * host program's locale: after setlocale(LC_ALL, "de_DE.UTF-8") a double still prints as
 * 0.947, never 0,947. Doubles are written in the shortest form (15 to 17 significant digits)
 * that reads back to the same value; NaN and infinities, which JSON cannot hold, as null.
 *
 * The writer appends to an fj_buf and puts the commas itself:
 *
 *   fj_jw w;
 *   fj__jw_init(&w, &buf);
 *   fj__jw_object(&w);
 *   fj__jw_key(&w, "score"); fj__jw_double(&w, 0.93);
 *   fj__jw_key(&w, "reasons"); fj__jw_array(&w); ... fj__jw_end(&w);
 *   fj__jw_end(&w);
 *   if (!w.ok) ... out of memory (or nesting deeper than FJ__JW_MAX_DEPTH)
 *
 * Once an append fails, w.ok stays false and every later call does nothing.
 */
#ifndef FJ_JSON_H
#define FJ_JSON_H

#include "core/fj_internal.h"

/** Bytes enough for any number fj__fmt_double or fj__fmt_fixed writes, with its NUL. */
#define FJ__NUM_BUF 40

/**
 * The shortest decimal form of a finite `v` that reads back to the same double, with '.' as
 * the decimal point whatever the locale ("0.1", "1e+300", "-2.5e-07"). Returns its length;
 * for NaN and infinities writes "null" and returns 4.
 */
size_t fj__fmt_double(double v, char out[FJ__NUM_BUF]);

/** `v` with exactly `decimals` digits after a '.' (0..17; %.Nf, locale-independent). */
size_t fj__fmt_fixed(double v, int decimals, char out[FJ__NUM_BUF]);

/**
 * The value of a plain decimal "DIGITS[.DIGITS]" (ASCII digits, '.' as the point, nothing else)
 * whatever the locale. Exact (correctly rounded) when the digits together are at most 15;
 * longer ones are rounded once more (within an ulp or two): the text pipeline reads amounts of
 * money with it, not model weights. Returns 0 for an empty or malformed string.
 */
double fj__parse_decimal(const char *s);

/** Append fj__fmt_double's form of `v`. */
bool fj__buf_double(fj_buf *b, double v);

#define FJ__JW_MAX_DEPTH 32

typedef struct fj_jw {
    fj_buf *b;
    bool ok;
    int depth;
    bool after_key;                  /* a key was written; the value follows without a comma */
    bool has_item[FJ__JW_MAX_DEPTH]; /* the container at this depth has an item already */
    char closer[FJ__JW_MAX_DEPTH];   /* '}' or ']' */
} fj_jw;

void fj__jw_init(fj_jw *w, fj_buf *b);
/** Open an object or an array (as a value: at the top, after a key, or as an array item). */
void fj__jw_object(fj_jw *w);
void fj__jw_array(fj_jw *w);
/** Close the innermost object or array. */
void fj__jw_end(fj_jw *w);
/** A key of the current object (a NUL-terminated name, escaped as any string). */
void fj__jw_key(fj_jw *w, const char *key);
/** Values. A NULL string is written as null. */
void fj__jw_string(fj_jw *w, const char *s, size_t len);
void fj__jw_cstring(fj_jw *w, const char *s);
void fj__jw_double(fj_jw *w, double v);
void fj__jw_fixed(fj_jw *w, double v, int decimals);
void fj__jw_int(fj_jw *w, long long v);
void fj__jw_bool(fj_jw *w, bool v);
void fj__jw_null(fj_jw *w);
/** Already-serialized JSON (a nested document kept as text), written as one value. */
void fj__jw_raw(fj_jw *w, const char *json, size_t len);

#endif /* FJ_JSON_H */
