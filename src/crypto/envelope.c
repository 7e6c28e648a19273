/*
 * Signed invitation link envelopes: the byte layout of envelope.h, sealed
 * with HMAC-SHA-256 under the envelope key and carried as base64url.
 * Opening checks the shape first, then the MAC under the current key and,
 * after a rotation, the previous one, in constant time.
 */
#include "crypto/envelope.h"

#include <string.h>

#include "crypto/base64.h"
#include "crypto/keys.h"
#include "util/arena.h"

#define ENV_HEAD    (1 + 8 + 1) /* version, expiry, email length */
#define ENV_MAC_LEN 32
#define ENV_LEN(elen)                                                          \
	(ENV_HEAD + (size_t)(elen) + CRYPTO_TOKEN_LEN + ENV_MAC_LEN)
#define ENV_MAX ENV_LEN(ENVELOPE_EMAIL_MAX)
/* Characters of the longest envelope in base64url without padding. */
#define ENV_MAX_CHARS ((ENV_MAX * 4 + 2) / 3)

/*
 * Returns the base64url envelope of token, email (1..ENVELOPE_EMAIL_MAX
 * bytes) and expires under the current envelope key; arena string. NULL
 * for a missing, empty or over-long email.
 */
char *
envelope_seal(struct arena *a, const struct keys *k,
    const uint8_t token[CRYPTO_TOKEN_LEN], const char *email, int64_t expires)
{
	uint8_t buf[ENV_MAX];
	uint64_t x = (uint64_t)expires;
	size_t elen, n;
	char *s;
	int i;

	if (email == NULL)
		return NULL;
	elen = strnlen(email, ENVELOPE_EMAIL_MAX + 1);
	if (elen == 0 || elen > ENVELOPE_EMAIL_MAX)
		return NULL;
	buf[0] = ENVELOPE_VERSION;
	for (i = 0; i < 8; i++)
		buf[1 + i] = (uint8_t)(x >> (56 - 8 * i));
	buf[9] = (uint8_t)elen;
	memcpy(buf + ENV_HEAD, email, elen);
	memcpy(buf + ENV_HEAD + elen, token, CRYPTO_TOKEN_LEN);
	n = ENV_HEAD + elen + CRYPTO_TOKEN_LEN;
	crypto_hmac_with(buf + n, &k->mac[KEY_ENVELOPE], buf, n);
	s = base64_url_encode(a, buf, n + ENV_MAC_LEN);
	crypto_wipe(buf, sizeof(buf));
	return s;
}

/*
 * Verifies the envelope s and fills *out (email in arena memory). Returns
 * 0; or -1, leaving *out alone, for anything but a well-formed version-1
 * envelope whose MAC matches the current or the previous envelope key.
 */
int
envelope_open(
    struct arena *a, const struct keys *k, const char *s, struct envelope *out)
{
	uint8_t mac[ENV_MAC_LEN], mac_prev[ENV_MAC_LEN];
	struct envelope e;
	uint8_t *b;
	size_t n, elen, body;
	uint64_t x = 0;
	bool good;
	int i;

	/* Bound the work an arbitrary string can cause before decoding. */
	if (s == NULL || strnlen(s, ENV_MAX_CHARS + 1) > ENV_MAX_CHARS)
		return -1;
	if (base64_url_decode(a, s, &b, &n) == -1 || n < ENV_LEN(1))
		return -1;
	elen = b[9];
	if (elen < 1 || elen > ENVELOPE_EMAIL_MAX || n != ENV_LEN(elen))
		return -1;
	if (b[0] != ENVELOPE_VERSION)
		return -1;
	body = n - ENV_MAC_LEN;

	/*
	 * Both comparisons always run and are combined without branching, so
	 * the time does not tell which key (if any) matched.
	 */
	crypto_hmac_with(mac, &k->mac[KEY_ENVELOPE], b, body);
	good = crypto_equal(mac, b + body, ENV_MAC_LEN);
	if (k->has_prev) {
		crypto_hmac_with(mac_prev, &k->envelope_prev_mac, b, body);
		good = good | crypto_equal(mac_prev, b + body, ENV_MAC_LEN);
	}
	crypto_wipe(mac, sizeof(mac));
	crypto_wipe(mac_prev, sizeof(mac_prev));
	if (!good)
		return -1;
	/* A signed email never holds a NUL; refuse one all the same. */
	if (memchr(b + ENV_HEAD, '\0', elen) != NULL)
		return -1;

	for (i = 0; i < 8; i++)
		x = x << 8 | b[1 + i];
	e.expires = (int64_t)x;
	e.email = arena_strndup(a, (const char *)b + ENV_HEAD, elen);
	memcpy(e.token, b + ENV_HEAD + elen, CRYPTO_TOKEN_LEN);
	*out = e;
	return 0;
}

/* True when now is at or past the envelope's expiry. */
bool
envelope_expired(const struct envelope *e, int64_t now)
{
	return now >= e->expires;
}
