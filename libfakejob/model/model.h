/*
 * model.h - private interface of the model modules: feature spaces (features.c), the model
 * object (model.c), bundles read and written (bundle_load.c, bundle_save.c) with their file
 * formats (textfmt.c, calibration.c, binfmt.c, trainfp.c), scoring (score.c); used by training
 * (train/). Not installed.
 *
 * A model is one to three "parts", one per language ("zh", "en") or one for all ("all"). A part
 * holds its feature space (fj__fspace: the names, idf and scaling of its features, with an
 * open-addressing hash table for lookups), its SVM (primal weights for linear kernels; libsvm's
 * text model, parsed for RBF kernels), its Platt calibration and its verdict thresholds.
 */
#ifndef FJ_MODEL_H
#define FJ_MODEL_H

#include "core/fj_internal.h"
#include "core/sha256.h"

#include <libsvm/svm.h>

/* ---- feature spaces (features.c) ---- */

enum { FJ__FEAT_DENSE = 0, FJ__FEAT_TEXT = 1 };

/* The feature extraction a features file was made for: 1, the first; 2 adds the parts of
 * location and employment_type ("place:", "employment:"). A library reads every format up to
 * its own; an older library refuses a newer file rather than score without its features. */
#define FJ__FEATURES_FORMAT 2

/**
 * A fixed feature space. Features 0..n_dense-1 are dense (signals and "field:" features, value
 * sign(v)*log1p(|v|)/param, clamped to +-FJ__DENSE_CLAMP); the rest are text n-grams (value
 * (1+ln tf)*idf, the text block L2-normalized), param being the idf. Names are unique and
 * NUL-terminated in `names`.
 */
typedef struct fj__fspace {
    size_t n, n_dense;
    char *names; /* arena of NUL-terminated names */
    size_t names_len;
    uint32_t *name_off;  /* [n] */
    uint32_t *name_len;  /* [n] */
    double *param;       /* [n]: dense scale or text idf */
    uint64_t *slot_hash; /* [mask + 1] */
    uint32_t *slot_idx;  /* [mask + 1]: feature index + 1, 0 = empty */
    size_t mask;
    fj_segmentation seg; /* how the part's Han text is tokenized (manifest "segmentation") */
} fj__fspace;

#define FJ__DENSE_CLAMP 2.0

void fj__fspace_free(fj__fspace *fs);
/** The feature called `name`, or -1. */
long fj__fspace_find(const fj__fspace *fs, const char *name, size_t len);
/** Serialize as the PART.features.tsv format. */
bool fj__fspace_write(const fj__fspace *fs, fj_buf *out);
/** Parse PART.features.tsv from memory; FJ_ERR_MODEL naming `file` and line on any defect. */
fj_status fj__fspace_parse(fj__fspace *fs, const char *data, size_t len, const char *file,
                           fj_error *err);

/** One nonzero entry of a feature vector, with the evidence of its first occurrence. */
typedef struct fj__entry {
    uint32_t idx;
    double val;
    int32_t field;  /* text: the posting field of the first occurrence; dense: -1 */
    uint32_t start; /* text: byte span in that field; dense: span in the vector's evbuf */
    uint32_t end;
    uint32_t tf; /* text: occurrences */
} fj__entry;

/** A sparse feature vector, sorted by index (fj__vectorize). Zero-init; reusable; free with
 *  fj__vec_free. */
typedef struct fj__vec {
    fj__entry *e;
    size_t n, cap;
    int32_t *pos; /* [pos_cap]: feature index -> entry, -1 when absent */
    size_t pos_cap;
    fj_buf evbuf; /* evidence of dense features (signals), copied */
    fj_lang lang;
} fj__vec;

void fj__vec_free(fj__vec *v);

/**
 * Vectorize a posting in feature space `fs`: the tokens, "field:" features of its metadata and
 * the signals (with `hist`), all read from the posting's analysis (text/analysis.h, built here).
 * The same code serves training and scoring, so both see exactly the same features.
 */
fj_status fj__vectorize(fj_context *ctx, const fj__fspace *fs, const fj_posting *p,
                        const fj_history_stats *hist, fj__vec *v, fj_error *err);
/** fj__vectorize over the posting's analysis (text/analysis.h), as fj_score calls it; the
 *  entries are sorted by index only when `sort` (libsvm needs it; a primal dot product does not:
 *  then they are in order of first occurrence). */
struct fj__analysis;
fj_status fj__vectorize_an(fj_context *ctx, const fj__fspace *fs, const struct fj__analysis *an,
                           const fj_history_stats *hist, bool sort, fj__vec *v, fj_error *err);

/** Collects the feature names of training postings and their document frequencies. */
typedef struct fj__fbuilder fj__fbuilder;
fj_status fj__fbuilder_new(fj__fbuilder **out, fj_error *err);
void fj__fbuilder_free(fj__fbuilder *b);
/** Tokenize the Han text of the postings added from now on with `seg` (default
 *  FJ_SEG_DICTIONARY); fj__fbuilder_finish records it in the feature space. */
void fj__fbuilder_segment(fj__fbuilder *b, fj_segmentation seg);
fj_status fj__fbuilder_add(fj__fbuilder *b, fj_context *ctx, const fj_posting *p,
                           const fj_history_stats *hist, fj_error *err);
/** The feature space: dense features that ever fired, text features in at least `min_df`
 *  postings (the `max_features` most frequent; ties by name). */
fj_status fj__fbuilder_finish(fj__fbuilder *b, int min_df, size_t max_features, fj__fspace *fs,
                              fj_error *err);

/* ---- datasets (dataset.c) ---- */

/** Replay the dataset's dated postings through a fresh in-memory history store into
 *  caller-owned arrays of fj_dataset_size(d) entries (has[i]: hist[i] is set). */
fj_status fj__dataset_replay(const fj_dataset *d, fj_history_stats *hist, unsigned char *has,
                             fj_error *err);

/* ---- near-copies (neardup.c) ---- */

/** Every pair of postings (i < j) whose word 3-shingle Jaccard similarity is >= t, found
 *  exactly: a malloc'd array of 2 * *npairs indices, sorted, that the caller frees. */
fj_status fj__near_pairs(const fj_dataset *d, double t, size_t **pairs, size_t *npairs,
                         fj_error *err);

/* ---- models (model.c, bundle_load.c, bundle_save.c) ---- */

/* The newest bundle format this library reads. A bundle is written in the oldest format that
 * holds it: 1, unless a part's Han segmentation is not the dictionary's (2: a library that
 * reads only format 1 would score such a part with the wrong words, so it must refuse it). */
#define FJ__BUNDLE_FORMAT 2
#define FJ__MAX_PARTS 3
/** The largest |weight| (and |bias|) a bundle may hold: trained weights are below 10 (features
 *  are scaled to about +-2 and C is at most a few hundred); a larger one is a damaged or forged
 *  bundle, refused at load, so that the margin stays finite (|margin| <= 1e6 * (2 * n_dense +
 *  sqrt(n_text) + 1)). */
#define FJ__MAX_WEIGHT 1e6
/** The largest idf a text feature may have: a real one is ln((1 + docs) / (1 + df)) + 1, below
 *  20 for any corpus; a larger one could overflow the L2 norm of a posting's text block. */
#define FJ__MAX_IDF 1e6

typedef struct fj__part {
    char lang[4]; /* "zh", "en", "all" */
    fj__fspace fs;
    fj_kernel kernel;
    double C, gamma;
    double *w; /* [fs.n] linear primal weights (NULL for RBF) */
    void *map; /* a part loaded from PART.model.bin: the mapping fs and w point
                  into (read-only, unmapped by fj__part_free); else NULL */
    size_t map_len;
    double b;              /* margin = w.x + b, positive toward fraud */
    struct svm_model *svm; /* RBF: parsed libsvm model (owned, fj__svm_free); else NULL */
    double sign;           /* +1 when libsvm's first label is fraud, else -1 */
    char *svm_text;        /* PART.svm.model bytes (NULL for a loaded linear part: see svm_src) */
    size_t svm_len;
    char *svm_src;           /* a loaded linear part: the bundle folder its svm.model is read from
                                (lazily, by fj_model_save; scoring does not need it) */
    char svm_sha[65];        /* … and that file's SHA-256 from the manifest */
    double platt_a, platt_b; /* P(fraud) = 1 / (1 + exp(a * margin + b)) */
    double t_fraud, t_susp;
    double prior;  /* the fraud rate of the part's training postings (0: not recorded) */
    char *cv_json; /* the part's cross-validated metrics as a JSON object text (or NULL) */
    /* the platform route (FJ_SOURCE_ROUTE): the part that scores, instead of this one, the
       postings carrying the platform's activity metadata (fj__posting_platform), trained on
       every posting of the language (pooled) while this one is trained on the reference
       source's alone; owned. NULL: every posting is scored by this part. */
    struct fj__part *route;
} fj__part;

/** Whether a posting carries the platform's activity metadata, the rule of the platform route:
 *  both `applicants` and `response_rate` present (what `fakejob import orfd` fills from
 *  applyNum and resumeReadPercent; a job board shows them, a hand-written posting rarely). */
bool fj__posting_platform(const fj_posting *p);

/** The part that scores posting `p` in part `pt`: its platform route when it has one and the
 *  posting carries the platform metadata, else `pt` itself. */
static inline const fj__part *fj__part_routed(const fj__part *pt, const fj_posting *p)
{
    return pt->route && fj__posting_platform(p) ? pt->route : pt;
}

struct fj_model {
    char *name, *version, *display;
    char *created;  /* ISO 8601 */
    char *training; /* the manifest's "training" object as JSON text */
    char *manifest; /* the whole manifest as written/read */
    int nparts;
    fj__part part[FJ__MAX_PARTS];
    uint64_t *train_fp; /* sorted one-way hashes of the training postings' content fingerprints
                           (fj__train_fp_key), or NULL when the bundle has none */
    size_t n_train_fp;
};

/** The largest bundle file read or mapped. */
#define FJ__MAX_FILE_BYTES ((size_t)1 << 31)

/** "linear" or "rbf". */
const char *fj__kernel_name(fj_kernel k);
/** The part scoring postings of `lang`: its own, else "all", else the first. */
const fj__part *fj__model_route(const fj_model *m, fj_lang lang);
void fj__part_free(fj__part *pt);
/** fj_model_load from the text files only, even when the bundle has the binary form (tests
 *  compare the two). */
fj_status fj__model_load_text(fj_model **out, const char *dir, fj_error *err);
/** Build the manifest text of a model (sets m->manifest); called after training and by save. */
fj_status fj__model_build_manifest(fj_model *m, fj_error *err);

/* ---- bundle files (bundle_load.c, bundle_save.c, textfmt.c, calibration.c) ---- */

/** Open a bundle file for reading: non-blocking (a FIFO cannot hang the loader), a regular
 *  file, of the size the manifest gives (`expect`; SIZE_MAX: any size up to 16 MiB) checked
 *  before anything is read; FJ_ERR_IO / FJ_ERR_MODEL naming `path`. The caller closes *fd. */
fj_status fj__bundle_open(const char *path, size_t expect, int *fd, size_t *size, fj_error *err);
/** Read dir/name, its size checked before and its SHA-256 (lowercase hex `sum`) after. */
fj_status fj__bundle_read_checked(const char *dir, const char *name, const char *sum, size_t bytes,
                                  char **data, size_t *len, fj_error *err);
/** PART.weights.tsv of a linear part, written and parsed (weights and bias within
 *  +-FJ__MAX_WEIGHT; FJ_ERR_MODEL naming `file` and line). */
bool fj__weights_write(const fj__part *pt, fj_buf *out);
fj_status fj__weights_parse(fj__part *pt, const char *data, size_t len, const char *file,
                            fj_error *err);
/** PART.calibration.json, written (NULL on failure, `err` set) and parsed into the part's
 *  kernel, C, gamma, Platt a and b, thresholds and cross-validated metrics. */
char *fj__calibration_text(const fj__part *pt, fj_error *err);
fj_status fj__calibration_parse(fj__part *pt, const char *data, size_t len, const char *file,
                                fj_error *err);

/** Write a 2-class libsvm model in svm-predict's text format (values to 17 digits). */
bool fj__svm_write(const struct svm_model *svm, fj_buf *out);
/** A linear part's primal weights (pt->w, pt->b) as libsvm's text model in collapsed form: one
 *  support vector equal to the weights, coefficient 1, rho = -b. False when out of memory. */
bool fj__svm_write_collapsed(const fj__part *pt, fj_buf *out);
/** Parse libsvm's text model format defensively (2-class C-SVC, linear or RBF only), building
 *  an svm_model that fj__svm_free releases; FJ_ERR_MODEL naming `file` and line otherwise. */
fj_status fj__svm_parse(struct svm_model **out, const char *data, size_t len, const char *file,
                        fj_error *err);
void fj__svm_free(struct svm_model *svm);

/** Locale-independent number formatting and parsing ("C" numeric locale for this thread). */
typedef struct fj__cnum {
    void *c, *old;
} fj__cnum;
bool fj__cnum_begin(fj__cnum *cn);
void fj__cnum_end(fj__cnum *cn);
/** strtod for the C locale (call between fj__cnum_begin and fj__cnum_end), several times
 *  faster for plain decimals of up to 19 significant digits (the model files' numbers), with
 *  the same correctly rounded result; `*end` as strtod's. */
double fj__parse_double(const char *s, const char **end);
/** JSON text re-serialized the way bundles store it (compact, sorted keys, 10 digits), in a
 *  malloc'd string; NULL for invalid JSON or no memory. */
char *fj__json_normalize(const char *text);

/* ---- the binary form of a part (binfmt.c) ---- */

/** A 64-bit hash of `len` bytes (4 lanes of multiply-xorshift steps, about 10 GB/s): the
 *  checksum of binary bundle files. Not cryptographic: it detects corruption, not forgery. */
uint64_t fj__hash64(const void *data, size_t len, uint64_t seed);
/** Whether this host writes and reads PART.model.bin (little-endian hosts only). */
bool fj__bin_supported(void);
/** A part's feature space and weights viewed in a validated PART.model.bin image. */
typedef struct fj__bin_view {
    fj__fspace fs; /* pointers into the image: never freed */
    double *w;     /* NULL for RBF parts */
    double b;
    void *map; /* fj__bin_map: the mapping to release with fj__bin_unmap */
    size_t map_len;
} fj__bin_view;
/** Serialize a part (feature space, hash table, weights) as PART.model.bin into `out`. */
fj_status fj__bin_write(const fj__part *pt, fj_buf *out, fj_error *err);
/** Validate an image of `len` bytes (size, checksum, then every offset, index and number)
 *  and fill `v` pointing into it; FJ_ERR_MODEL naming `file` on any defect, FJ_ERR_VERSION
 *  for a newer version or a table of another hash function. */
fj_status fj__bin_check(const unsigned char *img, size_t len, fj_kernel kernel, const char *file,
                        fj__bin_view *v, fj_error *err);
/** Map `path` read-only after checking its size is `want` (the manifest's), then
 *  fj__bin_check it. */
fj_status fj__bin_map(const char *path, size_t want, fj_kernel kernel, fj__bin_view *v,
                      fj_error *err);
void fj__bin_unmap(void *map, size_t len);

/* ---- training fingerprints (trainfp.c) ---- */

/** The one-way key stored for a training posting's content fingerprint (`exact`). */
uint64_t fj__train_fp_key(uint64_t exact);
/** Fingerprint postings subset[0..n) of `d` into m->train_fp (sorted, unique keys). */
fj_status fj__train_fp_collect(fj_model *m, fj_context *ctx, const fj_dataset *d,
                               const size_t *subset, size_t n, fj_error *err);
/** Serialize m->train_fp as training.fingerprints. */
bool fj__train_fp_write(const fj_model *m, fj_buf *out);
/** Parse training.fingerprints into m->train_fp; FJ_ERR_MODEL naming `file` on any defect. */
fj_status fj__train_fp_parse(fj_model *m, const char *data, size_t len, const char *file,
                             fj_error *err);

/* ---- scoring (score.c) ---- */

/** The margin of a vector in a part (primal dot product, or libsvm for RBF). */
double fj__part_margin(const fj__part *pt, const fj__vec *v, struct svm_node **nodes,
                       size_t *nodes_cap, bool *nomem);
/** Platt calibration of a margin (calibration.c). */
double fj__part_calibrate(const fj__part *pt, double margin);
/** The calibrated log-odds of fraud for a margin at the training mix: logit(fj__part_calibrate). */
double fj__part_logodds(const fj__part *pt, double margin);
fj_verdict fj__verdict_of(double score, double t_fraud, double t_susp);

/* ---- what reasons mean (reasons.c) ---- */

/** The kinds of reason: a red flag, an absence (merged into FJ__MISSING_INFORMATION), a fact
 *  of the metadata, a text n-gram. */
enum { FJ__REASON_FLAG, FJ__REASON_ABSENCE, FJ__REASON_META, FJ__REASON_TEXT };
/** The name of the one reason the absences of a posting are merged into. */
#define FJ__MISSING_INFORMATION "missing_information"
/** The kind of the feature `name` (len bytes); *canonical (optional) gets the name of the fact
 *  it states, static: the one it repeats under another name ("field:telecommuting":
 *  "telecommuting"), else its own name when the label table has it by name; NULL for the
 *  features labelled by kind (n-grams, meta buckets). */
int fj__reason_kind(const char *name, size_t len, const char **canonical);
/** false for a text n-gram ("word:", "title:", "bigram:", "pair:", "place:", "employment:") a
 *  word of which says nothing (one character, a stop word, markup residue, a Han fragment
 *  around a particle), and for "token:num", a bare number; true for every other feature. */
bool fj__reason_informative(const char *name, size_t len);
/* Whether reasons.c's stop words are in the order its binary search needs (tests). */
bool fj__reason_stop_words_sorted(void);
/** true when the label table has an entry for `signal` (not the fallback label). */
bool fj__reason_label_known(const char *signal);

/* ---- training helpers, also used by train/clauses_train.c ---- */

/** A silent print hook for libsvm (its output never reaches the caller's terminal); in
 *  train/grid.c. */
void fj__svm_silence(void);
/** Platt's sigmoid P = 1 / (1 + exp(A f + B)) fitted to decision values `dec` with labels y
 *  (1 positive, 0 negative); returns the regularized log loss (calibration.c). */
double fj__platt_fit(const double *dec, const int *y, size_t n, double *A, double *B);

#endif /* FJ_MODEL_H */
