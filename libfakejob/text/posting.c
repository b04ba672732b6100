/*
 * posting.c - the posting: typed fields set from C or parsed from one JSON object, and written
 * back as JSON. The format (README.md, "Posting format") is the project's interchange format:
 * strings are UTF-8, dates ISO 8601, unknown members ignored, `extra` accepted as any object.
 */
#include "core/fj_internal.h"
#include "core/json.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct field_value {
    bool present;
    union {
        struct {
            char *s;
            size_t len;
        } str;
        int64_t i; /* dates, integers and booleans */
        double d;
    } v;
} field_value;

struct fj_posting {
    field_value f[FJ_FIELD_COUNT];
    size_t text_bytes; /* all string fields together, for FJ_MAX_POSTING_BYTES */
};

static const struct {
    const char *name;
    fj_field_type type;
} field_info[FJ_FIELD_COUNT] = {
    [FJ_FIELD_ID] = {"id", FJ_TYPE_STRING},
    [FJ_FIELD_LANG] = {"lang", FJ_TYPE_STRING},
    [FJ_FIELD_TITLE] = {"title", FJ_TYPE_STRING},
    [FJ_FIELD_COMPANY] = {"company", FJ_TYPE_STRING},
    [FJ_FIELD_COMPANY_PROFILE] = {"company_profile", FJ_TYPE_STRING},
    [FJ_FIELD_DESCRIPTION] = {"description", FJ_TYPE_STRING},
    [FJ_FIELD_REQUIREMENTS] = {"requirements", FJ_TYPE_STRING},
    [FJ_FIELD_BENEFITS] = {"benefits", FJ_TYPE_STRING},
    [FJ_FIELD_SALARY] = {"salary", FJ_TYPE_STRING},
    [FJ_FIELD_LOCATION] = {"location", FJ_TYPE_STRING},
    [FJ_FIELD_EMPLOYMENT_TYPE] = {"employment_type", FJ_TYPE_STRING},
    [FJ_FIELD_CONTACT] = {"contact", FJ_TYPE_STRING},
    [FJ_FIELD_URL] = {"url", FJ_TYPE_STRING},
    [FJ_FIELD_APPLY_URL] = {"apply_url", FJ_TYPE_STRING},
    [FJ_FIELD_COMPANY_SIZE] = {"company_size", FJ_TYPE_STRING},
    [FJ_FIELD_COMPANY_REGISTRATION] = {"company_registration", FJ_TYPE_STRING},
    [FJ_FIELD_LABEL] = {"label", FJ_TYPE_STRING},
    [FJ_FIELD_POSTED_AT] = {"posted_at", FJ_TYPE_DATE},
    [FJ_FIELD_UPDATED_AT] = {"updated_at", FJ_TYPE_DATE},
    [FJ_FIELD_OBSERVED_AT] = {"observed_at", FJ_TYPE_DATE},
    [FJ_FIELD_COMPANY_FOUNDED] = {"company_founded", FJ_TYPE_DATE},
    [FJ_FIELD_HAS_COMPANY_LOGO] = {"has_company_logo", FJ_TYPE_BOOL},
    [FJ_FIELD_TELECOMMUTING] = {"telecommuting", FJ_TYPE_BOOL},
    [FJ_FIELD_HAS_QUESTIONS] = {"has_questions", FJ_TYPE_BOOL},
    [FJ_FIELD_OPENINGS] = {"openings", FJ_TYPE_INT},
    [FJ_FIELD_APPLICANTS] = {"applicants", FJ_TYPE_INT},
    [FJ_FIELD_RESPONSE_RATE] = {"response_rate", FJ_TYPE_NUMBER},
};

const fj_field fj_text_fields[FJ_TEXT_FIELD_COUNT] = {
    FJ_FIELD_TITLE,        FJ_FIELD_COMPANY,  FJ_FIELD_COMPANY_PROFILE, FJ_FIELD_DESCRIPTION,
    FJ_FIELD_REQUIREMENTS, FJ_FIELD_BENEFITS, FJ_FIELD_SALARY,          FJ_FIELD_CONTACT,
};

static bool valid_field(fj_field f)
{
    return (unsigned)f < FJ_FIELD_COUNT;
}

const char *fj_field_name(fj_field field)
{
    return valid_field(field) ? field_info[field].name : NULL;
}

fj_field_type fj_field_type_of(fj_field field)
{
    return valid_field(field) ? field_info[field].type : FJ_TYPE_STRING;
}

int fj_field_from_name(const char *name, size_t len)
{
    if (!name)
        return -1;
    for (int f = 0; f < FJ_FIELD_COUNT; f++)
        if (strlen(field_info[f].name) == len && memcmp(field_info[f].name, name, len) == 0)
            return f;
    return -1;
}

const char *fj_lang_name(fj_lang lang)
{
    switch (lang) {
    case FJ_LANG_ZH:
        return "zh";
    case FJ_LANG_EN:
        return "en";
    default:
        return "auto";
    }
}

fj_status fj_posting_new(fj_posting **out, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_posting_new: out is NULL");
    *out = calloc(1, sizeof **out);
    return *out ? FJ_OK : fj__nomem(err);
}

void fj_posting_unset(fj_posting *p, fj_field field)
{
    if (!p || !valid_field(field) || !p->f[field].present)
        return;
    if (field_info[field].type == FJ_TYPE_STRING) {
        p->text_bytes -= p->f[field].v.str.len;
        free(p->f[field].v.str.s);
    }
    memset(&p->f[field], 0, sizeof p->f[field]);
}

void fj_posting_clear(fj_posting *p)
{
    if (!p)
        return;
    for (int f = 0; f < FJ_FIELD_COUNT; f++)
        fj_posting_unset(p, (fj_field)f);
    p->text_bytes = 0;
}

void fj_posting_free(fj_posting *p)
{
    fj_posting_clear(p);
    free(p);
}

static fj_status check_field(const fj_posting *p, fj_field field, fj_field_type type, fj_error *err)
{
    if (!p)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "posting is NULL");
    if (!valid_field(field))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "no posting field numbered %d", (int)field);
    if (field_info[field].type != type)
        return fj__error(err, FJ_ERR_ARGUMENT, field_info[field].name, -1, -1,
                         "field '%s' does not take this type", field_info[field].name);
    return FJ_OK;
}

/* fj_posting_set_string; `valid`: the bytes are known to be UTF-8 without NUL (a string of the
 * JSON line fj_posting_parse_json checked whole, with no escapes), so they are not checked
 * again. */
static fj_status set_string(fj_posting *p, fj_field field, const char *utf8, size_t len, bool valid,
                            fj_error *err)
{
    if (p && valid_field(field) && field_info[field].type == FJ_TYPE_DATE && utf8) {
        int64_t t;
        fj_status st = fj_parse_iso8601(utf8, len, &t, err);
        if (st != FJ_OK) {
            if (err) {
                snprintf(err->field, sizeof err->field, "%s", field_info[field].name);
                char why[sizeof err->message];
                snprintf(why, sizeof why, "%s", err->message);
                snprintf(err->message, sizeof err->message, "field '%s': %s",
                         field_info[field].name, why);
            }
            return st;
        }
        return fj_posting_set_time(p, field, t, err);
    }
    fj_status st = check_field(p, field, FJ_TYPE_STRING, err);
    if (st != FJ_OK)
        return st;
    const char *name = field_info[field].name;
    if (!utf8 && len)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "field '%s': NULL text", name);
    if (len > FJ_MAX_FIELD_BYTES)
        return fj__error(err, FJ_ERR_LIMIT, name, -1, -1,
                         "field '%s' is %zu bytes, over the limit of %u (FJ_MAX_FIELD_BYTES)", name,
                         len, FJ_MAX_FIELD_BYTES);
    size_t old = p->f[field].present ? p->f[field].v.str.len : 0;
    if (p->text_bytes - old + len > FJ_MAX_POSTING_BYTES)
        return fj__error(err, FJ_ERR_LIMIT, name, -1, -1,
                         "posting text is over the limit of %u bytes (FJ_MAX_POSTING_BYTES)",
                         FJ_MAX_POSTING_BYTES);
    long long bad = valid ? (long long)len : fj__utf8_check(utf8, len, true);
    if (bad < 0) {
        long long at = -bad - 1;
        return fj__error(err, FJ_ERR_INPUT, name, at, -1,
                         "field '%s' is not valid UTF-8: %s at byte %lld", name,
                         utf8[at] == '\0' ? "NUL byte" : "invalid sequence", at);
    }
    if (field == FJ_FIELD_LANG &&
        !(len == 2 && (!memcmp(utf8, "zh", 2) || !memcmp(utf8, "en", 2))) &&
        !(len == 4 && !memcmp(utf8, "auto", 4)))
        return fj__error(err, FJ_ERR_INPUT, name, -1, -1,
                         "field 'lang' must be \"zh\", \"en\" or \"auto\"");
    if (field == FJ_FIELD_LABEL &&
        !(len == 5 && (!memcmp(utf8, "fraud", 5) || !memcmp(utf8, "legit", 5))))
        return fj__error(err, FJ_ERR_INPUT, name, -1, -1,
                         "field 'label' must be \"fraud\" or \"legit\"");
    char *copy = malloc(len + 1);
    if (!copy)
        return fj__nomem(err);
    if (len)
        memcpy(copy, utf8, len);
    copy[len] = '\0';
    fj_posting_unset(p, field);
    p->f[field].present = true;
    p->f[field].v.str.s = copy;
    p->f[field].v.str.len = len;
    p->text_bytes += len;
    return FJ_OK;
}

fj_status fj_posting_set_string(fj_posting *p, fj_field field, const char *utf8, size_t len,
                                fj_error *err)
{
    return set_string(p, field, utf8, len, false, err);
}

fj_status fj_posting_set_time(fj_posting *p, fj_field field, int64_t t, fj_error *err)
{
    fj_status st = check_field(p, field, FJ_TYPE_DATE, err);
    if (st != FJ_OK)
        return st;
    p->f[field].present = true;
    p->f[field].v.i = t;
    return FJ_OK;
}

fj_status fj_posting_set_bool(fj_posting *p, fj_field field, int value, fj_error *err)
{
    fj_status st = check_field(p, field, FJ_TYPE_BOOL, err);
    if (st != FJ_OK)
        return st;
    p->f[field].present = true;
    p->f[field].v.i = value != 0;
    return FJ_OK;
}

fj_status fj_posting_set_int(fj_posting *p, fj_field field, int64_t value, fj_error *err)
{
    fj_status st = check_field(p, field, FJ_TYPE_INT, err);
    if (st != FJ_OK)
        return st;
    if (value < 0)
        return fj__error(err, FJ_ERR_INPUT, field_info[field].name, -1, -1,
                         "field '%s' must not be negative", field_info[field].name);
    p->f[field].present = true;
    p->f[field].v.i = value;
    return FJ_OK;
}

fj_status fj_posting_set_number(fj_posting *p, fj_field field, double value, fj_error *err)
{
    fj_status st = check_field(p, field, FJ_TYPE_NUMBER, err);
    if (st != FJ_OK)
        return st;
    if (!(value >= 0.0 && value <= 1.0))
        return fj__error(err, FJ_ERR_INPUT, field_info[field].name, -1, -1,
                         "field '%s' must be a number from 0 to 1", field_info[field].name);
    p->f[field].present = true;
    p->f[field].v.d = value;
    return FJ_OK;
}

int fj_posting_has(const fj_posting *p, fj_field field)
{
    return p && valid_field(field) && p->f[field].present;
}

const char *fj_posting_string(const fj_posting *p, fj_field field, size_t *len)
{
    if (!fj_posting_has(p, field) || field_info[field].type != FJ_TYPE_STRING) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = p->f[field].v.str.len;
    return p->f[field].v.str.s;
}

static int get_i(const fj_posting *p, fj_field field, fj_field_type type, int64_t *out)
{
    if (!fj_posting_has(p, field) || field_info[field].type != type)
        return 0;
    if (out)
        *out = p->f[field].v.i;
    return 1;
}

int fj_posting_time(const fj_posting *p, fj_field field, int64_t *out)
{
    return get_i(p, field, FJ_TYPE_DATE, out);
}

int fj_posting_int(const fj_posting *p, fj_field field, int64_t *out)
{
    return get_i(p, field, FJ_TYPE_INT, out);
}

int fj_posting_bool(const fj_posting *p, fj_field field, int *out)
{
    int64_t v;
    if (!get_i(p, field, FJ_TYPE_BOOL, &v))
        return 0;
    if (out)
        *out = (int)v;
    return 1;
}

int fj_posting_number(const fj_posting *p, fj_field field, double *out)
{
    if (!fj_posting_has(p, field) || field_info[field].type != FJ_TYPE_NUMBER)
        return 0;
    if (out)
        *out = p->f[field].v.d;
    return 1;
}

fj_label fj_posting_label(const fj_posting *p)
{
    const char *s = fj_posting_string(p, FJ_FIELD_LABEL, NULL);
    if (!s)
        return FJ_LABEL_NONE;
    return strcmp(s, "fraud") == 0 ? FJ_LABEL_FRAUD : FJ_LABEL_LEGIT;
}

fj_lang fj_posting_lang(const fj_posting *p)
{
    const char *s = fj_posting_string(p, FJ_FIELD_LANG, NULL);
    if (s && strcmp(s, "zh") == 0)
        return FJ_LANG_ZH;
    if (s && strcmp(s, "en") == 0)
        return FJ_LANG_EN;
    return FJ_LANG_AUTO;
}

fj_status fj_posting_validate(const fj_posting *p, fj_error *err)
{
    if (!p)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "posting is NULL");
    size_t tl = 0, dl = 0;
    fj_posting_string(p, FJ_FIELD_TITLE, &tl);
    fj_posting_string(p, FJ_FIELD_DESCRIPTION, &dl);
    if (tl == 0 && dl == 0)
        return fj__error(err, FJ_ERR_INPUT, "title", -1, -1,
                         "posting has neither a title nor a description");
    return FJ_OK;
}

fj_status fj_posting_copy(fj_posting **out, const fj_posting *src, fj_error *err)
{
    if (!out || !src)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_posting_copy: NULL argument");
    fj_posting *p;
    fj_status st = fj_posting_new(&p, err);
    if (st != FJ_OK)
        return st;
    for (int f = 0; f < FJ_FIELD_COUNT; f++) {
        if (!src->f[f].present)
            continue;
        if (field_info[f].type == FJ_TYPE_STRING) {
            char *copy = malloc(src->f[f].v.str.len + 1);
            if (!copy) {
                fj_posting_free(p);
                return fj__nomem(err);
            }
            memcpy(copy, src->f[f].v.str.s, src->f[f].v.str.len + 1);
            p->f[f] = src->f[f];
            p->f[f].v.str.s = copy;
        } else {
            p->f[f] = src->f[f];
        }
    }
    p->text_bytes = src->text_bytes;
    *out = p;
    return FJ_OK;
}

/* ---- JSON ---- */

/*
 * One linear pass over the raw JSON before it is parsed: nesting depth, and the top-level
 * member an offset falls in (so invalid UTF-8 is reported with its field name).
 */
static fj_status prescan(const char *s, size_t len, long long bad_at, char *field, size_t fsize,
                         fj_error *err)
{
    int depth = 0;
    bool in_str = false, is_key = false;
    size_t str_start = 0;
    field[0] = '\0';
    size_t end = bad_at >= 0 && (unsigned long long)bad_at < len ? (size_t)bad_at : len;
    size_t next_quote = 0; /* the first quote at or after the last search (end: none) */
    for (size_t i = 0; i < end; i++) {
        char c = s[i];
        if (in_str) {
            /* step over the string's plain bytes to its next quote or backslash at once; the
             * next quote is searched for again only once i has passed the one found before
             * (an escaped one), so that a string of many escapes stays linear */
            if (next_quote <= i) {
                const char *q = memchr(s + i, '"', end - i);
                next_quote = q ? (size_t)(q - s) : end;
            }
            size_t stop = next_quote;
            const char *bs = memchr(s + i, '\\', stop - i);
            i = bs ? (size_t)(bs - s) : stop;
            if (i >= end)
                break;
            c = s[i];
            if (c == '\\')
                i++;
            else if (c == '"') {
                in_str = false;
                if (is_key && depth == 1) {
                    size_t n = i - str_start;
                    if (n >= fsize)
                        n = fsize - 1;
                    memcpy(field, s + str_start, n);
                    field[n] = '\0';
                }
            }
            continue;
        }
        switch (c) {
        case '"':
            in_str = true;
            str_start = i + 1;
            /* a string is a key when it follows '{' or ',' inside an object */
            {
                size_t k = i;
                while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\n' ||
                                 s[k - 1] == '\r'))
                    k--;
                is_key = k > 0 && (s[k - 1] == '{' || s[k - 1] == ',');
            }
            break;
        case '{':
        case '[':
            if (++depth > FJ_MAX_JSON_DEPTH && bad_at < 0)
                return fj__error(err, FJ_ERR_LIMIT, NULL, (long long)i, -1,
                                 "JSON nested deeper than %d levels at byte %zu "
                                 "(FJ_MAX_JSON_DEPTH)",
                                 FJ_MAX_JSON_DEPTH, i);
            break;
        case '}':
        case ']':
            depth--;
            break;
        default:
            break;
        }
    }
    return FJ_OK;
}

/* ---- the JSON reader ----
 *
 * One pass over the posting's JSON (RFC 8259; the prescan above has checked UTF-8 and depth):
 * the whole text is checked first (syntax, duplicate keys in any object, numbers a double or a
 * 64-bit integer can hold, no \u0000), the values of known members are noted in order, and only
 * then are they set, so that a syntax error anywhere wins over a wrong type and the first wrong
 * type in member order is the one reported. Strings without escapes are set straight from the
 * input; nothing is built but the decoded escaped strings and the keys of the current objects.
 */

typedef enum jkind { J_NULL, J_FALSE, J_TRUE, J_INT, J_REAL, J_STRING, J_ARRAY, J_OBJECT } jkind;

typedef struct jval {
    jkind kind;
    int field;       /* the posting field, or -1 for "extra" */
    const char *s;   /* J_STRING: its bytes (the input's, or `dec` when escaped: s == NULL) */
    size_t off, len; /* J_STRING: offset in dec when s == NULL; length */
    long long i;
    double d;
} jval;

typedef struct jkey {
    uint64_t hash;
    size_t off, len; /* in the key arena */
} jkey;

typedef struct jp {
    const char *t;
    size_t n, i;
    long long bad; /* the offset of the first error, -1 when none */
    const char *why;
    bool nomem;
    bool nul;      /* the error is an escaped NUL (\u0000) */
    fj_buf dec;    /* decoded escaped strings of known members */
    fj_buf karena; /* decoded keys of the open objects */
    jkey *keys;
    size_t nkeys, keys_cap;
    jval *vals; /* the known members in order */
    size_t nvals, vals_cap;
} jp;

static bool jfail(jp *j, const char *why)
{
    if (j->bad < 0) {
        j->bad = (long long)j->i;
        j->why = why;
    }
    return false;
}

static void jws(jp *j)
{
    while (j->i < j->n &&
           (j->t[j->i] == ' ' || j->t[j->i] == '\n' || j->t[j->i] == '\r' || j->t[j->i] == '\t'))
        j->i++;
}

static int jhex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static bool jhex4(jp *j, size_t at, unsigned *out)
{
    if (at + 4 > j->n)
        return false;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = jhex(j->t[at + k]);
        if (h < 0)
            return false;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

/* Whether none of the 8 bytes at p is a quote, a backslash or a control character (below
 * 0x20): the zero-byte test x - 0x01.. & ~x & 0x80.. says exactly whether some byte of x is 0
 * (below n, for x - n * 0x01..), for a whole word at once. */
static inline bool plain8(const char *p)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return !(((q - ones) & ~q & high) | ((b - ones) & ~b & high) | ((w - ones * 0x20) & ~w & high));
}

/* A string at j->i (its opening quote): its raw span [*a, *b) between the quotes and whether it
 * has escapes; decoded into `out` when out is not NULL and it has escapes. */
static bool jstring(jp *j, size_t *a, size_t *b, bool *escaped, fj_buf *out)
{
    j->i++; /* the quote */
    *a = j->i;
    *escaped = false;
    for (;;) {
        const char *q = j->t + j->i;
        size_t left = j->n - j->i;
        /* the plain run up to the next quote, backslash or control character */
        size_t k = 0;
        while (k + 8 <= left && plain8(q + k))
            k += 8;
        while (k < left && q[k] != '"' && q[k] != '\\' && (unsigned char)q[k] >= 0x20)
            k++;
        if (out && *escaped && k && !fj__buf_append(out, q, k))
            return j->nomem = true, false;
        j->i += k;
        if (j->i >= j->n)
            return jfail(j, "unterminated string");
        char c = j->t[j->i];
        if (c == '"') {
            *b = j->i;
            j->i++;
            return true;
        }
        if (c != '\\')
            return jfail(j, "control character in a string");
        if (out && !*escaped && !fj__buf_append(out, j->t + *a, j->i - *a))
            return j->nomem = true, false;
        *escaped = true;
        if (j->i + 1 >= j->n)
            return jfail(j, "unterminated string");
        char e = j->t[j->i + 1];
        char one = e == '"'    ? '"'
                   : e == '\\' ? '\\'
                   : e == '/'  ? '/'
                   : e == 'b'  ? '\b'
                   : e == 'f'  ? '\f'
                   : e == 'n'  ? '\n'
                   : e == 'r'  ? '\r'
                   : e == 't'  ? '\t'
                               : 0;
        if (one) {
            if (out && !fj__buf_append(out, &one, 1))
                return j->nomem = true, false;
            j->i += 2;
            continue;
        }
        unsigned u;
        if (e != 'u' || !jhex4(j, j->i + 2, &u))
            return jfail(j, "invalid escape");
        size_t next = j->i + 6;
        if (u >= 0xD800 && u <= 0xDBFF) {
            unsigned lo;
            if (next + 1 < j->n && j->t[next] == '\\' && j->t[next + 1] == 'u' &&
                jhex4(j, next + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                next += 6;
            } else {
                return jfail(j, "invalid Unicode escape (a lone surrogate)");
            }
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            return jfail(j, "invalid Unicode escape (a lone surrogate)");
        } else if (u == 0) {
            j->nul = true;
            return jfail(j, "\\u0000 is not allowed");
        }
        if (out) {
            char buf[4];
            if (!fj__buf_append(out, buf, fj__utf8_put(buf, u)))
                return j->nomem = true, false;
        }
        j->i = next;
    }
}

static bool jvalue(jp *j, jval *v, bool keep_string);

/* A growable array of `size`-byte elements holding n, with room for one more (arr itself when
 * it has room); NULL, with j->nomem set, when memory runs out. */
static void *jroom(jp *j, void *arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return arr;
    size_t c = *cap ? *cap * 2 : 32;
    void *a = realloc(arr, c * size);
    if (!a) {
        j->nomem = true;
        return NULL;
    }
    *cap = c;
    return a;
}

/* An object at j->i ('{'): every member checked, keys unique (compared decoded). When `top`, the
 * known members are noted in j->vals. */
static bool jobject(jp *j, bool top)
{
    j->i++;
    size_t k0 = j->nkeys, a0 = j->karena.len;
    jws(j);
    bool ok = true;
    if (j->i < j->n && j->t[j->i] == '}') {
        j->i++;
        return true;
    }
    for (;;) {
        jws(j);
        if (j->i >= j->n || j->t[j->i] != '"') {
            ok = jfail(j, "string or '}' expected");
            break;
        }
        size_t ka, kb;
        bool esc;
        size_t koff = j->karena.len;
        if (!jstring(j, &ka, &kb, &esc, &j->karena)) {
            ok = false;
            break;
        }
        if (!esc && !fj__buf_append(&j->karena, j->t + ka, kb - ka)) {
            j->nomem = true;
            ok = false;
            break;
        }
        size_t klen = j->karena.len - koff;
        const char *key = j->karena.data + koff;
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t q = 0; q < klen; q++)
            h = (h ^ (unsigned char)key[q]) * 0x100000001b3ull;
        jkey *keys = jroom(j, j->keys, &j->keys_cap, j->nkeys, sizeof *keys);
        if (!keys) {
            ok = false;
            break;
        }
        j->keys = keys;
        j->keys[j->nkeys++] = (jkey){h, koff, klen};
        jws(j);
        if (j->i >= j->n || j->t[j->i] != ':') {
            ok = jfail(j, "':' expected");
            break;
        }
        j->i++;
        jws(j);
        int f = top ? fj_field_from_name(key, klen) : -1;
        bool note = top && (f >= 0 || (klen == 5 && memcmp(key, "extra", 5) == 0));
        jval v;
        if (!jvalue(j, &v, note && f >= 0)) {
            ok = false;
            break;
        }
        if (note) {
            jval *vals = jroom(j, j->vals, &j->vals_cap, j->nvals, sizeof *vals);
            if (!vals) {
                ok = false;
                break;
            }
            j->vals = vals;
            v.field = f;
            j->vals[j->nvals++] = v;
        }
        jws(j);
        if (j->i < j->n && j->t[j->i] == ',') {
            j->i++;
            continue;
        }
        if (j->i < j->n && j->t[j->i] == '}') {
            j->i++;
            break;
        }
        ok = jfail(j, "',' or '}' expected");
        break;
    }
    if (ok) {
        /* duplicate keys among this object's: an open-addressing set over their hashes */
        size_t nk = j->nkeys - k0, cap = 16;
        while (cap < nk * 2)
            cap *= 2;
        uint32_t *set = calloc(cap, sizeof *set);
        if (!set) {
            j->nomem = true;
            ok = false;
        }
        for (size_t q = k0; ok && q < j->nkeys; q++) {
            const jkey *kq = &j->keys[q];
            size_t s = kq->hash & (cap - 1);
            while (set[s]) {
                const jkey *o = &j->keys[set[s] - 1];
                if (o->hash == kq->hash && o->len == kq->len &&
                    memcmp(j->karena.data + o->off, j->karena.data + kq->off, kq->len) == 0) {
                    ok = jfail(j, "duplicate object key");
                    break;
                }
                s = (s + 1) & (cap - 1);
            }
            set[s] = (uint32_t)(q + 1);
        }
        free(set);
    }
    j->nkeys = k0;
    j->karena.len = a0;
    return ok;
}

static bool jarray(jp *j)
{
    j->i++;
    jws(j);
    if (j->i < j->n && j->t[j->i] == ']') {
        j->i++;
        return true;
    }
    for (;;) {
        jws(j);
        jval v;
        if (!jvalue(j, &v, false))
            return false;
        jws(j);
        if (j->i < j->n && j->t[j->i] == ',') {
            j->i++;
            continue;
        }
        if (j->i < j->n && j->t[j->i] == ']') {
            j->i++;
            return true;
        }
        return jfail(j, "',' or ']' expected");
    }
}

static bool is_d(char c)
{
    return c >= '0' && c <= '9';
}

/* A JSON real (its syntax checked) as strtod reads it in the C locale, whatever the caller's. */
static double parse_json_real(const char *s)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0)
        return NAN;
    locale_t old = uselocale(c);
    double d = strtod(s, NULL);
    uselocale(old);
    freelocale(c);
    return d;
}

static bool jnumber(jp *j, jval *v)
{
    size_t a = j->i, i = a;
    if (i < j->n && j->t[i] == '-')
        i++;
    if (i >= j->n || !is_d(j->t[i]))
        return jfail(j, "invalid token");
    if (j->t[i] == '0')
        i++;
    else
        while (i < j->n && is_d(j->t[i]))
            i++;
    bool real = false;
    if (i < j->n && j->t[i] == '.') {
        real = true;
        i++;
        if (i >= j->n || !is_d(j->t[i])) {
            j->i = i;
            return jfail(j, "invalid number");
        }
        while (i < j->n && is_d(j->t[i]))
            i++;
    }
    if (i < j->n && (j->t[i] == 'e' || j->t[i] == 'E')) {
        real = true;
        i++;
        if (i < j->n && (j->t[i] == '+' || j->t[i] == '-'))
            i++;
        if (i >= j->n || !is_d(j->t[i])) {
            j->i = i;
            return jfail(j, "invalid number");
        }
        while (i < j->n && is_d(j->t[i]))
            i++;
    }
    char tmp[400];
    if (i - a >= sizeof tmp)
        return jfail(j, "number too long");
    memcpy(tmp, j->t + a, i - a);
    tmp[i - a] = '\0';
    if (!real) {
        /* a 64-bit integer, or an error as jansson gives for larger ones */
        bool neg = tmp[0] == '-';
        unsigned long long u = 0;
        for (const char *q = tmp + neg; *q; q++) {
            unsigned dgt = (unsigned)(*q - '0');
            if (u > (9223372036854775807ull + neg - dgt) / 10)
                return jfail(j, "too big integer");
            u = u * 10 + dgt;
        }
        v->kind = J_INT;
        v->i = neg ? (long long)(0 - u) : (long long)u;
    } else {
        double d = parse_json_real(tmp);
        if (!isfinite(d))
            return jfail(j, "real number overflow");
        v->kind = J_REAL;
        v->d = d;
    }
    j->i = i;
    return true;
}

static bool jlit(jp *j, const char *lit, jkind kind, jval *v)
{
    size_t n = strlen(lit);
    if (j->n - j->i < n || memcmp(j->t + j->i, lit, n) != 0)
        return jfail(j, "invalid token");
    j->i += n;
    v->kind = kind;
    return true;
}

static bool jvalue(jp *j, jval *v, bool keep_string)
{
    memset(v, 0, sizeof *v);
    if (j->i >= j->n)
        return jfail(j, "unexpected end of input");
    switch (j->t[j->i]) {
    case '{':
        v->kind = J_OBJECT;
        return jobject(j, false);
    case '[':
        v->kind = J_ARRAY;
        return jarray(j);
    case '"': {
        size_t a, b, off = j->dec.len;
        bool esc;
        if (!jstring(j, &a, &b, &esc, keep_string ? &j->dec : NULL))
            return false;
        v->kind = J_STRING;
        if (esc && keep_string) {
            v->s = NULL;
            v->off = off;
            v->len = j->dec.len - off;
        } else {
            v->s = j->t + a;
            v->len = b - a;
        }
        return true;
    }
    case 't':
        return jlit(j, "true", J_TRUE, v);
    case 'f':
        return jlit(j, "false", J_FALSE, v);
    case 'n':
        return jlit(j, "null", J_NULL, v);
    default:
        return jnumber(j, v);
    }
}

static const char *jkind_name(jkind k)
{
    switch (k) {
    case J_OBJECT:
        return "an object";
    case J_ARRAY:
        return "an array";
    case J_STRING:
        return "a string";
    case J_INT:
        return "an integer";
    case J_REAL:
        return "a number";
    case J_TRUE:
    case J_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static fj_status wrong_type(fj_error *err, const char *name, const char *want, jkind k)
{
    return fj__error(err, FJ_ERR_INPUT, name, -1, -1, "field '%s' must be %s, not %s", name, want,
                     jkind_name(k));
}

static fj_status set_from_json(fj_posting *p, const jp *j, const jval *v, fj_error *err)
{
    if (v->field < 0) { /* "extra": any object, kept by the importers only */
        if (v->kind != J_OBJECT && v->kind != J_NULL)
            return wrong_type(err, "extra", "an object", v->kind);
        return FJ_OK;
    }
    fj_field f = (fj_field)v->field;
    const char *name = field_info[f].name;
    if (v->kind == J_NULL)
        return FJ_OK; /* null means absent */
    switch (field_info[f].type) {
    case FJ_TYPE_STRING:
    case FJ_TYPE_DATE: {
        if (v->kind != J_STRING)
            return wrong_type(err, name, "a string", v->kind);
        if (field_info[f].type == FJ_TYPE_DATE && v->len == 0)
            return FJ_OK;
        const char *s = v->s ? v->s : j->dec.data + v->off;
        return set_string(p, f, v->len ? s : "", v->len, v->s != NULL, err);
    }
    case FJ_TYPE_BOOL:
        if (v->kind != J_TRUE && v->kind != J_FALSE)
            return wrong_type(err, name, "true or false", v->kind);
        return fj_posting_set_bool(p, f, v->kind == J_TRUE, err);
    case FJ_TYPE_INT:
        if (v->kind == J_REAL) {
            double d = v->d;
            if (d != floor(d) || d < 0 || d > 9.0e15) {
                char num[FJ__NUM_BUF];
                fj__fmt_double(d, num);
                return fj__error(err, FJ_ERR_INPUT, name, -1, -1,
                                 "field '%s' must be a whole number of 0 or more, not %s", name,
                                 num);
            }
            return fj_posting_set_int(p, f, (int64_t)d, err);
        }
        if (v->kind != J_INT)
            return wrong_type(err, name, "an integer", v->kind);
        return fj_posting_set_int(p, f, v->i, err);
    case FJ_TYPE_NUMBER:
        if (v->kind != J_INT && v->kind != J_REAL)
            return wrong_type(err, name, "a number", v->kind);
        return fj_posting_set_number(p, f, v->kind == J_INT ? (double)v->i : v->d, err);
    }
    return FJ_OK;
}

static void jp_free(jp *j)
{
    fj__buf_free(&j->dec);
    fj__buf_free(&j->karena);
    free(j->keys);
    free(j->vals);
}

fj_status fj_posting_parse_json(fj_posting *p, const char *json, size_t len, fj_error *err)
{
    if (!p || (!json && len))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_posting_parse_json: NULL argument");
    fj_posting_clear(p);
    if (len > FJ_MAX_POSTING_BYTES)
        return fj__errorf(err, FJ_ERR_LIMIT,
                          "posting is %zu bytes, over the limit of %u (FJ_MAX_POSTING_BYTES)", len,
                          FJ_MAX_POSTING_BYTES);
    char field[32];
    long long ok = fj__utf8_check(json, len, true);
    if (ok < 0) {
        long long at = -ok - 1;
        prescan(json, len, at, field, sizeof field, NULL);
        if (field[0])
            return fj__error(err, FJ_ERR_INPUT, field, at, -1,
                             "field '%s' is not valid UTF-8: %s at byte %lld", field,
                             json[at] == '\0' ? "NUL byte" : "invalid sequence", at);
        return fj__error(err, FJ_ERR_INPUT, NULL, at, -1,
                         "posting is not valid UTF-8: %s at byte %lld",
                         json[at] == '\0' ? "NUL byte" : "invalid sequence", at);
    }
    fj_status st = prescan(json, len, -1, field, sizeof field, err);
    if (st != FJ_OK)
        return st;
    jp j = {.t = json ? json : "", .n = len, .bad = -1};
    jws(&j);
    jval root;
    bool parsed;
    if (j.i < j.n && j.t[j.i] == '{') {
        root.kind = J_OBJECT;
        parsed = jobject(&j, true);
    } else if (j.i < j.n && j.t[j.i] == '[') {
        root.kind = J_ARRAY;
        parsed = jarray(&j);
    } else {
        parsed = jfail(&j, "'[' or '{' expected");
    }
    if (parsed) {
        jws(&j);
        if (j.i < j.n)
            parsed = jfail(&j, "end of input expected");
    }
    if (j.nomem) {
        jp_free(&j);
        return fj__nomem(err);
    }
    if (!parsed && j.nul) {
        /* an escaped NUL: name the field that holds it, as for a raw NUL byte */
        prescan(json, len, j.bad, field, sizeof field, NULL);
        st = fj__error(err, FJ_ERR_INPUT, field[0] ? field : NULL, j.bad, -1,
                       "%s%s%scontains a NUL character (\\u0000) near byte %lld",
                       field[0] ? "field '" : "posting ", field, field[0] ? "' " : "", j.bad);
        jp_free(&j);
        return st;
    }
    if (!parsed) {
        st = fj__error(err, FJ_ERR_INPUT, NULL, j.bad, -1, "invalid JSON at byte %lld: %s", j.bad,
                       j.why);
        jp_free(&j);
        return st;
    }
    if (root.kind != J_OBJECT) {
        jp_free(&j);
        return fj__errorf(err, FJ_ERR_INPUT, "a posting must be a JSON object, not %s",
                          jkind_name(root.kind));
    }
    for (size_t k = 0; k < j.nvals && st == FJ_OK; k++)
        st = set_from_json(p, &j, &j.vals[k], err);
    jp_free(&j);
    if (st == FJ_OK)
        st = fj_posting_validate(p, err);
    if (st != FJ_OK)
        fj_posting_clear(p);
    return st;
}

fj_status fj_posting_to_json(const fj_posting *p, char **out, fj_error *err)
{
    if (!p || !out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_posting_to_json: NULL argument");
    fj_buf b = {0};
    fj_jw w;
    fj__jw_init(&w, &b);
    fj__jw_object(&w);
    for (int f = 0; f < FJ_FIELD_COUNT; f++) {
        if (!p->f[f].present)
            continue;
        fj__jw_key(&w, field_info[f].name);
        char tmp[40];
        switch (field_info[f].type) {
        case FJ_TYPE_STRING:
            fj__jw_string(&w, p->f[f].v.str.s, p->f[f].v.str.len);
            break;
        case FJ_TYPE_DATE:
            fj__format_iso8601(p->f[f].v.i, tmp, sizeof tmp);
            fj__jw_cstring(&w, tmp);
            break;
        case FJ_TYPE_BOOL:
            fj__jw_bool(&w, p->f[f].v.i != 0);
            break;
        case FJ_TYPE_INT:
            fj__jw_int(&w, (long long)p->f[f].v.i);
            break;
        case FJ_TYPE_NUMBER:
            fj__jw_double(&w, p->f[f].v.d);
            break;
        }
    }
    fj__jw_end(&w);
    if (!w.ok) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    *out = b.data;
    return FJ_OK;
}
