/*
 * sha256.h - SHA-256 (FIPS 180-4), used for the checksums of model bundle files and for the
 * history store's keyed identifiers (HMAC-SHA-256). Private; not installed.
 */
#ifndef FJ_SHA256_H
#define FJ_SHA256_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct fj_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t fill;
} fj_sha256;

void fj__sha256_init(fj_sha256 *s);
void fj__sha256_update(fj_sha256 *s, const void *data, size_t len);
void fj__sha256_final(fj_sha256 *s, unsigned char out[32]);
/** HMAC-SHA-256 (RFC 2104) with a key fixed once: the padded key's blocks are hashed ahead. */
typedef struct fj_hmac_sha256 {
    fj_sha256 inner, outer;
} fj_hmac_sha256;

/** Set up `k` for `key` (any length; a key longer than 64 bytes is hashed first). */
void fj__hmac_sha256_init(fj_hmac_sha256 *k, const void *key, size_t len);
/** HMAC-SHA-256 of `msg` under the key `k` was set up with; `k` is not changed. */
void fj__hmac_sha256(const fj_hmac_sha256 *k, const void *msg, size_t len, unsigned char out[32]);

/** The lowercase hex digest of `data` into `out` (NUL-terminated). */
void fj__sha256_hex(const void *data, size_t len, char out[65]);

#endif
