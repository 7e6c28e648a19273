/*
 * Signed invitation link envelopes.
 *
 * An envelope binds a raw 32-byte token to the invited email address and an
 * expiry, signed with HMAC-SHA-256 under the envelope key. Layout before
 * base64url (no padding):
 *
 *   version (1 byte, 1) | expiry (8 bytes, big-endian unix seconds)
 *   | email length (1 byte) | email | token (32 bytes) | mac (32 bytes)
 *
 * The MAC covers every byte before it. Verification is constant-time and
 * tries the current key and then the previous one.
 */
#ifndef ROSTER_CRYPTO_ENVELOPE_H
#define ROSTER_CRYPTO_ENVELOPE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypto.h"

struct arena;
struct keys;

#define ENVELOPE_VERSION   1
#define ENVELOPE_EMAIL_MAX 254 /* bytes of the bound email */

struct envelope {
	uint8_t token[CRYPTO_TOKEN_LEN];
	char *email;     /* arena string, as signed */
	int64_t expires; /* unix seconds */
};

/* Returns the base64url envelope for token, email (at most 254 bytes) and
 * expiry, signed with the current envelope key; arena string. Returns NULL
 * for a NULL or empty email or one longer than ENVELOPE_EMAIL_MAX bytes. */
char *envelope_seal(struct arena *a, const struct keys *k,
    const uint8_t token[CRYPTO_TOKEN_LEN], const char *email, int64_t expires);

/*
 * Verifies s and fills *out. Returns 0 on success; -1 on any failure (bad
 * base64url, wrong length or version, MAC matching neither key), leaving
 * *out untouched. Expiry is not judged here: the caller compares it with
 * the database row (see envelope_expired()).
 */
int envelope_open(
    struct arena *a, const struct keys *k, const char *s, struct envelope *out);

/* True when the envelope has expired at unix time now (now >= expires). */
bool envelope_expired(const struct envelope *e, int64_t now);

#endif
