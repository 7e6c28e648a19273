/*
 * Names and help text of the program's counters, indexed by enum counter.
 */
#include "counters.h"

_Static_assert(C__MAX <= METRICS_COUNTERS_MAX, "every counter needs a slot");

static const struct metrics_counter counters_table[C__MAX] = {
	[C_INVITATIONS_CREATED] = { "invitations_created",
	    "Invitations created." },
	[C_INVITATIONS_ACCEPTED] = { "invitations_accepted",
	    "Invitations accepted." },
	[C_INVITATIONS_REVOKED] = { "invitations_revoked",
	    "Invitations revoked." },
	[C_INVITATIONS_DECLINED] = { "invitations_declined",
	    "Invitations declined." },
	[C_INVITATIONS_RESENT] = { "invitations_resent",
	    "Invitations sent again, each replacing its earlier link (not "
	    "counted as created)." },
	[C_INVITATIONS_RATE_LIMITED] = { "invitations_rate_limited",
	    "Invitation attempts refused by a rate limit." },
	[C_OWNER_ADDS_CREATED] = { "owner_adds_created",
	    "Existing users added to an organization, awaiting consent." },
	[C_OWNER_ADDS_ACCEPTED] = { "owner_adds_accepted",
	    "Owner-adds accepted by their user." },
	[C_OWNER_ADDS_DECLINED] = { "owner_adds_declined",
	    "Owner-adds declined by their user." },
	[C_OWNER_ADDS_CANCELLED] = { "owner_adds_cancelled",
	    "Owner-adds cancelled by a manager before consent." },
	[C_ROLE_CHANGES] = { "role_changes", "Roles of members changed." },
	[C_MEMBERS_REMOVED] = { "members_removed",
	    "Members removed by a manager." },
	[C_MEMBERS_LEFT] = { "members_left",
	    "Members who left an organization." },
	[C_JOIN_REQUESTS_SUBMITTED] = { "join_requests_submitted",
	    "Join requests sent through the public form or by a signed-in "
	    "user." },
	[C_JOIN_REQUESTS_CONFIRMED] = { "join_requests_confirmed",
	    "Public join requests confirmed through their email link." },
	[C_JOIN_REQUESTS_APPROVED] = { "join_requests_approved",
	    "Join requests approved." },
	[C_JOIN_REQUESTS_REJECTED] = { "join_requests_rejected",
	    "Join requests rejected." },
	[C_PLATFORM_INVITATIONS_CREATED] = { "platform_invitations_created",
	    "Platform invitations sent by platform admins." },
	[C_PLATFORM_INVITATIONS_ACCEPTED] = { "platform_invitations_accepted",
	    "Accounts created through a platform invitation." },
	[C_PLATFORM_INVITATIONS_REVOKED] = { "platform_invitations_revoked",
	    "Platform invitations revoked by a platform admin." },
	[C_INVITE_LINKS_CREATED] = { "invite_links_created",
	    "Invite links created." },
	[C_INVITE_LINK_JOINS] = { "invite_link_joins",
	    "Memberships made through an invite link (one use each)." },
	[C_INVITE_LINKS_REVOKED] = { "invite_links_revoked",
	    "Invite links revoked." },
	[C_RATE_LIMITER_FAILURES] = { "rate_limiter_failures",
	    "Rate limiter checks that could not be made." },
	[C_EMAILS_QUEUED] = { "emails_queued", "Emails put in the outbox." },
	[C_LOGIN_FAILURES] = { "login_failures", "Failed sign-in attempts." },
	[C_DB_RECONNECTS] = { "db_reconnects",
	    "Database connections re-established." },
	[C_TX_RETRIES] = { "tx_retries",
	    "Transactions retried after a serialization failure or deadlock." },
	[C_BULK_INVITATIONS] = { "bulk_invitations",
	    "Bulk invitation requests answered with a result page (each "
	    "address is counted as a single invitation)." },
	[C_SEAT_LIMIT_REFUSALS] = { "seat_limit_refusals",
	    "Actions refused because every seat of the organization was "
	    "taken." },
};

void
counters_init(void)
{
	metrics_counters(counters_table, C__MAX);
}
