/*
 * Counters, request counts and latency histograms shared by all worker
 * processes: one anonymous shared mapping made by the supervisor before it
 * forks, updated with atomic adds, read back as a snapshot by any worker.
 * The module knows no counter, route or method by name: the program
 * registers its tables at setup, and the counts are shared by index. Each
 * worker also keeps a slot of its own with its process figures (CPU time,
 * resident memory, open descriptors), read from /proc/self.
 */
#ifndef ROSTER_UTIL_METRICS_H
#define ROSTER_UTIL_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Counter slots metrics_counters() can name. */
#define METRICS_COUNTERS_MAX 32
/* Routes metrics_routes() can name; one more slot counts unmatched ones. */
#define METRICS_ROUTES_MAX 96
/* Method indices metrics_request() counts apart; others share the last. */
#define METRICS_METHODS 4
/* Status codes 100..599 are counted apart. */
#define METRICS_STATUS_MIN 100
#define METRICS_STATUSES   500
/* Upper bounds of the latency histograms; one more bucket is unbounded. */
#define METRICS_BOUNDS 12
/* Non-zero (route, method, status) series a snapshot holds. */
#define METRICS_SERIES_MAX 1024
/* Worker slots: two generations of the largest ROSTER_WORKERS. */
#define METRICS_WORKERS_MAX 512

/* A counter's name and one line of help, for whoever exposes it. */
struct metrics_counter {
	const char *name;
	const char *help;
};

/* The requests of one route, method and status. */
struct metrics_series {
	int route;  /* index into routes[] */
	int method; /* 0..METRICS_METHODS-1 */
	int status; /* 100..599 */
	uint64_t n;
};

/* One live worker's figures, as it last wrote them. */
struct metrics_worker {
	int slot;           /* 0..METRICS_WORKERS_MAX-1 */
	uint64_t cpu_us;    /* user + system CPU time */
	uint64_t rss_bytes; /* resident set */
	uint64_t fds;       /* open file descriptors */
};

/* Every count at one moment, with the names registered in this process. */
struct metrics_snapshot {
	int ncounters;
	const struct metrics_counter *counters; /* ncounters entries */
	uint64_t counts[METRICS_COUNTERS_MAX];  /* by counter index */
	int nroutes;                            /* routes counted apart */
	/* routes[nroutes] names the unmatched requests. */
	const char *routes[METRICS_ROUTES_MAX + 1];
	/* The non-zero request counts, by route, then method, then status. */
	int nseries;
	struct metrics_series series[METRICS_SERIES_MAX];
	uint64_t bounds_us[METRICS_BOUNDS]; /* inclusive, in microseconds */
	/*
	 * at_most[r][m][b]: requests of route r and method m that took at
	 * most bounds_us[b]; at_most[r][m][METRICS_BOUNDS] counts them all.
	 */
	uint64_t at_most[METRICS_ROUTES_MAX + 1][METRICS_METHODS]
			[METRICS_BOUNDS + 1];
	/* total latency of route r and method m, in microseconds */
	uint64_t sum_us[METRICS_ROUTES_MAX + 1][METRICS_METHODS];
	int nworkers;
	struct metrics_worker workers[METRICS_WORKERS_MAX]; /* by slot */
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
 * "unmatched"), method index, status and latency. Any other route index
 * counts as unmatched, a method outside 0..METRICS_METHODS-1 as the last;
 * a status outside 100..599 counts as 500 (no valid answer was given); a
 * negative or NaN latency counts as 0. A no-op before metrics_init().
 */
void metrics_request(int route, int method, int status, double seconds);

/*
 * Names the routes of metrics_request: names has nroutes+1 entries, the
 * last naming unmatched requests, and must outlive the process. Routes
 * past METRICS_ROUTES_MAX (logged) count as unmatched; a NULL table counts
 * everything as "unmatched". Every process must set the same table: the
 * counts are shared by index, the names are not.
 */
void metrics_routes(const char *const *names, int nroutes);

/*
 * Claims a worker slot for the calling process (the lowest that is free
 * or whose process is gone) and fills it; call in each worker after the fork.
 * Returns the slot, or -1 when none is free (logged; the worker then
 * reports no figures).
 */
int metrics_worker_begin(void);

/*
 * Refreshes the calling worker's slot from /proc/self: always when force,
 * else at most once a second. A no-op without a slot.
 */
void metrics_worker_sample(bool force);

/* Frees the calling worker's slot; call when the worker stops. */
void metrics_worker_end(void);

/*
 * Fills *s with the registered names and the current counts (each read
 * atomically, not all at one instant), and the figures of the workers
 * whose process still runs. Before metrics_init() every count reads as
 * zero and there are no workers.
 */
void metrics_read(struct metrics_snapshot *s);

#endif
