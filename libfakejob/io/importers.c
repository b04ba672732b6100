/*
 * importers.c - the public labelled datasets (CSV) to corpus JSONL postings (one JSON object a
 * line, README.md "Posting format"), one row at a time.
 *
 * EMSCAD (Kaggle fake_job_postings.csv, English): job_id,title,location,department,salary_range,
 *   company_profile,description,requirements,benefits,telecommuting,has_company_logo,
 *   has_questions,employment_type,required_experience,required_education,industry,function,
 *   fraudulent. id "emscad-<job_id>", lang "en"; salary_range -> salary; the 0/1 columns ->
 *   booleans; fraudulent 1 -> "fraud", 0 -> "legit". No company name column: company is absent.
 * ORFD (58同城 export, Chinese; 37 columns + Real/Fake): id "orfd-<Job_ID>", lang "zh";
 *   jobSubTitle (the headline the posting shows; jobTitle, its category, when empty) -> title,
 *   companyName -> company, companyIntro -> company_profile, jobDescription -> description,
 *   jobRequirement -> requirements, jobWelfare -> benefits (kept '_'-separated), jobSalary ->
 *   salary, jobAddr -> location, jobDetailUrl -> url, needNumber ("12人") -> openings, applyNum
 *   -> applicants, resumeReadPercent/100 -> response_rate, companySize -> company_size,
 *   creditCode -> company_registration, estiblishDate -> company_founded, jobUpdateTime (the
 *   only date 58同城 shows: the last refresh) -> posted_at and updated_at. Real/Fake 1 or 11 ->
 *   "legit", 0 or 0.5 -> "fraud"; 2 (annotators disagreed) and empty -> unlabelled.
 *
 * Every other column, and a mapped value that does not convert ("若干" openings, the placeholder
 * date 1800-12-31, "None"), is kept verbatim as a string in `extra` under its column name, so
 * nothing is lost. Empty values are left out. String values are trimmed of surrounding white
 * space. Unlabelled rows are skipped unless FJ_IMPORT_KEEP_UNLABELLED.
 */
/* The formats have 18 (EMSCAD) and 38 (ORFD) columns; a header far wider is not one of them, and
 * the duplicate-name check below is quadratic in the column count. */
#define FJ__IMPORT_MAX_COLUMNS 1024

#include "io/csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum role {
    R_EXTRA = 0, /* kept in `extra` */
    R_ID,        /* prefixed id */
    R_STRING,    /* a string field */
    R_TITLE_ALT, /* ORFD jobTitle: the title when jobSubTitle is empty; also kept in extra */
    R_BOOL01,    /* "0"/"1" */
    R_INT,       /* a non-negative integer */
    R_PEOPLE,    /* "12人" */
    R_PERCENT,   /* 0..100 -> 0..1 */
    R_DATE,      /* ISO 8601 date or date-time */
    R_DATE2,     /* ORFD jobUpdateTime: posted_at and updated_at */
    R_LABEL      /* the label column */
};

typedef struct column_rule {
    const char *name;
    enum role role;
    fj_field field;
    bool required;
} column_rule;

static const column_rule emscad_rules[] = {
    {"job_id", R_ID, FJ_FIELD_ID, true},
    {"title", R_STRING, FJ_FIELD_TITLE, true},
    {"location", R_STRING, FJ_FIELD_LOCATION, false},
    {"department", R_EXTRA, 0, false},
    {"salary_range", R_STRING, FJ_FIELD_SALARY, false},
    {"company_profile", R_STRING, FJ_FIELD_COMPANY_PROFILE, false},
    {"description", R_STRING, FJ_FIELD_DESCRIPTION, true},
    {"requirements", R_STRING, FJ_FIELD_REQUIREMENTS, false},
    {"benefits", R_STRING, FJ_FIELD_BENEFITS, false},
    {"telecommuting", R_BOOL01, FJ_FIELD_TELECOMMUTING, false},
    {"has_company_logo", R_BOOL01, FJ_FIELD_HAS_COMPANY_LOGO, false},
    {"has_questions", R_BOOL01, FJ_FIELD_HAS_QUESTIONS, false},
    {"employment_type", R_STRING, FJ_FIELD_EMPLOYMENT_TYPE, false},
    {"required_experience", R_EXTRA, 0, false},
    {"required_education", R_EXTRA, 0, false},
    {"industry", R_EXTRA, 0, false},
    {"function", R_EXTRA, 0, false},
    {"fraudulent", R_LABEL, FJ_FIELD_LABEL, true},
};

static const column_rule orfd_rules[] = {
    {"Job_ID", R_ID, FJ_FIELD_ID, true},
    {"jobTitle", R_TITLE_ALT, FJ_FIELD_TITLE, true},
    {"jobSubTitle", R_STRING, FJ_FIELD_TITLE, false},
    {"jobSalary", R_STRING, FJ_FIELD_SALARY, false},
    {"applyNum", R_INT, FJ_FIELD_APPLICANTS, false},
    {"resumeReadPercent", R_PERCENT, FJ_FIELD_RESPONSE_RATE, false},
    {"jobWelfare", R_STRING, FJ_FIELD_BENEFITS, false},
    {"jobRequirement", R_STRING, FJ_FIELD_REQUIREMENTS, false},
    {"jobAddr", R_STRING, FJ_FIELD_LOCATION, false},
    {"jobDescription", R_STRING, FJ_FIELD_DESCRIPTION, true},
    {"needNumber", R_PEOPLE, FJ_FIELD_OPENINGS, false},
    {"jobDetailUrl", R_STRING, FJ_FIELD_URL, false},
    {"jobUpdateTime", R_DATE2, FJ_FIELD_POSTED_AT, false},
    {"companyName", R_STRING, FJ_FIELD_COMPANY, true},
    {"companySize", R_STRING, FJ_FIELD_COMPANY_SIZE, false},
    {"creditCode", R_STRING, FJ_FIELD_COMPANY_REGISTRATION, false},
    {"estiblishDate", R_DATE, FJ_FIELD_COMPANY_FOUNDED, false},
    {"companyIntro", R_STRING, FJ_FIELD_COMPANY_PROFILE, false},
    {"Real/Fake", R_LABEL, FJ_FIELD_LABEL, true},
};

static const struct {
    const char *name;
    const char *display;
    const char *id_prefix;
    const char *lang;
    const column_rule *rules;
    size_t nrules;
} formats[] = {
    [FJ_IMPORT_EMSCAD] = {"emscad", "EMSCAD", "emscad-", "en", emscad_rules,
                          sizeof emscad_rules / sizeof emscad_rules[0]},
    [FJ_IMPORT_ORFD] = {"orfd", "ORFD", "orfd-", "zh", orfd_rules,
                        sizeof orfd_rules / sizeof orfd_rules[0]},
};

struct fj_importer {
    fj_import_format fmt;
    unsigned flags;
    FILE *fp;   /* owned, when opened from a path */
    char *copy; /* owned copy of the input, when opened from memory */
    fj__csv *csv;
    size_t ncols;
    char **names;                /* the header */
    const column_rule **rule_of; /* per column: its rule, or NULL (an unknown column: extra) */
    fj_posting *p;
    fj_buf out; /* the current JSON line */
    fj_buf extra;
    fj_import_stats stats;
    bool failed;
};

const char *fj_import_format_name(fj_import_format fmt)
{
    return (unsigned)fmt <= FJ_IMPORT_ORFD ? formats[fmt].name : NULL;
}

int fj_import_format_from_name(const char *name)
{
    for (int f = 0; name && f <= FJ_IMPORT_ORFD; f++)
        if (strcmp(name, formats[f].name) == 0)
            return f;
    return -1;
}

void fj_importer_close(fj_importer *imp)
{
    if (!imp)
        return;
    fj__csv_free(imp->csv);
    if (imp->fp)
        fclose(imp->fp);
    free(imp->copy);
    for (size_t i = 0; i < imp->ncols; i++)
        free(imp->names[i]);
    free(imp->names);
    free(imp->rule_of);
    fj_posting_free(imp->p);
    fj__buf_free(&imp->out);
    fj__buf_free(&imp->extra);
    free(imp);
}

/* Read the header and match its columns to the format's rules. */
static fj_status read_header(fj_importer *imp, fj_error *err)
{
    const fj__csv_row *row;
    fj__csv_result r = fj__csv_next(imp->csv, &row, err);
    const char *fname = formats[imp->fmt].display;
    if (r == FJ__CSV_END)
        return fj__error(err, FJ_ERR_INPUT, NULL, -1, 1,
                         "line 1: empty input, expected an %s header", fname);
    if (r == FJ__CSV_BAD) {
        if (err) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            snprintf(err->message, sizeof err->message, "bad header: %s", why);
        }
        return FJ_ERR_INPUT;
    }
    if (r != FJ__CSV_ROW)
        return err ? err->status : FJ_ERR_IO;
    imp->ncols = 0;
    if (row->nfields > FJ__IMPORT_MAX_COLUMNS)
        return fj__error(err, FJ_ERR_LIMIT, NULL, -1, row->line,
                         "line %lld: the header has %zu columns, over the limit of %d", row->line,
                         row->nfields, FJ__IMPORT_MAX_COLUMNS);
    imp->names = calloc(row->nfields, sizeof *imp->names);
    imp->rule_of = calloc(row->nfields, sizeof *imp->rule_of);
    if (!imp->names || !imp->rule_of)
        return fj__nomem(err);
    const column_rule *rules = formats[imp->fmt].rules;
    size_t nrules = formats[imp->fmt].nrules;
    for (size_t i = 0; i < row->nfields; i++) {
        const char *s = row->fields[i];
        size_t len = row->lens[i];
        while (len && (*s == ' ' || *s == '\t')) /* trim the name */
            s++, len--;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        for (size_t k = 0; k < i; k++)
            if (strlen(imp->names[k]) == len && memcmp(imp->names[k], s, len) == 0)
                return fj__error(err, FJ_ERR_INPUT, NULL, -1, row->line,
                                 "line %lld: the header names column '%s' twice", row->line,
                                 imp->names[k]);
        imp->names[i] = malloc(len + 1);
        if (!imp->names[i])
            return fj__nomem(err);
        memcpy(imp->names[i], s, len);
        imp->names[i][len] = '\0';
        imp->ncols = i + 1;
        for (size_t k = 0; k < nrules; k++)
            if (strcmp(rules[k].name, imp->names[i]) == 0)
                imp->rule_of[i] = &rules[k];
    }
    for (size_t k = 0; k < nrules; k++) {
        if (!rules[k].required)
            continue;
        bool found = false;
        for (size_t i = 0; i < imp->ncols && !found; i++)
            found = imp->rule_of[i] == &rules[k];
        if (!found)
            return fj__error(err, FJ_ERR_INPUT, NULL, -1, row->line,
                             "line %lld: not an %s CSV: the header has no column '%s'", row->line,
                             fname, rules[k].name);
    }
    fj__csv_expect_fields(imp->csv, imp->ncols);
    return FJ_OK;
}

static fj_status open_common(fj_importer **out, fj_import_format fmt, unsigned flags, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_importer_open: out is NULL");
    *out = NULL;
    if ((unsigned)fmt > FJ_IMPORT_ORFD)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "no import format numbered %d", (int)fmt);
    if (flags & ~(unsigned)FJ_IMPORT_KEEP_UNLABELLED)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "unknown import flags 0x%x", flags);
    fj_importer *imp = calloc(1, sizeof *imp);
    if (!imp)
        return fj__nomem(err);
    imp->fmt = fmt;
    imp->flags = flags;
    fj_status st = fj_posting_new(&imp->p, err);
    if (st != FJ_OK) {
        free(imp);
        return st;
    }
    *out = imp;
    return FJ_OK;
}

fj_status fj_importer_open(fj_importer **out, fj_import_format fmt, const char *path,
                           unsigned flags, fj_error *err)
{
    if (!path)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_importer_open: path is NULL");
    fj_status st = open_common(out, fmt, flags, err);
    if (st != FJ_OK)
        return st;
    fj_importer *imp = *out;
    imp->fp = fopen(path, "rb");
    if (!imp->fp) {
        st = fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        goto fail;
    }
    st = fj__csv_open_file(&imp->csv, imp->fp, err);
    if (st == FJ_OK)
        st = read_header(imp, err);
    if (st == FJ_OK)
        return FJ_OK;
fail:
    fj_importer_close(imp);
    *out = NULL;
    return st;
}

fj_status fj_importer_open_memory(fj_importer **out, fj_import_format fmt, const char *data,
                                  size_t len, unsigned flags, fj_error *err)
{
    if (!data && len)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_importer_open_memory: data is NULL");
    fj_status st = open_common(out, fmt, flags, err);
    if (st != FJ_OK)
        return st;
    fj_importer *imp = *out;
    imp->copy = malloc(len + 1);
    if (!imp->copy) {
        st = fj__nomem(err);
        goto fail;
    }
    if (len)
        memcpy(imp->copy, data, len);
    st = fj__csv_open_memory(&imp->csv, imp->copy, len, err);
    if (st == FJ_OK)
        st = read_header(imp, err);
    if (st == FJ_OK)
        return FJ_OK;
fail:
    fj_importer_close(imp);
    *out = NULL;
    return st;
}

void fj_importer_stats(const fj_importer *imp, fj_import_stats *out)
{
    if (!out)
        return;
    if (imp)
        *out = imp->stats;
    else
        memset(out, 0, sizeof *out);
}

/* ---- converting one row ---- */

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\n' ||
                    (*s)[*len - 1] == '\r'))
        (*len)--;
}

/* A whole non-negative decimal integer, or -1. */
static int64_t parse_count(const char *s, size_t len)
{
    if (len == 0 || len > 15)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* A finite decimal number, or NaN. */
static double parse_number(const char *s, size_t len)
{
    char tmp[32];
    if (len == 0 || len >= sizeof tmp)
        return NAN;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    return (*end == '\0' && isfinite(v)) ? v : NAN;
}

static bool add_extra(fj_importer *imp, const char *name, const char *s, size_t len)
{
    return (imp->extra.len == 0 || fj__buf_append(&imp->extra, ",", 1)) &&
           fj__buf_json_string(&imp->extra, name, strlen(name)) &&
           fj__buf_append(&imp->extra, ":", 1) && fj__buf_json_string(&imp->extra, s, len);
}

/* Prefix a setter's error with the column and line, and name the column as the field. */
static fj_status column_error(fj_error *err, fj_status st, const char *column, long long line)
{
    if (err) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        snprintf(err->message, sizeof err->message, "line %lld: column '%s': %s", line, column,
                 why);
        err->line = line;
    }
    return st;
}

enum label_value { LV_NONE, LV_LEGIT, LV_FRAUD, LV_BAD };

static enum label_value parse_label(fj_import_format fmt, const char *s, size_t len)
{
    if (len == 0)
        return LV_NONE;
    double v = parse_number(s, len);
    if (isnan(v))
        return LV_BAD;
    if (fmt == FJ_IMPORT_EMSCAD)
        return v == 1 ? LV_FRAUD : v == 0 ? LV_LEGIT : LV_BAD;
    if (v == 1 || v == 11)
        return LV_LEGIT;
    if (v == 0 || v == 0.5)
        return LV_FRAUD;
    return v == 2 ? LV_NONE : LV_BAD;
}

typedef enum row_outcome { ROW_WRITTEN, ROW_SKIPPED, ROW_BAD } row_outcome;

static row_outcome convert(fj_importer *imp, const fj__csv_row *row, fj_error *err)
{
    fj_posting *p = imp->p;
    fj_posting_clear(p);
    imp->extra.len = 0;
    const char *fname = formats[imp->fmt].display;
    fj_status st = fj_posting_set_string(p, FJ_FIELD_LANG, formats[imp->fmt].lang, 2, err);
    if (st != FJ_OK)
        return ROW_BAD;
    enum label_value label = LV_NONE;
    const char *title_alt = NULL;
    size_t title_alt_len = 0;
    for (size_t i = 0; i < row->nfields; i++) {
        const char *s = row->fields[i];
        size_t len = row->lens[i];
        trim(&s, &len);
        const column_rule *rule = imp->rule_of[i];
        const char *col = imp->names[i];
        if (rule && rule->role == R_LABEL) {
            label = parse_label(imp->fmt, s, len);
            if (label == LV_BAD) {
                fj__error(err, FJ_ERR_INPUT, "label", -1, row->line,
                          "line %lld: column '%s': '%.*s' is not an %s label", row->line, col,
                          (int)(len > 40 ? 40 : len), s, fname);
                return ROW_BAD;
            }
            /* ORFD's raw value tells 0 from 0.5 and 1 from 11: keep it */
            if (imp->fmt == FJ_IMPORT_ORFD && len && !add_extra(imp, col, s, len))
                goto nomem;
            continue;
        }
        if (len == 0)
            continue;
        bool keep = !rule || rule->role == R_EXTRA;        /* into extra verbatim */
        bool none = len == 4 && memcmp(s, "None", 4) == 0; /* a missing value in ORFD */
        if (rule && !keep) {
            switch (rule->role) {
            case R_ID: {
                char id[128];
                int n = snprintf(id, sizeof id, "%s%.*s", formats[imp->fmt].id_prefix, (int)len, s);
                if (n < 0 || (size_t)n >= sizeof id) {
                    fj__error(err, FJ_ERR_INPUT, "id", -1, row->line,
                              "line %lld: column '%s' is longer than %zu bytes", row->line, col,
                              sizeof id - 1 - strlen(formats[imp->fmt].id_prefix));
                    return ROW_BAD;
                }
                st = fj_posting_set_string(p, FJ_FIELD_ID, id, (size_t)n, err);
                break;
            }
            case R_TITLE_ALT:
                title_alt = s;
                title_alt_len = len;
                keep = true;
                break;
            case R_STRING:
                if (none && rule->field != FJ_FIELD_TITLE && rule->field != FJ_FIELD_DESCRIPTION)
                    keep = true;
                else
                    st = fj_posting_set_string(p, rule->field, s, len, err);
                break;
            case R_BOOL01:
                if (len == 1 && (*s == '0' || *s == '1'))
                    st = fj_posting_set_bool(p, rule->field, *s == '1', err);
                else
                    keep = true;
                break;
            case R_INT: {
                int64_t v = parse_count(s, len);
                if (v >= 0)
                    st = fj_posting_set_int(p, rule->field, v, err);
                else
                    keep = true;
                break;
            }
            case R_PEOPLE: {
                size_t n = len;
                if (n >= 3 && memcmp(s + n - 3, "人", 3) == 0)
                    n -= 3;
                int64_t v = parse_count(s, n);
                if (v >= 0)
                    st = fj_posting_set_int(p, rule->field, v, err);
                else
                    keep = true;
                break;
            }
            case R_PERCENT: {
                double v = parse_number(s, len);
                if (v >= 0 && v <= 100)
                    st = fj_posting_set_number(p, rule->field, v / 100.0, err);
                else
                    keep = true;
                break;
            }
            case R_DATE:
            case R_DATE2: {
                int64_t t;
                if (fj_parse_iso8601(s, len, &t, NULL) != FJ_OK) {
                    keep = true;
                    break;
                }
                if (rule->role == R_DATE2) {
                    st = fj_posting_set_time(p, FJ_FIELD_POSTED_AT, t, err);
                    if (st == FJ_OK)
                        st = fj_posting_set_time(p, FJ_FIELD_UPDATED_AT, t, err);
                } else {
                    st = fj_posting_set_time(p, rule->field, t, err);
                }
                break;
            }
            default:
                keep = true;
            }
            if (st == FJ_ERR_NOMEM)
                goto nomem;
            if (st != FJ_OK) {
                column_error(err, st, col, row->line);
                return ROW_BAD;
            }
        }
        if (keep && !add_extra(imp, col, s, len))
            goto nomem;
    }
    if (title_alt && !fj_posting_has(p, FJ_FIELD_TITLE)) {
        st = fj_posting_set_string(p, FJ_FIELD_TITLE, title_alt, title_alt_len, err);
        if (st != FJ_OK) {
            column_error(err, st, "jobTitle", row->line);
            return ROW_BAD;
        }
    }
    if (fj_posting_validate(p, err) != FJ_OK) {
        fj__error(err, FJ_ERR_INPUT, "title", -1, row->line,
                  "line %lld: the row has neither a title nor a description", row->line);
        return ROW_BAD;
    }
    if (label == LV_NONE && !(imp->flags & FJ_IMPORT_KEEP_UNLABELLED))
        return ROW_SKIPPED;
    if (label != LV_NONE) {
        const char *l = label == LV_FRAUD ? "fraud" : "legit";
        if (fj_posting_set_string(p, FJ_FIELD_LABEL, l, 5, err) != FJ_OK)
            return ROW_BAD;
    }
    /* the posting's JSON, with `extra` added before its closing brace */
    char *json;
    if (fj_posting_to_json(p, &json, err) != FJ_OK)
        return ROW_BAD;
    size_t jl = strlen(json);
    imp->out.len = 0;
    bool ok = fj__buf_append(&imp->out, json, jl - 1);
    free(json);
    if (ok && imp->extra.len)
        ok = fj__buf_append(&imp->out, jl > 2 ? ",\"extra\":{" : "\"extra\":{", jl > 2 ? 10 : 9) &&
             fj__buf_append(&imp->out, imp->extra.data, imp->extra.len) &&
             fj__buf_append(&imp->out, "}", 1);
    if (!ok || !fj__buf_append(&imp->out, "}", 1))
        goto nomem;
    return ROW_WRITTEN;
nomem:
    fj__nomem(err);
    return ROW_BAD;
}

fj_status fj_importer_next(fj_importer *imp, const char **json, size_t *len, fj_error *err)
{
    if (json)
        *json = NULL;
    if (len)
        *len = 0;
    if (!imp || !json)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_importer_next: NULL argument");
    if (imp->failed)
        return fj__errorf(err, FJ_ERR_IO, "the import already failed");
    for (;;) {
        const fj__csv_row *row;
        fj__csv_result r = fj__csv_next(imp->csv, &row, err);
        if (r == FJ__CSV_END)
            return FJ_OK;
        if (r == FJ__CSV_FAIL) {
            imp->failed = true;
            return err ? err->status : FJ_ERR_IO;
        }
        imp->stats.rows++;
        if (r == FJ__CSV_BAD) {
            imp->stats.errors++;
            return FJ_ERR_INPUT;
        }
        fj_error e;
        fj_error_clear(&e);
        switch (convert(imp, row, &e)) {
        case ROW_WRITTEN:
            imp->stats.written++;
            *json = imp->out.data;
            if (len)
                *len = imp->out.len;
            return FJ_OK;
        case ROW_SKIPPED:
            imp->stats.skipped++;
            continue;
        case ROW_BAD:
            imp->stats.errors++;
            if (e.line < 0)
                e.line = row->line;
            if (err)
                *err = e;
            if (e.status == FJ_ERR_NOMEM) {
                imp->failed = true;
                return FJ_ERR_NOMEM;
            }
            return e.status == FJ_OK ? FJ_ERR_INPUT : e.status;
        }
    }
}
