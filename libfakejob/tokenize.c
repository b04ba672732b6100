/*
 * tokenize.c - segmentation into typed tokens (fj_tokenize_text, fj_tokenize_posting).
 *
 * For each text: normalize (normalize.c), find the typed tokens (textscan.c: money, phones,
 * QQ, WeChat, e-mail, URLs, EMSCAD placeholders), then walk ICU's word break iterator over the
 * normalized text once. Word segments not covered by a typed token become tokens: English words
 * stemmed with Snowball English, other letters as they are, numbers (digits without thousands
 * separators), Han words from ICU's dictionary plus a bigram for every two adjacent Han
 * characters (ICU splits 微信 and 入职; bigrams recover them), emoji. Pure punctuation and
 * whitespace are dropped. Every token carries the span of the caller's original text it came
 * from (start/end byte offsets in that field).
 *
 * Memory: tokens and their texts live in flat arrays of the context's scratch, grown
 * geometrically and reused by every call; nothing is allocated per token.
 */
#include "text_impl.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

static const char *const kind_names[FJ_TOK_KIND_COUNT] = {
    [FJ_TOK_WORD] = "word",
    [FJ_TOK_BIGRAM] = "bigram",
    [FJ_TOK_NUM] = "num",
    [FJ_TOK_MONEY] = "money",
    [FJ_TOK_QQ] = "qq",
    [FJ_TOK_WECHAT] = "wechat",
    [FJ_TOK_PHONE] = "phone",
    [FJ_TOK_EMAIL] = "email",
    [FJ_TOK_FREEMAIL] = "freemail",
    [FJ_TOK_URL] = "url",
    [FJ_TOK_SHORTURL] = "shorturl",
    [FJ_TOK_MASKED_URL] = "masked_url",
    [FJ_TOK_MASKED_EMAIL] = "masked_email",
    [FJ_TOK_MASKED_PHONE] = "masked_phone",
    [FJ_TOK_EMOJI] = "emoji",
};

const char *fj_token_kind_name(fj_token_kind kind)
{
    return (unsigned)kind < FJ_TOK_KIND_COUNT ? kind_names[kind] : NULL;
}

#define STEM_MAX 64 /* longer words are not stemmed */

/* One field being tokenized. */
typedef struct tk {
    fj__text *tx;
    const char *orig;
    size_t orig_len;
    const char *t; /* normalized text */
    size_t n;
    fj_field field;
    size_t emitted; /* specials emitted so far */
    size_t hk;      /* cursor of hidden() */
    fj_error *err;
} tk;

static fj_status push_off(tk *k, fj_token_kind kind, uint32_t text_off, size_t len, size_t a,
                          size_t b)
{
    fj__text *tx = k->tx;
    if (tx->tok_len >= FJ_MAX_TOKENS)
        return fj__error(k->err, FJ_ERR_LIMIT, fj_field_name(k->field), -1, -1,
                         "%s: more than %u tokens (FJ_MAX_TOKENS)", fj_field_name(k->field),
                         FJ_MAX_TOKENS);
    if (tx->tok_len == tx->tok_cap) {
        size_t cap = tx->tok_cap ? tx->tok_cap * 2 : 256;
        fj_token *t = realloc(tx->tok, cap * sizeof *t);
        if (!t)
            return fj__nomem(k->err);
        tx->tok = t;
        uint32_t *o = realloc(tx->tok_text, cap * sizeof *o);
        if (!o)
            return fj__nomem(k->err);
        tx->tok_text = o;
        tx->tok_cap = cap;
    }
    fj_token *t = &tx->tok[tx->tok_len];
    t->text = NULL;
    t->len = (uint32_t)len;
    t->kind = (uint16_t)kind;
    t->field = (uint16_t)k->field;
    fj__normtext_span(&tx->nt, k->orig, k->orig_len, a, b, &t->start, &t->end);
    tx->tok_text[tx->tok_len++] = text_off;
    return FJ_OK;
}

static fj_status push(tk *k, fj_token_kind kind, const char *text, size_t len, size_t a, size_t b)
{
    uint32_t off = (uint32_t)k->tx->arena.len;
    if (!fj__buf_append(&k->tx->arena, text, len) || !fj__buf_append(&k->tx->arena, "", 1))
        return fj__nomem(k->err);
    return push_off(k, kind, off, len, a, b);
}

/* Emit the typed tokens that start at or before `pos`. */
static fj_status flush_specials(tk *k, size_t pos)
{
    fj__text *tx = k->tx;
    while (k->emitted < tx->sp_len && tx->sp[k->emitted].start <= pos) {
        const fj__special *sp = &tx->sp[k->emitted++];
        fj_status st =
            push_off(k, (fj_token_kind)sp->kind, sp->text_off, sp->text_len, sp->start, sp->end);
        if (st != FJ_OK)
            return st;
    }
    return FJ_OK;
}

/* Whether normalized byte `pos` lies where a typed token hides words (pos never decreases
 * between calls). */
static bool hidden(tk *k, size_t pos)
{
    const fj__text *tx = k->tx;
    while (k->hk < tx->sp_len && tx->sp[k->hk].end <= pos)
        k->hk++;
    return k->hk < tx->sp_len && tx->sp[k->hk].hide <= pos;
}

static uint32_t cp_at(const tk *k, size_t i, size_t *next)
{
    *next = i;
    return fj__utf8_next(k->t, k->n, next);
}

static bool is_emoji(uint32_t cp)
{
    return (cp >= 0x203C && u_hasBinaryProperty((UChar32)cp, UCHAR_EXTENDED_PICTOGRAPHIC)) ||
           (cp >= 0x1F1E6 && cp <= 0x1F1FF);
}

/* A segment without letters or digits: its emoji, one token each (a flag's two regional
 * indicators and a skin-tone modifier stay with their emoji). */
static fj_status emoji_piece(tk *k, size_t a, size_t b)
{
    size_t i = a;
    while (i < b) {
        size_t j;
        uint32_t cp = cp_at(k, i, &j);
        if (!is_emoji(cp)) {
            i = j;
            continue;
        }
        size_t e = j;
        if (j < b) {
            size_t j2;
            uint32_t next = cp_at(k, j, &j2);
            if ((cp >= 0x1F1E6 && cp <= 0x1F1FF && next >= 0x1F1E6 && next <= 0x1F1FF) ||
                u_hasBinaryProperty((UChar32)next, UCHAR_EMOJI_MODIFIER))
                e = j2;
        }
        fj_status st = push(k, FJ_TOK_EMOJI, k->t + i, e - i, i, e);
        if (st != FJ_OK)
            return st;
        i = e;
    }
    return FJ_OK;
}

/* A Han word and the bigrams that start in it. */
static fj_status han_piece(tk *k, size_t a, size_t b)
{
    fj_status st = push(k, FJ_TOK_WORD, k->t + a, b - a, a, b);
    size_t i = a;
    while (st == FJ_OK && i < b) {
        size_t j, j2;
        uint32_t cp = cp_at(k, i, &j);
        if (fj__is_han(cp) && j < k->n && fj__is_han(cp_at(k, j, &j2)) && !hidden(k, j))
            st = push(k, FJ_TOK_BIGRAM, k->t + i, j2 - i, i, j2);
        i = j;
    }
    return st;
}

#define STEM_CACHE_MAX 32768 /* entries; the cache is cleared when it is full */

static bool stem_grow(fj__text *tx)
{
    size_t cap = tx->stem_cap ? tx->stem_cap * 2 : 1024;
    if (cap > STEM_CACHE_MAX * 2) { /* full: start over */
        memset(tx->stems, 0, tx->stem_cap * sizeof *tx->stems);
        tx->stem_used = 0;
        tx->stem_arena.len = 0;
        return true;
    }
    fj__stem_slot *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < tx->stem_cap; i++) {
        fj__stem_slot *o = &tx->stems[i];
        if (!o->word_len)
            continue;
        size_t h = o->hash & (cap - 1);
        while (ns[h].word_len)
            h = (h + 1) & (cap - 1);
        ns[h] = *o;
    }
    free(tx->stems);
    tx->stems = ns;
    tx->stem_cap = cap;
    return true;
}

/* The Snowball English stem of word w (1..STEM_MAX bytes), through the context's cache. */
static bool stem_of(fj__text *tx, const char *w, size_t n, const char **out, size_t *out_len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    if ((tx->stem_used + 1) * 2 > tx->stem_cap && !stem_grow(tx))
        return false;
    size_t mask = tx->stem_cap - 1, i = h & mask;
    for (; tx->stems[i].word_len; i = (i + 1) & mask) {
        const fj__stem_slot *sl = &tx->stems[i];
        if (sl->hash == h && sl->word_len == n &&
            memcmp(tx->stem_arena.data + sl->off, w, n) == 0) {
            *out = tx->stem_arena.data + sl->off + n;
            *out_len = sl->stem_len;
            return true;
        }
    }
    const sb_symbol *s = sb_stemmer_stem(tx->stemmer, (const sb_symbol *)w, (int)n);
    if (!s)
        return false;
    int sl = sb_stemmer_length(tx->stemmer);
    if (sl < 0 || sl > STEM_MAX || tx->stem_arena.len > UINT32_MAX / 2)
        return false;
    size_t off = tx->stem_arena.len;
    if (!fj__buf_append(&tx->stem_arena, w, n) ||
        !fj__buf_append(&tx->stem_arena, (const char *)s, (size_t)sl))
        return false;
    tx->stems[i] = (fj__stem_slot){
        .hash = h, .off = (uint32_t)off, .word_len = (uint8_t)n, .stem_len = (uint8_t)sl};
    tx->stem_used++;
    *out = tx->stem_arena.data + off + n;
    *out_len = (size_t)sl;
    return true;
}

static fj_status word_piece(tk *k, size_t a, size_t b)
{
    const char *w = k->t + a;
    size_t len = b - a;
    unsigned char c0 = (unsigned char)w[0];
    if (c0 >= '0' && c0 <= '9') {
        bool num = true;
        for (size_t i = 0; i < len && num; i++)
            num = (w[i] >= '0' && w[i] <= '9') || w[i] == '.' || w[i] == ',';
        if (num) {
            uint32_t off = (uint32_t)k->tx->arena.len;
            if (!fj__buf_reserve(&k->tx->arena, len + 1))
                return fj__nomem(k->err);
            char *d = k->tx->arena.data + off;
            size_t n = 0;
            for (size_t i = 0; i < len; i++)
                if (w[i] != ',')
                    d[n++] = w[i];
            d[n] = '\0';
            k->tx->arena.len += n + 1;
            return push_off(k, FJ_TOK_NUM, off, n, a, b);
        }
        return push(k, FJ_TOK_WORD, w, len, a, b);
    }
    /* English words (ASCII letters and apostrophes, ’ read as ') are stemmed */
    char buf[STEM_MAX];
    size_t n = 0;
    bool stem = len <= STEM_MAX;
    for (size_t i = 0; i < len && stem; i++) {
        unsigned char c = (unsigned char)w[i];
        if ((c >= 'a' && c <= 'z') || c == '\'')
            buf[n++] = (char)c;
        else if (c == 0xE2 && i + 2 < len && (unsigned char)w[i + 1] == 0x80 &&
                 (unsigned char)w[i + 2] == 0x99) {
            buf[n++] = '\'';
            i += 2;
        } else
            stem = false;
    }
    if (!stem)
        return push(k, FJ_TOK_WORD, w, len, a, b);
    const char *st;
    size_t sl;
    if (!stem_of(k->tx, buf, n, &st, &sl))
        return fj__nomem(k->err);
    return push(k, FJ_TOK_WORD, st, sl, a, b);
}

/* A stretch [a, b) of one ICU segment that no typed token covers. */
static fj_status piece(tk *k, size_t a, size_t b, int32_t status)
{
    fj_status st = flush_specials(k, a);
    if (st != FJ_OK)
        return st;
    if (status < UBRK_WORD_NONE_LIMIT)
        return emoji_piece(k, a, b);
    size_t j;
    uint32_t cp = cp_at(k, a, &j);
    if (fj__is_han(cp))
        return han_piece(k, a, b);
    if (cp == '\'' || cp == '.' || cp == '_' || cp == '-')
        return FJ_OK; /* a clipped remainder of punctuation */
    if (cp >= '0' && cp <= '9')
        return word_piece(k, a, b);
    /* ICU keeps "place.we" (a sentence end missing its space, common in EMSCAD), "e.g" and
     * "node.js" as one word: split words at dots */
    size_t s = a;
    for (size_t i = a; i <= b && st == FJ_OK; i++)
        if (i == b || k->t[i] == '.') {
            if (i > s)
                st = word_piece(k, s, i);
            s = i + 1;
        }
    return st;
}

static fj_status tokenize_field(fj_context *ctx, fj__text *tx, fj_field field, const char *s,
                                size_t len, fj_error *err)
{
    fj_status st = fj__normalize_into(ctx, s, len, &tx->nt, err);
    if (st != FJ_OK)
        return st;
    tk k = {.tx = tx,
            .orig = s,
            .orig_len = len,
            .t = tx->nt.text.data,
            .n = tx->nt.text.len,
            .field = field,
            .err = err};
    if (k.n == 0)
        return FJ_OK;
    if (!fj__scan_specials(tx, k.t, k.n, field == FJ_FIELD_SALARY))
        return fj__nomem(err);
    UErrorCode ue = U_ZERO_ERROR;
    tx->ut = utext_openUTF8(tx->ut, k.t, (int64_t)k.n, &ue);
    ubrk_setUText(tx->brk, tx->ut, &ue);
    if (U_FAILURE(ue))
        return fj__errorf(err, FJ_ERR_INTERNAL, "ICU word break iterator failed: %s",
                          u_errorName(ue));
    const fj__special *sp = tx->sp;
    size_t first = 0; /* the first typed token that ends after the segment's start */
    int32_t a = ubrk_first(tx->brk), b;
    while ((b = ubrk_next(tx->brk)) != UBRK_DONE) {
        int32_t status = ubrk_getRuleStatus(tx->brk);
        while (first < tx->sp_len && sp[first].end <= (uint32_t)a)
            first++;
        size_t cur = (size_t)a;
        for (size_t i = first; i < tx->sp_len && sp[i].hide < (uint32_t)b; i++) {
            if (sp[i].end <= cur)
                continue;
            if (sp[i].hide > cur && (st = piece(&k, cur, sp[i].hide, status)) != FJ_OK)
                return st;
            cur = sp[i].end;
        }
        if (cur < (size_t)b && (st = piece(&k, cur, (size_t)b, status)) != FJ_OK)
            return st;
        a = b;
    }
    return flush_specials(&k, k.n);
}

static void finish(fj__text *tx, const fj_token **tokens, size_t *count)
{
    for (size_t i = 0; i < tx->tok_len; i++)
        tx->tok[i].text = tx->arena.data + tx->tok_text[i];
    *tokens = tx->tok_len ? tx->tok : NULL;
    *count = tx->tok_len;
}

static fj__text *begin(fj_context *ctx, const fj_token **tokens, size_t *count, fj_error *err)
{
    if (!tokens || !count) {
        fj__errorf(err, FJ_ERR_ARGUMENT, "tokens or count is NULL");
        return NULL;
    }
    *tokens = NULL;
    *count = 0;
    fj__text *tx = fj__text_scratch(ctx, err);
    if (tx) {
        tx->tok_len = 0;
        tx->arena.len = 0;
    }
    return tx;
}

fj_status fj__tokenize_field(fj_context *ctx, fj_field field, const char *utf8, size_t len,
                             const fj_token **tokens, size_t *count, fj_error *err)
{
    fj__text *tx = begin(ctx, tokens, count, err);
    if (!tx)
        return err ? err->status : FJ_ERR_ARGUMENT;
    if (!fj_field_name(field))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "no field %d", (int)field);
    fj_status st = tokenize_field(ctx, tx, field, utf8, len, err);
    if (st != FJ_OK) {
        tx->tok_len = 0;
        return st;
    }
    finish(tx, tokens, count);
    return FJ_OK;
}

fj_status fj_tokenize_text(fj_context *ctx, const char *utf8, size_t len, const fj_token **tokens,
                           size_t *count, fj_error *err)
{
    return fj__tokenize_field(ctx, FJ_FIELD_DESCRIPTION, utf8, len, tokens, count, err);
}

fj_status fj_tokenize_posting(fj_context *ctx, const fj_posting *p, const fj_token **tokens,
                              size_t *count, fj_error *err)
{
    fj__text *tx = begin(ctx, tokens, count, err);
    if (!tx)
        return err ? err->status : FJ_ERR_ARGUMENT;
    if (!p)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_tokenize_posting: the posting is NULL");
    for (size_t f = 0; f < FJ_TEXT_FIELD_COUNT; f++) {
        size_t len;
        const char *s = fj_posting_string(p, fj_text_fields[f], &len);
        if (!s)
            continue;
        fj_status st = tokenize_field(ctx, tx, fj_text_fields[f], s, len, err);
        if (st != FJ_OK) {
            if (err && !err->field[0])
                snprintf(err->field, sizeof err->field, "%s", fj_field_name(fj_text_fields[f]));
            tx->tok_len = 0;
            return st;
        }
    }
    finish(tx, tokens, count);
    return FJ_OK;
}
