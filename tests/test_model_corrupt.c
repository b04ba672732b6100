/*
 * test_model_corrupt.c - corrupted model bundles never crash the loader and never score wrong.
 *
 * A small bundle is trained in the test from hand-written postings (robust_data.h) and saved to
 * a temporary folder. Then each of its files is truncated at every offset, and a few thousand
 * random bit flips (fixed seed) are made: every load either fails with an error naming the
 * file, or gives a model that scores the probe postings exactly as the original did.
 *
 * The bundle's manifest carries the size and SHA-256 of each file, so most of these are caught
 * before parsing. To test the parsers themselves, the same corruptions are repeated "re-signed":
 * with the manifest rewritten to match the corrupted file. Then a load may succeed with other
 * numbers (a flipped digit in a weight is a different, valid model), so the requirement is: an
 * error with a message, or a model whose scores are finite probabilities.
 */
#include "bundle_util.h"
#include "robust_data.h"

#include "core/fj_internal.h"
#include "model/model.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static fj_context *ctx;
static fj_posting *probe[ROBUST_PROBE_COUNT];
static double ref[ROBUST_PROBE_COUNT][2]; /* margin, score of the saved bundle */
static fj_error err;

typedef struct bundle_file {
    char name[128];
    char *data;
    size_t len;
} bundle_file;
static bundle_file files[16];
static size_t nfiles;

/* What is being tried, printed if the process dies, so a crash names its input. */
static char breadcrumb[256];
static void on_fatal(int sig)
{
    ssize_t w = write(2, "test_model_corrupt: died while loading: ", 40);
    w += write(2, breadcrumb, strlen(breadcrumb));
    w += write(2, "\n", 1);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

static char *slurp(const char *path, size_t *len)
{
    char *data = bu_read(NULL, path, len);
    cr_assert_not_null(data, "%s", path);
    return data;
}

static void put(const char *name, const char *data, size_t len)
{
    cr_assert(bu_write(dir, name, data, len), "%s/%s", dir, name);
}

static void restore_all(void)
{
    for (size_t i = 0; i < nfiles; i++)
        put(files[i].name, files[i].data, files[i].len);
}

static bundle_file *find(const char *name)
{
    for (size_t i = 0; i < nfiles; i++)
        if (strcmp(files[i].name, name) == 0)
            return &files[i];
    return NULL;
}

/* The manifest with the entry of `name` rewritten to match `data`/`len`. Caller frees. */
static char *resigned_manifest(const char *name, const char *data, size_t len)
{
    bundle_file *man = find("manifest.json");
    char *text = bu_resealed_manifest(man->data, man->len, name, data, len);
    cr_assert_not_null(text, "the manifest lists %s", name);
    return text;
}

static void score_probes(const fj_model *m, double out[][2])
{
    for (size_t i = 0; i < ROBUST_PROBE_COUNT; i++) {
        fj_result r;
        cr_assert_eq(fj_score(ctx, m, probe[i], NULL, &r, &err), FJ_OK, "%s: %s", breadcrumb,
                     err.message);
        out[i][0] = r.margin;
        out[i][1] = r.score;
    }
}

enum outcome { REFUSED, SAME, DIFFERENT };

/* Load the folder as it now is: refused (with a message), or the scores compared to ref. */
static enum outcome try_load(void)
{
    fj_model *m = NULL;
    fj_error_clear(&err);
    fj_status st = fj_model_load(&m, dir, &err);
    if (st != FJ_OK) {
        cr_assert_null(m, "%s", breadcrumb);
        cr_assert(st == FJ_ERR_MODEL || st == FJ_ERR_VERSION || st == FJ_ERR_IO, "%s: status %s",
                  breadcrumb, fj_status_name(st));
        cr_assert_neq(err.message[0], '\0', "%s: an error without a message", breadcrumb);
        return REFUSED;
    }
    double got[ROBUST_PROBE_COUNT][2];
    score_probes(m, got);
    fj_model_free(m);
    for (size_t i = 0; i < ROBUST_PROBE_COUNT; i++) {
        cr_assert(!isnan(got[i][0]), "%s: NaN margin", breadcrumb);
        cr_assert(got[i][1] >= 0 && got[i][1] <= 1, "%s: score %g", breadcrumb, got[i][1]);
    }
    return memcmp(got, ref, sizeof got) == 0 ? SAME : DIFFERENT;
}

/* The suites below run on the text form (an older bundle: no PART.model.bin) or on the binary
 * form (what fj_model_save writes now). */
static bool binary_form;

/* Turn the saved bundle into one without the binary form, as an older library wrote it. */
static void drop_binary_form(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    json_t *root = json_load_file(path, 0, NULL);
    cr_assert_not_null(root);
    json_t *fl = json_object_get(root, "files");
    const char *names[] = {"zh.model.bin", "en.model.bin", "all.model.bin"};
    for (int i = 0; i < 3; i++) {
        if (!json_object_get(fl, names[i]))
            continue;
        json_object_del(fl, names[i]);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cr_assert_eq(unlink(path), 0);
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    put("manifest.json", text, strlen(text));
    free(text);
    json_decref(root);
}

static void setup(void)
{
    signal(SIGSEGV, on_fatal);
    signal(SIGBUS, on_fatal);
    signal(SIGABRT, on_fatal);
    signal(SIGFPE, on_fatal);
    /* thousands of small writes: a memory file system when there is one */
    const char *tmp = getenv("TMPDIR");
    struct stat sb;
    if (!tmp || !*tmp)
        tmp = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/fj-corrupt.XXXXXX", tmp);
    cr_assert_not_null(mkdtemp(dir));
    fj_error_clear(&err);
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK, "%s", err.message);
    fj_context_set_now(ctx, 1767225600);
    for (size_t i = 0; i < ROBUST_PROBE_COUNT; i++) {
        cr_assert_eq(fj_posting_new(&probe[i], &err), FJ_OK);
        cr_assert_eq(fj_posting_parse_json(probe[i], robust_probe_json[i],
                                           strlen(robust_probe_json[i]), &err),
                     FJ_OK, "%s", err.message);
    }
    fj_model *trained = NULL;
    cr_assert_eq(robust_train(&trained, 2, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_model_save(trained, dir, &err), FJ_OK, "%s", err.message);
    if (!binary_form)
        drop_binary_form();
    double t[ROBUST_PROBE_COUNT][2];
    score_probes(trained, t);
    fj_model_free(trained);

    /* the reference: the bundle as saved, which must score as the trained model did */
    fj_model *m = NULL;
    cr_assert_eq(fj_model_load(&m, dir, &err), FJ_OK, "%s", err.message);
    score_probes(m, ref);
    fj_model_free(m);
    cr_assert_eq(memcmp(t, ref, sizeof t), 0, "a saved bundle scores as the trained model");

    DIR *dp = opendir(dir);
    cr_assert_not_null(dp);
    struct dirent *e;
    nfiles = 0;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.')
            continue;
        cr_assert_lt(nfiles, sizeof files / sizeof files[0]);
        bundle_file *f = &files[nfiles++];
        snprintf(f->name, sizeof f->name, "%s", e->d_name);
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        f->data = slurp(path, &f->len);
    }
    closedir(dp);
    cr_assert_not_null(find("manifest.json"));
    cr_assert_geq(nfiles, 5, "a manifest and at least one part's files");
}

static void teardown(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        unlink(path);
        free(files[i].data);
    }
    rmdir(dir);
    for (size_t i = 0; i < ROBUST_PROBE_COUNT; i++)
        fj_posting_free(probe[i]);
    fj_context_free(ctx);
}

static void setup_text(void)
{
    binary_form = false;
    setup();
    cr_assert_null(find("en.model.bin"));
}

TestSuite(corrupt, .init = setup_text, .fini = teardown, .timeout = 600);

Test(corrupt, truncation_at_every_offset)
{
    size_t refused = 0, tried = 0;
    for (size_t i = 0; i < nfiles; i++) {
        bundle_file *f = &files[i];
        for (size_t k = 0; k < f->len; k++) {
            snprintf(breadcrumb, sizeof breadcrumb, "%s truncated to %zu of %zu bytes", f->name, k,
                     f->len);
            put(f->name, f->data, k);
            enum outcome o = try_load();
            cr_assert_neq(o, DIFFERENT, "%s: loaded and scored differently", breadcrumb);
            /* the checksums catch every truncation of a file they cover; the manifest itself
             * may lose its final newline and still be the same valid JSON */
            if (strcmp(f->name, "manifest.json") != 0)
                cr_assert_eq(o, REFUSED, "%s: not refused", breadcrumb);
            if (o == REFUSED) {
                refused++;
                cr_assert(strstr(err.message, f->name), "%s: the error names the file: %s",
                          breadcrumb, err.message);
            }
            tried++;
        }
        put(f->name, f->data, f->len);
    }
    cr_assert_geq(refused + 1, tried, "%zu of %zu truncations refused", refused, tried);
}

Test(corrupt, truncation_past_the_checksums)
{
    size_t tried = 0, refused = 0;
    for (size_t i = 0; i < nfiles; i++) {
        bundle_file *f = &files[i];
        if (strcmp(f->name, "manifest.json") == 0)
            continue;
        for (size_t k = 0; k < f->len; k++) {
            snprintf(breadcrumb, sizeof breadcrumb, "%s truncated to %zu of %zu bytes, re-signed",
                     f->name, k, f->len);
            put(f->name, f->data, k);
            char *man = resigned_manifest(f->name, f->data, k);
            put("manifest.json", man, strlen(man));
            free(man);
            enum outcome o = try_load();
            /* a truncated file is never a different valid model: refused, or (for files the
             * model does not need, such as a linear part's libsvm text) the same scores */
            cr_assert_neq(o, DIFFERENT, "%s: loaded and scored differently", breadcrumb);
            if (o == REFUSED)
                refused++;
            tried++;
        }
        restore_all();
    }
    cr_assert_gt(refused, tried / 2, "the parsers themselves refuse truncated files");
}

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A random bit of the bundle: a file weighted by its size, an offset, a bit. */
static bundle_file *random_bit(size_t *offset, unsigned *bit)
{
    size_t total = 0;
    for (size_t i = 0; i < nfiles; i++)
        total += files[i].len;
    size_t at = (size_t)(next_random() % total);
    for (size_t i = 0; i < nfiles; i++) {
        if (at < files[i].len) {
            *offset = at;
            *bit = (unsigned)(next_random() % 8);
            return &files[i];
        }
        at -= files[i].len;
    }
    return NULL;
}

/* Flip one random bit of one file in the folder (the breadcrumb names it, as flip n), load the
 * folder and put the file back: the load's outcome, and in *flipped the file. */
static enum outcome load_with_a_flip(int n, bundle_file **flipped)
{
    size_t off;
    unsigned bit;
    bundle_file *f = random_bit(&off, &bit);
    snprintf(breadcrumb, sizeof breadcrumb, "%s byte %zu bit %u flipped (flip %d)", f->name, off,
             bit, n);
    f->data[off] ^= (char)(1u << bit);
    put(f->name, f->data, f->len);
    enum outcome o = try_load();
    f->data[off] ^= (char)(1u << bit);
    put(f->name, f->data, f->len);
    *flipped = f;
    return o;
}

Test(corrupt, random_bit_flips)
{
    enum { FLIPS = 2000 };
    size_t refused = 0;
    for (int n = 0; n < FLIPS; n++) {
        bundle_file *f;
        enum outcome o = load_with_a_flip(n, &f);
        /* a flip the checksums cannot see is one in the manifest that changes nothing the
         * model uses (its description, white space): the scores are the same */
        cr_assert_neq(o, DIFFERENT, "%s: loaded and scored differently", breadcrumb);
        if (o == REFUSED)
            refused++;
    }
    cr_assert_gt(refused, FLIPS * 9 / 10, "only %zu of %d flips refused", refused, FLIPS);
}

Test(corrupt, random_bit_flips_past_the_checksums)
{
    enum { FLIPS = 2000 };
    size_t counts[3] = {0};
    for (int n = 0; n < FLIPS; n++) {
        size_t off;
        unsigned bit;
        bundle_file *f = random_bit(&off, &bit);
        if (strcmp(f->name, "manifest.json") == 0)
            continue;
        snprintf(breadcrumb, sizeof breadcrumb, "%s byte %zu bit %u flipped, re-signed (flip %d)",
                 f->name, off, bit, n);
        f->data[off] ^= (char)(1u << bit);
        put(f->name, f->data, f->len);
        char *man = resigned_manifest(f->name, f->data, f->len);
        put("manifest.json", man, strlen(man));
        free(man);
        counts[try_load()]++;
        f->data[off] ^= (char)(1u << bit);
        restore_all();
    }
    /* every outcome is possible here; what matters is that none crashed or gave a non-number */
    cr_assert_gt(counts[REFUSED], 0);
    cr_log_info("re-signed flips: %zu refused, %zu same scores, %zu other valid models",
                counts[REFUSED], counts[SAME], counts[DIFFERENT]);
}

Test(corrupt, missing_empty_and_odd_files)
{
    for (size_t i = 0; i < nfiles; i++) {
        bundle_file *f = &files[i];
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, f->name);

        snprintf(breadcrumb, sizeof breadcrumb, "%s missing", f->name);
        cr_assert_eq(unlink(path), 0);
        cr_assert_eq(try_load(), REFUSED, "%s", breadcrumb);
        cr_assert(strstr(err.message, f->name), "%s: %s", breadcrumb, err.message);

        snprintf(breadcrumb, sizeof breadcrumb, "%s a folder", f->name);
        cr_assert_eq(mkdir(path, 0700), 0);
        cr_assert_eq(try_load(), REFUSED, "%s", breadcrumb);
        cr_assert(strstr(err.message, f->name), "%s: %s", breadcrumb, err.message);
        cr_assert_eq(rmdir(path), 0);

        snprintf(breadcrumb, sizeof breadcrumb, "%s a link to /dev/zero", f->name);
        cr_assert_eq(symlink("/dev/zero", path), 0);
        cr_assert_eq(try_load(), REFUSED, "%s", breadcrumb);
        cr_assert_eq(unlink(path), 0);

        snprintf(breadcrumb, sizeof breadcrumb, "%s empty", f->name);
        put(f->name, "", 0);
        cr_assert_eq(try_load(), REFUSED, "%s", breadcrumb);

        snprintf(breadcrumb, sizeof breadcrumb, "%s 64 kB of NUL bytes", f->name);
        char *zeros = calloc(1, 65536);
        put(f->name, zeros, 65536);
        cr_assert_eq(try_load(), REFUSED, "%s", breadcrumb);
        free(zeros);
        put(f->name, f->data, f->len);
    }
    snprintf(breadcrumb, sizeof breadcrumb, "intact");
    cr_assert_eq(try_load(), SAME);
}

/* Replace `from` by `to` once in the manifest and load. */
static enum outcome with_manifest_edit(const char *from, const char *to)
{
    bundle_file *man = find("manifest.json");
    const char *at = strstr(man->data, from);
    cr_assert_not_null(at, "the manifest holds %s", from);
    size_t pre = (size_t)(at - man->data), fl = strlen(from), tl = strlen(to);
    char *edited = malloc(man->len - fl + tl + 1);
    memcpy(edited, man->data, pre);
    memcpy(edited + pre, to, tl);
    memcpy(edited + pre + tl, at + fl, man->len - pre - fl);
    put("manifest.json", edited, man->len - fl + tl);
    free(edited);
    snprintf(breadcrumb, sizeof breadcrumb, "manifest: %s -> %s", from, to);
    enum outcome o = try_load();
    put("manifest.json", man->data, man->len);
    return o;
}

Test(corrupt, hostile_manifests)
{
    /* a newer format is a version error, not a parse failure */
    char newer[32];
    snprintf(newer, sizeof newer, "\"format\": %d", FJ__BUNDLE_FORMAT + 1);
    cr_assert_eq(with_manifest_edit("\"format\": 1", newer), REFUSED);
    cr_assert_eq(err.status, FJ_ERR_VERSION, "%s", err.message);
    cr_assert_eq(with_manifest_edit("\"format\": 1", "\"format\": 99999999999999999999"), REFUSED);
    cr_assert_eq(with_manifest_edit("\"format\": 1", "\"format\": -1"), REFUSED);
    cr_assert_eq(with_manifest_edit("\"format\": 1", "\"format\": \"1\""), REFUSED);
    cr_assert_eq(with_manifest_edit("\"kind\": \"fakejob-model\"", "\"kind\": \"other\""), REFUSED);
    /* files outside the folder are never read */
    cr_assert_eq(with_manifest_edit("\"files\": {", "\"files\": {\"../../etc/passwd\": {}, "),
                 REFUSED);
    cr_assert(strstr(err.message, "bad file name"), "%s", err.message);
    cr_assert_eq(with_manifest_edit("\"files\": {", "\"files\": {\"/etc/passwd\": {}, "), REFUSED);
    /* sizes that lie */
    cr_assert_eq(with_manifest_edit("\"bytes\": ", "\"bytes\": 1"), REFUSED);
    cr_assert_eq(with_manifest_edit("\"bytes\": ", "\"bytes\": -"), REFUSED);
    cr_assert_eq(with_manifest_edit("\"parts\": [", "\"parts\": [{\"lang\": \"fr\"}, "), REFUSED);
    cr_assert_eq(with_manifest_edit("\"parts\": [", "\"parts\": 7, \"x\": ["), REFUSED);
    /* deep nesting in the part of the manifest the loader keeps: accepted when jansson can
     * parse it, refused beyond its depth limit, never a stack overflow */
    for (int depth = 1000; depth <= 200000; depth *= 200) {
        fj_buf deep = {0};
        cr_assert(fj__buf_printf(&deep, "\"training\": {\"deep\": "));
        for (int i = 0; i < depth; i++)
            cr_assert(fj__buf_append(&deep, "[", 1));
        for (int i = 0; i < depth; i++)
            cr_assert(fj__buf_append(&deep, "]", 1));
        cr_assert(fj__buf_printf(&deep, "}, \"old_training\": "));
        enum outcome o = with_manifest_edit("\"training\": ", deep.data);
        cr_assert_eq(o, depth < 2048 ? SAME : REFUSED, "depth %d", depth);
        fj__buf_free(&deep);
    }
}

/* A bundle file that is a FIFO (or any file that is not a regular file) is refused at once:
 * opening a FIFO for reading blocks until a writer comes, so the loader must not open one. */
Test(corrupt, a_fifo_in_the_bundle_does_not_hang_the_loader, .timeout = 20)
{
    for (size_t i = 0; i < nfiles; i++) {
        bundle_file *f = &files[i];
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, f->name);
        snprintf(breadcrumb, sizeof breadcrumb, "%s a FIFO", f->name);
        cr_assert_eq(unlink(path), 0);
        cr_assert_eq(mkfifo(path, 0600), 0);
        cr_assert_eq(try_load(), REFUSED, "%s", breadcrumb);
        cr_assert(strstr(err.message, f->name), "%s: %s", breadcrumb, err.message);
        cr_assert_eq(unlink(path), 0);
        put(f->name, f->data, f->len);
    }
}

/* ---- the binary form (PART.model.bin) ---- */

static void setup_bin(void)
{
    binary_form = true;
    setup();
    cr_assert_not_null(find("en.model.bin"));
    cr_assert_not_null(find("zh.model.bin"));
}

TestSuite(corrupt_bin, .init = setup_bin, .fini = teardown, .timeout = 600);

static bool is_bin(const char *name)
{
    size_t n = strlen(name);
    return n > 10 && strcmp(name + n - 10, ".model.bin") == 0;
}

static bool is_text_export(const char *name)
{
    return strstr(name, ".features.tsv") || strstr(name, ".weights.tsv") ||
           strstr(name, ".svm.model");
}

/* Give a binary image the header checksum (and size) of its bytes, as a forger would. */
static void reseal_image(unsigned char *img, size_t len)
{
    if (len >= 24) {
        uint64_t n = len;
        memcpy(img + 16, &n, 8);
    }
    if (len >= 144) {
        uint64_t sum = fj__hash64(img + 144, len - 144, fj__hash64(img, 128, 0));
        memcpy(img + 128, &sum, 8);
    }
}

/* The manifest re-signed for `name` (bytes, sha256 and, for a binary image, its checksum). */
static char *resigned_manifest_bin(const char *name, const unsigned char *data, size_t len)
{
    char *text = resigned_manifest(name, (const char *)data, len);
    json_t *root = json_loads(text, 0, NULL);
    free(text);
    cr_assert_not_null(root);
    if (len >= 136) {
        uint64_t sum;
        memcpy(&sum, data + 128, 8);
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)sum);
        json_object_set_new(json_object_get(json_object_get(root, "files"), name), "fjh64",
                            json_string(hex));
    }
    text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    return text;
}

Test(corrupt_bin, the_binary_form_scores_as_the_text_form)
{
    fj_model *m = NULL;
    cr_assert_eq(fj__model_load_text(&m, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_null(m->part[0].map, "loaded from the text files");
    double got[ROBUST_PROBE_COUNT][2];
    score_probes(m, got);
    fj_model_free(m);
    cr_assert_eq(memcmp(got, ref, sizeof got), 0, "bit-identical margins and scores");
    cr_assert_eq(fj_model_load(&m, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_not_null(m->part[0].map, "loaded from the binary form");
    fj_model_free(m);
}

/* Every truncation of every file is refused and named: the binary form by its size and
 * checksum, the text export (not read when the binary form is there) by its size. */
Test(corrupt_bin, truncation_at_every_offset)
{
    size_t tried = 0;
    for (size_t i = 0; i < nfiles; i++) {
        bundle_file *f = &files[i];
        if (strcmp(f->name, "manifest.json") == 0)
            continue;
        size_t step = is_text_export(f->name) ? f->len / 97 + 1 : 1;
        for (size_t k = 0; k < f->len; k += step) {
            snprintf(breadcrumb, sizeof breadcrumb, "%s truncated to %zu of %zu bytes", f->name, k,
                     f->len);
            put(f->name, f->data, k);
            cr_assert_eq(try_load(), REFUSED, "%s: not refused", breadcrumb);
            cr_assert(strstr(err.message, f->name), "%s: the error names the file: %s", breadcrumb,
                      err.message);
            tried++;
        }
        put(f->name, f->data, f->len);
    }
    cr_assert_gt(tried, 1000);
}

Test(corrupt_bin, random_bit_flips)
{
    enum { FLIPS = 2000 };
    size_t refused = 0, done = 0;
    for (int n = 0; n < FLIPS; n++) {
        bundle_file *f;
        enum outcome o = load_with_a_flip(n, &f);
        cr_assert_neq(o, DIFFERENT, "%s: loaded and scored differently", breadcrumb);
        /* the text export is not read when the binary form is there (its sizes are checked,
         * its checksums when fj_model_save copies or a text load parses it) */
        if (is_text_export(f->name))
            continue;
        done++;
        if (o == REFUSED)
            refused++;
        if (is_bin(f->name))
            cr_assert_eq(o, REFUSED, "%s: not refused", breadcrumb);
    }
    cr_assert_gt(refused, done * 9 / 10, "only %zu of %zu flips refused", refused, done);
}

/* Past the checksums: a binary image truncated or with flipped bits, its header size and
 * checksum and the manifest rewritten to match. The structural checks must refuse it or give a
 * model that scores every probe with a finite margin; never a crash. */
Test(corrupt_bin, binary_form_past_the_checksums)
{
    size_t counts[3] = {0}, truncations = 0;
    for (size_t i = 0; i < nfiles; i++) {
        bundle_file *f = &files[i];
        if (!is_bin(f->name))
            continue;
        unsigned char *img = malloc(f->len);
        /* every offset of the header and the first section, then every 11th (a cut is
         * refused by the section bounds wherever it falls) */
        for (size_t k = 0; k < f->len; k += k < 256 ? 1 : 11) {
            snprintf(breadcrumb, sizeof breadcrumb, "%s truncated to %zu of %zu bytes, re-signed",
                     f->name, k, f->len);
            memcpy(img, f->data, k);
            reseal_image(img, k);
            put(f->name, (const char *)img, k);
            char *man = resigned_manifest_bin(f->name, img, k);
            put("manifest.json", man, strlen(man));
            free(man);
            cr_assert_eq(try_load(), REFUSED, "%s: not refused", breadcrumb);
            truncations++;
        }
        for (int n = 0; n < 400; n++) {
            size_t off = (size_t)(next_random() % f->len);
            unsigned bit = (unsigned)(next_random() % 8);
            if (off >= 128 && off < 136)
                continue; /* the checksum itself is rewritten */
            snprintf(breadcrumb, sizeof breadcrumb, "%s byte %zu bit %u flipped, re-signed",
                     f->name, off, bit);
            memcpy(img, f->data, f->len);
            img[off] ^= (unsigned char)(1u << bit);
            if (off >= 24) /* the size field is the one thing kept as flipped */
                reseal_image(img, f->len);
            put(f->name, (const char *)img, f->len);
            char *man = resigned_manifest_bin(f->name, img, f->len);
            put("manifest.json", man, strlen(man));
            free(man);
            counts[try_load()]++;
        }
        free(img);
        restore_all();
    }
    cr_assert_gt(truncations, 500);
    cr_assert_gt(counts[REFUSED], 0);
    cr_assert_gt(counts[SAME] + counts[DIFFERENT], 0, "some forged images still load");
    cr_log_info("re-signed flips of the binary form: %zu refused, %zu same scores, %zu other "
                "valid models",
                counts[REFUSED], counts[SAME], counts[DIFFERENT]);
}

/* A weight beyond the bound in a re-signed binary image is refused naming the file and the
 * feature; so is one that is not a number. */
Test(corrupt_bin, absurd_weights_in_the_binary_form_are_refused)
{
    bundle_file *f = find("en.model.bin");
    unsigned char *img = malloc(f->len);
    const double bad[] = {1e308, -2e6, NAN, INFINITY};
    for (int b = 0; b < 4; b++) {
        memcpy(img, f->data, f->len);
        uint64_t woff;
        memcpy(&woff, img + 80, 8);
        memcpy(img + woff + 8 * 3, &bad[b], 8); /* feature 4 */
        reseal_image(img, f->len);
        put(f->name, (const char *)img, f->len);
        char *man = resigned_manifest_bin(f->name, img, f->len);
        put("manifest.json", man, strlen(man));
        free(man);
        snprintf(breadcrumb, sizeof breadcrumb, "weight %g", bad[b]);
        cr_assert_eq(try_load(), REFUSED, "%s", breadcrumb);
        cr_assert_eq(err.status, FJ_ERR_MODEL);
        cr_assert(strstr(err.message, "en.model.bin") && strstr(err.message, "feature 4"), "%s",
                  err.message);
    }
    free(img);
    restore_all();
}
