/*
 * Rendering pages into the layout, and the one table that maps error
 * codes to HTTP statuses, pages and sentences.
 */
#include "web/web.h"

#include <string.h>

#include "conf.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

struct err_view {
	int status;
	const char *page; /* page shown when the handler names none */
	const char *text;
};

static const struct err_view err_views[ERR__MAX] = {
	[ERR_OK] = { 200, "error", "" },
	[ERR_NOT_FOUND] = { 404, "not-found", "There is nothing here." },
	[ERR_FORBIDDEN] = { 403, "forbidden",
	    "You are not allowed to do that." },
	[ERR_CONFLICT] = { 409, "error",
	    "That conflicts with the current state." },
	[ERR_INVALID] = { 422, "error", "Some of the values are not valid." },
	[ERR_MALFORMED] = { 400, "bad-request", "The request was malformed." },
	[ERR_TOO_LARGE] = { 413, "too-large", "The request was too large." },
	[ERR_DATABASE] = { 503, "unavailable",
	    "Roster is briefly unavailable. Please try again in a moment." },
	[ERR_RETRY_EXHAUSTED] = { 503, "unavailable",
	    "Roster is busy. Please try again in a moment." },
	[ERR_INTERNAL] = { 500, "error", "Something went wrong on our side." },
	[ERR_CSRF] = { 403, "forbidden",
	    "This form has expired or did not come from this site. Reload the "
	    "page and try again." },
	[ERR_INVALID_EMAIL] = { 422, NULL, "Enter a valid email address." },
	[ERR_INVALID_PASSWORD] = { 422, NULL,
	    "Passwords must be 10 to 1024 characters long." },
	[ERR_INVALID_NAME] = { 422, NULL,
	    "Enter a name of 1 to 100 characters." },
	[ERR_INVALID_SLUG] = { 422, NULL,
	    "The address may use 2 to 40 lower-case letters, digits and "
	    "dashes." },
	[ERR_INVALID_ROLE] = { 422, NULL, "Choose owner, admin or member." },
	[ERR_INVALID_CREDENTIALS] = { 401, NULL,
	    "That email and password do not match an account." },
	[ERR_EMAIL_TAKEN] = { 409, NULL,
	    "An account with that email already exists. Sign in instead." },
	[ERR_EMAIL_MISMATCH] = { 422, NULL,
	    "The email must be the address the invitation was sent to." },
	[ERR_SLUG_TAKEN] = { 409, NULL,
	    "That address is taken. Choose another." },
	[ERR_ALREADY_MEMBER] = { 409, NULL,
	    "That person is already a member." },
	[ERR_ALREADY_PENDING] = { 409, NULL,
	    "There is already a pending request." },
	[ERR_NOT_PENDING] = { 409, NULL, "That is no longer pending." },
	[ERR_LAST_OWNER] = { 409, NULL,
	    "An organization needs at least one owner." },
	[ERR_ROLE_ESCALATION] = { 403, NULL,
	    "Only an owner can grant that role or change an owner or admin." },
	[ERR_NO_SUCH_USER] = { 404, NULL,
	    "No confirmed account has that email address." },
	[ERR_SIGNUP_CLOSED] = { 403, NULL,
	    "Sign-up is closed. You need an invitation to join." },
	[ERR_RATE_LIMITED] = { 429, NULL,
	    "Too many attempts. Please wait a while and try again." },
	[ERR_RATE_LIMITED_USER] = { 429, NULL,
	    "You have sent too many invitations this hour." },
	[ERR_RATE_LIMITED_ORG] = { 429, NULL,
	    "This organization has sent too many invitations this hour." },
	[ERR_TOKEN_INVALID] = { 404, "token-invalid",
	    "This link is invalid, expired or already used." },
	[ERR_TOKEN_EXPIRED] = { 410, "token-invalid",
	    "This link has expired." },
	[ERR_INVITATION_INVALID] = { 404, "invitation-invalid",
	    "This invitation link is not valid." },
	[ERR_INVITATION_EXPIRED] = { 410, "invitation-expired",
	    "This invitation has expired." },
	[ERR_INVITATION_REVOKED] = { 410, "invitation-revoked",
	    "This invitation was withdrawn." },
	[ERR_INVITATION_DECLINED] = { 410, "invitation-declined",
	    "This invitation was declined." },
	[ERR_INVITATION_ACCEPTED] = { 410, "invitation-already-accepted",
	    "This invitation has already been accepted." },
	[ERR_INVITATION_MISMATCH] = { 403, "invitation-mismatch",
	    "This invitation is for another email address." },
	[ERR_JOIN_DISABLED] = { 404, "not-found",
	    "This organization does not take join requests." },
	[ERR_JOIN_EXPIRED] = { 410, "join-expired",
	    "This confirmation link has expired." },
};

/* Sentences for flash codes; a code not listed is not shown. */
static const struct {
	const char *code, *text;
} flashes[] = {
	{ "signed-up",
	    "Welcome to Roster. Check your email to confirm your address." },
	{ "signed-in", "You are signed in." },
	{ "signed-out", "You are signed out." },
	{ "org-created", "Your organization is ready." },
	{ "invitation-sent", "Invitation sent." },
	{ "invitation-resent", "Invitation sent again." },
	{ "invitation-revoked", "Invitation revoked." },
	{ "invitation-accepted",
	    "Welcome aboard: you joined the organization." },
	{ "invitation-declined", "Invitation declined." },
	{ "already-member", "You are already a member." },
	{ "member-added", "Added: they will join once they accept." },
	{ "membership-accepted", "You joined the organization." },
	{ "membership-declined", "Membership declined." },
	{ "role-changed", "Role changed." },
	{ "member-removed", "Member removed." },
	{ "left-org", "You left the organization." },
	{ "join-requested", "Your request to join was sent." },
	{ "join-approved", "Request approved." },
	{ "join-rejected", "Request rejected." },
	{ "settings-saved", "Settings saved." },
	{ "password-reset",
	    "Your password was changed. Sign in with the new one." },
};

const char *
web_flash_text(const char *code)
{
	for (size_t i = 0; i < sizeof(flashes) / sizeof(flashes[0]); i++)
		if (strcmp(flashes[i].code, code) == 0)
			return flashes[i].text;
	return NULL;
}

/* The title of a page that shows only an error. */
static const char *
page_title(const char *page)
{
	static const struct {
		const char *page, *title;
	} titles[] = {
		{ "not-found", "Not found" },
		{ "forbidden", "Not allowed" },
		{ "bad-request", "Bad request" },
		{ "too-large", "Too large" },
		{ "unavailable", "Unavailable" },
		{ "method-not-allowed", "Method not allowed" },
		{ "unsupported-media-type", "Unsupported form encoding" },
		{ "token-invalid", "Link not valid" },
		{ "invitation-invalid", "Invitation not valid" },
		{ "invitation-expired", "Invitation expired" },
		{ "invitation-revoked", "Invitation withdrawn" },
		{ "invitation-declined", "Invitation declined" },
		{ "invitation-already-accepted",
		    "Invitation already accepted" },
		{ "join-expired", "Link expired" },
	};

	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(titles[i].page, page) == 0)
			return titles[i].title;
	return "Error";
}

int
web_status(enum err e)
{
	return (unsigned)e < ERR__MAX && err_views[e].status
	    ? err_views[e].status
	    : 500;
}

void
web_render(struct ctx *c, int status, const char *name)
{
	struct buf body;
	const char *flash;
	const char *file = arena_printf(c->a, "%s.html", name);

	buf_init(&body, c->a);
	tpl_set(c->page, "page", name);
	tpl_set(c->page, "csrf_token", c->csrf);
	if (c->user != NULL) {
		tpl_set_bool(c->page, "signed_in", true);
		tpl_set(c->page, "user_email", c->user->email);
		tpl_set(c->page, "user_name", c->user->display_name);
		tpl_set_bool(
		    c->page, "is_platform_admin", c->user->platform_admin);
	}
	if ((flash = web_flash_take(c)) != NULL) {
		tpl_set(c->page, "flash", flash);
		tpl_set(c->page, "flash_text", web_flash_text(flash));
	}
	/* Pages of their own have a template of that name; the many error
	 * pages share one. */
	if (!tpl_has(c->w->tpl, file))
		file = "error.html";
	if (tpl_render(c->w->tpl, file, c->page, &body) == -1) {
		log_err("web: no template %s", file);
		buf_clear(&body);
		status = 500;
		tpl_set(c->page, "page", "error");
		tpl_set(c->page, "title", "Error");
	}
	tpl_set_html(c->page, "content", body.data);
	buf_clear(&c->res->body);
	(void)tpl_render(c->w->tpl, "layout.html", c->page, &c->res->body);
	c->res->status = status;
	c->res->location = NULL;
}

void
web_fail(struct ctx *c, enum err e, const char *page)
{
	const struct err_view *v =
	    &err_views[(unsigned)e < ERR__MAX ? e : ERR_INTERNAL];

	if (page == NULL) {
		page = v->page ? v->page : "error";
		tpl_set(c->page, "title", page_title(page));
	}
	tpl_set(c->page, "error", err_str(e));
	tpl_set(c->page, "error_text", v->text);
	if (e == ERR_DATABASE || e == ERR_RETRY_EXHAUSTED)
		c->res->retry_after = 5;
	web_render(c, web_status(e), page);
}

void
web_redirect_flash(struct ctx *c, const char *location, const char *flash)
{
	if (flash != NULL)
		web_flash_set(c, flash);
	http_redirect(c->res, location);
}
