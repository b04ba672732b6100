/*
 * svm_features.c - dump the feature vectors libfakejob scores, in libsvm's sparse text format,
 * so that libsvm's own `svm-predict` can be run on exactly the same features (the benchmark's
 * svm-predict peer).
 *
 *   svm_features --model DIR [--part zh|en|all] [--margins FILE] IN.jsonl > OUT.libsvm
 *
 * Each posting of IN (one JSON object a line) is vectorized in the feature space of the model
 * part that scores it (the part of its language, as fj_score routes it), with no history (as
 * score_bench scores it), and written as one line "LABEL IDX:VALUE ..." with libsvm's 1-based
 * indices (the feature index + 1, the numbering of the bundle's PART.svm.model) and the label
 * +1 for fraud, -1 for legit (the labels of the bundle's libsvm model), 0 when unlabelled.
 * Only postings routed to `--part` are written (default: the model's only part; a model with
 * several parts needs --part). With --margins, each written posting's margin from fj_score is
 * written to FILE too, one a line, to check that svm-predict sees the same decision.
 *
 * The public API has no call that returns a posting's feature vector, so this program uses the
 * library's private model interface (model.h) and links the convenience library: it is a
 * benchmark tool, not an example of the API.
 */
#include "model/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    fprintf(stderr, "usage: svm_features --model DIR [--part zh|en|all] [--margins FILE] "
                    "IN.jsonl > OUT.libsvm\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *part = NULL, *path = NULL, *margins_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--part") == 0 && i + 1 < argc)
            part = argv[++i];
        else if (strcmp(argv[i], "--margins") == 0 && i + 1 < argc)
            margins_path = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1])
            usage();
        else
            path = argv[i];
    }
    if (!dir || !path)
        usage();

    fj_error e;
    fj_model *m = NULL;
    if (fj_model_load(&m, dir, &e) != FJ_OK) {
        fprintf(stderr, "svm_features: %s\n", e.message);
        return 4;
    }
    const fj__part *want = NULL;
    if (part) {
        for (int i = 0; i < m->nparts; i++)
            if (strcmp(m->part[i].lang, part) == 0)
                want = &m->part[i];
        if (!want) {
            fprintf(stderr, "svm_features: the model has no part '%s'\n", part);
            return 2;
        }
    } else if (m->nparts == 1) {
        want = &m->part[0];
    } else {
        fprintf(stderr, "svm_features: the model has %d parts: choose one with --part\n",
                m->nparts);
        return 2;
    }

    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) {
        fprintf(stderr, "svm_features: %s: %s\n", path, strerror(errno));
        return 3;
    }
    FILE *mf = NULL;
    if (margins_path && !(mf = fopen(margins_path, "w"))) {
        fprintf(stderr, "svm_features: %s: %s\n", margins_path, strerror(errno));
        return 3;
    }
    fj_context *ctx = NULL;
    fj_posting *p = NULL;
    if (fj_context_new(&ctx, &e) != FJ_OK || fj_posting_new(&p, &e) != FJ_OK) {
        fprintf(stderr, "svm_features: %s\n", e.message);
        return 1;
    }
    fj__vec v = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long long lineno = 0, written = 0, failed = 0;
    while ((got = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (got == 0)
            continue;
        if (fj_posting_parse_json(p, line, (size_t)got, &e) != FJ_OK) {
            fprintf(stderr, "svm_features: %s:%lld: %s\n", path, lineno, e.message);
            failed++;
            continue;
        }
        const fj__part *pt = fj__model_route(m, fj_posting_detect_lang(p));
        if (pt != want)
            continue;
        fj_result r;
        if (fj__vectorize(ctx, &pt->fs, p, NULL, &v, &e) != FJ_OK ||
            (mf && fj_score(ctx, m, p, NULL, &r, &e) != FJ_OK)) {
            fprintf(stderr, "svm_features: %s:%lld: %s\n", path, lineno, e.message);
            failed++;
            continue;
        }
        fj_label lab = fj_posting_label(p);
        printf("%s", lab == FJ_LABEL_FRAUD ? "+1" : lab == FJ_LABEL_LEGIT ? "-1" : "0");
        for (size_t i = 0; i < v.n; i++)
            printf(" %u:%.17g", v.e[i].idx + 1, v.e[i].val);
        putchar('\n');
        if (mf)
            fprintf(mf, "%.17g\n", r.margin);
        written++;
    }
    fprintf(stderr, "svm_features: %lld postings written (part %s), %lld failed\n", written,
            want->lang, failed);
    free(line);
    fj__vec_free(&v);
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_model_free(m);
    if (mf)
        fclose(mf);
    if (in != stdin)
        fclose(in);
    return failed ? 1 : 0;
}
