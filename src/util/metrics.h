/*
 * Counters and a latency histogram shared by all worker processes: one
 * anonymous shared mapping made by the supervisor before it forks, updated
 * with atomic adds, read back as a snapshot by any worker. The module knows
 * no counter or route by name: the program registers its tables at setup,
 * and the counts are shared by index.
 */
#ifndef ROSTER_UTIL_METRICS_H
#define ROSTER_UTIL_METRICS_H

#include <stdint.h>

/* Counter slots metrics_counters() can name. */
#define METRICS_COUNTERS_MAX 32
/* Routes metrics_routes() can name; one more slot counts unmatched ones. */
#define METRICS_ROUTES_MAX 64
/* Status classes 1xx..5xx. */
#define METRICS_CLASSES 5
/* Upper bounds of the latency histogram; one more bucket is unbounded. */
#define METRICS_BOUNDS 12

/* A counter's name and one line of help, for whoever exposes it. */
struct metrics_counter {
	const char *name;
	const char *help;
};

/* Every count at one moment, with the names registered in this process. */
struct metrics_snapshot {
	int ncounters;
	const struct metrics_counter *counters; /* ncounters entries */
	uint64_t counts[METRICS_COUNTERS_MAX];  /* by counter index */
	int nroutes;                            /* routes counted apart */
	/* routes[nroutes] names the unmatched requests. */
	const char *routes[METRICS_ROUTES_MAX + 1];
	/* [route][class]: requests[r][0] are 1xx, ..., [r][4] are 5xx. */
	uint64_t requests[METRICS_ROUTES_MAX + 1][METRICS_CLASSES];
	uint64_t bounds_us[METRICS_BOUNDS]; /* inclusive, in microseconds */
	/*
	 * at_most[b]: requests that took at most bounds_us[b]; the last,
	 * at_most[METRICS_BOUNDS], counts every request.
	 */
	uint64_t at_most[METRICS_BOUNDS + 1];
	uint64_t sum_us; /* total latency, in microseconds */
};

/*
 * Maps the shared region; call once in the supervisor before forking.
 * A second call keeps the region already mapped. Returns 0, or -1 (logged).
 */
int metrics_init(void);

/*
 * Names the counters: index i of metrics_add is table[i]. The table must
 * outlive the process. Entries past METRICS_COUNTERS_MAX (logged) are
 * ignored. Every process must register the same table, at setup: the
 * counts are shared by index, the names are not.
 */
void metrics_counters(const struct metrics_counter *table, int n);

/* Adds n to counter index. A no-op before metrics_init() or for an index
 * outside the registered table. */
void metrics_add(int index, uint64_t n);

/*
 * Records one request: its route (an index below nroutes, or nroutes for
 * "unmatched"), status class, and latency. Any other route index counts
 * as unmatched; a status outside 100..599 counts as 5xx (no valid answer
 * was given); a negative or NaN latency counts as 0. A no-op before
 * metrics_init().
 */
void metrics_request(int route, int status, double seconds);

/*
 * Names the routes of metrics_request: names has nroutes+1 entries, the
 * last naming unmatched requests, and must outlive the process. Routes
 * past METRICS_ROUTES_MAX (logged) count as unmatched; a NULL table counts
 * everything as "unmatched". Every process must set the same table: the
 * counts are shared by index, the names are not.
 */
void metrics_routes(const char *const *names, int nroutes);

/*
 * Fills *s with the registered names and the current counts (each read
 * atomically, not all at one instant). Before metrics_init() every count
 * reads as zero.
 */
void metrics_read(struct metrics_snapshot *s);

#endif
