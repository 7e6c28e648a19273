/*
 * Flash messages: a code set in a short-lived cookie by the request that
 * redirects, shown (data-flash) and cleared by the page that follows.
 * Codes and sentences are declared once, indexed by enum flash.
 */
#include "web/web.h"

#include <string.h>

#include "crypto/base64.h"
#include "util/arena.h"
#include "util/str.h"

#define FLASH_COOKIE "roster_flash"
#define FLASH_TTL    60 /* seconds */

static const struct {
	const char *code, *text;
} flashes[FLASH__MAX] = {
	[FLASH_ALREADY_MEMBER] = { "already-member",
	    "You are already a member." },
	[FLASH_INVITATION_ACCEPTED] = { "invitation-accepted",
	    "Welcome aboard: you joined the organization." },
	[FLASH_INVITATION_DECLINED] = { "invitation-declined",
	    "Invitation declined." },
	[FLASH_INVITATION_RESENT] = { "invitation-resent",
	    "Invitation sent again." },
	[FLASH_INVITATION_REVOKED] = { "invitation-revoked",
	    "Invitation revoked." },
	[FLASH_INVITATION_SENT] = { "invitation-sent", "Invitation sent." },
	[FLASH_JOIN_APPROVED] = { "join-approved", "Request approved." },
	[FLASH_JOIN_REJECTED] = { "join-rejected", "Request rejected." },
	[FLASH_JOIN_REQUESTED] = { "join-requested",
	    "Your request to join was received." },
	[FLASH_SETTINGS_SAVED] = { "settings-saved", "Settings saved." },
	[FLASH_LEFT_ORG] = { "left-org", "You left the organization." },
	[FLASH_MEMBER_ADDED] = { "member-added",
	    "Added. They become a member once they accept." },
	[FLASH_MEMBER_REMOVED] = { "member-removed", "Removed." },
	[FLASH_MEMBERSHIP_ACCEPTED] = { "membership-accepted",
	    "Welcome aboard: you joined the organization." },
	[FLASH_MEMBERSHIP_DECLINED] = { "membership-declined",
	    "You declined to join." },
	[FLASH_ROLE_CHANGED] = { "role-changed", "Role changed." },
	[FLASH_ORG_CREATED] = { "org-created", "Your organization is ready." },
	[FLASH_PASSWORD_RESET] = { "password-reset",
	    "Your password was changed. Sign in with the new one." },
	[FLASH_PLATFORM_INVITATION_REVOKED] = { "platform-invitation-revoked",
	    "Platform invitation revoked." },
	[FLASH_PLATFORM_INVITATION_SENT] = { "platform-invitation-sent",
	    "Platform invitation sent." },
	[FLASH_SIGNED_IN] = { "signed-in", "You are signed in." },
	[FLASH_SIGNED_OUT] = { "signed-out", "You are signed out." },
	[FLASH_SIGNED_UP] = { "signed-up",
	    "Welcome to Roster. Check your email to confirm your address." },
	[FLASH_CONFIRMATION_SENT] = { "confirmation-sent",
	    "We sent you a new confirmation email. Open the link in it to "
	    "confirm your address." },
	[FLASH_LINK_JOINED] = { "link-joined",
	    "Welcome: you joined through the invite link." },
	[FLASH_LINK_REVOKED] = { "link-revoked",
	    "Invite link revoked: it no longer lets anyone join." },
	[FLASH_TOKEN_REVOKED] = { "token-revoked",
	    "API token revoked: it no longer works." },
	[FLASH_WEBHOOK_DELETED] = { "webhook-deleted",
	    "Webhook endpoint deleted: nothing more is sent to it." },
};

const char *
web_flash_code(enum flash f)
{
	return flashes[f].code;
}

const char *
web_flash_text(enum flash f)
{
	return flashes[f].text;
}

/* The sentences that name whom a flash is about: before, the subject,
 * then middle; with a detail (a role), the detail and after follow. */
static const struct {
	const char *before, *middle, *after;
} about[FLASH__MAX] = {
	[FLASH_INVITATION_RESENT] = { "Invitation sent again to ", ".", NULL },
	[FLASH_INVITATION_REVOKED] = { "Invitation to ", " revoked.", NULL },
	[FLASH_INVITATION_SENT] = { "Invitation sent to ", ".", NULL },
	[FLASH_MEMBER_ADDED] = { "",
	    " added. They become a member once they accept.", NULL },
	[FLASH_MEMBER_REMOVED] = { "", " removed.", NULL },
	[FLASH_ROLE_CHANGED] = { "Role of ", " changed to ", "." },
	[FLASH_TOKEN_REVOKED] = { "API token ",
	    " revoked: it no longer works.", NULL },
};

const char *
web_flash_sentence(const struct ctx *c, enum flash f)
{
	const char *s = c->flash_about[0], *d = c->flash_about[1];

	if (s == NULL || about[f].before == NULL)
		return flashes[f].text;
	if (d == NULL || about[f].after == NULL)
		return arena_printf(
		    c->a, "%s%s%s", about[f].before, s, about[f].middle);
	return arena_printf(c->a, "%s%s%s%s%s", about[f].before, s,
	    about[f].middle, d, about[f].after);
}

void
web_flash_set(struct ctx *c, enum flash f)
{
	const char *v = flashes[f].code;

	/* The subject travels as base64url, so any name fits a cookie. */
	for (int i = 0; i < 2 && c->flash_about[i] != NULL &&
	     about[f].before != NULL;
	     i++)
		v = arena_printf(c->a, "%s.%s", v,
		    base64_url_encode(c->a, c->flash_about[i],
			strlen(c->flash_about[i])));
	web_session_cookie_set(c, FLASH_COOKIE, v, FLASH_TTL);
}

/* Decodes one subject of the cookie: text without control characters,
 * else NULL (the cookie is the visitor's to change). */
static const char *
subject(struct ctx *c, const char *b64, size_t n)
{
	uint8_t *raw;
	size_t len;

	if (n == 0 || n > 1024 ||
	    base64_url_decode(c->a, arena_strndup(c->a, b64, n), &raw, &len) ==
		-1 ||
	    strlen((const char *)raw) != len ||
	    !str_utf8_valid((const char *)raw, len) ||
	    !str_no_ctl((const char *)raw))
		return NULL;
	return (const char *)raw;
}

enum flash
web_flash_take(struct ctx *c)
{
	const char *v = web_session_cookie(c, FLASH_COOKIE), *s0, *s1;
	size_t n;
	int f;

	/* Whatever a failed action named is not this flash's subject. */
	c->flash_about[0] = c->flash_about[1] = NULL;
	if (v == NULL)
		return FLASH__MAX;
	n = strcspn(v, ".");
	for (f = 0; f < FLASH__MAX; f++)
		if (strlen(flashes[f].code) == n &&
		    strncmp(flashes[f].code, v, n) == 0)
			break;
	if (f == FLASH__MAX)
		return FLASH__MAX;
	web_session_cookie_set(c, FLASH_COOKIE, "", 0);
	if (v[n] == '.') {
		s0 = v + n + 1;
		s1 = s0 + strcspn(s0, ".");
		c->flash_about[0] = subject(c, s0, (size_t)(s1 - s0));
		if (*s1 == '.' && c->flash_about[0] != NULL)
			c->flash_about[1] = subject(c, s1 + 1, strlen(s1 + 1));
	}
	return (enum flash)f;
}
