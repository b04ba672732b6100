/*
 * metrics.c - evaluation metrics of fraud scores against labels (fraud = the positive class):
 * precision/recall/F1 at a threshold and per verdict, ROC-AUC, average precision (PR-AUC),
 * recall at 1 % false-positive rate, the curves behind them, and their JSON form.
 *
 * The curves have one operating point per distinct score (tied scores are one threshold and are
 * never split), so every figure is exact and independent of the input order:
 *   ROC-AUC = trapezoidal area over those points = P(score_fraud > score_legit) + P(tie) / 2;
 *   AP      = sum_k (R_k - R_{k-1}) * P_k (sklearn's average_precision_score).
 * Undefined figures (a single class, nothing flagged) are NaN, and JSON null.
 */
#include "core/fj_internal.h"
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct scored {
    double s;
    int y;
} scored;

static int by_score_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x < y) - (x > y);
}

static double ratio(int64_t a, int64_t b)
{
    return b ? (double)a / (double)b : NAN;
}

static void fill_prf(fj_prf *r, int64_t tp, int64_t fp, int64_t fn)
{
    r->tp = tp;
    r->fp = fp;
    r->fn = fn;
    r->precision = ratio(tp, tp + fp);
    r->recall = ratio(tp, tp + fn);
    if (isnan(r->precision) || isnan(r->recall))
        r->f1 = NAN;
    else if (r->precision + r->recall == 0)
        r->f1 = 0;
    else
        r->f1 = 2 * r->precision * r->recall / (r->precision + r->recall);
}

static fj_status check_input(const double *scores, const int *labels, const fj_verdict *verdicts,
                             size_t n, fj_error *err)
{
    if (!scores || !labels)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "metrics: scores or labels is NULL");
    if (n == 0)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "metrics: no scores to evaluate");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(scores[i]))
            return fj__error(err, FJ_ERR_ARGUMENT, NULL, (long long)i, -1,
                             "metrics: score %zu is not a finite number", i);
        if (labels[i] != 0 && labels[i] != 1)
            return fj__error(err, FJ_ERR_ARGUMENT, NULL, (long long)i, -1,
                             "metrics: label %zu is %d, not 0 (legit) or 1 (fraud)", i, labels[i]);
        if (verdicts && (unsigned)verdicts[i] > FJ_VERDICT_INSUFFICIENT)
            return fj__error(err, FJ_ERR_ARGUMENT, NULL, (long long)i, -1,
                             "metrics: verdict %zu is %d, not a fj_verdict", i, (int)verdicts[i]);
    }
    return FJ_OK;
}

/* The scores sorted highest first, with their labels (malloc'd). */
static scored *sorted(const double *scores, const int *labels, size_t n)
{
    scored *v = malloc(n * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        v[i].s = scores[i];
        v[i].y = labels[i];
    }
    qsort(v, n, sizeof *v, by_score_desc);
    return v;
}

fj_status fj_metrics_curve(const double *scores, const int *labels, size_t n,
                           fj_curve_point **points, size_t *count, fj_error *err)
{
    if (!points || !count)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_metrics_curve: NULL output");
    *points = NULL;
    *count = 0;
    fj_status st = check_input(scores, labels, NULL, n, err);
    if (st != FJ_OK)
        return st;
    scored *v = sorted(scores, labels, n);
    fj_curve_point *pt = malloc((n + 1) * sizeof *pt);
    if (!v || !pt) {
        free(v);
        free(pt);
        return fj__nomem(err);
    }
    int64_t pos = 0, neg = 0;
    for (size_t i = 0; i < n; i++)
        pos += v[i].y;
    neg = (int64_t)n - pos;
    size_t k = 0;
    pt[k++] = (fj_curve_point){INFINITY, neg ? 0 : NAN, pos ? 0 : NAN, NAN};
    int64_t tp = 0, fp = 0;
    for (size_t i = 0; i < n;) {
        double s = v[i].s;
        for (; i < n && v[i].s == s; i++) {
            tp += v[i].y;
            fp += !v[i].y;
        }
        pt[k++] = (fj_curve_point){s, ratio(fp, neg), ratio(tp, pos), ratio(tp, tp + fp)};
    }
    free(v);
    *points = pt;
    *count = k;
    return FJ_OK;
}

fj_status fj_metrics_compute(const double *scores, const int *labels, const fj_verdict *verdicts,
                             size_t n, double threshold, fj_metrics *out, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_metrics_compute: out is NULL");
    memset(out, 0, sizeof *out);
    if (!isfinite(threshold))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "metrics: the threshold is not a finite number");
    fj_status st = check_input(scores, labels, verdicts, n, err);
    if (st != FJ_OK)
        return st;
    fj_metrics *m = out;
    m->count = (int64_t)n;
    m->threshold = threshold;
    for (size_t i = 0; i < n; i++) {
        bool fraud = labels[i] == 1, flagged = scores[i] >= threshold;
        m->fraud += fraud;
        m->tp += fraud && flagged;
        m->fp += !fraud && flagged;
        m->fn += fraud && !flagged;
        if (verdicts)
            m->verdicts[verdicts[i]][labels[i]]++;
    }
    m->legit = m->count - m->fraud;
    m->tn = m->legit - m->fp;
    fill_prf(&m->at_threshold, m->tp, m->fp, m->fn);
    m->accuracy = (double)(m->tp + m->tn) / (double)m->count;
    if (verdicts) {
        m->has_verdicts = 1;
        int64_t(*vc)[2] = m->verdicts;
        int64_t tp = vc[FJ_VERDICT_FRAUD][1], fp = vc[FJ_VERDICT_FRAUD][0];
        fill_prf(&m->flag_fraud, tp, fp, m->fraud - tp);
        tp += vc[FJ_VERDICT_SUSPICIOUS][1];
        fp += vc[FJ_VERDICT_SUSPICIOUS][0];
        fill_prf(&m->flag_suspicious, tp, fp, m->fraud - tp);
    } else {
        fill_prf(&m->flag_fraud, 0, 0, 0);
        fill_prf(&m->flag_suspicious, 0, 0, 0);
    }

    /* the ranking figures, one pass over the distinct scores, highest first */
    scored *v = sorted(scores, labels, n);
    if (!v)
        return fj__nomem(err);
    const int64_t P = m->fraud, N = m->legit;
    int64_t tp = 0, fp = 0;
    double auc2 = 0; /* twice the ROC area, in units of pairs */
    double ap = 0;
    double best_recall = 0, best_t = INFINITY;
    for (size_t i = 0; i < n;) {
        double s = v[i].s;
        int64_t tp0 = tp, fp0 = fp;
        for (; i < n && v[i].s == s; i++) {
            tp += v[i].y;
            fp += !v[i].y;
        }
        auc2 += (double)(fp - fp0) * (double)(tp + tp0);
        if (P && tp > tp0)
            ap += (double)(tp - tp0) / (double)P * ((double)tp / (double)(tp + fp));
        /* false-positive rate <= 1 %, in integers: fp / N <= 1 / 100 */
        if (P && fp * 100 <= N && (double)tp / (double)P > best_recall) {
            best_recall = (double)tp / (double)P;
            best_t = s;
        }
    }
    free(v);
    m->roc_auc = (P && N) ? auc2 / (2.0 * (double)P * (double)N) : NAN;
    m->pr_auc = P ? ap : NAN;
    m->recall_at_1pct_fpr = (P && N) ? best_recall : NAN;
    m->threshold_at_1pct_fpr = (P && N) ? best_t : NAN;
    return FJ_OK;
}

/* ---- JSON ---- */

static void num(fj_jw *w, const char *key, double v)
{
    fj__jw_key(w, key);
    fj__jw_double(w, v); /* null for NaN: a figure that does not exist for these postings */
}

static void count(fj_jw *w, const char *key, int64_t v)
{
    fj__jw_key(w, key);
    fj__jw_int(w, (long long)v);
}

static void prf(fj_jw *w, const char *key, const fj_prf *r)
{
    fj__jw_key(w, key);
    fj__jw_object(w);
    count(w, "tp", r->tp);
    count(w, "fp", r->fp);
    count(w, "fn", r->fn);
    num(w, "precision", r->precision);
    num(w, "recall", r->recall);
    num(w, "f1", r->f1);
    fj__jw_end(w);
}

fj_status fj_metrics_to_json(const fj_metrics *m, char **out, fj_error *err)
{
    if (!m || !out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_metrics_to_json: NULL argument");
    *out = NULL;
    fj_buf b = {0};
    fj_jw w;
    fj__jw_init(&w, &b);
    fj__jw_object(&w);
    count(&w, "count", m->count);
    count(&w, "fraud", m->fraud);
    count(&w, "legit", m->legit);
    num(&w, "threshold", m->threshold);
    fj__jw_key(&w, "confusion");
    fj__jw_object(&w);
    count(&w, "tn", m->tn);
    count(&w, "fp", m->fp);
    count(&w, "fn", m->fn);
    count(&w, "tp", m->tp);
    fj__jw_end(&w);
    num(&w, "precision", m->at_threshold.precision);
    num(&w, "recall", m->at_threshold.recall);
    num(&w, "f1", m->at_threshold.f1);
    num(&w, "accuracy", m->accuracy);
    num(&w, "roc_auc", m->roc_auc);
    num(&w, "pr_auc", m->pr_auc);
    num(&w, "recall_at_1pct_fpr", m->recall_at_1pct_fpr);
    num(&w, "threshold_at_1pct_fpr", m->threshold_at_1pct_fpr);
    if (m->has_verdicts) {
        fj__jw_key(&w, "verdicts");
        fj__jw_object(&w);
        for (int v = 0; v <= FJ_VERDICT_INSUFFICIENT; v++) {
            fj__jw_key(&w, fj_verdict_name((fj_verdict)v));
            fj__jw_object(&w);
            count(&w, "legit", m->verdicts[v][0]);
            count(&w, "fraud", m->verdicts[v][1]);
            fj__jw_end(&w);
        }
        fj__jw_end(&w);
        prf(&w, "flag_fraud", &m->flag_fraud);
        prf(&w, "flag_suspicious", &m->flag_suspicious);
    }
    fj__jw_end(&w);
    if (!w.ok) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    *out = b.data;
    return FJ_OK;
}
