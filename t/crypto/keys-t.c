/*
 * Unit tests of src/crypto/keys.c: every refusal of a secret, padded and
 * unpadded secrets, independent vectors of the derived keys, rotation and
 * wiping.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "tap.h"

/* 40 bytes 100..139 in standard base64, padded and not. */
#define SECRET40       "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKiw=="
#define SECRET40_NOPAD "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKiw"
/* 32 bytes of 0x01 and 32 bytes of 0x02. */
#define SECRET_A "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define SECRET_B "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
/* 31 bytes: one short. */
#define SECRET_31 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=="

static void
unhex(const char *h, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
}

static bool
keys_same(const struct keys *a, const struct keys *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void
test_keys(void)
{
	struct keys k1, k2, k3, sentinel;
	uint8_t want[32];
	char *longsecret;
	int p, q, distinct = 1;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	k1 = sentinel;
	is_int(-1, keys_derive(&k1, NULL, NULL), "keys: NULL secret fails");
	is_int(-1, keys_derive(&k1, "", NULL), "keys: empty secret fails");
	is_int(-1, keys_derive(&k1, SECRET_31, NULL),
	    "keys: 31-byte secret fails");
	is_int(-1, keys_derive(&k1, "c2hvcnQ=", NULL),
	    "keys: 5-byte secret fails");
	is_int(-1,
	    keys_derive(
		&k1, "!!not base64 at all, not even close!!!!!!!!!", NULL),
	    "keys: malformed base64 fails");
	is_int(-1, keys_derive(&k1, SECRET40 " ", NULL),
	    "keys: trailing space fails");
	is_int(-1,
	    keys_derive(
		&k1, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=AAAA", NULL),
	    "keys: data after padding fails");
	is_int(-1,
	    keys_derive(
		&k1, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE-", NULL),
	    "keys: url alphabet fails");
	is_int(-1, keys_derive(&k1, SECRET_A, "!!!!"),
	    "keys: malformed previous secret fails");
	is_int(-1, keys_derive(&k1, SECRET_A, SECRET_31),
	    "keys: short previous secret fails");
	longsecret = malloc(4000);
	memset(longsecret, 'A', 3999);
	longsecret[3999] = '\0';
	is_int(-1, keys_derive(&k1, longsecret, NULL),
	    "keys: secret over 1024 bytes fails");
	free(longsecret);
	ok(keys_same(&k1, &sentinel), "keys: output untouched on failure");

	is_int(
	    0, keys_derive(&k1, SECRET40, NULL), "keys: 40-byte secret works");
	ok(!k1.has_prev, "keys: no previous key without prev");
	is_int(0, keys_derive(&k2, SECRET40_NOPAD, ""),
	    "keys: unpadded secret works, empty prev ignored");
	ok(keys_same(&k1, &k2), "keys: padded and unpadded give the same keys");
	ok(!k2.has_prev, "keys: empty prev gives no previous key");

	/* Independent vector: BLAKE2b-256 master, BLAKE2b KDF (Python). */
	unhex(
	    "4afb53f551ee743cc6f8353642f294c175a71f2799a3405cc725131aeb1f3d0e",
	    want, 32);
	is_bytes(want, 32, k1.k[KEY_ENVELOPE], 32, "keys: envelope key vector");
	unhex(
	    "51e4beb3ebd8cf4bd71eb981779d5c443ce337bde3d494d70ad6d7241f428ecc",
	    want, 32);
	is_bytes(want, 32, k1.k[KEY_OUTBOX], 32, "keys: outbox key vector");

	for (p = 0; p < KEY__MAX; p++)
		for (q = p + 1; q < KEY__MAX; q++)
			if (memcmp(k1.k[p], k1.k[q], 32) == 0)
				distinct = 0;
	ok(distinct, "keys: every purpose has its own key");

	is_int(0, keys_derive(&k2, SECRET_A, NULL), "keys: secret A");
	is_int(0, keys_derive(&k3, SECRET_A, NULL), "keys: secret A again");
	ok(keys_same(&k2, &k3), "keys: same secret, same keys");
	is_int(0, keys_derive(&k3, SECRET_B, NULL), "keys: secret B");
	distinct = 1;
	for (p = 0; p < KEY__MAX; p++)
		if (memcmp(k2.k[p], k3.k[p], 32) == 0)
			distinct = 0;
	ok(distinct, "keys: a different secret gives different keys");

	is_int(0, keys_derive(&k3, SECRET_B, SECRET_A), "keys: B with prev A");
	ok(k3.has_prev, "keys: prev set gives has_prev");
	is_bytes(k2.k[KEY_ENVELOPE], 32, k3.envelope_prev, 32,
	    "keys: previous envelope key is A's envelope key");
	is_int(0, keys_derive(&k2, SECRET_B, NULL), "keys: B alone");
	is_bytes(k2.k[KEY_CSRF], 32, k3.k[KEY_CSRF], 32,
	    "keys: prev does not change the current keys");

	keys_wipe(&k3);
	memset(&k2, 0, sizeof(k2));
	ok(keys_same(&k2, &k3), "keys_wipe zeroes everything");
}

int
main(void)
{
	plan_lazy();
	if (crypto_init() != 0) {
		ok(false, "crypto_init");
		return done_testing();
	}
	test_keys();
	return done_testing();
}
