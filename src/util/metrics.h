/*
 * Counters and a latency histogram shared by all worker processes: one
 * anonymous shared mapping made by the supervisor before it forks, updated
 * with atomic adds, rendered in Prometheus text format by any worker.
 */
#ifndef ROSTER_UTIL_METRICS_H
#define ROSTER_UTIL_METRICS_H

#include <stdint.h>

struct buf;

/* Routes metrics_routes() can name; one more slot counts unmatched ones. */
#define METRICS_ROUTES_MAX 64

enum counter {
	C_INVITATIONS_CREATED,
	C_INVITATIONS_ACCEPTED,
	C_INVITATIONS_REVOKED,
	C_INVITATIONS_DECLINED,
	C_INVITATIONS_RATE_LIMITED,
	C_RATE_LIMITER_FAILURES,
	C_EMAILS_QUEUED,
	C_LOGIN_FAILURES,
	C_DB_RECONNECTS,
	C_TX_RETRIES,
	C__MAX
};

/*
 * Maps the shared region; call once in the supervisor before forking.
 * A second call keeps the region already mapped. Returns 0, or -1 (logged).
 */
int metrics_init(void);

/* Adds n to a counter. A no-op before metrics_init() or for a c that is
 * not a counter. */
void metrics_add(enum counter c, uint64_t n);

/*
 * Records one request: its route name (an index below nroutes, or nroutes
 * for "unmatched"), status class, and latency. route_names has nroutes+1
 * entries, the last naming unmatched requests. Any other route index counts
 * as unmatched; a status outside 100..599 counts as 5xx (no valid answer
 * was given); a negative or NaN latency counts as 0. A no-op before
 * metrics_init().
 */
void metrics_request(int route, int status, double seconds);

/*
 * Sets the route names used by metrics_request and metrics_render; the
 * array must outlive the process. Routes past METRICS_ROUTES_MAX (logged)
 * count as unmatched. Every process must set the same table: the counts
 * are shared by index, the names are not.
 */
void metrics_routes(const char *const *names, int nroutes);

/*
 * Appends the Prometheus text exposition (version 0.0.4) to out: every
 * counter, the non-zero request counts by route and status class, and the
 * latency histogram. Before metrics_init() everything reads as zero.
 */
void metrics_render(struct buf *out);

#endif
