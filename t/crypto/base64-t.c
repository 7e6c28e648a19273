/*
 * Unit tests of src/crypto/base64.c: base64url and base64 round trips and
 * every rejection of the strict decoder.
 */
#include <stdint.h>
#include <string.h>

#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *A;

static void
test_url_roundtrip(void)
{
	uint8_t buf[70], *out;
	size_t n, outlen, bad = 0, badlen = 0, badchars = 0;
	char *s;

	for (n = 0; n <= 70; n++) {
		crypto_random(buf, n);
		s = base64_url_encode(A, buf, n);
		if (strlen(s) != (n * 4 + 2) / 3)
			badlen++;
		if (strpbrk(s, "=+/") != NULL)
			badchars++;
		out = NULL;
		outlen = 999;
		if (base64_url_decode(A, s, &out, &outlen) != 0 ||
		    outlen != n || memcmp(out, buf, n) != 0)
			bad++;
	}
	is_int(0, (long long)bad, "b64url: lengths 0..70 round trip");
	is_int(0, (long long)badlen, "b64url: encoded length is ceil(4n/3)");
	is_int(0, (long long)badchars, "b64url: no '=', '+' or '/' in output");

	/* RFC 4648 section 10, without padding, and the two url characters. */
	is_string("", base64_url_encode(A, "", 0), "b64url of empty");
	is_string("Zg", base64_url_encode(A, "f", 1), "b64url of f");
	is_string("Zm8", base64_url_encode(A, "fo", 2), "b64url of fo");
	is_string("Zm9v", base64_url_encode(A, "foo", 3), "b64url of foo");
	is_string("Zm9vYg", base64_url_encode(A, "foob", 4), "b64url of foob");
	is_string(
	    "Zm9vYmE", base64_url_encode(A, "fooba", 5), "b64url of fooba");
	is_string(
	    "Zm9vYmFy", base64_url_encode(A, "foobar", 6), "b64url of foobar");
	is_string(
	    "-_8", base64_url_encode(A, "\xfb\xff", 2), "b64url uses - and _");
	ok(base64_url_decode(A, "-_8", &out, &outlen) == 0 && outlen == 2 &&
		out[0] == 0xfb && out[1] == 0xff,
	    "b64url decodes - and _");
	ok(base64_url_decode(A, "", &out, &outlen) == 0 && outlen == 0,
	    "b64url decodes the empty string");
}

static void
test_url_reject(void)
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
	ok(base64_url_decode(A, "_w", &out, &outlen) == 0 && outlen == 1 &&
		out[0] == 0xff,
	    "b64url: _w decodes to 0xff");
	ok(base64_url_decode(A, "__8", &out, &outlen) == 0 && outlen == 2 &&
		out[0] == 0xff && out[1] == 0xff,
	    "b64url: __8 decodes to 0xffff");

	out = sentinel_buf;
	outlen = 12345;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(-1, base64_url_decode(A, bad[i].s, &out, &outlen),
		    "b64url rejects %s", bad[i].why);
	ok(out == sentinel_buf && outlen == 12345,
	    "b64url: outputs untouched on rejection");
	is_int(-1, base64_url_decode(A, NULL, &out, &outlen),
	    "b64url rejects NULL");
}

static void
test_standard(void)
{
	uint8_t buf[70], *out;
	size_t n, outlen, bad = 0;
	char *s;

	for (n = 0; n <= 70; n++) {
		crypto_random(buf, n);
		s = base64_encode(A, buf, n);
		if (strlen(s) != (n + 2) / 3 * 4 ||
		    base64_decode(A, s, &out, &outlen) != 0 || outlen != n ||
		    memcmp(out, buf, n) != 0)
			bad++;
	}
	is_int(0, (long long)bad, "b64: lengths 0..70 round trip");
	is_string("Zg==", base64_encode(A, "f", 1), "b64 of f");
	is_string("Zm8=", base64_encode(A, "fo", 2), "b64 of fo");
	is_string("Zm9vYmFy", base64_encode(A, "foobar", 6), "b64 of foobar");
	is_string("+/8=", base64_encode(A, "\xfb\xff", 2), "b64 uses + and /");
	ok(base64_decode(A, "+/8=", &out, &outlen) == 0 && outlen == 2 &&
		out[0] == 0xfb && out[1] == 0xff,
	    "b64 decodes + and /");
	is_int(-1, base64_decode(A, "Zg", &out, &outlen),
	    "b64 rejects missing padding");
	is_int(-1, base64_decode(A, "-_8=", &out, &outlen),
	    "b64 rejects url alphabet");
	is_int(
	    -1, base64_decode(A, "Zm9v!mFy", &out, &outlen), "b64 rejects '!'");
	is_int(-1, base64_decode(A, "Zm9v YmFy", &out, &outlen),
	    "b64 rejects space");
	is_int(-1, base64_decode(A, "Zg=a", &out, &outlen),
	    "b64 rejects data after '='");
	is_int(-1, base64_decode(A, "\xfe\xff\xff\xff", &out, &outlen),
	    "b64 rejects bytes >= 0x80 (found by t/fuzz/fuzz_base64)");
	is_int(-1, base64_decode(A, NULL, &out, &outlen), "b64 rejects NULL");
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
	test_url_roundtrip();
	test_url_reject();
	test_standard();
	arena_free(A);
	return done_testing();
}
