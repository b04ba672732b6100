/*
 * test_locale.c - output that does not depend on the host program's locale.
 *
 * Python and many host programs call setlocale(LC_ALL, ""), and under a comma-decimal locale
 * (de_DE.UTF-8) printf writes 0,947. Every JSON the library writes must still be valid JSON and
 * byte-identical to what it writes in the C locale: results, error results, signals, postings,
 * metrics, and the money amounts inside tokens. Each test runs in its own process (Criterion),
 * so the locale set here does not leak.
 *
 * The comma-decimal locale must be installed (Debian: `locales`, de_DE.UTF-8 in
 * /etc/locale.gen, locale-gen); without it the tests are skipped, unless FJ_REQUIRE_LOCALE is
 * set (CI sets it, so that a missing locale fails rather than skips).
 */
#include <fakejob.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMA_LOCALE "de_DE.UTF-8"
#define MAX_LINES 64

static void enter_comma_locale(void)
{
    if (!setlocale(LC_ALL, COMMA_LOCALE)) {
        if (getenv("FJ_REQUIRE_LOCALE"))
            cr_assert_fail("the locale %s is not installed (FJ_REQUIRE_LOCALE is set)",
                           COMMA_LOCALE);
        cr_skip_test("the locale %s is not installed", COMMA_LOCALE);
    }
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    cr_assert_str_eq(probe, "0,5", "the locale does not use a decimal comma: %s", probe);
}

/* Everything the library writes for the example postings, one string per output, in order. */
typedef struct outputs {
    char *s[MAX_LINES * 4];
    size_t n;
} outputs;

static void add(outputs *o, char *s)
{
    cr_assert(s);
    cr_assert_lt(o->n, sizeof o->s / sizeof o->s[0]);
    o->s[o->n++] = s;
}

static void produce(outputs *o)
{
    fj_error err;
    fj_model *m = NULL;
    fj_context *ctx = NULL;
    fj_posting *p = NULL;
    cr_assert_eq(fj_model_load_default(&m, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    fj_context_set_now(ctx, 1767225600); /* 2026-01-01: posting ages do not depend on today */

    FILE *f = fopen(FJ_TEST_DATADIR "/../examples/postings.jsonl", "r");
    cr_assert(f, "examples/postings.jsonl not found");
    char line[1 << 16];
    double scores[MAX_LINES];
    int labels[MAX_LINES];
    size_t scored = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\n");
        if (!len)
            continue;
        char *json = NULL;
        cr_assert_eq(fj_posting_parse_json(p, line, len, &err), FJ_OK, "%s", err.message);
        cr_assert_eq(fj_posting_to_json(p, &json, &err), FJ_OK);
        add(o, json);

        fj_result r;
        cr_assert_eq(fj_score(ctx, m, p, NULL, &r, &err), FJ_OK, "%s", err.message);
        cr_assert_eq(fj_result_to_json(&r, p, m, &json, &err), FJ_OK);
        add(o, json);
        cr_assert_lt(scored, MAX_LINES);
        scores[scored] = r.score;
        labels[scored++] = r.verdict == FJ_VERDICT_LEGIT ? 0 : 1;

        const fj_signal *sig;
        size_t n;
        cr_assert_eq(fj_signals(ctx, p, NULL, &sig, &n, &err), FJ_OK);
        cr_assert_eq(fj_signals_to_json(p, fj_posting_detect_lang(p), sig, n, &json, &err), FJ_OK);
        add(o, json);
    }
    fclose(f);
    cr_assert_gt(scored, 2);

    /* an error result, and a posting with a fractional number */
    char *json = NULL;
    fj_error bad;
    fj_error_clear(&bad);
    cr_assert_neq(fj_posting_parse_json(p, "{\"title\":1.5}", 13, &bad), FJ_OK);
    cr_assert_eq(fj_error_result_to_json("x", &bad, 7, &json, &err), FJ_OK);
    add(o, json);
    const char *frac = "{\"title\":\"Clerk\",\"response_rate\":0.125,\"salary\":\"¥198.50/天\"}";
    cr_assert_eq(fj_posting_parse_json(p, frac, strlen(frac), &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_posting_to_json(p, &json, &err), FJ_OK);
    add(o, json);

    /* tokens: an amount with a fraction keeps its '.' */
    const fj_token *tok;
    size_t nt;
    const char *pay = "日薪¥198.50，周结$1,234.75/week";
    cr_assert_eq(fj_tokenize_text(ctx, pay, strlen(pay), &tok, &nt, &err), FJ_OK);
    size_t cap = 1024, used = 0;
    char *toks = malloc(cap);
    cr_assert(toks);
    for (size_t i = 0; i < nt; i++) {
        int k = snprintf(toks + used, cap - used, "%s|%s ", fj_token_kind_name(tok[i].kind),
                         tok[i].text);
        cr_assert(k > 0 && (size_t)k < cap - used);
        used += (size_t)k;
    }
    add(o, toks);

    /* metrics over the example scores */
    fj_metrics met;
    cr_assert_eq(fj_metrics_compute(scores, labels, NULL, scored, 0.5, &met, &err), FJ_OK, "%s",
                 err.message);
    cr_assert_eq(fj_metrics_to_json(&met, &json, &err), FJ_OK);
    add(o, json);

    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
}

static void free_outputs(outputs *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->s[i]);
}

Test(locale, every_output_is_the_same_under_a_comma_decimal_locale)
{
    outputs c = {0}, de = {0};
    produce(&c);
    enter_comma_locale();
    produce(&de);
    cr_assert_eq(c.n, de.n);
    for (size_t i = 0; i < c.n; i++) {
        cr_assert_str_eq(de.s[i], c.s[i], "output %zu differs under %s", i, COMMA_LOCALE);
        if (de.s[i][0] == '{') {
            json_error_t je;
            json_t *j = json_loads(de.s[i], 0, &je);
            cr_assert(j, "output %zu is not JSON under %s: %s (%s)", i, COMMA_LOCALE, je.text,
                      de.s[i]);
            json_decref(j);
        }
    }
    /* the outputs did contain fractions, and their decimal point is '.' */
    cr_assert(strstr(c.s[1], "\"score\":0.") || strstr(c.s[1], "\"score\":1"), "%s", c.s[1]);
    cr_assert(strstr(c.s[c.n - 3], "\"response_rate\":0.125"), "%s", c.s[c.n - 3]);
    cr_assert(strstr(c.s[c.n - 2], "198.5"), "%s", c.s[c.n - 2]);
    free_outputs(&c);
    free_outputs(&de);
}
