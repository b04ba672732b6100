/*
 * bench_util.h - clocks and percentiles shared by the benchmark programs.
 */
#ifndef FJ_BENCH_UTIL_H
#define FJ_BENCH_UTIL_H

#include <stddef.h>
#include <time.h>

/* Wall-clock seconds (monotonic). */
static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds used by the calling thread. */
static inline double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* qsort comparator for doubles, ascending. */
static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-th percentile (nearest rank) of n sorted values; 0 when there are none. */
static inline double pct(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    size_t k = (size_t)(q / 100.0 * (double)n + 0.5);
    if (k > 0)
        k--;
    if (k >= n)
        k = n - 1;
    return sorted[k];
}

#endif
