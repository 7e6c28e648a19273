/*
 * Fuzz harness for src/util/email.c: email_valid under both rules and
 * email_normalize on arbitrary strings. Checks that EMAIL_STRICT implies
 * EMAIL_HEADER, that an address valid for a header holds exactly one '@'
 * and none of the bytes that could break a header or an SMTP command, and
 * that email_normalize gives a STRICT address that normalizes to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/email.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *fuzz_arena;

static void
fuzz_check_header_safe(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n < 3 || n > EMAIL_MAX || at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		abort();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>,\"()[];:\\", *p))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_arena == NULL)
		fuzz_arena = arena_new(0);
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	bool header = email_valid(s, EMAIL_HEADER);
	bool strict = email_valid(s, EMAIL_STRICT);
	if (strict && !header)
		abort();
	if (header)
		fuzz_check_header_safe(s);
	char *norm = email_normalize(fuzz_arena, s);
	if (norm != NULL) {
		if (!email_valid(norm, EMAIL_STRICT))
			abort();
		fuzz_check_header_safe(norm);
		char *again = email_normalize(fuzz_arena, norm);
		if (again == NULL || strcmp(again, norm) != 0)
			abort();
		for (const char *p = norm; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				abort();
	} else if (strict) {
		/* A STRICT address needs no trimming: it must normalize. */
		abort();
	}
	free(s);
	arena_reset(fuzz_arena);
	return 0;
}
