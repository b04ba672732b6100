/*
 * cli_util.c - the JSONL reader, error results, number parsing and the training options shared
 * by the fakejob subcommands.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cli_warn(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fakejob %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_reader_init(cli_reader *r, char *const *paths, int npaths)
{
    memset(r, 0, sizeof *r);
    r->paths = paths;
    r->npaths = npaths;
}

static int open_next(cli_reader *r)
{
    if (r->fp && r->fp != stdin)
        fclose(r->fp);
    r->fp = NULL;
    if (r->npaths == 0) {
        if (r->next++ > 0)
            return 0;
        r->fp = stdin;
        r->path = "-";
        r->lineno = 0;
        return 1;
    }
    if (r->next >= r->npaths)
        return 0;
    r->path = r->paths[r->next++];
    r->lineno = 0;
    if (strcmp(r->path, "-") == 0) {
        r->fp = stdin;
        return 1;
    }
    r->fp = fopen(r->path, "rb");
    if (!r->fp) {
        fprintf(stderr, "fakejob: cannot open '%s': %s\n", r->path, strerror(errno));
        return -1;
    }
    return 1;
}

int cli_reader_next(cli_reader *r)
{
    for (;;) {
        if (!r->fp) {
            int o = open_next(r);
            if (o <= 0)
                return o;
        }
        r->len = 0;
        r->too_long = false;
        int c = EOF;
        bool any = false;
        while ((c = getc(r->fp)) != EOF) {
            any = true;
            if (c == '\n')
                break;
            if (r->len >= FJ_MAX_POSTING_BYTES) {
                r->too_long = true;
                continue; /* skip the rest of the line */
            }
            if (r->len + 1 >= r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 4096;
                char *l = realloc(r->line, cap);
                if (!l) {
                    r->too_long = true;
                    continue;
                }
                r->line = l;
                r->cap = cap;
            }
            r->line[r->len++] = (char)c;
        }
        if (!any) {
            if (r->fp != stdin)
                fclose(r->fp);
            r->fp = NULL;
            if (r->npaths == 0)
                return 0;
            continue;
        }
        r->lineno++;
        if (r->len && r->line[r->len - 1] == '\r')
            r->len--;
        if (r->line)
            r->line[r->len] = '\0';
        size_t k = 0;
        while (k < r->len && (r->line[k] == ' ' || r->line[k] == '\t'))
            k++;
        if (k == r->len && !r->too_long)
            continue; /* blank line */
        return 1;
    }
}

void cli_reader_free(cli_reader *r)
{
    if (r->fp && r->fp != stdin)
        fclose(r->fp);
    free(r->line);
    memset(r, 0, sizeof *r);
}

fj_status cli_parse_line(cli_reader *r, fj_posting *p, fj_error *err)
{
    fj_status st;
    if (r->too_long) {
        fj_posting_clear(p);
        st = FJ_ERR_LIMIT;
        if (err) {
            fj_error_clear(err);
            err->status = st;
            snprintf(err->message, sizeof err->message,
                     "posting is over the limit of %u bytes (FJ_MAX_POSTING_BYTES)",
                     FJ_MAX_POSTING_BYTES);
        }
    } else {
        st = fj_posting_parse_json(p, r->line ? r->line : "", r->len, err);
    }
    if (st != FJ_OK && err) {
        err->line = r->lineno;
        char msg[sizeof err->message];
        snprintf(msg, sizeof msg, "%s:%lld: %s", r->path, r->lineno, err->message);
        memcpy(err->message, msg, sizeof msg);
    }
    return st;
}

void cli_json_string(FILE *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (c < 0x20)
                fprintf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
            else
                putc(c, out);
        }
    }
    putc('"', out);
}

/* Best effort: the "id" member of a line that failed to parse, so its error result can be
 * matched to the input. Only a plain string id without escapes is recovered. */
static void write_id_guess(FILE *out, const char *id)
{
    fputs("\"id\":", out);
    if (id)
        cli_json_string(out, id, strlen(id));
    else
        fputs("null", out);
}

void cli_write_error(FILE *out, const char *id, const fj_error *err, long long line)
{
    fputc('{', out);
    write_id_guess(out, id);
    fputs(",\"error\":{\"code\":", out);
    const char *code = fj_status_name(err ? err->status : FJ_ERR_INTERNAL);
    cli_json_string(out, code, strlen(code));
    fputs(",\"message\":", out);
    const char *msg = err ? err->message : "unknown error";
    cli_json_string(out, msg, strlen(msg));
    if (err && err->field[0]) {
        fputs(",\"field\":", out);
        cli_json_string(out, err->field, strlen(err->field));
    }
    if (line > 0)
        fprintf(out, ",\"line\":%lld", line);
    fputs("}}\n", out);
}

bool cli_parse_double(const char *s, double *out)
{
    char *end;
    if (isspace((unsigned char)*s))
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool cli_parse_ull(const char *s, unsigned long long lo, unsigned long long hi,
                   unsigned long long *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '+' || isspace((unsigned char)*s))
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static const char *const train_valued[] = {
    "--kernel",        "--C",      "--gamma",        "--folds",   "--seed", "--target-precision",
    "--target-recall", "--min-df", "--max-features", "--threads", NULL};
static const char *const train_flags[] = {"--single-model", "--no-class-weights", "--single-view",
                                          NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (int k = 0; list[k]; k++)
        if (strcmp(list[k], s) == 0)
            return true;
    return false;
}

int cli_train_option_arity(const char *opt)
{
    return in_list(train_valued, opt) ? 1 : in_list(train_flags, opt) ? 0 : -1;
}

/* Ranges of the whole-number options: name, lowest, highest, what the message calls it. */
static bool train_whole(const char *cmd, const char *opt, const char *val, const char *shown,
                        fj_train_params *p)
{
    static const struct {
        const char *opt;
        unsigned long long lo, hi;
        const char *range;
    } rules[] = {
        {"--folds", 2, 100, "from 2 to 100"},
        {"--seed", 0, UINT64_MAX, "of 0 or more"},
        {"--min-df", 1, 1000000, "from 1 to 1000000"},
        {"--max-features", 1, 20000000, "from 1 to 20000000"},
        {"--threads", 0, 256, "from 0 to 256"},
    };
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
        if (strcmp(opt, rules[k].opt) != 0)
            continue;
        unsigned long long u;
        if (!cli_parse_ull(val, rules[k].lo, rules[k].hi, &u)) {
            cli_warn(cmd, "%s takes a whole number %s%s, not '%s'", opt, rules[k].range,
                     val == shown ? "" : " after LANG:", shown);
            return false;
        }
        if (k == 0)
            p->folds = (int)u;
        else if (k == 1)
            p->seed = u;
        else if (k == 2)
            p->min_df = (int)u;
        else if (k == 3)
            p->max_features = (size_t)u;
        else
            p->threads = (int)u;
        return true;
    }
    return false;
}

/* "--min-df zh:2" / "--max-features en:300000": a per-language value. Returns the language
 * (val then points past the colon), 0 for a plain value, -1 for an unknown language. */
static int lang_prefix(const char **val)
{
    const char *c = strchr(*val, ':');
    if (!c)
        return 0;
    size_t n = (size_t)(c - *val);
    int lang = n == 2 && memcmp(*val, "zh", 2) == 0   ? FJ_LANG_ZH
               : n == 2 && memcmp(*val, "en", 2) == 0 ? FJ_LANG_EN
                                                      : -1;
    if (lang > 0)
        *val = c + 1;
    return lang;
}

bool cli_train_option(const char *cmd, const char *opt, const char *val, fj_train_params *p)
{
    double d;
    if (strcmp(opt, "--min-df") == 0 || strcmp(opt, "--max-features") == 0) {
        const char *v = val;
        int lang = lang_prefix(&v);
        if (lang < 0) {
            cli_warn(cmd, "%s takes N or LANG:N with LANG zh or en, not '%s'", opt, val);
            return false;
        }
        if (lang > 0) {
            fj_train_params q = *p;
            if (!train_whole(cmd, opt, v, val, &q))
                return false;
            if (strcmp(opt, "--min-df") == 0)
                p->min_df_lang[lang] = q.min_df;
            else
                p->max_features_lang[lang] = q.max_features;
            return true;
        }
    }
    if (strcmp(opt, "--single-model") == 0) {
        p->per_language = 0;
    } else if (strcmp(opt, "--no-class-weights") == 0) {
        p->class_weights = 0;
    } else if (strcmp(opt, "--single-view") == 0) {
        p->text_view = 0;
    } else if (strcmp(opt, "--kernel") == 0) {
        if (strcmp(val, "linear") == 0) {
            p->kernel = FJ_KERNEL_LINEAR;
        } else if (strcmp(val, "rbf") == 0) {
            p->kernel = FJ_KERNEL_RBF;
        } else {
            cli_warn(cmd, "--kernel takes linear or rbf, not '%s'", val);
            return false;
        }
    } else if (strcmp(opt, "--C") == 0 || strcmp(opt, "--gamma") == 0) {
        if (!cli_parse_double(val, &d) || !(d > 0)) {
            cli_warn(cmd, "%s takes a positive number, not '%s'", opt, val);
            return false;
        }
        *(strcmp(opt, "--C") == 0 ? &p->C : &p->gamma) = d;
    } else if (strcmp(opt, "--target-precision") == 0) {
        if (!cli_parse_double(val, &d) || !(d > 0 && d <= 1)) {
            cli_warn(cmd, "--target-precision takes a number in (0, 1], not '%s'", val);
            return false;
        }
        p->target_precision = d;
    } else if (strcmp(opt, "--target-recall") == 0) {
        if (!cli_parse_double(val, &d) || !(d > 0 && d <= 1)) {
            cli_warn(cmd, "--target-recall takes a number in (0, 1], not '%s'", val);
            return false;
        }
        p->target_recall = d;
    } else {
        return train_whole(cmd, opt, val, val, p);
    }
    return true;
}
