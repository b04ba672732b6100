/*
 * train.c - training models with libsvm (C-SVC), and cross-validating the whole procedure:
 * fj_train and fj_cross_validate, and the steps of one part in order (train/train.h names the
 * files that do each step).
 *
 * For each language part (zh / en, or one "all" part):
 *   1. replay dated postings through a fresh history store (dataset.c), so repost features are
 *      what a scoring stream would have seen;
 *   2. fit the feature space (model/features.c: vocabulary by document frequency, idf, dense
 *      scales);
 *   3. assign groups (copies of a posting, one company's postings) to k folds, stratified by
 *      class, from a seeded generator (folds.c);
 *   4. grid search, per view (linear parts: all features, and the text features alone): for
 *      each C (and gamma for RBF) train on k-1 folds and compute the margins of the held-out
 *      fold; keep the setting with the best PR-AUC of the pooled margins, and train the view's
 *      final SVM on every posting (grid.c);
 *   5. mix the views' out-of-fold margins in the proportion whose calibration has the lowest
 *      log loss, fit Platt's sigmoid on the mixed margins (model/calibration.c), and choose the
 *      thresholds on the calibrated out-of-fold scores (thresholds.c); their figures are
 *      metrics.c's and the bundle records them (manifest.c);
 *   6. for linear kernels mix the views' primal weights in the same proportion, check the
 *      result against libsvm's own decision values on every training posting (the largest
 *      difference is recorded with the metrics), and write libsvm's text model in collapsed
 *      form (one support vector: the weights; model/textfmt.c).
 */
#include "train/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const source_modes[] = {"augment", "intercept",   "augment-text",
                                           "pool",    "shared-meta", "route"};

const char *fj_source_mode_name(fj_source_mode mode)
{
    return (unsigned)mode <= FJ_SOURCE_ROUTE ? source_modes[mode] : NULL;
}

int fj_source_mode_from_name(const char *name)
{
    for (int m = 0; name && m <= FJ_SOURCE_ROUTE; m++)
        if (strcmp(name, source_modes[m]) == 0)
            return m;
    return -1;
}

void fj_train_params_init(fj_train_params *p)
{
    if (!p)
        return;
    memset(p, 0, sizeof *p);
    p->kernel = FJ_KERNEL_LINEAR;
    p->folds = 5;
    p->seed = 20250301;
    p->class_weights = 1;
    p->per_language = 1;
    p->target_precision = 0.9;
    p->target_recall = 0.95;
    p->min_df = 2;
    p->dense_weight = 1;
    p->max_features = 30000;
    p->text_view = 1;
    p->name = "fakejob";
    p->version = "1.0.0";
}

static fj_status check_params(const fj_train_params *p, fj_error *err)
{
    if (p->kernel != FJ_KERNEL_LINEAR && p->kernel != FJ_KERNEL_RBF)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "unknown kernel %d", (int)p->kernel);
    if (!(p->C >= 0) || !isfinite(p->C) || !(p->gamma >= 0) || !isfinite(p->gamma))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "C and gamma must be finite and >= 0");
    if (p->folds < 2 || p->folds > 100)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "folds must be within 2..100, not %d", p->folds);
    if (!(p->target_precision > 0 && p->target_precision <= 1))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "target_precision must be within (0, 1]");
    if (!(p->target_recall > 0 && p->target_recall <= 1))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "target_recall must be within (0, 1]");
    if (p->min_df < 1)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "min_df must be at least 1");
    if (!fj_segmentation_name(p->segmentation))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "segmentation %d does not exist",
                          (int)p->segmentation);
    for (int l = 0; l < 4; l++) {
        double w = l < 3 ? p->dense_weight_lang[l] : p->dense_weight;
        if (!(w >= 0 && w <= FJ__DENSE_CLAMP) || (l == 3 && w == 0))
            return fj__errorf(err, FJ_ERR_ARGUMENT, "dense_weight must be within (0, %g]",
                              FJ__DENSE_CLAMP);
    }
    for (int l = 0; l < 3; l++)
        if (p->min_df_lang[l] < 0)
            return fj__errorf(err, FJ_ERR_ARGUMENT, "min_df_lang[%d] must be >= 0", l);
    if (p->threads < 0)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "threads must be >= 0");
    if ((unsigned)p->source_mode > FJ_SOURCE_ROUTE)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "unknown source_mode %d", (int)p->source_mode);
    const char *names[2] = {p->name, p->version};
    for (int i = 0; i < 2; i++) {
        const char *s = names[i];
        if (!s || !*s || strlen(s) > 100)
            return fj__errorf(err, FJ_ERR_ARGUMENT, "model %s must be 1 to 100 characters",
                              i ? "version" : "name");
        for (; *s; s++)
            if ((unsigned char)*s <= ' ' || *s == '"' || *s == '\\')
                return fj__errorf(err, FJ_ERR_ARGUMENT,
                                  "model %s may not contain spaces, quotes or backslashes",
                                  i ? "version" : "name");
    }
    return FJ_OK;
}

void fj__train_report(fj__progress *pr, const char *stage, int step, int total, const char *fmt,
                      ...)
{
    if (!pr->p->progress)
        return;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fj_progress info = {stage, pr->part, step, total, msg};
    pr->p->progress(&info, pr->p->progress_user);
}

/* ---- training one part ---- */

/* Whether feature `idx` of the part gets a copy per other source in `mode`. */
static bool source_copy(const fj__fspace *fs, fj_source_mode mode, size_t idx)
{
    if (mode == FJ_SOURCE_AUGMENT)
        return true;
    if (mode == FJ_SOURCE_AUGMENT_TEXT)
        return idx >= fs->n_dense;
    if (mode != FJ_SOURCE_SHARED_META)
        return false;
    if (idx >= fs->n_dense) /* text */
        return true;
    const char *name = fs->names + fs->name_off[idx];
    return strncmp(name, "field:", 6) != 0 && strncmp(name, "meta:", 5) != 0;
}

/* The number of nodes source s's features add to a posting's vector `v` (the intercept, then
 * the copies). */
static size_t source_nodes(const fj__vec *v, const fj__fspace *fs, fj_source_mode mode)
{
    size_t c = 1;
    for (size_t e = 0; e < v->n; e++)
        c += source_copy(fs, mode, v->e[e].idx);
    return c;
}

static fj_status vectorize_all(fj_context *ctx, const fj_dataset *d,
                               const fj_history_stats *const *hist, const size_t *subset, size_t n,
                               fj__part *pt, fj__tdata *t, fj_source_mode mode, fj_error *err)
{
    fj__vec v = {0};
    size_t cap = 1024, used = 0;
    size_t *start = malloc((n + 1) * sizeof *start);
    t->pool = malloc(cap * sizeof *t->pool);
    t->x = malloc((n + 1) * sizeof *t->x);
    t->y = malloc((n + 1) * sizeof *t->y);
    if (!start || !t->pool || !t->x || !t->y) {
        free(start);
        return fj__nomem(err);
    }
    t->n = n;
    double sq = 0;
    fj_status st = FJ_OK;
    for (size_t k = 0; k < n && st == FJ_OK; k++) {
        size_t i = subset[k];
        st = fj__vectorize(ctx, &pt->fs, fj_dataset_posting(d, i), hist[i], &v, err);
        if (st != FJ_OK) {
            if (err) {
                char msg[sizeof err->message];
                snprintf(msg, sizeof msg, "%s: %s", fj_dataset_source(d, i), err->message);
                memcpy(err->message, msg, sizeof msg);
            }
            break;
        }
        size_t s = t->src ? t->src[k] : 0;
        size_t extra = s && mode != FJ_SOURCE_POOL ? source_nodes(&v, &pt->fs, mode) : 0;
        if (used + v.n + extra + 1 > cap) {
            while (used + v.n + extra + 1 > cap)
                cap *= 2;
            struct svm_node *p = realloc(t->pool, cap * sizeof *p);
            if (!p) {
                st = fj__nomem(err);
                break;
            }
            t->pool = p;
        }
        start[k] = used;
        for (size_t e = 0; e < v.n; e++) {
            t->pool[used].index = (int)v.e[e].idx + 1;
            t->pool[used].value = v.e[e].val;
            sq += v.e[e].val * v.e[e].val;
            used++;
        }
        if (extra) { /* the source's intercept, then its copies of the features */
            size_t base = t->nbase + (size_t)t->nsrc + (s - 1) * t->nbase;
            t->pool[used].index = (int)(t->nbase + s);
            t->pool[used++].value = 1;
            sq += 1;
            for (size_t e = 0; extra > 1 && e < v.n; e++)
                if (source_copy(&pt->fs, mode, v.e[e].idx)) {
                    t->pool[used].index = (int)(base + v.e[e].idx + 1);
                    t->pool[used].value = v.e[e].val;
                    sq += v.e[e].val * v.e[e].val;
                    used++;
                }
        }
        t->pool[used].index = -1;
        t->pool[used].value = 0;
        used++;
        t->y[k] = fj_dataset_label(d, i) == FJ_LABEL_FRAUD ? 1 : -1;
    }
    if (st == FJ_OK)
        for (size_t k = 0; k < n; k++)
            t->x[k] = t->pool + start[k];
    t->mean_sq_norm = n ? sq / (double)n : 1;
    free(start);
    fj__vec_free(&v);
    return st;
}

/* The error for a part whose reference source (0) has fewer than 2 frauds or legits. */
static fj_status too_few_reference(const char *lang, size_t fraud, size_t legit, fj_error *err)
{
    return fj__errorf(err, FJ_ERR_TRAIN,
                      "part %s: %zu fraudulent and %zu legitimate postings of the reference "
                      "source (0): at least 2 of each are needed",
                      lang, fraud, legit);
}

static fj_status train_part(fj_context *ctx, const fj_dataset *d,
                            const fj_history_stats *const *hist, const size_t *subset, size_t n,
                            const fj_train_params *p, fj__progress *pr, fj__part *pt, fj_error *err)
{
    fj__part_info pi = {
        0, 0, 0, 0, 0, p->min_df, p->max_features, p->dense_weight, n, 0, p->source_mode};
    for (size_t k = 0; k < n; k++)
        fj_dataset_label(d, subset[k]) == FJ_LABEL_FRAUD ? pi.fraud++ : pi.legit++;
    if (pi.fraud < 2 || pi.legit < 2)
        return fj__errorf(err, FJ_ERR_TRAIN,
                          "part %s: %zu fraudulent and %zu legitimate postings: at least 2 of "
                          "each are needed",
                          pt->lang, pi.fraud, pi.legit);
    /* 1. the feature space */
    fj__fbuilder *fb = NULL;
    fj_status st = fj__fbuilder_new(&fb, err);
    if (st == FJ_OK)
        fj__fbuilder_segment(fb, p->segmentation);
    for (size_t k = 0; st == FJ_OK && k < n; k++) {
        size_t i = subset[k];
        st = fj__fbuilder_add(fb, ctx, fj_dataset_posting(d, i), hist[i], err);
        if (st != FJ_OK && err) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%s: %s", fj_dataset_source(d, i), err->message);
            memcpy(err->message, msg, sizeof msg);
        }
    }
    if (st == FJ_OK)
        st = fj__fbuilder_finish(fb, pi.min_df, pi.max_features, &pt->fs, err);
    fj__fbuilder_free(fb);
    if (st != FJ_OK)
        return st;
    /* the dense weight: the stored scale is divided by it, so that scoring multiplies the
     * features by it with no change to the bundle's format */
    for (size_t f = 0; p->dense_weight != 1 && f < pt->fs.n_dense; f++)
        pt->fs.param[f] /= p->dense_weight;
    fj__train_report(pr, "features", 1, 1,
                     "%zu postings (%zu fraud, %zu legit): %zu features (%zu dense)", n, pi.fraud,
                     pi.legit, pt->fs.n, pt->fs.n_dense);
    /* 2. vectors (with the other sources' features, when the part has postings of any) and
     *    folds */
    fj__tdata t = {0};
    t.nbase = t.nfeat = pt->fs.n;
    unsigned char *src = NULL;
    size_t nref = n;
    for (size_t k = 0; p->sources && k < n; k++) {
        int s = p->sources[subset[k]];
        if (s > 0 && !src && !(src = calloc(n + 1, 1)))
            return fj__nomem(err);
        if (s > 0) {
            src[k] = (unsigned char)s;
            nref--;
            if (s > t.nsrc)
                t.nsrc = s;
        }
    }
    if (src) {
        size_t rf = 0;
        for (size_t k = 0; k < n; k++)
            rf += !src[k] && fj_dataset_label(d, subset[k]) == FJ_LABEL_FRAUD;
        if (rf < 2 || nref - rf < 2) {
            free(src);
            return too_few_reference(pt->lang, rf, nref - rf, err);
        }
        t.src = src;
        pi.reference = nref;
        pi.nsrc = t.nsrc;
        if (p->source_mode != FJ_SOURCE_POOL)
            t.nfeat += (size_t)t.nsrc;
        if (p->source_mode != FJ_SOURCE_POOL && p->source_mode != FJ_SOURCE_INTERCEPT)
            t.nfeat += (size_t)t.nsrc * pt->fs.n;
    }
    st = vectorize_all(ctx, d, hist, subset, n, pt, &t, p->source_mode, err);
    if (st != FJ_OK) {
        fj__tdata_free(&t);
        free(src);
        return st;
    }
    t.fold = malloc((n + 1) * sizeof *t.fold);
    if (!t.fold) {
        fj__tdata_free(&t);
        free(src);
        return fj__nomem(err);
    }
    t.k = p->folds;
    pi.groups =
        fj__assign_folds(d, subset, n, t.k, p->seed, t.fold, &pi.fraud_groups, &pi.legit_groups);
    if (pi.groups == 0) {
        fj__tdata_free(&t);
        free(src);
        return fj__nomem(err);
    }
    if (pi.fraud_groups < 2 || pi.legit_groups < 2) {
        fj__tdata_free(&t);
        free(src);
        return fj__errorf(err, FJ_ERR_TRAIN,
                          "part %s: %zu fraud and %zu legit groups: cross-validation needs at "
                          "least 2 of each (postings with one group key count once)",
                          pt->lang, pi.fraud_groups, pi.legit_groups);
    }
    /* 3. the views: grid search, final SVM; 4. their mix, calibration and thresholds */
    double *dec = malloc((n + 1) * sizeof *dec);
    int *yy = malloc((n + 1) * sizeof *yy);
    double *score = malloc((n + 1) * sizeof *score); /* calibrated out-of-fold scores */
    fj__view va, vt;
    memset(&va, 0, sizeof va);
    memset(&vt, 0, sizeof vt);
    va.name = "all";
    vt.name = "text";
    fj__tdata t2 = {0};
    fj_buf txt = {0};
    size_t *ref = NULL;
    double *rdec = NULL; /* the reference postings' margins (src: a compact copy) */
    int *ryy = NULL;
    if (!dec || !yy || !score) {
        st = fj__nomem(err);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        yy[i] = t.y[i] > 0;
    /* the reference postings' indices: what the mix, calibration and thresholds are fitted on
     * (all the postings when there is one source) */
    ref = malloc((nref + 1) * sizeof *ref);
    if (!ref) {
        st = fj__nomem(err);
        goto out;
    }
    for (size_t i = 0, r = 0; i < n; i++)
        if (fj__tdata_ref(&t, i))
            ref[r++] = i;
    st = fj__fit_view(&t, pt, p, pr, &va, err);
    if (st != FJ_OK)
        goto out;
    double mix = 1;
    bool two = pt->kernel == FJ_KERNEL_LINEAR && p->text_view && pt->fs.n_dense > 0 &&
               pt->fs.n > pt->fs.n_dense;
    if (two) {
        st = fj__text_only(&t, pt->fs.n_dense, &t2, err);
        if (st == FJ_OK)
            st = fj__fit_view(&t2, pt, p, pr, &vt, err);
        if (st != FJ_OK)
            goto out;
    }
    const double *da = va.oof + (size_t)va.best * n,
                 *db = two ? vt.oof + (size_t)vt.best * n : NULL;
    if (t.src) { /* the reference postings' out-of-fold margins, compacted */
        rdec = malloc((nref + 1) * sizeof *rdec);
        ryy = malloc((nref + 1) * sizeof *ryy);
        double *rdb = malloc((nref + 1) * sizeof *rdb);
        if (!rdec || !ryy || !rdb) {
            free(rdb);
            st = fj__nomem(err);
            goto out;
        }
        for (size_t r = 0; r < nref; r++) {
            rdec[r] = da[ref[r]];
            rdb[r] = db ? db[ref[r]] : 0;
            ryy[r] = yy[ref[r]];
        }
        if (two)
            mix = fj__choose_mix(rdec, rdb, ryy, nref, dec);
        for (size_t r = 0; r < nref; r++)
            dec[r] = two ? mix * rdec[r] + (1 - mix) * rdb[r] : rdec[r];
        free(rdb);
    } else {
        if (two)
            mix = fj__choose_mix(da, db, yy, n, dec);
        for (size_t i = 0; i < n; i++)
            dec[i] = two ? mix * da[i] + (1 - mix) * db[i] : da[i];
    }
    const int *ry = t.src ? ryy : yy; /* dec[0..nref): the reference postings' mixed margins */
    pt->C = va.grid[va.best].C;
    pt->gamma = pt->kernel == FJ_KERNEL_RBF ? va.grid[va.best].gamma : 0;
    fj__platt_fit(dec, ry, nref, &pt->platt_a, &pt->platt_b);
    for (size_t i = 0; i < nref; i++)
        score[i] = fj__part_calibrate(pt, dec[i]);
    st = fj__choose_thresholds(score, ry, nref, p->target_precision, p->target_recall, &pt->t_fraud,
                               &pt->t_susp, err);
    /* the figures at each threshold and the ranking figures, from metrics.c */
    fj__part_figures fig;
    if (st == FJ_OK)
        st = fj_metrics_compute(score, ry, NULL, nref, pt->t_fraud, &fig.at_fraud, err);
    if (st == FJ_OK)
        st = fj_metrics_compute(score, ry, NULL, nref, pt->t_susp, &fig.at_susp, err);
    if (st == FJ_OK)
        st = fj_metrics_compute(score, ry, NULL, nref, 0.5, &fig.at_half, err);
    if (st != FJ_OK)
        goto out;
    /* the training mix (of the reference postings), the score's base rate */
    pt->prior = (double)fig.at_half.fraud / (double)nref;
    {
        /* the fraud threshold is at least 0.5: when no out-of-fold score reaches it, its
         * precision is undefined (NaN) and is said so, not printed as a number */
        const fj_prf *af = &fig.at_fraud.at_threshold;
        char prec[40] = "undefined: nothing reaches it";
        if (!isnan(af->precision))
            snprintf(prec, sizeof prec, "%.3f", af->precision);
        fj__train_report(
            pr, "calibrate", 1, 1,
            "C=%g%s, mix %.2f: PR-AUC %.4f, ROC-AUC %.4f, recall at 1%% FPR %.4f; fraud "
            "threshold %.3f (precision %s, recall %.3f), suspicious from %.3f",
            pt->C, pt->kernel == FJ_KERNEL_RBF ? " (rbf)" : "", two ? mix : 1.0, fig.at_half.pr_auc,
            fig.at_half.roc_auc, fig.at_half.recall_at_1pct_fpr, pt->t_fraud, prec, af->recall,
            pt->t_susp);
    }
    /* 5. the final model: the views' final SVMs, mixed */
    bool ok = true;
    double diff = 0;
    int nsv = va.sm->l + (two ? vt.sm->l : 0);
    pt->sign = va.sm->label[0] == 1 ? 1 : -1;
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        pt->w = malloc((pt->fs.n + 1) * sizeof *pt->w);
        ok = pt->w != NULL;
        for (size_t j = 0; ok && j < pt->fs.n; j++)
            pt->w[j] = two ? mix * va.w[j] + (1 - mix) * vt.w[j] : va.w[j];
        pt->b = two ? mix * va.b + (1 - mix) * vt.b : va.b;
        /* the primal weights, checked against libsvm's own decision values */
        for (size_t i = 0; ok && i < n; i++) {
            if (!fj__tdata_ref(&t, i)) /* its source's features are not in the model */
                continue;
            double lib = two ? mix * va.lib[i] + (1 - mix) * vt.lib[i] : va.lib[i];
            double gap = fabs(lib - (fj__dot(pt->w, t.x[i]) + pt->b));
            if (!(gap <= diff))
                diff = gap;
        }
        ok = ok && fj__svm_write_collapsed(pt, &txt);
    } else {
        /* libsvm's text model in terms of the features (a precomputed kernel's support
         * vectors are rows of the kernel matrix: write their postings' vectors instead) */
        struct svm_model twin = *va.sm;
        struct svm_node **svs = malloc(((size_t)va.sm->l + 1) * sizeof *svs);
        ok = svs != NULL;
        for (int k = 0; ok && k < va.sm->l; k++)
            ok = (svs[k] = (struct svm_node *)fj__sv_sparse(&t, va.sm, k)) != NULL;
        twin.SV = svs;
        twin.param.kernel_type = RBF;
        twin.param.gamma = pt->gamma;
        ok = ok && fj__svm_write(&twin, &txt);
        free(svs);
    }
    fj__train_report(pr, "final", 1, 1, "final model: %d support vectors of %zu postings%s%.3g",
                     nsv, n,
                     pt->kernel == FJ_KERNEL_LINEAR ? "; primal weights agree with libsvm to " : "",
                     pt->kernel == FJ_KERNEL_LINEAR ? diff : 0.0);
    if (ok) {
        pt->cv_json =
            fj__part_cv_json(pt, &pi, n, t.k, &va, two ? &vt : NULL, mix, &fig, nsv, diff);
        ok = pt->cv_json != NULL;
    }
    if (!ok) {
        st = fj__nomem(err);
        goto out;
    }
    pt->svm_text = txt.data;
    pt->svm_len = txt.len;
    txt = (fj_buf){0};
    if (pt->kernel == FJ_KERNEL_RBF)
        st = fj__svm_parse(&pt->svm, pt->svm_text, pt->svm_len, "svm.model", err);
out:
    free(ref);
    free(rdec);
    free(ryy);
    free(src);
    fj__buf_free(&txt);
    fj__view_free(&va);
    fj__view_free(&vt);
    free(score);
    free(dec);
    free(yy);
    fj__tdata_free(&t2);
    fj__tdata_free(&t);
    return st;
}

/* A part with a platform route (FJ_SOURCE_ROUTE): the part itself trained on the reference
 * source's postings of subset[0..n) alone, its route on all of them pooled (calibrated and
 * thresholded on all of them, as the pooled recipe is). A part without postings of another
 * source trains as without sources. */
static fj_status train_routed(fj_context *ctx, const fj_dataset *d,
                              const fj_history_stats *const *hist, const size_t *subset, size_t n,
                              const fj_train_params *p, fj__progress *pr, fj__part *pt,
                              fj_error *err)
{
    fj_train_params one = *p;
    one.sources = NULL;
    one.source_mode = FJ_SOURCE_POOL;
    size_t *ref = malloc((n + 1) * sizeof *ref), nref = 0;
    if (!ref)
        return fj__nomem(err);
    size_t rf = 0;
    for (size_t k = 0; k < n; k++)
        if (!p->sources || p->sources[subset[k]] == 0) {
            ref[nref++] = subset[k];
            rf += fj_dataset_label(d, subset[k]) == FJ_LABEL_FRAUD;
        }
    if (rf < 2 || nref - rf < 2) {
        free(ref);
        return too_few_reference(pt->lang, rf, nref - rf, err);
    }
    fj_status st = FJ_OK;
    if (nref < n) {
        pt->route = calloc(1, sizeof *pt->route);
        if (!pt->route)
            st = fj__nomem(err);
    }
    if (st == FJ_OK && pt->route) {
        memcpy(pt->route->lang, pt->lang, sizeof pt->lang);
        pt->route->kernel = pt->kernel;
        char label[32];
        snprintf(label, sizeof label, "%s, platform route", pr->part);
        fj__progress rpr = {p, label};
        st = train_part(ctx, d, hist, subset, n, &one, &rpr, pt->route, err);
    }
    if (st == FJ_OK)
        st = train_part(ctx, d, hist, ref, nref, &one, pr, pt, err);
    free(ref);
    return st;
}

/* ---- the whole model ---- */

/* Train a model on `subset` (sorted ascending) of the dataset. */
static fj_status train_subset(const fj_dataset *d, const fj_history_stats *const *hist,
                              const size_t *subset, size_t n, const fj_train_params *p,
                              fj_model **out, fj_error *err)
{
    *out = NULL;
    fj_context *ctx = NULL;
    fj_status st = fj_context_new(&ctx, err);
    if (st != FJ_OK)
        return st;
    /* language of each posting, and the parts */
    size_t *by[3] = {NULL, NULL, NULL}; /* zh, en, all */
    size_t cnt[3] = {0, 0, 0}, cls[2][2] = {{0, 0}, {0, 0}};
    fj_model *m = calloc(1, sizeof *m);
    for (int i = 0; i < 3; i++)
        by[i] = malloc((n + 1) * sizeof *by[i]);
    if (!m || !by[0] || !by[1] || !by[2]) {
        st = fj__nomem(err);
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        const fj_posting *ps = fj_dataset_posting(d, subset[k]);
        int l = fj_posting_detect_lang(ps) == FJ_LANG_ZH ? 0 : 1;
        by[l][cnt[l]++] = subset[k];
        by[2][cnt[2]++] = subset[k];
        cls[l][fj_dataset_label(d, subset[k]) == FJ_LABEL_FRAUD]++;
    }
    bool split = p->per_language && cnt[0] && cnt[1];
    for (int l = 0; split && l < 2; l++)
        if (cls[l][0] < (size_t)p->folds || cls[l][1] < (size_t)p->folds)
            split = false;
    static const char *const lang_names[3] = {"zh", "en", "all"};
    int which[3], nw = 0;
    if (split) {
        which[nw++] = 0;
        which[nw++] = 1;
    } else {
        which[nw++] = cnt[0] == 0 ? 1 : cnt[1] == 0 ? 0 : 2;
    }
    for (int w = 0; w < nw && st == FJ_OK; w++) {
        int l = which[w];
        fj__part *pt = &m->part[m->nparts++];
        snprintf(pt->lang, sizeof pt->lang, "%s", lang_names[l]);
        pt->kernel = p->kernel;
        fj__progress pr = {p, pt->lang};
        /* the per-language vocabulary settings apply to the zh and en parts; an "all" part
         * (one model for every language) takes the plain ones */
        fj_train_params pp = *p;
        fj_lang lang = l == 0 ? FJ_LANG_ZH : FJ_LANG_EN;
        if (l < 2 && p->min_df_lang[lang] > 0)
            pp.min_df = p->min_df_lang[lang];
        if (l < 2 && p->max_features_lang[lang] > 0)
            pp.max_features = p->max_features_lang[lang];
        if (l < 2 && p->dense_weight_lang[lang] > 0)
            pp.dense_weight = p->dense_weight_lang[lang];
        if (p->source_mode == FJ_SOURCE_ROUTE)
            st = train_routed(ctx, d, hist, by[l], cnt[l], &pp, &pr, pt, err);
        else
            st = train_part(ctx, d, hist, by[l], cnt[l], &pp, &pr, pt, err);
    }
    if (st != FJ_OK)
        goto out;
    m->name = strdup(p->name);
    m->version = strdup(p->version);
    size_t dl = strlen(p->name) + strlen(p->version) + 2;
    m->display = malloc(dl);
    m->created = malloc(32);
    if (!m->name || !m->version || !m->display || !m->created) {
        st = fj__nomem(err);
        goto out;
    }
    snprintf(m->display, dl, "%s %s", p->name, p->version);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    int64_t now = sde && *sde ? strtoll(sde, NULL, 10) : (int64_t)time(NULL);
    fj__format_iso8601(now, m->created, 32);
    /* the training section of the manifest */
    m->training = fj__training_json(p, n, (const size_t(*)[2])cls);
    if (!m->training) {
        st = fj__nomem(err);
        goto out;
    }
    st = fj__model_build_manifest(m, err);
out:
    for (int i = 0; i < 3; i++)
        free(by[i]);
    fj_context_free(ctx);
    if (st != FJ_OK) {
        fj_model_free(m);
        return st;
    }
    *out = m;
    return FJ_OK;
}

/* History statistics per dataset index: the dataset's replay, or our own. */
static fj_status history_of(const fj_dataset *d, const fj_history_stats ***out,
                            fj_history_stats **own, unsigned char **own_has, fj__progress *pr,
                            fj_error *err)
{
    size_t n = fj_dataset_size(d);
    const fj_history_stats **h = malloc((n + 1) * sizeof *h);
    *own = NULL;
    *own_has = NULL;
    if (!h)
        return fj__nomem(err);
    bool replayed = false;
    for (size_t i = 0; i < n && !replayed; i++)
        replayed = fj_dataset_history(d, i) != NULL;
    if (replayed) {
        for (size_t i = 0; i < n; i++)
            h[i] = fj_dataset_history(d, i);
    } else {
        *own = malloc((n + 1) * sizeof **own);
        *own_has = malloc(n + 1);
        fj_status st =
            *own && *own_has ? fj__dataset_replay(d, *own, *own_has, err) : fj__nomem(err);
        if (st != FJ_OK) {
            free(h);
            free(*own);
            free(*own_has);
            *own = NULL;
            *own_has = NULL;
            return st;
        }
        size_t dated = 0;
        for (size_t i = 0; i < n; i++) {
            h[i] = (*own_has)[i] ? &(*own)[i] : NULL;
            dated += (*own_has)[i];
        }
        fj__train_report(pr, "replay", 1, 1,
                         "replayed %zu dated postings through a fresh history store", dated);
    }
    *out = h;
    return FJ_OK;
}

/* What training and cross-validation both start from: the checked parameters, each posting's
   history statistics and the indices of all the postings. */
typedef struct prepared {
    fj_train_params p;
    size_t n;
    const fj_history_stats **h;
    fj_history_stats *own;
    unsigned char *own_has;
    size_t *all;
} prepared;

static void prepared_free(prepared *w)
{
    free(w->all);
    free(w->h);
    free(w->own);
    free(w->own_has);
}

/* Checks the parameters (the defaults where params is NULL) and the dataset's size, replays the
   history and lists every posting; `purpose` ends the message when there are too few postings.
   On failure nothing is left to free. */
static fj_status prepare(prepared *w, const fj_dataset *d, const fj_train_params *params,
                         const char *purpose, fj_error *err)
{
    w->h = NULL;
    w->own = NULL;
    w->own_has = NULL;
    w->all = NULL;
    fj_train_params_init(&w->p);
    if (params)
        w->p = *params;
    fj_status st = check_params(&w->p, err);
    if (st != FJ_OK)
        return st;
    w->n = fj_dataset_size(d);
    if (w->n < 4)
        return fj__errorf(err, FJ_ERR_TRAIN, "%zu postings: too few to %s", w->n, purpose);
    for (size_t i = 0; w->p.sources && i < w->n; i++)
        if (w->p.sources[i] < 0 || w->p.sources[i] > FJ_MAX_SOURCES)
            return fj__errorf(err, FJ_ERR_ARGUMENT, "posting %zu: source %d is outside 0..%d", i,
                              w->p.sources[i], FJ_MAX_SOURCES);
    fj__progress pr = {&w->p, ""};
    st = history_of(d, &w->h, &w->own, &w->own_has, &pr, err);
    if (st != FJ_OK)
        return st;
    w->all = malloc((w->n + 1) * sizeof *w->all);
    if (!w->all) {
        prepared_free(w);
        return fj__nomem(err);
    }
    for (size_t i = 0; i < w->n; i++)
        w->all[i] = i;
    return FJ_OK;
}

fj_status fj_train(fj_model **out, const fj_dataset *d, const fj_train_params *params,
                   fj_error *err)
{
    if (!out || !d)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_train: NULL argument");
    *out = NULL;
    if (params && params->source_mode == FJ_SOURCE_ROUTE)
        return fj__errorf(err, FJ_ERR_ARGUMENT,
                          "source mode route is for cross-validation only: a bundle cannot "
                          "hold the platform route yet");
    prepared w;
    fj_status st = prepare(&w, d, params, "train on", err);
    if (st != FJ_OK)
        return st;
    st = train_subset(d, w.h, w.all, w.n, &w.p, out, err);
    if (st == FJ_OK) {
        /* the bundle keeps the training postings' fingerprints, hashed (model/trainfp.c) */
        fj_context *ctx = NULL;
        st = fj_context_new(&ctx, err);
        if (st == FJ_OK)
            st = fj__train_fp_collect(*out, ctx, d, w.all, w.n, err);
        fj_context_free(ctx);
        if (st != FJ_OK) {
            fj_model_free(*out);
            *out = NULL;
        }
    }
    prepared_free(&w);
    return st;
}

fj_status fj_cross_validate(const fj_dataset *d, const fj_train_params *params, double *scores,
                            double *margins, fj_verdict *verdicts, int *folds, fj_error *err)
{
    if (!d)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_cross_validate: NULL dataset");
    prepared w;
    fj_status st = prepare(&w, d, params, "cross-validate", err);
    if (st != FJ_OK)
        return st;
    const fj_train_params *p = &w.p;
    size_t n = w.n;
    const fj_history_stats **h = w.h;
    fj__progress pr = {p, ""};
    size_t *train = malloc((n + 1) * sizeof *train);
    int *fold = malloc((n + 1) * sizeof *fold);
    fj_context *ctx = NULL;
    fj__vec v = {0};
    struct svm_node *nodes = NULL;
    size_t nodes_cap = 0;
    if (!train || !fold) {
        st = fj__nomem(err);
        goto out;
    }
    st = fj_context_new(&ctx, err);
    if (st != FJ_OK)
        goto out;
    size_t fg, lg;
    /* outer folds from a different stream than the inner ones */
    if (!fj__assign_folds(d, w.all, n, p->folds, p->seed ^ 0x5bd1e995u, fold, &fg, &lg)) {
        st = fj__nomem(err);
        goto out;
    }
    if (fg < 2 || lg < 2) {
        st = fj__errorf(err, FJ_ERR_TRAIN,
                        "%zu fraud and %zu legit groups: cross-validation needs at least 2 of "
                        "each",
                        fg, lg);
        goto out;
    }
    for (int f = 0; f < p->folds && st == FJ_OK; f++) {
        size_t nt = 0, nh = 0;
        for (size_t i = 0; i < n; i++)
            fold[i] == f ? nh++ : (void)(train[nt++] = i);
        if (nh == 0)
            continue;
        fj__train_report(&pr, "cv", f + 1, p->folds,
                         "outer fold %d/%d: training on %zu, scoring %zu", f + 1, p->folds, nt, nh);
        fj_model *m = NULL;
        st = train_subset(d, h, train, nt, p, &m, err);
        if (st != FJ_OK) {
            if (err) {
                char msg[sizeof err->message];
                snprintf(msg, sizeof msg, "outer fold %d: %s", f + 1, err->message);
                memcpy(err->message, msg, sizeof msg);
            }
            break;
        }
        for (size_t i = 0; i < n && st == FJ_OK; i++) {
            if (fold[i] != f)
                continue;
            const fj_posting *ps = fj_dataset_posting(d, i);
            const fj__part *pt = fj__model_route(m, fj_posting_detect_lang(ps));
            pt = fj__part_routed(pt, ps);
            st = fj__vectorize(ctx, &pt->fs, ps, h[i], &v, err);
            if (st != FJ_OK)
                break;
            bool nomem;
            double mg = fj__part_margin(pt, &v, &nodes, &nodes_cap, &nomem);
            if (nomem) {
                st = fj__nomem(err);
                break;
            }
            double s = fj__part_calibrate(pt, mg);
            if (scores)
                scores[i] = s;
            if (margins)
                margins[i] = mg;
            if (verdicts)
                verdicts[i] = fj__verdict_of(s, pt->t_fraud, pt->t_susp);
        }
        fj_model_free(m);
    }
    if (st == FJ_OK && folds)
        memcpy(folds, fold, n * sizeof *folds);
out:
    fj__vec_free(&v);
    free(nodes);
    fj_context_free(ctx);
    free(train);
    free(fold);
    prepared_free(&w);
    return st;
}
