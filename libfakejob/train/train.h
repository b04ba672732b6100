/*
 * train/train.h - the training stage's private interface, shared by its files:
 *   train.c       the orchestration: fj_train, fj_cross_validate, one part at a time
 *   folds.c       grouped, class-stratified folds from a seeded generator
 *   grid.c        kernel matrices, the grid search over folds on worker threads, each view's
 *                 final SVM and the mix of the views
 *   thresholds.c  the fraud and suspicious thresholds, chosen on out-of-fold scores
 *   manifest.c    what a bundle records of its training (the manifest's "training" object and
 *                 each part's cross-validated figures)
 * Platt's sigmoid is fitted with model/calibration.c's fj__platt_fit (which scoring applies);
 * every figure comes from metrics.c's public fj_metrics_compute. Not installed.
 */
#ifndef FJ_TRAIN_H
#define FJ_TRAIN_H

#include "model/model.h"

/* ---- progress (train.c) ---- */

/** Where progress reports go: the caller's hook in `p`, tagged with the part's language. */
typedef struct fj__progress {
    const fj_train_params *p;
    const char *part;
} fj__progress;

/** One progress report to the caller's hook (nothing without one). From worker threads the
 *  calls are made under the grid's mutex, one at a time. */
void fj__train_report(fj__progress *pr, const char *stage, int step, int total, const char *fmt,
                      ...) FJ_PRINTF(5, 6);

/* ---- folds (folds.c) ---- */

/** A posting's dataset index with its group key; fj__keyed_cmp orders them by key, then
 *  index (the order folds.c and fj_dataset_group_near group postings in). */
typedef struct fj__keyed {
    const char *key;
    size_t i;
} fj__keyed;
int fj__keyed_cmp(const void *a, const void *b);

/** Assign postings subset[0..n) of `d` (sorted ascending) to k folds: each group
 *  (fj_dataset_group) whole in one fold, groups spread so that each fold gets about as many
 *  fraudulent and legitimate postings, ties broken by a splitmix64 stream from `seed`.
 *  fold[j] is subset[j]'s fold; *fraud_groups and *legit_groups count the groups by majority
 *  label. Returns the number of groups; 0 when out of memory. */
size_t fj__assign_folds(const fj_dataset *d, const size_t *subset, size_t n, int k, uint64_t seed,
                        int *fold, size_t *fraud_groups, size_t *legit_groups);

/* ---- the grid search (grid.c) ---- */

/** The training postings of one part (or of one view of it) in libsvm's form. */
typedef struct fj__tdata {
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
    /* the vectors' dimension: the part's features (nbase), then, when postings of other sources
       are trained on (fj_source_mode), an intercept feature per other source (nbase + s) and
       the copies of source s's features (nbase + nsrc + (s - 1) * nbase + j); only the first
       nbase weights are the model's */
    size_t nfeat, nbase;
    int nsrc;
    const unsigned char *src; /* [n]: each posting's source (0: reference), or NULL: all 0;
                                 borrowed */
} fj__tdata;

/** Posting i of `t` is of the reference source (selection and calibration are fitted on
 *  those alone). */
static inline bool fj__tdata_ref(const fj__tdata *t, size_t i)
{
    return !t->src || t->src[i] == 0;
}

/** Free what `t` holds and zero it. */
void fj__tdata_free(fj__tdata *t);

/** One point of the grid. */
typedef struct fj__setting {
    double C, gamma;
} fj__setting;

/* A linear part is trained on two views of the same feature vectors: "all" the features, and
 * the "text" features alone (the TF-IDF block: n-grams, typed tokens, the parts of location
 * and employment type; without the dense signals and metadata facts). Each view has its own C;
 * their out-of-fold margins are mixed (mix * all + (1 - mix) * text) with the mix of lowest
 * calibrated log loss, and the final weights are the same mix of the two final SVMs' weights:
 * still one linear model, explained feature by feature. The text view keeps the scores of
 * postings whose metadata look unusual (a legitimate posting without logo, profile or
 * screening questions) from resting on a few dense features alone. */
typedef struct fj__view {
    const char *name;
    fj__setting grid[64];
    int ngrid, best;
    double grid_ap[64];   /* each setting's cross-validated PR-AUC (NaN: undefined) */
    double *oof;          /* [ngrid][n] out-of-fold margins */
    double *w, b;         /* linear: the final SVM's primal weights, toward fraud */
    struct svm_model *sm; /* the final SVM (linear: its support vectors are gone with the
                             kernel matrix; only its labels and counts are read) */
    double *lib;          /* linear: the final SVM's decision values (toward fraud) on the
                             training postings, for the check of the mixed primal weights */
} fj__view;

/** Free what `vf` holds (its name and grid stay). */
void fj__view_free(fj__view *vf);

/** `t` without its dense features (indices below n_dense): the text view. */
fj_status fj__text_only(const fj__tdata *t, size_t n_dense, fj__tdata *out, fj_error *err);

/** Grid search on the view's folds (best PR-AUC of the pooled out-of-fold margins, see
 *  fj__grid_best), then the final SVM on every posting at the chosen setting. */
fj_status fj__fit_view(fj__tdata *t, const fj__part *pt, const fj_train_params *p, fj__progress *pr,
                       fj__view *vf, fj_error *err);

/** The index of the best of n cross-validated PR-AUCs: the first one that no later one beats
 *  by more than 1e-12. A NaN (the figure is undefined: the pooled postings hold no fraud) never
 *  wins and never blocks a defined figure; -1 when every figure is NaN. */
int fj__grid_best(const double *ap, int n);

/** The mix of two views' out-of-fold margins (weight of the first, 0..1 in steps of 0.05)
 *  whose Platt calibration has the lowest log loss; ties go to the larger weight. `m` is
 *  scratch space for n margins. */
double fj__choose_mix(const double *a, const double *b, const int *y, size_t n, double *m);

/** w . x over a sparse vector (indices 1-based, as libsvm's). */
double fj__dot(const double *w, const struct svm_node *x);

/** The sparse feature vector of support vector s of a model trained on `t` (a precomputed
 *  row names its posting); NULL when the row names none. */
const struct svm_node *fj__sv_sparse(const fj__tdata *t, const struct svm_model *m, int s);

/* ---- thresholds (thresholds.c) ---- */

/** The floor on the suspicious band's own precision: at least one in three of the postings it
 *  adds to what is flagged (between the suspicious and the fraud thresholds, out of fold) are
 *  fraud; below that a review queue is mostly honest employers. */
#define FJ__BAND_PRECISION (1.0 / 3.0)

/** The fraud and suspicious thresholds from calibrated out-of-fold scores `score` with labels
 *  y (1 fraud, 0 legit), in any order; see thresholds.c. FJ_ERR_NOMEM is the only error. */
fj_status fj__choose_thresholds(const double *score, const int *y, size_t n, double target,
                                double target_recall, double *t_fraud, double *t_susp,
                                fj_error *err);

/* ---- what a bundle records of its training (manifest.c) ---- */

/** What a part was trained on. */
typedef struct fj__part_info {
    size_t groups, fraud_groups, legit_groups, fraud, legit;
    int min_df; /* the vocabulary settings this part was trained with */
    size_t max_features;
    double dense_weight;
    /* other sources (fj_source_mode): how many of the postings are of the reference source
       (the figures are theirs), and the mode; nsrc 0: one source */
    size_t reference;
    int nsrc;
    fj_source_mode source_mode;
} fj__part_info;

/** The figures of a part's calibrated out-of-fold scores: at the fraud threshold, at the
 *  suspicious threshold and at 0.5 (whose ranking figures, PR-AUC, ROC-AUC and recall at 1 %
 *  FPR, are the part's). */
typedef struct fj__part_figures {
    fj_metrics at_fraud, at_susp, at_half;
} fj__part_figures;

/** The part's cross-validated figures as compact JSON (PART.calibration.json's "cv"), malloc'd;
 *  NULL when out of memory. `vt` is the text view, or NULL when there is none. A figure that is
 *  undefined (NaN: nothing flagged at a threshold) is written as null. */
char *fj__part_cv_json(const fj__part *pt, const fj__part_info *pi, size_t n, int folds,
                       const fj__view *va, const fj__view *vt, double mix,
                       const fj__part_figures *fig, int nsv, double libsvm_diff);

/** Append `"key":V` to `b`: V with four decimals, or null when v is NaN (an undefined figure). */
bool fj__json_fig(fj_buf *b, const char *key, double v);

/** Append the object `"name":{"threshold","precision","recall","f1","tp","fp","fn"}` of `m`'s
 *  figures at its threshold (undefined ones null). */
bool fj__json_at_threshold(fj_buf *b, const char *name, const fj_metrics *m);

/** The manifest's "training" object (compact JSON, malloc'd; NULL when out of memory): n
 *  postings, cls[lang][label] (lang 0 zh, 1 en; label 1 fraud), the data description and the
 *  parameters of `p`. */
char *fj__training_json(const fj_train_params *p, size_t n, const size_t cls[2][2]);

#endif /* FJ_TRAIN_H */
