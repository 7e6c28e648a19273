/*
 * base64 over libsodium in both alphabets. The base64url decoder is
 * stricter than libsodium's: it refuses non-zero trailing bits, so every
 * byte string has exactly one encoding and a token cannot be varied
 * without changing its bytes.
 */
#include "crypto/base64.h"

#include <string.h>

#include <sodium.h>

#include "util/arena.h"

/* Encodes n bytes of p in the given libsodium variant; arena string. */
static char *
base64_encode_variant(struct arena *a, const void *p, size_t n, int variant)
{
	size_t len = sodium_base64_ENCODED_LEN(n, variant);
	char *s = arena_alloc(a, len);

	sodium_bin2base64(s, len, p, n, variant);
	return s;
}

/* base64url without padding of n bytes, NUL-terminated, arena string. */
char *
base64_url_encode(struct arena *a, const void *p, size_t n)
{
	return base64_encode_variant(
	    a, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Standard base64 with padding of n bytes, NUL-terminated, arena string. */
char *
base64_encode(struct arena *a, const void *p, size_t n)
{
	return base64_encode_variant(a, p, n, sodium_base64_VARIANT_ORIGINAL);
}

/* The 6-bit value of a base64url character, or -1. */
static int
base64_url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decodes strict base64url without padding. Every byte must be in the
 * alphabet, the length must not be 1 mod 4, and the bits of the last
 * character beyond the decoded bytes must be zero, so each byte string has
 * exactly one encoding. Returns 0 with *out (arena, n + 1 bytes, the last
 * one NUL) and *outlen; -1 leaving both alone.
 */
int
base64_url_decode(struct arena *a, const char *s, uint8_t **out, size_t *outlen)
{
	size_t i, n, len, cap;
	const char *end;
	uint8_t *buf;
	int v = 0;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++)
		if ((v = base64_url_value((unsigned char)s[i])) == -1)
			return -1;
	/* Leftover bits: 4 after 2 characters of a group, 2 after 3. */
	if ((n % 4 == 2 && (v & 0x0f) != 0) || (n % 4 == 3 && (v & 0x03) != 0))
		return -1;
	cap = n / 4 * 3 + 2;
	buf = arena_alloc(a, cap + 1);
	if (sodium_base642bin(buf, cap, s, n, NULL, &len, &end,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + n)
		return -1;
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/*
 * Decodes standard base64 with padding (length a multiple of 4). Returns 0
 * with *out (arena, NUL after the last byte) and *outlen; -1 leaving both
 * alone.
 */
int
base64_decode(struct arena *a, const char *s, uint8_t **out, size_t *outlen)
{
	size_t n, len, cap;
	const char *end;
	uint8_t *buf;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n % 4 != 0)
		return -1;
	/* libsodium 1.0.18 takes some bytes >= 0x80 for letters of the
	 * original alphabet ("\xfe\xff\xff\xff" decodes): allow only
	 * the alphabet and the padding. */
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789+/=") != n)
		return -1;
	cap = n / 4 * 3;
	buf = arena_alloc(a, cap + 1);
	if (sodium_base642bin(buf, cap, s, n, NULL, &len, &end,
		sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + n)
		return -1;
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}
