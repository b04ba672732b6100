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
 * for "-"). Blank lines are skipped. A line over FJ_MAX_POSTING_BYTES is returned truncated
 * with `too_long` set, so the caller reports it and goes on. */
typedef struct cli_reader {
    const char *cmd; /* for messages: "fakejob CMD: cannot read ..." */
    char *const *paths;
    int npaths, next;
    FILE *fp;
    const char *path; /* current file ("-" for stdin) */
    long long lineno;
    char *line;
    size_t len, cap;
    bool too_long;
    bool failed; /* a file could not be opened or read (exit 3) */
} cli_reader;

/* A UTF-8 byte order mark at the start of a file is skipped. */
void cli_reader_init(cli_reader *r, const char *cmd, char *const *paths, int npaths);
/* 1: a line is in r->line/r->len; 0: end of input; -1: a file could not be opened
 * (message already printed to stderr; the reader goes on with the next file); -2: a read
 * error (a directory, a closed descriptor, EIO): the message naming the file is printed and
 * the input ends there, since what follows cannot be trusted to be what the file holds. */
int cli_reader_next(cli_reader *r);
void cli_reader_free(cli_reader *r);
/* Whether the next read would wait (a pipe or terminal with nothing ready): answer what arrived
 * before waiting. Always false for regular files. */
bool cli_reader_would_wait(const cli_reader *r);

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

/* Print "fakejob CMD: message" to stderr, the message passed through cli_put_safe (it may
 * quote a posting or a file name). */
void cli_warn(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write UTF-8 text for a terminal or a log: C0 and C1 control characters, DEL, bidi
 * embeddings/overrides/isolates and line separators are written as \xNN or \uNNNN, and bytes
 * that are not UTF-8 as \xNN, so posting text cannot move the cursor, retitle the window or
 * reorder what follows. Tab, newline and CR become a space (flags 0) or \t \n \r
 * (CLI_SAFE_ESCAPE_WS). At most max_cols display columns are written (wide CJK characters count
 * 2; -1: no limit), never splitting a character or an escape. Returns the columns written.
 * `out` may be NULL to measure only. */
enum { CLI_SAFE_ESCAPE_WS = 1 };
int cli_put_safe(FILE *out, const char *s, size_t len, int max_cols, int flags);
/* Display columns of one code point (0, 1 or 2) and of UTF-8 text as cli_put_safe shows it. */
int cli_display_width(long cp);
int cli_text_width(const char *s, size_t len);

/* Progress on standard error: on a terminal one line, rewritten in place (cut to the width so
 * it never wraps); elsewhere (a pipe, a log) nothing unless `verbose`, then one line each. */
typedef struct cli_progress {
    const char *cmd;
    bool tty, verbose, quiet, line_open;
    int width;
} cli_progress;
void cli_progress_init(cli_progress *pg, const char *cmd, bool quiet, bool verbose);
void cli_progress_show(cli_progress *pg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* End the rewritten line (a newline) so that what follows starts on its own line. */
void cli_progress_end(cli_progress *pg);

/* Columns of the terminal on `fd` (TIOCGWINSZ, else $COLUMNS), or -1 when unknown. */
int cli_terminal_width(int fd);

/* An output file written to a temporary sibling (PATH.tmp.XXXXXX) and renamed into place, so
 * a failed run never leaves a truncated file under the name. cli_outfile_open creates the
 * temporary file (so an unwritable path is found before any work is done); false with the
 * problem printed. cli_outfile_commit flushes, closes and renames; false with the problem
 * printed and the temporary removed. cli_outfile_abort removes it. */
typedef struct cli_outfile {
    const char *path;
    char *tmp;
    FILE *fp;
} cli_outfile;
bool cli_outfile_open(cli_outfile *o, const char *cmd, const char *path);
bool cli_outfile_commit(cli_outfile *o, const char *cmd);
void cli_outfile_abort(cli_outfile *o);

/* --detectors FILE (signals, eval-signals): the clause detectors of `path` loaded into *det and
 * set on `ctx`. Returns CLI_OK, or, with the problem printed as "fakejob CMD: ..." and *det
 * NULL: CLI_IO when the file could not be read, CLI_FAIL out of memory, CLI_MODEL when it is not
 * a valid detector file. The caller frees *det after the context. */
int cli_load_detectors(const char *cmd, fj_context *ctx, const char *path, fj_detectors **det);

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

/* --other-source FILE (train, eval --cv; repeatable): FILE, one of the corpus files, is another
 * source whose labels follow other definitions (fj_train_params.sources), numbered 1, 2, ... in
 * the order the flags are given. cli_sources_flag records one (false, with the problem printed,
 * for a repeated file or more than FJ_MAX_SOURCES); cli_sources_check says whether each is
 * among the corpus files (printing the one that is not); cli_sources_push appends the source of
 * the next dataset posting, read from `path` (false when out of memory); `of` is then the
 * fj_train_params.sources array (NULL while no other source is flagged). */
typedef struct cli_sources {
    const char *file[FJ_MAX_SOURCES];
    int n;
    int *of;
    size_t len, cap;
} cli_sources;
bool cli_sources_flag(cli_sources *s, const char *cmd, const char *file);
bool cli_sources_check(const cli_sources *s, const char *cmd, char *const *files, int nfiles);
bool cli_sources_push(cli_sources *s, const char *path);
void cli_sources_free(cli_sources *s);

/* Subcommands: argc/argv start at the subcommand's name. */
typedef int (*cli_command_fn)(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_signals(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_train_signals(int argc, char **argv);
int cmd_eval_signals(int argc, char **argv);

#endif
