/*
 * Route matching: a request's method and raw path against a table of
 * patterns made of literal segments and ":name" segments. Matching is
 * exact, segment by segment, on the path as received (never decoded), so
 * "//", a trailing slash or an encoded slash simply match nothing.
 */
#include "http/http_route.h"

#include <string.h>

#include "util/arena.h"

#define ROUTE_ARGS_MAX                                                         \
	(sizeof(((struct request *)0)->route_args) /                           \
	    sizeof(((struct request *)0)->route_args[0]))
#define ROUTE_ARG_MAX 100 /* bytes of one ":name" segment */

static bool
is_arg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/*
 * Matches path against pattern. On a match returns true and writes the
 * start and length of each ":name" segment's value to args/lens.
 */
static bool
route_match(
    const char *pattern, const char *path, const char **args, size_t *lens)
{
	size_t nargs = 0;

	if (pattern[0] != '/' || path[0] != '/')
		return false;
	if (strcmp(pattern, "/") == 0)
		return strcmp(path, "/") == 0;

	while (*pattern == '/') {
		const char *pend, *send;
		size_t plen, slen, i;

		if (*path != '/')
			return false;
		pattern++;
		path++;
		pend = strchrnul(pattern, '/');
		send = strchrnul(path, '/');
		plen = (size_t)(pend - pattern);
		slen = (size_t)(send - path);
		if (slen == 0)
			return false;
		if (*pattern == ':') {
			if (nargs == ROUTE_ARGS_MAX || slen > ROUTE_ARG_MAX)
				return false;
			for (i = 0; i < slen; i++)
				if (!is_arg_char(path[i]))
					return false;
			/* "." and ".." are path syntax, never names. */
			if ((slen == 1 && path[0] == '.') ||
			    (slen == 2 && path[0] == '.' && path[1] == '.'))
				return false;
			args[nargs] = path;
			lens[nargs] = slen;
			nargs++;
		} else if (plen != slen || memcmp(pattern, path, slen) != 0)
			return false;
		pattern = pend;
		path = send;
	}
	return *pattern == '\0' && *path == '\0';
}

static bool
method_fits(enum method route, enum method req)
{
	if (req == METHOD__MAX)
		return false;
	return route == req || (route == METHOD_GET && req == METHOD_HEAD);
}

/*
 * Returns ROUTE_FOUND for the first route, in table order, whose pattern
 * matches req->path and whose method fits req->method (GET routes also
 * answer HEAD); then *index and req->route are the route's index and
 * req->route_args hold the ":name" values (arena copies, unused slots
 * NULL). Otherwise ROUTE_BAD_METHOD when some pattern matches the path,
 * else ROUTE_NOT_FOUND; req->route is then -1.
 */
enum route_match
http_route_find(
    const struct route *routes, int n, struct request *req, int *index)
{
	const char *args[ROUTE_ARGS_MAX];
	size_t lens[ROUTE_ARGS_MAX], k;
	bool path_matched = false;
	int i;

	req->route = -1;
	if (req->path == NULL)
		return ROUTE_NOT_FOUND;
	for (i = 0; i < n; i++) {
		memset(args, 0, sizeof(args));
		if (!route_match(routes[i].pattern, req->path, args, lens))
			continue;
		path_matched = true;
		if (!method_fits(routes[i].method, req->method))
			continue;
		for (k = 0; k < ROUTE_ARGS_MAX; k++)
			req->route_args[k] = args[k] == NULL
			    ? NULL
			    : arena_strndup(req->arena, args[k], lens[k]);
		req->route = i;
		*index = i;
		return ROUTE_FOUND;
	}
	return path_matched ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
