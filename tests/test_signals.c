/*
 * test_signals.c - the red-flag signals: every signal fires on hand-written postings in Chinese
 * and English (tests/data/signals/fire.jsonl) and stays quiet on near misses
 * (tests/data/signals/nearmiss.jsonl: negations, "the company pays", job duties, ordinary
 * wording); evidence quotes the original text; history stats drive reposts; the registration
 * number check; the pay figures read from text; the API's argument and input errors.
 */
#include "core/fj_internal.h"
#include "signals/signals.h"
#include "text/text.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static fj_context *ctx;
static fj_posting *p;
static fj_error err;

static void setup(void)
{
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    fj_context_set_now(ctx, 1740787200); /* 2025-03-01 */
    fj_error_clear(&err);
}

static void teardown(void)
{
    fj_posting_free(p);
    fj_context_free(ctx);
}

TestSuite(signals, .init = setup, .fini = teardown);

static const fj_signal *find(const fj_signal *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].name, name) == 0)
            return &s[i];
    return NULL;
}

static fj_status signals_of(const char *json, const fj_history_stats *hist, const fj_signal **s,
                            size_t *n)
{
    fj_status st = fj_posting_parse_json(p, json, strlen(json), &err);
    cr_assert_eq(st, FJ_OK, "%s: %s", json, err.message);
    return fj_signals(ctx, p, hist, s, n, &err);
}

/* Check every posting of a case file against its expect / expect_not / evidence members. */
static void run_cases(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/signals/%s", FJ_TEST_DATADIR, name);
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot open %s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int cases = 0, checks = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        json_error_t jerr;
        json_t *root = json_loadb(line, (size_t)len, 0, &jerr);
        cr_assert(root, "%s: %s", name, jerr.text);
        const char *id = json_string_value(json_object_get(root, "id"));
        cr_assert(id, "%s: a case without id", name);
        cr_assert_eq(fj_posting_parse_json(p, line, (size_t)len, &err), FJ_OK, "%s: %s", id,
                     err.message);
        const fj_signal *s;
        size_t n;
        cr_assert_eq(fj_signals(ctx, p, NULL, &s, &n, &err), FJ_OK, "%s: %s", id, err.message);
        /* each signal at most once, with evidence quoted verbatim from its field */
        for (size_t i = 0; i < n; i++) {
            cr_expect(s[i].value != 0, "%s: %s listed with value 0", id, s[i].name);
            for (size_t j = i + 1; j < n; j++)
                cr_expect(strcmp(s[i].name, s[j].name) != 0, "%s: %s listed twice", id, s[i].name);
            if (s[i].evidence) {
                size_t flen;
                const char *ftext = fj_posting_string(p, (fj_field)s[i].field, &flen);
                cr_assert(ftext, "%s: %s evidence from an absent field", id, s[i].name);
                bool inside = false;
                for (size_t k = 0; k + s[i].evidence_len <= flen && !inside; k++)
                    inside = memcmp(ftext + k, s[i].evidence, s[i].evidence_len) == 0;
                cr_expect(inside, "%s: %s evidence '%.*s' is not in the %s field", id, s[i].name,
                          (int)s[i].evidence_len, s[i].evidence,
                          fj_field_name((fj_field)s[i].field));
                cr_expect_eq(strlen(s[i].evidence), s[i].evidence_len);
            }
        }
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(root, "expect"), key, v)
        {
            const fj_signal *g = find(s, n, key);
            checks++;
            cr_expect(g, "%s: %s did not fire", id, key);
            if (g && json_is_number(v))
                cr_expect(fabs(g->value - json_number_value(v)) < 1e-9, "%s: %s = %g, expected %g",
                          id, key, g->value, json_number_value(v));
        }
        size_t k;
        json_array_foreach(json_object_get(root, "expect_not"), k, v)
        {
            const fj_signal *g = find(s, n, json_string_value(v));
            checks++;
            cr_expect(!g, "%s: %s fired (evidence: %.*s)", id, json_string_value(v),
                      g && g->evidence ? (int)g->evidence_len : 0,
                      g && g->evidence ? g->evidence : "");
        }
        json_object_foreach(json_object_get(root, "evidence"), key, v)
        {
            const fj_signal *g = find(s, n, key);
            checks++;
            cr_expect(g && g->evidence && strcmp(g->evidence, json_string_value(v)) == 0,
                      "%s: %s evidence '%s', expected '%s'", id, key,
                      g && g->evidence ? g->evidence : "(none)", json_string_value(v));
        }
        json_decref(root);
        cases++;
    }
    free(line);
    fclose(f);
    cr_assert_gt(cases, 10, "%s: too few cases", name);
    cr_assert_gt(checks, cases - 1, "%s: cases without expectations", name);
}

Test(signals, postings_that_must_fire)
{
    run_cases("fire.jsonl");
}

Test(signals, near_misses_that_must_not_fire)
{
    run_cases("nearmiss.jsonl");
}

/* Every signal of the library is exercised by at least one case that makes it fire. */
Test(signals, every_signal_has_a_firing_case)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/signals/fire.jsonl", FJ_TEST_DATADIR);
    json_error_t jerr;
    FILE *f = fopen(path, "r");
    cr_assert(f);
    char *line = NULL;
    size_t cap = 0;
    bool covered[64] = {false};
    while (getline(&line, &cap, f) > 0) {
        json_t *root = json_loads(line, 0, &jerr);
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(root, "expect"), key, v)
        {
            for (size_t i = 0; i < fj_signal_count(); i++)
                if (strcmp(fj_signal_name(i), key) == 0)
                    covered[i] = true;
        }
        json_decref(root);
    }
    free(line);
    fclose(f);
    for (size_t i = 0; i < fj_signal_count(); i++) {
        const char *name = fj_signal_name(i);
        if (strcmp(name, "repost_companies") == 0)
            continue; /* needs history stats: see history_stats_drive_reposts */
        cr_expect(covered[i], "no case in fire.jsonl makes %s fire", name);
    }
}

Test(signals, names_are_stable)
{
    static const char *const required[] = {"upfront_fee",      "vague_company", "offsite_contact",
                                           "personal_data",    "pay_anomaly",   "pressure_language",
                                           "posting_age_days", "reposts",       "repost_companies"};
    cr_assert_geq(fj_signal_count(), 9);
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        cr_expect_str_eq(fj_signal_name(i), required[i]);
    cr_assert_null(fj_signal_name(fj_signal_count()));
    for (size_t i = 0; i < fj_signal_count(); i++)
        for (size_t j = i + 1; j < fj_signal_count(); j++)
            cr_expect(strcmp(fj_signal_name(i), fj_signal_name(j)) != 0);
}

Test(signals, argument_and_input_errors)
{
    const fj_signal *s = (const fj_signal *)1;
    size_t n = 7;
    cr_assert_eq(fj_signals(NULL, p, NULL, &s, &n, &err), FJ_ERR_ARGUMENT);
    cr_assert_null(s);
    cr_assert_eq(n, 0);
    cr_assert_eq(fj_signals(ctx, NULL, NULL, &s, &n, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_signals(ctx, p, NULL, NULL, &n, &err), FJ_ERR_ARGUMENT);
    /* an empty posting cannot be judged */
    cr_assert_eq(fj_signals(ctx, p, NULL, &s, &n, &err), FJ_ERR_INPUT);
    cr_assert(strstr(err.message, "title") || strstr(err.message, "description"), "%s",
              err.message);
    /* NULL err is allowed */
    cr_assert_eq(fj_signals(ctx, p, NULL, &s, &n, NULL), FJ_ERR_INPUT);
}

Test(signals, history_stats_drive_reposts)
{
    const char *json = "{\"title\":\"Picker\",\"company\":\"Fulton Storage\","
                       "\"description\":\"Pick orders.\",\"posted_at\":\"2025-02-01\","
                       "\"observed_at\":\"2025-03-01\"}";
    fj_history_stats h = {.seen_before = 3,
                          .distinct_companies = 2,
                          .first_seen = 1735689600 /* 2025-01-01 */,
                          .last_seen = 1738368000};
    const fj_signal *s;
    size_t n;
    cr_assert_eq(signals_of(json, &h, &s, &n), FJ_OK, "%s", err.message);
    const fj_signal *g = find(s, n, "reposts");
    cr_assert(g);
    cr_expect_eq(g->value, 3);
    g = find(s, n, "repost_companies");
    cr_assert(g);
    cr_expect_eq(g->value, 2);
    g = find(s, n, "posting_age_days");
    cr_assert(g);
    cr_expect_eq(g->value, 59, "age counts from the first sighting, before posted_at");

    /* one company among the earlier sightings, none before: no repost_companies / reposts */
    h.distinct_companies = 1;
    cr_assert_eq(signals_of(json, &h, &s, &n), FJ_OK);
    cr_expect_null(find(s, n, "repost_companies"));
    cr_expect_not_null(find(s, n, "reposts"));
    fj_history_stats none = {0};
    cr_assert_eq(signals_of(json, &none, &s, &n), FJ_OK);
    cr_expect_null(find(s, n, "reposts"));
    cr_expect_null(find(s, n, "repost_companies"));
    g = find(s, n, "posting_age_days");
    cr_assert(g);
    cr_expect_eq(g->value, 28);
}

Test(signals, default_now_is_the_context_clock)
{
    const char *json = "{\"title\":\"Picker\",\"company\":\"Fulton Storage\","
                       "\"description\":\"Pick orders.\",\"posted_at\":\"2025-02-19\"}";
    const fj_signal *s;
    size_t n;
    cr_assert_eq(signals_of(json, NULL, &s, &n), FJ_OK);
    const fj_signal *g = find(s, n, "posting_age_days");
    cr_assert(g);
    cr_expect_eq(g->value, 10);
}

Test(signals, context_reuse_does_not_leak_between_postings)
{
    const fj_signal *s;
    size_t n;
    cr_assert_eq(signals_of("{\"title\":\"客服\",\"description\":\"入职前需缴纳培训费198元，"
                            "加我微信详聊。急聘！\"}",
                            NULL, &s, &n),
                 FJ_OK);
    cr_assert_not_null(find(s, n, "upfront_fee"));
    cr_assert_not_null(find(s, n, "offsite_contact"));
    cr_assert_eq(signals_of("{\"title\":\"Accountant\",\"company\":\"Marlow Analytics Ltd\","
                            "\"description\":\"Maintain the general ledger.\"}",
                            NULL, &s, &n),
                 FJ_OK);
    cr_expect_null(find(s, n, "upfront_fee"));
    cr_expect_null(find(s, n, "offsite_contact"));
    cr_expect_null(find(s, n, "pressure_language"));
}

Test(signals, strongest_evidence_is_kept)
{
    /* a fee with an amount beats one without; the value counts fee types */
    const fj_signal *s;
    size_t n;
    cr_assert_eq(signals_of("{\"title\":\"店员\",\"description\":\"需要押金。\\n"
                            "另收培训费300元。\"}",
                            NULL, &s, &n),
                 FJ_OK);
    const fj_signal *g = find(s, n, "upfront_fee");
    cr_assert(g);
    cr_expect_eq(g->value, 2);
    cr_assert(g->evidence);
    cr_expect_str_eq(g->evidence, "另收培训费300元");
    cr_expect_eq(g->field, FJ_FIELD_DESCRIPTION);
}

Test(signals, long_evidence_is_trimmed_around_the_match)
{
    char json[4096];
    char filler[1600] = "";
    for (int i = 0; i < 60; i++)
        strcat(filler, "工作环境好");
    snprintf(json, sizeof json, "{\"title\":\"店员\",\"description\":\"%s入职需交押金500元%s\"}",
             filler, filler);
    const fj_signal *s;
    size_t n;
    cr_assert_eq(signals_of(json, NULL, &s, &n), FJ_OK);
    const fj_signal *g = find(s, n, "upfront_fee");
    cr_assert(g && g->evidence);
    cr_expect_leq(g->evidence_len, 130);
    cr_expect(strstr(g->evidence, "押金"), "%s", g->evidence);
    cr_expect_eq(fj__utf8_check(g->evidence, g->evidence_len, true), (long long)g->evidence_len,
                 "evidence is cut inside a character");
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Dense hostile text (every clause full of fee terms, cancel cues, pay figures, contact names)
 * stays linear: nothing compares every match with every other. */
Test(signals, dense_hostile_text_is_fast)
{
    static const char *const units[] = {"押金不收培训费免费月薪100元/月微信:ab_12345，",
                                        "fee no fee $100/day whatsapp reship* ", "1、2、3、4、5、"};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t ulen = strlen(units[u]), n = (200u << 10) / ulen;
        char *text = malloc(n * ulen + 1);
        cr_assert(text);
        for (size_t i = 0; i < n; i++)
            memcpy(text + i * ulen, units[u], ulen);
        text[n * ulen] = '\0';
        fj_posting_clear(p);
        cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, text, n * ulen, &err), FJ_OK,
                     "%s", err.message);
        free(text);
        const fj_signal *s;
        size_t ns;
        double t0 = cpu_seconds();
        cr_assert_eq(fj_signals(ctx, p, NULL, &s, &ns, &err), FJ_OK, "%s", err.message);
        double dt = cpu_seconds() - t0;
        cr_expect_lt(dt, 2.0, "unit %zu: 200 KB took %.2f s", u, dt);
    }
}

/* ---- registration numbers (uscc.c) ---- */

Test(signals, uscc_check_character)
{
    cr_expect_eq(fj__uscc_check_char("91110108MA01C2XY3"), '5');
    cr_expect_eq(fj__uscc_check_char("91440300MA5F8K2L0"), 'E');
    cr_expect_eq(fj__uscc_check_char("91110108MA01C2XI3"), 0, "I is not in the charset");
    cr_expect_eq(fj__reg_check("91110108MA01C2XY35", 18), FJ_REG_VALID);
    cr_expect_eq(fj__reg_check("91440300ma5f8k2l0e", 18), FJ_REG_VALID, "lower case");
    cr_expect_eq(fj__reg_check("9144 0300 MA5F 8K2L 0E", 22), FJ_REG_VALID, "spaces");
    cr_expect_eq(fj__reg_check("91110108MA01C2XY36", 18), FJ_REG_BAD_CHECK);
    cr_expect_eq(fj__reg_check("91110108MA01C2XY3O", 18), FJ_REG_MALFORMED, "O not allowed");
    cr_expect_eq(fj__reg_check("110108001234569", 15), FJ_REG_VALID);
    cr_expect_eq(fj__reg_check("110108001234568", 15), FJ_REG_BAD_CHECK);
    cr_expect_eq(fj__reg_check("9111010812345", 13), FJ_REG_MALFORMED);
    cr_expect_eq(fj__reg_check("12345678", 8), FJ_REG_NOT_CHINESE);
    cr_expect_eq(fj__reg_check("HRB 12345", 9), FJ_REG_NOT_CHINESE);
    cr_expect_eq(fj__reg_check("统一社会信用代码", strlen("统一社会信用代码")), FJ_REG_NOT_CHINESE);
}

/* ---- pay figures (text/quantity.c, given the pay_period.txt cues) ---- */

static size_t money_in(const char *text, fj__money *out, size_t cap)
{
    fj__lexicon *lx;
    cr_assert_eq(fj__lexicon_build(ctx, &lx, &err), FJ_OK, "%s", err.message);
    fj_normtext nt = {0};
    cr_assert_eq(fj__normalize_into(ctx, text, strlen(text), &nt, &err), FJ_OK);
    fj__matchvec mv = {0};
    cr_assert(fj__lexicon_scan(lx, nt.text.data, nt.text.len, &mv));
    fj__period_cue cues[64];
    size_t nc = 0;
    static const struct {
        unsigned tag;
        fj__period period;
    } per[] = {{FJ_TAG_HOUR, FJ_PERIOD_HOUR},
               {FJ_TAG_DAY, FJ_PERIOD_DAY},
               {FJ_TAG_WEEK, FJ_PERIOD_WEEK},
               {FJ_TAG_MONTH, FJ_PERIOD_MONTH},
               {FJ_TAG_YEAR, FJ_PERIOD_YEAR}};
    for (size_t k = 0; k < mv.n && nc < 64; k++) {
        const fj__lex_entry *le = &fj__lex_entries[mv.v[k].entry];
        if (le->lex != FJ_LEX_PAY_PERIOD)
            continue;
        for (size_t j = 0; j < 5; j++)
            if (per[j].tag == le->tag)
                cues[nc++] = (fj__period_cue){mv.v[k].start, mv.v[k].end, (uint8_t)per[j].period};
    }
    size_t n = fj__money_scan(nt.text.data, nt.text.len, cues, nc, false, out, cap);
    fj__matchvec_free(&mv);
    fj__normtext_free(&nt);
    fj__lexicon_free(lx);
    return n;
}

Test(signals, pay_figures)
{
    fj__money m[8];
    cr_assert_eq(money_in("8000-12000元/月", m, 8), 1);
    cr_expect_eq(m[0].lo, 8000);
    cr_expect_eq(m[0].hi, 12000);
    cr_expect_eq(m[0].period, FJ_PERIOD_MONTH);
    cr_expect(m[0].currency && !m[0].dollars);

    cr_assert_eq(money_in("月薪8千", m, 8), 1);
    cr_expect_eq(m[0].hi, 8000);
    cr_expect_eq(m[0].period, FJ_PERIOD_MONTH);
    cr_assert_eq(money_in("保底3千5", m, 8), 1);
    cr_expect_eq(m[0].hi, 3500);
    cr_assert_eq(money_in("1-1.5万", m, 8), 1);
    cr_expect_eq(m[0].lo, 10000);
    cr_expect_eq(m[0].hi, 15000);
    cr_assert_eq(money_in("日结300", m, 8), 1);
    cr_expect_eq(m[0].period, FJ_PERIOD_DAY);
    cr_assert_eq(money_in("$25/hour", m, 8), 1);
    cr_expect(m[0].dollars);
    cr_expect_eq(m[0].period, FJ_PERIOD_HOUR);
    cr_assert_eq(money_in("$40,000 - $60,000 per year", m, 8), 1);
    cr_expect_eq(m[0].lo, 40000);
    cr_expect_eq(m[0].hi, 60000);
    cr_expect_eq(m[0].period, FJ_PERIOD_YEAR);
    cr_assert_eq(money_in("10-15k", m, 8), 1);
    cr_expect_eq(m[0].lo, 10000);
    cr_expect_eq(m[0].hi, 15000);

    /* not pay: ages, hours, headcounts, dates, plain counts */
    cr_expect_eq(money_in("年龄16-45岁，每天工作8小时，招20人，2025-03-01入职", m, 8), 0);
    cr_expect_eq(money_in("We operate 1,600 daily flights", m, 8), 0);
    cr_expect_eq(money_in("5 years of experience", m, 8), 0);
    cr_expect_eq(fj__monthly(100, FJ_PERIOD_DAY), 2200);
    cr_expect_eq(fj__monthly(120000, FJ_PERIOD_YEAR), 10000);
}

/* ---- the lexicons ---- */

Test(signals, lexicons_compile_and_match_normalized_text)
{
    fj__lexicon *lx;
    cr_assert_eq(fj__lexicon_build(ctx, &lx, &err), FJ_OK, "%s", err.message);
    cr_assert_gt(fj__lex_entry_count, 500);
    fj_normtext nt = {0};
    fj__matchvec mv = {0};
    /* full-width "ＱＱ" and Traditional "訓" are found through normalization */
    const char *text = "加ＱＱ群，培訓費";
    cr_assert_eq(fj__normalize_into(ctx, text, strlen(text), &nt, &err), FJ_OK);
    cr_assert(fj__lexicon_scan(lx, nt.text.data, nt.text.len, &mv));
    bool qq = false, fee = false;
    for (size_t i = 0; i < mv.n; i++) {
        const fj__lex_entry *le = &fj__lex_entries[mv.v[i].entry];
        qq |= le->lex == FJ_LEX_CONTACT && le->tag == FJ_TAG_QQ;
        fee |= le->lex == FJ_LEX_FEE && le->tag == FJ_TAG_TRAINING;
        cr_expect(mv.v[i].end <= nt.text.len && mv.v[i].start < mv.v[i].end);
        if (i)
            cr_expect(mv.v[i].start >= mv.v[i - 1].start, "matches come in text order");
    }
    cr_expect(qq, "QQ group not found");
    cr_expect(fee, "培訓費 not found");
    /* word boundaries: "kik" in "kicking" or "sms" in "smsx" must not match */
    mv.n = 0;
    const char *en = "kicking smsx ssnx";
    cr_assert_eq(fj__normalize_into(ctx, en, strlen(en), &nt, &err), FJ_OK);
    cr_assert(fj__lexicon_scan(lx, nt.text.data, nt.text.len, &mv));
    for (size_t i = 0; i < mv.n; i++) {
        const fj__lex_entry *le = &fj__lex_entries[mv.v[i].entry];
        cr_expect(le->lex != FJ_LEX_CONTACT && le->lex != FJ_LEX_PERSONAL,
                  "'%s' matched inside a word", le->phrase);
    }
    fj__matchvec_free(&mv);
    fj__normtext_free(&nt);
    fj__lexicon_free(lx);
}
