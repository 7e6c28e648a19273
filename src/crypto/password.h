/*
 * Password hashes: argon2id through libsodium's crypto_pwhash_str, at
 * OWASP's minimum (m=19 MiB, t=2, p=1), and a verification that costs the
 * same whether or not the account has a usable hash.
 */
#ifndef ROSTER_CRYPTO_PASSWORD_H
#define ROSTER_CRYPTO_PASSWORD_H

#include <stdbool.h>

struct arena;

/* Computes, once, the dummy hash that password_verify() checks unknown
 * users against (crypto_init() calls it). Returns 0, or -1 (logged). */
int password_init(void);

/*
 * Hashes password with argon2id and writes the encoded "$argon2id$..."
 * string (arena) to *out. Returns 0; or -1, leaving *out alone, for a NULL
 * or over-1024-byte password (refused without hashing) or when hashing
 * fails (out of memory, logged).
 */
int password_hash(struct arena *a, const char *password, char **out);

/* Returns true when password matches the encoded hash. A NULL hash, or
 * one that is no argon2id hash (an account without a password yet), runs
 * a verification against a fixed dummy hash and returns false, so such
 * accounts and unknown users cost the same time as known ones. A NULL or
 * over-1024-byte password is false without hashing. */
bool password_verify(const char *hash, const char *password);

#endif
