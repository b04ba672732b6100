/*
 * fuzz_model_bin.c - libFuzzer target: the binary form of a model part (PART.model.bin,
 * model/binfmt.c) on hostile bytes.
 *
 * The input is an image. It is checked twice: as given (the 64-bit checksum refuses nearly all
 * of them), then with its header's size and checksum rewritten to match, so the fuzzer reaches
 * the structural checks with any bytes (seeds in fuzz/corpus/model_bin/ are parts of a small
 * trained model).
 *
 * Checks: a check either fails with a message, or gives a feature space whose every lookup
 * ends (an index in range or -1) and a model that scores fixed postings with a finite margin
 * and a score in [0, 1]; writing that view back gives an image that passes the check again and
 * scores the same.
 */
#include "../tests/bundle_util.h"
#include "fakejob.h"
#include "core/fj_internal.h"
#include "model/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_model_bin: check failed at line %d: %s\n", __LINE__, #cond);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static fj_context *ctx;
static fj_posting *posts[BU_PROBES];

static void init(void)
{
    if (ctx)
        return;
    CHECK(bu_probes(&ctx, posts));
}

/* A one-part model around a validated view (nothing in it is owned). */
static void model_of(fj_model *m, const fj__bin_view *v)
{
    memset(m, 0, sizeof *m);
    m->nparts = 1;
    fj__part *pt = &m->part[0];
    snprintf(pt->lang, sizeof pt->lang, "all");
    pt->kernel = FJ_KERNEL_LINEAR;
    pt->fs = v->fs;
    pt->w = v->w;
    pt->b = v->b;
    pt->sign = 1;
    pt->platt_a = -1;
    pt->platt_b = 0;
    pt->t_fraud = 0.5;
    pt->t_susp = 0.3;
}

static void score_all(const fj__bin_view *v, double *margins)
{
    fj_model m;
    model_of(&m, v);
    for (int i = 0; i < 3; i++) {
        fj_result r;
        fj_error err;
        fj_status st = fj_score(ctx, &m, posts[i], NULL, &r, &err);
        CHECK(st == FJ_OK);
        CHECK(isfinite(r.margin));
        CHECK(r.score >= 0 && r.score <= 1);
        for (size_t k = 0; k < r.reason_count; k++)
            CHECK(r.reasons[k].signal && isfinite(r.reasons[k].weight));
        margins[i] = r.margin;
    }
}

static void exercise(const unsigned char *img, size_t len)
{
    fj__bin_view v;
    fj_error err;
    fj_error_clear(&err);
    if (fj__bin_check(img, len, FJ_KERNEL_LINEAR, "fuzz.model.bin", &v, &err) != FJ_OK) {
        CHECK(err.message[0] != '\0');
        CHECK(err.status == FJ_ERR_MODEL || err.status == FJ_ERR_VERSION ||
              err.status == FJ_ERR_NOMEM);
        return;
    }
    const fj__fspace *fs = &v.fs;
    for (size_t f = 0; f < fs->n && f < 4096; f++) {
        long at = fj__fspace_find(fs, fs->names + fs->name_off[f], fs->name_len[f]);
        CHECK(at == -1 || (at >= 0 && (size_t)at < fs->n));
        CHECK(strlen(fs->names + fs->name_off[f]) == fs->name_len[f]);
    }
    CHECK(fj__fspace_find(fs, "word:\xff", 6) == -1);
    double a[3], b[3];
    score_all(&v, a);
    /* written back: valid again, the same scores */
    fj_model m;
    model_of(&m, &v);
    fj_buf out = {0};
    CHECK(fj__bin_write(&m.part[0], &out, &err) == FJ_OK);
    fj__bin_view v2;
    CHECK(fj__bin_check((const unsigned char *)out.data, out.len, FJ_KERNEL_LINEAR, "again", &v2,
                        &err) == FJ_OK);
    score_all(&v2, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    fj__buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size > ((size_t)4 << 20))
        return 0;
    /* as given; the copy is 8-byte aligned, as a mapping is */
    uint64_t *buf = malloc((size / 8 + 1) * sizeof *buf);
    unsigned char *img = (unsigned char *)buf;
    memcpy(img, data, size);
    exercise(img, size);
    /* re-signed: the header's size and checksum made to match */
    if (size >= 144) {
        uint64_t n = size, sum;
        memcpy(img + 16, &n, 8);
        sum = fj__hash64(img + 144, size - 144, fj__hash64(img, 128, 0));
        memcpy(img + 128, &sum, 8);
        exercise(img, size);
    }
    free(buf);
    return 0;
}
