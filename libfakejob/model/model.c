/*
 * model.c - model bundles: loading (every file's size and SHA-256 verified against the manifest
 * before it is parsed), saving, the default model's location, and libsvm's text model format
 * read and written without libsvm's own reader (which calls setlocale and trusts its input).
 *
 * A bundle is a folder:
 *   manifest.json            {"format":1, "kind":"fakejob-model", "name", "version", "created",
 *                             "library":{"libfakejob","libsvm"}, "kernel", "parts":[{"lang",
 *                             "features", …}], "training":{…}, "files":{NAME:{"bytes","sha256"}}}
 *   PART.features.tsv        the feature space (features.c)
 *   PART.weights.tsv         linear models: "fakejob-weights\t1", "weights\tN", "bias\tB",
 *                            N weights one a line, "end"
 *   PART.svm.model           libsvm's text model (svm-predict reads it; feature i is index i+1)
 *   PART.calibration.json    {"format":1, "kernel", "C", "gamma", "platt_a", "platt_b",
 *                             "threshold_fraud", "threshold_suspicious", "cv":{…}}
 * PART is "zh", "en" or "all". Other files (MODEL.md) are not part of the bundle proper.
 */
#define _GNU_SOURCE /* dladdr */
#include "model/model.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILE_BYTES ((size_t)1 << 31)
#define MAX_MANIFEST_BYTES ((size_t)16 << 20)

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

int fj__fmt_double(char *buf, double d)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return n;
}

char *fj__json_normalize(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(o);
    return s;
}

/* ---- small helpers ---- */

const char *fj_verdict_name(fj_verdict v)
{
    switch (v) {
    case FJ_VERDICT_LEGIT:
        return "legit";
    case FJ_VERDICT_SUSPICIOUS:
        return "suspicious";
    case FJ_VERDICT_FRAUD:
        return "fraud";
    }
    return NULL;
}

void fj__part_free(fj__part *pt)
{
    if (pt->map) {
        /* the feature space and the weights point into the mapping */
        memset(&pt->fs, 0, sizeof pt->fs);
        pt->w = NULL;
        fj__bin_unmap(pt->map, pt->map_len);
    }
    fj__fspace_free(&pt->fs);
    free(pt->w);
    fj__svm_free(pt->svm);
    free(pt->svm_text);
    free(pt->svm_src);
    free(pt->cv_json);
    memset(pt, 0, sizeof *pt);
}

void fj_model_free(fj_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nparts; i++)
        fj__part_free(&m->part[i]);
    free(m->name);
    free(m->version);
    free(m->display);
    free(m->created);
    free(m->training);
    free(m->manifest);
    free(m->train_fp);
    free(m);
}

const char *fj_model_name(const fj_model *m)
{
    return m ? m->display : NULL;
}

int fj_model_explains(const fj_model *m)
{
    if (!m || m->nparts == 0)
        return 0;
    for (int i = 0; i < m->nparts; i++)
        if (m->part[i].kernel != FJ_KERNEL_LINEAR)
            return 0;
    return 1;
}

const char *fj_model_manifest(const fj_model *m)
{
    return m ? m->manifest : NULL;
}

const fj__part *fj__model_route(const fj_model *m, fj_lang lang)
{
    const char *want = lang == FJ_LANG_ZH ? "zh" : lang == FJ_LANG_EN ? "en" : NULL;
    for (int i = 0; want && i < m->nparts; i++)
        if (strcmp(m->part[i].lang, want) == 0)
            return &m->part[i];
    for (int i = 0; i < m->nparts; i++)
        if (strcmp(m->part[i].lang, "all") == 0)
            return &m->part[i];
    return &m->part[0];
}

void fj_model_thresholds(const fj_model *m, fj_lang lang, double *fraud, double *suspicious)
{
    if (!m || m->nparts == 0)
        return;
    const fj__part *pt = fj__model_route(m, lang);
    if (fraud)
        *fraud = pt->t_fraud;
    if (suspicious)
        *suspicious = pt->t_susp;
}

static const char *kernel_name(fj_kernel k)
{
    return k == FJ_KERNEL_RBF ? "rbf" : "linear";
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
    char num[32];
    bool ok = fj__buf_printf(out, "svm_type c_svc\nkernel_type %s\n",
                             p->kernel_type == RBF ? "rbf" : "linear");
    if (ok && p->kernel_type == RBF) {
        fj__fmt_double(num, p->gamma);
        ok = fj__buf_printf(out, "gamma %s\n", num);
    }
    fj__fmt_double(num, svm->rho[0]);
    ok = ok && fj__buf_printf(out, "nr_class 2\ntotal_sv %d\nrho %s\nlabel %d %d\n", svm->l, num,
                              svm->label[0], svm->label[1]);
    ok = ok && fj__buf_printf(out, "nr_sv %d %d\nSV\n", svm->nSV[0], svm->nSV[1]);
    for (int i = 0; ok && i < svm->l; i++) {
        fj__fmt_double(num, svm->sv_coef[0][i]);
        ok = fj__buf_printf(out, "%s ", num);
        for (const struct svm_node *x = svm->SV[i]; ok && x->index != -1; x++) {
            fj__fmt_double(num, x->value);
            ok = fj__buf_printf(out, "%d:%s ", x->index, num);
        }
        ok = ok && fj__buf_append(out, "\n", 1);
    }
    fj__cnum_end(&cn);
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
    return fj__error(err, FJ_ERR_MODEL, NULL, -1, line, "%s:%lld: %s", file, line, what);
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

/* ---- files ---- */

/* Read dir/name whole. `expect` is the size the manifest gives (SIZE_MAX: none, the manifest
 * itself, read up to MAX_MANIFEST_BYTES): a file of another size is refused before it is read,
 * so a huge file never is. */
static fj_status read_file(const char *dir, const char *name, size_t expect, char **data,
                           size_t *len, fj_error *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", dir, name);
    /* non-blocking, so that a FIFO or a device in the bundle cannot hang the loader */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return fj__errorf(err, FJ_ERR_IO, "'%s' is not a regular file", path);
    }
    if (expect != SIZE_MAX && (unsigned long long)sb.st_size != (unsigned long long)expect) {
        close(fd);
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: %llu bytes where the manifest says %zu (truncated or altered)", path,
                          (unsigned long long)sb.st_size, expect);
    }
    size_t cap = expect == SIZE_MAX ? MAX_MANIFEST_BYTES : MAX_FILE_BYTES;
    if ((unsigned long long)sb.st_size > cap) {
        close(fd);
        return fj__errorf(err, FJ_ERR_MODEL, "'%s' is larger than %zu bytes", path, cap);
    }
    size_t size = (size_t)sb.st_size, got = 0;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return fj__nomem(err);
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != size) {
        free(buf);
        return fj__errorf(err, FJ_ERR_IO, "cannot read '%s' (%zu of %zu bytes)", path, got, size);
    }
    buf[size] = '\0';
    *data = buf;
    *len = size;
    return FJ_OK;
}

static fj_status make_dirs(const char *dir, fj_error *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s", dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return fj__errorf(err, FJ_ERR_IO, "cannot create folder '%s': %s", path,
                                  strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return fj__errorf(err, FJ_ERR_IO, "'%s' is not a folder", dir);
    return FJ_OK;
}

/* Write dir/name (in the save's temporary folder), flushed to disk, and add it to the
 * manifest's "files" (with `extra` members, when given). `shown` is the folder named in
 * errors: the one the user asked for. */
static fj_status write_file(const char *dir, const char *shown, const char *name, const char *data,
                            size_t len, json_t *files, json_t *extra, fj_error *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot write '%s/%s': %s", shown, name, strerror(errno));
    size_t done = 0;
    int e = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? errno : ENOSPC;
            break;
        }
        done += (size_t)w;
    }
    if (!e && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (e)
        return fj__errorf(err, FJ_ERR_IO, "cannot write '%s/%s': %s", shown, name, strerror(e));
    if (files) {
        char hex[65];
        fj__sha256_hex(data, len, hex);
        json_t *o = json_pack("{sIss}", "bytes", (json_int_t)len, "sha256", hex);
        if (!o || (extra && json_object_update(o, extra) != 0) ||
            json_object_set_new(files, name, o) != 0)
            return fj__nomem(err);
    }
    return FJ_OK;
}

static fj_status read_checked(const char *dir, const char *name, const char *sum, size_t bytes,
                              char **data, size_t *len, fj_error *err);

/* ---- weights ---- */

static bool weights_write(const fj__part *pt, fj_buf *out)
{
    fj__cnum cn;
    if (!fj__cnum_begin(&cn))
        return false;
    char num[32];
    fj__fmt_double(num, pt->b);
    bool ok = fj__buf_printf(out, "fakejob-weights\t1\nweights\t%zu\nbias\t%s\n", pt->fs.n, num);
    for (size_t i = 0; ok && i < pt->fs.n; i++) {
        fj__fmt_double(num, pt->w[i]);
        ok = fj__buf_printf(out, "%s\n", num);
    }
    ok = ok && fj__buf_append(out, "end\n", 4);
    fj__cnum_end(&cn);
    return ok;
}

static fj_status weights_parse(fj__part *pt, const char *data, size_t len, const char *file,
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
        st = fj__error(err, FJ_ERR_MODEL, NULL, -1, c.line, "%s:%lld: bias %g is beyond +-%g", file,
                       c.line, pt->b, FJ__MAX_WEIGHT);
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
            st = fj__error(err, FJ_ERR_MODEL, NULL, -1, c.line,
                           "%s:%lld: weight of feature %zu (%g) is beyond +-%g", file, c.line,
                           i + 1, pt->w[i], FJ__MAX_WEIGHT);
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

/* ---- calibration ---- */

static char *calibration_text(const fj__part *pt, fj_error *err)
{
    fj__cnum cn;
    if (!fj__cnum_begin(&cn)) {
        fj__errorf(err, FJ_ERR_INTERNAL, "cannot create the C numeric locale");
        return NULL;
    }
    const char *keys[] = {"C",       "gamma",           "platt_a",
                          "platt_b", "threshold_fraud", "threshold_suspicious"};
    double vals[] = {pt->C, pt->gamma, pt->platt_a, pt->platt_b, pt->t_fraud, pt->t_susp};
    fj_buf b = {0};
    bool ok =
        fj__buf_printf(&b, "{\n  \"format\": 1,\n  \"kernel\": \"%s\"", kernel_name(pt->kernel));
    for (int i = 0; ok && i < 6; i++) {
        char num[32];
        fj__fmt_double(num, vals[i]);
        ok = fj__buf_printf(&b, ",\n  \"%s\": %s", keys[i], num);
    }
    if (ok && pt->cv_json)
        ok = fj__buf_printf(&b, ",\n  \"cv\": %s", pt->cv_json);
    ok = ok && fj__buf_append(&b, "\n}\n", 3);
    fj__cnum_end(&cn);
    if (!ok) {
        fj__buf_free(&b);
        fj__nomem(err);
        return NULL;
    }
    return b.data;
}

static bool get_num(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return false;
    double d = json_number_value(v);
    if (!isfinite(d))
        return false;
    *out = d;
    return true;
}

static fj_status calibration_parse(fj__part *pt, const char *data, size_t len, const char *file,
                                   fj_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return fj__error(err, FJ_ERR_MODEL, NULL, -1, je.line, "%s:%d: %s", file, je.line, je.text);
    fj_status st = FJ_OK;
    json_t *fmt = json_object_get(o, "format");
    const char *k = json_string_value(json_object_get(o, "kernel"));
    if (!json_is_object(o) || !json_is_integer(fmt)) {
        st = fj__errorf(err, FJ_ERR_MODEL, "%s: not a calibration object with a format", file);
    } else if (json_integer_value(fmt) != 1) {
        st = fj__errorf(err, json_integer_value(fmt) > 1 ? FJ_ERR_VERSION : FJ_ERR_MODEL,
                        "%s: calibration format %lld is not 1", file,
                        (long long)json_integer_value(fmt));
    } else if (!k || (strcmp(k, "linear") != 0 && strcmp(k, "rbf") != 0)) {
        st = fj__errorf(err, FJ_ERR_MODEL, "%s: kernel must be \"linear\" or \"rbf\"", file);
    } else if (!get_num(o, "C", &pt->C) || !get_num(o, "gamma", &pt->gamma) ||
               !get_num(o, "platt_a", &pt->platt_a) || !get_num(o, "platt_b", &pt->platt_b) ||
               !get_num(o, "threshold_fraud", &pt->t_fraud) ||
               !get_num(o, "threshold_suspicious", &pt->t_susp)) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s: C, gamma, platt_a, platt_b, threshold_fraud and "
                        "threshold_suspicious must be finite numbers",
                        file);
    } else if (pt->t_fraud < 0 || pt->t_fraud > 1 || pt->t_susp < 0 || pt->t_susp > pt->t_fraud) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s: thresholds must satisfy 0 <= suspicious <= fraud <= 1", file);
    } else {
        pt->kernel = strcmp(k, "rbf") == 0 ? FJ_KERNEL_RBF : FJ_KERNEL_LINEAR;
        json_t *cv = json_object_get(o, "cv");
        if (json_is_object(cv)) {
            pt->cv_json = json_dumps(cv, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
            if (!pt->cv_json)
                st = fj__nomem(err);
        }
    }
    json_decref(o);
    return st;
}

/* ---- manifest ---- */

fj_status fj__model_build_manifest(fj_model *m, fj_error *err)
{
    json_t *training = m->training ? json_loads(m->training, 0, NULL) : json_object();
    json_t *parts = json_array();
    json_t *o = json_pack("{sisssssssss{sssi}ss}", "format", FJ__BUNDLE_FORMAT, "kind",
                          "fakejob-model", "name", m->name, "version", m->version, "created",
                          m->created ? m->created : "", "library", "libfakejob", fj_version(),
                          "libsvm", libsvm_version, "kernel", kernel_name(m->part[0].kernel));
    bool ok = training && parts && o;
    for (int i = 0; ok && i < m->nparts; i++) {
        const fj__part *pt = &m->part[i];
        json_t *cv = pt->cv_json ? json_loads(pt->cv_json, 0, NULL) : json_null();
        json_t *po =
            json_pack("{sssIsfsfsfsfso}", "lang", pt->lang, "features", (json_int_t)pt->fs.n, "C",
                      pt->C, "gamma", pt->gamma, "threshold_fraud", pt->t_fraud,
                      "threshold_suspicious", pt->t_susp, "cv", cv ? cv : json_null());
        ok = po && json_array_append_new(parts, po) == 0;
    }
    if (ok) {
        json_object_set_new(o, "parts", parts);
        json_object_set_new(o, "training", training);
        parts = training = NULL;
    }
    char *s = ok ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(o);
    json_decref(parts);
    json_decref(training);
    if (!s)
        return fj__nomem(err);
    free(m->manifest);
    m->manifest = s;
    return FJ_OK;
}

/* ---- saving: a new folder beside the old one, then one rename ---- */

/* The process's umask without changing it (umask(2) would, for every thread): Linux gives it in
 * /proc/self/status; 022 elsewhere. mkdtemp makes folders 0700, a bundle is shared like its
 * files. */
static mode_t current_umask(void)
{
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "re");
    if (f) {
        char line[128];
        unsigned v;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "Umask: %o", &v) == 1) {
                mask = (mode_t)(v & 0777);
                break;
            }
        fclose(f);
    }
    return mask;
}

/* Remove the regular files of `dir`, then the folder (a failed save's temporary folder, or the
 * bundle a save replaced). */
static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
}

/* `dir` without trailing slashes, split into its parent folder and its name. */
static fj_status split_dir(const char *dir, char *path, char *parent, char *base, fj_error *err)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= PATH_MAX - 32)
        return fj__errorf(err, FJ_ERR_IO, "bad model folder '%s'", dir);
    memcpy(path, dir, n);
    path[n] = '\0';
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    if (!*b || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
        return fj__errorf(err, FJ_ERR_IO,
                          "cannot save a model as '%s': give the bundle folder's own name", dir);
    snprintf(base, NAME_MAX + 1, "%s", b);
    if (!slash)
        snprintf(parent, PATH_MAX, ".");
    else if (slash == path)
        snprintf(parent, PATH_MAX, "/");
    else
        snprintf(parent, PATH_MAX, "%.*s", (int)(slash - path), path);
    return FJ_OK;
}

/* Whether an existing `dir` may be replaced by a save: it must be empty, or a model bundle
 * (a manifest.json) of regular files only. *old_man: the old manifest, if it parses. */
static fj_status check_replaceable(const char *dir, json_t **old_man, fj_error *err)
{
    *old_man = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", dir, strerror(errno));
    bool any = false, manifest = false, odd = false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        any = true;
        struct stat sb;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            odd = true;
        if (strcmp(e->d_name, "manifest.json") == 0)
            manifest = true;
    }
    closedir(d);
    if (odd || (any && !manifest))
        return fj__errorf(err, FJ_ERR_IO,
                          "'%s' exists and is not a model bundle (a folder of regular files with "
                          "a manifest.json): refusing to replace it",
                          dir);
    if (manifest) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/manifest.json", dir);
        *old_man = json_load_file(path, 0, NULL);
    }
    return FJ_OK;
}

static fj_status copy_file(const char *from, const char *to, fj_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot read '%s': %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (out < 0) {
        int e = errno;
        close(in);
        return fj__errorf(err, FJ_ERR_IO, "cannot write '%s': %s", to, strerror(e));
    }
    char buf[65536];
    int e = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            e = errno;
        if (r <= 0)
            break;
        for (ssize_t done = 0; done < r && !e;) {
            ssize_t w = write(out, buf + done, (size_t)(r - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                e = w < 0 ? errno : ENOSPC;
            else
                done += w;
        }
        if (e)
            break;
    }
    if (!e && fsync(out) != 0 && errno != EINVAL && errno != EROFS)
        e = errno;
    close(in);
    if (close(out) != 0 && !e)
        e = errno;
    if (e)
        return fj__errorf(err, FJ_ERR_IO, "cannot copy '%s' to '%s': %s", from, to, strerror(e));
    return FJ_OK;
}

/* The files of the old bundle that are not bundle files (MODEL.md, notes) go into the new
 * folder: hard links where the file system allows, else copies. */
static fj_status carry_over(const char *old, const char *tmp, json_t *old_files, json_t *files,
                            fj_error *err)
{
    DIR *d = opendir(old);
    if (!d)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", old, strerror(errno));
    fj_status st = FJ_OK;
    struct dirent *e;
    while (st == FJ_OK && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] == '.' || strcmp(n, "manifest.json") == 0 || json_object_get(old_files, n) ||
            json_object_get(files, n))
            continue;
        char from[PATH_MAX], to[PATH_MAX];
        if ((size_t)snprintf(from, sizeof from, "%s/%s", old, n) >= sizeof from ||
            (size_t)snprintf(to, sizeof to, "%s/%s", tmp, n) >= sizeof to) {
            st = fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", old, n);
            break;
        }
        if (link(from, to) != 0)
            st = copy_file(from, to, err);
    }
    closedir(d);
    return st;
}

/* Put the finished temporary folder `tmp` in the place of `dir` (absent, or replaceable):
 * one atomic exchange where the file system supports it, else two renames (the old bundle is
 * moved back when the second fails). The old bundle's folder is removed afterwards. */
static fj_status install_folder(const char *tmp, const char *dir, bool exists, const char *parent,
                                const char *base, fj_error *err)
{
    if (!exists) {
        if (rename(tmp, dir) != 0)
            return fj__errorf(err, FJ_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, dir,
                              strerror(errno));
    } else {
#ifdef RENAME_EXCHANGE
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
            remove_folder(tmp); /* now the old bundle */
            return FJ_OK;
        }
#endif
        char old[PATH_MAX];
        if ((size_t)snprintf(old, sizeof old, "%s/.%s.old-XXXXXX", parent, base) >= sizeof old ||
            !mkdtemp(old))
            return fj__errorf(err, FJ_ERR_IO, "cannot replace '%s': %s", dir, strerror(errno));
        if (rename(dir, old) != 0) {
            int e = errno;
            rmdir(old);
            return fj__errorf(err, FJ_ERR_IO, "cannot replace '%s': %s", dir, strerror(e));
        }
        if (rename(tmp, dir) != 0) {
            int e = errno;
            rename(old, dir);
            return fj__errorf(err, FJ_ERR_IO, "cannot replace '%s': %s", dir, strerror(e));
        }
        remove_folder(old);
    }
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd >= 0) {
        fsync(pfd);
        close(pfd);
    }
    return FJ_OK;
}

/* Write every file of the bundle into `tmp` (errors name `shown`, the folder asked for). */
static fj_status write_bundle(const fj_model *m, const char *tmp, const char *shown, json_t *files,
                              fj_error *err)
{
    fj_status st = FJ_OK;
    for (int i = 0; st == FJ_OK && i < m->nparts; i++) {
        const fj__part *pt = &m->part[i];
        char name[64];
        fj_buf b = {0};
        snprintf(name, sizeof name, "%s.features.tsv", pt->lang);
        st = fj__fspace_write(&pt->fs, &b)
                 ? write_file(tmp, shown, name, b.data, b.len, files, NULL, err)
                 : fj__nomem(err);
        b.len = 0;
        if (st == FJ_OK && pt->kernel == FJ_KERNEL_LINEAR) {
            snprintf(name, sizeof name, "%s.weights.tsv", pt->lang);
            st = weights_write(pt, &b)
                     ? write_file(tmp, shown, name, b.data, b.len, files, NULL, err)
                     : fj__nomem(err);
        }
        b.len = 0;
        if (st == FJ_OK && fj__bin_supported()) {
            snprintf(name, sizeof name, "%s.model.bin", pt->lang);
            st = fj__bin_write(pt, &b, err);
            if (st == FJ_OK) {
                /* the manifest also records the image's own checksum, which loading verifies
                 * (SHA-256 of it would cost more than the rest of the load) */
                char sum[17];
                uint64_t c;
                memcpy(&c, b.data + 128, 8);
                snprintf(sum, sizeof sum, "%016llx", (unsigned long long)c);
                json_t *extra = json_pack("{ss}", "fjh64", sum);
                st = extra ? write_file(tmp, shown, name, b.data, b.len, files, extra, err)
                           : fj__nomem(err);
                json_decref(extra);
            }
        }
        fj__buf_free(&b);
        if (st == FJ_OK) {
            snprintf(name, sizeof name, "%s.svm.model", pt->lang);
            char *text = pt->svm_text, *lazy = NULL;
            size_t tlen = pt->svm_len;
            if (!text && pt->svm_src) {
                /* a loaded linear part: its libsvm model is read (and verified) only now */
                st = read_checked(pt->svm_src, name, pt->svm_sha, pt->svm_len, &lazy, &tlen, err);
                text = lazy;
            } else if (!text) {
                st = fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_save: part '%s' has no SVM model",
                                pt->lang);
            }
            if (st == FJ_OK)
                st = write_file(tmp, shown, name, text, tlen, files, NULL, err);
            free(lazy);
        }
        if (st == FJ_OK) {
            char *cal = calibration_text(pt, err);
            snprintf(name, sizeof name, "%s.calibration.json", pt->lang);
            st = cal ? write_file(tmp, shown, name, cal, strlen(cal), files, NULL, err)
                     : FJ_ERR_NOMEM;
            free(cal);
        }
    }
    if (st == FJ_OK && m->train_fp) {
        fj_buf b = {0};
        st = fj__train_fp_write(m, &b)
                 ? write_file(tmp, shown, "training.fingerprints", b.data, b.len, files, NULL, err)
                 : fj__nomem(err);
        fj__buf_free(&b);
    }
    json_t *man = NULL;
    if (st == FJ_OK) {
        /* the manifest: the model's own (as trained or loaded) with this save's files */
        fj_model tmpm = *m;
        tmpm.manifest = NULL;
        st = fj__model_build_manifest(&tmpm, err);
        if (st == FJ_OK) {
            man = json_loads(tmpm.manifest, 0, NULL);
            free(tmpm.manifest);
            if (!man || json_object_set(man, "files", files) != 0)
                st = fj__nomem(err);
        }
    }
    if (st == FJ_OK) {
        char *text = json_dumps(man, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
        fj_buf b = {0};
        if (!text || !fj__buf_append(&b, text, strlen(text)) || !fj__buf_append(&b, "\n", 1))
            st = fj__nomem(err);
        else
            st = write_file(tmp, shown, "manifest.json", b.data, b.len, NULL, NULL, err);
        fj__buf_free(&b);
        free(text);
    }
    json_decref(man);
    return st;
}

fj_status fj_model_save(const fj_model *m, const char *dir, fj_error *err)
{
    if (!m || !dir)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_save: NULL argument");
    char path[PATH_MAX], parent[PATH_MAX], base[NAME_MAX + 1], tmp[PATH_MAX + NAME_MAX + 16];
    fj_status st = split_dir(dir, path, parent, base, err);
    if (st == FJ_OK)
        st = make_dirs(parent, err);
    if (st != FJ_OK)
        return st;
    struct stat sb;
    bool exists = lstat(path, &sb) == 0;
    if (exists && !S_ISDIR(sb.st_mode))
        return fj__errorf(err, FJ_ERR_IO,
                          "'%s' exists and is not a folder (a symbolic link or a file): refusing "
                          "to replace it",
                          dir);
    json_t *old_man = NULL;
    if (exists && (st = check_replaceable(path, &old_man, err)) != FJ_OK)
        return st;
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", parent, base);
    if (!mkdtemp(tmp)) {
        json_decref(old_man);
        return fj__errorf(err, FJ_ERR_IO, "cannot create a folder beside '%s': %s", dir,
                          strerror(errno));
    }
    chmod(tmp, 0777 & ~current_umask());
    json_t *files = json_object();
    st = files ? write_bundle(m, tmp, path, files, err) : fj__nomem(err);
    if (st == FJ_OK && exists)
        st = carry_over(path, tmp, json_object_get(old_man, "files"), files, err);
    if (st == FJ_OK)
        st = install_folder(tmp, path, exists, parent, base, err);
    if (st != FJ_OK)
        remove_folder(tmp); /* the old bundle, if any, is untouched */
    json_decref(files);
    json_decref(old_man);
    return st;
}

/* ---- loading ---- */

static bool safe_name(const char *s)
{
    if (!*s || strlen(s) > 100 || s[0] == '.')
        return false;
    for (; *s; s++)
        if (*s == '/' || *s == '\\')
            return false;
    return true;
}

/* The manifest's "files" entry of `name`: its size and SHA-256. */
static fj_status manifest_entry(const char *dir, json_t *files, const char *name, size_t *bytes,
                                const char **sum, fj_error *err)
{
    json_t *e = json_object_get(files, name);
    json_t *b = json_object_get(e, "bytes");
    *sum = json_string_value(json_object_get(e, "sha256"));
    if (!json_is_object(e) || !json_is_integer(b) || json_integer_value(b) < 0 || !*sum ||
        strlen(*sum) != 64)
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s/manifest.json: no \"bytes\" and \"sha256\" entry for '%s'", dir,
                          name);
    if ((unsigned long long)json_integer_value(b) > MAX_FILE_BYTES)
        return fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: '%s' is larger than %zu bytes", dir,
                          name, MAX_FILE_BYTES);
    *bytes = (size_t)json_integer_value(b);
    return FJ_OK;
}

/* Read a file of the bundle and verify it against the manifest's "files" entry. */
static fj_status load_verified(const char *dir, json_t *files, const char *name, char **data,
                               size_t *len, fj_error *err)
{
    size_t bytes;
    const char *sum;
    fj_status st = manifest_entry(dir, files, name, &bytes, &sum, err);
    return st != FJ_OK ? st : read_checked(dir, name, sum, bytes, data, len, err);
}

/* Check only the size of a bundle file that this load does not read (the text export of a part
 * loaded from its binary form). */
static fj_status check_size(const char *dir, json_t *files, const char *name, fj_error *err)
{
    size_t bytes;
    const char *sum;
    fj_status st = manifest_entry(dir, files, name, &bytes, &sum, err);
    if (st != FJ_OK)
        return st;
    char path[PATH_MAX];
    struct stat sb;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", dir, name);
    if (stat(path, &sb) != 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return fj__errorf(err, FJ_ERR_IO, "'%s' is not a regular file", path);
    if ((unsigned long long)sb.st_size != (unsigned long long)bytes)
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: %llu bytes where the manifest says %zu (truncated or altered)", path,
                          (unsigned long long)sb.st_size, bytes);
    return FJ_OK;
}

/* Read a file of the bundle, its size checked before and its SHA-256 (lowercase hex) after. */
static fj_status read_checked(const char *dir, const char *name, const char *sum, size_t bytes,
                              char **data, size_t *len, fj_error *err)
{
    fj_status st = read_file(dir, name, bytes, data, len, err);
    if (st != FJ_OK)
        return st;
    char hex[65];
    fj__sha256_hex(*data, *len, hex);
    if (strcmp(hex, sum) != 0) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s/%s: checksum mismatch (the file is corrupted or was altered)", dir,
                        name);
        free(*data);
        *data = NULL;
    }
    return st;
}

static char *dup_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strdup(s) : NULL;
}

/* A linear part's PART.svm.model must be the libsvm form of its weights: every support vector
 * index inside the feature space, and sum(coef * SV) equal to the weights, -rho to the bias
 * (exactly for the collapsed form training writes; to 1e-9 relative otherwise). */
static fj_status svm_matches_weights(const fj__part *pt, const struct svm_model *svm,
                                     const char *path, fj_error *err)
{
    if (svm->param.kernel_type != LINEAR)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: kernel differs from the calibration's", path);
    double sign = svm->label[0] == 1 ? 1 : -1;
    double *w = calloc(pt->fs.n + 1, sizeof *w);
    if (!w)
        return fj__nomem(err);
    fj_status st = FJ_OK;
    for (int i = 0; i < svm->l && st == FJ_OK; i++)
        for (const struct svm_node *x = svm->SV[i]; x->index != -1; x++) {
            if ((size_t)x->index > pt->fs.n) {
                st = fj__errorf(err, FJ_ERR_MODEL, "%s: support vector %d uses feature %d of %zu",
                                path, i + 1, x->index, pt->fs.n);
                break;
            }
            w[x->index - 1] += sign * svm->sv_coef[0][i] * x->value;
        }
    for (size_t j = 0; j < pt->fs.n && st == FJ_OK; j++)
        if (!(fabs(w[j] - pt->w[j]) <= 1e-9 * (1 + fabs(pt->w[j]))))
            st = fj__errorf(err, FJ_ERR_MODEL,
                            "%s: feature %zu: weight %.17g where the weights file has %.17g", path,
                            j + 1, w[j], pt->w[j]);
    if (st == FJ_OK && !(fabs(-sign * svm->rho[0] - pt->b) <= 1e-9 * (1 + fabs(pt->b))))
        st = fj__errorf(err, FJ_ERR_MODEL, "%s: rho %.17g does not match the bias %.17g", path,
                        svm->rho[0], pt->b);
    free(w);
    return st;
}

/* A linear part does not keep its PART.svm.model: where to read it again, and its checksum. */
static fj_status keep_svm_source(fj__part *pt, const char *dir, json_t *files, const char *name,
                                 fj_error *err)
{
    const char *sum;
    fj_status st = manifest_entry(dir, files, name, &pt->svm_len, &sum, err);
    if (st != FJ_OK)
        return st;
    memcpy(pt->svm_sha, sum, 65);
    pt->svm_src = strdup(dir);
    return pt->svm_src ? FJ_OK : fj__nomem(err);
}

/* An RBF part's parsed libsvm model: the calibration's kernel, every support vector index
 * inside the feature space; sets the sign of the margin. */
static fj_status rbf_check(fj__part *pt, const char *path, fj_error *err)
{
    if (pt->svm->param.kernel_type != RBF)
        return fj__errorf(err, FJ_ERR_MODEL, "%s: kernel differs from the calibration's", path);
    for (int i = 0; i < pt->svm->l; i++)
        for (const struct svm_node *x = pt->svm->SV[i]; x->index != -1; x++)
            if ((size_t)x->index > pt->fs.n)
                return fj__errorf(err, FJ_ERR_MODEL, "%s: support vector %d uses feature %d of %zu",
                                  path, i + 1, x->index, pt->fs.n);
    pt->sign = pt->svm->label[0] == 1 ? 1 : -1;
    return FJ_OK;
}

/* The text form of a part: PART.features.tsv, PART.weights.tsv (linear) and PART.svm.model,
 * each verified, parsed and checked against the others. */
static fj_status load_part_text(fj__part *pt, const char *dir, json_t *files, fj_error *err)
{
    char name[64], path[PATH_MAX + 80];
    char *data = NULL;
    size_t len = 0;
    snprintf(name, sizeof name, "%s.features.tsv", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fj_status st = load_verified(dir, files, name, &data, &len, err);
    if (st == FJ_OK)
        st = fj__fspace_parse(&pt->fs, data, len, path, err);
    free(data);
    data = NULL;
    if (st != FJ_OK)
        return st;
    for (size_t f = pt->fs.n_dense; f < pt->fs.n; f++)
        if (pt->fs.param[f] > FJ__MAX_IDF) /* feature f is on line f + 3 */
            return fj__error(err, FJ_ERR_MODEL, NULL, -1, (long long)f + 3,
                             "%s:%zu: idf %g is beyond %g", path, f + 3, pt->fs.param[f],
                             FJ__MAX_IDF);
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        snprintf(name, sizeof name, "%s.weights.tsv", pt->lang);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        st = load_verified(dir, files, name, &data, &len, err);
        if (st == FJ_OK)
            st = weights_parse(pt, data, len, path, err);
        free(data);
        if (st != FJ_OK)
            return st;
    }
    snprintf(name, sizeof name, "%s.svm.model", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    st = load_verified(dir, files, name, &pt->svm_text, &pt->svm_len, err);
    if (st == FJ_OK)
        st = fj__svm_parse(&pt->svm, pt->svm_text, pt->svm_len, path, err);
    if (st != FJ_OK)
        return st;
    pt->sign = 1;
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        /* scoring uses the primal weights: the libsvm model is checked against them, then
         * dropped (fj_model_save reads the file again) */
        st = svm_matches_weights(pt, pt->svm, path, err);
        fj__svm_free(pt->svm);
        pt->svm = NULL;
        free(pt->svm_text);
        pt->svm_text = NULL;
        return st != FJ_OK ? st : keep_svm_source(pt, dir, files, name, err);
    }
    return rbf_check(pt, path, err);
}

/* The binary form of a part: PART.model.bin mapped and validated (its checksum must be the one
 * the manifest records), the text export's sizes checked; an RBF part still parses its libsvm
 * model. */
static fj_status load_part_bin(fj__part *pt, const char *dir, json_t *files, fj_error *err)
{
    char name[64], path[PATH_MAX + 80];
    snprintf(name, sizeof name, "%s.model.bin", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t bytes;
    const char *sha;
    fj_status st = manifest_entry(dir, files, name, &bytes, &sha, err);
    if (st != FJ_OK)
        return st;
    const char *want = json_string_value(json_object_get(json_object_get(files, name), "fjh64"));
    char *end = NULL;
    unsigned long long wsum = want && strlen(want) == 16 ? strtoull(want, &end, 16) : 0;
    if (!end || *end)
        return fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: no \"fjh64\" checksum for '%s'",
                          dir, name);
    const char *text[] = {"features.tsv", pt->kernel == FJ_KERNEL_LINEAR ? "weights.tsv" : NULL,
                          "svm.model"};
    for (int k = 0; k < 3 && st == FJ_OK; k++) {
        if (!text[k])
            continue;
        snprintf(name, sizeof name, "%s.%s", pt->lang, text[k]);
        st = check_size(dir, files, name, err);
    }
    if (st != FJ_OK)
        return st;
    fj__bin_view v;
    st = fj__bin_map(path, bytes, pt->kernel, &v, err);
    if (st != FJ_OK)
        return st;
    uint64_t have;
    memcpy(&have, (const unsigned char *)v.map + 128, 8);
    if (have != wsum) {
        fj__bin_unmap(v.map, v.map_len);
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s: checksum %016llx where the manifest says %s (altered or from "
                          "another bundle)",
                          path, (unsigned long long)have, want);
    }
    pt->map = v.map;
    pt->map_len = v.map_len;
    pt->fs = v.fs;
    pt->w = v.w;
    pt->b = v.b;
    pt->sign = 1;
    snprintf(name, sizeof name, "%s.svm.model", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        /* not read now: fj_model_save reads (and verifies) it */
        return keep_svm_source(pt, dir, files, name, err);
    }
    st = load_verified(dir, files, name, &pt->svm_text, &pt->svm_len, err);
    if (st == FJ_OK)
        st = fj__svm_parse(&pt->svm, pt->svm_text, pt->svm_len, path, err);
    if (st != FJ_OK)
        return st;
    return rbf_check(pt, path, err);
}

static fj_status load_part(fj__part *pt, const char *dir, json_t *files, bool text_only,
                           fj_error *err)
{
    char name[64], path[PATH_MAX + 80];
    char *data = NULL;
    size_t len = 0;
    snprintf(name, sizeof name, "%s.calibration.json", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fj_status st = load_verified(dir, files, name, &data, &len, err);
    if (st == FJ_OK)
        st = calibration_parse(pt, data, len, path, err);
    free(data);
    if (st != FJ_OK)
        return st;
    snprintf(name, sizeof name, "%s.model.bin", pt->lang);
    if (!text_only && fj__bin_supported() && json_object_get(files, name))
        return load_part_bin(pt, dir, files, err);
    return load_part_text(pt, dir, files, err);
}

static fj_status model_load(fj_model **out, const char *dir, bool text_only, fj_error *err)
{
    if (!out || !dir)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_load: NULL argument");
    *out = NULL;
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return fj__errorf(err, FJ_ERR_IO, "cannot open model folder '%s': %s", dir,
                          strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return fj__errorf(err, FJ_ERR_IO, "'%s' is not a folder (a model is a folder)", dir);
    char *text = NULL;
    size_t len = 0;
    fj_status st = read_file(dir, "manifest.json", SIZE_MAX, &text, &len, err);
    if (st != FJ_OK)
        return st;
    json_error_t je;
    json_t *man = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    fj_model *m = NULL;
    if (!man) {
        st = fj__error(err, FJ_ERR_MODEL, NULL, -1, je.line, "%s/manifest.json:%d: %s", dir,
                       je.line, je.text);
        goto out;
    }
    json_t *fmt = json_object_get(man, "format");
    const char *kind = json_string_value(json_object_get(man, "kind"));
    if (!json_is_object(man) || !json_is_integer(fmt) || !kind ||
        strcmp(kind, "fakejob-model") != 0) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s/manifest.json: not a fakejob model manifest (needs \"kind\": "
                        "\"fakejob-model\" and an integer \"format\")",
                        dir);
        goto out;
    }
    if (json_integer_value(fmt) > FJ__BUNDLE_FORMAT) {
        st = fj__errorf(err, FJ_ERR_VERSION,
                        "%s/manifest.json: bundle format %lld is newer than this library's (%d); "
                        "upgrade libfakejob",
                        dir, (long long)json_integer_value(fmt), FJ__BUNDLE_FORMAT);
        goto out;
    }
    if (json_integer_value(fmt) < 1) {
        st = fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: bad format %lld", dir,
                        (long long)json_integer_value(fmt));
        goto out;
    }
    json_t *files = json_object_get(man, "files");
    json_t *parts = json_object_get(man, "parts");
    m = calloc(1, sizeof *m);
    if (!m) {
        st = fj__nomem(err);
        goto out;
    }
    m->name = dup_str(man, "name");
    m->version = dup_str(man, "version");
    m->created = dup_str(man, "created");
    if (!m->name || !m->version || !*m->name || !json_is_object(files) || !json_is_array(parts) ||
        json_array_size(parts) < 1 || json_array_size(parts) > FJ__MAX_PARTS) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s/manifest.json: needs \"name\", \"version\", \"files\" and 1 to %d "
                        "\"parts\"",
                        dir, FJ__MAX_PARTS);
        goto out;
    }
    const char *fname;
    json_t *fv;
    json_object_foreach(files, fname, fv)
    {
        if (!safe_name(fname)) {
            st = fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: bad file name '%.60s'", dir,
                            fname);
            goto out;
        }
    }
    for (size_t i = 0; i < json_array_size(parts); i++) {
        const char *lang = json_string_value(json_object_get(json_array_get(parts, i), "lang"));
        if (!lang ||
            (strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0 && strcmp(lang, "all") != 0)) {
            st = fj__errorf(err, FJ_ERR_MODEL,
                            "%s/manifest.json: part %zu: \"lang\" must be zh, en or all", dir,
                            i + 1);
            goto out;
        }
        for (int j = 0; j < m->nparts; j++)
            if (strcmp(m->part[j].lang, lang) == 0) {
                st = fj__errorf(err, FJ_ERR_MODEL, "%s/manifest.json: two parts for '%s'", dir,
                                lang);
                goto out;
            }
        fj__part *pt = &m->part[m->nparts++];
        snprintf(pt->lang, sizeof pt->lang, "%s", lang);
        st = load_part(pt, dir, files, text_only, err);
        if (st != FJ_OK)
            goto out;
    }
    if (json_object_get(files, "training.fingerprints")) {
        char *fp = NULL;
        size_t fplen = 0;
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/training.fingerprints", dir);
        st = load_verified(dir, files, "training.fingerprints", &fp, &fplen, err);
        if (st == FJ_OK)
            st = fj__train_fp_parse(m, fp, fplen, path, err);
        free(fp);
        if (st != FJ_OK)
            goto out;
    }
    json_t *tr = json_object_get(man, "training");
    if (json_is_object(tr))
        m->training = json_dumps(tr, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
    size_t dl = strlen(m->name) + strlen(m->version) + 2;
    m->display = malloc(dl);
    m->manifest = strdup(text);
    if (!m->display || !m->manifest) {
        st = fj__nomem(err);
        goto out;
    }
    snprintf(m->display, dl, "%s %s", m->name, m->version);
out:
    json_decref(man);
    free(text);
    if (st != FJ_OK) {
        fj_model_free(m);
        return st;
    }
    *out = m;
    return FJ_OK;
}

fj_status fj_model_load(fj_model **out, const char *dir, fj_error *err)
{
    return model_load(out, dir, false, err);
}

fj_status fj__model_load_text(fj_model **out, const char *dir, fj_error *err)
{
    return model_load(out, dir, true, err);
}

/* ---- the default model ---- */

static bool in_build_tree(void)
{
    Dl_info info;
    if (!dladdr((void *)&fj_model_load_default, &info) || !info.dli_fname)
        return false;
    char self[PATH_MAX], build[PATH_MAX];
    /* for the main program dladdr gives argv[0], which may be a bare or made-up name */
    if ((!strchr(info.dli_fname, '/') || !realpath(info.dli_fname, self)) &&
        !realpath("/proc/self/exe", self))
        return false;
    if (!realpath(FJ_BUILDDIR, build))
        return false;
    size_t n = strlen(build);
    return strncmp(self, build, n) == 0 && self[n] == '/';
}

fj_status fj_model_load_default(fj_model **out, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_load_default: out is NULL");
    const char *env = getenv("FAKEJOB_MODEL");
    if (env && *env)
        return fj_model_load(out, env, err);
    const char *dir =
        in_build_tree() ? FJ_SOURCE_MODELDIR "/default" : FJ_DATADIR "/models/default";
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return fj__errorf(err, FJ_ERR_IO,
                          "no default model: '%s' does not exist (set FAKEJOB_MODEL to a model "
                          "folder, or pass one explicitly)",
                          dir);
    return fj_model_load(out, dir, err);
}
