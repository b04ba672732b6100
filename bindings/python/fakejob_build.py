"""Build the cffi extension ``fakejob._native`` (API mode) against libfakejob.

Two ways to run it:

* by setuptools (``setup.py`` names it in ``cffi_modules``), for
  ``python3 -m pip install --no-index --no-build-isolation bindings/python``: the library is found
  with ``pkg-config libfakejob`` (set ``PKG_CONFIG_PATH`` for a non-standard prefix), or with
  ``FAKEJOB_INCLUDE_DIR`` and ``FAKEJOB_LIB_DIR`` when pkg-config does not know it;
* by ``make`` in a build tree::

      python3 fakejob_build.py --include SRCDIR/libfakejob --libdir BUILDDIR/.libs \\
          --outdir BUILDDIR/bindings/python

  which compiles the extension against the uninstalled library (with an rpath to it) and puts
  the package (the ``.py`` files copied from the source tree and the extension) in
  ``OUTDIR/fakejob``, so that ``PYTHONPATH=OUTDIR`` imports it.
"""

import argparse
import glob
import os
import shlex
import shutil
import subprocess
import sys

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))

# The part of fakejob.h the bindings use. Structs end in "...;" so that the C compiler, not this
# file, decides their layout; the enums' values come from the header too.
CDEF = r"""
typedef enum fj_status {
    FJ_OK, FJ_ERR_ARGUMENT, FJ_ERR_NOMEM, FJ_ERR_INPUT, FJ_ERR_LIMIT, FJ_ERR_IO, FJ_ERR_MODEL,
    FJ_ERR_VERSION, FJ_ERR_HISTORY, FJ_ERR_TRAIN, FJ_ERR_INTERNAL, ...
} fj_status;

typedef struct fj_error {
    fj_status status;
    char field[...];
    long long offset;
    long long line;
    char message[...];
    ...;
} fj_error;

#define FJ_MAX_POSTING_BYTES ...
#define FJ_MAX_FIELD_BYTES ...
#define FJ_MAX_TOKENS ...

const char *fj_version(void);
const char *fj_status_name(fj_status status);
void fj_error_clear(fj_error *err);

typedef int... fj_field;
typedef enum fj_lang { FJ_LANG_AUTO, FJ_LANG_ZH, FJ_LANG_EN, ... } fj_lang;
typedef enum fj_label { FJ_LABEL_NONE, FJ_LABEL_LEGIT, FJ_LABEL_FRAUD, ... } fj_label;
const char *fj_field_name(fj_field field);
const char *fj_lang_name(fj_lang lang);

typedef struct fj_posting fj_posting;
fj_status fj_posting_new(fj_posting **out, fj_error *err);
void fj_posting_free(fj_posting *p);
fj_status fj_posting_parse_json(fj_posting *p, const char *json, size_t len, fj_error *err);
fj_status fj_parse_iso8601(const char *s, size_t len, int64_t *out, fj_error *err);

typedef struct fj_context fj_context;
fj_status fj_context_new(fj_context **out, fj_error *err);
void fj_context_free(fj_context *ctx);
void fj_context_set_now(fj_context *ctx, int64_t epoch_seconds);

typedef int... fj_token_kind;
typedef struct fj_token {
    const char *text;
    uint32_t len;
    uint16_t kind;
    uint16_t field;
    uint32_t start;
    uint32_t end;
    ...;
} fj_token;
const char *fj_token_kind_name(fj_token_kind kind);
fj_status fj_normalize(fj_context *ctx, const char *utf8, size_t len, const char **out,
                       size_t *out_len, fj_error *err);
fj_status fj_tokenize_text(fj_context *ctx, const char *utf8, size_t len,
                           const fj_token **tokens, size_t *count, fj_error *err);
fj_status fj_tokenize_posting(fj_context *ctx, const fj_posting *p, const fj_token **tokens,
                              size_t *count, fj_error *err);
fj_lang fj_detect_lang(const char *utf8, size_t len);

typedef struct fj_history fj_history;
typedef struct fj_history_stats {
    int64_t seen_before;
    int64_t distinct_companies;
    int64_t first_seen;
    int64_t last_seen;
    ...;
} fj_history_stats;
fj_status fj_history_open(fj_history **out, const char *path, fj_error *err);
fj_status fj_history_open_key(fj_history **out, const char *path, const char *key_file,
                              fj_error *err);
void fj_history_close(fj_history *h);
fj_status fj_history_query(fj_history *h, fj_context *ctx, const fj_posting *p,
                           fj_history_stats *out, fj_error *err);
fj_status fj_history_record(fj_history *h, fj_context *ctx, const fj_posting *p, fj_error *err);
fj_status fj_history_observe(fj_history *h, fj_context *ctx, const fj_posting *p,
                             fj_history_stats *out, fj_error *err);
fj_status fj_history_forget_before(fj_history *h, int64_t before, int64_t *removed,
                                   fj_error *err);

typedef struct fj_signal {
    const char *name;
    double value;
    const char *evidence;
    size_t evidence_len;
    int field;
    ...;
} fj_signal;
fj_status fj_signals(fj_context *ctx, const fj_posting *p, const fj_history_stats *hist,
                     const fj_signal **signals, size_t *count, fj_error *err);
size_t fj_signal_count(void);
const char *fj_signal_name(size_t index);

typedef struct fj_model fj_model;
typedef enum fj_verdict { FJ_VERDICT_LEGIT, FJ_VERDICT_SUSPICIOUS, FJ_VERDICT_FRAUD, ... }
    fj_verdict;
const char *fj_verdict_name(fj_verdict v);
fj_status fj_model_load(fj_model **out, const char *dir, fj_error *err);
fj_status fj_model_load_default(fj_model **out, fj_error *err);
void fj_model_free(fj_model *m);
fj_status fj_model_save(const fj_model *m, const char *dir, fj_error *err);
const char *fj_model_name(const fj_model *m);
int fj_model_explains(const fj_model *m);
const char *fj_model_manifest(const fj_model *m);
void fj_model_thresholds(const fj_model *m, fj_lang lang, double *fraud, double *suspicious);

typedef struct fj_reason {
    const char *signal;
    double weight;
    const char *evidence;
    size_t evidence_len;
    ...;
} fj_reason;
const char *fj_reason_label(const char *signal, int toward_fraud, fj_lang lang);
typedef struct fj_result {
    double score;
    double margin;
    fj_verdict verdict;
    fj_lang lang;
    const fj_reason *reasons;
    size_t reason_count;
    int reasons_available;
    ...;
} fj_result;
typedef struct fj_score_options {
    double threshold_fraud;
    double threshold_suspicious;
    size_t max_reasons;
    double prior;
    ...;
} fj_score_options;
void fj_score_options_init(fj_score_options *opts);
fj_status fj_score_with(fj_context *ctx, const fj_model *m, const fj_posting *p,
                        const fj_history_stats *hist, const fj_score_options *opts,
                        fj_result *out, fj_error *err);

typedef struct fj_dataset fj_dataset;
fj_status fj_dataset_new(fj_dataset **out, fj_error *err);
void fj_dataset_free(fj_dataset *d);
fj_status fj_dataset_add(fj_dataset *d, const fj_posting *p, const char *group_key,
                         fj_error *err);
fj_status fj_dataset_add_file(fj_dataset *d, const char *path, const char *group_by,
                              fj_error *err);
size_t fj_dataset_size(const fj_dataset *d);

typedef enum fj_kernel { FJ_KERNEL_LINEAR, FJ_KERNEL_RBF, ... } fj_kernel;
typedef struct fj_progress {
    const char *stage;
    const char *part;
    int step, total;
    const char *message;
    ...;
} fj_progress;
typedef void (*fj_progress_fn)(const fj_progress *progress, void *user);
typedef struct fj_train_params {
    fj_kernel kernel;
    double C;
    double gamma;
    int folds;
    uint64_t seed;
    int class_weights;
    int per_language;
    double target_precision;
    int min_df;
    size_t max_features;
    int text_view;
    int min_df_lang[3];
    size_t max_features_lang[3];
    int threads;
    const char *name;
    const char *version;
    const char *data_description;
    fj_progress_fn progress;
    void *progress_user;
    double dense_weight;
    double dense_weight_lang[3];
    ...;
} fj_train_params;
void fj_train_params_init(fj_train_params *params);
fj_status fj_train(fj_model **out, const fj_dataset *d, const fj_train_params *params,
                   fj_error *err);

typedef struct fj_metrics { ...; } fj_metrics;
fj_status fj_metrics_to_json(const fj_metrics *m, char **out, fj_error *err);
typedef struct fj_eval_options {
    double threshold;
    int replay_history;
    const fj_score_options *score;
    ...;
} fj_eval_options;
void fj_eval_options_init(fj_eval_options *opts);
fj_status fj_evaluate(fj_context *ctx, const fj_model *m, fj_dataset *d,
                      const fj_eval_options *opts, fj_metrics *out, double *scores,
                      fj_verdict *verdicts, fj_error *err);

fj_status fj_result_to_json(const fj_result *r, const fj_posting *p, const fj_model *m,
                            char **out, fj_error *err);
typedef struct fj_batch_options {
    int threads;
    fj_history *history;
    int64_t now;
    const fj_score_options *score;
    const long long *lines;
    const char *source;
    fj_context *const *contexts;
    ...;
} fj_batch_options;
void fj_batch_options_init(fj_batch_options *opts);
fj_status fj_score_json_batch(const fj_model *m, const char *const *postings,
                              const size_t *lens, size_t n, const fj_batch_options *opts,
                              char **out, size_t *out_len, size_t *errors, fj_error *err);

void free(void *);

/* bindings helpers (defined below in SOURCE) */
void fjpy_split(const char *base, const size_t *ends, size_t n, const char **ptrs,
                size_t *lens);
extern "Python" void fjpy_progress(const fj_progress *progress, void *user);
"""

SOURCE = r"""
#include <stdlib.h>
#include <fakejob.h>

/* Turn one buffer of concatenated JSON texts and the end offset of each into the pointer and
 * length arrays fj_score_json_batch takes (one C loop instead of n Python objects). */
static void fjpy_split(const char *base, const size_t *ends, size_t n, const char **ptrs,
                       size_t *lens)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = base + start;
        lens[i] = ends[i] - start;
        start = ends[i];
    }
}
"""

MODULE = "fakejob._native"


def make_builder(include_dirs, library_dirs, rpath_dirs, extra_compile_args=(),
                 extra_link_args=()):
    """An FFI builder for fakejob._native with the given search paths."""
    ffibuilder = FFI()
    ffibuilder.cdef(CDEF)
    ffibuilder.set_source(
        MODULE,
        SOURCE,
        include_dirs=list(include_dirs),
        library_dirs=list(library_dirs),
        runtime_library_dirs=list(rpath_dirs),
        libraries=["fakejob"],
        extra_compile_args=list(extra_compile_args),
        extra_link_args=list(extra_link_args),
    )
    return ffibuilder


def _pkg_config(*args):
    exe = os.environ.get("PKG_CONFIG", "pkg-config")
    try:
        out = subprocess.run([exe, *args, "libfakejob"], check=True, capture_output=True,
                             text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        raise RuntimeError(
            "fakejob: libfakejob was not found by pkg-config (%s). Install the library "
            "(make install), set PKG_CONFIG_PATH to its lib/pkgconfig folder, or set "
            "FAKEJOB_INCLUDE_DIR and FAKEJOB_LIB_DIR." % detail.strip()) from None
    return shlex.split(out)


def builder_from_environment():
    """The builder for an installed libfakejob (pip install)."""
    inc = os.environ.get("FAKEJOB_INCLUDE_DIR")
    lib = os.environ.get("FAKEJOB_LIB_DIR")
    if inc and lib:
        return make_builder([inc], [lib], [lib])
    cflags = _pkg_config("--cflags")
    libs = _pkg_config("--libs")
    libdir = _pkg_config("--variable=libdir")
    incs = [f[2:] for f in cflags if f.startswith("-I")]
    libdirs = [f[2:] for f in libs if f.startswith("-L")] + libdir
    return make_builder(incs, libdirs, libdir,
                        extra_compile_args=[f for f in cflags if not f.startswith("-I")])


def build_tree(include, libdir, outdir):
    """Compile the extension against an uninstalled library into OUTDIR/fakejob."""
    outdir = os.path.abspath(outdir)
    pkg = os.path.join(outdir, "fakejob")
    os.makedirs(pkg, exist_ok=True)
    src_pkg = os.path.join(HERE, "fakejob")
    if os.path.realpath(src_pkg) != os.path.realpath(pkg):
        for name in os.listdir(src_pkg):
            if name.endswith(".py") or name == "py.typed":
                shutil.copyfile(os.path.join(src_pkg, name), os.path.join(pkg, name))
    libdir = os.path.abspath(libdir)
    ffibuilder = make_builder([os.path.abspath(include)], [libdir], [libdir])
    tmp = os.path.join(outdir, "build")
    built = ffibuilder.compile(tmpdir=tmp, verbose=False)
    target = os.path.join(pkg, os.path.basename(built))
    for old in glob.glob(os.path.join(pkg, "_native*.so")):
        if os.path.basename(old) != os.path.basename(target):
            os.remove(old)
    shutil.copyfile(built, target + ".tmp")
    os.replace(target + ".tmp", target)
    return target


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--include", required=True, help="folder holding fakejob.h")
    ap.add_argument("--libdir", required=True, help="folder holding libfakejob.so")
    ap.add_argument("--outdir", required=True, help="where the fakejob package is put")
    args = ap.parse_args(argv)
    try:
        build_tree(args.include, args.libdir, args.outdir)
    except Exception as e:  # a compiler failure: say so in one line and fail the make rule
        print("fakejob_build.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
else:
    ffibuilder = builder_from_environment()
