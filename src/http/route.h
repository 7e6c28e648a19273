/*
 * The route table: method + path pattern → handler index. Patterns are
 * literal segments and ":name" segments matching one non-empty segment of
 * [A-Za-z0-9_-] (at most 4 per pattern).
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
 * Finds the route for req->method and req->path among n routes. On
 * ROUTE_FOUND writes the index to *index and fills req->route_args.
 */
enum route_match route_find(const struct route *routes, int n,
    struct request *req, int *index);

#endif
