/*
 * Unit tests of src/mail/mail_webhook.c: the webhook-signature header
 * against the Standard Webhooks reference vector (the secret's key is the
 * base64 after "whsec_"), what a change of any signed part does, and the
 * classification of an attempt's outcome.
 */
#include <curl/curl.h>
#include <stdint.h>
#include <string.h>

#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "mail/mail_webhook.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *A;

static void
test_sign(void)
{
	const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	const char *id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
	const char *body = "{\"test\": 2432232314}";
	uint8_t *key;
	size_t keylen;
	char *sig;

	ok(base64_decode(A, secret + strlen("whsec_"), &key, &keylen) == 0,
	    "the reference secret decodes");
	is_int(24, (long long)keylen, "its key is 24 bytes");
	sig = mail_webhook_sign(
	    A, key, keylen, id, 1614265330, body, strlen(body));
	is_string("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", sig,
	    "the Standard Webhooks reference signature");
	ok(strcmp(sig,
	       mail_webhook_sign(
		   A, key, keylen, id, 1614265331, body, strlen(body))) != 0,
	    "another timestamp signs differently");
	ok(strcmp(sig,
	       mail_webhook_sign(A, key, keylen, "msg_other", 1614265330, body,
		   strlen(body))) != 0,
	    "another id signs differently");
	ok(strcmp(sig,
	       mail_webhook_sign(A, key, keylen, id, 1614265330, body,
		   strlen(body) - 1)) != 0,
	    "a shorter body signs differently");
	key[0] ^= 1;
	ok(strcmp(sig,
	       mail_webhook_sign(
		   A, key, keylen, id, 1614265330, body, strlen(body))) != 0,
	    "another key signs differently");
	/* A 32-byte key, as Roster's secrets are: still "v1," + 44 chars. */
	{
		uint8_t k32[32];

		memset(k32, 7, sizeof(k32));
		sig = mail_webhook_sign(A, k32, sizeof(k32), id, 1, "{}", 2);
		ok(strncmp(sig, "v1,", 3) == 0 && strlen(sig) == 3 + 44 &&
			sig[strlen(sig) - 1] == '=',
		    "a 32-byte key gives v1, and padded base64 of 32 bytes");
	}
}

static void
test_classify(void)
{
	is_int(MAIL_SENT, mail_webhook_classify(CURLE_OK, 200, 0),
	    "200 delivered");
	is_int(MAIL_SENT, mail_webhook_classify(CURLE_OK, 204, 7),
	    "204 on the last try delivered");
	is_int(MAIL_SENT, mail_webhook_classify(CURLE_OK, 299, 0),
	    "299 delivered");
	is_int(MAIL_RETRY, mail_webhook_classify(CURLE_OK, 300, 0),
	    "a redirect is not followed: retry");
	is_int(
	    MAIL_RETRY, mail_webhook_classify(CURLE_OK, 199, 0), "199 retry");
	is_int(
	    MAIL_RETRY, mail_webhook_classify(CURLE_OK, 500, 0), "500 retry");
	is_int(
	    MAIL_RETRY, mail_webhook_classify(CURLE_OK, 410, 3), "410 retry");
	is_int(MAIL_RETRY,
	    mail_webhook_classify(CURLE_OPERATION_TIMEDOUT, 0, 0),
	    "a timeout is a retry");
	is_int(MAIL_RETRY, mail_webhook_classify(CURLE_COULDNT_CONNECT, 0, 6),
	    "the 7th failed try is a retry");
	is_int(MAIL_FAILED,
	    mail_webhook_classify(
		CURLE_COULDNT_CONNECT, 0, MAIL_WEBHOOK_TRIES - 1),
	    "the 8th failed try fails the delivery");
	is_int(MAIL_FAILED, mail_webhook_classify(CURLE_OK, 500, 7),
	    "a 500 on the 8th try fails it");
	is_int(MAIL_RETRY, mail_webhook_classify(CURLE_RECV_ERROR, 200, 0),
	    "a 200 whose transfer broke is a retry");
}

int
main(void)
{
	plan_lazy();
	if (crypto_init_no_passwords() == -1)
		return 1;
	A = arena_new(0);
	test_sign();
	test_classify();
	arena_free(A);
	return done_testing();
}
