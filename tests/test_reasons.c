/*
 * test_reasons.c - the reasons a moderator reads (docs/reasons.md): a label in Chinese and
 * English for every reason the bundled model can give, the absences merged into one
 * "missing_information" reason, no fact twice, no stop word or single character as a reason,
 * the quoting reasons first, every fired red flag in `flags` whatever the verdict. Scored with
 * the bundled model on the project's corpus/ postings.
 */
#include "model/model.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fj_error err;

static bool has_han(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xe4 && *p <= 0xe9) /* U+4000..U+9FFF lead bytes */
            return true;
    return false;
}

static bool ascii_letters(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80)
            return false;
    return strlen(s) > 3;
}

static void assert_label(const char *name)
{
    cr_assert(fj__reason_label_known(name), "'%s' has no label of its own", name);
    for (int side = 0; side < 2; side++) {
        const char *zh = fj_reason_label(name, side, FJ_LANG_ZH);
        const char *en = fj_reason_label(name, side, FJ_LANG_EN);
        const char *both = fj_reason_label(name, side, FJ_LANG_AUTO);
        cr_assert(zh && en && both);
        cr_assert(has_han(zh), "'%s': Chinese label '%s'", name, zh);
        cr_assert(ascii_letters(en), "'%s': English label '%s'", name, en);
        cr_assert_null(strstr(zh, " / "));
        cr_assert_null(strstr(en, " / "));
        char want[512];
        snprintf(want, sizeof want, "%s / %s", zh, en);
        cr_assert_str_eq(both, want);
    }
}

static fj_model *bundled(void)
{
    fj_model *m = NULL;
    cr_assert_eq(fj_model_load(&m, FJ_SOURCE_MODELDIR "/default", &err), FJ_OK, "%s", err.message);
    return m;
}

Test(labels, every_feature_kind_of_the_bundled_model_and_every_signal)
{
    for (size_t i = 0; i < fj_signal_count(); i++)
        assert_label(fj_signal_name(i));
    assert_label("missing_information");
    fj_model *m = bundled();
    for (int p = 0; p < m->nparts; p++) {
        const fj__fspace *fs = &m->part[p].fs;
        for (size_t i = 0; i < fs->n; i++) {
            const char *name = fs->names + fs->name_off[i];
            if (i < fs->n_dense) /* every signal and metadata fact */
                assert_label(name);
            else if (i % 97 == 0) /* n-grams are labelled by kind: a sample of them */
                assert_label(name);
        }
    }
    fj_model_free(m);
}

Test(labels, text_kinds_say_their_side_others_do_not)
{
    cr_assert_str_eq(fj_reason_label("word:押金", 1, FJ_LANG_EN),
                     "Wording often seen in fraudulent postings");
    cr_assert_str_eq(fj_reason_label("word:押金", 0, FJ_LANG_ZH), "常见于正规招聘的用语");
    cr_assert_str_eq(fj_reason_label("upfront_fee", 1, FJ_LANG_AUTO),
                     "要求求职者付费 / Asks the applicant to pay");
    cr_assert_str_eq(fj_reason_label("upfront_fee", 0, FJ_LANG_AUTO),
                     fj_reason_label("upfront_fee", 1, FJ_LANG_AUTO));
    /* the longest prefix decides: openings per size is not the openings bucket */
    cr_assert_str_eq(fj_reason_label("meta:openings_per_size_b3", 1, FJ_LANG_EN),
                     "Openings per head of the company");
    cr_assert_str_eq(fj_reason_label("meta:openings_b3", 1, FJ_LANG_EN), "Number of openings");
    /* an unknown name is said to be one, never left blank; NULL only for NULL */
    cr_assert(!fj__reason_label_known("shiny_new_feature"));
    cr_assert_str_eq(fj_reason_label("shiny_new_feature", 1, FJ_LANG_EN),
                     "Another feature the model weighs");
    cr_assert_null(fj_reason_label(NULL, 1, FJ_LANG_EN));
}

Test(informative, stop_words_entities_and_single_characters_are_not_reasons)
{
    static const char *const no[] = {"word:your", "word:per",    "word:amp",     "title:可",
                                     "word:a",    "bigram:的工", "pair:oil and", "pair:的 商业",
                                     "word:我们", "title:x",     "pair:of the",  "word:7",
                                     "token:num"};
    static const char *const yes[] = {
        "word:押金", "bigram:日结", "title:客服", "pair:work home", "word:train",
        "token:qq",  "upfront_fee", "word:在家",  "pair:oil rig",   "meta:salary_max_b2"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        cr_assert(!fj__reason_informative(no[i], strlen(no[i])), "%s", no[i]);
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        cr_assert(fj__reason_informative(yes[i], strlen(yes[i])), "%s", yes[i]);
}

Test(informative, every_stop_word_is_found)
{
    cr_assert(fj__reason_stop_words_sorted());
    /* the table's first and last entries, one of each group, and near misses either side */
    static const char *const no[] = {"word:a",     "word:about",  "word:yourselves",
                                     "word:rsquo", "word:hellip", "word:一个",
                                     "word:其他",  "word:那些",   "pair:work yourselv"};
    static const char *const yes[] = {
        "word:ab", "word:abou",   "word:yourselvesx", "word:aa",
        "word:zz", "word:一个人", "word:其他人",      "pair:work yourselve"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        cr_assert(!fj__reason_informative(no[i], strlen(no[i])), "%s", no[i]);
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        cr_assert(fj__reason_informative(yes[i], strlen(yes[i])), "%s", yes[i]);
}

static size_t codepoints(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

static bool is_absence(const char *name)
{
    return fj__reason_kind(name, strlen(name), NULL) == FJ__REASON_ABSENCE;
}

/* Every result of the corpus, with the default options and with many reasons. */
static void check_result(const fj_result *r, const fj__fspace *fs, const fj_signal *sig,
                         size_t nsig, size_t *quoting_top, size_t *fraud)
{
    size_t quoting = 0;
    bool seen_unquoted = false;
    for (size_t k = 0; k < r->reason_count; k++) {
        const fj_reason *rs = &r->reasons[k];
        cr_assert(rs->label && strcmp(rs->label, fj_reason_label(rs->signal, rs->weight > 0,
                                                                 FJ_LANG_AUTO)) == 0,
                  "%s: label", rs->signal);
        for (size_t j = 0; j < k; j++)
            cr_assert_str_neq(r->reasons[j].signal, rs->signal, "%s listed twice", rs->signal);
        const char *same;
        fj__reason_kind(rs->signal, strlen(rs->signal), &same);
        cr_assert(!same || strcmp(same, rs->signal) == 0, "%s repeats %s", rs->signal, same);
        cr_assert(fj__reason_informative(rs->signal, strlen(rs->signal)), "%s", rs->signal);
        if (strchr(rs->signal, ':') && rs->evidence && strncmp(rs->signal, "token:", 6) != 0 &&
            strncmp(rs->signal, "field:", 6) != 0)
            cr_assert_geq(codepoints(rs->evidence, rs->evidence_len), 2, "%s: '%.*s'", rs->signal,
                          (int)rs->evidence_len, rs->evidence);
        if (strcmp(rs->signal, "missing_information") == 0) {
            cr_assert_gt(rs->missing_count, 0);
            cr_assert_null(rs->evidence);
            double sum = 0;
            for (size_t j = 0; j < rs->missing_count; j++) {
                const fj_reason *mi = &rs->missing[j];
                cr_assert(is_absence(mi->signal), "%s", mi->signal);
                cr_assert_null(
                    strchr(mi->signal, ':') && strncmp(mi->signal, "meta:", 5) ? mi->signal : NULL,
                    "%s is listed under its signal's name", mi->signal);
                cr_assert(mi->label && fj__reason_label_known(mi->signal));
                for (size_t i = 0; i < j; i++)
                    cr_assert_str_neq(rs->missing[i].signal, mi->signal);
                if (j)
                    cr_assert_geq(fabs(rs->missing[j - 1].weight), fabs(mi->weight));
                sum += mi->weight;
            }
            cr_assert_float_eq(sum, rs->weight, 1e-9);
        } else {
            cr_assert(!is_absence(rs->signal), "absence %s outside missing_information",
                      rs->signal);
            cr_assert_eq(rs->missing_count, 0);
        }
        /* toward fraud the quoting reasons first, each group strongest first; toward legit
         * strongest first */
        bool fraud_side = rs->weight > 0;
        if (k && (!fraud_side || !r->reasons[k - 1].evidence == !rs->evidence))
            cr_assert_geq(fabs(r->reasons[k - 1].weight), fabs(rs->weight));
        if (rs->evidence) {
            cr_assert(!fraud_side || !seen_unquoted,
                      "a quoting reason after one that does not quote");
            quoting++;
        } else
            seen_unquoted = true;
    }
    if (r->verdict == FJ_VERDICT_FRAUD) {
        (*fraud)++;
        *quoting_top += r->reason_count && r->reasons[0].evidence;
    }
    /* every red flag that fired (and that the model's part knows) is in flags, whatever the
     * verdict */
    for (size_t i = 0; i < nsig; i++) {
        bool in = false;
        for (size_t f = 0; f < r->flag_count && !in; f++)
            in = strcmp(r->flags[f], sig[i].name) == 0;
        cr_assert(in || fj__fspace_find(fs, sig[i].name, strlen(sig[i].name)) < 0,
                  "flag %s fired but is not listed (verdict %s)", sig[i].name,
                  fj_verdict_name(r->verdict));
    }
}

static const fj__fspace *part_of(const fj_model *m, fj_lang lang)
{
    for (int p = 0; p < m->nparts; p++)
        if (strcmp(m->part[p].lang, fj_lang_name(lang)) == 0)
            return &m->part[p].fs;
    cr_assert_fail("no %s part", fj_lang_name(lang));
    return NULL;
}

Test(reasons, on_the_corpus)
{
    fj_model *m = bundled();
    fj_context *ctx, *sctx;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    cr_assert_eq(fj_context_new(&sctx, &err), FJ_OK);
    fj_context_set_now(ctx, 1800000000);
    fj_context_set_now(sctx, 1800000000);
    const char *files[] = {"en-a", "en-b", "en-c", "zh-a", "zh-b"};
    size_t n = 0, fraud = 0, quoting_top = 0, merged = 0, legit_flags = 0;
    fj_score_options o;
    fj_score_options_init(&o);
    for (size_t f = 0; f < 4; f++) {
        fj_dataset *d;
        char path[512];
        snprintf(path, sizeof path, "%s/../corpus/%s.jsonl", FJ_TEST_DATADIR, files[f]);
        cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
        cr_assert_eq(fj_dataset_add_file(d, path, NULL, &err), FJ_OK, "%s", err.message);
        for (size_t i = 0; i < fj_dataset_size(d); i++, n++) {
            const fj_posting *p = fj_dataset_posting(d, i);
            const fj_signal *sig;
            size_t nsig;
            cr_assert_eq(fj_signals(sctx, p, NULL, &sig, &nsig, &err), FJ_OK, "%s", err.message);
            for (int many = 0; many < 2; many++) {
                fj_result r;
                o.max_reasons = many ? 40 : 5;
                cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &r, &err), FJ_OK, "%s",
                             err.message);
                size_t q = 0, fr = 0;
                check_result(&r, part_of(m, r.lang), sig, nsig, &q, &fr);
                if (!many) {
                    fraud += fr;
                    quoting_top += q;
                    for (size_t k = 0; k < r.reason_count; k++)
                        merged += r.reasons[k].missing_count > 1;
                    legit_flags += r.verdict == FJ_VERDICT_LEGIT && r.flag_count > 0;
                }
            }
        }
        fj_dataset_free(d);
    }
    cr_assert_gt(n, 500);
    cr_assert_gt(merged, 50, "absences merged into one reason: %zu", merged);
    cr_assert_gt(legit_flags, 10, "legit verdicts list the flags that fired");
    /* the target of docs/reasons.md: the top reason of a fraud verdict quotes the posting in
     * at least 90 % of them */
    cr_assert_geq((double)quoting_top / (double)fraud, 0.9, "%zu of %zu", quoting_top, fraud);
    fj_context_free(ctx);
    fj_context_free(sctx);
    fj_model_free(m);
}

Test(reasons, any_max_reasons)
{
    fj_model *m = bundled();
    fj_context *ctx;
    fj_posting *p;
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    const char *j = "{\"title\":\"打字员\",\"description\":\"日结300元，入职前需缴纳培训费198元，"
                    "加QQ：123456789\",\"has_company_logo\":false}";
    cr_assert_eq(fj_posting_parse_json(p, j, strlen(j), &err), FJ_OK, "%s", err.message);
    fj_score_options o;
    fj_score_options_init(&o);
    size_t counts[3];
    double strongest = 0, first = 0;
    const size_t maxes[3] = {1, 1000, SIZE_MAX};
    for (int i = 0; i < 3; i++) {
        o.max_reasons = maxes[i];
        fj_result r;
        cr_assert_eq(fj_score_with(ctx, m, p, NULL, &o, &r, &err), FJ_OK, "%s", err.message);
        counts[i] = r.reason_count;
        cr_assert_gt(r.reason_count, 0);
        if (i == 0)
            first = r.reasons[0].weight;
        else {
            /* all of them: the fee or the contact first, and the single reason of
             * max_reasons 1 is the strongest of all */
            cr_assert_not_null(r.reasons[0].evidence);
            for (size_t k = 0; k < r.reason_count; k++)
                strongest = fmax(strongest, r.reasons[k].weight);
            cr_assert_float_eq(first, strongest, 1e-12);
        }
    }
    cr_assert_eq(counts[0], 1);
    cr_assert_gt(counts[1], 5);
    cr_assert_eq(counts[1], counts[2]);
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
}
