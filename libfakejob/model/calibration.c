/*
 * calibration.c - a part's calibration: PART.calibration.json written and read ({"format":1,
 * "kernel", "C", "gamma", "platt_a", "platt_b", "threshold_fraud", "threshold_suspicious",
 * "cv":{…}}: the cross-validated figures, train/manifest.c's, null where a figure is undefined
 * for the postings), and Platt's sigmoid: fitted to out-of-fold margins in training (fj__platt_fit,
 * called by train/ and train/clauses_train.c) and applied to a margin at scoring time
 * (fj__part_calibrate).
 */
#include "core/json.h"
#include "model/model.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *fj__kernel_name(fj_kernel k)
{
    return k == FJ_KERNEL_RBF ? "rbf" : "linear";
}

/* Platt scaling: P(fraud | f) = 1 / (1 + exp(A f + B)), fitted by Newton's method with
 * backtracking on regularized targets (Lin, Lin and Weng 2007, "A note on Platt's
 * probabilistic outputs for support vector machines"). Returns the regularized log loss of
 * the fit. */
double fj__platt_fit(const double *dec, const int *y, size_t n, double *A, double *B)
{
    double prior1 = 0, prior0 = 0;
    for (size_t i = 0; i < n; i++)
        y[i] ? prior1++ : prior0++;
    const int max_iter = 100;
    const double min_step = 1e-10, sigma = 1e-12, eps = 1e-5;
    double hi = (prior1 + 1) / (prior1 + 2), lo = 1 / (prior0 + 2);
    double a = 0, b = log((prior0 + 1) / (prior1 + 1)), fval = 0;
    for (size_t i = 0; i < n; i++) {
        double t = y[i] ? hi : lo, f = dec[i] * a + b;
        fval += f >= 0 ? t * f + log1p(exp(-f)) : (t - 1) * f + log1p(exp(f));
    }
    for (int it = 0; it < max_iter; it++) {
        double h11 = sigma, h22 = sigma, h21 = 0, g1 = 0, g2 = 0;
        for (size_t i = 0; i < n; i++) {
            double f = dec[i] * a + b, p, q;
            if (f >= 0) {
                p = exp(-f) / (1 + exp(-f));
                q = 1 / (1 + exp(-f));
            } else {
                p = 1 / (1 + exp(f));
                q = exp(f) / (1 + exp(f));
            }
            double d2 = p * q, t = y[i] ? hi : lo, d1 = t - p;
            h11 += dec[i] * dec[i] * d2;
            h22 += d2;
            h21 += dec[i] * d2;
            g1 += dec[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < eps && fabs(g2) < eps)
            break;
        double det = h11 * h22 - h21 * h21;
        double da = -(h22 * g1 - h21 * g2) / det, db = -(-h21 * g1 + h11 * g2) / det;
        double gd = g1 * da + g2 * db, step = 1;
        while (step >= min_step) {
            double na = a + step * da, nb = b + step * db, nf = 0;
            for (size_t i = 0; i < n; i++) {
                double t = y[i] ? hi : lo, f = dec[i] * na + nb;
                nf += f >= 0 ? t * f + log1p(exp(-f)) : (t - 1) * f + log1p(exp(f));
            }
            if (nf < fval + 0.0001 * step * gd) {
                a = na;
                b = nb;
                fval = nf;
                break;
            }
            step /= 2;
        }
        if (step < min_step)
            break;
    }
    *A = a;
    *B = b;
    return fval;
}

double fj__part_logodds(const fj__part *pt, double margin)
{
    return -(pt->platt_a * margin + pt->platt_b);
}

double fj__part_calibrate(const fj__part *pt, double margin)
{
    return fj__logistic(-(pt->platt_a * margin + pt->platt_b));
}

char *fj__calibration_text(const fj__part *pt, fj_error *err)
{
    fj__cnum cn;
    if (!fj__cnum_begin(&cn)) {
        fj__errorf(err, FJ_ERR_INTERNAL, "cannot create the C numeric locale");
        return NULL;
    }
    const char *keys[] = {"C",       "gamma",           "platt_a",
                          "platt_b", "threshold_fraud", "threshold_suspicious"};
    double vals[] = {pt->C, pt->gamma, pt->platt_a, pt->platt_b, pt->t_fraud, pt->t_susp};
    fj_buf b = {0};
    bool ok = fj__buf_printf(&b, "{\n  \"format\": 1,\n  \"kernel\": \"%s\"",
                             fj__kernel_name(pt->kernel));
    for (int i = 0; ok && i < 6; i++) {
        char num[FJ__NUM_BUF];
        fj__fmt_double(vals[i], num);
        ok = fj__buf_printf(&b, ",\n  \"%s\": %s", keys[i], num);
    }
    if (ok && pt->cv_json)
        ok = fj__buf_printf(&b, ",\n  \"cv\": %s", pt->cv_json);
    ok = ok && fj__buf_append(&b, "\n}\n", 3);
    fj__cnum_end(&cn);
    if (!ok) {
        fj__buf_free(&b);
        fj__nomem(err);
        return NULL;
    }
    return b.data;
}

static bool get_num(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return false;
    double d = json_number_value(v);
    if (!isfinite(d))
        return false;
    *out = d;
    return true;
}

fj_status fj__calibration_parse(fj__part *pt, const char *data, size_t len, const char *file,
                                fj_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return fj__error_at(err, FJ_ERR_MODEL, file, je.line, "%s", je.text);
    fj_status st = FJ_OK;
    json_t *fmt = json_object_get(o, "format");
    const char *k = json_string_value(json_object_get(o, "kernel"));
    if (!json_is_object(o) || !json_is_integer(fmt)) {
        st = fj__errorf(err, FJ_ERR_MODEL, "%s: not a calibration object with a format", file);
    } else if (json_integer_value(fmt) != 1) {
        st = fj__errorf(err, json_integer_value(fmt) > 1 ? FJ_ERR_VERSION : FJ_ERR_MODEL,
                        "%s: calibration format %lld is not 1", file,
                        (long long)json_integer_value(fmt));
    } else if (!k || (strcmp(k, "linear") != 0 && strcmp(k, "rbf") != 0)) {
        st = fj__errorf(err, FJ_ERR_MODEL, "%s: kernel must be \"linear\" or \"rbf\"", file);
    } else if (!get_num(o, "C", &pt->C) || !get_num(o, "gamma", &pt->gamma) ||
               !get_num(o, "platt_a", &pt->platt_a) || !get_num(o, "platt_b", &pt->platt_b) ||
               !get_num(o, "threshold_fraud", &pt->t_fraud) ||
               !get_num(o, "threshold_suspicious", &pt->t_susp)) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s: C, gamma, platt_a, platt_b, threshold_fraud and "
                        "threshold_suspicious must be finite numbers",
                        file);
    } else if (pt->t_fraud < 0 || pt->t_fraud > 1 || pt->t_susp < 0 || pt->t_susp > pt->t_fraud) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s: thresholds must satisfy 0 <= suspicious <= fraud <= 1", file);
    } else {
        pt->kernel = strcmp(k, "rbf") == 0 ? FJ_KERNEL_RBF : FJ_KERNEL_LINEAR;
        json_t *cv = json_object_get(o, "cv");
        double fraud, postings;
        if (json_is_object(cv) && get_num(cv, "fraud", &fraud) &&
            get_num(cv, "postings", &postings) && fraud > 0 && fraud < postings)
            pt->prior = fraud / postings; /* the training mix */
        if (json_is_object(cv)) {
            pt->cv_json = json_dumps(cv, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
            if (!pt->cv_json)
                st = fj__nomem(err);
        }
    }
    json_decref(o);
    return st;
}
