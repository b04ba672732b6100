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

/* A candidate reason: one feature, or features merged into one fact. */
typedef struct cand {
    double c;          /* the contribution to the SVM margin (summed when merged) */
    double key;        /* the strength: |c| */
    size_t entry;      /* the vector entry shown (its name and evidence); SIZE_MAX: missing info */
    uint32_t idx;      /* the feature: ties are broken on it (the vector is not sorted) */
    const char *canon; /* the fact's static name (fj__reason_kind), or NULL */
    bool quotes;       /* it has evidence */
} cand;

typedef struct score_scratch {
    fj__vec vec;
    struct svm_node *nodes;
    size_t nodes_cap;
    cand *dense, *best; /* the signals and metadata toward the verdict; the best candidates */
    size_t dense_cap, best_cap;
    fj_reason *reasons, *missing; /* the reasons; what the missing information lists */
    size_t reasons_cap, missing_cap;
    size_t *name_off, *ev_off; /* per reason, offsets into strings (SIZE_MAX: no evidence) */
    size_t name_off_cap, ev_off_cap;
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
    free(s->dense);
    free(s->best);
    free(s->reasons);
    free(s->missing);
    free(s->name_off);
    free(s->ev_off);
    free(s->flags);
    fj__buf_free(&s->strings);
    free(s);
}

/* Make room for `want` elements of `size` bytes in *p (capacity *cap); false when out of memory
 * (*p is kept). */
static bool grow(void **p, size_t *cap, size_t want, size_t size)
{
    if (*cap >= want)
        return true;
    void *q = realloc(*p, want * size);
    if (!q)
        return false;
    *p = q;
    *cap = want;
    return true;
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
    if (*nodes_cap < v->n + 1 && !grow((void **)nodes, nodes_cap, v->n + 1 + 64, sizeof **nodes)) {
        *nomem = true;
        return 0;
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

/* The order of the reasons: the max_reasons strongest contributions are chosen by strength
 * alone. Toward fraud (verdicts fraud and suspicious; insufficient from the suspicious threshold
 * up), those that quote the posting (red flags and n-grams with their evidence) are then
 * listed first, strongest first, and those that do not (missing information, metadata, counts)
 * after them, strongest first: the moderator who acts on the verdict reads first what can be
 * checked in the posting, and the weights still say what counts most. Toward legit, strongest
 * first. (docs/reasons.md, "Order") */
/* The evidence of entry e: a span of a field (text n-grams) or of the vector's evidence
 * buffer (signals); false when it has none. */
static bool entry_evidence(const fj__vec *v, const fj__part *pt, const fj_posting *p,
                           const fj__entry *e, const char **ev, size_t *evl, int *field)
{
    *field = -1;
    if (e->idx >= pt->fs.n_dense) {
        size_t fl = 0;
        const char *f = e->field >= 0 ? fj_posting_string(p, (fj_field)e->field, &fl) : NULL;
        if (!(f && e->start < e->end && e->end <= fl))
            return false;
        *ev = f + e->start;
        *evl = e->end - e->start;
        *field = e->field;
        return true;
    }
    if (!(e->tf && e->end <= v->evbuf.len && e->start < e->end))
        return false;
    *ev = v->evbuf.data + e->start;
    *evl = e->end - e->start;
    return true;
}

static int cand_cmp(const cand *a, const cand *b)
{
    if (a->key != b->key)
        return a->key > b->key ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Insert x into the list of the `keep` best candidates (sorted by cand_cmp); false when it does
 * not make the list. */
static bool keep_best(cand *list, size_t *n, size_t keep, const cand *x)
{
    if (*n == keep && (keep == 0 || cand_cmp(x, &list[*n - 1]) >= 0))
        return false;
    size_t at = *n < keep ? (*n)++ : *n - 1;
    while (at > 0 && cand_cmp(x, &list[at - 1]) < 0) {
        list[at] = list[at - 1];
        at--;
    }
    list[at] = *x;
    return true;
}

static const char *feature_name(const fj__part *pt, uint32_t idx)
{
    return pt->fs.names + pt->fs.name_off[idx];
}

/*
 * The reasons: every contribution toward the verdict, with
 *   - the absences (no logo, short profile, …) merged into one "missing_information" reason
 *     (their summed contribution; `missing` lists them),
 *   - a fact stated by two features ("telecommuting", "field:telecommuting") given once, with
 *     their summed contribution,
 *   - text n-grams that say nothing (fj__reason_informative) left out,
 * the max_reasons strongest, toward fraud the quoting ones first (above).
 */
static fj_status explain(score_scratch *s, const fj__part *pt, const fj_posting *p,
                         fj_verdict verdict, double ts, size_t max_reasons, fj_result *out,
                         fj_error *err)
{
    const fj__vec *v = &s->vec;
    size_t keep = max_reasons < v->n ? max_reasons : v->n; /* there are no more candidates */
    if (!grow((void **)&s->dense, &s->dense_cap, v->n + 1, sizeof *s->dense) ||
        !grow((void **)&s->best, &s->best_cap, keep + 1, sizeof *s->best) ||
        !grow((void **)&s->missing, &s->missing_cap, v->n + 1, sizeof *s->missing))
        return fj__nomem(err);
    bool toward_fraud = verdict == FJ_VERDICT_FRAUD || verdict == FJ_VERDICT_SUSPICIOUS ||
                        (verdict == FJ_VERDICT_INSUFFICIENT && out->score >= ts);
    double sign = toward_fraud ? 1 : -1;
    /* the signals and metadata toward the verdict: absences apart, repeated facts merged */
    size_t nd = 0, nm = 0;
    double missing_c = 0;
    uint32_t missing_idx = UINT32_MAX;
    for (size_t i = 0; i < v->n; i++) {
        const fj__entry *e = &v->e[i];
        double c = pt->w[e->idx] * e->val;
        if (e->idx >= pt->fs.n_dense || !(sign * c > 1e-6))
            continue;
        const char *name = feature_name(pt, e->idx);
        size_t len = pt->fs.name_len[e->idx];
        const char *canon;
        int kind = fj__reason_kind(name, len, &canon);
        const char *ev;
        size_t evl;
        int field;
        bool quotes = entry_evidence(v, pt, p, e, &ev, &evl, &field);
        if (kind == FJ__REASON_ABSENCE) {
            size_t k = 0;
            while (k < nm && strcmp(s->missing[k].signal, canon ? canon : name) != 0)
                k++;
            if (k == nm) {
                memset(&s->missing[nm++], 0, sizeof *s->missing);
                s->missing[k].signal = canon ? canon : name;
                s->missing[k].field = -1;
            }
            s->missing[k].weight += c; /* the contribution, made a weight below */
            missing_c += c;
            missing_idx = e->idx < missing_idx ? e->idx : missing_idx;
            continue;
        }
        size_t k = 0;
        while (canon && k < nd && !(s->dense[k].canon && strcmp(s->dense[k].canon, canon) == 0))
            k++;
        if (!canon || k == nd) {
            s->dense[nd++] = (cand){c, 0, i, e->idx, canon, quotes};
            continue;
        }
        cand *d = &s->dense[k]; /* the same fact again */
        d->c += c;
        if (quotes && !d->quotes)
            d->entry = i, d->quotes = true;
        d->idx = e->idx < d->idx ? e->idx : d->idx;
    }
    /* the best max_reasons of: those, the missing information, the informative n-grams */
    size_t nb = 0;
    for (size_t k = 0; k < nd; k++) {
        s->dense[k].key = fabs(s->dense[k].c);
        keep_best(s->best, &nb, keep, &s->dense[k]);
    }
    if (nm) {
        cand m = {missing_c,   fabs(missing_c),         SIZE_MAX,
                  missing_idx, FJ__MISSING_INFORMATION, false};
        keep_best(s->best, &nb, keep, &m);
    }
    for (size_t i = 0; i < v->n; i++) {
        const fj__entry *e = &v->e[i];
        double c = pt->w[e->idx] * e->val;
        if (e->idx < pt->fs.n_dense || !(sign * c > 1e-6))
            continue;
        cand x = {c, fabs(c), i, e->idx, NULL, false};
        if (nb == keep && (nb == 0 || cand_cmp(&x, &s->best[nb - 1]) >= 0))
            continue; /* checked before the (slower) test of its words and its evidence */
        if (!fj__reason_informative(feature_name(pt, e->idx), pt->fs.name_len[e->idx]))
            continue;
        const char *ev;
        size_t evl;
        int field;
        x.quotes = entry_evidence(v, pt, p, e, &ev, &evl, &field);
        keep_best(s->best, &nb, keep, &x);
    }
    /* toward fraud, the quoting ones first; each group stays strongest first */
    size_t nq = 0;
    for (size_t k = 0; toward_fraud && k < nb; k++)
        if (s->best[k].quotes) {
            cand q = s->best[k];
            memmove(&s->best[nq + 1], &s->best[nq], (k - nq) * sizeof *s->best);
            s->best[nq++] = q;
        }
    if (!grow((void **)&s->reasons, &s->reasons_cap, nb + 1, sizeof *s->reasons) ||
        !grow((void **)&s->name_off, &s->name_off_cap, nb + 1, sizeof *s->name_off) ||
        !grow((void **)&s->ev_off, &s->ev_off_cap, nb + 1, sizeof *s->ev_off))
        return fj__nomem(err);
    /* what is missing, strongest first, as reasons of their own */
    for (size_t k = 0; k < nm; k++) {
        fj_reason *r = &s->missing[k];
        r->weight *= -pt->platt_a;
        r->label = fj_reason_label(r->signal, r->weight > 0, FJ_LANG_AUTO);
        for (size_t j = k; j > 0 && fabs(s->missing[j].weight) > fabs(s->missing[j - 1].weight);
             j--) {
            fj_reason t = s->missing[j];
            s->missing[j] = s->missing[j - 1];
            s->missing[j - 1] = t;
        }
    }
    s->strings.len = 0;
    for (size_t k = 0; k < nb; k++) {
        const cand *b = &s->best[k];
        fj_reason *r = &s->reasons[k];
        memset(r, 0, sizeof *r);
        r->weight = -pt->platt_a * b->c; /* in the margin's log-odds units */
        r->field = -1;
        const char *name = b->canon;
        size_t len = name ? strlen(name) : 0;
        if (!name) {
            name = feature_name(pt, v->e[b->entry].idx);
            len = pt->fs.name_len[v->e[b->entry].idx];
        }
        s->name_off[k] = s->strings.len;
        if (!fj__buf_append(&s->strings, name, len) || !fj__buf_append(&s->strings, "", 1))
            return fj__nomem(err);
        s->ev_off[k] = SIZE_MAX;
        if (b->entry == SIZE_MAX) { /* the missing information */
            r->missing = s->missing;
            r->missing_count = nm;
            continue;
        }
        const char *ev;
        size_t evl;
        if (entry_evidence(v, pt, p, &v->e[b->entry], &ev, &evl, &r->field)) {
            if (r->field >= 0) {
                r->start = v->e[b->entry].start;
                r->end = v->e[b->entry].end;
            }
            s->ev_off[k] = s->strings.len;
            r->evidence_len = evl;
            if (!fj__buf_append(&s->strings, ev, evl) || !fj__buf_append(&s->strings, "", 1))
                return fj__nomem(err);
        }
    }
    for (size_t k = 0; k < nb; k++) {
        fj_reason *r = &s->reasons[k];
        r->signal = s->strings.data + s->name_off[k];
        r->label = fj_reason_label(r->signal, r->weight > 0, FJ_LANG_AUTO);
        r->evidence = s->ev_off[k] == SIZE_MAX ? NULL : s->strings.data + s->ev_off[k];
        if (r->evidence && r->field < 0)
            locate_evidence(p, r);
    }
    out->reasons = nb ? s->reasons : NULL;
    out->reason_count = nb;
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
    double ts = fj__logistic(zs + shift);
    out->score = fj__logistic(z + shift);
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
