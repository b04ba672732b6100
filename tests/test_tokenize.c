/*
 * test_tokenize.c - the text pipeline: normalization (golden file), tokens (golden file), the
 * map from normalized bytes back to the original text, offsets after full-width and
 * Traditional-Chinese normalization, posting fields, language detection, errors and limits, and
 * linear time on pathological input.
 *
 * Golden files (tests/golden/), one case a line, '#' comments and blank lines ignored:
 *   tokenize.txt   INPUT TAB TOKENS [TAB LANG]
 *   normalize.txt  INPUT TAB NORMALIZED
 * INPUT (and NORMALIZED) take the escapes \t \n \r \\ \xHH. TOKENS are separated by spaces:
 * a word is its text, any other token KIND:TEXT; TOKEN|ORIGINAL also checks that the token's
 * start/end quote ORIGINAL from the input (escapes as in INPUT; a space is \x20). An error is !CODE
 * (!input) or !CODE@OFFSET. LANG is the fj_detect_lang of the input. A failing case prints what the
 * pipeline produced, ready to paste.
 */
#include "text/text.h"
#include "text/text_impl.h"

#include "golden.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static fj_context *ctx;
static fj_error err;

static void setup(void)
{
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_error_clear(&err);
}
static void teardown(void)
{
    fj_context_free(ctx);
}

TestSuite(tokenize, .init = setup, .fini = teardown);

/* ---- golden files ---- */

static char *read_file(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/golden/%s", FJ_TEST_DATADIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return s;
}

/* Split a golden line into up to 3 tab-separated columns. */
static int columns(char *line, char **col, size_t *len)
{
    int n = 0;
    char *p = line;
    while (n < 3) {
        char *tab = strchr(p, '\t');
        col[n] = p;
        len[n] = tab ? (size_t)(tab - p) : strlen(p);
        n++;
        if (!tab)
            break;
        p = tab + 1;
    }
    return n;
}

/* The tokens as a golden line (with |ORIGINAL on every token, its spaces escaped). */
static void describe(char *out, size_t size, const char *in, const fj_token *t, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 64 < size; i++) {
        int w;
        if (t[i].kind == FJ_TOK_WORD)
            w = snprintf(out + o, size - o, "%s%s|", i ? " " : "", t[i].text);
        else
            w = snprintf(out + o, size - o, "%s%s:%s|", i ? " " : "",
                         fj_token_kind_name((fj_token_kind)t[i].kind), t[i].text);
        if (w < 0 || (size_t)w >= size - o)
            break;
        o += (size_t)w;
        for (uint32_t k = t[i].start; k < t[i].end && o + 8 < size; k++) {
            unsigned char c = (unsigned char)in[k];
            if (c <= ' ' || c == '\\' || c == 0x7F)
                o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
            else
                out[o++] = (char)c;
        }
        out[o] = '\0';
    }
}

/* Compare the tokens with the expected column; returns true when they match. */
static bool match_tokens(const char *in, const fj_token *t, size_t n, const char *exp, size_t elen)
{
    size_t i = 0, k = 0;
    while (i < elen) {
        size_t j = i;
        while (j < elen && exp[j] != ' ')
            j++;
        if (j == i) {
            i++;
            continue;
        }
        if (k == n)
            return false;
        /* TOKEN[|ORIGINAL] */
        const char *bar = memchr(exp + i, '|', j - i);
        size_t tl = bar ? (size_t)(bar - (exp + i)) : j - i;
        char want[512];
        if (t[k].kind == FJ_TOK_WORD)
            snprintf(want, sizeof want, "%s", t[k].text);
        else
            snprintf(want, sizeof want, "%s:%s", fj_token_kind_name((fj_token_kind)t[k].kind),
                     t[k].text);
        if (strlen(want) != tl || memcmp(want, exp + i, tl) != 0)
            return false;
        if (bar) {
            char orig[512];
            size_t rawl = (size_t)(exp + j - bar - 1);
            size_t ol = unescape(bar + 1, rawl < sizeof orig ? rawl : sizeof orig, orig);
            if (t[k].end - t[k].start != ol || memcmp(in + t[k].start, orig, ol) != 0)
                return false;
        }
        k++;
        i = j;
    }
    return k == n;
}

Test(tokenize, golden_tokens)
{
    size_t flen;
    char *file = read_file("tokenize.txt", &flen);
    int cases = 0, failed = 0, lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(file, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *col[3];
        size_t len[3];
        int nc = columns(line, col, len);
        cr_assert(nc >= 2, "tokenize.txt: a case needs INPUT TAB TOKENS: %s", line);
        char *in = malloc(len[0] + 1);
        size_t inlen = unescape(col[0], len[0], in);
        in[inlen] = '\0';
        const fj_token *t;
        size_t n;
        fj_status st = fj_tokenize_text(ctx, in, inlen, &t, &n, &err);
        char got[8192];
        bool ok;
        cases++;
        if (len[1] && col[1][0] == '!') {
            char want[64];
            snprintf(want, sizeof want, "!%s", fj_status_name(st));
            const char *at = memchr(col[1], '@', len[1]);
            size_t codelen = at ? (size_t)(at - col[1]) : len[1];
            ok = st != FJ_OK && strlen(want) == codelen && memcmp(want, col[1], codelen) == 0 &&
                 (!at || atoll(at + 1) == err.offset);
            snprintf(got, sizeof got, "!%s@%lld (%s)", fj_status_name(st), err.offset, err.message);
        } else {
            ok = st == FJ_OK && match_tokens(in, t, n, col[1], len[1]);
            if (st == FJ_OK)
                describe(got, sizeof got, in, t, n);
            else
                snprintf(got, sizeof got, "!%s (%s)", fj_status_name(st), err.message);
        }
        if (ok && nc == 3) {
            const char *lang = fj_lang_name(fj_detect_lang(in, inlen));
            ok = strlen(lang) == len[2] && memcmp(lang, col[2], len[2]) == 0;
            if (!ok)
                snprintf(got, sizeof got, "language %s", lang);
        }
        if (!ok) {
            failed++;
            cr_log_error("tokenize.txt:%d: %.*s\n  expected: %.*s\n  got:      %s", lineno,
                         (int)len[0], col[0], (int)len[1], col[1], got);
        }
        free(in);
    }
    free(file);
    cr_assert_gt(cases, 50, "tokenize.txt has only %d cases", cases);
    cr_assert_eq(failed, 0, "%d of %d golden token cases failed (see the log)", failed, cases);
}

Test(tokenize, golden_normalization)
{
    size_t flen;
    char *file = read_file("normalize.txt", &flen);
    int cases = 0, failed = 0, lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(file, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *col[3];
        size_t len[3];
        cr_assert(columns(line, col, len) >= 2, "normalize.txt: INPUT TAB NORMALIZED: %s", line);
        char in[1024], want[1024];
        size_t inlen = unescape(col[0], len[0], in);
        size_t wlen = unescape(col[1], len[1], want);
        const char *out;
        size_t outlen;
        fj_status st = fj_normalize(ctx, in, inlen, &out, &outlen, &err);
        cases++;
        if (st != FJ_OK || outlen != wlen || memcmp(out, want, wlen) != 0) {
            failed++;
            cr_log_error("normalize.txt:%d: %.*s\n  expected: %.*s\n  got:      %.*s%s", lineno,
                         (int)len[0], col[0], (int)len[1], col[1], (int)outlen, out,
                         st != FJ_OK ? err.message : "");
        }
    }
    free(file);
    cr_assert_gt(cases, 15);
    cr_assert_eq(failed, 0, "%d of %d golden normalization cases failed", failed, cases);
}

/* ---- the normalized-text map ---- */

static void check_map(const char *in)
{
    fj_normtext nt = {0};
    size_t len = strlen(in);
    cr_assert_eq(fj__normalize_into(ctx, in, len, &nt, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(nt.orig[nt.text.len], len, "orig[text.len] is the input length");
    cr_assert_eq(nt.text.data[nt.text.len], '\0');
    for (size_t i = 0; i < nt.text.len; i++) {
        cr_assert_lt(nt.orig[i], len);
        cr_assert_leq(nt.orig[i], nt.orig[i + 1], "the map never goes back (byte %zu)", i);
        cr_assert_neq((unsigned char)in[nt.orig[i]] & 0xC0, 0x80,
                      "orig[%zu] = %u is not at a character boundary of the original", i,
                      nt.orig[i]);
        if (((unsigned char)nt.text.data[i] & 0xC0) == 0x80)
            cr_assert_eq(nt.orig[i], nt.orig[i - 1], "one character maps to one origin");
    }
    fj__normtext_free(&nt);
    cr_assert_null(nt.text.data);
    fj__normtext_free(&nt); /* twice is harmless */
}

Test(tokenize, normtext_map_points_back_to_the_original)
{
    check_map("ＱＱ：１２３４５６７８９　微信：ａｂｃ");
    check_map("誠聘網絡營銷，薪資優厚");
    check_map("  leading\t\tand\r\ntrailing   ");
    check_map("e\xcc\x81t\xc3\xa9 \xef\xac\x81nance \xe3\x88\xb1 \xef\xb7\xba");
    check_map("❤️👍🏽🇨🇳 \xe2\x80\x8b zero\xe2\x80\x8bwidth");
    check_map("");

    /* the map of a known case, byte by byte: "Ａ Ｂ" -> "a b" */
    fj_normtext nt = {0};
    const char *in = "\xef\xbc\xa1\xe3\x80\x80\xef\xbc\xa2"; /* Ａ　Ｂ */
    cr_assert_eq(fj__normalize_into(ctx, in, strlen(in), &nt, &err), FJ_OK);
    cr_assert_eq(nt.text.len, 3);
    cr_assert_str_eq(nt.text.data, "a b");
    cr_assert_eq(nt.orig[0], 0);
    cr_assert_eq(nt.orig[1], 3);
    cr_assert_eq(nt.orig[2], 6);
    cr_assert_eq(nt.orig[3], 9);

    /* reuse: a shorter text after a longer one */
    cr_assert_eq(fj__normalize_into(ctx, "XY", 2, &nt, &err), FJ_OK);
    cr_assert_str_eq(nt.text.data, "xy");
    cr_assert_eq(nt.orig[2], 2);

    /* a span quotes the original without the whitespace normalization dropped */
    const char *sp = "  Hello\xe3\x80\x80 ";
    cr_assert_eq(fj__normalize_into(ctx, sp, strlen(sp), &nt, &err), FJ_OK);
    cr_assert_str_eq(nt.text.data, "hello");
    uint32_t s, e;
    fj__normtext_span(&nt, sp, strlen(sp), 0, nt.text.len, &s, &e);
    cr_assert_eq(s, 2);
    cr_assert_eq(e, 7);

    /* invalid UTF-8 leaves an empty text and names the byte */
    cr_assert_eq(fj__normalize_into(ctx, "ab\xc3(", 4, &nt, &err), FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 2);
    cr_assert_eq(nt.text.len, 0);
    fj__normtext_free(&nt);
}

static const fj_token *find(const fj_token *t, size_t n, fj_token_kind kind, const char *text)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].kind == kind && strcmp(t[i].text, text) == 0)
            return &t[i];
    return NULL;
}

static void expect_quote(const char *in, const fj_token *t, const char *quote)
{
    cr_assert_not_null(t);
    cr_assert_eq(t->end - t->start, strlen(quote), "span [%u,%u) of '%s', expected '%s'", t->start,
                 t->end, t->text, quote);
    cr_assert(memcmp(in + t->start, quote, strlen(quote)) == 0, "token '%s' quotes '%.*s'", t->text,
              (int)(t->end - t->start), in + t->start);
}

Test(tokenize, offsets_quote_the_original_after_normalization)
{
    const char *in = "誠聘網絡營銷！ＱＱ：１２３４５６７８９，月薪８０００元";
    const fj_token *t;
    size_t n;
    cr_assert_eq(fj_tokenize_text(ctx, in, strlen(in), &t, &n, &err), FJ_OK, "%s", err.message);
    expect_quote(in, find(t, n, FJ_TOK_BIGRAM, "网络"), "網絡");
    expect_quote(in, find(t, n, FJ_TOK_BIGRAM, "营销"), "營銷");
    expect_quote(in, find(t, n, FJ_TOK_WORD, "qq"), "ＱＱ");
    expect_quote(in, find(t, n, FJ_TOK_QQ, "123456789"), "１２３４５６７８９");
    expect_quote(in, find(t, n, FJ_TOK_MONEY, "¥8000/month"), "月薪８０００元");
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(t[i].field, FJ_FIELD_DESCRIPTION);
        cr_assert_lt(t[i].start, t[i].end);
        cr_assert_leq(t[i].end, strlen(in));
        cr_assert_eq(strlen(t[i].text), t[i].len, "token text is NUL-terminated at len");
    }
}

/* ---- postings ---- */

Test(tokenize, posting_fields_in_order_with_their_own_offsets)
{
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    const char *js = "{\"id\":\"x\",\"title\":\"Data Entry Clerk\","
                     "\"description\":\"Work from home, earn $500 a week\","
                     "\"salary\":\"3000-5000\",\"contact\":\"QQ 12345678\","
                     "\"location\":\"Remote\"}";
    cr_assert_eq(fj_posting_parse_json(p, js, strlen(js), &err), FJ_OK, "%s", err.message);
    const fj_token *t;
    size_t n;
    cr_assert_eq(fj_tokenize_posting(ctx, p, &t, &n, &err), FJ_OK, "%s", err.message);
    cr_assert_gt(n, 0);
    int last = -1;
    for (size_t i = 0; i < n; i++) {
        /* fields appear in fj_text_fields order */
        int pos = -1;
        for (int f = 0; f < FJ_TEXT_FIELD_COUNT; f++)
            if (fj_text_fields[f] == t[i].field)
                pos = f;
        cr_assert_geq(pos, last, "token %zu (%s) out of field order", i, t[i].text);
        last = pos;
        size_t flen;
        const char *fs = fj_posting_string(p, (fj_field)t[i].field, &flen);
        cr_assert_not_null(fs);
        cr_assert_leq(t[i].end, flen, "offsets are into the token's own field");
    }
    cr_assert_eq(t[0].field, FJ_FIELD_TITLE);
    cr_assert_str_eq(t[0].text, "data");
    const fj_token *m = find(t, n, FJ_TOK_MONEY, "$500/week");
    cr_assert_not_null(m);
    cr_assert_eq(m->field, FJ_FIELD_DESCRIPTION);
    /* a bare range in the salary field is money; the same text elsewhere is two numbers */
    m = find(t, n, FJ_TOK_MONEY, "3000-5000");
    cr_assert_not_null(m, "salary range is money");
    cr_assert_eq(m->field, FJ_FIELD_SALARY);
    cr_assert_eq(m->start, 0);
    cr_assert_eq(m->end, 9);
    const fj_token *q = find(t, n, FJ_TOK_QQ, "12345678");
    cr_assert_not_null(q);
    cr_assert_eq(q->field, FJ_FIELD_CONTACT);
    cr_assert_eq(q->start, 3);
    cr_assert_null(find(t, n, FJ_TOK_WORD, "remot"), "location is not a text field");

    const fj_token *d;
    size_t dn;
    cr_assert_eq(fj_tokenize_text(ctx, "3000-5000", 9, &d, &dn, &err), FJ_OK);
    cr_assert_eq(dn, 2);
    cr_assert_eq(d[0].kind, FJ_TOK_NUM);

    /* a posting with nothing to tokenize */
    fj_posting_clear(p);
    cr_assert_eq(fj_tokenize_posting(ctx, p, &t, &n, &err), FJ_OK);
    cr_assert_eq(n, 0);
    fj_posting_free(p);
}

Test(tokenize, detects_language)
{
    const struct {
        const char *text;
        fj_lang lang;
    } cases[] = {
        {"招聘客服，日结300元", FJ_LANG_ZH},
        {"招聘Java工程师，熟悉Spring Boot、MySQL", FJ_LANG_ZH},
        {"We are hiring in 北京 and 上海 for Java developers", FJ_LANG_EN},
        {"Customer service representative, full time", FJ_LANG_EN},
        {"誠聘網絡營銷", FJ_LANG_ZH},
        {"", FJ_LANG_EN},
        {"12345 !!! 😀", FJ_LANG_EN},
        {"\xff\xfe 中文 \xc3", FJ_LANG_ZH}, /* invalid bytes are skipped, never read past */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(fj_detect_lang(cases[i].text, strlen(cases[i].text)), cases[i].lang,
                     "case %zu: %s", i, cases[i].text);
    cr_assert_eq(fj_detect_lang(NULL, 5), FJ_LANG_EN);

    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    const char *js = "{\"title\":\"客服专员\",\"description\":\"Customer service\"}";
    cr_assert_eq(fj_posting_parse_json(p, js, strlen(js), &err), FJ_OK);
    cr_assert_eq(fj_posting_detect_lang(p), FJ_LANG_ZH, "counted over all text fields");
    const char *js2 = "{\"lang\":\"en\",\"title\":\"客服专员\"}";
    cr_assert_eq(fj_posting_parse_json(p, js2, strlen(js2), &err), FJ_OK);
    cr_assert_eq(fj_posting_detect_lang(p), FJ_LANG_EN, "a declared language wins");
    const char *js3 = "{\"lang\":\"auto\",\"title\":\"Sales manager\"}";
    cr_assert_eq(fj_posting_parse_json(p, js3, strlen(js3), &err), FJ_OK);
    cr_assert_eq(fj_posting_detect_lang(p), FJ_LANG_EN);
    fj_posting_free(p);
    cr_assert_eq(fj_posting_detect_lang(NULL), FJ_LANG_EN);
}

/* ---- errors, limits, reuse ---- */

Test(tokenize, bad_arguments_and_input)
{
    const fj_token *t = (const fj_token *)1;
    size_t n = 7;
    const char *out;
    size_t outlen;
    cr_assert_eq(fj_tokenize_text(NULL, "a", 1, &t, &n, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_tokenize_text(ctx, "a", 1, NULL, &n, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_tokenize_text(ctx, NULL, 3, &t, &n, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_tokenize_posting(ctx, NULL, &t, &n, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_normalize(ctx, "a", 1, NULL, &outlen, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_normalize(NULL, "a", 1, &out, &outlen, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_tokenize_text(ctx, NULL, 0, &t, &n, &err), FJ_OK, "no text is no tokens");
    cr_assert_eq(n, 0);

    /* invalid UTF-8: an input error with the byte offset, and no tokens */
    fj_error_clear(&err);
    cr_assert_eq(fj_tokenize_text(ctx, "good \xe4\xb8 bad", 10, &t, &n, &err), FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 5);
    cr_assert(strstr(err.message, "5"), "%s", err.message);
    cr_assert_eq(n, 0);
    cr_assert_eq(fj_normalize(ctx, "\xc0\xaf", 2, &out, &outlen, &err), FJ_ERR_INPUT);
    cr_assert_eq(err.offset, 0);
    cr_assert_eq(outlen, 0);
    /* no fj_error: still a status */
    cr_assert_eq(fj_tokenize_text(ctx, "\xff", 1, &t, &n, NULL), FJ_ERR_INPUT);

    /* a NUL byte is a control character: a space */
    cr_assert_eq(fj_normalize(ctx, "a\0b", 3, &out, &outlen, &err), FJ_OK);
    cr_assert_eq(outlen, 3);
    cr_assert_str_eq(out, "a b");

    /* more than FJ_MAX_POSTING_BYTES */
    size_t big = FJ_MAX_POSTING_BYTES + 1;
    char *s = malloc(big);
    memset(s, 'a', big);
    cr_assert_eq(fj_tokenize_text(ctx, s, big, &t, &n, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_POSTING_BYTES"), "%s", err.message);
    free(s);
}

Test(tokenize, token_limit_is_an_error_naming_it)
{
    size_t words = FJ_MAX_TOKENS + 1;
    char *s = malloc(words * 2);
    for (size_t i = 0; i < words; i++) {
        s[2 * i] = 'a';
        s[2 * i + 1] = ' ';
    }
    const fj_token *t;
    size_t n = 5;
    cr_assert_eq(fj_tokenize_text(ctx, s, words * 2 - 1, &t, &n, &err), FJ_ERR_LIMIT);
    cr_assert(strstr(err.message, "FJ_MAX_TOKENS"), "%s", err.message);
    cr_assert_str_eq(err.field, "description");
    cr_assert_eq(n, 0);
    /* exactly the limit is fine */
    cr_assert_eq(fj_tokenize_text(ctx, s, (words - 1) * 2 - 1, &t, &n, &err), FJ_OK, "%s",
                 err.message);
    cr_assert_eq(n, FJ_MAX_TOKENS);
    free(s);
}

Test(tokenize, context_is_reusable_and_results_repeat)
{
    const char *a = "加微信 abc_123，日结300元 http://bit.ly/x 😀";
    const char *b = "Senior engineer";
    const fj_token *t;
    size_t n;
    char first[4096], again[4096];
    cr_assert_eq(fj_tokenize_text(ctx, a, strlen(a), &t, &n, &err), FJ_OK);
    describe(first, sizeof first, a, t, n);
    cr_assert_eq(fj_tokenize_text(ctx, b, strlen(b), &t, &n, &err), FJ_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(t[0].text, "senior");
    cr_assert_str_eq(t[1].text, "engin");
    cr_assert_eq(fj_tokenize_text(ctx, a, strlen(a), &t, &n, &err), FJ_OK);
    describe(again, sizeof again, a, t, n);
    cr_assert_str_eq(first, again);

    /* a second context gives the same tokens */
    fj_context *c2;
    cr_assert_eq(fj_context_new(&c2, &err), FJ_OK);
    cr_assert_eq(fj_tokenize_text(c2, a, strlen(a), &t, &n, &err), FJ_OK);
    describe(again, sizeof again, a, t, n);
    cr_assert_str_eq(first, again);
    fj_context_free(c2);
}

Test(tokenize, kind_names)
{
    const char *want[] = {"word",     "bigram",     "num",          "money",        "qq",
                          "wechat",   "phone",      "email",        "freemail",     "url",
                          "shorturl", "masked_url", "masked_email", "masked_phone", "emoji"};
    cr_assert_eq(sizeof want / sizeof want[0], FJ_TOK_KIND_COUNT);
    for (int k = 0; k < FJ_TOK_KIND_COUNT; k++)
        cr_assert_str_eq(fj_token_kind_name((fj_token_kind)k), want[k]);
    cr_assert_null(fj_token_kind_name(FJ_TOK_KIND_COUNT));
    cr_assert_null(fj_token_kind_name((fj_token_kind)-1));
}

/* ---- pathological input: linear time ---- */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Tokenize `unit` repeated to about `bytes`; returns the seconds taken. */
static double run_repeated(const char *unit, size_t bytes, fj_status want, size_t *count)
{
    size_t ul = strlen(unit), reps = bytes / ul;
    char *s = malloc(reps * ul + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(s + i * ul, unit, ul);
    const fj_token *t;
    size_t n = 0;
    double t0 = seconds();
    fj_status st = fj_tokenize_text(ctx, s, reps * ul, &t, &n, &err);
    double dt = seconds() - t0;
    cr_assert_eq(st, want, "'%s' x %zu: %s", unit, reps, err.message);
    if (count)
        *count = n;
    free(s);
    return dt;
}

Test(tokenize, pathological_input_is_linear, .timeout = 120)
{
    size_t n;
    const size_t mb = FJ_MAX_POSTING_BYTES;
    run_repeated("a", mb, FJ_OK, &n);
    cr_assert_eq(n, 1, "one long word");
    run_repeated("7", mb, FJ_OK, &n);
    cr_assert_eq(n, 1);
    run_repeated(" ", mb, FJ_OK, &n);
    cr_assert_eq(n, 0);
    run_repeated("😀", 400000, FJ_OK, &n);
    cr_assert_eq(n, 100000, "10^5 emoji");
    run_repeated("好", mb, FJ_ERR_LIMIT, NULL); /* words + bigrams exceed FJ_MAX_TOKENS */
    run_repeated("e\xcc\x81", mb / 2, FJ_OK, NULL);
    run_repeated("\xcc\x81", mb / 2, FJ_OK, NULL); /* one combining sequence */
    run_repeated("a.", mb / 4, FJ_OK, NULL);
    run_repeated("a@", mb / 4, FJ_OK, NULL);
    run_repeated("1,", mb / 4, FJ_OK, NULL);
    run_repeated("qq", mb / 4, FJ_OK, NULL);
    run_repeated("#url_", mb / 4, FJ_OK, NULL);
    run_repeated("http://", mb / 4, FJ_OK, NULL);
    run_repeated("微信", mb / 2, FJ_ERR_LIMIT, NULL);

    /* linear: four times the text takes nowhere near sixteen times as long (measured up to
     * three times, to ride out a busy machine) */
    const char *units[] = {
        "a.",   "1-",      "x@y.",        "微信 ",           "😀", "$1 ", "qq:1 ", "+(", "1,2",
        "q:1 ", "www.a-.", "#url_a#url_", "\xcc\x81\xcc\x96"};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        double t1 = 0, t4 = 0;
        for (int attempt = 0; attempt < 3; attempt++) {
            t1 = run_repeated(units[u], 32 << 10, FJ_OK, NULL);
            t4 = run_repeated(units[u], 128 << 10, FJ_OK, NULL);
            if (t4 < 10 * t1 + 0.05)
                break;
        }
        cr_assert_lt(t4, 10 * t1 + 0.05, "'%s': %.4fs for 32 KiB, %.4fs for 128 KiB", units[u], t1,
                     t4);
    }
}

/* ---- the per-context caches (stems, chunk memo, Han-run memo) never change the tokens ---- */

/* Every token as text: kind, text, field, original span; one token a line. */
static void dump_tokens(fj_buf *out, const fj_token *t, size_t n)
{
    out->len = 0;
    cr_assert(fj__buf_append(out, "", 0));
    for (size_t i = 0; i < n; i++)
        cr_assert(fj__buf_printf(out, "%d %s %d %u-%u\n", t[i].kind, t[i].text, t[i].field,
                                 t[i].start, t[i].end));
}

/* The tokens of `in` as field `field` in context c, as text (or the error). */
static void tokens_of(fj_context *c, fj_field field, const char *in, size_t len, fj_buf *out)
{
    const fj_token *t;
    size_t n;
    fj_status st = fj_tokenize_field(c, field, in, len, &t, &n, &err);
    if (st != FJ_OK) {
        out->len = 0;
        cr_assert(fj__buf_printf(out, "!%s %s", fj_status_name(st), err.message));
        return;
    }
    dump_tokens(out, t, n);
}

/* Texts where a memoized chunk meets typed tokens, cues and non-ASCII text. */
static const char *const cache_texts[] = {
    "abcdef abcdefgh here", /* memoized first: then ids after a cue below */
    "We are hiring customer service representatives, full-time. Salary is 5000 per month.",
    "salary is 5000",
    "is salary is 5000 is",
    "rmb 12",
    "pay in rmb 12 or usd 5,000/month",
    "usd",
    "wechat: abcdef",
    "wechat id: abcdefgh here",
    "vx: abcdefgh",
    "wechat abc_123 wechat",
    "qq 12345678 qq",
    "q:12345 q",
    "+v abc123 v",
    "pay: $500 a week pay",
    "fee 300 yuan fee",
    "deposit is 200 deposit",
    "me is no id number 5000",
    "Contact test@gmail.com or www.example.com/jobs today",
    "contact test or www or com",
    "e.g. node.js place.we e g node js",
    "don\xe2\x80\x99t stop, it's fine don t stop",
    "#URL_abc# #EMAIL_def# url email",
    "call 138 1234 5678 or (555) 123-4567 call",
    "\xe6\x8b\x9b\xe8\x81\x98\xe5\xae\xa2\xe6\x9c\x8d \xe6\x97\xa5\xe7\xbb\x93"
    "300\xe5\x85\x83 "
    "\xe5\xbe\xae\xe4\xbf\xa1 abc123 abc123",
    "Sales\xe9\x94\x80\xe5\x94\xae manager \xe6\x9c\x88\xe8\x96\xaa 8000 manager sales",
    "\xef\xbc\xb1\xef\xbc\xb1\xef\xbc\x9a\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc"
    "\x95\xef\xbc\x96 qq",
    "\xf0\x9f\x98\x80 hiring now \xf0\x9f\x87\xa8\xf0\x9f\x87\xb3 hiring",
    "cafe\xcc\x81 caf\xc3\xa9 cafe \xcc\x81 cafe",
    "word word, word. (word) \"word\" word: word; word! word?",
    "1 22 333 4,444 5.5 6a a6 1st 2nd",
    "ALL CAPS All Caps all caps",
};

Test(tokenize, caches_give_the_tokens_of_a_fresh_context)
{
    size_t nt = sizeof cache_texts / sizeof cache_texts[0];
    static const fj_field fields[] = {FJ_FIELD_DESCRIPTION, FJ_FIELD_SALARY};
    fj_buf first[2][sizeof cache_texts / sizeof cache_texts[0]];
    memset(first, 0, sizeof first);
    fj_buf again = {0};
    /* once each, in one context: later texts meet the chunks and stems of earlier ones */
    for (size_t f = 0; f < 2; f++)
        for (size_t i = 0; i < nt; i++)
            tokens_of(ctx, fields[f], cache_texts[i], strlen(cache_texts[i]), &first[f][i]);
    /* again in the same context, in reverse: every chunk memoized, every stem cached */
    for (size_t f = 2; f-- > 0;)
        for (size_t i = nt; i-- > 0;) {
            tokens_of(ctx, fields[f], cache_texts[i], strlen(cache_texts[i]), &again);
            cr_assert_str_eq(again.data, first[f][i].data, "text %zu (field %d), cached", i,
                             fields[f]);
        }
    /* and each in a context of its own: nothing cached */
    for (size_t f = 0; f < 2; f++)
        for (size_t i = 0; i < nt; i++) {
            fj_context *c2;
            cr_assert_eq(fj_context_new(&c2, &err), FJ_OK);
            tokens_of(c2, fields[f], cache_texts[i], strlen(cache_texts[i]), &again);
            fj_context_free(c2);
            cr_assert_str_eq(again.data, first[f][i].data, "text %zu (field %d), fresh context", i,
                             fields[f]);
            fj__buf_free(&first[f][i]);
        }
    fj__buf_free(&again);
}

/* A text of `words` distinct lower-case words (and a few repeated ones between them). */
static char *distinct_words(size_t words, size_t *len)
{
    char *s = malloc(words * 10 + 1);
    size_t o = 0;
    for (size_t i = 0; i < words; i++) {
        size_t v = i;
        s[o++] = 'z';
        for (int k = 0; k < 5; k++, v /= 26)
            s[o++] = (char)('a' + v % 26);
        s[o++] = i % 7 ? 's' : 'g'; /* plurals and -ing-like endings for the stemmer */
        s[o++] = ' ';
        if (i % 1000 == 0) {
            memcpy(s + o, "the ", 4);
            o += 4;
        }
    }
    *len = o - 1;
    s[*len] = '\0';
    return s;
}

Test(tokenize, caches_that_overflow_start_over_with_the_same_tokens, .timeout = 120)
{
    /* more distinct words than the stem cache and the chunk memo hold (32768 each): both fill
     * up, start over, fill again */
    size_t len;
    char *big = distinct_words(80000, &len);
    fj_buf a = {0}, b = {0}, c = {0};
    tokens_of(ctx, FJ_FIELD_DESCRIPTION, big, len, &a);
    tokens_of(ctx, FJ_FIELD_DESCRIPTION, big, len, &b);
    cr_assert_eq(a.len, b.len);
    cr_assert(memcmp(a.data, b.data, a.len) == 0, "the same text twice after overflowing");
    fj_context *c2;
    cr_assert_eq(fj_context_new(&c2, &err), FJ_OK);
    tokens_of(c2, FJ_FIELD_DESCRIPTION, big, len, &c);
    cr_assert_eq(a.len, c.len);
    cr_assert(memcmp(a.data, c.data, a.len) == 0, "the text in a fresh context");
    /* the tricky texts after the overflow, against a fresh context */
    for (size_t i = 0; i < sizeof cache_texts / sizeof cache_texts[0]; i++) {
        tokens_of(ctx, FJ_FIELD_SALARY, cache_texts[i], strlen(cache_texts[i]), &a);
        tokens_of(c2, FJ_FIELD_SALARY, cache_texts[i], strlen(cache_texts[i]), &b);
        cr_assert_str_eq(a.data, b.data, "text %zu after the overflow", i);
    }
    fj_context_free(c2);
    /* stems are right after the overflow too: "zaaaaas" is a plural */
    const fj_token *t;
    size_t n;
    cr_assert_eq(fj_tokenize_text(ctx, "zaaaaas running", 15, &t, &n, &err), FJ_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(t[0].text, "zaaaaa");
    cr_assert_str_eq(t[1].text, "run");
    free(big);
    fj__buf_free(&a);
    fj__buf_free(&b);
    fj__buf_free(&c);
}

Test(tokenize, random_texts_tokenize_the_same_cached_or_not, .timeout = 120)
{
    /* pieces that exercise typed tokens, cues, non-ASCII and punctuation around the memoized
     * chunks; random texts from them (a fixed seed), tokenized in two contexts whose caches
     * hold different things at each text: one in order, twice; one in reverse order */
    static const char *const pieces[] = {"a",
                                         "q",
                                         "v",
                                         "qq",
                                         "vx",
                                         "wechat",
                                         "salary",
                                         "pay",
                                         "fee",
                                         "deposit",
                                         "rmb",
                                         "usd",
                                         "us$",
                                         "yuan",
                                         "k",
                                         "per ",
                                         "hour",
                                         "month",
                                         "id",
                                         "no",
                                         "is",
                                         "me",
                                         "www.",
                                         "http://",
                                         ".com",
                                         "bit.ly",
                                         "gmail.com",
                                         "@",
                                         "0",
                                         "5",
                                         "12",
                                         "138",
                                         "1234",
                                         "5678",
                                         "+",
                                         "(",
                                         ")",
                                         "-",
                                         "~",
                                         ".",
                                         ",",
                                         ":",
                                         "'",
                                         "_",
                                         "#",
                                         "#url_",
                                         "/",
                                         "$",
                                         " ",
                                         " ",
                                         " ",
                                         "  ",
                                         "\t",
                                         "\n",
                                         "A",
                                         "Q",
                                         "Don",
                                         "\xef\xbc\xb1",
                                         "\xef\xbc\x91",
                                         "\xef\xbc\x9a",
                                         "\xe5\xbe\xae\xe4\xbf\xa1",
                                         "\xe6\x97\xa5\xe7\xbb\x93",
                                         "\xe5\x85\x83",
                                         "\xe4\xb8\x87",
                                         "\xe6\x8b\x9b\xe8\x81\x98",
                                         "\xe8\xaa\xa0",
                                         "\xe3\x81\xb2\xe3\x82\x89",
                                         "\xe3\x82\xab\xe3\x82\xbf",
                                         "\xe3\x80\x85",
                                         "\xe3\x80\x82",
                                         "\xe3\x83\xbc",
                                         "\xed\x95\x9c",
                                         "\xc2\xa5",
                                         "e\xcc\x81",
                                         "\xcc\x81",
                                         "\xe2\x80\x99",
                                         "\xf0\x9f\x98\x80",
                                         "running",
                                         "studies",
                                         "the",
                                         "team",
                                         "work",
                                         "experience,",
                                         "e.g.",
                                         "node.js"};
    size_t np = sizeof pieces / sizeof pieces[0];
    enum { TEXTS = 1500 };
    char *texts[TEXTS];
    size_t lens[TEXTS];
    uint32_t seed = 12345;
    for (int i = 0; i < TEXTS; i++) {
        texts[i] = malloc(2048);
        lens[i] = 0;
        int k = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
        for (int j = 0; j < k; j++) {
            const char *p = pieces[((seed = seed * 1103515245u + 12345u) >> 16) % np];
            memcpy(texts[i] + lens[i], p, strlen(p));
            lens[i] += strlen(p);
        }
    }
    fj_context *c2;
    cr_assert_eq(fj_context_new(&c2, &err), FJ_OK);
    fj_buf *first = calloc(TEXTS, sizeof *first);
    fj_buf b = {0};
    for (int i = 0; i < TEXTS; i++)
        tokens_of(ctx, i % 3 ? FJ_FIELD_DESCRIPTION : FJ_FIELD_SALARY, texts[i], lens[i],
                  &first[i]);
    for (int i = TEXTS; i-- > 0;) {
        tokens_of(c2, i % 3 ? FJ_FIELD_DESCRIPTION : FJ_FIELD_SALARY, texts[i], lens[i], &b);
        cr_assert_str_eq(b.data, first[i].data, "text %d in another order: %.*s", i, (int)lens[i],
                         texts[i]);
    }
    for (int i = 0; i < TEXTS; i++) {
        tokens_of(ctx, i % 3 ? FJ_FIELD_DESCRIPTION : FJ_FIELD_SALARY, texts[i], lens[i], &b);
        cr_assert_str_eq(b.data, first[i].data, "text %d again: %.*s", i, (int)lens[i], texts[i]);
        fj__buf_free(&first[i]);
        free(texts[i]);
    }
    free(first);
    fj__buf_free(&b);
    fj_context_free(c2);
}

/* ---- the ASCII fast path of normalization ---- */

Test(tokenize, ascii_normalizes_as_lower_case_with_single_spaces)
{
    /* random ASCII (controls, capitals, runs of spaces) against the definition, byte map
     * included, at every alignment of the eight-byte blocks */
    uint32_t seed = 777;
    fj_normtext nt = {0};
    char in[160], want[160];
    uint32_t map[160];
    for (int r = 0; r < 4000; r++) {
        size_t len = ((seed = seed * 1103515245u + 12345u) >> 16) % 150;
        for (size_t i = 0; i < len; i++) {
            uint32_t x = (seed = seed * 1103515245u + 12345u) >> 16;
            in[i] = (char)(x % 4 == 0 ? 0x20u : x % 11 == 0 ? (x >> 8) % 0x20u : 0x20u + x % 0x60u);
        }
        size_t w = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)in[i];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c + 32);
            else if (c < 0x20 || c == 0x7F)
                c = ' ';
            if (c == ' ' && (w == 0 || want[w - 1] == ' '))
                continue;
            map[w] = (uint32_t)i;
            want[w++] = (char)c;
        }
        if (w && want[w - 1] == ' ')
            w--;
        cr_assert_eq(fj__normalize_into(ctx, in, len, &nt, &err), FJ_OK);
        cr_assert_eq(nt.text.len, w, "case %d: length %zu, want %zu", r, nt.text.len, w);
        cr_assert(memcmp(nt.text.data, want, w) == 0, "case %d: '%.*s', want '%.*s'", r,
                  (int)nt.text.len, nt.text.data, (int)w, want);
        for (size_t i = 0; i < w; i++)
            cr_assert_eq(nt.orig[i], map[i], "case %d: orig[%zu]", r, i);
        cr_assert_eq(nt.orig[w], len);
    }
    /* a combining mark joins the ASCII letter before it wherever the blocks fall */
    for (size_t pos = 0; pos < 24; pos++) {
        char s[64];
        memset(s, 'x', 32);
        s[pos] = 'E';
        memcpy(s + pos + 1, "\xcc\x81", 2); /* U+0301 */
        size_t len = 32;
        cr_assert_eq(fj__normalize_into(ctx, s, len, &nt, &err), FJ_OK);
        cr_assert_eq(nt.text.len, 31);
        cr_assert(memcmp(nt.text.data + pos, "\xc3\xa9", 2) == 0, "é at %zu: %s", pos,
                  nt.text.data);
        cr_assert_eq(nt.orig[pos], pos);
        cr_assert_eq(nt.orig[pos + 1], pos);
        cr_assert_eq(nt.orig[pos + 2], pos + 3);
    }
    fj__normtext_free(&nt);
}

/* The tokens as "KIND:TEXT[START,END)" joined by spaces. */
static void token_line(char *out, size_t size, const fj_token *t, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%s%s:%s[%u,%u)", i ? " " : "",
                              fj_token_kind_name((fj_token_kind)t[i].kind), t[i].text, t[i].start,
                              t[i].end);
}

Test(tokenize, han_segmentations_give_their_words_and_the_same_bigrams)
{
    /* a Han run between punctuation, one beside ASCII letters and digits, a typed token */
    const char *s = "招聘兼职，加QQ123456789日结300元";
    const fj_token *t;
    size_t n;
    char dict[2048], uni[2048];
    cr_assert_eq(fj__tokenize_field_seg(ctx, FJ_FIELD_DESCRIPTION, s, strlen(s), FJ_SEG_DICTIONARY,
                                        &t, &n, &err),
                 FJ_OK, "%s", err.message);
    token_line(dict, sizeof dict, t, n);
    cr_assert_eq(fj__tokenize_field_seg(ctx, FJ_FIELD_DESCRIPTION, s, strlen(s), FJ_SEG_HAN_UNIGRAM,
                                        &t, &n, &err),
                 FJ_OK, "%s", err.message);
    token_line(uni, sizeof uni, t, n);
    cr_assert_str_eq(dict,
                     "word:招聘[0,6) bigram:招聘[0,6) bigram:聘兼[3,9) word:兼职[6,12) "
                     "bigram:兼职[6,12) word:加[15,18) word:qq[18,20) qq:123456789[20,29) "
                     "money:¥300/day[29,41) word:日[29,32) bigram:日结[29,35) word:结[32,35)",
                     "%s", dict);
    /* every Han character a word, the bigrams the same */
    cr_assert_str_eq(uni,
                     "word:招[0,3) bigram:招聘[0,6) word:聘[3,6) bigram:聘兼[3,9) word:兼[6,9) "
                     "bigram:兼职[6,12) word:职[9,12) word:加[15,18) word:qq[18,20) "
                     "qq:123456789[20,29) money:¥300/day[29,41) word:日[29,32) bigram:日结[29,35) "
                     "word:结[32,35)",
                     "%s", uni);
    /* the public call is the dictionary's */
    cr_assert_eq(fj_tokenize_text(ctx, s, strlen(s), &t, &n, &err), FJ_OK);
    token_line(uni, sizeof uni, t, n);
    cr_assert_str_eq(uni, dict);
    /* a segmentation that does not exist */
    cr_assert_eq(fj__tokenize_field_seg(ctx, FJ_FIELD_DESCRIPTION, s, strlen(s), (fj_segmentation)7,
                                        &t, &n, &err),
                 FJ_ERR_ARGUMENT);
    cr_assert_null(fj_segmentation_name((fj_segmentation)7));
    cr_assert_str_eq(fj_segmentation_name(FJ_SEG_DICTIONARY), "icu-dictionary");
    cr_assert_str_eq(fj_segmentation_name(FJ_SEG_HAN_UNIGRAM), "han-unigram");
}
