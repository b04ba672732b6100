/*
 * robust.h - helpers shared by the robustness suites (test_robust, test_model_corrupt,
 * test_threads): pathological inputs, a linear-time check that compares run times of one
 * operation on two input sizes within one run, and a small hand-written training set.
 */
#ifndef FJ_TESTS_ROBUST_H
#define FJ_TESTS_ROBUST_H

#include "core/fj_internal.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* `n` bytes made of `unit` repeated (the last copy cut at a character boundary when `unit`
 * does not divide n: the result is never longer than n). Caller frees. *out_len gets the
 * length. */
static inline char *robust_repeat(const char *unit, size_t n, size_t *out_len)
{
    size_t u = strlen(unit);
    size_t copies = n / u;
    char *s = malloc(copies * u + 1);
    cr_assert_not_null(s);
    for (size_t i = 0; i < copies; i++)
        memcpy(s + i * u, unit, u);
    s[copies * u] = '\0';
    *out_len = copies * u;
    return s;
}

static inline double robust_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* An operation timed by robust_assert_linear: run it once on input `s`/`len`. */
typedef void (*robust_op)(const char *s, size_t len, void *arg);

/* The least CPU time of `reps` runs of op on s/len. */
static inline double robust_time(robust_op op, const char *s, size_t len, void *arg, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = robust_cpu_seconds();
        op(s, len, arg);
        double t = robust_cpu_seconds() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

/*
 * Assert that op runs in time linear in the size of its input: the input `unit` repeated to
 * `big` bytes must take less than 4 times (big/small) the time of the same input repeated to
 * `small` bytes. A quadratic algorithm gives (big/small)^2, i.e. 16 times the linear ratio of
 * 16 at the sizes used here, so the check does not depend on the machine's speed. A ratio
 * near the limit is measured again (up to three times) to ride out a noisy neighbour.
 */
static inline void robust_assert_linear(const char *what, const char *unit, size_t small,
                                        size_t big, robust_op op, void *arg)
{
    size_t ls, lb;
    char *s = robust_repeat(unit, small, &ls);
    char *b = robust_repeat(unit, big, &lb);
    double ratio = 0, limit = 4.0 * (double)lb / (double)ls, ts = 0, tb = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        ts = robust_time(op, s, ls, arg, 5);
        tb = robust_time(op, b, lb, arg, 2);
        /* below the clock's useful resolution both are noise: treat as linear */
        if (tb < 2e-3)
            ratio = 0;
        else
            ratio = tb / (ts > 1e-6 ? ts : 1e-6);
        if (ratio < limit || ratio > 4 * limit)
            break; /* linear, or clearly not: no need to measure again */
    }
    free(s);
    free(b);
    cr_assert_lt(ratio, limit,
                 "%s: %zu bytes took %.4fs, %zu bytes %.4fs: ratio %.1f for a size ratio %.1f "
                 "(not linear)",
                 what, ls, ts, lb, tb, ratio, (double)lb / (double)ls);
}

#endif
