/*
 * The seat limit of an organization (SPEC §7.3). Seats taken are active
 * members, open invitations that have not expired, and memberships
 * awaiting consent. Every action that takes a seat — an invitation (and a
 * bulk row, a resend of an expired one, the invitation of a join
 * approval), an owner-add, a join-request approval, a join through an
 * invite link — calls seat_take inside its own transaction before it
 * writes; accepting an invitation or an owner-add turns a seat already
 * taken into a member and takes no new one.
 */
#ifndef ROSTER_DOMAIN_SEAT_H
#define ROSTER_DOMAIN_SEAT_H

#include <stdbool.h>

#include "db/db_org.h"
#include "domain/domain.h"

/* The highest seat limit an organization may set. */
#define SEAT_LIMIT_MAX 100000

/*
 * Judges one more seat in organization org_id, in the caller's open
 * transaction on db: locks the organization's row FOR UPDATE, then (when
 * the organization has a limit) counts the seats taken in a statement of
 * its own, and answers ERR_SEAT_LIMIT when they already reach the limit.
 * Nothing is written: the caller's insert is the seat, and the row lock,
 * held until the caller's commit or rollback, makes every other seat
 * taker wait and then count it, so the limit is exact under concurrency.
 * except_email (or NULL) names an address whose open invitation the
 * caller is about to replace: its seat passes to the new one.
 *
 * Lock order: take it before any row lock of the transaction (only the
 * advisory locks of invitation_lock come earlier); taking it again in the
 * same transaction is harmless. ERR_NOT_FOUND when the organization is
 * gone.
 */
enum err seat_take(struct db *db, struct arena *a, const char *org_id,
    const char *except_email);

/*
 * seat_take for an invitation to email, with the invitation's
 * already-member check folded into the locking statement: ERR_ALREADY_MEMBER
 * when email belongs to an active member (judged first, full or not),
 * else seat_take's answer with email's open invitation left out of the
 * count (the new one replaces it).
 */
enum err seat_take_invitee(
    struct db *db, struct arena *a, const char *org_id, const char *email);

/* What a page shows: o's seat limit (*limit, 0 when none) and the seats
 * taken now (*used). Unless always, an organization that had no limit
 * when o was read (o->seat_limit) asks nothing (0 and 0), and the seats
 * are counted only when there is a limit. A plain read. */
enum err seat_usage(struct domain *d, struct arena *a, const struct org *o,
    bool always, long long *limit, long long *used);

/*
 * Parses the seat_limit field of org-settings: "" (or only white space)
 * is no limit (0), else a decimal number from 1 to SEAT_LIMIT_MAX.
 * ERR_INVALID_SEAT_LIMIT otherwise.
 */
enum err seat_limit_parse(const char *text, long long *limit);

#endif
