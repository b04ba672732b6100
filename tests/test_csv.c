/*
 * test_csv.c - the RFC 4180 reader (quotes, multi-line records, CRLF, BOM, malformed rows with
 * their line numbers and recovery after them, streaming across chunks) and the EMSCAD and ORFD
 * importers on the hand-written CSVs in tests/data/import (field mapping, `extra`, labels,
 * skipped and malformed rows).
 */
#include "io/csv.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_DIR FJ_TEST_DATADIR "/data/import/"

/* ---- the CSV reader ---- */

static fj__csv *csv;
static fj_error err;
static const fj__csv_row *row;

static void open_text(const char *text)
{
    fj__csv_free(csv);
    fj_error_clear(&err);
    cr_assert_eq(fj__csv_open_memory(&csv, text, strlen(text), &err), FJ_OK, "%s", err.message);
}

static fj__csv_result next(void)
{
    fj_error_clear(&err);
    return fj__csv_next(csv, &row, &err);
}

static void expect_row(size_t nfields, long long line)
{
    fj__csv_result r = next();
    cr_assert_eq(r, FJ__CSV_ROW, "expected a row at line %lld, got %d: %s", line, r, err.message);
    cr_assert_eq(row->nfields, nfields, "line %lld: %zu fields", line, row->nfields);
    cr_assert_eq(row->line, line, "row starts on line %lld, expected %lld", row->line, line);
}

static void expect_bad(long long line, const char *words)
{
    fj__csv_result r = next();
    cr_assert_eq(r, FJ__CSV_BAD, "expected a malformed row, got %d", r);
    cr_assert_eq(err.status, FJ_ERR_INPUT);
    cr_assert_eq(err.line, line, "error on line %lld, expected %lld (%s)", err.line, line,
                 err.message);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %lld: ", line);
    cr_assert(strncmp(err.message, prefix, strlen(prefix)) == 0, "%s", err.message);
    cr_assert(strstr(err.message, words), "'%s' not in: %s", words, err.message);
}

static void field_is(size_t i, const char *want)
{
    cr_assert_str_eq(row->fields[i], want);
    cr_assert_eq(row->lens[i], strlen(want));
}

static void csv_fini(void)
{
    fj__csv_free(csv);
    csv = NULL;
}

TestSuite(csv, .fini = csv_fini);

Test(csv, quoted_fields_hold_commas_quotes_and_line_breaks)
{
    open_text("id,text,n\n"
              "1,\"a, b\",2\n"
              "2,\"she said \"\"hi\"\"\",3\n"
              "3,\"two\nlines, and\n\"\"three\"\"\",4\n"
              "4,,\"\"\n"
              "5,x\"y,z\n");
    expect_row(3, 1);
    field_is(1, "text");
    expect_row(3, 2);
    field_is(1, "a, b");
    expect_row(3, 3);
    field_is(1, "she said \"hi\"");
    expect_row(3, 4);
    field_is(1, "two\nlines, and\n\"three\"");
    field_is(2, "4");
    cr_assert_eq(row->end_line, 6);
    expect_row(3, 7);
    field_is(1, "");
    field_is(2, "");
    expect_row(3, 8); /* a quote inside an unquoted field is kept */
    field_is(1, "x\"y");
    cr_assert_eq(next(), FJ__CSV_END);
    cr_assert_eq(next(), FJ__CSV_END, "the end is sticky");
}

Test(csv, crlf_bom_blank_lines_and_no_final_newline)
{
    open_text("\xEF\xBB\xBF"
              "a,b\r\n"
              "\r\n"
              "1,\"x\r\ny\"\r\n"
              "\n"
              "2,last");
    expect_row(2, 1);
    field_is(0, "a"); /* no byte-order mark in the first name */
    expect_row(2, 3);
    field_is(1, "x\ny"); /* CRLF inside a quoted field reads as LF */
    expect_row(2, 6);
    field_is(1, "last");
    cr_assert_eq(next(), FJ__CSV_END);

    open_text("a,b,\n1,2,"); /* empty last fields */
    expect_row(3, 1);
    field_is(2, "");
    expect_row(3, 2);
    field_is(2, "");
    cr_assert_eq(next(), FJ__CSV_END);

    open_text("");
    cr_assert_eq(next(), FJ__CSV_END);
    open_text("\xEF\xBB\xBF");
    cr_assert_eq(next(), FJ__CSV_END);
}

Test(csv, wrong_field_count_is_reported_and_reading_goes_on)
{
    open_text("a,b,c\n1,2,3\n4,5\n\"6\n\",7,8,9\n10,11,12\n");
    expect_row(3, 1);
    fj__csv_expect_fields(csv, 3);
    expect_row(3, 2);
    expect_bad(3, "2 fields where the header has 3");
    expect_bad(4, "4 fields");
    expect_row(3, 6);
    field_is(0, "10");
    cr_assert_eq(next(), FJ__CSV_END);
}

Test(csv, unterminated_quote_at_end_of_input)
{
    open_text("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n");
    expect_row(2, 1);
    expect_row(2, 2);
    expect_bad(3, "not closed before the end of the input");
    /* the lines the open quote swallowed are read again as records */
    expect_row(2, 4);
    field_is(0, "4");
    expect_row(2, 5);
    cr_assert_eq(next(), FJ__CSV_END);

    open_text("a,b\n1,\"x");
    expect_row(2, 1);
    expect_bad(2, "not closed");
    cr_assert_eq(next(), FJ__CSV_END);
}

Test(csv, runaway_quote_costs_one_row)
{
    /* the quote opened on line 2 is never closed; the next quote (line 3) "closes" it and is
     * followed by text: the reader goes back to line 3 */
    open_text("a,b,c\n1,\"oops,2\n3,\"fine\",4\n5,6,7\n");
    fj__csv_expect_fields(csv, 3);
    expect_row(3, 1);
    expect_bad(2, "not closed properly");
    expect_row(3, 3);
    field_is(1, "fine");
    expect_row(3, 4);
    cr_assert_eq(next(), FJ__CSV_END);
}

Test(csv, text_after_a_closing_quote)
{
    open_text("a,b\n\"x\"y,1\n2,3\n");
    expect_row(2, 1);
    expect_bad(2, "text after the closing quote of field 1");
    expect_row(2, 3);
}

Test(csv, invalid_utf8_gives_the_line_of_the_bad_byte)
{
    open_text("a,b\n1,\"line two\nline three \xC3\x28 here\"\n2,ok\n3,\"nul \0\"\n");
    expect_row(2, 1);
    expect_bad(3, "field 2 is not valid UTF-8");
    cr_assert_eq(err.offset, (long long)strlen("line two\nline three "));
    expect_row(2, 4);
    field_is(1, "ok");
    /* open_text stops at the NUL, so test NUL bytes with an explicit length */
    static const char nul[] = "a,b\n1,\"x\0y\"\n2,z\n";
    fj__csv_free(csv);
    cr_assert_eq(fj__csv_open_memory(&csv, nul, sizeof nul - 1, &err), FJ_OK);
    expect_row(2, 1);
    expect_bad(2, "NUL byte");
    expect_row(2, 3);
}

Test(csv, record_over_the_limit_is_skipped)
{
    /* a quote that never closes on one enormous line: reported, and reading resumes after it */
    size_t big = FJ__CSV_MAX_RECORD_BYTES + 1000;
    char *text = malloc(big + 64);
    cr_assert_not_null(text);
    size_t k = (size_t)sprintf(text, "a,b\n1,\"");
    memset(text + k, 'x', big);
    strcpy(text + k + big, "\n2,ok\n");
    fj__csv_free(csv);
    cr_assert_eq(fj__csv_open_memory(&csv, text, strlen(text), &err), FJ_OK);
    expect_row(2, 1);
    expect_bad(2, "over the limit");
    expect_row(2, 3);
    field_is(1, "ok");
    cr_assert_eq(next(), FJ__CSV_END);
    fj__csv_free(csv);
    csv = NULL;
    free(text);
}

Test(csv, reads_a_file_in_chunks)
{
    /* a 300 KB quoted field with quotes and line breaks straddles several 64 KiB chunks */
    size_t big = 300000;
    char *field = malloc(big + 1);
    cr_assert_not_null(field);
    for (size_t i = 0; i < big; i++)
        field[i] = "abc,\"\n"[i % 6];
    field[big] = '\0';
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    fputs("\xEF\xBB\xBFh1,h2\r\n", fp);
    fputs("1,\"", fp);
    for (size_t i = 0; i < big; i++) {
        if (field[i] == '"')
            putc('"', fp);
        putc(field[i], fp);
    }
    fputs("\"\r\n2,two\r\n", fp);
    rewind(fp);
    fj__csv_free(csv);
    cr_assert_eq(fj__csv_open_file(&csv, fp, &err), FJ_OK);
    expect_row(2, 1);
    field_is(0, "h1");
    expect_row(2, 2);
    cr_assert_eq(row->lens[1], big);
    cr_assert(memcmp(row->fields[1], field, big) == 0);
    cr_assert_eq(row->end_line, 2 + (long long)(big / 6));
    expect_row(2, 3 + (long long)(big / 6));
    field_is(1, "two");
    cr_assert_eq(next(), FJ__CSV_END);
    fclose(fp);
    free(field);
}

/* ---- the importers ---- */

static fj_importer *imp;

static void imp_fini(void)
{
    fj_importer_close(imp);
    imp = NULL;
}

TestSuite(import, .fini = imp_fini);

/* The next posting as parsed JSON (the caller json_decref's it), or NULL at the end. A malformed
 * row fails the test unless bad_line says it is expected there. */
static json_t *next_posting(long long bad_line)
{
    const char *json;
    size_t len;
    fj_error_clear(&err);
    fj_status st = fj_importer_next(imp, &json, &len, &err);
    if (bad_line > 0) {
        cr_assert_eq(st, FJ_ERR_INPUT, "expected a malformed row on line %lld", bad_line);
        cr_assert_eq(err.line, bad_line, "error on line %lld (%s)", err.line, err.message);
        return NULL;
    }
    cr_assert_eq(st, FJ_OK, "%s", err.message);
    if (!json)
        return NULL;
    cr_assert_eq(strlen(json), len);
    /* every line is a valid posting of the format */
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, NULL), FJ_OK);
    cr_assert_eq(fj_posting_parse_json(p, json, len, &err), FJ_OK, "%s: %s", err.message, json);
    fj_posting_free(p);
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);
    cr_assert_not_null(o, "%s", je.text);
    return o;
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *extra(json_t *o, const char *key)
{
    return str(json_object_get(o, "extra"), key);
}

static void open_file(fj_import_format fmt, const char *name, unsigned flags)
{
    fj_error_clear(&err);
    cr_assert_eq(fj_importer_open(&imp, fmt, name, flags, &err), FJ_OK, "%s", err.message);
}

static void stats_are(int64_t rows, int64_t written, int64_t skipped, int64_t errors)
{
    fj_import_stats s;
    fj_importer_stats(imp, &s);
    cr_assert_eq(s.rows, rows, "rows %lld", (long long)s.rows);
    cr_assert_eq(s.written, written, "written %lld", (long long)s.written);
    cr_assert_eq(s.skipped, skipped, "skipped %lld", (long long)s.skipped);
    cr_assert_eq(s.errors, errors, "errors %lld", (long long)s.errors);
}

Test(import, emscad_rows_map_to_postings)
{
    open_file(FJ_IMPORT_EMSCAD, IMPORT_DIR "emscad-small.csv", 0);
    json_t *o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "emscad-101");
    cr_assert_str_eq(str(o, "lang"), "en");
    cr_assert_str_eq(str(o, "label"), "legit");
    cr_assert_str_eq(str(o, "title"), "Warehouse Associate");
    cr_assert_str_eq(str(o, "location"), "US, OH, Columbus");
    cr_assert_str_eq(str(o, "salary"), "15-18");
    cr_assert_str_eq(str(o, "description"), "Pick, pack and ship orders.\nWork with scanners, "
                                            "pallet jacks and the \"WMS\" system, in a team of "
                                            "12.");
    cr_assert_str_eq(str(o, "benefits"), "Health insurance, 401(k)");
    cr_assert_str_eq(str(o, "employment_type"), "Full-time");
    cr_assert(json_is_false(json_object_get(o, "telecommuting")));
    cr_assert(json_is_true(json_object_get(o, "has_company_logo")));
    cr_assert(json_is_false(json_object_get(o, "has_questions")));
    cr_assert_null(json_object_get(o, "company"), "EMSCAD has no company name");
    cr_assert_str_eq(extra(o, "department"), "Operations");
    cr_assert_str_eq(extra(o, "required_experience"), "Entry level");
    cr_assert_str_eq(extra(o, "required_education"), "High School or equivalent");
    cr_assert_str_eq(extra(o, "industry"), "Logistics and Supply Chain");
    cr_assert_str_eq(extra(o, "function"), "Production");
    cr_assert_null(extra(o, "fraudulent"), "the label is not repeated in extra");
    json_decref(o);

    o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "emscad-102");
    cr_assert_str_eq(str(o, "label"), "fraud");
    cr_assert(json_is_true(json_object_get(o, "telecommuting")));
    cr_assert_null(json_object_get(o, "company_profile"), "empty columns are left out");
    cr_assert_null(json_object_get(o, "extra"), "no extra when every extra column is empty");
    cr_assert(strstr(str(o, "description"), "#EMAIL_3f2a9c#"), "placeholders are kept");
    json_decref(o);

    /* 103 has no label: skipped; 104 (line 6) has 4 columns */
    next_posting(6);
    cr_assert(strstr(err.message, "4 fields where the header has 18"), "%s", err.message);
    o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "emscad-105");
    json_decref(o);
    cr_assert_null(next_posting(0));
    stats_are(5, 3, 1, 1);
}

Test(import, keep_unlabelled_writes_rows_without_label)
{
    open_file(FJ_IMPORT_EMSCAD, IMPORT_DIR "emscad-small.csv", FJ_IMPORT_KEEP_UNLABELLED);
    json_decref(next_posting(0));
    json_decref(next_posting(0));
    json_t *o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "emscad-103");
    cr_assert_null(json_object_get(o, "label"));
    json_decref(o);
    next_posting(6);
    json_decref(next_posting(0));
    cr_assert_null(next_posting(0));
    stats_are(5, 4, 0, 1);
}

Test(import, orfd_rows_map_to_postings)
{
    /* the file has a byte-order mark and CRLF line ends */
    open_file(FJ_IMPORT_ORFD, IMPORT_DIR "orfd-small.csv", 0);
    json_t *o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "orfd-9001");
    cr_assert_str_eq(str(o, "lang"), "zh");
    cr_assert_str_eq(str(o, "label"), "legit");
    cr_assert_str_eq(str(o, "title"), "青禾科技招聘行政专员", "the headline, trimmed");
    cr_assert_str_eq(extra(o, "jobTitle"), "行政专员", "the category is kept");
    cr_assert_str_eq(str(o, "company"), "北京青禾科技有限公司");
    cr_assert_str_eq(str(o, "company_profile"), "青禾科技成立于2012年，专注于教育软件。");
    cr_assert_str_eq(str(o, "description"),
                     "岗位职责：1、办公用品采购与登记；2、会议安排，记录\"周会\"纪要。\n"
                     "任职要求：细心，有责任心。");
    cr_assert_str_eq(str(o, "requirements"), "大专_1-2年");
    cr_assert_str_eq(str(o, "benefits"), "五险一金_周末双休_餐补");
    cr_assert_str_eq(str(o, "salary"), "4500-6000元/月");
    cr_assert_str_eq(str(o, "location"), "北京_海淀_中关村_北京海淀区中关村大街27号");
    cr_assert_str_eq(str(o, "url"), "http://example.invalid/job/9001x.shtml");
    cr_assert_eq(json_integer_value(json_object_get(o, "openings")), 3);
    cr_assert_eq(json_integer_value(json_object_get(o, "applicants")), 37);
    cr_assert_float_eq(json_number_value(json_object_get(o, "response_rate")), 0.85, 1e-12);
    cr_assert_str_eq(str(o, "company_size"), "20-99人");
    cr_assert_str_eq(str(o, "company_registration"), "91110108MA0000001X");
    cr_assert_str_eq(str(o, "company_founded"), "2012-06-01T00:00:00Z");
    cr_assert_str_eq(str(o, "posted_at"), "2019-04-10T00:00:00Z");
    cr_assert_str_eq(str(o, "updated_at"), "2019-04-10T00:00:00Z");
    cr_assert_str_eq(extra(o, "Real/Fake"), "1");
    cr_assert_str_eq(extra(o, "jobCity"), "bj");
    cr_assert_str_eq(extra(o, "browserNum"), "浏览:0人");
    cr_assert_str_eq(extra(o, "businessScope"), "软件开发；技术咨询");
    cr_assert_null(extra(o, "orgNumber"), "empty values are left out");
    cr_assert_null(extra(o, "companyName"), "mapped columns are not repeated");
    json_decref(o);

    o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "orfd-9002");
    cr_assert_str_eq(str(o, "label"), "fraud");
    /* values that do not convert stay in extra, verbatim */
    cr_assert_null(json_object_get(o, "openings"));
    cr_assert_str_eq(extra(o, "needNumber"), "若干");
    cr_assert_null(json_object_get(o, "company_founded"));
    cr_assert_str_eq(extra(o, "estiblishDate"), "1800-12-31 00:00:00");
    cr_assert_null(json_object_get(o, "company_size"));
    cr_assert_str_eq(extra(o, "companySize"), "None");
    cr_assert_null(json_object_get(o, "company_registration"), "empty creditCode");
    cr_assert_float_eq(json_number_value(json_object_get(o, "response_rate")), 0.03, 1e-12);
    json_decref(o);

    o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "orfd-9003");
    cr_assert_str_eq(str(o, "label"), "fraud", "0.5 is fake");
    cr_assert_str_eq(extra(o, "Real/Fake"), "0.5");
    cr_assert_null(json_object_get(o, "posted_at"), "43543 is not a date");
    cr_assert_str_eq(extra(o, "jobUpdateTime"), "43543");
    json_decref(o);

    o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "orfd-9004");
    cr_assert_str_eq(str(o, "label"), "legit", "11 is real");
    json_decref(o);

    /* 9005 (2: annotators disagreed) and 9006 (empty) are skipped; 9007's label is junk */
    next_posting(9);
    cr_assert(strstr(err.message, "'假' is not an ORFD label"), "%s", err.message);
    cr_assert_str_eq(err.field, "label");
    cr_assert_null(next_posting(0));
    stats_are(7, 4, 2, 1);
}

Test(import, orfd_keep_unlabelled)
{
    open_file(FJ_IMPORT_ORFD, IMPORT_DIR "orfd-small.csv", FJ_IMPORT_KEEP_UNLABELLED);
    for (int i = 0; i < 4; i++)
        json_decref(next_posting(0));
    json_t *o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "orfd-9005");
    cr_assert_null(json_object_get(o, "label"));
    cr_assert_str_eq(extra(o, "Real/Fake"), "2", "the disagreement stays visible");
    json_decref(o);
    o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "orfd-9006");
    cr_assert_null(json_object_get(o, "label"));
    json_decref(o);
    next_posting(9);
    cr_assert_null(next_posting(0));
    stats_are(7, 6, 0, 1);
}

static fj_status open_mem(fj_import_format fmt, const char *text)
{
    fj_importer_close(imp);
    imp = NULL;
    fj_error_clear(&err);
    return fj_importer_open_memory(&imp, fmt, text, strlen(text), 0, &err);
}

#define EMSCAD_HEADER                                                                              \
    "job_id,title,location,department,salary_range,company_profile,description,requirements,"      \
    "benefits,telecommuting,has_company_logo,has_questions,employment_type,required_experience,"   \
    "required_education,industry,function,fraudulent\n"

Test(import, header_problems_fail_the_open)
{
    cr_assert_eq(open_mem(FJ_IMPORT_EMSCAD, ""), FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "empty input"), "%s", err.message);
    cr_assert_null(imp);

    cr_assert_eq(open_mem(FJ_IMPORT_EMSCAD, "job_id,title,description\n1,a,b\n"), FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "not an EMSCAD CSV: the header has no column 'fraudulent'"), "%s",
              err.message);
    cr_assert_eq(err.line, 1);

    /* an EMSCAD file given as ORFD */
    cr_assert_eq(open_mem(FJ_IMPORT_ORFD, EMSCAD_HEADER), FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "no column 'Job_ID'"), "%s", err.message);

    cr_assert_eq(open_mem(FJ_IMPORT_EMSCAD, "job_id,title,title,description,fraudulent\n"),
                 FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "column 'title' twice"), "%s", err.message);

    cr_assert_eq(fj_importer_open(&imp, FJ_IMPORT_EMSCAD, IMPORT_DIR "no-such.csv", 0, &err),
                 FJ_ERR_IO);
    cr_assert(strstr(err.message, "no-such.csv"), "%s", err.message);
    cr_assert_eq(
        fj_importer_open(&imp, (fj_import_format)7, IMPORT_DIR "emscad-small.csv", 0, &err),
        FJ_ERR_ARGUMENT);
    cr_assert_eq(
        fj_importer_open(&imp, FJ_IMPORT_EMSCAD, IMPORT_DIR "emscad-small.csv", 0x80, &err),
        FJ_ERR_ARGUMENT);
}

Test(import, columns_in_any_order_and_unknown_columns_kept)
{
    cr_assert_eq(open_mem(FJ_IMPORT_EMSCAD, "fraudulent,description,job_id,title,source\n"
                                            "1,Send a fee,7,Clerk,board-x\n"),
                 FJ_OK, "%s", err.message);
    json_t *o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "emscad-7");
    cr_assert_str_eq(str(o, "label"), "fraud");
    cr_assert_str_eq(extra(o, "source"), "board-x");
    json_decref(o);
    cr_assert_null(next_posting(0));
}

Test(import, bad_rows_name_their_line)
{
    cr_assert_eq(open_mem(FJ_IMPORT_EMSCAD,
                          "job_id,title,description,fraudulent,telecommuting\n"
                          "1,,  ,0,0\n"         /* neither title nor description */
                          "2,Clerk,x,yes,0\n"   /* a label that is not 0/1 */
                          "3,Clerk,x,0,maybe\n" /* a boolean that is not 0/1: kept in extra */
                          "4,\"Clerk\n\xff\",x,0,0\n"),
                 FJ_OK);
    next_posting(2);
    cr_assert(strstr(err.message, "neither a title nor a description"), "%s", err.message);
    next_posting(3);
    cr_assert(strstr(err.message, "column 'fraudulent': 'yes' is not an EMSCAD label"), "%s",
              err.message);
    json_t *o = next_posting(0);
    cr_assert_null(json_object_get(o, "telecommuting"));
    cr_assert_str_eq(extra(o, "telecommuting"), "maybe");
    json_decref(o);
    next_posting(6); /* the invalid byte is on the second line of the record */
    cr_assert(strstr(err.message, "not valid UTF-8"), "%s", err.message);
    cr_assert_null(next_posting(0));
    stats_are(4, 1, 0, 3);
}

Test(import, over_long_field_is_a_limit_error)
{
    size_t n = FJ_MAX_FIELD_BYTES + 10;
    char *text = malloc(n + 200);
    cr_assert_not_null(text);
    int k = sprintf(text, "job_id,title,description,fraudulent\n1,Clerk,\"");
    memset(text + k, 'a', n);
    strcpy(text + k + n, "\",0\n2,Clerk,short,0\n");
    cr_assert_eq(open_mem(FJ_IMPORT_EMSCAD, text), FJ_OK);
    free(text);
    const char *json;
    cr_assert_eq(fj_importer_next(imp, &json, NULL, &err), FJ_ERR_LIMIT);
    cr_assert_eq(err.line, 2);
    cr_assert(strstr(err.message, "line 2: column 'description'"), "%s", err.message);
    json_t *o = next_posting(0);
    cr_assert_str_eq(str(o, "id"), "emscad-2");
    json_decref(o);
}

Test(import, format_names)
{
    cr_assert_eq(fj_import_format_from_name("emscad"), FJ_IMPORT_EMSCAD);
    cr_assert_eq(fj_import_format_from_name("orfd"), FJ_IMPORT_ORFD);
    cr_assert_eq(fj_import_format_from_name("csv"), -1);
    cr_assert_eq(fj_import_format_from_name(NULL), -1);
    cr_assert_str_eq(fj_import_format_name(FJ_IMPORT_ORFD), "orfd");
    cr_assert_null(fj_import_format_name((fj_import_format)9));
    fj_importer_close(NULL);
    fj_import_stats s;
    fj_importer_stats(NULL, &s);
    cr_assert_eq(s.rows, 0);
}
