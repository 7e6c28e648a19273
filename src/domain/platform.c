/*
 * Platform invitations: the rules of SPEC §3 Platform and §4 Accounts and
 * platform 6.
 */
#include "domain/platform.h"

#include <string.h>
#include <time.h>

#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_user.h"
#include "counters.h"
#include "conf.h"
#include "crypto/envelope.h"
#include "crypto/token.h"
#include "domain/validate.h"
#include "util/arena.h"
#include "util/log.h"

/* "" (the SQL's coalesce of a NULL id) as NULL. */
static const char *
id_or_null(const char *id)
{
	return id != NULL && *id != '\0' ? id : NULL;
}

/* Finds (and with lock, locks) the invitation of a token; every failure
 * is ERR_INVITATION_INVALID. */
static enum err
link_find(struct domain *d, struct arena *a, const char *token, bool lock,
    struct platform_invitation *out)
{
	struct envelope env;
	uint8_t hash[32];
	enum err e;

	if (token == NULL || *token == '\0' ||
	    envelope_open(a, &d->conf->keys, token, &env) == -1)
		return ERR_INVITATION_INVALID;
	token_hash(hash, env.token);
	crypto_wipe(env.token, sizeof(env.token));
	e = db_platform_invitation_by_hash(d->db, a, hash, lock, out);
	if (e == ERR_NOT_FOUND)
		return ERR_INVITATION_INVALID;
	if (e != ERR_OK)
		return e;
	/* Addresses are stored canonical (lower case), so bytes compare. */
	if (strcmp(env.email, out->email) != 0 || out->state != INV_PENDING)
		return ERR_INVITATION_INVALID;
	return ERR_OK;
}

enum err
platform_resolve(struct domain *d, struct arena *a, const char *token,
    struct platform_invitation *out)
{
	return link_find(d, a, token, false, out);
}

enum err
platform_take(struct domain *d, struct arena *a, const char *token,
    struct platform_invitation *out)
{
	return link_find(d, a, token, true, out);
}

enum err
platform_accepted(struct db *db, struct arena *a,
    const struct platform_invitation *inv, const char *user_id)
{
	const char *inviter = id_or_null(inv->invited_by);
	enum err e;

	if ((e = db_platform_invitation_accept(db, a, inv->id, user_id)) !=
	    ERR_OK)
		return e == ERR_NOT_PENDING ? ERR_INVITATION_INVALID : e;
	return db_audit_insert(db, a, user_id, NULL,
	    "platform_invitation.accepted", "platform_invitation", inv->id,
	    arena_printf(a, "{\"inviter_id\": %s, \"user_id\": %s}",
		inviter ? inviter : "null", user_id));
}

void
platform_count_accepted(void)
{
	metrics_add(C_PLATFORM_INVITATIONS_ACCEPTED, 1);
}

/* The limiter's window, in seconds, as db_platform_invitation_count_recent
 * takes it. */
#define RATE_WINDOW 3600

/* Whether actor may send another invitation this hour. A limiter that
 * fails lets the request through, logged and counted. */
static enum err
rate_check(struct domain *d, struct arena *a, const struct user *actor)
{
	long long sent = 0;
	enum err e;

	if ((e = db_savepoint(d->db)) != ERR_OK)
		return e;
	if ((e = db_platform_invitation_count_recent(
		 d->db, a, actor->id, &sent)) != ERR_OK) {
		log_warn("platform invitation rate limiter failed (%s); "
			 "letting the request through",
		    err_str(e));
		metrics_add(C_RATE_LIMITER_FAILURES, 1);
		return db_savepoint_rollback(d->db);
	}
	if ((e = db_savepoint_release(d->db)) != ERR_OK)
		return e;
	return sent >= d->conf->invite_limit_user ? ERR_RATE_LIMITED_USER
						  : ERR_OK;
}

struct invite_args {
	struct domain *d;
	struct arena *a;
	const struct user *actor;
	const char *email;
};

static enum err
invite_tx(struct db *db, void *arg)
{
	struct invite_args *s = arg;
	struct domain *d = s->d;
	struct platform_invitation old;
	struct notice n = { .kind = NOTICE_PLATFORM_INVITATION };
	struct user u;
	uint8_t raw[CRYPTO_TOKEN_LEN], hash[32];
	const char *id, *old_id = NULL;
	int64_t expires = (int64_t)time(NULL) + d->conf->invite_ttl;
	enum err e;

	/* The admin's lock first: it serialises the rate limit's count. */
	if ((e = db_lock(db, s->a,
		 arena_printf(s->a, "roster:platform-invite:%s",
		     s->actor->id))) != ERR_OK)
		return e;
	e = db_user_by_email(db, s->a, s->email, &u, NULL);
	if (e == ERR_OK)
		return ERR_EMAIL_TAKEN;
	if (e != ERR_NOT_FOUND)
		return e;
	if ((e = rate_check(d, s->a, s->actor)) != ERR_OK)
		return e;
	e = db_platform_invitation_open_for(db, s->a, s->email, &old);
	if (e == ERR_OK) {
		old_id = old.id;
		if ((e = db_platform_invitation_revoke(db, s->a, old.id)) !=
		    ERR_OK)
			return e;
	} else if (e != ERR_NOT_FOUND)
		return e;
	token_new(raw, hash);
	if ((e = db_platform_invitation_insert(db, s->a, s->email, hash,
		 expires, s->actor->id, &id)) != ERR_OK)
		return e;
	n.to = s->email;
	n.inviter = s->actor->display_name;
	n.inviter_email = s->actor->email;
	n.expires = expires;
	n.link = arena_printf(s->a, "%s/signup?invite=%s", d->conf->base_url,
	    envelope_seal(s->a, &d->conf->keys, raw, s->email, expires));
	crypto_wipe(raw, CRYPTO_TOKEN_LEN);
	if ((e = d->notify(d->notify_ctx, db, s->a, &n)) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->actor->id, NULL,
	    "platform_invitation.created", "platform_invitation", id,
	    old_id ? arena_printf(s->a, "{\"replaces\": %s}", old_id) : NULL);
}

enum err
platform_invite(struct domain *d, struct arena *a, const struct user *actor,
    const char *email)
{
	struct invite_args s = { .d = d, .a = a, .actor = actor };
	char *norm;
	enum err e;

	if (actor == NULL || !actor->platform_admin)
		return ERR_FORBIDDEN;
	if ((e = validate_email(a, email, &norm)) != ERR_OK)
		return e;
	s.email = norm;
	if ((e = db_tx(d->db, invite_tx, &s)) == ERR_OK)
		metrics_add(C_PLATFORM_INVITATIONS_CREATED, 1);
	return e;
}

struct revoke_args {
	struct arena *a;
	const struct user *actor;
	const char *id;
};

static enum err
revoke_tx(struct db *db, void *arg)
{
	struct revoke_args *r = arg;
	struct platform_invitation inv;
	enum err e;

	if ((e = db_platform_invitation_by_id(db, r->a, r->id, &inv)) != ERR_OK)
		return e;
	if ((e = db_platform_invitation_revoke(db, r->a, inv.id)) != ERR_OK)
		return e;
	return db_audit_insert(db, r->a, r->actor->id, NULL,
	    "platform_invitation.revoked", "platform_invitation", inv.id, NULL);
}

enum err
platform_revoke(
    struct domain *d, struct arena *a, const struct user *actor, const char *id)
{
	struct revoke_args r = { .a = a, .actor = actor, .id = id };
	enum err e;

	if (actor == NULL || !actor->platform_admin)
		return ERR_FORBIDDEN;
	if ((e = db_tx(d->db, revoke_tx, &r)) == ERR_OK)
		metrics_add(C_PLATFORM_INVITATIONS_REVOKED, 1);
	return e;
}

enum err
platform_list(struct domain *d, struct arena *a, const struct user *actor,
    struct platform_invitation **out, int *n)
{
	if (actor == NULL || !actor->platform_admin)
		return ERR_FORBIDDEN;
	return db_platform_invitation_list(d->db, a, PLATFORM_LIST_MAX, out, n);
}

enum err
platform_referrals(struct domain *d, struct arena *a, const struct user *actor,
    struct platform_referral **out, int *n)
{
	if (actor == NULL || !actor->platform_admin)
		return ERR_FORBIDDEN;
	return db_platform_invitation_referrals(d->db, a, out, n);
}

enum err
platform_user_count(
    struct domain *d, struct arena *a, const struct user *actor, long long *n)
{
	if (actor == NULL || !actor->platform_admin)
		return ERR_FORBIDDEN;
	return db_user_count(d->db, a, n);
}

enum err
platform_mail(struct domain *d, struct arena *a, const struct user *actor,
    struct outbox_summary *sum, struct outbox_failure **failed, int *n)
{
	enum err e;

	if (actor == NULL || !actor->platform_admin)
		return ERR_FORBIDDEN;
	if ((e = db_outbox_summary(d->db, a, sum)) != ERR_OK)
		return e;
	return db_outbox_failures(
	    d->db, a, PLATFORM_MAIL_FAILURES_MAX, failed, n);
}
