/*
 * Statements of the seat limit (SPEC §7.3): the organization's row lock
 * that serializes every action taking a seat, and the count of seats
 * taken. Each runs in the caller's transaction.
 */
#ifndef ROSTER_DB_DB_SEAT_H
#define ROSTER_DB_DB_SEAT_H

#include <stdbool.h>

#include "util/err.h"

struct arena;
struct db;

/*
 * Locks organization org_id's row FOR NO KEY UPDATE (as
 * db_membership_lock_org) and reads its seat limit
 * into *limit (0 when it has none). ERR_NOT_FOUND when the organization
 * is gone.
 */
enum err db_seat_lock(
    struct db *db, struct arena *a, const char *org_id, long long *limit);

/*
 * db_seat_lock, and in the same statement whether email is the address of
 * an active member of org_id (*member): an invitation's already-member
 * check and its seat lock in one round trip.
 */
enum err db_seat_lock_email(struct db *db, struct arena *a,
    const char *org_id, const char *email, long long *limit, bool *member);

/*
 * The seats taken in org_id as this statement sees them: memberships
 * active or awaiting consent, and open invitations whose expiry is still
 * ahead (the database's clock), leaving out the open invitation to
 * except_email when it is not NULL (an invitation about to replace it
 * takes its seat over).
 */
enum err db_seat_count(struct db *db, struct arena *a, const char *org_id,
    const char *except_email, long long *used);

/* A plain read (no lock), one statement, for pages: org_id's seat limit
 * (0: none) and the seats taken as db_seat_count counts them; those are
 * counted only when there is a limit, unless always (else *used is 0). */
enum err db_seat_usage(struct db *db, struct arena *a, const char *org_id,
    bool always, long long *limit, long long *used);

/* Sets the seat limit of org_id (0: none). */
enum err db_seat_set_limit(
    struct db *db, struct arena *a, const char *org_id, long long limit);

#endif
