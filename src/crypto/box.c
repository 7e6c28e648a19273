/*
 * Outbox encryption: XChaCha20-Poly1305 (libsodium's IETF AEAD) under the
 * outbox subkey with a random 24-byte nonce carried in front of the
 * ciphertext. Boxes sealed before a key rotation open with the previous
 * outbox key.
 */
#include "crypto/box.h"

#include <sodium.h>

#include "crypto/keys.h"
#include "util/arena.h"

/*
 * Encrypts n bytes under the outbox key with XChaCha20-Poly1305 and a
 * random nonce; *out (arena) is nonce || ciphertext || tag, *outlen its
 * length.
 */
void
box_seal(struct arena *a, const struct keys *k, const void *p, size_t n,
    uint8_t **out, size_t *outlen)
{
	const size_t nl = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	size_t len = nl + n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned long long clen;
	uint8_t *b = arena_alloc(a, len);

	randombytes_buf(b, nl);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    b + nl, &clen, p, n, NULL, 0, NULL, b, k->k[KEY_OUTBOX]);
	*out = b;
	*outlen = nl + (size_t)clen;
}

/*
 * Reverses box_seal. Returns 0 with the plaintext (arena, NUL-terminated)
 * in *out and its length in *outlen; -1, leaving both alone, when the box
 * is shorter than a nonce and a tag or fails authentication.
 */
int
box_open(struct arena *a, const struct keys *k, const uint8_t *box, size_t n,
    char **out, size_t *outlen)
{
	const size_t nl = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	const size_t tl = crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned long long mlen;
	uint8_t *m;

	if (box == NULL || n < nl + tl)
		return -1;
	m = arena_alloc(a, n - nl - tl + 1);
	/* Messages queued before a key rotation open with the previous key. */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, box + nl,
		n - nl, NULL, 0, box, k->k[KEY_OUTBOX]) != 0 &&
	    (!k->has_prev ||
		crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL,
		    box + nl, n - nl, NULL, 0, box, k->outbox_prev) != 0))
		return -1;
	m[mlen] = '\0';
	*out = (char *)m;
	*outlen = (size_t)mlen;
	return 0;
}
