/*
 * text_impl.h - internals of the text pipeline shared by normalize.c, tokenize.c, textscan.c and
 * textdata.c: the per-context scratch (FJ_SLOT_TEXT) and the typed-token scanner. Only the
 * pipeline's own files include it; other modules use text.h.
 */
#ifndef FJ_TEXT_IMPL_H
#define FJ_TEXT_IMPL_H

#include "text/quantity.h"
#include "text/text.h"

#include <unicode/ubrk.h>
#include <unicode/unorm2.h>

struct sb_stemmer;

/* A typed token found by the scanner (textscan.c) in normalized text: its span [start, end),
 * and `hide`: ICU word segments from `hide` to `end` are covered by it and not emitted as words
 * (between start and hide lie cue words such as 日结 that stay words too). Its text is in the
 * token arena at text_off. */
typedef struct fj__special {
    uint32_t start, hide, end;
    uint32_t text_off, text_len;
    uint16_t kind;
} fj__special;

/* The FJ_SLOT_TEXT scratch: ICU objects, the stemmer, the normalization cache and the flat
 * arrays reused by every call. */
typedef struct fj__text {
    const UNormalizer2 *nfkc; /* ICU's NFKC_Casefold (shared, immutable) */
    UBreakIterator *brk;      /* word break iterator */
    struct sb_stemmer *stemmer;
    UChar *brk16; /* the normalized text in UTF-16 for the break iterator (its fastest input) */
    size_t brk16_cap;

    /* Normalization cache: per code point, its NFKC_Casefold + Hant-Hans + space folding result.
     * entry = (offset in `cache` << 9) | (has_space << 8) | (length << 2) |
     * (no_boundary_before << 1) | 1; 0 = not computed yet. BMP code points index `bmp`; others go
     * to an open-addressing table. */
    uint32_t *bmp;
    uint32_t *astral_key, *astral_val;
    size_t astral_cap, astral_len;
    fj_buf cache;
    UChar *u16; /* scratch for combining sequences */
    size_t u16_cap;

    uint64_t cue_mask[16]; /* first code points of the Han cues (textdata.c), by cp & 1023 */

    /* Chunk memo (tokenize.c): a space-delimited ASCII chunk -> its tokens, open addressing
     * (slot: hash, 1 + offset of the record in memo_arena; 0 = empty), cleared when full. */
    struct fj__memo_slot *memo;
    size_t memo_cap, memo_used;
    fj_buf memo_arena;

    /* Han-run memo (tokenize.c): a run of Han characters between ASCII characters -> ICU's
     * boundaries in it (offset, rule status), open addressing as the chunk memo, cleared when
     * full. */
    struct fj__memo_slot *han_memo;
    size_t han_cap, han_used;
    fj_buf han_arena;

    /* Stem cache: English word -> Snowball stem, open addressing, cleared when full. */
    struct fj__stem_slot *stems;
    size_t stem_cap, stem_used;
    fj_buf stem_arena; /* word bytes followed by stem bytes, per slot */

    fj_normtext nt; /* the text being tokenized / fj_normalize's result */
    fj__special *sp;
    size_t sp_len, sp_cap;
    fj_token *tok;
    uint32_t *tok_text; /* arena offset of each token's text until the pointers are fixed */
    uint32_t *tok_span; /* each token's span in the normalized text: start, end (the memo's) */
    size_t tok_len, tok_cap;
    fj_buf arena; /* token texts, NUL-terminated */
} fj__text;

typedef struct fj__memo_slot {
    uint32_t hash, off;
} fj__memo_slot;

typedef struct fj__stem_slot {
    uint32_t hash, off; /* word at stem_arena + off, its stem right after it */
    uint8_t word_len, stem_len;
} fj__stem_slot;

/** The code point at s[*i] of VALID UTF-8 (validated input, or normalized text), *i moved past
 *  it: fj__utf8_next without the bounds checks, inlined for the hot loops. */
static inline uint32_t fj__u8_next(const char *str, size_t *i)
{
    const unsigned char *s = (const unsigned char *)str + *i;
    uint32_t c = s[0];
    if (c < 0x80) {
        *i += 1;
        return c;
    }
    if (c < 0xE0) {
        *i += 2;
        return ((c & 0x1F) << 6) | (s[1] & 0x3Fu);
    }
    if (c < 0xF0) {
        *i += 3;
        return ((c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3Fu);
    }
    *i += 4;
    return ((c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
           (s[3] & 0x3Fu);
}

/** fj__is_han, inlined. */
static inline bool fj__han(uint32_t cp)
{
    if (cp < 0x3400)
        return cp == 0x3007; /* 〇 */
    return (cp >= 0x4E00 && cp <= 0x9FFF) || cp <= 0x4DBF || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2EBEF) ||
           (cp >= 0x2F800 && cp <= 0x2FA1F) || (cp >= 0x30000 && cp <= 0x323AF);
}

/** fj__normtext_span (see text.h), its common case inlined: the token's last character came
 *  from one original character and the next normalized byte from the one right after it. */
void fj__normtext_span_slow(const fj_normtext *nt, const char *orig, size_t orig_len, size_t a,
                            size_t b, uint32_t *start, uint32_t *end);
static inline void fj__span(const fj_normtext *nt, const char *orig, size_t orig_len, size_t a,
                            size_t b, uint32_t *start, uint32_t *end)
{
    uint32_t last = nt->orig[b - 1], e = nt->orig[b];
    if (e != last && last < orig_len) {
        unsigned char c = (unsigned char)orig[last];
        uint32_t k = last + (c < 0x80 ? 1u : c < 0xE0 ? 2u : c < 0xF0 ? 3u : 4u);
        if (k == e) {
            *start = nt->orig[a];
            *end = k;
            return;
        }
    }
    fj__normtext_span_slow(nt, orig, orig_len, a, b, start, end);
}

struct fj__analysis;
/** fj_tokenize_posting over an analysis' normalized texts (analysis.h, fj__analysis_tokens). */
fj_status fj__tokenize_analysis(fj_context *ctx, const struct fj__analysis *an,
                                const fj_token **tokens, size_t *count, fj_error *err);

/** fj_tokenize_field with Han text cut by `seg` (fj_tokenize_field: FJ_SEG_DICTIONARY);
 *  FJ_ERR_ARGUMENT for a segmentation that does not exist. */
fj_status fj__tokenize_field_seg(fj_context *ctx, fj_field field, const char *utf8, size_t len,
                                 fj_segmentation seg, const fj_token **tokens, size_t *count,
                                 fj_error *err);

/** The context's text scratch, created on first use. NULL with err filled on failure. */
fj__text *fj__text_scratch(fj_context *ctx, fj_error *err);

/* The typed-token scanner (textscan.c) over normalized text, resumable: it runs left to right
 * and keeps its state (the position, the pending cue) between calls. */
typedef struct fj__scanner {
    fj__text *tx;
    const char *t;
    size_t n;
    bool money_field; /* the salary field: a bare amount is money */
    uint8_t cue_kind, cue_period;
    bool cue_han; /* a Han cue (implies yuan) */
    size_t cue_start, cue_end;
    bool fail; /* allocation failure */
    size_t i;  /* the scan position */
    bool dry;  /* record nothing, only note in `added` that a typed token was found */
    bool added;
} fj__scanner;

/** Start scanning normalized text t[0..n) (t[n] == '\0') for typed tokens into tx->sp (cleared),
 *  their texts in tx->arena. `money_field`: the text is a salary, where a bare amount is money. */
void fj__scan_begin(fj__scanner *s, fj__text *tx, const char *t, size_t n, bool money_field);
/** Scan on until every typed token that starts before `limit` is in tx->sp (tokens are appended
 *  in order and never removed). false on allocation failure. */
bool fj__scan_until(fj__scanner *s, size_t limit);
/** Whether the scan does nothing at the chunk t[a..b) (ASCII, between spaces or the ends of the
 *  text) but step over it when no cue is pending: no typed token starts in it and it is no cue.
 *  A property of its bytes alone. */
bool fj__scan_inert(const char *t, size_t a, size_t b);
/** Step the scan over the inert chunk [a, b) when it stands right at it with no cue pending
 *  (exactly what scanning it would do); false, and nothing done, otherwise. */
bool fj__scan_skip(fj__scanner *s, size_t a, size_t b);

/* ---- Traditional to Simplified (t2s_table.c, generated by t2s_gen.c) ---- */

typedef struct fj__t2s_entry {
    uint32_t cp;   /* a Han code point ICU's Hant-Hans changes */
    const char *s; /* its Simplified form, UTF-8 */
} fj__t2s_entry;
extern const fj__t2s_entry fj__t2s_table[]; /* ascending by cp */
extern const size_t fj__t2s_count;

/* ---- data lists (textdata.c) ---- */

typedef enum fj__cue_kind { FJ_CUE_NONE = 0, FJ_CUE_QQ, FJ_CUE_WECHAT, FJ_CUE_MONEY } fj__cue_kind;

typedef struct fj__cue {
    const char *text; /* normalized UTF-8 */
    uint8_t kind;     /* fj__cue_kind */
    uint8_t period;   /* for money cues: a fj__period */
} fj__cue;

extern const fj__cue fj__han_cues[];  /* terminated by a NULL text */
extern const fj__cue fj__word_cues[]; /* ASCII cue words, whole words only */
extern const char *const fj__freemail_domains[];
extern const char *const fj__freemail_families[]; /* "yahoo." matches yahoo.co.uk, yahoo.fr… */
extern const char *const fj__shortener_hosts[];
extern const char *const fj__bare_tlds[];   /* TLDs accepted for URLs without scheme or www. */
extern const char *const fj__not_domains[]; /* asp.net… */
extern const char *const fj__period_names[];

/** Whether `s` (len bytes) is one of the NULL-terminated list's strings. */
bool fj__in_list(const char *const *list, const char *s, size_t len);

#endif /* FJ_TEXT_IMPL_H */
