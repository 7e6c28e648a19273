/*
 * A minimal TAP producer for the C unit tests, read by prove(1).
 * plan(n) first (or plan_lazy() and done_testing()); each check prints one
 * "ok"/"not ok" line and returns whether it passed; the exit status is
 * non-zero when any check failed or the count differs from the plan.
 */
#ifndef ROSTER_T_TAP_H
#define ROSTER_T_TAP_H

#include <stdbool.h>
#include <stddef.h>

void plan(int n);
void plan_lazy(void);
void skip_all(const char *why);
bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool is_int(long long want, long long got, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool is_string(const char *want, const char *got, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool is_bytes(const void *want, size_t wn, const void *got, size_t gn,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool contains(const char *hay, const char *needle, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the plan for a lazy plan and returns the exit status for main. */
int done_testing(void);

#endif
