/*
 * Unit tests of src/crypto/box.c: round trips, tampering, truncation,
 * wrong keys and key rotation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/box.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "tap.h"
#include "util/arena.h"

/* 32 bytes of 0x01 and 32 bytes of 0x02. */
#define SECRET_A "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define SECRET_B "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="

static struct arena *A;

static void
test_box(void)
{
	struct keys k, other;
	const char *msg = "To: a@example.org\r\nSubject: hi\r\n\r\nbody";
	uint8_t *box, *box2, *copy;
	size_t n, n2, i, outlen, bad;
	char *out;

	keys_derive(&k, SECRET_A, NULL);
	keys_derive(&other, SECRET_B, NULL);

	box_seal(A, &k, msg, strlen(msg), &box, &n);
	is_int((long long)(24 + strlen(msg) + 16), (long long)n,
	    "box is nonce + ciphertext + tag long");
	ok(box_open(A, &k, box, n, &out, &outlen) == 0, "box opens");
	is_string(msg, out, "box round trip (NUL-terminated)");
	is_int((long long)strlen(msg), (long long)outlen, "box length");

	box_seal(A, &k, msg, strlen(msg), &box2, &n2);
	ok(n == n2 && memcmp(box, box2, n) != 0,
	    "two boxes of one text differ");

	box_seal(A, &k, "", 0, &box2, &n2);
	ok(box_open(A, &k, box2, n2, &out, &outlen) == 0 && outlen == 0 &&
		out[0] == '\0',
	    "empty box round trip");

	bad = 0;
	copy = malloc(n);
	for (i = 0; i < n; i++) {
		memcpy(copy, box, n);
		copy[i] ^= 0x01;
		if (box_open(A, &k, copy, n, &out, &outlen) != -1)
			bad++;
		memcpy(copy, box, n);
		copy[i] ^= 0x80;
		if (box_open(A, &k, copy, n, &out, &outlen) != -1)
			bad++;
	}
	is_int(0, (long long)bad, "box: a flipped bit in any byte is refused");
	bad = 0;
	for (i = 0; i < n; i++)
		if (box_open(A, &k, box, i, &out, &outlen) != -1)
			bad++;
	is_int(0, (long long)bad, "box: every truncation is refused");
	free(copy);

	out = (char *)"untouched";
	outlen = 77;
	is_int(-1, box_open(A, &other, box, n, &out, &outlen),
	    "box: wrong key refused");
	ok(strcmp(out, "untouched") == 0 && outlen == 77,
	    "box: outputs untouched on failure");
	is_int(
	    -1, box_open(A, &k, NULL, 0, &out, &outlen), "box: NULL refused");

	/* After a rotation (B current, A previous) boxes sealed under A still
	 * open; with an unrelated previous secret they do not. */
	keys_derive(&other, SECRET_B, SECRET_A);
	ok(box_open(A, &other, box, n, &out, &outlen) == 0 &&
		strcmp(out, msg) == 0,
	    "box: sealed before a rotation opens with the previous key");
	box_seal(A, &other, msg, strlen(msg), &box2, &n2);
	ok(box_open(A, &k, box2, n2, &out, &outlen) == -1,
	    "box: sealed after the rotation does not open with the old key "
	    "alone");
	keys_wipe(&other);
	keys_derive(&other, SECRET_B, SECRET_B);
	is_int(-1, box_open(A, &other, box, n, &out, &outlen),
	    "box: a previous key that is not the sealing key is refused");
	keys_wipe(&k);
	keys_wipe(&other);
}

int
main(void)
{
	plan_lazy();
	if (crypto_init() != 0) {
		ok(false, "crypto_init");
		return done_testing();
	}
	A = arena_new(0);
	test_box();
	arena_free(A);
	return done_testing();
}
