/*
 * test_clauses.c - the clause detectors: the splitter's clauses and offsets on golden cases,
 * detector files that are refused with a clear error (truncated, altered, newer, not one at
 * all), the save/load round trip, "we never charge" statements that never fire upfront_fee,
 * questions answered "no" (押金？没有的事) that fire nothing while questions answered with an
 * amount still do, chat apps in disguise (W h a t s A p p, t3legram), and the shipped detectors
 * firing on the clauses they were trained on (corpus/clauses).
 */
#include "core/fj_internal.h"
#include "signals/clauses.h"
#include "text/text.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static fj_context *ctx;
static fj_error err;

static void setup(void)
{
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
}

static void teardown(void)
{
    fj_context_free(ctx);
}

TestSuite(clauses, .init = setup, .fini = teardown);

/* Split `text` and compare the clauses (as normalized text) with `want` (NULL-terminated);
 * `weak` gives each clause's weak flag as '1'/'0'. */
static void expect_split(const char *text, const char *const *want, const char *weak)
{
    fj_normtext nt = {0};
    cr_assert_eq(fj__normalize_into(ctx, text, strlen(text), &nt, &err), FJ_OK);
    fj__dclausevec cv = {0};
    cr_assert(fj__clause_split(nt.text.data, nt.text.len, nt.orig, text, strlen(text), &cv));
    size_t n = 0;
    while (want[n])
        n++;
    cr_expect_eq(cv.n, n, "%s: %zu clauses, expected %zu", text, cv.n, n);
    for (size_t i = 0; i < cv.n && i < n; i++) {
        size_t len = cv.v[i].b - cv.v[i].a;
        cr_expect(len == strlen(want[i]) && memcmp(nt.text.data + cv.v[i].a, want[i], len) == 0,
                  "%s: clause %zu is '%.*s', expected '%s'", text, i, (int)len,
                  nt.text.data + cv.v[i].a, want[i]);
        cr_expect_eq(cv.v[i].weak, weak[i] == '1', "%s: clause %zu weak flag", text, i);
    }
    fj__clausevec_free(&cv);
    fj__normtext_free(&nt);
}

Test(clauses, splitter_golden_cases)
{
    expect_split("入职前需缴纳培训费198元，加我微信详聊。",
                 (const char *const[]){"入职前需缴纳培训费198元", "加我微信详聊", NULL}, "01");
    expect_split("We never charge fees. Apply online!",
                 (const char *const[]){"we never charge fees", "apply online", NULL}, "00");
    expect_split("职责：\n1、接待客户\n2、整理资料；按时上班",
                 (const char *const[]){"职责:", "1、接待客户", "2、整理资料", "按时上班", NULL},
                 "0000");
    expect_split("Pay is $25.50/hour, weekly",
                 (const char *const[]){"pay is $25.50/hour, weekly", NULL}, "0");
    expect_split(
        "Maintain the processes.Next we grow【福利】包吃住",
        (const char *const[]){"maintain the processes.", "next we grow", "福利", "包吃住", NULL},
        "0000");
    /* a camel-case app name glues no sentence; a stripped-markup join still does */
    expect_split("Message me on WhatsApp +1 917 555 0136",
                 (const char *const[]){"message me on whatsapp +1 917 555 0136", NULL}, "0");
    expect_split("Find us on LinkedIn or PayPal",
                 (const char *const[]){"find us on linkedin or paypal", NULL}, "0");
    expect_split("Use our appNow apply", (const char *const[]){"use our app", "now apply", NULL},
                 "00");
    expect_split("", (const char *const[]){NULL}, "");
    expect_split(" 。！ ", (const char *const[]){NULL}, "");
}

Test(clauses, splitter_offsets_and_long_clauses)
{
    /* offsets are normalized bytes: full-width ＱＱ folds to qq, so the second clause moves */
    const char *text = "ＱＱ：12345，在家做";
    fj_normtext nt = {0};
    cr_assert_eq(fj__normalize_into(ctx, text, strlen(text), &nt, &err), FJ_OK);
    fj__dclausevec cv = {0};
    cr_assert(fj__clause_split(nt.text.data, nt.text.len, nt.orig, text, strlen(text), &cv));
    cr_assert_eq(cv.n, 2);
    cr_expect_eq(cv.v[0].a, 0);
    cr_expect_eq(cv.v[0].b, 8); /* "qq:12345" */
    cr_expect_eq(cv.v[1].a, 9);
    cr_expect_eq(nt.orig[cv.v[1].a], strlen("ＱＱ：12345，"));
    /* a clause with no punctuation is cut at FJ_CLS_MAX_CLAUSE_BYTES, at a character boundary */
    char big[4000] = "";
    for (int i = 0; i < 300; i++)
        strcat(big, "好");
    cr_assert_eq(fj__normalize_into(ctx, big, strlen(big), &nt, &err), FJ_OK);
    cr_assert(fj__clause_split(nt.text.data, nt.text.len, nt.orig, big, strlen(big), &cv));
    cr_expect_geq(cv.n, 2);
    for (size_t i = 0; i < cv.n; i++) {
        cr_expect_leq(cv.v[i].b - cv.v[i].a, FJ_CLS_MAX_CLAUSE_BYTES + 3);
        cr_expect_eq((cv.v[i].a % 3), 0, "cut inside a character");
    }
    fj__clausevec_free(&cv);
    fj__normtext_free(&nt);
}

/* The serialized bytes of the compiled-in detectors. */
static fj_buf default_bytes(void)
{
    const fj_detectors *d = fj__ctx_detectors(ctx, &err);
    cr_assert_not_null(d, "%s", err.message);
    fj_buf b = {0};
    cr_assert(fj__detectors_serialize(d, &b));
    return b;
}

static fj_status load_bytes(const void *data, size_t len, fj_detectors **d)
{
    fj_error_clear(&err);
    return fj_detectors_load_memory(d, data, len, &err);
}

/* The compiled-in detectors are read without hashing them (fj__detectors_parse_builtin): their
 * checksum is checked here instead, and a copy with one bit flipped is refused by the checked
 * reader while the built-in reader's result is the same detectors as the checked one's. */
Test(clauses, default_detectors_checksum)
{
    fj_detectors *d = NULL, *e = NULL;
    cr_assert_eq(fj__detectors_parse(&d, fj__default_detectors, fj__default_detectors_len,
                                     "compiled-in", &err),
                 FJ_OK, "the compiled-in detectors' checksum: %s", err.message);
    cr_assert_eq(fj__detectors_parse_builtin(&e, &err), FJ_OK, "%s", err.message);
    fj_buf bd = {0}, be = {0};
    cr_assert(fj__detectors_serialize(d, &bd) && fj__detectors_serialize(e, &be));
    cr_expect(bd.len == be.len && memcmp(bd.data, be.data, bd.len) == 0);
    unsigned char *copy = malloc(fj__default_detectors_len);
    cr_assert_not_null(copy);
    memcpy(copy, fj__default_detectors, fj__default_detectors_len);
    copy[fj__default_detectors_len / 2] ^= 0x10;
    fj_detectors *f = NULL;
    cr_expect_eq(load_bytes(copy, fj__default_detectors_len, &f), FJ_ERR_MODEL);
    cr_expect(strstr(err.message, "checksum") != NULL, "%s", err.message);
    cr_expect_null(f);
    free(copy);
    fj__buf_free(&bd);
    fj__buf_free(&be);
    fj_detectors_free(d);
    fj_detectors_free(e);
}

Test(clauses, detector_file_round_trip)
{
    fj_buf b = default_bytes();
    cr_expect_eq(b.len, fj__default_detectors_len);
    cr_expect(memcmp(b.data, fj__default_detectors, b.len) == 0, "serialize(parse(x)) != x");
    char path[] = "/tmp/fj-test-det.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    fj_detectors *d = NULL, *e = NULL;
    cr_assert_eq(load_bytes(b.data, b.len, &d), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_detectors_save(d, path, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_detectors_load(&e, path, &err), FJ_OK, "%s", err.message);
    cr_expect_str_eq(fj_detectors_report(e), fj_detectors_report(d));
    cr_expect_neq(strstr(fj_detectors_report(e), "cv_recall"), NULL);
    fj_detectors_free(d);
    fj_detectors_free(e);
    fj_detectors_free(NULL);
    remove(path);
    fj__buf_free(&b);
}

Test(clauses, bad_detector_files_are_refused)
{
    fj_buf b = default_bytes();
    fj_detectors *d = NULL;
    /* not a detector file */
    cr_expect_eq(load_bytes("hello world, not detectors", 26, &d), FJ_ERR_MODEL);
    cr_expect_neq(strstr(err.message, "not a fakejob clause detector file"), NULL, "%s",
                  err.message);
    cr_expect_null(d);
    cr_expect_eq(load_bytes("", 0, &d), FJ_ERR_MODEL);
    /* truncated: in the header, and in the payload */
    cr_expect_eq(load_bytes(b.data, 20, &d), FJ_ERR_MODEL);
    cr_expect_neq(strstr(err.message, "truncated"), NULL, "%s", err.message);
    cr_expect_eq(load_bytes(b.data, b.len - 1, &d), FJ_ERR_MODEL);
    cr_expect_neq(strstr(err.message, "truncated or extended"), NULL, "%s", err.message);
    /* altered: one payload byte flipped */
    char *alt = malloc(b.len);
    cr_assert_not_null(alt);
    memcpy(alt, b.data, b.len);
    alt[b.len / 2] ^= 0x40;
    cr_expect_eq(load_bytes(alt, b.len, &d), FJ_ERR_MODEL);
    cr_expect_neq(strstr(err.message, "checksum mismatch"), NULL, "%s", err.message);
    /* a newer format */
    memcpy(alt, b.data, b.len);
    alt[8] = 9;
    cr_expect_eq(load_bytes(alt, b.len, &d), FJ_ERR_VERSION);
    cr_expect_neq(strstr(err.message, "newer"), NULL, "%s", err.message);
    /* an older format (format 1 hashed other n-grams: its weights would be read as noise) */
    memcpy(alt, b.data, b.len);
    alt[8] = 1;
    cr_expect_eq(load_bytes(alt, b.len, &d), FJ_ERR_VERSION);
    cr_expect_neq(strstr(err.message, "older"), NULL, "%s", err.message);
    cr_expect_null(d);
    /* features hashed another way */
    memcpy(alt, b.data, b.len);
    alt[12] = 18;
    cr_expect_eq(load_bytes(alt, b.len, &d), FJ_ERR_MODEL);
    cr_expect_null(d);
    free(alt);
    /* missing file; NULL arguments */
    cr_expect_eq(fj_detectors_load(&d, "/nonexistent/dir/x.fjd", &err), FJ_ERR_IO);
    cr_expect_neq(strstr(err.message, "/nonexistent/dir/x.fjd"), NULL);
    cr_expect_eq(fj_detectors_load(NULL, "x", &err), FJ_ERR_ARGUMENT);
    cr_expect_eq(fj_detectors_save(NULL, "x", &err), FJ_ERR_ARGUMENT);
    cr_expect_eq(fj_context_set_detectors(NULL, NULL, &err), FJ_ERR_ARGUMENT);
    fj__buf_free(&b);
}

static const fj_signal *fired(const char *lang, const char *description, const char *name)
{
    json_t *o = json_pack("{ssss}", "lang", lang, "description", description);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    cr_assert_eq(fj_posting_parse_json(p, s, strlen(s), &err), FJ_OK, "%s", err.message);
    free(s);
    const fj_signal *sig;
    size_t n;
    cr_assert_eq(fj_signals(ctx, p, NULL, &sig, &n, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
    for (size_t i = 0; i < n; i++)
        if (strcmp(sig[i].name, name) == 0)
            return &sig[i];
    return NULL;
}

Test(clauses, never_charge_statements_never_fire_upfront_fee)
{
    static const char *const zh[] = {
        "本公司招聘全程不收取任何费用，请勿相信任何收费要求。",
        "我们不会以任何名义向求职者收取培训费、押金、服装费。",
        "入职体检费用由公司承担，培训期间带薪。",
        "凡是要求先交钱的招聘均为诈骗，请提高警惕。",
        "免培训费，零押金，工服公司统一发放。",
        "公司绝不收取保证金、介绍费或任何其他费用。",
        "面试时若被要求缴纳体检费到个人账户，请拒绝并举报。",
        "叉车证培训费约1200元，由公司承担，员工无需出钱。",
        "设备都是公司免费提供的，没有押金。",
    };
    static const char *const en[] = {
        "You will never be asked to buy equipment, pay for training, or send money to anyone.",
        "We never charge applicants any fee at any stage of hiring.",
        "There is no application fee, no training fee and no deposit of any kind.",
        "Your background check and drug screen are paid for by the company.",
        "All training is paid training; uniforms and equipment are provided free of charge.",
        "Beware of scams: we will never ask you to pay for a starter kit or software.",
        "We do not charge candidates, and you will never be asked to purchase a kit or pay "
        "a registration fee.",
    };
    for (size_t i = 0; i < sizeof zh / sizeof zh[0]; i++) {
        const fj_signal *g = fired("zh", zh[i], "upfront_fee");
        cr_expect_null(g, "upfront_fee fired on '%s' (evidence '%s')", zh[i],
                       g && g->evidence ? g->evidence : "");
    }
    for (size_t i = 0; i < sizeof en / sizeof en[0]; i++) {
        const fj_signal *g = fired("en", en[i], "upfront_fee");
        cr_expect_null(g, "upfront_fee fired on '%s' (evidence '%s')", en[i],
                       g && g->evidence ? g->evidence : "");
    }
}

Test(clauses, asks_fire_with_the_clause_as_evidence)
{
    const fj_signal *g = fired("en",
                               "Great team. Before your first shift you must buy the $89 "
                               "starter kit, refunded with your first paycheck.",
                               "upfront_fee");
    cr_assert_not_null(g);
    cr_expect_neq(strstr(g->evidence, "starter kit"), NULL, "%s", g->evidence);
    cr_expect_eq(g->field, FJ_FIELD_DESCRIPTION);
    g = fired("zh", "工作轻松。报名后请把身份证正反面照片发给对接老师审核。", "personal_data");
    cr_assert_not_null(g);
    cr_expect_neq(strstr(g->evidence, "身份证正反面"), NULL, "%s", g->evidence);
    /* bringing the ID card to the interview is not a request for personal data */
    cr_expect_null(fired("zh", "面试时请携带身份证原件及学历证书。", "personal_data"));
    /* a chat service as a duty is not off-site contact */
    cr_expect_null(fired("zh", "通过微信、QQ等方式维护老客户，开发新客户。", "offsite_contact"));
    g = fired("zh", "详情加薇❤：abc_8899，备注应聘", "offsite_contact");
    cr_expect_not_null(g);
    /* a company's office phone is not off-site contact; a personal "text me" is */
    cr_expect_null(fired("en", "Call our office at (212) 555-0188 to schedule an interview.",
                         "offsite_contact"));
    cr_expect_null(
        fired("en", "For questions, call Marlow Analytics HR at 212-555-0188.", "offsite_contact"));
    cr_expect_not_null(fired("en", "Text me at (212) 555-0188 for details.", "offsite_contact"));
}

/* A question answered "no" by the next sentence (押金？没有的事; "Any fees? None, ever.") is no
 * ask; a question answered with an amount, a "yes" or a reassurance that is no answer still is. */
Test(clauses, questions_answered_no_do_not_fire)
{
    static const char *const no[][3] = {
        {"zh", "押金？没有的事，公司一分钱不收。", "upfront_fee"},
        {"zh", "培训费？不收！", "upfront_fee"},
        {"zh", "要交钱吗？不用，入职零费用。", "upfront_fee"},
        {"zh", "需要交服装费吗？无需，工服公司统一发放。", "upfront_fee"},
        {"en", "Any fees? None, ever.", "upfront_fee"},
        {"en", "Do I have to pay for training? No. Training is paid.", "upfront_fee"},
        {"en", "Is there a starter kit to buy? Nope, we provide everything.", "upfront_fee"},
        {"en", "Will you ask for my bank details before hiring? Never.", "personal_data"},
        {"en", "Should I send a photo of my ID? No, bring it on your first day.", "personal_data"},
        {"en", "Do we interview over Telegram? Never. Interviews are on Zoom.", "offsite_contact"},
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        const fj_signal *g = fired(no[i][0], no[i][1], no[i][2]);
        cr_expect_null(g, "%s fired on '%s' (evidence '%s')", no[i][2], no[i][1],
                       g && g->evidence ? g->evidence : "");
    }
    static const char *const yes[][3] = {
        {"zh", "押金？有的，需交200元，离职退还。", "upfront_fee"},
        {"zh", "培训费？不多，只要300元。", "upfront_fee"},
        {"zh", "要交押金吗？没关系，押金从第一个月工资里扣。", "upfront_fee"},
        {"en", "Is there a fee? Yes, a one-time $60 registration fee.", "upfront_fee"},
        {"en", "Any fees? No, just the $49 starter kit.", "upfront_fee"},
        {"en",
         "Can't afford the $99 starter kit? No problem, we deduct it from your first paycheck.",
         "upfront_fee"},
        {"en", "Any questions? Text me on WhatsApp at +1 415 555 0188.", "offsite_contact"},
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        cr_expect_not_null(fired(yes[i][0], yes[i][1], yes[i][2]), "%s did not fire on '%s'",
                           yes[i][2], yes[i][1]);
}

/* Chat apps and free-mail providers written to dodge filters are read as what they are. */
Test(clauses, disguised_chat_apps_fire_offsite_contact)
{
    static const char *const en[] = {
        "Message me on W h a t s A p p for the full job details.",
        "Serious applicants only: t3legram @remote_data_jobs",
        "interviews happen on T.e.l.e.g.r.a.m only, handle is @lena_hr_team",
    };
    for (size_t i = 0; i < sizeof en / sizeof en[0]; i++)
        cr_expect_not_null(fired("en", en[i], "offsite_contact"), "no offsite_contact on '%s'",
                           en[i]);
    /* bare "app: number" lines, whose camel-case app name once cut the clause in two */
    static const char *const bare[] = {
        "WhatsApp: +1 917 555 0136",
        "Continue on WhatsApp: +1 (646) 555 0122, the portal is too slow.",
    };
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++)
        cr_expect_not_null(fired("en", bare[i], "offsite_contact"), "no offsite_contact on '%s'",
                           bare[i]);
    /* the word tables of the typed features are in the order their binary search needs */
    cr_expect(fj__clause_tables_sorted());
    /* the app as the product of a job, or a word that only contains a name, is not */
    cr_expect_null(fired("en", "Moderate our Discord community and answer members' questions.",
                         "offsite_contact"));
    cr_expect_null(fired("en", "Experience with signalling systems and deadline-driven work.",
                         "offsite_contact"));
}

/* The shipped detectors fire on most of the clauses they were trained on, and rarely on the
 * negatives (fj_detectors_eval through fj_signals). */
Test(clauses, held_in_clauses_fire)
{
    const char *files[3];
    char paths[3][1024];
    static const char *const names[] = {"zh-fee.jsonl", "zh-data-contact.jsonl", "en.jsonl"};
    for (int i = 0; i < 3; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/../corpus/clauses/%s", FJ_TEST_DATADIR, names[i]);
        files[i] = paths[i];
    }
    char *json = NULL;
    cr_assert_eq(fj_detectors_eval(ctx, files, 3, &json, &err), FJ_OK, "%s", err.message);
    json_t *o = json_loads(json, 0, NULL);
    cr_assert_not_null(o);
    json_t *figs = json_object_get(o, "clause_figures");
    cr_assert_eq(json_array_size(figs), 6, "%s", json);
    size_t i;
    json_t *f;
    json_array_foreach(figs, i, f)
    {
        double r = json_real_value(json_object_get(f, "recall"));
        double pr = json_real_value(json_object_get(f, "precision"));
        const char *name = json_string_value(json_object_get(f, "signal"));
        const char *lang = json_string_value(json_object_get(f, "lang"));
        cr_expect_geq(r, 0.70, "%s %s: held-in recall %.3f", lang, name, r);
        cr_expect_geq(pr, 0.95, "%s %s: held-in precision %.3f", lang, name, pr);
    }
    json_decref(o);
    free(json);
    /* an evaluation file that is neither clauses nor labelled postings */
    char path[] = "/tmp/fj-test-eval.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "{\"title\":\"x\"}\n", 14), 14);
    close(fd);
    const char *bad[1] = {path};
    cr_expect_eq(fj_detectors_eval(ctx, bad, 1, &json, &err), FJ_ERR_INPUT);
    cr_expect_neq(strstr(err.message, ":1:"), NULL, "%s", err.message);
    remove(path);
}

/* The features of clause c's window (c-1 and c) as signals.c scores them: clause c-1's
 * character n-grams up to its end (head), then fj__clause_features_after past them, are the
 * features of the window read whole, in the same order. */
static void expect_window_split(fj_lang lang, const char *text, bool want_head)
{
    fj_normtext nt = {0};
    cr_assert_eq(fj__normalize_into(ctx, text, strlen(text), &nt, &err), FJ_OK);
    fj__dclausevec cv = {0};
    cr_assert(fj__clause_split(nt.text.data, nt.text.len, nt.orig, text, strlen(text), &cv));
    const fj_token *tok;
    size_t ntok;
    cr_assert_eq(fj_tokenize_text(ctx, text, strlen(text), &tok, &ntok, &err), FJ_OK);
    size_t windows = 0, headed = 0; /* windows, those whose first clause gave n-grams */
    fj__featvec whole = {0}, first = {0}, tail = {0};
    for (size_t c = 1; c < cv.n; c++) {
        if (!cv.v[c].weak)
            continue;
        windows++;
        uint32_t a = cv.v[c - 1].a, b1 = cv.v[c - 1].b, a2 = cv.v[c].a, b = cv.v[c].b;
        size_t t0 = 0, t1, t2; /* tokens of clause c-1: [t0, t1); of the window: [t0, t2) */
        while (t0 < ntok && tok[t0].start < nt.orig[a])
            t0++;
        t1 = t2 = t0;
        while (t1 < ntok && tok[t1].start < nt.orig[a2])
            t1++;
        while (t2 < ntok && tok[t2].start < nt.orig[b])
            t2++;
        whole.n = first.n = tail.n = 0;
        fj__clause_head h = {0, 0};
        cr_assert(fj__clause_features(&whole, lang, nt.text.data, a, b, nt.orig, tok + t0, t2 - t0,
                                      NULL, 0));
        cr_assert(fj__clause_features_after(&first, lang, nt.text.data, a, b1, nt.orig, tok + t0,
                                            t1 - t0, NULL, 0, 0, &h, NULL));
        cr_assert(fj__clause_features_after(&tail, lang, nt.text.data, a, b, nt.orig, tok + t0,
                                            t2 - t0, NULL, 0, h.cps, NULL, NULL));
        headed += h.nfeat > 0;
        cr_assert_eq(whole.n, h.nfeat + tail.n, "%s: window %zu", text, c);
        cr_expect(memcmp(whole.v, first.v, h.nfeat * sizeof *whole.v) == 0, "%s: head", text);
        cr_expect(memcmp(whole.v + h.nfeat, tail.v, tail.n * sizeof *tail.v) == 0, "%s: tail",
                  text);
    }
    if (want_head)
        cr_expect_gt(headed, 0, "%s: no window with a head", text);
    fj__featvec_free(&whole);
    fj__featvec_free(&first);
    fj__featvec_free(&tail);
    fj__clausevec_free(&cv);
    fj__normtext_free(&nt);
}

Test(clauses, window_features_continue_the_first_clause)
{
    /* English commas part clauses only when full-width in the original */
    expect_window_split(FJ_LANG_EN,
                        "Pay a $50 fee first\xef\xbc\x8cthen call 212-555-0187 today"
                        "\xef\xbc\x8cor mail jobs@example.com\xef\xbc\x8cno experience",
                        true);
    /* clauses shorter than an English n-gram (4 code points with the pads): no head at all */
    expect_window_split(FJ_LANG_EN, "Hi\xef\xbc\x8c a\xef\xbc\x8c b2\xef\xbc\x8c x", false);
    expect_window_split(FJ_LANG_ZH,
                        "入职前需缴纳培训费198元，加我微信abc12345，QQ：12345678，"
                        "电话13812345678，好",
                        true);
    expect_window_split(FJ_LANG_ZH, "是，否，𠀀𠀁，好", true);
}

/* A posting of more than FJ_MAX_TOKENS tokens in all (each field under it): its tokens are not
 * to be had in one piece, so the detectors tokenize each field alone, and read the fee clause as
 * they read it in the same posting without the filler. */
Test(clauses, detectors_past_the_posting_token_limit)
{
    const char *desc = "You must pay a training fee of 500 dollars before you start, and send a "
                       "photo of your passport to our manager.";
    size_t fill = 240 * 1024;
    char *filler = malloc(fill + 1);
    cr_assert_not_null(filler);
    for (size_t i = 0; i < fill; i += 2) {
        filler[i] = 'a';
        filler[i + 1] = ' ';
    }
    filler[fill - 1] = 'a';
    filler[fill] = 0;
    fj_posting *p = NULL;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    char *want[2][3] = {{NULL}};
    for (int round = 0; round < 2; round++) {
        fj_posting_clear(p);
        cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_TITLE, "Data entry clerk", 16, &err), FJ_OK);
        cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, desc, strlen(desc), &err),
                     FJ_OK);
        if (round == 1) {
            /* in fields the detectors do not read */
            cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_COMPANY, filler, fill, &err), FJ_OK);
            cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_COMPANY_PROFILE, filler, fill, &err),
                         FJ_OK);
            const fj_token *tok;
            size_t ntok;
            cr_assert_eq(fj_tokenize_posting(ctx, p, &tok, &ntok, &err), FJ_ERR_LIMIT,
                         "the filler must pass the posting's token limit");
        }
        const fj_signal *s;
        size_t n;
        cr_assert_eq(fj_signals(ctx, p, NULL, &s, &n, &err), FJ_OK, "%s", err.message);
        for (int k = 0; k < 3; k++) {
            const char *name = k == 0   ? "upfront_fee"
                               : k == 1 ? "personal_data"
                                        : "offsite_contact";
            char buf[1024] = "absent";
            for (size_t i = 0; i < n; i++)
                if (s[i].name && strcmp(s[i].name, name) == 0)
                    snprintf(buf, sizeof buf, "%g %.*s", s[i].value, (int)s[i].evidence_len,
                             s[i].evidence ? s[i].evidence : "");
            if (round == 0) {
                want[0][k] = strdup(buf);
            } else {
                cr_expect_str_eq(buf, want[0][k], "%s past the token limit: '%s', not '%s'", name,
                                 buf, want[0][k]);
                free(want[0][k]);
            }
        }
        if (round == 0)
            cr_expect_str_neq(want[0][0], "absent", "the fee clause fires upfront_fee");
    }
    fj_posting_free(p);
    free(filler);
}
