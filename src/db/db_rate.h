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

/* Counts events of bucket within the last hour (*hour) and the last day
 * (*day) and, when *hour < hour_limit and *day < day_limit, records one
 * event of bucket now: one statement. Exact when the caller holds a lock
 * on the bucket taken by an earlier statement (the counts are of the
 * statement's snapshot). */
enum err db_rate_take(struct db *db, struct arena *a, const char *bucket,
    long long hour_limit, long long day_limit, long long *hour, long long *day);

/* The invitation rate limiter's two sums within the last window seconds,
 * in one statement: *by_user, invitations created by user_id plus events
 * of user_bucket; *by_org, invitations of org_id plus events of
 * org_bucket. */
enum err db_rate_invitations(struct db *db, struct arena *a,
    const char *user_id, const char *org_id, const char *user_bucket,
    const char *org_bucket, long long window, long long *by_user,
    long long *by_org);

/* Records one event of bucket now. */
enum err db_rate_add(struct db *db, struct arena *a, const char *bucket);

/* Records one event of bucket now, as db_rate_add, and sets *held to the
 * row's place, which db_rate_release (in a later transaction, before any
 * purge) deletes: an event counted while its outcome is pending. */
enum err db_rate_hold(struct db *db, struct arena *a, const char *bucket,
    char **held);
enum err db_rate_release(struct db *db, struct arena *a, const char *held);

#endif
