/*
 * serve.h - the pieces of `fakejob serve` (docs/http.md): the request handler, which knows
 * nothing of sockets (serve_handler.c: routing, authentication, CORS, body parsing, scoring,
 * signals, feedback, the model description and the metrics text), and the state it shares with
 * the HTTP front end (cmd_serve.c: libmicrohttpd, signals, reload, drain, access log), and the
 * log queue through which every line to standard error goes (serve_log.c).
 *
 * A request is handed to srv_handle() as an srv_request (method, path, the few headers that
 * matter, the whole body) and answered in an srv_response (status, content type, body, extra
 * headers). The fuzz target (fuzz/fuzz_serve.c) drives srv_handle() the same way.
 */
#ifndef FJ_SERVE_H
#define FJ_SERVE_H

#include "fakejob.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What each route is counted as in the metrics. */
enum {
    EP_SCORE = 0,
    EP_SIGNALS,
    EP_MODEL,
    EP_FEEDBACK,
    EP_HEALTHZ,
    EP_READYZ,
    EP_METRICS,
    EP_PAGE,
    EP_OTHER,
    EP_COUNT
};

/* The status codes counted one by one; anything else is counted as "other". */
#define SRV_CODES                                                                                  \
    {                                                                                              \
        200, 201, 204, 400, 401, 403, 404, 405, 413, 415, 500, 503                                 \
    }
#define SRV_NCODES 13 /* the list above and "other" */
#define SRV_NBUCKETS 12

/* A loaded model, shared by the requests that started while it was current. */
typedef struct srv_model {
    fj_model *m;
    atomic_int refs;
    char *info; /* the body of GET /v1/model */
    double load_seconds;
} srv_model;

typedef struct srv_metrics {
    atomic_ullong requests[EP_COUNT][SRV_NCODES];
    atomic_ullong latency[SRV_NBUCKETS + 1]; /* cumulative at read time; last: +Inf */
    atomic_ullong latency_sum_us, latency_count;
    atomic_ullong verdicts[3]; /* by fj_verdict */
    atomic_ullong postings, posting_errors;
    atomic_ullong reloads_ok, reloads_failed;
    atomic_ullong feedback;
    atomic_ullong refused_connections;
    atomic_ullong log_dropped; /* log lines dropped: the log queue was full */
    atomic_llong in_flight, connections;
} srv_metrics;

typedef struct srv {
    /* configuration (read-only once serving) */
    size_t max_body;     /* bytes of one request body */
    size_t max_postings; /* postings in one request */
    fj_score_options score;
    unsigned char (*keys)[32]; /* SHA-256 of each API key */
    size_t nkeys;
    char **cors; /* allowed origins */
    size_t ncors;
    const char *feedback_path;
    int feedback_fd; /* -1: feedback is off */
    pthread_mutex_t feedback_lock;
    fj_history *history; /* optional, one handle shared under history_lock */
    pthread_mutex_t history_lock;
    /* state */
    pthread_rwlock_t model_lock;
    srv_model *model;
    atomic_bool draining;
    srv_metrics metrics;
    atomic_long *worker_connections; /* open connections of each worker thread (owned by the
                                        front end), or NULL */
    size_t nworkers;
    int64_t started;
} srv;

/* One request as the handler sees it. Header values are NUL-terminated, NULL when absent. */
typedef struct srv_request {
    const char *method, *path;
    const char *content_type, *authorization, *origin,
        *acr_method; /* acr: preflight's
                         Access-Control-Request-Method */
    const char *body;
    size_t body_len;
    bool body_too_large; /* more than srv.max_body arrived: answered 413 */
    fj_context *ctx;     /* the calling thread's */
} srv_request;

typedef struct srv_response {
    int status;
    const char *content_type; /* static */
    char *body;               /* malloc'd (or static when body_static) */
    size_t body_len;
    bool body_static;
    const char *allow;       /* the Allow header (405 and OPTIONS), or NULL */
    const char *cors_origin; /* Access-Control-Allow-Origin, or NULL */
    bool preflight;          /* add the preflight's Allow-Methods/Headers/Max-Age */
    bool www_authenticate;   /* 401 */
    bool page;               /* the page's security headers */
    int endpoint;            /* EP_* for the metrics and the log */
    size_t postings;         /* postings in the request (log) */
} srv_response;

/* Set up `s` (zeroed first): no keys, no CORS, no feedback, no history, default limits. */
void srv_init(srv *s);
/* Release what srv_init and the caller attached (keys, origins, model, history, feedback). */
void srv_destroy(srv *s);

/* Load the model at `dir` (NULL: the default model) with its description for GET /v1/model.
 * NULL with `err` filled when it cannot be loaded. */
srv_model *srv_model_load(const char *dir, const srv *s, fj_error *err);
/* Make `m` the current model; the previous one is freed once its last request is done. */
void srv_model_swap(srv *s, srv_model *m);
srv_model *srv_model_acquire(srv *s);
void srv_model_release(srv_model *m);

/* Read an API key file (one SHA-256 hex digest a line; '#' comments and blank lines skipped).
 * false with a message in `why` (naming the file and line) on any defect. */
bool srv_load_keys(srv *s, const char *path, char *why, size_t why_len);
/* The SHA-256 of `len` bytes, for the key file and `fakejob serve --hash-key`. */
void srv_sha256(const void *data, size_t len, unsigned char out[32]);

/* Answer one request. Never fails: every problem is a response (4xx/5xx with an error object).
 * The caller frees rs->body unless rs->body_static. */
void srv_handle(srv *s, const srv_request *rq, srv_response *rs);
void srv_response_free(srv_response *rs);

/* Count a finished request in the metrics. */
void srv_count(srv *s, int endpoint, int status, double seconds);
/* The name of an endpoint for logs and metrics ("/v1/score"). */
const char *srv_endpoint_name(int endpoint);

/* The log queue (serve_log.c): lines are copied into a ring of `capacity` bytes and written to
 * `fd` by a logger thread, so that no request waits on a slow reader of the log. NULL when the
 * thread cannot start (lines are then written by the caller). */
typedef struct srv_log srv_log;
srv_log *srv_log_start(int fd, size_t capacity, atomic_ullong *dropped_total);
/* Queue one whole line (ending in '\n'); never waits for the reader. The logger writes it within
 * a few milliseconds, or at once when `now`. false, counted in `dropped_total` and reported in a
 * log_dropped event, when the queue has no room. */
bool srv_log_line(srv_log *l, const char *line, size_t len, bool now);
/* Write what is queued (waiting at most `seconds` for a reader that does not read), stop the
 * thread and free `l`; NULL-safe. */
void srv_log_stop(srv_log *l, double seconds);
/* The current UTC time as ISO 8601 with milliseconds ("2026-12-07T01:46:20.592Z"). */
void srv_timestamp(char *buf, size_t len);

/* The page at / and its script (serve_page_gen.c, generated from tools/serve_page.html and
 * tools/serve_page.js). */
extern const char srv_page_html[];
extern const char srv_page_js[];

#endif
