/*
 * Unit tests of src/crypto/token.c: fresh tokens differ, the hash is the
 * SHA-256 of the raw bytes, and a link token round-trips to the same hash
 * while malformed ones are refused.
 */
#include <stdint.h>
#include <string.h>

#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "crypto/token.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *A;

static void
test_random(void)
{
	uint8_t t1[CRYPTO_TOKEN_LEN], t2[CRYPTO_TOKEN_LEN], h1[32], h2[32];
	uint8_t want[32];

	token_new(t1, h1);
	token_new(t2, h2);
	ok(memcmp(t1, t2, CRYPTO_TOKEN_LEN) != 0,
	    "token_new: two tokens differ");
	is_int(43,
	    (long long)strlen(base64_url_encode(A, t1, CRYPTO_TOKEN_LEN)),
	    "a token is 43 base64url characters");
	crypto_sha256(want, t1, CRYPTO_TOKEN_LEN);
	is_bytes(
	    want, 32, h1, 32, "token_new: the hash is SHA-256 of the token");
	token_hash(h2, t1);
	is_bytes(want, 32, h2, 32, "token_hash: SHA-256 of the raw token");
}

static void
test_link(void)
{
	static const char *const bad[] = {
		"",
		"AAAA",
		/* 42 characters: 31 bytes. */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		/* 44 characters: 33 bytes. */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		/* 43 characters with a stray trailing bit. */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+A",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	};
	uint8_t hash[32], back[32], sentinel[32];
	char *s, *s2, longer[70];
	size_t i, refused = 0;

	s = token_link_new(A, hash);
	is_int(43, (long long)strlen(s), "token_link_new: 43 characters");
	is_int(0, token_link_hash(A, s, back), "token_link_hash: accepted");
	is_bytes(hash, 32, back, 32, "token_link_hash: the same hash");
	s2 = token_link_new(A, back);
	ok(strcmp(s, s2) != 0 && memcmp(hash, back, 32) != 0,
	    "token_link_new: two links differ");

	ok(token_link_hash(
	       A, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", back) == 0,
	    "token_link_hash: 32 zero bytes are a token");
	memset(sentinel, 0x5a, sizeof(sentinel));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(back, sentinel, sizeof(back));
		if (token_link_hash(A, bad[i], back) == -1 &&
		    memcmp(back, sentinel, 32) == 0)
			refused++;
	}
	is_int((long long)(sizeof(bad) / sizeof(bad[0])), (long long)refused,
	    "token_link_hash: malformed tokens refused, hash untouched");
	is_int(-1, token_link_hash(A, NULL, back), "token_link_hash: NULL");
	memset(longer, 'A', 65);
	longer[65] = '\0';
	is_int(-1, token_link_hash(A, longer, back),
	    "token_link_hash: over 64 characters refused");
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
	test_random();
	test_link();
	arena_free(A);
	return done_testing();
}
