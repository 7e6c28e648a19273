/*
 * The subkeys of the configured secret, one per purpose, derived with
 * libsodium's KDF from ROSTER_SECRET_KEY (and, after a rotation,
 * ROSTER_SECRET_KEY_PREVIOUS).
 */
#ifndef ROSTER_CRYPTO_KEYS_H
#define ROSTER_CRYPTO_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypto.h"

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
	/* The HMAC keys among them (envelope, CSRF, pre-session) made ready
	 * for crypto_hmac_with; every purpose has one, for simplicity. */
	struct crypto_hmac_key mac[KEY__MAX];
	/* Envelope key derived from ROSTER_SECRET_KEY_PREVIOUS, if set, so
	 * links signed before a rotation still verify. */
	bool has_prev;
	uint8_t envelope_prev[CRYPTO_KEY_LEN];
	struct crypto_hmac_key envelope_prev_mac;
	/* Outbox key derived from the previous secret: messages queued before
	 * a rotation are still delivered. */
	uint8_t outbox_prev[CRYPTO_KEY_LEN];
};

/*
 * Derives every subkey from the standard-base64 secret (at least 32 bytes
 * once decoded, at most 1024, padded or not) and, when prev is non-NULL
 * and non-empty, the previous envelope and outbox keys. Returns 0, or -1
 * (logged, *out untouched) for a missing, short, over-long or malformed
 * secret.
 */
int keys_derive(struct keys *out, const char *secret_b64, const char *prev_b64);

/* Overwrites every key in *k and clears has_prev. */
void keys_wipe(struct keys *k);

#endif
