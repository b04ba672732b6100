/*
 * test_analysis.c - the posting analysis (text/analysis.c) and the one parser of each quantity
 * (text/quantity.c): money, the salary field, company sizes, phone numbers, dates (through the
 * analysis), the clause splitter (golden file tests/golden/clauses.txt), and that the analysis is
 * what signals and tokens read (normalized once, language detected once).
 */
#include "text/analysis.h"

#include "golden.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

TestSuite(analysis, .init = setup, .fini = teardown);

/* Normalize `s` into a static buffer (tests read normalized text, as the parsers do). */
static const char *norm(const char *s, size_t *len)
{
    const char *out;
    cr_assert_eq(fj_normalize(ctx, s, strlen(s), &out, len, &err), FJ_OK, "%s", err.message);
    return out;
}

static fj_posting *posting(const char *json)
{
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    cr_assert_eq(fj_posting_parse_json(p, json, strlen(json), &err), FJ_OK, "%s", err.message);
    return p;
}

/* ---- money ---- */

static size_t money(const char *s, fj__money *out, size_t cap, bool pay_field)
{
    size_t n;
    const char *t = norm(s, &n);
    return fj__money_scan(t, n, NULL, 0, pay_field, out, cap);
}

Test(analysis, money_amount_currency_scale)
{
    fj__money m[4];
    cr_assert_eq(money("¥8000-12000", m, 4, false), 1);
    cr_expect_eq(m[0].lo, 8000);
    cr_expect_eq(m[0].hi, 12000);
    cr_expect(m[0].currency && !m[0].dollars);
    cr_assert_eq(money("$40,000 - $60,000", m, 4, false), 1);
    cr_expect_eq(m[0].lo, 40000);
    cr_expect_eq(m[0].hi, 60000);
    cr_expect(m[0].dollars);
    /* a scale on the range's top applies to its bottom: 10-15k is 10,000-15,000 */
    cr_assert_eq(money("10-15k", m, 4, false), 1);
    cr_expect_eq(m[0].lo, 10000);
    cr_expect_eq(m[0].hi, 15000);
    cr_expect(m[0].scaled);
    cr_assert_eq(money("1.5万", m, 4, false), 1);
    cr_expect_eq(m[0].hi, 15000);
    cr_assert_eq(money("3千5", m, 4, false), 1);
    cr_expect_eq(m[0].hi, 3500);
    /* full-width digits are read after normalization */
    cr_assert_eq(money("８０００元", m, 4, false), 1);
    cr_expect_eq(m[0].hi, 8000);
    /* plain numbers with a unit that is not pay are not money; in the salary field they are */
    cr_expect_eq(money("18-45岁", m, 4, false), 0);
    cr_expect_eq(money("300", m, 4, false), 0);
    cr_expect_eq(money("300", m, 4, true), 1);
    /* more than nine digits: an id or a phone number */
    cr_expect_eq(money("¥1234567890", m, 4, false), 0);
}

Test(analysis, money_period_cues)
{
    size_t n;
    const char *t = norm("月薪 8000；300/天", &n);
    /* the caller's cues: 月薪 at 0..6 before the first figure, /天 right after the second */
    const char *slash = strstr(t, "/天");
    fj__period_cue cue[2] = {{0, 6, FJ_PERIOD_MONTH},
                             {(uint32_t)(slash - t), (uint32_t)(slash - t + 4), FJ_PERIOD_DAY}};
    fj__money m[4];
    cr_assert_eq(fj__money_scan(t, n, cue, 2, false, m, 4), 2);
    cr_expect_eq(m[0].period, FJ_PERIOD_MONTH);
    cr_expect_eq(m[0].hi, 8000);
    cr_expect_eq(m[1].period, FJ_PERIOD_DAY);
    cr_expect_eq(m[1].hi, 300);
}

Test(analysis, monthly_one_constant)
{
    /* one hours-per-month constant for every reader: 8 hours x 22 days */
    cr_expect_eq(FJ__HOURS_PER_MONTH, 176);
    cr_expect_eq(fj__monthly(25, FJ_PERIOD_HOUR), 25 * 176);
    cr_expect_eq(fj__monthly(300, FJ_PERIOD_DAY), 6600);
    cr_expect_eq(fj__monthly(120000, FJ_PERIOD_YEAR), 10000);
    cr_expect_eq(fj__monthly(1200, FJ_PERIOD_WEEK), 5200);
    cr_expect_eq(fj__monthly(8000, FJ_PERIOD_NONE), 8000);
}

Test(analysis, money_token_values)
{
    fj__money_value v;
    cr_assert(fj__money_token_value("¥8000-12000/month", strlen("¥8000-12000/month"), &v));
    cr_expect_eq(v.currency, FJ__CUR_CNY);
    cr_expect_eq(v.lo, 8000);
    cr_expect_eq(v.hi, 12000);
    cr_expect_eq(v.period, FJ_PERIOD_MONTH);
    cr_assert(fj__money_token_value("$25.5/hour", 10, &v));
    cr_expect_eq(v.currency, FJ__CUR_USD);
    cr_expect_eq(v.hi, 25.5);
    cr_expect_eq(v.period, FJ_PERIOD_HOUR);
    cr_assert(fj__money_token_value("300", 3, &v));
    cr_expect_eq(v.currency, FJ__CUR_NONE);
    cr_expect_eq(v.period, FJ_PERIOD_NONE);
    cr_expect_not(fj__money_token_value("¥", strlen("¥"), &v));
    cr_expect_not(fj__money_token_value("8000/fortnight", 14, &v));

    /* the analysis gives every money token its value, read from the tokenizer's own text */
    fj_posting *p =
        posting("{\"title\":\"打字员\",\"description\":\"日结300元，月薪8000-12000元\"}");
    const fj__analysis *an;
    cr_assert_eq(fj__analyze(ctx, p, &an, &err), FJ_OK, "%s", err.message);
    const fj_token *tok;
    size_t nt, found = 0;
    cr_assert_eq(fj__analysis_tokens(ctx, an, &tok, &nt, &err), FJ_OK);
    for (size_t i = 0; i < nt; i++) {
        if (tok[i].kind != FJ_TOK_MONEY)
            continue;
        found++;
        cr_expect_eq(an->money[i].currency, FJ__CUR_CNY, "%s", tok[i].text);
        cr_expect_gt(an->money[i].hi, 0, "%s", tok[i].text);
        if (an->money[i].period == FJ_PERIOD_DAY)
            cr_expect_eq(an->money[i].hi, 300);
    }
    cr_expect_eq(found, 2);
    fj_posting_free(p);
}

/* ---- the salary field ---- */

static fj__salary salary(const char *s)
{
    size_t n;
    const char *t = norm(s, &n);
    fj__salary sa;
    fj__salary_read(t, n, &sa);
    return sa;
}

Test(analysis, salary_field)
{
    fj__salary s = salary("8000-12000元/月");
    cr_expect_eq(s.figures, 2);
    cr_expect_eq(s.lo, 8000);
    cr_expect_eq(s.hi, 12000);
    cr_expect_eq(s.period, FJ_PERIOD_MONTH);
    /* "13-20K": both ends in thousands (a copy of this parser read 13 to 20,000) */
    s = salary("13-20K·14薪");
    cr_expect_eq(s.lo, 13000);
    cr_expect_eq(s.hi, 20000);
    cr_expect_eq(s.period, FJ_PERIOD_NONE);
    /* Traditional characters are normalized first: 時薪 is hourly */
    s = salary("時薪NT$190");
    cr_expect_eq(s.period, FJ_PERIOD_HOUR);
    cr_expect_eq(s.figures, 1);
    cr_expect_eq(s.hi, 190);
    /* a figure and the next one */
    s = salary("学徒3000起，技工6000-8000");
    cr_expect_eq(s.figures, 2);
    cr_expect_eq(s.lo, 3000);
    cr_expect_eq(s.hi, 6000);
    s = salary("日结300");
    cr_expect_eq(s.period, FJ_PERIOD_DAY);
    s = salary("$25/hour");
    cr_expect_eq(s.period, FJ_PERIOD_HOUR);
    cr_expect_eq(s.hi, 25);
    s = salary("年薪20-50万");
    cr_expect_eq(s.period, FJ_PERIOD_YEAR);
    cr_expect_eq(s.lo, 200000);
    cr_expect_eq(s.hi, 500000);
    s = salary("面议");
    cr_expect(s.negotiable);
    cr_expect_eq(s.figures, 0);
    cr_expect(salary("NEGOTIABLE").negotiable);
}

/* ---- company size ---- */

static double size_of(const char *s)
{
    size_t n;
    const char *t = norm(s, &n);
    return fj__company_size(t, n);
}

Test(analysis, company_size)
{
    cr_expect_eq(size_of("50-99人"), 99);
    cr_expect_eq(size_of("11-50 employees"), 50);
    cr_expect_eq(size_of("1000人以上"), 1000);
    cr_expect_eq(size_of("10001+"), 10001);
    cr_expect_eq(size_of("少于15人"), 15);
    cr_expect_eq(size_of("5,001-10,000"), 10000);
    /* the case: 1万人以上 is ten thousand people, not one */
    cr_expect_eq(size_of("1万人以上"), 10000);
    cr_expect_eq(size_of("１０００-９９９９人"), 9999);
    cr_expect_eq(size_of("unknown"), 0);
}

Test(analysis, openings_vs_size_reads_ten_thousand)
{
    /* 20 openings at a company of 1万人以上 is nothing unusual (it was read as a company of one) */
    fj_posting *p = posting("{\"title\":\"客服\",\"description\":\"招聘客服若干名\","
                            "\"openings\":20,\"company_size\":\"1万人以上\"}");
    const fj_signal *sig;
    size_t n;
    cr_assert_eq(fj_signals(ctx, p, NULL, &sig, &n, &err), FJ_OK, "%s", err.message);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_neq(sig[i].name, "openings_vs_size");
    fj_posting_free(p);
    p = posting("{\"title\":\"客服\",\"description\":\"招聘客服若干名\","
                "\"openings\":20,\"company_size\":\"少于15人\"}");
    cr_assert_eq(fj_signals(ctx, p, NULL, &sig, &n, &err), FJ_OK, "%s", err.message);
    bool fired = false;
    for (size_t i = 0; i < n; i++)
        fired |= strcmp(sig[i].name, "openings_vs_size") == 0 && sig[i].value > 1;
    cr_expect(fired, "20 openings at a company of under 15");
    fj_posting_free(p);
}

/* ---- phone numbers ---- */

static size_t phones(const char *s, fj__phone *out, size_t cap)
{
    size_t n;
    const char *t = norm(s, &n);
    return fj__phone_scan(t, n, out, cap);
}

Test(analysis, phone_numbers)
{
    fj__phone ph[4];
    cr_assert_eq(phones("电话13812345678", ph, 4), 1);
    cr_expect_eq(ph[0].kind, FJ__PHONE_CN_MOBILE);
    cr_assert_eq(phones("call +86 138-1234-5678 now", ph, 4), 1);
    cr_expect_eq(ph[0].kind, FJ__PHONE_CN_MOBILE);
    cr_assert_eq(phones("(415) 555-2671", ph, 4), 1);
    cr_expect_eq(ph[0].kind, FJ__PHONE_NANP);
    cr_expect_eq(ph[0].start, 0);
    /* toll-free numbers, short numbers, numbers inside words and amounts are not contact */
    cr_expect_eq(phones("800-555-1234", ph, 4), 0);
    cr_expect_eq(phones("400-123-4567", ph, 4), 0);
    cr_expect_eq(phones("room 1203", ph, 4), 0);
    cr_expect_eq(phones("id13812345678x", ph, 4), 0);
    /* full-width digits after normalization */
    cr_expect_eq(phones("１３８１２３４５６７８", ph, 4), 1);
}

/* ---- the analysis ---- */

Test(analysis, fields_dates_and_language)
{
    fj_posting *p = posting("{\"title\":\"誠聘文員\",\"description\":\"日結３００元，加ＱＱ詳談\","
                            "\"salary\":\"3-5k\",\"company_size\":\"1万人以上\","
                            "\"posted_at\":\"2024-03-01\",\"company_founded\":\"2023-01-15\"}");
    const fj__analysis *an;
    cr_assert_eq(fj__analyze(ctx, p, &an, &err), FJ_OK, "%s", err.message);
    cr_expect_eq(an->lang, FJ_LANG_ZH);
    size_t n;
    const char *t = fj__atext(an, FJ_FIELD_TITLE, &n);
    cr_assert_not_null(t);
    cr_expect_str_eq(t, "诚聘文员");
    cr_expect_null(fj__atext(an, FJ_FIELD_BENEFITS, &n));
    cr_expect_eq(n, 0);
    cr_expect(an->has_salary);
    cr_expect_eq(an->salary.lo, 3000);
    cr_expect_eq(an->salary.hi, 5000);
    cr_expect_eq(an->company_size, 10000);
    cr_expect(an->has_posted && an->has_founded && !an->has_updated);
    cr_expect_eq(an->posted_at, 1709251200);
    cr_expect_eq(an->company_founded, 1673740800);
    /* tokens come from the same normalized text, quoting the original */
    const fj_token *tok;
    size_t nt;
    cr_assert_eq(fj__analysis_tokens(ctx, an, &tok, &nt, &err), FJ_OK);
    cr_assert_gt(nt, 0);
    bool qq = false;
    for (size_t i = 0; i < nt; i++)
        if (tok[i].field == FJ_FIELD_DESCRIPTION && strcmp(tok[i].text, "qq") == 0) {
            const char *d = fj_posting_string(p, FJ_FIELD_DESCRIPTION, NULL);
            qq = tok[i].end - tok[i].start == 6 && memcmp(d + tok[i].start, "ＱＱ", 6) == 0;
        }
    cr_expect(qq, "the token qq quotes ＱＱ from the original");
    fj_posting_free(p);
}

Test(analysis, validation_once_with_field_errors)
{
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_COMPANY, "ACME", 4, &err), FJ_OK);
    const fj__analysis *an;
    cr_expect_eq(fj__analyze(ctx, p, &an, &err), FJ_ERR_INPUT);
    cr_expect_null(an);
    cr_expect_str_eq(err.field, "title");
    /* tokenizing does not require a valid posting */
    const fj_token *tok;
    size_t nt;
    cr_expect_eq(fj_tokenize_posting(ctx, p, &tok, &nt, &err), FJ_OK);
    cr_expect_eq(nt, 1);
    fj_posting_free(p);
}

/* ---- the clause splitter: golden file ---- */

Test(analysis, golden_clauses)
{
    char path[512];
    snprintf(path, sizeof path, "%s/golden/clauses.txt", FJ_TEST_DATADIR);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    char line[4096];
    int cases = 0, failed = 0;
    while (fgets(line, sizeof line, f)) {
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
            line[--l] = '\0';
        if (l == 0 || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        cr_assert_not_null(tab, "golden line without a tab: %s", line);
        char input[4096];
        size_t in_len = unescape(line, (size_t)(tab - line), input);
        /* the description field as JSON */
        fj_posting *p;
        cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
        cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, input, in_len, &err), FJ_OK,
                     "%s", err.message);
        const fj__analysis *an;
        cr_assert_eq(fj__analyze(ctx, p, &an, &err), FJ_OK, "%s", err.message);
        const fj__afield *af = &an->field[FJ_FIELD_DESCRIPTION];
        char got[4096];
        size_t g = 0;
        for (uint32_t c = af->clause0; c < af->clause0 + af->nclause; c++) {
            const fj__clause *cl = &an->clauses[c];
            cr_assert_eq(cl->field, FJ_FIELD_DESCRIPTION);
            cr_assert(cl->start < cl->end && cl->end <= af->nt.text.len);
            cr_assert(cl->ostart < cl->oend && cl->oend <= in_len);
            g += (size_t)snprintf(got + g, sizeof got - g, "%s%.*s", g ? " | " : "",
                                  (int)(cl->oend - cl->ostart), input + cl->ostart);
        }
        got[g] = '\0';
        cases++;
        if (strcmp(got, tab + 1) != 0) {
            failed++;
            cr_log_error("clauses of '%.*s':\n  want '%s'\n  got  '%s'", (int)(tab - line), line,
                         tab + 1, got);
        }
        fj_posting_free(p);
    }
    fclose(f);
    cr_assert_gt(cases, 10);
    cr_assert_eq(failed, 0, "%d of %d golden clause cases failed (see the log)", failed, cases);
}
