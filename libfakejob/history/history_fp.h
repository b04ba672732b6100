/*
 * history_fp.h - private interface of the repost history store (history.c) and of the posting
 * fingerprints it keeps (fingerprint.c). Not installed. The benchmark and the tests use it to
 * fill a store with synthetic fingerprints and to check the fingerprints themselves.
 */
#ifndef FJ_HISTORY_FP_H
#define FJ_HISTORY_FP_H

#include "core/fj_internal.h"

/** How fingerprints are computed. fj__fp_default is what history stores use; the
 *  `fingerprint` string a store records (history.c) must change whenever it or the algorithm
 *  of fingerprint.c does, so that stores of another kind are refused. */
typedef struct fj__fp_params {
    unsigned han_ngram;    /* Han characters per shingle (1..8) */
    unsigned word_ngram;   /* words per shingle for non-Han text (1..8) */
    unsigned min_shingles; /* fewer shingles than this: matched by the exact hash only */
    unsigned max_hamming;  /* SimHash bits that may differ for a near-duplicate (see
                              fj__fp_near) */
} fj__fp_params;

extern const fj__fp_params fj__fp_default;

/** The fingerprint of one posting: all a store keeps of its text. */
typedef struct fj__fingerprint {
    uint64_t simhash;  /* 64-bit SimHash of the shingles of title, description, requirements */
    uint64_t exact;    /* hash of the same text, normalized, digits and contacts removed */
    uint64_t company;  /* hash of the normalized company name; 0 for an empty one */
    uint32_t shingles; /* distinct shingles hashed into simhash */
    uint32_t tokens;   /* tokens in the text; 0: nothing to fingerprint (never matches) */
} fj__fingerprint;

/** The number of 16-bit bands the SimHash is split into for the near-duplicate index. */
#define FJ__FP_BANDS 4

/** Band `i` (0..3) of a SimHash. */
static inline unsigned fj__fp_band(uint64_t simhash, unsigned i)
{
    return (unsigned)((simhash >> (16 * i)) & 0xffffu);
}

/** The number of differing bits between two SimHashes. */
static inline unsigned fj__fp_distance(uint64_t a, uint64_t b)
{
    return (unsigned)__builtin_popcountll(a ^ b);
}

/**
 * Whether two SimHashes are near: at most `max` bits differ, and at least one of the four
 * 16-bit bands differs in at most one bit. The band condition is what the store's index can
 * find without a scan (it probes each band's value and its 16 one-bit neighbours); it holds
 * for every pair within 7 bits (pigeonhole) and for most pairs within 8 or 9.
 */
static inline bool fj__fp_near(uint64_t a, uint64_t b, unsigned max)
{
    if (fj__fp_distance(a, b) > max)
        return false;
    for (unsigned i = 0; i < FJ__FP_BANDS; i++)
        if (__builtin_popcount(fj__fp_band(a ^ b, i)) <= 1)
            return true;
    return false;
}

/** Whether the fingerprint takes part in near-duplicate (SimHash) matching (params not NULL). */
static inline bool fj__fp_near_eligible(const fj__fingerprint *fp, const fj__fp_params *params)
{
    return fp->tokens > 0 && fp->shingles >= params->min_shingles;
}

/** Whether two fingerprints are of the same posting or of near-duplicates (the rule of
 *  docs/history.md); `params` NULL means fj__fp_default. */
bool fj__fp_match(const fj__fingerprint *a, const fj__fingerprint *b, const fj__fp_params *params);

/**
 * Fingerprint the texts of a posting: title, description and requirements (contact, dates,
 * company profile and the other fields are left out so a repost with a new phone number or a
 * company's boilerplate does not change or create matches) and the company name. Scratch lives
 * in ctx's history slot. `params` NULL means fj__fp_default. Errors: those of normalization.
 */
fj_status fj__fingerprint_posting(fj_context *ctx, const fj__fp_params *params, const fj_posting *p,
                                  fj__fingerprint *out, fj_error *err);

/**
 * Fingerprint `n` texts as the fields of one posting (texts[i] may be NULL; names[i], or NULL,
 * names the field in errors) and a company name (NULL or empty: the empty-company bucket).
 */
fj_status fj__fingerprint_texts(fj_context *ctx, const fj__fp_params *params,
                                const char *const *texts, const size_t *lens,
                                const char *const *names, size_t n, const char *company,
                                size_t company_len, fj__fingerprint *out, fj_error *err);

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

#endif /* FJ_HISTORY_FP_H */
