/*
 * score_bench.c - libfakejob's own scoring figures, through the public API only (fakejob.h).
 *
 *   score_bench [--model DIR] [--passes N] [--latency N] [--loads K] [--scores FILE] TEST.jsonl
 *
 * With no --model, the default model (fj_model_load_default: $FAKEJOB_MODEL, the source tree's
 * models/default from a build tree, or the installed one). Reads TEST (postings, one JSON object
 * a line) into memory, then measures:
 *   load_ms       fj_model_load, `loads` times (the first may read from disk; median reported,
 *                 the first as load_first_ms, the median CPU time as load_cpu_ms); RSS after the
 *                 load as rss_model_mb
 *   scores        with --scores, one line per posting: label (1 fraud, 0 legit, -1 none), score,
 *                 margin, verdict; the harness computes the quality figures from it
 *   tput_1core    postings/s of the whole pipeline on one thread, JSON in, result JSON out:
 *                 fj_posting_parse_json, fj_score, fj_result_to_json, `passes` times over TEST;
 *                 tput_1core_cpu: the same per second of the thread's CPU time (the figure
 *                 that holds on a busy machine)
 *   tput_batch1   the same through fj_score_json_batch with 1 thread
 *   tput_allcores fj_score_json_batch with one thread per online CPU (`cores`)
 *   lat_*_us      one posting at a time as a browser-extension backend sends it (model loaded,
 *                 context reused): parse, score, result JSON; `latency` calls cycling over TEST;
 *                 p50, p90, p99, max
 *   rss_mb        peak RSS of this process (getrusage) at the end
 * and prints them as one JSON object. No history store is used (hist = NULL): the history
 * benchmark (bench/history_bench.c) measures that cost.
 */
#include "fakejob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

typedef struct {
    char **text;
    size_t *len;
    size_t n, cap;
} lines_t;

static void die(const char *what, const fj_error *e)
{
    fprintf(stderr, "score_bench: %s: %s\n", what, e ? e->message : strerror(errno));
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory", NULL);
    return p;
}

static void read_lines(const char *path, lines_t *L)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        die(path, NULL);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, fp)) >= 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (got == 0)
            continue;
        if (L->n == L->cap) {
            L->cap = L->cap ? L->cap * 2 : 1024;
            L->text = realloc(L->text, L->cap * sizeof *L->text);
            L->len = realloc(L->len, L->cap * sizeof *L->len);
            if (!L->text || !L->len)
                die("out of memory", NULL);
        }
        L->text[L->n] = xmalloc((size_t)got + 1);
        memcpy(L->text[L->n], line, (size_t)got);
        L->text[L->n][got] = '\0';
        L->len[L->n++] = (size_t)got;
    }
    free(line);
    fclose(fp);
}

static double rss_now_mb(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    if (!fp)
        return -1.0;
    char buf[256];
    double kb = -1.0;
    while (fgets(buf, sizeof buf, fp))
        if (strncmp(buf, "VmRSS:", 6) == 0)
            kb = strtod(buf + 6, NULL);
    fclose(fp);
    return kb / 1024.0;
}

/* One posting, JSON in, result JSON out. Returns 0 when it scored, 1 when it gave an error
 * result (a malformed posting is part of the workload, not a failure of the benchmark). */
static int score_one(fj_context *ctx, const fj_model *m, fj_posting *p, const char *json,
                     size_t len, fj_result *r, size_t *out_bytes)
{
    fj_error e;
    char *out = NULL;
    int bad = 0;
    if (fj_posting_parse_json(p, json, len, &e) != FJ_OK ||
        fj_score(ctx, m, p, NULL, r, &e) != FJ_OK) {
        bad = 1;
        if (fj_error_result_to_json(NULL, &e, 0, &out, NULL) != FJ_OK)
            die("fj_error_result_to_json", NULL);
    } else if (fj_result_to_json(r, p, m, &out, &e) != FJ_OK)
        die("fj_result_to_json", &e);
    *out_bytes += strlen(out);
    free(out);
    return bad;
}

static void usage(void)
{
    fprintf(stderr, "usage: score_bench [--model DIR] [--passes N] [--latency N] [--loads K] "
                    "[--scores FILE] TEST.jsonl\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *model_dir = NULL, *scores_path = NULL, *path = NULL;
    int passes = 3, loads = 5;
    long nlat = 2000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--model") == 0 && i + 1 < argc)
            model_dir = argv[++i];
        else if (strcmp(a, "--passes") == 0 && i + 1 < argc)
            passes = atoi(argv[++i]);
        else if (strcmp(a, "--latency") == 0 && i + 1 < argc)
            nlat = atol(argv[++i]);
        else if (strcmp(a, "--loads") == 0 && i + 1 < argc)
            loads = atoi(argv[++i]);
        else if (strcmp(a, "--scores") == 0 && i + 1 < argc)
            scores_path = argv[++i];
        else if (a[0] == '-' && a[1])
            usage();
        else
            path = a;
    }
    if (!path || passes < 1 || loads < 1 || nlat < 1)
        usage();

    fj_error e;
    fj_model *m = NULL;
    double *load_ms = xmalloc((size_t)loads * sizeof *load_ms);
    double *load_cpu_ms = xmalloc((size_t)loads * sizeof *load_cpu_ms);
    for (int i = 0; i < loads; i++) {
        fj_model_free(m);
        m = NULL;
        double t = now_s(), c = cpu_s();
        fj_status st = model_dir ? fj_model_load(&m, model_dir, &e) : fj_model_load_default(&m, &e);
        load_ms[i] = (now_s() - t) * 1e3;
        load_cpu_ms[i] = (cpu_s() - c) * 1e3;
        if (st != FJ_OK)
            die("loading the model", &e);
    }
    double load_first = load_ms[0];
    qsort(load_ms, (size_t)loads, sizeof *load_ms, cmp_double);
    qsort(load_cpu_ms, (size_t)loads, sizeof *load_cpu_ms, cmp_double);
    double rss_model = rss_now_mb();

    lines_t L = {0};
    read_lines(path, &L);
    if (L.n == 0) {
        fprintf(stderr, "score_bench: %s: no postings\n", path);
        return 1;
    }

    fj_context *ctx;
    fj_posting *p;
    if (fj_context_new(&ctx, &e) != FJ_OK)
        die("fj_context_new", &e);
    if (fj_posting_new(&p, &e) != FJ_OK)
        die("fj_posting_new", &e);
    fj_result r;
    size_t out_bytes = 0, errors = 0;

    /* scores for the quality figures (also warms caches and the context's buffers) */
    FILE *sf = scores_path ? fopen(scores_path, "w") : NULL;
    if (scores_path && !sf)
        die(scores_path, NULL);
    for (size_t i = 0; i < L.n; i++) {
        if (fj_posting_parse_json(p, L.text[i], L.len[i], &e) != FJ_OK ||
            fj_score(ctx, m, p, NULL, &r, &e) != FJ_OK) {
            fprintf(stderr, "score_bench: %s line %zu: %s\n", path, i + 1, e.message);
            errors++;
            continue;
        }
        if (sf) {
            fj_label lab = fj_posting_label(p);
            fprintf(sf, "%d\t%.17g\t%.17g\t%s\n",
                    lab == FJ_LABEL_FRAUD   ? 1
                    : lab == FJ_LABEL_LEGIT ? 0
                                            : -1,
                    r.score, r.margin, fj_verdict_name(r.verdict));
        }
    }
    if (sf)
        fclose(sf);

    /* one thread, JSON in, result JSON out */
    double t0 = now_s(), c0 = cpu_s();
    for (int pass = 0; pass < passes; pass++)
        for (size_t i = 0; i < L.n; i++)
            score_one(ctx, m, p, L.text[i], L.len[i], &r, &out_bytes);
    double tput1 = (double)L.n * passes / (now_s() - t0);
    double tput1_cpu = (double)L.n * passes / (cpu_s() - c0);

    /* the batch API: one thread, then one per CPU */
    size_t total = L.n * (size_t)passes;
    const char **texts = xmalloc(total * sizeof *texts);
    size_t *lens = xmalloc(total * sizeof *lens);
    for (size_t i = 0; i < total; i++) {
        texts[i] = L.text[i % L.n];
        lens[i] = L.len[i % L.n];
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    double tput_batch[2];
    for (int k = 0; k < 2; k++) {
        fj_batch_options bo;
        fj_batch_options_init(&bo);
        bo.threads = k == 0 ? 1 : (int)ncpu;
        char *out = NULL;
        size_t nerr = 0;
        double t = now_s();
        if (fj_score_json_batch(m, texts, lens, total, &bo, &out, NULL, &nerr, &e) != FJ_OK)
            die("fj_score_json_batch", &e);
        tput_batch[k] = (double)total / (now_s() - t);
        free(out);
    }

    /* latency: one posting at a time */
    double *lat = xmalloc((size_t)nlat * sizeof *lat);
    double *lat_cpu = xmalloc((size_t)nlat * sizeof *lat_cpu);
    for (long i = 0; i < nlat; i++) {
        size_t j = (size_t)i % L.n;
        double t = now_s(), c = cpu_s();
        score_one(ctx, m, p, L.text[j], L.len[j], &r, &out_bytes);
        lat[i] = (now_s() - t) * 1e6;
        lat_cpu[i] = (cpu_s() - c) * 1e6;
    }
    qsort(lat, (size_t)nlat, sizeof *lat, cmp_double);
    qsort(lat_cpu, (size_t)nlat, sizeof *lat_cpu, cmp_double);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"system\":\"libfakejob\",\"model\":\"%s\",\"bench_n\":%zu,\"passes\":%d,"
           "\"errors\":%zu,\"load_ms\":%.3f,\"load_first_ms\":%.3f,\"load_min_ms\":%.3f,"
           "\"load_cpu_ms\":%.3f,"
           "\"rss_model_mb\":%.2f,\"tput_1core\":%.3f,\"tput_1core_cpu\":%.3f,"
           "\"tput_batch1\":%.3f,\"tput_allcores\":%.3f,\"cores\":%ld,\"lat_n\":%ld,"
           "\"lat_p50_us\":%.3f,\"lat_p90_us\":%.3f,\"lat_p99_us\":%.3f,\"lat_max_us\":%.3f,"
           "\"lat_cpu_p50_us\":%.3f,\"lat_cpu_p99_us\":%.3f,\"rss_mb\":%.2f}\n",
           fj_model_name(m), L.n, passes, errors, pct(load_ms, (size_t)loads, 50), load_first,
           load_ms[0], pct(load_cpu_ms, (size_t)loads, 50), rss_model, tput1, tput1_cpu,
           tput_batch[0], tput_batch[1], ncpu, nlat, pct(lat, (size_t)nlat, 50),
           pct(lat, (size_t)nlat, 90), pct(lat, (size_t)nlat, 99), lat[nlat - 1],
           pct(lat_cpu, (size_t)nlat, 50), pct(lat_cpu, (size_t)nlat, 99),
           (double)ru.ru_maxrss / 1024.0);

    free(lat);
    free(lat_cpu);
    free(texts);
    free(lens);
    free(load_ms);
    free(load_cpu_ms);
    for (size_t i = 0; i < L.n; i++)
        free(L.text[i]);
    free(L.text);
    free(L.len);
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
    return 0;
}
