/*
 * The web layer: handlers that take declared fields, call the domain and
 * render a declared page. One struct web per worker holds what lives
 * across requests; one struct ctx per request holds what the handlers
 * share.
 *
 * Every handler below answers in one of three ways: a page rendered with
 * web_page(), an error page through web_page_fail() (its status, page and
 * data-error code come from one table in web_page.c), or a 303 through
 * web_page_redirect() with a flash code. Nothing is written to the wire
 * before the handler returns.
 */
#ifndef ROSTER_WEB_WEB_H
#define ROSTER_WEB_WEB_H

#include <stdbool.h>

#include "crypto/crypto.h"
#include "domain/domain.h"
#include "domain/org.h"
#include "http/http.h"

struct audit_row;
struct conf;
struct tpl_ctx;
struct tpl_set;

/*
 * The form and query fields the application reads, declared once in
 * web_field.c with a validator and a maximum length. A GET's fields come
 * from the query string, a POST's from the body. A handler reads
 * c->field[F_X]: NULL when the field was absent or failed its validator.
 */
enum field {
	F_CSRF_TOKEN,
	F_DISPLAY_NAME,
	F_EMAIL,
	F_INVITATION_ID,
	F_NAME,
	F_NEXT,
	F_PASSWORD,
	F_ROLE,
	F_SENT,
	F_SLUG,
	F_TOKEN,
	F_CITY, /* join forms: the extra fields of enum join_field */
	F_MESSAGE,
	F_PHONE,
	F_FIRST_NAME,
	F_LAST_NAME,
	F_JOIN_ENABLED, /* org settings */
	F_JOIN_FIELDS,
	F_PENDING, /* roster: a Cancel, refused once the owner-add is accepted */
	F_INVITE, /* signup: a platform invitation's link token */
	F_MAX_USES, /* invite links: uses allowed */
	F_DAYS,     /* invite links: lifetime */
	F_SEAT_LIMIT, /* org settings: "" for none, else 1-100000 */
	F_EMAILS,     /* bulk invitations: the pasted addresses */
	F_LIMIT,      /* API lists: page size */
	F_AFTER,      /* API lists: the cursor of the page before */
	F_URL,        /* webhooks: the endpoint's address */
	F_EVENTS,     /* webhooks: a list, one value per chosen event */
	F__MAX
};

/*
 * The pages, declared once in web_page.c: the data-page marker, the
 * template, the title and the status. The pages that show only an error
 * share error.html; the others have a template of their own.
 */
enum page {
	PAGE_ERROR, /* first: a zeroed row of a table means "error" */
	PAGE_BAD_REQUEST,
	PAGE_FORBIDDEN,
	PAGE_INVITATION_ACCEPTED,
	PAGE_INVITATION_DECLINED,
	PAGE_INVITATION_EXPIRED,
	PAGE_INVITATION_INVALID,
	PAGE_INVITATION_REVOKED,
	PAGE_JOIN_EXPIRED,
	PAGE_LINK_INVALID,
	PAGE_METHOD_NOT_ALLOWED,
	PAGE_NOT_FOUND,
	PAGE_TOO_LARGE,
	PAGE_UNAVAILABLE,
	PAGE_UNSUPPORTED_MEDIA_TYPE,
	PAGE_DASHBOARD, /* the pages with a template of their own */
	PAGE_ADMIN,
	PAGE_EMAIL_CONFIRM,
	PAGE_EMAIL_CONFIRMED,
	PAGE_INVITATION_ACCEPT,
	PAGE_INVITATION_BULK_RESULT,
	PAGE_INVITATION_MISMATCH,
	PAGE_INVITATION_SIGNUP,
	PAGE_JOIN_CHECK_EMAIL,
	PAGE_JOIN_CONFIRM,
	PAGE_JOIN_CONFIRMED,
	PAGE_JOIN_FORM,
	PAGE_LINK_CREATED,
	PAGE_LINK_EXPIRED,
	PAGE_LINK_JOIN,
	PAGE_LINK_REVOKED,
	PAGE_LINK_USED_UP,
	PAGE_LOGIN,
	PAGE_MY_INVITATIONS,
	PAGE_ORG_AUDIT,
	PAGE_ORG_MEMBERS,
	PAGE_ORG_NEW,
	PAGE_ORG_JOIN_REQUESTS,
	PAGE_ORG_SETTINGS,
	PAGE_PASSWORD_FORGOT,
	PAGE_PASSWORD_RESET,
	PAGE_SIGNUP,
	PAGE_TOKEN_INVALID,
	PAGE_API_TOKENS, /* personal API tokens */
	PAGE_API_TOKEN_CREATED,
	PAGE_ORG_WEBHOOKS, /* webhooks */
	PAGE_WEBHOOK_CREATED,
	PAGE__MAX
};

/* The one-shot messages shown on the page after a redirect (data-flash),
 * declared once in web_flash.c. */
enum flash {
	FLASH_ALREADY_MEMBER,
	FLASH_INVITATION_ACCEPTED,
	FLASH_INVITATION_DECLINED,
	FLASH_INVITATION_RESENT,
	FLASH_INVITATION_REVOKED,
	FLASH_INVITATION_SENT,
	FLASH_JOIN_APPROVED,
	FLASH_JOIN_REJECTED,
	FLASH_JOIN_REQUESTED,
	FLASH_SETTINGS_SAVED,
	FLASH_LEFT_ORG,
	FLASH_MEMBER_ADDED,
	FLASH_MEMBER_REMOVED,
	FLASH_MEMBERSHIP_ACCEPTED,
	FLASH_MEMBERSHIP_DECLINED,
	FLASH_ROLE_CHANGED,
	FLASH_ORG_CREATED,
	FLASH_PASSWORD_RESET,
	FLASH_PLATFORM_INVITATION_REVOKED,
	FLASH_PLATFORM_INVITATION_SENT,
	FLASH_SIGNED_IN,
	FLASH_SIGNED_OUT,
	FLASH_SIGNED_UP,
	FLASH_CONFIRMATION_SENT,
	FLASH_LINK_JOINED,
	FLASH_LINK_REVOKED,
	FLASH_TOKEN_REVOKED, /* API tokens */
	FLASH_WEBHOOK_DELETED, /* webhooks */
	FLASH__MAX
};

struct web {
	const struct conf *conf;
	const struct tpl_set *tpl;
	struct domain domain;
};

struct ctx {
	struct web *w;
	struct domain *d;
	struct arena *a;
	struct request *req;
	struct response *res;
	struct user *user;                 /* NULL when anonymous */
	uint8_t session[CRYPTO_TOKEN_LEN]; /* raw session token, when user */
	const char *csrf;                  /* the CSRF token forms must carry */
	struct tpl_ctx *page;      /* data for the page being rendered */
	const char *field[F__MAX]; /* declared fields that passed */
	const char *flash_about[2]; /* whom the flash is about, and a detail */
};

/* --- web.c: dispatch --- */

/* Fills the route tables and names the routes for the metrics. Runs once
 * in each worker's setup; the tables are constant afterwards. */
void web_routes_init(void);

/*
 * Handles one request (the http_fcgi_handler of the workers; w is the
 * worker's struct web). Runs the front-line checks in order — method
 * (405), route (404), parse errors (400, 413), database (503), session,
 * sign-in (303 to /login), then for a POST origin (403), content type
 * (415) and CSRF token (403) — then the route's handler.
 */
void web_handle(
    void *w, struct request *req, enum err parse_error, struct response *res);

/* The domain notifier that renders and queues emails; w is a struct web. */
enum err web_notify(
    void *w, struct db *db, struct arena *a, const struct notice *n);

/* --- web_log.c: the request log --- */

/* Settles the request id (nginx's, else a random one) in c->req, sends it
 * as X-Request-Id and gives the page {{request_id}}. Before dispatch. */
void web_log_begin(struct ctx *c);

/* Writes the request's key=value log line (route: the route's name;
 * probe: a /healthz or /metrics request, logged only with
 * ROSTER_LOG_PROBES=1). After dispatch. */
void web_log_end(struct ctx *c, const char *route, bool probe, double seconds);

/* --- web_field.c: declared input --- */

/* Fills c->field from params (the query of a GET, the body of a POST):
 * each declared field that is present, no longer than its maximum and
 * accepted by its validator; every other entry NULL. Unknown names are
 * ignored. */
void web_field_parse(struct ctx *c, const struct params *params);

/* Declares the list fields of the table (those whose one value per
 * choice the form repeats, such as events) to the parser, so that their
 * repeats reach web_field_parse joined with '\n' instead of making the
 * request malformed (http_parse_lists). Called once at start-up. */
void web_field_lists(void);

/* c->field[f], or "" when it is NULL. */
const char *web_field(const struct ctx *c, enum field f);

/* --- web_page.c: pages and the error table --- */

/* True when every page's template is in t; logs each one missing. The
 * program refuses to start otherwise. */
bool web_page_check(const struct tpl_set *t);

/* Renders page p inside the layout with the page's status. Handlers fill
 * c->page first; a page whose title depends on the data (an
 * organization's name) has none in the table, and its handler sets it. */
void web_page(struct ctx *c, enum page p);

/*
 * Renders the failure e: its status, its data-error code and sentence
 * come from the error table. The page is p (a form to show again with the
 * error marked) or, for PAGE__MAX, the error's own page.
 */
void web_page_fail(struct ctx *c, enum err e, enum page p);

/*
 * Counts a failed token lookup from the request's client address (every
 * ERR_TOKEN_INVALID and ERR_INVITATION_INVALID web_page_fail renders goes
 * through it); true when the client is over ROSTER_TOKEN_LIMIT a minute,
 * and the answer must then be rate-limited (429; it sets Retry-After).
 */
bool web_page_guess(struct ctx *c);

/* The status and the sentence the error table gives e (the API's problem
 * details use both, so pages and API answer alike). */
int web_page_status(enum err e);
const char *web_page_error_text(enum err e);

/* A 303 to location (a local path) with flash shown on the next page;
 * FLASH__MAX for none. */
void web_page_redirect(struct ctx *c, const char *location, enum flash flash);

/*
 * Marks the error e at the form field key ("invite_email"): sets
 * key_error (the data-error code) and key_error_text (its sentence) on
 * the page, and field_errors, so the page shows each error beside the
 * field that caused it instead of above the form. The status is still
 * web_page_fail's.
 */
void web_page_field_error(struct ctx *c, const char *key, enum err e);

/* --- web_flash.c: the one-shot flash cookie --- */

/* The data-flash code and sentence of f. */
const char *web_flash_code(enum flash f);
const char *web_flash_text(enum flash f);

/* Sets the flash cookie to f. */
void web_flash_set(struct ctx *c, enum flash f);

/* Reads and clears the flash cookie: FLASH__MAX when there is none or
 * it names no flash. Fills c->flash_about from it. */
enum flash web_flash_take(struct ctx *c);

/* The sentence of f for the page: naming c->flash_about when it is set
 * and f has such a sentence ("Invitation to dana@example.com revoked."),
 * else web_flash_text(f). web_flash_set carries c->flash_about to the
 * next page in the cookie (base64url); it is text, rendered escaped. */
const char *web_flash_sentence(const struct ctx *c, enum flash f);

/* --- web_time.c --- */

/* Sets name on row to a <time> element for the unix time t, its text
 * relative to now ("in 6 days", "2 hours ago"), its datetime and title
 * the exact UTC time; and name_date to the same element with the date
 * as its text. Templates show them with {{{name}}}. */
void web_time(struct ctx *c, struct tpl_ctx *row, const char *name, int64_t t);

/* --- web_session.c --- */

/* Resolves the session cookie to c->user (or leaves it NULL) and computes
 * c->csrf, issuing a pre-session cookie to anonymous visitors who have
 * none. Returns ERR_DATABASE when the session store cannot be read. */
enum err web_session_load(struct ctx *c);

/* Resolves a session cookie to c->user (and c->csrf) for a page the front
 * line answers itself (404, 405, 400): reads only — no cookie is set or
 * cleared, the session's last use is not refreshed, and a database that
 * does not answer leaves the visitor anonymous. */
void web_session_peek(struct ctx *c);

/* True when the posted csrf_token matches c->csrf (constant time). */
bool web_session_csrf_ok(const struct ctx *c);

/* Sets the cookie for a new session (rotating: the pre-session cookie is
 * dropped, and a session the visitor held before is ended) and makes c's
 * CSRF token the session's. */
void web_session_start(struct ctx *c, const struct user *u,
    const uint8_t session[CRYPTO_TOKEN_LEN]);

/* Clears the session cookie. */
void web_session_clear(struct ctx *c);

/* Sets cookie base (prefixed __Host- when cookies are Secure) to value
 * for max_age seconds (-1: the browser session; 0: delete), or reads it
 * (NULL when absent). */
void web_session_cookie_set(
    struct ctx *c, const char *base, const char *value, long max_age);
const char *web_session_cookie(const struct ctx *c, const char *base);

/* --- web_org.c: the organization pages' shared pieces --- */

/* Opens the organization named by the route for the signed-in user and
 * puts its name and the user's role on the page. Renders the 404 and
 * returns -1 for a non-member or an unknown organization. */
int web_org_open(struct ctx *c, struct org *o, enum role *role);

/* Renders the roster page of o (members, and for managers the open
 * invitations and the invite form), with error shown when not ERR_OK. */
void web_org_render(
    struct ctx *c, const struct org *o, enum role role, enum err error);

/*
 * Runs one manager action on the organization of the route: opens it
 * (404 for a non-member), calls act with the actor's role, then redirects
 * to the roster with flash, or renders the roster again with act's error
 * (its status and data-error code). Every member-management form posts
 * through it.
 */
void web_org_manage(struct ctx *c, enum flash flash,
    enum err (*act)(struct ctx *, const struct org *, enum role));

/* Checks the email and role fields of the roster form named form
 * ("invite", "add") before the domain runs, marking every one that is
 * not valid at its field: ERR_OK when both pass, else the first error
 * (invalid-email, invalid-role). A valid address, in its stored form,
 * becomes the subject of the flash that follows (c->flash_about). */
enum err web_org_check_fields(struct ctx *c, const char *form);

/* Marks the domain's error e of form at the field it concerns (email:
 * invalid-email, already-member, no-such-user; role: invalid-role,
 * role-escalation); other errors stay above the form. Returns e. */
enum err web_org_field_error(struct ctx *c, const char *form, enum err e);

/* --- web_invitation.c --- */

/* Puts the signed-in user's pending invitations on the page as the list
 * "invitations". Renders the failure and returns -1 when they cannot be
 * read. */
int web_invitation_mine_rows(struct ctx *c);

/* --- web_invite_link.c --- */

/* Adds the n invite links of l (those the viewer may see, from
 * org_lists_read) to the roster page as the list "links" (and
 * "has_links"), with the link form's defaults. */
void web_invite_link_rows(struct ctx *c, const struct invite_link *l, int n);

/* --- web_membership.c --- */

/* Puts the owner-adds awaiting the signed-in user's consent on the page
 * as the list "owner_adds" (and "has_owner_adds"). Renders the failure
 * and returns -1 when they cannot be read. */
int web_membership_mine_rows(struct ctx *c);

/* Sets the member-management flags of one roster row for the viewer
 * (role viewer): may change its role, may remove it (or cancel it). */
void web_membership_row(struct ctx *c, struct tpl_ctx *row, enum role viewer,
    const struct member *m);

/* --- web_audit.c: the audit trail in sentences --- */

/* The sentence for one audit event ("Alice Owner invited
 * dana@example.com as member"), from the one table of actions; the action
 * itself when the table does not know it. Plain text, escaped on render. */
const char *web_audit_sentence(struct ctx *c, const struct audit_row *r);

/* Puts the n events r on the page as the list "events" (action,
 * sentence, at as a <time>) and "has_events". */
void web_audit_rows(struct ctx *c, const struct audit_row *r, int n);

/*
 * Handlers. Each is called by web_handle after the front-line checks; the
 * routes are in web.c. "Fails" lists the data-error codes a handler can
 * raise beyond the front line's (not-found 404, database-unavailable and
 * retry-exhausted 503, which any handler that reads the database can
 * answer).
 */

/* GET /healthz: 200 "ok", or 503 when the database does not answer. */
void web_ops_healthz(struct ctx *c);

/* GET /metrics: the Prometheus text exposition, 200. */
void web_ops_metrics(struct ctx *c);

/* GET /signup: page signup, 200. Fails: signup-closed 403 (page signup). */
void web_account_signup_form(struct ctx *c);

/* POST /signup (email, display_name, password): starts a session, 303 to
 * / with flash signed-up. Fails on page signup: invalid-email,
 * invalid-name, invalid-password 422, email-taken 409, signup-closed
 * 403. */
void web_account_signup(struct ctx *c);

/* GET /login (next, email): page login, 200; email fills the address
 * field when it is shaped like an address. */
void web_account_login_form(struct ctx *c);

/* POST /login (email, password, next): starts a session, 303 to next (a
 * local path, else /) with flash signed-in. Fails on page login:
 * invalid-credentials 401, rate-limited 429. */
void web_account_login(struct ctx *c);

/* POST /logout (next): ends the session, 303 to next when it is a local
 * path, else to /login, with flash signed-out. */
void web_account_logout(struct ctx *c);

/* GET /confirm (token): page email-confirm with a button, 200; writes
 * nothing. Fails: token-invalid 404 (unknown, used or expired). */
void web_account_confirm_form(struct ctx *c);

/* POST /confirm (token): confirms the address once; page email-confirmed,
 * 200. Fails as the form does. */
void web_account_confirm(struct ctx *c);

/* POST /confirm/resend (signed in): queues a new confirmation link, 303
 * to / with flash confirmation-sent; an address already confirmed gets a
 * 303 to / and nothing else. Fails: rate-limited 429 past the limit of
 * reset emails (3 an hour per address). */
void web_account_confirm_resend(struct ctx *c);

/* GET /password/forgot (sent): page password-forgot, 200. */
void web_account_forgot_form(struct ctx *c);

/* POST /password/forgot (email): queues a reset email when the address
 * has an account, 303 to /password/forgot?sent=1 either way. Fails on
 * page password-forgot: invalid-email 422. */
void web_account_forgot(struct ctx *c);

/* GET /password/reset (token): page password-reset, 200. Fails:
 * token-invalid 404. */
void web_account_reset_form(struct ctx *c);

/* POST /password/reset (token, password): sets the password, ends every
 * session, 303 to /login with flash password-reset. Fails:
 * invalid-password 422 (page password-reset), token-invalid 404. */
void web_account_reset(struct ctx *c);

/* GET / (signed in): page dashboard with the user's organizations and
 * pending invitations, 200. */
void web_account_dashboard(struct ctx *c);

/* GET /orgs/new: page org-new, 200. */
void web_org_new(struct ctx *c);

/* POST /orgs (name, slug): creates the organization with the user as
 * owner, 303 to /orgs/{slug} with flash org-created. Fails on page
 * org-new: invalid-name, invalid-slug 422, slug-taken 409. */
void web_org_create(struct ctx *c);

/* GET /orgs/{slug}: page org-members, 200. Fails: not-found 404 for
 * non-members. */
void web_org_show(struct ctx *c);

/* GET /orgs/{slug}/audit: page org-audit, 200. Fails: not-found 404,
 * forbidden 403 for plain members. */
void web_org_audit(struct ctx *c);

/* POST /orgs/{slug}/invitations (email, role): invites, 303 to the
 * roster with flash invitation-sent. Fails on page org-members:
 * forbidden, role-escalation 403, invalid-email, invalid-role 422,
 * already-member, seat-limit 409, rate-limited-user, rate-limited-org
 * 429. */
void web_invitation_create(struct ctx *c);

/* POST /orgs/{slug}/invitations/bulk (emails, role): invites each
 * address of the paste through the single invitation's code; page
 * invitation-bulk-result, 200, one row per address in paste order with
 * data-bulk-email and data-outcome (invited, reinvited, already-member,
 * invalid-email, duplicate, rate-limited, seat-limit). Fails on page
 * org-members, nothing written: forbidden, role-escalation,
 * email-unconfirmed 403, invalid-role, too-many-addresses 422 (over 200
 * addresses). */
void web_bulk_invite(struct ctx *c);

/* POST /orgs/{slug}/invitations/{id}/revoke: 303 to the roster with flash
 * invitation-revoked. Fails on page org-members: forbidden 403,
 * not-found 404, not-pending 409. */
void web_invitation_revoke(struct ctx *c);

/* POST /orgs/{slug}/invitations/{id}/resend: a new link and expiry, 303
 * to the roster with flash invitation-resent. Fails as revoke and
 * create do. */
void web_invitation_resend(struct ctx *c);

/* GET /invitations/accept (token): page invitation-accept (signed in) or
 * invitation-signup, 200 (its main action "sign in as ADDRESS" when the
 * address has an account); invitation-mismatch 200 for a signed-in user
 * of another address; writes nothing. Fails: invitation-invalid 404,
 * invitation-expired, -revoked, -declined, -already-accepted 410, each
 * naming the organization and the inviter and saying what to do. */
void web_invitation_view(struct ctx *c);

/* POST /invitations/accept (token or invitation_id): makes the
 * membership, 303 to /orgs/{slug} with flash invitation-accepted (or
 * already-member); an anonymous holder of a good link is sent to sign in.
 * Fails: the view's codes, invitation-mismatch 403. */
void web_invitation_accept(struct ctx *c);

/* POST /invitations/accept/signup (token, email, display_name,
 * password): creates the account, accepts and signs in, 303 to
 * /orgs/{slug} with flash invitation-accepted. Fails: the view's codes,
 * invitation-mismatch 403; on page invitation-signup: invalid-name,
 * invalid-password, email-mismatch 422, email-taken 409 (with the sign-in
 * action in place of the form), signup-closed 403. */
void web_invitation_signup(struct ctx *c);

/* POST /invitations/decline (token or invitation_id): 303 with flash
 * invitation-declined, to /me/invitations when signed in, else back to
 * the link. Fails: the view's codes, invitation-mismatch 403. */
void web_invitation_decline(struct ctx *c);

/* GET /me/invitations: page my-invitations, 200. */
void web_invitation_mine(struct ctx *c);

/* POST /orgs/{slug}/members (email, role): adds an existing user pending
 * their consent and emails them, 303 to the roster with flash
 * member-added. Fails on page org-members: forbidden, role-escalation
 * 403, invalid-email, invalid-role 422, no-such-user 404,
 * already-member, seat-limit 409. */
void web_membership_add(struct ctx *c);

/* POST /orgs/{slug}/members/{user_id}/role (role): 303 to the roster with
 * flash role-changed. Fails on page org-members: forbidden,
 * role-escalation 403, not-found 404, invalid-role 422, last-owner
 * 409. */
void web_membership_role(struct ctx *c);

/* POST /orgs/{slug}/members/{user_id}/remove (pending): removes a
 * member, or cancels an owner-add awaiting consent; 303 to the roster
 * with flash member-removed. With pending=1 (the Cancel form) only an
 * owner-add awaiting consent is removed. Fails on page org-members:
 * forbidden, role-escalation 403, not-found 404, last-owner,
 * not-pending 409. */
void web_membership_remove(struct ctx *c);

/* POST /orgs/{slug}/leave: ends the user's own membership, 303 to / with
 * flash left-org. Fails: not-found 404; on page org-members last-owner
 * 409. */
void web_membership_leave(struct ctx *c);

/* POST /me/memberships/{id}/accept: the user consents to an owner-add,
 * 303 to /orgs/{slug} with flash membership-accepted (already-member
 * when an invitation made them a member first). Fails: not-found 404
 * for an id that is not the user's own pending owner-add. */
void web_membership_accept(struct ctx *c);

/* POST /me/memberships/{id}/decline: 303 to /me/invitations with flash
 * membership-declined. Fails: not-found 404 as accept, not-pending 409
 * once it is active. */
void web_membership_decline(struct ctx *c);

/* POST /orgs/{slug}/links (max_uses, days): makes an invite link, page
 * link-created (200) with the link shown once in data-link-url. Fails on
 * page org-members: forbidden 403 (plain members), email-unconfirmed
 * 403, invalid-max-uses, invalid-days 422; not-found 404 for
 * non-members. */
void web_invite_link_create(struct ctx *c);

/* POST /orgs/{slug}/links/{id}/revoke: 303 to the roster with flash
 * link-revoked. Fails on page org-members: forbidden 403, not-found 404
 * (another organization's link), not-pending 409 (revoked already). */
void web_invite_link_revoke(struct ctx *c);

/* GET /links/accept (token): page link-join (200): the organization, a
 * join button for a signed-in visitor, a sign-in link that comes back
 * here and a sign-up form for an anonymous one; writes nothing. Fails:
 * link-invalid 404 (every bad token), link-expired, link-used-up,
 * link-revoked 410, rate-limited 429 (too many bad tokens). */
void web_invite_link_view(struct ctx *c);

/* POST /links/accept (token): the signed-in user joins as member, 303 to
 * /orgs/{slug} with flash link-joined (already-member, no use counted,
 * for one who belongs already: to /me/invitations when awaiting
 * consent); an anonymous holder of a good link is sent to sign in. Fails:
 * the view's codes, seat-limit 409 (nothing written). */
void web_invite_link_join(struct ctx *c);

/* POST /links/accept/signup (token, email, display_name, password):
 * creates the account (unconfirmed; the confirmation email is queued),
 * the membership and the use in one transaction, signs in, 303 to
 * /orgs/{slug} with flash link-joined. Fails: the view's codes; on page
 * link-join invalid-email, invalid-name, invalid-password 422,
 * email-taken 409, signup-closed 403 (invite_only mode, a full cap);
 * seat-limit 409 (nothing written). */
void web_invite_link_signup(struct ctx *c);

/* --- web_api_token.c: personal API tokens --- */

/* GET /me/tokens: page api-tokens, 200: the user's tokens (rows
 * data-api-token-id with name, created and last used; revoked ones after
 * the live ones) and the form that makes one. */
void web_api_token_list(struct ctx *c);

/* POST /me/tokens (name): makes a token, page api-token-created (200)
 * with the token shown once in data-api-token. Fails on page api-tokens:
 * invalid-name 422. */
void web_api_token_create(struct ctx *c);

/* POST /me/tokens/{id}/revoke: 303 to /me/tokens with flash
 * token-revoked. Fails on page api-tokens: not-found 404 (not one of the
 * user's tokens), not-pending 409 (revoked already). */
void web_api_token_revoke(struct ctx *c);

/* --- web_webhook.c: an organization's webhook endpoints (owners) --- */

/* GET /orgs/{slug}/webhooks: page org-webhooks, 200: the endpoints (rows
 * data-webhook-id), each with its newest deliveries (rows
 * data-delivery-id, data-event, data-delivery-status and the last
 * answer's status), and the form that adds one. Fails: not-found 404 for
 * non-members, forbidden 403 for admins and members. */
void web_webhook_list(struct ctx *c);

/* POST /orgs/{slug}/webhooks (url, events: one value per chosen event):
 * adds an endpoint, page webhook-created (200) with its signing secret
 * shown once in data-webhook-secret. Fails as the page does; on page
 * org-webhooks, with what was typed kept, invalid-url 422 (the reason at
 * the field), invalid-events 422, too-many-webhooks 409. */
void web_webhook_create(struct ctx *c);

/* POST /orgs/{slug}/webhooks/{id}/delete: deletes the endpoint and its
 * deliveries, 303 to /orgs/{slug}/webhooks with flash webhook-deleted.
 * Fails as the page does; not-found 404 for an id not of this
 * organization. */
void web_webhook_delete(struct ctx *c);

/* --- web_api.c: the JSON API under /api/v1/ (plumbing in web_api.h) --- */

/* Authenticates an API request by its Authorization: Bearer token alone
 * (cookies are ignored) and sets c->user. Otherwise answers and returns
 * false: 401 unauthorized with WWW-Authenticate: Bearer (no token, or
 * one that is malformed, unknown or revoked), 429 rate-limited with
 * Retry-After once the client address has sent too many wrong tokens
 * (ROSTER_TOKEN_LIMIT a minute, as for link tokens), 503 when the
 * database does not answer. */
bool web_api_begin(struct ctx *c);

/* Answers the failure e as RFC 9457 problem details
 * (application/problem+json): {"type":"about:blank","title":REASON,
 * "status":N,"code":CODE,"detail":SENTENCE}, the status, code and
 * sentence those of the page error table; 401 adds WWW-Authenticate,
 * 429 and 503 Retry-After. */
void web_api_fail(struct ctx *c, enum err e);

/* GET /api/v1/me: 200 {"id","email","display_name","email_confirmed"}. */
void web_api_me(struct ctx *c);

/* GET /api/v1/orgs: 200 {"organizations":[{"slug","name","role"}]}, the
 * organizations the user is an active member of, as on the dashboard. */
void web_api_orgs(struct ctx *c);

/* GET /api/v1/orgs/{slug}/members (limit 1-500, default 100; after, a
 * cursor): 200 {"members":[{"user_id","email","display_name","role",
 * "status","source"}],"next":CURSOR|null} by user id; managers see
 * pending owner-adds too (org_member_visible). Fails: not-found 404
 * (non-member, unknown organization), malformed 400 (a bad limit or
 * cursor). */
void web_api_members(struct ctx *c);

/* GET /api/v1/orgs/{slug}/members/{user_id}: 200 one member as in the
 * list. Fails: not-found 404 (also a member the user may not see). */
void web_api_member(struct ctx *c);

/* GET /api/v1/orgs/{slug}/invitations: 200 {"invitations":[{"id",
 * "email","role","status" (pending, expired),"delivery","expires_at",
 * "invited_by"}]}, the open invitations the roster page lists; never a
 * token or a link. Fails: not-found 404, forbidden 403 (plain
 * members). */
void web_api_invitations(struct ctx *c);

/* POST /api/v1/orgs/{slug}/invitations {"email","role"}: invites through
 * invitation_create, the page's operation; 201 with the invitation.
 * Fails: the body's 415 and 400 malformed-json (web_api_body); forbidden,
 * role-escalation, email-unconfirmed 403, invalid-email, invalid-role
 * 422, already-member, seat-limit 409, rate-limited-user,
 * rate-limited-org 429 (Retry-After), not-found 404. */
void web_api_invite(struct ctx *c);

/* POST /api/v1/orgs/{slug}/invitations/{id}/revoke: 200 {"id","status":
 * "revoked"}. Fails: forbidden 403, not-found 404, not-pending 409. */
void web_api_invitation_revoke(struct ctx *c);

/* POST /api/v1/orgs/{slug}/invitations/{id}/resend: a new link and
 * expiry (a new row, so a new id); 200 with the new invitation. Fails as
 * revoke and create do. */
void web_api_invitation_resend(struct ctx *c);

/* --- web_join_request.c --- */

/* GET /join/{slug} (sent): page join-form, 200: the public form with the
 * organization's allowed extra fields, or for a signed-in visitor a
 * button that asks as that user; with sent, page join-check-email. Fails:
 * not-found 404 when the form is off or the organization unknown (the
 * same answer). */
void web_join_request_form(struct ctx *c);

/* POST /join/{slug} (email, first_name, last_name, phone, city,
 * message): stores a request pending confirmation and mails its link,
 * 303 to /join/{slug}?sent=1 with flash join-requested, whatever the
 * address (over a rate limit nothing is stored or sent, and the answer is
 * the same). Fails: not-found 404; on page join-form invalid-email,
 * invalid-name 422. */
void web_join_request_submit(struct ctx *c);

/* GET /join/confirm (token): page join-confirm with a button, 200;
 * writes nothing. Fails: token-invalid 404, join-expired 410. */
void web_join_request_confirm_form(struct ctx *c);

/* POST /join/confirm (token): the request becomes submitted, page
 * join-confirmed, 200. Fails: token-invalid 404 (also a second use),
 * join-expired 410. */
void web_join_request_confirm(struct ctx *c);

/* POST /orgs/{slug}/join-requests (phone, city, message): the signed-in
 * user asks to join, submitted at once; 303 to / with flash
 * join-requested. Fails: not-found 404 (form off, unknown); on page
 * join-form already-member, already-pending 409. */
void web_join_request_create(struct ctx *c);

/* GET /orgs/{slug}/join-requests: page org-join-requests with the
 * submitted requests, 200. Fails: forbidden 403 for plain members,
 * not-found 404 for non-members. */
void web_join_request_list(struct ctx *c);

/* POST /orgs/{slug}/join-requests/{id}/approve: a member (an address
 * with a confirmed account, or the signed-in requester) or an invitation
 * (any other address); 303 to the list with flash join-approved. Fails
 * on page org-join-requests: forbidden 403, not-found 404 (another
 * organization's, or unconfirmed), not-pending, already-member,
 * seat-limit 409, rate-limited-user, rate-limited-org 429 (the
 * invitation's limits). */
void web_join_request_approve(struct ctx *c);

/* POST /orgs/{slug}/join-requests/{id}/reject: 303 to the list with
 * flash join-rejected. Fails as approve does, limits and membership
 * aside. */
void web_join_request_reject(struct ctx *c);

/* GET /orgs/{slug}/settings: page org-settings, 200. Fails: forbidden
 * 403 for plain members, not-found 404 for non-members. */
void web_join_request_settings(struct ctx *c);

/* POST /orgs/{slug}/settings (join_enabled, join_fields, seat_limit):
 * saves, 303 to the settings with flash settings-saved. Fails as the page
 * does; on page org-settings invalid-join-fields 422, invalid-seat-limit
 * 422 (at the field), role-escalation 403 (an admin changing the seat
 * limit; nothing written). */
void web_join_request_settings_save(struct ctx *c);

/* --- web_admin.c: the platform --- */

/* GET /admin (platform admins): page admin, 200: the signup mode, the
 * number of accounts and the cap, the platform invitations with their
 * state, inviter and the account each became, the accepted invitations
 * per inviter, and the invite form. Fails: forbidden 403 for everyone
 * else signed in. */
void web_admin_show(struct ctx *c);

/* POST /admin/invitations (email): a platform invitation, 303 to /admin
 * with flash platform-invitation-sent. Fails: forbidden 403 (page
 * forbidden, nothing written) for all but platform admins; on page admin
 * invalid-email 422, email-taken 409, rate-limited-user 429. */
void web_admin_invite(struct ctx *c);

/* POST /admin/invitations/{id}/revoke: 303 to /admin with flash
 * platform-invitation-revoked. Fails: forbidden 403 as invite; on page
 * admin not-found 404, not-pending 409. */
void web_admin_revoke(struct ctx *c);

#endif
