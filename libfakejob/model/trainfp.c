/*
 * trainfp.c - the training postings' fingerprints a bundle keeps, so that evaluating a model on
 * the postings it was trained on can be told apart from a held-out evaluation
 * (fj_model_training_overlap).
 *
 * Each training posting's content fingerprint (history's `exact` hash: title, description and
 * requirements normalized, digits and contacts removed) is hashed once more with SHA-256 under a
 * fixed label and cut to 64 bits: a bundle holds neither text nor anything from which text
 * could be read back, only keys that a posting must be at hand to recompute.
 *
 * training.fingerprints, little-endian:
 *   "FJTRNFP\0", u32 version (1), u32 0, u64 count, count sorted distinct u64 keys
 */
#include "history/history_fp.h"
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#define FP_MAGIC "FJTRNFP"
#define FP_HEADER 24

uint64_t fj__train_fp_key(uint64_t exact)
{
    static const char label[] = "fakejob training fingerprint 1";
    unsigned char msg[sizeof label + 8], dig[32];
    memcpy(msg, label, sizeof label);
    for (int i = 0; i < 8; i++)
        msg[sizeof label + i] = (unsigned char)(exact >> (8 * i));
    fj_sha256 s;
    fj__sha256_init(&s);
    fj__sha256_update(&s, msg, sizeof msg);
    fj__sha256_final(&s, dig);
    uint64_t k = 0;
    for (int i = 0; i < 8; i++)
        k |= (uint64_t)dig[i] << (8 * i);
    return k;
}

static int key_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The key of training fingerprints: fixed and public, since what a bundle keeps is already a
 * one-way hash of each posting's whole token stream; the store's secret keys are for
 * identifiers (phones, companies) that a dictionary could enumerate, which these are not. */
static void train_fp_key_init(fj__fp_key *key)
{
    unsigned char secret[FJ__KEY_BYTES];
    memset(secret, 0x74, sizeof secret);
    fj__fp_key_init(key, secret);
}

fj_status fj__train_fp_collect(fj_model *m, fj_context *ctx, const fj_dataset *d,
                               const size_t *subset, size_t n, fj_error *err)
{
    size_t k = 0;
    uint64_t *keys = malloc((n + 1) * sizeof *keys);
    if (!keys)
        return fj__nomem(err);
    fj__fp_key fpkey;
    train_fp_key_init(&fpkey);
    for (size_t i = 0; i < n; i++) {
        fj__fingerprint fp;
        fj_status st =
            fj__fingerprint_posting(ctx, &fpkey, NULL, fj_dataset_posting(d, subset[i]), &fp, err);
        if (st != FJ_OK) {
            free(keys);
            return st;
        }
        if (fp.tokens) /* nothing to fingerprint: it could never match */
            keys[k++] = fj__train_fp_key(fp.exact);
    }
    qsort(keys, k, sizeof *keys, key_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || keys[i] != keys[u - 1])
            keys[u++] = keys[i];
    free(m->train_fp);
    m->train_fp = keys;
    m->n_train_fp = u;
    return FJ_OK;
}

static void put64(fj_buf *b, uint64_t v)
{
    unsigned char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    memcpy(b->data + b->len, t, 8);
    b->len += 8;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

bool fj__train_fp_write(const fj_model *m, fj_buf *out)
{
    if (!fj__buf_reserve(out, FP_HEADER + 8 * m->n_train_fp))
        return false;
    memcpy(out->data + out->len, FP_MAGIC, 8);
    out->len += 8;
    put64(out, 1); /* version 1 and the reserved u32, little-endian */
    put64(out, m->n_train_fp);
    for (size_t i = 0; i < m->n_train_fp; i++)
        put64(out, m->train_fp[i]);
    return true;
}

fj_status fj__train_fp_parse(fj_model *m, const char *data, size_t len, const char *file,
                             fj_error *err)
{
    const unsigned char *p = (const unsigned char *)data;
    if (len < FP_HEADER || memcmp(p, FP_MAGIC, 8) != 0)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: not a training fingerprints file", file);
    uint64_t version = get64(p + 8), count = get64(p + 16);
    if (version != 1)
        return fj__errorf(err, (version & 0xffffffffu) > 1 ? FJ_ERR_VERSION : FJ_ERR_MODEL,
                          "%s: training fingerprints version %llu is not 1", file,
                          (unsigned long long)(version & 0xffffffffu));
    if (count != (len - FP_HEADER) / 8 || (len - FP_HEADER) % 8 != 0)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: %llu fingerprints announced in %zu bytes", file,
                          (unsigned long long)count, len);
    uint64_t *keys = malloc((size_t)(count + 1) * sizeof *keys);
    if (!keys)
        return fj__nomem(err);
    for (uint64_t i = 0; i < count; i++) {
        keys[i] = get64(p + FP_HEADER + 8 * i);
        if (i && keys[i] <= keys[i - 1]) {
            free(keys);
            return fj__errorf(err, FJ_ERR_MODEL, "%s: fingerprint %llu is out of order", file,
                              (unsigned long long)i + 1);
        }
    }
    free(m->train_fp);
    m->train_fp = keys;
    m->n_train_fp = (size_t)count;
    return FJ_OK;
}

fj_status fj_model_training_overlap(const fj_model *m, fj_context *ctx, const fj_dataset *d,
                                    size_t *overlap, int *known, fj_error *err)
{
    if (!m || !ctx || !d || !overlap)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_training_overlap: NULL argument");
    *overlap = 0;
    if (known)
        *known = m->train_fp != NULL;
    if (!m->train_fp)
        return FJ_OK;
    size_t n = fj_dataset_size(d), hits = 0;
    fj__fp_key fpkey;
    train_fp_key_init(&fpkey);
    for (size_t i = 0; i < n; i++) {
        fj__fingerprint fp;
        fj_status st =
            fj__fingerprint_posting(ctx, &fpkey, NULL, fj_dataset_posting(d, i), &fp, err);
        if (st != FJ_OK)
            return st;
        if (!fp.tokens)
            continue;
        uint64_t key = fj__train_fp_key(fp.exact);
        hits += bsearch(&key, m->train_fp, m->n_train_fp, sizeof key, key_cmp) != NULL;
    }
    *overlap = hits;
    return FJ_OK;
}
