/*
 * history_bench.c - cost of the repost history store at a given size (default 1 M sightings):
 * observe (query + record, one transaction each) and query-only calls of one process, on the
 * store alone (fingerprints given) and end to end (postings fingerprinted from their text, as
 * fj_history_observe does), with per-call latency percentiles, and the store's size on disk.
 *
 *   make bench/history_bench && bench/history_bench [--rows N] [--ops N] [--keep] [STORE]
 *
 * STORE is an SQLite file (default /tmp/fj-history-bench.db) or a postgresql:// URI (then
 * FJ_HISTORY_KEY_FILE must name a key file). An SQLite store is filled in bulk, in index order
 * (what a store of that size holds, without the hours random inserts into a large index take):
 * N sightings with random signatures and exact hashes, 50 000 companies, one in three with a
 * contact identifier, N x 32 band keys and their index; then 4 096 sightings recorded the normal
 * way, which one lookup in five below is a near-duplicate of (the rest are new postings). A
 * PostgreSQL store is filled through the API (slower; use fewer rows). The store is reused when
 * it already holds N sightings, and removed at the end unless --keep. Output: one line per
 * measure, "name: value unit".
 */
#include "bench_util.h"
#include "history/history_fp.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double process_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wall-clock and CPU time: on a busy machine the CPU time is the figure that carries over. */
typedef struct timer {
    double wall, cpu;
} timer;

static timer start(void)
{
    return (timer){now_s(), process_cpu()};
}

static void report(const char *name, timer t0, long long n, double *lat, const char *extra)
{
    double wall = now_s() - t0.wall;
    double cpu = process_cpu() - t0.cpu;
    printf("%s: %.0f /s wall, %.0f /s per CPU second (%.1f us CPU each)", name, n / wall, n / cpu,
           cpu / n * 1e6);
    if (lat) {
        qsort(lat, (size_t)n, sizeof *lat, cmp_double);
        printf(", latency p50 %.0f us, p99 %.0f us", pct(lat, (size_t)n, 50) * 1e6,
               pct(lat, (size_t)n, 99) * 1e6);
    }
    printf("%s\n", extra);
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "history_bench: %s: %s\n", what, msg);
    exit(1);
}

/* A new posting's fingerprint (random signature), or (near) one close to `like`: 24 of its 128
 * values changed, so about 81 % agree (estimated Jaccard 0.8) and some bands are shared. */
static fj__fingerprint fingerprint(const fj__fp_key *key, const fj__fingerprint *like)
{
    fj__fingerprint fp;
    memset(&fp, 0, sizeof fp);
    fp.shingles = 120;
    fp.tokens = 150;
    if (like) {
        memcpy(fp.sig, like->sig, sizeof fp.sig);
        for (int i = 0; i < 24; i++)
            fp.sig[next() % FJ__MH_K] = (uint16_t)next();
    } else {
        for (int i = 0; i < FJ__MH_K; i++)
            fp.sig[i] = (uint16_t)next();
    }
    fj__fp_bands(key, fp.sig, fp.bands);
    fp.exact = next();
    fp.company = 1 + next() % 50000;
    if (next() % 3 == 0) {
        fp.contacts[0] = next();
        fp.ncontacts = 1;
    }
    return fp;
}

/* A posting of about 120 random words of 3 to 8 letters, or 240 random Han characters: no
 * two are near-duplicates unless made so. */
static void posting_text(char *buf, size_t size, int zh)
{
    size_t len = 0;
    for (int i = 0; i < 240 && len + 8 < size; i++) {
        if (zh) {
            len += fj__utf8_put(buf + len, 0x4e00 + (uint32_t)(next() % 0x51a5));
            continue;
        }
        if (i >= 120)
            break;
        for (unsigned k = 3 + (unsigned)(next() % 6); k > 0; k--)
            buf[len++] = (char)('a' + next() % 26);
        buf[len++] = ' ';
    }
    buf[len] = '\0';
}

static void sql_ok(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        die(what, sqlite3_errmsg(db));
}

/* Keys spread evenly over the 64-bit range in increasing order, one per row, for `n` rows. */
typedef struct keyseq {
    uint64_t at, step;
} keyseq;

static int64_t next_key(keyseq *k)
{
    uint64_t v = k->at + next() % k->step;
    k->at += k->step;
    return (int64_t)v;
}

/* Fill an empty SQLite store with `rows` sightings in index order (see the comment on top). */
static void bulk_fill(const char *path, long long rows)
{
    sqlite3 *db;
    sql_ok(NULL, sqlite3_open(path, &db), path);
    sql_ok(db,
           sqlite3_exec(db,
                        "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF;"
                        "PRAGMA cache_size=-262144; BEGIN",
                        NULL, NULL, NULL),
           "bulk fill set-up");
    sqlite3_stmt *sight, *band, *contact;
    sql_ok(db,
           sqlite3_prepare_v2(db,
                              "INSERT INTO sightings(id, observed_at, exact, company, sig, "
                              "contacts) VALUES(?1, ?2, ?3, ?4, ?5, NULL)",
                              -1, &sight, NULL),
           "prepare");
    sql_ok(db, sqlite3_prepare_v2(db, "INSERT INTO bands VALUES(?1, ?2)", -1, &band, NULL),
           "prepare");
    sql_ok(db, sqlite3_prepare_v2(db, "INSERT INTO contacts VALUES(?1, ?2)", -1, &contact, NULL),
           "prepare");
    timer t0 = start();
    for (long long id = 1; id <= rows; id++) {
        unsigned char sig[2 * FJ__MH_K];
        for (size_t i = 0; i < sizeof sig; i += 8) {
            uint64_t r = next();
            memcpy(sig + i, &r, 8);
        }
        sqlite3_bind_int64(sight, 1, id);
        sqlite3_bind_int64(sight, 2, 1400000000 + id);
        sqlite3_bind_int64(sight, 3, (int64_t)next());
        sqlite3_bind_int64(sight, 4, (int64_t)(1 + next() % 50000));
        sqlite3_bind_blob(sight, 5, sig, sizeof sig, SQLITE_TRANSIENT);
        sql_ok(db, sqlite3_step(sight), "insert sighting");
        sqlite3_reset(sight);
    }
    report("fill: sightings", t0, rows, NULL, "");
    t0 = start();
    keyseq k = {0, UINT64_MAX / (uint64_t)(rows * FJ__MH_BANDS)};
    for (long long i = 0; i < rows * FJ__MH_BANDS; i++) {
        sqlite3_bind_int64(band, 1, next_key(&k) ^ INT64_MIN);
        sqlite3_bind_int64(band, 2, (int64_t)(1 + next() % (uint64_t)rows));
        sql_ok(db, sqlite3_step(band), "insert band");
        sqlite3_reset(band);
    }
    report("fill: band keys", t0, rows * FJ__MH_BANDS, NULL, "");
    keyseq c = {0, UINT64_MAX / (uint64_t)(rows / 3 + 1)};
    for (long long i = 0; i < rows / 3; i++) {
        sqlite3_bind_int64(contact, 1, next_key(&c) ^ INT64_MIN);
        sqlite3_bind_int64(contact, 2, (int64_t)(1 + next() % (uint64_t)rows));
        sql_ok(db, sqlite3_step(contact), "insert contact");
        sqlite3_reset(contact);
    }
    sqlite3_finalize(sight);
    sqlite3_finalize(band);
    sqlite3_finalize(contact);
    sql_ok(db, sqlite3_exec(db, "COMMIT; PRAGMA journal_mode=WAL", NULL, NULL, NULL), "commit");
    sqlite3_close(db);
}

static long long file_size(const char *path, const char *suffix)
{
    char f[4096];
    struct stat sb;
    snprintf(f, sizeof f, "%s%s", path, suffix);
    return stat(f, &sb) == 0 ? (long long)sb.st_size : 0;
}

int main(int argc, char **argv)
{
    long long rows = 1000000, ops = 20000;
    int keep = 0;
    const char *path = "/tmp/fj-history-bench.db";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = atoll(argv[++i]);
        else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            ops = atoll(argv[++i]);
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (argv[i][0] != '-')
            path = argv[i];
        else {
            fprintf(stderr, "usage: history_bench [--rows N] [--ops N] [--keep] [STORE]\n");
            return 2;
        }
    }
    if (rows < 1 || ops < 1)
        die("arguments", "--rows and --ops must be positive");
    bool pg = strncmp(path, "postgres", 8) == 0;
    fj_error err;
    fj_history *h;
    fj_context *ctx;
    if (fj_context_new(&ctx, &err) != FJ_OK)
        die("context", err.message);
    if (fj_history_open(&h, path, &err) != FJ_OK)
        die("open", err.message);
    fj__fp_key key = *fj__history_key(h);

    enum { RECENT = 4096 };
    static fj__fingerprint recent[RECENT];
    int64_t have, t = 1400000000 + rows;
    if (fj_history_count(h, &have, &err) != FJ_OK)
        die("count", err.message);
    rng ^= (uint64_t)have * 0xd6e8feb86659fd93ULL; /* a reused store gets new fingerprints */
    if (have > 0 && have < rows)
        die(path, "holds fewer sightings than --rows: remove it or name another store");
    if (have == 0) {
        if (pg) {
            timer t0 = start();
            for (long long i = 0; i < rows; i++) {
                if (i % 10000 == 0 && fj__history_begin(h, &err) != FJ_OK)
                    die("begin", err.message);
                fj__fingerprint fp = fingerprint(&key, NULL);
                if (fj__history_insert(h, &fp, 1400000000 + i, NULL, &err) != FJ_OK)
                    die("insert", err.message);
                if ((i % 10000 == 9999 || i == rows - 1) && fj__history_commit(h, &err) != FJ_OK)
                    die("commit", err.message);
            }
            report("fill (through the API, 10 000 a transaction)", t0, rows, NULL, "");
        } else {
            fj_history_close(h);
            bulk_fill(path, rows);
            if (fj_history_open(&h, path, &err) != FJ_OK)
                die("open", err.message);
        }
    }
    /* the sightings reposts below are near-duplicates of, recorded the normal way */
    if (fj__history_begin(h, &err) != FJ_OK)
        die("begin", err.message);
    for (int i = 0; i < RECENT; i++) {
        recent[i] = fingerprint(&key, NULL);
        if (fj__history_insert(h, &recent[i], t++, NULL, &err) != FJ_OK)
            die("insert", err.message);
    }
    if (fj__history_commit(h, &err) != FJ_OK)
        die("commit", err.message);
    if (fj_history_count(h, &have, &err) != FJ_OK)
        die("count", err.message);
    if (!pg) {
        long long size = file_size(path, ""), wal = file_size(path, "-wal");
        printf("store: %lld sightings, %.1f MB on disk (%.0f bytes per sighting) and a %.1f MB "
               "write-ahead log\n",
               (long long)have, size / 1e6, (double)size / (double)have, wal / 1e6);
    } else {
        printf("store: %lld sightings (PostgreSQL: SELECT pg_database_size(current_database()) "
               "gives its size)\n",
               (long long)have);
    }

    double *lat = malloc((size_t)ops * sizeof *lat);
    if (!lat)
        die("memory", "latencies");
    /* warm the cache as a long-running scorer would have it */
    fj_history_stats st;
    for (long long i = 0; i < ops / 4; i++) {
        fj__fingerprint fp = fingerprint(&key, NULL);
        if (fj__history_lookup(h, &fp, t, &st, &err) != FJ_OK)
            die("query", err.message);
    }

    /* the store alone: lookup + insert in one transaction, as fj_history_observe does */
    long long found = 0, reposts = 0;
    timer t0 = start();
    for (long long i = 0; i < ops; i++) {
        bool repost = next() % 5 == 0;
        fj__fingerprint fp = fingerprint(&key, repost ? &recent[next() % RECENT] : NULL);
        double c0 = now_s();
        if (fj__history_begin(h, &err) != FJ_OK ||
            fj__history_lookup(h, &fp, t + i, &st, &err) != FJ_OK ||
            fj__history_insert(h, &fp, t + i, NULL, &err) != FJ_OK ||
            fj__history_commit(h, &err) != FJ_OK)
            die("observe", err.message);
        lat[i] = now_s() - c0;
        reposts += repost;
        found += repost && st.seen_before > 0;
    }
    char extra[96];
    snprintf(extra, sizeof extra, "; %.1f%% of the reposts found their earlier sighting",
             100.0 * (double)found / (double)(reposts ? reposts : 1));
    report("observe (store only)", t0, ops, lat, extra);
    t += ops;

    t0 = start();
    for (long long i = 0; i < ops; i++) {
        fj__fingerprint fp = fingerprint(&key, next() % 5 == 0 ? &recent[next() % RECENT] : NULL);
        double c0 = now_s();
        if (fj__history_lookup(h, &fp, t, &st, &err) != FJ_OK)
            die("query", err.message);
        lat[i] = now_s() - c0;
    }
    report("query (store only)", t0, ops, lat, "");

    /* end to end: postings fingerprinted from their text (normalization included) */
    fj_posting *p;
    if (fj_posting_new(&p, &err) != FJ_OK)
        die("posting", err.message);
    long long e2e = ops / 4 ? ops / 4 : 1;
    uint64_t seed = rng;
    t0 = start();
    for (long long i = 0; i < e2e; i++) {
        char text[2048];
        posting_text(text, sizeof text, (int)(i & 1));
        if (fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, text, strlen(text), &err) != FJ_OK ||
            fj_posting_set_time(p, FJ_FIELD_OBSERVED_AT, t + i, &err) != FJ_OK ||
            fj_history_observe(h, ctx, p, &st, &err) != FJ_OK)
            die("fj_history_observe", err.message);
    }
    report("fj_history_observe (a ~700-byte posting fingerprinted)", t0, e2e, NULL, "");

    /* the same postings again: each now finds its earlier sighting */
    rng = seed;
    t0 = start();
    found = 0;
    for (long long i = 0; i < e2e; i++) {
        char text[2048];
        posting_text(text, sizeof text, (int)(i & 1));
        if (fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, text, strlen(text), &err) != FJ_OK ||
            fj_posting_set_time(p, FJ_FIELD_OBSERVED_AT, t + e2e + i, &err) != FJ_OK ||
            fj_history_observe(h, ctx, p, &st, &err) != FJ_OK)
            die("fj_history_observe", err.message);
        found += st.seen_before > 0;
    }
    snprintf(extra, sizeof extra, "; %.0f%% found earlier sightings",
             100.0 * (double)found / (double)e2e);
    report("fj_history_observe (the same postings reposted)", t0, e2e, NULL, extra);

    free(lat);
    fj_posting_free(p);
    fj_history_close(h);
    fj_context_free(ctx);
    if (!keep && !pg) {
        char f[4096];
        const char *suffixes[] = {"", "-wal", "-shm", ".key"};
        for (int i = 0; i < 4; i++) {
            snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
            unlink(f);
        }
    }
    return 0;
}
