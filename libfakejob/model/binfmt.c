/*
 * binfmt.c - the binary, memory-mapped form of a model part (PART.model.bin): its feature space
 * with the prebuilt hash table and its linear weights, ready to use without parsing, and the
 * fast 64-bit checksum (fj__hash64) that guards it.
 *
 * PART.model.bin, little-endian, every section 8-byte aligned:
 *   header (144 bytes)
 *     0   "FJMODEL\0"               magic
 *     8   u32 version (1)           a newer version is refused with FJ_ERR_VERSION
 *     12  u32 header bytes (144)
 *     16  u64 file bytes
 *     24  u64 n, 32 u64 n_dense     features (dense first), as in PART.features.tsv
 *     40  u64 slots                 hash table size, a power of two larger than n
 *     48  u64 names bytes
 *     56  u32 features format       FJ__FEATURES_FORMAT of the space
 *     60  u32 flags                 bit 0: weights present (linear kernel)
 *     64  f64 bias
 *     72  u64 offsets of: param f64[n], weight f64[n] (0 without weights), name_off u32[n],
 *         name_len u32[n], slot_hash u64[slots], slot_idx u32[slots], names (NUL-terminated
 *         names, one block)                                               (7 offsets, to 128)
 *     128 u64 checksum              fj__hash64 of bytes [0, 128) then [144, end)
 *     136 u64 reserved (0)
 * The hash table is the one features.c builds (slot_hash: the name's hash, slot_idx: feature
 * index + 1, 0 = empty), so lookups need no rebuilding. Loading maps the file read-only,
 * checks the size, the checksum and then every structural fact the scorer relies on (offsets
 * and lengths in bounds, names NUL-terminated UTF-8, table indices in range and each feature in
 * it once, parameters and weights finite and within bounds) before any of it is used, and
 * looks up a sample of names to catch a table built with another hash function.
 *
 * A big-endian host neither writes nor reads this form: it loads the text files.
 */
#define _GNU_SOURCE /* MAP_POPULATE */
#include "model/model.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BIN_MAGIC "FJMODEL"
#define BIN_VERSION 1
#define BIN_HEADER 144
#define BIN_MAX_FEATURES 20000000u
#define FLAG_WEIGHTS 1u

/* ---- the checksum ---- */

static inline uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t lane_step(uint64_t a, uint64_t v)
{
    /* each step is a bijection of the lane for a given word, so a changed word always leaves
     * its lane different until the lanes are merged */
    a = (a ^ v) * 0x9fb21c651e98df25ull;
    return a ^ (a >> 29);
}

static inline uint64_t finish(uint64_t h)
{
    h ^= h >> 31;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    return h ^ (h >> 29);
}

uint64_t fj__hash64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t a[4] = {seed ^ 0x243f6a8885a308d3ull, seed ^ 0x13198a2e03707344ull,
                     seed ^ 0xa4093822299f31d0ull, seed ^ 0x082efa98ec4e6c89ull};
    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        a[0] = lane_step(a[0], rd64(p + i));
        a[1] = lane_step(a[1], rd64(p + i + 8));
        a[2] = lane_step(a[2], rd64(p + i + 16));
        a[3] = lane_step(a[3], rd64(p + i + 24));
    }
    for (int k = 0; i < len; k++, i += 8) {
        unsigned char tail[8] = {0};
        memcpy(tail, p + i, len - i < 8 ? len - i : 8);
        a[k] = lane_step(a[k], rd64(tail));
    }
    uint64_t h = (uint64_t)len * 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < 4; k++)
        h = finish(h ^ finish(a[k] + (uint64_t)k));
    return h;
}

/* The number of NUL bytes in s[0..n), eight at a time. */
static uint64_t count_nuls(const char *s, uint64_t n)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, ones = 0x0101010101010101ull;
    uint64_t c = 0, i = 0, acc = 0;
    for (unsigned k = 1; i + 8 <= n; i += 8, k++) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        /* the high bit of each byte of y is set exactly when that byte of x is nonzero; acc
         * counts zero bytes per byte lane, folded before a lane can overflow */
        uint64_t y = ((x & lo7) + lo7) | x;
        acc += (~y & ~lo7) >> 7;
        if (k % 255 == 0) {
            c += (acc * ones) >> 56;
            acc = 0;
        }
    }
    c += (acc * ones) >> 56;
    for (; i < n; i++)
        c += s[i] == '\0';
    return c;
}

/* The checksum of a whole PART.model.bin image (the checksum field itself left out). */
static uint64_t image_sum(const unsigned char *img, size_t len)
{
    return fj__hash64(img + BIN_HEADER, len - BIN_HEADER, fj__hash64(img, 128, 0));
}

/* ---- writing ---- */

static bool host_le(void)
{
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

bool fj__bin_supported(void)
{
    return host_le();
}

static size_t align8(size_t x)
{
    return (x + 7) & ~(size_t)7;
}

static void put32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

fj_status fj__bin_write(const fj__part *pt, fj_buf *out, fj_error *err)
{
    const fj__fspace *fs = &pt->fs;
    if (!host_le())
        return fj__errorf(err, FJ_ERR_INTERNAL, "the binary model form needs a little-endian host");
    if (!fs->slot_idx || fs->n > BIN_MAX_FEATURES)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "part '%s': no feature space to write", pt->lang);
    bool weights = pt->kernel == FJ_KERNEL_LINEAR;
    size_t n = fs->n, slots = fs->mask + 1, names_len = 0;
    for (size_t f = 0; f < n; f++)
        names_len += fs->name_len[f] + 1;
    size_t off[7], at = BIN_HEADER;
    size_t sizes[7] = {n * 8, weights ? n * 8 : 0, n * 4, n * 4, slots * 8, slots * 4, names_len};
    for (int k = 0; k < 7; k++) {
        off[k] = sizes[k] || k != 1 ? at : 0;
        at = k < 6 ? align8(at + sizes[k]) : at + sizes[k];
    }
    size_t total = at; /* no padding after the names: every byte of the file is data */
    out->len = 0;
    if (!fj__buf_reserve(out, total))
        return fj__nomem(err);
    unsigned char *img = (unsigned char *)out->data;
    memset(img, 0, total);
    memcpy(img, BIN_MAGIC, 8);
    put32(img + 8, BIN_VERSION);
    put32(img + 12, BIN_HEADER);
    put64(img + 16, total);
    put64(img + 24, n);
    put64(img + 32, fs->n_dense);
    put64(img + 40, slots);
    put64(img + 48, names_len);
    put32(img + 56, FJ__FEATURES_FORMAT);
    put32(img + 60, weights ? FLAG_WEIGHTS : 0);
    memcpy(img + 64, &pt->b, 8);
    for (int k = 0; k < 7; k++)
        put64(img + 72 + 8 * k, off[k]);
    const void *src[7] = {fs->param, pt->w, NULL, fs->name_len, fs->slot_hash, fs->slot_idx, NULL};
    for (int k = 0; k < 7; k++)
        if (sizes[k] && src[k])
            memcpy(img + off[k], src[k], sizes[k]);
    /* the names one after the other, each followed by a NUL, whatever their order in memory */
    size_t pos = 0;
    for (size_t f = 0; f < n; f++) {
        put32(img + off[2] + 4 * f, (uint32_t)pos);
        memcpy(img + off[6] + pos, fs->names + fs->name_off[f], fs->name_len[f]);
        pos += fs->name_len[f] + 1;
    }
    put64(img + 128, image_sum(img, total));
    out->len = total;
    return FJ_OK;
}

/* ---- reading ---- */

static fj_status bin_bad(fj_error *err, const char *file, const char *fmt, const char *what,
                         unsigned long long at)
{
    return fj__errorf(err, FJ_ERR_MODEL, fmt, file, what, at);
}

#define BAD(what, at)                                                                              \
    bin_bad(err, file, "%s: %s (%llu); the binary model is damaged", what, (unsigned long long)(at))

fj_status fj__bin_check(const unsigned char *img, size_t len, fj_kernel kernel, const char *file,
                        fj__bin_view *v, fj_error *err)
{
    memset(v, 0, sizeof *v);
    if (!host_le())
        return fj__errorf(err, FJ_ERR_INTERNAL, "the binary model form needs a little-endian host");
    if (len < BIN_HEADER || memcmp(img, BIN_MAGIC, 8) != 0)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: not a fakejob binary model (no FJMODEL header)",
                          file);
    uint32_t version, hsize, ffmt, flags;
    memcpy(&version, img + 8, 4);
    memcpy(&hsize, img + 12, 4);
    memcpy(&ffmt, img + 56, 4);
    memcpy(&flags, img + 60, 4);
    if (version != BIN_VERSION)
        return fj__errorf(err, version > BIN_VERSION ? FJ_ERR_VERSION : FJ_ERR_MODEL,
                          "%s: binary model version %u is not one this library reads (%d)", file,
                          version, BIN_VERSION);
    if (hsize != BIN_HEADER)
        return BAD("bad header size", hsize);
    if (rd64(img + 136) != 0) /* not under the checksum: must be as written */
        return BAD("reserved header bytes are not zero", rd64(img + 136));
    uint64_t fsize = rd64(img + 16), sum = rd64(img + 128);
    if (fsize != len)
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: %zu bytes where its header says %llu (truncated or altered)", file,
                          len, (unsigned long long)fsize);
    if (image_sum(img, len) != sum)
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: checksum mismatch (the file is corrupted or was altered)", file);
    /* from here on the bytes are as written; the checks below keep a file that was written
     * wrong (or forged with a matching checksum) from reaching the scorer */
    uint64_t n = rd64(img + 24), nd = rd64(img + 32), slots = rd64(img + 40),
             names_len = rd64(img + 48);
    if (ffmt < 1 || ffmt > FJ__FEATURES_FORMAT)
        return fj__errorf(err, ffmt > FJ__FEATURES_FORMAT ? FJ_ERR_VERSION : FJ_ERR_MODEL,
                          "%s: features format %u is not one this library reads (1 to %d)", file,
                          ffmt, FJ__FEATURES_FORMAT);
    if (n > BIN_MAX_FEATURES || nd > n)
        return BAD("bad feature count", n);
    if (slots < n + 1 || slots > ((uint64_t)1 << 31) || (slots & (slots - 1)) != 0)
        return BAD("bad hash table size", slots);
    if ((flags & ~FLAG_WEIGHTS) != 0)
        return BAD("unknown flags", flags);
    bool weights = (flags & FLAG_WEIGHTS) != 0;
    if (weights != (kernel == FJ_KERNEL_LINEAR))
        return fj__errorf(err, FJ_ERR_MODEL, "%s: %s weights where the calibration's kernel is %s",
                          file, weights ? "has" : "lacks",
                          kernel == FJ_KERNEL_LINEAR ? "linear" : "rbf");
    uint64_t sizes[7] = {n * 8, weights ? n * 8 : 0, n * 4, n * 4, slots * 8, slots * 4, names_len};
    const unsigned char *sec[7];
    for (int k = 0; k < 7; k++) {
        uint64_t o = rd64(img + 72 + 8 * k);
        sec[k] = NULL;
        if (k == 1 && !weights) {
            if (o != 0)
                return BAD("weights offset without weights", o);
            continue;
        }
        if (o < BIN_HEADER || (o & 7) != 0 || o > len || sizes[k] > len - o)
            return BAD("section out of bounds at offset", o);
        sec[k] = img + o;
    }
    const double *param = (const double *)(const void *)sec[0];
    const double *w = (const double *)(const void *)sec[1];
    const uint32_t *noff = (const uint32_t *)(const void *)sec[2];
    const uint32_t *nlen = (const uint32_t *)(const void *)sec[3];
    const uint64_t *shash = (const uint64_t *)(const void *)sec[4];
    const uint32_t *sidx = (const uint32_t *)(const void *)sec[5];
    const char *names = (const char *)sec[6];
    double bias;
    memcpy(&bias, img + 64, 8);
    if (weights && !(fabs(bias) <= FJ__MAX_WEIGHT))
        return fj__errorf(err, FJ_ERR_MODEL, "%s: bias %g is not finite or beyond +-%g", file, bias,
                          FJ__MAX_WEIGHT);
    /* parameters and weights: finite, in bounds (one branch-free pass each; the first bad
     * one is looked for only when there is one) */
    bool ok = true;
    for (uint64_t f = 0; f < n; f++)
        ok &= param[f] > 0 && param[f] <= (f < nd ? DBL_MAX : FJ__MAX_IDF);
    for (uint64_t f = 0; !ok && f < n; f++)
        if (!(param[f] > 0 && param[f] <= (f < nd ? DBL_MAX : FJ__MAX_IDF)))
            return fj__errorf(err, FJ_ERR_MODEL,
                              "%s: %s of feature %llu (%g) is not a positive finite number%s", file,
                              f < nd ? "scale" : "idf", (unsigned long long)f + 1, param[f],
                              f < nd ? "" : " up to 1e6");
    for (uint64_t f = 0; weights && f < n; f++)
        ok &= fabs(w[f]) <= FJ__MAX_WEIGHT;
    for (uint64_t f = 0; weights && !ok && f < n; f++)
        if (!(fabs(w[f]) <= FJ__MAX_WEIGHT))
            return fj__errorf(err, FJ_ERR_MODEL,
                              "%s: weight of feature %llu (%g) is not finite or beyond +-%g", file,
                              (unsigned long long)f + 1, w[f], FJ__MAX_WEIGHT);
    /* names: one after the other, each non-empty and followed by a NUL, and no other NUL in the
     * block (so each is a C string of its length); valid UTF-8 */
    uint64_t pos = 0, nuls = 0;
    for (uint64_t f = 0; f < n; f++) {
        ok &= noff[f] == pos && nlen[f] > 0;
        pos += (uint64_t)nlen[f] + 1;
    }
    if (!ok || pos != names_len)
        return BAD("names are not laid out one after the other, block length", names_len);
    for (uint64_t f = 0; f < n; f++)
        ok &= names[noff[f] + nlen[f]] == '\0';
    nuls = count_nuls(names, names_len);
    if (!ok || nuls != n)
        return BAD("feature names are not NUL-terminated strings, block length", names_len);
    if (fj__utf8_check(names, names_len, false) < 0)
        return BAD("feature names are not valid UTF-8, block length", names_len);
    /* the table: every index in range, every feature exactly once (so slots > n leaves an empty
     * slot, where every probe ends) */
    unsigned char *seen = calloc(n / 8 + 2, 1);
    if (!seen)
        return fj__nomem(err);
    uint64_t used = 0;
    unsigned dup = 0, range = 0;
    for (uint64_t i = 0; i < slots; i++) {
        /* branch-free (a quarter to half of the slots are empty, at random): an empty slot
         * or an index out of range marks the spare bit n */
        uint64_t x = sidx[i], f = x - 1 < n ? x - 1 : n;
        unsigned bit = 1u << (f % 8), real = x != 0;
        range |= x > n;
        dup |= (seen[f / 8] & bit) & (0u - (unsigned)(f < n));
        seen[f / 8] |= (unsigned char)bit;
        used += real;
    }
    free(seen);
    if (range)
        return BAD("feature index out of range in the hash table, features", n);
    if (dup || used != n)
        return BAD("hash table does not hold each feature once, entries", used);
    fj__fspace *fs = &v->fs;
    fs->n = (size_t)n;
    fs->n_dense = (size_t)nd;
    fs->names = (char *)names;
    fs->names_len = (size_t)names_len;
    fs->name_off = (uint32_t *)noff;
    fs->name_len = (uint32_t *)nlen;
    fs->param = (double *)param;
    fs->slot_hash = (uint64_t *)shash;
    fs->slot_idx = (uint32_t *)sidx;
    fs->mask = (size_t)slots - 1;
    /* a sample of names must be found where the table says: a table built with another hash
     * function (an older library's) would silently find nothing */
    for (uint64_t k = 0; k <= 16 && n; k++) {
        uint64_t f = k == 16 ? n - 1 : n * k / 16;
        if (fj__fspace_find(fs, names + noff[f], nlen[f]) != (long)f) {
            memset(v, 0, sizeof *v);
            return fj__errorf(err, FJ_ERR_VERSION,
                              "%s: its hash table does not match this library's (feature %llu "
                              "not found); load the text files or save the model again",
                              file, (unsigned long long)f + 1);
        }
    }
    v->w = (double *)w;
    v->b = bias;
    return FJ_OK;
}

fj_status fj__bin_map(const char *path, size_t want, fj_kernel kernel, fj__bin_view *v,
                      fj_error *err)
{
    memset(v, 0, sizeof *v);
    int fd;
    size_t size;
    fj_status st = fj__bundle_open(path, want, &fd, &size, err);
    if (st != FJ_OK)
        return st;
    if (want < BIN_HEADER) {
        close(fd);
        return fj__errorf(err, FJ_ERR_MODEL, "%s: not a fakejob binary model (%zu bytes)", path,
                          want);
    }
    int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE; /* the checksum reads every page anyway */
#endif
    void *map = mmap(NULL, want, PROT_READ, flags, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED)
        return fj__errorf(err, FJ_ERR_IO, "cannot map '%s': %s", path, strerror(e));
    st = fj__bin_check(map, want, kernel, path, v, err);
    if (st != FJ_OK) {
        munmap(map, want);
        return st;
    }
    v->map = map;
    v->map_len = want;
    return FJ_OK;
}

void fj__bin_unmap(void *map, size_t len)
{
    if (map)
        munmap(map, len);
}
