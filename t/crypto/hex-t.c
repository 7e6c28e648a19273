/*
 * Unit tests of src/crypto/hex.c.
 */
#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *A;

static void
test_hex(void)
{
	is_string("", hex_encode(A, "", 0), "hex of nothing");
	is_string("00abff7f", hex_encode(A, "\x00\xab\xff\x7f", 4),
	    "hex is lower-case");
}

int
main(void)
{
	plan_lazy();
	if (crypto_init() != 0) {
		ok(false, "crypto_init");
		return done_testing();
	}
	A = arena_new(0);
	test_hex();
	arena_free(A);
	return done_testing();
}
