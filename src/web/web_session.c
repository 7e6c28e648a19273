/*
 * Session and pre-session cookies, CSRF tokens, and the cookie helpers the
 * flash messages share.
 *
 * A signed-in visitor carries the raw session token; the database knows
 * only its SHA-256, and the CSRF token is HMAC(csrf key, "s" || that hash).
 * An anonymous visitor carries a pre-session cookie "r.HMAC(pre key, r)"
 * for 16 random bytes r, which the server alone can mint; its CSRF token
 * is HMAC(csrf key, "p" || r). Signing in replaces the pre-session with a
 * fresh session, so neither a planted cookie nor an old token survives.
 */
#include "web/web.h"

#include <string.h>

#include "conf.h"
#include "crypto/base64.h"
#include "db/db.h"
#include "domain/account.h"
#include "util/arena.h"
#include "util/log.h"

#define PRE_LEN        16
#define PRE_COOKIE     "roster_pre"
#define SESSION_COOKIE "roster_session"

static bool
secure(const struct ctx *c)
{
	return c->w->conf->cookie_secure;
}

/* Cookie names carry the __Host- prefix whenever cookies are Secure. */
static const char *
cookie_name(const struct ctx *c, const char *base)
{
	return secure(c) ? arena_printf(c->a, "__Host-%s", base) : base;
}

void
web_session_cookie_set(
    struct ctx *c, const char *base, const char *value, long max_age)
{
	http_response_cookie(
	    c->res, cookie_name(c, base), value, max_age, secure(c));
}

const char *
web_session_cookie(const struct ctx *c, const char *base)
{
	return http_parse_param(&c->req->cookies, cookie_name(c, base));
}

static const char *
csrf_token(struct ctx *c, char kind, const uint8_t *p, size_t n)
{
	uint8_t msg[1 + 32], mac[32];

	msg[0] = (uint8_t)kind;
	memcpy(msg + 1, p, n);
	crypto_hmac_with(mac, &c->w->conf->keys.mac[KEY_CSRF], msg, 1 + n);
	return base64_url_encode(c->a, mac, sizeof(mac));
}

static void
session_csrf(struct ctx *c)
{
	uint8_t hash[32];

	crypto_sha256(hash, c->session, CRYPTO_TOKEN_LEN);
	c->csrf = csrf_token(c, 's', hash, sizeof(hash));
}

/* Verifies a pre-session cookie; writes its random part. */
static bool
pre_parse(struct ctx *c, const char *v, uint8_t r[PRE_LEN])
{
	const char *dot = v ? strchr(v, '.') : NULL;
	uint8_t *raw, *mac, want[32];
	size_t n, m;

	if (dot == NULL || dot - v > 64 ||
	    base64_url_decode(c->a, arena_strndup(c->a, v, (size_t)(dot - v)),
		&raw, &n) == -1 ||
	    n != PRE_LEN || base64_url_decode(c->a, dot + 1, &mac, &m) == -1 ||
	    m != 32)
		return false;
	crypto_hmac_with(want, &c->w->conf->keys.mac[KEY_PRESESSION], raw, n);
	if (!crypto_equal(want, mac, 32))
		return false;
	memcpy(r, raw, PRE_LEN);
	return true;
}

static void
pre_issue(struct ctx *c, uint8_t r[PRE_LEN])
{
	uint8_t mac[32];
	const char *v;

	crypto_random(r, PRE_LEN);
	crypto_hmac_with(
	    mac, &c->w->conf->keys.mac[KEY_PRESESSION], r, PRE_LEN);
	v = arena_printf(c->a, "%s.%s", base64_url_encode(c->a, r, PRE_LEN),
	    base64_url_encode(c->a, mac, 32));
	web_session_cookie_set(c, PRE_COOKIE, v, -1);
}

enum err
web_session_load(struct ctx *c)
{
	const char *v = web_session_cookie(c, SESSION_COOKIE);
	uint8_t *raw, r[PRE_LEN];
	size_t n;
	struct user *u;
	enum err e;

	if (v != NULL && strlen(v) <= 64 &&
	    base64_url_decode(c->a, v, &raw, &n) == 0 &&
	    n == CRYPTO_TOKEN_LEN) {
		u = arena_alloc(c->a, sizeof(*u));
		memcpy(c->session, raw, CRYPTO_TOKEN_LEN);
		e = account_session(c->d, c->a, c->session, u);
		if (e == ERR_OK) {
			c->user = u;
			session_csrf(c);
			return ERR_OK;
		}
		if (e != ERR_NOT_FOUND)
			return e;
		/* An unknown or expired session: forget the cookie. */
		web_session_cookie_set(c, SESSION_COOKIE, "", 0);
	}
	v = web_session_cookie(c, PRE_COOKIE);
	if (!pre_parse(c, v, r))
		pre_issue(c, r);
	c->csrf = csrf_token(c, 'p', r, PRE_LEN);
	return ERR_OK;
}

void
web_session_peek(struct ctx *c)
{
	const char *v = web_session_cookie(c, SESSION_COOKIE);
	uint8_t *raw;
	size_t n;
	struct user *u;

	/* No cookie, no query: most such answers go to anonymous clients. */
	if (v == NULL || strlen(v) > 64 ||
	    base64_url_decode(c->a, v, &raw, &n) == -1 ||
	    n != CRYPTO_TOKEN_LEN || db_ensure(c->d->db) != ERR_OK)
		return;
	u = arena_alloc(c->a, sizeof(*u));
	memcpy(c->session, raw, CRYPTO_TOKEN_LEN);
	if (account_session_peek(c->d, c->a, c->session, u) != ERR_OK)
		return;
	c->user = u;
	session_csrf(c);
}

bool
web_session_csrf_ok(const struct ctx *c)
{
	const char *t = c->field[F_CSRF_TOKEN];

	return t != NULL && c->csrf != NULL && strlen(t) == strlen(c->csrf) &&
	    crypto_equal(t, c->csrf, strlen(t));
}

void
web_session_start(struct ctx *c, const struct user *u,
    const uint8_t session[CRYPTO_TOKEN_LEN])
{
	struct user *copy = arena_memdup(c->a, u, sizeof(*u));

	/* A session the visitor held before is ended, not kept or promoted. */
	if (c->user != NULL)
		(void)account_logout(c->d, c->a, c->session);

	/* Session cookies last the browser session; the server enforces the
	 * idle and absolute limits. */
	web_session_cookie_set(c, SESSION_COOKIE,
	    base64_url_encode(c->a, session, CRYPTO_TOKEN_LEN), -1);
	web_session_cookie_set(c, PRE_COOKIE, "", 0);
	memcpy(c->session, session, CRYPTO_TOKEN_LEN);
	c->user = copy;
	session_csrf(c);
}

void
web_session_clear(struct ctx *c)
{
	web_session_cookie_set(c, SESSION_COOKIE, "", 0);
	c->user = NULL;
}
