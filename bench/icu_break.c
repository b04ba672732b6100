/*
 * icu_break.c - the floor of the benchmark: ICU's word-break iterator alone over the text of the
 * postings, nothing else.
 *
 *   icu_break [--passes N] FILE.jsonl
 *
 * Reads postings (one JSON object a line, the format of README.md "Posting format") with
 * jansson, keeps the text fields libfakejob tokenizes (fj_text_fields: title, company,
 * company_profile, description, requirements, benefits, salary, contact) in memory, then, timed,
 * runs one reused UBRK_WORD iterator (root locale; Han text goes through ICU's dictionary) over
 * every field of every posting in place (utext_openUTF8: no UTF-16 copy), `passes` times, reading
 * each boundary and its rule status as a tokenizer would. No normalization, no token copies, no
 * JSON in the timed loop: no tokenizer built on ICU's word break can be cheaper than this.
 *
 * Prints one JSON object: postings, passes, text bytes, boundaries, word tokens, seconds,
 * postings per second (of wall time, and of the thread's CPU time: tput_1core_cpu), microseconds
 * per posting (mean, p50, p99 over the postings of the last pass) and MB of text per second.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include "bench_util.h"

#define NFIELDS 8
static const char *const text_fields[NFIELDS] = {
    "title",        "company",  "company_profile", "description",
    "requirements", "benefits", "salary",          "contact",
};

typedef struct {
    char *text[NFIELDS];
    size_t len[NFIELDS];
} posting_text;

static int read_postings(const char *path, posting_text **out, size_t *count)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "icu_break: %s: %s\n", path, strerror(errno));
        return -1;
    }
    posting_text *ps = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    long long lineno = 0;
    while ((got = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)got)
            continue;
        json_error_t jerr;
        json_t *obj = json_loadb(line, (size_t)got, 0, &jerr);
        if (!obj || !json_is_object(obj)) {
            fprintf(stderr, "icu_break: %s:%lld: not a JSON object: %s\n", path, lineno,
                    obj ? "" : jerr.text);
            json_decref(obj);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            posting_text *grown = realloc(ps, cap * sizeof *ps);
            if (!grown) {
                fprintf(stderr, "icu_break: out of memory\n");
                exit(1);
            }
            ps = grown;
        }
        posting_text *pt = &ps[n++];
        memset(pt, 0, sizeof *pt);
        for (int f = 0; f < NFIELDS; f++) {
            json_t *v = json_object_get(obj, text_fields[f]);
            if (!json_is_string(v))
                continue;
            size_t len = json_string_length(v);
            pt->text[f] = malloc(len + 1);
            if (!pt->text[f]) {
                fprintf(stderr, "icu_break: out of memory\n");
                exit(1);
            }
            memcpy(pt->text[f], json_string_value(v), len + 1);
            pt->len[f] = len;
        }
        json_decref(obj);
    }
    free(line);
    fclose(fp);
    *out = ps;
    *count = n;
    return 0;
}

int main(int argc, char **argv)
{
    int passes = 1;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
            passes = atoi(argv[++i]);
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "usage: icu_break [--passes N] FILE.jsonl\n");
            return 2;
        } else
            path = argv[i];
    }
    if (!path || passes < 1) {
        fprintf(stderr, "usage: icu_break [--passes N] FILE.jsonl\n");
        return 2;
    }
    posting_text *ps;
    size_t n;
    if (read_postings(path, &ps, &n) != 0)
        return 3;
    if (n == 0) {
        fprintf(stderr, "icu_break: %s: no postings\n", path);
        return 1;
    }

    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    UText *ut = NULL;
    if (U_FAILURE(st)) {
        fprintf(stderr, "icu_break: ubrk_open: %s\n", u_errorName(st));
        return 1;
    }
    double *lat = malloc(n * sizeof *lat);
    if (!lat)
        return 1;
    unsigned long long bytes = 0, bounds = 0, words = 0;
    double t0 = now_s(), c0 = cpu_s();
    for (int pass = 0; pass < passes; pass++) {
        for (size_t i = 0; i < n; i++) {
            double ts = now_s();
            for (int f = 0; f < NFIELDS; f++) {
                if (!ps[i].text[f])
                    continue;
                ut = utext_openUTF8(ut, ps[i].text[f], (int64_t)ps[i].len[f], &st);
                ubrk_setUText(bi, ut, &st);
                if (U_FAILURE(st)) {
                    fprintf(stderr, "icu_break: %s\n", u_errorName(st));
                    return 1;
                }
                for (int32_t b = ubrk_first(bi); b != UBRK_DONE; b = ubrk_next(bi)) {
                    bounds++;
                    if (ubrk_getRuleStatus(bi) != UBRK_WORD_NONE)
                        words++;
                }
                bytes += ps[i].len[f];
            }
            lat[i] = (now_s() - ts) * 1e6;
        }
    }
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    qsort(lat, n, sizeof *lat, cmp_double);
    double total = (double)n * passes;
    printf("{\"system\":\"icu_break\",\"postings\":%zu,\"passes\":%d,\"bytes\":%llu,"
           "\"boundaries\":%llu,\"words\":%llu,\"seconds\":%.6f,\"tput_1core\":%.3f,"
           "\"tput_1core_cpu\":%.3f,\"us_per_posting\":%.3f,\"lat_p50_us\":%.3f,\"lat_p99_us\":%."
           "3f,\"mb_per_s\":%.3f}\n",
           n, passes, bytes, bounds, words, secs, total / secs, total / cpu, secs / total * 1e6,
           pct(lat, n, 50), pct(lat, n, 99), (double)bytes / secs / 1e6);

    utext_close(ut);
    ubrk_close(bi);
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < NFIELDS; f++)
            free(ps[i].text[f]);
    free(ps);
    free(lat);
    return 0;
}
