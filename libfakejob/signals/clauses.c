/*
 * clauses.c - the clause detectors: the clause splitter, the hashed features of a clause, and
 * the detector file (read, written, scored). signals.c runs them on a posting's fields;
 * train/clauses_train.c trains them (docs/signals.md, "Clause detectors").
 *
 * The detector file (little-endian):
 *   "FJCLSDET"  u32 format (2)  u32 hash bits (20)  u64 payload length  32-byte SHA-256 of payload
 *   payload: per language (zh, en): u32 nfeat; per class (upfront_fee, personal_data,
 *            offsite_contact, sales_duty, office_title): f32 bias, Platt A, Platt B, threshold,
 *            C; nfeat u32 feature indices (strictly increasing); nfeat * 5 f32 weights; then u32
 *            report length and the training report (JSON).
 * Format 1 had the first three classes only, over other n-gram hashes and lengths. A file of
 * another format is refused with FJ_ERR_VERSION (newer: upgrade the library; older: retrain the
 * detectors); anything truncated, altered or inconsistent with FJ_ERR_MODEL naming the problem.
 */
#include "signals/clauses.h"
#include "core/sha256.h"
#include "text/analysis.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define DET_MAGIC "FJCLSDET"
#define DET_FORMAT 2u /* 2: this release's n-gram hashes and lengths, five classes */
#define DET_HEADER (8 + 4 + 4 + 8 + 32)
#define HASH_MASK ((1u << FJ_CLS_HASH_BITS) - 1)
/* Lexicon hits count this many times: a few of them stand out among a clause's n-grams. */
#define LEX_REPEAT 3

static const char *const cls_names[FJ_CLS_COUNT] = {
    "upfront_fee", "personal_data", "offsite_contact", "sales_duty", "office_title"};

const char *fj__cls_name(int cls)
{
    return cls >= 0 && cls < FJ_CLS_COUNT ? cls_names[cls] : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The splitter                                                                               */
/* ------------------------------------------------------------------------------------------ */

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool clause_push(fj__dclausevec *cv, size_t a, size_t b, bool weak, const char *t)
{
    while (a < b && t[a] == ' ')
        a++;
    while (b > a && t[b - 1] == ' ')
        b--;
    if (a == b)
        return true;
    if (cv->n == cv->cap) {
        size_t cap = cv->cap ? cv->cap * 2 : 64;
        fj__dclause *v = realloc(cv->v, cap * sizeof *v);
        if (!v)
            return false;
        cv->v = v;
        cv->cap = cap;
    }
    cv->v[cv->n++] = (fj__dclause){(uint32_t)a, (uint32_t)b, weak && cv->n > 0};
    return true;
}

/* Whether original bytes o[ws, we) spell a name written in camel case (WhatsApp, LinkedIn): an
 * upper-case letter inside such a word glues no sentence. Chat and payment apps, which the
 * contact and fee detectors read whole. */
static bool camel_name(const char *o, size_t ws, size_t we)
{
    static const char *const names[] = {"cashapp", "facetime", "icloud", "imessage", "linkedin",
                                        "paypal",  "tiktok",   "wechat", "whatsapp", "youtube"};
    char w[10];
    if (we - ws < 6 || we - ws > sizeof w)
        return false;
    for (size_t i = ws; i < we; i++)
        w[i - ws] = (char)(o[i] | 0x20);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == we - ws && memcmp(names[i], w, we - ws) == 0)
            return true;
    return false;
}

static bool is_ascii_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether normalized byte k starts a sentence glued to the one before it, as text whose markup
 * was stripped reads ("...the processes.Next we", "requirementsMust have"): in the original, an
 * upper-case letter right after a lower-case one or after '.', ':' or ')' that follows a
 * lower-case letter, and followed by a lower-case letter; not inside a camel-case name
 * (camel_name). */
static bool glued_at(const char *t, size_t len, const uint32_t *orig, const char *o, size_t olen,
                     size_t k)
{
    if (k < 2 || k + 1 >= len || !((unsigned char)t[k] >= 'a' && (unsigned char)t[k] <= 'z'))
        return false;
    uint32_t ok = orig[k];
    if (ok < 2 || ok + 1 >= olen || !(o[ok] >= 'A' && o[ok] <= 'Z') ||
        !(o[ok + 1] >= 'a' && o[ok + 1] <= 'z'))
        return false;
    char p = o[ok - 1];
    if (p >= 'a' && p <= 'z') {
        size_t ws = ok - 1, we = ok + 1; /* the word around k, looked at up to 10 letters */
        while (ws > 0 && ok - ws < 10 && is_ascii_letter(o[ws - 1]))
            ws--;
        while (we < olen && we - ok < 10 && is_ascii_letter(o[we]))
            we++;
        return !camel_name(o, ws, we);
    }
    return (p == '.' || p == ':' || p == ')') && o[ok - 2] >= 'a' && o[ok - 2] <= 'z';
}

/* Whether normalized byte k was an upper-case letter in the original. */
static inline bool upper_in_orig(const uint32_t *orig, const char *o, size_t olen, size_t k)
{
    return orig[k] < olen && o[orig[k]] >= 'A' && o[orig[k]] <= 'Z';
}

/* Cut the clause being built at k (a character boundary) when it has reached the longest a
 * clause may be: the next one opens weak. false on allocation failure. */
static inline bool cut_if_long(fj__dclausevec *out, size_t *start, size_t k, bool *weak,
                               const char *t)
{
    if (k - *start < FJ_CLS_MAX_CLAUSE_BYTES)
        return true;
    if (!clause_push(out, *start, k, *weak, t))
        return false;
    *start = k;
    *weak = true;
    return true;
}

bool fj__clause_split(const char *t, size_t len, const uint32_t *orig, const char *o, size_t olen,
                      fj__dclausevec *out)
{
    out->n = 0;
    size_t start = 0, k = 0;
    bool weak = false; /* how the clause being built was opened */
    while (k < len) {
        /* A run of lower-case letters none of which was an upper-case one in the original (or
         * that opens the clause) holds no delimiter, list number or glued sentence: stepped over
         * here, cut at the longest clause as below. */
        while (k < len && (unsigned char)t[k] >= 'a' && (unsigned char)t[k] <= 'z' &&
               !(k > start && upper_in_orig(orig, o, olen, k))) {
            k++;
            if (!cut_if_long(out, &start, k, &weak, t))
                return false;
        }
        if (k >= len)
            break;
        /* No delimiter and no list number starts with a letter or with a lead byte other than
         * 0xE2 and 0xE3 (fj__clause_delim, fj__list_number_at), and a glued sentence starts with
         * a letter: such a character is stepped over at once. */
        unsigned char c = (unsigned char)t[k];
        bool plain = c >= 0x80 ? c != 0xE2 && c != 0xE3
                               : c >= 'a' && c <= 'z' &&
                                     !(k > start && upper_in_orig(orig, o, olen, k) &&
                                       glued_at(t, len, orig, o, olen, k));
        bool w;
        size_t d = plain ? 0 : fj__clause_delim(t, len, orig, o, olen, k, &w);
        if (!plain && !d && k > start &&
            (fj__list_number_at(t, len, k) || glued_at(t, len, orig, o, olen, k))) {
            d = 0;
            w = false;
            if (!clause_push(out, start, k, weak, t))
                return false;
            start = k;
            weak = false;
        }
        if (d && k > start && k - start <= 2 && is_digit((unsigned char)t[start]) &&
            is_digit((unsigned char)t[k - 1])) {
            k += d; /* the marker of a list number ("1、", "2)") stays with its item */
            continue;
        }
        if (d) {
            if (!clause_push(out, start, k, weak, t))
                return false;
            k += d;
            start = k;
            weak = w;
            continue;
        }
        /* step one character; cut an over-long clause at a character boundary */
        k++;
        while (k < len && ((unsigned char)t[k] & 0xC0) == 0x80)
            k++;
        if (!cut_if_long(out, &start, k, &weak, t))
            return false;
    }
    return clause_push(out, start, len, weak, t);
}

void fj__clausevec_free(fj__dclausevec *cv)
{
    if (!cv)
        return;
    free(cv->v);
    memset(cv, 0, sizeof *cv);
}

/* ------------------------------------------------------------------------------------------ */
/* Features                                                                                   */
/* ------------------------------------------------------------------------------------------ */

#define FNV_PRIME 16777619u
#define FNV_PRIME2 0x26027A69u /* FNV_PRIME^2 mod 2^32 */
#define FNV_PRIME4 0x502C3F11u /* FNV_PRIME^4 mod 2^32 */

/* FNV-1a over bytes, with a final mix so that the low bits are usable as the index. */
static uint32_t h_bytes(uint32_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* FNV-1a over v's four bytes, low byte first. A zero byte only multiplies by the prime, so the
 * zero high bytes of a small value (an ASCII or BMP code point) fold into one multiplication by a
 * power of it: the same hash in fewer steps. */
static inline uint32_t h_u32(uint32_t h, uint32_t v)
{
    if (v < 0x100)
        return (h ^ v) * FNV_PRIME4;
    h = (h ^ (v & 0xFF)) * FNV_PRIME;
    h = (h ^ ((v >> 8) & 0xFF)) * FNV_PRIME;
    if (v < 0x10000)
        return h * FNV_PRIME2;
    h = (h ^ ((v >> 16) & 0xFF)) * FNV_PRIME;
    return (h ^ (v >> 24)) * FNV_PRIME;
}

static uint32_t h_final(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h & HASH_MASK;
}

static uint32_t h_seed(const char *ns)
{
    return h_bytes(2166136261u, ns, strlen(ns) + 1);
}

/* Room for `more` further features in fv. */
static bool fv_reserve(fj__featvec *fv, size_t more)
{
    if (fv->cap - fv->n >= more)
        return true;
    size_t cap = fv->cap ? fv->cap : 256;
    while (cap - fv->n < more)
        cap *= 2;
    uint32_t *v = realloc(fv->v, cap * sizeof *v);
    if (!v)
        return false;
    fv->v = v;
    fv->cap = cap;
    return true;
}

static inline bool fv_push(fj__featvec *fv, uint32_t h)
{
    if (fv->n == fv->cap && !fv_reserve(fv, 1))
        return false;
    fv->v[fv->n++] = h;
    return true;
}

static bool fv_str(fj__featvec *fv, const char *ns, const char *s, size_t n)
{
    return fv_push(fv, h_final(h_bytes(h_seed(ns), s, n)));
}

void fj__featvec_free(fj__featvec *fv)
{
    if (!fv)
        return;
    free(fv->v);
    memset(fv, 0, sizeof *fv);
}

/* A typed token's span in the original text, read as one placeholder character by the
 * character n-grams. */
typedef struct span {
    uint32_t s, e;
    uint32_t cp;
} span;
#define MAX_SPANS 32

/* The character n-gram lengths (bit n: n code points): English 4 and 5 (3-grams added nothing
 * in grouped cross-validation and were a third of the hashing and lookups), Chinese 1 to 3. */
#define NGRAM_EN ((1u << 4) | (1u << 5))
#define NGRAM_ZH ((1u << 1) | (1u << 2) | (1u << 3))

/* A code point's 32-bit value in the n-gram hashes: a multiply and xor-shift mix. */
static inline uint32_t cp_mix(uint32_t cp)
{
    uint32_t x = (cp + 0x7F4A7C15u) * 0x9E3779B1u;
    return x ^ (x >> 15);
}

static inline uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

/* The index of an n-gram of `len` code points whose mixed values, rotated by their distance from
 * the end, xor to h: a multiply-shift hash with a multiplier per length, so the lengths do not
 * share indices. */
static inline uint32_t ngram_index(uint32_t h, unsigned len)
{
    static const uint32_t mult[8] = {0x2545F491u, 0x9E3779B1u, 0x85EBCA6Bu, 0xC2B2AE35u,
                                     0x27D4EB2Fu, 0x165667B1u, 0xD3A2646Du, 0xFD7046C5u};
    return (h * mult[len]) >> (32 - FJ_CLS_HASH_BITS);
}

/* Character n-grams of t[a, b), of the lengths in `lens` (bit n: n code points, at most 5;
 * NGRAM_EN, NGRAM_ZH), digits folded to 0; English text is read with a space
 * before and after so word starts and ends are n-grams of their own. A typed token's characters
 * (a chat id, a phone number, an address, a masked placeholder) are read as one placeholder
 * character of its kind: its digits and letters are noise. The n-grams ending at one of the
 * first `skip` code points read are left out (the caller has them: fj__clause_head); `head`
 * (optional) receives the code points read and the n-grams given before the end pad. Each code
 * point is mixed once; an n-gram's hash is the xor of its code points' values rotated by their
 * distance from its end. It is built rolling: the hash of the n-gram of length L ending at a code
 * point is the code point's value xor the hash of length L - 1 ending at the one before, rotated
 * by 7 (r[L] below, kept in registers; 0 before the text's start, as rotating 0 gives 0).
 * Inlined into its two calls, so that `lens` and `pad` are constants there. */
#ifdef __GNUC__
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif
static ALWAYS_INLINE bool char_ngrams(fj__featvec *fv, const char *t, size_t a, size_t b,
                                      const uint32_t *orig, const span *sp, size_t nsp,
                                      unsigned lens, bool pad, size_t skip, fj__clause_head *head)
{
    size_t n0 = fv->n;
    uint32_t r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0;
    size_t j = 0, i = a, k = 0;
    unsigned hi = 0, nl = 0;
    for (unsigned n = 1; n <= 5; n++)
        if (lens >> n & 1) {
            hi = n;
            nl++;
        }
    bool end_pad = false;
    /* at most nl n-grams end at each code point, of which there are at most b - a and the two
     * pads: room for them all, then stored without a check */
    if (!fv_reserve(fv, (b - a + 2) * (size_t)nl))
        return false;
    uint32_t *out = fv->v + fv->n;
    for (;;) {
        uint32_t cp;
        if (pad && j == 0 && i == a) {
            cp = ' ';
        } else if (i < b) {
            uint32_t oi = orig[i];
            while (k < nsp && sp[k].e <= oi)
                k++;
            if (k < nsp && sp[k].s <= oi) {
                cp = sp[k].cp;
                while (i < b && orig[i] < sp[k].e)
                    i++;
                while (i < b && ((unsigned char)t[i] & 0xC0) == 0x80)
                    i++;
            } else {
                cp = (unsigned char)t[i];
                if (cp < 0x80)
                    i++;
                else
                    cp = fj__utf8_next(t, b, &i);
                if (cp >= '0' && cp <= '9')
                    cp = '0';
            }
        } else if (pad && !end_pad) {
            if (head)
                *head = (fj__clause_head){j, (size_t)(out - fv->v) - n0};
            cp = ' ';
            end_pad = true;
        } else {
            if (head && !pad)
                *head = (fj__clause_head){j, (size_t)(out - fv->v) - n0};
            break;
        }
        uint32_t m = cp_mix(cp);
        /* with `lens` a constant, the unused lengths fold away */
        if (hi >= 5)
            r5 = m ^ rotl32(r4, 7);
        if (hi >= 4)
            r4 = m ^ rotl32(r3, 7);
        if (hi >= 3)
            r3 = m ^ rotl32(r2, 7);
        if (hi >= 2)
            r2 = m ^ rotl32(r1, 7);
        r1 = m;
        j++;
        if (j <= skip)
            continue;
        if (lens & 2)
            *out++ = ngram_index(r1, 1);
        if ((lens & 4) && j >= 2)
            *out++ = ngram_index(r2, 2);
        if ((lens & 8) && j >= 3)
            *out++ = ngram_index(r3, 3);
        if ((lens & 16) && j >= 4)
            *out++ = ngram_index(r4, 4);
        if ((lens & 32) && j >= 5)
            *out++ = ngram_index(r5, 5);
    }
    fv->n = (size_t)(out - fv->v);
    return true;
}

/* The period of a money token's text ("¥8000-12000/month"): what follows its '/'. */
static void money_features(fj__featvec *fv, const char *s, size_t n, bool *ok)
{
    size_t i = 0;
    while (i < n && !is_digit((unsigned char)s[i]))
        i++;
    char cur[8] = "none";
    if (i > 0 && i < sizeof cur) {
        memcpy(cur, s, i);
        cur[i] = 0;
    }
    size_t d0 = i;
    while (i < n && is_digit((unsigned char)s[i]))
        i++;
    char mag[4] = {'m', (char)('0' + (i - d0 > 9 ? 9 : i - d0)), 0};
    const char *slash = memchr(s, '/', n);
    const char *per = slash ? slash + 1 : "none";
    size_t plen = slash ? (size_t)(s + n - per) : 4;
    bool range = memchr(s + d0, '-', n - d0) != NULL;
    *ok = *ok && fv_str(fv, "money", "", 0) && fv_str(fv, "money:cur", cur, strlen(cur)) &&
          fv_str(fv, "money:per", per, plen) && fv_str(fv, "money:mag", mag, 2) &&
          (!range || fv_str(fv, "money:range", "", 0));
}

/* What kind of phone a phone token's digits are. */
static const char *phone_kind(const char *s, size_t n)
{
    if (n == 13 && s[0] == '8' && s[1] == '6') {
        s += 2;
        n -= 2;
    }
    if (n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9')
        return "cn_mobile";
    if (n >= 3 &&
        (memcmp(s, "400", 3) == 0 || memcmp(s, "800", 3) == 0 || memcmp(s, "888", 3) == 0 ||
         memcmp(s, "877", 3) == 0 || memcmp(s, "866", 3) == 0))
        return "hotline";
    if (n >= 1 && s[0] == '0')
        return "landline";
    if (n == 10 || (n == 11 && s[0] == '1'))
        return "nanp";
    return "other";
}

/* Typed features: word classes of a clause (who pays, what is asked, through what) and their
 * pairs, which a linear model over n-grams cannot form itself ("you" + "pay" + an amount is a fee
 * ask; "we" + "pay" is the employer's cost; a document noun + a sending verb is a data request; a
 * chat app + "add"/"message" is off-site contact). A class is present when one of its words is
 * in the clause: English words by whole word (a trailing '*': by prefix), Chinese ones as
 * substrings. Chat apps and free-mail providers are also found through disguises ("w h a t s a p
 * p", "Tele-gram", "wh@tsapp", "g.mail"): see squeezed_names. */
enum {
    WC_YOU,
    WC_WE,
    WC_PAY,
    WC_REFUND,
    WC_NEG,
    WC_DOC,
    WC_SEND,
    WC_APP,
    WC_REACH,
    WC_MINE,
    WC_OFFICE,
    WC_MAILWORD,
    WC_DISGUISED,
    WC_MONEY,
    WC_PHONE,
    WC_FREEMAIL,
    WC_EMAIL,
    WC_CHATID,
    WC_URL,
    WC_QUESTION,
    WC_COUNT
};

typedef struct wclass {
    int cls;
    const char *w; /* English: lower-case letters, '*' = prefix; Chinese: UTF-8 substring */
    size_t len;    /* strlen(w) */
} wclass;
#define WC(cls, w)                                                                                 \
    {                                                                                              \
        cls, w, sizeof(w) - 1                                                                      \
    }

static const wclass en_words[] = {
    WC(WC_DOC, "aadhaar"),
    WC(WC_DOC, "account*"),
    WC(WC_REACH, "add"),
    WC(WC_PAY, "advance"),
    WC(WC_PAY, "afford*"),
    WC(WC_YOU, "applicant*"),
    WC(WC_YOU, "associate*"),
    WC(WC_OFFICE, "ats"),
    WC(WC_SEND, "attach*"),
    WC(WC_DOC, "bank*"),
    WC(WC_DOC, "birth"),
    WC(WC_PAY, "bitcoin"),
    WC(WC_PAY, "bought"),
    WC(WC_PAY, "buy*"),
    WC(WC_DOC, "bvn"),
    WC(WC_YOU, "candidate*"),
    WC(WC_NEG, "cannot"),
    WC(WC_OFFICE, "careers"),
    WC(WC_PAY, "cashapp"),
    WC(WC_MINE, "cell*"),
    WC(WC_PAY, "charge*"),
    WC(WC_REACH, "chat*"),
    WC(WC_DOC, "code"),
    WC(WC_DOC, "codes"),
    WC(WC_WE, "company"),
    WC(WC_SEND, "confirm"),
    WC(WC_REACH, "connect"),
    WC(WC_REACH, "contact*"),
    WC(WC_SEND, "copies"),
    WC(WC_SEND, "copy"),
    WC(WC_PAY, "cost*"),
    WC(WC_DOC, "credential*"),
    WC(WC_DOC, "credit"),
    WC(WC_REFUND, "credited"),
    WC(WC_PAY, "crypto*"),
    WC(WC_DOC, "debit"),
    WC(WC_REFUND, "deducted"),
    WC(WC_OFFICE, "department"),
    WC(WC_PAY, "deposit*"),
    WC(WC_MINE, "direct*"),
    WC(WC_REACH, "dm"),
    WC(WC_REACH, "dms"),
    WC(WC_DOC, "dob"),
    WC(WC_NEG, "dont"),
    WC(WC_SEND, "email*"),
    WC(WC_WE, "employer*"),
    WC(WC_SEND, "enter"),
    WC(WC_PAY, "fee"),
    WC(WC_PAY, "fees"),
    WC(WC_SEND, "fill*"),
    WC(WC_WE, "firm"),
    WC(WC_SEND, "forward*"),
    WC(WC_NEG, "free"),
    WC(WC_PAY, "front"),
    WC(WC_SEND, "give"),
    WC(WC_MINE, "handle"),
    WC(WC_OFFICE, "headquarters"),
    WC(WC_YOU, "hires"),
    WC(WC_REACH, "hit"),
    WC(WC_REACH, "hmu"),
    WC(WC_OFFICE, "hotline"),
    WC(WC_OFFICE, "hr"),
    WC(WC_MINE, "i"),
    WC(WC_DOC, "id"),
    WC(WC_DOC, "identity"),
    WC(WC_DOC, "ids"),
    WC(WC_REACH, "inbox"),
    WC(WC_PAY, "invest*"),
    WC(WC_DOC, "itin"),
    WC(WC_DOC, "licen*"),
    WC(WC_DOC, "login*"),
    WC(WC_DOC, "maiden"),
    WC(WC_OFFICE, "main"),
    WC(WC_MINE, "me"),
    WC(WC_DOC, "medicare"),
    WC(WC_YOU, "member*"),
    WC(WC_REACH, "message*"),
    WC(WC_MINE, "mobile"),
    WC(WC_REACH, "msg"),
    WC(WC_MINE, "my"),
    WC(WC_NEG, "never"),
    WC(WC_DOC, "nin"),
    WC(WC_NEG, "no"),
    WC(WC_NEG, "none"),
    WC(WC_NEG, "nor"),
    WC(WC_NEG, "not"),
    WC(WC_NEG, "nothing"),
    WC(WC_OFFICE, "office"),
    WC(WC_OFFICE, "official"),
    WC(WC_PAY, "order*"),
    WC(WC_DOC, "otp"),
    WC(WC_WE, "our"),
    WC(WC_PAY, "owe*"),
    WC(WC_DOC, "passcode*"),
    WC(WC_DOC, "passport*"),
    WC(WC_DOC, "password*"),
    WC(WC_PAY, "pay"),
    WC(WC_REFUND, "paycheck*"),
    WC(WC_REFUND, "paycheque*"),
    WC(WC_PAY, "paying"),
    WC(WC_PAY, "payment*"),
    WC(WC_DOC, "paypal"),
    WC(WC_PAY, "pays"),
    WC(WC_MINE, "personal"),
    WC(WC_SEND, "photo*"),
    WC(WC_SEND, "pic"),
    WC(WC_SEND, "pics"),
    WC(WC_SEND, "picture*"),
    WC(WC_DOC, "pin"),
    WC(WC_REACH, "ping"),
    WC(WC_OFFICE, "platform"),
    WC(WC_OFFICE, "portal"),
    WC(WC_PAY, "price*"),
    WC(WC_MINE, "private"),
    WC(WC_SEND, "provid*"),
    WC(WC_PAY, "purchas*"),
    WC(WC_REACH, "reach"),
    WC(WC_SEND, "read"),
    WC(WC_OFFICE, "reception*"),
    WC(WC_YOU, "recruit*"),
    WC(WC_REFUND, "refund*"),
    WC(WC_REFUND, "reimburs*"),
    WC(WC_PAY, "remit*"),
    WC(WC_REFUND, "returned"),
    WC(WC_DOC, "routing"),
    WC(WC_SEND, "scan*"),
    WC(WC_DOC, "selfie*"),
    WC(WC_SEND, "send*"),
    WC(WC_SEND, "sent"),
    WC(WC_SEND, "share"),
    WC(WC_DOC, "sin"),
    WC(WC_SEND, "snap*"),
    WC(WC_DOC, "social"),
    WC(WC_PAY, "spend*"),
    WC(WC_DOC, "ssn*"),
    WC(WC_DOC, "statement*"),
    WC(WC_SEND, "submit*"),
    WC(WC_REACH, "talk"),
    WC(WC_REACH, "text*"),
    WC(WC_YOU, "trainee*"),
    WC(WC_PAY, "transfer*"),
    WC(WC_SEND, "type"),
    WC(WC_PAY, "upfront"),
    WC(WC_SEND, "upload*"),
    WC(WC_WE, "us"),
    WC(WC_PAY, "usdt"),
    WC(WC_MINE, "username"),
    WC(WC_DOC, "utility"),
    WC(WC_PAY, "venmo"),
    WC(WC_DOC, "verification"),
    WC(WC_SEND, "verify"),
    WC(WC_DOC, "w2"),
    WC(WC_DOC, "w4"),
    WC(WC_DOC, "w9"),
    WC(WC_WE, "we"),
    WC(WC_OFFICE, "website"),
    WC(WC_PAY, "wire*"),
    WC(WC_NEG, "without"),
    WC(WC_NEG, "wont"),
    WC(WC_YOU, "you"),
    WC(WC_YOU, "your*"),
    WC(WC_PAY, "zelle"),
    WC(WC_NEG, "zero"),
};

static const wclass zh_words[] = {
    WC(WC_APP, "vx"),        WC(WC_APP, "v信"),       WC(WC_SEND, "上传"),   WC(WC_NEG, "不"),
    WC(WC_PAY, "买"),        WC(WC_PAY, "交纳"),      WC(WC_PAY, "交费"),    WC(WC_PAY, "交钱"),
    WC(WC_OFFICE, "人事部"), WC(WC_DOC, "人脸"),      WC(WC_NEG, "从未"),    WC(WC_PAY, "付"),
    WC(WC_WE, "企业"),       WC(WC_APP, "企鹅"),      WC(WC_YOU, "你"),      WC(WC_PAY, "保证金"),
    WC(WC_PAY, "充值"),      WC(WC_PAY, "先交"),      WC(WC_NEG, "免"),      WC(WC_WE, "公司"),
    WC(WC_OFFICE, "前台"),   WC(WC_OFFICE, "办公室"), WC(WC_REACH, "加q"),   WC(WC_REACH, "加v"),
    WC(WC_REACH, "加微"),    WC(WC_REACH, "加我"),    WC(WC_NEG, "勿"),      WC(WC_WE, "单位"),
    WC(WC_DOC, "卡号"),      WC(WC_SEND, "发我"),     WC(WC_SEND, "发给"),   WC(WC_SEND, "发过来"),
    WC(WC_SEND, "发送"),     WC(WC_SEND, "告知"),     WC(WC_REACH, "咨询"),  WC(WC_PAY, "垫"),
    WC(WC_SEND, "填"),       WC(WC_YOU, "学员"),      WC(WC_OFFICE, "官方"), WC(WC_OFFICE, "官网"),
    WC(WC_DOC, "密码"),      WC(WC_APP, "小红书"),    WC(WC_OFFICE, "平台"), WC(WC_YOU, "应聘者"),
    WC(WC_OFFICE, "座机"),   WC(WC_DOC, "征信"),      WC(WC_APP, "微信"),    WC(WC_YOU, "您"),
    WC(WC_WE, "我们"),       WC(WC_WE, "我司"),       WC(WC_MINE, "我的"),   WC(WC_DOC, "户口"),
    WC(WC_DOC, "手持"),      WC(WC_MINE, "手机"),     WC(WC_APP, "扣扣"),    WC(WC_REFUND, "扣除"),
    WC(WC_REACH, "扫码"),    WC(WC_APP, "抖音"),      WC(WC_DOC, "护照"),    WC(WC_REFUND, "报销"),
    WC(WC_PAY, "押金"),      WC(WC_SEND, "拍"),       WC(WC_SEND, "提交"),   WC(WC_SEND, "提供"),
    WC(WC_DOC, "支付宝"),    WC(WC_PAY, "收取"),      WC(WC_YOU, "新人"),    WC(WC_NEG, "无"),
    WC(WC_MINE, "本人"),     WC(WC_YOU, "求职者"),    WC(WC_NEG, "没"),      WC(WC_REACH, "添加"),
    WC(WC_OFFICE, "热线"),   WC(WC_APP, "电报"),      WC(WC_DOC, "社保卡"),  WC(WC_MINE, "私人"),
    WC(WC_REACH, "私信"),    WC(WC_REACH, "私聊"),    WC(WC_PAY, "缴"),      WC(WC_REACH, "联系"),
    WC(WC_APP, "薇"),        WC(WC_PAY, "要交"),      WC(WC_REACH, "详聊"),  WC(WC_DOC, "账号"),
    WC(WC_DOC, "账户"),      WC(WC_PAY, "购买"),      WC(WC_PAY, "费"),      WC(WC_DOC, "身份证"),
    WC(WC_PAY, "转账"),      WC(WC_SEND, "输入"),     WC(WC_REFUND, "返还"), WC(WC_REACH, "进群"),
    WC(WC_REFUND, "退"),     WC(WC_APP, "钉钉"),      WC(WC_PAY, "钱"),      WC(WC_DOC, "银行卡"),
    WC(WC_NEG, "零"),        WC(WC_PAY, "需交"),      WC(WC_APP, "飞机"),    WC(WC_DOC, "驾驶证"),
    WC(WC_DOC, "验证码"),
};

/* en_words by first letter: the entries starting with letter c are en_words[en_at[c - 'a'],
 * en_at[c - 'a' + 1]) (checked by fj__clause_tables_sorted). */
static const unsigned char en_at[27] = {0,   9,   15,  35,  44,  47,  54,  55,  62,
                                        69,  69,  69,  71,  80,  87,  93,  116, 116,
                                        125, 137, 142, 148, 151, 159, 159, 161, 163};

/* The first characters of zh_words of three bytes, as a 1024-bit Bloom filter of zh_bit (checked
 * by fj__clause_tables_sorted): a character whose bit is clear starts no entry. */
static const uint64_t zh_first[16] = {
    0x0000400200800000ull, 0x1020000200000010ull, 0x0000000000020000ull, 0x0400001802200000ull,
    0x0400000000800000ull, 0x8000000000101010ull, 0x00A0101400400000ull, 0x4000000080400002ull,
    0x6000140000000008ull, 0x0002040500001030ull, 0x0000820000420081ull, 0x0200181000090001ull,
    0x0424108020800240ull, 0x0000000A00010100ull, 0x0020010020000882ull, 0x0000280000000016ull,
};

/* zh_first's bit for the three bytes at s. */
static inline uint32_t zh_bit(const char *s)
{
    uint32_t x = (uint32_t)(unsigned char)s[0] << 16 | (uint32_t)(unsigned char)s[1] << 8 |
                 (unsigned char)s[2];
    return (x * 0x9E3779B1u) >> 22;
}

/* For each first letter of an English word (a-z), the second letters (bit c - 'a') that begin
 * an entry of en_words: a word starting with any other two letters matches none and is not
 * looked up (checked by fj__clause_tables_sorted). */
static const uint32_t en_pairs[26] = {
    0x00C802Du, 0x0304101u, 0x0024091u, 0x0005110u, 0x0003000u, 0x0024110u, 0x0000100u,
    0x0025111u, 0x0082008u, 0x0000000u, 0x0000000u, 0x0004100u, 0x1044011u, 0x0004110u,
    0x05A0020u, 0x0124991u, 0x0000000u, 0x0004010u, 0x01CE194u, 0x1020011u, 0x00C8000u,
    0x0000010u, 0x0004110u, 0x0000000u, 0x0004000u, 0x0000010u,
};

/* Chat apps (WC_APP) and free-mail providers (WC_MAILWORD) as they read once the letters of a
 * stretch of text are squeezed together, sorted by their first letter: those starting with
 * letter c are squeezed_names[sq_at[c - 'a'], sq_at[c - 'a' + 1]) (checked by
 * fj__clause_tables_sorted). */
static const wclass squeezed_names[] = {
    WC(WC_MAILWORD, "aol"),        WC(WC_APP, "discord"),  WC(WC_APP, "facebook"),
    WC(WC_MAILWORD, "gmail"),      WC(WC_MAILWORD, "gmx"), WC(WC_APP, "googlechat"),
    WC(WC_APP, "googlevoice"),     WC(WC_APP, "hangouts"), WC(WC_MAILWORD, "hotmail"),
    WC(WC_MAILWORD, "icloud"),     WC(WC_APP, "ig"),       WC(WC_APP, "imessage"),
    WC(WC_APP, "instagram"),       WC(WC_APP, "kik"),      WC(WC_MAILWORD, "outlook"),
    WC(WC_MAILWORD, "protonmail"), WC(WC_APP, "qq"),       WC(WC_APP, "signal"),
    WC(WC_APP, "skype"),           WC(WC_APP, "snapchat"), WC(WC_APP, "telegram"),
    WC(WC_APP, "textnow"),         WC(WC_APP, "tg"),       WC(WC_APP, "threema"),
    WC(WC_APP, "viber"),           WC(WC_APP, "wechat"),   WC(WC_APP, "weixin"),
    WC(WC_APP, "whatsapp"),        WC(WC_APP, "wickr"),    WC(WC_MAILWORD, "yahoo"),
    WC(WC_MAILWORD, "ymail"),
};
#define SQ_COUNT (sizeof squeezed_names / sizeof squeezed_names[0])
static const unsigned char sq_at[27] = {0,  1,  1,  1,  2,  2,  3,  7,  9,  13, 13, 14, 14, 14,
                                        14, 15, 16, 17, 17, 20, 24, 24, 25, 29, 29, 31, 31};

/* A letter a digit or sign stands for inside a word ("wh@tsapp", "t3legram"), or 0. */
static char leet(unsigned char c)
{
    switch (c) {
    case '0':
        return 'o';
    case '1':
        return 'i';
    case '3':
        return 'e';
    case '4':
        return 'a';
    case '5':
        return 's';
    case '7':
        return 't';
    case '@':
        return 'a';
    case '$':
        return 's';
    default:
        return 0;
    }
}

static bool is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

/* The stem of a word entry: its bytes without a trailing '*'; prefix: it had one. */
static size_t stem_len(const wclass *e)
{
    return e->len - (e->w[e->len - 1] == '*');
}

/* memcmp's sign of x[0, n) against y[0, n), inline: the words are a few bytes long, where a
 * call costs more than the compare. */
static inline int bytes_cmp(const char *x, const char *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return (unsigned char)x[i] < (unsigned char)y[i] ? -1 : 1;
    return 0;
}

/* memcmp order of a stem against bytes s[0, n), the shorter first on a tie. */
static inline int stem_cmp(const wclass *e, const char *s, size_t n)
{
    size_t sl = stem_len(e);
    int c = bytes_cmp(e->w, s, sl < n ? sl : n);
    return c ? c : (sl > n) - (sl < n);
}

/* The class bits of the entries of `tab` (sorted by stem, checked by fj__clause_tables_sorted)
 * that match the bytes w[0, n): with `whole`, an entry equal to them or, ending in '*', a prefix
 * of them (English words); without, any entry that is a prefix of them (Chinese text at a
 * character). A binary search, then a walk back over the entries that share w's first
 * character: every stem that is a prefix of w sorts there. */
static uint32_t lookup(const wclass *tab, size_t ntab, const char *w, size_t n, bool whole)
{
    size_t lo = 0, hi = ntab;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (stem_cmp(&tab[mid], w, n) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the bytes every match shares with w: its first character; for whole English words its
     * first two letters, as no entry ending in '*' is shorter than three letters (checked by
     * fj__clause_tables_sorted) and any other matches w whole */
    size_t cl = whole ? 2 : (unsigned char)w[0] < 0x80 ? 1 : (unsigned char)w[0] < 0xE0 ? 2 : 3;
    if (cl > n)
        cl = n;
    uint32_t bits = 0;
    for (size_t k = lo; k-- > 0;) {
        const wclass *e = &tab[k];
        size_t sl = stem_len(e);
        if (sl < cl || bytes_cmp(e->w, w, cl) != 0)
            break;
        if (sl > n || bytes_cmp(e->w + cl, w + cl, sl - cl) != 0)
            continue;
        if (!whole || sl == n || e->len != sl)
            bits |= 1u << e->cls;
    }
    return bits;
}

static bool sorted_table(const wclass *tab, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (stem_cmp(&tab[i - 1], tab[i].w, stem_len(&tab[i])) > 0)
            return false;
    return true;
}

/* lookup's walk back for whole English words: no prefix entry shorter than three letters. */
static bool prefixes_long(const wclass *tab, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tab[i].w[tab[i].len - 1] == '*' && stem_len(&tab[i]) < 3)
            return false;
    return true;
}

/* Whether en_pairs holds the first two letters of every entry of en_words that has them. */
static bool pairs_listed(void)
{
    for (size_t i = 0; i < sizeof en_words / sizeof en_words[0]; i++) {
        const char *w = en_words[i].w;
        if (stem_len(&en_words[i]) >= 2 && is_lower((unsigned char)w[0]) &&
            is_lower((unsigned char)w[1]) && !(en_pairs[w[0] - 'a'] >> (w[1] - 'a') & 1))
            return false;
    }
    return true;
}

/* Whether en_at indexes en_words by first letter and zh_first holds the first character of
 * every entry of zh_words of three bytes or more. */
static bool word_indexes_right(void)
{
    size_t nen = sizeof en_words / sizeof en_words[0];
    if (en_at[0] != 0 || en_at[26] != nen)
        return false;
    for (int c = 0; c < 26; c++)
        for (size_t k = en_at[c]; k < en_at[c + 1]; k++)
            if (k >= nen || en_words[k].w[0] != 'a' + c)
                return false;
    for (size_t k = 0; k < sizeof zh_words / sizeof zh_words[0]; k++) {
        const wclass *e = &zh_words[k];
        if ((unsigned char)e->w[0] < 0xE0) {
            if (e->w[0] != 'v') /* the scan looks up no other byte below 0xE0 */
                return false;
            continue;
        }
        uint32_t h = zh_bit(e->w);
        if (e->len < 3 || !(zh_first[h >> 6] >> (h & 63) & 1))
            return false;
    }
    return true;
}

/* Whether sq_at indexes squeezed_names by first letter. */
static bool first_letters_listed(void)
{
    if (sq_at[0] != 0 || sq_at[26] != SQ_COUNT)
        return false;
    for (int c = 0; c < 26; c++)
        for (size_t k = sq_at[c]; k < sq_at[c + 1]; k++)
            if (k >= SQ_COUNT || squeezed_names[k].w[0] != 'a' + c)
                return false;
    return true;
}

bool fj__clause_tables_sorted(void)
{
    return sorted_table(en_words, sizeof en_words / sizeof en_words[0]) &&
           sorted_table(zh_words, sizeof zh_words / sizeof zh_words[0]) &&
           prefixes_long(en_words, sizeof en_words / sizeof en_words[0]) &&
           first_letters_listed() && pairs_listed() && word_indexes_right();
}

#define SQ_MAX FJ_CLS_MAX_CLAUSE_BYTES

uint32_t fj__clause_word_classes(fj_lang lang, const char *t, size_t a, size_t b)
{
    uint32_t bits = 0;
    if (lang == FJ_LANG_EN) {
        for (size_t i = a; i < b;) {
            if (!is_lower((unsigned char)t[i])) {
                i++;
                continue;
            }
            size_t j = i;
            char w[24];
            size_t n = 0;
            while (j < b && (is_lower((unsigned char)t[j]) || is_digit((unsigned char)t[j]) ||
                             (t[j] == '\'' && j + 1 < b && is_lower((unsigned char)t[j + 1])) ||
                             (t[j] == '-' && j + 1 < b && is_digit((unsigned char)t[j + 1])))) {
                if (t[j] != '\'' && t[j] != '-' && n < sizeof w)
                    w[n++] = t[j];
                j++;
            }
            /* n >= 1: the word starts with a lower-case letter */
            if (n > 0 && n < sizeof w &&
                (n < 2 || !is_lower((unsigned char)w[1]) ||
                 (en_pairs[w[0] - 'a'] >> (w[1] - 'a') & 1)))
                bits |= lookup(en_words + en_at[w[0] - 'a'],
                               (size_t)(en_at[w[0] - 'a' + 1] - en_at[w[0] - 'a']), w, n, true);
            i = j;
        }
    } else {
        /* every entry starts with a character of three bytes, or with 'v' */
        for (size_t i = a; i < b; i++) {
            if ((unsigned char)t[i] >= 0xE0 && b - i >= 3) {
                uint32_t h = zh_bit(t + i);
                if (!(zh_first[h >> 6] >> (h & 63) & 1))
                    continue;
            } else if (!((unsigned char)t[i] >= 0xE0 || t[i] == 'v')) {
                continue;
            }
            bits |= lookup(zh_words, sizeof zh_words / sizeof zh_words[0], t + i,
                           b - i < 16 ? b - i : 16, false);
        }
    }
    /* squeezed letters: sq[k] with start[k] (a word starts there) and cut[k] (a separator or a
     * stand-in sign was squeezed out before it, or it is one) */
    char sq[SQ_MAX];
    bool start[SQ_MAX + 1], cut[SQ_MAX + 1];
    size_t n = 0;
    bool sep = true;
    for (size_t i = a; i < b && n < SQ_MAX; i++) {
        unsigned char c = (unsigned char)t[i];
        char l = is_lower(c) ? (char)c : 0;
        bool stand_in = false;
        if (!l && n > 0 && !sep && i + 1 < b && is_lower((unsigned char)t[i + 1]) &&
            (l = leet(c)) != 0)
            stand_in = true;
        if (!l) {
            sep = true;
            continue;
        }
        /* a lone letter between separators ("w h a t s") continues the word before it */
        bool lone = sep && n > 0 && (i + 1 >= b || !is_lower((unsigned char)t[i + 1])) &&
                    (start[n - 1] || cut[n - 1]);
        start[n] = sep && !lone;
        cut[n] = (sep && lone) || stand_in;
        sq[n++] = l;
        sep = false;
    }
    start[n] = true;
    cut[n] = false;
    for (size_t i = 0; i < n; i++) {
        if (!start[i] && !(i > 0 && cut[i]))
            continue;
        for (size_t k = sq_at[sq[i] - 'a'], kend = sq_at[sq[i] - 'a' + 1]; k < kend; k++) {
            const char *nm = squeezed_names[k].w;
            size_t nl = squeezed_names[k].len;
            if (i + nl > n || bytes_cmp(sq + i + 1, nm + 1, nl - 1) != 0 ||
                !(i + nl == n || start[i + nl]))
                continue;
            bits |= 1u << squeezed_names[k].cls;
            for (size_t q = i; q < i + nl; q++)
                if (cut[q] || (q > i && start[q]))
                    bits |= 1u << WC_DISGUISED;
        }
    }
    return bits;
}

static bool class_features(fj__featvec *fv, fj_lang lang, const char *t, size_t a, size_t b,
                           const fj_token *tok, size_t ntok, const uint32_t *wbits)
{
    /* the class of a typed token, plus one (0: none) */
    static const unsigned char tok_class[FJ_TOK_KIND_COUNT] = {[FJ_TOK_MONEY] = WC_MONEY + 1,
                                                               [FJ_TOK_PHONE] = WC_PHONE + 1,
                                                               [FJ_TOK_MASKED_PHONE] = WC_PHONE + 1,
                                                               [FJ_TOK_FREEMAIL] = WC_FREEMAIL + 1,
                                                               [FJ_TOK_EMAIL] = WC_EMAIL + 1,
                                                               [FJ_TOK_MASKED_EMAIL] = WC_EMAIL + 1,
                                                               [FJ_TOK_QQ] = WC_CHATID + 1,
                                                               [FJ_TOK_WECHAT] = WC_CHATID + 1,
                                                               [FJ_TOK_URL] = WC_URL + 1,
                                                               [FJ_TOK_SHORTURL] = WC_URL + 1,
                                                               [FJ_TOK_MASKED_URL] = WC_URL + 1};
    uint32_t bits = wbits ? *wbits : fj__clause_word_classes(lang, t, a, b);
    for (size_t i = 0; i < ntok; i++)
        if (tok[i].kind < FJ_TOK_KIND_COUNT && tok_class[tok[i].kind])
            bits |= 1u << (tok_class[tok[i].kind] - 1);
    if (memchr(t + a, '?', b - a))
        bits |= 1u << WC_QUESTION;
    uint32_t seed = h_seed("wc");
    for (uint32_t x = 0; x < WC_COUNT; x++) {
        if (!(bits >> x & 1))
            continue;
        if (!fv_push(fv, h_final(h_u32(seed, x))))
            return false;
        for (uint32_t y = x + 1; y < WC_COUNT; y++)
            if ((bits >> y & 1) && !fv_push(fv, h_final(h_u32(h_u32(seed, x), y + 64))))
                return false;
    }
    return true;
}

bool fj__clause_features(fj__featvec *fv, fj_lang lang, const char *t, size_t a, size_t b,
                         const uint32_t *orig, const fj_token *tok, size_t ntok,
                         const fj__lexmatch *m, size_t nm)
{
    return fj__clause_features_after(fv, lang, t, a, b, orig, tok, ntok, m, nm, 0, NULL, NULL);
}

bool fj__clause_features_after(fj__featvec *fv, fj_lang lang, const char *t, size_t a, size_t b,
                               const uint32_t *orig, const fj_token *tok, size_t ntok,
                               const fj__lexmatch *m, size_t nm, size_t skip, fj__clause_head *head,
                               const uint32_t *wbits)
{
    bool en = lang == FJ_LANG_EN;
    span sp[MAX_SPANS];
    size_t nsp = 0;
    for (size_t i = 0; i < ntok && nsp < MAX_SPANS; i++) {
        if (tok[i].kind < FJ_TOK_QQ || tok[i].kind > FJ_TOK_MASKED_PHONE ||
            tok[i].end <= tok[i].start)
            continue;
        span x = {tok[i].start, tok[i].end, 0xE000u + tok[i].kind};
        size_t k = nsp++; /* insertion by start; overlapping spans keep the first */
        while (k > 0 && sp[k - 1].s > x.s) {
            sp[k] = sp[k - 1];
            k--;
        }
        sp[k] = x;
    }
    size_t w = 0;
    for (size_t i = 0; i < nsp; i++)
        if (w == 0 || sp[i].s >= sp[w - 1].e)
            sp[w++] = sp[i];
    nsp = w;
    bool ok = en ? char_ngrams(fv, t, a, b, orig, sp, nsp, NGRAM_EN, true, skip, head)
                 : char_ngrams(fv, t, a, b, orig, sp, nsp, NGRAM_ZH, false, skip, head);
    const uint32_t seed_w = h_seed("w"); /* fv_str(fv, "w", ...) of each word, seeded once */
    for (size_t i = 0; ok && i < ntok; i++) {
        const fj_token *k = &tok[i];
        switch (k->kind) {
        case FJ_TOK_WORD:
            ok = fv_push(fv, h_final(h_bytes(seed_w, k->text, k->len)));
            break;
        case FJ_TOK_BIGRAM:
            break; /* the character n-grams hold them */
        case FJ_TOK_NUM: {
            char d[2] = {(char)('0' + (k->len > 9 ? 9 : k->len)), 0};
            ok = fv_str(fv, "num", d, 1);
            break;
        }
        case FJ_TOK_MONEY:
            money_features(fv, k->text, k->len, &ok);
            break;
        case FJ_TOK_PHONE: {
            const char *pk = phone_kind(k->text, k->len);
            ok = fv_str(fv, "tok", "phone", 5) && fv_str(fv, "phone", pk, strlen(pk));
            break;
        }
        default: {
            const char *name = fj_token_kind_name((fj_token_kind)k->kind);
            ok = name && fv_str(fv, "tok", name, strlen(name));
            break;
        }
        }
    }
    const uint32_t seed_lex = h_seed("lex");
    for (size_t i = 0; ok && i < nm; i++) {
        const fj__lex_entry *le = &fj__lex_entries[m[i].entry];
        uint32_t h = h_u32(seed_lex, le->lex);
        for (int r = 0; ok && r < LEX_REPEAT; r++)
            ok = fv_push(fv, h_final(h)) && fv_push(fv, h_final(h_u32(h, le->tag + 1u)));
    }
    return ok && class_features(fv, lang, t, a, b, tok, ntok, wbits);
}

/* ------------------------------------------------------------------------------------------ */
/* Scoring                                                                                    */
/* ------------------------------------------------------------------------------------------ */

double fj__clause_scale(size_t n)
{
    return 1.0 / sqrt((double)(n > FJ_CLS_MIN_NORM ? n : FJ_CLS_MIN_NORM));
}

static const fj__cls_lang *lang_of(const fj_detectors *d, fj_lang lang)
{
    return &d->lang[lang == FJ_LANG_EN ? 1 : 0];
}

static bool build_slots(fj__cls_lang *L);

bool fj__detectors_index(fj_detectors *d)
{
    for (int l = 0; l < 2; l++)
        if (!build_slots(&d->lang[l]))
            return false;
    return true;
}

static uint32_t slot_hash(uint32_t f)
{
    return f * 0x9E3779B1u;
}

static long find_feat(const fj__cls_lang *L, uint32_t f)
{
    if (!L->slot)
        return -1;
    for (uint32_t h = slot_hash(f) & L->mask;; h = (h + 1) & L->mask) {
        uint64_t e = L->slot[h];
        if ((uint32_t)e == f + 1)
            return (long)(e >> 32);
        if ((uint32_t)e == 0)
            return -1;
    }
}

/* Build the lookup table of a language's features (at most half full). */
static bool build_slots(fj__cls_lang *L)
{
    free(L->slot);
    uint32_t cap = 16;
    while (cap < 2 * (L->nfeat + 1))
        cap *= 2;
    L->slot = calloc(cap, sizeof *L->slot);
    if (!L->slot)
        return false;
    L->mask = cap - 1;
    for (uint32_t i = 0; i < L->nfeat; i++) {
        uint32_t h = slot_hash(L->idx[i]) & L->mask;
        while (L->slot[h])
            h = (h + 1) & L->mask;
        L->slot[h] = (uint64_t)i << 32 | (L->idx[i] + 1u);
    }
    return true;
}

/* Add the weights of features feat[0, n) to sum, in order. Each signal's sum is its own chain of
 * additions of a float widened to double, so adding two signals' weights in one SSE2 instruction
 * gives the same sums, bit for bit, as adding them one at a time. */
#ifdef __SSE2__
#define ACC_PAIRS (FJ_CLS_COUNT / 2)
static void add_weights(const fj__cls_lang *L, const uint32_t *feat, size_t n,
                        double sum[FJ_CLS_COUNT])
{
    __m128d acc[ACC_PAIRS];
    for (int p = 0; p < ACC_PAIRS; p++)
        acc[p] = _mm_loadu_pd(sum + 2 * p);
    double tail = FJ_CLS_COUNT % 2 ? sum[FJ_CLS_COUNT - 1] : 0;
    for (size_t i = 0; i < n; i++) {
        long k = find_feat(L, feat[i]);
        if (k < 0)
            continue;
        const float *w = L->w + (size_t)k * FJ_CLS_COUNT;
        for (int p = 0; p < ACC_PAIRS; p++)
            acc[p] = _mm_add_pd(
                acc[p], _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const void *)(w + 2 * p)))));
        if (FJ_CLS_COUNT % 2)
            tail += w[FJ_CLS_COUNT - 1];
    }
    for (int p = 0; p < ACC_PAIRS; p++)
        _mm_storeu_pd(sum + 2 * p, acc[p]);
    if (FJ_CLS_COUNT % 2)
        sum[FJ_CLS_COUNT - 1] = tail;
}
#else
static void add_weights(const fj__cls_lang *L, const uint32_t *feat, size_t n,
                        double sum[FJ_CLS_COUNT])
{
    double acc[FJ_CLS_COUNT];
    memcpy(acc, sum, sizeof acc);
    for (size_t i = 0; i < n; i++) {
        long k = find_feat(L, feat[i]);
        if (k < 0)
            continue;
        const float *w = L->w + (size_t)k * FJ_CLS_COUNT;
        for (int s = 0; s < FJ_CLS_COUNT; s++)
            acc[s] += w[s];
    }
    memcpy(sum, acc, sizeof acc);
}
#endif

void fj__detectors_add(const fj_detectors *d, fj_lang lang, const uint32_t *feat, size_t n,
                       double sum[FJ_CLS_COUNT])
{
    add_weights(lang_of(d, lang), feat, n, sum);
}

static void decisions(const fj__cls_lang *L, const uint32_t *feat, size_t n,
                      double dec[FJ_CLS_COUNT])
{
    double sum[FJ_CLS_COUNT] = {0};
    add_weights(L, feat, n, sum);
    double scale = fj__clause_scale(n);
    for (int s = 0; s < FJ_CLS_COUNT; s++)
        dec[s] = sum[s] * scale + L->sig[s].bias;
}

double fj__detectors_decision(const fj_detectors *d, fj_lang lang, int cls, const uint32_t *feat,
                              size_t n)
{
    double dec[FJ_CLS_COUNT];
    decisions(lang_of(d, lang), feat, n, dec);
    return dec[cls];
}

static void platt(const fj__cls_lang *L, const double dec[FJ_CLS_COUNT], double prob[FJ_CLS_COUNT]);

void fj__detectors_prob(const fj_detectors *d, fj_lang lang, const double sum[FJ_CLS_COUNT],
                        size_t n, double prob[FJ_CLS_COUNT])
{
    const fj__cls_lang *L = lang_of(d, lang);
    double dec[FJ_CLS_COUNT], scale = fj__clause_scale(n);
    for (int s = 0; s < FJ_CLS_COUNT; s++)
        dec[s] = sum[s] * scale + L->sig[s].bias;
    platt(L, dec, prob);
}

void fj__detectors_score(const fj_detectors *d, fj_lang lang, const uint32_t *feat, size_t n,
                         double prob[FJ_CLS_COUNT])
{
    const fj__cls_lang *L = lang_of(d, lang);
    double dec[FJ_CLS_COUNT];
    decisions(L, feat, n, dec);
    platt(L, dec, prob);
}

static void platt(const fj__cls_lang *L, const double dec[FJ_CLS_COUNT], double prob[FJ_CLS_COUNT])
{
    for (int s = 0; s < FJ_CLS_COUNT; s++) {
        prob[s] = fj__logistic(-(L->sig[s].platt_a * dec[s] + L->sig[s].platt_b));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The file                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool buf_u32(fj_buf *b, uint32_t v)
{
    unsigned char p[4];
    put_u32(p, v);
    return fj__buf_append(b, p, 4);
}

static bool buf_f32(fj_buf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    return buf_u32(b, v);
}

static float get_f32(const unsigned char *p)
{
    uint32_t v = get_u32(p);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

bool fj__detectors_serialize(const fj_detectors *d, fj_buf *b)
{
    b->len = 0;
    if (!fj__buf_append(b, DET_MAGIC, 8) || !buf_u32(b, DET_FORMAT) ||
        !buf_u32(b, FJ_CLS_HASH_BITS) || !fj__buf_reserve(b, 8 + 32))
        return false;
    size_t len_at = b->len;
    memset(b->data + b->len, 0, 40);
    b->len += 40;
    size_t p0 = b->len;
    for (int l = 0; l < 2; l++) {
        const fj__cls_lang *L = &d->lang[l];
        if (!buf_u32(b, L->nfeat))
            return false;
        for (int s = 0; s < FJ_CLS_COUNT; s++) {
            const fj__cls_model *m = &L->sig[s];
            if (!buf_f32(b, m->bias) || !buf_f32(b, m->platt_a) || !buf_f32(b, m->platt_b) ||
                !buf_f32(b, m->threshold) || !buf_f32(b, m->C))
                return false;
        }
        for (uint32_t i = 0; i < L->nfeat; i++)
            if (!buf_u32(b, L->idx[i]))
                return false;
        for (size_t i = 0; i < (size_t)L->nfeat * FJ_CLS_COUNT; i++)
            if (!buf_f32(b, L->w[i]))
                return false;
    }
    size_t rlen = d->report ? strlen(d->report) : 0;
    if (!buf_u32(b, (uint32_t)rlen) || !fj__buf_append(b, d->report ? d->report : "", rlen))
        return false;
    uint64_t plen = b->len - p0;
    unsigned char *h = (unsigned char *)b->data + len_at;
    put_u32(h, (uint32_t)plen);
    put_u32(h + 4, (uint32_t)(plen >> 32));
    fj_sha256 sh;
    fj__sha256_init(&sh);
    fj__sha256_update(&sh, b->data + p0, plen);
    fj__sha256_final(&sh, h + 8);
    return true;
}

void fj_detectors_free(fj_detectors *d)
{
    if (!d)
        return;
    for (int l = 0; l < 2; l++) {
        free(d->lang[l].idx);
        free(d->lang[l].w);
        free(d->lang[l].slot);
    }
    free(d->report);
    free(d);
}

static fj_status parse(fj_detectors **out, const unsigned char *data, size_t len, const char *name,
                       bool verify, fj_error *err)
{
    *out = NULL;
    if (len < 8 || memcmp(data, DET_MAGIC, 8) != 0)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: not a fakejob clause detector file", name);
    if (len < DET_HEADER)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: truncated header (%zu bytes)", name, len);
    uint32_t format = get_u32(data + 8), bits = get_u32(data + 12);
    if (format > DET_FORMAT)
        return fj__errorf(err, FJ_ERR_VERSION,
                          "%s: detector format %u is newer than this library's (%u); "
                          "upgrade libfakejob",
                          name, format, DET_FORMAT);
    if (format == 0)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: bad detector format 0", name);
    if (format < DET_FORMAT)
        return fj__errorf(err, FJ_ERR_VERSION,
                          "%s: detector format %u is older than this library's (%u: other "
                          "features, no title_duty_mismatch classes); retrain with `fakejob "
                          "train-signals`",
                          name, format, DET_FORMAT);
    if (bits != FJ_CLS_HASH_BITS)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: features hashed to %u bits, expected %d", name,
                          bits, FJ_CLS_HASH_BITS);
    uint64_t plen = get_u32(data + 16) | (uint64_t)get_u32(data + 20) << 32;
    if (plen != len - DET_HEADER)
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: payload of %zu bytes where the header says %llu (truncated or "
                          "extended)",
                          name, len - DET_HEADER, (unsigned long long)plen);
    unsigned char sum[32];
    fj_sha256 sh;
    if (verify) {
        fj__sha256_init(&sh);
        fj__sha256_update(&sh, data + DET_HEADER, plen);
        fj__sha256_final(&sh, sum);
        if (memcmp(sum, data + 24, 32) != 0)
            return fj__errorf(err, FJ_ERR_MODEL,
                              "%s: checksum mismatch (the file is corrupted or was altered)", name);
    }
    fj_detectors *d = calloc(1, sizeof *d);
    if (!d)
        return fj__nomem(err);
    const unsigned char *p = data + DET_HEADER, *end = data + len;
    fj_status st = FJ_OK;
    for (int l = 0; l < 2 && st == FJ_OK; l++) {
        fj__cls_lang *L = &d->lang[l];
        if (end - p < 4 + FJ_CLS_COUNT * 20) {
            st = fj__errorf(err, FJ_ERR_MODEL, "%s: truncated payload", name);
            break;
        }
        L->nfeat = get_u32(p);
        p += 4;
        for (int s = 0; s < FJ_CLS_COUNT; s++, p += 20) {
            fj__cls_model *m = &L->sig[s];
            m->bias = get_f32(p);
            m->platt_a = get_f32(p + 4);
            m->platt_b = get_f32(p + 8);
            m->threshold = get_f32(p + 12);
            m->C = get_f32(p + 16);
            if (!isfinite(m->bias) || !isfinite(m->platt_a) || !isfinite(m->platt_b) ||
                !(m->threshold >= 0 && m->threshold <= 1) || !isfinite(m->C))
                st = fj__errorf(err, FJ_ERR_MODEL, "%s: %s detector of %s: bad parameters", name,
                                cls_names[s], l ? "en" : "zh");
        }
        if (st != FJ_OK)
            break;
        if (L->nfeat > (1u << FJ_CLS_HASH_BITS) ||
            (size_t)(end - p) < (size_t)L->nfeat * (4 + 4 * FJ_CLS_COUNT)) {
            st = fj__errorf(err, FJ_ERR_MODEL, "%s: %u features do not fit the file", name,
                            L->nfeat);
            break;
        }
        L->idx = malloc(((size_t)L->nfeat + 1) * sizeof *L->idx);
        L->w = malloc(((size_t)L->nfeat * FJ_CLS_COUNT + 1) * sizeof *L->w);
        if (!L->idx || !L->w) {
            st = fj__nomem(err);
            break;
        }
        for (uint32_t i = 0; i < L->nfeat; i++, p += 4) {
            L->idx[i] = get_u32(p);
            if (L->idx[i] > HASH_MASK || (i > 0 && L->idx[i] <= L->idx[i - 1])) {
                st = fj__errorf(err, FJ_ERR_MODEL,
                                "%s: feature indices out of range or not increasing", name);
                break;
            }
        }
        for (size_t i = 0; st == FJ_OK && i < (size_t)L->nfeat * FJ_CLS_COUNT; i++, p += 4) {
            L->w[i] = get_f32(p);
            if (!isfinite(L->w[i]))
                st = fj__errorf(err, FJ_ERR_MODEL, "%s: a weight is not finite", name);
        }
    }
    if (st == FJ_OK) {
        uint32_t rlen = end - p >= 4 ? get_u32(p) : UINT32_MAX;
        if (rlen == UINT32_MAX || (size_t)(end - p - 4) != rlen) {
            st = fj__errorf(err, FJ_ERR_MODEL, "%s: bad report length", name);
        } else if (!(d->report = malloc((size_t)rlen + 1))) {
            st = fj__nomem(err);
        } else {
            memcpy(d->report, p + 4, rlen);
            d->report[rlen] = 0;
            if (fj__utf8_check(d->report, rlen, true) < 0)
                st = fj__errorf(err, FJ_ERR_MODEL, "%s: the report is not UTF-8", name);
        }
    }
    if (st == FJ_OK && !fj__detectors_index(d))
        st = fj__nomem(err);
    if (st != FJ_OK) {
        fj_detectors_free(d);
        return st;
    }
    *out = d;
    return FJ_OK;
}

fj_status fj__detectors_parse(fj_detectors **out, const unsigned char *data, size_t len,
                              const char *name, fj_error *err)
{
    return parse(out, data, len, name, true, err);
}

fj_status fj__detectors_parse_builtin(fj_detectors **out, fj_error *err)
{
    return parse(out, fj__default_detectors, fj__default_detectors_len,
                 "the compiled-in clause detectors", false, err);
}

fj_status fj_detectors_load_memory(fj_detectors **out, const void *data, size_t len, fj_error *err)
{
    if (out)
        *out = NULL;
    if (!out || (!data && len))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_detectors_load_memory: NULL argument");
    return fj__detectors_parse(out, data ? data : "", len, "detectors", err);
}

fj_status fj_detectors_load(fj_detectors **out, const char *path, fj_error *err)
{
    if (out)
        *out = NULL;
    if (!out || !path)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_detectors_load: NULL argument");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fj__errorf(err, FJ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    fj_buf b = {0};
    char chunk[65536];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        ok = fj__buf_append(&b, chunk, n);
        if (b.len > (256u << 20)) {
            fclose(fp);
            fj__buf_free(&b);
            return fj__errorf(err, FJ_ERR_LIMIT, "%s: larger than 256 MiB", path);
        }
    }
    bool rerr = ferror(fp);
    fclose(fp);
    fj_status st;
    if (!ok)
        st = fj__nomem(err);
    else if (rerr)
        st = fj__errorf(err, FJ_ERR_IO, "%s: read error", path);
    else
        st = fj__detectors_parse(out, (const unsigned char *)(b.data ? b.data : ""), b.len, path,
                                 err);
    fj__buf_free(&b);
    return st;
}

fj_status fj_detectors_save(const fj_detectors *d, const char *path, fj_error *err)
{
    if (!d || !path)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_detectors_save: NULL argument");
    fj_buf b = {0};
    if (!fj__detectors_serialize(d, &b)) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    fj_buf tmp = {0};
    if (!fj__buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid())) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    fj_status st = FJ_OK;
    FILE *fp = fopen(tmp.data, "wb");
    if (!fp) {
        st = fj__errorf(err, FJ_ERR_IO, "%s: cannot create: %s", tmp.data, strerror(errno));
    } else {
        bool ok = fwrite(b.data, 1, b.len, fp) == b.len;
        ok = (fclose(fp) == 0) && ok;
        if (!ok || rename(tmp.data, path) != 0) {
            st = fj__errorf(err, FJ_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
            remove(tmp.data);
        }
    }
    fj__buf_free(&tmp);
    fj__buf_free(&b);
    return st;
}

const char *fj_detectors_report(const fj_detectors *d)
{
    return d && d->report ? d->report : "";
}

/* ------------------------------------------------------------------------------------------ */
/* Scope                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Words that end the scope of a negation ("we never charge fees, but a $50 kit is required"). */
static const char *const contrast_words[] = {
    "但",      "不过",   "然而",     "可是",   "只是",       "除了",       "except",    "but",
    "however", "unless", "although", "though", "only after", "other than", "apart from"};

bool fj__contrast_in(const char *t, size_t a, size_t b)
{
    for (size_t i = 0; i < sizeof contrast_words / sizeof contrast_words[0]; i++) {
        const char *w = contrast_words[i];
        size_t n = strlen(w);
        bool ascii = (unsigned char)w[0] < 0x80;
        for (size_t k = a; k + n <= b; k++) {
            if (memcmp(t + k, w, n) != 0)
                continue;
            if (!ascii)
                return true;
            if ((k == 0 || !is_alnum((unsigned char)t[k - 1])) &&
                (k + n == b || !is_alnum((unsigned char)t[k + n])))
                return true;
        }
    }
    return false;
}
