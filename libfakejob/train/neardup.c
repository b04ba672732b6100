/*
 * neardup.c - near-copies among a dataset's postings: every pair whose word 3-shingle sets have
 * a Jaccard similarity at or above a threshold, found exactly (no pair is missed).
 *
 * A posting's text is its title, company, company profile, description, requirements and
 * benefits. Words are fj__next_word's: runs of letters and digits (ASCII lowercased), and each
 * Han character a word of its own, so that a Chinese posting's shingles are its character
 * 3-grams. A shingle is three consecutive words of one field, hashed to 64
 * bits; a posting's set is its distinct shingle hashes (a posting of fewer than three words has
 * none and is nobody's near-copy).
 *
 * Pairs are found by prefix filtering: with the shingles of every set in one global order
 * (rarest first), two sets of Jaccard >= t share a shingle among the first
 * |A| - ceil(t |A|) + 1 of A's and the first |B| - ceil(t |B|) + 1 of B's. Postings sharing a
 * prefix shingle (and of compatible sizes: t |A| <= |B| <= |A| / t) are candidates; each
 * candidate's exact Jaccard decides. The work is near-linear for real corpora since rare
 * shingles come first and common ones rarely enter a prefix.
 */
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct nd_set {
    uint64_t *h; /* sorted by hash */
    size_t n;
} nd_set;

/* Append the shingle hashes of one field to *set (growing it). Returns false on no memory. */
static bool field_shingles(const char *text, size_t len, uint64_t **h, size_t *n, size_t *cap)
{
    uint64_t w[3] = {0, 0, 0}, wh;
    size_t words = 0, i = 0;
    while (fj__next_word(text, len, &i, &wh)) {
        w[0] = w[1];
        w[1] = w[2];
        w[2] = wh;
        if (++words < 3)
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            uint64_t *g = realloc(*h, nc * sizeof *g);
            if (!g)
                return false;
            *h = g;
            *cap = nc;
        }
        /* a polynomial in the three word hashes: order matters */
        (*h)[(*n)++] = (w[0] * 0x9e3779b97f4a7c15ULL + w[1]) * 0xbf58476d1ce4e5b9ULL + w[2];
    }
    return true;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool posting_set(const fj_posting *p, nd_set *out)
{
    static const fj_field fields[] = {FJ_FIELD_TITLE,           FJ_FIELD_COMPANY,
                                      FJ_FIELD_COMPANY_PROFILE, FJ_FIELD_DESCRIPTION,
                                      FJ_FIELD_REQUIREMENTS,    FJ_FIELD_BENEFITS};
    uint64_t *h = NULL;
    size_t n = 0, cap = 0;
    for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
        size_t len = 0;
        const char *s = fj_posting_string(p, fields[f], &len);
        if (s && len && !field_shingles(s, len, &h, &n, &cap)) {
            free(h);
            return false;
        }
    }
    if (n > 1)
        qsort(h, n, sizeof *h, u64_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || h[i] != h[m - 1])
            h[m++] = h[i];
    out->h = h;
    out->n = m;
    return true;
}

/* |A ∩ B| of two hash-sorted sets. */
static size_t overlap(const nd_set *a, const nd_set *b)
{
    size_t i = 0, j = 0, k = 0;
    while (i < a->n && j < b->n) {
        if (a->h[i] < b->h[j])
            i++;
        else if (a->h[i] > b->h[j])
            j++;
        else
            k++, i++, j++;
    }
    return k;
}

typedef struct nd_entry {
    uint64_t key; /* (global frequency << 32 | rank of the hash): the prefix order */
    size_t posting;
} nd_entry;

static int entry_cmp(const void *a, const void *b)
{
    const nd_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->posting < y->posting ? -1 : x->posting > y->posting;
}

static int pair_cmp(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

static size_t prefix_len(size_t n, double t)
{
    size_t need = (size_t)ceil(t * (double)n - 1e-9);
    if (need < 1)
        need = 1;
    return n >= need ? n - need + 1 : 0;
}

static bool jaccard_at_least(size_t inter, size_t na, size_t nb, double t)
{
    size_t uni = na + nb - inter;
    return uni > 0 && (double)inter >= t * (double)uni - 1e-9;
}

static bool sizes_compatible(size_t na, size_t nb, double t)
{
    size_t lo = na < nb ? na : nb, hi = na < nb ? nb : na;
    return (double)lo >= t * (double)hi - 1e-9;
}

fj_status fj__near_pairs(const fj_dataset *d, double t, size_t **pairs_out, size_t *npairs,
                         fj_error *err)
{
    *pairs_out = NULL;
    *npairs = 0;
    if (!(t > 0 && t <= 1))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "near-copy threshold must be in (0, 1], not %g", t);
    size_t n = fj_dataset_size(d);
    nd_set *sets = calloc(n + 1, sizeof *sets);
    uint64_t *all = NULL, *uniq = NULL;
    uint32_t *freq = NULL;
    nd_entry *pre = NULL;
    size_t *cand = NULL, *pairs = NULL;
    fj_status st = FJ_ERR_NOMEM;
    if (!sets)
        goto out;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!posting_set(fj_dataset_posting(d, i), &sets[i]))
            goto out;
        total += sets[i].n;
    }
    /* global frequency of each distinct shingle */
    all = malloc((total + 1) * sizeof *all);
    if (!all)
        goto out;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(all + k, sets[i].h, sets[i].n * sizeof *all);
        k += sets[i].n;
    }
    qsort(all, total, sizeof *all, u64_cmp);
    size_t nu = 0;
    uniq = malloc((total + 1) * sizeof *uniq);
    freq = malloc((total + 1) * sizeof *freq);
    if (!uniq || !freq)
        goto out;
    for (size_t i = 0; i < total; i++) {
        if (nu == 0 || all[i] != uniq[nu - 1]) {
            uniq[nu] = all[i];
            freq[nu++] = 0;
        }
        freq[nu - 1]++;
    }
    free(all);
    all = NULL;
    /* each set's prefix in the global order (rarest first, ties by hash rank) */
    size_t npre = 0;
    for (size_t i = 0; i < n; i++)
        npre += prefix_len(sets[i].n, t);
    pre = malloc((npre + 1) * sizeof *pre);
    if (!pre)
        goto out;
    npre = 0;
    for (size_t i = 0; i < n; i++) {
        size_t m = sets[i].n, pl = prefix_len(m, t);
        if (!pl)
            continue;
        nd_entry *e = malloc(m * sizeof *e);
        if (!e)
            goto out;
        for (size_t j = 0; j < m; j++) {
            uint64_t *at = bsearch(&sets[i].h[j], uniq, nu, sizeof *uniq, u64_cmp);
            size_t r = (size_t)(at - uniq);
            e[j] = (nd_entry){((uint64_t)freq[r] << 32) | (uint64_t)r, i};
        }
        qsort(e, m, sizeof *e, entry_cmp);
        memcpy(pre + npre, e, pl * sizeof *e);
        npre += pl;
        free(e);
    }
    /* candidates: postings sharing a prefix shingle, of compatible sizes */
    qsort(pre, npre, sizeof *pre, entry_cmp);
    size_t nc = 0, ccap = 0;
    for (size_t a = 0; a < npre;) {
        size_t b = a;
        while (b < npre && pre[b].key == pre[a].key)
            b++;
        for (size_t x = a; x < b; x++)
            for (size_t y = x + 1; y < b; y++) {
                size_t i = pre[x].posting, j = pre[y].posting;
                if (!sizes_compatible(sets[i].n, sets[j].n, t))
                    continue;
                if (nc + 2 > ccap) {
                    size_t cc = ccap ? ccap * 2 : 1024;
                    size_t *g = realloc(cand, cc * sizeof *g);
                    if (!g)
                        goto out;
                    cand = g;
                    ccap = cc;
                }
                cand[nc++] = i;
                cand[nc++] = j;
            }
        a = b;
    }
    size_t ncp = nc / 2;
    if (ncp > 1)
        qsort(cand, ncp, 2 * sizeof *cand, pair_cmp);
    pairs = malloc((nc + 2) * sizeof *pairs);
    if (!pairs)
        goto out;
    size_t np = 0;
    for (size_t c = 0; c < ncp; c++) {
        size_t i = cand[2 * c], j = cand[2 * c + 1];
        if (c && i == cand[2 * c - 2] && j == cand[2 * c - 1])
            continue;
        if (jaccard_at_least(overlap(&sets[i], &sets[j]), sets[i].n, sets[j].n, t)) {
            pairs[2 * np] = i;
            pairs[2 * np + 1] = j;
            np++;
        }
    }
    *pairs_out = pairs;
    *npairs = np;
    pairs = NULL;
    st = FJ_OK;
out:
    if (sets)
        for (size_t i = 0; i < n; i++)
            free(sets[i].h);
    free(sets);
    free(all);
    free(uniq);
    free(freq);
    free(pre);
    free(cand);
    free(pairs);
    return st == FJ_OK ? FJ_OK : fj__nomem(err);
}

fj_status fj_dataset_near_copies(const fj_dataset *d, double threshold, const int *folds,
                                 unsigned char *copy, fj_error *err)
{
    if (!d || !folds || !copy)
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_dataset_near_copies: NULL argument");
    size_t *pairs, np;
    fj_status st = fj__near_pairs(d, threshold, &pairs, &np, err);
    if (st != FJ_OK)
        return st;
    memset(copy, 0, fj_dataset_size(d));
    for (size_t k = 0; k < np; k++) {
        size_t i = pairs[2 * k], j = pairs[2 * k + 1];
        if (folds[i] != folds[j])
            copy[i] = copy[j] = 1;
    }
    free(pairs);
    return FJ_OK;
}
