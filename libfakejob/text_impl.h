/*
 * text_impl.h - internals of the text pipeline shared by normalize.c, tokenize.c, textscan.c and
 * textdata.c: the per-context scratch (FJ_SLOT_TEXT) and the typed-token scanner. Only the
 * pipeline's own files include it; other modules use text.h.
 */
#ifndef FJ_TEXT_IMPL_H
#define FJ_TEXT_IMPL_H

#include "text.h"

#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/utext.h>
#include <unicode/utrans.h>

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
    UTransliterator *t2s;     /* "Hant-Hans", opened on the first Han character */
    UBreakIterator *brk;      /* word break iterator */
    UText *ut;                /* UTF-8 UText reused for every text */
    struct sb_stemmer *stemmer;

    /* Normalization cache: per code point, its NFKC_Casefold + Hant-Hans + space folding result.
     * entry = (offset in `cache` << 8) | (length << 2) | (no_boundary_before << 1) | 1; 0 = not
     * computed yet. BMP code points index `bmp`; others go to an open-addressing table. */
    uint32_t *bmp;
    uint32_t *astral_key, *astral_val;
    size_t astral_cap, astral_len;
    fj_buf cache;
    UChar *u16; /* scratch for combining sequences */
    size_t u16_cap;

    uint64_t cue_mask[16]; /* first code points of the Han cues (textdata.c), by cp & 1023 */

    /* Stem cache: English word -> Snowball stem, open addressing, cleared when full. */
    struct fj__stem_slot *stems;
    size_t stem_cap, stem_used;
    fj_buf stem_arena; /* word bytes followed by stem bytes, per slot */

    fj_normtext nt; /* the text being tokenized / fj_normalize's result */
    fj__special *sp;
    size_t sp_len, sp_cap;
    fj_token *tok;
    uint32_t *tok_text; /* arena offset of each token's text until the pointers are fixed */
    size_t tok_len, tok_cap;
    fj_buf arena; /* token texts, NUL-terminated */
} fj__text;

typedef struct fj__stem_slot {
    uint32_t hash, off; /* word at stem_arena + off, its stem right after it */
    uint8_t word_len, stem_len;
} fj__stem_slot;

/** The context's text scratch, created on first use. NULL with err filled on failure. */
fj__text *fj__text_scratch(fj_context *ctx, fj_error *err);

/** Scan normalized text t[0..n) for typed tokens, appending them to tx->sp (cleared first) with
 *  their texts in tx->arena. `money_field`: the text is a salary, where a bare amount is money.
 *  false on allocation failure. */
bool fj__scan_specials(fj__text *tx, const char *t, size_t n, bool money_field);

/* ---- data lists (textdata.c) ---- */

typedef enum fj__cue_kind { FJ_CUE_NONE = 0, FJ_CUE_QQ, FJ_CUE_WECHAT, FJ_CUE_MONEY } fj__cue_kind;

typedef struct fj__cue {
    const char *text; /* normalized UTF-8 */
    uint8_t kind;     /* fj__cue_kind */
    uint8_t period;   /* for money cues: a fj__period */
} fj__cue;

typedef enum fj__period {
    FJ_PERIOD_NONE = 0,
    FJ_PERIOD_HOUR,
    FJ_PERIOD_DAY,
    FJ_PERIOD_WEEK,
    FJ_PERIOD_MONTH,
    FJ_PERIOD_YEAR
} fj__period;

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
