/*
 * Transports: the file transport writes each message atomically to
 * $ROSTER_STATE_DIR/mail/<outbox id>.eml (for development and tests); the
 * SMTP transport hands it to libcurl, over TLS whenever the server offers
 * it and never without it when credentials are set (mail_transport_tls),
 * certificates always verified. Both report sent, retry or failed; neither
 * ever logs a message body.
 */
#include "mail/mail.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/email.h"
#include "util/log.h"
#include "util/str.h"

#define SMTP_CONNECT_TIMEOUT 10L
#define SMTP_TIMEOUT         30L

const char *
mail_transport_result_str(enum mail_result r)
{
	static const char *const names[MAIL__MAX] = {
		[MAIL_SENT] = "sent",
		[MAIL_RETRY] = "retry",
		[MAIL_FAILED] = "failed",
		[MAIL_SKIPPED] = "skipped",
	};

	return (unsigned)r < MAIL__MAX ? names[r] : "unknown";
}

/* An outbox id: 1 to 19 digits, so it is also a safe file name. */
static bool
id_valid(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (id[n] < '0' || id[n] > '9')
			return false;
	return n > 0 && n < 20;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

enum mail_result
mail_transport_file(const char *dir, const char *id, const char *msg,
    size_t len, const char **why)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd = -1, dfd = -1, n, m;
	bool made = false;

	if (!id_valid(id)) {
		*why = "malformed outbox id";
		return MAIL_FAILED;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		*why = "cannot create the mail directory";
		goto fail;
	}
	/* The temporary name is hidden and does not end in .eml, so a
	 * reader of the directory never sees a partial message. */
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.eml.XXXXXX", dir, id);
	m = snprintf(dst, sizeof(dst), "%s/%s.eml", dir, id);
	if (n < 0 || (size_t)n >= sizeof(tmp) || m < 0 ||
	    (size_t)m >= sizeof(dst)) {
		*why = "mail directory path too long";
		goto fail;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		*why = "cannot create a file in the mail directory";
		goto fail;
	}
	made = true;
	if (fchmod(fd, 0600) == -1 || write_all(fd, msg, len) == -1 ||
	    fsync(fd) == -1) {
		*why = "cannot write the message file";
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		*why = "cannot write the message file";
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dst) == -1) {
		*why = "cannot rename the message file";
		goto fail;
	}
	made = false;
	/* Make the rename itself durable. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return MAIL_SENT;
fail:
	log_warn("mail file %s/%s.eml: %s: %s", dir, id, *why, strerror(errno));
	if (fd != -1)
		close(fd);
	if (made)
		(void)unlink(tmp);
	return MAIL_RETRY;
}

enum mail_result
mail_transport_classify(int curl_code, long smtp_code)
{
	if (curl_code == CURLE_OK)
		return MAIL_SENT;
	/* A refused login is a configuration mistake, not the message's:
	 * keep retrying so fixing the password lets the mail go out. */
	if (curl_code == CURLE_LOGIN_DENIED)
		return MAIL_RETRY;
	/* So is a server that will not start TLS when it must, whatever it
	 * replied: the message waits until the server or the settings are
	 * fixed. */
	if (curl_code == CURLE_USE_SSL_FAILED)
		return MAIL_RETRY;
	if (smtp_code >= 500 && smtp_code <= 599)
		return MAIL_FAILED;
	return MAIL_RETRY;
}

struct upload {
	const char *p;
	size_t left;
};

static size_t
upload_read(char *dst, size_t size, size_t nitems, void *arg)
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

static bool
smtp_url_valid(const char *url)
{
	return url != NULL &&
	    (str_startswith(url, "smtp://") || str_startswith(url, "smtps://"));
}

static bool
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* Where a URL points, for messages: host and port as libcurl reads them,
 * and whether it names a user (credentials in the URL). */
struct smtp_where {
	char host[256];
	char port[16];
	bool user;
};

/* Fills *w from url; false when libcurl cannot parse it. */
static bool
smtp_where(const char *url, struct smtp_where *w)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *user = NULL;
	bool ok = false;

	memset(w, 0, sizeof(*w));
	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
		CURLUE_OK) {
		snprintf(w->host, sizeof(w->host), "%s", host);
		snprintf(w->port, sizeof(w->port), "%s", port);
		w->user = curl_url_get(u, CURLUPART_USER, &user, 0) ==
			CURLUE_OK &&
		    user != NULL && user[0] != '\0';
		ok = true;
	}
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return ok;
}

/* Whether t carries credentials: a user or password of its own, or a
 * user in the URL (libcurl would send those too). */
static bool
smtp_credentials(const struct mail_transport *t)
{
	struct smtp_where w;

	if (nonempty(t->smtp_user) || nonempty(t->smtp_password))
		return true;
	return nonempty(t->smtp_url) && smtp_where(t->smtp_url, &w) && w.user;
}

bool
mail_transport_tls(const struct mail_transport *t)
{
	struct smtp_where w;

	if (!nonempty(t->smtp_url) || str_startswith(t->smtp_url, "smtps://"))
		return true;
	/* A URL libcurl cannot read is not trusted to carry nothing. */
	if (!smtp_where(t->smtp_url, &w))
		return true;
	return t->require_tls || smtp_credentials(t);
}

const char *
mail_transport_check(const struct mail_transport *t)
{
	bool creds = nonempty(t->smtp_user) || nonempty(t->smtp_password);
	struct smtp_where w;

	if (!nonempty(t->smtp_url))
		return creds ? "ROSTER_SMTP_USER or ROSTER_SMTP_PASSWORD is set "
			       "but ROSTER_SMTP_URL is not: set ROSTER_SMTP_URL "
			       "to an smtp:// or smtps:// URL, or unset them"
			     : NULL;
	if (!smtp_url_valid(t->smtp_url))
		return creds ? "ROSTER_SMTP_URL must begin with smtp:// or "
			       "smtps://: the credentials in ROSTER_SMTP_USER "
			       "and ROSTER_SMTP_PASSWORD would not be protected"
			     : "ROSTER_SMTP_URL must begin with smtp:// or "
			       "smtps://";
	if (!smtp_where(t->smtp_url, &w))
		return "ROSTER_SMTP_URL is not a URL the mailer can use";
	if (nonempty(t->smtp_user) != nonempty(t->smtp_password))
		return "ROSTER_SMTP_USER and ROSTER_SMTP_PASSWORD must be set "
		       "together";
	if (nonempty(t->ca_file) && access(t->ca_file, R_OK) == -1)
		return "ROSTER_SMTP_CA_FILE names a file the mailer cannot read";
	/* Holds by construction (credentials make TLS required); checked so
	 * that a change to mail_transport_tls cannot undo it silently. */
	if (smtp_credentials(t) && !mail_transport_tls(t))
		return "the SMTP settings would send credentials in clear: fix "
		       "ROSTER_SMTP_URL, ROSTER_SMTP_USER, ROSTER_SMTP_PASSWORD";
	return NULL;
}

/* The reason for a server that did not start TLS when it was required:
 * where it is and what was refused, never a credential. */
static const char *
smtp_no_tls(const struct mail_transport *t, struct arena *a, const char *err)
{
	struct smtp_where w;

	if (!smtp_where(t->smtp_url, &w))
		snprintf(w.host, sizeof(w.host), "?");
	return arena_printf(a, "the SMTP server at %s:%s %s; refusing to send %s",
	    w.host, w.port,
	    strstr(err, "denied") != NULL ? "refused STARTTLS"
					   : "does not offer STARTTLS",
	    smtp_credentials(t) ? "credentials in clear"
				: "mail in clear (ROSTER_SMTP_REQUIRE_TLS=1)");
}

/* The server's last reply line, kept so that a refusal can say what the
 * server said ("550 5.1.1 no such user"), not only its code. */
struct smtp_reply {
	char line[200];
};

/* libcurl's debug callback: keeps the last refusal (4xx, 5xx) the
 * server sent, as printable ASCII (it may hold anything): the QUIT that
 * follows a refusal must not overwrite it. Ignores everything else, the
 * client's commands included. */
static int
smtp_reply_keep(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp_reply *r = arg;
	size_t n = 0;

	(void)h;
	if (type != CURLINFO_HEADER_IN || size == 0 ||
	    (data[0] != '4' && data[0] != '5'))
		return 0;
	for (size_t i = 0; i < size && n + 1 < sizeof(r->line); i++)
		if (data[i] >= 0x20 && data[i] < 0x7f)
			r->line[n++] = data[i];
	r->line[n] = '\0';
	return 0;
}

/* What mail_transport_keep keeps. */
struct mail_conn {
	CURL *h;  /* NULL: no connection open */
	bool tls; /* mail_transport_tls(t), decided once */
};

int
mail_transport_keep(struct mail_transport *t)
{
	if (!nonempty(t->smtp_url) || t->conn != NULL)
		return 0;
	if ((t->conn = calloc(1, sizeof(*t->conn))) == NULL)
		return -1;
	t->conn->tls = mail_transport_tls(t);
	return 0;
}

void
mail_transport_hangup(const struct mail_transport *t)
{
	if (t->conn != NULL && t->conn->h != NULL) {
		curl_easy_cleanup(t->conn->h);
		t->conn->h = NULL;
	}
}

void
mail_transport_free(struct mail_transport *t)
{
	mail_transport_hangup(t);
	free(t->conn);
	t->conn = NULL;
}

enum mail_result
mail_transport_smtp(const struct mail_transport *t, struct arena *a,
    const char *rcpt, const char *msg, size_t len, const char **why)
{
	struct smtp_reply reply = { "" };
	struct upload up = { msg, len };
	struct curl_slist *rcpts = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	enum mail_result res;
	CURLcode rc;
	long code = 0;
	CURL *c;

	/* Checked again here: a CR or LF reaching MAIL FROM or RCPT TO
	 * would let the address write its own SMTP commands. */
	if (!email_valid(t->from, EMAIL_HEADER) ||
	    !email_valid(rcpt, EMAIL_HEADER)) {
		*why = "invalid sender or recipient";
		log_warn("smtp: refusing an invalid sender or recipient");
		return MAIL_FAILED;
	}
	if (!smtp_url_valid(t->smtp_url)) {
		*why = "the SMTP URL is not smtp:// or smtps://";
		log_err("smtp: %s", *why);
		return MAIL_RETRY;
	}
	if (t->conn != NULL) {
		/* The kept handle: reset to no options, its connection
		 * cache (the open connection) stays. */
		if (t->conn->h == NULL)
			t->conn->h = curl_easy_init();
		else
			curl_easy_reset(t->conn->h);
		c = t->conn->h;
	} else
		c = curl_easy_init();
	if (c == NULL ||
	    (rcpts = curl_slist_append(NULL, arena_printf(a, "<%s>", rcpt))) ==
		NULL) {
		*why = "cannot set up libcurl";
		log_err("smtp: %s", *why);
		res = MAIL_RETRY;
		goto done;
	}
	curl_easy_setopt(c, CURLOPT_URL, t->smtp_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(
	    c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(
	    c, CURLOPT_MAIL_FROM, arena_printf(a, "<%s>", t->from));
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SMTP_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	/* STARTTLS whenever offered, required when mail_transport_tls says
	 * so (libcurl then stops before AUTH); always verified. */
	curl_easy_setopt(c, CURLOPT_USE_SSL,
	    (t->conn != NULL ? t->conn->tls : mail_transport_tls(t))
		? (long)CURLUSESSL_ALL
		: (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (nonempty(t->ca_file))
		curl_easy_setopt(c, CURLOPT_CAINFO, t->ca_file);
	if (t->smtp_user != NULL && t->smtp_user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, t->smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
		    t->smtp_password != NULL ? t->smtp_password : "");
	}
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, smtp_reply_keep);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &reply);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	rc = curl_easy_perform(c);
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		code = 0;
	res = mail_transport_classify((int)rc, code);
	if (rc == CURLE_USE_SSL_FAILED)
		*why = smtp_no_tls(t, a, errbuf);
	else if (res != MAIL_SENT && code >= 400 &&
	    strncmp(reply.line, arena_printf(a, "%ld", code), 3) == 0)
		/* The refusal in the server's words, then libcurl's. */
		*why = arena_printf(a, "smtp: %s (%s)", reply.line,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	else if (res != MAIL_SENT)
		*why = arena_printf(a, "smtp: %s (reply %ld)",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), code);
done:
	curl_slist_free_all(rcpts);
	if (t->conn != NULL) {
		/* After anything but success the connection may be in any
		 * state: the next message starts on a new one. */
		if (res != MAIL_SENT)
			mail_transport_hangup(t);
		else
			/* Nothing may point into this frame any more: the
			 * QUIT at hangup still calls the debug callback. */
			curl_easy_reset(c);
	} else if (c != NULL)
		curl_easy_cleanup(c);
	return res;
}

enum mail_result
mail_transport_send(const struct mail_transport *t, struct arena *a,
    const char *id, const char *rcpt, const char *msg, size_t len,
    const char **why)
{
	if (t->smtp_url != NULL && t->smtp_url[0] != '\0')
		return mail_transport_smtp(t, a, rcpt, msg, len, why);
	if (t->mail_dir == NULL) {
		*why = "no mail directory";
		return MAIL_RETRY;
	}
	/* The file transport still refuses what SMTP would refuse. */
	if (!email_valid(rcpt, EMAIL_HEADER)) {
		*why = "invalid recipient";
		return MAIL_FAILED;
	}
	return mail_transport_file(t->mail_dir, id, msg, len, why);
}
