/*
 * fuzz_text.c - libFuzzer target: any bytes through the text pipeline (fj_detect_lang,
 * fj_normalize with its map back to the original, fj_tokenize_text), with one context reused
 * across inputs as a service would. Checks the contracts a caller relies on: valid input is
 * never refused below the limits, invalid input is never accepted, every failure says why,
 * the output is valid UTF-8, every offset lies on a character boundary inside the input, and
 * tokenizing the same text twice gives the same tokens. The dictionary-free Han segmentation
 * (FJ_SEG_HAN_UNIGRAM) gets the same checks, and its tokens are the dictionary's except the Han
 * words: in their place one-character words inside them, every other token the same, in order. (NUL
 * bytes are control characters in text, folded to spaces; only invalid UTF-8 is refused.)
 */
#include "fakejob.h"
#include "core/fj_internal.h"
#include "text/text.h"
#include "text/text_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_text: check failed at line %d: %s\n", __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static fj_context *ctx; /* one context for the whole run: scratch reuse is part of the test */
static fj_normtext nt;  /* likewise */
static fj_token *copy;  /* the first tokenization, to compare with the second */
static char *copy_text;
static size_t copy_cap, copy_text_cap;

static bool boundary(const char *s, size_t len, size_t at)
{
    return at == len || (at < len && ((unsigned char)s[at] & 0xC0) != 0x80);
}

/* A word token that starts with a Han character (a dictionary word or a unigram). */
static bool han_word(const fj_token *t)
{
    size_t at = 0;
    return t->kind == FJ_TOK_WORD && fj__han(fj__u8_next(t->text, &at));
}

/* Whether t is a one-character word inside a Han word of the dictionary's tokens d[0..n) (w: a
 * cursor, the queries' starts never decrease). */
static bool inside_han_word(const fj_token *t, const fj_token *d, size_t n, size_t *w)
{
    size_t at = 0;
    if (t->kind != FJ_TOK_WORD || t->len > 4 || (fj__u8_next(t->text, &at), at != t->len))
        return false;
    while (*w < n && (!han_word(&d[*w]) || d[*w].end <= t->start))
        (*w)++;
    return *w < n && d[*w].start <= t->start && t->end <= d[*w].end;
}

static fj_token *other; /* the tokens that are not Han words, of both segmentations */
static size_t other_cap;

static int token_order(const void *a, const void *b)
{
    const fj_token *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->text, y->text, x->len);
}

static void check_tokens(const char *s, size_t size, const fj_token *toks, size_t n)
{
    CHECK(n <= FJ_MAX_TOKENS);
    for (size_t i = 0; i < n; i++) {
        const fj_token *t = &toks[i];
        CHECK(t->text != NULL);
        CHECK(t->len > 0);
        CHECK(t->text[t->len] == '\0');
        CHECK(fj__utf8_check(t->text, t->len, true) == (long long)t->len);
        CHECK(t->kind < FJ_TOK_KIND_COUNT);
        CHECK(t->field == FJ_FIELD_DESCRIPTION);
        CHECK(t->start <= t->end && t->end <= size);
        CHECK(boundary(s, size, t->start) && boundary(s, size, t->end));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    fj_error err;
    if (!ctx && fj_context_new(&ctx, &err) != FJ_OK)
        abort();
    bool valid = fj__utf8_check(s, size, false) == (long long)size; /* NUL is a control char */

    fj_lang lang = fj_detect_lang(s, size);
    CHECK(lang == FJ_LANG_ZH || lang == FJ_LANG_EN);

    /* fj_normalize: valid text is always normalized, invalid text always refused */
    const char *out = NULL;
    size_t out_len = 0;
    fj_error_clear(&err);
    fj_status st = fj_normalize(ctx, s, size, &out, &out_len, &err);
    if (valid) {
        CHECK(st == FJ_OK);
        CHECK(out != NULL && out[out_len] == '\0');
        CHECK(fj__utf8_check(out, out_len, true) == (long long)out_len);
    } else {
        CHECK(st == FJ_ERR_INPUT);
        CHECK(err.message[0] != '\0');
        CHECK(err.offset >= 0 && (size_t)err.offset < size);
    }

    /* the internal form and its map back to the caller's bytes */
    st = fj__normalize_into(ctx, s, size, &nt, &err);
    CHECK(st == (valid ? FJ_OK : FJ_ERR_INPUT));
    if (st == FJ_OK) {
        CHECK(nt.text.len == out_len);
        CHECK(out_len == 0 || memcmp(nt.text.data, out, out_len) == 0);
        CHECK(nt.orig[nt.text.len] == size);
        for (size_t i = 0; i < nt.text.len; i++) {
            CHECK(nt.orig[i] <= nt.orig[i + 1]);
            CHECK(boundary(s, size, nt.orig[i]));
        }
    }

    /* fj_tokenize_text, twice: the same tokens both times */
    const fj_token *toks = NULL;
    size_t n = 0;
    st = fj_tokenize_text(ctx, s, size, &toks, &n, &err);
    if (!valid) {
        CHECK(st == FJ_ERR_INPUT);
        return 0;
    }
    if (st != FJ_OK) {
        CHECK(st == FJ_ERR_LIMIT); /* too many tokens: can only happen above ~200 kB */
        CHECK(strstr(err.message, "FJ_MAX_TOKENS") != NULL);
        return 0;
    }
    check_tokens(s, size, toks, n);
    size_t text_bytes = 0;
    for (size_t i = 0; i < n; i++)
        text_bytes += toks[i].len + 1;
    if (n > copy_cap) {
        copy = realloc(copy, n * sizeof *copy);
        copy_cap = n;
    }
    if (text_bytes > copy_text_cap) {
        copy_text = realloc(copy_text, text_bytes);
        copy_text_cap = text_bytes;
    }
    CHECK(n == 0 || (copy && copy_text));
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        copy[i] = toks[i];
        memcpy(copy_text + at, toks[i].text, toks[i].len + 1);
        copy[i].text = copy_text + at;
        at += toks[i].len + 1;
    }
    size_t n2 = 0;
    CHECK(fj_tokenize_text(ctx, s, size, &toks, &n2, &err) == FJ_OK);
    CHECK(n2 == n);
    for (size_t i = 0; i < n; i++) {
        CHECK(toks[i].kind == copy[i].kind && toks[i].start == copy[i].start &&
              toks[i].end == copy[i].end && toks[i].len == copy[i].len);
        CHECK(memcmp(toks[i].text, copy[i].text, copy[i].len) == 0);
    }

    /* without the dictionary: the same tokens but the Han words, each one character */
    st = fj__tokenize_field_seg(ctx, FJ_FIELD_DESCRIPTION, s, size, FJ_SEG_HAN_UNIGRAM, &toks, &n2,
                                &err);
    if (st != FJ_OK) {
        CHECK(st == FJ_ERR_LIMIT); /* unigrams add tokens: this limit can come first */
        CHECK(strstr(err.message, "FJ_MAX_TOKENS") != NULL);
        return 0;
    }
    check_tokens(s, size, toks, n2);
    /* the other tokens, in both, sorted (a typed token inside a dictionary word comes before
     * the word's later characters without the dictionary, after its bigrams with it) */
    size_t na = 0, nb = 0;
    if (n + n2 > other_cap) {
        other = realloc(other, (n + n2) * sizeof *other);
        other_cap = n + n2;
    }
    CHECK(n + n2 == 0 || other);
    size_t w1 = 0, w2 = 0; /* cursors of inside_han_word */
    for (size_t i = 0; i < n; i++)
        if (!han_word(&copy[i]) && !inside_han_word(&copy[i], copy, n, &w1))
            other[na++] = copy[i];
    for (size_t i = 0; i < n2; i++) {
        if (han_word(&toks[i])) {
            size_t at = 0;
            fj__u8_next(toks[i].text, &at);
            CHECK(at == toks[i].len);
            CHECK(inside_han_word(&toks[i], copy, n, &w2));
        } else if (!inside_han_word(&toks[i], copy, n, &w2)) {
            other[na + nb++] = toks[i];
        }
    }
    CHECK(na == nb);
    if (na == 0)
        return 0;
    qsort(other, na, sizeof *other, token_order);
    qsort(other + na, nb, sizeof *other, token_order);
    for (size_t i = 0; i < na; i++)
        CHECK(token_order(&other[i], &other[na + i]) == 0);
    return 0;
}
