/*
 * Unit tests of src/util/metrics.c through its snapshot: everything reads
 * as zero before metrics_init, counters are named by the table the caller
 * registers (and an index outside it counts nothing), request counts by
 * route, method and status code with every fallback (unknown route, bad
 * method, bad status, negative, NaN and huge latencies), the cumulative
 * histogram of each route and method, route and counter tables past their
 * limits, counts made by forked processes seen by their parent, and the
 * worker slots (claimed, sampled, freed, a dead worker's not listed
 * and taken over).
 * The text exposition is tested in t/web/web_ops.t.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "util/metrics.h"

enum fruit { APPLES, PEARS, PLUMS, FRUIT__MAX };

static const struct metrics_counter fruit[FRUIT__MAX + 1] = {
	[APPLES] = { "apples", "Apples." },
	[PEARS] = { "pears", "Pears." },
	[PLUMS] = { "plums", "Plums." },
	[FRUIT__MAX] = { "figs", "Registered later, to show its slot." },
};

/* Fills one static snapshot; each test reads the latest. */
static struct metrics_snapshot *
snap(void)
{
	static struct metrics_snapshot s;

	metrics_read(&s);
	return &s;
}

/* Requests of route r, method m and status st in s. */
static uint64_t
count(const struct metrics_snapshot *s, int r, int m, int st)
{
	for (int i = 0; i < s->nseries; i++)
		if (s->series[i].route == r && s->series[i].method == m &&
		    s->series[i].status == st)
			return s->series[i].n;
	return 0;
}

/* Requests counted by every histogram. */
static uint64_t
total(const struct metrics_snapshot *s)
{
	uint64_t n = 0;

	for (int r = 0; r <= METRICS_ROUTES_MAX; r++)
		for (int m = 0; m < METRICS_METHODS; m++)
			n += s->at_most[r][m][METRICS_BOUNDS];
	return n;
}

/* Latency of every request, in microseconds. */
static uint64_t
sum(const struct metrics_snapshot *s)
{
	uint64_t n = 0;

	for (int r = 0; r <= METRICS_ROUTES_MAX; r++)
		for (int m = 0; m < METRICS_METHODS; m++)
			n += s->sum_us[r][m];
	return n;
}

static void
test_before_init(void)
{
	static const uint64_t bounds[METRICS_BOUNDS] = { 1000, 2500, 5000,
		10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
		5000000 };
	struct metrics_snapshot *s;
	uint64_t any = 0;
	int i;

	metrics_counters(fruit, FRUIT__MAX);
	/* Both are no-ops before the region exists. */
	metrics_add(APPLES, 5);
	metrics_request(0, 0, 200, 0.1);
	s = snap();
	ok(s->counters == fruit && s->ncounters == FRUIT__MAX,
	    "before init: the registered counter table");
	ok(s->nroutes == 0 && strcmp(s->routes[0], "unmatched") == 0,
	    "before init: no routes, the unmatched slot named \"unmatched\"");
	for (i = 0; i < METRICS_COUNTERS_MAX; i++)
		any |= s->counts[i];
	is_int(0,
	    (long long)(any | total(s) | sum(s) | (uint64_t)s->nseries |
		(uint64_t)s->nworkers),
	    "before init: all zero");
	ok(memcmp(bounds, s->bounds_us, sizeof(bounds)) == 0,
	    "the histogram's bounds, 1 ms to 5 s");

	is_int(0, metrics_init(), "metrics_init");
	is_int(0, metrics_init(), "a second metrics_init keeps the region");
	s = snap();
	is_int(
	    0, (long long)s->counts[APPLES], "adds before init were not kept");
	is_int(0, (long long)total(s), "requests before init were not kept");
}

static void
test_counters(void)
{
	static struct metrics_counter big[METRICS_COUNTERS_MAX + 3];
	struct metrics_snapshot *s;

	metrics_add(APPLES, 2);
	metrics_add(APPLES, 1);
	metrics_add(PLUMS, 5);
	metrics_add(FRUIT__MAX, 7); /* past the table */
	metrics_add(-1, 7);
	metrics_add(METRICS_COUNTERS_MAX, 7);
	s = snap();
	is_int(3, (long long)s->counts[APPLES], "adds to one counter sum up");
	is_int(0, (long long)s->counts[PEARS], "a counter not added to is 0");
	is_int(5, (long long)s->counts[PLUMS], "counts are kept by index");
	is_int(0, (long long)s->counts[FRUIT__MAX],
	    "the snapshot shows nothing past the table");

	metrics_counters(fruit, FRUIT__MAX + 1);
	s = snap();
	is_int(FRUIT__MAX + 1, s->ncounters, "a longer table names one more");
	is_int(0, (long long)s->counts[FRUIT__MAX],
	    "an add past the old table counted nothing");
	is_int(3, (long long)s->counts[APPLES],
	    "the counts stay with their index");

	metrics_counters(big, METRICS_COUNTERS_MAX + 3);
	metrics_add(METRICS_COUNTERS_MAX - 1, 4);
	metrics_add(METRICS_COUNTERS_MAX + 1, 4);
	s = snap();
	is_int(METRICS_COUNTERS_MAX, s->ncounters,
	    "a table past METRICS_COUNTERS_MAX is cut to the slots");
	is_int(4, (long long)s->counts[METRICS_COUNTERS_MAX - 1],
	    "the last slot counts");

	metrics_counters(NULL, 3);
	metrics_add(APPLES, 1);
	is_int(0, snap()->ncounters, "a NULL table names no counter");
	metrics_counters(fruit, FRUIT__MAX);
	is_int(3, (long long)snap()->counts[APPLES],
	    "and without a table adds count nothing");
}

static void
test_requests(void)
{
	static const char *const names[] = {
		"home",
		"org_show",
		"we\"ird\\na\nme",
		"unmatched",
	};
	static const uint64_t at_most[METRICS_BOUNDS + 1] = { 2, 2, 3, 3, 3, 3,
		3, 3, 3, 3, 3, 3, 3 };
	struct metrics_snapshot *s;

	metrics_routes(names, 3);
	metrics_request(0, 0, 200, 0.0005);
	metrics_request(0, 0, 204, 0.001); /* on a bound: inclusive */
	metrics_request(0, 0, 302, 0.003);
	metrics_request(0, 2, 302, 0.02); /* same route, another method */
	metrics_request(1, 0, 404, 0.02);
	metrics_request(2, 2, 500, 0.7);
	metrics_request(3, 1, 404, 6.0);  /* nroutes: unmatched */
	metrics_request(99, 0, 200, NAN); /* unknown route, NaN: 0 s */
	metrics_request(-1, 9, 0, -2.0);  /* bad method: last; bad status */
	metrics_request(1, -1, 600, 0.0); /* bad method, bad status: 500 */

	s = snap();
	is_int(3, s->nroutes, "three routes counted apart");
	ok(strcmp(s->routes[1], "org_show") == 0 &&
		strcmp(s->routes[3], "unmatched") == 0,
	    "routes named by the table, the last one unmatched");
	ok(count(s, 0, 0, 200) == 1 && count(s, 0, 0, 204) == 1 &&
		count(s, 0, 0, 302) == 1 && count(s, 0, 2, 302) == 1,
	    "requests by route, method and real status code");
	ok(count(s, 1, 0, 404) == 1 && count(s, 2, 2, 500) == 1 &&
		count(s, 3, 1, 404) == 1 && count(s, 3, 0, 200) == 1,
	    "unknown routes count as unmatched");
	ok(count(s, 3, METRICS_METHODS - 1, 500) == 1 &&
		count(s, 1, METRICS_METHODS - 1, 500) == 1,
	    "a bad method counts as the last, a bad status as 500");
	is_int(10, s->nseries, "only non-zero series are listed");
	ok(memcmp(at_most, s->at_most[0][0], sizeof(at_most)) == 0,
	    "the histogram of one route and method is cumulative, bounds "
	    "inclusive");
	is_int(20000, (long long)s->sum_us[0][2],
	    "each route and method has its own sum");
	is_int(6744500, (long long)sum(s), "latencies sum up in us");
}

static void
test_limits(void)
{
	static const char *names[METRICS_ROUTES_MAX + 7];
	static char store[METRICS_ROUTES_MAX + 7][16];
	struct metrics_snapshot *s;
	long long all, bounded, sum_before;
	int i;

	for (i = 0; i < METRICS_ROUTES_MAX + 6; i++) {
		snprintf(store[i], sizeof(store[i]), "r%d", i);
		names[i] = store[i];
	}
	names[METRICS_ROUTES_MAX + 6] = "none";
	metrics_routes(names, METRICS_ROUTES_MAX + 6);
	metrics_request(METRICS_ROUTES_MAX - 1, 0, 201, 0.0);
	metrics_request(METRICS_ROUTES_MAX + 2, 0, 201, 0.0);
	s = snap();
	is_int(METRICS_ROUTES_MAX, s->nroutes,
	    "routes past METRICS_ROUTES_MAX are not counted apart");
	is_string("none", s->routes[METRICS_ROUTES_MAX],
	    "the unmatched slot keeps the table's last name");
	is_int(1, (long long)count(s, METRICS_ROUTES_MAX - 1, 0, 201),
	    "the last route with a slot counts apart");
	is_int(1, (long long)count(s, METRICS_ROUTES_MAX, 0, 201),
	    "a route past the limit counts as unmatched");
	is_int(1, (long long)count(s, METRICS_ROUTES_MAX, 0, 200),
	    "earlier unmatched counts keep their slot");
	all = (long long)total(s);
	bounded = (long long)s->at_most[0][0][METRICS_BOUNDS - 1];
	sum_before = (long long)sum(s);

	/* A latency far past every bound: unbounded, and the sum capped. */
	metrics_request(0, 0, 200, 1e300);
	s = snap();
	is_int(all + 1, (long long)total(s), "a huge latency is counted");
	is_int(bounded, (long long)s->at_most[0][0][METRICS_BOUNDS - 1],
	    "but in no bounded bucket");
	is_int(sum_before + 1000000000000LL, (long long)sum(s),
	    "a huge latency adds at most 10^6 s to the sum");

	metrics_routes(NULL, 5);
	metrics_request(2, 0, 200, 0.0);
	s = snap();
	ok(s->nroutes == 0 && strcmp(s->routes[0], "unmatched") == 0,
	    "without a route table all is unmatched");
	is_int(2, (long long)count(s, 0, 0, 200),
	    "and counts in the unmatched slot");
}

/* Worker slots: claimed, sampled from /proc/self, freed; a dead worker's
 * slot is not listed and is taken over. */
static void
test_workers(void)
{
	struct metrics_snapshot *s;
	int fd[2], slot, st, child_slot = -2;
	pid_t pid;

	/* A worker that dies without freeing its slot. */
	if (pipe(fd) == -1 || (pid = fork()) == -1) {
		ok(0, "pipe or fork");
		return;
	}
	if (pid == 0) {
		child_slot = metrics_worker_begin();
		_exit(write(fd[1], &child_slot, sizeof(child_slot)) ==
			    sizeof(child_slot)
			? 0
			: 1);
	}
	close(fd[1]);
	if (read(fd[0], &child_slot, sizeof(child_slot)) != sizeof(child_slot))
		child_slot = -3;
	close(fd[0]);
	(void)waitpid(pid, &st, 0);
	ok(child_slot >= 0, "a worker claims a slot");
	is_int(0, snap()->nworkers, "a dead worker's slot is not listed");

	slot = metrics_worker_begin();
	is_int(child_slot, slot, "a new worker takes over the dead one's slot");
	s = snap();
	ok(s->nworkers == 1 && s->workers[0].slot == slot,
	    "the live worker is listed under its slot");
	ok(s->workers[0].rss_bytes > 0 && s->workers[0].fds >= 3,
	    "with its resident memory and open descriptors");
	for (volatile unsigned long i = 0; i < 300000000UL; i++)
		;
	metrics_worker_sample(true);
	ok(snap()->workers[0].cpu_us > 0, "and its CPU time");
	metrics_worker_end();
	is_int(0, snap()->nworkers, "a freed slot is not listed");
	is_int(slot, metrics_worker_begin(), "a free slot is taken again");
	metrics_worker_end();
}

static void
test_fork(void)
{
	enum { CHILDREN = 3, ADDS = 20000 };
	pid_t pids[CHILDREN];
	long long before_q, before_n;
	int i, j, st, good = 0;

	before_q = (long long)snap()->counts[PEARS];
	before_n = (long long)total(snap());
	for (i = 0; i < CHILDREN; i++) {
		if ((pids[i] = fork()) == 0) {
			for (j = 0; j < ADDS; j++) {
				metrics_add(PEARS, 1);
				metrics_request(0, 0, 200, 0.001);
			}
			_exit(0);
		}
	}
	for (j = 0; j < ADDS; j++)
		metrics_add(PEARS, 1);
	for (i = 0; i < CHILDREN; i++)
		if (pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0)
			good++;
	is_int(CHILDREN, good, "children exited cleanly");
	is_int(before_q + (CHILDREN + 1) * ADDS,
	    (long long)snap()->counts[PEARS],
	    "concurrent adds of children and parent all count");
	is_int(before_n + CHILDREN * ADDS, (long long)total(snap()),
	    "children's requests are seen by the parent");
}

int
main(void)
{
	plan(49);
	test_before_init();
	test_counters();
	test_requests();
	test_limits();
	test_fork();
	test_workers();
	return 0;
}
