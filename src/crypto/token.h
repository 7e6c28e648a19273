/*
 * Random tokens: 32 raw bytes that only ever leave Roster toward the user
 * (session cookies, confirmation and reset links, invitation envelopes),
 * while the database keeps their SHA-256. A link token travels as
 * base64url without padding.
 */
#ifndef ROSTER_CRYPTO_TOKEN_H
#define ROSTER_CRYPTO_TOKEN_H

#include <stdint.h>

#include "crypto/crypto.h"

struct arena;

/* Fills raw with a fresh random token and hash with its SHA-256. */
void token_new(uint8_t raw[CRYPTO_TOKEN_LEN], uint8_t hash[CRYPTO_SHA256_LEN]);

/* Writes the SHA-256 of the raw token (the form the database keeps) to
 * hash. */
void token_hash(
    uint8_t hash[CRYPTO_SHA256_LEN], const uint8_t raw[CRYPTO_TOKEN_LEN]);

/* Makes a fresh link token: returns its base64url form (43 characters,
 * arena) for the link and writes its hash for the database. The raw bytes
 * are wiped. */
char *token_link_new(struct arena *a, uint8_t hash[CRYPTO_SHA256_LEN]);

/* Decodes a link token as posted (base64url of exactly CRYPTO_TOKEN_LEN
 * bytes, at most 64 characters) and writes its hash. Returns 0, or -1,
 * leaving hash alone, for a NULL or malformed token. */
int token_link_hash(
    struct arena *a, const char *s, uint8_t hash[CRYPTO_SHA256_LEN]);

#endif
