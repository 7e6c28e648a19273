/*
 * Unit tests of src/crypto/envelope.c: round trips, a fixed vector, every
 * single-byte and single-character change, truncation, extension, forged
 * envelopes with a correct MAC but a bad shape, key rotation, email length
 * limits, garbage input and envelope_expired().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base64.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "tap.h"
#include "util/arena.h"

/* 32 bytes of 0x01, 0x02 and 0x03. */
#define SECRET_A "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define SECRET_B "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define SECRET_C "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="

static const char B64URL[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static struct arena *A;
static struct arena *S; /* scratch, reset after each refused() */
static struct keys KA;  /* current A */
static uint8_t TOKEN[CRYPTO_TOKEN_LEN];

/*
 * True when envelope_open refuses s and leaves *out as it was. Resets the
 * scratch arena S, which may hold s.
 */
static bool
refused(const struct keys *k, const char *s)
{
	struct envelope e, before;
	bool r;

	memset(&e, 0x5a, sizeof(e));
	before = e;
	r = envelope_open(S, k, s, &e) == -1 &&
	    memcmp(&e, &before, sizeof(e)) == 0;
	arena_reset(S);
	return r;
}

/* Decodes a sealed envelope to its binary form. */
static uint8_t *
raw(const char *s, size_t *n)
{
	uint8_t *b;

	if (base64_url_decode(A, s, &b, n) != 0)
		abort();
	return b;
}

/*
 * Builds an envelope by hand: version, expiry, the email length byte
 * elen_byte, email bytes, token, then a correct MAC under key.
 */
static char *
forge(const uint8_t key[32], uint8_t version, uint8_t elen_byte,
    const char *email, size_t elen)
{
	uint8_t buf[600];
	size_t n = 0;
	uint64_t x = 1700000000;
	int i;

	buf[n++] = version;
	for (i = 0; i < 8; i++)
		buf[n++] = (uint8_t)(x >> (56 - 8 * i));
	buf[n++] = elen_byte;
	memcpy(buf + n, email, elen);
	n += elen;
	memcpy(buf + n, TOKEN, CRYPTO_TOKEN_LEN);
	n += CRYPTO_TOKEN_LEN;
	crypto_hmac_keylen(buf + n, key, CRYPTO_KEY_LEN, buf, n);
	n += 32;
	return base64_url_encode(A, buf, n);
}

static void
test_roundtrip(void)
{
	static const int64_t exps[] = { 1700000000, 0, -1, INT64_MAX,
		INT64_MIN };
	struct envelope e;
	char *s;
	size_t i;

	s = envelope_seal(A, &KA, TOKEN, "alice@example.org", 1700000000);
	ok(s != NULL, "seal");
	e.email = NULL;
	is_int(0, envelope_open(A, &KA, s, &e), "open");
	is_bytes(
	    TOKEN, sizeof(TOKEN), e.token, sizeof(e.token), "token preserved");
	is_string("alice@example.org", e.email, "email preserved");
	is_int(1700000000, e.expires, "expiry preserved");
	for (i = 0; i < sizeof(exps) / sizeof(exps[0]); i++) {
		s = envelope_seal(A, &KA, TOKEN, "b@x.io", exps[i]);
		ok(s != NULL && envelope_open(A, &KA, s, &e) == 0 &&
			e.expires == exps[i],
		    "expiry %lld round trips", (long long)exps[i]);
	}
	s = envelope_seal(A, &KA, TOKEN, "a@b", 5);
	is_int((long long)(1 + 8 + 1 + 3 + 32 + 32),
	    (long long)(strlen(s) * 3 / 4), "layout length for a 3-byte email");
}

static void
test_vector(void)
{
	struct keys k;
	uint8_t tok[CRYPTO_TOKEN_LEN];
	struct envelope e;
	char *s;
	int i;

	/* Computed independently (Python hmac, struct and base64). */
	static const char want[] =
	    "AQAAAABlU_EADWFAZXhhbXBsZS5vcmeqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
	    "qqqqqqqqqqqqqj7JgvRW_R1bfhRrsJV3FMBPGBXea9MpPJoDYDJGpOWc";

	memset(&k, 0, sizeof(k));
	for (i = 0; i < 32; i++)
		k.k[KEY_ENVELOPE][i] = (uint8_t)i;
	crypto_hmac_key_init(&k.mac[KEY_ENVELOPE], k.k[KEY_ENVELOPE]);
	memset(tok, 0xaa, sizeof(tok));
	s = envelope_seal(A, &k, tok, "a@example.org", 1700000000);
	is_string(want, s, "envelope matches the independent vector");
	e.email = NULL;
	is_int(0, envelope_open(A, &k, want, &e), "the vector opens");
	is_string("a@example.org", e.email, "the vector's email");
	is_int(1700000000, e.expires, "the vector's expiry");
	is_bytes(
	    tok, sizeof(tok), e.token, sizeof(e.token), "the vector's token");
}

static void
test_tamper(void)
{
	char *s, *t;
	uint8_t *b, *c;
	size_t n, len, i, j, bad_bits = 0, bad_bytes = 0, bad_chars = 0;
	int bit;

	s = envelope_seal(A, &KA, TOKEN, "carol@example.com", 1700000000);
	b = raw(s, &n);
	c = malloc(n + 8);

	/* Every bit of every byte of the binary form. */
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(c, b, n);
			c[i] ^= (uint8_t)(1u << bit);
			if (!refused(&KA, base64_url_encode(S, c, n)))
				bad_bits++;
		}
	is_int(
	    0, (long long)bad_bits, "each of %zu flipped bits refused", n * 8);

	/* Every byte replaced with every other value, at every position. */
	for (i = 0; i < n; i++)
		for (j = 1; j < 256; j++) {
			memcpy(c, b, n);
			c[i] = (uint8_t)(b[i] + j);
			if (!refused(&KA, base64_url_encode(S, c, n)))
				bad_bytes++;
		}
	is_int(0, (long long)bad_bytes,
	    "each of %zu single-byte changes refused", n * 255);

	/* Every character replaced with every other base64url character. */
	len = strlen(s);
	t = malloc(len + 1);
	for (i = 0; i < len; i++)
		for (j = 0; j < 64; j++) {
			if (B64URL[j] == s[i])
				continue;
			memcpy(t, s, len + 1);
			t[i] = B64URL[j];
			if (!refused(&KA, t))
				bad_chars++;
		}
	is_int(0, (long long)bad_chars,
	    "each of %zu single-character changes refused", len * 63);
	free(t);
	free(c);
	ok(!refused(&KA, s), "the untouched envelope still opens");
}

static void
test_truncate_extend(void)
{
	char *s, *t, *enc;
	uint8_t *b, *c;
	size_t n, len, i, bad = 0;
	static const char *tails[] = { "A", "AA", "AAA", "AAAA", "AAAAAA", "-",
		"_", "=", "==", " ", "\n", "%00", "." };

	s = envelope_seal(A, &KA, TOKEN, "dave@example.net", 1700000000);
	len = strlen(s);
	b = raw(s, &n);

	for (i = 0; i < len; i++)
		if (!refused(&KA, arena_strndup(S, s, i)))
			bad++;
	is_int(0, (long long)bad, "every truncation of the string refused");
	bad = 0;
	for (i = 0; i < n; i++)
		if (!refused(&KA, base64_url_encode(S, b, i)))
			bad++;
	is_int(
	    0, (long long)bad, "every truncation of the binary form refused");

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		t = arena_printf(A, "%s%s", s, tails[i]);
		ok(refused(&KA, t), "appending \"%s\" refused",
		    tails[i][0] == '\n' ? "\\n" : tails[i]);
	}

	c = arena_alloc(A, n + 4);
	/* Bytes appended after the MAC. */
	for (i = 1; i <= 3; i++) {
		memcpy(c, b, n);
		memset(c + n, 0, i);
		ok(refused(&KA, base64_url_encode(A, c, n + i)),
		    "%zu zero bytes after the MAC refused", i);
	}
	/* A byte inserted before the MAC (inside the token). */
	memcpy(c, b, n - 32);
	c[n - 32] = 0;
	memcpy(c + n - 31, b + n - 32, 32);
	ok(refused(&KA, base64_url_encode(A, c, n + 1)),
	    "a byte inserted before the MAC refused");
	/* A byte inserted into the email, MAC recomputed, length byte kept. */
	enc = forge(KA.k[KEY_ENVELOPE], 1, 16, "dave@example.nett", 17);
	ok(refused(&KA, enc),
	    "longer email, stale length byte, good MAC refused");
	enc = forge(KA.k[KEY_ENVELOPE], 1, 18, "dave@example.nett", 17);
	ok(refused(&KA, enc), "length byte too large, good MAC refused");
	enc = forge(KA.k[KEY_ENVELOPE], 1, 17, "dave@example.nett", 17);
	ok(!refused(&KA, enc),
	    "the consistent forged envelope opens (control)");
}

static void
test_forged(void)
{
	const uint8_t *key = KA.k[KEY_ENVELOPE];
	char email[256];
	char *s;

	ok(refused(&KA, forge(key, 0, 5, "a@b.c", 5)), "version 0 refused");
	ok(refused(&KA, forge(key, 2, 5, "a@b.c", 5)), "version 2 refused");
	ok(refused(&KA, forge(key, 255, 5, "a@b.c", 5)), "version 255 refused");
	ok(!refused(&KA, forge(key, 1, 5, "a@b.c", 5)),
	    "version 1 forged with the key opens (control)");
	ok(refused(&KA, forge(key, 1, 0, "", 0)), "empty email refused");
	memset(email, 'e', sizeof(email));
	ok(refused(&KA, forge(key, 1, 255, email, 255)),
	    "255-byte email refused even with a good MAC");
	ok(!refused(&KA, forge(key, 1, 254, email, 254)),
	    "254-byte email with a good MAC opens (control)");
	ok(refused(&KA, forge(key, 1, 5, "a@\0.c", 5)),
	    "email holding a NUL refused");
	s = forge(KA.k[KEY_CSRF], 1, 5, "a@b.c", 5);
	ok(refused(&KA, s), "MAC under another purpose's key refused");
}

static void
test_keys_rotation(void)
{
	struct keys kb, kb_prev_a, kb_prev_c, kc;
	struct envelope e;
	char *s;

	keys_derive(&kb, SECRET_B, NULL);
	keys_derive(&kb_prev_a, SECRET_B, SECRET_A);
	keys_derive(&kb_prev_c, SECRET_B, SECRET_C);
	keys_derive(&kc, SECRET_C, NULL);

	s = envelope_seal(A, &KA, TOKEN, "erin@example.org", 1700000000);
	ok(refused(&kc, s), "wrong key refused");
	ok(refused(&kb, s), "current B, no previous: A's envelope refused");
	ok(refused(&kb_prev_c, s),
	    "current B, previous C: A's envelope refused");
	e.email = NULL;
	is_int(0, envelope_open(A, &kb_prev_a, s, &e),
	    "current B, previous A: A's envelope opens");
	is_string("erin@example.org", e.email, "rotated: email preserved");
	is_bytes(TOKEN, sizeof(TOKEN), e.token, sizeof(e.token),
	    "rotated: token preserved");

	s = envelope_seal(A, &kb_prev_a, TOKEN, "erin@example.org", 1700000000);
	ok(!refused(&kb, s), "sealing uses the current key (B opens it)");
	ok(refused(&KA, s), "sealing never uses the previous key (A refuses)");
	ok(!refused(&kb_prev_a, s), "B with previous A opens B's envelope");

	keys_wipe(&kb);
	keys_wipe(&kb_prev_a);
	keys_wipe(&kb_prev_c);
	keys_wipe(&kc);
}

static void
test_email_limits(void)
{
	char email[300];
	struct envelope e;
	char *s;

	memset(email, 'x', sizeof(email));
	email[0] = 'a';
	email[1] = '@';
	email[254] = '\0';
	s = envelope_seal(A, &KA, TOKEN, email, 1);
	ok(s != NULL, "254-byte email sealed");
	ok(s != NULL && envelope_open(A, &KA, s, &e) == 0 &&
		strcmp(e.email, email) == 0,
	    "254-byte email opens intact");
	email[254] = 'x';
	email[255] = '\0';
	ok(envelope_seal(A, &KA, TOKEN, email, 1) == NULL,
	    "255-byte email refused by seal");
	email[299] = '\0';
	ok(envelope_seal(A, &KA, TOKEN, email, 1) == NULL,
	    "299-byte email refused by seal");
	ok(envelope_seal(A, &KA, TOKEN, "", 1) == NULL, "empty email refused");
	ok(envelope_seal(A, &KA, TOKEN, NULL, 1) == NULL, "NULL email refused");
	s = envelope_seal(A, &KA, TOKEN, "x", 1);
	ok(s != NULL && envelope_open(A, &KA, s, &e) == 0 &&
		strcmp(e.email, "x") == 0,
	    "1-byte email round trips");
}

static void
test_garbage(void)
{
	char *big, *s;
	size_t i;
	static const char *junk[] = { "", "!!!!", "A", "AAAA", "%00",
		"abc%00def", "AQAAAABlU_EADWFAZXhhbXBsZS5vcmeq%00", "null",
		"undefined", "AQ==", " ", "\xff\xfe", "../../etc/passwd" };

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		ok(refused(&KA, junk[i]), "garbage \"%s\" refused",
		    i == 11 ? "\\xff\\xfe" : junk[i]);
	ok(refused(&KA, NULL), "NULL refused");

	big = malloc(100001);
	memset(big, 'A', 100000);
	big[100000] = '\0';
	ok(refused(&KA, big), "100000-character string refused");
	/* A valid prefix followed by a long tail. */
	s = envelope_seal(A, &KA, TOKEN, "f@x.io", 1);
	memcpy(big, s, strlen(s));
	ok(refused(&KA, big), "valid envelope with a long tail refused");
	free(big);
	s = arena_printf(
	    A, "%s%%00", envelope_seal(A, &KA, TOKEN, "f@x.io", 1));
	ok(refused(&KA, s), "valid envelope followed by %%00 refused");
	/* A NUL in the middle: the C string ends there, so it is truncated. */
	s = envelope_seal(A, &KA, TOKEN, "f@x.io", 1);
	s[20] = '\0';
	ok(refused(&KA, s), "envelope cut by a NUL refused");
}

static void
test_expired(void)
{
	struct envelope e;

	memset(&e, 0, sizeof(e));
	e.expires = 1700000000;
	ok(!envelope_expired(&e, 1700000000 - 1), "not expired at expires-1");
	ok(envelope_expired(&e, 1700000000), "expired at expires");
	ok(envelope_expired(&e, 1700000000 + 1), "expired at expires+1");
	e.expires = INT64_MAX;
	ok(!envelope_expired(&e, 0), "INT64_MAX never expires at 0");
	e.expires = INT64_MIN;
	ok(envelope_expired(&e, INT64_MIN), "INT64_MIN expired at INT64_MIN");
}

int
main(void)
{
	plan_lazy();
	if (crypto_init() != 0 || keys_derive(&KA, SECRET_A, NULL) != 0) {
		ok(false, "crypto_init and keys_derive");
		return done_testing();
	}
	A = arena_new(0);
	S = arena_new(0);
	crypto_random(TOKEN, sizeof(TOKEN));
	test_roundtrip();
	test_vector();
	test_tamper();
	test_truncate_extend();
	test_forged();
	test_keys_rotation();
	test_email_limits();
	test_garbage();
	test_expired();
	keys_wipe(&KA);
	arena_free(S);
	arena_free(A);
	return done_testing();
}
