/*
 * clauses_train.c - training and evaluation of the clause detectors (signals/clauses.h).
 *
 * Training reads labelled clauses (the corpus/clauses files), turns each into the hashed features
 * fj_signals computes for a clause (fj__clause_text_features), and per language and class
 * (FJ_CLS_*) trains a linear SVM (libsvm, on a precomputed linear kernel shared by every class,
 * C and fold) on the clauses that are examples of that class: a clause is labelled for the
 * classes its "classes" member names (by default the three of format 1), a background clause as
 * add_background says. C is chosen among a fixed grid by the average precision of out-of-fold
 * decision values, with folds grouped by the clause's `kind` (a kind is never both trained on and
 * scored); Platt's sigmoid is fitted to those out-of-fold values, and the threshold is the lowest
 * calibrated probability that fires on at most target_fpr of the out-of-fold negatives (never below
 * MIN_THRESHOLD). The final model is trained on everything and collapsed to its primal weights.
 * Deterministic: the same files give the same bytes.
 *
 * Evaluation runs labelled clause or posting files through fj_signals (fj_detectors_eval).
 */
#include "model/model.h"
#include "signals/clauses.h"
#include "signals/title_duty.h"
#include "text/text.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRID_N 5
static const double c_grid[GRID_N] = {0.03, 0.1, 0.3, 1.0, 3.0};
/* The lowest threshold a target may give: the probability at which a window holding a live lexicon
 * phrase fires anyway (FJ_CLS_LEXICON_THRESHOLD); a lower one would make the lexicons moot.
 * (0.5 until the operating points were chosen from recall / false-positive curves: English
 * personal_data and offsite_contact sit below it, docs/signals.md.) */
#define MIN_THRESHOLD FJ_CLS_LEXICON_THRESHOLD

typedef struct citem {
    int lang; /* 0 zh, 1 en */
    int group;
    uint8_t labels;     /* bit per FJ_CLS_* */
    uint8_t known;      /* the classes it is an example of (positive or negative) */
    bool bg;            /* a background negative from a legitimate posting */
    struct svm_node *x; /* sorted, merged, terminated by index -1 */
} citem;

typedef struct cset {
    citem *v;
    size_t n, cap;
    char **groups; /* kind names, index = group id */
    size_t ngroups, gcap;
} cset;

static void cset_free(cset *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        free(cs->v[i].x);
    free(cs->v);
    for (size_t g = 0; g < cs->ngroups; g++)
        free(cs->groups[g]);
    free(cs->groups);
}

static int group_id(cset *cs, int lang, const char *kind)
{
    char key[256];
    snprintf(key, sizeof key, "%s:%s", lang ? "en" : "zh", kind);
    for (size_t g = 0; g < cs->ngroups; g++)
        if (strcmp(cs->groups[g], key) == 0)
            return (int)g;
    if (cs->ngroups == cs->gcap) {
        size_t cap = cs->gcap ? cs->gcap * 2 : 64;
        char **v = realloc(cs->groups, cap * sizeof *v);
        if (!v)
            return -1;
        cs->groups = v;
        cs->gcap = cap;
    }
    if (!(cs->groups[cs->ngroups] = strdup(key)))
        return -1;
    return (int)cs->ngroups++;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Occurrences -> sorted (index + 1, count / sqrt(n)) nodes. */
static struct svm_node *to_nodes(fj__featvec *fv)
{
    qsort(fv->v, fv->n, sizeof *fv->v, cmp_u32);
    struct svm_node *x = malloc((fv->n + 1) * sizeof *x);
    if (!x)
        return NULL;
    double scale = fj__clause_scale(fv->n);
    size_t k = 0;
    for (size_t i = 0; i < fv->n;) {
        size_t j = i;
        while (j < fv->n && fv->v[j] == fv->v[i])
            j++;
        x[k++] = (struct svm_node){(int)fv->v[i] + 1, (double)(j - i) * scale};
        i = j;
    }
    x[k].index = -1;
    x[k].value = 0;
    return x;
}

static int cls_of(const char *name)
{
    for (int s = 0; s < FJ_CLS_COUNT; s++)
        if (strcmp(name, fj__cls_name(s)) == 0)
            return s;
    return -1;
}

static fj_status cset_add(cset *cs, citem it, fj_error *err)
{
    if (cs->n == cs->cap) {
        size_t nc = cs->cap ? cs->cap * 2 : 1024;
        citem *nv = realloc(cs->v, nc * sizeof *nv);
        if (!nv) {
            free(it.x);
            return fj__nomem(err);
        }
        cs->v = nv;
        cs->cap = nc;
    }
    cs->v[cs->n++] = it;
    return FJ_OK;
}

/* Background negatives from a legitimate posting: every BG_STEP-th clause of its prose fields
 * (up to BG_PER_FILE per language and file) that holds no phrase of the three signals' lexicons and
 * no chat id, phone or e-mail - ordinary job text, so that the detectors learn what is not a
 * request; and, as negatives of sales_duty only, every clause of a posting whose title names an
 * office role (up to BG_DUTY_PER_FILE per language and file): the duties of a legitimate clerk,
 * receptionist or customer-service job are no switch. file_bg counts them: [lang] the first,
 * [2 + lang] the second. */
#define BG_STEP 5
/* 800 until this release: 2,400 gives the English and Chinese detectors three times as much
 * ordinary job text, which took ordinary clauses about money, advances and contact ("in advance
 * of the visit", 工资结构, "call us to apply") off the odd-numbered legitimate postings
 * (docs/signals.md) at the cost of half as much training time again. */
#define BG_PER_FILE 2400
#define BG_DUTY_PER_FILE 1500
/* The classes of format 1: what a clause without "classes" is labelled for, and what background
 * clauses are negatives of. A background clause is a negative of sales_duty too when its
 * posting's title names an office role and no selling word (title_role.txt): a legitimate
 * sales posting's duties do sell. No background clause is an office_title example. */
#define OLD_CLASSES ((1u << FJ_CLS_FEE) | (1u << FJ_CLS_PERSONAL) | (1u << FJ_CLS_CONTACT))

/* Whether item `it` is an example (positive or negative) of class s. */
static bool in_class(const citem *it, int s)
{
    return it->known >> s & 1;
}
static fj_status add_background(fj_context *ctx, const fj__lexicon *lex, fj__matchvec *mv, cset *cs,
                                const char *line, size_t len, fj__featvec *fv, size_t *counter,
                                size_t file_bg[4], fj_error *err)
{
    fj_posting *p;
    fj_status st = fj_posting_new(&p, err);
    if (st != FJ_OK)
        return st;
    st = fj_posting_parse_json(p, line, len, err);
    if (st != FJ_OK) {
        fj_posting_free(p);
        return st;
    }
    int lang = fj_posting_detect_lang(p) == FJ_LANG_EN;
    size_t idlen;
    const char *id = fj_posting_string(p, FJ_FIELD_ID, &idlen);
    char kind[128];
    snprintf(kind, sizeof kind, "background:%.*s", (int)(idlen < 100 ? idlen : 100), id ? id : "");
    static const fj_field fields[] = {FJ_FIELD_TITLE, FJ_FIELD_DESCRIPTION, FJ_FIELD_REQUIREMENTS,
                                      FJ_FIELD_BENEFITS};
    fj_normtext nt = {0};
    fj__dclausevec cv = {0};
    uint8_t known = 0;
    size_t tlen;
    const char *title = fj_posting_string(p, FJ_FIELD_TITLE, &tlen);
    if (title && tlen) {
        st = fj__normalize_into(ctx, title, tlen, &nt, err);
        mv->n = 0;
        if (st == FJ_OK && !fj__lexicon_scan(lex, nt.text.data, nt.text.len, mv))
            st = fj__nomem(err);
        bool role, sells;
        if (st == FJ_OK && fj__title_role_words(mv->v, mv->n, &role, &sells))
            known |= 1u << FJ_CLS_DUTY;
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && st == FJ_OK; i++) {
        size_t olen;
        const char *o = fj_posting_string(p, fields[i], &olen);
        if (!o || !olen)
            continue;
        st = fj__normalize_into(ctx, o, olen, &nt, err);
        if (st != FJ_OK)
            break;
        if (!fj__clause_split(nt.text.data, nt.text.len, nt.orig, o, olen, &cv)) {
            st = fj__nomem(err);
            break;
        }
        for (size_t c = 0; c < cv.n && st == FJ_OK; c++) {
            bool step = (*counter)++ % BG_STEP == 0 && file_bg[lang] < BG_PER_FILE;
            bool duty = (known >> FJ_CLS_DUTY & 1) && file_bg[2 + lang] < BG_DUTY_PER_FILE;
            if (!step && !duty)
                continue;
            uint32_t oa, ob;
            fj__normtext_span(&nt, o, olen, cv.v[c].a, cv.v[c].b, &oa, &ob);
            bool clean = false;
            st = fj__clause_text_features(ctx, lang ? FJ_LANG_EN : FJ_LANG_ZH, o + oa, ob - oa, fv,
                                          &clean, err);
            citem it = {.lang = lang, .bg = true};
            if (step && clean)
                it.known |= OLD_CLASSES;
            if (duty)
                it.known |= 1u << FJ_CLS_DUTY;
            if (st != FJ_OK || !it.known)
                continue;
            if ((it.group = group_id(cs, lang, kind)) < 0 || !(it.x = to_nodes(fv))) {
                st = fj__nomem(err);
            } else if ((st = cset_add(cs, it, err)) == FJ_OK) {
                file_bg[lang] += (it.known & OLD_CLASSES) != 0;
                file_bg[2 + lang] += duty;
            }
        }
    }
    fj__normtext_free(&nt);
    fj__clausevec_free(&cv);
    fj_posting_free(p);
    return st;
}

/* Read one clause file into cs. */
static fj_status read_clauses(fj_context *ctx, const fj__lexicon *lex, fj__matchvec *mv,
                              const char *path, cset *cs, fj__featvec *fv, fj_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return fj__error(err, FJ_ERR_IO, NULL, -1, -1, "%s: cannot open", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long long lineno = 0;
    size_t bg_counter = 0, file_bg[4] = {0, 0, 0, 0};
    fj_status st = FJ_OK;
    while (st == FJ_OK && (got = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        json_error_t je;
        json_t *o = json_loadb(line, len, 0, &je);
        const char *label = o ? json_string_value(json_object_get(o, "label")) : NULL;
        if (label && !json_object_get(o, "labels")) {
            /* a posting: a legitimate one gives background negatives, a fraud one nothing */
            if (strcmp(label, "legit") == 0) {
                st = add_background(ctx, lex, mv, cs, line, len, fv, &bg_counter, file_bg, err);
                if (st != FJ_OK)
                    fj_error_locate(err, path, lineno);
            }
            json_decref(o);
            continue;
        }
        const char *lang = o ? json_string_value(json_object_get(o, "lang")) : NULL;
        const char *kind = o ? json_string_value(json_object_get(o, "kind")) : NULL;
        json_t *text = o ? json_object_get(o, "text") : NULL;
        json_t *labels = o ? json_object_get(o, "labels") : NULL;
        if (!o) {
            st = fj__error_at(err, FJ_ERR_INPUT, path, lineno, "%s", je.text);
        } else if (!lang || (strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0) ||
                   !json_is_string(text) || !json_is_array(labels)) {
            st = fj__error_at(err, FJ_ERR_INPUT, path, lineno,
                              "a clause needs \"lang\" (zh or en), \"text\" and \"labels\"");
        } else {
            citem it = {.lang = strcmp(lang, "en") == 0, .known = OLD_CLASSES};
            size_t i;
            json_t *v;
            json_t *classes = json_object_get(o, "classes");
            if (classes) {
                /* the classes the labels speak for (default: those of format 1) */
                it.known = 0;
                json_array_foreach(classes, i, v)
                {
                    int s = json_is_string(v) ? cls_of(json_string_value(v)) : -1;
                    if (s < 0) {
                        st = fj__error_at(err, FJ_ERR_INPUT, path, lineno,
                                          "unknown class in \"classes\"");
                        break;
                    }
                    it.known |= (uint8_t)(1u << s);
                }
                if (st == FJ_OK && (!json_is_array(classes) || !it.known))
                    st = fj__error_at(err, FJ_ERR_INPUT, path, lineno,
                                      "\"classes\" must be a non-empty array of class names");
            }
            json_array_foreach(labels, i, v)
            {
                int s = json_is_string(v) ? cls_of(json_string_value(v)) : -1;
                if (s < 0) {
                    st = fj__error_at(err, FJ_ERR_INPUT, path, lineno,
                                      "unknown label (expected upfront_fee, personal_data, "
                                      "offsite_contact, sales_duty or office_title)");
                    break;
                }
                it.labels |= (uint8_t)(1u << s);
            }
            if (st == FJ_OK && (it.labels & ~it.known))
                st = fj__error_at(err, FJ_ERR_INPUT, path, lineno,
                                  "a label that is not among the clause's \"classes\"");
            if (st == FJ_OK && (it.group = group_id(cs, it.lang, kind ? kind : "")) < 0)
                st = fj__nomem(err);
            if (st == FJ_OK) {
                st = fj__clause_text_features(ctx, it.lang ? FJ_LANG_EN : FJ_LANG_ZH,
                                              json_string_value(text), json_string_length(text), fv,
                                              NULL, err);
                if (st != FJ_OK)
                    fj_error_locate(err, path, lineno);
            }
            if (st == FJ_OK && !(it.x = to_nodes(fv)))
                st = fj__nomem(err);
            if (st == FJ_OK)
                st = cset_add(cs, it, err);
        }
        json_decref(o);
    }
    free(line);
    if (st == FJ_OK && ferror(fp))
        st = fj__error(err, FJ_ERR_IO, NULL, -1, -1, "%s: read error", path);
    fclose(fp);
    return st;
}

static double sparse_dot(const struct svm_node *a, const struct svm_node *b)
{
    double s = 0;
    while (a->index != -1 && b->index != -1) {
        if (a->index == b->index)
            s += (a++)->value * (b++)->value;
        else if (a->index < b->index)
            a++;
        else
            b++;
    }
    return s;
}

/* One language's training data: its items, the precomputed kernel, folds. */
typedef struct lset {
    size_t n;
    citem **it;
    struct svm_node *kpool; /* n rows of n + 2 nodes: {0: i + 1}, {j + 1: K(i, j)}, {-1} */
    struct svm_node **xk;
    int *fold;
    int k;
} lset;

static void lset_free(lset *L)
{
    free(L->it);
    free(L->kpool);
    free(L->xk);
    free(L->fold);
}

/* A value and a small integer: a decision value and its label (avg_precision, the threshold), or
 * a kind's clause count and its group id (lset_build). Sorted by value, highest first; ties by
 * the integer, lowest first (for labels: negatives first, which is pessimistic). */
typedef struct scored {
    double v;
    int y;
} scored;

static int cmp_scored_desc(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->y - y->y;
}

static bool lset_build(lset *L, const cset *cs, int lang, int k)
{
    memset(L, 0, sizeof *L);
    L->k = k;
    for (size_t i = 0; i < cs->n; i++)
        L->n += cs->v[i].lang == lang;
    size_t n = L->n;
    if (n == 0)
        return true;
    L->it = malloc(n * sizeof *L->it);
    L->fold = malloc(n * sizeof *L->fold);
    L->xk = malloc(n * sizeof *L->xk);
    L->kpool = malloc(n * (n + 2) * sizeof *L->kpool);
    scored *gs = calloc(cs->ngroups + 1, sizeof *gs); /* {clauses, group} */
    int *gfold = malloc((cs->ngroups + 1) * sizeof *gfold);
    size_t *load = calloc((size_t)k, sizeof *load);
    if (!L->it || !L->fold || !L->xk || !L->kpool || !gs || !gfold || !load) {
        free(gs);
        free(gfold);
        free(load);
        return false;
    }
    size_t j = 0;
    for (size_t i = 0; i < cs->n; i++)
        if (cs->v[i].lang == lang)
            L->it[j++] = &cs->v[i];
    /* folds: groups by size (largest first), each to the fold holding the fewest clauses; first
     * by their clauses of the format-1 classes (the folds those classes had before), then the
     * groups holding none of those, by their other clauses, on loads of their own */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t g = 0; g < cs->ngroups; g++)
            gs[g] = (scored){0, (int)g};
        for (size_t i = 0; i < n; i++)
            gs[L->it[i]->group].v += (L->it[i]->known & OLD_CLASSES) ? pass == 0 : pass == 1;
        if (pass == 1) {
            for (size_t i = 0; i < n; i++)
                if (L->it[i]->known & OLD_CLASSES)
                    gs[L->it[i]->group].v = -1; /* placed in the first pass */
            memset(load, 0, (size_t)k * sizeof *load);
        }
        qsort(gs, cs->ngroups, sizeof *gs, cmp_scored_desc);
        for (size_t g = 0; g < cs->ngroups && gs[g].v >= 0; g++) {
            int best = 0;
            for (int f = 1; f < k; f++)
                if (load[f] < load[best])
                    best = f;
            gfold[gs[g].y] = best;
            load[best] += (size_t)gs[g].v;
        }
    }
    for (size_t i = 0; i < n; i++)
        L->fold[i] = gfold[L->it[i]->group];
    free(gs);
    free(gfold);
    free(load);
    for (size_t i = 0; i < n; i++) {
        struct svm_node *row = L->kpool + i * (n + 2);
        L->xk[i] = row;
        row[0] = (struct svm_node){0, (double)(i + 1)};
        row[n + 1] = (struct svm_node){-1, 0};
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = i; c < n; c++) {
            double v = sparse_dot(L->it[i]->x, L->it[c]->x);
            L->xk[i][c + 1] = (struct svm_node){(int)c + 1, v};
            L->xk[c][i + 1] = (struct svm_node){(int)i + 1, v};
        }
    return true;
}

/* Train on the items whose fold is not `skip` (all when skip < 0); the primal weights go to the
 * dense w (indices touched are listed in `touched`), the bias to *bias. false on failure. */
static bool train_one(const lset *L, int s, double C, int skip, double *w, uint32_t *touched,
                      size_t *ntouched, double *bias)
{
    size_t n = 0;
    for (size_t i = 0; i < L->n; i++)
        n += L->fold[i] != skip && in_class(L->it[i], s);
    struct svm_node **x = malloc((n + 1) * sizeof *x);
    double *y = malloc((n + 1) * sizeof *y);
    size_t *map = malloc((n + 1) * sizeof *map);
    if (!x || !y || !map) {
        free(x);
        free(y);
        free(map);
        return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < L->n; i++) {
        if (L->fold[i] == skip || !in_class(L->it[i], s))
            continue;
        x[k] = L->xk[i];
        y[k] = (L->it[i]->labels >> s & 1) ? 1 : -1;
        map[k++] = i;
    }
    struct svm_problem prob = {(int)n, y, x};
    struct svm_parameter prm;
    memset(&prm, 0, sizeof prm);
    prm.svm_type = C_SVC;
    prm.kernel_type = PRECOMPUTED;
    prm.C = C;
    prm.cache_size = 64;
    prm.eps = 1e-3;
    prm.shrinking = 1;
    fj__svm_silence();
    struct svm_model *m = svm_check_parameter(&prob, &prm) ? NULL : svm_train(&prob, &prm);
    bool ok = m != NULL;
    if (ok && m->nr_class < 2) {
        /* one class only in this training set (a fold without a positive, say): libsvm's model
         * then has no decision function (rho holds nothing); the linear equivalent of "always
         * that class" is no weights and a bias of its sign */
        *bias = m->label[0] == 1 ? 1 : -1;
        svm_free_and_destroy_model(&m);
    } else if (ok) {
        double sign = m->label[0] == 1 ? 1 : -1;
        int *svi = malloc((size_t)(m->l + 1) * sizeof *svi);
        ok = svi != NULL;
        if (ok) {
            svm_get_sv_indices(m, svi);
            for (int i = 0; i < m->l; i++) {
                const citem *it = L->it[map[svi[i] - 1]];
                double coef = sign * m->sv_coef[0][i];
                for (const struct svm_node *a = it->x; a->index != -1; a++) {
                    uint32_t f = (uint32_t)(a->index - 1);
                    if (w[f] == 0)
                        touched[(*ntouched)++] = f;
                    w[f] += coef * a->value;
                    if (w[f] == 0)
                        w[f] = 1e-300; /* keep it listed once */
                }
            }
            *bias = -sign * m->rho[0];
        }
        free(svi);
        svm_free_and_destroy_model(&m);
    }
    free(x);
    free(y);
    free(map);
    return ok;
}

static double dot_w(const double *w, const struct svm_node *x)
{
    double s = 0;
    for (; x->index != -1; x++)
        s += w[x->index - 1] * x->value;
    return s;
}

static void clear_w(double *w, const uint32_t *touched, size_t *ntouched)
{
    for (size_t i = 0; i < *ntouched; i++)
        w[touched[i]] = 0;
    *ntouched = 0;
}

/* Average precision of decision values (of the labelled clauses of class s: not the
 * background). */
static double avg_precision(const lset *L, int s, const double *dec, const int *y, scored *tmp)
{
    size_t npos = 0, n = 0;
    for (size_t i = 0; i < L->n; i++) {
        if (L->it[i]->bg || !in_class(L->it[i], s))
            continue;
        tmp[n++] = (scored){dec[i], y[i]};
        npos += (size_t)y[i];
    }
    qsort(tmp, n, sizeof *tmp, cmp_scored_desc);
    double ap = 0;
    size_t tp = 0;
    for (size_t i = 0; i < n; i++)
        if (tmp[i].y) {
            tp++;
            ap += (double)tp / (double)(i + 1);
        }
    return npos ? ap / (double)npos : 0;
}

static double platt(double A, double B, double d)
{
    double f = A * d + B;
    return f >= 0 ? exp(-f) / (1 + exp(-f)) : 1 / (1 + exp(f));
}

/* Train one language's detectors (FJ_CLS_COUNT classes) into D; append the report to rep. */
static fj_status train_lang(const lset *L, int lang, const double target_fpr[FJ_CLS_COUNT],
                            fj__cls_lang *D, fj_buf *rep, fj_error *err)
{
    size_t n = L->n;
    const size_t dim = (size_t)1 << FJ_CLS_HASH_BITS;
    double *w = calloc(dim, sizeof *w);
    double *wall = calloc(dim * FJ_CLS_COUNT, sizeof *wall);
    uint32_t *touched = malloc(dim * sizeof *touched);
    double *dec = malloc((n + 1) * sizeof *dec), *best_dec = malloc((n + 1) * sizeof *best_dec);
    int *y = malloc((n + 1) * sizeof *y);
    scored *tmp = malloc((n + 1) * sizeof *tmp);
    fj_status st = FJ_OK;
    if (!w || !wall || !touched || !dec || !best_dec || !y || !tmp) {
        st = fj__nomem(err);
        goto done;
    }
    size_t nt = 0;
    for (int s = 0; s < FJ_CLS_COUNT; s++) {
        size_t npos = 0, nbg = 0, nin = 0;
        for (size_t i = 0; i < n; i++) {
            npos += (size_t)(y[i] = L->it[i]->labels >> s & 1);
            nbg += L->it[i]->bg && in_class(L->it[i], s);
            nin += in_class(L->it[i], s);
        }
        if (nin == nbg) {
            /* no clause is labelled for this class (a clause file of the format-1 classes
             * only): it is left untrained and never fires - probability 0 against a threshold
             * of 1, lexicon hits or not - and the report says so */
            D->sig[s] = (fj__cls_model){-1.0f, 0.0f, 30.0f, 1.0f, 0.0f};
            if (!fj__buf_printf(rep,
                                "%s{\"lang\":\"%s\",\"signal\":\"%s\",\"clauses\":0,"
                                "\"trained\":false}",
                                rep->len > 1 ? "," : "", lang ? "en" : "zh", fj__cls_name(s))) {
                st = fj__nomem(err);
                goto done;
            }
            continue;
        }
        if (npos < 2 || nin - npos < 2) {
            st = fj__errorf(err, FJ_ERR_TRAIN,
                            "clause detectors: %s clauses need at least 2 positive and 2 "
                            "negative examples of %s (%zu of %zu are positive)",
                            lang ? "English" : "Chinese", fj__cls_name(s), npos, nin);
            goto done;
        }
        double best_ap = -1, best_c = c_grid[0];
        for (int g = 0; g < GRID_N; g++) {
            for (int f = 0; f < L->k; f++) {
                double b;
                if (!train_one(L, s, c_grid[g], f, w, touched, &nt, &b)) {
                    st = fj__errorf(err, FJ_ERR_TRAIN, "clause detectors: libsvm failed");
                    goto done;
                }
                for (size_t i = 0; i < n; i++)
                    if (L->fold[i] == f)
                        dec[i] = dot_w(w, L->it[i]->x) + b;
                clear_w(w, touched, &nt);
            }
            double ap = avg_precision(L, s, dec, y, tmp);
            if (ap > best_ap + 1e-12) {
                best_ap = ap;
                best_c = c_grid[g];
                memcpy(best_dec, dec, n * sizeof *dec);
            }
        }
        /* Platt's sigmoid on the examples of the class (dec, y reused: compacted) */
        size_t ne = 0;
        for (size_t i = 0; i < n; i++)
            if (in_class(L->it[i], s)) {
                dec[ne] = best_dec[i];
                y[ne++] = L->it[i]->labels >> s & 1;
            }
        double A, B;
        fj__platt_fit(dec, y, ne, &A, &B);
        for (size_t i = 0; i < n; i++)
            y[i] = L->it[i]->labels >> s & 1;
        /* the threshold: fire on at most target_fpr of the negatives, out of fold */
        size_t nneg = nin - npos - nbg, m = 0;
        for (size_t i = 0; i < n; i++)
            if (!y[i] && !L->it[i]->bg && in_class(L->it[i], s))
                tmp[m++] = (scored){platt(A, B, best_dec[i]), 0};
        qsort(tmp, m, sizeof *tmp, cmp_scored_desc);
        size_t allowed = (size_t)floor(target_fpr[s] * (double)nneg);
        double thr = allowed < m ? nextafter(tmp[allowed].v, 2.0) : 0;
        if (thr < MIN_THRESHOLD)
            thr = MIN_THRESHOLD;
        if (thr > 1)
            thr = 1;
        size_t tp = 0, fp = 0, bgfp = 0;
        for (size_t i = 0; i < n; i++)
            if (in_class(L->it[i], s) && platt(A, B, best_dec[i]) >= thr)
                L->it[i]->bg ? bgfp++ : y[i] ? tp++ : fp++;
        double b;
        if (!train_one(L, s, best_c, -1, w, touched, &nt, &b)) {
            st = fj__errorf(err, FJ_ERR_TRAIN, "clause detectors: libsvm failed");
            goto done;
        }
        for (size_t i = 0; i < nt; i++)
            wall[(size_t)touched[i] * FJ_CLS_COUNT + s] = w[touched[i]];
        clear_w(w, touched, &nt);
        D->sig[s] = (fj__cls_model){(float)b, (float)A, (float)B, (float)thr, (float)best_c};
        if (!fj__buf_printf(
                rep,
                "%s{\"lang\":\"%s\",\"signal\":\"%s\",\"clauses\":%zu,\"positives\":%zu,"
                "\"C\":%g,\"target_fpr\":%g,\"threshold\":%.4f,\"cv_average_precision\":%.4f,"
                "\"cv_precision\":%.4f,\"cv_recall\":%.4f,\"cv_fpr\":%.4f,"
                "\"background\":%zu,\"cv_background_fpr\":%.4f}",
                rep->len > 1 ? "," : "", lang ? "en" : "zh", fj__cls_name(s), nin - nbg, npos,
                best_c, target_fpr[s], thr, best_ap, tp + fp ? (double)tp / (double)(tp + fp) : 0,
                (double)tp / (double)npos, (double)fp / (double)nneg, nbg,
                nbg ? (double)bgfp / (double)nbg : 0)) {
            st = fj__nomem(err);
            goto done;
        }
    }
    /* the non-zero weights of the classes, by feature index */
    size_t nf = 0;
    for (size_t f = 0; f < dim; f++)
        for (int s = 0; s < FJ_CLS_COUNT; s++)
            if ((float)wall[f * FJ_CLS_COUNT + s] != 0) {
                nf++;
                break;
            }
    D->idx = malloc((nf + 1) * sizeof *D->idx);
    D->w = malloc((nf * FJ_CLS_COUNT + 1) * sizeof *D->w);
    if (!D->idx || !D->w) {
        st = fj__nomem(err);
        goto done;
    }
    size_t k = 0;
    for (size_t f = 0; f < dim; f++) {
        bool any = false;
        for (int s = 0; s < FJ_CLS_COUNT; s++)
            any = any || (float)wall[f * FJ_CLS_COUNT + s] != 0;
        if (!any)
            continue;
        D->idx[k] = (uint32_t)f;
        for (int s = 0; s < FJ_CLS_COUNT; s++)
            D->w[k * FJ_CLS_COUNT + s] = (float)wall[f * FJ_CLS_COUNT + s];
        k++;
    }
    D->nfeat = (uint32_t)nf;
done:
    free(w);
    free(wall);
    free(touched);
    free(dec);
    free(best_dec);
    free(y);
    free(tmp);
    return st;
}

/* Per language and signal target false-positive rates from "LANG:SIGNAL=X,..." (LANG zh or en,
 * SIGNAL a detector's signal name, X in (0, 1)) over the defaults in t. */
static fj_status parse_targets(const char *spec, double t[2][FJ_CLS_COUNT], fj_error *err)
{
    const char *p = spec;
    while (*p) {
        const char *colon = strchr(p, ':'), *eq = colon ? strchr(colon, '=') : NULL;
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        int lang = -1, cls = -1;
        if (colon && colon - p == 2 && (memcmp(p, "zh", 2) == 0 || memcmp(p, "en", 2) == 0))
            lang = memcmp(p, "en", 2) == 0;
        for (int c = 0; eq && eq < end && c < FJ_CLS_COUNT; c++)
            if ((size_t)(eq - colon - 1) == strlen(fj__cls_name(c)) &&
                memcmp(colon + 1, fj__cls_name(c), (size_t)(eq - colon - 1)) == 0)
                cls = c;
        /* a plain decimal, read without the locale: digits, a point, digits */
        double v = 0, scale = 1;
        bool point = false, ok = eq && eq < end && eq + 1 < end;
        for (const char *q = eq ? eq + 1 : end; ok && q < end; q++) {
            if (*q == '.' && !point)
                point = true;
            else if (*q >= '0' && *q <= '9')
                point ? (v += (*q - '0') * (scale /= 10)) : (v = v * 10 + (*q - '0'));
            else
                ok = false;
        }
        if (lang < 0 || cls < 0 || !ok || !(v > 0 && v < 1))
            return fj__errorf(err, FJ_ERR_ARGUMENT,
                              "fj_detectors_train: bad target_fpr_by item '%.*s' (want "
                              "LANG:SIGNAL=X, LANG zh or en, X between 0 and 1)",
                              (int)(end - p), p);
        t[lang][cls] = v;
        p = *end ? end + 1 : end;
    }
    return FJ_OK;
}

fj_status fj_detectors_train(fj_detectors **out, fj_context *ctx, const char *const *paths,
                             size_t npaths, const fj_detectors_params *params, fj_error *err)
{
    if (out)
        *out = NULL;
    if (!out || !ctx || !paths || npaths == 0)
        return fj__errorf(err, FJ_ERR_ARGUMENT,
                          "fj_detectors_train: out, ctx and at least one file are needed");
    int k = params && params->folds ? params->folds : 5;
    double fpr = params && params->target_fpr > 0 ? params->target_fpr : 0.01;
    if (k < 2 || k > 20 || !(fpr > 0 && fpr < 1))
        return fj__errorf(err, FJ_ERR_ARGUMENT,
                          "fj_detectors_train: folds must be 2-20 and target_fpr in (0, 1)");
    double targets[2][FJ_CLS_COUNT];
    for (int l = 0; l < 2; l++)
        for (int c = 0; c < FJ_CLS_COUNT; c++)
            targets[l][c] = fpr;
    if (params && params->target_fpr_by) {
        fj_status ts = parse_targets(params->target_fpr_by, targets, err);
        if (ts != FJ_OK)
            return ts;
    }
    cset cs = {0};
    fj__featvec fv = {0};
    fj__matchvec mv = {0};
    fj__lexicon *lex = NULL;
    fj_status st = fj__lexicon_build(ctx, &lex, err);
    for (size_t i = 0; i < npaths && st == FJ_OK; i++)
        st = read_clauses(ctx, lex, &mv, paths[i], &cs, &fv, err);
    fj__featvec_free(&fv);
    fj__matchvec_free(&mv);
    fj__lexicon_free(lex);
    fj_detectors *d = calloc(1, sizeof *d);
    fj_buf rep = {0};
    if (st == FJ_OK && (!d || !fj__buf_append(&rep, "[", 1)))
        st = fj__nomem(err);
    for (int lang = 0; lang < 2 && st == FJ_OK; lang++) {
        lset L;
        if (!lset_build(&L, &cs, lang, k)) {
            st = fj__nomem(err);
        } else if (L.n == 0) {
            st = fj__errorf(err, FJ_ERR_TRAIN, "clause detectors: no %s clauses in the input",
                            lang ? "English" : "Chinese");
        } else {
            st = train_lang(&L, lang, targets[lang], &d->lang[lang], &rep, err);
        }
        lset_free(&L);
    }
    if (st == FJ_OK && !fj__buf_append(&rep, "]", 1))
        st = fj__nomem(err);
    cset_free(&cs);
    if (st != FJ_OK) {
        fj__buf_free(&rep);
        fj_detectors_free(d);
        return st;
    }
    d->report = rep.data;
    if (!fj__detectors_index(d)) {
        fj_detectors_free(d);
        return fj__nomem(err);
    }
    *out = d;
    return FJ_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Evaluation                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct ecount {
    size_t tp, fp, fn, tn;                   /* clauses */
    size_t expected, found, legit, on_legit; /* postings */
} ecount;

static bool fired(const fj_signal *sig, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sig[i].name, name) == 0)
            return true;
    return false;
}

/* One line of an evaluation file into the counts (ec[lang][signal index]). */
static fj_status eval_line(fj_context *ctx, fj_posting *p, json_t *o, const char *line, size_t len,
                           ecount (*ec)[64], size_t nsig, size_t *nclauses, size_t *npostings,
                           fj_error *err)
{
    json_t *text = json_object_get(o, "text"), *labels = json_object_get(o, "labels");
    bool clause = json_is_string(text) && json_is_array(labels);
    fj_status st;
    if (clause) {
        json_t *lang = json_object_get(o, "lang");
        json_t *q = json_object();
        char *s = NULL;
        if (q && json_object_set(q, "description", text) == 0 &&
            (!json_is_string(lang) || json_object_set(q, "lang", lang) == 0))
            s = json_dumps(q, JSON_COMPACT);
        json_decref(q);
        if (!s)
            return fj__nomem(err);
        st = fj_posting_parse_json(p, s, strlen(s), err);
        free(s);
    } else {
        if (!json_is_string(json_object_get(o, "label")))
            return fj__errorf(err, FJ_ERR_INPUT,
                              "neither a clause (\"text\", \"labels\") nor a labelled posting "
                              "(\"label\")");
        st = fj_posting_parse_json(p, line, len, err);
    }
    if (st != FJ_OK)
        return st;
    const fj_signal *sig;
    size_t n;
    st = fj_signals(ctx, p, NULL, &sig, &n, err);
    if (st != FJ_OK)
        return st;
    int l = fj_posting_detect_lang(p) == FJ_LANG_EN ? 1 : 0;
    if (clause) {
        (*nclauses)++;
        for (int s = 0; s < FJ_CLS_COUNT; s++) {
            bool want = false;
            size_t i;
            json_t *v;
            json_array_foreach(labels, i, v) want =
                want || (json_is_string(v) && strcmp(json_string_value(v), fj__cls_name(s)) == 0);
            bool got = fired(sig, n, fj__cls_name(s));
            size_t k = 0;
            while (k < nsig && strcmp(fj_signal_name(k), fj__cls_name(s)) != 0)
                k++;
            if (k == nsig)
                continue; /* sales_duty, office_title: halves of a signal, no signal alone */
            ecount *e = &ec[l][k];
            if (want)
                got ? e->tp++ : e->fn++;
            else
                got ? e->fp++ : e->tn++;
        }
        return FJ_OK;
    }
    (*npostings)++;
    bool legit = strcmp(json_string_value(json_object_get(o, "label")), "legit") == 0;
    json_t *expect = json_object_get(o, "expect");
    for (size_t k = 0; k < nsig; k++) {
        const char *name = fj_signal_name(k);
        bool got = fired(sig, n, name), want = false;
        size_t i;
        json_t *v;
        if (json_is_array(expect))
            json_array_foreach(expect, i, v) want =
                want || (json_is_string(v) && strcmp(json_string_value(v), name) == 0);
        ecount *e = &ec[l][k];
        if (want) {
            e->expected++;
            e->found += got;
        }
        if (legit) {
            e->legit++;
            e->on_legit += got;
        }
    }
    return FJ_OK;
}

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0;
}

fj_status fj_detectors_eval(fj_context *ctx, const char *const *paths, size_t npaths, char **json,
                            fj_error *err)
{
    if (json)
        *json = NULL;
    if (!ctx || !paths || !json)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_detectors_eval: NULL argument");
    size_t nsig = fj_signal_count();
    if (nsig > 64)
        return fj__errorf(err, FJ_ERR_INTERNAL, "fj_detectors_eval: too many signals");
    ecount ec[2][64];
    memset(ec, 0, sizeof ec);
    size_t nclauses = 0, npostings = 0;
    fj_posting *p;
    fj_status st = fj_posting_new(&p, err);
    if (st != FJ_OK)
        return st;
    char *line = NULL;
    size_t cap = 0;
    for (size_t f = 0; f < npaths && st == FJ_OK; f++) {
        FILE *fp = fopen(paths[f], "r");
        if (!fp) {
            st = fj__error(err, FJ_ERR_IO, NULL, -1, -1, "%s: cannot open", paths[f]);
            break;
        }
        ssize_t got;
        long long lineno = 0;
        while (st == FJ_OK && (got = getline(&line, &cap, fp)) >= 0) {
            lineno++;
            size_t len = (size_t)got;
            while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (len == 0)
                continue;
            json_error_t je;
            json_t *o = json_loadb(line, len, 0, &je);
            if (!o || !json_is_object(o))
                st = fj__error_at(err, FJ_ERR_INPUT, paths[f], lineno, "%s",
                                  o ? "not a JSON object" : je.text);
            else
                st = eval_line(ctx, p, o, line, len, ec, nsig, &nclauses, &npostings, err);
            if (st != FJ_OK && o && json_is_object(o))
                fj_error_locate(err, paths[f], lineno);
            json_decref(o);
        }
        if (st == FJ_OK && ferror(fp))
            st = fj__error(err, FJ_ERR_IO, NULL, -1, -1, "%s: read error", paths[f]);
        fclose(fp);
    }
    free(line);
    fj_posting_free(p);
    if (st != FJ_OK)
        return st;
    fj_buf b = {0};
    bool ok = fj__buf_printf(&b, "{\"clauses\":%zu,\"postings\":%zu,\"clause_figures\":[", nclauses,
                             npostings);
    bool first = true;
    for (int l = 0; l < 2; l++)
        for (size_t k = 0; k < nsig; k++) {
            const ecount *e = &ec[l][k];
            if (e->tp + e->fp + e->fn + e->tn == 0)
                continue;
            ok = ok &&
                 fj__buf_printf(&b,
                                "%s{\"lang\":\"%s\",\"signal\":\"%s\",\"positives\":%zu,"
                                "\"negatives\":%zu,\"tp\":%zu,\"fp\":%zu,\"precision\":%.4f,"
                                "\"recall\":%.4f,\"fpr\":%.4f}",
                                first ? "" : ",", l ? "en" : "zh", fj_signal_name(k), e->tp + e->fn,
                                e->fp + e->tn, e->tp, e->fp, ratio(e->tp, e->tp + e->fp),
                                ratio(e->tp, e->tp + e->fn), ratio(e->fp, e->fp + e->tn));
            first = false;
        }
    ok = ok && fj__buf_printf(&b, "],\"posting_figures\":[");
    first = true;
    for (int l = 0; l < 2; l++)
        for (size_t k = 0; k < nsig; k++) {
            const ecount *e = &ec[l][k];
            if (e->expected == 0 && e->on_legit == 0)
                continue;
            ok = ok && fj__buf_printf(&b,
                                      "%s{\"lang\":\"%s\",\"signal\":\"%s\",\"expected\":%zu,"
                                      "\"found\":%zu,\"recall\":%.4f,\"legit\":%zu,"
                                      "\"on_legit\":%zu,\"legit_rate\":%.4f}",
                                      first ? "" : ",", l ? "en" : "zh", fj_signal_name(k),
                                      e->expected, e->found, ratio(e->found, e->expected), e->legit,
                                      e->on_legit, ratio(e->on_legit, e->legit));
            first = false;
        }
    ok = ok && fj__buf_printf(&b, "]}");
    if (!ok) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    *json = b.data;
    return FJ_OK;
}
