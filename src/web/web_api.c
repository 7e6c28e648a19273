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
#include <time.h>

#include "crypto/base64.h"
#include "domain/api_token.h"
#include "domain/invitation.h"
#include "domain/org.h"
#include "util/arena.h"
#include "util/email.h"
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

/* An RFC 3339 UTC time for unix seconds t. */
static json_t *
time_json(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(s);
}

/* One open invitation as the API shows it: never its token or link. */
static json_t *
invitation_json(const struct invitation *v)
{
	return json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:o}", "id",
	    id_json(v->id), "email", v->email, "role",
	    db_enum_role_str(v->role), "status", db_enum_state_str(v->state),
	    "delivery", v->delivery != NULL ? v->delivery : "queued",
	    "expires_at", time_json(v->expires), "invited_by",
	    v->invited_by != NULL && *v->invited_by != '\0'
		? id_json(v->invited_by)
		: json_null());
}

/* Opens the route's organization for a manager's invitation action: 404
 * for a non-member, 403 forbidden for a plain member (as the pages
 * answer their forms). */
static bool
open_managed(struct ctx *c, struct org *o, enum role *role)
{
	if (!open_org(c, o, role))
		return false;
	if (!org_role_manages(*role)) {
		web_api_fail(c, ERR_FORBIDDEN);
		return false;
	}
	return true;
}

/* The open invitation of o whose id (when id) or address (when email)
 * matches, read through the list the roster page shows; NULL when none. */
static const struct invitation *
find_open(struct ctx *c, const struct org *o, enum role role, const char *id,
    const char *email, enum err *e)
{
	struct invitation *v;
	int n;

	if ((*e = invitation_list_org(c->d, c->a, o, role, &v, &n)) != ERR_OK)
		return NULL;
	for (int i = 0; i < n; i++)
		if ((id != NULL && strcmp(v[i].id, id) == 0) ||
		    (email != NULL && strcmp(v[i].email, email) == 0))
			return &v[i];
	return NULL;
}

void
web_api_invitations(struct ctx *c)
{
	struct invitation *v;
	struct org o;
	enum role role;
	json_t *list;
	enum err e;
	int n;

	if (!open_managed(c, &o, &role))
		return;
	if ((e = invitation_list_org(c->d, c->a, &o, role, &v, &n)) != ERR_OK) {
		web_api_fail(c, e);
		return;
	}
	list = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(list, invitation_json(&v[i]));
	web_api_send(c, 200, json_pack("{s:o}", "invitations", list));
}

void
web_api_invite(struct ctx *c)
{
	static const struct web_api_field fields[] = {
		{ "email", JSON_STRING, true },
		{ "role", JSON_STRING, true },
	};
	const struct invitation *v;
	const char *email, *r;
	struct org o;
	enum role role;
	json_t *body;
	enum err e;

	if (!open_managed(c, &o, &role))
		return;
	if ((body = web_api_body(c, fields, 2)) == NULL)
		return;
	email = arena_strdup(
	    c->a, json_string_value(json_object_get(body, "email")));
	r = arena_strdup(c->a, json_string_value(json_object_get(body, "role")));
	json_decref(body);
	/* The page's own operation: every rule of SPEC §4 is judged there. */
	if ((e = invitation_create(c->d, c->a, c->user, &o, role, email, r)) !=
	    ERR_OK) {
		web_api_fail(c, e);
		return;
	}
	v = find_open(c, &o, role, NULL, email_normalize(c->a, email), &e);
	if (v == NULL) {
		web_api_fail(c, e != ERR_OK ? e : ERR_INTERNAL);
		return;
	}
	web_api_send(c, 201, invitation_json(v));
}

void
web_api_invitation_revoke(struct ctx *c)
{
	const char *id = c->req->route_args[1];
	struct org o;
	enum role role;
	enum err e;

	if (!open_managed(c, &o, &role))
		return;
	if ((e = invitation_revoke(c->d, c->a, c->user, &o, role, id)) !=
	    ERR_OK) {
		web_api_fail(c, e);
		return;
	}
	web_api_send(c, 200,
	    json_pack("{s:o, s:s}", "id", id_json(id), "status", "revoked"));
}

void
web_api_invitation_resend(struct ctx *c)
{
	const struct invitation *old, *v;
	struct org o;
	enum role role;
	const char *email = NULL;
	enum err e;

	if (!open_managed(c, &o, &role))
		return;
	/* The replacement is a new row: found again by the address. */
	old = find_open(c, &o, role, c->req->route_args[1], NULL, &e);
	if (old != NULL)
		email = old->email;
	e = invitation_resend(c->d, c->a, c->user, &o, role, c->req->route_args[1]);
	if (e != ERR_OK) {
		web_api_fail(c, e);
		return;
	}
	if (email == NULL ||
	    (v = find_open(c, &o, role, NULL, email, &e)) == NULL) {
		web_api_fail(c, ERR_INTERNAL);
		return;
	}
	web_api_send(c, 200, invitation_json(v));
}
