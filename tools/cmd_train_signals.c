/*
 * cmd_train_signals.c - the clause detectors on the command line:
 *   `fakejob train-signals -o FILE [--folds N] [--target-fpr X] [--target-fpr-by SPEC]
 *   CLAUSES.jsonl...` trains them
 *   from labelled clauses (fj_detectors_train) and writes a detector file, printing the
 *   cross-validated report;
 *   `fakejob eval-signals [--detectors FILE] FILE.jsonl...` runs labelled clauses or postings
 *   through fj_signals and prints per-signal precision and recall (fj_detectors_eval).
 * Exit status: 0 done; 1 training or evaluation failed; 2 bad flags; 3 an input or output file
 * could not be opened or written; 4 a detector file could not be loaded.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void train_usage(FILE *out)
{
    fprintf(out,
            "usage: fakejob train-signals -o FILE [OPTIONS] CLAUSES.jsonl...\n"
            "Train the clause detectors of upfront_fee, personal_data and offsite_contact, and\n"
            "the duty and title classes of title_duty_mismatch (sales_duty, office_title), from\n"
            "labelled clauses (one {\"id\",\"lang\",\"text\",\"labels\",\"kind\"} a line; an\n"
            "optional \"classes\" lists the classes the labels speak for) and legitimate\n"
            "postings (background negatives), and write them to FILE. The cross-validated figures "
            "(folds grouped by kind) are\n"
            "printed as JSON and kept in the file.\n\n"
            "  -o, --output FILE   the detector file to write (required)\n"
            "  --folds N           cross-validation folds, 2-20 (default 5)\n"
            "  --target-fpr X      share of negative clauses a threshold may fire on\n"
            "                      (default 0.01)\n"
            "  --target-fpr-by LANG:SIGNAL=X,...\n"
            "                      per language and signal targets over --target-fpr\n"
            "                      (zh:personal_data=0.01,en:upfront_fee=0.02)\n"
            "  -h, --help          this help\n\n"
            "Exit status: 0 done, 1 training failed, 2 bad usage, 3 a file could not be read\n"
            "or written.\n");
}

static int status_exit(fj_status st)
{
    return st == FJ_ERR_IO ? CLI_IO : st == FJ_ERR_ARGUMENT ? CLI_USAGE : CLI_FAIL;
}

int cmd_train_signals(int argc, char **argv)
{
    const char *outpath = NULL;
    fj_detectors_params prm = {0};
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    if (!files)
        return CLI_FAIL;
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            train_usage(stdout);
            free(files);
            return CLI_OK;
        }
        bool takes = strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ||
                     strcmp(a, "--folds") == 0 || strcmp(a, "--target-fpr") == 0 ||
                     strcmp(a, "--target-fpr-by") == 0;
        if (takes && i + 1 >= argc) {
            cli_warn("train-signals", "%s needs a value", a);
            rc = CLI_USAGE;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            outpath = argv[++i];
        } else if (strcmp(a, "--folds") == 0) {
            unsigned long long v;
            if (!cli_parse_ull(argv[++i], 2, 20, &v)) {
                cli_warn("train-signals", "--folds must be an integer from 2 to 20");
                rc = CLI_USAGE;
            }
            prm.folds = (int)v;
        } else if (strcmp(a, "--target-fpr") == 0) {
            double v;
            if (!cli_parse_double(argv[++i], &v) || !(v > 0 && v < 1)) {
                cli_warn("train-signals", "--target-fpr must be a number between 0 and 1");
                rc = CLI_USAGE;
            }
            prm.target_fpr = v;
        } else if (strcmp(a, "--target-fpr-by") == 0) {
            if (prm.target_fpr_by) { /* a second list would silently replace the first */
                cli_warn("train-signals",
                         "--target-fpr-by given twice: give one comma-separated list");
                rc = CLI_USAGE;
            }
            prm.target_fpr_by = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            cli_warn("train-signals", "unknown option '%s'", a);
            rc = CLI_USAGE;
        } else {
            files[nfiles++] = a;
        }
    }
    if (rc == CLI_OK && (!outpath || nfiles == 0)) {
        cli_warn("train-signals", "needs -o FILE and at least one clause file");
        rc = CLI_USAGE;
    }
    if (rc != CLI_OK) {
        if (rc == CLI_USAGE)
            train_usage(stderr);
        free(files);
        return rc;
    }
    fj_error err;
    fj_context *ctx;
    fj_detectors *d = NULL;
    fj_status st = fj_context_new(&ctx, &err);
    if (st == FJ_OK)
        st = fj_detectors_train(&d, ctx, files, nfiles, &prm, &err);
    if (st == FJ_OK)
        st = fj_detectors_save(d, outpath, &err);
    if (st == FJ_OK)
        printf("%s\n", fj_detectors_report(d));
    else
        cli_warn("train-signals", "%s", err.message);
    fj_detectors_free(d);
    fj_context_free(ctx);
    free(files);
    return st == FJ_OK ? CLI_OK : status_exit(st);
}

static void eval_usage(FILE *out)
{
    fprintf(out,
            "usage: fakejob eval-signals [--detectors FILE] FILE.jsonl...\n"
            "Run labelled clauses ({\"lang\",\"text\",\"labels\"}, each read as a posting's\n"
            "description) or labelled postings (with \"label\" and optionally \"expect\": [signal\n"
            "names]) through the signals, and print as JSON: per language and signal, precision\n"
            "and recall on the clauses; recall on the postings expecting a signal and the share\n"
            "of legitimate postings it fires on.\n\n"
            "  --detectors FILE    clause detectors to use (default: the compiled-in ones)\n"
            "  -h, --help          this help\n\n"
            "Exit status: 0 done, 1 a line could not be read, 2 bad usage, 3 a file could not\n"
            "be opened, 4 the detector file could not be loaded.\n");
}

int cmd_eval_signals(int argc, char **argv)
{
    const char *detpath = NULL;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    if (!files)
        return CLI_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            eval_usage(stdout);
            free(files);
            return CLI_OK;
        }
        if (strcmp(a, "--detectors") == 0) {
            if (i + 1 >= argc) {
                cli_warn("eval-signals", "--detectors needs a value");
                free(files);
                return CLI_USAGE;
            }
            detpath = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            cli_warn("eval-signals", "unknown option '%s'", a);
            eval_usage(stderr);
            free(files);
            return CLI_USAGE;
        } else {
            files[nfiles++] = a;
        }
    }
    if (nfiles == 0) {
        cli_warn("eval-signals", "needs at least one file");
        eval_usage(stderr);
        free(files);
        return CLI_USAGE;
    }
    fj_error err;
    fj_context *ctx = NULL;
    fj_detectors *d = NULL;
    char *json = NULL;
    int rc = CLI_OK;
    fj_status st = fj_context_new(&ctx, &err);
    if (st == FJ_OK && detpath &&
        (rc = cli_load_detectors("eval-signals", ctx, detpath, &d)) != CLI_OK) {
        fj_context_free(ctx);
        free(files);
        return rc;
    }
    if (st == FJ_OK) {
        st = fj_detectors_eval(ctx, files, nfiles, &json, &err);
        if (st != FJ_OK)
            rc = status_exit(st);
    }
    if (st == FJ_OK)
        printf("%s\n", json);
    else
        cli_warn("eval-signals", "%s", err.message);
    free(json);
    fj_context_free(ctx);
    fj_detectors_free(d);
    free(files);
    return st == FJ_OK ? CLI_OK : (rc == CLI_OK ? CLI_FAIL : rc);
}
