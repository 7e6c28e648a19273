/*
 * The domain layer: Roster's rules, each public operation one database
 * transaction. No HTTP, no HTML. Operations that send email hand a
 * struct notice to the notifier the caller wired in; it is called inside
 * the same transaction so the email is queued if and only if the change
 * commits.
 */
#ifndef ROSTER_DOMAIN_DOMAIN_H
#define ROSTER_DOMAIN_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db_user.h"
#include "db/db_enum.h"
#include "util/err.h"

struct arena;
struct conf;
struct db;

enum notice_kind {
	NOTICE_CONFIRM_EMAIL,  /* link: /confirm?token= */
	NOTICE_RESET_PASSWORD, /* link: /password/reset?token= */
	NOTICE_INVITATION,     /* link: /invitations/accept?token= */
	NOTICE_OWNER_ADD,      /* link: /me/invitations (no token) */
	NOTICE_JOIN_CONFIRM,   /* link: /join/confirm?token= */
	NOTICE_JOIN_APPROVED,  /* link: /orgs/{slug} (no token) */
	NOTICE_PLATFORM_INVITATION, /* link: /signup?invite= */
	NOTICE__MAX
};

/* An email to queue. Strings are arena memory of the operation. */
struct notice {
	enum notice_kind kind;
	const char *to;
	const char *link;          /* absolute URL carrying the token */
	const char *name;          /* recipient's display name, if known */
	const char *org_name;      /* invitations */
	const char *inviter;       /* invitations: inviter's display name */
	const char *inviter_email; /* invitations: inviter's address */
	enum role role;            /* invitations */
	int64_t expires;           /* unix seconds */
	const char *invitation_id; /* invitations: the row the email is for */
};

/* Queues n inside the caller's open transaction; returns ERR_OK or the
 * failure that must roll the change back. */
typedef enum err (*notify_fn)(
    void *ctx, struct db *db, struct arena *a, const struct notice *n);

/* What every domain operation needs: the worker's connection, the
 * configuration and the notifier. */
struct domain {
	struct db *db;
	const struct conf *conf;
	notify_fn notify;
	void *notify_ctx;
};

#endif
