/*
 * Accounts: the rules of sign-up, sign-in, sessions and account tokens.
 */
#include "domain/account.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_rate.h"
#include "db/db_api_token.h"
#include "db/db_session.h"
#include "db/db_token.h"
#include "db/db_user.h"
#include "counters.h"
#include "conf.h"
#include "crypto/password.h"
#include "crypto/token.h"
#include "domain/platform.h"
#include "domain/validate.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/str.h"

#define CONFIRM_TTL  (3 * 86400)
#define RESET_TTL    3600
#define SETUP_TTL    86400
#define LOGIN_WINDOW 900
/* Link emails a person may ask for (a password reset, a confirmation
 * again): at most LINK_LIMIT of each kind per address an hour. */
#define LINK_LIMIT  3
#define LINK_WINDOW 3600
/* /password/forgot answers no sooner than this after it starts, so that
 * queueing a reset email (about 1 ms) cannot be told from not. */
#define FORGOT_FLOOR_MS 10

enum err
account_password_ok(const char *pw)
{
	size_t n = pw ? strlen(pw) : 0;

	if (n < PASSWORD_MIN || n > PASSWORD_MAX || !str_utf8_valid(pw, n))
		return ERR_INVALID_PASSWORD;
	return ERR_OK;
}

static enum err
session_insert(struct domain *d, struct arena *a, const char *user_id,
    uint8_t session[CRYPTO_TOKEN_LEN])
{
	uint8_t hash[32];

	token_new(session, hash);
	return db_session_insert(
	    d->db, a, hash, user_id, d->conf->session_absolute);
}

/* Queues a link email of kind for u, with a token stored for purpose. */
static enum err
queue_link(struct domain *d, struct arena *a, const struct user *u,
    enum notice_kind kind, const char *purpose, const char *path, long long ttl)
{
	struct notice n = {
		.kind = kind, .to = u->email, .name = u->display_name
	};
	uint8_t hash[32];
	char *token = token_link_new(a, hash);
	enum err e;

	if ((e = db_token_insert(d->db, a, u->id, purpose, hash, ttl)) !=
	    ERR_OK)
		return e;
	n.link =
	    arena_printf(a, "%s%s?token=%s", d->conf->base_url, path, token);
	n.expires = 0;
	return d->notify(d->notify_ctx, d->db, a, &n);
}

enum err
account_signup_open(const struct domain *d)
{
	return d->conf->signup_mode == SIGNUP_INVITE_ONLY ? ERR_SIGNUP_CLOSED
							  : ERR_OK;
}

enum err
account_room(struct domain *d, struct arena *a)
{
	long long users;
	enum err e;

	if (d->conf->signup_mode != SIGNUP_CAPPED)
		return ERR_OK;
	/* One lock for every account creation makes the cap exact. */
	if ((e = db_lock(d->db, a, "roster:signup")) != ERR_OK ||
	    (e = db_user_count(d->db, a, &users)) != ERR_OK)
		return e;
	return users >= d->conf->signup_cap ? ERR_SIGNUP_CLOSED : ERR_OK;
}

struct signup_args {
	struct domain *d;
	struct arena *a;
	const char *email, *password_hash, *name;
	const char *invite; /* a platform invitation's token, or NULL */
	bool invited;       /* set when the invitation was used */
	struct user *u;
	uint8_t *session;
};

static enum err
signup_tx(struct db *db, void *arg)
{
	struct signup_args *s = arg;
	struct platform_invitation inv;
	enum err e = ERR_OK;

	/* The invitation's row first, locked: of two sign-ups through one
	 * link the second finds it accepted. One that no longer resolves
	 * counts as none. */
	s->invited = false;
	if (s->invite != NULL) {
		e = platform_take(s->d, s->a, s->invite, &inv);
		if (e == ERR_OK)
			s->invited = true;
		else if (e == ERR_INVITATION_INVALID)
			e = account_signup_open(s->d);
		if (e != ERR_OK)
			return e;
	}
	if ((e = account_room(s->d, s->a)) != ERR_OK)
		return e;
	memset(s->u, 0, sizeof(*s->u));
	s->u->email = s->email;
	s->u->display_name = s->name;
	s->u->email_confirmed = s->invited;
	if ((e = db_user_insert(db, s->a, s->email, s->name, s->password_hash,
		 s->invited, s->invited ? inv.invited_by : NULL, &s->u->id)) !=
	    ERR_OK)
		return e;
	if ((e = session_insert(s->d, s->a, s->u->id, s->session)) != ERR_OK)
		return e;
	if ((e = db_audit_insert(db, s->a, s->u->id, NULL, "user.signed_up",
		 "user", s->u->id,
		 s->invited ? "{\"via\": \"platform_invitation\"}" : NULL)) !=
	    ERR_OK)
		return e;
	/* The link proved the mailbox: no confirmation email. */
	if (s->invited)
		return platform_accepted(db, s->a, &inv, s->u->id);
	return queue_link(s->d, s->a, s->u, NOTICE_CONFIRM_EMAIL,
	    "confirm_email", "/confirm", CONFIRM_TTL);
}

enum err
account_create_tx(struct domain *d, struct arena *a, const char *email,
    const char *name, const char *password_hash, const char *org_id,
    const char *data_json, struct user *u, uint8_t session[CRYPTO_TOKEN_LEN])
{
	enum err e;

	if ((e = account_room(d, a)) != ERR_OK)
		return e;
	memset(u, 0, sizeof(*u));
	u->email = email;
	u->display_name = name;
	if ((e = db_user_insert(d->db, a, email, name, password_hash, false,
		 NULL, &u->id)) != ERR_OK)
		return e;
	if ((e = session_insert(d, a, u->id, session)) != ERR_OK)
		return e;
	if ((e = db_audit_insert(d->db, a, u->id, org_id, "user.signed_up",
		 "user", u->id, data_json)) != ERR_OK)
		return e;
	return queue_link(
	    d, a, u, NOTICE_CONFIRM_EMAIL, "confirm_email", "/confirm", CONFIRM_TTL);
}

enum err
account_signup(struct domain *d, struct arena *a, const char *email,
    const char *password, const char *name, const char *invite,
    struct user *u, uint8_t session[CRYPTO_TOKEN_LEN])
{
	struct signup_args s = { .d = d, .a = a, .u = u, .session = session };
	struct platform_invitation inv;
	char *norm = NULL, *trimmed, *hash;
	enum err e;

	/* A platform invitation is judged first: it decides the address. */
	if (invite != NULL && *invite != '\0') {
		e = platform_resolve(d, a, invite, &inv);
		if (e == ERR_OK) {
			if (email != NULL && *email != '\0' &&
			    (validate_email(a, email, &norm) != ERR_OK ||
				strcmp(norm, inv.email) != 0))
				return ERR_EMAIL_MISMATCH;
			s.invite = invite;
			email = inv.email;
		} else if (e != ERR_INVITATION_INVALID)
			return e;
	}
	if ((e = validate_email(a, email, &norm)) != ERR_OK)
		return e;
	if ((e = account_password_ok(password)) != ERR_OK)
		return e;
	if ((e = validate_name(a, name, &trimmed)) != ERR_OK)
		return e;
	if (s.invite == NULL && (e = account_signup_open(d)) != ERR_OK)
		return e;
	/* Hash before the transaction: it is slow and needs no lock. */
	if (password_hash(a, password, &hash) == -1)
		return ERR_INTERNAL;
	s.email = norm;
	s.name = trimmed;
	s.password_hash = hash;
	if ((e = db_tx(d->db, signup_tx, &s)) == ERR_OK && s.invited)
		platform_count_accepted();
	return e;
}

struct login_args {
	struct domain *d;
	struct arena *a;
	const char *by_email, *by_client;
	char *held_email, *held_client; /* the attempt's pending failures */
};

/*
 * Admits one attempt, under a lock on its client address so that the
 * client's count is exact: a client over its own limit is refused; an
 * address over its limit is refused only to a client that has failed
 * lately, so an attacker cannot lock the owner out. An admitted attempt
 * is counted as a failure in both buckets before the password is checked
 * (concurrent attempts see it), and released if the password is right.
 */
static enum err
login_admit_tx(struct db *db, void *arg)
{
	struct login_args *l = arg;
	long long by_client = 0, by_email = 0;
	enum err e;

	if ((e = db_lock(db, l->a,
		 arena_printf(l->a, "roster:%s", l->by_client))) != ERR_OK ||
	    (e = db_rate_count(db, l->a, l->by_client, LOGIN_WINDOW,
		 &by_client)) != ERR_OK ||
	    (e = db_rate_count(db, l->a, l->by_email, LOGIN_WINDOW,
		 &by_email)) != ERR_OK)
		return e;
	if (by_client >= l->d->conf->login_client_limit ||
	    (by_email >= l->d->conf->login_limit && by_client > 0))
		return ERR_RATE_LIMITED;
	if ((e = db_rate_hold(db, l->a, l->by_email, &l->held_email)) !=
	    ERR_OK)
		return e;
	return db_rate_hold(db, l->a, l->by_client, &l->held_client);
}

static enum err
login_release_tx(struct db *db, void *arg)
{
	struct login_args *l = arg;
	enum err e;

	if ((e = db_rate_release(db, l->a, l->held_email)) != ERR_OK)
		return e;
	return db_rate_release(db, l->a, l->held_client);
}

enum err
account_login(struct domain *d, struct arena *a, const char *email,
    const char *password, const char *client, struct user *u,
    uint8_t session[CRYPTO_TOKEN_LEN])
{
	struct login_args l = { .d = d, .a = a };
	const char *hash = NULL;
	char *norm;
	bool good;
	enum err e;

	/* A malformed address or password is just another failed login. */
	if (validate_email(a, email, &norm) != ERR_OK || password == NULL ||
	    strlen(password) > PASSWORD_MAX) {
		(void)password_verify(NULL, "");
		return ERR_INVALID_CREDENTIALS;
	}
	l.by_email = arena_printf(a, "login:%s", norm);
	l.by_client = arena_printf(a, "login-client:%s", client ? client : "");
	if ((e = db_tx(d->db, login_admit_tx, &l)) != ERR_OK)
		return e;
	e = db_user_by_email(d->db, a, norm, u, &hash);
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	good = password_verify(e == ERR_OK ? hash : NULL, password);
	if (!good) {
		metrics_add(C_LOGIN_FAILURES, 1);
		return ERR_INVALID_CREDENTIALS;
	}
	if ((e = db_tx(d->db, login_release_tx, &l)) != ERR_OK)
		return e;
	return session_insert(d, a, u->id, session);
}

enum err
account_token_failed(
    struct domain *d, struct arena *a, const char *client, bool *limited)
{
	const char *bucket = arena_printf(a, "guess:%s", client ? client : "");
	long long n = 0;
	enum err e;

	/* Failures only: a valid token never reaches here. Over the limit a
	 * failure is refused and not recorded, so the table stays bounded. */
	*limited = false;
	if ((e = db_rate_count(d->db, a, bucket, ACCOUNT_GUESS_WINDOW, &n)) != ERR_OK)
		return e;
	if (n >= d->conf->token_limit) {
		*limited = true;
		return ERR_OK;
	}
	return db_rate_add(d->db, a, bucket);
}

enum err
account_session_open(struct domain *d, struct arena *a, const char *user_id,
    uint8_t session[CRYPTO_TOKEN_LEN])
{
	return session_insert(d, a, user_id, session);
}

enum err
account_session(struct domain *d, struct arena *a,
    const uint8_t session[CRYPTO_TOKEN_LEN], struct user *u)
{
	uint8_t hash[32];

	token_hash(hash, session);
	return db_session_lookup(d->db, a, hash, d->conf->session_idle, u);
}

enum err
account_session_peek(struct domain *d, struct arena *a,
    const uint8_t session[CRYPTO_TOKEN_LEN], struct user *u)
{
	uint8_t hash[32];

	token_hash(hash, session);
	return db_session_peek(d->db, a, hash, d->conf->session_idle, u);
}

enum err
account_logout(
    struct domain *d, struct arena *a, const uint8_t session[CRYPTO_TOKEN_LEN])
{
	uint8_t hash[32];

	token_hash(hash, session);
	return db_session_delete(d->db, a, hash);
}

static enum err
link_check(
    struct domain *d, struct arena *a, const char *purpose, const char *token)
{
	uint8_t hash[32];
	const char *user_id;
	enum err e;

	if (token_link_hash(a, token, hash) == -1)
		return ERR_TOKEN_INVALID;
	e = db_token_find(d->db, a, purpose, hash, &user_id);
	return e == ERR_NOT_FOUND ? ERR_TOKEN_INVALID : e;
}

enum err
account_confirm_check(struct domain *d, struct arena *a, const char *token)
{
	return link_check(d, a, "confirm_email", token);
}

enum err
account_reset_check(struct domain *d, struct arena *a, const char *token)
{
	return link_check(d, a, "reset_password", token);
}

struct token_args {
	struct arena *a;
	uint8_t hash[32];
	const char *password_hash; /* reset only */
};

static enum err
confirm_tx(struct db *db, void *arg)
{
	struct token_args *t = arg;
	const char *user_id;
	enum err e;

	e = db_token_use(db, t->a, "confirm_email", t->hash, &user_id);
	if (e == ERR_NOT_FOUND)
		return ERR_TOKEN_INVALID;
	if (e != ERR_OK || (e = db_user_confirm(db, user_id)) != ERR_OK)
		return e;
	return db_audit_insert(db, t->a, user_id, NULL, "user.email_confirmed",
	    "user", user_id, NULL);
}

enum err
account_confirm(struct domain *d, struct arena *a, const char *token)
{
	struct token_args t = { .a = a };

	if (token_link_hash(a, token, t.hash) == -1)
		return ERR_TOKEN_INVALID;
	return db_tx(d->db, confirm_tx, &t);
}

/*
 * Inside a transaction: counts one link email of bucket ("forgot:ADDRESS",
 * "confirm:ADDRESS"), or sets *over when LINK_LIMIT were sent in the last
 * LINK_WINDOW seconds, so nobody can flood an inbox. The bucket's lock
 * makes the count exact under concurrency.
 */
static enum err
link_budget(struct db *db, struct arena *a, const char *bucket, bool *over)
{
	long long sent;
	enum err e;

	*over = false;
	if ((e = db_lock(db, a, bucket)) != ERR_OK ||
	    (e = db_rate_count(db, a, bucket, LINK_WINDOW, &sent)) != ERR_OK)
		return e;
	if (sent >= LINK_LIMIT) {
		*over = true;
		return ERR_OK;
	}
	return db_rate_add(db, a, bucket);
}

struct forgot_args {
	struct domain *d;
	struct arena *a;
	const char *email;
};

static enum err
forgot_tx(struct db *db, void *arg)
{
	struct forgot_args *f = arg;
	const char *bucket = arena_printf(f->a, "forgot:%s", f->email);
	struct user u;
	bool found, over;
	enum err e;

	e = db_user_by_email(db, f->a, f->email, &u, NULL);
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	found = e == ERR_OK;
	/* Over the limit the answer stays the same. Counted for unknown
	 * addresses too: the same statements either way. */
	if ((e = link_budget(db, f->a, bucket, &over)) != ERR_OK)
		return e;
	if (over)
		return ERR_OK;
	if (!found)
		return ERR_OK;
	return queue_link(f->d, f->a, &u, NOTICE_RESET_PASSWORD,
	    "reset_password", "/password/reset", RESET_TTL);
}

enum err
account_forgot(struct domain *d, struct arena *a, const char *email)
{
	struct forgot_args f = { .d = d, .a = a };
	struct timespec until;
	char *norm;
	enum err e;

	if ((e = validate_email(a, email, &norm)) != ERR_OK)
		return e;
	f.email = norm;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += FORGOT_FLOOR_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	e = db_tx(d->db, forgot_tx, &f);
	/* Whether an email was queued or not, answer at the same moment. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) ==
	    EINTR)
		;
	return e;
}

struct resend_args {
	struct domain *d;
	struct arena *a;
	const struct user *u;
};

static enum err
resend_tx(struct db *db, void *arg)
{
	struct resend_args *r = arg;
	struct user u;
	bool over;
	enum err e;

	/* The stored state, not the session's copy: the address may have
	 * been confirmed in another tab a moment ago. */
	if ((e = db_user_by_email(db, r->a, r->u->email, &u, NULL)) != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_NOT_PENDING : e;
	if (u.email_confirmed)
		return ERR_NOT_PENDING;
	if ((e = link_budget(db, r->a,
		 arena_printf(r->a, "confirm:%s", u.email), &over)) != ERR_OK)
		return e;
	if (over)
		return ERR_RATE_LIMITED;
	return queue_link(r->d, r->a, &u, NOTICE_CONFIRM_EMAIL, "confirm_email",
	    "/confirm", CONFIRM_TTL);
}

enum err
account_confirm_resend(struct domain *d, struct arena *a, const struct user *u)
{
	struct resend_args r = { .d = d, .a = a, .u = u };

	return db_tx(d->db, resend_tx, &r);
}

static enum err
reset_tx(struct db *db, void *arg)
{
	struct token_args *t = arg;
	const char *user_id;
	enum err e;

	e = db_token_use(db, t->a, "reset_password", t->hash, &user_id);
	if (e == ERR_NOT_FOUND)
		return ERR_TOKEN_INVALID;
	if (e != ERR_OK ||
	    (e = db_user_set_password(db, user_id, t->password_hash)) !=
		ERR_OK ||
	    (e = db_session_delete_user(db, user_id)) != ERR_OK ||
	    (e = db_api_token_revoke_user(db, user_id)) != ERR_OK)
		return e;
	/* The link reached the mailbox, so the address is proven too. */
	if ((e = db_user_confirm(db, user_id)) != ERR_OK)
		return e;
	return db_audit_insert(db, t->a, user_id, NULL, "user.password_reset",
	    "user", user_id, NULL);
}

enum err
account_reset(
    struct domain *d, struct arena *a, const char *token, const char *password)
{
	struct token_args t = { .a = a };
	char *hash;
	enum err e;

	if (token_link_hash(a, token, t.hash) == -1)
		return ERR_TOKEN_INVALID;
	if ((e = account_reset_check(d, a, token)) != ERR_OK)
		return e;
	if ((e = account_password_ok(password)) != ERR_OK)
		return e;
	if (password_hash(a, password, &hash) == -1)
		return ERR_INTERNAL;
	t.password_hash = hash;
	return db_tx(d->db, reset_tx, &t);
}

struct admin_args {
	struct domain *d;
	struct arena *a;
	const char *email;
	char **link;
};

static enum err
admin_tx(struct db *db, void *arg)
{
	struct admin_args *s = arg;
	struct user u = { .email = s->email };
	uint8_t hash[32];
	char *token;
	enum err e;

	*s->link = NULL;
	e = db_user_by_email(db, s->a, s->email, &u, NULL);
	/* "!" is no argon2id hash: nobody can sign in until the set-password
	 * link is used, and using it proves the mailbox. */
	if (e == ERR_NOT_FOUND) {
		u.display_name = s->email;
		e = db_user_insert(
		    db, s->a, s->email, s->email, "!", false, NULL, &u.id);
	} else if (e == ERR_OK && !u.email_confirmed) {
		/* Nobody has proven this mailbox: the account may belong to
		 * whoever signed up with the address first. It is not promoted
		 * as it stands; its password and sessions go, and the
		 * set-password link decides who holds it. */
		if ((e = db_user_set_password(db, u.id, "!")) == ERR_OK)
			e = db_session_delete_user(db, u.id);
	} else if (e == ERR_OK)
		goto promote;
	if (e != ERR_OK)
		return e;
	token = token_link_new(s->a, hash);
	if ((e = db_token_insert(
		 db, s->a, u.id, "reset_password", hash, SETUP_TTL)) != ERR_OK)
		return e;
	*s->link = arena_printf(
	    s->a, "%s/password/reset?token=%s", s->d->conf->base_url, token);
promote:
	/* A second run grants nothing: no second audit event. */
	if (u.platform_admin)
		return ERR_OK;
	if ((e = db_user_set_admin(db, u.id)) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, NULL, NULL,
	    "user.platform_admin_granted", "user", u.id, NULL);
}

enum err
account_bootstrap_admin(
    struct domain *d, struct arena *a, const char *email, char **link)
{
	struct admin_args s = { .d = d, .a = a, .link = link };
	char *norm;
	enum err e;

	if ((e = validate_email(a, email, &norm)) != ERR_OK)
		return e;
	s.email = norm;
	return db_tx(d->db, admin_tx, &s);
}
