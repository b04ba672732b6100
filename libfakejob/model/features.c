/*
 * features.c - the feature space of a model and the vectorization of postings in it.
 *
 * Features of a posting (the same code at training and at scoring time):
 *   text n-grams from the tokens of the posting's analysis (text/analysis.h):
 *     "word:W"    a word (English stemmed, Han words from the dictionary), any text field
 *     "bigram:XY" two adjacent Han characters
 *     "title:W"   a word or bigram of the title (the title weighs more than the body)
 *     "pair:A B"  two adjacent words of one field, separated by nothing but spaces or hyphens
 *     "token:K"   a typed token of kind K (qq, wechat, phone, freemail, money, shorturl, …)
 *   valued (1 + ln tf) * idf, the text block L2-normalized;
 *   dense features, valued sign(v) * log1p(|v|) / scale (scale: the training maximum divided
 *   by the part's dense weight, fakejob train --dense-weight), clamped:
 *     the signals of fj_signals under their own names (upfront_fee, reposts, …), and
 *     "field:…" facts of the metadata (company_logo, no_company_logo, openings, …), and
 *     for Chinese postings, "meta:…" one-hot buckets of parsed metadata (ORFD's labels follow
 *     58同城's metadata; in English, EMSCAD's salary and length patterns only taught the model
 *     to distrust complete honest postings), so that a linear model can weigh ranges
 *     rather than a single slope: the salary (pay period, single figure or range, monthly
 *     maximum, max/min ratio, 面议/negotiable), applicants, response rate, openings, company
 *     size (the upper figure of "50-99人"), openings per company size, company age at posting,
 *     and the lengths in characters of title, description, profile, requirements, benefits
 *     when present ("meta:NAME_bI": the I-th bucket of NAME).
 *
 * PART.features.tsv (UTF-8, one record a line, tab-separated; names escape \\, \t, \n, \r):
 *   fakejob-features<TAB>1
 *   features<TAB>N<TAB>N_DENSE
 *   d<TAB>SCALE<TAB>NAME      N_DENSE lines, dense features
 *   t<TAB>IDF<TAB>NAME        N - N_DENSE lines, text features
 *   end
 * Feature i (0-based, in file order) is libsvm's index i + 1.
 */
#include "core/json.h"
#include "model/model.h"
#include "signals/signals.h"
#include "text/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- hashing names given as pieces, so lookups never build strings ---- */

typedef struct piece {
    const char *s;
    size_t n;
    uint64_t after; /* when nonzero, the hash state after this piece (a prefix hashed once) */
} piece;

#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* FNV-1a over n bytes from state h (four bytes a round: fewer loop steps, same result). */
static inline uint64_t fnv_run(uint64_t h, const char *str, size_t n)
{
    const unsigned char *p = (const unsigned char *)str;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        h = (h ^ p[i]) * FNV_PRIME;
        h = (h ^ p[i + 1]) * FNV_PRIME;
        h = (h ^ p[i + 2]) * FNV_PRIME;
        h = (h ^ p[i + 3]) * FNV_PRIME;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

/* `pc` with its hash state filled in, for a prefix used in many names. */
static piece prehashed(piece pc)
{
    pc.after = fnv_run(FNV_BASIS, pc.s, pc.n);
    return pc;
}

static uint64_t hash_pieces(const piece *pc, int np)
{
    uint64_t h = FNV_BASIS;
    int k = 0;
    if (np > 0 && pc[0].after) {
        h = pc[0].after;
        k = 1;
    }
    for (; k < np; k++)
        h = fnv_run(h, pc[k].s, pc[k].n);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static size_t pieces_len(const piece *pc, int np)
{
    size_t n = 0;
    for (int k = 0; k < np; k++)
        n += pc[k].n;
    return n;
}

static bool pieces_eq(const char *name, size_t len, const piece *pc, int np)
{
    if (len != pieces_len(pc, np))
        return false;
    for (int k = 0; k < np; k++) {
        if (pc[k].n && memcmp(name, pc[k].s, pc[k].n) != 0)
            return false;
        name += pc[k].n;
    }
    return true;
}

/* ---- feature spaces ---- */

void fj__fspace_free(fj__fspace *fs)
{
    if (!fs)
        return;
    free(fs->names);
    free(fs->name_off);
    free(fs->name_len);
    free(fs->param);
    free(fs->slot_hash);
    free(fs->slot_idx);
    memset(fs, 0, sizeof *fs);
}

/* A probe compares (hash, index) slots only and never reads the names: the names of a space
 * have distinct 64-bit hashes (fs_index refuses a space where two share one; a binary model
 * holds the table fs_index built), and a text n-gram outside the vocabulary that hashes like one
 * of its n names has odds of n / 2^64 (below 1e-13 for the default model) per lookup. */
static long fs_lookup(const fj__fspace *fs, const piece *pc, int np)
{
    if (!fs->slot_idx)
        return -1;
    uint64_t h = hash_pieces(pc, np);
    for (size_t i = h & fs->mask;; i = (i + 1) & fs->mask) {
        uint32_t idx = fs->slot_idx[i];
        if (!idx)
            return -1;
        if (fs->slot_hash[i] == h)
            return (long)idx - 1;
    }
}

long fj__fspace_find(const fj__fspace *fs, const char *name, size_t len)
{
    piece pc = {name, len, 0};
    return fs_lookup(fs, &pc, 1);
}

/* Build the hash table over fs->names; false on a duplicate name or two names of one hash
 * (fs_lookup compares hashes only), or no memory (*nomem). */
static bool fs_index(fj__fspace *fs, bool *nomem)
{
    size_t cap = 16;
    while (cap < fs->n * 2 + 2)
        cap *= 2;
    *nomem = false;
    fs->slot_hash = calloc(cap, sizeof *fs->slot_hash);
    fs->slot_idx = calloc(cap, sizeof *fs->slot_idx);
    if (!fs->slot_hash || !fs->slot_idx) {
        *nomem = true;
        return false;
    }
    fs->mask = cap - 1;
    for (size_t f = 0; f < fs->n; f++) {
        piece pc = {fs->names + fs->name_off[f], fs->name_len[f], 0};
        uint64_t h = hash_pieces(&pc, 1);
        size_t i = h & fs->mask;
        while (fs->slot_idx[i]) {
            if (fs->slot_hash[i] == h)
                return false;
            i = (i + 1) & fs->mask;
        }
        fs->slot_hash[i] = h;
        fs->slot_idx[i] = (uint32_t)f + 1;
    }
    return true;
}

static bool put_escaped(fj_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *e = NULL;
        switch (s[i]) {
        case '\\':
            e = "\\\\";
            break;
        case '\t':
            e = "\\t";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        default:
            break;
        }
        if (!(e ? fj__buf_append(b, e, 2) : fj__buf_append(b, s + i, 1)))
            return false;
    }
    return true;
}

bool fj__fspace_write(const fj__fspace *fs, fj_buf *out)
{
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return false;
    bool ok = fj__buf_printf(out, "fakejob-features\t%d\nfeatures\t%zu\t%zu\n", FJ__FEATURES_FORMAT,
                             fs->n, fs->n_dense);
    for (size_t f = 0; ok && f < fs->n; f++) {
        char num[FJ__NUM_BUF];
        fj__fmt_double(fs->param[f], num);
        ok = fj__buf_printf(out, "%c\t%s\t", f < fs->n_dense ? 'd' : 't', num) &&
             put_escaped(out, fs->names + fs->name_off[f], fs->name_len[f]) &&
             fj__buf_append(out, "\n", 1);
    }
    ok = ok && fj__buf_append(out, "end\n", 4);
    fj__cnum_end(&cn);
    return ok;
}

/* A cursor over the lines of a file held in memory. */
typedef struct lines {
    const char *p, *end;
    long long lineno;
} lines;

static bool next_line(lines *L, const char **s, size_t *n)
{
    if (L->p >= L->end)
        return false;
    const char *nl = memchr(L->p, '\n', (size_t)(L->end - L->p));
    if (!nl)
        return false; /* every record ends with a newline: a missing one is truncation */
    *s = L->p;
    *n = (size_t)(nl - L->p);
    L->p = nl + 1;
    L->lineno++;
    return true;
}

static fj_status bad(fj_error *err, const char *file, long long line, const char *what)
{
    return fj__error_at(err, FJ_ERR_MODEL, file, line, "%s", what);
}

/* Parse a finite double from exactly s[0..n) (C locale already in effect). */
static bool parse_num(const char *s, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    double d = strtod(tmp, &end);
    if (end != tmp + n || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static bool parse_size(const char *s, size_t n, size_t *out)
{
    if (n == 0 || n > 12)
        return false;
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

#define FJ__MAX_FEATURES 20000000u

fj_status fj__fspace_parse(fj__fspace *fs, const char *data, size_t len, const char *file,
                           fj_error *err)
{
    memset(fs, 0, sizeof *fs);
    lines L = {data, data + len, 0};
    const char *s;
    size_t n;
    char head[64];
    if (!next_line(&L, &s, &n))
        return bad(err, file, 1, "empty or truncated");
    if (n < 17 || memcmp(s, "fakejob-features\t", 17) != 0)
        return bad(err, file, 1, "not a features file (no 'fakejob-features' header)");
    /* formats 1..FJ__FEATURES_FORMAT are read: an older space lacks the names newer extraction
     * adds, which then simply find no weight */
    bool known = false;
    for (int v = 1; v <= FJ__FEATURES_FORMAT && !known; v++) {
        snprintf(head, sizeof head, "fakejob-features\t%d", v);
        known = n == strlen(head) && memcmp(s, head, n) == 0;
    }
    if (!known)
        return fj__error(err, FJ_ERR_VERSION, NULL, -1, 1,
                         "%s:1: features format '%.*s' is not one this library reads (1 to %d)",
                         file, (int)(n > 40 ? 40 : n - 17), s + 17, FJ__FEATURES_FORMAT);
    if (!next_line(&L, &s, &n))
        return bad(err, file, 2, "truncated before the 'features' line");
    const char *t1 = n > 9 ? memchr(s + 9, '\t', n - 9) : NULL;
    size_t total = 0, dense = 0;
    if (n < 9 || memcmp(s, "features\t", 9) != 0 || !t1 ||
        !parse_size(s + 9, (size_t)(t1 - s - 9), &total) ||
        !parse_size(t1 + 1, (size_t)(s + n - t1 - 1), &dense) || dense > total ||
        total > FJ__MAX_FEATURES)
        return bad(err, file, 2, "bad 'features N N_DENSE' line");
    /* each feature takes at least 6 bytes: refuse counts the file cannot hold before
     * allocating for them */
    if (total > len / 6)
        return bad(err, file, 2, "feature count larger than the file can hold (truncated?)");
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return fj__errorf(err, FJ_ERR_INTERNAL, "cannot create the C numeric locale");
    fj_status st = FJ_OK;
    fs->n = total;
    fs->n_dense = dense;
    fs->name_off = malloc((total + 1) * sizeof *fs->name_off);
    fs->name_len = malloc((total + 1) * sizeof *fs->name_len);
    fs->param = malloc((total + 1) * sizeof *fs->param);
    fj_buf names = {0};
    if (!fs->name_off || !fs->name_len || !fs->param || !fj__buf_reserve(&names, len)) {
        st = fj__nomem(err);
        goto out;
    }
    for (size_t f = 0; f < total; f++) {
        if (!next_line(&L, &s, &n)) {
            st = bad(err, file, L.lineno + 1, "truncated: fewer features than announced");
            goto out;
        }
        char want = f < dense ? 'd' : 't';
        const char *t2 = n > 2 ? memchr(s + 2, '\t', n - 2) : NULL;
        double v;
        if (n < 2 || s[0] != want || s[1] != '\t' || !t2 ||
            !parse_num(s + 2, (size_t)(t2 - s - 2), &v) || !(v > 0)) {
            st = bad(err, file, L.lineno,
                     want == 'd' ? "bad dense feature record (want 'd SCALE NAME', SCALE > 0)"
                                 : "bad text feature record (want 't IDF NAME', IDF > 0)");
            goto out;
        }
        fs->param[f] = v;
        fs->name_off[f] = (uint32_t)names.len;
        const char *q = t2 + 1, *e = s + n;
        if (q == e) {
            st = bad(err, file, L.lineno, "empty feature name");
            goto out;
        }
        for (; q < e; q++) {
            char c = *q;
            if (c == '\\') {
                if (++q == e) {
                    st = bad(err, file, L.lineno, "bad escape in feature name");
                    goto out;
                }
                c = *q == 't' ? '\t' : *q == 'n' ? '\n' : *q == 'r' ? '\r' : *q == '\\' ? '\\' : 0;
                if (!c) {
                    st = bad(err, file, L.lineno, "bad escape in feature name");
                    goto out;
                }
            } else if (c == '\0' || c == '\t' || c == '\r') {
                st = bad(err, file, L.lineno, "control character in feature name");
                goto out;
            }
            names.data[names.len++] = c;
        }
        fs->name_len[f] = (uint32_t)(names.len - fs->name_off[f]);
        names.data[names.len++] = '\0';
        if (fj__utf8_check(names.data + fs->name_off[f], fs->name_len[f], true) < 0) {
            st = bad(err, file, L.lineno, "feature name is not valid UTF-8");
            goto out;
        }
    }
    if (!next_line(&L, &s, &n) || n != 3 || memcmp(s, "end", 3) != 0) {
        st = bad(err, file, L.lineno + 1, "truncated: no 'end' line after the features");
        goto out;
    }
    if (L.p != L.end) {
        st = bad(err, file, L.lineno + 1, "trailing data after 'end'");
        goto out;
    }
    fs->names = names.data;
    fs->names_len = names.len;
    names.data = NULL;
    bool nomem;
    if (!fs_index(fs, &nomem))
        st = nomem ? fj__nomem(err)
                   : bad(err, file, 0, "duplicate feature name (or two names of one hash)");
out:
    fj__cnum_end(&cn);
    fj__buf_free(&names);
    if (st != FJ_OK)
        fj__fspace_free(fs);
    return st;
}

/* ---- extraction: one walk over a posting, reporting features to a sink ---- */

typedef struct sink {
    /* a text feature named by pieces, first seen at bytes [start, end) of `field` */
    fj_status (*text)(void *u, const piece *pc, int np, int field, uint32_t start, uint32_t end);
    /* a dense feature with its raw value and evidence (may be NULL) */
    fj_status (*dense)(void *u, const char *name, size_t name_len, double value,
                       const char *evidence, size_t evidence_len);
} sink;

/* Whether a word token is one Han character (a word of FJ_SEG_HAN_UNIGRAM). */
static bool han_char(const fj_token *t)
{
    if (t->len < 3 || t->len > 4)
        return false;
    size_t i = 0;
    uint32_t cp = fj__utf8_next(t->text, t->len, &i);
    return i == t->len && fj__is_han(cp);
}

static bool is_joiner_gap(const char *s, size_t a, size_t b)
{
    if (b < a || b - a > 3)
        return false;
    for (size_t i = a; i < b; i++)
        if (s[i] != ' ' && s[i] != '-')
            return false;
    return true;
}

#define P(lit) ((piece){lit, sizeof lit - 1, 0})

static fj_status dense_lit(const sink *k, void *u, const char *name, double v)
{
    if (v == 0)
        return FJ_OK;
    return k->dense(u, name, strlen(name), v, NULL, 0);
}

static bool empty_field(const fj_posting *p, fj_field f)
{
    size_t n = 0;
    const char *s = fj_posting_string(p, f, &n);
    if (!s)
        return true;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

/* "field:" facts of the posting's metadata. The absence of an optional field is not a feature:
 * which fields a posting has says more about where it was exported from (EMSCAD has no company
 * column, ORFD no employment type, a pasted ad has no profile) than about fraud, and a model
 * that learned it flagged short honest postings. A missing company is left to the vague_company
 * signal. */
static fj_status field_features(const sink *k, void *u, const fj__analysis *an)
{
    const fj_posting *p = an->posting;
    fj_lang lang = an->lang;
    fj_status st = FJ_OK;
    int b;
    if (st == FJ_OK && fj_posting_bool(p, FJ_FIELD_HAS_COMPANY_LOGO, &b))
        st = dense_lit(k, u, b ? "field:company_logo" : "field:no_company_logo", 1);
    if (st == FJ_OK && fj_posting_bool(p, FJ_FIELD_HAS_QUESTIONS, &b))
        st = dense_lit(k, u, b ? "field:screening_questions" : "field:no_screening_questions", 1);
    if (st == FJ_OK && fj_posting_bool(p, FJ_FIELD_TELECOMMUTING, &b))
        st = dense_lit(k, u, "field:telecommuting", b);
    int64_t n;
    if (st == FJ_OK && fj_posting_int(p, FJ_FIELD_OPENINGS, &n))
        st = dense_lit(k, u, "field:openings", (double)n);
    if (st == FJ_OK && fj_posting_int(p, FJ_FIELD_APPLICANTS, &n))
        st = dense_lit(k, u, "field:applicants", (double)n);
    double d;
    if (st == FJ_OK && fj_posting_number(p, FJ_FIELD_RESPONSE_RATE, &d)) {
        st = dense_lit(k, u, "field:response_rate", d);
        if (st == FJ_OK && d == 0)
            st = dense_lit(k, u, "field:no_responses", 1);
    }
    if (st == FJ_OK && !empty_field(p, FJ_FIELD_COMPANY_REGISTRATION))
        st = dense_lit(k, u, "field:company_registration", 1);
    if (st == FJ_OK && !empty_field(p, FJ_FIELD_COMPANY_SIZE))
        st = dense_lit(k, u, "field:company_size", 1);
    if (st == FJ_OK && an->has_founded)
        st = dense_lit(k, u, "field:company_founded", 1);
    size_t dl = 0;
    fj_posting_string(p, FJ_FIELD_DESCRIPTION, &dl);
    if (st == FJ_OK)
        st = dense_lit(k, u, "field:description_length", (double)dl / 100.0);
    if (st == FJ_OK)
        st = dense_lit(k, u, lang == FJ_LANG_ZH ? "field:lang_zh" : "field:lang_en", 1);
    return st;
}

/* ---- metadata facts: parsed pay, counts and sizes as one-hot buckets ---- */

/* The bucket of v among ascending upper bounds: "PREFIX<i>" for the first bound v is below,
 * "PREFIX<n>" above them all. */
static fj_status bucket(const sink *k, void *u, const char *prefix, double v, const double *bound,
                        int n)
{
    int i = 0;
    while (i < n && v >= bound[i])
        i++;
    char name[64];
    snprintf(name, sizeof name, "%s%d", prefix, i);
    return dense_lit(k, u, name, 1);
}

/* The salary field (the analysis' fj__salary_read): its pay period, range, monthly maximum
 * and width, as buckets. */
static fj_status salary_features(const sink *k, void *u, const fj__analysis *an)
{
    if (!an->has_salary)
        return FJ_OK;
    const fj__salary *sa = &an->salary;
    fj_status st = FJ_OK;
    if (sa->negotiable)
        st = dense_lit(k, u, "meta:salary_negotiable", 1);
    if (st != FJ_OK || sa->figures == 0)
        return st == FJ_OK ? dense_lit(k, u, "meta:salary_no_figure", 1) : st;
    double lo = sa->lo, hi = sa->hi;
    fj__period per = sa->period;
    if (per == FJ_PERIOD_NONE) /* no period named: a large figure is yearly */
        per = hi >= 20000 ? FJ_PERIOD_YEAR : FJ_PERIOD_MONTH;
    static const char *const period_names[] = {[FJ_PERIOD_HOUR] = "meta:salary_per_hour",
                                               [FJ_PERIOD_DAY] = "meta:salary_per_day",
                                               [FJ_PERIOD_WEEK] = "meta:salary_per_week",
                                               [FJ_PERIOD_MONTH] = "meta:salary_per_month",
                                               [FJ_PERIOD_YEAR] = "meta:salary_per_year"};
    st = dense_lit(k, u, period_names[per], 1);
    if (st == FJ_OK)
        st = dense_lit(k, u, sa->figures > 1 ? "meta:salary_range" : "meta:salary_single", 1);
    double mhi = fj__monthly(hi, per);
    static const double mb[] = {2000, 3000, 4000, 5000, 6000, 8000, 10000, 15000, 25000, 50000};
    if (st == FJ_OK)
        st = bucket(k, u, "meta:salary_max_b", mhi, mb, (int)(sizeof mb / sizeof mb[0]));
    if (st == FJ_OK)
        st = dense_lit(k, u, "meta:salary_max", mhi / 1000.0);
    if (st == FJ_OK && lo > 0 && sa->figures > 1) {
        static const double rb[] = {1.01, 1.3, 1.6, 2.01, 3.01, 5.01};
        st = bucket(k, u, "meta:salary_ratio_b", hi / lo, rb, (int)(sizeof rb / sizeof rb[0]));
        if (st == FJ_OK)
            st = dense_lit(k, u, "meta:salary_ratio", hi / lo - 1);
    }
    return st;
}

/* The length of a text field in characters (UTF-8 lead bytes). */
static size_t field_chars(const fj_posting *p, fj_field f)
{
    size_t n = 0, c = 0;
    const char *s = fj_posting_string(p, f, &n);
    for (size_t i = 0; s && i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static fj_status meta_features(const sink *k, void *u, const fj__analysis *an)
{
    const fj_posting *p = an->posting;
    fj_status st = salary_features(k, u, an);
    int64_t n;
    if (st == FJ_OK && fj_posting_int(p, FJ_FIELD_APPLICANTS, &n)) {
        static const double b[] = {1, 10, 50, 200, 1000, 5000};
        st = bucket(k, u, "meta:applicants_b", (double)n, b, 6);
    }
    double d;
    if (st == FJ_OK && fj_posting_number(p, FJ_FIELD_RESPONSE_RATE, &d)) {
        static const double b[] = {0.001, 0.2, 0.4, 0.6, 0.8, 0.95, 0.999};
        st = bucket(k, u, "meta:response_rate_b", d, b, 7);
    }
    double size = an->company_size;
    if (st == FJ_OK && size > 0) {
        static const double b[] = {10, 50, 100, 500, 1000};
        st = bucket(k, u, "meta:company_size_b", size, b, 5);
    }
    if (st == FJ_OK && fj_posting_int(p, FJ_FIELD_OPENINGS, &n)) {
        static const double b[] = {2, 4, 10, 30, 100};
        st = bucket(k, u, "meta:openings_b", (double)n, b, 5);
        if (st == FJ_OK && size > 0) {
            static const double rb[] = {0.01, 0.05, 0.2, 0.5, 1.0};
            st = bucket(k, u, "meta:openings_per_size_b", (double)n / size, rb, 5);
        }
    }
    int64_t founded = an->company_founded, at;
    if (st == FJ_OK && an->has_founded &&
        ((an->has_posted && (at = an->posted_at, true)) ||
         fj_posting_time(p, FJ_FIELD_OBSERVED_AT, &at))) {
        static const double b[] = {0, 1, 2, 3, 5, 10, 20};
        st = bucket(k, u, "meta:company_age_b", (double)(at - founded) / (365.25 * 86400), b, 7);
    }
    static const struct {
        fj_field f;
        const char *prefix;
    } lens[] = {
        {FJ_FIELD_TITLE, "meta:title_len_b"},
        {FJ_FIELD_DESCRIPTION, "meta:description_len_b"},
        {FJ_FIELD_COMPANY_PROFILE, "meta:profile_len_b"},
        {FJ_FIELD_REQUIREMENTS, "meta:requirements_len_b"},
        {FJ_FIELD_BENEFITS, "meta:benefits_len_b"},
    };
    static const double lb[] = {1, 10, 30, 80, 200, 500, 1500};
    for (size_t i = 0; st == FJ_OK && i < sizeof lens / sizeof lens[0]; i++) {
        size_t c = field_chars(p, lens[i].f);
        if (c) /* absent fields say nothing (see field_features) */
            st = bucket(k, u, lens[i].prefix, (double)c, lb, 7);
    }
    return st;
}

/* The parts of a short structured field (a location "US, TX, Houston" or ORFD's
 * "北京_昌平_回龙观_…", an employment type "Full-time"), normalized like posting text (NFKC case
 * folding, so "ＵＳ，ＴＸ" is "us,tx"; Traditional to Simplified), as text features "PREFIXpart":
 * which places and contract types scams cluster in. Parts are cut at commas, underscores,
 * slashes, semicolons, bars and spaces; parts over FJ__PART_MAX bytes (street addresses) are
 * skipped. The normalization buffer is the context's (FJ_SLOT_FEATURES). */
#define FJ__PART_MAX 24
static bool is_part_sep(char c)
{
    return c == ',' || c == '_' || c == '/' || c == ';' || c == '|' || c == ' ';
}

static fj_status place_features(const sink *k, void *u, const fj__analysis *an, fj_field f,
                                piece prefix)
{
    const fj__afield *af = &an->field[f];
    if (!af->present)
        return FJ_OK;
    const fj_normtext *nt = &af->nt;
    const char *s = af->orig, *t = nt->text.data;
    size_t n = af->orig_len, tn = nt->text.len;
    fj_status st = FJ_OK;
    for (size_t i = 0; i < tn && st == FJ_OK;) {
        while (i < tn && is_part_sep(t[i]))
            i++;
        size_t a = i;
        while (i < tn && !is_part_sep(t[i]))
            i++;
        if (i == a || i - a > FJ__PART_MAX)
            continue;
        uint32_t start, end; /* the part's bytes in the posting's field, for evidence */
        fj__normtext_span(nt, s, n, a, i, &start, &end);
        piece pc[2] = {prefix, {t + a, i - a, 0}};
        st = k->text(u, pc, 2, f, start, end);
    }
    return st;
}

static fj_status extract(fj_context *ctx, const fj__analysis *an, const fj_history_stats *hist,
                         const sink *k, void *u, fj_error *err)
{
    const fj_token *tok;
    size_t nt;
    fj_status st = fj__analysis_tokens(ctx, an, &tok, &nt, err);
    if (st != FJ_OK)
        return st;
    /* the prefixes of the text features, hashed once per posting rather than once a name */
    const piece word = prehashed(P("word:")), bigram = prehashed(P("bigram:")),
                title = prehashed(P("title:")), pair = prehashed(P("pair:")),
                token = prehashed(P("token:"));
    for (size_t i = 0; i < nt && st == FJ_OK; i++) {
        const fj_token *t = &tok[i];
        piece txt = {t->text, t->len, 0};
        if (t->kind == FJ_TOK_WORD || t->kind == FJ_TOK_BIGRAM) {
            piece pc[2] = {t->kind == FJ_TOK_WORD ? word : bigram, txt};
            st = k->text(u, pc, 2, t->field, t->start, t->end);
            if (st == FJ_OK && t->field == FJ_FIELD_TITLE) {
                pc[0] = title;
                st = k->text(u, pc, 2, t->field, t->start, t->end);
            }
            if (st != FJ_OK || t->kind != FJ_TOK_WORD)
                continue;
            /* the next word token of the same field, if it directly follows this one */
            const fj_token *nx = NULL;
            for (size_t j = i + 1; j < nt && tok[j].field == t->field; j++) {
                if (tok[j].start < t->end)
                    continue; /* overlapping tokens (bigrams of the same Han run) */
                if (tok[j].kind == FJ_TOK_WORD)
                    nx = &tok[j];
                break;
            }
            if (!nx)
                continue;
            const fj__afield *af = &an->field[t->field];
            if (!af->present || nx->start > af->orig_len ||
                !is_joiner_gap(af->orig, t->end, nx->start))
                continue;
            if (an->seg == FJ_SEG_HAN_UNIGRAM && han_char(t) && han_char(nx) && t->end == nx->start)
                continue; /* two touching Han characters: their bigram holds them (spaced
                             ones, 交 培 训 费, have no bigram and keep the pair) */
            piece pp[4] = {pair, txt, P(" "), {nx->text, nx->len, 0}};
            st = k->text(u, pp, 4, t->field, t->start, nx->end);
        } else {
            const char *kn = fj_token_kind_name((fj_token_kind)t->kind);
            if (!kn)
                continue;
            piece pc[2] = {token, {kn, strlen(kn), 0}};
            st = k->text(u, pc, 2, t->field, t->start, t->end);
        }
    }
    if (st != FJ_OK)
        return fj__errorf(err, st, "out of memory while extracting features");
    st = place_features(k, u, an, FJ_FIELD_LOCATION, P("place:"));
    if (st == FJ_OK)
        st = place_features(k, u, an, FJ_FIELD_EMPLOYMENT_TYPE, P("employment:"));
    if (st == FJ_OK)
        st = field_features(k, u, an);
    if (st == FJ_OK && an->lang == FJ_LANG_ZH)
        st = meta_features(k, u, an);
    if (st != FJ_OK)
        return fj__errorf(err, st, "out of memory while extracting features");
    const fj_signal *sig;
    size_t ns;
    st = fj__signals_of(ctx, an, hist, &sig, &ns, err);
    if (st != FJ_OK)
        return st;
    for (size_t i = 0; i < ns && st == FJ_OK; i++)
        if (sig[i].name && sig[i].value != 0 && isfinite(sig[i].value))
            st = k->dense(u, sig[i].name, strlen(sig[i].name), sig[i].value, sig[i].evidence,
                          sig[i].evidence ? sig[i].evidence_len : 0);
    if (st != FJ_OK)
        return fj__errorf(err, st, "out of memory while extracting features");
    return FJ_OK;
}

/* ---- vectorization in a fixed feature space ---- */

void fj__vec_free(fj__vec *v)
{
    if (!v)
        return;
    free(v->e);
    free(v->pos);
    fj__buf_free(&v->evbuf);
    memset(v, 0, sizeof *v);
}

typedef struct vec_user {
    const fj__fspace *fs;
    fj__vec *v;
} vec_user;

static fj__entry *vec_slot(fj__vec *v, long idx, bool *fresh)
{
    *fresh = false;
    if (v->pos[idx] >= 0)
        return &v->e[v->pos[idx]];
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        fj__entry *e = realloc(v->e, cap * sizeof *e);
        if (!e)
            return NULL;
        v->e = e;
        v->cap = cap;
    }
    v->pos[idx] = (int32_t)v->n;
    fj__entry *e = &v->e[v->n++];
    memset(e, 0, sizeof *e);
    e->idx = (uint32_t)idx;
    e->field = -1;
    *fresh = true;
    return e;
}

static fj_status vec_text(void *u, const piece *pc, int np, int field, uint32_t start, uint32_t end)
{
    vec_user *vu = u;
    long idx = fs_lookup(vu->fs, pc, np);
    if (idx < 0)
        return FJ_OK; /* not in the vocabulary */
    bool fresh;
    fj__entry *e = vec_slot(vu->v, idx, &fresh);
    if (!e)
        return FJ_ERR_NOMEM;
    if (fresh) {
        e->field = field;
        e->start = start;
        e->end = end;
    }
    e->tf++;
    return FJ_OK;
}

static fj_status vec_dense(void *u, const char *name, size_t name_len, double value,
                           const char *evidence, size_t evidence_len)
{
    vec_user *vu = u;
    piece pc = {name, name_len, 0};
    long idx = fs_lookup(vu->fs, &pc, 1);
    if (idx < 0 || (size_t)idx >= vu->fs->n_dense)
        return FJ_OK;
    bool fresh;
    fj__entry *e = vec_slot(vu->v, idx, &fresh);
    if (!e)
        return FJ_ERR_NOMEM;
    e->val += value;
    if (fresh && evidence && evidence_len) {
        size_t off = vu->v->evbuf.len;
        if (!fj__buf_append(&vu->v->evbuf, evidence, evidence_len))
            return FJ_ERR_NOMEM;
        e->start = (uint32_t)off;
        e->end = (uint32_t)(off + evidence_len);
        e->tf = 1; /* marks "has evidence" for dense entries */
    }
    return FJ_OK;
}

static int entry_cmp(const void *a, const void *b)
{
    uint32_t x = ((const fj__entry *)a)->idx, y = ((const fj__entry *)b)->idx;
    return x < y ? -1 : x > y;
}

static double dense_value(double raw, double scale)
{
    double t = (raw < 0 ? -log1p(-raw) : log1p(raw)) / scale;
    if (t > FJ__DENSE_CLAMP)
        t = FJ__DENSE_CLAMP;
    if (t < -FJ__DENSE_CLAMP)
        t = -FJ__DENSE_CLAMP;
    return t;
}

fj_status fj__vectorize(fj_context *ctx, const fj__fspace *fs, const fj_posting *p,
                        const fj_history_stats *hist, fj__vec *v, fj_error *err)
{
    const fj__analysis *an;
    fj_status st = fj__analyze(ctx, p, &an, err);
    if (st != FJ_OK) {
        v->n = 0;
        return st;
    }
    return fj__vectorize_an(ctx, fs, an, hist, true, v, err);
}

fj_status fj__vectorize_an(fj_context *ctx, const fj__fspace *fs, const fj__analysis *an,
                           const fj_history_stats *hist, bool sort, fj__vec *v, fj_error *err)
{
    v->n = 0;
    v->evbuf.len = 0;
    if (v->pos_cap < fs->n) {
        int32_t *pos = realloc(v->pos, (fs->n ? fs->n : 1) * sizeof *pos);
        if (!pos)
            return fj__nomem(err);
        v->pos = pos;
        v->pos_cap = fs->n;
        for (size_t i = 0; i < fs->n; i++)
            pos[i] = -1;
    }
    vec_user vu = {fs, v};
    static const sink k = {vec_text, vec_dense};
    v->lang = an->lang;
    fj__analysis_segment(ctx, an, fs->seg); /* the tokens the part was trained on */
    fj_status st = extract(ctx, an, hist, &k, &vu, err);
    for (size_t i = 0; i < v->n; i++)
        v->pos[v->e[i].idx] = -1;
    if (st != FJ_OK) {
        v->n = 0;
        return st;
    }
    double norm2 = 0;
    for (size_t i = 0; i < v->n; i++) {
        fj__entry *e = &v->e[i];
        if (e->idx < fs->n_dense) {
            e->val = dense_value(e->val, fs->param[e->idx]);
        } else {
            e->val = (1.0 + log((double)e->tf)) * fs->param[e->idx];
            norm2 += e->val * e->val;
        }
    }
    double inv = norm2 > 0 ? 1.0 / sqrt(norm2) : 0;
    size_t m = 0;
    for (size_t i = 0; i < v->n; i++) {
        fj__entry *e = &v->e[i];
        if (e->idx >= fs->n_dense)
            e->val *= inv;
        if (e->val != 0)
            v->e[m++] = *e;
    }
    v->n = m;
    if (sort)
        qsort(v->e, v->n, sizeof *v->e, entry_cmp);
    return FJ_OK;
}

/* ---- the builder: names and document frequencies of training postings ---- */

struct fj__fbuilder {
    fj_buf names;
    uint32_t *off, *len, *df, *last;
    uint8_t *kind;
    double *dmax;
    size_t n, cap;
    uint64_t *slot_hash;
    uint32_t *slot_idx;
    size_t mask;
    uint32_t docs;
    fj_segmentation seg;
};

void fj__fbuilder_segment(fj__fbuilder *b, fj_segmentation seg)
{
    b->seg = seg;
}

fj_status fj__fbuilder_new(fj__fbuilder **out, fj_error *err)
{
    fj__fbuilder *b = calloc(1, sizeof *b);
    if (!b)
        return fj__nomem(err);
    b->mask = (1u << 16) - 1;
    b->slot_hash = calloc(b->mask + 1, sizeof *b->slot_hash);
    b->slot_idx = calloc(b->mask + 1, sizeof *b->slot_idx);
    if (!b->slot_hash || !b->slot_idx) {
        fj__fbuilder_free(b);
        return fj__nomem(err);
    }
    *out = b;
    return FJ_OK;
}

void fj__fbuilder_free(fj__fbuilder *b)
{
    if (!b)
        return;
    fj__buf_free(&b->names);
    free(b->off);
    free(b->len);
    free(b->df);
    free(b->last);
    free(b->kind);
    free(b->dmax);
    free(b->slot_hash);
    free(b->slot_idx);
    free(b);
}

static bool fb_grow_table(fj__fbuilder *b)
{
    size_t cap = (b->mask + 1) * 2;
    uint64_t *h = calloc(cap, sizeof *h);
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!h || !ix) {
        free(h);
        free(ix);
        return false;
    }
    for (size_t i = 0; i <= b->mask; i++) {
        if (!b->slot_idx[i])
            continue;
        size_t j = b->slot_hash[i] & (cap - 1);
        while (ix[j])
            j = (j + 1) & (cap - 1);
        h[j] = b->slot_hash[i];
        ix[j] = b->slot_idx[i];
    }
    free(b->slot_hash);
    free(b->slot_idx);
    b->slot_hash = h;
    b->slot_idx = ix;
    b->mask = cap - 1;
    return true;
}

#define GROW(arr, cap) ((arr) = realloc_or_free((arr), (cap) * sizeof *(arr), &ok))

static void *realloc_or_free(void *p, size_t size, bool *ok)
{
    void *q = realloc(p, size);
    if (!q) {
        *ok = false;
        return p;
    }
    return q;
}

/* The builder's id of a name, inserting it; -1 on allocation failure. */
static long fb_intern(fj__fbuilder *b, const piece *pc, int np, uint8_t kind)
{
    uint64_t h = hash_pieces(pc, np);
    size_t i = h & b->mask;
    while (b->slot_idx[i]) {
        uint32_t id = b->slot_idx[i] - 1;
        if (b->slot_hash[i] == h && pieces_eq(b->names.data + b->off[id], b->len[id], pc, np))
            return id;
        i = (i + 1) & b->mask;
    }
    if (b->n >= UINT32_MAX - 1)
        return -1;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        bool ok = true;
        GROW(b->off, cap);
        GROW(b->len, cap);
        GROW(b->df, cap);
        GROW(b->last, cap);
        GROW(b->kind, cap);
        GROW(b->dmax, cap);
        if (!ok)
            return -1;
        b->cap = cap;
    }
    size_t id = b->n;
    b->off[id] = (uint32_t)b->names.len;
    for (int k = 0; k < np; k++)
        if (!fj__buf_append(&b->names, pc[k].s, pc[k].n))
            return -1;
    if (!fj__buf_append(&b->names, "", 1))
        return -1;
    b->len[id] = (uint32_t)(b->names.len - 1 - b->off[id]);
    b->df[id] = 0;
    b->last[id] = UINT32_MAX;
    b->kind[id] = kind;
    b->dmax[id] = 0;
    b->n++;
    b->slot_hash[i] = h;
    b->slot_idx[i] = (uint32_t)id + 1;
    if (b->n * 2 > b->mask && !fb_grow_table(b))
        return -1;
    return (long)id;
}

static fj_status fb_text(void *u, const piece *pc, int np, int field, uint32_t start, uint32_t end)
{
    fj__fbuilder *b = u;
    long id = fb_intern(b, pc, np, FJ__FEAT_TEXT);
    if (id < 0)
        return FJ_ERR_NOMEM;
    if (b->kind[id] == FJ__FEAT_TEXT && b->last[id] != b->docs) {
        b->last[id] = b->docs;
        b->df[id]++;
    }
    return FJ_OK;
}

static fj_status fb_dense(void *u, const char *name, size_t name_len, double value,
                          const char *evidence, size_t evidence_len)
{
    fj__fbuilder *b = u;
    piece pc = {name, name_len, 0};
    long id = fb_intern(b, &pc, 1, FJ__FEAT_DENSE);
    if (id < 0)
        return FJ_ERR_NOMEM;
    if (b->kind[id] != FJ__FEAT_DENSE)
        return FJ_OK; /* a text feature of the same name (cannot happen: prefixes differ) */
    double t = log1p(fabs(value));
    if (t > b->dmax[id])
        b->dmax[id] = t;
    if (b->last[id] != b->docs) {
        b->last[id] = b->docs;
        b->df[id]++;
    }
    return FJ_OK;
}

fj_status fj__fbuilder_add(fj__fbuilder *b, fj_context *ctx, const fj_posting *p,
                           const fj_history_stats *hist, fj_error *err)
{
    static const sink k = {fb_text, fb_dense};
    const fj__analysis *an;
    fj_status st = fj__analyze(ctx, p, &an, err);
    if (st == FJ_OK) {
        fj__analysis_segment(ctx, an, b->seg);
        st = extract(ctx, an, hist, &k, b, err);
    }
    b->docs++;
    return st;
}

typedef struct rank {
    const fj__fbuilder *b;
    uint32_t id;
} rank;

static int name_cmp(const fj__fbuilder *b, uint32_t x, uint32_t y)
{
    size_t lx = b->len[x], ly = b->len[y];
    int c = memcmp(b->names.data + b->off[x], b->names.data + b->off[y], lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}

static int by_df_then_name(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    if (x->b->df[x->id] != y->b->df[y->id])
        return x->b->df[x->id] > y->b->df[y->id] ? -1 : 1;
    return name_cmp(x->b, x->id, y->id);
}

static int by_name(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    return name_cmp(x->b, x->id, y->id);
}

fj_status fj__fbuilder_finish(fj__fbuilder *b, int min_df, size_t max_features, fj__fspace *fs,
                              fj_error *err)
{
    memset(fs, 0, sizeof *fs);
    fs->seg = b->seg;
    rank *dense = malloc((b->n + 1) * sizeof *dense);
    rank *text = malloc((b->n + 1) * sizeof *text);
    if (!dense || !text) {
        free(dense);
        free(text);
        return fj__nomem(err);
    }
    size_t nd = 0, nt = 0;
    for (uint32_t id = 0; id < b->n; id++) {
        if (b->kind[id] == FJ__FEAT_DENSE) {
            if (b->dmax[id] > 0)
                dense[nd++] = (rank){b, id};
        } else if (b->df[id] >= (uint32_t)(min_df > 0 ? min_df : 1)) {
            text[nt++] = (rank){b, id};
        }
    }
    qsort(dense, nd, sizeof *dense, by_name);
    qsort(text, nt, sizeof *text, by_df_then_name);
    if (max_features && nt > max_features)
        nt = max_features;
    qsort(text, nt, sizeof *text, by_name);
    size_t n = nd + nt;
    fs->n = n;
    fs->n_dense = nd;
    fs->name_off = malloc((n + 1) * sizeof *fs->name_off);
    fs->name_len = malloc((n + 1) * sizeof *fs->name_len);
    fs->param = malloc((n + 1) * sizeof *fs->param);
    fj_buf names = {0};
    bool ok = fs->name_off && fs->name_len && fs->param;
    for (size_t f = 0; ok && f < n; f++) {
        uint32_t id = f < nd ? dense[f].id : text[f - nd].id;
        fs->name_off[f] = (uint32_t)names.len;
        fs->name_len[f] = b->len[id];
        ok = fj__buf_append(&names, b->names.data + b->off[id], b->len[id] + 1);
        if (f < nd)
            fs->param[f] = b->dmax[id];
        else /* smoothed idf, as scikit-learn's */
            fs->param[f] = log((1.0 + b->docs) / (1.0 + b->df[id])) + 1.0;
    }
    free(dense);
    free(text);
    bool nomem = false;
    if (ok) {
        fs->names = names.data;
        fs->names_len = names.len;
        names.data = NULL;
        ok = fs_index(fs, &nomem);
    }
    fj__buf_free(&names);
    if (!ok) {
        fj__fspace_free(fs);
        return nomem ? fj__nomem(err)
                     : fj__errorf(err, FJ_ERR_INTERNAL, "duplicate feature name in builder");
    }
    return FJ_OK;
}
