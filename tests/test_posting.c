/*
 * test_posting.c - postings: JSON parsing with type checks, UTF-8 and limit errors naming the
 * field, ISO 8601 dates, setters and getters, JSON round trip.
 */
#include "core/fj_internal.h"

#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fj_posting *p;
static fj_error err;

static void setup(void)
{
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    fj_error_clear(&err);
}
static void teardown(void)
{
    fj_posting_free(p);
}

TestSuite(posting, .init = setup, .fini = teardown);

static fj_status parse(const char *json)
{
    return fj_posting_parse_json(p, json, strlen(json), &err);
}

Test(posting, parses_every_field_type)
{
    cr_assert_eq(
        parse("{\"id\":\"zh-1\",\"lang\":\"zh\",\"title\":\"客服\",\"description\":\"日结\","
              "\"posted_at\":\"2025-03-01\",\"updated_at\":\"2025-03-02T08:00:00+08:00\","
              "\"has_company_logo\":false,\"telecommuting\":true,\"openings\":30,"
              "\"applicants\":5,\"response_rate\":0.25,\"label\":\"fraud\","
              "\"extra\":{\"a\":[1,2]},\"unknown\":7}"),
        FJ_OK, "%s", err.message);
    size_t len;
    cr_assert_str_eq(fj_posting_string(p, FJ_FIELD_TITLE, &len), "客服");
    cr_assert_eq(len, strlen("客服"));
    int64_t t;
    cr_assert(fj_posting_time(p, FJ_FIELD_POSTED_AT, &t));
    cr_assert_eq(t, 1740787200);
    cr_assert(fj_posting_time(p, FJ_FIELD_UPDATED_AT, &t));
    cr_assert_eq(t, 1740787200 + 86400); /* 08:00 at +08:00 is midnight UTC */
    int b;
    cr_assert(fj_posting_bool(p, FJ_FIELD_HAS_COMPANY_LOGO, &b));
    cr_assert_eq(b, 0);
    cr_assert(fj_posting_bool(p, FJ_FIELD_TELECOMMUTING, &b));
    cr_assert_eq(b, 1);
    int64_t n;
    cr_assert(fj_posting_int(p, FJ_FIELD_OPENINGS, &n));
    cr_assert_eq(n, 30);
    double d;
    cr_assert(fj_posting_number(p, FJ_FIELD_RESPONSE_RATE, &d));
    cr_assert_float_eq(d, 0.25, 1e-12);
    cr_assert_eq(fj_posting_label(p), FJ_LABEL_FRAUD);
    cr_assert_eq(fj_posting_lang(p), FJ_LANG_ZH);
    cr_assert_not(fj_posting_has(p, FJ_FIELD_COMPANY));
}

Test(posting, wrong_type_names_the_field)
{
    cr_assert_eq(parse("{\"title\":\"x\",\"openings\":\"many\"}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "openings");
    cr_assert(strstr(err.message, "openings"), "%s", err.message);
    cr_assert_not(fj_posting_has(p, FJ_FIELD_TITLE), "a failed parse leaves the posting empty");

    cr_assert_eq(parse("{\"title\":5}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "title");
    cr_assert_eq(parse("{\"title\":\"x\",\"telecommuting\":\"yes\"}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "telecommuting");
    cr_assert_eq(parse("{\"title\":\"x\",\"response_rate\":1.5}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "response_rate");
    cr_assert_eq(parse("{\"title\":\"x\",\"openings\":-3}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "openings");
    cr_assert_eq(parse("{\"title\":\"x\",\"openings\":2.5}"), FJ_ERR_INPUT);
    cr_assert_eq(parse("{\"title\":\"x\",\"lang\":\"fr\"}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "lang");
    cr_assert_eq(parse("{\"title\":\"x\",\"label\":\"spam\"}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "label");
    cr_assert_eq(parse("{\"title\":\"x\",\"extra\":3}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "extra");
}

Test(posting, bad_dates_name_the_field)
{
    cr_assert_eq(parse("{\"title\":\"x\",\"posted_at\":\"last week\"}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "posted_at");
    cr_assert(strstr(err.message, "posted_at"), "%s", err.message);
    cr_assert_eq(parse("{\"title\":\"x\",\"observed_at\":\"2025-02-30\"}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "observed_at");
    cr_assert_eq(parse("{\"title\":\"x\",\"company_founded\":20250101}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "company_founded");
}

Test(posting, needs_title_or_description)
{
    cr_assert_eq(parse("{\"company\":\"ACME\"}"), FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "title"), "%s", err.message);
    cr_assert_eq(parse("{\"title\":\"\",\"description\":\"\"}"), FJ_ERR_INPUT);
    cr_assert_eq(parse("{\"description\":\"only a body\"}"), FJ_OK);
}

Test(posting, malformed_json_gives_offset)
{
    cr_assert_eq(parse("{\"title\": \"x\", }"), FJ_ERR_INPUT);
    cr_assert_geq(err.offset, 0);
    cr_assert(strstr(err.message, "invalid JSON"), "%s", err.message);
    cr_assert_eq(parse("[1,2]"), FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "object"), "%s", err.message);
    cr_assert_eq(parse(""), FJ_ERR_INPUT);
    cr_assert_eq(parse("{\"title\":\"a\",\"title\":\"b\"}"), FJ_ERR_INPUT, "duplicate keys");
}

Test(posting, invalid_utf8_names_field_and_offset)
{
    const char json[] = "{\"title\":\"ok\",\"description\":\"bad \xC3\x28 here\"}";
    cr_assert_eq(fj_posting_parse_json(p, json, sizeof json - 1, &err), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "description");
    cr_assert_eq(err.offset, (long long)(strchr(json, '\xC3') - json));

    /* overlong encoding of '/', a UTF-16 surrogate, and a code point above U+10FFFF */
    const char *bad[] = {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF"};
    for (size_t i = 0; i < 4; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "{\"title\":\"a%sb\"}", bad[i]);
        cr_assert_eq(parse(buf), FJ_ERR_INPUT, "case %zu", i);
        cr_assert_str_eq(err.field, "title");
        cr_assert_eq(err.offset, 11);
    }
    cr_assert_eq(parse("{\"title\":\"a\\u0000b\"}"), FJ_ERR_INPUT, "escaped NUL");
    cr_assert_eq(parse("{\"title\":\"\\ud800\"}"), FJ_ERR_INPUT, "lone surrogate escape");
}

Test(posting, escaped_nul_names_the_field_not_the_json_flag)
{
    cr_assert_eq(parse("{\"id\":\"x\",\"description\":\"ab\\u0000c\"}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "description");
    cr_assert(strstr(err.message, "field 'description' contains a NUL character"), "%s",
              err.message);
    cr_assert_null(strstr(err.message, "JSON_ALLOW_NUL"), "%s", err.message);
    cr_assert(err.offset > 20 && err.offset < 40, "offset %lld", (long long)err.offset);
}

Test(posting, a_fraction_where_a_whole_number_goes_says_so)
{
    cr_assert_eq(parse("{\"title\":\"x\",\"openings\":1.5}"), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "openings");
    cr_assert(strstr(err.message, "must be a whole number"), "%s", err.message);
    cr_assert(strstr(err.message, "not 1.5"), "%s", err.message);
    cr_assert_null(strstr(err.message, "not a number"), "%s", err.message);
    cr_assert_eq(parse("{\"title\":\"x\",\"openings\":-2.0}"), FJ_ERR_INPUT);
    cr_assert_eq(parse("{\"title\":\"x\",\"openings\":3.0}"), FJ_OK, "a whole 3.0 is fine");
}

Test(posting, setter_rejects_nul_and_bad_utf8)
{
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_TITLE, "a\0b", 3, &err), FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 1);
    cr_assert(strstr(err.message, "NUL"), "%s", err.message);
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_TITLE, "\xE4\xB8", 2, &err), FJ_ERR_INPUT,
                 "truncated sequence");
    /* long ASCII runs are checked eight bytes at a time: a NUL or a bad byte inside one */
    const char longnul[] = "abcdefghijklm\0opqrstuvwxyz0123456789";
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_TITLE, longnul, sizeof longnul - 1, &err),
                 FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 13);
    const char longbad[] = "abcdefghijklmnopqrstu\x80vwxyz";
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_TITLE, longbad, sizeof longbad - 1, &err),
                 FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 21);
    cr_assert_eq(fj__utf8_check(longnul, sizeof longnul - 1, false), (long long)sizeof longnul - 1,
                 "NUL is allowed when not rejected");
    cr_assert_eq(fj_posting_set_int(p, FJ_FIELD_TITLE, 3, &err), FJ_ERR_ARGUMENT, "type mismatch");
    cr_assert_eq(fj_posting_set_string(p, (fj_field)999, "x", 1, &err), FJ_ERR_ARGUMENT);
}

Test(posting, limits_are_enforced)
{
    size_t n = FJ_MAX_FIELD_BYTES + 1;
    char *big = malloc(n);
    memset(big, 'a', n);
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, big, n, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_FIELD_BYTES"), "%s", err.message);
    /* five fields just under the field limit exceed the posting limit */
    fj_status st = FJ_OK;
    for (int f = 0; f < FJ_TEXT_FIELD_COUNT && st == FJ_OK; f++)
        st = fj_posting_set_string(p, fj_text_fields[f], big, n - 1, &err);
    cr_assert_eq(st, FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_POSTING_BYTES"), "%s", err.message);
    free(big);

    char deep[200];
    strcpy(deep, "{\"title\":\"x\",\"extra\":");
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    for (int i = 0; i < 40; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    cr_assert_eq(parse(deep), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_JSON_DEPTH"), "%s", err.message);
}

Test(posting, json_round_trip)
{
    cr_assert_eq(parse("{\"id\":\"a\\\"b\",\"title\":\"line\\nbreak\",\"posted_at\":\"2024-02-29\","
                       "\"openings\":3,\"response_rate\":0.5,\"has_questions\":true}"),
                 FJ_OK);
    char *json;
    cr_assert_eq(fj_posting_to_json(p, &json, &err), FJ_OK);
    fj_posting *q;
    fj_posting_new(&q, NULL);
    cr_assert_eq(fj_posting_parse_json(q, json, strlen(json), &err), FJ_OK, "%s", json);
    for (int f = 0; f < FJ_FIELD_COUNT; f++)
        cr_assert_eq(fj_posting_has(p, f), fj_posting_has(q, f), "field %s", fj_field_name(f));
    cr_assert_str_eq(fj_posting_string(q, FJ_FIELD_ID, NULL), "a\"b");
    cr_assert(strstr(json, "\"response_rate\":0.5}"), "shortest number form: %s", json);
    int64_t a, b;
    fj_posting_time(p, FJ_FIELD_POSTED_AT, &a);
    fj_posting_time(q, FJ_FIELD_POSTED_AT, &b);
    cr_assert_eq(a, b);
    free(json);
    fj_posting_free(q);
}

Test(posting, copy_is_deep)
{
    cr_assert_eq(parse("{\"title\":\"会计\",\"openings\":2}"), FJ_OK);
    fj_posting *q;
    cr_assert_eq(fj_posting_copy(&q, p, &err), FJ_OK);
    fj_posting_clear(p);
    cr_assert_str_eq(fj_posting_string(q, FJ_FIELD_TITLE, NULL), "会计");
    fj_posting_free(q);
}

Test(iso8601, accepted_forms)
{
    int64_t t;
    cr_assert_eq(fj_parse_iso8601("1970-01-01", 10, &t, NULL), FJ_OK);
    cr_assert_eq(t, 0);
    cr_assert_eq(fj_parse_iso8601("2000-03-01T00:00:00Z", 20, &t, NULL), FJ_OK);
    cr_assert_eq(t, 951868800);
    cr_assert_eq(fj_parse_iso8601("20000301", 8, &t, NULL), FJ_OK);
    cr_assert_eq(t, 951868800);
    cr_assert_eq(fj_parse_iso8601("2000-03-01 01:30", 16, &t, NULL), FJ_OK);
    cr_assert_eq(t, 951868800 + 5400);
    cr_assert_eq(fj_parse_iso8601("2000-03-01T01:30:00.250-01:00", 29, &t, NULL), FJ_OK);
    cr_assert_eq(t, 951868800 + 5400 + 3600);
    char buf[32];
    fj__format_iso8601(951868800 + 5400, buf, sizeof buf);
    cr_assert_str_eq(buf, "2000-03-01T01:30:00Z");
}

Test(iso8601, rejected_forms)
{
    int64_t t;
    fj_error e;
    const char *bad[] = {
        "2001-02-29",  "2025-13-01", "2025-1-1", "2025-01-01T25:00", "2025-01-01T10:00+15:00",
        "2025-01-01x", "",           "tomorrow"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(fj_parse_iso8601(bad[i], strlen(bad[i]), &t, &e), FJ_ERR_INPUT, "%s", bad[i]);
}

Test(fields, names_round_trip)
{
    for (int f = 0; f < FJ_FIELD_COUNT; f++) {
        const char *n = fj_field_name(f);
        cr_assert_not_null(n);
        cr_assert_eq(fj_field_from_name(n, strlen(n)), f);
    }
    cr_assert_eq(fj_field_from_name("nope", 4), -1);
    cr_assert_null(fj_field_name(FJ_FIELD_COUNT));
    cr_assert_str_eq(fj_status_name(FJ_ERR_LIMIT), "limit");
}

Test(posting, json_reader_edge_cases)
{
    /* keys are compared decoded: "tit\u006ce" is a second "title" */
    cr_assert_eq(parse("{\"title\":\"a\",\"tit\\u006ce\":\"b\"}"), FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "duplicate"), "%s", err.message);
    /* duplicates inside `extra` are refused too; other objects in it are not read */
    cr_assert_eq(parse("{\"title\":\"a\",\"extra\":{\"k\":1,\"k\":2}}"), FJ_ERR_INPUT);
    cr_assert_eq(parse("{\"title\":\"a\",\"extra\":{\"k\":{\"k\":1}}}"), FJ_OK, "%s", err.message);
    /* escapes are decoded, surrogate pairs joined, lone surrogates and \u0000 refused */
    cr_assert_eq(parse("{\"title\":\"\\u00e9\\ud83d\\ude00 \\\"q\\\" \\/\"}"), FJ_OK);
    cr_assert_str_eq(fj_posting_string(p, FJ_FIELD_TITLE, NULL),
                     "\xC3\xA9\xF0\x9F\x98\x80 \"q\" /");
    cr_assert_eq(parse("{\"title\":\"a\\ud800b\"}"), FJ_ERR_INPUT);
    cr_assert_eq(parse("{\"title\":\"a\\u0000b\"}"), FJ_ERR_INPUT);
    /* the largest 64-bit integer is read; one more is an error */
    cr_assert_eq(parse("{\"title\":\"x\",\"applicants\":9223372036854775807}"), FJ_OK);
    cr_assert_eq(parse("{\"title\":\"x\",\"applicants\":9223372036854775808}"), FJ_ERR_INPUT);
    /* a syntax error after a wrong type is the error reported */
    cr_assert_eq(parse("{\"title\":\"x\",\"openings\":\"5\",}"), FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "invalid JSON"), "%s", err.message);
    cr_assert_eq(parse("{\"title\":\"x\"} trailing"), FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 14);
}

Test(posting, json_numbers_whatever_the_locale)
{
    /* a host program may set a comma-decimal locale: 0.35 is still 0.35 */
    if (!setlocale(LC_ALL, "de_DE.UTF-8") && !setlocale(LC_ALL, "de_DE.utf8"))
        cr_skip_test("no de_DE locale installed");
    fj_status st = parse("{\"title\":\"x\",\"response_rate\":0.35}");
    double d = 0;
    bool has = fj_posting_number(p, FJ_FIELD_RESPONSE_RATE, &d);
    setlocale(LC_ALL, "C");
    cr_assert_eq(st, FJ_OK, "%s", err.message);
    cr_assert(has);
    cr_assert_eq(d, 0.35);
}
