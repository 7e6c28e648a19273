/*
 * Tests for src/util/arena.c and src/util/buf.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/arena.h"
#include "util/buf.h"

int
main(void)
{
	struct arena *a = arena_new(0);
	struct buf b, h;
	char *p, *big;
	int aligned = 1, zeroed = 1;

	plan_lazy();

	for (int i = 1; i < 200; i++) {
		p = arena_alloc(a, (size_t)i);
		if ((uintptr_t)p % _Alignof(max_align_t) != 0)
			aligned = 0;
		for (int k = 0; k < i; k++)
			if (p[k] != 0)
				zeroed = 0;
		memset(p, 0xab, (size_t)i);
	}
	ok(aligned, "every allocation is aligned for any type");
	ok(zeroed, "every allocation is zeroed");
	big = arena_alloc(a, 1 << 20);
	memset(big, 1, 1 << 20);
	ok(arena_used(a) >= (1 << 20),
	    "a block larger than the chunk size works");
	is_string("hello", arena_strdup(a, "hello"), "strdup copies");
	is_string(
	    "hel", arena_strndup(a, "hello", 3), "strndup copies n bytes");
	ok(arena_strdup(a, NULL) == NULL, "strdup of NULL is NULL");
	is_string("x=42 y=ab", arena_printf(a, "x=%d y=%s", 42, "ab"),
	    "printf formats");
	is_string("<a>b</a>", arena_cat(a, "<a>", "b", "</a>", NULL),
	    "cat joins its strings");
	is_string(
	    "", arena_cat(a, "", "", NULL), "cat of empty strings is empty");
	is_string("x", arena_cat(a, "x", NULL), "cat of one string copies it");
	{
		/* A formatting that fits the newest block's free tail is made
		 * there; one that does not (any size across the block's end)
		 * goes to a new block, whole, and nothing before it changes. */
		char fill[300], *keep, *s;
		int intact = 1;

		memset(fill, 'f', sizeof(fill) - 1);
		fill[sizeof(fill) - 1] = '\0';
		arena_reset(a);
		keep = arena_strdup(a, "kept");
		for (int i = 0; i < 2000; i++) {
			s = arena_printf(a, "%d:%s", i, fill + (i % 290));
			if (atoi(s) != i ||
			    strlen(strchr(s, ':') + 1) !=
				299 - (size_t)(i % 290))
				intact = 0;
		}
		ok(intact && strcmp(keep, "kept") == 0,
		    "printf across block ends gives whole strings");
	}
	arena_reset(a);
	is_int(0, (long long)arena_used(a), "reset releases everything");
	p = arena_alloc(a, 16);
	ok(p[0] == 0 && p[15] == 0, "memory after reset is zeroed again");
	for (int round = 0; round < 100; round++) {
		(void)arena_alloc(a, 100000);
		arena_reset(a);
	}
	ok(1, "100 grow-and-reset rounds do not leak (ASan checks)");
	{
		/* Blocks kept by a reset are reused, large and small alike, and
		 * what they hand out is zeroed and private to the new request.
		 */
		int sane = 1;

		for (int round = 0; round < 20; round++) {
			char *ps[40];

			for (int i = 0; i < 40; i++) {
				size_t n = (size_t)(1000 +
				    (i * 7919 + round * 104729) % 300000);

				ps[i] = arena_alloc(a, n);
				for (size_t k = 0; k < n; k += 4096)
					if (ps[i][k] != 0)
						sane = 0;
				memset(ps[i], i + 1, n);
			}
			for (int i = 0; i < 40; i++)
				if (ps[i][0] != i + 1)
					sane = 0;
			arena_reset(a);
		}
		ok(sane, "reused blocks give zeroed, non-overlapping memory");
		p = arena_alloc_uninit(a, 100);
		memset(p, 'u', 100);
		ok(p[99] == 'u', "uninitialised allocations are usable");
	}

	buf_init(&b, a);
	is_string("", b.data, "a new buffer is an empty string");
	for (int i = 0; i < 1000; i++)
		buf_puts(&b, "abc");
	is_int(3000, (long long)b.len, "appends accumulate");
	ok(strlen(b.data) == 3000, "buffer stays NUL-terminated");
	buf_printf(&b, "%05d", 7);
	ok(memcmp(b.data + 3000, "00007", 6) == 0, "printf appends");
	{
		/* Formatted in place when it fits the spare capacity, grown
		 * and formatted again when not: the same bytes either way. */
		struct buf f, g;
		int same = 1;

		buf_init(&f, a);
		buf_init(&g, a);
		for (int i = 0; i < 3000; i++) {
			buf_printf(&f, "[%d]", i * 37);
			buf_puts(&g, "[");
			buf_puts(&g, arena_printf(a, "%d", i * 37));
			buf_puts(&g, "]");
			if (f.len != g.len || f.data[f.len] != '\0')
				same = 0;
		}
		ok(same && memcmp(f.data, g.data, f.len) == 0,
		    "printf into spare capacity and across growth agree");
		buf_printf(&f, "%s", "");
		ok(f.len == g.len && f.data[f.len] == '\0',
		    "an empty printf leaves the buffer as it was");
	}
	buf_clear(&b);
	buf_put_quoted(&b, "a\"b\\c");
	is_string("\"a\\\"b\\\\c\"", b.data,
	    "quoted: in double quotes, a quote and a backslash escaped");
	buf_clear(&b);
	buf_put_quoted(&b, "");
	is_string("\"\"", b.data, "quoted: the empty string");
	buf_clear(&b);
	is_int(0, (long long)b.len, "clear empties");
	buf_append(&b, "a\0b", 3);
	is_int(3, (long long)b.len, "binary appends keep NUL bytes");

	buf_init(&h, NULL);
	for (int i = 0; i < 10000; i++)
		buf_putc(&h, 'z');
	is_int(10000, (long long)h.len, "heap buffer grows");
	buf_free(&h);
	is_int(0, (long long)h.len, "heap buffer frees");

	arena_free(a);
	arena_free(NULL);
	ok(1, "arena_free(NULL) is harmless");
	return done_testing();
}
