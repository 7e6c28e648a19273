/*
 * Cryptographic primitives over libsodium: the CSPRNG, base64 in both
 * alphabets, hex, SHA-256, HMAC-SHA-256, subkey derivation from the
 * configured secret, argon2id password hashes and the authenticated
 * encryption of outbox bodies. Nothing here logs key material.
 */
#include "crypto/crypto.h"

#include <string.h>

#include <sodium.h>

#include "util/arena.h"
#include "util/log.h"

/* OWASP's minimum for argon2id: m=19 MiB, t=2, p=1 (libsodium uses p=1). */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT ((size_t)19456 * 1024)
#define PW_MAXLEN   1024

/* Longest secret accepted, decoded; far above any sensible key. */
#define SECRET_MAXLEN 1024

/* Context of every subkey derivation: exactly 8 bytes. */
static const char kdf_ctx[crypto_kdf_CONTEXTBYTES] = { 'r', 'o', 's', 't', 'e',
	'r', '0', '1' };

static char pw_dummy[crypto_pwhash_STRBYTES];
static bool pw_dummy_ready;

static int password_dummy_init(void);

/*
 * Initialises libsodium and computes the dummy password hash that
 * password_verify() checks unknown users against. Returns 0, or -1
 * (logged) when libsodium cannot start or the hash cannot be made.
 */
int
crypto_init(void)
{
	if (sodium_init() < 0) {
		log_err("crypto: sodium_init failed");
		return -1;
	}
	if (password_dummy_init() == -1)
		return -1;
	return 0;
}

/*
 * Decodes the standard-base64 secret s (padded or not) into buf, at most
 * SECRET_MAXLEN bytes, and its length into *len. Returns 0, or -1 (logged).
 */
static int
keys_decode_secret(const char *what, const char *s, uint8_t *buf, size_t *len)
{
	const char *end;
	size_t n = strlen(s);

	if (sodium_base642bin(buf, SECRET_MAXLEN, s, n, NULL, len, &end,
		sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    end == s + n)
		return 0;
	if (sodium_base642bin(buf, SECRET_MAXLEN, s, n, NULL, len, &end,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 &&
	    end == s + n)
		return 0;
	log_err("crypto: %s is not valid base64 (or longer than %d bytes)",
	    what, SECRET_MAXLEN);
	return -1;
}

/*
 * Decodes the secret s, which must hold at least CRYPTO_KEY_LEN bytes, and
 * hashes it to the master key. Returns 0, or -1 (logged).
 */
static int
keys_master(
    uint8_t master[crypto_kdf_KEYBYTES], const char *what, const char *s)
{
	uint8_t buf[SECRET_MAXLEN];
	size_t len = 0;
	int rc = -1;

	if (keys_decode_secret(what, s, buf, &len) == -1)
		goto fail;
	if (len < CRYPTO_KEY_LEN) {
		log_err(
		    "crypto: %s decodes to %zu bytes; at least %d are needed",
		    what, len, CRYPTO_KEY_LEN);
		goto fail;
	}
	crypto_generichash(master, crypto_kdf_KEYBYTES, buf, len, NULL, 0);
	rc = 0;
fail:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

/* Derives the subkey of purpose p from master into out. */
static void
keys_subkey(uint8_t out[CRYPTO_KEY_LEN],
    const uint8_t master[crypto_kdf_KEYBYTES], enum key_purpose p)
{
	/* Cannot fail: the length is within the KDF's range. */
	(void)crypto_kdf_derive_from_key(
	    out, CRYPTO_KEY_LEN, (uint64_t)p + 1, kdf_ctx, master);
}

/*
 * Derives every subkey of secret_b64 and, when prev_b64 is non-NULL and
 * non-empty, the previous envelope key into *out. Returns 0; or -1 (logged,
 * *out untouched) for a missing, short, over-long or malformed secret.
 */
int
keys_derive(struct keys *out, const char *secret_b64, const char *prev_b64)
{
	struct keys k;
	uint8_t master[crypto_kdf_KEYBYTES];
	int p, rc = -1;

	memset(&k, 0, sizeof(k));
	if (secret_b64 == NULL || *secret_b64 == '\0') {
		log_err("crypto: the secret key is not set");
		goto fail;
	}
	if (keys_master(master, "the secret key", secret_b64) == -1)
		goto fail;
	for (p = 0; p < KEY__MAX; p++)
		keys_subkey(k.k[p], master, (enum key_purpose)p);
	if (prev_b64 != NULL && *prev_b64 != '\0') {
		if (keys_master(master, "the previous secret key", prev_b64) ==
		    -1)
			goto fail;
		keys_subkey(k.envelope_prev, master, KEY_ENVELOPE);
		keys_subkey(k.outbox_prev, master, KEY_OUTBOX);
		k.has_prev = true;
	}
	memcpy(out, &k, sizeof(k));
	rc = 0;
fail:
	sodium_memzero(master, sizeof(master));
	sodium_memzero(&k, sizeof(k));
	return rc;
}

/* Overwrites every key in *k and clears has_prev. */
void
keys_wipe(struct keys *k)
{
	sodium_memzero(k, sizeof(*k));
}

/* Fills p with n bytes from the system CSPRNG. */
void
crypto_random(void *p, size_t n)
{
	randombytes_buf(p, n);
}

/* Returns CRYPTO_TOKEN_LEN fresh random bytes from the arena. */
uint8_t *
crypto_token(struct arena *a)
{
	uint8_t *t = arena_alloc(a, CRYPTO_TOKEN_LEN);

	randombytes_buf(t, CRYPTO_TOKEN_LEN);
	return t;
}

/* Encodes n bytes of p in the given libsodium variant; arena string. */
static char *
b64_encode_variant(struct arena *a, const void *p, size_t n, int variant)
{
	size_t len = sodium_base64_ENCODED_LEN(n, variant);
	char *s = arena_alloc(a, len);

	sodium_bin2base64(s, len, p, n, variant);
	return s;
}

/* base64url without padding of n bytes, NUL-terminated, arena string. */
char *
b64url_encode(struct arena *a, const void *p, size_t n)
{
	return b64_encode_variant(
	    a, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Standard base64 with padding of n bytes, NUL-terminated, arena string. */
char *
b64_encode(struct arena *a, const void *p, size_t n)
{
	return b64_encode_variant(a, p, n, sodium_base64_VARIANT_ORIGINAL);
}

/* The 6-bit value of a base64url character, or -1. */
static int
b64url_value(unsigned char c)
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
b64url_decode(struct arena *a, const char *s, uint8_t **out, size_t *outlen)
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
		if ((v = b64url_value((unsigned char)s[i])) == -1)
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
b64_decode(struct arena *a, const char *s, uint8_t **out, size_t *outlen)
{
	size_t n, len, cap;
	const char *end;
	uint8_t *buf;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n % 4 != 0)
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

/* Lower-case hex of n bytes; arena string. */
char *
hex_encode(struct arena *a, const void *p, size_t n)
{
	char *s = arena_calloc(a, n + 1, 2);

	sodium_bin2hex(s, n * 2 + 1, p, n);
	return s;
}

/* SHA-256 of n bytes into out. */
void
crypto_sha256(uint8_t out[CRYPTO_SHA256_LEN], const void *p, size_t n)
{
	crypto_hash_sha256(out, p, n);
}

/* HMAC-SHA-256 of n bytes under the 32-byte key into out (32 bytes). */
void
crypto_hmac(
    uint8_t out[32], const uint8_t key[CRYPTO_KEY_LEN], const void *p, size_t n)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, CRYPTO_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, p, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* True when the n bytes at a and b are equal; time depends on n only. */
bool
crypto_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

/*
 * True when a and b are equal strings; the time depends only on their
 * lengths. A NULL on either side is never equal.
 */
bool
crypto_streq(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return false;
	n = strlen(a);
	if (n != strlen(b))
		return false;
	return sodium_memcmp(a, b, n) == 0;
}

/* Overwrites n bytes at p with zeros; never elided. */
void
crypto_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

/* Computes the dummy hash once; 0, or -1 (logged). */
static int
password_dummy_init(void)
{
	/* Not a secret: it only makes the unknown-user path cost a verify. */
	static const char pw[] = "roster dummy password for unknown users";

	if (pw_dummy_ready)
		return 0;
	if (crypto_pwhash_str_alg(pw_dummy, pw, sizeof(pw) - 1, PW_OPSLIMIT,
		PW_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_err("crypto: cannot compute the dummy password hash");
		return -1;
	}
	pw_dummy_ready = true;
	return 0;
}

/*
 * Hashes password with argon2id (t=2, m=19 MiB, p=1) and writes the
 * encoded "$argon2id$..." string (arena) to *out. Returns 0; or -1 (logged
 * for out of memory) for a NULL or over-1024-byte password, which is
 * refused without hashing.
 */
int
password_hash(struct arena *a, const char *password, char **out)
{
	char buf[crypto_pwhash_STRBYTES];
	size_t n;

	if (password == NULL ||
	    (n = strnlen(password, PW_MAXLEN + 1)) > PW_MAXLEN)
		return -1;
	if (crypto_pwhash_str_alg(buf, password, n, PW_OPSLIMIT, PW_MEMLIMIT,
		crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_err("crypto: password hashing failed (out of memory?)");
		return -1;
	}
	*out = arena_strdup(a, buf);
	return 0;
}

/*
 * True when password matches the encoded hash. A NULL hash is verified
 * against the dummy hash so that it costs the same, and gives false. A
 * NULL or over-1024-byte password is false without hashing.
 */
bool
password_verify(const char *hash, const char *password)
{
	/* A hash that is no argon2id hash ("!": no password set yet) costs
	 * the same as a real one, so timing tells no such account apart. */
	bool unknown = hash == NULL || strncmp(hash, "$argon2id$", 10) != 0;
	size_t n;

	if (password == NULL ||
	    (n = strnlen(password, PW_MAXLEN + 1)) > PW_MAXLEN)
		return false;
	if (unknown) {
		/* An empty dummy (init failed) merely fails fast. */
		(void)password_dummy_init();
		hash = pw_dummy;
	}
	return crypto_pwhash_str_verify(hash, password, n) == 0 && !unknown;
}

/*
 * Encrypts n bytes under the outbox key with XChaCha20-Poly1305 and a
 * random nonce; *out (arena) is nonce || ciphertext || tag, *outlen its
 * length.
 */
void
box_seal(struct arena *a, const struct keys *k, const void *p, size_t n,
    uint8_t **out, size_t *outlen)
{
	const size_t nl = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	size_t len = nl + n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned long long clen;
	uint8_t *b = arena_alloc(a, len);

	randombytes_buf(b, nl);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    b + nl, &clen, p, n, NULL, 0, NULL, b, k->k[KEY_OUTBOX]);
	*out = b;
	*outlen = nl + (size_t)clen;
}

/*
 * Reverses box_seal. Returns 0 with the plaintext (arena, NUL-terminated)
 * in *out and its length in *outlen; -1, leaving both alone, when the box
 * is shorter than a nonce and a tag or fails authentication.
 */
int
box_open(struct arena *a, const struct keys *k, const uint8_t *box, size_t n,
    char **out, size_t *outlen)
{
	const size_t nl = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	const size_t tl = crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned long long mlen;
	uint8_t *m;

	if (box == NULL || n < nl + tl)
		return -1;
	m = arena_alloc(a, n - nl - tl + 1);
	/* Messages queued before a key rotation open with the previous key. */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, box + nl,
		n - nl, NULL, 0, box, k->k[KEY_OUTBOX]) != 0 &&
	    (!k->has_prev ||
		crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL,
		    box + nl, n - nl, NULL, 0, box, k->outbox_prev) != 0))
		return -1;
	m[mlen] = '\0';
	*out = (char *)m;
	*outlen = (size_t)mlen;
	return 0;
}
