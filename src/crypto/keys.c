/*
 * Subkey derivation: the configured standard-base64 secret is hashed to a
 * master key (BLAKE2b-256), and each purpose's key is derived from it with
 * libsodium's KDF under the context "roster01". Every intermediate is
 * wiped.
 */
#include "crypto/keys.h"

#include <string.h>

#include <sodium.h>

#include "util/log.h"

/* Longest secret accepted, decoded; far above any sensible key. */
#define SECRET_MAXLEN 1024

/* Context of every subkey derivation: exactly 8 bytes. */
static const char kdf_ctx[crypto_kdf_CONTEXTBYTES] = { 'r', 'o', 's', 't', 'e',
	'r', '0', '1' };

/*
 * Decodes the standard-base64 secret s (padded or not) into buf, at most
 * SECRET_MAXLEN bytes, and its length into *len. Returns 0, or -1 (logged).
 */
static int
keys_decode_secret(const char *what, const char *s, uint8_t *buf, size_t *len)
{
	const char *end;
	size_t n = strlen(s);

	if (sodium_base642bin(buf, SECRET_MAXLEN, s, n, NULL, len, &end,
		sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    end == s + n)
		return 0;
	if (sodium_base642bin(buf, SECRET_MAXLEN, s, n, NULL, len, &end,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 &&
	    end == s + n)
		return 0;
	log_err("crypto: %s is not valid base64 (or longer than %d bytes)",
	    what, SECRET_MAXLEN);
	return -1;
}

/*
 * Decodes the secret s, which must hold at least CRYPTO_KEY_LEN bytes, and
 * hashes it to the master key. Returns 0, or -1 (logged).
 */
static int
keys_master(
    uint8_t master[crypto_kdf_KEYBYTES], const char *what, const char *s)
{
	uint8_t buf[SECRET_MAXLEN];
	size_t len = 0;
	int rc = -1;

	if (keys_decode_secret(what, s, buf, &len) == -1)
		goto fail;
	if (len < CRYPTO_KEY_LEN) {
		log_err(
		    "crypto: %s decodes to %zu bytes; at least %d are needed",
		    what, len, CRYPTO_KEY_LEN);
		goto fail;
	}
	crypto_generichash(master, crypto_kdf_KEYBYTES, buf, len, NULL, 0);
	rc = 0;
fail:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

/* Derives the subkey of purpose p from master into out. */
static void
keys_subkey(uint8_t out[CRYPTO_KEY_LEN],
    const uint8_t master[crypto_kdf_KEYBYTES], enum key_purpose p)
{
	/* Cannot fail: the length is within the KDF's range. */
	(void)crypto_kdf_derive_from_key(
	    out, CRYPTO_KEY_LEN, (uint64_t)p + 1, kdf_ctx, master);
}

/*
 * Derives every subkey of secret_b64 and, when prev_b64 is non-NULL and
 * non-empty, the previous envelope and outbox keys into *out. Returns 0;
 * or -1 (logged, *out untouched) for a missing, short, over-long or
 * malformed secret.
 */
int
keys_derive(struct keys *out, const char *secret_b64, const char *prev_b64)
{
	struct keys k;
	uint8_t master[crypto_kdf_KEYBYTES];
	int p, rc = -1;

	memset(&k, 0, sizeof(k));
	if (secret_b64 == NULL || *secret_b64 == '\0') {
		log_err("crypto: the secret key is not set");
		goto fail;
	}
	if (keys_master(master, "the secret key", secret_b64) == -1)
		goto fail;
	for (p = 0; p < KEY__MAX; p++) {
		keys_subkey(k.k[p], master, (enum key_purpose)p);
		crypto_hmac_key_init(&k.mac[p], k.k[p]);
	}
	if (prev_b64 != NULL && *prev_b64 != '\0') {
		if (keys_master(master, "the previous secret key", prev_b64) ==
		    -1)
			goto fail;
		keys_subkey(k.envelope_prev, master, KEY_ENVELOPE);
		crypto_hmac_key_init(&k.envelope_prev_mac, k.envelope_prev);
		keys_subkey(k.outbox_prev, master, KEY_OUTBOX);
		k.has_prev = true;
	}
	memcpy(out, &k, sizeof(k));
	rc = 0;
fail:
	sodium_memzero(master, sizeof(master));
	sodium_memzero(&k, sizeof(k));
	return rc;
}

/* Overwrites every key in *k and clears has_prev. */
void
keys_wipe(struct keys *k)
{
	sodium_memzero(k, sizeof(*k));
}
