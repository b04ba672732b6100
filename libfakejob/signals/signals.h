/*
 * signals.h - private interface of the red-flag signals (signals.c, signals_lex.c, uscc.c).
 * Not installed.
 *
 * The lexicons are data files (libfakejob/lexicons/NAME.txt, one `TAG PHRASE` a line) that
 * embed.awk turns into the table fj__lex_entries at build time. At first use in a context they
 * are normalized like posting text and compiled into one byte trie (fj__lexicon), so a single
 * pass over a field's normalized text finds every phrase of every lexicon.
 */
#ifndef FJ_SIGNALS_H
#define FJ_SIGNALS_H

#include "core/fj_internal.h"
#include "text/analysis.h"

/* One lexicon per file libfakejob/lexicons/NAME.txt (FJ_LEX_NAME). */
typedef enum fj_lex {
    FJ_LEX_CANCEL = 0,
    FJ_LEX_COMPANY_WORD,
    FJ_LEX_CONTACT,
    FJ_LEX_CONTACT_ID,
    FJ_LEX_EXTERNAL,
    FJ_LEX_FEE,
    FJ_LEX_FEE_OBJECT,
    FJ_LEX_FEE_VERB,
    FJ_LEX_FREEMAIL,
    FJ_LEX_LARGE_CLAIM,
    FJ_LEX_MLM,
    FJ_LEX_PAY,
    FJ_LEX_PAY_PERIOD,
    FJ_LEX_PERSONAL,
    FJ_LEX_PRESSURE,
    FJ_LEX_REG_LABEL,
    FJ_LEX_REMOTE,
    FJ_LEX_TASK,
    FJ_LEX_TITLE_MONEY,
    FJ_LEX_VAGUE_NAME,
    /* new lexicons go here, at the end: the clause detectors hash lexicon numbers */
    FJ_LEX_BAIT_DUTY,
    FJ_LEX_TITLE_ROLE,
    FJ_LEX_ALWAYS_HIRING,
    FJ_LEX_COUNT
} fj_lex;

/* The tags used in the lexicon files (FJ_TAG_NONE for `-`). */
typedef enum fj_lex_tag {
    FJ_TAG_NONE = 0,
    /* fee types (fee.txt, fee_object.txt) */
    FJ_TAG_TRAINING,
    FJ_TAG_DEPOSIT,
    FJ_TAG_UNIFORM,
    FJ_TAG_MEDICAL,
    FJ_TAG_MATERIALS,
    FJ_TAG_FILE,
    FJ_TAG_BADGE,
    FJ_TAG_AGENCY,
    FJ_TAG_REGISTRATION,
    FJ_TAG_EQUIPMENT,
    FJ_TAG_VISA,
    FJ_TAG_CARD,
    FJ_TAG_OTHER,
    /* cancel.txt */
    FJ_TAG_NEG,
    FJ_TAG_PAYS,
    /* contact channels (contact.txt, contact_id.txt) */
    FJ_TAG_QQ,
    FJ_TAG_WECHAT,
    FJ_TAG_WHATSAPP,
    FJ_TAG_TELEGRAM,
    FJ_TAG_LINE,
    FJ_TAG_SKYPE,
    FJ_TAG_SIGNAL,
    FJ_TAG_KIK,
    FJ_TAG_TEXT,
    FJ_TAG_HANGOUTS,
    FJ_TAG_PHONE,
    FJ_TAG_MOVE,
    FJ_TAG_EMAIL, /* not in a file: a free-mail address (freemail.txt) */
    /* personal data kinds (personal.txt) */
    FJ_TAG_IDCARD,
    FJ_TAG_PASSPORT,
    FJ_TAG_BANK,
    FJ_TAG_SECRET,
    FJ_TAG_SSN,
    FJ_TAG_FACE,
    FJ_TAG_PAYROLL,
    FJ_TAG_DOB,
    FJ_TAG_CREDIT,
    /* pay.txt */
    FJ_TAG_NOREQ,
    FJ_TAG_MULE,
    FJ_TAG_WEEKLY,
    FJ_TAG_DAILY,
    FJ_TAG_CLAIM10K,
    /* pay periods (pay_period.txt) */
    FJ_TAG_HOUR,
    FJ_TAG_DAY,
    FJ_TAG_WEEK,
    FJ_TAG_MONTH,
    FJ_TAG_YEAR,
    /* pressure.txt */
    FJ_TAG_URGENT,
    FJ_TAG_SCARCE,
    FJ_TAG_EASY,
    /* vague_name.txt */
    FJ_TAG_WHOLE,
    /* new tags go here, at the end: the clause detectors hash tag numbers */
    /* bait_duty.txt (card: above), title_role.txt */
    FJ_TAG_LOAN,
    FJ_TAG_INSURANCE,
    FJ_TAG_ACCOUNT,
    FJ_TAG_RECRUIT,
    FJ_TAG_COMMISSION,
    FJ_TAG_QUOTA,
    FJ_TAG_SALES,
    FJ_TAG_COUNT
} fj_lex_tag;

/** One lexicon entry as written in its file (generated table). */
typedef struct fj__lex_entry {
    unsigned char lex; /* fj_lex */
    unsigned char tag; /* fj_lex_tag */
    const char *phrase;
    unsigned short line; /* line in the lexicon file, for error messages */
} fj__lex_entry;

extern const fj__lex_entry fj__lex_entries[];
extern const size_t fj__lex_entry_count;

/** The file name of a lexicon ("fee.txt"), for messages. */
const char *fj__lex_file(fj_lex lex);

/* ---- the compiled lexicons (signals_lex.c) ---- */

typedef struct fj__lexicon fj__lexicon;

/** A phrase found in a normalized text: entry index, byte span [start, end). */
typedef struct fj__lexmatch {
    uint32_t entry;
    uint32_t start;
    uint32_t end;
} fj__lexmatch;

/** A growable array of matches, reused between calls. */
typedef struct fj__matchvec {
    fj__lexmatch *v;
    size_t n, cap;
} fj__matchvec;

/**
 * Normalize every entry of fj__lex_entries with `ctx`'s text pipeline and compile them into one
 * trie. The result is immutable. Errors: FJ_ERR_NOMEM, FJ_ERR_INTERNAL naming the lexicon file
 * and line of a phrase that normalizes to nothing.
 */
fj_status fj__lexicon_build(fj_context *ctx, fj__lexicon **out, fj_error *err);
void fj__lexicon_free(fj__lexicon *lx);
/** Append to `out` every entry found in `text` (normalized), in order of start, then end.
 *  Word boundaries are honoured as the lexicon format says. false on allocation failure. */
bool fj__lexicon_scan(const fj__lexicon *lx, const char *text, size_t len, fj__matchvec *out);
void fj__matchvec_free(fj__matchvec *mv);
/** The first of `n` matches (sorted by start, as the scan gives them) starting at or after
 *  `start`; `n` when none does. */
size_t fj__match_lower_bound(const fj__lexmatch *m, size_t n, uint32_t start);

/* ---- the signals of an analysed posting (signals.c) ---- */

/** fj_signals over the posting's analysis (text/analysis.h): what fj_score uses, so the posting
 *  is validated, normalized and its language detected once. Same results and errors. */
fj_status fj__signals_of(fj_context *ctx, const fj__analysis *an, const fj_history_stats *hist,
                         const fj_signal **signals, size_t *count, fj_error *err);

/* ---- registration numbers (uscc.c) ---- */

typedef enum fj_reg_check {
    FJ_REG_VALID = 0,  /* a well-formed code whose check character is right */
    FJ_REG_BAD_CHECK,  /* well-formed, but the check character is wrong */
    FJ_REG_MALFORMED,  /* looks like a Chinese code but has a bad length or character */
    FJ_REG_NOT_CHINESE /* not a Chinese registration number: cannot be checked */
} fj_reg_check;

/** For the benchmark only (bench/signals_bench.c): with `skip`, fj_signals in `ctx` leaves out the
 *  clause detectors' pass (upfront_fee, personal_data and offsite_contact then never fire), so
 *  that their cost can be measured against the rest. Errors: FJ_ERR_ARGUMENT (ctx NULL), those of
 *  building the lexicons. */
fj_status fj__signals_skip_clauses(fj_context *ctx, bool skip, fj_error *err);

/**
 * Check a registration number as written (spaces and hyphens ignored, letters in any case):
 * an 18-character 统一社会信用代码 against its GB 32100-2015 check character, or a 15-digit
 * 工商注册号 against its GB/T 17710 (ISO 7064 MOD 11,10) check digit.
 */
fj_reg_check fj__reg_check(const char *s, size_t len);
/** The GB 32100 check character for the first 17 characters of a USCC, or 0 when one of them
 *  is outside the code's character set. */
char fj__uscc_check_char(const char code17[17]);

#endif /* FJ_SIGNALS_H */
