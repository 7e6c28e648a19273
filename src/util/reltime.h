/*
 * Times as people read them: how far a moment lies from now in words
 * ("in 6 days", "2 hours ago"), and the exact UTC forms that go beside
 * them (an ISO 8601 value for <time datetime>, a readable one for a
 * title). Pure functions of their arguments: the caller passes "now".
 */
#ifndef ROSTER_UTIL_RELTIME_H
#define ROSTER_UTIL_RELTIME_H

#include <stddef.h>
#include <stdint.h>

#define RELTIME_LEN 64 /* enough for any result below */

/*
 * Writes into buf (n bytes, at least RELTIME_LEN) how far t lies from now,
 * rounded to the nearest whole unit: "just now" (under a minute either
 * way), "in 1 minute", "3 hours ago", "in 7 days", "2 months ago" (30
 * days), "1 year ago" (365 days). Returns buf.
 */
const char *reltime_words(char *buf, size_t n, int64_t t, int64_t now);

/* Writes t as ISO 8601 UTC, "2026-11-27T19:31:55Z". Returns buf. */
const char *reltime_iso(char *buf, size_t n, int64_t t);

/* Writes t as "2026-11-27 19:31 UTC". Returns buf. */
const char *reltime_utc(char *buf, size_t n, int64_t t);

/* Writes t's date in UTC, "2026-11-27". Returns buf. */
const char *reltime_date(char *buf, size_t n, int64_t t);

#endif
