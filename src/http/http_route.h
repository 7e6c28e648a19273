/*
 * The route table: method + path pattern → handler index. Patterns are
 * literal segments and ":name" segments matching one segment of 1 to 100
 * bytes of [A-Za-z0-9_.-], but never "." or ".." (at most 4 per pattern).
 * Matching is exact on the raw path: no decoding, no trailing-slash or
 * "//" tolerance; only the pattern "/" matches the path "/".
 *
 * The first route in table order whose pattern matches the path and whose
 * method fits wins. Order the table so that literal segments come before
 * ":name" segments that could match the same path ("/invitations/accept"
 * before "/invitations/:id"), and give each such literal path every method
 * it answers, or a method missing there falls through to the ":name" route.
 */
#ifndef ROSTER_HTTP_ROUTE_H
#define ROSTER_HTTP_ROUTE_H

#include "http/http.h"

struct route {
	enum method method; /* METHOD_GET also answers HEAD */
	const char *pattern;
};

enum route_match {
	ROUTE_FOUND,      /* *index and req->route_args set */
	ROUTE_NOT_FOUND,  /* no pattern matches the path */
	ROUTE_BAD_METHOD, /* a pattern matches, but not for this method */
};

/*
 * Finds the route for req->method and req->path among n routes (see the
 * ordering rule above; METHOD__MAX never fits, so an unknown method on a
 * known path is ROUTE_BAD_METHOD). On ROUTE_FOUND writes the index to
 * *index and req->route, and fills req->route_args in pattern order with
 * arena copies (req->arena), unused slots NULL. Otherwise req->route is -1
 * and *index is left alone.
 */
enum route_match http_route_find(
    const struct route *routes, int n, struct request *req, int *index);

#endif
