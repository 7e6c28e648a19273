/*
 * argon2id password hashes (libsodium crypto_pwhash_str, t=2, m=19 MiB,
 * p=1) and their verification. An account without a usable hash, or no
 * account at all, is checked against a dummy hash computed once at start,
 * so the time of a failed sign-in tells nothing.
 */
#include "crypto/password.h"

#include <string.h>

#include <sodium.h>

#include "util/arena.h"
#include "util/log.h"

/* OWASP's minimum for argon2id: m=19 MiB, t=2, p=1 (libsodium uses p=1). */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT ((size_t)19456 * 1024)
#define PW_MAXLEN   1024

static char pw_dummy[crypto_pwhash_STRBYTES];
static bool pw_dummy_ready;

/* Computes the dummy hash once; 0, or -1 (logged). */
int
password_init(void)
{
	/* Not a secret: it only makes the unknown-user path cost a verify. */
	static const char pw[] = "roster dummy password for unknown users";

	if (pw_dummy_ready)
		return 0;
	if (crypto_pwhash_str_alg(pw_dummy, pw, sizeof(pw) - 1, PW_OPSLIMIT,
		PW_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_err("crypto: cannot compute the dummy password hash");
		return -1;
	}
	pw_dummy_ready = true;
	return 0;
}

/*
 * Hashes password with argon2id (t=2, m=19 MiB, p=1) and writes the
 * encoded "$argon2id$..." string (arena) to *out. Returns 0; or -1 (logged
 * for out of memory) for a NULL or over-1024-byte password, which is
 * refused without hashing.
 */
int
password_hash(struct arena *a, const char *password, char **out)
{
	char buf[crypto_pwhash_STRBYTES];
	size_t n;

	if (password == NULL ||
	    (n = strnlen(password, PW_MAXLEN + 1)) > PW_MAXLEN)
		return -1;
	if (crypto_pwhash_str_alg(buf, password, n, PW_OPSLIMIT, PW_MEMLIMIT,
		crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_err("crypto: password hashing failed (out of memory?)");
		return -1;
	}
	*out = arena_strdup(a, buf);
	return 0;
}

/*
 * True when password matches the encoded hash. A NULL hash is verified
 * against the dummy hash so that it costs the same, and gives false. A
 * NULL or over-1024-byte password is false without hashing.
 */
bool
password_verify(const char *hash, const char *password)
{
	/* A hash that is no argon2id hash ("!": no password set yet) costs
	 * the same as a real one, so timing tells no such account apart. */
	bool unknown = hash == NULL || strncmp(hash, "$argon2id$", 10) != 0;
	size_t n;

	if (password == NULL ||
	    (n = strnlen(password, PW_MAXLEN + 1)) > PW_MAXLEN)
		return false;
	if (unknown) {
		/* An empty dummy (init failed) merely fails fast. */
		(void)password_init();
		hash = pw_dummy;
	}
	return crypto_pwhash_str_verify(hash, password, n) == 0 && !unknown;
}
