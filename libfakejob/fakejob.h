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
 *   fj_history   the repost history store (SQLite or PostgreSQL): how often a posting was seen
 *                before.
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

/**
 * Say where in a file an error was found: the message becomes "FILE:LINE: message" and
 * `line` is set (line <= 0: "FILE: message", line left alone; NULL file: only the line is
 * set). Call it once per error; every "FILE:LINE:" the library and the CLI write comes from
 * here. NULL-safe.
 */
FJ_API void fj_error_locate(fj_error *err, const char *file, long long line);

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
 * Normalize text: NFKC case folding (full-width to ASCII, ＱＱ to qq), Traditional to Simplified
 * Chinese, whitespace and control characters folded to single spaces, none at either end. The
 * result (NUL-terminated) is owned by the context and valid until its next call. Errors:
 * FJ_ERR_ARGUMENT (NULL ctx/out), FJ_ERR_INPUT with err->offset for invalid UTF-8, FJ_ERR_LIMIT
 * above FJ_MAX_POSTING_BYTES.
 */
FJ_API fj_status fj_normalize(fj_context *ctx, const char *utf8, size_t len, const char **out,
                              size_t *out_len, fj_error *err);

/**
 * Tokenize one text (tokens carry FJ_FIELD_DESCRIPTION). Words (English stemmed with Snowball,
 * Han words from ICU's dictionary), Han bigrams, and typed tokens whose text is a normalized
 * value: money "¥8000-12000/month", phone digits, the QQ number, the WeChat id, the e-mail
 * address, a URL's host, "#url#" for EMSCAD placeholders. Punctuation is dropped. The array
 * (NULL when *count is 0) is owned by the context, valid until its next call. Errors as
 * fj_normalize, and FJ_ERR_LIMIT past FJ_MAX_TOKENS tokens.
 */
FJ_API fj_status fj_tokenize_text(fj_context *ctx, const char *utf8, size_t len,
                                  const fj_token **tokens, size_t *count, fj_error *err);

/**
 * Tokenize one text as field `field` of a posting: tokens carry that field, and in the salary
 * field a bare amount or range ("8000-12000") is money, as fj_tokenize_posting reads it.
 * Tokens are owned by the context as for fj_tokenize_text. Errors: FJ_ERR_ARGUMENT (a NULL
 * context, tokens or count; a field that does not exist), those of fj_normalize, FJ_ERR_LIMIT
 * past FJ_MAX_TOKENS tokens.
 */
FJ_API fj_status fj_tokenize_field(fj_context *ctx, fj_field field, const char *utf8, size_t len,
                                   const fj_token **tokens, size_t *count, fj_error *err);

/**
 * Tokenize every text field of a posting (fj_text_fields, in that order) in one array; each
 * token's start/end are offsets into its own field. In the salary field a bare amount or range
 * is money. Errors: FJ_ERR_ARGUMENT, FJ_ERR_LIMIT past FJ_MAX_TOKENS (err->field names the field).
 */
FJ_API fj_status fj_tokenize_posting(fj_context *ctx, const fj_posting *p, const fj_token **tokens,
                                     size_t *count, fj_error *err);

/** The language of a text: FJ_LANG_ZH when its Han characters are at least a fifth as many as
 *  its other letters, FJ_LANG_EN otherwise (also for no letters). Never fails; invalid UTF-8
 *  bytes are skipped. */
FJ_API fj_lang fj_detect_lang(const char *utf8, size_t len);
/** The posting's language: its `lang` field unless absent or "auto", else detected. */
FJ_API fj_lang fj_posting_detect_lang(const fj_posting *p);

/* ------------------------------------------------------------------------------------------ */
/* History store (history.c)                                                                  */
/* ------------------------------------------------------------------------------------------ */

/*
 * A store of sightings: for each posting recorded, its fingerprints (a MinHash signature of the
 * normalized title, description and requirements with its LSH band keys, an exact hash of the
 * same text, a hash of the company name, hashes of its contact identifiers), its observed_at
 * and the caller's id. Never the posting text, the contact details or any other personal data
 * (docs/history.md). Every hash is an HMAC-SHA-256 under a secret key made when the store is
 * created and kept apart from it (a 0600 key file), so a leaked store cannot be reversed by
 * hashing candidate phone numbers or texts. Near-duplicates are postings whose estimated Jaccard
 * similarity (word 3-shingles, Han character 3-grams) is at least 0.41, or 0.2 when they share
 * a contact identifier, or whose texts are equal once digits, contacts and punctuation are
 * removed: a repost with a new phone number, salary, company name or edited wording still
 * matches (docs/history.md gives the rule and the measured recall and false-match rates).
 * Reposts are found in Chinese and English alike.
 *
 * A store is an SQLite file in WAL mode, or a PostgreSQL database (a postgresql:// URI) that
 * scorers on several machines share. Several processes (and threads, each with its own handle)
 * may open one store at once; an SQLite writer waits up to 5 seconds for another before failing
 * with FJ_ERR_HISTORY. A committed sighting survives a crash of the process. One fj_history
 * handle must be used by one thread at a time. A lost database connection is FJ_ERR_HISTORY for
 * each call made on it.
 */
typedef struct fj_history fj_history;

/** What the history store knows of a posting before it is recorded. */
typedef struct fj_history_stats {
    int64_t seen_before;        /* sightings of this posting or a near-duplicate observed at or
                                   before its observed_at (later ones are not counted) */
    int64_t distinct_companies; /* distinct company names among those sightings (an empty
                                   company name counts as one company) */
    int64_t first_seen;         /* epoch seconds of the earliest of them; 0 when never seen */
    int64_t last_seen;          /* epoch seconds of the latest of them; 0 when never seen */
} fj_history_stats;

/**
 * Open (creating if needed) a history store: an SQLite file at `path`, a PostgreSQL database
 * when `path` is a postgresql:// (or postgres://) URI, or a private in-memory store when `path`
 * is NULL or ":memory:". The key is read from $FJ_HISTORY_KEY_FILE when set, else from the file
 * `path` + ".key" (made, mode 0600, when the store is created); a PostgreSQL store needs
 * $FJ_HISTORY_KEY_FILE (fj_history_open_key names it directly). An in-memory store, never
 * written anywhere, uses a fixed key (so that replays give the same counts every run). Close it
 * with fj_history_close. Errors: FJ_ERR_VERSION for a store of another format (a version 1 store is
 * refused: it cannot be converted) or fingerprints of another kind; FJ_ERR_HISTORY naming the
 * store for a store that is not a history store, is corrupted, stays locked past the 5 s busy
 * timeout, cannot be reached, or whose key file is missing, wrong, or readable by others;
 * FJ_ERR_IO naming the file when it cannot be opened or created; FJ_ERR_ARGUMENT for an empty
 * path, or a PostgreSQL URI without a key file or in a build without libpq.
 */
FJ_API fj_status fj_history_open(fj_history **out, const char *path, fj_error *err);
/** fj_history_open with the key file named (NULL: as fj_history_open finds it). A new store
 *  takes the key in `key_file` when that file exists, else a new key is written there. */
FJ_API fj_status fj_history_open_key(fj_history **out, const char *path, const char *key_file,
                                     fj_error *err);
/** Close the store (NULL-safe). Nothing committed is lost. */
FJ_API void fj_history_close(fj_history *h);
/**
 * What the store knows of `p` (near-duplicates included) at its observed_at (or the context's
 * now), without recording it. `p` is borrowed; `ctx` provides the normalization scratch.
 * Errors: FJ_ERR_INPUT for a posting that fj_posting_validate rejects, FJ_ERR_HISTORY /
 * FJ_ERR_IO from the store; *out is zeroed on error.
 */
FJ_API fj_status fj_history_query(fj_history *h, fj_context *ctx, const fj_posting *p,
                                  fj_history_stats *out, fj_error *err);
/** Record a sighting of `p` at its observed_at (or the context's now), with its `id` if any.
 *  Errors as for fj_history_query. */
FJ_API fj_status fj_history_record(fj_history *h, fj_context *ctx, const fj_posting *p,
                                   fj_error *err);
/**
 * Query then record in one transaction (what scoring a stream does for each posting, in input
 * order): no other process can record between the two. `out` may be NULL. On error nothing is
 * recorded. Errors as for fj_history_query.
 */
FJ_API fj_status fj_history_observe(fj_history *h, fj_context *ctx, const fj_posting *p,
                                    fj_history_stats *out, fj_error *err);
/** Forget every sighting observed before `before` (epoch seconds): retention of N days is
 *  fj_history_forget_before(h, now - N * 86400, …). *removed (optional) counts them. */
FJ_API fj_status fj_history_forget_before(fj_history *h, int64_t before, int64_t *removed,
                                          fj_error *err);
/** The number of sightings the store holds. */
FJ_API fj_status fj_history_count(fj_history *h, int64_t *sightings, fj_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Signals (signals.c)                                                                        */
/* ------------------------------------------------------------------------------------------ */

/**
 * One engineered signal that fired. `name` is stable (static storage): upfront_fee,
 * vague_company, offsite_contact, personal_data, pay_anomaly, pressure_language,
 * posting_age_days, reposts, repost_companies, and the others listed in docs/signals.md
 * (fj_signal_name gives them all). `value` is non-zero: 1 for a flag, a count (fee types,
 * contact channels, phrases) or a number of days or a ratio. `evidence` (owned by the
 * context, NUL-terminated, valid until its next call) quotes the caller's original text that
 * triggered it verbatim, or is NULL; `field` is the fj_field it was quoted from (-1 when none).
 */
typedef struct fj_signal {
    const char *name;
    double value;
    const char *evidence;
    size_t evidence_len;
    int field;
} fj_signal;

/**
 * The signals of a posting that fired (non-zero value), each once with its strongest evidence,
 * in the order of fj_signal_name. `hist` gives repost counts from a history store; when NULL
 * they come from the posting's own fields only (reposts: 1 when updated_at is a day or more
 * after posted_at). The array is owned by the context and valid until its next call (*signals
 * is NULL when none fired). The first call on a context compiles the lexicons into it.
 * Errors: FJ_ERR_ARGUMENT (a NULL ctx, p, signals or count), FJ_ERR_INPUT (a posting with
 * neither title nor description, naming the field), FJ_ERR_NOMEM, FJ_ERR_INTERNAL.
 */
FJ_API fj_status fj_signals(fj_context *ctx, const fj_posting *p, const fj_history_stats *hist,
                            const fj_signal **signals, size_t *count, fj_error *err);

/**
 * The signals of one posting as the JSON object `fakejob signals` writes (no newline), in a
 * malloc'd NUL-terminated string the caller frees with free():
 *   {"id":"zh-001","lang":"zh","signals":[{"signal":"upfront_fee","value":1,
 *    "evidence":"入职前需缴纳培训费198元","field":"description"},{"signal":"reposts","value":3}]}
 * `p` (may be NULL: "id":null) gives the id, `lang` the language written, `signals`/`count`
 * what fj_signals returned. Numbers never depend on the locale. Errors: FJ_ERR_ARGUMENT (NULL
 * out, or NULL signals with a count), FJ_ERR_NOMEM.
 */
FJ_API fj_status fj_signals_to_json(const fj_posting *p, fj_lang lang, const fj_signal *signals,
                                    size_t count, char **out, fj_error *err);

/** The number of signals the library knows and their names (for feature spaces and docs):
 *  static strings in a stable order (new signals are added at the end); NULL past the end. */
FJ_API size_t fj_signal_count(void);
FJ_API const char *fj_signal_name(size_t index);

/* ------------------------------------------------------------------------------------------ */
/* Clause detectors (signals/clauses.c, train/clauses_train.c)                                */
/* ------------------------------------------------------------------------------------------ */

/*
 * upfront_fee, personal_data and offsite_contact are decided clause by clause by small linear
 * models, one per signal and language, over hashed character n-grams, words, typed tokens and
 * lexicon hits (docs/signals.md, "Clause detectors"). The library carries trained detectors
 * compiled in, which fj_signals uses by default; `fakejob train-signals` trains new ones from
 * labelled clauses into a versioned, checksummed file.
 */
typedef struct fj_detectors fj_detectors;

/**
 * Load a detector file. Free with fj_detectors_free. Errors: FJ_ERR_IO (cannot open or read),
 * FJ_ERR_MODEL (not a detector file, truncated, checksum mismatch, inconsistent values),
 * FJ_ERR_VERSION (a newer format than this library reads), FJ_ERR_NOMEM. Never crashes on any
 * bytes.
 */
FJ_API fj_status fj_detectors_load(fj_detectors **out, const char *path, fj_error *err);
/** fj_detectors_load from bytes in memory (borrowed). Errors as fj_detectors_load. */
FJ_API fj_status fj_detectors_load_memory(fj_detectors **out, const void *data, size_t len,
                                          fj_error *err);
/** Write detectors to `path` (a temporary file, then renamed). FJ_ERR_IO naming the file. */
FJ_API fj_status fj_detectors_save(const fj_detectors *d, const char *path, fj_error *err);
/** NULL-safe. */
FJ_API void fj_detectors_free(fj_detectors *d);
/** The training report of the detectors (JSON: per language and signal, C, threshold and the
 *  cross-validated precision and recall), owned by `d`; "" when none. */
FJ_API const char *fj_detectors_report(const fj_detectors *d);

/**
 * Make fj_signals (and scoring) on `ctx` use `d` (borrowed: it must outlive its use on ctx);
 * NULL goes back to the compiled-in detectors. Errors: FJ_ERR_ARGUMENT (NULL ctx), FJ_ERR_NOMEM.
 */
FJ_API fj_status fj_context_set_detectors(fj_context *ctx, const fj_detectors *d, fj_error *err);

/** Options of fj_detectors_train; zero-initialize, then set what you need. */
typedef struct fj_detectors_params {
    int folds;         /* grouped cross-validation folds (0: 5) */
    double target_fpr; /* the share of negative clauses a threshold may fire on (0: 0.01) */
    /* per language and signal targets over target_fpr (NULL: none): "LANG:SIGNAL=X,...", e.g.
     * "zh:personal_data=0.01,en:upfront_fee=0.02"; a bad item is FJ_ERR_ARGUMENT */
    const char *target_fpr_by;
} fj_detectors_params;

/**
 * Train clause detectors from labelled clause files (JSONL, one {"id","lang","text","labels",
 * "kind"} a line; labels a subset of upfront_fee, personal_data, offsite_contact, sales_duty,
 * office_title; an optional "classes" array names the classes the labels speak for, by default
 * the first three) and legitimate postings (JSONL with "label": "legit": background negatives).
 * Per language and class: a linear SVM (libsvm) whose C is chosen by cross-validation grouped by
 * `kind`, Platt calibration on the out-of-fold decision values, and the lowest threshold that fires
 * on at most target_fpr of the out-of-fold negatives. Deterministic. The report (out-of-fold
 * figures) is kept in the detectors. Not to run concurrently with fj_train. Errors name the file
 * and line: FJ_ERR_IO, FJ_ERR_INPUT (bad JSON, a missing field, an unknown label or language),
 * FJ_ERR_TRAIN (a language with a class lacking positives or negatives; a class no clause is
 * labelled for is left untrained instead: it never fires), FJ_ERR_NOMEM.
 */
FJ_API fj_status fj_detectors_train(fj_detectors **out, fj_context *ctx, const char *const *paths,
                                    size_t npaths, const fj_detectors_params *params,
                                    fj_error *err);

/**
 * Evaluate the detectors set on `ctx` (fj_context_set_detectors; the compiled-in ones by
 * default) through fj_signals. Clause files (objects with "text" and "labels"): each clause is
 * read as the description of a posting; per language and signal, precision and recall of the
 * signal firing. Posting files (objects with "label" and optionally "expect": [signal names]):
 * per language and signal, the recall on postings expecting it and the share of legitimate
 * postings it fires on. *json (malloc'd, the caller frees it) holds the figures. Errors name the
 * file and line: FJ_ERR_IO, FJ_ERR_INPUT, FJ_ERR_NOMEM.
 */
FJ_API fj_status fj_detectors_eval(fj_context *ctx, const char *const *paths, size_t npaths,
                                   char **json, fj_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Models and scoring (model.c, score.c)                                                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * A model bundle is a folder (models/NAME/) holding manifest.json (format version, name,
 * version, creation date, library versions, training data and cross-validated metrics, and the
 * size and SHA-256 of every other file), then per language part PART ("zh", "en" or "all"):
 * PART.features.tsv (the feature space: vocabulary, idf, signal scaling), PART.weights.tsv (the
 * primal weight vector and bias of linear models), PART.svm.model (libsvm's own text model,
 * readable by svm-predict) and PART.calibration.json (Platt calibration and thresholds).
 * A bilingual model routes each posting to the part of its language.
 */
typedef struct fj_model fj_model;

typedef enum fj_verdict {
    FJ_VERDICT_LEGIT = 0,
    FJ_VERDICT_SUSPICIOUS,
    FJ_VERDICT_FRAUD,
    FJ_VERDICT_INSUFFICIENT /* too little text to judge: fewer than FJ_MIN_CONTENT_WORDS words */
} fj_verdict;
/**
 * A posting whose title, company profile, description, requirements and benefits hold fewer
 * than this many words (runs of letters or digits; each Han character counts as one) gets the
 * verdict FJ_VERDICT_INSUFFICIENT whatever its score, unless a red flag quoted from its text
 * fired (a signal with evidence pushing toward fraud: "日结300，先交押金200元" is judged): the
 * model has too little to judge. Of the 7,174 training postings, 20 are that short (README.md,
 * "Verdicts").
 */
#define FJ_MIN_CONTENT_WORDS 20
/** "legit", "suspicious", "fraud", "insufficient" (static storage); NULL for an out-of-range
 *  value. */
FJ_API const char *fj_verdict_name(fj_verdict v);

/**
 * Load a model bundle from a folder. The model is immutable and may be shared by threads.
 * Each file's size is checked against the manifest before it is read, and its checksum before
 * it is used. A bundle with the binary form (PART.model.bin, written by fj_model_save) is mapped
 * read-only and used in place after its size, 64-bit checksum and structure are validated (its
 * text export PART.features.tsv, PART.weights.tsv and PART.svm.model is then not read, only its
 * sizes checked); an older bundle without it is loaded from the text files, PART.svm.model
 * included (parsed and checked against the weights). Weights or a bias that are not finite or
 * larger than 1e6 in magnitude are refused. Errors name the file and the problem: FJ_ERR_IO (a
 * missing or unreadable file), FJ_ERR_MODEL (truncated, corrupted, checksum mismatch,
 * inconsistent, absurd numbers, with the line or index), FJ_ERR_VERSION (a newer bundle
 * format). Never crashes on any bytes. The files of a loaded bundle must not be rewritten in
 * place while the model is in use (fj_model_save never does: it replaces the folder).
 * Thread-safe (it does not use libsvm's model reader, which calls setlocale).
 */
FJ_API fj_status fj_model_load(fj_model **out, const char *dir, fj_error *err);
/**
 * The default model: the folder named by $FAKEJOB_MODEL when set; else, when the library in use
 * is the uninstalled one of a build tree, the source tree's models/default; else the installed
 * DATADIR/libfakejob/models/default. FJ_ERR_IO naming the folders tried when none exists.
 */
FJ_API fj_status fj_model_load_default(fj_model **out, fj_error *err);
/** NULL-safe. */
FJ_API void fj_model_free(fj_model *m);
/**
 * Write the model as a bundle folder: the text files, the binary form (PART.model.bin), the
 * training fingerprints when the model has them, and the manifest. The bundle is written into
 * a new sibling folder (".NAME.tmp-XXXXXX") which then replaces `dir` in one rename, so a save
 * that fails (a full disk) leaves the previous bundle as it was. An existing `dir` must be
 * empty or a model bundle of regular files; its files that are not part of the bundle (such as
 * MODEL.md) are carried over. FJ_ERR_IO naming the file that could not be written (or the
 * folder that cannot be replaced). Thread-safe.
 * A linear model loaded from a bundle does not keep that bundle's PART.svm.model in memory
 * (scoring does not use it): saving reads it again from the folder it was loaded from and
 * verifies its checksum (FJ_ERR_IO / FJ_ERR_MODEL naming it when it is gone or altered).
 */
FJ_API fj_status fj_model_save(const fj_model *m, const char *dir, fj_error *err);
/** "NAME VERSION", e.g. "fakejob-default 1.0.0" (owned by the model). */
FJ_API const char *fj_model_name(const fj_model *m);
/** 1 when the model can attribute its margin to features (linear kernel), 0 otherwise (RBF). */
FJ_API int fj_model_explains(const fj_model *m);
/**
 * The manifest as JSON text (owned by the model): format, name, version, created, libraries,
 * kernel, parts with their thresholds, and the training section (data, parameters, CV metrics).
 */
FJ_API const char *fj_model_manifest(const fj_model *m);
/**
 * The verdict thresholds of the part that scores postings of `lang` (FJ_LANG_AUTO: the first
 * part): a score >= *fraud is "fraud", >= *suspicious "suspicious". Either pointer may be NULL.
 */
FJ_API void fj_model_thresholds(const fj_model *m, fj_lang lang, double *fraud, double *suspicious);

/**
 * One contribution toward a verdict. Strings are owned by the context, except `label` (static).
 * Reasons name a red-flag signal ("upfront_fee"), a text n-gram ("word:training", "bigram:押金",
 * "title:客服", "pair:work home", "token:qq", "place:…", "employment:…"), a fact of the
 * metadata ("field:company_logo", "meta:response_rate_b2"), or "missing_information": the
 * absences of the posting (no logo, no profile, short requirements, no salary figure …) merged
 * into one reason whose weight is their sum and whose `missing` lists them (docs/reasons.md).
 */
typedef struct fj_reason {
    const char *signal;   /* the stable name of the reason */
    double weight;        /* contribution to the margin, in its log-odds units (positive:
                             toward fraud) */
    const char *evidence; /* the original text that triggered it (verbatim), or NULL */
    size_t evidence_len;
    int field;    /* the fj_field the evidence is quoted from, or -1 (no evidence, or evidence
                     that is not one span of a field) */
    size_t start; /* the evidence's byte span [start, end) in that field's original text */
    size_t end;
    const char *label; /* "中文 / English" (fj_reason_label of signal and side), static */
    const struct fj_reason *missing; /* "missing_information": what is missing, strongest
                                        first (each a reason without evidence); else NULL */
    size_t missing_count;
} fj_reason;

/**
 * The human label of a reason (a stable text for UIs, the same for every feature of a kind:
 * every "word:…" toward fraud is "Wording often seen in fraudulent postings"): `lang`
 * FJ_LANG_ZH gives the Chinese label, FJ_LANG_EN the English one, FJ_LANG_AUTO both as
 * "中文 / English" (" / " appears in neither). Text n-grams have one label for each side
 * (`toward_fraud` non-zero: the weight is positive); the others ignore it. A name the library
 * does not know gets "Another feature the model weighs". Static storage; NULL only for a NULL
 * signal. docs/reasons.md lists them all.
 */
FJ_API const char *fj_reason_label(const char *signal, int toward_fraud, fj_lang lang);

/** A score. Owned by the context, valid until its next call. */
typedef struct fj_result {
    double score;  /* calibrated probability of fraud, 0..1 (at the prior of fj_score_options) */
    double margin; /* log-odds of the score minus log-odds of the fraud threshold: >= 0 exactly
                      when the score reaches the fraud threshold (verdict fraud, unless the text
                      is insufficient); the same whatever the prior */
    fj_verdict verdict;
    fj_lang lang;
    const fj_reason *reasons; /* strongest first; NULL with count 0 for RBF models */
    size_t reason_count;
    int reasons_available;    /* 0 for models whose contributions cannot be separated (RBF) */
    const char *const *flags; /* every signal that fired and that the model's part knows
                                 (whatever the verdict), in feature order; names owned by the
                                 model, the array by the context; NULL when none */
    size_t flag_count;
} fj_result;

/** Options of fj_score_with. Initialize with fj_score_options_init. */
typedef struct fj_score_options {
    double threshold_fraud;      /* < 0 (default): the model's (moved with the prior) */
    double threshold_suspicious; /* < 0 (default): the model's (moved with the prior) */
    size_t max_reasons;          /* default 5 */
    double prior; /* the fraud rate expected where the model is deployed, in (0, 1); < 0
                     (default): the model's, i.e. the fraud rate of its training postings per
                     language (the manifest's "prior"). The calibrated score is moved by the
                     ratio of prior odds (its log-odds shifted by logit(prior) -
                     logit(model's prior)), and so are the model's thresholds: verdicts and
                     margin stay where they were, the score reads as a probability at the
                     given fraud rate. Thresholds given above are on that moved scale. */
} fj_score_options;

/** Defaults: the model's thresholds and prior, 5 reasons. */
FJ_API void fj_score_options_init(fj_score_options *opts);

/**
 * Score a posting. `hist` as for fj_signals (NULL: the posting's own fields only).
 * Reasons are the strongest contributions toward the verdict: toward fraud for "fraud" and
 * "suspicious", toward legit for "legit" (for "insufficient": toward the side of the score,
 * fraud from the suspicious threshold up). Errors: FJ_ERR_INPUT for a posting that cannot be
 * scored (fj_posting_validate) or whose language the model has no part for (err->field "lang",
 * the message names the language), FJ_ERR_LIMIT, FJ_ERR_ARGUMENT for NULL arguments or a prior
 * outside (0, 1), FJ_ERR_MODEL when the model's margin for the posting is not a finite number
 * (a damaged model: such a posting gets an error, never a verdict).
 */
FJ_API fj_status fj_score(fj_context *ctx, const fj_model *m, const fj_posting *p,
                          const fj_history_stats *hist, fj_result *out, fj_error *err);
/** fj_score with options (NULL: defaults); thresholds given override the model's. */
FJ_API fj_status fj_score_with(fj_context *ctx, const fj_model *m, const fj_posting *p,
                               const fj_history_stats *hist, const fj_score_options *opts,
                               fj_result *out, fj_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Datasets and training (dataset.c, train.c)                                                 */
/* ------------------------------------------------------------------------------------------ */

/*
 * A dataset is a list of labelled postings, each with a group key: postings sharing a key are
 * kept in one cross-validation fold (duplicates, one company's postings), so folds do not leak.
 */
typedef struct fj_dataset fj_dataset;

/** A new empty dataset. Free it with fj_dataset_free. */
FJ_API fj_status fj_dataset_new(fj_dataset **out, fj_error *err);
/** NULL-safe. */
FJ_API void fj_dataset_free(fj_dataset *d);

/**
 * Add a copy of `p`, which must carry a label (FJ_ERR_INPUT otherwise) and be scorable
 * (fj_posting_validate). `group_key` (copied): postings with equal keys share a fold; NULL means
 * the posting's content hash (its normalized description, or title when it has none), so that
 * copies of one posting share a fold. A posting with posted_at but no observed_at is given
 * observed_at = the later of posted_at and updated_at, so that its age is what it was when
 * last published rather than its age today.
 */
FJ_API fj_status fj_dataset_add(fj_dataset *d, const fj_posting *p, const char *group_key,
                                fj_error *err);

/**
 * Add every posting of a corpus file (JSONL, one labelled posting a line; blank lines skipped).
 * `group_by`: NULL or "content" = content hash; otherwise the name of a string field (e.g.
 * "company") whose value is the group key, the content hash standing in for a posting where it
 * is absent or empty. Errors name the file and line: FJ_ERR_IO (unreadable), FJ_ERR_INPUT
 * (a bad posting or a missing label; err->line is set), FJ_ERR_ARGUMENT (unknown group_by field).
 * On error the postings added before the bad line stay in the dataset.
 */
FJ_API fj_status fj_dataset_add_file(fj_dataset *d, const char *path, const char *group_by,
                                     fj_error *err);

/**
 * Group near-copies together: postings whose word 3-shingle sets (title, company, profile,
 * description, requirements, benefits; Han characters count as words) have a Jaccard
 * similarity >= `threshold` (0.5 in `--group-by near`), found exactly, are joined into one
 * group with everything already sharing a group key with either of them (union-find), whatever
 * their labels. Each merged group takes the key of its first posting. Call it after adding the
 * postings and before fj_train/fj_cross_validate. `*merged` (optional): the number of joins that
 * near-copies made. Errors: FJ_ERR_ARGUMENT (NULL dataset, threshold outside (0, 1]),
 * FJ_ERR_NOMEM (the dataset is unchanged).
 */
#define FJ_NEAR_COPY_THRESHOLD 0.5 /* the Jaccard similarity of `--group-by near` */
FJ_API fj_status fj_dataset_group_near(fj_dataset *d, double threshold, size_t *merged,
                                       fj_error *err);

/**
 * The copy slice of a cross-validation: copy[i] = 1 when posting i has a near-copy (Jaccard
 * >= `threshold`, as fj_dataset_group_near measures it) held out in another fold than its own,
 * i.e. in the training part of its outer fold; 0 otherwise. `folds` (fj_cross_validate's) and
 * `copy` are caller-owned arrays of fj_dataset_size(d) elements. Errors: FJ_ERR_ARGUMENT,
 * FJ_ERR_NOMEM.
 */
FJ_API fj_status fj_dataset_near_copies(const fj_dataset *d, double threshold, const int *folds,
                                        unsigned char *copy, fj_error *err);

/** The number of postings. */
FJ_API size_t fj_dataset_size(const fj_dataset *d);
/** The i-th posting (owned by the dataset), or NULL when out of range. */
FJ_API const fj_posting *fj_dataset_posting(const fj_dataset *d, size_t i);
/** The i-th posting's label (FJ_LABEL_NONE when out of range). */
FJ_API fj_label fj_dataset_label(const fj_dataset *d, size_t i);
/** The i-th posting's group key (owned by the dataset), or NULL when out of range. */
FJ_API const char *fj_dataset_group(const fj_dataset *d, size_t i);
/** Where the i-th posting came from, "FILE:LINE" or "" when added directly (owned). */
FJ_API const char *fj_dataset_source(const fj_dataset *d, size_t i);

/**
 * Replay the postings that carry posted_at, in time order (ties in insertion order), through a
 * fresh in-memory history store (fj_history_observe), recording what the store knew of each:
 * the repost statistics a scoring stream would have seen. fj_train and fj_cross_validate replay
 * on their own when this was not called; call it before scoring dataset postings with
 * fj_dataset_history so that evaluation sees the same features as training.
 */
FJ_API fj_status fj_dataset_replay_history(fj_dataset *d, fj_error *err);
/** The i-th posting's replayed history statistics, or NULL (not replayed, no posted_at). */
FJ_API const fj_history_stats *fj_dataset_history(const fj_dataset *d, size_t i);

typedef enum fj_kernel { FJ_KERNEL_LINEAR = 0, FJ_KERNEL_RBF } fj_kernel;

/** Progress of training, passed to the caller's callback (strings valid during the call). */
typedef struct fj_progress {
    const char *stage;   /* "replay", "features", "gram" (kernel matrix), "fold", "grid",
                            "view" (a view's C chosen), "calibrate", "final", "cv" (an outer
                            fold of fj_cross_validate) */
    const char *part;    /* the language part being trained ("zh", "en", "all"), or "" */
    int step, total;     /* 1-based step of `total` within the stage (0 when not counted) */
    const char *message; /* one human-readable line without newline */
} fj_progress;
typedef void (*fj_progress_fn)(const fj_progress *progress, void *user);

/** How training treats postings of other sources (fj_train_params.sources): sources whose labels
 *  follow other definitions than the postings the model is for. In every mode the grid search
 *  (C), the views' mix, the calibration and the thresholds are chosen on the reference postings'
 *  out-of-fold scores alone (source 0); the modes differ in what the other sources may learn. */
typedef enum fj_source_mode {
    FJ_SOURCE_AUGMENT = 0,      /* default: each other source has its own copy of every feature and
                                   its own intercept feature, both present in training only: what
                                   its labels say and the reference's do not is learned on its own
                                   copy and left out of the model */
    FJ_SOURCE_INTERCEPT = 1,    /* an intercept feature per other source, in training only: its
                                   base rate is absorbed, its words are shared */
    FJ_SOURCE_AUGMENT_TEXT = 2, /* as AUGMENT, but only the text features (n-grams) get a copy;
                                   the dense facts (red flags, platform metadata) are shared */
    FJ_SOURCE_POOL = 3,         /* no source features: the sources are pooled (only the choice of C,
                                   mix, calibration and thresholds is the reference's) */
    FJ_SOURCE_SHARED_META = 4,  /* as AUGMENT, but the platform metadata facts (`field:*`,
                                   `meta:*`: response rate, applicants, openings, company size,
                                   salary buckets, ...) get no copy: their weights are shared, so
                                   they are learned where they are given (mostly the other
                                   source) and kept in the model */
    FJ_SOURCE_ROUTE = 5         /* two models routed by the posting's fields: the part is trained
                                   on the reference source's postings alone, and a second one, its
                                   platform route, on all of them pooled (calibrated and
                                   thresholded on all, as without sources); a posting carrying the
                                   platform's activity metadata (both `applicants` and
                                   `response_rate`) is scored by the route, any other by the part.
                                   Cross-validation only: fj_train refuses it (a bundle cannot hold
                                   the route yet) */
} fj_source_mode;

/** How Chinese (Han) text is cut into word tokens, chosen when a model is trained and recorded
 *  per part in its bundle's manifest ("segmentation"), so a bundle is always scored as it was
 *  trained. Both keep a bigram token for every two adjacent Han characters and leave other text
 *  as it is. */
typedef enum fj_segmentation {
    FJ_SEG_DICTIONARY = 0, /* "icu-dictionary": Han words from ICU's dictionary (the default;
                              a manifest without the field means this) */
    FJ_SEG_HAN_UNIGRAM = 1 /* "han-unigram": every Han character a word of its own: faster.
                              A Han run next to a character other than ASCII or the common
                              Chinese punctuation (、。《》「」『』【】“”) still goes through
                              ICU's iterator; a bundle with such a part is written as bundle
                              format 2, which libraries older than the option refuse. The
                              red-flag signals a model scores read the same tokens (the clause
                              detectors were trained on dictionary words, so on some postings
                              they fire differently than fj_signals, which always uses the
                              dictionary), and a posting holds about 2 tokens a Han character
                              instead of 1.6, so FJ_MAX_TOKENS is reached sooner */
} fj_segmentation;

/** The manifest name of a segmentation ("icu-dictionary", "han-unigram"); NULL for none. */
FJ_API const char *fj_segmentation_name(fj_segmentation seg);
#define FJ_MAX_SOURCES 8 /* the largest source number of fj_train_params.sources */

/** "augment", "intercept", "augment-text", "pool", "shared-meta" or "route" (the CLI's
 *  --source-mode names); NULL for an out-of-range value. */
FJ_API const char *fj_source_mode_name(fj_source_mode mode);
/** The source mode called `name` (as fj_source_mode_name gives it), or -1 (also for NULL). */
FJ_API int fj_source_mode_from_name(const char *name);

typedef struct fj_train_params {
    fj_kernel kernel;        /* FJ_KERNEL_LINEAR (default) or FJ_KERNEL_RBF */
    double C;                /* SVM cost; 0 (default): grid search by cross-validation */
    double gamma;            /* RBF width; 0 (default): grid search (RBF only) */
    int folds;               /* cross-validation folds (default 5, at least 2) */
    uint64_t seed;           /* fold assignment seed (default fixed: same data, same model) */
    int class_weights;       /* 1 (default): weight classes inversely to their frequency */
    int per_language;        /* 1 (default): one part per language when each has both classes */
    double target_precision; /* the fraud threshold's cross-validated precision (default 0.9) */
    int min_df;              /* text features in fewer training postings are dropped (2) */
    size_t max_features;     /* cap on text features per part, most frequent kept (30000) */
    int text_view;           /* 1 (default): linear parts mix an SVM on all features with one on
                                the text features alone (see fj_train); 0: one SVM */
    /* per-language overrides of min_df and max_features for the zh and en parts, indexed by
       fj_lang (FJ_LANG_ZH, FJ_LANG_EN); 0 (default): the values above. A single "all" part
       (per_language 0, or a language without both classes) takes the values above; each
       part's cross-validation record names the values it used. */
    int min_df_lang[3];
    size_t max_features_lang[3];
    int threads;                  /* worker threads for cross-validation (0 = one per CPU) */
    const char *name;             /* model name (default "fakejob") */
    const char *version;          /* model version (default "1.0.0") */
    const char *data_description; /* what it was trained on, for the manifest (or NULL) */
    fj_progress_fn progress;      /* optional; calls are serialized but may come from the worker
                                     threads of the cross-validation */
    void *progress_user;
    double target_recall; /* the suspicious threshold's cross-validated recall (default 0.95;
                             see fj_train) */
    /* the dense features (red-flag signals, metadata facts; each scaled to at most 1 on the
       training postings) are multiplied by this weight against the L2-normalized text block
       (default 1; within (0, 2]); per language as min_df_lang (0: the value) */
    double dense_weight;
    double dense_weight_lang[3];
    /* optional, borrowed: the source of each dataset posting (fj_dataset_size(d) entries): 0 the
       reference (the postings the model is for, e.g. the project's corpus), 1..FJ_MAX_SOURCES
       another source whose labels follow other definitions (e.g. a dataset labelled per company
       from metadata). NULL (default) or all 0: one source. A part without postings of another
       source trains exactly as without it. See fj_source_mode. */
    const int *sources;
    fj_source_mode source_mode;   /* default FJ_SOURCE_AUGMENT */
    fj_segmentation segmentation; /* of Han text, for every part (default FJ_SEG_DICTIONARY) */
} fj_train_params;

/** Fill `params` with the defaults. */
FJ_API void fj_train_params_init(fj_train_params *params);

/**
 * Train a model on a dataset: features fitted on it, grid search of C (and gamma) by grouped
 * k-fold cross-validation (selection by PR-AUC of the out-of-fold margins), Platt calibration
 * fitted on the out-of-fold margins, thresholds chosen on them (fraud: the lowest score whose
 * out-of-fold precision reaches target_precision, never below 0.5; suspicious: the lowest
 * score, going no lower than where the out-of-fold recall reaches target_recall — or, when the
 * fraud threshold already does, where half the frauds it misses are caught — at which the
 * band's own precision, the postings between the two thresholds, is at least one in three;
 * when none reaches it the band is empty and the suspicious threshold is the fraud one), then
 * the final SVM on all postings. With text_view (the default), a linear part trains two SVMs,
 * each with its own C: one on all the features and one on the text features alone; their
 * margins are mixed in the proportion (0..1 in steps of 0.05, from the out-of-fold margins)
 * whose calibration has the lowest log loss, and the part's weights are the same mix of the two
 * final SVMs' weights: one linear model, whose margin is the mixed margin. Deterministic: the
 * same data and params give the same model. Errors: FJ_ERR_TRAIN (a part with a single class,
 * fewer postings than folds), FJ_ERR_ARGUMENT (bad params), FJ_ERR_NOMEM. Safe to call from
 * several threads at once, but it replaces libsvm's process-wide print hook with a silent one (a
 * host program using libsvm directly loses its own hook).
 */
FJ_API fj_status fj_train(fj_model **out, const fj_dataset *d, const fj_train_params *params,
                          fj_error *err);

/**
 * Grouped k-fold cross-validation of the whole training procedure (each outer fold trains a
 * model exactly as fj_train does, on the other folds, and scores the held-out one). Outputs,
 * each an optional caller-owned array of fj_dataset_size(d) elements: calibrated scores, raw
 * margins, verdicts, and the fold (0..folds-1) each posting was held out in. Errors as fj_train.
 */
FJ_API fj_status fj_cross_validate(const fj_dataset *d, const fj_train_params *params,
                                   double *scores, double *margins, fj_verdict *verdicts,
                                   int *folds, fj_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Batch scoring (batch.c)                                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * Result lines, as `fakejob score` writes them (README.md, "What it says"): one JSON object
 *   {"id":…,"lang":"zh","score":0.93,"verdict":"fraud","margin":1.71,
 *    "reasons":[{"signal":…,"label":…,"weight":…,"evidence":…,"field":…,"start":…,"end":…},
 *               {"signal":"missing_information","label":…,"weight":…,
 *                "missing":[{"signal":…,"label":…,"weight":…},…]}],
 *    "flags":["upfront_fee",…],"model":"NAME VERSION"}
 * with "id" null when the posting has none, "label" "中文 / English" (fj_reason.label, or
 * fj_reason_label when NULL), "missing" only for the missing information, "evidence" left out
 * when there is none ("field", "start" and "end" — the evidence's byte span in that field —
 * when it is one span of a field),
 * "flags" every signal that fired (fj_result.flags; [] when none), and
 * "reasons_available":false added for models that cannot explain (RBF); or an error result
 *   {"id":…,"error":{"code":"input","message":…,"field":…,"offset":…,"line":…}}
 * where "field", "offset" and "line" appear when known. Numbers are written in the shortest
 * form that reads back to the same double.
 */

/**
 * One result as a JSON object (no newline) in a malloc'd NUL-terminated string the caller frees
 * with free(). `p` (may be NULL) gives the "id", `m` (may be NULL) the "model". Errors:
 * FJ_ERR_ARGUMENT (NULL r or out), FJ_ERR_NOMEM.
 */
FJ_API fj_status fj_result_to_json(const fj_result *r, const fj_posting *p, const fj_model *m,
                                   char **out, fj_error *err);

/**
 * An error result for a posting that could not be scored, as a JSON object (no newline) in a
 * malloc'd string the caller frees. `id` (NUL-terminated UTF-8, may be NULL: "id":null), `e` the
 * failure (NULL: an internal error), `line` the input line (<= 0: none). Errors as
 * fj_result_to_json.
 */
FJ_API fj_status fj_error_result_to_json(const char *id, const fj_error *e, long long line,
                                         char **out, fj_error *err);

/** Options of fj_score_json_batch. Initialize with fj_batch_options_init. */
typedef struct fj_batch_options {
    int threads;         /* worker threads; 0 (default): one per online CPU */
    fj_history *history; /* optional: each readable posting is observed, in input order, before
                            the batch is scored; the handle is used by the calling thread only */
    int64_t now;         /* observed_at of postings without one (epoch seconds); 0 (default): the
                            wall clock when the batch starts */
    const fj_score_options *score; /* NULL: the defaults */
    const long long *lines;        /* optional: each posting's input line, for error results */
    const char *source;            /* optional: file name put before "LINE: " in messages */
    fj_context *const *contexts;   /* optional: `threads` contexts to work with instead of
                                      fresh ones, so that their scratch stays warm from one
                                      batch to the next (creating a context and its first use
                                      cost milliseconds); their clock is set to `now` */
} fj_batch_options;

/** Defaults: one thread per CPU, no history, the wall clock, default score options. NULL-safe. */
FJ_API void fj_batch_options_init(fj_batch_options *opts);

/**
 * Score `n` postings given as JSON texts (`postings[i]`, `lens[i]` bytes each; borrowed, need
 * not be NUL-terminated) on several threads, sharing the model. `*out` receives a malloc'd,
 * NUL-terminated JSONL text the caller frees with free(): exactly `n` lines, each ending in
 * '\n', the i-th the result of postings[i] (see "Result lines" above); `*out_len` (optional)
 * its length; `*errors` (optional) the number of error results. A posting that cannot be read
 * or scored (FJ_ERR_INPUT, FJ_ERR_LIMIT, a history failure…) gets an error result and the
 * batch goes on. The results are the same whatever the number of threads. Returns FJ_OK when
 * every posting has its line; otherwise (FJ_ERR_ARGUMENT, FJ_ERR_NOMEM) *out is NULL.
 * Thread-safe for distinct history handles and distinct contexts.
 */
FJ_API fj_status fj_score_json_batch(const fj_model *m, const char *const *postings,
                                     const size_t *lens, size_t n, const fj_batch_options *opts,
                                     char **out, size_t *out_len, size_t *errors, fj_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Import and evaluation (importers.c, metrics.c, evaluate.c, plot.c)                         */
/* ------------------------------------------------------------------------------------------ */

/*
 * Importers turn the public labelled datasets (CSV, RFC 4180: quoted fields may hold commas,
 * doubled quotes and line breaks; LF or CRLF; an optional UTF-8 byte-order mark) into corpus
 * postings, one JSON object per row (README.md, "Posting format" and "Source datasets"). Columns
 * are found by their header names; columns the format does not map, and mapped values that do
 * not convert, are kept verbatim as strings in the posting's `extra` object.
 */
typedef enum fj_import_format {
    FJ_IMPORT_EMSCAD = 0, /* EMSCAD / Kaggle fake_job_postings.csv (English) */
    FJ_IMPORT_ORFD        /* ORFD, the 58同城 export (Chinese) */
} fj_import_format;

/** Also write rows without a usable label (ORFD's 2 and empty, EMSCAD's empty), unlabelled. */
#define FJ_IMPORT_KEEP_UNLABELLED 1u

typedef struct fj_importer fj_importer;

/** Rows seen by an importer so far (the header not counted). */
typedef struct fj_import_stats {
    int64_t rows;    /* data rows read */
    int64_t written; /* postings returned */
    int64_t skipped; /* rows without a usable label (not returned) */
    int64_t errors;  /* malformed rows reported */
} fj_import_stats;

/** "emscad" or "orfd"; NULL for an out-of-range value. */
FJ_API const char *fj_import_format_name(fj_import_format fmt);
/** The format called `name` ("emscad", "orfd"), or -1. */
FJ_API int fj_import_format_from_name(const char *name);

/**
 * Open a CSV file of the given format and read its header. Free with fj_importer_close. Errors:
 * FJ_ERR_IO (cannot open or read `path`), FJ_ERR_INPUT (an empty file, or a header that lacks a
 * column the format needs, naming it; err->line is 1), FJ_ERR_ARGUMENT (unknown format or flags).
 */
FJ_API fj_status fj_importer_open(fj_importer **out, fj_import_format fmt, const char *path,
                                  unsigned flags, fj_error *err);
/** As fj_importer_open, over `len` bytes of CSV text (copied). */
FJ_API fj_status fj_importer_open_memory(fj_importer **out, fj_import_format fmt, const char *data,
                                         size_t len, unsigned flags, fj_error *err);
/**
 * The next posting as one JSON object without newline: *json (owned by the importer, valid until
 * its next call; NUL-terminated) and *len (optional). At the end of the input: FJ_OK with *json
 * NULL. Rows without a usable label are skipped silently unless FJ_IMPORT_KEEP_UNLABELLED.
 * A malformed row (wrong column count, invalid UTF-8, a quote that never closes, text after a
 * closing quote, a bad label value, neither title nor description, a field over a limit) gives
 * FJ_ERR_INPUT or FJ_ERR_LIMIT with err->line the line of the problem and a message starting
 * "line N: "; call again to go on with the next row. FJ_ERR_IO or FJ_ERR_NOMEM end the import.
 */
FJ_API fj_status fj_importer_next(fj_importer *imp, const char **json, size_t *len, fj_error *err);
/** The counts so far (all zero for NULL). */
FJ_API void fj_importer_stats(const fj_importer *imp, fj_import_stats *out);
/** NULL-safe. */
FJ_API void fj_importer_close(fj_importer *imp);

/** Precision, recall and F1 of one way of flagging postings as fraud (undefined ratios: NaN). */
typedef struct fj_prf {
    int64_t tp, fp, fn;
    double precision; /* tp / (tp + fp); NaN when nothing is flagged */
    double recall;    /* tp / (tp + fn); NaN when there is no fraud */
    double f1;        /* 2PR / (P + R); NaN when P or R is, 0 when both are 0 */
} fj_prf;

/**
 * Evaluation metrics of fraud scores against labels; fraud is the positive class. A ratio that
 * is undefined on the data (a single class, nothing flagged) is NaN, never a made-up 0 or 1.
 */
typedef struct fj_metrics {
    int64_t count, fraud, legit; /* postings, and how many of them are labelled each way */
    double threshold;            /* fraud when score >= threshold */
    int64_t tn, fp, fn, tp;      /* confusion matrix at the threshold */
    fj_prf at_threshold;         /* precision, recall, F1 at the threshold */
    double accuracy;
    double roc_auc; /* area under the ROC curve, ties counted half (the Mann-Whitney U
                       statistic); NaN unless both classes are present */
    double pr_auc;  /* average precision: sum over score thresholds of (R_k - R_k-1) * P_k,
                       tied scores forming one threshold; NaN without fraud */
    double recall_at_1pct_fpr;    /* the highest recall at a threshold whose false-positive rate
                                     is <= 1 % (tied scores are never split); NaN without legit */
    double threshold_at_1pct_fpr; /* the highest threshold reaching that recall (+inf when
                                     it is 0: flagging nothing) */
    /* by verdict, when verdicts were given (has_verdicts = 1) */
    int has_verdicts;
    int64_t verdicts[4][2]; /* [fj_verdict][0: legit, 1: fraud] counts */
    fj_prf flag_fraud;      /* flagged = verdict "fraud" */
    fj_prf flag_suspicious; /* flagged = verdict "fraud" or "suspicious" */
} fj_metrics;

/** The decision threshold used when none is given. */
#define FJ_DEFAULT_THRESHOLD 0.5

/**
 * Compute metrics from `n` scores (finite), labels (1 = fraud, 0 = legit) and optionally verdicts
 * (NULL when there are none; fj_cross_validate's output fits). Arrays are borrowed. Pure: the same
 * input gives the same output. Errors: FJ_ERR_ARGUMENT for n == 0, a NULL array, a non-finite score
 * or threshold, a label other than 0/1 or an unknown verdict (naming the index). O(n log n).
 */
FJ_API fj_status fj_metrics_compute(const double *scores, const int *labels,
                                    const fj_verdict *verdicts, size_t n, double threshold,
                                    fj_metrics *out, fj_error *err);

/** One operating point: flag as fraud every score >= threshold. */
typedef struct fj_curve_point {
    double threshold; /* +inf for the first point (nothing flagged) */
    double fpr;       /* false-positive rate (NaN without legit) */
    double tpr;       /* true-positive rate = recall (NaN without fraud) */
    double precision; /* NaN for the first point */
} fj_curve_point;

/**
 * The ROC and precision-recall curves: one point per distinct score, highest first, after the
 * point that flags nothing. *points is malloc'd (free with free()), *count its length (<= n + 1).
 * Errors as fj_metrics_compute.
 */
FJ_API fj_status fj_metrics_curve(const double *scores, const int *labels, size_t n,
                                  fj_curve_point **points, size_t *count, fj_error *err);

/**
 * The metrics as one JSON object (no newline) in a malloc'd string the caller frees: the fields
 * of fj_metrics by name, NaN and infinities written as null. FJ_ERR_NOMEM, FJ_ERR_ARGUMENT.
 */
FJ_API fj_status fj_metrics_to_json(const fj_metrics *m, char **out, fj_error *err);

/**
 * An SVG image (hand-written, standalone) of the ROC curve and the precision-recall curve of
 * `n` scores and labels, side by side with axes, grid, labels and the AUCs in the legends;
 * `title` (UTF-8, may be NULL) is drawn above them. *svg is malloc'd (free with free()), *len
 * (optional) its length. Errors as fj_metrics_compute, plus FJ_ERR_INPUT when a class is
 * missing (the curves are undefined) and for invalid UTF-8 in the title.
 */
FJ_API fj_status fj_plot_svg(const double *scores, const int *labels, size_t n, const char *title,
                             char **svg, size_t *len, fj_error *err);

/** Options of fj_evaluate. Initialize with fj_eval_options_init. */
typedef struct fj_eval_options {
    double threshold;              /* decision threshold on the score (FJ_DEFAULT_THRESHOLD) */
    int replay_history;            /* 1 (default): fj_dataset_replay_history first, and score each
                                      posting with its replayed history, as training saw it */
    const fj_score_options *score; /* verdict thresholds etc.; NULL: the model's */
} fj_eval_options;

/** Defaults: threshold 0.5, replay on, the model's verdict thresholds. NULL-safe. */
FJ_API void fj_eval_options_init(fj_eval_options *opts);

/**
 * How many postings of `d` were among the model's training postings: the bundle keeps one-way
 * 64-bit hashes of its training postings' content fingerprints (title, description and
 * requirements normalized, digits and contacts removed; no text), and each posting of `d` is
 * fingerprinted and looked up. A model trained by this library, or loaded from a bundle that
 * has training.fingerprints, sets *known to 1 (when `known` is not NULL); an older bundle sets
 * it to 0 and *overlap to 0. Errors: FJ_ERR_ARGUMENT for NULL arguments, those of
 * normalization. Thread-safe for distinct contexts.
 */
FJ_API fj_status fj_model_training_overlap(const fj_model *m, fj_context *ctx, const fj_dataset *d,
                                           size_t *overlap, int *known, fj_error *err);
/**
 * Score every posting of a labelled dataset with a model and compute the metrics (verdicts
 * included). `scores` and `verdicts` (optional, caller-owned arrays of fj_dataset_size(d)) receive
 * each posting's score and verdict. With replay_history the dataset's history is replayed (that
 * modifies `d`). Errors: FJ_ERR_ARGUMENT (NULL ctx/m/d/out, an empty dataset), and the first
 * posting that fails to score, its error prefixed with its source "FILE:LINE" (err->line set).
 */
FJ_API fj_status fj_evaluate(fj_context *ctx, const fj_model *m, fj_dataset *d,
                             const fj_eval_options *opts, fj_metrics *out, double *scores,
                             fj_verdict *verdicts, fj_error *err);

#ifdef __cplusplus
}
#endif

#endif /* FAKEJOB_H */
