/*
 * Small string helpers: bounded number parsing, comparisons, validation of
 * the few shapes the program accepts.
 */
#ifndef ROSTER_UTIL_STR_H
#define ROSTER_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/*
 * Parses a base-10 integer in [min, max]. Returns 0 and writes *out on
 * success; returns -1 and leaves *out alone for an empty string, trailing
 * characters, a sign where none fits, or a value out of range, setting
 * *errstr (if not NULL) to "invalid", "too small" or "too large".
 */
int str_tonum(const char *s, long long min, long long max, long long *out,
    const char **errstr);

/* Reads an environment variable as a number in [min, max]; returns def
 * when it is unset or empty. Returns -1 with a logged reason when the value
 * is set but bad. */
int str_env_num(const char *name, long long min, long long max, long long def,
    long long *out);

/* The value of a hexadecimal digit (either case), or -1. */
int str_hexval(char c);

/* True when s begins with prefix. */
bool str_startswith(const char *s, const char *prefix);

/* Copies s with leading and trailing ASCII whitespace removed. */
char *str_trim(struct arena *a, const char *s);

/* Copies s with ASCII letters lower-cased. */
char *str_lower(struct arena *a, const char *s);

/* True when s holds no byte below 0x20 and no 0x7f. */
bool str_no_ctl(const char *s);

/* True when s is valid UTF-8 (no overlong forms, no surrogates). */
bool str_utf8_valid(const char *s, size_t n);

#endif
