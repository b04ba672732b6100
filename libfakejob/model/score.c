/*
 * score.c - scoring a posting with a model: vectorize (features.c) in the feature space of the
 * part for the posting's language, the margin (one dot product with the primal weights for a
 * linear model, O(nonzero features); libsvm's svm_predict_values for RBF), Platt calibration
 * (calibration.c), the verdict from the thresholds, and the reasons: the largest contributions
 * w_j * x_j toward the verdict, named after their feature, with the original text that
 * triggered them. A margin that is not a finite number (a damaged model) is an error.
 *
 * The scale everything is reported on: z = log-odds of the calibrated score (Platt: -(a m + b)
 * for the SVM margin m), moved by the deployment's prior (z + logit(prior) - logit(training
 * mix)); the thresholds move by the same amount, so a verdict does not depend on the prior. The
 * result's margin is z - logit(fraud threshold), >= 0 exactly at a fraud score; the reasons'
 * weights are their SVM contributions times -a, in the same log-odds units. A posting with
 * fewer than FJ_MIN_CONTENT_WORDS words of text and no red flag quoted from it is
 * "insufficient" whatever its score.
 *
 * Per-context scratch (FJ_SLOT_SCORE): the feature vector, libsvm nodes, the reasons and their
 * strings. Nothing is allocated per token; buffers grow to the largest posting seen.
 */
#define _GNU_SOURCE /* memmem */
#include "model/model.h"
#include "text/analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct contrib {
    double c;
    size_t entry;
    uint32_t idx; /* the feature: ties are broken on it (the vector is not sorted) */
} contrib;

typedef struct score_scratch {
    fj__vec vec;
    struct svm_node *nodes;
    size_t nodes_cap;
    contrib *contrib;
    size_t contrib_cap;
    fj_reason *reasons;
    size_t reasons_cap;
    size_t *name_off, *ev_off; /* per reason, offsets into strings (SIZE_MAX: no evidence) */
    fj_buf strings;
    const char **flags; /* the signals that fired (names owned by the model) */
    size_t flags_cap;
} score_scratch;

static void scratch_free(void *p)
{
    score_scratch *s = p;
    if (!s)
        return;
    fj__vec_free(&s->vec);
    free(s->nodes);
    free(s->contrib);
    free(s->reasons);
    free(s->name_off);
    free(s->ev_off);
    free(s->flags);
    fj__buf_free(&s->strings);
    free(s);
}

static score_scratch *scratch(fj_context *ctx)
{
    score_scratch *s = fj__ctx_slot(ctx, FJ_SLOT_SCORE);
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (s)
        fj__ctx_set_slot(ctx, FJ_SLOT_SCORE, s, scratch_free);
    return s;
}

double fj__part_margin(const fj__part *pt, const fj__vec *v, struct svm_node **nodes,
                       size_t *nodes_cap, bool *nomem)
{
    *nomem = false;
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        double m = pt->b;
        for (size_t i = 0; i < v->n; i++)
            m += pt->w[v->e[i].idx] * v->e[i].val;
        return m;
    }
    if (*nodes_cap < v->n + 1) {
        size_t cap = v->n + 1 + 64;
        struct svm_node *n = realloc(*nodes, cap * sizeof *n);
        if (!n) {
            *nomem = true;
            return 0;
        }
        *nodes = n;
        *nodes_cap = cap;
    }
    struct svm_node *x = *nodes;
    for (size_t i = 0; i < v->n; i++) {
        x[i].index = (int)v->e[i].idx + 1;
        x[i].value = v->e[i].val;
    }
    x[v->n].index = -1;
    x[v->n].value = 0;
    double dec = 0;
    svm_predict_values(pt->svm, x, &dec);
    return pt->sign * dec;
}

fj_verdict fj__verdict_of(double score, double t_fraud, double t_susp)
{
    if (score >= t_fraud)
        return FJ_VERDICT_FRAUD;
    if (score >= t_susp)
        return FJ_VERDICT_SUSPICIOUS;
    return FJ_VERDICT_LEGIT;
}

void fj_score_options_init(fj_score_options *opts)
{
    if (!opts)
        return;
    opts->threshold_fraud = -1;
    opts->threshold_suspicious = -1;
    opts->max_reasons = 5;
    opts->prior = -1;
}

static double logit(double p)
{
    const double eps = 1e-15;
    p = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
    return log(p / (1 - p));
}

static double sigmoid(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* Words of the posting's own text (title, company profile, description, requirements,
 * benefits), counted up to `enough`. */
static size_t content_words(const fj_posting *p, size_t enough)
{
    static const fj_field fields[] = {FJ_FIELD_TITLE, FJ_FIELD_COMPANY_PROFILE,
                                      FJ_FIELD_DESCRIPTION, FJ_FIELD_REQUIREMENTS,
                                      FJ_FIELD_BENEFITS};
    size_t n = 0;
    for (size_t f = 0; f < sizeof fields / sizeof *fields && n < enough; f++) {
        size_t len = 0, pos = 0;
        const char *s = fj_posting_string(p, fields[f], &len);
        while (s && n < enough && fj__next_word(s, len, &pos, NULL))
            n++;
    }
    return n;
}

/* A red flag quoted from the posting: a signal that fired with evidence and pushes the score
 * toward fraud (for RBF parts, whose contributions are unknown: any signal with evidence). */
static bool quoted_red_flag(const fj__part *pt, const fj__vec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        const fj__entry *e = &v->e[i];
        if (e->idx < pt->fs.n_dense && e->tf && e->end > e->start &&
            (pt->kernel != FJ_KERNEL_LINEAR || pt->w[e->idx] * e->val > 0))
            return true;
    }
    return false;
}

/* The part for the posting's language: its own, else an "all" part; NULL when the model has
 * neither. */
static const fj__part *part_for(const fj_model *m, fj_lang lang)
{
    const char *want = lang == FJ_LANG_ZH ? "zh" : "en";
    for (int i = 0; i < m->nparts; i++)
        if (strcmp(m->part[i].lang, want) == 0 || strcmp(m->part[i].lang, "all") == 0)
            return fj__model_route(m, lang);
    return NULL;
}

static int contrib_cmp(const void *a, const void *b)
{
    double x = fabs(((const contrib *)a)->c), y = fabs(((const contrib *)b)->c);
    if (x != y)
        return x > y ? -1 : 1;
    uint32_t i = ((const contrib *)a)->idx, j = ((const contrib *)b)->idx;
    return i < j ? -1 : i > j;
}

/* Where a signal's evidence (a verbatim quote, copied) sits in the posting: the first string
 * field holding those bytes. */
static void locate_evidence(const fj_posting *p, fj_reason *r)
{
    for (int f = FJ_FIELD_TITLE; f < FJ_FIELD_COUNT; f++) {
        size_t fl = 0;
        const char *t = fj_field_type_of((fj_field)f) == FJ_TYPE_STRING
                            ? fj_posting_string(p, (fj_field)f, &fl)
                            : NULL;
        const char *at =
            t && fl >= r->evidence_len ? memmem(t, fl, r->evidence, r->evidence_len) : NULL;
        if (at) {
            r->field = f;
            r->start = (size_t)(at - t);
            r->end = r->start + r->evidence_len;
            return;
        }
    }
}

/* The signals that fired, as the part's dense features name them (names without a ':'; the
 * "field:" and "meta:" features are not signals). */
static fj_status collect_flags(score_scratch *s, const fj__part *pt, fj_result *out, fj_error *err)
{
    const fj__vec *v = &s->vec;
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++) {
        uint32_t idx = v->e[i].idx;
        const char *name = pt->fs.names + pt->fs.name_off[idx];
        if (idx >= pt->fs.n_dense || v->e[i].val == 0 || memchr(name, ':', pt->fs.name_len[idx]))
            continue;
        if (n == s->flags_cap) {
            size_t cap = s->flags_cap ? s->flags_cap * 2 : 32;
            const char **f = realloc(s->flags, cap * sizeof *f);
            if (!f)
                return fj__nomem(err);
            s->flags = f;
            s->flags_cap = cap;
        }
        s->flags[n++] = name;
    }
    out->flags = n ? s->flags : NULL;
    out->flag_count = n;
    return FJ_OK;
}

static fj_status explain(score_scratch *s, const fj__part *pt, const fj_posting *p,
                         fj_verdict verdict, double ts, size_t max_reasons, fj_result *out,
                         fj_error *err)
{
    const fj__vec *v = &s->vec;
    if (s->contrib_cap < v->n + 1) {
        contrib *c = realloc(s->contrib, (v->n + 1) * sizeof *c);
        if (!c)
            return fj__nomem(err);
        s->contrib = c;
        s->contrib_cap = v->n + 1;
    }
    bool toward_fraud = verdict == FJ_VERDICT_FRAUD || verdict == FJ_VERDICT_SUSPICIOUS ||
                        (verdict == FJ_VERDICT_INSUFFICIENT && out->score >= ts);
    /* the `max_reasons` largest contributions toward the verdict, in contrib_cmp's order: kept
     * sorted by insertion (a handful out of hundreds of features; no full sort) */
    size_t keep = max_reasons < v->n ? max_reasons : v->n, nc = 0;
    for (size_t i = 0; i < v->n; i++) {
        double c = pt->w[v->e[i].idx] * v->e[i].val;
        if (!((toward_fraud && c > 1e-6) || (!toward_fraud && c < -1e-6)))
            continue;
        contrib x = {c, i, v->e[i].idx};
        if (nc == keep && (nc == 0 || contrib_cmp(&x, &s->contrib[nc - 1]) >= 0))
            continue;
        size_t at = nc < keep ? nc++ : nc - 1;
        while (at > 0 && contrib_cmp(&x, &s->contrib[at - 1]) < 0) {
            s->contrib[at] = s->contrib[at - 1];
            at--;
        }
        s->contrib[at] = x;
    }
    if (s->reasons_cap < nc + 1) {
        fj_reason *r = realloc(s->reasons, (nc + 1) * sizeof *r);
        size_t *no = realloc(s->name_off, (nc + 1) * sizeof *no);
        if (no)
            s->name_off = no;
        size_t *eo = realloc(s->ev_off, (nc + 1) * sizeof *eo);
        if (eo)
            s->ev_off = eo;
        if (r)
            s->reasons = r;
        if (!r || !no || !eo)
            return fj__nomem(err);
        s->reasons_cap = nc + 1;
    }
    s->strings.len = 0;
    for (size_t k = 0; k < nc; k++) {
        const fj__entry *e = &v->e[s->contrib[k].entry];
        fj_reason *r = &s->reasons[k];
        r->weight = -pt->platt_a * s->contrib[k].c; /* in the margin's log-odds units */
        r->evidence_len = 0;
        r->field = -1;
        r->start = r->end = 0;
        s->name_off[k] = s->strings.len;
        if (!fj__buf_append(&s->strings, pt->fs.names + pt->fs.name_off[e->idx],
                            pt->fs.name_len[e->idx] + 1))
            return fj__nomem(err);
        s->ev_off[k] = SIZE_MAX;
        const char *ev = NULL;
        size_t evl = 0;
        if (e->idx >= pt->fs.n_dense) {
            size_t fl = 0;
            const char *f = e->field >= 0 ? fj_posting_string(p, (fj_field)e->field, &fl) : NULL;
            if (f && e->start < e->end && e->end <= fl) {
                ev = f + e->start;
                evl = e->end - e->start;
                r->field = e->field;
                r->start = e->start;
                r->end = e->end;
            }
        } else if (e->tf && e->end <= v->evbuf.len) {
            ev = v->evbuf.data + e->start;
            evl = e->end - e->start;
        }
        if (ev) {
            s->ev_off[k] = s->strings.len;
            r->evidence_len = evl;
            if (!fj__buf_append(&s->strings, ev, evl) || !fj__buf_append(&s->strings, "", 1))
                return fj__nomem(err);
        }
    }
    for (size_t k = 0; k < nc; k++) {
        s->reasons[k].signal = s->strings.data + s->name_off[k];
        s->reasons[k].evidence = s->ev_off[k] == SIZE_MAX ? NULL : s->strings.data + s->ev_off[k];
        if (s->reasons[k].evidence && s->reasons[k].field < 0)
            locate_evidence(p, &s->reasons[k]);
    }
    out->reasons = nc ? s->reasons : NULL;
    out->reason_count = nc;
    return FJ_OK;
}

fj_status fj_score_with(fj_context *ctx, const fj_model *m, const fj_posting *p,
                        const fj_history_stats *hist, const fj_score_options *opts, fj_result *out,
                        fj_error *err)
{
    if (!ctx || !m || !p || !out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_score: NULL argument");
    memset(out, 0, sizeof *out);
    if (m->nparts < 1)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_score: the model has no parts");
    fj_score_options o;
    fj_score_options_init(&o);
    if (opts)
        o = *opts;
    score_scratch *s = scratch(ctx);
    if (!s)
        return fj__nomem(err);
    if (!(o.prior < 0 || (o.prior > 0 && o.prior < 1)))
        return fj__error(err, FJ_ERR_ARGUMENT, "prior", -1, -1,
                         "prior must be a fraud rate between 0 and 1 (exclusive), not %g", o.prior);
    const fj__analysis *an; /* validated, language detected, normalized: once */
    fj_status st = fj__analyze(ctx, p, &an, err);
    if (st != FJ_OK)
        return st;
    const fj__part *pt = part_for(m, an->lang);
    if (!pt)
        return fj__error(err, FJ_ERR_INPUT, "lang", -1, -1,
                         "the model has no part for %s (%s) postings: it was trained on %s%s%s",
                         an->lang == FJ_LANG_ZH ? "Chinese" : "English", fj_lang_name(an->lang),
                         m->part[0].lang, m->nparts > 1 ? " and " : "",
                         m->nparts > 1 ? m->part[1].lang : "");
    if (o.prior > 0 && !(pt->prior > 0 && pt->prior < 1))
        return fj__error(err, FJ_ERR_ARGUMENT, "prior", -1, -1,
                         "a prior was given but the model's %s part does not record the fraud "
                         "rate of its training postings",
                         pt->lang);
    /* a linear margin is a sum over the entries in any order: only libsvm needs them sorted */
    st = fj__vectorize_an(ctx, &pt->fs, an, hist, pt->kernel != FJ_KERNEL_LINEAR, &s->vec, err);
    if (st != FJ_OK)
        return st;
    bool nomem;
    double margin = fj__part_margin(pt, &s->vec, &s->nodes, &s->nodes_cap, &nomem);
    if (nomem)
        return fj__nomem(err);
    if (!isfinite(margin)) /* a damaged model: never "legit" by default */
        return fj__errorf(err, FJ_ERR_MODEL,
                          "the model's '%s' part gives a margin that is not a number (%g) for "
                          "this posting: the bundle is damaged",
                          pt->lang, margin);
    /* in log-odds at the training mix: the score, and the thresholds (the model's, or the
     * caller's moved back from the prior's scale); the prior shifts them all alike */
    double shift = o.prior > 0 ? logit(o.prior) - logit(pt->prior) : 0;
    double z = fj__part_logodds(pt, margin);
    double zf = o.threshold_fraud >= 0 ? logit(o.threshold_fraud) - shift : logit(pt->t_fraud);
    double zs =
        o.threshold_suspicious >= 0 ? logit(o.threshold_suspicious) - shift : logit(pt->t_susp);
    if (zs > zf)
        zs = zf;
    double ts = sigmoid(zs + shift);
    out->score = sigmoid(z + shift);
    out->margin = z - zf;
    out->verdict = out->margin >= 0 ? FJ_VERDICT_FRAUD
                   : z >= zs        ? FJ_VERDICT_SUSPICIOUS
                                    : FJ_VERDICT_LEGIT;
    if (content_words(p, FJ_MIN_CONTENT_WORDS) < FJ_MIN_CONTENT_WORDS &&
        !quoted_red_flag(pt, &s->vec))
        out->verdict = FJ_VERDICT_INSUFFICIENT;
    out->lang = s->vec.lang;
    out->reasons_available = pt->kernel == FJ_KERNEL_LINEAR;
    if ((st = collect_flags(s, pt, out, err)) != FJ_OK)
        return st;
    if (out->reasons_available && o.max_reasons > 0)
        return explain(s, pt, p, out->verdict, ts, o.max_reasons, out, err);
    return FJ_OK;
}

fj_status fj_score(fj_context *ctx, const fj_model *m, const fj_posting *p,
                   const fj_history_stats *hist, fj_result *out, fj_error *err)
{
    return fj_score_with(ctx, m, p, hist, NULL, out, err);
}
