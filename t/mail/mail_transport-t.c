/*
 * Unit tests of src/mail/mail_transport.c: the file transport (atomic write,
 * modes, refusals), the classification of SMTP outcomes, and the SMTP
 * transport against a scripted SMTP server on 127.0.0.1 that answers with
 * chosen reply codes and records what it was sent.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mail/mail.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *A;
static char tmpdir[] = "/tmp/roster-mail-t.XXXXXX";

#define MSG                                                                    \
	"From: roster@example.org\r\nTo: bob@example.net\r\n"                  \
	"Subject: hi\r\n\r\nline one\r\n.\r\n.leading dot\r\nlast\r\n"
/* MSG as it must travel in DATA: dot-stuffed by libcurl. */
#define MSG_STUFFED                                                            \
	"From: roster@example.org\r\nTo: bob@example.net\r\n"                  \
	"Subject: hi\r\n\r\nline one\r\n..\r\n..leading dot\r\nlast\r\n"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = arena_alloc(A, (size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return p;
}

/* Number of entries in dir other than . and .. */
static int
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_file(void)
{
	char *dir = arena_printf(A, "%s/mail", tmpdir), *path, *got;
	const char *why = NULL;
	struct stat st;
	size_t len;

	is_int(MAIL_SENT, mail_transport_file(dir, "42", MSG, strlen(MSG), &why),
	    "file transport writes a message");
	ok(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
		(st.st_mode & 0777) == 0700,
	    "missing directory created 0700");
	path = arena_printf(A, "%s/42.eml", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "message file is 0600");
	got = slurp(path, &len);
	is_bytes(MSG, strlen(MSG), got, got != NULL ? len : 0,
	    "file holds the message exactly (dots unstuffed)");
	is_int(1, dir_entries(dir), "no temporary file left behind");

	is_int(MAIL_SENT, mail_transport_file(dir, "42", "new\r\n", 5, &why),
	    "writing the same id again succeeds");
	got = slurp(path, &len);
	is_bytes("new\r\n", 5, got, got != NULL ? len : 0,
	    "the file is replaced whole");
	is_int(1, dir_entries(dir), "still one file");

	why = NULL;
	is_int(MAIL_FAILED, mail_transport_file(dir, "../evil", MSG, 3, &why),
	    "path in the id refused");
	ok(why != NULL, "refusal has a reason");
	is_int(MAIL_FAILED, mail_transport_file(dir, "", MSG, 3, &why),
	    "empty id refused");
	is_int(MAIL_FAILED, mail_transport_file(dir, "12a", MSG, 3, &why),
	    "non-decimal id refused");
	is_int(MAIL_FAILED,
	    mail_transport_file(dir, "12345678901234567890", MSG, 3, &why),
	    "20-digit id refused");
	is_int(1, dir_entries(dir), "refusals write nothing");

	/* A directory that cannot be made (its parent is a file). */
	why = NULL;
	is_int(MAIL_RETRY,
	    mail_transport_file(
		arena_printf(A, "%s/42.eml/sub", dir), "1", MSG, 3, &why),
	    "unwritable directory is a retry");
	ok(why != NULL, "retry has a reason: %s", why ? why : "(none)");
}

static void
test_classify(void)
{
	is_int(MAIL_SENT, mail_transport_classify(CURLE_OK, 250), "OK is sent");
	is_int(MAIL_RETRY, mail_transport_classify(CURLE_COULDNT_CONNECT, 0),
	    "no connection is a retry");
	is_int(MAIL_RETRY, mail_transport_classify(CURLE_OPERATION_TIMEDOUT, 0),
	    "timeout is a retry");
	is_int(MAIL_RETRY, mail_transport_classify(CURLE_COULDNT_RESOLVE_HOST, 0),
	    "unresolved host is a retry");
	is_int(MAIL_RETRY, mail_transport_classify(CURLE_SEND_ERROR, 451),
	    "4xx is a retry");
	is_int(MAIL_RETRY, mail_transport_classify(CURLE_WEIRD_SERVER_REPLY, 421),
	    "421 is a retry");
	is_int(MAIL_FAILED, mail_transport_classify(CURLE_SEND_ERROR, 550),
	    "550 is a failure");
	is_int(MAIL_FAILED, mail_transport_classify(CURLE_WEIRD_SERVER_REPLY, 554),
	    "554 is a failure");
	is_int(MAIL_RETRY, mail_transport_classify(CURLE_LOGIN_DENIED, 535),
	    "refused login is a retry");
	is_int(MAIL_RETRY, mail_transport_classify(CURLE_SSL_CONNECT_ERROR, 0),
	    "TLS failure is a retry");
	is_string("sent", mail_transport_result_str(MAIL_SENT), "result names");
	is_string("skipped", mail_transport_result_str(MAIL_SKIPPED), "result names");
	is_string("unknown", mail_transport_result_str(MAIL__MAX), "out of range name");
}

/* What the scripted server answers at each step. */
struct script {
	int greeting;
	int mail;
	int rcpt;
	int data;
	int end; /* after the message */
};

/* Reads one CRLF-terminated line (without it) into line; -1 at EOF. */
static int
read_line(int fd, char *line, size_t max)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		if (n + 1 < max)
			line[n++] = c;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return (int)n;
}

static void
reply(int fd, int code)
{
	char s[32];
	int n = snprintf(s, sizeof(s), "%d scripted\r\n", code);

	(void)!write(fd, s, (size_t)n);
}

/*
 * Serves one connection on lfd with script s, appending the commands it
 * receives (one per line) and then the raw DATA stream to the file at
 * log. Runs in a child process.
 */
static void
serve(int lfd, const struct script *s, const char *log)
{
	char line[4096];
	FILE *out = fopen(log, "wb");
	int fd;

	alarm(20);
	if (out == NULL || (fd = accept(lfd, NULL, NULL)) == -1)
		_exit(1);
	reply(fd, s->greeting);
	if (s->greeting >= 400)
		goto done;
	while (read_line(fd, line, sizeof(line)) >= 0) {
		fprintf(out, "%s\n", line);
		if (strncasecmp(line, "EHLO", 4) == 0 ||
		    strncasecmp(line, "HELO", 4) == 0 ||
		    strncasecmp(line, "RSET", 4) == 0)
			reply(fd, 250);
		else if (strncasecmp(line, "MAIL", 4) == 0)
			reply(fd, s->mail);
		else if (strncasecmp(line, "RCPT", 4) == 0)
			reply(fd, s->rcpt);
		else if (strncasecmp(line, "DATA", 4) == 0) {
			reply(fd, s->data);
			if (s->data != 354)
				continue;
			fputs("--DATA--\n", out);
			while (read_line(fd, line, sizeof(line)) >= 0 &&
			    strcmp(line, ".") != 0)
				fprintf(out, "%s\r\n", line);
			fputs("--END--\n", out);
			reply(fd, s->end);
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			reply(fd, 221);
			break;
		} else
			reply(fd, 502);
	}
done:
	fclose(out);
	close(fd);
	_exit(0);
}

/* A listening socket on 127.0.0.1 with a kernel-chosen port. */
static int
listen_local(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		diag("listen: %s", strerror(errno));
		exit(1);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Connects to port on 127.0.0.1 and hangs up at once. */
static void
poke(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (fd != -1) {
		(void)connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		close(fd);
	}
}

/*
 * Sends MSG to rcpt through a scripted server; returns the result and
 * stores the server's record in *log (arena; "" when it saw nothing).
 */
static enum mail_result
smtp_run(const struct script *s, const char *from, const char *rcpt, char **log,
    const char **why)
{
	struct mail_transport t;
	char *logpath = arena_printf(A, "%s/smtp.log", tmpdir);
	enum mail_result res;
	int lfd, port, status;
	pid_t pid;

	unlink(logpath);
	lfd = listen_local(&port);
	if ((pid = fork()) == -1)
		exit(1);
	if (pid == 0)
		serve(lfd, s, logpath);
	close(lfd);
	memset(&t, 0, sizeof(t));
	t.smtp_url = arena_printf(A, "smtp://127.0.0.1:%d", port);
	t.from = from;
	*why = NULL;
	res = mail_transport_smtp(&t, A, rcpt, MSG, strlen(MSG), why);
	/* A server never contacted is still waiting in accept(): an empty
	 * connection lets it finish. One that served libcurl exits on its
	 * own once the connection closes. */
	poke(port);
	waitpid(pid, &status, 0);
	*log = slurp(logpath, NULL);
	if (*log == NULL)
		*log = "";
	return res;
}

static void
test_smtp(void)
{
	struct script good = { 220, 250, 250, 354, 250 }, s;
	const char *why;
	char *log;

	is_int(MAIL_SENT,
	    smtp_run(
		&good, "roster@example.org", "bob@example.net", &log, &why),
	    "SMTP delivery succeeds");
	contains(log, "MAIL FROM:<roster@example.org>", "envelope sender");
	contains(log, "RCPT TO:<bob@example.net>\n", "one envelope recipient");
	contains(log, "--DATA--\n" MSG_STUFFED "--END--\n",
	    "DATA carries the message, dot-stuffed by libcurl");

	s = good;
	s.rcpt = 450;
	is_int(MAIL_RETRY,
	    smtp_run(&s, "roster@example.org", "bob@example.net", &log, &why),
	    "RCPT 450 is a retry");
	ok(why != NULL && strstr(why, "450") != NULL, "reason names 450: %s",
	    why ? why : "(none)");
	s = good;
	s.rcpt = 550;
	is_int(MAIL_FAILED,
	    smtp_run(&s, "roster@example.org", "bob@example.net", &log, &why),
	    "RCPT 550 is a failure");
	ok(why != NULL && strstr(why, "550") != NULL, "reason names 550");
	s = good;
	s.mail = 451;
	is_int(MAIL_RETRY,
	    smtp_run(&s, "roster@example.org", "bob@example.net", &log, &why),
	    "MAIL 451 is a retry");
	s = good;
	s.end = 554;
	is_int(MAIL_FAILED,
	    smtp_run(&s, "roster@example.org", "bob@example.net", &log, &why),
	    "554 after DATA is a failure");
	s = good;
	s.end = 452;
	is_int(MAIL_RETRY,
	    smtp_run(&s, "roster@example.org", "bob@example.net", &log, &why),
	    "452 after DATA is a retry");
	s = good;
	s.greeting = 421;
	is_int(MAIL_RETRY,
	    smtp_run(&s, "roster@example.org", "bob@example.net", &log, &why),
	    "421 greeting is a retry");

	/* Refused before libcurl: the server never hears a command. */
	is_int(MAIL_FAILED,
	    smtp_run(&good, "roster@example.org",
		"bob@example.net\r\nRCPT TO:<eve@example.net>", &log, &why),
	    "recipient with CRLF refused");
	is_string("", log, "no SMTP command was sent for it");
	is_int(MAIL_FAILED,
	    smtp_run(&good, "roster@example.org\r\nRSET", "bob@example.net",
		&log, &why),
	    "sender with CRLF refused");
	is_string("", log, "no SMTP command was sent for it");
	is_int(MAIL_FAILED,
	    smtp_run(
		&good, "roster@example.org", "<bob@example.net>", &log, &why),
	    "bracketed recipient refused");
}

static void
test_smtp_other(void)
{
	struct mail_transport t;
	const char *why;
	int lfd, port;

	/* A port nobody listens on. */
	lfd = listen_local(&port);
	close(lfd);
	memset(&t, 0, sizeof(t));
	t.from = "roster@example.org";
	t.smtp_url = arena_printf(A, "smtp://127.0.0.1:%d", port);
	why = NULL;
	is_int(MAIL_RETRY,
	    mail_transport_smtp(&t, A, "bob@example.net", MSG, strlen(MSG), &why),
	    "connection refused is a retry");
	ok(why != NULL, "with a reason: %s", why ? why : "(none)");

	t.smtp_url = "http://127.0.0.1:1/";
	is_int(MAIL_RETRY,
	    mail_transport_smtp(&t, A, "bob@example.net", MSG, strlen(MSG), &why),
	    "non-SMTP URL is not used");
	t.smtp_url = "file:///etc/passwd";
	is_int(MAIL_RETRY,
	    mail_transport_smtp(&t, A, "bob@example.net", MSG, strlen(MSG), &why),
	    "file URL is not used");

	/* With no SMTP URL the transport writes files. */
	t.smtp_url = NULL;
	t.mail_dir = arena_printf(A, "%s/spool", tmpdir);
	is_int(MAIL_SENT,
	    mail_transport_send(
		&t, A, "7", "bob@example.net", MSG, strlen(MSG), &why),
	    "no SMTP URL: file transport");
	ok(access(arena_printf(A, "%s/7.eml", t.mail_dir), F_OK) == 0,
	    "file written under the outbox id");
	t.smtp_url = "";
	is_int(MAIL_SENT,
	    mail_transport_send(
		&t, A, "8", "bob@example.net", MSG, strlen(MSG), &why),
	    "empty SMTP URL: file transport");
	is_int(MAIL_FAILED,
	    mail_transport_send(
		&t, A, "9", "bob@example.net\r\nX: y", MSG, strlen(MSG), &why),
	    "file transport refuses a bad recipient too");
	ok(access(arena_printf(A, "%s/9.eml", t.mail_dir), F_OK) == -1,
	    "and writes nothing");
}

/* Which settings require TLS, and which a mailer refuses to start with. */
static void
test_tls_rules(void)
{
	struct mail_transport t;
	const char *why;
	char *ca = arena_printf(A, "%s/ca.pem", tmpdir);
	FILE *f;

	memset(&t, 0, sizeof(t));
	t.from = "roster@example.org";
	ok(mail_transport_check(&t) == NULL, "no SMTP URL, no credentials: ok");
	t.smtp_user = "u";
	t.smtp_password = "p";
	why = mail_transport_check(&t);
	ok(why != NULL && strstr(why, "ROSTER_SMTP_URL") != NULL &&
		strstr(why, "ROSTER_SMTP_USER") != NULL,
	    "credentials without an SMTP URL refused: %s", why ? why : "");
	t.smtp_url = "http://mail.example.org/";
	why = mail_transport_check(&t);
	ok(why != NULL && strstr(why, "smtp://") != NULL,
	    "credentials with an http:// URL refused: %s", why ? why : "");
	t.smtp_url = "smtp://mail.example.org:587";
	ok(mail_transport_check(&t) == NULL, "credentials with smtp://: ok");
	ok(mail_transport_tls(&t), "and then STARTTLS is required");
	t.smtp_url = "smtps://mail.example.org:465";
	ok(mail_transport_check(&t) == NULL && mail_transport_tls(&t),
	    "credentials with smtps://: ok, TLS");
	t.smtp_url = "smtp://mail.example.org:587";
	t.smtp_password = NULL;
	why = mail_transport_check(&t);
	ok(why != NULL && strstr(why, "together") != NULL,
	    "a user without a password refused: %s", why ? why : "");
	t.smtp_user = NULL;
	t.smtp_password = "p";
	ok(mail_transport_check(&t) != NULL, "a password without a user refused");
	ok(mail_transport_tls(&t), "a password alone still requires TLS");
	t.smtp_password = "";
	t.smtp_user = "";
	ok(mail_transport_check(&t) == NULL, "empty credentials are none");
	ok(!mail_transport_tls(&t),
	    "smtp:// without credentials: STARTTLS only when offered");
	t.require_tls = true;
	ok(mail_transport_tls(&t), "ROSTER_SMTP_REQUIRE_TLS=1 requires it");
	t.require_tls = false;
	t.smtp_url = "smtp://u:p@mail.example.org:587";
	ok(mail_transport_tls(&t), "a user in the URL requires TLS");
	t.smtp_url = "smtp://mail.example.org:587";
	t.ca_file = arena_printf(A, "%s/no-such-ca.pem", tmpdir);
	why = mail_transport_check(&t);
	ok(why != NULL && strstr(why, "ROSTER_SMTP_CA_FILE") != NULL,
	    "an unreadable CA file refused: %s", why ? why : "");
	if ((f = fopen(ca, "w")) != NULL)
		fclose(f);
	t.ca_file = ca;
	ok(mail_transport_check(&t) == NULL, "a readable CA file: ok");
	is_int(MAIL_RETRY, mail_transport_classify(CURLE_USE_SSL_FAILED, 502),
	    "a server that will not start TLS is a retry, whatever it replied");
}

/* Credentials against a server that does not offer STARTTLS: libcurl stops
 * before AUTH, the message is a retry and the reason says why. */
static void
test_smtp_no_starttls(void)
{
	struct script good = { 220, 250, 250, 354, 250 };
	char *logpath = arena_printf(A, "%s/smtp.log", tmpdir), *log;
	struct mail_transport t;
	const char *why = NULL;
	int lfd, port, status;
	pid_t pid;

	unlink(logpath);
	lfd = listen_local(&port);
	if ((pid = fork()) == -1)
		exit(1);
	if (pid == 0)
		serve(lfd, &good, logpath);
	close(lfd);
	memset(&t, 0, sizeof(t));
	t.smtp_url = arena_printf(A, "smtp://127.0.0.1:%d", port);
	t.smtp_user = "roster";
	t.smtp_password = "s3cret-pw";
	t.from = "roster@example.org";
	is_int(MAIL_RETRY,
	    mail_transport_smtp(&t, A, "bob@example.net", MSG, strlen(MSG), &why),
	    "credentials, no STARTTLS offered: a retry");
	poke(port);
	waitpid(pid, &status, 0);
	log = slurp(logpath, NULL);
	ok(why != NULL &&
		strstr(why, arena_printf(A,
				"the SMTP server at 127.0.0.1:%d does not "
				"offer STARTTLS; refusing to send credentials "
				"in clear",
				port)) != NULL,
	    "the reason names the server: %s", why ? why : "(none)");
	ok(why != NULL && strstr(why, "s3cret") == NULL,
	    "and not the password");
	ok(log != NULL && strstr(log, "EHLO") != NULL,
	    "the server was greeted");
	ok(log != NULL && strstr(log, "AUTH") == NULL &&
		strstr(log, "MAIL FROM") == NULL,
	    "no AUTH and no MAIL FROM was sent");
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGPIPE, SIG_IGN);
	A = arena_new(0);
	plan_lazy();
	test_file();
	test_classify();
	test_smtp();
	test_smtp_other();
	test_tls_rules();
	test_smtp_no_starttls();
	arena_free(A);
	curl_global_cleanup();
	if (system(arena_printf(A = arena_new(0), "rm -rf '%s'", tmpdir)) != 0)
		diag("could not remove %s", tmpdir);
	arena_free(A);
	return done_testing();
}
