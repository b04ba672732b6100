/*
 * fakejob.c - the command-line tool: `fakejob COMMAND [OPTIONS] [FILE…]`.
 * Each command lives in its own tools/cmd_*.c; this file only dispatches.
 */
#include "cli.h"

#include <string.h>

static const struct {
    const char *name;
    cli_command_fn fn;
    const char *summary;
} commands[] = {
    {"import", cmd_import, "convert EMSCAD or ORFD CSV to corpus JSONL"},
    {"eval", cmd_eval, "measure a model on a labelled corpus (metrics, ROC/PR plot)"},
    {"tokenize", cmd_tokenize, "print the normalized, typed tokens of postings or text lines"},
    {"signals", cmd_signals, "print the red-flag signals of postings with their evidence"},
    {"score", cmd_score, "score postings: calibrated fraud score, verdict and reasons"},
    {"serve", cmd_serve, "serve scoring over HTTP (docs/http.md), with a page at /"},
    {"train", cmd_train, "train a model bundle on labelled postings"},
    {"train-signals", cmd_train_signals, "train the clause detectors on labelled clauses"},
    {"eval-signals", cmd_eval_signals, "measure the signals on labelled clauses or postings"},
    {NULL, NULL, NULL}, /* commands are added above this line */
};

static void usage(FILE *out)
{
    fprintf(out, "usage: fakejob COMMAND [OPTIONS] [FILE...]\n\ncommands:\n");
    for (size_t i = 0; commands[i].name; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`fakejob COMMAND --help` (or `fakejob help COMMAND`) describes a command's\n"
                 "options.\n"
                 "fakejob --version prints the library version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "help") == 0 && argc > 2) {
        /* `fakejob help COMMAND` is `fakejob COMMAND --help` */
        for (size_t i = 0; commands[i].name; i++)
            if (strcmp(argv[2], commands[i].name) == 0) {
                char *help_argv[] = {argv[2], "--help", NULL};
                return commands[i].fn(2, help_argv);
            }
        fputs("fakejob: no command '", stderr);
        cli_put_safe(stderr, argv[2], strlen(argv[2]), 200, CLI_SAFE_ESCAPE_WS);
        fputs("'\n", stderr);
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("fakejob %s\n", fj_version());
        return CLI_OK;
    }
    for (size_t i = 0; commands[i].name; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fputs("fakejob: unknown command '", stderr);
    cli_put_safe(stderr, argv[1], strlen(argv[1]), 200, CLI_SAFE_ESCAPE_WS);
    fputs("'\n", stderr);
    usage(stderr);
    return CLI_USAGE;
}
