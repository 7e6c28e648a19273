/*
 * Fuzz harness for src/http/http_parse.c: the urlencoded parser (query
 * strings and form bodies) and the Cookie header parser on arbitrary
 * bytes. Checks the contract of http.h on every success: names non-empty,
 * no NUL inside a name or value, at most 256 pairs, no name twice (a
 * declared list's repeats joined into one pair), and values valid UTF-8
 * for urlencoded input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/arena.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *fuzz_arena;

static void
fuzz_check_pairs(const struct params *p, int unique, int utf8)
{
	if (p->n > 256)
		abort();
	for (size_t i = 0; i < p->n; i++) {
		const char *n = p->v[i].name, *v = p->v[i].value;
		if (n == NULL || v == NULL || n[0] == '\0')
			abort();
		if (utf8 &&
		    (!str_utf8_valid(n, strlen(n)) ||
			!str_utf8_valid(v, strlen(v))))
			abort();
		for (size_t j = 0; unique && j < i; j++)
			if (strcmp(p->v[j].name, n) == 0)
				abort();
		if (http_parse_param(p, n) == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params p = { 0 };

	if (fuzz_arena == NULL)
		fuzz_arena = arena_new(0);
	/* Not NUL-terminated on purpose: the parser must respect n. Copy
	 * the bytes to an exact-size heap block so ASan sees any overread. */
	char *s = malloc(size ? size : 1);
	memcpy(s, data, size);
	if (http_parse_urlencoded(fuzz_arena, s, size, &p) == ERR_OK)
		fuzz_check_pairs(&p, 1, 1);
	/* Again with list names declared: their repeats join into one pair,
	 * so every name is still unique. */
	{
		static const char *const lists[] = { "a", "events", NULL };

		http_parse_lists(lists);
		memset(&p, 0, sizeof(p));
		if (http_parse_urlencoded(fuzz_arena, s, size, &p) == ERR_OK)
			fuzz_check_pairs(&p, 1, 1);
		http_parse_lists(NULL);
	}
	free(s);

	/* The cookie header is a C string: cut at the first NUL. */
	char *h = malloc(size + 1);
	memcpy(h, data, size);
	h[size] = '\0';
	memset(&p, 0, sizeof(p));
	http_parse_cookies(fuzz_arena, h, &p);
	fuzz_check_pairs(&p, 1, 0);
	(void)http_parse_is_form(h);
	free(h);
	arena_reset(fuzz_arena);
	return 0;
}
