/*
 * json.c - the JSON writer and the locale-independent number formatter (json.h).
 *
 * printf's %g and %f write the decimal point of the calling thread's locale: "0,947" under a
 * comma-decimal locale. The formatter lets snprintf do the digits (it rounds correctly), reads
 * the result back with strtod in the same locale to find the shortest precision that round-trips,
 * and only then replaces the locale's radix character(s) with '.'. Nothing here changes the
 * locale, so it is safe in any thread while the host program's locale stays put.
 */
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replace whatever snprintf put between the integer and fraction digits (the locale's radix,
 * possibly several bytes) with '.'. The digits, sign and exponent are ASCII in every locale. */
static size_t dot_radix(char *s)
{
    size_t r = 0, w = 0;
    bool in_radix = false;
    for (; s[r]; r++) {
        char c = s[r];
        bool plain = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E';
        if (plain) {
            s[w++] = c;
            in_radix = false;
        } else if (!in_radix) {
            s[w++] = '.';
            in_radix = true;
        }
    }
    s[w] = 0;
    return w;
}

size_t fj__fmt_double(double v, char out[FJ__NUM_BUF])
{
    if (!isfinite(v)) {
        memcpy(out, "null", 5);
        return 4;
    }
    if (v == 0) { /* 0 and -0 */
        memcpy(out, signbit(v) ? "-0" : "0", signbit(v) ? 3 : 2);
        return signbit(v) ? 2 : 1;
    }
    for (int prec = 15; prec < 17; prec++) {
        snprintf(out, FJ__NUM_BUF, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return dot_radix(out);
    }
    snprintf(out, FJ__NUM_BUF, "%.17g", v);
    return dot_radix(out);
}

size_t fj__fmt_fixed(double v, int decimals, char out[FJ__NUM_BUF])
{
    if (!isfinite(v) || fabs(v) >= 1e21) /* %f of a huge value would not fit: use the shortest */
        return fj__fmt_double(v, out);
    if (decimals < 0)
        decimals = 0;
    if (decimals > 17)
        decimals = 17;
    snprintf(out, FJ__NUM_BUF, "%.*f", decimals, v);
    return dot_radix(out);
}

double fj__parse_decimal(const char *s)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    uint64_t mant = 0;
    long double wide = 0;
    int digits = 0, frac = 0;
    bool point = false;
    for (const char *p = s; *p; p++) {
        if (*p == '.' && !point) {
            point = true;
        } else if (*p >= '0' && *p <= '9') {
            if (digits < 19)
                mant = mant * 10 + (uint64_t)(*p - '0');
            wide = wide * 10 + (*p - '0');
            digits++;
            frac += point;
        } else {
            return 0;
        }
    }
    if (digits == 0 || frac > 22)
        return 0;
    /* both operands exact, one correctly rounded division: the exact result (Clinger) */
    if (digits <= 15)
        return (double)mant / pow10[frac];
    return (double)(wide / pow10[frac]);
}

bool fj__buf_double(fj_buf *b, double v)
{
    char tmp[FJ__NUM_BUF];
    size_t n = fj__fmt_double(v, tmp);
    return fj__buf_append(b, tmp, n);
}

/* ---- the writer ---- */

void fj__jw_init(fj_jw *w, fj_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    w->ok = b != NULL;
}

static void put(fj_jw *w, const char *s, size_t n)
{
    if (w->ok && !fj__buf_append(w->b, s, n))
        w->ok = false;
}

/* Before a value: the comma that separates it from the previous item, unless it follows a key. */
static void value_start(fj_jw *w)
{
    if (!w->ok)
        return;
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (w->has_item[w->depth - 1])
            put(w, ",", 1);
        w->has_item[w->depth - 1] = true;
    }
}

static void open(fj_jw *w, char c)
{
    value_start(w);
    if (!w->ok)
        return;
    if (w->depth >= FJ__JW_MAX_DEPTH) {
        w->ok = false;
        return;
    }
    put(w, &c, 1);
    w->closer[w->depth] = c == '{' ? '}' : ']';
    w->has_item[w->depth++] = false;
}

void fj__jw_object(fj_jw *w)
{
    open(w, '{');
}

void fj__jw_array(fj_jw *w)
{
    open(w, '[');
}

void fj__jw_end(fj_jw *w)
{
    if (!w->ok)
        return;
    if (w->depth == 0 || w->after_key) { /* nothing open, or a key without its value */
        w->ok = false;
        return;
    }
    w->depth--;
    put(w, &w->closer[w->depth], 1);
}

void fj__jw_key(fj_jw *w, const char *key)
{
    value_start(w);
    if (!w->ok)
        return;
    if (!fj__buf_json_string(w->b, key, strlen(key)) || !fj__buf_append(w->b, ":", 1))
        w->ok = false;
    w->after_key = true;
}

void fj__jw_string(fj_jw *w, const char *s, size_t len)
{
    if (!s) {
        fj__jw_null(w);
        return;
    }
    value_start(w);
    if (w->ok && !fj__buf_json_string(w->b, s, len))
        w->ok = false;
}

void fj__jw_cstring(fj_jw *w, const char *s)
{
    fj__jw_string(w, s, s ? strlen(s) : 0);
}

void fj__jw_double(fj_jw *w, double v)
{
    char tmp[FJ__NUM_BUF];
    size_t n = fj__fmt_double(v, tmp);
    value_start(w);
    put(w, tmp, n);
}

void fj__jw_fixed(fj_jw *w, double v, int decimals)
{
    char tmp[FJ__NUM_BUF];
    size_t n = fj__fmt_fixed(v, decimals, tmp);
    value_start(w);
    put(w, tmp, n);
}

void fj__jw_int(fj_jw *w, long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", v); /* integers have no locale-dependent form */
    value_start(w);
    put(w, tmp, (size_t)n);
}

void fj__jw_bool(fj_jw *w, bool v)
{
    value_start(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void fj__jw_null(fj_jw *w)
{
    value_start(w);
    put(w, "null", 4);
}

void fj__jw_raw(fj_jw *w, const char *json, size_t len)
{
    value_start(w);
    put(w, json, len);
}
