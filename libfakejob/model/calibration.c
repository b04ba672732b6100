/*
 * calibration.c - a part's calibration: PART.calibration.json written and read ({"format":1,
 * "kernel", "C", "gamma", "platt_a", "platt_b", "threshold_fraud", "threshold_suspicious",
 * "cv":{…}}), and Platt's sigmoid applied to a margin at scoring time (training fits a and b,
 * train/train.c).
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

double fj__part_logodds(const fj__part *pt, double margin)
{
    return -(pt->platt_a * margin + pt->platt_b);
}

double fj__part_calibrate(const fj__part *pt, double margin)
{
    double f = pt->platt_a * margin + pt->platt_b;
    /* the numerically stable form of 1 / (1 + exp(f)) */
    return f >= 0 ? exp(-f) / (1.0 + exp(-f)) : 1.0 / (1.0 + exp(f));
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
