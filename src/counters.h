/*
 * The program's counters: one enum, in the order /metrics lists them, and
 * the table of their names registered with util/metrics. Every layer that
 * counts something includes this file and calls metrics_add() with its
 * index; util/metrics itself knows no counter by name.
 */
#ifndef ROSTER_COUNTERS_H
#define ROSTER_COUNTERS_H

#include "util/metrics.h"

enum counter {
	C_INVITATIONS_CREATED,
	C_INVITATIONS_ACCEPTED,
	C_INVITATIONS_REVOKED,
	C_INVITATIONS_DECLINED,
	C_INVITATIONS_RATE_LIMITED,
	C_INVITATIONS_RESENT,
	C_OWNER_ADDS_CREATED,
	C_OWNER_ADDS_ACCEPTED,
	C_OWNER_ADDS_DECLINED,
	C_OWNER_ADDS_CANCELLED,
	C_ROLE_CHANGES,
	C_MEMBERS_REMOVED,
	C_MEMBERS_LEFT,
	C_JOIN_REQUESTS_SUBMITTED,
	C_JOIN_REQUESTS_CONFIRMED,
	C_JOIN_REQUESTS_APPROVED,
	C_JOIN_REQUESTS_REJECTED,
	C_PLATFORM_INVITATIONS_CREATED,
	C_PLATFORM_INVITATIONS_ACCEPTED,
	C_PLATFORM_INVITATIONS_REVOKED,
	C_INVITE_LINKS_CREATED,
	C_INVITE_LINK_JOINS,
	C_INVITE_LINKS_REVOKED,
	C_RATE_LIMITER_FAILURES,
	C_EMAILS_QUEUED,
	C_LOGIN_FAILURES,
	C_DB_RECONNECTS,
	C_TX_RETRIES,
	C_BULK_INVITATIONS,
	C_SEAT_LIMIT_REFUSALS,
	C__MAX
};

/*
 * Registers the table of counter names with metrics_counters(); call at
 * setup, before forking, in every program that exposes metrics.
 */
void counters_init(void);

#endif
