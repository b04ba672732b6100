/*
 * grid.c - the grid search of one view of a part's postings, and its final SVM (libsvm C-SVC).
 *
 * For each C (and gamma for RBF) of the grid, an SVM is trained on every fold but one and the
 * held-out fold's margins are kept; the setting whose pooled out-of-fold margins have the best
 * PR-AUC (metrics.c's fj_metrics_compute; an undefined one never wins, see fj__grid_best) is
 * chosen, and the view's final SVM is trained on every posting at it. The kernel matrix of the
 * view's postings is computed once (libsvm's PRECOMPUTED kernel) and serves every fold and
 * setting, up to PRECOMPUTED_MAX_N postings. The folds of the grid run on worker threads; each
 * job is independent and writes its own slice of the results, so the model does not depend on
 * scheduling. A linear view's final SVM is collapsed into primal weights (fj__view.w).
 */
#include "train/train.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void silent(const char *s)
{
    (void)s;
}

void fj__svm_silence(void)
{
    svm_set_print_string_function(silent);
}

/* The precomputed kernel is used up to this many postings per part (n^2 * 16 bytes: 2 GiB);
 * beyond, libsvm computes kernels from the sparse vectors itself (slower, less memory). */
#define PRECOMPUTED_MAX_N 11500u

void fj__tdata_free(fj__tdata *t)
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
    fj__tdata *t;
    size_t nfeat;
    int stride, first;
    bool nomem;
} gram_job;

static void gram_store(fj__tdata *t, size_t i, size_t j, double v)
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
    fj__tdata *t = g->t;
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

static fj_status build_gram(fj__tdata *t, fj_kernel kernel, size_t nfeat, const fj_train_params *p,
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
static void fill_rbf(fj__tdata *t, double gamma)
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

typedef struct job_ctx {
    const fj__tdata *t;
    const fj__part *pt; /* kernel */
    const fj_train_params *p;
    const fj__setting *grid;
    int ngrid, g_from, g_to; /* the settings of this run */
    double *oof;             /* [ngrid][n] */
    int *label;              /* [n]: 1 fraud, 0 legit (the labels metrics.c reads) */
    const char *view;        /* the view's name, for progress */
    size_t fold_size[100];
    pthread_mutex_t mu;
    int next, done, total;
    int grid_done[64];
    fj_status st;
    char errmsg[256];
    fj__progress *pr;
} job_ctx;

static void set_params(struct svm_parameter *prm, fj_kernel kernel, bool precomputed, fj__setting s,
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
const struct svm_node *fj__sv_sparse(const fj__tdata *t, const struct svm_model *m, int s)
{
    if (!t->precomputed)
        return m->SV[s];
    size_t serial = (size_t)m->SV[s][0].value;
    return serial >= 1 && serial <= t->n ? t->x[serial - 1] : NULL;
}

/* The primal weights of a trained linear model (indices 0-based), oriented toward fraud. */
static void collapse(const fj__tdata *t, const struct svm_model *m, size_t nfeat, double *w,
                     double *b)
{
    memset(w, 0, nfeat * sizeof *w);
    double sign = m->label[0] == 1 ? 1 : -1;
    for (int i = 0; i < m->l; i++) {
        double c = m->sv_coef[0][i];
        const struct svm_node *x = fj__sv_sparse(t, m, i);
        for (; x && x->index != -1; x++)
            if (x->index >= 1 && (size_t)x->index <= nfeat)
                w[x->index - 1] += c * x->value;
    }
    for (size_t j = 0; j < nfeat; j++)
        w[j] *= sign;
    *b = -m->rho[0] * sign;
}

double fj__dot(const double *w, const struct svm_node *x)
{
    double s = 0;
    for (; x->index != -1; x++)
        s += w[x->index - 1] * x->value;
    return s;
}

/* The margin (toward fraud) of posting i under an RBF model trained on `t`. */
static double rbf_margin(const fj__tdata *t, const struct svm_model *m, size_t i)
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
    const fj__tdata *t = jc->t;
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
                    out[i] = fj__dot(w, t->x[i]) + b;
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

/* The PR-AUC of setting g's pooled out-of-fold margins (metrics.c's), in *ap; NaN when it is
 * undefined (no fraud among the postings). An error (no memory; a margin that is not a finite
 * number, as from a diverged solver) leaves *ap NaN. */
static fj_status grid_pr_auc(const job_ctx *jc, int g, double *ap, fj_error *err)
{
    fj_metrics m;
    const fj__tdata *t = jc->t;
    const double *oof = jc->oof + (size_t)g * t->n;
    const int *label = jc->label;
    size_t n = t->n;
    double *rs = NULL;
    int *rl = NULL;
    if (t->src) { /* the reference postings' margins alone */
        rs = malloc((n + 1) * sizeof *rs);
        rl = malloc((n + 1) * sizeof *rl);
        if (!rs || !rl) {
            free(rs);
            free(rl);
            *ap = NAN;
            return fj__nomem(err);
        }
        size_t r = 0;
        for (size_t i = 0; i < n; i++)
            if (fj__tdata_ref(t, i)) {
                rs[r] = oof[i];
                rl[r++] = label[i];
            }
        oof = rs;
        label = rl;
        n = r;
    }
    fj_status st = fj_metrics_compute(oof, label, NULL, n, 0, &m, err);
    *ap = st == FJ_OK ? m.pr_auc : NAN;
    free(rs);
    free(rl);
    return st;
}

/* A PR-AUC for a progress message: four decimals, or "undefined". */
static const char *ap_text(double ap, char *buf, size_t size)
{
    if (isnan(ap))
        return "undefined";
    snprintf(buf, size, "%.4f", ap);
    return buf;
}

int fj__grid_best(const double *ap, int n)
{
    int best = -1;
    for (int g = 0; g < n; g++) {
        /* an undefined PR-AUC (NaN) is skipped here explicitly: it would compare false both
         * ways, and a setting nothing was measured for must not be chosen by default */
        if (isnan(ap[g]))
            continue;
        if (best < 0 || ap[g] > ap[best] + 1e-12)
            best = g;
    }
    return best;
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
            st = run_job(jc, g, f, jc->t->nfeat, msg, sizeof msg);
        pthread_mutex_lock(&jc->mu);
        if (st != FJ_OK && jc->st == FJ_OK) {
            jc->st = st;
            snprintf(jc->errmsg, sizeof jc->errmsg, "%s", msg);
        }
        jc->done++;
        if (st == FJ_OK && jc->fold_size[f] > 0) {
            if (jc->pt->kernel == FJ_KERNEL_RBF)
                fj__train_report(jc->pr, "fold", jc->done, jc->total,
                                 "%s: C=%g gamma=%g fold %d/%d: %s", jc->view, jc->grid[g].C,
                                 jc->grid[g].gamma, f + 1, jc->t->k, msg);
            else
                fj__train_report(jc->pr, "fold", jc->done, jc->total, "%s: C=%g fold %d/%d: %s",
                                 jc->view, jc->grid[g].C, f + 1, jc->t->k, msg);
        }
        if (st == FJ_OK && ++jc->grid_done[g] == jc->t->k && jc->p->progress) {
            /* for the report only: fj__fit_view computes and checks the figures it selects on */
            double ap;
            char buf[32];
            grid_pr_auc(jc, g, &ap, NULL);
            const char *apt = ap_text(ap, buf, sizeof buf);
            if (jc->pt->kernel == FJ_KERNEL_RBF)
                fj__train_report(jc->pr, "grid", g + 1, jc->ngrid,
                                 "%s: C=%g gamma=%g: cross-validated PR-AUC %s", jc->view,
                                 jc->grid[g].C, jc->grid[g].gamma, apt);
            else
                fj__train_report(jc->pr, "grid", g + 1, jc->ngrid,
                                 "%s: C=%g: cross-validated PR-AUC %s", jc->view, jc->grid[g].C,
                                 apt);
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

void fj__view_free(fj__view *vf)
{
    free(vf->oof);
    free(vf->w);
    free(vf->lib);
    if (vf->sm)
        svm_free_and_destroy_model(&vf->sm);
    vf->oof = vf->w = vf->lib = NULL;
}

/* Free the precomputed kernel matrix of `t` (libsvm then needs its sparse vectors). */
static void drop_kernel(fj__tdata *t)
{
    free(t->kpool);
    free(t->xk);
    t->kpool = NULL;
    t->xk = NULL;
    t->precomputed = false;
}

/* Whether feature `index` (1-based) of `t` belongs to the text view: a text feature, a source's
 * intercept, or a source's copy of a text feature. */
static bool is_text(const fj__tdata *t, size_t n_dense, int index)
{
    size_t j = (size_t)index;
    if (j <= t->nbase || !t->nbase)
        return j > n_dense;
    if (j <= t->nbase + (size_t)t->nsrc)
        return true;
    return (j - t->nbase - (size_t)t->nsrc - 1) % t->nbase + 1 > n_dense;
}

/* `t` without its dense features (indices below n_dense): the text view. */
fj_status fj__text_only(const fj__tdata *t, size_t n_dense, fj__tdata *out, fj_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < t->n; i++)
        for (const struct svm_node *x = t->x[i]; x->index != -1; x++)
            total += is_text(t, n_dense, x->index);
    out->n = t->n;
    out->k = t->k;
    out->nfeat = t->nfeat;
    out->nbase = t->nbase;
    out->nsrc = t->nsrc;
    out->src = t->src;
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
            if (is_text(t, n_dense, x->index)) {
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
static int make_grid(const fj__tdata *t, fj_kernel kernel, const fj_train_params *p,
                     fj__setting *grid)
{
    static const double linear_C[] = {0.03, 0.1, 0.3, 1, 3, 10, 30};
    static const double rbf_C[] = {0.3, 1, 3, 10, 30};
    static const double rbf_g[] = {0.25, 1, 4};
    double g0 = t->mean_sq_norm > 0 ? 1.0 / t->mean_sq_norm : 1;
    int ngrid = 0;
    if (kernel == FJ_KERNEL_LINEAR) {
        if (p->C > 0)
            grid[ngrid++] = (fj__setting){p->C, 0};
        else
            for (size_t i = 0; i < sizeof linear_C / sizeof *linear_C; i++)
                grid[ngrid++] = (fj__setting){linear_C[i], 0};
    } else {
        size_t nc = p->C > 0 ? 1 : sizeof rbf_C / sizeof *rbf_C;
        size_t ng = p->gamma > 0 ? 1 : sizeof rbf_g / sizeof *rbf_g;
        /* gamma-major: the settings of one gamma share one precomputed kernel */
        for (size_t j = 0; j < ng; j++)
            for (size_t i = 0; i < nc; i++)
                grid[ngrid++] = (fj__setting){p->C > 0 ? p->C : rbf_C[i],
                                              p->gamma > 0 ? p->gamma : rbf_g[j] * g0};
    }
    return ngrid;
}

/* Grid search on the view's folds (best PR-AUC of the pooled out-of-fold margins), then the
 * final SVM on every posting at the chosen setting. */
fj_status fj__fit_view(fj__tdata *t, const fj__part *pt, const fj_train_params *p, fj__progress *pr,
                       fj__view *vf, fj_error *err)
{
    size_t n = t->n;
    vf->ngrid = make_grid(t, pt->kernel, p, vf->grid);
    fj_status st = FJ_OK;
    if (n <= PRECOMPUTED_MAX_N) {
        st = build_gram(t, pt->kernel, t->nfeat, p, err);
        if (st != FJ_OK)
            return st;
        fj__train_report(pr, "gram", 1, 1, "view %s: kernel matrix of %zu postings computed",
                         vf->name, n);
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
    jc.label = malloc((n + 1) * sizeof *jc.label);
    if (!jc.oof || !jc.label) {
        free(jc.label);
        return fj__nomem(err);
    }
    for (size_t i = 0; i < n; i++)
        jc.label[i] = t->y[i] > 0;
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
    for (int g = 0; g < vf->ngrid && st == FJ_OK; g++) {
        st = grid_pr_auc(&jc, g, &vf->grid_ap[g], err);
        if (st == FJ_ERR_ARGUMENT) /* a margin that is not a finite number */
            st = fj__errorf(err, FJ_ERR_TRAIN,
                            "part %s, view %s, C=%g: an out-of-fold margin is not a finite number",
                            pt->lang, vf->name, vf->grid[g].C);
    }
    free(jc.label);
    if (st != FJ_OK)
        return st;
    vf->best = fj__grid_best(vf->grid_ap, vf->ngrid);
    if (vf->best < 0)
        return fj__errorf(err, FJ_ERR_TRAIN,
                          "part %s, view %s: the cross-validated PR-AUC is undefined at every "
                          "setting (no fraudulent posting among the folds)",
                          pt->lang, vf->name);
    fj__train_report(pr, "view", 1, 1, "view %s: C=%g, cross-validated PR-AUC %.4f", vf->name,
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
        vf->w = malloc((t->nfeat + 1) * sizeof *vf->w);
        vf->lib = malloc((n + 1) * sizeof *vf->lib);
        if (!vf->w || !vf->lib)
            return fj__nomem(err);
        collapse(t, vf->sm, t->nfeat, vf->w, &vf->b);
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
double fj__choose_mix(const double *a, const double *b, const int *y, size_t n, double *m)
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
