/*
 * fingerprint.c - the fingerprints the repost history store keeps instead of posting text.
 *
 * A posting's title, description and requirements are normalized (text.h: NFKC case folding,
 * Traditional to Simplified Chinese), then read as a stream of tokens: each Han character is a
 * token, each run of other letters is a word token. Digits, words containing digits (ids,
 * phone numbers, amounts), e-mail addresses, URLs, EMSCAD's #URL_…# / #EMAIL_…# / #PHONE_…#
 * placeholders and all punctuation are dropped, so a repost with a new phone number, salary or
 * date reads the same. From the tokens:
 *   - shingles: Han character n-grams and word n-grams (fj__fp_default gives n), per field;
 *   - simhash: the 64-bit SimHash (Charikar) of the set of distinct shingles;
 *   - exact: a hash of the whole token stream, field by field.
 * The company fingerprint hashes the normalized company name's letters, digits and Han
 * characters with legal-form suffixes (有限公司, Ltd, Inc…) stripped; an empty name is 0.
 * No text, and nothing from which the text could be read back, leaves this module.
 */
#include "history/history_fp.h"
#include "text/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

/* Chosen from measurements on the training data (docs/history.md, "Choosing the threshold"). */
const fj__fp_params fj__fp_default = {
    .han_ngram = 3,
    .word_ngram = 2,
    .min_shingles = 16,
    .max_hamming = 9,
};

typedef struct fp_scratch {
    fj_normtext nt;
    fj_buf company;
    uint64_t *shingles; /* the shingle hashes of one posting, before de-duplication */
    size_t shingles_cap;
} fp_scratch;

static void scratch_free(void *s)
{
    fp_scratch *sc = s;
    fj__normtext_free(&sc->nt);
    fj__buf_free(&sc->company);
    free(sc->shingles);
    free(sc);
}

static fp_scratch *scratch(fj_context *ctx)
{
    fp_scratch *sc = fj__ctx_slot(ctx, FJ_SLOT_HISTORY);
    if (!sc) {
        sc = calloc(1, sizeof *sc);
        if (sc)
            fj__ctx_set_slot(ctx, FJ_SLOT_HISTORY, sc, scratch_free);
    }
    return sc;
}

/* MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb93fe53b1a34ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, then mixed */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return mix64(h ^ len);
}

#define RING 8
#define HAN_SEED 0x48414e5348494e47ULL  /* seeds keep Han and word shingles apart */
#define WORD_SEED 0x574f524453484e47ULL /* and apart from the exact hash */

typedef struct stream {
    uint64_t ring[RING];
    unsigned count; /* tokens seen in the current field */
} stream;

typedef struct fp_state {
    const fj__fp_params *params;
    fp_scratch *sc;
    size_t nshingles;
    bool nomem;
    uint64_t exact;
    uint32_t tokens;
    stream han, word;
} fp_state;

static void add_shingle(fp_state *st, uint64_t h)
{
    fp_scratch *sc = st->sc;
    if (st->nshingles == sc->shingles_cap) {
        size_t cap = sc->shingles_cap ? sc->shingles_cap * 2 : 1024;
        uint64_t *a = realloc(sc->shingles, cap * sizeof *a);
        if (!a) {
            st->nomem = true;
            return;
        }
        sc->shingles = a;
        sc->shingles_cap = cap;
    }
    sc->shingles[st->nshingles++] = mix64(h);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The SimHash of the set of distinct shingles: a phrase repeated fifty times ("一一一…",
 * a keyword list) weighs no more than once, so it cannot make unrelated postings look alike. */
static uint64_t simhash(fp_state *st, uint32_t *distinct)
{
    uint64_t *h = st->sc->shingles;
    size_t n = st->nshingles, u = 0;
    qsort(h, n, sizeof *h, cmp_u64);
    int32_t v[64] = {0};
    for (size_t i = 0; i < n; i++) {
        if (u && h[i] == h[u - 1])
            continue;
        h[u++] = h[i];
        for (unsigned b = 0; b < 64; b++)
            v[b] += (int32_t)((h[i] >> b) & 1u) * 2 - 1;
    }
    uint64_t out = 0;
    for (unsigned b = 0; b < 64; b++)
        if (v[b] > 0)
            out |= 1ULL << b;
    *distinct = (uint32_t)u;
    return out;
}

/* The shingle of the last `n` tokens of a stream (fewer when the field is shorter). */
static uint64_t shingle(const stream *s, unsigned n, uint64_t seed)
{
    unsigned have = s->count < n ? s->count : n;
    uint64_t h = seed;
    for (unsigned k = have; k > 0; k--)
        h = mix64(h ^ s->ring[(s->count - k) % RING]);
    return h;
}

static void push(fp_state *st, stream *s, unsigned n, uint64_t seed, uint64_t tok)
{
    s->ring[s->count % RING] = tok;
    s->count++;
    st->tokens++;
    st->exact = mix64(st->exact ^ tok);
    if (s->count >= n)
        add_shingle(st, shingle(s, n, seed));
}

/* A field shorter than one shingle still counts, as one shorter shingle. */
static void end_stream(fp_state *st, stream *s, unsigned n, uint64_t seed)
{
    if (s->count > 0 && s->count < n)
        add_shingle(st, shingle(s, n, seed));
    s->count = 0;
}

static bool is_word_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '_';
    return !fj__is_han(cp) && u_isalnum((UChar32)cp);
}

static bool is_digit_cp(uint32_t cp)
{
    return cp < 0x80 ? (cp >= '0' && cp <= '9') : u_isdigit((UChar32)cp);
}

/* ASCII punctuation that joins the parts of an address (e-mail, URL, domain). */
static bool is_joiner(uint32_t cp)
{
    return cp < 0x80 && cp && strchr(".-@:/%+~?=&", (int)cp) != NULL;
}

static bool has(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(s + i, needle, n) == 0)
            return true;
    return false;
}

/* A run of word characters and joiners that is an address: dropped whole. */
static bool is_address(const char *s, size_t len)
{
    static const char *const marks[] = {"@", "://", "www.", ".com", ".cn", ".net", ".org"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (has(s, len, marks[i]))
            return true;
    return false;
}

/* EMSCAD's masked contacts: #URL_…#, #EMAIL_…#, #PHONE_…# (case folded by normalization).
 * Returns the length of the placeholder at s, or 0. */
static size_t masked_len(const char *s, size_t len)
{
    static const char *const prefixes[] = {"#url_", "#email_", "#phone_"};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(prefixes[k]);
        if (len >= n && memcmp(s, prefixes[k], n) == 0) {
            for (size_t i = n; i < len && i < 200; i++) {
                if (s[i] == '#')
                    return i + 1;
                if (!is_word_cp((unsigned char)s[i]))
                    break;
            }
        }
    }
    return 0;
}

/* Feed the words of s[0..len) (a run that is not an address) into the word stream. */
static void feed_words(fp_state *st, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        bool digit = false;
        while (i < len) {
            size_t at = i;
            uint32_t cp = fj__utf8_next(s, len, &i);
            if (!is_word_cp(cp)) {
                i = at;
                break;
            }
            digit |= is_digit_cp(cp);
        }
        if (i > start && !digit)
            push(st, &st->word, st->params->word_ngram, WORD_SEED,
                 hash_bytes(s + start, i - start));
        if (i == start) /* a joiner */
            fj__utf8_next(s, len, &i);
    }
}

static void feed_field(fp_state *st, const char *s, size_t len, unsigned field_no)
{
    uint32_t tokens_before = st->tokens;
    size_t i = 0;
    while (i < len) {
        if (s[i] == '#') {
            size_t m = masked_len(s + i, len - i);
            i += m ? m : 1;
            continue;
        }
        size_t at = i;
        uint32_t cp = fj__utf8_next(s, len, &i);
        if (fj__is_han(cp)) {
            push(st, &st->han, st->params->han_ngram, HAN_SEED, mix64(cp * 0x9e3779b97f4a7c15ULL));
            continue;
        }
        if (!is_word_cp(cp))
            continue;
        /* a run of word characters and joiners: an address, or words */
        size_t end = i;
        while (end < len) {
            size_t next = end;
            uint32_t c = fj__utf8_next(s, len, &next);
            if (!is_word_cp(c) && !is_joiner(c))
                break;
            end = next;
        }
        if (!is_address(s + at, end - at))
            feed_words(st, s + at, end - at);
        i = end;
    }
    end_stream(st, &st->han, st->params->han_ngram, HAN_SEED);
    end_stream(st, &st->word, st->params->word_ngram, WORD_SEED);
    if (st->tokens > tokens_before)
        st->exact = mix64(st->exact ^ (0xf1e1d5e9a7a70000ULL + field_no));
}

/* Legal-form suffixes dropped from the end of a company name (after normalization). */
static const char *const company_suffixes[] = {
    "股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", " incorporated", " inc",
    " limited",     " ltd",         " llc",     " llp",   " plc", " corporation",  " corp",
    " company",     " co",          " gmbh",    " pty",   " ag",  " bv",           " sa",
};

static bool ends_with(const fj_buf *b, const char *suffix)
{
    size_t n = strlen(suffix);
    return b->len >= n && memcmp(b->data + b->len - n, suffix, n) == 0;
}

/* The company name's Han characters and words (digits kept: "58同城"), suffixes stripped. */
static uint64_t company_hash(fj_buf *b, const char *s, size_t len, fj_error *err, bool *nomem)
{
    b->len = 0;
    size_t i = 0;
    bool in_han = false;
    while (i < len) {
        size_t at = i;
        uint32_t cp = fj__utf8_next(s, len, &i);
        bool han = fj__is_han(cp);
        if (!han && !is_word_cp(cp)) {
            in_han = false;
            continue;
        }
        if (han) {
            if (!in_han && !fj__buf_append(b, " ", 1))
                goto oom;
            in_han = true;
            if (!fj__buf_append(b, s + at, i - at))
                goto oom;
            continue;
        }
        in_han = false;
        while (i < len) {
            size_t next = i;
            if (!is_word_cp(fj__utf8_next(s, len, &next)))
                break;
            i = next;
        }
        if (!fj__buf_append(b, " ", 1) || !fj__buf_append(b, s + at, i - at))
            goto oom;
    }
    for (bool stripped = true; stripped;) {
        stripped = false;
        for (size_t k = 0; k < sizeof company_suffixes / sizeof company_suffixes[0]; k++) {
            const char *suf = company_suffixes[k];
            /* a suffix is stripped only when something is left of the name */
            if (ends_with(b, suf) && b->len > strlen(suf) + 1) {
                b->len -= strlen(suf);
                while (b->len && b->data[b->len - 1] == ' ')
                    b->len--;
                stripped = true;
            }
        }
    }
    if (b->len == 0)
        return 0;
    uint64_t h = hash_bytes(b->data, b->len);
    return h ? h : 1;
oom:
    *nomem = true;
    fj__nomem(err);
    return 0;
}

/* Name the field a normalization error came from, unless it already says. */
static fj_status name_field(fj_error *err, fj_status s, const char *name)
{
    if (err && name && !err->field[0])
        snprintf(err->field, sizeof err->field, "%s", name);
    return s;
}

/* The fingerprint of n texts and a company name, given as written (normalized here) or, when
 * `normalized`, already normalized (the posting's analysis). */
static fj_status fingerprint(fj_context *ctx, const fj__fp_params *params, const char *const *texts,
                             const size_t *lens, const char *const *names, size_t n,
                             const char *company, size_t company_len, bool normalized,
                             fj__fingerprint *out, fj_error *err)
{
    if (!ctx || !out || (n && (!texts || !lens)))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fingerprint: NULL argument");
    if (!params)
        params = &fj__fp_default;
    if (params->han_ngram < 1 || params->han_ngram > RING || params->word_ngram < 1 ||
        params->word_ngram > RING)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fingerprint: shingles of 1 to %d tokens", RING);
    fp_scratch *sc = scratch(ctx);
    if (!sc)
        return fj__nomem(err);
    fp_state st;
    memset(&st, 0, sizeof st);
    st.params = params;
    st.sc = sc;
    st.exact = 0x6578616374000000ULL;
    for (size_t f = 0; f < n; f++) {
        if (!texts[f] || !lens[f])
            continue;
        if (normalized) {
            feed_field(&st, texts[f], lens[f], (unsigned)f);
            continue;
        }
        fj_status s = fj__normalize_into(ctx, texts[f], lens[f], &sc->nt, err);
        if (s != FJ_OK)
            return name_field(err, s, names ? names[f] : NULL);
        feed_field(&st, sc->nt.text.data, sc->nt.text.len, (unsigned)f);
    }
    if (st.nomem)
        return fj__nomem(err);
    memset(out, 0, sizeof *out);
    out->tokens = st.tokens;
    if (st.tokens) {
        out->simhash = simhash(&st, &out->shingles);
        out->exact = st.exact;
    }
    if (company && company_len) {
        if (!normalized) {
            fj_status s = fj__normalize_into(ctx, company, company_len, &sc->nt, err);
            if (s != FJ_OK)
                return name_field(err, s, "company");
            company = sc->nt.text.data;
            company_len = sc->nt.text.len;
        }
        bool nomem = false;
        out->company = company_hash(&sc->company, company, company_len, err, &nomem);
        if (nomem)
            return FJ_ERR_NOMEM;
    }
    return FJ_OK;
}

fj_status fj__fingerprint_texts(fj_context *ctx, const fj__fp_params *params,
                                const char *const *texts, const size_t *lens,
                                const char *const *names, size_t n, const char *company,
                                size_t company_len, fj__fingerprint *out, fj_error *err)
{
    return fingerprint(ctx, params, texts, lens, names, n, company, company_len, false, out, err);
}

fj_status fj__fingerprint_posting(fj_context *ctx, const fj__fp_params *params, const fj_posting *p,
                                  fj__fingerprint *out, fj_error *err)
{
    static const fj_field fields[] = {FJ_FIELD_TITLE, FJ_FIELD_DESCRIPTION, FJ_FIELD_REQUIREMENTS};
    const char *texts[3], *names[3];
    size_t lens[3];
    if (!p)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fingerprint: posting is NULL");
    if (!ctx)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fingerprint: NULL argument");
    /* the shingles' input: the posting's analysis, normalized once (text/analysis.h) */
    const fj__analysis *an;
    fj_status s = fj__analyze_unvalidated(ctx, p, &an, err);
    if (s != FJ_OK)
        return s;
    for (size_t i = 0; i < 3; i++) {
        texts[i] = fj__atext(an, fields[i], &lens[i]);
        names[i] = fj_field_name(fields[i]);
    }
    size_t company_len;
    const char *company = fj__atext(an, FJ_FIELD_COMPANY, &company_len);
    return fingerprint(ctx, params, texts, lens, names, 3, company, company_len, true, out, err);
}

bool fj__fp_match(const fj__fingerprint *a, const fj__fingerprint *b, const fj__fp_params *params)
{
    if (!params)
        params = &fj__fp_default;
    if (!a->tokens || !b->tokens)
        return false;
    if (a->exact == b->exact)
        return true;
    return fj__fp_near_eligible(a, params) && fj__fp_near_eligible(b, params) &&
           fj__fp_near(a->simhash, b->simhash, params->max_hamming);
}
