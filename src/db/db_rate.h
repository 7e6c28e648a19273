/*
 * Statements on rate-limit events: one row per counted event in a bucket.
 */
#ifndef ROSTER_DB_DB_RATE_H
#define ROSTER_DB_DB_RATE_H

#include "util/err.h"

struct arena;
struct db;

/* Counts events of bucket within the last window seconds. */
enum err db_rate_count(struct db *db, struct arena *a, const char *bucket,
    long long window, long long *n);

/* Records one event of bucket now. */
enum err db_rate_add(struct db *db, struct arena *a, const char *bucket);

/* Records one event of bucket now, as db_rate_add, and sets *held to the
 * row's place, which db_rate_release (in a later transaction, before any
 * purge) deletes: an event counted while its outcome is pending. */
enum err db_rate_hold(struct db *db, struct arena *a, const char *bucket,
    char **held);
enum err db_rate_release(struct db *db, struct arena *a, const char *held);

#endif
