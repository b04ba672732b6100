/*
 * model.c - the model object: its parts, the route from a posting's language to a part, the
 * thresholds, freeing (a part loaded from its binary form unmaps it), and the manifest text.
 * Bundles are read by bundle_load.c and written by bundle_save.c; the part files' formats are
 * in textfmt.c, calibration.c, binfmt.c, trainfp.c and features.c.
 */
#include "model/model.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

const char *fj_verdict_name(fj_verdict v)
{
    switch (v) {
    case FJ_VERDICT_LEGIT:
        return "legit";
    case FJ_VERDICT_SUSPICIOUS:
        return "suspicious";
    case FJ_VERDICT_FRAUD:
        return "fraud";
    case FJ_VERDICT_INSUFFICIENT:
        return "insufficient";
    }
    return NULL;
}

void fj__part_free(fj__part *pt)
{
    if (pt->map) {
        /* the feature space and the weights point into the mapping */
        memset(&pt->fs, 0, sizeof pt->fs);
        pt->w = NULL;
        fj__bin_unmap(pt->map, pt->map_len);
    }
    fj__fspace_free(&pt->fs);
    free(pt->w);
    fj__svm_free(pt->svm);
    free(pt->svm_text);
    free(pt->svm_src);
    free(pt->cv_json);
    if (pt->route) {
        fj__part_free(pt->route);
        free(pt->route);
    }
    memset(pt, 0, sizeof *pt);
}

void fj_model_free(fj_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nparts; i++)
        fj__part_free(&m->part[i]);
    free(m->name);
    free(m->version);
    free(m->display);
    free(m->created);
    free(m->training);
    free(m->manifest);
    free(m->train_fp);
    free(m);
}

const char *fj_model_name(const fj_model *m)
{
    return m ? m->display : NULL;
}

int fj_model_explains(const fj_model *m)
{
    if (!m || m->nparts == 0)
        return 0;
    for (int i = 0; i < m->nparts; i++)
        if (m->part[i].kernel != FJ_KERNEL_LINEAR)
            return 0;
    return 1;
}

const char *fj_model_manifest(const fj_model *m)
{
    return m ? m->manifest : NULL;
}

bool fj__posting_platform(const fj_posting *p)
{
    return fj_posting_has(p, FJ_FIELD_APPLICANTS) && fj_posting_has(p, FJ_FIELD_RESPONSE_RATE);
}

const fj__part *fj__model_route(const fj_model *m, fj_lang lang)
{
    const char *want = lang == FJ_LANG_ZH ? "zh" : lang == FJ_LANG_EN ? "en" : NULL;
    for (int i = 0; want && i < m->nparts; i++)
        if (strcmp(m->part[i].lang, want) == 0)
            return &m->part[i];
    for (int i = 0; i < m->nparts; i++)
        if (strcmp(m->part[i].lang, "all") == 0)
            return &m->part[i];
    return &m->part[0];
}

void fj_model_thresholds(const fj_model *m, fj_lang lang, double *fraud, double *suspicious)
{
    if (!m || m->nparts == 0)
        return;
    const fj__part *pt = fj__model_route(m, lang);
    if (fraud)
        *fraud = pt->t_fraud;
    if (suspicious)
        *suspicious = pt->t_susp;
}

/* ---- manifest ---- */

fj_status fj__model_build_manifest(fj_model *m, fj_error *err)
{
    json_t *training = m->training ? json_loads(m->training, 0, NULL) : json_object();
    json_t *parts = json_array();
    int format = 1;
    for (int i = 0; i < m->nparts; i++)
        if (m->part[i].fs.seg != FJ_SEG_DICTIONARY)
            format = 2;
    json_t *o = json_pack("{sisssssssss{sssi}ss}", "format", format, "kind", "fakejob-model",
                          "name", m->name, "version", m->version, "created",
                          m->created ? m->created : "", "library", "libfakejob", fj_version(),
                          "libsvm", libsvm_version, "kernel", fj__kernel_name(m->part[0].kernel));
    bool ok = training && parts && o;
    for (int i = 0; ok && i < m->nparts; i++) {
        const fj__part *pt = &m->part[i];
        json_t *cv = pt->cv_json ? json_loads(pt->cv_json, 0, NULL) : json_null();
        json_t *po =
            json_pack("{sssIsfsfsfsfsfsoss}", "lang", pt->lang, "features", (json_int_t)pt->fs.n,
                      "C", pt->C, "gamma", pt->gamma, "threshold_fraud", pt->t_fraud,
                      "threshold_suspicious", pt->t_susp, "prior", pt->prior, "cv",
                      cv ? cv : json_null(), "segmentation", fj_segmentation_name(pt->fs.seg));
        ok = po && json_array_append_new(parts, po) == 0;
    }
    if (ok) {
        json_object_set_new(o, "parts", parts);
        json_object_set_new(o, "training", training);
        parts = training = NULL;
    }
    char *s = ok ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(o);
    json_decref(parts);
    json_decref(training);
    if (!s)
        return fj__nomem(err);
    free(m->manifest);
    m->manifest = s;
    return FJ_OK;
}
