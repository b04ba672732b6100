/*
 * test_metrics.c - evaluation metrics against values computed by hand (ties included), the
 * single-class cases (NaN, documented), input checks, the curves, the JSON form, and the SVG
 * plot (well-formed XML, AUCs in the legend, escaped title).
 */
#include "core/fj_internal.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static fj_metrics m;
static fj_error err;

/* 4 fraud, 4 legit, no ties. Sorted: 0.9 F, 0.8 F, 0.7 L, 0.6 F, 0.55 L, 0.4 L, 0.3 F, 0.2 L */
static const double s1[] = {0.3, 0.9, 0.4, 0.8, 0.2, 0.7, 0.55, 0.6};
static const int lab1[] = {1, 1, 0, 1, 0, 0, 0, 1};

Test(metrics, hand_computed_without_ties)
{
    cr_assert_eq(fj_metrics_compute(s1, lab1, NULL, N(s1), 0.5, &m, &err), FJ_OK, "%s",
                 err.message);
    cr_assert_eq(m.count, 8);
    cr_assert_eq(m.fraud, 4);
    cr_assert_eq(m.legit, 4);
    /* flagged at 0.5: 0.9 F, 0.8 F, 0.7 L, 0.6 F, 0.55 L */
    cr_assert_eq(m.tp, 3);
    cr_assert_eq(m.fp, 2);
    cr_assert_eq(m.fn, 1);
    cr_assert_eq(m.tn, 2);
    cr_assert_float_eq(m.at_threshold.precision, 3.0 / 5, 1e-12);
    cr_assert_float_eq(m.at_threshold.recall, 3.0 / 4, 1e-12);
    cr_assert_float_eq(m.at_threshold.f1, 2 * 0.6 * 0.75 / 1.35, 1e-12);
    cr_assert_float_eq(m.accuracy, 5.0 / 8, 1e-12);
    /* fraud-over-legit pairs: 0.9: 4, 0.8: 4, 0.6: 3, 0.3: 1 -> 12 of 16 */
    cr_assert_float_eq(m.roc_auc, 12.0 / 16, 1e-12);
    /* AP = 1/4 (1 + 1 + 3/4 + 4/7) */
    cr_assert_float_eq(m.pr_auc, 0.25 * (1 + 1 + 0.75 + 4.0 / 7), 1e-12);
    /* 4 legit: 1 % allows no false positive; 0.9 and 0.8 come before the first legit */
    cr_assert_float_eq(m.recall_at_1pct_fpr, 0.5, 1e-12);
    cr_assert_float_eq(m.threshold_at_1pct_fpr, 0.8, 1e-12);
    cr_assert_eq(m.has_verdicts, 0);

    /* another threshold moves only the threshold figures */
    cr_assert_eq(fj_metrics_compute(s1, lab1, NULL, N(s1), 0.85, &m, &err), FJ_OK);
    cr_assert_eq(m.tp, 1);
    cr_assert_eq(m.fp, 0);
    cr_assert_float_eq(m.at_threshold.precision, 1.0, 1e-12);
    cr_assert_float_eq(m.at_threshold.recall, 0.25, 1e-12);
    cr_assert_float_eq(m.at_threshold.f1, 0.4, 1e-12);
    cr_assert_float_eq(m.roc_auc, 0.75, 1e-12);
}

/* ties across classes: 0.8 {F, L, F}, 0.5 {F, L}, 0.1 {L} */
static const double s2[] = {0.8, 0.8, 0.8, 0.5, 0.5, 0.1};
static const int lab2[] = {1, 0, 1, 1, 0, 0};

Test(metrics, ties_count_half_and_are_never_split)
{
    cr_assert_eq(fj_metrics_compute(s2, lab2, NULL, N(s2), 0.5, &m, &err), FJ_OK);
    /* pairs: F0.8 vs L0.8 tie (1/2), vs L0.5, L0.1 -> 2.5 each (x2 = 5); F0.5: tie + 1 = 1.5 */
    cr_assert_float_eq(m.roc_auc, 6.5 / 9, 1e-12);
    /* AP: at 0.8 tp 2 fp 1 (R 2/3, P 2/3); at 0.5 tp 3 fp 2 (R 1, P 3/5) */
    cr_assert_float_eq(m.pr_auc, 2.0 / 3 * 2.0 / 3 + 1.0 / 3 * 3.0 / 5, 1e-12);
    /* the first threshold already has a false positive: nothing within 1 % but flagging none */
    cr_assert_float_eq(m.recall_at_1pct_fpr, 0.0, 1e-12);
    cr_assert(isinf(m.threshold_at_1pct_fpr));
    /* score >= 0.5 includes the ties at 0.5 */
    cr_assert_eq(m.tp, 3);
    cr_assert_eq(m.fp, 2);

    /* the input order changes nothing */
    const double r[] = {0.5, 0.1, 0.8, 0.5, 0.8, 0.8};
    const int ry[] = {0, 0, 1, 1, 0, 1};
    fj_metrics m2;
    cr_assert_eq(fj_metrics_compute(r, ry, NULL, N(r), 0.5, &m2, &err), FJ_OK);
    cr_assert_float_eq(m2.roc_auc, m.roc_auc, 1e-15);
    cr_assert_float_eq(m2.pr_auc, m.pr_auc, 1e-15);
}

Test(metrics, recall_at_one_percent_fpr)
{
    /* 200 legit allow 2 false positives; the third legit (0.7) ends the search */
    double s[210];
    int y[210];
    size_t n = 0;
    const double fraud[] = {1.0, 0.95, 0.85, 0.75, 0.65, 0.05, 0.05, 0.05, 0.05, 0.05};
    for (size_t i = 0; i < N(fraud); i++)
        s[n] = fraud[i], y[n++] = 1;
    const double legit[] = {0.9, 0.8, 0.7};
    for (size_t i = 0; i < N(legit); i++)
        s[n] = legit[i], y[n++] = 0;
    while (n < 210)
        s[n] = 0.1, y[n++] = 0;
    cr_assert_eq(fj_metrics_compute(s, y, NULL, n, 0.5, &m, &err), FJ_OK);
    cr_assert_eq(m.legit, 200);
    cr_assert_float_eq(m.recall_at_1pct_fpr, 0.4, 1e-12);
    cr_assert_float_eq(m.threshold_at_1pct_fpr, 0.75, 1e-12);
}

Test(metrics, perfect_and_inverted_rankings)
{
    const double s[] = {0.9, 0.8, 0.2, 0.1};
    const int good[] = {1, 1, 0, 0}, bad[] = {0, 0, 1, 1};
    cr_assert_eq(fj_metrics_compute(s, good, NULL, 4, 0.5, &m, &err), FJ_OK);
    cr_assert_float_eq(m.roc_auc, 1.0, 1e-12);
    cr_assert_float_eq(m.pr_auc, 1.0, 1e-12);
    cr_assert_float_eq(m.recall_at_1pct_fpr, 1.0, 1e-12);
    cr_assert_float_eq(m.threshold_at_1pct_fpr, 0.8, 1e-12);
    cr_assert_eq(fj_metrics_compute(s, bad, NULL, 4, 0.5, &m, &err), FJ_OK);
    cr_assert_float_eq(m.roc_auc, 0.0, 1e-12);
    cr_assert_float_eq(m.pr_auc, 0.5 * 1.0 / 3 + 0.5 * 2.0 / 4, 1e-12);
    cr_assert_float_eq(m.at_threshold.f1, 0.0, 1e-12, "P = R = 0 gives F1 0, not NaN");
}

Test(metrics, single_class_gives_nan)
{
    const double s[] = {0.9, 0.2, 0.6};
    const int legit[] = {0, 0, 0}, fraud[] = {1, 1, 1};
    cr_assert_eq(fj_metrics_compute(s, legit, NULL, 3, 0.95, &m, &err), FJ_OK);
    cr_assert(isnan(m.roc_auc));
    cr_assert(isnan(m.pr_auc));
    cr_assert(isnan(m.recall_at_1pct_fpr));
    cr_assert(isnan(m.at_threshold.recall), "no fraud: recall undefined");
    cr_assert(isnan(m.at_threshold.precision), "nothing flagged: precision undefined");
    cr_assert(isnan(m.at_threshold.f1));
    cr_assert_float_eq(m.accuracy, 1.0, 1e-12);

    cr_assert_eq(fj_metrics_compute(s, fraud, NULL, 3, 0.5, &m, &err), FJ_OK);
    cr_assert(isnan(m.roc_auc));
    cr_assert_float_eq(m.pr_auc, 1.0, 1e-12, "only fraud: every threshold is precise");
    cr_assert(isnan(m.recall_at_1pct_fpr), "no legit: no false-positive rate");
    cr_assert_float_eq(m.at_threshold.recall, 2.0 / 3, 1e-12);
}

Test(metrics, per_verdict_figures)
{
    /* labels F F F L L L; verdicts fraud, suspicious, legit, fraud, suspicious, legit */
    const double s[] = {0.9, 0.6, 0.2, 0.8, 0.5, 0.1};
    const int y[] = {1, 1, 1, 0, 0, 0};
    const fj_verdict v[] = {FJ_VERDICT_FRAUD, FJ_VERDICT_SUSPICIOUS, FJ_VERDICT_LEGIT,
                            FJ_VERDICT_FRAUD, FJ_VERDICT_SUSPICIOUS, FJ_VERDICT_LEGIT};
    const fj_verdict v2[] = {FJ_VERDICT_FRAUD, FJ_VERDICT_FRAUD, FJ_VERDICT_FRAUD,
                             FJ_VERDICT_LEGIT, FJ_VERDICT_LEGIT, FJ_VERDICT_SUSPICIOUS};
    cr_assert_eq(fj_metrics_compute(s, y, v, 6, 0.5, &m, &err), FJ_OK);
    cr_assert_eq(m.has_verdicts, 1);
    cr_assert_eq(m.verdicts[FJ_VERDICT_FRAUD][1], 1);
    cr_assert_eq(m.verdicts[FJ_VERDICT_FRAUD][0], 1);
    cr_assert_eq(m.verdicts[FJ_VERDICT_LEGIT][1], 1);
    cr_assert_eq(m.flag_fraud.tp, 1);
    cr_assert_eq(m.flag_fraud.fp, 1);
    cr_assert_eq(m.flag_fraud.fn, 2);
    cr_assert_float_eq(m.flag_fraud.precision, 0.5, 1e-12);
    cr_assert_float_eq(m.flag_fraud.recall, 1.0 / 3, 1e-12);
    cr_assert_float_eq(m.flag_fraud.f1, 0.4, 1e-12);
    cr_assert_eq(m.flag_suspicious.tp, 2);
    cr_assert_eq(m.flag_suspicious.fp, 2);
    cr_assert_float_eq(m.flag_suspicious.recall, 2.0 / 3, 1e-12);
    cr_assert_eq(fj_metrics_compute(s, y, v2, 6, 0.5, &m, &err), FJ_OK);
    cr_assert_float_eq(m.flag_fraud.precision, 1.0, 1e-12);
    cr_assert_float_eq(m.flag_fraud.recall, 1.0, 1e-12);
    cr_assert_float_eq(m.flag_suspicious.precision, 0.75, 1e-12);
}

Test(metrics, bad_input_is_an_argument_error)
{
    const double s[] = {0.1, NAN, 0.3};
    const int y[] = {0, 1, 1}, y_bad[] = {0, 1, 2};
    const double ok[] = {0.1, 0.2, 0.3};
    const fj_verdict v_bad[] = {FJ_VERDICT_LEGIT, (fj_verdict)7, FJ_VERDICT_FRAUD};
    cr_assert_eq(fj_metrics_compute(ok, y, NULL, 0, 0.5, &m, &err), FJ_ERR_ARGUMENT);
    cr_assert(strstr(err.message, "no scores"), "%s", err.message);
    cr_assert_eq(fj_metrics_compute(s, y, NULL, 3, 0.5, &m, &err), FJ_ERR_ARGUMENT);
    cr_assert(strstr(err.message, "score 1 is not a finite number"), "%s", err.message);
    cr_assert_eq(fj_metrics_compute(ok, y_bad, NULL, 3, 0.5, &m, &err), FJ_ERR_ARGUMENT);
    cr_assert(strstr(err.message, "label 2 is 2"), "%s", err.message);
    cr_assert_eq(fj_metrics_compute(ok, y, v_bad, 3, 0.5, &m, &err), FJ_ERR_ARGUMENT);
    cr_assert(strstr(err.message, "verdict 1"), "%s", err.message);
    cr_assert_eq(fj_metrics_compute(ok, y, NULL, 3, NAN, &m, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_metrics_compute(NULL, y, NULL, 3, 0.5, &m, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_metrics_compute(ok, y, NULL, 3, 0.5, NULL, &err), FJ_ERR_ARGUMENT);
}

Test(metrics, curve_points)
{
    fj_curve_point *pt;
    size_t n;
    cr_assert_eq(fj_metrics_curve(s2, lab2, N(s2), &pt, &n, &err), FJ_OK);
    cr_assert_eq(n, 4, "one point per distinct score after the empty one");
    cr_assert(isinf(pt[0].threshold));
    cr_assert_float_eq(pt[0].fpr, 0, 1e-12);
    cr_assert_float_eq(pt[0].tpr, 0, 1e-12);
    cr_assert(isnan(pt[0].precision));
    const double thr[] = {0.8, 0.5, 0.1}, fpr[] = {1.0 / 3, 2.0 / 3, 1}, tpr[] = {2.0 / 3, 1, 1},
                 prec[] = {2.0 / 3, 3.0 / 5, 0.5};
    for (int k = 0; k < 3; k++) {
        cr_assert_float_eq(pt[k + 1].threshold, thr[k], 1e-12);
        cr_assert_float_eq(pt[k + 1].fpr, fpr[k], 1e-12);
        cr_assert_float_eq(pt[k + 1].tpr, tpr[k], 1e-12);
        cr_assert_float_eq(pt[k + 1].precision, prec[k], 1e-12);
    }
    free(pt);
}

Test(metrics, json_form)
{
    const fj_verdict v[] = {FJ_VERDICT_FRAUD, FJ_VERDICT_LEGIT, FJ_VERDICT_LEGIT};
    const double s[] = {0.9, 0.2, 0.6};
    const int legit[] = {0, 0, 0};
    cr_assert_eq(fj_metrics_compute(s, legit, v, 3, 0.5, &m, &err), FJ_OK);
    char *text;
    cr_assert_eq(fj_metrics_to_json(&m, &text, &err), FJ_OK);
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    cr_assert_not_null(o, "%s: %s", je.text, text);
    cr_assert_eq(json_integer_value(json_object_get(o, "count")), 3);
    cr_assert(json_is_null(json_object_get(o, "roc_auc")), "NaN is null: %s", text);
    cr_assert(json_is_null(json_object_get(o, "recall")), "%s", text);
    cr_assert_float_eq(json_number_value(json_object_get(o, "precision")), 0.0, 1e-12);
    cr_assert_float_eq(json_number_value(json_object_get(o, "threshold")), 0.5, 1e-12);
    json_t *c = json_object_get(o, "confusion");
    cr_assert_eq(json_integer_value(json_object_get(c, "fp")), 2);
    cr_assert_eq(json_integer_value(json_object_get(c, "tn")), 1);
    json_t *vf = json_object_get(json_object_get(o, "verdicts"), "fraud");
    cr_assert_eq(json_integer_value(json_object_get(vf, "legit")), 1);
    cr_assert_not_null(json_object_get(o, "flag_suspicious"));
    json_decref(o);
    free(text);

    cr_assert_eq(fj_metrics_compute(s1, lab1, NULL, N(s1), 0.5, &m, &err), FJ_OK);
    cr_assert_eq(fj_metrics_to_json(&m, &text, &err), FJ_OK);
    cr_assert(strstr(text, "\"roc_auc\":0.75,"), "shortest round-trip numbers: %s", text);
    cr_assert_null(strstr(text, "verdicts"));
    free(text);
}

/* ---- the SVG plot ---- */

/*
 * A small XML well-formedness check: one root element, tags nested and closed in order,
 * attribute values quoted, no raw '<' or stray '&' in text or attributes, only the predefined
 * entities. Returns NULL when well-formed, else what is wrong.
 */
static const char *xml_check(const char *s)
{
    static char why[128];
    const char *stack[64];
    size_t len[64];
    int depth = 0, roots = 0;
    const char *p = s;
    if (strncmp(p, "<?xml", 5) == 0) {
        p = strstr(p, "?>");
        if (!p)
            return "unterminated XML declaration";
        p += 2;
    }
    while (*p) {
        if (*p == '&') {
            const char *ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            bool ok = false;
            for (size_t i = 0; i < 5 && !ok; i++)
                ok = strncmp(p, ents[i], strlen(ents[i])) == 0;
            if (!ok)
                return "an '&' that starts no entity";
            p++;
            continue;
        }
        if (*p == '>')
            return "a raw '>' in text";
        if (*p != '<') {
            if (depth == 0 && *p != ' ' && *p != '\n')
                return "text outside the root element";
            p++;
            continue;
        }
        bool closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t n = strcspn(name, " \t\n/>");
        if (n == 0)
            return "an empty tag name";
        const char *q = name + n;
        while (*q && *q != '>' && !(q[0] == '/' && q[1] == '>')) {
            if (*q == '"') {
                const char *end = strchr(q + 1, '"');
                if (!end)
                    return "an unterminated attribute value";
                for (const char *c = q + 1; c < end; c++)
                    if (*c == '<')
                        return "a raw '<' in an attribute";
                q = end + 1;
                continue;
            }
            if (*q == '=' && q[1] != '"')
                return "an unquoted attribute value";
            if (*q == '<')
                return "a '<' inside a tag";
            q++;
        }
        if (!*q)
            return "an unterminated tag";
        bool empty = *q == '/';
        if (closing) {
            if (depth == 0 || len[depth - 1] != n || strncmp(stack[depth - 1], name, n) != 0) {
                snprintf(why, sizeof why, "</%.*s> closes nothing open", (int)n, name);
                return why;
            }
            depth--;
        } else if (!empty) {
            if (depth == 0)
                roots++;
            if (depth == 64)
                return "nested too deep";
            stack[depth] = name;
            len[depth++] = n;
        } else if (depth == 0) {
            roots++;
        }
        p = q + (empty ? 2 : 1);
    }
    if (depth)
        return "elements left open";
    return roots == 1 ? NULL : "not exactly one root element";
}

Test(plot, svg_is_well_formed_with_the_aucs)
{
    char *svg;
    size_t len;
    cr_assert_eq(fj_plot_svg(s1, lab1, N(s1), "model <x> & \"y\" 测试", &svg, &len, &err), FJ_OK,
                 "%s", err.message);
    cr_assert_eq(strlen(svg), len);
    const char *why = xml_check(svg);
    cr_assert_null(why, "%s", why);
    cr_assert(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    cr_assert(strstr(svg, "ROC-AUC = 0.750"), "legend with the ROC-AUC");
    cr_assert(strstr(svg, "PR-AUC (AP) = 0.830"), "legend with the average precision");
    cr_assert(strstr(svg, "model &lt;x&gt; &amp; &quot;y&quot; 测试"), "escaped title");
    cr_assert(strstr(svg, "false-positive rate"));
    cr_assert(strstr(svg, "precision"));
    /* the ROC polyline passes through (0,0), every distinct threshold, and (1,1): 9 points */
    const char *pts = strstr(svg, "class=\"roc\"");
    cr_assert_not_null(pts);
    pts = strstr(pts, "points=\"");
    size_t npts = 1;
    for (const char *c = pts + 8; *c != '"'; c++)
        npts += *c == ' ';
    cr_assert_eq(npts, 9);
    free(svg);

    /* the checker itself rejects broken XML */
    cr_assert_not_null(xml_check("<svg><g></svg>"));
    cr_assert_not_null(xml_check("<svg><text>a & b</text></svg>"));
    cr_assert_not_null(xml_check("<svg width=1></svg>"));
    cr_assert_null(xml_check("<svg><g/><text a=\"1\">x &amp; y</text></svg>"));
}

Test(plot, single_class_is_an_error)
{
    const double s[] = {0.1, 0.2};
    const int y[] = {0, 0};
    char *svg = (char *)"unchanged";
    cr_assert_eq(fj_plot_svg(s, y, 2, NULL, &svg, NULL, &err), FJ_ERR_INPUT);
    cr_assert_null(svg);
    cr_assert(strstr(err.message, "all 2 postings are labelled legit"), "%s", err.message);
    cr_assert_eq(fj_plot_svg(s1, lab1, N(s1), "bad \xff title", &svg, NULL, &err), FJ_ERR_INPUT);
}
