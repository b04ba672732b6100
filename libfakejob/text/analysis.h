/*
 * analysis.h - one analysis per posting (analysis.c), built once per scoring call in the
 * context and read by every later stage: signals, features, fingerprints, reasons. None of them
 * re-reads a raw field for its text, normalizes again, validates again or detects the language
 * again.
 *
 * It holds: the validated posting; its language (detected once); each text field's normalized
 * text with its map back to the original bytes; the tokens with their types (fj_tokenize_posting's,
 * built on first request from the normalized texts); the quantities of the posting parsed by the
 * one parser of each (quantity.h): the salary field, the company size, phone numbers per field;
 * the dates; and the clause spans of every field (see fj__clause below).
 *
 * Lifetime: owned by the context (FJ_SLOT_ANALYSIS), valid until the next fj__analyze on it.
 * The posting is borrowed and must stay unchanged while the analysis is used.
 */
#ifndef FJ_TEXT_ANALYSIS_H
#define FJ_TEXT_ANALYSIS_H

#include "text/quantity.h"
#include "text/text.h"

/** One field of the posting. */
typedef struct fj__afield {
    bool present;     /* a non-empty string field that is normalized below */
    const char *orig; /* the caller's text (borrowed from the posting) */
    size_t orig_len;
    fj_normtext nt;            /* its normalized text with the map back to orig */
    uint32_t clause0, nclause; /* its clauses: clauses[clause0 .. clause0 + nclause) */
    uint32_t phone0, nphone;   /* its phone numbers: phones[phone0 .. phone0 + nphone) */
} fj__afield;

/**
 * A clause: a stretch of one field's normalized text between clause delimiters, spaces trimmed.
 * The splitter (fj__clause_delim_at) cuts at sentence and clause punctuation in both languages:
 * 。！？；(normalized to ! ? ;) . at a word's end, | , Chinese commas (、 after a list number, a
 * comma written full-width or between Chinese characters), ) after a list number, line breaks of
 * the original, the bullets 【】★☆●◆■▲※✔✓♦►→…; and before a list number ("2、", "3)", "1.").
 * An ASCII comma inside English text does not cut ("Houston, TX"): clauses are what a negation or
 * a request stays within. Empty clauses and a list number's own digits are not clauses.
 */
typedef struct fj__clause {
    uint8_t field;         /* fj_field */
    uint32_t start, end;   /* normalized bytes [start, end) of the field */
    uint32_t ostart, oend; /* the original bytes [ostart, oend) they came from */
} fj__clause;

typedef struct fj__analysis {
    const fj_posting *posting;
    fj_lang lang; /* detected once (or as declared) */
    fj__afield field[FJ_FIELD_COUNT];

    fj__clause *clauses;
    size_t nclauses, clauses_cap;
    fj__phone *phones;
    size_t nphones, phones_cap;

    bool has_salary;
    fj__salary salary;   /* the salary field, when has_salary */
    double company_size; /* fj__company_size of company_size; 0 when none */

    bool has_posted, has_updated, has_founded;
    int64_t posted_at, updated_at, company_founded;
    int64_t observed_at; /* the posting's, or the context's now */

    /* tokens (fj__analysis_tokens), built on first request, with the parsed value of each money
     * token (money[i] for tokens[i] of kind FJ_TOK_MONEY; zero for the others). The text of a
     * phone, QQ, WeChat, e-mail or URL token is its value (digits, the id, the address, the host).
     */
    bool tokenized;
    fj_segmentation seg; /* of the tokens' Han text: FJ_SEG_DICTIONARY after fj__analyze */
    const fj_token *tokens;
    size_t ntokens;
    fj__money_value *money;
    size_t money_cap;
} fj__analysis;

/**
 * Analyse `p` in ctx: validate it (fj_posting_validate), detect its language, normalize its text
 * fields, parse its quantities, split its clauses. *out is the context's analysis (NULL on
 * failure). Errors: the posting's validation error; a normalization error names the field;
 * FJ_ERR_NOMEM.
 */
fj_status fj__analyze(fj_context *ctx, const fj_posting *p, const fj__analysis **out,
                      fj_error *err);
/** fj__analyze without the validation (fj_tokenize_posting tokenizes any posting). */
fj_status fj__analyze_unvalidated(fj_context *ctx, const fj_posting *p, const fj__analysis **out,
                                  fj_error *err);

/** The posting's tokens (fj_tokenize_posting's array, made from the analysis' normalized texts):
 *  built on the first call, then the same array. Valid until the context's next tokenization. */
fj_status fj__analysis_tokens(fj_context *ctx, const fj__analysis *an, const fj_token **tokens,
                              size_t *count, fj_error *err);

/** Have the analysis' tokens cut Han text by `seg` (a model part's segmentation): the tokens
 *  already built with another one are dropped, to be built again on the next request. */
void fj__analysis_segment(fj_context *ctx, const fj__analysis *an, fj_segmentation seg);

/** Field f's normalized text (NULL when absent) and its length. */
static inline const char *fj__atext(const fj__analysis *an, int f, size_t *len)
{
    const fj__afield *af = &an->field[f];
    *len = af->present ? af->nt.text.len : 0;
    return af->present ? af->nt.text.data : NULL;
}

/**
 * The length of a clause delimiter at normalized byte k of `text` (0 when none), and through
 * `weak` whether it is a comma (the clause detectors read a comma's two sides together too).
 * `o`/`orig` are the original text and the map back to it (a line break of the original is a
 * delimiter; a '，' normalized to ',' is a Chinese comma). The one rule of the library: the
 * analysis' clauses and the clause detectors' both come from it.
 */
static inline size_t fj__clause_delim(const char *text, size_t len, const uint32_t *orig,
                                      const char *o, size_t olen, size_t k, bool *weak);
/** fj__clause_delim out of line: the whole rule (the inline fj__clause_delim answers spaces and
 *  the bytes no delimiter starts with itself, and calls this for the others). */
size_t fj__clause_delim_punct(const char *text, size_t len, const uint32_t *orig, const char *o,
                              size_t olen, size_t k, bool *weak);

/** fj__clause_delim at a space (normalized byte k): 1 when the original has a line break
 *  there. */
static inline size_t fj__space_delim(const uint32_t *orig, const char *o, size_t olen, size_t k)
{
    for (uint32_t i = orig[k], e = orig[k + 1]; i < e && i < olen; i++)
        if (o[i] == '\n' || o[i] == '\r')
            return 1;
    return 0;
}

/* Inline: the splitters ask at every space and punctuation byte, and most are none. */
static inline size_t fj__clause_delim(const char *text, size_t len, const uint32_t *orig,
                                      const char *o, size_t olen, size_t k, bool *weak)
{
    *weak = false;
    switch ((unsigned char)text[k]) {
    case ' ':
        return fj__space_delim(orig, o, olen, k);
    case ';':
    case '!':
    case '?':
    case '|':
    case ')':
    case '.':
    case ',':
    case '_':
    case 0xE2:
    case 0xE3:
        return fj__clause_delim_punct(text, len, orig, o, olen, k, weak);
    default:
        return 0; /* every delimiter starts with one of the bytes above */
    }
}

/** fj__clause_delim on a field of the analysis (see fj__clause). */
static inline size_t fj__clause_delim_at(const fj__afield *af, size_t k)
{
    bool weak;
    return fj__clause_delim(af->nt.text.data, af->nt.text.len, af->nt.orig, af->orig, af->orig_len,
                            k, &weak);
}
/** Whether a list number ("2、", "3)", "1.") starts at normalized byte k of text t. */
bool fj__list_number_at(const char *t, size_t len, size_t k);

#endif /* FJ_TEXT_ANALYSIS_H */
