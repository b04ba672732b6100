/*
 * error.c - status names and the filling of caller-owned fj_error structs.
 */
#include "core/fj_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
    "ok",    "argument", "nomem",   "input", "limit",    "io",
    "model", "version",  "history", "train", "internal",
};

const char *fj_status_name(fj_status status)
{
    if ((unsigned)status < sizeof status_names / sizeof status_names[0])
        return status_names[status];
    return "unknown";
}

void fj_error_clear(fj_error *err)
{
    if (!err)
        return;
    err->status = FJ_OK;
    err->field[0] = '\0';
    err->offset = -1;
    err->line = -1;
    err->message[0] = '\0';
}

static fj_status fill(fj_error *err, fj_status status, const char *field, long long offset,
                      long long line, const char *fmt, va_list ap)
{
    if (!err)
        return status;
    err->status = status;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    err->offset = offset;
    err->line = line;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return status;
}

fj_status fj__error(fj_error *err, fj_status status, const char *field, long long offset,
                    long long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(err, status, field, offset, line, fmt, ap);
    va_end(ap);
    return status;
}

fj_status fj__errorf(fj_error *err, fj_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(err, status, NULL, -1, -1, fmt, ap);
    va_end(ap);
    return status;
}

void fj_error_locate(fj_error *err, const char *file, long long line)
{
    if (!err)
        return;
    if (line > 0)
        err->line = line;
    if (!file)
        return;
    char msg[sizeof err->message];
    if (line > 0)
        snprintf(msg, sizeof msg, "%s:%lld: %s", file, line, err->message);
    else
        snprintf(msg, sizeof msg, "%s: %s", file, err->message);
    memcpy(err->message, msg, sizeof msg);
}

fj_status fj__error_at(fj_error *err, fj_status status, const char *file, long long line,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(err, status, NULL, -1, -1, fmt, ap);
    va_end(ap);
    fj_error_locate(err, file, line);
    return status;
}

fj_status fj__nomem(fj_error *err)
{
    return fj__errorf(err, FJ_ERR_NOMEM, "out of memory");
}

const char *fj_version(void)
{
    return FJ_VERSION_STRING;
}
