/*
 * quantity.h - the one parser of each quantity written in posting text (quantity.c): amounts of
 * money (figure or range, currency, scale, pay period), the salary field's summary, company
 * sizes, phone numbers, and the one pay-period enum with its conversion to a monthly figure.
 * Everything reads NORMALIZED text (text.h: NFKC case folding, so full-width digits are ASCII and
 * "K" is "k"). Signals, features and the analysis (analysis.h) use these and nothing else.
 */
#ifndef FJ_TEXT_QUANTITY_H
#define FJ_TEXT_QUANTITY_H

#include "core/fj_internal.h"

/** The period a pay figure is paid per. */
typedef enum fj__period {
    FJ_PERIOD_NONE = 0,
    FJ_PERIOD_HOUR,
    FJ_PERIOD_DAY,
    FJ_PERIOD_WEEK,
    FJ_PERIOD_MONTH,
    FJ_PERIOD_YEAR
} fj__period;

/** Working hours and days in a month, for monthly equivalents: 8 hours a day, 22 days. */
#define FJ__DAYS_PER_MONTH 22.0
#define FJ__HOURS_PER_MONTH (8.0 * FJ__DAYS_PER_MONTH)

/** The monthly equivalent of `amount` paid per `period` (FJ_PERIOD_NONE: as is). */
double fj__monthly(double amount, fj__period period);

/** A pay-period cue found in a text by the caller ("月薪" before a figure, "/天" after it): its
 *  span and period. Arrays of cues are sorted by start. */
typedef struct fj__period_cue {
    uint32_t start, end;
    uint8_t period; /* fj__period */
} fj__period_cue;

/** An amount of money found in a normalized text: a figure or a range, with its period. */
typedef struct fj__money {
    double lo, hi;     /* equal for a single figure */
    fj__period period; /* FJ_PERIOD_NONE when none was written */
    bool currency;     /* a currency sign or word was written */
    bool dollars;      /* the currency is $ / USD / dollars */
    bool scaled;       /* written with 万, 千, k or thousand */
    uint32_t start, end;
} fj__money;

/**
 * Find the amounts of money in a normalized text, given the pay-period cues found in it (sorted
 * by start; may be NULL when ncue is 0). Plain numbers that are not pay (ages, hours, dates,
 * headcounts) are skipped: a figure counts when it has a currency, a 万/千/k scale or a period.
 * In a `pay_field` (the salary field) every figure is pay. Writes at most `cap` items to `out`
 * and returns their number.
 */
size_t fj__money_scan(const char *text, size_t len, const fj__period_cue *cue, size_t ncue,
                      bool pay_field, fj__money *out, size_t cap);

/** The currency of an amount. */
typedef enum fj__currency {
    FJ__CUR_NONE = 0,
    FJ__CUR_CNY, /* ¥ 元 块 RMB 人民币 */
    FJ__CUR_USD, /* $ USD 美元 dollars */
    FJ__CUR_EUR,
    FJ__CUR_GBP
} fj__currency;

/** The value of a typed money token (FJ_TOK_MONEY), whose text is the tokenizer's canonical
 *  form: an optional currency sign, an amount or a range, an optional "/period"
 *  ("¥8000-12000/month", "$25/hour", "300/day"). */
typedef struct fj__money_value {
    double lo, hi;
    fj__currency currency;
    fj__period period;
} fj__money_value;

/** Read a money token's text; false when it is not in the canonical form. */
bool fj__money_token_value(const char *text, size_t len, fj__money_value *out);

/** What the salary field says: its first two numbers (a range's ends, or a figure and the next
 *  one: "3000起，6000-8000"), the period named anywhere in it, and whether it says the pay is
 *  negotiable. Numbers are read as fj__money_scan reads them ("13-20k" is 13,000-20,000). */
typedef struct fj__salary {
    int figures;       /* 0 no number, 1 one figure (or two equal), 2 a range lo < hi */
    double lo, hi;     /* lo <= hi */
    fj__period period; /* named in the field; FJ_PERIOD_NONE when none is */
    bool negotiable;   /* 面议, negotiable, competitive */
} fj__salary;

/** Read a normalized salary field ("8000-12000元/月", "3-5k", "$25/hour", "面议"). */
void fj__salary_read(const char *text, size_t len, fj__salary *out);

/** The headcount a normalized company_size stands for: the top of "50-99人" / "11-50
 *  employees", the figure of "1000人以上" / "10001+" / "少于15人", with 万/千/k scales ("1万人以上"
 *  is 10,000). 0 when it has no figure. */
double fj__company_size(const char *text, size_t len);

/** The kind of a phone number. */
typedef enum fj__phone_kind {
    FJ__PHONE_OTHER = 0, /* digit groups that are no number of the kinds below */
    FJ__PHONE_CN_MOBILE, /* an 11-digit Chinese mobile number (+86 allowed) */
    FJ__PHONE_NANP       /* a North American 3-3-4 number, not toll-free */
} fj__phone_kind;

/** A run of digit groups read as a phone number, span [start, end) of the normalized text. */
typedef struct fj__phone {
    uint32_t start, end;
    uint8_t kind; /* fj__phone_kind */
} fj__phone;

/** The phone numbers (of the kinds in fj__phone_kind other than FJ__PHONE_OTHER) of a normalized
 *  text, at most `cap`; returns their number. */
size_t fj__phone_scan(const char *text, size_t len, fj__phone *out, size_t cap);

#endif /* FJ_TEXT_QUANTITY_H */
