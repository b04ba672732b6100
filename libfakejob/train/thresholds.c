/*
 * thresholds.c - the two thresholds of a part's verdicts, chosen on its calibrated out-of-fold
 * scores: "fraud" from a target precision, "suspicious" (the review band below it) from a
 * target recall, bounded by the band's own precision. Every cut considered lies between two
 * distinct scores, so postings with equal scores are never split, and every cut has at least one
 * posting above it: the precision of a cut is always defined (no NaN enters a comparison here).
 * The fraud threshold is raised to 0.5 at least, so on a weak part no out-of-fold score may
 * reach it: the precision at it is then undefined (NaN from fj_metrics_compute), and the bundle
 * records it as null, never as 0.
 */
#include "train/train.h"

#include <stdlib.h>

typedef struct scored {
    double s;
    int y; /* 1 fraud, 0 legit */
} scored;

static int scored_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return x > y ? -1 : x < y;
}

/* The postings tied at v[i]'s score (v sorted descending) counted into *tp and *fp; *t the cut
 * between that score and the next lower one. Returns the index past the ties. */
static size_t next_cut(const scored *v, size_t n, size_t i, size_t *tp, size_t *fp, double *t)
{
    size_t j = i;
    while (j < n && v[j].s == v[i].s) {
        v[j].y ? (*tp)++ : (*fp)++;
        j++;
    }
    *t = j < n ? (v[i].s + v[j].s) / 2 : v[i].s;
    return j;
}

/* The thresholds on calibrated out-of-fold scores, sorted descending in v. Fraud: the lowest
 * cut whose precision reaches `target` (never below 0.5). Suspicious, the review band below it:
 * the lowest cut, down to the highest one whose recall reaches `target_recall` (or, when the
 * fraud cut already does, the one that halves the frauds it misses), where the band's own
 * precision (the postings between the suspicious and the fraud cuts) is at least
 * FJ__BAND_PRECISION: the recall goal bounds how far the band reaches, the floor holds at the
 * cut chosen. When no such cut reaches the floor, the band is empty: the suspicious threshold
 * equals the fraud threshold. */
static void choose_sorted(const scored *v, size_t n, double target, double target_recall,
                          double *t_fraud, double *t_susp)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += v[i].y;
    size_t tp = 0, fp = 0;
    double lowest_ok = -1, best_prec = -1, best_prec_t = 1, t;
    for (size_t i = 0; i < n;) {
        size_t j = next_cut(v, n, i, &tp, &fp, &t);
        double prec = (double)tp / (double)(tp + fp); /* tp + fp >= 1: defined */
        if (tp >= 3 && prec >= target)
            lowest_ok = t;
        if (tp >= 3 && prec > best_prec) {
            best_prec = prec;
            best_prec_t = t;
        }
        i = j;
    }
    double tf = lowest_ok >= 0 ? lowest_ok : best_prec_t;
    if (tf < 0.5)
        tf = 0.5;
    if (tf > 1)
        tf = 1;
    /* the postings at or above the fraud cut: its recall, and what the band's counts leave out */
    size_t above_tp = 0, above_fp = 0;
    for (size_t i = 0; i < n && v[i].s >= tf; i++)
        v[i].y ? above_tp++ : above_fp++;
    double rec_f = pos ? (double)above_tp / (double)pos : 1;
    double want = target_recall > rec_f ? target_recall : (1 + rec_f) / 2;
    /* cuts from the top down to the recall goal's; the lowest one whose band reaches the floor */
    double ts = tf;
    tp = fp = 0;
    for (size_t i = 0; i < n;) {
        size_t j = next_cut(v, n, i, &tp, &fp, &t);
        if (v[i].s < tf) {
            /* the band from this cut up to the fraud cut: at least one posting (v[i]) */
            size_t btp = tp - above_tp, bn = tp + fp - above_tp - above_fp;
            if ((double)btp >= FJ__BAND_PRECISION * (double)bn - 1e-9)
                ts = t;
        }
        if (pos && (double)tp >= want * (double)pos - 1e-9)
            break; /* the recall goal's cut: the band reaches no lower */
        i = j;
    }
    if (ts < 0)
        ts = 0;
    *t_fraud = tf;
    *t_susp = ts;
}

fj_status fj__choose_thresholds(const double *score, const int *y, size_t n, double target,
                                double target_recall, double *t_fraud, double *t_susp,
                                fj_error *err)
{
    scored *v = malloc((n + 1) * sizeof *v);
    if (!v)
        return fj__nomem(err);
    for (size_t i = 0; i < n; i++)
        v[i] = (scored){score[i], y[i] != 0};
    qsort(v, n, sizeof *v, scored_desc);
    choose_sorted(v, n, target, target_recall, t_fraud, t_susp);
    free(v);
    return FJ_OK;
}
