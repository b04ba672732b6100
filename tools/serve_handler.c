/*
 * serve_handler.c - the request handler of `fakejob serve`, without sockets (serve.h).
 *
 * Routes (docs/http.md): POST /v1/score, POST /v1/signals, GET /v1/model, POST /v1/feedback,
 * GET /healthz, GET /readyz, GET /metrics, GET / and /page.js (the page), and OPTIONS on any of
 * them (CORS preflight). A request body is one posting (a JSON object), a JSON array of
 * postings, or JSONL (one posting a line, blank lines skipped). Postings are scored by
 * fj_score_json_batch, which also writes the result lines: a result is byte for byte what
 * `fakejob score` writes for the same posting. Signals are written by the CLI's own writer
 * (cli_write_signals), so they match `fakejob signals`. Errors of the request itself (unknown
 * route, wrong method, media type, size, authentication) are error objects of the same shape,
 * {"id":null,"error":{"code":…,"message":…}}.
 */
#define _GNU_SOURCE /* open_memstream, strncasecmp */
#include "cli.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const int codes[] = SRV_CODES;
static const double buckets[SRV_NBUCKETS] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,  0.5,   1,    5};

_Static_assert(sizeof codes / sizeof codes[0] + 1 == SRV_NCODES, "SRV_NCODES");

/* ---- set-up ---- */

void srv_init(srv *s)
{
    memset(s, 0, sizeof *s);
    s->max_body = 8u << 20;
    s->max_postings = 10000;
    fj_score_options_init(&s->score);
    s->feedback_fd = -1;
    pthread_mutex_init(&s->feedback_lock, NULL);
    pthread_mutex_init(&s->history_lock, NULL);
    pthread_rwlock_init(&s->model_lock, NULL);
    s->started = (int64_t)time(NULL);
}

void srv_destroy(srv *s)
{
    srv_model_swap(s, NULL);
    free(s->keys);
    free(s->cors);
    if (s->feedback_fd >= 0)
        close(s->feedback_fd);
    fj_history_close(s->history);
    pthread_mutex_destroy(&s->feedback_lock);
    pthread_mutex_destroy(&s->history_lock);
    pthread_rwlock_destroy(&s->model_lock);
}

void srv_sha256(const void *data, size_t len, unsigned char out[32])
{
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) != 0)
        memset(out, 0, 32); /* never matches a stored key: SHA-256 of nothing is not zero */
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

bool srv_load_keys(srv *s, const char *path, char *why, size_t why_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, why_len, "cannot open the API key file %s: %s", path, strerror(errno));
        return false;
    }
    char line[256];
    long lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        unsigned char k[32];
        bool hex = n == 64;
        for (size_t i = 0; hex && i < 32; i++) {
            int a = hexval(line[2 * i]), b = hexval(line[2 * i + 1]);
            hex = a >= 0 && b >= 0;
            k[i] = (unsigned char)(a << 4 | b);
        }
        if (!hex) {
            snprintf(why, why_len,
                     "%s:%ld: not a SHA-256 hex digest (64 hex digits; make one with "
                     "fakejob serve --hash-key)",
                     path, lineno);
            ok = false;
            break;
        }
        unsigned char(*nk)[32] = realloc(s->keys, (s->nkeys + 1) * sizeof *nk);
        if (!nk) {
            snprintf(why, why_len, "out of memory");
            ok = false;
            break;
        }
        s->keys = nk;
        memcpy(s->keys[s->nkeys++], k, 32);
    }
    if (ok && ferror(f)) {
        snprintf(why, why_len, "cannot read the API key file %s", path);
        ok = false;
    }
    fclose(f);
    if (ok && s->nkeys == 0) {
        snprintf(why, why_len, "the API key file %s holds no key", path);
        ok = false;
    }
    return ok;
}

/* ---- models ---- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The description GET /v1/model answers, from the manifest and the thresholds in force. */
static char *model_info(fj_model *m, const srv *s, double load_seconds)
{
    json_t *man = json_loads(fj_model_manifest(m), 0, NULL);
    json_t *o = json_object(), *langs = json_array(), *th = json_object(), *prior = json_object();
    json_t *parts = man ? json_object_get(man, "parts") : NULL;
    size_t i;
    json_t *pt;
    json_array_foreach(parts, i, pt)
    {
        const char *lang = json_string_value(json_object_get(pt, "lang"));
        if (!lang)
            continue;
        json_array_append_new(langs, json_string(lang));
        fj_lang l = strcmp(lang, "zh") == 0   ? FJ_LANG_ZH
                    : strcmp(lang, "en") == 0 ? FJ_LANG_EN
                                              : FJ_LANG_AUTO;
        double tf, ts;
        fj_model_thresholds(m, l, &tf, &ts);
        /* the share of fraud among the part's training postings */
        json_t *cv = json_object_get(pt, "cv");
        json_int_t fr = json_integer_value(json_object_get(cv, "fraud"));
        json_int_t lg = json_integer_value(json_object_get(cv, "legit"));
        if (fr + lg > 0 && s->score.prior > 0) {
            /* with --prior the model's thresholds move with the scores (README, "Verdicts,
             * margin and base rates"): by the ratio of prior odds */
            double pi = (double)fr / (double)(fr + lg);
            double r = (s->score.prior / (1 - s->score.prior)) / (pi / (1 - pi));
            tf = tf * r / (tf * r + (1 - tf));
            ts = ts * r / (ts * r + (1 - ts));
        }
        if (s->score.threshold_fraud >= 0)
            tf = s->score.threshold_fraud;
        if (s->score.threshold_suspicious >= 0)
            ts = s->score.threshold_suspicious;
        if (ts > tf)
            ts = tf;
        json_object_set_new(th, lang, json_pack("{s:f,s:f}", "fraud", tf, "suspicious", ts));
        if (fr + lg > 0)
            json_object_set_new(prior, lang, json_real((double)fr / (double)(fr + lg)));
    }
    const char *name = man ? json_string_value(json_object_get(man, "name")) : NULL;
    const char *version = man ? json_string_value(json_object_get(man, "version")) : NULL;
    const char *created = man ? json_string_value(json_object_get(man, "created")) : NULL;
    const char *kernel = man ? json_string_value(json_object_get(man, "kernel")) : NULL;
    json_object_set_new(o, "name", json_string(name ? name : ""));
    json_object_set_new(o, "version", json_string(version ? version : ""));
    json_object_set_new(o, "model", json_string(fj_model_name(m)));
    json_object_set_new(o, "created", created ? json_string(created) : json_null());
    json_object_set_new(o, "kernel", kernel ? json_string(kernel) : json_null());
    json_object_set_new(o, "explains", json_boolean(fj_model_explains(m)));
    json_object_set_new(o, "languages", langs);
    json_object_set_new(o, "thresholds", th);
    json_object_set_new(o, "prior", prior);
    /* the deployment's expected fraud rate (--prior), which scores and thresholds are moved to */
    json_object_set_new(o, "deployment_prior",
                        s->score.prior > 0 ? json_real(s->score.prior) : json_null());
    json_object_set_new(o, "max_reasons", json_integer((json_int_t)s->score.max_reasons));
    /* the library's labels of the red flags (results name them in "flags"; each reason carries
     * its own "label") */
    json_t *labels = json_object();
    for (size_t k = 0; k < fj_signal_count(); k++) {
        const char *sig = fj_signal_name(k);
        json_object_set_new(labels, sig,
                            json_pack("{s:s,s:s}", "zh", fj_reason_label(sig, 1, FJ_LANG_ZH), "en",
                                      fj_reason_label(sig, 1, FJ_LANG_EN)));
    }
    json_object_set_new(o, "signal_labels", labels);
    json_object_set_new(o, "load_seconds", json_real(load_seconds));
    json_object_set_new(o, "library", json_string(fj_version()));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    json_decref(man);
    return text;
}

srv_model *srv_model_load(const char *dir, const srv *s, fj_error *err)
{
    double t0 = now_seconds();
    fj_model *m = NULL;
    fj_status st = dir ? fj_model_load(&m, dir, err) : fj_model_load_default(&m, err);
    if (st != FJ_OK)
        return NULL;
    srv_model *sm = calloc(1, sizeof *sm);
    if (!sm) {
        fj_model_free(m);
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    sm->m = m;
    sm->load_seconds = now_seconds() - t0;
    atomic_init(&sm->refs, 1);
    sm->info = model_info(m, s, sm->load_seconds);
    if (!sm->info) {
        fj_model_free(m);
        free(sm);
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    return sm;
}

void srv_model_release(srv_model *m)
{
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) {
        fj_model_free(m->m);
        free(m->info);
        free(m);
    }
}

srv_model *srv_model_acquire(srv *s)
{
    pthread_rwlock_rdlock(&s->model_lock);
    srv_model *m = s->model;
    if (m)
        atomic_fetch_add(&m->refs, 1);
    pthread_rwlock_unlock(&s->model_lock);
    return m;
}

void srv_model_swap(srv *s, srv_model *m)
{
    pthread_rwlock_wrlock(&s->model_lock);
    srv_model *old = s->model;
    s->model = m;
    pthread_rwlock_unlock(&s->model_lock);
    srv_model_release(old);
}

/* ---- responses ---- */

void srv_response_free(srv_response *rs)
{
    if (!rs->body_static)
        free(rs->body);
    rs->body = NULL;
}

static void set_body(srv_response *rs, int status, const char *type, char *body, size_t len)
{
    srv_response_free(rs);
    rs->status = status;
    rs->content_type = type;
    rs->body = body;
    rs->body_len = len;
    rs->body_static = false;
}

static void set_static(srv_response *rs, int status, const char *type, const char *body)
{
    srv_response_free(rs);
    rs->status = status;
    rs->content_type = type;
    rs->body = (char *)body;
    rs->body_len = strlen(body);
    rs->body_static = true;
}

static const char JSON[] = "application/json";
static const char JSONL[] = "application/x-ndjson";

/* An error object {"id":null,"error":{"code":…,"message":…}}, as the CLI writes them. */
__attribute__((format(printf, 4, 5))) static void fail(srv_response *rs, int status, fj_status code,
                                                       const char *fmt, ...)
{
    fj_error e;
    fj_error_clear(&e);
    e.status = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    char *body = NULL;
    if (fj_error_result_to_json(NULL, &e, 0, &body, NULL) != FJ_OK || !body) {
        set_static(rs, 500, JSON,
                   "{\"id\":null,\"error\":{\"code\":\"nomem\",\"message\":\"out "
                   "of memory\"}}");
        return;
    }
    set_body(rs, status, JSON, body, strlen(body));
}

/* ---- metrics ---- */

const char *srv_endpoint_name(int endpoint)
{
    static const char *const names[EP_COUNT] = {"/v1/score",    "/v1/signals", "/v1/model",
                                                "/v1/feedback", "/healthz",    "/readyz",
                                                "/metrics",     "/",           "other"};
    return endpoint >= 0 && endpoint < EP_COUNT ? names[endpoint] : "other";
}

void srv_count(srv *s, int endpoint, int status, double seconds)
{
    int c = SRV_NCODES - 1;
    for (int i = 0; i < SRV_NCODES - 1; i++)
        if (codes[i] == status)
            c = i;
    if (endpoint < 0 || endpoint >= EP_COUNT)
        endpoint = EP_OTHER;
    atomic_fetch_add(&s->metrics.requests[endpoint][c], 1);
    int b = SRV_NBUCKETS;
    for (int i = 0; i < SRV_NBUCKETS; i++)
        if (seconds <= buckets[i]) {
            b = i;
            break;
        }
    atomic_fetch_add(&s->metrics.latency[b], 1);
    atomic_fetch_add(&s->metrics.latency_sum_us, (unsigned long long)(seconds * 1e6));
    atomic_fetch_add(&s->metrics.latency_count, 1);
}

static void prom_label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fprintf(f, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void metrics_text(srv *s, srv_response *rs)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        return;
    }
    srv_metrics *mt = &s->metrics;
    for (int pass = 0; pass < 2; pass++) {
        const char *name =
            pass ? "fakejob_http_request_errors_total" : "fakejob_http_requests_total";
        fprintf(f, "# HELP %s HTTP %s by endpoint and status code.\n# TYPE %s counter\n", name,
                pass ? "requests answered with an error (4xx, 5xx)," : "requests answered,", name);
        for (int e = 0; e < EP_COUNT; e++)
            for (int c = 0; c < SRV_NCODES; c++) {
                unsigned long long v = atomic_load(&mt->requests[e][c]);
                bool err = c == SRV_NCODES - 1 || codes[c] >= 400;
                if (!v || (pass && !err))
                    continue;
                fprintf(f, "%s{endpoint=\"%s\",code=\"", name, srv_endpoint_name(e));
                if (c == SRV_NCODES - 1)
                    fputs("other", f);
                else
                    fprintf(f, "%d", codes[c]);
                fprintf(f, "\"} %llu\n", v);
            }
    }
    fputs("# HELP fakejob_http_request_duration_seconds Time from a request's arrival to its "
          "response.\n# TYPE fakejob_http_request_duration_seconds histogram\n",
          f);
    unsigned long long cum = 0;
    for (int b = 0; b <= SRV_NBUCKETS; b++) {
        cum += atomic_load(&mt->latency[b]);
        if (b < SRV_NBUCKETS)
            fprintf(f, "fakejob_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
                    cum);
        else
            fprintf(f, "fakejob_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
    }
    fprintf(f, "fakejob_http_request_duration_seconds_sum %.6f\n",
            atomic_load(&mt->latency_sum_us) / 1e6);
    fprintf(f, "fakejob_http_request_duration_seconds_count %llu\n",
            atomic_load(&mt->latency_count));
    fputs("# HELP fakejob_verdicts_total Verdicts given, by verdict.\n"
          "# TYPE fakejob_verdicts_total counter\n",
          f);
    for (int v = 0; v < 3; v++)
        fprintf(f, "fakejob_verdicts_total{verdict=\"%s\"} %llu\n", fj_verdict_name((fj_verdict)v),
                atomic_load(&mt->verdicts[v]));
    fprintf(f,
            "# HELP fakejob_postings_scored_total Postings scored (error results not counted).\n"
            "# TYPE fakejob_postings_scored_total counter\nfakejob_postings_scored_total %llu\n"
            "# HELP fakejob_posting_errors_total Postings answered with an error result.\n"
            "# TYPE fakejob_posting_errors_total counter\nfakejob_posting_errors_total %llu\n",
            atomic_load(&mt->postings), atomic_load(&mt->posting_errors));
    srv_model *m = srv_model_acquire(s);
    if (m) {
        fprintf(f,
                "# HELP fakejob_model_load_seconds Time the current model took to load.\n"
                "# TYPE fakejob_model_load_seconds gauge\nfakejob_model_load_seconds %.6f\n"
                "# HELP fakejob_model_info The model being served.\n"
                "# TYPE fakejob_model_info gauge\nfakejob_model_info{model=\"",
                m->load_seconds);
        prom_label(f, fj_model_name(m->m));
        fputs("\"} 1\n", f);
        srv_model_release(m);
    }
    fprintf(f,
            "# HELP fakejob_model_reloads_total Model reloads (SIGHUP), by result.\n"
            "# TYPE fakejob_model_reloads_total counter\n"
            "fakejob_model_reloads_total{result=\"ok\"} %llu\n"
            "fakejob_model_reloads_total{result=\"failed\"} %llu\n"
            "# HELP fakejob_http_requests_in_flight Requests being answered.\n"
            "# TYPE fakejob_http_requests_in_flight gauge\nfakejob_http_requests_in_flight %lld\n"
            "# HELP fakejob_http_connections Open client connections.\n"
            "# TYPE fakejob_http_connections gauge\nfakejob_http_connections %lld\n"
            "# HELP fakejob_http_connections_refused_total Requests answered 503 because the "
            "connection cap was reached.\n"
            "# TYPE fakejob_http_connections_refused_total counter\n"
            "fakejob_http_connections_refused_total %llu\n"
            "# HELP fakejob_log_lines_dropped_total Log lines dropped because the log queue was "
            "full (its reader was not keeping up).\n"
            "# TYPE fakejob_log_lines_dropped_total counter\nfakejob_log_lines_dropped_total %llu\n"
            "# HELP fakejob_feedback_total Feedback labels stored.\n"
            "# TYPE fakejob_feedback_total counter\nfakejob_feedback_total %llu\n"
            "# HELP fakejob_start_time_seconds When the service started (epoch seconds).\n"
            "# TYPE fakejob_start_time_seconds gauge\nfakejob_start_time_seconds %lld\n",
            atomic_load(&mt->reloads_ok), atomic_load(&mt->reloads_failed),
            (long long)atomic_load(&mt->in_flight), (long long)atomic_load(&mt->connections),
            atomic_load(&mt->refused_connections), atomic_load(&mt->log_dropped),
            atomic_load(&mt->feedback), (long long)s->started);
    if (s->nworkers)
        fputs("# HELP fakejob_http_worker_connections Open client connections of each worker "
              "thread.\n# TYPE fakejob_http_worker_connections gauge\n",
              f);
    for (size_t w = 0; w < s->nworkers; w++)
        fprintf(f, "fakejob_http_worker_connections{worker=\"%zu\"} %ld\n", w,
                atomic_load(&s->worker_connections[w]));
    if (fclose(f) != 0 || !buf) {
        free(buf);
        fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        return;
    }
    set_body(rs, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}

/* ---- request bodies ---- */

typedef struct items {
    const char **ptr;
    size_t *len;
    long long *line;
    size_t n, cap;
    bool array, single;
} items;

static void items_free(items *it)
{
    free(it->ptr);
    free(it->len);
    free(it->line);
}

static bool items_add(items *it, const char *p, size_t len, long long line)
{
    if (it->n == it->cap) {
        size_t cap = it->cap ? it->cap * 2 : 8;
        const char **np = realloc(it->ptr, cap * sizeof *np);
        if (np)
            it->ptr = np;
        size_t *nl = realloc(it->len, cap * sizeof *nl);
        if (nl)
            it->len = nl;
        long long *nn = realloc(it->line, cap * sizeof *nn);
        if (nn)
            it->line = nn;
        if (!np || !nl || !nn)
            return false;
        it->cap = cap;
    }
    it->ptr[it->n] = p;
    it->len[it->n] = len;
    it->line[it->n] = line;
    it->n++;
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Split a JSON array into its elements' texts (each parsed later by the library, which reports
 * its own errors); only the array's brackets, commas and strings are looked at here. */
static fj_status split_array(const char *b, size_t n, size_t at, items *it, size_t max, fj_error *e)
{
    size_t i = at + 1;
    while (i < n && is_space(b[i]))
        i++;
    if (i < n && b[i] == ']') {
        i++;
        goto tail;
    }
    for (;;) {
        while (i < n && is_space(b[i]))
            i++;
        size_t start = i, depth = 0;
        bool in_str = false;
        for (; i < n; i++) {
            char c = b[i];
            if (in_str) {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    in_str = false;
            } else if (c == '"') {
                in_str = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0)
                    break;
                depth--;
            } else if (c == ',' && depth == 0) {
                break;
            }
        }
        if (i >= n) {
            e->status = FJ_ERR_INPUT;
            e->offset = (long long)n;
            snprintf(e->message, sizeof e->message,
                     "request body: the JSON array is not closed (at byte %zu)", n);
            return FJ_ERR_INPUT;
        }
        if (b[i] != ',' && b[i] != ']') {
            e->status = FJ_ERR_INPUT;
            e->offset = (long long)i;
            snprintf(e->message, sizeof e->message,
                     "request body: unexpected '%c' in the JSON array at byte %zu", b[i], i);
            return FJ_ERR_INPUT;
        }
        size_t end = i;
        while (end > start && is_space(b[end - 1]))
            end--;
        if (end == start) {
            e->status = FJ_ERR_INPUT;
            e->offset = (long long)start;
            snprintf(e->message, sizeof e->message,
                     "request body: an empty element in the JSON array at byte %zu", start);
            return FJ_ERR_INPUT;
        }
        if (it->n == max) {
            e->status = FJ_ERR_LIMIT;
            snprintf(e->message, sizeof e->message,
                     "request body: more than %zu postings in one request", max);
            return FJ_ERR_LIMIT;
        }
        if (!items_add(it, b + start, end - start, 0))
            return FJ_ERR_NOMEM;
        if (b[i++] == ']')
            break;
    }
tail:
    while (i < n && is_space(b[i]))
        i++;
    if (i < n) {
        e->status = FJ_ERR_INPUT;
        e->offset = (long long)i;
        snprintf(e->message, sizeof e->message,
                 "request body: text after the JSON array at byte %zu", i);
        return FJ_ERR_INPUT;
    }
    return FJ_OK;
}

/* The postings of a request body: a JSON array, or lines (one posting a line; a body of one
 * line sent as application/json is a single posting). */
static fj_status split_body(const srv_request *rq, bool json_type, size_t max, items *it,
                            fj_error *e)
{
    const char *b = rq->body ? rq->body : "";
    size_t n = rq->body_len, i = 0;
    while (i < n && is_space(b[i]))
        i++;
    if (i < n && b[i] == '[') {
        it->array = true;
        return split_array(b, n, i, it, max, e);
    }
    long long line = 0;
    for (size_t s = 0; s < n;) {
        const char *nl = memchr(b + s, '\n', n - s);
        size_t end = nl ? (size_t)(nl - b) : n;
        line++;
        size_t a = s, z = end;
        while (a < z && is_space(b[a]))
            a++;
        if (a < z) {
            if (it->n == max) {
                e->status = FJ_ERR_LIMIT;
                snprintf(e->message, sizeof e->message,
                         "request body: more than %zu postings in one request", max);
                return FJ_ERR_LIMIT;
            }
            if (!items_add(it, b + s, end - s, line))
                return FJ_ERR_NOMEM;
        }
        s = end + 1;
    }
    it->single = json_type && it->n == 1;
    return FJ_OK;
}

/* The HTTP status of a single posting's error result, from its "code". */
static int status_of_error_line(const char *line)
{
    const char *c = strstr(line, "\"error\":{\"code\":\"");
    if (!c)
        return 500;
    c += strlen("\"error\":{\"code\":\"");
    if (strncmp(c, "input\"", 6) == 0)
        return 400;
    if (strncmp(c, "limit\"", 6) == 0)
        return 413;
    return 500;
}

/* Join result lines as the response: one object, a JSON array, or JSONL as they are. */
static void answer_lines(srv_response *rs, const items *it, char *out, size_t len)
{
    if (it->single) {
        if (len && out[len - 1] == '\n')
            out[--len] = '\0';
        /* an error result: that key cannot appear unescaped inside a string of a result */
        bool err = strstr(out, "\"error\":{\"code\":\"") != NULL;
        set_body(rs, err ? status_of_error_line(out) : 200, JSON, out, len);
        return;
    }
    if (!it->array) {
        set_body(rs, 200, JSONL, out, len);
        return;
    }
    /* lines "a\nb\n" become "[a,b]": the same length plus one */
    char *arr = malloc(len + 3);
    if (!arr) {
        free(out);
        fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        return;
    }
    size_t k = 0;
    arr[k++] = '[';
    for (size_t i = 0; i < len; i++)
        arr[k++] = out[i] == '\n' ? (i + 1 < len ? ',' : ']') : out[i];
    if (len == 0)
        arr[k++] = ']';
    arr[k] = '\0';
    free(out);
    set_body(rs, 200, JSON, arr, k);
}

/* Count the verdicts of result lines in the metrics. A verdict key never appears unescaped
 * inside a string of a result, so the first one of a line is the result's own. */
static void count_verdicts(srv *s, const char *out, size_t len)
{
    for (const char *p = out, *end = out + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        const char *v = memmem(p, (size_t)(nl - p), ",\"verdict\":\"", 12);
        if (v) {
            char c = v[12];
            int k = c == 'f'   ? FJ_VERDICT_FRAUD
                    : c == 's' ? FJ_VERDICT_SUSPICIOUS
                               : FJ_VERDICT_LEGIT;
            atomic_fetch_add(&s->metrics.verdicts[k], 1);
        }
        p = nl + 1;
    }
}

static bool parse_postings(srv *s, const srv_request *rq, srv_response *rs, items *it)
{
    fj_error e;
    fj_error_clear(&e);
    bool json_type = rq->content_type && strncasecmp(rq->content_type, JSON, strlen(JSON)) == 0;
    fj_status st = split_body(rq, json_type, s->max_postings, it, &e);
    if (st == FJ_ERR_NOMEM) {
        fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        return false;
    }
    if (st != FJ_OK) {
        char *body = NULL;
        if (fj_error_result_to_json(NULL, &e, 0, &body, NULL) != FJ_OK) {
            fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
            return false;
        }
        set_body(rs, st == FJ_ERR_LIMIT ? 413 : 400, JSON, body, strlen(body));
        return false;
    }
    if (it->n == 0) {
        fail(rs, 400, FJ_ERR_INPUT,
             "request body: no posting (send a JSON object, an array or "
             "JSONL)");
        return false;
    }
    rs->postings = it->n;
    return true;
}

static void do_score(srv *s, const srv_request *rq, srv_response *rs)
{
    items it = {0};
    if (!parse_postings(s, rq, rs, &it)) {
        items_free(&it);
        return;
    }
    srv_model *m = srv_model_acquire(s);
    if (!m) {
        items_free(&it);
        fail(rs, 503, FJ_ERR_MODEL, "no model is loaded");
        return;
    }
    fj_batch_options bo;
    fj_batch_options_init(&bo);
    fj_context *ctx = rq->ctx;
    bo.threads = 1;
    bo.contexts = &ctx;
    bo.score = &s->score;
    bo.lines = it.array || it.single ? NULL : it.line;
    char *out = NULL;
    size_t len = 0, errors = 0;
    fj_error e;
    fj_error_clear(&e);
    if (s->history) {
        pthread_mutex_lock(&s->history_lock);
        bo.history = s->history;
    }
    fj_status st = fj_score_json_batch(m->m, it.ptr, it.len, it.n, &bo, &out, &len, &errors, &e);
    if (s->history)
        pthread_mutex_unlock(&s->history_lock);
    srv_model_release(m);
    if (st != FJ_OK) {
        items_free(&it);
        fail(rs, 500, st, "%s", e.message);
        return;
    }
    atomic_fetch_add(&s->metrics.postings, it.n - errors);
    atomic_fetch_add(&s->metrics.posting_errors, errors);
    count_verdicts(s, out, len);
    answer_lines(rs, &it, out, len);
    items_free(&it);
}

static void do_signals(srv *s, const srv_request *rq, srv_response *rs)
{
    items it = {0};
    if (!parse_postings(s, rq, rs, &it)) {
        items_free(&it);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fj_posting *p = NULL;
    fj_error e;
    if (!f || fj_posting_new(&p, &e) != FJ_OK) {
        if (f)
            fclose(f);
        free(buf);
        items_free(&it);
        fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        return;
    }
    fj_context_set_now(rq->ctx, 0); /* the wall clock (scoring fixes it per batch) */
    for (size_t i = 0; i < it.n; i++) {
        fj_error_clear(&e);
        fj_status st = fj_posting_parse_json(p, it.ptr[i], it.len[i], &e);
        fj_history_stats hs;
        if (st == FJ_OK && s->history) {
            pthread_mutex_lock(&s->history_lock);
            st = fj_history_query(s->history, rq->ctx, p, &hs, &e);
            pthread_mutex_unlock(&s->history_lock);
        }
        const fj_signal *sig = NULL;
        size_t n = 0;
        if (st == FJ_OK)
            st = fj_signals(rq->ctx, p, s->history ? &hs : NULL, &sig, &n, &e);
        if (st == FJ_OK) {
            cli_write_signals(f, p, fj_posting_detect_lang(p), sig, n);
        } else {
            if (e.status == FJ_OK)
                e.status = st;
            cli_write_error(f, fj_posting_string(p, FJ_FIELD_ID, NULL), &e, it.line[i]);
        }
    }
    fj_posting_free(p);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        items_free(&it);
        fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        return;
    }
    answer_lines(rs, &it, buf, len);
    items_free(&it);
}

/* One labelled posting appended to the feedback file, as one corpus line, and synced. */
static void do_feedback(srv *s, const srv_request *rq, srv_response *rs)
{
    if (s->feedback_fd < 0) {
        fail(rs, 404, FJ_ERR_ARGUMENT,
             "feedback is not enabled on this service (start it with --feedback FILE)");
        return;
    }
    fj_posting *p = NULL;
    fj_error e;
    fj_error_clear(&e);
    if (fj_posting_new(&p, &e) != FJ_OK) {
        fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        return;
    }
    char *line = NULL;
    fj_status st = fj_posting_parse_json(p, rq->body ? rq->body : "", rq->body_len, &e);
    if (st == FJ_OK && fj_posting_label(p) == FJ_LABEL_NONE) {
        st = FJ_ERR_INPUT;
        e.status = st;
        snprintf(e.field, sizeof e.field, "label");
        snprintf(e.message, sizeof e.message,
                 "feedback needs \"label\": \"fraud\" or \"legit\" beside the posting's fields");
    }
    if (st == FJ_OK)
        st = fj_posting_to_json(p, &line, &e);
    if (st != FJ_OK) {
        char *body = NULL;
        size_t idl = 0;
        const char *id = fj_posting_string(p, FJ_FIELD_ID, &idl);
        if (e.status == FJ_OK)
            e.status = st;
        if (fj_error_result_to_json(id, &e, 0, &body, NULL) == FJ_OK)
            set_body(rs,
                     st == FJ_ERR_LIMIT   ? 413
                     : st == FJ_ERR_NOMEM ? 500
                                          : 400,
                     JSON, body, strlen(body));
        else
            fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        fj_posting_free(p);
        return;
    }
    size_t n = strlen(line);
    line[n] = '\n'; /* replaces the NUL: written as n + 1 bytes */
    pthread_mutex_lock(&s->feedback_lock);
    bool ok = true;
    int saved = 0;
    for (size_t off = 0; ok && off < n + 1;) {
        ssize_t w = write(s->feedback_fd, line + off, n + 1 - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ok = false;
            saved = errno;
        } else
            off += (size_t)w;
    }
    if (ok && fsync(s->feedback_fd) != 0) {
        ok = false;
        saved = errno;
    }
    pthread_mutex_unlock(&s->feedback_lock);
    free(line);
    if (!ok) {
        fail(rs, 500, FJ_ERR_IO, "cannot write the feedback file %s: %s", s->feedback_path,
             strerror(saved));
    } else {
        atomic_fetch_add(&s->metrics.feedback, 1);
        set_static(rs, 201, JSON, "{\"stored\":true}");
    }
    fj_posting_free(p);
}

/* ---- routing ---- */

typedef struct route {
    const char *path;
    int endpoint;
    const char *methods; /* the Allow header */
    bool post, auth;
} route;

static const route routes[] = {
    {"/v1/score", EP_SCORE, "POST, OPTIONS", true, true},
    {"/v1/signals", EP_SIGNALS, "POST, OPTIONS", true, true},
    {"/v1/model", EP_MODEL, "GET, HEAD, OPTIONS", false, true},
    {"/v1/feedback", EP_FEEDBACK, "POST, OPTIONS", true, true},
    {"/healthz", EP_HEALTHZ, "GET, HEAD, OPTIONS", false, false},
    {"/readyz", EP_READYZ, "GET, HEAD, OPTIONS", false, false},
    {"/metrics", EP_METRICS, "GET, HEAD, OPTIONS", false, true},
    {"/", EP_PAGE, "GET, HEAD, OPTIONS", false, false},
    {"/index.html", EP_PAGE, "GET, HEAD, OPTIONS", false, false},
    {"/page.js", EP_PAGE, "GET, HEAD, OPTIONS", false, false},
};

static bool method_allowed(const route *r, const char *method)
{
    if (r->post)
        return strcmp(method, "POST") == 0;
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static bool authorized(const srv *s, const char *auth)
{
    if (s->nkeys == 0)
        return true;
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return false;
    const char *tok = auth + 7;
    while (*tok == ' ')
        tok++;
    unsigned char h[32];
    srv_sha256(tok, strlen(tok), h);
    /* every key is compared in full, whatever matched: the time does not depend on the keys */
    volatile unsigned char found = 0;
    for (size_t k = 0; k < s->nkeys; k++) {
        unsigned char d = 0;
        for (int i = 0; i < 32; i++)
            d |= h[i] ^ s->keys[k][i];
        found |= (unsigned char)(((unsigned)d - 1u) >> 8); /* 1 when d == 0 */
    }
    return found != 0;
}

static const char *allowed_origin(const srv *s, const char *origin)
{
    if (!origin)
        return NULL;
    for (size_t i = 0; i < s->ncors; i++)
        if (strcmp(s->cors[i], origin) == 0)
            return s->cors[i];
    return NULL;
}

static bool body_type_ok(const char *ct)
{
    static const char *const ok[] = {"application/json", "application/x-ndjson",
                                     "application/jsonl", "application/json-seq"};
    if (!ct)
        return false;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t n = strlen(ok[i]);
        if (strncasecmp(ct, ok[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

void srv_handle(srv *s, const srv_request *rq, srv_response *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->endpoint = EP_OTHER;
    const char *method = rq->method ? rq->method : "";
    const char *path = rq->path ? rq->path : "";
    const route *r = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(path, routes[i].path) == 0)
            r = &routes[i];
    if (!r) {
        fail(rs, 404, FJ_ERR_ARGUMENT, "no such endpoint (see docs/http.md)");
        return;
    }
    rs->endpoint = r->endpoint;
    rs->cors_origin = allowed_origin(s, rq->origin);
    if (strcmp(method, "OPTIONS") == 0) {
        rs->allow = r->methods;
        if (rq->origin && rq->acr_method) {
            /* a CORS preflight: only an allowed origin asking for a method of the route */
            if (!rs->cors_origin) {
                fail(rs, 403, FJ_ERR_ARGUMENT, "origin not allowed (see --cors-origin)");
                return;
            }
            if (!method_allowed(r, rq->acr_method)) {
                rs->cors_origin = NULL;
                fail(rs, 403, FJ_ERR_ARGUMENT, "method not allowed for this endpoint");
                return;
            }
            rs->preflight = true;
        }
        set_static(rs, 204, NULL, "");
        return;
    }
    if (!method_allowed(r, method)) {
        rs->allow = r->methods;
        fail(rs, 405, FJ_ERR_ARGUMENT, "method not allowed: %s takes %s",
             srv_endpoint_name(r->endpoint), r->post ? "POST" : "GET");
        return;
    }
    if (r->auth && !authorized(s, rq->authorization)) {
        rs->www_authenticate = true;
        fail(rs, 401, FJ_ERR_ARGUMENT,
             "missing or unknown API key (send Authorization: Bearer KEY)");
        return;
    }
    if (rq->body_too_large) {
        fail(rs, 413, FJ_ERR_LIMIT, "request body larger than %zu bytes", s->max_body);
        return;
    }
    if (r->post && !body_type_ok(rq->content_type)) {
        fail(rs, 415, FJ_ERR_INPUT,
             "unsupported content type: send application/json or application/x-ndjson");
        return;
    }
    switch (r->endpoint) {
    case EP_SCORE:
        do_score(s, rq, rs);
        return;
    case EP_SIGNALS:
        do_signals(s, rq, rs);
        return;
    case EP_FEEDBACK:
        do_feedback(s, rq, rs);
        return;
    case EP_MODEL: {
        srv_model *m = srv_model_acquire(s);
        if (!m) {
            fail(rs, 503, FJ_ERR_MODEL, "no model is loaded");
            return;
        }
        char *copy = strdup(m->info);
        srv_model_release(m);
        if (!copy)
            fail(rs, 500, FJ_ERR_NOMEM, "out of memory");
        else
            set_body(rs, 200, JSON, copy, strlen(copy));
        return;
    }
    case EP_HEALTHZ:
        set_static(rs, 200, JSON, "{\"status\":\"ok\"}");
        return;
    case EP_READYZ:
        if (atomic_load(&s->draining))
            set_static(rs, 503, JSON, "{\"status\":\"draining\"}");
        else if (!s->model)
            set_static(rs, 503, JSON, "{\"status\":\"no model\"}");
        else
            set_static(rs, 200, JSON, "{\"status\":\"ready\"}");
        return;
    case EP_METRICS:
        metrics_text(s, rs);
        return;
    default:
        rs->page = true;
        if (strcmp(path, "/page.js") == 0)
            set_static(rs, 200, "text/javascript; charset=utf-8", srv_page_js);
        else
            set_static(rs, 200, "text/html; charset=utf-8", srv_page_html);
        return;
    }
}
