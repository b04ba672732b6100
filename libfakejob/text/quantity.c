/*
 * quantity.c - the one parser of each quantity written in posting text (quantity.h): amounts of
 * money, the salary field, company sizes, phone numbers, monthly equivalents of pay.
 *
 * Amounts of pay (pay_anomaly, money_in_title, the salary features):
 * Reads: "8000-12000元/月", "月薪8千", "1.5万", "3千5", "日结300", "$25/hour",
 * "$40,000 - $60,000 per year", "10-15k", "5000 a week". A figure is pay when it carries a
 * currency (¥ $ 元 块 RMB USD dollars), a scale (万 千 k thousand) or a period written next
 * to it (a cue the caller found: before it, "月薪 8000", or after it, "300/天"). Numbers followed
 * by a unit that is not money (岁 人 小时 天 years hours %…) are skipped. The numbers, scales
 * and ranges of the salary field and of company sizes are read by the same code.
 */
#include "text/quantity.h"

#include "core/json.h"

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
static fj__period find_period(const char *t, size_t start, size_t end, const fj__period_cue *m,
                              size_t nm, bool bare)
{
    fj__period before = FJ_PERIOD_NONE, after = FJ_PERIOD_NONE;
    size_t best_before = 0, best_after = (size_t)-1;
    /* a cue before ends at most 12 bytes before the figure and is shorter than 52 bytes */
    uint32_t lo = (uint32_t)(start > 64 ? start - 64 : 0);
    size_t from = 0, hi = nm;
    while (from < hi) {
        size_t mid = from + (hi - from) / 2;
        if (m[mid].start < lo)
            from = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = from; k < nm && m[k].start <= end + 3; k++) {
        if (m[k].end <= start && gap_ok(t, m[k].end, start) && m[k].end >= best_before) {
            best_before = m[k].end;
            before = (fj__period)m[k].period;
        } else if (m[k].start >= end && m[k].start - end <= 3 && m[k].start < best_after) {
            if (bare && t[m[k].start] != '/' && memcmp(t + m[k].start, "元", strlen("元")) != 0 &&
                memcmp(t + m[k].start, "per ", 4) != 0)
                continue;
            best_after = m[k].start;
            after = (fj__period)m[k].period;
        }
    }
    return after != FJ_PERIOD_NONE ? after : before;
}

/* A figure or a range at t[i]: "8000-12000", "8千-1万", "1-1.5万", "$40,000 - $60,000",
 * "10 to 15". */
typedef struct figure {
    double lo, hi;
    bool scaled;
    bool dollars; /* a '$' before the range's second figure */
    size_t end;
    bool range; /* two figures were read */
} figure;

static bool figure_at(const char *t, size_t len, size_t i, figure *fg)
{
    double lo;
    size_t end;
    if (!parse_number(t, len, i, &lo, &end))
        return false;
    bool lo_scaled = parse_scale(t, len, &lo, &end) > 0;
    double hi = lo;
    bool hi_scaled = false, d2 = false, range = false;
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
        bool dollar2 = false;
        if (s2 < len && t[s2] == '$') {
            s2++;
            dollar2 = true;
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
                d2 = dollar2;
                range = true;
            }
        }
    }
    *fg = (figure){lo, hi, lo_scaled || hi_scaled, d2, end, range};
    return true;
}

/* Whether a figure may start at t[i]: a digit not inside a number or a word. */
static bool figure_start(const unsigned char *u, size_t i)
{
    return is_digit(u[i]) &&
           !(i > 0 && (is_digit(u[i - 1]) || u[i - 1] == '.' || is_alpha(u[i - 1])));
}

size_t fj__money_scan(const char *t, size_t len, const fj__period_cue *m, size_t nm, bool pay_field,
                      fj__money *out, size_t cap)
{
    const unsigned char *u = (const unsigned char *)t;
    size_t n = 0;
    size_t i = 0;
    while (i < len && n < cap) {
        if (!is_digit(u[i])) { /* no figure starts here: on to the next digit in a tight loop */
            while (++i < len && !is_digit(u[i]))
                ;
            continue;
        }
        if (!figure_start(u, i)) {
            i++;
            continue;
        }
        fj__money mo = {0};
        figure fg;
        if (!figure_at(t, len, i, &fg)) {
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
        size_t end = fg.end;
        mo.dollars |= fg.dollars;
        mo.currency |= fg.dollars;
        mo.scaled = fg.scaled;
        bool cur_after = currency_after(t, len, &end, &mo.dollars);
        mo.currency |= cur_after;
        mo.lo = fg.lo;
        mo.hi = fg.hi;
        mo.end = (uint32_t)end;
        mo.period = find_period(t, mo.start, end, m, nm, !mo.currency && !mo.scaled);
        bool slash = end < len && t[end] == '/';
        bool keep = mo.currency || mo.scaled || mo.period != FJ_PERIOD_NONE || pay_field;
        if (!mo.currency && !mo.scaled && !slash && non_pay_unit(t, len, end))
            keep = false;
        if (keep && fg.hi > 0)
            out[n++] = mo;
        i = end > i ? end : i + 1;
    }
    return n;
}

static bool has_sub(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    for (size_t i = 0; m <= n && i + m <= n; i++)
        if (memcmp(s + i, lit, m) == 0)
            return true;
    return false;
}

void fj__salary_read(const char *t, size_t len, fj__salary *out)
{
    memset(out, 0, sizeof *out);
    out->negotiable =
        has_sub(t, len, "面议") || has_sub(t, len, "egotiable") || has_sub(t, len, "ompetitive");
    /* the first two numbers: a range's two ends, or a figure and the next one ("3000起，
     * 6000-8000", "底薪3500+提成，月均6000") */
    const unsigned char *u = (const unsigned char *)t;
    double v[2];
    int nv = 0;
    for (size_t i = 0; i < len && nv < 2;) {
        figure fg;
        if (!figure_start(u, i) || !figure_at(t, len, i, &fg)) {
            i++;
            continue;
        }
        v[nv++] = fg.lo;
        if (fg.range && nv < 2)
            v[nv++] = fg.hi;
        i = fg.end > i ? fg.end : i + 1;
    }
    if (nv) {
        out->lo = nv > 1 && v[1] < v[0] ? v[1] : v[0];
        out->hi = nv > 1 && v[1] > v[0] ? v[1] : v[0];
        out->figures = nv > 1 && out->hi > out->lo ? 2 : 1;
    }
    if (has_sub(t, len, "天") || has_sub(t, len, "日") || has_sub(t, len, "day") ||
        has_sub(t, len, "daily"))
        out->period = FJ_PERIOD_DAY;
    else if (has_sub(t, len, "时") || has_sub(t, len, "hour") || has_sub(t, len, "/hr"))
        out->period = FJ_PERIOD_HOUR;
    else if (has_sub(t, len, "周") || has_sub(t, len, "week"))
        out->period = FJ_PERIOD_WEEK;
    else if (has_sub(t, len, "年") || has_sub(t, len, "year") || has_sub(t, len, "annum") ||
             has_sub(t, len, "annual"))
        out->period = FJ_PERIOD_YEAR;
    else if (has_sub(t, len, "月"))
        out->period = FJ_PERIOD_MONTH;
}

double fj__company_size(const char *t, size_t len)
{
    const unsigned char *u = (const unsigned char *)t;
    double nums[2];
    int n = 0;
    for (size_t i = 0; i < len && n < 2;) {
        double v;
        size_t end;
        if (!is_digit(u[i]) || (i > 0 && is_digit(u[i - 1]))) {
            i++;
            continue;
        }
        if (!parse_number(t, len, i, &v, &end)) {
            while (i < len && is_digit(u[i]))
                i++;
            continue;
        }
        parse_scale(t, len, &v, &end);
        nums[n++] = v;
        i = end > i ? end : i + 1;
    }
    if (n == 0)
        return 0;
    return n == 2 && nums[1] > nums[0] ? nums[1] : nums[0];
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || is_alpha(c);
}

size_t fj__phone_scan(const char *t, size_t len, fj__phone *out, size_t cap)
{
    size_t i = 0, count = 0;
    while (i < len && count < cap) {
        unsigned char c = (unsigned char)t[i];
        if (!is_digit(c) && c != '+' && c != '(') { /* no number starts here: on to the next */
            while (++i < len && !is_digit((unsigned char)t[i]) && t[i] != '+' && t[i] != '(')
                ;
            continue;
        }
        if (!(is_digit(c) || (c == '+' && i + 1 < len && is_digit((unsigned char)t[i + 1])) ||
              (c == '(' && i + 1 < len && is_digit((unsigned char)t[i + 1]))) ||
            (i > 0 && (is_alnum((unsigned char)t[i - 1]) || t[i - 1] == '.'))) {
            i++;
            continue;
        }
        /* digit groups separated by one or two of " -.()" */
        int groups[8], ng = 0;
        size_t j = i;
        char digits[24];
        size_t nd = 0;
        bool plus = t[j] == '+';
        if (plus || t[j] == '(')
            j++;
        while (j < len && ng < 8) {
            size_t g0 = j;
            while (j < len && is_digit((unsigned char)t[j]) && nd < sizeof digits)
                digits[nd++] = t[j++];
            if (j == g0)
                break;
            groups[ng++] = (int)(j - g0);
            size_t k = j;
            int seps = 0;
            while (k < len &&
                   (t[k] == ' ' || t[k] == '-' || t[k] == '.' || t[k] == '(' || t[k] == ')') &&
                   seps < 2) {
                k++;
                seps++;
            }
            if (k < len && is_digit((unsigned char)t[k]) && seps > 0)
                j = k;
            else
                break;
        }
        size_t end = j;
        if (end < len && is_alnum((unsigned char)t[end])) {
            i = end + 1;
            continue;
        }
        /* drop a country code */
        size_t off = 0;
        int g0 = 0;
        if (ng > 1 && groups[0] == 2 && digits[0] == '8' && digits[1] == '6') {
            off = 2;
            g0 = 1;
        } else if (ng > 1 && groups[0] == 1 && digits[0] == '1' && nd == 11) {
            off = 1;
            g0 = 1;
        }
        size_t n = nd - off;
        const char *d = digits + off;
        bool mobile = n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' &&
                      (ng - g0 == 1 || (ng - g0 == 3 && groups[g0] == 3 && groups[g0 + 1] == 4));
        bool toll_free =
            n >= 3 && ((d[0] == '4' && d[1] == '0' && d[2] == '0') ||
                       (d[0] == '8' && (d[1] == d[2] || (d[1] == '0' && d[2] == '0'))));
        bool nanp = n == 10 && ng - g0 == 3 && groups[g0] == 3 && groups[g0 + 1] == 3 &&
                    groups[g0 + 2] == 4 && d[0] >= '2' && d[3] >= '2' && !toll_free;
        if (mobile || nanp)
            out[count++] = (fj__phone){(uint32_t)i, (uint32_t)end,
                                       mobile ? FJ__PHONE_CN_MOBILE : FJ__PHONE_NANP};
        i = end > i ? end : i + 1;
    }
    return count;
}

double fj__monthly(double amount, fj__period period)
{
    switch (period) {
    case FJ_PERIOD_HOUR:
        return amount * FJ__HOURS_PER_MONTH;
    case FJ_PERIOD_DAY:
        return amount * FJ__DAYS_PER_MONTH;
    case FJ_PERIOD_WEEK:
        return amount * 52 / 12;
    case FJ_PERIOD_YEAR:
        return amount / 12;
    default:
        return amount;
    }
}

/* A plain decimal "DIGITS[.DIGITS]" at t[*i] (the tokenizer's canonical amounts). */
static bool canonical_amount(const char *t, size_t len, size_t *i, double *v)
{
    char buf[40];
    size_t n = 0;
    while (*i < len && n + 1 < sizeof buf && (is_digit((unsigned char)t[*i]) || t[*i] == '.'))
        buf[n++] = t[(*i)++];
    if (n == 0 || !is_digit((unsigned char)buf[0]) || !is_digit((unsigned char)buf[n - 1]))
        return false;
    buf[n] = '\0';
    *v = fj__parse_decimal(buf);
    return true;
}

bool fj__money_token_value(const char *t, size_t len, fj__money_value *out)
{
    static const struct {
        const char *sign;
        fj__currency cur;
    } signs[] = {{"¥", FJ__CUR_CNY}, {"$", FJ__CUR_USD}, {"€", FJ__CUR_EUR}, {"£", FJ__CUR_GBP}};
    static const char *const periods[] = {[FJ_PERIOD_HOUR] = "hour",
                                          [FJ_PERIOD_DAY] = "day",
                                          [FJ_PERIOD_WEEK] = "week",
                                          [FJ_PERIOD_MONTH] = "month",
                                          [FJ_PERIOD_YEAR] = "year"};
    memset(out, 0, sizeof *out);
    size_t i = 0;
    for (size_t k = 0; k < sizeof signs / sizeof signs[0]; k++)
        if (has_prefix(t, len, 0, signs[k].sign)) {
            out->currency = signs[k].cur;
            i = strlen(signs[k].sign);
            break;
        }
    if (!canonical_amount(t, len, &i, &out->lo))
        return false;
    out->hi = out->lo;
    if (i < len && t[i] == '-') {
        i++;
        if (!canonical_amount(t, len, &i, &out->hi))
            return false;
    }
    if (i < len && t[i] == '/') {
        i++;
        for (int p = FJ_PERIOD_HOUR; p <= FJ_PERIOD_YEAR; p++)
            if (len - i == strlen(periods[p]) && memcmp(t + i, periods[p], len - i) == 0) {
                out->period = (fj__period)p;
                i = len;
            }
    }
    return i == len;
}
