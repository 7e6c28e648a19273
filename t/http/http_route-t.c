/*
 * Tests for src/http/http_route.c: literal and ":name" segments, argument
 * extraction, 404 versus 405, HEAD on GET routes, and the paths that must
 * never match (empty segments, trailing slashes, long or odd segments).
 */
#include <stdio.h>
#include <string.h>

#include "http/http_route.h"
#include "tap.h"
#include "util/arena.h"

enum {
	R_HOME,
	R_LOGIN_GET,
	R_LOGIN_POST,
	R_ORGS_POST,
	R_ORGS_NEW,
	R_ORG,
	R_REVOKE,
	R_ROLE,
	R_ACCEPT_GET,
	R_ACCEPT_POST,
	R_INV_SHOW,
	R_JOIN,
	R_WIDE,
	R_HEALTH,
};

static const struct route routes[] = {
	[R_HOME] = { METHOD_GET, "/" },
	[R_LOGIN_GET] = { METHOD_GET, "/login" },
	[R_LOGIN_POST] = { METHOD_POST, "/login" },
	[R_ORGS_POST] = { METHOD_POST, "/orgs" },
	[R_ORGS_NEW] = { METHOD_GET, "/orgs/new" },
	[R_ORG] = { METHOD_GET, "/orgs/:slug" },
	[R_REVOKE] = { METHOD_POST, "/orgs/:slug/invitations/:id/revoke" },
	[R_ROLE] = { METHOD_POST, "/orgs/:slug/members/:user/role" },
	[R_ACCEPT_GET] = { METHOD_GET, "/invitations/accept" },
	[R_ACCEPT_POST] = { METHOD_POST, "/invitations/accept" },
	[R_INV_SHOW] = { METHOD_GET, "/invitations/:id" },
	[R_JOIN] = { METHOD_GET, "/join/:slug" },
	[R_WIDE] = { METHOD_GET, "/w/:a/:b/:c/:d" },
	[R_HEALTH] = { METHOD_GET, "/healthz" },
};
static const int nroutes = sizeof(routes) / sizeof(routes[0]);

static struct arena *A;
static struct request req;

static enum route_match
find(enum method m, const char *path, int *index)
{
	memset(&req, 0, sizeof(req));
	req.arena = A;
	req.method = m;
	req.path = path;
	*index = -2;
	return http_route_find(routes, nroutes, &req, index);
}

static void
found(enum method m, const char *path, int want, const char *what)
{
	int index;

	is_int(ROUTE_FOUND, find(m, path, &index), "%s: found", what);
	is_int(want, index, "%s: route index", what);
	is_int(want, req.route, "%s: req->route", what);
}

static void
not_found(enum method m, const char *path, const char *what)
{
	int index;

	is_int(ROUTE_NOT_FOUND, find(m, path, &index), "%s: 404", what);
	is_int(-2, index, "%s: index untouched", what);
	is_int(-1, req.route, "%s: req->route is -1", what);
}

static void
bad_method(enum method m, const char *path, const char *what)
{
	int index;

	is_int(ROUTE_BAD_METHOD, find(m, path, &index), "%s: 405", what);
	is_int(-1, req.route, "%s: req->route is -1", what);
}

static void
test_literals(void)
{
	found(METHOD_GET, "/", R_HOME, "GET /");
	found(METHOD_GET, "/login", R_LOGIN_GET, "GET /login");
	found(METHOD_POST, "/login", R_LOGIN_POST, "POST /login");
	found(METHOD_POST, "/orgs", R_ORGS_POST, "POST /orgs");
	found(METHOD_GET, "/healthz", R_HEALTH, "GET /healthz");
	found(METHOD_GET, "/orgs/new", R_ORGS_NEW,
	    "literal before :name in table order");
	found(METHOD_GET, "/invitations/accept", R_ACCEPT_GET,
	    "GET /invitations/accept is the literal route");
	found(METHOD_POST, "/invitations/accept", R_ACCEPT_POST,
	    "POST /invitations/accept is the literal route");
	not_found(METHOD_GET, "/nope", "unknown path");
	not_found(METHOD_GET, "/Login", "literals are case-sensitive");
	not_found(METHOD_GET, "/loginx", "no prefix match");
	not_found(METHOD_GET, "/log", "no partial match");
	not_found(METHOD_GET, "", "empty path");
	not_found(METHOD_GET, "login", "relative path");
}

static void
test_args(void)
{
	found(METHOD_GET, "/orgs/acme", R_ORG, "GET /orgs/:slug");
	is_string("acme", req.route_args[0], "slug extracted");
	ok(req.route_args[1] == NULL, "unused argument slots are NULL");

	found(METHOD_POST, "/orgs/acme-co/invitations/42/revoke", R_REVOKE,
	    "two arguments");
	is_string("acme-co", req.route_args[0], "first argument");
	is_string("42", req.route_args[1], "second argument");
	ok(req.route_args[2] == NULL, "third slot NULL");

	found(METHOD_POST, "/orgs/a_b/members/x.y-Z_9/role", R_ROLE,
	    "argument characters [A-Za-z0-9_.-]");
	is_string("x.y-Z_9", req.route_args[1], "dots, dashes, underscores");

	found(METHOD_GET, "/w/1/2/3/4", R_WIDE, "four arguments");
	is_string("1", req.route_args[0], "wide: first");
	is_string("4", req.route_args[3], "wide: fourth");

	found(METHOD_GET, "/invitations/17", R_INV_SHOW,
	    ":name after a literal sibling");
	is_string("17", req.route_args[0], "invitation id");

	found(METHOD_GET, "/join/confirm", R_JOIN,
	    "a word is a fine :name value");
}

static void
test_methods(void)
{
	found(METHOD_HEAD, "/", R_HOME, "HEAD / uses the GET route");
	found(METHOD_HEAD, "/orgs/acme", R_ORG, "HEAD on a :name GET route");
	is_string("acme", req.route_args[0], "HEAD gets the arguments");
	bad_method(METHOD_POST, "/", "POST / (GET only)");
	bad_method(METHOD_GET, "/orgs", "GET /orgs (POST only)");
	bad_method(METHOD_HEAD, "/orgs", "HEAD /orgs (POST only)");
	bad_method(METHOD_GET, "/orgs/acme/invitations/1/revoke",
	    "GET on a POST route with arguments");
	bad_method(METHOD__MAX, "/login", "unknown method on a known path");
	not_found(METHOD__MAX, "/nope", "unknown method on an unknown path");
	bad_method(METHOD_POST, "/healthz", "POST /healthz");
}

static void
test_rejects(void)
{
	char seg[128], path[160];

	not_found(METHOD_GET, "//", "\"//\" is not \"/\"");
	not_found(METHOD_GET, "/login/", "trailing slash");
	not_found(METHOD_GET, "/orgs/acme/", "trailing slash after :name");
	not_found(METHOD_GET, "//login", "leading empty segment");
	not_found(METHOD_GET, "/orgs//invitations/1/revoke",
	    "empty segment before a literal");
	bad_method(METHOD_GET, "/orgs", "\"/orgs\" has no GET route");
	not_found(METHOD_GET, "/orgs/", "empty :name segment");
	not_found(
	    METHOD_POST, "/orgs//invitations//revoke", "empty :name segments");
	not_found(METHOD_GET, "/orgs/acme/extra", "extra segment");
	not_found(METHOD_POST, "/orgs/acme/invitations/1", "missing segment");
	not_found(METHOD_GET, "/orgs/ac%2Fme", "percent in :name");
	not_found(METHOD_GET, "/orgs/ac me", "space in :name");
	not_found(METHOD_GET, "/orgs/ac\\me", "backslash in :name");
	not_found(METHOD_GET, "/orgs/caf\xc3\xa9", "non-ASCII in :name");
	not_found(METHOD_GET, "/orgs/a;b", "';' in :name");
	not_found(METHOD_GET, "/orgs/..", "\"..\" is not a :name");
	not_found(METHOD_GET, "/orgs/.", "\".\" is not a :name");
	found(METHOD_GET, "/orgs/...", R_ORG, "\"...\" is an ordinary value");

	memset(seg, 'a', 100);
	seg[100] = '\0';
	snprintf(path, sizeof(path), "/orgs/%s", seg);
	found(METHOD_GET, path, R_ORG, "a 100-byte segment matches");
	is_int(100, (long long)strlen(req.route_args[0]), "100 bytes copied");
	seg[100] = 'a';
	seg[101] = '\0';
	snprintf(path, sizeof(path), "/orgs/%s", seg);
	not_found(METHOD_GET, path, "a 101-byte segment does not match");
}

static void
test_arena_copies(void)
{
	char path[] = "/orgs/acme";

	found(METHOD_GET, path, R_ORG, "path in a writable buffer");
	path[6] = 'X';
	is_string("acme", req.route_args[0], "argument is a copy");
}

int
main(void)
{
	plan_lazy();
	A = arena_new(0);
	test_literals();
	test_args();
	test_methods();
	test_rejects();
	test_arena_copies();
	arena_free(A);
	return done_testing();
}
