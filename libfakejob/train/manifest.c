/*
 * manifest.c - what a bundle records of its training: the manifest's "training" object (the
 * postings counted per language and label, the data's description, the parameters) and each
 * part's cross-validated figures (PART.calibration.json's "cv": the grid searched, the views
 * and their weights, PR-AUC, ROC-AUC, recall at 1 % FPR and the figures at each threshold).
 * The figures are metrics.c's; one that is undefined (NaN: nothing flagged at a threshold) is
 * written as null, as fj_metrics_to_json does, never as a number.
 */
#include "train/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool fj__json_fig(fj_buf *b, const char *key, double v)
{
    if (isnan(v))
        return fj__buf_printf(b, "\"%s\":null", key);
    return fj__buf_printf(b, "\"%s\":%.4f", key, v);
}

bool fj__json_at_threshold(fj_buf *b, const char *name, const fj_metrics *m)
{
    const fj_prf *a = &m->at_threshold;
    return fj__buf_printf(b, "\"%s\":{", name) && fj__json_fig(b, "threshold", m->threshold) &&
           fj__buf_append(b, ",", 1) && fj__json_fig(b, "precision", a->precision) &&
           fj__buf_append(b, ",", 1) && fj__json_fig(b, "recall", a->recall) &&
           fj__buf_append(b, ",", 1) && fj__json_fig(b, "f1", a->f1) &&
           fj__buf_printf(b, ",\"tp\":%lld,\"fp\":%lld,\"fn\":%lld}", (long long)a->tp,
                          (long long)a->fp, (long long)a->fn);
}

/* The settings of a grid with their cross-validated PR-AUC: a JSON array's elements. */
static bool json_grid(fj_buf *b, const fj__view *vf)
{
    bool ok = true;
    for (int g = 0; ok && g < vf->ngrid; g++)
        ok = fj__buf_printf(b, "%s{\"C\":%.6g,\"gamma\":%.6g,", g ? "," : "", vf->grid[g].C,
                            vf->grid[g].gamma) &&
             fj__json_fig(b, "pr_auc", vf->grid_ap[g]) && fj__buf_append(b, "}", 1);
    return ok;
}

static bool json_view(fj_buf *b, const fj__view *vf, double weight)
{
    return fj__buf_printf(b, "{\"view\":\"%s\",\"weight\":%.4g,\"C\":%.6g,\"grid\":[", vf->name,
                          weight, vf->grid[vf->best].C) &&
           json_grid(b, vf) && fj__buf_append(b, "]}", 2);
}

char *fj__part_cv_json(const fj__part *pt, const fj__part_info *pi, size_t n, int folds,
                       const fj__view *va, const fj__view *vt, double mix,
                       const fj__part_figures *fig, int nsv, double libsvm_diff)
{
    fj_buf b = {0};
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return NULL;
    const fj_metrics *h = &fig->at_half;
    bool ok =
        fj__buf_printf(&b,
                       "{\"postings\":%zu,\"fraud\":%zu,\"legit\":%zu,\"groups\":%zu,\"folds\":%d,"
                       "\"min_df\":%d,\"max_features\":%zu,",
                       n, pi->fraud, pi->legit, pi->groups, folds, pi->min_df, pi->max_features);
    /* the dense weight only when not the default (a part trained without it reads as before) */
    if (ok && pi->dense_weight != 1)
        ok = fj__buf_printf(&b, "\"dense_weight\":%.4g,", pi->dense_weight);
    ok = ok && fj__buf_printf(&b, "\"selected\":{\"C\":%.6g,\"gamma\":%.6g},\"grid\":[", pt->C,
                              pt->gamma);
    ok = ok && json_grid(&b, va);
    ok = ok && fj__buf_printf(&b, "],\"views\":[");
    ok = ok && json_view(&b, va, vt ? mix : 1);
    if (vt)
        ok = ok && fj__buf_append(&b, ",", 1) && json_view(&b, vt, 1 - mix);
    ok = ok && fj__buf_append(&b, "],", 2) && fj__json_fig(&b, "pr_auc", h->pr_auc) &&
         fj__buf_append(&b, ",", 1) && fj__json_fig(&b, "roc_auc", h->roc_auc) &&
         fj__buf_append(&b, ",", 1) &&
         fj__json_fig(&b, "recall_at_1pct_fpr", h->recall_at_1pct_fpr);
    const fj_metrics *ats[3] = {&fig->at_fraud, &fig->at_susp, h};
    const char *names[3] = {"at_fraud_threshold", "at_suspicious_threshold", "at_0.5"};
    for (int i = 0; ok && i < 3; i++)
        ok = fj__buf_append(&b, ",", 1) && fj__json_at_threshold(&b, names[i], ats[i]);
    if (ok && pi->nsrc > 0) {
        ok = fj__buf_printf(&b, ",\"sources\":{\"mode\":\"%s\",\"reference\":%zu,\"other\":%zu}",
                            fj_source_mode_name(pi->source_mode), pi->reference, n - pi->reference);
    }
    ok = ok && fj__buf_printf(&b, ",\"support_vectors\":%d", nsv);
    if (ok && pt->kernel == FJ_KERNEL_LINEAR)
        ok = fj__buf_printf(&b, ",\"primal_vs_libsvm_max_abs_diff\":%.3g", libsvm_diff);
    ok = ok && fj__buf_append(&b, "}", 1);
    fj__cnum_end(&cn);
    char *norm = ok ? fj__json_normalize(b.data) : NULL;
    fj__buf_free(&b);
    return norm;
}

char *fj__training_json(const fj_train_params *p, size_t n, const size_t cls[2][2])
{
    fj_buf b = {0};
    bool ok = fj__buf_printf(&b,
                             "{\"postings\":%zu,\"zh\":{\"fraud\":%zu,\"legit\":%zu},"
                             "\"en\":{\"fraud\":%zu,\"legit\":%zu},\"data\":",
                             n, cls[0][1], cls[0][0], cls[1][1], cls[1][0]);
    const char *desc = p->data_description ? p->data_description : "";
    ok = ok && fj__buf_json_string(&b, desc, strlen(desc));
    fj__cnum cn;
    ok = ok && fj__cnum_begin(&cn);
    if (ok) {
        ok = fj__buf_printf(&b,
                            ",\"params\":{\"kernel\":\"%s\",\"C\":%.6g,\"gamma\":%.6g,"
                            "\"folds\":%d,\"seed\":%llu,\"class_weights\":%s,"
                            "\"per_language\":%s,\"target_precision\":%.4g,\"target_recall\":%."
                            "4g,\"min_df\":%d,"
                            "\"max_features\":%zu,\"text_view\":%s",
                            p->kernel == FJ_KERNEL_RBF ? "rbf" : "linear", p->C, p->gamma, p->folds,
                            (unsigned long long)p->seed, p->class_weights ? "true" : "false",
                            p->per_language ? "true" : "false", p->target_precision,
                            p->target_recall, p->min_df, p->max_features,
                            p->text_view && p->kernel == FJ_KERNEL_LINEAR ? "true" : "false");
        /* per-language overrides, when any */
        static const char *const ln[3] = {NULL, "zh", "en"};
        for (int k = 0; ok && k < 2; k++) {
            bool any = false;
            for (int l = 1; ok && l < 3; l++) {
                unsigned long long v = k == 0 ? (unsigned long long)p->min_df_lang[l]
                                              : (unsigned long long)p->max_features_lang[l];
                if (!v)
                    continue;
                ok = fj__buf_printf(&b, "%s\"%s\":%llu",
                                    any      ? ","
                                    : k == 0 ? ",\"min_df_lang\":{"
                                             : ",\"max_features_lang\":{",
                                    ln[l], v);
                any = true;
            }
            if (ok && any)
                ok = fj__buf_append(&b, "}", 1);
        }
        /* the settings beyond the defaults, only when given */
        if (ok && p->dense_weight != 1)
            ok = fj__buf_printf(&b, ",\"dense_weight\":%.4g", p->dense_weight);
        for (int l = 1; ok && l < 3; l++)
            if (p->dense_weight_lang[l])
                ok =
                    fj__buf_printf(&b, ",\"dense_weight_%s\":%.4g", ln[l], p->dense_weight_lang[l]);
        ok = ok && fj__buf_printf(&b, "},\"cv_note\":\"metrics of each part are from the "
                                      "grouped cross-validation that selected C; fakejob "
                                      "eval gives nested estimates\"}");
        fj__cnum_end(&cn);
    }
    char *norm = ok ? fj__json_normalize(b.data) : NULL;
    fj__buf_free(&b);
    return norm;
}
