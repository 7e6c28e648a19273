/*
 * Unit tests of src/util/metrics.c through its snapshot: everything reads
 * as zero before metrics_init, counters are named by the table the caller
 * registers (and an index outside it counts nothing), request counts by
 * route and status class with every fallback (unknown route, bad status,
 * negative, NaN and huge latencies), the cumulative histogram, route and
 * counter tables past their limits, and counts made by forked processes
 * seen by their parent. The text exposition is tested in t/web/web_ops.t.
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
	metrics_request(0, 200, 0.1);
	s = snap();
	ok(s->counters == fruit && s->ncounters == FRUIT__MAX,
	    "before init: the registered counter table");
	ok(s->nroutes == 0 && strcmp(s->routes[0], "unmatched") == 0,
	    "before init: no routes, the unmatched slot named \"unmatched\"");
	for (i = 0; i < METRICS_COUNTERS_MAX; i++)
		any |= s->counts[i];
	for (i = 0; i <= METRICS_BOUNDS; i++)
		any |= s->at_most[i];
	for (i = 0; i < METRICS_CLASSES; i++)
		any |= s->requests[0][i];
	is_int(0, (long long)(any | s->sum_us), "before init: all zero");
	ok(memcmp(bounds, s->bounds_us, sizeof(bounds)) == 0,
	    "the histogram's bounds, 1 ms to 5 s");

	is_int(0, metrics_init(), "metrics_init");
	is_int(0, metrics_init(), "a second metrics_init keeps the region");
	s = snap();
	is_int(
	    0, (long long)s->counts[APPLES], "adds before init were not kept");
	is_int(0, (long long)s->at_most[METRICS_BOUNDS],
	    "requests before init were not kept");
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
	static const uint64_t at_most[METRICS_BOUNDS + 1] = { 5, 5, 6, 6, 7, 7,
		7, 7, 7, 8, 8, 8, 9 };
	struct metrics_snapshot *s;
	uint64_t want[4][METRICS_CLASSES] = { { 0 } };

	metrics_routes(names, 3);
	metrics_request(0, 200, 0.0005);
	metrics_request(0, 204, 0.001); /* on a bound: at most is inclusive */
	metrics_request(0, 302, 0.003);
	metrics_request(1, 404, 0.02);
	metrics_request(2, 500, 0.7);
	metrics_request(3, 404, 6.0);  /* nroutes: unmatched */
	metrics_request(99, 200, NAN); /* unknown route, NaN: 0 s */
	metrics_request(-1, 0, -2.0);  /* bad status: 5xx; negative: 0 */
	metrics_request(1, 600, 0.0);  /* bad status: 5xx */
	want[0][1] = 2;
	want[0][2] = 1;
	want[1][3] = 1;
	want[1][4] = 1;
	want[2][4] = 1;
	want[3][1] = 1;
	want[3][3] = 1;
	want[3][4] = 1;

	s = snap();
	is_int(3, s->nroutes, "three routes counted apart");
	ok(strcmp(s->routes[1], "org_show") == 0 &&
		strcmp(s->routes[3], "unmatched") == 0,
	    "routes named by the table, the last one unmatched");
	ok(memcmp(want, s->requests, sizeof(want)) == 0,
	    "requests by route and status class, with every fallback");
	ok(memcmp(at_most, s->at_most, sizeof(at_most)) == 0,
	    "the histogram is cumulative, bounds inclusive");
	is_int(6724500, (long long)s->sum_us, "latencies sum up in us");
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
	metrics_request(METRICS_ROUTES_MAX - 1, 201, 0.0);
	metrics_request(METRICS_ROUTES_MAX + 2, 201, 0.0);
	s = snap();
	is_int(METRICS_ROUTES_MAX, s->nroutes,
	    "routes past METRICS_ROUTES_MAX are not counted apart");
	is_string("none", s->routes[METRICS_ROUTES_MAX],
	    "the unmatched slot keeps the table's last name");
	is_int(1, (long long)s->requests[METRICS_ROUTES_MAX - 1][1],
	    "the last route with a slot counts apart");
	/* One unmatched 2xx came from test_requests. */
	is_int(2, (long long)s->requests[METRICS_ROUTES_MAX][1],
	    "a route past the limit counts as unmatched");
	is_int(1, (long long)s->requests[METRICS_ROUTES_MAX][4],
	    "earlier unmatched counts keep their slot");
	all = (long long)s->at_most[METRICS_BOUNDS];
	bounded = (long long)s->at_most[METRICS_BOUNDS - 1];
	sum_before = (long long)s->sum_us;

	/* A latency far past every bound: unbounded, and the sum capped. */
	metrics_request(0, 200, 1e300);
	s = snap();
	is_int(all + 1, (long long)s->at_most[METRICS_BOUNDS],
	    "a huge latency is counted");
	is_int(bounded, (long long)s->at_most[METRICS_BOUNDS - 1],
	    "but in no bounded bucket");
	is_int(sum_before + 1000000000000LL, (long long)s->sum_us,
	    "a huge latency adds at most 10^6 s to the sum");

	metrics_routes(NULL, 5);
	metrics_request(2, 200, 0.0);
	s = snap();
	ok(s->nroutes == 0 && strcmp(s->routes[0], "unmatched") == 0,
	    "without a route table all is unmatched");
	is_int(3, (long long)s->requests[0][1],
	    "and counts in the unmatched slot");
}

static void
test_fork(void)
{
	enum { CHILDREN = 3, ADDS = 20000 };
	pid_t pids[CHILDREN];
	long long before_q, before_n;
	int i, j, st, good = 0;

	before_q = (long long)snap()->counts[PEARS];
	before_n = (long long)snap()->at_most[METRICS_BOUNDS];
	for (i = 0; i < CHILDREN; i++) {
		if ((pids[i] = fork()) == 0) {
			for (j = 0; j < ADDS; j++) {
				metrics_add(PEARS, 1);
				metrics_request(0, 200, 0.001);
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
	is_int(before_n + CHILDREN * ADDS,
	    (long long)snap()->at_most[METRICS_BOUNDS],
	    "children's requests are seen by the parent");
}

int
main(void)
{
	plan(37);
	test_before_init();
	test_counters();
	test_requests();
	test_limits();
	test_fork();
	return 0;
}
