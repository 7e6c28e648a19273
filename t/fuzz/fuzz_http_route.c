/*
 * Fuzz harness for src/http/http_route.c: arbitrary methods and raw paths
 * against a route table shaped like the application's (literal routes
 * before ":name" routes, up to four arguments). On ROUTE_FOUND every
 * argument must be one segment of 1 to 100 bytes of [A-Za-z0-9_.-], never
 * "." or "..", and the matched route must accept the method.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_route.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct route fuzz_routes[] = {
	{ METHOD_GET, "/" },
	{ METHOD_GET, "/login" },
	{ METHOD_POST, "/login" },
	{ METHOD_POST, "/orgs" },
	{ METHOD_GET, "/orgs/new" },
	{ METHOD_GET, "/orgs/:slug" },
	{ METHOD_POST, "/orgs/:slug/invitations/:id/revoke" },
	{ METHOD_POST, "/orgs/:slug/members/:user/role" },
	{ METHOD_GET, "/invitations/accept" },
	{ METHOD_POST, "/invitations/accept" },
	{ METHOD_GET, "/invitations/:id" },
	{ METHOD_GET, "/join/:slug" },
	{ METHOD_GET, "/w/:a/:b/:c/:d" },
	{ METHOD_GET, "/healthz" },
};
static const int fuzz_nroutes = sizeof(fuzz_routes) / sizeof(fuzz_routes[0]);

static struct arena *fuzz_arena;

static void
fuzz_check_arg(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 100 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '.' ||
			c == '-'))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req;
	int index = -2;

	if (size < 1)
		return 0;
	if (fuzz_arena == NULL)
		fuzz_arena = arena_new(0);
	memset(&req, 0, sizeof(req));
	req.arena = fuzz_arena;
	req.method = (enum method)(data[0] % (METHOD__MAX + 1));
	char *path = malloc(size);
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	req.path = path;

	enum route_match m =
	    http_route_find(fuzz_routes, fuzz_nroutes, &req, &index);
	if (m == ROUTE_FOUND) {
		if (index < 0 || index >= fuzz_nroutes || req.route != index)
			abort();
		enum method rm = fuzz_routes[index].method;
		if (!(rm == req.method ||
			(rm == METHOD_GET && req.method == METHOD_HEAD)))
			abort();
		for (int i = 0; i < 4 && req.route_args[i]; i++)
			fuzz_check_arg(req.route_args[i]);
		if (path[0] != '/')
			abort();
	} else {
		if (index != -2 || req.route != -1)
			abort();
	}
	free(path);
	arena_reset(fuzz_arena);
	return 0;
}
