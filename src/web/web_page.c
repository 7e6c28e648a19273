/*
 * Pages: the one table of pages (data-page marker, template, title,
 * status), checked against the templates at start-up; the one table that
 * maps error codes to statuses, pages and sentences; rendering into the
 * layout.
 */
#include "web/web.h"

#include <string.h>

#include "domain/account.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

static const struct {
	const char *name;     /* the data-page marker */
	const char *template; /* NULL: error.html */
	const char *title;    /* NULL: set by the handler */
	int status;
} pages[PAGE__MAX] = {
	[PAGE_ERROR] = { "error", "error.html", "Error", 500 },
	[PAGE_BAD_REQUEST] = { "bad-request", NULL, "Bad request", 400 },
	[PAGE_FORBIDDEN] = { "forbidden", NULL, "Not allowed", 403 },
	[PAGE_INVITATION_ACCEPTED] = { "invitation-already-accepted",
	    "invitation-already-accepted.html",
	    "Invitation already accepted", 410 },
	[PAGE_INVITATION_DECLINED] = { "invitation-declined",
	    "invitation-declined.html",
	    "Invitation declined", 410 },
	[PAGE_INVITATION_EXPIRED] = { "invitation-expired",
	    "invitation-expired.html",
	    "Invitation expired", 410 },
	[PAGE_INVITATION_INVALID] = { "invitation-invalid",
	    "invitation-invalid.html",
	    "Invitation not valid", 404 },
	[PAGE_INVITATION_REVOKED] = { "invitation-revoked",
	    "invitation-revoked.html",
	    "Invitation withdrawn", 410 },
	[PAGE_JOIN_EXPIRED] = { "join-expired", NULL, "Link expired", 410 },
	[PAGE_LINK_INVALID] = { "link-invalid", NULL, "Invite link not valid",
	    404 },
	[PAGE_METHOD_NOT_ALLOWED] = { "method-not-allowed",
	    "method-not-allowed.html", "Form submissions only", 405 },
	[PAGE_NOT_FOUND] = { "not-found", NULL, "Not found", 404 },
	[PAGE_TOO_LARGE] = { "too-large", NULL, "Too large", 413 },
	[PAGE_UNAVAILABLE] = { "unavailable", NULL, "Unavailable", 503 },
	[PAGE_UNSUPPORTED_MEDIA_TYPE] = { "unsupported-media-type", NULL,
	    "Unsupported form encoding", 415 },
	[PAGE_DASHBOARD] = { "dashboard", "dashboard.html", "Dashboard", 200 },
	[PAGE_ADMIN] = { "admin", "admin.html", "Platform", 200 },
	[PAGE_EMAIL_CONFIRM] = { "email-confirm", "email-confirm.html",
	    "Confirm your email", 200 },
	[PAGE_EMAIL_CONFIRMED] = { "email-confirmed", "email-confirmed.html",
	    "Email confirmed", 200 },
	[PAGE_INVITATION_ACCEPT] = { "invitation-accept",
	    "invitation-accept.html", NULL, 200 },
	[PAGE_INVITATION_BULK_RESULT] = { "invitation-bulk-result",
	    "invitation-bulk-result.html", "Invitations sent", 200 },
	[PAGE_INVITATION_MISMATCH] = { "invitation-mismatch",
	    "invitation-mismatch.html", "Invitation for another address", 403 },
	[PAGE_INVITATION_SIGNUP] = { "invitation-signup",
	    "invitation-signup.html", NULL, 200 },
	[PAGE_JOIN_CHECK_EMAIL] = { "join-check-email", "join-check-email.html",
	    "Check your email", 200 },
	[PAGE_JOIN_CONFIRM] = { "join-confirm", "join-confirm.html",
	    "Confirm your request", 200 },
	[PAGE_JOIN_CONFIRMED] = { "join-confirmed", "join-confirmed.html",
	    "Request sent", 200 },
	[PAGE_JOIN_FORM] = { "join-form", "join-form.html", NULL, 200 },
	[PAGE_LINK_CREATED] = { "link-created", "link-created.html",
	    "Invite link", 200 },
	[PAGE_LINK_EXPIRED] = { "link-expired", "link-ended.html",
	    "Invite link expired", 410 },
	[PAGE_LINK_JOIN] = { "link-join", "link-join.html", NULL, 200 },
	[PAGE_LINK_REVOKED] = { "link-revoked", "link-ended.html",
	    "Invite link revoked", 410 },
	[PAGE_LINK_USED_UP] = { "link-used-up", "link-ended.html",
	    "Invite link used up", 410 },
	[PAGE_LOGIN] = { "login", "login.html", "Sign in", 200 },
	[PAGE_MY_INVITATIONS] = { "my-invitations", "my-invitations.html",
	    "Your invitations", 200 },
	[PAGE_ORG_AUDIT] = { "org-audit", "org-audit.html", "Audit trail",
	    200 },
	[PAGE_ORG_MEMBERS] = { "org-members", "org-members.html", NULL, 200 },
	[PAGE_ORG_NEW] = { "org-new", "org-new.html", "New organization", 200 },
	[PAGE_ORG_JOIN_REQUESTS] = { "org-join-requests",
	    "org-join-requests.html", "Join requests", 200 },
	[PAGE_ORG_SETTINGS] = { "org-settings", "org-settings.html", "Settings",
	    200 },
	[PAGE_PASSWORD_FORGOT] = { "password-forgot", "password-forgot.html",
	    "Forgot password", 200 },
	[PAGE_PASSWORD_RESET] = { "password-reset", "password-reset.html",
	    "Choose a new password", 200 },
	[PAGE_SIGNUP] = { "signup", "signup.html", "Sign up", 200 },
	[PAGE_TOKEN_INVALID] = { "token-invalid", "token-invalid.html",
	    "Link not valid", 404 },
	[PAGE_API_TOKENS] = { "api-tokens", "api-tokens.html", "API tokens",
	    200 },
	[PAGE_API_TOKEN_CREATED] = { "api-token-created",
	    "api-token-created.html", "API token created", 200 },
	[PAGE_ORG_WEBHOOKS] = { "org-webhooks", "org-webhooks.html",
	    "Webhooks", 200 },
	[PAGE_WEBHOOK_CREATED] = { "webhook-created", "webhook-created.html",
	    "Webhook added", 200 },
};

/* What an error shows: its status, the page it has when the handler names
 * none (a zeroed row: PAGE_ERROR), and its sentence. */
static const struct {
	int status;
	enum page page;
	const char *text;
} errors[ERR__MAX] = {
	[ERR_OK] = { 200, PAGE_ERROR, "" },
	[ERR_NOT_FOUND] = { 404, PAGE_NOT_FOUND, "There is nothing here." },
	[ERR_FORBIDDEN] = { 403, PAGE_FORBIDDEN,
	    "You are not allowed to do that." },
	[ERR_CONFLICT] = { 409, PAGE_ERROR,
	    "That conflicts with the current state." },
	[ERR_INVALID] = { 422, PAGE_ERROR,
	    "Some of the values are not valid." },
	[ERR_MALFORMED] = { 400, PAGE_BAD_REQUEST,
	    "The request was malformed." },
	[ERR_BAD_METHOD] = { 405, PAGE_METHOD_NOT_ALLOWED,
	    "This address only accepts form submissions — perhaps you "
	    "refreshed after submitting a form." },
	[ERR_MEDIA_TYPE] = { 415, PAGE_UNSUPPORTED_MEDIA_TYPE,
	    "Forms must be sent as application/x-www-form-urlencoded." },
	[ERR_TOO_LARGE] = { 413, PAGE_TOO_LARGE, "The request was too large." },
	[ERR_DATABASE] = { 503, PAGE_UNAVAILABLE,
	    "Roster is briefly unavailable. Please try again in a moment." },
	[ERR_RETRY_EXHAUSTED] = { 503, PAGE_UNAVAILABLE,
	    "Roster is busy. Please try again in a moment." },
	[ERR_INTERNAL] = { 500, PAGE_ERROR,
	    "Something went wrong on our side." },
	[ERR_CSRF] = { 403, PAGE_FORBIDDEN,
	    "This form has expired or did not come from this site. Reload the "
	    "page and try again." },
	[ERR_INVALID_EMAIL] = { 422, PAGE_ERROR,
	    "Enter a valid email address." },
	[ERR_INVALID_PASSWORD] = { 422, PAGE_ERROR,
	    "Passwords must be 10 to 1024 characters long." },
	[ERR_INVALID_NAME] = { 422, PAGE_ERROR,
	    "Enter a name of 1 to 100 characters." },
	[ERR_INVALID_SLUG] = { 422, PAGE_ERROR,
	    "The URL name may use 2 to 40 lower-case letters, digits and "
	    "dashes." },
	[ERR_INVALID_ROLE] = { 422, PAGE_ERROR,
	    "Choose owner, admin or member." },
	[ERR_INVALID_CREDENTIALS] = { 401, PAGE_ERROR,
	    "That email and password do not match an account." },
	[ERR_EMAIL_TAKEN] = { 409, PAGE_ERROR,
	    "An account with that email already exists. Sign in instead." },
	[ERR_EMAIL_MISMATCH] = { 422, PAGE_ERROR,
	    "The email must be the address the invitation was sent to." },
	[ERR_SLUG_TAKEN] = { 409, PAGE_ERROR,
	    "That URL name is taken. Choose another." },
	[ERR_ALREADY_MEMBER] = { 409, PAGE_ERROR,
	    "That person is already a member." },
	[ERR_NOT_PENDING] = { 409, PAGE_ERROR, "That is no longer pending." },
	[ERR_ROLE_ESCALATION] = { 403, PAGE_ERROR,
	    "Only an owner can grant that role or change an owner or admin." },
	[ERR_LAST_OWNER] = { 409, PAGE_ERROR,
	    "An organization needs an owner: make someone else owner "
	    "first." },
	[ERR_NO_SUCH_USER] = { 404, PAGE_ERROR,
	    "No confirmed account has that email address. Send an "
	    "invitation instead." },
	[ERR_SIGNUP_CLOSED] = { 403, PAGE_ERROR,
	    "Sign-up is closed. You need an invitation to join." },
	[ERR_RATE_LIMITED] = { 429, PAGE_ERROR,
	    "Too many attempts. Please wait a while and try again." },
	[ERR_RATE_LIMITED_USER] = { 429, PAGE_ERROR,
	    "You have sent too many invitations this hour." },
	[ERR_RATE_LIMITED_ORG] = { 429, PAGE_ERROR,
	    "This organization has sent too many invitations this hour." },
	[ERR_EMAIL_UNCONFIRMED] = { 403, PAGE_ERROR,
	    "Confirm your email address first: open the link in the "
	    "confirmation email Roster sent you when you signed up, then "
	    "try again." },
	[ERR_TOKEN_INVALID] = { 404, PAGE_TOKEN_INVALID,
	    "This link is invalid, expired or already used." },
	[ERR_INVITATION_INVALID] = { 404, PAGE_INVITATION_INVALID,
	    "This invitation link is not valid." },
	[ERR_INVITATION_EXPIRED] = { 410, PAGE_INVITATION_EXPIRED,
	    "This invitation has expired." },
	[ERR_INVITATION_REVOKED] = { 410, PAGE_INVITATION_REVOKED,
	    "This invitation was withdrawn." },
	[ERR_INVITATION_DECLINED] = { 410, PAGE_INVITATION_DECLINED,
	    "This invitation was declined." },
	[ERR_INVITATION_ACCEPTED] = { 410, PAGE_INVITATION_ACCEPTED,
	    "This invitation has already been accepted." },
	[ERR_INVITATION_MISMATCH] = { 403, PAGE_INVITATION_MISMATCH,
	    "This invitation is for another email address." },
	[ERR_ALREADY_PENDING] = { 409, PAGE_ERROR,
	    "A request to join is already waiting for an answer." },
	[ERR_JOIN_EXPIRED] = { 410, PAGE_JOIN_EXPIRED,
	    "This confirmation link has expired. Send the form again." },
	[ERR_INVALID_JOIN_FIELDS] = { 422, PAGE_ERROR,
	    "Extra join fields must be a comma-separated list of phone, "
	    "city and message." },
	[ERR_LINK_INVALID] = { 404, PAGE_LINK_INVALID,
	    "This invite link is not valid." },
	[ERR_LINK_EXPIRED] = { 410, PAGE_LINK_EXPIRED,
	    "This invite link has expired. Ask the organization for a new "
	    "one." },
	[ERR_LINK_USED_UP] = { 410, PAGE_LINK_USED_UP,
	    "This invite link has been used as many times as it allows. Ask "
	    "the organization for a new one." },
	[ERR_LINK_REVOKED] = { 410, PAGE_LINK_REVOKED,
	    "This invite link was revoked. Ask the organization for a new "
	    "one." },
	[ERR_INVALID_MAX_USES] = { 422, PAGE_ERROR,
	    "Uses must be a whole number from 1 to 1000." },
	[ERR_INVALID_DAYS] = { 422, PAGE_ERROR,
	    "Days must be a whole number from 1 to 30." },
	[ERR_SEAT_LIMIT] = { 409, PAGE_ERROR,
	    "Every seat of this organization is taken. An owner can raise "
	    "the seat limit in the organization's settings, or a manager "
	    "can revoke an open invitation to free a seat." },
	[ERR_INVALID_SEAT_LIMIT] = { 422, PAGE_ERROR,
	    "The seat limit must be a whole number from 1 to 100000, or "
	    "empty for no limit." },
	[ERR_TOO_MANY_ADDRESSES] = { 422, PAGE_ERROR,
	    "Paste at most 200 addresses at a time. Nobody was invited: "
	    "split the list and send each part." },
	[ERR_UNAUTHORIZED] = { 401, PAGE_ERROR,
	    "Send a live API token as Authorization: Bearer." },
	[ERR_MALFORMED_JSON] = { 400, PAGE_BAD_REQUEST,
	    "The body must be one JSON object with the documented fields, "
	    "each once and of its type." },
	[ERR_INVALID_URL] = { 422, PAGE_ERROR,
	    "Enter an http:// or https:// URL of a public host, up to 2000 "
	    "characters." },
	[ERR_INVALID_EVENTS] = { 422, PAGE_ERROR,
	    "Choose at least one of the listed events." },
	[ERR_TOO_MANY_WEBHOOKS] = { 409, PAGE_ERROR,
	    "This organization has as many webhook endpoints as it may have "
	    "(10). Delete one first." },
};

bool
web_page_check(const struct tpl_set *t)
{
	bool ok = true;

	for (int p = 0; p < PAGE__MAX; p++) {
		const char *file = pages[p].template
		    ? pages[p].template
		    : pages[PAGE_ERROR].template;

		if (pages[p].name == NULL || !tpl_has(t, file)) {
			log_err("web: page %d (%s) has no template %s", p,
			    pages[p].name ? pages[p].name : "?", file);
			ok = false;
		}
	}
	return ok;
}

/* The HTTP status for an error code. */
static int
status_of(enum err e)
{
	return (unsigned)e < ERR__MAX && errors[e].status ? errors[e].status
							  : 500;
}

/* Renders p inside the layout with status, under the page's title when
 * the table gives one. */
static void
render(struct ctx *c, int status, enum page p)
{
	const char *file =
	    pages[p].template ? pages[p].template : pages[PAGE_ERROR].template;
	enum flash f;

	tpl_set(c->page, "page", pages[p].name);
	if (pages[p].title != NULL)
		tpl_set(c->page, "title", pages[p].title);
	tpl_set(c->page, "csrf_token", c->csrf);
	if (c->user != NULL) {
		tpl_set_bool(c->page, "signed_in", true);
		tpl_set(c->page, "user_email", c->user->email);
		tpl_set(c->page, "user_name", c->user->display_name);
		/* An account named by its address shows it once. */
		tpl_set_bool(c->page, "user_named",
		    strcmp(c->user->display_name, c->user->email) != 0);
		tpl_set_bool(
		    c->page, "is_platform_admin", c->user->platform_admin);
	}
	if ((f = web_flash_take(c)) != FLASH__MAX) {
		tpl_set(c->page, "flash", web_flash_code(f));
		tpl_set(c->page, "flash_text", web_flash_sentence(c, f));
	}
	/* Every template was found at start-up (web_page_check); a render
	 * can still fail on a bug, and then the answer is a plain 500. The
	 * page renders straight into the layout's {{{content}}}: no copy of
	 * its body. */
	if (tpl_set_template(c->page, "content", c->w->tpl, file) == -1) {
		log_err("web: cannot render %s", file);
		tpl_set_html(c->page, "content", "");
		status = 500;
		tpl_set(c->page, "page", pages[PAGE_ERROR].name);
		tpl_set(c->page, "title", pages[PAGE_ERROR].title);
	}
	buf_clear(&c->res->body);
	(void)tpl_render(c->w->tpl, "layout.html", c->page, &c->res->body);
	c->res->status = status;
	c->res->location = NULL;
}

void
web_page(struct ctx *c, enum page p)
{
	render(c, pages[p].status, p);
}

bool
web_page_guess(struct ctx *c)
{
	bool limited = false;

	if (account_token_failed(c->d, c->a, c->req->remote_addr, &limited) !=
	    ERR_OK)
		log_warn("token failure not counted");
	if (limited)
		c->res->retry_after = ACCOUNT_GUESS_WINDOW;
	return limited;
}

void
web_page_fail(struct ctx *c, enum err e, enum page p)
{
	if ((unsigned)e >= ERR__MAX)
		e = ERR_INTERNAL;
	/* A link that does not resolve counts against its client address. */
	if ((e == ERR_TOKEN_INVALID || e == ERR_INVITATION_INVALID ||
		e == ERR_LINK_INVALID) &&
	    web_page_guess(c))
		e = ERR_RATE_LIMITED;
	if (p == PAGE__MAX)
		p = errors[e].page;
	tpl_set(c->page, "error", err_str(e));
	tpl_set(c->page, "error_text", errors[e].text);
	if (e == ERR_DATABASE || e == ERR_RETRY_EXHAUSTED)
		c->res->retry_after = 5;
	render(c, status_of(e), p);
}

int
web_page_status(enum err e)
{
	return status_of(e);
}

const char *
web_page_error_text(enum err e)
{
	return (unsigned)e < ERR__MAX && errors[e].text ? errors[e].text : "";
}

void
web_page_field_error(struct ctx *c, const char *key, enum err e)
{
	if ((unsigned)e >= ERR__MAX || e == ERR_OK)
		return;
	tpl_set(c->page, arena_printf(c->a, "%s_error", key), err_str(e));
	tpl_set(c->page, arena_printf(c->a, "%s_error_text", key),
	    errors[e].text);
	tpl_set_bool(c->page, "field_errors", true);
}

void
web_page_redirect(struct ctx *c, const char *location, enum flash flash)
{
	if (flash != FLASH__MAX)
		web_flash_set(c, flash);
	http_response_redirect(c->res, location);
}
