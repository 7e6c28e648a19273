/*
 * Cryptographic primitives over libsodium: random tokens, base64url,
 * SHA-256, HMAC-SHA-256, key derivation from ROSTER_SECRET_KEY, password
 * hashing (argon2id) and authenticated encryption of outbox bodies.
 * crypto_init() must run once before anything else here.
 */
#ifndef ROSTER_CRYPTO_CRYPTO_H
#define ROSTER_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define CRYPTO_TOKEN_LEN  32 /* raw bytes of every random token */
#define CRYPTO_SHA256_LEN 32
#define CRYPTO_KEY_LEN    32

/* Subkeys derived from the master secret, one per purpose. */
enum key_purpose {
	KEY_ENVELOPE,   /* HMAC of invitation envelopes */
	KEY_CSRF,       /* HMAC binding CSRF tokens to a session */
	KEY_PRESESSION, /* HMAC signing the anonymous pre-session cookie */
	KEY_OUTBOX,     /* secretbox of outbox bodies */
	KEY__MAX
};

struct keys {
	uint8_t k[KEY__MAX][CRYPTO_KEY_LEN];
	/* Envelope key derived from ROSTER_SECRET_KEY_PREVIOUS, if set, so
	 * links signed before a rotation still verify. */
	bool has_prev;
	uint8_t envelope_prev[CRYPTO_KEY_LEN];
	/* Outbox key derived from the previous secret: messages queued before
	 * a rotation are still delivered. */
	uint8_t outbox_prev[CRYPTO_KEY_LEN];
};

/* Initialises libsodium and computes the dummy password hash (about one
 * argon2id hash of work). Returns 0, or -1 (logged) when it cannot. */
int crypto_init(void);

/*
 * Derives every subkey from the standard-base64 secret (at least 32 bytes
 * once decoded) and, when prev is non-NULL and non-empty, the previous
 * envelope key. Returns 0, or -1 (logged) for a missing, short or
 * malformed secret.
 */
int keys_derive(struct keys *out, const char *secret_b64, const char *prev_b64);

/* Wipes the keys. */
void keys_wipe(struct keys *k);

/* Fills p with n bytes from the system CSPRNG. */
void crypto_random(void *p, size_t n);

/* Returns CRYPTO_TOKEN_LEN fresh random bytes from the arena. */
uint8_t *crypto_token(struct arena *a);

/* base64url without padding of n bytes, NUL-terminated, from the arena. */
char *b64url_encode(struct arena *a, const void *p, size_t n);

/*
 * Decodes strict base64url without padding: any other byte, a length of
 * 1 mod 4 or non-zero trailing bits is an error. Returns 0 and writes
 * *out (arena memory, with a NUL after the last byte) and *outlen; -1
 * otherwise, leaving both alone.
 */
int b64url_decode(
    struct arena *a, const char *s, uint8_t **out, size_t *outlen);

/* Standard base64 with padding decode (for the configured secret). */
int b64_decode(struct arena *a, const char *s, uint8_t **out, size_t *outlen);

/* Standard base64 with padding encode. */
char *b64_encode(struct arena *a, const void *p, size_t n);

/* Lower-case hex of n bytes. */
char *hex_encode(struct arena *a, const void *p, size_t n);

/* SHA-256 of n bytes into out[32]. */
void crypto_sha256(uint8_t out[CRYPTO_SHA256_LEN], const void *p, size_t n);

/* HMAC-SHA-256 of n bytes under a 32-byte key into out[32]. */
void crypto_hmac(uint8_t out[32], const uint8_t key[CRYPTO_KEY_LEN],
    const void *p, size_t n);

/* Constant-time equality of two n-byte regions. */
bool crypto_equal(const void *a, const void *b, size_t n);

/* Constant-time equality of two NUL-terminated strings (length may leak). */
bool crypto_streq(const char *a, const char *b);

/* Overwrites n bytes so the compiler cannot elide it. */
void crypto_wipe(void *p, size_t n);

/*
 * argon2id (libsodium crypto_pwhash_str, at least OWASP's m=19 MiB, t=2).
 * Writes the encoded hash (arena string) to *out. Returns 0, or -1 when
 * hashing fails (out of memory).
 */
int password_hash(struct arena *a, const char *password, char **out);

/* Returns true when password matches the encoded hash. A NULL hash, or
 * one that is no argon2id hash (an account without a password yet), runs
 * a verification against a fixed dummy hash and returns false, so such
 * accounts and unknown users cost the same time as known ones. */
bool password_verify(const char *hash, const char *password);

/*
 * Encrypts n bytes under the outbox key with XChaCha20-Poly1305
 * (secretbox); *out is nonce || ciphertext (arena), *outlen its length.
 */
void box_seal(struct arena *a, const struct keys *k, const void *p, size_t n,
    uint8_t **out, size_t *outlen);

/* Reverses box_seal. Returns 0 with a NUL-terminated plaintext in *out,
 * or -1 when the box is short or fails authentication. */
int box_open(struct arena *a, const struct keys *k, const uint8_t *box,
    size_t n, char **out, size_t *outlen);

#endif
