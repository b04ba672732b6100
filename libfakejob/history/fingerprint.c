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
 *     each distinct shingle is hashed with the store's key (HMAC-SHA-256);
 *   - sig: a MinHash signature of FJ__MH_K values over the keyed shingles, and its LSH band
 *     keys (HMAC of each band's values);
 *   - exact: a keyed hash of the whole token stream, field by field.
 * The company fingerprint is a keyed hash of the normalized company name's letters, digits and
 * Han characters with legal-form suffixes (有限公司, Ltd, Inc…) stripped; an empty name is 0.
 * Contact identifiers (phone, QQ, WeChat, e-mail as the tokenizer reads them) are keyed hashes
 * too. No text, and nothing from which the text or a contact could be read back or enumerated
 * without the key, leaves this module.
 */
#include "history/history_fp.h"
#include "text/analysis.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

/* Chosen from measurements on the training data (docs/history.md, "Choosing the threshold"). */
const fj__fp_params fj__fp_default = {
    .han_ngram = 3,
    .word_ngram = 3,
    .min_shingles = 8,
    .near_agree = 52,    /* estimated Jaccard >= 0.40625 */
    .contact_agree = 26, /* >= 0.203 with a shared contact identifier */
};

/* Domain bytes: keep the kinds of keyed identifiers apart. */
enum { DOM_SHINGLE = 's', DOM_BAND = 'b', DOM_EXACT = 'e', DOM_COMPANY = 'c', DOM_CONTACT = 'k' };

void fj__fp_key_init(fj__fp_key *key, const unsigned char secret[FJ__KEY_BYTES])
{
    fj__hmac_sha256_init(&key->hmac, secret, FJ__KEY_BYTES);
}

uint64_t fj__fp_keyed(const fj__fp_key *key, unsigned char domain, const void *data, size_t len)
{
    unsigned char msg[64], out[32];
    fj_hmac_sha256 k = key->hmac;
    uint64_t v = 0;
    if (len < sizeof msg) {
        msg[0] = domain;
        memcpy(msg + 1, data, len);
        fj__hmac_sha256(&k, msg, len + 1, out);
    } else {
        /* long data (a company name): the domain byte, then the data, in one inner hash */
        fj_sha256 s = k.inner;
        unsigned char inner[32];
        fj__sha256_update(&s, &domain, 1);
        fj__sha256_update(&s, data, len);
        fj__sha256_final(&s, inner);
        s = k.outer;
        fj__sha256_update(&s, inner, 32);
        fj__sha256_final(&s, out);
    }
    for (int i = 0; i < 8; i++)
        v = v << 8 | out[i];
    return v;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

typedef struct fp_scratch {
    fj_normtext nt;
    fj_buf company;
    uint64_t *shingles; /* the shingle hashes of one posting, before de-duplication; then the
                           keyed hashes of the distinct ones, sorted */
    size_t shingles_cap;
    size_t nkeyed; /* distinct keyed shingles of the last fingerprint */
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

/* The multipliers and offsets of the FJ__MH_K hash functions x -> (a x + b) >> 32 that turn a
 * keyed shingle hash into its FJ__MH_K MinHash values (a odd), from a fixed splitmix64 stream:
 * the secret is in the shingle hashes, not here. */
typedef struct mh_coef {
    uint64_t a[FJ__MH_K], b[FJ__MH_K];
} mh_coef;

static void mh_coefficients(mh_coef *c)
{
    uint64_t x = 0x6d696e6861736831ULL;
    for (unsigned i = 0; i < FJ__MH_K; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        c->a[i] = mix64(x) | 1u;
        x += 0x9e3779b97f4a7c15ULL;
        c->b[i] = mix64(x);
    }
}

/* The signature of the set of distinct shingles: a phrase repeated fifty times weighs no more
 * than once. Fills out->sig, out->bands and out->shingles; leaves the keyed shingle hashes,
 * sorted, in the scratch. */
static void minhash(fp_state *st, const fj__fp_key *key, fj__fingerprint *out)
{
    uint64_t *h = st->sc->shingles;
    size_t n = st->nshingles, u = 0;
    qsort(h, n, sizeof *h, cmp_u64);
    for (size_t i = 0; i < n; i++)
        if (!u || h[i] != h[u - 1])
            h[u++] = h[i];
    unsigned char msg[8];
    for (size_t i = 0; i < u; i++) {
        put_le64(msg, h[i]);
        h[i] = fj__fp_keyed(key, DOM_SHINGLE, msg, sizeof msg);
    }
    qsort(h, u, sizeof *h, cmp_u64);
    st->sc->nkeyed = u;
    out->shingles = (uint32_t)u;
    mh_coef c; /* 2 * FJ__MH_K mixes a posting: cheaper than sharing them between threads */
    mh_coefficients(&c);
    uint32_t sig[FJ__MH_K];
    for (unsigned k = 0; k < FJ__MH_K; k++)
        sig[k] = UINT32_MAX;
    for (size_t i = 0; i < u; i++) {
        uint64_t x = h[i];
        for (unsigned k = 0; k < FJ__MH_K; k++) {
            uint32_t v = (uint32_t)((c.a[k] * x + c.b[k]) >> 32);
            sig[k] = v < sig[k] ? v : sig[k];
        }
    }
    for (unsigned k = 0; k < FJ__MH_K; k++)
        out->sig[k] = (uint16_t)sig[k];
    fj__fp_bands(key, out->sig, out->bands);
}

void fj__fp_bands(const fj__fp_key *key, const uint16_t *sig, uint64_t *bands)
{
    for (unsigned b = 0; b < FJ__MH_BANDS; b++) {
        unsigned char band[1 + 2 * FJ__MH_ROWS];
        band[0] = (unsigned char)b;
        for (unsigned r = 0; r < FJ__MH_ROWS; r++) {
            band[1 + 2 * r] = (unsigned char)sig[b * FJ__MH_ROWS + r];
            band[2 + 2 * r] = (unsigned char)(sig[b * FJ__MH_ROWS + r] >> 8);
        }
        bands[b] = fj__fp_keyed(key, DOM_BAND, band, sizeof band);
    }
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
static uint64_t company_hash(const fj__fp_key *key, fj_buf *b, const char *s, size_t len,
                             fj_error *err, bool *nomem)
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
    uint64_t h = fj__fp_keyed(key, DOM_COMPANY, b->data, b->len);
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

static int cmp_u64_ptr(const void *a, const void *b)
{
    return cmp_u64(a, b);
}

/* Keyed hashes of the contact identifiers, distinct and sorted, at most FJ__FP_MAX_CONTACTS. */
static void contact_hashes(const fj__fp_key *key, const fj__fp_contact *contacts, size_t n,
                           fj__fingerprint *out)
{
    out->ncontacts = 0;
    for (size_t i = 0; i < n && out->ncontacts < FJ__FP_MAX_CONTACTS; i++) {
        unsigned char buf[256];
        if (!contacts[i].text || !contacts[i].len || contacts[i].len >= sizeof buf)
            continue;
        /* QQ numbers and phone numbers are both digits: one kind, so a number given as QQ in
         * one posting and as a phone in another is one identifier */
        buf[0] = contacts[i].kind == FJ_TOK_QQ ? FJ_TOK_PHONE : (unsigned char)contacts[i].kind;
        if (contacts[i].kind == FJ_TOK_FREEMAIL)
            buf[0] = FJ_TOK_EMAIL;
        memcpy(buf + 1, contacts[i].text, contacts[i].len);
        uint64_t h = fj__fp_keyed(key, DOM_CONTACT, buf, contacts[i].len + 1);
        bool dup = false;
        for (uint32_t j = 0; j < out->ncontacts; j++)
            dup |= out->contacts[j] == h;
        if (!dup)
            out->contacts[out->ncontacts++] = h;
    }
    qsort(out->contacts, out->ncontacts, sizeof *out->contacts, cmp_u64_ptr);
}

/* The fingerprint of n texts and a company name, given as written (normalized here) or, when
 * `normalized`, already normalized (the posting's analysis). */
static fj_status fingerprint(fj_context *ctx, const fj__fp_key *key, const fj__fp_params *params,
                             const char *const *texts, const size_t *lens, const char *const *names,
                             size_t n, const char *company, size_t company_len,
                             const fj__fp_contact *contacts, size_t ncontacts, bool normalized,
                             fj__fingerprint *out, fj_error *err)
{
    if (!ctx || !key || !out || (n && (!texts || !lens)) || (ncontacts && !contacts))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fingerprint: NULL argument");
    if (!params)
        params = &fj__fp_default;
    if (params->han_ngram < 1 || params->han_ngram > RING || params->word_ngram < 1 ||
        params->word_ngram > RING)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fingerprint: shingles of 1 to %d tokens", RING);
    fp_scratch *sc = scratch(ctx);
    if (!sc)
        return fj__nomem(err);
    sc->nkeyed = 0;
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
        unsigned char msg[8];
        minhash(&st, key, out);
        if (!fj__fp_near_eligible(out, params))
            memset(out->bands, 0, sizeof out->bands);
        put_le64(msg, st.exact);
        out->exact = fj__fp_keyed(key, DOM_EXACT, msg, sizeof msg);
    }
    contact_hashes(key, contacts, ncontacts, out);
    if (company && company_len) {
        if (!normalized) {
            fj_status s = fj__normalize_into(ctx, company, company_len, &sc->nt, err);
            if (s != FJ_OK)
                return name_field(err, s, "company");
            company = sc->nt.text.data;
            company_len = sc->nt.text.len;
        }
        bool nomem = false;
        out->company = company_hash(key, &sc->company, company, company_len, err, &nomem);
        if (nomem)
            return FJ_ERR_NOMEM;
    }
    return FJ_OK;
}

fj_status fj__fingerprint_texts(fj_context *ctx, const fj__fp_key *key, const fj__fp_params *params,
                                const char *const *texts, const size_t *lens,
                                const char *const *names, size_t n, const char *company,
                                size_t company_len, const fj__fp_contact *contacts,
                                size_t ncontacts, fj__fingerprint *out, fj_error *err)
{
    return fingerprint(ctx, key, params, texts, lens, names, n, company, company_len, contacts,
                       ncontacts, false, out, err);
}

const uint64_t *fj__fp_last_shingles(fj_context *ctx, size_t *n)
{
    fp_scratch *sc = ctx ? fj__ctx_slot(ctx, FJ_SLOT_HISTORY) : NULL;
    *n = sc ? sc->nkeyed : 0;
    return sc ? sc->shingles : NULL;
}

static bool is_contact(unsigned kind)
{
    return kind == FJ_TOK_PHONE || kind == FJ_TOK_QQ || kind == FJ_TOK_WECHAT ||
           kind == FJ_TOK_EMAIL || kind == FJ_TOK_FREEMAIL;
}

fj_status fj__fingerprint_posting(fj_context *ctx, const fj__fp_key *key,
                                  const fj__fp_params *params, const fj_posting *p,
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
    /* contact identifiers, from every field, as the analysis' tokens type them */
    const fj_token *tok = NULL;
    size_t ntok = 0;
    s = fj__analysis_tokens(ctx, an, &tok, &ntok, err);
    if (s != FJ_OK)
        return s;
    fj__fp_contact contacts[FJ__FP_MAX_CONTACTS];
    size_t nc = 0;
    for (size_t i = 0; i < ntok && nc < FJ__FP_MAX_CONTACTS; i++) {
        if (!is_contact(tok[i].kind) || tok[i].len == 0 || tok[i].len >= 128)
            continue;
        contacts[nc++] = (fj__fp_contact){tok[i].kind, tok[i].text, tok[i].len};
    }
    for (size_t i = 0; i < 3; i++) {
        texts[i] = fj__atext(an, fields[i], &lens[i]);
        names[i] = fj_field_name(fields[i]);
    }
    size_t company_len;
    const char *company = fj__atext(an, FJ_FIELD_COMPANY, &company_len);
    return fingerprint(ctx, key, params, texts, lens, names, 3, company, company_len, contacts, nc,
                       true, out, err);
}

unsigned fj__fp_agree(const uint16_t *a, const uint16_t *b)
{
    unsigned n = 0;
    for (unsigned k = 0; k < FJ__MH_K; k++)
        n += a[k] == b[k];
    return n;
}

bool fj__fp_share_contact(const fj__fingerprint *a, const fj__fingerprint *b)
{
    for (uint32_t i = 0; i < a->ncontacts; i++)
        for (uint32_t j = 0; j < b->ncontacts; j++)
            if (a->contacts[i] == b->contacts[j])
                return true;
    return false;
}

bool fj__fp_candidate(const fj__fingerprint *a, const fj__fingerprint *b)
{
    if (!a->tokens || !b->tokens)
        return false;
    if (a->exact == b->exact || fj__fp_share_contact(a, b))
        return true;
    const fj__fp_params *params = &fj__fp_default;
    if (!fj__fp_near_eligible(a, params) || !fj__fp_near_eligible(b, params))
        return false;
    for (unsigned i = 0; i < FJ__MH_BANDS; i++)
        if (a->bands[i] == b->bands[i])
            return true;
    return false;
}

bool fj__fp_confirm(const fj__fingerprint *a, uint64_t b_exact, const uint16_t *sig_b,
                    bool b_contact, const fj__fp_params *params)
{
    if (!params)
        params = &fj__fp_default;
    if (!a->tokens)
        return false;
    if (a->exact == b_exact)
        return true;
    if (!sig_b || !fj__fp_near_eligible(a, params))
        return false;
    unsigned agree = fj__fp_agree(a->sig, sig_b);
    return agree >= params->near_agree || (b_contact && agree >= params->contact_agree);
}

bool fj__fp_match(const fj__fingerprint *a, const fj__fingerprint *b, const fj__fp_params *params)
{
    if (!fj__fp_candidate(a, b))
        return false;
    return fj__fp_confirm(
        a, b->exact, fj__fp_near_eligible(b, params ? params : &fj__fp_default) ? b->sig : NULL,
        fj__fp_share_contact(a, b), params);
}
