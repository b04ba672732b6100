/*
 * serve_log.c - the log queue of `fakejob serve` (serve.h): the threads that answer requests
 * never write to standard error themselves, so a reader that is slow or has stopped (a full
 * pipe, a stuck log collector) cannot hold up a request. Each log line is copied into a bounded
 * ring of bytes; one logger thread writes what is queued to the descriptor, several lines a
 * write. A line that finds no room is dropped and counted (the metrics' counter, and a
 * {"event":"log_dropped","lines":N} line written as soon as the reader takes lines again).
 *
 * The threads that queue a line wake the logger only when the queue was empty (once a batch,
 * not once a line): it then waits a few milliseconds for the lines that follow and writes what
 * has gathered, so that the access log costs one write for many requests, and an idle service's
 * logger sleeps without waking. Events (rare) and a queue a quarter full are written at once.
 */
#define _GNU_SOURCE /* memrchr */
#include "serve.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long the logger gathers lines after the first, and the most it writes at once (a pipe's
 * atomic size, so that a write after poll() said the pipe has room does not wait). */
#define LOOK_NS (10 * 1000 * 1000)
#define CHUNK 4096

struct srv_log {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int fd;
    char *ring;
    size_t cap, head, len; /* the queued bytes: [head, head + len) modulo cap */
    atomic_bool stopping;
    double stop_deadline;         /* CLOCK_MONOTONIC seconds: give up on a stuck reader after it */
    atomic_ullong *dropped_total; /* the metric */
    unsigned long long unreported;
    bool urgent; /* an event or a quarter-full queue: write without gathering */
};

static double mono_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void srv_timestamp(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* Write all of buf; false when the descriptor fails, or once stopping, stays full past the
 * deadline. The logger waits for room in poll() (never in a write that a pipe could not take
 * whole), so that a reader stuck at shutdown holds the exit up for the deadline only. */
static bool write_all(srv_log *l, const char *buf, size_t n)
{
    while (n > 0) {
        struct pollfd pf = {l->fd, POLLOUT, 0};
        int r = poll(&pf, 1, 100);
        if (r < 0 && errno != EINTR)
            return false;
        if (r <= 0) {
            if (atomic_load(&l->stopping) && mono_seconds() > l->stop_deadline)
                return false;
            continue;
        }
        ssize_t w = write(l->fd, buf, n);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

static void *logger(void *arg)
{
    srv_log *l = arg;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        if (l->len == 0) {
            while (l->len == 0 && !atomic_load(&l->stopping))
                pthread_cond_wait(&l->wake, &l->lock);
            if (l->len == 0)
                break; /* stopping, and everything written */
            /* the first line after a quiet spell: gather the ones that follow it */
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += LOOK_NS;
            if (until.tv_nsec >= 1000000000) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000;
            }
            while (!l->urgent && !atomic_load(&l->stopping))
                if (pthread_cond_timedwait(&l->wake, &l->lock, &until) == ETIMEDOUT)
                    break;
        }
        l->urgent = false;
        size_t n = l->len, first = l->cap - l->head;
        if (n > first)
            n = first;
        if (n > CHUNK)
            n = CHUNK;
        const char *p = l->ring + l->head;
        const char *nl = memrchr(p, '\n', n); /* whole lines, so that a report goes between */
        if (nl)
            n = (size_t)(nl - p) + 1;
        bool whole = p[n - 1] == '\n';
        pthread_mutex_unlock(&l->lock);
        /* [head, head + n) is the logger's alone until head moves: writers add after it */
        bool ok = write_all(l, p, n);
        pthread_mutex_lock(&l->lock);
        if (!ok) /* a reader stuck at exit, or a descriptor that fails: the rest is lost */
            n = l->len;
        l->head = (l->head + n) % l->cap;
        l->len -= n;
        if (!ok)
            break;
        if (l->unreported && whole) {
            char line[160], ts[48];
            unsigned long long k = l->unreported;
            l->unreported = 0;
            pthread_mutex_unlock(&l->lock);
            srv_timestamp(ts, sizeof ts);
            int m = snprintf(line, sizeof line,
                             "{\"ts\":\"%s\",\"event\":\"log_dropped\",\"lines\":%llu}\n", ts, k);
            write_all(l, line, (size_t)m);
            pthread_mutex_lock(&l->lock);
        }
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

srv_log *srv_log_start(int fd, size_t capacity, atomic_ullong *dropped_total)
{
    srv_log *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->ring = malloc(capacity);
    l->cap = capacity;
    l->fd = fd;
    l->dropped_total = dropped_total;
    pthread_mutex_init(&l->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (!l->ring || pthread_create(&l->thread, NULL, logger, l) != 0) {
        pthread_mutex_destroy(&l->lock);
        pthread_cond_destroy(&l->wake);
        free(l->ring);
        free(l);
        return NULL;
    }
    return l;
}

bool srv_log_line(srv_log *l, const char *line, size_t len, bool now)
{
    if (!l) { /* no logger thread (it could not start): written here */
        fwrite(line, 1, len, stderr);
        return true;
    }
    pthread_mutex_lock(&l->lock);
    bool fits = len <= l->cap - l->len && !atomic_load(&l->stopping);
    if (fits) {
        size_t tail = (l->head + l->len) % l->cap, first = l->cap - tail;
        if (first > len)
            first = len;
        memcpy(l->ring + tail, line, first);
        memcpy(l->ring, line + first, len - first);
        bool quarter = l->len < l->cap / 4 && l->len + len >= l->cap / 4;
        bool was_empty = l->len == 0;
        l->len += len;
        if (now || quarter)
            l->urgent = true;
        if (now || quarter || was_empty)
            pthread_cond_signal(&l->wake);
    } else {
        l->unreported++;
        if (l->dropped_total)
            atomic_fetch_add(l->dropped_total, 1);
    }
    pthread_mutex_unlock(&l->lock);
    return fits;
}

void srv_log_stop(srv_log *l, double seconds)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stop_deadline = mono_seconds() + seconds;
    atomic_store(&l->stopping, true);
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    free(l->ring);
    free(l);
}
