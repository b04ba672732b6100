/*
 * test_robust.c - hostile input: a megabyte of one character, 10^5 emoji, NUL bytes, lone
 * surrogates, overlong UTF-8, deeply nested JSON, huge fields. Each one is either an error
 * naming the limit or the problem (FJ_MAX_* for limits, the byte offset for bad bytes) or a
 * correct result, and each finishes in time linear in its size (robust_assert_linear compares
 * two sizes within one run; no wall-clock limits). Also: the CSV importers on hostile files, and
 * the history store with two writer processes, one killed with SIGKILL mid-write.
 */
#include "robust.h"
#include "robust_data.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

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

TestSuite(hostile_json, .init = setup, .fini = teardown);

/* {"title":"x","description":"<body>"} in a malloc'd buffer. */
static char *posting_with_body(const char *body, size_t body_len, size_t *len)
{
    static const char pre[] = "{\"title\":\"x\",\"description\":\"";
    static const char post[] = "\"}";
    char *s = malloc(sizeof pre + body_len + sizeof post);
    cr_assert_not_null(s);
    memcpy(s, pre, sizeof pre - 1);
    memcpy(s + sizeof pre - 1, body, body_len);
    memcpy(s + sizeof pre - 1 + body_len, post, sizeof post);
    *len = sizeof pre - 1 + body_len + sizeof post - 1;
    return s;
}

static fj_status parse_body(const char *body, size_t body_len)
{
    size_t len;
    char *json = posting_with_body(body, body_len, &len);
    fj_status st = fj_posting_parse_json(p, json, len, &err);
    free(json);
    return st;
}

Test(hostile_json, megabyte_of_one_character_is_a_field_limit)
{
    size_t n;
    char *body = robust_repeat("a", 1u << 20, &n);
    cr_assert_eq(parse_body(body, n), FJ_ERR_LIMIT);
    /* the JSON around it makes the whole posting larger than the posting limit as well:
     * the posting limit is checked first, before any parsing */
    cr_assert(strstr(err.message, "FJ_MAX_POSTING_BYTES"), "%s", err.message);

    /* the largest field that is allowed is parsed exactly */
    cr_assert_eq(parse_body(body, FJ_MAX_FIELD_BYTES), FJ_OK, "%s", err.message);
    size_t got;
    const char *d = fj_posting_string(p, FJ_FIELD_DESCRIPTION, &got);
    cr_assert_eq(got, FJ_MAX_FIELD_BYTES);
    cr_assert_eq(d[0], 'a');
    cr_assert_eq(d[got - 1], 'a');
    cr_assert_eq(d[got], '\0');

    /* one byte more is a limit error naming the field and the limit */
    cr_assert_eq(parse_body(body, FJ_MAX_FIELD_BYTES + 1), FJ_ERR_LIMIT);
    cr_assert_str_eq(err.field, "description");
    cr_assert(strstr(err.message, "FJ_MAX_FIELD_BYTES"), "%s", err.message);
    free(body);
}

Test(hostile_json, posting_size_limit_is_exact)
{
    /* a posting of exactly FJ_MAX_POSTING_BYTES parses (padding spaces are legal JSON);
     * one byte more is FJ_ERR_LIMIT */
    size_t n = FJ_MAX_POSTING_BYTES + 1;
    char *s = malloc(n);
    memset(s, ' ', n);
    const char obj[] = "{\"title\":\"x\"}";
    memcpy(s, obj, sizeof obj - 1);
    cr_assert_eq(fj_posting_parse_json(p, s, n - 1, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_posting_parse_json(p, s, n, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_POSTING_BYTES"), "%s", err.message);
    cr_assert_not(fj_posting_has(p, FJ_FIELD_TITLE), "a failed parse leaves the posting empty");
    free(s);
}

Test(hostile_json, hundred_thousand_emoji)
{
    /* 10^5 emoji as raw UTF-8 (400 kB) are over the field limit in one field ... */
    size_t n;
    char *body = robust_repeat("\xF0\x9F\x98\x80", 400000, &n);
    cr_assert_eq(parse_body(body, n), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_FIELD_BYTES"), "%s", err.message);

    /* ... and fine split over two fields, kept byte for byte */
    size_t half = n / 2, len;
    char *json = malloc(2 * half + 64);
    len = (size_t)sprintf(json, "{\"title\":\"");
    memcpy(json + len, body, half);
    len += half;
    len += (size_t)sprintf(json + len, "\",\"description\":\"");
    memcpy(json + len, body + half, half);
    len += half;
    len += (size_t)sprintf(json + len, "\"}");
    cr_assert_eq(fj_posting_parse_json(p, json, len, &err), FJ_OK, "%s", err.message);
    size_t tl, dl;
    const char *t = fj_posting_string(p, FJ_FIELD_TITLE, &tl);
    fj_posting_string(p, FJ_FIELD_DESCRIPTION, &dl);
    cr_assert_eq(tl + dl, n);
    cr_assert_eq(memcmp(t, body, tl), 0);
    free(json);
    free(body);

    /* 60 000 emoji as \uD83D\uDE00 escape pairs: 720 kB of JSON, 240 kB once decoded */
    body = robust_repeat("\\ud83d\\ude00", 60000 * 12, &n);
    cr_assert_eq(parse_body(body, n), FJ_OK, "%s", err.message);
    fj_posting_string(p, FJ_FIELD_DESCRIPTION, &dl);
    cr_assert_eq(dl, 60000u * 4);
    free(body);
}

Test(hostile_json, nul_bytes)
{
    /* a raw NUL anywhere is an input error at its byte offset, naming the field */
    char body[] = "abc\0def";
    cr_assert_eq(parse_body(body, sizeof body - 1), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "description");
    cr_assert_eq(err.offset, (long long)strlen("{\"title\":\"x\",\"description\":\"abc"));
    cr_assert(strstr(err.message, "NUL"), "%s", err.message);

    /* a megabyte of NULs: over the posting limit, reported before anything is scanned */
    char *zeros = calloc(1, FJ_MAX_POSTING_BYTES + 1);
    cr_assert_eq(fj_posting_parse_json(p, zeros, FJ_MAX_POSTING_BYTES + 1, &err), FJ_ERR_LIMIT);
    /* just under it: an input error at offset 0 */
    cr_assert_eq(fj_posting_parse_json(p, zeros, FJ_MAX_POSTING_BYTES, &err), FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 0);
    free(zeros);

    /* the \u0000 escape is refused too (the library's strings are NUL-terminated) */
    cr_assert_eq(parse_body("a\\u0000b", 8), FJ_ERR_INPUT);
    cr_assert_geq(err.offset, 0);
    cr_assert_neq(err.message[0], '\0');
}

Test(hostile_json, lone_surrogates)
{
    /* raw (CESU-style) surrogates: ED A0 80 is U+D800, ED BF BF is U+DFFF */
    const char *raw[] = {"\xED\xA0\x80", "\xED\xBF\xBF", "\xED\xA0\xBD\xED\xB8\x80"};
    for (size_t i = 0; i < 3; i++) {
        char body[32];
        int n = snprintf(body, sizeof body, "ok%s", raw[i]);
        cr_assert_eq(parse_body(body, (size_t)n), FJ_ERR_INPUT, "raw surrogate %zu", i);
        cr_assert_str_eq(err.field, "description");
        cr_assert_eq(err.offset, (long long)strlen("{\"title\":\"x\",\"description\":\"ok"));
    }
    /* escaped: a high surrogate alone, followed by a non-surrogate, or a low one alone */
    const char *esc[] = {"\\ud800", "\\ud800x", "\\ud800\\u0041", "\\udc00", "\\udfff\\ud800"};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(parse_body(esc[i], strlen(esc[i])), FJ_ERR_INPUT, "%s", esc[i]);
        cr_assert_neq(err.message[0], '\0');
    }
    /* a valid pair decodes to the 4-byte character */
    cr_assert_eq(parse_body("\\ud83d\\ude00", 12), FJ_OK, "%s", err.message);
    cr_assert_str_eq(fj_posting_string(p, FJ_FIELD_DESCRIPTION, NULL), "\xF0\x9F\x98\x80");
}

Test(hostile_json, overlong_and_out_of_range_utf8)
{
    const char *bad[] = {
        "\xC0\x80",                 /* overlong NUL (Java's "modified UTF-8") */
        "\xC1\xBF",                 /* overlong 2-byte */
        "\xE0\x80\xAF",             /* overlong '/' in 3 bytes */
        "\xF0\x80\x80\xAF",         /* overlong '/' in 4 bytes */
        "\xF8\x80\x80\x80\xAF",     /* 5-byte form */
        "\xFC\x80\x80\x80\x80\xAF", /* 6-byte form */
        "\xF4\x90\x80\x80",         /* above U+10FFFF */
        "\xFE",                     /* never valid */
        "\x80",                     /* a lone continuation byte */
        "\xE4\xB8",                 /* truncated at the end of the string */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[32];
        int n = snprintf(body, sizeof body, "ok%s", bad[i]);
        cr_assert_eq(parse_body(body, (size_t)n), FJ_ERR_INPUT, "case %zu", i);
        cr_assert_str_eq(err.field, "description", "case %zu", i);
        cr_assert_eq(err.offset, (long long)strlen("{\"title\":\"x\",\"description\":\"ok"),
                     "case %zu", i);
    }
    /* invalid bytes in a key or outside any string still give an offset */
    const char junk[] = "{\"ti\xC0\xAFle\":\"x\"}";
    cr_assert_eq(fj_posting_parse_json(p, junk, sizeof junk - 1, &err), FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 4);
}

Test(hostile_json, deep_nesting_is_a_limit_at_its_offset)
{
    /* nesting exactly at the limit is accepted: the posting object is level 1 */
    char ok[256];
    int n = snprintf(ok, sizeof ok, "{\"title\":\"x\",\"extra\":{\"a\":");
    for (int i = 0; i < FJ_MAX_JSON_DEPTH - 2; i++)
        ok[n++] = '[';
    for (int i = 0; i < FJ_MAX_JSON_DEPTH - 2; i++)
        ok[n++] = ']';
    ok[n++] = '}';
    ok[n++] = '}';
    cr_assert_eq(fj_posting_parse_json(p, ok, (size_t)n, &err), FJ_OK, "%s", err.message);

    /* 10^5 levels of arrays and of objects: an error naming the limit, at the first byte
     * past it, without recursion */
    const char *openers[] = {"[", "{\"a\":"};
    for (int k = 0; k < 2; k++) {
        size_t len;
        char *deep = robust_repeat(openers[k], 100000 * strlen(openers[k]), &len);
        static const char head[] = "{\"title\":\"x\",\"extra\":{\"a\":";
        size_t pre = sizeof head - 1;
        char *json = malloc(pre + len + 1);
        memcpy(json, head, pre);
        memcpy(json + pre, deep, len);
        cr_assert_eq(fj_posting_parse_json(p, json, pre + len, &err), FJ_ERR_LIMIT);
        cr_assert(strstr(err.message, "FJ_MAX_JSON_DEPTH"), "%s", err.message);
        cr_assert_eq(err.offset, (long long)(pre + (FJ_MAX_JSON_DEPTH - 2) * strlen(openers[k])));
        free(json);
        free(deep);
    }

    /* brackets inside strings, escaped quotes included, are not nesting */
    size_t len;
    char *brackets = robust_repeat("[{\\\"", 40000, &len);
    cr_assert_eq(parse_body(brackets, len), FJ_OK, "%s", err.message);
    size_t dl;
    fj_posting_string(p, FJ_FIELD_DESCRIPTION, &dl);
    cr_assert_eq(dl, 30000u);
    free(brackets);
}

Test(hostile_json, many_members_and_escapes)
{
    /* 50 000 unknown members: ignored, the known ones still read */
    fj_buf b = {0};
    cr_assert(fj__buf_append(&b, "{", 1));
    for (int i = 0; i < 50000; i++)
        cr_assert(fj__buf_printf(&b, "\"k%d\":%d,", i, i));
    cr_assert(fj__buf_printf(&b, "\"title\":\"last\"}"));
    cr_assert_eq(fj_posting_parse_json(p, b.data, b.len, &err), FJ_OK, "%s", err.message);
    cr_assert_str_eq(fj_posting_string(p, FJ_FIELD_TITLE, NULL), "last");
    fj__buf_free(&b);

    /* duplicate of a known member after 50 000 others is still refused */
    cr_assert(fj__buf_append(&b, "{\"title\":\"a\"", 12));
    for (int i = 0; i < 50000; i++)
        cr_assert(fj__buf_printf(&b, ",\"k%d\":[]", i));
    cr_assert(fj__buf_printf(&b, ",\"title\":\"b\"}"));
    cr_assert_eq(fj_posting_parse_json(p, b.data, b.len, &err), FJ_ERR_INPUT);
    fj__buf_free(&b);

    /* numbers jansson cannot hold are input errors naming the field */
    const char *nums[] = {"{\"title\":\"x\",\"openings\":123456789012345678901234567890}",
                          "{\"title\":\"x\",\"openings\":1e400}",
                          "{\"title\":\"x\",\"response_rate\":-0}",
                          "{\"title\":\"x\",\"applicants\":9.5e15}"};
    cr_assert_eq(fj_posting_parse_json(p, nums[0], strlen(nums[0]), &err), FJ_ERR_INPUT);
    cr_assert_eq(fj_posting_parse_json(p, nums[1], strlen(nums[1]), &err), FJ_ERR_INPUT);
    cr_assert_eq(fj_posting_parse_json(p, nums[2], strlen(nums[2]), &err), FJ_OK, "%s",
                 err.message);
    cr_assert_eq(fj_posting_parse_json(p, nums[3], strlen(nums[3]), &err), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "applicants");
}

/* ---- linear time: the parser ---- */

static void op_parse_body(const char *s, size_t len, void *arg)
{
    fj_posting *q = arg;
    size_t n;
    char *json = posting_with_body(s, len, &n);
    fj_posting_parse_json(q, json, n, NULL);
    free(json);
}

static void op_parse_raw(const char *s, size_t len, void *arg)
{
    fj_posting_parse_json(arg, s, len, NULL);
}

Test(hostile_json, parse_time_is_linear)
{
    /* inside a string field (up to the field limit) */
    const char *units[] = {"a", "\xF0\x9F\x98\x80", "\xE6\xB1\x89", "\\u00e9", "\\\"", " ",
                           "[", "\\ud83d\\ude00"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        robust_assert_linear(units[i], units[i], FJ_MAX_FIELD_BYTES / 16, FJ_MAX_FIELD_BYTES,
                             op_parse_body, p);
    /* as the whole posting (up to the posting limit): errors must be as cheap as successes */
    const char *raw[] = {"[", "{\"a\":", " ", "\"", "\xC0", "\\", "]", "\"\":1,", "}"};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        robust_assert_linear(raw[i], raw[i], FJ_MAX_POSTING_BYTES / 16, FJ_MAX_POSTING_BYTES,
                             op_parse_raw, p);
    /* whitespace before every key: the key test looks back over it */
    robust_assert_linear("spaced keys", "                             \"k\":0,",
                         FJ_MAX_POSTING_BYTES / 16, FJ_MAX_POSTING_BYTES, op_parse_raw, p);
}

/* ---- the text pipeline, signals, scoring and the history store ---- */

static fj_context *ctx;
static fj_model *model;

static void text_setup(void)
{
    fj_error_clear(&err);
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK, "%s", err.message);
    fj_context_set_now(ctx, 1767225600);
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
}
static void text_teardown(void)
{
    fj_model_free(model);
    model = NULL;
    fj_posting_free(p);
    fj_context_free(ctx);
}

TestSuite(hostile_text, .init = text_setup, .fini = text_teardown);

Test(hostile_text, megabyte_of_one_character)
{
    size_t n;
    char *s = robust_repeat("a", FJ_MAX_POSTING_BYTES + 1, &n);
    const fj_token *t;
    size_t count;
    /* exactly the limit: one word, kept whole */
    cr_assert_eq(fj_tokenize_text(ctx, s, n - 1, &t, &count, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(count, 1);
    cr_assert_eq(t[0].len, n - 1);
    cr_assert_eq(t[0].start, 0);
    cr_assert_eq(t[0].end, n - 1);
    /* one byte more: the posting size limit, named */
    cr_assert_eq(fj_tokenize_text(ctx, s, n, &t, &count, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_POSTING_BYTES"), "%s", err.message);
    const char *out;
    size_t out_len;
    cr_assert_eq(fj_normalize(ctx, s, n, &out, &out_len, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_POSTING_BYTES"), "%s", err.message);
    cr_assert_eq(fj_detect_lang(s, n), FJ_LANG_EN, "never fails, whatever the size");
    free(s);

    /* a megabyte of one Han character, or of one-letter words: the token limit, named */
    const char *units[] = {"\xE6\xB1\x89", "a "};
    for (int i = 0; i < 2; i++) {
        s = robust_repeat(units[i], FJ_MAX_POSTING_BYTES, &n);
        cr_assert_eq(fj_tokenize_text(ctx, s, n, &t, &count, &err), FJ_ERR_LIMIT, "%s", units[i]);
        cr_assert(strstr(err.message, "FJ_MAX_TOKENS"), "%s", err.message);
        cr_assert_eq(fj_normalize(ctx, s, n, &out, &out_len, &err), FJ_OK, "%s", err.message);
        free(s);
    }
}

Test(hostile_text, hundred_thousand_emoji)
{
    size_t n;
    char *s = robust_repeat("\xF0\x9F\x98\x80", 400000, &n);
    const fj_token *t;
    size_t count;
    cr_assert_eq(fj_tokenize_text(ctx, s, n, &t, &count, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(count, 100000);
    for (size_t i = 0; i < count; i++) {
        cr_assert_eq(t[i].kind, FJ_TOK_EMOJI, "token %zu", i);
        cr_assert_eq(t[i].start, 4 * i);
        cr_assert_eq(t[i].end, 4 * i + 4);
    }
    free(s);
}

Test(hostile_text, nul_bytes_are_white_space_in_text)
{
    /* the text calls take NUL as a control character, folded to a space like the others (a
     * posting field refuses it: see hostile_json.nul_bytes) */
    const fj_token *t;
    size_t count;
    cr_assert_eq(fj_tokenize_text(ctx, "ab\0cd", 5, &t, &count, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(count, 2);
    cr_assert_str_eq(t[0].text, "ab");
    cr_assert_eq(t[1].start, 3);
    cr_assert_eq(t[1].end, 5);
    char *zeros = calloc(1, FJ_MAX_POSTING_BYTES);
    cr_assert_eq(fj_tokenize_text(ctx, zeros, FJ_MAX_POSTING_BYTES, &t, &count, &err), FJ_OK, "%s",
                 err.message);
    cr_assert_eq(count, 0, "a megabyte of NULs holds no token");
    free(zeros);
}

Test(hostile_text, bad_bytes_are_input_errors_at_their_offset)
{
    const struct {
        const char *s;
        size_t len;
        long long at;
    } bad[] = {
        {"ab\xC0\xAF", 4, 2},
        {"ab\xED\xA0\x80", 5, 2},
        {"ab\xF4\x90\x80\x80", 6, 2},
        {"ab\xE4\xB8", 4, 2},
        {"\x80", 1, 0},
        {"\xE6\xB1\x89\xFF", 4, 3},
        {"ab\xF8\x80\x80\x80\x80", 7, 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const fj_token *t;
        size_t count;
        const char *out;
        size_t out_len;
        cr_assert_eq(fj_tokenize_text(ctx, bad[i].s, bad[i].len, &t, &count, &err), FJ_ERR_INPUT,
                     "case %zu: %s", i, err.message);
        cr_assert_eq(err.offset, bad[i].at, "case %zu: offset %lld", i, err.offset);
        cr_assert_eq(fj_normalize(ctx, bad[i].s, bad[i].len, &out, &out_len, &err), FJ_ERR_INPUT,
                     "case %zu", i);
        cr_assert_eq(err.offset, bad[i].at, "case %zu: offset %lld", i, err.offset);
        fj_lang l = fj_detect_lang(bad[i].s, bad[i].len);
        cr_assert(l == FJ_LANG_EN || l == FJ_LANG_ZH);
    }
}

static void set_field_text(fj_field f, const char *unit, size_t n)
{
    size_t len;
    char *s = robust_repeat(unit, n, &len);
    cr_assert_eq(fj_posting_set_string(p, f, s, len, &err), FJ_OK, "%s", err.message);
    free(s);
}

Test(hostile_text, token_limit_is_enforced_for_a_posting)
{
    cr_assert_eq(robust_train(&model, 1, &err), FJ_OK, "%s", err.message);
    const fj_token *t;
    size_t count;
    /* exactly FJ_MAX_TOKENS one-letter words over two fields: accepted */
    set_field_text(FJ_FIELD_DESCRIPTION, "a ", FJ_MAX_TOKENS);
    set_field_text(FJ_FIELD_REQUIREMENTS, "b ", FJ_MAX_TOKENS);
    cr_assert_eq(fj_tokenize_posting(ctx, p, &t, &count, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(count, FJ_MAX_TOKENS);
    fj_result r;
    cr_assert_eq(fj_score(ctx, model, p, NULL, &r, &err), FJ_OK, "%s", err.message);
    /* one more: FJ_ERR_LIMIT naming the limit, from every call that tokenizes */
    set_field_text(FJ_FIELD_TITLE, "c", 1);
    cr_assert_eq(fj_tokenize_posting(ctx, p, &t, &count, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_TOKENS"), "%s", err.message);
    cr_assert_eq(fj_score(ctx, model, p, NULL, &r, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_TOKENS"), "%s", err.message);

    /* four full fields of one-letter words: far over, and refused as quickly */
    fj_posting_clear(p);
    for (int f = 0; f < 4; f++)
        set_field_text(fj_text_fields[f], "a ", FJ_MAX_FIELD_BYTES);
    cr_assert_eq(fj_score(ctx, model, p, NULL, &r, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_TOKENS"), "%s", err.message);
    /* calls that do not tokenize give their result or the same limit error */
    const fj_signal *sig;
    size_t ns;
    fj_status st = fj_signals(ctx, p, NULL, &sig, &ns, &err);
    cr_assert(st == FJ_OK || (st == FJ_ERR_LIMIT && strstr(err.message, "FJ_MAX_TOKENS")), "%s",
              err.message);
    fj_history *h;
    cr_assert_eq(fj_history_open(&h, NULL, &err), FJ_OK, "%s", err.message);
    fj_history_stats hs;
    st = fj_history_observe(h, ctx, p, &hs, &err);
    cr_assert(st == FJ_OK || (st == FJ_ERR_LIMIT && strstr(err.message, "FJ_MAX_TOKENS")), "%s",
              err.message);
    fj_history_close(h);
}

/* Units repeated into pathological texts: runs of one character of each class the pipeline
 * treats specially, of the characters its scanners look for (QQ, @, $, URLs, money, EMSCAD's
 * placeholders), combining marks, joiners, bidi controls, scripts without spaces. */
static const char *const text_units[] = {
    "a",
    "a ",
    "\xE6\xB1\x89",                                 /* 汉 */
    "\xE6\xB1\x89\xE5\xAD\x97 ",                    /* 汉字 */
    "\xF0\x9F\x98\x80",                             /* 😀 */
    "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB", /* 👩‍💻 */
    "\xF0\x9F\x87\xA8\xF0\x9F\x87\xB3",             /* 🇨🇳 */
    "1",
    "1 ",
    "1,",
    "1.",
    "QQ",
    "qq:1",
    "QQ1",
    "@",
    "a@",
    "@a",
    "a@b.",
    "$",
    "$1,000/week ",
    "\xC2\xA5"
    "1",                                    /* ¥1 */
    "\xE5\x85\x83",                         /* 元 */
    "\xE4\xB8\x87",                         /* 万 */
    "\xE6\x97\xA5\xE7\xBB\x93",             /* 日结 */
    "\xE5\x8A\xA0\xE5\xBE\xAE\xE4\xBF\xA1", /* 加微信 */
    "http://",
    "https://a.b/",
    "www.",
    "a.",
    ".",
    "-",
    " ",
    "\t",
    "\r\n",
    "\xE2\x80\x8D", /* zero-width joiner */
    "\xE2\x80\xAE", /* right-to-left override */
    "#",
    "#URL_a#",
    "#EMAIL_",
    "\xEF\xBC\xA1",             /* full-width A */
    "\xE5\x9C\x8B",             /* 國 (traditional) */
    "\xEF\xBC\xB1\xEF\xBC\xB1", /* full-width QQ */
    "a\xCC\x81",                /* a + combining acute */
    "\xE0\xB8\xAA\xE0\xB8\xA7\xE0\xB8\xB1\xE0\xB8\xAA\xE0\xB8\x94\xE0\xB8\xB5", /* Thai */
    "\xE3\x81\xB2\xE3\x82\x89\xE3\x81\x8C\xE3\x81\xAA",                         /* ひらがな */
    "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4",                                     /* 한국어 */
};
#define N_TEXT_UNITS (sizeof text_units / sizeof text_units[0])
#define SMALL (FJ_MAX_FIELD_BYTES / 32)
#define BIG (FJ_MAX_FIELD_BYTES / 2)

static void op_tokenize(const char *s, size_t len, void *arg)
{
    const fj_token *t;
    size_t n;
    fj_tokenize_text(ctx, s, len, &t, &n, NULL);
}

/* The text as a posting's description (the title says "x"). */
static void as_posting(const char *s, size_t len)
{
    fj_posting_clear(p);
    fj_posting_set_string(p, FJ_FIELD_TITLE, "x", 1, NULL);
    fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, s, len, NULL);
}

static void op_signals(const char *s, size_t len, void *arg)
{
    const fj_signal *sig;
    size_t n;
    as_posting(s, len);
    fj_signals(ctx, p, NULL, &sig, &n, NULL);
}

static void op_score(const char *s, size_t len, void *arg)
{
    fj_result r;
    as_posting(s, len);
    fj_score(ctx, model, p, NULL, &r, NULL);
}

static void op_history(const char *s, size_t len, void *arg)
{
    fj_history_stats hs;
    as_posting(s, len);
    fj_history_query(arg, ctx, p, &hs, NULL);
}

Test(hostile_text, tokenize_time_is_linear)
{
    for (size_t i = 0; i < N_TEXT_UNITS; i++)
        robust_assert_linear(text_units[i], text_units[i], SMALL, BIG, op_tokenize, NULL);
}

Test(hostile_text, signals_time_is_linear)
{
    for (size_t i = 0; i < N_TEXT_UNITS; i++)
        robust_assert_linear(text_units[i], text_units[i], SMALL, BIG, op_signals, NULL);
}

Test(hostile_text, score_time_is_linear)
{
    cr_assert_eq(robust_train(&model, 1, &err), FJ_OK, "%s", err.message);
    for (size_t i = 0; i < N_TEXT_UNITS; i++)
        robust_assert_linear(text_units[i], text_units[i], SMALL, BIG, op_score, NULL);
}

Test(hostile_text, history_time_is_linear)
{
    fj_history *h;
    cr_assert_eq(fj_history_open(&h, NULL, &err), FJ_OK, "%s", err.message);
    /* a store that has seen the pathological texts too */
    for (size_t i = 0; i < N_TEXT_UNITS; i++) {
        size_t len;
        char *s = robust_repeat(text_units[i], SMALL, &len);
        as_posting(s, len);
        fj_history_record(h, ctx, p, NULL);
        free(s);
    }
    for (size_t i = 0; i < N_TEXT_UNITS; i++)
        robust_assert_linear(text_units[i], text_units[i], SMALL, BIG, op_history, h);
    fj_history_close(h);
}

/*
 * Long runs of combining marks of different classes (U+0301 above, U+0316 below: "Zalgo"
 * text): canonical reordering sorts a run by insertion, quadratic in its length, unless the
 * run is cut as Unicode's stream-safe format (UAX #15: at most 30 non-starters) does.
 */
Test(hostile_text, combining_mark_runs_are_linear)
{
    robust_assert_linear("alternating combining marks", "\xCC\x81\xCC\x96", 4096, 65536,
                         op_tokenize, NULL);
    /* the result is still correct where it matters: one word, offsets inside the text */
    size_t len;
    char *s = robust_repeat("a\xCC\x81\xCC\x96", 3000, &len);
    const fj_token *t;
    size_t n;
    cr_assert_eq(fj_tokenize_text(ctx, s, len, &t, &n, &err), FJ_OK, "%s", err.message);
    for (size_t i = 0; i < n; i++)
        cr_assert_leq(t[i].end, len);
    free(s);
}

/* ---- the CSV importers ---- */

#define EMSCAD_HEADER                                                                              \
    "job_id,title,location,department,salary_range,company_profile,description,requirements,"      \
    "benefits,telecommuting,has_company_logo,has_questions,employment_type,required_experience,"   \
    "required_education,industry,function,fraudulent\n"
#define EMSCAD_ROW "1,Clerk,,,,,Types letters,,,0,1,0,,,,,,0\n"

typedef struct import_counts {
    size_t postings, errors;
    fj_status last; /* the last error status, FJ_OK if none */
    char message[512];
} import_counts;

/* Open `len` bytes as an EMSCAD file and read every row; the open's status is returned. */
static fj_status import_all(const char *s, size_t len, import_counts *c)
{
    memset(c, 0, sizeof *c);
    fj_importer *imp = NULL;
    fj_error e;
    fj_status st = fj_importer_open_memory(&imp, FJ_IMPORT_EMSCAD, s, len, 0, &e);
    if (st != FJ_OK) {
        c->last = st;
        snprintf(c->message, sizeof c->message, "%s", e.message);
        return st;
    }
    for (;;) {
        const char *json;
        st = fj_importer_next(imp, &json, NULL, &e);
        if (st == FJ_OK && !json)
            break;
        if (st == FJ_OK) {
            c->postings++;
            continue;
        }
        c->errors++;
        c->last = st;
        snprintf(c->message, sizeof c->message, "%s", e.message);
        if (st != FJ_ERR_INPUT && st != FJ_ERR_LIMIT)
            break;
    }
    fj_importer_close(imp);
    return FJ_OK;
}

/* The header, then `body` (the repeated unit), then one good row. */
static char *csv_with(const char *header, const char *body, size_t body_len, size_t *len)
{
    size_t hl = strlen(header), rl = strlen(EMSCAD_ROW);
    char *s = malloc(hl + body_len + rl + 1);
    memcpy(s, header, hl);
    memcpy(s + hl, body, body_len);
    memcpy(s + hl + body_len, EMSCAD_ROW, rl + 1);
    *len = hl + body_len + rl;
    return s;
}

static void op_import_body(const char *s, size_t len, void *arg)
{
    size_t n;
    char *csv = csv_with(EMSCAD_HEADER, s, len, &n);
    import_counts c;
    import_all(csv, n, &c);
    free(csv);
}

/* A header of the EMSCAD columns plus the unit repeated (extra columns). */
static void op_import_header(const char *s, size_t len, void *arg)
{
    static const char head[] = "job_id,title,description,fraudulent";
    char *csv = malloc(sizeof head + len + 2);
    memcpy(csv, head, sizeof head - 1);
    memcpy(csv + sizeof head - 1, s, len);
    csv[sizeof head - 1 + len] = '\n';
    import_counts c;
    import_all(csv, sizeof head + len, &c);
    free(csv);
}

TestSuite(hostile_csv);

Test(hostile_csv, huge_fields_are_limit_errors_and_the_import_goes_on)
{
    /* a description over FJ_MAX_FIELD_BYTES: that row is a limit error, the next row reads */
    size_t n;
    char *big = robust_repeat("a", FJ_MAX_FIELD_BYTES + 1, &n);
    fj_buf b = {0};
    cr_assert(fj__buf_printf(&b, "%s2,Clerk,,,,,", EMSCAD_HEADER));
    cr_assert(fj__buf_append(&b, big, n));
    cr_assert(fj__buf_printf(&b, ",,,0,1,0,,,,,,1\n%s", EMSCAD_ROW));
    import_counts c;
    cr_assert_eq(import_all(b.data, b.len, &c), FJ_OK, "%s", c.message);
    cr_assert_eq(c.postings, 1);
    cr_assert_eq(c.errors, 1);
    cr_assert_eq(c.last, FJ_ERR_LIMIT, "%s", c.message);
    cr_assert(strstr(c.message, "FJ_MAX_FIELD_BYTES"), "%s", c.message);
    cr_assert(strncmp(c.message, "line 2", 6) == 0, "%s", c.message);
    fj__buf_free(&b);
    free(big);
}

Test(hostile_csv, pathological_bodies_are_read_in_linear_time)
{
    const char *units[] = {
        "\n",           /* blank lines */
        "\r\n",         /* blank CRLF lines */
        ",",            /* one row of empty fields */
        "\"",           /* quotes */
        "\"x\n",        /* a quote that never closes, on every line */
        "\"\"\"\n",     /* a closed quote then an open one, on every line */
        "1,\"a\"b,c\n", /* text after a closing quote */
        "1,t,d,1\n",    /* rows with the wrong field count */
        "\xC0\n",       /* invalid UTF-8 */
        EMSCAD_ROW,     /* good rows */
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        robust_assert_linear(units[i], units[i], 1u << 13, 1u << 17, op_import_body, NULL);
}

Test(hostile_csv, wide_headers_are_read_in_linear_time)
{
    /* distinct extra column names: each is checked against the others for duplicates */
    fj_buf cols = {0};
    for (int i = 0; i < 20000; i++)
        cr_assert(fj__buf_printf(&cols, ",c%05d", i));
    /* the unit is the whole list; the two sizes cut it at 1/16 and all of it */
    size_t small = cols.len / 16;
    while (cols.data[small] != ',')
        small--;
    double t_small = robust_time(op_import_header, cols.data, small, NULL, 3);
    double t_big = robust_time(op_import_header, cols.data, cols.len, NULL, 1);
    double ratio = t_big / (t_small > 1e-6 ? t_small : 1e-6);
    double limit = 4.0 * (double)cols.len / (double)small;
    fj__buf_free(&cols);
    cr_assert(t_big < 2e-3 || ratio < limit,
              "a header of 20000 extra columns took %.3fs, of 1250: %.4fs (ratio %.0f, not linear)",
              t_big, t_small, ratio);
}

/* ---- the history store: two writers, one killed mid-write ---- */

/* Observe postings `writer`:0.. into the store at `path` until `n`; after each commit, report
 * its index on `fd`. Returns the process exit status. */
static int history_writer(const char *path, int writer, int n, int fd)
{
    fj_context *c = NULL;
    fj_posting *q = NULL;
    fj_history *h = NULL;
    fj_error e;
    if (fj_context_new(&c, &e) || fj_posting_new(&q, &e) || fj_history_open(&h, path, &e))
        return 2;
    for (int i = 0; i < n; i++) {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"id\":\"w%d-%d\",\"title\":\"Posting %d of writer %d\",\"description\":"
                 "\"Number %d, written by process %d.\",\"observed_at\":\"2025-01-01\"}",
                 writer, i, i, writer, i, writer);
        fj_history_stats st;
        if (fj_posting_parse_json(q, json, strlen(json), &e) ||
            fj_history_observe(h, c, q, &st, &e))
            return 3;
        if (fd >= 0 && write(fd, &i, sizeof i) != (ssize_t)sizeof i)
            return 4;
    }
    fj_history_close(h);
    fj_posting_free(q);
    fj_context_free(c);
    return 0;
}

Test(history_crash, two_writers_one_killed_mid_write_lose_nothing_committed, .timeout = 300)
{
    char dir[] = "/tmp/fj-histkill.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/h.db", dir);
    int64_t expected = 0;
    enum { ROUNDS = 3, STEADY = 300 };
    for (int round = 0; round < ROUNDS; round++) {
        int fds[2];
        cr_assert_eq(pipe(fds), 0);
        pid_t victim = fork();
        cr_assert_geq(victim, 0);
        if (victim == 0) {
            close(fds[0]);
            _exit(history_writer(path, 2 * round, 1000000, fds[1]));
        }
        close(fds[1]);
        pid_t steady = fork();
        cr_assert_geq(steady, 0);
        if (steady == 0)
            _exit(history_writer(path, 2 * round + 1, STEADY, -1));
        /* let the victim commit a while (a different amount each round), then kill it */
        int last = -1, i, want = 50 + 70 * round;
        while (last < want && read(fds[0], &i, sizeof i) == (ssize_t)sizeof i)
            last = i;
        cr_assert_eq(kill(victim, SIGKILL), 0);
        while (read(fds[0], &i, sizeof i) == (ssize_t)sizeof i)
            last = i;
        close(fds[0]);
        int status;
        cr_assert_eq(waitpid(victim, &status, 0), victim);
        cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "round %d", round);
        cr_assert_eq(waitpid(steady, &status, 0), steady);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "round %d: the other writer failed (status %d)", round, status);

        /* the store opens; every sighting reported committed is there; at most one more */
        fj_history *h;
        cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "round %d: %s", round, err.message);
        int64_t n;
        cr_assert_eq(fj_history_count(h, &n, &err), FJ_OK, "%s", err.message);
        int64_t low = expected + (last + 1) + STEADY;
        cr_assert(n == low || n == low + 1, "round %d: %lld sightings, %lld committed", round,
                  (long long)n, (long long)low);
        expected = n;
        fj_history_close(h);
    }
    /* and it still takes writes */
    cr_assert_eq(history_writer(path, 99, 5, -1), 0);
    fj_history *h;
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    int64_t n;
    cr_assert_eq(fj_history_count(h, &n, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(n, expected + 5);
    fj_history_close(h);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
