/*
 * analysis.c - one analysis per posting (analysis.h): validation, language, normalized fields
 * with their maps to the original bytes, quantities (quantity.h), dates, clause spans, and the
 * tokens on first request. Built once per fj_score / fj_signals / fj_tokenize_posting call into
 * the context's FJ_SLOT_ANALYSIS; the buffers are reused from posting to posting (nothing is
 * allocated per posting once they have grown).
 */
#include "text/analysis.h"
#include "text/text_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The string fields an analysis normalizes: every field a later stage reads as text. */
static const fj_field analysed_fields[] = {
    FJ_FIELD_TITLE,           FJ_FIELD_COMPANY,      FJ_FIELD_COMPANY_PROFILE,
    FJ_FIELD_DESCRIPTION,     FJ_FIELD_REQUIREMENTS, FJ_FIELD_BENEFITS,
    FJ_FIELD_SALARY,          FJ_FIELD_CONTACT,      FJ_FIELD_LOCATION,
    FJ_FIELD_EMPLOYMENT_TYPE, FJ_FIELD_APPLY_URL,    FJ_FIELD_COMPANY_SIZE,
};
#define NANALYSED (sizeof analysed_fields / sizeof analysed_fields[0])

#define MAX_PHONES 256 /* per posting: more say nothing more */

static void analysis_free(void *p)
{
    fj__analysis *an = p;
    if (!an)
        return;
    for (int f = 0; f < FJ_FIELD_COUNT; f++)
        fj__normtext_free(&an->field[f].nt);
    free(an->clauses);
    free(an->phones);
    free(an->money);
    free(an);
}

/* ---- the clause splitter ---- */

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool has_bytes(const char *t, size_t len, size_t at, const char *s)
{
    size_t n = strlen(s);
    return at + n <= len && memcmp(t + at, s, n) == 0;
}

/* Non-ASCII characters that end a clause (after normalization). */
static const char *const cjk_delims[] = {"。", "【", "】", "★", "☆", "●", "◆", "■",
                                         "▲",  "※",  "✔",  "✓", "♦", "►", "→", "…"};

/* Whether t[k] follows a list number: one or two digits after a non-alphanumeric character or
 * the start ("2、", "3)", "1."), so that it ends the clause before it. */
static bool after_list_number(const unsigned char *t, size_t k)
{
    size_t d = 0;
    while (d < k && d < 3 && is_digit(t[k - 1 - d]))
        d++;
    if (d == 0 || d > 2)
        return false;
    size_t before = k - d;
    return before == 0 || !(is_alnum(t[before - 1]) || t[before - 1] == '.' ||
                            t[before - 1] == ',' || t[before - 1] == '-');
}

bool fj__list_number_at(const char *text, size_t len, size_t k)
{
    const unsigned char *t = (const unsigned char *)text;
    if (!is_digit(t[k]) ||
        (k > 0 && (is_alnum(t[k - 1]) || t[k - 1] == '.' || t[k - 1] == ',' || t[k - 1] == '-')))
        return false;
    size_t j = k;
    while (j < len && j - k < 3 && is_digit(t[j]))
        j++;
    if (j - k > 2 || j >= len)
        return false;
    if (has_bytes(text, len, j, "、") || t[j] == ')')
        return true;
    return t[j] == '.' && (j + 1 == len || !is_digit(t[j + 1]));
}

size_t fj__clause_delim_punct(const char *text, size_t len, const uint32_t *orig, const char *o,
                              size_t olen, size_t k, bool *weak)
{
    const unsigned char *t = (const unsigned char *)text;
    unsigned char c = t[k];
    *weak = false;
    switch (c) {
    case ';':
    case '!':
    case '?':
    case '|':
        return 1;
    case ')':
        return after_list_number(t, k) ? 1 : 0;
    case '.':
        if (k + 1 < len && is_digit(t[k + 1]))
            return 0;
        return k + 1 == len || t[k + 1] == ' ' || t[k + 1] >= 0x80 || after_list_number(t, k) ? 1
                                                                                              : 0;
    case ',':
    case '_': {
        /* a Chinese comma (full-width in the original) or one between Chinese characters */
        *weak = true;
        if (c == ',' && orig[k] < olen && o[orig[k]] != ',')
            return 1;
        return (k > 0 && t[k - 1] >= 0x80) || (k + 1 < len && t[k + 1] >= 0x80) ? 1 : 0;
    }
    case ' ':
        return fj__space_delim(orig, o, olen, k);
    default:
        if (c != 0xE2 && c != 0xE3)
            return 0; /* every delimiter below starts with one of these */
        if (has_bytes(text, len, k, "、"))
            return after_list_number(t, k) ? 3 : 0;
        for (size_t i = 0; i < sizeof cjk_delims / sizeof cjk_delims[0]; i++)
            if (has_bytes(text, len, k, cjk_delims[i]))
                return strlen(cjk_delims[i]);
        return 0;
    }
}

static bool add_clause(fj__analysis *an, int f, size_t a, size_t b)
{
    const fj__afield *af = &an->field[f];
    const char *t = af->nt.text.data;
    while (a < b && t[a] == ' ')
        a++;
    while (b > a && t[b - 1] == ' ')
        b--;
    if (a == b ||
        (b - a <= 2 && is_digit((unsigned char)t[a]) && is_digit((unsigned char)t[b - 1])))
        return true; /* nothing, or a list number's own digits ("1" of "1、") */
    if (an->nclauses == an->clauses_cap) {
        size_t cap = an->clauses_cap ? an->clauses_cap * 2 : 64;
        fj__clause *c = realloc(an->clauses, cap * sizeof *c);
        if (!c)
            return false;
        an->clauses = c;
        an->clauses_cap = cap;
    }
    fj__clause *c = &an->clauses[an->nclauses++];
    c->field = (uint8_t)f;
    c->start = (uint32_t)a;
    c->end = (uint32_t)b;
    fj__normtext_span(&af->nt, af->orig, af->orig_len, a, b, &c->ostart, &c->oend);
    return true;
}

/* Split field f into clauses: one pass, cutting at each delimiter and before each list number. */
static bool split_clauses(fj__analysis *an, int f)
{
    fj__afield *af = &an->field[f];
    const char *t = af->nt.text.data;
    size_t len = af->nt.text.len, a = 0;
    af->clause0 = (uint32_t)an->nclauses;
    for (size_t k = 0; k < len;) {
        unsigned char c = (unsigned char)t[k];
        if ((c >= 'a' && c <= 'z') || (c >= 0x80 && c != 0xE2 && c != 0xE3)) {
            /* no delimiter and no list number starts with a letter or another lead byte */
            k++;
            while (k < len && ((unsigned char)t[k] & 0xC0) == 0x80)
                k++;
            continue;
        }
        size_t d = fj__clause_delim_at(af, k);
        if (d) {
            if (!add_clause(an, f, a, k))
                return false;
            k += d;
            a = k;
            continue;
        }
        if (k > a && fj__list_number_at(t, len, k)) {
            if (!add_clause(an, f, a, k))
                return false;
            a = k;
        }
        k++;
        while (k < len && ((unsigned char)t[k] & 0xC0) == 0x80)
            k++;
    }
    if (!add_clause(an, f, a, len))
        return false;
    af->nclause = (uint32_t)(an->nclauses - af->clause0);
    return true;
}

/* ---- the analysis ---- */

static fj__analysis *slot(fj_context *ctx, fj_error *err)
{
    fj__analysis *an = fj__ctx_slot(ctx, FJ_SLOT_ANALYSIS);
    if (an)
        return an;
    an = calloc(1, sizeof *an);
    if (!an) {
        fj__nomem(err);
        return NULL;
    }
    fj__ctx_set_slot(ctx, FJ_SLOT_ANALYSIS, an, analysis_free);
    return an;
}

static const fj__analysis *analyze(fj_context *ctx, const fj_posting *p, bool validate,
                                   fj_status *st, fj_error *err)
{
    *st = FJ_ERR_ARGUMENT;
    if (!ctx || !p) {
        fj__errorf(err, FJ_ERR_ARGUMENT, "analysis: NULL context or posting");
        return NULL;
    }
    if (validate && (*st = fj_posting_validate(p, err)) != FJ_OK)
        return NULL;
    fj__analysis *an = slot(ctx, err);
    if (!an) {
        *st = FJ_ERR_NOMEM;
        return NULL;
    }
    an->posting = p;
    an->tokenized = false;
    an->seg = FJ_SEG_DICTIONARY;
    an->tokens = NULL;
    an->ntokens = 0;
    an->nclauses = 0;
    an->nphones = 0;
    for (int f = 0; f < FJ_FIELD_COUNT; f++) {
        fj__afield *af = &an->field[f];
        af->present = false;
        af->orig = NULL;
        af->orig_len = 0;
        af->clause0 = af->nclause = af->phone0 = af->nphone = 0;
    }
    an->lang = fj_posting_detect_lang(p);
    for (size_t i = 0; i < NANALYSED; i++) {
        int f = analysed_fields[i];
        fj__afield *af = &an->field[f];
        size_t len;
        const char *s = fj_posting_string(p, (fj_field)f, &len);
        if (!s || len == 0)
            continue;
        *st = fj__normalize_valid(ctx, s, len, &af->nt, err); /* a posting's: valid UTF-8 */
        if (*st != FJ_OK) {
            if (err && !err->field[0])
                snprintf(err->field, sizeof err->field, "%s", fj_field_name((fj_field)f));
            return NULL;
        }
        af->present = true;
        af->orig = s;
        af->orig_len = len;
        if (!split_clauses(an, f))
            goto nomem;
        af->phone0 = (uint32_t)an->nphones;
        if (an->nphones < MAX_PHONES) {
            if (!an->phones && !(an->phones = malloc(MAX_PHONES * sizeof *an->phones)))
                goto nomem;
            an->nphones += fj__phone_scan(af->nt.text.data, af->nt.text.len,
                                          an->phones + an->nphones, MAX_PHONES - an->nphones);
        }
        af->nphone = (uint32_t)(an->nphones - af->phone0);
    }
    size_t n;
    const char *s = fj__atext(an, FJ_FIELD_SALARY, &n);
    an->has_salary = s != NULL;
    if (s)
        fj__salary_read(s, n, &an->salary);
    else
        memset(&an->salary, 0, sizeof an->salary);
    s = fj__atext(an, FJ_FIELD_COMPANY_SIZE, &n);
    an->company_size = s ? fj__company_size(s, n) : 0;
    an->has_posted = fj_posting_time(p, FJ_FIELD_POSTED_AT, &an->posted_at);
    an->has_updated = fj_posting_time(p, FJ_FIELD_UPDATED_AT, &an->updated_at);
    an->has_founded = fj_posting_time(p, FJ_FIELD_COMPANY_FOUNDED, &an->company_founded);
    an->observed_at = fj__observed_at(ctx, p);
    *st = FJ_OK;
    return an;
nomem:
    *st = fj__nomem(err);
    return NULL;
}

fj_status fj__analyze(fj_context *ctx, const fj_posting *p, const fj__analysis **out, fj_error *err)
{
    fj_status st;
    *out = analyze(ctx, p, true, &st, err);
    return st;
}

fj_status fj__analyze_unvalidated(fj_context *ctx, const fj_posting *p, const fj__analysis **out,
                                  fj_error *err)
{
    fj_status st;
    *out = analyze(ctx, p, false, &st, err);
    return st;
}

void fj__analysis_segment(fj_context *ctx, const fj__analysis *an, fj_segmentation seg)
{
    fj__analysis *mut = fj__ctx_slot(ctx, FJ_SLOT_ANALYSIS);
    if (mut != an || mut->seg == seg)
        return;
    mut->seg = seg;
    mut->tokenized = false;
    mut->tokens = NULL;
    mut->ntokens = 0;
}

fj_status fj__analysis_tokens(fj_context *ctx, const fj__analysis *an, const fj_token **tokens,
                              size_t *count, fj_error *err)
{
    /* the analysis is the context's own (FJ_SLOT_ANALYSIS): the tokens are memoized in it */
    fj__analysis *mut = fj__ctx_slot(ctx, FJ_SLOT_ANALYSIS);
    if (mut != an)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "analysis: not this context's analysis");
    if (!mut->tokenized) {
        fj_status st = fj__tokenize_analysis(ctx, an, &mut->tokens, &mut->ntokens, err);
        if (st != FJ_OK)
            return st;
        if (mut->ntokens > mut->money_cap) {
            size_t cap = mut->ntokens + mut->ntokens / 2;
            fj__money_value *m = realloc(mut->money, cap * sizeof *m);
            if (!m)
                return fj__nomem(err);
            mut->money = m;
            mut->money_cap = cap;
        }
        for (size_t i = 0; i < mut->ntokens; i++) {
            const fj_token *t = &mut->tokens[i];
            if (t->kind != FJ_TOK_MONEY || !fj__money_token_value(t->text, t->len, &mut->money[i]))
                memset(&mut->money[i], 0, sizeof mut->money[i]);
        }
        mut->tokenized = true;
    }
    *tokens = mut->tokens;
    *count = mut->ntokens;
    return FJ_OK;
}
