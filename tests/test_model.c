/*
 * test_model.c - models: training on the hand-written corpus in tests/data/train, scoring with
 * calibrated scores and explanations, save/load round trips, corrupted and newer bundles
 * refused with the right status, the primal weights against libsvm's own decision values,
 * reproducible retraining, datasets (labels, groups, history replay) and cross-validation.
 */
#include "bundle_util.h"

#include "core/json.h"
#include "model/model.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRAIN_DIR FJ_TEST_DATADIR "/data/train"

static fj_error err;

static fj_dataset *corpus(void)
{
    fj_dataset *d;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    const char *files[] = {TRAIN_DIR "/en.jsonl", TRAIN_DIR "/zh.jsonl",
                           TRAIN_DIR "/reposts.jsonl"};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(fj_dataset_add_file(d, files[i], NULL, &err), FJ_OK, "%s", err.message);
    return d;
}

static fj_model *train_with(const fj_dataset *d, fj_kernel kernel, double C, int threads)
{
    fj_train_params p;
    fj_train_params_init(&p);
    p.kernel = kernel;
    p.C = C;
    p.gamma = kernel == FJ_KERNEL_RBF ? 0.5 : 0;
    p.threads = threads;
    p.name = "test-model";
    p.version = "0.0.1";
    fj_model *m = NULL;
    cr_assert_eq(fj_train(&m, d, &p, &err), FJ_OK, "%s", err.message);
    return m;
}

static fj_posting *posting(const char *json)
{
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    cr_assert_eq(fj_posting_parse_json(p, json, strlen(json), &err), FJ_OK, "%s", err.message);
    return p;
}

/* Postings not in the training corpus. */
static const char *EN_SCAM =
    "{\"id\":\"t-en-scam\",\"title\":\"Work from home data entry\",\"description\":\"Earn "
    "$900 per week from home typing forms. You must pay a $75 registration fee for the training "
    "kit before you start. Contact us on WhatsApp, only a few spots left!\","
    "\"contact\":\"quickjobs.hiring@gmail.com\"}";
static const char *EN_HONEST =
    "{\"id\":\"t-en-ok\",\"title\":\"Accounts Payable Clerk\",\"company\":\"Riverside "
    "Medical Group\",\"company_profile\":\"A network of six clinics in Ohio.\","
    "\"description\":\"Process vendor invoices, reconcile statements and support the month-end "
    "close with our finance team.\",\"requirements\":\"Associate degree in accounting; Excel.\","
    "\"benefits\":\"Health insurance, 401(k), paid time off.\",\"salary\":\"$42,000 per year\","
    "\"location\":\"Dayton, OH\",\"employment_type\":\"Full-time\",\"has_company_logo\":true}";
static const char *ZH_SCAM =
    "{\"id\":\"t-zh-scam\",\"title\":\"手机打字员 在家兼职 日结\",\"description\":\"在家用手机"
    "打字，每天一小时，日结300元。入职前需缴纳培训费168元和押金，名额有限。\",\"contact\":\""
    "QQ 1987654321\"}";
static const char *ZH_HONEST =
    "{\"id\":\"t-zh-ok\",\"title\":\"出纳\",\"company\":\"青岛海川食品有限公司\","
    "\"company_profile\":\"食品加工企业，员工300人。\",\"description\":\"负责现金收付、银行对账和"
    "费用报销审核，编制资金日报。\",\"requirements\":\"财务相关专业大专以上，一年以上工作经验。\","
    "\"benefits\":\"五险一金、双休、年终奖\",\"salary\":\"5000-6500元/月\",\"location\":\"山东省"
    "青岛市\",\"employment_type\":\"全职\",\"company_size\":\"150-500人\"}";

static fj_result score_of(fj_context *ctx, const fj_model *m, const char *json)
{
    fj_posting *p = posting(json);
    fj_result r;
    cr_assert_eq(fj_score(ctx, m, p, NULL, &r, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
    return r;
}

/* ---- training and scoring ---- */

Test(model, trains_one_part_per_language_with_cv_metrics)
{
    fj_dataset *d = corpus();
    cr_assert_eq(fj_dataset_size(d), 62);
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 0, 0); /* grid search */
    cr_assert_eq(m->nparts, 2);
    cr_assert_str_eq(m->part[0].lang, "zh");
    cr_assert_str_eq(m->part[1].lang, "en");
    cr_assert_str_eq(fj_model_name(m), "test-model 0.0.1");
    cr_assert_eq(fj_model_explains(m), 1);
    const char *man = fj_model_manifest(m);
    cr_assert(strstr(man, "\"pr_auc\""), "%s", man);
    cr_assert(strstr(man, "\"recall_at_1pct_fpr\""));
    cr_assert(strstr(man, "\"libsvm\": 324"));
    for (int i = 0; i < 2; i++) {
        const fj__part *pt = &m->part[i];
        cr_assert_gt(pt->C, 0);
        cr_assert(pt->t_susp <= pt->t_fraud && pt->t_fraud >= 0.5 && pt->t_fraud <= 1);
        cr_assert_lt(pt->platt_a, 0, "a larger margin must mean a higher fraud probability");
        cr_assert_gt(pt->fs.n_dense, 0, "signals and field features are in the space");
        cr_assert_gt(pt->fs.n, pt->fs.n_dense);
    }
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(model, scores_scams_above_honest_postings_in_both_languages)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_result es = score_of(ctx, m, EN_SCAM), eh = score_of(ctx, m, EN_HONEST);
    fj_result zs = score_of(ctx, m, ZH_SCAM), zh = score_of(ctx, m, ZH_HONEST);
    cr_assert_eq(es.lang, FJ_LANG_EN);
    cr_assert_eq(zs.lang, FJ_LANG_ZH);
    cr_assert_gt(es.score, 0.5, "en scam scored %f", es.score);
    cr_assert_lt(eh.score, 0.5, "en honest scored %f", eh.score);
    cr_assert_gt(zs.score, 0.5, "zh scam scored %f", zs.score);
    cr_assert_lt(zh.score, 0.5, "zh honest scored %f", zh.score);
    cr_assert_gt(es.margin, eh.margin);
    cr_assert_neq(es.verdict, FJ_VERDICT_LEGIT);
    cr_assert_eq(zh.verdict, FJ_VERDICT_LEGIT);
    for (int i = 0; i < 4; i++) {
        fj_result *r = (fj_result *[]){&es, &eh, &zs, &zh}[i];
        cr_assert(r->score > 0 && r->score < 1);
    }
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(model, reasons_name_features_and_quote_the_posting)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    const char *cases[2] = {ZH_SCAM, EN_SCAM};
    for (int c = 0; c < 2; c++) {
        fj_posting *p = posting(cases[c]);
        fj_result r;
        cr_assert_eq(fj_score(ctx, m, p, NULL, &r, &err), FJ_OK, "%s", err.message);
        cr_assert_neq(r.verdict, FJ_VERDICT_LEGIT);
        cr_assert_eq(r.reasons_available, 1);
        cr_assert_gt(r.reason_count, 0);
        cr_assert_leq(r.reason_count, 5);
        size_t quoted = 0;
        double sum = 0;
        for (size_t k = 0; k < r.reason_count; k++) {
            const fj_reason *rs = &r.reasons[k];
            cr_assert_gt(rs->weight, 0, "reasons for a fraud verdict push toward fraud");
            /* the quoting ones first, each group strongest first (docs/reasons.md) */
            if (k && !r.reasons[k - 1].evidence == !rs->evidence) /* toward fraud here */
                cr_assert_geq(fabs(r.reasons[k - 1].weight), fabs(rs->weight));
            if (k && rs->evidence)
                cr_assert_not_null(r.reasons[k - 1].evidence);
            cr_assert(strlen(rs->signal) > 0);
            sum += rs->weight;
            if (!rs->evidence)
                continue;
            /* evidence is verbatim text of one of the posting's fields */
            bool found = false;
            for (int f = 0; f < FJ_FIELD_COUNT && !found; f++) {
                size_t fl;
                const char *s = fj_posting_string(p, (fj_field)f, &fl);
                if (s && rs->evidence_len <= fl)
                    for (size_t o = 0; o + rs->evidence_len <= fl && !found; o++)
                        found = memcmp(s + o, rs->evidence, rs->evidence_len) == 0;
            }
            cr_assert(found, "evidence '%.*s' of %s is not in the posting", (int)rs->evidence_len,
                      rs->evidence, rs->signal);
            /* and its field and byte span point at exactly those bytes */
            size_t fl = 0;
            const char *ft = fj_posting_string(p, (fj_field)rs->field, &fl);
            cr_assert(ft, "evidence of %s has no field", rs->signal);
            cr_assert(rs->start < rs->end && rs->end <= fl &&
                      rs->end - rs->start == rs->evidence_len);
            cr_assert(memcmp(ft + rs->start, rs->evidence, rs->evidence_len) == 0,
                      "span of %s is not its evidence", rs->signal);
            quoted++;
        }
        cr_assert_gt(quoted, 0, "at least one reason quotes its evidence");
        /* flags: the signals that fired, whatever the reasons show */
        bool fee = false;
        for (size_t k = 0; k < r.flag_count; k++) {
            cr_assert_null(strchr(r.flags[k], ':'), "flag '%s' is not a signal", r.flags[k]);
            fee = fee || strcmp(r.flags[k], "upfront_fee") == 0;
        }
        cr_assert(fee, "the fee is flagged");
        /* uncapped, the reasons of a fraud verdict are still all toward fraud, and each capped
         * one is among them with the same weight */
        fj_score_options all;
        fj_score_options_init(&all);
        all.max_reasons = (size_t)1 << 20;
        char *top[5];
        double topw[5];
        for (size_t k = 0; k < r.reason_count; k++) {
            top[k] = strdup(r.reasons[k].signal); /* the context's until its next call */
            cr_assert_not_null(top[k]);
            topw[k] = r.reasons[k].weight;
        }
        fj_result w;
        cr_assert_eq(fj_score_with(ctx, m, p, NULL, &all, &w, &err), FJ_OK, "%s", err.message);
        cr_assert_geq(w.reason_count, r.reason_count);
        for (size_t k = 0; k < w.reason_count; k++)
            cr_assert_gt(w.reasons[k].weight, 0, "%s", w.reasons[k].signal);
        for (size_t k = 0; k < r.reason_count; k++) {
            /* missing_information merges however many absences the cap leaves room for */
            bool same = strcmp(top[k], "missing_information") == 0;
            for (size_t j = 0; !same && j < w.reason_count; j++)
                same = strcmp(w.reasons[j].signal, top[k]) == 0 && w.reasons[j].weight == topw[k];
            cr_assert(same, "top reason %s %g is not among the uncapped ones", top[k], topw[k]);
            free(top[k]);
        }
        (void)sum;
        fj_posting_free(p);
    }
    /* a legit verdict is explained by contributions toward legit */
    fj_result h = score_of(ctx, m, ZH_HONEST);
    cr_assert_eq(h.verdict, FJ_VERDICT_LEGIT);
    cr_assert_gt(h.reason_count, 0);
    for (size_t k = 0; k < h.reason_count; k++)
        cr_assert_lt(h.reasons[k].weight, 0);
    for (size_t k = 0; k < h.flag_count; k++)
        cr_assert_str_neq(h.flags[k], "upfront_fee");
    /* reason names follow the documented scheme */
    fj_score_options o;
    fj_score_options_init(&o);
    o.max_reasons = 100;
    fj_posting *p = posting(ZH_SCAM);
    fj_result r;
    cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &r, &err), FJ_OK);
    for (size_t k = 0; k < r.reason_count; k++) {
        const char *s = r.reasons[k].signal;
        bool known = strncmp(s, "word:", 5) == 0 || strncmp(s, "bigram:", 7) == 0 ||
                     strncmp(s, "title:", 6) == 0 || strncmp(s, "pair:", 5) == 0 ||
                     strncmp(s, "token:", 6) == 0 || strncmp(s, "field:", 6) == 0 ||
                     strncmp(s, "meta:", 5) == 0 || strncmp(s, "place:", 6) == 0 ||
                     strncmp(s, "employment:", 11) == 0 || strcmp(s, "missing_information") == 0;
        for (size_t i = 0; !known && i < fj_signal_count(); i++)
            known = strcmp(s, fj_signal_name(i)) == 0;
        cr_assert(known, "unknown reason name '%s'", s);
    }
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(model, threshold_overrides_change_the_verdict_only)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_posting *p = posting(EN_HONEST);
    fj_result a, b;
    cr_assert_eq(fj_score(ctx, m, p, NULL, &a, &err), FJ_OK);
    double s = a.score;
    fj_score_options o;
    fj_score_options_init(&o);
    o.threshold_fraud = s / 2;
    o.threshold_suspicious = s / 4;
    cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &b, &err), FJ_OK);
    cr_assert_eq(b.score, s);
    cr_assert_eq(b.verdict, FJ_VERDICT_FRAUD);
    o.threshold_fraud = 1;
    o.threshold_suspicious = s / 4;
    cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &b, &err), FJ_OK);
    cr_assert_eq(b.verdict, FJ_VERDICT_SUSPICIOUS);
    double tf = -1, ts = -1;
    fj_model_thresholds(m, FJ_LANG_EN, &tf, &ts);
    cr_assert_eq(tf, m->part[1].t_fraud);
    cr_assert_eq(ts, m->part[1].t_susp);
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

static double logit_of(double p)
{
    return log(p / (1 - p));
}

Test(model, prior_moves_score_and_thresholds_but_not_verdict_or_margin)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    const fj__part *en = &m->part[1];
    cr_assert_str_eq(en->lang, "en");
    /* the model's prior is its training mix, recorded in the manifest */
    cr_assert(en->prior > 0.2 && en->prior < 0.8, "%g", en->prior);
    cr_assert(strstr(fj_model_manifest(m), "\"prior\""));
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    const char *docs[] = {EN_SCAM, EN_HONEST};
    for (int k = 0; k < 2; k++) {
        fj_posting *p = posting(docs[k]);
        fj_result a, b, c;
        fj_score_options o;
        fj_score_options_init(&o);
        cr_assert_lt(o.prior, 0); /* the model's */
        cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &a, &err), FJ_OK);
        o.prior = en->prior; /* the training mix: nothing moves */
        cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &b, &err), FJ_OK);
        cr_assert_float_eq(b.score, a.score, 1e-12);
        o.prior = 0.02; /* rarer fraud: lower score, shifted by the prior-odds ratio */
        cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &c, &err), FJ_OK);
        cr_assert_lt(c.score, a.score);
        cr_assert_float_eq(logit_of(c.score) - logit_of(a.score),
                           logit_of(0.02) - logit_of(en->prior), 1e-6);
        cr_assert_eq(c.verdict, a.verdict);
        cr_assert_float_eq(c.margin, a.margin, 1e-9);
        fj_posting_free(p);
    }
    fj_posting *p = posting(EN_HONEST);
    fj_score_options o;
    fj_score_options_init(&o);
    fj_result r;
    double bad[] = {0, 1, 1.5, NAN};
    for (int k = 0; k < 4; k++) {
        o.prior = bad[k];
        cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &r, &err), FJ_ERR_ARGUMENT, "%g", bad[k]);
        cr_assert_str_eq(err.field, "prior");
    }
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(model, margin_sign_is_the_fraud_verdict_and_short_texts_are_insufficient)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    const char *docs[] = {EN_SCAM, EN_HONEST, ZH_SCAM, ZH_HONEST};
    double ts[] = {0, 0.2, 0.4, 0.6, 0.8, 1};
    for (int k = 0; k < 4; k++) {
        fj_posting *p = posting(docs[k]);
        for (int t = 0; t < 6; t++) {
            fj_score_options o;
            fj_score_options_init(&o);
            o.threshold_fraud = ts[t];
            o.threshold_suspicious = 0;
            fj_result r;
            cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &r, &err), FJ_OK);
            cr_assert_eq(r.margin >= 0, r.verdict == FJ_VERDICT_FRAUD, "%s at %g: margin %g, %s",
                         docs[k], ts[t], r.margin, fj_verdict_name(r.verdict));
            cr_assert_eq(r.verdict == FJ_VERDICT_FRAUD, r.score >= ts[t]);
        }
        fj_posting_free(p);
    }
    /* too little text: insufficient, whatever the score */
    const char *shorts[] = {"{\"title\":\"ok\"}", "{\"title\":\"出纳\"}",
                            "{\"title\":\"Line cook\",\"description\":\"Full time, "
                            "Monday to Friday, in our Dayton diner.\"}"};
    for (int k = 0; k < 3; k++) {
        fj_result r = score_of(ctx, m, shorts[k]);
        cr_assert_eq(r.verdict, FJ_VERDICT_INSUFFICIENT, "%s", shorts[k]);
        cr_assert(r.score >= 0 && r.score <= 1);
    }
    /* ... unless a red flag is quoted from it */
    fj_result r = score_of(ctx, m,
                           "{\"title\":\"打字员\",\"description\":\"先交押金200元，"
                           "加QQ 123456789\"}");
    cr_assert_neq(r.verdict, FJ_VERDICT_INSUFFICIENT);
    cr_assert_str_eq(fj_verdict_name(FJ_VERDICT_INSUFFICIENT), "insufficient");
    cr_assert_null(fj_verdict_name((fj_verdict)(FJ_VERDICT_INSUFFICIENT + 1)));
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(model, unscorable_postings_are_input_errors)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 1);
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_COMPANY, "Acme", 4, &err), FJ_OK);
    fj_result r;
    cr_assert_eq(fj_score(ctx, m, p, NULL, &r, &err), FJ_ERR_INPUT);
    cr_assert_eq(fj_score(ctx, NULL, p, NULL, &r, &err), FJ_ERR_ARGUMENT);
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

/* ---- features ---- */

Test(features, location_and_employment_parts_are_normalized_text_features)
{
    const char *jsons[] = {
        "{\"title\":\"Clerk\",\"description\":\"Filing.\",\"location\":\"ＵＳ，ＴＸ, Houston\","
        "\"employment_type\":\"Full-time\"}",
        "{\"title\":\"Clerk\",\"description\":\"Typing.\",\"location\":\"us/tx_HOUSTON\","
        "\"employment_type\":\"FULL-TIME\"}",
        "{\"title\":\"文员\",\"description\":\"整理档案。\",\"location\":\"北京_朝陽_"
        "北京市朝阳区建国路八十八号现代城五号楼一单元\",\"employment_type\":\"全職\"}",
        "{\"title\":\"文员\",\"description\":\"录入资料。\",\"location\":\"北京_朝阳\","
        "\"employment_type\":\"全职\"}",
    };
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj__fbuilder *b;
    cr_assert_eq(fj__fbuilder_new(&b, &err), FJ_OK);
    for (size_t i = 0; i < sizeof jsons / sizeof *jsons; i++) {
        fj_posting *p = posting(jsons[i]);
        cr_assert_eq(fj__fbuilder_add(b, ctx, p, NULL, &err), FJ_OK, "%s", err.message);
        fj_posting_free(p);
    }
    fj__fspace fs;
    cr_assert_eq(fj__fbuilder_finish(b, 2, 0, &fs, &err), FJ_OK); /* seen in both of a pair */
    const char *present[] = {"place:us",   "place:tx",   "place:houston",  "employment:full-time",
                             "place:北京", "place:朝阳", "employment:全职"};
    for (size_t i = 0; i < sizeof present / sizeof *present; i++)
        cr_assert_geq(fj__fspace_find(&fs, present[i], strlen(present[i])), 0, "%s missing",
                      present[i]);
    /* the street address is longer than a part may be */
    const char *addr = "place:北京市朝阳区建国路八十八号现代城五号楼一单元";
    fj__fspace_free(&fs);
    cr_assert_eq(fj__fbuilder_finish(b, 1, 0, &fs, &err), FJ_OK);
    cr_assert_lt(fj__fspace_find(&fs, addr, strlen(addr)), 0);
    fj__fspace_free(&fs);
    fj__fbuilder_free(b);
    fj_context_free(ctx);
}

/* ---- libsvm agreement and reproducibility ---- */

static double cv_number(const fj__part *pt, const char *key)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *s = pt->cv_json ? strstr(pt->cv_json, pat) : NULL;
    cr_assert(s, "no %s in %s", key, pt->cv_json ? pt->cv_json : "(null)");
    return strtod(s + strlen(pat), NULL);
}

Test(model, primal_margin_equals_libsvm_decision_value)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    /* training compared libsvm's own decision values of the trained support-vector model with
     * the collapsed primal weights on every training posting */
    for (int i = 0; i < m->nparts; i++) {
        double diff = cv_number(&m->part[i], "primal_vs_libsvm_max_abs_diff");
        cr_assert(diff >= 0 && diff < 1e-9, "part %s: %g", m->part[i].lang, diff);
        cr_assert_gt(cv_number(&m->part[i], "support_vectors"), 1);
    }
    /* and the bundle's libsvm model (collapsed) gives the primal margins too */
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    struct svm_model *svm[FJ__MAX_PARTS];
    for (int i = 0; i < m->nparts; i++)
        cr_assert_eq(fj__svm_parse(&svm[i], m->part[i].svm_text, m->part[i].svm_len, "svm", &err),
                     FJ_OK, "%s", err.message);
    fj__vec v = {0};
    struct svm_node *x = NULL;
    size_t xc = 0;
    size_t checked = 0;
    for (size_t i = 0; i < fj_dataset_size(d); i++) {
        const fj_posting *p = fj_dataset_posting(d, i);
        const fj__part *pt = fj__model_route(m, fj_posting_detect_lang(p));
        int k = (int)(pt - m->part);
        cr_assert_eq(fj__vectorize(ctx, &pt->fs, p, NULL, &v, &err), FJ_OK);
        bool nomem;
        double primal = fj__part_margin(pt, &v, &x, &xc, &nomem);
        struct svm_node *nodes = malloc((v.n + 1) * sizeof *nodes);
        for (size_t e = 0; e < v.n; e++)
            nodes[e] = (struct svm_node){(int)v.e[e].idx + 1, v.e[e].val};
        nodes[v.n].index = -1;
        double dec;
        svm_predict_values(svm[k], nodes, &dec);
        double sign = svm[k]->label[0] == 1 ? 1 : -1;
        cr_assert(fabs(primal - sign * dec) < 1e-9, "posting %zu: primal %.17g, libsvm %.17g", i,
                  primal, sign * dec);
        free(nodes);
        checked++;
    }
    cr_assert_eq(checked, 62);
    for (int i = 0; i < m->nparts; i++)
        fj__svm_free(svm[i]);
    free(x);
    fj__vec_free(&v);
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(model, saved_svm_model_is_read_by_libsvm_itself)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    char dir[] = "/tmp/fj-model-XXXXXX";
    cr_assert(mkdtemp(dir));
    cr_assert_eq(fj_model_save(m, dir, &err), FJ_OK, "%s", err.message);
    char path[512];
    snprintf(path, sizeof path, "%s/en.svm.model", dir);
    struct svm_model *own = svm_load_model(path);
    cr_assert(own, "svm-predict's reader refuses our file");
    cr_assert_eq(svm_get_nr_class(own), 2);
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj__vec v = {0};
    fj_posting *p = posting(EN_SCAM);
    const fj__part *pt = &m->part[1];
    cr_assert_eq(fj__vectorize(ctx, &pt->fs, p, NULL, &v, &err), FJ_OK);
    struct svm_node *nodes = malloc((v.n + 1) * sizeof *nodes);
    for (size_t e = 0; e < v.n; e++)
        nodes[e] = (struct svm_node){(int)v.e[e].idx + 1, v.e[e].val};
    nodes[v.n].index = -1;
    double dec;
    svm_predict_values(own, nodes, &dec);
    int lab[2];
    svm_get_labels(own, lab);
    struct svm_node *x = NULL;
    size_t xc = 0;
    bool nomem;
    double primal = fj__part_margin(pt, &v, &x, &xc, &nomem);
    cr_assert(fabs(primal - (lab[0] == 1 ? dec : -dec)) < 1e-9);
    free(x);
    free(nodes);
    svm_free_and_destroy_model(&own);
    fj__vec_free(&v);
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

static bool same_parts(const fj_model *a, const fj_model *b)
{
    if (a->nparts != b->nparts)
        return false;
    for (int i = 0; i < a->nparts; i++) {
        const fj__part *x = &a->part[i], *y = &b->part[i];
        if (x->fs.n != y->fs.n || x->b != y->b || x->C != y->C || x->platt_a != y->platt_a ||
            x->platt_b != y->platt_b || x->t_fraud != y->t_fraud || x->t_susp != y->t_susp ||
            memcmp(x->w, y->w, x->fs.n * sizeof *x->w) != 0 || x->svm_len != y->svm_len ||
            /* a loaded linear part does not keep its libsvm text (saving reads it again) */
            (x->svm_text && y->svm_text && memcmp(x->svm_text, y->svm_text, x->svm_len) != 0) ||
            x->fs.names_len != y->fs.names_len ||
            memcmp(x->fs.names, y->fs.names, x->fs.names_len) != 0)
            return false;
    }
    return true;
}

Test(model, retraining_gives_identical_weights_whatever_the_threads)
{
    fj_dataset *d = corpus();
    fj_model *a = train_with(d, FJ_KERNEL_LINEAR, 0, 1);
    fj_model *b = train_with(d, FJ_KERNEL_LINEAR, 0, 3);
    cr_assert(same_parts(a, b));
    fj_model_free(a);
    fj_model_free(b);
    fj_dataset_free(d);
}

Test(model, libsvm_prints_nothing_and_progress_is_reported)
{
    fj_dataset *d = corpus();
    char path[] = "/tmp/fj-stdout-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    fj_train_params p;
    fj_train_params_init(&p);
    p.C = 1;
    fj_model *m = NULL;
    fj_status st = fj_train(&m, d, &p, &err);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    cr_assert_eq(st, FJ_OK, "%s", err.message);
    struct stat sb;
    cr_assert_eq(fstat(fd, &sb), 0);
    cr_assert_eq(sb.st_size, 0, "training wrote %lld bytes to stdout", (long long)sb.st_size);
    close(fd);
    unlink(path);
    fj_model_free(m);
    fj_dataset_free(d);
}

static void count_progress(const fj_progress *pg, void *user)
{
    int *n = user;
    cr_assert(pg->stage && pg->message && pg->part);
    (*n)++;
}

Test(model, progress_callback_sees_every_fold)
{
    fj_dataset *d = corpus();
    fj_train_params p;
    fj_train_params_init(&p);
    p.C = 1;
    int n = 0;
    p.progress = count_progress;
    p.progress_user = &n;
    fj_model *m = NULL;
    cr_assert_eq(fj_train(&m, d, &p, &err), FJ_OK, "%s", err.message);
    /* per part: features, 5 folds, 1 grid line, calibrate, final */
    cr_assert_geq(n, 2 * 9, "%d progress calls", n);
    fj_model_free(m);
    fj_dataset_free(d);
}

/* ---- bundles ---- */

static char *save_tmp(const fj_model *m)
{
    char *dir = strdup("/tmp/fj-bundle-XXXXXX");
    cr_assert(mkdtemp(dir));
    cr_assert_eq(fj_model_save(m, dir, &err), FJ_OK, "%s", err.message);
    return dir;
}

static void rm_bundle(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void assert_same_scores(const fj_model *a, const fj_model *b, const fj_dataset *d)
{
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    for (size_t i = 0; i < fj_dataset_size(d); i++) {
        fj_result x, y;
        cr_assert_eq(fj_score(ctx, a, fj_dataset_posting(d, i), NULL, &x, &err), FJ_OK);
        double sx = x.score, mx = x.margin;
        fj_verdict vx = x.verdict;
        size_t nx = x.reason_count;
        cr_assert_eq(fj_score(ctx, b, fj_dataset_posting(d, i), NULL, &y, &err), FJ_OK);
        cr_assert_eq(sx, y.score, "posting %zu: %.17g vs %.17g", i, sx, y.score);
        cr_assert_eq(mx, y.margin);
        cr_assert_eq(vx, y.verdict);
        cr_assert_eq(nx, y.reason_count);
    }
    fj_context_free(ctx);
}

Test(bundle, save_and_load_give_identical_scores)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 0, 0);
    char *dir = save_tmp(m);
    fj_model *l = NULL;
    cr_assert_eq(fj_model_load(&l, dir, &err), FJ_OK, "%s", err.message);
    cr_assert_str_eq(fj_model_name(l), "test-model 0.0.1");
    cr_assert(same_parts(m, l));
    assert_same_scores(m, l, d);
    /* a loaded model saves to the same bytes */
    char *dir2 = save_tmp(l);
    const char *files[] = {"zh.features.tsv", "en.weights.tsv", "en.svm.model",
                           "zh.calibration.json"};
    for (int i = 0; i < 4; i++) {
        char a[600], b[600], cmd[1300];
        snprintf(a, sizeof a, "%s/%s", dir, files[i]);
        snprintf(b, sizeof b, "%s/%s", dir2, files[i]);
        snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
        cr_assert_eq(system(cmd), 0, "%s differs after a load and save", files[i]);
    }
    cr_assert(strstr(fj_model_manifest(l), "\"sha256\""));
    rm_bundle(dir);
    rm_bundle(dir2);
    free(dir);
    free(dir2);
    fj_model_free(l);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(bundle, rbf_models_score_without_reasons_and_round_trip)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_RBF, 1, 0);
    cr_assert_eq(fj_model_explains(m), 0);
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_result r = score_of(ctx, m, ZH_SCAM);
    cr_assert_eq(r.reasons_available, 0);
    cr_assert_eq(r.reason_count, 0);
    cr_assert_null(r.reasons);
    cr_assert(r.score > 0 && r.score < 1);
    char *dir = save_tmp(m);
    fj_model *l = NULL;
    cr_assert_eq(fj_model_load(&l, dir, &err), FJ_OK, "%s", err.message);
    assert_same_scores(m, l, d);
    char path[600];
    snprintf(path, sizeof path, "%s/zh.weights.tsv", dir);
    cr_assert_neq(access(path, F_OK), 0, "RBF bundles have no primal weights");
    rm_bundle(dir);
    free(dir);
    fj_context_free(ctx);
    fj_model_free(l);
    fj_model_free(m);
    fj_dataset_free(d);
}

/* A saved bundle shared by the corruption tests (trained once per test process). */
static char *bundle(void)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    char *dir = save_tmp(m);
    fj_model_free(m);
    fj_dataset_free(d);
    return dir;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char *data = bu_read(dir, name, len);
    cr_assert_not_null(data, "%s/%s", dir, name);
    return data;
}

static void spit(const char *dir, const char *name, const char *data, size_t len)
{
    cr_assert(bu_write(dir, name, data, len), "%s/%s", dir, name);
}

/* Rewrite the manifest's entry for `name` so that it matches the file's current bytes. */
static void reseal(const char *dir, const char *name)
{
    cr_assert(bu_reseal(dir, name), "no manifest entry for %s", name);
}

static fj_status load_status(const char *dir)
{
    fj_model *m = NULL;
    fj_error_clear(&err);
    fj_status st = fj_model_load(&m, dir, &err);
    cr_assert((st == FJ_OK) == (m != NULL));
    fj_model_free(m);
    return st;
}

/* The same for the text form: what a bundle without PART.model.bin (an older one) loads. */
static fj_status load_text_status(const char *dir)
{
    fj_model *m = NULL;
    fj_error_clear(&err);
    fj_status st = fj__model_load_text(&m, dir, &err);
    cr_assert((st == FJ_OK) == (m != NULL));
    fj_model_free(m);
    return st;
}

Test(bundle, missing_files_are_io_errors_naming_them)
{
    char *dir = bundle();
    cr_assert_eq(load_status("/nonexistent/model"), FJ_ERR_IO);
    cr_assert(strstr(err.message, "/nonexistent/model"));
    char path[600];
    snprintf(path, sizeof path, "%s/en.weights.tsv", dir);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(load_status(dir), FJ_ERR_IO);
    cr_assert(strstr(err.message, "en.weights.tsv"), "%s", err.message);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(load_status(dir), FJ_ERR_IO);
    cr_assert(strstr(err.message, "manifest.json"), "%s", err.message);
    rm_bundle(dir);
    free(dir);
}

Test(bundle, truncated_or_altered_files_are_model_errors_naming_them)
{
    char *dir = bundle();
    const char *names[] = {"zh.features.tsv", "en.weights.tsv", "zh.svm.model",
                           "en.calibration.json"};
    for (int i = 0; i < 4; i++) {
        size_t len;
        char *orig = slurp(dir, names[i], &len);
        /* truncated */
        spit(dir, names[i], orig, len / 2);
        cr_assert_eq(load_text_status(dir), FJ_ERR_MODEL, "%s truncated", names[i]);
        cr_assert(strstr(err.message, names[i]), "%s", err.message);
        /* one flipped byte */
        char *bad = malloc(len);
        memcpy(bad, orig, len);
        bad[len / 3] ^= 0x20;
        spit(dir, names[i], bad, len);
        cr_assert_eq(load_text_status(dir), FJ_ERR_MODEL, "%s altered", names[i]);
        cr_assert(strstr(err.message, "checksum"), "%s", err.message);
        cr_assert(strstr(err.message, names[i]));
        spit(dir, names[i], orig, len);
        cr_assert_eq(load_text_status(dir), FJ_OK, "%s", err.message);
        free(bad);
        free(orig);
    }
    rm_bundle(dir);
    free(dir);
}

Test(bundle, corrupted_files_with_matching_checksums_are_refused_by_the_parsers)
{
    char *dir = bundle();
    const char *names[] = {"zh.features.tsv", "en.weights.tsv", "en.calibration.json"};
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *orig = slurp(dir, names[i], &len);
        size_t cuts[] = {0, 1, 17, len / 2, len - 2};
        for (int c = 0; c < 5; c++) {
            spit(dir, names[i], orig, cuts[c]);
            reseal(dir, names[i]);
            cr_assert_eq(load_text_status(dir), FJ_ERR_MODEL, "%s cut at %zu: %s", names[i],
                         cuts[c], err.message);
            cr_assert(strstr(err.message, names[i]), "%s", err.message);
        }
        spit(dir, names[i], orig, len);
        reseal(dir, names[i]);
        cr_assert_eq(load_text_status(dir), FJ_OK, "%s", err.message);
        free(orig);
    }
    /* a weight that is not a number */
    size_t len;
    char *w = slurp(dir, "en.weights.tsv", &len);
    char *line = strstr(w, "\n") + 1;
    line = strstr(line, "\n") + 1;
    line = strstr(line, "\n") + 1; /* the first weight */
    line[0] = 'x';
    spit(dir, "en.weights.tsv", w, len);
    reseal(dir, "en.weights.tsv");
    cr_assert_eq(load_text_status(dir), FJ_ERR_MODEL);
    cr_assert(strstr(err.message, "en.weights.tsv:4"), "%s", err.message);
    free(w);
    rm_bundle(dir);
    free(dir);
}

Test(bundle, rbf_svm_model_is_parsed_defensively)
{
    fj_dataset *d = corpus();
    fj_model *m = train_with(d, FJ_KERNEL_RBF, 1, 0);
    char *dir = save_tmp(m);
    size_t len;
    char *orig = slurp(dir, "zh.svm.model", &len);
    const char *edits[][2] = {
        {"nr_class 2", "nr_class 3"},       {"kernel_type rbf", "kernel_type sigmoid"},
        {"total_sv ", "total_sv 99999999"}, {"label 1 -1", "label 1 1"},
        {"SV\n", "SV\n1 0:1 \n"},
    };
    for (int e = 0; e < 5; e++) {
        char *at = strstr(orig, edits[e][0]);
        if (!at) /* labels may be stored -1 1 */
            continue;
        fj_buf b = {0};
        fj__buf_append(&b, orig, (size_t)(at - orig));
        fj__buf_append(&b, edits[e][1], strlen(edits[e][1]));
        fj__buf_append(&b, at + strlen(edits[e][0]),
                       len - (size_t)(at - orig) - strlen(edits[e][0]));
        spit(dir, "zh.svm.model", b.data, b.len);
        reseal(dir, "zh.svm.model");
        cr_assert_eq(load_status(dir), FJ_ERR_MODEL, "edit %d: %s", e, err.message);
        cr_assert(strstr(err.message, "zh.svm.model"), "%s", err.message);
        fj__buf_free(&b);
    }
    for (size_t cut = 0; cut < len; cut += len / 7 + 1) {
        spit(dir, "zh.svm.model", orig, cut);
        reseal(dir, "zh.svm.model");
        cr_assert_eq(load_status(dir), FJ_ERR_MODEL, "cut at %zu", cut);
    }
    free(orig);
    rm_bundle(dir);
    free(dir);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(bundle, wrong_checksum_in_the_manifest_is_a_model_error)
{
    char *dir = bundle();
    size_t ml;
    char *man = slurp(dir, "manifest.json", &ml);
    char *s = strstr(man, "\"sha256\": \"");
    cr_assert(s);
    s[11] = s[11] == '0' ? '1' : '0';
    spit(dir, "manifest.json", man, ml);
    cr_assert_eq(load_status(dir), FJ_ERR_MODEL);
    cr_assert(strstr(err.message, "checksum mismatch"), "%s", err.message);
    free(man);
    rm_bundle(dir);
    free(dir);
}

/* Replace the features file's first line ("fakejob-features\tN") and reseal the manifest. */
static void set_features_format(const char *dir, const char *name, const char *head)
{
    size_t len;
    char *text = slurp(dir, name, &len);
    char *nl = memchr(text, '\n', len);
    cr_assert(nl);
    fj_buf b = {0};
    fj__buf_printf(&b, "%s", head);
    fj__buf_append(&b, nl, len - (size_t)(nl - text));
    spit(dir, name, b.data, b.len);
    reseal(dir, name);
    fj__buf_free(&b);
    free(text);
}

Test(bundle, older_features_formats_load_and_newer_ones_are_version_errors)
{
    char *dir = bundle();
    set_features_format(dir, "en.features.tsv", "fakejob-features\t1");
    cr_assert_eq(load_text_status(dir), FJ_OK, "%s", err.message);
    set_features_format(dir, "en.features.tsv", "fakejob-features\t99");
    cr_assert_eq(load_text_status(dir), FJ_ERR_VERSION);
    cr_assert(strstr(err.message, "en.features.tsv") && strstr(err.message, "'99'"), "%s",
              err.message);
    rm_bundle(dir);
    free(dir);
}

Test(bundle, newer_format_is_a_version_error_and_garbage_a_model_error)
{
    char *dir = bundle();
    size_t ml;
    char *man = slurp(dir, "manifest.json", &ml);
    char *f = strstr(man, "\"format\": 1");
    cr_assert(f);
    fj_buf b = {0};
    fj__buf_append(&b, man, (size_t)(f - man));
    fj__buf_printf(&b, "\"format\": %d", FJ__BUNDLE_FORMAT + 1);
    fj__buf_append(&b, f + 11, ml - (size_t)(f + 11 - man));
    spit(dir, "manifest.json", b.data, b.len);
    cr_assert_eq(load_status(dir), FJ_ERR_VERSION);
    cr_assert(strstr(err.message, "newer"), "%s", err.message);
    const char *garbage[] = {"",
                             "{",
                             "[]",
                             "{\"format\":1}",
                             "{\"kind\":\"fakejob-model\"}",
                             "\xff\xfe\x00garbage",
                             "{\"kind\":\"fakejob-model\",\"format\":1,\"name\":\"x\","
                             "\"version\":\"1\",\"files\":{\"../etc\":{}},\"parts\":[{}]}",
                             "{\"kind\":\"fakejob-model\",\"format\":1,\"name\":\"x\","
                             "\"version\":\"1\",\"files\":{},\"parts\":[{\"lang\":\"xx\"}]}",
                             "{\"kind\":\"fakejob-model\",\"format\":1,\"name\":\"x\","
                             "\"version\":\"1\",\"files\":{},\"parts\":[{\"lang\":\"en\"}]}"};
    for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++) {
        spit(dir, "manifest.json", garbage[i], i == 5 ? 10 : strlen(garbage[i]));
        cr_assert_eq(load_status(dir), FJ_ERR_MODEL, "garbage %zu: %s", i, err.message);
        cr_assert(strstr(err.message, "manifest.json"), "%s", err.message);
    }
    fj__buf_free(&b);
    free(man);
    rm_bundle(dir);
    free(dir);
}

Test(bundle, default_model_follows_FAKEJOB_MODEL)
{
    char *dir = bundle();
    setenv("FAKEJOB_MODEL", dir, 1);
    fj_model *m = NULL;
    cr_assert_eq(fj_model_load_default(&m, &err), FJ_OK, "%s", err.message);
    cr_assert_str_eq(fj_model_name(m), "test-model 0.0.1");
    fj_model_free(m);
    setenv("FAKEJOB_MODEL", "/nonexistent/fakejob-model", 1);
    cr_assert_eq(fj_model_load_default(&m, &err), FJ_ERR_IO);
    cr_assert(strstr(err.message, "/nonexistent/fakejob-model"));
    unsetenv("FAKEJOB_MODEL");
    /* from the build tree, the source tree's models/default (which may not exist yet) */
    fj_status st = fj_model_load_default(&m, &err);
    if (st != FJ_OK)
        cr_assert(strstr(err.message, FJ_SOURCE_MODELDIR "/default"), "%s", err.message);
    fj_model_free(m);
    rm_bundle(dir);
    free(dir);
}

/* ---- datasets ---- */

Test(dataset, labels_groups_and_errors_naming_file_and_line)
{
    fj_dataset *d;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    fj_posting *p = posting("{\"title\":\"Clerk\",\"description\":\"Filing.\"}");
    cr_assert_eq(fj_dataset_add(d, p, NULL, &err), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "label");
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_LABEL, "legit", 5, &err), FJ_OK);
    cr_assert_eq(fj_dataset_add(d, p, NULL, &err), FJ_OK);
    cr_assert_eq(fj_dataset_add(d, p, "company:Acme", &err), FJ_OK);
    cr_assert_eq(fj_dataset_size(d), 2);
    cr_assert_eq(fj_dataset_label(d, 0), FJ_LABEL_LEGIT);
    cr_assert_str_eq(fj_dataset_group(d, 1), "company:Acme");
    cr_assert(strncmp(fj_dataset_group(d, 0), "content:", 8) == 0);
    cr_assert_null(fj_dataset_posting(d, 2));
    cr_assert_eq(fj_dataset_label(d, 7), FJ_LABEL_NONE);
    fj_posting_free(p);

    char path[] = "/tmp/fj-corpus-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "{\"title\":\"A\",\"description\":\"x y\",\"label\":\"fraud\"}\n\n"
                       "{\"title\":\"B\",\"description\":\"X, Y!\",\"label\":\"legit\"}\n"
                       "{\"title\":\"C\",\"description\":\"z\"}\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    cr_assert_eq(fj_dataset_add_file(d, path, NULL, &err), FJ_ERR_INPUT);
    cr_assert_eq(err.line, 4);
    cr_assert(strstr(err.message, path) && strstr(err.message, ":4:"), "%s", err.message);
    cr_assert_eq(fj_dataset_size(d), 4, "the postings before the bad line stay");
    /* copies differing only in case and punctuation share a content group */
    cr_assert_str_eq(fj_dataset_group(d, 2), fj_dataset_group(d, 3));
    char src[600];
    snprintf(src, sizeof src, "%s:3", path);
    cr_assert_str_eq(fj_dataset_source(d, 3), src);
    cr_assert_eq(fj_dataset_add_file(d, "/nonexistent.jsonl", NULL, &err), FJ_ERR_IO);
    cr_assert(strstr(err.message, "/nonexistent.jsonl"));
    cr_assert_eq(fj_dataset_add_file(d, path, "openings", &err), FJ_ERR_ARGUMENT);
    unlink(path);
    fj_dataset_free(d);
    fj_dataset_free(NULL);
}

Test(dataset, group_by_field_falls_back_to_content)
{
    fj_dataset *d;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    cr_assert_eq(fj_dataset_add_file(d, TRAIN_DIR "/reposts.jsonl", "company", &err), FJ_OK);
    /* the two honest postings of one company share a group; the scam reposts do not share
     * one company name */
    cr_assert_str_eq(fj_dataset_group(d, 4), "company:宁波海天塑机配件有限公司");
    cr_assert_str_eq(fj_dataset_group(d, 4), fj_dataset_group(d, 5));
    cr_assert_str_neq(fj_dataset_group(d, 0), fj_dataset_group(d, 1));
    fj_dataset_free(d);
}

static void add_json(fj_dataset *d, const char *json, const char *group)
{
    fj_posting *p = posting(json);
    cr_assert_eq(fj_dataset_add(d, p, group, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
}

Test(dataset, near_copies_share_a_group_whatever_their_labels)
{
    fj_dataset *d;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    /* 0 and 1: one ad lightly edited (Jaccard of word 3-shingles about 0.7), different labels;
       2: unrelated; 3: a Chinese ad and 4 its copy with a changed phone number; 5 shares
       company key "c:x" with 2 */
    add_json(d,
             "{\"title\":\"Warehouse associate\",\"description\":\"Pick and pack orders in our "
             "Dayton warehouse, load trucks, keep the aisles clean and count stock every "
             "Friday with the shift lead.\",\"label\":\"legit\"}",
             NULL);
    add_json(d,
             "{\"title\":\"Warehouse associate\",\"description\":\"Pick and pack orders in our "
             "Dayton warehouse, load trucks, keep the aisles clean and count stock every "
             "Monday with the shift lead. Send a $50 fee.\",\"label\":\"fraud\"}",
             NULL);
    add_json(d,
             "{\"title\":\"Nurse\",\"description\":\"Night shifts on the cardiology ward of a "
             "teaching hospital, with a mentor for the first month.\",\"label\":\"legit\"}",
             "c:x");
    add_json(d,
             "{\"title\":\"客服专员\",\"description\":\"负责接听客户来电，解答产品问题，"
             "记录客户反馈并跟进处理结果，电话13800001111\",\"label\":\"legit\"}",
             NULL);
    add_json(d,
             "{\"title\":\"客服专员\",\"description\":\"负责接听客户来电，解答产品问题，"
             "记录客户反馈并跟进处理结果，电话13999998888\",\"label\":\"legit\"}",
             NULL);
    add_json(d,
             "{\"title\":\"Cook\",\"description\":\"Line cook for a busy diner.\","
             "\"label\":\"legit\"}",
             "c:x");
    cr_assert_str_neq(fj_dataset_group(d, 0), fj_dataset_group(d, 1));
    cr_assert_str_neq(fj_dataset_group(d, 3), fj_dataset_group(d, 4));
    size_t merged = 99;
    cr_assert_eq(fj_dataset_group_near(d, FJ_NEAR_COPY_THRESHOLD, &merged, &err), FJ_OK);
    cr_assert_eq(merged, 2);
    cr_assert_str_eq(fj_dataset_group(d, 0), fj_dataset_group(d, 1));
    cr_assert_str_eq(fj_dataset_group(d, 3), fj_dataset_group(d, 4));
    cr_assert_str_eq(fj_dataset_group(d, 2), "c:x");
    cr_assert_str_eq(fj_dataset_group(d, 5), "c:x");
    cr_assert_str_neq(fj_dataset_group(d, 0), fj_dataset_group(d, 2));
    cr_assert_str_neq(fj_dataset_group(d, 0), fj_dataset_group(d, 3));
    /* the copy slice: a near-copy in another fold marks both; same fold or none marks neither */
    int folds[6] = {0, 1, 0, 1, 1, 0};
    unsigned char copy[6];
    cr_assert_eq(fj_dataset_near_copies(d, FJ_NEAR_COPY_THRESHOLD, folds, copy, &err), FJ_OK);
    unsigned char want[6] = {1, 1, 0, 0, 0, 0};
    cr_assert_arr_eq(copy, want, 6);
    /* a stricter threshold keeps the edited English pair apart */
    folds[1] = 1;
    cr_assert_eq(fj_dataset_near_copies(d, 0.9, folds, copy, &err), FJ_OK);
    cr_assert_eq(copy[0], 0);
    cr_assert_eq(fj_dataset_group_near(d, 0, NULL, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_dataset_group_near(NULL, 0.5, NULL, &err), FJ_ERR_ARGUMENT);
    fj_dataset_free(d);
}

Test(dataset, replay_counts_reposts_in_time_order)
{
    fj_dataset *d;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    cr_assert_eq(fj_dataset_add_file(d, TRAIN_DIR "/reposts.jsonl", NULL, &err), FJ_OK);
    cr_assert_null(fj_dataset_history(d, 0), "not replayed yet");
    cr_assert_eq(fj_dataset_replay_history(d, &err), FJ_OK, "%s", err.message);
    const fj_history_stats *first = fj_dataset_history(d, 0), *last = fj_dataset_history(d, 3);
    cr_assert(first && last);
    cr_assert_eq(first->seen_before, 0);
    cr_assert_eq(last->seen_before, 3, "three earlier postings of the same text");
    cr_assert_geq(last->distinct_companies, 2);
    /* observed_at was pinned to posted_at, so the age is not today's */
    int64_t obs, posted;
    cr_assert(fj_posting_time(fj_dataset_posting(d, 3), FJ_FIELD_OBSERVED_AT, &obs));
    cr_assert(fj_posting_time(fj_dataset_posting(d, 3), FJ_FIELD_POSTED_AT, &posted));
    cr_assert_eq(obs, posted);
    fj_dataset_free(d);
}

/* ---- training errors and cross-validation ---- */

Test(train, refuses_single_class_and_bad_params)
{
    fj_dataset *d;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    cr_assert_eq(fj_dataset_add_file(d, TRAIN_DIR "/en.jsonl", NULL, &err), FJ_OK);
    fj_train_params p;
    fj_train_params_init(&p);
    fj_model *m = NULL;
    p.folds = 1;
    cr_assert_eq(fj_train(&m, d, &p, &err), FJ_ERR_ARGUMENT);
    fj_train_params_init(&p);
    p.name = "has space";
    cr_assert_eq(fj_train(&m, d, &p, &err), FJ_ERR_ARGUMENT);
    fj_train_params_init(&p);
    p.C = -1;
    cr_assert_eq(fj_train(&m, d, &p, &err), FJ_ERR_ARGUMENT);
    double bad_weight[] = {0, -1, 2.5, NAN};
    for (size_t k = 0; k < sizeof bad_weight / sizeof *bad_weight; k++) {
        fj_train_params_init(&p);
        p.dense_weight = bad_weight[k];
        cr_assert_eq(fj_train(&m, d, &p, &err), FJ_ERR_ARGUMENT, "%g", bad_weight[k]);
        cr_assert(strstr(err.message, "dense_weight"), "%s", err.message);
        fj_train_params_init(&p);
        p.dense_weight_lang[FJ_LANG_EN] = bad_weight[k];
        if (bad_weight[k] != 0) /* 0: no override */
            cr_assert_eq(fj_train(&m, d, &p, &err), FJ_ERR_ARGUMENT, "%g", bad_weight[k]);
    }
    cr_assert_null(m);
    fj_dataset_free(d);

    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    for (int i = 0; i < 10; i++) {
        char json[200];
        snprintf(json, sizeof json,
                 "{\"title\":\"Job %d\",\"description\":\"Honest work number %d.\","
                 "\"label\":\"legit\"}",
                 i, i);
        fj_posting *q = posting(json);
        cr_assert_eq(fj_dataset_add(d, q, NULL, &err), FJ_OK);
        fj_posting_free(q);
    }
    fj_train_params_init(&p);
    cr_assert_eq(fj_train(&m, d, &p, &err), FJ_ERR_TRAIN);
    cr_assert(strstr(err.message, "fraudulent"), "%s", err.message);
    cr_assert_null(m);
    fj_dataset_free(d);
}

/* The dense weight of a language multiplies that part's dense features and leaves the other
 * part as it was; the part's cross-validation record names it. */
Test(train, dense_weight_scales_the_dense_features_of_its_language)
{
    fj_dataset *d = corpus();
    fj_train_params p;
    fj_train_params_init(&p);
    p.C = 1;
    fj_model *m1 = NULL, *m2 = NULL;
    cr_assert_eq(fj_train(&m1, d, &p, &err), FJ_OK, "%s", err.message);
    p.dense_weight_lang[FJ_LANG_EN] = 2;
    cr_assert_eq(fj_train(&m2, d, &p, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(m1->nparts, 2);
    cr_assert_eq(m2->nparts, 2);
    const fj__part *zh1 = &m1->part[0], *zh2 = &m2->part[0];
    const fj__part *en1 = &m1->part[1], *en2 = &m2->part[1];
    cr_assert_str_eq(en2->lang, "en");
    cr_assert_eq(en1->fs.n, en2->fs.n);
    cr_assert_gt(en1->fs.n_dense, 0);
    for (size_t f = 0; f < en1->fs.n; f++)
        cr_assert_float_eq(en2->fs.param[f],
                           f < en1->fs.n_dense ? en1->fs.param[f] / 2 : en1->fs.param[f], 1e-12,
                           "feature %zu", f);
    /* the Chinese part: the same features, scales and weights */
    cr_assert_eq(zh1->fs.n, zh2->fs.n);
    for (size_t f = 0; f < zh1->fs.n; f++) {
        cr_assert_eq(zh1->fs.param[f], zh2->fs.param[f], "feature %zu", f);
        cr_assert_eq(zh1->w[f], zh2->w[f], "weight %zu", f);
    }
    /* an English posting's dense features are twice as large, its text features the same */
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_posting *ps = posting(EN_SCAM);
    fj__vec v1 = {0}, v2 = {0};
    cr_assert_eq(fj__vectorize(ctx, &en1->fs, ps, NULL, &v1, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj__vectorize(ctx, &en2->fs, ps, NULL, &v2, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(v1.n, v2.n);
    size_t dense = 0;
    for (size_t i = 0; i < v1.n; i++) {
        cr_assert_eq(v1.e[i].idx, v2.e[i].idx);
        bool is_dense = v1.e[i].idx < en1->fs.n_dense;
        dense += is_dense;
        cr_assert_float_eq(v2.e[i].val, is_dense ? 2 * v1.e[i].val : v1.e[i].val, 1e-12);
    }
    cr_assert_gt(dense, 0, "the scam fires no dense feature");
    cr_assert(strstr(en2->cv_json, "\"dense_weight\":2"), "%s", en2->cv_json);
    cr_assert_null(strstr(zh2->cv_json, "dense_weight"), "%s", zh2->cv_json);
    fj__vec_free(&v1);
    fj__vec_free(&v2);
    fj_posting_free(ps);
    fj_context_free(ctx);
    fj_model_free(m1);
    fj_model_free(m2);
    fj_dataset_free(d);
}

/* The weight of view `name` in a part's cross-validation record, or -1 when it has none. */
static double view_weight(const fj__part *pt, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"view\":\"%s\",\"weight\":", name); /* keys are sorted */
    const char *s = pt->cv_json ? strstr(pt->cv_json, pat) : NULL;
    return s ? strtod(s + strlen(pat), NULL) : -1;
}

Test(train, linear_parts_mix_a_text_only_view_unless_single_view)
{
    fj_dataset *d = corpus();
    fj_model *two = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    fj_train_params p;
    fj_train_params_init(&p);
    p.C = 1;
    p.text_view = 0;
    fj_model *one = NULL;
    cr_assert_eq(fj_train(&one, d, &p, &err), FJ_OK, "%s", err.message);
    for (int i = 0; i < two->nparts; i++) {
        double wa = view_weight(&two->part[i], "all"), wt = view_weight(&two->part[i], "text");
        cr_assert(wa >= 0 && wa <= 1 && wt >= 0 && wt <= 1, "part %s: %g %g", two->part[i].lang, wa,
                  wt);
        cr_assert(fabs(wa + wt - 1) < 1e-3, "part %s: weights %g + %g", two->part[i].lang, wa, wt);
        cr_assert_eq(view_weight(&one->part[i], "all"), 1);
        cr_assert_eq(view_weight(&one->part[i], "text"), -1, "%s", one->part[i].cv_json);
        /* one feature space, two models */
        cr_assert_eq(two->part[i].fs.n, one->part[i].fs.n);
        bool differ = false;
        for (size_t j = 0; j < one->part[i].fs.n && !differ; j++)
            differ = two->part[i].w[j] != one->part[i].w[j];
        cr_assert(differ || wa == 1, "part %s: mixing changed no weight", two->part[i].lang);
        /* the all view at the same C is the single-view model, and the text view has no dense
         * features: mixed, the dense weights are the single-view ones times wa */
        for (size_t j = 0; j < one->part[i].fs.n_dense; j++)
            cr_assert(fabs(two->part[i].w[j] - wa * one->part[i].w[j]) < 1e-9,
                      "part %s, feature %zu: %.17g vs %g x %.17g", two->part[i].lang, j,
                      two->part[i].w[j], wa, one->part[i].w[j]);
    }
    fj_model_free(one);
    fj_model_free(two);
    fj_dataset_free(d);
}

Test(train, per_language_vocabulary_settings_apply_to_their_part_only)
{
    fj_dataset *d = corpus();
    fj_train_params p;
    fj_train_params_init(&p);
    p.C = 1;
    p.text_view = 0;
    fj_model *base = NULL, *en1 = NULL, *capped = NULL;
    cr_assert_eq(fj_train(&base, d, &p, &err), FJ_OK, "%s", err.message);
    p.min_df_lang[FJ_LANG_EN] = 1;
    cr_assert_eq(fj_train(&en1, d, &p, &err), FJ_OK, "%s", err.message);
    p.min_df_lang[FJ_LANG_EN] = 0;
    p.max_features_lang[FJ_LANG_ZH] = 5;
    cr_assert_eq(fj_train(&capped, d, &p, &err), FJ_OK, "%s", err.message);
    /* parts: zh, en */
    cr_assert_eq(en1->part[0].fs.n, base->part[0].fs.n);
    cr_assert_gt(en1->part[1].fs.n, base->part[1].fs.n, "min_df 1 keeps the hapaxes");
    cr_assert_eq(capped->part[0].fs.n, capped->part[0].fs.n_dense + 5);
    cr_assert_eq(capped->part[1].fs.n, base->part[1].fs.n);
    /* each part records the vocabulary settings it used */
    cr_assert_eq(cv_number(&en1->part[1], "min_df"), 1);
    cr_assert_eq(cv_number(&en1->part[0], "min_df"), 2);
    cr_assert_eq(cv_number(&capped->part[0], "max_features"), 5);
    /* one "all" part takes the plain values */
    p.per_language = 0;
    p.min_df_lang[FJ_LANG_EN] = 1;
    fj_model *all = NULL;
    cr_assert_eq(fj_train(&all, d, &p, &err), FJ_OK, "%s", err.message);
    cr_assert_str_eq(all->part[0].lang, "all");
    cr_assert_eq(cv_number(&all->part[0], "min_df"), 2);
    cr_assert_eq(cv_number(&all->part[0], "max_features"), 30000);
    fj_model_free(all);
    p.per_language = 1;
    p.min_df_lang[FJ_LANG_EN] = 0;
    p.min_df_lang[FJ_LANG_ZH] = -1;
    fj_model *m = NULL;
    cr_assert_eq(fj_train(&m, d, &p, &err), FJ_ERR_ARGUMENT);
    cr_assert(strstr(err.message, "min_df"), "%s", err.message);
    cr_assert_null(m);
    fj_model_free(base);
    fj_model_free(en1);
    fj_model_free(capped);
    fj_dataset_free(d);
}

Test(train, english_only_model_refuses_chinese_postings_naming_the_language)
{
    fj_dataset *d;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    cr_assert_eq(fj_dataset_add_file(d, TRAIN_DIR "/en.jsonl", NULL, &err), FJ_OK);
    fj_model *m = train_with(d, FJ_KERNEL_LINEAR, 1, 0);
    cr_assert_eq(m->nparts, 1);
    cr_assert_str_eq(m->part[0].lang, "en");
    fj_context *ctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    fj_posting *p = posting(ZH_SCAM);
    fj_result r;
    cr_assert_eq(fj_score(ctx, m, p, NULL, &r, &err), FJ_ERR_INPUT);
    cr_assert_str_eq(err.field, "lang");
    cr_assert(strstr(err.message, "Chinese (zh)"), "%s", err.message);
    fj_posting_free(p);
    r = score_of(ctx, m, EN_SCAM); /* its own language is scored */
    cr_assert_eq(r.lang, FJ_LANG_EN);
    fj_context_free(ctx);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(train, cross_validation_keeps_groups_together_and_ranks_well)
{
    fj_dataset *d = corpus();
    size_t n = fj_dataset_size(d);
    double *scores = calloc(n, sizeof *scores), *margins = calloc(n, sizeof *margins);
    fj_verdict *verdicts = calloc(n, sizeof *verdicts);
    int *folds = calloc(n, sizeof *folds);
    fj_train_params p;
    fj_train_params_init(&p);
    p.C = 1;
    p.folds = 3;
    cr_assert_eq(fj_cross_validate(d, &p, scores, margins, verdicts, folds, &err), FJ_OK, "%s",
                 err.message);
    size_t pairs = 0, right = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert(scores[i] > 0 && scores[i] < 1);
        cr_assert(folds[i] >= 0 && folds[i] < 3);
        for (size_t j = 0; j < n; j++) {
            if (strcmp(fj_dataset_group(d, i), fj_dataset_group(d, j)) == 0)
                cr_assert_eq(folds[i], folds[j], "a group was split across folds");
            if (fj_dataset_label(d, i) == FJ_LABEL_FRAUD &&
                fj_dataset_label(d, j) == FJ_LABEL_LEGIT) {
                pairs++;
                right += margins[i] > margins[j];
            }
        }
    }
    double auc = (double)right / (double)pairs;
    cr_assert_gt(auc, 0.8, "out-of-fold ROC-AUC %.3f", auc);
    free(scores);
    free(margins);
    free(verdicts);
    free(folds);
    fj_dataset_free(d);
}

/* ---- fast number parsing of model files ---- */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void assert_parses_like_strtod(const char *text)
{
    char *se;
    const char *fe;
    double want = strtod(text, &se);
    double got = fj__parse_double(text, &fe);
    cr_assert(memcmp(&want, &got, sizeof want) == 0 && fe == se,
              "'%s': %.17g (end %td) where strtod gives %.17g (end %td)", text, got, fe - text,
              want, se - text);
}

Test(numbers, model_file_numbers_parse_exactly_as_strtod_does)
{
    fj__cnum cn;
    cr_assert(fj__cnum_begin(&cn));
    const char *fixed[] = {
        "0", "-0", "0.1", "-0.30000000000000004", "1e-5", "1.5E-27", "9.999999999999999e-28",
        "123456789012345678.9", "1234567890123456789", "12345678901234567890",
        "0.000000000000000000000000001", "1.", ".5", "-.5e-3", "1e", "1e+", "0x1p3", "inf", "-nan",
        "+1.25", " 2.5", "5e-324", "1.7976931348623157e308", "2.2250738585072014e-308",
        "0.50000000000000011102230246251565404236316680908203125",
        "0.500000000000000111022302462515654042363166809082031251", "7.2057594037927933e16", "1e22",
        /* exact ties between two doubles: half to even */
        "9007199254740993", "9007199254740995", "18014398509481985", "18014398509481987",
        "-18014398509481986", "9007199254740993e-27", "4.9406564584124654e-324", "-"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        assert_parses_like_strtod(fixed[i]);
    /* the shortest round-trip forms the bundle writer produces, and random digit strings with
     * their tie and near-tie neighbours */
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    char buf[64];
    for (int i = 0; i < 200000; i++) {
        uint64_t r = rng_next(&seed);
        double d;
        memcpy(&d, &r, sizeof d);
        if (!isfinite(d))
            continue;
        d = ldexp(frexp(d, &(int){0}), (int)(r % 80) - 70);
        fj__fmt_double(d, buf);
        assert_parses_like_strtod(buf);
        snprintf(buf, sizeof buf, "%.25f", d);
        assert_parses_like_strtod(buf);
        snprintf(buf, sizeof buf, "%s0.%0*llu", r & 1 ? "-" : "", (int)(r % 27) + 1,
                 (unsigned long long)(rng_next(&seed) % 10000000000000000000ULL));
        assert_parses_like_strtod(buf);
    }
    fj__cnum_end(&cn);
}

/* ---- SHA-256 of long inputs (the bundle checksums; the SHA-NI path where the CPU has it) ---- */

Test(numbers, sha256_of_long_inputs_matches_the_standard_vectors)
{
    size_t n = 1000000;
    char *a = malloc(n);
    cr_assert(a);
    memset(a, 'a', n);
    char hex[65];
    fj__sha256_hex(a, n, hex); /* FIPS 180-2, appendix B.3 */
    cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* the same bytes fed in uneven pieces (short runs and long runs of whole blocks) */
    fj_sha256 s;
    unsigned char d[32];
    fj__sha256_init(&s);
    for (size_t at = 0, step = 1; at < n; step = step * 7 % 9001 + 1) {
        size_t k = step < n - at ? step : n - at;
        fj__sha256_update(&s, a + at, k);
        at += k;
    }
    fj__sha256_final(&s, d);
    char hex2[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex2 + 2 * i, 3, "%02x", d[i]);
    cr_assert_str_eq(hex2, hex);
    /* 64 blocks of varied bytes against a digest computed independently (Python hashlib) */
    for (size_t i = 0; i < 4096; i++)
        a[i] = (char)(i * 131 + (i >> 8));
    fj__sha256_hex(a, 4096, hex);
    cr_assert_str_eq(hex, "840d80a76f3e4e43d2aedfedad05d62d7b6ececae729f7ce1d71393363f200ec");
    free(a);
}

/* ---- a loaded linear model keeps no libsvm text: saving reads it again, verified ---- */

static char *save_tmp_status(const fj_model *m, fj_status want)
{
    char *dir = strdup("/tmp/fj-bundle-XXXXXX");
    cr_assert(mkdtemp(dir));
    fj_error_clear(&err);
    fj_status st = fj_model_save(m, dir, &err);
    cr_assert_eq(st, want, "save gave %d (%s), expected %d", st, err.message, want);
    return dir;
}

Test(bundle, a_loaded_linear_model_saves_its_svm_model_read_again_and_verified)
{
    char *dir = bundle();
    fj_model *l = NULL;
    cr_assert_eq(fj_model_load(&l, dir, &err), FJ_OK, "%s", err.message);
    for (int i = 0; i < l->nparts; i++)
        cr_assert_null(l->part[i].svm_text, "part %s keeps its libsvm text", l->part[i].lang);
    size_t len;
    char *orig = slurp(dir, "en.svm.model", &len);
    /* altered after the load: the save refuses it, naming the file */
    char *bad = malloc(len);
    memcpy(bad, orig, len);
    bad[len / 2] ^= 0x01;
    spit(dir, "en.svm.model", bad, len);
    char *dir2 = save_tmp_status(l, FJ_ERR_MODEL);
    cr_assert(strstr(err.message, "en.svm.model") && strstr(err.message, "checksum"), "%s",
              err.message);
    /* restored: the save writes the same bytes */
    spit(dir, "en.svm.model", orig, len);
    free(dir2);
    dir2 = save_tmp_status(l, FJ_OK);
    size_t len2;
    char *copy = slurp(dir2, "en.svm.model", &len2);
    cr_assert(len2 == len && memcmp(copy, orig, len) == 0);
    free(copy);
    /* gone: an I/O error naming it */
    rm_bundle(dir);
    char *dir3 = save_tmp_status(l, FJ_ERR_IO);
    cr_assert(strstr(err.message, "svm.model"), "%s", err.message);
    rm_bundle(dir2);
    rm_bundle(dir3);
    free(dir);
    free(dir2);
    free(dir3);
    free(bad);
    free(orig);
    fj_model_free(l);
}
