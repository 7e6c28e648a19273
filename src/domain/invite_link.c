/*
 * Invite links: the rules of SPEC §7.2. The use count is exact because
 * one conditional UPDATE decides each use (db_invite_link_use), never a
 * count followed by an insert; the membership it pays for is written in
 * the same transaction, so a use without its membership, or the reverse,
 * cannot commit.
 */
#include "domain/invite_link.h"

#include <string.h>

#include "conf.h"
#include "counters.h"
#include "crypto/envelope.h"
#include "crypto/password.h"
#include "crypto/token.h"
#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_membership.h"
#include "domain/account.h"
#include "domain/invitation.h"
#include "domain/org.h"
#include "domain/seat.h"
#include "domain/validate.h"
#include "util/arena.h"
#include "util/str.h"

/* The text a link's envelope is bound to. It holds no "@", so no
 * invitation's envelope (bound to an address) can pass for a link's, nor
 * the reverse. */
static const char *
bound_to(struct arena *a, const char *id)
{
	return arena_printf(a, "link:%s", id);
}

/* The error that stands for a state (ERR_OK for active). */
static enum err
state_err(enum link_state s)
{
	switch (s) {
	case LINK_ACTIVE:
		return ERR_OK;
	case LINK_USED_UP:
		return ERR_LINK_USED_UP;
	case LINK_EXPIRED:
		return ERR_LINK_EXPIRED;
	default:
		return ERR_LINK_REVOKED;
	}
}

/* A count field: the default when absent or empty, else a number in
 * 1..max; -1 for anything else. */
static int
count_field(const char *s, int def, int max)
{
	long long v;

	if (s == NULL || *s == '\0')
		return def;
	if (str_tonum(s, 1, max, &v, NULL) == -1)
		return -1;
	return (int)v;
}

struct create_args {
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	const uint8_t *hash;
	struct invite_link_new *out;
};

static enum err
create_tx(struct db *db, void *arg)
{
	struct create_args *s = arg;
	enum err e;

	if ((e = db_invite_link_insert(db, s->a, s->o->id, s->out->max_uses,
		 s->out->days, s->actor->id, s->hash, &s->out->id,
		 &s->out->expires)) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    "invite_link.created", "invite_link", s->out->id,
	    arena_printf(s->a, "{\"max_uses\": %d, \"days\": %d}",
		s->out->max_uses, s->out->days));
}

enum err
invite_link_create(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *max_uses,
    const char *days, struct invite_link_new *out)
{
	uint8_t raw[CRYPTO_TOKEN_LEN], hash[CRYPTO_SHA256_LEN];
	struct create_args s = {
		.a = a, .actor = actor, .o = o, .hash = hash, .out = out
	};
	char *env;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if ((e = invitation_actor_confirmed(d, actor)) != ERR_OK)
		return e;
	if ((out->max_uses = count_field(max_uses, INVITE_LINK_USES_DEFAULT,
		 INVITE_LINK_USES_MAX)) == -1)
		return ERR_INVALID_MAX_USES;
	if ((out->days = count_field(days, INVITE_LINK_DAYS_DEFAULT,
		 INVITE_LINK_DAYS_MAX)) == -1)
		return ERR_INVALID_DAYS;
	token_new(raw, hash);
	if ((e = db_tx(d->db, create_tx, &s)) != ERR_OK) {
		crypto_wipe(raw, sizeof(raw));
		return e;
	}
	env = envelope_seal(
	    a, &d->conf->keys, raw, bound_to(a, out->id), out->expires);
	crypto_wipe(raw, sizeof(raw));
	if (env == NULL)
		return ERR_INTERNAL;
	out->url = arena_printf(
	    a, "%s/links/accept?token=%s", d->conf->base_url, env);
	metrics_add(C_INVITE_LINKS_CREATED, 1);
	return ERR_OK;
}

enum err
invite_link_resolve(struct domain *d, struct arena *a, const char *token,
    struct invite_link *out)
{
	uint8_t hash[CRYPTO_SHA256_LEN];
	struct envelope env;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (token == NULL ||
	    envelope_open(a, &d->conf->keys, token, &env) == -1)
		return ERR_LINK_INVALID;
	token_hash(hash, env.token);
	crypto_wipe(env.token, sizeof(env.token));
	e = db_invite_link_by_hash(d->db, a, hash, out);
	if (e == ERR_NOT_FOUND) {
		memset(out, 0, sizeof(*out));
		return ERR_LINK_INVALID;
	}
	if (e != ERR_OK)
		return e;
	if (strcmp(env.email, bound_to(a, out->id)) != 0) {
		memset(out, 0, sizeof(*out));
		return ERR_LINK_INVALID;
	}
	return state_err(out->state);
}

struct join_args {
	struct domain *d;
	struct arena *a;
	const struct invite_link *l;
	/* A sign-up: the account to create first (email NULL: none). */
	const char *email, *name, *password_hash;
	uint8_t *session;
	struct user *u;
	bool already, pending;
};

/* Why a use was refused: the link's state as it stands now. */
static enum err
refused(struct db *db, struct arena *a, const struct invite_link *l)
{
	struct invite_link now;
	enum err e = db_invite_link_by_id(db, a, l->org_id, l->id, &now);

	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_LINK_INVALID : e;
	e = state_err(now.state);
	/* Active again can only mean a count that moved back: report it as
	 * used up, the refusal the UPDATE saw. */
	return e == ERR_OK ? ERR_LINK_USED_UP : e;
}

static enum err
join_tx(struct db *db, void *arg)
{
	struct join_args *s = arg;
	const struct invite_link *l = s->l;
	const char *mid = NULL;
	struct member m;
	enum err e;

	s->already = s->pending = false;
	if (s->email != NULL) {
		if ((e = account_create_tx(s->d, s->a, s->email, s->name,
			 s->password_hash, l->org_id,
			 "{\"via\": \"invite_link\"}", s->u, s->session)) !=
		    ERR_OK)
			return e;
	} else {
		e = db_membership_of(db, s->a, l->org_id, s->u->id, &m);
		if (e == ERR_OK) {
			s->already = true;
			s->pending = m.status == MEMBER_PENDING;
			return ERR_OK;
		}
		if (e != ERR_NOT_FOUND)
			return e;
	}
	/* A seat, counted under the organization's row lock before the
	 * membership exists (docs/invite-links.md, "Seats"). */
	if ((e = seat_take(db, s->a, l->org_id, NULL)) != ERR_OK)
		return e;
	e = db_membership_insert(db, s->a, l->org_id, s->u->id, ROLE_MEMBER,
	    MEMBER_ACTIVE, SOURCE_LINK, l->created_by, &mid);
	if (e == ERR_ALREADY_MEMBER && s->email == NULL) {
		/* Joined by another request of the same user meanwhile. */
		s->already = true;
		return ERR_OK;
	}
	if (e != ERR_OK)
		return e;
	/* The one statement that decides: the use, or nothing at all. */
	if ((e = db_invite_link_use(db, s->a, l->id)) == ERR_NOT_PENDING)
		return refused(db, s->a, l);
	if (e != ERR_OK)
		return e;
	if ((e = db_audit_insert(db, s->a, s->u->id, l->org_id,
		 "invite_link.joined", "invite_link", l->id,
		 arena_printf(s->a, "{\"membership_id\": %s}", mid))) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->u->id, l->org_id,
	    "membership.created", "membership", mid,
	    arena_printf(s->a,
		"{\"role\": \"%s\", \"source\": \"%s\", \"user_id\": %s, "
		"\"invite_link_id\": %s}",
		db_enum_role_str(ROLE_MEMBER), db_enum_source_str(SOURCE_LINK),
		s->u->id, l->id));
}

enum err
invite_link_join(struct domain *d, struct arena *a, const struct user *u,
    const char *token, bool *already, bool *pending, struct invite_link *out)
{
	struct user me = *u;
	struct join_args s = { .d = d, .a = a, .l = out, .u = &me };
	enum err e;

	*already = *pending = false;
	/* The token's state first: a link that does not work writes
	 * nothing, whoever follows it. */
	if ((e = invite_link_resolve(d, a, token, out)) != ERR_OK)
		return e;
	if ((e = db_tx(d->db, join_tx, &s)) != ERR_OK)
		return e;
	*already = s.already;
	*pending = s.pending;
	if (!s.already)
		metrics_add(C_INVITE_LINK_JOINS, 1);
	return ERR_OK;
}

enum err
invite_link_join_signup(struct domain *d, struct arena *a, const char *token,
    const char *email, const char *name, const char *password, struct user *u,
    uint8_t session[CRYPTO_TOKEN_LEN], struct invite_link *out)
{
	struct join_args s = {
		.d = d, .a = a, .l = out, .u = u, .session = session
	};
	char *norm, *trimmed, *hash;
	enum err e;

	if ((e = invite_link_resolve(d, a, token, out)) != ERR_OK)
		return e;
	/* A link proves no mailbox: it never opens sign-up where only an
	 * invitation may. */
	if ((e = account_signup_open(d)) != ERR_OK)
		return e;
	if ((e = validate_email(a, email, &norm)) != ERR_OK)
		return e;
	if ((e = validate_name(a, name, &trimmed)) != ERR_OK)
		return e;
	if ((e = account_password_ok(password)) != ERR_OK)
		return e;
	/* Hash before the transaction: it is slow and needs no lock. */
	if (password_hash(a, password, &hash) == -1)
		return ERR_INTERNAL;
	s.email = norm;
	s.name = trimmed;
	s.password_hash = hash;
	if ((e = db_tx(d->db, join_tx, &s)) != ERR_OK)
		return e;
	metrics_add(C_INVITE_LINK_JOINS, 1);
	return ERR_OK;
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
	struct invite_link l;
	enum err e;

	if ((e = db_invite_link_by_id(db, r->a, r->o->id, r->id, &l)) !=
	    ERR_OK)
		return e;
	if ((e = db_invite_link_revoke(db, r->a, r->o->id, l.id)) != ERR_OK)
		return e;
	return db_audit_insert(db, r->a, r->actor->id, r->o->id,
	    "invite_link.revoked", "invite_link", l.id,
	    arena_printf(r->a, "{\"uses\": %d, \"max_uses\": %d}", l.uses,
		l.max_uses));
}

enum err
invite_link_revoke(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *id)
{
	struct revoke_args r = { .a = a, .actor = actor, .o = o, .id = id };
	enum err e;

	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if ((e = db_tx(d->db, revoke_tx, &r)) == ERR_OK)
		metrics_add(C_INVITE_LINKS_REVOKED, 1);
	return e;
}

enum err
invite_link_list_org(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, struct invite_link **out, int *n)
{
	if (!org_role_manages(viewer)) {
		*out = NULL;
		*n = 0;
		return ERR_OK;
	}
	return db_invite_link_list_org(d->db, a, o->id, out, n);
}
