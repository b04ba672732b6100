/*
 * bundle_save.c - writing a model bundle (fj_model_save): every file into a new sibling
 * folder, flushed, then that folder put in the place of the old one with one atomic exchange,
 * so a save that fails (a full disk) leaves the previous bundle as it was.
 *
 * A bundle is a folder:
 *   manifest.json            {"format":1, "kind":"fakejob-model", "name", "version", "created",
 *                             "library":{"libfakejob","libsvm"}, "kernel", "parts":[{"lang",
 *                             "features", …}], "training":{…}, "files":{NAME:{"bytes","sha256"
 *                             [, "fjh64"]}}}
 *   PART.features.tsv        the feature space (features.c)
 *   PART.weights.tsv         linear models: the primal weights (textfmt.c)
 *   PART.svm.model           libsvm's text model (textfmt.c)
 *   PART.calibration.json    Platt calibration and thresholds (calibration.c)
 *   PART.model.bin           the binary form of the feature space and weights, mapped at load
 *                            (binfmt.c; "fjh64" in the manifest: its header's checksum)
 *   training.fingerprints    hashed content fingerprints of the training postings (trainfp.c)
 * PART is "zh", "en" or "all". Other files (MODEL.md) are not part of the bundle proper: a save
 * carries them over from the folder it replaces.
 */
#define _GNU_SOURCE /* renameat2 */
#include "model/model.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- files ---- */

static fj_status make_dirs(const char *dir, fj_error *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s", dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return fj__errorf(err, FJ_ERR_IO, "cannot create folder '%s': %s", path,
                                  strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return fj__errorf(err, FJ_ERR_IO, "'%s' is not a folder", dir);
    return FJ_OK;
}

/* Write dir/name (in the save's temporary folder), flushed to disk, and add it to the
 * manifest's "files" (with `extra` members, when given). `shown` is the folder named in
 * errors: the one the user asked for. */
static fj_status write_file(const char *dir, const char *shown, const char *name, const char *data,
                            size_t len, json_t *files, json_t *extra, fj_error *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot write '%s/%s': %s", shown, name, strerror(errno));
    size_t done = 0;
    int e = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? errno : ENOSPC;
            break;
        }
        done += (size_t)w;
    }
    if (!e && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (e)
        return fj__errorf(err, FJ_ERR_IO, "cannot write '%s/%s': %s", shown, name, strerror(e));
    if (files) {
        char hex[65];
        fj__sha256_hex(data, len, hex);
        json_t *o = json_pack("{sIss}", "bytes", (json_int_t)len, "sha256", hex);
        if (!o || (extra && json_object_update(o, extra) != 0) ||
            json_object_set_new(files, name, o) != 0)
            return fj__nomem(err);
    }
    return FJ_OK;
}

/* ---- saving: a new folder beside the old one, then one rename ---- */

/* The process's umask without changing it (umask(2) would, for every thread): Linux gives it in
 * /proc/self/status; 022 elsewhere. mkdtemp makes folders 0700, a bundle is shared like its
 * files. */
static mode_t current_umask(void)
{
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "re");
    if (f) {
        char line[128];
        unsigned v;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "Umask: %o", &v) == 1) {
                mask = (mode_t)(v & 0777);
                break;
            }
        fclose(f);
    }
    return mask;
}

/* Remove the regular files of `dir`, then the folder (a failed save's temporary folder, or the
 * bundle a save replaced). */
static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
}

/* `dir` without trailing slashes, split into its parent folder and its name. */
static fj_status split_dir(const char *dir, char *path, char *parent, char *base, fj_error *err)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= PATH_MAX - 32)
        return fj__errorf(err, FJ_ERR_IO, "bad model folder '%s'", dir);
    memcpy(path, dir, n);
    path[n] = '\0';
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    if (!*b || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
        return fj__errorf(err, FJ_ERR_IO,
                          "cannot save a model as '%s': give the bundle folder's own name", dir);
    snprintf(base, NAME_MAX + 1, "%s", b);
    if (!slash)
        snprintf(parent, PATH_MAX, ".");
    else if (slash == path)
        snprintf(parent, PATH_MAX, "/");
    else
        snprintf(parent, PATH_MAX, "%.*s", (int)(slash - path), path);
    return FJ_OK;
}

/* Whether an existing `dir` may be replaced by a save: it must be empty, or a model bundle
 * (a manifest.json) of regular files only. *old_man: the old manifest, if it parses. */
static fj_status check_replaceable(const char *dir, json_t **old_man, fj_error *err)
{
    *old_man = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", dir, strerror(errno));
    bool any = false, manifest = false, odd = false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        any = true;
        struct stat sb;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            odd = true;
        if (strcmp(e->d_name, "manifest.json") == 0)
            manifest = true;
    }
    closedir(d);
    if (odd || (any && !manifest))
        return fj__errorf(err, FJ_ERR_IO,
                          "'%s' exists and is not a model bundle (a folder of regular files with "
                          "a manifest.json): refusing to replace it",
                          dir);
    if (manifest) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/manifest.json", dir);
        *old_man = json_load_file(path, 0, NULL);
    }
    return FJ_OK;
}

static fj_status copy_file(const char *from, const char *to, fj_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot read '%s': %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (out < 0) {
        int e = errno;
        close(in);
        return fj__errorf(err, FJ_ERR_IO, "cannot write '%s': %s", to, strerror(e));
    }
    char buf[65536];
    int e = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            e = errno;
        if (r <= 0)
            break;
        for (ssize_t done = 0; done < r && !e;) {
            ssize_t w = write(out, buf + done, (size_t)(r - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                e = w < 0 ? errno : ENOSPC;
            else
                done += w;
        }
        if (e)
            break;
    }
    if (!e && fsync(out) != 0 && errno != EINVAL && errno != EROFS)
        e = errno;
    close(in);
    if (close(out) != 0 && !e)
        e = errno;
    if (e)
        return fj__errorf(err, FJ_ERR_IO, "cannot copy '%s' to '%s': %s", from, to, strerror(e));
    return FJ_OK;
}

/* The files of the old bundle that are not bundle files (MODEL.md, notes) go into the new
 * folder: hard links where the file system allows, else copies. */
static fj_status carry_over(const char *old, const char *tmp, json_t *old_files, json_t *files,
                            fj_error *err)
{
    DIR *d = opendir(old);
    if (!d)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", old, strerror(errno));
    fj_status st = FJ_OK;
    struct dirent *e;
    while (st == FJ_OK && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] == '.' || strcmp(n, "manifest.json") == 0 || json_object_get(old_files, n) ||
            json_object_get(files, n))
            continue;
        char from[PATH_MAX], to[PATH_MAX];
        if ((size_t)snprintf(from, sizeof from, "%s/%s", old, n) >= sizeof from ||
            (size_t)snprintf(to, sizeof to, "%s/%s", tmp, n) >= sizeof to) {
            st = fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", old, n);
            break;
        }
        if (link(from, to) != 0)
            st = copy_file(from, to, err);
    }
    closedir(d);
    return st;
}

/* Put the finished temporary folder `tmp` in the place of `dir` (absent, or replaceable):
 * one atomic exchange where the file system supports it, else two renames (the old bundle is
 * moved back when the second fails). The old bundle's folder is removed afterwards. */
static fj_status install_folder(const char *tmp, const char *dir, bool exists, const char *parent,
                                const char *base, fj_error *err)
{
    if (!exists) {
        if (rename(tmp, dir) != 0)
            return fj__errorf(err, FJ_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, dir,
                              strerror(errno));
    } else {
#ifdef RENAME_EXCHANGE
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
            remove_folder(tmp); /* now the old bundle */
            return FJ_OK;
        }
#endif
        char old[PATH_MAX];
        if ((size_t)snprintf(old, sizeof old, "%s/.%s.old-XXXXXX", parent, base) >= sizeof old ||
            !mkdtemp(old))
            return fj__errorf(err, FJ_ERR_IO, "cannot replace '%s': %s", dir, strerror(errno));
        if (rename(dir, old) != 0) {
            int e = errno;
            rmdir(old);
            return fj__errorf(err, FJ_ERR_IO, "cannot replace '%s': %s", dir, strerror(e));
        }
        if (rename(tmp, dir) != 0) {
            int e = errno;
            rename(old, dir);
            return fj__errorf(err, FJ_ERR_IO, "cannot replace '%s': %s", dir, strerror(e));
        }
        remove_folder(old);
    }
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd >= 0) {
        fsync(pfd);
        close(pfd);
    }
    return FJ_OK;
}

/* Write every file of the bundle into `tmp` (errors name `shown`, the folder asked for). */
static fj_status write_bundle(const fj_model *m, const char *tmp, const char *shown, json_t *files,
                              fj_error *err)
{
    fj_status st = FJ_OK;
    for (int i = 0; st == FJ_OK && i < m->nparts; i++) {
        const fj__part *pt = &m->part[i];
        char name[64];
        fj_buf b = {0};
        snprintf(name, sizeof name, "%s.features.tsv", pt->lang);
        st = fj__fspace_write(&pt->fs, &b)
                 ? write_file(tmp, shown, name, b.data, b.len, files, NULL, err)
                 : fj__nomem(err);
        b.len = 0;
        if (st == FJ_OK && pt->kernel == FJ_KERNEL_LINEAR) {
            snprintf(name, sizeof name, "%s.weights.tsv", pt->lang);
            st = fj__weights_write(pt, &b)
                     ? write_file(tmp, shown, name, b.data, b.len, files, NULL, err)
                     : fj__nomem(err);
        }
        b.len = 0;
        if (st == FJ_OK && fj__bin_supported()) {
            snprintf(name, sizeof name, "%s.model.bin", pt->lang);
            st = fj__bin_write(pt, &b, err);
            if (st == FJ_OK) {
                /* the manifest also records the image's own checksum, which loading verifies
                 * (SHA-256 of it would cost more than the rest of the load) */
                char sum[17];
                uint64_t c;
                memcpy(&c, b.data + 128, 8);
                snprintf(sum, sizeof sum, "%016llx", (unsigned long long)c);
                json_t *extra = json_pack("{ss}", "fjh64", sum);
                st = extra ? write_file(tmp, shown, name, b.data, b.len, files, extra, err)
                           : fj__nomem(err);
                json_decref(extra);
            }
        }
        fj__buf_free(&b);
        if (st == FJ_OK) {
            snprintf(name, sizeof name, "%s.svm.model", pt->lang);
            char *text = pt->svm_text, *lazy = NULL;
            size_t tlen = pt->svm_len;
            if (!text && pt->svm_src) {
                /* a loaded linear part: its libsvm model is read (and verified) only now */
                st = fj__bundle_read_checked(pt->svm_src, name, pt->svm_sha, pt->svm_len, &lazy,
                                             &tlen, err);
                text = lazy;
            } else if (!text) {
                st = fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_save: part '%s' has no SVM model",
                                pt->lang);
            }
            if (st == FJ_OK)
                st = write_file(tmp, shown, name, text, tlen, files, NULL, err);
            free(lazy);
        }
        if (st == FJ_OK) {
            char *cal = fj__calibration_text(pt, err);
            snprintf(name, sizeof name, "%s.calibration.json", pt->lang);
            st = cal ? write_file(tmp, shown, name, cal, strlen(cal), files, NULL, err)
                     : FJ_ERR_NOMEM;
            free(cal);
        }
    }
    if (st == FJ_OK && m->train_fp) {
        fj_buf b = {0};
        st = fj__train_fp_write(m, &b)
                 ? write_file(tmp, shown, "training.fingerprints", b.data, b.len, files, NULL, err)
                 : fj__nomem(err);
        fj__buf_free(&b);
    }
    json_t *man = NULL;
    if (st == FJ_OK) {
        /* the manifest: the model's own (as trained or loaded) with this save's files */
        fj_model tmpm = *m;
        tmpm.manifest = NULL;
        st = fj__model_build_manifest(&tmpm, err);
        if (st == FJ_OK) {
            man = json_loads(tmpm.manifest, 0, NULL);
            free(tmpm.manifest);
            if (!man || json_object_set(man, "files", files) != 0)
                st = fj__nomem(err);
        }
    }
    if (st == FJ_OK) {
        char *text = json_dumps(man, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
        fj_buf b = {0};
        if (!text || !fj__buf_append(&b, text, strlen(text)) || !fj__buf_append(&b, "\n", 1))
            st = fj__nomem(err);
        else
            st = write_file(tmp, shown, "manifest.json", b.data, b.len, NULL, NULL, err);
        fj__buf_free(&b);
        free(text);
    }
    json_decref(man);
    return st;
}

fj_status fj_model_save(const fj_model *m, const char *dir, fj_error *err)
{
    if (!m || !dir)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_save: NULL argument");
    char path[PATH_MAX], parent[PATH_MAX], base[NAME_MAX + 1], tmp[PATH_MAX + NAME_MAX + 16];
    fj_status st = split_dir(dir, path, parent, base, err);
    if (st == FJ_OK)
        st = make_dirs(parent, err);
    if (st != FJ_OK)
        return st;
    struct stat sb;
    bool exists = lstat(path, &sb) == 0;
    if (exists && !S_ISDIR(sb.st_mode))
        return fj__errorf(err, FJ_ERR_IO,
                          "'%s' exists and is not a folder (a symbolic link or a file): refusing "
                          "to replace it",
                          dir);
    json_t *old_man = NULL;
    if (exists && (st = check_replaceable(path, &old_man, err)) != FJ_OK)
        return st;
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", parent, base);
    if (!mkdtemp(tmp)) {
        json_decref(old_man);
        return fj__errorf(err, FJ_ERR_IO, "cannot create a folder beside '%s': %s", dir,
                          strerror(errno));
    }
    chmod(tmp, 0777 & ~current_umask());
    json_t *files = json_object();
    st = files ? write_bundle(m, tmp, path, files, err) : fj__nomem(err);
    if (st == FJ_OK && exists)
        st = carry_over(path, tmp, json_object_get(old_man, "files"), files, err);
    if (st == FJ_OK)
        st = install_folder(tmp, path, exists, parent, base, err);
    if (st != FJ_OK)
        remove_folder(tmp); /* the old bundle, if any, is untouched */
    json_decref(files);
    json_decref(old_man);
    return st;
}
