/*
 * history_bench.c - throughput of the repost history store at a given size (default 1 M
 * sightings): how many observe (query + record, one transaction each) and query-only calls a
 * second one process makes, on the store alone (fingerprints given) and end to end (postings
 * fingerprinted from their text, as fj_history_observe does).
 *
 *   make bench/history_bench && bench/history_bench [--rows N] [--ops N] [--keep] [PATH]
 *
 * The store is filled with synthetic fingerprints (random SimHashes, 1 in 5 a near-duplicate of
 * an earlier one, 50 000 companies) in batches of 10 000 per transaction; PATH (default
 * /tmp/fj-history-bench.db) is reused when it already holds enough sightings and removed at
 * the end unless --keep. Output: one line per measure, "name: value unit".
 */
#include "history/history_fp.h"

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

static double clock_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wall-clock and CPU time: on a busy machine the CPU time is the figure that carries over. */
typedef struct timer {
    double wall, cpu;
} timer;

static timer start(void)
{
    return (timer){clock_of(CLOCK_MONOTONIC), clock_of(CLOCK_PROCESS_CPUTIME_ID)};
}

static void report(const char *name, timer t0, long long n, const char *extra)
{
    double wall = clock_of(CLOCK_MONOTONIC) - t0.wall;
    double cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID) - t0.cpu;
    printf("%s: %.0f /s wall, %.0f /s per CPU second (%.1f us CPU each)%s\n", name, n / wall,
           n / cpu, cpu / n * 1e6, extra);
}

static void die(const char *what, const fj_error *err)
{
    fprintf(stderr, "history_bench: %s: %s\n", what, err->message);
    exit(1);
}

/* A random fingerprint, or (1 in 5) a near-duplicate of one of the recent ones. */
static fj__fingerprint fingerprint(const fj__fingerprint *recent, size_t nrecent)
{
    fj__fingerprint fp = {.shingles = 120, .tokens = 150};
    if (nrecent && next() % 5 == 0) {
        fp = recent[next() % nrecent];
        unsigned flips = (unsigned)(next() % 8); /* 0..7 bits: still a near-duplicate */
        for (unsigned i = 0; i < flips; i++)
            fp.simhash ^= 1ULL << (next() % 64);
        fp.exact = next();
    } else {
        fp.simhash = next();
        fp.exact = next();
    }
    fp.company = 1 + next() % 50000;
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
            fprintf(stderr, "usage: history_bench [--rows N] [--ops N] [--keep] [PATH]\n");
            return 2;
        }
    }
    fj_error err;
    fj_history *h;
    fj_context *ctx;
    if (fj_context_new(&ctx, &err) != FJ_OK)
        die("context", &err);
    if (fj_history_open(&h, path, &err) != FJ_OK)
        die("open", &err);

    enum { RECENT = 4096 };
    static fj__fingerprint recent[RECENT];
    size_t nrecent = 0;
    int64_t have, t = 1400000000;
    if (fj_history_count(h, &have, &err) != FJ_OK)
        die("count", &err);
    rng ^= (uint64_t)have * 0xd6e8feb86659fd93ULL; /* a reused store gets new fingerprints */
    if (have < rows) {
        timer t0 = start();
        long long todo = rows - have;
        for (long long i = 0; i < todo; i++) {
            if (i % 10000 == 0 && fj__history_begin(h, &err) != FJ_OK)
                die("begin", &err);
            fj__fingerprint fp = fingerprint(recent, nrecent);
            recent[nrecent < RECENT ? nrecent++ : next() % RECENT] = fp;
            if (fj__history_insert(h, &fp, t + i, NULL, &err) != FJ_OK)
                die("insert", &err);
            if ((i % 10000 == 9999 || i == todo - 1) && fj__history_commit(h, &err) != FJ_OK)
                die("commit", &err);
        }
        report("fill (10 000 a transaction)", t0, todo, "");
    }
    if (fj_history_count(h, &have, &err) != FJ_OK)
        die("count", &err);
    struct stat sb;
    if (stat(path, &sb) == 0)
        printf("store: %lld sightings, %.1f MB (%.0f bytes per sighting)\n", (long long)have,
               sb.st_size / 1e6, (double)sb.st_size / (double)(have ? have : 1));
    t += have;

    /* warm the page cache as a long-running scorer would have it */
    fj_history_stats st;
    for (long long i = 0; i < ops; i++) {
        fj__fingerprint fp = fingerprint(recent, nrecent);
        if (fj__history_lookup(h, &fp, t, &st, &err) != FJ_OK)
            die("query", &err);
    }

    /* the store alone: lookup + insert in one transaction, as fj_history_observe does */
    long long found = 0;
    timer t0 = start();
    for (long long i = 0; i < ops; i++) {
        fj__fingerprint fp = fingerprint(recent, nrecent);
        if (fj__history_begin(h, &err) != FJ_OK ||
            fj__history_lookup(h, &fp, t + i, &st, &err) != FJ_OK ||
            fj__history_insert(h, &fp, t + i, NULL, &err) != FJ_OK ||
            fj__history_commit(h, &err) != FJ_OK)
            die("observe", &err);
        found += st.seen_before > 0;
    }
    char extra[64];
    snprintf(extra, sizeof extra, "; %.0f%% found earlier sightings", 100.0 * found / ops);
    report("observe (store only)", t0, ops, extra);
    t += ops;

    t0 = start();
    for (long long i = 0; i < ops; i++) {
        fj__fingerprint fp = fingerprint(recent, nrecent);
        if (fj__history_lookup(h, &fp, t, &st, &err) != FJ_OK)
            die("query", &err);
    }
    report("query (store only)", t0, ops, "");

    /* end to end: postings fingerprinted from their text (normalization included) */
    fj_posting *p;
    if (fj_posting_new(&p, &err) != FJ_OK)
        die("posting", &err);
    long long e2e = ops / 4 ? ops / 4 : 1;
    uint64_t seed = rng;
    t0 = start();
    for (long long i = 0; i < e2e; i++) {
        char text[2048];
        posting_text(text, sizeof text, (int)(i & 1));
        if (fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, text, strlen(text), &err) != FJ_OK ||
            fj_posting_set_time(p, FJ_FIELD_OBSERVED_AT, t + i, &err) != FJ_OK ||
            fj_history_observe(h, ctx, p, &st, &err) != FJ_OK)
            die("fj_history_observe", &err);
    }
    report("fj_history_observe (a ~700-byte posting fingerprinted)", t0, e2e, "");

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
            die("fj_history_observe", &err);
        found += st.seen_before > 0;
    }
    snprintf(extra, sizeof extra, "; %.0f%% found earlier sightings", 100.0 * found / e2e);
    report("fj_history_observe (the same postings reposted)", t0, e2e, extra);

    fj_posting_free(p);
    fj_history_close(h);
    fj_context_free(ctx);
    if (!keep) {
        char f[4096];
        const char *suffixes[] = {"", "-wal", "-shm"};
        for (int i = 0; i < 3; i++) {
            snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
            unlink(f);
        }
    }
    return 0;
}
