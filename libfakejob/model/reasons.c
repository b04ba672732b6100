/*
 * reasons.c - what a reason means to a moderator: the one table of human labels (Chinese and
 * English) of every reason kind, which reasons are absences (merged into one "missing
 * information" reason) or the same fact under two names, and which text n-grams carry no
 * meaning of their own (stop words, markup residue, single characters) and are never shown as
 * reasons. score.c builds the reasons with these; docs/reasons.md documents the same table.
 *
 * A name is looked up exactly first, then by the longest entry marked as a prefix ("word:",
 * "meta:salary_max" for "meta:salary_max_b3"). Text n-gram kinds have a label for each side:
 * "word:押金" toward fraud reads "wording often seen in fraudulent postings", toward legit
 * "... in genuine postings"; every other label says what the feature is, whatever its side.
 * All strings are static; nothing here allocates or keeps state.
 */
#include "model/model.h"

#include <string.h>

/* zh, en and "zh / en" of one label, from two literals */
#define L(zh, en) zh, en, zh " / " en
#define NOLEGIT NULL, NULL, NULL

typedef struct label_entry {
    const char *name;
    int prefix;          /* 1: the entry names every feature that starts with `name` */
    int kind;            /* fj__reason_kind */
    const char *same_as; /* the name of the fact this one repeats (NULL: itself) */
    const char *zh, *en, *both;
    const char *zh_legit, *en_legit, *both_legit; /* text n-grams toward legit (else NULL) */
} label_entry;

#define FLAG FJ__REASON_FLAG
#define ABSENT FJ__REASON_ABSENCE
#define META FJ__REASON_META
#define TEXT FJ__REASON_TEXT

static const label_entry table[] = {
    /* the red-flag signals (docs/signals.md), in fj_signal_name's order */
    {"upfront_fee", 0, FLAG, NULL, L("要求求职者付费", "Asks the applicant to pay"), NOLEGIT},
    {"vague_company", 0, FLAG, NULL, L("公司名称含糊或隐去", "Company name hidden or vague"),
     NOLEGIT},
    {"offsite_contact", 0, FLAG, NULL,
     L("要求转到私人联系方式", "Moves the contact to a personal channel"), NOLEGIT},
    {"personal_data", 0, FLAG, NULL, L("索要个人或财务信息", "Asks for personal or financial data"),
     NOLEGIT},
    {"pay_anomaly", 0, FLAG, NULL, L("薪酬异常", "Pay that does not add up"), NOLEGIT},
    {"pressure_language", 0, FLAG, NULL, L("催促或许诺轻松赚钱", "Pressure or easy-money language"),
     NOLEGIT},
    {"posting_age_days", 0, META, NULL,
     L("招聘信息已发布的时长", "How long the posting has been up"), NOLEGIT},
    {"reposts", 0, FLAG, NULL, L("反复发布", "Posted again and again"), NOLEGIT},
    {"repost_companies", 0, FLAG, NULL,
     L("以不同公司名义重复发布", "Reposted under different company names"), NOLEGIT},
    {"refresh_gap_days", 0, META, NULL, L("发布后刷新的间隔", "Time from posting to its refresh"),
     NOLEGIT},
    {"no_company_logo", 0, ABSENT, NULL, L("没有公司标志", "No company logo"), NOLEGIT},
    {"no_questions", 0, ABSENT, NULL, L("没有筛选问题", "No screening questions"), NOLEGIT},
    {"telecommuting", 0, FLAG, NULL, L("远程或在家工作", "Remote or work-from-home job"), NOLEGIT},
    {"openings_vs_size", 0, FLAG, NULL,
     L("招聘人数与公司规模不相称", "Openings out of proportion to the company's size"), NOLEGIT},
    {"low_response_rate", 0, FLAG, NULL, L("招聘方很少回复", "Employer rarely responds"), NOLEGIT},
    {"company_recent", 0, FLAG, NULL, L("公司成立不足一年", "Company founded less than a year ago"),
     NOLEGIT},
    {"invalid_registration", 0, FLAG, NULL,
     L("公司注册号无效", "Invalid company registration number"), NOLEGIT},
    {"missing_registration", 0, ABSENT, NULL,
     L("未提供公司注册号", "No company registration number"), NOLEGIT},
    {"company_unmentioned", 0, FLAG, NULL,
     L("正文未提及公司名称", "Company name not mentioned in the text"), NOLEGIT},
    {"short_profile", 0, ABSENT, NULL,
     L("公司简介缺失或过短", "Company profile missing or very short"), NOLEGIT},
    {"short_description", 0, ABSENT, NULL,
     L("职位描述缺失或过短", "Job description missing or very short"), NOLEGIT},
    {"short_requirements", 0, ABSENT, NULL,
     L("任职要求缺失或过短", "Requirements missing or very short"), NOLEGIT},
    {"freemail_contact", 0, FLAG, NULL,
     L("使用免费邮箱联系", "Contact through a free e-mail address"), NOLEGIT},
    {"money_in_title", 0, FLAG, NULL, L("标题中写薪酬", "Pay in the title"), NOLEGIT},
    {"external_apply", 0, FLAG, NULL, L("引导到站外申请", "Sends applicants elsewhere to apply"),
     NOLEGIT},
    {"task_scam", 0, FLAG, NULL, L("刷单或任务类诈骗用语", "Click-work or task-scam wording"),
     NOLEGIT},
    {"mlm", 0, FLAG, NULL, L("传销或多层次营销", "Multi-level marketing"), NOLEGIT},
    {"emphasized_text", 0, FLAG, NULL,
     L("大量大写字母或感叹号", "Shouting: capitals or exclamation marks"), NOLEGIT},
    {"title_duty_mismatch", 0, FLAG, NULL,
     L("职位名称与实际工作不符", "Job title does not match the duties"), NOLEGIT},
    {"always_hiring", 0, FLAG, NULL,
     L("长期招聘，职位似乎从不满员", "Always hiring: the job is never filled"), NOLEGIT},
    /* the merged reason of score.c */
    {FJ__MISSING_INFORMATION, 0, ABSENT, NULL, L("信息缺失", "Missing information"), NOLEGIT},
    /* facts of the metadata ("field:") */
    {"field:company_logo", 0, META, NULL, L("有公司标志", "Has a company logo"), NOLEGIT},
    {"field:no_company_logo", 0, ABSENT, "no_company_logo", L("没有公司标志", "No company logo"),
     NOLEGIT},
    {"field:screening_questions", 0, META, NULL, L("有筛选问题", "Has screening questions"),
     NOLEGIT},
    {"field:no_screening_questions", 0, ABSENT, "no_questions",
     L("没有筛选问题", "No screening questions"), NOLEGIT},
    {"field:telecommuting", 0, META, "telecommuting",
     L("远程或在家工作", "Remote or work-from-home job"), NOLEGIT},
    {"field:openings", 0, META, NULL, L("招聘人数", "Number of openings"), NOLEGIT},
    {"field:applicants", 0, META, NULL, L("申请人数", "Number of applicants"), NOLEGIT},
    {"field:response_rate", 0, META, NULL, L("招聘方的回复率", "Employer's response rate"),
     NOLEGIT},
    {"field:no_responses", 0, META, NULL, L("招聘方从未回复", "Employer never responded"), NOLEGIT},
    {"field:company_registration", 0, META, NULL,
     L("提供了公司注册号", "Company registration number given"), NOLEGIT},
    {"field:company_size", 0, META, NULL, L("写明了公司规模", "Company size given"), NOLEGIT},
    {"field:company_founded", 0, META, NULL, L("写明了公司成立时间", "Company founding date given"),
     NOLEGIT},
    {"field:description_length", 0, META, NULL, L("职位描述的长度", "Length of the description"),
     NOLEGIT},
    {"field:lang_zh", 0, META, NULL, L("中文招聘信息", "Posting in Chinese"), NOLEGIT},
    {"field:lang_en", 0, META, NULL, L("英文招聘信息", "Posting in English"), NOLEGIT},
    {"field:", 1, META, NULL, L("招聘信息的元数据", "Metadata of the posting"), NOLEGIT},
    /* parsed metadata of Chinese postings ("meta:"; "_bI" is the I-th range of a quantity) */
    {"meta:salary_negotiable", 0, META, NULL, L("薪资面议", "Salary \"negotiable\""), NOLEGIT},
    {"meta:salary_no_figure", 0, ABSENT, NULL, L("薪资未写明数额", "No salary figure given"),
     NOLEGIT},
    {"meta:salary_per_", 1, META, NULL, L("薪资的计算周期", "Pay period of the salary"), NOLEGIT},
    {"meta:salary_range", 0, META, NULL, L("薪资为区间", "Salary given as a range"), NOLEGIT},
    {"meta:salary_single", 0, META, NULL, L("薪资为单一数额", "Salary given as one figure"),
     NOLEGIT},
    {"meta:salary_max", 1, META, NULL, L("薪资上限（按月计）", "Top of the salary (monthly)"),
     NOLEGIT},
    {"meta:salary_ratio", 1, META, NULL, L("薪资区间的高低比", "Spread of the salary range"),
     NOLEGIT},
    {"meta:applicants_b", 1, META, NULL, L("申请人数", "Number of applicants"), NOLEGIT},
    {"meta:response_rate_b", 1, META, NULL, L("招聘方的回复率", "Employer's response rate"),
     NOLEGIT},
    {"meta:company_size_b", 1, META, NULL, L("公司规模", "Company size"), NOLEGIT},
    {"meta:openings_b", 1, META, NULL, L("招聘人数", "Number of openings"), NOLEGIT},
    {"meta:openings_per_size_b", 1, META, NULL,
     L("招聘人数与公司规模之比", "Openings per head of the company"), NOLEGIT},
    {"meta:company_age_b", 1, META, NULL,
     L("发布时公司已成立的年限", "Age of the company when posting"), NOLEGIT},
    {"meta:title_len_b", 1, META, NULL, L("标题的长度", "Length of the title"), NOLEGIT},
    {"meta:description_len_b", 1, META, NULL, L("职位描述的长度", "Length of the description"),
     NOLEGIT},
    {"meta:profile_len_b", 1, META, NULL, L("公司简介的长度", "Length of the company profile"),
     NOLEGIT},
    {"meta:requirements_len_b", 1, META, NULL, L("任职要求的长度", "Length of the requirements"),
     NOLEGIT},
    {"meta:benefits_len_b", 1, META, NULL, L("福利待遇的长度", "Length of the benefits"), NOLEGIT},
    {"meta:", 1, META, NULL, L("招聘信息的元数据", "Metadata of the posting"), NOLEGIT},
    /* text n-grams: the kind, and the side the model learned it on */
    {"word:", 1, TEXT, NULL, L("常见于虚假招聘的用语", "Wording often seen in fraudulent postings"),
     L("常见于正规招聘的用语", "Wording often seen in genuine postings")},
    {"bigram:", 1, TEXT, NULL,
     L("常见于虚假招聘的中文字词", "Chinese wording often seen in fraudulent postings"),
     L("常见于正规招聘的中文字词", "Chinese wording often seen in genuine postings")},
    {"title:", 1, TEXT, NULL,
     L("常见于虚假招聘的职位名称用语", "Title wording often seen in fraudulent postings"),
     L("常见于正规招聘的职位名称用语", "Title wording often seen in genuine postings")},
    {"pair:", 1, TEXT, NULL, L("常见于虚假招聘的词组", "Phrase often seen in fraudulent postings"),
     L("常见于正规招聘的词组", "Phrase often seen in genuine postings")},
    {"token:", 1, TEXT, NULL,
     L("常见于虚假招聘的聊天账号、电话、邮箱、链接、金额或表情符号",
       "Chat ID, phone, e-mail, link, amount or emoji often seen in fraudulent postings"),
     L("常见于正规招聘的聊天账号、电话、邮箱、链接、金额或表情符号",
       "Chat ID, phone, e-mail, link, amount or emoji often seen in genuine postings")},
    {"place:", 1, TEXT, NULL,
     L("常见于虚假招聘的工作地点", "Location often seen in fraudulent postings"),
     L("常见于正规招聘的工作地点", "Location often seen in genuine postings")},
    {"employment:", 1, TEXT, NULL,
     L("常见于虚假招聘的用工类型", "Employment type often seen in fraudulent postings"),
     L("常见于正规招聘的用工类型", "Employment type often seen in genuine postings")},
};

/* A name the table does not know (a feature of a newer model): said so, never left blank. */
static const label_entry unknown = {
    "", 1, META, NULL, L("模型考虑的其他特征", "Another feature the model weighs"), NOLEGIT};

static const label_entry *lookup(const char *name, size_t len)
{
    const label_entry *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const label_entry *e = &table[i];
        if (len == 0 || e->name[0] != name[0]) /* most entries end here */
            continue;
        size_t n = strlen(e->name);
        if (!e->prefix && n == len && memcmp(e->name, name, len) == 0)
            return e;
        if (e->prefix && n <= len && n > best_len && memcmp(e->name, name, n) == 0)
            best = e, best_len = n;
    }
    return best ? best : &unknown;
}

int fj__reason_kind(const char *name, size_t len, const char **canonical)
{
    const label_entry *e = lookup(name, len);
    if (canonical)
        *canonical = e->same_as ? e->same_as : e->prefix ? NULL : e->name;
    return e->kind;
}

const char *fj_reason_label(const char *signal, int toward_fraud, fj_lang lang)
{
    if (!signal)
        return NULL;
    const label_entry *e = lookup(signal, strlen(signal));
    bool legit = !toward_fraud && e->both_legit;
    switch (lang) {
    case FJ_LANG_ZH:
        return legit ? e->zh_legit : e->zh;
    case FJ_LANG_EN:
        return legit ? e->en_legit : e->en;
    default:
        return legit ? e->both_legit : e->both;
    }
}

bool fj__reason_label_known(const char *signal)
{
    return signal && lookup(signal, strlen(signal)) != &unknown;
}

/* ---- n-grams that say nothing by themselves ---- */

/* Function words (and their Snowball stems where they differ), markup residue (the names of
 * HTML entities left in imported text: "&amp;" gives "amp": amp, apos, bull, gt, hellip, ldquo,
 * lsquo, lt, mdash, middot, nbsp, ndash, quot, rdquo, rsquo), and Chinese function words, in
 * memcmp order (a shorter word before the longer ones it starts; checked by
 * fj__reason_stop_words_sorted) for a binary search. A word of one character (a letter, a
 * digit, one Han character) is never informative either: that rule needs no list. Chinese
 * particles are below. */
static const char *const stop_words[] = {
    "a",     "about",  "abov",     "above",    "after",      "again",    "all",        "also",
    "am",    "amp",    "an",       "and",      "ani",        "any",      "apos",       "are",
    "as",    "at",     "be",       "becaus",   "because",    "been",     "befor",      "before",
    "being", "below",  "between",  "both",     "bull",       "but",      "by",         "can",
    "could", "did",    "do",       "doe",      "does",       "doing",    "don",        "down",
    "dure",  "during", "each",     "etc",      "few",        "for",      "from",       "further",
    "gt",    "had",    "has",      "have",     "having",     "he",       "hellip",     "her",
    "here",  "hers",   "herself",  "him",      "himself",    "his",      "how",        "i",
    "if",    "in",     "into",     "is",       "it",         "its",      "itself",     "just",
    "ldquo", "ll",     "lsquo",    "lt",       "may",        "mdash",    "me",         "middot",
    "might", "more",   "most",     "must",     "my",         "myself",   "nbsp",       "ndash",
    "no",    "nor",    "not",      "of",       "off",        "on",       "onc",        "once",
    "onli",  "only",   "or",       "other",    "our",        "ours",     "ourselv",    "ourselves",
    "out",   "over",   "own",      "per",      "quot",       "rdquo",    "re",         "rsquo",
    "same",  "shall",  "she",      "should",   "so",         "some",     "such",       "than",
    "that",  "the",    "their",    "theirs",   "them",       "themselv", "themselves", "then",
    "there", "these",  "they",     "this",     "those",      "through",  "to",         "too",
    "under", "until",  "up",       "us",       "ve",         "veri",     "very",       "via",
    "was",   "we",     "were",     "what",     "when",       "where",    "which",      "while",
    "who",   "whom",   "whose",    "why",      "will",       "with",     "would",      "you",
    "your",  "yours",  "yourself", "yourselv", "yourselves", "一个",     "之一",       "什么",
    "他们",  "以及",   "但是",     "你们",     "其他",       "可以",     "因为",       "如果",
    "就是",  "并且",   "您的",     "我们",     "我们的",     "或者",     "所以",       "而且",
    "自己",  "还是",   "这个",     "这些",     "进行",       "那个",     "那些"};
#define STOP_WORDS (sizeof stop_words / sizeof *stop_words)

/* Chinese particles that only mark grammar: a Han bigram holding one is a fragment across two
 * words ("的工" of 我们的工作), not a word. */
static const char *const zh_particles[] = {"的", "吗", "呢", "吧", "啊", "呀", "哦", "么"};

/* memcmp order of the word e (NUL-terminated) against w[0, n), the shorter first on a tie. */
static int word_cmp(const char *e, const char *w, size_t n)
{
    size_t el = strlen(e);
    int c = memcmp(e, w, el < n ? el : n);
    return c ? c : (el > n) - (el < n);
}

static bool stop_word(const char *w, size_t n)
{
    size_t lo = 0, hi = STOP_WORDS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = word_cmp(stop_words[mid], w, n);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool fj__reason_stop_words_sorted(void)
{
    for (size_t i = 1; i < STOP_WORDS; i++)
        if (word_cmp(stop_words[i - 1], stop_words[i], strlen(stop_words[i])) >= 0)
            return false;
    return true;
}

static size_t codepoints(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* A word says something: two characters or more and not a stop word. */
static bool word_informative(const char *w, size_t n)
{
    return codepoints(w, n) >= 2 && !stop_word(w, n);
}

bool fj__reason_informative(const char *name, size_t len)
{
    static const char *const ngram[] = {
        "word:", "title:", "bigram:", "pair:", "place:", "employment:"};
    size_t p = 0;
    for (size_t i = 0; i < sizeof ngram / sizeof *ngram && !p; i++)
        if (len >= strlen(ngram[i]) && memcmp(name, ngram[i], strlen(ngram[i])) == 0)
            p = strlen(ngram[i]);
    if (len == 9 && memcmp(name, "token:num", 9) == 0)
        return false; /* a bare number ("2", "401"): what it counts is in the words around it */
    if (!p)
        return true; /* signals, metadata, the other typed tokens: informative by what they are */
    const char *t = name + p;
    size_t n = len - p;
    if (codepoints(t, n) == 2)
        for (size_t i = 0; i < sizeof zh_particles / sizeof *zh_particles; i++) {
            size_t m = strlen(zh_particles[i]);
            if (n >= m &&
                (memcmp(t, zh_particles[i], m) == 0 || memcmp(t + n - m, zh_particles[i], m) == 0))
                return false;
        }
    /* every word of a phrase must say something: "pair:oil and" is a fragment ("word:oil" is
     * the reason) */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || t[i] == ' ') {
            if (!word_informative(t + start, i - start))
                return false;
            start = i + 1;
        }
    return true;
}
