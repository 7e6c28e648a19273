/*
 * The SMTP sink of bench/mail-bench: accepts every message on a loopback
 * port and throws it away, counting messages and bytes. Both the limit
 * (bench/limits/smtp-loop.c) and roster-mailer deliver to it, so that
 * anything it costs is paid equally by both.
 *
 * It is made to cost as little as a server can: a thread per connection,
 * blocking reads of up to 64 KiB, commands matched on their first four
 * letters, DATA scanned for the end marker without copying. Every reply
 * is one write. It advertises nothing (no PIPELINING, no STARTTLS, no
 * AUTH), so clients use plain SMTP over loopback.
 *
 * Besides HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP and QUIT it answers
 * XSTAT with "250 messages=N bytes=B last=L cpu_ms=C": messages accepted,
 * bytes of DATA received, the size of the last message, and the CPU time
 * the sink used (user + system), so the benchmark can show the sink was
 * not the bottleneck.
 *
 *   smtp-sink PORT       listens on 127.0.0.1:PORT; prints "ready" once
 *                        listening; runs until killed
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned long long sink_messages, sink_bytes, sink_last;

static int
sink_reply(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *
sink_command(const char *line, size_t len, int *data, int *quit, char *tmp,
    size_t tmpsz)
{
	struct rusage ru;

	if (len >= 5 && strncasecmp(line, "XSTAT", 5) == 0) {
		getrusage(RUSAGE_SELF, &ru);
		snprintf(tmp, tmpsz,
		    "250 messages=%llu bytes=%llu last=%llu cpu_ms=%ld\r\n",
		    __atomic_load_n(&sink_messages, __ATOMIC_RELAXED),
		    __atomic_load_n(&sink_bytes, __ATOMIC_RELAXED),
		    __atomic_load_n(&sink_last, __ATOMIC_RELAXED),
		    (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L);
		return tmp;
	}
	if (len < 4)
		return "500 5.5.2 what?\r\n";
	if (strncasecmp(line, "EHLO", 4) == 0 ||
	    strncasecmp(line, "HELO", 4) == 0)
		return "250 sink\r\n";
	if (strncasecmp(line, "MAIL", 4) == 0 ||
	    strncasecmp(line, "RCPT", 4) == 0 ||
	    strncasecmp(line, "RSET", 4) == 0 ||
	    strncasecmp(line, "NOOP", 4) == 0)
		return "250 2.0.0 ok\r\n";
	if (strncasecmp(line, "DATA", 4) == 0) {
		*data = 1;
		return "354 go on\r\n";
	}
	if (strncasecmp(line, "QUIT", 4) == 0) {
		*quit = 1;
		return "221 2.0.0 bye\r\n";
	}
	return "500 5.5.2 what?\r\n";
}

static void *
sink_conn(void *arg)
{
	static const char end[] = "\r\n.\r\n";
	int fd = (int)(long)arg, data = 0, quit = 0, one = 1;
	char buf[65536], tmp[160];
	size_t have = 0, match = 0;
	unsigned long long msg = 0;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sink_reply(fd, "220 sink ESMTP\r\n") == -1)
		goto out;
	while (!quit) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		size_t i = 0;

		if (r <= 0)
			break;
		have += (size_t)r;
		while (i < have && !quit) {
			if (data) {
				/* Scan for CRLF.CRLF; the line ending
				 * DATA's reply counts as the first CRLF. */
				for (; i < have; i++) {
					if (buf[i] == end[match])
						match++;
					else
						match = buf[i] == '\r' ? 1 : 0;
					msg++;
					if (match == 5)
						break;
				}
				if (match < 5)
					break;
				i++;
				match = 0;
				data = 0;
				msg -= 3; /* ".\r\n" is not the message's */
				__atomic_add_fetch(&sink_messages, 1, __ATOMIC_RELAXED);
				__atomic_add_fetch(&sink_bytes, msg, __ATOMIC_RELAXED);
				__atomic_store_n(&sink_last, msg, __ATOMIC_RELAXED);
				msg = 0;
				if (sink_reply(fd, "250 2.0.0 queued\r\n") == -1)
					goto out;
				continue;
			}
			char *nl = memchr(buf + i, '\n', have - i);
			const char *rep;

			if (nl == NULL)
				break;
			*nl = '\0';
			rep = sink_command(buf + i, (size_t)(nl - (buf + i)),
			    &data, &quit, tmp, sizeof(tmp));
			i = (size_t)(nl - buf) + 1;
			if (data)
				match = 2;
			if (sink_reply(fd, rep) == -1)
				goto out;
		}
		if (i < have)
			memmove(buf, buf + i, have - i);
		have -= i;
		if (have == sizeof(buf))
			have = 0; /* an absurd line: drop it */
	}
out:
	close(fd);
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sa;
	pthread_attr_t at;
	int l, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: smtp-sink PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(l, 64) == -1) {
		perror("smtp-sink");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	for (;;) {
		pthread_t t;
		int fd = accept(l, NULL, NULL);

		if (fd == -1)
			continue;
		if (pthread_create(&t, &at, sink_conn, (void *)(long)fd) != 0)
			close(fd);
	}
}
