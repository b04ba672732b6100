/*
 * fuzz_csv.c - libFuzzer target: any bytes through the RFC 4180 reader and the dataset
 * importers. The first byte picks the format (bit 0: EMSCAD or ORFD) and whether unlabelled
 * rows are kept (bit 1); the rest is the CSV text (the seed corpus starts each format's header).
 * Checks: the import ends (each call makes progress), every posting returned is a posting the
 * parser reads back, every error says why and on which line, the counts add up; the raw reader
 * hands out NUL-terminated fields of valid UTF-8 on increasing lines.
 */
#include "io/csv.h"
#include "fakejob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_csv: check failed at line %d: %s\n", __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static fj_posting *p;

static void raw_reader(const char *s, size_t size)
{
    fj__csv *c;
    fj_error err;
    CHECK(fj__csv_open_memory(&c, s, size, &err) == FJ_OK);
    long long last = 0;
    size_t calls = 0;
    for (;;) {
        const fj__csv_row *row;
        fj_error_clear(&err);
        fj__csv_result r = fj__csv_next(c, &row, &err);
        CHECK(++calls <= size + 2); /* every record consumes input */
        if (r == FJ__CSV_END)
            break;
        if (r == FJ__CSV_FAIL) {
            CHECK(err.message[0]);
            break;
        }
        if (r == FJ__CSV_BAD) {
            CHECK(err.status == FJ_ERR_INPUT && err.message[0] && err.line >= 1);
            continue;
        }
        CHECK(r == FJ__CSV_ROW);
        CHECK(row->line >= 1 && row->line <= row->end_line && row->line > last);
        last = row->end_line;
        CHECK(row->nfields >= 1);
        for (size_t i = 0; i < row->nfields; i++) {
            CHECK(row->fields[i][row->lens[i]] == '\0');
            CHECK(fj__utf8_check(row->fields[i], row->lens[i], true) == (long long)row->lens[i]);
        }
    }
    fj__csv_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!p && fj_posting_new(&p, NULL) != FJ_OK)
        abort();
    fj_import_format fmt = (data[0] & 1) ? FJ_IMPORT_ORFD : FJ_IMPORT_EMSCAD;
    unsigned flags = (data[0] & 2) ? FJ_IMPORT_KEEP_UNLABELLED : 0;
    const char *s = (const char *)data + 1;
    size--;

    raw_reader(s, size);

    fj_importer *imp = NULL;
    fj_error err;
    fj_error_clear(&err);
    fj_status st = fj_importer_open_memory(&imp, fmt, s, size, flags, &err);
    if (st != FJ_OK) {
        CHECK(st == FJ_ERR_INPUT && err.message[0]);
        fj_importer_close(imp);
        return 0;
    }
    int64_t returned = 0, reported = 0;
    for (size_t calls = 1;; calls++) {
        CHECK(calls <= size + 2);
        const char *json = NULL;
        size_t len = 0;
        fj_error_clear(&err);
        st = fj_importer_next(imp, &json, &len, &err);
        if (st == FJ_OK && !json)
            break;
        if (st == FJ_OK) {
            CHECK(strlen(json) == len);
            fj_error perr;
            if (fj_posting_parse_json(p, json, len, &perr) != FJ_OK) {
                fprintf(stderr, "importer wrote a posting the parser refuses: %s\n%s\n",
                        perr.message, json);
                abort();
            }
            if (!(flags & FJ_IMPORT_KEEP_UNLABELLED))
                CHECK(fj_posting_label(p) != FJ_LABEL_NONE);
            returned++;
            continue;
        }
        CHECK(err.message[0]);
        if (st != FJ_ERR_INPUT && st != FJ_ERR_LIMIT)
            break; /* I/O or memory: the import ends */
        CHECK(err.line >= 1 && strncmp(err.message, "line ", 5) == 0);
        reported++;
    }
    fj_import_stats stats;
    fj_importer_stats(imp, &stats);
    CHECK(stats.written == returned);
    CHECK(stats.errors == reported);
    CHECK(stats.rows >= stats.written + stats.skipped);
    fj_importer_close(imp);
    return 0;
}
