/*
 * Hexadecimal encoding over libsodium's constant-time sodium_bin2hex.
 */
#include "crypto/hex.h"

#include <sodium.h>

#include "util/arena.h"

/* Lower-case hex of n bytes; arena string. */
char *
hex_encode(struct arena *a, const void *p, size_t n)
{
	char *s = arena_calloc(a, n + 1, 2);

	sodium_bin2hex(s, n * 2 + 1, p, n);
	return s;
}
