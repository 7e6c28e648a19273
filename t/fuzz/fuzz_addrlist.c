/*
 * Fuzz harness for src/util/addrlist.c: addrlist_parse on arbitrary text.
 * Checks that every entry is non-empty, trimmed and on one line, that
 * the answer about the limit matches the count and the entries do not
 * depend on it, and that when every entry is a plain word (no white
 * space, separator, quote or angle bracket) parsing the entries joined
 * by new lines gives them back (a fixed point).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/addrlist.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *fuzz_arena;

static int
fuzz_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void
fuzz_check_entry(const char *e)
{
	size_t n = strlen(e);

	if (n == 0 || fuzz_is_space(e[0]) || fuzz_is_space(e[n - 1]))
		abort();
	if (strchr(e, '\n') != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char **v, **w;
	size_t n, m, max;
	char *s, *joined;
	int r;
	int quoted = 0;

	if (fuzz_arena == NULL)
		fuzz_arena = arena_new(0);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	max = size > 0 ? data[0] % 8 : 0;

	r = addrlist_parse(fuzz_arena, s, max, &v, &n);
	if ((r == -1) != (n > max))
		abort();
	if (addrlist_parse(fuzz_arena, s, (size_t)-1, &w, &m) != 0 || m != n)
		abort();
	for (size_t i = 0; i < n; i++) {
		fuzz_check_entry(v[i]);
		if (strcmp(v[i], w[i]) != 0)
			abort();
		quoted |= strcspn(v[i], " \t\r\f\v,;\"<>") != strlen(v[i]);
	}
	if (!quoted) {
		size_t len = 1;

		for (size_t i = 0; i < n; i++)
			len += strlen(v[i]) + 1;
		joined = malloc(len);
		joined[0] = '\0';
		for (size_t i = 0; i < n; i++) {
			strcat(joined, v[i]);
			strcat(joined, "\n");
		}
		if (addrlist_parse(fuzz_arena, joined, (size_t)-1, &w, &m) != 0 ||
		    m != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i], w[i]) != 0)
				abort();
		free(joined);
	}
	free(s);
	arena_reset(fuzz_arena);
	return 0;
}
