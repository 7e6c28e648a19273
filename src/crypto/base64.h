/*
 * base64 in its two alphabets: strict base64url without padding for
 * everything that travels in a URL or a cookie, and standard padded base64
 * for the configured secret and MIME encoded-words.
 */
#ifndef ROSTER_CRYPTO_BASE64_H
#define ROSTER_CRYPTO_BASE64_H

#include <stddef.h>
#include <stdint.h>

struct arena;

/* base64url without padding of n bytes, NUL-terminated, from the arena. */
char *base64_url_encode(struct arena *a, const void *p, size_t n);

/*
 * Decodes strict base64url without padding: any other byte, a length of
 * 1 mod 4 or non-zero trailing bits is an error, so each byte string has
 * exactly one encoding. Returns 0 and writes *out (arena memory, with a
 * NUL after the last byte) and *outlen; -1 otherwise (NULL included),
 * leaving both alone.
 */
int base64_url_decode(
    struct arena *a, const char *s, uint8_t **out, size_t *outlen);

/* Standard base64 with padding of n bytes, NUL-terminated, from the
 * arena. */
char *base64_encode(struct arena *a, const void *p, size_t n);

/* Decodes standard base64 with padding (length a multiple of 4). Returns 0
 * with *out (arena, NUL after the last byte) and *outlen; -1 (NULL
 * included) leaving both alone. */
int base64_decode(
    struct arena *a, const char *s, uint8_t **out, size_t *outlen);

#endif
