/*
 * Fuzz harness for src/crypto/envelope.c: envelope_open on arbitrary
 * strings (must refuse without reading out of bounds, and any envelope it
 * accepts must be well formed), and a seal/open round trip for arbitrary
 * tokens, expiries and emails (what is sealed opens to the same values;
 * one changed character never opens).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SECRET "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define FUZZ_PREV   "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="

static struct arena *fuzz_arena;
static struct keys fuzz_keys;

static void
fuzz_setup(void)
{
	if (crypto_init() != 0 ||
	    keys_derive(&fuzz_keys, FUZZ_SECRET, FUZZ_PREV) != 0)
		abort();
	fuzz_arena = arena_new(0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope e;

	if (fuzz_arena == NULL)
		fuzz_setup();

	/* 1. Arbitrary input as an envelope string. */
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (envelope_open(fuzz_arena, &fuzz_keys, s, &e) == 0) {
		if (e.email == NULL || strlen(e.email) > ENVELOPE_EMAIL_MAX)
			abort();
	}
	free(s);

	/* 2. Round trip: token (32 bytes), expiry (8), then the email. */
	if (size >= CRYPTO_TOKEN_LEN + 8) {
		uint8_t token[CRYPTO_TOKEN_LEN];
		int64_t exp = 0;
		memcpy(token, data, CRYPTO_TOKEN_LEN);
		memcpy(&exp, data + CRYPTO_TOKEN_LEN, 8);
		size_t elen = size - CRYPTO_TOKEN_LEN - 8;
		char *email = malloc(elen + 1);
		memcpy(email, data + CRYPTO_TOKEN_LEN + 8, elen);
		email[elen] = '\0';
		char *sealed =
		    envelope_seal(fuzz_arena, &fuzz_keys, token, email, exp);
		size_t sl = strlen(email);
		if (sealed == NULL) {
			if (sl != 0 && sl <= ENVELOPE_EMAIL_MAX)
				abort();
		} else {
			memset(&e, 0, sizeof(e));
			if (envelope_open(fuzz_arena, &fuzz_keys, sealed, &e) !=
			    0)
				abort();
			if (memcmp(e.token, token, sizeof(token)) != 0 ||
			    strcmp(e.email, email) != 0 || e.expires != exp)
				abort();
			/* Flip one character: must no longer open. */
			size_t n = strlen(sealed);
			size_t at = (size_t)(exp < 0 ? -(exp + 1) : exp) % n;
			sealed[at] = sealed[at] == 'A' ? 'B' : 'A';
			if (envelope_open(fuzz_arena, &fuzz_keys, sealed, &e) ==
			    0)
				abort();
		}
		free(email);
	}
	arena_reset(fuzz_arena);
	return 0;
}
