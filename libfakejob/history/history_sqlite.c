/*
 * history_sqlite.c - the SQLite backend of the history store (history_store.h): one file in WAL
 * mode, or a private in-memory database.
 *
 * Format (version 2; history.c checks the meta rows):
 *   meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)
 *   sightings(id INTEGER PRIMARY KEY, observed_at INTEGER NOT NULL (epoch seconds),
 *             exact INTEGER (NULL: the posting had no text to fingerprint),
 *             company INTEGER NOT NULL (0: no company name),
 *             sig BLOB (the MinHash signature; NULL for a text too short for it),
 *             contacts BLOB (its contact identifiers, 8 bytes each, for retention),
 *             posting_id TEXT (the caller's id, or NULL))
 *   bands(key INTEGER, sid INTEGER, PRIMARY KEY(key, sid)) WITHOUT ROWID: the LSH band keys
 *   contacts(key INTEGER, sid INTEGER, PRIMARY KEY(key, sid)) WITHOUT ROWID
 *   indexes on sightings(exact) (non-NULL only) and sightings(observed_at).
 * Every value but observed_at and posting_id is a keyed hash (64-bit, stored as the signed
 * integer of the same bit pattern). A lookup is one statement: the band keys, contact keys and
 * the exact hash seek their indexes, and only the sightings they name are read.
 *
 * Concurrency: WAL lets readers and one writer proceed together; a writer waits up to BUSY_MS
 * for another (busy timeout) before FJ_ERR_HISTORY. begin takes the write lock first (BEGIN
 * IMMEDIATE) so that observe's query and record are one atomic step. synchronous=NORMAL: a
 * committed sighting survives a crash of the process; after a power loss the store is intact but
 * may lack the last transactions.
 */
#include "history/history_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_MS 5000
/* Page cache per handle (the indexes are read at random) and memory-mapped reads; both are
 * upper bounds, used as the store grows. */
#define CACHE_KB 65536
#define MMAP_BYTES 268435456LL

typedef struct sq {
    sqlite3 *db;
    sqlite3_stmt *insert, *insert_band, *insert_contact, *lookup, *count, *old, *del_band,
        *del_contact, *forget, *begin, *commit, *rollback;
} sq;

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sightings("
    " id INTEGER PRIMARY KEY,"
    " observed_at INTEGER NOT NULL,"
    " exact INTEGER,"
    " company INTEGER NOT NULL,"
    " sig BLOB,"
    " contacts BLOB,"
    " posting_id TEXT);"
    "CREATE TABLE IF NOT EXISTS bands(key INTEGER NOT NULL, sid INTEGER NOT NULL,"
    " PRIMARY KEY(key, sid)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS contacts(key INTEGER NOT NULL, sid INTEGER NOT NULL,"
    " PRIMARY KEY(key, sid)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sightings_exact ON sightings(exact) WHERE exact IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS sightings_time ON sightings(observed_at);";

/* Parameters of the lookup statement. */
enum {
    P_EXACT = 1,
    P_BANDS = 2,
    P_CONTACTS = P_BANDS + FJ__MH_BANDS,
    P_TIME = P_CONTACTS + FJ__FP_MAX_CONTACTS,
};

static char *lookup_sql(void)
{
    fj_buf b = {0};
    bool ok = fj__buf_printf(&b,
                             "WITH c(sid, via) AS (SELECT id, 0 FROM sightings WHERE exact = "
                             "?%d UNION ALL SELECT sid, 0 FROM bands WHERE key IN (",
                             P_EXACT);
    for (int i = 0; i < FJ__MH_BANDS; i++)
        ok = ok && fj__buf_printf(&b, "%s?%d", i ? "," : "", P_BANDS + i);
    ok = ok && fj__buf_printf(&b, ") UNION ALL SELECT sid, 1 FROM contacts WHERE key IN (");
    for (int i = 0; i < FJ__FP_MAX_CONTACTS; i++)
        ok = ok && fj__buf_printf(&b, "%s?%d", i ? "," : "", P_CONTACTS + i);
    ok = ok && fj__buf_printf(&b,
                              ")) SELECT s.id, s.observed_at, s.company, s.exact, s.sig, c.via"
                              " FROM c JOIN sightings s ON s.id = c.sid"
                              " WHERE s.observed_at <= ?%d",
                              P_TIME);
    if (!ok) {
        fj__buf_free(&b);
        return NULL;
    }
    return b.data;
}

static const char insert_sql[] =
    "INSERT INTO sightings(observed_at, exact, company, sig, contacts, posting_id)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)";

/* Turn an SQLite result code into a status and a message naming the store. */
static fj_status db_fail(const fj_history *h, int rc, const char *what, fj_error *err)
{
    const sq *q = h->be;
    const char *msg = q && q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return fj__nomem(err);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: %s: still locked by another process after %d ms (%s)",
                          h->name, what, BUSY_MS, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: %s: not a history store, or corrupted (%s)", h->name,
                          what, msg);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return fj__errorf(err, FJ_ERR_IO, "history store %s: %s: %s", h->name, what, msg);
    case SQLITE_MISUSE:
        return fj__errorf(err, FJ_ERR_INTERNAL, "history store %s: %s: SQLite misuse (%s)", h->name,
                          what, msg);
    default:
        return fj__errorf(err, FJ_ERR_HISTORY, "history store %s: %s: %s", h->name, what, msg);
    }
}

static fj_status prepare(fj_history *h, const char *sql, sqlite3_stmt **st, fj_error *err)
{
    sq *q = h->be;
    int rc = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "not a usable history store", err);
    return FJ_OK;
}

/* Run a statement that returns no rows we need. */
static fj_status run(fj_history *h, sqlite3_stmt *st, const char *what, fj_error *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(h, rc, what, err);
    return FJ_OK;
}

static bool sq_in_transaction(fj_history *h)
{
    sq *q = h->be;
    return !sqlite3_get_autocommit(q->db);
}

static void sq_rollback(fj_history *h)
{
    sq *q = h->be;
    if (sq_in_transaction(h)) {
        sqlite3_step(q->rollback);
        sqlite3_reset(q->rollback);
    }
}

/* Which tables the file holds: whether it is a store, an empty file, or something else. */
static fj_status sq_exists(fj_history *h, bool *has_meta, fj_error *err)
{
    sq *q = h->be;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1,
                                &st, NULL);
    bool has_other = false;
    *has_meta = false;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (name && strcmp(name, "meta") == 0)
            *has_meta = true;
        else if (name && strcmp(name, "sightings") != 0 && strcmp(name, "bands") != 0 &&
                 strcmp(name, "contacts") != 0)
            has_other = true;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "reading the file", err);
    if (!*has_meta && has_other)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: the file is an SQLite database but not a history "
                          "store (it holds other tables)",
                          h->name);
    return FJ_OK;
}

static fj_status sq_create(fj_history *h, const fj__meta *meta, size_t n, fj_error *err)
{
    sq *q = h->be;
    fj_buf b = {0};
    bool ok = fj__buf_printf(&b, "BEGIN IMMEDIATE;%s", schema_sql);
    for (size_t i = 0; ok && i < n; i++) {
        char *row = sqlite3_mprintf("INSERT OR IGNORE INTO meta VALUES(%Q, %Q);", meta[i].key,
                                    meta[i].value);
        ok = row && fj__buf_printf(&b, "%s", row);
        sqlite3_free(row);
    }
    ok = ok && fj__buf_printf(&b, "COMMIT;");
    if (!ok) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    int rc = sqlite3_exec(q->db, b.data, NULL, NULL, NULL);
    fj__buf_free(&b);
    if (rc != SQLITE_OK) {
        fj_status s = db_fail(h, rc, "creating the store", err);
        if (!sqlite3_get_autocommit(q->db))
            sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
        return s;
    }
    return FJ_OK;
}

static fj_status sq_get_meta(fj_history *h, const char *key, char *buf, size_t size, bool *found,
                             fj_error *err)
{
    sq *q = h->be;
    sqlite3_stmt *st = NULL;
    *found = false;
    buf[0] = '\0';
    int rc = sqlite3_prepare_v2(q->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *v = (const char *)sqlite3_column_text(st, 0);
            snprintf(buf, size, "%s", v ? v : "");
            *found = v != NULL;
            rc = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "reading its meta table", err);
    return FJ_OK;
}

static fj_status sq_prepare(fj_history *h, fj_error *err)
{
    sq *q = h->be;
    char *sql = lookup_sql();
    if (!sql)
        return fj__nomem(err);
    fj_status s;
    if ((s = prepare(h, insert_sql, &q->insert, err)) != FJ_OK ||
        (s = prepare(h, "INSERT OR IGNORE INTO bands VALUES(?1, ?2)", &q->insert_band, err)) !=
            FJ_OK ||
        (s = prepare(h, "INSERT OR IGNORE INTO contacts VALUES(?1, ?2)", &q->insert_contact,
                     err)) != FJ_OK ||
        (s = prepare(h, sql, &q->lookup, err)) != FJ_OK ||
        (s = prepare(h, "SELECT count(*) FROM sightings", &q->count, err)) != FJ_OK ||
        (s = prepare(h, "SELECT id, sig, contacts FROM sightings WHERE observed_at < ?1", &q->old,
                     err)) != FJ_OK ||
        (s = prepare(h, "DELETE FROM bands WHERE key = ?1 AND sid = ?2", &q->del_band, err)) !=
            FJ_OK ||
        (s = prepare(h, "DELETE FROM contacts WHERE key = ?1 AND sid = ?2", &q->del_contact,
                     err)) != FJ_OK ||
        (s = prepare(h, "DELETE FROM sightings WHERE observed_at < ?1", &q->forget, err)) !=
            FJ_OK ||
        (s = prepare(h, "BEGIN IMMEDIATE", &q->begin, err)) != FJ_OK ||
        (s = prepare(h, "COMMIT", &q->commit, err)) != FJ_OK ||
        (s = prepare(h, "ROLLBACK", &q->rollback, err)) != FJ_OK) {
        free(sql);
        return s;
    }
    free(sql);
    return FJ_OK;
}

static fj_status sq_lookup(fj_history *h, const fj__fingerprint *fp, bool near, int64_t t,
                           fj_error *err)
{
    sq *q = h->be;
    sqlite3_stmt *st = q->lookup;
    sqlite3_bind_int64(st, P_EXACT, (sqlite3_int64)fp->exact);
    for (int i = 0; i < FJ__MH_BANDS; i++)
        if (near)
            sqlite3_bind_int64(st, P_BANDS + i, (sqlite3_int64)fp->bands[i]);
        else
            sqlite3_bind_null(st, P_BANDS + i);
    for (int i = 0; i < FJ__FP_MAX_CONTACTS; i++)
        if ((uint32_t)i < fp->ncontacts)
            sqlite3_bind_int64(st, P_CONTACTS + i, (sqlite3_int64)fp->contacts[i]);
        else
            sqlite3_bind_null(st, P_CONTACTS + i);
    sqlite3_bind_int64(st, P_TIME, t);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fj__cand *c = fj__history_new_cand(h);
        if (!c) {
            sqlite3_reset(st);
            return fj__nomem(err);
        }
        c->id = sqlite3_column_int64(st, 0);
        c->observed_at = sqlite3_column_int64(st, 1);
        c->company = (uint64_t)sqlite3_column_int64(st, 2);
        c->exact = (uint64_t)sqlite3_column_int64(st, 3);
        const void *sig = sqlite3_column_blob(st, 4);
        c->has_sig = sig && sqlite3_column_bytes(st, 4) == 2 * FJ__MH_K;
        if (c->has_sig)
            fj__sig_unpack(sig, c->sig);
        c->contact = sqlite3_column_int(st, 5) == 1;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "looking up a posting", err);
    return FJ_OK;
}

static fj_status index_rows(fj_history *h, sqlite3_stmt *st, const uint64_t *keys, size_t n,
                            int64_t sid, fj_error *err)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)keys[i]);
        sqlite3_bind_int64(st, 2, sid);
        fj_status s = run(h, st, "recording a posting", err);
        if (s != FJ_OK)
            return s;
    }
    return FJ_OK;
}

static fj_status sq_insert(fj_history *h, const fj__fingerprint *fp, bool near, int64_t t,
                           const char *posting_id, fj_error *err)
{
    sq *q = h->be;
    sqlite3_stmt *st = q->insert;
    unsigned char sig[2 * FJ__MH_K], contacts[8 * FJ__FP_MAX_CONTACTS];
    uint32_t nc = fp->tokens ? fp->ncontacts : 0;
    sqlite3_bind_int64(st, 1, t);
    if (fp->tokens)
        sqlite3_bind_int64(st, 2, (sqlite3_int64)fp->exact);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)fp->company);
    if (near) {
        fj__sig_pack(fp->sig, sig);
        sqlite3_bind_blob(st, 4, sig, sizeof sig, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 4);
    }
    for (uint32_t i = 0; i < nc; i++)
        for (int b = 0; b < 8; b++)
            contacts[8 * i + b] = (unsigned char)(fp->contacts[i] >> (8 * b));
    if (nc)
        sqlite3_bind_blob(st, 5, contacts, (int)(8 * nc), SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    if (posting_id)
        sqlite3_bind_text(st, 6, posting_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    fj_status s = run(h, st, "recording a posting", err);
    sqlite3_clear_bindings(st);
    if (s != FJ_OK)
        return s;
    int64_t sid = sqlite3_last_insert_rowid(q->db);
    if (near && (s = index_rows(h, q->insert_band, fp->bands, FJ__MH_BANDS, sid, err)) != FJ_OK)
        return s;
    return index_rows(h, q->insert_contact, fp->contacts, nc, sid, err);
}

static fj_status sq_begin(fj_history *h, fj_error *err)
{
    sq *q = h->be;
    return run(h, q->begin, "starting a transaction", err);
}

static fj_status sq_commit(fj_history *h, fj_error *err)
{
    sq *q = h->be;
    return run(h, q->commit, "committing", err);
}

/* Delete the index rows of each sighting observed before `before`, then the sightings: the band
 * keys are recomputed from the stored signature, the contact keys read from the row. */
static fj_status forget_tx(fj_history *h, int64_t before, int64_t *removed, fj_error *err)
{
    sq *q = h->be;
    sqlite3_bind_int64(q->old, 1, before);
    int rc;
    fj_status s = FJ_OK;
    while (s == FJ_OK && (rc = sqlite3_step(q->old)) == SQLITE_ROW) {
        int64_t sid = sqlite3_column_int64(q->old, 0);
        const unsigned char *sig = sqlite3_column_blob(q->old, 1);
        if (sig && sqlite3_column_bytes(q->old, 1) == 2 * FJ__MH_K) {
            uint16_t v[FJ__MH_K];
            uint64_t bands[FJ__MH_BANDS];
            fj__sig_unpack(sig, v);
            fj__fp_bands(&h->key, v, bands);
            s = index_rows(h, q->del_band, bands, FJ__MH_BANDS, sid, err);
        }
        const unsigned char *c = sqlite3_column_blob(q->old, 2);
        size_t nc = c ? (size_t)sqlite3_column_bytes(q->old, 2) / 8 : 0;
        for (size_t i = 0; s == FJ_OK && i < nc; i++) {
            uint64_t key = 0;
            for (int b = 7; b >= 0; b--)
                key = key << 8 | c[8 * i + (size_t)b];
            s = index_rows(h, q->del_contact, &key, 1, sid, err);
        }
    }
    sqlite3_reset(q->old);
    if (s != FJ_OK)
        return s;
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "forgetting old sightings", err);
    sqlite3_bind_int64(q->forget, 1, before);
    if ((s = run(h, q->forget, "forgetting old sightings", err)) != FJ_OK)
        return s;
    *removed = (int64_t)sqlite3_changes(q->db);
    return FJ_OK;
}

static fj_status sq_forget(fj_history *h, int64_t before, int64_t *removed, fj_error *err)
{
    bool own = !sq_in_transaction(h);
    fj_status s = own ? sq_begin(h, err) : FJ_OK;
    if (s == FJ_OK)
        s = forget_tx(h, before, removed, err);
    if (s == FJ_OK && own)
        s = sq_commit(h, err);
    if (s != FJ_OK && own)
        sq_rollback(h);
    return s;
}

static fj_status sq_count(fj_history *h, int64_t *n, fj_error *err)
{
    sq *q = h->be;
    int rc = sqlite3_step(q->count);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(q->count, 0);
    sqlite3_reset(q->count);
    if (rc != SQLITE_ROW)
        return db_fail(h, rc, "counting sightings", err);
    return FJ_OK;
}

static void sq_close(fj_history *h)
{
    sq *q = h->be;
    if (!q)
        return;
    sqlite3_stmt *stmts[] = {q->insert, q->insert_band, q->insert_contact, q->lookup,
                             q->count,  q->old,         q->del_band,       q->del_contact,
                             q->forget, q->begin,       q->commit,         q->rollback};
    if (q->db && q->rollback)
        sq_rollback(h);
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        sqlite3_finalize(stmts[i]);
    sqlite3_close_v2(q->db);
    free(q);
    h->be = NULL;
}

static const fj__store_ops sqlite_ops = {
    .exists = sq_exists,
    .create = sq_create,
    .get_meta = sq_get_meta,
    .prepare = sq_prepare,
    .lookup = sq_lookup,
    .insert = sq_insert,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .in_transaction = sq_in_transaction,
    .forget = sq_forget,
    .count = sq_count,
    .close = sq_close,
};

/* WAL mode, the cache and synchronous=NORMAL for a file. */
static fj_status file_mode(fj_history *h, fj_error *err)
{
    sq *q = h->be;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    /* While another process creates the store or switches it to WAL, SQLite may answer
     * SQLITE_BUSY at once without calling the busy handler: retry for the busy timeout. */
    for (int waited = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited < BUSY_MS;
         waited += 10) {
        sqlite3_reset(st);
        sqlite3_sleep(10);
        rc = sqlite3_step(st);
    }
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    bool wal = mode && strcmp(mode, "wal") == 0;
    char shown[16];
    snprintf(shown, sizeof shown, "%s", mode ? mode : "?");
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return db_fail(h, rc, "switching to WAL mode", err);
    if (!wal)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: cannot use WAL mode (journal mode stays '%s')",
                          h->name, shown);
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-%d; PRAGMA mmap_size=%lld", CACHE_KB,
             MMAP_BYTES);
    rc = sqlite3_exec(q->db, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "setting its cache and synchronous mode", err);
    return FJ_OK;
}

fj_status fj__sqlite_connect(fj_history *h, const char *path, bool memory, fj_error *err)
{
    sq *q = calloc(1, sizeof *q);
    if (!q)
        return fj__nomem(err);
    h->be = q;
    h->ops = &sqlite_ops;
    int rc = sqlite3_open_v2(
        path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "cannot open", err);
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, BUSY_MS);
    /* a file that is not a database shows here, before anything is written */
    bool has_meta;
    fj_status s = sq_exists(h, &has_meta, err);
    if (s == FJ_OK && !memory)
        s = file_mode(h, err);
    return s;
}
