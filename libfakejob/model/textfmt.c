/*
 * textfmt.c - the text formats of a model bundle's parts: libsvm's text model (PART.svm.model)
 * read and written without libsvm's own reader (which calls setlocale and trusts its input),
 * the primal weights (PART.weights.tsv), and the locale-independent numbers both use.
 *
 *   PART.weights.tsv   linear models: "fakejob-weights\t1", "weights\tN", "bias\tB", N weights one
 *                      a line, "end"
 *   PART.svm.model     libsvm's text model (svm-predict reads it; feature i is index i+1)
 */
#include "core/json.h"
#include "model/model.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- locale-independent numbers ---- */

bool fj__cnum_begin(fj__cnum *cn)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0)
        return false;
    cn->c = c;
    cn->old = uselocale(c);
    return true;
}

void fj__cnum_end(fj__cnum *cn)
{
    uselocale((locale_t)cn->old);
    freelocale((locale_t)cn->c);
}

char *fj__json_normalize(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(o);
    return s;
}

/* ---- libsvm's text model ---- */

void fj__svm_free(struct svm_model *svm)
{
    if (!svm)
        return;
    if (svm->SV)
        free(svm->SV[0] ? (void *)svm->SV[0] : NULL);
    free(svm->SV);
    if (svm->sv_coef)
        free(svm->sv_coef[0]);
    free(svm->sv_coef);
    free(svm->rho);
    free(svm->label);
    free(svm->nSV);
    free(svm);
}

bool fj__svm_write(const struct svm_model *svm, fj_buf *out)
{
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return false;
    const struct svm_parameter *p = &svm->param;
    char num[FJ__NUM_BUF];
    bool ok = fj__buf_printf(out, "svm_type c_svc\nkernel_type %s\n",
                             p->kernel_type == RBF ? "rbf" : "linear");
    if (ok && p->kernel_type == RBF) {
        fj__fmt_double(p->gamma, num);
        ok = fj__buf_printf(out, "gamma %s\n", num);
    }
    fj__fmt_double(svm->rho[0], num);
    ok = ok && fj__buf_printf(out, "nr_class 2\ntotal_sv %d\nrho %s\nlabel %d %d\n", svm->l, num,
                              svm->label[0], svm->label[1]);
    ok = ok && fj__buf_printf(out, "nr_sv %d %d\nSV\n", svm->nSV[0], svm->nSV[1]);
    for (int i = 0; ok && i < svm->l; i++) {
        fj__fmt_double(svm->sv_coef[0][i], num);
        ok = fj__buf_printf(out, "%s ", num);
        for (const struct svm_node *x = svm->SV[i]; ok && x->index != -1; x++) {
            fj__fmt_double(x->value, num);
            ok = fj__buf_printf(out, "%d:%s ", x->index, num);
        }
        ok = ok && fj__buf_append(out, "\n", 1);
    }
    fj__cnum_end(&cn);
    return ok;
}

/* A linear part in collapsed form: svm-predict computes w.x + b from it. */
bool fj__svm_write_collapsed(const fj__part *pt, fj_buf *out)
{
    size_t nnz = 0;
    for (size_t j = 0; j < pt->fs.n; j++)
        nnz += pt->w[j] != 0;
    struct svm_node *sv = malloc((nnz + 1) * sizeof *sv);
    if (!sv)
        return false;
    size_t k = 0;
    for (size_t j = 0; j < pt->fs.n; j++)
        if (pt->w[j] != 0)
            sv[k++] = (struct svm_node){(int)j + 1, pt->w[j]};
    sv[k].index = -1;
    sv[k].value = 0;
    struct svm_node *svp[1] = {sv};
    double coef = 1, *coefp[1] = {&coef}, rho = -pt->b;
    int label[2] = {1, -1}, nsv[2] = {1, 0};
    struct svm_model m;
    memset(&m, 0, sizeof m);
    m.param.svm_type = C_SVC;
    m.param.kernel_type = LINEAR;
    m.nr_class = 2;
    m.l = 1;
    m.SV = svp;
    m.sv_coef = coefp;
    m.rho = &rho;
    m.label = label;
    m.nSV = nsv;
    bool ok = fj__svm_write(&m, out);
    free(sv);
    return ok;
}

typedef struct cursor {
    const char *p, *end;
    long long line;
} cursor;

static bool cur_line(cursor *c, const char **s, size_t *n)
{
    if (c->p >= c->end)
        return false;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (!nl)
        return false;
    *s = c->p;
    *n = (size_t)(nl - c->p);
    c->p = nl + 1;
    c->line++;
    return true;
}

/* Copy a line into a NUL-terminated scratch buffer for strto* parsing. */
static char *line_dup(const char *s, size_t n)
{
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\0';
    }
    return t;
}

static bool parse_int_tok(const char **q, long *out)
{
    char *e;
    errno = 0;
    long v = strtol(*q, &e, 10);
    if (e == *q || errno || v < INT_MIN || v > INT_MAX)
        return false;
    *out = v;
    *q = e;
    return true;
}

/* The correctly rounded double of the decimal at `s` (an optional '-', digits, an optional
 * fraction and exponent) without strtod, for the common case of at most 19 significant digits
 * and a value m * 10^-n with 0 <= n <= 27: the quotient (m << k) / 5^n (a 64-bit integer),
 * rounded to 53 bits half-to-even with the remainder as sticky bit, times 2^-(k+n). false: not that
 * case (the caller falls back to strtod). */
static bool fast_decimal(const char *s, const char **end, double *out)
{
    const char *q = s;
    bool neg = *q == '-';
    if (neg)
        q++;
    uint64_t m = 0;
    int digits = 0, frac = 0;
    bool any = false;
    for (int part = 0; part < 2; part++) {
        for (; *q >= '0' && *q <= '9'; q++) {
            if ((digits || *q != '0') && ++digits > 19)
                return false;
            m = m * 10 + (uint64_t)(*q - '0');
            frac += part;
            any = true;
        }
        if (part == 0 && *q == '.')
            q++;
        else
            break;
    }
    if (!any)
        return false;
    long e10 = -frac;
    if (*q == 'e' || *q == 'E') {
        const char *r = q + 1;
        bool eneg = *r == '-';
        if (*r == '-' || *r == '+')
            r++;
        if (*r < '0' || *r > '9')
            return false;
        long e = 0;
        for (; *r >= '0' && *r <= '9'; r++)
            if ((e = e * 10 + (*r - '0')) > 10000)
                return false;
        e10 += eneg ? -e : e;
        q = r;
    }
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        *end = q;
        return true;
    }
    if (e10 > 0 || e10 < -27)
        return false;
    int n = (int)-e10;
    static const uint64_t pow5[28] = {1,
                                      5,
                                      25,
                                      125,
                                      625,
                                      3125,
                                      15625,
                                      78125,
                                      390625,
                                      1953125,
                                      9765625,
                                      48828125,
                                      244140625,
                                      1220703125,
                                      6103515625,
                                      30517578125,
                                      152587890625,
                                      762939453125,
                                      3814697265625,
                                      19073486328125,
                                      95367431640625,
                                      476837158203125,
                                      2384185791015625,
                                      11920928955078125,
                                      59604644775390625,
                                      298023223876953125,
                                      1490116119384765625,
                                      7450580596923828125};
    uint64_t p5 = pow5[n];
    /* q = (m << k) / 5^n with k chosen so that 2^62 <= q < 2^64: one 128-by-64 division */
    int lm = 64 - __builtin_clzll(m), lp = 64 - __builtin_clzll(p5);
    int k = 64 + lp - lm - 1;
    unsigned __int128 num = (unsigned __int128)m << k;
    uint64_t quo, rem;
#if defined(__GNUC__) && defined(__x86_64__)
    __asm__("divq %4"
            : "=a"(quo), "=d"(rem)
            : "a"((uint64_t)num), "d"((uint64_t)(num >> 64)), "rm"(p5));
#else
    quo = (uint64_t)(num / p5);
    rem = (uint64_t)(num % p5);
#endif
    int drop = (64 - __builtin_clzll(quo)) - 53; /* 10 or 11 guard bits */
    uint64_t top = quo >> drop, rest = quo & ((UINT64_C(1) << drop) - 1);
    uint64_t half = UINT64_C(1) << (drop - 1);
    if (rest > half || (rest == half && (rem != 0 || (top & 1))))
        top++;
    /* value = top * 2^(drop - k - n), the power of two built from its bits (exact: never
     * subnormal, as top >= 2^52 and drop - k - n >= -64 - 125 - 27) */
    uint64_t pbits = (uint64_t)(1023 + drop - k - n) << 52;
    double scale;
    memcpy(&scale, &pbits, sizeof scale);
    double v = (double)top * scale;
    *out = neg ? -v : v;
    *end = q;
    return true;
}

double fj__parse_double(const char *s, const char **end)
{
    double v;
    const char *e;
    /* the fast path only when the number ends there (not "0x1p3", "1.5f", a locale's "0,5"…) */
    if (fast_decimal(s, &e, &v) &&
        !((*e >= '0' && *e <= '9') || *e == '.' || *e == ',' || *e == 'x' || *e == 'X' ||
          *e == 'e' || *e == 'E' || *e == 'p' || *e == 'P' || (unsigned char)*e >= 0x80)) {
        *end = e;
        return v;
    }
    char *se;
    v = strtod(s, &se);
    *end = se;
    return v;
}

static bool parse_dbl_tok(const char **q, double *out)
{
    const char *e;
    double v = fj__parse_double(*q, &e);
    if (e == *q || !isfinite(v))
        return false;
    *out = v;
    *q = e;
    return true;
}

static bool at_end(const char *q)
{
    while (*q == ' ')
        q++;
    return *q == '\0';
}

static fj_status svm_bad(fj_error *err, const char *file, long long line, const char *what)
{
    return fj__error_at(err, FJ_ERR_MODEL, file, line, "%s", what);
}

fj_status fj__svm_parse(struct svm_model **out, const char *data, size_t len, const char *file,
                        fj_error *err)
{
    *out = NULL;
    cursor c = {data, data + len, 0};
    const char *s;
    size_t n;
    int kernel = -1, have_class = 0, have_rho = 0, have_label = 0, have_nsv = 0;
    long total = -1, label[2] = {0, 0}, nsv[2] = {0, 0};
    double gamma = 0, rho = 0;
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return fj__errorf(err, FJ_ERR_INTERNAL, "cannot create the C numeric locale");
    fj_status st = FJ_OK;
    struct svm_model *m = NULL;
    char *t = NULL;
    for (;;) {
        if (!cur_line(&c, &s, &n)) {
            st = svm_bad(err, file, c.line + 1, "truncated before the SV section");
            goto out;
        }
        free(t);
        t = line_dup(s, n);
        if (!t) {
            st = fj__nomem(err);
            goto out;
        }
        const char *sp = strchr(t, ' ');
        size_t kl = sp ? (size_t)(sp - t) : strlen(t);
        const char *q = sp ? sp + 1 : t + kl;
#define KEY(k) (kl == sizeof k - 1 && memcmp(t, k, kl) == 0)
        if (KEY("SV") && at_end(q)) {
            break;
        } else if (KEY("svm_type")) {
            if (strcmp(q, "c_svc") != 0) {
                st = svm_bad(err, file, c.line, "only c_svc models are supported");
                goto out;
            }
        } else if (KEY("kernel_type")) {
            kernel = strcmp(q, "linear") == 0 ? LINEAR : strcmp(q, "rbf") == 0 ? RBF : -2;
            if (kernel == -2) {
                st = svm_bad(err, file, c.line, "only linear and rbf kernels are supported");
                goto out;
            }
        } else if (KEY("gamma")) {
            if (!parse_dbl_tok(&q, &gamma) || !at_end(q) || !(gamma > 0)) {
                st = svm_bad(err, file, c.line, "bad gamma");
                goto out;
            }
        } else if (KEY("nr_class")) {
            long k;
            if (!parse_int_tok(&q, &k) || !at_end(q) || k != 2) {
                st = svm_bad(err, file, c.line, "only 2-class models are supported");
                goto out;
            }
            have_class = 1;
        } else if (KEY("total_sv")) {
            if (!parse_int_tok(&q, &total) || !at_end(q) || total < 1 || (size_t)total > len / 2) {
                st = svm_bad(err, file, c.line, "bad total_sv");
                goto out;
            }
        } else if (KEY("rho")) {
            if (!parse_dbl_tok(&q, &rho) || !at_end(q)) {
                st = svm_bad(err, file, c.line, "bad rho");
                goto out;
            }
            have_rho = 1;
        } else if (KEY("label")) {
            if (!parse_int_tok(&q, &label[0]) || !parse_int_tok(&q, &label[1]) || !at_end(q) ||
                !((label[0] == 1 && label[1] == -1) || (label[0] == -1 && label[1] == 1))) {
                st = svm_bad(err, file, c.line, "labels must be 1 and -1");
                goto out;
            }
            have_label = 1;
        } else if (KEY("nr_sv")) {
            if (!parse_int_tok(&q, &nsv[0]) || !parse_int_tok(&q, &nsv[1]) || !at_end(q) ||
                nsv[0] < 0 || nsv[1] < 0) {
                st = svm_bad(err, file, c.line, "bad nr_sv");
                goto out;
            }
            have_nsv = 1;
        } else if (KEY("probA") || KEY("probB")) {
            /* libsvm's own probability estimates: not used (we calibrate ourselves) */
        } else {
            st = svm_bad(err, file, c.line, "unknown header line");
            goto out;
        }
#undef KEY
    }
    if (kernel < 0 || !have_class || total < 1 || !have_rho || !have_label || !have_nsv ||
        nsv[0] + nsv[1] != total || (kernel == RBF && !(gamma > 0))) {
        st = svm_bad(err, file, c.line, "incomplete or inconsistent header");
        goto out;
    }
    m = calloc(1, sizeof *m);
    if (!m) {
        st = fj__nomem(err);
        goto out;
    }
    m->param.svm_type = C_SVC;
    m->param.kernel_type = kernel;
    m->param.gamma = gamma;
    m->nr_class = 2;
    m->l = (int)total;
    m->SV = calloc((size_t)total, sizeof *m->SV);
    m->sv_coef = calloc(1, sizeof *m->sv_coef);
    m->rho = malloc(sizeof *m->rho);
    m->label = malloc(2 * sizeof *m->label);
    m->nSV = malloc(2 * sizeof *m->nSV);
    /* nodes: at most one per 2 bytes of the remaining text, plus a terminator per SV */
    size_t maxnodes = (size_t)(c.end - c.p) / 2 + (size_t)total + 1;
    struct svm_node *pool = malloc(maxnodes * sizeof *pool);
    if (!m->SV || !m->sv_coef || !m->rho || !m->label || !m->nSV || !pool ||
        !(m->sv_coef[0] = malloc((size_t)total * sizeof **m->sv_coef))) {
        free(pool);
        st = fj__nomem(err);
        goto out;
    }
    m->rho[0] = rho;
    m->label[0] = (int)label[0];
    m->label[1] = (int)label[1];
    m->nSV[0] = (int)nsv[0];
    m->nSV[1] = (int)nsv[1];
    size_t used = 0;
    for (long i = 0; i < total; i++) {
        if (!cur_line(&c, &s, &n)) {
            free(pool);
            st = svm_bad(err, file, c.line + 1, "truncated: fewer support vectors than total_sv");
            goto out;
        }
        free(t);
        t = line_dup(s, n);
        if (!t) {
            free(pool);
            st = fj__nomem(err);
            goto out;
        }
        const char *q = t;
        double coef;
        if (!parse_dbl_tok(&q, &coef)) {
            free(pool);
            st = svm_bad(err, file, c.line, "bad support vector coefficient");
            goto out;
        }
        m->sv_coef[0][i] = coef;
        m->SV[i] = pool + used;
        long last = 0;
        for (;;) {
            while (*q == ' ')
                q++;
            if (!*q)
                break;
            long idx;
            double v;
            if (!parse_int_tok(&q, &idx) || *q != ':' || idx <= last ||
                !(q++, parse_dbl_tok(&q, &v)) || (*q != ' ' && *q != '\0') ||
                used + 1 >= maxnodes) {
                free(pool);
                st = svm_bad(err, file, c.line, "bad index:value pair in a support vector");
                goto out;
            }
            last = idx;
            pool[used].index = (int)idx;
            pool[used].value = v;
            used++;
        }
        pool[used].index = -1;
        pool[used].value = 0;
        used++;
    }
    if (c.p != c.end) {
        free(pool);
        st = svm_bad(err, file, c.line + 1, "trailing data after the support vectors");
        goto out;
    }
    /* SV[0] is the start of the pool, which fj__svm_free frees */
out:
    free(t);
    fj__cnum_end(&cn);
    if (st != FJ_OK) {
        if (m && m->SV)
            m->SV[0] = NULL;
        fj__svm_free(m);
        return st;
    }
    *out = m;
    return FJ_OK;
}

/* ---- weights ---- */

bool fj__weights_write(const fj__part *pt, fj_buf *out)
{
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return false;
    char num[FJ__NUM_BUF];
    fj__fmt_double(pt->b, num);
    bool ok = fj__buf_printf(out, "fakejob-weights\t1\nweights\t%zu\nbias\t%s\n", pt->fs.n, num);
    for (size_t i = 0; ok && i < pt->fs.n; i++) {
        fj__fmt_double(pt->w[i], num);
        ok = fj__buf_printf(out, "%s\n", num);
    }
    ok = ok && fj__buf_append(out, "end\n", 4);
    fj__cnum_end(&cn);
    return ok;
}

fj_status fj__weights_parse(fj__part *pt, const char *data, size_t len, const char *file,
                            fj_error *err)
{
    cursor c = {data, data + len, 0};
    const char *s;
    size_t n;
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return fj__errorf(err, FJ_ERR_INTERNAL, "cannot create the C numeric locale");
    fj_status st = FJ_OK;
    char tmp[80];
#define LINE_TO_TMP()                                                                              \
    (cur_line(&c, &s, &n) && n < sizeof tmp ? (memcpy(tmp, s, n), tmp[n] = '\0', true) : false)
    if (!LINE_TO_TMP() || strncmp(tmp, "fakejob-weights\t", 16) != 0) {
        st = svm_bad(err, file, 1, "not a weights file (no 'fakejob-weights' header)");
        goto out;
    }
    if (strcmp(tmp + 16, "1") != 0) {
        st =
            fj__error(err, FJ_ERR_VERSION, NULL, -1, 1,
                      "%s:1: weights format '%s' is newer than this library's (1)", file, tmp + 16);
        goto out;
    }
    char *e;
    if (!LINE_TO_TMP() || strncmp(tmp, "weights\t", 8) != 0 ||
        strtoull(tmp + 8, &e, 10) != pt->fs.n || *e || tmp[8] < '0' || tmp[8] > '9') {
        st = svm_bad(err, file, c.line, "weight count does not match the feature space");
        goto out;
    }
    const char *q = tmp + 5;
    if (!LINE_TO_TMP() || strncmp(tmp, "bias\t", 5) != 0 || !parse_dbl_tok(&q, &pt->b) || *q) {
        st = svm_bad(err, file, c.line, "bad bias line");
        goto out;
    }
    if (!(fabs(pt->b) <= FJ__MAX_WEIGHT)) {
        st = fj__error_at(err, FJ_ERR_MODEL, file, c.line, "bias %g is beyond +-%g", pt->b,
                          FJ__MAX_WEIGHT);
        goto out;
    }
    pt->w = malloc((pt->fs.n + 1) * sizeof *pt->w);
    if (!pt->w) {
        st = fj__nomem(err);
        goto out;
    }
    for (size_t i = 0; i < pt->fs.n; i++) {
        if (!LINE_TO_TMP()) {
            st = svm_bad(err, file, c.line + 1, "truncated: fewer weights than announced");
            goto out;
        }
        q = tmp;
        if (!parse_dbl_tok(&q, &pt->w[i]) || *q) {
            st = svm_bad(err, file, c.line, "bad weight");
            goto out;
        }
        if (!(fabs(pt->w[i]) <= FJ__MAX_WEIGHT)) {
            st = fj__error_at(err, FJ_ERR_MODEL, file, c.line,
                              "weight of feature %zu (%g) is beyond +-%g", i + 1, pt->w[i],
                              FJ__MAX_WEIGHT);
            goto out;
        }
    }
    if (!LINE_TO_TMP() || strcmp(tmp, "end") != 0 || c.p != c.end) {
        st = svm_bad(err, file, c.line, "missing 'end' line or trailing data");
        goto out;
    }
#undef LINE_TO_TMP
out:
    fj__cnum_end(&cn);
    return st;
}
