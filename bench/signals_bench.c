/*
 * signals_bench.c - what the clause detectors cost: fj_signals with and without their pass, in
 * one run, on the same postings.
 *
 *   signals_bench [--rounds N] FILE.jsonl...
 *
 * Reads the postings (one JSON object a line; lines that do not parse are skipped and counted)
 * into memory, then runs N rounds (default 7); each round calls fj_signals on every posting in
 * a context with the compiled-in clause detectors and again in a context where their pass is
 * left out (fj__signals_skip_clauses: upfront_fee, personal_data and offsite_contact are then not
 * computed; everything else is), alternating which goes first. Prints one JSON object: postings,
 * bytes (of JSON read), and per setting the median over the rounds of the thread's CPU
 * microseconds per posting (with_us, without_us), their difference (detectors_us: the pass's
 * own cost) and ratio (with_us / without_us), and the same split by language. A first untimed
 * pass in each context builds its lexicons and parses the detectors. The library's private
 * interface (signals.h) is used to leave the pass out: this is a benchmark tool, not an example
 * of the API.
 */
#include "signals/signals.h"

#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "signals_bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

typedef struct posts {
    fj_posting **p;
    int *en; /* 1 English, 0 otherwise */
    size_t n, cap, bytes, skipped;
} posts;

static void read_file(posts *ps, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        die("cannot open", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, fp)) > 0) {
        fj_posting *p;
        fj_error e;
        if (fj_posting_new(&p, &e) != FJ_OK)
            die("out of memory", NULL);
        if (fj_posting_parse_json(p, line, (size_t)len, &e) != FJ_OK) {
            fj_posting_free(p);
            ps->skipped++;
            continue;
        }
        if (ps->n == ps->cap) {
            ps->cap = ps->cap ? 2 * ps->cap : 1024;
            ps->p = realloc(ps->p, ps->cap * sizeof *ps->p);
            ps->en = realloc(ps->en, ps->cap * sizeof *ps->en);
            if (!ps->p || !ps->en)
                die("out of memory", NULL);
        }
        ps->en[ps->n] = fj_posting_detect_lang(p) == FJ_LANG_EN;
        ps->p[ps->n++] = p;
        ps->bytes += (size_t)len;
    }
    if (ferror(fp))
        die("read error", path);
    free(line);
    fclose(fp);
}

/* CPU seconds of fj_signals over the postings of language `en` (-1: all), and how many. */
static double pass(fj_context *ctx, const posts *ps, int en, size_t *count)
{
    *count = 0;
    double t0 = cpu_s();
    for (size_t i = 0; i < ps->n; i++) {
        if (en >= 0 && ps->en[i] != en)
            continue;
        const fj_signal *sig;
        size_t n;
        fj_error e;
        if (fj_signals(ctx, ps->p[i], NULL, &sig, &n, &e) != FJ_OK)
            die("fj_signals failed", e.message);
        (*count)++;
    }
    return cpu_s() - t0;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int rounds = 7, first = 1;
    if (argc > 2 && strcmp(argv[1], "--rounds") == 0) {
        rounds = atoi(argv[2]);
        first = 3;
    }
    if (rounds < 1 || first >= argc) {
        fprintf(stderr, "usage: signals_bench [--rounds N] FILE.jsonl...\n");
        return 2;
    }
    fj_context *with, *without;
    fj_error e;
    if (fj_context_new(&with, &e) != FJ_OK || fj_context_new(&without, &e) != FJ_OK)
        die("fj_context_new", e.message);
    if (fj__signals_skip_clauses(without, true, &e) != FJ_OK)
        die("fj__signals_skip_clauses", e.message);
    posts ps = {0};
    for (int i = first; i < argc; i++)
        read_file(&ps, argv[i]);
    if (ps.n == 0)
        die("no postings read", NULL);
    static const char *const label[3] = {"all", "zh", "en"};
    printf("{\"postings\":%zu,\"skipped\":%zu,\"bytes\":%zu,\"rounds\":%d", ps.n, ps.skipped,
           ps.bytes, rounds);
    for (int g = 0; g < 3; g++) {
        int en = g - 1;
        size_t count;
        pass(with, &ps, en, &count); /* warm-up: lexicons, detectors, ICU */
        pass(without, &ps, en, &count);
        if (count == 0)
            continue;
        double *w = malloc((size_t)rounds * sizeof *w), *wo = malloc((size_t)rounds * sizeof *wo);
        if (!w || !wo)
            die("out of memory", NULL);
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                w[r] = pass(with, &ps, en, &count);
                wo[r] = pass(without, &ps, en, &count);
            } else {
                wo[r] = pass(without, &ps, en, &count);
                w[r] = pass(with, &ps, en, &count);
            }
        }
        double mw = median(w, (size_t)rounds) * 1e6 / (double)count;
        double mwo = median(wo, (size_t)rounds) * 1e6 / (double)count;
        printf(",\"%s\":{\"postings\":%zu,\"with_us\":%.1f,\"without_us\":%.1f,"
               "\"detectors_us\":%.1f,\"ratio\":%.2f}",
               label[g], count, mw, mwo, mw - mwo, mwo > 0 ? mw / mwo : 0);
        free(w);
        free(wo);
    }
    printf("}\n");
    for (size_t i = 0; i < ps.n; i++)
        fj_posting_free(ps.p[i]);
    free(ps.p);
    free(ps.en);
    fj_context_free(with);
    fj_context_free(without);
    return 0;
}
