/*
 * Hexadecimal encoding of bytes.
 */
#ifndef ROSTER_CRYPTO_HEX_H
#define ROSTER_CRYPTO_HEX_H

#include <stddef.h>

struct arena;

/* Lower-case hex of n bytes: 2n digits, NUL-terminated, from the arena. */
char *hex_encode(struct arena *a, const void *p, size_t n);

#endif
