/*
 * cmd_train.c - `fakejob train -o DIR [OPTIONS] CORPUS.jsonl...`: train a model bundle on
 * labelled postings (corpus JSONL: postings with "label": "fraud" or "legit") with libsvm,
 * grouped cross-validation, calibration and thresholds (fj_train), and save it to DIR.
 *
 * Progress goes to standard error: on a terminal one line rewritten in place, then a line
 * saying where the model was written; in a pipe or a log nothing but errors (with -v, a line
 * per step); -q: nothing but errors.
 *
 * Exit status: 0 trained and saved; 1 training failed (a malformed or unlabelled posting,
 * a single class, too few postings); 2 bad flags; 3 a corpus file could not be read;
 * 4 the model could not be saved.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fakejob train -o DIR [OPTIONS] CORPUS.jsonl...\n"
            "Train a model on labelled postings (one JSON object a line, each with \"label\":\n"
            "\"fraud\" or \"legit\") and save it as a bundle folder.\n\n"
            "  -o, --output DIR         the bundle folder to write (created if needed)\n"
            "  --kernel linear|rbf      SVM kernel (default linear; rbf cannot explain)\n"
            "  --C X                    SVM cost (default: grid search by cross-validation)\n"
            "  --gamma G                RBF width (default: grid search)\n"
            "  --folds K                cross-validation folds, 2..100 (default 5)\n"
            "  --group-by content|near|FIELD keep postings with the same content (default)\n"
            "                           or the same FIELD (e.g. company) in one fold; near:\n"
            "                           by company (or content), joined with every near-copy\n"
            "                           (word 3-shingle Jaccard >= 0.5) whatever its label\n"
            "  --seed N                 fold assignment seed (default fixed)\n"
            "  --target-recall R        cross-validated recall the suspicious threshold aims\n"
            "                           at (default 0.95), as far as one in three of the\n"
            "                           postings it adds to the fraud ones are fraud\n"
            "  --target-precision P     cross-validated precision of the fraud threshold\n"
            "                           (default 0.9)\n"
            "  --min-df N               drop n-grams in fewer than N postings (default 2)\n"
            "  --max-features N         keep at most N n-grams per language (default 30000)\n"
            "                           (both also as LANG:N, for the zh or en part only;\n"
            "                           a single-model part takes the plain values)\n"
            "  --dense-weight X         multiply the dense features (red-flag signals,\n"
            "                           metadata facts) by X, 0 < X <= 2, against the\n"
            "                           L2-normalized n-grams (default 1; also LANG:X)\n"
            "  --segmentation S         how Han text is cut into words, recorded in the\n"
            "                           bundle and used when it scores: icu-dictionary\n"
            "                           (default: ICU's dictionary words) or han-unigram\n"
            "                           (every Han character a word, no dictionary);\n"
            "                           both add the bigram of every two Han characters\n"
            "  --single-model           one model for all languages (default: one per\n"
            "                           language when each has both classes)\n"
            "  --no-class-weights       do not weight classes by their frequency\n"
            "  --single-view            one SVM per part (default, linear kernel: an SVM on\n"
            "                           all features mixed with one on the text features)\n"
            "  --other-source FILE      FILE (one of the CORPUS files; repeatable) is a source\n"
            "                           whose labels follow other definitions (e.g. ORFD,\n"
            "                           labelled per company): C, the calibration and the\n"
            "                           thresholds are fitted on the other files' postings,\n"
            "                           and FILE's postings get source features (--source-mode)\n"
            "                           that are used in training and left out of the model\n"
            "  --source-mode M          what --other-source files learn on their own:\n"
            "                           augment (default: an intercept and a copy of every\n"
            "                           feature), shared-meta (as augment, but the platform\n"
            "                           metadata, field:* and meta:*, is shared), augment-text\n"
            "                           (a copy of the text n-grams only), intercept (an\n"
            "                           intercept only), pool (nothing); route (fakejob eval\n"
            "                           --cv only: a model of the other files alone, and one\n"
            "                           of every file pooled that scores the postings carrying\n"
            "                           applicants and response_rate)\n"
            "  --threads N              worker threads (default: one per CPU)\n"
            "  --name NAME              model name (default fakejob)\n"
            "  --version V              model version (default 1.0.0)\n"
            "  --description TEXT       what the model was trained on (for the manifest)\n"
            "  -q, --quiet              no progress on standard error\n"
            "  -v, --verbose            every progress step on its own line, also in a\n"
            "                           pipe or log (default: one updating line on a\n"
            "                           terminal, nothing otherwise)\n"
            "  -h, --help               this help\n\n"
            "Exit status: 0 saved, 1 training failed, 2 bad usage, 3 unreadable corpus,\n"
            "4 the model could not be saved.\n");
}

static void on_progress(const fj_progress *pg, void *user)
{
    bool part = pg->part && *pg->part;
    cli_progress_show(user, "%s%s%s%s", part ? "[" : "", part ? pg->part : "", part ? "] " : "",
                      pg->message ? pg->message : "");
}

int cmd_train(int argc, char **argv)
{
    fj_train_params p;
    fj_train_params_init(&p);
    const char *outdir = NULL, *group_by = NULL;
    bool quiet = false, verbose = false, near = false;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files)
        return CLI_FAIL;
    bool only_files = false;
    int rc = CLI_OK;
    static const char *const with_value[] = {
        "-o",        "--output",      "--group-by",     "--name",
        "--version", "--description", "--other-source", NULL};
    cli_sources srcs = {0};
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *s = argv[i];
        const char *val = NULL;
        bool takes = !only_files && s[0] == '-' && cli_train_option_arity(s) == 1;
        for (int k = 0; !only_files && with_value[k]; k++)
            takes = takes || strcmp(s, with_value[k]) == 0;
        if (takes) {
            if (i + 1 >= argc) {
                cli_warn("train", "%s needs a value", s);
                rc = CLI_USAGE;
                break;
            }
            val = argv[++i];
        }
        if (only_files || s[0] != '-') {
            files[nfiles++] = argv[i];
        } else if (strcmp(s, "--") == 0) {
            only_files = true;
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            free(files);
            return CLI_OK;
        } else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            outdir = val;
        } else if (cli_train_option_arity(s) >= 0) {
            if (!cli_train_option("train", s, val, &p))
                rc = CLI_USAGE;
        } else if (strcmp(s, "--group-by") == 0) {
            int f = fj_field_from_name(val, strlen(val));
            near = strcmp(val, "near") == 0;
            if (strcmp(val, "content") != 0 && !near &&
                (f < 0 || fj_field_type_of((fj_field)f) != FJ_TYPE_STRING)) {
                cli_warn("train",
                         "--group-by takes content, near or a string field of a posting (company, "
                         "title, ...), not '%s'",
                         val);
                rc = CLI_USAGE;
            }
            group_by = near ? "company" : val;
        } else if (strcmp(s, "--other-source") == 0) {
            if (!cli_sources_flag(&srcs, "train", val))
                rc = CLI_USAGE;
        } else if (strcmp(s, "--name") == 0) {
            p.name = val;
        } else if (strcmp(s, "--version") == 0) {
            p.version = val;
        } else if (strcmp(s, "--description") == 0) {
            p.data_description = val;
        } else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0) {
            verbose = true;
        } else {
            cli_warn("train", "unknown option '%s' (see fakejob train --help)", s);
            rc = CLI_USAGE;
        }
    }
    if (rc == CLI_OK && !outdir) {
        cli_warn("train", "no output folder: give -o DIR");
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK && nfiles == 0) {
        cli_warn("train", "no corpus: give one or more CORPUS.jsonl files");
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK && !cli_sources_check(&srcs, "train", files, nfiles))
        rc = CLI_USAGE;
    if (rc == CLI_OK && p.source_mode == FJ_SOURCE_ROUTE) {
        cli_warn("train", "--source-mode route is for fakejob eval --cv only: a bundle cannot "
                          "hold the platform route yet");
        rc = CLI_USAGE;
    }
    if (rc != CLI_OK) {
        free(files);
        return rc;
    }
    cli_progress tc;
    cli_progress_init(&tc, "train", quiet, verbose);
    p.progress = on_progress;
    p.progress_user = &tc;

    fj_error err;
    fj_error_clear(&err);
    fj_dataset *d = NULL;
    fj_model *m = NULL;
    char *desc = NULL;
    if (fj_dataset_new(&d, &err) != FJ_OK) {
        cli_warn("train", "%s", err.message);
        rc = CLI_FAIL;
        goto out;
    }
    size_t desc_len = 64;
    for (int i = 0; i < nfiles; i++)
        desc_len += strlen(files[i]) + 32;
    desc = malloc(desc_len);
    if (!desc) {
        rc = CLI_FAIL;
        goto out;
    }
    size_t dl = 0;
    desc[0] = '\0';
    for (int i = 0; i < nfiles; i++) {
        size_t before = fj_dataset_size(d);
        fj_status st = fj_dataset_add_file(d, files[i], group_by, &err);
        if (st != FJ_OK) {
            cli_warn("train", "%s", err.message);
            rc = st == FJ_ERR_IO ? CLI_IO : CLI_FAIL;
            goto out;
        }
        for (size_t k = before; k < fj_dataset_size(d); k++)
            if (!cli_sources_push(&srcs, files[i])) {
                cli_warn("train", "out of memory");
                rc = CLI_FAIL;
                goto out;
            }
        const char *base = strrchr(files[i], '/');
        base = base ? base + 1 : files[i];
        dl += (size_t)snprintf(desc + dl, desc_len - dl, "%s%s (%zu)", i ? ", " : "", base,
                               fj_dataset_size(d) - before);
    }
    if (near && fj_dataset_group_near(d, FJ_NEAR_COPY_THRESHOLD, NULL, &err) != FJ_OK) {
        cli_warn("train", "%s", err.message);
        rc = CLI_FAIL;
        goto out;
    }
    if (!p.data_description)
        p.data_description = desc;
    p.sources = srcs.of;
    cli_progress_show(&tc, "%zu postings from %d file%s", fj_dataset_size(d), nfiles,
                      nfiles == 1 ? "" : "s");
    fj_status st = fj_train(&m, d, &p, &err);
    cli_progress_end(&tc);
    if (st != FJ_OK) {
        cli_warn("train", "%s", err.message);
        rc = CLI_FAIL;
        goto out;
    }
    if (fj_model_save(m, outdir, &err) != FJ_OK) {
        cli_warn("train", "%s", err.message);
        rc = CLI_MODEL;
        goto out;
    }
    if (!quiet && (tc.tty || verbose))
        cli_warn("train", "wrote %s to %s", fj_model_name(m), outdir);
out:
    fj_model_free(m);
    fj_dataset_free(d);
    free(desc);
    free(files);
    cli_sources_free(&srcs);
    return rc;
}
