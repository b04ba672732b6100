/*
 * test_train.c - the training stage's choices where a figure can be undefined: the grid search
 * never selects (nor is blocked by) a setting whose cross-validated PR-AUC is NaN, a fraud
 * threshold that no out-of-fold score reaches has an undefined precision that the bundle
 * records as null (not as 0), and the thresholds themselves on a case worked out by hand; and
 * training with postings of another source (fj_train_params.sources): its own features keep its
 * labels from unlearning the reference's, a dataset of one source trains as without sources,
 * and bad source numbers or modes are refused; the platform route (FJ_SOURCE_ROUTE): which
 * postings it scores (those carrying applicants and response_rate), what its cross-validated
 * scores are beside augment's, and that training refuses it.
 */
#include "train/train.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(grid, best_skips_undefined_pr_auc)
{
    /* a NaN first neither wins nor blocks the defined figures after it */
    const double a[] = {NAN, 0.61, 0.70, NAN, 0.55};
    cr_assert_eq(fj__grid_best(a, (int)N(a)), 2);
    const double b[] = {NAN, 0.5};
    cr_assert_eq(fj__grid_best(b, (int)N(b)), 1);
    /* a NaN after the best does not replace it */
    const double c[] = {0.4, NAN};
    cr_assert_eq(fj__grid_best(c, (int)N(c)), 0);
}

Test(grid, best_is_undefined_when_every_figure_is)
{
    const double a[] = {NAN, NAN, NAN};
    cr_assert_eq(fj__grid_best(a, (int)N(a)), -1);
}

Test(grid, best_keeps_the_first_of_near_ties)
{
    /* within 1e-12 the earlier (smaller) C stays chosen */
    const double a[] = {0.70, 0.70 + 1e-13, 0.69};
    cr_assert_eq(fj__grid_best(a, (int)N(a)), 0);
    const double b[] = {0.70, 0.70 + 1e-9};
    cr_assert_eq(fj__grid_best(b, (int)N(b)), 1);
}

/* Frauds 0.95 0.9 0.85 0.8 0.4, legits 0.7 0.6 0.3 0.2 0.1, given out of order. */
static const double sc[] = {0.3, 0.9, 0.1, 0.4, 0.7, 0.95, 0.2, 0.85, 0.6, 0.8};
static const int lab[] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};

Test(thresholds, chosen_as_worked_out_by_hand)
{
    double tf = -1, ts = -1;
    fj_error err;
    cr_assert_eq(fj__choose_thresholds(sc, lab, N(sc), 0.9, 0.95, &tf, &ts, &err), FJ_OK);
    /* the lowest cut of precision >= 0.9 with 3 frauds above: between 0.8 and 0.7 (4 of 4) */
    cr_assert_float_eq(tf, 0.75, 1e-12);
    /* it catches 4 of 5 frauds; 95 % recall needs all 5: the cut between 0.4 and 0.3, where
     * the band's own precision (0.7 and 0.6 honest, 0.4 fraud: 1 of 3) still reaches the floor */
    cr_assert_float_eq(ts, 0.35, 1e-12);
}

/* Eight frauds from 0.92 to 0.99 (the fraud cut, between 0.92 and the next score: 0.81), then
 * the band's candidates: `extra_fraud` and `extra_legit` below it. */
static void band_case(const double *extra_fraud, size_t nf, const double *extra_legit, size_t nl,
                      double target_recall, double *tf, double *ts)
{
    double s[32];
    int y[32];
    size_t n = 0;
    for (int k = 0; k < 8; k++, n++) {
        s[n] = 0.92 + 0.01 * k;
        y[n] = 1;
    }
    for (size_t k = 0; k < nf; k++, n++) {
        s[n] = extra_fraud[k];
        y[n] = 1;
    }
    for (size_t k = 0; k < nl; k++, n++) {
        s[n] = extra_legit[k];
        y[n] = 0;
    }
    fj_error err;
    cr_assert_eq(fj__choose_thresholds(s, y, n, 0.9, target_recall, tf, ts, &err), FJ_OK);
    cr_assert_float_eq(*tf, 0.81, 1e-12);
}

Test(thresholds, band_judged_by_its_own_precision)
{
    /* Below the fraud cut: 0.70 0.69 honest, 0.68 fraud, 0.66 0.64 honest, 0.40 fraud, 0.35 0.30
     * 0.25 0.20 honest, 0.10 fraud. Reaching 95 % recall needs the cut under 0.10, where the
     * precision from the cut up is still 11 of 19 (the old rule, "at least half from the cut up",
     * took it: a band of 3 frauds among 11 postings). The band's own precision is 1 of 3 down to
     * 0.40 and 3 of 11 at 0.10: the band stops between 0.40 and 0.35. */
    const double f[] = {0.68, 0.40, 0.10};
    const double l[] = {0.70, 0.69, 0.66, 0.64, 0.35, 0.30, 0.25, 0.20};
    double tf, ts;
    band_case(f, N(f), l, N(l), 0.95, &tf, &ts);
    cr_assert_float_eq(ts, 0.375, 1e-12);
    fj_metrics m;
    fj_error err;
    double s[] = {0.68, 0.40, 0.10, 0.70, 0.69, 0.66, 0.64, 0.35, 0.30, 0.25, 0.20};
    int y[] = {1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(fj_metrics_compute(s, y, NULL, N(s), ts, &m, &err), FJ_OK);
    cr_assert_eq(m.at_threshold.tp, 2);
    cr_assert_eq(m.at_threshold.fp, 4);
}

Test(thresholds, band_never_splits_ties)
{
    /* as above with an honest posting tied with the fraud at 0.40: a cut inside the tie would
     * give the band 2 frauds of 6, but the whole tie gives 2 of 7, below one in three, so the
     * band stops between 0.68 and 0.66 (1 fraud of 3) */
    const double f[] = {0.68, 0.40, 0.10};
    const double l[] = {0.70, 0.69, 0.66, 0.64, 0.40, 0.35, 0.30, 0.25, 0.20};
    double tf, ts;
    band_case(f, N(f), l, N(l), 0.95, &tf, &ts);
    cr_assert_float_eq(ts, 0.67, 1e-12);
}

Test(thresholds, band_stops_at_the_recall_goal)
{
    /* 10 frauds, 8 above the fraud cut: a recall goal of 0.8 is already met there, so the band
     * aims at half of the two missed (recall 0.9): it stops under the fraud at 0.68 although
     * its own precision would allow it down to 0.40 */
    const double f[] = {0.68, 0.40};
    const double l[] = {0.70, 0.69, 0.66, 0.64, 0.35, 0.30, 0.25, 0.20};
    double tf, ts;
    band_case(f, N(f), l, N(l), 0.8, &tf, &ts);
    cr_assert_float_eq(ts, 0.67, 1e-12);
}

Test(thresholds, band_floor_holds_at_the_recall_goal)
{
    /* Below the fraud cut five honest postings (0.70-0.665), two frauds (0.66, 0.65), then ten
     * frauds (0.50-0.41); 20 frauds in all, 8 above the fraud cut. A recall goal of 0.5 is
     * reached at the cut under 0.65, where the band is 2 frauds of 7, under one in three; lower
     * cuts would reach the floor again (3 of 8 at 0.50), but past the recall goal. No cut down
     * to the goal's reaches the floor, so the band is empty (a rule taking the higher of "the
     * goal's cut" and "the lowest cut that reaches the floor" would stop at 2 of 7). */
    const double f[] = {0.66, 0.65, 0.50, 0.49, 0.48, 0.47, 0.46, 0.45, 0.44, 0.43, 0.42, 0.41};
    const double l[] = {0.70, 0.69, 0.68, 0.67, 0.665};
    double tf, ts;
    band_case(f, N(f), l, N(l), 0.5, &tf, &ts);
    cr_assert_float_eq(ts, tf, 0);
}

Test(thresholds, band_empty_when_no_cut_reaches_the_floor)
{
    /* below the fraud cut four honest postings come before the next fraud (1 of 5), then two
     * more before the last (2 of 8): no band reaches one in three, so it is empty and the
     * suspicious threshold is the fraud threshold (the old rule took everything, down to 0.10) */
    const double f[] = {0.45, 0.10};
    const double l[] = {0.70, 0.65, 0.60, 0.55, 0.30, 0.20};
    double tf, ts;
    band_case(f, N(f), l, N(l), 0.95, &tf, &ts);
    cr_assert_float_eq(ts, tf, 0);
}

Test(thresholds, nothing_reaches_the_fraud_threshold)
{
    /* a weak part: every calibrated score below 0.5, so the fraud threshold is raised to 0.5
     * and nothing is flagged at it */
    const double s[] = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.12};
    const int y[] = {0, 0, 1, 0, 1, 0, 1, 1, 0, 1};
    double tf = -1, ts = -1;
    fj_error err;
    cr_assert_eq(fj__choose_thresholds(s, y, N(s), 0.9, 0.95, &tf, &ts, &err), FJ_OK);
    cr_assert_float_eq(tf, 0.5, 0);
    cr_assert(ts >= 0 && ts <= tf);
    fj_metrics m;
    cr_assert_eq(fj_metrics_compute(s, y, NULL, N(s), tf, &m, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(m.at_threshold.tp + m.at_threshold.fp, 0);
    cr_assert(isnan(m.at_threshold.precision), "precision with nothing flagged is undefined");
    cr_assert(isnan(m.at_threshold.f1));
    cr_assert_float_eq(m.at_threshold.recall, 0, 0);

    /* the bundle's record of it: null where undefined, never 0 */
    fj_buf b = {0};
    cr_assert(fj__buf_append(&b, "{", 1));
    cr_assert(fj__json_at_threshold(&b, "at_fraud_threshold", &m));
    cr_assert(fj__buf_append(&b, "}", 1));
    json_error_t je;
    json_t *o = json_loads(b.data, 0, &je);
    cr_assert_not_null(o, "not JSON: %s (%s)", b.data, je.text);
    json_t *at = json_object_get(o, "at_fraud_threshold");
    cr_assert(json_is_object(at));
    cr_assert(json_is_null(json_object_get(at, "precision")), "%s", b.data);
    cr_assert(json_is_null(json_object_get(at, "f1")), "%s", b.data);
    cr_assert_float_eq(json_number_value(json_object_get(at, "recall")), 0, 0);
    cr_assert_float_eq(json_number_value(json_object_get(at, "threshold")), 0.5, 0);
    cr_assert_eq(json_integer_value(json_object_get(at, "fn")), 5);
    json_decref(o);
    fj__buf_free(&b);
}

Test(manifest, defined_figures_keep_four_decimals)
{
    fj_buf b = {0};
    cr_assert(fj__json_fig(&b, "pr_auc", 0.123456));
    cr_assert_str_eq(b.data, "\"pr_auc\":0.1235");
    b.len = 0;
    cr_assert(fj__json_fig(&b, "pr_auc", NAN));
    cr_assert_str_eq(b.data, "\"pr_auc\":null");
    fj__buf_free(&b);
}

/* ---- sources whose labels follow other definitions (fj_train_params.sources) ---- */

static const char *const filler[] = {"north", "river",  "green", "harbor", "maple", "summit",
                                     "cedar", "valley", "stone", "bright", "lake",  "orchard"};

/* Posting `i` of a kind: the reference's fee scams and honest jobs, and another source whose
 * honest postings ask a fee (a medical check its labels call normal) and whose scams do not;
 * the other source's postings carry the platform metadata when `platform`. */
static void add_kind_meta(fj_dataset *d, int kind, int i, bool platform)
{
    static const char *const what[] = {
        "Typing job from home. Pay a registration fee before you start, the fee is refunded.",
        "Warehouse picker. We train you on site and pay every month by bank transfer.",
        "Clinic assistant. Pay a registration fee for the medical check at our clinic.",
        "Courier driver. Send a photo of your bank card and your identity card today."};
    static const char *const label[] = {"fraud", "legit", "legit", "fraud"};
    char json[600];
    snprintf(json, sizeof json,
             "{\"id\":\"s%d-%d\",\"title\":\"%s %s job\",\"description\":\"%s Team %s, shift %s, "
             "site %d.\",\"label\":\"%s\"%s}",
             kind, i, filler[i % 12], filler[(i / 12) % 12], what[kind], filler[(i * 5) % 12],
             filler[(i * 7 + 3) % 12], i, label[kind],
             platform && kind >= 2 ? ",\"applicants\":40,\"response_rate\":0.5" : "");
    fj_posting *p;
    fj_error e;
    cr_assert_eq(fj_posting_new(&p, &e), FJ_OK);
    cr_assert_eq(fj_posting_parse_json(p, json, strlen(json), &e), FJ_OK, "%s", e.message);
    cr_assert_eq(fj_dataset_add(d, p, NULL, &e), FJ_OK, "%s", e.message);
    fj_posting_free(p);
}

/* 24 fee scams and 24 honest jobs of the reference, then 96 honest fee postings and 24 scams of
 * another source (with the platform metadata when `platform`); `sources` receives each
 * posting's source. */
static fj_dataset *sources_of(int *sources, bool platform)
{
    fj_dataset *d;
    fj_error e;
    cr_assert_eq(fj_dataset_new(&d, &e), FJ_OK);
    static const int count[4] = {24, 24, 96, 24};
    for (int kind = 0; kind < 4; kind++)
        for (int i = 0; i < count[kind]; i++) {
            sources[fj_dataset_size(d)] = kind >= 2;
            add_kind_meta(d, kind, i, platform);
        }
    return d;
}

static fj_dataset *two_sources(int *sources)
{
    return sources_of(sources, false);
}

static fj_dataset *two_sources_platform(int *sources)
{
    return sources_of(sources, true);
}

/* Training parameters for the small datasets here (C fixed, one thread) with `sources` in
 * `mode`. */
static fj_train_params source_params(const int *sources, fj_source_mode mode)
{
    fj_train_params p;
    fj_train_params_init(&p);
    p.C = 1;
    p.threads = 1;
    p.sources = sources;
    p.source_mode = mode;
    return p;
}

/* The score of an unseen fee scam under a model trained on `d` with `sources` in `mode`. */
static double fee_scam_score(const fj_dataset *d, const int *sources, fj_source_mode mode,
                             fj_model **keep)
{
    fj_train_params p = source_params(sources, mode);
    fj_model *m = NULL;
    fj_error e;
    cr_assert_eq(fj_train(&m, d, &p, &e), FJ_OK, "%s", e.message);
    static const char *probe = "{\"id\":\"probe\",\"title\":\"Data entry job\",\"description\":"
                               "\"Pay a registration fee.\"}";
    fj_posting *ps;
    fj_context *ctx;
    cr_assert_eq(fj_posting_new(&ps, &e), FJ_OK);
    cr_assert_eq(fj_posting_parse_json(ps, probe, strlen(probe), &e), FJ_OK, "%s", e.message);
    cr_assert_eq(fj_context_new(&ctx, &e), FJ_OK);
    fj_result r;
    cr_assert_eq(fj_score(ctx, m, ps, NULL, &r, &e), FJ_OK, "%s", e.message);
    double s = r.score;
    fj_context_free(ctx);
    fj_posting_free(ps);
    if (keep)
        *keep = m;
    else
        fj_model_free(m);
    return s;
}

Test(sources, other_source_does_not_unlearn_the_reference)
{
    int sources[168];
    fj_dataset *d = two_sources(sources);
    /* pooled, the other source's honest fee postings outnumber the reference's fee scams */
    double pooled = fee_scam_score(d, sources, FJ_SOURCE_POOL, NULL);
    fj_model *m = NULL;
    double augmented = fee_scam_score(d, sources, FJ_SOURCE_AUGMENT, &m);
    cr_assert(augmented >= 0.5, "fee scam scored %.3f with the other source's own features",
              augmented);
    cr_assert(augmented > pooled + 0.05, "augment %.3f vs pool %.3f", augmented, pooled);
    fj_model_free(m);
    fj_dataset_free(d);
}

Test(sources, all_reference_trains_as_without_sources)
{
    int sources[168];
    fj_dataset *d = two_sources(sources);
    int zero[168] = {0};
    double with = fee_scam_score(d, zero, FJ_SOURCE_AUGMENT, NULL);
    double without = fee_scam_score(d, NULL, FJ_SOURCE_AUGMENT, NULL);
    cr_assert_float_eq(with, without, 0);
    fj_dataset_free(d);
}

Test(sources, mode_names_round_trip)
{
    /* the names the CLI's --source-mode and the manifest's "sources" use, one per mode */
    const char *want[] = {"augment", "intercept", "augment-text", "pool", "shared-meta", "route"};
    for (int m = 0; m <= FJ_SOURCE_ROUTE; m++) {
        cr_assert_str_eq(fj_source_mode_name((fj_source_mode)m), want[m]);
        cr_assert_eq(fj_source_mode_from_name(want[m]), m);
    }
    cr_assert_null(fj_source_mode_name((fj_source_mode)(FJ_SOURCE_ROUTE + 1)));
    cr_assert_null(fj_source_mode_name((fj_source_mode)-1));
    cr_assert_eq(fj_source_mode_from_name("pooled"), -1);
    cr_assert_eq(fj_source_mode_from_name(""), -1);
    cr_assert_eq(fj_source_mode_from_name(NULL), -1);
}

Test(sources, bad_source_numbers_are_refused)
{
    int sources[168];
    fj_dataset *d = two_sources(sources);
    sources[5] = FJ_MAX_SOURCES + 1;
    fj_train_params p;
    fj_train_params_init(&p);
    p.sources = sources;
    fj_model *m = NULL;
    fj_error e;
    cr_assert_eq(fj_train(&m, d, &p, &e), FJ_ERR_ARGUMENT);
    cr_assert_null(m);
    cr_assert(strstr(e.message, "posting 5"), "%s", e.message);
    sources[5] = 0;
    p.source_mode = (fj_source_mode)7;
    cr_assert_eq(fj_train(&m, d, &p, &e), FJ_ERR_ARGUMENT);
    /* every reference posting of one class: nothing to calibrate on */
    for (int i = 24; i < 48; i++)
        sources[i] = 1;
    p.source_mode = FJ_SOURCE_AUGMENT;
    cr_assert_eq(fj_train(&m, d, &p, &e), FJ_ERR_TRAIN);
    cr_assert(strstr(e.message, "reference"), "%s", e.message);
    fj_dataset_free(d);
}

/* ---- the platform route (FJ_SOURCE_ROUTE) ---- */

static fj_posting *parse(const char *json)
{
    fj_posting *p;
    fj_error e;
    cr_assert_eq(fj_posting_new(&p, &e), FJ_OK);
    cr_assert_eq(fj_posting_parse_json(p, json, strlen(json), &e), FJ_OK, "%s", e.message);
    return p;
}

Test(route, platform_rule_needs_both_fields)
{
    static const char *const cases[][2] = {
        {"{\"title\":\"t\",\"applicants\":3,\"response_rate\":0.2}", "1"},
        {"{\"title\":\"t\",\"applicants\":0,\"response_rate\":0}", "1"},
        {"{\"title\":\"t\",\"applicants\":3}", "0"},
        {"{\"title\":\"t\",\"response_rate\":0.2}", "0"},
        {"{\"title\":\"t\",\"openings\":3,\"company_size\":\"50-99人\"}", "0"},
    };
    for (size_t k = 0; k < N(cases); k++) {
        fj_posting *p = parse(cases[k][0]);
        cr_assert_eq(fj__posting_platform(p), cases[k][1][0] == '1', "%s", cases[k][0]);
        fj_posting_free(p);
    }
}

/* Out-of-fold mean scores of each kind under `mode`. */
static void cv_kind_means(const fj_dataset *d, const int *sources, fj_source_mode mode,
                          double mean[4], fj_verdict *verdicts)
{
    fj_train_params p = source_params(sources, mode);
    p.folds = 3;
    double scores[168];
    fj_error e;
    cr_assert_eq(fj_cross_validate(d, &p, scores, NULL, verdicts, NULL, &e), FJ_OK, "%s",
                 e.message);
    static const int count[4] = {24, 24, 96, 24};
    for (int kind = 0, i = 0; kind < 4; kind++) {
        mean[kind] = 0;
        for (int k = 0; k < count[kind]; k++)
            mean[kind] += scores[i++] / count[kind];
    }
}

Test(route, each_route_keeps_its_own_labels)
{
    int sources[168];
    fj_dataset *d = two_sources_platform(sources);
    double augment[4], routed[4];
    fj_verdict va[168], vr[168];
    cv_kind_means(d, sources, FJ_SOURCE_AUGMENT, augment, va);
    cv_kind_means(d, sources, FJ_SOURCE_ROUTE, routed, vr);
    /* the platform's postings are scored by the pooled route, which knows their fee asks are
       honest there; augment scores them with the shared weights and the reference's
       calibration (the other source's copy is thrown away), leaning toward fraud */
    cr_assert(routed[2] < augment[2] - 0.1,
              "platform honest fee postings: routed %.3f vs augment %.3f", routed[2], augment[2]);
    cr_assert(routed[3] > augment[3], "platform scams: routed %.3f vs augment %.3f", routed[3],
              augment[3]);
    /* the reference's postings are scored by the model of the reference alone */
    cr_assert(routed[0] > 0.5, "reference fee scams: %.3f", routed[0]);
    cr_assert(routed[1] < 0.5, "reference honest jobs: %.3f", routed[1]);
    cr_assert(routed[2] < 0.5, "platform honest fee postings: %.3f", routed[2]);
    cr_assert(routed[3] > 0.5, "platform scams: %.3f", routed[3]);
    int fraud_fee = 0;
    for (int i = 48; i < 144; i++)
        fraud_fee += vr[i] == FJ_VERDICT_FRAUD;
    cr_assert(fraud_fee <= 5, "%d of the platform's 96 honest fee postings called fraud",
              fraud_fee);
    fj_dataset_free(d);
}

Test(route, training_refuses_it)
{
    int sources[168];
    fj_dataset *d = two_sources_platform(sources);
    fj_train_params p = source_params(sources, FJ_SOURCE_ROUTE);
    fj_model *m = NULL;
    fj_error e;
    cr_assert_eq(fj_train(&m, d, &p, &e), FJ_ERR_ARGUMENT);
    cr_assert_null(m);
    cr_assert(strstr(e.message, "cross-validation only"), "%s", e.message);
    fj_dataset_free(d);
}
