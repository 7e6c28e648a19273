/*
 * Webhook delivery: a claimed batch goes out at once over one libcurl
 * multi handle, each request signed as Standard Webhooks says, and its
 * outcomes are recorded in one statement (db_webhook_record).
 */
#include "mail/mail_webhook.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "crypto/base64.h"
#include "crypto/box.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "db/db_webhook.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/str.h"

#define LAST_ERROR_MAX 200

char *
mail_webhook_sign(struct arena *a, const uint8_t *key, size_t keylen,
    const char *msg_id, long long timestamp, const char *body, size_t len)
{
	uint8_t mac[CRYPTO_SHA256_LEN];
	struct buf m;
	char *sig;

	buf_init(&m, a);
	buf_printf(&m, "%s.%lld.", msg_id, timestamp);
	buf_append(&m, body, len);
	crypto_hmac_keylen(mac, key, keylen, m.data, m.len);
	sig = arena_printf(a, "v1,%s", base64_encode(a, mac, sizeof(mac)));
	crypto_wipe(mac, sizeof(mac));
	return sig;
}

enum mail_result
mail_webhook_classify(int curl_code, long http_status, int attempts)
{
	if (curl_code == CURLE_OK && http_status >= 200 && http_status < 300)
		return MAIL_SENT;
	return attempts + 1 >= MAIL_WEBHOOK_TRIES ? MAIL_FAILED : MAIL_RETRY;
}

/* One delivery of a batch in flight. */
struct job {
	const struct webhook_attempt *d;
	CURL *easy;
	struct curl_slist *headers;
	bool allow_private;
	bool refused; /* a resolved address was not public */
	char refused_at[INET6_ADDRSTRLEN]; /* the first one, for the log */
	char errbuf[CURL_ERROR_SIZE];
	int curl_code;
	long http_status;
	bool done;
	struct timespec t0, t1;
};

/* The answer's body is not read: it is dropped as it arrives. */
static size_t
discard(char *p, size_t size, size_t n, void *data)
{
	(void)p;
	(void)data;
	return size * n;
}

/* CURLOPT_OPENSOCKETFUNCTION: the connect-time SSRF guard. Every address
 * libcurl is about to connect to, whatever the name resolved to this
 * time, must be public unless private ones are allowed. */
static curl_socket_t
open_guarded(void *data, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct job *j = data;

	(void)purpose;
	if (!j->allow_private &&
	    !netaddr_public(&addr->addr, (socklen_t)addr->addrlen)) {
		if (!j->refused) {
			const void *ip = NULL;

			if (addr->family == AF_INET)
				ip = &((const struct sockaddr_in *)(const void
					       *)&addr->addr)
					  ->sin_addr;
			else if (addr->family == AF_INET6)
				ip = &((const struct sockaddr_in6 *)(const void
					       *)&addr->addr)
					  ->sin6_addr;
			if (ip == NULL ||
			    inet_ntop(addr->family, ip, j->refused_at,
				sizeof(j->refused_at)) == NULL)
				strcpy(j->refused_at, "-");
		}
		j->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* Prepares the request of j: returns 0, or -1 when its secret does not
 * open (the row then fails without a request). */
static int
job_setup(struct arena *a, const struct keys *k, struct job *j)
{
	const struct webhook_attempt *d = j->d;
	uint8_t *sealed;
	size_t sealedlen, keylen, len = strlen(d->payload);
	char *key;
	long long now = (long long)time(NULL);
	const char *sig;

	if (d->secret == NULL ||
	    base64_decode(a, d->secret, &sealed, &sealedlen) == -1 ||
	    box_open(a, k, sealed, sealedlen, &key, &keylen) == -1)
		return -1;
	sig = mail_webhook_sign(a, (const uint8_t *)key, keylen, d->message_id,
	    now, d->payload, len);
	crypto_wipe(key, keylen);

	j->headers =
	    curl_slist_append(j->headers, "Content-Type: application/json");
	j->headers = curl_slist_append(
	    j->headers, arena_printf(a, "webhook-id: %s", d->message_id));
	j->headers = curl_slist_append(
	    j->headers, arena_printf(a, "webhook-timestamp: %lld", now));
	j->headers = curl_slist_append(
	    j->headers, arena_printf(a, "webhook-signature: %s", sig));
	/* No "Expect: 100-continue" round trip. */
	j->headers = curl_slist_append(j->headers, "Expect:");
	if ((j->easy = curl_easy_init()) == NULL || j->headers == NULL)
		return -2;
	curl_easy_setopt(j->easy, CURLOPT_URL, d->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(j->easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* Never a proxy from the environment: the guard checks the target. */
	curl_easy_setopt(j->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(j->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, d->payload);
	curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(
	    j->easy, CURLOPT_USERAGENT, "Roster-Webhooks/" PACKAGE_VERSION);
	curl_easy_setopt(j->easy, CURLOPT_TIMEOUT, MAIL_WEBHOOK_TIMEOUT);
	curl_easy_setopt(j->easy, CURLOPT_CONNECTTIMEOUT, MAIL_WEBHOOK_TIMEOUT);
	curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(j->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(j->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(j->easy, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
	curl_easy_setopt(j->easy, CURLOPT_OPENSOCKETDATA, j);
	curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
	return 0;
}

/* Runs every added transfer of m to its end (each is bounded by its own
 * timeout), writing each job's result. */
static void
run_all(CURLM *m)
{
	CURLMsg *msg;
	int running = 1, left;

	while (running > 0) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct job *j;
			char *priv = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(
			    msg->easy_handle, CURLINFO_PRIVATE, &priv);
			j = (struct job *)(void *)priv;
			if (j == NULL)
				continue;
			j->curl_code = (int)msg->data.result;
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &j->http_status);
			clock_gettime(CLOCK_MONOTONIC, &j->t1);
			j->done = true;
		}
		if (running > 0 &&
		    curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
			break;
	}
}

/* A uniform number in [0, 1) for the jitter. */
static double
jitter(void)
{
	uint32_t v;

	crypto_random(&v, sizeof(v));
	return (double)v / 4294967296.0;
}

/* Why an attempt that was not delivered failed (for last_error). */
static const char *
reason(struct arena *a, const struct job *j)
{
	if (j->refused && j->curl_code != CURLE_OK)
		return MAIL_WEBHOOK_REFUSED;
	if (!j->done)
		return "not attempted";
	if (j->curl_code != CURLE_OK)
		return curl_easy_strerror((CURLcode)j->curl_code);
	return arena_printf(a, "HTTP %ld", j->http_status);
}

static const char *const event_names[MAIL__MAX] = {
	[MAIL_SENT] = "webhook_delivered",
	[MAIL_RETRY] = "webhook_retry",
	[MAIL_FAILED] = "webhook_failed",
	[MAIL_SKIPPED] = "webhook_failed",
};

static const char *const row_status[MAIL__MAX] = {
	[MAIL_SENT] = "delivered",
	[MAIL_RETRY] = "queued",
	[MAIL_FAILED] = "failed",
	[MAIL_SKIPPED] = "failed",
};

int
mail_webhook_burst(struct db *db, struct arena *a, const struct keys *k,
    const struct mail_schedule *s, bool allow_private,
    struct mail_webhook_counts *counts)
{
	struct webhook_attempt *rows;
	struct webhook_outcome *out;
	struct job *jobs;
	CURLM *m;
	int n, i;
	enum err e;

	if (db_webhook_claim(db, a, MAIL_WEBHOOK_BATCH, MAIL_LEASE_SECONDS,
		&rows, &n) != ERR_OK)
		return -1;
	if (n == 0)
		return 0;
	jobs = arena_calloc(a, (size_t)n, sizeof(*jobs));
	out = arena_calloc(a, (size_t)n, sizeof(*out));
	if ((m = curl_multi_init()) == NULL) {
		log_err("event=webhook_batch error=curl_multi_init");
		for (i = 0; i < n; i++)
			(void)db_webhook_release(db, a, rows[i].id);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		int rc;

		j->d = &rows[i];
		j->allow_private = allow_private;
		clock_gettime(CLOCK_MONOTONIC, &j->t0);
		j->t1 = j->t0;
		rc = job_setup(a, k, j);
		if (rc == -1) {
			j->done = true;
			j->curl_code = -1; /* undecryptable: no request */
		} else if (rc == 0 &&
		    curl_multi_add_handle(m, j->easy) == CURLM_OK)
			continue;
		else
			j->done = false; /* out of memory: not attempted */
	}
	run_all(m);

	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		const struct webhook_attempt *d = j->d;
		enum mail_result res;
		const char *why = NULL;
		double ms;

		if (j->curl_code == -1) {
			res = MAIL_FAILED;
			why = "undecryptable";
		} else {
			res = j->done ? mail_webhook_classify(j->curl_code,
					    j->http_status, d->attempts)
				      : MAIL_RETRY;
			if (res != MAIL_SENT)
				why = reason(a, j);
		}
		if (j->refused)
			log_warn("event=webhook_refused delivery_id=%s "
				 "webhook_id=%s address=%s",
			    log_value(a, d->id), log_value(a, d->webhook_id),
			    log_value(a, j->refused_at));
		out[i].id = d->id;
		out[i].status = row_status[res];
		out[i].http_status =
		    j->curl_code == CURLE_OK ? j->http_status : 0;
		out[i].error =
		    why != NULL ? str_scrub(a, why, LAST_ERROR_MAX) : NULL;
		out[i].wait_ms = res == MAIL_RETRY
		    ? mail_outbox_retry_wait_ms(s->base, d->attempts, jitter())
		    : 0;
		ms = (double)(j->t1.tv_sec - j->t0.tv_sec) * 1e3 +
		    (double)(j->t1.tv_nsec - j->t0.tv_nsec) / 1e6;
		/* Never the URL (its query may hold a credential), the body
		 * or the secret. */
		log_info(
		    "event=%s delivery_id=%s webhook_id=%s webhook_event=%s "
		    "attempts=%d status=%ld ms=%.1f%s%s",
		    event_names[res], log_value(a, d->id),
		    log_value(a, d->webhook_id), log_value(a, d->event),
		    d->attempts + 1, out[i].http_status, ms,
		    why != NULL ? " reason=" : "",
		    why != NULL ? log_value(a, why) : "");
		if (counts != NULL)
			counts->n[res]++;
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].easy != NULL) {
			curl_multi_remove_handle(m, jobs[i].easy);
			curl_easy_cleanup(jobs[i].easy);
		}
		curl_slist_free_all(jobs[i].headers);
	}
	curl_multi_cleanup(m);

	if ((e = db_webhook_record(db, a, out, n)) != ERR_OK) {
		log_err("event=record_failed rows=%d kind=webhook error=%s", n,
		    err_str(e));
		return -1;
	}
	return n;
}
