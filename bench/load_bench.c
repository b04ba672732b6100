/*
 * load_bench.c - how long loading a model takes, and what it is made of.
 *
 *   load_bench [--model DIR] [--runs N]
 *
 * With no --model, the default model (fj_model_load_default). In one run, each figure the
 * median of N (default 21) repetitions, wall-clock and CPU milliseconds:
 *   bin_ms         fj_model_load: the binary form (PART.model.bin mapped, checked, used in place)
 *   text_ms        the same bundle from its text files (fj__model_load_text: what a bundle
 *                  without the binary form costs, and what loading cost before it existed)
 *   ratio          text_ms / bin_ms
 *   hash64_ms      the 64-bit checksum (fj__hash64) over the bundle's binary files, which
 *                  loading verifies, and sha256_ms, SHA-256 over the same bytes, which it does not
 *   first_zh_ms, first_en_ms   fj_score of a first posting in a fresh context (what a one-posting
 *                  run pays after the load: ICU's break iterators and the Traditional to
 *                  Simplified transliterator are opened on first use), next_zh_ms the same
 *                  posting again
 * Output: one JSON object. The library's private interface (model.h) is used for the text-only
 * load and the hashes: this is a benchmark tool, not an example of the API.
 */
#include "model/model.h"

#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char zh_post[] =
    "{\"title\":\"在家兼職打字員\",\"description\":\"日結300，入職前需繳納培訓費198元，加QQ:"
    "12345678\",\"company\":\"某某公司\"}";
static const char en_post[] =
    "{\"title\":\"Data entry from home\",\"description\":\"Earn $500/week, no experience. Pay a "
    "$50 registration fee and text us on WhatsApp.\",\"telecommuting\":true}";

static void die(const char *what, const fj_error *e)
{
    fprintf(stderr, "load_bench: %s: %s\n", what, e ? e->message : "");
    exit(1);
}

typedef struct fig {
    double wall, cpu;
} fig;

static int cmp_fig(const void *a, const void *b)
{
    return cmp_double(&((const fig *)a)->wall, &((const fig *)b)->wall);
}

/* Median of `runs` loads (by wall time; CPU time is sorted separately). */
static fig load_median(const char *dir, int text, int runs)
{
    fig *f = malloc((size_t)runs * sizeof *f);
    double *c = malloc((size_t)runs * sizeof *c);
    if (!f || !c)
        die("out of memory", NULL);
    for (int i = 0; i < runs; i++) {
        fj_model *m = NULL;
        fj_error e;
        double t = now_s(), u = cpu_s();
        fj_status st = text ? fj__model_load_text(&m, dir, &e)
                            : (dir ? fj_model_load(&m, dir, &e) : fj_model_load_default(&m, &e));
        f[i].cpu = c[i] = (cpu_s() - u) * 1e3;
        f[i].wall = (now_s() - t) * 1e3;
        if (st != FJ_OK)
            die("loading the model", &e);
        fj_model_free(m);
    }
    qsort(f, (size_t)runs, sizeof *f, cmp_fig);
    qsort(c, (size_t)runs, sizeof *c, cmp_double);
    fig r = {f[runs / 2].wall, c[runs / 2]};
    free(f);
    free(c);
    return r;
}

static double first_score(const fj_model *m, const char *json, double *again)
{
    fj_context *ctx = NULL;
    fj_posting *p = NULL;
    fj_error e;
    if (fj_context_new(&ctx, &e) != FJ_OK || fj_posting_new(&p, &e) != FJ_OK ||
        fj_posting_parse_json(p, json, strlen(json), &e) != FJ_OK)
        die("setting up", &e);
    fj_result r;
    double t = cpu_s();
    if (fj_score(ctx, m, p, NULL, &r, &e) != FJ_OK)
        die("scoring", &e);
    double first = (cpu_s() - t) * 1e3;
    t = cpu_s();
    if (fj_score(ctx, m, p, NULL, &r, &e) != FJ_OK)
        die("scoring", &e);
    if (again)
        *again = (cpu_s() - t) * 1e3;
    fj_posting_free(p);
    fj_context_free(ctx);
    return first;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int runs = 21;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: load_bench [--model DIR] [--runs N]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    fj_model *m = NULL;
    fj_error e;
    if ((dir ? fj_model_load(&m, dir, &e) : fj_model_load_default(&m, &e)) != FJ_OK)
        die("loading the model", &e);
    /* the folder the default model came from: its parts remember it */
    const char *folder = dir ? dir : m->part[0].svm_src;
    if (!folder)
        die("the model does not say which folder it came from", NULL);
    char *where = strdup(folder);
    int binary = 1;
    size_t bin_bytes = 0;
    for (int i = 0; i < m->nparts; i++) {
        binary &= m->part[i].map != NULL;
        bin_bytes += m->part[i].map_len;
    }
    /* the checksums over the binary files' bytes, as mapped */
    double hash_ms = 0, sha_ms = 0;
    if (binary) {
        double t = cpu_s();
        uint64_t h = 0;
        for (int i = 0; i < m->nparts; i++)
            h ^= fj__hash64(m->part[i].map, m->part[i].map_len, 0);
        hash_ms = (cpu_s() - t) * 1e3;
        t = cpu_s();
        char hex[65];
        for (int i = 0; i < m->nparts; i++)
            fj__sha256_hex(m->part[i].map, m->part[i].map_len, hex);
        sha_ms = (cpu_s() - t) * 1e3;
        volatile uint64_t keep_h = h; /* keep both computations */
        volatile char keep_c = hex[0];
        (void)keep_h;
        (void)keep_c;
    }
    double next_zh = 0;
    double first_zh = first_score(m, zh_post, &next_zh);
    double first_en = first_score(m, en_post, NULL);
    fj_model_free(m);

    fig bin = load_median(dir ? dir : NULL, 0, runs);
    fig text = load_median(where, 1, runs);
    printf("{\"model\":\"%s\",\"runs\":%d,\"binary\":%s,\"binary_mb\":%.1f,"
           "\"bin_ms\":%.2f,\"bin_cpu_ms\":%.2f,\"text_ms\":%.2f,\"text_cpu_ms\":%.2f,"
           "\"ratio\":%.1f,\"hash64_ms\":%.2f,\"sha256_ms\":%.2f,"
           "\"first_zh_ms\":%.2f,\"next_zh_ms\":%.3f,\"first_en_ms\":%.2f}\n",
           where, runs, binary ? "true" : "false", (double)bin_bytes / 1e6, bin.wall, bin.cpu,
           text.wall, text.cpu, text.wall / bin.wall, hash_ms, sha_ms, first_zh, next_zh, first_en);
    free(where);
    return 0;
}
