/*
 * plot.c - the ROC and precision-recall curves of an evaluation as one standalone SVG 1.1 image,
 * written by hand (no plotting dependency).
 *
 * Layout (960 x 480 user units): the title on top, then two square panels side by side, each
 * with a grid every 0.2, axes with tick labels, axis titles and a legend with the area under
 * the curve. The ROC curve joins its operating points with straight lines (the trapezoids its
 * AUC sums); the precision-recall curve is the step function whose area is the average
 * precision. Chance is drawn dashed: the diagonal, and the fraud prevalence. Coordinates are
 * written with integer arithmetic, so the output does not depend on the C locale.
 */
#include "core/fj_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 960
#define HEIGHT 480
#define PANEL 340 /* plot area side */
#define TOP 70    /* plot area top */
#define LEFT1 80  /* plot area left, first panel */
#define LEFT2 560 /* plot area left, second panel */
/* Append a string literal. */
#define LIT(b, s) fj__buf_append((b), (s), sizeof(s) - 1)
#define ROC_COLOR "#1f77b4"
#define PR_COLOR "#d62728"

/* A number with one decimal, locale-independent: "123.4", "-0.5". */
static bool put1(fj_buf *b, double v)
{
    long long t = llround(v * 10);
    const char *sign = t < 0 ? "-" : "";
    if (t < 0)
        t = -t;
    return fj__buf_printf(b, "%s%lld.%lld", sign, t / 10, t % 10);
}

/* A ratio to three decimals ("0.873"), or "n/a". */
static void fmt3(char *buf, size_t size, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "n/a");
        return;
    }
    long long t = llround(v * 1000);
    snprintf(buf, size, "%lld.%03lld", t / 1000, t % 1000);
}

static double px(int left, double x)
{
    return left + x * PANEL;
}

static double py(double y)
{
    return TOP + (1 - y) * PANEL;
}

/* XML text: escape markup characters; control characters (not allowed in XML 1.0) as spaces. */
static bool xml_text(fj_buf *b, const char *s, size_t len)
{
    bool ok = true;
    for (size_t i = 0; i < len && ok; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&':
            ok = LIT(b, "&amp;");
            break;
        case '<':
            ok = LIT(b, "&lt;");
            break;
        case '>':
            ok = LIT(b, "&gt;");
            break;
        case '"':
            ok = LIT(b, "&quot;");
            break;
        default:
            ok = fj__buf_append(b, c < 0x20 ? " " : (const char *)&s[i], 1);
        }
    }
    return ok;
}

static bool text(fj_buf *b, double x, double y, const char *anchor, const char *extra,
                 const char *s)
{
    return LIT(b, "<text x=\"") && put1(b, x) && LIT(b, "\" y=\"") && put1(b, y) &&
           fj__buf_printf(b, "\" text-anchor=\"%s\"%s%s>", anchor, extra ? " " : "",
                          extra ? extra : "") &&
           xml_text(b, s, strlen(s)) && LIT(b, "</text>\n");
}

static bool line(fj_buf *b, double x1, double y1, double x2, double y2, const char *style)
{
    return LIT(b, "<line x1=\"") && put1(b, x1) && LIT(b, "\" y1=\"") && put1(b, y1) &&
           LIT(b, "\" x2=\"") && put1(b, x2) && LIT(b, "\" y2=\"") && put1(b, y2) &&
           fj__buf_printf(b, "\" %s/>\n", style);
}

/* Grid, axes, ticks and titles of one panel. */
static bool frame(fj_buf *b, int left, const char *title, const char *xlabel, const char *ylabel)
{
    bool ok = fj__buf_printf(b,
                             "<g class=\"panel\">\n<rect x=\"%d\" y=\"%d\" width=\"%d\" "
                             "height=\"%d\" fill=\"#ffffff\" stroke=\"none\"/>\n",
                             left, TOP, PANEL, PANEL);
    for (int k = 0; k <= 5 && ok; k++) {
        double f = k / 5.0;
        char tick[8];
        snprintf(tick, sizeof tick, k == 0 ? "0" : k == 5 ? "1" : "0.%d", 2 * k);
        ok = line(b, px(left, f), TOP, px(left, f), TOP + PANEL,
                  "stroke=\"#dddddd\" stroke-width=\"1\"") &&
             line(b, left, py(f), left + PANEL, py(f), "stroke=\"#dddddd\" stroke-width=\"1\"") &&
             text(b, px(left, f), TOP + PANEL + 18, "middle", NULL, tick) &&
             text(b, left - 8, py(f) + 4, "end", NULL, tick);
    }
    ok = ok &&
         fj__buf_printf(b,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                        "stroke=\"#000000\" stroke-width=\"1.5\"/>\n",
                        left, TOP, PANEL, PANEL) &&
         text(b, left + PANEL / 2.0, TOP - 12, "middle", "font-weight=\"bold\"", title) &&
         text(b, left + PANEL / 2.0, TOP + PANEL + 42, "middle", NULL, xlabel);
    if (ok) {
        double x = left - 48, y = TOP + PANEL / 2.0;
        char rot[64];
        long long xi = llround(x), yi = llround(y);
        snprintf(rot, sizeof rot, "transform=\"rotate(-90 %lld %lld)\"", xi, yi);
        ok = text(b, x, y, "middle", rot, ylabel);
    }
    return ok;
}

/* A legend box at (x, y) (its top-left): the curve's entry, and chance's (dashed) if given. */
static bool legend(fj_buf *b, double x, double y, const char *color, const char *label1,
                   const char *label2)
{
    double w = 230, h = label2 ? 50 : 28;
    bool ok = LIT(b, "<rect x=\"") && put1(b, x) && LIT(b, "\" y=\"") && put1(b, y) &&
              LIT(b, "\" width=\"") && put1(b, w) && LIT(b, "\" height=\"") && put1(b, h) &&
              LIT(b, "\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#999999\"/>\n");
    char style[96];
    snprintf(style, sizeof style, "stroke=\"%s\" stroke-width=\"2.5\"", color);
    ok = ok && line(b, x + 10, y + 16, x + 34, y + 16, style) &&
         text(b, x + 42, y + 20, "start", NULL, label1);
    if (ok && label2)
        ok = line(b, x + 10, y + 38, x + 34, y + 38,
                  "stroke=\"#888888\" stroke-width=\"1.5\" stroke-dasharray=\"5,4\"") &&
             text(b, x + 42, y + 42, "start", NULL, label2);
    return ok;
}

fj_status fj_plot_svg(const double *scores, const int *labels, size_t n, const char *title,
                      char **svg, size_t *len, fj_error *err)
{
    if (!svg)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_plot_svg: svg is NULL");
    *svg = NULL;
    if (len)
        *len = 0;
    if (title && fj__utf8_check(title, strlen(title), true) < 0)
        return fj__errorf(err, FJ_ERR_INPUT, "fj_plot_svg: the title is not valid UTF-8");
    fj_metrics m;
    fj_status st = fj_metrics_compute(scores, labels, NULL, n, FJ_DEFAULT_THRESHOLD, &m, err);
    if (st != FJ_OK)
        return st;
    if (m.fraud == 0 || m.legit == 0)
        return fj__errorf(err, FJ_ERR_INPUT,
                          "cannot draw ROC and precision-recall curves: all %lld postings are "
                          "labelled %s",
                          (long long)m.count, m.fraud ? "fraud" : "legit");
    fj_curve_point *pt;
    size_t np;
    st = fj_metrics_curve(scores, labels, n, &pt, &np, err);
    if (st != FJ_OK)
        return st;

    fj_buf b = {0};
    char a[16], l1[96], l2[96];
    bool ok = fj__buf_printf(&b,
                             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                             "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                             "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"13\">\n"
                             "<rect width=\"100%%\" height=\"100%%\" fill=\"#f7f7f7\"/>\n",
                             WIDTH, HEIGHT, WIDTH, HEIGHT);
    if (ok && title && *title)
        ok = text(&b, WIDTH / 2.0, 28, "middle", "font-size=\"16\" font-weight=\"bold\"", title);

    /* ROC */
    ok = ok && frame(&b, LEFT1, "ROC curve", "false-positive rate", "true-positive rate (recall)");
    ok = ok && line(&b, px(LEFT1, 0), py(0), px(LEFT1, 1), py(1),
                    "stroke=\"#888888\" stroke-width=\"1.5\" stroke-dasharray=\"5,4\"");
    ok = ok && fj__buf_printf(&b,
                              "<polyline class=\"roc\" fill=\"none\" stroke=\"%s\" "
                              "stroke-width=\"2.5\" stroke-linejoin=\"round\" points=\"",
                              ROC_COLOR);
    for (size_t k = 0; k < np && ok; k++)
        ok = (k == 0 || LIT(&b, " ")) && put1(&b, px(LEFT1, pt[k].fpr)) && LIT(&b, ",") &&
             put1(&b, py(pt[k].tpr));
    ok = ok && LIT(&b, "\"/>\n");
    fmt3(a, sizeof a, m.roc_auc);
    snprintf(l1, sizeof l1, "ROC-AUC = %s", a);
    snprintf(l2, sizeof l2, "chance");
    ok = ok && legend(&b, LEFT1 + PANEL - 240, TOP + PANEL - 60, ROC_COLOR, l1, l2) &&
         LIT(&b, "</g>\n");

    /* precision-recall: the step function of average precision */
    ok = ok && frame(&b, LEFT2, "Precision-recall curve", "recall", "precision");
    double prev = (double)m.fraud / (double)m.count;
    ok = ok && line(&b, px(LEFT2, 0), py(prev), px(LEFT2, 1), py(prev),
                    "stroke=\"#888888\" stroke-width=\"1.5\" stroke-dasharray=\"5,4\"");
    ok = ok && fj__buf_printf(&b,
                              "<path class=\"pr\" fill=\"none\" stroke=\"%s\" "
                              "stroke-width=\"2.5\" stroke-linejoin=\"round\" d=\"M",
                              PR_COLOR);
    /* pt[1] is the first real threshold: it has at least one posting, so precision is defined */
    ok = ok && put1(&b, px(LEFT2, 0)) && LIT(&b, ",") && put1(&b, py(pt[1].precision));
    for (size_t k = 1; k < np && ok; k++) {
        ok = LIT(&b, " H") && put1(&b, px(LEFT2, pt[k].tpr));
        if (ok && k + 1 < np)
            ok = LIT(&b, " V") && put1(&b, py(pt[k + 1].precision));
    }
    ok = ok && LIT(&b, "\"/>\n");
    fmt3(a, sizeof a, m.pr_auc);
    snprintf(l1, sizeof l1, "PR-AUC (AP) = %s", a);
    fmt3(a, sizeof a, prev);
    snprintf(l2, sizeof l2, "chance (fraud share %s)", a);
    ok = ok && legend(&b, LEFT2 + 10, TOP + PANEL - 60, PR_COLOR, l1, l2) && LIT(&b, "</g>\n");

    snprintf(l1, sizeof l1, "%lld postings: %lld fraud, %lld legit", (long long)m.count,
             (long long)m.fraud, (long long)m.legit);
    ok = ok && text(&b, WIDTH / 2.0, HEIGHT - 12, "middle", "fill=\"#555555\"", l1) &&
         LIT(&b, "</svg>\n");
    free(pt);
    if (!ok) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    *svg = b.data;
    if (len)
        *len = b.len;
    return FJ_OK;
}
