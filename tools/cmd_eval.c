/*
 * cmd_eval.c - `fakejob eval [--model DIR] [OPTIONS] CORPUS.jsonl...`: score a labelled corpus
 * with a model (replaying its history in time order, as training does) and print precision,
 * recall and F1 of the fraud class at the threshold and per verdict, ROC-AUC, PR-AUC, recall
 * at 1 % false-positive rate and the confusion matrices, as a table or (--json) one JSON object;
 * --plot FILE.svg draws the ROC and precision-recall curves (SVG: a name that does not end in
 * .svg is refused). The plot and --scores files are created (as temporary siblings, renamed
 * into place at the end) before anything is computed, so an unwritable path fails at once. A
 * label other than "fraud" or "legit" is an error naming the line, as in train. With --cv, no model
 * is used: the training procedure is cross-validated on the corpus (grouped folds) and its
 * out-of-fold scores are measured.
 *
 * Exit status: 0 done; 1 nothing to evaluate, evaluation failed, a bad label, or (--strict) an
 * unreadable posting; 2 bad flags; 3 a corpus file could not be read or the metrics, scores or
 * plot written; 4 the model
 * could not be loaded.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fakejob eval [--model DIR] [OPTIONS] CORPUS.jsonl...\n"
            "Score labelled postings (corpus JSONL; standard input when no file is given) and\n"
            "measure the scores against the labels.\n\n"
            "  -m, --model DIR     the model bundle (default: the default model)\n"
            "  -t, --threshold T   decision threshold on the score, 0..1 (default 0.5)\n"
            "  --prior P           score at this expected fraud rate (0 < P < 1; default: the\n"
            "                      model's training mix), moving the model's thresholds too\n"
            "  --no-replay         score each posting alone, without replaying the corpus's\n"
            "                      repost history in time order\n"
            "  --json              print the metrics as one JSON object\n"
            "  --plot FILE.svg     draw the ROC and precision-recall curves (SVG; the name\n"
            "                      must end in .svg)\n"
            "  --scores FILE       write a JSON line per posting: id, group, lang, label\n"
            "                      (fraud or legit), score, verdict (and --cv: the fold it\n"
            "                      was held out in and copy: whether a near-copy of it was\n"
            "                      in its training part)\n"
            "  --cv                no model: cross-validate training on the corpus and measure\n"
            "                      the out-of-fold scores\n"
            "  --group-by FIELD    --cv: keep postings with the same FIELD (e.g. company) in one\n"
            "                      fold (default: by content, so copies share a fold); 'near':\n"
            "                      by company (or content), joined with every near-copy (word\n"
            "                      3-shingle Jaccard >= 0.5) whatever its label\n"
            "  --other-source FILE --cv: FILE (one of the corpus files; repeatable) is a\n"
            "                      source whose labels follow other definitions: see\n"
            "                      fakejob train --help (--source-mode too)\n"
            "  --folds K, --C X, --kernel K, --min-df N, --max-features N,\n"
            "                      --dense-weight X, ...\n"
            "                      --cv: the training options of fakejob train (see its --help)\n"
            "  --strict            stop at the first posting that cannot be read\n"
            "  -q, --quiet         no progress or warnings about skipped postings (progress is\n"
            "                      one updating line on a terminal, none otherwise)\n"
            "  -h, --help          this help\n\n"
            "Exit status: 0 done, 1 nothing to evaluate, a bad label or failed, 2 bad usage,\n"
            "3 unreadable file or unwritable output, 4 the model could not be loaded.\n");
}

typedef struct eval_args {
    const char *model, *plot, *group_by, *scores_out;
    double threshold, prior;
    bool replay, json, cv, strict, quiet;
    bool near;             /* --group-by near: company or content, joined with near-copies */
    fj_train_params train; /* --cv: the training options */
    cli_sources sources;   /* --cv: --other-source files, then each posting's source */
    char **files;
    int nfiles;
} eval_args;

/* 0: parsed; -1: --help was printed; otherwise the exit status. */
static int parse_args(int argc, char **argv, eval_args *a)
{
    memset(a, 0, sizeof *a);
    a->threshold = FJ_DEFAULT_THRESHOLD;
    a->prior = -1;
    a->replay = true;
    fj_train_params_init(&a->train);
    char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files)
        return CLI_FAIL;
    bool only_files = false, train_given = false, group_given = false;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDS_VALUE                                                                                \
    do {                                                                                           \
        if (!val) {                                                                                \
            cli_warn("eval", "%s needs a value", s);                                               \
            free(files);                                                                           \
            return CLI_USAGE;                                                                      \
        }                                                                                          \
        i++;                                                                                       \
    } while (0)
        if (only_files || s[0] != '-' || strcmp(s, "-") == 0) {
            files[a->nfiles++] = argv[i];
        } else if (strcmp(s, "--") == 0) {
            only_files = true;
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            free(files);
            return -1;
        } else if (strcmp(s, "-m") == 0 || strcmp(s, "--model") == 0) {
            NEEDS_VALUE;
            a->model = val;
        } else if (strcmp(s, "-t") == 0 || strcmp(s, "--threshold") == 0) {
            NEEDS_VALUE;
            if (!cli_parse_double(val, &a->threshold) || a->threshold < 0 || a->threshold > 1) {
                cli_warn("eval", "--threshold takes a number from 0 to 1, not '%s'", val);
                free(files);
                return CLI_USAGE;
            }
        } else if (strcmp(s, "--prior") == 0) {
            NEEDS_VALUE;
            if (!cli_parse_double(val, &a->prior) || !(a->prior > 0 && a->prior < 1)) {
                cli_warn("eval", "--prior takes a fraud rate between 0 and 1 (exclusive), not '%s'",
                         val);
                free(files);
                return CLI_USAGE;
            }
        } else if (strcmp(s, "--plot") == 0) {
            NEEDS_VALUE;
            size_t pl = strlen(val);
            if (pl < 4 || strcasecmp(val + pl - 4, ".svg") != 0) {
                cli_warn("eval", "--plot writes SVG: give a name ending in .svg, not '%s'", val);
                free(files);
                return CLI_USAGE;
            }
            a->plot = val;
        } else if (strcmp(s, "--scores") == 0) {
            NEEDS_VALUE;
            a->scores_out = val;
        } else if (cli_train_option_arity(s) >= 0) {
            if (cli_train_option_arity(s) == 1)
                NEEDS_VALUE;
            if (!cli_train_option("eval", s, cli_train_option_arity(s) ? val : NULL, &a->train)) {
                free(files);
                return CLI_USAGE;
            }
            train_given = true;
        } else if (strcmp(s, "--group-by") == 0) {
            NEEDS_VALUE;
            int f = fj_field_from_name(val, strlen(val));
            a->near = strcmp(val, "near") == 0;
            if (strcmp(val, "content") != 0 && !a->near &&
                (f < 0 || fj_field_type_of((fj_field)f) != FJ_TYPE_STRING)) {
                cli_warn("eval", "--group-by takes 'content', 'near' or a string field, not '%s'",
                         val);
                free(files);
                return CLI_USAGE;
            }
            a->group_by = strcmp(val, "content") == 0 ? NULL : a->near ? "company" : val;
            group_given = true;
        } else if (strcmp(s, "--other-source") == 0) {
            NEEDS_VALUE;
            if (!cli_sources_flag(&a->sources, "eval", val)) {
                free(files);
                return CLI_USAGE;
            }
            train_given = true;
        } else if (strcmp(s, "--no-replay") == 0) {
            a->replay = false;
        } else if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (strcmp(s, "--cv") == 0) {
            a->cv = true;
        } else if (strcmp(s, "--strict") == 0) {
            a->strict = true;
        } else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) {
            a->quiet = true;
        } else {
            cli_warn("eval", "unknown option '%s'", s);
            usage(stderr);
            free(files);
            return CLI_USAGE;
        }
#undef NEEDS_VALUE
    }
    if (a->cv && a->prior > 0) {
        cli_warn("eval", "--prior goes with a model, not with --cv");
        free(files);
        return CLI_USAGE;
    }
    if (a->cv && a->model) {
        cli_warn("eval", "--cv trains its own models: it does not take --model");
        free(files);
        return CLI_USAGE;
    }
    if (!a->cv && (train_given || group_given)) {
        cli_warn("eval", "--group-by and the training options (--folds, --C, ...) go with --cv");
        free(files);
        return CLI_USAGE;
    }
    if (!cli_sources_check(&a->sources, "eval", files, a->nfiles)) {
        free(files);
        return CLI_USAGE;
    }
    a->files = files; /* freed by cmd_eval */
    return 0;
}

/* Read the corpus into `d`. Returns 0 or an exit status. */
static int read_corpus(eval_args *a, fj_dataset *d)
{
    cli_reader r;
    cli_reader_init(&r, "eval", a->files, a->nfiles);
    fj_posting *p;
    fj_error err;
    if (fj_posting_new(&p, &err) != FJ_OK) {
        cli_warn("eval", "%s", err.message);
        return CLI_FAIL;
    }
    long long bad = 0, unlabelled = 0;
    int status = 0, got;
    while ((got = cli_reader_next(&r)) != 0) {
        if (got < 0) {
            status = CLI_IO; /* the reader said which file */
            break;
        }
        fj_error_clear(&err);
        fj_status st = cli_parse_line(&r, p, &err);
        if (st == FJ_ERR_INPUT && strcmp(err.field, "label") == 0) {
            /* a label that is neither fraud nor legit: the corpus is wrong, as train says */
            cli_warn("eval", "%s", err.message);
            status = CLI_FAIL;
            break;
        }
        if (st == FJ_OK && fj_posting_label(p) == FJ_LABEL_NONE) {
            unlabelled++;
            if (!a->quiet && unlabelled <= 10)
                cli_warn("eval", "%s:%lld: no label; skipped", r.path, r.lineno);
            if (a->strict) {
                status = CLI_FAIL;
                break;
            }
            continue;
        }
        const char *key = NULL;
        if (st == FJ_OK && a->group_by) {
            size_t kl = 0;
            key = fj_posting_string(
                p, (fj_field)fj_field_from_name(a->group_by, strlen(a->group_by)), &kl);
            if (key && kl == 0)
                key = NULL;
        }
        if (st == FJ_OK && (st = fj_dataset_add(d, p, key, &err)) != FJ_OK)
            fj_error_locate(&err, r.path, r.lineno);
        if (st == FJ_OK && !cli_sources_push(&a->sources, r.path)) {
            cli_warn("eval", "out of memory");
            status = CLI_FAIL;
            break;
        }
        if (st == FJ_ERR_NOMEM) {
            cli_warn("eval", "%s", err.message);
            status = CLI_FAIL;
            break;
        }
        if (st != FJ_OK) {
            bad++;
            if (!a->quiet && bad <= 10)
                cli_warn("eval", "%s; skipped", err.message);
            if (a->strict) {
                status = CLI_FAIL;
                break;
            }
            continue;
        }
    }
    if (!a->quiet && (bad || unlabelled))
        cli_warn("eval", "skipped %lld unreadable and %lld unlabelled postings", bad, unlabelled);
    cli_reader_free(&r);
    fj_posting_free(p);
    return status;
}

static void print_ratio(FILE *out, double v)
{
    if (isnan(v))
        fprintf(out, " %9s", "n/a");
    else
        fprintf(out, " %9.3f", v);
}

static void print_prf(FILE *out, const char *name, const fj_prf *r)
{
    fprintf(out, "  %-28s", name);
    print_ratio(out, r->precision);
    print_ratio(out, r->recall);
    print_ratio(out, r->f1);
    fprintf(out, " %7lld %7lld %7lld\n", (long long)r->tp, (long long)r->fp, (long long)r->fn);
}

static void print_table(FILE *out, const fj_metrics *m, const char *what)
{
    fprintf(out, "%s\n", what);
    fprintf(out, "%lld postings: %lld fraud, %lld legit\n\n", (long long)m->count,
            (long long)m->fraud, (long long)m->legit);
    fprintf(out, "  %-28s %9s %9s %9s %7s %7s %7s\n", "fraud flagged when", "precision", "recall",
            "F1", "TP", "FP", "FN");
    char name[64];
    snprintf(name, sizeof name, "score >= %.3g", m->threshold);
    print_prf(out, name, &m->at_threshold);
    if (m->has_verdicts) {
        print_prf(out, "verdict fraud", &m->flag_fraud);
        print_prf(out, "verdict fraud or suspicious", &m->flag_suspicious);
    }
    fprintf(out, "\n  %-28s", "ROC-AUC");
    print_ratio(out, m->roc_auc);
    fprintf(out, "\n  %-28s", "PR-AUC (average precision)");
    print_ratio(out, m->pr_auc);
    fprintf(out, "\n  %-28s", "recall at 1% FPR");
    print_ratio(out, m->recall_at_1pct_fpr);
    if (isfinite(m->threshold_at_1pct_fpr))
        fprintf(out, "   (score >= %.4g)", m->threshold_at_1pct_fpr);
    fprintf(out, "\n  %-28s", "accuracy");
    print_ratio(out, m->accuracy);
    if (m->fraud == 0 || m->legit == 0)
        fprintf(out, "\n  (n/a: the corpus holds a single class, so AUCs are undefined)");
    fprintf(out, "\n\nconfusion matrix at score >= %.3g\n", m->threshold);
    fprintf(out, "  %-14s %16s %16s\n", "", "predicted legit", "predicted fraud");
    fprintf(out, "  %-14s %16lld %16lld\n", "actual legit", (long long)m->tn, (long long)m->fp);
    fprintf(out, "  %-14s %16lld %16lld\n", "actual fraud", (long long)m->fn, (long long)m->tp);
    if (m->has_verdicts) {
        fprintf(out, "\nverdicts\n  %-14s %12s %12s %12s %12s\n", "", "legit", "suspicious",
                "fraud", "insufficient");
        for (int y = 0; y < 2; y++)
            fprintf(out, "  %-14s %12lld %12lld %12lld %12lld\n",
                    y ? "actual fraud" : "actual legit",
                    (long long)m->verdicts[FJ_VERDICT_LEGIT][y],
                    (long long)m->verdicts[FJ_VERDICT_SUSPICIOUS][y],
                    (long long)m->verdicts[FJ_VERDICT_FRAUD][y],
                    (long long)m->verdicts[FJ_VERDICT_INSUFFICIENT][y]);
    }
}

/* --cv progress: the outer folds and the history replay; the inner grid search stays quiet. */
static void cv_progress(const fj_progress *pr, void *user)
{
    if (pr->message && *pr->message && pr->stage &&
        (strcmp(pr->stage, "cv") == 0 || strcmp(pr->stage, "replay") == 0))
        cli_progress_show(user, "%s", pr->message);
}

static int write_plot(cli_outfile *o, const double *scores, const int *labels, size_t n,
                      const char *title)
{
    char *svg;
    size_t len;
    fj_error err;
    fj_status st = fj_plot_svg(scores, labels, n, title, &svg, &len, &err);
    if (st != FJ_OK) {
        cli_warn("eval", "no plot: %s", err.message);
        return CLI_FAIL;
    }
    fwrite(svg, 1, len, o->fp);
    free(svg);
    return cli_outfile_commit(o, "eval") ? CLI_OK : CLI_IO;
}

/* --scores: one JSON object a line per evaluated posting, in dataset order. */
static int write_scores(cli_outfile *o, const fj_dataset *d, const double *scores,
                        const fj_verdict *verdicts, const int *folds, const unsigned char *copy)
{
    FILE *f = o->fp;
    size_t n = fj_dataset_size(d);
    for (size_t i = 0; i < n; i++) {
        const fj_posting *p = fj_dataset_posting(d, i);
        size_t len = 0;
        const char *s = fj_posting_string(p, FJ_FIELD_ID, &len);
        fputs("{\"id\":", f);
        cli_json_string(f, s ? s : "", s ? len : 0);
        s = fj_dataset_group(d, i);
        fputs(",\"group\":", f);
        cli_json_string(f, s ? s : "", s ? strlen(s) : 0);
        fprintf(f, ",\"lang\":\"%s\",\"label\":\"%s\"", fj_lang_name(fj_posting_detect_lang(p)),
                fj_dataset_label(d, i) == FJ_LABEL_FRAUD ? "fraud" : "legit");
        if (folds)
            fprintf(f, ",\"fold\":%d", folds[i]);
        if (copy)
            fprintf(f, ",\"copy\":%s", copy[i] ? "true" : "false");
        fprintf(f, ",\"score\":%.9g,\"verdict\":\"%s\"}\n", scores[i],
                fj_verdict_name(verdicts[i]));
    }
    return cli_outfile_commit(o, "eval") ? CLI_OK : CLI_IO;
}

int cmd_eval(int argc, char **argv)
{
    eval_args a;
    int status = parse_args(argc, argv, &a);
    if (status < 0)
        return CLI_OK; /* --help */
    if (status)
        return status;
    if (a.nfiles == 0 && isatty(0) && !a.quiet)
        cli_warn("eval", "reading postings from standard input");

    fj_error err;
    fj_error_clear(&err);
    fj_model *model = NULL;
    fj_dataset *d = NULL;
    fj_context *ctx = NULL;
    double *scores = NULL;
    int *folds = NULL;
    unsigned char *copy = NULL;
    fj_verdict *verdicts = NULL;
    int *labels = NULL;
    cli_outfile plot_out = {0}, scores_out = {0};
    /* the output files first: an unwritable path fails before any work */
    if ((a.plot && !cli_outfile_open(&plot_out, "eval", a.plot)) ||
        (a.scores_out && !cli_outfile_open(&scores_out, "eval", a.scores_out))) {
        status = CLI_IO;
        goto done;
    }
    if (fj_dataset_new(&d, &err) != FJ_OK || fj_context_new(&ctx, &err) != FJ_OK) {
        cli_warn("eval", "%s", err.message);
        status = CLI_FAIL;
        goto done;
    }
    status = read_corpus(&a, d);
    if (status)
        goto done;
    size_t n = fj_dataset_size(d);
    if (n == 0) {
        cli_warn("eval", "no labelled postings to evaluate");
        status = CLI_FAIL;
        goto done;
    }
    size_t merged = 0;
    if (a.near && fj_dataset_group_near(d, FJ_NEAR_COPY_THRESHOLD, &merged, &err) != FJ_OK) {
        cli_warn("eval", "%s", err.message);
        status = CLI_FAIL;
        goto done;
    }
    if (a.near && !a.quiet)
        cli_warn("eval", "near-copies joined %zu groups", merged);
    if (!a.cv) {
        fj_status st =
            a.model ? fj_model_load(&model, a.model, &err) : fj_model_load_default(&model, &err);
        if (st != FJ_OK) {
            cli_warn("eval", "cannot load the model: %s", err.message);
            status = CLI_MODEL;
            goto done;
        }
    }
    scores = malloc(n * sizeof *scores);
    verdicts = malloc(n * sizeof *verdicts);
    labels = malloc(n * sizeof *labels);
    folds = a.cv ? malloc(n * sizeof *folds) : NULL;
    if (!scores || !verdicts || !labels || (a.cv && !folds)) {
        cli_warn("eval", "out of memory");
        status = CLI_FAIL;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        labels[i] = fj_dataset_label(d, i) == FJ_LABEL_FRAUD;

    fj_metrics m;
    char what[512];
    fj_status st;
    if (a.cv) {
        fj_train_params params = a.train;
        params.sources = a.sources.of;
        cli_progress pg; /* one updating line on a terminal, nothing in a pipe */
        cli_progress_init(&pg, "eval", a.quiet, false);
        params.progress = cv_progress;
        params.progress_user = &pg;
        st = fj_cross_validate(d, &params, scores, NULL, verdicts, folds, &err);
        cli_progress_end(&pg);
        if (st == FJ_OK)
            st = fj_metrics_compute(scores, labels, verdicts, n, a.threshold, &m, &err);
        copy = malloc(n);
        if (st == FJ_OK && !copy) {
            st = FJ_ERR_NOMEM;
            snprintf(err.message, sizeof err.message, "out of memory");
        }
        if (st == FJ_OK)
            st = fj_dataset_near_copies(d, FJ_NEAR_COPY_THRESHOLD, folds, copy, &err);
        size_t ncopy = 0;
        for (size_t i = 0; st == FJ_OK && i < n; i++)
            ncopy += copy[i];
        if (st == FJ_OK && !a.quiet)
            cli_warn("eval", "%zu of %zu held-out postings have a near-copy in their training part",
                     ncopy, n);
        snprintf(what, sizeof what, "%d-fold cross-validation grouped by %s", a.train.folds,
                 a.near       ? "near-copies and company"
                 : a.group_by ? a.group_by
                              : "content");
    } else {
        fj_eval_options opts;
        fj_eval_options_init(&opts);
        opts.threshold = a.threshold;
        fj_score_options so;
        fj_score_options_init(&so);
        so.prior = a.prior;
        opts.score = &so;
        opts.replay_history = a.replay;
        /* metrics on the training postings say little: say so, with how many */
        size_t overlap = 0;
        int known = 0;
        st = fj_model_training_overlap(model, ctx, d, &overlap, &known, &err);
        if (st == FJ_OK && overlap > 0)
            cli_warn("eval",
                     "%zu of %zu evaluated postings were in the model's training data: "
                     "the figures overstate its quality on new postings",
                     overlap, n);
        if (st == FJ_OK)
            st = fj_evaluate(ctx, model, d, &opts, &m, scores, verdicts, &err);
        snprintf(what, sizeof what, "model %s%s", fj_model_name(model),
                 a.replay ? "" : " (no history replay)");
    }
    if (st != FJ_OK) {
        cli_warn("eval", "%s", err.message);
        status = CLI_FAIL;
        goto done;
    }
    if (a.json) {
        char *json;
        if (fj_metrics_to_json(&m, &json, &err) != FJ_OK) {
            cli_warn("eval", "%s", err.message);
            status = CLI_FAIL;
            goto done;
        }
        fputs("{\"evaluated\":", stdout);
        cli_json_string(stdout, what, strlen(what));
        printf(",\"metrics\":%s}\n", json);
        free(json);
    } else {
        print_table(stdout, &m, what);
    }
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_warn("eval", "cannot write the metrics: %s", strerror(errno ? errno : EIO));
        status = CLI_IO;
        goto done;
    }
    if (a.scores_out) {
        status = write_scores(&scores_out, d, scores, verdicts, folds, copy);
        if (status)
            goto done;
    }
    if (a.plot) {
        char title[600];
        snprintf(title, sizeof title, "fakejob eval: %s", what);
        status = write_plot(&plot_out, scores, labels, n, title);
    }
done:
    cli_outfile_abort(&plot_out);
    cli_outfile_abort(&scores_out);
    free(scores);
    free(folds);
    free(copy);
    free(verdicts);
    free(labels);
    free(a.files);
    cli_sources_free(&a.sources);
    fj_context_free(ctx);
    fj_dataset_free(d);
    fj_model_free(model);
    return status;
}
