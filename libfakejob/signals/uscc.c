/*
 * uscc.c - Chinese company registration numbers and their check characters.
 *
 *   统一社会信用代码 (Unified Social Credit Code, GB 32100-2015): 18 characters from
 *   "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O, S, V, Z); the last is a check character,
 *   charset[(31 - Σ value(c_i) · w_i mod 31) mod 31] with weights
 *   1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 (3^i mod 31).
 *   工商注册号 (the 15-digit registration number used before 2015): the last digit is a
 *   GB/T 17710 (ISO 7064 MOD 11,10) check digit.
 *
 * Spaces and hyphens inside a written code are ignored; letters may be in either case.
 */
#include "signals/signals.h"

#include <string.h>

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned char uscc_weight[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};

static int uscc_value(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    const char *at = c ? strchr(uscc_charset, c) : NULL;
    return at ? (int)(at - uscc_charset) : -1;
}

char fj__uscc_check_char(const char code17[17])
{
    unsigned sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(code17[i]);
        if (v < 0)
            return 0;
        sum += (unsigned)v * uscc_weight[i];
    }
    return uscc_charset[(31 - sum % 31) % 31];
}

static bool mod11_10_ok(const char *d)
{
    unsigned p = 10;
    for (int i = 0; i < 14; i++) {
        unsigned s = (p + (unsigned)(d[i] - '0')) % 10;
        if (s == 0)
            s = 10;
        p = (s * 2) % 11;
    }
    return (11 - p) % 10 == (unsigned)(d[14] - '0');
}

fj_reg_check fj__reg_check(const char *s, size_t len)
{
    char code[24];
    size_t n = 0;
    bool digits_only = true, ascii = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '-')
            continue;
        if (c >= 0x80 ||
            !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
            ascii = false;
            break;
        }
        if (n == sizeof code)
            return FJ_REG_NOT_CHINESE;
        if (c < '0' || c > '9')
            digits_only = false;
        code[n++] = (char)c;
    }
    if (!ascii)
        return FJ_REG_NOT_CHINESE;
    if (n == 18) {
        for (size_t i = 0; i < 18; i++)
            if (uscc_value(code[i]) < 0)
                return FJ_REG_MALFORMED;
        char want = fj__uscc_check_char(code);
        char got = code[17];
        if (got >= 'a' && got <= 'z')
            got = (char)(got - 'a' + 'A');
        return want == got ? FJ_REG_VALID : FJ_REG_BAD_CHECK;
    }
    if (n == 15 && digits_only)
        return mod11_10_ok(code) ? FJ_REG_VALID : FJ_REG_BAD_CHECK;
    /* Near misses of the two Chinese formats (a digit or two missing or added, a code that
     * starts like a USCC) are malformed; anything else is some other country's number. */
    if ((n >= 16 && n <= 20) || (n >= 13 && n <= 17 && digits_only))
        return FJ_REG_MALFORMED;
    return FJ_REG_NOT_CHINESE;
}
