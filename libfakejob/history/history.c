/*
 * history.c - the repost history store: an SQLite file (WAL mode) of sightings, each the
 * fingerprint of a posting (fingerprint.c) at the time it was observed. No posting text and no
 * personal data is stored (docs/history.md says why).
 *
 * Format (version 1):
 *   meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)
 *       format_version  "1"; a store with a larger number is refused (FJ_ERR_VERSION)
 *       fingerprint     how fingerprints were computed; another scheme is refused too
 *       created_by      "libfakejob X.Y.Z"
 *   sightings(id INTEGER PRIMARY KEY, observed_at INTEGER NOT NULL (epoch seconds),
 *             simhash INTEGER, exact INTEGER (NULL: the posting had no text to fingerprint),
 *             company INTEGER NOT NULL (0: no company name),
 *             b0 b1 b2 b3 INTEGER (the SimHash's four 16-bit bands; NULL for a text too short
 *             for near-duplicate matching), posting_id TEXT (the caller's id, or NULL))
 *   indexes on exact, on (band, simhash) for each band (partial: non-NULL only), on observed_at.
 *
 * A near-duplicate's SimHash differs in at most max_hamming (9) of 64 bits, with at least one
 * of the four 16-bit bands differing in at most one bit (fj__fp_near; every pair within 7 bits
 * qualifies by pigeonhole). A lookup probes each band at the query's value and its 16 one-bit
 * neighbours (68 index seeks, plus one for the exact hash), checks the distance on the (band,
 * simhash) index entries, and never scans the table. Concurrency: WAL lets readers and one writer
 * proceed together; a writer waits up to HISTORY_BUSY_MS for another (busy timeout) before
 * FJ_ERR_HISTORY. observe takes the write lock first (BEGIN IMMEDIATE) so its query and record are
 * one atomic step. synchronous=NORMAL: a committed sighting survives a crash of the process; after
 * a power loss the store is intact but may lack the last transactions.
 */
#include "history/history_fp.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_FORMAT_VERSION 1
#define HISTORY_BUSY_MS 5000
/* Page cache per handle (the indexes are read at random: a store of 1 M sightings is ~170 MB)
 * and memory-mapped reads; both are upper bounds, used as the store grows. */
#define HISTORY_CACHE_KB 65536
#define HISTORY_MMAP_BYTES 268435456LL

/* A sighting found by a lookup. */
typedef struct match {
    int64_t id, observed_at;
    uint64_t company;
} match;

struct fj_history {
    sqlite3 *db;
    char *path; /* for messages: the file name, or ":memory:" */
    char fingerprint[96];
    sqlite3_stmt *insert, *lookup, *count, *forget, *begin, *commit, *rollback;
    match *matches; /* scratch of fj__history_lookup, reused */
    size_t matches_cap;
    uint64_t *companies;
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sightings("
    " id INTEGER PRIMARY KEY,"
    " observed_at INTEGER NOT NULL,"
    " simhash INTEGER,"
    " exact INTEGER,"
    " company INTEGER NOT NULL,"
    " b0 INTEGER, b1 INTEGER, b2 INTEGER, b3 INTEGER,"
    " posting_id TEXT);"
    "CREATE INDEX IF NOT EXISTS sightings_exact ON sightings(exact) WHERE exact IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS sightings_b0 ON sightings(b0, simhash) WHERE b0 IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS sightings_b1 ON sightings(b1, simhash) WHERE b1 IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS sightings_b2 ON sightings(b2, simhash) WHERE b2 IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS sightings_b3 ON sightings(b3, simhash) WHERE b3 IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS sightings_time ON sightings(observed_at);";

/* Parameters of the lookup statement (built by lookup_sql()). */
enum {
    P_EXACT = 1,
    P_PROBES = 2, /* FJ__FP_BANDS * PROBES band values */
    PROBES = 17,  /* a band's value and its 16 one-bit neighbours */
    P_SIMHASH = P_PROBES + FJ__FP_BANDS * PROBES,
    P_MAXDIST,
    P_TIME,
};

/* Sightings of the same text (exact hash) or whose SimHash is within P_MAXDIST bits: those
 * share a band with the query up to one bit. One UNION ALL arm per probe, so SQLite needs no
 * temporary b-tree: each arm seeks its (band, simhash) index, checks fj_hamming() on the index
 * entry and reads the row only for a match. A sighting found by several arms appears several
 * times; fj__history_lookup counts it once. */
static char *lookup_sql(void)
{
    fj_buf b = {0};
    static const char cols[] = "SELECT id, observed_at, company FROM sightings WHERE";
    bool ok = fj__buf_printf(&b, "%s exact = ?%d AND observed_at <= ?%d", cols, P_EXACT, P_TIME);
    for (int band = 0; band < FJ__FP_BANDS; band++)
        for (int j = 0; j < PROBES; j++)
            ok = ok && fj__buf_printf(&b,
                                      " UNION ALL %s b%d = ?%d AND fj_hamming(simhash, ?%d) <= ?%d"
                                      " AND observed_at <= ?%d",
                                      cols, band, P_PROBES + band * PROBES + j, P_SIMHASH,
                                      P_MAXDIST, P_TIME);
    if (!ok) {
        fj__buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* fj_hamming(a, b): the number of differing bits of two 64-bit integers (NULL if either is). */
static void hamming_fn(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER ||
        sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
        sqlite3_result_null(c);
        return;
    }
    sqlite3_result_int(c, (int)fj__fp_distance((uint64_t)sqlite3_value_int64(argv[0]),
                                               (uint64_t)sqlite3_value_int64(argv[1])));
}

static const char insert_sql[] =
    "INSERT INTO sightings(observed_at, simhash, exact, company, b0, b1, b2, b3, posting_id)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/* Turn an SQLite result code into a status and a message naming the store. */
static fj_status db_fail(const fj_history *h, int rc, const char *what, fj_error *err)
{
    const char *msg = h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return fj__nomem(err);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: %s: still locked by another process after %d ms (%s)",
                          h->path, what, HISTORY_BUSY_MS, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: %s: not a history store, or corrupted (%s)", h->path,
                          what, msg);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return fj__errorf(err, FJ_ERR_IO, "history store %s: %s: %s", h->path, what, msg);
    case SQLITE_MISUSE:
        return fj__errorf(err, FJ_ERR_INTERNAL, "history store %s: %s: SQLite misuse (%s)", h->path,
                          what, msg);
    default:
        return fj__errorf(err, FJ_ERR_HISTORY, "history store %s: %s: %s", h->path, what, msg);
    }
}

static fj_status prepare(fj_history *h, const char *sql, sqlite3_stmt **st, fj_error *err)
{
    int rc = sqlite3_prepare_v2(h->db, sql, -1, st, NULL);
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

static void rollback(fj_history *h)
{
    if (!sqlite3_get_autocommit(h->db)) {
        sqlite3_step(h->rollback);
        sqlite3_reset(h->rollback);
    }
}

/* Which tables the file holds: whether it is a store, an empty file, or something else. */
static fj_status inspect(fj_history *h, bool *has_meta, bool *has_other, fj_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1,
                                &st, NULL);
    *has_meta = *has_other = false;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (name && strcmp(name, "meta") == 0)
            *has_meta = true;
        else if (name && strcmp(name, "sightings") != 0)
            *has_other = true;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "reading the file", err);
    return FJ_OK;
}

static fj_status create_schema(fj_history *h, fj_error *err)
{
    char *sql = sqlite3_mprintf("BEGIN IMMEDIATE;%s"
                                "INSERT OR IGNORE INTO meta VALUES('format_version', '%d');"
                                "INSERT OR IGNORE INTO meta VALUES('fingerprint', %Q);"
                                "INSERT OR IGNORE INTO meta VALUES('created_by', 'libfakejob %q');"
                                "COMMIT;",
                                schema_sql, HISTORY_FORMAT_VERSION, h->fingerprint, fj_version());
    if (!sql)
        return fj__nomem(err);
    int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        fj_status s = db_fail(h, rc, "creating the store", err);
        if (!sqlite3_get_autocommit(h->db))
            sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return s;
    }
    return FJ_OK;
}

/* The store's format version and fingerprint scheme must be ones this library reads. */
static fj_status check_meta(fj_history *h, fj_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h->db, "SELECT key, value FROM meta", -1, &st, NULL);
    long long version = -1;
    char fingerprint[sizeof h->fingerprint] = "";
    bool have_fp = false;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *value = (const char *)sqlite3_column_text(st, 1);
        rc = SQLITE_OK;
        if (!key || !value)
            continue;
        if (strcmp(key, "format_version") == 0) {
            char *end;
            version = strtoll(value, &end, 10);
            if (end == value || *end)
                version = -2;
        } else if (strcmp(key, "fingerprint") == 0) {
            snprintf(fingerprint, sizeof fingerprint, "%s", value);
            have_fp = true;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "reading its format version", err);
    if (version == -1)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: no format_version in its meta table: not a history "
                          "store, or damaged",
                          h->path);
    if (version < 1)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: format_version is not a positive integer", h->path);
    if (version > HISTORY_FORMAT_VERSION)
        return fj__errorf(err, FJ_ERR_VERSION,
                          "history store %s has format version %lld; this library (%s) reads "
                          "version %d and older: upgrade libfakejob",
                          h->path, version, fj_version(), HISTORY_FORMAT_VERSION);
    if (!have_fp || strcmp(fingerprint, h->fingerprint) != 0)
        return fj__errorf(err, FJ_ERR_VERSION,
                          "history store %s holds fingerprints of kind '%s'; this library computes "
                          "'%s': use a new store",
                          h->path, have_fp ? fingerprint : "(none)", h->fingerprint);
    return FJ_OK;
}

static fj_status setup(fj_history *h, bool memory, fj_error *err)
{
    bool has_meta, has_other;
    fj_status s = inspect(h, &has_meta, &has_other, err);
    if (s != FJ_OK)
        return s;
    if (!has_meta && has_other)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: the file is an SQLite database but not a history "
                          "store (it holds other tables)",
                          h->path);
    if (!memory) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(h->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        /* While another process creates the store or switches it to WAL, SQLite may answer
         * SQLITE_BUSY at once without calling the busy handler: retry for the busy timeout. */
        for (int waited = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited < HISTORY_BUSY_MS;
             waited += 10) {
            sqlite3_reset(st);
            sqlite3_sleep(10);
            rc = sqlite3_step(st);
        }
        const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        bool wal = mode && strcmp(mode, "wal") == 0;
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
            return db_fail(h, rc, "switching to WAL mode", err);
        if (!wal)
            return fj__errorf(err, FJ_ERR_HISTORY,
                              "history store %s: cannot use WAL mode (journal mode stays '%s')",
                              h->path, mode ? mode : "?");
        char pragmas[160];
        snprintf(pragmas, sizeof pragmas,
                 "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-%d; PRAGMA mmap_size=%lld",
                 HISTORY_CACHE_KB, HISTORY_MMAP_BYTES);
        int rc2 = sqlite3_exec(h->db, pragmas, NULL, NULL, NULL);
        if (rc2 != SQLITE_OK)
            return db_fail(h, rc2, "setting its cache and synchronous mode", err);
    }
    if (!has_meta && (s = create_schema(h, err)) != FJ_OK)
        return s;
    if ((s = check_meta(h, err)) != FJ_OK)
        return s;
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
#ifdef SQLITE_INNOCUOUS
    flags |= SQLITE_INNOCUOUS;
#endif
    int rc = sqlite3_create_function_v2(h->db, "fj_hamming", 2, flags, NULL, hamming_fn, NULL, NULL,
                                        NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "registering fj_hamming", err);
    char *sql = lookup_sql();
    if (!sql)
        return fj__nomem(err);
    s = FJ_OK;
    if ((s = prepare(h, insert_sql, &h->insert, err)) != FJ_OK ||
        (s = prepare(h, sql, &h->lookup, err)) != FJ_OK ||
        (s = prepare(h, "SELECT count(*) FROM sightings", &h->count, err)) != FJ_OK ||
        (s = prepare(h, "DELETE FROM sightings WHERE observed_at < ?1", &h->forget, err)) !=
            FJ_OK ||
        (s = prepare(h, "BEGIN IMMEDIATE", &h->begin, err)) != FJ_OK ||
        (s = prepare(h, "COMMIT", &h->commit, err)) != FJ_OK ||
        (s = prepare(h, "ROLLBACK", &h->rollback, err)) != FJ_OK) {
        free(sql);
        return s;
    }
    free(sql);
    return FJ_OK;
}

fj_status fj_history_open(fj_history **out, const char *path, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_open: out is NULL");
    *out = NULL;
    if (path && !*path)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_open: empty path");
    bool memory = !path || strcmp(path, ":memory:") == 0;
    fj_history *h = calloc(1, sizeof *h);
    if (!h)
        return fj__nomem(err);
    h->path = strdup(memory ? ":memory:" : path);
    if (!h->path) {
        free(h);
        return fj__nomem(err);
    }
    const fj__fp_params *fp = &fj__fp_default;
    snprintf(h->fingerprint, sizeof h->fingerprint, "simhash64/1 han%u word%u min%u", fp->han_ngram,
             fp->word_ngram, fp->min_shingles);

    fj_status s;
    int rc = sqlite3_open_v2(
        h->path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        s = db_fail(h, rc, "cannot open", err);
    } else {
        sqlite3_extended_result_codes(h->db, 1);
        sqlite3_busy_timeout(h->db, HISTORY_BUSY_MS);
        s = setup(h, memory, err);
    }
    if (s != FJ_OK) {
        fj_history_close(h);
        return s;
    }
    *out = h;
    return FJ_OK;
}

void fj_history_close(fj_history *h)
{
    if (!h)
        return;
    sqlite3_stmt *stmts[] = {h->insert, h->lookup, h->count,   h->forget,
                             h->begin,  h->commit, h->rollback};
    if (h->db)
        rollback(h);
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        sqlite3_finalize(stmts[i]);
    sqlite3_close_v2(h->db);
    free(h->matches);
    free(h->companies);
    free(h->path);
    free(h);
}

static int cmp_match(const void *a, const void *b)
{
    int64_t x = ((const match *)a)->id, y = ((const match *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Count the distinct sightings among h->matches[0..n) and their companies. */
static fj_status aggregate(fj_history *h, size_t n, fj_history_stats *out, fj_error *err)
{
    if (!n)
        return FJ_OK;
    uint64_t *companies = realloc(h->companies, n * sizeof *companies);
    if (!companies)
        return fj__nomem(err);
    h->companies = companies;
    qsort(h->matches, n, sizeof *h->matches, cmp_match);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        const match *m = &h->matches[i];
        if (i && m->id == h->matches[i - 1].id)
            continue;
        if (u == 0 || m->observed_at < out->first_seen)
            out->first_seen = m->observed_at;
        if (u == 0 || m->observed_at > out->last_seen)
            out->last_seen = m->observed_at;
        companies[u++] = m->company;
    }
    out->seen_before = (int64_t)u;
    qsort(companies, u, sizeof *companies, cmp_u64);
    out->distinct_companies = 1;
    for (size_t i = 1; i < u; i++)
        out->distinct_companies += companies[i] != companies[i - 1];
    return FJ_OK;
}

fj_status fj__history_lookup(fj_history *h, const fj__fingerprint *fp, int64_t observed_at,
                             fj_history_stats *out, fj_error *err)
{
    if (!h || !fp || !out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_query: NULL argument");
    memset(out, 0, sizeof *out);
    if (!fp->tokens)
        return FJ_OK; /* nothing to fingerprint: never a repost */
    const fj__fp_params *params = &fj__fp_default;
    bool near = fj__fp_near_eligible(fp, params);
    sqlite3_stmt *st = h->lookup;
    sqlite3_bind_int64(st, P_EXACT, (sqlite3_int64)fp->exact);
    for (unsigned b = 0; b < FJ__FP_BANDS; b++) {
        unsigned v = fj__fp_band(fp->simhash, b);
        for (unsigned j = 0; j < PROBES; j++) {
            int param = P_PROBES + (int)(b * PROBES + j);
            if (near)
                sqlite3_bind_int(st, param, (int)(j ? v ^ (1u << (j - 1)) : v));
            else
                sqlite3_bind_null(st, param);
        }
    }
    sqlite3_bind_int64(st, P_SIMHASH, (sqlite3_int64)fp->simhash);
    sqlite3_bind_int(st, P_MAXDIST, (int)params->max_hamming);
    sqlite3_bind_int64(st, P_TIME, observed_at);
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == h->matches_cap) {
            size_t cap = h->matches_cap ? h->matches_cap * 2 : 64;
            match *m = realloc(h->matches, cap * sizeof *m);
            if (!m) {
                sqlite3_reset(st);
                return fj__nomem(err);
            }
            h->matches = m;
            h->matches_cap = cap;
        }
        h->matches[n].id = sqlite3_column_int64(st, 0);
        h->matches[n].observed_at = sqlite3_column_int64(st, 1);
        h->matches[n].company = (uint64_t)sqlite3_column_int64(st, 2);
        n++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "looking up a posting", err);
    fj_status s = aggregate(h, n, out, err);
    if (s != FJ_OK)
        memset(out, 0, sizeof *out);
    return s;
}

fj_status fj__history_insert(fj_history *h, const fj__fingerprint *fp, int64_t observed_at,
                             const char *posting_id, fj_error *err)
{
    if (!h || !fp)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_record: NULL argument");
    sqlite3_stmt *st = h->insert;
    sqlite3_bind_int64(st, 1, observed_at);
    if (fp->tokens) {
        sqlite3_bind_int64(st, 2, (sqlite3_int64)fp->simhash);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)fp->exact);
    } else {
        sqlite3_bind_null(st, 2);
        sqlite3_bind_null(st, 3);
    }
    sqlite3_bind_int64(st, 4, (sqlite3_int64)fp->company);
    bool near = fj__fp_near_eligible(fp, &fj__fp_default);
    for (unsigned b = 0; b < FJ__FP_BANDS; b++) {
        if (near)
            sqlite3_bind_int(st, 5 + (int)b, (int)fj__fp_band(fp->simhash, b));
        else
            sqlite3_bind_null(st, 5 + (int)b);
    }
    if (posting_id)
        sqlite3_bind_text(st, 9, posting_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    fj_status s = run(h, st, "recording a posting", err);
    sqlite3_clear_bindings(st);
    return s;
}

fj_status fj__history_begin(fj_history *h, fj_error *err)
{
    return run(h, h->begin, "starting a transaction", err);
}

fj_status fj__history_commit(fj_history *h, fj_error *err)
{
    fj_status s = run(h, h->commit, "committing", err);
    if (s != FJ_OK)
        rollback(h);
    return s;
}

/* Check the arguments, then fingerprint the posting. */
static fj_status prepare_posting(fj_history *h, fj_context *ctx, const fj_posting *p,
                                 const char *fn, fj__fingerprint *fp, int64_t *t, fj_error *err)
{
    if (!h || !ctx || !p)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "%s: NULL argument", fn);
    fj_status s = fj_posting_validate(p, err);
    if (s != FJ_OK)
        return s;
    *t = fj__observed_at(ctx, p);
    return fj__fingerprint_posting(ctx, NULL, p, fp, err);
}

fj_status fj_history_query(fj_history *h, fj_context *ctx, const fj_posting *p,
                           fj_history_stats *out, fj_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    fj__fingerprint fp;
    int64_t t;
    fj_status s = prepare_posting(h, ctx, p, "fj_history_query", &fp, &t, err);
    if (s != FJ_OK)
        return s;
    return fj__history_lookup(h, &fp, t, out, err);
}

fj_status fj_history_record(fj_history *h, fj_context *ctx, const fj_posting *p, fj_error *err)
{
    fj__fingerprint fp;
    int64_t t;
    fj_status s = prepare_posting(h, ctx, p, "fj_history_record", &fp, &t, err);
    if (s != FJ_OK)
        return s;
    return fj__history_insert(h, &fp, t, fj_posting_string(p, FJ_FIELD_ID, NULL), err);
}

fj_status fj_history_observe(fj_history *h, fj_context *ctx, const fj_posting *p,
                             fj_history_stats *out, fj_error *err)
{
    fj_history_stats stats;
    if (out)
        memset(out, 0, sizeof *out);
    fj__fingerprint fp;
    int64_t t;
    fj_status s = prepare_posting(h, ctx, p, "fj_history_observe", &fp, &t, err);
    if (s != FJ_OK)
        return s;
    bool own_tx = sqlite3_get_autocommit(h->db);
    if (own_tx && (s = fj__history_begin(h, err)) != FJ_OK)
        return s;
    if ((s = fj__history_lookup(h, &fp, t, &stats, err)) == FJ_OK &&
        (s = fj__history_insert(h, &fp, t, fj_posting_string(p, FJ_FIELD_ID, NULL), err)) ==
            FJ_OK &&
        own_tx)
        s = fj__history_commit(h, err);
    if (s != FJ_OK) {
        if (own_tx)
            rollback(h);
        return s;
    }
    if (out)
        *out = stats;
    return FJ_OK;
}

fj_status fj_history_forget_before(fj_history *h, int64_t before, int64_t *removed, fj_error *err)
{
    if (removed)
        *removed = 0;
    if (!h)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_forget_before: NULL store");
    sqlite3_bind_int64(h->forget, 1, before);
    fj_status s = run(h, h->forget, "forgetting old sightings", err);
    if (s == FJ_OK && removed)
        *removed = (int64_t)sqlite3_changes(h->db);
    return s;
}

fj_status fj_history_count(fj_history *h, int64_t *sightings, fj_error *err)
{
    if (sightings)
        *sightings = 0;
    if (!h || !sightings)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_count: NULL argument");
    int rc = sqlite3_step(h->count);
    if (rc == SQLITE_ROW)
        *sightings = sqlite3_column_int64(h->count, 0);
    sqlite3_reset(h->count);
    if (rc != SQLITE_ROW)
        return db_fail(h, rc, "counting sightings", err);
    return FJ_OK;
}
