/*
 * Unit tests of src/crypto/crypto.c: SHA-256 and HMAC-SHA-256 against
 * independent vectors, the constant-time comparisons, wiping and the
 * CSPRNG.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *A;

static void
unhex(const char *h, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
}

static void
test_sha256(void)
{
	uint8_t want[32], got[32];
	static const char *abc448 =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	crypto_sha256(got, "", 0);
	unhex(
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    want, 32);
	is_bytes(want, 32, got, 32, "SHA-256 of \"\"");
	crypto_sha256(got, "abc", 3);
	unhex(
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    want, 32);
	is_bytes(want, 32, got, 32, "SHA-256 of \"abc\"");
	crypto_sha256(got, abc448, strlen(abc448));
	unhex(
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    want, 32);
	is_bytes(want, 32, got, 32, "SHA-256 of the 448-bit FIPS message");
	crypto_sha256(got, "abc", 3);
	is_string(
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    hex_encode(A, got, 32), "hex of SHA-256(\"abc\")");
}

static void
hmac_manual(uint8_t out[32], const uint8_t key[32], const void *m, size_t n)
{
	uint8_t pad[64], inner[32], *buf;
	size_t i;

	buf = malloc(64 + (n > 32 ? n : 32));
	if (buf == NULL)
		abort();
	for (i = 0; i < 64; i++)
		pad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x36);
	memcpy(buf, pad, 64);
	memcpy(buf + 64, m, n);
	crypto_sha256(inner, buf, 64 + n);
	for (i = 0; i < 64; i++)
		pad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x5c);
	memcpy(buf, pad, 64);
	memcpy(buf + 64, inner, 32);
	crypto_sha256(out, buf, 64 + 32);
	free(buf);
}

static void
test_hmac(void)
{
	uint8_t key[32], want[32], got[32], msg[300];
	static const size_t lens[] = { 0, 1, 31, 55, 56, 63, 64, 65, 127, 128,
		300 };
	size_t i, j, bad = 0;
	const char *fox = "The quick brown fox jumps over the lazy dog";

	/* Vectors computed independently (Python's hmac module). */
	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	crypto_hmac_keylen(got, key, CRYPTO_KEY_LEN, fox, strlen(fox));
	unhex(
	    "f87ad256151fc7b4c5dffa4adb3ebe911a8eeb8a8ebdee3c2a4a8e5f5ec02c32",
	    want, 32);
	is_bytes(want, 32, got, 32, "HMAC: key 00..1f, fox message");
	memset(key, 0xaa, 32);
	crypto_hmac_keylen(got, key, CRYPTO_KEY_LEN, "", 0);
	unhex(
	    "63210aee265762634fa3db8c1aa920dcd07d31ec297309580394a21412f83372",
	    want, 32);
	is_bytes(want, 32, got, 32, "HMAC: key aa*32, empty message");

	/* Against the definition, for several random keys and lengths. */
	for (j = 0; j < 5; j++) {
		crypto_random(key, sizeof(key));
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			crypto_random(msg, lens[i]);
			crypto_hmac_keylen(
			    got, key, CRYPTO_KEY_LEN, msg, lens[i]);
			hmac_manual(want, key, msg, lens[i]);
			if (memcmp(want, got, 32) != 0)
				bad++;
		}
	}
	is_int(0, (long long)bad,
	    "HMAC matches ipad/opad construction (55 cases)");

	/* A key made ready once gives crypto_hmac_keylen's MAC, every time: its
	 * states are copied, never changed, by a MAC. */
	bad = 0;
	for (j = 0; j < 5; j++) {
		struct crypto_hmac_key hk;

		crypto_random(key, sizeof(key));
		crypto_hmac_key_init(&hk, key);
		for (int round = 0; round < 2; round++)
			for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
				crypto_random(msg, lens[i]);
				crypto_hmac_keylen(
				    want, key, CRYPTO_KEY_LEN, msg, lens[i]);
				crypto_hmac_with(got, &hk, msg, lens[i]);
				if (memcmp(want, got, 32) != 0)
					bad++;
			}
	}
	is_int(0, (long long)bad,
	    "HMAC with a ready key matches the plain HMAC (110 cases, reused)");
	{
		struct crypto_hmac_key hk;

		for (i = 0; i < 32; i++)
			key[i] = (uint8_t)i;
		crypto_hmac_key_init(&hk, key);
		crypto_hmac_with(got, &hk, fox, strlen(fox));
		unhex(
		    "f87ad256151fc7b4c5dffa4adb3ebe911a8eeb8a8ebdee3c2a4a8e5f5"
		    "ec02c32",
		    want, 32);
		is_bytes(
		    want, 32, got, 32, "HMAC with a ready key: fox vector");
	}

	memset(key, 1, 32);
	crypto_hmac_keylen(want, key, CRYPTO_KEY_LEN, "message", 7);
	key[31] ^= 1;
	crypto_hmac_keylen(got, key, CRYPTO_KEY_LEN, "message", 7);
	ok(memcmp(want, got, 32) != 0, "HMAC: one key bit changes the MAC");
}

static void
test_compare(void)
{
	uint8_t a[32], b[32], z[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	crypto_random(a, sizeof(a));
	memcpy(b, a, sizeof(a));
	ok(crypto_equal(a, b, 32), "crypto_equal: equal regions");
	b[31] ^= 1;
	ok(!crypto_equal(a, b, 32), "crypto_equal: last byte differs");
	b[31] ^= 1;
	b[0] ^= 0x80;
	ok(!crypto_equal(a, b, 32), "crypto_equal: first byte differs");
	ok(crypto_equal(a, b, 0), "crypto_equal: zero bytes are equal");

	ok(crypto_streq("secret", "secret"), "crypto_streq: equal");
	ok(!crypto_streq("secret", "secreT"),
	    "crypto_streq: last char differs");
	ok(!crypto_streq("secret", "secrets"), "crypto_streq: longer");
	ok(!crypto_streq("secret", "secre"), "crypto_streq: prefix");
	ok(!crypto_streq("", "x"), "crypto_streq: empty vs non-empty");
	ok(crypto_streq("", ""), "crypto_streq: both empty");
	ok(!crypto_streq(NULL, "x"), "crypto_streq: NULL left");
	ok(!crypto_streq("x", NULL), "crypto_streq: NULL right");

	crypto_wipe(z, sizeof(z));
	ok(z[0] == 0 && z[7] == 0, "crypto_wipe zeroes");
}

static void
test_random(void)
{
	uint8_t a[32], b[32];

	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	ok(memcmp(a, b, 32) != 0, "crypto_random: two draws differ");
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
	test_sha256();
	test_hmac();
	test_compare();
	test_random();
	arena_free(A);
	return done_testing();
}
