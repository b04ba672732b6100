/*
 * bundle_load.c - loading a model bundle (fj_model_load, the default model's location): each
 * file's size checked against the manifest before it is read and its checksum before it is
 * used; a part from its binary form (PART.model.bin, mapped: binfmt.c) when the bundle has it,
 * else from its text files, every one parsed and checked against the others. bundle_save.c
 * describes the files.
 */
#define _GNU_SOURCE /* dladdr */
#include "model/model.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_MANIFEST_BYTES ((size_t)16 << 20)

/* ---- files ---- */

fj_status fj__bundle_open(const char *path, size_t expect, int *fd_out, size_t *size, fj_error *err)
{
    /* non-blocking, so that a FIFO or a device in the bundle cannot hang the loader */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return fj__errorf(err, FJ_ERR_IO, "'%s' is not a regular file", path);
    }
    if (expect != SIZE_MAX && (unsigned long long)sb.st_size != (unsigned long long)expect) {
        close(fd);
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: %llu bytes where the manifest says %zu (truncated or altered)", path,
                          (unsigned long long)sb.st_size, expect);
    }
    size_t cap = expect == SIZE_MAX ? MAX_MANIFEST_BYTES : FJ__MAX_FILE_BYTES;
    if ((unsigned long long)sb.st_size > cap) {
        close(fd);
        return fj__errorf(err, FJ_ERR_MODEL, "'%s' is larger than %zu bytes", path, cap);
    }
    *fd_out = fd;
    *size = (size_t)sb.st_size;
    return FJ_OK;
}

/* Read dir/name whole (fj__bundle_open's checks first). */
static fj_status read_file(const char *dir, const char *name, size_t expect, char **data,
                           size_t *len, fj_error *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", dir, name);
    int fd;
    size_t size, got = 0;
    fj_status st = fj__bundle_open(path, expect, &fd, &size, err);
    if (st != FJ_OK)
        return st;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return fj__nomem(err);
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != size) {
        free(buf);
        return fj__errorf(err, FJ_ERR_IO, "cannot read '%s' (%zu of %zu bytes)", path, got, size);
    }
    buf[size] = '\0';
    *data = buf;
    *len = size;
    return FJ_OK;
}

/* ---- loading ---- */

static bool safe_name(const char *s)
{
    if (!*s || strlen(s) > 100 || s[0] == '.')
        return false;
    for (; *s; s++)
        if (*s == '/' || *s == '\\')
            return false;
    return true;
}

/* The manifest's "files" entry of `name`: its size and SHA-256. */
static fj_status manifest_entry(const char *dir, json_t *files, const char *name, size_t *bytes,
                                const char **sum, fj_error *err)
{
    json_t *e = json_object_get(files, name);
    json_t *b = json_object_get(e, "bytes");
    *sum = json_string_value(json_object_get(e, "sha256"));
    if (!json_is_object(e) || !json_is_integer(b) || json_integer_value(b) < 0 || !*sum ||
        strlen(*sum) != 64)
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s/manifest.json: no \"bytes\" and \"sha256\" entry for '%s'", dir,
                          name);
    if ((unsigned long long)json_integer_value(b) > FJ__MAX_FILE_BYTES)
        return fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: '%s' is larger than %zu bytes", dir,
                          name, FJ__MAX_FILE_BYTES);
    *bytes = (size_t)json_integer_value(b);
    return FJ_OK;
}

/* Read a file of the bundle and verify it against the manifest's "files" entry. */
static fj_status load_verified(const char *dir, json_t *files, const char *name, char **data,
                               size_t *len, fj_error *err)
{
    size_t bytes;
    const char *sum;
    fj_status st = manifest_entry(dir, files, name, &bytes, &sum, err);
    return st != FJ_OK ? st : fj__bundle_read_checked(dir, name, sum, bytes, data, len, err);
}

/* Check only the size of a bundle file that this load does not read (the text export of a part
 * loaded from its binary form). */
static fj_status check_size(const char *dir, json_t *files, const char *name, fj_error *err)
{
    size_t bytes;
    const char *sum;
    fj_status st = manifest_entry(dir, files, name, &bytes, &sum, err);
    if (st != FJ_OK)
        return st;
    char path[PATH_MAX];
    struct stat sb;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", dir, name);
    if (stat(path, &sb) != 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return fj__errorf(err, FJ_ERR_IO, "'%s' is not a regular file", path);
    if ((unsigned long long)sb.st_size != (unsigned long long)bytes)
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: %llu bytes where the manifest says %zu (truncated or altered)", path,
                          (unsigned long long)sb.st_size, bytes);
    return FJ_OK;
}

/* Read a file of the bundle, its size checked before and its SHA-256 (lowercase hex) after. */
fj_status fj__bundle_read_checked(const char *dir, const char *name, const char *sum, size_t bytes,
                                  char **data, size_t *len, fj_error *err)
{
    fj_status st = read_file(dir, name, bytes, data, len, err);
    if (st != FJ_OK)
        return st;
    char hex[65];
    fj__sha256_hex(*data, *len, hex);
    if (strcmp(hex, sum) != 0) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s/%s: checksum mismatch (the file is corrupted or was altered)", dir,
                        name);
        free(*data);
        *data = NULL;
    }
    return st;
}

static char *dup_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strdup(s) : NULL;
}

/* A linear part's PART.svm.model must be the libsvm form of its weights: every support vector
 * index inside the feature space, and sum(coef * SV) equal to the weights, -rho to the bias
 * (exactly for the collapsed form training writes; to 1e-9 relative otherwise). */
static fj_status svm_matches_weights(const fj__part *pt, const struct svm_model *svm,
                                     const char *path, fj_error *err)
{
    if (svm->param.kernel_type != LINEAR)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: kernel differs from the calibration's", path);
    double sign = svm->label[0] == 1 ? 1 : -1;
    double *w = calloc(pt->fs.n + 1, sizeof *w);
    if (!w)
        return fj__nomem(err);
    fj_status st = FJ_OK;
    for (int i = 0; i < svm->l && st == FJ_OK; i++)
        for (const struct svm_node *x = svm->SV[i]; x->index != -1; x++) {
            if ((size_t)x->index > pt->fs.n) {
                st = fj__errorf(err, FJ_ERR_MODEL, "%s: support vector %d uses feature %d of %zu",
                                path, i + 1, x->index, pt->fs.n);
                break;
            }
            w[x->index - 1] += sign * svm->sv_coef[0][i] * x->value;
        }
    for (size_t j = 0; j < pt->fs.n && st == FJ_OK; j++)
        if (!(fabs(w[j] - pt->w[j]) <= 1e-9 * (1 + fabs(pt->w[j]))))
            st = fj__errorf(err, FJ_ERR_MODEL,
                            "%s: feature %zu: weight %.17g where the weights file has %.17g", path,
                            j + 1, w[j], pt->w[j]);
    if (st == FJ_OK && !(fabs(-sign * svm->rho[0] - pt->b) <= 1e-9 * (1 + fabs(pt->b))))
        st = fj__errorf(err, FJ_ERR_MODEL, "%s: rho %.17g does not match the bias %.17g", path,
                        svm->rho[0], pt->b);
    free(w);
    return st;
}

/* A linear part does not keep its PART.svm.model: where to read it again, and its checksum. */
static fj_status keep_svm_source(fj__part *pt, const char *dir, json_t *files, const char *name,
                                 fj_error *err)
{
    const char *sum;
    fj_status st = manifest_entry(dir, files, name, &pt->svm_len, &sum, err);
    if (st != FJ_OK)
        return st;
    memcpy(pt->svm_sha, sum, 65);
    pt->svm_src = strdup(dir);
    return pt->svm_src ? FJ_OK : fj__nomem(err);
}

/* An RBF part's parsed libsvm model: the calibration's kernel, every support vector index
 * inside the feature space; sets the sign of the margin. */
static fj_status rbf_check(fj__part *pt, const char *path, fj_error *err)
{
    if (pt->svm->param.kernel_type != RBF)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: kernel differs from the calibration's", path);
    for (int i = 0; i < pt->svm->l; i++)
        for (const struct svm_node *x = pt->svm->SV[i]; x->index != -1; x++)
            if ((size_t)x->index > pt->fs.n)
                return fj__errorf(err, FJ_ERR_MODEL, "%s: support vector %d uses feature %d of %zu",
                                  path, i + 1, x->index, pt->fs.n);
    pt->sign = pt->svm->label[0] == 1 ? 1 : -1;
    return FJ_OK;
}

typedef fj_status (*part_parser)(fj__part *pt, const char *data, size_t len, const char *file,
                                 fj_error *err);

static fj_status parse_fspace(fj__part *pt, const char *data, size_t len, const char *file,
                              fj_error *err)
{
    return fj__fspace_parse(&pt->fs, data, len, file, err);
}

/* Read the part's file PART.`suffix` (verified against the manifest) and parse it into the
 * part; `path` receives the file's path for later messages. */
static fj_status load_parsed(fj__part *pt, const char *dir, json_t *files, const char *suffix,
                             part_parser parse, char *path, size_t path_size, fj_error *err)
{
    char name[64];
    char *data = NULL;
    size_t len = 0;
    snprintf(name, sizeof name, "%s.%s", pt->lang, suffix);
    snprintf(path, path_size, "%s/%s", dir, name);
    fj_status st = load_verified(dir, files, name, &data, &len, err);
    if (st == FJ_OK)
        st = parse(pt, data, len, path, err);
    free(data);
    return st;
}

/* The text form of a part: PART.features.tsv, PART.weights.tsv (linear) and PART.svm.model,
 * each verified, parsed and checked against the others. */
static fj_status load_part_text(fj__part *pt, const char *dir, json_t *files, fj_error *err)
{
    char name[64], path[PATH_MAX + 80];
    fj_status st =
        load_parsed(pt, dir, files, "features.tsv", parse_fspace, path, sizeof path, err);
    if (st != FJ_OK)
        return st;
    for (size_t f = pt->fs.n_dense; f < pt->fs.n; f++)
        if (pt->fs.param[f] > FJ__MAX_IDF) /* feature f is on line f + 3 */
            return fj__error_at(err, FJ_ERR_MODEL, path, (long long)f + 3, "idf %g is beyond %g",
                                pt->fs.param[f], FJ__MAX_IDF);
    if (pt->kernel == FJ_KERNEL_LINEAR &&
        (st = load_parsed(pt, dir, files, "weights.tsv", fj__weights_parse, path, sizeof path,
                          err)) != FJ_OK)
        return st;
    snprintf(name, sizeof name, "%s.svm.model", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    st = load_verified(dir, files, name, &pt->svm_text, &pt->svm_len, err);
    if (st == FJ_OK)
        st = fj__svm_parse(&pt->svm, pt->svm_text, pt->svm_len, path, err);
    if (st != FJ_OK)
        return st;
    pt->sign = 1;
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        /* scoring uses the primal weights: the libsvm model is checked against them, then
         * dropped (fj_model_save reads the file again) */
        st = svm_matches_weights(pt, pt->svm, path, err);
        fj__svm_free(pt->svm);
        pt->svm = NULL;
        free(pt->svm_text);
        pt->svm_text = NULL;
        return st != FJ_OK ? st : keep_svm_source(pt, dir, files, name, err);
    }
    return rbf_check(pt, path, err);
}

/* The binary form of a part: PART.model.bin mapped and validated (its checksum must be the one
 * the manifest records), the text export's sizes checked; an RBF part still parses its libsvm
 * model. */
static fj_status load_part_bin(fj__part *pt, const char *dir, json_t *files, fj_error *err)
{
    char name[64], path[PATH_MAX + 80];
    snprintf(name, sizeof name, "%s.model.bin", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t bytes;
    const char *sha;
    fj_status st = manifest_entry(dir, files, name, &bytes, &sha, err);
    if (st != FJ_OK)
        return st;
    const char *want = json_string_value(json_object_get(json_object_get(files, name), "fjh64"));
    char *end = NULL;
    unsigned long long wsum = want && strlen(want) == 16 ? strtoull(want, &end, 16) : 0;
    if (!end || *end)
        return fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: no \"fjh64\" checksum for '%s'",
                          dir, name);
    const char *text[] = {"features.tsv", pt->kernel == FJ_KERNEL_LINEAR ? "weights.tsv" : NULL,
                          "svm.model"};
    for (int k = 0; k < 3 && st == FJ_OK; k++) {
        if (!text[k])
            continue;
        snprintf(name, sizeof name, "%s.%s", pt->lang, text[k]);
        st = check_size(dir, files, name, err);
    }
    if (st != FJ_OK)
        return st;
    fj__bin_view v;
    st = fj__bin_map(path, bytes, pt->kernel, &v, err);
    if (st != FJ_OK)
        return st;
    uint64_t have;
    memcpy(&have, (const unsigned char *)v.map + 128, 8);
    if (have != wsum) {
        fj__bin_unmap(v.map, v.map_len);
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: checksum %016llx where the manifest says %s (altered or from "
                          "another bundle)",
                          path, (unsigned long long)have, want);
    }
    pt->map = v.map;
    pt->map_len = v.map_len;
    pt->fs = v.fs;
    pt->w = v.w;
    pt->b = v.b;
    pt->sign = 1;
    snprintf(name, sizeof name, "%s.svm.model", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        /* not read now: fj_model_save reads (and verifies) it */
        return keep_svm_source(pt, dir, files, name, err);
    }
    st = load_verified(dir, files, name, &pt->svm_text, &pt->svm_len, err);
    if (st == FJ_OK)
        st = fj__svm_parse(&pt->svm, pt->svm_text, pt->svm_len, path, err);
    if (st != FJ_OK)
        return st;
    return rbf_check(pt, path, err);
}

static fj_status load_part(fj__part *pt, const char *dir, json_t *files, bool text_only,
                           fj_error *err)
{
    char name[64], path[PATH_MAX + 80];
    fj_status st = load_parsed(pt, dir, files, "calibration.json", fj__calibration_parse, path,
                               sizeof path, err);
    if (st != FJ_OK)
        return st;
    snprintf(name, sizeof name, "%s.model.bin", pt->lang);
    if (!text_only && fj__bin_supported() && json_object_get(files, name))
        return load_part_bin(pt, dir, files, err);
    return load_part_text(pt, dir, files, err);
}

static fj_status model_load(fj_model **out, const char *dir, bool text_only, fj_error *err)
{
    if (!out || !dir)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_load: NULL argument");
    *out = NULL;
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot open model folder '%s': %s", dir,
                          strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return fj__errorf(err, FJ_ERR_IO, "'%s' is not a folder (a model is a folder)", dir);
    char *text = NULL;
    size_t len = 0;
    fj_status st = read_file(dir, "manifest.json", SIZE_MAX, &text, &len, err);
    if (st != FJ_OK)
        return st;
    json_error_t je;
    json_t *man = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    fj_model *m = NULL;
    if (!man) {
        st = fj__error(err, FJ_ERR_MODEL, NULL, -1, je.line, "%s/manifest.json:%d: %s", dir,
                       je.line, je.text);
        goto out;
    }
    json_t *fmt = json_object_get(man, "format");
    const char *kind = json_string_value(json_object_get(man, "kind"));
    if (!json_is_object(man) || !json_is_integer(fmt) || !kind ||
        strcmp(kind, "fakejob-model") != 0) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s/manifest.json: not a fakejob model manifest (needs \"kind\": "
                        "\"fakejob-model\" and an integer \"format\")",
                        dir);
        goto out;
    }
    if (json_integer_value(fmt) > FJ__BUNDLE_FORMAT) {
        st = fj__errorf(err, FJ_ERR_VERSION,
                        "%s/manifest.json: bundle format %lld is newer than this library's (%d); "
                        "upgrade libfakejob",
                        dir, (long long)json_integer_value(fmt), FJ__BUNDLE_FORMAT);
        goto out;
    }
    if (json_integer_value(fmt) < 1) {
        st = fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: bad format %lld", dir,
                        (long long)json_integer_value(fmt));
        goto out;
    }
    json_t *files = json_object_get(man, "files");
    json_t *parts = json_object_get(man, "parts");
    m = calloc(1, sizeof *m);
    if (!m) {
        st = fj__nomem(err);
        goto out;
    }
    m->name = dup_str(man, "name");
    m->version = dup_str(man, "version");
    m->created = dup_str(man, "created");
    if (!m->name || !m->version || !*m->name || !json_is_object(files) || !json_is_array(parts) ||
        json_array_size(parts) < 1 || json_array_size(parts) > FJ__MAX_PARTS) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s/manifest.json: needs \"name\", \"version\", \"files\" and 1 to %d "
                        "\"parts\"",
                        dir, FJ__MAX_PARTS);
        goto out;
    }
    const char *fname;
    json_t *fv;
    json_object_foreach(files, fname, fv)
    {
        if (!safe_name(fname)) {
            st = fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: bad file name '%.60s'", dir,
                            fname);
            goto out;
        }
    }
    for (size_t i = 0; i < json_array_size(parts); i++) {
        const char *lang = json_string_value(json_object_get(json_array_get(parts, i), "lang"));
        if (!lang ||
            (strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0 && strcmp(lang, "all") != 0)) {
            st = fj__errorf(err, FJ_ERR_MODEL,
                            "%s/manifest.json: part %zu: \"lang\" must be zh, en or all", dir,
                            i + 1);
            goto out;
        }
        for (int j = 0; j < m->nparts; j++)
            if (strcmp(m->part[j].lang, lang) == 0) {
                st = fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: two parts for '%s'", dir,
                                lang);
                goto out;
            }
        /* how the part's Han text was tokenized in training; absent: the dictionary (bundles
         * saved before the choice existed) */
        json_t *sj = json_object_get(json_array_get(parts, i), "segmentation");
        fj_segmentation seg = FJ_SEG_DICTIONARY;
        if (sj) {
            const char *sn = json_string_value(sj);
            if (sn && strcmp(sn, fj_segmentation_name(FJ_SEG_HAN_UNIGRAM)) == 0)
                seg = FJ_SEG_HAN_UNIGRAM;
            else if (!sn || strcmp(sn, fj_segmentation_name(FJ_SEG_DICTIONARY)) != 0) {
                st = fj__errorf(err, FJ_ERR_MODEL,
                                "%s/manifest.json: part %zu: unknown \"segmentation\" '%.40s' "
                                "(this library knows %s and %s)",
                                dir, i + 1, sn ? sn : "(not a string)",
                                fj_segmentation_name(FJ_SEG_DICTIONARY),
                                fj_segmentation_name(FJ_SEG_HAN_UNIGRAM));
                goto out;
            }
        }
        fj__part *pt = &m->part[m->nparts++];
        snprintf(pt->lang, sizeof pt->lang, "%s", lang);
        st = load_part(pt, dir, files, text_only, err);
        if (st != FJ_OK)
            goto out;
        pt->fs.seg = seg;
    }
    if (json_object_get(files, "training.fingerprints")) {
        char *fp = NULL;
        size_t fplen = 0;
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/training.fingerprints", dir);
        st = load_verified(dir, files, "training.fingerprints", &fp, &fplen, err);
        if (st == FJ_OK)
            st = fj__train_fp_parse(m, fp, fplen, path, err);
        free(fp);
        if (st != FJ_OK)
            goto out;
    }
    json_t *tr = json_object_get(man, "training");
    if (json_is_object(tr))
        m->training = json_dumps(tr, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
    size_t dl = strlen(m->name) + strlen(m->version) + 2;
    m->display = malloc(dl);
    m->manifest = strdup(text);
    if (!m->display || !m->manifest) {
        st = fj__nomem(err);
        goto out;
    }
    snprintf(m->display, dl, "%s %s", m->name, m->version);
out:
    json_decref(man);
    free(text);
    if (st != FJ_OK) {
        fj_model_free(m);
        return st;
    }
    *out = m;
    return FJ_OK;
}

fj_status fj_model_load(fj_model **out, const char *dir, fj_error *err)
{
    return model_load(out, dir, false, err);
}

fj_status fj__model_load_text(fj_model **out, const char *dir, fj_error *err)
{
    return model_load(out, dir, true, err);
}

/* ---- the default model ---- */

static bool in_build_tree(void)
{
    Dl_info info;
    if (!dladdr((void *)&fj_model_load_default, &info) || !info.dli_fname)
        return false;
    char self[PATH_MAX], build[PATH_MAX];
    /* for the main program dladdr gives argv[0], which may be a bare or made-up name */
    if ((!strchr(info.dli_fname, '/') || !realpath(info.dli_fname, self)) &&
        !realpath("/proc/self/exe", self))
        return false;
    if (!realpath(FJ_BUILDDIR, build))
        return false;
    size_t n = strlen(build);
    return strncmp(self, build, n) == 0 && self[n] == '/';
}

fj_status fj_model_load_default(fj_model **out, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_load_default: out is NULL");
    const char *env = getenv("FAKEJOB_MODEL");
    if (env && *env)
        return fj_model_load(out, env, err);
    const char *dir =
        in_build_tree() ? FJ_SOURCE_MODELDIR "/default" : FJ_DATADIR "/models/default";
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return fj__errorf(err, FJ_ERR_IO,
                          "no default model: '%s' does not exist (set FAKEJOB_MODEL to a model "
                          "folder, or pass one explicitly)",
                          dir);
    return fj_model_load(out, dir, err);
}
