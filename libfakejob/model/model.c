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
#include "core/json.h"
#include "model/model.h"

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
    case FJ_VERDICT_INSUFFICIENT:
        return "insufficient";
    }
    return NULL;
}

void fj__part_free(fj__part *pt)
{
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

static fj_status read_file(const char *dir, const char *name, char **data, size_t *len,
                           fj_error *err)
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
    if ((unsigned long long)sb.st_size > MAX_FILE_BYTES) {
        close(fd);
        return fj__errorf(err, FJ_ERR_MODEL, "'%s' is larger than %zu bytes", path, MAX_FILE_BYTES);
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

/* Write a file atomically (a temporary then rename) and add it to the manifest's "files". */
static fj_status write_file(const char *dir, const char *name, const char *data, size_t len,
                            json_t *files, fj_error *err)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) >= sizeof tmp)
        return fj__errorf(err, FJ_ERR_IO, "path too long: %s/%s", dir, name);
    FILE *fp = fopen(tmp, "wb");
    if (!fp)
        return fj__errorf(err, FJ_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
    bool ok = fwrite(data, 1, len, fp) == len;
    ok = (fclose(fp) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return fj__errorf(err, FJ_ERR_IO, "cannot write '%s': %s", path, strerror(e));
    }
    if (files) {
        char hex[65];
        fj__sha256_hex(data, len, hex);
        json_t *o = json_pack("{sIss}", "bytes", (json_int_t)len, "sha256", hex);
        if (!o || json_object_set_new(files, name, o) != 0)
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
        char num[FJ__NUM_BUF];
        fj__fmt_double(vals[i], num);
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
        double fraud, postings;
        if (json_is_object(cv) && get_num(cv, "fraud", &fraud) &&
            get_num(cv, "postings", &postings) && fraud > 0 && fraud < postings)
            pt->prior = fraud / postings; /* the training mix */
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
        json_t *po = json_pack("{sssIsfsfsfsfsfso}", "lang", pt->lang, "features",
                               (json_int_t)pt->fs.n, "C", pt->C, "gamma", pt->gamma,
                               "threshold_fraud", pt->t_fraud, "threshold_suspicious", pt->t_susp,
                               "prior", pt->prior, "cv", cv ? cv : json_null());
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

fj_status fj_model_save(const fj_model *m, const char *dir, fj_error *err)
{
    if (!m || !dir)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_model_save: NULL argument");
    fj_status st = make_dirs(dir, err);
    if (st != FJ_OK)
        return st;
    json_t *files = json_object();
    if (!files)
        return fj__nomem(err);
    for (int i = 0; st == FJ_OK && i < m->nparts; i++) {
        const fj__part *pt = &m->part[i];
        char name[64];
        fj_buf b = {0};
        snprintf(name, sizeof name, "%s.features.tsv", pt->lang);
        st = fj__fspace_write(&pt->fs, &b) ? write_file(dir, name, b.data, b.len, files, err)
                                           : fj__nomem(err);
        b.len = 0;
        if (st == FJ_OK && pt->kernel == FJ_KERNEL_LINEAR) {
            snprintf(name, sizeof name, "%s.weights.tsv", pt->lang);
            st = weights_write(pt, &b) ? write_file(dir, name, b.data, b.len, files, err)
                                       : fj__nomem(err);
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
                st = write_file(dir, name, text, tlen, files, err);
            free(lazy);
        }
        if (st == FJ_OK) {
            char *cal = calibration_text(pt, err);
            snprintf(name, sizeof name, "%s.calibration.json", pt->lang);
            st = cal ? write_file(dir, name, cal, strlen(cal), files, err) : FJ_ERR_NOMEM;
            free(cal);
        }
    }
    json_t *man = NULL;
    if (st == FJ_OK) {
        /* the manifest: the model's own (as trained or loaded) with this save's files */
        fj_model tmp = *m;
        tmp.manifest = NULL;
        st = fj__model_build_manifest(&tmp, err);
        if (st == FJ_OK) {
            man = json_loads(tmp.manifest, 0, NULL);
            free(tmp.manifest);
            if (!man || json_object_set(man, "files", files) != 0)
                st = fj__nomem(err);
        }
    }
    if (st == FJ_OK) {
        char *text = json_dumps(man, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
        if (!text)
            st = fj__nomem(err);
        else {
            size_t tl = strlen(text);
            text[tl] = '\0';
            fj_buf b = {0};
            if (!fj__buf_append(&b, text, tl) || !fj__buf_append(&b, "\n", 1))
                st = fj__nomem(err);
            else
                st = write_file(dir, "manifest.json", b.data, b.len, NULL, err);
            fj__buf_free(&b);
            free(text);
        }
    }
    json_decref(man);
    json_decref(files);
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

/* Read a file of the bundle and verify it against the manifest's "files" entry. */
static fj_status load_verified(const char *dir, json_t *files, const char *name, char **data,
                               size_t *len, fj_error *err)
{
    json_t *e = json_object_get(files, name);
    json_t *bytes = json_object_get(e, "bytes");
    const char *sum = json_string_value(json_object_get(e, "sha256"));
    if (!json_is_object(e) || !json_is_integer(bytes) || json_integer_value(bytes) < 0 || !sum ||
        strlen(sum) != 64)
        return fj__errorf(err, FJ_ERR_MODEL,
                          "%s/manifest.json: no \"bytes\" and \"sha256\" entry for '%s'", dir,
                          name);
    return read_checked(dir, name, sum, (size_t)json_integer_value(bytes), data, len, err);
}

/* Read a file of the bundle and verify its size and SHA-256 (lowercase hex). */
static fj_status read_checked(const char *dir, const char *name, const char *sum, size_t bytes,
                              char **data, size_t *len, fj_error *err)
{
    fj_status st = read_file(dir, name, data, len, err);
    if (st != FJ_OK)
        return st;
    if (*len != bytes) {
        st = fj__errorf(err, FJ_ERR_MODEL,
                        "%s/%s: %zu bytes where the manifest says %zu (truncated or "
                        "altered)",
                        dir, name, *len, bytes);
    } else {
        char hex[65];
        fj__sha256_hex(*data, *len, hex);
        if (strcmp(hex, sum) != 0)
            st = fj__errorf(err, FJ_ERR_MODEL,
                            "%s/%s: checksum mismatch (the file is corrupted or was altered)", dir,
                            name);
    }
    if (st != FJ_OK) {
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

static fj_status load_part(fj__part *pt, const char *dir, json_t *files, fj_error *err)
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
    data = NULL;
    if (st != FJ_OK)
        return st;
    snprintf(name, sizeof name, "%s.features.tsv", pt->lang);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    st = load_verified(dir, files, name, &data, &len, err);
    if (st == FJ_OK)
        st = fj__fspace_parse(&pt->fs, data, len, path, err);
    free(data);
    data = NULL;
    if (st != FJ_OK)
        return st;
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
    pt->sign = 1;
    if (pt->kernel == FJ_KERNEL_LINEAR) {
        /* scoring uses the primal weights: the libsvm model is verified now (a damaged bundle
         * is refused at load) but not kept; fj_model_save reads it again */
        char *text = NULL;
        st = load_verified(dir, files, name, &text, &pt->svm_len, err);
        free(text);
        if (st != FJ_OK)
            return st;
        const char *sum =
            json_string_value(json_object_get(json_object_get(files, name), "sha256"));
        pt->svm_src = strdup(dir);
        if (!pt->svm_src)
            return fj__nomem(err);
        memcpy(pt->svm_sha, sum, 65);
        return FJ_OK;
    }
    st = load_verified(dir, files, name, &pt->svm_text, &pt->svm_len, err);
    if (st != FJ_OK)
        return st;
    {
        st = fj__svm_parse(&pt->svm, pt->svm_text, pt->svm_len, path, err);
        if (st != FJ_OK)
            return st;
        if (pt->svm->param.kernel_type != RBF)
            return fj__errorf(err, FJ_ERR_MODEL, "%s: kernel differs from the calibration's", path);
        /* every index must be inside the feature space */
        for (int i = 0; i < pt->svm->l; i++)
            for (const struct svm_node *x = pt->svm->SV[i]; x->index != -1; x++)
                if ((size_t)x->index > pt->fs.n)
                    return fj__errorf(err, FJ_ERR_MODEL,
                                      "%s: support vector %d uses feature %d of %zu", path, i + 1,
                                      x->index, pt->fs.n);
        pt->sign = pt->svm->label[0] == 1 ? 1 : -1;
    }
    return FJ_OK;
}

fj_status fj_model_load(fj_model **out, const char *dir, fj_error *err)
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
    fj_status st = read_file(dir, "manifest.json", &text, &len, err);
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
        st = load_part(pt, dir, files, err);
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
