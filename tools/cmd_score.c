/*
 * cmd_score.c - `fakejob score [--model DIR] [--history DB] [OPTIONS] [FILE...]`: score postings
 * (JSONL, standard input when no file is given) and write one result per input line, in input
 * order: the result format of README.md as JSONL, or a readable table when standard output is a
 * terminal (or with --format table). A line that cannot be read or scored gives an error result
 * and the stream goes on.
 *
 * Postings go through fj_score_json_batch, which writes the result lines: regular files in
 * chunks (on --threads N threads, default 0: one per CPU, as train and score_many); from a
 * pipe or a terminal,
 * what has arrived is scored before waiting for more, so each result is written as soon as its
 * line arrives (and a fast pipe is still scored in chunks). The batches reuse the same contexts,
 * so their scratch stays warm from one chunk to the next. The table is written from fj_score_with's
 * results, one posting at a time, with posting text escaped (cli_put_safe) and each row cut to
 * the terminal's width.
 *
 * Output errors: scoring stops at the first write error (a full disk, a closed pipe), so a
 * history store records at most one chunk (CHUNK postings) beyond the results that were
 * written: a retry after fixing the output sees at most that many postings as reposts of
 * themselves. A read error ends the input there with the file named (exit 3).
 *
 * Exit status: 0 every line was processed (error results included); 1 with --strict when a
 * line gave an error result; 2 bad flags; 3 an input file or the history store could not be
 * opened, or output could not be written; 4 the model could not be loaded.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 512

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fakejob score [--model DIR] [--history DB] [OPTIONS] [FILE...]\n"
            "Score job postings (one JSON object a line; standard input when no file is given)\n"
            "and write one result a line, in input order.\n\n"
            "  -m, --model DIR              the model bundle (default: the default model,\n"
            "                               or $FAKEJOB_MODEL)\n"
            "  -H, --history DB             a repost history store (SQLite file, created if\n"
            "                               needed, or a postgresql:// URI): each posting is\n"
            "                               recorded and its reposts counted\n"
            "  --history-key FILE           the store's key file (default: $FJ_HISTORY_KEY_FILE,\n"
            "                               else DB.key; made, mode 0600, with a new store)\n"
            "  --threshold-fraud X          score from which the verdict is fraud (0..1;\n"
            "                               default: the model's)\n"
            "  --threshold-suspicious Y     score from which it is suspicious (0..1, <= X)\n"
            "  --prior P                    the fraud rate expected in this traffic (0 < P <\n"
            "                               1; default: the model's training mix): scores\n"
            "                               and the model's thresholds move to it\n"
            "  --reasons N                  reasons per result (default 5, 0 for none)\n"
            "  --format json|table          JSONL (default when not a terminal) or a table\n"
            "  --threads N                  worker threads (default 0: one per CPU)\n"
            "  --strict                     exit 1 when any line gave an error result\n"
            "  -q, --quiet                  no summary or warnings on standard error\n"
            "  -h, --help                   this help\n\n"
            "Exit status: 0 done, 1 error results with --strict, 2 bad usage, 3 unreadable\n"
            "input, history or unwritable output, 4 the model could not be loaded.\n");
}

typedef struct score_args {
    const char *model, *history, *history_key;
    double t_fraud, t_susp, prior;
    long reasons, threads;
    int table; /* -1: auto */
    bool strict, quiet;
    char **files;
    int nfiles;
} score_args;

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* 0: parsed; -1: --help printed; otherwise the exit status. */
static int parse_args(int argc, char **argv, score_args *a)
{
    memset(a, 0, sizeof *a);
    a->t_fraud = a->t_susp = a->prior = -1;
    a->reasons = 5;
    a->threads = 0;
    a->table = -1;
    a->files = calloc((size_t)argc + 1, sizeof *a->files);
    if (!a->files)
        return CLI_FAIL;
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(s, "-m") == 0 || strcmp(s, "--model") == 0 || strcmp(s, "-H") == 0 ||
                     strcmp(s, "--history") == 0 || strcmp(s, "--history-key") == 0 ||
                     strcmp(s, "--threshold-fraud") == 0 ||
                     strcmp(s, "--threshold-suspicious") == 0 || strcmp(s, "--reasons") == 0 ||
                     strcmp(s, "--format") == 0 || strcmp(s, "--threads") == 0 ||
                     strcmp(s, "--prior") == 0;
        if (!only_files && takes) {
            if (!val) {
                cli_warn("score", "%s needs a value", s);
                return CLI_USAGE;
            }
            i++;
        }
        if (only_files || s[0] != '-' || strcmp(s, "-") == 0) {
            a->files[a->nfiles++] = argv[i];
        } else if (strcmp(s, "--") == 0) {
            only_files = true;
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(s, "-m") == 0 || strcmp(s, "--model") == 0) {
            a->model = val;
        } else if (strcmp(s, "-H") == 0 || strcmp(s, "--history") == 0) {
            a->history = val;
        } else if (strcmp(s, "--history-key") == 0) {
            a->history_key = val;
        } else if (strcmp(s, "--threshold-fraud") == 0 ||
                   strcmp(s, "--threshold-suspicious") == 0) {
            double v;
            if (!cli_parse_double(val, &v) || v < 0 || v > 1) {
                cli_warn("score", "%s takes a number from 0 to 1, not '%s'", s, val);
                return CLI_USAGE;
            }
            *(strcmp(s, "--threshold-fraud") == 0 ? &a->t_fraud : &a->t_susp) = v;
        } else if (strcmp(s, "--prior") == 0) {
            if (!cli_parse_double(val, &a->prior) || !(a->prior > 0 && a->prior < 1)) {
                cli_warn("score",
                         "--prior takes a fraud rate between 0 and 1 (exclusive), not '%s'", val);
                return CLI_USAGE;
            }
        } else if (strcmp(s, "--reasons") == 0) {
            if (!parse_long(val, 0, 100, &a->reasons)) {
                cli_warn("score", "--reasons takes a whole number from 0 to 100, not '%s'", val);
                return CLI_USAGE;
            }
        } else if (strcmp(s, "--threads") == 0) {
            if (!parse_long(val, 0, 256, &a->threads)) {
                cli_warn("score", "--threads takes a whole number from 0 to 256, not '%s'", val);
                return CLI_USAGE;
            }
        } else if (strcmp(s, "--format") == 0) {
            if (strcmp(val, "json") == 0)
                a->table = 0;
            else if (strcmp(val, "table") == 0)
                a->table = 1;
            else {
                cli_warn("score", "--format takes json or table, not '%s'", val);
                return CLI_USAGE;
            }
        } else if (strcmp(s, "--strict") == 0) {
            a->strict = true;
        } else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) {
            a->quiet = true;
        } else {
            cli_warn("score", "unknown option '%s' (see fakejob score --help)", s);
            return CLI_USAGE;
        }
    }
    if (a->t_fraud >= 0 && a->t_susp > a->t_fraud) {
        cli_warn("score", "--threshold-suspicious (%g) is above --threshold-fraud (%g)", a->t_susp,
                 a->t_fraud);
        return CLI_USAGE;
    }
    return 0;
}

/* ---- output ---- */

typedef struct out_state {
    bool table, header_done, write_failed;
    int write_errno; /* errno of the first write error */
    int width;       /* terminal columns, -1: unknown (no cut) */
    size_t results, errors;
} out_state;

/* The fixed columns of a row: ID (16), LANG, SCORE, VERDICT, then the reasons. */
#define ID_COLS 16
#define FIXED_COLS (ID_COLS + 1 + 4 + 1 + 6 + 2 + 10 + 2)

/* Write a row's text (built unescaped) escaped and cut to the terminal's width. */
static void put_row(const out_state *o, const char *text, size_t len, int used)
{
    cli_put_safe(stdout, text, len, o->width < 0 ? -1 : (o->width > used ? o->width - used : 0), 0);
    putchar('\n');
}

static void table_header(out_state *o)
{
    if (o->header_done)
        return;
    o->header_done = true;
    char head[128];
    int n = snprintf(head, sizeof head, "%-16s %-4s %6s  %-10s  %s", "ID", "LANG", "SCORE",
                     "VERDICT", "REASONS");
    put_row(o, head, (size_t)n, 0);
}

/* The ID column: the posting's id escaped, cut and padded to ID_COLS columns. */
static void put_id(const char *id, size_t len)
{
    int used = cli_put_safe(stdout, id ? id : "-", id ? len : 1, ID_COLS, 0);
    for (; used < ID_COLS; used++)
        putchar(' ');
}

static void table_row(out_state *o, const fj_posting *p, const fj_result *r)
{
    table_header(o);
    size_t il = 0;
    const char *id = p ? fj_posting_string(p, FJ_FIELD_ID, &il) : NULL;
    put_id(id, il);
    printf(" %-4s %6.3f  %-10s  ", fj_lang_name(r->lang), r->score, fj_verdict_name(r->verdict));
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        putchar('\n');
        return;
    }
    if (!r->reasons_available)
        fprintf(m, "(no reasons: kernel model)");
    /* each reason by its label in the posting's language; what is missing after its label */
    fj_lang ul = r->lang == FJ_LANG_ZH ? FJ_LANG_ZH : FJ_LANG_EN;
    for (size_t k = 0; k < r->reason_count && k < 3; k++) {
        const fj_reason *rs = &r->reasons[k];
        fprintf(m, "%s%s", k ? "; " : "", fj_reason_label(rs->signal, rs->weight > 0, ul));
        for (size_t j = 0; j < rs->missing_count; j++)
            fprintf(m, "%s%s",
                    j                  ? ", "
                    : ul == FJ_LANG_ZH ? "："
                                       : ": ",
                    fj_reason_label(rs->missing[j].signal, rs->missing[j].weight > 0, ul));
        fprintf(m, " %+.2f", rs->weight);
        if (rs->evidence && rs->evidence_len) {
            fprintf(m, " \"");
            size_t n = rs->evidence_len > 24 ? 24 : rs->evidence_len;
            /* cut on a character boundary */
            while (n < rs->evidence_len && ((unsigned char)rs->evidence[n] & 0xc0) == 0x80)
                n--;
            fwrite(rs->evidence, 1, n, m);
            fprintf(m, "%s\"", n < rs->evidence_len ? "…" : "");
        }
    }
    fclose(m);
    put_row(o, text, len, FIXED_COLS);
    free(text);
}

static void table_error(out_state *o, const char *id, const fj_error *e)
{
    table_header(o);
    put_id(id, id ? strlen(id) : 0);
    printf(" %-4s %6s  %-10s  ", "-", "-", "error");
    put_row(o, e->message, strlen(e->message), FIXED_COLS);
}

static void out_failed(out_state *o)
{
    if (!o->write_failed)
        o->write_errno = errno ? errno : EIO;
    o->write_failed = true;
}

/* ---- scoring ---- */

typedef struct scorer {
    const score_args *a;
    fj_model *model;
    fj_history *hist;
    fj_context *ctx;   /* the table's, and the batches' first worker's */
    fj_context **ctxs; /* [nthreads]: the batches' contexts, warm from chunk to chunk */
    int nthreads;
    fj_posting *p;
    fj_score_options so;
    out_state out;
    /* pending chunk for the batch scorer */
    char **lines;
    size_t *lens;
    long long *lineno;
    size_t n;
    const char *source;
} scorer;

static void flush_chunk(scorer *s)
{
    if (s->n == 0)
        return;
    fj_batch_options bo;
    fj_batch_options_init(&bo);
    bo.threads = s->n == 1 ? 1 : s->nthreads;
    bo.contexts = s->ctxs;
    bo.history = s->hist;
    bo.score = &s->so;
    bo.lines = s->lineno;
    bo.source = s->source;
    char *out = NULL;
    size_t len = 0, errors = 0;
    errno = 0;
    fj_error err;
    fj_error_clear(&err);
    fj_status st = fj_score_json_batch(s->model, (const char *const *)s->lines, s->lens, s->n, &bo,
                                       &out, &len, &errors, &err);
    if (st != FJ_OK) {
        /* only argument or memory failures: report every line as failed */
        for (size_t i = 0; i < s->n; i++)
            cli_write_error(stdout, NULL, &err, s->lineno[i]);
        s->out.errors += s->n;
    } else {
        if (fwrite(out, 1, len, stdout) != len)
            out_failed(&s->out);
        s->out.errors += errors;
    }
    s->out.results += s->n;
    free(out);
    for (size_t i = 0; i < s->n; i++)
        free(s->lines[i]);
    s->n = 0;
    /* the results are delivered before another chunk is recorded in the history store */
    if (fflush(stdout) != 0 || ferror(stdout))
        out_failed(&s->out);
}

/* Score one line now, writing a table row or a JSON line. */
static void score_now(scorer *s, cli_reader *r)
{
    fj_error err;
    fj_error_clear(&err);
    errno = 0;
    fj_status st = cli_parse_line(r, s->p, &err);
    fj_history_stats hs;
    const fj_history_stats *hp = NULL;
    if (st == FJ_OK && s->hist) {
        st = fj_history_observe(s->hist, s->ctx, s->p, &hs, &err);
        hp = st == FJ_OK ? &hs : NULL;
    }
    fj_result res;
    if (st == FJ_OK)
        st = fj_score_with(s->ctx, s->model, s->p, hp, &s->so, &res, &err);
    s->out.results++;
    size_t il = 0;
    const char *id = fj_posting_string(s->p, FJ_FIELD_ID, &il);
    if (st != FJ_OK) {
        s->out.errors++;
        if (s->out.table)
            table_error(&s->out, id, &err);
        else
            cli_write_error(stdout, id, &err, r->lineno);
    } else if (s->out.table) {
        table_row(&s->out, s->p, &res);
    } else {
        char *json = NULL;
        if (fj_result_to_json(&res, s->p, s->model, &json, &err) == FJ_OK) {
            fputs(json, stdout);
            putchar('\n');
        } else {
            s->out.errors++;
            cli_write_error(stdout, id, &err, r->lineno);
        }
        free(json);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        out_failed(&s->out);
}

int cmd_score(int argc, char **argv)
{
    score_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.files);
        return rc < 0 ? CLI_OK : rc;
    }
    scorer s;
    memset(&s, 0, sizeof s);
    s.a = &a;
    fj_score_options_init(&s.so);
    s.so.threshold_fraud = a.t_fraud;
    s.so.threshold_suspicious = a.t_susp;
    s.so.max_reasons = (size_t)a.reasons;
    s.so.prior = a.prior;
    s.out.table = a.table < 0 ? isatty(STDOUT_FILENO) : a.table;
    s.out.width = s.out.table ? cli_terminal_width(STDOUT_FILENO) : -1;
    fj_error err;
    fj_error_clear(&err);
    fj_status st =
        a.model ? fj_model_load(&s.model, a.model, &err) : fj_model_load_default(&s.model, &err);
    if (st != FJ_OK) {
        cli_warn("score", "%s", err.message);
        free(a.files);
        return CLI_MODEL;
    }
    rc = CLI_OK;
    if (a.history && fj_history_open_key(&s.hist, a.history, a.history_key, &err) != FJ_OK) {
        cli_warn("score", "%s", err.message);
        rc = CLI_IO;
        goto out;
    }
    if (fj_context_new(&s.ctx, &err) != FJ_OK || fj_posting_new(&s.p, &err) != FJ_OK) {
        cli_warn("score", "%s", err.message);
        rc = CLI_FAIL;
        goto out;
    }
    s.nthreads = a.threads > 0 ? (int)a.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (s.nthreads < 1)
        s.nthreads = 1;
    s.ctxs = calloc((size_t)s.nthreads, sizeof *s.ctxs);
    if (!s.ctxs) {
        cli_warn("score", "out of memory");
        rc = CLI_FAIL;
        goto out;
    }
    s.ctxs[0] = s.ctx;
    for (int t = 1; t < s.nthreads; t++)
        if (fj_context_new(&s.ctxs[t], &err) != FJ_OK) {
            cli_warn("score", "%s", err.message);
            rc = CLI_FAIL;
            goto out;
        }
    s.lines = calloc(CHUNK, sizeof *s.lines);
    s.lens = calloc(CHUNK, sizeof *s.lens);
    s.lineno = calloc(CHUNK, sizeof *s.lineno);
    if (!s.lines || !s.lens || !s.lineno) {
        cli_warn("score", "out of memory");
        rc = CLI_FAIL;
        goto out;
    }
    cli_reader r;
    cli_reader_init(&r, "score", a.files, a.nfiles);
    int got;
    /* stop at the first write error: nothing more is scored or recorded */
    while (!s.out.write_failed && (got = cli_reader_next(&r)) != 0) {
        if (got == -1)
            continue; /* the file could not be opened: the next one */
        if (got < 0)
            break; /* a read error ends the input */
        if (s.out.table || r.too_long) {
            flush_chunk(&s);
            score_now(&s, &r);
            continue;
        }
        if ((s.n && s.source != r.path) || s.n == CHUNK)
            flush_chunk(&s);
        char *copy = malloc(r.len + 1);
        if (!copy) {
            flush_chunk(&s);
            score_now(&s, &r); /* reports the failure as a result, in order */
            continue;
        }
        memcpy(copy, r.line ? r.line : "", r.len);
        copy[r.len] = '\0';
        s.source = r.path;
        s.lines[s.n] = copy;
        s.lens[s.n] = r.len;
        s.lineno[s.n] = r.lineno;
        s.n++;
        if (cli_reader_would_wait(&r))
            flush_chunk(&s); /* a pipe or terminal: answer what arrived before waiting */
    }
    if (!s.out.write_failed)
        flush_chunk(&s);
    for (size_t i = 0; i < s.n; i++)
        free(s.lines[i]); /* read after a failed write: neither scored nor recorded */
    s.n = 0;
    bool io_failed = r.failed;
    cli_reader_free(&r);
    if (!s.out.write_failed && (fflush(stdout) != 0 || ferror(stdout)))
        out_failed(&s.out);
    if (s.out.write_failed) {
        cli_warn("score", "cannot write the results (stopped after %zu postings): %s",
                 s.out.results, strerror(s.out.write_errno));
        rc = CLI_IO;
    } else if (io_failed) {
        rc = CLI_IO;
    } else if (a.strict && s.out.errors) {
        rc = CLI_FAIL;
    }
    if (!a.quiet && s.out.errors)
        cli_warn("score", "%zu of %zu postings could not be scored (see their error results)",
                 s.out.errors, s.out.results);
out:
    free(s.lines);
    free(s.lens);
    free(s.lineno);
    fj_posting_free(s.p);
    for (int t = 1; s.ctxs && t < s.nthreads; t++)
        fj_context_free(s.ctxs[t]);
    free(s.ctxs);
    fj_context_free(s.ctx);
    fj_history_close(s.hist);
    fj_model_free(s.model);
    free(a.files);
    return rc;
}
