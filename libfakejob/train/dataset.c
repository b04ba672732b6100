/*
 * dataset.c - labelled postings for training and evaluation, each with a group key that keeps
 * related postings (copies of one posting, one company's postings) in one cross-validation
 * fold, and the replay of dated postings through a fresh history store.
 *
 * Reads corpus files: JSONL, one posting a line (the posting format of README.md), each with a
 * "label" of "fraud" or "legit". The content hash that groups copies is the SHA-256 of the
 * description (or the title when there is none) with ASCII letters lowercased and ASCII spaces
 * and punctuation dropped.
 */
#include "train/train.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fj_dataset {
    size_t n, cap;
    fj_posting **p;
    char **group;
    char **source;
    fj_history_stats *hist;
    unsigned char *has_hist;
    bool replayed;
};

fj_status fj_dataset_new(fj_dataset **out, fj_error *err)
{
    if (!out)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_dataset_new: out is NULL");
    *out = calloc(1, sizeof **out);
    return *out ? FJ_OK : fj__nomem(err);
}

void fj_dataset_free(fj_dataset *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        fj_posting_free(d->p[i]);
        free(d->group[i]);
        free(d->source[i]);
    }
    free(d->p);
    free(d->group);
    free(d->source);
    free(d->hist);
    free(d->has_hist);
    free(d);
}

static void content_key(const fj_posting *p, char out[64])
{
    size_t n = 0;
    const char *s = fj_posting_string(p, FJ_FIELD_DESCRIPTION, &n);
    if (!s || n == 0)
        s = fj_posting_string(p, FJ_FIELD_TITLE, &n);
    fj_sha256 h;
    fj__sha256_init(&h);
    char chunk[256];
    size_t k = 0;
    for (size_t i = 0; s && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                ;
            else if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            else
                continue;
        }
        chunk[k++] = (char)c;
        if (k == sizeof chunk) {
            fj__sha256_update(&h, chunk, k);
            k = 0;
        }
    }
    fj__sha256_update(&h, chunk, k);
    unsigned char d[32];
    fj__sha256_final(&h, d);
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "content:", 8);
    for (int i = 0; i < 12; i++) {
        out[8 + 2 * i] = hex[d[i] >> 4];
        out[8 + 2 * i + 1] = hex[d[i] & 15];
    }
    out[32] = '\0';
}

static fj_status add(fj_dataset *d, const fj_posting *p, const char *group_key, const char *src,
                     fj_error *err)
{
    if (fj_posting_label(p) == FJ_LABEL_NONE)
        return fj__error(err, FJ_ERR_INPUT, "label", -1, -1,
                         "posting has no label (\"fraud\" or \"legit\")");
    fj_status st = fj_posting_validate(p, err);
    if (st != FJ_OK)
        return st;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        fj_posting **pp = realloc(d->p, cap * sizeof *pp);
        if (!pp)
            return fj__nomem(err);
        d->p = pp;
        char **g = realloc(d->group, cap * sizeof *g);
        if (!g)
            return fj__nomem(err);
        d->group = g;
        char **s = realloc(d->source, cap * sizeof *s);
        if (!s)
            return fj__nomem(err);
        d->source = s;
        d->cap = cap;
    }
    fj_posting *c;
    st = fj_posting_copy(&c, p, err);
    if (st != FJ_OK)
        return st;
    int64_t posted, updated, observed;
    if (fj_posting_time(c, FJ_FIELD_POSTED_AT, &posted) &&
        !fj_posting_time(c, FJ_FIELD_OBSERVED_AT, &observed)) {
        if (fj_posting_time(c, FJ_FIELD_UPDATED_AT, &updated) && updated > posted)
            posted = updated;
        st = fj_posting_set_time(c, FJ_FIELD_OBSERVED_AT, posted, err);
        if (st != FJ_OK) {
            fj_posting_free(c);
            return st;
        }
    }
    char ck[64];
    if (!group_key || !*group_key) {
        content_key(c, ck);
        group_key = ck;
    }
    char *g = strdup(group_key);
    char *s = strdup(src ? src : "");
    if (!g || !s) {
        free(g);
        free(s);
        fj_posting_free(c);
        return fj__nomem(err);
    }
    d->p[d->n] = c;
    d->group[d->n] = g;
    d->source[d->n] = s;
    d->n++;
    d->replayed = false;
    return FJ_OK;
}

fj_status fj_dataset_add(fj_dataset *d, const fj_posting *p, const char *group_key, fj_error *err)
{
    if (!d || !p)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_dataset_add: NULL argument");
    return add(d, p, group_key, NULL, err);
}

fj_status fj_dataset_add_file(fj_dataset *d, const char *path, const char *group_by, fj_error *err)
{
    if (!d || !path)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_dataset_add_file: NULL argument");
    int gfield = -1;
    if (group_by && *group_by && strcmp(group_by, "content") != 0) {
        gfield = fj_field_from_name(group_by, strlen(group_by));
        if (gfield < 0 || fj_field_type_of((fj_field)gfield) != FJ_TYPE_STRING)
            return fj__errorf(err, FJ_ERR_ARGUMENT,
                              "cannot group by '%s': not a string field of the posting format",
                              group_by);
    }
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fj__errorf(err, FJ_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    fj_posting *p;
    fj_status st = fj_posting_new(&p, err);
    if (st != FJ_OK) {
        fclose(fp);
        return st;
    }
    fj_buf line = {0};
    long long lineno = 0;
    bool eof = false;
    while (st == FJ_OK && !eof) {
        line.len = 0;
        errno = 0;
        int c;
        bool too_long = false;
        while ((c = getc(fp)) != EOF && c != '\n') {
            if (line.len >= FJ_MAX_POSTING_BYTES) {
                too_long = true;
                continue;
            }
            char ch = (char)c;
            if (!fj__buf_append(&line, &ch, 1)) {
                st = fj__nomem(err);
                break;
            }
        }
        if (st != FJ_OK)
            break;
        if (c == EOF) {
            eof = true;
            if (ferror(fp)) {
                /* a read error is not the end of the corpus */
                st = fj__errorf(err, FJ_ERR_IO, "cannot read '%s': %s", path,
                                strerror(errno ? errno : EIO));
                break;
            }
            if (line.len == 0)
                break;
        }
        lineno++;
        if (line.len && line.data[line.len - 1] == '\r')
            line.len--;
        if (lineno == 1 && line.len >= 3 && memcmp(line.data, "\xef\xbb\xbf", 3) == 0) {
            /* a UTF-8 byte order mark at the start of the file */
            memmove(line.data, line.data + 3, line.len - 3);
            line.len -= 3;
        }
        size_t k = 0;
        while (k < line.len && (line.data[k] == ' ' || line.data[k] == '\t'))
            k++;
        if (k == line.len && !too_long)
            continue;
        if (too_long) {
            st = fj__error_at(err, FJ_ERR_LIMIT, path, lineno,
                              "posting is over the limit of %u bytes", FJ_MAX_POSTING_BYTES);
            break;
        }
        st = fj_posting_parse_json(p, line.data, line.len, err);
        char src[512];
        snprintf(src, sizeof src, "%s:%lld", path, lineno);
        const char *key = NULL;
        if (st == FJ_OK && gfield >= 0) {
            size_t gl = 0;
            const char *gv = fj_posting_string(p, (fj_field)gfield, &gl);
            if (gv && gl)
                key = gv;
        }
        char keybuf[300];
        if (key) {
            snprintf(keybuf, sizeof keybuf, "%s:%s", group_by, key);
            key = keybuf;
        }
        if (st == FJ_OK)
            st = add(d, p, key, src, err);
        if (st != FJ_OK)
            fj_error_locate(err, path, lineno);
    }
    fj__buf_free(&line);
    fj_posting_free(p);
    fclose(fp);
    return st;
}

size_t fj_dataset_size(const fj_dataset *d)
{
    return d ? d->n : 0;
}

const fj_posting *fj_dataset_posting(const fj_dataset *d, size_t i)
{
    return d && i < d->n ? d->p[i] : NULL;
}

fj_label fj_dataset_label(const fj_dataset *d, size_t i)
{
    return d && i < d->n ? fj_posting_label(d->p[i]) : FJ_LABEL_NONE;
}

const char *fj_dataset_group(const fj_dataset *d, size_t i)
{
    return d && i < d->n ? d->group[i] : NULL;
}

const char *fj_dataset_source(const fj_dataset *d, size_t i)
{
    return d && i < d->n ? d->source[i] : NULL;
}

typedef struct timed {
    int64_t t;
    size_t i;
} timed;

static int timed_cmp(const void *a, const void *b)
{
    const timed *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Replay into caller-provided arrays of d->n entries. */
fj_status fj__dataset_replay(const fj_dataset *d, fj_history_stats *hist, unsigned char *has,
                             fj_error *err)
{
    memset(has, 0, d->n);
    memset(hist, 0, d->n * sizeof *hist);
    timed *order = malloc((d->n + 1) * sizeof *order);
    if (!order)
        return fj__nomem(err);
    size_t m = 0;
    for (size_t i = 0; i < d->n; i++) {
        int64_t t;
        if (fj_posting_time(d->p[i], FJ_FIELD_OBSERVED_AT, &t) ||
            fj_posting_time(d->p[i], FJ_FIELD_POSTED_AT, &t))
            order[m++] = (timed){t, i};
    }
    if (m == 0) {
        free(order);
        return FJ_OK;
    }
    qsort(order, m, sizeof *order, timed_cmp);
    fj_history *h = NULL;
    fj_context *ctx = NULL;
    fj_status st = fj_context_new(&ctx, err);
    if (st == FJ_OK)
        st = fj_history_open(&h, NULL, err);
    for (size_t k = 0; st == FJ_OK && k < m; k++) {
        size_t i = order[k].i;
        st = fj_history_observe(h, ctx, d->p[i], &hist[i], err);
        if (st == FJ_OK)
            has[i] = 1;
        else if (err) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "replaying posting %zu (%s): %s", i, d->source[i],
                     err->message);
            memcpy(err->message, msg, sizeof msg);
        }
    }
    fj_history_close(h);
    fj_context_free(ctx);
    free(order);
    return st;
}

fj_status fj_dataset_replay_history(fj_dataset *d, fj_error *err)
{
    if (!d)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_dataset_replay_history: dataset is NULL");
    fj_history_stats *h = malloc((d->n + 1) * sizeof *h);
    unsigned char *has = malloc(d->n + 1);
    if (!h || !has) {
        free(h);
        free(has);
        return fj__nomem(err);
    }
    fj_status st = fj__dataset_replay(d, h, has, err);
    if (st != FJ_OK) {
        free(h);
        free(has);
        return st;
    }
    free(d->hist);
    free(d->has_hist);
    d->hist = h;
    d->has_hist = has;
    d->replayed = true;
    return FJ_OK;
}

const fj_history_stats *fj_dataset_history(const fj_dataset *d, size_t i)
{
    if (!d || i >= d->n || !d->replayed || !d->has_hist[i])
        return NULL;
    return &d->hist[i];
}

static size_t uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static void uf_union(size_t *parent, size_t a, size_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a != b)
        parent[a > b ? a : b] = a < b ? a : b; /* the smaller index is the root */
}

fj_status fj_dataset_group_near(fj_dataset *d, double threshold, size_t *merged, fj_error *err)
{
    if (merged)
        *merged = 0;
    if (!d)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_dataset_group_near: dataset is NULL");
    size_t *pairs, np;
    fj_status st = fj__near_pairs(d, threshold, &pairs, &np, err);
    if (st != FJ_OK)
        return st;
    size_t n = d->n;
    size_t *parent = malloc((n + 1) * sizeof *parent);
    fj__keyed *k = malloc((n + 1) * sizeof *k);
    char **g = calloc(n + 1, sizeof *g);
    if (!parent || !k || !g) {
        free(pairs);
        free(parent);
        free(k);
        free(g);
        return fj__nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        parent[i] = i;
        k[i] = (fj__keyed){d->group[i], i};
    }
    qsort(k, n, sizeof *k, fj__keyed_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(k[i].key, k[i - 1].key) == 0)
            uf_union(parent, k[i - 1].i, k[i].i);
    size_t joined = 0;
    for (size_t p = 0; p < np; p++) {
        size_t a = uf_find(parent, pairs[2 * p]), b = uf_find(parent, pairs[2 * p + 1]);
        if (a != b) {
            uf_union(parent, a, b);
            joined++;
        }
    }
    free(pairs);
    free(k);
    for (size_t i = 0; i < n && st == FJ_OK; i++)
        if (!(g[i] = strdup(d->group[uf_find(parent, i)])))
            st = fj__nomem(err);
    if (st == FJ_OK) {
        for (size_t i = 0; i < n; i++) {
            free(d->group[i]);
            d->group[i] = g[i];
        }
        if (merged)
            *merged = joined;
    } else {
        for (size_t i = 0; i < n; i++)
            free(g[i]);
    }
    free(g);
    free(parent);
    return st;
}
