/*
 * Counters and a latency histogram shared by all worker processes: one
 * anonymous shared mapping made by the supervisor before it forks, updated
 * with atomic adds, rendered in Prometheus text format by any worker.
 */
#ifndef ROSTER_UTIL_METRICS_H
#define ROSTER_UTIL_METRICS_H

#include <stdint.h>

struct buf;

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

/* Maps the shared region; call once in the supervisor before forking.
 * Returns 0, or -1 (logged). */
int metrics_init(void);

/* Adds n to a counter. A no-op before metrics_init(). */
void metrics_add(enum counter c, uint64_t n);

/*
 * Records one request: its route name (an index below nroutes, or nroutes
 * for "unmatched"), status class, and latency. route_names has nroutes+1
 * entries, the last naming unmatched requests.
 */
void metrics_request(int route, int status, double seconds);

/* Sets the route names used by metrics_request and metrics_render; the
 * array must outlive the process. */
void metrics_routes(const char *const *names, int nroutes);

/* Appends the Prometheus exposition of every counter to out. */
void metrics_render(struct buf *out);

#endif
