/*
 * iso8601.c - ISO 8601 dates and date-times to and from seconds since the epoch (UTC).
 *
 * Accepted: YYYY-MM-DD, YYYYMMDD, then optionally [T or space]HH:MM[:SS[.fraction]] and a zone
 * (Z, +HH:MM, +HHMM, +HH). No zone means UTC. Years 1900-9999.
 */
#include "core/fj_internal.h"

#include <stdio.h>

int64_t fj__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void fj__format_iso8601(int64_t t, char *buf, size_t size)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
}

/* Read exactly n digits at *i; -1 when they are not there. */
static int digits(const char *s, size_t len, size_t *i, int n)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9')
            return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    return v;
}

static fj_status bad(fj_error *err, size_t at, const char *what)
{
    return fj__error(err, FJ_ERR_INPUT, NULL, (long long)at, -1,
                     "not an ISO 8601 date: %s at byte %zu", what, at);
}

fj_status fj_parse_iso8601(const char *s, size_t len, int64_t *out, fj_error *err)
{
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t i = 0;
    if (!s || !out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_parse_iso8601: NULL argument");
    while (i < len && s[i] == ' ')
        i++;
    while (len > i && s[len - 1] == ' ')
        len--;
    int y = digits(s, len, &i, 4);
    if (y < 0)
        return bad(err, i, "expected a 4-digit year");
    bool ext = i < len && s[i] == '-';
    if (ext)
        i++;
    int mo = digits(s, len, &i, 2);
    if (mo < 0)
        return bad(err, i, "expected a 2-digit month");
    if (ext && (i >= len || s[i] != '-'))
        return bad(err, i, "expected '-'");
    if (ext)
        i++;
    int d = digits(s, len, &i, 2);
    if (d < 0)
        return bad(err, i, "expected a 2-digit day");
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
        return bad(err, 0, "no such date");
    int64_t t = fj__days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
    if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        int hh = digits(s, len, &i, 2);
        if (hh < 0 || i >= len || s[i] != ':')
            return bad(err, i, "expected HH:MM");
        i++;
        int mi = digits(s, len, &i, 2);
        int ss = 0;
        if (mi < 0)
            return bad(err, i, "expected minutes");
        if (i < len && s[i] == ':') {
            i++;
            ss = digits(s, len, &i, 2);
            if (ss < 0)
                return bad(err, i, "expected seconds");
            if (i < len && (s[i] == '.' || s[i] == ',')) {
                i++;
                size_t start = i;
                while (i < len && s[i] >= '0' && s[i] <= '9')
                    i++;
                if (i == start)
                    return bad(err, i, "expected fraction digits");
            }
        }
        if (hh > 24 || mi > 59 || ss > 60 || (hh == 24 && (mi || ss)))
            return bad(err, 0, "no such time of day");
        t += hh * 3600 + mi * 60 + (ss == 60 ? 59 : ss);
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i] == '+' ? 1 : -1;
            i++;
            int zh = digits(s, len, &i, 2), zm = 0;
            if (zh < 0)
                return bad(err, i, "expected zone hours");
            if (i < len && s[i] == ':')
                i++;
            if (i < len) {
                zm = digits(s, len, &i, 2);
                if (zm < 0)
                    return bad(err, i, "expected zone minutes");
            }
            if (zh > 14 || zm > 59)
                return bad(err, 0, "no such zone offset");
            t -= sign * (zh * 3600 + zm * 60);
        }
    }
    if (i != len)
        return bad(err, i, "unexpected character");
    *out = t;
    return FJ_OK;
}
