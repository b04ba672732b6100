/*
 * signals.c - the engineered red-flag signals of a posting, each with a value and the evidence
 * that triggered it (docs/signals.md lists them; fakejob.h, "Signals", the API).
 *
 * Reads a parsed posting (fj_posting) and, optionally, what the history store knows of it.
 * Writes an array of fj_signal in the stable order of signal_names below, holding only the
 * signals that fired (non-zero value), each once with its strongest evidence quoted verbatim
 * from the caller's original text.
 *
 * How: the posting's analysis (text/analysis.h) gives every text field normalized once (NFKC
 * case folding, Traditional to Simplified, spaces folded, with a byte map back to the original),
 * its clauses, phone numbers, company size and dates; one pass of the compiled lexicons
 * (signals_lex.c) finds every phrase of every lexicon in each field. The signals are computed
 * from those matches, from the pay figures found in the text (text/quantity.c, given the
 * pay_period.txt cues) and from the structured fields. Negation and "the company pays" cues
 * (cancel.txt) cancel a fee or a personal-data request in the same clause. All scratch lives in the
 * context's FJ_SLOT_SIGNALS slot; the compiled lexicons are built there on first use and never
 * change afterwards.
 */
#include "signals/clauses.h"
#include "signals/signals.h"
#include "signals/title_duty.h"
#include "text/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Signal names (stable: they are feature names of trained models)                            */
/* ------------------------------------------------------------------------------------------ */

enum sig {
    S_UPFRONT_FEE = 0,
    S_VAGUE_COMPANY,
    S_OFFSITE_CONTACT,
    S_PERSONAL_DATA,
    S_PAY_ANOMALY,
    S_PRESSURE_LANGUAGE,
    S_POSTING_AGE_DAYS,
    S_REPOSTS,
    S_REPOST_COMPANIES,
    S_REFRESH_GAP_DAYS,
    S_NO_COMPANY_LOGO,
    S_NO_QUESTIONS,
    S_TELECOMMUTING,
    S_OPENINGS_VS_SIZE,
    S_LOW_RESPONSE_RATE,
    S_COMPANY_RECENT,
    S_INVALID_REGISTRATION,
    S_MISSING_REGISTRATION,
    S_COMPANY_UNMENTIONED,
    S_SHORT_PROFILE,
    S_SHORT_DESCRIPTION,
    S_SHORT_REQUIREMENTS,
    S_FREEMAIL_CONTACT,
    S_MONEY_IN_TITLE,
    S_EXTERNAL_APPLY,
    S_TASK_SCAM,
    S_MLM,
    S_EMPHASIZED_TEXT,
    S_TITLE_DUTY_MISMATCH,
    S_ALWAYS_HIRING,
    S_COUNT
};

static const char *const signal_names[S_COUNT] = {
    [S_UPFRONT_FEE] = "upfront_fee",
    [S_VAGUE_COMPANY] = "vague_company",
    [S_OFFSITE_CONTACT] = "offsite_contact",
    [S_PERSONAL_DATA] = "personal_data",
    [S_PAY_ANOMALY] = "pay_anomaly",
    [S_PRESSURE_LANGUAGE] = "pressure_language",
    [S_POSTING_AGE_DAYS] = "posting_age_days",
    [S_REPOSTS] = "reposts",
    [S_REPOST_COMPANIES] = "repost_companies",
    [S_REFRESH_GAP_DAYS] = "refresh_gap_days",
    [S_NO_COMPANY_LOGO] = "no_company_logo",
    [S_NO_QUESTIONS] = "no_questions",
    [S_TELECOMMUTING] = "telecommuting",
    [S_OPENINGS_VS_SIZE] = "openings_vs_size",
    [S_LOW_RESPONSE_RATE] = "low_response_rate",
    [S_COMPANY_RECENT] = "company_recent",
    [S_INVALID_REGISTRATION] = "invalid_registration",
    [S_MISSING_REGISTRATION] = "missing_registration",
    [S_COMPANY_UNMENTIONED] = "company_unmentioned",
    [S_SHORT_PROFILE] = "short_profile",
    [S_SHORT_DESCRIPTION] = "short_description",
    [S_SHORT_REQUIREMENTS] = "short_requirements",
    [S_FREEMAIL_CONTACT] = "freemail_contact",
    [S_MONEY_IN_TITLE] = "money_in_title",
    [S_EXTERNAL_APPLY] = "external_apply",
    [S_TASK_SCAM] = "task_scam",
    [S_MLM] = "mlm",
    [S_EMPHASIZED_TEXT] = "emphasized_text",
    [S_TITLE_DUTY_MISMATCH] = "title_duty_mismatch",
    [S_ALWAYS_HIRING] = "always_hiring",
};

size_t fj_signal_count(void)
{
    return S_COUNT;
}

const char *fj_signal_name(size_t index)
{
    return index < S_COUNT ? signal_names[index] : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Tuning (docs/signals.md explains each threshold)                                            */
/* ------------------------------------------------------------------------------------------ */

#define CANCEL_BEFORE_BYTES 48 /* a cancelling cue this close before a fee / data request */
#define FEE_VERB_GAP_BYTES 30  /* a payment verb this close to a fee object */
#define EVIDENCE_MAX_BYTES 120 /* evidence is trimmed to about this much original text */
#define CLAUSE_MAX_BYTES 400   /* a clause never extends further than this each way */
#define DAILY_HIGH_CNY 400.0   /* 日结 pay per day that is high */
#define DAILY_HIGH_USD 300.0
#define NOREQ_HIGH_CNY 15000.0 /* monthly pay that is high for a job asking nothing */
#define NOREQ_HIGH_USD 8000.0
#define CLAIM_VS_SALARY 2.0        /* a pay claim this many times the salary's top contradicts */
#define WIDE_SALARY_RANGE 3.0      /* a salary range whose top is this many times its bottom */
#define SHORT_DESCRIPTION_UNITS 30 /* units: Han characters plus other words */
#define SHORT_PROFILE_UNITS 15
#define SHORT_REQUIREMENTS_UNITS 5
#define OPENINGS_MIN 5                 /* openings_vs_size needs at least this many openings ... */
#define OPENINGS_SIZE_SHARE 0.5        /* ... and at least this share of the company's headcount */
#define LOW_RESPONSE_RATE 0.1          /* response rates at or below this are low ... */
#define LOW_RESPONSE_MIN_APPLICANTS 10 /* ... once this many have applied */
#define RECENT_COMPANY_DAYS 365
#define CAPS_WORDS_MIN 5      /* emphasized_text: this many all-caps words ... */
#define CAPS_WORDS_SHARE 0.05 /* ... making up this share of the words */
#define MAX_MONEY 128
#define DISTINCT_CAP 5 /* pressure_language, task_scam, mlm count at most this */

/* ------------------------------------------------------------------------------------------ */
/* Scratch                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The fields that are normalized and scanned, in the order evidence is preferred. */
static const fj_field scan_fields[] = {
    FJ_FIELD_TITLE,    FJ_FIELD_DESCRIPTION,     FJ_FIELD_REQUIREMENTS, FJ_FIELD_BENEFITS,
    FJ_FIELD_SALARY,   FJ_FIELD_CONTACT,         FJ_FIELD_COMPANY,      FJ_FIELD_COMPANY_PROFILE,
    FJ_FIELD_LOCATION, FJ_FIELD_EMPLOYMENT_TYPE, FJ_FIELD_APPLY_URL,
};
#define NSCAN (sizeof scan_fields / sizeof scan_fields[0])

#define FB(x) (1u << FJ_FIELD_##x)
#define PROSE (FB(TITLE) | FB(DESCRIPTION) | FB(REQUIREMENTS) | FB(BENEFITS) | FB(SALARY))
#define FEE_FIELDS (PROSE | FB(CONTACT))
#define CONTACT_FIELDS (PROSE | FB(CONTACT) | FB(APPLY_URL))
#define PERSONAL_FIELDS (PROSE | FB(CONTACT))
#define MLM_FIELDS (PROSE | FB(COMPANY_PROFILE))
#define DUTY_FIELDS (FB(DESCRIPTION) | FB(REQUIREMENTS) | FB(BENEFITS))
#define EXTERNAL_FIELDS (FB(DESCRIPTION) | FB(REQUIREMENTS) | FB(BENEFITS) | FB(CONTACT))
#define REMOTE_FIELDS                                                                              \
    (FB(TITLE) | FB(DESCRIPTION) | FB(REQUIREMENTS) | FB(BENEFITS) | FB(LOCATION) |                \
     FB(EMPLOYMENT_TYPE))
#define LARGE_FIELDS (FB(TITLE) | FB(COMPANY) | FB(COMPANY_PROFILE) | FB(DESCRIPTION))
#define REG_FIELDS                                                                                 \
    (FB(DESCRIPTION) | FB(REQUIREMENTS) | FB(BENEFITS) | FB(CONTACT) | FB(COMPANY_PROFILE))
#define MENTION_FIELDS                                                                             \
    (FB(TITLE) | FB(DESCRIPTION) | FB(REQUIREMENTS) | FB(BENEFITS) | FB(CONTACT) |                 \
     FB(COMPANY_PROFILE) | FB(APPLY_URL))
#define EMPHASIS_FIELDS                                                                            \
    (FB(TITLE) | FB(DESCRIPTION) | FB(REQUIREMENTS) | FB(BENEFITS) | FB(COMPANY_PROFILE))

typedef struct ftext {
    bool present;
    const char *o; /* the caller's original text */
    size_t olen;
    size_t m0, mn; /* its lexicon matches: mv.v[m0 .. m0 + mn) */
    size_t c0, cn; /* of those, the cancel.txt cues: aux.v[c0 .. c0 + cn) */
    size_t v0, vn; /* the fee_verb.txt verbs: aux.v[v0 .. v0 + vn) */
    size_t p0, pn; /* the pay_period.txt cues: aux.v[p0 .. p0 + pn) */
    size_t y0, yn; /* its pay figures: money[y0 .. y0 + yn) */
} ftext;

typedef struct evidence {
    int prio; /* 0: none yet */
    int field;
    uint32_t a, b; /* span of the field's original text */
} evidence;

/* A lexicon hit of a signal the clause detectors decide (upfront_fee, personal_data,
 * offsite_contact, and the duties of title_duty_mismatch): its tag counts toward the value when a
 * firing clause holds it; a window holding one that is not cancelled fires at a lower probability
 * (FJ_CLS_LEXICON_THRESHOLD); a window whose hits of the signal are all cancelled does not fire. */
typedef struct hit {
    uint8_t sig, tag, field;
    bool cancelled; /* by a negation, "the company pays", or a duty (通过微信联系客户) */
    uint32_t s, e;
} hit;

typedef struct sig_scratch {
    fj__lexicon *lex;
    const fj__analysis *an; /* the posting's analysis: its normalized fields (ntx(sc, f)) */
    ftext ft[FJ_FIELD_COUNT];
    fj__matchvec mv;
    fj__matchvec aux; /* the matches of a few lexicons again, grouped (see ftext) */
    fj__money money[MAX_MONEY];
    size_t nmoney;
    fj__period_cue *cues; /* a field's pay_period.txt cues, for fj__money_scan */
    size_t cues_cap;
    uint8_t *seen; /* per lexicon entry: counted already in this posting */
    double value[S_COUNT];
    uint64_t tags[S_COUNT]; /* distinct fj_lex_tag values seen, per signal */
    evidence ev[S_COUNT];
    fj_buf evbuf;
    fj_signal out[S_COUNT];
    /* the clause detectors (clauses.h) */
    fj_detectors *det_default; /* parsed from the compiled-in file on first use */
    const fj_detectors *det;   /* set by fj_context_set_detectors (borrowed), or NULL */
    hit *hits;                 /* lexicon hits of the three detected signals, this posting */
    size_t nhits, hits_cap;
    bool title_office; /* title_duty_mismatch: the title names an office role (title_duty.c) */
    bool hits_oom;
    bool skip_clauses; /* fj__signals_skip_clauses: the benchmark's "without the detectors" */
    fj__dclausevec cv;
    fj__featvec fv;
    uint32_t *tok_of;   /* per token: its clause; then the tokens sorted by clause */
    uint32_t *tok_at;   /* per clause + 1: its first entry in tok_sorted */
    uint8_t *cmask;     /* per clause: the detected signals (bits) a firing window gives it */
    uint32_t *sent;     /* per clause: its sentence's first clause; then its sentence's last */
    uint8_t *sent_memo; /* per sentence (at its first clause): sentence_cancels computed, result;
                           16, 32: answered_no computed, result */
    fj_token *tok_sorted;
    size_t tok_cap, clause_cap;
    fj_normtext nt_text; /* fj__clause_text_features */
    fj__matchvec mv_text;
} sig_scratch;

_Static_assert(FJ_TAG_COUNT <= 64, "tags must fit a 64-bit set");
_Static_assert(FJ_FIELD_COUNT <= 32, "fields must fit a 32-bit set");

static void scratch_free(void *p)
{
    sig_scratch *sc = p;
    if (!sc)
        return;
    fj__lexicon_free(sc->lex);
    free(sc->cues);
    fj__matchvec_free(&sc->mv);
    fj__matchvec_free(&sc->aux);
    free(sc->seen);
    fj__buf_free(&sc->evbuf);
    fj_detectors_free(sc->det_default);
    free(sc->hits);
    fj__clausevec_free(&sc->cv);
    fj__featvec_free(&sc->fv);
    free(sc->tok_of);
    free(sc->tok_at);
    free(sc->cmask);
    free(sc->sent);
    free(sc->sent_memo);
    free(sc->tok_sorted);
    fj__normtext_free(&sc->nt_text);
    fj__matchvec_free(&sc->mv_text);
    free(sc);
}

static sig_scratch *scratch(fj_context *ctx, fj_error *err, fj_status *st)
{
    sig_scratch *sc = fj__ctx_slot(ctx, FJ_SLOT_SIGNALS);
    if (sc)
        return sc;
    sc = calloc(1, sizeof *sc);
    if (!sc || !(sc->seen = calloc(fj__lex_entry_count ? fj__lex_entry_count : 1, 1))) {
        free(sc);
        *st = fj__nomem(err);
        return NULL;
    }
    *st = fj__lexicon_build(ctx, &sc->lex, err);
    if (*st != FJ_OK) {
        scratch_free(sc);
        return NULL;
    }
    fj__ctx_set_slot(ctx, FJ_SLOT_SIGNALS, sc, scratch_free);
    return sc;
}

/* ------------------------------------------------------------------------------------------ */
/* Text helpers                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Field f's normalized text, from the analysis. */
/* The matches of a vector from index `off` on (NULL when the vector has none: never NULL plus an
 * offset). */
static const fj__lexmatch *matches_at(const fj__matchvec *v, size_t off)
{
    return v->v ? v->v + off : NULL;
}

static inline const fj_normtext *ntx(const sig_scratch *sc, int f)
{
    return &sc->an->field[f].nt;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || is_alpha(c);
}

static const fj__lex_entry *entry_of(const fj__lexmatch *m)
{
    return &fj__lex_entries[m->entry];
}

static bool has_bytes(const char *t, size_t len, size_t at, const char *s)
{
    size_t n = strlen(s);
    return at + n <= len && memcmp(t + at, s, n) == 0;
}

/* The clause [*a, *b) of field f's normalized text around [s, e). */
static void clause_of(const sig_scratch *sc, int f, size_t s, size_t e, size_t *a, size_t *b)
{
    const fj_normtext *nt = ntx(sc, f);
    const unsigned char *t = (const unsigned char *)nt->text.data;
    size_t len = nt->text.len;
    size_t i = s;
    while (i > 0 && s - i < CLAUSE_MAX_BYTES) {
        size_t k = i - 1;
        while (k > 0 && (t[k] & 0xC0) == 0x80)
            k--;
        size_t d = fj__clause_delim_at(&sc->an->field[f], k);
        if (d && k + d <= i)
            break;
        i = k;
    }
    *a = i;
    size_t j = e;
    while (j < len && j - e < CLAUSE_MAX_BYTES) {
        if (fj__clause_delim_at(&sc->an->field[f], j) ||
            fj__list_number_at((const char *)t, len, j))
            break;
        j++;
        while (j < len && (t[j] & 0xC0) == 0x80)
            j++;
    }
    *b = j;
}

/* Whether a cue of cancel.txt (only `neg` ones when neg_only) cancels [s, e) of field f: in its
 * clause, and after it, overlapping it, or at most CANCEL_BEFORE_BYTES before it. */
static bool cancelled(const sig_scratch *sc, int f, size_t s, size_t e, bool neg_only)
{
    /* a negating character right before it: 无押金, 免体检费, 不收费, 零押金, 0押金 */
    const char *t = ntx(sc, f)->text.data;
    size_t p = s;
    if (p > 0 && t[p - 1] == ' ')
        p--;
    static const char *const neg_chars[] = {"无", "免", "不", "零", "没", "非", "未"};
    for (size_t i = 0; i < sizeof neg_chars / sizeof neg_chars[0]; i++)
        if (p >= 3 && memcmp(t + p - 3, neg_chars[i], 3) == 0)
            return true;
    if (p >= 1 && t[p - 1] == '0' && (p == 1 || !is_alnum((unsigned char)t[p - 2])))
        return true;
    /* or an English one: "no start-up fee", "zero deposit", "without registration fee" */
    static const char *const neg_words[] = {"no", "not", "zero", "without", "free", "never"};
    for (size_t i = 0; i < sizeof neg_words / sizeof neg_words[0]; i++) {
        size_t n = strlen(neg_words[i]);
        if (p >= n && memcmp(t + p - n, neg_words[i], n) == 0 &&
            (p == n || !is_alnum((unsigned char)t[p - n - 1])) && p < s)
            return true;
    }
    const ftext *ft = &sc->ft[f];
    if (ft->cn == 0)
        return false;
    size_t a, b;
    clause_of(sc, f, s, e, &a, &b);
    const fj__lexmatch *cues = matches_at(&sc->aux, ft->c0);
    for (size_t k = fj__match_lower_bound(cues, ft->cn, (uint32_t)a);
         k < ft->cn && cues[k].start < b; k++) {
        const fj__lexmatch *m = &cues[k];
        if (neg_only && entry_of(m)->tag != FJ_TAG_NEG)
            continue;
        if (m->end > b)
            continue;
        /* before it: close by, or anywhere before it in the clause when no contrast word
         * ("but", 但) lies between ("you will never be asked to buy ... or pay for ...") */
        if (m->start >= e || (m->start < e && m->end > s) || m->end + CANCEL_BEFORE_BYTES >= s ||
            !fj__contrast_in(t, m->end, s))
            return true;
    }
    return false;
}

/* Record evidence [s, e) (normalized bytes of field f) for signal `sig` at priority `prio`:
 * kept when stronger than what the signal has. The quote is the clause around it in the
 * original text, trimmed to about EVIDENCE_MAX_BYTES around the match. */
static void offer(sig_scratch *sc, int sig, int prio, int f, size_t s, size_t e)
{
    if (prio <= sc->ev[sig].prio)
        return;
    const fj_normtext *nt = ntx(sc, f);
    const ftext *ft = &sc->ft[f];
    size_t ca, cb;
    clause_of(sc, f, s, e, &ca, &cb);
    uint32_t oa, ob, ms, me;
    fj__normtext_span(nt, ft->o, ft->olen, ca, cb, &oa, &ob);
    fj__normtext_span(nt, ft->o, ft->olen, s, e, &ms, &me);
    if (ms < oa)
        oa = ms;
    if (me > ob)
        ob = me;
    const unsigned char *o = (const unsigned char *)ft->o;
    if (ob - oa > EVIDENCE_MAX_BYTES) {
        size_t room = me - ms < EVIDENCE_MAX_BYTES ? EVIDENCE_MAX_BYTES - (me - ms) : 0;
        size_t before = room / 2, after = room - before;
        if (ms - oa < before) {
            after += before - (ms - oa);
            before = ms - oa;
        }
        if (ob - me < after) {
            before += after - (ob - me);
            after = ob - me;
        }
        uint32_t na = (uint32_t)(ms - before < oa ? oa : ms - before);
        uint32_t nb = (uint32_t)(me + after > ob ? ob : me + after);
        while (na < ms && (o[na] & 0xC0) == 0x80)
            na++;
        while (nb > me && nb < ft->olen && (o[nb] & 0xC0) == 0x80)
            nb--;
        /* do not cut an English word in two */
        if (na > oa && is_alpha(o[na]) && is_alpha(o[na - 1])) {
            uint32_t k = na;
            while (k < ms && o[k] != ' ')
                k++;
            if (k < ms)
                na = k;
        }
        if (nb < ob && is_alpha(o[nb]) && nb > 0 && is_alpha(o[nb - 1])) {
            uint32_t k = nb;
            while (k > me && o[k - 1] != ' ')
                k--;
            if (k > me)
                nb = k;
        }
        oa = na;
        ob = nb;
    }
    /* trim white space and stray punctuation at either end (never into the match) */
    static const char trim_chars[] = " \t\r\n,;:-*#";
    while (oa < ms && o[oa] && strchr(trim_chars, o[oa]))
        oa++;
    while (ob > me && o[ob - 1] && strchr(trim_chars, o[ob - 1]))
        ob--;
    sc->ev[sig] = (evidence){prio, f, oa, ob};
}

/* Evidence that is a whole (short) field, e.g. the company name or the title. */
static void offer_field(sig_scratch *sc, int sig, int prio, int f)
{
    if (prio <= sc->ev[sig].prio || !sc->ft[f].present || ntx(sc, f)->text.len == 0)
        return;
    offer(sc, sig, prio, f, 0, ntx(sc, f)->text.len);
}

static void add_tag(sig_scratch *sc, int sig, unsigned tag)
{
    sc->tags[sig] |= (uint64_t)1 << tag;
}

/* Note a lexicon hit of a signal the clause detectors decide (see struct hit). */
static void note_hit(sig_scratch *sc, int sig, unsigned tag, int f, size_t s, size_t e, bool off)
{
    if (sc->nhits == sc->hits_cap) {
        size_t cap = sc->hits_cap ? sc->hits_cap * 2 : 64;
        hit *v = realloc(sc->hits, cap * sizeof *v);
        if (!v) {
            sc->hits_oom = true;
            return;
        }
        sc->hits = v;
        sc->hits_cap = cap;
    }
    sc->hits[sc->nhits++] =
        (hit){(uint8_t)sig, (uint8_t)tag, (uint8_t)f, off, (uint32_t)s, (uint32_t)e};
}

static int popcount64(uint64_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* Count an entry once per posting toward a signal capped at DISTINCT_CAP. */
static void count_distinct(sig_scratch *sc, int sig, uint32_t entry)
{
    if (sc->seen[entry])
        return;
    sc->seen[entry] = 1;
    if (sc->value[sig] < DISTINCT_CAP)
        sc->value[sig] += 1;
}

/* Text units (Han characters plus runs of other letters and digits), counted up to `limit`. */
static size_t text_units(const sig_scratch *sc, int f, size_t limit)
{
    if (!sc->ft[f].present)
        return 0;
    const char *t = ntx(sc, f)->text.data;
    size_t len = ntx(sc, f)->text.len, i = 0, n = 0;
    bool in_word = false;
    while (i < len && n < limit) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x80) {
            bool w = is_alnum(c);
            if (w && !in_word)
                n++;
            in_word = w;
            i++;
            continue;
        }
        uint32_t cp = fj__utf8_next(t, len, &i);
        if (fj__is_han(cp)) {
            n++;
            in_word = false;
        } else {
            in_word = in_word || cp >= 0xC0; /* accented letters continue a word */
        }
    }
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Contacts                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* An account id right after a chat service's name ("QQ：123456789", "vx: abc_123"): returns
 * its end, or 0. QQ ids are 5-12 digits; others 5-30 of [a-z0-9_.-] holding a digit or '_';
 * without a separator the id must start with a digit ("qq123456789"). */
static size_t id_after(const char *t, size_t len, size_t e, unsigned tag)
{
    size_t i = e;
    bool sep = false;
    while (i < len && i - e < 10) {
        if (t[i] == ' ' || t[i] == ':' || t[i] == '-' || t[i] == '=' || t[i] == '(' ||
            t[i] == '@' || t[i] == '_') {
            i++;
            sep = true;
        } else if (has_bytes(t, len, i, "号") || has_bytes(t, len, i, "是") ||
                   has_bytes(t, len, i, "为")) {
            i += 3;
            sep = true;
        } else {
            break;
        }
    }
    if (i >= len || !is_alnum((unsigned char)t[i]))
        return 0;
    if (!sep && !is_digit((unsigned char)t[i]))
        return 0;
    size_t j = i, digits = 0;
    bool under = false;
    while (j < len && (is_alnum((unsigned char)t[j]) || t[j] == '_' || t[j] == '-' ||
                       (t[j] == '.' && j + 1 < len && is_alnum((unsigned char)t[j + 1])))) {
        digits += is_digit((unsigned char)t[j]);
        under |= t[j] == '_';
        j++;
    }
    size_t n = j - i;
    if (tag == FJ_TAG_QQ)
        return n >= 5 && n <= 12 && digits == n ? j : 0;
    return n >= 5 && n <= 30 && (digits > 0 || under) ? j : 0;
}

/* Whether a chat service named at [.., e) is how the job reaches its customers ("通过微信联系
 * 客户", "WhatsApp customers"), a duty rather than a request to move the conversation. */
static bool duty_after(const char *t, size_t len, size_t e)
{
    static const char *const objects[] = {"客户", "顾客",     "用户",  "会员",
                                          "买家", "customer", "client"};
    for (size_t gap = 0; gap <= 9 && e + gap < len; gap++) {
        for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
            if (has_bytes(t, len, e + gap, objects[i]))
                return true;
        if (!(t[e + gap] == ' ' || (unsigned char)t[e + gap] >= 0x80))
            break;
    }
    return false;
}

/* Phone numbers in normalized text: Chinese mobiles (1[3-9]x xxxx xxxx, +86 allowed) and
 * North American numbers ((xxx) xxx-xxxx, xxx-xxx-xxxx, +1). Landlines and hotlines (0…, 400…)
 * are the company's and not counted. */
/* The phone numbers of field f (the analysis' fj__phone_scan): mobile and North American
 * numbers are off-site contact. */
static void scan_phones(sig_scratch *sc, int f)
{
    const fj__afield *af = &sc->an->field[f];
    for (uint32_t k = af->phone0; k < af->phone0 + af->nphone; k++)
        note_hit(sc, S_OFFSITE_CONTACT, FJ_TAG_PHONE, f, sc->an->phones[k].start,
                 sc->an->phones[k].end, false);
}

/* Free-mail addresses: a freemail.txt domain that is the whole domain after an '@'. */
static void freemail_match(sig_scratch *sc, int f, const fj__lexmatch *m)
{
    const char *t = ntx(sc, f)->text.data;
    size_t len = ntx(sc, f)->text.len;
    if (m->start < 2 || t[m->start - 1] != '@')
        return;
    size_t e = m->end;
    if (e < len && (is_alnum((unsigned char)t[e]) || t[e] == '-' ||
                    (t[e] == '.' && e + 1 < len && is_alnum((unsigned char)t[e + 1]))))
        return;
    size_t s = m->start - 1;
    while (s > 0 && (is_alnum((unsigned char)t[s - 1]) || strchr("._%+-", t[s - 1])))
        s--;
    if (s == m->start - 1)
        return;
    sc->value[S_FREEMAIL_CONTACT] = 1;
    offer(sc, S_FREEMAIL_CONTACT, 2, f, s, e);
}

/* ------------------------------------------------------------------------------------------ */
/* Registration numbers in the text                                                           */
/* ------------------------------------------------------------------------------------------ */

/* The code after a label such as "统一社会信用代码：": checked like the field. */
static void reg_in_text(sig_scratch *sc, int f, const fj__lexmatch *m, bool *valid_seen)
{
    const char *t = ntx(sc, f)->text.data;
    size_t len = ntx(sc, f)->text.len;
    size_t i = m->end;
    while (i < len && i - m->end < 8 &&
           (t[i] == ' ' || t[i] == ':' || t[i] == '(' || t[i] == ')' || t[i] == '-'))
        i++;
    if (has_bytes(t, len, i, "为") || has_bytes(t, len, i, "是"))
        i += 3;
    while (i < len && (t[i] == ' ' || t[i] == ':'))
        i++;
    size_t j = i;
    while (j < len && is_alnum((unsigned char)t[j]))
        j++;
    if (j - i < 8 || j - i > 24)
        return;
    fj_reg_check r = fj__reg_check(t + i, j - i);
    if (r == FJ_REG_VALID) {
        *valid_seen = true;
    } else if (r == FJ_REG_BAD_CHECK || r == FJ_REG_MALFORMED) {
        sc->value[S_INVALID_REGISTRATION] = 1;
        offer(sc, S_INVALID_REGISTRATION, 2, f, m->start, j);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The company                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Find the longest stretch of the normalized company name not covered by company_word.txt
 * matches (the part that names this company): Han characters, or ASCII words. Returns false
 * when the name has no such part (it is generic). */
static bool company_core(const sig_scratch *sc, size_t *cs, size_t *ce, bool *han_core)
{
    int f = FJ_FIELD_COMPANY;
    const char *t = ntx(sc, f)->text.data;
    size_t len = ntx(sc, f)->text.len;
    unsigned char covered[512];
    if (len > sizeof covered)
        len = sizeof covered;
    memset(covered, 0, len);
    const ftext *ft = &sc->ft[f];
    for (size_t k = ft->m0; k < ft->m0 + ft->mn; k++) {
        const fj__lexmatch *m = &sc->mv.v[k];
        if (entry_of(m)->lex != FJ_LEX_COMPANY_WORD)
            continue;
        for (size_t i = m->start; i < m->end && i < len; i++)
            covered[i] = 1;
    }
    size_t best_s = 0, best_e = 0, best_units = 0;
    bool best_han = false;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        uint32_t cp;
        size_t k = i;
        cp = fj__utf8_next(t, len, &k);
        if (covered[i] || !(fj__is_han(cp) || is_alpha((unsigned char)t[i]))) {
            i = k;
            continue;
        }
        bool han = fj__is_han(cp);
        size_t units = 0;
        while (i < len && !covered[i]) {
            size_t k2 = i;
            uint32_t c2 = fj__utf8_next(t, len, &k2);
            if (han ? !fj__is_han(c2) : !(is_alnum((unsigned char)t[i])))
                break;
            units += han ? 1 : 0;
            i = k2;
        }
        if (!han)
            units = i - start >= 3 ? 2 : 1; /* an ASCII word of 3+ letters names a company */
        if (units > best_units || (units == best_units && i - start > best_e - best_s)) {
            best_units = units;
            best_s = start;
            best_e = i;
            best_han = han;
        }
    }
    *cs = best_s;
    *ce = best_e;
    *han_core = best_han;
    return best_units >= 2;
}

static bool mem_has_word(const char *hay, size_t hlen, const char *needle, size_t nlen, bool word)
{
    if (nlen == 0)
        return false;
    const char *p = hay, *end = hay + hlen;
    while (p + nlen <= end && (p = memchr(p, needle[0], (size_t)(end - p - nlen + 1))) != NULL) {
        if (memcmp(p, needle, nlen) != 0) {
            p++;
            continue;
        }
        size_t i = (size_t)(p - hay);
        if (!word)
            return true;
        bool left = i == 0 || !is_alnum((unsigned char)hay[i - 1]);
        bool right = i + nlen == hlen || !is_alnum((unsigned char)hay[i + nlen]);
        if (left && right)
            return true;
        p++;
    }
    return false;
}

static void company_signals(sig_scratch *sc)
{
    int f = FJ_FIELD_COMPANY;
    const ftext *ft = &sc->ft[f];
    const char *t = ntx(sc, f)->text.data;
    size_t len = ft->present ? ntx(sc, f)->text.len : 0;
    if (len == 0) {
        sc->value[S_VAGUE_COMPANY] = 1; /* no company name at all */
        return;
    }
    for (size_t k = ft->m0; k < ft->m0 + ft->mn; k++) {
        const fj__lexmatch *m = &sc->mv.v[k];
        const fj__lex_entry *le = entry_of(m);
        if (le->lex != FJ_LEX_VAGUE_NAME)
            continue;
        if (le->tag == FJ_TAG_WHOLE && (m->start != 0 || m->end != len))
            continue;
        sc->value[S_VAGUE_COMPANY] = 1;
        offer_field(sc, S_VAGUE_COMPANY, 3, f);
        return;
    }
    size_t cs, ce;
    bool han;
    if (!company_core(sc, &cs, &ce, &han)) {
        sc->value[S_VAGUE_COMPANY] = 1; /* only generic words: "Global Solutions Inc" */
        offer_field(sc, S_VAGUE_COMPANY, 2, f);
        return;
    }
    /* company_unmentioned: does the rest of the posting name the company anywhere? */
    size_t other = 0;
    for (size_t i = 0; i < NSCAN; i++) {
        int g = scan_fields[i];
        if ((MENTION_FIELDS >> g & 1) && sc->ft[g].present)
            other += ntx(sc, g)->text.len;
    }
    if (other < 100)
        return; /* too little text to tell */
    const char *needle = t + cs;
    size_t nlen = ce - cs;
    if (han) {
        size_t k = 0, chars = 0;
        while (k < nlen && chars < 2) {
            fj__utf8_next(needle, nlen, &k);
            chars++;
        }
        nlen = k; /* the first two characters of the name's own part */
    }
    for (size_t i = 0; i < NSCAN; i++) {
        int g = scan_fields[i];
        if (!(MENTION_FIELDS >> g & 1) || !sc->ft[g].present)
            continue;
        if (mem_has_word(ntx(sc, g)->text.data, ntx(sc, g)->text.len, needle, nlen, !han))
            return;
    }
    sc->value[S_COMPANY_UNMENTIONED] = 1;
    offer_field(sc, S_COMPANY_UNMENTIONED, 1, f);
}

/* ------------------------------------------------------------------------------------------ */
/* Structured fields                                                                          */
/* ------------------------------------------------------------------------------------------ */

static int64_t days_between(int64_t from, int64_t to)
{
    return to >= from ? (to - from) / 86400 : -((from - to + 86399) / 86400);
}

static void metadata_signals(sig_scratch *sc, const fj__analysis *an, const fj_history_stats *hist)
{
    const fj_posting *p = an->posting;
    int64_t observed = an->observed_at;
    int64_t posted = an->has_posted ? an->posted_at : 0;
    int64_t updated = an->has_updated ? an->updated_at : 0;
    bool has_posted = an->has_posted, has_updated = an->has_updated;

    int64_t first = has_posted ? posted : 0;
    bool has_first = has_posted;
    if (hist && hist->seen_before > 0 && hist->first_seen > 0 &&
        (!has_first || hist->first_seen < first)) {
        first = hist->first_seen;
        has_first = true;
    }
    if (has_first) {
        int64_t d = days_between(first, observed);
        if (d > 0)
            sc->value[S_POSTING_AGE_DAYS] = (double)d;
    }
    if (has_posted && has_updated) {
        int64_t d = days_between(posted, updated);
        if (d > 0)
            sc->value[S_REFRESH_GAP_DAYS] = (double)d;
    }
    if (hist) {
        if (hist->seen_before > 0)
            sc->value[S_REPOSTS] = (double)hist->seen_before;
        if (hist->distinct_companies >= 2)
            sc->value[S_REPOST_COMPANIES] = (double)hist->distinct_companies;
    } else if (sc->value[S_REFRESH_GAP_DAYS] > 0) {
        sc->value[S_REPOSTS] = 1; /* refreshed since first posted: reposted at least once */
    }

    int b;
    if (fj_posting_bool(p, FJ_FIELD_HAS_COMPANY_LOGO, &b) && !b)
        sc->value[S_NO_COMPANY_LOGO] = 1;
    if (fj_posting_bool(p, FJ_FIELD_HAS_QUESTIONS, &b) && !b)
        sc->value[S_NO_QUESTIONS] = 1;
    if (fj_posting_bool(p, FJ_FIELD_TELECOMMUTING, &b) && b)
        sc->value[S_TELECOMMUTING] = 1;

    int64_t openings;
    if (fj_posting_int(p, FJ_FIELD_OPENINGS, &openings) && openings >= OPENINGS_MIN) {
        double upper = an->company_size;
        if (upper > 0 && (double)openings >= OPENINGS_SIZE_SHARE * upper)
            sc->value[S_OPENINGS_VS_SIZE] = round((double)openings / upper * 100) / 100;
    }

    double rate;
    int64_t applicants = -1;
    fj_posting_int(p, FJ_FIELD_APPLICANTS, &applicants);
    if (fj_posting_number(p, FJ_FIELD_RESPONSE_RATE, &rate) && rate <= LOW_RESPONSE_RATE &&
        (applicants < 0 || applicants >= LOW_RESPONSE_MIN_APPLICANTS))
        sc->value[S_LOW_RESPONSE_RATE] = 1;

    int64_t founded = an->company_founded;
    if (an->has_founded) {
        int64_t ref = has_posted ? posted : observed;
        int64_t d = days_between(founded, ref);
        if (d >= 0 && d < RECENT_COMPANY_DAYS)
            sc->value[S_COMPANY_RECENT] = 1;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Emphasis                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Evidence given directly as a span of field f's original text, widened to the sentence
 * around it (at most EVIDENCE_MAX_BYTES). */
static void offer_orig(sig_scratch *sc, int sig, int prio, int f, size_t a, size_t b)
{
    if (prio <= sc->ev[sig].prio)
        return;
    const char *o = sc->ft[f].o;
    size_t olen = sc->ft[f].olen;
    while (a > 0 && b - a < EVIDENCE_MAX_BYTES / 2 && !strchr(".!?\n", o[a - 1]))
        a--;
    while (a < b && ((unsigned char)o[a] & 0xC0) == 0x80)
        a++; /* not in the middle of a character */
    while (a < b && (o[a] == ' ' || o[a] == '\t'))
        a++;
    if (b > olen)
        b = olen;
    sc->ev[sig] = (evidence){prio, f, (uint32_t)a, (uint32_t)b};
}

/* ALL-CAPS words and runs of exclamation marks ("!!", "！！！"), read from the original text
 * (normalization folds case). */
static void emphasis(sig_scratch *sc)
{
    size_t caps = 0, words = 0;
    int caps_f = -1, bang_f = -1;
    size_t caps_at = 0, caps_end = 0, bang_at = 0, bang_end = 0;
    int bangs = 0;
    for (size_t fi = 0; fi < NSCAN; fi++) {
        int f = scan_fields[fi];
        if (!(EMPHASIS_FIELDS >> f & 1) || !sc->ft[f].present)
            continue;
        const unsigned char *o = (const unsigned char *)sc->ft[f].o;
        size_t len = sc->ft[f].olen, i = 0;
        while (i < len) {
            unsigned char c = o[i];
            if (is_alpha(c)) {
                size_t j = i;
                bool upper = true;
                while (j < len && is_alpha(o[j])) {
                    upper = upper && o[j] <= 'Z';
                    j++;
                }
                words++;
                if (upper && j - i >= 3) {
                    if (caps_f < 0 ||
                        (caps_f == f && i <= caps_end + 1 && j - caps_at <= EVIDENCE_MAX_BYTES)) {
                        if (caps_f < 0)
                            caps_at = i;
                        caps_f = f;
                        caps_end = j; /* the first run of capitals, as evidence */
                    }
                    caps++;
                }
                i = j;
            } else if (c == '!' ||
                       (c == 0xEF && i + 2 < len && o[i + 1] == 0xBC && o[i + 2] == 0x81)) {
                size_t j = i, run = 0;
                while (j < len) {
                    if (o[j] == '!') {
                        run++;
                        j++;
                    } else if (o[j] == 0xEF && j + 2 < len && o[j + 1] == 0xBC &&
                               o[j + 2] == 0x81) {
                        run++;
                        j += 3;
                    } else if (o[j] == ' ') {
                        j++;
                    } else {
                        break;
                    }
                }
                if (run >= 2) {
                    bangs += run >= 3 ? 2 : 1;
                    if (bang_f < 0) {
                        bang_f = f;
                        bang_at = i;
                        bang_end = j;
                    }
                }
                i = j;
            } else {
                i++;
            }
        }
    }
    int parts = 0;
    if (caps >= CAPS_WORDS_MIN && (double)caps >= CAPS_WORDS_SHARE * (double)words) {
        parts++;
        offer_orig(sc, S_EMPHASIZED_TEXT, 2, caps_f, caps_at, caps_end);
    }
    if (bangs >= 2) {
        parts++;
        while (bang_end > bang_at && sc->ft[bang_f].o[bang_end - 1] == ' ')
            bang_end--;
        offer_orig(sc, S_EMPHASIZED_TEXT, 1, bang_f, bang_at, bang_end);
    }
    sc->value[S_EMPHASIZED_TEXT] = parts;
}

/* ------------------------------------------------------------------------------------------ */
/* Pay                                                                                        */
/* ------------------------------------------------------------------------------------------ */

typedef struct pay_state {
    bool noreq, weekly, remote, claim10k;
    int noreq_f, weekly_f, claim_f;
    size_t noreq_s, noreq_e, weekly_s, weekly_e, claim_s, claim_e;
} pay_state;

/* The period of a pay figure, judged by its size when none was written. */
static fj__period guess_period(const fj__money *mo, bool en)
{
    if (mo->period != FJ_PERIOD_NONE)
        return mo->period;
    double v = mo->hi;
    if (v < 200)
        return FJ_PERIOD_HOUR;
    if (v < 1000)
        return en ? FJ_PERIOD_WEEK : FJ_PERIOD_DAY;
    if (v >= (en ? 10000 : 100000))
        return FJ_PERIOD_YEAR;
    return FJ_PERIOD_MONTH;
}

static void pay_signals(sig_scratch *sc, const pay_state *ps, fj_lang lang, const fj_posting *p)
{
    bool en = lang == FJ_LANG_EN;
    int parts = 0;
    /* money mule work */
    if (sc->tags[S_PAY_ANOMALY] >> FJ_TAG_MULE & 1)
        parts++;
    /* the salary field against pay claims in the text */
    const ftext *sal = &sc->ft[FJ_FIELD_SALARY];
    double sal_hi = 0, sal_lo = 0;
    bool sal_dollars = en;
    if (sal->present && sal->yn > 0) {
        const fj__money *mo = &sc->money[sal->y0];
        fj__period per = guess_period(mo, en);
        sal_hi = fj__monthly(mo->hi, per);
        sal_lo = fj__monthly(mo->lo, per);
        sal_dollars = mo->dollars || en;
        if (sal_lo > 0 && sal_hi >= WIDE_SALARY_RANGE * sal_lo) {
            parts++;
            offer(sc, S_PAY_ANOMALY, 4, FJ_FIELD_SALARY, mo->start, mo->end);
        }
    }
    double max_monthly = sal_hi;
    bool contradiction = false;
    bool daily_high = false;
    for (size_t fi = 0; fi < NSCAN; fi++) {
        int f = scan_fields[fi];
        if (!(PROSE >> f & 1) || !sc->ft[f].present)
            continue;
        for (size_t k = sc->ft[f].y0; k < sc->ft[f].y0 + sc->ft[f].yn; k++) {
            const fj__money *mo = &sc->money[k];
            bool dollars = mo->dollars || (en && !mo->currency);
            if (mo->period == FJ_PERIOD_DAY &&
                mo->hi >= (dollars ? DAILY_HIGH_USD : DAILY_HIGH_CNY)) {
                if (!daily_high)
                    parts++;
                daily_high = true;
                offer(sc, S_PAY_ANOMALY, 3, f, mo->start, mo->end);
            }
            if (f == FJ_FIELD_SALARY)
                continue;
            if (mo->period == FJ_PERIOD_NONE)
                continue; /* an amount in prose without a period: a price, a bonus, sales */
            double m = fj__monthly(mo->hi, mo->period);
            if (dollars == sal_dollars && m > max_monthly)
                max_monthly = m;
            if (sal_hi > 0 && dollars == sal_dollars && m >= CLAIM_VS_SALARY * sal_hi &&
                !contradiction) {
                contradiction = true;
                parts++;
                offer(sc, S_PAY_ANOMALY, 4, f, mo->start, mo->end);
            }
        }
    }
    /* "月入过万" claims against the salary */
    if (ps->claim10k && !en) {
        if (10000 > max_monthly)
            max_monthly = 10000;
        if (!contradiction && sal_hi > 0 && !sal_dollars && 10000 >= CLAIM_VS_SALARY * sal_hi) {
            contradiction = true;
            parts++;
            offer(sc, S_PAY_ANOMALY, 4, ps->claim_f, ps->claim_s, ps->claim_e);
        }
    }
    if (ps->noreq && max_monthly >= (sal_dollars || en ? NOREQ_HIGH_USD : NOREQ_HIGH_CNY)) {
        parts++;
        offer(sc, S_PAY_ANOMALY, 2, ps->noreq_f, ps->noreq_s, ps->noreq_e);
    }
    int tc;
    bool remote = ps->remote || (fj_posting_bool(p, FJ_FIELD_TELECOMMUTING, &tc) && tc);
    if (ps->weekly && remote) {
        parts++;
        offer(sc, S_PAY_ANOMALY, 1, ps->weekly_f, ps->weekly_s, ps->weekly_e);
    }
    sc->value[S_PAY_ANOMALY] = parts;
}

/* ------------------------------------------------------------------------------------------ */
/* The text pass                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* A fee object ("体检") with a payment verb close by in its clause ("自费体检", "体检自理"). */
static bool fee_verb_near(const sig_scratch *sc, int f, const fj__lexmatch *obj)
{
    size_t a, b;
    clause_of(sc, f, obj->start, obj->end, &a, &b);
    const ftext *ft = &sc->ft[f];
    const fj__lexmatch *verbs = matches_at(&sc->aux, ft->v0);
    for (size_t k = fj__match_lower_bound(verbs, ft->vn, (uint32_t)a);
         k < ft->vn && verbs[k].start < b; k++) {
        const fj__lexmatch *m = &verbs[k];
        if (m->end > b)
            continue;
        if (m->end <= obj->start && obj->start - m->end <= FEE_VERB_GAP_BYTES)
            return true;
        if (m->start >= obj->end && m->start - obj->end <= FEE_VERB_GAP_BYTES)
            return true;
    }
    return false;
}

static void text_pass(sig_scratch *sc, int f, pay_state *ps, bool *reg_valid_in_text, bool *large)
{
    const ftext *ft = &sc->ft[f];
    const char *t = ntx(sc, f)->text.data;
    size_t len = ntx(sc, f)->text.len;
    uint32_t fb = 1u << f;
    for (size_t k = ft->m0; k < ft->m0 + ft->mn; k++) {
        const fj__lexmatch *m = &sc->mv.v[k];
        const fj__lex_entry *le = entry_of(m);
        switch (le->lex) {
        case FJ_LEX_FEE:
            if (fb & FEE_FIELDS)
                note_hit(sc, S_UPFRONT_FEE, le->tag, f, m->start, m->end,
                         cancelled(sc, f, m->start, m->end, false));
            break;
        case FJ_LEX_FEE_OBJECT:
            if ((fb & FEE_FIELDS) && fee_verb_near(sc, f, m))
                note_hit(sc, S_UPFRONT_FEE, le->tag, f, m->start, m->end,
                         cancelled(sc, f, m->start, m->end, false));
            break;
        case FJ_LEX_CONTACT:
            if (fb & CONTACT_FIELDS)
                note_hit(sc, S_OFFSITE_CONTACT, le->tag, f, m->start, m->end,
                         duty_after(t, len, m->end) || cancelled(sc, f, m->start, m->end, true));
            break;
        case FJ_LEX_CONTACT_ID:
            if (fb & CONTACT_FIELDS) {
                size_t e = id_after(t, len, m->end, le->tag);
                if (e)
                    note_hit(sc, S_OFFSITE_CONTACT, le->tag, f, m->start, e,
                             cancelled(sc, f, m->start, e, true));
            }
            break;
        case FJ_LEX_PERSONAL:
            if (fb & PERSONAL_FIELDS)
                note_hit(sc, S_PERSONAL_DATA, le->tag, f, m->start, m->end,
                         cancelled(sc, f, m->start, m->end, true));
            break;
        case FJ_LEX_PRESSURE:
            if (fb & PROSE) {
                count_distinct(sc, S_PRESSURE_LANGUAGE, m->entry);
                offer(sc, S_PRESSURE_LANGUAGE,
                      le->tag == FJ_TAG_EASY     ? 3
                      : le->tag == FJ_TAG_SCARCE ? 2
                                                 : 1,
                      f, m->start, m->end);
            }
            break;
        case FJ_LEX_TASK:
            if ((fb & PROSE) && !cancelled(sc, f, m->start, m->end, true)) {
                count_distinct(sc, S_TASK_SCAM, m->entry);
                offer(sc, S_TASK_SCAM, 1, f, m->start, m->end);
            }
            break;
        case FJ_LEX_MLM:
            if ((fb & MLM_FIELDS) && !cancelled(sc, f, m->start, m->end, true)) {
                count_distinct(sc, S_MLM, m->entry);
                offer(sc, S_MLM, 1, f, m->start, m->end);
            }
            break;
        case FJ_LEX_EXTERNAL:
            if (fb & EXTERNAL_FIELDS) {
                sc->value[S_EXTERNAL_APPLY] = 1;
                offer(sc, S_EXTERNAL_APPLY, 1, f, m->start, m->end);
            }
            break;
        case FJ_LEX_REMOTE:
            if (fb & REMOTE_FIELDS) {
                ps->remote = true;
                sc->value[S_TELECOMMUTING] = 1;
                offer(sc, S_TELECOMMUTING, 1, f, m->start, m->end);
            }
            break;
        case FJ_LEX_PAY:
            if (!(fb & PROSE))
                break;
            if (le->tag == FJ_TAG_MULE && !cancelled(sc, f, m->start, m->end, true)) {
                add_tag(sc, S_PAY_ANOMALY, FJ_TAG_MULE);
                offer(sc, S_PAY_ANOMALY, 5, f, m->start, m->end);
            } else if (le->tag == FJ_TAG_NOREQ && !ps->noreq) {
                ps->noreq = true;
                ps->noreq_f = f;
                ps->noreq_s = m->start;
                ps->noreq_e = m->end;
            } else if (le->tag == FJ_TAG_WEEKLY && !ps->weekly &&
                       !(m->start >= 3 && memcmp(t + m->start - 3, "bi-", 3) == 0)) {
                ps->weekly = true;
                ps->weekly_f = f;
                ps->weekly_s = m->start;
                ps->weekly_e = m->end;
            } else if (le->tag == FJ_TAG_CLAIM10K && !ps->claim10k) {
                ps->claim10k = true;
                ps->claim_f = f;
                ps->claim_s = m->start;
                ps->claim_e = m->end;
            }
            break;
        case FJ_LEX_BAIT_DUTY:
            if (fb & DUTY_FIELDS)
                note_hit(sc, S_TITLE_DUTY_MISMATCH, le->tag, f, m->start, m->end,
                         cancelled(sc, f, m->start, m->end, true));
            break;
        case FJ_LEX_ALWAYS_HIRING:
            if ((fb & (PROSE | FB(COMPANY_PROFILE))) && !cancelled(sc, f, m->start, m->end, true)) {
                sc->value[S_ALWAYS_HIRING] = 1;
                offer(sc, S_ALWAYS_HIRING, 1, f, m->start, m->end);
            }
            break;
        case FJ_LEX_TITLE_MONEY:
            if (f == FJ_FIELD_TITLE) {
                sc->value[S_MONEY_IN_TITLE] = 1;
                offer(sc, S_MONEY_IN_TITLE, 1, f, m->start, m->end);
            }
            break;
        case FJ_LEX_FREEMAIL:
            freemail_match(sc, f, m);
            break;
        case FJ_LEX_LARGE_CLAIM:
            if (fb & LARGE_FIELDS)
                *large = true;
            break;
        case FJ_LEX_REG_LABEL:
            if (fb & REG_FIELDS)
                reg_in_text(sc, f, m, reg_valid_in_text);
            break;
        default:
            break; /* cancel, fee_verb, pay_period, company words: read by the code above */
        }
    }
    if (fb & CONTACT_FIELDS)
        scan_phones(sc, f);
    if (f == FJ_FIELD_TITLE) {
        for (size_t k = ft->y0; k < ft->y0 + ft->yn; k++) {
            sc->value[S_MONEY_IN_TITLE] = 1;
            offer(sc, S_MONEY_IN_TITLE, 2, f, sc->money[k].start, sc->money[k].end);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The clause detectors                                                                       */
/* ------------------------------------------------------------------------------------------ */

static const fj_detectors *detectors(sig_scratch *sc, fj_error *err, fj_status *st)
{
    if (sc->det)
        return sc->det;
    if (!sc->det_default) {
        *st = fj__detectors_parse_builtin(&sc->det_default, err);
        if (*st != FJ_OK)
            return NULL;
    }
    return sc->det_default;
}

fj_status fj__signals_skip_clauses(fj_context *ctx, bool skip, fj_error *err)
{
    fj_status st = FJ_OK;
    sig_scratch *sc = ctx ? scratch(ctx, err, &st) : NULL;
    if (!ctx)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj__signals_skip_clauses: ctx is NULL");
    if (!sc)
        return st;
    sc->skip_clauses = skip;
    return FJ_OK;
}

const fj_detectors *fj__ctx_detectors(fj_context *ctx, fj_error *err)
{
    fj_status st = FJ_OK;
    sig_scratch *sc = scratch(ctx, err, &st);
    return sc ? detectors(sc, err, &st) : NULL;
}

fj_status fj_context_set_detectors(fj_context *ctx, const fj_detectors *d, fj_error *err)
{
    if (!ctx)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_context_set_detectors: ctx is NULL");
    fj_status st = FJ_OK;
    sig_scratch *sc = scratch(ctx, err, &st);
    if (!sc)
        return st;
    sc->det = d;
    return FJ_OK;
}

fj_status fj__clause_text_features(fj_context *ctx, fj_lang lang, const char *text, size_t len,
                                   fj__featvec *fv, bool *clean, fj_error *err)
{
    fj_status st = FJ_OK;
    sig_scratch *sc = scratch(ctx, err, &st);
    if (!sc)
        return st;
    fv->n = 0;
    st = fj__normalize_into(ctx, text, len, &sc->nt_text, err);
    if (st != FJ_OK)
        return st;
    sc->mv_text.n = 0;
    const char *t = sc->nt_text.text.data;
    size_t n = sc->nt_text.text.len;
    if (!fj__lexicon_scan(sc->lex, t, n, &sc->mv_text))
        return fj__nomem(err);
    const fj_token *tok;
    size_t ntok;
    st = fj_tokenize_text(ctx, text, len, &tok, &ntok, err);
    if (st != FJ_OK)
        return st;
    if (!fj__clause_features(fv, lang, t, 0, n, sc->nt_text.orig, tok, ntok, sc->mv_text.v,
                             sc->mv_text.n))
        return fj__nomem(err);
    if (clean) {
        *clean = true;
        for (size_t i = 0; i < sc->mv_text.n; i++) {
            unsigned lex = fj__lex_entries[sc->mv_text.v[i].entry].lex;
            if (lex == FJ_LEX_FEE || lex == FJ_LEX_FEE_OBJECT || lex == FJ_LEX_CONTACT ||
                lex == FJ_LEX_CONTACT_ID || lex == FJ_LEX_PERSONAL || lex == FJ_LEX_FREEMAIL)
                *clean = false;
        }
        for (size_t i = 0; i < ntok; i++)
            if (tok[i].kind >= FJ_TOK_QQ && tok[i].kind <= FJ_TOK_MASKED_PHONE)
                *clean = false;
    }
    return FJ_OK;
}

/* Whether a window asks to bring documents in person (带身份证原件, "bring your ID on your first
 * day") without asking to send, photograph, upload or type them in: not personal data asked up
 * front. */
static bool bring_not_send(const char *t, size_t a, size_t b)
{
    static const char *const bring[] = {"带", "持", "bring", "present your", "show your"};
    static const char *const send[] = {"发",     "拍",    "传",     "填",     "提交",
                                       "号码",   "卡号",  "密码",   "验证码", "send",
                                       "upload", "photo", "scan",   "text",   "email",
                                       "number", "fill",  "submit", "enter",  "provide"};
    bool brings = false;
    for (size_t i = 0; i < sizeof bring / sizeof bring[0] && !brings; i++)
        brings = mem_has_word(t + a, b - a, bring[i], strlen(bring[i]),
                              (unsigned char)bring[i][0] < 0x80);
    if (!brings)
        return false;
    for (size_t i = 0; i < sizeof send / sizeof send[0]; i++)
        if (mem_has_word(t + a, b - a, send[i], strlen(send[i]), false))
            return false;
    return true;
}

/* Whether the sentence around a firing window warns against what it describes (…请拒绝并举报;
 * …都是骗局; "…is a scam") or, for fees, says the employer pays (…，由公司承担; …，公司全额报销):
 * cues that sit in another clause of the same sentence. */
static bool sentence_cancels(const char *t, size_t a, size_t b, int sig)
{
    static const char *const warn[] = {"诈骗",  "骗局",   "骗子",     "举报",   "谨防",
                                       "警惕",  "拒绝",   "别信",     "不要信", "scam",
                                       "fraud", "beware", "report it"};
    static const char *const pays[] = {"公司承担", "单位承担",         "由公司",   "公司出",
                                       "报销",     "免费提供",         "reimburs", "paid by the",
                                       "we cover", "at no cost to you"};
    for (size_t i = 0; i < sizeof warn / sizeof warn[0]; i++)
        if (mem_has_word(t + a, b - a, warn[i], strlen(warn[i]), (unsigned char)warn[i][0] < 0x80))
            return true;
    if (sig != S_UPFRONT_FEE)
        return false;
    for (size_t i = 0; i < sizeof pays / sizeof pays[0]; i++)
        if (mem_has_word(t + a, b - a, pays[i], strlen(pays[i]), false))
            return true;
    return false;
}

/* Whether a window names chat services as a duty or a skill rather than as where to apply
 * ("通过微信联系客户", "熟练使用QQ、微信", "experience with WhatsApp Business for customers"):
 * a customer object or a skill word, and (checked by the caller) no chat id or phone number. */
static bool chat_as_duty(const char *t, size_t a, size_t b)
{
    static const char *const duty[] = {"客户",     "顾客",       "用户",     "会员",     "买家",
                                       "粉丝",     "熟练",       "熟悉",     "掌握",     "精通",
                                       "运营",     "推广",       "经验",     "customer", "client",
                                       "familiar", "experience", "proficien"};
    for (size_t i = 0; i < sizeof duty / sizeof duty[0]; i++)
        if (mem_has_word(t + a, b - a, duty[i], strlen(duty[i]), false))
            return true;
    return false;
}

/* Whether a window's sentence is a question answered "no" by the next sentence (押金？没有的事，
 * 公司一分钱不收; "Any fees? None, ever."; "Do I pay for training? No."): the sentence ends with a
 * question mark, the next one starts with a negative answer, and that answer names no amount
 * and holds no contrast word ("No, just $50"; "不收，但要交200元"). Reassurances that are no
 * answer ("No problem, we deduct it from your first paycheck"; 没关系, 不用担心, 不过) do not
 * count. `q` is the normalized byte after the question's last clause; [na, nb) the next
 * sentence; `money` whether it holds an amount. */
static bool question_denied(const char *t, size_t len, size_t q, size_t na, size_t nb, bool money)
{
    while (q < len && t[q] == ' ')
        q++;
    if (!(has_bytes(t, len, q, "?") || has_bytes(t, len, q, "？")) || na >= nb || money)
        return false;
    static const char *const not_answer[] = {
        "no problem",    "no worries", "no worry", "no matter", "not yet", "not until", "not only",
        "没关系",        "没问题",     "不用担心", "不用怕",    "不要紧",  "不过",      "不仅",
        "不但",          "不只",       "不管",     "无论",      "不多",    "不贵",      "not much",
        "not expensive", "not free",   "不是免费", "不免费"};
    for (size_t i = 0; i < sizeof not_answer / sizeof not_answer[0]; i++)
        if (has_bytes(t, nb, na, not_answer[i]))
            return false;
    static const char *const han_no[] = {"没",     "不",     "无",    "免",   "零",
                                         "一分",   "从不",   "从未",  "绝不", "绝对不",
                                         "当然不", "根本不", "完全不"};
    static const char *const en_no[] = {"no",           "none", "never", "nope", "nothing",
                                        "not",          "zero", "nah",   "n/a",  "absolutely not",
                                        "of course not"};
    bool no = false;
    for (size_t i = 0; i < sizeof han_no / sizeof han_no[0] && !no; i++)
        no = has_bytes(t, nb, na, han_no[i]);
    for (size_t i = 0; i < sizeof en_no / sizeof en_no[0] && !no; i++) {
        size_t n = strlen(en_no[i]);
        no =
            has_bytes(t, nb, na, en_no[i]) && (na + n == nb || !is_alnum((unsigned char)t[na + n]));
    }
    return no && !fj__contrast_in(t, na, nb);
}

/* Whether a cue in [a, b) of field f takes a firing window back: a negation (or, for fees, the
 * employer paying) with no contrast word after it in the window ("我们不收取任何费用";
 * "we never charge fees" - but not "no fees, but a $50 kit is required"). A cue right before
 * "refund" (不退, "is not refundable") says the money is kept: it does not cancel. */
static bool window_cancelled(const sig_scratch *sc, int f, size_t a, size_t b, int sig, bool has_id)
{
    const ftext *ft = &sc->ft[f];
    const char *t = ntx(sc, f)->text.data;
    size_t len = ntx(sc, f)->text.len;
    if (sig == S_PERSONAL_DATA && bring_not_send(t, a, b))
        return true;
    if (sig == S_OFFSITE_CONTACT && !has_id && chat_as_duty(t, a, b))
        return true;
    if (ft->cn == 0)
        return false;
    const fj__lexmatch *cues = matches_at(&sc->aux, ft->c0);
    for (size_t k = fj__match_lower_bound(cues, ft->cn, (uint32_t)a);
         k < ft->cn && cues[k].start < b; k++) {
        const fj__lexmatch *m = &cues[k];
        unsigned tag = entry_of(m)->tag;
        if (m->end > b || (tag != FJ_TAG_NEG && !(sig == S_UPFRONT_FEE && tag == FJ_TAG_PAYS)))
            continue;
        size_t e = m->end;
        while (e < len && t[e] == ' ')
            e++;
        if (has_bytes(t, len, e, "refund") || has_bytes(t, len, e, "退") ||
            has_bytes(t, len, e, "可退"))
            continue;
        if (!fj__contrast_in(t, m->end, b))
            return true;
    }
    return false;
}

/* Group a field's tokens by clause (tok_sorted, tok_at): counting sort on the clause holding
 * each token's start. */
static bool group_tokens(sig_scratch *sc, int f, const fj_token *tok, size_t ntok)
{
    const fj__dclausevec *cv = &sc->cv;
    const uint32_t *orig = ntx(sc, f)->orig;
    if (ntok > sc->tok_cap) {
        uint32_t *of = realloc(sc->tok_of, ntok * sizeof *of);
        if (of)
            sc->tok_of = of;
        fj_token *ts = realloc(sc->tok_sorted, ntok * sizeof *ts);
        if (ts)
            sc->tok_sorted = ts;
        if (!of || !ts)
            return false;
        sc->tok_cap = ntok;
    }
    if (cv->n + 1 > sc->clause_cap) {
        uint32_t *at = realloc(sc->tok_at, (cv->n + 1) * sizeof *at);
        if (at)
            sc->tok_at = at;
        uint8_t *cm = realloc(sc->cmask, cv->n + 1);
        if (cm)
            sc->cmask = cm;
        uint32_t *se = realloc(sc->sent, 2 * (cv->n + 1) * sizeof *se);
        if (se)
            sc->sent = se;
        uint8_t *sm = realloc(sc->sent_memo, cv->n + 1);
        if (sm)
            sc->sent_memo = sm;
        if (!at || !cm || !se || !sm)
            return false;
        sc->clause_cap = cv->n + 1;
    }
    memset(sc->tok_at, 0, (cv->n + 1) * sizeof *sc->tok_at);
    memset(sc->cmask, 0, cv->n + 1);
    memset(sc->sent_memo, 0, cv->n + 1);
    /* sentences: sent[c] its first clause, sent[n + 1 + c] its last */
    for (size_t c = 0; c < cv->n; c++)
        sc->sent[c] = c > 0 && cv->v[c].weak ? sc->sent[c - 1] : (uint32_t)c;
    for (size_t c = cv->n; c-- > 0;)
        sc->sent[cv->n + 1 + c] =
            c + 1 < cv->n && cv->v[c + 1].weak ? sc->sent[cv->n + 2 + c] : (uint32_t)c;
    size_t lo = 0; /* the last clause starting at or before the token (0 when none does) */
    for (size_t j = 0; j < ntok; j++) {
        size_t hi = cv->n;
        if (j > 0 && tok[j].start >= tok[j - 1].start) {
            /* in order (as tokens mostly are): the previous token's clause starts before this
             * one too; a few steps forward usually find its clause, else the search goes on from
             * there (a bounded walk: no input makes it quadratic) */
            for (int step = 0; step < 8 && lo + 1 < hi; step++) {
                if (orig[cv->v[lo + 1].a] > tok[j].start) {
                    hi = lo + 1;
                    break;
                }
                lo++;
            }
        } else {
            lo = 0;
        }
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (orig[cv->v[mid].a] <= tok[j].start)
                lo = mid;
            else
                hi = mid;
        }
        sc->tok_of[j] = (uint32_t)lo;
        sc->tok_at[lo + 1]++;
    }
    for (size_t c = 0; c < cv->n; c++)
        sc->tok_at[c + 1] += sc->tok_at[c];
    /* place each token at its clause's cursor, then shift the cursors back to the starts */
    for (size_t j = 0; j < ntok; j++) {
        uint32_t c = sc->tok_of[j];
        sc->tok_sorted[sc->tok_at[c]++] = tok[j];
    }
    for (size_t c = cv->n; c > 0; c--)
        sc->tok_at[c] = sc->tok_at[c - 1];
    sc->tok_at[0] = 0;
    return true;
}

/* The clause of cv holding normalized byte s (the last one starting at or before it). */
static size_t clause_index(const fj__dclausevec *cv, uint32_t s)
{
    size_t lo = 0, hi = cv->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (cv->v[mid].a <= s)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The signal each detector class decides from windows of clauses (-1: the title class, read on
 * the whole title by title_duty.c) and the fields it reads. */
static const int cls_sig[FJ_CLS_COUNT] = {S_UPFRONT_FEE, S_PERSONAL_DATA, S_OFFSITE_CONTACT,
                                          S_TITLE_DUTY_MISMATCH, -1};
/* The fields the detectors read: prose and the contact field (a salary or a URL is no clause). */
#define CLAUSE_FIELDS (FB(TITLE) | FB(DESCRIPTION) | FB(REQUIREMENTS) | FB(BENEFITS) | FB(CONTACT))
static const uint32_t cls_fields[FJ_CLS_COUNT] = {FEE_FIELDS & CLAUSE_FIELDS,
                                                  PERSONAL_FIELDS &CLAUSE_FIELDS,
                                                  CONTACT_FIELDS &CLAUSE_FIELDS, DUTY_FIELDS, 0};
_Static_assert(FJ_CLS_COUNT <= 8, "a clause's firing classes fit cmask's 8 bits");

static int cls_of_sig(int sig)
{
    for (int s = 0; s < FJ_CLS_COUNT; s++)
        if (cls_sig[s] == sig)
            return s;
    return FJ_CLS_CONTACT;
}

static int cmp_hit(const void *x, const void *y)
{
    const hit *a = x, *b = y;
    if (a->field != b->field)
        return a->field < b->field ? -1 : 1;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    return a->e < b->e ? -1 : a->e > b->e;
}

/* The first hit (sorted by field, then start) of field f starting at or after s. */
static size_t hit_lower_bound(const sig_scratch *sc, int f, uint32_t s)
{
    size_t lo = 0, hi = sc->nhits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const hit *x = &sc->hits[mid];
        if (x->field < f || (x->field == f && x->s < s))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct best_window {
    bool any, single;
    double prob;
    int f;
    uint32_t a, b;
} best_window;

/* Field f's tokens: its stretch of the analysis' tokens (the same tokenizer on the same
 * normalized text, tokenized once per posting), else, when the analysis' tokens are not to be had
 * (more than FJ_MAX_TOKENS in all the fields, or an analysis not the context's own), the field
 * tokenized alone, as fj_tokenize_field gives it. */
static fj_status field_tokens(sig_scratch *sc, fj_context *ctx, int f, const fj_token **tok,
                              size_t *ntok, fj_error *err)
{
    const fj_token *all = NULL;
    size_t n = 0;
    if (fj__analysis_tokens(ctx, sc->an, &all, &n, NULL) == FJ_OK) {
        size_t i = 0; /* a field's tokens are contiguous, in the order of fj_text_fields */
        while (i < n && all[i].field != f)
            i++;
        size_t j = i;
        while (j < n && all[j].field == f)
            j++;
        *tok = j > i ? all + i : NULL;
        *ntok = j - i;
        return FJ_OK;
    }
    const ftext *ft = &sc->ft[f];
    return fj_tokenize_field(ctx, (fj_field)f, ft->o, ft->olen, tok, ntok, err);
}

/* Whether the sentence ending at clause s1 is a question the next sentence answers "no"
 * (question_denied). */
static bool answered_no(const sig_scratch *sc, const fj__dclausevec *cv, const char *t, size_t len,
                        size_t s1)
{
    if (s1 + 1 >= cv->n)
        return false;
    size_t n0 = s1 + 1, n1 = sc->sent[n0 + cv->n + 1];
    bool money = false;
    for (size_t k = sc->tok_at[n0]; k < sc->tok_at[n1 + 1] && !money; k++)
        money = sc->tok_sorted[k].kind == FJ_TOK_MONEY;
    return question_denied(t, len, cv->v[s1].b, cv->v[n0].a, cv->v[n1].b, money);
}

/* Score each clause of a field, and each clause joined with the one before it in the same
 * sentence, with the detectors; mark the clauses of firing windows and keep the best window of
 * each signal. */
static fj_status clause_field(sig_scratch *sc, fj_context *ctx, const fj_detectors *det,
                              fj_lang lang, int f, best_window best[FJ_CLS_COUNT], fj_error *err)
{
    const ftext *ft = &sc->ft[f];
    const fj_normtext *nt = ntx(sc, f);
    const char *t = nt->text.data;
    if (!fj__clause_split(t, nt->text.len, nt->orig, ft->o, ft->olen, &sc->cv))
        return fj__nomem(err);
    const fj__dclausevec *cv = &sc->cv;
    if (cv->n == 0)
        return FJ_OK;
    const fj_token *tok = NULL;
    size_t ntok = 0;
    fj_status st = field_tokens(sc, ctx, f, &tok, &ntok, err);
    if (st == FJ_ERR_LIMIT)
        ntok = 0; /* past FJ_MAX_TOKENS: the clauses are read without their tokens */
    else if (st != FJ_OK)
        return st;
    if (!group_tokens(sc, f, tok, ntok))
        return fj__nomem(err);
    const fj__lexmatch *mv = matches_at(&sc->mv, ft->m0);
    /* A window (clauses c-1 and c) begins with the character n-grams of clause c-1 read alone:
     * their count and weights are kept from c-1 (prev) and the window's features start after
     * them. The weights are added in the same order, so the sums are those of the whole. */
    struct {
        fj__clause_head head;
        double sum[FJ_CLS_COUNT];
        uint32_t wbits; /* the clause's word classes (fj__clause_word_classes) */
    } prev = {{0, 0}, {0}, 0}, cur;
    for (size_t c = 0; c < cv->n; c++) {
        for (int w = 0; w < 2; w++) {
            if (w == 1 && (c == 0 || !cv->v[c].weak))
                continue;
            size_t c0 = c - (size_t)w;
            uint32_t a = cv->v[c0].a, b = cv->v[c].b;
            size_t m0 = fj__match_lower_bound(mv, ft->mn, a), m1 = m0;
            while (m1 < ft->mn && mv[m1].start < b && mv[m1].end <= b)
                m1++;
            sc->fv.n = 0;
            if (w == 0)
                cur.wbits = fj__clause_word_classes(lang, t, a, b);
            uint32_t wbits = w ? prev.wbits | cur.wbits : cur.wbits;
            const fj_token *ctok = sc->tok_sorted ? sc->tok_sorted + sc->tok_at[c0] : NULL;
            if (!fj__clause_features_after(&sc->fv, lang, t, a, b, nt->orig, ctok,
                                           sc->tok_at[c + 1] - sc->tok_at[c0], mv ? mv + m0 : NULL,
                                           m1 - m0, w ? prev.head.cps : 0, w ? NULL : &cur.head,
                                           &wbits))
                return fj__nomem(err);
            double prob[FJ_CLS_COUNT], sum[FJ_CLS_COUNT] = {0};
            size_t nfeat = sc->fv.n;
            if (w == 0) {
                fj__detectors_add(det, lang, sc->fv.v, cur.head.nfeat, sum);
                memcpy(cur.sum, sum, sizeof sum);
                fj__detectors_add(det, lang, sc->fv.v + cur.head.nfeat, sc->fv.n - cur.head.nfeat,
                                  sum);
            } else {
                memcpy(sum, prev.sum, sizeof sum);
                fj__detectors_add(det, lang, sc->fv.v, sc->fv.n, sum);
                nfeat += prev.head.nfeat;
            }
            fj__detectors_prob(det, lang, sum, nfeat, prob);
            bool has_id = false; /* a chat id, phone number or free-mail address */
            for (size_t k = sc->tok_at[c0]; k < sc->tok_at[c + 1]; k++) {
                unsigned kind = sc->tok_sorted[k].kind;
                has_id = has_id || kind == FJ_TOK_QQ || kind == FJ_TOK_WECHAT ||
                         kind == FJ_TOK_PHONE || kind == FJ_TOK_FREEMAIL ||
                         kind == FJ_TOK_MASKED_PHONE;
            }
            const fj__cls_lang *L = &det->lang[lang == FJ_LANG_EN ? 1 : 0];
            int live = 0, dead = 0; /* bits: signals with live / only cancelled hits here */
            for (size_t h = hit_lower_bound(sc, f, a);
                 h < sc->nhits && sc->hits[h].field == f && sc->hits[h].s < b; h++) {
                int s = cls_of_sig(sc->hits[h].sig);
                if (sc->hits[h].cancelled)
                    dead |= 1 << s;
                else
                    live |= 1 << s;
            }
            for (int s = 0; s < FJ_CLS_COUNT; s++) {
                double thr = L->sig[s].threshold;
                if ((live >> s & 1) && thr > FJ_CLS_LEXICON_THRESHOLD)
                    thr = FJ_CLS_LEXICON_THRESHOLD;
                if (!(cls_fields[s] >> f & 1) || prob[s] < thr ||
                    ((dead >> s & 1) && !(live >> s & 1)) ||
                    window_cancelled(sc, f, a, b, cls_sig[s], has_id))
                    continue;
                /* the sentence: the clauses joined to this window by commas (its verdict is
                 * computed once per sentence and kind of signal) */
                uint32_t s0 = sc->sent[c0], s1 = sc->sent[c0 + cv->n + 1];
                uint8_t bit = s == FJ_CLS_FEE ? 1 : 4;
                if (!(sc->sent_memo[s0] & bit))
                    sc->sent_memo[s0] |=
                        (uint8_t)(bit | (sentence_cancels(t, cv->v[s0].a, cv->v[s1].b, cls_sig[s])
                                             ? bit << 1
                                             : 0));
                if (sc->sent_memo[s0] & (bit << 1))
                    continue;
                if (!(sc->sent_memo[s0] & 16)) {
                    sc->sent_memo[s0] |=
                        (uint8_t)(16 | (answered_no(sc, cv, t, nt->text.len, s1) ? 32 : 0));
                }
                if (sc->sent_memo[s0] & 32)
                    continue;
                for (size_t k = c0; k <= c; k++)
                    sc->cmask[k] |= (uint8_t)(1u << s);
                best_window *bw = &best[s];
                bool single = w == 0;
                if (!bw->any || (single && !bw->single) ||
                    (single == bw->single && prob[s] > bw->prob))
                    *bw = (best_window){true, single, prob[s], f, a, b};
            }
        }
        prev = cur;
    }
    /* the live lexicon hits inside firing clauses give the signal its kinds */
    for (size_t h = hit_lower_bound(sc, f, 0); h < sc->nhits && sc->hits[h].field == f; h++) {
        const hit *x = &sc->hits[h];
        if (!x->cancelled && sc->cmask[clause_index(cv, x->s)] >> cls_of_sig(x->sig) & 1)
            add_tag(sc, x->sig, x->tag);
    }
    return FJ_OK;
}

/* The title half of title_duty_mismatch: whether the title names an office or service role
 * (title_duty.c), into sc->title_office. */
static fj_status title_pass(sig_scratch *sc, fj_context *ctx, const fj_detectors *det, fj_lang lang,
                            fj_error *err)
{
    const int f = FJ_FIELD_TITLE;
    sc->title_office = false;
    if (!sc->ft[f].present)
        return FJ_OK;
    const fj_token *tok = NULL;
    size_t ntok = 0;
    fj_status st = field_tokens(sc, ctx, f, &tok, &ntok, err);
    if (st == FJ_ERR_LIMIT)
        ntok = 0;
    else if (st != FJ_OK)
        return st;
    const fj_normtext *nt = ntx(sc, f);
    double prob;
    bool oom;
    sc->title_office =
        fj__title_office(det, lang, nt->text.data, nt->text.len, nt->orig, tok, ntok,
                         matches_at(&sc->mv, sc->ft[f].m0), sc->ft[f].mn, &sc->fv, &prob, &oom);
    return oom ? fj__nomem(err) : FJ_OK;
}

/* upfront_fee, personal_data, offsite_contact and the duties of title_duty_mismatch from the
 * clause detectors: the signal fires
 * when a window of a field it reads is scored at or above its threshold and no scope rule takes
 * it back; its value counts the kinds (lexicon tags) in its firing clauses, at least 1; its
 * evidence is the best window (a single clause before a pair, then the higher probability). */
static fj_status clause_pass(sig_scratch *sc, fj_context *ctx, fj_lang lang, fj_error *err)
{
    fj_status st = FJ_OK;
    const fj_detectors *det = detectors(sc, err, &st);
    if (!det)
        return st;
    if (sc->hits_oom)
        return fj__nomem(err);
    if (sc->nhits > 1)
        qsort(sc->hits, sc->nhits, sizeof *sc->hits, cmp_hit);
    best_window best[FJ_CLS_COUNT];
    memset(best, 0, sizeof best);
    for (size_t i = 0; i < NSCAN; i++) {
        int f = scan_fields[i];
        if (!sc->ft[f].present || !(CLAUSE_FIELDS >> f & 1))
            continue;
        st = clause_field(sc, ctx, det, lang, f, best, err);
        if (st != FJ_OK)
            return st;
    }
    st = title_pass(sc, ctx, det, lang, err);
    if (st != FJ_OK)
        return st;
    for (int s = 0; s < FJ_CLS_COUNT; s++) {
        int sig = cls_sig[s];
        if (sig < 0)
            continue;
        if (!best[s].any) {
            sc->tags[sig] = 0;
            continue;
        }
        if (!sc->tags[sig])
            add_tag(sc, sig, FJ_TAG_NONE);
        /* the evidence: the window, or around its first live hit when it is long */
        uint32_t a = best[s].a, b = best[s].b;
        if (b - a > EVIDENCE_MAX_BYTES) {
            size_t h = hit_lower_bound(sc, best[s].f, a);
            for (; h < sc->nhits && sc->hits[h].field == best[s].f && sc->hits[h].s < b; h++)
                if (!sc->hits[h].cancelled && sc->hits[h].sig == sig)
                    break;
            if (h < sc->nhits && sc->hits[h].field == best[s].f && sc->hits[h].s < b) {
                a = sc->hits[h].s;
                b = sc->hits[h].e;
            } else {
                const char *t = ntx(sc, best[s].f)->text.data;
                b = a + EVIDENCE_MAX_BYTES;
                while (b > a && ((unsigned char)t[b] & 0xC0) == 0x80)
                    b--;
            }
        }
        offer(sc, sig, 10, best[s].f, a, b);
    }
    return FJ_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* fj_signals                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Copy a field's cancel cues, fee verbs and pay periods to sc->aux, each group together, so
 * the code that looks for them near a match reads only them. */
static bool group_matches(sig_scratch *sc, ftext *ft)
{
    static const unsigned char lex[3] = {FJ_LEX_CANCEL, FJ_LEX_FEE_VERB, FJ_LEX_PAY_PERIOD};
    size_t *first[3] = {&ft->c0, &ft->v0, &ft->p0};
    size_t *count[3] = {&ft->cn, &ft->vn, &ft->pn};
    for (int g = 0; g < 3; g++) {
        *first[g] = sc->aux.n;
        for (size_t k = ft->m0; k < ft->m0 + ft->mn; k++) {
            if (fj__lex_entries[sc->mv.v[k].entry].lex != lex[g])
                continue;
            if (sc->aux.n == sc->aux.cap) {
                size_t cap = sc->aux.cap ? sc->aux.cap * 2 : 128;
                fj__lexmatch *v = realloc(sc->aux.v, cap * sizeof *v);
                if (!v)
                    return false;
                sc->aux.v = v;
                sc->aux.cap = cap;
            }
            sc->aux.v[sc->aux.n++] = sc->mv.v[k];
        }
        *count[g] = sc->aux.n - *first[g];
    }
    return true;
}

static bool has_digit_bytes(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (is_digit((unsigned char)s[i]))
            return true;
    return false;
}

/* A field's pay_period.txt cues (aux[p0 .. p0 + pn)) as period cues for fj__money_scan. */
static const fj__period_cue *period_cues(sig_scratch *sc, const ftext *ft)
{
    if (ft->pn > sc->cues_cap) {
        fj__period_cue *c = realloc(sc->cues, ft->pn * sizeof *c);
        if (!c)
            return NULL;
        sc->cues = c;
        sc->cues_cap = ft->pn;
    }
    for (size_t k = 0; k < ft->pn; k++) {
        const fj__lexmatch *m = &sc->aux.v[ft->p0 + k];
        unsigned tag = fj__lex_entries[m->entry].tag;
        sc->cues[k] = (fj__period_cue){m->start, m->end,
                                       tag == FJ_TAG_HOUR    ? FJ_PERIOD_HOUR
                                       : tag == FJ_TAG_DAY   ? FJ_PERIOD_DAY
                                       : tag == FJ_TAG_WEEK  ? FJ_PERIOD_WEEK
                                       : tag == FJ_TAG_MONTH ? FJ_PERIOD_MONTH
                                       : tag == FJ_TAG_YEAR  ? FJ_PERIOD_YEAR
                                                             : FJ_PERIOD_NONE};
    }
    return sc->cues;
}

fj_status fj_signals(fj_context *ctx, const fj_posting *p, const fj_history_stats *hist,
                     const fj_signal **signals, size_t *count, fj_error *err)
{
    if (signals)
        *signals = NULL;
    if (count)
        *count = 0;
    if (!ctx || !p || !signals || !count)
        return fj__errorf(err, FJ_ERR_ARGUMENT,
                          "fj_signals: ctx, p, signals and count must "
                          "not be NULL");
    const fj__analysis *an;
    fj_status st = fj__analyze(ctx, p, &an, err);
    if (st != FJ_OK)
        return st;
    return fj__signals_of(ctx, an, hist, signals, count, err);
}

fj_status fj__signals_of(fj_context *ctx, const fj__analysis *an, const fj_history_stats *hist,
                         const fj_signal **signals, size_t *count, fj_error *err)
{
    *signals = NULL;
    *count = 0;
    fj_status st = FJ_OK;
    sig_scratch *sc = scratch(ctx, err, &st);
    if (!sc)
        return st;
    const fj_posting *p = an->posting;
    sc->an = an;

    memset(sc->value, 0, sizeof sc->value);
    memset(sc->tags, 0, sizeof sc->tags);
    memset(sc->ev, 0, sizeof sc->ev);
    memset(sc->ft, 0, sizeof sc->ft);
    memset(sc->seen, 0, fj__lex_entry_count);
    sc->mv.n = 0;
    sc->aux.n = 0;
    sc->nmoney = 0;
    sc->nhits = 0;
    sc->hits_oom = false;

    /* scan every text field once */
    for (size_t i = 0; i < NSCAN; i++) {
        int f = scan_fields[i];
        const fj__afield *af = &an->field[f];
        ftext *ft = &sc->ft[f];
        if (!af->present)
            continue;
        ft->present = true;
        ft->o = af->orig;
        ft->olen = af->orig_len;
        ft->m0 = sc->mv.n;
        if (!fj__lexicon_scan(sc->lex, ntx(sc, f)->text.data, ntx(sc, f)->text.len, &sc->mv))
            return fj__nomem(err);
        ft->mn = sc->mv.n - ft->m0;
        if (!group_matches(sc, ft))
            return fj__nomem(err);
        ft->y0 = sc->nmoney;
        if (PROSE >> f & 1) {
            const fj__period_cue *cues = period_cues(sc, ft);
            if (!cues && ft->pn)
                return fj__nomem(err);
            sc->nmoney += fj__money_scan(ntx(sc, f)->text.data, ntx(sc, f)->text.len, cues, ft->pn,
                                         f == FJ_FIELD_SALARY, sc->money + sc->nmoney,
                                         MAX_MONEY - sc->nmoney);
        }
        ft->yn = sc->nmoney - ft->y0;
    }

    fj_lang lang = an->lang;
    pay_state ps = {0};
    bool reg_valid_in_text = false, large = false;
    for (size_t i = 0; i < NSCAN; i++)
        if (sc->ft[scan_fields[i]].present)
            text_pass(sc, scan_fields[i], &ps, &reg_valid_in_text, &large);

    sc->title_office = false;
    if (sc->skip_clauses) {
        sc->tags[S_UPFRONT_FEE] = sc->tags[S_OFFSITE_CONTACT] = sc->tags[S_PERSONAL_DATA] = 0;
        sc->tags[S_TITLE_DUTY_MISMATCH] = 0;
    } else {
        st = clause_pass(sc, ctx, lang, err);
        if (st != FJ_OK)
            return st;
    }
    sc->value[S_UPFRONT_FEE] = popcount64(sc->tags[S_UPFRONT_FEE]);
    /* a request to move the conversation counts as a channel only when none is named */
    if (sc->tags[S_OFFSITE_CONTACT] & ~((uint64_t)1 << FJ_TAG_MOVE))
        sc->tags[S_OFFSITE_CONTACT] &= ~((uint64_t)1 << FJ_TAG_MOVE);
    sc->value[S_OFFSITE_CONTACT] = popcount64(sc->tags[S_OFFSITE_CONTACT]);
    sc->value[S_PERSONAL_DATA] = popcount64(sc->tags[S_PERSONAL_DATA]);
    /* bait-and-switch: an office or service role in a title that sells nothing, and a duty clause
     * of the body scored as selling, recruiting or commission-only pay */
    if (sc->title_office)
        sc->value[S_TITLE_DUTY_MISMATCH] = popcount64(sc->tags[S_TITLE_DUTY_MISMATCH]);

    if (sc->value[S_FREEMAIL_CONTACT] > 0 && (large || an->company_size >= 1000))
        sc->value[S_FREEMAIL_CONTACT] = 2;

    pay_signals(sc, &ps, lang, p);
    company_signals(sc);

    /* registration numbers */
    size_t rlen;
    const char *reg = fj_posting_string(p, FJ_FIELD_COMPANY_REGISTRATION, &rlen);
    bool reg_given = reg && has_digit_bytes(reg, rlen); /* "无", "N/A": not given */
    if (reg_given) {
        fj_reg_check r = fj__reg_check(reg, rlen);
        if (r == FJ_REG_BAD_CHECK || (r == FJ_REG_MALFORMED && lang == FJ_LANG_ZH))
            sc->value[S_INVALID_REGISTRATION] = 1;
    }
    if (lang == FJ_LANG_ZH && !reg_given && !reg_valid_in_text &&
        sc->value[S_INVALID_REGISTRATION] == 0 && sc->ft[FJ_FIELD_COMPANY].present)
        sc->value[S_MISSING_REGISTRATION] = 1;

    /* short texts */
    if (text_units(sc, FJ_FIELD_DESCRIPTION, SHORT_DESCRIPTION_UNITS) < SHORT_DESCRIPTION_UNITS)
        sc->value[S_SHORT_DESCRIPTION] = 1;
    if (text_units(sc, FJ_FIELD_COMPANY_PROFILE, SHORT_PROFILE_UNITS) < SHORT_PROFILE_UNITS)
        sc->value[S_SHORT_PROFILE] = 1;
    if (text_units(sc, FJ_FIELD_REQUIREMENTS, SHORT_REQUIREMENTS_UNITS) < SHORT_REQUIREMENTS_UNITS)
        sc->value[S_SHORT_REQUIREMENTS] = 1;

    emphasis(sc);
    metadata_signals(sc, an, hist);
    if (sc->value[S_EXTERNAL_APPLY] == 0 && fj_posting_has(p, FJ_FIELD_APPLY_URL))
        sc->value[S_EXTERNAL_APPLY] = 1;

    /* the result: evidence copied into the context (pointers fixed once it stops growing) */
    sc->evbuf.len = 0;
    size_t n = 0;
    size_t evoff[S_COUNT];
    for (int s = 0; s < S_COUNT; s++) {
        if (sc->value[s] == 0)
            continue;
        fj_signal *o = &sc->out[n++];
        o->name = signal_names[s];
        o->value = sc->value[s];
        o->evidence = NULL;
        o->evidence_len = 0;
        o->field = -1;
        const evidence *ev = &sc->ev[s];
        if (ev->prio > 0 && ev->b > ev->a) {
            evoff[n - 1] = sc->evbuf.len;
            if (!fj__buf_append(&sc->evbuf, sc->ft[ev->field].o + ev->a, ev->b - ev->a) ||
                !fj__buf_append(&sc->evbuf, "", 1))
                return fj__nomem(err);
            o->evidence_len = ev->b - ev->a;
            o->field = ev->field;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (sc->out[i].field >= 0)
            sc->out[i].evidence = sc->evbuf.data + evoff[i];
    *signals = n ? sc->out : NULL;
    *count = n;
    return FJ_OK;
}
