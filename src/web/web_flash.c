/*
 * Flash messages: a code set in a short-lived cookie by the request that
 * redirects, shown (data-flash) and cleared by the page that follows.
 * Codes and sentences are declared once, indexed by enum flash.
 */
#include "web/web.h"

#include <string.h>

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

void
web_flash_set(struct ctx *c, enum flash f)
{
	web_session_cookie_set(c, FLASH_COOKIE, flashes[f].code, FLASH_TTL);
}

enum flash
web_flash_take(struct ctx *c)
{
	const char *v = web_session_cookie(c, FLASH_COOKIE);
	int f;

	if (v == NULL)
		return FLASH__MAX;
	for (f = 0; f < FLASH__MAX; f++)
		if (strcmp(flashes[f].code, v) == 0)
			break;
	if (f < FLASH__MAX)
		web_session_cookie_set(c, FLASH_COOKIE, "", 0);
	return (enum flash)f;
}
