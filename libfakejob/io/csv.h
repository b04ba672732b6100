/*
 * csv.h - private interface of the streaming RFC 4180 CSV reader (csv.c), used by the importers.
 * Not installed.
 *
 * The reader hands out one record at a time; it never holds more than the current record (and,
 * after an unterminated quote, the bytes it must read again). See csv.c for the exact dialect.
 */
#ifndef FJ_CSV_H
#define FJ_CSV_H

#include "core/fj_internal.h"

#include <stdio.h>

/** A record over this many bytes is malformed (the usual cause: a quote that never closes). */
#define FJ__CSV_MAX_RECORD_BYTES (16u << 20)

typedef struct fj__csv fj__csv;

/** One record. Everything is owned by the reader and valid until its next call. */
typedef struct fj__csv_row {
    size_t nfields;
    const char *const *fields; /* each NUL-terminated, quotes removed, CRLF inside fields as LF */
    const size_t *lens;
    long long line;     /* the physical line (1-based) the record starts on */
    long long end_line; /* the physical line it ends on (> line for multi-line records) */
} fj__csv_row;

/** Outcome of fj__csv_next. */
typedef enum fj__csv_result {
    FJ__CSV_ROW = 1,  /* a well-formed record is in *row */
    FJ__CSV_END = 0,  /* end of input */
    FJ__CSV_BAD = -1, /* a malformed record, skipped: err says why and on which line (err->line);
                         call again to go on with the next record */
    FJ__CSV_FAIL = -2 /* reading failed (I/O, memory): err says why; do not call again */
} fj__csv_result;

/** A reader over `fp` (borrowed: the caller closes it after fj__csv_free). */
fj_status fj__csv_open_file(fj__csv **out, FILE *fp, fj_error *err);
/** A reader over `len` bytes at `data` (borrowed: must outlive the reader). */
fj_status fj__csv_open_memory(fj__csv **out, const char *data, size_t len, fj_error *err);
/** NULL-safe. */
void fj__csv_free(fj__csv *c);

/** From now on a record with other than `n` fields is malformed (0: any count). */
void fj__csv_expect_fields(fj__csv *c, size_t n);

/**
 * The next record. A leading UTF-8 byte-order mark and blank lines are skipped. A malformed
 * record (wrong field count, invalid UTF-8 or a NUL byte, text after a closing quote, a quoted
 * field still open at the end of input or past FJ__CSV_MAX_RECORD_BYTES) gives FJ__CSV_BAD with
 * FJ_ERR_INPUT in err, err->line the line of the problem, and err->offset the byte offset in
 * the field concerned (-1 when none); reading goes on after it.
 */
fj__csv_result fj__csv_next(fj__csv *c, const fj__csv_row **row, fj_error *err);

#endif /* FJ_CSV_H */
