/*
 * cmd_serve.c - `fakejob serve [OPTIONS]`: the HTTP scoring service (docs/http.md).
 *
 * libmicrohttpd with one daemon per worker thread, each running its own epoll loop (so a slow
 * client holds a connection slot but no thread), and one acceptor thread that hands each new
 * connection to the worker with the fewest (see "the acceptor" below). Each request is read whole
 * (up to --max-body bytes; a larger one is answered 413 without keeping its bytes), then answered
 * by srv_handle (serve_handler.c) with the calling thread's own fj_context. The main thread waits
 * for signals: SIGHUP loads the model again and swaps it in atomically (requests already running
 * finish on the model they started with; a bundle that does not load leaves the old model in
 * place and the reason is logged); SIGTERM or SIGINT stops accepting connections, lets the
 * requests in flight finish and exits 0.
 *
 * Standard error gets one JSON line per request (the access log: time, request id, method,
 * endpoint, status, sizes, duration, number of postings; never posting text, never the path of
 * an unknown route) and one per event (listening, reload, stop), all through the log queue
 * (serve_log.c), so that no worker waits on a slow reader of standard error.
 */
#define _GNU_SOURCE /* getrandom */
#include "cli.h"
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fakejob serve [OPTIONS]\n"
            "Serve the scoring API over HTTP (docs/http.md) and a page for people at /.\n\n"
            "  --listen HOST:PORT        address to listen on (default 127.0.0.1:8080; port 0:\n"
            "                            any free port; [::1]:PORT for IPv6)\n"
            "  --threads N               worker threads (default: one per CPU)\n"
            "  -m, --model DIR           the model bundle (default: the default model);\n"
            "                            SIGHUP loads it again\n"
            "  -H, --history DB          a repost history store shared by all workers\n"
            "  --api-keys FILE           accept only requests with Authorization: Bearer KEY,\n"
            "                            KEY's SHA-256 being a line of FILE (needed to listen\n"
            "                            beyond loopback)\n"
            "  --hash-key                read a key on standard input, print the line for\n"
            "                            --api-keys and exit\n"
            "  --cors-origin ORIGIN      allow browser calls from ORIGIN (repeatable), e.g.\n"
            "                            chrome-extension://ID; none by default\n"
            "  --feedback FILE           accept POST /v1/feedback, appending labelled postings\n"
            "                            to FILE (JSONL, synced to disk); off by default\n"
            "  --max-body BYTES          largest request body (default 8388608)\n"
            "  --max-postings N          most postings in one request (default 10000)\n"
            "  --max-connections N       open connections before answering 503 (default 512)\n"
            "  --timeout SECONDS         close a connection idle this long (default 15)\n"
            "  --request-timeout SECONDS close a connection whose body takes longer (default 30)\n"
            "  --drain-timeout SECONDS   longest wait for requests in flight on SIGTERM (30)\n"
            "  --threshold-fraud X, --threshold-suspicious Y, --reasons N   as for score\n"
            "  --prior P                 the fraud rate expected in this traffic (0 < P < 1):\n"
            "                            scores and thresholds move to it, as for score\n"
            "  -q, --quiet               no access log\n"
            "  -h, --help                this help\n\n"
            "Exit status: 0 stopped by SIGTERM/SIGINT, 2 bad usage, 3 cannot listen or open a\n"
            "file, 4 the model could not be loaded.\n");
}

/* The log queue's size: about 1,300 access-log lines, a tenth of a second of them at 10,000
 * requests a second, before lines are dropped while the log's reader is not reading. */
#define LOG_QUEUE_BYTES (256u << 10)

/* Each connection's memory (libmicrohttpd's pool: the request line and headers, the read
 * buffer a body passes through in pieces, the response's headers). libmicrohttpd clears the
 * pool between the requests of a keep-alive connection, so its size is paid on every request;
 * 16 KiB holds request headers of up to about 14 KiB (more: 431). */
#define CONNECTION_MEMORY (16u << 10)

typedef struct serve_args {
    const char *listen, *model, *history, *api_keys, *feedback;
    long threads, max_conn, timeout, req_timeout, drain_timeout;
    bool quiet;
} serve_args;

struct service;

/* One worker: a libmicrohttpd daemon with one epoll thread, fed connections by the acceptor. */
typedef struct worker {
    struct MHD_Daemon *d;
    struct service *sv;
    atomic_long *open; /* its connections: an element of srv.worker_connections */
} worker;

/* The service: the handler's state plus the front end's. */
typedef struct service {
    srv s;
    serve_args a;
    pthread_key_t ctx_key; /* each worker thread's thread_state */
    atomic_ullong next_id;
    unsigned id_prefix;
    worker *workers;
    unsigned next_worker;   /* the acceptor's round-robin start */
    int listen_fd, wake[2]; /* wake: a pipe that stops the acceptor */
    srv_log *log;           /* the log queue: every line to standard error goes through it */
} service;

/* Per request. */
typedef struct req_state {
    struct timespec start;
    char *body;
    size_t len, cap;
    bool too_large, answered;
    char id[72];
    const char *method;
    int status, endpoint;
    size_t in_len, out_len, postings;
} req_state;

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* One event line on standard error (through the log queue); `detail` is a JSON member list or
 * "". */
static void log_event(service *sv, const char *event, const char *detail)
{
    char ts[48], line[1024];
    srv_timestamp(ts, sizeof ts);
    int n = snprintf(line, sizeof line, "{\"ts\":\"%s\",\"event\":\"%s\"%s%s}\n", ts, event,
                     *detail ? "," : "", detail);
    if (n > 0 && (size_t)n < sizeof line)
        srv_log_line(sv->log, line, (size_t)n, true);
}

/* The line is built whole, then queued as one piece: pieces queued one by one could interleave
 * with the workers' access log. */
static void log_event_error(service *sv, const char *event, const char *what, const char *message)
{
    char ts[48];
    srv_timestamp(ts, sizeof ts);
    char *line = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&line, &len);
    if (mem) {
        fprintf(mem, "{\"ts\":\"%s\",\"event\":\"%s\",\"result\":\"%s\",\"error\":", ts, event,
                what);
        cli_json_string(mem, message, strlen(message));
        fputs("}\n", mem);
    }
    if (mem && fclose(mem) == 0 && line) {
        srv_log_line(sv->log, line, len, true);
    } else { /* no memory for the line: the event without its message */
        char bare[512];
        int n = snprintf(bare, sizeof bare, "{\"ts\":\"%s\",\"event\":\"%s\",\"result\":\"%s\"}\n",
                         ts, event, what);
        if (n > 0 && (size_t)n < sizeof bare)
            srv_log_line(sv->log, bare, (size_t)n, true);
    }
    free(line);
}

/* A small appender for the access-log line, which is made on every request: no printf. */
typedef struct line_buf {
    char *p, *end;
} line_buf;

static void put(line_buf *b, const char *s, size_t n)
{
    if (n > (size_t)(b->end - b->p))
        n = (size_t)(b->end - b->p);
    memcpy(b->p, s, n);
    b->p += n;
}

static void put_s(line_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* `v` in decimal, at least `width` digits */
static void put_u(line_buf *b, unsigned long long v, int width)
{
    char d[24];
    int n = 0;
    do {
        d[sizeof d - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < width);
    put(b, d + sizeof d - n, (size_t)n);
}

/* A client's X-Request-Id is echoed when it is 1-64 characters of [A-Za-z0-9._:-]; otherwise
 * one is made. */
static void request_id(service *sv, struct MHD_Connection *c, char *out, size_t len)
{
    const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
    if (given) {
        size_t n = strlen(given);
        bool ok = n > 0 && n <= 64;
        for (size_t i = 0; ok && i < n; i++) {
            char ch = given[i];
            ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '_' || ch == ':' || ch == '-';
        }
        if (ok) {
            snprintf(out, len, "%s", given);
            return;
        }
    }
    static const char hex[] = "0123456789abcdef";
    char made[32];
    line_buf b = {made, made + sizeof made};
    for (int k = 28; k >= 0; k -= 4)
        put(&b, &hex[(sv->id_prefix >> k) & 15], 1);
    put_s(&b, "-");
    put_u(&b, atomic_fetch_add(&sv->next_id, 1) + 1, 1);
    size_t n = (size_t)(b.p - made);
    if (n >= len)
        n = len - 1;
    memcpy(out, made, n);
    out[n] = '\0';
}

/* What each worker thread keeps for itself: its scoring context, and the access log's time of
 * day, formatted once a second. */
typedef struct thread_state {
    fj_context *ctx;
    time_t second;
    char day[24]; /* "2026-12-07T01:46:20" of `second` */
} thread_state;

static thread_state *thread_state_of(service *sv)
{
    thread_state *ts = pthread_getspecific(sv->ctx_key);
    if (ts)
        return ts;
    ts = calloc(1, sizeof *ts);
    if (!ts)
        return NULL;
    if (fj_context_new(&ts->ctx, NULL) != FJ_OK) {
        free(ts);
        return NULL;
    }
    ts->second = (time_t)-1;
    pthread_setspecific(sv->ctx_key, ts);
    return ts;
}

static fj_context *thread_context(service *sv)
{
    thread_state *ts = thread_state_of(sv);
    return ts ? ts->ctx : NULL;
}

static void thread_state_free(void *p)
{
    thread_state *ts = p;
    fj_context_free(ts->ctx);
    free(ts);
}

/* The access-log line of a finished request (docs/http.md, "Logs"); its length, 0 when it
 * does not fit. */
static size_t access_line(service *sv, const req_state *st, int status, double secs, bool closed,
                          char *out, size_t cap)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    thread_state *ts = thread_state_of(sv);
    char day[24];
    if (ts && ts->second == now.tv_sec) {
        memcpy(day, ts->day, sizeof day);
    } else {
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        snprintf(day, sizeof day, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (ts) {
            memcpy(ts->day, day, sizeof day);
            ts->second = now.tv_sec;
        }
    }
    const char *m = st->method;
    bool known = m && (strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 || strcmp(m, "HEAD") == 0 ||
                       strcmp(m, "OPTIONS") == 0);
    unsigned long long us = secs > 0 ? (unsigned long long)(secs * 1e6 + 0.5) : 0;
    line_buf b = {out, out + cap};
    put_s(&b, "{\"ts\":\"");
    put_s(&b, day);
    put_s(&b, ".");
    put_u(&b, (unsigned long long)(now.tv_nsec / 1000000), 3);
    put_s(&b, "Z\",\"id\":\"");
    put_s(&b, st->id); /* made here, or the client's checked to [A-Za-z0-9._:-] */
    put_s(&b, "\",\"method\":\"");
    put_s(&b, known ? m : "other");
    put_s(&b, "\",\"endpoint\":\"");
    put_s(&b, srv_endpoint_name(st->endpoint));
    put_s(&b, "\",\"status\":");
    put_u(&b, (unsigned long long)status, 1);
    put_s(&b, ",\"in\":");
    put_u(&b, st->in_len, 1);
    put_s(&b, ",\"out\":");
    put_u(&b, st->out_len, 1);
    put_s(&b, ",\"postings\":");
    put_u(&b, st->postings, 1);
    put_s(&b, ",\"ms\":");
    put_u(&b, us / 1000, 1);
    put_s(&b, ".");
    put_u(&b, us % 1000, 3);
    put_s(&b, closed ? ",\"closed\":true}\n" : "}\n");
    return b.p < b.end ? (size_t)(b.p - out) : 0;
}

static enum MHD_Result send_response(service *sv, struct MHD_Connection *c, req_state *st,
                                     srv_response *rs)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        rs->body_len, rs->body, rs->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (!r) {
        srv_response_free(rs);
        return MHD_NO;
    }
    rs->body = NULL; /* owned by the response now */
    if (rs->content_type)
        MHD_add_response_header(r, "Content-Type", rs->content_type);
    MHD_add_response_header(r, "X-Request-Id", st->id);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (rs->allow)
        MHD_add_response_header(r, "Allow", rs->allow);
    if (rs->www_authenticate)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (sv->s.ncors)
        MHD_add_response_header(r, "Vary", "Origin");
    if (rs->cors_origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", rs->cors_origin);
        MHD_add_response_header(r, "Access-Control-Expose-Headers", "X-Request-Id");
    }
    if (rs->preflight) {
        MHD_add_response_header(r, "Access-Control-Allow-Methods", rs->allow);
        MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, X-Request-Id");
        MHD_add_response_header(r, "Access-Control-Max-Age", "600");
    }
    if (rs->page) {
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
                                "connect-src 'self'; img-src 'none'; base-uri 'none'; "
                                "form-action 'none'; frame-ancestors 'none'");
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    }
    if (rs->status == 503)
        MHD_add_response_header(r, "Retry-After", "1");
    if (atomic_load(&sv->s.draining) || rs->status == 413 || rs->status == 503)
        MHD_add_response_header(r, "Connection", "close");
    st->status = rs->status;
    st->endpoint = rs->endpoint;
    st->out_len = rs->body_len;
    st->postings = rs->postings;
    st->answered = true;
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ok;
}

static void refuse(service *sv, struct MHD_Connection *c, req_state *st, int status, int ep,
                   fj_status code, const char *msg)
{
    fj_error e;
    fj_error_clear(&e);
    e.status = code;
    snprintf(e.message, sizeof e.message, "%s", msg);
    srv_response rs;
    memset(&rs, 0, sizeof rs);
    rs.status = status;
    rs.endpoint = ep;
    rs.content_type = "application/json";
    if (fj_error_result_to_json(NULL, &e, 0, &rs.body, NULL) != FJ_OK) {
        rs.body = (char *)"{}";
        rs.body_static = true;
    }
    rs.body_len = strlen(rs.body);
    send_response(sv, c, st, &rs);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    service *sv = cls;
    req_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        st->method = method;
        st->endpoint = EP_OTHER;
        request_id(sv, c, st->id, sizeof st->id);
        *con_cls = st;
        atomic_fetch_add(&sv->s.metrics.in_flight, 1);
        if (atomic_load(&sv->s.metrics.connections) > sv->a.max_conn) {
            atomic_fetch_add(&sv->s.metrics.refused_connections, 1);
            refuse(sv, c, st, 503, EP_OTHER, FJ_ERR_LIMIT,
                   "too many connections: try again shortly");
            return MHD_YES;
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno == 0 && *end == '\0' && n > sv->s.max_body)
                st->too_large = true; /* the body is never read: answered at once below */
        }
        if (!st->too_large)
            return MHD_YES;
    }
    if (st->answered) {
        *upload_size = 0; /* a refused request's body is dropped */
        return MHD_YES;
    }
    if (*upload_size) {
        if (elapsed(&st->start) > (double)sv->a.req_timeout)
            return MHD_NO; /* a body trickling in too slowly: close the connection */
        size_t n = *upload_size;
        *upload_size = 0;
        if (st->too_large || n > sv->s.max_body - st->len) {
            st->too_large = true;
            return MHD_YES;
        }
        if (st->len + n + 1 > st->cap) {
            size_t cap = st->cap ? st->cap : 4096;
            while (cap < st->len + n + 1)
                cap *= 2;
            char *b = realloc(st->body, cap);
            if (!b)
                return MHD_NO;
            st->body = b;
            st->cap = cap;
        }
        memcpy(st->body + st->len, upload, n);
        st->len += n;
        st->in_len = st->len;
        st->body[st->len] = '\0';
        return MHD_YES;
    }
    srv_request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.path = url;
    rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    rq.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    rq.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    rq.acr_method =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Access-Control-Request-Method");
    rq.body = st->body;
    rq.body_len = st->len;
    rq.body_too_large = st->too_large;
    rq.ctx = thread_context(sv);
    if (!rq.ctx) {
        refuse(sv, c, st, 500, EP_OTHER, FJ_ERR_NOMEM, "out of memory");
        return MHD_YES;
    }
    srv_response rs;
    srv_handle(&sv->s, &rq, &rs);
    free(st->body);
    st->body = NULL;
    st->len = st->cap = 0;
    return send_response(sv, c, st, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    service *sv = cls;
    req_state *st = *con_cls;
    if (!st)
        return;
    *con_cls = NULL;
    double secs = elapsed(&st->start);
    int status = st->answered ? st->status : 0; /* 0: closed before an answer */
    srv_count(&sv->s, st->endpoint, status, secs);
    if (!sv->a.quiet) {
        char line[512];
        size_t n = access_line(sv, st, status, secs, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK,
                               line, sizeof line);
        if (n) /* to the queue, never to the reader: no wait here */
            srv_log_line(sv->log, line, n, false);
    }
    atomic_fetch_sub(&sv->s.metrics.in_flight, 1);
    free(st->body);
    free(st);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    worker *w = cls;
    bool started = toe == MHD_CONNECTION_NOTIFY_STARTED;
    atomic_fetch_add(&w->sv->s.metrics.connections, started ? 1 : -1);
    if (!started)
        atomic_fetch_sub(w->open, 1); /* counted up by the acceptor as it hands it over */
}

/* ---- the acceptor ----
 *
 * One thread accepts every connection and hands it to the worker with the fewest open
 * connections (ties go round-robin). A keep-alive connection stays with its worker, so left to
 * libmicrohttpd's pool (whose threads race for the listening socket, one taking up to ten
 * waiting connections at once) a burst of connections, such as a client's pool opening, could
 * all land on one thread while the others idled, and their requests queued behind each other.
 *
 * A worker's count goes up as the acceptor hands it a connection and down when the worker
 * closes it: the worker learns of a new connection only when its thread next runs, so counting
 * at that point would show a burst's targets as still empty. A connection the worker cannot take
 * (out of memory) stays counted; it can only make that worker look busier than it is. */

static worker *pick_worker(service *sv)
{
    unsigned n = (unsigned)sv->a.threads, start = sv->next_worker++ % n;
    worker *best = &sv->workers[start];
    for (unsigned k = 1; k < n; k++) {
        worker *w = &sv->workers[(start + k) % n];
        if (atomic_load(w->open) < atomic_load(best->open))
            best = w;
    }
    return best;
}

static void *acceptor(void *arg)
{
    service *sv = arg;
    struct pollfd pf[2] = {{sv->listen_fd, POLLIN, 0}, {sv->wake[0], POLLIN, 0}};
    long cap = sv->a.max_conn + 64 * sv->a.threads;
    for (;;) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[1].revents)
            break;
        for (int k = 0; k < 64; k++) { /* the connections waiting, then poll again */
            struct sockaddr_storage sa;
            socklen_t sl = sizeof sa;
            int fd =
                accept4(sv->listen_fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    struct timespec nap = {0, 10 * 1000 * 1000}; /* out of descriptors */
                    nanosleep(&nap, NULL);
                }
                break;
            }
            long open = 0;
            for (long i = 0; i < sv->a.threads; i++)
                open += atomic_load(sv->workers[i].open);
            if (open >= cap) {
                close(fd); /* far past --max-connections: not even a 503 */
                continue;
            }
            worker *w = pick_worker(sv);
            atomic_fetch_add(w->open, 1);
            /* on failure libmicrohttpd has closed the socket and logged why */
            if (MHD_add_connection(w->d, fd, (struct sockaddr *)&sa, sl) != MHD_YES)
                atomic_fetch_sub(w->open, 1);
        }
    }
    return NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_event_error(cls, "http", "warning", msg);
}

/* ---- listening ---- */

static bool is_loopback(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)a;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    if (a->ss_family == AF_INET6) {
        const struct in6_addr *v6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(v6))
            return true;
        return IN6_IS_ADDR_V4MAPPED(v6) && v6->s6_addr[12] == 127;
    }
    return false;
}

/* Bind and listen on HOST:PORT ("[v6]:PORT" too). -1 with a message in `why`. */
static int open_listener(const char *spec, struct sockaddr_storage *bound, char *why, size_t wl)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host || !colon[1]) {
        snprintf(why, wl, "--listen takes HOST:PORT, not '%s'", spec);
        return -1;
    }
    size_t hl = (size_t)(colon - spec);
    const char *h = spec;
    if (h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    unsigned long long port;
    if (!cli_parse_ull(colon + 1, 0, 65535, &port)) {
        snprintf(why, wl, "--listen: '%s' is not a port number", colon + 1);
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char ps[8];
    snprintf(ps, sizeof ps, "%llu", port);
    int gai = getaddrinfo(host, ps, &hints, &res);
    if (gai != 0) {
        snprintf(why, wl, "--listen: cannot resolve '%s': %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(why, wl, "cannot listen on %s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    socklen_t sl = sizeof *bound;
    getsockname(fd, (struct sockaddr *)bound, &sl);
    return fd;
}

static void address_text(const struct sockaddr_storage *a, char *out, size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)a;
        inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof ip);
        port = ntohs(v4->sin_port);
        snprintf(out, len, "%s:%u", ip, port);
    } else {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)a;
        inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof ip);
        port = ntohs(v6->sin6_port);
        snprintf(out, len, "[%s]:%u", ip, port);
    }
}

/* ---- options ---- */

static int hash_key(void)
{
    char key[4096];
    if (!fgets(key, sizeof key, stdin)) {
        cli_warn("serve", "--hash-key reads the key on standard input");
        return CLI_USAGE;
    }
    size_t n = strcspn(key, "\r\n");
    if (n == 0) {
        cli_warn("serve", "--hash-key: the key is empty");
        return CLI_USAGE;
    }
    unsigned char h[32];
    srv_sha256(key, n, h);
    for (int i = 0; i < 32; i++)
        printf("%02x", h[i]);
    putchar('\n');
    return CLI_OK;
}

static bool long_opt(const char *name, const char *val, long lo, long hi, long *out)
{
    unsigned long long v;
    if (!cli_parse_ull(val, (unsigned long long)lo, (unsigned long long)hi, &v)) {
        cli_warn("serve", "%s takes a whole number from %ld to %ld, not '%s'", name, lo, hi, val);
        return false;
    }
    *out = (long)v;
    return true;
}

/* 0: parsed; -1: done (help, --hash-key) with *rc; otherwise the exit status. */
static int parse_args(int argc, char **argv, service *sv, int *rc)
{
    serve_args *a = &sv->a;
    srv *s = &sv->s;
    a->listen = "127.0.0.1:8080";
    a->threads = 0;
    a->max_conn = 512;
    a->timeout = 15;
    a->req_timeout = 30;
    a->drain_timeout = 30;
    s->cors = calloc((size_t)argc + 1, sizeof *s->cors);
    if (!s->cors)
        return CLI_FAIL;
    static const char *const takes[] = {"--listen",
                                        "--threads",
                                        "-m",
                                        "--model",
                                        "-H",
                                        "--history",
                                        "--api-keys",
                                        "--cors-origin",
                                        "--feedback",
                                        "--max-body",
                                        "--max-postings",
                                        "--max-connections",
                                        "--timeout",
                                        "--request-timeout",
                                        "--drain-timeout",
                                        "--threshold-fraud",
                                        "--threshold-suspicious",
                                        "--prior",
                                        "--reasons"};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = NULL;
        bool needs = false;
        for (size_t k = 0; k < sizeof takes / sizeof takes[0]; k++)
            needs = needs || strcmp(o, takes[k]) == 0;
        if (needs) {
            if (i + 1 >= argc) {
                cli_warn("serve", "%s needs a value", o);
                return CLI_USAGE;
            }
            v = argv[++i];
        }
        long n;
        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            usage(stdout);
            *rc = CLI_OK;
            return -1;
        } else if (strcmp(o, "--hash-key") == 0) {
            *rc = hash_key();
            return -1;
        } else if (strcmp(o, "--listen") == 0) {
            a->listen = v;
        } else if (strcmp(o, "--threads") == 0) {
            if (!long_opt(o, v, 0, 256, &a->threads))
                return CLI_USAGE;
        } else if (strcmp(o, "-m") == 0 || strcmp(o, "--model") == 0) {
            a->model = v;
        } else if (strcmp(o, "-H") == 0 || strcmp(o, "--history") == 0) {
            a->history = v;
        } else if (strcmp(o, "--api-keys") == 0) {
            a->api_keys = v;
        } else if (strcmp(o, "--cors-origin") == 0) {
            if (!*v || strchr(v, '\r') || strchr(v, '\n') || strcmp(v, "*") == 0) {
                cli_warn("serve", "--cors-origin takes one origin (scheme://host[:port]), not '%s'",
                         v);
                return CLI_USAGE;
            }
            s->cors[s->ncors++] = (char *)v;
        } else if (strcmp(o, "--feedback") == 0) {
            a->feedback = v;
        } else if (strcmp(o, "--max-body") == 0) {
            if (!long_opt(o, v, 1024, 1L << 30, &n))
                return CLI_USAGE;
            s->max_body = (size_t)n;
        } else if (strcmp(o, "--max-postings") == 0) {
            if (!long_opt(o, v, 1, 1000000, &n))
                return CLI_USAGE;
            s->max_postings = (size_t)n;
        } else if (strcmp(o, "--max-connections") == 0) {
            if (!long_opt(o, v, 1, 100000, &a->max_conn))
                return CLI_USAGE;
        } else if (strcmp(o, "--timeout") == 0) {
            if (!long_opt(o, v, 1, 3600, &a->timeout))
                return CLI_USAGE;
        } else if (strcmp(o, "--request-timeout") == 0) {
            if (!long_opt(o, v, 1, 3600, &a->req_timeout))
                return CLI_USAGE;
        } else if (strcmp(o, "--drain-timeout") == 0) {
            if (!long_opt(o, v, 0, 3600, &a->drain_timeout))
                return CLI_USAGE;
        } else if (strcmp(o, "--threshold-fraud") == 0 ||
                   strcmp(o, "--threshold-suspicious") == 0) {
            double d;
            if (!cli_parse_double(v, &d) || d < 0 || d > 1) {
                cli_warn("serve", "%s takes a number from 0 to 1, not '%s'", o, v);
                return CLI_USAGE;
            }
            *(strcmp(o, "--threshold-fraud") == 0 ? &s->score.threshold_fraud
                                                  : &s->score.threshold_suspicious) = d;
        } else if (strcmp(o, "--prior") == 0) {
            double d;
            if (!cli_parse_double(v, &d) || !(d > 0 && d < 1)) {
                cli_warn("serve",
                         "--prior takes a fraud rate between 0 and 1 (exclusive), not '%s'", v);
                return CLI_USAGE;
            }
            s->score.prior = d;
        } else if (strcmp(o, "--reasons") == 0) {
            if (!long_opt(o, v, 0, 100, &n))
                return CLI_USAGE;
            s->score.max_reasons = (size_t)n;
        } else if (strcmp(o, "-q") == 0 || strcmp(o, "--quiet") == 0) {
            a->quiet = true;
        } else {
            cli_warn("serve", "unknown option '%s' (see fakejob serve --help)", o);
            return CLI_USAGE;
        }
    }
    if (s->score.threshold_fraud >= 0 && s->score.threshold_suspicious > s->score.threshold_fraud) {
        cli_warn("serve", "--threshold-suspicious is above --threshold-fraud");
        return CLI_USAGE;
    }
    if (a->threads == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        a->threads = c < 1 ? 1 : c > 256 ? 256 : c;
    }
    return 0;
}

/* ---- the service ---- */

static void reload(service *sv)
{
    fj_error err;
    fj_error_clear(&err);
    srv_model *m = srv_model_load(sv->a.model, &sv->s, &err);
    if (!m) {
        atomic_fetch_add(&sv->s.metrics.reloads_failed, 1);
        log_event_error(sv, "reload", "failed (the previous model stays in service)", err.message);
        return;
    }
    char detail[512];
    snprintf(detail, sizeof detail, "\"result\":\"ok\",\"load_ms\":%.1f", m->load_seconds * 1e3);
    srv_model_swap(&sv->s, m);
    atomic_fetch_add(&sv->s.metrics.reloads_ok, 1);
    log_event(sv, "reload", detail);
}

static void stop_accepting(service *sv, pthread_t acc)
{
    char one = 1;
    while (write(sv->wake[1], &one, 1) < 0 && errno == EINTR)
        ;
    pthread_join(acc, NULL);
}

static void stop_workers(service *sv)
{
    for (long i = 0; sv->workers && i < sv->a.threads; i++)
        if (sv->workers[i].d)
            MHD_stop_daemon(sv->workers[i].d);
    free(sv->workers);
    sv->workers = NULL;
    free(sv->s.worker_connections);
    sv->s.worker_connections = NULL;
    sv->s.nworkers = 0;
}

int cmd_serve(int argc, char **argv)
{
    static service sv; /* large (metrics); one per process */
    memset(&sv, 0, sizeof sv);
    srv_init(&sv.s);
    int rc = CLI_OK;
    int pr = parse_args(argc, argv, &sv, &rc);
    if (pr != 0) {
        srv_destroy(&sv.s);
        return pr < 0 ? rc : pr;
    }
    char why[600];
    struct sockaddr_storage bound;
    memset(&bound, 0, sizeof bound);
    int lfd = -1;
    sv.wake[0] = sv.wake[1] = -1;
    pthread_t acc;
    bool accepting = false;
    if (sv.a.api_keys && !srv_load_keys(&sv.s, sv.a.api_keys, why, sizeof why)) {
        cli_warn("serve", "%s", why);
        rc = CLI_IO;
        goto out;
    }
    lfd = open_listener(sv.a.listen, &bound, why, sizeof why);
    if (lfd < 0) {
        cli_warn("serve", "%s", why);
        rc = strncmp(why, "--listen", 8) == 0 ? CLI_USAGE : CLI_IO;
        goto out;
    }
    if (!is_loopback(&bound) && sv.s.nkeys == 0) {
        cli_warn("serve", "listening on %s (beyond loopback) needs --api-keys FILE", sv.a.listen);
        rc = CLI_USAGE;
        goto out;
    }
    fj_error err;
    fj_error_clear(&err);
    srv_model *m = srv_model_load(sv.a.model, &sv.s, &err);
    if (!m) {
        cli_warn("serve", "%s", err.message);
        rc = CLI_MODEL;
        goto out;
    }
    srv_model_swap(&sv.s, m);
    if (sv.a.history && fj_history_open(&sv.s.history, sv.a.history, &err) != FJ_OK) {
        cli_warn("serve", "%s", err.message);
        rc = CLI_IO;
        goto out;
    }
    if (sv.a.feedback) {
        sv.s.feedback_path = sv.a.feedback;
        sv.s.feedback_fd = open(sv.a.feedback, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (sv.s.feedback_fd < 0) {
            cli_warn("serve", "cannot open the feedback file %s: %s", sv.a.feedback,
                     strerror(errno));
            rc = CLI_IO;
            goto out;
        }
    }
    if (getrandom(&sv.id_prefix, sizeof sv.id_prefix, GRND_NONBLOCK) != sizeof sv.id_prefix)
        sv.id_prefix = (unsigned)time(NULL) ^ (unsigned)getpid();
    pthread_key_create(&sv.ctx_key, thread_state_free);

    /* Signals are taken by this thread only (sigwait); the pool threads inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    /* from here on every line to standard error goes through the log queue (serve_log.c) */
    sv.log = srv_log_start(STDERR_FILENO, LOG_QUEUE_BYTES, &sv.s.metrics.log_dropped);

    /* one daemon a worker thread, each its own epoll loop; connections come from the acceptor */
    sv.workers = calloc((size_t)sv.a.threads, sizeof *sv.workers);
    sv.s.worker_connections = calloc((size_t)sv.a.threads, sizeof *sv.s.worker_connections);
    if (!sv.workers || !sv.s.worker_connections) {
        rc = CLI_FAIL;
        goto out;
    }
    sv.s.nworkers = (size_t)sv.a.threads;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET;
    for (long i = 0; i < sv.a.threads; i++) {
        worker *w = &sv.workers[i];
        w->sv = &sv;
        w->open = &sv.s.worker_connections[i];
        atomic_init(w->open, 0);
        w->d = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, &sv, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)(sv.a.max_conn + 64 * sv.a.threads), MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)sv.a.timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, &sv, MHD_OPTION_NOTIFY_CONNECTION,
            on_connection, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &sv, MHD_OPTION_END);
        if (!w->d) {
            cli_warn("serve", "the HTTP server could not start on %s", sv.a.listen);
            rc = CLI_IO;
            goto out;
        }
    }
    sv.listen_fd = lfd;
    int perr = pipe2(sv.wake, O_CLOEXEC) != 0 ? errno : pthread_create(&acc, NULL, acceptor, &sv);
    if (perr != 0) {
        cli_warn("serve", "cannot start the acceptor thread: %s", strerror(perr));
        rc = CLI_FAIL;
        goto out;
    }
    accepting = true;
    char addr[96], detail[400];
    address_text(&bound, addr, sizeof addr);
    srv_model *cur = srv_model_acquire(&sv.s);
    snprintf(detail, sizeof detail,
             "\"address\":\"%s\",\"url\":\"http://%s/\",\"threads\":%ld,\"load_ms\":%.1f", addr,
             addr, sv.a.threads, cur ? cur->load_seconds * 1e3 : 0.0);
    srv_model_release(cur);
    log_event(&sv, "listening", detail);

    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP)
            reload(&sv);
        else if (sig == SIGTERM || sig == SIGINT)
            break;
    }
    /* drain: no new connections, the requests in flight finish */
    atomic_store(&sv.s.draining, true);
    log_event(&sv, "draining", "");
    stop_accepting(&sv, acc);
    accepting = false;
    close(lfd); /* new connections are refused from here on */
    lfd = -1;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (atomic_load(&sv.s.metrics.in_flight) > 0 && elapsed(&t0) < (double)sv.a.drain_timeout) {
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    long long left = (long long)atomic_load(&sv.s.metrics.in_flight);
    stop_workers(&sv);
    snprintf(detail, sizeof detail, "\"unfinished\":%lld", left);
    log_event(&sv, "stopped", detail);
    pthread_key_delete(sv.ctx_key);
out:
    if (accepting)
        stop_accepting(&sv, acc);
    stop_workers(&sv);
    if (lfd >= 0)
        close(lfd);
    for (int i = 0; i < 2; i++)
        if (sv.wake[i] >= 0)
            close(sv.wake[i]);
    srv_log_stop(sv.log, 2.0); /* a reader that takes nothing for 2 s loses the last lines */
    srv_destroy(&sv.s);
    return rc;
}
