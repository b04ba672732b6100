/*
 * history_pg.c - the PostgreSQL backend of the history store (history_store.h): a database that
 * scorers on several machines share, opened by a postgresql:// URI (libpq).
 *
 * Format (version 2; the same values as the SQLite backend, history_sqlite.c):
 *   fj_meta(key text PRIMARY KEY, value text NOT NULL)
 *   fj_sightings(id bigserial PRIMARY KEY, observed_at bigint NOT NULL, exact bigint,
 *                company bigint NOT NULL, sig bytea, contacts bytea, posting_id text)
 *   fj_bands(key bigint, sid bigint, PRIMARY KEY(key, sid))
 *   fj_contacts(key bigint, sid bigint, PRIMARY KEY(key, sid))
 *   indexes on fj_sightings(exact) (non-NULL only) and fj_sightings(observed_at).
 * The tables are made, with the meta rows, by the first process that opens the database (under
 * an advisory lock, so that several may start at once) in the schema the URI's search_path
 * names (default: public).
 *
 * Concurrency: a lookup reads what was committed before it (READ COMMITTED). Inside observe's
 * transaction the lookup first takes a transaction-level advisory lock on each of the posting's
 * index keys (exact hash, band keys, contact keys; in ascending order, so that two transactions
 * never wait for each other in a cycle). Two postings the store could match share one of these
 * keys, so their observes run one after the other and count each other exactly once, as with
 * SQLite's single writer; postings with no key in common are observed in parallel.
 *
 * A lost connection (server restarted, backend terminated, network gone) fails the call with
 * FJ_ERR_HISTORY; the next call tries to connect again once (PQreset), so a stream of postings
 * gets an error result for each posting while the server is away and goes on when it is back.
 * The lookup and the insert are prepared once per connection (again after a reconnection). The
 * session plans joins as nested loops over the indexes (hash and merge joins off): a lookup
 * reads a few dozen rows by key, and a hash join would read the whole sightings table.
 */
#include "history/history_store.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a statement waits for a lock another session holds before it fails. */
#define LOCK_WAIT "10s"

/* The advisory lock the schema set-up takes: "fjhistor" in ASCII. */
#define FJ_PG_LOCK "7380378744331399026"

typedef struct pg {
    PGconn *conn;
    bool prepared; /* the session is set up and the statements prepared (again after a reset) */
    bool tx;       /* inside a transaction begun by pg_begin: never reconnected in its middle */
} pg;

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS fj_meta(key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS fj_sightings(id bigserial PRIMARY KEY,"
    " observed_at bigint NOT NULL, exact bigint, company bigint NOT NULL, sig bytea,"
    " contacts bytea, posting_id text);"
    "CREATE TABLE IF NOT EXISTS fj_bands(key bigint NOT NULL, sid bigint NOT NULL,"
    " PRIMARY KEY(key, sid));"
    "CREATE TABLE IF NOT EXISTS fj_contacts(key bigint NOT NULL, sid bigint NOT NULL,"
    " PRIMARY KEY(key, sid));"
    "CREATE INDEX IF NOT EXISTS fj_sightings_exact ON fj_sightings(exact)"
    " WHERE exact IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS fj_sightings_time ON fj_sightings(observed_at);";

static const char lookup_sql[] =
    "WITH c(sid, via) AS (SELECT id, 0 FROM fj_sightings WHERE exact = $1::bigint"
    " UNION ALL SELECT sid, 0 FROM fj_bands WHERE key = ANY($2::bigint[])"
    " UNION ALL SELECT sid, 1 FROM fj_contacts WHERE key = ANY($3::bigint[]))"
    " SELECT s.id, s.observed_at, s.company, s.exact, s.sig, c.via"
    " FROM c JOIN fj_sightings s ON s.id = c.sid WHERE s.observed_at <= $4::bigint";

/* Lock the index keys of a posting (observe's transaction), in ascending order. */
static const char lock_sql[] = "SELECT count(pg_advisory_xact_lock(k)) FROM"
                               " (SELECT DISTINCT unnest($1::bigint[]) AS k ORDER BY 1) t";

static const char insert_sql[] =
    "WITH s AS (INSERT INTO fj_sightings(observed_at, exact, company, sig, contacts, posting_id)"
    " VALUES($1::bigint, $2::bigint, $3::bigint, $4::bytea, $5::bytea, $6) RETURNING id),"
    " b AS (INSERT INTO fj_bands SELECT k, s.id FROM s, unnest($7::bigint[]) k"
    " ON CONFLICT DO NOTHING),"
    " c AS (INSERT INTO fj_contacts SELECT k, s.id FROM s, unnest($8::bigint[]) k"
    " ON CONFLICT DO NOTHING)"
    " SELECT id FROM s";

/* The error message of the connection, without its trailing newline. */
static const char *pg_message(PGconn *conn, char *buf, size_t size)
{
    snprintf(buf, size, "%s", conn ? PQerrorMessage(conn) : "out of memory");
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return buf;
}

static fj_status pg_fail(const fj_history *h, const char *what, fj_error *err)
{
    const pg *q = h->be;
    char msg[384];
    pg_message(q->conn, msg, sizeof msg);
    if (!q->conn || PQstatus(q->conn) == CONNECTION_BAD)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: %s: the connection to the database is lost (%s)",
                          h->name, what, msg);
    return fj__errorf(err, FJ_ERR_HISTORY, "history store %s: %s: %s", h->name, what, msg);
}

static fj_status setup_session(fj_history *h, fj_error *err);

/* Connect again after a lost connection (once per call), and set the session up: a transaction
 * that lost its connection is gone, and the call that finds it out reports it. */
static fj_status reconnect(fj_history *h, const char *what, fj_error *err)
{
    pg *q = h->be;
    if (PQstatus(q->conn) != CONNECTION_OK) {
        if (q->tx) /* the transaction is lost with the connection: its caller rolls back */
            return pg_fail(h, what, err);
        q->prepared = false;
        PQreset(q->conn);
        if (PQstatus(q->conn) != CONNECTION_OK)
            return pg_fail(h, what, err);
    }
    return q->prepared ? FJ_OK : setup_session(h, err);
}

/* Run one statement (a prepared one when `name` is given); *out (optional) receives a
 * successful result, owned by the caller. */
static fj_status exec_named(fj_history *h, const char *name, const char *sql, int n,
                            const char *const *values, const int *lengths, const int *formats,
                            PGresult **out, const char *what, fj_error *err)
{
    pg *q = h->be;
    if (out)
        *out = NULL;
    PGresult *r = name       ? PQexecPrepared(q->conn, name, n, values, lengths, formats, 1)
                  : n || out ? PQexecParams(q->conn, sql, n, NULL, values, lengths, formats, 1)
                             : PQexec(q->conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[384];
        const char *m = r ? PQresultErrorMessage(r) : "";
        snprintf(msg, sizeof msg, "%s", m && *m ? m : pg_message(q->conn, msg, sizeof msg));
        size_t len = strlen(msg);
        while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
            msg[--len] = '\0';
        PQclear(r);
        if (PQstatus(q->conn) == CONNECTION_BAD)
            return fj__errorf(err, FJ_ERR_HISTORY,
                              "history store %s: %s: the connection to the database is lost (%s)",
                              h->name, what, msg);
        return fj__errorf(err, FJ_ERR_HISTORY, "history store %s: %s: %s", h->name, what, msg);
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return FJ_OK;
}

static fj_status exec(fj_history *h, const char *sql, int n, const char *const *values,
                      const int *lengths, const int *formats, PGresult **out, const char *what,
                      fj_error *err)
{
    return exec_named(h, NULL, sql, n, values, lengths, formats, out, what, err);
}

static fj_status prepare_one(fj_history *h, const char *name, const char *sql, fj_error *err)
{
    pg *q = h->be;
    PGresult *r = PQprepare(q->conn, name, sql, 0, NULL);
    bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? FJ_OK : pg_fail(h, "preparing its statements", err);
}

static fj_status setup_session(fj_history *h, fj_error *err)
{
    pg *q = h->be;
    /* a lock another scorer holds (a stuck client idle in its transaction, say) fails the
     * posting after LOCK_WAIT instead of stalling this scorer for ever, like SQLite's busy
     * timeout */
    fj_status s = exec(h,
                       "SET enable_hashjoin = off; SET enable_mergejoin = off;"
                       " SET lock_timeout = '" LOCK_WAIT "'",
                       0, NULL, NULL, NULL, NULL, "setting the session up", err);
    if (s == FJ_OK)
        s = prepare_one(h, "fj_lookup", lookup_sql, err);
    if (s == FJ_OK)
        s = prepare_one(h, "fj_insert", insert_sql, err);
    if (s == FJ_OK)
        s = prepare_one(h, "fj_lock", lock_sql, err);
    q->prepared = s == FJ_OK;
    return s;
}

static int64_t get_i64(const PGresult *r, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t v = 0;
    if (PQgetlength(r, row, col) == 8)
        for (int i = 0; i < 8; i++)
            v = v << 8 | p[i];
    else if (PQgetlength(r, row, col) == 4)
        for (int i = 0; i < 4; i++)
            v = v << 8 | p[i];
    return (int64_t)v;
}

static bool pg_in_transaction(fj_history *h)
{
    pg *q = h->be;
    PGTransactionStatusType t = PQtransactionStatus(q->conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static void pg_rollback(fj_history *h)
{
    pg *q = h->be;
    if (q)
        q->tx = false;
    if (q && q->conn && PQstatus(q->conn) == CONNECTION_OK && pg_in_transaction(h))
        PQclear(PQexec(q->conn, "ROLLBACK"));
}

static fj_status pg_exists(fj_history *h, bool *has_meta, fj_error *err)
{
    PGresult *r;
    fj_status s = exec(h, "SELECT to_regclass('fj_meta') IS NOT NULL", 0, NULL, NULL, NULL, &r,
                       "reading the database", err);
    if (s != FJ_OK)
        return s;
    *has_meta = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 1 && PQgetvalue(r, 0, 0)[0] == 1;
    PQclear(r);
    return FJ_OK;
}

static fj_status pg_create(fj_history *h, const fj__meta *meta, size_t n, fj_error *err)
{
    fj_status s = exec(h, "BEGIN; SELECT pg_advisory_xact_lock(" FJ_PG_LOCK ")", 0, NULL, NULL,
                       NULL, NULL, "creating the store", err);
    if (s == FJ_OK)
        s = exec(h, schema_sql, 0, NULL, NULL, NULL, NULL, "creating the store", err);
    for (size_t i = 0; s == FJ_OK && i < n; i++) {
        const char *v[2] = {meta[i].key, meta[i].value};
        s = exec(h, "INSERT INTO fj_meta VALUES($1, $2) ON CONFLICT DO NOTHING", 2, v, NULL, NULL,
                 NULL, "creating the store", err);
    }
    if (s == FJ_OK)
        s = exec(h, "COMMIT", 0, NULL, NULL, NULL, NULL, "creating the store", err);
    if (s != FJ_OK)
        pg_rollback(h);
    return s;
}

static fj_status pg_get_meta(fj_history *h, const char *key, char *buf, size_t size, bool *found,
                             fj_error *err)
{
    PGresult *r;
    *found = false;
    buf[0] = '\0';
    const char *v[1] = {key};
    fj_status s = exec(h, "SELECT value FROM fj_meta WHERE key = $1", 1, v, NULL, NULL, &r,
                       "reading its meta table", err);
    if (s != FJ_OK)
        return s;
    if (PQntuples(r) == 1) {
        int len = PQgetlength(r, 0, 0);
        snprintf(buf, size, "%.*s", len, PQgetvalue(r, 0, 0));
        *found = true;
    }
    PQclear(r);
    return FJ_OK;
}

static fj_status pg_prepare(fj_history *h, fj_error *err)
{
    return setup_session(h, err);
}

/* "{k1,k2,...}": an array literal of signed 64-bit keys. */
static void array_of(const uint64_t *keys, size_t n, char *out, size_t size)
{
    size_t len = (size_t)snprintf(out, size, "{");
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%lld", i ? "," : "",
                                (long long)(int64_t)keys[i]);
    if (len < size)
        snprintf(out + len, size - len, "}");
}

enum { ARRAY_CHARS = 24 * (FJ__MH_BANDS + 1) };

static fj_status pg_lookup(fj_history *h, const fj__fingerprint *fp, bool near, int64_t t,
                           fj_error *err)
{
    fj_status s = reconnect(h, "looking up a posting", err);
    if (s != FJ_OK)
        return s;
    char exact[24], time[24], bands[ARRAY_CHARS], contacts[ARRAY_CHARS];
    snprintf(exact, sizeof exact, "%lld", (long long)(int64_t)fp->exact);
    snprintf(time, sizeof time, "%lld", (long long)t);
    array_of(fp->bands, near ? FJ__MH_BANDS : 0, bands, sizeof bands);
    array_of(fp->contacts, fp->ncontacts, contacts, sizeof contacts);
    const char *v[4] = {exact, bands, contacts, time};
    PGresult *r;
    if (((pg *)h->be)->tx) {
        uint64_t keys[1 + FJ__MH_BANDS + FJ__FP_MAX_CONTACTS];
        size_t n = 0;
        keys[n++] = fp->exact;
        for (unsigned i = 0; near && i < FJ__MH_BANDS; i++)
            keys[n++] = fp->bands[i];
        for (uint32_t i = 0; i < fp->ncontacts; i++)
            keys[n++] = fp->contacts[i];
        char all[24 * (1 + FJ__MH_BANDS + FJ__FP_MAX_CONTACTS) + 4];
        array_of(keys, n, all, sizeof all);
        const char *lv[1] = {all};
        if ((s = exec_named(h, "fj_lock", NULL, 1, lv, NULL, NULL, NULL, "locking a posting's keys",
                            err)) != FJ_OK)
            return s;
    }
    if ((s = exec_named(h, "fj_lookup", NULL, 4, v, NULL, NULL, &r, "looking up a posting", err)) !=
        FJ_OK)
        return s;
    for (int i = 0; i < PQntuples(r); i++) {
        fj__cand *c = fj__history_new_cand(h);
        if (!c) {
            PQclear(r);
            return fj__nomem(err);
        }
        c->id = get_i64(r, i, 0);
        c->observed_at = get_i64(r, i, 1);
        c->company = (uint64_t)get_i64(r, i, 2);
        c->exact = (uint64_t)get_i64(r, i, 3);
        c->has_sig = !PQgetisnull(r, i, 4) && PQgetlength(r, i, 4) == 2 * FJ__MH_K;
        if (c->has_sig)
            fj__sig_unpack((const unsigned char *)PQgetvalue(r, i, 4), c->sig);
        c->contact = get_i64(r, i, 5) == 1;
    }
    PQclear(r);
    return FJ_OK;
}

static fj_status pg_insert(fj_history *h, const fj__fingerprint *fp, bool near, int64_t t,
                           const char *posting_id, fj_error *err)
{
    uint32_t nc = fp->tokens ? fp->ncontacts : 0;
    char time[24], exact[24], company[24], bands[ARRAY_CHARS], contacts[ARRAY_CHARS];
    unsigned char sig[2 * FJ__MH_K], cblob[8 * FJ__FP_MAX_CONTACTS];
    snprintf(time, sizeof time, "%lld", (long long)t);
    snprintf(exact, sizeof exact, "%lld", (long long)(int64_t)fp->exact);
    snprintf(company, sizeof company, "%lld", (long long)(int64_t)fp->company);
    array_of(fp->bands, near ? FJ__MH_BANDS : 0, bands, sizeof bands);
    array_of(fp->contacts, nc, contacts, sizeof contacts);
    if (near)
        fj__sig_pack(fp->sig, sig);
    for (uint32_t i = 0; i < nc; i++)
        for (int b = 0; b < 8; b++)
            cblob[8 * i + b] = (unsigned char)(fp->contacts[i] >> (8 * b));
    const char *v[8] = {time,
                        fp->tokens ? exact : NULL,
                        company,
                        near ? (const char *)sig : NULL,
                        nc ? (const char *)cblob : NULL,
                        posting_id,
                        bands,
                        contacts};
    int lengths[8] = {0, 0, 0, (int)sizeof sig, (int)(8 * nc), 0, 0, 0};
    int formats[8] = {0, 0, 0, 1, 1, 0, 0, 0};
    fj_status s = reconnect(h, "recording a posting", err);
    if (s != FJ_OK)
        return s;
    return exec_named(h, "fj_insert", NULL, 8, v, lengths, formats, NULL, "recording a posting",
                      err);
}

static fj_status pg_begin(fj_history *h, fj_error *err)
{
    fj_status s = reconnect(h, "starting a transaction", err);
    if (s == FJ_OK)
        s = exec(h, "BEGIN", 0, NULL, NULL, NULL, NULL, "starting a transaction", err);
    ((pg *)h->be)->tx = s == FJ_OK;
    return s;
}

static fj_status pg_commit(fj_history *h, fj_error *err)
{
    pg *q = h->be;
    fj_status s = exec(h, "COMMIT", 0, NULL, NULL, NULL, NULL, "committing", err);
    q->tx = false;
    return s;
}

static fj_status forget_tx(fj_history *h, int64_t before, int64_t *removed, fj_error *err)
{
    char time[24];
    snprintf(time, sizeof time, "%lld", (long long)before);
    const char *v[1] = {time};
    PGresult *r;
    fj_status s = exec(h, "SELECT id, sig, contacts FROM fj_sightings WHERE observed_at < $1", 1, v,
                       NULL, NULL, &r, "forgetting old sightings", err);
    if (s != FJ_OK)
        return s;
    for (int i = 0; s == FJ_OK && i < PQntuples(r); i++) {
        char sid[24], bands[ARRAY_CHARS], contacts[ARRAY_CHARS];
        uint64_t keys[FJ__MH_BANDS], ckeys[FJ__FP_MAX_CONTACTS];
        size_t nb = 0, nc = 0;
        snprintf(sid, sizeof sid, "%lld", (long long)get_i64(r, i, 0));
        if (!PQgetisnull(r, i, 1) && PQgetlength(r, i, 1) == 2 * FJ__MH_K) {
            uint16_t sig[FJ__MH_K];
            fj__sig_unpack((const unsigned char *)PQgetvalue(r, i, 1), sig);
            fj__fp_bands(&h->key, sig, keys);
            nb = FJ__MH_BANDS;
        }
        const unsigned char *c = (const unsigned char *)PQgetvalue(r, i, 2);
        for (int k = 0;
             !PQgetisnull(r, i, 2) && k + 8 <= PQgetlength(r, i, 2) && nc < FJ__FP_MAX_CONTACTS;
             k += 8) {
            uint64_t key = 0;
            for (int b = 7; b >= 0; b--)
                key = key << 8 | c[k + b];
            ckeys[nc++] = key;
        }
        array_of(keys, nb, bands, sizeof bands);
        array_of(ckeys, nc, contacts, sizeof contacts);
        const char *d[3] = {sid, bands, contacts};
        s = exec(h,
                 "WITH b AS (DELETE FROM fj_bands WHERE sid = $1::bigint AND key = "
                 "ANY($2::bigint[])) DELETE FROM fj_contacts WHERE sid = $1::bigint AND key = "
                 "ANY($3::bigint[])",
                 3, d, NULL, NULL, NULL, "forgetting old sightings", err);
    }
    PQclear(r);
    if (s != FJ_OK)
        return s;
    if ((s = exec(h, "DELETE FROM fj_sightings WHERE observed_at < $1", 1, v, NULL, NULL, &r,
                  "forgetting old sightings", err)) != FJ_OK)
        return s;
    *removed = atoll(PQcmdTuples(r));
    PQclear(r);
    return FJ_OK;
}

static fj_status pg_forget(fj_history *h, int64_t before, int64_t *removed, fj_error *err)
{
    bool own = !pg_in_transaction(h);
    fj_status s = own ? pg_begin(h, err) : FJ_OK;
    if (s == FJ_OK)
        s = forget_tx(h, before, removed, err);
    if (s == FJ_OK && own)
        s = pg_commit(h, err);
    if (s != FJ_OK && own)
        pg_rollback(h);
    return s;
}

static fj_status pg_count(fj_history *h, int64_t *n, fj_error *err)
{
    fj_status s = reconnect(h, "counting sightings", err);
    PGresult *r;
    if (s == FJ_OK)
        s = exec(h, "SELECT count(*) FROM fj_sightings", 0, NULL, NULL, NULL, &r,
                 "counting sightings", err);
    if (s != FJ_OK)
        return s;
    *n = get_i64(r, 0, 0);
    PQclear(r);
    return FJ_OK;
}

static void pg_close(fj_history *h)
{
    pg *q = h->be;
    if (!q)
        return;
    pg_rollback(h);
    PQfinish(q->conn);
    free(q);
    h->be = NULL;
}

static const fj__store_ops pg_ops = {
    .exists = pg_exists,
    .create = pg_create,
    .get_meta = pg_get_meta,
    .prepare = pg_prepare,
    .lookup = pg_lookup,
    .insert = pg_insert,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
    .forget = pg_forget,
    .count = pg_count,
    .close = pg_close,
};

/* libpq's notices (e.g. "relation already exists, skipping") are not printed. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

fj_status fj__pg_connect(fj_history *h, const char *uri, fj_error *err)
{
    pg *q = calloc(1, sizeof *q);
    if (!q)
        return fj__nomem(err);
    h->be = q;
    h->ops = &pg_ops;
    q->conn = PQconnectdb(uri);
    if (!q->conn)
        return fj__nomem(err);
    if (PQstatus(q->conn) != CONNECTION_OK) {
        char msg[384];
        return fj__errorf(err, FJ_ERR_HISTORY, "history store %s: cannot connect: %s", h->name,
                          pg_message(q->conn, msg, sizeof msg));
    }
    PQsetNoticeProcessor(q->conn, quiet, NULL);
    return FJ_OK;
}
