/*
 * The primitives every other crypto/ file builds on, over libsodium: the
 * CSPRNG, SHA-256, HMAC-SHA-256, constant-time comparison and wiping.
 * crypto_init() must run once before anything in crypto/ is used.
 */
#ifndef ROSTER_CRYPTO_CRYPTO_H
#define ROSTER_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_TOKEN_LEN  32 /* raw bytes of every random token */
#define CRYPTO_SHA256_LEN 32
#define CRYPTO_KEY_LEN    32

/* Initialises libsodium and computes the dummy password hash (about one
 * argon2id hash of work, see password_init()). Returns 0, or -1 (logged)
 * when it cannot. */
int crypto_init(void);
/* crypto_init for a program that never verifies a password (roster-mailer):
 * libsodium only, no dummy hash; password_verify must not be used. */
int crypto_init_no_passwords(void);

/* Fills p with n bytes from the system CSPRNG. */
void crypto_random(void *p, size_t n);

/* SHA-256 of n bytes into out[32]. */
void crypto_sha256(uint8_t out[CRYPTO_SHA256_LEN], const void *p, size_t n);

/*
 * A 32-byte HMAC-SHA-256 key made ready once (crypto_hmac_key_init): the
 * hash states after its inner and outer pads, so that each MAC under it
 * (crypto_hmac_with) hashes two blocks fewer than crypto_hmac_keylen. As
 * secret as the key itself: wipe it with it.
 */
struct crypto_hmac_key {
	union {
		uint64_t align;
		unsigned char b[256];
	} st;
};

void crypto_hmac_key_init(
    struct crypto_hmac_key *hk, const uint8_t key[CRYPTO_KEY_LEN]);

/* HMAC-SHA-256 of n bytes under hk into out[32]: the same MAC as
 * crypto_hmac_keylen under its key. */
void crypto_hmac_with(
    uint8_t out[32], const struct crypto_hmac_key *hk, const void *p, size_t n);

/* HMAC-SHA-256 of n bytes under a key of any length (keylen bytes) into
 * out[32]: for a key used once, or chosen elsewhere, such as a webhook's. */
void crypto_hmac_keylen(uint8_t out[32], const uint8_t *key, size_t keylen,
    const void *p, size_t n);

/* Constant-time equality of two n-byte regions. */
bool crypto_equal(const void *a, const void *b, size_t n);

/* Constant-time equality of two NUL-terminated strings (length may leak).
 * A NULL on either side is never equal. */
bool crypto_streq(const char *a, const char *b);

/* Overwrites n bytes so the compiler cannot elide it. */
void crypto_wipe(void *p, size_t n);

#endif
