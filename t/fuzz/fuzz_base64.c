/*
 * Fuzz harness for src/crypto/base64.c: both decoders on arbitrary
 * strings, and encode/decode round trips of arbitrary bytes. Strict
 * base64url has exactly one encoding per byte string, so whatever decodes
 * must encode back to the same text; standard base64 likewise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base64.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *fuzz_arena;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out;
	size_t outlen;

	if (fuzz_arena == NULL)
		fuzz_arena = arena_new(0);

	/* Round trips of the raw bytes. */
	char *u = base64_url_encode(fuzz_arena, data, size);
	if (base64_url_decode(fuzz_arena, u, &out, &outlen) != 0 ||
	    outlen != size || memcmp(out, data, size) != 0 || out[outlen] != 0)
		abort();
	char *b = base64_encode(fuzz_arena, data, size);
	if (base64_decode(fuzz_arena, b, &out, &outlen) != 0 ||
	    outlen != size || memcmp(out, data, size) != 0 || out[outlen] != 0)
		abort();

	/* The input as text to decode: what decodes re-encodes to itself. */
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (base64_url_decode(fuzz_arena, s, &out, &outlen) == 0) {
		if (strcmp(base64_url_encode(fuzz_arena, out, outlen), s) != 0)
			abort();
	}
	if (base64_decode(fuzz_arena, s, &out, &outlen) == 0) {
		if (strcmp(base64_encode(fuzz_arena, out, outlen), s) != 0)
			abort();
	}
	free(s);
	arena_reset(fuzz_arena);
	return 0;
}
