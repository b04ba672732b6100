/*
 * tokenize_bench.c - tokenizer throughput: fj_tokenize_text against ICU's bare word-break
 * iterator over the same texts in the same run, for Chinese and for English.
 *
 *   make bench-tokenize                      (from the build folder)
 *   bench/tokenize_bench [--data DIR] [--passes N] [--max-mb N]
 *
 * Text: the text columns of the labelled CSVs in DIR (default: ../shared/data next to the
 * source tree): orfd-train.csv for Chinese, emscad-train.csv for English, each field a separate
 * text as fj_tokenize_posting would see it. They are read in place, never copied. When they
 * are absent the bench says so and falls back to the project's corpus/ JSONL files, then to
 * examples/postings.jsonl, split by detected language.
 *
 * Timed loops (best of N passes, after one warm-up pass that fills the context's caches):
 *   icu        one reused UBRK_WORD iterator over each original text (utext_openUTF8, no copy),
 *              reading every boundary and its rule status: the floor for any ICU tokenizer.
 *   normalize  fj_normalize alone.
 *   fakejob    fj_tokenize_text: normalization, typed tokens, word break, stemming, bigrams.
 * MB/s is input megabytes (10^6 bytes) per second; ratio = fakejob time / icu time.
 */
#include "fakejob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

typedef struct texts {
    char **s;
    size_t *len;
    size_t n, cap, bytes;
} texts;

static void add_text(texts *t, const char *s, size_t len)
{
    if (len == 0)
        return;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->s = realloc(t->s, t->cap * sizeof *t->s);
        t->len = realloc(t->len, t->cap * sizeof *t->len);
        if (!t->s || !t->len) {
            fprintf(stderr, "tokenize_bench: out of memory\n");
            exit(1);
        }
    }
    t->s[t->n] = malloc(len + 1);
    memcpy(t->s[t->n], s, len);
    t->s[t->n][len] = '\0';
    t->len[t->n++] = len;
    t->bytes += len;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(s);
        return NULL;
    }
    fclose(f);
    s[n] = '\0';
    *len = (size_t)n;
    return s;
}

/* One RFC 4180 field at *p (quoted or not) into out; returns the terminator (',', '\n' or 0). */
static int csv_field(const char **p, const char *end, char *out, size_t *olen)
{
    const char *s = *p;
    size_t o = 0;
    if (s < end && *s == '"') {
        s++;
        while (s < end) {
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"') {
                    out[o++] = '"';
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            out[o++] = *s++;
        }
    }
    while (s < end && *s != ',' && *s != '\n')
        out[o++] = *s++;
    if (o && out[o - 1] == '\r')
        o--;
    *olen = o;
    int term = s < end ? *s : 0;
    *p = s < end ? s + 1 : end;
    return term;
}

/* The named columns of a CSV, each non-empty value one text. false when the file is absent. */
static bool load_csv(const char *path, const char *const *cols, texts *t, size_t max_bytes)
{
    size_t len;
    char *data = slurp(path, &len);
    if (!data)
        return false;
    const char *p = data, *end = data + len;
    char *field = malloc(len + 1);
    int want[64] = {0}, ncol = 0, term;
    size_t fl;
    do { /* header */
        term = csv_field(&p, end, field, &fl);
        field[fl] = '\0';
        for (size_t c = 0; cols[c]; c++)
            if (strcmp(field, cols[c]) == 0 && ncol < 64)
                want[ncol] = 1;
        ncol++;
    } while (term == ',');
    while (p < end && t->bytes < max_bytes) {
        int c = 0;
        do {
            term = csv_field(&p, end, field, &fl);
            if (c < 64 && want[c])
                add_text(t, field, fl);
            c++;
        } while (term == ',');
    }
    free(field);
    free(data);
    return true;
}

/* Postings of a JSONL file, their text fields split by the posting's language. */
static bool load_jsonl(const char *path, texts *zh, texts *en)
{
    size_t len;
    char *data = slurp(path, &len);
    if (!data)
        return false;
    fj_posting *p;
    fj_error err;
    if (fj_posting_new(&p, &err) != FJ_OK)
        exit(1);
    for (char *line = data, *nl; line < data + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(data + len - line));
        if (!nl)
            nl = data + len;
        if (fj_posting_parse_json(p, line, (size_t)(nl - line), &err) != FJ_OK)
            continue;
        texts *t = fj_posting_detect_lang(p) == FJ_LANG_ZH ? zh : en;
        for (int f = 0; f < FJ_TEXT_FIELD_COUNT; f++) {
            size_t fl;
            const char *s = fj_posting_string(p, fj_text_fields[f], &fl);
            if (s)
                add_text(t, s, fl);
        }
    }
    fj_posting_free(p);
    free(data);
    return true;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t sink;

static double run_icu(const texts *t, UBreakIterator *bi)
{
    double t0 = now();
    UErrorCode st = U_ZERO_ERROR;
    UText *ut = NULL;
    for (size_t i = 0; i < t->n; i++) {
        ut = utext_openUTF8(ut, t->s[i], (int64_t)t->len[i], &st);
        ubrk_setUText(bi, ut, &st);
        ubrk_first(bi);
        int32_t b;
        while ((b = ubrk_next(bi)) != UBRK_DONE)
            sink += (size_t)b + (size_t)ubrk_getRuleStatus(bi);
    }
    utext_close(ut);
    if (U_FAILURE(st)) {
        fprintf(stderr, "tokenize_bench: ICU failed: %s\n", u_errorName(st));
        exit(1);
    }
    return now() - t0;
}

static double run_fakejob(const texts *t, fj_context *ctx, bool normalize_only, size_t *tokens)
{
    double t0 = now();
    fj_error err;
    *tokens = 0;
    for (size_t i = 0; i < t->n; i++) {
        fj_status st;
        if (normalize_only) {
            const char *out;
            size_t ol;
            st = fj_normalize(ctx, t->s[i], t->len[i], &out, &ol, &err);
            sink += ol;
        } else {
            const fj_token *tok;
            size_t n;
            st = fj_tokenize_text(ctx, t->s[i], t->len[i], &tok, &n, &err);
            *tokens += n;
        }
        if (st != FJ_OK) {
            fprintf(stderr, "tokenize_bench: text %zu: %s\n", i, err.message);
            exit(1);
        }
    }
    return now() - t0;
}

static void bench(const char *lang, const texts *t, int passes)
{
    if (t->n == 0) {
        printf("%-4s no text\n", lang);
        return;
    }
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    fj_context *ctx;
    fj_error err;
    if (U_FAILURE(st) || fj_context_new(&ctx, &err) != FJ_OK)
        exit(1);
    size_t tokens;
    double cold = run_fakejob(t, ctx, false, &tokens); /* warm-up: caches, transliterator */
    run_icu(t, bi);
    double best_icu = 1e30, best_norm = 1e30, best_fj = 1e30;
    for (int p = 0; p < passes; p++) {
        double a = run_icu(t, bi), b = run_fakejob(t, ctx, true, &tokens),
               c = run_fakejob(t, ctx, false, &tokens);
        best_icu = a < best_icu ? a : best_icu;
        best_norm = b < best_norm ? b : best_norm;
        best_fj = c < best_fj ? c : best_fj;
    }
    double mb = (double)t->bytes / 1e6;
    printf("%-4s %7.2f %7zu %9.1f %10.1f %9.1f %6.2fx %9.1f %8.1f\n", lang, mb, t->n, mb / best_icu,
           mb / best_norm, mb / best_fj, best_fj / best_icu, (double)tokens / best_fj / 1e6,
           mb / cold);
    fj_context_free(ctx);
    ubrk_close(bi);
}

int main(int argc, char **argv)
{
    const char *dir = FJ_SRCDIR "/../shared/data";
    int passes = 3;
    double max_mb = 8;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
            passes = atoi(argv[++i]);
        else if (strcmp(argv[i], "--max-mb") == 0 && i + 1 < argc)
            max_mb = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: tokenize_bench [--data DIR] [--passes N] [--max-mb N]\n");
            return 2;
        }
    }
    if (passes < 1)
        passes = 1;
    size_t max_bytes = (size_t)(max_mb * 1e6);
    texts zh = {0}, en = {0};
    static const char *const orfd_cols[] = {
        "jobTitle",    "jobSalary",    "jobWelfare", "jobDescription",
        "companyName", "companyIntro", NULL};
    static const char *const emscad_cols[] = {
        "title",    "company_profile", "description", "requirements",
        "benefits", "salary_range",    NULL};
    char path[4096];
    snprintf(path, sizeof path, "%s/orfd-train.csv", dir);
    bool have_zh = load_csv(path, orfd_cols, &zh, max_bytes);
    snprintf(path, sizeof path, "%s/emscad-train.csv", dir);
    bool have_en = load_csv(path, emscad_cols, &en, max_bytes);
    if (have_zh && have_en) {
        printf("text: %s (orfd-train.csv: Chinese, emscad-train.csv: English), read in place\n",
               dir);
    } else {
        printf("NOTE: the labelled CSVs are not in %s: falling back to the project's corpus/\n",
               dir);
        zh.n = en.n = zh.bytes = en.bytes = 0;
        static const char *const corpus[] = {"corpus/zh-a.jsonl", "corpus/zh-b.jsonl",
                                             "corpus/en-a.jsonl", "corpus/en-b.jsonl"};
        bool any = false;
        for (size_t i = 0; i < 4; i++) {
            snprintf(path, sizeof path, "%s/%s", FJ_SRCDIR, corpus[i]);
            any |= load_jsonl(path, &zh, &en);
        }
        if (!any) {
            printf("NOTE: no corpus/ either: using examples/postings.jsonl (tiny: figures are "
                   "rough)\n");
            snprintf(path, sizeof path, "%s/examples/postings.jsonl", FJ_SRCDIR);
            load_jsonl(path, &zh, &en);
        }
    }
    printf("best of %d passes after a warm-up pass; MB = 10^6 bytes of input text\n\n", passes);
    printf("lang      MB   texts  icu MB/s  normalize  fakejob  ratio  Mtok/s  cold MB/s\n");
    bench("zh", &zh, passes);
    bench("en", &en, passes);
    printf("\nratio: fakejob time / ICU bare word-break time over the same text (lower is "
           "better)\ncold: the first pass of a new context (fills the per-code-point cache, "
           "opens Hant-Hans)\n");
    for (size_t i = 0; i < zh.n; i++)
        free(zh.s[i]);
    for (size_t i = 0; i < en.n; i++)
        free(en.s[i]);
    free(zh.s);
    free(zh.len);
    free(en.s);
    free(en.len);
    return sink == 42 ? 1 : 0;
}
