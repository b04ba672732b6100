/*
 * test_train.c - the training stage's choices where a figure can be undefined: the grid search
 * never selects (nor is blocked by) a setting whose cross-validated PR-AUC is NaN, a fraud
 * threshold that no out-of-fold score reaches has an undefined precision that the bundle
 * records as null (not as 0), and the thresholds themselves on a case worked out by hand.
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
     * the precision from the cut up (5 of 7) is still above one half */
    cr_assert_float_eq(ts, 0.35, 1e-12);
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
