/*
 * The request log: one key=value line per request on stderr (journald
 * keeps it), written when the handler is done:
 *
 *   method=GET route=/orgs/:slug status=200 code=- user_id=42
 *   request_id=4f1c... ms=1.3
 *
 * route is the route table's pattern (the name the metrics use too),
 * "unmatched" when no route took the request; never the path as sent,
 * never the query string (token pages carry their token there). code is
 * the data-error code of the page rendered, or -. Every value goes
 * through log_value, so nothing the client chose can add a key or a line;
 * the only values that come from the request are the method (one of three
 * names, else "other") and nginx's request id (taken only when it has
 * nginx's shape). Requests to the probes (/healthz, /metrics) are not
 * logged unless ROSTER_LOG_PROBES=1.
 *
 * The request id is nginx's $request_id (32 hex digits, passed as the
 * FastCGI parameter REQUEST_ID by nginx/roster.conf) so that nginx's own
 * logs can carry the same id; without it, 12 random bytes in base64url.
 * It goes back to the client as X-Request-Id on every response and is
 * shown on error pages for a user to quote.
 */
#include "web/web.h"

#include <string.h>

#include "conf.h"
#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/str.h"

#define WEB_LOG_ID_BYTES 12 /* random bytes of an id made here */
#define WEB_LOG_NGINX_ID 32 /* hex digits of nginx's $request_id */

/* Whether s has the shape of nginx's $request_id. */
static bool
nginx_id(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != WEB_LOG_NGINX_ID)
		return false;
	for (i = 0; i < WEB_LOG_NGINX_ID; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

void
web_log_begin(struct ctx *c)
{
	unsigned char raw[WEB_LOG_ID_BYTES];

	if (!nginx_id(c->req->request_id)) {
		crypto_random(raw, sizeof(raw));
		c->req->request_id = base64_url_encode(c->a, raw, sizeof(raw));
	}
	http_response_header(c->res, "X-Request-Id", c->req->request_id);
	tpl_set(c->page, "request_id", c->req->request_id);
}

static const char *
method_name(enum method m)
{
	switch (m) {
	case METHOD_GET:
		return "GET";
	case METHOD_HEAD:
		return "HEAD";
	case METHOD_POST:
		return "POST";
	default:
		return "other";
	}
}

void
web_log_end(struct ctx *c, const char *route, bool probe, double seconds)
{
	const char *code;
	unsigned long long tenths;
	char status[24], ms[48], *p;

	if (probe && !c->w->conf->log_probes)
		return;
	/* A redirect renders no page, whatever was set before it. */
	code = c->res->location == NULL ? tpl_get(c->page, "error") : NULL;
	/* Built by hand, numbers included: this is on every request. */
	tenths = seconds > 0 ? (unsigned long long)(seconds * 1e4 + 0.5) : 0;
	*str_digits(status, (unsigned long long)c->res->status, 3) = '\0';
	p = str_digits(ms, tenths / 10, 1);
	*p++ = '.';
	*str_digits(p, tenths % 10, 1) = '\0';
	log_info("%s",
	    arena_cat(c->a, "method=", method_name(c->req->method),
		" route=", log_value(c->a, route), " status=", status,
		" code=", log_value(c->a, code), " user_id=",
		log_value(c->a, c->user != NULL ? c->user->id : NULL),
		" request_id=", log_value(c->a, c->req->request_id), " ms=", ms,
		NULL));
}
