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

/* True when c is a control character: a byte below 0x20, or DEL (0x7f).
 * The one definition every check and scrubber of control characters
 * uses. */
bool str_is_ctl(unsigned char c);

/* True when s holds no control character (no byte below 0x20, no 0x7f). */
bool str_no_ctl(const char *s);

/* True when every byte of s is printable ASCII (0x20 to 0x7e): no control
 * character and nothing outside ASCII. */
bool str_printable(const char *s);

/* Copies at most max bytes of s with every byte that is not printable
 * ASCII replaced by '?', so the copy can neither forge a log line nor
 * carry raw bytes into one. Arena string. */
char *str_scrub(struct arena *a, const char *s, size_t max);

/* Replaces every control character among the n bytes at s with '?', in
 * place; bytes above 0x7f are kept. */
void str_scrub_ctl(char *s, size_t n);

/* Writes v in decimal at p, zero-padded to at least width digits (at
 * most 20 are written); returns the end. No NUL is added: for lines and
 * values built by hand on hot paths, without a format to parse. */
char *str_digits(char *p, unsigned long long v, int width);

/* True when s is valid UTF-8 (no overlong forms, no surrogates). */
bool str_utf8_valid(const char *s, size_t n);

#endif
