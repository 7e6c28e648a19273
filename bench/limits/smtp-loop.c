/*
 * The limit for roster-mailer's delivery rate (bench/mail-bench): the
 * least a libcurl SMTP client can do to hand N messages of a given size
 * to a server. One easy handle is set up once and reused for every
 * message, so libcurl keeps the connection open between transfers: one
 * connect, greeting and EHLO for the whole run, then MAIL FROM, RCPT TO,
 * DATA and the message for each one (libcurl does not pipeline SMTP).
 * Nothing else: no database, no decryption, no logging.
 *
 *   smtp-loop URL COUNT SIZE FROM RCPT
 *
 * Sends COUNT messages of exactly SIZE bytes (headers and CRLF lines of
 * 76 characters) from FROM to RCPT through URL (smtp://127.0.0.1:PORT)
 * and prints "messages=N seconds=S rate=R connects=C". Exits 1 at the
 * first failed transfer.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct upload {
	const char *p;
	size_t left;
};

static size_t
loop_read(char *dst, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nitems;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/* A message of exactly size bytes: a few headers, then lines of 'x'. */
static char *
loop_message(size_t size, const char *from, const char *rcpt)
{
	char *m = malloc(size + 1);
	int h;

	if (m == NULL)
		return NULL;
	h = snprintf(m, size + 1,
	    "From: <%s>\r\nTo: <%s>\r\nSubject: limit\r\n"
	    "MIME-Version: 1.0\r\n\r\n",
	    from, rcpt);
	if (h < 0 || (size_t)h + 2 > size) {
		free(m);
		return NULL;
	}
	for (size_t i = (size_t)h; i < size; i++)
		m[i] = (i - (size_t)h) % 78 >= 76 ? ((i - (size_t)h) % 78 == 76 ? '\r' : '\n') : 'x';
	m[size - 2] = '\r';
	m[size - 1] = '\n';
	m[size] = '\0';
	return m;
}

int
main(int argc, char *argv[])
{
	struct curl_slist *rcpts;
	struct timespec t0, t1;
	struct upload up;
	long connects = 0, nc;
	char from[320], to[320], *msg;
	size_t size;
	long count;
	CURL *c;

	if (argc != 6) {
		fprintf(stderr, "usage: smtp-loop URL COUNT SIZE FROM RCPT\n");
		return 2;
	}
	count = atol(argv[2]);
	size = (size_t)atol(argv[3]);
	if (count < 1 || size < 64 || size > (1 << 20) ||
	    (msg = loop_message(size, argv[4], argv[5])) == NULL) {
		fprintf(stderr, "smtp-loop: bad COUNT or SIZE\n");
		return 2;
	}
	snprintf(from, sizeof(from), "<%s>", argv[4]);
	snprintf(to, sizeof(to), "<%s>", argv[5]);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (c = curl_easy_init()) == NULL ||
	    (rcpts = curl_slist_append(NULL, to)) == NULL) {
		fprintf(stderr, "smtp-loop: cannot set up libcurl\n");
		return 1;
	}
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, loop_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++) {
		CURLcode rc;

		up.p = msg;
		up.left = size;
		if ((rc = curl_easy_perform(c)) != CURLE_OK) {
			fprintf(stderr, "smtp-loop: message %ld: %s\n", i,
			    curl_easy_strerror(rc));
			return 1;
		}
		if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK)
			connects += nc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("messages=%ld seconds=%.3f rate=%.1f connects=%ld\n", count,
	    secs, (double)count / secs, connects);
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(msg);
	return 0;
}
