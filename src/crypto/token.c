/*
 * Random tokens and their hashes: the one place that says a token is
 * CRYPTO_TOKEN_LEN random bytes, that the database keeps its SHA-256, and
 * that a link carries it as base64url.
 */
#include "crypto/token.h"

#include <string.h>

#include "crypto/base64.h"
#include "util/arena.h"

/* Longest link token accepted before decoding: 43 characters are needed;
 * anything far longer is refused without work. */
#define TOKEN_LINK_MAX 64

/* Fills raw with CRYPTO_TOKEN_LEN random bytes and hash with their
 * SHA-256. */
void
token_new(uint8_t raw[CRYPTO_TOKEN_LEN], uint8_t hash[CRYPTO_SHA256_LEN])
{
	crypto_random(raw, CRYPTO_TOKEN_LEN);
	token_hash(hash, raw);
}

/* The SHA-256 of a raw token into hash. */
void
token_hash(uint8_t hash[CRYPTO_SHA256_LEN], const uint8_t raw[CRYPTO_TOKEN_LEN])
{
	crypto_sha256(hash, raw, CRYPTO_TOKEN_LEN);
}

/* A fresh token's base64url form (arena) and, in hash, its SHA-256; the
 * raw bytes are wiped. */
char *
token_link_new(struct arena *a, uint8_t hash[CRYPTO_SHA256_LEN])
{
	uint8_t raw[CRYPTO_TOKEN_LEN];
	char *s;

	token_new(raw, hash);
	s = base64_url_encode(a, raw, CRYPTO_TOKEN_LEN);
	crypto_wipe(raw, sizeof(raw));
	return s;
}

/* Decodes the base64url token s (at most TOKEN_LINK_MAX characters, exactly
 * CRYPTO_TOKEN_LEN bytes) and writes its hash; 0, or -1 leaving hash
 * alone. */
int
token_link_hash(struct arena *a, const char *s, uint8_t hash[CRYPTO_SHA256_LEN])
{
	uint8_t *raw;
	size_t n;

	if (s == NULL || strlen(s) > TOKEN_LINK_MAX ||
	    base64_url_decode(a, s, &raw, &n) == -1 || n != CRYPTO_TOKEN_LEN)
		return -1;
	token_hash(hash, raw);
	crypto_wipe(raw, n);
	return 0;
}
