/*
 * clauses.h - private interface of the clause detectors (clauses.c): the clause splitter, the
 * hashed clause features, and the per-language linear models that score a clause for
 * upfront_fee, personal_data and offsite_contact, for a selling or recruiting duty, and a title for
 * an office or service role (the two halves of title_duty_mismatch, signals/title_duty.c). Not
 * installed.
 *
 * A text field is split into clauses at sentence and clause punctuation of both languages, line
 * breaks, bullets and list numbers (fj__clause_split). A clause, and a clause joined with the one
 * before it in the same sentence (a "window"), is turned into hashed features (character
 * n-grams, words and stems, typed tokens, lexicon hits: fj__clause_features) and scored by one
 * linear model per signal and language, calibrated to a probability (fj__detectors_score). The
 * detectors are read from a versioned, checksummed file (docs/signals.md, "Clause detectors");
 * the library carries a default one compiled in.
 */
#ifndef FJ_CLAUSES_H
#define FJ_CLAUSES_H

#include "signals/signals.h"

/* The classes of the clause detectors, in the order of their weights in a detector file: three
 * signals read off a window of clauses, then the two classes of title_duty_mismatch: a duty
 * clause that sells loans, insurance, cards or other products, opens accounts, recruits, or pays
 * by commission or quota only (FJ_CLS_DUTY), and a title naming an office or service role that
 * sells nothing (FJ_CLS_TITLE). */
enum { FJ_CLS_FEE = 0, FJ_CLS_PERSONAL, FJ_CLS_CONTACT, FJ_CLS_DUTY, FJ_CLS_TITLE, FJ_CLS_COUNT };
/** "upfront_fee", "personal_data", "offsite_contact", "sales_duty", "office_title". */
const char *fj__cls_name(int cls);

#define FJ_CLS_HASH_BITS 20         /* features are hashed into 2^20 indices */
#define FJ_CLS_MAX_CLAUSE_BYTES 400 /* a clause longer than this is cut */
/* A clause detector fires at this probability when a lexicon phrase of its signal, not cancelled,
 * is in the window (signals.c); training never sets a threshold below it (clauses_train.c), or
 * the lexicons would be moot. */
#define FJ_CLS_LEXICON_THRESHOLD 0.3

/** One clause of a normalized text: bytes [a, b). `weak`: the clause before it ends at a comma
 *  (the two may be read together as one window); false at a sentence end or a field start. */
typedef struct fj__dclause {
    uint32_t a, b;
    bool weak;
} fj__dclause;

typedef struct fj__dclausevec {
    fj__dclause *v;
    size_t n, cap;
} fj__dclausevec;

/** Split a normalized text into clauses (appended to `out`, cleared first; empty clauses and
 *  clauses of white space only are dropped). Linear in len. false on allocation failure. */
bool fj__clause_split(const char *t, size_t len, const uint32_t *orig, const char *o, size_t olen,
                      fj__dclausevec *out);
void fj__clausevec_free(fj__dclausevec *cv);

/** Hashed feature occurrences of one clause (repeats allowed; the value of a feature is its
 *  count divided by the square root of n). */
typedef struct fj__featvec {
    uint32_t *v;
    size_t n, cap;
} fj__featvec;

void fj__featvec_free(fj__featvec *fv);

/* A clause of fewer feature occurrences than this is scaled as if it had this many, so that a
 * few strong features in a very short clause (a title) are not blown up. */
#define FJ_CLS_MIN_NORM 100
/** The value of one occurrence of a feature in a clause of n occurrences:
 *  1 / sqrt(max(n, FJ_CLS_MIN_NORM)). */
double fj__clause_scale(size_t n);

/**
 * Append the features of normalized text t[a, b) to fv (not cleared): character n-grams (1-3
 * for Chinese, 3-5 for English; digits folded to 0; a typed token read as one placeholder
 * character, located through `orig`, the map to the original text), the words and stems of `tok`
 * and the typed tokens (money with its period and size, chat ids, phone kinds, e-mail, URLs), and
 * the lexicon hits `m` (lexicon, and lexicon with tag). `tok` and `m` hold only what lies in [a,
 * b). false on allocation failure.
 */
bool fj__clause_features(fj__featvec *fv, fj_lang lang, const char *t, size_t a, size_t b,
                         const uint32_t *orig, const fj_token *tok, size_t ntok,
                         const fj__lexmatch *m, size_t nm);

/** Where a clause's text ends in its features (fj__clause_features_after): the code points read
 *  before English's end pad (with the start pad), and the character n-grams given until then. */
typedef struct fj__clause_head {
    size_t cps, nfeat;
} fj__clause_head;

/**
 * fj__clause_features, leaving out the character n-grams that end at one of the first `skip`
 * code points read, and (when `head` is not NULL) saying where the text's end was reached. The
 * features of a window of clauses c-1 and c begin with the head.nfeat n-grams of clause c-1 read
 * alone; given skip = head.cps of clause c-1, this gives the window's features after those.
 * `wbits` (optional): the text's word classes, fj__clause_word_classes of t[a, b) or the union of
 * its clauses' (a window's clauses are each looked up once); NULL: looked up here.
 */
bool fj__clause_features_after(fj__featvec *fv, fj_lang lang, const char *t, size_t a, size_t b,
                               const uint32_t *orig, const fj_token *tok, size_t ntok,
                               const fj__lexmatch *m, size_t nm, size_t skip, fj__clause_head *head,
                               const uint32_t *wbits);
/** The word classes of the typed features (who, paying, a document, a chat app…: bits) that
 *  normalized text t[a, b) holds, its disguised chat-app and free-mail names included. */
uint32_t fj__clause_word_classes(fj_lang lang, const char *t, size_t a, size_t b);

/** Per-signal settings of one language's detectors. */
typedef struct fj__cls_model {
    float bias;             /* decision = w.x + bias */
    float platt_a, platt_b; /* P = 1 / (1 + exp(A * decision + B)) */
    float threshold;        /* the signal fires at P >= threshold */
    float C;                /* the SVM's C (informative) */
} fj__cls_model;

typedef struct fj__cls_lang {
    uint32_t nfeat;
    uint32_t *idx; /* sorted feature indices */
    float *w;      /* w[FJ_CLS_COUNT * i + s]: the weight of idx[i] for signal s */
    fj__cls_model sig[FJ_CLS_COUNT];
    uint64_t *slot; /* open addressing: 1 + feature index in the low 32 bits (0: empty), its
                     * position in idx in the high 32: a probe reads one 8-byte slot */
    uint32_t mask;  /* slot has mask + 1 entries */
} fj__cls_lang;

/* The detectors (public handle fj_detectors). */
struct fj_detectors {
    fj__cls_lang lang[2]; /* [0] Chinese, [1] English */
    char *report;         /* the training report, JSON (may be empty) */
};

/** Read a detector file held in memory. Errors: FJ_ERR_MODEL (not a detector file, truncated,
 *  checksum mismatch, inconsistent), FJ_ERR_VERSION (a newer format), FJ_ERR_NOMEM. `name`
 *  names the source in messages. */
fj_status fj__detectors_parse(fj_detectors **out, const unsigned char *data, size_t len,
                              const char *name, fj_error *err);
/** Read the detectors compiled into the library (fj__default_detectors) as fj__detectors_parse
 *  does, all checks but the payload's SHA-256: those bytes are the library's own, as much as its
 *  code is, and hashing them (1.2 MB when measured; 2.2 MB with five classes) cost every context
 *  80 M instructions (a one-posting run's largest part). test_clauses checks their checksum
 *  (default_detectors_checksum). */
fj_status fj__detectors_parse_builtin(fj_detectors **out, fj_error *err);
/** Build the feature lookup tables of detectors filled in memory (done by fj__detectors_parse).
 *  false on allocation failure. */
bool fj__detectors_index(fj_detectors *d);
/** Serialize detectors into `b` (the file format). false on allocation failure. */
bool fj__detectors_serialize(const fj_detectors *d, fj_buf *b);
/** The calibrated probabilities of a clause's features for each signal. */
void fj__detectors_score(const fj_detectors *d, fj_lang lang, const uint32_t *feat, size_t n,
                         double prob[FJ_CLS_COUNT]);
/** Add the weights of features feat[0, n), in order, to sum (per signal): the sum
 *  fj__detectors_score makes, in parts. */
void fj__detectors_add(const fj_detectors *d, fj_lang lang, const uint32_t *feat, size_t n,
                       double sum[FJ_CLS_COUNT]);
/** The calibrated probabilities of a clause of n feature occurrences whose weights add up to sum
 *  (fj__detectors_add): fj__detectors_score's result. */
void fj__detectors_prob(const fj_detectors *d, fj_lang lang, const double sum[FJ_CLS_COUNT],
                        size_t n, double prob[FJ_CLS_COUNT]);
/** The decision value (before calibration) for one signal. */
double fj__detectors_decision(const fj_detectors *d, fj_lang lang, int cls, const uint32_t *feat,
                              size_t n);

/* The default detector file compiled into the library (signals/clauses.fjd). */
extern const unsigned char fj__default_detectors[];
extern const size_t fj__default_detectors_len;

/**
 * The detectors fj_signals uses in `ctx`: those set with fj_context_set_detectors, else the
 * default ones (parsed into the context on first use). NULL with err filled on failure.
 */
const fj_detectors *fj__ctx_detectors(fj_context *ctx, fj_error *err);

/**
 * The features of a whole text read as one clause (what the training corpus holds), with the
 * same pipeline fj_signals uses on a field: normalized, lexicon-scanned, tokenized. fv is
 * cleared first. `clean` (optional) tells whether the text holds no phrase of the three
 * signals' lexicons and no chat id, phone number, e-mail address or URL.
 */
fj_status fj__clause_text_features(fj_context *ctx, fj_lang lang, const char *text, size_t len,
                                   fj__featvec *fv, bool *clean, fj_error *err);

/** Whether the word tables of the typed clause features are as their lookups need: sorted, no
 *  English prefix entry shorter than three letters, the squeezed names' first letters listed
 *  (a test checks it). */
bool fj__clause_tables_sorted(void);

/** Whether a contrast word ("but", 但, 不过, "unless"…) lies in normalized t[a, b). */
bool fj__contrast_in(const char *t, size_t a, size_t b);

#endif /* FJ_CLAUSES_H */
