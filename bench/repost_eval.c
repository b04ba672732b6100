/*
 * repost_eval.c - how well the history store's repost rule finds edited reposts and how often
 * it matches unrelated postings (docs/history.md, "Measuring the rule").
 *
 *   bench/repost_eval [--word N] [--han N] [--min N] [--show 1] CHAINS.jsonl [UNRELATED.jsonl...]
 *
 * CHAINS holds repost chains as bench/edit_chains.py writes them (ids "chainN-S"); every pair
 * of copies within a chain is a repost. Every pair of postings within each UNRELATED file is an
 * unrelated pair unless the two texts are alike (true Jaccard >= 0.3: duplicates in the data,
 * counted apart). The truth is the Jaccard similarity of the two postings' shingle sets (word
 * 3-shingles, Han character 3-grams: the default scheme, whatever --word/--han the rule is
 * measured with). Reported, per Jaccard band: the share of repost pairs the store's rule
 * (fj__fp_match: LSH candidate, then the estimated-Jaccard confirmation) finds, and the false
 * matches per million unrelated pairs; the same for other thresholds, other bandings of the
 * same signature, and multi-probe SimHash over the same shingles as the alternative.
 */
#include "history/history_fp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    fj__fingerprint fp; /* under the scheme measured */
    uint64_t *truth;    /* the default scheme's keyed shingles, sorted */
    size_t ntruth;
    uint64_t simhash; /* SimHash of the truth shingles */
    long chain, step; /* -1 outside chains */
    char id[48];      /* the posting's id, for --show */
} item;

typedef struct set {
    item *v;
    size_t n, cap;
} set;

static fj__fp_key key;
static fj__fp_params measured;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "repost_eval: %s: %s\n", what, detail);
    exit(1);
}

static uint64_t simhash_of(const uint64_t *h, size_t n)
{
    int v[64] = {0};
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 64; b++)
            v[b] += (int)((h[i] >> b) & 1) * 2 - 1;
    uint64_t out = 0;
    for (int b = 0; b < 64; b++)
        if (v[b] > 0)
            out |= 1ULL << b;
    return out;
}

static void read_file(const char *path, set *s, fj_context *ctx)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path, "cannot open");
    fj_posting *p;
    fj_error err;
    if (fj_posting_new(&p, &err) != FJ_OK)
        die("posting", err.message);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (fj_posting_parse_json(p, line, (size_t)len, &err) != FJ_OK)
            continue;
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 1024;
            s->v = realloc(s->v, s->cap * sizeof *s->v);
            if (!s->v)
                die("memory", path);
        }
        item *it = &s->v[s->n];
        memset(it, 0, sizeof *it);
        fj__fingerprint truth;
        if (fj__fingerprint_posting(ctx, &key, NULL, p, &truth, &err) != FJ_OK)
            continue;
        size_t n;
        const uint64_t *sh = fj__fp_last_shingles(ctx, &n);
        it->truth = malloc((n ? n : 1) * sizeof *it->truth);
        memcpy(it->truth, sh, n * sizeof *sh);
        it->ntruth = n;
        it->simhash = simhash_of(sh, n);
        if (fj__fingerprint_posting(ctx, &key, &measured, p, &it->fp, &err) != FJ_OK)
            continue;
        const char *id = fj_posting_string(p, FJ_FIELD_ID, NULL);
        snprintf(it->id, sizeof it->id, "%s", id ? id : "");
        it->chain = it->step = -1;
        if (id && sscanf(id, "chain%ld-%ld", &it->chain, &it->step) != 2)
            it->chain = it->step = -1;
        s->n++;
    }
    free(line);
    fclose(f);
    fj_posting_free(p);
}

static double jaccard(const item *a, const item *b)
{
    size_t i = 0, j = 0, both = 0;
    while (i < a->ntruth && j < b->ntruth) {
        if (a->truth[i] == b->truth[j])
            both++, i++, j++;
        else if (a->truth[i] < b->truth[j])
            i++;
        else
            j++;
    }
    size_t uni = a->ntruth + b->ntruth - both;
    return uni ? (double)both / (double)uni : 0.0;
}

/* ---- the rules measured ------------------------------------------------------------------ */

enum { NBINS = 8 };
static const double bin_lo[NBINS] = {0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

typedef struct rule {
    char name[64];
    int kind; /* 0 store rule with threshold, 1 banding B x R, 2 SimHash within k bits */
    unsigned agree, bands, rows, bits;
    long found[NBINS], pairs[NBINS];
    long false_matches, dup_matches, candidates;
} rule;

static rule rules[32];
static size_t nrules;

static void add_rule(int kind, unsigned agree, unsigned bands, unsigned rows, unsigned bits)
{
    rule *r = &rules[nrules++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->agree = agree;
    r->bands = bands;
    r->rows = rows;
    r->bits = bits;
    if (kind == 0)
        snprintf(r->name, sizeof r->name, "store rule, agree >= %u/128%s", agree,
                 agree == fj__fp_default.near_agree ? " (default)" : "");
    else if (kind == 1)
        snprintf(r->name, sizeof r->name, "bands %u x %u, agree >= %u", bands, rows, agree);
    else
        snprintf(r->name, sizeof r->name, "multi-probe SimHash, <= %u bits", bits);
}

/* Whether rule r matches b for a; *cand whether the index would have read b. */
static bool applies(const rule *r, const item *a, const item *b, unsigned agree, bool *cand)
{
    const fj__fingerprint *x = &a->fp, *y = &b->fp;
    *cand = false;
    if (!x->tokens || !y->tokens)
        return false;
    if (r->kind == 2) {
        /* the store's former rule: within `bits`, one 16-bit band within one bit */
        uint64_t d = a->simhash ^ b->simhash;
        bool band = false;
        for (int i = 0; i < 4; i++)
            band |= __builtin_popcount((unsigned)((d >> (16 * i)) & 0xffff)) <= 1;
        *cand = band || x->exact == y->exact;
        bool near = a->ntruth >= 16 && b->ntruth >= 16;
        return x->exact == y->exact || (near && band && __builtin_popcountll(d) <= (int)r->bits);
    }
    bool contact = fj__fp_share_contact(x, y);
    bool eligible = fj__fp_near_eligible(x, &measured) && fj__fp_near_eligible(y, &measured);
    bool band = false;
    if (eligible) {
        if (r->kind == 0) {
            for (unsigned i = 0; i < FJ__MH_BANDS && !band; i++)
                band = x->bands[i] == y->bands[i];
        } else {
            for (unsigned i = 0; i < r->bands && !band; i++) {
                bool all = true;
                for (unsigned k = 0; k < r->rows && all; k++)
                    all = x->sig[i * r->rows + k] == y->sig[i * r->rows + k];
                band = all;
            }
        }
    }
    *cand = x->exact == y->exact || contact || band;
    if (!*cand)
        return false;
    if (x->exact == y->exact)
        return true;
    if (!eligible)
        return false;
    return agree >= r->agree || (contact && agree >= measured.contact_agree);
}

static int bin_of(double j)
{
    int b = 0;
    while (b + 1 < NBINS && j >= bin_lo[b + 1])
        b++;
    return b;
}

static void chains(const set *s)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = i + 1; k < s->n && s->v[k].chain == s->v[i].chain; k++) {
            const item *a = &s->v[k], *b = &s->v[i]; /* the later copy looks up the earlier */
            if (a->chain < 0)
                continue;
            int bin = bin_of(jaccard(a, b));
            unsigned agree = fj__fp_agree(a->fp.sig, b->fp.sig);
            for (size_t r = 0; r < nrules; r++) {
                bool cand;
                rules[r].pairs[bin]++;
                rules[r].found[bin] += applies(&rules[r], a, b, agree, &cand);
            }
        }
}

static long unrelated_pairs;
static bool show; /* print the ids of the default rule's false matches */

static void unrelated(const set *s)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = i + 1; k < s->n; k++) {
            const item *a = &s->v[k], *b = &s->v[i];
            unsigned agree = fj__fp_agree(a->fp.sig, b->fp.sig);
            unrelated_pairs++;
            double j = -1;
            for (size_t r = 0; r < nrules; r++) {
                bool cand;
                if (!applies(&rules[r], a, b, agree, &cand)) {
                    rules[r].candidates += cand;
                    continue;
                }
                rules[r].candidates++;
                if (j < 0)
                    j = jaccard(a, b);
                if (j >= 0.3) {
                    rules[r].dup_matches++;
                } else {
                    rules[r].false_matches++;
                    if (show && rules[r].agree == fj__fp_default.near_agree && rules[r].kind == 0)
                        printf("false match: %s %s (Jaccard %.3f, %u agree, contact %d)\n", a->id,
                               b->id, j, agree, fj__fp_share_contact(&a->fp, &b->fp));
                }
            }
        }
}

int main(int argc, char **argv)
{
    measured = fj__fp_default;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--word") == 0)
            measured.word_ngram = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--han") == 0)
            measured.han_ngram = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--show") == 0)
            show = atoi(argv[i + 1]) != 0;
        else if (strcmp(argv[i], "--min") == 0)
            measured.min_shingles = (unsigned)atoi(argv[i + 1]);
        else
            die("unknown option", argv[i]);
    }
    if (i >= argc) {
        fprintf(stderr, "usage: repost_eval [--word N] [--han N] [--min N] CHAINS.jsonl "
                        "[UNRELATED.jsonl...]\n");
        return 2;
    }
    unsigned char secret[FJ__KEY_BYTES];
    memset(secret, 0x42, sizeof secret);
    fj__fp_key_init(&key, secret);
    fj_context *ctx;
    fj_error err;
    if (fj_context_new(&ctx, &err) != FJ_OK)
        die("context", err.message);

    static const unsigned thresholds[] = {38, 45, 52, 58, 64};
    for (size_t t = 0; t < sizeof thresholds / sizeof thresholds[0]; t++)
        add_rule(0, thresholds[t], 0, 0, 0);
    add_rule(1, fj__fp_default.near_agree, 42, 3, 0);
    add_rule(1, fj__fp_default.near_agree, 25, 5, 0);
    add_rule(1, fj__fp_default.near_agree, 16, 8, 0);
    add_rule(2, 0, 0, 0, 9);
    add_rule(2, 0, 0, 0, 12);
    add_rule(2, 0, 0, 0, 15);

    set c = {0};
    read_file(argv[i], &c, ctx);
    long nchains = 0;
    for (size_t k = 0; k < c.n; k++)
        nchains += c.v[k].step == 0;
    chains(&c);
    size_t nunrel = 0;
    for (int f = i + 1; f < argc; f++) {
        set u = {0};
        read_file(argv[f], &u, ctx);
        nunrel += u.n;
        unrelated(&u);
        for (size_t k = 0; k < u.n; k++)
            free(u.v[k].truth);
        free(u.v);
    }
    printf("scheme: word %u-shingles, Han %u-grams, min %u shingles; %ld chains (%zu postings); "
           "%ld unrelated pairs from %zu postings\n",
           measured.word_ngram, measured.han_ngram, measured.min_shingles, nchains, c.n,
           unrelated_pairs, nunrel);
    printf("repost pairs per Jaccard band:");
    for (int b = 0; b < NBINS; b++)
        printf(" [%.1f,%s %ld", bin_lo[b], b + 1 < NBINS ? "" : "1]", rules[0].pairs[b]);
    printf("\n\n%-44s", "rule");
    for (int b = 0; b < NBINS; b++)
        printf(" J>=%.1f", bin_lo[b]);
    printf("  >=0.6  >=0.5 | false/1e6  dup  cand/1e6\n");
    for (size_t r = 0; r < nrules; r++) {
        const rule *x = &rules[r];
        printf("%-44s", x->name);
        long f6 = 0, p6 = 0, f5 = 0, p5 = 0;
        for (int b = 0; b < NBINS; b++) {
            printf(" %6.3f", x->pairs[b] ? (double)x->found[b] / (double)x->pairs[b] : 0.0);
            if (bin_lo[b] >= 0.6)
                f6 += x->found[b], p6 += x->pairs[b];
            if (bin_lo[b] >= 0.5)
                f5 += x->found[b], p5 += x->pairs[b];
        }
        printf("  %.3f  %.3f | %8.3f  %4ld  %8.1f\n", p6 ? (double)f6 / (double)p6 : 0.0,
               p5 ? (double)f5 / (double)p5 : 0.0,
               unrelated_pairs ? 1e6 * (double)x->false_matches / (double)unrelated_pairs : 0.0,
               x->dup_matches,
               unrelated_pairs ? 1e6 * (double)x->candidates / (double)unrelated_pairs : 0.0);
    }
    for (size_t k = 0; k < c.n; k++)
        free(c.v[k].truth);
    free(c.v);
    fj_context_free(ctx);
    return 0;
}
