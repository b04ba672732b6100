/*
 * history_fp.h - private interface of the repost history store (history.c and its backends,
 * history_sqlite.c, history_pg.c) and of the posting fingerprints it keeps (fingerprint.c).
 * Not installed. The benchmark and the tests use it to fill a store with synthetic fingerprints
 * and to check the fingerprints themselves.
 */
#ifndef FJ_HISTORY_FP_H
#define FJ_HISTORY_FP_H

#include "core/fj_internal.h"
#include "core/sha256.h"

/** MinHash signature: FJ__MH_K values, banded FJ__MH_BANDS x FJ__MH_ROWS for the index. */
#define FJ__MH_K 128
#define FJ__MH_ROWS 4
#define FJ__MH_BANDS (FJ__MH_K / FJ__MH_ROWS)
/** Contact identifiers (phone, QQ, WeChat, e-mail) kept per posting, at most. */
#define FJ__FP_MAX_CONTACTS 8
/** Bytes of a store's secret key. */
#define FJ__KEY_BYTES 32

/** How fingerprints are computed and compared. fj__fp_default is what history stores use; the
 *  `fingerprint` string a store records (history.c) must change whenever it or the algorithm of
 *  fingerprint.c does, so that stores of another kind are refused. */
typedef struct fj__fp_params {
    unsigned han_ngram;     /* Han characters per shingle (1..8) */
    unsigned word_ngram;    /* words per shingle for non-Han text (1..8) */
    unsigned min_shingles;  /* fewer distinct shingles than this: matched by the exact hash only */
    unsigned near_agree;    /* signature values (of FJ__MH_K) that must agree for a near-duplicate:
                               estimated Jaccard >= near_agree / FJ__MH_K */
    unsigned contact_agree; /* the same, for postings sharing a contact identifier */
} fj__fp_params;

extern const fj__fp_params fj__fp_default;

/** A store's secret, ready for HMAC-SHA-256. */
typedef struct fj__fp_key {
    fj_hmac_sha256 hmac;
} fj__fp_key;

/** Set up a key from its FJ__KEY_BYTES secret bytes. */
void fj__fp_key_init(fj__fp_key *key, const unsigned char secret[FJ__KEY_BYTES]);
/** The first 64 bits of HMAC-SHA-256(key, domain byte || data): every identifier a store keeps. */
uint64_t fj__fp_keyed(const fj__fp_key *key, unsigned char domain, const void *data, size_t len);

/** The FJ__MH_BANDS band keys of a signature: HMAC of each band's FJ__MH_ROWS values. */
void fj__fp_bands(const fj__fp_key *key, const uint16_t *sig, uint64_t *bands);

/** The fingerprint of one posting: all a store keeps of it. Every value is keyed (HMAC). */
typedef struct fj__fingerprint {
    uint64_t exact;                         /* the text, normalized, digits and contacts removed */
    uint64_t company;                       /* the normalized company name; 0 for an empty one */
    uint64_t bands[FJ__MH_BANDS];           /* LSH band keys (only when near_eligible) */
    uint16_t sig[FJ__MH_K];                 /* MinHash signature, 16 bits a value */
    uint64_t contacts[FJ__FP_MAX_CONTACTS]; /* phone, QQ, WeChat, e-mail identifiers, sorted */
    uint32_t ncontacts;
    uint32_t shingles; /* distinct shingles in the signature */
    uint32_t tokens;   /* tokens in the text; 0: nothing to fingerprint (never matches) */
} fj__fingerprint;

/** Whether the fingerprint takes part in near-duplicate (MinHash) matching. */
static inline bool fj__fp_near_eligible(const fj__fingerprint *fp, const fj__fp_params *params)
{
    return fp->tokens > 0 && fp->shingles >= params->min_shingles;
}

/** How many of the FJ__MH_K signature values of a and b agree (estimated Jaccard * FJ__MH_K). */
unsigned fj__fp_agree(const uint16_t *a, const uint16_t *b);

/** Whether a and b share a contact identifier. */
bool fj__fp_share_contact(const fj__fingerprint *a, const fj__fingerprint *b);

/** Whether b is a candidate for a in the store's index: equal exact hashes, a shared band key
 *  (both near-eligible) or a shared contact identifier. */
bool fj__fp_candidate(const fj__fingerprint *a, const fj__fingerprint *b);

/**
 * Whether two postings are the same or near-duplicates, as the store decides for a candidate
 * (docs/history.md): equal exact hashes; or both near-eligible with at least near_agree
 * agreeing signature values; or a shared contact identifier with at least contact_agree.
 * `sig_b` is b's stored signature (NULL: b had too few shingles); `b_contact` whether b shares
 * a contact identifier with a. `params` NULL means fj__fp_default.
 */
bool fj__fp_confirm(const fj__fingerprint *a, uint64_t b_exact, const uint16_t *sig_b,
                    bool b_contact, const fj__fp_params *params);

/** fj__fp_candidate and fj__fp_confirm together: whether a store holding b finds it for a. */
bool fj__fp_match(const fj__fingerprint *a, const fj__fingerprint *b, const fj__fp_params *params);

/**
 * Fingerprint a posting under `key`: the title, description and requirements (contact, dates,
 * company profile and the other fields are left out of the text fingerprints so that a repost
 * with a new phone number or a company's boilerplate does not change or create matches), the
 * company name, and the contact identifiers found in any field. Scratch lives in ctx's history
 * slot. `params` NULL means fj__fp_default. Errors: those of normalization and tokenization.
 */
fj_status fj__fingerprint_posting(fj_context *ctx, const fj__fp_key *key,
                                  const fj__fp_params *params, const fj_posting *p,
                                  fj__fingerprint *out, fj_error *err);

/** A contact identifier as the text pipeline found it: kind (fj_token_kind) and normalized text. */
typedef struct fj__fp_contact {
    unsigned kind;
    const char *text;
    size_t len;
} fj__fp_contact;

/**
 * Fingerprint `n` texts as the fields of one posting (texts[i] may be NULL; names[i], or NULL,
 * names the field in errors), a company name (NULL or empty: the empty-company bucket) and
 * `ncontacts` contact identifiers (the first FJ__FP_MAX_CONTACTS distinct ones are kept).
 */
fj_status fj__fingerprint_texts(fj_context *ctx, const fj__fp_key *key, const fj__fp_params *params,
                                const char *const *texts, const size_t *lens,
                                const char *const *names, size_t n, const char *company,
                                size_t company_len, const fj__fp_contact *contacts,
                                size_t ncontacts, fj__fingerprint *out, fj_error *err);

/** The keyed hashes of the distinct shingles of the last fingerprint computed on `ctx`
 *  (sorted; valid until the next one): for measuring the true Jaccard similarity. */
const uint64_t *fj__fp_last_shingles(fj_context *ctx, size_t *n);

/**
 * Record a fingerprint directly (no posting): for the benchmark, to fill a store quickly.
 * Between fj__history_begin and fj__history_commit it joins that one transaction.
 */
fj_status fj__history_insert(fj_history *h, const fj__fingerprint *fp, int64_t observed_at,
                             const char *posting_id, fj_error *err);
/** Query with a fingerprint directly (what fj_history_query does after fingerprinting). */
fj_status fj__history_lookup(fj_history *h, const fj__fingerprint *fp, int64_t observed_at,
                             fj_history_stats *out, fj_error *err);
/** An explicit write transaction around several fj__history_insert calls. */
fj_status fj__history_begin(fj_history *h, fj_error *err);
fj_status fj__history_commit(fj_history *h, fj_error *err);
/** The store's key (to fingerprint postings for fj__history_insert / fj__history_lookup). */
const fj__fp_key *fj__history_key(const fj_history *h);

#endif /* FJ_HISTORY_FP_H */
