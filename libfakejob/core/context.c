/*
 * context.c - the per-thread context: a fixed clock for reproducible scoring and one scratch
 * slot per module (text pipeline, signals, scoring…), each created by its module on first use.
 */
#include "core/fj_internal.h"

#include <stdlib.h>
#include <time.h>

struct fj_context {
    int64_t now;
    void *slot[FJ_SLOT_COUNT];
    fj_slot_free_fn slot_free[FJ_SLOT_COUNT];
};

fj_status fj_context_new(fj_context **out, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_context_new: out is NULL");
    *out = calloc(1, sizeof **out);
    return *out ? FJ_OK : fj__nomem(err);
}

void fj_context_free(fj_context *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < FJ_SLOT_COUNT; i++)
        if (ctx->slot[i] && ctx->slot_free[i])
            ctx->slot_free[i](ctx->slot[i]);
    free(ctx);
}

void fj_context_set_now(fj_context *ctx, int64_t epoch_seconds)
{
    if (ctx)
        ctx->now = epoch_seconds;
}

void *fj__ctx_slot(fj_context *ctx, fj_slot slot)
{
    return ctx->slot[slot];
}

void fj__ctx_set_slot(fj_context *ctx, fj_slot slot, void *scratch, fj_slot_free_fn free_fn)
{
    if (ctx->slot[slot] && ctx->slot_free[slot])
        ctx->slot_free[slot](ctx->slot[slot]);
    ctx->slot[slot] = scratch;
    ctx->slot_free[slot] = free_fn;
}

int64_t fj__ctx_now(const fj_context *ctx)
{
    if (ctx && ctx->now)
        return ctx->now;
    return (int64_t)time(NULL);
}

int64_t fj__observed_at(const fj_context *ctx, const fj_posting *p)
{
    int64_t t;
    if (p && fj_posting_time(p, FJ_FIELD_OBSERVED_AT, &t))
        return t;
    return fj__ctx_now(ctx);
}
