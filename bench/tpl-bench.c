/*
 * Micro-benchmark of the template engine (src/tpl): the real roster
 * template (templates/org-members.html) rendered with a 1,000-row member
 * table, against a baseline measured in the same run: memcpy of as many
 * bytes as the render produces. Reported as time per render and as the
 * ratio render / memcpy (how many times slower than copying the output).
 *
 *   tpl-bench [TEMPLATE_DIR [ROWS]]     (defaults: templates, 1000)
 *
 * Three figures:
 *   render      tpl_render() of a context built once (the engine alone)
 *   build+render  building the context (tpl_set of every value, as
 *               src/web/web_org.c does) and rendering it, in an arena reset
 *               each time: what one request pays for its roster table
 *   memcpy      the baseline
 * plus the arena bytes one build+render takes (the output buffer grows by
 * doubling inside the arena, so the abandoned smaller copies count too).
 *
 * Every loop is bounded by a count and by time. Built by bench/run with
 * cc against the sources; no database, no network.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

#define MIN_SECONDS      0.5    /* each measurement runs at least this long */
#define MAX_ITERS        100000 /* and at most this many times */
#define MEMCPY_MAX_ITERS 10000000

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Keeps the compiler from dropping stores it cannot see used. */
static void
clobber(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* The values src/web/web_org.c sets for the roster page, with rows rows;
 * every tenth name needs escaping. */
static struct tpl_ctx *
build(struct arena *a, int rows)
{
	struct tpl_ctx *c = tpl_ctx_new(a), *row;
	char id[32], uid[32], email[64], name[64];

	tpl_set(c, "org_name", "Bench & Co");
	tpl_set(c, "org_slug", "bench");
	tpl_set(c, "my_role", "owner");
	tpl_set_bool(c, "manager", true);
	tpl_set_bool(c, "owner", true);
	tpl_set(c, "title", "Bench & Co");
	tpl_set(
	    c, "csrf_token", "c3VwZXItc2VjcmV0LWNzcmYtdG9rZW4tZm9yLWJlbmNo");
	tpl_set_list(c, "rows");
	for (int i = 0; i < rows; i++) {
		row = tpl_add_row(c, "rows");
		snprintf(id, sizeof(id), "%d", 1000 + i);
		snprintf(uid, sizeof(uid), "%d", 5000 + i);
		snprintf(email, sizeof(email), "member%d@bench.example", i);
		if (i % 10 == 0)
			snprintf(
			    name, sizeof(name), "O'Brien <%d> & \"Sons\"", i);
		else
			snprintf(name, sizeof(name), "Member Number %d", i);
		tpl_set_bool(row, "member", true);
		tpl_set(row, "member_id", id);
		tpl_set(row, "user_id", uid);
		tpl_set(row, "email", email);
		tpl_set(row, "name", name);
		tpl_set(row, "role", i == 0 ? "owner" : "member");
		tpl_set(row, "status", "active");
		tpl_set(row, "since", "2026-01-01 00:00 UTC");
	}
	return c;
}

struct timing {
	long iters;
	double secs;
};

static double
per_iter(const struct timing *t)
{
	return t->secs / (double)t->iters;
}

int
main(int argc, char *argv[])
{
	const char *dir = argc > 1 ? argv[1] : "templates";
	int rows = argc > 2 ? atoi(argv[2]) : 1000;
	const char *name = "org-members.html";
	struct tpl_set *set;
	struct arena *a, *scratch;
	struct tpl_ctx *c;
	struct buf out;
	struct timing r = { 0, 0 }, br = { 0, 0 }, m = { 0, 0 };
	size_t bytes, used = 0;
	char *dst;
	double t0, t;

	log_init("tpl-bench");
	if (rows < 1 || rows > 1000000) {
		fprintf(stderr, "tpl-bench: ROWS must be 1..1000000\n");
		return 2;
	}
	if ((set = tpl_load(dir)) == NULL || !tpl_has(set, name)) {
		fprintf(stderr, "tpl-bench: no %s in %s\n", name, dir);
		return 2;
	}

	/* The output once, to know its size and check it. */
	a = arena_new(256u * 1024 * 1024);
	c = build(a, rows);
	buf_init(&out, NULL);
	if (tpl_render(set, name, c, &out) == -1)
		return 2;
	bytes = out.len;
	if (strstr(out.data, "O&#39;Brien &lt;0&gt; &amp; &quot;Sons&quot;") ==
	    NULL) {
		fprintf(stderr,
		    "tpl-bench: the output is not escaped as expected\n");
		return 1;
	}

	/* render: the engine alone, into a heap buffer kept at its size. */
	t0 = now();
	do {
		buf_clear(&out);
		tpl_render(set, name, c, &out);
		clobber(out.data);
		r.iters++;
	} while ((t = now() - t0) < MIN_SECONDS && r.iters < MAX_ITERS);
	r.secs = t;
	if (out.len != bytes)
		return 1;

	/* build+render: what a request does, in an arena reset each time. */
	scratch = arena_new(256u * 1024 * 1024);
	t0 = now();
	do {
		struct buf o;

		arena_reset(scratch);
		buf_init(&o, scratch);
		tpl_render(set, name, build(scratch, rows), &o);
		clobber(o.data);
		used = arena_used(scratch);
		br.iters++;
	} while ((t = now() - t0) < MIN_SECONDS && br.iters < MAX_ITERS);
	br.secs = t;

	/* memcpy of the same number of bytes. */
	if ((dst = malloc(bytes)) == NULL)
		return 1;
	memset(dst, 0, bytes);
	t0 = now();
	do {
		memcpy(dst, out.data, bytes);
		clobber(dst);
		m.iters++;
	} while (((m.iters & 63) != 0 || (t = now() - t0) < MIN_SECONDS) &&
	    m.iters < MEMCPY_MAX_ITERS);
	m.secs = now() - t0;

	printf("tpl-bench: %s, %d rows, %zu output bytes\n", name, rows, bytes);
	printf("%-14s %10s %12s %10s %12s\n", "case", "iters", "us/iter",
	    "MB/s", "x memcpy");
	printf("%-14s %10ld %12.2f %10.0f %12.1f\n", "memcpy", m.iters,
	    per_iter(&m) * 1e6, (double)bytes / per_iter(&m) / 1e6, 1.0);
	printf("%-14s %10ld %12.2f %10.0f %12.1f\n", "render", r.iters,
	    per_iter(&r) * 1e6, (double)bytes / per_iter(&r) / 1e6,
	    per_iter(&r) / per_iter(&m));
	printf("%-14s %10ld %12.2f %10.0f %12.1f\n", "build+render", br.iters,
	    per_iter(&br) * 1e6, (double)bytes / per_iter(&br) / 1e6,
	    per_iter(&br) / per_iter(&m));
	printf("arena per build+render: %zu bytes (%.1f x the output)\n", used,
	    (double)used / (double)bytes);

	free(dst);
	buf_free(&out);
	arena_free(scratch);
	arena_free(a);
	tpl_free(set);
	return 0;
}
