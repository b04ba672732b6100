/*
 * textscan.c - finds the typed tokens in normalized text, in one left-to-right pass: EMSCAD's
 * #URL_…#, #EMAIL_…#, #PHONE_…# placeholders, e-mail addresses (free-mail or not), URLs (and
 * link shorteners), phone numbers (Chinese mobiles and landlines, 400/800 numbers, US and
 * +international formats), QQ numbers and WeChat ids after their cues (qq, 企鹅, 微信, vx…),
 * and money (¥198, 198元, $5,000/week, 8000-12000元/月, 日结300).
 *
 * Input is normalized text (normalize.c): ASCII letters are lower case, full-width forms are
 * ASCII. Output: fj__special records in tx->sp, ordered and non-overlapping, with their token
 * texts in tx->arena. Linear time: every recognizer looks at a bounded window or at a run that
 * the scan then skips, and a failed start is never retried from inside the same run.
 *
 * Speed: a byte-class table lets the scan step over bytes that start nothing (spaces,
 * punctuation) in a few instructions; a word is measured once (its letter and letter-or-digit
 * runs) before the recognizers that may start at it are tried, and the word lists are compared
 * on their first byte before their length.
 */
#include "core/json.h"
#include "text/text_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef fj__scanner scan;

static inline bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}
static inline bool is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}
static inline bool is_alnum(unsigned char c)
{
    return is_digit(c) || is_lower(c);
}
/* characters of an e-mail local part; a link cannot start right after one */
static inline bool is_local(unsigned char c)
{
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
static inline bool is_host(unsigned char c)
{
    return is_alnum(c) || c == '-';
}

static unsigned char at(const scan *s, size_t i)
{
    return i < s->n ? (unsigned char)s->t[i] : 0;
}

static inline bool starts_n(const scan *s, size_t i, const char *lit, size_t l)
{
    /* the first byte inline: most tries fail there, without a call of memcmp */
    return i <= s->n && l <= s->n - i &&
           (l == 0 || (s->t[i] == lit[0] && memcmp(s->t + i, lit, l) == 0));
}
#define starts(s, i, lit) starts_n(s, i, lit, sizeof(lit) - 1)

/* `lit` (l bytes) at i as a whole ASCII word (no letter after it) */
static inline bool starts_word_n(const scan *s, size_t i, const char *lit, size_t l)
{
    return starts_n(s, i, lit, l) && !is_lower(at(s, i + l));
}
#define starts_word(s, i, lit) starts_word_n(s, i, lit, sizeof(lit) - 1)

/* A table entry's literal with its length. */
#define LIT(x) x, sizeof(x) - 1

static inline uint32_t cp_at(const scan *s, size_t i, size_t *next)
{
    size_t k = i;
    uint32_t cp = fj__u8_next(s->t, &k);
    if (next)
        *next = k;
    return cp;
}

static void add(scan *s, fj_token_kind kind, size_t start, size_t hide, size_t end,
                const char *text, size_t tlen)
{
    if (s->dry) { /* fj__scan_inert: only whether anything would be found */
        s->added = true;
        s->cue_kind = FJ_CUE_NONE;
        return;
    }
    fj__text *tx = s->tx;
    if (tx->sp_len == tx->sp_cap) {
        size_t cap = tx->sp_cap ? tx->sp_cap * 2 : 64;
        fj__special *sp = realloc(tx->sp, cap * sizeof *sp);
        if (!sp) {
            s->fail = true;
            return;
        }
        tx->sp = sp;
        tx->sp_cap = cap;
    }
    size_t off = tx->arena.len;
    if (!fj__buf_append(&tx->arena, text, tlen) || !fj__buf_append(&tx->arena, "", 1)) {
        s->fail = true;
        return;
    }
    tx->sp[tx->sp_len++] = (fj__special){.start = (uint32_t)start,
                                         .hide = (uint32_t)hide,
                                         .end = (uint32_t)end,
                                         .text_off = (uint32_t)off,
                                         .text_len = (uint32_t)tlen,
                                         .kind = (uint16_t)kind};
    s->cue_kind = FJ_CUE_NONE; /* a cue introduces one value */
}

/* ------------------------------------------------------------------------------------------ */
/* Cues                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Han characters and ASCII words that may stand between a cue and its value: "微信号：",
 * "QQ群号码", "月薪可达", "wechat id:". `explicit` is set when the gap holds a marker that
 * introduces an id (":", "号", "=", "id"). */
static bool gap_ok(const scan *s, size_t from, size_t to, bool *explicit)
{
    static const uint32_t filler[] = {
        0x53F7, 0x7801, 0x7FA4, 0x662F, 0x4E3A, 0x52A0, 0x6216, 0x8054, 0x7CFB, 0x65B9,
        0x5F0F, 0x8D26, 0x5E10, 0x53EF, 0x8FBE, 0x9AD8, 0x7EA6, 0x5728, 0x6211, 0x7684,
        0x79C1, 0x641C, 0x7D22, 0x6DFB, 0x3010, 0x3011, 0x300C, 0x300D, 0};
    /* 号 码 群 是 为 加 或 联 系 方 式 账 帐 可 达 高 约 在 我 的 私 搜 索 添 【 】 「 」 */
    *explicit = false;
    if (to < from || to - from > 24)
        return false;
    size_t i = from;
    while (i < to) {
        unsigned char c = at(s, i);
        if (c < 0x80) {
            if (c && strchr(" :-/()[]=.,#*", c)) {
                if (c == ':' || c == '=')
                    *explicit = true;
                i++;
                continue;
            }
            if (starts_word(s, i, "id") || starts_word(s, i, "no")) {
                *explicit = true;
                i += 2;
                continue;
            }
            if (starts_word(s, i, "number")) {
                *explicit = true;
                i += 6;
                continue;
            }
            if (starts_word(s, i, "is") || starts_word(s, i, "me")) {
                i += 2;
                continue;
            }
            return false;
        }
        size_t k;
        uint32_t cp = cp_at(s, i, &k);
        size_t f = 0;
        while (filler[f] && filler[f] != cp)
            f++;
        if (!filler[f])
            return false;
        if (cp == 0x53F7) /* 号 */
            *explicit = true;
        i = k;
    }
    return true;
}

static void set_cue(scan *s, const fj__cue *c, size_t start, size_t end, bool han)
{
    s->cue_kind = c->kind;
    s->cue_period = c->period;
    s->cue_han = han;
    s->cue_start = start;
    s->cue_end = end;
}

/* The pending cue of `kind` applies to a value starting at i. */
static inline bool cue_applies(const scan *s, uint8_t kind, size_t i, bool *explicit)
{
    bool ex = false;
    if (s->cue_kind != kind || !gap_ok(s, s->cue_end, i, &ex))
        return false;
    if (explicit)
        *explicit = ex;
    return true;
}

/* A Han cue at i (its first code point passed the mask): its end, or 0. */
static size_t han_cue(scan *s, size_t i)
{
    const char *t = s->t + i; /* a Han character: three bytes at least before the NUL */
    for (const fj__cue *c = fj__han_cues; c->text; c++)
        if (c->text[0] == t[0] && c->text[1] == t[1] && c->text[2] == t[2] &&
            starts_n(s, i, c->text, strlen(c->text))) {
            size_t end = i + strlen(c->text);
            set_cue(s, c, i, end, true);
            return end;
        }
    return 0;
}

/* The ASCII cue word [i, k) (letters only), if it is one: the cue, its end in *end. */
static const fj__cue *word_cue_at(const scan *s, size_t i, size_t k, size_t *end)
{
    size_t len = k - i;
    *end = k;
    for (const fj__cue *c = fj__word_cues; c->text; c++)
        if (c->text[0] == s->t[i] && strlen(c->text) == len && memcmp(s->t + i, c->text, len) == 0)
            return c;
    static const fj__cue q = {"q", FJ_CUE_QQ, 0}, v = {"v", FJ_CUE_WECHAT, 0};
    if (len == 1 && s->t[i] == 'q' &&
        (at(s, k) == ':' || is_digit(at(s, k)) || starts(s, k, "号") || starts(s, k, "群")))
        return &q;
    if (len == 1 && s->t[i] == 'v' &&
        ((i > 0 && s->t[i - 1] == '+') || at(s, k) == ':' || starts(s, k, "信"))) {
        *end = starts(s, k, "信") ? k + strlen("信") : k;
        return &v;
    }
    return NULL;
}

/* An ASCII cue word [i, k) (letters only): whether it is one (then it is the pending cue). */
static bool word_cue(scan *s, size_t i, size_t k)
{
    size_t end;
    const fj__cue *c = word_cue_at(s, i, k, &end);
    if (c)
        set_cue(s, c, i, end, false);
    return c != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Links: placeholders, e-mail, URLs                                                          */
/* ------------------------------------------------------------------------------------------ */

static size_t try_placeholder(scan *s, size_t i)
{
    static const struct {
        const char *name;
        size_t len;
        const char *text;
        fj_token_kind kind;
    } ph[] = {{LIT("#url_"), "#url#", FJ_TOK_MASKED_URL},
              {LIT("#email_"), "#email#", FJ_TOK_MASKED_EMAIL},
              {LIT("#phone_"), "#phone#", FJ_TOK_MASKED_PHONE}};
    for (size_t k = 0; k < 3; k++) {
        if (!starts_n(s, i, ph[k].name, ph[k].len))
            continue;
        size_t p = i + ph[k].len, q = p;
        while (q < s->n && is_alnum(at(s, q)) && q - p <= 128)
            q++;
        if (q == p || at(s, q) != '#')
            return 0;
        add(s, ph[k].kind, i, i, q + 1, ph[k].text, strlen(ph[k].text));
        return q + 1;
    }
    return 0;
}

/* Host labels from p: their end (0 when none), the number of dots, the last label. */
static size_t host_at(const scan *s, size_t p, int *dots, size_t *last, size_t *last_len)
{
    *dots = 0;
    size_t q = p;
    for (;;) {
        size_t ls = q;
        while (q < s->n && is_host(at(s, q)) && q - p < 253)
            q++;
        if (q == ls)
            return 0;
        *last = ls;
        *last_len = q - ls;
        if (at(s, q) == '.' && is_host(at(s, q + 1)) && q - p < 253) {
            (*dots)++;
            q++;
            continue;
        }
        return q;
    }
}

static bool alpha_label(const scan *s, size_t p, size_t len)
{
    if (len < 2)
        return false;
    for (size_t k = 0; k < len; k++)
        if (!is_lower(at(s, p + k)))
            return false;
    return true;
}

static size_t try_email(scan *s, size_t i)
{
    size_t k = i;
    while (k < s->n && is_local(at(s, k)) && k - i <= 64)
        k++;
    if (k == i || k - i > 64 || at(s, k) != '@' || at(s, i) == '.')
        return 0;
    int dots;
    size_t last, last_len, d = k + 1;
    size_t end = host_at(s, d, &dots, &last, &last_len);
    if (!end || dots < 1 || !alpha_label(s, last, last_len))
        return 0;
    const char *dom = s->t + d;
    size_t dlen = end - d;
    bool free_mail = fj__in_list(fj__freemail_domains, dom, dlen);
    for (const char *const *f = fj__freemail_families; !free_mail && *f; f++)
        free_mail = strlen(*f) < dlen && memcmp(*f, dom, strlen(*f)) == 0;
    add(s, free_mail ? FJ_TOK_FREEMAIL : FJ_TOK_EMAIL, i, i, end, s->t + i, end - i);
    return end;
}

static bool url_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && !strchr("\"<>\\^`{|}", c);
}

static size_t try_url(scan *s, size_t i)
{
    size_t p = i;
    bool scheme = false;
    static const struct {
        const char *lit;
        size_t len;
    } schemes[] = {{LIT("https://")}, {LIT("http://")}, {LIT("ftp://")}};
    for (size_t k = 0; k < 3 && !scheme; k++)
        if (starts_n(s, p, schemes[k].lit, schemes[k].len)) {
            p += schemes[k].len;
            scheme = true;
        }
    int dots;
    size_t last, last_len;
    size_t hend = host_at(s, p, &dots, &last, &last_len);
    if (!hend)
        return 0;
    bool masked = false;
    while (hend > p && at(s, hend - 1) == '-') { /* "http://global-#URL_…#": masked remainder */
        hend--;
        masked = true;
    }
    if (hend == p || at(s, hend - 1) == '.') /* "---", "www.-" */
        return 0;
    const char *host = s->t + p;
    size_t hlen = hend - p;
    bool www = hlen > 4 && memcmp(host, "www.", 4) == 0;
    if (www) {
        host += 4;
        hlen -= 4;
    }
    if (hlen == 0 || host[0] == '-' || host[0] == '.')
        return 0;
    if (!scheme && !masked) {
        /* a bare domain (or www.): a dot and a plausible top-level domain */
        if (dots < 1 || !alpha_label(s, last, last_len))
            return 0;
        if (!www && ((!fj__in_list(fj__bare_tlds, s->t + last, last_len) &&
                      !fj__in_list(fj__shortener_hosts, host, hlen)) ||
                     fj__in_list(fj__not_domains, host, hlen)))
            return 0;
    } else if (!scheme) {
        return 0;
    }
    if (at(s, hend) == '@')
        return 0;
    size_t q = hend;
    if (at(s, q) == ':' && is_digit(at(s, q + 1))) {
        q++;
        while (is_digit(at(s, q)))
            q++;
    }
    unsigned char c = at(s, q);
    if (c == '/' || c == '?' || c == '#') {
        /* up to a space, or an EMSCAD placeholder that masks the rest */
        while (q < s->n && url_char(at(s, q)) &&
               !(at(s, q) == '#' &&
                 (starts(s, q, "#url_") || starts(s, q, "#email_") || starts(s, q, "#phone_"))))
            q++;
        while (q > hend && strchr(".,;:!?)'\"]*", at(s, q - 1)))
            q--;
    }
    bool shortener = fj__in_list(fj__shortener_hosts, host, hlen);
    add(s, shortener ? FJ_TOK_SHORTURL : FJ_TOK_URL, i, i, q, host, hlen);
    return q;
}

/* ------------------------------------------------------------------------------------------ */
/* Numbers: phones, QQ, WeChat, money                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef struct phone {
    char digits[24];
    size_t nd;
    int ng;
    size_t glen[8], gend[8];
    bool plus, paren;
} phone;

static bool mobile_cn(const char *d, size_t nd)
{
    return nd == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/* Classify the first ng groups of ph; the canonical text into out. */
static bool classify_phone(const phone *ph, int ng, char *out, size_t *olen)
{
    size_t nd = 0;
    for (int g = 0; g < ng; g++)
        nd += ph->glen[g];
    const char *d = ph->digits;
    if (ph->plus) {
        if (nd == 13 && d[0] == '8' && d[1] == '6' && mobile_cn(d + 2, 11)) {
            memcpy(out, d + 2, 11);
            *olen = 11;
            return true;
        }
        if (nd < 8 || nd > 15)
            return false;
        out[0] = '+';
        memcpy(out + 1, d, nd);
        *olen = nd + 1;
        return true;
    }
    size_t skip = 0;
    if (nd == 13 && ng >= 2 && ph->glen[0] == 2 && d[0] == '8' && d[1] == '6')
        skip = 2; /* 86 138… */
    else if (nd == 15 && ng >= 2 && ph->glen[0] == 4 && memcmp(d, "0086", 4) == 0)
        skip = 4;
    if (mobile_cn(d + skip, nd - skip)) {
        memcpy(out, d + skip, 11);
        *olen = 11;
        return true;
    }
    bool ok = false;
    if (nd == 10 && (ng == 1 || ph->glen[0] == 3) &&
        (memcmp(d, "400", 3) == 0 || memcmp(d, "800", 3) == 0))
        ok = true; /* 400-123-4567, not 40000-80000 */
    else if (d[0] == '0' && ng >= 2 && ph->glen[0] >= 3 && ph->glen[0] <= 4 &&
             nd - ph->glen[0] >= 7 && nd - ph->glen[0] <= 8)
        ok = true; /* 010-12345678, 0755-1234567 */
    else if (nd == 10 && ng == 3 && ph->glen[0] == 3 && ph->glen[1] == 3 && ph->glen[2] == 4)
        ok = true; /* (555) 123-4567, 555-123-4567 */
    else if (nd == 11 && ng == 4 && d[0] == '1' && ph->glen[0] == 1 && ph->glen[1] == 3) {
        d++; /* 1-555-123-4567 */
        nd--;
        ok = ph->glen[2] == 3 && ph->glen[3] == 4;
    }
    if (!ok)
        return false;
    memcpy(out, d, nd);
    *olen = nd;
    return true;
}

/* A phone number at i: its end (0 when none), canonical digits in out. */
static size_t try_phone(const scan *s, size_t i, char *out, size_t *olen)
{
    phone ph = {0};
    size_t p = i;
    if (at(s, p) == '+') {
        ph.plus = true;
        p++;
    }
    for (;;) {
        bool paren = false;
        if (at(s, p) == '(' && !ph.paren) {
            paren = ph.paren = true;
            p++;
            if (at(s, p) == '+' && ph.ng == 0 && !ph.plus) {
                ph.plus = true;
                p++;
            }
        }
        size_t q = p;
        while (is_digit(at(s, q)) && q - p <= 12)
            q++;
        if (q == p || q - p > 12 || ph.nd + (q - p) > 20 || (paren && at(s, q) != ')'))
            break;
        bool trunk = paren && ph.plus && ph.ng > 0 && q - p == 1 && s->t[p] == '0';
        if (!trunk) { /* +44 (0) 20…: the trunk prefix is not dialled from abroad */
            memcpy(ph.digits + ph.nd, s->t + p, q - p);
            ph.nd += q - p;
            ph.glen[ph.ng] = q - p;
        }
        p = q + (paren ? 1 : 0);
        if (!trunk)
            ph.gend[ph.ng++] = p;
        if (ph.ng == 8)
            break;
        size_t r = p;
        unsigned char c = at(s, r);
        if (c == ' ' || c == '-' || c == '.')
            r++;
        if (is_digit(at(s, r)) || (at(s, r) == '(' && !ph.paren)) {
            p = r;
            continue;
        }
        break;
    }
    for (int ng = ph.ng; ng > 0; ng--) {
        size_t end = ph.gend[ng - 1];
        /* a number cut out of a longer chain (138-1234-5678-9999, 200-400-600) is none */
        if (ng < ph.ng && at(s, end) != ' ')
            return 0;
        if (classify_phone(&ph, ng, out, olen))
            return is_digit(at(s, end)) ? 0 : end;
    }
    return 0;
}

static size_t digit_run(const scan *s, size_t p)
{
    size_t q = p;
    while (is_digit(at(s, q)))
        q++;
    return q;
}

/* An amount at p: 198, 5,000, 3.5, 8k, 1.5万. Its end or 0; *mult is the multiplier seen. */
static size_t amount_at(const scan *s, size_t p, double *v, double *mult)
{
    size_t q = digit_run(s, p);
    if (q == p || q - p > 12)
        return 0;
    char num[40];
    size_t nl = 0;
    memcpy(num, s->t + p, q - p);
    nl = q - p;
    if (q - p <= 3) {
        while (at(s, q) == ',' && digit_run(s, q + 1) == q + 4 && nl + 3 < 16) {
            memcpy(num + nl, s->t + q + 1, 3);
            nl += 3;
            q += 4;
        }
    }
    if (at(s, q) == '.' && is_digit(at(s, q + 1))) {
        size_t e = digit_run(s, q + 1);
        if (e - q > 5)
            return 0;
        memcpy(num + nl, s->t + q, e - q);
        nl += e - q;
        q = e;
    }
    num[nl] = '\0';
    *v = fj__parse_decimal(num);
    *mult = 1;
    unsigned char c = at(s, q);
    if ((c == 'k' || c == 'w' || c == 'm') && !is_alnum(at(s, q + 1))) {
        *mult = c == 'k' ? 1e3 : c == 'w' ? 1e4 : 1e6;
        q++;
    } else if ((starts(s, q, "mm") || starts(s, q, "bn")) && !is_alnum(at(s, q + 2))) {
        *mult = c == 'm' ? 1e6 : 1e9;
        q += 2;
    } else if (starts_word(s, q, " million") || starts_word(s, q, " billion")) {
        *mult = at(s, q + 1) == 'm' ? 1e6 : 1e9;
        q += 8;
    } else if (starts(s, q, "万")) {
        *mult = 1e4;
        q += strlen("万");
    } else if (starts(s, q, "千")) {
        *mult = 1e3;
        q += strlen("千");
    }
    *v *= *mult;
    return q;
}

static size_t skip_space(const scan *s, size_t p)
{
    return at(s, p) == ' ' ? p + 1 : p;
}

/* A currency symbol or code at p: its end, the symbol in *cur. */
static size_t currency_prefix(const scan *s, size_t p, const char **cur)
{
    static const struct {
        const char *lit;
        size_t len;
        const char *sym;
        bool word;
    } pre[] = {{LIT("¥"), "¥", false},  {LIT("$"), "$", false},   {LIT("€"), "€", false},
               {LIT("£"), "£", false},  {LIT("us$"), "$", false}, {LIT("rmb"), "¥", true},
               {LIT("cny"), "¥", true}, {LIT("usd"), "$", true},  {LIT("人民币"), "¥", false}};
    unsigned char c = at(s, p);
    if (c != 0xC2 && c != '$' && c != 0xE2 && c != 'u' && c != 'r' && c != 'c' && c != 0xE4)
        return 0;
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++)
        if ((unsigned char)pre[k].lit[0] == c &&
            (pre[k].word ? starts_word_n(s, p, pre[k].lit, pre[k].len)
                         : starts_n(s, p, pre[k].lit, pre[k].len))) {
            *cur = pre[k].sym;
            return p + pre[k].len;
        }
    return 0;
}

static size_t currency_suffix(const scan *s, size_t p, const char **cur)
{
    static const struct {
        const char *lit;
        size_t len;
        const char *sym;
        bool word;
    } suf[] = {{LIT("块钱"), "¥", false},   {LIT("元"), "¥", false},     {LIT("块"), "¥", false},
               {LIT("人民币"), "¥", false}, {LIT("美元"), "$", false},   {LIT("美金"), "$", false},
               {LIT("rmb"), "¥", true},     {LIT("cny"), "¥", true},     {LIT("yuan"), "¥", true},
               {LIT("usd"), "$", true},     {LIT("dollars"), "$", true}, {LIT("dollar"), "$", true},
               {LIT("eur"), "€", true},     {LIT("euros"), "€", true},   {LIT("gbp"), "£", true}};
    size_t q = p;
    for (int sp = 0; sp < 2; sp++, q = skip_space(s, p))
        for (size_t k = 0; k < sizeof suf / sizeof suf[0]; k++)
            if (suf[k].word ? starts_word_n(s, q, suf[k].lit, suf[k].len)
                            : starts_n(s, q, suf[k].lit, suf[k].len)) {
                *cur = suf[k].sym;
                return q + suf[k].len;
            }
    return 0;
}

/* A pay period at p ("/月", "/hour", " per week", "每天", "一天"): its end, *period. */
static size_t period_at(const scan *s, size_t p, uint8_t *period)
{
    static const struct {
        const char *lit;
        size_t len;
        uint8_t period;
        bool word;
    } words[] = {{LIT("hours"), FJ_PERIOD_HOUR, true}, {LIT("hour"), FJ_PERIOD_HOUR, true},
                 {LIT("hrs"), FJ_PERIOD_HOUR, true},   {LIT("hr"), FJ_PERIOD_HOUR, true},
                 {LIT("h"), FJ_PERIOD_HOUR, true},     {LIT("day"), FJ_PERIOD_DAY, true},
                 {LIT("d"), FJ_PERIOD_DAY, true},      {LIT("week"), FJ_PERIOD_WEEK, true},
                 {LIT("wk"), FJ_PERIOD_WEEK, true},    {LIT("month"), FJ_PERIOD_MONTH, true},
                 {LIT("mo"), FJ_PERIOD_MONTH, true},   {LIT("mth"), FJ_PERIOD_MONTH, true},
                 {LIT("year"), FJ_PERIOD_YEAR, true},  {LIT("yr"), FJ_PERIOD_YEAR, true},
                 {LIT("annum"), FJ_PERIOD_YEAR, true}, {LIT("小时"), FJ_PERIOD_HOUR, false},
                 {LIT("时"), FJ_PERIOD_HOUR, false},   {LIT("天"), FJ_PERIOD_DAY, false},
                 {LIT("日"), FJ_PERIOD_DAY, false},    {LIT("周"), FJ_PERIOD_WEEK, false},
                 {LIT("星期"), FJ_PERIOD_WEEK, false}, {LIT("个月"), FJ_PERIOD_MONTH, false},
                 {LIT("月"), FJ_PERIOD_MONTH, false},  {LIT("年"), FJ_PERIOD_YEAR, false}};
    size_t q = skip_space(s, p);
    if (at(s, q) == '/')
        q = skip_space(s, q + 1);
    else if (starts(s, q, "每") || starts(s, q, "一"))
        q += strlen("每");
    else if (starts(s, q, "per "))
        q += 4;
    else if (starts(s, q, "an ") || starts(s, q, "a "))
        q += at(s, q + 1) == ' ' ? 2 : 3;
    else
        return 0;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (words[k].word ? starts_word_n(s, q, words[k].lit, words[k].len)
                          : starts_n(s, q, words[k].lit, words[k].len)) {
            *period = words[k].period;
            return q + words[k].len;
        }
    return 0;
}

static size_t fmt_amount(char *out, double v)
{
    if (v < 1e15 && v == (double)(long long)v)
        return (size_t)snprintf(out, 32, "%lld", (long long)v);
    char tmp[FJ__NUM_BUF];
    size_t n = fj__fmt_fixed(v, 2, tmp);
    while (n > 0 && tmp[n - 1] == '0')
        n--;
    if (n > 0 && tmp[n - 1] == '.')
        n--;
    if (n > 31)
        n = 31;
    memcpy(out, tmp, n);
    out[n] = 0;
    return n;
}

/* Money at i (a currency symbol or code, or a digit). `cue` when a pay cue applies. */
static size_t try_money(scan *s, size_t i, bool cue)
{
    const char *cur = NULL;
    size_t p = i, pre = is_digit(at(s, i)) ? 0 : currency_prefix(s, i, &cur);
    if (pre)
        p = skip_space(s, pre);
    double v1, v2 = 0, m1, m2 = 1;
    size_t q = amount_at(s, p, &v1, &m1);
    if (!q)
        return 0;
    bool range = false;
    /* a range: 8000-12000, 8k~12k, $50k - $70k, 3000至5000 */
    size_t r = skip_space(s, q);
    static const struct {
        const char *lit;
        size_t len;
    } seps[] = {{LIT("-")},   {LIT("~")}, {LIT("至")}, {LIT("到")},
                {LIT("to ")}, {LIT("–")}, {LIT("—")}};
    for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++) {
        if (!starts_n(s, r, seps[k].lit, seps[k].len))
            continue;
        size_t a = skip_space(s, r + seps[k].len);
        const char *cur2 = NULL;
        size_t a2 = currency_prefix(s, a, &cur2);
        if (a2 && cur && strcmp(cur, cur2) == 0)
            a = skip_space(s, a2);
        size_t e = amount_at(s, a, &v2, &m2);
        if (e) {
            range = true;
            q = e;
        }
        break;
    }
    const char *cur_suffix = NULL;
    size_t u = currency_suffix(s, q, &cur_suffix);
    if (u) {
        q = u;
        if (!cur)
            cur = cur_suffix;
        /* 8元-15元, 3000元至5000元 */
        const char *cur2 = NULL;
        size_t r2 = skip_space(s, q), a = 0, e = 0, u2 = 0;
        if (!range &&
            (at(s, r2) == '-' || at(s, r2) == '~' || starts(s, r2, "至") || starts(s, r2, "到"))) {
            a = skip_space(s, r2 + (at(s, r2) < 0x80 ? 1 : strlen("至")));
            e = amount_at(s, a, &v2, &m2);
        }
        if (e && (u2 = currency_suffix(s, e, &cur2)) && strcmp(cur2, cur_suffix) == 0) {
            range = true;
            q = u2;
        }
    }
    if (range && m1 == 1 && m2 != 1)
        v1 *= m2; /* 8-12k */
    if (range && v1 < 1000 && v2 >= 10000 && v1 * 1000 <= v2)
        v1 *= 1000; /* $80-$130,000 */
    uint8_t period = FJ_PERIOD_NONE;
    size_t per = period_at(s, q, &period);
    if (!cur && !cue && !s->money_field)
        return 0;
    if (per)
        q = per;
    if (!per && cue)
        period = s->cue_period;
    if (!cur && cue && s->cue_han)
        cur = "¥";
    char text[96];
    size_t n = 0;
    if (cur) {
        memcpy(text, cur, strlen(cur));
        n = strlen(cur);
    }
    n += fmt_amount(text + n, v1);
    if (range) {
        text[n++] = '-';
        n += fmt_amount(text + n, v2);
    }
    if (period) {
        text[n++] = '/';
        size_t pl = strlen(fj__period_names[period]);
        memcpy(text + n, fj__period_names[period], pl);
        n += pl;
    }
    size_t start = cue ? s->cue_start : i;
    add(s, FJ_TOK_MONEY, start, i, q, text, n);
    return q;
}

/* A QQ number after a QQ cue: 5 to 12 digits, not starting with 0. */
static size_t try_qq(scan *s, size_t i)
{
    size_t q = digit_run(s, i);
    if (at(s, i) == '0' || q - i < 5 || q - i > 12 || is_lower(at(s, q)))
        return 0;
    add(s, FJ_TOK_QQ, i, i, q, s->t + i, q - i);
    return q;
}

/* A WeChat id after a WeChat cue: a phone number, 5+ digits, or 6-20 of [a-z0-9_-] starting
 * with a letter (with a digit, _ or - in it unless the gap said "id:" or "号"). */
static size_t try_wechat(scan *s, size_t i, bool explicit)
{
    char ph[24];
    size_t pl, q;
    if (is_digit(at(s, i))) {
        if ((q = try_phone(s, i, ph, &pl))) {
            add(s, FJ_TOK_WECHAT, i, i, q, ph, pl);
            return q;
        }
        q = digit_run(s, i);
        if (q - i < 5 || q - i > 15 || is_lower(at(s, q)) || at(s, q) == '_')
            return 0;
        add(s, FJ_TOK_WECHAT, i, i, q, s->t + i, q - i);
        return q;
    }
    bool marked = explicit;
    q = i;
    while (q < s->n && (is_alnum(at(s, q)) || at(s, q) == '_' || at(s, q) == '-') && q - i <= 20) {
        if (!is_lower(at(s, q)))
            marked = true;
        q++;
    }
    while (q > i && at(s, q - 1) == '-')
        q--;
    if (q - i < 6 || q - i > 20 || !marked)
        return 0;
    add(s, FJ_TOK_WECHAT, i, i, q, s->t + i, q - i);
    return q;
}

/* ------------------------------------------------------------------------------------------ */
/* The scan                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static size_t numeric_run(const scan *s, size_t p)
{
    size_t q = p;
    while (is_digit(at(s, q)) || ((at(s, q) == '.' || at(s, q) == ',') && is_digit(at(s, q + 1))))
        q++;
    return q;
}

/* A digit at i where a number may start. */
static size_t at_digit(scan *s, size_t i, bool link_start)
{
    size_t e;
    bool ex;
    size_t k = i;
    while (k < s->n && is_local(at(s, k)) && k - i <= 64)
        k++;
    if (link_start && at(s, k) == '@' && (e = try_email(s, i)))
        return e;
    if (cue_applies(s, FJ_CUE_QQ, i, NULL) && (e = try_qq(s, i)))
        return e;
    if (cue_applies(s, FJ_CUE_WECHAT, i, &ex) && (e = try_wechat(s, i, ex)))
        return e;
    char ph[24];
    size_t pl;
    if ((e = try_phone(s, i, ph, &pl))) {
        add(s, FJ_TOK_PHONE, i, i, e, ph, pl);
        return e;
    }
    if ((e = try_money(s, i, cue_applies(s, FJ_CUE_MONEY, i, NULL))))
        return e;
    return numeric_run(s, i);
}

/* Whether c may start an ASCII cue word (word_cue): q v w s f p d. */
static inline bool cue_initial(unsigned char c)
{
    return c == 'q' || c == 'v' || c == 'w' || c == 's' || c == 'f' || c == 'p' || c == 'd';
}

/* An ASCII letter at i, starting a word. */
static size_t at_letter(scan *s, size_t i, bool link_start)
{
    const char *t = s->t;
    size_t e;
    bool ex;
    /* the word's run of letters, then of letters and digits (t[n] is the NUL: no bounds) */
    size_t lower_end = i;
    while (is_lower((unsigned char)t[lower_end]))
        lower_end++;
    size_t alnum_end = lower_end;
    while (is_alnum((unsigned char)t[alnum_end]))
        alnum_end++;
    if (link_start) {
        if (cue_applies(s, FJ_CUE_WECHAT, i, &ex) && (e = try_wechat(s, i, ex)))
            return e;
        /* an e-mail needs an @ after the run, a URL a dot in it or a scheme's colon; the run
         * (of e-mail local-part characters, at most 254) starts with the letters and digits */
        size_t k = alnum_end - i <= 254 ? alnum_end : i + 254;
        bool dot = false;
        while (k < s->n && is_local((unsigned char)t[k]) && k - i <= 253)
            dot |= t[k++] == '.';
        if (at(s, k) == '@' && (e = try_email(s, i)))
            return e;
        if ((dot || at(s, k) == ':') && (e = try_url(s, i)))
            return e;
    }
    const char *cur;
    unsigned char c = (unsigned char)t[i];
    if ((c == 'u' || c == 'r' || c == 'c') && currency_prefix(s, i, &cur) &&
        (e = try_money(s, i, false)))
        return e;
    if (lower_end - i <= 7 && cue_initial(c) && word_cue(s, i, lower_end))
        return s->cue_end;
    return alnum_end;
}

/* The bytes where something may start, a bit each: a number (digits), a word (a-z), a
 * placeholder (#), money ($), a phone number (+ and parenthesis) and every byte of a non-ASCII
 * character. The scan steps over the others (spaces, most punctuation) at once. */
#define BIT(c) (1ull << ((c)&63))
static const uint64_t may_start[4] = {
    BIT('#') | BIT('$') | BIT('(') | BIT('+') | 0x3FFull << ('0' & 63), /* 0x00-0x3F */
    0x3FFFFFFull << ('a' & 63),                                         /* 0x40-0x7F */
    ~0ull,
    ~0ull,
};

void fj__scan_begin(fj__scanner *s, fj__text *tx, const char *t, size_t n, bool money_field)
{
    *s = (fj__scanner){.tx = tx, .t = t, .n = n, .money_field = money_field};
    tx->sp_len = 0;
}

/* Whether a pending cue may still apply to a value at i or later (gap_ok: at most 24 bytes). */
static inline bool cue_pending(const scan *s, size_t i)
{
    return s->cue_kind != FJ_CUE_NONE && i <= s->cue_end + 24;
}

bool fj__scan_until(fj__scanner *sc, size_t limit)
{
    scan *s = sc;
    const char *t = s->t;
    size_t n = s->n, i = s->i;
    /* a money value after a cue is a typed token that starts at the cue: go on while a pending
     * money cue that starts before `limit` may still find its value */
    while (i < n && !s->fail &&
           (i < limit ||
            (s->cue_kind == FJ_CUE_MONEY && s->cue_start < limit && i <= s->cue_end + 24))) {
        unsigned char c = (unsigned char)t[i];
        if (!(may_start[c >> 6] >> (c & 63) & 1)) {
            i++;
            continue;
        }
        unsigned char prev = i ? (unsigned char)t[i - 1] : 0;
        size_t e = 0;
        if (c >= 0x80) {
            size_t k;
            uint32_t cp = cp_at(s, i, &k);
            if (cp == 0xA5 || cp == 0xA3 || cp == 0x20AC)
                e = try_money(s, i, cue_applies(s, FJ_CUE_MONEY, i, NULL));
            else if (s->tx->cue_mask[(cp & 1023) >> 6] >> (cp & 63) & 1)
                e = han_cue(s, i);
            i = e ? e : k;
            continue;
        }
        if (is_digit(c)) {
            bool cue_end = s->cue_kind && s->cue_end == i;
            bool in_number = is_alnum(prev) || prev == '.' ||
                             ((prev == ',' || prev == '-') && i > 1 && is_digit(t[i - 2]));
            if (cue_end || !in_number) {
                i = at_digit(s, i, cue_end || !is_local(prev));
                continue;
            }
        } else if (is_lower(c)) {
            if (!is_alnum(prev)) {
                i = at_letter(s, i, !is_local(prev));
                continue;
            }
        } else if (c == '#') {
            e = try_placeholder(s, i);
        } else if (c == '$') {
            e = try_money(s, i, cue_applies(s, FJ_CUE_MONEY, i, NULL));
        } else if ((c == '+' || c == '(') && !is_digit(prev)) {
            char ph[24];
            size_t pl;
            if ((e = try_phone(s, i, ph, &pl)))
                add(s, FJ_TOK_PHONE, i, i, e, ph, pl);
        }
        i = e ? e : i + 1;
    }
    s->i = i;
    return !s->fail;
}

bool fj__scan_inert(const char *t, size_t a, size_t b)
{
    /* no byte that starts a number, money, a phone number, a placeholder or a Han cue, and no
     * currency code (rmb 12: the amount follows the space): only words start here, and what
     * at_letter reads then stops at the space (or the end) after the chunk, which reads the
     * same as the end of the text */
    if (b <= a)
        return false;
    scan s = {.t = t, .n = b, .i = a, .dry = true};
    const char *cur;
    for (size_t k = a; k < b; k++) {
        unsigned char c = (unsigned char)t[k];
        if (c >= 0x80 || is_digit(c) || c == '$' || c == '+' || c == '(' || c == '#' ||
            (is_lower(c) && (k == a || !is_alnum((unsigned char)t[k - 1])) &&
             currency_prefix(&s, k, &cur)))
            return false;
    }
    /* so the chunk scanned on its own (a dry run: nothing recorded) shows what the scan does
     * at it anywhere: it must find nothing and leave no cue */
    fj__scan_until(&s, b);
    return !s.added && s.cue_kind == FJ_CUE_NONE && s.i == b;
}

bool fj__scan_skip(fj__scanner *s, size_t a, size_t b)
{
    size_t i = s->i;
    if (i + 1 == a && s->t[i] == ' ') /* the scan steps over a space */
        i = a;
    if (i != a || cue_pending(s, a))
        return false;
    s->i = b;
    return true;
}
