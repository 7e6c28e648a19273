/*
 * Authenticated encryption of outbox bodies: XChaCha20-Poly1305 under the
 * outbox subkey, opened with the previous key after a rotation.
 */
#ifndef ROSTER_CRYPTO_BOX_H
#define ROSTER_CRYPTO_BOX_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct keys;

/*
 * Encrypts n bytes under the outbox key with a random nonce; *out is
 * nonce || ciphertext || tag (arena), *outlen its length.
 */
void box_seal(struct arena *a, const struct keys *k, const void *p, size_t n,
    uint8_t **out, size_t *outlen);

/* Reverses box_seal, trying the current outbox key and then the previous
 * one. Returns 0 with a NUL-terminated plaintext (arena) in *out and its
 * length in *outlen, or -1, leaving both alone, when the box is shorter
 * than a nonce and a tag or fails authentication. */
int box_open(struct arena *a, const struct keys *k, const uint8_t *box,
    size_t n, char **out, size_t *outlen);

#endif
