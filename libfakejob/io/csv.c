/*
 * csv.c - a streaming RFC 4180 CSV reader: one pass, one record in memory at a time.
 *
 * Dialect: fields separated by ',' and records by LF or CRLF; a field starting with '"' is quoted
 * and may hold ',', '""' (one quote) and line breaks (CRLF inside a quoted field becomes LF); a
 * '"' inside an unquoted field is kept as it is. A leading UTF-8 byte-order mark and blank lines
 * are skipped. Every field must be valid UTF-8 without NUL bytes.
 *
 * Malformed records are reported with their line number and skipped, and reading goes on:
 *  - wrong field count, invalid UTF-8, text after a closing quote on the line it opened:
 *    the record is complete, so the next record starts where it ended;
 *  - a quoted field that never closes (end of input, or its "closing" quote is followed by
 *    text on a later line, or the record passes FJ__CSV_MAX_RECORD_BYTES): the bytes after the
 *    line the quote opened on are read again as new records, so one stray quote costs one row
 *    rather than the rest of the file. The raw bytes of the current record are kept for that.
 */
#include "io/csv.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES (64u << 10)

enum state {
    ST_RECORD_START, /* nothing of the record read yet (blank lines are skipped here) */
    ST_FIELD_START,  /* after a separator */
    ST_UNQUOTED,
    ST_QUOTED,
    ST_QUOTE_SEEN, /* a '"' inside a quoted field: a closing quote or the first of '""' */
    ST_SKIP_LINE   /* a too-long unquoted record: drop bytes up to the next LF */
};

struct fj__csv {
    /* the base source: a file read in chunks, or a memory block that is the first window */
    FILE *fp;
    char *chunk;
    /* the window being read: the chunk, the memory block, or the replay buffer */
    const char *in;
    size_t in_len, in_pos;
    fj_buf replay;
    bool io_error, nomem, failed;

    long long line; /* physical line of the next byte */
    size_t expect;  /* expected field count, 0: any */

    /* raw bytes of the current record (for re-reading after a runaway quote) */
    bool recording;
    fj_buf raw;
    size_t raw_from; /* window position where the bytes not yet copied to raw begin */

    /* the fields of the current record */
    fj_buf data;
    size_t *offs, *lens;
    long long *flines;
    const char **ptrs;
    size_t nf, fcap;
    size_t fstart;
    long long fline;

    fj__csv_row row;
};

static fj_status open_common(fj__csv **out, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "csv: out is NULL");
    *out = calloc(1, sizeof **out);
    if (!*out)
        return fj__nomem(err);
    (*out)->line = 1;
    return FJ_OK;
}

static void skip_bom(fj__csv *c)
{
    if (c->in_len - c->in_pos >= 3 && memcmp(c->in + c->in_pos, "\xEF\xBB\xBF", 3) == 0)
        c->in_pos += 3;
}

fj_status fj__csv_open_file(fj__csv **out, FILE *fp, fj_error *err)
{
    if (!fp)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "csv: file is NULL");
    fj_status st = open_common(out, err);
    if (st != FJ_OK)
        return st;
    fj__csv *c = *out;
    c->fp = fp;
    c->chunk = malloc(CHUNK_BYTES);
    if (!c->chunk) {
        fj__csv_free(c);
        *out = NULL;
        return fj__nomem(err);
    }
    /* read at least 3 bytes (a pipe may give fewer at once) to recognize a byte-order mark */
    size_t n = 0, got;
    while (n < 3 && (got = fread(c->chunk + n, 1, CHUNK_BYTES - n, fp)) > 0)
        n += got;
    if (n == 0 && ferror(fp)) {
        fj__csv_free(c);
        *out = NULL;
        return fj__errorf(err, FJ_ERR_IO, "cannot read the CSV input");
    }
    c->in = c->chunk;
    c->in_len = n;
    skip_bom(c);
    return FJ_OK;
}

fj_status fj__csv_open_memory(fj__csv **out, const char *data, size_t len, fj_error *err)
{
    if (!data && len)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "csv: data is NULL");
    fj_status st = open_common(out, err);
    if (st != FJ_OK)
        return st;
    fj__csv *c = *out;
    c->in = data ? data : "";
    c->in_len = len;
    skip_bom(c);
    return FJ_OK;
}

void fj__csv_free(fj__csv *c)
{
    if (!c)
        return;
    free(c->chunk);
    fj__buf_free(&c->replay);
    fj__buf_free(&c->raw);
    fj__buf_free(&c->data);
    free(c->offs);
    free(c->lens);
    free(c->flines);
    free(c->ptrs);
    free(c);
}

void fj__csv_expect_fields(fj__csv *c, size_t n)
{
    if (c)
        c->expect = n;
}

/* Copy the window's bytes of the current record not yet saved into raw. */
static bool save_raw(fj__csv *c)
{
    bool ok = true;
    if (c->recording && c->in_pos > c->raw_from)
        ok = fj__buf_append(&c->raw, c->in + c->raw_from, c->in_pos - c->raw_from);
    c->raw_from = c->in_pos;
    return ok;
}

/* The window is used up: move to the next one. false at end of input or on error. */
static bool refill(fj__csv *c)
{
    if (!save_raw(c)) {
        c->nomem = true;
        return false;
    }
    c->in_pos = c->in_len = c->raw_from = 0;
    if (c->fp) {
        size_t n = fread(c->chunk, 1, CHUNK_BYTES, c->fp);
        if (n == 0) {
            if (ferror(c->fp))
                c->io_error = true;
            return false;
        }
        c->in = c->chunk;
        c->in_len = n;
        return true;
    }
    return false;
}

/* The next byte without consuming it, or -1 at end of input. */
static int peek(fj__csv *c)
{
    if (c->in_pos == c->in_len && !refill(c))
        return -1;
    return (unsigned char)c->in[c->in_pos];
}

static inline bool push(fj__csv *c, char ch)
{
    if (c->data.len + 1 >= c->data.cap && !fj__buf_reserve(&c->data, 1))
        return false;
    c->data.data[c->data.len++] = ch;
    return true;
}

static bool end_field(fj__csv *c)
{
    if (c->nf == c->fcap) {
        size_t cap = c->fcap ? c->fcap * 2 : 32;
        size_t *o = realloc(c->offs, cap * sizeof *o);
        if (o)
            c->offs = o;
        size_t *l = realloc(c->lens, cap * sizeof *l);
        if (l)
            c->lens = l;
        long long *fl = realloc(c->flines, cap * sizeof *fl);
        if (fl)
            c->flines = fl;
        const char **p = realloc(c->ptrs, cap * sizeof *p);
        if (p)
            c->ptrs = p;
        if (!o || !l || !fl || !p)
            return false;
        c->fcap = cap;
    }
    c->offs[c->nf] = c->fstart;
    c->lens[c->nf] = c->data.len - c->fstart;
    c->flines[c->nf] = c->fline;
    c->nf++;
    if (!push(c, '\0'))
        return false;
    c->fstart = c->data.len;
    c->fline = c->line;
    return true;
}

/* What a byte after an unquoted or closed field does. */
enum field_end { END_NONE, END_FIELD, END_RECORD, END_NOMEM };

/* `ch` as the end of a field: ',' ends the field (another follows), a line break (LF, or CR
 * before LF: both consumed) ends the field and the record (the line counted). END_NONE when ch
 * is neither; END_NOMEM when the field could not be stored. */
static enum field_end field_end(fj__csv *c, char ch)
{
    bool record = ch == '\n' || (ch == '\r' && peek(c) == '\n');
    if (ch != ',' && !record)
        return END_NONE;
    if (ch == '\r')
        c->in_pos++;
    if (!end_field(c))
        return END_NOMEM;
    if (!record)
        return END_FIELD;
    c->line++;
    return END_RECORD;
}

/* Bytes of the current record read so far. */
static size_t record_bytes(const fj__csv *c)
{
    return c->raw.len + (c->in_pos - c->raw_from);
}

/*
 * A quoted field that never closes. Read again the bytes after the line the quote opened on
 * (quote_at: the quote's offset in the record's raw bytes); with no line break after it, drop
 * input up to the next LF instead. Returns false when out of memory.
 */
static bool resync(fj__csv *c, size_t quote_at, long long quote_line, enum state *st)
{
    if (c->recording && c->raw.len == 0) {
        /* The whole record is still in the window: rewind within it instead of copying the
         * rest of the input, so that many stray quotes cost time linear in the input. */
        size_t start = c->raw_from;
        const char *nl = NULL;
        if (start + quote_at < c->in_pos)
            nl = memchr(c->in + start + quote_at, '\n', c->in_pos - start - quote_at);
        c->recording = false;
        if (!nl) {
            c->raw_from = c->in_pos;
            *st = ST_SKIP_LINE;
            return true;
        }
        c->in_pos = c->raw_from = (size_t)(nl + 1 - c->in);
        c->line = quote_line + 1;
        *st = ST_RECORD_START;
        return true;
    }
    if (!save_raw(c))
        return false;
    c->recording = false;
    const char *nl = NULL;
    if (quote_at < c->raw.len)
        nl = memchr(c->raw.data + quote_at, '\n', c->raw.len - quote_at);
    if (!nl) {
        *st = ST_SKIP_LINE;
        return true;
    }
    size_t from = (size_t)(nl + 1 - c->raw.data);
    fj_buf again = {0};
    if (!fj__buf_append(&again, c->raw.data + from, c->raw.len - from) ||
        !fj__buf_append(&again, c->in + c->in_pos, c->in_len - c->in_pos)) {
        fj__buf_free(&again);
        return false;
    }
    fj__buf_free(&c->replay); /* the window may have been the old replay: it is copied */
    c->replay = again;
    c->in = c->replay.data;
    c->in_len = c->replay.len;
    c->in_pos = c->raw_from = 0;
    c->line = quote_line + 1;
    *st = ST_RECORD_START;
    return true;
}

static fj__csv_result fail_nomem(fj__csv *c, fj_error *err)
{
    c->failed = true;
    fj__nomem(err);
    return FJ__CSV_FAIL;
}

/* Check the finished record (deferred problem, field count, UTF-8) and publish it. */
static fj__csv_result finish(fj__csv *c, const fj__csv_row **row, fj_error *err,
                             const fj_error *deferred)
{
    c->row.line = c->nf ? c->flines[0] : c->line;
    c->row.end_line = c->line - 1;
    if (deferred->status != FJ_OK) {
        if (err)
            *err = *deferred;
        return FJ__CSV_BAD;
    }
    if (c->expect && c->nf != c->expect) {
        fj__error(err, FJ_ERR_INPUT, NULL, -1, c->row.line,
                  "line %lld: %zu field%s where the header has %zu", c->row.line, c->nf,
                  c->nf == 1 ? "" : "s", c->expect);
        return FJ__CSV_BAD;
    }
    for (size_t i = 0; i < c->nf; i++) {
        c->ptrs[i] = c->data.data + c->offs[i];
        long long bad = fj__utf8_check(c->ptrs[i], c->lens[i], true);
        if (bad < 0) {
            size_t at = (size_t)(-bad - 1);
            long long line = c->flines[i];
            for (size_t k = 0; k < at; k++)
                line += c->ptrs[i][k] == '\n';
            fj__error(err, FJ_ERR_INPUT, NULL, (long long)at, line,
                      "line %lld: field %zu is not valid UTF-8 (%s at byte %zu of the field)", line,
                      i + 1, c->ptrs[i][at] ? "invalid sequence" : "NUL byte", at);
            return FJ__CSV_BAD;
        }
    }
    c->row.nfields = c->nf;
    c->row.fields = c->ptrs;
    c->row.lens = c->lens;
    if (row)
        *row = &c->row;
    return FJ__CSV_ROW;
}

fj__csv_result fj__csv_next(fj__csv *c, const fj__csv_row **row, fj_error *err)
{
    if (row)
        *row = NULL;
    if (!c) {
        fj__errorf(err, FJ_ERR_ARGUMENT, "csv: reader is NULL");
        return FJ__CSV_FAIL;
    }
    if (c->failed) {
        fj__errorf(err, FJ_ERR_IO, "csv: reading already failed");
        return FJ__CSV_FAIL;
    }
    fj_error deferred;
    fj_error_clear(&deferred);
    enum state st = ST_RECORD_START;
    size_t quote_at = 0;       /* raw offset of the opening quote of the current field */
    long long quote_line = 0;  /* the line it is on */
    long long quote_field = 0; /* the field's number, for messages */
    c->nf = 0;
    c->data.len = 0;
    c->raw.len = 0;
    c->raw_from = c->in_pos;
    c->recording = true;
    c->fstart = 0;
    c->fline = c->line;

    for (;;) {
        if (c->in_pos == c->in_len && !refill(c)) {
            if (c->nomem)
                return fail_nomem(c, err);
            if (c->io_error) {
                c->failed = true;
                fj__errorf(err, FJ_ERR_IO, "line %lld: cannot read the CSV input", c->line);
                return FJ__CSV_FAIL;
            }
            switch (st) {
            case ST_RECORD_START:
                return FJ__CSV_END;
            case ST_SKIP_LINE:
                c->line++;
                if (err)
                    *err = deferred;
                return FJ__CSV_BAD;
            case ST_QUOTED: {
                long long rec_line = c->nf ? c->flines[0] : c->fline;
                fj__error(err, FJ_ERR_INPUT, NULL, -1, quote_line,
                          "line %lld: quoted field %lld (record of line %lld) is not closed "
                          "before the end of the input",
                          quote_line, quote_field, rec_line);
                if (!resync(c, quote_at, quote_line, &st))
                    return fail_nomem(c, err);
                return FJ__CSV_BAD; /* the next call reads again what follows the quote's line */
            }
            default: /* the last record has no line break */
                if (!end_field(c))
                    return fail_nomem(c, err);
                c->line++;
                return finish(c, row, err, &deferred);
            }
        }
        if (st == ST_QUOTED || st == ST_UNQUOTED) {
            /* fast path: copy the run of ordinary bytes up to the next special one at once */
            const char *s = c->in + c->in_pos, *end = c->in + c->in_len, *q = s;
            if (st == ST_QUOTED)
                while (q < end && *q != '"' && *q != '\n' && *q != '\r')
                    q++;
            else
                while (q < end && *q != ',' && *q != '\n' && *q != '\r')
                    q++;
            if (q > s) {
                if (!fj__buf_append(&c->data, s, (size_t)(q - s)))
                    return fail_nomem(c, err);
                c->in_pos += (size_t)(q - s);
                if (c->data.len <= FJ__CSV_MAX_RECORD_BYTES &&
                    record_bytes(c) <= FJ__CSV_MAX_RECORD_BYTES)
                    continue;
                c->in_pos--; /* let the byte-wise path below report the oversized record */
                c->data.len--;
            }
        }
        char ch = c->in[c->in_pos++];
        enum field_end end;
        switch (st) {
        case ST_RECORD_START:
            if (ch == '\n' || (ch == '\r' && peek(c) == '\n')) {
                if (ch == '\r')
                    c->in_pos++;
                c->line++; /* a blank line */
                c->raw.len = 0;
                c->raw_from = c->in_pos;
                c->fline = c->line;
                continue;
            }
            c->fline = c->line;
            /* fall through - the record's first byte */
        case ST_FIELD_START:
            if (ch == '"') {
                st = ST_QUOTED;
                quote_at = record_bytes(c) - 1;
                quote_line = c->line;
                quote_field = (long long)c->nf + 1;
                break;
            }
            st = ST_UNQUOTED;
            /* fall through */
        case ST_UNQUOTED:
            end = field_end(c, ch);
            if (end == END_NOMEM)
                return fail_nomem(c, err);
            if (end == END_RECORD)
                return finish(c, row, err, &deferred);
            if (end == END_FIELD)
                st = ST_FIELD_START;
            else if (!push(c, ch))
                return fail_nomem(c, err);
            break;
        case ST_QUOTED:
            if (ch == '"') {
                st = ST_QUOTE_SEEN;
                break;
            }
            if (ch == '\r' && peek(c) == '\n') {
                c->in_pos++;
                ch = '\n';
            }
            if (ch == '\n')
                c->line++;
            if (!push(c, ch))
                return fail_nomem(c, err);
            break;
        case ST_QUOTE_SEEN:
            if (ch == '"') {
                st = ST_QUOTED;
                if (!push(c, '"'))
                    return fail_nomem(c, err);
                break;
            }
            end = field_end(c, ch);
            if (end == END_NOMEM)
                return fail_nomem(c, err);
            if (end == END_RECORD)
                return finish(c, row, err, &deferred);
            if (end == END_FIELD) {
                st = ST_FIELD_START;
            } else if (quote_line != c->line) {
                /* the quote that "closed" here was meant to open a field: the real one never
                 * closed and swallowed line breaks */
                long long rec_line = c->nf ? c->flines[0] : c->fline;
                fj__error(err, FJ_ERR_INPUT, NULL, -1, quote_line,
                          "line %lld: quoted field %lld (record of line %lld) is not closed "
                          "properly: its closing quote on line %lld is followed by text",
                          quote_line, quote_field, rec_line, c->line);
                if (!resync(c, quote_at, quote_line, &st))
                    return fail_nomem(c, err);
                if (st == ST_RECORD_START)
                    return FJ__CSV_BAD;
                deferred = *err; /* skip to the end of the line, then report */
            } else {
                if (deferred.status == FJ_OK)
                    fj__error(&deferred, FJ_ERR_INPUT, NULL, -1, c->line,
                              "line %lld: text after the closing quote of field %lld", c->line,
                              quote_field);
                st = ST_UNQUOTED;
                if (!push(c, ch))
                    return fail_nomem(c, err);
            }
            break;
        case ST_SKIP_LINE:
            c->raw_from = c->in_pos;
            if (ch == '\n') {
                c->line++;
                if (err)
                    *err = deferred;
                return FJ__CSV_BAD;
            }
            continue;
        }
        if (st != ST_SKIP_LINE && (c->data.len > FJ__CSV_MAX_RECORD_BYTES ||
                                   record_bytes(c) > FJ__CSV_MAX_RECORD_BYTES)) {
            long long rec_line = c->nf ? c->flines[0] : c->fline;
            fj__error(&deferred, FJ_ERR_INPUT, NULL, -1, rec_line,
                      "line %lld: record is over the limit of %u bytes%s", rec_line,
                      FJ__CSV_MAX_RECORD_BYTES,
                      st == ST_QUOTED ? " (a quoted field that is never closed?)" : "");
            if (st == ST_QUOTED) {
                if (!resync(c, quote_at, quote_line, &st))
                    return fail_nomem(c, err);
                if (st == ST_RECORD_START) {
                    if (err)
                        *err = deferred;
                    return FJ__CSV_BAD;
                }
            } else {
                c->recording = false;
                st = ST_SKIP_LINE;
            }
        }
    }
}
