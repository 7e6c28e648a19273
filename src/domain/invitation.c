/*
 * Organization invitations: the rules of SPEC §4 Invitations.
 */
#include "domain/invitation.h"

#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_membership.h"
#include "db/db_rate.h"
#include "db/db_user.h"
#include "counters.h"
#include "conf.h"
#include "crypto/envelope.h"
#include "crypto/hex.h"
#include "crypto/password.h"
#include "crypto/token.h"
#include "domain/account.h"
#include "domain/membership.h"
#include "domain/seat.h"
#include "domain/validate.h"
#include "util/arena.h"
#include "util/log.h"

/* The error that stands for a state other than pending (ERR_OK for
 * pending): expired, revoked, declined, already accepted. */
static enum err
state_err(enum inv_state s)
{
	switch (s) {
	case INV_PENDING:
		return ERR_OK;
	case INV_EXPIRED:
		return ERR_INVITATION_EXPIRED;
	case INV_ACCEPTED:
		return ERR_INVITATION_ACCEPTED;
	case INV_REVOKED:
		return ERR_INVITATION_REVOKED;
	case INV_DECLINED:
		return ERR_INVITATION_DECLINED;
	default:
		return ERR_INVITATION_INVALID;
	}
}

/* Opens the envelope of a link token: its raw token's hash and the bound
 * address. -1 for any defect. */
static int
link_open(struct domain *d, struct arena *a, const char *token,
    uint8_t hash[32], const char **email)
{
	struct envelope env;

	if (token == NULL ||
	    envelope_open(a, &d->conf->keys, token, &env) == -1)
		return -1;
	token_hash(hash, env.token);
	crypto_wipe(env.token, sizeof(env.token));
	*email = env.email;
	return 0;
}

/*
 * Finds (and with lock, locks) the invitation of a token. A token that
 * does not verify, names no row, or is bound to another address than the
 * row's is ERR_INVITATION_INVALID; otherwise the state decides.
 */
static enum err
link_find(struct domain *d, struct arena *a, const char *token, bool lock,
    struct invitation *out)
{
	uint8_t hash[32];
	const char *email;
	enum err e;

	if (link_open(d, a, token, hash, &email) == -1)
		return ERR_INVITATION_INVALID;
	e = db_invitation_by_hash(d->db, a, hash, lock, out);
	if (e == ERR_NOT_FOUND)
		return ERR_INVITATION_INVALID;
	if (e != ERR_OK)
		return e;
	/* Addresses are stored canonical (lower case), so bytes compare. */
	if (strcmp(email, out->email) != 0)
		return ERR_INVITATION_INVALID;
	return state_err(out->state);
}

/*
 * Whether the inviter of a pending invitation may still grant it: a
 * platform admin may; otherwise the inviter must still be an active owner
 * of the organization, or an active admin when the role is member (what
 * invitation_may_grant asks of a new invitation). An inviter removed, demoted, or
 * whose account is gone has withdrawn the invitation:
 * ERR_INVITATION_REVOKED. A row found by its link carries the inviter,
 * read in the statement that found (and locked) it; one found by id is
 * read here, in the caller's transaction: the invitation's row is its
 * lock.
 */
static enum err
inviter_holds(struct db *db, struct arena *a, const struct invitation *inv)
{
	bool padmin = false;
	enum role r = ROLE__MAX;
	enum err e;

	if (inv->link) {
		/* Read with the row, in the same statement. */
		if (!inv->inviter_exists)
			return ERR_INVITATION_REVOKED;
		padmin = inv->inviter_admin;
		r = inv->inviter_role;
	} else {
		e = db_invitation_inviter(db, a, inv->id, &padmin, &r);
		if (e == ERR_NOT_FOUND)
			return ERR_INVITATION_REVOKED;
		if (e != ERR_OK)
			return e;
	}
	if (padmin || r == ROLE_OWNER ||
	    (r == ROLE_ADMIN && inv->role == ROLE_MEMBER))
		return ERR_OK;
	return ERR_INVITATION_REVOKED;
}

enum err
invitation_resolve(struct domain *d, struct arena *a,
    const struct user *current, const char *token, struct invitation *out)
{
	enum err e = link_find(d, a, token, false, out);

	if (e == ERR_OK)
		e = inviter_holds(d->db, a, out);

	if (e == ERR_OK && current != NULL &&
	    strcmp(current->email, out->email) != 0)
		return ERR_INVITATION_MISMATCH;
	return e;
}

enum err
invitation_explain(struct domain *d, struct arena *a,
    const struct invitation *inv, struct invitation_end *out)
{
	if (inv == NULL || inv->id == NULL)
		return ERR_NOT_FOUND;
	return db_invitation_end(d->db, a, inv->id, out);
}

enum err
invitation_invitee_has_account(struct domain *d, struct arena *a,
    const struct invitation *inv, bool *has)
{
	struct user u;
	enum err e;

	if (inv->link) {
		*has = inv->invitee_known;
		return ERR_OK;
	}
	e = db_user_by_email(d->db, a, inv->email, &u, NULL);
	*has = e == ERR_OK;
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

enum err
invitation_may_grant(
    const struct user *actor, enum role actor_role, enum role role)
{
	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if (!membership_may_touch(actor, actor_role, role))
		return ERR_ROLE_ESCALATION;
	return ERR_OK;
}

enum err
invitation_lock(struct db *db, struct arena *a, const struct user *actor,
    const struct org *o)
{
	return db_lock_two(db, a,
	    arena_printf(a, "roster:invite:user:%s", actor->id),
	    arena_printf(a, "roster:invite:%s", o->id));
}

/* The rate limits' window, in seconds: the last hour. */
#define RATE_WINDOW 3600

/* The rate-limit bucket of owner-adds by the user or the organization. */
static const char *
owner_add_bucket(struct arena *a, const char *kind, const char *id)
{
	return arena_printf(a, "owner-add:%s:%s", kind, id);
}

enum err
invitation_rate_check(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o)
{
	long long by_user = 0, by_org = 0;
	enum err e;

	if ((e = db_savepoint(d->db)) != ERR_OK)
		return e;
	/* The four counts in one statement; the callers' locks
	 * (invitation_lock) make them exact. */
	e = db_rate_invitations(d->db, a, actor->id, o->id,
	    owner_add_bucket(a, "user", actor->id),
	    owner_add_bucket(a, "org", o->id), RATE_WINDOW, &by_user, &by_org);
	if (e != ERR_OK) {
		log_warn(
		    "invitation rate limiter failed (%s); letting the request "
		    "through",
		    err_str(e));
		metrics_add(C_RATE_LIMITER_FAILURES, 1);
		return db_savepoint_rollback(d->db);
	}
	if ((e = db_savepoint_release(d->db)) != ERR_OK)
		return e;
	if (by_user >= d->conf->invite_limit_user)
		return ERR_RATE_LIMITED_USER;
	if (by_org >= d->conf->invite_limit_org)
		return ERR_RATE_LIMITED_ORG;
	return ERR_OK;
}

enum err
invitation_rate_count_owner_add(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o)
{
	enum err e;

	e = db_rate_add(d->db, a, owner_add_bucket(a, "user", actor->id));
	if (e == ERR_OK)
		e = db_rate_add(d->db, a, owner_add_bucket(a, "org", o->id));
	return e;
}

/* The per-recipient cap's windows are the last hour and the last day
 * (db_rate_take). */

/* The cap's bucket of an address: a hash, so rate_events never holds
 * the address itself. */
static const char *
recipient_bucket(struct arena *a, const char *email)
{
	uint8_t h[CRYPTO_SHA256_LEN];

	crypto_sha256(h, email, strlen(email));
	return arena_printf(
	    a, "invite-to:%s", hex_encode(a, h, CRYPTO_SHA256_LEN));
}

enum err
invitation_recipient_take(struct domain *d, struct arena *a, const char *email)
{
	const char *bucket = recipient_bucket(a, email);
	long long hour = 0, day = 0;
	enum err e;

	if ((e = db_savepoint(d->db)) != ERR_OK)
		return e;
	e = db_lock(d->db, a, arena_printf(a, "roster:%s", bucket));
	/* Counted and taken in one statement, under the bucket's lock. */
	if (e == ERR_OK)
		e = db_rate_take(d->db, a, bucket,
		    d->conf->invite_limit_recipient_hour,
		    d->conf->invite_limit_recipient_day, &hour, &day);
	if (e != ERR_OK) {
		log_warn("recipient rate limiter failed (%s); letting the "
			 "email through",
		    err_str(e));
		metrics_add(C_RATE_LIMITER_FAILURES, 1);
		return db_savepoint_rollback(d->db);
	}
	if ((e = db_savepoint_release(d->db)) != ERR_OK)
		return e;
	if (hour >= d->conf->invite_limit_recipient_hour ||
	    day >= d->conf->invite_limit_recipient_day)
		return ERR_RATE_LIMITED;
	return ERR_OK;
}

enum err
invitation_actor_confirmed(const struct domain *d, const struct user *actor)
{
	if (d->conf->require_confirmed && !actor->email_confirmed)
		return ERR_EMAIL_UNCONFIRMED;
	return ERR_OK;
}

struct send_args {
	struct domain *d;
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	enum role actor_role;
	const char *email;
	enum role role;
	const char *resend_id; /* resend: the row to replace */
	bool replaced;         /* an open row for the address was replaced */
};

/* Revokes the open row of the address (if any), inserts a new one, queues
 * its email and audits it. Shared by invite and resend. */
static enum err
send_tx(struct db *db, void *arg)
{
	struct send_args *s = arg;
	struct domain *d = s->d;
	struct invitation old;
	struct notice n = { .kind = NOTICE_INVITATION };
	uint8_t raw[CRYPTO_TOKEN_LEN], hash[32];
	const char *id, *old_id = NULL;
	int64_t expires = (int64_t)time(NULL) + d->conf->invite_ttl;
	enum err e;

	if ((e = invitation_actor_confirmed(d, s->actor)) != ERR_OK)
		return e;
	if ((e = invitation_lock(db, s->a, s->actor, s->o)) != ERR_OK)
		return e;
	if (s->resend_id != NULL) {
		e = db_invitation_by_id(
		    db, s->a, s->o->id, s->resend_id, true, &old);
		if (e != ERR_OK)
			return e;
		if (old.state != INV_PENDING && old.state != INV_EXPIRED)
			return ERR_NOT_PENDING;
		s->email = old.email;
		s->role = old.role;
	}
	if ((e = invitation_may_grant(s->actor, s->actor_role, s->role)) !=
	    ERR_OK)
		return e;
	/* Not a member already, then a seat (unless the open invitation
	 * this one replaces held it): one statement takes the
	 * organization's row lock and answers the first. */
	if ((e = seat_take_invitee(db, s->a, s->o->id, s->email)) != ERR_OK)
		return e;
	if ((e = invitation_rate_check(d, s->a, s->actor, s->o)) != ERR_OK)
		return e;
	if ((e = invitation_recipient_take(d, s->a, s->email)) != ERR_OK)
		return e;
	e = db_invitation_open_for(db, s->a, s->o->id, s->email, &old);
	s->replaced = e == ERR_OK;
	if (e == ERR_OK) {
		old_id = old.id;
		if ((e = db_invitation_revoke(db, s->a, old.id)) != ERR_OK)
			return e;
	} else if (e != ERR_NOT_FOUND)
		return e;
	token_new(raw, hash);
	if ((e = db_invitation_insert(db, s->a, s->o->id, s->email, s->role,
		 hash, expires, s->actor->id, &id)) != ERR_OK)
		return e;
	if (old_id != NULL &&
	    (e = db_invitation_replaced(db, s->a, old_id, id)) != ERR_OK)
		return e;
	n.to = s->email;
	n.org_name = s->o->name;
	n.inviter = s->actor->display_name;
	n.inviter_email = s->actor->email;
	n.role = s->role;
	n.expires = expires;
	n.invitation_id = id;
	n.link = arena_printf(s->a, "%s/invitations/accept?token=%s",
	    d->conf->base_url,
	    envelope_seal(s->a, &d->conf->keys, raw, s->email, expires));
	crypto_wipe(raw, CRYPTO_TOKEN_LEN);
	if ((e = d->notify(d->notify_ctx, db, s->a, &n)) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    s->resend_id ? "invitation.resent" : "invitation.created",
	    "invitation", id,
	    arena_printf(s->a, "{\"role\": \"%s\"%s%s}",
		db_enum_role_str(s->role), old_id ? ", \"replaces\": " : "",
		old_id ? old_id : ""));
}

static enum err
send_invitation(struct send_args *s)
{
	enum err e = db_tx(s->d->db, send_tx, s);

	if (e == ERR_OK)
		metrics_add(s->resend_id != NULL ? C_INVITATIONS_RESENT
						 : C_INVITATIONS_CREATED,
		    1);
	else if (e == ERR_RATE_LIMITED_USER || e == ERR_RATE_LIMITED_ORG ||
	    e == ERR_RATE_LIMITED)
		metrics_add(C_INVITATIONS_RATE_LIMITED, 1);
	return e;
}

enum err
invitation_create(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *email,
    const char *role)
{
	bool replaced;

	return invitation_create_replacing(
	    d, a, actor, o, actor_role, email, role, &replaced);
}

enum err
invitation_create_replacing(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *email, const char *role, bool *replaced)
{
	struct send_args s = {
		.d = d, .a = a, .actor = actor, .o = o, .actor_role = actor_role
	};
	char *norm;
	enum err e;

	*replaced = false;
	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if ((e = validate_email(a, email, &norm)) != ERR_OK)
		return e;
	if ((s.role = db_enum_role(role)) == ROLE__MAX)
		return ERR_INVALID_ROLE;
	s.email = norm;
	if ((e = send_invitation(&s)) == ERR_OK)
		*replaced = s.replaced;
	return e;
}

enum err
invitation_create_tx(struct domain *d, struct arena *a, struct db *db,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *email, enum role role)
{
	struct send_args s = { .d = d,
		.a = a,
		.actor = actor,
		.o = o,
		.actor_role = actor_role,
		.email = email,
		.role = role };

	return send_tx(db, &s);
}

enum err
invitation_resend(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *id)
{
	struct send_args s = { .d = d,
		.a = a,
		.actor = actor,
		.o = o,
		.actor_role = actor_role,
		.resend_id = id };

	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	return send_invitation(&s);
}

struct revoke_args {
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	const char *id;
};

static enum err
revoke_tx(struct db *db, void *arg)
{
	struct revoke_args *r = arg;
	struct invitation inv;
	enum err e;

	if ((e = db_invitation_by_id(db, r->a, r->o->id, r->id, true, &inv)) !=
	    ERR_OK)
		return e;
	if ((e = db_invitation_revoke(db, r->a, inv.id)) != ERR_OK)
		return e;
	return db_audit_insert(db, r->a, r->actor->id, r->o->id,
	    "invitation.revoked", "invitation", inv.id, NULL);
}

enum err
invitation_revoke(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *id)
{
	struct revoke_args r = { .a = a, .actor = actor, .o = o, .id = id };
	enum err e;

	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if ((e = db_tx(d->db, revoke_tx, &r)) == ERR_OK)
		metrics_add(C_INVITATIONS_REVOKED, 1);
	return e;
}

/*
 * Makes user_id a member of the invitation's organization with its role:
 * inserts the membership (*mid its id), activates a pending owner-add
 * (the acceptance is the consent, and the invitation's role wins), or
 * finds an active one (*already). The row is not locked first: an
 * organization's row is locked before its memberships' (a consent does
 * so), and this transaction already holds the invitation's. A consent,
 * decline, cancel or owner-add that wins the race changes what the next
 * statement finds, so the membership is read again once.
 */
static enum err
take_membership(struct db *db, struct arena *a, const struct invitation *inv,
    const char *user_id, const char **mid, bool *already)
{
	struct member m;
	enum err e = ERR_OK;

	*already = false;
	for (int pass = 0; pass < 2; pass++) {
		/* Most acceptances make a new member: the insert comes first,
		 * and the row is read only when one is there. */
		e = db_membership_insert(db, a, inv->org_id, user_id, inv->role,
		    MEMBER_ACTIVE, SOURCE_INVITATION, inv->invited_by, mid);
		if (e != ERR_ALREADY_MEMBER)
			return e;
		e = db_membership_of(db, a, inv->org_id, user_id, &m);
		if (e == ERR_NOT_FOUND)
			continue;
		if (e != ERR_OK)
			return e;
		if (m.status != MEMBER_PENDING) {
			*already = true;
			return ERR_OK;
		}
		e = db_membership_activate(
		    db, a, m.id, inv->role, SOURCE_INVITATION);
		if (e == ERR_OK)
			*mid = m.id;
		if (e != ERR_NOT_PENDING)
			return e;
	}
	return e;
}

/*
 * Makes user_id a member through invitation inv (locked by the caller):
 * stamps the invitation; inserts the membership, or activates a pending
 * owner-add, or notes that the user is a member already; confirms the
 * address (the link proved it) unless confirmed says it was already; and
 * audits. Four statements in two round trips when the address is
 * confirmed: the stamp with the insert, the audit rows with COMMIT.
 */
static enum err
join(struct db *db, struct arena *a, const struct invitation *inv,
    const char *user_id, bool confirmed, bool *already)
{
	struct audit_event ev[2];
	const char *mid = NULL;
	enum err e;

	/* The stamp goes with the membership's insert (one round trip):
	 * finding the row no longer open, which the caller's lock rules out,
	 * fails whichever statement carries it. */
	db_ahead(db, ERR_INVITATION_ACCEPTED);
	if ((e = db_invitation_accept(db, a, inv->id, user_id)) != ERR_OK)
		return e == ERR_NOT_PENDING ? ERR_INVITATION_ACCEPTED : e;
	if ((e = take_membership(db, a, inv, user_id, &mid, already)) != ERR_OK)
		return e;
	/* A confirmed address stays confirmed: no write, no row lock that a
	 * user's concurrent acceptances would queue on. */
	if (!confirmed && (e = db_user_confirm(db, user_id)) != ERR_OK)
		return e;
	ev[0] = (struct audit_event){ "invitation.accepted", "invitation",
		inv->id, *already ? "{\"already_member\": true}" : NULL };
	/* The audit rows go with the next statement, or with COMMIT. */
	db_ahead(db, ERR_OK);
	if (mid == NULL)
		return db_audit_insert_many(db, a, user_id, inv->org_id, ev, 1);
	/* Both events in one statement, in this order. */
	ev[1] = (struct audit_event){ "membership.created", "membership", mid,
		arena_printf(a,
		    "{\"role\": \"%s\", \"source\": \"%s\", "
		    "\"user_id\": %s, \"invitation_id\": %s}",
		    db_enum_role_str(inv->role),
		    db_enum_source_str(SOURCE_INVITATION), user_id, inv->id) };
	return db_audit_insert_many(db, a, user_id, inv->org_id, ev, 2);
}

struct accept_args {
	struct domain *d;
	struct arena *a;
	const struct user *u;
	const char *token, *id;
	bool *already;
	struct invitation *inv;
};

/* Finds and locks the invitation of a token or of an id from the user's
 * own list, and judges it for u (NULL: the anonymous link holder). */
static enum err
find_for(struct domain *d, struct arena *a, const struct user *u,
    const char *token, const char *id, struct invitation *inv)
{
	enum err e;

	if (token != NULL)
		e = link_find(d, a, token, true, inv);
	else {
		e = db_invitation_by_id(d->db, a, NULL, id, true, inv);
		/* Without the link, only a confirmed owner of the address may
		 * act, and anyone else learns nothing. */
		if (e == ERR_NOT_FOUND ||
		    (e == ERR_OK &&
			(u == NULL || !u->email_confirmed ||
			    strcmp(u->email, inv->email) != 0)))
			return ERR_INVITATION_INVALID;
		if (e == ERR_OK)
			e = state_err(inv->state);
	}
	if (e != ERR_OK)
		return e;
	if (u != NULL && strcmp(u->email, inv->email) != 0)
		return ERR_INVITATION_MISMATCH;
	return ERR_OK;
}

static enum err
accept_tx(struct db *db, void *arg)
{
	struct accept_args *s = arg;
	enum err e;

	if ((e = find_for(s->d, s->a, s->u, s->token, s->id, s->inv)) != ERR_OK)
		return e;
	if ((e = inviter_holds(db, s->a, s->inv)) != ERR_OK)
		return e;
	return join(
	    db, s->a, s->inv, s->u->id, s->u->email_confirmed, s->already);
}

enum err
invitation_accept(struct domain *d, struct arena *a, const struct user *u,
    const char *token, const char *id, bool *already, struct invitation *out)
{
	struct accept_args s = { .d = d,
		.a = a,
		.u = u,
		.token = token,
		.id = id,
		.already = already,
		.inv = out };
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = db_tx(d->db, accept_tx, &s)) == ERR_OK)
		metrics_add(C_INVITATIONS_ACCEPTED, 1);
	return e;
}

struct signup_args {
	struct domain *d;
	struct arena *a;
	const char *token, *name, *password_hash;
	struct user *u;
	uint8_t *session;
	struct invitation *inv;
};

static enum err
signup_tx(struct db *db, void *arg)
{
	struct signup_args *s = arg;
	bool already;
	enum err e;

	if ((e = link_find(s->d, s->a, s->token, true, s->inv)) != ERR_OK)
		return e;
	if ((e = inviter_holds(db, s->a, s->inv)) != ERR_OK)
		return e;
	/* Every signup mode lets an invitee in, but never past a full cap. */
	if ((e = account_room(s->d, s->a)) != ERR_OK)
		return e;
	memset(s->u, 0, sizeof(*s->u));
	s->u->email = s->inv->email;
	s->u->display_name = s->name;
	s->u->email_confirmed = true;
	if ((e = db_user_insert(db, s->a, s->inv->email, s->name,
		 s->password_hash, true, s->inv->invited_by, &s->u->id)) !=
	    ERR_OK)
		return e;
	/* Goes with the stamp and the membership's insert. */
	db_ahead(db, ERR_OK);
	if ((e = db_audit_insert(db, s->a, s->u->id, s->inv->org_id,
		 "user.signed_up", "user", s->u->id,
		 "{\"via\": \"invitation\"}")) != ERR_OK)
		return e;
	if ((e = join(db, s->a, s->inv, s->u->id, true, &already)) != ERR_OK)
		return e;
	return account_session_open(s->d, s->a, s->u->id, s->session);
}

enum err
invitation_accept_signup(struct domain *d, struct arena *a,
    const struct user *current, const char *token, const char *posted_email,
    const char *name, const char *password, struct user *u,
    uint8_t session[CRYPTO_TOKEN_LEN], struct invitation *out)
{
	struct signup_args s = { .d = d,
		.a = a,
		.token = token,
		.u = u,
		.session = session,
		.inv = out };
	char *trimmed, *norm, *hash;
	enum err e;

	memset(out, 0, sizeof(*out));
	/* The token's state comes first: nothing else is said about a link
	 * that does not work. */
	if ((e = invitation_resolve(d, a, current, token, out)) != ERR_OK)
		return e;
	if (posted_email != NULL && *posted_email != '\0' &&
	    (validate_email(a, posted_email, &norm) != ERR_OK ||
		strcmp(norm, out->email) != 0))
		return ERR_EMAIL_MISMATCH;
	if ((e = validate_name(a, name, &trimmed)) != ERR_OK)
		return e;
	if ((e = account_password_ok(password)) != ERR_OK)
		return e;
	if (password_hash(a, password, &hash) == -1)
		return ERR_INTERNAL;
	s.name = trimmed;
	s.password_hash = hash;
	if ((e = db_tx(d->db, signup_tx, &s)) == ERR_OK)
		metrics_add(C_INVITATIONS_ACCEPTED, 1);
	return e;
}

struct decline_args {
	struct domain *d;
	struct arena *a;
	const struct user *u;
	const char *token, *id;
	struct invitation *inv;
};

static enum err
decline_tx(struct db *db, void *arg)
{
	struct decline_args *s = arg;
	enum err e;

	if ((e = find_for(s->d, s->a, s->u, s->token, s->id, s->inv)) != ERR_OK)
		return e;
	if ((e = db_invitation_decline(db, s->a, s->inv->id)) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->u ? s->u->id : NULL, s->inv->org_id,
	    "invitation.declined", "invitation", s->inv->id, NULL);
}

enum err
invitation_decline(struct domain *d, struct arena *a, const struct user *u,
    const char *token, const char *id, struct invitation *out)
{
	struct decline_args s = {
		.d = d, .a = a, .u = u, .token = token, .id = id, .inv = out
	};
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = db_tx(d->db, decline_tx, &s)) == ERR_OK)
		metrics_add(C_INVITATIONS_DECLINED, 1);
	return e;
}

enum err
invitation_list_org(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, struct invitation **out, int *n)
{
	if (!org_role_manages(viewer)) {
		*out = NULL;
		*n = 0;
		return ERR_OK;
	}
	return db_invitation_list_org(d->db, a, o->id, out, n);
}

enum err
invitation_list_mine(struct domain *d, struct arena *a, const struct user *u,
    struct invitation **out, int *n)
{
	if (!u->email_confirmed) {
		*out = NULL;
		*n = 0;
		return ERR_OK;
	}
	return db_invitation_list_email(d->db, a, u->email, out, n);
}
