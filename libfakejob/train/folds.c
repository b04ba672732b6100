/*
 * folds.c - grouped, class-stratified folds for cross-validation. A group (fj_dataset_group: a
 * company, a repost chain, near-copies joined by fj_dataset_group_near) is never split across
 * folds, so a posting's copies cannot sit in training while it is being scored. Groups are
 * placed largest first, each into the fold that has the fewest postings of the group's
 * majority class so far; groups of equal size come in an order drawn from a seeded splitmix64
 * stream (never rand()), so the folds depend on the seed and the data alone.
 */
#include "train/train.h"

#include <stdlib.h>
#include <string.h>

/* The seeded generator: splitmix64. */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct grp {
    size_t first; /* position in the sorted order */
    size_t size, fraud;
    uint64_t r;
} grp;

int fj__keyed_cmp(const void *a, const void *b)
{
    const fj__keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

static int grp_order(const void *a, const void *b)
{
    const grp *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->r < y->r ? -1 : x->r > y->r;
}

/* fold[j] for subset[j] (train/train.h); returns the number of groups, 0 on allocation failure. */
size_t fj__assign_folds(const fj_dataset *d, const size_t *subset, size_t n, int k, uint64_t seed,
                        int *fold, size_t *fraud_groups, size_t *legit_groups)
{
    fj__keyed *o = malloc((n + 1) * sizeof *o);
    size_t *fold_of = malloc((n + 1) * sizeof *fold_of); /* per sorted entry */
    grp *g = malloc((n + 1) * sizeof *g);
    if (!o || !g || !fold_of) {
        free(o);
        free(g);
        free(fold_of);
        return 0;
    }
    for (size_t j = 0; j < n; j++)
        o[j] = (fj__keyed){fj_dataset_group(d, subset[j]), subset[j]};
    qsort(o, n, sizeof *o, fj__keyed_cmp);
    size_t ng = 0;
    uint64_t s = seed;
    for (size_t j = 0; j < n;) {
        size_t e = j;
        grp gg = {j, 0, 0, 0};
        while (e < n && strcmp(o[e].key, o[j].key) == 0) {
            gg.size++;
            gg.fraud += fj_dataset_label(d, o[e].i) == FJ_LABEL_FRAUD;
            e++;
        }
        gg.r = next_rand(&s);
        g[ng++] = gg;
        j = e;
    }
    qsort(g, ng, sizeof *g, grp_order);
    size_t cnt[100][2];
    memset(cnt, 0, sizeof cnt);
    *fraud_groups = *legit_groups = 0;
    for (size_t q = 0; q < ng; q++) {
        int cls = g[q].fraud * 2 >= g[q].size ? 1 : 0;
        cls ? (*fraud_groups)++ : (*legit_groups)++;
        int best = 0;
        for (int f = 1; f < k; f++) {
            if (cnt[f][cls] < cnt[best][cls] ||
                (cnt[f][cls] == cnt[best][cls] &&
                 cnt[f][0] + cnt[f][1] < cnt[best][0] + cnt[best][1]))
                best = f;
        }
        cnt[best][cls] += g[q].size;
        for (size_t e = g[q].first; e < g[q].first + g[q].size; e++)
            fold_of[e] = (size_t)best;
    }
    /* write folds back in subset order: find each sorted entry's subset position */
    for (size_t e = 0; e < n; e++) {
        /* subset is sorted ascending by dataset index (callers guarantee it) */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (subset[mid] < o[e].i)
                lo = mid + 1;
            else
                hi = mid;
        }
        fold[lo] = (int)fold_of[e];
    }
    free(o);
    free(g);
    free(fold_of);
    return ng;
}
