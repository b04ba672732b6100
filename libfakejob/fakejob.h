/*
 * fakejob.h - the public interface of libfakejob.
 *
 * libfakejob tells whether a job posting (Chinese or English) is fraudulent and says why.
 * The pieces, in the order a posting goes through them:
 *
 *   fj_posting   a posting, filled field by field or parsed from one JSON object
 *                (the format is documented in README.md, "Posting format").
 *   fj_context   per-thread scratch: ICU break iterators, the stemmer, token buffers.
 *                Create one per thread; never share one between threads at once.
 *   fj_tokenize  normalized, segmented, stemmed, typed tokens.
 *   fj_signals   the engineered red-flag signals with their evidence.
 *   fj_history   the repost history store (SQLite): how often a posting was seen before.
 *   fj_model     a trained classifier, immutable once loaded and shared by threads.
 *   fj_score     a calibrated score, a verdict and the reasons behind it.
 *
 * Conventions
 *   - Every call that can fail returns an fj_status and, when the caller passes a non-NULL
 *     fj_error, fills it with a message naming what was wrong (field, byte offset, file, line).
 *   - Inputs are borrowed: the library never keeps a caller's pointer after the call returns.
 *   - Every *_new / *_load / *_open has a *_free / *_close that accepts NULL.
 *   - The library never prints, never exits and never aborts on bad input.
 *   - Strings are UTF-8 with an explicit length; invalid UTF-8 is an error, never mangled.
 */
#ifndef FAKEJOB_H
#define FAKEJOB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define FJ_API __attribute__((visibility("default")))
#else
#define FJ_API
#endif

/* ------------------------------------------------------------------------------------------ */
/* Version                                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define FJ_VERSION_MAJOR 0
#define FJ_VERSION_MINOR 1
#define FJ_VERSION_PATCH 0
#define FJ_VERSION_STRING "0.1.0"

/** The library's version as "MAJOR.MINOR.PATCH" (static storage; never NULL). */
FJ_API const char *fj_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Status codes and errors                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef enum fj_status {
    FJ_OK = 0,
    FJ_ERR_ARGUMENT, /* a NULL or out-of-range argument, an unknown option */
    FJ_ERR_NOMEM,    /* memory allocation failed */
    FJ_ERR_INPUT,    /* malformed posting: bad JSON, wrong type, invalid UTF-8, bad date */
    FJ_ERR_LIMIT,    /* a documented size limit was exceeded (see FJ_MAX_*) */
    FJ_ERR_IO,       /* a file could not be opened, read or written */
    FJ_ERR_MODEL,    /* a model bundle is missing, truncated, corrupted or inconsistent */
    FJ_ERR_VERSION,  /* a model bundle or history store of a newer format than this library */
    FJ_ERR_HISTORY,  /* the history store failed (locked past its timeout, corrupted) */
    FJ_ERR_TRAIN,    /* training could not proceed (e.g. a single class, too few postings) */
    FJ_ERR_INTERNAL  /* a dependency (ICU, libsvm, SQLite) failed unexpectedly */
} fj_status;

/**
 * Filled by failing calls when the caller passes one. Caller-owned; no cleanup needed.
 * `field` is the posting field concerned ("" when none); `offset` the byte offset into that
 * field or input (-1 when none); `line` the 1-based line of a file (-1 when none).
 */
typedef struct fj_error {
    fj_status status;
    char field[32];
    long long offset;
    long long line;
    char message[512];
} fj_error;

/** A short stable name for a status ("ok", "argument", "nomem", "input", "limit", "io",
 *  "model", "version", "history", "train", "internal"): the `code` of error results. */
FJ_API const char *fj_status_name(fj_status status);

/** Reset an error struct to "no error" (status FJ_OK, empty strings, -1 offsets). NULL-safe. */
FJ_API void fj_error_clear(fj_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Limits (enforced; exceeding one is FJ_ERR_LIMIT naming the limit)                          */
/* ------------------------------------------------------------------------------------------ */

#define FJ_MAX_POSTING_BYTES (1u << 20) /* one posting's JSON text, or all its fields together */
#define FJ_MAX_FIELD_BYTES (256u << 10) /* one string field */
#define FJ_MAX_TOKENS 200000u           /* tokens produced from one posting */
#define FJ_MAX_JSON_DEPTH 16            /* nesting of a posting's JSON (the `extra` object) */

/* ------------------------------------------------------------------------------------------ */
/* Postings                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** The fields of a posting (README.md, "Posting format"). The order is stable. */
typedef enum fj_field {
    /* strings */
    FJ_FIELD_ID = 0,
    FJ_FIELD_LANG,
    FJ_FIELD_TITLE,
    FJ_FIELD_COMPANY,
    FJ_FIELD_COMPANY_PROFILE,
    FJ_FIELD_DESCRIPTION,
    FJ_FIELD_REQUIREMENTS,
    FJ_FIELD_BENEFITS,
    FJ_FIELD_SALARY,
    FJ_FIELD_LOCATION,
    FJ_FIELD_EMPLOYMENT_TYPE,
    FJ_FIELD_CONTACT,
    FJ_FIELD_URL,
    FJ_FIELD_APPLY_URL,
    FJ_FIELD_COMPANY_SIZE,
    FJ_FIELD_COMPANY_REGISTRATION,
    FJ_FIELD_LABEL,
    /* dates (ISO 8601; kept as seconds since the epoch, UTC) */
    FJ_FIELD_POSTED_AT,
    FJ_FIELD_UPDATED_AT,
    FJ_FIELD_OBSERVED_AT,
    FJ_FIELD_COMPANY_FOUNDED,
    /* booleans */
    FJ_FIELD_HAS_COMPANY_LOGO,
    FJ_FIELD_TELECOMMUTING,
    FJ_FIELD_HAS_QUESTIONS,
    /* integers */
    FJ_FIELD_OPENINGS,
    FJ_FIELD_APPLICANTS,
    /* numbers */
    FJ_FIELD_RESPONSE_RATE,
    FJ_FIELD_COUNT
} fj_field;

typedef enum fj_field_type {
    FJ_TYPE_STRING,
    FJ_TYPE_DATE,
    FJ_TYPE_BOOL,
    FJ_TYPE_INT,
    FJ_TYPE_NUMBER
} fj_field_type;

/** The JSON name of a field ("company_profile"), or NULL for an out-of-range value. */
FJ_API const char *fj_field_name(fj_field field);
/** The type of a field. */
FJ_API fj_field_type fj_field_type_of(fj_field field);
/** The field with this JSON name, or -1 when there is none. */
FJ_API int fj_field_from_name(const char *name, size_t len);

/** The text fields that carry the posting's prose, in the order they are tokenized. */
#define FJ_TEXT_FIELD_COUNT 8
FJ_API extern const fj_field fj_text_fields[FJ_TEXT_FIELD_COUNT];

typedef enum fj_label { FJ_LABEL_NONE = 0, FJ_LABEL_LEGIT, FJ_LABEL_FRAUD } fj_label;
typedef enum fj_lang { FJ_LANG_AUTO = 0, FJ_LANG_ZH, FJ_LANG_EN } fj_lang;

/** "zh", "en" or "auto". */
FJ_API const char *fj_lang_name(fj_lang lang);

typedef struct fj_posting fj_posting;

/** A new empty posting. Free it with fj_posting_free. */
FJ_API fj_status fj_posting_new(fj_posting **out, fj_error *err);
/** NULL-safe. */
FJ_API void fj_posting_free(fj_posting *p);
/** Remove every field, keeping the allocation for reuse. */
FJ_API void fj_posting_clear(fj_posting *p);
/** A deep copy of `src`. */
FJ_API fj_status fj_posting_copy(fj_posting **out, const fj_posting *src, fj_error *err);

/**
 * Parse one JSON object into `p` (cleared first). Every field of the format is type-checked;
 * unknown fields are ignored. Errors: FJ_ERR_INPUT (bad JSON with its byte offset, wrong type,
 * invalid UTF-8, unparseable date, a posting with neither title nor description; err->field
 * names the field), FJ_ERR_LIMIT (larger than FJ_MAX_POSTING_BYTES, a field longer than
 * FJ_MAX_FIELD_BYTES, nesting deeper than FJ_MAX_JSON_DEPTH). On error `p` is left cleared.
 */
FJ_API fj_status fj_posting_parse_json(fj_posting *p, const char *json, size_t len, fj_error *err);

/**
 * The posting as one JSON object (no newline), in a malloc'd NUL-terminated string the caller
 * frees with free(). Absent fields are omitted.
 */
FJ_API fj_status fj_posting_to_json(const fj_posting *p, char **out, fj_error *err);

/**
 * Check that the posting can be scored: at least one of title and description non-empty.
 * FJ_ERR_INPUT naming the problem otherwise.
 */
FJ_API fj_status fj_posting_validate(const fj_posting *p, fj_error *err);

/**
 * Set a string field from `len` bytes of UTF-8 (copied). Invalid UTF-8 or a NUL byte is
 * FJ_ERR_INPUT with the byte offset; `lang` must be "zh", "en" or "auto" and `label`
 * "fraud" or "legit". A date field given a string is parsed as ISO 8601.
 */
FJ_API fj_status fj_posting_set_string(fj_posting *p, fj_field field, const char *utf8, size_t len,
                                       fj_error *err);
/** Set a date field to seconds since the epoch (UTC). */
FJ_API fj_status fj_posting_set_time(fj_posting *p, fj_field field, int64_t epoch_seconds,
                                     fj_error *err);
FJ_API fj_status fj_posting_set_bool(fj_posting *p, fj_field field, int value, fj_error *err);
/** Integer fields must be >= 0. */
FJ_API fj_status fj_posting_set_int(fj_posting *p, fj_field field, int64_t value, fj_error *err);
/** response_rate must be within 0..1. */
FJ_API fj_status fj_posting_set_number(fj_posting *p, fj_field field, double value, fj_error *err);
/** Remove one field. */
FJ_API void fj_posting_unset(fj_posting *p, fj_field field);

/** Whether the field is present. */
FJ_API int fj_posting_has(const fj_posting *p, fj_field field);
/** A string field's bytes (NUL-terminated, owned by the posting), or NULL when absent. */
FJ_API const char *fj_posting_string(const fj_posting *p, fj_field field, size_t *len);
/** Getters return 1 and fill *out when present, 0 when absent or of another type. */
FJ_API int fj_posting_time(const fj_posting *p, fj_field field, int64_t *out);
FJ_API int fj_posting_bool(const fj_posting *p, fj_field field, int *out);
FJ_API int fj_posting_int(const fj_posting *p, fj_field field, int64_t *out);
FJ_API int fj_posting_number(const fj_posting *p, fj_field field, double *out);
FJ_API fj_label fj_posting_label(const fj_posting *p);
/** The declared language (FJ_LANG_AUTO when absent or "auto"). */
FJ_API fj_lang fj_posting_lang(const fj_posting *p);

/**
 * Parse an ISO 8601 date ("2025-03-01") or date-time ("2025-03-01T08:30:00Z",
 * "2025-03-01 08:30", "+08:00" offsets; no zone means UTC) into seconds since the epoch.
 * FJ_ERR_INPUT with the byte offset of the first bad character otherwise.
 */
FJ_API fj_status fj_parse_iso8601(const char *s, size_t len, int64_t *out, fj_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Contexts                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct fj_context fj_context;

/** Per-thread working state (ICU, stemmer, buffers). Free with fj_context_free. */
FJ_API fj_status fj_context_new(fj_context **out, fj_error *err);
/** NULL-safe. */
FJ_API void fj_context_free(fj_context *ctx);
/**
 * The time used as `observed_at` for postings that do not carry one (seconds since the
 * epoch). 0 (the default) means the wall clock at the time of each call.
 */
FJ_API void fj_context_set_now(fj_context *ctx, int64_t epoch_seconds);

/* ------------------------------------------------------------------------------------------ */
/* Text pipeline                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef enum fj_token_kind {
    FJ_TOK_WORD = 0,     /* a word; English words are stemmed; Han words from ICU's dictionary */
    FJ_TOK_BIGRAM,       /* two adjacent Han characters */
    FJ_TOK_NUM,          /* a number (normalized digits) */
    FJ_TOK_MONEY,        /* an amount of money: ¥198, 198元, $5,000/week, 日结300 */
    FJ_TOK_QQ,           /* a QQ number */
    FJ_TOK_WECHAT,       /* a WeChat id */
    FJ_TOK_PHONE,        /* a phone number */
    FJ_TOK_EMAIL,        /* an e-mail address at a company or other non-free-mail domain */
    FJ_TOK_FREEMAIL,     /* an e-mail address at a free-mail provider */
    FJ_TOK_URL,          /* a URL */
    FJ_TOK_SHORTURL,     /* a URL at a link shortener */
    FJ_TOK_MASKED_URL,   /* EMSCAD's #URL_…# placeholder */
    FJ_TOK_MASKED_EMAIL, /* EMSCAD's #EMAIL_…# placeholder */
    FJ_TOK_MASKED_PHONE, /* EMSCAD's #PHONE_…# placeholder */
    FJ_TOK_EMOJI,        /* an emoji or pictograph */
    FJ_TOK_KIND_COUNT
} fj_token_kind;

/** "word", "bigram", "num", "money", "qq", "wechat", "phone", "email", "freemail", "url",
 *  "shorturl", "masked_url", "masked_email", "masked_phone", "emoji". */
FJ_API const char *fj_token_kind_name(fj_token_kind kind);

/**
 * One token. `text`/`len` is its normalized form (NUL-terminated, owned by the context, valid
 * until the next call on that context). `field` is the posting field it came from (or
 * FJ_FIELD_DESCRIPTION for fj_tokenize_text). `start`/`end` are byte offsets of the span it
 * came from in the caller's original text of that field (so evidence can quote it verbatim).
 */
typedef struct fj_token {
    const char *text;
    uint32_t len;
    uint16_t kind;  /* fj_token_kind */
    uint16_t field; /* fj_field */
    uint32_t start;
    uint32_t end;
} fj_token;

/**
 * Normalize text: NFKC case folding (full-width to ASCII), Traditional to Simplified Chinese,
 * whitespace and control characters folded to single spaces. The result is owned by the
 * context and valid until its next call. FJ_ERR_INPUT with the byte offset for invalid UTF-8.
 */
FJ_API fj_status fj_normalize(fj_context *ctx, const char *utf8, size_t len, const char **out,
                              size_t *out_len, fj_error *err);

/** Tokenize one text. Tokens are owned by the context, valid until its next call. */
FJ_API fj_status fj_tokenize_text(fj_context *ctx, const char *utf8, size_t len,
                                  const fj_token **tokens, size_t *count, fj_error *err);

/** Tokenize every text field of a posting (fj_text_fields, in that order) in one array. */
FJ_API fj_status fj_tokenize_posting(fj_context *ctx, const fj_posting *p, const fj_token **tokens,
                                     size_t *count, fj_error *err);

/** The language of a text (FJ_LANG_ZH when Han characters make up a meaningful share of its
 *  letters, FJ_LANG_EN otherwise). Never fails; invalid UTF-8 counts as non-Han. */
FJ_API fj_lang fj_detect_lang(const char *utf8, size_t len);
/** The posting's language: its `lang` field unless absent or "auto", else detected. */
FJ_API fj_lang fj_posting_detect_lang(const fj_posting *p);

/* ------------------------------------------------------------------------------------------ */
/* History store (history.c)                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct fj_history fj_history;

/** What the history store knows of a posting before it is recorded. */
typedef struct fj_history_stats {
    int64_t seen_before;        /* earlier sightings of this posting or a near-duplicate */
    int64_t distinct_companies; /* distinct companies among those sightings */
    int64_t first_seen;         /* epoch seconds of the earliest sighting; 0 when never seen */
    int64_t last_seen;          /* epoch seconds of the latest sighting; 0 when never seen */
} fj_history_stats;

/**
 * Open (creating if needed) a history store at `path`, or an in-memory one when `path` is NULL
 * or ":memory:". Several processes may use one file at once. A store of a newer format is
 * FJ_ERR_VERSION; an unreadable or corrupted one FJ_ERR_HISTORY naming the file.
 */
FJ_API fj_status fj_history_open(fj_history **out, const char *path, fj_error *err);
/** NULL-safe. */
FJ_API void fj_history_close(fj_history *h);
/** What the store knows of `p` (near-duplicates included), without recording it. */
FJ_API fj_status fj_history_query(fj_history *h, fj_context *ctx, const fj_posting *p,
                                  fj_history_stats *out, fj_error *err);
/** Record `p` at its observed_at (or the context's now). */
FJ_API fj_status fj_history_record(fj_history *h, fj_context *ctx, const fj_posting *p,
                                   fj_error *err);
/** Query then record in one transaction: what scoring a stream does for each posting. */
FJ_API fj_status fj_history_observe(fj_history *h, fj_context *ctx, const fj_posting *p,
                                    fj_history_stats *out, fj_error *err);
/** Forget every sighting older than `before` (epoch seconds); *removed (optional) counts them. */
FJ_API fj_status fj_history_forget_before(fj_history *h, int64_t before, int64_t *removed,
                                          fj_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Signals (signals.c)                                                                        */
/* ------------------------------------------------------------------------------------------ */

/**
 * One engineered signal that fired. `name` is stable (static storage): upfront_fee,
 * vague_company, offsite_contact, personal_data, pay_anomaly, pressure_language,
 * posting_age_days, reposts, repost_companies, and the others listed in README.md.
 * `evidence` (owned by the context, valid until its next call) quotes the caller's original
 * text that triggered it, or is NULL; `field` is the field it was found in (-1 when none).
 */
typedef struct fj_signal {
    const char *name;
    double value;
    const char *evidence;
    size_t evidence_len;
    int field;
} fj_signal;

/**
 * The signals of a posting that fired (non-zero value), each once with its strongest evidence.
 * `hist` gives repost counts from a history store; when NULL they come from the posting's own
 * fields only. The array is owned by the context and valid until its next call.
 */
FJ_API fj_status fj_signals(fj_context *ctx, const fj_posting *p, const fj_history_stats *hist,
                            const fj_signal **signals, size_t *count, fj_error *err);

/** The number of signals the library knows and their names (for feature spaces and docs). */
FJ_API size_t fj_signal_count(void);
FJ_API const char *fj_signal_name(size_t index);

/* ------------------------------------------------------------------------------------------ */
/* Models and scoring (model.c, score.c)                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct fj_model fj_model;

typedef enum fj_verdict {
    FJ_VERDICT_LEGIT = 0,
    FJ_VERDICT_SUSPICIOUS,
    FJ_VERDICT_FRAUD
} fj_verdict;
/** "legit", "suspicious", "fraud". */
FJ_API const char *fj_verdict_name(fj_verdict v);

/**
 * Load a model bundle from a folder. The model is immutable and may be shared by threads.
 * Errors name the file and the problem: FJ_ERR_IO (missing file), FJ_ERR_MODEL (truncated,
 * corrupted, checksum mismatch), FJ_ERR_VERSION (a newer bundle format).
 */
FJ_API fj_status fj_model_load(fj_model **out, const char *dir, fj_error *err);
/** The default model: $FAKEJOB_MODEL when set, else the source tree's models/default when
 *  run from the build tree, else the installed data directory. */
FJ_API fj_status fj_model_load_default(fj_model **out, fj_error *err);
/** NULL-safe. */
FJ_API void fj_model_free(fj_model *m);
/** Write the model as a bundle folder (created if needed). */
FJ_API fj_status fj_model_save(const fj_model *m, const char *dir, fj_error *err);
/** "NAME VERSION", e.g. "fakejob-default 1.0.0" (owned by the model). */
FJ_API const char *fj_model_name(const fj_model *m);

/** One contribution toward a verdict. Strings are owned by the context. */
typedef struct fj_reason {
    const char *signal; /* a signal name, or "word:…"/"bigram:…" style feature name */
    double weight;      /* contribution to the margin (positive: toward fraud) */
    const char *evidence;
    size_t evidence_len;
} fj_reason;

/** A score. Owned by the context, valid until its next call. */
typedef struct fj_result {
    double score;  /* calibrated probability of fraud, 0..1 */
    double margin; /* the raw SVM decision value */
    fj_verdict verdict;
    fj_lang lang;
    const fj_reason *reasons; /* strongest first; NULL with count 0 for RBF models */
    size_t reason_count;
    int reasons_available; /* 0 for models whose contributions cannot be separated (RBF) */
} fj_result;

/**
 * Score a posting. `hist` as for fj_signals. Errors: FJ_ERR_INPUT for a posting that cannot be
 * scored (fj_posting_validate), FJ_ERR_LIMIT.
 */
FJ_API fj_status fj_score(fj_context *ctx, const fj_model *m, const fj_posting *p,
                          const fj_history_stats *hist, fj_result *out, fj_error *err);

#ifdef __cplusplus
}
#endif

#endif /* FAKEJOB_H */
