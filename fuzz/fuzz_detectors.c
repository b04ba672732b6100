/*
 * fuzz_detectors.c - libFuzzer target: clause detector files (fj_detectors_load_memory) with
 * any bytes.
 *
 * Unless the input starts with '!', its header's payload length and SHA-256 are first rewritten
 * to match the bytes after it, so the fuzzer gets past the checksum and reaches the payload
 * parser (a leading '!' is dropped and the bytes are loaded as they are).
 *
 * Checks: a load either fails with a message or gives detectors that serialize back to the same
 * bytes and that fj_signals runs with on fixed postings.
 */
#include "fakejob.h"
#include "core/fj_internal.h"
#include "core/sha256.h"
#include "signals/clauses.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_detectors: check failed at line %d: %s\n", __LINE__, #cond);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define HEADER 56 /* magic, format, hash bits, payload length, SHA-256 */

static fj_context *ctx;
static fj_posting *posts[2];
static const char *const post_json[2] = {
    "{\"title\":\"在家兼职\",\"description\":\"入职前需缴纳培训费198元，加QQ:12345678。请发身份证"
    "正反面。\"}",
    "{\"title\":\"Assistant\",\"description\":\"Buy the $89 starter kit. Text me on WhatsApp "
    "+1 555 010 1234. Send your SSN.\",\"lang\":\"en\"}",
};

static void setup(void)
{
    fj_error err;
    CHECK(fj_context_new(&ctx, &err) == FJ_OK);
    for (int i = 0; i < 2; i++) {
        CHECK(fj_posting_new(&posts[i], &err) == FJ_OK);
        CHECK(fj_posting_parse_json(posts[i], post_json[i], strlen(post_json[i]), &err) == FJ_OK);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx)
        setup();
    unsigned char *buf = malloc(size + 1);
    CHECK(buf);
    size_t len = size;
    memcpy(buf, data, size);
    if (len > 0 && buf[0] == '!') {
        memmove(buf, buf + 1, --len);
    } else if (len >= HEADER) {
        uint64_t plen = len - HEADER;
        for (int i = 0; i < 8; i++)
            buf[16 + i] = (unsigned char)(plen >> (8 * i));
        fj_sha256 sh;
        fj__sha256_init(&sh);
        fj__sha256_update(&sh, buf + HEADER, plen);
        fj__sha256_final(&sh, buf + 24);
    }
    fj_error err;
    fj_detectors *d = NULL;
    fj_status st = fj_detectors_load_memory(&d, buf, len, &err);
    if (st != FJ_OK) {
        CHECK(d == NULL && err.message[0]);
        free(buf);
        return 0;
    }
    fj_buf out = {0};
    CHECK(fj__detectors_serialize(d, &out));
    CHECK(out.len == len && memcmp(out.data, buf, len) == 0);
    fj__buf_free(&out);
    CHECK(fj_context_set_detectors(ctx, d, &err) == FJ_OK);
    for (int i = 0; i < 2; i++) {
        const fj_signal *s;
        size_t n;
        CHECK(fj_signals(ctx, posts[i], NULL, &s, &n, &err) == FJ_OK);
    }
    CHECK(fj_context_set_detectors(ctx, NULL, &err) == FJ_OK);
    fj_detectors_free(d);
    free(buf);
    return 0;
}
