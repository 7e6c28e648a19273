/*
 * Personal API tokens: creation, listing, revocation and the bearer
 * lookup.
 */
#include "domain/api_token.h"

#include <string.h>

#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "crypto/token.h"
#include "db/db.h"
#include "db/db_audit.h"
#include "domain/validate.h"
#include "util/arena.h"

struct create_args {
	struct arena *a;
	const struct user *u;
	const char *name;
	uint8_t hash[CRYPTO_SHA256_LEN];
	const char **id;
};

static enum err
create_tx(struct db *db, void *arg)
{
	struct create_args *c = arg;
	enum err e;

	if ((e = db_api_token_insert(db, c->a, c->u->id, c->name, c->hash,
		 c->id)) != ERR_OK)
		return e;
	return db_audit_insert(db, c->a, c->u->id, NULL, "api_token.created",
	    "api_token", *c->id, NULL);
}

enum err
api_token_create(struct domain *d, struct arena *a, const struct user *u,
    const char *name, const char **token, const char **id)
{
	struct create_args c = { .a = a, .u = u, .id = id };
	uint8_t raw[CRYPTO_TOKEN_LEN];
	char *clean;
	enum err e;

	if ((e = validate_name(a, name, &clean)) != ERR_OK)
		return e;
	c.name = clean;
	token_new(raw, c.hash);
	*token = arena_printf(a, API_TOKEN_PREFIX "%s",
	    base64_url_encode(a, raw, sizeof(raw)));
	crypto_wipe(raw, sizeof(raw));
	return db_tx(d->db, create_tx, &c);
}

enum err
api_token_list(struct domain *d, struct arena *a, const struct user *u,
    struct api_token **out, int *n)
{
	return db_api_token_list(d->db, a, u->id, out, n);
}

struct revoke_args {
	struct arena *a;
	const struct user *u;
	const char *id;
	struct api_token *t;
};

static enum err
revoke_tx(struct db *db, void *arg)
{
	struct revoke_args *r = arg;
	enum err e;

	if ((e = db_api_token_revoke(db, r->a, r->u->id, r->id, r->t)) !=
	    ERR_OK)
		return e;
	return db_audit_insert(db, r->a, r->u->id, NULL, "api_token.revoked",
	    "api_token", r->t->id, NULL);
}

enum err
api_token_revoke(struct domain *d, struct arena *a, const struct user *u,
    const char *id, struct api_token *t)
{
	struct revoke_args r = { .a = a, .u = u, .id = id, .t = t };

	return db_tx(d->db, revoke_tx, &r);
}

enum err
api_token_user(
    struct domain *d, struct arena *a, const char *token, struct user *u)
{
	uint8_t hash[CRYPTO_SHA256_LEN];
	size_t plen = strlen(API_TOKEN_PREFIX);

	if (token == NULL || strncmp(token, API_TOKEN_PREFIX, plen) != 0 ||
	    token_link_hash(a, token + plen, hash) == -1)
		return ERR_NOT_FOUND;
	return db_api_token_lookup(d->db, a, hash, u);
}
