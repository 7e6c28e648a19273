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
typedef void (*http_fcgi_handler)(
    void *ctx, struct request *req, enum err parse_error, struct response *res);

/*
 * Serves requests on listen_fd until *stop becomes non-zero (checked
 * between requests; a blocked accept is interrupted by the signal that sets
 * it). For every request: reads CGI parameters and at most HTTP_BODY_MAX
 * bytes of body, parses query, cookies and (for POST with an urlencoded
 * content type) the form, calls handler with parse_error ERR_OK,
 * ERR_MALFORMED or ERR_TOO_LARGE, writes the response, and resets a.
 * Returns 0 on a requested stop, -1 when the listening socket fails.
 *
 * What the request holds: method from REQUEST_METHOD (GET, HEAD, POST,
 * anything else METHOD__MAX, which the handler answers 405); path and
 * query from REQUEST_URI split at the first '?' (DOCUMENT_URI and
 * QUERY_STRING are ignored; a target not starting with '/' or holding
 * control characters is ERR_MALFORMED); a CONTENT_LENGTH over
 * HTTP_BODY_MAX is ERR_TOO_LARGE and the body is not read, a bad one or a
 * short body ERR_MALFORMED. A POST whose content type is not urlencoded
 * leaves form empty (the handler answers 415 if it wanted one). HEAD
 * responses are sent without their body. One line per request is logged:
 * method, path (never the query string), status, milliseconds.
 *
 * The caller's stop signal handler sets *stop, should call
 * FCGX_ShutdownPending(), and must close the process's copy of listen_fd:
 * an accept(2) entered after the signal, or restarted by the kernel (the
 * supervisor installs the handler with SA_RESTART, so that a request being
 * read or written is not cut short by EINTR), then fails at once with
 * EBADF and the loop returns 0. See src/sup/sup.c and fcgi.c for libfcgi's
 * behaviour. Other signals that interrupt accept are retried.
 */
int http_fcgi_serve(int listen_fd, struct arena *a, http_fcgi_handler handler,
    void *ctx, volatile sig_atomic_t *stop);

#endif
