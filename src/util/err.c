/*
 * Names of the error codes.
 */
#include "util/err.h"

#include <stddef.h>

static const char *const err_names[ERR__MAX] = {
	[ERR_OK] = "ok",
	[ERR_NOT_FOUND] = "not-found",
	[ERR_FORBIDDEN] = "forbidden",
	[ERR_CONFLICT] = "conflict",
	[ERR_INVALID] = "invalid",
	[ERR_MALFORMED] = "malformed",
	[ERR_BAD_METHOD] = "method-not-allowed",
	[ERR_MEDIA_TYPE] = "unsupported-media-type",
	[ERR_TOO_LARGE] = "too-large",
	[ERR_DATABASE] = "database-unavailable",
	[ERR_RETRY_EXHAUSTED] = "retry-exhausted",
	[ERR_INTERNAL] = "internal",
	[ERR_CSRF] = "csrf",
	[ERR_INVALID_EMAIL] = "invalid-email",
	[ERR_INVALID_PASSWORD] = "invalid-password",
	[ERR_INVALID_NAME] = "invalid-name",
	[ERR_INVALID_SLUG] = "invalid-slug",
	[ERR_INVALID_ROLE] = "invalid-role",
	[ERR_INVALID_CREDENTIALS] = "invalid-credentials",
	[ERR_EMAIL_TAKEN] = "email-taken",
	[ERR_EMAIL_MISMATCH] = "email-mismatch",
	[ERR_SLUG_TAKEN] = "slug-taken",
	[ERR_ALREADY_MEMBER] = "already-member",
	[ERR_NOT_PENDING] = "not-pending",
	[ERR_ROLE_ESCALATION] = "role-escalation",
	[ERR_LAST_OWNER] = "last-owner",
	[ERR_NO_SUCH_USER] = "no-such-user",
	[ERR_SIGNUP_CLOSED] = "signup-closed",
	[ERR_RATE_LIMITED] = "rate-limited",
	[ERR_RATE_LIMITED_USER] = "rate-limited-user",
	[ERR_RATE_LIMITED_ORG] = "rate-limited-org",
	[ERR_EMAIL_UNCONFIRMED] = "email-unconfirmed",
	[ERR_TOKEN_INVALID] = "token-invalid",
	[ERR_INVITATION_INVALID] = "invitation-invalid",
	[ERR_INVITATION_EXPIRED] = "invitation-expired",
	[ERR_INVITATION_REVOKED] = "invitation-revoked",
	[ERR_INVITATION_DECLINED] = "invitation-declined",
	[ERR_INVITATION_ACCEPTED] = "invitation-already-accepted",
	[ERR_INVITATION_MISMATCH] = "invitation-mismatch",
	[ERR_ALREADY_PENDING] = "already-pending",
	[ERR_JOIN_EXPIRED] = "join-expired",
	[ERR_INVALID_JOIN_FIELDS] = "invalid-join-fields",
	[ERR_LINK_INVALID] = "link-invalid",
	[ERR_LINK_EXPIRED] = "link-expired",
	[ERR_LINK_USED_UP] = "link-used-up",
	[ERR_LINK_REVOKED] = "link-revoked",
	[ERR_INVALID_MAX_USES] = "invalid-max-uses",
	[ERR_INVALID_DAYS] = "invalid-days",
	[ERR_SEAT_LIMIT] = "seat-limit",
	[ERR_INVALID_SEAT_LIMIT] = "invalid-seat-limit",
	[ERR_TOO_MANY_ADDRESSES] = "too-many-addresses",
	[ERR_UNAUTHORIZED] = "unauthorized",
	[ERR_MALFORMED_JSON] = "malformed-json",
	[ERR_INVALID_URL] = "invalid-url",
	[ERR_INVALID_EVENTS] = "invalid-events",
	[ERR_TOO_MANY_WEBHOOKS] = "too-many-webhooks",
};

const char *
err_str(enum err e)
{
	if ((unsigned)e >= ERR__MAX || err_names[e] == NULL)
		return "internal";
	return err_names[e];
}
