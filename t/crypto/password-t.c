/*
 * Unit tests of src/crypto/password.c: argon2id parameters, verification,
 * the length limit and the cost of the unknown-user path.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/password.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *A;

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
	/* The dummy hash's own password (password.c) must not log anyone in. */
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
	ok(!password_verify("!", "wrong password here"),
	    "the unusable hash \"!\" is false");
	dummy = now_sec() - t0;
	ok(dummy > real / 4,
	    "an unusable hash costs a real verification (%.1f ms)",
	    dummy * 1e3);
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
	test_password();
	arena_free(A);
	return done_testing();
}
