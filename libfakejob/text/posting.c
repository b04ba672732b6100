/*
 * posting.c - the posting: typed fields set from C or parsed from one JSON object, and written
 * back as JSON. The format (README.md, "Posting format") is the project's interchange format:
 * strings are UTF-8, dates ISO 8601, unknown members ignored, `extra` accepted as any object.
 */
#include "core/fj_internal.h"

#include <jansson.h>
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

fj_status fj_posting_set_string(fj_posting *p, fj_field field, const char *utf8, size_t len,
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
    long long bad = fj__utf8_check(utf8, len, true);
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
 * One linear pass over the raw JSON before jansson sees it: nesting depth, and the top-level
 * member an offset falls in (so invalid UTF-8 is reported with its field name).
 */
static fj_status prescan(const char *s, size_t len, long long bad_at, char *field, size_t fsize,
                         fj_error *err)
{
    int depth = 0;
    bool in_str = false, is_key = false;
    size_t str_start = 0;
    field[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (bad_at >= 0 && (long long)i >= bad_at)
            break;
        if (in_str) {
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

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static fj_status wrong_type(fj_error *err, const char *name, const char *want, const json_t *v)
{
    return fj__error(err, FJ_ERR_INPUT, name, -1, -1, "field '%s' must be %s, not %s", name, want,
                     json_type_name(v));
}

static fj_status set_from_json(fj_posting *p, fj_field f, json_t *v, fj_error *err)
{
    const char *name = field_info[f].name;
    if (json_is_null(v))
        return FJ_OK; /* null means absent */
    switch (field_info[f].type) {
    case FJ_TYPE_STRING:
    case FJ_TYPE_DATE:
        if (!json_is_string(v))
            return wrong_type(err, name, "a string", v);
        if (field_info[f].type == FJ_TYPE_DATE && json_string_length(v) == 0)
            return FJ_OK;
        return fj_posting_set_string(p, f, json_string_value(v), json_string_length(v), err);
    case FJ_TYPE_BOOL:
        if (!json_is_boolean(v))
            return wrong_type(err, name, "true or false", v);
        return fj_posting_set_bool(p, f, json_is_true(v), err);
    case FJ_TYPE_INT:
        if (json_is_real(v)) {
            double d = json_real_value(v);
            if (d != floor(d) || d < 0 || d > 9.0e15)
                return fj__error(err, FJ_ERR_INPUT, name, -1, -1,
                                 "field '%s' must be a whole number of 0 or more, not %.17g", name,
                                 d);
            return fj_posting_set_int(p, f, (int64_t)d, err);
        }
        if (!json_is_integer(v))
            return wrong_type(err, name, "an integer", v);
        return fj_posting_set_int(p, f, json_integer_value(v), err);
    case FJ_TYPE_NUMBER:
        if (!json_is_number(v))
            return wrong_type(err, name, "a number", v);
        return fj_posting_set_number(p, f, json_number_value(v), err);
    }
    return FJ_OK;
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
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && strstr(jerr.text, "\\u0000")) {
        /* an escaped NUL: name the field that holds it, as for a raw NUL byte */
        long long at = jerr.position > 0 ? jerr.position - 1 : 0;
        prescan(json, len, at, field, sizeof field, NULL);
        return fj__error(err, FJ_ERR_INPUT, field[0] ? field : NULL, at, -1,
                         "%s%s%scontains a NUL character (\\u0000) near byte %lld",
                         field[0] ? "field '" : "posting ", field, field[0] ? "' " : "", at);
    }
    if (!root)
        return fj__error(err, FJ_ERR_INPUT, NULL, jerr.position, -1, "invalid JSON at byte %d: %s",
                         jerr.position, jerr.text);
    if (!json_is_object(root)) {
        st = fj__errorf(err, FJ_ERR_INPUT, "a posting must be a JSON object, not %s",
                        json_type_name(root));
        json_decref(root);
        return st;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        int f = fj_field_from_name(key, strlen(key));
        if (f < 0) {
            if (strcmp(key, "extra") == 0 && !json_is_object(v) && !json_is_null(v)) {
                st = wrong_type(err, "extra", "an object", v);
                break;
            }
            continue;
        }
        st = set_from_json(p, (fj_field)f, v, err);
        if (st != FJ_OK)
            break;
    }
    json_decref(root);
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
    bool ok = fj__buf_append(&b, "{", 1);
    bool first = true;
    for (int f = 0; f < FJ_FIELD_COUNT && ok; f++) {
        if (!p->f[f].present)
            continue;
        ok = (first || fj__buf_append(&b, ",", 1)) &&
             fj__buf_json_string(&b, field_info[f].name, strlen(field_info[f].name)) &&
             fj__buf_append(&b, ":", 1);
        first = false;
        if (!ok)
            break;
        char tmp[40];
        switch (field_info[f].type) {
        case FJ_TYPE_STRING:
            ok = fj__buf_json_string(&b, p->f[f].v.str.s, p->f[f].v.str.len);
            break;
        case FJ_TYPE_DATE:
            fj__format_iso8601(p->f[f].v.i, tmp, sizeof tmp);
            ok = fj__buf_json_string(&b, tmp, strlen(tmp));
            break;
        case FJ_TYPE_BOOL:
            ok = fj__buf_printf(&b, "%s", p->f[f].v.i ? "true" : "false");
            break;
        case FJ_TYPE_INT:
            ok = fj__buf_printf(&b, "%lld", (long long)p->f[f].v.i);
            break;
        case FJ_TYPE_NUMBER: {
            /* the shortest form that reads back as the same double */
            int prec = 15;
            snprintf(tmp, sizeof tmp, "%.*g", prec, p->f[f].v.d);
            while (prec < 17 && strtod(tmp, NULL) != p->f[f].v.d)
                snprintf(tmp, sizeof tmp, "%.*g", ++prec, p->f[f].v.d);
            ok = fj__buf_append(&b, tmp, strlen(tmp));
            break;
        }
        }
    }
    if (!ok || !fj__buf_append(&b, "}", 1)) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    *out = b.data;
    return FJ_OK;
}
