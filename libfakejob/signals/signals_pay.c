/*
 * signals_pay.c - amounts of pay in normalized text, for pay_anomaly and money_in_title.
 *
 * Reads: "8000-12000元/月", "月薪8千", "1.5万", "3千5", "日结300", "$25/hour",
 * "$40,000 - $60,000 per year", "10-15k", "5000 a week". A figure is pay when it carries a
 * currency (¥ $ 元 块 RMB USD dollars), a scale (万 千 k thousand) or a period written next
 * to it (pay_period.txt: before it, "月薪 8000", or after it, "300/天"). Numbers followed by a
 * unit that is not money (岁 人 小时 天 years hours %…) are skipped.
 */
#include "signals/signals.h"

#include <string.h>

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool has_prefix(const char *t, size_t len, size_t at, const char *word)
{
    size_t n = strlen(word);
    return at + n <= len && memcmp(t + at, word, n) == 0;
}

/* An ASCII word at `at`: the bytes of `word` followed by a non-letter. */
static bool has_word(const char *t, size_t len, size_t at, const char *word)
{
    size_t n = strlen(word);
    return has_prefix(t, len, at, word) && (at + n == len || !is_alpha((unsigned char)t[at + n]));
}

static size_t skip_spaces(const char *t, size_t len, size_t at)
{
    while (at < len && t[at] == ' ')
        at++;
    return at;
}

/* A number at `at` ("12,000", "1.5"): its value and end; false when there is none. Runs of
 * more than nine digits (phone numbers, ids) are not amounts. */
static bool parse_number(const char *t, size_t len, size_t at, double *value, size_t *end)
{
    const unsigned char *u = (const unsigned char *)t;
    if (at >= len || !is_digit(u[at]))
        return false;
    double v = 0;
    int digits = 0;
    size_t i = at;
    while (i < len) {
        if (is_digit(u[i])) {
            v = v * 10 + (u[i] - '0');
            digits++;
            i++;
        } else if (u[i] == ',' && i + 3 < len && is_digit(u[i + 1]) && is_digit(u[i + 2]) &&
                   is_digit(u[i + 3]) && (i + 4 == len || !is_digit(u[i + 4]))) {
            i++; /* thousands separator */
        } else {
            break;
        }
    }
    if (digits > 9)
        return false;
    if (i + 1 < len && u[i] == '.' && is_digit(u[i + 1])) {
        double scale = 0.1;
        i++;
        while (i < len && is_digit(u[i])) {
            v += (u[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    *value = v;
    *end = i;
    return true;
}

/* A scale after a number ("万", "千", "k", "w", "thousand"); "3千5" and "1万5" add the
 * trailing digit. Updates *value and *end; returns the multiplier, 0 when there is none. */
static double parse_scale(const char *t, size_t len, double *value, size_t *end)
{
    const unsigned char *u = (const unsigned char *)t;
    size_t at = *end;
    double mult = 0;
    size_t after = at;
    if (has_prefix(t, len, at, "万")) {
        mult = 10000;
        after = at + strlen("万");
    } else if (has_prefix(t, len, at, "千")) {
        mult = 1000;
        after = at + strlen("千");
    } else if (at < len && (u[at] == 'k' || u[at] == 'w') &&
               (at + 1 == len || !is_alpha(u[at + 1]))) {
        mult = u[at] == 'k' ? 1000 : 10000;
        after = at + 1;
    } else {
        size_t s = skip_spaces(t, len, at);
        if (has_word(t, len, s, "thousand")) {
            mult = 1000;
            after = s + strlen("thousand");
        } else if (has_word(t, len, s, "k")) {
            mult = 1000;
            after = s + 1;
        }
    }
    if (mult == 0)
        return 0;
    *value *= mult;
    /* "3千5" = 3500, "1万5" = 15000: one digit right after the scale, not a new number. */
    if (mult >= 1000 && after < len && is_digit(u[after]) &&
        (after + 1 == len || !is_digit(u[after + 1])) && (u[at] != 'k' && u[at] != 'w')) {
        *value += (u[after] - '0') * mult / 10;
        after++;
    }
    *end = after;
    return mult;
}

/* A currency sign or word just before `at`. */
static bool currency_before(const char *t, size_t at, bool *dollars)
{
    while (at > 0 && t[at - 1] == ' ')
        at--;
    if (at >= 1 && t[at - 1] == '$') {
        *dollars = true;
        return true;
    }
    if (at >= strlen("¥") && memcmp(t + at - strlen("¥"), "¥", strlen("¥")) == 0)
        return true;
    if (at >= 3 && (memcmp(t + at - 3, "rmb", 3) == 0 || memcmp(t + at - 3, "usd", 3) == 0) &&
        (at == 3 || !is_alpha((unsigned char)t[at - 4]))) {
        if (t[at - 3] == 'u')
            *dollars = true;
        return true;
    }
    return false;
}

/* A currency right after `*end` (skipping spaces); advances *end past it. */
static bool currency_after(const char *t, size_t len, size_t *end, bool *dollars)
{
    size_t at = skip_spaces(t, len, *end);
    static const char *const cn[] = {"元", "块", "美元", "美金", "人民币"};
    for (size_t i = 0; i < sizeof cn / sizeof cn[0]; i++)
        if (has_prefix(t, len, at, cn[i])) {
            if (i == 2 || i == 3)
                *dollars = true;
            *end = at + strlen(cn[i]);
            return true;
        }
    static const char *const en[] = {"rmb", "yuan", "usd", "dollars", "dollar", "bucks"};
    for (size_t i = 0; i < sizeof en / sizeof en[0]; i++)
        if (has_word(t, len, at, en[i])) {
            if (i >= 2)
                *dollars = true;
            *end = at + strlen(en[i]);
            return true;
        }
    return false;
}

/* A unit after a plain number that says it is not pay: "16-45岁", "8小时", "3年", "20人". */
typedef struct unit_word {
    const char *s;
    unsigned char len;
    bool word; /* an ASCII word: must not be followed by a letter */
} unit_word;
#define CN(x)                                                                                      \
    {                                                                                              \
        x, sizeof x - 1, false                                                                     \
    }
#define EN(x)                                                                                      \
    {                                                                                              \
        x, sizeof x - 1, true                                                                      \
    }
static const unit_word non_pay_units[] = {
    CN("岁"),     CN("人"),        CN("名"),   CN("个"),     CN("年"),      CN("月"),
    CN("日"),     CN("号"),        CN("天"),   CN("小时"),   CN("分"),      CN("次"),
    CN("周"),     CN("点"),        CN("楼"),   CN("层"),     CN("室"),      CN("路"),
    CN("米"),     CN("平"),        CN("公里"), CN("%"),      CN(":"),       CN("栋"),
    CN("期"),     CN("级"),        CN("位"),   CN("套"),     CN("种"),      CN("家"),
    CN("站"),     CN("线"),        CN("倍"),   CN("条"),     CN("件"),      CN("台"),
    CN("斤"),     EN("years"),     EN("year"), EN("yrs"),    EN("yr"),      EN("hours"),
    EN("hour"),   EN("hrs"),       EN("days"), EN("day"),    EN("weeks"),   EN("week"),
    EN("months"), EN("month"),     EN("am"),   EN("pm"),     EN("people"),  EN("employees"),
    EN("staff"),  EN("miles"),     EN("lbs"),  EN("pounds"), EN("percent"), EN("st"),
    EN("nd"),     EN("rd"),        EN("th"),   EN("x"),      EN("minutes"), EN("min"),
    EN("mins"),   EN("positions"),
};
#undef CN
#undef EN

static bool non_pay_unit(const char *t, size_t len, size_t at)
{
    at = skip_spaces(t, len, at);
    if (at >= len)
        return false;
    for (size_t i = 0; i < sizeof non_pay_units / sizeof non_pay_units[0]; i++) {
        const unit_word *u = &non_pay_units[i];
        if (u->s[0] != t[at] || at + u->len > len || memcmp(t + at, u->s, u->len) != 0)
            continue;
        if (!u->word || at + u->len == len || !is_alpha((unsigned char)t[at + u->len]))
            return true;
    }
    return false;
}

static fj_period period_of_tag(unsigned tag)
{
    switch (tag) {
    case FJ_TAG_HOUR:
        return FJ_PERIOD_HOUR;
    case FJ_TAG_DAY:
        return FJ_PERIOD_DAY;
    case FJ_TAG_WEEK:
        return FJ_PERIOD_WEEK;
    case FJ_TAG_MONTH:
        return FJ_PERIOD_MONTH;
    case FJ_TAG_YEAR:
        return FJ_PERIOD_YEAR;
    default:
        return FJ_PERIOD_NONE;
    }
}

/* Whether the bytes between a period cue and a figure may separate them: spaces, ':', a few
 * filler words, no digits and no clause punctuation. */
static bool gap_ok(const char *t, size_t a, size_t b)
{
    if (b < a || b - a > 12)
        return false;
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)t[i];
        if (is_digit(c) || c == ',' || c == '.' || c == ';' || c == '!' || c == '?')
            return false;
        if (c == 0xE3 && i + 2 < b && (unsigned char)t[i + 1] == 0x80 &&
            (unsigned char)t[i + 2] == 0x82)
            return false; /* 。 */
    }
    return true;
}

/* The period written around [start, end): a cue right after wins, else the nearest cue
 * before. A cue after a bare number counts only as "/天", "per day" (not "1,600 daily
 * flights"). */
static fj_period find_period(const char *t, size_t start, size_t end, const fj__lexmatch *m,
                             size_t nm, bool bare)
{
    fj_period before = FJ_PERIOD_NONE, after = FJ_PERIOD_NONE;
    size_t best_before = 0, best_after = (size_t)-1;
    /* a cue before ends at most 12 bytes before the figure and is shorter than 52 bytes */
    size_t from = fj__match_lower_bound(m, nm, (uint32_t)(start > 64 ? start - 64 : 0));
    for (size_t k = from; k < nm && m[k].start <= end + 3; k++) {
        const fj__lex_entry *le = &fj__lex_entries[m[k].entry];
        if (le->lex != FJ_LEX_PAY_PERIOD)
            continue; /* callers may pass other matches too */
        if (m[k].end <= start && gap_ok(t, m[k].end, start) && m[k].end >= best_before) {
            best_before = m[k].end;
            before = period_of_tag(le->tag);
        } else if (m[k].start >= end && m[k].start - end <= 3 && m[k].start < best_after) {
            if (bare && t[m[k].start] != '/' && memcmp(t + m[k].start, "元", strlen("元")) != 0 &&
                memcmp(t + m[k].start, "per ", 4) != 0)
                continue;
            best_after = m[k].start;
            after = period_of_tag(le->tag);
        }
    }
    return after != FJ_PERIOD_NONE ? after : before;
}

size_t fj__money_scan(const char *t, size_t len, const fj__lexmatch *m, size_t nm, bool pay_field,
                      fj__money *out, size_t cap)
{
    const unsigned char *u = (const unsigned char *)t;
    size_t n = 0;
    size_t i = 0;
    while (i < len && n < cap) {
        if (!is_digit(u[i]) ||
            (i > 0 && (is_digit(u[i - 1]) || u[i - 1] == '.' || is_alpha(u[i - 1])))) {
            i++;
            continue;
        }
        fj__money mo = {0};
        double lo;
        size_t end;
        if (!parse_number(t, len, i, &lo, &end)) {
            while (i < len && (is_digit(u[i]) || u[i] == ',' || u[i] == '.'))
                i++;
            continue;
        }
        mo.start = (uint32_t)i;
        mo.currency = currency_before(t, i, &mo.dollars);
        if (i > 0 && mo.currency) {
            size_t s = i;
            while (s > 0 && t[s - 1] == ' ')
                s--;
            mo.start = (uint32_t)(s - 1); /* include a one-byte sign in the span */
        }
        bool lo_scaled = parse_scale(t, len, &lo, &end) > 0;
        double hi = lo;
        bool hi_scaled = false;
        /* a range: "8000-12000", "8千-1万", "1-1.5万", "$40,000 - $60,000", "10 to 15" */
        size_t r = skip_spaces(t, len, end);
        size_t after_dash = 0;
        if (r < len && (t[r] == '-' || t[r] == '~'))
            after_dash = r + 1;
        else if (has_prefix(t, len, r, "—") || has_prefix(t, len, r, "–"))
            after_dash = r + strlen("—");
        else if (has_prefix(t, len, r, "至") || has_prefix(t, len, r, "到"))
            after_dash = r + strlen("至");
        else if (has_word(t, len, r, "to"))
            after_dash = r + 2;
        if (after_dash) {
            size_t s2 = skip_spaces(t, len, after_dash);
            bool d2 = false;
            if (s2 < len && t[s2] == '$') {
                s2++;
                d2 = true;
            } else if (has_prefix(t, len, s2, "¥")) {
                s2 += strlen("¥");
            }
            double v2;
            size_t e2;
            if (parse_number(t, len, s2, &v2, &e2)) {
                double mult2 = parse_scale(t, len, &v2, &e2);
                hi_scaled = mult2 > 0;
                if (hi_scaled && !lo_scaled && lo * mult2 <= v2)
                    lo *= mult2; /* "1-1.5万", "10-15k" */
                if (v2 >= lo) {
                    hi = v2;
                    end = e2;
                    mo.dollars |= d2;
                    mo.currency |= d2;
                }
            }
        }
        mo.scaled = lo_scaled || hi_scaled;
        bool cur_after = currency_after(t, len, &end, &mo.dollars);
        mo.currency |= cur_after;
        mo.lo = lo;
        mo.hi = hi;
        mo.end = (uint32_t)end;
        mo.period = find_period(t, mo.start, end, m, nm, !mo.currency && !mo.scaled);
        bool slash = end < len && t[end] == '/';
        bool keep = mo.currency || mo.scaled || mo.period != FJ_PERIOD_NONE || pay_field;
        if (!mo.currency && !mo.scaled && !slash && non_pay_unit(t, len, end))
            keep = false;
        if (keep && hi > 0)
            out[n++] = mo;
        i = end > i ? end : i + 1;
    }
    return n;
}

double fj__monthly(double amount, fj_period period)
{
    switch (period) {
    case FJ_PERIOD_HOUR:
        return amount * 176; /* 8 hours, 22 days */
    case FJ_PERIOD_DAY:
        return amount * 22;
    case FJ_PERIOD_WEEK:
        return amount * 52 / 12;
    case FJ_PERIOD_YEAR:
        return amount / 12;
    default:
        return amount;
    }
}
