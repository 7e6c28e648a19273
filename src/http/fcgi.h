/*
 * The FastCGI accept loop of one worker process (libfcgi's fcgiapp).
 * Each request is read into a struct request drawn from the worker's arena,
 * handed to the handler, serialized and written in one go; then the arena
 * is reset.
 */
#ifndef ROSTER_HTTP_FCGI_H
#define ROSTER_HTTP_FCGI_H

#include <signal.h>

#include "http/http.h"

struct arena;

/*
 * Called once per request. It fills res and never writes to the wire
 * itself. parse_error is ERR_OK, or ERR_MALFORMED / ERR_TOO_LARGE when the
 * query, cookies or body could not be accepted (the handler then answers
 * 400 / 413 with a page; req holds what was parsed before the failure).
 */
typedef void (*fcgi_handler)(void *ctx, struct request *req,
    enum err parse_error, struct response *res);

/*
 * Serves requests on listen_fd until *stop becomes non-zero (checked
 * between requests; a blocked accept is interrupted by the signal that sets
 * it). For every request: reads CGI parameters and at most HTTP_BODY_MAX
 * bytes of body, parses query, cookies and (for POST with an urlencoded
 * content type) the form, calls handler with parse_error ERR_OK,
 * ERR_MALFORMED or ERR_TOO_LARGE, writes the response, and resets a.
 * Returns 0 on a requested stop, -1 when the listening socket fails.
 */
int fcgi_serve(int listen_fd, struct arena *a, fcgi_handler handler,
    void *ctx, volatile sig_atomic_t *stop);

#endif
