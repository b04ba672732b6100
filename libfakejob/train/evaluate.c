/*
 * evaluate.c - scoring a labelled dataset with a model and measuring the result (metrics.c).
 *
 * With replay_history (the default) the dataset's postings that carry posted_at are first
 * replayed in time order through a fresh history store (fj_dataset_replay_history), and each
 * posting is scored with what the store knew of it then: the features training computed.
 */
#include "core/fj_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void fj_eval_options_init(fj_eval_options *opts)
{
    if (!opts)
        return;
    opts->threshold = FJ_DEFAULT_THRESHOLD;
    opts->replay_history = 1;
    opts->score = NULL;
}

fj_status fj_evaluate(fj_context *ctx, const fj_model *m, fj_dataset *d,
                      const fj_eval_options *opts, fj_metrics *out, double *scores,
                      fj_verdict *verdicts, fj_error *err)
{
    if (!ctx || !m || !d || !out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_evaluate: NULL argument");
    fj_eval_options defaults;
    if (!opts) {
        fj_eval_options_init(&defaults);
        opts = &defaults;
    }
    if (!isfinite(opts->threshold))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_evaluate: the threshold is not a number");
    size_t n = fj_dataset_size(d);
    if (n == 0)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_evaluate: the dataset is empty");
    fj_status st = FJ_OK;
    if (opts->replay_history && (st = fj_dataset_replay_history(d, err)) != FJ_OK)
        return st;
    double *sc = scores ? scores : malloc(n * sizeof *sc);
    fj_verdict *vd = verdicts ? verdicts : malloc(n * sizeof *vd);
    int *lab = malloc(n * sizeof *lab);
    if (!sc || !vd || !lab) {
        st = fj__nomem(err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const fj_posting *p = fj_dataset_posting(d, i);
        const fj_history_stats *hist = opts->replay_history ? fj_dataset_history(d, i) : NULL;
        fj_result r;
        st = fj_score_with(ctx, m, p, hist, opts->score, &r, err);
        if (st != FJ_OK) {
            if (err) {
                const char *src = fj_dataset_source(d, i);
                char why[sizeof err->message];
                snprintf(why, sizeof why, "%s", err->message);
                const char *id = fj_posting_string(p, FJ_FIELD_ID, NULL);
                if (src && *src)
                    snprintf(err->message, sizeof err->message, "%s: %s", src, why);
                else
                    snprintf(err->message, sizeof err->message, "posting %zu (id %s): %s", i + 1,
                             id ? id : "none", why);
            }
            goto done;
        }
        sc[i] = r.score;
        vd[i] = r.verdict;
        lab[i] = fj_dataset_label(d, i) == FJ_LABEL_FRAUD;
    }
    st = fj_metrics_compute(sc, lab, vd, n, opts->threshold, out, err);
done:
    if (sc != scores)
        free(sc);
    if (vd != verdicts)
        free(vd);
    free(lab);
    return st;
}
