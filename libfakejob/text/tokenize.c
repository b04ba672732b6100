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
 *
 * Speed. The text is cut at its spaces (normalized text has single spaces and none at the ends):
 * a space before a character that does not combine with it is a word boundary in every rule of
 * UAX #29 / ICU's word.txt, both before and after it, and no rule reads across it, so each
 * space-delimited chunk segments the same on its own as inside the text. A chunk of plain ASCII
 * (up to CHUNK_MAX bytes) that no typed token touches therefore tokenizes the same wherever it
 * appears (its tokens depend on its bytes alone), and its tokens are memoized per context: chunk
 * bytes -> (kind, span in the chunk, text) of each token, in an open-addressing table cleared
 * when full (English text repeats its chunks: 9 in 10 hit a warm memo, on text it never saw as
 * on text it did). Everything else (memo misses, non-ASCII, typed tokens, long chunks) runs the
 * ordinary path over the stretch between memo hits, in one go: ICU's break iterator over the
 * stretch converted to UTF-16 (ICU's native form: its UTF-8 UText costs a fifth more), boundaries
 * mapped back to UTF-8 with a cursor that only moves forward (a stretch of printable ASCII gets
 * the same boundaries from wordbreak.c without ICU); the misses in it are then memoized
 * with the tokens that start in them. The typed-token scanner (textscan.c) runs along, resumable:
 * before a chunk is tokenized it has found every typed token that starts before the chunk's end,
 * and a memoized chunk that the memo marks inert for it (fj__scan_inert) is stepped over unread.
 * Han text is memoized too: a run of Han characters between ASCII characters or Chinese
 * punctuation (、 。 《 》 「 」 『 』 【 】 “ ”; or the ends of a stretch) is segmented by ICU's
 * dictionary the same wherever it stands (no word-break rule reads across such a character next
 * to a Han one, and the dictionary's range is the run itself), so its boundaries are kept per
 * context (run bytes -> offsets and rule statuses);
 * three in four Han characters of ORFD's postings are in a run seen before.
 * Stems are cached per context too (word -> stem); texts go to the token arena with one bounds
 * check. The tests check that cached and uncached contexts give the same tokens.
 */
#include "text/analysis.h"
#include "text/text_impl.h"
#include "text/wordbreak.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf16.h>

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

#define STEM_MAX 64           /* longer words are not stemmed */
#define CHUNK_MAX 48          /* longer chunks are not memoized */
#define MEMO_ENTRIES 32768u   /* chunks memoized; the memo is cleared when full */
#define MEMO_BYTES (1u << 20) /* or when its records reach this size */
#define MISS_MAX 64           /* chunks recorded after one stretch of the ordinary path */

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1 /* eight bytes at a time, read little-endian */
#endif
#define ONES 0x0101010101010101ull
#define HIGH (0x80 * ONES)
#define KEY_WORDS (CHUNK_MAX / 8)

/* A chunk: up to the next space (or the end of the text). */
typedef struct chunk {
    size_t end;
    bool ascii;
    uint32_t hash;
    uint64_t key[KEY_WORDS]; /* its bytes, zero-padded to whole words, when it is short enough */
} chunk;

/* One field being tokenized. */
typedef struct tk {
    fj__text *tx;
    const fj_normtext *nt; /* the normalized text with its map to orig */
    const char *orig;
    size_t orig_len;
    const char *t; /* normalized text */
    size_t n;
    fj_field field;
    size_t emitted; /* specials emitted so far */
    size_t hk;      /* cursor of hidden() */
    fj_error *err;
    size_t first;   /* the first typed token that ends after the current segment's start */
    size_t sc, gc;  /* the first typed token that ends after the current chunk's / gap's start */
    bool ascii;     /* the stretch given to ICU is ASCII: UTF-16 offsets are byte offsets */
    size_t base;    /* where that stretch starts */
    size_t p8, p16; /* UTF-16 offset p16 of the stretch is byte p8 of t (only moves forward) */
    size_t seg_a;   /* the last word boundary emitted (emit) */
    fj_segmentation seg; /* of Han text */
    /* chunks not in the memo, left to the ordinary path and memoized after it */
    size_t nmiss;
    struct miss {
        size_t start;
        struct chunk c;
    } * miss; /* MISS_MAX of them */
} tk;

/* The byte offset in t of UTF-16 offset b16 (>= the previous one asked) of the stretch. */
static inline size_t u8_offset(tk *k, int32_t b16)
{
    if (k->ascii)
        return k->base + (size_t)b16;
    const unsigned char *t = (const unsigned char *)k->t;
    size_t p8 = k->p8, p16 = k->p16;
    while (p16 < (size_t)b16) {
        unsigned char c = t[p8];
        if (c < 0x80) {
            p8++;
            p16++;
        } else {
            p8 += c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            p16 += c < 0xF0 ? 1 : 2;
        }
    }
    k->p8 = p8;
    k->p16 = p16;
    return p8;
}

static inline fj_status push_off(tk *k, fj_token_kind kind, uint32_t text_off, size_t len, size_t a,
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
        uint32_t *sp = realloc(tx->tok_span, 2 * cap * sizeof *sp);
        if (!sp)
            return fj__nomem(k->err);
        tx->tok_span = sp;
        tx->tok_cap = cap;
    }
    fj_token *t = &tx->tok[tx->tok_len];
    t->text = NULL;
    t->len = (uint32_t)len;
    t->kind = (uint16_t)kind;
    t->field = (uint16_t)k->field;
    fj__span(k->nt, k->orig, k->orig_len, a, b, &t->start, &t->end);
    tx->tok_span[2 * tx->tok_len] = (uint32_t)a;
    tx->tok_span[2 * tx->tok_len + 1] = (uint32_t)b;
    tx->tok_text[tx->tok_len++] = text_off;
    return FJ_OK;
}

/* A token whose text (len bytes, not in the arena) is copied to the arena. */
static inline fj_status push(tk *k, fj_token_kind kind, const char *text, size_t len, size_t a,
                             size_t b)
{
    fj_buf *ar = &k->tx->arena;
    if (ar->cap - ar->len < len + 2 && !fj__buf_reserve(ar, len + 1))
        return fj__nomem(k->err);
    size_t off = ar->len;
    memcpy(ar->data + off, text, len);
    ar->data[off + len] = '\0';
    ar->len = off + len + 1;
    ar->data[ar->len] = '\0';
    return push_off(k, kind, (uint32_t)off, len, a, b);
}

/* Emit the typed tokens that start at or before `pos`. */
static fj_status flush_specials_slow(tk *k, size_t pos)
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

static inline fj_status flush_specials(tk *k, size_t pos)
{
    const fj__text *tx = k->tx;
    if (k->emitted < tx->sp_len && tx->sp[k->emitted].start <= pos)
        return flush_specials_slow(k, pos);
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

static inline uint32_t cp_at(const tk *k, size_t i, size_t *next)
{
    *next = i;
    return fj__u8_next(k->t, next);
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
        if ((unsigned char)k->t[i] < 0x80) { /* never an emoji */
            i++;
            continue;
        }
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

/* A Han word and the bigrams that start in it (each character decoded once); with
 * FJ_SEG_HAN_UNIGRAM each character is a word of its own, pushed before its bigram. */
static fj_status han_piece(tk *k, size_t a, size_t b)
{
    bool uni = k->seg == FJ_SEG_HAN_UNIGRAM;
    fj_status st = uni ? FJ_OK : push(k, FJ_TOK_WORD, k->t + a, b - a, a, b);
    size_t i = a, j;
    uint32_t cp = cp_at(k, i, &j);
    while (st == FJ_OK && i < b) {
        /* the typed tokens that start at or before the character first, as before a word */
        if (uni && ((st = flush_specials(k, i)) != FJ_OK ||
                    (st = push(k, FJ_TOK_WORD, k->t + i, j - i, i, j)) != FJ_OK))
            break;
        if (j >= k->n)
            break;
        size_t j2;
        uint32_t next = cp_at(k, j, &j2);
        if (fj__han(cp) && fj__han(next) && !hidden(k, j))
            st = push(k, FJ_TOK_BIGRAM, k->t + i, j2 - i, i, j2);
        i = j;
        j = j2;
        cp = next;
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

#define FNV_BASIS 2166136261u
#define FNV_STEP(h, c) (((h) ^ (unsigned char)(c)) * 16777619u)

static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* The Snowball English stem of word w (1..STEM_MAX bytes, FNV-1a hash h), through the
 * context's cache. */
static bool stem_of(fj__text *tx, const char *w, size_t n, uint32_t h, const char **out,
                    size_t *out_len)
{
    if ((tx->stem_used + 1) * 2 > tx->stem_cap && !stem_grow(tx))
        return false;
    size_t mask = tx->stem_cap - 1, i = h & mask;
    for (; tx->stems[i].word_len; i = (i + 1) & mask) {
        const fj__stem_slot *sl = &tx->stems[i];
        if (sl->hash == h && sl->word_len == n && same_bytes(tx->stem_arena.data + sl->off, w, n)) {
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
    uint32_t h = FNV_BASIS;
    if (len > STEM_MAX)
        return push(k, FJ_TOK_WORD, w, len, a, b);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)w[i];
        if (!((c >= 'a' && c <= 'z') || c == '\'')) {
            if (c != 0xE2 || i + 2 >= len || (unsigned char)w[i + 1] != 0x80 ||
                (unsigned char)w[i + 2] != 0x99)
                return push(k, FJ_TOK_WORD, w, len, a, b);
            c = '\'';
            i += 2;
        }
        buf[n++] = (char)c;
        h = FNV_STEP(h, c);
    }
    const char *st;
    size_t sl;
    if (!stem_of(k->tx, buf, n, h, &st, &sl))
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
    unsigned char c = (unsigned char)k->t[a];
    if (c >= 0x80) {
        size_t j;
        if (fj__han(cp_at(k, a, &j)))
            return han_piece(k, a, b);
    } else if (c == '\'' || c == '.' || c == '_' || c == '-') {
        return FJ_OK; /* a clipped remainder of punctuation */
    } else if (c >= '0' && c <= '9') {
        return word_piece(k, a, b);
    }
    /* ICU keeps "place.we" (a sentence end missing its space, common in EMSCAD), "e.g" and
     * "node.js" as one word: split words at dots */
    for (size_t s = a;;) {
        const char *dot = memchr(k->t + s, '.', b - s);
        size_t e = dot ? (size_t)(dot - k->t) : b;
        if (e > s && (st = word_piece(k, s, e)) != FJ_OK)
            return st;
        if (!dot)
            return FJ_OK;
        s = e + 1;
    }
}

/* The normalized text t[0..n) in UTF-16 into tx->brk16; its length in *len16. */
static bool to_utf16(fj__text *tx, const char *t, size_t n, int32_t *len16)
{
    if (tx->brk16_cap < n + 1) { /* UTF-16 never takes more units than UTF-8 bytes */
        size_t cap = tx->brk16_cap ? tx->brk16_cap : 256;
        while (cap < n + 1)
            cap *= 2;
        UChar *u = realloc(tx->brk16, cap * sizeof *u);
        if (!u)
            return false;
        tx->brk16 = u;
        tx->brk16_cap = cap;
    }
    UChar *u = tx->brk16;
    const unsigned char *s = (const unsigned char *)t;
    size_t o = 0, i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            u[o++] = s[i++];
            continue;
        }
        uint32_t cp = fj__u8_next(t, &i);
        if (cp < 0x10000) {
            u[o++] = (UChar)cp;
        } else {
            u[o++] = U16_LEAD(cp);
            u[o++] = U16_TRAIL(cp);
        }
    }
    *len16 = (int32_t)o;
    return true;
}

/* The segment from the last boundary (k->seg_a) to boundary b, with ICU's rule status: cut
 * around the typed tokens, each remaining piece tokenized. */
static fj_status emit(tk *k, size_t b, int32_t status)
{
    fj__text *tx = k->tx;
    const fj__special *sp = tx->sp;
    fj_status st;
    size_t a = k->seg_a;
    while (k->first < tx->sp_len && sp[k->first].end <= a)
        k->first++;
    size_t cur = a;
    for (size_t i = k->first; i < tx->sp_len && sp[i].hide < b; i++) {
        if (sp[i].end <= cur)
            continue;
        if (sp[i].hide > cur && (st = piece(k, cur, sp[i].hide, status)) != FJ_OK)
            return st;
        cur = sp[i].end;
    }
    if (cur < b && (st = piece(k, cur, b, status)) != FJ_OK)
        return st;
    k->seg_a = b;
    return FJ_OK;
}

/* A Han-run memo record being written: its boundaries (offset in the run, rule status). */
#define HAN_RUN_MAX 255 /* bytes: longer runs are not memoized */
typedef struct han_rec {
    uint8_t end[HAN_RUN_MAX];
    int32_t status[HAN_RUN_MAX];
    size_t n;
} han_rec;

/* ICU's word boundaries over [r0, r1), which starts and ends at word boundaries, each emitted
 * (and noted in rec when not NULL). */
static fj_status icu_range(tk *k, size_t r0, size_t r1, han_rec *rec)
{
    fj__text *tx = k->tx;
    fj_status st;
    if (FJ__WB_FAST && !rec && fj__ascii_wb_covers(k->t + r0, r1 - r0)) {
        /* printable ASCII: ICU's boundaries and word / non-word statuses, found without it */
        for (size_t a = r0; a < r1;) {
            bool word;
            a = r0 + fj__ascii_wb_next(k->t + r0, r1 - r0, a - r0, &word);
            if ((st = emit(k, a, word ? UBRK_WORD_LETTER : UBRK_WORD_NONE)) != FJ_OK)
                return st;
        }
        return FJ_OK;
    }
    if (FJ__WB_FAST && !rec && fj__mixed_wb_covers(k->t + r0, r1 - r0)) {
        /* printable ASCII and the Chinese punctuation between Han runs (、 。 【 】 ...): the
         * same, each punctuation character a segment of its own */
        size_t end = 0;
        for (size_t a = r0; a < r1;) {
            bool word;
            a = r0 + fj__mixed_wb_next(k->t + r0, r1 - r0, a - r0, &end, &word);
            if ((st = emit(k, a, word ? UBRK_WORD_LETTER : UBRK_WORD_NONE)) != FJ_OK)
                return st;
        }
        return FJ_OK;
    }
    int32_t len16;
    if (!to_utf16(tx, k->t + r0, r1 - r0, &len16))
        return fj__nomem(k->err);
    k->ascii = (size_t)len16 == r1 - r0;
    k->base = k->p8 = r0;
    k->p16 = 0;
    UErrorCode ue = U_ZERO_ERROR;
    ubrk_setText(tx->brk, tx->brk16, len16, &ue);
    if (U_FAILURE(ue))
        return fj__errorf(k->err, FJ_ERR_INTERNAL, "ICU word break iterator failed: %s",
                          u_errorName(ue));
    int32_t b16;
    ubrk_first(tx->brk);
    while ((b16 = ubrk_next(tx->brk)) != UBRK_DONE) {
        int32_t status = ubrk_getRuleStatus(tx->brk);
        size_t b = u8_offset(k, b16);
        if (rec && rec->n < HAN_RUN_MAX) {
            rec->end[rec->n] = (uint8_t)(b - r0);
            rec->status[rec->n++] = status;
        }
        if ((st = emit(k, b, status)) != FJ_OK)
            return st;
    }
    return FJ_OK;
}

static uint32_t han_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return (uint32_t)(h ^ h >> 32);
}

#define HAN_MEMO_ENTRIES 16384u   /* runs memoized; the memo is cleared when full */
#define HAN_MEMO_BYTES (1u << 20) /* or when its records reach this size */

/* Han-run records: length, boundary count, the run's bytes, then per boundary its offset (1
 * byte) and rule status (4 bytes). */
static const unsigned char *han_find(const fj__text *tx, const char *run, size_t len, uint32_t hash)
{
    if (!tx->han_memo)
        return NULL;
    size_t mask = tx->han_cap - 1;
    for (size_t i = hash & mask; tx->han_memo[i].off; i = (i + 1) & mask) {
        if (tx->han_memo[i].hash != hash)
            continue;
        const unsigned char *r =
            (const unsigned char *)tx->han_arena.data + tx->han_memo[i].off - 1;
        if (r[0] == len && memcmp(r + 2, run, len) == 0)
            return r;
    }
    return NULL;
}

static bool han_add(fj__text *tx, const char *run, size_t len, uint32_t hash, const han_rec *rec)
{
    size_t need = 2 + len + rec->n * 5;
    if (!tx->han_memo) {
        tx->han_memo = calloc(2 * HAN_MEMO_ENTRIES, sizeof *tx->han_memo);
        if (!tx->han_memo)
            return false;
        tx->han_cap = 2 * HAN_MEMO_ENTRIES;
    }
    if (tx->han_used + 1 > HAN_MEMO_ENTRIES || tx->han_arena.len + need >= HAN_MEMO_BYTES) {
        memset(tx->han_memo, 0, tx->han_cap * sizeof *tx->han_memo); /* full: start over */
        tx->han_used = 0;
        tx->han_arena.len = 0;
    }
    if (!fj__buf_reserve(&tx->han_arena, need))
        return false;
    size_t mask = tx->han_cap - 1, i = hash & mask;
    while (tx->han_memo[i].off)
        i = (i + 1) & mask;
    unsigned char *r = (unsigned char *)tx->han_arena.data + tx->han_arena.len;
    uint32_t off = (uint32_t)tx->han_arena.len + 1;
    r[0] = (unsigned char)len;
    r[1] = (unsigned char)rec->n;
    memcpy(r + 2, run, len);
    for (size_t j = 0; j < rec->n; j++) {
        r[2 + len + 5 * j] = rec->end[j];
        memcpy(r + 2 + len + 5 * j + 1, &rec->status[j], 4);
    }
    tx->han_arena.len += need;
    tx->han_memo[i] = (fj__memo_slot){.hash = hash, .off = off};
    tx->han_used++;
    return true;
}

/* The Han run [h0, h1), between ASCII characters, the Chinese punctuation of fj__han_bound_at
 * or the stretch's ends: ICU's dictionary segments it the same wherever it stands (no rule reads
 * across such a character next to a Han one, and its dictionary range is the run itself;
 * tests/test_wordbreak.c checks this against ICU on the corpus), so its boundaries are memoized
 * per context like the ASCII chunks. */
static fj_status han_run(tk *k, size_t h0, size_t h1)
{
    fj__text *tx = k->tx;
    const char *run = k->t + h0;
    size_t len = h1 - h0;
    uint32_t hash = han_hash(run, len);
    const unsigned char *r = han_find(tx, run, len, hash);
    fj_status st;
    if (r) {
        for (size_t j = 0; j < r[1]; j++) {
            int32_t status;
            memcpy(&status, r + 2 + len + 5 * j + 1, 4);
            if ((st = emit(k, h0 + r[2 + len + 5 * j], status)) != FJ_OK)
                return st;
        }
        return FJ_OK;
    }
    han_rec rec;
    rec.n = 0;
    if ((st = icu_range(k, h0, h1, &rec)) != FJ_OK)
        return st;
    if (rec.n < HAN_RUN_MAX && !han_add(tx, run, len, hash, &rec))
        return fj__nomem(k->err);
    return FJ_OK;
}

/* The ordinary path over the stretch [r0, r1) of the normalized text, which starts and ends at
 * word boundaries: ICU's segments, cut around the typed tokens, each remaining piece tokenized.
 * Runs of Han characters between ASCII characters (or the stretch's ends) go through the Han-run
 * memo; the rest through ICU. */
static fj_status icu_stretch(tk *k, size_t r0, size_t r1)
{
    const unsigned char *t = (const unsigned char *)k->t;
    fj_status st;
    k->seg_a = r0;
    size_t s0 = r0, i = r0;
    while (i < r1) {
        if (t[i] < 0x80) {
            i++;
            continue;
        }
        size_t j = i;
        if (!fj__han(fj__u8_next(k->t, &j))) {
            i = j;
            continue;
        }
        size_t h1 = j;
        while (h1 < r1 && t[h1] >= 0x80) {
            size_t q = h1;
            if (!fj__han(fj__u8_next(k->t, &q)))
                break;
            h1 = q;
        }
        bool bounded = (i == r0 || fj__han_bound_before(t, r0, i)) &&
                       (h1 == r1 || fj__han_bound_at(t, r1, h1));
        if (bounded && (h1 - i <= HAN_RUN_MAX || k->seg == FJ_SEG_HAN_UNIGRAM)) {
            if (s0 < i && (st = icu_range(k, s0, i, NULL)) != FJ_OK)
                return st;
            /* without the dictionary the run is one segment, cut into characters (han_piece) */
            st = k->seg == FJ_SEG_HAN_UNIGRAM ? emit(k, h1, UBRK_WORD_IDEO) : han_run(k, i, h1);
            if (st != FJ_OK)
                return st;
            s0 = h1;
        }
        i = h1;
    }
    return s0 < r1 ? icu_range(k, s0, r1, NULL) : FJ_OK;
}

/* Whether a typed token overlaps [a, b) (a never decreases between calls with one cursor). */
static inline bool touched(const fj__text *tx, size_t *cursor, size_t a, size_t b)
{
    while (*cursor < tx->sp_len && tx->sp[*cursor].end <= a)
        (*cursor)++;
    return *cursor < tx->sp_len && tx->sp[*cursor].start < b;
}

/* ---- the chunk memo ---- */

/* The chunk at a of t[0..n): its end, whether it is plain ASCII, its key and hash. */
static inline void chunk_at(const unsigned char *t, size_t n, size_t a, chunk *c)
{
    uint64_t high = 0, h = 0x9E3779B97F4A7C15ull;
    size_t b = a, w = 0;
    for (;;) {
        /* the next (up to) eight bytes before a space or the end: x, k of them */
        uint64_t x = 0;
        size_t k;
#ifdef SWAR
        if (b + 8 <= n)
            memcpy(&x, t + b, 8);
        else
            for (k = 0; b + k < n; k++) /* the end of the text reads as NULs */
                x |= (uint64_t)t[b + k] << (8 * k);
        uint64_t y = x ^ (0x20 * ONES);
        /* the lowest byte that is NUL or a space (exact for the lowest one) */
        uint64_t stop = (((x - ONES) & ~x) | ((y - ONES) & ~y)) & HIGH;
        k = stop ? (size_t)__builtin_ctzll(stop) >> 3 : 8;
        if (k < 8)
            x &= k ? ~0ull >> (64 - 8 * k) : 0;
#else
        for (k = 0; k < 8 && b + k < n && t[b + k] != ' '; k++)
            x |= (uint64_t)t[b + k] << (8 * k);
#endif
        if (k) {
            high |= x;
            h = (h ^ x) * 0xFF51AFD7ED558CCDull;
            if (w < KEY_WORDS)
                c->key[w] = x;
            w++;
        }
        b += k;
        if (k < 8)
            break;
    }
    c->end = b;
    c->ascii = !(high & HIGH);
    c->hash = (uint32_t)(h >> 32);
}

/* Memo records: the chunk's length, flags (MEMO_INERT: fj__scan_inert), token count, its key
 * (whole words), then per token its kind, start and end in the chunk, length and text. */
#define MEMO_INERT 1u
#define REC_KEY 3

static inline bool same_key(const unsigned char *r, const uint64_t *key, size_t len)
{
    for (size_t w = 0; w < (len + 7) / 8; w++) {
        uint64_t x;
        memcpy(&x, r + 8 * w, 8);
        if (x != key[w])
            return false;
    }
    return true;
}

/* The memo's record of chunk c (len bytes). NULL on a miss. */
static const unsigned char *memo_find(const fj__text *tx, const chunk *c, size_t len)
{
    if (!tx->memo)
        return NULL;
    size_t mask = tx->memo_cap - 1;
    for (size_t i = c->hash & mask; tx->memo[i].off; i = (i + 1) & mask) {
        if (tx->memo[i].hash != c->hash)
            continue;
        const unsigned char *r = (const unsigned char *)tx->memo_arena.data + tx->memo[i].off - 1;
        if (r[0] == len && same_key(r + REC_KEY, c->key, len))
            return r;
    }
    return NULL;
}

/* The tokens of the chunk at a from its memo record. */
static fj_status replay(tk *k, size_t a, const unsigned char *r)
{
    /* the typed tokens before the chunk are due, as at the first segment of the ordinary path */
    fj_status st = flush_specials(k, a);
    size_t n = r[2];
    r += REC_KEY + (r[0] + 7) / 8 * 8;
    fj_buf *ar = &k->tx->arena;
    for (size_t j = 0; j < n && st == FJ_OK; j++) {
        size_t tl = r[3];
        if (ar->cap - ar->len < tl + 18 && !fj__buf_reserve(ar, tl + 17))
            return fj__nomem(k->err);
        size_t off = ar->len;
        if (tl <= 16) /* the memo arena has 16 bytes to spare after its last record */
            memcpy(ar->data + off, r + 4, 16);
        else
            memcpy(ar->data + off, r + 4, tl);
        ar->data[off + tl] = '\0';
        ar->len = off + tl + 1;
        ar->data[ar->len] = '\0';
        st = push_off(k, (fj_token_kind)r[0], (uint32_t)off, tl, a + r[1], a + r[2]);
        r += 4 + tl;
    }
    return st;
}

/* Memoize chunk [a, b) (c: its key and hash) with the tokens tx->tok[t0, t1) the ordinary path
 * gave it. false on allocation failure. */
static bool memo_add(tk *k, size_t a, size_t b, const chunk *c, size_t t0, size_t t1)
{
    fj__text *tx = k->tx;
    size_t len = b - a, n = t1 - t0, kb = (len + 7) / 8 * 8, need = REC_KEY + kb;
    if (n > 255 || memo_find(tx, c, len)) /* twice in one stretch */
        return true;
    for (size_t j = t0; j < t1; j++) {
        if (tx->tok[j].len > 255)
            return true;
        need += 4 + tx->tok[j].len;
    }
    if (!tx->memo) {
        tx->memo = calloc(2 * MEMO_ENTRIES, sizeof *tx->memo);
        if (!tx->memo)
            return false;
        tx->memo_cap = 2 * MEMO_ENTRIES;
    }
    if (tx->memo_used + 1 > MEMO_ENTRIES || tx->memo_arena.len + need >= MEMO_BYTES) {
        memset(tx->memo, 0, tx->memo_cap * sizeof *tx->memo); /* full: start over */
        tx->memo_used = 0;
        tx->memo_arena.len = 0;
    }
    size_t mask = tx->memo_cap - 1, i = c->hash & mask;
    while (tx->memo[i].off)
        i = (i + 1) & mask;
    if (!fj__buf_reserve(&tx->memo_arena, need + 16)) /* 16 to spare: see replay */
        return false;
    unsigned char *r = (unsigned char *)tx->memo_arena.data + tx->memo_arena.len;
    uint32_t off = (uint32_t)tx->memo_arena.len + 1;
    *r++ = (unsigned char)len;
    *r++ = fj__scan_inert(k->t, a, b) ? MEMO_INERT : 0;
    *r++ = (unsigned char)n;
    memcpy(r, c->key, kb);
    r += kb;
    for (size_t j = t0; j < t1; j++) {
        const fj_token *t = &tx->tok[j];
        *r++ = (unsigned char)t->kind;
        *r++ = (unsigned char)(tx->tok_span[2 * j] - a);
        *r++ = (unsigned char)(tx->tok_span[2 * j + 1] - a);
        *r++ = (unsigned char)t->len;
        memcpy(r, tx->arena.data + tx->tok_text[j], t->len);
        r += t->len;
    }
    memset(r, 0, 16);
    tx->memo_arena.len += need;
    tx->memo[i] = (fj__memo_slot){.hash = c->hash, .off = off};
    tx->memo_used++;
    return true;
}

/* The stretch [a, b) between memo hits: a lone space (a segment without tokens: only the typed
 * tokens before it are due), or the ordinary path, after which the chunks in it that missed the
 * memo are memoized with their tokens (a chunk's tokens are the ones that start in it). */
static fj_status stretch(tk *k, size_t a, size_t b)
{
    fj__text *tx = k->tx;
    if (b == a + 1 && k->t[a] == ' ' && !touched(tx, &k->gc, a, b))
        return flush_specials(k, a);
    size_t t0 = tx->tok_len;
    fj_status st = icu_stretch(k, a, b);
    size_t j = t0;
    for (size_t m = 0; m < k->nmiss && st == FJ_OK; m++) {
        const struct miss *c = &k->miss[m];
        while (j < tx->tok_len && tx->tok_span[2 * j] < c->start)
            j++;
        size_t j1 = j;
        while (j1 < tx->tok_len && tx->tok_span[2 * j1] < c->c.end)
            j1++;
        if (!memo_add(k, c->start, c->c.end, &c->c, j, j1))
            st = fj__nomem(k->err);
        j = j1;
    }
    k->nmiss = 0;
    return st;
}

/* Tokenize field text s (len bytes), normalized into nt. */
static fj_status tokenize_normalized(fj__text *tx, fj_field field, const char *s, size_t len,
                                     const fj_normtext *nt, fj_segmentation seg, fj_error *err)
{
    fj_status st;
    tk k = {.tx = tx,
            .seg = seg,
            .nt = nt,
            .orig = s,
            .orig_len = len,
            .t = nt->text.data,
            .n = nt->text.len,
            .field = field,
            .err = err};
    if (k.n == 0)
        return FJ_OK;
    struct miss misses[MISS_MAX];
    k.miss = misses;
    fj__scanner sc;
    fj__scan_begin(&sc, tx, k.t, k.n, field == FJ_FIELD_SALARY);
    const unsigned char *t = (const unsigned char *)k.t;
    size_t done = 0; /* everything before it is tokenized */
    for (size_t a = 0; a < k.n;) {
        chunk cur, *c = &cur;
        chunk_at(t, k.n, a, c);
        size_t b = c->end;
        if (c->ascii && b > a && b - a <= CHUNK_MAX) {
            /* the typed tokens that start before b must be known; an inert chunk the scan
             * stands at is stepped over */
            const unsigned char *rec = memo_find(tx, c, b - a);
            if (!(rec && (rec[1] & MEMO_INERT) && fj__scan_skip(&sc, a, b)) &&
                !fj__scan_until(&sc, b))
                return fj__nomem(err);
            if (!touched(tx, &k.sc, a, b)) {
                /* a stretch before a hit or after MISS_MAX misses ends at the chunk's start (a
                 * word boundary); memoizing the misses may move or clear the record */
                if ((rec ? k.nmiss > 0 : k.nmiss == MISS_MAX) && done < a) {
                    if ((st = stretch(&k, done, a)) != FJ_OK)
                        return st;
                    done = a;
                    rec = memo_find(tx, c, b - a);
                }
                if (rec) {
                    if (done < a && (st = stretch(&k, done, a)) != FJ_OK)
                        return st;
                    if ((st = replay(&k, a, rec)) != FJ_OK)
                        return st;
                    done = b;
                } else {
                    k.miss[k.nmiss].start = a;
                    k.miss[k.nmiss++].c = *c;
                }
            }
        }
        a = b + 1;
    }
    if (!fj__scan_until(&sc, k.n))
        return fj__nomem(err);
    if (done < k.n && (st = stretch(&k, done, k.n)) != FJ_OK)
        return st;
    return flush_specials(&k, k.n);
}

static fj_status tokenize_field(fj_context *ctx, fj__text *tx, fj_field field, const char *s,
                                size_t len, fj_segmentation seg, fj_error *err)
{
    fj_status st = fj__normalize_into(ctx, s, len, &tx->nt, err);
    if (st != FJ_OK)
        return st;
    return tokenize_normalized(tx, field, s, len, &tx->nt, seg, err);
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

const char *fj_segmentation_name(fj_segmentation seg)
{
    switch (seg) {
    case FJ_SEG_DICTIONARY:
        return "icu-dictionary";
    case FJ_SEG_HAN_UNIGRAM:
        return "han-unigram";
    }
    return NULL;
}

fj_status fj__tokenize_field_seg(fj_context *ctx, fj_field field, const char *utf8, size_t len,
                                 fj_segmentation seg, const fj_token **tokens, size_t *count,
                                 fj_error *err)
{
    fj__text *tx = begin(ctx, tokens, count, err);
    if (!tx)
        return err ? err->status : FJ_ERR_ARGUMENT;
    if (!fj_field_name(field))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "no field %d", (int)field);
    if (!fj_segmentation_name(seg))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "no segmentation %d", (int)seg);
    fj_status st = tokenize_field(ctx, tx, field, utf8, len, seg, err);
    if (st != FJ_OK) {
        tx->tok_len = 0;
        return st;
    }
    finish(tx, tokens, count);
    return FJ_OK;
}

fj_status fj_tokenize_field(fj_context *ctx, fj_field field, const char *utf8, size_t len,
                            const fj_token **tokens, size_t *count, fj_error *err)
{
    return fj__tokenize_field_seg(ctx, field, utf8, len, FJ_SEG_DICTIONARY, tokens, count, err);
}

fj_status fj_tokenize_text(fj_context *ctx, const char *utf8, size_t len, const fj_token **tokens,
                           size_t *count, fj_error *err)
{
    return fj_tokenize_field(ctx, FJ_FIELD_DESCRIPTION, utf8, len, tokens, count, err);
}

fj_status fj__tokenize_analysis(fj_context *ctx, const struct fj__analysis *an,
                                const fj_token **tokens, size_t *count, fj_error *err)
{
    fj__text *tx = begin(ctx, tokens, count, err);
    if (!tx)
        return err ? err->status : FJ_ERR_ARGUMENT;
    for (size_t f = 0; f < FJ_TEXT_FIELD_COUNT; f++) {
        const fj__afield *af = &an->field[fj_text_fields[f]];
        if (!af->present)
            continue;
        fj_status st = tokenize_normalized(tx, fj_text_fields[f], af->orig, af->orig_len, &af->nt,
                                           an->seg, err);
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

fj_status fj_tokenize_posting(fj_context *ctx, const fj_posting *p, const fj_token **tokens,
                              size_t *count, fj_error *err)
{
    if (tokens)
        *tokens = NULL;
    if (count)
        *count = 0;
    if (!ctx || !tokens || !count)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "tokens or count is NULL");
    if (!p)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_tokenize_posting: the posting is NULL");
    const fj__analysis *an;
    fj_status st = fj__analyze_unvalidated(ctx, p, &an, err);
    if (st != FJ_OK)
        return st;
    return fj__analysis_tokens(ctx, an, tokens, count, err);
}
