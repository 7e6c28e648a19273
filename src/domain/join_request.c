/*
 * Join requests: the rules of SPEC §4 Join requests.
 */
#include "domain/join_request.h"

#include <string.h>
#include <time.h>

#include "conf.h"
#include "counters.h"
#include "crypto/token.h"
#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_membership.h"
#include "db/db_rate.h"
#include "db/db_user.h"
#include "domain/invitation.h"
#include "domain/membership.h"
#include "domain/org.h"
#include "domain/seat.h"
#include "domain/validate.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/str.h"

#define JOIN_WINDOW 3600 /* seconds the rate limits look back */

static const int field_max[JOIN_FIELD__MAX] = {
	[JOIN_PHONE] = 40,
	[JOIN_CITY] = 100,
	[JOIN_MESSAGE] = 1000,
};

int
join_request_field_max(enum join_field f)
{
	return (unsigned)f < JOIN_FIELD__MAX ? field_max[f] : 0;
}

/* v trimmed, cut after max characters (UTF-8 code points), control
 * characters but the message's line breaks replaced; NULL when empty. */
static const char *
capped(struct arena *a, const char *v, int max, bool lines)
{
	char *s;
	size_t i;
	int chars = 0;

	if (v == NULL)
		return NULL;
	s = str_trim(a, v);
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) != 0x80 && chars++ == max)
			break;
		if (str_is_ctl(c) && !(lines && c == '\n'))
			s[i] = c == '\r' || c == '\t' ? ' ' : '?';
	}
	s[i] = '\0';
	return *s ? s : NULL;
}

/* The extra fields o allows, capped; the others dropped. */
static void
keep_allowed(struct arena *a, const struct org *o,
    const char *const extra[JOIN_FIELD__MAX], const char *out[JOIN_FIELD__MAX])
{
	for (int f = 0; f < JOIN_FIELD__MAX; f++)
		out[f] = extra != NULL && (o->join_fields & (1u << f))
		    ? capped(a, extra[f], field_max[f], f == JOIN_MESSAGE)
		    : NULL;
}

enum err
join_request_form(
    struct domain *d, struct arena *a, const char *slug, struct org *o)
{
	enum err e;

	if (org_slug_ok(slug) != ERR_OK)
		return ERR_NOT_FOUND;
	if ((e = db_org_by_slug(d->db, a, slug, o)) != ERR_OK)
		return e;
	return o->join_enabled ? ERR_OK : ERR_NOT_FOUND;
}

struct submit_args {
	struct domain *d;
	struct arena *a;
	const char *slug, *email, *first, *last;
	const char *const *extra;
	bool limited;
};

/*
 * Counts the public form's requests for the address (in any
 * organization), then for the organization, under advisory locks taken in
 * that order, so that concurrent requests cannot both slip under a limit.
 * Sets *over when either is reached; otherwise records the request.
 */
static enum err
rate(struct db *db, struct arena *a, const char *email, const char *org_id,
    bool *over)
{
	const char *by_email = arena_printf(a, "join:email:%s", email);
	const char *by_org = arena_printf(a, "join:org:%s", org_id);
	long long n;
	enum err e;

	*over = true;
	if ((e = db_lock(db, a, arena_printf(a, "roster:%s", by_email))) !=
		ERR_OK ||
	    (e = db_lock(db, a, arena_printf(a, "roster:%s", by_org))) !=
		ERR_OK)
		return e;
	if ((e = db_rate_count(db, a, by_email, JOIN_WINDOW, &n)) != ERR_OK)
		return e;
	if (n >= JOIN_LIMIT_EMAIL)
		return ERR_OK;
	if ((e = db_rate_count(db, a, by_org, JOIN_WINDOW, &n)) != ERR_OK)
		return e;
	if (n >= JOIN_LIMIT_ORG)
		return ERR_OK;
	*over = false;
	if ((e = db_rate_add(db, a, by_email)) != ERR_OK)
		return e;
	return db_rate_add(db, a, by_org);
}

static enum err
submit_tx(struct db *db, void *arg)
{
	struct submit_args *s = arg;
	struct domain *d = s->d;
	struct notice n = { .kind = NOTICE_JOIN_CONFIRM };
	const char *fields[JOIN_FIELD__MAX], *id;
	uint8_t hash[32];
	struct org o;
	char *token;
	enum err e;

	if ((e = join_request_form(d, s->a, s->slug, &o)) != ERR_OK)
		return e;
	if ((e = rate(db, s->a, s->email, o.id, &s->limited)) != ERR_OK ||
	    s->limited)
		return e;
	keep_allowed(s->a, &o, s->extra, fields);
	token = token_link_new(s->a, hash);
	if ((e = db_join_request_insert(db, s->a, o.id, s->email, NULL,
		 s->first, s->last, fields, hash, JOIN_CONFIRM_TTL, &id)) !=
	    ERR_OK)
		return e;
	n.to = s->email;
	n.name = s->first;
	n.org_name = o.name;
	n.expires = (int64_t)time(NULL) + JOIN_CONFIRM_TTL;
	n.link = arena_printf(
	    s->a, "%s/join/confirm?token=%s", d->conf->base_url, token);
	if ((e = d->notify(d->notify_ctx, db, s->a, &n)) != ERR_OK)
		return e;
	/* Kept out of the organization's trail until the link is used: an
	 * unconfirmed request is invisible to its managers, and anyone can
	 * fill the form. */
	return db_audit_insert(db, s->a, NULL, NULL, "join_request.submitted",
	    "join_request", id,
	    arena_printf(
		s->a, "{\"via\": \"form\", \"organization_id\": %s}", o.id));
}

enum err
join_request_submit(struct domain *d, struct arena *a, const char *slug,
    const char *email, const char *first_name, const char *last_name,
    const char *const extra[JOIN_FIELD__MAX])
{
	struct submit_args s = { .d = d, .a = a, .slug = slug, .extra = extra };
	struct org o;
	char *norm, *first, *last = "";
	enum err e;

	/* An organization without a form says nothing about the input. */
	if ((e = join_request_form(d, a, slug, &o)) != ERR_OK)
		return e;
	if ((e = validate_email(a, email, &norm)) != ERR_OK)
		return e;
	if ((e = validate_name(a, first_name, &first)) != ERR_OK)
		return e;
	if (last_name != NULL && *str_trim(a, last_name) != '\0' &&
	    (e = validate_name(a, last_name, &last)) != ERR_OK)
		return e;
	s.email = norm;
	s.first = first;
	s.last = last;
	if ((e = db_tx(d->db, submit_tx, &s)) != ERR_OK)
		return e;
	if (s.limited)
		log_info("join request to %s held back by a rate limit", slug);
	else
		metrics_add(C_JOIN_REQUESTS_SUBMITTED, 1);
	return ERR_OK;
}

/* Finds the request of a confirmation token and judges it. */
static enum err
by_token(struct db *db, struct arena *a, const char *token, bool lock,
    struct join_request *out)
{
	uint8_t hash[32];
	enum err e;

	if (token_link_hash(a, token, hash) == -1)
		return ERR_TOKEN_INVALID;
	e = db_join_request_by_hash(db, a, hash, lock, out);
	if (e == ERR_NOT_FOUND)
		return ERR_TOKEN_INVALID;
	if (e != ERR_OK)
		return e;
	if (out->status != JR_PENDING_CONFIRMATION)
		return ERR_TOKEN_INVALID;
	return out->expired ? ERR_JOIN_EXPIRED : ERR_OK;
}

enum err
join_request_confirm_check(struct domain *d, struct arena *a, const char *token,
    struct join_request *out)
{
	memset(out, 0, sizeof(*out));
	return by_token(d->db, a, token, false, out);
}

struct confirm_args {
	struct arena *a;
	const char *token;
	struct join_request *j;
};

static enum err
confirm_tx(struct db *db, void *arg)
{
	struct confirm_args *c = arg;
	enum err e;

	if ((e = by_token(db, c->a, c->token, true, c->j)) != ERR_OK)
		return e;
	/* A savepoint: the unique index may refuse the update, and the
	 * transaction must go on after that. */
	if ((e = db_savepoint(db)) != ERR_OK)
		return e;
	e = db_join_request_submit(db, c->a, c->j->id);
	if (e == ERR_ALREADY_PENDING) {
		/* The address asked before and is still waiting: that request
		 * stands, and this copy of it goes with its token. */
		if ((e = db_savepoint_rollback(db)) != ERR_OK)
			return e;
		return db_join_request_delete(db, c->a, c->j->id);
	}
	if (e != ERR_OK || (e = db_savepoint_release(db)) != ERR_OK)
		return e;
	return db_audit_insert(db, c->a, NULL, c->j->org_id,
	    "join_request.confirmed", "join_request", c->j->id, NULL);
}

enum err
join_request_confirm(struct domain *d, struct arena *a, const char *token,
    struct join_request *out)
{
	struct confirm_args c = { .a = a, .token = token, .j = out };
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = db_tx(d->db, confirm_tx, &c)) == ERR_OK)
		metrics_add(C_JOIN_REQUESTS_CONFIRMED, 1);
	return e;
}

struct ask_args {
	struct domain *d;
	struct arena *a;
	const struct user *u;
	const char *slug;
	const char *const *extra;
	struct org *o;
};

static enum err
ask_tx(struct db *db, void *arg)
{
	struct ask_args *s = arg;
	const char *fields[JOIN_FIELD__MAX], *id;
	struct member m;
	enum err e;

	if ((e = join_request_form(s->d, s->a, s->slug, s->o)) != ERR_OK)
		return e;
	e = db_membership_of(db, s->a, s->o->id, s->u->id, &m);
	if (e == ERR_OK)
		return ERR_ALREADY_MEMBER;
	if (e != ERR_NOT_FOUND)
		return e;
	keep_allowed(s->a, s->o, s->extra, fields);
	if ((e = db_join_request_insert(db, s->a, s->o->id, s->u->email,
		 s->u->id, s->u->display_name, "", fields, NULL, 0, &id)) !=
	    ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->u->id, s->o->id,
	    "join_request.submitted", "join_request", id,
	    "{\"via\": \"signed_in\"}");
}

enum err
join_request_ask(struct domain *d, struct arena *a, const struct user *u,
    const char *slug, const char *const extra[JOIN_FIELD__MAX], struct org *o)
{
	struct ask_args s = {
		.d = d, .a = a, .u = u, .slug = slug, .extra = extra, .o = o
	};
	enum err e;

	memset(o, 0, sizeof(*o));
	if ((e = db_tx(d->db, ask_tx, &s)) == ERR_OK)
		metrics_add(C_JOIN_REQUESTS_SUBMITTED, 1);
	return e;
}

enum err
join_request_list(struct domain *d, struct arena *a, const struct org *o,
    enum role role, struct join_request **out, int *n)
{
	if (!org_role_manages(role))
		return ERR_FORBIDDEN;
	return db_join_request_list_org(d->db, a, o->id, out, n);
}

struct decide_args {
	struct domain *d;
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	enum role role;
	const char *id;
	enum jr_status to;
	bool invited;
};

/* Locks request id of the organization and requires it submitted. A
 * request still waiting for its confirmation does not exist for
 * managers. */
static enum err
lock_submitted(struct db *db, struct decide_args *s, struct join_request *j)
{
	enum err e = db_join_request_by_id(db, s->a, s->o->id, s->id, true, j);

	if (e != ERR_OK)
		return e;
	if (j->status == JR_PENDING_CONFIRMATION)
		return ERR_NOT_FOUND;
	return j->status == JR_SUBMITTED ? ERR_OK : ERR_NOT_PENDING;
}

/* Makes the confirmed account u an active member through request j, and
 * tells them. */
static enum err
admit(struct db *db, struct decide_args *s, const struct join_request *j,
    const struct user *u)
{
	struct notice n = { .kind = NOTICE_JOIN_APPROVED };
	struct member m;
	const char *mid;
	enum err e;

	e = db_membership_of(db, s->a, s->o->id, u->id, &m);
	if (e == ERR_OK)
		return ERR_ALREADY_MEMBER;
	if (e != ERR_NOT_FOUND)
		return e;
	if ((e = seat_take(db, s->a, s->o->id, NULL)) != ERR_OK)
		return e;
	if ((e = db_membership_insert(db, s->a, s->o->id, u->id, ROLE_MEMBER,
		 MEMBER_ACTIVE, SOURCE_JOIN_REQUEST, s->actor->id, &mid)) !=
	    ERR_OK)
		return e;
	if ((e = db_audit_insert(db, s->a, s->actor->id, s->o->id,
		 "membership.created", "membership", mid,
		 arena_printf(s->a,
		     "{\"role\": \"%s\", \"source\": \"%s\", \"user_id\": %s, "
		     "\"join_request_id\": %s}",
		     db_enum_role_str(ROLE_MEMBER),
		     db_enum_source_str(SOURCE_JOIN_REQUEST), u->id, j->id))) !=
	    ERR_OK)
		return e;
	n.to = u->email;
	n.name = u->display_name;
	n.org_name = s->o->name;
	n.link =
	    arena_printf(s->a, "%s/orgs/%s", s->d->conf->base_url, s->o->slug);
	return s->d->notify(s->d->notify_ctx, db, s->a, &n);
}

static enum err
decide_tx(struct db *db, void *arg)
{
	struct decide_args *s = arg;
	struct join_request j;
	struct user u;
	enum err e;

	s->invited = false;
	/* The locks of every change to an organization's members, in their
	 * order: the inviter's and the organization's advisory locks (an
	 * approval may invite), the organization's row (with the actor's
	 * role read again under it), then the request's row. */
	if ((e = invitation_lock(db, s->a, s->actor, s->o)) != ERR_OK)
		return e;
	if ((e = membership_lock_manager(db, s->a, s->actor, s->o, &s->role)) !=
	    ERR_OK)
		return e;
	if ((e = lock_submitted(db, s, &j)) != ERR_OK)
		return e;
	if (s->to == JR_APPROVED) {
		/* The account of the address, if any, is made a member at
		 * once when its mailbox is proven: confirmed, or the request
		 * came through the public form, whose emailed link proved it
		 * (the approval then confirms the address, as accepting an
		 * invitation does). A signed-in requester whose address is
		 * unconfirmed, and an address without an account, get an
		 * invitation: the mailbox must prove itself first. */
		e = db_user_by_email(db, s->a, j.email, &u, NULL);
		if (e == ERR_OK && (u.email_confirmed || j.user_id == NULL)) {
			e = admit(db, s, &j, &u);
			if (e == ERR_OK && !u.email_confirmed)
				e = db_user_confirm(db, u.id);
		} else if (e == ERR_OK || e == ERR_NOT_FOUND) {
			s->invited = true;
			e = invitation_create_tx(s->d, s->a, db, s->actor, s->o,
			    s->role, j.email, ROLE_MEMBER);
		}
		if (e != ERR_OK)
			return e;
	}
	if ((e = db_join_request_decide(db, s->a, j.id, s->to, s->actor->id)) !=
	    ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    s->to == JR_APPROVED ? "join_request.approved"
				 : "join_request.rejected",
	    "join_request", j.id,
	    s->to != JR_APPROVED ? NULL
		: s->invited     ? "{\"outcome\": \"invitation\"}"
				 : "{\"outcome\": \"membership\"}");
}

static enum err
decide(struct decide_args *s)
{
	if (!org_role_manages(s->role))
		return ERR_FORBIDDEN;
	return db_tx(s->d->db, decide_tx, s);
}

enum err
join_request_approve(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role role,
    const char *id, bool *invited)
{
	struct decide_args s = { .d = d,
		.a = a,
		.actor = actor,
		.o = o,
		.role = role,
		.id = id,
		.to = JR_APPROVED };
	enum err e = decide(&s);

	*invited = s.invited;
	if (e == ERR_OK) {
		metrics_add(C_JOIN_REQUESTS_APPROVED, 1);
		if (s.invited)
			metrics_add(C_INVITATIONS_CREATED, 1);
	}
	return e;
}

enum err
join_request_reject(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role role, const char *id)
{
	struct decide_args s = { .d = d,
		.a = a,
		.actor = actor,
		.o = o,
		.role = role,
		.id = id,
		.to = JR_REJECTED };
	enum err e = decide(&s);

	if (e == ERR_OK)
		metrics_add(C_JOIN_REQUESTS_REJECTED, 1);
	return e;
}
