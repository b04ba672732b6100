/*
 * train.c - training models with libsvm (C-SVC), and cross-validating the whole procedure.
 *
 * For each language part (zh / en, or one "all" part):
 *   1. replay dated postings through a fresh history store (dataset.c), so repost features are
 *      what a scoring stream would have seen;
 *   2. fit the feature space (features.c: vocabulary by document frequency, idf, dense scales);
 *   3. assign groups (copies of a posting, one company's postings) to k folds, stratified by
 *      class, from a seeded generator (never rand());
 *   4. grid search, per view (linear parts: all features, and the text features alone; see
 *      view_fit): for each C (and gamma for RBF) train on k-1 folds and compute the margins
 *      of the held-out fold; keep the setting with the best PR-AUC of the pooled margins, and
 *      train the view's final SVM on every posting. The kernel matrix of the view's postings
 *      is computed once (libsvm's PRECOMPUTED kernel) and serves every fold and setting, up to
 *      PRECOMPUTED_MAX_N postings;
 *   5. mix the views' out-of-fold margins in the proportion whose calibration has the lowest
 *      log loss, fit Platt's sigmoid on the mixed margins (Lin, Lin and Weng's Newton method),
 *      and choose the thresholds on the calibrated out-of-fold scores;
 *   6. for linear kernels collapse each final SVM's support vectors into primal weights, mix
 *      them in the same proportion, check the result against libsvm's own decision values on
 *      every training posting (the largest difference is recorded with the metrics), and write
 *      libsvm's text model in the same collapsed form (one support vector: the weights).
 * Folds of the grid run on worker threads; each job is independent and writes its own slice of
 * the results, so the model does not depend on scheduling.
 */
#include "model/model.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void silent(const char *s)
{
    (void)s;
}

void fj__svm_silence(void)
{
    svm_set_print_string_function(silent);
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
    for (int l = 0; l < 3; l++)
        if (p->min_df_lang[l] < 0)
            return fj__errorf(err, FJ_ERR_ARGUMENT, "min_df_lang[%d] must be >= 0", l);
    if (p->threads < 0)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "threads must be >= 0");
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

/* ---- progress ---- */

/* Progress reports; from worker threads they are made under the grid's mutex, one at a time. */
typedef struct progress {
    const fj_train_params *p;
    const char *part;
} progress;

static void report(progress *pr, const char *stage, int step, int total, const char *fmt, ...)
    FJ_PRINTF(5, 6);

static void report(progress *pr, const char *stage, int step, int total, const char *fmt, ...)
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

/* ---- a seeded generator (splitmix64) ---- */

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- metrics over (score, label) pairs ---- */

typedef struct scored {
    double s;
    int y; /* 1 fraud, 0 legit */
} scored;

static int scored_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return x > y ? -1 : x < y;
}

typedef struct metrics {
    double pr_auc, roc_auc, recall_at_1fpr;
    size_t pos, neg;
} metrics;

/* sorted descending; equal scores are one threshold */
static metrics compute_metrics(scored *v, size_t n)
{
    metrics m = {0, 0, 0, 0, 0};
    qsort(v, n, sizeof *v, scored_desc);
    for (size_t i = 0; i < n; i++)
        v[i].y ? m.pos++ : m.neg++;
    if (!m.pos || !m.neg)
        return m;
    size_t tp = 0, fp = 0;
    double prev_recall = 0, auc = 0, prev_fpr = 0, prev_tpr = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].s == v[i].s) {
            v[j].y ? tp++ : fp++;
            j++;
        }
        double recall = (double)tp / (double)m.pos;
        double precision = (double)tp / (double)(tp + fp);
        m.pr_auc += (recall - prev_recall) * precision;
        prev_recall = recall;
        double fpr = (double)fp / (double)m.neg;
        auc += (fpr - prev_fpr) * (recall + prev_tpr) / 2;
        prev_fpr = fpr;
        prev_tpr = recall;
        if (fpr <= 0.01 && recall > m.recall_at_1fpr)
            m.recall_at_1fpr = recall;
        i = j;
    }
    m.roc_auc = auc;
    return m;
}

typedef struct at_threshold {
    double threshold, precision, recall, f1;
    size_t tp, fp, fn;
} at_threshold;

static at_threshold eval_at(const scored *v, size_t n, double t)
{
    at_threshold a = {t, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (v[i].s >= t)
            v[i].y ? a.tp++ : a.fp++;
        else if (v[i].y)
            a.fn++;
    }
    a.precision = a.tp + a.fp ? (double)a.tp / (double)(a.tp + a.fp) : 0;
    a.recall = a.tp + a.fn ? (double)a.tp / (double)(a.tp + a.fn) : 0;
    a.f1 = a.precision + a.recall > 0 ? 2 * a.precision * a.recall / (a.precision + a.recall) : 0;
    return a;
}

/* The postings tied at v[i]'s score (v sorted descending) counted into *tp and *fp; *t the cut
 * between that score and the next lower one. Returns the index past the ties. */
static size_t next_cut(const scored *v, size_t n, size_t i, size_t *tp, size_t *fp, double *t)
{
    size_t j = i;
    while (j < n && v[j].s == v[i].s) {
        v[j].y ? (*tp)++ : (*fp)++;
        j++;
    }
    *t = j < n ? (v[i].s + v[j].s) / 2 : v[i].s;
    return j;
}

/* The thresholds on calibrated out-of-fold scores, sorted descending in v. Fraud: the lowest
 * cut whose precision reaches `target` (never below 0.5). Suspicious, the review band below it:
 * the highest cut whose recall reaches `target_recall` — or, when the fraud cut already does,
 * the one that halves the frauds it misses — but never where the precision from the cut up has
 * fallen below one half. */
static void choose_thresholds(const scored *v, size_t n, double target, double target_recall,
                              double *t_fraud, double *t_susp)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += v[i].y;
    size_t tp = 0, fp = 0;
    double lowest_ok = -1, best_prec = -1, best_prec_t = 1, t;
    for (size_t i = 0; i < n;) {
        size_t j = next_cut(v, n, i, &tp, &fp, &t);
        double prec = (double)tp / (double)(tp + fp);
        if (tp >= 3 && prec >= target)
            lowest_ok = t;
        if (tp >= 3 && prec > best_prec) {
            best_prec = prec;
            best_prec_t = t;
        }
        i = j;
    }
    double tf = lowest_ok >= 0 ? lowest_ok : best_prec_t;
    if (tf < 0.5)
        tf = 0.5;
    if (tf > 1)
        tf = 1;
    /* the recall of the fraud cut, then the suspicious cut */
    size_t tp_f = 0;
    for (size_t i = 0; i < n && v[i].s >= tf; i++)
        tp_f += v[i].y;
    double rec_f = pos ? (double)tp_f / (double)pos : 1;
    double want = target_recall > rec_f ? target_recall : (1 + rec_f) / 2;
    double recall_cut = 0, half_cut = tf;
    bool found = false;
    tp = fp = 0;
    for (size_t i = 0; i < n;) {
        size_t j = next_cut(v, n, i, &tp, &fp, &t);
        if (!found && pos && (double)tp >= want * (double)pos - 1e-9) {
            recall_cut = t;
            found = true;
        }
        if (2 * tp >= tp + fp && t < half_cut)
            half_cut = t;
        i = j;
    }
    double ts = recall_cut > half_cut ? recall_cut : half_cut;
    if (ts > tf)
        ts = tf;
    if (ts < 0)
        ts = 0;
    *t_fraud = tf;
    *t_susp = ts;
}

/* Platt scaling: P(fraud | f) = 1 / (1 + exp(A f + B)), fitted by Newton's method with
 * backtracking on regularized targets (Lin, Lin and Weng 2007, "A note on Platt's
 * probabilistic outputs for support vector machines"). */
/* Returns the regularized log loss of the fit. */
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

/* ---- folds: groups kept whole, classes spread evenly ---- */

typedef struct grp {
    size_t first; /* position in the sorted order */
    size_t size, fraud;
    uint64_t r;
} grp;

typedef struct by_key_ctx {
    const fj_dataset *d;
    size_t i;
} by_key_ctx;

static int key_cmp(const void *a, const void *b)
{
    const by_key_ctx *x = a, *y = b;
    int c = strcmp(fj_dataset_group(x->d, x->i), fj_dataset_group(y->d, y->i));
    if (c)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int grp_order(const void *a, const void *b)
{
    const grp *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->r < y->r ? -1 : x->r > y->r;
}

/* fold[k] for subset[k]; returns the number of groups, 0 on allocation failure. */
static size_t assign_folds(const fj_dataset *d, const size_t *subset, size_t n, int k,
                           uint64_t seed, int *fold, size_t *fraud_groups, size_t *legit_groups)
{
    by_key_ctx *o = malloc((n + 1) * sizeof *o);
    size_t *fold_of = malloc((n + 1) * sizeof *fold_of); /* per sorted entry */
    grp *g = malloc((n + 1) * sizeof *g);
    if (!o || !g || !fold_of) {
        free(o);
        free(g);
        free(fold_of);
        return 0;
    }
    for (size_t j = 0; j < n; j++)
        o[j] = (by_key_ctx){d, subset[j]};
    qsort(o, n, sizeof *o, key_cmp);
    size_t ng = 0;
    uint64_t s = seed;
    for (size_t j = 0; j < n;) {
        size_t e = j;
        grp gg = {j, 0, 0, 0};
        while (e < n && strcmp(fj_dataset_group(d, o[e].i), fj_dataset_group(d, o[j].i)) == 0) {
            gg.size++;
            gg.fraud += fj_dataset_label(d, o[e].i) == FJ_LABEL_FRAUD;
            e++;
        }
        gg.r = next_rand(&s);
        g[ng++] = gg;
        j = e;
    }
    qsort(g, ng, sizeof *g, grp_order);
    size_t cnt[100][2];
    memset(cnt, 0, sizeof cnt);
    *fraud_groups = *legit_groups = 0;
    for (size_t q = 0; q < ng; q++) {
        int cls = g[q].fraud * 2 >= g[q].size ? 1 : 0;
        cls ? (*fraud_groups)++ : (*legit_groups)++;
        int best = 0;
        for (int f = 1; f < k; f++) {
            if (cnt[f][cls] < cnt[best][cls] ||
                (cnt[f][cls] == cnt[best][cls] &&
                 cnt[f][0] + cnt[f][1] < cnt[best][0] + cnt[best][1]))
                best = f;
        }
        cnt[best][cls] += g[q].size;
        for (size_t e = g[q].first; e < g[q].first + g[q].size; e++)
            fold_of[e] = (size_t)best;
    }
    /* write folds back in subset order: find each sorted entry's subset position */
    for (size_t e = 0; e < n; e++) {
        /* subset is sorted ascending by dataset index (callers guarantee it) */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (subset[mid] < o[e].i)
                lo = mid + 1;
            else
                hi = mid;
        }
        fold[lo] = (int)fold_of[e];
    }
    free(o);
    free(g);
    free(fold_of);
    return ng;
}

/* ---- per-part training data ---- */

typedef struct tdata {
    size_t n;
    double *y;           /* +1 fraud, -1 legit */
    struct svm_node **x; /* sparse feature vectors */
    struct svm_node *pool;
    int *fold;
    int k;
    double mean_sq_norm;
    /* the precomputed kernel (libsvm's PRECOMPUTED): row i is {0:i+1, 1:K(i,0), …, n:K(i,n-1)} */
    bool precomputed;
    struct svm_node *kpool; /* n rows of n + 2 nodes */
    struct svm_node **xk;
    double *gram;   /* RBF: the n x n dot products, from which each gamma's kernel is filled */
    double *sqnorm; /* RBF: |x_i|^2 */
    double kgamma;  /* RBF: the gamma kpool holds (0: none yet) */
} tdata;

/* The precomputed kernel is used up to this many postings per part (n^2 * 16 bytes: 2 GiB);
 * beyond, libsvm computes kernels from the sparse vectors itself (slower, less memory). */
#define PRECOMPUTED_MAX_N 11500u

static void tdata_free(tdata *t)
{
    free(t->y);
    free(t->x);
    free(t->pool);
    free(t->fold);
    free(t->kpool);
    free(t->xk);
    free(t->gram);
    free(t->sqnorm);
    memset(t, 0, sizeof *t);
}

static int thread_count(const fj_train_params *p, long jobs)
{
    long n = p->threads;
    if (n == 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1)
            n = 1;
    }
    if (n > 16)
        n = 16;
    if (n > jobs)
        n = jobs;
    return (int)(n < 1 ? 1 : n);
}

/* ---- the Gram matrix: each row's sparse vector scattered into a dense array, then dotted
 * with every earlier row; rows are shared among threads by stride ---- */

typedef struct gram_job {
    tdata *t;
    size_t nfeat;
    int stride, first;
    bool nomem;
} gram_job;

static void gram_store(tdata *t, size_t i, size_t j, double v)
{
    size_t w = t->n + 2;
    if (t->gram) {
        t->gram[i * t->n + j] = v;
        t->gram[j * t->n + i] = v;
    } else {
        t->kpool[i * w + j + 1].value = v;
        t->kpool[j * w + i + 1].value = v;
    }
}

static void *gram_rows(void *arg)
{
    gram_job *g = arg;
    tdata *t = g->t;
    double *dense = calloc(g->nfeat + 1, sizeof *dense);
    if (!dense) {
        g->nomem = true;
        return NULL;
    }
    for (size_t i = (size_t)g->first; i < t->n; i += (size_t)g->stride) {
        for (const struct svm_node *a = t->x[i]; a->index != -1; a++)
            dense[a->index] = a->value;
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            for (const struct svm_node *b = t->x[j]; b->index != -1; b++)
                s += dense[b->index] * b->value;
            gram_store(t, i, j, s);
        }
        for (const struct svm_node *a = t->x[i]; a->index != -1; a++)
            dense[a->index] = 0;
    }
    free(dense);
    return NULL;
}

static fj_status build_gram(tdata *t, fj_kernel kernel, size_t nfeat, const fj_train_params *p,
                            fj_error *err)
{
    size_t n = t->n, w = n + 2;
    t->kpool = malloc(n * w * sizeof *t->kpool);
    t->xk = malloc((n + 1) * sizeof *t->xk);
    if (kernel == FJ_KERNEL_RBF) {
        t->gram = malloc(n * n * sizeof *t->gram);
        t->sqnorm = malloc((n + 1) * sizeof *t->sqnorm);
    }
    if (!t->kpool || !t->xk || (kernel == FJ_KERNEL_RBF && (!t->gram || !t->sqnorm)))
        return fj__nomem(err);
    for (size_t i = 0; i < n; i++) {
        struct svm_node *row = t->kpool + i * w;
        row[0].index = 0;
        row[0].value = (double)(i + 1);
        for (size_t j = 1; j <= n; j++)
            row[j].index = (int)j;
        row[n + 1].index = -1;
        row[n + 1].value = 0;
        t->xk[i] = row;
    }
    int nt = thread_count(p, (long)n);
    gram_job jobs[16];
    pthread_t th[16];
    int started = 0;
    for (int k = 0; k < nt; k++)
        jobs[k] = (gram_job){t, nfeat, nt, k, false};
    for (int k = 1; k < nt; k++) {
        if (pthread_create(&th[k], NULL, gram_rows, &jobs[k]) != 0)
            break;
        started = k;
    }
    /* rows of threads that could not start are done here */
    for (int k = started + 1; k < nt; k++)
        gram_rows(&jobs[k]);
    gram_rows(&jobs[0]);
    for (int k = 1; k <= started; k++)
        pthread_join(th[k], NULL);
    for (int k = 0; k < nt; k++)
        if (jobs[k].nomem)
            return fj__nomem(err);
    if (t->gram)
        for (size_t i = 0; i < n; i++)
            t->sqnorm[i] = t->gram[i * n + i];
    t->precomputed = true;
    return FJ_OK;
}

/* Fill the precomputed RBF kernel for `gamma` from the dot products. */
static void fill_rbf(tdata *t, double gamma)
{
    if (!t->gram || t->kgamma == gamma)
        return;
    size_t n = t->n, w = n + 2;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double d2 = t->sqnorm[i] + t->sqnorm[j] - 2 * t->gram[i * n + j];
            t->kpool[i * w + j + 1].value = exp(-gamma * (d2 > 0 ? d2 : 0));
        }
    t->kgamma = gamma;
}

typedef struct setting {
    double C, gamma;
} setting;

typedef struct job_ctx {
    const tdata *t;
    const fj__part *pt; /* kernel */
    const fj_train_params *p;
    const setting *grid;
    int ngrid, g_from, g_to; /* the settings of this run */
    double *oof;             /* [ngrid][n] */
    const char *view;        /* the view's name, for progress */
    size_t fold_size[100];
    pthread_mutex_t mu;
    int next, done, total;
    int grid_done[64];
    fj_status st;
    char errmsg[256];
    progress *pr;
} job_ctx;

static void set_params(struct svm_parameter *prm, fj_kernel kernel, bool precomputed, setting s,
                       double wf, double wl, int *wlab, double *w)
{
    memset(prm, 0, sizeof *prm);
    prm->svm_type = C_SVC;
    prm->kernel_type = precomputed ? PRECOMPUTED : kernel == FJ_KERNEL_RBF ? RBF : LINEAR;
    prm->gamma = s.gamma;
    prm->cache_size = 200;
    prm->eps = 1e-3;
    prm->C = s.C;
    prm->shrinking = 1;
    prm->probability = 0;
    wlab[0] = 1;
    wlab[1] = -1;
    w[0] = wf;
    w[1] = wl;
    prm->nr_weight = 2;
    prm->weight_label = wlab;
    prm->weight = w;
}

static void class_weights(const fj_train_params *p, const double *y, size_t n, const int *fold,
                          int skip, double *wf, double *wl)
{
    size_t pos = 0, neg = 0;
    for (size_t i = 0; i < n; i++)
        if (!fold || fold[i] != skip)
            y[i] > 0 ? pos++ : neg++;
    *wf = *wl = 1;
    if (p->class_weights && pos && neg) {
        *wf = (double)(pos + neg) / (2.0 * (double)pos);
        *wl = (double)(pos + neg) / (2.0 * (double)neg);
    }
}

/* The sparse feature vector of support vector s (a precomputed row names its posting). */
static const struct svm_node *sv_sparse(const tdata *t, const struct svm_model *m, int s)
{
    if (!t->precomputed)
        return m->SV[s];
    size_t serial = (size_t)m->SV[s][0].value;
    return serial >= 1 && serial <= t->n ? t->x[serial - 1] : NULL;
}

/* The primal weights of a trained linear model (indices 0-based), oriented toward fraud. */
static void collapse(const tdata *t, const struct svm_model *m, size_t nfeat, double *w, double *b)
{
    memset(w, 0, nfeat * sizeof *w);
    double sign = m->label[0] == 1 ? 1 : -1;
    for (int i = 0; i < m->l; i++) {
        double c = m->sv_coef[0][i];
        const struct svm_node *x = sv_sparse(t, m, i);
        for (; x && x->index != -1; x++)
            if (x->index >= 1 && (size_t)x->index <= nfeat)
                w[x->index - 1] += c * x->value;
    }
    for (size_t j = 0; j < nfeat; j++)
        w[j] *= sign;
    *b = -m->rho[0] * sign;
}

static double dot(const double *w, const struct svm_node *x)
{
    double s = 0;
    for (; x->index != -1; x++)
        s += w[x->index - 1] * x->value;
    return s;
}

/* The margin (toward fraud) of posting i under an RBF model trained on `t`. */
static double rbf_margin(const tdata *t, const struct svm_model *m, size_t i)
{
    double sign = m->label[0] == 1 ? 1 : -1;
    if (!t->precomputed) {
        double dec = 0;
        svm_predict_values(m, t->x[i], &dec);
        return sign * dec;
    }
    const struct svm_node *row = t->xk[i];
    double s = -m->rho[0];
    for (int k = 0; k < m->l; k++)
        s += m->sv_coef[0][k] * row[(int)m->SV[k][0].value].value;
    return sign * s;
}

/* One job: train setting g on every fold but f, write margins of fold f. */
static fj_status run_job(job_ctx *jc, int g, int f, size_t nfeat, char *msg, size_t msgsize)
{
    const tdata *t = jc->t;
    struct svm_problem prob;
    prob.l = 0;
    prob.y = malloc((t->n + 1) * sizeof *prob.y);
    prob.x = malloc((t->n + 1) * sizeof *prob.x);
    double *w = malloc((nfeat + 1) * sizeof *w);
    if (!prob.y || !prob.x || !w) {
        free(prob.y);
        free(prob.x);
        free(w);
        snprintf(msg, msgsize, "out of memory");
        return FJ_ERR_NOMEM;
    }
    for (size_t i = 0; i < t->n; i++)
        if (t->fold[i] != f) {
            prob.y[prob.l] = t->y[i];
            prob.x[prob.l] = t->precomputed ? t->xk[i] : t->x[i];
            prob.l++;
        }
    double wf, wl;
    int wlab[2];
    double wv[2];
    class_weights(jc->p, t->y, t->n, t->fold, f, &wf, &wl);
    struct svm_parameter prm;
    set_params(&prm, jc->pt->kernel, t->precomputed, jc->grid[g], wf, wl, wlab, wv);
    fj_status st = FJ_OK;
    const char *bad = svm_check_parameter(&prob, &prm);
    struct svm_model *m = bad ? NULL : svm_train(&prob, &prm);
    if (!m) {
        snprintf(msg, msgsize, "libsvm: %s", bad ? bad : "training failed");
        st = FJ_ERR_TRAIN;
    } else {
        double *out = jc->oof + (size_t)g * t->n;
        if (jc->pt->kernel == FJ_KERNEL_LINEAR) {
            double b;
            collapse(t, m, nfeat, w, &b);
            for (size_t i = 0; i < t->n; i++)
                if (t->fold[i] == f)
                    out[i] = dot(w, t->x[i]) + b;
        } else {
            for (size_t i = 0; i < t->n; i++)
                if (t->fold[i] == f)
                    out[i] = rbf_margin(t, m, i);
        }
        snprintf(msg, msgsize, "%d support vectors", m->l);
        svm_free_and_destroy_model(&m);
    }
    free(prob.y);
    free(prob.x);
    free(w);
    return st;
}

/* The PR-AUC of setting g's pooled out-of-fold margins; -1 when out of memory. */
static double grid_pr_auc(const job_ctx *jc, int g)
{
    const tdata *t = jc->t;
    scored *v = malloc((t->n + 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < t->n; i++)
        v[i] = (scored){jc->oof[(size_t)g * t->n + i], t->y[i] > 0};
    metrics m = compute_metrics(v, t->n);
    free(v);
    return m.pr_auc;
}

static void *worker(void *arg)
{
    job_ctx *jc = arg;
    for (;;) {
        pthread_mutex_lock(&jc->mu);
        if (jc->next >= jc->total || jc->st != FJ_OK) {
            pthread_mutex_unlock(&jc->mu);
            return NULL;
        }
        int j = jc->next++;
        pthread_mutex_unlock(&jc->mu);
        int g = jc->g_from + j / jc->t->k, f = j % jc->t->k;
        char msg[200] = "";
        fj_status st = FJ_OK;
        if (jc->fold_size[f] > 0)
            st = run_job(jc, g, f, jc->pt->fs.n, msg, sizeof msg);
        pthread_mutex_lock(&jc->mu);
        if (st != FJ_OK && jc->st == FJ_OK) {
            jc->st = st;
            snprintf(jc->errmsg, sizeof jc->errmsg, "%s", msg);
        }
        jc->done++;
        if (st == FJ_OK && jc->fold_size[f] > 0) {
            if (jc->pt->kernel == FJ_KERNEL_RBF)
                report(jc->pr, "fold", jc->done, jc->total, "%s: C=%g gamma=%g fold %d/%d: %s",
                       jc->view, jc->grid[g].C, jc->grid[g].gamma, f + 1, jc->t->k, msg);
            else
                report(jc->pr, "fold", jc->done, jc->total, "%s: C=%g fold %d/%d: %s", jc->view,
                       jc->grid[g].C, f + 1, jc->t->k, msg);
        }
        if (st == FJ_OK && ++jc->grid_done[g] == jc->t->k) {
            double ap = grid_pr_auc(jc, g);
            if (jc->pt->kernel == FJ_KERNEL_RBF)
                report(jc->pr, "grid", g + 1, jc->ngrid,
                       "%s: C=%g gamma=%g: cross-validated PR-AUC %.4f", jc->view, jc->grid[g].C,
                       jc->grid[g].gamma, ap);
            else
                report(jc->pr, "grid", g + 1, jc->ngrid, "%s: C=%g: cross-validated PR-AUC %.4f",
                       jc->view, jc->grid[g].C, ap);
        }
        pthread_mutex_unlock(&jc->mu);
    }
}

/* Run the folds of settings g_from..g_to-1 on worker threads. */
static fj_status run_grid(job_ctx *jc, int g_from, int g_to, fj_error *err)
{
    jc->st = FJ_OK;
    jc->next = jc->done = 0;
    jc->g_from = g_from;
    jc->g_to = g_to;
    jc->total = (g_to - g_from) * jc->t->k;
    memset(jc->fold_size, 0, sizeof jc->fold_size);
    for (size_t i = 0; i < jc->t->n; i++)
        jc->fold_size[jc->t->fold[i]]++;
    for (int g = g_from; g < g_to; g++) {
        jc->grid_done[g] = 0;
        for (int f = 0; f < jc->t->k; f++)
            if (jc->fold_size[f] == 0)
                jc->grid_done[g]++; /* empty folds count as done */
    }
    int nt = thread_count(jc->p, jc->total);
    pthread_t th[16];
    int started = 0;
    for (int i = 1; i < nt; i++) {
        if (pthread_create(&th[i], NULL, worker, jc) != 0)
            break;
        started++;
    }
    worker(jc);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    if (jc->st != FJ_OK)
        return jc->st == FJ_ERR_NOMEM
                   ? fj__nomem(err)
                   : fj__errorf(err, jc->st, "part %s: %s", jc->pt->lang, jc->errmsg);
    return FJ_OK;
}

/* ---- training one part ---- */

typedef struct part_info {
    size_t groups, fraud_groups, legit_groups, fraud, legit;
    int min_df; /* the vocabulary settings this part was trained with */
    size_t max_features;
} part_info;

static fj_status vectorize_all(fj_context *ctx, const fj_dataset *d,
                               const fj_history_stats *const *hist, const size_t *subset, size_t n,
                               fj__part *pt, tdata *t, fj_error *err)
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
        if (used + v.n + 1 > cap) {
            while (used + v.n + 1 > cap)
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

/* A linear part as libsvm's text model in collapsed form: one support vector equal to the
 * primal weights, with coefficient 1 and rho = -b, so that svm-predict computes w.x + b. */
static bool write_collapsed(const fj__part *pt, fj_buf *out)
{
    size_t nnz = 0;
    for (size_t j = 0; j < pt->fs.n; j++)
        nnz += pt->w[j] != 0;
    struct svm_node *sv = malloc((nnz + 1) * sizeof *sv);
    if (!sv)
        return false;
    size_t k = 0;
    for (size_t j = 0; j < pt->fs.n; j++)
        if (pt->w[j] != 0)
            sv[k++] = (struct svm_node){(int)j + 1, pt->w[j]};
    sv[k].index = -1;
    sv[k].value = 0;
    struct svm_node *svp[1] = {sv};
    double coef = 1, *coefp[1] = {&coef}, rho = -pt->b;
    int label[2] = {1, -1}, nsv[2] = {1, 0};
    struct svm_model m;
    memset(&m, 0, sizeof m);
    m.param.svm_type = C_SVC;
    m.param.kernel_type = LINEAR;
    m.nr_class = 2;
    m.l = 1;
    m.SV = svp;
    m.sv_coef = coefp;
    m.rho = &rho;
    m.label = label;
    m.nSV = nsv;
    bool ok = fj__svm_write(&m, out);
    free(sv);
    return ok;
}

/* ---- one view of the postings: grid search, then the final SVM ---- */

/* A linear part is trained on two views of the same feature vectors: "all" the features, and
 * the "text" features alone (the TF-IDF block: n-grams, typed tokens, the parts of location
 * and employment type; without the dense signals and metadata facts). Each view has its own C;
 * their out-of-fold margins are mixed (mix * all + (1 - mix) * text) with the mix of lowest
 * calibrated log loss, and the final weights are the same mix of the two final SVMs' weights:
 * still one linear model, explained feature by feature. The text view keeps the scores of
 * postings whose metadata look unusual (a legitimate posting without logo, profile or
 * screening questions) from resting on a few dense features alone. */
typedef struct view_fit {
    const char *name;
    setting grid[64];
    int ngrid, best;
    double grid_ap[64];
    double *oof;          /* [ngrid][n] out-of-fold margins */
    double *w, b;         /* linear: the final SVM's primal weights, toward fraud */
    struct svm_model *sm; /* the final SVM (linear: its support vectors are gone with the
                             kernel matrix; only its labels and counts are read) */
    double *lib;          /* linear: the final SVM's decision values (toward fraud) on the
                             training postings, for the check of the mixed primal weights */
} view_fit;

static void view_free(view_fit *vf)
{
    free(vf->oof);
    free(vf->w);
    free(vf->lib);
    if (vf->sm)
        svm_free_and_destroy_model(&vf->sm);
    vf->oof = vf->w = vf->lib = NULL;
}

/* Free the precomputed kernel matrix of `t` (libsvm then needs its sparse vectors). */
static void drop_kernel(tdata *t)
{
    free(t->kpool);
    free(t->xk);
    t->kpool = NULL;
    t->xk = NULL;
    t->precomputed = false;
}

/* `t` without its dense features (indices below n_dense): the text view. */
static fj_status text_only(const tdata *t, size_t n_dense, tdata *out, fj_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < t->n; i++)
        for (const struct svm_node *x = t->x[i]; x->index != -1; x++)
            total += (size_t)x->index > n_dense;
    out->n = t->n;
    out->k = t->k;
    out->pool = malloc((total + t->n + 1) * sizeof *out->pool);
    out->x = malloc((t->n + 1) * sizeof *out->x);
    out->y = malloc((t->n + 1) * sizeof *out->y);
    out->fold = malloc((t->n + 1) * sizeof *out->fold);
    if (!out->pool || !out->x || !out->y || !out->fold)
        return fj__nomem(err);
    size_t used = 0;
    double sq = 0;
    for (size_t i = 0; i < t->n; i++) {
        out->x[i] = out->pool + used;
        for (const struct svm_node *x = t->x[i]; x->index != -1; x++)
            if ((size_t)x->index > n_dense) {
                out->pool[used++] = *x;
                sq += x->value * x->value;
            }
        out->pool[used].index = -1;
        out->pool[used++].value = 0;
        out->y[i] = t->y[i];
        out->fold[i] = t->fold[i];
    }
    out->mean_sq_norm = t->n ? sq / (double)t->n : 1;
    return FJ_OK;
}

/* The grid of settings: the given C (and gamma), or the default grid. */
static int make_grid(const tdata *t, fj_kernel kernel, const fj_train_params *p, setting *grid)
{
    static const double linear_C[] = {0.03, 0.1, 0.3, 1, 3, 10, 30};
    static const double rbf_C[] = {0.3, 1, 3, 10, 30};
    static const double rbf_g[] = {0.25, 1, 4};
    double g0 = t->mean_sq_norm > 0 ? 1.0 / t->mean_sq_norm : 1;
    int ngrid = 0;
    if (kernel == FJ_KERNEL_LINEAR) {
        if (p->C > 0)
            grid[ngrid++] = (setting){p->C, 0};
        else
            for (size_t i = 0; i < sizeof linear_C / sizeof *linear_C; i++)
                grid[ngrid++] = (setting){linear_C[i], 0};
    } else {
        size_t nc = p->C > 0 ? 1 : sizeof rbf_C / sizeof *rbf_C;
        size_t ng = p->gamma > 0 ? 1 : sizeof rbf_g / sizeof *rbf_g;
        /* gamma-major: the settings of one gamma share one precomputed kernel */
        for (size_t j = 0; j < ng; j++)
            for (size_t i = 0; i < nc; i++)
                grid[ngrid++] =
                    (setting){p->C > 0 ? p->C : rbf_C[i], p->gamma > 0 ? p->gamma : rbf_g[j] * g0};
    }
    return ngrid;
}

/* Grid search on the view's folds (best PR-AUC of the pooled out-of-fold margins), then the
 * final SVM on every posting at the chosen setting. */
static fj_status fit_view(tdata *t, const fj__part *pt, const fj_train_params *p, progress *pr,
                          view_fit *vf, fj_error *err)
{
    size_t n = t->n;
    vf->ngrid = make_grid(t, pt->kernel, p, vf->grid);
    fj_status st = FJ_OK;
    if (n <= PRECOMPUTED_MAX_N) {
        st = build_gram(t, pt->kernel, pt->fs.n, p, err);
        if (st != FJ_OK)
            return st;
        report(pr, "gram", 1, 1, "view %s: kernel matrix of %zu postings computed", vf->name, n);
    }
    job_ctx jc;
    memset(&jc, 0, sizeof jc);
    jc.t = t;
    jc.pt = pt;
    jc.p = p;
    jc.grid = vf->grid;
    jc.ngrid = vf->ngrid;
    jc.pr = pr;
    jc.view = vf->name;
    jc.oof = vf->oof = malloc(((size_t)vf->ngrid * n + 1) * sizeof *jc.oof);
    if (!jc.oof)
        return fj__nomem(err);
    pthread_mutex_init(&jc.mu, NULL);
    fj__svm_silence();
    for (int g = 0; g < vf->ngrid && st == FJ_OK;) {
        int e = g + 1;
        while (e < vf->ngrid && vf->grid[e].gamma == vf->grid[g].gamma)
            e++;
        if (pt->kernel == FJ_KERNEL_RBF)
            fill_rbf(t, vf->grid[g].gamma);
        st = run_grid(&jc, g, e, err);
        g = e;
    }
    pthread_mutex_destroy(&jc.mu);
    if (st != FJ_OK)
        return st;
    vf->best = 0;
    for (int g = 0; g < vf->ngrid; g++) {
        vf->grid_ap[g] = grid_pr_auc(&jc, g);
        if (vf->grid_ap[g] < 0)
            return fj__nomem(err);
        if (vf->grid_ap[g] > vf->grid_ap[vf->best] + 1e-12)
            vf->best = g;
    }
    report(pr, "view", 1, 1, "view %s: C=%g, cross-validated PR-AUC %.4f", vf->name,
           vf->grid[vf->best].C, vf->grid_ap[vf->best]);
    struct svm_problem prob = {(int)n, t->y, t->precomputed ? t->xk : t->x};
    double wf, wl, wv[2];
    int wlab[2];
    class_weights(p, t->y, n, NULL, -1, &wf, &wl);
    struct svm_parameter prm;
    set_params(&prm, pt->kernel, t->precomputed, vf->grid[vf->best], wf, wl, wlab, wv);
    if (pt->kernel == FJ_KERNEL_RBF)
        fill_rbf(t, vf->grid[vf->best].gamma);
    const char *bad = svm_check_parameter(&prob, &prm);
    if (bad)
        return fj__errorf(err, FJ_ERR_TRAIN, "part %s: libsvm: %s", pt->lang, bad);
    fj__svm_silence();
    vf->sm = svm_train(&prob, &prm);
    if (!vf->sm)
        return fj__errorf(err, FJ_ERR_TRAIN, "part %s: libsvm could not train", pt->lang);
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        vf->w = malloc((pt->fs.n + 1) * sizeof *vf->w);
        vf->lib = malloc((n + 1) * sizeof *vf->lib);
        if (!vf->w || !vf->lib)
            return fj__nomem(err);
        collapse(t, vf->sm, pt->fs.n, vf->w, &vf->b);
        double sign = vf->sm->label[0] == 1 ? 1 : -1;
        for (size_t i = 0; i < n; i++) {
            double lib = 0;
            svm_predict_values(vf->sm, t->precomputed ? t->xk[i] : t->x[i], &lib);
            vf->lib[i] = sign * lib;
        }
        /* the weights and decision values are all that is needed of it now: free the kernel
         * matrix before the next view builds its own */
        drop_kernel(t);
    }
    return FJ_OK;
}

/* The mix of two views' out-of-fold margins (weight of the first, 0..1 in steps of 0.05)
 * whose Platt calibration has the lowest log loss; ties go to the larger weight. `m` is
 * scratch space for n margins. */
static double choose_mix(const double *a, const double *b, const int *y, size_t n, double *m)
{
    double best = 1, best_loss = INFINITY;
    for (int k = 20; k >= 0; k--) {
        double mix = k / 20.0, A, B;
        for (size_t i = 0; i < n; i++)
            m[i] = mix * a[i] + (1 - mix) * b[i];
        double loss = fj__platt_fit(m, y, n, &A, &B);
        if (loss < best_loss - 1e-9) {
            best_loss = loss;
            best = mix;
        }
    }
    return best;
}

static bool json_view(fj_buf *b, const view_fit *vf, double weight)
{
    bool ok = fj__buf_printf(b, "{\"view\":\"%s\",\"weight\":%.4g,\"C\":%.6g,\"grid\":[", vf->name,
                             weight, vf->grid[vf->best].C);
    for (int g = 0; ok && g < vf->ngrid; g++)
        ok = fj__buf_printf(b, "%s{\"C\":%.6g,\"gamma\":%.6g,\"pr_auc\":%.4f}", g ? "," : "",
                            vf->grid[g].C, vf->grid[g].gamma, vf->grid_ap[g]);
    return ok && fj__buf_append(b, "]}", 2);
}

static char *json_metrics(const fj__part *pt, const part_info *pi, const tdata *t,
                          const view_fit *va, const view_fit *vt, double mix, scored *v,
                          const metrics *m, int nsv, double libsvm_diff)
{
    fj_buf b = {0};
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return NULL;
    at_threshold af = eval_at(v, t->n, pt->t_fraud), as = eval_at(v, t->n, pt->t_susp),
                 ah = eval_at(v, t->n, 0.5);
    bool ok =
        fj__buf_printf(&b,
                       "{\"postings\":%zu,\"fraud\":%zu,\"legit\":%zu,\"groups\":%zu,\"folds\":%d,"
                       "\"min_df\":%d,\"max_features\":%zu,"
                       "\"selected\":{\"C\":%.6g,\"gamma\":%.6g},\"grid\":[",
                       t->n, pi->fraud, pi->legit, pi->groups, t->k, pi->min_df, pi->max_features,
                       pt->C, pt->gamma);
    for (int g = 0; ok && g < va->ngrid; g++)
        ok = fj__buf_printf(&b, "%s{\"C\":%.6g,\"gamma\":%.6g,\"pr_auc\":%.4f}", g ? "," : "",
                            va->grid[g].C, va->grid[g].gamma, va->grid_ap[g]);
    ok = ok && fj__buf_printf(&b, "],\"views\":[");
    ok = ok && json_view(&b, va, vt ? mix : 1);
    if (vt)
        ok = ok && fj__buf_append(&b, ",", 1) && json_view(&b, vt, 1 - mix);
    const at_threshold *ats[3] = {&af, &as, &ah};
    const char *names[3] = {"at_fraud_threshold", "at_suspicious_threshold", "at_0.5"};
    ok = ok && fj__buf_printf(&b, "],\"pr_auc\":%.4f,\"roc_auc\":%.4f,\"recall_at_1pct_fpr\":%.4f",
                              m->pr_auc, m->roc_auc, m->recall_at_1fpr);
    for (int i = 0; ok && i < 3; i++)
        ok = fj__buf_printf(&b,
                            ",\"%s\":{\"threshold\":%.4f,\"precision\":%.4f,\"recall\":%.4f,"
                            "\"f1\":%.4f,\"tp\":%zu,\"fp\":%zu,\"fn\":%zu}",
                            names[i], ats[i]->threshold, ats[i]->precision, ats[i]->recall,
                            ats[i]->f1, ats[i]->tp, ats[i]->fp, ats[i]->fn);
    ok = ok && fj__buf_printf(&b, ",\"support_vectors\":%d", nsv);
    if (ok && pt->kernel == FJ_KERNEL_LINEAR)
        ok = fj__buf_printf(&b, ",\"primal_vs_libsvm_max_abs_diff\":%.3g", libsvm_diff);
    ok = ok && fj__buf_append(&b, "}", 1);
    fj__cnum_end(&cn);
    char *norm = ok ? fj__json_normalize(b.data) : NULL;
    fj__buf_free(&b);
    return norm;
}

static fj_status train_part(fj_context *ctx, const fj_dataset *d,
                            const fj_history_stats *const *hist, const size_t *subset, size_t n,
                            const fj_train_params *p, progress *pr, fj__part *pt, fj_error *err)
{
    part_info pi = {0, 0, 0, 0, 0, p->min_df, p->max_features};
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
    report(pr, "features", 1, 1, "%zu postings (%zu fraud, %zu legit): %zu features (%zu dense)", n,
           pi.fraud, pi.legit, pt->fs.n, pt->fs.n_dense);
    /* 2. vectors and folds */
    tdata t = {0};
    st = vectorize_all(ctx, d, hist, subset, n, pt, &t, err);
    if (st != FJ_OK) {
        tdata_free(&t);
        return st;
    }
    t.fold = malloc((n + 1) * sizeof *t.fold);
    if (!t.fold) {
        tdata_free(&t);
        return fj__nomem(err);
    }
    t.k = p->folds;
    pi.groups =
        assign_folds(d, subset, n, t.k, p->seed, t.fold, &pi.fraud_groups, &pi.legit_groups);
    if (pi.groups == 0) {
        tdata_free(&t);
        return fj__nomem(err);
    }
    if (pi.fraud_groups < 2 || pi.legit_groups < 2) {
        tdata_free(&t);
        return fj__errorf(err, FJ_ERR_TRAIN,
                          "part %s: %zu fraud and %zu legit groups: cross-validation needs at "
                          "least 2 of each (postings with one group key count once)",
                          pt->lang, pi.fraud_groups, pi.legit_groups);
    }
    /* 3. the views: grid search, final SVM; 4. their mix, calibration and thresholds */
    double *dec = malloc((n + 1) * sizeof *dec);
    int *yy = malloc((n + 1) * sizeof *yy);
    scored *v = malloc((n + 1) * sizeof *v);
    view_fit va, vt;
    memset(&va, 0, sizeof va);
    memset(&vt, 0, sizeof vt);
    va.name = "all";
    vt.name = "text";
    tdata t2 = {0};
    fj_buf txt = {0};
    if (!dec || !yy || !v) {
        st = fj__nomem(err);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        yy[i] = t.y[i] > 0;
    st = fit_view(&t, pt, p, pr, &va, err);
    if (st != FJ_OK)
        goto out;
    double mix = 1;
    bool two = pt->kernel == FJ_KERNEL_LINEAR && p->text_view && pt->fs.n_dense > 0 &&
               pt->fs.n > pt->fs.n_dense;
    if (two) {
        st = text_only(&t, pt->fs.n_dense, &t2, err);
        if (st == FJ_OK)
            st = fit_view(&t2, pt, p, pr, &vt, err);
        if (st != FJ_OK)
            goto out;
        mix = choose_mix(va.oof + (size_t)va.best * n, vt.oof + (size_t)vt.best * n, yy, n, dec);
    }
    const double *da = va.oof + (size_t)va.best * n;
    for (size_t i = 0; i < n; i++)
        dec[i] = two ? mix * da[i] + (1 - mix) * vt.oof[(size_t)vt.best * n + i] : da[i];
    pt->C = va.grid[va.best].C;
    pt->gamma = pt->kernel == FJ_KERNEL_RBF ? va.grid[va.best].gamma : 0;
    fj__platt_fit(dec, yy, n, &pt->platt_a, &pt->platt_b);
    for (size_t i = 0; i < n; i++)
        v[i] = (scored){fj__part_calibrate(pt, dec[i]), yy[i]};
    metrics m = compute_metrics(v, n); /* sorts v descending */
    choose_thresholds(v, n, p->target_precision, p->target_recall, &pt->t_fraud, &pt->t_susp);
    pt->prior = (double)pi.fraud / (double)n; /* the training mix, the score's base rate */
    {
        at_threshold af = eval_at(v, n, pt->t_fraud);
        report(pr, "calibrate", 1, 1,
               "C=%g%s, mix %.2f: PR-AUC %.4f, ROC-AUC %.4f, recall at 1%% FPR %.4f; fraud "
               "threshold %.3f (precision %.3f, recall %.3f), suspicious from %.3f",
               pt->C, pt->kernel == FJ_KERNEL_RBF ? " (rbf)" : "", two ? mix : 1.0, m.pr_auc,
               m.roc_auc, m.recall_at_1fpr, pt->t_fraud, af.precision, af.recall, pt->t_susp);
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
            double lib = two ? mix * va.lib[i] + (1 - mix) * vt.lib[i] : va.lib[i];
            double gap = fabs(lib - (dot(pt->w, t.x[i]) + pt->b));
            if (!(gap <= diff))
                diff = gap;
        }
        ok = ok && write_collapsed(pt, &txt);
    } else {
        /* libsvm's text model in terms of the features (a precomputed kernel's support
         * vectors are rows of the kernel matrix: write their postings' vectors instead) */
        struct svm_model twin = *va.sm;
        struct svm_node **svs = malloc(((size_t)va.sm->l + 1) * sizeof *svs);
        ok = svs != NULL;
        for (int k = 0; ok && k < va.sm->l; k++)
            ok = (svs[k] = (struct svm_node *)sv_sparse(&t, va.sm, k)) != NULL;
        twin.SV = svs;
        twin.param.kernel_type = RBF;
        twin.param.gamma = pt->gamma;
        ok = ok && fj__svm_write(&twin, &txt);
        free(svs);
    }
    report(pr, "final", 1, 1, "final model: %d support vectors of %zu postings%s%.3g", nsv, n,
           pt->kernel == FJ_KERNEL_LINEAR ? "; primal weights agree with libsvm to " : "",
           pt->kernel == FJ_KERNEL_LINEAR ? diff : 0.0);
    if (ok) {
        pt->cv_json = json_metrics(pt, &pi, &t, &va, two ? &vt : NULL, mix, v, &m, nsv, diff);
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
    fj__buf_free(&txt);
    view_free(&va);
    view_free(&vt);
    free(v);
    free(dec);
    free(yy);
    tdata_free(&t2);
    tdata_free(&t);
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
        progress pr = {p, pt->lang};
        /* the per-language vocabulary settings apply to the zh and en parts; an "all" part
         * (one model for every language) takes the plain ones */
        fj_train_params pp = *p;
        fj_lang lang = l == 0 ? FJ_LANG_ZH : FJ_LANG_EN;
        if (l < 2 && p->min_df_lang[lang] > 0)
            pp.min_df = p->min_df_lang[lang];
        if (l < 2 && p->max_features_lang[lang] > 0)
            pp.max_features = p->max_features_lang[lang];
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
                                p->kernel == FJ_KERNEL_RBF ? "rbf" : "linear", p->C, p->gamma,
                                p->folds, (unsigned long long)p->seed,
                                p->class_weights ? "true" : "false",
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
            ok = ok && fj__buf_printf(&b, "},\"cv_note\":\"metrics of each part are from the "
                                          "grouped cross-validation that selected C; fakejob "
                                          "eval gives nested estimates\"}");
            fj__cnum_end(&cn);
        }
        if (!ok) {
            fj__buf_free(&b);
            st = fj__nomem(err);
            goto out;
        }
        m->training = fj__json_normalize(b.data);
        fj__buf_free(&b);
        if (!m->training) {
            st = fj__nomem(err);
            goto out;
        }
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
                            fj_history_stats **own, unsigned char **own_has, progress *pr,
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
        report(pr, "replay", 1, 1, "replayed %zu dated postings through a fresh history store",
               dated);
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
    progress pr = {&w->p, ""};
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
    progress pr = {p, ""};
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
    if (!assign_folds(d, w.all, n, p->folds, p->seed ^ 0x5bd1e995u, fold, &fg, &lg)) {
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
        report(&pr, "cv", f + 1, p->folds, "outer fold %d/%d: training on %zu, scoring %zu", f + 1,
               p->folds, nt, nh);
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
