/*
 * Shared-memory metrics. One anonymous MAP_SHARED region, mapped before the
 * supervisor forks, holds every count; workers update it with relaxed
 * atomic adds (no locks, so a worker that dies mid-update blocks nobody)
 * and any worker reads it back for GET /metrics. Only plain integers live
 * in the region: counter and route names stay in each process, which is
 * why every process must register the same tables.
 */
#include "util/metrics.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "util/log.h"

/* Histogram upper bounds in microseconds; the last bucket is unbounded. */
static const uint64_t metrics_bounds[METRICS_BOUNDS] = {
	1000,
	2500,
	5000,
	10000,
	25000,
	50000,
	100000,
	250000,
	500000,
	1000000,
	2500000,
	5000000,
};

/* Latencies above this (about 11.6 days) are recorded as this. */
#define METRICS_MAX_US 1e12

struct metrics_region {
	uint64_t counters[METRICS_COUNTERS_MAX];
	/* [route][class]; slot METRICS_ROUTES_MAX counts unmatched. */
	uint64_t requests[METRICS_ROUTES_MAX + 1][METRICS_CLASSES];
	/*
	 * Per-bucket (not cumulative) counts, the last being unbounded;
	 * metrics_read adds them up, so their total is the request count.
	 */
	uint64_t buckets[METRICS_BOUNDS + 1];
	uint64_t sum_us;
};

static struct metrics_region *metrics_shm;
static const struct metrics_region metrics_zero;
static const struct metrics_counter *metrics_table;
static int metrics_ncounters;
static const char *const *metrics_names;
static int metrics_nroutes; /* routes with a slot of their own */
static const char *metrics_unmatched = "unmatched";

int
metrics_init(void)
{
	void *p;

	if (metrics_shm != NULL)
		return 0;
	p = mmap(NULL, sizeof(*metrics_shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_err("metrics: mmap: %s", strerror(errno));
		return -1;
	}
	metrics_shm = p;
	return 0;
}

void
metrics_counters(const struct metrics_counter *table, int n)
{
	if (table == NULL || n < 0)
		n = 0;
	if (n > METRICS_COUNTERS_MAX) {
		log_warn("metrics: %d counters, only %d are counted", n,
		    METRICS_COUNTERS_MAX);
		n = METRICS_COUNTERS_MAX;
	}
	metrics_table = table;
	metrics_ncounters = n;
}

void
metrics_add(int index, uint64_t n)
{
	if (metrics_shm == NULL || index < 0 || index >= metrics_ncounters)
		return;
	__atomic_fetch_add(&metrics_shm->counters[index], n, __ATOMIC_RELAXED);
}

void
metrics_routes(const char *const *names, int nroutes)
{
	if (names == NULL || nroutes < 0)
		nroutes = 0;
	metrics_names = names;
	metrics_unmatched = names != NULL ? names[nroutes] : "unmatched";
	if (nroutes > METRICS_ROUTES_MAX) {
		log_warn("metrics: %d routes, only %d are counted apart",
		    nroutes, METRICS_ROUTES_MAX);
		nroutes = METRICS_ROUTES_MAX;
	}
	metrics_nroutes = nroutes;
}

void
metrics_request(int route, int status, double seconds)
{
	uint64_t us;
	size_t b;
	int cls;

	if (metrics_shm == NULL)
		return;
	if (route < 0 || route >= metrics_nroutes)
		route = METRICS_ROUTES_MAX;
	cls = status >= 100 && status <= 599 ? status / 100 - 1 : 4;
	/* Written so that NaN also lands on 0. */
	if (!(seconds > 0))
		seconds = 0;
	if (seconds * 1e6 > METRICS_MAX_US)
		seconds = METRICS_MAX_US / 1e6;
	us = (uint64_t)(seconds * 1e6 + 0.5);

	for (b = 0; b < METRICS_BOUNDS; b++)
		if (us <= metrics_bounds[b])
			break;
	__atomic_fetch_add(
	    &metrics_shm->requests[route][cls], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&metrics_shm->sum_us, us, __ATOMIC_RELAXED);
	__atomic_fetch_add(&metrics_shm->buckets[b], 1, __ATOMIC_RELAXED);
}

static uint64_t
metrics_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
metrics_read(struct metrics_snapshot *s)
{
	const struct metrics_region *r;
	uint64_t total = 0;
	int i, c, b;

	r = metrics_shm != NULL ? metrics_shm : &metrics_zero;
	memset(s, 0, sizeof(*s));
	s->ncounters = metrics_ncounters;
	s->counters = metrics_table;
	for (i = 0; i < metrics_ncounters; i++)
		s->counts[i] = metrics_load(&r->counters[i]);

	/* The unmatched slot moves down to sit right after the last route. */
	s->nroutes = metrics_nroutes;
	for (i = 0; i <= metrics_nroutes; i++) {
		const int slot = i < metrics_nroutes ? i : METRICS_ROUTES_MAX;

		s->routes[i] =
		    i < metrics_nroutes ? metrics_names[i] : metrics_unmatched;
		for (c = 0; c < METRICS_CLASSES; c++)
			s->requests[i][c] = metrics_load(&r->requests[slot][c]);
	}

	memcpy(s->bounds_us, metrics_bounds, sizeof(s->bounds_us));
	for (b = 0; b <= METRICS_BOUNDS; b++) {
		total += metrics_load(&r->buckets[b]);
		s->at_most[b] = total;
	}
	s->sum_us = metrics_load(&r->sum_us);
}
