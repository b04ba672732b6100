/*
 * textdata.c - the word lists behind the typed tokens: contact and pay cues, free-mail
 * providers, link shorteners, and the top-level domains accepted for bare domains.
 *
 * Every entry is in normalized form (NFKC_Casefold + Simplified Chinese: lower-case ASCII,
 * half-width punctuation), because the scanner reads normalized text. Extend a list by adding
 * a line; keep each NULL-terminated.
 */
#include "text/text_impl.h"

#include <string.h>

/* Han cues: a QQ number, a WeChat id or an amount of money follows. */
const fj__cue fj__han_cues[] = {
    /* QQ */
    {"企鹅", FJ_CUE_QQ, 0},
    {"扣扣", FJ_CUE_QQ, 0},
    {"球球", FJ_CUE_QQ, 0},
    /* WeChat and its evasive spellings */
    {"微信", FJ_CUE_WECHAT, 0},
    {"薇信", FJ_CUE_WECHAT, 0},
    {"威信", FJ_CUE_WECHAT, 0},
    {"徽信", FJ_CUE_WECHAT, 0},
    {"微芯", FJ_CUE_WECHAT, 0},
    {"加微信", FJ_CUE_WECHAT, 0},
    {"加微", FJ_CUE_WECHAT, 0},
    {"加v", FJ_CUE_WECHAT, 0},
    /* pay with its period */
    {"日结", FJ_CUE_MONEY, FJ_PERIOD_DAY},
    {"日薪", FJ_CUE_MONEY, FJ_PERIOD_DAY},
    {"日入", FJ_CUE_MONEY, FJ_PERIOD_DAY},
    {"日赚", FJ_CUE_MONEY, FJ_PERIOD_DAY},
    {"时薪", FJ_CUE_MONEY, FJ_PERIOD_HOUR},
    {"周结", FJ_CUE_MONEY, FJ_PERIOD_WEEK},
    {"周薪", FJ_CUE_MONEY, FJ_PERIOD_WEEK},
    {"月薪", FJ_CUE_MONEY, FJ_PERIOD_MONTH},
    {"月入", FJ_CUE_MONEY, FJ_PERIOD_MONTH},
    {"月结", FJ_CUE_MONEY, FJ_PERIOD_MONTH},
    {"月收入", FJ_CUE_MONEY, FJ_PERIOD_MONTH},
    {"年薪", FJ_CUE_MONEY, FJ_PERIOD_YEAR},
    {"年收入", FJ_CUE_MONEY, FJ_PERIOD_YEAR},
    /* pay and fees without a period */
    {"底薪", FJ_CUE_MONEY, 0},
    {"工资", FJ_CUE_MONEY, 0},
    {"薪资", FJ_CUE_MONEY, 0},
    {"薪水", FJ_CUE_MONEY, 0},
    {"薪酬", FJ_CUE_MONEY, 0},
    {"收入", FJ_CUE_MONEY, 0},
    {"佣金", FJ_CUE_MONEY, 0},
    {"提成", FJ_CUE_MONEY, 0},
    {"押金", FJ_CUE_MONEY, 0},
    {"保证金", FJ_CUE_MONEY, 0},
    {"培训费", FJ_CUE_MONEY, 0},
    {"服装费", FJ_CUE_MONEY, 0},
    {"体检费", FJ_CUE_MONEY, 0},
    {"资料费", FJ_CUE_MONEY, 0},
    {"报名费", FJ_CUE_MONEY, 0},
    {"服务费", FJ_CUE_MONEY, 0},
    {"手续费", FJ_CUE_MONEY, 0},
    {"会员费", FJ_CUE_MONEY, 0},
    {"工本费", FJ_CUE_MONEY, 0},
    {"费用", FJ_CUE_MONEY, 0},
    {"奖金", FJ_CUE_MONEY, 0},
    {"补贴", FJ_CUE_MONEY, 0},
    {NULL, 0, 0},
};

/* ASCII cue words (matched as whole words: letters on neither side). "q" and "v" are handled
 * by the scanner with their context (q: / q号, 加v / +v / v信). */
const fj__cue fj__word_cues[] = {
    {"qq", FJ_CUE_QQ, 0},
    {"vx", FJ_CUE_WECHAT, 0},
    {"wx", FJ_CUE_WECHAT, 0},
    {"weixin", FJ_CUE_WECHAT, 0},
    {"wechat", FJ_CUE_WECHAT, 0},
    {"vchat", FJ_CUE_WECHAT, 0},
    {"salary", FJ_CUE_MONEY, 0},
    {"pay", FJ_CUE_MONEY, 0},
    {"fee", FJ_CUE_MONEY, 0},
    {"deposit", FJ_CUE_MONEY, 0},
    {NULL, 0, 0},
};

const char *const fj__freemail_domains[] = {
    /* China */
    "qq.com",
    "vip.qq.com",
    "foxmail.com",
    "163.com",
    "vip.163.com",
    "126.com",
    "yeah.net",
    "188.com",
    "sina.com",
    "sina.cn",
    "vip.sina.com",
    "sohu.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "aliyun.com",
    "tom.com",
    "21cn.com",
    /* elsewhere */
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "rocketmail.com",
    "aol.com",
    "aim.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "mail.com",
    "email.com",
    "usa.com",
    "gmx.com",
    "gmx.net",
    "gmx.de",
    "web.de",
    "protonmail.com",
    "proton.me",
    "pm.me",
    "tutanota.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "inbox.ru",
    "list.ru",
    "bk.ru",
    "zoho.com",
    "inbox.com",
    "hushmail.com",
    "fastmail.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "bellsouth.net",
    "cox.net",
    "earthlink.net",
    "juno.com",
    "naver.com",
    "hanmail.net",
    "rediffmail.com",
    "qmail.com",
    "mailinator.com",
    "guerrillamail.com",
    "10minutemail.com",
    "temp-mail.org",
    NULL,
};

/* Providers with one domain per country: "yahoo." matches yahoo.co.uk, yahoo.com.hk… */
const char *const fj__freemail_families[] = {
    "yahoo.", "hotmail.", "outlook.", "live.", "gmx.", "yandex.", NULL,
};

const char *const fj__shortener_hosts[] = {
    "bit.ly",     "bitly.com",  "t.cn",     "tinyurl.com", "goo.gl",     "ow.ly",    "is.gd",
    "v.gd",       "buff.ly",    "t.co",     "dwz.cn",      "url.cn",     "w.url.cn", "suo.im",
    "suo.nz",     "rebrand.ly", "cutt.ly",  "shorturl.at", "tiny.cc",    "rb.gy",    "s.id",
    "lnkd.in",    "t.ly",       "tiny.one", "bl.ink",      "short.io",   "x.co",     "0rz.tw",
    "reurl.cc",   "mrw.so",     "u.nu",     "qr.net",      "adf.ly",     "bc.vc",    "soo.gd",
    "clck.ru",    "shorte.st",  "cli.re",   "urlz.fr",     "tinycc.com", "dlvr.it",  "ift.tt",
    "tr.im",      "cort.as",    "j.mp",     "db.tt",       "qr.ae",      "po.st",    "y2u.be",
    "tinyurl.cn", "985.so",     "6du.in",   "sina.lt",     "m6z.cn",     "c7.gg",    NULL,
};

/* TLDs for a bare domain (no scheme, no www.): common ones that are not English words, so that
 * text missing the space after a full stop ("fees.Work", "team.It", "B.Tech") is not taken for
 * a URL. */
const char *const fj__bare_tlds[] = {
    "com", "net", "org", "edu", "gov", "mil",  "info", "biz",  "cn",   "hk", "tw",
    "mo",  "sg",  "jp",  "kr",  "uk",  "de",   "fr",   "ru",   "nl",   "ch", "se",
    "au",  "ca",  "nz",  "br",  "mx",  "io",   "ly",   "gl",   "gd",   "cc", "xyz",
    "top", "vip", "ltd", "icu", "ren", "wang", "xin",  "asia", "mobi", NULL,
};

/* Names that look like bare domains but are technologies. */
const char *const fj__not_domains[] = {
    "asp.net",
    "vb.net",
    "ado.net",
    NULL,
};

const char *const fj__period_names[] = {"", "hour", "day", "week", "month", "year", NULL};

bool fj__in_list(const char *const *list, const char *s, size_t len)
{
    if (len == 0) /* no list holds the empty string */
        return false;
    for (; *list; list++)
        if ((*list)[0] == s[0] && strlen(*list) == len && memcmp(*list, s, len) == 0)
            return true;
    return false;
}
