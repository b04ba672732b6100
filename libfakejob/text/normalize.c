/*
 * normalize.c - text normalization and the text pipeline's per-context scratch.
 *
 * Reads UTF-8 (validated strictly: invalid input is FJ_ERR_INPUT with its byte offset) and
 * writes normalized UTF-8 plus a map from every normalized byte back to the original byte offset
 * of the character that produced it (fj_normtext). Normalization is ICU's NFKC_Casefold
 * (full-width to ASCII, ＱＱ to qq, ligatures and compatibility forms expanded, default-ignorable
 * characters such as U+200B and U+FE0F removed), then Traditional to Simplified Chinese for Han
 * characters (ICU's "Hant-Hans" per character, as a generated table: t2s_table.c), then whitespace
 * and control characters folded to single spaces with none at either end.
 *
 * Speed: text splits into independent pieces at normalization boundaries, so nearly every code
 * point is normalized on its own. Its result (after transliteration and space folding) is cached
 * per context: a direct table for the BMP, an open-addressing table above it. ASCII never touches
 * ICU: NFKC_Casefold of ASCII is lower case, and runs of plain ASCII are folded eight bytes at a
 * time (SWAR). Each other code point costs ICU once per context.
 * Only runs with combining marks (a code point with no boundary before it) go through ICU's
 * normalizer as a whole, cut after 30 marks as in UAX #15's stream-safe format so that they stay
 * linear. Validation skips plain ASCII eight bytes at a time too.
 */
#include "text/text_impl.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "core/fj_internal.h"

/* ------------------------------------------------------------------------------------------ */
/* Scratch                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void text_free(void *p)
{
    fj__text *tx = p;
    if (!tx)
        return;
    if (tx->brk)
        ubrk_close(tx->brk);
    free(tx->brk16);
    if (tx->stemmer)
        sb_stemmer_delete(tx->stemmer);
    free(tx->bmp);
    free(tx->astral_key);
    free(tx->astral_val);
    fj__buf_free(&tx->cache);
    free(tx->u16);
    fj__normtext_free(&tx->nt);
    free(tx->sp);
    free(tx->tok);
    free(tx->tok_text);
    free(tx->tok_span);
    fj__buf_free(&tx->arena);
    free(tx->stems);
    fj__buf_free(&tx->stem_arena);
    free(tx->memo);
    fj__buf_free(&tx->memo_arena);
    free(tx->han_memo);
    fj__buf_free(&tx->han_arena);
    free(tx);
}

fj__text *fj__text_scratch(fj_context *ctx, fj_error *err)
{
    if (!ctx) {
        fj__errorf(err, FJ_ERR_ARGUMENT, "the context is NULL");
        return NULL;
    }
    fj__text *tx = fj__ctx_slot(ctx, FJ_SLOT_TEXT);
    if (tx)
        return tx;
    tx = calloc(1, sizeof *tx);
    if (!tx || !(tx->bmp = calloc(0x10000, sizeof *tx->bmp))) {
        free(tx);
        fj__nomem(err);
        return NULL;
    }
    UErrorCode st = U_ZERO_ERROR;
    tx->nfkc = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st)) {
        fj__errorf(err, FJ_ERR_INTERNAL, "ICU NFKC_Casefold normalizer unavailable: %s",
                   u_errorName(st));
        text_free(tx);
        return NULL;
    }
    tx->brk = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    if (U_FAILURE(st)) {
        fj__errorf(err, FJ_ERR_INTERNAL, "ICU word break iterator unavailable: %s",
                   u_errorName(st));
        text_free(tx);
        return NULL;
    }
    tx->stemmer = sb_stemmer_new("english", "UTF_8");
    if (!tx->stemmer) {
        fj__errorf(err, FJ_ERR_INTERNAL, "the Snowball English stemmer could not be created");
        text_free(tx);
        return NULL;
    }
    for (const fj__cue *c = fj__han_cues; c->text; c++) {
        size_t i = 0;
        uint32_t cp = fj__utf8_next(c->text, strlen(c->text), &i);
        tx->cue_mask[(cp & 1023) >> 6] |= (uint64_t)1 << (cp & 63);
    }
    fj__ctx_set_slot(ctx, FJ_SLOT_TEXT, tx, text_free);
    return tx;
}

/* ------------------------------------------------------------------------------------------ */
/* Character classes                                                                          */
/* ------------------------------------------------------------------------------------------ */

bool fj__is_han(uint32_t cp)
{
    return fj__han(cp);
}

static bool is_space_or_control(uint32_t c)
{
    if (c < 0x80)
        return c <= 0x20 || c == 0x7F;
    return u_isUWhiteSpace((UChar32)c) || u_charType((UChar32)c) == U_CONTROL_CHAR;
}

/* ------------------------------------------------------------------------------------------ */
/* The per-code-point cache                                                                   */
/* ------------------------------------------------------------------------------------------ */

#define ENTRY_MAX_LEN 63u
#define ENTRY_MAX_OFF ((1u << 23) - 1)
#define ENTRY_LEN(e) (((e) >> 2) & 63u)
#define ENTRY_OFF(e) ((e) >> 9)
#define ENTRY_NBB(e) (((e) >> 1) & 1u)
#define ENTRY_SPACE 0x100u /* the result holds a space (space folding applies) */

/* Append the Simplified form of Han code point c to out (room for 16 bytes): the generated
 * table of ICU's Hant-Hans (t2s_table.c), so no transliterator is ever opened. */
static void t2s(uint32_t c, char *out, size_t *n)
{
    size_t lo = 0, hi = fj__t2s_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fj__t2s_table[mid].cp < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < fj__t2s_count && fj__t2s_table[lo].cp == c) {
        size_t m = strlen(fj__t2s_table[lo].s);
        memcpy(out + *n, fj__t2s_table[lo].s, m);
        *n += m;
    } else {
        *n += fj__utf8_put(out + *n, c);
    }
}

/* The normalized form of code point cp on its own, into out (at least 256 bytes). */
static fj_status compute(fj__text *tx, uint32_t cp, char *out, size_t *n, fj_error *err)
{
    UChar src[2], dst[64];
    int32_t dlen = 0;
    *n = 0;
    if (u_hasBinaryProperty((UChar32)cp, UCHAR_CHANGES_WHEN_NFKC_CASEFOLDED)) {
        int32_t slen = 0;
        U16_APPEND_UNSAFE(src, slen, (UChar32)cp);
        UErrorCode st = U_ZERO_ERROR;
        dlen = unorm2_normalize(tx->nfkc, src, slen, dst, 64, &st);
        if (U_FAILURE(st) || dlen > 64)
            return fj__errorf(err, FJ_ERR_INTERNAL, "ICU normalization of U+%04X failed: %s",
                              (unsigned)cp, u_errorName(st));
    } else {
        U16_APPEND_UNSAFE(dst, dlen, (UChar32)cp);
    }
    for (int32_t k = 0; k < dlen;) {
        UChar32 c;
        U16_NEXT(dst, k, dlen, c);
        if (*n + 16 > 256)
            break; /* cannot happen: the longest expansion (U+FDFA) is 33 bytes */
        if (is_space_or_control((uint32_t)c)) {
            out[(*n)++] = ' ';
        } else if (fj__han((uint32_t)c)) {
            t2s((uint32_t)c, out, n);
        } else {
            *n += fj__utf8_put(out + *n, (uint32_t)c);
        }
    }
    return FJ_OK;
}

static size_t astral_slot(const fj__text *tx, uint32_t cp)
{
    size_t mask = tx->astral_cap - 1, h = (cp * 2654435761u) & mask;
    while (tx->astral_key[h] && tx->astral_key[h] != cp)
        h = (h + 1) & mask;
    return h;
}

static bool astral_grow(fj__text *tx)
{
    size_t cap = tx->astral_cap ? tx->astral_cap * 2 : 256;
    uint32_t *k = calloc(cap, sizeof *k), *v = calloc(cap, sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return false;
    }
    uint32_t *ok = tx->astral_key, *ov = tx->astral_val;
    size_t ocap = tx->astral_cap;
    tx->astral_key = k;
    tx->astral_val = v;
    tx->astral_cap = cap;
    for (size_t i = 0; i < ocap; i++)
        if (ok[i]) {
            size_t h = astral_slot(tx, ok[i]);
            k[h] = ok[i];
            v[h] = ov[i];
        }
    free(ok);
    free(ov);
    return true;
}

/* The cache entry of cp, computing it on a miss. When the result cannot be cached (too long,
 * cache full) *entry is 0 and the result is left in spill/spill_len. */
static fj_status entry_of(fj__text *tx, uint32_t cp, uint32_t *entry, char *spill,
                          size_t *spill_len, fj_error *err)
{
    uint32_t *slot;
    if (cp < 0x10000) {
        slot = &tx->bmp[cp];
    } else {
        if ((tx->astral_len + 1) * 2 > tx->astral_cap && !astral_grow(tx))
            return fj__nomem(err);
        size_t h = astral_slot(tx, cp);
        slot = &tx->astral_val[h];
        if (!tx->astral_key[h]) {
            tx->astral_key[h] = cp;
            tx->astral_len++;
        }
    }
    if (*slot) {
        *entry = *slot;
        return FJ_OK;
    }
    size_t n;
    fj_status st = compute(tx, cp, spill, &n, err);
    if (st != FJ_OK)
        return st;
    uint32_t nbb = unorm2_hasBoundaryBefore(tx->nfkc, (UChar32)cp) ? 0 : 1;
    if (n > ENTRY_MAX_LEN || tx->cache.len + n > ENTRY_MAX_OFF) {
        *entry = 0;
        *spill_len = n;
        spill[n] = (char)nbb; /* the caller needs the flag even when the text is not cached */
        return FJ_OK;
    }
    uint32_t off = (uint32_t)tx->cache.len;
    if (!fj__buf_append(&tx->cache, spill, n) || !fj__buf_reserve(&tx->cache, 4))
        return fj__nomem(err);
    memset(tx->cache.data + tx->cache.len, 0, 4); /* read (not used) by put_entry */
    uint32_t space = memchr(spill, ' ', n) ? ENTRY_SPACE : 0;
    *slot = *entry = (off << 9) | space | ((uint32_t)n << 2) | (nbb << 1) | 1u;
    return FJ_OK;
}

/* entry_of with the cached BMP case inlined. */
static inline fj_status entry_fast(fj__text *tx, uint32_t cp, uint32_t *entry, char *spill,
                                   size_t *spill_len, fj_error *err)
{
    if (cp < 0x10000 && (*entry = tx->bmp[cp]) != 0)
        return FJ_OK;
    return entry_of(tx, cp, entry, spill, spill_len, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Normalization                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Room for `extra` more bytes (and the final NUL / orig entry). */
static inline bool nt_room(fj_normtext *nt, size_t extra)
{
    if (nt->text.len + extra + 1 <= nt->text.cap && nt->text.cap <= nt->orig_cap)
        return true;
    if (!fj__buf_reserve(&nt->text, extra))
        return false;
    if (nt->orig_cap < nt->text.cap) {
        uint32_t *o = realloc(nt->orig, nt->text.cap * sizeof *o);
        if (!o)
            return false;
        nt->orig = o;
        nt->orig_cap = nt->text.cap;
    }
    return true;
}

static inline void put_byte(fj_normtext *nt, char b, uint32_t orig)
{
    if (b == ' ' && (nt->text.len == 0 || nt->text.data[nt->text.len - 1] == ' '))
        return;
    nt->orig[nt->text.len] = orig;
    nt->text.data[nt->text.len++] = b;
}

static bool put_bytes(fj_normtext *nt, const char *s, size_t n, uint32_t orig)
{
    if (!nt_room(nt, n))
        return false;
    for (size_t k = 0; k < n; k++)
        put_byte(nt, s[k], orig);
    return true;
}

/* The normalized form of a code point (its cache entry e, or when e is 0 the uncached spill). */
static inline bool put_entry(fj__text *tx, fj_normtext *nt, uint32_t e, const char *spill,
                             size_t spill_len, uint32_t orig)
{
    if (!e)
        return put_bytes(nt, spill, spill_len, orig);
    const char *src = tx->cache.data + ENTRY_OFF(e);
    size_t n = ENTRY_LEN(e);
    if (e & ENTRY_SPACE)
        return put_bytes(nt, src, n, orig);
    if (!nt_room(nt, n < 4 ? 4 : n))
        return false;
    size_t o = nt->text.len;
    char *d = nt->text.data + o;
    uint32_t *m = nt->orig + o;
    if (n <= 4) { /* the cache keeps 4 bytes to spare after its last entry */
        memcpy(d, src, 4);
        m[0] = m[1] = m[2] = m[3] = orig;
    } else {
        memcpy(d, src, n);
        for (size_t k = 0; k < n; k++)
            m[k] = orig;
    }
    nt->text.len = o + n;
    return true;
}

static fj_status put_cp(fj__text *tx, fj_normtext *nt, uint32_t cp, uint32_t orig, fj_error *err)
{
    uint32_t e;
    char spill[260];
    size_t sl = 0;
    fj_status st = entry_fast(tx, cp, &e, spill, &sl, err);
    if (st != FJ_OK)
        return st;
    return put_entry(tx, nt, e, spill, sl, orig) ? FJ_OK : fj__nomem(err);
}

/* A combining sequence s[i..j) (several code points with no boundary between them) normalized
 * as a whole; every output byte maps to i. */
static fj_status put_sequence(fj__text *tx, fj_normtext *nt, const char *s, size_t i, size_t j,
                              fj_error *err)
{
    size_t need = 2 * (j - i) + 64; /* source (<= j-i units) + destination (grows) */
    for (;;) {
        if (tx->u16_cap < need) {
            UChar *u = realloc(tx->u16, need * sizeof *u);
            if (!u)
                return fj__nomem(err);
            tx->u16 = u;
            tx->u16_cap = need;
        }
        int32_t slen = 0;
        for (size_t k = i; k < j;) {
            uint32_t cp = fj__utf8_next(s, j, &k);
            U16_APPEND_UNSAFE(tx->u16, slen, (UChar32)cp);
        }
        UChar *dst = tx->u16 + slen;
        int32_t dcap = (int32_t)(tx->u16_cap - (size_t)slen);
        UErrorCode st = U_ZERO_ERROR;
        int32_t dlen = unorm2_normalize(tx->nfkc, tx->u16, slen, dst, dcap, &st);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            need = (size_t)slen + (size_t)dlen + 16;
            continue;
        }
        if (U_FAILURE(st))
            return fj__errorf(err, FJ_ERR_INTERNAL, "ICU normalization failed at byte %zu: %s", i,
                              u_errorName(st));
        for (int32_t k = 0; k < dlen;) {
            UChar32 c;
            U16_NEXT(dst, k, dlen, c);
            fj_status s2 = put_cp(tx, nt, (uint32_t)c, (uint32_t)i, err);
            if (s2 != FJ_OK)
                return s2;
        }
        return FJ_OK;
    }
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1 /* the eight-byte ASCII paths read words little-endian */
#endif
#define ONES 0x0101010101010101ull
#define HIGH (0x80 * ONES)

/* Plain ASCII s[*i..) folded eight bytes at a time into nt while that is exact: no control
 * characters, no two spaces in a row, no space to drop at the start or after a space, and the
 * byte after the block ASCII too (a combining mark would join the block's last character). */
static void ascii_blocks(fj_normtext *nt, const char *s, size_t len, size_t *i)
{
#ifdef SWAR
    size_t p = *i;
    while (p + 8 < len && nt_room(nt, 8)) {
        uint64_t w;
        memcpy(&w, s + p, 8);
        if ((w & HIGH) || (unsigned char)s[p + 8] >= 0x80)
            break;
        /* high bit of each byte: below 0x20 or 0x7F (control); 0x20 (space) */
        uint64_t ctrl = (~(w + 0x60 * ONES) | (w + ONES)) & HIGH;
        uint64_t space = ~((w ^ 0x20 * ONES) + 0x7F * ONES) & HIGH;
        size_t o = nt->text.len;
        if (ctrl || (space & (space << 8)) ||
            ((space & 0x80) && (o == 0 || nt->text.data[o - 1] == ' ')))
            break;
        w |= ((w + 0x3F * ONES) & ~(w + 0x25 * ONES) & HIGH) >> 2; /* A-Z to a-z */
        memcpy(nt->text.data + o, &w, 8);
        uint32_t *m = nt->orig + o;
        for (uint32_t k = 0; k < 8; k++)
            m[k] = (uint32_t)p + k;
        nt->text.len = o + 8;
        p += 8;
    }
    *i = p;
#else
    (void)nt;
    (void)s;
    (void)len;
    (void)i;
#endif
}

static fj_status normalize(fj__text *tx, const char *s, size_t len, fj_normtext *nt, fj_error *err)
{
    nt->text.len = 0;
    if (!nt_room(nt, len + 16))
        return fj__nomem(err);
    char spill[260], spill2[260];
    size_t i = 0;
    /* the code point at `pend_at` and its cache entry, when looking ahead decoded it already */
    size_t pend_at = SIZE_MAX, pend_next = 0;
    uint32_t pend_cp = 0, pend_e = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && (i + 1 == len || (unsigned char)s[i + 1] < 0x80)) {
            ascii_blocks(nt, s, len, &i);
            if (i == len)
                break;
            c = (unsigned char)s[i];
            if (c >= 0x80 || (i + 1 < len && (unsigned char)s[i + 1] >= 0x80))
                continue;
            if (nt->text.len + 2 > nt->text.cap && !nt_room(nt, 1))
                return fj__nomem(err);
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c + 32);
            else if (c < 0x20 || c == 0x7F)
                c = ' ';
            put_byte(nt, (char)c, (uint32_t)i);
            i++;
            continue;
        }
        size_t j = i;
        uint32_t cp, e = 0;
        bool have_e = false;
        if (pend_at == i) {
            j = pend_next;
            cp = pend_cp;
            e = pend_e;
            have_e = true;
        } else {
            cp = fj__u8_next(s, &j);
        }
        /* extend over the code points that combine with this one, at most 30 of them (UAX #15
         * stream-safe format: ICU's canonical reordering is quadratic in a sequence's length) */
        size_t k = j;
        int marks = 0;
        while (k < len && (unsigned char)s[k] >= 0x80 && marks < 30) {
            size_t k2 = k;
            uint32_t next = fj__u8_next(s, &k2), ne;
            size_t nsl = 0;
            fj_status st = entry_fast(tx, next, &ne, spill2, &nsl, err);
            if (st != FJ_OK)
                return st;
            if (!(ne ? ENTRY_NBB(ne) : spill2[nsl] != 0)) {
                if (ne) {
                    pend_at = k;
                    pend_next = k2;
                    pend_cp = next;
                    pend_e = ne;
                }
                break;
            }
            k = k2;
            marks++;
        }
        fj_status st = FJ_OK;
        if (k == j) {
            size_t sl = 0;
            if (!have_e)
                st = entry_fast(tx, cp, &e, spill, &sl, err);
            if (st == FJ_OK && !put_entry(tx, nt, e, spill, sl, (uint32_t)i))
                st = fj__nomem(err);
        } else {
            st = put_sequence(tx, nt, s, i, k, err);
        }
        if (st != FJ_OK)
            return st;
        i = k;
    }
    if (nt->text.len && nt->text.data[nt->text.len - 1] == ' ')
        nt->text.len--;
    nt->text.data[nt->text.len] = '\0';
    nt->orig[nt->text.len] = (uint32_t)len;
    return FJ_OK;
}

/* fj__normalize_into; `checked`: utf8 is known to be valid UTF-8 (fj__normalize_valid). */
static fj_status normalize_into(fj_context *ctx, const char *utf8, size_t len, fj_normtext *nt,
                                bool checked, fj_error *err)
{
    if (!nt)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "normalize: nt is NULL");
    nt->text.len = 0;
    if (nt->text.data)
        nt->text.data[0] = '\0';
    if (!utf8 && len)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "the text is NULL");
    if (len > FJ_MAX_POSTING_BYTES)
        return fj__errorf(err, FJ_ERR_LIMIT,
                          "text of %zu bytes is over the limit of %u bytes (FJ_MAX_POSTING_BYTES)",
                          len, FJ_MAX_POSTING_BYTES);
    long long ok = checked ? (long long)len : fj__utf8_check(utf8 ? utf8 : "", len, false);
    if (ok < 0)
        return fj__error(err, FJ_ERR_INPUT, NULL, -ok - 1, -1, "invalid UTF-8 at byte %lld",
                         -ok - 1);
    fj__text *tx = fj__text_scratch(ctx, err);
    if (!tx)
        return err ? err->status : FJ_ERR_NOMEM;
    fj_status st = normalize(tx, utf8 ? utf8 : "", len, nt, err);
    if (st != FJ_OK) {
        nt->text.len = 0;
        if (nt->text.data)
            nt->text.data[0] = '\0';
    }
    return st;
}

fj_status fj__normalize_into(fj_context *ctx, const char *utf8, size_t len, fj_normtext *nt,
                             fj_error *err)
{
    return normalize_into(ctx, utf8, len, nt, false, err);
}

fj_status fj__normalize_valid(fj_context *ctx, const char *utf8, size_t len, fj_normtext *nt,
                              fj_error *err)
{
    return normalize_into(ctx, utf8, len, nt, true, err);
}

void fj__normtext_free(fj_normtext *nt)
{
    if (!nt)
        return;
    fj__buf_free(&nt->text);
    free(nt->orig);
    nt->orig = NULL;
    nt->orig_cap = 0;
}

void fj__normtext_span(const fj_normtext *nt, const char *orig, size_t orig_len, size_t a, size_t b,
                       uint32_t *start, uint32_t *end)
{
    fj__span(nt, orig, orig_len, a, b, start, end);
}

void fj__normtext_span_slow(const fj_normtext *nt, const char *orig, size_t orig_len, size_t a,
                            size_t b, uint32_t *start, uint32_t *end)
{
    *start = nt->orig[a];
    uint32_t last = nt->orig[b - 1];
    size_t j = b;
    while (j < nt->text.len && nt->orig[j] == last)
        j++;
    size_t e = nt->orig[j]; /* where the next normalized character came from */
    /* the last character itself, then whatever the normalization dropped after it, minus the
     * whitespace */
    size_t k = last, keep = last;
    if (k < orig_len) {
        fj__utf8_next(orig, orig_len, &k);
        keep = k;
    }
    while (k < e && k < orig_len) {
        uint32_t c = fj__utf8_next(orig, orig_len, &k);
        if (!is_space_or_control(c))
            keep = k;
    }
    *end = (uint32_t)keep;
}

fj_status fj_normalize(fj_context *ctx, const char *utf8, size_t len, const char **out,
                       size_t *out_len, fj_error *err)
{
    if (!out || !out_len)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_normalize: out or out_len is NULL");
    *out = "";
    *out_len = 0;
    fj__text *tx = fj__text_scratch(ctx, err);
    if (!tx)
        return err ? err->status : FJ_ERR_NOMEM;
    fj_status st = fj__normalize_into(ctx, utf8, len, &tx->nt, err);
    if (st != FJ_OK)
        return st;
    *out = tx->nt.text.data;
    *out_len = tx->nt.text.len;
    return FJ_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Language                                                                                   */
/* ------------------------------------------------------------------------------------------ */

fj_lang fj__lang_from_counts(size_t han, size_t letters)
{
    /* A Han character carries about as much as a short word: Chinese once Han characters are
     * at least a fifth as many as the other letters. */
    return han > 0 && han * 5 >= letters ? FJ_LANG_ZH : FJ_LANG_EN;
}

/* Count Han characters and other letters; invalid UTF-8 bytes are skipped, not counted. */
static void count_letters(const char *s, size_t len, size_t *han, size_t *letters)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            *letters += (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            i++;
            continue;
        }
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (n > len - i || fj__utf8_check(s + i, n, false) != (long long)n) {
            i++;
            continue;
        }
        size_t k = i;
        uint32_t cp = fj__utf8_next(s, len, &k);
        if (fj__is_han(cp))
            (*han)++;
        else if (u_isalpha((UChar32)cp))
            (*letters)++;
        i += n;
    }
}

fj_lang fj_detect_lang(const char *utf8, size_t len)
{
    size_t han = 0, letters = 0;
    if (utf8)
        count_letters(utf8, len, &han, &letters);
    return fj__lang_from_counts(han, letters);
}

fj_lang fj_posting_detect_lang(const fj_posting *p)
{
    if (!p)
        return FJ_LANG_EN;
    fj_lang declared = fj_posting_lang(p);
    if (declared != FJ_LANG_AUTO)
        return declared;
    size_t han = 0, letters = 0;
    for (size_t f = 0; f < FJ_TEXT_FIELD_COUNT; f++) {
        size_t len;
        const char *s = fj_posting_string(p, fj_text_fields[f], &len);
        if (s)
            count_letters(s, len, &han, &letters);
    }
    return fj__lang_from_counts(han, letters);
}
