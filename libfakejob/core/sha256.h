/*
 * sha256.h - SHA-256 (FIPS 180-4), used for the checksums of model bundle files and for the
 * history store's content hashes. Private; not installed.
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
/** The lowercase hex digest of `data` into `out` (NUL-terminated). */
void fj__sha256_hex(const void *data, size_t len, char out[65]);

#endif
