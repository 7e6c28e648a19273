/*
 * Mints what the HTTP benchmarks of accepting need, with Roster's own
 * crypto (src/crypto: the envelope, the token hash, the CSRF token), from
 * ROSTER_SECRET_KEY in the environment:
 *
 *   mint N PREFIX DOMAIN
 *
 * prints N tab-separated lines, one per invitee PREFIXk@DOMAIN (k = 1..N):
 *
 *   k  invitation-hash(\x hex)  link-token  session-hash(\x hex)
 *      session-cookie-value  csrf-token
 *
 * The invitation is bound to the address and expires in 7 days; the
 * session is a fresh random token whose SHA-256 the database keeps, and
 * the CSRF token is the one Roster derives for it (src/web/web_session.c).
 * bench/stack.pl loads the hashes with COPY; the Lua script of bench/run
 * sends the link token, the cookie and the CSRF token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "crypto/token.h"
#include "util/arena.h"

static void
hex(FILE *f, const uint8_t *p, size_t n)
{
	fputs("\\\\x", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

int
main(int argc, char **argv)
{
	struct keys k;
	struct arena *a;
	long n;
	int64_t expires = (int64_t)time(NULL) + 7 * 86400;

	if (argc != 4 || (n = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: mint N PREFIX DOMAIN\n");
		return 2;
	}
	if (sodium_init() < 0 ||
	    keys_derive(&k, getenv("ROSTER_SECRET_KEY"), NULL) == -1) {
		fprintf(stderr, "mint: no usable ROSTER_SECRET_KEY\n");
		return 1;
	}
	a = arena_new(0);
	for (long i = 1; i <= n; i++) {
		uint8_t raw[CRYPTO_TOKEN_LEN], hash[32], sraw[CRYPTO_TOKEN_LEN];
		uint8_t shash[32], msg[33], mac[32];
		const char *email =
		    arena_printf(a, "%s%ld@%s", argv[2], i, argv[3]);

		token_new(raw, hash);
		token_new(sraw, shash);
		printf("%ld\t", i);
		hex(stdout, hash, 32);
		printf("\t%s\t", envelope_seal(a, &k, raw, email, expires));
		hex(stdout, shash, 32);
		msg[0] = 's';
		memcpy(msg + 1, shash, 32);
		crypto_hmac_with(mac, &k.mac[KEY_CSRF], msg, sizeof(msg));
		printf("\t%s\t%s\n", base64_url_encode(a, sraw, sizeof(sraw)),
		    base64_url_encode(a, mac, sizeof(mac)));
		arena_reset(a);
	}
	arena_free(a);
	keys_wipe(&k);
	return fflush(stdout) == 0 ? 0 : 1;
}
