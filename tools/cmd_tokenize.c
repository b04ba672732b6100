/*
 * cmd_tokenize.c - `fakejob tokenize`: print the tokens of postings, for debugging the text
 * pipeline.
 *
 * Reads JSONL postings (or, with --text, plain text lines) from files or stdin and writes one
 * line per input line, in input order:
 *   json: {"id":…,"lang":"zh","tokens":[{"text":…,"kind":…,"field":…,"start":…,"end":…}]}
 *         (with --text: "id" is null and "line" gives the input line)
 *   text: ID TAB LANG TAB tokens separated by spaces, a word as its text, any other token as
 *         KIND:TEXT (ID is "-" when absent, the line number with --text); control characters,
 *         bidi overrides, tabs and newlines in the text are escaped (\x1b, \u202e, \t)
 * A line that cannot be read or tokenized gives an error result {"id":…,"error":{…}} and the
 * stream goes on. start/end are byte offsets into the field's original text.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("usage: fakejob tokenize [--format json|text] [--field NAME] [--text] [--strict]\n"
          "                        [FILE...]\n"
          "\n"
          "Print the normalized, segmented, typed tokens of each posting (JSONL, one object a\n"
          "line) read from the FILEs or stdin ('-').\n"
          "\n"
          "  --format json|text  json (default): one object a line with id, lang and tokens\n"
          "                      (text, kind, field, start, end: byte offsets into the field);\n"
          "                      text: ID, LANG and the tokens (KIND:TEXT), tab-separated\n"
          "  --field NAME        only this string field (title, description, salary, ...)\n"
          "  --text              the input is plain text, one text a line (not JSON)\n"
          "  --strict            exit 1 when a line could not be tokenized\n"
          "  -h, --help          this help\n"
          "\n"
          "Exit status: 0 done (error results may have been written), 1 --strict and an error,\n"
          "2 bad arguments, 3 a file could not be read or the output written.\n",
          out);
}

typedef struct opts {
    bool json, text, strict;
    int field; /* -1: every text field */
} opts;

static void write_token_json(FILE *out, const fj_token *t, const char *field)
{
    fputs("{\"text\":", out);
    cli_json_string(out, t->text, t->len);
    const char *kind = fj_token_kind_name((fj_token_kind)t->kind);
    fputs(",\"kind\":", out);
    cli_json_string(out, kind, strlen(kind));
    fputs(",\"field\":", out);
    cli_json_string(out, field, strlen(field));
    fprintf(out, ",\"start\":%u,\"end\":%u}", (unsigned)t->start, (unsigned)t->end);
}

static void write_result(FILE *out, const opts *o, const char *id, long long line, fj_lang lang,
                         const fj_token *toks, size_t n)
{
    const char *lang_name = fj_lang_name(lang);
    if (o->json) {
        fputs("{\"id\":", out);
        if (id)
            cli_json_string(out, id, strlen(id));
        else
            fputs("null", out);
        if (o->text)
            fprintf(out, ",\"line\":%lld", line);
        fputs(",\"lang\":", out);
        cli_json_string(out, lang_name, strlen(lang_name));
        fputs(",\"tokens\":[", out);
        for (size_t i = 0; i < n; i++) {
            if (i)
                putc(',', out);
            const char *field = o->field >= 0 ? fj_field_name((fj_field)o->field)
                                              : fj_field_name((fj_field)toks[i].field);
            write_token_json(out, &toks[i], field);
        }
        fputs("]}\n", out);
        return;
    }
    /* text for a terminal: control characters, bidi overrides, tabs and newlines escaped */
    if (id)
        cli_put_safe(out, id, strlen(id), -1, CLI_SAFE_ESCAPE_WS);
    else if (o->text)
        fprintf(out, "%lld", line);
    else
        putc('-', out);
    fprintf(out, "\t%s\t", lang_name);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc(' ', out);
        if (toks[i].kind != FJ_TOK_WORD)
            fprintf(out, "%s:", fj_token_kind_name((fj_token_kind)toks[i].kind));
        cli_put_safe(out, toks[i].text, toks[i].len, -1, CLI_SAFE_ESCAPE_WS);
    }
    putc('\n', out);
}

/* Prefix an error message with the file and line, as cli_parse_line does. */
static void locate(fj_error *err, const cli_reader *r)
{
    fj_error_locate(err, r->path, r->lineno);
}

int cmd_tokenize(int argc, char **argv)
{
    opts o = {.json = true, .field = -1};
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0)
            break;
        const char *val = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--text") == 0) {
            o.text = true;
        } else if (strcmp(a, "--strict") == 0) {
            o.strict = true;
        } else if (strncmp(a, "--format", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
            val = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) {
                cli_warn("tokenize", "--format needs a value: json or text");
                return CLI_USAGE;
            }
            if (strcmp(val, "json") == 0) {
                o.json = true;
            } else if (strcmp(val, "text") == 0) {
                o.json = false;
            } else {
                cli_warn("tokenize", "--format takes json or text, not '%s'", val);
                return CLI_USAGE;
            }
        } else if (strncmp(a, "--field", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
            val = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) {
                cli_warn("tokenize", "--field needs a field name");
                return CLI_USAGE;
            }
            int f = fj_field_from_name(val, strlen(val));
            if (f < 0 || fj_field_type_of((fj_field)f) != FJ_TYPE_STRING || f == FJ_FIELD_ID ||
                f == FJ_FIELD_LANG || f == FJ_FIELD_LABEL) {
                cli_warn("tokenize", "--field: '%s' is not a text field of a posting", val);
                return CLI_USAGE;
            }
            o.field = f;
        } else {
            cli_warn("tokenize", "unknown option '%s' (see fakejob tokenize --help)", a);
            return CLI_USAGE;
        }
    }

    fj_error err;
    fj_context *ctx = NULL;
    fj_posting *p = NULL;
    if (fj_context_new(&ctx, &err) != FJ_OK || fj_posting_new(&p, &err) != FJ_OK) {
        cli_warn("tokenize", "%s", err.message);
        fj_context_free(ctx);
        return CLI_FAIL;
    }
    cli_reader r;
    cli_reader_init(&r, "tokenize", argv + i, argc - i);
    bool any_error = false;
    int got;
    /* stops at a read error (the reader names the file) or the first write error */
    while (!ferror(stdout) && (got = cli_reader_next(&r)) != 0) {
        if (got == -1)
            continue;
        if (got < 0)
            break;
        fj_error_clear(&err);
        const fj_token *toks = NULL;
        size_t n = 0;
        fj_status st;
        const char *id = NULL;
        fj_lang lang;
        if (o.text) {
            if (r.too_long) {
                st = cli_parse_line(&r, p, &err); /* reports the over-long line */
            } else {
                fj_field f = o.field >= 0 ? (fj_field)o.field : FJ_FIELD_DESCRIPTION;
                st = fj_tokenize_field(ctx, f, r.line, r.len, &toks, &n, &err);
                if (st != FJ_OK)
                    locate(&err, &r);
            }
            lang = st == FJ_OK ? fj_detect_lang(r.line, r.len) : FJ_LANG_AUTO;
        } else {
            st = cli_parse_line(&r, p, &err);
            if (st == FJ_OK) {
                id = fj_posting_string(p, FJ_FIELD_ID, NULL);
                if (o.field >= 0) {
                    size_t len = 0;
                    const char *s = fj_posting_string(p, (fj_field)o.field, &len);
                    st = fj_tokenize_field(ctx, (fj_field)o.field, s ? s : "", s ? len : 0, &toks,
                                           &n, &err);
                } else {
                    st = fj_tokenize_posting(ctx, p, &toks, &n, &err);
                }
                if (st != FJ_OK)
                    locate(&err, &r);
            }
            lang = fj_posting_detect_lang(p);
        }
        if (st != FJ_OK) {
            any_error = true;
            cli_write_error(stdout, id, &err, r.lineno);
            continue;
        }
        write_result(stdout, &o, id, r.lineno, lang, toks, n);
        if (cli_reader_would_wait(&r))
            fflush(stdout); /* a terminal or pipe: answer before waiting for the next line */
    }
    bool io_failed = r.failed;
    cli_reader_free(&r);
    fj_posting_free(p);
    fj_context_free(ctx);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_warn("tokenize", "cannot write the output: %s", strerror(errno ? errno : EIO));
        return CLI_IO;
    }
    if (io_failed)
        return CLI_IO;
    return o.strict && any_error ? CLI_FAIL : CLI_OK;
}
