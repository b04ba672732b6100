/*
 * history_store.h - what the repost history store (history.c) asks of a storage backend
 * (history_sqlite.c: an SQLite file; history_pg.c: a PostgreSQL database). The backends store
 * and fetch keyed fingerprints; history.c fingerprints postings, holds the key, decides which
 * candidates are reposts and counts them, so both backends give the same answers. Not installed.
 */
#ifndef FJ_HISTORY_STORE_H
#define FJ_HISTORY_STORE_H

#include "history/history_fp.h"

/* Format of the stores this library writes; the migrations from older ones are in history.c. */
#define FJ__HISTORY_FORMAT 2

/** A sighting the index found for a lookup (possibly several times: by band, contact, exact). */
typedef struct fj__cand {
    int64_t id, observed_at;
    uint64_t company, exact;
    bool has_sig, contact; /* contact: found through a shared contact identifier */
    uint16_t sig[FJ__MH_K];
} fj__cand;

typedef struct fj__store_ops fj__store_ops;

struct fj_history {
    const fj__store_ops *ops;
    void *be;   /* the backend's state */
    char *name; /* for messages: the file name, ":memory:", or the URI without its password */
    char fingerprint[96];
    fj__fp_key key;
    char key_check[33]; /* hex of the first 16 bytes of HMAC(key, "key check") */
    fj__cand *cands;    /* scratch of fj__history_lookup, reused */
    size_t ncands, cands_cap;
    uint64_t *companies;
};

/** One meta row, for the backend to create. */
typedef struct fj__meta {
    const char *key, *value;
} fj__meta;

struct fj__store_ops {
    /* Whether the store holds a history store already (meta table), or is empty; an error for
     * something else (another database). */
    fj_status (*exists)(fj_history *h, bool *has_meta, fj_error *err);
    /* Create the schema and the meta rows if absent, atomically (several processes may race). */
    fj_status (*create)(fj_history *h, const fj__meta *meta, size_t n, fj_error *err);
    /* The value of a meta row into buf (NUL-terminated), *found false when absent. */
    fj_status (*get_meta)(fj_history *h, const char *key, char *buf, size_t size, bool *found,
                          fj_error *err);
    /* Prepare what lookups and inserts need (after the meta check). */
    fj_status (*prepare)(fj_history *h, fj_error *err);
    /* Append to h->cands every sighting observed at or before t that shares an exact hash, a
     * band key (when fp is near-eligible) or a contact identifier with fp. */
    fj_status (*lookup)(fj_history *h, const fj__fingerprint *fp, bool near, int64_t t,
                        fj_error *err);
    fj_status (*insert)(fj_history *h, const fj__fingerprint *fp, bool near, int64_t t,
                        const char *posting_id, fj_error *err);
    /* A write transaction that no other writer runs beside (observe's query and record). */
    fj_status (*begin)(fj_history *h, fj_error *err);
    fj_status (*commit)(fj_history *h, fj_error *err);
    void (*rollback)(fj_history *h);
    bool (*in_transaction)(fj_history *h);
    fj_status (*forget)(fj_history *h, int64_t before, int64_t *removed, fj_error *err);
    fj_status (*count)(fj_history *h, int64_t *n, fj_error *err);
    void (*close)(fj_history *h);
};

/** Open the backends (h->name set): connect, nothing read yet. */
fj_status fj__sqlite_connect(fj_history *h, const char *path, bool memory, fj_error *err);
fj_status fj__pg_connect(fj_history *h, const char *uri, fj_error *err);

/** A free slot at the end of h->cands (grown as needed), or NULL when memory runs out. */
fj__cand *fj__history_new_cand(fj_history *h);

/** Signatures as stored: FJ__MH_K little-endian 16-bit values. */
void fj__sig_pack(const uint16_t *sig, unsigned char out[2 * FJ__MH_K]);
void fj__sig_unpack(const unsigned char in[2 * FJ__MH_K], uint16_t *sig);

#endif /* FJ_HISTORY_STORE_H */
