/*
 * cli_util.c - the JSONL reader, error results, number parsing and the training options shared
 * by the fakejob subcommands.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* vsnprintf into buf, returning the length kept (0 on a format error). */
static size_t format_into(char *buf, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, size, fmt, ap);
    if (n < 0)
        return 0;
    return (size_t)n >= size ? size - 1 : (size_t)n;
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    size_t n = format_into(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "fakejob %s: ", cmd);
    cli_put_safe(stderr, msg, n, -1, CLI_SAFE_ESCAPE_WS);
    fputc('\n', stderr);
}

/* The code point at s[i] (0 < *n <= 4 bytes), or -1 with *n = 1 for a byte that does not start
 * a well-formed sequence. */
static long utf8_next(const char *s, size_t len, size_t i, size_t *n)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t avail = len - i;
    *n = 1;
    if (u[0] < 0x80)
        return u[0];
    size_t k = u[0] >= 0xc2 && u[0] <= 0xdf   ? 2
               : u[0] >= 0xe0 && u[0] <= 0xef ? 3
               : u[0] >= 0xf0 && u[0] <= 0xf4 ? 4
                                              : 0;
    if (k == 0 || k > avail)
        return -1;
    long cp = u[0] & (0x7f >> k);
    for (size_t j = 1; j < k; j++) {
        if ((u[j] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (u[j] & 0x3f);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (k == 4 && cp < 0x10000) ||
        cp > 0x10ffff)
        return -1;
    *n = k;
    return cp;
}

/* Code points a terminal would act on rather than show: C0 and C1 controls, DEL, the bidi
 * embeddings, overrides and isolates, and the line and paragraph separators. */
static bool is_control(long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int cli_display_width(long cp)
{
    if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200d) || cp == 0xfe0f ||
        (cp >= 0xfe00 && cp <= 0xfe0e))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
        (cp >= 0x3041 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
        (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
        (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ||
        (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x1f900 && cp <= 0x1f9ff) ||
        (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

int cli_put_safe(FILE *out, const char *s, size_t len, int max_cols, int flags)
{
    int used = 0;
    for (size_t i = 0; i < len;) {
        size_t n;
        long cp = utf8_next(s, len, i, &n);
        char esc[16];
        const char *show = s + i;
        size_t show_len = n;
        int w;
        if (cp == '\n' || cp == '\t' || cp == '\r') {
            if (flags & CLI_SAFE_ESCAPE_WS) {
                snprintf(esc, sizeof esc, "\\%c", cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r');
                show = esc;
                show_len = 2;
            } else {
                show = " ";
                show_len = 1;
            }
            w = (int)show_len;
        } else if (cp < 0) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned char)s[i]);
            show = esc;
            show_len = 4;
            w = 4;
        } else if (is_control(cp)) {
            if (cp < 0x80)
                snprintf(esc, sizeof esc, "\\x%02lx", cp);
            else
                snprintf(esc, sizeof esc, "\\u%04lx", cp);
            show = esc;
            show_len = strlen(esc);
            w = (int)show_len;
        } else {
            w = cli_display_width(cp);
        }
        if (max_cols >= 0 && used + w > max_cols)
            break;
        if (out)
            fwrite(show, 1, show_len, out);
        used += w;
        i += n;
    }
    return used;
}

int cli_text_width(const char *s, size_t len)
{
    return cli_put_safe(NULL, s, len, -1, 0);
}

void cli_reader_init(cli_reader *r, const char *cmd, char *const *paths, int npaths)
{
    memset(r, 0, sizeof *r);
    r->cmd = cmd;
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
        r->failed = true;
        cli_warn(r->cmd, "cannot open '%s': %s", r->path, strerror(errno));
        return -1;
    }
    return 1;
}

/* Append s[0, n) to the reader's line: past FJ_MAX_POSTING_BYTES (or when the line cannot grow)
 * the rest is skipped and the line marked too long. */
static void line_append(cli_reader *r, const char *s, size_t n)
{
    if (r->len + n > FJ_MAX_POSTING_BYTES) {
        r->too_long = true;
        n = FJ_MAX_POSTING_BYTES - r->len;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *l = realloc(r->line, cap);
        if (!l) {
            r->too_long = true;
            return;
        }
        r->line = l;
        r->cap = cap;
    }
    memcpy(r->line + r->len, s, n);
    r->len += n;
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
        errno = 0;
        /* one thread reads a stream: its lock is taken once a line, not once a byte */
        flockfile(r->fp);
        for (;;) {
#if defined(__GLIBC__) && !defined(__UCLIBC__)
            /* the bytes stdio holds already: up to the line's end in one copy */
            char *p = r->fp->_IO_read_ptr, *e = r->fp->_IO_read_end;
            if (p && p < e) {
                char *nl = memchr(p, '\n', (size_t)(e - p));
                any = true;
                line_append(r, p, (size_t)((nl ? nl : e) - p));
                r->fp->_IO_read_ptr = nl ? nl + 1 : e;
                if (nl) {
                    c = '\n';
                    break;
                }
                continue;
            }
#endif
            if ((c = getc_unlocked(r->fp)) == EOF)
                break;
            any = true;
            if (c == '\n')
                break;
            char ch = (char)c;
            line_append(r, &ch, 1);
        }
        funlockfile(r->fp);
        if (c == EOF && ferror(r->fp)) {
            /* a read error is not the end of the input: stop, naming the file */
            int e = errno ? errno : EIO;
            r->failed = true;
            cli_warn(r->cmd, "cannot read '%s'%s: %s", r->path,
                     strcmp(r->path, "-") == 0 ? " (standard input)" : "", strerror(e));
            if (r->fp != stdin)
                fclose(r->fp);
            r->fp = NULL;
            r->next = r->npaths > 0 ? r->npaths : 1; /* nothing after it is read */
            return -2;
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
        if (r->lineno == 1 && r->len >= 3 && memcmp(r->line, "\xef\xbb\xbf", 3) == 0) {
            /* a UTF-8 byte order mark at the start of a file is not part of the posting */
            memmove(r->line, r->line + 3, r->len - 3);
            r->len -= 3;
        }
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

/* Whether the next read would wait: the input is a pipe or terminal (not a regular file) and no
 * byte is ready, neither in stdio's buffer (glibc) nor on the descriptor. Commands answer what has
 * arrived before they wait, so a line that arrives alone is answered at once, and lines that arrive
 * together (a fast pipe) are processed together. */
bool cli_reader_would_wait(const cli_reader *r)
{
    if (!r->fp)
        return false;
    struct stat sb;
    if (fstat(fileno(r->fp), &sb) == 0 && S_ISREG(sb.st_mode))
        return false;
#if defined(__GLIBC__) && !defined(__UCLIBC__)
    if (r->fp->_IO_read_ptr < r->fp->_IO_read_end)
        return false;
#else
    return true; /* unknown buffering: answer line by line */
#endif
    struct pollfd pfd = {.fd = fileno(r->fp), .events = POLLIN};
    return !(poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN));
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
    if (st != FJ_OK)
        fj_error_locate(err, r->path, r->lineno);
    return st;
}

int cli_load_detectors(const char *cmd, fj_context *ctx, const char *path, fj_detectors **det)
{
    fj_error err;
    fj_status st = fj_detectors_load(det, path, &err);
    if (st == FJ_OK)
        st = fj_context_set_detectors(ctx, *det, &err);
    if (st == FJ_OK)
        return CLI_OK;
    cli_warn(cmd, "%s", err.message);
    fj_detectors_free(*det);
    *det = NULL;
    return st == FJ_ERR_IO ? CLI_IO : st == FJ_ERR_NOMEM ? CLI_FAIL : CLI_MODEL;
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
            if (c < 0x20) {
                fprintf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
            } else if (c < 0x7f) {
                putc(c, out);
            } else {
                /* DEL, C1 and bidi controls as \uXXXX (the same JSON value), so that the
                 * output is safe on a terminal; other characters as they are */
                size_t n;
                long cp = utf8_next(s, len, i, &n);
                if (cp >= 0 && is_control(cp))
                    fprintf(out, "\\u%04lx", cp);
                else
                    fwrite(s + i, 1, n, out);
                i += n - 1;
            }
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

static const char *const train_valued[] = {"--kernel",        "--C",
                                           "--gamma",         "--folds",
                                           "--seed",          "--target-precision",
                                           "--target-recall", "--min-df",
                                           "--max-features",  "--threads",
                                           "--dense-weight",  "--source-mode",
                                           "--segmentation",  NULL};
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
    int lang = n == 2 && strncasecmp(*val, "zh", 2) == 0   ? FJ_LANG_ZH
               : n == 2 && strncasecmp(*val, "en", 2) == 0 ? FJ_LANG_EN
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
    if (strcmp(opt, "--dense-weight") == 0) {
        const char *v = val;
        int lang = lang_prefix(&v);
        if (lang < 0 || !cli_parse_double(v, &d) || !(d > 0 && d <= 2)) {
            cli_warn(cmd,
                     "--dense-weight takes X or LANG:X with X in (0, 2] and LANG zh or en, "
                     "not '%s'",
                     val);
            return false;
        }
        *(lang > 0 ? &p->dense_weight_lang[lang] : &p->dense_weight) = d;
    } else if (strcmp(opt, "--single-model") == 0) {
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
    } else if (strcmp(opt, "--segmentation") == 0) {
        if (strcmp(val, fj_segmentation_name(FJ_SEG_DICTIONARY)) == 0) {
            p->segmentation = FJ_SEG_DICTIONARY;
        } else if (strcmp(val, fj_segmentation_name(FJ_SEG_HAN_UNIGRAM)) == 0) {
            p->segmentation = FJ_SEG_HAN_UNIGRAM;
        } else {
            cli_warn(cmd, "--segmentation takes icu-dictionary or han-unigram, not '%s'", val);
            return false;
        }
    } else if (strcmp(opt, "--source-mode") == 0) {
        int k = fj_source_mode_from_name(val);
        if (k < 0) {
            cli_warn(cmd,
                     "--source-mode takes augment, shared-meta, augment-text, intercept, pool or "
                     "route, not '%s'",
                     val);
            return false;
        }
        p->source_mode = (fj_source_mode)k;
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

bool cli_sources_flag(cli_sources *s, const char *cmd, const char *file)
{
    for (int k = 0; k < s->n; k++)
        if (strcmp(s->file[k], file) == 0) {
            cli_warn(cmd, "--other-source %s is given twice", file);
            return false;
        }
    if (s->n >= FJ_MAX_SOURCES) {
        cli_warn(cmd, "at most %d files can be --other-source", FJ_MAX_SOURCES);
        return false;
    }
    s->file[s->n++] = file;
    return true;
}

bool cli_sources_check(const cli_sources *s, const char *cmd, char *const *files, int nfiles)
{
    for (int k = 0; k < s->n; k++) {
        bool found = false;
        for (int i = 0; i < nfiles && !found; i++)
            found = strcmp(files[i], s->file[k]) == 0;
        if (!found) {
            cli_warn(cmd, "--other-source %s is not one of the corpus files given", s->file[k]);
            return false;
        }
    }
    return true;
}

bool cli_sources_push(cli_sources *s, const char *path)
{
    if (s->n == 0)
        return true;
    if (s->len == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        int *of = realloc(s->of, cap * sizeof *of);
        if (!of)
            return false;
        s->of = of;
        s->cap = cap;
    }
    int number = 0;
    for (int k = 0; k < s->n && !number; k++)
        if (strcmp(s->file[k], path) == 0)
            number = k + 1;
    s->of[s->len++] = number;
    return true;
}

void cli_sources_free(cli_sources *s)
{
    free(s->of);
    s->of = NULL;
    s->len = s->cap = 0;
}

void cli_write_signals(FILE *out, const fj_posting *p, fj_lang lang, const fj_signal *sig, size_t n)
{
    char *json = NULL;
    fj_error err;
    if (fj_signals_to_json(p, lang, sig, n, &json, &err) != FJ_OK) {
        cli_write_error(out, fj_posting_string(p, FJ_FIELD_ID, NULL), &err, 0);
        return;
    }
    fputs(json, out);
    fputc('\n', out);
    free(json);
}

int cli_terminal_width(int fd)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    unsigned long long v;
    if (c && cli_parse_ull(c, 20, 10000, &v))
        return (int)v;
    return -1;
}

bool cli_outfile_open(cli_outfile *o, const char *cmd, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cli_warn(cmd, "cannot write '%s': %s", path, strerror(EISDIR));
        return false;
    }
    size_t n = strlen(path) + 16;
    o->tmp = malloc(n);
    if (!o->tmp) {
        cli_warn(cmd, "out of memory");
        return false;
    }
    snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0 || !(o->fp = fdopen(fd, "wb"))) {
        cli_warn(cmd, "cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        o->tmp = NULL;
        return false;
    }
    /* mkstemp makes the file 0600; give it the permissions a plain fopen would */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return true;
}

bool cli_outfile_commit(cli_outfile *o, const char *cmd)
{
    if (!o->fp)
        return false;
    errno = 0;
    bool ok = fflush(o->fp) == 0 && !ferror(o->fp);
    int e = errno;
    if (fclose(o->fp) != 0 && ok) {
        ok = false;
        e = errno;
    }
    o->fp = NULL;
    if (ok && rename(o->tmp, o->path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        cli_warn(cmd, "cannot write '%s': %s", o->path, strerror(e ? e : EIO));
        unlink(o->tmp);
    }
    free(o->tmp);
    o->tmp = NULL;
    return ok;
}

void cli_outfile_abort(cli_outfile *o)
{
    if (o->fp) {
        fclose(o->fp);
        o->fp = NULL;
    }
    if (o->tmp) {
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
}

void cli_progress_init(cli_progress *pg, const char *cmd, bool quiet, bool verbose)
{
    memset(pg, 0, sizeof *pg);
    pg->cmd = cmd;
    pg->quiet = quiet;
    pg->verbose = verbose;
    pg->tty = isatty(STDERR_FILENO);
    pg->width = pg->tty ? cli_terminal_width(STDERR_FILENO) : -1;
}

void cli_progress_show(cli_progress *pg, const char *fmt, ...)
{
    if (pg->quiet || (!pg->tty && !pg->verbose))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = format_into(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char head[64];
    int hl = snprintf(head, sizeof head, "fakejob %s: ", pg->cmd);
    if (pg->tty && !pg->verbose) {
        fputs(pg->line_open ? "\r\033[K" : "", stderr);
        fputs(head, stderr);
        int room = pg->width > hl + 1 ? pg->width - hl - 1 : (pg->width < 0 ? 80 - hl : 0);
        cli_put_safe(stderr, msg, n, room, CLI_SAFE_ESCAPE_WS);
        pg->line_open = true;
    } else {
        fputs(head, stderr);
        cli_put_safe(stderr, msg, n, -1, CLI_SAFE_ESCAPE_WS);
        fputc('\n', stderr);
    }
    fflush(stderr);
}

void cli_progress_end(cli_progress *pg)
{
    if (pg->line_open) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    pg->line_open = false;
}
