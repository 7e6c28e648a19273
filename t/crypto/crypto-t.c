/*
 * Unit tests of src/crypto/crypto.c: base64url and base64 (round trips and
 * every rejection of the strict decoder), hex, SHA-256 and HMAC-SHA-256
 * against independent vectors, subkey derivation, argon2id password
 * hashing, the outbox box and the constant-time comparisons.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "tap.h"
#include "util/arena.h"

/* 40 bytes 100..139 in standard base64, padded and not. */
#define SECRET40       "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKiw=="
#define SECRET40_NOPAD "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKiw"
/* 32 bytes of 0x01 and 32 bytes of 0x02. */
#define SECRET_A "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define SECRET_B "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
/* 31 bytes: one short. */
#define SECRET_31 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=="

static struct arena *A;

/* Parses 2n hex digits into out. */
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

static void
test_b64url_roundtrip(void)
{
	uint8_t buf[70], *out;
	size_t n, outlen, bad = 0, badlen = 0, badchars = 0;
	char *s;

	for (n = 0; n <= 70; n++) {
		crypto_random(buf, n);
		s = b64url_encode(A, buf, n);
		if (strlen(s) != (n * 4 + 2) / 3)
			badlen++;
		if (strpbrk(s, "=+/") != NULL)
			badchars++;
		out = NULL;
		outlen = 999;
		if (b64url_decode(A, s, &out, &outlen) != 0 || outlen != n ||
		    memcmp(out, buf, n) != 0)
			bad++;
	}
	is_int(0, (long long)bad, "b64url: lengths 0..70 round trip");
	is_int(0, (long long)badlen, "b64url: encoded length is ceil(4n/3)");
	is_int(0, (long long)badchars, "b64url: no '=', '+' or '/' in output");

	/* RFC 4648 section 10, without padding, and the two url characters. */
	is_string("", b64url_encode(A, "", 0), "b64url of empty");
	is_string("Zg", b64url_encode(A, "f", 1), "b64url of f");
	is_string("Zm8", b64url_encode(A, "fo", 2), "b64url of fo");
	is_string("Zm9v", b64url_encode(A, "foo", 3), "b64url of foo");
	is_string("Zm9vYg", b64url_encode(A, "foob", 4), "b64url of foob");
	is_string("Zm9vYmE", b64url_encode(A, "fooba", 5), "b64url of fooba");
	is_string(
	    "Zm9vYmFy", b64url_encode(A, "foobar", 6), "b64url of foobar");
	is_string(
	    "-_8", b64url_encode(A, "\xfb\xff", 2), "b64url uses - and _");
	ok(b64url_decode(A, "-_8", &out, &outlen) == 0 && outlen == 2 &&
		out[0] == 0xfb && out[1] == 0xff,
	    "b64url decodes - and _");
	ok(b64url_decode(A, "", &out, &outlen) == 0 && outlen == 0,
	    "b64url decodes the empty string");
}

static void
test_b64url_reject(void)
{
	static const struct {
		const char *s;
		const char *why;
	} bad[] = {
		{ "Zg==", "'=' padding" },
		{ "Zm8=", "single '=' padding" },
		{ "Zg=", "partial padding" },
		{ "=", "lone '='" },
		{ "Zm9v+g", "'+'" },
		{ "Zm9v/g", "'/'" },
		{ "+_8", "'+' in place of '-'" },
		{ "-/8", "'/' in place of '_'" },
		{ "Zm9v Yg", "space" },
		{ " Zm9vYg", "leading space" },
		{ "Zm9vYg ", "trailing space" },
		{ "Zm9v\nYg", "newline" },
		{ "Zm9vYg\n", "trailing newline" },
		{ "Zm9v\tYg", "tab" },
		{ "Zm9v\rYg", "carriage return" },
		{ "Zm9v.Yg", "'.'" },
		{ "Zm9v%00", "'%'" },
		{ "Zm9v\x80Yg", "byte 0x80" },
		{ "Zm9v\xffYg", "byte 0xff" },
		{ "Zm9v\x01Yg", "control byte" },
		{ "Z", "length 1" },
		{ "Zm9vY", "length 5" },
		{ "Zm9vYmFyZ", "length 9" },
		{ "Zh", "non-zero trailing bits after 2 chars" },
		{ "Zm9", "non-zero trailing bits after 3 chars" },
		{ "Zm9vYh", "non-zero trailing bits after 6 chars" },
		{ "Zm9vYmF", "non-zero trailing bits after 7 chars" },
		{ "_x", "0xff with a stray bit" },
		{ "__9", "0xffff with a stray bit" },
	};
	uint8_t sentinel_buf[1], *out = sentinel_buf;
	size_t i, outlen = 12345;

	/* The canonical neighbours of two rejected strings below. */
	ok(b64url_decode(A, "_w", &out, &outlen) == 0 && outlen == 1 &&
		out[0] == 0xff,
	    "b64url: _w decodes to 0xff");
	ok(b64url_decode(A, "__8", &out, &outlen) == 0 && outlen == 2 &&
		out[0] == 0xff && out[1] == 0xff,
	    "b64url: __8 decodes to 0xffff");

	out = sentinel_buf;
	outlen = 12345;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(-1, b64url_decode(A, bad[i].s, &out, &outlen),
		    "b64url rejects %s", bad[i].why);
	ok(out == sentinel_buf && outlen == 12345,
	    "b64url: outputs untouched on rejection");
	is_int(
	    -1, b64url_decode(A, NULL, &out, &outlen), "b64url rejects NULL");
}

static void
test_b64_standard(void)
{
	uint8_t buf[70], *out;
	size_t n, outlen, bad = 0;
	char *s;

	for (n = 0; n <= 70; n++) {
		crypto_random(buf, n);
		s = b64_encode(A, buf, n);
		if (strlen(s) != (n + 2) / 3 * 4 ||
		    b64_decode(A, s, &out, &outlen) != 0 || outlen != n ||
		    memcmp(out, buf, n) != 0)
			bad++;
	}
	is_int(0, (long long)bad, "b64: lengths 0..70 round trip");
	is_string("Zg==", b64_encode(A, "f", 1), "b64 of f");
	is_string("Zm8=", b64_encode(A, "fo", 2), "b64 of fo");
	is_string("Zm9vYmFy", b64_encode(A, "foobar", 6), "b64 of foobar");
	is_string("+/8=", b64_encode(A, "\xfb\xff", 2), "b64 uses + and /");
	ok(b64_decode(A, "+/8=", &out, &outlen) == 0 && outlen == 2 &&
		out[0] == 0xfb && out[1] == 0xff,
	    "b64 decodes + and /");
	is_int(-1, b64_decode(A, "Zg", &out, &outlen),
	    "b64 rejects missing padding");
	is_int(-1, b64_decode(A, "-_8=", &out, &outlen),
	    "b64 rejects url alphabet");
	is_int(-1, b64_decode(A, "Zm9v!mFy", &out, &outlen), "b64 rejects '!'");
	is_int(
	    -1, b64_decode(A, "Zm9v YmFy", &out, &outlen), "b64 rejects space");
	is_int(-1, b64_decode(A, "Zg=a", &out, &outlen),
	    "b64 rejects data after '='");
	is_int(-1, b64_decode(A, NULL, &out, &outlen), "b64 rejects NULL");
}

static void
test_hex(void)
{
	is_string("", hex_encode(A, "", 0), "hex of nothing");
	is_string("00abff7f", hex_encode(A, "\x00\xab\xff\x7f", 4),
	    "hex is lower-case");
}

static void
test_sha256(void)
{
	uint8_t want[32], got[32];
	static const char *abc448 =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	crypto_sha256(got, "", 0);
	unhex(
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    want, 32);
	is_bytes(want, 32, got, 32, "SHA-256 of \"\"");
	crypto_sha256(got, "abc", 3);
	unhex(
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    want, 32);
	is_bytes(want, 32, got, 32, "SHA-256 of \"abc\"");
	crypto_sha256(got, abc448, strlen(abc448));
	unhex(
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    want, 32);
	is_bytes(want, 32, got, 32, "SHA-256 of the 448-bit FIPS message");
	crypto_sha256(got, "abc", 3);
	is_string(
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    hex_encode(A, got, 32), "hex of SHA-256(\"abc\")");
}

/* HMAC-SHA-256 from its definition (RFC 2104) over crypto_sha256. */
static void
hmac_manual(uint8_t out[32], const uint8_t key[32], const void *m, size_t n)
{
	uint8_t pad[64], inner[32], *buf;
	size_t i;

	buf = malloc(64 + (n > 32 ? n : 32));
	if (buf == NULL)
		abort();
	for (i = 0; i < 64; i++)
		pad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x36);
	memcpy(buf, pad, 64);
	memcpy(buf + 64, m, n);
	crypto_sha256(inner, buf, 64 + n);
	for (i = 0; i < 64; i++)
		pad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x5c);
	memcpy(buf, pad, 64);
	memcpy(buf + 64, inner, 32);
	crypto_sha256(out, buf, 64 + 32);
	free(buf);
}

static void
test_hmac(void)
{
	uint8_t key[32], want[32], got[32], msg[300];
	static const size_t lens[] = { 0, 1, 31, 55, 56, 63, 64, 65, 127, 128,
		300 };
	size_t i, j, bad = 0;
	const char *fox = "The quick brown fox jumps over the lazy dog";

	/* Vectors computed independently (Python's hmac module). */
	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	crypto_hmac(got, key, fox, strlen(fox));
	unhex(
	    "f87ad256151fc7b4c5dffa4adb3ebe911a8eeb8a8ebdee3c2a4a8e5f5ec02c32",
	    want, 32);
	is_bytes(want, 32, got, 32, "HMAC: key 00..1f, fox message");
	memset(key, 0xaa, 32);
	crypto_hmac(got, key, "", 0);
	unhex(
	    "63210aee265762634fa3db8c1aa920dcd07d31ec297309580394a21412f83372",
	    want, 32);
	is_bytes(want, 32, got, 32, "HMAC: key aa*32, empty message");

	/* Against the definition, for several random keys and lengths. */
	for (j = 0; j < 5; j++) {
		crypto_random(key, sizeof(key));
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			crypto_random(msg, lens[i]);
			crypto_hmac(got, key, msg, lens[i]);
			hmac_manual(want, key, msg, lens[i]);
			if (memcmp(want, got, 32) != 0)
				bad++;
		}
	}
	is_int(0, (long long)bad,
	    "HMAC matches ipad/opad construction (55 cases)");

	memset(key, 1, 32);
	crypto_hmac(want, key, "message", 7);
	key[31] ^= 1;
	crypto_hmac(got, key, "message", 7);
	ok(memcmp(want, got, 32) != 0, "HMAC: one key bit changes the MAC");
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

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_password(void)
{
	char *h = NULL, *h2 = NULL, *big;
	double t0, real, dummy;

	is_int(
	    0, password_hash(A, "correct horse battery", &h), "password_hash");
	ok(h != NULL && strncmp(h, "$argon2id$", 10) == 0,
	    "hash starts with $argon2id$");
	contains(h, "m=19456,t=2,p=1", "hash uses m=19456, t=2, p=1");
	ok(password_verify(h, "correct horse battery"),
	    "right password verifies");
	ok(!password_verify(h, "correct horse batterY"),
	    "wrong password fails");
	ok(!password_verify(h, ""), "empty password fails");
	ok(!password_verify(h, NULL), "NULL password fails");
	ok(!password_verify(NULL, "correct horse battery"),
	    "NULL hash is false");
	/* The dummy hash's own password (crypto.c) must not log anyone in. */
	ok(!password_verify(NULL, "roster dummy password for unknown users"),
	    "NULL hash is false even for the dummy's password");
	ok(!password_verify("not a hash", "x"), "garbage hash is false");
	is_int(0, password_hash(A, "correct horse battery", &h2), "hash again");
	ok(strcmp(h, h2) != 0, "two hashes of one password differ (salt)");

	big = malloc(1026);
	memset(big, 'p', 1025);
	big[1025] = '\0';
	h2 = (char *)"untouched";
	is_int(-1, password_hash(A, big, &h2), "1025-byte password refused");
	is_string("untouched", h2, "refused hash leaves *out alone");
	ok(!password_verify(h, big), "1025-byte password does not verify");
	ok(!password_verify(NULL, big),
	    "1025-byte password, NULL hash is false");
	big[1024] = '\0';
	is_int(0, password_hash(A, big, &h2), "1024-byte password hashed");
	ok(password_verify(h2, big), "1024-byte password verifies");
	free(big);
	is_int(-1, password_hash(A, NULL, &h2), "NULL password refused");

	/* The unknown-user path must cost about as much as a real verify. */
	t0 = now_sec();
	(void)password_verify(h, "wrong password here");
	real = now_sec() - t0;
	t0 = now_sec();
	(void)password_verify(NULL, "wrong password here");
	dummy = now_sec() - t0;
	diag("verify %.1f ms, dummy verify %.1f ms", real * 1e3, dummy * 1e3);
	ok(dummy > real / 4, "NULL hash costs a real verification");
	t0 = now_sec();
	ok(!password_verify("!", "wrong password here"), "the unusable hash \"!\" is false");
	dummy = now_sec() - t0;
	ok(dummy > real / 4, "an unusable hash costs a real verification (%.1f ms)",
	    dummy * 1e3);
}

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

static void
test_compare(void)
{
	uint8_t a[32], b[32], z[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	crypto_random(a, sizeof(a));
	memcpy(b, a, sizeof(a));
	ok(crypto_equal(a, b, 32), "crypto_equal: equal regions");
	b[31] ^= 1;
	ok(!crypto_equal(a, b, 32), "crypto_equal: last byte differs");
	b[31] ^= 1;
	b[0] ^= 0x80;
	ok(!crypto_equal(a, b, 32), "crypto_equal: first byte differs");
	ok(crypto_equal(a, b, 0), "crypto_equal: zero bytes are equal");

	ok(crypto_streq("secret", "secret"), "crypto_streq: equal");
	ok(!crypto_streq("secret", "secreT"),
	    "crypto_streq: last char differs");
	ok(!crypto_streq("secret", "secrets"), "crypto_streq: longer");
	ok(!crypto_streq("secret", "secre"), "crypto_streq: prefix");
	ok(!crypto_streq("", "x"), "crypto_streq: empty vs non-empty");
	ok(crypto_streq("", ""), "crypto_streq: both empty");
	ok(!crypto_streq(NULL, "x"), "crypto_streq: NULL left");
	ok(!crypto_streq("x", NULL), "crypto_streq: NULL right");

	crypto_wipe(z, sizeof(z));
	ok(z[0] == 0 && z[7] == 0, "crypto_wipe zeroes");
}

static void
test_random(void)
{
	uint8_t a[32], b[32], *t1, *t2;

	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	ok(memcmp(a, b, 32) != 0, "crypto_random: two draws differ");
	t1 = crypto_token(A);
	t2 = crypto_token(A);
	ok(t1 != NULL && t2 != NULL && memcmp(t1, t2, CRYPTO_TOKEN_LEN) != 0,
	    "crypto_token: two tokens differ");
	is_int(43, (long long)strlen(b64url_encode(A, t1, CRYPTO_TOKEN_LEN)),
	    "a token is 43 base64url characters");
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
	test_b64url_roundtrip();
	test_b64url_reject();
	test_b64_standard();
	test_hex();
	test_sha256();
	test_hmac();
	test_keys();
	test_password();
	test_box();
	test_compare();
	test_random();
	arena_free(A);
	return done_testing();
}
