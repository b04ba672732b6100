/*
 * test_title_duty.c - title_duty_mismatch (bait-and-switch) from the shipped detectors: it fires
 * on an office or service title whose duties sell, recruit or pay by commission only, even when
 * no phrase of its lexicons is in the posting; not on a title that names the selling, not on
 * an honest clerk or customer-service job, not on duties that are negated ("you will never cold
 * call ..."); its evidence is the selling clause, verbatim, in the field it came from.
 */
#include "core/fj_internal.h"
#include "signals/clauses.h"
#include "text/text.h"

#include <criterion/criterion.h>
#include <jansson.h>
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

TestSuite(title_duty, .init = setup, .fini = teardown);

/* title_duty_mismatch of a posting made of a title and a description, or NULL. */
static const fj_signal *mismatch(const char *lang, const char *title, const char *description)
{
    json_t *o = json_pack("{ssssss}", "lang", lang, "title", title, "description", description);
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
        if (strcmp(sig[i].name, "title_duty_mismatch") == 0)
            return &sig[i];
    return NULL;
}

/* Whether normalized `text` holds a phrase of bait_duty.txt (the duties the keyword rule knew). */
static bool has_duty_phrase(const char *text)
{
    fj__lexicon *lex = NULL;
    cr_assert_eq(fj__lexicon_build(ctx, &lex, &err), FJ_OK);
    fj_normtext nt = {0};
    cr_assert_eq(fj__normalize_into(ctx, text, strlen(text), &nt, &err), FJ_OK);
    fj__matchvec mv = {0};
    cr_assert(fj__lexicon_scan(lex, nt.text.data, nt.text.len, &mv));
    bool found = false;
    for (size_t i = 0; i < mv.n; i++) {
        unsigned l = fj__lex_entries[mv.v[i].entry].lex;
        found = found || l == FJ_LEX_BAIT_DUTY;
    }
    fj__matchvec_free(&mv);
    fj__normtext_free(&nt);
    fj__lexicon_free(lex);
    return found;
}

/* title_duty_mismatch fires on none of the postings {lang, title, description}. */
static void expect_silent(const char *const (*cases)[3], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const fj_signal *g = mismatch(cases[i][0], cases[i][1], cases[i][2]);
        cr_expect_null(g, "fired on '%s' (evidence '%s')", cases[i][1],
                       g && g->evidence ? g->evidence : "");
    }
}

Test(title_duty, fires_on_a_switch_no_lexicon_lists)
{
    static const char *const cases[][3] = {
        {"zh", "行政文员",
         "公司环境好，同事友善。主要工作是给企业老板介绍我们的经营周转方案，签约后按金额拿提成。"},
        {"zh", "前台接待",
         "负责来访登记。实际每天要给名单上的客户打电话，推荐他们办理我们的分期借款。五险一金。"},
        {"en", "Office Assistant",
         "Friendly office, flexible hours. Your job is to get homeowners to sign up for our roof "
         "financing program; you are paid per signed contract."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* the duty is in no list: the learned duty class finds it */
        cr_expect(!has_duty_phrase(cases[i][2]), "'%s' holds a bait_duty.txt phrase", cases[i][2]);
        const fj_signal *g = mismatch(cases[i][0], cases[i][1], cases[i][2]);
        cr_expect_not_null(g, "no title_duty_mismatch on '%s' / '%s'", cases[i][1], cases[i][2]);
        if (g)
            cr_expect_geq(g->value, 1);
    }
}

Test(title_duty, evidence_is_the_selling_clause)
{
    const char *desc = "Greet visitors and answer the phones. Most of your day, though, is spent "
                       "calling leads to sell our debt relief plans. Benefits include parking.";
    const fj_signal *g = mismatch("en", "Receptionist", desc);
    cr_assert_not_null(g);
    cr_expect_eq(g->field, FJ_FIELD_DESCRIPTION);
    cr_assert_not_null(g->evidence);
    cr_assert_eq(strlen(g->evidence), g->evidence_len);
    /* verbatim, at the selling clause's offset, and nothing of the clauses around it */
    const char *at = strstr(desc, g->evidence);
    cr_assert_not_null(at, "evidence '%s' is not in the description", g->evidence);
    cr_expect_eq((size_t)(at - desc), (size_t)(strstr(desc, "Most of your day") - desc));
    cr_expect_not_null(strstr(g->evidence, "sell our debt relief plans"), "%s", g->evidence);
    cr_expect_null(strstr(g->evidence, "Greet"), "%s", g->evidence);
    cr_expect_null(strstr(g->evidence, "parking"), "%s", g->evidence);

    const char *zh = "负责来访登记。实际每天要给名单上的客户打电话，推荐他们办理我们的分期借款。"
                     "五险一金。";
    g = mismatch("zh", "前台接待", zh);
    cr_assert_not_null(g);
    at = strstr(zh, g->evidence);
    cr_assert_not_null(at, "evidence '%s' is not in the description", g->evidence);
    cr_expect_eq((size_t)(at - zh), (size_t)(strstr(zh, "实际每天") - zh));
    cr_expect_null(strstr(g->evidence, "来访登记"), "%s", g->evidence);
}

Test(title_duty, honest_sales_titles_do_not_fire)
{
    static const char *const cases[][3] = {
        {"zh", "保险销售顾问", "向客户销售重疾险和医疗险，维护老客户，完成月度保费目标。"},
        {"zh", "信贷经理", "开发有贷款需求的客户并促成放款。"},
        {"en", "Life Insurance Sales Agent",
         "Sell life insurance policies to families and meet your monthly sales targets. "
         "Commission only."},
        {"en", "Loan Officer", "Help borrowers apply for mortgages and close loans."},
    };
    expect_silent(cases, sizeof cases / sizeof cases[0]);
}

Test(title_duty, honest_office_jobs_do_not_fire)
{
    static const char *const cases[][3] = {
        {"zh", "客服专员", "负责接听客户来电，处理订单和物流问题，记录客户反馈。"},
        {"zh", "行政文员", "负责文件整理归档、会议安排和办公用品采购，协助销售部门整理合同。"},
        {"en", "Administrative Assistant",
         "Manage calendars, prepare documents and order supplies. Support the sales team with "
         "contract paperwork."},
        {"en", "Customer Service Representative",
         "Answer customer calls about orders, shipping and returns, and log feedback."},
    };
    expect_silent(cases, sizeof cases / sizeof cases[0]);
}

Test(title_duty, negated_duties_do_not_fire)
{
    /* the same duty fires, and its negation does not (the detectors' negation scope) */
    cr_expect_not_null(mismatch("en", "Customer Service Representative",
                                "You will cold call leads and sell our debt relief plans."));
    cr_expect_null(mismatch("en", "Customer Service Representative",
                            "You will never cold call leads or sell our debt relief plans."));
    cr_expect_not_null(mismatch("zh", "客服专员", "每天给客户打电话推销我们的贷款产品。"));
    cr_expect_null(mismatch("zh", "客服专员", "不需要给客户打电话推销任何贷款产品。"));
    cr_expect_null(mismatch("en", "Customer Service Representative",
                            "No cold calling, and you will not sell our debt relief plans."));
}

Test(title_duty, older_detector_files_are_refused_with_a_version_error)
{
    unsigned char *b = malloc(fj__default_detectors_len);
    cr_assert_not_null(b);
    memcpy(b, fj__default_detectors, fj__default_detectors_len);
    b[8] = 1; /* format 1: the three classes before title_duty_mismatch's */
    fj_detectors *d = NULL;
    char path[] = "/tmp/fj-test-tdm.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, b, fj__default_detectors_len), (ssize_t)fj__default_detectors_len);
    close(fd);
    cr_expect_eq(fj_detectors_load(&d, path, &err), FJ_ERR_VERSION);
    cr_expect_not_null(strstr(err.message, "older"), "%s", err.message);
    cr_expect_not_null(strstr(err.message, "train-signals"), "%s", err.message);
    cr_expect_null(d);
    remove(path);
    free(b);
}
