/*
 * test_bundle.c - model bundles as files: the binary form scores exactly as the text form,
 * saves replace a bundle in one step (a failed save leaves the old one loadable), absurd
 * numbers and inconsistent files are refused at load naming file and line, sizes are checked
 * before reading, a non-finite margin is an error, the training fingerprints tell how many
 * evaluated postings the model was trained on, and the Han segmentation a bundle was trained
 * with is the one it scores with (an older manifest without it: the dictionary's).
 */
#define _GNU_SOURCE /* memmem */
#include "bundle_util.h"
#include "robust_data.h"

#include "core/fj_internal.h"
#include "model/model.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static fj_error err;

/* ---- helpers ---- */

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char *data = bu_read(dir, name, len);
    cr_assert_not_null(data, "%s/%s", dir, name);
    return data;
}

static void spit(const char *dir, const char *name, const char *data, size_t len)
{
    cr_assert(bu_write(dir, name, data, len), "%s/%s", dir, name);
}

/* Rewrite the manifest's size and SHA-256 of `name` to match the file as it now is. */
static void reseal(const char *dir, const char *name)
{
    cr_assert(bu_reseal(dir, name), "the manifest of %s lists %s", dir, name);
}

/* Remove a file from the bundle and from its manifest (an older bundle did not have it). */
static void drop_file(const char *dir, const char *name)
{
    size_t ml;
    char *man = slurp(dir, "manifest.json", &ml);
    json_t *root = json_loads(man, 0, NULL);
    cr_assert_not_null(root);
    cr_assert_eq(json_object_del(json_object_get(root, "files"), name), 0, "%s listed", name);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    spit(dir, "manifest.json", text, strlen(text));
    free(text);
    json_decref(root);
    free(man);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(unlink(path), 0);
}

static void rm_rf(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static bool exists(const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Entries of `parent` whose name starts with `prefix` (left-over temporary folders). */
static int count_prefixed(const char *parent, const char *prefix)
{
    DIR *d = opendir(parent);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static fj_model *trained(int min_df)
{
    fj_model *m = NULL;
    cr_assert_eq(robust_train(&m, min_df, &err), FJ_OK, "%s", err.message);
    return m;
}

static fj_posting *probe(size_t i)
{
    fj_posting *p = NULL;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    cr_assert_eq(fj_posting_parse_json(p, robust_probe_json[i], strlen(robust_probe_json[i]), &err),
                 FJ_OK, "%s", err.message);
    return p;
}

/* The margins of the probe postings under a model. */
static void margins(const fj_model *m, double *out)
{
    fj_context *ctx = NULL;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_context_set_now(ctx, 1767225600);
    for (size_t i = 0; i < ROBUST_PROBE_COUNT; i++) {
        fj_posting *p = probe(i);
        fj_result r;
        cr_assert_eq(fj_score(ctx, m, p, NULL, &r, &err), FJ_OK, "%s", err.message);
        out[i] = r.margin;
        fj_posting_free(p);
    }
    fj_context_free(ctx);
}

static void load_margins(const char *dir, double *out)
{
    fj_model *m = NULL;
    cr_assert_eq(fj_model_load(&m, dir, &err), FJ_OK, "%s", err.message);
    margins(m, out);
    fj_model_free(m);
}

static char *tmp_parent(void)
{
    char *p = strdup("/tmp/fj-bundle-test-XXXXXX");
    cr_assert_not_null(mkdtemp(p));
    return p;
}

/* Save `m` as DIR = a new temporary folder + "/model"; returns that folder (to remove). */
static char *saved_in_new_folder(const fj_model *m, char dir[700])
{
    char *parent = tmp_parent();
    snprintf(dir, 700, "%s/model", parent);
    cr_assert_eq(fj_model_save(m, dir, &err), FJ_OK, "%s", err.message);
    return parent;
}

/* ---- the binary form and the text form ---- */

static void score_file_both(fj_context *ctx, const fj_model *bin, const fj_model *text,
                            const char *path, size_t *scored)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    fj_posting *p = NULL;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    while ((n = getline(&line, &cap, f)) > 0) {
        if (fj_posting_parse_json(p, line, (size_t)n, &err) != FJ_OK)
            continue;
        fj_result a, b;
        fj_status sa = fj_score(ctx, bin, p, NULL, &a, &err);
        double am = a.margin, as = a.score;
        fj_verdict av = a.verdict;
        size_t an = a.reason_count;
        char reasons[2048] = "";
        for (size_t k = 0; sa == FJ_OK && k < an; k++)
            snprintf(reasons + strlen(reasons), sizeof reasons - strlen(reasons), "%s %a;",
                     a.reasons[k].signal, a.reasons[k].weight);
        fj_status sb = fj_score(ctx, text, p, NULL, &b, &err);
        cr_assert_eq(sa, sb, "%s: statuses differ", path);
        if (sa != FJ_OK)
            continue;
        cr_assert(memcmp(&am, &b.margin, sizeof am) == 0, "%s: margin %a vs %a", path, am,
                  b.margin);
        cr_assert(memcmp(&as, &b.score, sizeof as) == 0, "%s: score %a vs %a", path, as, b.score);
        cr_assert_eq(av, b.verdict);
        cr_assert_eq(an, b.reason_count);
        char reasons_b[2048] = "";
        for (size_t k = 0; k < b.reason_count; k++)
            snprintf(reasons_b + strlen(reasons_b), sizeof reasons_b - strlen(reasons_b), "%s %a;",
                     b.reasons[k].signal, b.reasons[k].weight);
        cr_assert_str_eq(reasons, reasons_b);
        (*scored)++;
    }
    free(line);
    fj_posting_free(p);
    fclose(f);
}

Test(bundle_files, the_default_model_scores_bit_identically_from_binary_and_text)
{
    const char *dir = FJ_TEST_DATADIR "/../models/default";
    fj_model *bin = NULL, *text = NULL;
    cr_assert_eq(fj_model_load(&bin, dir, &err), FJ_OK, "%s", err.message);
    for (int i = 0; i < bin->nparts; i++)
        cr_assert_not_null(bin->part[i].map, "part %s loaded from its binary form",
                           bin->part[i].lang);
    cr_assert_not_null(bin->train_fp, "the shipped model keeps its training fingerprints");
    cr_assert_eq(fj__model_load_text(&text, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_null(text->part[0].map);
    fj_context *ctx = NULL;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_context_set_now(ctx, 1767225600);
    size_t scored = 0;
    const char *files[] = {"examples/postings.jsonl", "corpus/en-a.jsonl", "corpus/en-b.jsonl",
                           "corpus/zh-a.jsonl", "corpus/zh-b.jsonl"};
    for (int f = 0; f < 5; f++) {
        char path[600];
        snprintf(path, sizeof path, "%s/../%s", FJ_TEST_DATADIR, files[f]);
        score_file_both(ctx, bin, text, path, &scored);
    }
    cr_assert_gt(scored, 500, "%zu postings scored", scored);
    fj_context_free(ctx);
    fj_model_free(bin);
    fj_model_free(text);
}

Test(bundle_files, a_saved_bundle_has_the_binary_form_and_loads_from_it)
{
    fj_model *m = trained(2);
    char dir[700], *parent = saved_in_new_folder(m, dir);
    cr_assert(exists(dir, "zh.model.bin") && exists(dir, "en.model.bin"));
    cr_assert(exists(dir, "training.fingerprints"));
    double a[ROBUST_PROBE_COUNT], b[ROBUST_PROBE_COUNT], c[ROBUST_PROBE_COUNT];
    margins(m, a);
    load_margins(dir, b);
    fj_model *t = NULL;
    cr_assert_eq(fj__model_load_text(&t, dir, &err), FJ_OK, "%s", err.message);
    margins(t, c);
    fj_model_free(t);
    cr_assert_eq(memcmp(a, b, sizeof a), 0, "the binary form scores as the trained model");
    cr_assert_eq(memcmp(a, c, sizeof a), 0, "the text form scores as the trained model");
    /* an older bundle (no binary form) still loads, from the text files */
    drop_file(dir, "en.model.bin");
    drop_file(dir, "zh.model.bin");
    fj_model *o = NULL;
    cr_assert_eq(fj_model_load(&o, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_null(o->part[0].map);
    margins(o, b);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    fj_model_free(o);
    rm_rf(parent);
    free(parent);
    fj_model_free(m);
}

/* ---- saving replaces the folder in one step ---- */

Test(bundle_files, a_save_replaces_the_bundle_and_keeps_other_files)
{
    fj_model *m1 = trained(2), *m2 = trained(1);
    char dir[700], *parent = saved_in_new_folder(m1, dir);
    spit(dir, "MODEL.md", "# notes\n", 8);
    cr_assert_eq(fj_model_save(m2, dir, &err), FJ_OK, "%s", err.message);
    double a[ROBUST_PROBE_COUNT], b[ROBUST_PROBE_COUNT];
    margins(m2, a);
    load_margins(dir, b);
    cr_assert_eq(memcmp(a, b, sizeof a), 0, "the new bundle is in place");
    size_t len;
    char *notes = slurp(dir, "MODEL.md", &len);
    cr_assert_str_eq(notes, "# notes\n", "files that are not bundle files are carried over");
    free(notes);
    cr_assert_eq(count_prefixed(parent, ".model."), 0, "no temporary folder is left behind");
    /* a model loaded from the folder (mapped) saves over it and still scores after */
    fj_model *l = NULL;
    cr_assert_eq(fj_model_load(&l, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_not_null(l->part[0].map);
    cr_assert_eq(fj_model_save(l, dir, &err), FJ_OK, "%s", err.message);
    margins(l, b);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    fj_model_free(l);
    load_margins(dir, b);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    /* a trailing slash names the same folder */
    char slash[710];
    snprintf(slash, sizeof slash, "%s/", dir);
    cr_assert_eq(fj_model_save(m1, slash, &err), FJ_OK, "%s", err.message);
    margins(m1, a);
    load_margins(dir, b);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    rm_rf(parent);
    free(parent);
    fj_model_free(m1);
    fj_model_free(m2);
}

Test(bundle_files, a_save_never_replaces_a_folder_that_is_not_a_bundle)
{
    fj_model *m = trained(2);
    char *parent = tmp_parent(), dir[700];
    snprintf(dir, sizeof dir, "%s/data", parent);
    cr_assert_eq(mkdir(dir, 0755), 0);
    spit(dir, "notes.txt", "mine\n", 5);
    cr_assert_eq(fj_model_save(m, dir, &err), FJ_ERR_IO);
    cr_assert(strstr(err.message, "not a model bundle") && strstr(err.message, dir), "%s",
              err.message);
    cr_assert(exists(dir, "notes.txt") && !exists(dir, "manifest.json"));
    /* a bundle with a folder inside is not replaced either */
    char sub[710];
    snprintf(sub, sizeof sub, "%s/model", parent);
    cr_assert_eq(fj_model_save(m, sub, &err), FJ_OK, "%s", err.message);
    snprintf(sub, sizeof sub, "%s/model/extra", parent);
    cr_assert_eq(mkdir(sub, 0755), 0);
    snprintf(sub, sizeof sub, "%s/model", parent);
    cr_assert_eq(fj_model_save(m, sub, &err), FJ_ERR_IO);
    /* an empty folder is fine */
    snprintf(sub, sizeof sub, "%s/empty", parent);
    cr_assert_eq(mkdir(sub, 0755), 0);
    cr_assert_eq(fj_model_save(m, sub, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(count_prefixed(parent, "."), 2, "only . and .. remain besides the folders");
    rm_rf(parent);
    free(parent);
    fj_model_free(m);
}

/* A write that fails part-way (here: the file size limit, as a full disk would) leaves the old
 * bundle as it was and no temporary folder. */
Test(bundle_files, a_failed_save_leaves_the_old_bundle_loadable)
{
    fj_model *m1 = trained(2), *m2 = trained(1);
    char dir[700], *parent = saved_in_new_folder(m1, dir);
    spit(dir, "MODEL.md", "# notes\n", 8);
    double before[ROBUST_PROBE_COUNT], after[ROBUST_PROBE_COUNT];
    load_margins(dir, before);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    for (rlim_t cap = 64; cap <= 16384; cap *= 4) {
        lim.rlim_cur = cap;
        lim.rlim_max = old.rlim_max;
        cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
        fj_error_clear(&err);
        fj_status st = fj_model_save(m2, dir, &err);
        cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
        cr_assert_eq(st, FJ_ERR_IO, "files of more than %lu bytes cannot be written",
                     (unsigned long)cap);
        cr_assert(strstr(err.message, "cannot write") && strstr(err.message, dir), "%s",
                  err.message);
        load_margins(dir, after);
        cr_assert_eq(memcmp(before, after, sizeof before), 0, "the old bundle still loads");
        cr_assert(exists(dir, "MODEL.md"));
        cr_assert_eq(count_prefixed(parent, ".model."), 0, "no temporary folder is left");
    }
    rm_rf(parent);
    free(parent);
    fj_model_free(m1);
    fj_model_free(m2);
}

static size_t folder_pages(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t total = 4096;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[700];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            total += ((size_t)sb.st_size + 4095) / 4096 * 4096;
    }
    closedir(d);
    return total;
}

/* The same on a real full disk: a small tmpfs (needs root; skipped otherwise). */
Test(bundle_files, a_save_on_a_full_disk_leaves_the_old_bundle_loadable)
{
    fj_model *m1 = trained(2), *m2 = trained(1);
    char *parent = tmp_parent(), dir[700], mnt[700];
    /* the sizes the two bundles take on a tmpfs */
    snprintf(dir, sizeof dir, "%s/a", parent);
    cr_assert_eq(fj_model_save(m1, dir, &err), FJ_OK, "%s", err.message);
    size_t s1 = folder_pages(dir);
    snprintf(dir, sizeof dir, "%s/b", parent);
    cr_assert_eq(fj_model_save(m2, dir, &err), FJ_OK, "%s", err.message);
    size_t s2 = folder_pages(dir);
    snprintf(mnt, sizeof mnt, "%s/disk", parent);
    cr_assert_eq(mkdir(mnt, 0755), 0);
    char opts[64];
    /* room for the old bundle and half the new one */
    snprintf(opts, sizeof opts, "size=%zu", (s1 + s2 / 2 + 4095) / 4096 * 4096);
    if (geteuid() != 0 || mount("tmpfs", mnt, "tmpfs", 0, opts) != 0) {
        rm_rf(parent);
        free(parent);
        fj_model_free(m1);
        fj_model_free(m2);
        cr_skip_test("cannot mount a tmpfs here (%s)", strerror(errno));
    }
    /* no assertion until the tmpfs is unmounted */
    snprintf(dir, sizeof dir, "%s/model", mnt);
    fj_status st1 = fj_model_save(m1, dir, &err);
    double before[ROBUST_PROBE_COUNT], after[ROBUST_PROBE_COUNT];
    fj_model *l = NULL;
    if (st1 == FJ_OK && fj_model_load(&l, dir, &err) == FJ_OK)
        margins(l, before);
    fj_model_free(l);
    fj_error_clear(&err);
    fj_status st2 = fj_model_save(m2, dir, &err);
    char msg[sizeof err.message];
    memcpy(msg, err.message, sizeof msg);
    l = NULL;
    fj_status st3 = fj_model_load(&l, dir, &err);
    if (st3 == FJ_OK)
        margins(l, after);
    fj_model_free(l);
    int left = count_prefixed(mnt, ".model.");
    umount(mnt);
    rm_rf(parent);
    free(parent);
    fj_model_free(m1);
    fj_model_free(m2);
    cr_assert_eq(st1, FJ_OK, "the first bundle fits");
    cr_assert_eq(st2, FJ_ERR_IO, "the second does not fit beside it");
    cr_assert(strstr(msg, "No space left"), "%s", msg);
    cr_assert_eq(st3, FJ_OK, "%s", err.message);
    cr_assert_eq(memcmp(before, after, sizeof before), 0, "the old bundle still loads");
    cr_assert_eq(left, 0, "no temporary folder is left");
}

/* ---- absurd or inconsistent contents ---- */

static char *text_bundle(fj_model *m, char **parent)
{
    *parent = tmp_parent();
    char *dir = malloc(700);
    snprintf(dir, 700, "%s/model", *parent);
    cr_assert_eq(fj_model_save(m, dir, &err), FJ_OK, "%s", err.message);
    drop_file(dir, "en.model.bin");
    drop_file(dir, "zh.model.bin");
    return dir;
}

/* Replace line `lineno` (1-based) of a bundle file and reseal the manifest. */
static void set_line(const char *dir, const char *name, int lineno, const char *text)
{
    size_t len;
    char *data = slurp(dir, name, &len);
    char *s = data;
    for (int i = 1; i < lineno; i++)
        s = strchr(s, '\n') + 1;
    char *e = strchr(s, '\n');
    fj_buf b = {0};
    fj__buf_append(&b, data, (size_t)(s - data));
    fj__buf_append(&b, text, strlen(text));
    fj__buf_append(&b, e, len - (size_t)(e - data));
    spit(dir, name, b.data, b.len);
    reseal(dir, name);
    fj__buf_free(&b);
    free(data);
}

static fj_status load_st(const char *dir)
{
    fj_model *m = NULL;
    fj_error_clear(&err);
    fj_status st = fj_model_load(&m, dir, &err);
    fj_model_free(m);
    return st;
}

Test(bundle_files, absurd_weights_are_refused_naming_file_and_line)
{
    fj_model *m = trained(2);
    char *parent;
    char *dir = text_bundle(m, &parent);
    size_t len;
    char *orig = slurp(dir, "en.weights.tsv", &len);
    const char *bad[] = {"1e308", "-1000001", "1e7"};
    for (int i = 0; i < 3; i++) {
        set_line(dir, "en.weights.tsv", 4, bad[i]);
        cr_assert_eq(load_st(dir), FJ_ERR_MODEL, "%s", bad[i]);
        cr_assert(strstr(err.message, "en.weights.tsv:4") && strstr(err.message, "beyond"), "%s",
                  err.message);
    }
    set_line(dir, "en.weights.tsv", 4, "999999");
    /* within the bound: loads (the libsvm model then disagrees with it) */
    cr_assert_eq(load_st(dir), FJ_ERR_MODEL);
    cr_assert(strstr(err.message, "en.svm.model") && strstr(err.message, "feature 1"), "%s",
              err.message);
    spit(dir, "en.weights.tsv", orig, len);
    reseal(dir, "en.weights.tsv");
    set_line(dir, "en.weights.tsv", 3, "bias\t-2e6");
    cr_assert_eq(load_st(dir), FJ_ERR_MODEL);
    cr_assert(strstr(err.message, "en.weights.tsv:3") && strstr(err.message, "bias"), "%s",
              err.message);
    spit(dir, "en.weights.tsv", orig, len);
    reseal(dir, "en.weights.tsv");
    cr_assert_eq(load_st(dir), FJ_OK, "%s", err.message);
    free(orig);
    rm_rf(parent);
    free(parent);
    free(dir);
    fj_model_free(m);
}

Test(bundle_files, the_svm_model_is_parsed_and_checked_against_the_weights)
{
    fj_model *m = trained(2);
    char *parent;
    char *dir = text_bundle(m, &parent);
    size_t len;
    char *orig = slurp(dir, "zh.svm.model", &len);
    /* garbage: a parse error naming the file and line */
    set_line(dir, "zh.svm.model", 2, "kernel_type sigmoid");
    cr_assert_eq(load_st(dir), FJ_ERR_MODEL);
    cr_assert(strstr(err.message, "zh.svm.model:2"), "%s", err.message);
    spit(dir, "zh.svm.model", orig, len);
    reseal(dir, "zh.svm.model");
    /* a different bias: well-formed, but not this model */
    char *rho = strstr(orig, "\nrho ");
    cr_assert_not_null(rho);
    int line = 1;
    for (char *q = orig; q <= rho; q++)
        line += *q == '\n';
    set_line(dir, "zh.svm.model", line, "rho 12.5");
    cr_assert_eq(load_st(dir), FJ_ERR_MODEL);
    cr_assert(strstr(err.message, "zh.svm.model") && strstr(err.message, "bias"), "%s",
              err.message);
    spit(dir, "zh.svm.model", orig, len);
    reseal(dir, "zh.svm.model");
    cr_assert_eq(load_st(dir), FJ_OK, "%s", err.message);
    free(orig);
    rm_rf(parent);
    free(parent);
    free(dir);
    fj_model_free(m);
}

Test(bundle_files, a_file_larger_than_the_manifest_says_is_refused_before_reading)
{
    fj_model *m = trained(2);
    char *parent = tmp_parent(), dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/model", parent);
    cr_assert_eq(fj_model_save(m, dir, &err), FJ_OK, "%s", err.message);
    const char *names[] = {"en.features.tsv", "en.model.bin", "en.calibration.json",
                           "training.fingerprints"};
    for (int i = 0; i < 4; i++) {
        size_t len;
        char *orig = slurp(dir, names[i], &len);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        /* 1.9 GB, sparse: reading it would take seconds and the memory */
        cr_assert_eq(truncate(path, (off_t)1900 * 1000 * 1000), 0);
        cr_assert_eq(load_st(dir), FJ_ERR_MODEL, "%s", names[i]);
        cr_assert(strstr(err.message, names[i]) && strstr(err.message, "1900000000 bytes where "
                                                                       "the manifest says"),
                  "%s", err.message);
        spit(dir, names[i], orig, len);
        free(orig);
    }
    cr_assert_eq(load_st(dir), FJ_OK, "%s", err.message);
    rm_rf(parent);
    free(parent);
    fj_model_free(m);
}

Test(bundle_files, a_margin_that_is_not_a_number_is_an_error_not_a_verdict)
{
    fj_model *m = trained(2);
    for (int i = 0; i < m->nparts; i++)
        for (size_t j = 0; j < m->part[i].fs.n; j++)
            m->part[i].w[j] = j % 2 ? INFINITY : -INFINITY;
    fj_context *ctx = NULL;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    for (size_t i = 0; i < ROBUST_PROBE_COUNT; i++) {
        fj_posting *p = probe(i);
        fj_result r;
        fj_error_clear(&err);
        cr_assert_eq(fj_score(ctx, m, p, NULL, &r, &err), FJ_ERR_MODEL, "probe %zu", i);
        cr_assert(strstr(err.message, "not a number"), "%s", err.message);
        fj_posting_free(p);
    }
    fj_context_free(ctx);
    fj_model_free(m);
}

/* ---- training fingerprints ---- */

static fj_dataset *dataset_of(const char *const *json, size_t n)
{
    fj_dataset *d = NULL;
    fj_posting *p = NULL;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    for (size_t i = 0; i < n; i++) {
        char buf[4096];
        size_t len = strlen(json[i]);
        cr_assert_lt(len + 20, sizeof buf);
        memcpy(buf, json[i], len + 1);
        if (!strstr(buf, "\"label\"")) /* a dataset holds labelled postings */
            len = (size_t)snprintf(buf + len - 1, sizeof buf - len, ",\"label\":\"legit\"}") + len -
                  1;
        cr_assert_eq(fj_posting_parse_json(p, buf, len, &err), FJ_OK, "%s", err.message);
        cr_assert_eq(fj_dataset_add(d, p, NULL, &err), FJ_OK, "%s", err.message);
    }
    fj_posting_free(p);
    return d;
}

Test(bundle_files, the_training_fingerprints_count_overlapping_postings)
{
    fj_model *m = trained(2);
    fj_context *ctx = NULL;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_dataset *train = dataset_of(robust_train_json, ROBUST_TRAIN_COUNT);
    fj_dataset *probes = dataset_of(robust_probe_json, ROBUST_PROBE_COUNT);
    /* half training postings, half unseen */
    const char *mixed_json[] = {robust_train_json[0], robust_probe_json[0], robust_train_json[3],
                                robust_probe_json[2]};
    fj_dataset *mixed = dataset_of(mixed_json, 4);
    size_t overlap = 99;
    int known = -1;
    cr_assert_eq(fj_model_training_overlap(m, ctx, train, &overlap, &known, &err), FJ_OK);
    cr_assert_eq(known, 1);
    cr_assert_eq(overlap, ROBUST_TRAIN_COUNT);
    cr_assert_eq(fj_model_training_overlap(m, ctx, probes, &overlap, &known, &err), FJ_OK);
    cr_assert_eq(overlap, 0);
    cr_assert_eq(fj_model_training_overlap(m, ctx, mixed, &overlap, NULL, &err), FJ_OK);
    cr_assert_eq(overlap, 2);
    /* kept by save and load; hashed: no training text in the file */
    char dir[700], *parent = saved_in_new_folder(m, dir);
    size_t len;
    char *fp = slurp(dir, "training.fingerprints", &len);
    cr_assert_eq(len, 24 + 8 * m->n_train_fp);
    cr_assert_null(memmem(fp, len, "WhatsApp", 8));
    free(fp);
    fj_model *l = NULL;
    cr_assert_eq(fj_model_load(&l, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_model_training_overlap(l, ctx, mixed, &overlap, &known, &err), FJ_OK);
    cr_assert_eq(overlap, 2);
    cr_assert_eq(known, 1);
    fj_model_free(l);
    /* an older bundle has none: unknown, not zero overlap by accident */
    drop_file(dir, "training.fingerprints");
    cr_assert_eq(fj_model_load(&l, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_model_training_overlap(l, ctx, mixed, &overlap, &known, &err), FJ_OK);
    cr_assert_eq(known, 0);
    cr_assert_eq(overlap, 0);
    fj_model_free(l);
    /* a damaged file is refused naming it */
    cr_assert_eq(fj_model_save(m, dir, &err), FJ_OK, "%s", err.message);
    fp = slurp(dir, "training.fingerprints", &len);
    cr_assert_gt(len, 40);
    char key[8];
    memcpy(key, fp + 24, 8); /* the first two keys swapped: out of order */
    memcpy(fp + 24, fp + 32, 8);
    memcpy(fp + 32, key, 8);
    spit(dir, "training.fingerprints", fp, len);
    reseal(dir, "training.fingerprints");
    cr_assert_eq(load_st(dir), FJ_ERR_MODEL);
    cr_assert(strstr(err.message, "training.fingerprints"), "%s", err.message);
    free(fp);
    rm_rf(parent);
    free(parent);
    fj_dataset_free(train);
    fj_dataset_free(probes);
    fj_dataset_free(mixed);
    fj_context_free(ctx);
    fj_model_free(m);
}

/* ---- the Han segmentation recorded in the manifest ---- */

/* Set (or with NULL remove) "segmentation" in every part of dir's manifest; value is JSON. */
static void set_segmentation(const char *dir, const char *value)
{
    size_t ml;
    char *man = slurp(dir, "manifest.json", &ml);
    json_t *root = json_loadb(man, ml, 0, NULL);
    cr_assert_not_null(root);
    json_t *parts = json_object_get(root, "parts");
    for (size_t i = 0; i < json_array_size(parts); i++) {
        json_t *pt = json_array_get(parts, i);
        if (value)
            json_object_set_new(pt, "segmentation", json_loads(value, JSON_DECODE_ANY, NULL));
        else
            json_object_del(pt, "segmentation");
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    spit(dir, "manifest.json", text, strlen(text));
    free(text);
    json_decref(root);
    free(man);
}

static json_int_t bundle_format(const char *dir)
{
    size_t ml;
    char *man = slurp(dir, "manifest.json", &ml);
    json_t *root = json_loadb(man, ml, 0, NULL);
    cr_assert_not_null(root);
    json_int_t f = json_integer_value(json_object_get(root, "format"));
    json_decref(root);
    free(man);
    return f;
}

static const char *part_segmentation(const char *dir, size_t part)
{
    static char out[64];
    size_t ml;
    char *man = slurp(dir, "manifest.json", &ml);
    json_t *root = json_loadb(man, ml, 0, NULL);
    cr_assert_not_null(root);
    const char *s = json_string_value(
        json_object_get(json_array_get(json_object_get(root, "parts"), part), "segmentation"));
    snprintf(out, sizeof out, "%s", s ? s : "(none)");
    json_decref(root);
    free(man);
    return out;
}

Test(bundle_files, the_han_segmentation_round_trips_and_an_unknown_one_is_refused)
{
    fj_model *uni = NULL, *dict = trained(1);
    cr_assert_eq(robust_train_seg(&uni, 1, FJ_SEG_HAN_UNIGRAM, &err), FJ_OK, "%s", err.message);
    /* trained on other words: a Chinese probe's margin differs from the dictionary model's */
    double mu[ROBUST_PROBE_COUNT], md[ROBUST_PROBE_COUNT], b[ROBUST_PROBE_COUNT];
    margins(uni, mu);
    margins(dict, md);
    cr_assert_neq(mu[0], md[0]);
    cr_assert_geq(fj__fspace_find(&uni->part[0].fs, "word:\xe5\x85\xbc", 8), 0,
                  "the single character 兼 is a word feature");

    char dir[700], *parent = saved_in_new_folder(uni, dir);
    for (size_t i = 0; i < (size_t)uni->nparts; i++)
        cr_assert_str_eq(part_segmentation(dir, i), "han-unigram");
    /* format 2: a library that reads format 1 only refuses it instead of using the dictionary */
    cr_assert_eq(bundle_format(dir), 2);
    fj_model *m = NULL;
    cr_assert_eq(fj_model_load(&m, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(m->part[0].fs.seg, FJ_SEG_HAN_UNIGRAM);
    margins(m, b);
    cr_assert_eq(memcmp(mu, b, sizeof b), 0, "the loaded bundle scores with its segmentation");
    /* the same weights scored with the dictionary's words would give other margins */
    m->part[0].fs.seg = m->part[1].fs.seg = FJ_SEG_DICTIONARY;
    margins(m, b);
    cr_assert_neq(mu[0], b[0]);
    fj_model_free(m);

    /* unknown names and types are load errors naming the field */
    const char *bad[] = {"\"jieba\"", "\"\"", "\"ICU-DICTIONARY\"", "1", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        set_segmentation(dir, bad[i]);
        m = NULL;
        cr_assert_eq(fj_model_load(&m, dir, &err), FJ_ERR_MODEL, "%s", bad[i]);
        cr_assert_null(m);
        cr_assert_not_null(strstr(err.message, "segmentation"), "%s", err.message);
    }
    /* a manifest without the field (saved before it existed): the dictionary */
    set_segmentation(dir, NULL);
    cr_assert_eq(fj_model_load(&m, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(m->part[0].fs.seg, FJ_SEG_DICTIONARY);
    fj_model_free(m);
    rm_rf(parent);
    free(parent);

    /* the dictionary's bundle says so */
    parent = saved_in_new_folder(dict, dir);
    cr_assert_str_eq(part_segmentation(dir, 0), "icu-dictionary");
    cr_assert_eq(bundle_format(dir), 1, "a dictionary bundle stays readable by older libraries");
    cr_assert_eq(fj_model_load(&m, dir, &err), FJ_OK, "%s", err.message);
    margins(m, b);
    cr_assert_eq(memcmp(md, b, sizeof b), 0);
    fj_model_free(m);
    rm_rf(parent);
    free(parent);
    fj_model_free(uni);
    fj_model_free(dict);
}

/* The pair features of a Chinese description under a segmentation: whether "pair:A B" exists. */
static bool has_pair(fj_segmentation seg, const char *desc, const char *pair)
{
    fj_context *ctx = NULL;
    fj_posting *p = NULL;
    fj__fbuilder *b = NULL;
    fj__fspace fs;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, desc, strlen(desc), &err), FJ_OK);
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_LANG, "zh", 2, &err), FJ_OK);
    cr_assert_eq(fj__fbuilder_new(&b, &err), FJ_OK);
    fj__fbuilder_segment(b, seg);
    cr_assert_eq(fj__fbuilder_add(b, ctx, p, NULL, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj__fbuilder_finish(b, 1, 100000, &fs, &err), FJ_OK, "%s", err.message);
    bool found = fj__fspace_find(&fs, pair, strlen(pair)) >= 0;
    fj__fspace_free(&fs);
    fj__fbuilder_free(b);
    fj_posting_free(p);
    fj_context_free(ctx);
    return found;
}

Test(bundle_files, han_unigrams_keep_the_pairs_of_spaced_out_characters)
{
    /* spaced out to dodge keyword filters: no bigram spans the spaces, so the pairs carry them */
    const char *spaced = "入职前请先交 培 训 费，详情 加 微 信";
    cr_assert(has_pair(FJ_SEG_DICTIONARY, spaced, "pair:\xe5\x9f\xb9 \xe8\xae\xad"));
    cr_assert(has_pair(FJ_SEG_HAN_UNIGRAM, spaced, "pair:\xe5\x9f\xb9 \xe8\xae\xad"),
              "pair:培 训 under han-unigram");
    cr_assert(has_pair(FJ_SEG_HAN_UNIGRAM, spaced, "pair:\xe5\xbe\xae \xe4\xbf\xa1"),
              "pair:微 信 under han-unigram");
    /* touching characters: their bigram holds them, no pair */
    cr_assert_not(
        has_pair(FJ_SEG_HAN_UNIGRAM, "入职前请先交培训费", "pair:\xe5\x9f\xb9 \xe8\xae\xad"));
}
