/*
 * fuzz_model.c - libFuzzer target: model bundle loading (fj_model_load) on hostile folders.
 *
 * The input is a bundle as one text: each file starts at a line "==> NAME" and runs to the
 * next such line (see fuzz/corpus/model/). The files are written to a scratch folder and
 * loaded. Unless the input starts with '!', the manifest's "files" entries are first rewritten
 * to the size and SHA-256 of the files given, so the fuzzer gets past the checksums and reaches
 * the parsers of the manifest, calibration, features, weights and libsvm files with any bytes.
 *
 * Checks: a load either fails with a message or gives a model that scores fixed postings with
 * a finite margin and a score in [0, 1], and that saves and loads back to the same scores.
 */
#include "../tests/bundle_util.h"
#include "fakejob.h"
#include "core/fj_internal.h"
#include "model/model.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_model: check failed at line %d: %s\n", __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static char dir[64], dir2[64];
static fj_context *ctx;
static fj_posting *posts[BU_PROBES];

static void empty_dir(const char *d)
{
    DIR *dp = opendir(d);
    if (!dp)
        return;
    struct dirent *e;
    char path[256];
    while ((e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", d, e->d_name);
        unlink(path);
    }
    closedir(dp);
}

static void remove_dirs(void)
{
    empty_dir(dir);
    empty_dir(dir2);
    rmdir(dir);
    rmdir(dir2);
}

static void init(void)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > 32)
        tmp = "/tmp";
    snprintf(dir, sizeof dir, "%s/fj-fuzz-model.XXXXXX", tmp);
    snprintf(dir2, sizeof dir2, "%s/fj-fuzz-model2.XXXXXX", tmp);
    CHECK(mkdtemp(dir) && mkdtemp(dir2));
    atexit(remove_dirs);
    CHECK(bu_probes(&ctx, posts));
}

typedef struct file {
    char name[64];
    const char *data;
    size_t len;
} file;

/* Split the input into files at lines "==> NAME". */
static size_t split(const char *s, size_t size, file *files, size_t max)
{
    size_t n = 0, i = 0;
    while (i < size && n < max) {
        if (size - i < 4 || memcmp(s + i, "==> ", 4) != 0) {
            const char *nl = memchr(s + i, '\n', size - i);
            if (!nl)
                break;
            i = (size_t)(nl - s) + 1;
            continue;
        }
        const char *nl = memchr(s + i, '\n', size - i);
        size_t name_end = nl ? (size_t)(nl - s) : size;
        size_t name_len = name_end - (i + 4);
        size_t start = nl ? name_end + 1 : size;
        /* the file runs to the next "==> " at the start of a line */
        size_t end = start;
        while (end < size && !(size - end >= 4 && memcmp(s + end, "==> ", 4) == 0 &&
                               (end == start || s[end - 1] == '\n'))) {
            const char *nl2 = memchr(s + end, '\n', size - end);
            end = nl2 ? (size_t)(nl2 - s) + 1 : size;
        }
        bool ok = name_len > 0 && name_len < sizeof files[n].name && s[i + 4] != '.';
        for (size_t k = 0; ok && k < name_len; k++) {
            char c = s[i + 4 + k];
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        }
        if (ok) {
            memcpy(files[n].name, s + i + 4, name_len);
            files[n].name[name_len] = '\0';
            files[n].data = s + start;
            files[n].len = end - start;
            n++;
        }
        i = end;
    }
    return n;
}

static void write_file(const char *d, const char *name, const char *data, size_t len)
{
    CHECK(bu_write(d, name, data, len));
}

/* The manifest with its "files" entries made to match the files given. */
static char *fixed_manifest(const file *files, size_t n, const file *man)
{
    json_t *root = json_loadb(man->data, man->len, 0, NULL);
    json_t *entries = json_object_get(root, "files");
    if (!json_is_object(entries)) {
        json_decref(root);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object_get(entries, files[i].name);
        if (json_is_object(e))
            bu_seal_entry(e, files[i].data, files[i].len);
    }
    char *text = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    return text;
}

static void score_all(const fj_model *m, double out[3][2])
{
    for (int i = 0; i < 3; i++) {
        fj_result r;
        fj_error err;
        fj_status st = fj_score(ctx, m, posts[i], NULL, &r, &err);
        if (st != FJ_OK) {
            /* a consistent bundle must score; only limits may refuse a posting */
            fprintf(stderr, "a loaded model failed to score: %s\n", err.message);
            abort();
        }
        CHECK(!isnan(r.margin));
        CHECK(isfinite(r.score) && r.score >= 0 && r.score <= 1);
        CHECK(r.verdict == FJ_VERDICT_LEGIT || r.verdict == FJ_VERDICT_SUSPICIOUS ||
              r.verdict == FJ_VERDICT_FRAUD || r.verdict == FJ_VERDICT_INSUFFICIENT);
        CHECK(r.reason_count == 0 || r.reasons != NULL);
        for (size_t k = 0; k < r.reason_count; k++)
            CHECK(r.reasons[k].signal && !isnan(r.reasons[k].weight));
        out[i][0] = r.margin;
        out[i][1] = r.score;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx)
        init();
    const char *s = (const char *)data;
    bool raw = size > 0 && s[0] == '!';
    file files[16];
    size_t n = split(s, size, files, 16);
    empty_dir(dir);
    const file *man = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(files[i].name, "manifest.json") == 0) {
            man = &files[i];
            continue;
        }
        write_file(dir, files[i].name, files[i].data, files[i].len);
    }
    if (man) {
        char *fixed = raw ? NULL : fixed_manifest(files, n, man);
        if (fixed) {
            write_file(dir, "manifest.json", fixed, strlen(fixed));
            free(fixed);
        } else {
            write_file(dir, "manifest.json", man->data, man->len);
        }
    }

    fj_model *m = NULL;
    fj_error err;
    fj_error_clear(&err);
    fj_status st = fj_model_load(&m, dir, &err);
    if (st != FJ_OK) {
        CHECK(m == NULL);
        CHECK(err.message[0] != '\0');
        CHECK(st == FJ_ERR_MODEL || st == FJ_ERR_IO || st == FJ_ERR_VERSION || st == FJ_ERR_NOMEM);
        return 0;
    }
    CHECK(fj_model_name(m) && fj_model_manifest(m));
    double tf, ts;
    fj_model_thresholds(m, FJ_LANG_AUTO, &tf, &ts);
    CHECK(ts >= 0 && ts <= tf && tf <= 1);
    double a[3][2], b[3][2];
    score_all(m, a);

    /* what loaded saves and loads back, scoring the same */
    empty_dir(dir2);
    st = fj_model_save(m, dir2, &err);
    if (st != FJ_OK) {
        fprintf(stderr, "a loaded model failed to save: %s\n", err.message);
        abort();
    }
    fj_model *m2 = NULL;
    st = fj_model_load(&m2, dir2, &err);
    if (st != FJ_OK) {
        fprintf(stderr, "a saved model failed to load: %s\n", err.message);
        abort();
    }
    score_all(m2, b);
    for (int i = 0; i < 3; i++)
        CHECK(memcmp(a[i], b[i], sizeof a[i]) == 0);
    fj_model_free(m2);
    fj_model_free(m);
    return 0;
}
