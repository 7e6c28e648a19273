/*
 * The primitives over libsodium that the rest of crypto/ builds on: start-up,
 * the CSPRNG, SHA-256, HMAC-SHA-256, constant-time comparison and wiping.
 * Nothing here logs key material.
 */
#include "crypto/crypto.h"

#include <string.h>

#include <sodium.h>

#include "crypto/password.h"
#include "util/log.h"

/*
 * Initialises libsodium and computes the dummy password hash that
 * password_verify() checks unknown users against. Returns 0, or -1
 * (logged) when libsodium cannot start or the hash cannot be made.
 */
int
crypto_init(void)
{
	if (sodium_init() < 0) {
		log_err("crypto: sodium_init failed");
		return -1;
	}
	if (password_init() == -1)
		return -1;
	return 0;
}

/* crypto_init without the dummy password hash (19 MiB and tens of
 * milliseconds of argon2id), for programs that never check a password. */
int
crypto_init_no_passwords(void)
{
	if (sodium_init() < 0) {
		log_err("crypto: sodium_init failed");
		return -1;
	}
	return 0;
}

/* Fills p with n bytes from the system CSPRNG. */
void
crypto_random(void *p, size_t n)
{
	randombytes_buf(p, n);
}

/* SHA-256 of n bytes into out. */
void
crypto_sha256(uint8_t out[CRYPTO_SHA256_LEN], const void *p, size_t n)
{
	crypto_hash_sha256(out, p, n);
}

_Static_assert(sizeof(crypto_auth_hmacsha256_state) <=
	sizeof(((struct crypto_hmac_key *)0)->st.b),
    "struct crypto_hmac_key holds libsodium's HMAC state");

void
crypto_hmac_key_init(
    struct crypto_hmac_key *hk, const uint8_t key[CRYPTO_KEY_LEN])
{
	crypto_auth_hmacsha256_state st;

	memset(hk, 0, sizeof(*hk));
	crypto_auth_hmacsha256_init(&st, key, CRYPTO_KEY_LEN);
	memcpy(hk->st.b, &st, sizeof(st));
	sodium_memzero(&st, sizeof(st));
}

void
crypto_hmac_with(
    uint8_t out[32], const struct crypto_hmac_key *hk, const void *p, size_t n)
{
	crypto_auth_hmacsha256_state st;

	memcpy(&st, hk->st.b, sizeof(st));
	crypto_auth_hmacsha256_update(&st, p, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void
crypto_hmac_keylen(
    uint8_t out[32], const uint8_t *key, size_t keylen, const void *p, size_t n)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, p, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* True when the n bytes at a and b are equal; time depends on n only. */
bool
crypto_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

/*
 * True when a and b are equal strings; the time depends only on their
 * lengths. A NULL on either side is never equal.
 */
bool
crypto_streq(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return false;
	n = strlen(a);
	if (n != strlen(b))
		return false;
	return sodium_memcmp(a, b, n) == 0;
}

/* Overwrites n bytes at p with zeros; never elided. */
void
crypto_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
