/*
 * Session and pre-session cookies, CSRF tokens, the flash cookie.
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
#include "domain/account.h"
#include "util/arena.h"
#include "util/log.h"

#define PRE_LEN   16
#define FLASH_MAX 40

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

static const char *
csrf_token(struct ctx *c, char kind, const uint8_t *p, size_t n)
{
	uint8_t msg[1 + 32], mac[32];

	msg[0] = (uint8_t)kind;
	memcpy(msg + 1, p, n);
	crypto_hmac(mac, c->w->conf->keys.k[KEY_CSRF], msg, 1 + n);
	return b64url_encode(c->a, mac, sizeof(mac));
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
	    b64url_decode(c->a, arena_strndup(c->a, v, (size_t)(dot - v)), &raw,
		&n) == -1 ||
	    n != PRE_LEN || b64url_decode(c->a, dot + 1, &mac, &m) == -1 ||
	    m != 32)
		return false;
	crypto_hmac(want, c->w->conf->keys.k[KEY_PRESESSION], raw, n);
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
	crypto_hmac(mac, c->w->conf->keys.k[KEY_PRESESSION], r, PRE_LEN);
	v = arena_printf(c->a, "%s.%s", b64url_encode(c->a, r, PRE_LEN),
	    b64url_encode(c->a, mac, 32));
	http_set_cookie(c->res, cookie_name(c, "roster_pre"), v, -1, secure(c));
}

enum err
web_session_load(struct ctx *c)
{
	const char *v =
	    http_param(&c->req->cookies, cookie_name(c, "roster_session"));
	uint8_t *raw, r[PRE_LEN];
	size_t n;
	struct user *u;
	enum err e;

	if (v != NULL && strlen(v) <= 64 &&
	    b64url_decode(c->a, v, &raw, &n) == 0 && n == CRYPTO_TOKEN_LEN) {
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
		http_set_cookie(
		    c->res, cookie_name(c, "roster_session"), "", 0, secure(c));
	}
	v = http_param(&c->req->cookies, cookie_name(c, "roster_pre"));
	if (!pre_parse(c, v, r))
		pre_issue(c, r);
	c->csrf = csrf_token(c, 'p', r, PRE_LEN);
	return ERR_OK;
}

bool
web_csrf_ok(struct ctx *c)
{
	const char *t = http_param(&c->req->form, "csrf_token");

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
	http_set_cookie(c->res, cookie_name(c, "roster_session"),
	    b64url_encode(c->a, session, CRYPTO_TOKEN_LEN), -1, secure(c));
	http_set_cookie(c->res, cookie_name(c, "roster_pre"), "", 0, secure(c));
	memcpy(c->session, session, CRYPTO_TOKEN_LEN);
	c->user = copy;
	session_csrf(c);
}

void
web_session_clear(struct ctx *c)
{
	http_set_cookie(
	    c->res, cookie_name(c, "roster_session"), "", 0, secure(c));
	c->user = NULL;
}

void
web_flash_set(struct ctx *c, const char *code)
{
	http_set_cookie(
	    c->res, cookie_name(c, "roster_flash"), code, 60, secure(c));
}

const char *
web_flash_take(struct ctx *c)
{
	const char *v =
	    http_param(&c->req->cookies, cookie_name(c, "roster_flash"));

	if (v == NULL || strlen(v) > FLASH_MAX || web_flash_text(v) == NULL)
		return NULL;
	http_set_cookie(
	    c->res, cookie_name(c, "roster_flash"), "", 0, secure(c));
	return v;
}
