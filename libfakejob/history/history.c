/*
 * history.c - the repost history store: sightings, each the keyed fingerprint of a posting
 * (fingerprint.c) at the time it was observed, kept by a backend (history_sqlite.c: an SQLite
 * file; history_pg.c: a PostgreSQL database). No posting text and no personal data is stored,
 * and every identifier is an HMAC under a secret key kept apart from the data (docs/history.md
 * says why and where).
 *
 * This file holds what both backends share, so that they give the same answers: the key (read
 * from, or created as, a 0600 key file), the format check and migrations (meta: format_version,
 * fingerprint, key_check), fingerprinting, and the decision which candidates the backend's index
 * found are reposts (fj__fp_confirm) and how they are counted.
 */
#include "history/history_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_CHECK_TEXT "libfakejob history key check"

fj__cand *fj__history_new_cand(fj_history *h)
{
    if (h->ncands == h->cands_cap) {
        size_t cap = h->cands_cap ? h->cands_cap * 2 : 64;
        fj__cand *c = realloc(h->cands, cap * sizeof *c);
        if (!c)
            return NULL;
        h->cands = c;
        h->cands_cap = cap;
    }
    return &h->cands[h->ncands++];
}

void fj__sig_pack(const uint16_t *sig, unsigned char out[2 * FJ__MH_K])
{
    for (unsigned k = 0; k < FJ__MH_K; k++) {
        out[2 * k] = (unsigned char)sig[k];
        out[2 * k + 1] = (unsigned char)(sig[k] >> 8);
    }
}

void fj__sig_unpack(const unsigned char in[2 * FJ__MH_K], uint16_t *sig)
{
    for (unsigned k = 0; k < FJ__MH_K; k++)
        sig[k] = (uint16_t)(in[2 * k] | in[2 * k + 1] << 8);
}

const fj__fp_key *fj__history_key(const fj_history *h)
{
    return h ? &h->key : NULL;
}

/* ---- the key ---------------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Read a key file: 64 hex digits and an optional newline, readable by its owner only. */
static fj_status read_key(const fj_history *h, const char *file, unsigned char *secret,
                          bool *missing, fj_error *err)
{
    *missing = false;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            *missing = true;
            return FJ_OK;
        }
        return fj__errorf(err, FJ_ERR_IO, "history store %s: key file %s: %s", h->name, file,
                          strerror(errno));
    }
    struct stat st;
    char buf[80];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0)
        n = read(fd, buf, sizeof buf);
    int e = errno;
    close(fd);
    if (n < 0)
        return fj__errorf(err, FJ_ERR_IO, "history store %s: key file %s: %s", h->name, file,
                          strerror(e));
    if (st.st_mode & 077)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: key file %s can be read by other users (mode %04o): "
                          "chmod 600 it",
                          h->name, file, (unsigned)(st.st_mode & 07777));
    if (n == 2 * FJ__KEY_BYTES + 1 && buf[n - 1] == '\n')
        n--;
    bool ok = n == 2 * FJ__KEY_BYTES;
    for (int i = 0; ok && i < FJ__KEY_BYTES; i++) {
        int a = hexval(buf[2 * i]), b = hexval(buf[2 * i + 1]);
        ok = a >= 0 && b >= 0;
        secret[i] = (unsigned char)(a << 4 | b);
    }
    if (!ok)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: key file %s is not a key (%d hex digits and a "
                          "newline expected)",
                          h->name, file, 2 * FJ__KEY_BYTES);
    return FJ_OK;
}

/* Create a key file with a new random secret, mode 0600, without ever replacing one: written to
 * a temporary name, then linked to its name (another process creating the same store at the
 * same moment either wins the link, and its key is read back, or loses it). */
static fj_status create_key(const fj_history *h, const char *file, unsigned char *secret,
                            fj_error *err)
{
    unsigned char fresh[FJ__KEY_BYTES];
    size_t got = 0;
    while (got < sizeof fresh) {
        ssize_t n = getrandom(fresh + got, sizeof fresh - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fj__errorf(err, FJ_ERR_IO, "history store %s: no random bytes for its key: %s",
                              h->name, strerror(errno));
        got += (size_t)n;
    }
    size_t len = strlen(file);
    char *tmp = malloc(len + 16);
    if (!tmp)
        return fj__nomem(err);
    snprintf(tmp, len + 16, "%s.tmpXXXXXX", file);
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        fj_status s = fj__errorf(err, FJ_ERR_IO, "history store %s: cannot create key file %s: %s",
                                 h->name, file, strerror(errno));
        free(tmp);
        return s;
    }
    char hex[2 * FJ__KEY_BYTES + 2];
    to_hex(fresh, sizeof fresh, hex);
    hex[2 * FJ__KEY_BYTES] = '\n';
    bool ok = write(fd, hex, sizeof hex - 1) == (ssize_t)(sizeof hex - 1) && fsync(fd) == 0;
    int e = errno;
    ok = close(fd) == 0 && ok;
    if (ok && link(tmp, file) != 0) {
        e = errno;
        ok = e == EEXIST;
    }
    unlink(tmp);
    free(tmp);
    memset(hex, 0, sizeof hex);
    if (!ok)
        return fj__errorf(err, FJ_ERR_IO, "history store %s: cannot write key file %s: %s", h->name,
                          file, strerror(e));
    bool missing;
    fj_status s = read_key(h, file, secret, &missing, err);
    if (s == FJ_OK && missing)
        s = fj__errorf(err, FJ_ERR_IO, "history store %s: key file %s vanished", h->name, file);
    return s;
}

static void set_key(fj_history *h, const unsigned char *secret)
{
    fj__fp_key_init(&h->key, secret);
    unsigned char mac[32];
    fj__hmac_sha256(&h->key.hmac, KEY_CHECK_TEXT, strlen(KEY_CHECK_TEXT), mac);
    to_hex(mac, 16, h->key_check);
}

/* ---- format ----------------------------------------------------------------------------- */

/* The store's format version and fingerprint scheme must be the ones this library writes. */
static fj_status check_format(fj_history *h, fj_error *err)
{
    char value[128];
    bool found;
    fj_status s = h->ops->get_meta(h, "format_version", value, sizeof value, &found, err);
    if (s != FJ_OK)
        return s;
    if (!found)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: no format_version in its meta table: not a history "
                          "store, or damaged",
                          h->name);
    char *end;
    long long version = strtoll(value, &end, 10);
    if (end == value || *end || version < 1)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: format_version is not a positive integer", h->name);
    if (version > FJ__HISTORY_FORMAT)
        return fj__errorf(err, FJ_ERR_VERSION,
                          "history store %s has format version %lld; this library (%s) reads "
                          "version %d: upgrade libfakejob",
                          h->name, version, fj_version(), FJ__HISTORY_FORMAT);
    /* Migrations: none can carry a version 1 store (unkeyed 64-bit SimHashes) over, because
     * its fingerprints cannot be recomputed without the posting texts it never kept. */
    if (version < FJ__HISTORY_FORMAT)
        return fj__errorf(err, FJ_ERR_VERSION,
                          "history store %s has format version %lld (unkeyed SimHash "
                          "fingerprints); this library (%s) uses version %d (keyed MinHash) and "
                          "cannot convert it, since a store keeps no text to fingerprint again: "
                          "move it aside and start a new store (replay the postings into it to "
                          "keep their history)",
                          h->name, version, fj_version(), FJ__HISTORY_FORMAT);
    if ((s = h->ops->get_meta(h, "fingerprint", value, sizeof value, &found, err)) != FJ_OK)
        return s;
    if (!found || strcmp(value, h->fingerprint) != 0)
        return fj__errorf(err, FJ_ERR_VERSION,
                          "history store %s holds fingerprints of kind '%s'; this library computes "
                          "'%s': use a new store",
                          h->name, found ? value : "(none)", h->fingerprint);
    return FJ_OK;
}

/* The key must be the one the store was made with. */
static fj_status check_key(fj_history *h, const char *key_file, fj_error *err)
{
    char value[128];
    bool found;
    fj_status s;
    if ((s = h->ops->get_meta(h, "key_check", value, sizeof value, &found, err)) != FJ_OK)
        return s;
    if (!found)
        return fj__errorf(err, FJ_ERR_HISTORY, "history store %s: no key_check in its meta table",
                          h->name);
    if (strcmp(value, h->key_check) != 0)
        return fj__errorf(err, FJ_ERR_HISTORY,
                          "history store %s: key file %s is not this store's key (its hashes were "
                          "made with another one)",
                          h->name, key_file ? key_file : "(in memory)");
    return FJ_OK;
}

static bool is_pg_uri(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/* The key file: the caller's, else $FJ_HISTORY_KEY_FILE, else the store's file name + ".key";
 * none for an in-memory store unless the caller names one. */
static char *key_file_name(const char *target, bool memory, const char *key_file)
{
    const char *env = getenv("FJ_HISTORY_KEY_FILE");
    if (key_file && *key_file)
        return strdup(key_file);
    if (memory)
        return NULL;
    if (env && *env)
        return strdup(env);
    if (is_pg_uri(target))
        return NULL;
    size_t n = strlen(target);
    char *s = malloc(n + 5);
    if (s)
        memcpy(s, target, n), memcpy(s + n, ".key", 5);
    return s;
}

static fj_status open_store(fj_history *h, const char *target, bool memory, const char *key_file,
                            fj_error *err)
{
    bool has_meta;
    fj_status s = h->ops->exists(h, &has_meta, err);
    if (s == FJ_OK && has_meta)
        s = check_format(h, err);
    if (s != FJ_OK)
        return s;
    unsigned char secret[FJ__KEY_BYTES];
    char *file = key_file_name(target, memory, key_file);
    if (!file && !memory) {
        if (is_pg_uri(target) && !(key_file && *key_file))
            return fj__errorf(err, FJ_ERR_ARGUMENT,
                              "history store %s: a PostgreSQL store needs a key file shared by its "
                              "scorers: set FJ_HISTORY_KEY_FILE (or --history-key FILE)",
                              h->name);
        return fj__nomem(err);
    }
    if (memory && !file) {
        /* A private in-memory store is never written anywhere, so its key protects nothing; a
         * fixed one makes replays (training, evaluation) give the same counts every run, since
         * which borderline pairs the LSH bands find depends on the key. */
        memset(secret, 0x6d, sizeof secret);
    } else {
        bool missing;
        s = read_key(h, file, secret, &missing, err);
        if (s == FJ_OK && missing) {
            if (has_meta)
                s = fj__errorf(err, FJ_ERR_HISTORY,
                               "history store %s: its key file %s is missing; without the key "
                               "the store's hashes cannot be compared: restore the key file (or "
                               "point FJ_HISTORY_KEY_FILE at it), or start a new store",
                               h->name, file);
            else
                s = create_key(h, file, secret, err);
        }
    }
    if (s == FJ_OK) {
        set_key(h, secret);
        char version[16];
        snprintf(version, sizeof version, "%d", FJ__HISTORY_FORMAT);
        char created_by[64];
        snprintf(created_by, sizeof created_by, "libfakejob %s", fj_version());
        const fj__meta meta[] = {{"format_version", version},
                                 {"fingerprint", h->fingerprint},
                                 {"created_by", created_by},
                                 {"key_check", h->key_check}};
        if (!has_meta)
            s = h->ops->create(h, meta, sizeof meta / sizeof meta[0], err);
    }
    memset(secret, 0, sizeof secret);
    if (s == FJ_OK && !has_meta)
        s = check_format(h, err);
    if (s == FJ_OK)
        s = check_key(h, file, err);
    free(file);
    if (s == FJ_OK)
        s = h->ops->prepare(h, err);
    return s;
}

/* The URI without its password, for messages. */
static char *display_name(const char *target)
{
    char *s = strdup(target);
    if (!s || !is_pg_uri(s))
        return s;
    char *auth = strstr(s, "://") + 3, *at = strchr(auth, '@'), *colon = strchr(auth, ':');
    if (at && colon && colon < at)
        memmove(colon, at, strlen(at) + 1);
    char *q = strstr(s, "password=");
    if (q)
        *q = '\0';
    return s;
}

fj_status fj_history_open_key(fj_history **out, const char *path, const char *key_file,
                              fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_open: out is NULL");
    *out = NULL;
    if (path && !*path)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_open: empty path");
    bool memory = !path || strcmp(path, ":memory:") == 0;
    const char *target = memory ? ":memory:" : path;
    fj_history *h = calloc(1, sizeof *h);
    if (!h)
        return fj__nomem(err);
    h->name = display_name(target);
    if (!h->name) {
        free(h);
        return fj__nomem(err);
    }
    const fj__fp_params *fp = &fj__fp_default;
    snprintf(h->fingerprint, sizeof h->fingerprint,
             "minhash%ux16 b%ur%u han%u word%u min%u hmac-sha256", FJ__MH_K, FJ__MH_BANDS,
             FJ__MH_ROWS, fp->han_ngram, fp->word_ngram, fp->min_shingles);
    fj_status s = is_pg_uri(target) ? fj__pg_connect(h, target, err)
                                    : fj__sqlite_connect(h, target, memory, err);
    if (s == FJ_OK)
        s = open_store(h, target, memory, key_file, err);
    if (s != FJ_OK) {
        fj_history_close(h);
        return s;
    }
    *out = h;
    return FJ_OK;
}

fj_status fj_history_open(fj_history **out, const char *path, fj_error *err)
{
    return fj_history_open_key(out, path, NULL, err);
}

void fj_history_close(fj_history *h)
{
    if (!h)
        return;
    if (h->ops)
        h->ops->close(h);
    free(h->cands);
    free(h->companies);
    free(h->name);
    memset(&h->key, 0, sizeof h->key);
    free(h);
}

/* ---- lookups ---------------------------------------------------------------------------- */

static int cmp_cand(const void *a, const void *b)
{
    int64_t x = ((const fj__cand *)a)->id, y = ((const fj__cand *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Confirm the distinct candidates in h->cands and count them and their companies. */
static fj_status aggregate(fj_history *h, const fj__fingerprint *fp, fj_history_stats *out,
                           fj_error *err)
{
    size_t n = h->ncands;
    if (!n)
        return FJ_OK;
    uint64_t *companies = realloc(h->companies, n * sizeof *companies);
    if (!companies)
        return fj__nomem(err);
    h->companies = companies;
    qsort(h->cands, n, sizeof *h->cands, cmp_cand);
    size_t u = 0;
    for (size_t i = 0; i < n;) {
        const fj__cand *c = &h->cands[i];
        bool contact = false;
        size_t j = i;
        for (; j < n && h->cands[j].id == c->id; j++)
            contact |= h->cands[j].contact;
        i = j;
        if (!fj__fp_confirm(fp, c->exact, c->has_sig ? c->sig : NULL, contact, NULL))
            continue;
        if (u == 0 || c->observed_at < out->first_seen)
            out->first_seen = c->observed_at;
        if (u == 0 || c->observed_at > out->last_seen)
            out->last_seen = c->observed_at;
        companies[u++] = c->company;
    }
    out->seen_before = (int64_t)u;
    if (!u)
        return FJ_OK;
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
    h->ncands = 0;
    fj_status s =
        h->ops->lookup(h, fp, fj__fp_near_eligible(fp, &fj__fp_default), observed_at, err);
    if (s == FJ_OK)
        s = aggregate(h, fp, out, err);
    if (s != FJ_OK)
        memset(out, 0, sizeof *out);
    return s;
}

fj_status fj__history_insert(fj_history *h, const fj__fingerprint *fp, int64_t observed_at,
                             const char *posting_id, fj_error *err)
{
    if (!h || !fp)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_record: NULL argument");
    return h->ops->insert(h, fp, fj__fp_near_eligible(fp, &fj__fp_default), observed_at, posting_id,
                          err);
}

fj_status fj__history_begin(fj_history *h, fj_error *err)
{
    return h->ops->begin(h, err);
}

fj_status fj__history_commit(fj_history *h, fj_error *err)
{
    fj_status s = h->ops->commit(h, err);
    if (s != FJ_OK)
        h->ops->rollback(h);
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
    return fj__fingerprint_posting(ctx, &h->key, NULL, p, fp, err);
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
    bool own_tx = !h->ops->in_transaction(h);
    if (own_tx && (s = fj__history_begin(h, err)) != FJ_OK)
        return s;
    s = fj__history_insert(h, &fp, t, fj_posting_string(p, FJ_FIELD_ID, NULL), err);
    if (s == FJ_OK && own_tx)
        return fj__history_commit(h, err);
    if (s != FJ_OK && own_tx)
        h->ops->rollback(h);
    return s;
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
    bool own_tx = !h->ops->in_transaction(h);
    if (own_tx && (s = fj__history_begin(h, err)) != FJ_OK)
        return s;
    if ((s = fj__history_lookup(h, &fp, t, &stats, err)) == FJ_OK &&
        (s = fj__history_insert(h, &fp, t, fj_posting_string(p, FJ_FIELD_ID, NULL), err)) ==
            FJ_OK &&
        own_tx)
        s = fj__history_commit(h, err);
    if (s != FJ_OK) {
        if (own_tx)
            h->ops->rollback(h);
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
    int64_t n = 0;
    fj_status s = h->ops->forget(h, before, &n, err);
    if (s == FJ_OK && removed)
        *removed = n;
    return s;
}

fj_status fj_history_count(fj_history *h, int64_t *sightings, fj_error *err)
{
    if (sightings)
        *sightings = 0;
    if (!h || !sightings)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_history_count: NULL argument");
    return h->ops->count(h, sightings, err);
}
