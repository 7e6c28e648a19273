/*
 * Shared-memory metrics. One anonymous MAP_SHARED region, mapped before the
 * supervisor forks, holds every count; workers update it with relaxed
 * atomic adds (no locks, so a worker that dies mid-update blocks nobody)
 * and any worker reads it back for GET /metrics. Each worker also owns a
 * slot (claimed by compare-and-swap on its pid) where it writes its own
 * process figures, at most once a second. Only plain integers live in the
 * region: counter and route names stay in each process, which is
 * why every process must register the same tables.
 */
#include "util/metrics.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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

/* Figures of one worker process; pid 0 marks a free slot. */
struct metrics_slot {
	int32_t pid;
	uint64_t cpu_us;
	uint64_t rss_bytes;
	uint64_t fds;
};

struct metrics_region {
	uint64_t counters[METRICS_COUNTERS_MAX];
	/* [route][method][status - 100]; route METRICS_ROUTES_MAX counts
	 * unmatched requests. */
	uint64_t requests[METRICS_ROUTES_MAX + 1][METRICS_METHODS]
			 [METRICS_STATUSES];
	/*
	 * Per-bucket (not cumulative) counts, the last being unbounded;
	 * metrics_read adds them up, so their total is the request count.
	 */
	uint64_t buckets[METRICS_ROUTES_MAX + 1][METRICS_METHODS]
			[METRICS_BOUNDS + 1];
	uint64_t sum_us[METRICS_ROUTES_MAX + 1][METRICS_METHODS];
	struct metrics_slot workers[METRICS_WORKERS_MAX];
};

static struct metrics_region *metrics_shm;
static const struct metrics_region metrics_zero;
static const struct metrics_counter *metrics_table;
static int metrics_ncounters;
static const char *const *metrics_names;
static int metrics_nroutes; /* routes with a slot of their own */
static const char *metrics_unmatched = "unmatched";
static int metrics_slot = -1;  /* this worker's slot */
static time_t metrics_sampled; /* when it last wrote it (monotonic) */

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
metrics_request(int route, int method, int status, double seconds)
{
	uint64_t us;
	size_t b;

	if (metrics_shm == NULL)
		return;
	if (route < 0 || route >= metrics_nroutes)
		route = METRICS_ROUTES_MAX;
	if (method < 0 || method >= METRICS_METHODS)
		method = METRICS_METHODS - 1;
	if (status < METRICS_STATUS_MIN ||
	    status >= METRICS_STATUS_MIN + METRICS_STATUSES)
		status = 500;
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
	    &metrics_shm->requests[route][method][status - METRICS_STATUS_MIN],
	    1, __ATOMIC_RELAXED);
	__atomic_fetch_add(
	    &metrics_shm->sum_us[route][method], us, __ATOMIC_RELAXED);
	__atomic_fetch_add(
	    &metrics_shm->buckets[route][method][b], 1, __ATOMIC_RELAXED);
}

/* Whether the process of a slot still runs (or may: a process of another
 * user answers EPERM). */
static bool
metrics_alive(int32_t pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

int
metrics_worker_begin(void)
{
	const int32_t me = (int32_t)getpid();

	if (metrics_shm == NULL)
		return -1;
	/* The lowest slot that is free or whose worker died without
	 * freeing it, so that the labels stay small and a replacement takes
	 * over its predecessor's series (a counter reset). */
	for (int i = 0; i < METRICS_WORKERS_MAX && metrics_slot == -1; i++) {
		struct metrics_slot *w = &metrics_shm->workers[i];
		int32_t old = __atomic_load_n(&w->pid, __ATOMIC_RELAXED);

		if (old != 0 && metrics_alive(old))
			continue;
		if (__atomic_compare_exchange_n(&w->pid, &old, me, false,
			__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			metrics_slot = i;
	}
	if (metrics_slot == -1) {
		log_warn("metrics: no worker slot is free; this worker's "
			 "process figures are not reported");
		return -1;
	}
	metrics_worker_sample(true);
	return metrics_slot;
}

/* Open descriptors of this process, less the one that counts them. */
static uint64_t
metrics_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

void
metrics_worker_sample(bool force)
{
	struct metrics_slot *w;
	struct timespec now;
	unsigned long long ut = 0, st = 0;
	long long rss = 0;
	char buf[1024], *p;
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	size_t n;
	FILE *f;

	if (metrics_shm == NULL || metrics_slot == -1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && now.tv_sec == metrics_sampled)
		return;
	metrics_sampled = now.tv_sec;
	if ((f = fopen("/proc/self/stat", "r")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold anything: fields resume after its
	 * last ')'. utime and stime are fields 14 and 15, rss field 24. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1,
		" %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
		" %*d %*d %*d %*d %*d %*d %*u %*u %lld",
		&ut, &st, &rss) != 3)
		return;
	if (tick <= 0)
		tick = 100;
	w = &metrics_shm->workers[metrics_slot];
	__atomic_store_n(&w->cpu_us,
	    (uint64_t)((ut + st) * 1000000ULL / (unsigned long long)tick),
	    __ATOMIC_RELAXED);
	__atomic_store_n(&w->rss_bytes,
	    rss > 0 && page > 0 ? (uint64_t)rss * (uint64_t)page : 0,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&w->fds, metrics_fds(), __ATOMIC_RELAXED);
}

void
metrics_worker_end(void)
{
	struct metrics_slot *w;

	if (metrics_shm == NULL || metrics_slot == -1)
		return;
	w = &metrics_shm->workers[metrics_slot];
	__atomic_store_n(&w->cpu_us, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&w->rss_bytes, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&w->fds, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pid, 0, __ATOMIC_RELEASE);
	metrics_slot = -1;
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
	int i, m, st, b;

	r = metrics_shm != NULL ? metrics_shm : &metrics_zero;
	memset(s, 0, sizeof(*s));
	s->ncounters = metrics_ncounters;
	s->counters = metrics_table;
	for (i = 0; i < metrics_ncounters; i++)
		s->counts[i] = metrics_load(&r->counters[i]);

	/* The unmatched slot moves down to sit right after the last route. */
	memcpy(s->bounds_us, metrics_bounds, sizeof(s->bounds_us));
	s->nroutes = metrics_nroutes;
	for (i = 0; i <= metrics_nroutes; i++) {
		const int slot = i < metrics_nroutes ? i : METRICS_ROUTES_MAX;

		s->routes[i] =
		    i < metrics_nroutes ? metrics_names[i] : metrics_unmatched;
		for (m = 0; m < METRICS_METHODS; m++) {
			uint64_t total = 0;

			for (st = 0; st < METRICS_STATUSES; st++) {
				uint64_t n =
				    metrics_load(&r->requests[slot][m][st]);

				if (n == 0 || s->nseries == METRICS_SERIES_MAX)
					continue;
				s->series[s->nseries++] =
				    (struct metrics_series){ i, m,
					    st + METRICS_STATUS_MIN, n };
			}
			for (b = 0; b <= METRICS_BOUNDS; b++) {
				total += metrics_load(&r->buckets[slot][m][b]);
				s->at_most[i][m][b] = total;
			}
			s->sum_us[i][m] = metrics_load(&r->sum_us[slot][m]);
		}
	}

	for (i = 0; i < METRICS_WORKERS_MAX; i++) {
		const struct metrics_slot *w = &r->workers[i];
		struct metrics_worker *o = &s->workers[s->nworkers];

		if (!metrics_alive(__atomic_load_n(&w->pid, __ATOMIC_ACQUIRE)))
			continue;
		o->slot = i;
		o->cpu_us = metrics_load(&w->cpu_us);
		o->rss_bytes = metrics_load(&w->rss_bytes);
		o->fds = metrics_load(&w->fds);
		s->nworkers++;
	}
}
