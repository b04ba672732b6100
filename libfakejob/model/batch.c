/*
 * batch.c - score many postings at once on several threads, and the result serializer shared by
 * the CLI and the bindings.
 *
 * Reads postings as JSON texts (one object each, the posting format of README.md) and writes one
 * result line per posting, in input order (JSONL, each line ending in '\n'):
 *
 *   {"id":"zh-001","lang":"zh","score":0.93,"verdict":"fraud","margin":1.71,
 *    "reasons":[{"signal":"upfront_fee","label":"要求求职者付费 / Asks the applicant to pay",
 *                "weight":0.82,"evidence":"…","field":"description","start":12,"end":45}],
 *    "flags":["upfront_fee"],"model":"fakejob 1.0.0"}
 *
 * or, for a posting that could not be read or scored, an error result that never stops the batch:
 *
 *   {"id":"zh-002","error":{"code":"input","message":"…","field":"posted_at","line":7}}
 *
 * Numbers are written in the shortest form that reads back to the same double. Each worker
 * thread has its own fj_context (a fresh one, or one the caller keeps warm between batches) and
 * posting, and shares the immutable model; workers take postings in small chunks from an atomic
 * counter and append their result lines to a private buffer, and the lines are gathered in
 * input order at the end. With a history store the postings are first
 * observed one after the other in input order on the calling thread (a store handle is
 * single-threaded), then scored in parallel with the statistics recorded for each.
 */
#include "core/json.h"
#include "model/model.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH_CHUNK 8 /* postings a worker takes at a time */
#define BATCH_MAX_THREADS 256

/* ---- serializer ---- */

static void put_id(fj_jw *w, const char *id, size_t len)
{
    fj__jw_key(w, "id");
    fj__jw_string(w, id, len); /* null when the posting has no id */
}

/* "signal", "label", "weight" of a reason. */
static void put_reason_head(fj_jw *w, const fj_reason *rs)
{
    fj__jw_key(w, "signal");
    fj__jw_cstring(w, rs->signal ? rs->signal : "");
    fj__jw_key(w, "label");
    fj__jw_cstring(
        w, rs->label ? rs->label
                     : fj_reason_label(rs->signal ? rs->signal : "", rs->weight > 0, FJ_LANG_AUTO));
    fj__jw_key(w, "weight");
    fj__jw_double(w, rs->weight);
}

static bool result_json(fj_buf *b, const fj_result *r, const fj_posting *p, const fj_model *m)
{
    size_t id_len = 0;
    const char *id = p ? fj_posting_string(p, FJ_FIELD_ID, &id_len) : NULL;
    const char *verdict = fj_verdict_name(r->verdict);
    fj_jw w;
    fj__jw_init(&w, b);
    fj__jw_object(&w);
    put_id(&w, id, id_len);
    fj__jw_key(&w, "lang");
    fj__jw_cstring(&w, fj_lang_name(r->lang));
    fj__jw_key(&w, "score");
    fj__jw_double(&w, r->score);
    fj__jw_key(&w, "verdict");
    fj__jw_cstring(&w, verdict ? verdict : "legit");
    fj__jw_key(&w, "margin");
    fj__jw_double(&w, r->margin);
    fj__jw_key(&w, "reasons");
    fj__jw_array(&w);
    for (size_t i = 0; i < r->reason_count; i++) {
        const fj_reason *rs = &r->reasons[i];
        fj__jw_object(&w);
        put_reason_head(&w, rs);
        if (rs->missing_count) {
            fj__jw_key(&w, "missing");
            fj__jw_array(&w);
            for (size_t k = 0; k < rs->missing_count; k++) {
                fj__jw_object(&w);
                put_reason_head(&w, &rs->missing[k]);
                fj__jw_end(&w);
            }
            fj__jw_end(&w);
        }
        if (rs->evidence) {
            fj__jw_key(&w, "evidence");
            fj__jw_string(&w, rs->evidence, rs->evidence_len);
            const char *field = fj_field_name((fj_field)rs->field);
            if (field) {
                fj__jw_key(&w, "field");
                fj__jw_cstring(&w, field);
                fj__jw_key(&w, "start");
                fj__jw_int(&w, (long long)rs->start);
                fj__jw_key(&w, "end");
                fj__jw_int(&w, (long long)rs->end);
            }
        }
        fj__jw_end(&w);
    }
    fj__jw_end(&w);
    fj__jw_key(&w, "flags");
    fj__jw_array(&w);
    for (size_t i = 0; i < r->flag_count; i++)
        fj__jw_cstring(&w, r->flags[i]);
    fj__jw_end(&w);
    if (!r->reasons_available) {
        fj__jw_key(&w, "reasons_available");
        fj__jw_bool(&w, false);
    }
    const char *name = m ? fj_model_name(m) : NULL;
    if (name) {
        fj__jw_key(&w, "model");
        fj__jw_cstring(&w, name);
    }
    fj__jw_end(&w);
    return w.ok;
}

static bool error_json(fj_buf *b, const char *id, size_t id_len, const fj_error *e, long long line)
{
    const char *msg = e ? e->message : "unknown error";
    fj_jw w;
    fj__jw_init(&w, b);
    fj__jw_object(&w);
    put_id(&w, id, id_len);
    fj__jw_key(&w, "error");
    fj__jw_object(&w);
    fj__jw_key(&w, "code");
    fj__jw_cstring(&w, fj_status_name(e ? e->status : FJ_ERR_INTERNAL));
    fj__jw_key(&w, "message");
    fj__jw_string(&w, msg, strnlen(msg, sizeof e->message));
    if (e && e->field[0]) {
        fj__jw_key(&w, "field");
        fj__jw_string(&w, e->field, strnlen(e->field, sizeof e->field));
    }
    if (e && e->offset >= 0) {
        fj__jw_key(&w, "offset");
        fj__jw_int(&w, e->offset);
    }
    if (line > 0) {
        fj__jw_key(&w, "line");
        fj__jw_int(&w, line);
    }
    fj__jw_end(&w);
    fj__jw_end(&w);
    return w.ok;
}

static fj_status take_buf(fj_buf *b, bool ok, char **out, fj_error *err)
{
    if (!ok) {
        fj__buf_free(b);
        return fj__nomem(err);
    }
    *out = b->data;
    return FJ_OK;
}

fj_status fj_result_to_json(const fj_result *r, const fj_posting *p, const fj_model *m, char **out,
                            fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_result_to_json: out is NULL");
    *out = NULL;
    if (!r)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_result_to_json: result is NULL");
    fj_buf b = {0};
    return take_buf(&b, result_json(&b, r, p, m), out, err);
}

fj_status fj_error_result_to_json(const char *id, const fj_error *e, long long line, char **out,
                                  fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_error_result_to_json: out is NULL");
    *out = NULL;
    fj_buf b = {0};
    return take_buf(&b, error_json(&b, id, id ? strlen(id) : 0, e, line), out, err);
}

/* ---- batch ---- */

void fj_batch_options_init(fj_batch_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
}

typedef struct item_out {
    uint32_t worker;
    size_t off, len;
} item_out;

typedef struct hist_failure {
    size_t index;
    fj_error err;
} hist_failure;

typedef struct batch batch;

typedef struct worker {
    batch *b;
    fj_context *ctx;
    fj_posting *p;
    fj_buf out;
    uint32_t index;
    bool failed; /* out of memory while writing results */
    size_t errors;
    pthread_t tid;
    bool started;
} worker;

struct batch {
    const fj_model *m;
    const char *const *postings;
    const size_t *lens;
    size_t n;
    const fj_batch_options *o;
    int64_t now;
    item_out *items;
    /* with a history store: the statistics of each posting (valid when observed[i]) */
    fj_history_stats *stats;
    unsigned char *observed;
    hist_failure *hfail;
    size_t nhfail;
    atomic_size_t next;
};

/* The "id" of a posting that failed to parse, when it is a string without NUL bytes. */
static void guess_id(const char *json, size_t len, fj_buf *id, bool *have)
{
    *have = false;
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!root)
        return;
    json_t *v = json_is_object(root) ? json_object_get(root, "id") : NULL;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (memchr(s, '\0', n) == NULL && fj__utf8_check(s, n, true) >= 0) {
            id->len = 0;
            *have = fj__buf_append(id, s, n);
        }
    }
    json_decref(root);
}

static const hist_failure *find_hist_failure(const batch *b, size_t i)
{
    size_t lo = 0, hi = b->nhfail; /* recorded in increasing index order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->hfail[mid].index == i)
            return &b->hfail[mid];
        if (b->hfail[mid].index < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void prefix_source(const batch *b, size_t i, fj_error *e)
{
    long long line = b->o && b->o->lines ? b->o->lines[i] : -1;
    if (line > 0)
        fj_error_locate(e, b->o->source, line);
}

/* Score posting i and append its result line to w->out. false only when out of memory. */
static bool score_one(worker *w, size_t i, fj_buf *idbuf)
{
    batch *b = w->b;
    fj_error e;
    fj_error_clear(&e);
    fj_result r;
    const fj_history_stats *hist = NULL;
    const hist_failure *hf = NULL;
    fj_status st;
    const char *json = b->postings[i];
    size_t len = b->lens[i];

    if (!json && len) {
        fj_posting_clear(w->p); /* no id of an earlier posting in its error result */
        st = fj__errorf(&e, FJ_ERR_ARGUMENT, "posting %zu is NULL", i);
    } else
        st = fj_posting_parse_json(w->p, json ? json : "", len, &e);
    if (st == FJ_OK && b->stats) {
        if (b->observed[i])
            hist = &b->stats[i];
        else if ((hf = find_hist_failure(b, i)) != NULL)
            e = hf->err, st = e.status;
    }
    if (st == FJ_OK)
        st = fj_score_with(w->ctx, b->m, w->p, hist, b->o ? b->o->score : NULL, &r, &e);

    size_t start = w->out.len;
    bool ok;
    if (st == FJ_OK) {
        ok = result_json(&w->out, &r, w->p, b->m);
    } else {
        w->errors++;
        if (e.status == FJ_OK)
            e.status = st;
        prefix_source(b, i, &e);
        size_t id_len = 0;
        const char *id = fj_posting_string(w->p, FJ_FIELD_ID, &id_len);
        if (!id && json && len) {
            bool have;
            guess_id(json, len, idbuf, &have);
            if (have)
                id = idbuf->data, id_len = idbuf->len;
        }
        ok = error_json(&w->out, id, id_len, &e, e.line);
    }
    ok = ok && fj__buf_append(&w->out, "\n", 1);
    if (!ok)
        return false;
    b->items[i].worker = w->index;
    b->items[i].off = start;
    b->items[i].len = w->out.len - start;
    return true;
}

static void *work(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    fj_buf idbuf = {0};
    for (;;) {
        size_t first = atomic_fetch_add(&b->next, BATCH_CHUNK);
        if (first >= b->n)
            break;
        size_t end = b->n - first < BATCH_CHUNK ? b->n : first + BATCH_CHUNK;
        for (size_t i = first; i < end; i++)
            if (!score_one(w, i, &idbuf)) {
                w->failed = true;
                atomic_store(&b->next, b->n); /* stop the others too */
                fj__buf_free(&idbuf);
                return NULL;
            }
    }
    fj__buf_free(&idbuf);
    return NULL;
}

/* Observe every readable posting in input order; record the statistics or the failure. */
static fj_status observe_all(batch *b, worker *w, fj_error *err)
{
    size_t cap = 0;
    for (size_t i = 0; i < b->n; i++) {
        fj_error e;
        fj_error_clear(&e);
        if (!b->postings[i] && b->lens[i])
            continue;
        if (fj_posting_parse_json(w->p, b->postings[i] ? b->postings[i] : "", b->lens[i], &e) !=
            FJ_OK)
            continue; /* reported again (the same way) when it is scored */
        if (fj_history_observe(b->o->history, w->ctx, w->p, &b->stats[i], &e) == FJ_OK) {
            b->observed[i] = 1;
            continue;
        }
        if (e.status == FJ_ERR_NOMEM)
            return fj__nomem(err);
        if (b->nhfail == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            hist_failure *nf = realloc(b->hfail, ncap * sizeof *nf);
            if (!nf)
                return fj__nomem(err);
            b->hfail = nf;
            cap = ncap;
        }
        b->hfail[b->nhfail].index = i;
        b->hfail[b->nhfail].err = e;
        b->nhfail++;
    }
    return FJ_OK;
}

static int online_cpus(void)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c < 1 ? 1 : c > BATCH_MAX_THREADS ? BATCH_MAX_THREADS : (int)c;
}

fj_status fj_score_json_batch(const fj_model *m, const char *const *postings, const size_t *lens,
                              size_t n, const fj_batch_options *opts, char **out, size_t *out_len,
                              size_t *errors, fj_error *err)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (errors)
        *errors = 0;
    if (!m || !out || (n && (!postings || !lens)))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_score_json_batch: %s is NULL",
                          !m          ? "model"
                          : !out      ? "out"
                          : !postings ? "postings"
                                      : "lens");
    if (opts && opts->threads < 0)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_score_json_batch: threads is %d (< 0)",
                          opts->threads);
    if (opts && opts->contexts) {
        if (opts->threads <= 0)
            return fj__errorf(err, FJ_ERR_ARGUMENT,
                              "fj_score_json_batch: contexts given but threads is %d (it must "
                              "be their number)",
                              opts->threads);
        for (int t = 0; t < opts->threads; t++)
            if (!opts->contexts[t])
                return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_score_json_batch: contexts[%d] is NULL",
                                  t);
    }
    if (n > SIZE_MAX / sizeof(item_out) || n > SIZE_MAX / sizeof(fj_history_stats))
        return fj__errorf(err, FJ_ERR_LIMIT, "fj_score_json_batch: %zu postings is too many", n);

    int nthreads = opts && opts->threads > 0 ? opts->threads : online_cpus();
    if (nthreads > BATCH_MAX_THREADS)
        nthreads = BATCH_MAX_THREADS;
    size_t chunks = (n + BATCH_CHUNK - 1) / BATCH_CHUNK;
    if ((size_t)nthreads > chunks)
        nthreads = chunks ? (int)chunks : 1;

    batch b = {0};
    b.m = m;
    b.postings = postings;
    b.lens = lens;
    b.n = n;
    b.o = opts;
    b.now = opts && opts->now ? opts->now : (int64_t)time(NULL);
    atomic_init(&b.next, 0);

    fj_status st = FJ_OK;
    worker *w = calloc((size_t)nthreads, sizeof *w);
    b.items = calloc(n ? n : 1, sizeof *b.items);
    if (!w || !b.items) {
        st = fj__nomem(err);
        goto done;
    }
    for (int t = 0; t < nthreads; t++) {
        w[t].b = &b;
        w[t].index = (uint32_t)t;
        if (opts && opts->contexts)
            w[t].ctx = opts->contexts[t];
        else if ((st = fj_context_new(&w[t].ctx, err)) != FJ_OK)
            goto done;
        if ((st = fj_posting_new(&w[t].p, err)) != FJ_OK)
            goto done;
        fj_context_set_now(w[t].ctx, b.now);
    }

    if (opts && opts->history && n) {
        b.stats = calloc(n, sizeof *b.stats);
        b.observed = calloc(n, 1);
        if (!b.stats || !b.observed) {
            st = fj__nomem(err);
            goto done;
        }
        if ((st = observe_all(&b, &w[0], err)) != FJ_OK)
            goto done;
    }

    /* The calling thread is worker 0; a thread that cannot be started leaves its share to the
     * others. */
    for (int t = 1; t < nthreads; t++)
        w[t].started = pthread_create(&w[t].tid, NULL, work, &w[t]) == 0;
    work(&w[0]);
    for (int t = 1; t < nthreads; t++)
        if (w[t].started)
            pthread_join(w[t].tid, NULL);

    size_t total = 0, nerr = 0;
    for (int t = 0; t < nthreads; t++) {
        if (w[t].failed) {
            st = fj__nomem(err);
            goto done;
        }
        total += w[t].out.len;
        nerr += w[t].errors;
    }
    char *text = malloc(total + 1);
    if (!text) {
        st = fj__nomem(err);
        goto done;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const item_out *it = &b.items[i];
        memcpy(text + at, w[it->worker].out.data + it->off, it->len);
        at += it->len;
    }
    text[at] = '\0';
    *out = text;
    if (out_len)
        *out_len = at;
    if (errors)
        *errors = nerr;

done:
    if (w)
        for (int t = 0; t < nthreads; t++) {
            fj_posting_free(w[t].p);
            if (!(opts && opts->contexts))
                fj_context_free(w[t].ctx);
            fj__buf_free(&w[t].out);
        }
    free(w);
    free(b.items);
    free(b.stats);
    free(b.observed);
    free(b.hfail);
    return st;
}
