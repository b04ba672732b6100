/*
 * cli.h - shared pieces of the fakejob command-line tool: the JSONL reader, error results,
 * and the subcommands' entry points.
 */
#ifndef FJ_CLI_H
#define FJ_CLI_H

#include "fakejob.h"

#include <stdbool.h>
#include <stdio.h>

/* Exit codes of every subcommand. */
enum {
    CLI_OK = 0, /* everything read was processed (error results may have been written) */
    CLI_FAIL =
        1, /* a posting could not be processed and --strict was given, or eval/train failed */
    CLI_USAGE = 2, /* bad flags or arguments */
    CLI_IO = 3,    /* an input or output file could not be opened / written */
    CLI_MODEL = 4  /* the model could not be loaded or saved */
};

/* Reads postings, one JSON object a line, from files in turn (or stdin when there are none /
 * for "-"), in blocks read straight from the descriptor (a line that arrives alone on a pipe
 * is returned at once). Blank lines are skipped. A line over FJ_MAX_POSTING_BYTES is returned
 * truncated with `too_long` set, so the caller reports it and goes on. */
typedef struct cli_reader {
    char *const *paths;
    int npaths, next;
    int fd;           /* current input, when `open` */
    bool open, owned; /* owned: opened by the reader (closed by it), not stdin */
    const char *path; /* current file ("-" for stdin) */
    long long lineno;
    char *line;
    size_t len, cap;
    bool too_long;
    char *block; /* bytes read, not yet returned: block[bpos .. bend) */
    size_t bpos, bend;
} cli_reader;

void cli_reader_init(cli_reader *r, char *const *paths, int npaths);
/* 1: a line is in r->line/r->len; 0: end of input; -1: a file could not be opened or read
 * (message already printed to stderr; the reader goes on with the next file). */
int cli_reader_next(cli_reader *r);
/* Whether bytes of the current input are already read and not yet returned as lines. */
bool cli_reader_pending(const cli_reader *r);
void cli_reader_free(cli_reader *r);

/* Parse the reader's current line into `p`, turning an over-long line into FJ_ERR_LIMIT and
 * adding the file and line to the error message. */
fj_status cli_parse_line(cli_reader *r, fj_posting *p, fj_error *err);

/* Write a result line {"id":…,"error":{"code","message","field","line"}} for a posting that
 * could not be processed. `id` may be NULL. */
void cli_write_error(FILE *out, const char *id, const fj_error *err, long long line);

/* Write the signals of a posting as one line of `fakejob signals` output:
 * {"id":…,"lang":…,"signals":[{"signal":…,"value":…,"evidence":…,"field":…}]} and '\n'. */
void cli_write_signals(FILE *out, const fj_posting *p, fj_lang lang, const fj_signal *sig,
                       size_t n);

/* Print "fakejob CMD: message" to stderr. */
void cli_warn(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write `s` as a JSON string literal. */
void cli_json_string(FILE *out, const char *s, size_t len);

/* Strict number parsing of option values: the whole string, finite, within [lo, hi]. */
bool cli_parse_double(const char *s, double *out);
bool cli_parse_ull(const char *s, unsigned long long lo, unsigned long long hi,
                   unsigned long long *out);

/* The training options that `train` and `eval --cv` share (--kernel, --C, --gamma, --folds,
 * --seed, --target-precision, --min-df, --max-features, --threads, --single-model,
 * --no-class-weights, --single-view; --min-df and --max-features also as LANG:N).
 * cli_train_option_arity: 1 for an option that takes a value, 0 for a flag, -1 for anything
 * else. cli_train_option sets `p` from one of them (val is NULL for a flag); false, with the
 * problem printed as "fakejob CMD: ...", for a bad value. */
int cli_train_option_arity(const char *opt);
bool cli_train_option(const char *cmd, const char *opt, const char *val, fj_train_params *p);

/* Subcommands: argc/argv start at the subcommand's name. */
typedef int (*cli_command_fn)(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_signals(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
