/*
 * test_threads.c - one model shared by 8 threads gives exactly the results of one thread.
 *
 * A small model is trained from hand-written postings (robust_data.h), saved and loaded; then
 * every posting is scored (and tokenized, and its signals extracted) by one thread, and again
 * by 8 threads at once, each with its own context, in different orders, several rounds each:
 * every result must be identical to the last bit. Also: batch scoring with 8 threads against 1,
 * 8 threads loading the same bundle at once, and 2 threads training at once (training is
 * deterministic, so both models must score alike). Each case is also scored by a model trained
 * with the dictionary-free Han segmentation (FJ_SEG_HAN_UNIGRAM), in the same contexts, between
 * the dictionary model's calls.
 *
 * A plain C program rather than a Criterion suite, so that it runs under ThreadSanitizer
 * (Criterion's runner cannot start under TSan: Criterion issue #274); tests/tsan.sh runs it
 * there. Exit status 0 when every check holds, 1 otherwise.
 */
#include "robust_data.h"

#include "core/fj_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { THREADS = 8, ROUNDS = 4 };

static int failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            pthread_mutex_lock(&fail_lock);                                                        \
            failures++;                                                                            \
            fprintf(stderr, "FAIL (line %d): ", __LINE__);                                         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            pthread_mutex_unlock(&fail_lock);                                                      \
        }                                                                                          \
    } while (0)

#define NOW 1767225600 /* 2026-01-01: the same clock for every context */

/* The cases: every hand-written posting, with no history and with some repost history. */
#define NPOST (ROBUST_TRAIN_COUNT + ROBUST_PROBE_COUNT)
#define NCASE (2 * NPOST)
static fj_posting *posts[NPOST];
static const fj_history_stats reposted = {4, 3, NOW - 90 * 86400, NOW - 86400};

static const fj_model *shared;
static fj_model *shared_uni; /* trained with FJ_SEG_HAN_UNIGRAM */
static char *reference[NCASE];
static pthread_barrier_t start_line;

/* Everything a caller can observe about one case, as text; NULL on failure (reported). */
static char *observe(fj_context *ctx, const fj_model *m, size_t c)
{
    const fj_posting *p = posts[c % NPOST];
    const fj_history_stats *h = c < NPOST ? NULL : &reposted;
    fj_buf b = {0};
    fj_error err;
    fj_result r;
    if (fj_score(ctx, m, p, h, &r, &err) != FJ_OK) {
        CHECK(0, "case %zu: fj_score: %s", c, err.message);
        return NULL;
    }
    fj__buf_printf(&b, "score %.17g margin %.17g verdict %d lang %d reasons %zu/%d\n", r.score,
                   r.margin, (int)r.verdict, (int)r.lang, r.reason_count, r.reasons_available);
    for (size_t i = 0; i < r.reason_count; i++) {
        fj__buf_printf(&b, "  %s %.17g ", r.reasons[i].signal, r.reasons[i].weight);
        fj__buf_append(&b, r.reasons[i].evidence ? r.reasons[i].evidence : "-",
                       r.reasons[i].evidence ? r.reasons[i].evidence_len : 1);
        fj__buf_append(&b, "\n", 1);
    }
    /* r's reasons belong to the context until its next call: printed above, before this one */
    fj_result ru;
    if (fj_score(ctx, shared_uni, p, h, &ru, &err) != FJ_OK) {
        CHECK(0, "case %zu: fj_score, han-unigram model: %s", c, err.message);
        fj__buf_free(&b);
        return NULL;
    }
    fj__buf_printf(&b, "han-unigram score %.17g margin %.17g reasons %zu\n", ru.score, ru.margin,
                   ru.reason_count);
    const fj_signal *sig;
    size_t ns;
    if (fj_signals(ctx, p, h, &sig, &ns, &err) != FJ_OK) {
        CHECK(0, "case %zu: fj_signals: %s", c, err.message);
        fj__buf_free(&b);
        return NULL;
    }
    for (size_t i = 0; i < ns; i++) {
        fj__buf_printf(&b, "signal %s %.17g %d ", sig[i].name, sig[i].value, sig[i].field);
        if (sig[i].evidence)
            fj__buf_append(&b, sig[i].evidence, sig[i].evidence_len);
        fj__buf_append(&b, "\n", 1);
    }
    const fj_token *tok;
    size_t nt;
    if (fj_tokenize_posting(ctx, p, &tok, &nt, &err) != FJ_OK) {
        CHECK(0, "case %zu: fj_tokenize_posting: %s", c, err.message);
        fj__buf_free(&b);
        return NULL;
    }
    for (size_t i = 0; i < nt; i++)
        fj__buf_printf(&b, "%s/%u/%u-%u ", tok[i].text, tok[i].kind, tok[i].start, tok[i].end);
    return b.data;
}

static fj_context *new_context(void)
{
    fj_context *ctx = NULL;
    fj_error err;
    if (fj_context_new(&ctx, &err) != FJ_OK) {
        fprintf(stderr, "fj_context_new: %s\n", err.message);
        exit(1);
    }
    fj_context_set_now(ctx, NOW);
    return ctx;
}

static void *worker(void *arg)
{
    size_t t = (size_t)(uintptr_t)arg;
    fj_context *ctx = new_context();
    pthread_barrier_wait(&start_line);
    for (int round = 0; round < ROUNDS; round++)
        for (size_t k = 0; k < NCASE; k++) {
            /* each thread walks the cases from its own starting point, odd threads backwards */
            size_t c = (t % 2 ? NCASE - 1 - k : k);
            c = (c + t * 7 + (size_t)round * 3) % NCASE;
            char *got = observe(ctx, shared, c);
            CHECK(got && strcmp(got, reference[c]) == 0,
                  "thread %zu round %d case %zu differs from one thread:\n%s\n--- vs ---\n%s", t,
                  round, c, got ? got : "(failed)", reference[c]);
            free(got);
        }
    fj_context_free(ctx);
    return NULL;
}

static void run_threads(void *(*fn)(void *), int n)
{
    pthread_t th[THREADS];
    for (int t = 0; t < n; t++)
        if (pthread_create(&th[t], NULL, fn, (void *)(uintptr_t)t) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(1);
        }
    for (int t = 0; t < n; t++)
        pthread_join(th[t], NULL);
}

/* ---- 8 threads loading one bundle at once ---- */

static char bundle_dir[64];

static void *loader(void *arg)
{
    (void)arg;
    fj_model *m = NULL;
    fj_error err;
    pthread_barrier_wait(&start_line);
    if (fj_model_load(&m, bundle_dir, &err) != FJ_OK) {
        CHECK(0, "concurrent fj_model_load: %s", err.message);
        return NULL;
    }
    fj_context *ctx = new_context();
    for (size_t c = 0; c < NCASE; c += 3) {
        char *got = observe(ctx, m, c);
        CHECK(got && strcmp(got, reference[c]) == 0, "a model loaded concurrently differs");
        free(got);
    }
    fj_context_free(ctx);
    fj_model_free(m);
    return NULL;
}

/* ---- 2 threads training at once ---- */

static fj_model *trained[2];

static void *trainer(void *arg)
{
    size_t t = (size_t)(uintptr_t)arg;
    fj_error err;
    pthread_barrier_wait(&start_line);
    if (robust_train(&trained[t], 1, &err) != FJ_OK)
        CHECK(0, "concurrent fj_train: %s", err.message);
    return NULL;
}

/* ---- batch scoring ---- */

static char *batch(const fj_model *m, int threads)
{
    const char *texts[NPOST];
    size_t lens[NPOST];
    for (size_t i = 0; i < NPOST; i++) {
        texts[i] = i < ROBUST_TRAIN_COUNT ? robust_train_json[i]
                                          : robust_probe_json[i - ROBUST_TRAIN_COUNT];
        lens[i] = strlen(texts[i]);
    }
    fj_batch_options bo;
    fj_batch_options_init(&bo);
    bo.threads = threads;
    bo.now = NOW;
    char *out = NULL;
    size_t errors = 0;
    fj_error err;
    if (fj_score_json_batch(m, texts, lens, NPOST, &bo, &out, NULL, &errors, &err) != FJ_OK) {
        CHECK(0, "fj_score_json_batch with %d threads: %s", threads, err.message);
        return NULL;
    }
    CHECK(errors == 0, "batch with %d threads: %zu error results", threads, errors);
    return out;
}

int main(void)
{
    fj_error err;
    for (size_t i = 0; i < NPOST; i++) {
        const char *j = i < ROBUST_TRAIN_COUNT ? robust_train_json[i]
                                               : robust_probe_json[i - ROBUST_TRAIN_COUNT];
        if (fj_posting_new(&posts[i], &err) != FJ_OK ||
            fj_posting_parse_json(posts[i], j, strlen(j), &err) != FJ_OK) {
            fprintf(stderr, "posting %zu: %s\n", i, err.message);
            return 1;
        }
    }
    fj_model *m = NULL;
    if (robust_train(&m, 1, &err) != FJ_OK) {
        fprintf(stderr, "training: %s\n", err.message);
        return 1;
    }
    if (robust_train_seg(&shared_uni, 1, FJ_SEG_HAN_UNIGRAM, &err) != FJ_OK) {
        fprintf(stderr, "training, han-unigram: %s\n", err.message);
        return 1;
    }
    snprintf(bundle_dir, sizeof bundle_dir, "/tmp/fj-threads.XXXXXX");
    if (!mkdtemp(bundle_dir) || fj_model_save(m, bundle_dir, &err) != FJ_OK) {
        fprintf(stderr, "saving: %s\n", err.message);
        return 1;
    }
    fj_model *loaded = NULL;
    if (fj_model_load(&loaded, bundle_dir, &err) != FJ_OK) {
        fprintf(stderr, "loading: %s\n", err.message);
        return 1;
    }
    shared = loaded;

    /* one thread */
    fj_context *ctx = new_context();
    for (size_t c = 0; c < NCASE; c++) {
        reference[c] = observe(ctx, shared, c);
        if (!reference[c])
            return 1;
    }
    fj_context_free(ctx);

    /* eight threads at once, one shared model */
    pthread_barrier_init(&start_line, NULL, THREADS);
    run_threads(worker, THREADS);
    printf("8 threads x %d rounds x %d cases: %s\n", ROUNDS, (int)NCASE,
           failures ? "DIFFERENCES" : "identical to one thread");

    /* eight threads loading the same bundle at once */
    run_threads(loader, THREADS);
    pthread_barrier_destroy(&start_line);

    /* batch scoring: 8 worker threads give the same JSONL as 1 */
    char *one = batch(shared, 1), *eight = batch(shared, THREADS);
    CHECK(one && eight && strcmp(one, eight) == 0, "batch output differs: 1 thread:\n%s\n8:\n%s",
          one ? one : "-", eight ? eight : "-");
    free(one);
    free(eight);

    /* two trainings at once give the same model as training alone */
    pthread_barrier_init(&start_line, NULL, 2);
    run_threads(trainer, 2);
    pthread_barrier_destroy(&start_line);
    ctx = new_context();
    for (int t = 0; t < 2; t++) {
        if (!trained[t])
            continue;
        for (size_t c = 0; c < NCASE; c++) {
            char *a = observe(ctx, trained[t], c), *b = observe(ctx, m, c);
            CHECK(a && b && strcmp(a, b) == 0, "a model trained concurrently differs (case %zu)",
                  c);
            free(a);
            free(b);
        }
        fj_model_free(trained[t]);
    }
    fj_context_free(ctx);

    for (size_t c = 0; c < NCASE; c++)
        free(reference[c]);
    for (size_t i = 0; i < NPOST; i++)
        fj_posting_free(posts[i]);
    fj_model_free(m);
    fj_model_free(loaded);
    fj_model_free(shared_uni);
    char path[256];
    const char *names[] = {"manifest.json", "zh", "en", "all"};
    for (size_t i = 0; i < 4; i++) {
        const char *suffix[] = {".calibration.json", ".features.tsv", ".weights.tsv", ".svm.model"};
        if (i == 0) {
            snprintf(path, sizeof path, "%s/%s", bundle_dir, names[0]);
            unlink(path);
            continue;
        }
        for (size_t k = 0; k < 4; k++) {
            snprintf(path, sizeof path, "%s/%s%s", bundle_dir, names[i], suffix[k]);
            unlink(path);
        }
    }
    rmdir(bundle_dir);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
