/*
 * The JSON API under /api/v1/ (SPEC §7.4): bearer authentication, strict
 * JSON bodies in, JSON out, and RFC 9457 problem details for every
 * failure. The handlers call the same domain functions as the pages; this
 * file adds only the JSON around them. Errors take their status, code and
 * sentence from the one error table of web_page.c, so an API answer's
 * "code" is the data-error a page would show.
 *
 * JSON is read and written with libjansson (docs/decisions.md): bodies
 * are parsed with JSON_REJECT_DUPLICATES, then checked against the
 * handler's declared fields (struct web_api_field), so a duplicate key,
 * an unknown field or a value of the wrong type is refused before any
 * handler sees it.
 */
#include "web/web_api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/base64.h"
#include "domain/api_token.h"
#include "domain/org.h"
#include "util/arena.h"
#include "util/log.h"

#define API_LIMIT_DEFAULT 100
#define API_LIMIT_MAX 500

/* Writes v (its reference taken) as the body with status, as
 * application/json (or ctype). A value that cannot be written is a 500
 * with an empty problem. */
static void
send_json(struct ctx *c, int status, json_t *v, const char *ctype)
{
	char *s = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;

	json_decref(v);
	buf_clear(&c->res->body);
	c->res->location = NULL;
	c->res->content_type = ctype;
	if (s == NULL) {
		log_err("api: cannot write JSON");
		c->res->status = 500;
		c->res->content_type = "application/problem+json";
		buf_puts(&c->res->body,
		    "{\"type\":\"about:blank\",\"title\":\"Internal Server "
		    "Error\",\"status\":500,\"code\":\"internal\"}");
		return;
	}
	buf_puts(&c->res->body, s);
	free(s);
	c->res->status = status;
}

void
web_api_send(struct ctx *c, int status, json_t *v)
{
	send_json(c, status, v, "application/json");
}

void
web_api_fail(struct ctx *c, enum err e)
{
	const char *detail;
	int status;

	if ((unsigned)e >= ERR__MAX || e == ERR_OK)
		e = ERR_INTERNAL;
	status = web_page_status(e);
	/* Two sentences of the table speak of forms. */
	detail = e == ERR_MEDIA_TYPE ? "Send the body as application/json."
	    : e == ERR_BAD_METHOD    ? "This address does not answer that "
				       "method; see Allow."
				     : web_page_error_text(e);
	if (e == ERR_DATABASE || e == ERR_RETRY_EXHAUSTED)
		c->res->retry_after = 5;
	if (status == 429 && c->res->retry_after <= 0)
		c->res->retry_after = 60;
	if (status == 401)
		http_response_header(c->res, "WWW-Authenticate",
		    c->req->authorization != NULL
			? "Bearer realm=\"roster\", error=\"invalid_token\""
			: "Bearer realm=\"roster\"");
	send_json(c, status,
	    json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank",
		"title", http_response_reason(status), "status", status, "code",
		err_str(e), "detail", detail),
	    "application/problem+json");
}

/* The token of an "Authorization: Bearer TOKEN" header (the scheme in any
 * case, RFC 9110), or NULL. */
static const char *
bearer(const char *h)
{
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h != '\0' ? h : NULL;
}

bool
web_api_begin(struct ctx *c)
{
	const char *token = bearer(c->req->authorization);
	struct user *u;
	enum err e;

	/* Cookies mean nothing here: only the bearer token says who asks. */
	if (token == NULL) {
		web_api_fail(c, ERR_UNAUTHORIZED);
		return false;
	}
	u = arena_alloc(c->a, sizeof(*u));
	e = api_token_user(c->d, c->a, token, u);
	if (e == ERR_NOT_FOUND) {
		/* A wrong token counts against its client address, as a
		 * wrong link token does. */
		web_api_fail(c,
		    web_page_guess(c) ? ERR_RATE_LIMITED : ERR_UNAUTHORIZED);
		return false;
	}
	if (e != ERR_OK) {
		web_api_fail(c, e);
		return false;
	}
	c->user = u;
	return true;
}

/* True when the request's Content-Type is application/json (parameters
 * such as charset=utf-8 allowed). */
static bool
is_json(const char *ct)
{
	size_t n = strlen("application/json");

	return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *
web_api_body(struct ctx *c, const struct web_api_field *f, int nf)
{
	json_error_t jerr;
	const char *key;
	json_t *root, *v;

	if (!is_json(c->req->content_type)) {
		web_api_fail(c, ERR_MEDIA_TYPE);
		return NULL;
	}
	root = json_loadb(c->req->body, c->req->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root))
		goto malformed;
	json_object_foreach(root, key, v)
	{
		int i;

		for (i = 0; i < nf; i++)
			if (strcmp(f[i].name, key) == 0)
				break;
		if (i == nf)
			goto malformed;
		if (json_typeof(v) != f[i].type &&
		    !(f[i].type == JSON_TRUE && json_is_boolean(v)))
			goto malformed;
	}
	for (int i = 0; i < nf; i++)
		if (f[i].required && json_object_get(root, f[i].name) == NULL)
			goto malformed;
	return root;
malformed:
	json_decref(root);
	web_api_fail(c, ERR_MALFORMED_JSON);
	return NULL;
}

/* A JSON number for a row id the database gave as text. */
static json_t *
id_json(const char *id)
{
	return json_integer(id != NULL ? strtoll(id, NULL, 10) : 0);
}

/* One member as the API shows it. */
static json_t *
member_json(const struct member *m)
{
	return json_pack("{s:o, s:s, s:s, s:s, s:s, s:s}", "user_id",
	    id_json(m->user_id), "email", m->email, "display_name",
	    m->display_name, "role", db_enum_role_str(m->role), "status",
	    db_enum_status_str(m->status), "source",
	    db_enum_source_str(m->source));
}

void
web_api_me(struct ctx *c)
{
	web_api_send(c, 200,
	    json_pack("{s:o, s:s, s:s, s:b}", "id", id_json(c->user->id),
		"email", c->user->email, "display_name",
		c->user->display_name, "email_confirmed",
		c->user->email_confirmed));
}

void
web_api_orgs(struct ctx *c)
{
	struct my_org *o;
	json_t *list;
	enum err e;
	int n;

	if ((e = org_list_mine(c->d, c->a, c->user, &o, &n)) != ERR_OK) {
		web_api_fail(c, e);
		return;
	}
	list = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(list,
		    json_pack("{s:s, s:s, s:s}", "slug", o[i].org.slug, "name",
			o[i].org.name, "role", db_enum_role_str(o[i].role)));
	web_api_send(c, 200, json_pack("{s:o}", "organizations", list));
}

/* Opens the organization of the route for the token's user: 404
 * not-found (rendered) for a non-member or an unknown one, as on the
 * pages. */
static bool
open_org(struct ctx *c, struct org *o, enum role *role)
{
	enum err e = org_open(c->d, c->a, c->user, c->req->route_args[0], o, role);

	if (e != ERR_OK) {
		web_api_fail(c, e);
		return false;
	}
	return true;
}

/* The cursor of a page that ends with user id last: base64url of the id,
 * opaque to clients. */
static const char *
cursor_make(struct ctx *c, const char *last)
{
	return base64_url_encode(c->a, last, strlen(last));
}

/* The user id a cursor stands for, or NULL when it is not one this API
 * gave. */
static const char *
cursor_read(struct ctx *c, const char *s)
{
	uint8_t *raw;
	size_t n;

	if (s == NULL || strlen(s) > 32 ||
	    base64_url_decode(c->a, s, &raw, &n) == -1 || n == 0 || n > 18 ||
	    raw[0] == '0' || strspn((const char *)raw, "0123456789") != n)
		return NULL;
	return (const char *)raw;
}

void
web_api_members(struct ctx *c)
{
	const char *lim = c->field[F_LIMIT], *after = NULL;
	struct member *m;
	struct org o;
	enum role role;
	long limit = API_LIMIT_DEFAULT;
	json_t *list;
	bool more;
	char *end;
	enum err e;
	int n;

	if (!open_org(c, &o, &role))
		return;
	if (lim != NULL) {
		limit = strtol(lim, &end, 10);
		if (*lim == '\0' || *end != '\0' || limit < 1 ||
		    limit > API_LIMIT_MAX) {
			web_api_fail(c, ERR_MALFORMED);
			return;
		}
	}
	if (c->field[F_AFTER] != NULL &&
	    (after = cursor_read(c, c->field[F_AFTER])) == NULL) {
		web_api_fail(c, ERR_MALFORMED);
		return;
	}
	e = org_members_page(
	    c->d, c->a, &o, role, after, (int)limit, &m, &n, &more);
	if (e != ERR_OK) {
		web_api_fail(c, e);
		return;
	}
	list = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(list, member_json(&m[i]));
	web_api_send(c, 200,
	    json_pack("{s:o, s:o}", "members", list, "next",
		more && n > 0 ? json_string(cursor_make(c, m[n - 1].user_id))
			      : json_null()));
}

void
web_api_member(struct ctx *c)
{
	struct member m;
	struct org o;
	enum role role;
	enum err e;

	if (!open_org(c, &o, &role))
		return;
	e = org_member(c->d, c->a, &o, role, c->req->route_args[1], &m);
	if (e != ERR_OK) {
		web_api_fail(c, e);
		return;
	}
	web_api_send(c, 200, member_json(&m));
}
