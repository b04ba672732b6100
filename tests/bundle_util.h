/*
 * bundle_util.h - what the model bundle tests (test_bundle.c, test_model.c,
 * test_model_corrupt.c) and the model fuzzers (fuzz/fuzz_model.c, fuzz/fuzz_model_bin.c)
 * share: a bundle's file read whole or written, a manifest entry made to match a file's new
 * bytes (so a test reaches the parsers behind the checksums), and the fixed postings the
 * fuzzers score. No test framework here: each helper returns its failure (NULL or false) for
 * the caller to assert on.
 */
#ifndef FJ_TESTS_BUNDLE_UTIL_H
#define FJ_TESTS_BUNDLE_UTIL_H

#include "core/fj_internal.h"
#include "core/sha256.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* DIR/NAME, or NAME alone when dir is NULL. */
static inline void bu_path(char *path, size_t size, const char *dir, const char *name)
{
    if (dir)
        snprintf(path, size, "%s/%s", dir, name);
    else
        snprintf(path, size, "%s", name);
}

/* The whole file DIR/NAME, NUL-terminated (malloc'd; *len its size); NULL when unreadable. */
static inline char *bu_read(const char *dir, const char *name, size_t *len)
{
    char path[700];
    bu_path(path, sizeof path, dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* Write `len` bytes to DIR/NAME (replacing it); false on any error. */
static inline bool bu_write(const char *dir, const char *name, const void *data, size_t len)
{
    char path[700];
    bu_path(path, sizeof path, dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = len == 0 || fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Set a manifest "files" entry's size and SHA-256 to those of `data`. */
static inline void bu_seal_entry(json_t *entry, const void *data, size_t len)
{
    char hex[65];
    fj__sha256_hex(data, len, hex);
    json_object_set_new(entry, "bytes", json_integer((json_int_t)len));
    json_object_set_new(entry, "sha256", json_string(hex));
}

/* The manifest text `man` with the entry of `name` matching `data` (indented, keys sorted;
 * malloc'd); NULL when the manifest is not JSON or does not list `name`. */
static inline char *bu_resealed_manifest(const char *man, size_t man_len, const char *name,
                                         const void *data, size_t len)
{
    json_t *root = json_loadb(man, man_len, 0, NULL);
    json_t *e = json_object_get(json_object_get(root, "files"), name);
    char *text = NULL;
    if (json_is_object(e)) {
        bu_seal_entry(e, data, len);
        text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    }
    json_decref(root);
    return text;
}

/* Rewrite DIR/manifest.json so that its entry of `name` matches the file as it now is. */
static inline bool bu_reseal(const char *dir, const char *name)
{
    size_t len = 0, ml = 0;
    char *data = bu_read(dir, name, &len);
    char *man = bu_read(dir, "manifest.json", &ml);
    char *text = data && man ? bu_resealed_manifest(man, ml, name, data, len) : NULL;
    bool ok = text && bu_write(dir, "manifest.json", text, strlen(text));
    free(text);
    free(man);
    free(data);
    return ok;
}

/* The fuzzers' fixed postings (Chinese, English scam, English legitimate) as JSON. */
#define BU_PROBES 3
static inline const char *bu_probe_json(int i)
{
    static const char *const json[BU_PROBES] = {
        "{\"title\":\"在家兼职打字员\",\"description\":\"日结300，入职前需缴纳培训费198元，加QQ:"
        "12345678\",\"company\":\"某某公司\"}",
        "{\"title\":\"Data entry from home\",\"description\":\"Earn $500/week, no experience. "
        "Pay a $50 registration fee and text us on WhatsApp.\",\"telecommuting\":true}",
        "{\"lang\":\"en\",\"title\":\"Accountant\",\"company\":\"Acme Ltd\",\"description\":\"Keep "
        "the books of a 40-person firm; CPA required.\",\"has_company_logo\":true,\"openings\":1}",
    };
    return json[i];
}

/* A context at a fixed time and the parsed probe postings; false on any failure. */
static inline bool bu_probes(fj_context **ctx, fj_posting *posts[BU_PROBES])
{
    if (fj_context_new(ctx, NULL) != FJ_OK)
        return false;
    fj_context_set_now(*ctx, 1767225600);
    for (int i = 0; i < BU_PROBES; i++) {
        const char *j = bu_probe_json(i);
        if (fj_posting_new(&posts[i], NULL) != FJ_OK ||
            fj_posting_parse_json(posts[i], j, strlen(j), NULL) != FJ_OK)
            return false;
    }
    return true;
}

#endif /* FJ_TESTS_BUNDLE_UTIL_H */
